"""Cisco trust lists (``CTLFile.tlv``, ``ITLFile.tlv``, ``CTLSEP<mac>.tlv``): decode,
verify and write them (../shared/domain/formats.md sections 1-2).

A file is a header of TLV elements (1-byte tag, 2-byte big-endian length,
value) followed by records, each starting with its own length. Containers
(header tags 3, 7, 9 and the encryption tags 16, 17, 21) are entered, not
skipped. Padding (tag 13) is one bare byte. Every length is checked against the
bytes that remain, so a cut or hostile file ends in a ``DecodeError`` naming the
offset, with everything decoded before it kept.

The signature (header tag 12) covers the whole file with the signature element
(tag, length and value) cut out; it is RSA PKCS#1 v1.5 with the hash the header
names, made by the SAST record whose serial equals the header serial.
"""
from __future__ import annotations

import ipaddress
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from cryptography.x509.oid import NameOID

from cmedebug.model import Fact, SourceRef
from cmedebug.parsers.base import Context, FileParser
from cmedebug.parsers.grammar import norm_serial

# -- roles (record tag 4), formats.md 2.5 -------------------------------------
ROLE_SAST, ROLE_CCM, ROLE_CCM_TFTP, ROLE_TFTP, ROLE_CAPF, ROLE_SRST = 0, 1, 2, 3, 4, 5
ROLE_APP_SERVER, ROLE_TVS = 7, 21
ROLE_NAMES = {
    ROLE_SAST: "SAST", ROLE_CCM: "CCM", ROLE_CCM_TFTP: "CCM+TFTP", ROLE_TFTP: "TFTP",
    ROLE_CAPF: "CAPF", ROLE_SRST: "SRST", ROLE_APP_SERVER: "APP-SERVER", ROLE_TVS: "TVS",
}
TFTP_ROLES = (ROLE_TFTP, ROLE_CCM_TFTP)


def role_name(code: int | None) -> str:
    """'CCM+TFTP' for 2; unknown codes stay numbers ('role 9')."""
    if code is None:
        return "unknown"
    return ROLE_NAMES.get(code, f"role {code}")


# -- header tags, formats.md 2.2 and 4.1 --------------------------------------
H_VERSION, H_HEADER_LENGTH, H_SIGNER_INFO, H_SIGNER_NAME, H_SERIAL, H_ISSUER = 1, 2, 3, 4, 5, 6
H_SIGNATURE_INFO, H_HASH_ALG, H_SIGALG_INFO, H_SIGALG, H_MODULUS, H_SIGNATURE = 7, 8, 9, 10, 11, 12
H_PADDING, H_FILENAME, H_TIMESTAMP, H_SIGNER_VERSION = 13, 14, 15, 28
HEADER_CONTAINERS = frozenset({H_SIGNER_INFO, H_SIGNATURE_INFO, H_SIGALG_INFO, 16, 17, 21})
ENCRYPTION_TAGS = {18: "unknown_18", 19: "iv", 20: "padding_count", 22: "unknown_22", 23: "key_size",
                   24: "key_algorithm", 25: "encrypted_key", 26: "hash_algorithm", 27: "hash"}

# -- record tags, formats.md 2.4 ----------------------------------------------
R_LENGTH, R_DNS_NAME, R_SUBJECT, R_ROLE, R_ISSUER, R_SERIAL = 1, 2, 3, 4, 5, 6
R_PUBLIC_KEY, R_SIGNATURE, R_CERTIFICATE, R_IP, R_CERT_HASH, R_HASH_ALG = 7, 8, 9, 10, 11, 12

# hash code (header tag 8) -> name; formats.md 2.3 (4 = SHA-512 only in a superseded tool)
HASH_NAMES = {1: "sha1", 2: "sha256", 3: "sha512"}
HASH_CODES = {name: code for code, name in HASH_NAMES.items()}
HASH_CLASSES = {"sha1": hashes.SHA1, "sha256": hashes.SHA256, "sha512": hashes.SHA512}
SIGALG_RSA = 0
# modulus code (header tag 11) -> RSA key size in bits
MODULUS_BITS = {0: 512, 1: 1024, 2: 2048, 3: 4096}


@dataclass(frozen=True)
class DecodeError:
    """Where and why decoding stopped."""

    offset: int
    message: str

    def __str__(self) -> str:
        return f"offset {self.offset}: {self.message}"


@dataclass(frozen=True)
class UnknownTag:
    """An element this decoder does not know, kept as found."""

    where: str  # "header" or "record 3"
    offset: int
    tag: int
    value: bytes


@dataclass
class Header:
    """The header fields of a trust list or a signed file."""

    version: tuple[int, int] | None = None
    header_length: int | None = None
    signer_name: str | None = None
    signer_serial_bytes: bytes | None = None
    issuer_name: str | None = None
    hash_alg: int | None = None
    signature_alg: int | None = None
    modulus: int | None = None
    signature: bytes | None = None
    signature_offset: int | None = None  # offset of the tag-12 byte
    filename: str | None = None
    timestamp: datetime | None = None
    signer_version: tuple[int, int] | None = None
    padding: int = 0
    encryption: dict[str, bytes] = field(default_factory=dict)

    @property
    def signer_serial(self) -> str | None:
        return norm_serial(self.signer_serial_bytes.hex()) if self.signer_serial_bytes is not None else None

    @property
    def hash_name(self) -> str | None:
        if self.hash_alg is None:
            return None
        return HASH_NAMES.get(self.hash_alg, f"code {self.hash_alg}")

    @property
    def version_text(self) -> str | None:
        return f"{self.version[0]}.{self.version[1]}" if self.version else None


@dataclass
class TrustRecord:
    """One certificate entry of a trust list."""

    index: int  # 1-based, in file order
    offset: int
    length: int
    dns_name: str | None = None
    subject: str | None = None
    role: int | None = None
    issuer: str | None = None
    serial_bytes: bytes | None = None
    public_key: bytes | None = field(default=None, repr=False)  # PKCS#1 RSAPublicKey DER (or an EC point)
    signature: bytes | None = field(default=None, repr=False)  # the certificate's own signature value
    certificate: bytes | None = field(default=None, repr=False)  # DER
    ip_address: str | None = None
    cert_hash: bytes | None = None
    hash_alg: int | None = None

    @property
    def role_name(self) -> str:
        return role_name(self.role)

    @property
    def serial(self) -> str | None:
        return norm_serial(self.serial_bytes.hex()) if self.serial_bytes is not None else None

    @property
    def cert(self) -> x509.Certificate | None:
        """The embedded certificate, or None when absent or not parseable (see ``cert_error``)."""
        return _load_der(self.certificate)[0]

    @property
    def cert_error(self) -> str | None:
        return _load_der(self.certificate)[1]


@dataclass
class TrustList:
    """A decoded trust list; ``error`` is set when decoding stopped early."""

    data: bytes = field(repr=False)
    header: Header
    records: list[TrustRecord] = field(default_factory=list)
    unknown_tags: list[UnknownTag] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: DecodeError | None = None

    @property
    def kind(self) -> str:
        """'itl' when the header names an ITL file, else 'ctl'."""
        name = (self.header.filename or "").rsplit("/", 1)[-1].upper()
        return "itl" if name.startswith("ITL") else "ctl"

    def records_with_role(self, *roles: int) -> list[TrustRecord]:
        return [r for r in self.records if r.role in roles]

    def signed_bytes(self) -> bytes | None:
        """The bytes the signature covers: the file without the signature element."""
        return signed_range(self.data, self.header)


@dataclass(frozen=True)
class Verdict:
    """The outcome of a signature check."""

    status: str  # valid | invalid | signer-not-found | unsupported-algorithm | damaged
    reason: str
    signer: TrustRecord | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return self.status == "valid"


class Malformed(Exception):
    """Raised where the bytes break the format; the caller turns it into a DecodeError."""

    def __init__(self, offset: int, message: str):
        super().__init__(message)
        self.offset = offset
        self.message = message


def _load_der(der: bytes | None) -> tuple[x509.Certificate | None, str | None]:
    if der is None:
        return None, "no certificate element"
    try:
        with warnings.catch_warnings():  # lenient: negative serials and the like still load
            warnings.simplefilter("ignore")
            return x509.load_der_x509_certificate(der), None
    except ValueError as exc:
        return None, f"certificate does not parse: {exc}"


def _string(value: bytes) -> str:
    """NUL-terminated string value -> text (everything from the first NUL on dropped)."""
    return value.split(b"\0", 1)[0].decode("utf-8", "replace")


def _element(data: bytes, pos: int, limit: int, where: str) -> tuple[int, int, int]:
    """(tag, value start, value end) of the element at ``pos``; all of it must lie before ``limit``."""
    if pos + 3 > limit:
        raise Malformed(pos, f"{where}: element at offset {pos} is cut off: it needs 3 bytes of tag and "
                              f"length, {limit - pos} remain")
    tag = data[pos]
    length = int.from_bytes(data[pos + 1:pos + 3], "big")
    start, end = pos + 3, pos + 3 + length
    if end > limit:
        raise Malformed(pos, f"{where}: tag {tag} declares {length} bytes but only {limit - start} remain")
    return tag, start, end


def _int(value: bytes, size: int, what: str, warnings: list[str], offset: int) -> int | None:
    if len(value) != size:
        warnings.append(f"offset {offset}: {what} has {len(value)} bytes, expected {size}; ignored")
        return None
    return int.from_bytes(value, "big")


def _pair(value: bytes, what: str, warnings: list[str], offset: int) -> tuple[int, int] | None:
    if len(value) != 2:
        warnings.append(f"offset {offset}: {what} has {len(value)} bytes, expected 2; ignored")
        return None
    return value[0], value[1]


def read_header(data: bytes, h: Header, warnings: list[str], unknown: list[UnknownTag]) -> None:
    """Fill ``h`` from ``data``; raises ``Malformed`` where the header is broken (``h`` keeps what was read)."""
    size = len(data)
    # 01 0002 0102  02 0002 0138   (VERSION 1.2, HEADER LENGTH 312)
    for expected, name, pos in ((H_VERSION, "VERSION", 0), (H_HEADER_LENGTH, "HEADER LENGTH", 5)):
        if size < pos + 5:
            raise Malformed(pos, f"file ends after {size} bytes, before the {name} element a Cisco TLV header "
                                  f"starts with")
        if data[pos] != expected or data[pos + 1:pos + 3] != b"\x00\x02":
            raise Malformed(pos, f"not a Cisco TLV file: expected {name} (tag {expected}, length 2) at offset "
                                  f"{pos}, found bytes {data[pos:pos + 3].hex()}")
    h.version = (data[3], data[4])
    h.header_length = int.from_bytes(data[8:10], "big")
    if h.header_length < 10:
        raise Malformed(5, f"header length {h.header_length} is shorter than the 10 bytes already read")
    if h.header_length > size:
        raise Malformed(5, f"header length {h.header_length} exceeds the file size {size}")
    end = h.header_length
    containers: list[int] = []  # end offsets of the open containers
    pos = 10
    while pos < end:
        while containers and pos >= containers[-1]:
            containers.pop()
        limit = containers[-1] if containers else end
        if data[pos] == H_PADDING:
            h.padding += 1
            pos += 1
            continue
        tag, start, stop = _element(data, pos, limit, "header")
        value = data[start:stop]
        if tag in HEADER_CONTAINERS:
            containers.append(stop)
            pos = start
            continue
        _header_field(h, tag, value, pos, warnings, unknown)
        pos = stop


def _header_field(h: Header, tag: int, value: bytes, pos: int, warnings: list[str],
                  unknown: list[UnknownTag]) -> None:
    if tag == H_SIGNER_NAME:
        h.signer_name = _string(value)
    elif tag == H_SERIAL:
        h.signer_serial_bytes = value
    elif tag == H_ISSUER:
        h.issuer_name = _string(value)
    elif tag == H_HASH_ALG:
        h.hash_alg = _int(value, 1, "HASH ALGORITHM", warnings, pos)
    elif tag == H_SIGALG:
        h.signature_alg = _int(value, 1, "SIGNATURE ALGORITHM", warnings, pos)
    elif tag == H_MODULUS:
        h.modulus = _int(value, 1, "SIGNATURE MODULUS", warnings, pos)
    elif tag == H_SIGNATURE:
        if h.signature is not None:
            warnings.append(f"offset {pos}: a second SIGNATURE element; the first one is used")
            return
        h.signature, h.signature_offset = value, pos
    elif tag == H_FILENAME:
        h.filename = _string(value)
    elif tag == H_TIMESTAMP:
        seconds = _int(value, 4, "TIMESTAMP", warnings, pos)
        if seconds is not None:
            h.timestamp = datetime.fromtimestamp(seconds, timezone.utc)
    elif tag == H_SIGNER_VERSION:
        h.signer_version = _pair(value, "SIGNER VERSION", warnings, pos)
    elif tag in ENCRYPTION_TAGS:
        h.encryption[ENCRYPTION_TAGS[tag]] = value
    else:
        unknown.append(UnknownTag("header", pos, tag, value))


def _read_records(data: bytes, tl: TrustList) -> None:
    pos = tl.header.header_length or len(data)
    size = len(data)
    while pos < size:
        index = len(tl.records) + 1
        where = f"record {index} at offset {pos}"
        # 01 0002 047B   (RECORD LENGTH 1147, counting these 5 bytes)
        if size - pos < 5:
            raise Malformed(pos, f"{where}: only {size - pos} bytes remain, a record starts with a 5-byte "
                                  f"RECORD LENGTH element")
        if data[pos] != R_LENGTH or data[pos + 1:pos + 3] != b"\x00\x02":
            raise Malformed(pos, f"{where}: does not start with RECORD LENGTH (tag 1, length 2); found bytes "
                                  f"{data[pos:pos + 3].hex()}")
        length = int.from_bytes(data[pos + 3:pos + 5], "big")
        if length < 5:
            raise Malformed(pos, f"{where}: record length {length} is shorter than its own length element")
        if pos + length > size:
            raise Malformed(pos, f"{where}: record length {length} but only {size - pos} bytes remain")
        rec = TrustRecord(index=index, offset=pos, length=length)
        _record_fields(data, rec, pos + 5, pos + length, tl)
        tl.records.append(rec)
        pos += length


def _record_fields(data: bytes, rec: TrustRecord, pos: int, end: int, tl: TrustList) -> None:
    where = f"record {rec.index}"
    while pos < end:
        tag, start, stop = _element(data, pos, end, where)
        value = data[start:stop]
        if tag == R_DNS_NAME:
            rec.dns_name = _string(value)
        elif tag == R_SUBJECT:
            rec.subject = _string(value)
        elif tag == R_ROLE:
            rec.role = _int(value, 2, f"{where} FUNCTION", tl.warnings, pos)
        elif tag == R_ISSUER:
            rec.issuer = _string(value)
        elif tag == R_SERIAL:
            rec.serial_bytes = value
        elif tag == R_PUBLIC_KEY:
            rec.public_key = value
        elif tag == R_SIGNATURE:
            rec.signature = value
        elif tag == R_CERTIFICATE:
            rec.certificate = value
        elif tag == R_IP:
            rec.ip_address = _ip(value, where, pos, tl.warnings)
        elif tag == R_CERT_HASH:
            rec.cert_hash = value
        elif tag == R_HASH_ALG:
            rec.hash_alg = _int(value, 1, f"{where} HASH ALGORITHM", tl.warnings, pos)
        else:
            tl.unknown_tags.append(UnknownTag(where, pos, tag, value))
        pos = stop


def _ip(value: bytes, where: str, pos: int, warnings: list[str]) -> str | None:
    if len(value) in (4, 16):
        return str(ipaddress.ip_address(value))
    if value.strip(b"\0") == b"":
        return None
    warnings.append(f"offset {pos}: {where} IP ADDRESS has {len(value)} bytes, expected 4; ignored")
    return None


def decode_trust_list(data: bytes) -> TrustList:
    """Decode a CTL/ITL file. Never raises on bad bytes: ``error`` says where it stopped."""
    tl = TrustList(data=data, header=Header())
    try:
        read_header(data, tl.header, tl.warnings, tl.unknown_tags)
        _read_records(data, tl)
    except Malformed as exc:
        tl.error = DecodeError(exc.offset, exc.message)
    return tl


# -- signature ----------------------------------------------------------------

def signed_range(data: bytes, header: Header) -> bytes | None:
    if header.signature_offset is None or header.signature is None:
        return None
    cut = header.signature_offset
    return data[:cut] + data[cut + 3 + len(header.signature):]


def check_signature(data: bytes, header: Header, public_key, signer: TrustRecord | None = None) -> Verdict:
    """Check the header signature over ``data`` with ``public_key``."""
    if header.signature is None:
        return Verdict("damaged", "the header has no SIGNATURE element", signer)
    if header.signature_alg not in (None, SIGALG_RSA):
        return Verdict("unsupported-algorithm", f"signature algorithm code {header.signature_alg} "
                                                f"(only 0 = RSA is known)", signer)
    hash_name = HASH_NAMES.get(header.hash_alg or 0)
    if hash_name is None:
        return Verdict("unsupported-algorithm", f"hash algorithm code {header.hash_alg} "
                                                f"(known: 1 = SHA-1, 2 = SHA-256, 3 = SHA-512)", signer)
    if not isinstance(public_key, rsa.RSAPublicKey):
        return Verdict("unsupported-algorithm", f"signer key is {type(public_key).__name__}, not RSA", signer)
    try:
        public_key.verify(header.signature, signed_range(data, header), padding.PKCS1v15(),
                          HASH_CLASSES[hash_name]())
    except InvalidSignature:
        return Verdict("invalid", f"the {hash_name.upper()} RSA signature does not match the file content "
                                  f"for signer serial {header.signer_serial}", signer)
    return Verdict("valid", f"{hash_name.upper()} RSA signature verified with the key of serial "
                            f"{header.signer_serial}", signer)


def signed_digest(data: bytes, header: Header) -> bytes | None:
    """The digest of the signed range with the header's hash, so that a later check
    (against another file's certificates) needs no copy of the file."""
    name = HASH_NAMES.get(header.hash_alg or 0)
    covered = signed_range(data, header)
    if name is None or covered is None:
        return None
    digest = hashes.Hash(HASH_CLASSES[name]())
    digest.update(covered)
    return digest.finalize()


def verify_digest(public_key, signature: bytes, digest: bytes, hash_name: str) -> bool:
    """Check a PKCS#1 v1.5 signature over bytes already hashed to ``digest``."""
    if not isinstance(public_key, rsa.RSAPublicKey) or hash_name not in HASH_CLASSES:
        return False
    try:
        public_key.verify(signature, digest, padding.PKCS1v15(), Prehashed(HASH_CLASSES[hash_name]()))
    except InvalidSignature:
        return False
    return True


def record_public_key(rec: TrustRecord):
    """The record's public key: from its certificate, else from its PUBLIC KEY element."""
    from cmedebug.certs import public_key_of

    key = public_key_of(rec.cert) if rec.cert is not None else None
    if key is not None:
        return key
    if rec.public_key:
        try:
            return serialization.load_der_public_key(_spki_from_pkcs1(rec.public_key))
        except ValueError:
            return None
    return None


def _spki_from_pkcs1(der: bytes) -> bytes:
    """Wrap a PKCS#1 RSAPublicKey in a SubjectPublicKeyInfo so the DER loader takes it."""
    algorithm = bytes.fromhex("300d06092a864886f70d0101010500")  # rsaEncryption, NULL
    bit_string = b"\x03" + _der_length(len(der) + 1) + b"\x00" + der
    body = algorithm + bit_string
    return b"\x30" + _der_length(len(body)) + body


def _der_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def find_signer(header: Header, records: list[TrustRecord], roles: tuple[int, ...]) -> TrustRecord | None:
    """The record with one of ``roles`` whose serial equals the header serial
    (one whose issuer also matches is preferred)."""
    serial = header.signer_serial
    same = [r for r in records if r.role in roles and r.serial is not None and r.serial == serial]
    return next((r for r in same if r.issuer == header.issuer_name), same[0] if same else None)


def verify_with_records(data: bytes, header: Header, error: DecodeError | None, records: list[TrustRecord],
                        roles: tuple[int, ...], list_name: str) -> Verdict:
    """Verify a file whose signer must be a record of ``records`` with one of ``roles``."""
    if error is not None:
        return Verdict("damaged", f"the file could not be decoded ({error})")
    signer = find_signer(header, records, roles)
    wanted = " or ".join(role_name(r) for r in roles)
    if signer is None:
        others = [r for r in records if r.serial == header.signer_serial]
        if others:
            return Verdict("signer-not-found", f"signer serial {header.signer_serial} is in {list_name} only as "
                                               f"{', '.join(r.role_name for r in others)}, not as {wanted}")
        return Verdict("signer-not-found", f"no {wanted} record with serial {header.signer_serial} "
                                           f"({header.signer_name}) in {list_name}")
    key = record_public_key(signer)
    if key is None:
        return Verdict("damaged", f"the signer record {signer.index} holds no usable public key", signer)
    return check_signature(data, header, key, signer)


def verify_trust_list(tl: TrustList, trusted: TrustList | None = None) -> Verdict:
    """Check a trust list's signature with its own SAST record, or, for an update,
    with a SAST record of the list the phone already holds (``trusted``)."""
    anchor = trusted if trusted is not None else tl
    name = "the previously installed list" if trusted is not None else "this list"
    return verify_with_records(tl.data, tl.header, tl.error, anchor.records, (ROLE_SAST,), name)


# -- writer -------------------------------------------------------------------

@dataclass
class TrustRecordSpec:
    """What to put in one record. ``subject_name``/``issuer_name`` override the DN
    text (default: Cisco's ``CN=..;OU=..;O=..;L=..;ST=..;C=..``)."""

    role: int
    certificate: x509.Certificate
    ip_address: str | None = None
    dns_name: str | None = None  # None: no DNS NAME element; "": an empty one
    subject_name: str | None = None
    issuer_name: str | None = None


# Cisco writes DNs in this fixed order whatever the certificate's RDN order (formats.md 2.4)
_CISCO_DN_ORDER = [(NameOID.COMMON_NAME, "CN"), (NameOID.ORGANIZATIONAL_UNIT_NAME, "OU"),
                   (NameOID.ORGANIZATION_NAME, "O"), (NameOID.LOCALITY_NAME, "L"),
                   (NameOID.STATE_OR_PROVINCE_NAME, "ST"), (NameOID.COUNTRY_NAME, "C")]


def cisco_dn(name: x509.Name) -> str:
    """CN=gigantic-6.cisco.com;OU=VTG;O=Alpha;L=SJ;ST=CA;C=US (other attributes follow in RFC 4514 form)."""
    known = {oid for oid, _ in _CISCO_DN_ORDER}
    parts = [f"{label}={a.value}" for oid, label in _CISCO_DN_ORDER for a in name.get_attributes_for_oid(oid)]
    parts += [a.rfc4514_string() for a in name if a.oid not in known]
    return ";".join(parts)


def serial_bytes(cert: x509.Certificate) -> bytes:
    """The serial as minimal big-endian bytes (24491F10703FEA9B -> 8 bytes)."""
    n = cert.serial_number
    return n.to_bytes(max(1, (n.bit_length() + 7) // 8), "big")


def tlv(tag: int, value: bytes) -> bytes:
    if len(value) > 0xFFFF:
        raise ValueError(f"tag {tag}: {len(value)} bytes do not fit a 16-bit TLV length")
    return bytes([tag]) + len(value).to_bytes(2, "big") + value


def _text(value: str) -> bytes:
    return value.encode("utf-8") + b"\0"


def encode_record(spec: TrustRecordSpec) -> bytes:
    """One record in Cisco's field order: 1, 2, 3, 4, 5, 6, 7, 8, 9, 10."""
    cert = spec.certificate
    public_key = cert.public_key()
    if isinstance(public_key, rsa.RSAPublicKey):
        key_bytes = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    else:  # EC: X9.62 uncompressed point, as certutils writes it
        key_bytes = public_key.public_bytes(serialization.Encoding.X962,
                                            serialization.PublicFormat.UncompressedPoint)
    body = b"".join([
        tlv(R_DNS_NAME, _text(spec.dns_name)) if spec.dns_name is not None else b"",
        tlv(R_SUBJECT, _text(spec.subject_name or cisco_dn(cert.subject))),
        tlv(R_ROLE, spec.role.to_bytes(2, "big")),
        tlv(R_ISSUER, _text(spec.issuer_name or cisco_dn(cert.issuer))),
        tlv(R_SERIAL, serial_bytes(cert)),
        tlv(R_PUBLIC_KEY, key_bytes),
        tlv(R_SIGNATURE, cert.signature),
        tlv(R_CERTIFICATE, cert.public_bytes(serialization.Encoding.DER)),
        tlv(R_IP, ipaddress.ip_address(spec.ip_address).packed) if spec.ip_address else b"",
    ])
    return tlv(R_LENGTH, (len(body) + 5).to_bytes(2, "big")) + body


@dataclass
class SignedHeaderSpec:
    """The header fields a writer sets; the signature itself comes from ``sign``."""

    signer_name: str
    signer_serial_bytes: bytes
    issuer_name: str
    filename: str
    timestamp: datetime
    signature_length: int
    modulus: int
    hash_alg: int = 1
    version: tuple[int, int] = (1, 2)
    signer_version: tuple[int, int] | None = None
    signature_alg: int = SIGALG_RSA


def write_signed(spec: SignedHeaderSpec, payload: bytes, sign: Callable[[bytes], bytes]) -> bytes:
    """Header + payload, signed: ``sign`` gets every byte except the signature element
    and returns the signature (formats.md 2.6, "Algorithm to build")."""
    head = tlv(H_VERSION, bytes(spec.version))
    length_at = len(head) + 3
    head += tlv(H_HEADER_LENGTH, b"\0\0")
    if spec.signer_version is not None:
        head += tlv(H_SIGNER_VERSION, bytes(spec.signer_version))
    signer = (tlv(H_SIGNER_NAME, _text(spec.signer_name)) + tlv(H_SERIAL, spec.signer_serial_bytes)
              + tlv(H_ISSUER, _text(spec.issuer_name)))
    head += bytes([H_SIGNER_INFO]) + len(signer).to_bytes(2, "big") + signer
    sigalg = tlv(H_SIGALG, bytes([spec.signature_alg])) + tlv(H_MODULUS, bytes([spec.modulus]))
    siginfo = tlv(H_HASH_ALG, bytes([spec.hash_alg])) + bytes([H_SIGALG_INFO]) + len(sigalg).to_bytes(2, "big") + sigalg
    head += bytes([H_SIGNATURE_INFO]) + len(siginfo).to_bytes(2, "big") + siginfo
    signature_at = len(head)
    stamp = int(spec.timestamp.timestamp())
    head += tlv(H_FILENAME, _text(spec.filename)) + tlv(H_TIMESTAMP, stamp.to_bytes(4, "big"))
    while (len(head) + 3 + spec.signature_length) % 4:
        head += bytes([H_PADDING])
    header_length = len(head) + 3 + spec.signature_length
    head = head[:length_at] + header_length.to_bytes(2, "big") + head[length_at + 2:]
    unsigned = head + payload
    signature = sign(unsigned)
    if len(signature) != spec.signature_length:
        raise ValueError(f"signature is {len(signature)} bytes, the header announced {spec.signature_length}")
    return unsigned[:signature_at] + tlv(H_SIGNATURE, signature) + unsigned[signature_at:]


def header_spec_for(signer_cert: x509.Certificate, signer_key: rsa.RSAPrivateKey, *, filename: str,
                    timestamp: datetime, hash_alg: str, version: tuple[int, int],
                    signer_version: tuple[int, int] | None = None) -> SignedHeaderSpec:
    """Header fields for a file signed by ``signer_key``; names and serial are the
    signer certificate's, byte-identical to its record (formats.md 2.4)."""
    if hash_alg not in HASH_CODES:
        raise ValueError(f"hash algorithm {hash_alg!r}; choose one of {', '.join(HASH_CODES)}")
    bits = signer_key.key_size
    modulus = {v: k for k, v in MODULUS_BITS.items()}.get(bits)
    if modulus is None:
        raise ValueError(f"an RSA signer key of {bits} bits has no Cisco modulus code (512, 1024, 2048, 4096)")
    return SignedHeaderSpec(signer_name=cisco_dn(signer_cert.subject), signer_serial_bytes=serial_bytes(signer_cert),
                            issuer_name=cisco_dn(signer_cert.issuer), filename=filename, timestamp=timestamp,
                            signature_length=bits // 8, modulus=modulus, hash_alg=HASH_CODES[hash_alg],
                            version=version, signer_version=signer_version)


def rsa_signer(key: rsa.RSAPrivateKey, hash_alg: str) -> Callable[[bytes], bytes]:
    return lambda data: key.sign(data, padding.PKCS1v15(), HASH_CLASSES[hash_alg]())


def build_trust_list(records: list[TrustRecordSpec], signer_cert: x509.Certificate, signer_key: rsa.RSAPrivateKey,
                     *, filename: str = "CTLFile.tlv", timestamp: datetime, hash_alg: str = "sha1",
                     version: tuple[int, int] = (1, 2), signer_version: tuple[int, int] | None = None) -> bytes:
    """A signed trust list in Cisco's field order. CME signs its CTL with SAST1,
    which must also be one of ``records`` (role SAST) for phones to verify it."""
    spec = header_spec_for(signer_cert, signer_key, filename=filename, timestamp=timestamp, hash_alg=hash_alg,
                           version=version, signer_version=signer_version)
    payload = b"".join(encode_record(r) for r in records)
    return write_signed(spec, payload, rsa_signer(signer_key, hash_alg))


# -- the FileParser -----------------------------------------------------------

def header_end(head: bytes) -> int | None:
    """The header length of a Cisco TLV file from its first 10 bytes, or None."""
    if len(head) >= 10 and head[0] == H_VERSION and head[1:3] == b"\x00\x02" \
            and head[5] == H_HEADER_LENGTH and head[6:8] == b"\x00\x02":
        return int.from_bytes(head[8:10], "big")
    return None


class TrustListParser(FileParser):
    name = "ctl"
    description = "CTL/ITL trust lists (CTLFile.tlv, ITLFile.tlv, CTLSEP<mac>.tlv), decoded and verified"
    max_bytes = 1024 * 1024

    def sniff_bytes(self, head: bytes, filename: str) -> float:
        end = header_end(head)
        if end is None:
            return 0.0
        if len(head) >= end + 5:  # records begin with 01 0002; a signed file's payload does not
            return 0.95 if head[end:end + 3] == b"\x01\x00\x02" else 0.0
        return 0.8 if filename.lower().endswith(".tlv") else 0.6

    def parse_file(self, data: bytes, ctx: Context):
        tl = decode_trust_list(data)
        if tl.error is not None:
            ctx.warnings.append(f"{ctx.path}: trust list damaged at {tl.error}; kept the {len(tl.records)} "
                                f"record(s) decoded before it")
        return trust_list_facts(tl, verify_trust_list(tl), ctx)


def trust_list_facts(tl: TrustList, verdict: Verdict, ctx: Context) -> list:
    """``ctl.file``, then per record ``ctl.record`` and a ``cert`` fact (origin ``ctl``)."""
    from cmedebug.certs import cert_fields

    h = tl.header
    facts = [file_fact(
        ctx, "ctl.file", [f"{tl.kind.upper()} {h.filename} version {h.version_text} signed by {h.signer_name} "
                         f"SN {h.signer_serial} at {h.timestamp}: {verdict.status}"],
        filename=h.filename, kind=tl.kind, version=h.version_text, header_length=h.header_length,
        signer_serial=h.signer_serial, signer_name=h.signer_name, signer_issuer=h.issuer_name,
        timestamp=h.timestamp, hash_alg=h.hash_name, signer_version=h.signer_version,
        verdict=verdict.status, verdict_reason=verdict.reason, records=len(tl.records),
        signature=h.signature, signed_digest=signed_digest(tl.data, h) if tl.error is None else None,
        sast_serials=[r.serial for r in tl.records_with_role(ROLE_SAST)],
        unknown_tags=[f"{u.where} tag {u.tag} at offset {u.offset} ({len(u.value)} bytes)" for u in tl.unknown_tags],
        warnings=list(tl.warnings), error=str(tl.error) if tl.error else None)]
    for rec in tl.records:
        cert = rec.cert
        fields = cert_fields(cert) if cert is not None else {}
        line = (f"record {rec.index} @{rec.offset}: {rec.role_name} {rec.subject} SN {rec.serial} "
                f"IP {rec.ip_address or '-'}")
        facts.append(file_fact(
            ctx, "ctl.record", [line], filename=h.filename, kind=tl.kind, index=rec.index, offset=rec.offset,
            role=rec.role, role_name=rec.role_name, subject=rec.subject, issuer=rec.issuer, serial=rec.serial,
            ip_address=rec.ip_address, dns_name=rec.dns_name, fingerprint_sha1=fields.get("fingerprint_sha1"),
            not_before=fields.get("not_before"), not_after=fields.get("not_after"),
            key_size=fields.get("key_size"), cert_error=rec.cert_error if cert is None else None,
            inconsistencies=record_inconsistencies(rec)))
        if cert is not None:
            facts.append(file_fact(ctx, "cert", [line], origin="ctl", list_kind=tl.kind, ctl_role=rec.role_name,
                                   ctl_index=rec.index, der=cert.public_bytes(serialization.Encoding.DER), **fields))
    return facts


def file_fact(ctx: Context, kind: str, raw: list[str], /, **fields) -> Fact:
    """A fact about a whole decoded file (no line range; ``fields`` may hold a ``kind``)."""
    return Fact(kind=kind, source=SourceRef(ctx.path), device=ctx.device, fields=fields, raw=tuple(raw))


def record_inconsistencies(rec: TrustRecord) -> list[str]:
    """Where a record's own elements disagree with its certificate (they are copies of it)."""
    cert = rec.cert
    if cert is None:
        return []
    out = []
    if rec.serial_bytes is not None and rec.serial != norm_serial(format(cert.serial_number, "X")):
        out.append(f"SERIALNUMBER {rec.serial} differs from the certificate serial {cert.serial_number:X}")
    from cmedebug.certs import public_key_of

    key = public_key_of(cert)
    if rec.public_key and isinstance(key, rsa.RSAPublicKey) and rec.public_key != key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.PKCS1):
        out.append("PUBLICKEY differs from the certificate's key")
    if rec.signature is not None and rec.signature != cert.signature:
        out.append("SIGNATURE differs from the certificate's signature value")
    return out
