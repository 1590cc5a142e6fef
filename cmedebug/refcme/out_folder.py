"""The folder `cmedebug reproduce --out DIR` writes: it only ever removes what the
reference CME wrote there before.

Every run leaves a manifest, ``DIR/.cmedebug-written``, listing the files it
wrote (relative paths; hidden, so folder walks and zips pass over it). A new run
into DIR is written to a hidden staging folder inside it first (so the folder
that holds DIR never shows a half-written scenario), then:

* DIR missing or empty: the staging folder becomes DIR;
* DIR holds exactly the files of its manifest: those files are removed and the
  new ones moved in;
* DIR without a manifest (written by an older version) holding only files this
  run also writes: taken as an earlier run of the same scenario;
* anything else (a file the reference CME did not write, a folder, a link):
  refused with the names, and nothing in DIR is touched.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

MANIFEST = ".cmedebug-written"
STAGING = ".cmedebug-staging-"


def _files(folder: Path) -> set[str]:
    """Relative paths of everything under ``folder`` (links and folders included),
    staging folders of runs left out."""
    out = set()
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not (root == str(folder) and d.startswith(STAGING))]
        rel = Path(root).relative_to(folder)
        out.update((rel / name).as_posix() for name in files)
        out.update((rel / name).as_posix() for name in dirs if (Path(root) / name).is_symlink())
    return out


def _manifest(folder: Path) -> set[str] | None:
    path = folder / MANIFEST
    return set(path.read_text().split("\n")) - {""} if path.is_file() and not path.is_symlink() else None


def _foreign(out: Path, ours: set[str]) -> list[str]:
    """What in ``out`` the reference CME did not write."""
    return sorted(name for name in _files(out) - {MANIFEST} if name not in ours or (out / name).is_symlink())


def check(out: Path) -> None:
    """Fail early (before playing a scenario) when ``out`` is not ours to replace."""
    if out.exists() and not out.is_dir():
        raise FileExistsError(f"{out} is a file, not a folder: choose another --out")
    if not out.is_dir() or not _files(out):
        return
    listed = _manifest(out)
    if listed is None and not (out / "scenario.toml").is_file():
        raise FileExistsError(f"{out} is not empty and was not written by `cmedebug reproduce`: choose another --out")
    if listed is not None and (foreign := _foreign(out, listed)):
        raise FileExistsError(_refusal(out, foreign))


def staging(out: Path) -> Path:
    """A new empty hidden folder inside ``out`` (created if needed) to write a run into."""
    out.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=STAGING, dir=out))


def install(stage: Path, out: Path) -> None:
    """Replace the previous run in ``out`` by the run written in ``stage`` (see the module doc)."""
    new = _files(stage)
    if _files(out):
        ours = _manifest(out)
        foreign = _foreign(out, ours if ours is not None else new)
        if foreign:
            shutil.rmtree(stage)
            raise FileExistsError(_refusal(out, foreign))
        for name in sorted(_files(out) - {MANIFEST}, reverse=True):
            (out / name).unlink()
        _remove_empty_folders(out, keep=stage)
        (out / MANIFEST).unlink(missing_ok=True)
    for name in sorted(new):
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        os.replace(stage / name, out / name)
    shutil.rmtree(stage)
    record(out, new)


def record(out: Path, names: set[str]) -> None:
    """Add ``names`` (relative paths written into ``out``) to its manifest."""
    listed = (_manifest(out) or set()) | names
    (out / MANIFEST).write_text("".join(f"{name}\n" for name in sorted(listed)))


def written_under(out: Path, folder: str) -> set[str]:
    """The files under ``out/folder``, as manifest entries."""
    return {f"{folder}/{name}" for name in _files(out / folder)}


def _remove_empty_folders(out: Path, keep: Path) -> None:
    for root, dirs, _ in sorted(os.walk(out, topdown=False), key=lambda entry: -len(entry[0])):
        for name in dirs:
            path = Path(root) / name
            if path != keep and not path.is_symlink() and not any(path.iterdir()):
                path.rmdir()


def _refusal(out: Path, foreign: list[str]) -> str:
    shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
    return (f"{out} holds what the reference CME did not write ({shown}); refusing to replace it: choose another "
            "--out or move those files")
