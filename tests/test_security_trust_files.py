"""Trust lists from a hostile source (issue 11, items 12 and 13): a CTL padded with
200,000 empty records gives reports of bounded size with a summary of the rest,
and `ctl show` exits 1 when the signature or the signer is wrong."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from cmedebug.cli import main
from cmedebug.parsers.trustlist import ROLE_CCM, ROLE_SAST, TrustRecordSpec, build_trust_list

START = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
EMPTY_RECORD = b"\x01\x00\x02\x00\x05"  # RECORD LENGTH 5: the length element and nothing else


def _issue(name: str, serial: int, ca_key):
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "cme_root")]))
            .public_key(key.public_key()).serial_number(serial).not_valid_before(START)
            .not_valid_after(START + timedelta(days=365)).sign(ca_key, hashes.SHA256()))
    return cert, key


@pytest.fixture(scope="module")
def trust_lists(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ctl")
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    sast, sast_key = _issue("sast1", 5, ca_key)
    cme, _ = _issue("CME-1", 2, ca_key)
    outsider, outsider_key = _issue("sast-of-another-cme", 9, ca_key)
    records = [TrustRecordSpec(ROLE_SAST, sast), TrustRecordSpec(ROLE_CCM, cme, "10.1.1.1")]
    good = build_trust_list(records, sast, sast_key, timestamp=START)
    paths = {"good": folder / "CTLFile.tlv", "unknown-signer": folder / "signer.tlv", "bad-signature": folder / "sig.tlv",
             "padded": folder / "padded" / "CTLSEP001122334455.tlv"}
    paths["good"].write_bytes(good)
    paths["unknown-signer"].write_bytes(build_trust_list(records, outsider, outsider_key, timestamp=START))
    damaged = bytearray(good)
    damaged[-10] ^= 0xFF  # inside the last record's certificate: the signed range no longer matches
    paths["bad-signature"].write_bytes(bytes(damaged))
    paths["padded"].parent.mkdir()
    paths["padded"].write_bytes(good + EMPTY_RECORD * 200_000)  # ~1 MB
    return paths


@pytest.mark.parametrize("which,code,verdict", [("good", 0, "valid"), ("unknown-signer", 1, "signer-not-found"),
                                                ("bad-signature", 1, "invalid")])
def test_ctl_show_exits_1_on_an_invalid_signature_or_a_missing_signer(trust_lists, which, code, verdict):
    result = CliRunner().invoke(main, ["ctl", "show", "--format", "json", str(trust_lists[which])])
    assert result.exit_code == code
    assert json.loads(result.stdout)["verdict"] == verdict


def test_a_ctl_with_200k_empty_records_gives_bounded_reports_with_a_summary(trust_lists, tmp_path):
    padded = trust_lists["padded"]
    runner = CliRunner()
    text = runner.invoke(main, ["ctl", "show", str(padded)]).stdout
    data = json.loads(runner.invoke(main, ["ctl", "show", "-f", "json", str(padded)]).stdout)
    assert len(text) < 200_000 and "Records:    200002" in text
    assert "199,902 more records not listed (only the first 100 are): 199,902 without a certificate" in text
    assert len(data["records"]) == 100 and data["records_total"] == 200_002
    assert data["records_not_listed"].startswith("199,902 more records not listed")
    html = tmp_path / "report.html"
    runner.invoke(main, ["analyze", str(padded.parent), "--html", str(html)])
    page = html.read_text()
    assert len(page) < 2_000_000 and "199,902 more records not listed" in page
    assert Path(html).stat().st_size < 2_000_000
