"""Safe output: what cmedebug prints or writes can neither drive a terminal nor
leave a half-written file.

* ``neutralise``: control characters from the evidence (ANSI/OSC escape
  sequences that set a window title or clear a screen, bare CR that overprints
  a line, bidirectional overrides that reorder it) become visible escapes such
  as ``\\x1b``. Every report passes through it (``cmedebug.redact`` calls it on
  every string), and so do the messages the CLI prints on stderr.
* ``check_target``: a file the user asked for (``-o``, ``--html``) is checked
  before the analysis starts (the folder exists, is a folder, is writable; the
  path is not a folder), so a typo costs a second, not the whole analysis.
* ``write_atomic``: the file is written to a temporary file in the same folder
  and renamed over the target, so parallel runs writing one path leave one
  whole file and a failure never leaves a truncated one.
"""
from __future__ import annotations

import contextlib
import os
import re
import tempfile
from pathlib import Path

# C0 controls except tab and LF, DEL, C1 controls, and the Unicode bidi overrides and isolates
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# a colour/attribute sequence (SGR) as click.style writes it, kept when colour is asked for
_SGR_OR_CONTROL = re.compile("\x1b\\[[0-9;]*m|" + _CONTROL.pattern)


def _escape(m: re.Match) -> str:
    ch = m.group(0)
    if len(ch) > 1:  # an SGR sequence, kept
        return ch
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def neutralise(text: str, keep_sgr: bool = False) -> str:
    """``text`` with every control character (tab and line feed excepted) shown as an
    escape; ``keep_sgr`` keeps colour sequences (for a coloured terminal report)."""
    return (_SGR_OR_CONTROL if keep_sgr else _CONTROL).sub(_escape, text)


class OutputError(Exception):
    """A report cannot be written where the user asked: one line saying why."""


def check_target(path: str, option: str) -> None:
    """Raise OutputError when ``path`` cannot be written (checked before any work)."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise OutputError(f"{option} {path}: is a folder; give a file name")
    if not folder.exists():
        raise OutputError(f"{option} {path}: the folder {folder} does not exist; create it first")
    if not folder.is_dir():
        raise OutputError(f"{option} {path}: {folder} is not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"{option} {path}: no permission to write in {folder}")
    if target.exists() and not os.access(target, os.W_OK):
        raise OutputError(f"{option} {path}: the file exists and is not writable")


def write_atomic(path: str, text: str, newline: str | None = None) -> None:
    """Write ``text`` (UTF-8) to ``path`` through a temporary file in the same folder
    and a rename; raise OutputError with the reason when that fails."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        _keep_mode(target, tmp)
        os.replace(tmp, target)
        tmp = None
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _keep_mode(target: Path, tmp: str) -> None:
    """The new file gets the old file's permissions, or the umask's default (mkstemp makes 0600)."""
    if target.exists():
        os.chmod(tmp, target.stat().st_mode & 0o7777)
        return
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
