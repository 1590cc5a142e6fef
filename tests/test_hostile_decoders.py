"""Every whole-file decoder (CTL/ITL .tlv, .sgn, cnf.xml) under random and mutated
bytes: no exception, no hang, and memory bounded by the size of the input.

Real files to mutate: the trust lists and signed configs the reference CME wrote
into sample_logs/, and ../shared/fixtures/ when present. The decoders' own tests
(test_trustlist_robustness.py) check their verdicts; this file checks that the
FileParser API as ingest calls it survives anything.
"""
from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cmedebug.model import Event, Fact
from cmedebug.parsers.base import Context, file_parsers

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO.parent / "shared" / "fixtures"
DECODERS = file_parsers()


def _real_files() -> list[bytes]:
    paths = sorted(REPO.glob("sample_logs/*/*.tlv")) + sorted(REPO.glob("sample_logs/*/*.sgn")) \
        + sorted(REPO.glob("sample_logs/*/*.cnf.xml"))
    if FIXTURES.is_dir():
        paths += sorted(FIXTURES.glob("*.tlv"))
    seen: dict[bytes, None] = {}
    for path in paths:
        seen.setdefault(path.read_bytes(), None)
    return list(seen)[:30]


REAL_FILES = _real_files()


def test_there_are_real_files_of_each_decoder_to_mutate():
    for decoder in DECODERS:
        claimed = [data for data in REAL_FILES if decoder().sniff_bytes(data[:4096], "x") >= 0.5]
        assert claimed, f"no real file for {decoder.name}"


@st.composite
def mutated_file(draw) -> bytes:
    data = bytearray(draw(st.sampled_from(REAL_FILES)))
    for _ in range(draw(st.integers(1, 6))):
        pos = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(("flip", "max", "zero", "cut", "duplicate", "drop")))
        if action == "flip":
            data[pos] ^= 1 << draw(st.integers(0, 7))
        elif action in ("max", "zero"):  # length fields that claim everything or nothing
            data[pos:pos + 2] = b"\xff\xff" if action == "max" else b"\x00\x00"
        elif action == "cut":
            del data[pos:]
            if not data:
                data.extend(b"\x01")
        elif action == "duplicate":
            data[pos:pos] = data[pos:pos + draw(st.integers(1, 2000))]
        else:
            del data[pos:pos + draw(st.integers(1, 200))]
            if not data:  # a drop can empty the file; the next mutation needs a byte to point at
                data.extend(b"\x01")
    return bytes(data)


hostile_bytes = st.one_of(mutated_file(), st.binary(max_size=4096))


def _decode(decoder_cls, data: bytes):
    tracemalloc.start()
    start = time.perf_counter()
    try:
        items = decoder_cls().parse_file(data, Context(path="hostile.bin"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return items, time.perf_counter() - start, peak


@pytest.mark.parametrize("decoder_cls", DECODERS, ids=lambda c: c.name)
@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=hostile_bytes)
def test_decoders_survive_random_and_mutated_bytes(decoder_cls, data):
    items, seconds, peak = _decode(decoder_cls, data)
    assert isinstance(items, list) and all(isinstance(i, (Event, Fact)) for i in items)
    assert seconds < 2.0
    assert peak < 64 * len(data) + 4 * 1024 * 1024, f"{peak} bytes of memory for {len(data)} bytes of input"
    decoder_cls().sniff_bytes(data[:4096], "hostile.bin")


@pytest.mark.parametrize("decoder_cls", DECODERS, ids=lambda c: c.name)
def test_decoders_at_their_size_limit_stay_bounded(decoder_cls):
    """The largest input ingest hands a decoder: repeated real bytes up to max_bytes."""
    seed = max(REAL_FILES, key=lambda d: decoder_cls().sniff_bytes(d[:4096], "x"))
    data = (seed * (decoder_cls.max_bytes // len(seed) + 1))[: decoder_cls.max_bytes]
    items, seconds, peak = _decode(decoder_cls, data)
    assert isinstance(items, list)
    assert seconds < 30
    assert peak < 16 * len(data) + 16 * 1024 * 1024


def test_a_certificate_with_a_damaged_version_is_a_parse_error_not_a_crash():
    """Found by fuzz/fuzz_inputs.py: cryptography raises InvalidVersion (not a ValueError)
    for a version field of 3; every certificate reader expects ValueError."""
    from cmedebug.parsers.grammar import load_certificate
    from cmedebug.parsers.trustlist import TrustListParser, decode_trust_list

    ctl = next(d for d in REAL_FILES if TrustListParser().sniff_bytes(d[:4096], "x") >= 0.5)
    der = decode_trust_list(ctl).records[0].certificate
    v3, bad = b"\xa0\x03\x02\x01\x02", b"\xa0\x03\x02\x01\x03"  # [0] EXPLICIT INTEGER 2 (X.509 v3) -> 3
    assert load_certificate(der) is not None and v3 in der
    with pytest.raises(ValueError):
        load_certificate(der.replace(v3, bad, 1))
    items = TrustListParser().parse_file(ctl.replace(der, der.replace(v3, bad, 1)), Context(path="damaged.tlv"))
    assert isinstance(items, list) and items  # the file's other facts survive the damaged certificate
