from __future__ import annotations

from cmedebug.engine import Rule
from cmedebug.remediation import Step
from cmedebug.remediation_steps import PHONE_FILE_THEN_RESET, null_string_upgrade
from cmedebug.model import Confidence, Severity
from cmedebug.rules._format import at_time, evidence_of, sep

# an LSC that was not installed matters more than a failed delete or fetch
INSTALL = ("store", "upgrade")


class CapfCertificateOperationFailed(Rule):
    """The CAPF certificate operation itself failed on the phone.

    What it detects
        `debug capf-server` result lines saying a certificate operation failed:
        `certificate store failed for SEP<mac>`, `certificate upgrade failed
        ...`, `certificate delete failed ...`, `certificate fetch failed ...`.

    Why it matters
        After a successful authentication and key generation the phone could
        still not store its new LSC (or delete / return the old one). A phone
        without its LSC cannot authenticate to CME in a secure mode; a failed
        delete leaves an LSC that CME may no longer trust.

    Evidence
        `certificate store failed for SEP000E325C9A43` after
        `ephone_capf_handle_phone_msg: msgtype 10` (STORE_CERTIFICATE_RESPONSE).

    False positives
        A phone reset by its user during the operation.

    References
        Secure CME primer §2.5 step 7 (CAPF operations); CME Command Reference
        `debug capf-server`.
    """

    id = "CAPF008"
    name = "capf-certificate-operation-failed"
    title = "CAPF certificate operation failed on the phone"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    tags = ("capf",)
    requires = ("capf",)
    collect = ("debug capf-server all", "show capf-server sessions")
    remediation = (
        Step("config", "ephone {ephone}"),
        null_string_upgrade(
            why="start the operation again with an authentication mode the phone can meet"),
        *PHONE_FILE_THEN_RESET,
    )
    verify = "Verify with `debug capf-server all` (certificate ... successful) and the phone (LSC: Installed)."

    def evaluate(self, case):
        for ev in case.events_of("capf.cert.result"):
            if ev.fields.get("result") != "failure":
                continue
            operation = ev.fields.get("operation") or "certificate"
            yield self.finding(
                f"The CAPF {operation} operation failed for {sep(ev.fields.get('mac'))}{at_time(ev.ts)}"
                + (": the phone has no new LSC." if operation in INSTALL else "."),
                evidence_of([ev]), first_seen=ev.ts, device=ev.device, mac=ev.fields.get("mac"),
                severity=None if operation in INSTALL else Severity.MEDIUM)
