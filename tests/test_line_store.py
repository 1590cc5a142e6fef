"""The compressed lines and fields of one-line events (issue 11 item 5: a million kept
events well under 500 MB; `python benchmarks/run.py --shapes events` measures it)."""
from __future__ import annotations

import copy
import pickle
import random
import sys
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path

import pytest

from cmedebug import pipeline
from cmedebug.ingest import read_input
from cmedebug.line_store import BLOCK_LINES, BLOCKS_AT_HAND, NOT_STORED, LineStore
from cmedebug.model import Case, LineEvent, Severity, SourceRef, SyslogEvent
from cmedebug.parsers.base import MAX_DEVICE_STORES, Context
from cmedebug.parsers.framing import frame
from cmedebug.parsers.syslog import GenericSyslogParser
from cmedebug.reports.json_report import report_dict
from cmedebug.sources import Input

REPO = Path(__file__).resolve().parents[1]

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
    assert len(store._lines_at_hand) <= BLOCKS_AT_HAND


def test_the_lines_are_held_compressed():
    store = _store(LINES)
    held = sum(map(sys.getsizeof, store._line_blocks)) + sys.getsizeof(store.numbers)
    as_strings = sum(map(sys.getsizeof, LINES[:len(store._line_blocks) * BLOCK_LINES]))
    assert held * 4 < as_strings


def test_a_compact_event_reads_its_line_source_and_fields_from_the_store():
    ctx = Context(path="big.log")
    parser = GenericSyslogParser()
    events = []
    for rec in frame(LINES):
        events += parser.parse(rec, ctx)
    (store,) = ctx.line_stores.values()  # one device, one store
    assert len(store) == len(LINES)
    for number, (ev, line) in enumerate(zip(events, LINES), start=1):
        assert ev.raw == (line,) and ev.line == line
        assert (ev.source.path, ev.source.first_line, ev.source.last_line) == ("big.log", number, number)
        assert ev.fields["text"] == line.split("%LINK-3-UPDOWN: ", 1)[1]


def test_fields_come_back_equal_read_only_and_keys_are_stored_once():
    store = LineStore("big.log")
    given = [{"reason": f"reason {n % 3}", "peer_ip": f"10.0.{n // 256}.{n % 256}", "peer_port": 40000 + n,
              "ok": n % 2 == 0, "ports": (1, n), "extra": [n, {"a": None}], "ratio": n / 7, "blob": b"\x00" * (n % 4)}
             for n in range(3 * BLOCK_LINES + 5)]
    given[7] = {"other": "keys"}
    for n, fields in enumerate(given):
        assert store.add(f"line {n}", n + 1, fields) == n
    order = list(range(len(given)))
    random.Random(3).shuffle(order)
    for i in order:
        got = store.fields(i)
        assert dict(got) == given[i] and [type(v) for v in got.values()] == [type(v) for v in given[i].values()]
        assert store.line(i) == f"line {i}"
    assert len(store._keys) == 2  # two shapes of fields, their keys held once
    with pytest.raises(TypeError):
        store.fields(0)["reason"] = "changed"


class _RuledZone(tzinfo):
    """A zone with rules of its own (as zoneinfo's): not plain data."""

    def utcoffset(self, dt):
        return timedelta(hours=1)


@pytest.mark.parametrize("value", [Severity.HIGH, ("a", datetime(2026, 1, 1)), bytearray(b"x"), [{"k": object()}],
                                   SourceRef("x"), datetime(2026, 1, 1, tzinfo=_RuledZone())])
def test_fields_that_are_not_plain_data_are_refused_and_the_event_keeps_them(value):
    """marshal would refuse them or give them back as another type (a bytearray as bytes)."""
    store = LineStore("x.log")
    assert store.add("line", 1, {"value": value}) == NOT_STORED and len(store) == 0
    event = LineEvent("k", store, "line", 1, "", "R1", {"value": value})
    event.freeze()
    assert event.fields["value"] is value and event.raw == ("line",)
    assert event.source == SourceRef("x.log", 1, 1)


def test_datetimes_with_a_fixed_zone_or_none_come_back_equal_with_their_zone():
    """An expired certificate's end, a clock update's times: their messages can flood a log."""
    times = [datetime(2029, 6, 12, 13, 9, 32, tzinfo=timezone.utc), datetime(2026, 3, 1, 0, 0, 48, 11),
             datetime(2010, 3, 2, 10, 2, 2, 5, tzinfo=timezone(timedelta(hours=-8), "PST")),
             datetime(2024, 2, 19, 22, 20, 2, tzinfo=timezone(timedelta(hours=5, minutes=30))),
             datetime(2026, 11, 1, 1, 30, fold=1)]
    store = LineStore("x.log")
    for n in range(BLOCK_LINES + 1):  # the last one stays in the open block
        assert store.add(f"line {n}", n + 1, {"serial": "1A2B", "not_after": times[n % len(times)], "n": n}) == n
    for n in (0, 1, 2, 3, 4, BLOCK_LINES):
        got, want = store.fields(n)["not_after"], times[n % len(times)]
        assert got == want and type(got) is datetime and got.fold == want.fold
        assert (got.tzname(), got.utcoffset()) == (want.tzname(), want.utcoffset())
        assert got.isoformat() == want.isoformat() and store.fields(n)["n"] == n
    assert store.fields(0)["not_after"].tzinfo is timezone.utc
    assert len(store._keys) == 1


def test_a_frozen_event_reads_what_it_held_live_and_no_longer_changes():
    store = LineStore("x.log")
    live = LineEvent("tls.handshake.failed", store, "the line", 42, "*", "R1", {"reason": "x", "port": 2443})
    before = live.to_dict()
    live.fields["port"] = 2445  # its parser may still set fields until ingest takes it
    live.freeze()
    assert live.to_dict() == {**before, "fields": {"reason": "x", "port": 2445}}
    assert live._live is None and store.numbers[live.index] == 42
    with pytest.raises(TypeError):
        live.fields["port"] = 1


def test_each_device_has_its_own_store(tmp_path):
    """The rules read one device's events at a time: a syslog server's log mixes many devices."""
    log = tmp_path / "syslog-server.log"
    log.write_text("".join(f"Nov 26 08:00:{n:02d} {host} 00000{n}: Nov 26 08:00:{n:02d}.000: %SYS-5-CONFIG_I: "
                           f"Configured from console by admin on vty0 (10.0.0.{n})\n"
                           for n, host in enumerate(["r1", "r2", "r1"])))
    case = Case()
    read_input(Input(str(log), lambda: open(log, "rb")), case)
    events = case.events
    assert [(e.device, e.fields["by"]) for e in events] == [(f"r{n % 2 + 1}", f"admin on vty0 (10.0.0.{n})")
                                                            for n in range(3)]
    assert events[0].store is events[2].store is not events[1].store
    assert [e.index for e in events] == [0, 0, 1]


def _events_of(paths: list[Path]) -> list:
    case = Case()
    for path in paths:
        read_input(Input(str(path), lambda path=path: open(path, "rb")), case)
    return case.events


def test_every_corpus_event_reads_the_same_stored_as_open(corpus_dir, monkeypatch):
    """issue 11 item 5: storing one-line events changes nothing that rules, reports or JSON read."""
    paths = sorted(p for p in corpus_dir.rglob("*") if p.is_file())
    stored = _events_of(paths)
    assert sum(isinstance(e, LineEvent) and e._live is None for e in stored) > 50
    monkeypatch.setattr(Context, "event", Context.open_event)
    opened = _events_of(paths)
    assert not any(isinstance(e, LineEvent) and e.__class__ is not SyslogEvent for e in opened)
    assert len(stored) == len(opened) > 100
    assert [e.to_dict() for e in stored] == [e.to_dict() for e in opened]


def test_findings_are_the_same_with_one_line_events_stored(corpus_dir, monkeypatch):
    """Every finding, its evidence and the events in the JSON report, on the corpus and the
    bundled sample logs, whether one-line events are stored or kept open."""
    inputs = [str(corpus_dir), str(REPO / "sample_logs")]
    stored = report_dict(pipeline.analyze(inputs))
    monkeypatch.setattr(Context, "event", Context.open_event)
    opened = report_dict(pipeline.analyze(inputs))
    for report in (stored, opened):
        report.pop("generated_at")
    assert len(stored["findings"]) > 20
    assert stored == opened


def test_stored_events_survive_pickling_and_copying():
    """A case may be sent to another process (batch on a pool or a cluster)."""
    store = LineStore("x.log")
    events = [LineEvent("k", store, f"line {n}", n + 1, "", "R1", {"n": n, "at": datetime(2026, 1, 1, tzinfo=timezone.utc)})
              for n in range(BLOCK_LINES + 3)]
    for event in events:
        event.freeze()
    events[0].fields, events[-1].fields  # blocks at hand, with their read-only mappings
    copied = pickle.loads(pickle.dumps(events))
    assert [e.to_dict() for e in copied] == [e.to_dict() for e in events]
    assert copy.copy(events[5]).to_dict() == events[5].to_dict()


def test_generic_syslog_events_survive_pickling():
    ctx = Context(path="big.log")
    events = [ev for rec in frame(LINES[:BLOCK_LINES + 2]) for ev in GenericSyslogParser().parse(rec, ctx)]
    copied = pickle.loads(pickle.dumps(events))
    assert [e.to_dict() for e in copied] == [e.to_dict() for e in events] and copied[0].__class__ is SyslogEvent


def test_a_new_host_on_every_line_does_not_make_a_store_a_line(tmp_path):
    """Hostile or broken input: beyond MAX_DEVICE_STORES devices the events share one store,
    whose blocks fill and are compressed."""
    count = MAX_DEVICE_STORES + 3 * BLOCK_LINES
    log = tmp_path / "hosts.log"
    log.write_text("".join(f"Nov 26 08:00:{n % 60:02d} host{n} {n:06d}: Nov 26 08:00:{n % 60:02d}.000: "
                           f"%SYS-5-CONFIG_I: Configured from console by admin on vty0 (10.0.{n // 250}.{n % 250})\n"
                           for n in range(count)))
    case = Case()
    read_input(Input(str(log), lambda: open(log, "rb")), case)
    stores = {id(e.store) for e in case.events}
    assert len(case.events) == count and len(stores) == MAX_DEVICE_STORES + 1
    shared = case.events[-1].store
    assert len(shared) == count - MAX_DEVICE_STORES and len(shared._line_blocks) == len(shared) // BLOCK_LINES
    assert [e.device for e in case.events] == [f"host{n}" for n in range(count)]
    assert case.events[-1].fields["by"] == f"admin on vty0 (10.0.{(count - 1) // 250}.{(count - 1) % 250})"
