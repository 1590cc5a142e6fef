"""The compressed lines of compact syslog events (issue 11 item 5: a million kept
events well under 500 MB; `python benchmarks/run.py --shapes events` measures it)."""
from __future__ import annotations

import random
import sys

from cmedebug.line_store import BLOCK_LINES, BLOCKS_AT_HAND, LineStore
from cmedebug.parsers.base import Context
from cmedebug.parsers.framing import frame
from cmedebug.parsers.syslog import GenericSyslogParser

LINES = [f"Nov 26 08:{n // 60 % 60:02d}:{n % 60:02d} cme-hq {n:06d}: *Mar  1 00:00:{n % 60:02d}.{n % 1000:03d}: "
         f"%LINK-3-UPDOWN: Interface GigabitEthernet0/{n % 4}, changed state to {('up', 'down')[n % 2]}"
         for n in range(5 * BLOCK_LINES + 7)]
ODD = ["", "ümlaut \ufffd replaced bytes", "tab\there", "\u2028 a separator that is no line end here", "x" * 5000]


def _store(lines: list[str]) -> LineStore:
    store = LineStore("big.log")
    for number, line in enumerate(lines, start=10):
        assert store.add(line, number) == number - 10
    return store


def test_every_line_comes_back_with_its_number_in_any_order():
    lines = LINES[:BLOCK_LINES] + ODD + LINES[BLOCK_LINES:]
    store = _store(lines)
    assert len(store) == len(lines) and list(store.numbers) == list(range(10, 10 + len(lines)))
    assert [store.line(i) for i in range(len(lines))] == lines  # input order: each block decompressed once
    order = list(range(len(lines)))
    random.Random(7).shuffle(order)
    assert [store.line(i) for i in order] == [lines[i] for i in order]  # more blocks than are kept at hand
    assert len(store._at_hand) <= BLOCKS_AT_HAND


def test_the_lines_are_held_compressed():
    store = _store(LINES)
    held = sum(map(sys.getsizeof, store._blocks)) + sys.getsizeof(store.numbers)
    as_strings = sum(map(sys.getsizeof, LINES[:len(store._blocks) * BLOCK_LINES]))
    assert held * 4 < as_strings


def test_a_compact_event_reads_its_line_source_and_fields_from_the_store():
    ctx = Context(path="big.log")
    parser = GenericSyslogParser()
    events = []
    for rec in frame(LINES):
        events += parser.parse(rec, ctx)
    assert ctx.lines is not None and len(ctx.lines) == len(LINES)
    for number, (ev, line) in enumerate(zip(events, LINES), start=1):
        assert ev.raw == (line,) and ev.line == line
        assert (ev.source.path, ev.source.first_line, ev.source.last_line) == ("big.log", number, number)
        assert ev.fields["text"] == line.split("%LINK-3-UPDOWN: ", 1)[1]
