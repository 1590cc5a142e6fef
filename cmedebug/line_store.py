"""The lines and fields of one input's one-line events, kept compressed (issue 11 item 5).

A busy log keeps hundreds of thousands of one-line events; their raw line and
fields dict were the largest things each held (~190 and ~270 bytes). A
``LineStore`` keeps them LZ4-compressed in blocks of ``BLOCK_LINES`` events
(~28 bytes a line, ~12 bytes of fields on the events benchmark: zlib at its fastest
kept ~21 and ~9, but took five times as long to compress and eight times as long to
read back), with the line numbers and the lines'
CRC-32 in arrays (4 bytes each, no int object per event), and gives them back by
index.

Lines and fields are compressed apart, because the rules read fields far more
often than lines. Fields are kept as a tuple of values with the index of their
tuple of keys (the keys of one kind of event repeat), and only plain values are
stored (str, int, float, bool, None, bytes, and tuples, lists and dicts that
``marshal`` keeps as they are, and datetimes with a fixed-offset zone or none,
kept as tuples); ``add`` refuses others. A read decompresses
the block that holds the entry and keeps a few blocks at hand, with the dicts
it built: the passes over the events (duplicates, the rules) go in input order.
"""
from __future__ import annotations

import marshal
import zlib
from array import array
from datetime import datetime, timedelta, timezone
from types import MappingProxyType
from typing import Any, Mapping

from lz4.block import compress, decompress

BLOCK_BITS = 7
BLOCK_LINES = 1 << BLOCK_BITS  # ~18 KB of log a block: ~12 us to compress its lines, ~3 us to decompress them
BLOCK_MASK = BLOCK_LINES - 1
BLOCKS_AT_HAND = 4  # decompressed blocks kept for reads (input order, or a few places at once)
NOT_STORED = -1  # what ``add`` returns for fields that cannot be stored
_MICROSECOND = timedelta(microseconds=1)
_PLAIN = frozenset({str, int, float, bool, type(None), bytes})


class LineStore:
    """Lines (and their events' fields) added one at a time (``add`` -> index), read back by index."""

    __slots__ = ("path", "numbers", "line_hashes", "_line_blocks", "_field_blocks", "_open_lines", "_open_fields",
                 "_keys", "_key_ids", "_lines_at_hand", "_fields_at_hand")

    def __init__(self, path: str):
        self.path = path  # the input the lines come from
        self.numbers = array("I")  # index -> line number in the input ("I": 4 bytes, "L" is 8 here)
        # index -> CRC-32 of the line: equal lines, equal values, in any process (duplicates
        # compares them before it reads any line)
        self.line_hashes = array("I")
        self._line_blocks: list[bytes] = []  # full blocks of lines, compressed
        self._field_blocks: list[bytes | None] = []  # their fields, compressed (None: no line has fields)
        self._open_lines: list[str] = []  # the block being filled
        self._open_fields: list[tuple[int, tuple] | None] = []  # (keys id, values) or None
        # keys id -> (the keys of a fields dict, the positions of its datetime values)
        self._keys: list[tuple[tuple[str, ...], tuple[int, ...]]] = []
        self._key_ids: dict[tuple[tuple[str, ...], tuple[int, ...]], int] = {}
        self._lines_at_hand: dict[int, list[str]] = {}  # block -> its lines, newest last
        self._fields_at_hand: dict[int, tuple[list, list]] = {}  # block -> its entries and the dicts built

    def add(self, line: str, number: int, fields: dict | None = None) -> int:
        """Store ``line`` (no line end in it) found at line ``number``, with ``fields``
        if given; returns its index, or NOT_STORED when a value of ``fields`` is not
        plain data (nothing is stored then)."""
        entry = None
        if fields is not None:
            values = tuple(fields.values())
            times: tuple[int, ...] = ()
            if not _plain(values):
                packed_times = _pack_times(values)
                if packed_times is None:
                    return NOT_STORED
                values, times = packed_times
            keys = (tuple(fields), times)
            key_id = self._key_ids.get(keys)
            if key_id is None:
                key_id = self._key_ids[keys] = len(self._keys)
                self._keys.append(keys)
            entry = (key_id, values)
        index = len(self.numbers)
        self.numbers.append(number)
        self.line_hashes.append(zlib.crc32(line.encode("utf-8", "surrogatepass")))
        self._open_lines.append(line)
        self._open_fields.append(entry)
        if len(self._open_lines) == BLOCK_LINES:
            self._line_blocks.append(compress("\n".join(self._open_lines).encode("utf-8", "surrogatepass")))
            has_fields = any(e is not None for e in self._open_fields)
            self._field_blocks.append(compress(marshal.dumps(self._open_fields)) if has_fields else None)
            self._open_lines, self._open_fields = [], []
        return index

    def line(self, index: int) -> str:
        block, offset = index >> BLOCK_BITS, index & BLOCK_MASK
        if block == len(self._line_blocks):
            return self._open_lines[offset]
        lines = self._lines_at_hand.get(block)
        if lines is None:
            lines = _keep(self._lines_at_hand, block, decompress(self._line_blocks[block]).decode(
                "utf-8", "surrogatepass").split("\n"))
        return lines[offset]

    def fields(self, index: int) -> Mapping[str, Any] | None:
        """The fields stored with line ``index``, read-only (None if it has none)."""
        at_hand = self._fields_at_hand.get(index >> BLOCK_BITS)
        if at_hand is not None:  # the rules read the fields of one event several times, in passes
            found = at_hand[1][index & BLOCK_MASK]
            if found is not None:
                return found
        return self._build_fields(index)

    def _build_fields(self, index: int) -> Mapping[str, Any] | None:
        block, offset = index >> BLOCK_BITS, index & BLOCK_MASK
        if block == len(self._field_blocks):
            entry = self._open_fields[offset]
            return None if entry is None else self._mapping(entry)
        at_hand = self._fields_at_hand.get(block)
        if at_hand is None:
            packed = self._field_blocks[block]
            entries = marshal.loads(decompress(packed)) if packed is not None else [None] * BLOCK_LINES
            at_hand = _keep(self._fields_at_hand, block, (entries, [None] * BLOCK_LINES))
        entry = at_hand[0][offset]
        if entry is None:
            return None
        fields = at_hand[1][offset] = self._mapping(entry)
        return fields

    def _mapping(self, entry: tuple[int, tuple]) -> Mapping[str, Any]:
        keys, times = self._keys[entry[0]]
        values = entry[1]
        if times:
            values = list(values)
            for i in times:
                values[i] = _unpack_time(values[i])
        return MappingProxyType(dict(zip(keys, values)))

    def __len__(self) -> int:
        return len(self.numbers)

    def __getstate__(self) -> dict:
        """What pickling keeps (a case sent to another process): all but the blocks at hand."""
        return {name: getattr(self, name) for name in self.__slots__ if not name.endswith("_at_hand")}

    def __setstate__(self, state: dict) -> None:
        for name, value in state.items():
            setattr(self, name, value)
        self._lines_at_hand, self._fields_at_hand = {}, {}


def _keep(at_hand: dict, block: int, decoded):
    """Keep ``decoded`` at hand for ``block``, forgetting the oldest block if need be."""
    if len(at_hand) >= BLOCKS_AT_HAND:
        del at_hand[next(iter(at_hand))]
    at_hand[block] = decoded
    return decoded


def _pack_times(values: tuple) -> tuple[tuple, tuple[int, ...]] | None:
    """``values`` with each datetime as a plain tuple, and where they were; None when
    another value is not plain data, or a datetime's zone is not a fixed offset."""
    out, times = list(values), []
    for i, value in enumerate(values):
        if type(value) is datetime:
            zone = value.tzinfo
            if zone is None:
                zone_packed = None
            elif type(zone) is timezone:
                offset = zone.utcoffset(None)
                name = zone.tzname(None)
                zone_packed = (offset // _MICROSECOND, None if name == timezone(offset).tzname(None) else name)
            else:  # a zoneinfo zone: its rules are not plain data
                return None
            out[i] = (*value.timetuple()[:6], value.microsecond, value.fold, zone_packed)
            times.append(i)
        elif not _plain(value):
            return None
    return tuple(out), tuple(times)


def _unpack_time(packed: tuple) -> datetime:
    *fields, fold, zone = packed
    if zone is not None:
        offset = timedelta(microseconds=zone[0])
        zone = timezone(offset) if zone[1] is None else timezone(offset, zone[1])
    return datetime(*fields, tzinfo=zone, fold=fold)


def _plain(value) -> bool:
    """Whether ``marshal`` gives ``value`` back as it is, with the same types (it refuses
    subclasses and datetimes, and would give a bytearray back as bytes)."""
    kind = type(value)
    if kind in _PLAIN:
        return True
    if kind is tuple or kind is list:  # (most hold scalars only: their types looked up in one pass)
        return all(map(_PLAIN.__contains__, map(type, value))) or all(map(_plain, value))
    if kind is dict:
        return all(_plain(k) and _plain(v) for k, v in value.items())
    return False
