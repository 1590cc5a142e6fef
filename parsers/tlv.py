"""The TLV layer shared by Cisco trust lists and signed files (../shared/domain/
formats.md sections 1-3): the header, its signature, and the writer.

An element is a 1-byte tag, a 2-byte big-endian length and the value. Header
containers (tags 3, 7, 9 and the encryption tags 16, 17, 21) are entered, not
skipped; padding (tag 13) is one bare byte. Every length is checked against the
bytes that remain: a cut or hostile file raises ``Malformed`` with the offset,
which decoders turn into a ``DecodeError`` and keep what was read before it.

The signature (header tag 12) covers the whole file with the signature element
(tag, length and value) cut out: RSA PKCS#1 v1.5 with the hash the header names.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from cryptography.x509.oid import NameOID

from cmedebug.model import Fact, SourceRef
from cmedebug.parsers.base import Context
from cmedebug.parsers.grammar import norm_serial, serial_der_bytes

# -- header tags, formats.md 2.2 and 4.1 --------------------------------------
H_VERSION, H_HEADER_LENGTH, H_SIGNER_INFO, H_SIGNER_NAME, H_SERIAL, H_ISSUER = 1, 2, 3, 4, 5, 6
H_SIGNATURE_INFO, H_HASH_ALG, H_SIGALG_INFO, H_SIGALG, H_MODULUS, H_SIGNATURE = 7, 8, 9, 10, 11, 12
H_PADDING, H_FILENAME, H_TIMESTAMP, H_SIGNER_VERSION = 13, 14, 15, 28
HEADER_CONTAINERS = frozenset({H_SIGNER_INFO, H_SIGNATURE_INFO, H_SIGALG_INFO, 16, 17, 21})
ENCRYPTION_TAGS = {18: "unknown_18", 19: "iv", 20: "padding_count", 22: "unknown_22", 23: "key_size",
                   24: "key_algorithm", 25: "encrypted_key", 26: "hash_algorithm", 27: "hash"}


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


@dataclass(frozen=True)
class Verdict:
    """The outcome of a signature check."""

    status: str  # valid | invalid | signer-not-found | unsupported-algorithm | damaged
    reason: str
    signer: Any = field(default=None, repr=False)  # the TrustRecord that signed, when known

    @property
    def ok(self) -> bool:
        return self.status == "valid"


class Malformed(Exception):
    """Raised where the bytes break the format; the caller turns it into a DecodeError."""

    def __init__(self, offset: int, message: str):
        super().__init__(message)
        self.offset = offset
        self.message = message


def string_value(value: bytes) -> str:
    """NUL-terminated string value -> text (everything from the first NUL on dropped)."""
    return value.split(b"\0", 1)[0].decode("utf-8", "replace")


def element(data: bytes, pos: int, limit: int, where: str) -> tuple[int, int, int]:
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


def fixed_int(value: bytes, size: int, what: str, warnings: list[str], offset: int) -> int | None:
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
        tag, start, stop = element(data, pos, limit, "header")
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
        h.signer_name = string_value(value)
    elif tag == H_SERIAL:
        h.signer_serial_bytes = value
    elif tag == H_ISSUER:
        h.issuer_name = string_value(value)
    elif tag == H_HASH_ALG:
        h.hash_alg = fixed_int(value, 1, "HASH ALGORITHM", warnings, pos)
    elif tag == H_SIGALG:
        h.signature_alg = fixed_int(value, 1, "SIGNATURE ALGORITHM", warnings, pos)
    elif tag == H_MODULUS:
        h.modulus = fixed_int(value, 1, "SIGNATURE MODULUS", warnings, pos)
    elif tag == H_SIGNATURE:
        if h.signature is not None:
            warnings.append(f"offset {pos}: a second SIGNATURE element; the first one is used")
            return
        h.signature, h.signature_offset = value, pos
    elif tag == H_FILENAME:
        h.filename = string_value(value)
    elif tag == H_TIMESTAMP:
        seconds = fixed_int(value, 4, "TIMESTAMP", warnings, pos)
        if seconds is not None:
            h.timestamp = datetime.fromtimestamp(seconds, timezone.utc)
    elif tag == H_SIGNER_VERSION:
        h.signer_version = _pair(value, "SIGNER VERSION", warnings, pos)
    elif tag in ENCRYPTION_TAGS:
        h.encryption[ENCRYPTION_TAGS[tag]] = value
    else:
        unknown.append(UnknownTag("header", pos, tag, value))


def signed_range(data: bytes, header: Header) -> bytes | None:
    if header.signature_offset is None or header.signature is None:
        return None
    cut = header.signature_offset
    return data[:cut] + data[cut + 3 + len(header.signature):]


def check_signature(data: bytes, header: Header, public_key, signer: Any = None) -> Verdict:
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
    """The serial as minimal big-endian bytes (24491F10703FEA9B -> 8 bytes): the DER
    bytes without the zero DER puts before a leading byte >= 80. A serial some CA
    encoded negative (top bit set, no leading zero) keeps those raw bytes."""
    der = serial_der_bytes(cert)
    return der[1:] if len(der) > 1 and der[0] == 0 else der


def tlv(tag: int, value: bytes) -> bytes:
    if len(value) > 0xFFFF:
        raise ValueError(f"tag {tag}: {len(value)} bytes do not fit a 16-bit TLV length")
    return bytes([tag]) + len(value).to_bytes(2, "big") + value


def text_value(value: str) -> bytes:
    return value.encode("utf-8") + b"\0"


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
    signer = (tlv(H_SIGNER_NAME, text_value(spec.signer_name)) + tlv(H_SERIAL, spec.signer_serial_bytes)
              + tlv(H_ISSUER, text_value(spec.issuer_name)))
    head += bytes([H_SIGNER_INFO]) + len(signer).to_bytes(2, "big") + signer
    sigalg = tlv(H_SIGALG, bytes([spec.signature_alg])) + tlv(H_MODULUS, bytes([spec.modulus]))
    siginfo = tlv(H_HASH_ALG, bytes([spec.hash_alg])) + bytes([H_SIGALG_INFO]) + len(sigalg).to_bytes(2, "big") + sigalg
    head += bytes([H_SIGNATURE_INFO]) + len(siginfo).to_bytes(2, "big") + siginfo
    signature_at = len(head)
    stamp = int(spec.timestamp.timestamp())
    head += tlv(H_FILENAME, text_value(spec.filename)) + tlv(H_TIMESTAMP, stamp.to_bytes(4, "big"))
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


def looks_binary(head: bytes) -> bool:
    """NULs or control bytes other than tab, CR, LF, FF in the first bytes: not a text log."""
    return any(b < 32 and b not in (9, 10, 12, 13) for b in head[:512])


def header_end(head: bytes) -> int | None:
    """The header length of a Cisco TLV file from its first 10 bytes, or None."""
    if len(head) >= 10 and head[0] == H_VERSION and head[1:3] == b"\x00\x02" \
            and head[5] == H_HEADER_LENGTH and head[6:8] == b"\x00\x02":
        return int.from_bytes(head[8:10], "big")
    return None


def file_fact(ctx: Context, kind: str, raw: list[str], /, **fields) -> Fact:
    """A fact about a whole decoded file (no line range; ``fields`` may hold a ``kind``)."""
    return Fact(kind=kind, source=SourceRef(ctx.path), device=ctx.device, fields=fields, raw=tuple(raw))
