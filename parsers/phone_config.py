"""``SEP<mac>.cnf.xml``: the security-related elements of a phone configuration
(../shared/domain/formats.md section 5), with their meanings.

The CAPF authentication string is never stored: only whether an element
carrying one is present.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # the Element type only; parsing goes through defusedxml
from dataclasses import dataclass, field

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from cmedebug.parsers.base import Context, FileParser
from cmedebug.parsers.grammar import norm_mac
from cmedebug.parsers.tlv import file_fact

# <deviceSecurityMode>3</deviceSecurityMode>
SECURITY_MODES = {1: "non-secure", 2: "authenticated", 3: "encrypted"}
# <capfAuthMode>2</capfAuthMode>
CAPF_AUTH_MODES = {0: "none", 1: "auth-string", 2: "null-string", 3: "LSC (MIC fallback)", 4: "MIC (LSC fallback)"}
# <transportLayerProtocol>3</transportLayerProtocol>   (4 is seen in working configs; its meaning is unclear)
TRANSPORTS = {1: "TCP", 2: "UDP", 3: "TLS", 4: "TCP/UDP"}
# <authenticationString>123456</authenticationString>  (presence only, never the value)
_AUTH_STRING = re.compile(r"auth(?:entication)?_?str(?:ing)?$", re.I)
# SEP000E325C9A43.cnf.xml / SEP000E325C9A43.cnf.xml.sgn
_SEP_NAME = re.compile(r"SEP([0-9A-Fa-f]{12})", re.I)


class ConfigError(ValueError):
    """The bytes are not a phone configuration this reader accepts."""


@dataclass
class PhoneConfig:
    """What a phone configuration says about security, CAPF, signalling and loads."""

    device_protocol: str | None = None
    device_security_mode: int | None = None
    transport: int | None = None
    capf_auth_mode: int | None = None
    capf_servers: list[dict] = field(default_factory=list)
    auth_string_present: bool = False
    cert_hash: str | None = None
    encr_config: bool | None = None
    full_config: bool | None = None
    call_managers: list[dict] = field(default_factory=list)
    tvs_servers: list[dict] = field(default_factory=list)
    load_information: str | None = None
    load_model: str | None = None
    secure_urls: list[str] = field(default_factory=list)

    def fields(self) -> dict:
        """Fact fields (docs/vocabulary.md, `phone.config`)."""
        return {
            "device_protocol": self.device_protocol,
            "device_security_mode": self.device_security_mode,
            "device_security_mode_name": _name(SECURITY_MODES, self.device_security_mode),
            "transport": self.transport,
            "transport_name": _name(TRANSPORTS, self.transport),
            "capf_auth_mode": self.capf_auth_mode,
            "capf_auth_mode_name": _name(CAPF_AUTH_MODES, self.capf_auth_mode),
            "capf_servers": self.capf_servers,
            "auth_string_present": self.auth_string_present,
            "cert_hash": self.cert_hash,
            "encr_config": self.encr_config,
            "full_config": self.full_config,
            "call_managers": self.call_managers,
            "ports": _ports(self.call_managers),
            "tvs_servers": self.tvs_servers,
            "load_information": self.load_information,
            "load_model": self.load_model,
            "secure_urls": self.secure_urls,
        }


def _name(table: dict[int, str], code: int | None) -> str | None:
    if code is None:
        return None
    return table.get(code, f"code {code}")


def _ports(call_managers: list[dict]) -> dict[str, int]:
    """The ports of the first call manager (the one a phone tries first)."""
    return dict(call_managers[0]["ports"]) if call_managers else {}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _find(root: ET.Element, name: str) -> ET.Element | None:
    return next((e for e in root.iter() if _local(e.tag) == name), None)


def _text(root: ET.Element, name: str) -> str | None:
    element = _find(root, name)
    if element is None or element.text is None:
        return None
    return element.text.strip() or None


def _int(root: ET.Element, name: str) -> int | None:
    text = _text(root, name)
    return int(text) if text is not None and _is_number(text) else None


def _is_number(text: str) -> bool:
    """ASCII digits only: str.isdigit() also accepts '²', which int() refuses."""
    return text.isascii() and text.isdigit()


def _bool(root: ET.Element, name: str) -> bool | None:
    text = _text(root, name)
    return None if text is None else text.lower() == "true"


def parse_xml(data: bytes) -> ET.Element:
    """The root element, parsed by defusedxml: a DTD, entity declarations and external
    references are refused wherever they stand (billion laughs, XXE)."""
    try:
        return fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise ConfigError(f"the XML declares a DTD, entities or external references ({exc.__class__.__name__}), "
                          "which phone configurations never do; not parsed") from None
    except ParseError as exc:
        line, column = exc.position
        raise ConfigError(f"not well-formed XML at line {line}, column {column}: {exc}") from None


def read_phone_config(data: bytes) -> PhoneConfig:
    """Read the security-related elements of a ``<device>`` configuration."""
    root = parse_xml(data)
    if _local(root.tag) != "device":
        raise ConfigError(f"the root element is <{_local(root.tag)}>, not the <device> of a phone configuration")
    cfg = PhoneConfig(
        device_protocol=_text(root, "deviceProtocol"),
        device_security_mode=_int(root, "deviceSecurityMode"),
        transport=_int(root, "transportLayerProtocol"),
        capf_auth_mode=_int(root, "capfAuthMode"),
        auth_string_present=any(_AUTH_STRING.match(_local(e.tag)) and (e.text or "").strip() for e in root.iter()),
        cert_hash=_text(root, "certHash"),
        encr_config=_bool(root, "encrConfig"),
        full_config=_bool(root, "fullConfig"),
        load_information=_text(root, "loadInformation"),
    )
    load = _find(root, "loadInformation")
    cfg.load_model = load.get("model") if load is not None else None
    # <capfList><capf><phonePort>3804</phonePort><processNodeName>10.1.1.1</processNodeName></capf></capfList>
    for capf in (e for e in root.iter() if _local(e.tag) == "capf"):
        cfg.capf_servers.append({"host": _text(capf, "processNodeName"), "port": _int(capf, "phonePort")})
    # <callManager><ports><ethernetPhonePort>2000</ethernetPhonePort>...</ports><processNodeName>..</callManager>
    for cm in (e for e in root.iter() if _local(e.tag) == "callManager"):
        ports = _find(cm, "ports")
        port_map = {_local(p.tag): int(p.text) for p in (ports if ports is not None else [])
                    if p.text and _is_number(p.text.strip())}
        cfg.call_managers.append({"host": _text(cm, "processNodeName"), "ports": port_map})
    # <TVS><members><member priority="0"><port>2445</port><address>cucm</address></member></members></TVS>
    tvs = _find(root, "TVS")
    if tvs is not None:
        for member in (e for e in tvs.iter() if _local(e.tag) == "member"):
            cfg.tvs_servers.append({"address": _text(member, "address"), "port": _int(member, "port"),
                                    "priority": member.get("priority")})
    cfg.secure_urls = sorted({_local(e.tag) for e in root.iter()
                              if _local(e.tag).startswith("secure") and _local(e.tag).endswith("URL")
                              and (e.text or "").strip()})
    return cfg


def mac_from_name(name: str | None) -> str | None:
    """'SEP000E325C9A43.cnf.xml.sgn' -> '000E325C9A43'."""
    m = _SEP_NAME.search(name or "")
    return norm_mac(m.group(1)) if m else None


def looks_like_phone_config(head: bytes) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return text.startswith((b"<?xml", b"<device")) and b"<device" in head


class PhoneConfigParser(FileParser):
    name = "cnf-xml"
    description = "phone configuration SEP<mac>.cnf.xml (security mode, CAPF, transport, ports, load)"
    max_bytes = 4 * 1024 * 1024

    def sniff_bytes(self, head: bytes, filename: str) -> float:
        if not looks_like_phone_config(head):
            return 0.0
        if filename.lower().endswith(".cnf.xml") or b"deviceSecurityMode" in head or b"devicePool" in head:
            return 0.9
        return 0.55

    def parse_file(self, data: bytes, ctx: Context):
        return [config_fact(data, ctx, filename=ctx.path.replace("\\", "/").rsplit("/", 1)[-1])]


def config_fact(xml: bytes, ctx: Context, filename: str, **extra):
    """A ``phone.config`` fact for this XML; a file that does not read becomes a fact
    with ``error`` (and a warning), so the input is accounted for."""
    mac = mac_from_name(filename) or mac_from_name(ctx.path)
    base = {"mac": mac, "filename": filename, "signed": False, "verdict": None, "verdict_reason": None, **extra}
    try:
        cfg = read_phone_config(xml)
    except ConfigError as exc:
        ctx.warnings.append(f"{ctx.path}: {exc}")
        return file_fact(ctx, "phone.config", [f"{filename}: {exc}"], **base, error=str(exc))
    fields = cfg.fields()
    capf = ", ".join(f"{c['host']}:{c['port']}" for c in cfg.capf_servers) or "-"
    line = (f"{filename}: deviceSecurityMode {cfg.device_security_mode} ({fields['device_security_mode_name']}), "
            f"capfAuthMode {cfg.capf_auth_mode} ({fields['capf_auth_mode_name']}), "
            f"CAPF {capf}")
    return file_fact(ctx, "phone.config", [line], **base, **fields, error=None)
