"""The lines of a configuration, interpreted: a section's child lines, global lines and
`voice service voip` lines set the fields of their fact (see running_config.py, which
reads the configuration as an indentation tree and emits the facts).

Secrets (`capf-auth-str`, passwords) are never stored in fields: presence and
length only.
"""
from __future__ import annotations

import copy
import re

from cmedebug.parsers.grammar import load_certificate, norm_mac, norm_serial
from cmedebug.parsers.show_block import to_int
from cmedebug.parsers.show_pki_certificates import decoded_fields

# 3082022A 30820193 A0030201 02020101 300D0609 2A864886 F70D0101 04050030
_HEX_LINE = re.compile(r"[0-9A-Fa-f]{2,8}(?: [0-9A-Fa-f]{2,8}){0,15}$")


def new_fields(kind: str | None, rest: str) -> dict:
    words = rest.split()
    if kind == "pki_server":
        return {"name": rest, "grant_auto": False, "grant_mode": None, "database_url": None, "database_level": None,
                "lifetime_certificate": None, "lifetime_ca_certificate": None, "lifetime_crl": None,
                "issuer_name": None, "shutdown": False, "auto_rollover": False, "auto_rollover_days": None,
                "mode_ra": False, "hash": None}
    if kind == "trustpoint":
        return {"name": rest, "enrollment_url": None, "enrollment_mode": None, "rsakeypair": None,
                "rsakeypair_size": None, "revocation_check": [], "serial_number": None, "ip_address": None,
                "subject_name": None, "fqdn": None, "auto_enroll": False, "hash": None}
    if kind == "chain":
        return {"name": rest}
    if kind == "telephony_service":
        return {"secure_signaling_trustpoint": None, "tftp_server_credentials_trustpoint": None,
                "device_security_mode": None, "server_security_mode": None, "cnf_file_perphone": False,
                "cnf_file_location": None, "ip_source_address": None, "ip_source_port": None, "load_cfg_files": [],
                "max_ephones": None, "max_dn": None, "max_conferences": None, "moh": None,
                "conference_hardware": False, "srst_mode": False, "voicemail": None}
    if kind == "ctl_client":
        return {"sast1_trustpoint": None, "sast2_trustpoint": None, "servers": []}
    if kind == "capf_server":
        return {"trustpoint_label": None, "cert_enroll_trustpoint": None, "cert_enroll_password_set": False,
                "source_address": None, "auth_mode": None, "keygen_retry": None, "keygen_timeout": None,
                "phone_key_size": None, "port": None}
    if kind == "ephone":
        return {"ephone": to_int(rest), "mac": None, "type": None, "device_security_mode": None,
                "capf_auth_str_set": False, "capf_auth_str_length": None, "cert_oper": None,
                "cert_oper_auth_mode": None, "capf_ip_in_cnf": False, "video": False, "buttons": []}
    if kind == "dial_peer":
        return {"tag": to_int(words[0]) if words else None, "type": words[1] if len(words) > 1 else None,
                "session_protocol": None, "session_target": None, "destination_pattern": None, "srtp": False,
                "srtp_fallback": False, "dtmf_relay": [], "fax_protocol": None, "codec": None}
    if kind == "dhcp_pool":
        return {"name": rest, "network": None, "default_router": None, "option_150": []}
    return {}


def new_global() -> dict:
    return {"seen": False, "http_server": False, "http_secure_server": False, "ntp_servers": [], "ntp_master": False,
            "ntp_update_calendar": False, "clock_timezone": None, "summer_time": None, "calendar_valid": False,
            "service_timestamps": {}, "tftp_server_files": [], "domain_name": None,
            "explicit": []}  # fields a printed line set: `no ip http server` in `| include` output proves it off


def new_voice() -> dict:
    return {"seen": False, "allow_connections": [], "srtp": False, "srtp_fallback": False, "media_renegotiate": False,
            "modem_relay": False, "sip": False, "fax_protocol": None}


def _after(text: str, prefix: str) -> str | None:
    return text[len(prefix):].strip() or None if text.startswith(prefix) else None


def child_line(section: dict, text: str, voice: dict) -> None:
    """One indented line of a section into its fields (``voice``: the configuration's
    `voice service voip` state, which `moh` under telephony-service also marks seen)."""
    kind, f = section["kind"], section["fields"]
    words = text.split()
    if kind == "pki_server":
        if text.startswith("grant "):
            f["grant_mode"] = words[1]
            f["grant_auto"] = words[1] == "auto"
        elif text.startswith("database url "):
            f["database_url"] = words[-1]
        elif text.startswith("database level "):
            f["database_level"] = words[2]
        elif text.startswith("lifetime ") and len(words) >= 3:
            name = {"certificate": "lifetime_certificate", "ca-certificate": "lifetime_ca_certificate",
                    "crl": "lifetime_crl"}.get(words[1])
            if name:
                f[name] = to_int(words[2])
        elif text.startswith("issuer-name "):
            f["issuer_name"] = _after(text, "issuer-name ")
        elif text == "shutdown":
            f["shutdown"] = True
        elif text.startswith("auto-rollover"):
            f["auto_rollover"], f["auto_rollover_days"] = True, to_int(_after(text, "auto-rollover"))
        elif text.startswith("mode ra"):
            f["mode_ra"] = True
        elif text.startswith("hash "):
            f["hash"] = words[1]
    elif kind == "trustpoint":
        if text.startswith("enrollment url "):
            f["enrollment_url"], f["enrollment_mode"] = words[2], "url"
        elif text.startswith("enrollment ") and len(words) > 1 and words[1] in ("terminal", "selfsigned", "pkcs12", "profile"):
            f["enrollment_mode"] = words[1]
        elif text.startswith("rsakeypair "):
            f["rsakeypair"] = words[1]
            f["rsakeypair_size"] = to_int(words[2]) if len(words) > 2 else None
        elif text.startswith("revocation-check "):
            f["revocation_check"] = words[1:]
        elif text.startswith("serial-number"):
            f["serial_number"] = words[1] if len(words) > 1 else "yes"
        elif text.startswith("ip-address "):
            f["ip_address"] = words[1]
        elif text.startswith("subject-name "):
            f["subject_name"] = _after(text, "subject-name ")
        elif text.startswith("fqdn "):
            f["fqdn"] = words[1]
        elif text.startswith("auto-enroll"):
            f["auto_enroll"] = to_int(text) or True
        elif text.startswith("hash "):
            f["hash"] = words[1]
    elif kind == "chain":
        _chain_line(section, text)
    elif kind == "telephony_service":
        if text.startswith("secure-signaling trustpoint "):
            f["secure_signaling_trustpoint"] = words[2]
        elif text.startswith("tftp-server-credentials trustpoint "):
            f["tftp_server_credentials_trustpoint"] = words[2]
        elif text.startswith("device-security-mode "):
            f["device_security_mode"] = words[1]
        elif text.startswith("server-security-mode "):
            f["server_security_mode"] = words[1]
        elif text == "cnf-file perphone":
            f["cnf_file_perphone"] = True
        elif text.startswith("cnf-file location "):
            f["cnf_file_location"] = words[2]
        elif text.startswith("ip source-address "):
            f["ip_source_address"] = words[2]
            f["ip_source_port"] = to_int(words[4]) if len(words) > 4 and words[3] == "port" else None
        elif text.startswith("load-cfg-file "):
            alias = words[words.index("alias") + 1] if "alias" in words[:-1] else None
            f["load_cfg_files"].append({"file": words[1], "alias": alias, "sign": "sign" in words})
        elif text.startswith(("max-ephones ", "max-dn ", "max-conferences ")):
            f[words[0].replace("-", "_")] = to_int(words[1])
        elif text.startswith("moh "):
            f["moh"] = words[1]
            voice["seen"] = True
        elif text.startswith("conference hardware"):
            f["conference_hardware"] = True
        elif text.startswith("srst mode"):
            f["srst_mode"] = True
        elif text.startswith("voicemail "):
            f["voicemail"] = words[1]
    elif kind == "ctl_client":
        if text.startswith("server ") and "trustpoint" in words and len(words) >= 5:
            f["servers"].append({"role": words[1].lower(), "ip": words[2], "trustpoint": words[words.index("trustpoint") + 1]})
        elif text.startswith(("sast1 trustpoint ", "sast2 trustpoint ")):
            f[f"{words[0]}_trustpoint"] = words[2]
    elif kind == "capf_server":
        if text.startswith("trustpoint-label "):
            f["trustpoint_label"] = words[1]
        elif text.startswith("cert-enroll-trustpoint "):
            f["cert_enroll_trustpoint"] = words[1]
            f["cert_enroll_password_set"] = "password" in words
        elif text.startswith("source-addr"):
            f["source_address"] = words[1] if len(words) > 1 else None
        elif text.startswith("auth-mode "):
            f["auth_mode"] = words[1]
        elif text.startswith(("keygen-retry ", "keygen-timeout ", "phone-key-size ", "port ")):
            f[words[0].replace("-", "_")] = to_int(words[1])
    elif kind == "ephone":
        if text.startswith("mac-address "):
            f["mac"] = norm_mac(words[1])
        elif text.startswith("type "):
            f["type"] = words[1]
        elif text.startswith("device-security-mode "):
            f["device_security_mode"] = words[1]
        elif text.startswith("capf-auth-str"):
            secret = " ".join(words[1:])
            f["capf_auth_str_set"], f["capf_auth_str_length"] = bool(secret), len(secret)
        elif text.startswith("cert-oper "):
            f["cert_oper"] = words[1]
            f["cert_oper_auth_mode"] = words[words.index("auth-mode") + 1] if "auth-mode" in words[:-1] else None
        elif text == "capf-ip-in-cnf":
            f["capf_ip_in_cnf"] = True
        elif text == "video":
            f["video"] = True
        elif text.startswith("button "):
            f["buttons"].append(_after(text, "button "))
    elif kind == "dial_peer":
        if text.startswith("session protocol "):
            f["session_protocol"] = words[2]
        elif text.startswith("session target "):
            f["session_target"] = words[2]
        elif text.startswith("destination-pattern "):
            f["destination_pattern"] = words[1]
        elif text.startswith("srtp"):
            f["srtp"], f["srtp_fallback"] = True, "fallback" in words
        elif text.startswith("dtmf-relay "):
            f["dtmf_relay"] = words[1:]
        elif text.startswith("fax protocol "):
            f["fax_protocol"] = _after(text, "fax protocol ")
        elif text.startswith("codec "):
            f["codec"] = words[1]
    elif kind == "voice":
        _voice_line(text, voice)
    elif kind == "dhcp_pool":
        if text.startswith("option 150 ip "):
            f["option_150"].extend(words[3:])
        elif text.startswith("network "):
            f["network"] = " ".join(words[1:])
        elif text.startswith("default-router "):
            f["default_router"] = words[1]


def typed_child_line(section: dict, text: str, config: dict) -> None:
    """A typed child line; `no shutdown` sets the fields `shutdown` would set back to their default."""
    if not text.startswith("no "):
        child_line(section, text, config["voice"])
        return
    blank = new_fields(section["kind"], "")
    for key in fields_set_by(section, text[3:], config):
        section["fields"][key] = blank[key]
        section["negated"].add(key)


def fields_set_by(section: dict, text: str, config: dict) -> set[str]:
    """The fields of ``section`` that the child line ``text`` would change (tried on a copy;
    of the configuration, only what a child line writes is copied: a configuration pasted
    at the prompt grows with every line, and copying it whole made the paste quadratic)."""
    scratch = copy.deepcopy(section)
    child_line(scratch, text, copy.deepcopy(config["voice"]))
    return {key for key, value in scratch["fields"].items() if value != section["fields"][key]}


def _voice_line(text: str, voice: dict) -> None:
    voice["seen"] = True
    words = text.split()
    if text.startswith("allow-connections "):
        voice["allow_connections"].append(_after(text, "allow-connections "))
    elif text.startswith("srtp"):
        voice["srtp"], voice["srtp_fallback"] = True, voice["srtp_fallback"] or "fallback" in words
    elif text == "supplementary-service media-renegotiate":
        voice["media_renegotiate"] = True
    elif text.startswith("fax protocol "):
        voice["fax_protocol"] = _after(text, "fax protocol ")
    elif text.startswith("modem relay"):
        voice["modem_relay"] = True
    elif text == "sip":
        voice["sip"] = True


# certificate ca 01      certificate 02      certificate self-signed 01
# certificate 02 nvram:cme_root#2.cer      (certificates kept in storage: no hex in the config)
_CERT_START = re.compile(r"certificate (?:(?P<role>ca|ra-sign|ra-encrypt|rollover|self-signed) )?(?P<serial>[0-9A-Fa-f]+)"
                         r"(?: (?P<storage>\S+:\S*))?$")


def _chain_line(section: dict, text: str) -> None:
    m = _CERT_START.match(text)
    if m:
        role = {"ca": "ca", "ra-sign": "ra", "ra-encrypt": "ra"}.get(m.group("role") or "id", "id")
        serial = norm_serial(m.group("serial"))
        if m.group("storage"):
            section["certs"].append(({"role": role, "serial": serial, "storage": m.group("storage")},
                                     section["last"], section["last"], section["raw"][-1:]))
            return
        section["cert"] = {"role": role, "serial": serial, "hex": [], "first": section["last"],
                           "raw_from": len(section["raw"]) - 1}
        return
    cert = section["cert"]
    if cert is None:
        return
    if _HEX_LINE.match(text):
        cert["hex"].append(text.replace(" ", ""))
    elif text == "quit":
        section["cert"] = None
        fields = {"role": cert["role"], "serial": cert["serial"]}
        try:
            fields.update(decoded_fields(load_certificate(bytes.fromhex("".join(cert["hex"])))))
        except ValueError:
            fields["decode_error"] = "certificate hex in the configuration does not decode"
        section["certs"].append((fields, cert["first"], section["last"], section["raw"][cert["raw_from"]:]))


def global_line(text: str, config: dict) -> None:
    g = config["global"]
    words = text.split()
    if text.startswith("hostname "):
        config["hostname"] = words[1]
    elif text.startswith("version "):
        config["version"] = words[1]
    elif text in ("ip http server", "no ip http server"):
        g["http_server"], g["seen"] = not text.startswith("no "), True
        g["explicit"].append("http_server")
    elif text in ("ip http secure-server", "no ip http secure-server"):
        g["http_secure_server"], g["seen"] = not text.startswith("no "), True
        g["explicit"].append("http_secure_server")
    elif text.startswith("ntp server "):
        rest = [w for w in words[2:] if w not in ("prefer", "burst", "iburst")]
        if rest[:1] == ["vrf"]:
            rest = rest[2:]
        if rest:
            g["ntp_servers"].append(rest[0])
        g["seen"] = True
    elif text.startswith("ntp master"):
        g["ntp_master"], g["seen"] = True, True
    elif text == "ntp update-calendar":
        g["ntp_update_calendar"], g["seen"] = True, True
    elif text.startswith("clock timezone ") and len(words) >= 4:
        g["clock_timezone"] = {"name": words[2], "hours": to_int(words[3]),
                               "minutes": to_int(words[4]) if len(words) > 4 else 0}
        g["seen"] = True
    elif text.startswith("clock summer-time "):
        g["summer_time"], g["seen"] = _after(text, "clock summer-time "), True
    elif text == "clock calendar-valid":
        g["calendar_valid"], g["seen"] = True, True
    elif text.startswith("service timestamps ") and len(words) >= 3:
        g["service_timestamps"][words[2]] = " ".join(words[3:])
        g["seen"] = True
    elif text.startswith("tftp-server "):
        alias = words[words.index("alias") + 1] if "alias" in words[:-1] else None
        g["tftp_server_files"].append({"file": words[1], "alias": alias})
        g["seen"] = True
    elif text.startswith(("ip domain name ", "ip domain-name ")):
        g["domain_name"], g["seen"] = words[-1], True
