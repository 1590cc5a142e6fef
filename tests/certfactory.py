"""Real certificates for tests: a small CA that issues RSA certificates the way
IOS does (including the lenient cases: X.509 v1, SHA-1, 1024-bit, no SAN)."""
from __future__ import annotations

import math
import random
import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


@lru_cache(maxsize=None)
def rsa_key(bits: int = 1024, slot: int = 0) -> rsa.RSAPrivateKey:
    """Keys are cached per (size, slot): key generation dominates test time."""
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


@lru_cache(maxsize=None)
def rsa_key_512() -> rsa.RSAPrivateKey:
    """A 512-bit key as IOS `crypto key generate rsa` (or autogen) still makes;
    cryptography no longer generates keys this small, so the primes are found here."""
    rng = random.Random(512)

    def prime() -> int:
        while True:
            n = rng.getrandbits(256) | (1 << 255) | 1
            if all(pow(a, n - 1, n) == 1 for a in (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37)):
                return n

    e = 65537
    while True:
        p, q = prime(), prime()
        phi = (p - 1) * (q - 1)
        if p != q and math.gcd(e, phi) == 1 and (p * q).bit_length() == 512:
            break
    d = pow(e, -1, phi)
    return rsa.RSAPrivateNumbers(p, q, d, d % (p - 1), d % (q - 1), pow(q, -1, p),
                                 rsa.RSAPublicNumbers(e, p * q)).private_key()


def name(cn: str, ou: str = "VTG", o: str = "Alpha") -> x509.Name:
    # RDN order as many CAs write it; Cisco's record text reorders it
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "US"), x509.NameAttribute(NameOID.ORGANIZATION_NAME, o),
                      x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, ou),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


@dataclass
class Issued:
    cert: x509.Certificate
    key: rsa.RSAPrivateKey


def issue(cn: str, *, key: rsa.RSAPrivateKey | None = None, issuer: Issued | None = None, serial: int | None = None,
          not_before: datetime = T0, days: int = 365, ca: bool = False, hash_alg=hashes.SHA256,
          key_usage: x509.KeyUsage | None = None, eku: list | None = None, slot: int = 0,
          aki_from: rsa.RSAPrivateKey | None = None, san: str | None = None) -> Issued:
    """A v3 certificate; ``aki_from`` puts another key's identifier in the AKI."""
    key = key or rsa_key(1024, slot)
    builder = (x509.CertificateBuilder().subject_name(name(cn))
               .issuer_name(issuer.cert.subject if issuer else name(cn)).public_key(key.public_key())
               .serial_number(serial if serial is not None else x509.random_serial_number())
               .not_valid_before(not_before).not_valid_after(not_before + timedelta(days=days)))
    builder = builder.add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    builder = builder.add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    if issuer is not None or aki_from is not None:
        aki_key = aki_from or issuer.key
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(aki_key.public_key()), critical=False)
    if key_usage is not None:
        builder = builder.add_extension(key_usage, critical=True)
    if san is not None:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(san)]), critical=False)
    if eku is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage(eku), critical=False)
    cert = builder.sign((issuer.key if issuer else key), hash_alg())
    return Issued(cert, key)


def usage(**on) -> x509.KeyUsage:
    flags = dict(digital_signature=False, content_commitment=False, key_encipherment=False, data_encipherment=False,
                 key_agreement=False, key_cert_sign=False, crl_sign=False, encipher_only=False, decipher_only=False)
    flags.update(on)
    return x509.KeyUsage(**flags)


def _der(tag: int, body: bytes) -> bytes:
    n = len(body)
    size = (n.bit_length() + 7) // 8
    length = bytes([n]) if n < 0x80 else bytes([0x80 | size]) + n.to_bytes(size, "big")
    return bytes([tag]) + length + body


_SIG_OIDS = {"sha1": ("2a864886f70d010105", hashes.SHA1), "md5": ("2a864886f70d010104", hashes.MD5)}


def issue_v1(cn: str, *, key: rsa.RSAPrivateKey | None = None, issuer: Issued | None = None, serial: int = 0x1A,
             not_before: datetime = T0, days: int = 365, hash_alg: str = "sha1") -> Issued:
    """An X.509 v1 certificate (no version field, no extensions) signed with SHA-1
    (or MD5), as old IOS CAs issue them. cryptography's builder always writes v3, so the
    TBS is assembled here in DER."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import padding

    key = key or rsa_key(1024)
    signer = issuer.key if issuer else key
    oid, hash_class = _SIG_OIDS[hash_alg]
    sig_alg = _der(0x30, _der(0x06, bytes.fromhex(oid)) + b"\x05\x00")
    when = lambda d: _der(0x17, d.strftime("%y%m%d%H%M%SZ").encode())  # noqa: E731
    tbs = _der(0x30, b"".join([
        # negative: as some CAs do; minimal two's complement, as DER requires (-128 is one byte: 80)
        _der(0x02, serial.to_bytes(((serial if serial >= 0 else ~serial).bit_length() + 8) // 8, "big", signed=True)),
        sig_alg,
        (issuer.cert.subject if issuer else name(cn)).public_bytes(),
        _der(0x30, when(not_before) + when(not_before + timedelta(days=days))),
        name(cn).public_bytes(),
        key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo),
    ]))
    signature = signer.sign(tbs, padding.PKCS1v15(), hash_class())
    der = _der(0x30, tbs + sig_alg + _der(0x03, b"\x00" + signature))
    with warnings.catch_warnings():  # a negative serial is deprecated, and exactly what some tests need
        warnings.simplefilter("ignore")
        return Issued(x509.load_der_x509_certificate(der), key)
