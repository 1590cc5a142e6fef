"""Shared grammar pieces: IOS dates, serial numbers, MACs, distinguished names.

Built with pyparsing (``import pyparsing as pp``), each element named, with a
real sample above it and parse actions that convert to real types.
"""
from __future__ import annotations

import functools
import re
import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import ClassVar

import pyparsing as pp
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.utils import CryptographyDeprecationWarning

from cmedebug.parsers.base import Context, LineParser
from cmedebug.parsers.framing import MONTHS

_MONTH = pp.one_of(list(MONTHS)).set_name("month")
_WEEKDAY = pp.one_of("Mon Tue Wed Thu Fri Sat Sun").set_name("weekday")
_INT = pp.Word(pp.nums).set_parse_action(lambda t: int(t[0]))
_TIME = pp.Regex(r"(?P<h>\d{1,2}):(?P<m>\d\d):(?P<s>\d\d)(?:\.(?P<frac>\d{1,6}))?").set_name("hh:mm:ss")
_ZONE = pp.Regex(r"[A-Z]{2,5}(?:[+-]\d{1,2}(?::?\d\d)?)?").set_name("zone")

# Zones IOS prints with `show-timezone` or in certificate dates. Unknown names are taken as UTC
# (the stamp keeps its printed text in the raw line).
TZ_OFFSETS_HOURS = {
    "UTC": 0, "GMT": 0, "Z": 0, "WET": 0, "BST": 1, "CET": 1, "MET": 1, "CEST": 2, "MEST": 2, "EET": 2,
    "EEST": 3, "MSK": 3, "IST": 5.5, "SGT": 8, "HKT": 8, "JST": 9, "KST": 9, "AEST": 10, "AEDT": 11,
    "NZST": 12, "NZDT": 13, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6,
    "PST": -8, "PDT": -7, "AKST": -9, "AKDT": -8, "HST": -10,
}


@functools.lru_cache(maxsize=256)
def zone(name: str | None) -> timezone:
    if not name:
        return timezone.utc
    base = name.rstrip("0123456789:+-") or name
    hours = TZ_OFFSETS_HOURS.get(base.upper(), 0)
    return timezone(timedelta(hours=hours), base.upper())


# 13:09:32 UTC Jun 12 2029          (certificate dates, `Validity period ended on ...`)
# *04:45:00.857 UTC Thu Aug 7 2025  (`show clock`, weekday before the month)
IOS_DATE = (
    pp.Opt(pp.one_of("* .")("flag"))
    + _TIME("time") + pp.Opt(_ZONE("zone")) + pp.Opt(_WEEKDAY) + _MONTH("month") + _INT("day") + _INT("year")
).set_name("IOS date")


def ios_datetime(tokens: pp.ParseResults) -> datetime:
    t = tokens["time"]
    h, m, s = (int(x) for x in re.match(r"(\d+):(\d+):(\d+)", t).groups())
    frac = re.search(r"\.(\d+)", t)
    micro = int(frac.group(1).ljust(6, "0")) if frac else 0
    return datetime(tokens["year"], MONTHS[tokens["month"]], tokens["day"], h, m, s, micro,
                    tzinfo=zone(tokens.get("zone")))


def parse_ios_date(text: str) -> tuple[datetime, str] | None:
    """An IOS date anywhere at the start of ``text`` -> (aware datetime, clock flag)."""
    # pyparsing takes ~100 us a date; a capture prints the same few dates again and again
    return _parse_ios_date_cached(text) if len(text) <= MAX_CACHED_DATE_CHARS else _parse_ios_date(text)


MAX_CACHED_DATE_CHARS = 80


@functools.lru_cache(maxsize=4096)
def _parse_ios_date_cached(text: str) -> tuple[datetime, str] | None:
    return _parse_ios_date(text)


def _parse_ios_date(text: str) -> tuple[datetime, str] | None:
    try:
        tokens = IOS_DATE.parse_string(text.strip())
        return ios_datetime(tokens), tokens.get("flag", "")
    except (pp.ParseException, ValueError, OverflowError):  # OverflowError: a year of 30 digits
        return None


def norm_serial(text: str) -> str:
    """Serials as upper hex without separators: '01 A3:ff' -> '01A3FF'; leading zeros dropped
    except one, as IOS prints them both ways."""
    hexdigits = re.sub(r"[^0-9A-Fa-f]", "", text).upper()
    return hexdigits.lstrip("0") or "0"


def load_certificate(data: bytes) -> x509.Certificate:
    """A certificate from DER or PEM bytes (ValueError when it does not parse). IOS CAs
    have written serials that DER reads as negative (F3 01); cryptography loads them
    with a deprecation warning, which is expected here and not shown."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        try:
            if data.lstrip().startswith(b"-----BEGIN"):
                return x509.load_pem_x509_certificate(data)
            return x509.load_der_x509_certificate(data)
        except x509.InvalidVersion as exc:  # a damaged version field; not a ValueError in cryptography
            raise ValueError(str(exc)) from None


def serial_der_bytes(cert: x509.Certificate) -> bytes:
    """The content bytes of the certificate's serialNumber INTEGER as DER encodes them
    (two's complement: F3 01 stays F301, where ``serial_number`` says -0xCFF). Read
    from the TBS bytes, so cryptography's deprecation of such serials is not triggered."""
    tbs = cert.tbs_certificate_bytes
    start, _ = _der_item(tbs, 0)  # into the TBSCertificate SEQUENCE
    if tbs[start] == 0xA0:  # [0] EXPLICIT version (absent in X.509 v1)
        start = _der_item(tbs, start)[1]
    content, end = _der_item(tbs, start)
    return tbs[content:end]


def _der_item(data: bytes, pos: int) -> tuple[int, int]:
    """(content start, content end) of the DER element at ``pos``."""
    length, pos = data[pos + 1], pos + 2
    if length & 0x80:
        count = length & 0x7F
        length, pos = int.from_bytes(data[pos:pos + count], "big"), pos + count
    return pos, pos + length


def cert_serial(cert: x509.Certificate) -> str:
    """The serial of a certificate object as IOS prints it, in the vocabulary's form."""
    return norm_serial(serial_der_bytes(cert).hex())


_MAC = re.compile(r"(?:SEP)?([0-9A-Fa-f]{12})")


# -- the shared `cert` fact fields (every certificate source: show output, PEM, CTL records) --

def public_key_of(cert: x509.Certificate):
    """The certificate's public key, or None when its key info does not parse."""
    try:
        return cert.public_key()
    except (ValueError, UnsupportedAlgorithm):
        return None


def name_text(get) -> str:
    """RFC 4514 text of a name, or a note when the DER name does not parse."""
    try:
        return get().rfc4514_string()
    except (ValueError, KeyError) as exc:  # cryptography raises KeyError on an unknown string tag
        return f"<unreadable name: {exc!r}>"


def cert_fields(cert: x509.Certificate) -> dict:
    """Vocabulary fields of a certificate (docs/vocabulary.md, `cert`)."""
    key = public_key_of(cert)
    return {
        "serial": cert_serial(cert),
        "subject": name_text(lambda: cert.subject),
        "issuer": name_text(lambda: cert.issuer),
        "not_before": cert.not_valid_before_utc,
        "not_after": cert.not_valid_after_utc,
        "fingerprint_sha1": cert.fingerprint(hashes.SHA1()).hex().upper(),
        "version": 1 if cert.version == x509.Version.v1 else 3,
        "key_type": key_type(key),
        "key_size": getattr(key, "key_size", None),
        "signature_hash": signature_hash_name(cert),
    }


def key_type(key) -> str:
    if key is None:
        return "unreadable"
    if isinstance(key, rsa.RSAPublicKey):
        return "RSA"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"EC {key.curve.name}"
    # DSA, Ed25519, Ed448 by class name: cryptography 51 warns on any use of its deprecated dsa module.
    return type(key).__name__.removesuffix("PublicKey")


def signature_hash_name(cert: x509.Certificate) -> str | None:
    try:
        algorithm = cert.signature_hash_algorithm
    except UnsupportedAlgorithm:
        return "unknown"
    return algorithm.name if algorithm is not None else None


def norm_mac(text: str) -> str | None:
    """'SEP000E325C9A43' / '000e.325c.9a43' -> '000E325C9A43'."""
    m = _MAC.search(text.replace(".", "").replace(":", "").replace("-", ""))
    return m.group(1).upper() if m else None


# --- pieces shared by the debug and syslog parsers (plain regex text, to be embedded) ---
# 10.5.43.177        2001:10:5:10::50 (inside [...] in `remote address : [2001:10:5:10::50]:8443`)
IPV4 = r"\d{1,3}(?:\.\d{1,3}){3}"
IPV6 = r"[0-9A-Fa-f:.]{2,45}"
# SEP000E325C9A43        (device names of phones)
SEP_NAME = r"SEP[0-9A-Fa-f]{12}"


def basename(path: str) -> str:
    """'system:/its/SEP000E325C9A43.cnf.xml.sgn' -> 'SEP000E325C9A43.cnf.xml.sgn'."""
    return re.split(r"[/:\\]", path)[-1]


# CTLFile.tlv  CTLSEP000E325C9A43.tlv  ITLFile.tlv  ITLSEPB000B4BA0AEE.tlv  SEP000E325C9A43.cnf.xml.sgn
_FILE_TYPES = (
    (re.compile(r"CTL(?:File|SEP[0-9A-Fa-f]{12})\.tlv$", re.I), "ctl"),
    (re.compile(r"ITL(?:File|SEP[0-9A-Fa-f]{12})\.tlv$", re.I), "itl"),
    (re.compile(r"\.cnf\.xml\.enc\.sgn$", re.I), "cnf_xml_enc_sgn"),
    (re.compile(r"\.cnf\.xml\.sgn$", re.I), "cnf_xml_sgn"),
    (re.compile(r"\.cnf\.xml$", re.I), "cnf_xml"),
    (re.compile(r"\.sgn$", re.I), "sgn"),
)


def file_fields(path: str) -> dict:
    """The vocabulary fields of a phone file name: filename, file_type and mac when it names a phone."""
    name = basename(path)
    fields: dict = {"filename": name}
    if name != path:
        fields["path"] = path
    fields["file_type"] = next((kind for pattern, kind in _FILE_TYPES if pattern.search(name)), "other")
    mac = re.search(SEP_NAME, name, re.I)
    if mac:
        fields["mac"] = norm_mac(mac.group(0))
    return fields


# Fields converted to int when a shape captures them (the vocabulary's numeric fields).
INT_FIELDS = frozenset({
    "socket", "ephone", "peer_port", "local_port", "key_size", "msgtype", "auth_mode", "bytes", "count",
    "active", "pid", "function", "signature_length", "refcount", "seconds", "delay", "keepalive", "line",
    "dn", "process", "size", "cert_length", "hours", "seq"})


def _as_int_if_numeric(value: str):
    digits = value[1:] if value[:1] == "-" else value
    return int(value) if digits.isascii() and digits.isdigit() else value


def _converter(name: str):
    """How a captured group becomes a vocabulary value."""
    if name in INT_FIELDS or name == "code":
        return _as_int_if_numeric
    if name == "mac":
        return norm_mac
    if name == "serial":
        return norm_serial
    return None


@dataclass(frozen=True)
class Shape:
    """One message shape: a regex whose named groups are vocabulary fields, and the event kind."""

    kind: str
    regex: re.Pattern
    constants: tuple[tuple[str, object], ...] = ()

    def __post_init__(self) -> None:
        converters = tuple((name, _converter(name)) for name in self.regex.groupindex)
        object.__setattr__(self, "converters", converters)

    def fields(self, m: re.Match) -> dict:
        out = dict(self.constants)
        for name, convert in self.converters:
            value = m.group(name)
            if value is None:
                continue
            value = value.strip()
            out[name] = convert(value) if convert is not None else value
        return out


def shape(kind: str, pattern: str, **constants) -> Shape:
    return Shape(kind, re.compile(pattern), tuple(constants.items()))


def match_shapes(shapes: tuple[Shape, ...], text: str) -> tuple[str, dict] | None:
    """(kind, fields) of the first shape whose regex matches at the start of ``text``."""
    for candidate in shapes:
        m = candidate.regex.match(text)
        if m:
            return candidate.kind, candidate.fields(m)
    return None


class ShapeParser(LineParser):
    """A parser that is a table of message shapes: the first of ``shapes`` that
    matches a record's text makes its one event; ``refine`` adjusts the fields."""

    shapes: ClassVar[tuple[Shape, ...]] = ()

    def parse(self, rec, ctx: Context):
        found = match_shapes(self.shapes, rec.text)
        if found is None:
            return None
        kind, fields = found
        return [ctx.event(kind, rec, **self.refine(kind, fields, rec))]

    def refine(self, kind: str, fields: dict, rec) -> dict:
        return fields


class SyslogBody:
    """A record seen from after its `%FAC-SEV-MNEMONIC:` header, for ``match_record``."""

    __slots__ = ("text", "continuations")

    def __init__(self, rec):
        self.text = rec.text.split(":", 1)[1].strip() if ":" in rec.text else ""
        self.continuations = rec.continuations


def match_record(shapes: tuple[Shape, ...], rec) -> tuple[str, dict] | None:
    """Like ``match_shapes`` on a record's text; when the record has continuation
    lines, each shape also tries them joined without a space, because documents
    that wrap at the page width cut words (``... So`` / ``cket:3 DeviceType:Phone ...``)."""
    found = find_shape(shapes, rec)
    return (found[0].kind, found[0].fields(found[1])) if found is not None else None


def find_shape(shapes: tuple[Shape, ...], rec) -> tuple[Shape, re.Match] | None:
    """The first shape that matches the record (as ``match_record`` tries them) and its
    match, without converting fields: for a parser that drops most of what it recognises."""
    texts = [rec.text]
    if rec.continuations:
        head = rec.text[: len(rec.text) - len(" ".join(rec.continuations))].rstrip()
        texts.append(head + "".join(rec.continuations))
    for candidate in shapes:
        for text in texts:
            m = candidate.regex.match(text)
            if m:
                return candidate, m
    return None
