"""One budget for everything a run reads from its inputs (docs/security.md).

``.gz`` contents, zip members (a ``.gz`` inside a zip included) and the files of
folders are all read through ``InputBudget.stream``, which counts their bytes
after decompression against one total (``max_bytes``), cuts a ``.gz`` that
expands more than ``max_ratio`` times as a possible bomb, and turns damage in
compressed data into the ``OSError`` that ingest reports while keeping what was
read. ``max_files`` bounds how many files a folder gives, ``max_members`` how many
members a zip archive may hold. The budget is an
object handed down from the command line (``iter_inputs``, the expanders), not a
module global.
"""
from __future__ import annotations

import gzip
import io
import zipfile
import zlib
from dataclasses import dataclass
from typing import BinaryIO, Callable

class InputLimit(OSError):
    """A limit of the input budget stopped a read (ingest keeps what was read)."""


@dataclass
class InputBudget:
    """What one run may read from its inputs, all together (``cmedebug analyze``
    sets it from ``--zip-max-bytes``, ``--zip-max-ratio`` and ``--max-files``)."""

    max_bytes: int = 8 * 1024**3  # bytes read from all inputs together, after decompression
    max_ratio: int = 200  # decompressed / compressed size of a .gz (a text log gzips 5-30x)
    max_files: int = 10_000  # files taken from one folder
    max_members: int = 10_000  # members of one zip archive (more: the archive is refused)
    used: int = 0

    def charge(self, count: int) -> None:
        self.used += count
        if self.used > self.max_bytes:
            raise InputLimit(f"the inputs passed {self.max_bytes:,} bytes in all; the rest was not read "
                             "(raise the limit with --zip-max-bytes)")

    def check_open(self) -> None:
        if self.used >= self.max_bytes:
            raise InputLimit(f"not read: the {self.max_bytes:,} bytes all inputs may expand to were spent on the "
                             "inputs before it (raise the limit with --zip-max-bytes)")

    def stream(self, inner: BinaryIO, compressed_size: int | None = None,
               position: Callable[[], int] | None = None) -> io.BufferedReader:
        """``inner`` metered against the budget; ``compressed_size`` turns on the ratio
        check of a decompressing stream, ``position`` (the compressed offset) names
        where a truncated one ends."""
        return io.BufferedReader(_Metered(inner, self, compressed_size, position), 64 * 1024)


MIN_BOMB_BYTES = 1024 * 1024  # below this no expansion ratio is refused


class _Metered(io.RawIOBase):
    """Bytes of an input, counted against the budget; damage in a compressed stream
    (bad CRC, corrupt deflate data, an end before the end marker) becomes the
    OSError that ingest reports while keeping what was read."""

    def __init__(self, inner: BinaryIO, budget: InputBudget, compressed_size: int | None,
                 position: Callable[[], int] | None):
        self._inner, self._budget = inner, budget
        self._compressed, self._position = compressed_size, position
        self._count = 0

    def readable(self) -> bool:
        return True

    def fileno(self) -> int:
        """The file's descriptor when the bytes are the file's own (progress measures
        its size); a decompressing stream has none."""
        if self._compressed is not None:
            raise io.UnsupportedOperation("a decompressed stream has no file descriptor")
        return self._inner.fileno()

    def tell(self) -> int:
        return self._count

    def readinto(self, buffer) -> int:
        room = self._budget.max_bytes - self._budget.used + 1  # one byte past the limit is enough to know
        if room <= 0:
            self._budget.charge(0)
        try:
            data = self._inner.read(min(len(buffer), room))
        except EOFError:
            where = f" at byte {self._position():,}" if self._position is not None else ""
            raise OSError(f"the compressed data is truncated{where}") from None
        except (zlib.error, gzip.BadGzipFile, zipfile.BadZipFile) as exc:
            raise OSError(f"damaged data: {exc}") from None
        self._count += len(data)
        limit = self._compressed is not None and self._budget.max_ratio * max(self._compressed, 1)
        if limit and self._count > max(limit, MIN_BOMB_BYTES):
            raise InputLimit(f"expands more than {self._budget.max_ratio} times ({self._compressed:,} compressed "
                             f"bytes gave {self._count:,}); the rest was refused as a possible decompression bomb "
                             "(raise the limit with --zip-max-ratio)")
        self._budget.charge(len(data))
        buffer[:len(data)] = data
        return len(data)

    def close(self) -> None:
        self._inner.close()
        super().close()
