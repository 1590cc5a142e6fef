"""Small helpers shared by rules (formatting real values into messages)."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from cmedebug import deployment
from cmedebug.deployment.views import CTL_CLIENT_ROLES, CTL_RECORD_ROLES, SECURE_MODES  # noqa: F401 (rules import SECURE_MODES here)

from cmedebug.formatting import common_name, fmt_delta, fmt_time  # noqa: F401 (rules import them here)


# --- lookups shared by the CTL / CFG / CAPF / TLS / PLAT / LIM rules ---------

# the telephony-service field naming a function's trustpoint -> that function in the device view
_TELEPHONY_FUNCTIONS = {"secure_signaling_trustpoint": "secure-signaling", "tftp_server_credentials_trustpoint": "tftp"}
# capfAuthMode / `AuthMode <n>` numbers (seed article) by `auth-mode` keyword
CAPF_AUTH_MODES = {"none": 0, "auth-string": 1, "null-string": 2, "lsc": 3, "mic": 4}


def facts(case, kind: str) -> list:
    """Facts of exactly this kind, in input order (through the case's kind index:
    rules ask per finding, so a scan of every fact would make them quadratic)."""
    return [f for f in case.facts_of(kind) if f.kind == kind]


def first_fact(case, *kinds: str):
    """The first fact of the first kind that has one (config before show output, say)."""
    for kind in kinds:
        found = facts(case, kind)
        if found:
            return found[0]
    return None


def full_config_given(case) -> bool:
    """A whole configuration was provided, so an absent line proves the setting is absent."""
    return any(not f.fields.get("partial") for f in facts(case, "config.present"))


def sep(mac: str | None) -> str:
    return f"SEP{mac}" if mac else "an unknown phone"


def evidence_of(items, limit: int = 5) -> list:
    from cmedebug.model import Evidence

    return [Evidence.of(i) for i in [i for i in items if i is not None][:limit]]


def global_security_mode(case):
    """(mode, fact) of telephony-service `device-security-mode`: the device view's
    one answer (configuration first, then `show telephony-service security-info`);
    (None, None) when unknown."""
    mode = deployment.device(case).security_mode
    return mode.value, mode.item


def ephone_security_modes(case) -> dict:
    """ephone tag -> (effective mode, config.ephone fact): the ephone's own
    `device-security-mode`, else the global one (the device view's phones)."""
    return {p.ephone.fields.get("ephone"): (p.security_mode.value, p.ephone)
            for p in deployment.device(case).phones.values() if p.ephone is not None}


def secure_mode_intended(case) -> bool:
    """The configuration asks at least some phones for authenticated or encrypted mode."""
    return deployment.device(case).secure_mode_intended()


def ctl_servers(case) -> tuple[list[dict], object]:
    """The server entries of the CTL client ({role, ip, trustpoint}) and the fact
    they came from: the configuration first, then `show ctl-client`."""
    client = deployment.device(case).ctl_client
    return client.servers, client.listing


def telephony_trustpoint(case, field: str):
    """(trustpoint, fact) of `secure_signaling_trustpoint` or
    `tftp_server_credentials_trustpoint`: the device view's answer (config, else
    security-info, else the CTL client's server list)."""
    label = deployment.device(case).functions[_TELEPHONY_FUNCTIONS[field]]
    return label.value, label.item


def capf_sessions(case) -> list[list]:
    """`debug capf-server` events cut into sessions, each starting at
    `New Connection from phone` (capf.session.started). Sessions are taken to
    follow each other: the handshake and msgtype lines carry no phone, so
    sessions of several phones at once (bulk upgrades) cannot be told apart."""
    sessions: list[list] = []
    for ev in case.events_of("capf"):
        if ev.kind == "capf.session.started" or not sessions:
            sessions.append([])
        sessions[-1].append(ev)
    return sessions


def session_mac(session) -> str | None:
    return next((e.fields["mac"] for e in session if e.fields.get("mac")), None)


# --- time and certificate lookups shared by the CLK / PKI rules --------------

# Subjects of the Cisco manufacturing roots that phone MICs chain to (sample 16:
# cn=CAP-RTP-002,o=Cisco Systems / cn=CAPF-508A3754,o=Cisco Systems Inc,c=US).
_MIC_ROOT = re.compile(r"CAP-RTP-|CAPF-[0-9A-F]|Cisco Manufacturing CA", re.IGNORECASE)


def device_now(case, device: str | None) -> tuple[datetime | None, str]:
    """(what ``device`` believed the time was, the basis of that belief for messages):
    its latest `show clock`; the only `show clock` of the case when either side
    was printed without a prompt (no device name); else the latest time a
    trusted clock vouched for (case.reference_time); (None, "") when the
    evidence holds no time."""
    from cmedebug.clock import DEFAULT_DEVICE

    clock = case.clocks.get(device or DEFAULT_DEVICE)
    if clock is None or clock.believed_time is None:
        shown = [c for c in case.clocks.values() if c.believed_time is not None]
        unnamed = device in (None, DEFAULT_DEVICE) or (len(shown) == 1 and shown[0].device == DEFAULT_DEVICE)
        clock = shown[0] if len(shown) == 1 and unnamed else None
    if clock is not None and clock.believed_time is not None:
        return clock.believed_time, f"`show clock` on {clock.device}"
    if case.reference_time is not None:
        if case.reference_assumed:
            return case.reference_time, f"the latest log stamp, its year {case.reference_assumed}"
        return case.reference_time, "the latest trusted time in the evidence"
    return None, ""


# The basis quoted in messages when a date had to be compared with today.
TODAY_BASIS = "today's date: the evidence holds no device clock"


def judging_time(case, device: str | None, ends: datetime | None = None) -> tuple[datetime, str]:
    """The time to judge a validity end ``ends`` against: what the device believed
    (``device_now``); else, when ``ends`` lies before it, the latest date the
    evidence proves had passed (the capture came later, so the date had passed
    then too); else today's date (midnight UTC, so that two runs agree), with
    TODAY_BASIS, which callers report at low confidence."""
    now, basis = device_now(case, device)
    if now is not None:
        return now, basis
    floor = case.capture_floor
    if floor is not None and ends is not None and ends < floor.when:
        return floor.when, f"{floor.basis}, which the capture followed"
    return datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0), TODAY_BASIS


def is_boot_default(when: datetime | None) -> bool:
    from cmedebug.clock import BOOT_DEFAULT_YEARS

    return when is not None and when.year in BOOT_DEFAULT_YEARS


def happened_before(a, b) -> bool:
    """Whether item ``a`` came before ``b``: line order within one file (stamps
    may jump when the clock is set), else the resolved times."""
    if a.source.path == b.source.path:
        return a.source.first_line < b.source.first_line
    ta, tb = getattr(a, "ts", None), getattr(b, "ts", None)
    return ta is not None and tb is not None and ta < tb


def certificates(case) -> list:
    """`cert` facts, one per (serial, issuer): a certificate printed twice (by `show crypto pki
    certificates` and inside a CTL) counts once, as the copy that names its trustpoints."""
    kept: dict[tuple, object] = {}
    for f in facts(case, "cert"):
        key = (f.fields.get("serial"), common_name(f.fields.get("issuer")).lower())
        if key not in kept or (f.fields.get("trustpoints") and not kept[key].fields.get("trustpoints")):
            kept[key] = f
    return list(kept.values())


def is_ca_cert(cert) -> bool:
    f = cert.fields
    if f.get("role") == "ca" or f.get("is_ca"):
        return True
    return f.get("role") is None and bool(f.get("subject")) and \
        common_name(f.get("subject")).lower() == common_name(f.get("issuer")).lower()


def is_mic_root(cert) -> bool:
    return is_ca_cert(cert) and bool(_MIC_ROOT.search(cert.fields.get("subject") or ""))


def describe_cert(cert) -> str:
    """'SN 07 (trustpoint cisco2, subject CME1.cisco.com, issued by cme_root)'."""
    f = cert.fields
    parts = []
    if f.get("trustpoints"):
        parts.append(f"trustpoint{'s' if len(f['trustpoints']) > 1 else ''} {', '.join(f['trustpoints'])}")
    if f.get("subject"):
        parts.append(f"subject {common_name(f['subject'])}")
    if f.get("issuer"):
        parts.append(f"issued by {common_name(f['issuer'])}")
    kind = "CA certificate" if is_ca_cert(cert) else "certificate"
    return f"{kind} SN {f.get('serial', '?')}" + (f" ({', '.join(parts)})" if parts else "")


def certs_by_serial(case) -> dict[str, list]:
    out: dict[str, list] = {}
    for c in certificates(case):
        if c.fields.get("serial"):
            out.setdefault(c.fields["serial"], []).append(c)
    return out


def functional_trustpoints(case) -> dict[str, list[str]]:
    """Trustpoints a Secure CME function uses -> what uses them, from the
    configuration, the show outputs and `debug ctl-client`. These must hold a
    key and a certificate; CA-only trustpoints (MIC roots) need neither."""
    return {name: list(tp.uses) for name, tp in deployment.device(case).trustpoints.items() if tp.uses}


def trustpoint_configs(case) -> dict[str, object]:
    """Trustpoint name -> its `config.trustpoint` fact (the last one given wins)."""
    return {name: tp.config for name, tp in deployment.device(case).trustpoints.items() if tp.config is not None}


def pki_servers(case) -> list:
    """`show crypto pki server` facts, then `crypto pki server` config facts."""
    return deployment.device(case).ca_servers


def configured_capf_auth_mode(case, mac: str | None):
    """(auth-mode keyword, fact) that applies to this phone: the ephone's
    `cert-oper ... auth-mode`, else `capf-server` / `auth-mode` (config, then
    `show capf-server summary`); (None, None) when unknown."""
    for f in facts(case, "config.ephone"):
        if mac and f.fields.get("mac") == mac and f.fields.get("cert_oper_auth_mode"):
            return str(f.fields["cert_oper_auth_mode"]).lower(), f
    for kind in ("config.capf_server", "capf.summary"):
        for f in facts(case, kind):
            if f.fields.get("auth_mode"):
                return str(f.fields["auth_mode"]).lower(), f
    return None, None


def capf_session_outcome(session) -> str:
    """What a CAPF session did after authentication: 'operation' (a key-generation
    or certificate request was sent), 'ended' (released without one) or 'open'."""
    after_auth = False
    for ev in session:
        if ev.kind == "capf.auth.result":
            after_auth = True
        elif after_auth and ev.kind in ("capf.keygen.requested", "capf.cert.requested"):
            return "operation"
        elif after_auth and ev.kind in ("capf.session.released", "capf.session.end_sent"):
            return "ended"
    return "open"


# Rules whose findings are what a refused or unusable certificate looks like
# downstream (TLS to 2443 / 3804, CAPF issuance, phones falling back to non-secure).
CERT_FAILURE_SYMPTOMS = ("TLS001", "TLS003", "CAPF005", "CAPF007", "CFG002", "CFG007")
# Rules whose findings are a failed enrollment or a trustpoint left without a certificate.
ENROLLMENT_SYMPTOMS = ("PKI007", "PKI010", "PKI015", "PKI016", "CAPF005")
# How long a TLS handshake takes at most, so that lines around it belong to it.
HANDSHAKE_SECONDS = 5
# A phone's LSC: CN=SEP001B535CDA32
_PHONE_SUBJECT = re.compile(r"\bcn=SEP[0-9A-F]{12}\b", re.IGNORECASE)


def same_device(a: str | None, b: str | None) -> bool:
    """Two findings concern the same device (an unnamed device matches any)."""
    from cmedebug.clock import DEFAULT_DEVICE

    return a in (None, DEFAULT_DEVICE) or b in (None, DEFAULT_DEVICE) or a == b


def device_link(cause, symptom) -> bool:
    return same_device(cause.data.get("device"), symptom.data.get("device"))


def is_phone_cert(cert) -> bool:
    return bool(_PHONE_SUBJECT.search(cert.fields.get("subject") or ""))


def adjacent_events(case, targets) -> dict[int, tuple]:
    """id(target) -> (the event just before it, the event just after it) in its file,
    found in one pass over the case (events keep their input order within a file)."""
    wanted = {id(t) for t in targets}
    out: dict[int, tuple] = {id(t): (None, None) for t in targets}
    previous: dict[str, object] = {}  # path -> the last event seen in that file
    waiting: dict[str, int] = {}  # path -> the target whose next event is still to come
    for ev in case.events:
        path = ev.source.path
        if path in waiting:
            tid = waiting.pop(path)
            out[tid] = (out[tid][0], ev)
        if id(ev) in wanted:
            out[id(ev)] = (previous.get(path), None)
            waiting[path] = id(ev)
        previous[path] = ev
    return out


def in_peer_handshake(event, before, after) -> bool:
    """Whether a certificate verdict was printed inside a TLS handshake with a
    peer (CME checking the phone's certificate): the event just before it in
    the file is `CRYPTO_PKI_OPSSL - Verifying 1 Certs` or another handshake
    line, or the one just after is a handshake failure, within a few seconds."""

    def close(other) -> bool:
        return other.ts is None or event.ts is None or abs((other.ts - event.ts).total_seconds()) <= HANDSHAKE_SECONDS

    if before is not None and close(before) and \
            (before.kind == "pki.opssl.verifying" or before.kind.startswith(("tls.handshake.", "capf."))):
        return True
    return after is not None and close(after) and after.kind == "tls.handshake.failed"


def classify_certificate_event(case, event, known: dict | None = None, adjacent: dict | None = None) -> str:
    """What a `%PKI-3-CERTIFICATE_INVALID_*` serial is: 'ca', 'mic_root', 'phone'
    (an LSC/MIC checked in a handshake), 'router' (one of the router's own
    certificates) or 'unknown'. ``known`` / ``adjacent`` are precomputed
    certs_by_serial() / adjacent_events() when classifying many events."""
    known = certs_by_serial(case) if known is None else known
    certs = known.get(event.fields.get("serial") or "")
    if certs:
        if any(is_mic_root(c) for c in certs):
            return "mic_root"
        if any(is_ca_cert(c) for c in certs):
            return "ca"
        return "phone" if any(is_phone_cert(c) for c in certs) else "router"
    adjacent = adjacent_events(case, [event]) if adjacent is None else adjacent
    return "phone" if in_peer_handshake(event, *adjacent[id(event)]) else "unknown"


def validity_failures(case, kind: str, classes: tuple[str, ...]) -> dict[str, list]:
    """Certificate-verdict events of ``kind`` grouped by serial, keeping the
    serials whose class (see classify_certificate_event) is in ``classes``."""
    by_serial: dict[str, list] = {}
    for ev in case.events_of(kind):
        by_serial.setdefault(ev.fields.get("serial") or "?", []).append(ev)
    known = certs_by_serial(case)
    adjacent = adjacent_events(case, [evs[0] for evs in by_serial.values()])
    return {s: evs for s, evs in by_serial.items()
            if classify_certificate_event(case, evs[0], known, adjacent) in classes}


def trustpoint_certificates(case) -> dict:
    """trustpoint -> its router (identity) certificate fact, from `show crypto pki
    certificates` or the config's certificate chains (the latest start date wins)."""
    return {name: tp.certificate for name, tp in deployment.device(case).trustpoints.items()
            if tp.certificate is not None}


def ctl_built_at(case):
    """(time, item) of the newest CTL: the `ctl.file` header timestamp or the last
    `CTL File Created Successfully`; (None, None) when neither is known."""
    candidates = [(f.fields.get("timestamp"), f) for f in facts(case, "ctl.file") if f.fields.get("kind") != "itl"]
    candidates += [(e.ts, e) for e in case.events_of("ctl_client.created")]
    candidates = [c for c in candidates if c[0] is not None]
    return max(candidates, key=lambda c: c[0]) if candidates else (None, None)




# the cross-check of a decoded CTL against the certificate each service uses (cmedebug/crosscheck.py)
CTL_CROSSCHECKS = {"cme": "crosscheck.cme_record", "tftp": "crosscheck.config_signer", "capf": "crosscheck.capf_record"}


def _record_mismatch(check, label: str, trustpoint: str) -> str:
    f = check.fields
    serial = f.get("presented_serial") or f.get("tftp_trustpoint_serial")
    records = f.get("ctl_serials") or f.get("ctl_tftp_serials") or []
    where = f"the CTL file {f.get('ctl_filename') or ''}".rstrip()
    if not records:
        return f"{where} has no {label} record"
    if f.get("serial_match"):
        why = "; ".join(f.get("differences") or []) or "another certificate"
        return (f"{where} holds a {label} record SN {serial} that is not the certificate trustpoint {trustpoint} "
                f"holds now ({why}): same serial, different certificate, as after a CA rebuild")
    return (f"{where}'s {label} record{'s carry' if len(records) != 1 else ' carries'} SN {', '.join(records) or 'none'} "
            f"while trustpoint {trustpoint} holds SN {serial}")


def ctl_entry_problems(case, service: str, trustpoint: str | None) -> list[tuple[str, list]]:
    """How the CTL's entry for ``service`` (cme, tftp, capf) disagrees with the
    trustpoint that service really uses: (message, evidence items) pairs, from the
    CTL client's server list and from the records of a decoded CTL file."""
    if not trustpoint:
        return []
    label = service.upper()
    row_roles, record_roles = CTL_CLIENT_ROLES[service], CTL_RECORD_ROLES[service]
    problems = []
    servers, listing = ctl_servers(case)
    if listing is not None:
        rows = [s for s in servers if (s.get("role") or "").lower() in row_roles]
        if not rows:
            problems.append((f"the CTL client lists no {label} server, so the CTL has no {label} record", [listing]))
        elif trustpoint not in {r.get("trustpoint") for r in rows}:
            named = ", ".join(sorted({str(r.get("trustpoint")) for r in rows}))
            problems.append((f"the CTL's {label} entry names trustpoint {named} while {label} uses {trustpoint}",
                             [listing]))
    checks = [f for f in facts(case, CTL_CROSSCHECKS[service]) if f.fields.get("signer_source") in (None, "trustpoint")]
    for check in checks:
        if check.fields.get("match") is False:
            problems.append((_record_mismatch(check, label, trustpoint), [check]))
    cert = trustpoint_certificates(case).get(trustpoint)
    records = [r for r in facts(case, "ctl.record") if r.fields.get("kind") != "itl"]
    if cert is not None and records and not checks:
        mine = [r for r in records if r.fields.get("role_name") in record_roles]
        serials = sorted({str(r.fields.get("serial")) for r in mine})
        if not mine:
            problems.append((f"the CTL file {records[0].fields.get('filename')} has no {label} record", records[:1]))
        elif cert.fields.get("serial") not in serials:
            problems.append((f"the CTL file's {label} record carries SN {', '.join(serials)} while trustpoint "
                             f"{trustpoint} holds SN {cert.fields.get('serial')}", [*mine[:2], cert]))
    return problems


def sast_break(case):
    """The first `crosscheck.sast_continuity` (consecutive CTL files) whose new CTL is
    not signed by a SAST of the previous one, or None."""
    return next((f for f in facts(case, "crosscheck.sast_continuity") if f.fields.get("verdict") != "valid"), None)


def sast_continuity_proven(case) -> bool:
    """At least two CTL files, each signed by a SAST of the one before."""
    checks = facts(case, "crosscheck.sast_continuity")
    return bool(checks) and all(f.fields.get("verdict") == "valid" for f in checks)


# Reasons OpenSSL gives when the two ends share no protocol version or cipher:
#   Reason: unsupported protocol            (TLS 1.0 phone against a TLS 1.2-only router)
#   Reason: sslv3 alert handshake failure   (no shared cipher)
TLS_VERSION_OR_CIPHER = re.compile(
    r"unsupported protocol|wrong version|version too low|protocol version|no shared cipher|"
    r"no ciphers|handshake failure|no suitable|cipher", re.IGNORECASE)
# Reason: certificate verify failed | sslv3 alert bad certificate | tlsv1 alert unknown ca
TLS_CERTIFICATE_REASON = re.compile(r"certificate|unknown ca|unable to get|self.signed|verify", re.IGNORECASE)
_HANDSHAKE_END = ("tls.handshake.completed", "tls.handshake.error")


def failed_handshakes(case, service: str) -> list[list]:
    """The failed handshakes of one TLS service (`skinny-secure`, `credentials`) in
    the debug lines, each a list of events from `Start TLS Handshake`: those that
    ended in an error code, and those abandoned for a new attempt from the same
    peer. Lines without a peer (`TLS Handshake retcode ...`, `completes`,
    `CRYPTO_PKI_OPSSL - Verifying N Certs`) belong to the latest open handshake;
    phones handshaking at the same time are kept apart by peer address, and the
    last attempt may just be cut off by the end of the capture."""
    failed: list[list] = []
    open_by_peer: dict = {}  # insertion order = start order; the last one is the latest open handshake
    for ev in case.events_of("tls.handshake.started", "tls.handshake.pending", "tls.handshake.error",
                             "tls.handshake.completed", "pki.opssl.verifying"):
        if ev.kind != "pki.opssl.verifying" and ev.fields.get("service") != service:
            continue
        if ev.kind == "tls.handshake.started":
            peer = ev.fields.get("peer_ip")
            if peer in open_by_peer:
                failed.append(open_by_peer.pop(peer))
            open_by_peer[peer] = [ev]
        elif open_by_peer:
            latest = next(reversed(open_by_peer.values()))
            latest.append(ev)
            if ev.kind in _HANDSHAKE_END:
                open_by_peer.pop(latest[0].fields.get("peer_ip"))
                if ev.kind == "tls.handshake.error":
                    failed.append(latest)
    return sorted(failed, key=lambda h: (h[0].source.path, h[0].source.first_line))


def telephony_trustpoint_unset(case, field: str, command: str) -> tuple[str, list, object] | None:
    """Why a telephony-service trustpoint setting (``field``, configured with
    ``command``) is unusable, when secure phones need it: (message, evidence,
    confidence) or None. Unset in `show telephony-service security-info` is
    stated by the router (high); absent from a full configuration, or naming a
    trustpoint the configuration does not define, is an inference (medium)."""
    from cmedebug.model import Confidence

    if not (secure_mode_intended(case) or case.has("config.ctl_client", "ctl_client.summary")):
        return None
    for info in facts(case, "telephony.security_info"):
        if field in info.fields and not info.fields[field]:
            return (f"`show telephony-service security-info` shows no {command}", [info], Confidence.HIGH)
    if not full_config_given(case):
        return None
    for tel in facts(case, "config.telephony_service"):
        name = tel.fields.get(field)
        if not name:
            return (f"telephony-service has no `{command}`", [tel], Confidence.MEDIUM)
        defined = set(trustpoint_configs(case)) | {f.fields.get("name") for f in facts(case, "config.pki_server")}
        if name not in defined:
            return (f"`{command} {name}` names a trustpoint the configuration does not define", [tel],
                    Confidence.MEDIUM)
    return None


def configured_modes_by_mac(case) -> dict:
    """MAC -> (effective device-security-mode, config.ephone fact)."""
    return {f.fields.get("mac"): (mode, f) for mode, f in ephone_security_modes(case).values() if f.fields.get("mac")}


# deviceSecurityMode in SEP<mac>.cnf.xml
CNF_SECURITY_MODES = {1: "none", 2: "authenticated", 3: "encrypted"}


def tftp_not_served(case, file_type: str) -> list[tuple]:
    """(request, error) pairs of CME's TFTP server for one file type (`ctl`,
    `cnf_xml_sgn`...): `TFTP: Looking for <file>` answered by `Sending error ...`."""
    pairs, last = [], None
    for ev in case.events_of("tftp.request", "tftp.error_sent"):
        if ev.kind == "tftp.request":
            last = ev
        elif last is not None:
            if last.fields.get("file_type") == file_type:
                pairs.append((last, ev))
            last = None
        elif ev.fields.get("file_type") == file_type:
            pairs.append((ev, ev))
    return pairs


def is_pkcs12_context(event) -> bool:
    """`status = 0x760(...): Imported PKCS12 file failure` belongs to a PKCS#12 import, not to SCEP."""
    return "pkcs12" in (event.fields.get("context") or "").lower().replace("#", "").replace(" ", "")


def nearest_before(case, anchor, kind: str, field: str):
    """The ``field`` of the last ``kind`` event before ``anchor`` in the same file
    (`CRYPTO_PKI: locked trustpoint <tp>` names the trustpoint of what follows)."""
    value = None
    for ev in case.events_of(kind):
        if ev.source.path == anchor.source.path and ev.source.first_line < anchor.source.first_line \
                and ev.fields.get(field):
            value = ev.fields[field]
    return value


def cme_in_use(case) -> bool:
    """The evidence is from a router running CME (configuration, show output or debugs)."""
    return case.has("config.telephony_service", "telephony.security_info", "ephone", "capf", "ctl_client",
                    "config.ephone", "config.ctl_client", "config.capf_server")


def secure_cme_in_use(case) -> bool:
    """CME with phone security configured or running (secure modes, CTL client, CAPF)."""
    return secure_mode_intended(case) or case.has("config.ctl_client", "ctl_client", "config.capf_server", "capf")


def trustpoints_of(finding) -> set[str]:
    """The trustpoints a finding is about (data `trustpoint` or `trustpoints`)."""
    names = set(finding.data.get("trustpoints") or [])
    if finding.data.get("trustpoint"):
        names.add(finding.data["trustpoint"])
    return names


def shares_trustpoint(cause, symptom) -> bool:
    """A cause about some trustpoints explains a symptom about one of them, or one that names none."""
    theirs = trustpoints_of(symptom)
    return not theirs or bool(trustpoints_of(cause) & theirs)


def is_capf_message(event, *operations: str) -> bool:
    """A phone message in `debug capf-server` (`ephone_capf_handle_phone_msg: msgtype 4`)
    of one of these operations (formats.md §8.2 names, e.g. KEY_GENERATE_RESPONSE)."""
    return event.kind == "capf.message" and event.fields.get("operation") in operations


# database url tftp://10.1.1.5/ca/ | slot0: | usbflash0: -- CA storage a reload or a lost server can take away
VOLATILE_STORAGE = re.compile(r"^(?:tftp|ftp|http|scp|slot\d|usbflash\d|disk\d)", re.IGNORECASE)


def at_time(value) -> str:
    """' at 2026-11-26 10:15:02 UTC', or '' when the evidence carries no time (phone status lines)."""
    return f" at {fmt_time(value)}" if value is not None else ""


def plural(items, one: str, many: str) -> str:
    """'dial-peer 200 uses' / 'dial-peers 200, 300 use' style agreement."""
    return one if len(items) == 1 else many


def first_at(when: datetime | None) -> str:
    """', first at 2026-11-26 10:15:02 UTC' or '' for lines printed without a stamp (console output)."""
    return f", first at {fmt_time(when)}" if when is not None else ""


def filled(commands, values: dict) -> list[str]:
    """The rule's remediation with its `<placeholders>` replaced by the real values
    found in the evidence (values that are None leave the placeholder)."""
    out = []
    for command in commands:
        for placeholder, value in values.items():
            if value is not None:
                command = command.replace(placeholder, str(value))
        out.append(command)
    return out


def cme_address(case) -> str | None:
    """CME's registration address (`telephony-service` / `ip source-address`)."""
    return next((f.fields["ip_source_address"] for f in facts(case, "config.telephony_service")
                 if f.fields.get("ip_source_address")), None)


# the phone refusing a new trust list: status messages, or a CTL/ITL that fails its check
TRUST_LIST_REFUSED = ("phone.status.trust_list_update_failed", "phone.status.ctl_update_failed")


def trust_list_refusals(case) -> list:
    """Phone status lines saying the phone refused a CTL/ITL update."""
    return [e for e in case.events_of(*TRUST_LIST_REFUSED, "phone.status.file_auth_failed")
            if e.kind in TRUST_LIST_REFUSED or e.fields.get("file_type") in ("ctl", "itl")]
