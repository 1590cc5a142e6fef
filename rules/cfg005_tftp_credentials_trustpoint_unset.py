from __future__ import annotations

from cmedebug.engine import Rule
from cmedebug.remediation import Step
from cmedebug.remediation_steps import CNF_FILES, PHONES_RESTART
from cmedebug.model import Severity
from cmedebug.rules._device import telephony_trustpoint_unset
from cmedebug.rules._format import evidence_of


class TftpCredentialsTrustpointUnset(Rule):
    """CME has no usable `tftp-server-credentials trustpoint`, so it cannot sign phone configs.

    What it detects
        Phones configured for a secure `device-security-mode` (or a CTL
        client configured) while `telephony-service` has no
        `tftp-server-credentials trustpoint`, or names a trustpoint that is not
        defined; or `show telephony-service security-info` with an empty
        `TFTP Credentials Trustpoint:`.

    Why it matters
        CME signs every `SEP<mac>.cnf.xml.sgn` with that trustpoint. Without it
        there is no signed config: phones whose CTL names a TFTP signer keep
        stale settings or never come up secure.

    Evidence
        running-config `telephony-service` without `tftp-server-credentials
        trustpoint`; `show telephony-service security-info` -> `TFTP
        Credentials Trustpoint:` with no value; TFTP requests for
        `SEP<mac>.cnf.xml.sgn` answered `No such file`.

    False positives
        A partial configuration proves nothing by absence and is not used.

    References
        Secure CME primer F20 tftp-credentials-trustpoint-unset; CME Security guide.
    """

    id = "CFG005"
    name = "tftp-credentials-trustpoint-unset"
    title = "tftp-server-credentials trustpoint not configured"
    severity = Severity.HIGH
    tags = ("config", "signed-config")
    requires = ("config.telephony_service", "telephony.security_info")
    explains = ("CFG001", "CFG002", "CTL004")
    collect = ("show running-config", "show telephony-service security-info")
    remediation = (
        Step("config", "telephony-service"),
        Step("config-telephony", "tftp-server-credentials trustpoint {tftp_trustpoint}",
             why="the trustpoint whose certificate signs the phones' files"),
        Step("config", "ctl-client"),
        Step("config-ctl-client", "server tftp {cme_ip} trustpoint {tftp_trustpoint}",
             why="the phones check the files' signer against this CTL record, so it comes first"),
        Step("config-ctl-client", "regenerate"),
        *CNF_FILES,
        *PHONES_RESTART,
    )
    verify = "Verify with `show telephony-service security-info` (trustpoint shown) and `debug tftp events` (.sgn served)."

    def evaluate(self, case):
        problem = telephony_trustpoint_unset(case, "tftp_server_credentials_trustpoint",
                                             "tftp-server-credentials trustpoint")
        if problem:
            message, items, confidence = problem
            yield self.finding(f"Phones are to register securely but {message}: CME cannot sign the phone "
                               "configuration files.", evidence_of(items), confidence=confidence)
