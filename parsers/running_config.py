"""`show running-config`, `show startup-config` or a saved configuration file.

The configuration is read as a small indentation tree: a line at column 0
opens a section (`crypto pki trustpoint CME`, `telephony-service`, `ephone 1`)
or is a global line (`ip http server`); indented lines belong to the open
section. Each section of interest becomes one fact when the next section
starts; `config.global`, `config.voice` and `config.present` come at the end
(`end`, the next prompt, EOF). Certificates of a `crypto pki certificate chain`
are decoded with `cryptography` into `cert` facts.

Configuration typed at config-mode prompts (`Router(config)# crypto pki server
cme_root`, `Router(cs-server)# grant auto`) gives the same facts, rebuilt from
the prompt modes: a `(config)` command opens a section or is a global line, a
sub-mode command is a child of the open section (or of the section its mode
names). Such facts say `origin: "typed"` and are `partial`; a field that was not
typed is None (unknown), never the default of a full configuration.

Secrets (`capf-auth-str`, passwords) are never stored in fields: presence and
length only.
"""
from __future__ import annotations

import copy
import re

from cmedebug.parsers.base import Context
from cmedebug.parsers.framing import Record
from cmedebug.parsers.grammar import load_certificate, norm_mac, norm_serial
from cmedebug.parsers.show_block import ShowBlockParser, to_int
from cmedebug.parsers.show_pki_certificates import decoded_fields

# Building configuration...      Current configuration : 4127 bytes      version 15.7      !
_START = re.compile(r"Building configuration\.\.\.$|Current configuration ?: ?\d+ bytes$|version \d+\.\d+$|!$")
# Last configuration change at 10:01:02 UTC Mon Jan 1 2024 by admin      NVRAM config last updated at ...
_BANNERS = re.compile(r"Building configuration|Current configuration|Using \d+ out of \d+ bytes|"
                      r"! (?:Last configuration change|NVRAM config last updated|No configuration change)")
# .     (an ellipsis in documentation captures: elided lines)
_ELLIPSIS = re.compile(r"\.{1,3}$")
# 3082022A 30820193 A0030201 02020101 300D0609 2A864886 F70D0101 04050030
_HEX_LINE = re.compile(r"[0-9A-Fa-f]{2,8}(?: [0-9A-Fa-f]{2,8}){0,15}$")
# show running-config | section telephony      sh run | i ntp      show running-config telephony-service
_FILTER = re.compile(r"\s*(?P<filter>\S.*)?$")

# first words of a column-0 line -> the section it opens
_SECTIONS = (
    ("crypto pki server ", "pki_server"), ("crypto pki trustpoint ", "trustpoint"),
    ("crypto pki certificate chain ", "chain"), ("telephony-service", "telephony_service"),
    ("ctl-client", "ctl_client"), ("capf-server", "capf_server"), ("ephone-dn", None), ("ephone ", "ephone"),
    ("dial-peer voice ", "dial_peer"), ("voice service voip", "voice"), ("ip dhcp pool ", "dhcp_pool"),
)
# Router(cs-server)# grant auto      Router(ca-trustpoint)# enrollment url http://192.168.20.1:80
# (the corpus shows these two; the others are the modes IOS prints for the sections above)
# prompt mode -> the section a command typed in it belongs to, when the capture starts inside it
_MODE_SECTIONS = {
    "cs-server": "crypto pki server ", "ca-trustpoint": "crypto pki trustpoint ",
    "config-cert-chain": "crypto pki certificate chain ", "config-telephony": "telephony-service",
    "config-ctl-client": "ctl-client", "config-capf-server": "capf-server", "config-ephone": "ephone ",
    "config-dial-peer": "dial-peer voice ", "conf-voi-serv": "voice service voip", "dhcp-config": "ip dhcp pool ",
}


class RunningConfigParser(ShowBlockParser):
    name = "running-config"
    description = "show running-config / show startup-config / a saved configuration"
    # R1#sh run | section telephony      Router# show running-config telephony-service      sh start
    commands = (r"sh\w* (?:run[\w-]*|start[\w-]*|conf\w*)",
                r"more (?:system:running-config|nvram:startup-config)", r"wr(?:ite)? t(?:erm(?:inal)?)?")
    block_start = _START
    reads_typed_config = True

    def __init__(self) -> None:
        super().__init__()
        self.config: dict | None = None

    # -- block lifecycle -------------------------------------------------------------
    def ignores_message(self, body: str) -> bool:
        return _START.match(body) is None  # a message is never configuration; only a new start resets it

    def parse(self, rec: Record, ctx: Context):
        if self.config is not None and self.config["typed"]:
            return None  # what IOS answers to typed commands is for the other parsers
        if self.config is not None and self.config["ended"] and _START.match(rec.text):
            self.config = None  # a second configuration in the same capture
        if rec.is_message or not rec.text:
            return None
        if self.config is None:
            self.config = self._new_config(rec, ctx)
        if self.config["ended"]:
            return None
        try:
            return self.take(rec.text, rec, ctx)
        except Exception as exc:  # a parser bug must not stop the analysis: the line stays unparsed
            ctx.warnings.append(f"{ctx.path}:{rec.first_line}: {self.name} could not read this line "
                                f"({exc.__class__.__name__}: {exc})")
            return None

    def _new_config(self, rec: Record, ctx: Context) -> dict:
        command = ctx.command or ""
        m = self.owns_command(command) if command not in self._tails_used else None
        self._tails_used.add(command)
        kind, filter_text, section = "file", None, None
        if m:
            words = m.group(0).lower().split()
            kind = "startup" if "start" in words[1] or "nvram" in words[-1] or words[1].startswith("conf") else "running"
            filter_text = _FILTER.match(command[m.end():]).group("filter")
        if filter_text in ("all", "full"):
            filter_text = None
        if filter_text and not filter_text.startswith("|"):
            section = _section_of(filter_text)  # `show running-config telephony-service` omits the header
        return _new_config_state(kind, filter_text, rec, section)

    def start_block(self, rec: Record, ctx: Context):
        _host, command, mode = rec.prompt
        if mode is None:  # `show running-config`: its output follows
            return []
        done = []
        if self.config is not None and (not self.config["typed"] or self.config["emitted"]):
            done = self.end_block(ctx)  # a shown configuration, or a session closed by `end`
        if self.config is None:
            self.config = _new_config_state("running", None, rec, None, typed=True)
        return done + self._typed(command, mode, rec, ctx)

    def _typed(self, command: str, mode: str, rec: Record, ctx: Context) -> list:
        """One command typed at a config-mode prompt."""
        config = self.config
        config["lines"] += 1
        config["last"] = rec.last_line
        if not command or command.startswith("do "):
            return []
        if command == "end" or (command == "exit" and mode == "config"):
            return self._with_device(self._finish(ctx))
        if command == "exit":
            return self._with_device(self._close_section(ctx))
        section = config["section"]
        if mode == "config" and _section_of(command) is not None:
            done = self._with_device(self._close_section(ctx))
            config["section"] = _section_of(command, rec)
            return done
        if mode == "config" and not (section is not None and _fields_set_by(section, command, config)):
            _global_line(command, config)  # the section stays open: a later sub-mode line is still its child
            return []
        # a sub-mode line, or a child keyword printed with `(config)` (documents do:
        # Router(config)# crypto pki server cme_root / Router(config)# database level complete)
        if section is None and mode in _MODE_SECTIONS:  # the capture starts inside a section
            section = config["section"] = _section_of(_MODE_SECTIONS[mode])
            section["first"] = rec.first_line
        if section is not None:
            section["last"] = rec.last_line
            section["raw"].extend(rec.lines)
            _typed_child(section, command, config)
        return []

    def end_block(self, ctx: Context):
        out = self._with_device(self._finish(ctx))
        self.config = None
        return out

    def _with_device(self, facts: list) -> list:
        """A saved config has no prompt: its facts belong to the device its `hostname` line names."""
        for fact in facts:
            fact.device = fact.device or self.config["hostname"]
        return facts

    # -- one line --------------------------------------------------------------------
    def take(self, text, rec: Record, ctx: Context):
        config = self.config
        line = rec.lines[0] if rec.lines else text
        config["lines"] += 1
        config["last"] = rec.last_line
        if _BANNERS.match(text) or _ELLIPSIS.match(text):
            return []
        if text == "end":
            config["ended"] = True
            return self._with_device(self._finish(ctx))
        if text.startswith("!"):
            return []
        indented = line[:1] in (" ", "\t")
        if indented and config["section"] is not None:
            config["section"]["last"] = rec.last_line
            config["section"]["raw"].extend(rec.lines)
            _child(config["section"], text, config)
            return []
        done = self._with_device(self._close_section(ctx))
        if indented:  # a child of a section we do not model (interface, line vty, ...)
            return done
        config["section"] = _section_of(text, rec)
        if config["section"] is None:
            _global_line(text, config)
        return done

    # -- facts -----------------------------------------------------------------------
    def _close_section(self, ctx: Context) -> list:
        section, self.config["section"] = self.config["section"], None
        if section is None or section["kind"] in (None, "voice"):  # voice lines go to config.voice at the end
            return []
        if not section["raw"]:  # `show running-config telephony-service` printed nothing: no such section
            return []
        self.config["sections"] += 1
        fields = self._typed_fields(section["fields"], _new_fields(section["kind"], ""), section["negated"])
        fields.update(config=self.config["kind"], partial=self.config["partial"])
        if section["kind"] == "chain":
            return [ctx.fact("cert", first_line=first, last_line=last, raw=raw, config=self.config["kind"],
                             trustpoints=[fields["name"]], **cert) for cert, first, last, raw in section["certs"]]
        first = section["first"] or self.config["first"]
        return [ctx.fact(f"config.{section['kind']}", first_line=first, last_line=max(first, section["last"]),
                         raw=section["raw"], **fields)]

    def _finish(self, ctx: Context) -> list:
        """Everything the configuration still owes, once."""
        config = self.config
        if config is None or config["emitted"]:
            return []
        out = self._close_section(ctx)
        config["emitted"] = True
        if config["typed"] and not (config["sections"] or config["global"]["seen"] or config["voice"]["seen"]):
            return out  # only `crypto pki enroll` and the like were typed: no configuration seen
        kind, span = config["kind"], {"first_line": config["first"], "last_line": config["last"]}
        out.append(ctx.fact("config.present", **span, config=kind, partial=config["partial"], filter=config["filter"],
                            hostname=config["hostname"], version=config["version"], lines=config["lines"],
                            **self._origin()))
        if not config["partial"] or config["global"]["seen"]:
            out.append(ctx.fact("config.global", **span, config=kind, partial=config["partial"], hostname=config["hostname"],
                                **self._typed_fields(config["global"], _new_global(), set(config["global"]["explicit"]))))
        if not config["partial"] or config["voice"]["seen"]:
            out.append(ctx.fact("config.voice", **span, config=kind, partial=config["partial"],
                                **self._typed_fields(config["voice"], _new_voice())))
        return out

    def _origin(self) -> dict:
        return {"origin": "typed"} if self.config["typed"] else {}

    def _typed_fields(self, fields: dict, defaults: dict, negated: set = frozenset()) -> dict:
        """A section's fields; typed, those still at their default (and not typed
        as `no ...`) are unknown (None)."""
        out = {k: v for k, v in fields.items() if k != "seen"}
        if self.config["typed"]:
            out = {k: None if v == defaults[k] and k not in negated else v for k, v in out.items()}
            out.update(self._origin())
        return out


# -- sections ----------------------------------------------------------------------------

def _section_of(text: str, rec: Record | None = None) -> dict | None:
    for prefix, kind in _SECTIONS:
        if text.startswith(prefix) or text == prefix.strip():
            rest = text[len(prefix):].strip()
            section = {"kind": kind, "fields": _new_fields(kind, rest), "first": rec.first_line if rec else 0,
                       "last": rec.last_line if rec else 0, "raw": list(rec.lines) if rec else [], "certs": [],
                       "cert": None, "negated": set()}
            return section
    return None


def _new_config_state(kind: str, filter_text: str | None, rec: Record, section: dict | None, typed: bool = False) -> dict:
    return {"kind": kind, "filter": filter_text, "partial": bool(filter_text) or typed, "typed": typed, "ended": False,
            "emitted": False, "sections": 0, "lines": 0, "first": rec.first_line, "last": rec.last_line, "section": section,
            "global": _new_global(), "voice": _new_voice(), "hostname": None, "version": None}


def _new_fields(kind: str | None, rest: str) -> dict:
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


def _new_global() -> dict:
    return {"seen": False, "http_server": False, "http_secure_server": False, "ntp_servers": [], "ntp_master": False,
            "ntp_update_calendar": False, "clock_timezone": None, "summer_time": None, "calendar_valid": False,
            "service_timestamps": {}, "tftp_server_files": [], "domain_name": None,
            "explicit": []}  # fields a printed line set: `no ip http server` in `| include` output proves it off


def _new_voice() -> dict:
    return {"seen": False, "allow_connections": [], "srtp": False, "srtp_fallback": False, "media_renegotiate": False,
            "modem_relay": False, "sip": False, "fax_protocol": None}


def _after(text: str, prefix: str) -> str | None:
    return text[len(prefix):].strip() or None if text.startswith(prefix) else None


def _child(section: dict, text: str, config: dict) -> None:
    """One indented line of a section into its fields."""
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
            config["voice"]["seen"] = True
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
        _voice_line(text, config["voice"])
    elif kind == "dhcp_pool":
        if text.startswith("option 150 ip "):
            f["option_150"].extend(words[3:])
        elif text.startswith("network "):
            f["network"] = " ".join(words[1:])
        elif text.startswith("default-router "):
            f["default_router"] = words[1]


def _typed_child(section: dict, text: str, config: dict) -> None:
    """A typed child line; `no shutdown` sets the fields `shutdown` would set back to their default."""
    if not text.startswith("no "):
        _child(section, text, config)
        return
    blank = _new_fields(section["kind"], "")
    for key in _fields_set_by(section, text[3:], config):
        section["fields"][key] = blank[key]
        section["negated"].add(key)


def _fields_set_by(section: dict, text: str, config: dict) -> set[str]:
    """The fields of ``section`` that the child line ``text`` would change (tried on a copy)."""
    scratch = copy.deepcopy(section)
    _child(scratch, text, copy.deepcopy(config))
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


def _global_line(text: str, config: dict) -> None:
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
