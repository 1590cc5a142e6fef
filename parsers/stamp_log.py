"""The printed stamps of the events of a case, kept packed until their years are resolved.

Year resolution (``cmedebug.clock.resolve_years``) needs every stamped event's
stamp as printed, once all inputs are read. A ``Stamp`` with its (event, stamp)
pair and microsecond int costs about 196 bytes an event; here a stamp is one
8-byte integer in an array (bit fields), and only the rare stamp that does not
fit them (a printed zone, a field out of range) is kept as it is.
"""
from __future__ import annotations

import re
import sys
from array import array
from datetime import datetime, timezone
from functools import lru_cache
from operator import itemgetter
from typing import Callable, Iterator

from cmedebug.model import Event
from cmedebug.parsers.framing import PREFIX, SERVER_PREFIX, Stamp, new_tuple, prefix_match, stamp_from

# Bit fields from the low end: microsecond 20, second 6, minute 6, hour 5, day 5, month 4,
# year 14 (stored plus one; 0: not printed). Written out, not looped: one runs per event.


def pack(st: Stamp) -> int | None:
    """The stamp as one integer, or None when it does not fit the bit fields."""
    month, day, hour, minute, second, microsecond, year, tz = st
    if tz is not None:
        return None
    return _packed(month, day, hour, minute, second, microsecond, 0 if year is None else year + 1)


def pack_printed(m: re.Match) -> int | None:
    """``pack`` of the stamp of a prefix match (framing keeps the match, not the Stamp,
    of most lines), without building the Stamp: one runs per event of a busy log, and
    reading five numbers was most of it. A log prints many lines a second, so the
    fields down to the second are remembered by their text (``Mar  1 00:00:48``)."""
    if m.re is not SERVER_PREFIX and m.re is not PREFIX:  # (another regex: a phone console line)
        return pack(stamp_from(m))
    year, tz, fraction = m.group("year", "tz", "frac")
    if year is not None or tz is not None:  # (a printed year or zone: rare)
        return pack(stamp_from(m))
    second = m.string[m.start("mon"):m.end("s")]
    packed = _BY_SECOND.get(second)
    if packed is None:
        if len(_BY_SECOND) >= MAX_REMEMBERED:
            _BY_SECOND.clear()
        packed = pack(stamp_from(m)._replace(microsecond=0))
        packed = _BY_SECOND[second] = _UNPACKABLE if packed is None else packed
    if packed == _UNPACKABLE:
        return None
    return packed | _microseconds(fraction) if fraction else packed


MAX_REMEMBERED = 4096
# the bytes of a packed stamp (an 8-byte array item) that hold its bits 40-47 (month and the
# lowest bits of the year) and 48-63 (the rest of the year), by the machine's byte order
_MONTH_BYTE, _YEAR_BYTES = (5, (6, 7)) if sys.byteorder == "little" else (2, (1, 0))
_BY_SECOND: dict[str, int] = {}  # the text of a stamp down to its second -> its fields packed (microsecond 0)
_UNPACKABLE = -1  # (a field out of range: the stamp is kept as printed)


@lru_cache(maxsize=MAX_REMEMBERED)
def _microseconds(fraction: str) -> int:
    """The digits after the point (six at most: it fits the bit field) as microseconds."""
    return int(fraction.ljust(6, "0"))


def _packed(month: int, day: int, hour: int, minute: int, second: int, microsecond: int, year: int) -> int | None:
    """The bit fields (``year``: the printed year plus one, 0 when none), or None when one does not fit."""
    if not (0 <= microsecond < 1 << 20 and 0 <= second < 64 and 0 <= minute < 64 and 0 <= hour < 32
            and 0 <= day < 32 and 0 <= month < 16 and 0 <= year < 1 << 14):
        return None
    return microsecond | second << 20 | minute << 26 | hour << 32 | day << 37 | month << 42 | year << 46


def unpack(packed: int) -> Stamp:
    year = packed >> 46
    return new_tuple(Stamp, (packed >> 42 & 15, packed >> 37 & 31, packed >> 32 & 31, packed >> 26 & 63,
                             packed >> 20 & 63, packed & 0xFFFFF, year - 1 if year else None, None))


def checked_datetime(year: int, month: int, day: int, hour: int, minute: int, second: int, microsecond: int,
                     tzinfo: timezone) -> datetime | None:
    try:
        return datetime(year, month, day, hour, minute, second, microsecond, tzinfo)  # (positional: a third quicker)
    except ValueError:  # Feb 29 in a guessed year, or a damaged stamp
        return None


class StampLog:
    """Stamped events in the order they were read, and their printed stamps."""

    __slots__ = ("events", "first_lines", "_packed", "_unpacked")

    def __init__(self) -> None:
        self.events: list[Event] = []
        # index -> the event's first line (year resolution looks for the event printed nearest
        # a line: an event's ``first_line`` is a property call, this an array item)
        self.first_lines = array("I")
        self._packed = array("q")
        self._unpacked: dict[int, Stamp] = {}  # index -> a stamp that does not pack

    def append(self, event: Event, stamp: Stamp | re.Match, first_line: int) -> None:
        """Log ``event``'s printed stamp (a Stamp, or the prefix match it is read from) and
        its first line."""
        if stamp.__class__ is re.Match:
            packed = pack_printed(stamp)
            if packed is None:
                stamp = stamp_from(stamp)
        else:
            packed = pack(stamp)
        if packed is None:
            self._unpacked[len(self.events)] = stamp
            packed = 0
        self.events.append(event)
        self.first_lines.append(first_line)
        self._packed.append(packed)

    def append_from_line(self, event: Event, line: str, number: int, second: tuple[int, int],
                         fraction: tuple[int, int] | None) -> None:
        """``append`` of a stamp printed at these spans of ``line`` (line ``number``: a syslog
        that a routine run passed over, ``SyslogShape``), read as ``pack_printed`` reads it,
        without the match when its second is remembered (else from the match)."""
        packed = _BY_SECOND.get(line[second[0]:second[1]])
        if packed is None or packed == _UNPACKABLE:
            self.append(event, prefix_match(line), number)
            return
        self.events.append(event)
        self.first_lines.append(number)
        self._packed.append(packed | _microseconds(line[fraction[0]:fraction[1]]) if fraction else packed)

    def extend(self, other: StampLog) -> None:
        base = len(self.events)
        self._unpacked.update({base + i: st for i, st in other._unpacked.items()})
        self.events.extend(other.events)
        self.first_lines.extend(other.first_lines)
        self._packed.extend(other._packed)

    def stamp(self, index: int) -> Stamp:
        found = self._unpacked.get(index)
        return found if found is not None else unpack(self._packed[index])

    def printed_year_and_month(self, index: int) -> tuple[int | None, int]:
        """(the printed year or None, the month) of one stamp, without building it."""
        if index in self._unpacked:
            st = self._unpacked[index]
            return st.year, st.month
        packed = self._packed[index]
        year = packed >> 46
        return (year - 1 if year else None), packed >> 42 & 15

    def rollover_offsets(self, indexes: array) -> array:
        """Per stamp of a sequence (``indexes``, in order), the years passed since its
        first (Oct-Dec -> Jan-Mar between two year-less stamps)."""
        if not self._may_roll_over(indexes):
            return array("H", bytes(2 * len(indexes)))
        offsets, off, prev = array("H"), 0, None
        packed_of, unpacked = self._packed, self._unpacked
        for i in indexes:
            st = unpacked.get(i)
            if st is None:
                packed = packed_of[i]
                yearless, month = not packed >> 46, packed >> 42 & 15
            else:
                yearless, month = st.year is None, st.month
            if yearless:
                if prev is not None and prev >= 10 and month <= 3:
                    off += 1
                prev = month
            offsets.append(off)
        return offsets

    def _may_roll_over(self, indexes: array) -> bool:
        """False when no stamp of the sequence prints a year and none of them is in Oct-Dec or
        none in Jan-Mar: no year passes then. Told from the bytes of the packed stamps that
        hold the month (bits 42-45) and the year (46-59), read in C: the loop of
        ``rollover_offsets`` runs for every stamped event of a case."""
        if not indexes:
            return False
        if self._unpacked and not self._unpacked.keys().isdisjoint(indexes):
            return True  # (a stamp kept as printed: its month is not in the packed bytes)
        stamps = memoryview(self._packed).cast("B")
        columns = [stamps[at::8] for at in (_MONTH_BYTE, *_YEAR_BYTES)]
        if len(indexes) < len(self._packed):  # (else the sequence is every stamp, in order)
            pick = itemgetter(indexes[0], *indexes)  # (two indexes at least: it gives a tuple)
            columns = [pick(column) for column in columns]
        month_bytes = set(columns[0])
        if max(month_bytes) >> 6 or any(max(column) for column in columns[1:]):  # (a printed year)
            return True
        months = {byte >> 2 & 15 for byte in month_bytes}
        return max(months) >= 10 and min(months) <= 3

    def date(self, indexes: array, offsets: array, base: int,
             odd_datetime: Callable[[Stamp, int], datetime | None]) -> None:
        """Give the events of a sequence their ``ts``: year ``base`` plus its offset
        where none is printed; ``odd_datetime(stamp, year)`` dates a stamp kept as printed.
        (One loop: it runs for every stamped event of a case.)"""
        events, packed_of, unpacked, utc = self.events, self._packed, self._unpacked, timezone.utc
        for i, off in zip(indexes, offsets):
            odd = unpacked.get(i) if unpacked else None
            if odd is not None:
                events[i].ts = odd_datetime(odd, odd.year or base + off)
                continue
            packed = packed_of[i]
            printed = packed >> 46  # (a printed year 0 counts as no year, as everywhere else)
            events[i].ts = checked_datetime(printed - 1 if printed > 1 else base + off, packed >> 42 & 15,
                                            packed >> 37 & 31, packed >> 32 & 31, packed >> 26 & 63,
                                            packed >> 20 & 63, packed & 0xFFFFF, utc)

    def __len__(self) -> int:
        return len(self.events)

    def __iter__(self) -> Iterator[tuple[Event, Stamp]]:
        for i, ev in enumerate(self.events):
            yield ev, self.stamp(i)
