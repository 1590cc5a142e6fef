from __future__ import annotations

from cmedebug.engine import Rule
from cmedebug.remediation import Step
from cmedebug.remediation_steps import PHONES_RESTART
from cmedebug.model import Confidence, Severity
from cmedebug.rules._device import telephony_trustpoint
from cmedebug.rules._format import evidence_of
from cmedebug.rules._links import phones_on_2443
from cmedebug.rules._trust import ctl_entry_problems


class CtlCmeRecordMismatch(Rule):
    """The CTL's CME record does not match the certificate CME presents on 2443.

    What it detects
        The CTL client's `server cme <ip> trustpoint <X>` naming another
        trustpoint than `secure-signaling trustpoint`, a CTL without a CME
        record, or a decoded `CTLSEP<MAC>.tlv` whose CCM record carries another
        serial number than the certificate of the secure-signaling trustpoint.

    Why it matters
        The phone accepts CME's TLS certificate on 2443 only if it is the one
        in its CTL. Every phone then fails TLS to CME although the CTL
        downloads fine, and stays unregistered or non-secure.

    Evidence
        `show ctl-client` row `CME 10.1.1.1 cmeserver` against
        `show telephony-service security-info` -> `Skinny Server Trustpoint for
        TLS: cme-sccp`; the CTL file's CCM record `SN 3` against
        `show crypto pki certificates` -> `Certificate Serial Number (hex): 05`
        for that trustpoint.

    False positives
        A CTL file from another router (a second CME) has its own CME record:
        compare files and show outputs of the same router.

    References
        Secure CME primer F24 ctl-cme-record-mismatch; formats.md §2.4 (record tags).
    """

    id = "CTL003"
    name = "ctl-cme-record-mismatch"
    title = "CTL CME record does not match CME's TLS certificate"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    tags = ("ctl", "tls")
    requires = ("ctl.record", "ctl_client.summary", "config.ctl_client")
    explains = ("TLS003", "TLS005", "CFG007")
    collect = ("show ctl-client", "show telephony-service security-info", "show crypto pki certificates",
               "CTLSEP<MAC>.tlv from CME's TFTP server")
    remediation = (
        Step("config", "ctl-client"),
        Step("config-ctl-client", "server cme {cme_ip} trustpoint {trustpoint}",
             why="the CME record must hold the secure-signaling trustpoint's certificate"),
        Step("config-ctl-client", "regenerate"),
        *PHONES_RESTART,
    )
    verify = "Verify with `show ctl-client` (CME row = secure-signaling trustpoint) and `debug ephone register` (TLS Handshake completes)."

    def links(self, cause, symptom, case) -> bool:
        # phones refusing CME's certificate end their handshakes on 2443 before CME checks theirs
        # (primer F24: "TLS to CME fails on every phone"); other services' failures are not this
        return super().links(cause, symptom, case) and phones_on_2443(symptom)

    def evaluate(self, case):
        trustpoint, source = telephony_trustpoint(case, "secure_signaling_trustpoint")
        problems = ctl_entry_problems(case, "cme", trustpoint)
        if problems:
            yield self.finding(
                f"CME presents the certificate of trustpoint {trustpoint} on 2443, but "
                + "; ".join(m for m, _ in problems) + ": phones will refuse CME's TLS certificate.",
                evidence_of([source, *(i for _, items in problems for i in items)], 5), trustpoint=trustpoint)
