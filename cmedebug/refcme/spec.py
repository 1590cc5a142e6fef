"""A ``ReplaySpec``: what the reference CME must be to replay a case, and how it is played.

design.md §8: case -> view -> ReplaySpec (config, certificate attributes, clocks,
phones, flows seen, assumptions) -> reference CME built from the spec -> flows
played. ``play(spec, seed)`` builds the world in two acts, as the evidence shows
the system lived them:

* the build: CA, trustpoints enrolled, CTL, signed configurations, the phone's
  first boot (it stores its CTL and, through CAPF, its LSC) -- at ``built_at``,
  not captured;
* the capture: the changes the evidence dates after the build (trustpoints
  re-enrolled, the CA rebuilt or reloaded, a CTL regenerated or not, grant mode
  changed), the device clock as the case's `show clock` shows it, the
  configuration as its running-config shows it, then the phone boots again.

When nothing happened after the build, the build itself is captured (a system
configured as the case shows it, from scratch). Certificates are issued by the
replayed CA with fresh keys at the dates the evidence shows, with the
lifetimes the configuration sets; secrets are placeholders.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cmedebug.refcme import runner
from cmedebug.refcme.ca import IosCa
from cmedebug.refcme.capf import CapfConfig
from cmedebug.refcme.clock import VirtualClock
from cmedebug.refcme.ctl_client import CtlClient
from cmedebug.refcme.debuglog import PhoneLog
from cmedebug.refcme.phone import Phone
from cmedebug.refcme.platform import ISR_G2, Platform
from cmedebug.refcme.router import Ephone
from cmedebug.refcme.trustpoints import Trustpoint

PLACEHOLDER_DIGITS = "135792468024"  # stands for a CAPF auth string: the case's own is never copied


@dataclass
class TrustpointSpec:
    name: str
    enrollment_url: str | None
    key_bits: int | None
    revocation_check: str = "crl"
    is_ca: bool = False
    enrolled_at: datetime | None = None  # the certificate's start in the evidence
    # what the administrator did at the build: the evidence may show a trustpoint never
    # enrolled (`show crypto pki trustpoints status`: no router certificate), or not authenticated either
    enrolled_at_build: bool = True
    authenticated_at_build: bool = True
    serial_none: bool = True  # the lines of its configuration (refcme Trustpoint)
    ip_none: bool = True
    subject_cn: str | None = None
    key_label: str | None = None


@dataclass
class CaSpec:
    name: str
    address: str
    local: bool = True
    grant_auto: bool = True
    grant_auto_at_build: bool = True
    shutdown: bool = False
    database_url: str = "nvram:"
    lost_at_reload: bool = False
    storage_gone: bool = False  # `database url` unreadable (CRL and database) while the server runs
    lifetime_cert_days: int = 365
    lifetime_ca_days: int = 1095
    clock_offset: timedelta = timedelta(0)  # the CA router's clock minus CME's
    rebuilt_at: datetime | None = None


@dataclass
class EphoneSpec:
    number: int
    mac: str
    security_mode: str | None = None
    cert_oper: tuple[str, str] | None = None
    auth_string: str | None = None  # a placeholder of the case's length, never the case's digits


@dataclass
class PhoneSpec:
    mac: str
    has_lsc: bool = False
    auth_string_differs: bool = False
    ssl3_only: bool = False  # an old load offering only SSL 3.0 (the evidence: `unsupported protocol`)


@dataclass
class ReplaySpec:
    hostname: str = "CME"
    address: str = runner.CME_IP
    http_server: bool = True
    ntp_server: str | None = None
    secure_signaling: str | None = None
    tftp_credentials: str | None = None
    device_security_mode: str = "none"
    secure_listener: bool = True
    ca: CaSpec | None = None
    trustpoints: list[TrustpointSpec] = field(default_factory=list)
    ctl_sasts: tuple[str, str] | None = None
    ctl_servers: list[tuple[str, str, str]] = field(default_factory=list)
    ctl_regenerated: bool = True
    ctl_regenerated_after_changes: bool = True
    capf: dict = field(default_factory=dict)  # CapfConfig fields
    ephones: list[EphoneSpec] = field(default_factory=list)
    phones: list[PhoneSpec] = field(default_factory=list)
    clock_now: datetime = runner.NOW  # CME's clock when the capture starts
    clock_source: str = "ntp"
    built_at: datetime = runner.NOW
    built_on_boot_default: bool = False
    flows: list[str] = field(default_factory=list)
    debugs: list[str] = field(default_factory=list)  # the `debug ...` the case's capture had on
    platform: dict = field(default_factory=dict)  # Platform fields (model, train, version, image, family)
    assumptions: list[str] = field(default_factory=list)

    @property
    def changes_after_build(self) -> list[str]:
        """What the evidence dates after the build (empty: the build is the capture)."""
        out = []
        late = self.built_at + timedelta(seconds=5)
        rekeyed = [tp.name for tp in self.trustpoints if tp.enrolled_at and tp.enrolled_at > late]
        if self.ca and self.ca.rebuilt_at:
            out.append("CA rebuilt")
        if rekeyed:
            out.append("re-enrolled with new keys: " + ", ".join(rekeyed))
        if self.ca and self.ca.lost_at_reload:
            out.append("CA reloaded without its database")
        if self.ca and self.ca.storage_gone:
            out.append(f"CA storage {self.ca.database_url} unreachable")
        if self.ca and self.ca.grant_auto_at_build and not self.ca.grant_auto:
            out.append("grant auto removed")
        gap = (self.clock_now + (self.ca.clock_offset if self.ca else timedelta(0)) - self.built_at).total_seconds()
        if abs(gap) > 86400 or gap < -60:  # days later, or a clock now behind the certificates it issued
            out.append(f"time passed: built {self.built_at:%Y-%m-%d %H:%M} UTC, "
                       f"captured {self.clock_now:%Y-%m-%d %H:%M} UTC ({self.clock_source} clock)")
        return out


# clock sources IOS marks as not authoritative (`*`, `.`): the time they show is not the network's
NOT_AUTHORITATIVE = frozenset({"never-set", "calendar", "ntp-unsynchronised"})


def _configure(world, spec: ReplaySpec, *, at_build: bool) -> None:
    """The router and phone as configured at the build (``at_build``) or at the capture."""
    router, phone = world.router, world.phone
    router.http_server = spec.http_server
    router.ntp_server = spec.ntp_server
    router.secure_signaling = spec.secure_signaling
    router.tftp_credentials = spec.tftp_credentials
    router.device_security_mode = spec.device_security_mode
    router.secure_listener_wanted = spec.secure_listener
    if router.ca is not None:
        router.ca.grant_auto = spec.ca.grant_auto_at_build if at_build else spec.ca.grant_auto
    for e in router.ephones:
        wanted = next(s for s in spec.ephones if s.number == e.number)
        e.security_mode, e.capf_auth_str = wanted.security_mode, wanted.auth_string
        lsc_first = at_build and any(p.has_lsc and p.mac == e.mac for p in spec.phones)
        e.cert_oper = ("upgrade", "null-string") if lsc_first else wanted.cert_oper
    first = spec.phones[0] if spec.phones else None
    if first is not None:
        phone.ssl3_only = first.ssl3_only
        own = next((e.auth_string for e in spec.ephones if e.mac == first.mac), None)
        phone.auth_string = (own[::-1] if first.auth_string_differs and own else own)


def _populate(world, spec: ReplaySpec) -> None:
    router = world.router
    if spec.ca is not None:
        clock = world.ca_log.clock if world.ca_log else router.clock
        router.ca = IosCa(spec.ca.name, clock, spec.ca.address, seed=world.seed, shutdown=spec.ca.shutdown,
                          database_url=spec.ca.database_url, lifetime_cert_days=spec.ca.lifetime_cert_days,
                          lifetime_ca_days=spec.ca.lifetime_ca_days)
    else:
        router.ca = None
    router.trustpoints = {tp.name: Trustpoint(tp.name, tp.enrollment_url, tp.key_bits, tp.revocation_check,
                                              seed=world.seed, is_ca=tp.is_ca, enrolled_at_build=tp.enrolled_at_build,
                                              authenticated_at_build=tp.authenticated_at_build,
                                              serial_none=tp.serial_none, ip_none=tp.ip_none, subject_cn=tp.subject_cn,
                                              key_label=tp.key_label)
                          for tp in spec.trustpoints}
    router.ctl_client = CtlClient(*spec.ctl_sasts, list(spec.ctl_servers)) if spec.ctl_sasts else None
    router.ctl_regenerated = spec.ctl_regenerated
    # (what the evidence does not set follows this replay's CA and address, not the reference CME's)
    defaults = {"source_addr": spec.address, **({"ca_trustpoint": spec.ca.name} if spec.ca is not None else {})}
    router.capf_config = CapfConfig(**{**defaults, **spec.capf})
    router.ephones = [Ephone(e.number, e.mac) for e in spec.ephones]
    router.address = spec.address


def _phone(mac: str, world, seed: int, start: datetime) -> Phone:
    phone = Phone(mac, runner.PHONE_IP, PhoneLog(VirtualClock(world.timeline, start, "ntp")), seed=seed)
    phone.state.mic = runner.manufacturing_identity(mac, seed, start)
    return phone


def play(spec: ReplaySpec, seed: int = 0):
    """The world the spec describes, played up to the end of its capture (services stopped)."""
    offset = spec.ca.clock_offset if spec.ca and not spec.ca.local else None
    changes = spec.changes_after_build
    start = spec.built_at - (offset or timedelta(0)) if changes else spec.clock_now
    if offset is not None and not changes and spec.clock_source in NOT_AUTHORITATIVE:
        # CME's clock is not authoritative: the true time is the CA router's, CME's clock is set off it
        # (below), so that NTP brings CME to the true time as on the real network
        start, offset = spec.clock_now + offset, timedelta(0)
    platform = Platform(**spec.platform) if spec.platform else ISR_G2
    world = runner.make_world(seed, start=start, ca_router_offset=offset, platform=platform)
    if spec.phones and spec.phones[0].mac != world.phone.mac:
        world.phone = _phone(spec.phones[0].mac, world, seed, start)
    world.log.hostname = spec.hostname
    _populate(world, spec)
    try:
        if changes:
            _build_then_change(world, spec)
        else:
            world.router.clock.set(spec.clock_now, spec.clock_source)
            world.log.debug_on(*spec.debugs)
            _configure(world, spec, at_build=False)
            runner.build(world)
            _lsc_from_before(world, spec)
            runner.boot_phone(world)
    except BaseException:
        world.router.stop_services()
        raise
    return world


def _lsc_from_before(world, spec: ReplaySpec) -> None:
    """A phone that holds an LSC from before the capture while no CAPF operation is configured to
    give it one: the LSC is issued by the replayed CA at the build (as a phone upgraded through CAPF
    then, with the operation removed since)."""
    first = spec.phones[0] if spec.phones else None
    ephone = next((e for e in spec.ephones if first and e.mac == first.mac), None)
    if first is None or not first.has_lsc or (ephone and ephone.cert_oper) \
            or world.router.ca is None or not world.router.ca.enabled:
        return
    key = runner.rsa_key(f"lsc/{world.phone.mac}", 1024, world.seed)
    world.phone.state.lsc = (world.router.ca.issue(runner.name(world.phone.device), key.public_key()), key)


def _build_then_change(world, spec: ReplaySpec) -> None:
    router = world.router
    if spec.built_on_boot_default:
        router.clock.set(spec.built_at, "never-set")
    _configure(world, spec, at_build=True)
    world.log.recording = False
    runner.build(world)
    runner.boot_phone(world)
    world.phone.log.status.clear()
    world.phone.log.console.clear()
    world.log.recording = True
    late = spec.built_at + timedelta(seconds=5)
    rekeyed = [tp.name for tp in spec.trustpoints if tp.enrolled_at and tp.enrolled_at > late]
    if not (spec.built_on_boot_default or spec.clock_source in ("never-set", "calendar")):  # a clock that is right
        world.timeline.advance(max((spec.clock_now - router.clock.now).total_seconds(), 0.0))
    router.clock.set(spec.clock_now, spec.clock_source)
    runner.start_capture(world)
    world.log.debug_on(*spec.debugs)
    _configure(world, spec, at_build=False)
    if spec.ca and spec.ca.rebuilt_at and router.ca is not None:
        router.ca.rebuild(world.log)
        router.adopt_ca()
    if rekeyed and router.ca is not None:
        router.enroll_all([router.ca], rekeyed, new_key=True)
        if spec.ctl_regenerated_after_changes:
            router.regenerate_ctl()
    if spec.ca and spec.ca.storage_gone and router.ca is not None:
        router.ca.database_lost = True
    if spec.ca and spec.ca.lost_at_reload and router.ca is not None:
        router.ca.database_lost = True
        router.ca.start_after_reload(world.log)
    router.create_cnf_files()
    router.start_services()
    runner.boot_phone(world)
