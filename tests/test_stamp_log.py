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
        first.append(ev, st, ev.first_line)
    for ev, st in zip(events[3:], STAMPS[2:] + ODD[1:]):
        second.append(ev, st, ev.first_line)
    first.extend(second)
    assert len(first) == len(events)
    assert list(first) == list(zip(events, STAMPS[:2] + ODD[:1] + STAMPS[2:] + ODD[1:]))
    assert list(first.first_lines) == [ev.first_line for ev in events]  # (their first lines follow them)
    assert first.stamp(2) is ODD[0] and first.stamp(6) is ODD[1]  # the odd ones, at their new indexes


def test_the_log_dates_each_stamp_without_building_it():
    """Year resolution reads the packed stamps (no (event, Stamp) pair per event): the
    printed year and month, the years passed within a sequence, then each event's
    datetime in the resolved year."""
    from array import array
    from datetime import datetime, timezone

    from cmedebug.clock import stamp_datetime

    log = StampLog()
    events = [Event(kind="k", source=SourceRef("a.log", n)) for n in range(len(STAMPS) + len(ODD))]
    for ev, st in zip(events, STAMPS + ODD):
        log.append(ev, st, ev.first_line)
    assert [log.printed_year_and_month(i) for i in range(len(STAMPS))] == [(st.year, st.month) for st in STAMPS]
    assert log.printed_year_and_month(len(STAMPS)) == (2025, 8)
    everything = array("q", range(len(events)))
    offsets = log.rollover_offsets(everything)
    # Dec then a year-less March (ODD[1], kept as printed) is a new year; printed years don't count
    assert list(offsets) == [0, 0, 0, 0, 0, 0, 1, 1]
    log.date(everything, offsets, 2026, stamp_datetime)
    assert [ev.ts for ev in events] == [stamp_datetime(st, st.year or 2026 + off) for st, off in zip(STAMPS + ODD, offsets)]
    assert events[0].ts == datetime(2026, 3, 1, 0, 0, 48, 11000, tzinfo=timezone.utc)
    assert events[2].ts == datetime(2025, 8, 7, 4, 37, 54, 849000, tzinfo=timezone.utc)  # printed year
    assert events[3].ts is None  # Feb 29 in a year without one
    assert events[5].ts == datetime(2025, 8, 7, 4, 37, 54, 849000, tzinfo=timezone.utc)  # its zone, UTC
    assert events[6].ts is None and events[7].ts is None  # damaged; a year past 9999


PRINTED = [
    "000123: *Mar  1 00:00:48.011: %SYS-5-CONFIG_I: Configured from console",
    "Nov 26 08:00:00 cme-hq 000002: *Mar  1 00:00:12.038: ephone-2[2]:KeepaliveAck sent to ephone 2",
    "Aug  7 2025 04:37:54.849 UTC: %PKI-6-CERTRET: Certificate received from Certificate Authority",  # a zone
    "Aug  7 2025 04:37:54.8: %PKI-6-CERTRET: x",  # a year, tenths of a second
    ".Dec 31 23:59:59: no fraction",
    "*Mar 99 99:99:99.000: a damaged stamp",  # does not pack: kept as printed
    "Jan  1 0000 00:00:00.000001: year 0 printed",
]


def test_a_prefix_match_is_logged_as_its_stamp_would_be():
    """Framing keeps the prefix match of most lines, not a Stamp: the log packs the
    match itself (``pack_printed``), to what the stamp read from it packs to."""
    from cmedebug.parsers.framing import _PHONE_CONSOLE, PREFIX, stamp_from
    from cmedebug.parsers.stamp_log import pack_printed

    matches = [PREFIX.match(line) for line in PRINTED]
    matches.append(_PHONE_CONSOLE.match("3325 INF Nov 29 06:33:59.915121 SECUREAPP-Hashes match"))  # another regex
    assert all(matches)
    for m in matches:
        assert pack_printed(m) == pack(stamp_from(m)), m.string
    assert [pack_printed(m) is None for m in matches] == [False, False, True, False, False, True, False, False]
    by_match, by_stamp = StampLog(), StampLog()
    for n, m in enumerate(matches):
        ev = Event(kind="k", source=SourceRef("a.log", n))
        by_match.append(ev, m, n)
        by_stamp.append(ev, stamp_from(m), n)
    assert list(by_match) == list(by_stamp)
    assert by_match.stamp(2) == stamp_from(matches[2]) and by_match.stamp(2).tz == "UTC"  # kept as printed, a Stamp


def test_remembered_seconds_give_what_packing_each_stamp_gives(monkeypatch):
    """``pack_printed`` remembers a stamp's fields down to the second: every later stamp of
    that second (any fraction), of another, and a damaged one seen twice, pack as their
    Stamps do, also when the bounded memory is cleared half-way."""
    import random

    from cmedebug.parsers import stamp_log
    from cmedebug.parsers.framing import PREFIX, stamp_from
    from cmedebug.parsers.stamp_log import pack_printed

    monkeypatch.setattr(stamp_log, "MAX_REMEMBERED", 16)
    rng = random.Random(7)
    lines = []
    for _ in range(600):
        day, hour, second = rng.choice((1, 9, 31, 40)), rng.choice((0, 23, 31, 32, 99)), rng.choice((0, 48, 59, 63, 64))
        fraction = rng.choice(("", ".0", ".011", ".5", ".999999", ".000001"))
        spaces = " " if day > 9 else rng.choice((" ", "  "))
        lines.append(f"000001: *{rng.choice(('Jan', 'Mar', 'Dec'))}{spaces}{day} {hour:02d}:07:{second:02d}{fraction}: x")
    matches = [PREFIX.match(line) for line in lines * 2]  # each second seen again, remembered or not
    assert all(matches)
    assert [pack_printed(m) for m in matches] == [pack(stamp_from(m)) for m in matches]
    assert any(pack_printed(m) is None for m in matches) and any(pack_printed(m) is not None for m in matches)
    assert len(stamp_log._BY_SECOND) <= 16


def test_the_event_printed_nearest_a_line_is_found_from_the_first_lines_logged():
    """Year resolution dates a sequence by the event printed nearest an anchor's line: the
    first of the nearest, in the sequence's order, read from the lines logged with the stamps
    (not from the events)."""
    from array import array

    from cmedebug.clock import _Sequence

    log = StampLog()
    lines = [10, 40, 20, 30, 22, 18]
    for n in lines:
        log.append(Event(kind="k", source=SourceRef("a.log", n)), STAMPS[0], n)
    sequence = _Sequence(log, array("q", [0, 2, 3, 4, 5]))  # (lines 10, 20, 30, 22, 18)
    assert sequence.nearest(21) == 1  # 20 and 22 are as near: the first
    assert sequence.nearest(19) == 1  # 20 and 18: the first again
    assert sequence.nearest(1000) == 2 and sequence.nearest(0) == 0
    assert _Sequence(log, array("q")).nearest(5) == 0


def _offsets_by_hand(stamps: list) -> list[int]:
    """The years passed since the first stamp: a year-less Jan-Mar stamp after a year-less Oct-Dec one."""
    offsets, off, prev = [], 0, None
    for st in stamps:
        if st.year is None:
            if prev is not None and prev >= 10 and st.month <= 3:
                off += 1
            prev = st.month
        offsets.append(off)
    return offsets


def test_the_years_passed_are_told_without_the_loop_only_when_none_can_pass():
    """``rollover_offsets`` skips its loop when no stamp prints a year and the months are not
    both in Oct-Dec and Jan-Mar (read from the packed bytes); the offsets are the same as
    counted by hand, for every sequence of stamps and sub-sequences of them."""
    from array import array

    from hypothesis import given, settings, strategies as st

    stamp = st.builds(Stamp, st.integers(1, 12), st.integers(1, 28), st.integers(0, 23), st.integers(0, 59),
                      st.integers(0, 59), st.integers(0, 999999), st.one_of(st.none(), st.integers(1990, 2030)))
    # kept as printed (packed as 0), a year-less damaged December among them
    odd = st.sampled_from([*ODD, Stamp(12, 99, 99, 99, 99, 0)])

    @settings(max_examples=300, deadline=None)
    @given(st.lists(st.one_of(stamp, stamp, stamp, odd), min_size=1, max_size=40), st.data())
    def check(stamps, data):
        log = StampLog()
        for n, printed in enumerate(stamps):
            log.append(Event(kind="k", source=SourceRef("a.log", n)), printed, n)
        picked = sorted(data.draw(st.sets(st.integers(0, len(stamps) - 1), min_size=1)))
        for indexes in (array("q", range(len(stamps))), array("q", picked)):
            sequence = [stamps[i] for i in indexes]
            assert list(log.rollover_offsets(indexes)) == _offsets_by_hand(sequence)
            months = {s.month for s in sequence}
            may = any(s.year is not None or pack(s) is None for s in sequence) or max(months) >= 10 and min(months) <= 3
            assert log._may_roll_over(indexes) == may

    check()
    # a year-less December kept as printed, then January: a year passed (its month is in no packed byte)
    log = StampLog()
    for n, printed in enumerate([Stamp(12, 99, 99, 99, 99, 0), Stamp(1, 5, 0, 0, 0, 0)]):
        log.append(Event(kind="k", source=SourceRef("a.log", n)), printed, n)
    assert list(log.rollover_offsets(array("q", [0, 1]))) == [0, 1]
    # March alone, and the year-less Oct-Dec then Jan-Mar of a log that ran past New Year
    for months, may in (([3, 3], False), ([11, 12, 1], True)):
        log = StampLog()
        for n, month in enumerate(months):
            log.append(Event(kind="k", source=SourceRef("a.log", n)), Stamp(month, 1, 0, 0, 0, 0), n)
        assert log._may_roll_over(array("q", range(len(months)))) is may
