from __future__ import annotations

from cmedebug.engine import Rule
from cmedebug.remediation import Step
from cmedebug.remediation_steps import PHONE_FILE_THEN_RESET, PHONE_KEY_SIZE, null_string_upgrade
from cmedebug.model import Confidence, Severity
from cmedebug.formatting import fmt_time
from cmedebug.rules._format import evidence_of, sep
from cmedebug.rules._trust import capf_sessions, is_capf_message, session_mac

# `phone-key-size` accepts 512, 1024 (default) and 2048; phones and FIPS policy reject 512.
SUPPORTED = (1024, 2048)
DEFAULT_SIZE = 1024  # what `phone-key-size` defaults to, and the fix sets


class PhoneKeySizeUnsupported(Rule):
    """CAPF asks the phones for a key size they cannot generate or that policy rejects.

    What it detects
        `capf-server` / `phone-key-size` (or `Phone Key Size:` in `show
        capf-server summary`, or `KeySize <n>` in a key-generation request)
        other than 1024 or 2048; and a CAPF session that fails right after a
        `PhKeyGenReq` for another size than 1024 (the phone aborts or ends the
        session instead of answering with its key; every secure phone makes a
        1024-bit key, so an abort after that request has another cause).

    Why it matters
        A phone that cannot generate the size never gets an LSC; a 512-bit LSC
        is refused later by FIPS-mode devices and by current TLS stacks.

    Evidence
        `Phone Key Size: 512`; `ephone_capf_send_PhKeyGenReq_msg:
        SEP000E325C9A43 KeySize 4096` followed by `ephone_capf_handle_phone_msg:
        msgtype 20` (abort) or `ephone_capf_release_session`.

    False positives
        Cisco's own full example uses `phone-key-size 512` on old phones; it
        works there but is weak (reported as medium).

    References
        Secure CME primer F41 phone-key-size-unsupported; CME Security guide (capf-server).
    """

    id = "CAPF006"
    name = "phone-key-size-unsupported"
    title = "CAPF phone key size unsupported"
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    tags = ("capf", "key")
    requires = ("config.capf_server", "capf.summary", "capf.keygen")
    collect = ("show capf-server summary", "debug capf-server all")
    remediation = (
        *PHONE_KEY_SIZE,
        Step("config", "ephone {ephone}"),
        null_string_upgrade("install an LSC of the new size"),
        *PHONE_FILE_THEN_RESET,
    )
    verify = "Verify with `debug capf-server all` (msgtype 4 after PhKeyGenReq) and the phone (LSC: Installed)."

    def evaluate(self, case):
        configured = [f for kind in ("config.capf_server", "capf.summary") for f in list(case.facts_of(kind))
                      if isinstance(f.fields.get("phone_key_size"), int)
                      and f.fields["phone_key_size"] not in SUPPORTED]
        if configured:
            size = configured[0].fields["phone_key_size"]
            yield self.finding(f"CAPF asks phones for {size}-bit keys (phone-key-size {size}); phones support "
                               "1024 or 2048 (CME also offers 512, which is weak: FIPS policy refuses a 512-bit LSC).", evidence_of(configured[:2]),
                               key_size=size)
        for session in capf_sessions(case):
            request = next((e for e in session if e.kind == "capf.keygen.requested"), None)
            if request is None or request.fields.get("key_size") == DEFAULT_SIZE:
                continue  # (every secure phone makes a 1024-bit key: an abort then is not about the size)
            after = session[session.index(request) + 1:]
            aborted = next((e for e in after if is_capf_message(e, "ABORT_REQUEST", "END_SESSION")), None)
            answered = any(is_capf_message(e, "KEY_GENERATE_RESPONSE", "REQUEST_IN_PROGRESS") for e in after)
            if aborted is None or answered:
                continue
            mac = session_mac(session)
            yield self.finding(
                f"{sep(mac)} ended the CAPF session right after the {request.fields.get('key_size')}-bit "
                f"key-generation request at {fmt_time(request.ts)} (msgtype {aborted.fields.get('msgtype')}, "
                f"{aborted.fields.get('operation')}): the phone cannot generate that key size.",
                evidence_of([request, aborted]), severity=Severity.HIGH, first_seen=request.ts,
                device=request.device, mac=mac)
