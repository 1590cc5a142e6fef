from __future__ import annotations

from cmedebug.engine import Rule
from cmedebug.remediation import Step
from cmedebug.remediation_steps import PHONES_RESTART
from cmedebug.model import Severity
from cmedebug.rules._device import telephony_trustpoint_unset
from cmedebug.rules._format import evidence_of


class SecureSignalingTrustpointUnset(Rule):
    """CME has no usable `secure-signaling trustpoint`, so it cannot do TLS with the phones.

    What it detects
        Phones configured for a secure `device-security-mode` (or a CTL
        client configured) while `telephony-service` has no `secure-signaling
        trustpoint`, or names a trustpoint that is not defined; or `show
        telephony-service security-info` with an empty `Skinny Server
        Trustpoint for TLS:`.

    Why it matters
        That trustpoint's certificate is what CME presents on TCP 2443. Without
        it CME does not even open the secure listener, and phones in
        authenticated or encrypted mode cannot register.

    Evidence
        running-config `telephony-service` without `secure-signaling trustpoint`;
        `show telephony-service security-info` -> `Skinny Server Trustpoint for
        TLS:` with no value; `show ephone socket` ->
        `skinny_secure_tcp_listen_socket fd = -1`.

    False positives
        A partial configuration (`show running-config | section ...`) proves
        nothing by absence and is not used.

    References
        Secure CME primer F19 secure-signaling-trustpoint-unset; CME Security guide.
    """

    id = "CFG004"
    name = "secure-signaling-trustpoint-unset"
    title = "secure-signaling trustpoint not configured"
    severity = Severity.HIGH
    tags = ("config", "tls")
    requires = ("config.telephony_service", "telephony.security_info")
    explains = ("TLS001", "CFG007", "CTL003")
    collect = ("show running-config", "show telephony-service security-info")
    remediation = (
        Step("config", "telephony-service"),
        Step("config-telephony", "secure-signaling trustpoint {cme_trustpoint}",
             why="CME's TLS certificate on 2443: an enrolled trustpoint with a key"),
        Step("config", "ctl-client"),
        Step("config-ctl-client", "server cme {cme_ip} trustpoint {cme_trustpoint}",
             why="the phones validate CME's certificate against this CTL record"),
        Step("config-ctl-client", "regenerate"),
        *PHONES_RESTART,
    )
    verify = "Verify with `show telephony-service security-info` (trustpoint shown) and `show ephone socket` (fd >= 0)."

    def evaluate(self, case):
        problem = telephony_trustpoint_unset(case, "secure_signaling_trustpoint", "secure-signaling trustpoint")
        if problem:
            message, items, confidence = problem
            yield self.finding(f"Phones are to register securely but {message}: CME has no certificate to present "
                               "on TLS port 2443.", evidence_of(items), confidence=confidence)
