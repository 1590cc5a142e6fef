"""Case archives: a ``.zip`` of a case becomes one input per member.

Members are streamed from the archive when they are parsed; nothing is ever
extracted to disk. What a zip can hide is refused with a message naming the
archive and the member, and the other members are still read:

* names that climb out of the archive (``../``, absolute paths, drive letters),
  symbolic links, encrypted members, nested archives (a zip inside the zip);
* decompression bombs: an archive whose members add up to more than the
  budget's ``max_bytes`` once uncompressed, or a member that expands more than
  ``max_ratio`` times (a text log deflates 5-30x; bombs reach 1000x);
* more than ``max_members`` members (the whole archive is refused).

The limits are the run's ``InputBudget`` (``max_members``, ``max_bytes``,
``max_ratio``), passed to ``expand_zip`` by the pipeline; ``cmedebug analyze``
sets them from ``--zip-max-members``, ``--zip-max-bytes`` and ``--zip-max-ratio``,
library callers pass ``budget=`` to ``pipeline.load``. Sizes come from the archive's central
directory, and ``zipfile`` stops every member at its declared size, so a member
cannot expand past what was checked. Hidden members (``.name``, ``__MACOSX/``)
are skipped, as in folders. Every member is read through the run's
``InputBudget`` (``cmedebug.input_budget``): its bytes count toward the total
of all inputs, and a ``.gz`` member is decompressed with the budget's ratio cap.
"""
from __future__ import annotations

import gzip
import re
import stat
import zipfile
import zlib
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Callable, Iterator

from cmedebug.input_budget import InputBudget
from cmedebug.sources import NOT_EVIDENCE, Input

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a local file header; the end record of an empty zip
GZIP_MAGIC = b"\x1f\x8b"


# C:\Users\...   C:/case   (a drive letter)
_DRIVE = re.compile(r"^[A-Za-z]:")


def expand_zip(path: Path, budget: InputBudget | None = None) -> Iterator[Input] | None:
    """The inputs of a zip archive, read within ``budget``, or None when ``path`` is
    not one (the pipeline's expander)."""
    with open(path, "rb") as fh:
        magic = fh.read(4)
    if magic not in ZIP_MAGIC:
        return None
    return _members(path, budget or InputBudget())


def _members(path: Path, budget: InputBudget) -> Iterator[Input]:
    name = str(path)
    try:
        archive = zipfile.ZipFile(path)
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        yield Input(name, error=f"not a readable zip archive: {exc}")
        return
    files = [i for i in infos if not i.is_dir()]
    if len(files) > budget.max_members:
        yield Input(name, error=f"zip archive has {len(files)} members, more than the limit of {budget.max_members}; "
                                "refused (raise it with --zip-max-members)")
        return
    total = sum(i.file_size for i in files)
    if total > budget.max_bytes:
        yield Input(name, error=f"zip archive expands to {total:,} bytes, more than the limit of {budget.max_bytes:,}; "
                                "refused as a possible decompression bomb (raise it with --zip-max-bytes)")
        return
    if not files:
        yield Input(name, error="zip archive holds no files")
        return
    for info in sorted(files, key=lambda i: i.filename):
        member = f"{name}/{info.filename}"
        problem = _refusal(info, budget.max_ratio)
        if problem:
            yield Input(member, error=problem)
        elif not _hidden(info.filename):
            yield Input(member, _opener(archive, info, budget))


def _hidden(filename: str) -> bool:
    """Members a folder walk would pass over too (hidden, macOS forks, NOT_EVIDENCE)."""
    parts = PurePosixPath(filename).parts
    return any(part.startswith(".") or part == "__MACOSX" for part in parts) or parts[-1] in NOT_EVIDENCE


def _refusal(info: zipfile.ZipInfo, max_ratio: int) -> str | None:
    """Why a member is refused, or None."""
    raw = info.orig_filename
    parts = raw.replace("\\", "/").split("/")
    if raw.startswith(("/", "\\")) or _DRIVE.match(raw) or ".." in parts:
        return f"unsafe member name {raw!r} (it points outside the archive); refused"
    if stat.S_ISLNK(info.external_attr >> 16):
        return "symbolic link inside the zip archive; refused"
    if info.flag_bits & 0x1:
        return "encrypted zip member; cannot be read without its password"
    if info.filename.lower().endswith((".zip", ".7z", ".rar", ".tar", ".tgz", ".jar")):
        return "nested archive inside the zip archive; refused (extract it and give its files)"
    if info.file_size > max_ratio * max(info.compress_size, 1) and info.file_size > 1024 * 1024:
        return (f"expands {info.file_size / max(info.compress_size, 1):,.0f} times ({info.compress_size:,} -> "
                f"{info.file_size:,} bytes), more than the limit of {max_ratio}; refused as a possible "
                "decompression bomb (raise it with --zip-max-ratio)")
    return None


def _opener(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: InputBudget) -> Callable[[], BinaryIO]:
    def opener() -> BinaryIO:
        budget.check_open()
        try:
            member = archive.open(info)
            magic = member.peek(4)[:4]
        except (NotImplementedError, RuntimeError, zipfile.BadZipFile, zlib.error, OSError) as exc:  # damaged
            raise OSError(f"zip member cannot be read: damaged data: {exc}") from None
        if magic in ZIP_MAGIC:
            member.close()
            raise OSError("nested zip archive inside the zip archive; refused (extract it and give its files)")
        if magic.startswith(GZIP_MAGIC):
            return budget.stream(gzip.GzipFile(fileobj=member), info.file_size)
        return budget.stream(member)

    return opener
