"""Grouping of CTL, TLS, CAPF and TFTP evidence: sessions, handshakes, CTL entries, refusals."""
from __future__ import annotations

import re

from cmedebug.deployment.views import CTL_CLIENT_ROLES, CTL_RECORD_ROLES
from cmedebug.rules._device import ctl_servers, trustpoint_certificates


# capfAuthMode / `AuthMode <n>` numbers (seed article) by `auth-mode` keyword
CAPF_AUTH_MODES = {"none": 0, "auth-string": 1, "null-string": 2, "lsc": 3, "mic": 4}


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


def configured_capf_auth_modes(case):
    """A function of a phone's MAC giving the (auth-mode keyword, fact) that applies to it:
    the ephone's `cert-oper ... auth-mode`, else `capf-server` / `auth-mode` (config, then
    `show capf-server summary`); (None, None) when unknown. Built once for the rules that
    ask it for every ephone (a scan of the ephones per ephone was quadratic)."""
    per_phone: dict[str, tuple] = {}
    for f in case.facts_of("config.ephone"):
        mac, mode = f.fields.get("mac"), f.fields.get("cert_oper_auth_mode")
        if mac and mode and mac not in per_phone:  # (the first ephone that names the phone)
            per_phone[mac] = (str(mode).lower(), f)
    default = next(((str(f.fields["auth_mode"]).lower(), f) for kind in ("config.capf_server", "capf.summary")
                    for f in case.facts_of(kind) if f.fields.get("auth_mode")), (None, None))
    return lambda mac: per_phone.get(mac, default) if mac else default


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


def ctl_built_at(case):
    """(time, item) of the newest CTL: the `ctl.file` header timestamp or the last
    `CTL File Created Successfully`; (None, None) when neither is known."""
    candidates = [(f.fields.get("timestamp"), f) for f in list(case.facts_of("ctl.file")) if f.fields.get("kind") != "itl"]
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
    checks = [f for f in list(case.facts_of(CTL_CROSSCHECKS[service])) if f.fields.get("signer_source") in (None, "trustpoint")]
    for check in checks:
        if check.fields.get("match") is False:
            problems.append((_record_mismatch(check, label, trustpoint), [check]))
    cert = trustpoint_certificates(case).get(trustpoint)
    records = [r for r in list(case.facts_of("ctl.record")) if r.fields.get("kind") != "itl"]
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
    return next((f for f in list(case.facts_of("crosscheck.sast_continuity")) if f.fields.get("verdict") != "valid"), None)


def sast_continuity_proven(case) -> bool:
    """At least two CTL files, each signed by a SAST of the one before."""
    checks = list(case.facts_of("crosscheck.sast_continuity"))
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


def is_capf_message(event, *operations: str) -> bool:
    """A phone message in `debug capf-server` (`ephone_capf_handle_phone_msg: msgtype 4`)
    of one of these operations (formats.md §8.2 names, e.g. KEY_GENERATE_RESPONSE)."""
    return event.kind == "capf.message" and event.fields.get("operation") in operations


# database url tftp://10.1.1.5/ca/ | slot0: | usbflash0: -- CA storage a reload or a lost server can take away
VOLATILE_STORAGE = re.compile(r"^(?:tftp|ftp|http|scp|slot\d|usbflash\d|disk\d)", re.IGNORECASE)


def database_file(url: str, name: str) -> str:
    """A file of a certificate server's database at its ``database url`` (``nvram:`` + ``cme-ca.ser``).
    A folder URL without its last ``/`` takes one (inferred: IOS's own joining is not shown)."""
    if ":" not in url:
        url += ":"  # `Current storage dir: nvram`: older IOS prints the file system without its colon
    return url + name if url.endswith((":", "/")) else f"{url}/{name}"


def database_files(name: str, server_fields: dict, url: str) -> dict[str, str]:
    """The fix slots of certificate server ``name``'s serial and CRL files, its database at ``url``
    (the CRL where `show crypto pki server` says it is kept)."""
    return {"ca_serial_file": database_file(url, f"{name}.ser"),
            "ca_crl_file": database_file(server_fields.get("crl_storage_url") or url, f"{name}.crl")}


def database_unreadable(case, url_start: str = "", url_end: str = ""):
    """The first `%Error opening <file> (...)` of a certificate server's database whose URL starts
    with ``url_start`` and ends with ``url_end`` (case-blind): it could not read its storage."""
    start, end = url_start.lower(), url_end.lower()
    return next((e for e in case.events_of("pki.cs.database_unreadable")
                 if (url := (e.fields.get("url") or "").lower()).startswith(start) and url.endswith(end)), None)


# the phone refusing a new trust list: status messages, or a CTL/ITL that fails its check
TRUST_LIST_REFUSED = ("phone.status.trust_list_update_failed", "phone.status.ctl_update_failed")


def trust_list_refusals(case) -> list:
    """Phone status lines saying the phone refused a CTL/ITL update."""
    return [e for e in case.events_of(*TRUST_LIST_REFUSED, "phone.status.file_auth_failed")
            if e.kind in TRUST_LIST_REFUSED or e.fields.get("file_type") in ("ctl", "itl")]
