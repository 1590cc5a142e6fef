from __future__ import annotations

from cmedebug.engine import Rule
from cmedebug.remediation import Step
from cmedebug.remediation_steps import PHONES_RESTART
from cmedebug.model import Confidence, Severity
from cmedebug.rules._device import secure_mode_intended
from cmedebug.rules._evidence import full_config_given
from cmedebug.rules._format import evidence_of


class CnfFilePerphoneMissing(Rule):
    """Phone security needs per-phone configuration files, and `cnf-file perphone` is not set.

    What it detects
        A full configuration whose `telephony-service` asks for secure phones
        (`device-security-mode authenticated|encrypted`, globally or per ephone)
        but lacks `cnf-file perphone`.

    Why it matters
        Without per-phone files CME builds shared per-system or per-type files,
        which cannot carry per-phone security settings or be signed per phone:
        security settings do not reach the phones.

    Evidence
        running-config `telephony-service` without `cnf-file perphone`;
        `show telephony-service tftp-bindings` aliasing `SEP<mac>.cnf.xml` to
        `XMLDefault7960.cnf.xml` instead of per-phone files.

    False positives
        A partial configuration (`show running-config | section ...`) is not used.

    References
        Secure CME primer F21 cnf-file-perphone-missing; CME Security guide
        (per-phone files are required for security).
    """

    id = "CFG006"
    name = "cnf-file-perphone-missing"
    title = "cnf-file perphone not configured"
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    tags = ("config",)
    requires = ("config.telephony_service",)
    collect = ("show running-config", "show telephony-service tftp-bindings")
    remediation = (
        Step("config", "telephony-service"),
        Step("config-telephony", "cnf-file perphone", why="secure phones need a signed file of their own"),
        Step("config-telephony", "create cnf-files"),
        *PHONES_RESTART,
    )
    verify = "Verify with `show telephony-service tftp-bindings` (per-phone files) and `show ephone` (+ Authentication)."

    def evaluate(self, case):
        if not full_config_given(case) or not secure_mode_intended(case):
            return
        for tel in list(case.facts_of("config.telephony_service")):
            if tel.fields.get("cnf_file_perphone") is False:
                yield self.finding("Phones are configured for a secure device-security-mode but telephony-service "
                                   "lacks `cnf-file perphone`: CME builds shared configuration files that cannot "
                                   "carry per-phone security.", evidence_of([tel]))
                return
