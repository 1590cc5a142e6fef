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

from cmedebug.refcme import out_folder, plays, runner
from cmedebug.refcme.platform import ISR_4331_XE
from cmedebug.refcme.runner import NOW, World, make_world


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


SCENARIOS: dict[str, Scenario] = {s.name: s for s in [
    Scenario("healthy", "Baseline: CA, trustpoints, CTL, signed config, CAPF LSC upgrade, secure registration.",
             "nothing", plays.watched, (), (), ("CLK001", "PKI001", "CTL001", "CTL005", "TLS001", "CAPF001"),
             "registered-secure"),
    Scenario("clock-never-set", "Built with NTP time; reloaded ten minutes later. NTP has not synchronised "
             "since, so the clock came from the battery calendar, which NTP never updated: it is 47 minutes behind "
             "and not authoritative, and the certificates issued before the reload are not yet valid.",
             "reload; clock from a calendar 47 min behind (no `ntp update-calendar`), NTP not yet synchronised "
             "(`*` stamps, time source hardware calendar)",
             plays.after_history(plays.reload_from_calendar), ("CLK001",), ("CLK001", "CLK002"), ("PKI001",), "stopped:tls"),
    Scenario("clock-set-after-ca-built", "The calendar battery had failed, so after a power cut the router "
             "started at the boot default (Mar 1 2002); the CA and trustpoints were built then, the clock was "
             "set by hand later, and every certificate is long expired.",
             "calendar battery failed: CA built on `*Mar  1 2002`, then `clock set` (%SYS-6-CLOCKUPDATE)", plays.clock_set_after_build,
             ("CLK004",), ("CLK004",), (), "stopped:tls"),
    Scenario("ntp-unsynchronised", "CME has `ntp server` configured but is not synchronised; its clock is 3 "
             "days behind the CA router's, so every certificate it receives is not yet valid.",
             "CME clock 3 days behind, NTP unsynchronised (`.` stamps); CA on another router with the right time",
             plays.ntp_unsynchronised, ("CLK003",), ("CLK003",), (), "stopped:tls", {"ca_router_offset": timedelta(0)}),
    Scenario("ca-clock-ahead", "The CA runs on another router whose clock is 6 hours ahead: certificates it "
             "issues start in CME's future.", "CA router clock +6 h (NTP on neither side in agreement)",
             plays.plain, ("CLK005",), ("CLK005", "CLK002"), (), "stopped:tls",
             {"ca_router_offset": timedelta(hours=6)}),
    Scenario("cert-expired", "Built 400 days ago with the default 365-day certificate lifetime and no "
             "auto-enroll: CME's TLS certificate has expired.", "400 days of virtual time after the build",
             plays.after_history(plays.age(400)), ("PKI001",), ("PKI001",), ("CLK001", "PKI002"), "stopped:tls",
             {"start": NOW - timedelta(days=400)}),
    Scenario("ca-cert-expired", "The IOS CA certificate (default 1095 days) expired 5 days ago; with `lifetime "
             "certificate 1825` every certificate it issued ended at the same moment.",
             "1100 days of virtual time after the build; no auto-rollover",
             plays.after_history_of(lambda w: setattr(w.ca, "lifetime_cert_days", 1825), plays.age(1100)), ("PKI002",), ("PKI002",), ("CLK001",), "stopped:tls",
             {"start": NOW - timedelta(days=1100)}),
    Scenario("http-server-off", "`no ip http server` on the CA router: SCEP cannot reach the CA, no trustpoint "
             "is enrolled, no CTL can be built, the phone registers non-secure.", "no ip http server",
             plays.configure(plays.set(http_server=False)), ("PKI004",), ("PKI004",), ("PKI007",), "registered-nonsecure"),
    Scenario("enrollment-pending-manual-grant", "The CA grants manually (no `grant auto`): every enrollment "
             "request waits as pending.", "no grant auto on the certificate server",
             plays.polled_while_pending, ("PKI005",), ("PKI005",), ("PKI004",), "registered-nonsecure"),
    Scenario("ca-server-disabled", "The certificate server is configured but shut down: the CA answers no "
             "enrollment, so nothing is enrolled and no CTL exists.", "`shutdown` under crypto pki server",
             plays.configure(lambda w: setattr(w.ca, "shutdown", True)), ("PKI006",), ("PKI006",), ("PKI004",),
             "registered-nonsecure"),
    Scenario("ca-database-lost", "After a reload the certificate server cannot read its database and stays "
             "disabled; the phone's LSC renewal through CAPF fails, while its old LSC still registers.",
             "`database url tftp://10.1.1.50/cme-root/`; the TFTP server gone at the reload; cert-oper upgrade",
             plays.after_history_of(plays.database_on_tftp, plays.database_lost_then_renew), ("PKI006",), ("PKI006",), (), "registered-secure"),
    Scenario("ca-unreachable", "The trustpoints' enrollment URL names an address where no CA answers.",
             "enrollment url http://10.1.1.99:80 on every functional trustpoint",
             plays.configure(plays.each_trustpoint(enrollment_url="http://10.1.1.99:80")), ("PKI007",), ("PKI007",),
             ("PKI004",), "registered-nonsecure"),
    Scenario("crl-unreachable", "The CA trustpoint checks revocation by CRL (the IOS default); the CA keeps "
             "its database (and CRL) on a TFTP server that has since gone, so the CRL cannot be read and CME "
             "rejects the phone's certificate in the TLS handshake.",
             "revocation-check crl on the CA trustpoint; `database url tftp://10.1.1.50/cme-root/` unreachable",
             plays.after_history_of(plays.crl_checked_on_tftp_database, plays.tftp_storage_gone), ("PKI011",), ("PKI011",), (),
             "stopped:tls"),
    Scenario("ca-rebuilt-stale-ctl", "The CA was rebuilt and CME/TFTP/CAPF re-enrolled with new keys, but the "
             "CTL was not regenerated: its CME record no longer matches what CME presents on 2443.",
             "CA rebuilt, three trustpoints re-enrolled, no `regenerate`",
             plays.after_history(plays.rebuild_ca), ("CTL002",), ("CTL002", "CTL003"), (), "stopped:tls"),
    Scenario("sast-changed", "SAST1 and SAST2 were re-enrolled with new keys and the CTL regenerated: the "
             "phone refuses the new CTL (Trust List Update Failed) and keeps the old one.",
             "sast1 and sast2 re-keyed, CTL regenerated", plays.after_history(plays.rekey_sasts), ("CTL005",),
             ("CTL005",), (), "registered-secure"),
    Scenario("config-signed-by-untrusted", "Configs are signed with the CME TLS trustpoint while the CTL's TFTP "
             "record names cme-tftp: the phone rejects its signed configuration.",
             "tftp-server-credentials trustpoint cme-sccp", plays.configure(plays.set(tftp_credentials="cme-sccp")),
             ("CTL004",), ("CTL004", "CFG002"), (), "stopped:config"),
    Scenario("ctl-not-served", "The ctl-client is configured but `regenerate` was never run: no CTL exists, the "
             "phone registers non-secure.", "no CTL file",
             plays.configure(plays.set(ctl_regenerated=False)),
             ("CTL001",), ("CTL001",), (), "registered-nonsecure"),
    Scenario("ctl-capf-record-missing", "The ctl-client has no `server capf` line: the CTL lacks the CAPF "
             "record, so the phone cannot trust CAPF and never gets an LSC.", "no server capf in ctl-client",
             plays.configure(plays.without_capf_record), ("CTL007",), ("CTL007",), (), "stopped:capf"),
    Scenario("secure-signaling-trustpoint-unset", "telephony-service has no `secure-signaling trustpoint`: CME "
             "has no certificate for TLS and does not listen on 2443.", "no secure-signaling trustpoint",
             plays.configure(plays.set(secure_signaling=None)), ("CFG004",), ("CFG004",), (), "stopped:tls"),
    Scenario("tftp-credentials-trustpoint-unset", "telephony-service has no `tftp-server-credentials "
             "trustpoint`: CME cannot sign the configuration the phone asks for.",
             "no tftp-server-credentials trustpoint", plays.configure(plays.set(tftp_credentials=None)), ("CFG005",),
             ("CFG005",), (), "stopped:config"),
    Scenario("mic-root-missing", "CAPF authenticates phones by their MIC, but the MIC's issuer "
             "(CAP-RTP-002) was never imported as a trustpoint on CME.", "cert-oper upgrade auth-mode MIC; no "
             "MIC root trustpoint", plays.configure(plays.ephone(cert_oper=("upgrade", "MIC"))), ("PKI019",), ("PKI019",),
             (), "stopped:capf"),
    Scenario("capf-ra-enrollment-failure", "After the build the CA was set to manual granting (`no grant auto`, "
             "as Cisco advises); the phone's LSC request through CAPF waits as pending and the session ends.",
             "no grant auto after the build; cert-oper upgrade", plays.after_history(plays.manual_grant_after_build),
             ("PKI005",), ("PKI005", "CAPF005"), (), "registered-secure"),
    Scenario("capf-auth-string-mismatch", "CAPF auth-string mode; the user types a different string than the "
             "ephone's capf-auth-str.", "capf-auth-str 1234, typed 4321",
             plays.configure(plays.both(plays.ephone(cert_oper=("upgrade", "auth-string"), capf_auth_str="1234"),
                              plays.phone(auth_string="4321"))),
             ("CAPF001",), ("CAPF001",), (), "stopped:capf"),
    Scenario("capf-auth-mode-mismatch", "CAPF told to authenticate by existing LSC on a phone that has none.",
             "cert-oper upgrade auth-mode LSC on a phone without an LSC",
             plays.configure(plays.ephone(cert_oper=("upgrade", "LSC"))), ("CAPF002",), ("CAPF002",), (), "stopped:capf"),
    Scenario("capf-cert-oper-not-set", "No certificate operation is configured, so the phone never gets an LSC "
             "and offers its MIC, whose issuer CME does not trust.", "no cert-oper on the ephone",
             plays.configure(plays.ephone(cert_oper=None)), ("CAPF003",), ("CAPF003",), (), "stopped:tls"),
    Scenario("capf-keygen-timeout", "2048-bit phone keys take the phone 10 minutes; the CAPF server gives up "
             "after a 1-minute keygen timeout and one retry.", "phone-key-size 2048, keygen-timeout 1, "
             "keygen-retry 1", plays.configure(plays.both(plays.set(capf_config__phone_key_size=2048,
                                                     capf_config__keygen_timeout_min=1,
                                                     capf_config__keygen_retry=1))),
             ("CAPF004",), ("CAPF004",), (), "stopped:capf"),
    Scenario("secure-listener-down", "secure-signaling was applied before cme-sccp was enrolled and never "
             "re-applied: nothing listens on 2443.", "no TLS listener on 2443",
             plays.configure(plays.set(secure_listener_wanted=False)), ("TLS001",), ("TLS001",), (), "stopped:tls"),
    Scenario("tls-version-mismatch", "The phone runs an old load that offers only SSL 3.0 on 2443; IOS 15.x "
             "accepts TLS 1.0 to 1.2, so every handshake fails (`debug ssl openssl errors`: unsupported protocol).",
             "phone offers SSL 3.0 only; CME unchanged (TLS 1.0-1.2)",
             plays.configure(plays.ssl3_phone),
             ("TLS002",), ("TLS002",), (), "stopped:tls"),
    Scenario("key-too-small", "Trustpoints enrolled without `rsakeypair`: IOS auto-generated 512-bit keys, "
             "which the phone refuses on 2443.", "no rsakeypair: %CRYPTO-6-AUTOGEN 512 bit",
             plays.key_too_small, ("PKI013",), ("PKI013",), (), "stopped:tls"),
    Scenario("platform-unsupported", "The same Secure CME configuration on an ISR 4331 with IOS XE 17.6.1a: it "
             "builds and the phone registers, but Cisco does not support Secure CME on 4000 Series ISRs.",
             "platform ISR4331/K9, IOS XE 17.6.1a (isr4300-universalk9)", plays.plain, ("PLAT003",), ("PLAT003",), (),
             "registered-secure", {"platform": ISR_4331_XE}),
    Scenario("device-security-mode-nonsecure", "The ephone overrides the global encrypted mode with "
             "`device-security-mode none`: the phone registers non-secure.", "ephone device-security-mode none",
             plays.configure(plays.ephone(security_mode="none")), ("CFG003",), ("CFG003", "CFG007"), (),
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
