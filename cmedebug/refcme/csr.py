"""A PKCS#10 request whose signature comes from elsewhere: CAPF builds the request
for the key the phone generated, and the phone signs it (the encrypt round trip,
session state `AWAIT ENCRYPT MSG RESP`); CAPF then holds a real, verifiable CSR.

Only the DER needed for that: CertificationRequestInfo (RFC 2986) and the
CertificationRequest around it, with sha256WithRSAEncryption.
"""
from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives import serialization

# AlgorithmIdentifier sha256WithRSAEncryption (1.2.840.113549.1.1.11), NULL parameters
SHA256_WITH_RSA = bytes.fromhex("300d06092a864886f70d01010b0500")


def _tlv(tag: int, value: bytes) -> bytes:
    size = len(value)
    if size < 0x80:
        return bytes([tag, size]) + value
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(length)]) + length + value


def request_info(subject: x509.Name, spki_der: bytes) -> bytes:
    """CertificationRequestInfo: version 0, subject, the phone's SubjectPublicKeyInfo, no attributes."""
    return _tlv(0x30, b"\x02\x01\x00" + subject.public_bytes() + spki_der + b"\xa0\x00")


def assemble(info: bytes, signature: bytes) -> x509.CertificateSigningRequest:
    """The CSR from its signed part and the phone's PKCS#1 v1.5 SHA-256 signature."""
    der = _tlv(0x30, info + SHA256_WITH_RSA + _tlv(0x03, b"\x00" + signature))
    return x509.load_der_x509_csr(der)


def der(csr: x509.CertificateSigningRequest) -> bytes:
    return csr.public_bytes(serialization.Encoding.DER)
