"""Writes the CTL files used by the CTL rule cases (tests/golden/rules/CTL00*.toml),
with the project's own trust-list writer and real RSA keys and certificates.

    python tests/golden/rules/files/make_trust_lists.py

Keys are random, so a rerun writes different bytes with the same meaning:
- ctl-1-before.tlv   the CTL the phones hold: SAST1 + SAST2 + CCM + TFTP + CAPF, signed by SAST1 (Nov 20 2026)
- ctl-2-same-sast.tlv  a regenerated CTL signed by the same SAST1 (Nov 26 2026): SAST continuity
- ctl-2-new-sast.tlv   a CTL from rebuilt SAST trustpoints (Nov 26 2026): its signer is not a SAST of ctl-1
- ctl-damaged.tlv      ctl-1 with one byte of a certificate flipped: the signature no longer verifies
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from cmedebug.parsers.trustlist import (ROLE_CAPF, ROLE_CCM, ROLE_SAST, ROLE_TFTP, TrustRecordSpec,
                                        build_trust_list)

HERE = Path(__file__).parent
START = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)


def issue(name: str, serial: int, ca_key, ca_name: x509.Name, start: datetime):
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(ca_name).public_key(key.public_key())
            .serial_number(serial).not_valid_before(start).not_valid_after(start + timedelta(days=365))
            .sign(ca_key, hashes.SHA256()))
    return cert, key


def main() -> None:
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "cme_root")])
    sast1, sast1_key = issue("sast1", 5, ca_key, ca_name, START)
    sast2, _ = issue("sast2", 6, ca_key, ca_name, START)
    cme, _ = issue("CME-1", 2, ca_key, ca_name, START)
    tftp, _ = issue("CME-1-tftp", 3, ca_key, ca_name, START)
    capf, _ = issue("CAPF-CME-1", 4, ca_key, ca_name, START)
    servers = [TrustRecordSpec(ROLE_CCM, cme, "10.1.1.1"), TrustRecordSpec(ROLE_TFTP, tftp, "10.1.1.1"),
               TrustRecordSpec(ROLE_CAPF, capf, "10.1.1.1")]
    before = build_trust_list([TrustRecordSpec(ROLE_SAST, sast1), TrustRecordSpec(ROLE_SAST, sast2), *servers],
                              sast1, sast1_key, timestamp=START + timedelta(hours=1))
    (HERE / "ctl-1-before.tlv").write_bytes(before)
    later = START + timedelta(days=6)
    (HERE / "ctl-2-same-sast.tlv").write_bytes(build_trust_list(
        [TrustRecordSpec(ROLE_SAST, sast1), TrustRecordSpec(ROLE_SAST, sast2), *servers], sast1, sast1_key,
        timestamp=later))
    new1, new1_key = issue("sast1", 16, ca_key, ca_name, later)
    new2, _ = issue("sast2", 17, ca_key, ca_name, later)
    (HERE / "ctl-2-new-sast.tlv").write_bytes(build_trust_list(
        [TrustRecordSpec(ROLE_SAST, new1), TrustRecordSpec(ROLE_SAST, new2), *servers], new1, new1_key,
        timestamp=later + timedelta(minutes=5)))
    damaged = bytearray(before)
    damaged[len(damaged) // 2] ^= 0xFF
    (HERE / "ctl-damaged.tlv").write_bytes(bytes(damaged))


if __name__ == "__main__":
    main()
