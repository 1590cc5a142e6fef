from __future__ import annotations

from cmedebug.engine import Rule
from cmedebug.remediation import Step
from cmedebug.remediation_steps import debugs_while_it_repeats
from cmedebug.model import Confidence, Severity
from cmedebug.formatting import fmt_time
from cmedebug.rules._format import evidence_of, sep
from cmedebug.rules._trust import capf_sessions, is_capf_message, session_mac


class CapfKeygenTimeout(Rule):
    """The phone does not answer CAPF's key-generation request in time.

    What it detects
        `ephone_capf_send_PhKeyGenReq_msg: SEP<mac> KeySize <n>` with no key
        generation response (msgtype 4) before the server gives up: the
        session is released, or the request is sent again (a retry). A
        `show capf-server sessions` row in `AWAIT-KEYGEN-RES` alone is only a
        snapshot of a session in progress and is reported as low.

    Why it matters
        The LSC install hangs at "Pending" and fails after the retries
        (defaults: 30 minutes, 3 retries). Large keys on slow phones, or many
        phones at once, cause it; Cisco advises a maintenance window.

    Evidence
        `ephone_capf_send_PhKeyGenReq_msg: SEP000E325C9A43 KeySize 2048`,
        `ephone_capf_process_req_in_progress: SEP000E325C9A43 delay 0`, then
        `ephone_capf_release_session: SEP000E325C9A43` or a second
        `PhKeyGenReq` for the same phone; `show capf-server summary` ->
        `Phone KeyGen Timeout: 30 minutes`, `Phone KeyGen Retries: 3`.

    False positives
        A capture that ends while the phone is still generating its key: only
        a release or a retry is reported as a failure.

    References
        Secure CME primer F39 capf-keygen-timeout; CME Command Reference
        `show capf-server`, `debug capf-server`.
    """

    id = "CAPF004"
    name = "capf-keygen-timeout"
    title = "CAPF key generation timed out on the phone"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    tags = ("capf",)
    requires = ("capf",)
    collect = ("debug capf-server all", "show capf-server sessions", "show capf-server summary")
    MAX_TIMEOUT, RETRIES = 120, 5
    RAISE_TIMEOUT = Step("config-capf-server", f"keygen-timeout {MAX_TIMEOUT}",
                         why="minutes a phone may take to make its key (1-120, default 30); big keys take 30 minutes "
                             "and more")
    RAISE_RETRIES = Step("config-capf-server", f"keygen-retry {RETRIES}",
                         why="retries before CAPF gives up (0-100, default 3)")
    remediation = (Step("config", "capf-server"), RAISE_TIMEOUT, RAISE_RETRIES)
    # A session caught waiting, or limits already at least these: the next attempt, watched
    WATCH = debugs_while_it_repeats(Step("exec", "debug capf-server all",
                                         why="whether the phone answers the key-generation request (msgtype 4)"))
    variants = (("a session is caught waiting for the phone's key, or the limits are at least these already: the next "
                 "attempt, watched", WATCH),)
    verify = "Verify with `show capf-server sessions` (past AWAIT-KEYGEN-RES) and `debug capf-server all` (msgtype 4)."

    def raise_limits(self, timeout: int | None, retries: int | None) -> list[Step]:
        """The limits to raise, never one the evidence shows higher already (a router at
        keygen-retry 100 must not be set back to 5); the watched attempt when none is lower."""
        raised = [step for step, value, enough in ((self.RAISE_TIMEOUT, timeout, self.MAX_TIMEOUT),
                                                   (self.RAISE_RETRIES, retries, self.RETRIES))
                  if value is None or value < enough]
        return [Step("config", "capf-server"), *raised] if raised else list(self.WATCH)

    def evaluate(self, case):
        def shown(field: str) -> int | None:  # (the configuration's, else `show capf-server summary`'s)
            return next((f.fields[field] for kind in ("config.capf_server", "capf.summary")
                         for f in case.facts_of(kind) if isinstance(f.fields.get(field), int)), None)

        timeout, retries = shown("keygen_timeout"), shown("keygen_retry")
        limits = f" (keygen-timeout {timeout} min, keygen-retry {'?' if retries is None else retries})" \
            if timeout is not None else ""
        fix = self.raise_limits(timeout, retries)
        seen = set()
        for session in capf_sessions(case):
            requests = [e for e in session if e.kind == "capf.keygen.requested"]
            if not requests:
                continue
            answered = any(is_capf_message(e, "KEY_GENERATE_RESPONSE") for e in session)
            after = session[session.index(requests[0]):]
            released = any(e.kind in ("capf.session.released", "capf.session.end_sent") for e in after)
            if answered or not (released or len(requests) > 1):
                continue
            mac = session_mac(session)
            seen.add(mac)
            what = f"{len(requests)} key-generation requests" if len(requests) > 1 else "the session was released"
            yield self.finding(
                f"{sep(mac)} never answered the CAPF key-generation request (KeySize "
                f"{requests[0].fields.get('key_size')}) sent at {fmt_time(requests[0].ts)}: {what} without a key "
                f"response{limits}.",
                evidence_of([e for e in session if e.kind.startswith(("capf.keygen", "capf.session"))], 6),
                remediation=fix, first_seen=requests[0].ts, device=requests[0].device, mac=mac)
        waiting = [f for f in list(case.facts_of("capf.session"))
                   if "KEYGEN" in (f.fields.get("state") or "").upper() and f.fields.get("mac") not in seen]
        if waiting:
            yield self.finding(
                f"{', '.join(sep(f.fields.get('mac')) for f in waiting[:6])} "
                f"{'is' if len(waiting) == 1 else 'are'} waiting for key generation (AWAIT-KEYGEN-RES){limits}; "
                "a snapshot cannot tell a slow phone from a timeout: run `debug capf-server all`.",
                evidence_of(waiting), severity=Severity.LOW, confidence=Confidence.LOW, remediation=self.WATCH)
