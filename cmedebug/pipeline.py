"""The analysis pipeline as a library call: inputs -> parsed Case -> clock model -> findings."""
from __future__ import annotations

from typing import Callable, Iterable

from cmedebug import clock, crosscheck, duplicates, engine
from cmedebug.archive import expand_zip
from cmedebug.ingest import read_input
from cmedebug.model import Case, InputSummary
from cmedebug.parsers.stamp_log import StampLog
from cmedebug.input_budget import InputBudget
from cmedebug.sources import Input, iter_inputs

Progress = Callable[[InputSummary], None]

# Functions that may turn one file into several inputs (a .zip of a case), kept
# out of sources so that it stays free of archive rules.
EXPANDERS: list = [expand_zip]


def load(paths: Iterable[str] = (), kind: str | None = None, year: int | None = None,
         progress: Progress | None = None, inputs: Iterable[Input] = (), budget: InputBudget | None = None) -> Case:
    """Parse every input (paths, read within ``budget``, or inputs already opened)
    into one Case and resolve its timestamps and clocks."""
    case = Case()
    stamps = StampLog()
    for inp in [*iter_inputs(paths, EXPANDERS, budget), *inputs]:
        summary = read_input(inp, case, kind, stamps)
        if progress is not None:
            progress(summary)
    anchors = clock.evidence_anchors(stamps, case.facts)
    case.assumed_years = clock.resolve_years(stamps, anchors, year)
    del stamps  # every event has its time now; the log of printed stamps is not needed
    duplicates.collapse(case)  # the same output seen twice counts once
    clock.build_clock_model(case)
    clock.set_capture_time(case, anchors)
    crosscheck.add_crosschecks(case)
    return case


def analyze(paths: Iterable[str] = (), kind: str | None = None, year: int | None = None,
            rules: Iterable[str] | None = None, progress: Progress | None = None,
            inputs: Iterable[Input] = (), budget: InputBudget | None = None) -> Case:
    """Load the inputs and run the rules: the whole of ``cmedebug analyze``."""
    case = load(paths, kind, year, progress, inputs, budget)
    engine.run(case, rules)
    clock.qualify_assumed_years(case, lambda rule_id: getattr(engine.get_rule(rule_id), "tags", ()))
    duplicates.cite_copies(case)
    case.findings = engine.rank(case.findings)
    return case
