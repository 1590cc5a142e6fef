"""The lines of one input's compact events, kept compressed (issue 11 item 5).

A busy log keeps hundreds of thousands of generic syslog events; their raw line
was the largest thing each held (~190 bytes as a str). A ``LineStore`` keeps
them zlib-compressed in blocks of ``BLOCK_LINES`` (15-40 bytes a line) with their
line numbers in an array (4 bytes, no int object per event), and gives a line
back by its index. Reads go through a few decompressed blocks kept at hand:
the passes over the events (duplicates, the rules) read them in input order.
"""
from __future__ import annotations

import zlib
from array import array

BLOCK_LINES = 128  # ~18 KB of log a block: 15-40 bytes a line compressed, ~40 us to decompress
BLOCKS_AT_HAND = 4  # decompressed blocks kept for reads (input order, or a few places at once)


class LineStore:
    """Lines added one at a time (``add`` -> index), read back by index."""

    __slots__ = ("path", "numbers", "_blocks", "_open", "_at_hand")

    def __init__(self, path: str):
        self.path = path  # the input the lines come from
        self.numbers = array("L")  # index -> line number in the input
        self._blocks: list[bytes] = []  # full blocks, compressed
        self._open: list[str] = []  # the block being filled
        self._at_hand: dict[int, list[str]] = {}  # block -> its lines, newest last

    def add(self, line: str, number: int) -> int:
        """Store ``line`` (no line end in it) found at line ``number``; returns its index."""
        index = len(self.numbers)
        self.numbers.append(number)
        self._open.append(line)
        if len(self._open) == BLOCK_LINES:
            self._blocks.append(zlib.compress("\n".join(self._open).encode("utf-8", "surrogatepass"), 1))
            self._open = []
        return index

    def line(self, index: int) -> str:
        block, offset = divmod(index, BLOCK_LINES)
        if block == len(self._blocks):
            return self._open[offset]
        lines = self._at_hand.get(block)
        if lines is None:
            if len(self._at_hand) >= BLOCKS_AT_HAND:
                del self._at_hand[next(iter(self._at_hand))]  # the oldest
            lines = self._at_hand[block] = zlib.decompress(self._blocks[block]).decode(
                "utf-8", "surrogatepass").split("\n")
        return lines[offset]

    def __len__(self) -> int:
        return len(self.numbers)
