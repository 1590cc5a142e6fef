"""Hostile input: every flipped byte breaks the signature, every truncation is a
clean error, and random or mutated bytes never raise or hang."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cmedebug.parsers.base import Context
from cmedebug.parsers.signed_file import SignedFileParser, decode_signed_file
from cmedebug.parsers.trustlist import TrustListParser, decode_trust_list, verify_trust_list

FILES = ["cucm10_tokenless_CTLFile.tlv", "certutils_style_ITLFile.tlv"]


@pytest.mark.parametrize("name", FILES)
def test_any_flipped_byte_fails_verification(fixtures_dir, name):
    """Flip each byte of the file in turn (the signed range and the signature
    itself): no variant may verify as valid."""
    data = (fixtures_dir / name).read_bytes()
    assert verify_trust_list(decode_trust_list(data)).status == "valid"
    statuses = set()
    for i in range(len(data)):
        mutated = data[:i] + bytes([data[i] ^ 0xFF]) + data[i + 1:]
        verdict = verify_trust_list(decode_trust_list(mutated))
        assert verdict.status != "valid", f"flipping byte {i} still verifies"
        statuses.add(verdict.status)
    # the failures are told apart: broken signature, broken structure, unknown signer
    assert {"invalid", "damaged", "signer-not-found"} <= statuses


@pytest.mark.parametrize("name", FILES)
def test_every_truncation_is_a_clean_error(fixtures_dir, name):
    data = (fixtures_dir / name).read_bytes()
    full = decode_trust_list(data)
    boundaries = {full.header.header_length} | {r.offset + r.length for r in full.records}
    for n in range(len(data)):
        tl = decode_trust_list(data[:n])
        if n in boundaries:
            # a cut between records leaves a well-formed but shorter list: only the signature can tell
            assert tl.error is None and len(tl.records) < len(full.records)
            assert verify_trust_list(tl).status in ("invalid", "signer-not-found")  # no records: no signer
            continue
        assert tl.error is not None, f"truncation at {n} not detected"
        assert 0 <= tl.error.offset <= n and tl.error.message
        assert f"offset {tl.error.offset}" in str(tl.error)
        # what came before the cut is kept
        assert tl.records == [r for r in full.records if r.offset + r.length <= n]
        assert verify_trust_list(tl).status == "damaged"


def test_truncated_record_error_names_record_and_remaining_bytes(fixtures_dir):
    data = (fixtures_dir / FILES[0]).read_bytes()
    tl = decode_trust_list(data[:2000])
    assert len(tl.records) == 1
    assert tl.error.offset == 1459
    assert tl.error.message == "record 2 at offset 1459: record length 1147 but only 541 bytes remain"


def test_not_a_tlv_file():
    tl = decode_trust_list(b"Router#show ctl-client\n")
    assert tl.error.offset == 0 and "not a Cisco TLV file" in tl.error.message
    assert decode_trust_list(b"").error.message.startswith("file ends after 0 bytes")


def test_hostile_container_length_is_caught():
    # VERSION, HEADER LENGTH 16, then a SIGNER INFO container claiming 0xFFFF bytes
    data = bytes.fromhex("0100020102" "02000200 10".replace(" ", "")) + bytes.fromhex("03ffff") + b"\0" * 3
    tl = decode_trust_list(data)
    assert tl.error.offset == 10 and "declares 65535 bytes but only 3 remain" in tl.error.message


def _mutate(data: bytes, edits) -> bytes:
    out = bytearray(data)
    for kind, pos, value in edits:
        if not out:
            break
        pos %= len(out)
        if kind == "set":
            out[pos] = value
        elif kind == "delete":
            del out[pos:pos + value % 64 + 1]
        else:
            out[pos:pos] = bytes([value]) * (value % 8 + 1)
    return bytes(out)


_edits = st.lists(st.tuples(st.sampled_from(["set", "delete", "insert"]), st.integers(0, 1 << 16),
                            st.integers(0, 255)), min_size=1, max_size=6)


def _exercise(data: bytes) -> None:
    tl = decode_trust_list(data)
    verdict = verify_trust_list(tl)
    assert verdict.status in {"valid", "invalid", "signer-not-found", "unsupported-algorithm", "damaged"}
    for rec in tl.records:
        _ = (rec.role_name, rec.serial, rec.cert_error)
    facts = TrustListParser().parse_file(data, Context(path="fuzz.tlv"))
    assert facts[0].kind == "ctl.file" and facts[0].fields["verdict"] == verdict.status
    sf = decode_signed_file(data)
    (sgn_fact,) = SignedFileParser().parse_file(data, Context(path="fuzz.sgn"))
    assert sgn_fact.fields["sgn_error"] == (str(sf.error) if sf.error else None)
    assert sf.error is not None or len(sf.content) == len(data) - sf.header.header_length


@settings(max_examples=150, deadline=2000, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=_edits, which=st.sampled_from(FILES))
def test_mutated_real_files_never_raise(fixtures_dir, edits, which):
    _exercise(_mutate((fixtures_dir / which).read_bytes(), edits))


def test_a_certificate_name_with_an_unknown_string_tag_is_noted_not_raised(fixtures_dir):
    """Found by the test above: a zero byte inside a record's certificate name makes
    cryptography raise when the name is read (KeyError in 48.x, ValueError in 50.x)."""
    data = _mutate((fixtures_dir / "cucm10_tokenless_CTLFile.tlv").read_bytes(), [("set", 8000, 0)])
    _exercise(data)
    certs = [f for f in TrustListParser().parse_file(data, Context(path="fuzz.tlv")) if f.kind == "cert"]
    assert any(f.fields["issuer"].startswith("<unreadable name: ") for f in certs)


@settings(max_examples=150, deadline=2000)
@given(data=st.binary(max_size=600))
def test_random_bytes_never_raise(data):
    _exercise(data)


@settings(max_examples=150, deadline=2000)
@given(body=st.binary(max_size=400), header_length=st.integers(0, 0xFFFF))
def test_random_bytes_behind_a_plausible_prefix_never_raise(body, header_length):
    """Random bytes usually fail at offset 0; this prefix gets them into the header and record loops."""
    _exercise(bytes.fromhex("0100020102020002") + header_length.to_bytes(2, "big") + body)
