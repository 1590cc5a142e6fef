"""Inputs: open what the user named (files, folders, ``-`` for stdin, ``.gz``) as
byte streams, without reading them whole.

Each input becomes an ``Input`` with a display name and a way to open it. A path
that cannot be opened becomes an ``Input`` carrying the error, so the caller
reports it by name and goes on with the others.
"""
from __future__ import annotations

import codecs
import gzip
import io
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, Iterator

HEAD_BYTES = 4096


@dataclass
class Input:
    name: str
    open: Callable[[], BinaryIO] | None = None
    error: str | None = None


def _open_file(path: Path) -> Callable[[], BinaryIO]:
    def opener() -> BinaryIO:
        fh = open(path, "rb")
        if fh.read(2) == b"\x1f\x8b":
            fh.seek(0)
            return gzip.GzipFile(fileobj=fh)  # type: ignore[return-value]
        fh.seek(0)
        return fh

    return opener


def _stdin_opener() -> Callable[[], BinaryIO]:
    data = getattr(sys.stdin, "buffer", None)
    if data is None:  # click's test runner gives a text stream
        raw = sys.stdin.read().encode("utf-8", "surrogateescape")
        return lambda: io.BytesIO(raw)
    # stdin can be read once; spool it so that sniffing and parsing both see it
    spool = _spool(data)
    return lambda: _reopen(spool)


def _spool(stream: BinaryIO):
    import tempfile

    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    while chunk := stream.read(1 << 20):
        spool.write(chunk)
    return spool


def _reopen(spool) -> BinaryIO:
    spool.seek(0)
    return _NoClose(spool)


class _NoClose(io.BufferedIOBase):
    """A view of a spooled file that survives being closed by a reader."""

    def __init__(self, inner):
        self._inner = inner

    def read(self, n=-1):
        return self._inner.read(n)

    def read1(self, n=-1):
        return self._inner.read(n)

    def readable(self):
        return True

    def seekable(self):
        return True

    def seek(self, pos, whence=0):
        return self._inner.seek(pos, whence)

    def tell(self):
        return self._inner.tell()

    def close(self):
        pass


def iter_inputs(paths: Iterable[str], expanders: Iterable[Callable[[Path], Iterable[Input] | None]] = ()) -> Iterator[Input]:
    """Inputs for every path: folders are walked recursively (sorted, hidden
    entries skipped); ``expanders`` may turn a file into several inputs (a zip)."""
    expanders = list(expanders)
    for raw in paths:
        if raw == "-":
            yield Input("<stdin>", _stdin_opener())
            continue
        path = Path(raw)
        if path.is_dir():
            found = False
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if name.startswith("."):
                        continue
                    found = True
                    yield from _file_inputs(Path(root) / name, expanders)
            if not found:
                yield Input(str(path), error="folder holds no files")
            continue
        yield from _file_inputs(path, expanders)


def _file_inputs(path: Path, expanders) -> Iterator[Input]:
    name = str(path)
    if not path.exists():
        yield Input(name, error="no such file or folder")
        return
    if not path.is_file():
        yield Input(name, error="not a regular file")
        return
    if not os.access(path, os.R_OK):
        yield Input(name, error="permission denied: the file is not readable by this user")
        return
    for expand in expanders:
        expanded = expand(path)
        if expanded is not None:
            yield from expanded
            return
    yield Input(name, _open_file(path))


class ReplacementCounter:
    """A codecs error handler that replaces undecodable bytes and counts them."""

    def __init__(self) -> None:
        self.count = 0
        self.name = f"cmedebug-count-{id(self)}"
        codecs.register_error(self.name, self._handle)

    def _handle(self, err: UnicodeDecodeError):
        self.count += err.end - err.start
        return "\ufffd", err.end


def detect_encoding(head: bytes) -> str:
    """UTF-16 when the file says so (BOM) or looks like it (NULs in every other byte)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if len(head) >= 8 and head[1:64:2].count(0) > len(head[1:64:2]) * 0.8 and head[0:64:2].count(0) == 0:
        return "utf-16-le"
    return "utf-8"


def text_lines(stream: BinaryIO, counter: ReplacementCounter, encoding: str = "utf-8") -> Iterator[str]:
    """Lines without their line ends (LF, CRLF or CR), decoded as they stream."""
    text = io.TextIOWrapper(stream, encoding=encoding, errors=counter.name, newline=None)
    for line in text:
        yield line.rstrip("\n").replace("\x00", "")
