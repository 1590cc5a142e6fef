from __future__ import annotations

from cmedebug.engine import Rule
from cmedebug.remediation import Step
from cmedebug.remediation_steps import PHONES_RESTART
from cmedebug.model import Confidence, Severity
from cmedebug.rules._device import secure_mode_intended
from cmedebug.rules._format import evidence_of


class ExternalTftpOrOption150Elsewhere(Rule):
    """Phones are sent to a TFTP server other than CME.

    What it detects
        `ip dhcp pool` with `option 150 ip <x>` where x is not CME's address
        (`telephony-service` / `ip source-address`), and phone console lines
        showing the phone fetched its files from another server
        (`dgetfile(851)-XXTP actualserver [<ip>]`), on a system meant to be secure.

    Why it matters
        In secure mode CME must generate and sign the files itself: an
        external TFTP server is not supported. Phones pointed elsewhere never
        get CME's CTL or signed configs and stay non-secure.

    Evidence
        running-config `ip dhcp pool phones` / `option 150 ip 10.1.1.50` with
        `telephony-service` / `ip source-address 10.1.1.1 port 2000`; phone
        console `XXTP actualserver [10.1.1.50]`.

    False positives
        A second CME or a redundant TFTP address listed after CME's own in
        option 150: only pools that do not list CME at all are reported.

    References
        Secure CME primer F31 external-tftp-or-option150-elsewhere; CME Security
        guide (no external TFTP server in secure mode).
    """

    id = "CFG008"
    name = "external-tftp-or-option150-elsewhere"
    title = "Phones use a TFTP server other than CME"
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    tags = ("config", "tftp", "dhcp")
    requires = ("config.dhcp_pool", "phone.tftp.server")
    explains = ("CTL001", "CFG001", "CFG007")
    collect = ("show running-config | section dhcp|telephony-service", "the phone's console log / Network Setup")
    remediation = (
        Step("config", "ip dhcp pool {pool}"),
        Step("dhcp-config", "option 150 ip {cme_ip}",
             why="secure phones must fetch their CTL and files from CME: external TFTP is not supported in secure "
                 "mode (CMEAUTH)"),
        *PHONES_RESTART,
    )
    verify = "Verify with `debug tftp events` on CME (CTLSEP{mac}.tlv requested at boot) and `show ephone` (+ Authentication)."

    def evaluate(self, case):
        cme_ips = {f.fields.get("ip_source_address") for f in list(case.facts_of("config.telephony_service"))} - {None}
        if not cme_ips or not secure_mode_intended(case):
            return
        cme = ", ".join(sorted(cme_ips))
        for pool in list(case.facts_of("config.dhcp_pool")):
            servers = pool.fields.get("option_150") or []
            if servers and not cme_ips & set(servers):
                yield self.finding(f"DHCP pool {pool.fields.get('name')} hands out option 150 {', '.join(servers)}, "
                                   f"not CME ({cme}): phones fetch their files elsewhere and never get CME's CTL "
                                   "or signed configs.", evidence_of([pool]))
        elsewhere = [e for e in case.events_of("phone.tftp.server") if e.fields.get("peer_ip") not in cme_ips]
        if elsewhere:
            first = elsewhere[0]
            yield self.finding(f"The phone {first.device or ''} fetched its files from {first.fields.get('peer_ip')}, "
                               f"not from CME ({cme}).".replace("phone  ", "phone "), evidence_of(elsewhere, 2),
                               first_seen=first.ts)
