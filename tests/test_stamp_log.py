"""Printed stamps kept packed until year resolution (issue 11 item 5 / issue 17: memory per event)."""
from __future__ import annotations

from cmedebug.model import Event, SourceRef
from cmedebug.parsers.framing import Stamp
from cmedebug.parsers.stamp_log import StampLog, pack, unpack

STAMPS = [
    Stamp(3, 1, 0, 0, 48, 11000),  # *Mar  1 00:00:48.011
    Stamp(12, 31, 23, 59, 59, 999999),
    Stamp(8, 7, 4, 37, 54, 849000, 2025),  # a printed year
    Stamp(2, 29, 12, 0, 0, 0, 9999),
    Stamp(1, 1, 0, 0, 0, 0, 0),  # year 0 printed is not "no year"
]
ODD = [
    Stamp(8, 7, 4, 37, 54, 849000, 2025, "UTC"),  # a printed zone
    Stamp(3, 99, 99, 99, 99, 0),  # a damaged stamp: kept as printed, stamp_datetime refuses it later
    Stamp(3, 1, 0, 0, 0, 0, 20000),
]


def test_packing_keeps_every_field():
    for st in STAMPS:
        assert unpack(pack(st)) == st
    assert all(pack(st) is None for st in ODD)


def test_log_gives_each_event_its_stamp_across_inputs():
    events = [Event(kind="k", source=SourceRef("a.log", n)) for n in range(len(STAMPS) + len(ODD))]
    first, second = StampLog(), StampLog()
    for ev, st in zip(events, STAMPS[:2] + ODD[:1]):
        first.append(ev, st)
    for ev, st in zip(events[3:], STAMPS[2:] + ODD[1:]):
        second.append(ev, st)
    first.extend(second)
    assert len(first) == len(events)
    assert list(first) == list(zip(events, STAMPS[:2] + ODD[:1] + STAMPS[2:] + ODD[1:]))
    assert first.stamp(2) is ODD[0] and first.stamp(6) is ODD[1]  # the odd ones, at their new indexes
