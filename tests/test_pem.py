"""PEM blocks anywhere in a text log (parsers/pem.py)."""
from __future__ import annotations

from cryptography.hazmat.primitives import serialization

from certfactory import issue, rsa_key
from cmedebug.parsers.grammar import norm_serial
from show_helpers import facts, load_text


def _pem(cert) -> list[str]:
    return cert.public_bytes(serialization.Encoding.PEM).decode().splitlines()


def _encrypted_key_lines() -> list[str]:
    key = rsa_key(1024, slot=7).private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                              serialization.BestAvailableEncryption(b"cisco123"))
    return key.decode().splitlines()


def test_certificate_pasted_by_itself_after_a_log_message(tmp_path):
    cert = issue("CME", slot=1).cert
    case = load_text(tmp_path, "\n".join(["*Mar  1 00:03:47.483: %PKI-6-CERTRET: Certificate received from Certificate Authority",
                                           *_pem(cert), "Router#show clock"]) + "\n")
    fact, = facts(case, "cert")
    assert fact.fields["serial"] == norm_serial(format(cert.serial_number, "X"))
    assert fact.fields["subject"] == cert.subject.rfc4514_string() and fact.fields["origin"] == "pem"
    assert fact.fields["der"] == cert.public_bytes(serialization.Encoding.DER)
    assert (fact.source.first_line, fact.source.last_line) == (2, 1 + len(_pem(cert)))
    assert [e.kind for e in case.events] == ["pki.enroll.cert_received"]  # the message keeps its own line only
    assert case.inputs[0].unparsed_lines == 0


def test_crypto_pki_export_gives_certificates_and_only_the_presence_of_the_key(tmp_path):
    ca, own = issue("CA", slot=2).cert, issue("CME", slot=3).cert
    key_lines = _encrypted_key_lines()
    case = load_text(tmp_path, "\n".join([
        "Router(config)# crypto pki export cme_cert pem terminal 3des cisco123",
        "% CA certificate:", *_pem(ca),
        "% Key name: cme_cert", "   Usage: General Purpose Key", *key_lines,
        "% Certificate:", *_pem(own),
    ]) + "\n")
    certs = facts(case, "cert")
    assert [(c.fields["subject"], c.fields["role"], c.fields["trustpoints"]) for c in certs] == [
        (ca.subject.rfc4514_string(), "ca", ["cme_cert"]), (own.subject.rfc4514_string(), "id", ["cme_cert"])]
    key, = facts(case, "private_key")
    assert key.fields == {"label": "RSA PRIVATE KEY", "key_name": "cme_cert", "encrypted": True, "complete": True}
    assert key.raw == () and (key.source.first_line, key.source.last_line) == (5 + len(_pem(ca)),
                                                                              4 + len(_pem(ca)) + len(key_lines))
    assert key_lines[1] == "Proc-Type: 4,ENCRYPTED" and key_lines[3] == ""  # the shape IOS prints
    stored = repr([(f.fields, f.raw) for f in case.facts]) + repr([u.text for u in case.unparsed])
    assert not [line for line in key_lines[4:-1] if line in stored]
    assert case.inputs[0].unparsed_lines == 0


def test_damaged_and_cut_certificate_blocks_are_reported(tmp_path):
    lines = _pem(issue("CME", slot=1).cert)
    damaged = [lines[0], lines[1][:10] + "!!" + lines[1][12:], *lines[2:]]
    case = load_text(tmp_path, "\n".join([*damaged, "", lines[0], *lines[1:4], "Router#show clock"]) + "\n")
    bad = facts(case, "pem.undecodable")
    assert len(bad) == 2 and not facts(case, "cert")
    assert bad[0].source.first_line == 1 and bad[1].source.first_line == len(lines) + 2
    assert "ends inside" in bad[1].fields["reason"]
    assert any("PEM certificate block could not be read" in w for w in case.inputs[0].warnings)


def test_pem_inside_show_crypto_pki_certificates_stays_that_parsers(tmp_path):
    cert = issue("CME", slot=1).cert
    case = load_text(tmp_path, "\n".join(["Router#show crypto pki certificates", "Certificate",
                                           "  Status: Available", *_pem(cert)]) + "\n")
    fact, = facts(case, "cert")
    assert "pem" in fact.fields and fact.fields.get("origin") is None


def test_pem_armour_around_a_crypto_pki_authenticate_paste(tmp_path):
    cert = issue("CA", slot=2).cert
    case = load_text(tmp_path, "\n".join(["Router(config)# crypto pki authenticate CAPF-LAB",
                                           "Enter the base 64 encoded CA certificate.",
                                           "End with a blank line or the word \"quit\" on a line by itself",
                                           *_pem(cert), "quit"]) + "\n")
    fact, = facts(case, "cert")
    assert fact.fields["origin"] == "crypto pki authenticate" and fact.fields["trustpoints"] == ["CAPF-LAB"]
    assert fact.fields["subject"] == cert.subject.rfc4514_string()
