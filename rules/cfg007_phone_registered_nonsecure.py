from __future__ import annotations

from cmedebug.engine import Rule
from cmedebug.remediation import Step
from cmedebug.remediation_steps import CNF_FILES
from cmedebug.model import Confidence, Severity
from cmedebug.deployment.views import SECURE_MODES
from cmedebug.formatting import fmt_time
from cmedebug.rules._device import configured_modes_by_mac, global_security_mode
from cmedebug.rules._format import evidence_of, sep
from cmedebug.rules._trust import CNF_SECURITY_MODES


class PhoneRegisteredNonsecure(Rule):
    """A phone meant to be secure registered over plain SCCP.

    What it detects
        `show ephone` listing a phone `REGISTERED` without `+ Authentication`
        (or without `+ Encryption` when it should be encrypted) while its
        configured `device-security-mode` (its own, else the global one, or the
        `deviceSecurityMode` of its configuration file) is authenticated or
        encrypted; and `%IPPHONE-6-REGISTER` for such a phone after a plain
        `skinny_add_socket` from its address.

    Why it matters
        Calls and signalling of that phone are in clear text. This is a
        symptom: the cause is one of a wrong mode on the ephone (CFG003), no
        CTL (CTL001), a refused CTL (CTL005, CTL009), a CTL without the right
        CME record (CTL003), or no certificate on the phone (CAPF rules).

    Evidence
        `ephone-1 Mac:1000.1111.0002 TCP socket:[5] activeLine:0 REGISTERED in
        SCCP ver 5` with no `+ Authentication` line (compare with `+
        Authentication + Encryption with TLS connection`); `debug ephone
        register`: `skinny_add_socket 1 10.1.0.21 50778` then
        `StationRegisterMessage` instead of `add_skinny_secure_socket`.

    False positives
        Phones deliberately non-secure (`device-security-mode none`) are not reported.

    References
        Secure CME primer F30 phone-registered-nonsecure; samples of `show ephone`.
    """

    id = "CFG007"
    name = "phone-registered-nonsecure"
    title = "Phone registered non-secure although configured secure"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    tags = ("phone", "sccp")
    requires = ("ephone.status", "ephone.registered")
    collect = ("show ephone", "show running-config", "debug ephone register")
    remediation = (
        *CNF_FILES,
        Step("config", "ephone {ephone}"),
        Step("config-ephone", "reset", why="the phone reads its secure file"),
    )
    verify = "Verify with `show ephone` (+ Authentication + Encryption with TLS connection)."

    def evaluate(self, case):
        intended = _intended_modes(case)
        reported = set()
        for status in list(case.facts_of("ephone.status")):
            mac = status.fields.get("mac")
            wanted, source = intended(mac)
            if not status.fields.get("registered") or wanted not in SECURE_MODES:
                continue
            if status.fields.get("authenticated") and (wanted != "encrypted" or status.fields.get("encrypted")):
                continue
            reported.add(mac)
            got = "authenticated only" if status.fields.get("authenticated") else "without TLS"
            yield self.finding(
                f"ephone {status.fields.get('ephone')} ({sep(mac)}, {status.fields.get('ip')}) is registered {got} "
                f"although device-security-mode {wanted} applies to it.",
                evidence_of([status, source]), mac=mac, ephone=status.fields.get("ephone"))
        plain = {e.fields.get("peer_ip") for e in case.events_of("ephone.socket.added")}
        for reg in case.events_of("ephone.registered"):
            mac = reg.fields.get("mac")
            wanted, source = intended(mac)
            if mac in reported or wanted not in SECURE_MODES or reg.fields.get("peer_ip") not in plain:
                continue
            reported.add(mac)
            yield self.finding(
                f"{sep(mac)} registered at {fmt_time(reg.ts)} from {reg.fields.get('peer_ip')} over a plain SCCP "
                f"socket although device-security-mode {wanted} applies to it.",
                evidence_of([reg, source]), confidence=Confidence.MEDIUM, first_seen=reg.ts, mac=mac)


def _intended_modes(case):
    """A lookup MAC -> (intended mode, evidence): the system's secure
    device-security-mode (an ephone override to a weaker mode is CFG003's
    finding, which explains this one), else the ephone's own mode, else the
    phone's configuration file."""
    modes = dict(configured_modes_by_mac(case))
    for cnf in list(case.facts_of("phone.config")):
        mode = CNF_SECURITY_MODES.get(cnf.fields.get("device_security_mode"))
        if mode and cnf.fields.get("mac") not in modes:
            modes[cnf.fields["mac"]] = (mode, cnf)
    system = global_security_mode(case)

    def intended(mac):
        mode, source = modes.get(mac, (None, None))
        return system if system[0] in SECURE_MODES and mode not in SECURE_MODES else (mode, source)
    return intended
