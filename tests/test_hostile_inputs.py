"""Broken and hostile text inputs: each is read with a warning naming the file,
and the evidence around the damage is still analysed."""
from __future__ import annotations

import gzip
import io
import random
import time
import tracemalloc

from cmedebug.ingest import read_input
from cmedebug.model import Case
from cmedebug.parsers.base import line_parsers
from cmedebug.pipeline import load
from cmedebug.sources import MAX_LINE_CHARS, Input, TextLines

# real shapes (messages.md §1.3, §1.7): each line becomes one event
EXPIRED = ("*Mar  1 00:03:47.483: %PKI-3-CERTIFICATE_INVALID_EXPIRED: Certificate chain validation has failed. "
           "The certificate (SN: 1A2B) has expired. Validity period ended on 13:09:32 UTC Jun 12 2029")
HANDSHAKE = ("Dec 13 15:31:52.949: %SKINNYSECURESERVICE-3-TLS_HANDSHAKE_FAILED:  Reason: unsupported protocol, "
             "SocketID: 0, local address : 10.1.20.11:2443 and  remote address : 10.1.20.179:12239")
CERTRET = "Mar 10 16:44:41.812: %PKI-6-CERTRET: Certificate received from Certificate Authority"
LOG = "\n".join([EXPIRED, HANDSHAKE, CERTRET]) + "\n"
KINDS = {"pki.cert.invalid_expired", "pki.enroll.cert_received"}


def analyse(path):
    case = load([str(path)])
    assert len(case.inputs) == 1 and case.inputs[0].error is None
    return case, case.inputs[0]


def warnings_about(summary, path, word):
    return [w for w in summary.warnings if w.startswith(str(path)) and word in w]


def test_a_10_mb_line_is_cut_with_a_warning_and_the_rest_is_analysed(tmp_path):
    path = tmp_path / "huge.log"
    with open(path, "w") as fh:
        fh.write(EXPIRED + "\n")
        fh.write("*Mar  1 00:03:48.000: CRYPTO_PKI: " + ": %" * (10 * 1024 * 1024 // 3) + "\n")
        fh.write(CERTRET + "\n")
    start = time.perf_counter()
    case, summary = analyse(path)
    assert time.perf_counter() - start < 20
    assert {e.kind for e in case.events} >= KINDS
    assert summary.lines == 3
    (warning,) = warnings_about(summary, path, "cut to that length")
    assert "line 2" in warning and f"{len(': %') * (10 * 1024 * 1024 // 3) + 34} characters" in warning


def test_a_file_without_line_ends_is_never_held_whole():
    stream = io.BytesIO(b"x" * (20 * 1024 * 1024))
    tracemalloc.start()
    try:
        lines = list(TextLines(stream))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [len(line) for line in lines] == [MAX_LINE_CHARS]
    assert peak < 2 * 1024 * 1024  # the 20 MB were read in pieces and dropped


def test_nul_bytes_are_removed_with_a_warning(tmp_path):
    path = tmp_path / "nuls.log"
    path.write_bytes(b"\x00\x00" + EXPIRED.encode().replace(b"Mar", b"M\x00ar", 1) + b"\n\x00\n" + CERTRET.encode())
    case, summary = analyse(path)
    assert {e.kind for e in case.events} >= KINDS
    assert warnings_about(summary, path, "4 NUL characters were removed")


def test_utf16_files_are_decoded_with_a_warning(tmp_path):
    for name, data in {"le-bom.log": LOG.encode("utf-16"), "be-bom.log": b"\xfe\xff" + LOG.encode("utf-16-be"),
                       "le.log": LOG.encode("utf-16-le"), "be.log": LOG.encode("utf-16-be")}.items():
        path = tmp_path / name
        path.write_bytes(data)
        case, summary = analyse(path)
        assert {e.kind for e in case.events} >= KINDS, name
        assert warnings_about(summary, path, "decoded as UTF-16"), name
        assert summary.replaced_bytes == 0, name


def test_utf8_bom_does_not_hide_the_first_line(tmp_path):
    path = tmp_path / "bom.log"
    path.write_bytes(b"\xef\xbb\xbf" + LOG.encode())
    case, summary = analyse(path)
    assert case.events[0].kind == "pki.cert.invalid_expired" and case.events[0].source.first_line == 1
    assert summary.warnings == []


def test_crlf_and_cr_line_ends(tmp_path):
    lf_case, _ = analyse(_write(tmp_path / "lf.log", LOG.encode()))
    expected = [(e.kind, e.source.first_line, e.raw) for e in lf_case.events]
    for name, data, warning in [("crlf.log", LOG.replace("\n", "\r\n").encode(), None),
                                ("cr.log", LOG.replace("\n", "\r").encode(), "bare CR line ends"),
                                ("mixed.log", (EXPIRED + "\r\n" + HANDSHAKE + "\r" + CERTRET + "\n").encode(),
                                 "mixed line ends (LF, CRLF, CR)")]:
        path = _write(tmp_path / name, data)
        case, summary = analyse(path)
        assert [(e.kind, e.source.first_line, e.raw) for e in case.events] == expected, name
        if warning:
            assert warnings_about(summary, path, warning), name
        else:
            assert summary.warnings == [], name


def test_mixed_encodings_keep_the_valid_lines(tmp_path):
    path = tmp_path / "mixed.log"
    latin1 = "*Mar  1 00:03:47.000: %SYS-5-CONFIG_I: Configured from console by Jürgen on vty0".encode("latin-1")
    utf16 = "junk pasted from a UTF-16 file".encode("utf-16")
    path.write_bytes(EXPIRED.encode() + b"\n" + latin1 + b"\n" + utf16 + b"\n" + CERTRET.encode() + b"\n")
    case, summary = analyse(path)
    assert {e.kind for e in case.events} >= KINDS
    config = next(e for e in case.events if e.fields.get("mnemonic") == "CONFIG_I")
    assert "J\ufffdrgen" in config.raw[0]
    assert summary.replaced_bytes == 3  # ü in Latin-1, and the UTF-16 BOM's two bytes
    assert warnings_about(summary, path, "replaced by U+FFFD")
    assert warnings_about(summary, path, "NUL characters were removed")  # the UTF-16 text's high bytes


def test_binary_file_renamed_log_is_an_input_error_and_the_next_input_still_counts(tmp_path):
    rng = random.Random(8)
    binary = _write(tmp_path / "a-firmware.log", bytes(rng.randrange(256) for _ in range(200_000)))
    good = _write(tmp_path / "b-router.log", LOG.encode())
    case = load([str(binary), str(good)])
    first, second = case.inputs
    assert first.error.startswith("binary data, not a log") and warnings_about(first, binary, "looks like binary")
    assert first.lines > 0 and first.events == first.facts == 0
    assert second.error is None and second.events == 3


def test_truncated_gzip_keeps_what_was_read(tmp_path):
    data = gzip.compress((LOG * 2000).encode())
    path = _write(tmp_path / "cut.log.gz", data[: len(data) // 2])
    case = load([str(path)])
    summary = case.inputs[0]
    assert "read stopped early" in summary.error
    assert 0 < summary.events < 6000 and summary.lines > 0


def test_a_parser_that_fails_costs_one_line_not_the_input(monkeypatch):
    pki = next(cls for cls in line_parsers() if cls.name == "pki")

    def broken(self, rec, ctx):
        if "EXPIRED" in rec.text:
            raise ValueError("boom")
        return original(self, rec, ctx)

    original = pki.parse
    monkeypatch.setattr(pki, "parse", broken)
    case = Case()
    summary = read_input(Input("capture.log", lambda: io.BytesIO(LOG.encode())), case)
    assert summary.error is None and summary.unparsed_lines == 1 and summary.events == 2
    assert summary.warnings == ["capture.log:1: a parser failed on this line (ValueError: boom); counted as unparsed"]


def _write(path, data: bytes):
    path.write_bytes(data)
    return path


def _noise(lines: int) -> bytes:
    """Stamped lines no parser wants, in ever new shapes (the shape table must stay bounded)."""
    rng = random.Random(lines)
    letters = "ghijklmnopqrstuvwxyz"  # no hex digits: each word is a shape of its own
    return "".join(f"*Mar  1 00:{n // 60 % 60:02d}:{n % 60:02d}.000: noise_{''.join(rng.choices(letters, k=8))} "
                   f"{n} state up\n" for n in range(lines)).encode()


def test_memory_does_not_grow_with_noise_lines():
    peaks = {}
    for lines in (10_000, 100_000):
        data = _noise(lines)
        case = Case()
        tracemalloc.start()
        try:
            summary = read_input(Input("noise.log", lambda: io.BytesIO(data)), case)
            peaks[lines] = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert summary.unparsed_lines == lines and summary.events == 0
        assert len(case.unparsed) == 200 and len(summary.unparsed_shapes) == 20
    assert peaks[100_000] < peaks[10_000] + 1024 * 1024, peaks


def test_a_block_parser_that_fails_stops_its_input_only(tmp_path, monkeypatch):
    clock_parser = next(cls for cls in line_parsers() if cls.name == "show-clock")

    def broken(self, ctx):
        raise KeyError("state")

    monkeypatch.setattr(clock_parser, "end_block", broken)
    capture = _write(tmp_path / "a-capture.log", ("Router#show clock\n*10:15:02.123 UTC Mon Mar 1 1993\n"
                                                  "Router#show version\n" + LOG).encode())
    good = _write(tmp_path / "b-router.log", LOG.encode())
    case = load([str(capture), str(good)])
    first, second = case.inputs
    assert first.error == "analysis stopped early: KeyError: 'state'" and first.lines >= 3
    assert second.error is None and second.events == 3


def test_a_stamp_with_a_month_that_does_not_exist_is_no_stamp():
    """Found by fuzz/fuzz_inputs.py: a phone console line whose month was damaged."""
    data = b"3309 NOT Mar 02 09:00:22.541000 dgetfile(851)-TFTP complete - status = 100\n" \
           b"3310 NOT Mal 02 09:00:22.554000 dgetfile(851)-TFTP complete - status = 100\n"
    case = Case()
    summary = read_input(Input("console.log", lambda: io.BytesIO(data)), case)
    assert summary.warnings == [] and summary.nonblank_lines == 2
    assert case.events[0].source.first_line == 1  # the intact line is still read


def test_a_date_with_an_absurd_year_is_no_date():
    """Found by fuzz/fuzz_inputs.py: `show crypto pki server` with a damaged expiry year."""
    from cmedebug.parsers.grammar import parse_ios_date

    assert parse_ios_date("13:09:32 UTC Jun 12 2029")[0].year == 2029
    assert parse_ios_date("13:09:32 UTC Jun 12 " + "9" * 30) is None


def test_unparsed_shapes_are_counted_exactly_when_remembered(tmp_path, monkeypatch):
    """The shapes of unparsed lines are remembered by their text with digits made '0':
    the table is what masking every line gives, across a full memory (cleared and
    refilled), with digits beyond ASCII (masked by \\d, kept apart) and hex runs."""
    from collections import Counter

    from cmedebug import ingest
    from cmedebug.parsers import framing

    monkeypatch.setattr(ingest, "MAX_SHAPES_REMEMBERED", 8)
    rng = random.Random(7)
    lines = [rng.choice(["skinny_socket_process: keepalive socket {} ip 10.10.{}.{}", "cafe {} beef{} x{}",
                         "peer \u0663\u0664 port {}{}{}", "id {}-{}:{} done"]).format(
                             *(rng.randint(0, 10 ** rng.randint(1, 5)) for _ in range(3))) for _ in range(3000)]
    log = tmp_path / "noise.log"
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    case = Case()
    summary = read_input(Input(str(log), lambda: open(log, "rb")), case)
    expected = Counter(ingest.unparsed_shape(line) for line in lines)
    assert summary.unparsed_lines == len(lines)
    assert summary.unparsed_shapes == dict(expected.most_common(20))
    assert len({framing.digits_as_zero(line) for line in lines}) > 8  # more than it holds
