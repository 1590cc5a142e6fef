"""Count the instructions ``cmedebug analyze`` executes on a file, under valgrind.

CPU time on a shared or virtual machine moves 10-20% between runs of one commit,
more than most single changes to the hot path gain. The instructions a run
executes barely move (valgrind's callgrind counts them; 40-50x slower than a
plain run, so give it a few tens of thousands of lines). Compare two trees by
running this script with each tree's Python:

    python benchmarks/instructions.py benchmarks/data/mixed-100000-seed1.log --lines 50000

It prints the instructions of the whole run, of start-up alone (the same command
on the file's first line) and per line of the rest. Needs ``valgrind`` (Debian:
``apt-get install valgrind``).
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from itertools import islice
from pathlib import Path

ANALYZE = ["-m", "cmedebug", "analyze", "--quiet", "--format", "json", "-o", os.devnull]


def instructions(path: Path) -> int:
    """The instructions (callgrind's ``Ir``) of ``cmedebug analyze`` on ``path``."""
    run = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={os.devnull}",
                          sys.executable, *ANALYZE, str(path)], capture_output=True, text=True)
    found = re.search(r"Collected : (\d+)", run.stderr)
    if found is None:
        raise SystemExit(f"valgrind gave no count (exit {run.returncode}):\n{run.stderr[-2000:]}")
    return int(found.group(1))


def head(source: Path, lines: int, folder: Path) -> tuple[Path, int]:
    """The first ``lines`` lines of ``source`` as a file in ``folder``, and how many it holds."""
    target = folder / f"{source.stem}-{lines}{source.suffix}"
    with open(source, "rb") as inp, open(target, "wb") as out:
        taken = list(islice(inp, lines))
        out.writelines(taken)
    return target, len(taken)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("file", type=Path, help="a log (make_log.py writes them)")
    ap.add_argument("--lines", type=int, default=50_000, help="lines of the file to analyse (default 50,000)")
    args = ap.parse_args(argv)
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (Debian: apt-get install valgrind)")
    if not args.file.is_file():
        raise SystemExit(f"{args.file}: no such file (python benchmarks/make_log.py --shape mixed --lines 100000)")
    with tempfile.TemporaryDirectory() as folder:
        sample, lines = head(args.file, args.lines, Path(folder))
        start_up = instructions(head(args.file, 1, Path(folder))[0])
        total = instructions(sample)
    print(f"{args.file.name}, first {lines:,} lines: {total / 1e9:.3f} G instructions; "
          f"start-up {start_up / 1e9:.3f} G; the rest {(total - start_up) / lines:,.0f} a line")


if __name__ == "__main__":
    main()
