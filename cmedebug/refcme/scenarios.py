"""The catalogue of named scenarios: each a real fault injected into the model.

``reproduce(name, out, seed)`` plays one and writes its folder, with a
``scenario.toml`` saying what was injected and which rules must (not) fire;
the rule ids are the contract of the rule catalogue (first root cause first).
"""
from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Callable

from cmedebug.refcme import out_folder, runner
from cmedebug.refcme.clock import clock_update
from cmedebug.refcme.platform import ISR_4331_XE
from cmedebug.refcme.trustpoints import SCEP_RETRY_PERIOD
from cmedebug.refcme.runner import DAY, NOW, World, boot_phone, build, history, make_world, start_capture


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    injected: str
    play: Callable[[World], None]
    first_root: tuple[str, ...] = ()
    must_fire: tuple[str, ...] = ()
    must_not_fire: tuple[str, ...] = ()
    phone_outcome: str = ""  # what the phone ends in
    world: dict = field(default_factory=dict)  # make_world() keywords


BOOT_SECONDS = 95.0  # a reload takes the router about a minute and a half


def _plain(world: World) -> None:
    build(world)
    boot_phone(world)


def _configure(change: Callable[[World], None]) -> Callable[[World], None]:
    """A fault made in the configuration before the system is built."""
    def play(world: World) -> None:
        change(world)
        _plain(world)
    return play


def _after_history(change: Callable[[World], None]) -> Callable[[World], None]:
    """A system that worked, then something changed; the capture starts at the change."""
    def play(world: World) -> None:
        history(world)
        start_capture(world)
        change(world)
        world.router.start_services()
        boot_phone(world)
    return play


def _after_history_of(setup: Callable[[World], None], change: Callable[[World], None]) -> Callable[[World], None]:
    """Like ``_after_history``, with ``setup`` applied to the configuration before the build."""
    later = _after_history(change)

    def play(world: World) -> None:
        setup(world)
        later(world)
    return play


CALENDAR_BEHIND = 47 * 60.0  # an ISR G2 calendar NTP never updated (no `ntp update-calendar`), after years of drift


def _reload_from_calendar(world: World) -> None:
    """A reload ten minutes after the build: the clock comes from the battery calendar, which
    NTP never updated; NTP has not synchronised yet, so the clock is not authoritative."""
    world.timeline.advance(600.0)
    world.router.clock.reload_from_calendar(CALENDAR_BEHIND)
    world.timeline.advance(BOOT_SECONDS)
    world.log.lines.clear()
    start_capture(world)


def _age(days: float) -> Callable[[World], None]:
    return lambda world: world.timeline.advance(days * DAY)


def _database_on_tftp(world: World) -> None:
    world.ca.database_url = "tftp://10.1.1.50/cme-root/"


def _database_lost_then_renew(world: World) -> None:
    """Reload while the TFTP server holding the CA database is gone; then the phone's LSC
    is renewed through CAPF."""
    router = world.router
    router.ca.database_lost = True
    router.ca.start_after_reload(world.log)
    router.ephones[0].cert_oper = ("upgrade", "null-string")
    router.create_cnf_files()


def _ntp_unsynchronised(world: World) -> None:
    """NTP is configured on CME but has not synchronised: its clock drifted 3 days behind,
    while the CA router keeps the right time."""
    world.router.clock.set(NOW - timedelta(days=3), "ntp-unsynchronised")
    _plain(world)


def _clock_set_after_build(world: World) -> None:
    """The ISR G2's calendar battery had failed, so after a power cut the calendar and the
    clock started at the boot default (inferred for a lost calendar); the system was built
    on that date, then the clock was set: the CA (1095 days from Mar 1 2002) and everything
    it issued are long expired on the corrected clock."""
    router = world.router
    router.ntp_server = None
    router.clock.reload_unset()
    world.timeline.advance(BOOT_SECONDS)
    _plain(world)
    before = router.clock.now
    router.clock.set(NOW, "manual")
    world.log.emit("SYS-6-CLOCKUPDATE", **clock_update(before, router.clock.now))
    router.start_services()
    boot_phone(world)


def _without_capf_record(world: World) -> None:
    client = world.router.ctl_client
    client.servers = [s for s in client.servers if s[0] != "capf"]


def _manual_grant_after_build(world: World) -> None:
    """Cisco's advice once the build is done: `no grant auto`. The next LSC request waits."""
    world.ca.grant_auto = False
    world.router.ephones[0].cert_oper = ("upgrade", "null-string")
    world.router.create_cnf_files()


def _rebuild_ca(world: World) -> None:
    router = world.router
    router.ca.rebuild(world.log)
    router.adopt_ca()
    router.enroll_all([router.ca], ("cme-sccp", "cme-tftp", "cme-capf"), new_key=True)
    router.create_cnf_files()  # `create cnf-files`, but no `ctl-client` / `regenerate`


def _rekey_sasts(world: World) -> None:
    router = world.router
    router.enroll_all([router.ca], ("sast1", "sast2"), new_key=True)
    router.regenerate_ctl()


def _set(**changes) -> Callable[[World], None]:
    """Attribute changes on the router (``capf_config__keygen_timeout_min`` reaches one level down)."""
    def change(world: World) -> None:
        for key, value in changes.items():
            target, attr = world.router, key
            if "__" in key:
                head, attr = key.split("__")
                target = getattr(world.router, head)
            setattr(target, attr, value)
    return change


def _each_trustpoint(**changes) -> Callable[[World], None]:
    def change(world: World) -> None:
        for tp in runner.FUNCTIONAL:
            for key, value in changes.items():
                setattr(world.router.trustpoints[tp], key, value)
    return change


def _ephone(**changes) -> Callable[[World], None]:
    def change(world: World) -> None:
        for key, value in changes.items():
            setattr(world.router.ephones[0], key, value)
    return change


def _phone(**changes) -> Callable[[World], None]:
    def change(world: World) -> None:
        for key, value in changes.items():
            setattr(world.phone, key, value)
    return change


def _both(*changes) -> Callable[[World], None]:
    def change(world: World) -> None:
        for c in changes:
            c(world)
    return change


def _crl_checked_on_tftp_database(world: World) -> None:
    world.router.trustpoints[world.ca.name].revocation_check = "crl"
    _database_on_tftp(world)


def _tftp_storage_gone(world: World) -> None:
    world.ca.database_lost = True


def _polled_while_pending(world: World) -> None:
    """Manual granting: each trustpoint polls its pending request (`enrollment retry period`)."""
    change = lambda w: setattr(w.ca, "grant_auto", False)  # noqa: E731
    change(world)
    build(world)
    for _ in range(2):
        world.timeline.advance(SCEP_RETRY_PERIOD)
        for tp in world.router.trustpoints.values():
            tp.poll(world.ca, world.log)
    boot_phone(world)


def _ssl3_phone(world: World) -> None:
    """The phone's old load offers only SSL 3.0; the engineer adds `debug ssl openssl errors`."""
    world.phone.ssl3_only = True
    world.log.debug_on("ssl openssl errors")


def _watched(world: World) -> None:
    world.router.watch_capf_encrypt = True
    _plain(world)


def _key_too_small(world: World) -> None:
    """Trustpoints without `rsakeypair`: IOS auto-generates 512-bit keys at enrollment.
    The phone already holds an LSC, so it goes straight to TLS on 2443."""
    _each_trustpoint(key_bits=None)(world)
    world.router.ephones[0].cert_oper = None
    build(world)
    key = runner.rsa_key(f"lsc/{world.phone.mac}", 1024, world.seed)
    world.phone.state.lsc = (world.ca.issue(runner.name(world.phone.device), key.public_key()), key)
    boot_phone(world)


SCENARIOS: dict[str, Scenario] = {s.name: s for s in [
    Scenario("healthy", "Baseline: CA, trustpoints, CTL, signed config, CAPF LSC upgrade, secure registration.",
             "nothing", _watched, (), (), ("CLK001", "PKI001", "CTL001", "CTL005", "TLS001", "CAPF001"),
             "registered-secure"),
    Scenario("clock-never-set", "Built with NTP time; reloaded ten minutes later. NTP has not synchronised "
             "since, so the clock came from the battery calendar, which NTP never updated: it is 47 minutes behind "
             "and not authoritative, and the certificates issued before the reload are not yet valid.",
             "reload; clock from a calendar 47 min behind (no `ntp update-calendar`), NTP not yet synchronised "
             "(`*` stamps, time source hardware calendar)",
             _after_history(_reload_from_calendar), ("CLK001",), ("CLK001", "CLK002"), ("PKI001",), "stopped:tls"),
    Scenario("clock-set-after-ca-built", "The calendar battery had failed, so after a power cut the router "
             "started at the boot default (Mar 1 2002); the CA and trustpoints were built then, the clock was "
             "set by hand later, and every certificate is long expired.",
             "calendar battery failed: CA built on `*Mar  1 2002`, then `clock set` (%SYS-6-CLOCKUPDATE)", _clock_set_after_build,
             ("CLK004",), ("CLK004",), (), "stopped:tls"),
    Scenario("ntp-unsynchronised", "CME has `ntp server` configured but is not synchronised; its clock is 3 "
             "days behind the CA router's, so every certificate it receives is not yet valid.",
             "CME clock 3 days behind, NTP unsynchronised (`.` stamps); CA on another router with the right time",
             _ntp_unsynchronised, ("CLK003",), ("CLK003",), (), "stopped:tls", {"ca_router_offset": timedelta(0)}),
    Scenario("ca-clock-ahead", "The CA runs on another router whose clock is 6 hours ahead: certificates it "
             "issues start in CME's future.", "CA router clock +6 h (NTP on neither side in agreement)",
             _plain, ("CLK005",), ("CLK005", "CLK002"), (), "stopped:tls",
             {"ca_router_offset": timedelta(hours=6)}),
    Scenario("cert-expired", "Built 400 days ago with the default 365-day certificate lifetime and no "
             "auto-enroll: CME's TLS certificate has expired.", "400 days of virtual time after the build",
             _after_history(_age(400)), ("PKI001",), ("PKI001",), ("CLK001", "PKI002"), "stopped:tls",
             {"start": NOW - timedelta(days=400)}),
    Scenario("ca-cert-expired", "The IOS CA certificate (default 1095 days) expired 5 days ago; with `lifetime "
             "certificate 1825` every certificate it issued ended at the same moment.",
             "1100 days of virtual time after the build; no auto-rollover",
             _after_history_of(lambda w: setattr(w.ca, "lifetime_cert_days", 1825), _age(1100)), ("PKI002",), ("PKI002",), ("CLK001",), "stopped:tls",
             {"start": NOW - timedelta(days=1100)}),
    Scenario("http-server-off", "`no ip http server` on the CA router: SCEP cannot reach the CA, no trustpoint "
             "is enrolled, no CTL can be built, the phone registers non-secure.", "no ip http server",
             _configure(_set(http_server=False)), ("PKI004",), ("PKI004",), ("PKI007",), "registered-nonsecure"),
    Scenario("enrollment-pending-manual-grant", "The CA grants manually (no `grant auto`): every enrollment "
             "request waits as pending.", "no grant auto on the certificate server",
             _polled_while_pending, ("PKI005",), ("PKI005",), ("PKI004",), "registered-nonsecure"),
    Scenario("ca-server-disabled", "The certificate server is configured but shut down: the CA answers no "
             "enrollment, so nothing is enrolled and no CTL exists.", "`shutdown` under crypto pki server",
             _configure(lambda w: setattr(w.ca, "shutdown", True)), ("PKI006",), ("PKI006",), ("PKI004",),
             "registered-nonsecure"),
    Scenario("ca-database-lost", "After a reload the certificate server cannot read its database and stays "
             "disabled; the phone's LSC renewal through CAPF fails, while its old LSC still registers.",
             "`database url tftp://10.1.1.50/cme-root/`; the TFTP server gone at the reload; cert-oper upgrade",
             _after_history_of(_database_on_tftp, _database_lost_then_renew), ("PKI006",), ("PKI006",), (), "registered-secure"),
    Scenario("ca-unreachable", "The trustpoints' enrollment URL names an address where no CA answers.",
             "enrollment url http://10.1.1.99:80 on every functional trustpoint",
             _configure(_each_trustpoint(enrollment_url="http://10.1.1.99:80")), ("PKI007",), ("PKI007",),
             ("PKI004",), "registered-nonsecure"),
    Scenario("crl-unreachable", "The CA trustpoint checks revocation by CRL (the IOS default); the CA keeps "
             "its database (and CRL) on a TFTP server that has since gone, so the CRL cannot be read and CME "
             "rejects the phone's certificate in the TLS handshake.",
             "revocation-check crl on the CA trustpoint; `database url tftp://10.1.1.50/cme-root/` unreachable",
             _after_history_of(_crl_checked_on_tftp_database, _tftp_storage_gone), ("PKI011",), ("PKI011",), (),
             "stopped:tls"),
    Scenario("ca-rebuilt-stale-ctl", "The CA was rebuilt and CME/TFTP/CAPF re-enrolled with new keys, but the "
             "CTL was not regenerated: its CME record no longer matches what CME presents on 2443.",
             "CA rebuilt, three trustpoints re-enrolled, no `regenerate`",
             _after_history(_rebuild_ca), ("CTL002",), ("CTL002", "CTL003"), (), "stopped:tls"),
    Scenario("sast-changed", "SAST1 and SAST2 were re-enrolled with new keys and the CTL regenerated: the "
             "phone refuses the new CTL (Trust List Update Failed) and keeps the old one.",
             "sast1 and sast2 re-keyed, CTL regenerated", _after_history(_rekey_sasts), ("CTL005",),
             ("CTL005",), (), "registered-secure"),
    Scenario("config-signed-by-untrusted", "Configs are signed with the CME TLS trustpoint while the CTL's TFTP "
             "record names cme-tftp: the phone rejects its signed configuration.",
             "tftp-server-credentials trustpoint cme-sccp", _configure(_set(tftp_credentials="cme-sccp")),
             ("CTL004",), ("CTL004", "CFG002"), (), "stopped:config"),
    Scenario("ctl-not-served", "The ctl-client is configured but `regenerate` was never run: no CTL exists, the "
             "phone registers non-secure.", "no CTL file",
             _configure(_set(ctl_regenerated=False)),
             ("CTL001",), ("CTL001",), (), "registered-nonsecure"),
    Scenario("ctl-capf-record-missing", "The ctl-client has no `server capf` line: the CTL lacks the CAPF "
             "record, so the phone cannot trust CAPF and never gets an LSC.", "no server capf in ctl-client",
             _configure(_without_capf_record), ("CTL007",), ("CTL007",), (), "stopped:capf"),
    Scenario("secure-signaling-trustpoint-unset", "telephony-service has no `secure-signaling trustpoint`: CME "
             "has no certificate for TLS and does not listen on 2443.", "no secure-signaling trustpoint",
             _configure(_set(secure_signaling=None)), ("CFG004",), ("CFG004",), (), "stopped:tls"),
    Scenario("tftp-credentials-trustpoint-unset", "telephony-service has no `tftp-server-credentials "
             "trustpoint`: CME cannot sign the configuration the phone asks for.",
             "no tftp-server-credentials trustpoint", _configure(_set(tftp_credentials=None)), ("CFG005",),
             ("CFG005",), (), "stopped:config"),
    Scenario("mic-root-missing", "CAPF authenticates phones by their MIC, but the MIC's issuer "
             "(CAP-RTP-002) was never imported as a trustpoint on CME.", "cert-oper upgrade auth-mode MIC; no "
             "MIC root trustpoint", _configure(_ephone(cert_oper=("upgrade", "MIC"))), ("PKI019",), ("PKI019",),
             (), "stopped:capf"),
    Scenario("capf-ra-enrollment-failure", "After the build the CA was set to manual granting (`no grant auto`, "
             "as Cisco advises); the phone's LSC request through CAPF waits as pending and the session ends.",
             "no grant auto after the build; cert-oper upgrade", _after_history(_manual_grant_after_build),
             ("PKI005",), ("PKI005", "CAPF005"), (), "registered-secure"),
    Scenario("capf-auth-string-mismatch", "CAPF auth-string mode; the user types a different string than the "
             "ephone's capf-auth-str.", "capf-auth-str 1234, typed 4321",
             _configure(_both(_ephone(cert_oper=("upgrade", "auth-string"), capf_auth_str="1234"),
                              _phone(auth_string="4321"))),
             ("CAPF001",), ("CAPF001",), (), "stopped:capf"),
    Scenario("capf-auth-mode-mismatch", "CAPF told to authenticate by existing LSC on a phone that has none.",
             "cert-oper upgrade auth-mode LSC on a phone without an LSC",
             _configure(_ephone(cert_oper=("upgrade", "LSC"))), ("CAPF002",), ("CAPF002",), (), "stopped:capf"),
    Scenario("capf-cert-oper-not-set", "No certificate operation is configured, so the phone never gets an LSC "
             "and offers its MIC, whose issuer CME does not trust.", "no cert-oper on the ephone",
             _configure(_ephone(cert_oper=None)), ("CAPF003",), ("CAPF003",), (), "stopped:tls"),
    Scenario("capf-keygen-timeout", "2048-bit phone keys take the phone 10 minutes; the CAPF server gives up "
             "after a 1-minute keygen timeout and one retry.", "phone-key-size 2048, keygen-timeout 1, "
             "keygen-retry 1", _configure(_both(_set(capf_config__phone_key_size=2048,
                                                     capf_config__keygen_timeout_min=1,
                                                     capf_config__keygen_retry=1))),
             ("CAPF004",), ("CAPF004",), (), "stopped:capf"),
    Scenario("secure-listener-down", "secure-signaling was applied before cme-sccp was enrolled and never "
             "re-applied: nothing listens on 2443.", "no TLS listener on 2443",
             _configure(_set(secure_listener_wanted=False)), ("TLS001",), ("TLS001",), (), "stopped:tls"),
    Scenario("tls-version-mismatch", "The phone runs an old load that offers only SSL 3.0 on 2443; IOS 15.x "
             "accepts TLS 1.0 to 1.2, so every handshake fails (`debug ssl openssl errors`: unsupported protocol).",
             "phone offers SSL 3.0 only; CME unchanged (TLS 1.0-1.2)",
             _configure(_ssl3_phone),
             ("TLS002",), ("TLS002",), (), "stopped:tls"),
    Scenario("key-too-small", "Trustpoints enrolled without `rsakeypair`: IOS auto-generated 512-bit keys, "
             "which the phone refuses on 2443.", "no rsakeypair: %CRYPTO-6-AUTOGEN 512 bit",
             _key_too_small, ("PKI013",), ("PKI013",), (), "stopped:tls"),
    Scenario("platform-unsupported", "The same Secure CME configuration on an ISR 4331 with IOS XE 17.6.1a: it "
             "builds and the phone registers, but Cisco does not support Secure CME on 4000 Series ISRs.",
             "platform ISR4331/K9, IOS XE 17.6.1a (isr4300-universalk9)", _plain, ("PLAT003",), ("PLAT003",), (),
             "registered-secure", {"platform": ISR_4331_XE}),
    Scenario("device-security-mode-nonsecure", "The ephone overrides the global encrypted mode with "
             "`device-security-mode none`: the phone registers non-secure.", "ephone device-security-mode none",
             _configure(_ephone(security_mode="none")), ("CFG003",), ("CFG003", "CFG007"), (),
             "registered-nonsecure"),
]}


def _toml_list(items) -> str:
    return "[" + ", ".join(f'"{i}"' for i in items) + "]"


def _toml_text(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def scenario_toml(s: Scenario, world: World, seed: int) -> str:
    outcome = world.phone.outcome if world.phone.stopped_at is None else f"stopped:{world.phone.stopped_at}"
    return "\n".join([
        f"name = {_toml_text(s.name)}", f"description = {_toml_text(s.description)}",
        f"injected = {_toml_text(s.injected)}", f"seed = {seed}",
        "regenerate = \"cmedebug reproduce --all --out sample_logs\"", "",
        "[platform]", f"model = {_toml_text(world.platform.model)}", f"train = {_toml_text(world.platform.train)}",
        f"version = {_toml_text(world.platform.version)}", f"image = {_toml_text(world.platform.image)}",
        f"licences = {_toml_list(world.platform.licences)}", "",
        "[phone]", f"outcome = {_toml_text(outcome)}", f"detail = {_toml_text(world.phone.outcome)}", "",
        "[expect]", f"first_root = {_toml_list(s.first_root)}", f"must_fire = {_toml_list(s.must_fire)}",
        f"must_not_fire = {_toml_list(s.must_not_fire)}",
        *(["max_severity = \"low\""] if not s.first_root else []), ""])


def reproduce(name: str, out: Path, seed: int = 0) -> World:
    """Play scenario ``name`` and write its folder ``out``. Of an existing ``out`` only
    what an earlier run wrote is ever replaced (``out_folder``: a manifest; anything
    else there refuses the run and is left alone)."""
    scenario = SCENARIOS[name]
    out_folder.check(out)
    world = make_world(seed, **scenario.world)
    stage = out_folder.staging(out)
    try:
        scenario.play(world)
        runner.collect(world, stage)  # while the services run, as `show` sees them
    except BaseException:
        shutil.rmtree(stage)
        raise
    finally:
        world.router.stop_services()
    (stage / "scenario.toml").write_text(scenario_toml(scenario, world, seed))
    out_folder.install(stage, out)
    return world


def timed_reproduce(name: str, out: Path, seed: int = 0) -> tuple[World, float]:
    started = time.monotonic()
    world = reproduce(name, out, seed)
    return world, time.monotonic() - started
