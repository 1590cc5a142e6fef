from __future__ import annotations

from cmedebug.engine import Rule
from cmedebug.remediation import Step
from cmedebug.remediation_steps import CNF_FILES
from cmedebug.model import Confidence, Severity
from cmedebug.deployment.views import SECURE_MODES
from cmedebug.rules._device import configured_modes_by_mac, global_security_mode
from cmedebug.rules._format import evidence_of, sep
from cmedebug.rules._trust import CNF_SECURITY_MODES


class DeviceSecurityModeMismatch(Rule):
    """A phone does not get the security mode intended for the system.

    What it detects
        An `ephone` whose own `device-security-mode` overrides the global
        `telephony-service` one with a weaker mode (typically `none` left from
        the CAPF bootstrap); and a phone configuration file (`SEP<mac>.cnf.xml`)
        whose `deviceSecurityMode` differs from what the configuration now
        says for that phone (the files were not rebuilt).

    Why it matters
        The ephone-level value wins over the global one, and the phone obeys
        its configuration file. The phone then registers non-secure, or
        authenticated without encryption (no SRTP), although the system is
        meant to be secure.

    Evidence
        running-config `telephony-service` / `device-security-mode encrypted`
        with `ephone 3` / `device-security-mode none`; `<deviceSecurityMode>1`
        in `SEP<mac>.cnf.xml` for an ephone configured `encrypted` (3).

    False positives
        A phone deliberately kept non-secure (a model without security
        support): an override seen only in the configuration is reported as
        medium; high when the phone is also seen registered without TLS.

    References
        Secure CME primer F29 device-security-mode-mismatch; CME Security guide
        (modes and precedence).
    """

    id = "CFG003"
    name = "device-security-mode-mismatch"
    title = "device-security-mode differs between system, ephone and phone file"
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    tags = ("config", "phone")
    requires = ("config.ephone", "phone.config")
    explains = ("CFG007",)
    collect = ("show running-config", "show telephony-service security-info", "show ephone",
               "SEP<MAC>.cnf.xml from CME's TFTP server")
    remediation = (
        Step("config", "ephone {ephone}"),
        Step("config-ephone", "no device-security-mode", why="the ephone takes telephony-service's mode"),
        *CNF_FILES,
        Step("config", "ephone {ephone}"),
        Step("config-ephone", "reset", why="the phone reads its new file"),
    )
    verify = "Verify with `show ephone` (+ Authentication + Encryption) and `show ephone offhook` (SRTP cipher)."

    def evaluate(self, case):
        global_mode, source = global_security_mode(case)
        nonsecure = {f.fields.get("mac"): f for f in list(case.facts_of("ephone.status"))
                     if f.fields.get("registered") and not f.fields.get("authenticated")}
        for ephone in list(case.facts_of("config.ephone")):
            own = (ephone.fields.get("device_security_mode") or "").lower()
            if global_mode in SECURE_MODES and own and _strength(own) < _strength(global_mode):
                mac = ephone.fields.get("mac")
                message = (f"ephone {ephone.fields.get('ephone')} ({sep(mac)}) overrides the system's "
                           f"device-security-mode {global_mode} with {own}, so its configuration file tells the phone to "
                           f"register in mode {own}")
                seen = nonsecure.get(mac)
                message += ", and it is registered without TLS." if seen else "."
                # an override alone may be deliberate (a phone without security support)
                level = {"confidence": Confidence.HIGH} if seen else {"severity": Severity.MEDIUM}
                yield self.finding(message, evidence_of([ephone, source, seen]), mac=mac,
                                   ephone=ephone.fields.get("ephone"), **level)
        modes = configured_modes_by_mac(case)
        for cnf in list(case.facts_of("phone.config")):
            mac, told = cnf.fields.get("mac"), CNF_SECURITY_MODES.get(cnf.fields.get("device_security_mode"))
            wanted, ephone = modes.get(mac, (None, None))
            if told and wanted and told != wanted:
                yield self.finding(
                    f"{cnf.fields.get('filename')} tells {sep(mac)} deviceSecurityMode {told} but the configuration "
                    f"asks for {wanted}: the phone files were not rebuilt (`create cnf-files`).",
                    evidence_of([cnf, ephone]), confidence=Confidence.HIGH, mac=mac)

    def links(self, cause, symptom, case) -> bool:
        return super().links(cause, symptom, case) and cause.data.get("mac") == symptom.data.get("mac")


def _strength(mode: str) -> int:
    return {"none": 0, "non-secure": 0, "authenticated": 1, "encrypted": 2}.get(mode, 0)
