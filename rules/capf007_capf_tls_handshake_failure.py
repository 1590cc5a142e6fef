from __future__ import annotations

from cmedebug.engine import Rule
from cmedebug.remediation import Step
from cmedebug.remediation_steps import PHONES_RESTART
from cmedebug.model import Confidence, Severity
from cmedebug.formatting import fmt_time
from cmedebug.rules._format import evidence_of
from cmedebug.rules._tls_reason import read_reason
from cmedebug.rules._trust import capf_sessions

# A session still failing after this many errors is not the transient pair
# seen in Cisco's working example (two -6983 a second apart, then success).
PERSISTENT_ERRORS = 3
# the code of that transient pair (ios-commands.md, CAPF; corpus 01)
TRANSIENT_CODE = -6983


def _not_transient(error) -> bool:
    """An `SSL Handshake Error` that is not the transient -6983: another code, or an OpenSSL reason."""
    return error.fields.get("reason") is not None or error.fields.get("code") not in (None, TRANSIENT_CODE)


class CapfTlsHandshakeFailure(Rule):
    """Phones connect to CAPF (TCP 3804) but the TLS handshake never succeeds.

    What it detects
        CAPF sessions in `debug capf-server all` that start (`New Connection
        from phone, socket N`) and log `SSL Handshake Error -NNNN` without ever
        reaching `SSL Handshake Successful`: either another connection starts
        or the errors keep coming. Two -6983 errors followed by success are
        the normal, transient pattern and are not reported; an error with
        another code or an OpenSSL reason (`SSL Handshake Error tlsv1 alert
        unknown ca`) and no success is, even in the capture's last session,
        and the reason is read (who refused whose certificate, likely cause).

    Why it matters
        Without TLS the CAPF dialogue (authentication, key generation,
        certificate install) never starts, so phones never get an LSC. Usual
        causes: the CTL has no CAPF record or it names another trustpoint than
        `capf-server` / `trustpoint-label` (CTL007), or that trustpoint has no
        certificate.

    Evidence
        `New Connection from phone, socket 1`, `Created New Handshake Process`,
        `SSL Handshake Error -6983` repeated, no `SSL Handshake Successful`
        and no `ephone_capf_send_auth_req:`.

    False positives
        A capture that stops in the middle of a session: a last session with
        fewer than three errors is not reported.

    References
        Secure CME primer F26 capf-tls-or-ctl-record-failure; CME Command
        Reference `debug capf-server` (sample 01, transient errors).
    """

    id = "CAPF007"
    name = "capf-tls-handshake-failure"
    title = "CAPF TLS handshake fails (not the transient retries)"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    tags = ("capf", "tls")
    requires = ("capf",)
    collect = ("debug capf-server all", "show capf-server summary", "show ctl-client")
    remediation = (
        Step("config", "capf-server"),
        Step("config-capf-server", "trustpoint-label {capf_trustpoint}",
             why="CAPF's TLS certificate: an enrolled trustpoint with a key"),
        Step("config", "ctl-client"),
        Step("config-ctl-client", "server capf {cme_ip} trustpoint {capf_trustpoint}",
             why="the phones validate CAPF's certificate against this CTL record"),
        Step("config-ctl-client", "regenerate"),
        *PHONES_RESTART,
    )
    verify = "Verify with `debug capf-server all` (SSL Handshake Successful, then ephone_capf_send_auth_req:)."

    def evaluate(self, case):
        sessions = capf_sessions(case)
        failed = []
        for n, session in enumerate(sessions):
            errors = [e for e in session if e.kind == "capf.tls.handshake_error"]
            ok = any(e.kind == "capf.tls.handshake_ok" for e in session)
            last = n == len(sessions) - 1
            if errors and not ok and (not last or len(errors) >= PERSISTENT_ERRORS or any(map(_not_transient, errors))):
                failed.append((session, errors))
        if not failed:
            return
        first_errors = failed[0][1]
        codes = sorted({str(e.fields.get("code") or e.fields.get("reason")) for _, errs in failed for e in errs})
        readings = list(dict.fromkeys(filter(None, (read_reason(e.fields.get("reason"), "capf")
                                                    for _, errs in failed for e in errs))))
        total = sum(len(errs) for _, errs in failed)
        message = (f"{len(failed)} CAPF session(s) never completed TLS: {total} 'SSL Handshake Error' "
                   f"({', '.join(codes)}) without 'SSL Handshake Successful', first at "
                   f"{fmt_time(first_errors[0].ts)}. Phones cannot reach CAPF authentication, so no LSC is installed.")
        if readings:
            message += " Reason read: " + ". ".join(readings[:2]) + "."
        yield self.finding(message, evidence_of([e for s, _ in failed[:2] for e in s], 8),
                           first_seen=failed[0][0][0].ts, device=first_errors[0].device)
