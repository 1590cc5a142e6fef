"""show crypto pki certificates / trustpoints / server / server requests."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from cryptography.hazmat.primitives import serialization

from certfactory import issue
from cmedebug.pipeline import load
from show_helpers import GOLDEN, facts, load_text, unparsed_texts

PST = timezone(timedelta(hours=-8))


def test_certificates_of_corpus_19(corpus_dir):
    case = load([str(next(corpus_dir.glob("19_*.log")))])
    certs = facts(case, "cert")
    assert [c.fields["serial"] for c in certs] == ["7", "6", "2", "1"]
    ca = certs[-1].fields
    assert ca["role"] == "ca" and ca["subject"] == "cn=cme_root" and ca["usage"] == "Signature"
    assert ca["trustpoints"] == ["cisco2", "cisco1", "cme_cert", "cme_root"]
    assert ca["not_before"] == datetime(2010, 3, 10, 8, 44, tzinfo=PST)
    assert ca["not_after"] == datetime(2030, 3, 10, 9, 44, tzinfo=PST)
    first = certs[0]
    assert first.fields["role"] == "id" and first.fields["subject_name"] == "CME1.cisco.com"
    assert first.fields["subject"] == "hostname=CME1.cisco.com" and first.fields["issuer"] == "cn=cme_root"
    assert first.fields["storage"] == "nvram:cme_root#7.cer" and first.device == "Router"
    assert (first.source.first_line, first.source.last_line) == (12, 24)
    assert case.inputs[0].coverage == 1.0


def test_verbose_certificates_of_corpus_21(corpus_dir):
    case = load([str(next(corpus_dir.glob("21_*.log")))])
    leaf, ca = facts(case, "cert")
    assert leaf.fields["serial"] == "DC" and leaf.fields["key_size"] == 4096
    assert leaf.fields["sig_alg"] == "SHA256 with RSA Encryption"
    assert leaf.fields["key_usage"] == ["Digital Signature", "Key Encipherment"]
    assert leaf.fields["fingerprint_sha1"] == "42CD404B43BF7AD0AD516F90565087D404277F15"
    assert leaf.fields["install_time"] == datetime(2024, 2, 19, 22, 35, 39, tzinfo=timezone.utc)
    assert ca.fields["is_ca"] is True and ca.fields["trustpoints"] == ["4k_keypair", "TP_IP6", "4k"]
    key, = facts(case, "platform.key")
    assert key.fields["label"] == "4k_keypair" and key.fields["key_size"] == 4096
    assert key.fields["exportable"] is True
    assert key.fields["generated_at"] == datetime(2024, 2, 19, 22, 20, 2, tzinfo=timezone.utc)


def test_pem_block_is_kept_and_decoded(tmp_path):
    issued = issue("cme-root", serial=0x1F, ca=True, days=30)
    pem = issued.cert.public_bytes(serialization.Encoding.PEM).decode().strip()
    text = ("CME1#sh cry pki cert cme-root\nCA Certificate\n  Status: Available\n"
            "  Certificate Serial Number (hex): 1F\n" + pem + "\n  Associated Trustpoints: cme-root\n")
    cert, = facts(load_text(tmp_path, text), "cert")
    assert cert.fields["pem"] == pem
    assert cert.fields["key_size"] == 1024 and cert.fields["sig_alg"] == "SHA256 with RSA Encryption"
    assert cert.fields["not_after"] == issued.cert.not_valid_after_utc
    assert cert.fields["serial"] == "1F" and cert.fields["trustpoints"] == ["cme-root"]


def test_truncated_and_hostile_certificate_block_keeps_what_was_read(tmp_path):
    text = ("Router#show crypto pki certificates\nCertificate\n  Status: Available\n"
            "  Certificate Serial Number (hex): 0A\n  Validity Date:\n    start date: 99:99:99 PST Foo 1 2010\n"
            "  \x00\x01 garbage (((((((((((((((((((((((((((((((((((((((((\n")
    case = load_text(tmp_path, text)
    cert, = facts(case, "cert")
    assert cert.fields["serial"] == "A" and cert.fields["not_before"] is None
    assert any("99:99:99" in t for t in unparsed_texts(case))
    assert any("garbage" in t for t in unparsed_texts(case))


def test_pending_certificate(tmp_path):
    text = ("CME1#show crypto pki certificates cme_cert\nCertificate\n  Status: Pending\n"
            "  Key Usage: General Purpose\n"
            "  Certificate Request Fingerprint MD5: 0A3D89C1 6E2E5C1F 7A0B5D39 1A2B3C4D\n"
            "  Certificate Request Fingerprint SHA1: 11223344 55667788 99AABBCC DDEEFF00 11223344\n"
            "  Associated Trustpoint: cme_cert\n")
    case = load_text(tmp_path, text)
    cert, = facts(case, "cert")
    assert cert.fields["status"] == "Pending" and cert.fields["usage"] == "General Purpose"
    assert cert.fields["request_fingerprint_md5"] == "0A3D89C16E2E5C1F7A0B5D391A2B3C4D"
    assert cert.fields["trustpoints"] == ["cme_cert"] and cert.fields["serial"] is None
    assert case.inputs[0].coverage == 1.0


def test_trustpoint_status_of_corpus_32(corpus_dir):
    case = load([str(next(corpus_dir.glob("32_*.log")))])
    tps = {f.fields["name"]: f.fields for f in facts(case, "pki.trustpoint")}
    assert len(tps) == 6
    sla = tps["SLA-TrustPoint"]
    assert sla["ca_authenticated"] is True and sla["enrolled"] is False and sla["keys_generated"] is False
    assert sla["ca_subject"] == "cn=Cisco Licensing Root CA,o=Cisco"
    assert sla["ca_fingerprint_md5"] == "1468DC18250BDFCF769C29DFE1F7E5A8"
    proxy = tps["PROXY-SIGNING-CA"]
    assert proxy["enrolled"] is True and proxy["last_enrollment_status"] == "Granted"
    assert proxy["id_subject"] == "cn=ISR4451-X/K9-FOC23231DPE"
    assert proxy["key_usage"] == "General Purpose, non-exportable"


def test_trustpoint_status_of_corpus_16(corpus_dir):
    case = load([str(next(corpus_dir.glob("16_*.log")))])
    tps = {f.fields["name"]: f.fields for f in facts(case, "pki.trustpoint")}
    assert list(tps) == ["7970", "7960", "PEM", "srstcaserver", "srstca"]
    assert tps["srstca"]["enrolled"] is True and tps["srstca"]["certificate_requests"] == "Yes"
    assert tps["srstca"]["id_fingerprint_md5"] == "354712951C907EC145B347BC7A9C4B86"
    assert tps["7970"]["enrolled"] is False and tps["7970"]["ca_subject"] == "cn=CAP-RTP-002,o=Cisco Systems"


def test_trustpoints_without_status(tmp_path):
    text = ("CME1#show crypto pki trustpoints\nTrustpoint cme_root:\n    Subject Name:\n    cn=cme_root\n"
            "          Serial Number (hex): 01\n    Certificate configured.\n    SCEP URL: http://10.1.1.1:80/cgi-bin\n"
            "\nTrustpoint cme_cert:\n"
            "    Not authenticated.\n")
    root, cert = facts(load_text(tmp_path, text), "pki.trustpoint")
    assert root.fields["ca_subject"] == "cn=cme_root" and root.fields["ca_serial"] == "1"
    assert root.fields["enrolled"] is True and root.fields["ca_authenticated"] is True
    assert root.fields["enrollment_url"] == "http://10.1.1.1:80/cgi-bin"
    assert cert.fields["ca_authenticated"] is False and cert.fields["enrolled"] is None


@pytest.mark.parametrize("sample, name, expected", [
    ("15_", "srstcaserver", {"status": "enabled", "locked": True, "grant_mode": "auto", "last_serial": "2",
                             "fingerprint": "AC9919F5CAFE056092B3478ACFF5EC00", "database_level": "Complete",
                             "ca_cert_expires": datetime(2007, 12, 1, 13, 46, 57, tzinfo=PST),
                             "crl_next_update": datetime(2005, 1, 19, 14, 54, 57, tzinfo=PST)}),
    ("30_", "ios_ra", {"ra_mode": True, "ra_fingerprint": "AAB882C5B43BFE17E46E855F0BC54931",
                       "crl_storage_url": "tftp://6.28.19.3", "database_level": "Minimum", "state": "enabled"}),
    ("31_", "root", {"auto_rollover": True, "rollover_overlap_days": 1, "database_url": "nvram:",
                     "ca_cert_expires": datetime(2025, 1, 4, 12, 58, 34, tzinfo=timezone.utc),
                     "rollover_timer": datetime(2025, 1, 3, 12, 58, 34, tzinfo=timezone.utc)}),
])
def test_pki_server_of_corpus(corpus_dir, sample, name, expected):
    case = load([str(next(corpus_dir.glob(sample + "*.log")))])
    server, = facts(case, "pki.server")
    assert server.fields["name"] == name
    assert {k: server.fields[k] for k in expected} == expected
    assert case.inputs[0].coverage == 1.0


def test_pki_server_requests():
    case = load([str(GOLDEN / "show-pki-server-requests" / "pending_and_granted.txt")])
    pending, granted = facts(case, "pki.server_request")
    assert not facts(case, "pki.server")
    assert pending.fields == {"id": 1, "state": "pending", "fingerprint": "A426AB2A98F1BE9CF1E7D1B7D5C3A2B4",
                              "subject": "hostname=CME1.cisco.com", "request_type": "router"}
    assert granted.fields["state"] == "granted" and case.inputs[0].coverage == 1.0


def test_several_pki_outputs_in_one_file_with_and_without_prompts(tmp_path):
    text = ("Certificate Server root:\n    Status: enabled\n    Granting mode is: manual\n"
            "Trustpoint root:\n  State:\n    Keys generated ............. Yes (General Purpose)\n"
            "    Issuing CA authenticated ....... No\n"
            "router#sh cry pki cert\nCA Certificate\n  Status: Available\n  Certificate Serial Number (hex): 01\n"
            "CA Certificate\n  Status: Available\n  Certificate Serial Number (hex): 02\n")
    case = load_text(tmp_path, text)
    server, = facts(case, "pki.server")
    assert server.fields["grant_mode"] == "manual" and server.device is None
    tp, = facts(case, "pki.trustpoint")
    assert tp.fields["ca_authenticated"] is False and tp.fields["enrolled"] is False
    assert [c.fields["serial"] for c in facts(case, "cert")] == ["1", "2"]
    assert facts(case, "cert")[0].device == "router"
    assert case.inputs[0].coverage == 1.0


def test_noise_is_not_read_as_pki_show_output(tmp_path):
    text = ("*Mar  1 00:03:47.483: CRYPTO_PKI: Certificate Request Fingerprint MD5: 1234ABCD\n"
            "Status: Available\nIssuer:\ncn=foo\nTrustpoint for TLS With Phone: x\n"
            "Certificate Server is the best server\n")
    case = load_text(tmp_path, text)
    assert not [f for f in case.facts if f.kind in ("cert", "pki.trustpoint", "pki.server", "pki.server_request")]
