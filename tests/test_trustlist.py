"""CTL/ITL decoding, verification and writing, on the real files and on lists built here."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from cryptography.hazmat.primitives import serialization

from certfactory import T0, issue, rsa_key
from cmedebug.parsers import tlv, trustlist
from cmedebug.parsers.base import Context
from cmedebug.parsers.grammar import norm_serial
from cmedebug.parsers.trustlist import (ROLE_APP_SERVER, ROLE_CAPF, ROLE_CCM, ROLE_CCM_TFTP, ROLE_SAST, ROLE_TFTP,
                                        TrustRecordSpec, build_trust_list, decode_trust_list, verify_trust_list)

CTL = "cucm10_tokenless_CTLFile.tlv"
ITL = "certutils_style_ITLFile.tlv"


@pytest.fixture
def real_ctl(fixtures_dir) -> bytes:
    return (fixtures_dir / CTL).read_bytes()


@pytest.fixture
def real_itl(fixtures_dir) -> bytes:
    return (fixtures_dir / ITL).read_bytes()


# -- the real files, against the facts of ../shared/fixtures/README.md ---------

def test_real_ctl_header(real_ctl):
    tl = decode_trust_list(real_ctl)
    assert tl.error is None and not tl.warnings and not tl.unknown_tags
    h = tl.header
    assert h.version == (1, 2)
    assert h.header_length == 312
    assert h.padding == 1
    assert h.hash_name == "sha1" and h.signature_alg == 0 and h.modulus == 1 and len(h.signature) == 128
    assert h.signature_offset == 158
    assert h.filename == "CTLFile.tlv"
    assert h.timestamp == datetime(2015, 5, 7, 3, 10, 47, tzinfo=timezone.utc)
    assert h.signer_serial == "24491F10703FEA9B"
    assert h.signer_name == "CN=gigantic-6.cisco.com;OU=VTG;O=Alpha;L=SJ;ST=CA;C=US"
    assert tl.kind == "ctl"


def test_real_ctl_records(real_ctl):
    tl = decode_trust_list(real_ctl)
    assert [r.role_name for r in tl.records] == ["SAST", "CCM+TFTP", "CCM+TFTP", "CAPF", "SAST", "CCM+TFTP"]
    assert tl.records[0].offset == 312 and tl.records[0].length == 1147
    assert [r.ip_address for r in tl.records] == ["10.35.48.106", "10.35.48.106", "10.35.150.151",
                                                  "10.35.48.106", "10.35.48.106", "10.32.134.77"]
    assert [r.serial for r in tl.records] == [
        "24491F10703FEA9B", "24491F10703FEA9B", "6330981C017C4743", "615DD8840A63EB4119BE843E201550E0",
        "5B7328D0A02932D816D59EEEF6EC9D18", "418C549ABC251E2F2609ECF6A092D22F"]
    assert tl.records[3].subject == "CN=CAPF-2076a1a2;OU=VTG;O=Alpha;L=SJ;ST=CA;C=US"
    assert tl.records[4].subject.startswith("CN=ITLRECOVERY_")
    assert tl.records[0].dns_name == "gigantic-6"
    # every record's elements are copies out of its certificate
    assert all(trustlist.record_inconsistencies(r) == [] for r in tl.records)
    assert all(r.cert is not None for r in tl.records)
    assert sum(r.length for r in tl.records) + 312 == len(real_ctl)


def test_real_ctl_verifies(real_ctl):
    verdict = verify_trust_list(decode_trust_list(real_ctl))
    assert verdict.status == "valid", verdict.reason
    assert verdict.signer.index == 1 and verdict.signer.role == ROLE_SAST


def test_real_itl(real_itl):
    tl = decode_trust_list(real_itl)
    assert tl.error is None and not tl.unknown_tags
    h = tl.header
    assert (h.version, h.header_length, h.signer_version, h.padding) == ((1, 2), 388, (1, 0), 0)
    assert h.timestamp.date() == datetime(2025, 12, 30).date()
    assert h.filename == "ITLFile.tlv" and tl.kind == "itl"
    assert len(h.signature) == 256 and h.modulus == 2
    assert [r.role for r in tl.records] == [ROLE_SAST, ROLE_CCM, ROLE_CCM, ROLE_APP_SERVER, ROLE_APP_SERVER]
    assert all(r.dns_name is None and r.ip_address is None for r in tl.records)
    assert tl.records[0].serial == h.signer_serial == "6BA5DE3A260B069337C75B38BE3C2D74"
    verdict = verify_trust_list(tl)
    assert verdict.status == "valid", verdict.reason


def test_writer_reproduces_the_real_ctl(real_ctl):
    """Decode the real CTL, write it again from its fields and certificates.

    We do not hold the CUCM private key, so the writer is given a signing
    function that returns the original signature bytes. Then the output must be
    byte-identical to the real file (field order, DN text, serial bytes, padding,
    header length, record lengths), and the bytes handed to the signing function
    must be exactly what the original signature covers (it verifies over them)."""
    tl = decode_trust_list(real_ctl)
    h = tl.header
    specs = [TrustRecordSpec(r.role, r.cert, r.ip_address, r.dns_name) for r in tl.records]
    header = tlv.SignedHeaderSpec(h.signer_name, h.signer_serial_bytes, h.issuer_name, h.filename, h.timestamp,
                                  len(h.signature), h.modulus, h.hash_alg, h.version)
    covered = []

    def original_signature(data: bytes) -> bytes:
        covered.append(data)
        return h.signature

    out = tlv.write_signed(header, b"".join(trustlist.encode_record(s) for s in specs), original_signature)
    assert out == real_ctl
    assert covered == [tl.signed_bytes()]
    sast_key = tl.records[0].cert.public_key()
    assert tlv.check_signature(out, decode_trust_list(out).header, sast_key).status == "valid"


def test_writer_rewrites_the_real_itl_records_in_cisco_order(real_itl):
    """certutils wrote these records in the order 1, 3, 5, 6, 4, 7, 8, 9; the writer
    uses Cisco's 1, 3, 4, 5, 6, 7, 8, 9: same length, same element values."""
    tl = decode_trust_list(real_itl)
    for rec in tl.records:
        spec = TrustRecordSpec(rec.role, rec.cert, subject_name=rec.subject, issuer_name=rec.issuer)
        written = trustlist.encode_record(spec)
        assert len(written) == rec.length and written != real_itl[rec.offset:rec.offset + rec.length]
        body = build_trust_list([spec], rec.cert, rsa_key(1024), timestamp=T0)
        again = decode_trust_list(body).records[0]
        for name in ("subject", "issuer", "role", "serial_bytes", "public_key", "signature", "certificate"):
            assert getattr(again, name) == getattr(rec, name), name


# -- lists built here --------------------------------------------------------------

@pytest.fixture(scope="module")
def cme_pki():
    ca = issue("CME-CA", ca=True, slot=0)
    return {
        "ca": ca,
        "sast1": issue("SAST1", issuer=ca, slot=1),
        "sast2": issue("SAST2", issuer=ca, slot=2),
        "cme": issue("CME", issuer=ca, slot=3),
        "capf": issue("CAPF", issuer=ca, slot=4),
    }


def _specs(p):
    return [TrustRecordSpec(ROLE_SAST, p["sast1"].cert, "10.1.1.1", "cme"),
            TrustRecordSpec(ROLE_SAST, p["sast2"].cert, "10.1.1.1", "cme"),
            TrustRecordSpec(ROLE_CCM_TFTP, p["cme"].cert, "10.1.1.1", "cme"),
            TrustRecordSpec(ROLE_CAPF, p["capf"].cert, "10.1.1.1", "")]


@pytest.mark.parametrize("hash_alg", ["sha1", "sha256", "sha512"])
def test_build_decode_verify_round_trip(cme_pki, hash_alg):
    when = datetime(2026, 3, 4, 5, 6, 7, tzinfo=timezone.utc)
    data = build_trust_list(_specs(cme_pki), cme_pki["sast1"].cert, cme_pki["sast1"].key, timestamp=when,
                            hash_alg=hash_alg)
    tl = decode_trust_list(data)
    assert tl.error is None and not tl.warnings
    assert tl.header.header_length % 4 == 0
    assert tl.header.timestamp == when and tl.header.hash_name == hash_alg and tl.header.filename == "CTLFile.tlv"
    assert [r.role for r in tl.records] == [ROLE_SAST, ROLE_SAST, ROLE_CCM_TFTP, ROLE_CAPF]
    assert [r.cert for r in tl.records] == [s.certificate for s in _specs(cme_pki)]
    assert tl.records[3].dns_name == "" and tl.records[0].dns_name == "cme"
    assert tl.records[0].serial == tl.header.signer_serial
    assert tl.records[0].subject == tl.header.signer_name == "CN=SAST1;OU=VTG;O=Alpha;C=US"
    assert tl.records[0].issuer == "CN=CME-CA;OU=VTG;O=Alpha;C=US"
    assert verify_trust_list(tl).status == "valid"
    # and decode(write(x)) == x at the byte level: write the decoded fields again
    specs = [TrustRecordSpec(r.role, r.cert, r.ip_address, r.dns_name) for r in tl.records]
    again = build_trust_list(specs, cme_pki["sast1"].cert, cme_pki["sast1"].key, timestamp=when, hash_alg=hash_alg)
    assert again == data  # PKCS#1 v1.5 signatures are deterministic


def test_unknown_hash_code_is_unsupported(cme_pki):
    data = bytearray(build_trust_list(_specs(cme_pki), cme_pki["sast1"].cert, cme_pki["sast1"].key, timestamp=T0))
    at = data.index(bytes([tlv.H_HASH_ALG, 0, 1, 1]))
    data[at + 3] = 4
    verdict = verify_trust_list(decode_trust_list(bytes(data)))
    assert verdict.status == "unsupported-algorithm" and "code 4" in verdict.reason


def test_signer_must_be_a_sast_record(cme_pki):
    # signed by the CME key, which is only a CCM+TFTP record of the list
    data = build_trust_list(_specs(cme_pki), cme_pki["cme"].cert, cme_pki["cme"].key, timestamp=T0)
    verdict = verify_trust_list(decode_trust_list(data))
    assert verdict.status == "signer-not-found"
    assert "only as CCM+TFTP" in verdict.reason


def test_signer_absent_from_list(cme_pki):
    records = _specs(cme_pki)[1:]  # SAST1 signs but is not listed
    verdict = verify_trust_list(decode_trust_list(
        build_trust_list(records, cme_pki["sast1"].cert, cme_pki["sast1"].key, timestamp=T0)))
    assert verdict.status == "signer-not-found"
    assert norm_serial(format(cme_pki["sast1"].cert.serial_number, "X")) in verdict.reason


def test_update_is_checked_against_the_installed_list(cme_pki):
    """A new CTL must be signed by a SAST of the list the phone already holds."""
    installed = decode_trust_list(build_trust_list(_specs(cme_pki), cme_pki["sast1"].cert, cme_pki["sast1"].key,
                                                   timestamp=T0))
    rebuilt_sast = issue("SAST1", issuer=cme_pki["ca"], slot=5)
    new_specs = [TrustRecordSpec(ROLE_SAST, rebuilt_sast.cert, "10.1.1.1", "cme")] + _specs(cme_pki)[1:]
    by_new_key = decode_trust_list(build_trust_list(new_specs, rebuilt_sast.cert, rebuilt_sast.key, timestamp=T0))
    assert verify_trust_list(by_new_key).status == "valid"  # valid on its own ...
    assert verify_trust_list(by_new_key, trusted=installed).status == "signer-not-found"  # ... not as an update
    by_sast2 = decode_trust_list(build_trust_list(new_specs, cme_pki["sast2"].cert, cme_pki["sast2"].key,
                                                  timestamp=T0))
    assert verify_trust_list(by_sast2, trusted=installed).status == "valid"


def test_wrong_key_for_listed_serial_is_invalid(cme_pki):
    """The header names SAST1, but another key signed: the signature check fails."""
    data = build_trust_list(_specs(cme_pki), cme_pki["sast1"].cert, cme_pki["sast2"].key, timestamp=T0)
    verdict = verify_trust_list(decode_trust_list(data))
    assert verdict.status == "invalid"


def test_unknown_tags_are_kept_and_reported(cme_pki):
    spec = _specs(cme_pki)[0]
    record = trustlist.encode_record(spec)
    extra = tlv.tlv(40, b"abc")
    record = tlv.tlv(trustlist.R_LENGTH, (len(record) + len(extra)).to_bytes(2, "big")) + record[5:] + extra
    header = tlv.header_spec_for(spec.certificate, cme_pki["sast1"].key, filename="CTLFile.tlv", timestamp=T0,
                                 hash_alg="sha1", version=(1, 2))
    data = tlv.write_signed(header, record, tlv.rsa_signer(cme_pki["sast1"].key, "sha1"))
    tl = decode_trust_list(data)
    assert tl.error is None
    assert [(u.where, u.tag, u.value) for u in tl.unknown_tags] == [("record 1", 40, b"abc")]
    assert tl.records[0].role == ROLE_SAST
    assert verify_trust_list(tl).status == "valid"
    ctx = Context(path="CTLFile.tlv")
    facts = trustlist.TrustListParser().parse_file(data, ctx)
    assert facts[0].fields["unknown_tags"] == [f"record 1 tag 40 at offset {tl.unknown_tags[0].offset} (3 bytes)"]
    assert ctx.warnings == [f"CTLFile.tlv: unknown element in record 1: tag 40 at offset "
                            f"{tl.unknown_tags[0].offset} (3 bytes), kept"]


def test_header_in_certutils_order_decodes(real_itl):
    """Parsers must not depend on header order: the ITL has 28 first and {4, 6, 5}."""
    tl = decode_trust_list(real_itl)
    assert tl.header.issuer_name == "CN=SAST,O=SAST,OU=SAST"
    assert tl.header.signer_name == "CN=SAST,O=SAST,OU=SAST"


def test_public_key_element_used_when_certificate_missing(cme_pki):
    """A hardware-token SAST record may carry only its key: the signature still verifies."""
    spec = _specs(cme_pki)[0]
    full = trustlist.encode_record(spec)
    rec = decode_trust_list(build_trust_list([spec], spec.certificate, cme_pki["sast1"].key, timestamp=T0)).records[0]
    key_only = trustlist.TrustRecord(index=1, offset=0, length=len(full), role=ROLE_SAST, serial_bytes=rec.serial_bytes,
                               public_key=rec.public_key)
    key = trustlist.record_public_key(key_only)
    assert key.public_numbers() == cme_pki["sast1"].key.public_key().public_numbers()


def test_role_names_keep_unknown_codes():
    assert trustlist.role_name(ROLE_TFTP) == "TFTP"
    assert trustlist.role_name(21) == "TVS"
    assert trustlist.role_name(9) == "role 9"


def test_writer_refuses_oversized_values():
    with pytest.raises(ValueError, match="16-bit"):
        tlv.tlv(9, b"\0" * 70000)


def test_signer_key_size_must_have_a_modulus_code(cme_pki):
    odd = rsa_key(1536)
    with pytest.raises(ValueError, match="1536 bits"):
        build_trust_list(_specs(cme_pki), cme_pki["sast1"].cert, odd, timestamp=T0)


def test_public_key_bytes_are_pkcs1(cme_pki):
    data = build_trust_list(_specs(cme_pki), cme_pki["sast1"].cert, cme_pki["sast1"].key, timestamp=T0)
    rec = decode_trust_list(data).records[0]
    assert rec.public_key == cme_pki["sast1"].key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.PKCS1)


def test_record_elements_that_disagree_with_their_certificate(cme_pki):
    """Tags 6, 7 and 8 are copies out of the certificate in tag 9; a record whose copies differ is reported."""
    spec = _specs(cme_pki)[0]
    other = _specs(cme_pki)[1].certificate
    record = bytearray(trustlist.encode_record(spec))
    rec = decode_trust_list(build_trust_list([spec], spec.certificate, cme_pki["sast1"].key, timestamp=T0)).records[0]
    signature_at = bytes(record).index(spec.certificate.signature)
    record[signature_at] ^= 0xFF
    data = build_trust_list([], spec.certificate, cme_pki["sast1"].key, timestamp=T0) + bytes(record)
    (tampered,) = decode_trust_list(data).records
    assert trustlist.record_inconsistencies(tampered) == ["SIGNATURE differs from the certificate's signature value"]
    swapped = trustlist.TrustRecord(index=1, offset=0, length=0, serial_bytes=rec.serial_bytes,
                                    public_key=rec.public_key, signature=other.signature,
                                    certificate=other.public_bytes(serialization.Encoding.DER))
    problems = trustlist.record_inconsistencies(swapped)
    assert [p.split(" ")[0] for p in problems] == ["SERIALNUMBER", "PUBLICKEY"]


_ROLES = [ROLE_SAST, ROLE_CCM, ROLE_CCM_TFTP, ROLE_TFTP, ROLE_CAPF, ROLE_APP_SERVER, 21, 9]
_spec_fields = st.tuples(st.sampled_from(_ROLES),
                         st.sampled_from(["sast1", "sast2", "cme", "capf"]),
                         st.one_of(st.none(), st.ip_addresses(v=4).map(str)),
                         st.one_of(st.none(), st.text(alphabet="abcdefgh-0123456789", max_size=20)))


@settings(max_examples=40, deadline=2000, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fields=st.lists(_spec_fields, max_size=6), filename=st.sampled_from(["CTLFile.tlv", "ITLFile.tlv"]),
       hash_alg=st.sampled_from(["sha1", "sha256", "sha512"]), seconds=st.integers(0, 2**32 - 1))
def test_decode_of_write_is_identity(cme_pki, fields, filename, hash_alg, seconds):
    """decode(write(x)) == x for any records, roles (unknown codes too), addresses, names and times."""
    when = datetime.fromtimestamp(seconds, timezone.utc)
    specs = [TrustRecordSpec(role, cme_pki[who].cert, ip, dns) for role, who, ip, dns in fields]
    tl = decode_trust_list(build_trust_list(specs, cme_pki["sast1"].cert, cme_pki["sast1"].key, filename=filename,
                                            timestamp=when, hash_alg=hash_alg))
    assert tl.error is None and not tl.warnings and not tl.unknown_tags
    assert (tl.header.filename, tl.header.timestamp, tl.header.hash_name) == (filename, when, hash_alg)
    assert [(r.role, r.cert, r.ip_address, r.dns_name) for r in tl.records] == [
        (s.role, s.certificate, s.ip_address, s.dns_name) for s in specs]
    expected = "valid" if any(s.role == ROLE_SAST and s.certificate == cme_pki["sast1"].cert for s in specs) \
        else "signer-not-found"
    assert verify_trust_list(tl).status == expected
