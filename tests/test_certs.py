"""Lenient certificate analysis: every problem reported, IOS-style certificates accepted."""
from __future__ import annotations

from datetime import timedelta

from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import ExtendedKeyUsageOID

from certfactory import T0, issue, issue_v1, rsa_key, rsa_key_512, usage
from cmedebug.cert_index import signed_by
from cmedebug.certs import analyze_certificate, cert_fields
from cmedebug.parsers.pem import find_pem_blocks


def codes(result) -> set[str]:
    return result.codes()


def test_expired_and_not_yet_valid_say_by_how_much():
    cert = issue("CME", not_before=T0, days=365).cert
    late = analyze_certificate(cert, at=T0 + timedelta(days=368, hours=2))
    (p,) = [p for p in late.problems if p.code == "expired"]
    assert p.severity == "error" and "3 days 2 h earlier" in p.message and "2027-01-01 00:00:00 UTC" in p.message
    early = analyze_certificate(cert, at=T0 - timedelta(minutes=90))
    (p,) = [p for p in early.problems if p.code == "not-yet-valid"]
    assert "1 h 30 min later" in p.message
    assert not {"expired", "not-yet-valid"} & codes(analyze_certificate(cert, at=T0 + timedelta(days=1)))


def test_each_device_clock_is_checked_separately():
    cert = issue("CME", not_before=T0).cert
    result = analyze_certificate(cert, at=T0 + timedelta(days=1), device_clocks={
        "CME": T0.replace(year=1993), "RTR2": T0 + timedelta(days=2)})
    on_device = [p for p in result.problems if p.code.endswith("-on-device")]
    assert [p.code for p in on_device] == ["not-yet-valid-on-device"]
    assert "clock of CME" in on_device[0].message and "1993" in on_device[0].message


def test_ios_style_v1_sha1_1024_is_accepted_with_warnings():
    ca = issue_v1("cme_root", serial=1)
    leaf = issue_v1("CME", issuer=ca, key=rsa_key(1024, 1), serial=7)
    result = analyze_certificate(leaf.cert, at=T0 + timedelta(days=1), issuers=[ca.cert])
    assert codes(result) == {"x509-v1", "sha1-signature", "rsa-1024"}
    assert {p.severity for p in result.problems} == {"info", "warning"}
    assert result.issuer_serial == "1" and not result.self_signed
    assert result.fields["version"] == 1 and result.fields["signature_hash"] == "sha1"
    ca_result = analyze_certificate(ca.cert)
    assert ca_result.self_signed and "self-signature-invalid" not in codes(ca_result)


def test_512_bit_key_and_md5_are_errors():
    weak = issue_v1("old", key=rsa_key_512(), hash_alg="md5")
    result = analyze_certificate(weak.cert)
    errors = {p.code for p in result.problems if p.severity == "error"}
    assert errors == {"rsa-512", "md5-signature"}
    assert result.self_signed


def test_rebuilt_ca_does_not_verify_old_certificates():
    """Same CA name, new key (the CA was rebuilt): the old leaf no longer chains."""
    old_ca = issue("CME-CA", ca=True, slot=0)
    leaf = issue("CME", issuer=old_ca, slot=1)
    rebuilt = issue("CME-CA", ca=True, slot=2)
    result = analyze_certificate(leaf.cert, issuers=[rebuilt.cert])
    assert "issuer-signature-invalid" in codes(result)
    assert result.issuer_serial is None
    ok = analyze_certificate(leaf.cert, issuers=[rebuilt.cert, old_ca.cert])
    assert "issuer-signature-invalid" not in codes(ok)
    assert ok.issuer_serial == cert_fields(old_ca.cert)["serial"]


def test_missing_issuer_is_only_noted():
    ca = issue("CME-CA", ca=True, slot=0)
    result = analyze_certificate(issue("CME", issuer=ca, slot=1).cert)
    assert [(p.code, p.severity) for p in result.problems] == [("rsa-1024", "warning"), ("issuer-not-seen", "info")]


def test_key_identifier_mismatch():
    ca = issue("CME-CA", ca=True, slot=0)
    leaf = issue("CME", issuer=ca, slot=1, aki_from=rsa_key(1024, 3))
    result = analyze_certificate(leaf.cert, issuers=[ca.cert])
    assert "key-identifier-mismatch" in codes(result)
    assert signed_by(leaf.cert, ca.cert)


def test_role_requirements():
    ca = issue("CME-CA", ca=True, slot=0)
    no_ca = issue("ROOT", slot=1)
    assert "not-a-ca" in codes(analyze_certificate(no_ca.cert, role="ca"))
    assert "not-a-ca" not in codes(analyze_certificate(ca.cert, role="ca"))
    capf = issue("CAPF", issuer=ca, slot=2, key_usage=usage(digital_signature=True))
    assert "capf-not-ca" in codes(analyze_certificate(capf.cert, issuers=[ca.cert], role="capf"))
    signing_only = issue("CME", issuer=ca, slot=3, key_usage=usage(digital_signature=True),
                         eku=[ExtendedKeyUsageOID.CLIENT_AUTH])
    result = analyze_certificate(signing_only.cert, issuers=[ca.cert], role="ccm")
    assert {"key-usage-missing", "no-server-auth"} <= codes(result)
    assert "key_encipherment" in next(p.message for p in result.problems if p.code == "key-usage-missing")
    good = issue("CME", issuer=ca, slot=3, key_usage=usage(digital_signature=True, key_encipherment=True),
                 eku=[ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH], hash_alg=hashes.SHA256)
    assert codes(analyze_certificate(good.cert, issuers=[ca.cert], role="ccm")) == {"rsa-1024"}


def test_cert_fields_vocabulary():
    cert = issue("CME", serial=0x0A1B, slot=1).cert
    f = cert_fields(cert)
    assert f["serial"] == "A1B" and f["key_type"] == "RSA" and f["key_size"] == 1024
    assert f["subject"] == "CN=CME,OU=VTG,O=Alpha,C=US"
    assert f["not_before"] == T0 and f["not_before"].tzinfo is not None
    assert f["fingerprint_sha1"] == cert.fingerprint(hashes.SHA1()).hex().upper()


def test_find_pem_blocks_with_line_numbers_and_errors():
    cert = issue("CME", slot=1).cert
    from cryptography.hazmat.primitives import serialization

    pem = cert.public_bytes(serialization.Encoding.PEM).decode().splitlines()
    lines = ["Router#show run", *pem, "noise",
             "-----BEGIN CERTIFICATE-----", "not base64 !!", "-----END CERTIFICATE-----",
             "-----BEGIN CERTIFICATE-----", "MIIB"]
    blocks = list(find_pem_blocks(iter(lines)))
    assert [(b.first_line, b.last_line) for b in blocks] == [(2, 1 + len(pem)), (3 + len(pem), 5 + len(pem)),
                                                            (6 + len(pem), 7 + len(pem))]
    assert blocks[0].certificate == cert and blocks[0].error is None
    assert blocks[1].certificate is None and "does not decode" in blocks[1].error
    assert "ends inside" in blocks[2].error


def test_pem_block_without_end_does_not_swallow_the_log():
    lines = ["-----BEGIN CERTIFICATE-----"] + ["AAAA"] * 1000
    (block,) = list(find_pem_blocks(lines))
    assert block.error.startswith("no END CERTIFICATE line") and block.last_line < 500


def test_v1_certificate_without_extensions_is_analysed():
    """A certificate cryptography's strict verifier would refuse (v1, no SAN) still gets a report."""
    cert = issue_v1("CME").cert
    assert len(cert.extensions) == 0
    assert analyze_certificate(cert).fields["subject"] == "CN=CME,OU=VTG,O=Alpha,C=US"


def test_strict_verifier_verdict_is_reported_alongside():
    """cryptography's strict verifier refuses IOS-style certificates the lenient analysis accepts."""
    ca = issue_v1("cme_root", serial=1)
    leaf = issue_v1("CME", issuer=ca, key=rsa_key(1024, 1), serial=7)
    assert analyze_certificate(leaf.cert, at=T0, issuers=[ca.cert]).strict == (
        "rejected: certificate must be an X509v3 certificate")
    v3_ca = issue("CME-CA", ca=True, slot=0)
    no_san = issue("CME", issuer=v3_ca, slot=1)
    assert "2.5.29.17" in analyze_certificate(no_san.cert, at=T0, issuers=[v3_ca.cert]).strict  # no SAN
    assert analyze_certificate(no_san.cert, at=T0).strict == "not run: the issuer is not in the evidence"
    assert analyze_certificate(v3_ca.cert, at=T0).strict.startswith("not run: a CA certificate")
    assert analyze_certificate(ca.cert, at=T0).strict == "not run: self-signed (its own trust anchor)"
    strict_ca = issue("CME-CA", ca=True, key=rsa_key(2048, 0), key_usage=usage(key_cert_sign=True, crl_sign=True))
    modern = issue("cme.example.com", issuer=strict_ca, key=rsa_key(2048, 1), san="cme.example.com",
                   key_usage=usage(digital_signature=True, key_encipherment=True),
                   eku=[ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.SERVER_AUTH])
    assert analyze_certificate(modern.cert, at=T0 + timedelta(days=1), issuers=[strict_ca.cert]).strict == "accepted"
    assert analyze_certificate(modern.cert, at=T0 + timedelta(days=400), issuers=[strict_ca.cert]).strict.startswith(
        "rejected: cert is not valid at validation time")


def test_negative_serial_keeps_the_raw_bytes_ios_prints():
    """A CA that wrote the serial 81 23 45 67 89 AB CD EF without a leading zero made it negative."""
    raw = 0x8123456789ABCDEF
    cert = issue_v1("CME", serial=raw - (1 << 64)).cert
    result = analyze_certificate(cert)
    assert result.fields["serial"] == "8123456789ABCDEF"
    assert "negative-serial" in codes(result)
    from cmedebug.parsers.tlv import serial_bytes

    assert serial_bytes(cert) == raw.to_bytes(8, "big")


def test_serials_are_the_der_bytes_ios_prints_without_deprecation_warnings():
    import warnings

    from cryptography.hazmat.primitives import serialization

    from cmedebug.parsers.grammar import cert_serial, load_certificate
    from cmedebug.parsers.show_pki_certificates import decoded_fields

    cases = [(issue_v1("CME", serial=0xF301 - (1 << 16)).cert, "F301"),  # corpus 16's CAPF-7D7D0C0 root
             (issue_v1("CME", serial=-128).cert, "80"),  # one byte: 80, not FF80
             (issue_v1("CME", serial=0x1A).cert, "1A"),  # v1: no version field before the serial
             (issue("CME", serial=0x80).cert, "80"),  # DER writes 00 80; IOS prints 80
             (issue("CME", serial=0x0B01).cert, "B01")]
    for cert, printed in cases:
        der = cert.public_bytes(serialization.Encoding.DER)
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            loaded = load_certificate(der)
            assert cert_serial(loaded) == printed
            assert decoded_fields(loaded)["serial"] == printed and cert_fields(loaded)["serial"] == printed
            assert load_certificate(cert.public_bytes(serialization.Encoding.PEM)) == loaded
        assert seen == [], [str(w.message) for w in seen]


def test_negative_serial_of_corpus_16_reads_as_printed(corpus_dir):
    import warnings

    from cmedebug.pipeline import load

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        case = load([str(next(corpus_dir.glob("16_*.log")))])
    assert not [w for w in seen if "serial number" in str(w.message)]
    serials = {f.fields["subject"]: f.fields["serial"] for f in case.facts if f.kind == "cert"}
    assert serials["CN=CAPF-7D7D0C0,O=Cisco Systems Inc,C=US"] == "F301"
