"""Lenient certificate analysis: every problem of a certificate, none of them fatal.

IOS PKI issues X.509 v1 certificates, SHA-1 signatures, 1024-bit keys and no
SubjectAltName; ``cryptography``'s strict verifier rejects all of these, so this
module works on its primitives (names, extensions, the issuer's public key over
the TBS bytes) and reports each problem with its consequence instead.

The ``cert`` fact fields every certificate source shares are decoded by
``cmedebug.parsers.grammar``; PEM blocks in text are found by ``cmedebug.parsers.pem``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Iterable

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

from cmedebug.cert_index import IssuerIndex, key_refusal
from cmedebug.parsers.grammar import cert_fields, cert_serial, public_key_of, serial_der_bytes
from cmedebug.formatting import fmt_delta, fmt_time

ERROR, WARNING, INFO = "error", "warning", "info"


@dataclass(frozen=True)
class Problem:
    code: str  # kebab-case, stable: expired, not-yet-valid, sha1-signature, rsa-1024, ...
    severity: str  # error | warning | info
    message: str

    def to_dict(self) -> dict:
        return {"code": self.code, "severity": self.severity, "message": self.message}


@dataclass
class CertAnalysis:
    """What was checked on one certificate, and what is wrong with it."""

    fields: dict
    problems: list[Problem] = field(default_factory=list)
    issuer_serial: str | None = None  # the certificate whose key verified the signature
    self_signed: bool = False
    strict: str = ""  # what cryptography's strict RFC 5280 verifier says, for contrast

    def codes(self) -> set[str]:
        return {p.code for p in self.problems}


# -- validity ------------------------------------------------------------------

def validity_problems(not_before: datetime, not_after: datetime, when: datetime, whose: str) -> list[Problem]:
    """Expired or not-yet-valid at ``when`` (the time ``whose`` clock shows), by how much."""
    if when < not_before:
        return [Problem("not-yet-valid", ERROR,
                        f"not yet valid at {_fmt(when)} ({whose}): it starts {fmt_delta(not_before - when)} later, "
                        f"at {_fmt(not_before)}")]
    if when > not_after:
        return [Problem("expired", ERROR,
                        f"expired at {_fmt(when)} ({whose}): it ended {fmt_delta(when - not_after)} earlier, "
                        f"at {_fmt(not_after)}")]
    return []


def date_problems(not_before: datetime, not_after: datetime, at: datetime | None,
                  device_clocks: dict[str, datetime], at_label: str = "reference time") -> list[Problem]:
    """Validity at ``at`` (codes ``expired`` / ``not-yet-valid``) and at each device's
    believed time (the same codes with ``-on-device``)."""
    problems = validity_problems(not_before, not_after, at, at_label) if at is not None else []
    for device, believed in device_clocks.items():
        problems += [Problem(f"{p.code}-on-device", p.severity, p.message)
                     for p in validity_problems(not_before, not_after, believed, f"clock of {device}")]
    return problems


def _fmt(when: datetime) -> str:
    return fmt_time(when.astimezone(timezone.utc))


# -- the analyser ----------------------------------------------------------------

# what a certificate used for a role needs (formats.md 2.5, 8.1; the CME guide)
_ROLE_USAGE = {
    "ca": ("key_cert_sign",),
    "capf": ("digital_signature",),
    "ccm": ("digital_signature", "key_encipherment"),
    "ccm+tftp": ("digital_signature", "key_encipherment"),
    "tftp": ("digital_signature",),
    "sast": ("digital_signature",),
}
_TLS_SERVER_ROLES = ("ccm", "ccm+tftp", "capf")
# trust-list role name -> the role checked here
CTL_ROLES = {"SAST": "sast", "CCM": "ccm", "CCM+TFTP": "ccm+tftp", "TFTP": "tftp", "CAPF": "capf"}


def analyze_certificate(cert: x509.Certificate, *, at: datetime | None = None,
                        device_clocks: dict[str, datetime] | None = None,
                        issuers: Iterable[x509.Certificate] | IssuerIndex = (), role: str | None = None,
                        at_label: str = "reference time") -> CertAnalysis:
    """Every problem of ``cert``: validity at ``at`` and at each device's believed
    time, key and signature strength, chaining to one of ``issuers`` (or itself;
    pass one ``IssuerIndex`` for all the certificates of a case so that each
    signature is checked once and the work is bounded), and the extensions a
    certificate in ``role`` needs (ca, sast, ccm, ccm+tftp,
    tftp, capf)."""
    result = CertAnalysis(fields=cert_fields(cert))
    f = result.fields
    result.problems += date_problems(f["not_before"], f["not_after"], at, device_clocks or {}, at_label)
    result.problems += _strength_problems(cert, f)
    index = issuers if isinstance(issuers, IssuerIndex) else IssuerIndex(issuers)
    result.problems += _chain_problems(cert, index, result)
    if role:
        result.problems += _role_problems(cert, role.lower())
    result.strict = strict_verdict(cert, index, at)
    return result


# (encountered processing <Certificate(subject=<Name(CN=CME)>, ...)>)
_STRICT_CONTEXT = re.compile(r"\s*\(encountered processing .*$", re.S)


MAX_STRICT_ANCHORS = 4  # certificates named as the issuer that the strict verifier is given


def strict_verdict(cert: x509.Certificate, index: IssuerIndex, at: datetime | None) -> str:
    """'accepted' or 'rejected: <reason>' from cryptography's strict verifier (which
    refuses what IOS often issues: v1, no SAN...), or why it was not run."""
    basic = _extension(cert, x509.BasicConstraints)
    if basic is not None and basic.ca:
        return "not run: a CA certificate (the verifier checks end-entity certificates)"
    if cert.issuer == cert.subject:
        return "not run: self-signed (its own trust anchor)"
    anchors = index.named_issuers(cert)
    if not anchors:
        return "not run: the issuer is not in the evidence"
    if len(anchors) > MAX_STRICT_ANCHORS:
        return f"not run: {len(anchors)} certificates are named as its issuer"
    if any(key_refusal(public_key_of(a)) for a in anchors):
        return f"not run: {index.why_unchecked(anchors)}"
    try:
        builder = PolicyBuilder().store(Store(anchors))
        if at is not None:
            builder = builder.time(at)
        builder.build_client_verifier().verify(cert, [])
    except (VerificationError, ValueError, TypeError) as exc:
        return "rejected: " + _STRICT_CONTEXT.sub("", str(exc)).removeprefix("validation failed: ")
    return "accepted"


def _strength_problems(cert: x509.Certificate, f: dict) -> list[Problem]:
    out = []
    if f["key_type"] == "RSA" and f["key_size"] is not None:
        if f["key_size"] < 1024:
            out.append(Problem(f"rsa-{f['key_size']}", ERROR,
                               f"{f['key_size']}-bit RSA key: trivially breakable, refused by phone firmware and "
                               f"TLS libraries; re-enroll with `rsakeypair <label> 2048`"))
        elif f["key_size"] < 2048:
            out.append(Problem(f"rsa-{f['key_size']}", WARNING,
                               f"{f['key_size']}-bit RSA key: accepted by IOS and older phones, but below the 2048 "
                               f"bits that current phone firmware and TLS stacks expect"))
    sig = f["signature_hash"]
    if sig in ("md5", "md2"):
        out.append(Problem(f"{sig}-signature", ERROR, f"signed with {sig.upper()}: forgeable; refused by every "
                                                      f"current TLS stack"))
    elif sig == "sha1":
        out.append(Problem("sha1-signature", WARNING,
                           "signed with SHA-1: accepted by IOS and 79xx phones, rejected by newer phone firmware, "
                           "browsers and strict verifiers"))
    if serial_der_bytes(cert)[0] & 0x80:  # DER two's complement: a negative number
        out.append(Problem("negative-serial", WARNING,
                           f"serial {f['serial']} is encoded as a negative number, which RFC 5280 forbids: IOS "
                           f"accepts it, strict verifiers (and future cryptography releases) refuse it"))
    refusal = key_refusal(public_key_of(cert))
    if refusal:
        out.append(Problem("rsa-key-refused", ERROR, f"{refusal}; no real CA or device issues such a key"))
    if f["version"] == 1:
        out.append(Problem("x509-v1", INFO, "X.509 v1: no extensions (no basic constraints, key usage or key "
                                             "identifiers); normal for some IOS CAs, refused by strict verifiers"))
    return out


def _chain_problems(cert: x509.Certificate, index: IssuerIndex, result: CertAnalysis) -> list[Problem]:
    named_self = cert.issuer == cert.subject
    unchecked = []
    if named_self:
        verified = index.verifies(cert, cert)
        if verified:
            result.self_signed = True
            result.issuer_serial = result.fields["serial"]
            return []
        if verified is None:
            unchecked.append(cert)
    named = index.named_issuers(cert)
    if not named and not unchecked:
        if named_self:
            return [Problem("self-signature-invalid", ERROR, "subject equals issuer but the certificate's own key "
                                                             "does not verify its signature")]
        return [Problem("issuer-not-seen", INFO, f"issuer {cert.issuer.rfc4514_string()} is not among the "
                                                 f"certificates in the evidence; the chain was not checked")]
    for issuer in named:
        verified = index.verifies(cert, issuer)
        if verified:
            result.issuer_serial = cert_serial(issuer)
            return _key_id_problems(cert, issuer)
        if verified is None:
            unchecked.append(issuer)
    if unchecked:
        return [Problem("chain-not-checked", WARNING,
                        f"the signature was not checked: {index.why_unchecked(unchecked)}")]
    serials = [cert_serial(i) for i in named]
    listed = ", ".join(serials[:5]) + (f" and {len(serials) - 5} more" if len(serials) > 5 else "")
    return [Problem("issuer-signature-invalid", ERROR,
                    f"a certificate named {cert.issuer.rfc4514_string()} is present "
                    f"(serial {listed}) but its key "
                    f"does not verify this certificate: the CA was rebuilt or re-keyed after issuing it")]


def _extension(cert: x509.Certificate, ext_type):
    try:
        return cert.extensions.get_extension_for_class(ext_type).value
    except (x509.ExtensionNotFound, ValueError):
        return None


def _key_id_problems(cert: x509.Certificate, issuer: x509.Certificate) -> list[Problem]:
    aki = _extension(cert, x509.AuthorityKeyIdentifier)
    ski = _extension(issuer, x509.SubjectKeyIdentifier)
    if aki is not None and aki.key_identifier and ski is not None and aki.key_identifier != ski.digest:
        return [Problem("key-identifier-mismatch", WARNING,
                        f"authority key identifier {aki.key_identifier.hex().upper()} differs from the issuer's "
                        f"subject key identifier {ski.digest.hex().upper()}; strict clients may not build the chain")]
    return []


def _role_problems(cert: x509.Certificate, role: str) -> list[Problem]:
    out = []
    basic = _extension(cert, x509.BasicConstraints)
    usage = _extension(cert, x509.KeyUsage)
    if role == "ca" and (basic is None or not basic.ca):
        out.append(Problem("not-a-ca", ERROR, "used as a CA but basic constraints do not say CA:TRUE"))
    if role == "capf" and (basic is None or not basic.ca):
        out.append(Problem("capf-not-ca", WARNING, "CAPF certificate without CA:TRUE: CUCM 14SU2 and later "
                                                   "require CA:TRUE, pathlen 0 and keyCertSign for CAPF"))
    if usage is not None:
        missing = [u for u in _ROLE_USAGE.get(role, ()) if not getattr(usage, u)]
        if missing:
            out.append(Problem("key-usage-missing", ERROR,
                               f"key usage lacks {', '.join(missing)}, which the {role.upper()} role needs"))
    eku = _extension(cert, x509.ExtendedKeyUsage)
    if role in _TLS_SERVER_ROLES and eku is not None and ExtendedKeyUsageOID.SERVER_AUTH not in eku:
        out.append(Problem("no-server-auth", ERROR, f"extended key usage lacks serverAuth: phones refuse it as "
                                                    f"the {role.upper()} TLS server certificate"))
    return out


def der_of(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)
