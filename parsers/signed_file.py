"""Signed files (``SEP<mac>.cnf.xml.sgn``, ``*.sha512``): decode, sign and verify
(../shared/domain/formats.md section 3).

A signed file is a trust-list header (same tags, version 1.0) followed by the
original file unchanged. The signature covers everything but the signature
element, and its signer must be a TFTP or CCM+TFTP record of the phone's trust
list (formats.md 7.4).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from cmedebug.parsers.base import Context, FileParser
from cmedebug.parsers.phone_config import config_fact, looks_like_phone_config
from cmedebug.parsers.tlv import (DecodeError, Header, Malformed, UnknownTag, Verdict, file_fact, header_end,
                                  header_spec_for, looks_binary, read_header, rsa_signer, signed_digest,
                                  write_signed)
from cmedebug.parsers.trustlist import TFTP_ROLES, TrustList, verify_with_records


@dataclass
class SignedFile:
    """A decoded signed file; ``error`` is set when the header is damaged."""

    data: bytes = field(repr=False)
    header: Header
    content: bytes = field(default=b"", repr=False)
    unknown_tags: list[UnknownTag] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: DecodeError | None = None


def decode_signed_file(data: bytes) -> SignedFile:
    """Header and payload of a signed file. Never raises on bad bytes."""
    sf = SignedFile(data=data, header=Header())
    try:
        read_header(data, sf.header, sf.warnings, sf.unknown_tags)
    except Malformed as exc:
        sf.error = DecodeError(exc.offset, exc.message)
        return sf
    sf.content = data[sf.header.header_length:]
    return sf


def sign_file(content: bytes, filename: str, signer_cert: x509.Certificate, signer_key: rsa.RSAPrivateKey, *,
              timestamp: datetime, hash_alg: str = "sha1", version: tuple[int, int] = (1, 0)) -> bytes:
    """``content`` with a signed header; ``filename`` is the name with ``.sgn``
    (``SEP000E325C9A43.cnf.xml.sgn``), as phones request it."""
    spec = header_spec_for(signer_cert, signer_key, filename=filename, timestamp=timestamp, hash_alg=hash_alg,
                           version=version)
    return write_signed(spec, content, rsa_signer(signer_key, hash_alg))


def verify_signed_file(sf: SignedFile, trust_list: TrustList) -> Verdict:
    """The signature, made by a TFTP or CCM+TFTP record of ``trust_list``."""
    if trust_list.error is not None:
        return Verdict("damaged", f"the trust list could not be decoded ({trust_list.error})")
    return verify_with_records(sf.data, sf.header, sf.error, trust_list.records, TFTP_ROLES,
                               f"the trust list {trust_list.header.filename or ''}".rstrip())


class SignedFileParser(FileParser):
    name = "sgn"
    description = "signed files (SEP<mac>.cnf.xml.sgn and other .sgn): header, signer, payload"
    max_bytes = 4 * 1024 * 1024

    def sniff_bytes(self, head: bytes, filename: str) -> float:
        end = header_end(head)
        if end is None:  # a damaged binary .sgn is still ours, to say what is wrong with it
            return 0.55 if filename.lower().endswith((".sgn", ".sha512")) and looks_binary(head) else 0.0
        if len(head) >= end + 5:  # a trust list's records start with 01 0002
            return 0.0 if head[end:end + 3] == b"\x01\x00\x02" else 0.95
        return 0.8 if filename.lower().endswith((".sgn", ".sha512")) else 0.5

    def parse_file(self, data: bytes, ctx: Context):
        sf = decode_signed_file(data)
        h = sf.header
        name = h.filename or ctx.path.replace("\\", "/").rsplit("/", 1)[-1]
        signed = {"signed": True, "signer_serial": h.signer_serial, "signer_name": h.signer_name,
                  "signer_issuer": h.issuer_name, "signed_at": h.timestamp, "hash_alg": h.hash_name,
                  "signature": h.signature, "signed_digest": signed_digest(data, h) if sf.error is None else None,
                  "encrypted": bool(h.encryption), "sgn_error": str(sf.error) if sf.error else None,
                  # the signer is checked once every input is loaded (cmedebug.crosscheck), against the CTL
                  "verdict": "damaged" if sf.error else "not-checked",
                  "verdict_reason": f"the header is damaged at {sf.error}" if sf.error
                  else "no CTL/ITL in the evidence to check the signer against"}
        ctx.warnings += [f"{ctx.path}: {w}" for w in sf.warnings]
        ctx.warnings += [f"{ctx.path}: unknown header element: tag {u.tag} at offset {u.offset} "
                         f"({len(u.value)} bytes), kept" for u in sf.unknown_tags]
        if sf.error is not None:
            ctx.warnings.append(f"{ctx.path}: signed file damaged at {sf.error}")
            return [file_fact(ctx, "sgn.file", [f"{name}: damaged at {sf.error}"], filename=name, **signed)]
        if looks_like_phone_config(sf.content[:4096]):
            return [config_fact(sf.content, ctx, filename=name, **signed)]
        return [file_fact(ctx, "sgn.file", [f"{name}: signed by {h.signer_name} SN {h.signer_serial}"],
                          filename=name, content_bytes=len(sf.content), **signed)]
