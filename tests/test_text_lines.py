"""TextLines reads in chunks: it gives the lines, counts and repairs that reading
the whole text at once and splitting it would give, wherever the chunks end."""
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cmedebug import sources
from cmedebug.sources import TextLines


def whole_text_reading(data: bytes, limit: int):
    """The reference: decode everything, NULs out, universal line ends, cut long lines."""
    text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", errors="replace", newline=None).read()
    nuls = text.count("\x00")
    text = text.replace("\x00", "")
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    cut = [(number, len(line)) for number, line in enumerate(lines, 1) if len(line) > limit]
    return [line[:limit] for line in lines], nuls, len(cut), cut[0] if cut else None


def chunked_reading(data: bytes, limit: int, batched: bool = False):
    reader = TextLines(io.BytesIO(data), max_chars=limit)
    if batched:
        batches = list(reader.batches())
        assert all(batches)  # (no empty batch)
        lines = [line for batch in batches for line in batch]
    else:
        lines = list(reader)
    return lines, reader.nul_chars, reader.cut_lines, reader.first_cut, reader.count


PIECES = st.sampled_from([b"a", b"bb", "é".encode(), b"\n", b"\r\n", b"\r", b"\x00", b"xxxxxxx", b"\n\n",
                          b"\x00\n", b"\xff"])  # (the last is no UTF-8)


@settings(max_examples=400, deadline=None)
@given(pieces=st.lists(PIECES, max_size=60), chunk=st.integers(1, 9), limit=st.integers(1, 12), batched=st.booleans())
def test_chunks_give_what_reading_the_whole_text_gives(pieces, chunk, limit, batched):
    """Line by line or in batches (``TextLines.batches``)."""
    data = b"".join(pieces)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sources, "READ_CHUNK_CHARS", chunk)
        lines, nuls, cut_lines, first_cut, count = chunked_reading(data, limit, batched)
    assert (lines, nuls, cut_lines, first_cut) == whole_text_reading(data, limit)
    assert count == len(lines)


@pytest.mark.parametrize("chunk", [1, 3, 16, 1000])
def test_a_long_line_across_chunks_is_cut_once_and_numbered(monkeypatch, chunk):
    monkeypatch.setattr(sources, "READ_CHUNK_CHARS", chunk)
    data = b"one\n" + b"y" * 50 + b"\nthree\n" + b"z" * 30
    lines, nuls, cut_lines, first_cut, count = chunked_reading(data, 20)
    assert lines == ["one", "y" * 20, "three", "z" * 20]
    assert (cut_lines, first_cut, count) == (2, (2, 50), 4)


def test_a_line_of_exactly_the_limit_is_not_cut(monkeypatch):
    monkeypatch.setattr(sources, "READ_CHUNK_CHARS", 4)
    lines, _, cut_lines, first_cut, _ = chunked_reading(b"abcdefgh\nij", 8)
    assert lines == ["abcdefgh", "ij"] and cut_lines == 0 and first_cut is None
