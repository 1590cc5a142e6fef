"""The `show` outputs an engineer collects, and the running-config, from the model's state.

Every line is a message of the catalogue (``cmedebug/data/messages.toml``, the
``show.*`` and ``config.*`` entries), whose sources name the corpus sample each
shape follows.
"""
from __future__ import annotations

from datetime import timedelta

from cryptography.hazmat.primitives import serialization

from cmedebug.messages import render
from cmedebug.refcme.ca import CRL_HOURS
from cmedebug.refcme.clock import ios_date
from cmedebug.refcme.trustpoints import fingerprint

m = render  # every show line by catalogue id


def show_clock(router, detail: bool = False) -> list[str]:
    """`show clock`, or `show clock detail`: the time and where it came from."""
    lines = [m("show.clock", clock=router.clock.show_clock())]
    return lines + [m("show.clock-source", source=router.clock.time_source)] if detail else lines


def show_version(router, platform) -> list[str]:
    uptime = "2 days, 3 hours, 12 minutes"
    return platform.show_version(router.hostname, uptime, lambda mid, **f: render(mid, platform.train, **f))


def show_pki_server(ca) -> list[str]:
    der = ca.cert.public_bytes(serialization.Encoding.DER) if ca.cert else b""
    state = "enabled" if ca.enabled else "disabled"
    lines = [m("show.pki-server.heading", ca=ca.name), m("show.pki-server.status", state=state),
             m("show.pki-server.state", state=state)]
    if ca.enabled:
        lines.append(m("show.pki-server.locked"))
    lines.append(m("show.pki-server.issuer", ca=ca.name))
    if ca.cert is not None:
        lines += [m("show.pki-server.fingerprint", fingerprint=fingerprint(der, "md5")),
                  m("show.pki-server.granting", mode="auto" if ca.grant_auto else "manual"),
                  m("show.pki-server.last-serial", serial=f"{ca.last_serial:X}"),
                  m("show.pki-server.expiration", date=ios_date(ca.cert.not_valid_after_utc)),
                  m("show.pki-server.crl-timer",
                    date=ios_date(ca.cert.not_valid_before_utc + timedelta(hours=CRL_HOURS)))]
    return lines + [m("show.pki-server.storage", url=ca.database_url), m("show.pki-server.db-level")]


def show_pki_requests(ca) -> list[str]:
    """`show crypto pki server <CA> requests` (layout of IOS 15; primer §2.2 step 4)."""
    header = [m("show.pki-requests.header"), m("show.pki-requests.rule")]
    lines = [m("show.pki-requests.title"), "", m("show.pki-requests.subca"), *header, "",
             m("show.pki-requests.ra"), *header, "", m("show.pki-requests.router"), *header]
    for r in ca.requests:
        lines.append(m("show.pki-requests.row", id=r.id, state=r.state, fingerprint=r.fingerprint.replace(" ", ""),
                       subject=r.subject.rfc4514_string().lower()))
    return lines


def _cert_block(title: str, cert, trustpoints: list[str], ca_name: str) -> list[str]:
    serial = f"{cert.serial_number:02X}"
    ca = title == "CA Certificate"
    return [m("show.pki-certs.ca-title" if ca else "show.pki-certs.title"), m("show.pki-certs.status"),
            m("show.pki-certs.serial", serial=serial),
            m("show.pki-certs.usage", usage="Signature" if ca else "General Purpose"),
            m("show.pki-certs.issuer"), m("show.pki-certs.name", cn=cert.issuer.rfc4514_string()[3:].lower()),
            m("show.pki-certs.subject"), m("show.pki-certs.name", cn=cert.subject.rfc4514_string()[3:].lower()),
            m("show.pki-certs.validity"),
            m("show.pki-certs.start", date=ios_date(cert.not_valid_before_utc)),
            m("show.pki-certs.end", date=ios_date(cert.not_valid_after_utc)),
            m("show.pki-certs.trustpoints", trustpoints=" ".join(trustpoints)),
            m("show.pki-certs.storage", storage=f"nvram:{ca_name}#{serial.lstrip('0') or '0'}{'CA' if ca else ''}.cer"),
            ""]


def show_pki_certificates(router) -> list[str]:
    lines = []
    cas = {}
    for tp in router.trustpoints.values():
        if tp.cert is not None and tp.key is not None and tp.enrollment_url is not None:
            lines += _cert_block("Certificate", tp.cert, [tp.name], tp.cert.issuer.rfc4514_string()[3:])
        if tp.ca_cert is not None:
            cas.setdefault(tp.ca_cert.tbs_certificate_bytes, (tp.ca_cert, []))[1].append(tp.name)
    for cert, names in cas.values():
        lines += _cert_block("CA Certificate", cert, names, cert.subject.rfc4514_string()[3:])
    return lines[:-1] if lines else lines


def show_trustpoints_status(router) -> list[str]:
    lines = []
    for tp in router.trustpoints.values():
        lines.append(m("show.tp-status.trustpoint", tp=tp.name))
        for mid, cert in (("show.tp-status.issuing", tp.ca_cert), ("show.tp-status.router", tp.cert)):
            if cert is not None:
                der = cert.public_bytes(serialization.Encoding.DER)
                lines += [m(mid), m("show.tp-status.subject"), m("show.tp-status.name", cn=cert.subject.rfc4514_string()[3:].lower()),
                          m("show.tp-status.md5", fingerprint=fingerprint(der, "md5")),
                          m("show.tp-status.sha1", fingerprint=fingerprint(der, "sha1"))]
        keys = "Yes (General Purpose, non-exportable)" if tp.key is not None else "No"
        lines += [m("show.tp-status.state"), m("show.tp-status.keys", keys=keys),
                  m("show.tp-status.authenticated", yes_no="Yes" if tp.ca_cert is not None else "No"),
                  m("show.tp-status.requests", requests="Yes" if tp.pending is not None else "None"), "", ""]
    return lines[:-2]


def show_ctl_client(router) -> list[str]:
    return router.ctl_client.show() if router.ctl_client else []


def show_capf_summary(router) -> list[str]:
    c = router.capf_config
    return [m("show.capf-summary.title"), m("show.capf-summary.tls-tp", tp=c.trustpoint),
            m("show.capf-summary.ca-tp", tp=c.ca_trustpoint), m("show.capf-summary.source", ip=c.source_addr),
            m("show.capf-summary.port", port=c.port), m("show.capf-summary.key-size", size=c.phone_key_size),
            m("show.capf-summary.retries", count=c.keygen_retry),
            m("show.capf-summary.timeout", minutes=c.keygen_timeout_min),
            m("show.capf-summary.auth-mode", mode=c.auth_mode.title() if c.auth_mode != "LSC" else "LSC")]


def show_capf_auth_strings(router) -> list[str]:
    return [m("show.capf-auth.title"), m("show.capf-auth.header"), m("show.capf-auth.rule"),
            *(m("show.capf-auth.row", mac=e.mac, secret=e.capf_auth_str) for e in router.ephones if e.capf_auth_str)]


def show_capf_sessions(router, sessions: dict | None = None) -> list[str]:
    """`show capf-server sessions`: the sessions open now (or ``sessions``, a moment's copy)."""
    if sessions is None:
        sessions = router.capf.sessions if router.capf else {}
    return [m("show.capf-sessions.title"), m("show.capf-sessions.header"),
            *(m("show.capf-sessions.row", device=device, state=state) for device, state in sessions.items())]


def show_security_info(router) -> list[str]:
    secure = router.ctl_client is not None and router.ctl_client.created_at is not None
    return [m("show.security-info.tls-tp", tp=router.secure_signaling or ""),
            m("show.security-info.tftp-tp", tp=router.tftp_credentials or ""),
            m("show.security-info.server-mode", mode="Secure" if secure else "Non-Secure"),
            m("show.security-info.device-mode", mode=router.device_security_mode.title())]


def show_ephone(router, phone) -> list[str]:
    lines = []
    for e in router.ephones:
        mode = router.sccp.registered.get(e.device) if router.sccp else None
        if mode is None:
            lines += [m("show.ephone.unregistered", n=e.number, mac=e.dotted_mac),
                      m("show.ephone.unregistered-state"), ""]
            continue
        peer = router.sccp.registered_from
        lines += [m("show.ephone.heading", n=e.number, mac=e.dotted_mac, sock=router.sccp.sockets),
                  m("show.ephone.registered", version=17)]
        if mode == "secure":
            lines.append(m("show.ephone.secure"))
        lines += [m("show.ephone.state"), m("show.ephone.state2"), m("show.ephone.ip", ip=peer.ip, port=peer.port, type=7970, keepalive=30),
                  m("show.ephone.button", n=e.number, number=f"200{e.number}"), ""]
    return lines[:-1]


def show_ephone_socket(router) -> list[str]:
    fd = 2 if router.sccp and router.sccp.secure else -1
    return [m("show.ephone-socket.plain"), m("show.ephone-socket.plain6"), " ",
            m("show.ephone-socket.secure", fd=fd), m("show.ephone-socket.secure6", fd=-1 if fd < 0 else 3)]


def running_config(router, version: str = "15.7") -> list[str]:
    ca, c = router.ca, "config."
    lines = [m(c + "bang"), m(c + "version", version=version), m(c + "timestamps-debug"), m(c + "timestamps-log"),
             m(c + "bang"), m(c + "hostname", host=router.hostname), m(c + "bang"), m(c + "timezone")]
    if router.ntp_server:
        lines.append(m(c + "ntp-server", ip=router.ntp_server))
    lines += [m(c + "bang"), m(c + ("http-server" if router.http_server else "no-http-server")), m(c + "bang")]
    if ca is not None and ca.address == router.address:
        lines += [m(c + "cs", ca=ca.name), m(c + "cs.db-level"), m(c + "cs.db-url", url=ca.database_url),
                  m(c + "cs.issuer", ca=ca.name)]
        if ca.cdp_url:
            lines.append(m(c + "cs.cdp-url", url=ca.cdp_url))
        if ca.lifetime_cert_days != 365:
            lines.append(m(c + "cs.lifetime-cert", days=ca.lifetime_cert_days))
        if ca.lifetime_ca_days != 1095:
            lines.append(m(c + "cs.lifetime-ca", days=ca.lifetime_ca_days))
        if ca.grant_auto:
            lines.append(m(c + "cs.grant-auto"))
        if ca.shutdown:
            lines.append(m(c + "cs.shutdown"))
        lines.append(m(c + "bang"))
    for tp in router.trustpoints.values():
        lines += tp.config_lines() + [m(c + "bang")]
    lines += [m(c + "telephony"), m(c + "tel.source", ip=router.address)]
    if router.secure_signaling:
        lines.append(m(c + "tel.secure-signaling", tp=router.secure_signaling))
    if router.tftp_credentials:
        lines.append(m(c + "tel.tftp-credentials", tp=router.tftp_credentials))
    lines += [m(c + "tel.device-mode", mode=router.device_security_mode), m(c + "tel.cnf-file"),
              m(c + "tel.max-ephones"), m(c + "tel.max-dn")]
    if router.cnf_files_built is not None:
        lines.append(m(c + "tel.version-stamp", stamp=f"{router.cnf_files_built:%b %d %Y %H:%M:%S}"))
    lines.append(m(c + "bang"))
    for e in router.ephones:
        lines += [m(c + "dn", n=e.number), m(c + "dn.number", number=f"200{e.number}"), m(c + "bang")]
    for e in router.ephones:
        lines += [m(c + "ephone", n=e.number), m(c + "ephone.mac", mac=e.dotted_mac)]
        if e.security_mode:
            lines.append(m(c + "ephone.device-mode", mode=e.security_mode))
        lines.append(m(c + "ephone.capf-ip"))
        if e.capf_auth_str:
            lines.append(m(c + "ephone.auth-str", digits=e.capf_auth_str))
        if e.cert_oper:
            lines.append(m(c + "ephone.cert-oper", operation=e.cert_oper[0], mode=e.cert_oper[1]))
        lines += [m(c + "ephone.type", type=7970), m(c + "ephone.button", n=e.number), m(c + "bang")]
    if router.ctl_client is not None:
        lines += router.ctl_client.config_lines() + [m(c + "bang")]
    cfg = router.capf_config
    lines += [m(c + "capf"), m(c + "capf.port", port=cfg.port), m(c + "capf.auth-mode", mode=cfg.auth_mode),
              m(c + "capf.enroll-tp", tp=cfg.ca_trustpoint, password="cisco123"),
              m(c + "capf.tls-tp", tp=cfg.trustpoint), m(c + "capf.source", ip=cfg.source_addr),
              m(c + "capf.key-size", size=cfg.phone_key_size), m(c + "capf.retry", count=cfg.keygen_retry),
              m(c + "capf.timeout", minutes=cfg.keygen_timeout_min), m(c + "bang"), m(c + "end")]
    return lines
