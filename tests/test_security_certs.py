"""Certificate checks are not quadratic and their work is bounded (issue 11, item 4):
crafted certificates that all name one issuer, keys with huge public exponents,
and many certificates of one CA."""
from __future__ import annotations

import datetime as dt
import random
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from cmedebug.cert_index import IssuerIndex
from cmedebug.certs import analyze_certificate
from cmedebug.pipeline import load

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(subject: str, issuer: str, public_key, signer, serial: int) -> x509.Certificate:
    return (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(_name(issuer)).public_key(public_key)
            .serial_number(serial).not_valid_before(T0).not_valid_after(T0 + dt.timedelta(days=365))
            .sign(signer, hashes.SHA256()))


@pytest.fixture(scope="module")
def huge_exponent_keys():
    """RSA keys sharing one 2048-bit modulus, each with a ~2000-bit public exponent."""
    base = rsa.generate_private_key(65537, 2048).private_numbers()
    p, q = base.p, base.q
    phi = (p - 1) * (q - 1)
    rng, keys = random.Random(11), []
    while len(keys) < 30:
        e = rng.getrandbits(2000) | 1 | (1 << 1999)
        try:
            d = pow(e, -1, phi)
        except ValueError:
            continue
        keys.append(rsa.RSAPrivateNumbers(p, q, d, d % (p - 1), d % (q - 1), pow(q, -1, p),
                                          rsa.RSAPublicNumbers(e, p * q)).private_key())
    return keys


def test_same_named_certificates_with_huge_exponents_cost_no_signature_check(tmp_path, huge_exponent_keys):
    keys = huge_exponent_keys
    certs = [_cert("Evil CA", "Evil CA", k.public_key(), keys[(i + 1) % len(keys)], i + 1) for i, k in enumerate(keys)]
    pem = tmp_path / "evil.pem"
    pem.write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs))
    start = time.perf_counter()
    case = load([str(pem)])
    assert time.perf_counter() - start < 10  # the old code made 900 checks of ~10 ms each here
    analyses = list(case.facts_of("cert_analysis"))
    assert len(analyses) == 30
    for fact in analyses:
        codes = set(fact.fields["problem_codes"])
        assert {"rsa-key-refused", "chain-not-checked"} <= codes
        message = next(p["message"] for p in fact.fields["problems"] if p["code"] == "chain-not-checked")
        assert "public exponent is 2000 bits" in message


def test_each_pair_is_verified_once_and_the_bound_is_said():
    ca_key = rsa.generate_private_key(65537, 1024)
    other = rsa.generate_private_key(65537, 1024)
    # twelve certificates named "CA", none of which verifies the others: the worst case for name matching
    twins = [_cert("CA", "CA", other.public_key(), ca_key, i + 1) for i in range(12)]
    index = IssuerIndex(twins)
    for cert in twins:
        analyze_certificate(cert, issuers=index)
    assert index.checks == 12 * 12  # each cert against itself and the 11 others, once
    for cert in twins:  # a second pass is answered from the cache
        analyze_certificate(cert, issuers=index)
    assert index.checks == 144
    bounded = IssuerIndex(twins, max_checks=20)
    results = [analyze_certificate(cert, issuers=bounded) for cert in twins]
    assert bounded.checks == 20 and bounded.bound_hit
    stopped = [r for r in results if "chain-not-checked" in r.codes()]
    assert stopped and all("bound of 20 signature checks per case was reached" in p.message
                           for r in stopped for p in r.problems if p.code == "chain-not-checked")


def test_a_thousand_certificates_of_one_ca_are_checked_in_linear_time():
    ca_key = rsa.generate_private_key(65537, 1024)
    ca = _cert("CA", "CA", ca_key.public_key(), ca_key, 1)
    leaf_key = rsa.generate_private_key(65537, 1024)
    leaves = [_cert(f"SEP{i:012X}", "CA", leaf_key.public_key(), ca_key, i + 2) for i in range(1000)]
    index = IssuerIndex([ca, *leaves])
    start = time.perf_counter()
    results = [analyze_certificate(leaf, issuers=index) for leaf in leaves]
    assert time.perf_counter() - start < 20
    assert all(r.issuer_serial == "1" for r in results)
    assert index.checks == 1000  # one check per leaf: only the certificate named CA is a candidate
    assert len(index.named_issuers(leaves[0])) == 1


def test_a_repeated_certificate_is_one_candidate():
    key = rsa.generate_private_key(65537, 1024)
    ca = _cert("CA", "CA", key.public_key(), key, 1)
    copy = x509.load_der_x509_certificate(ca.public_bytes(serialization.Encoding.DER))
    leaf = _cert("CME", "CA", key.public_key(), key, 2)
    assert len(IssuerIndex([ca, copy, leaf]).named_issuers(leaf)) == 1
