from __future__ import annotations

from cmedebug.engine import Rule
from cmedebug.model import Confidence, Severity
from cmedebug.remediation import Step
from cmedebug.rules._device import global_security_mode, secure_mode_intended
from cmedebug.rules._evidence import full_config_given
from cmedebug.rules._format import evidence_of
from cmedebug.rules._trust import tftp_not_served

TRUST_LIST_TYPES = ("ctl", "itl")


class CtlAbsentOnNonsecureSystem(Rule):
    """Phones find no CTL or ITL on a CME that runs no phone security: normal.

    What it detects
        `TFTP: Looking for CTLSEP<MAC>.tlv` answered `TFTP: Sending error 1 No such
        file`, or a phone reporting `File Not Found <CTLFile.tlv>` / `No Trust
        List installed`, on a system whose configuration asks no phone for
        authenticated or encrypted mode (device-security-mode none, or a whole
        configuration without it).

    Why it matters
        Every phone asks for its trust list at boot; a CME without security
        publishes none, and the phone goes on non-secure. Reporting it as a
        failure would send the engineer after a problem that does not exist.
        It is said once, as information, so that the failure lines are not left
        unexplained either.

    Evidence
        `TFTP: Looking for CTLSEP001122334455.tlv`, `TFTP: Sending error 1 No such
        file` (debug tftp events); `File Not Found <CTLFile.tlv>` on the phone
        (messages.md: "cluster not in secure mode; no impact").

    False positives
        A CME that should be secure but whose security configuration was lost:
        then `device-security-mode` is missing from a configuration that has a
        `ctl-client` or phones meant to be secure (CTL001 reports those).

    References
        messages.md (phone status messages, `File Not Found <CTLFile.tlv>`);
        Secure CME primer (debug tftp events on a CME without a CTL).
    """

    id = "CTL011"
    name = "ctl-absent-on-nonsecure-system"
    title = "No CTL on a system without phone security (normal)"
    severity = Severity.INFO
    confidence = Confidence.HIGH
    tags = ("ctl", "tftp")
    requires = ("tftp", "phone.status")
    collect = ("debug tftp events", "show running-config")
    remediation = (
        Step("exec", "show running-config | section telephony-service",
             why="confirm that no device-security-mode is configured: none is the intended state"),
    )
    verify = "Verify with `show telephony-service security-info` (Device Security Mode: Non-Secure)."

    def evaluate(self, case):
        mode, source = global_security_mode(case)
        if secure_mode_intended(case) or not (mode is not None or full_config_given(case)):
            return  # secure, or unknown: CTL001 judges
        pairs = [pair for t in TRUST_LIST_TYPES for pair in tftp_not_served(case, t)]
        tftp = [e for req, err in pairs for e in ((req,) if req is err else (req, err))]
        phone = [e for e in case.events_of("phone.status.file_not_found", "phone.status.no_trust_list")
                 if e.kind.endswith("no_trust_list") or e.fields.get("file_type") in TRUST_LIST_TYPES]
        if not tftp and not phone:
            return
        names = sorted({e.fields.get("filename") or e.fields.get("file") for e in tftp + phone
                        if e.fields.get("filename") or e.fields.get("file")})
        how = f"device-security-mode {mode}" if mode else "no device-security-mode in the configuration"
        yield self.finding(
            f"Phones asked for their trust list ({', '.join(names[:4]) or 'CTL'}) and found none "
            f"({len(tftp) + len(phone)} line(s)); the system runs no phone security ({how}), so phones "
            "boot non-secure by design: this is not a failure.",
            evidence_of(tftp + phone, 6) + evidence_of([source], 1), mode=mode)
