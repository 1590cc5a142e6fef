from __future__ import annotations

from cmedebug.engine import Rule
from cmedebug.remediation import Step
from cmedebug.remediation_steps import PHONES_RESTART
from cmedebug.model import Confidence, Severity
from cmedebug.rules._evidence import first_fact
from cmedebug.rules._format import evidence_of
from cmedebug.rules._trust import ctl_entry_problems


class CtlCapfRecordMissing(Rule):
    """CAPF is configured but the CTL has no matching CAPF record.

    What it detects
        `capf-server` configured (or `show capf-server summary` present) while
        the CTL client lists no `server capf` entry, names another trustpoint
        than `trustpoint-label`, or the decoded CTL's CAPF record carries
        another serial than the CAPF trustpoint's certificate.

    Why it matters
        Cisco makes a CAPF entry in the CTL a precondition for LSC installs:
        the phone validates CAPF's TLS certificate on 3804 against it. Without
        it CAPF sessions never get past the TLS handshake and no LSC installs.

    Evidence
        `show capf-server summary` -> `Trustpoint for TLS With Phone: cmeserver`
        against `show ctl-client` (no `CAPF` row, or `CAPF 10.1.1.1 other-tp`);
        the CTL file's record list without a CAPF role.

    False positives
        A `capf-server` left configured on a system that does not use LSCs.

    References
        Secure CME primer F26 capf-tls-or-ctl-record-failure; CME Security guide (CAPF).
    """

    id = "CTL007"
    name = "ctl-capf-record-missing"
    title = "CTL lacks the CAPF record while CAPF is configured"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    tags = ("ctl", "capf")
    requires = ("config.capf_server", "capf.summary")
    explains = ("CAPF007",)
    collect = ("show capf-server summary", "show ctl-client", "CTLSEP<MAC>.tlv from CME's TFTP server")
    remediation = (
        Step("config", "ctl-client"),
        Step("config-ctl-client", "server capf {cme_ip} trustpoint {trustpoint}",
             why="the phones validate CAPF's certificate against this record"),
        Step("config-ctl-client", "regenerate"),
        *PHONES_RESTART,
    )
    verify = "Verify with `show ctl-client` (CAPF row) and `debug capf-server all` (SSL Handshake Successful)."

    def evaluate(self, case):
        capf = first_fact(case, "config.capf_server", "capf.summary")
        trustpoint = capf.fields.get("trustpoint_label") if capf else None
        problems = ctl_entry_problems(case, "capf", trustpoint)
        if problems:
            yield self.finding(
                f"CAPF uses trustpoint {trustpoint} for TLS with the phones, but " + "; ".join(m for m, _ in problems)
                + ": phones cannot validate CAPF and no LSC can be installed.",
                evidence_of([capf, *(i for _, items in problems for i in items)], 5), trustpoint=trustpoint)
