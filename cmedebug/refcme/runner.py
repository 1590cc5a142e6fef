"""Assemble the reference system, play a scenario, and write what an engineer would collect."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cmedebug.messages import render
from cmedebug.refcme import show
from cmedebug.refcme.ca import IosCa, build_cert, name
from cmedebug.refcme.clock import UTC, Timeline, VirtualClock
from cmedebug.refcme.ctl_client import CtlClient
from cmedebug.refcme.debuglog import PhoneLog, RouterLog
from cmedebug.refcme.keys import rsa_key
from cmedebug.refcme.phone import Phone
from cmedebug.refcme.platform import ISR_G2, Platform
from cmedebug.refcme.router import DEBUGS, Ephone, Router
from cmedebug.refcme.trustpoints import Trustpoint

# The moment the healthy system is built (and the phone booted), as every clock that is right sees it.
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CME_IP, PHONE_IP, PHONE_MAC = "10.1.1.1", "10.1.1.21", "001122334455"
FUNCTIONAL = ("cme-sccp", "cme-tftp", "cme-capf", "sast1", "sast2")
DAY = 86400.0


@dataclass
class World:
    seed: int
    timeline: Timeline
    router: Router
    phone: Phone
    ca_log: RouterLog | None = None  # a CA on another router (its own clock)
    platform: Platform = ISR_G2

    @property
    def log(self) -> RouterLog:
        return self.router.log

    @property
    def ca(self) -> IosCa:
        return self.router.ca


def make_world(seed: int = 0, *, start: datetime = NOW, ca_router_offset: timedelta | None = None,
               platform: Platform = ISR_G2) -> World:
    """The reference configuration of primer §1.4 on ``platform``: one router that is CA, CME,
    TFTP and CAPF (or, with ``ca_router_offset``, a CA on a second router whose clock differs
    by that much)."""
    timeline = Timeline()
    log = RouterLog("CME", VirtualClock(timeline, start, "ntp"), train=platform.train)
    ca_log = None
    if ca_router_offset is None:
        ca = IosCa("cme-root", log.clock, CME_IP, seed=seed)
    else:
        ca_log = RouterLog("CA", VirtualClock(timeline, start + ca_router_offset, "ntp"), train=platform.train)
        ca = IosCa("ca-root", ca_log.clock, "10.1.1.2", seed=seed)
    router = Router(log, ca, address=CME_IP)
    if ca_log is None:
        router.trustpoints[ca.name] = Trustpoint(ca.name, None, None, seed=seed, is_ca=True)
    else:  # capf-server cert-enroll-trustpoint names a trustpoint of this router enrolled with the CA
        router.trustpoints[ca.name] = Trustpoint(ca.name, f"http://{ca.address}:80", 1024, seed=seed)
    for tp in FUNCTIONAL:
        router.trustpoints[tp] = Trustpoint(tp, f"http://{ca.address}:80", 1024, seed=seed)
    router.ctl_client = CtlClient("sast1", "sast2", [("cme", CME_IP, "cme-sccp"), ("tftp", CME_IP, "cme-tftp"),
                                                     ("capf", CME_IP, "cme-capf")])
    router.capf_config.ca_trustpoint = ca.name
    router.ephones = [Ephone(1, PHONE_MAC, cert_oper=("upgrade", "null-string"))]
    phone = Phone(PHONE_MAC, PHONE_IP, PhoneLog(VirtualClock(timeline, start, "ntp")), seed=seed)
    phone.state.mic = manufacturing_identity(PHONE_MAC, seed, start)
    return World(seed, timeline, router, phone, ca_log, platform)


def mic_root(seed: int, now: datetime = NOW):
    """A model of Cisco's manufacturing CA (CAP-RTP-002): (certificate, key). CME trusts it
    only when it is imported as a trustpoint."""
    root_key = rsa_key("mic-root", 1024, seed)
    return build_cert(name("CAP-RTP-002"), root_key.public_key(), name("CAP-RTP-002"), root_key, 1,
                      now - timedelta(days=3000), now + timedelta(days=3000), ca=True), root_key


def manufacturing_identity(mac: str, seed: int, now: datetime):
    """The phone's MIC: (certificate, key), issued by ``mic_root``."""
    root, root_key = mic_root(seed, now)
    key = rsa_key(f"mic/{mac}", 1024, seed)
    cert = build_cert(name(f"SEP{mac}"), key.public_key(), root.subject, root_key, 0x4D1C,
                      now - timedelta(days=900), now + timedelta(days=3000), ca=False)
    return cert, key


def build(world: World) -> None:
    """Everything an administrator configures, in Cisco's order (primer §1.3)."""
    router, log = world.router, world.log
    log.debug_on(*DEBUGS)
    ca_log = world.ca_log or log
    if not world.ca.enabled and not world.ca.shutdown:
        if world.ca_log is None:  # the CA runs on this router: SCEP rides on its HTTP server
            world.ca.http_server = router.http_server
        world.ca.enable(ca_log)
        router.adopt_ca()
    router.enroll_all([world.ca])
    router.regenerate_ctl()
    router.create_cnf_files()
    router.start_services()


def boot_phone(world: World) -> str:
    return world.phone.boot(world.router)


def history(world: World) -> None:
    """The system's past, not in the capture: built, the phone booted once (LSC
    installed, CTL stored), then the certificate operation removed."""
    world.log.recording = False
    build(world)
    boot_phone(world)
    for e in world.router.ephones:
        e.cert_oper = None
    world.router.create_cnf_files()
    world.router.start_services()
    world.phone.log.status.clear()
    world.phone.log.console.clear()
    world.log.recording = True


def start_capture(world: World) -> None:
    """The engineer turns the debugs on for the capture."""
    world.log.enabled.clear()
    world.log.debug_on(*DEBUGS)


def collect(world: World, out: Path) -> list[Path]:
    """Write router.log, shows, running-config, the phone's files and logs into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    router, host = world.router, world.router.hostname
    written = []

    def write(file: str, text: str | bytes) -> None:
        path = out / file
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
        written.append(path)

    write("router.log", router.log.text())
    blocks = [("show version", show.show_version(router, world.platform)),
              ("show clock detail", show.show_clock(router, detail=True))]
    if router.ca is not None and world.ca_log is None:
        blocks.append(("show crypto pki server", show.show_pki_server(router.ca)))
        if any(r.state == "pending" for r in router.ca.requests):
            blocks.append((f"show crypto pki server {router.ca.name} requests", show.show_pki_requests(router.ca)))
    blocks += [("show crypto pki certificates", show.show_pki_certificates(router)),
               ("show crypto pki trustpoints status", show.show_trustpoints_status(router)),
               ("show ctl-client", show.show_ctl_client(router)),
               ("show capf-server summary", show.show_capf_summary(router)),
               ("show capf-server sessions", show.show_capf_sessions(router)),
               *([("show capf-server auth-string", show.show_capf_auth_strings(router))]
                 if any(e.capf_auth_str for e in router.ephones) else []),
               ("show telephony-service security-info", show.show_security_info(router)),
               ("show ephone", show.show_ephone(router, world.phone)),
               ("show ephone socket", show.show_ephone_socket(router))]
    write("shows.txt", _blocks(host, blocks))
    write("running-config.txt", "\n".join([render("config.show-run", host=host),
                                           *show.running_config(router, world.platform.config_version)]) + "\n")
    if world.ca_log is not None:
        ca_blocks = [("show clock detail", show.show_clock(world.ca_log, detail=True)),
                     ("show crypto pki server", show.show_pki_server(world.ca))]
        write("ca-shows.txt", _blocks("CA", ca_blocks))
    for file, data in sorted(world.phone.received.items()):
        if data is not None:
            write(file, data)
    if world.phone.log.status:
        write("phone-status.txt", "\n".join(world.phone.log.status) + "\n")
    if world.phone.log.console:
        write("phone-console.log", "\n".join(world.phone.log.console) + "\n")
    return written




def _blocks(host: str, blocks) -> str:
    """Show commands as typed at the prompt, each followed by its output."""
    return "\n".join("\n".join([render("exec.show", host=host, command=cmd[len("show "):]), *lines]) + "\n"
                     for cmd, lines in blocks)
