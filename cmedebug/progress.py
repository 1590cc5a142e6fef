"""Progress of a long analysis on standard error.

On a terminal: a bar (rich) for each stage: reading and parsing each input
(bytes of the file when its size is known, lines otherwise), then judging (the
rules). Not on a terminal (a pipe, a CI log, a batch worker): one line every
few seconds,
``cmedebug: reading and parsing big.log: 1,200,000 lines, 61 of 148 MB (41%), 12 s``.
``--quiet`` silences both.

The library reports through ``current()``, so neither ingest nor the engine
knows who listens: by default nobody (``Silent``), and the CLI installs a
reporter for the time of a command (``show_progress``, the callback of its
``--quiet`` option). Ingest calls ``update`` every
``EVERY_LINES`` lines, so the cost on the hot path is one integer comparison
per record.
"""
from __future__ import annotations

import io
import os
import sys
import threading
import time
from typing import TextIO

from cmedebug.safe_output import neutralise

EVERY_LINES = 20_000  # ingest reports this often
LINE_INTERVAL_S = 5.0  # seconds between two one-line reports


class Silent:
    """Reports nothing (the library default and ``--quiet``)."""

    def stage(self, name: str, total: int | None = None, unit: str = "lines") -> None:
        """A new stage begins; ``total`` in ``unit`` when known."""

    def update(self, done: int, lines: int | None = None) -> None:
        """``done`` units of the current stage are complete (``lines`` read so far, when
        the unit is bytes)."""

    def close(self) -> None:
        """The work is over: clear the display."""


class LineReporter(Silent):
    """One line on ``stream`` at most every ``interval`` seconds."""

    def __init__(self, stream: TextIO, interval: float | None = None, clock=time.monotonic):
        self.stream, self.clock = stream, clock
        self.interval = LINE_INTERVAL_S if interval is None else interval
        self.started = self.last = clock()
        self.name, self.total, self.unit = "", None, "lines"

    def stage(self, name: str, total: int | None = None, unit: str = "lines") -> None:
        self.name, self.total, self.unit = name, total, unit
        self.update(0)

    def update(self, done: int, lines: int | None = None) -> None:
        now = self.clock()
        if now - self.last < self.interval:
            return
        self.last = now
        self.stream.write(f"cmedebug: {describe(self.name, done, self.total, self.unit, lines)}, "
                          f"{now - self.started:.0f} s\n")
        self.stream.flush()


def describe(name: str, done: int, total: int | None, unit: str, lines: int | None) -> str:
    """``parsing big.log: 1,200,000 lines, 61 of 148 MB (41%)``."""
    name = neutralise(name).replace("\n", " ")  # a file name may carry escape sequences
    parts = [f"{lines:,} lines"] if lines is not None and unit != "lines" else []
    if unit == "bytes":
        mb = f"{done / 1e6:.0f}"
        parts.append(f"{mb} of {total / 1e6:.0f} MB ({done / total:.0%})" if total else f"{mb} MB")
    else:
        parts.append(f"{done:,} of {total:,} {unit}" if total else f"{done:,} {unit}")
    return f"{name}: " + ", ".join(parts)


class BarReporter(Silent):
    """A rich progress bar on standard error, cleared when the work is over."""

    def __init__(self, stream: TextIO):
        from rich.console import Console
        from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self.progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                                 TextColumn("{task.fields[detail]}"), TimeElapsedColumn(),
                                 console=Console(file=stream), transient=True)
        self.progress.start()
        self.task = None
        self.unit = "lines"
        self.total: int | None = None

    def stage(self, name: str, total: int | None = None, unit: str = "lines") -> None:
        if self.task is not None:
            self.progress.remove_task(self.task)
        self.unit, self.total = unit, total
        self.task = self.progress.add_task(name, total=total, detail="")

    def update(self, done: int, lines: int | None = None) -> None:
        if self.task is not None:
            detail = describe("", done, self.total, self.unit, lines)[2:]
            self.progress.update(self.task, completed=done, detail=detail)

    def close(self) -> None:
        self.progress.stop()


_current: Silent = Silent()
_owner = threading.get_ident()  # the thread whose work is shown (a batch runs cases in other threads)


def current() -> Silent:
    """The reporter the library reports to (in the thread that installed it; others report to nobody)."""
    return _current if threading.get_ident() == _owner else Silent()


def for_stderr(quiet: bool = False, stream: TextIO | None = None) -> Silent:
    """What the CLI shows: nothing when ``quiet``, a bar on a terminal, lines otherwise."""
    stream = stream or sys.stderr
    if quiet:
        return Silent()
    if stream.isatty() and os.environ.get("TERM") != "dumb":
        return BarReporter(stream)
    return LineReporter(stream)


def install(reporter: Silent) -> None:
    """Report to ``reporter`` from now on (the one before is closed)."""
    global _current, _owner
    _current.close()
    _current, _owner = reporter, threading.get_ident()


def detach() -> None:
    """Report to nobody, without closing the reporter (a process forked from one that shows a bar)."""
    global _current
    _current = Silent()


def stop_progress() -> None:
    """Close the reporter (a bar disappears) and report to nobody again."""
    install(Silent())


def show_progress(ctx, quiet: bool) -> None:
    """The click callback of ``--quiet``: progress on standard error while the command runs."""
    ctx.meta["quiet"] = quiet
    install(for_stderr(quiet))
    ctx.call_on_close(stop_progress)


def file_size(stream) -> int | None:
    """The size in bytes of a plain file stream (its position measures progress), else None."""
    if not isinstance(stream, io.BufferedReader):
        return None
    try:
        return os.fstat(stream.fileno()).st_size
    except (OSError, ValueError):
        return None
