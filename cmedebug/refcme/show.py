"""The `show` outputs an engineer collects, and the running-config, from the model's state.

Shapes follow the corpus samples named beside each function.
"""
from __future__ import annotations

from datetime import timedelta

from cryptography.hazmat.primitives import serialization

from cmedebug.refcme.ca import CRL_HOURS
from cmedebug.refcme.clock import ios_date
from cmedebug.refcme.trustpoints import fingerprint


def show_clock(router) -> list[str]:  # sample 33
    return [router.clock.show_clock()]


def show_pki_server(ca) -> list[str]:  # samples 15, 31
    der = ca.cert.public_bytes(serialization.Encoding.DER) if ca.cert else b""
    state = "enabled" if ca.enabled else "disabled"
    lines = [f"Certificate Server {ca.name}:", f"    Status: {state}", f"    State: {state}"]
    if ca.enabled:
        lines.append("    Server's configuration is locked  (enter \"shut\" to unlock it)")
    lines += [f"    Issuer name: CN={ca.name}"]
    if ca.cert is not None:
        lines += [f"    CA cert fingerprint: {fingerprint(der, 'md5')} ",
                  f"    Granting mode is: {'auto' if ca.grant_auto else 'manual'}",
                  f"    Last certificate issued serial number (hex): {ca.last_serial:X}",
                  f"    CA certificate expiration timer: {ios_date(ca.cert.not_valid_after_utc)}",
                  f"    CRL NextUpdate timer: {ios_date(ca.cert.not_valid_before_utc + timedelta(hours=CRL_HOURS))}"]
    lines += [f"    Current primary storage dir: {ca.database_url}",
              "    Database Level: Complete - all issued certs written as <serialnum>.cer"]
    return lines


def show_pki_requests(ca) -> list[str]:
    """`show crypto pki server <CA> requests` (layout of IOS 15; primer §2.2 step 4)."""
    header = ["ReqID  State      Fingerprint                      SubjectName",
              "--------------------------------------------------------------"]
    lines = ["Enrollment Request Database:", "", "Subordinate CA certificate requests:", *header, "",
             "RA certificate requests:", *header, "", "Router certificates requests:", *header]
    for r in ca.requests:
        lines.append(f"{r.id:<6} {r.state:<10} {r.fingerprint.replace(' ', ''):<32} "
                     f"{r.subject.rfc4514_string().lower()}")
    return lines


def _cert_block(title: str, cert, trustpoints: list[str], ca_name: str) -> list[str]:  # sample 19
    serial = f"{cert.serial_number:02X}"
    return [title, "Status: Available", f"Certificate Serial Number (hex): {serial}",
            f"Certificate Usage: {'Signature' if title == 'CA Certificate' else 'General Purpose'}",
            "Issuer:", cert.issuer.rfc4514_string().lower(), "Subject:", cert.subject.rfc4514_string().lower(),
            "Validity Date:", f"start date: {ios_date(cert.not_valid_before_utc)}",
            f"end date: {ios_date(cert.not_valid_after_utc)}",
            f"Associated Trustpoints: {' '.join(trustpoints)}",
            f"Storage: nvram:{ca_name}#{serial.lstrip('0') or '0'}{'CA' if title == 'CA Certificate' else ''}.cer", ""]


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


def show_trustpoints_status(router) -> list[str]:  # samples 16, 32
    lines = []
    for tp in router.trustpoints.values():
        lines.append(f"Trustpoint {tp.name}:")
        for title, cert in (("Issuing CA certificate configured:", tp.ca_cert),
                            ("Router General Purpose certificate configured:", tp.cert)):
            if cert is not None:
                der = cert.public_bytes(serialization.Encoding.DER)
                lines += [f"  {title}", "    Subject Name:", f"     {cert.subject.rfc4514_string().lower()}",
                          f"    Fingerprint MD5: {fingerprint(der, 'md5')} ",
                          f"    Fingerprint SHA1: {fingerprint(der, 'sha1')} "]
        keys = "Yes (General Purpose, non-exportable)" if tp.key is not None else "No"
        lines += ["  State:", f"    Keys generated ............. {keys}",
                  f"    Issuing CA authenticated ....... {'Yes' if tp.ca_cert is not None else 'No'}",
                  f"    Certificate request(s) ..... {'Yes' if tp.pending is not None else 'None'}", "", ""]
    return lines[:-2]


def show_ctl_client(router) -> list[str]:
    return router.ctl_client.show() if router.ctl_client else []


def show_capf_summary(router) -> list[str]:  # sample 02
    c = router.capf_config
    return ["CAPF Server Configuration Details", f"        Trustpoint for TLS With Phone: {c.trustpoint}",
            f"        Trustpoint for CA operation: {c.ca_trustpoint}", f"        Source Address: {c.source_addr}",
            f"        Listening Port: {c.port}", f"        Phone Key Size: {c.phone_key_size}",
            f"        Phone KeyGen Retries: {c.keygen_retry}",
            f"        Phone KeyGen Timeout: {c.keygen_timeout_min} minutes",
            f"        Device Authentication Mode: {c.auth_mode.title() if c.auth_mode != 'LSC' else 'LSC'}"]


def show_capf_auth_strings(router) -> list[str]:  # sample 02
    return ["Authentication Strings for configured Ephones", "Mac-Addr        Auth-String",
            "--------        -----------",
            *(f"{e.mac:<16}{e.capf_auth_str}" for e in router.ephones if e.capf_auth_str)]


def show_capf_sessions(router) -> list[str]:
    sessions = router.capf.sessions if router.capf else {}
    return ["Active CAPF Sessions", "Phone ID                State",
            *(f"{device:<24}{state}" for device, state in sessions.items())]


def show_security_info(router) -> list[str]:  # sample 06
    secure = router.ctl_client is not None and router.ctl_client.created_at is not None
    return [f"Skinny Server Trustpoint for TLS: {router.secure_signaling or ''}",
            f"TFTP Credentials Trustpoint: {router.tftp_credentials or ''}",
            f"Server Security Mode: {'Secure' if secure else 'Non-Secure'}",
            f"Global Device Security Mode: {router.device_security_mode.title()}"]


def show_ephone(router, phone) -> list[str]:  # samples 09, 13
    lines = []
    for e in router.ephones:
        mode = router.sccp.registered.get(e.device) if router.sccp else None
        if mode is None:
            lines += [f"ephone-{e.number} Mac:{e.dotted_mac} TCP socket:[-1] activeLine:0 UNREGISTERED",
                      "mediaActive:0 offhook:0 ringing:0 reset:0 reset_sent:0 paging 0 debug:0", ""]
            continue
        lines += [f"ephone-{e.number} Mac:{e.dotted_mac} TCP socket:[{router.sccp.sockets}]",
                  "activeLine:0 REGISTERED in SCCP ver 17"]
        if mode == "secure":
            lines.append("+ Authentication + Encryption with TLS connection")
        lines += ["mediaActive:0 offhook:0 ringing:0 reset:0", "reset_sent:0 paging 0 debug:0",
                  f"IP:{router.sccp.registered_from.ip} {router.sccp.registered_from.port} 7970 keepalive 30 max_line 8",
                  f"button 1: dn {e.number} number 200{e.number} CH1 IDLE", ""]
    return lines[:-1]


def show_ephone_socket(router) -> list[str]:  # sample 12
    fd = 2 if router.sccp and router.sccp.secure else -1
    return ["skinny_tcp_listen_socket fd = 0", "skinny_tcp_listen_socket (ipv6) fd = 1", " ",
            f"skinny_secure_tcp_listen_socket fd = {fd}",
            f"skinny_secure_tcp_listen_socket (ipv6) fd = {-1 if fd < 0 else 3}"]


def running_config(router, extra_ca=None) -> list[str]:
    ca = router.ca
    lines = ["!", "version 15.7", "service timestamps debug datetime msec", "service timestamps log datetime msec",
             "!", f"hostname {router.hostname}", "!", "clock timezone UTC 0 0"]
    if router.ntp_server:
        lines.append(f"ntp server {router.ntp_server}")
    lines += ["!", "ip http server" if router.http_server else "no ip http server", "!"]
    if ca is not None and ca.address == router.address:
        lines += [f"crypto pki server {ca.name}", " database level complete", f" database url {ca.database_url}",
                  f" issuer-name CN={ca.name}"]
        if ca.lifetime_cert_days != 365:
            lines.append(f" lifetime certificate {ca.lifetime_cert_days}")
        if ca.lifetime_ca_days != 1095:
            lines.append(f" lifetime ca-certificate {ca.lifetime_ca_days}")
        if ca.grant_auto:
            lines.append(" grant auto")
        if ca.shutdown:
            lines.append(" shutdown")
        lines += ["!"]
    for tp in router.trustpoints.values():
        lines += tp.config_lines() + ["!"]
    lines += ["telephony-service", f" ip source-address {router.address} port 2000"]
    if router.secure_signaling:
        lines.append(f" secure-signaling trustpoint {router.secure_signaling}")
    if router.tftp_credentials:
        lines.append(f" tftp-server-credentials trustpoint {router.tftp_credentials}")
    lines += [f" device-security-mode {router.device_security_mode}", " cnf-file perphone", " max-ephones 10",
              " max-dn 10", "!"]
    for e in router.ephones:
        lines += [f"ephone-dn  {e.number}", f" number 200{e.number}", "!"]
    for e in router.ephones:
        lines += [f"ephone  {e.number}", f" mac-address {e.dotted_mac}"]
        if e.security_mode:
            lines.append(f" device-security-mode {e.security_mode}")
        lines.append(" capf-ip-in-cnf")
        if e.capf_auth_str:
            lines.append(f" capf-auth-str {e.capf_auth_str}")
        if e.cert_oper:
            lines.append(f" cert-oper {e.cert_oper[0]} auth-mode {e.cert_oper[1]}")
        lines += [" type 7970", f" button  1:{e.number}", "!"]
    if router.ctl_client is not None:
        lines += router.ctl_client.config_lines() + ["!"]
    c = router.capf_config
    lines += ["capf-server", f" port {c.port}", f" auth-mode {c.auth_mode}",
              f" cert-enroll-trustpoint {c.ca_trustpoint} password 0 cisco123", f" trustpoint-label {c.trustpoint}",
              f" source-addr {c.source_addr}", f" phone-key-size {c.phone_key_size}", f" keygen-retry {c.keygen_retry}",
              f" keygen-timeout {c.keygen_timeout_min}", "!", "end"]
    return lines
