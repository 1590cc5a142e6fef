"""The CTL client (`ctl-client` ... `regenerate`): a real CTL signed by SAST1.

The file is written with the project's own TLV writer
(``cmedebug.parsers.trustlist.build_trust_list``). Records: SAST1, SAST2
(function 0), then one per `server` line: cme -> CCM (1), tftp -> TFTP (3),
capf -> CAPF (4), the codes `debug ctl-client` prints (corpus sample 03).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from cmedebug.messages import render
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
        log.emit("ctl.create-ctlfile")
        specs = []
        entries = [(ROLE_SAST, self.sast1, None), (ROLE_SAST, self.sast2, None)]
        entries += [(SERVER_ROLES[kind], tp, ip) for kind, ip, tp in self.servers]
        for role, tp_name, ip in entries:
            log.emit("ctl.create-record", function=role, tp=tp_name)
            tp = trustpoints.get(tp_name)
            if tp is None or tp.cert is None:
                return None
            specs.append(TrustRecordSpec(role=role, certificate=tp.cert, ip_address=ip,
                                         dns_name=hostname if role != ROLE_SAST else None))
            log.emit("ctl.record-added", function=role)
        signer = trustpoints[self.sast1]
        if signer.key is None:
            return None
        data = build_trust_list(specs, signer.cert, signer.key, filename="CTLFile.tlv", timestamp=now)
        log.emit("ctl.signature-length", length=signer.key.key_size // 8)
        log.emit("ctl.created")
        self.created_at = now
        return data

    def config_lines(self) -> list[str]:
        lines = [render("config.ctl")]
        lines += [render("config.ctl.server", kind=kind, ip=ip, tp=tp) for kind, ip, tp in self.servers]
        lines += [render("config.ctl.sast1", tp=self.sast1), render("config.ctl.sast2", tp=self.sast2)]
        return lines

    def show(self) -> list[str]:
        """`show ctl-client` (Cisco prints "SAST 1" on both SAST lines, sample 04)."""
        lines = [render("show.ctl-client.title"), render("show.ctl-client.rule"),
                 render("show.ctl-client.sast", tp=self.sast1), render("show.ctl-client.sast", tp=self.sast2),
                 render("show.ctl-client.servers")]
        lines += [render("show.ctl-client.server", kind=SHOW_NAMES[kind], ip=ip, tp=tp) for kind, ip, tp in self.servers]
        return lines
