from __future__ import annotations

from cmedebug.engine import Rule
from cmedebug.remediation import Step
from cmedebug.remediation_steps import grant_automatically
from cmedebug.model import Confidence, Severity
from cmedebug.formatting import fmt_time
from cmedebug.rules._device import pki_servers
from cmedebug.rules._evidence import first_fact, full_config_given
from cmedebug.rules._format import evidence_of, sep
from cmedebug.rules._trust import capf_sessions, is_capf_message, session_mac

PKI_FAILURES = ("pki.enroll.failed", "pki.enroll.rejected", "pki.enroll.pending", "pki.ca.socket_send_failed")


# The server of CAPF's cert-enroll-trustpoint set to grant without a person (not where the evidence
# shows it granting automatically already)
GRANT_AUTO = grant_automatically(
    "ra", why="the RA (or CA) that signs the phones' LSCs must grant CAPF's requests without a person",
    grant_why="on the RA in front of the CA only: it grants what CAPF sends",
    warning="grant auto signs every request that reaches this server: keep it on the RA CAPF uses")


class CapfRaEnrollmentFailure(Rule):
    """CAPF cannot get the phone's certificate signed by the CA or RA.

    What it detects
        CAPF sessions that get the phone's public key (msgtype 4) and then fail
        to obtain the LSC: enrollment failures from the PKI client during the
        session (`%PKI-6-CERTFAIL`, `CERTREJECT`, `CERTPENDING`,
        `%PKI-3-SOCKETSEND`) or a release without a certificate being stored;
        `show capf-server sessions` stuck in `AWAIT CA RESP` (`AWAIT ENCRYPT
        MSG RESP` waits for the phone to sign, not for the CA: messages.md);
        a `cert-enroll-trustpoint` that is not a configured, enrolled
        trustpoint.

    Why it matters
        The LSC install stops after key generation. The CA/RA must sign the
        phone's request: an RA not enrolled to the CA, a CA in manual grant
        mode, a wrong enrollment password or an unreachable CA all end here.

    Evidence
        `show capf-server summary` -> `Trustpoint for CA operation: iosra`;
        `show capf-server sessions` -> `SEP<mac>  AWAIT CA RESP`; `debug capf-server`
        msgtype 4 followed by `%PKI-6-CERTFAIL: Certificate enrollment failed.`.

    False positives
        A snapshot taken while the CA is answering shows `AWAIT CA RESP` for a
        moment (reported as low).

    References
        Secure CME primer F40 capf-ra-enrollment-failure; CME Security guide,
        "Configure the Registration Authority".
    """

    id = "CAPF005"
    name = "capf-ra-enrollment-failure"
    title = "CAPF cannot get the LSC signed by the CA/RA"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    tags = ("capf", "pki")
    requires = ("capf", "config.capf_server")
    collect = ("debug capf-server all", "debug crypto pki transactions", "show capf-server sessions",
               "show capf-server summary", "show crypto pki server")
    remediation = (
        Step("exec", "show crypto pki trustpoints {ra} status",
             why="the RA's trustpoint must be enrolled and its CA authenticated"),
        *GRANT_AUTO,
        Step("config", "capf-server"),
        Step("config-capf-server", "cert-enroll-trustpoint {ra} password 1 {password}",
             why="CAPF enrolls through this trustpoint; `1` is the encryption-type digit for a password typed in "
                 "clear text, as the command reference documents it (CR-C: 0 = encrypted; the opposite of other "
                 "IOS commands and of the primer skeleton's `password 0`)"),
    )
    ALREADY_GRANTING = tuple(step for step in remediation if step not in GRANT_AUTO)
    variants = (("the CA grants automatically already", ALREADY_GRANTING),)
    verify = "Verify with `show capf-server sessions` (AWAIT STORE CERT RESP, then done) and the phone (LSC: Installed)."

    def evaluate(self, case):
        yield from self._failed_sessions(case)
        yield from self._bad_enroll_trustpoint(case)
        stuck = [f for f in list(case.facts_of("capf.session"))
                 if any(s in (f.fields.get("state") or "").upper() for s in ("CA RESP", "CA-RESP"))]
        if stuck:
            yield self.finding(
                f"{', '.join(sep(f.fields.get('mac')) for f in stuck[:6])} waiting for the CA/RA "
                f"({stuck[0].fields.get('state')}): check the cert-enroll-trustpoint and the CA's grant mode.",
                evidence_of(stuck), severity=Severity.LOW, confidence=Confidence.LOW)

    def _failed_sessions(self, case):
        pki_failures = list(case.events_of(*PKI_FAILURES))
        for session in capf_sessions(case):
            key = next((e for e in session if is_capf_message(e, "KEY_GENERATE_RESPONSE")), None)
            if key is None:
                continue
            after = session[session.index(key):]
            stored = any(_is_store(e) for e in after)
            end = next((e for e in after if e.kind in ("capf.session.released", "capf.session.end_sent")), None)
            during = [p for p in pki_failures if key.ts and p.ts and key.ts <= p.ts and (end is None or
                                                                                     end.ts is None or p.ts <= end.ts)]
            if stored or not (during or end):
                continue
            mac = session_mac(session)
            why = f"; the PKI client logged {during[0].fields.get('mnemonic') or during[0].kind}" if during else ""
            yield self.finding(
                f"{sep(mac)} sent its public key to CAPF at {fmt_time(key.ts)} but no certificate was stored: "
                f"the CA/RA did not sign the request{why}.",
                evidence_of([key, *during[:2], end], 4), first_seen=key.ts, device=key.device, mac=mac,
                **({"remediation": self.ALREADY_GRANTING}
                   if _grants_automatically(case) else {}))

    def _bad_enroll_trustpoint(self, case):
        capf = first_fact(case, "config.capf_server", "capf.summary")
        name = capf.fields.get("cert_enroll_trustpoint") if capf else None
        if not name:
            return
        status = next((f for f in list(case.facts_of("pki.trustpoint")) if f.fields.get("name") == name), None)
        local_ca = any(f.fields.get("name") == name for f in pki_servers(case))  # the CA signs with its own key
        defined = local_ca or any(f.fields.get("name") == name for f in list(case.facts_of("config.trustpoint")))
        if status is not None and status.fields.get("enrolled") is False and not local_ca \
                and not status.fields.get("self_signed"):
            yield self.finding(f"The CAPF cert-enroll-trustpoint {name} has no certificate (not enrolled), so CAPF "
                               "cannot have phone certificates signed.", evidence_of([capf, status]))
        elif status is None and full_config_given(case) and not defined:
            yield self.finding(f"The CAPF cert-enroll-trustpoint {name} is not defined in the configuration.",
                               evidence_of([capf]), confidence=Confidence.MEDIUM)


def _is_store(event) -> bool:
    """The server sent the issued certificate to the phone (store-cert request)."""
    if event.kind == "capf.message":
        return is_capf_message(event, "STORE_CERTIFICATE_REQUEST", "STORE_CERTIFICATE_RESPONSE")
    return event.kind.startswith(("capf.cert", "capf.debug")) and \
        "store" in f"{event.fields.get('operation')} {event.fields.get('function')}".lower()


def _grants_automatically(case) -> bool:
    """The evidence shows the server of CAPF's cert-enroll-trustpoint granting automatically
    (`grant auto` in its configuration, `Granting mode is: auto`)."""
    capf = first_fact(case, "config.capf_server", "capf.summary")
    ra = capf.fields.get("cert_enroll_trustpoint") if capf else None
    return ra is not None and (
        any(f.fields.get("name") == ra and f.fields.get("grant_auto") for f in case.facts_of("config.pki_server"))
        or any(f.fields.get("name") == ra and str(f.fields.get("grant_mode") or "").startswith("auto")
               for f in case.facts_of("pki.server")))
