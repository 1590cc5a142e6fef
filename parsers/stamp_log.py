"""The printed stamps of the events of a case, kept packed until their years are resolved.

Year resolution (``cmedebug.clock.resolve_years``) needs every stamped event's
stamp as printed, once all inputs are read. A ``Stamp`` with its (event, stamp)
pair and microsecond int costs about 196 bytes an event; here a stamp is one
8-byte integer in an array (bit fields), and only the rare stamp that does not
fit them (a printed zone, a field out of range) is kept as it is.
"""
from __future__ import annotations

from array import array
from typing import Iterator

from cmedebug.model import Event
from cmedebug.parsers.framing import Stamp

# (field, bits) from the low end; the year is stored plus one (0: not printed)
_FIELDS = (("microsecond", 20), ("second", 6), ("minute", 6), ("hour", 5), ("day", 5), ("month", 4), ("year", 14))


def pack(st: Stamp) -> int | None:
    """The stamp as one integer, or None when it does not fit the bit fields."""
    if st.tz is not None:
        return None
    packed, shift = 0, 0
    for name, bits in _FIELDS:
        value = getattr(st, name)
        if name == "year":
            value = 0 if value is None else value + 1
        if not 0 <= value < 1 << bits:
            return None
        packed |= value << shift
        shift += bits
    return packed


def unpack(packed: int) -> Stamp:
    values = {}
    for name, bits in _FIELDS:
        values[name] = packed & ((1 << bits) - 1)
        packed >>= bits
    values["year"] = values["year"] - 1 if values["year"] else None
    return Stamp(**values)


class StampLog:
    """Stamped events in the order they were read, and their printed stamps."""

    __slots__ = ("events", "_packed", "_unpacked")

    def __init__(self) -> None:
        self.events: list[Event] = []
        self._packed = array("q")
        self._unpacked: dict[int, Stamp] = {}  # index -> a stamp that does not pack

    def append(self, event: Event, stamp: Stamp) -> None:
        packed = pack(stamp)
        if packed is None:
            self._unpacked[len(self.events)] = stamp
            packed = 0
        self.events.append(event)
        self._packed.append(packed)

    def extend(self, other: StampLog) -> None:
        base = len(self.events)
        self._unpacked.update({base + i: st for i, st in other._unpacked.items()})
        self.events.extend(other.events)
        self._packed.extend(other._packed)

    def stamp(self, index: int) -> Stamp:
        found = self._unpacked.get(index)
        return found if found is not None else unpack(self._packed[index])

    def __len__(self) -> int:
        return len(self.events)

    def __iter__(self) -> Iterator[tuple[Event, Stamp]]:
        for i, ev in enumerate(self.events):
            yield ev, self.stamp(i)
