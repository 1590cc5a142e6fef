"""Where the time of ``cmedebug analyze`` goes, stage by stage, in CPU seconds.

    python benchmarks/breakdown.py benchmarks/data/router-1000000-seed1.log

Each stage adds one layer to the one before, in the same process, so the
differences between lines are the cost of each layer: reading, framing, routing
and line accounting with no parser registered, every parser; then the whole
``pipeline.analyze`` (its ingest again, years and clocks, rules) and the JSON
report. CPU time (not wall) so that the figures hold on
a machine shared with other work.
"""
from __future__ import annotations

import sys
import time
from contextlib import contextmanager

from cmedebug import engine
from cmedebug.ingest import read_input
from cmedebug.model import Case
from cmedebug.parsers import base
from cmedebug.parsers.framing import frame
from cmedebug.pipeline import analyze
from cmedebug.reports.json_report import render
from cmedebug.sources import Input, TextLines


@contextmanager
def stage(name: str, lines: int):
    start = time.process_time()
    yield
    seconds = time.process_time() - start
    print(f"{name:<44} {seconds:7.2f} s cpu  {seconds / lines * 1e6:6.2f} us/line", flush=True)


def ingest(path: str, parsers: list) -> Case:
    """Read ``path`` with only these line parsers registered."""
    base._LINE.clear()
    base._LINE.update({cls.name: cls for cls in parsers})
    case = Case()
    read_input(Input(path, lambda: open(path, "rb")), case)
    return case


def main(path: str) -> None:
    every_parser = base.line_parsers()
    engine.all_rules()
    with open(path, "rb") as fh:
        lines = sum(1 for _ in fh)
    print(f"{path}: {lines:,} lines")
    with stage("read (for line in f: pass)", lines):
        with open(path, encoding="utf-8", errors="replace", newline=None) as f:
            for _ in f:
                pass
    with stage("read as ingest does (TextLines)", lines):
        for _ in TextLines(open(path, "rb")):
            pass
    with stage("+ framing", lines):
        for _ in frame(TextLines(open(path, "rb"))):
            pass
    with stage("+ routing and accounting, no parser", lines):
        ingest(path, [])
    with stage(f"+ all {len(every_parser)} line parsers (ingest)", lines):
        case = ingest(path, every_parser)
    print(f"{'':<44} {len(case.events):,} events, {len(case.facts):,} facts kept")
    with stage("pipeline.analyze (ingest again, clocks, rules)", lines):
        case = analyze([path])
    with stage("+ JSON report", lines):
        render(case)

if __name__ == "__main__":
    main(sys.argv[1])
