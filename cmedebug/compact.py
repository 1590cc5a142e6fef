"""Compact storage of events and facts: equal immutable values are stored once.

A busy log repeats itself: the same device, MAC, IP address, trustpoint, serial
and reason in thousands of events, the same `show` output pasted again and
again. Each parser builds fresh strings for them. ``SharedValues.share`` runs on
every event and fact as it enters the case and replaces each string field
value, tuple of strings, raw line and raw-line tuple by the one equal object
seen before, so the case references one copy instead of holding many.

Only immutable values are shared (``str``, tuples of ``str``): a parser may still
update an item's ``fields`` dict or replace its ``raw`` after emitting it, and
nothing that can change in place is ever shared between two items. The table
of values is bounded (``MAX_SHARED`` entries; it starts again when full), so
on a log whose lines are all different it costs a constant, not a share of the
input.
"""
from __future__ import annotations

from cmedebug.model import LineEvent

MAX_SHARED = 1 << 17  # table entries before it starts again (a few MB at most)
MAX_VALUE_CHARS = 512  # longer values are rarely repeated; not worth a table entry


class SharedValues:
    """The table of values already stored; one per case."""

    __slots__ = ("table",)

    def __init__(self) -> None:
        self.table: dict = {}

    def one(self, value):
        """The stored object equal to ``value`` (``value`` itself the first time)."""
        table = self.table
        found = table.get(value)
        if found is not None:
            return found
        if len(table) >= MAX_SHARED:
            table.clear()
        table[value] = value
        return value

    def lines(self, raw: tuple) -> tuple:
        found = self.table.get(raw)
        if found is not None:
            return found
        return self.one(tuple([self.one(line) if len(line) <= MAX_VALUE_CHARS else line for line in raw]))

    def share(self, item) -> None:
        """Replace the values of an Event or Fact by the equal ones already stored."""
        if isinstance(item, LineEvent):  # its line and fields are held compressed (cmedebug/line_store.py)
            return
        item.kind = self.one(item.kind)
        fields = item.fields
        for key, value in fields.items():  # replacing values (no new keys) while iterating is allowed
            kind = type(value)
            if kind is str:
                if len(value) <= MAX_VALUE_CHARS:
                    fields[key] = self.one(value)
            elif kind is tuple and value and all(type(v) is str for v in value):
                fields[key] = self.lines(value)
        raw = item.raw
        if type(raw) is tuple and raw:
            item.raw = self.lines(raw)
