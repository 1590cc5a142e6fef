"""A case's evidence -> the ``ReplaySpec`` of the reference CME that replays it.

Every value comes from a fact or an event of the case; what the evidence lacks
gets the reference CME's default and an entry in ``spec.assumptions`` saying
what was assumed and what to collect to know it. Secrets are never read: the
parsers keep only whether one is set and its length, and the replay uses
placeholders of that length.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlparse

from cmedebug.model import Case
from cmedebug.refcme import runner
from cmedebug.refcme.clock import IOS_BOOT_DEFAULT
from cmedebug.refcme.spec import NOT_AUTHORITATIVE, PLACEHOLDER_DIGITS, CaSpec, EphoneSpec, PhoneSpec, ReplaySpec, TrustpointSpec
from cmedebug.refcme.trustpoints import subject_cn

NO_CONFIG = ("the case holds no configuration: collect `show running-config` from the CME router "
             "(with `show crypto pki certificates`, `show clock` and the debug log), then replay")
CLOCK_SOURCES = {"": "ntp", "*": "never-set", ".": "ntp-unsynchronised"}
FLOWS = {"enrollment": ("pki.enroll.", "pki.scep."), "ctl": ("ctl_client.", "phone.trust_list."),
         "config": ("tftp.", "phone.tftp."), "capf": ("capf.",), "tls": ("tls.", "ephone.secure."),
         "registration": ("ephone.register",)}


ENROLLMENT_ATTEMPTS = ("pki.enroll.", "pki.scep.", "pki.ca.", "pki.ca_cert.", "pki.trustpoint.")


class NoConfiguration(ValueError):
    """The case has no configuration to build a reference CME from."""


# first root causes that say the phone never got an LSC: its TLS failure is then its MIC refused, not a
# phone that held an LSC (the phone's evidence is the same either way: the handshake fails without a reason)
PHONE_WITHOUT_LSC = frozenset({"CAPF003"})


def _facts(case: Case, kind: str) -> list[dict]:
    """The fields of every ``kind`` fact, a full running-config's first: commands typed at a
    prompt in a log (``origin: typed``, partial) only fill what no full configuration has."""
    found = [f.fields for f in case.facts if f.kind == kind]
    return sorted(found, key=lambda f: bool(f.get("partial")) or f.get("origin") == "typed")


def _one(case: Case, kind: str):
    return next(iter(_facts(case, kind)), None)


def _all(case: Case, kind: str, key: str) -> list[dict]:
    """One fields dict per ``key`` value (a trustpoint's name, an ephone's tag)."""
    kept: dict = {}
    for fields in _facts(case, kind):
        kept.setdefault(fields.get(key), fields)
    return [f for k, f in kept.items() if k is not None]


def _events(case: Case, prefix: str) -> list:
    return [e for e in case.events if e.kind.startswith(prefix)]


def spec_from_case(case: Case) -> ReplaySpec:
    present = _one(case, "config.present")
    if present is None and not any(f.kind.startswith("config.") for f in case.facts):
        raise NoConfiguration(NO_CONFIG)
    spec = ReplaySpec()
    say = spec.assumptions.append
    glob = _one(case, "config.global") or {}
    spec.hostname = (present or {}).get("hostname") or glob.get("hostname") or "CME"
    if (present or {}).get("partial"):
        say("the configuration is partial (a filtered `show running-config`): absent sections take the "
            "reference CME's defaults")
    spec.http_server = glob.get("http_server", True) is not False
    spec.ntp_server = (glob.get("ntp_servers") or [None])[0]
    _platform(case, spec, say)
    _telephony(case, spec, say)
    _clock(case, spec, say)
    _pki(case, spec, say)
    _ctl(case, spec, say)
    _capf(case, spec, say)
    _phones(case, spec, say)
    say("certificates are issued again by the replayed CA with fresh keys and SHA-256 signatures, at the "
        "dates the evidence shows and with the configured lifetimes")
    say(f"the phone is replayed as a 7970 at {runner.PHONE_IP} with a Cisco-style MIC of the reference's "
        "own manufacturing CA")
    spec.debugs = list(dict.fromkeys(e.fields["subsystem"] for e in _events(case, "debug.enabled")
                                     if e.fields.get("subsystem")))
    spec.flows = [name for name, prefixes in FLOWS.items()
                  if any(e.kind.startswith(prefixes) for e in case.events)]
    return spec


def _platform(case: Case, spec: ReplaySpec, say) -> None:
    """`show version`: model, train (IOS XE from 16.x), version, image."""
    version = _one(case, "platform.version")
    if not version or not version.get("platform") or not version.get("version"):
        say("no `show version`: replayed on a CISCO2911/K9 with IOS 15.7(3)M4 (collect `show version`)")
        return
    text = version["version"]
    xe = text.split(".")[0].isdigit() and int(text.split(".")[0]) >= 16
    if xe:  # 17.06.01a -> 17.6.1a, as the model writes it
        major, minor, rest = (text.split(".") + ["0", "0"])[:3]
        digits = "".join(c for c in rest if c.isdigit()) or "0"
        text = f"{int(major)}.{int(minor)}.{int(digits)}{rest[len(digits):]}"
    image = version.get("image_path") or version.get("image") or ""
    family = "ISR" if xe else (image.split(":")[-1].split("-")[0].upper() or "C2900")
    spec.platform = {"model": version["platform"], "train": "XE" if xe else "15", "version": text,
                     "image": image, "family": family}


def _telephony(case: Case, spec: ReplaySpec, say) -> None:
    tel = _one(case, "config.telephony_service")
    if tel is None:
        say("no telephony-service in the configuration: replayed as a CME with default settings "
            "(collect `show running-config | section telephony-service`)")
        tel = {}
    spec.secure_signaling = tel.get("secure_signaling_trustpoint")
    spec.tftp_credentials = tel.get("tftp_server_credentials_trustpoint")
    spec.device_security_mode = tel.get("device_security_mode") or "none"
    spec.address = tel.get("ip_source_address") or runner.CME_IP
    socket = _one(case, "ephone.socket")
    enrolled = _cert_start(case, spec.secure_signaling) is not None if spec.secure_signaling else False
    if enrolled and socket is not None and socket.get("secure_listen_fd") == -1:  # a certificate, yet no listener
        spec.secure_listener = False
        say("nothing listens on 2443 (`show ephone socket`): replayed as secure-signaling applied before "
            "its trustpoint held a certificate")


def _clock(case: Case, spec: ReplaySpec, say) -> None:
    shows = [f for f in case.facts if f.kind == "clock.show" and f.device in (None, spec.hostname)]
    stamps = [e.ts for e in case.events if e.ts and e.device in (None, spec.hostname)
              and not e.kind.startswith("phone.")]
    if shows:
        show = shows[-1].fields
        spec.clock_source = CLOCK_SOURCES.get(show.get("flag") or "", "ntp")
        if spec.clock_source == "never-set" and "calendar" in (show.get("time_source") or ""):
            spec.clock_source = "calendar"
        spec.clock_now = min(stamps) if stamps and abs((min(stamps) - show["time"]).days) < 2 else show["time"]
        if spec.clock_source == "ntp" and not spec.ntp_server:
            spec.clock_source = "manual"
    elif stamps:
        spec.clock_now = min(stamps)
        say("no `show clock`: CME's time is taken from the first log stamp, as authoritative")
    else:
        say(f"no time in the evidence: CME's clock is the reference date {runner.NOW:%Y-%m-%d %H:%M} UTC "
            "(collect `show clock`)")
    spec.clock_now = spec.clock_now.astimezone(runner.NOW.tzinfo).replace(microsecond=0)


def _span(delta: timedelta) -> str:
    """A clock difference as a user reads it: '3 days behind', '6:00:00 ahead'."""
    size = abs(delta)
    amount = f"{size.days} days" if size.days and not size.seconds else str(size)
    return f"{amount} {'behind' if delta < timedelta(0) else 'ahead'}"


def _cert_start(case: Case, trustpoint: str, role: str = "id"):
    for f in case.facts:
        if f.kind == "cert" and trustpoint in (f.fields.get("trustpoints") or []) \
                and f.fields.get("role") == role and f.fields.get("not_before"):
            return f.fields["not_before"].astimezone(runner.NOW.tzinfo)
    return None


def _local_ca_address(name: str, trustpoints: list[dict], address: str, say) -> str:
    """Where the certificate server on this router answers SCEP: where its own trustpoint
    (named as the server) enrolls, when the router's other trustpoints enroll there too (a
    router enrolling to its own CA at one of its own addresses, Cisco's CME-as-CA example);
    else the router's address. (Trustpoints enrolling elsewhere alone prove nothing: that
    address may be the fault.)"""
    enrolled = [(t["name"], urlparse(t["enrollment_url"]).hostname) for t in trustpoints if t.get("enrollment_url")]
    host = next((h for tp, h in enrolled if tp == name), None)
    if host is None or host == address or {h for tp, h in enrolled if tp != name} != {host}:
        return address
    say(f"the certificate server {name} runs on this router and its trustpoints enroll at {host}: the replayed "
        f"CA answers there, an address of this router besides {address}")
    return host


def _ca_start_from_expiry(case: Case, ca: CaSpec, say) -> datetime | None:
    """When the CA's certificate started, from the expiry `show crypto pki server` prints
    (`CA certificate expiration timer`) less the CA lifetime (`lifetime ca-certificate`, else
    IOS's default): the dates of the case without its certificate."""
    expires = next((f.fields["ca_cert_expires"] for f in case.facts if f.kind == "pki.server"
                    and f.fields.get("name") == ca.name and f.fields.get("ca_cert_expires")), None)
    if expires is None:
        return None
    start = expires.astimezone(runner.NOW.tzinfo) - timedelta(days=ca.lifetime_ca_days)
    say(f"the CA certificate of {ca.name} is dated from its expiry in `show crypto pki server` "
        f"({expires:%Y-%m-%d %H:%M %Z}) less a CA lifetime of {ca.lifetime_ca_days} days: it starts {start:%Y-%m-%d} "
        "(collect `show crypto pki certificates` for its dates)")
    return start


def _pki(case: Case, spec: ReplaySpec, say) -> None:
    server = _one(case, "config.pki_server")
    trustpoints = _all(case, "config.trustpoint", "name")
    if server is not None:
        status = _one(case, "pki.server") or {}
        spec.ca = CaSpec(server["name"], _local_ca_address(server["name"], trustpoints, spec.address, say),
                         grant_auto=bool(server.get("grant_auto")),
                         shutdown=bool(server.get("shutdown")), database_url=server.get("database_url") or "nvram:",
                         lifetime_cert_days=server.get("lifetime_certificate") or 365,
                         lifetime_ca_days=server.get("lifetime_ca_certificate") or 1095)
        disabled_with_a_past = status.get("status") == "disabled" and not spec.ca.shutdown \
            and bool(_cert_start(case, server["name"], "ca"))
        spec.ca.lost_at_reload = bool(_events(case, "pki.cs.startup_cert_missing")) or disabled_with_a_past
    else:
        urls = [urlparse(t["enrollment_url"]).hostname for t in trustpoints if t.get("enrollment_url")]
        if urls:
            spec.ca = CaSpec("ca-root", urls[0], local=False)
            say(f"the CA at {urls[0]} is another router: replayed as an IOS CA named ca-root with IOS defaults "
                "(collect `show crypto pki server` and `show clock` on it)")
            ca_clock = next((f.fields["time"] for f in case.facts if f.kind == "clock.show"
                             and f.device not in (None, spec.hostname)), None)
            if ca_clock is not None:
                spec.ca.clock_offset = timedelta(seconds=round((ca_clock - spec.clock_now).total_seconds() / 60) * 60)
                if spec.ca.clock_offset and spec.clock_source in NOT_AUTHORITATIVE:
                    say(f"CME's clock is not authoritative ({spec.clock_source}): the true time is taken from the "
                        f"CA router's clock, CME's is replayed {_span(-spec.ca.clock_offset)} it")
    if spec.ca is None:
        spec.ca = CaSpec("cme-root", spec.address)
        say("no certificate server and no enrollment URL in the evidence: replayed with a CA named cme-root "
            "on CME itself, with IOS defaults (collect `show crypto pki server`)")
    status = {f["name"]: f for f in _all(case, "pki.trustpoint", "name")}
    # the trustpoints the capture shows an enrollment or authentication attempt of (None: one naming none):
    # the replay attempts them again, to fail as they did
    attempted = {e.fields.get("trustpoint") for e in case.events if e.kind.startswith(ENROLLMENT_ATTEMPTS)}
    for t in trustpoints:
        is_ca = spec.ca is not None and spec.ca.local and t["name"] == spec.ca.name
        check = " ".join(t.get("revocation_check") or ["crl"])
        tp = TrustpointSpec(t["name"], t.get("enrollment_url"), t.get("rsakeypair_size"), check, is_ca,
                            _cert_start(case, t["name"]), **_configured_lines(t))
        shown = status.get(t["name"], {})
        if not is_ca and tp.enrollment_url and tp.enrolled_at is None and shown.get("enrolled") is False \
                and spec.ca.local and not spec.ca.shutdown and not attempted.intersection((None, tp.name)):
            tp.enrolled_at_build = False
            tp.authenticated_at_build = shown.get("ca_authenticated") is not False
            say(f"trustpoint {t['name']} has no router certificate (`show crypto pki trustpoints status`): "
                f"replayed as never enrolled{'' if tp.authenticated_at_build else ' nor authenticated'}")
        spec.trustpoints.append(tp)
    starts = [tp.enrolled_at for tp in spec.trustpoints if tp.enrolled_at]
    ca_start = (_cert_start(case, spec.ca.name, "ca") or _ca_start_from_expiry(case, spec.ca, say)) \
        if spec.ca.local else None
    if starts:
        spec.built_at = min(starts)
    elif ca_start:
        spec.built_at = ca_start
    else:
        spec.built_at = spec.clock_now + spec.ca.clock_offset
        say("no certificate dates in the evidence: the CA and trustpoints are built at the capture's time "
            "(collect `show crypto pki certificates`)")
    if ca_start and starts and ca_start > min(starts) + timedelta(seconds=5):
        spec.ca.rebuilt_at = ca_start
    if spec.built_at.replace(month=1, day=1, hour=0, minute=0, second=0) in (
            IOS_BOOT_DEFAULT.replace(month=1), datetime(1993, 1, 1, tzinfo=runner.NOW.tzinfo)):
        spec.built_on_boot_default = True
    if not spec.ca.grant_auto and starts:
        spec.ca.grant_auto_at_build = True
        say("certificates were issued while the CA has no `grant auto`: replayed as granted automatically at "
            "the build, `grant auto` removed afterwards")
    else:
        spec.ca.grant_auto_at_build = spec.ca.grant_auto
    crl_failed = bool(_events(case, "pki.crl.fetch_failed"))
    if crl_failed and any(tp.revocation_check == "crl" for tp in spec.trustpoints) and spec.ca.local \
            and not spec.ca.lost_at_reload:
        spec.ca.storage_gone = True
        say(f"the CRL cannot be fetched (%PKI-3-CRL_FETCH_FAIL): replayed with the CA's storage "
            f"{spec.ca.database_url} unreachable since the build")


def _configured_lines(trustpoint: dict) -> dict:
    """The trustpoint's lines as its configuration has them (the reference build types
    `serial-number none`, `ip-address none`, `subject-name CN=<name>` and `rsakeypair <name> <size>`)."""
    label, size = trustpoint.get("rsakeypair"), trustpoint.get("rsakeypair_size")
    subject = trustpoint.get("subject_name")
    return {"serial_none": trustpoint.get("serial_number") == "none",
            "ip_none": trustpoint.get("ip_address") == "none", "subject_cn": subject_cn(subject) if subject else "",
            "key_label": None if label is None or (label == trustpoint["name"] and size) else
            " ".join([label, *([str(size)] if size else [])])}


def _ctl(case: Case, spec: ReplaySpec, say) -> None:
    client = _one(case, "config.ctl_client")
    if client is None:
        return
    spec.ctl_sasts = (client.get("sast1_trustpoint") or "sast1", client.get("sast2_trustpoint") or "sast2")
    spec.ctl_servers = [(s["role"], s["ip"], s["trustpoint"]) for s in client.get("servers") or []
                        if s.get("role") in ("cme", "tftp", "capf")]
    ctl = _one(case, "ctl.file")
    missing = any("CTLSEP" in (e.fields.get("file") or e.fields.get("filename") or "")
                  for e in _events(case, "phone.status.file_not_found"))
    needed = [*spec.ctl_sasts, *(tp for _, _, tp in spec.ctl_servers)]
    buildable = all(_cert_start(case, tp) is not None for tp in needed)  # else no CTL could be built anyway
    if ctl is None and buildable and (missing or _events(case, "phone.status.no_trust_list")):
        spec.ctl_regenerated = False
        say("the phone finds no CTL file: replayed as `regenerate` never run")
    if ctl is not None and ctl.get("timestamp"):
        changed = [tp.enrolled_at for tp in spec.trustpoints
                   if tp.enrolled_at and tp.enrolled_at > spec.built_at + timedelta(seconds=5)]
        spec.ctl_regenerated_after_changes = not changed or ctl["timestamp"] >= max(changed)


def _capf(case: Case, spec: ReplaySpec, say) -> None:
    capf = _one(case, "config.capf_server")
    if capf is None:
        say("no capf-server in the configuration: replayed with the reference CME's CAPF defaults")
        return
    spec.capf = {k: v for k, v in {
        "trustpoint": capf.get("trustpoint_label"), "ca_trustpoint": capf.get("cert_enroll_trustpoint"),
        "source_addr": capf.get("source_address"), "port": capf.get("port"), "auth_mode": capf.get("auth_mode"),
        "phone_key_size": capf.get("phone_key_size"), "keygen_retry": capf.get("keygen_retry"),
        "keygen_timeout_min": capf.get("keygen_timeout")}.items() if v is not None}
    if capf.get("cert_enroll_password_set"):
        say("the cert-enroll-trustpoint password is not copied: a placeholder stands for it")


def _phones(case: Case, spec: ReplaySpec, say) -> None:
    statuses = {f["mac"]: f for f in _all(case, "ephone.status", "mac") if f.get("mac")}
    for e in _all(case, "config.ephone", "ephone"):
        if not e.get("mac"):
            continue
        digits = PLACEHOLDER_DIGITS[:e["capf_auth_str_length"]] if e.get("capf_auth_str_set") else None
        if digits:
            say(f"ephone {e['ephone']}: its capf-auth-str is not copied; the placeholder {digits} stands for it")
        oper = (e["cert_oper"], e.get("cert_oper_auth_mode") or "null-string") if e.get("cert_oper") else None
        spec.ephones.append(EphoneSpec(e["ephone"], e["mac"], e.get("device_security_mode"), oper, digits))
        spec.phones.append(_phone_seen(case, e["mac"], statuses.get(e["mac"]), oper, spec, say))
    if not spec.ephones:
        spec.ephones.append(EphoneSpec(1, runner.PHONE_MAC))
        spec.phones.append(PhoneSpec(runner.PHONE_MAC))
        say(f"no ephone in the configuration: one phone (SEP{runner.PHONE_MAC}) is replayed with defaults")
    if len(spec.phones) > 1:
        say(f"{len(spec.phones)} ephones configured: the replay boots the first phone only "
            f"(SEP{spec.phones[0].mac})")


def _phone_seen(case: Case, mac: str, status: dict | None, oper, spec: ReplaySpec, say) -> PhoneSpec:
    phone = PhoneSpec(mac)
    capf_run = bool(_events(case, "capf.session.started"))
    tls_tried = bool(_events(case, "tls.handshake") or _events(case, "ephone.secure."))
    root = next((f for f in case.findings if f.is_root_cause), None)
    diagnosed_without_lsc = root is not None and root.rule_id in PHONE_WITHOUT_LSC
    phone.has_lsc = bool(status and status.get("tls")) or (tls_tried and not capf_run and oper is None
                                                            and not diagnosed_without_lsc)
    if phone.has_lsc:
        say(f"SEP{mac} holds an LSC from before the capture (it reaches TLS without a CAPF session): "
            "replayed as issued through CAPF at the build")
    results = _events(case, "capf.auth.result")
    if any(r.fields.get("auth_mode_name") == "auth-string" for r in results) \
            and not _events(case, "capf.keygen.requested"):
        phone.auth_string_differs = True
        say(f"SEP{mac}: CAPF ended the session after an auth-string authentication: replayed with the user "
            "typing a string that differs from the ephone's")
    if any(e.fields.get("reason") == "unsupported protocol" for e in _events(case, "tls.")):
        phone.ssl3_only = True
        say(f"SEP{mac}: TLS on 2443 fails with 'unsupported protocol': replayed as a phone load offering only "
            "SSL 3.0 to CME's TLS 1.0-1.2 (the versions are not in the evidence)")
    return phone
