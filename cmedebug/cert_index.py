"""Who may have issued a certificate, found without comparing every certificate
with every other one, and signature checks done once and bounded.

Evidence can hold thousands of certificates, or a hundred crafted ones that all
name the same issuer and carry RSA keys with huge public exponents (each check
then costs a private-key operation). ``IssuerIndex`` is built once per case:

* candidates come from an index by subject name, those whose subject key
  identifier matches the certificate's authority key identifier first;
* each (certificate, issuer) pair is verified at most once (cached);
* RSA keys whose public exponent is longer than ``MAX_RSA_EXPONENT_BITS`` (real
  keys use 65537, 17 bits) or whose modulus is longer than ``MAX_RSA_BITS`` are
  never used to verify: ``refusal`` says why;
* at most ``max_checks`` signature checks are made per case; past that, a
  chain is reported as not checked, saying the bound was reached.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa

from cmedebug.parsers.grammar import public_key_of

MAX_SIGNATURE_CHECKS = 5_000  # per case; ordinary evidence needs one per certificate
MAX_RSA_EXPONENT_BITS = 64
MAX_RSA_BITS = 16_384


def name_key(get) -> tuple | None:
    """A hashable form of a name that compares as ``x509.Name`` does (attribute
    types and values, not their string encodings), or None when it does not parse."""
    try:
        return tuple(tuple(sorted((a.oid.dotted_string, str(a.value)) for a in rdn)) for rdn in get().rdns)
    except (ValueError, KeyError):
        return None


def key_refusal(key) -> str | None:
    """Why a public key is never used to verify a signature, or None."""
    if isinstance(key, rsa.RSAPublicKey):
        bits = key.public_numbers().e.bit_length()
        if bits > MAX_RSA_EXPONENT_BITS:
            return (f"its RSA public exponent is {bits} bits long (real keys use 65537, 17 bits): a shape that makes "
                    "each check cost seconds, so signatures are not checked with it")
        if key.key_size > MAX_RSA_BITS:
            return f"its RSA key is {key.key_size} bits, more than the {MAX_RSA_BITS} any real device uses"
    return None


class IssuerIndex:
    """The certificates of one case, indexed by subject name and key identifier,
    with a cache and a bound for signature checks."""

    def __init__(self, certs: Iterable[x509.Certificate], max_checks: int = MAX_SIGNATURE_CHECKS):
        self.max_checks = max_checks
        self.checks = 0
        self.bound_hit = False
        self._by_name: dict[tuple, list[x509.Certificate]] = defaultdict(list)
        self._seen: set[bytes] = set()
        self._verified: dict[tuple[int, int], bool] = {}
        for cert in certs:
            self.add(cert)

    def add(self, cert: x509.Certificate) -> None:
        der = cert.tbs_certificate_bytes + cert.signature
        if der in self._seen:  # the same certificate from two inputs: one candidate
            return
        self._seen.add(der)
        key = name_key(lambda: cert.subject)
        if key is not None:
            self._by_name[key].append(cert)

    def named_issuers(self, cert: x509.Certificate) -> list[x509.Certificate]:
        """The certificates whose subject is ``cert``'s issuer (``cert`` itself
        excluded), those with a subject key identifier equal to ``cert``'s
        authority key identifier first."""
        key = name_key(lambda: cert.issuer)
        named = [c for c in self._by_name.get(key, ()) if c is not cert] if key is not None else []
        aki = _key_identifier(cert, x509.AuthorityKeyIdentifier)
        if aki is not None and len(named) > 1:
            named.sort(key=lambda c: _key_identifier(c, x509.SubjectKeyIdentifier) != aki)
        return named

    def verifies(self, cert: x509.Certificate, issuer: x509.Certificate) -> bool | None:
        """Whether ``issuer``'s key verifies ``cert`` (cached); None when it was not
        checked (the key is refused, or the case's bound of checks is reached)."""
        pair = (id(cert), id(issuer))
        if pair in self._verified:
            return self._verified[pair]
        if key_refusal(public_key_of(issuer)) is not None:
            return None
        if self.checks >= self.max_checks:
            self.bound_hit = True
            return None
        self.checks += 1
        self._verified[pair] = result = signed_by(cert, issuer)
        return result

    def why_unchecked(self, issuers: list[x509.Certificate]) -> str:
        """Why a chain through ``issuers`` was not (fully) checked."""
        refused = [reason for i in issuers if (reason := key_refusal(public_key_of(i)))]
        if refused:
            return f"the issuer's key was not used: {refused[0]}"
        return (f"the bound of {self.max_checks:,} signature checks per case was reached (crafted or very many "
                "certificates); the rest were not checked")


def _key_identifier(cert: x509.Certificate, ext_type) -> bytes | None:
    try:
        value = cert.extensions.get_extension_for_class(ext_type).value
    except (x509.ExtensionNotFound, ValueError):
        return None
    return value.key_identifier if ext_type is x509.AuthorityKeyIdentifier else value.digest


def signed_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """Whether ``issuer``'s public key verifies ``cert``'s signature (no name, date or extension checks)."""
    key = issuer.public_key()
    try:
        algorithm = cert.signature_hash_algorithm
        if isinstance(key, rsa.RSAPublicKey):
            pad = cert.signature_algorithm_parameters
            key.verify(cert.signature, cert.tbs_certificate_bytes,
                       pad if isinstance(pad, padding.AsymmetricPadding) else padding.PKCS1v15(), algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(algorithm))
        elif _is_dsa(key):
            key.verify(cert.signature, cert.tbs_certificate_bytes, algorithm)
        elif isinstance(key, (ed25519.Ed25519PublicKey, ed448.Ed448PublicKey)):
            key.verify(cert.signature, cert.tbs_certificate_bytes)
        else:
            return False
    except (InvalidSignature, UnsupportedAlgorithm, ValueError, TypeError):
        return False
    return True


def _is_dsa(key) -> bool:
    return type(key).__name__ == "DSAPublicKey"  # not isinstance: the dsa module is deprecated (warns)
