"""Cisco trust lists (``CTLFile.tlv``, ``ITLFile.tlv``, ``CTLSEP<mac>.tlv``): decode,
verify and write them (../shared/domain/formats.md section 2).

After the header (``cmedebug.parsers.tlv``) come records back to back, each a
run of elements that starts with its own length. The list is signed by its SAST
record whose serial equals the header serial; an update must be signed by a
SAST of the list the phone already holds.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from cmedebug.parsers.base import Context, FileParser
from cmedebug.parsers.grammar import cert_fields, cert_serial, load_certificate, norm_serial, public_key_of
from cmedebug.parsers.phone_config import mac_from_name
from cmedebug.parsers.tlv import (DecodeError, Header, Malformed, UnknownTag, Verdict, check_signature, cisco_dn,
                                  element, file_fact, fixed_int, header_end, header_spec_for, looks_binary,
                                  read_header, rsa_signer, serial_bytes, signed_digest, signed_range,
                                  string_value, text_value, tlv, write_signed)

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


# -- record tags, formats.md 2.4 ----------------------------------------------
R_LENGTH, R_DNS_NAME, R_SUBJECT, R_ROLE, R_ISSUER, R_SERIAL = 1, 2, 3, 4, 5, 6
R_PUBLIC_KEY, R_SIGNATURE, R_CERTIFICATE, R_IP, R_CERT_HASH, R_HASH_ALG = 7, 8, 9, 10, 11, 12


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

    @cached_property
    def _loaded(self) -> tuple[x509.Certificate | None, str | None]:
        return _load_der(self.certificate)

    @property
    def cert(self) -> x509.Certificate | None:
        """The embedded certificate, or None when absent or not parseable (see ``cert_error``)."""
        return self._loaded[0]

    @property
    def cert_error(self) -> str | None:
        return self._loaded[1]


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


def _load_der(der: bytes | None) -> tuple[x509.Certificate | None, str | None]:
    if der is None:
        return None, "no certificate element"
    try:
        return load_certificate(der), None
    except ValueError as exc:
        return None, f"certificate does not parse: {exc}"


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
        tag, start, stop = element(data, pos, end, where)
        value = data[start:stop]
        if tag == R_DNS_NAME:
            rec.dns_name = string_value(value)
        elif tag == R_SUBJECT:
            rec.subject = string_value(value)
        elif tag == R_ROLE:
            rec.role = fixed_int(value, 2, f"{where} FUNCTION", tl.warnings, pos)
        elif tag == R_ISSUER:
            rec.issuer = string_value(value)
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
            rec.hash_alg = fixed_int(value, 1, f"{where} HASH ALGORITHM", tl.warnings, pos)
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

def record_public_key(rec: TrustRecord):
    """The record's public key: from its certificate, else from its PUBLIC KEY element."""
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
        tlv(R_DNS_NAME, text_value(spec.dns_name)) if spec.dns_name is not None else b"",
        tlv(R_SUBJECT, text_value(spec.subject_name or cisco_dn(cert.subject))),
        tlv(R_ROLE, spec.role.to_bytes(2, "big")),
        tlv(R_ISSUER, text_value(spec.issuer_name or cisco_dn(cert.issuer))),
        tlv(R_SERIAL, serial_bytes(cert)),
        tlv(R_PUBLIC_KEY, key_bytes),
        tlv(R_SIGNATURE, cert.signature),
        tlv(R_CERTIFICATE, cert.public_bytes(serialization.Encoding.DER)),
        tlv(R_IP, ipaddress.ip_address(spec.ip_address).packed) if spec.ip_address else b"",
    ])
    return tlv(R_LENGTH, (len(body) + 5).to_bytes(2, "big")) + body


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

class TrustListParser(FileParser):
    name = "ctl"
    description = "CTL/ITL trust lists (CTLFile.tlv, ITLFile.tlv, CTLSEP<mac>.tlv), decoded and verified"
    max_bytes = 1024 * 1024

    def sniff_bytes(self, head: bytes, filename: str) -> float:
        end = header_end(head)
        if end is None:  # a damaged binary .tlv is still ours, to say what is wrong with it
            return 0.55 if filename.lower().endswith(".tlv") and looks_binary(head) else 0.0
        if len(head) >= end + 5:  # records begin with 01 0002; a signed file's payload does not
            return 0.95 if head[end:end + 3] == b"\x01\x00\x02" else 0.0
        return 0.8 if filename.lower().endswith(".tlv") else 0.6

    def parse_file(self, data: bytes, ctx: Context):
        tl = decode_trust_list(data)
        if tl.error is not None:
            ctx.warnings.append(f"{ctx.path}: trust list damaged at {tl.error}; kept the {len(tl.records)} "
                                f"record(s) decoded before it")
        ctx.warnings += [f"{ctx.path}: {w}" for w in tl.warnings]
        ctx.warnings += [f"{ctx.path}: unknown element in {u.where}: tag {u.tag} at offset {u.offset} "
                         f"({len(u.value)} bytes), kept" for u in tl.unknown_tags]
        return trust_list_facts(tl, verify_trust_list(tl), ctx)


def trust_list_facts(tl: TrustList, verdict: Verdict, ctx: Context) -> list:
    """``ctl.file``, then per record ``ctl.record`` and a ``cert`` fact (origin ``ctl``)."""
    h = tl.header
    facts = [file_fact(
        ctx, "ctl.file", [f"{tl.kind.upper()} {h.filename} version {h.version_text} signed by {h.signer_name} "
                         f"SN {h.signer_serial} at {h.timestamp}: {verdict.status}"],
        filename=h.filename, mac=mac_from_name(ctx.path), kind=tl.kind, version=h.version_text,
        header_length=h.header_length,
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


def record_inconsistencies(rec: TrustRecord) -> list[str]:
    """Where a record's own elements disagree with its certificate (they are copies of it)."""
    cert = rec.cert
    if cert is None:
        return []
    out = []
    if rec.serial_bytes is not None and rec.serial != cert_serial(cert):
        out.append(f"SERIALNUMBER {rec.serial} differs from the certificate serial {cert_serial(cert)}")
    key = public_key_of(cert)
    if rec.public_key and isinstance(key, rsa.RSAPublicKey) and rec.public_key != key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.PKCS1):
        out.append("PUBLICKEY differs from the certificate's key")
    if rec.signature is not None and rec.signature != cert.signature:
        out.append("SIGNATURE differs from the certificate's signature value")
    return out
