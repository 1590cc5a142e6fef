"""One trust list or phone configuration file, decoded and checked, as a plain
view (``cmedebug ctl show``, ``cmedebug config show``).

The views hold values only (text, numbers, dates, bytes); ``reports/trust.py``
renders them as text or JSON, and the CLI reads the file and picks the exit
code. A file that is not of the kind asked for raises ``NotThisKind`` with a
message that says what to do instead.
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime

from cmedebug.cert_index import IssuerIndex
from cmedebug.certs import CTL_ROLES, analyze_certificate
from cmedebug.parsers.grammar import cert_fields
from cmedebug.parsers.phone_config import ConfigError, looks_like_phone_config, mac_from_name, read_phone_config
from cmedebug.parsers.signed_file import decode_signed_file, verify_signed_file
from cmedebug.parsers.tlv import MODULUS_BITS, header_end
from cmedebug.parsers.trustlist import TrustList, decode_trust_list, record_inconsistencies


class NotThisKind(ValueError):
    """The file is not what the command reads; the message names what it is."""


def read_trust_list(path: str, data: bytes) -> TrustList:
    """The decoded trust list in ``data`` (read from ``path``)."""
    end = header_end(data[:10])
    if end is None:
        raise NotThisKind(f"{path} is not a Cisco TLV trust list (it does not start with the VERSION and "
                          "HEADER LENGTH elements)")
    tl = decode_trust_list(data)
    named = (tl.header.filename or "").lower()
    if named and not named.endswith(".tlv") and data[end:end + 3] != b"\x01\x00\x02":
        raise NotThisKind(f"{path} is a signed file ({tl.header.filename}), not a trust list; "
                          f"try `cmedebug config show {path}`")
    return tl


# A trust list holds a few to a few dozen records; a crafted one can hold 200,000
# empty ones, which would make reports of tens of megabytes.
MAX_LISTED_RECORDS = 100


def unlisted_summary(rest: list[tuple[str | None, bool]]) -> str | None:
    """One line about the records past ``MAX_LISTED_RECORDS``: (role name, has a
    certificate) of each; None when there are none."""
    if not rest:
        return None
    roles = Counter(role or "no role" for role, _ in rest)
    empty = sum(1 for _, has_cert in rest if not has_cert)
    by_role = ", ".join(f"{role} {count:,}" for role, count in roles.most_common(5))
    return (f"{len(rest):,} more records not listed (only the first {MAX_LISTED_RECORDS} are): {empty:,} without "
            f"a certificate; roles: {by_role}" + (", ..." if len(roles) > 5 else ""))


def trust_list_view(path: str, tl: TrustList, verdict, when: datetime, label: str) -> dict:
    """Header, verdict and records of a trust list (the first ``MAX_LISTED_RECORDS``,
    then a summary), each certificate analysed at ``when`` (``label`` says what
    that time is: "now", "the --at time")."""
    h = tl.header
    records = []
    issuers = IssuerIndex(r.cert for r in tl.records if r.cert is not None)
    for rec in tl.records[:MAX_LISTED_RECORDS]:
        cert = rec.cert
        analysis = _analysis(issuers, rec, when, label)
        records.append({
            "index": rec.index, "offset": rec.offset, "length": rec.length, "role": rec.role,
            "role_name": rec.role_name, "subject": rec.subject, "issuer": rec.issuer, "serial": rec.serial,
            "ip_address": rec.ip_address, "dns_name": rec.dns_name, "cert_error": rec.cert_error,
            "inconsistencies": record_inconsistencies(rec),
            "certificate": cert_fields(cert) if cert is not None else None,
            "problems": [p.to_dict() for p in analysis.problems] if analysis else [],
            "strict_verifier": analysis.strict if analysis else None,
        })
    return {"path": path, "kind": tl.kind, "filename": h.filename, "version": h.version_text,
            "header_length": h.header_length, "signer_name": h.signer_name, "signer_serial": h.signer_serial,
            "signer_issuer": h.issuer_name, "signer_version": list(h.signer_version) if h.signer_version else None,
            "hash_alg": h.hash_name, "signature_bits": MODULUS_BITS.get(h.modulus),
            "signature_length": len(h.signature or b""), "timestamp": h.timestamp,
            "verdict": verdict.status, "verdict_reason": verdict.reason, "checked_at": when,
            "records": records, "records_total": len(tl.records),
            "records_not_listed": unlisted_summary([(r.role_name, r.cert is not None)
                                                    for r in tl.records[MAX_LISTED_RECORDS:]]),
            "error": str(tl.error) if tl.error else None, "warnings": tl.warnings,
            "unknown_tags": [{"where": u.where, "offset": u.offset, "tag": u.tag, "value": u.value}
                             for u in tl.unknown_tags]}


def _analysis(issuers: IssuerIndex, rec, when: datetime, label: str):
    """The analysis of a record's certificate (None without one), its issuer looked
    for among the list's certificates."""
    if rec.cert is None:
        return None
    return analyze_certificate(rec.cert, at=when, issuers=issuers, role=CTL_ROLES.get(rec.role_name), at_label=label)


def config_view(path: str, data: bytes, ctl: TrustList | None = None) -> tuple[dict, bool]:
    """The security settings of a phone configuration (signed or not) and, for a
    signed file, its signer and (given ``ctl``) whether a phone holding that CTL
    accepts the signature. Also whether the file passed its checks."""
    result: dict = {"path": path, "mac": mac_from_name(path), "signed": header_end(data[:10]) is not None}
    xml = data
    passed = True
    if result["signed"]:
        sf = decode_signed_file(data)
        h = sf.header
        result.update(filename=h.filename, signer_name=h.signer_name, signer_serial=h.signer_serial,
                      signer_issuer=h.issuer_name, signed_at=h.timestamp, hash_alg=h.hash_name,
                      error=str(sf.error) if sf.error else None)
        result["mac"] = mac_from_name(h.filename) or result["mac"]
        result["encrypted"] = bool(h.encryption)
        if ctl is not None:
            verdict = verify_signed_file(sf, ctl)
            result.update(verdict=verdict.status, verdict_reason=verdict.reason)
            passed = verdict.ok
        passed = passed and not sf.error
        xml = sf.content
    elif ctl is not None:
        result.update(verdict="unsigned", verdict_reason="the file carries no signature to check")
    if result.get("encrypted"):
        result["config"] = None  # AES ciphertext: only the phone's private key opens it
    elif not looks_like_phone_config(xml[:4096]):
        raise NotThisKind(f"{path} holds no phone configuration (no <device> XML)" if not result.get("error")
                          else f"{path}: signed file damaged at {result['error']}")
    else:
        try:
            result["config"] = read_phone_config(xml).fields()
        except ConfigError as exc:
            raise NotThisKind(f"{path}: {exc}") from None
    return result, passed
