"""The CTL client (`ctl-client` ... `regenerate`): a real CTL signed by SAST1.

The file is written with the project's own TLV writer
(``cmedebug.parsers.trustlist.build_trust_list``). Records: SAST1, SAST2
(function 0), then one per `server` line: cme -> CCM (1), tftp -> TFTP (3),
capf -> CAPF (4), the codes `debug ctl-client` prints (corpus sample 03).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from cmedebug.parsers.trustlist import ROLE_CAPF, ROLE_CCM, ROLE_SAST, ROLE_TFTP, TrustRecordSpec, build_trust_list

SERVER_ROLES = {"cme": ROLE_CCM, "tftp": ROLE_TFTP, "capf": ROLE_CAPF}
SHOW_NAMES = {"cme": "CME", "tftp": "TFTP", "capf": "CAPF"}


@dataclass
class CtlClient:
    sast1: str = "sast1"
    sast2: str = "sast2"
    servers: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, ip, trustpoint)
    created_at: object = None

    def regenerate(self, trustpoints: dict, log, now, hostname: str = "CME") -> bytes | None:
        """Build and sign the CTL; None (and no success line) when a trustpoint cannot serve."""
        log.debug_on("ctl-client")
        log.log("ctl_client_create_ctlfile:", "ctl-client")
        specs = []
        entries = [(ROLE_SAST, self.sast1, None), (ROLE_SAST, self.sast2, None)]
        entries += [(SERVER_ROLES[kind], tp, ip) for kind, ip, tp in self.servers]
        for role, tp_name, ip in entries:
            log.log(f"create_ctl_record: Function {role} Trustpoint {tp_name}", "ctl-client")
            tp = trustpoints.get(tp_name)
            if tp is None or tp.cert is None:
                return None
            specs.append(TrustRecordSpec(role=role, certificate=tp.cert, ip_address=ip,
                                         dns_name=hostname if role != ROLE_SAST else None))
            log.log(f"create_ctl_record: record added for function {role}", "ctl-client")
        signer = trustpoints[self.sast1]
        if signer.key is None:
            return None
        data = build_trust_list(specs, signer.cert, signer.key, filename="CTLFile.tlv", timestamp=now)
        log.log(f"ctl_client_create_ctlfile: Signature length {signer.key.key_size // 8}", "ctl-client")
        log.log("CTL File Created Successfully", "ctl-client")
        self.created_at = now
        return data

    def config_lines(self) -> list[str]:
        lines = ["ctl-client"]
        lines += [f" server {kind} {ip} trustpoint {tp}" for kind, ip, tp in self.servers]
        lines += [f" sast1 trustpoint {self.sast1}", f" sast2 trustpoint {self.sast2}"]
        return lines

    def show(self) -> list[str]:
        """`show ctl-client` (Cisco prints "SAST 1" on both SAST lines, sample 04)."""
        lines = ["CTL Client Information", "-----------------------------",
                 f"        SAST 1 Certificate Trustpoint: {self.sast1}",
                 f"        SAST 1 Certificate Trustpoint: {self.sast2}",
                 "        List of Trusted Servers in the CTL"]
        lines += [f"                {SHOW_NAMES[kind]:<8}{ip:<16}{tp}" for kind, ip, tp in self.servers]
        return lines
