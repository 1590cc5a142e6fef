"""The analysis pipeline as a library call: inputs -> parsed Case -> clock model -> findings."""
from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Callable, Iterable, Iterator

from cmedebug import clock, crosscheck, deployment, duplicates, engine
from cmedebug.archive import expand_zip
from cmedebug.ingest import INTERRUPTED, read_input
from cmedebug.model import Case, InputSummary
from cmedebug.parsers.stamp_log import StampLog
from cmedebug.input_budget import InputBudget
from cmedebug.sources import Input, iter_inputs

Progress = Callable[[InputSummary], None]

NOT_READ_AFTER_INTERRUPT = "the reading was interrupted (Ctrl-C) before it"

# Functions that may turn one file into several inputs (a .zip of a case), kept
# out of sources so that it stays free of archive rules.
EXPANDERS: list = [expand_zip]


def load(paths: Iterable[str] = (), kind: str | None = None, year: int | None = None,
         progress: Progress | None = None, inputs: Iterable[Input] = (), budget: InputBudget | None = None) -> Case:
    """Parse every input (paths, read within ``budget``, or inputs already opened)
    into one Case and resolve its timestamps and clocks."""
    with _read_objects_frozen() as freeze:
        return _load(paths, kind, year, progress, inputs, budget, freeze)


@contextmanager
def _read_objects_frozen() -> Iterator[Callable[[], None]]:
    """What ``_load`` calls after reading each input: ``gc.freeze``. What the reading
    made lives as long as the case, and every collection that the later passes and
    rules trigger would scan it again (a quarter of a second on a million-line log).
    Unfrozen on the way out, so that a long-running process collects all of it as
    before. A process that freezes objects itself (a forking server) keeps its policy:
    nothing is frozen then."""
    if gc.get_freeze_count():
        yield lambda: None
        return
    try:
        yield gc.freeze
    finally:
        gc.unfreeze()


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic collector off (ingest pauses it while it parses; here also until the
    objects it made are frozen): its first collection once back on scanned every one of
    them (40 ms on a million-line log), to free none."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _load(paths, kind, year, progress, inputs, budget, freeze: Callable[[], None]) -> Case:
    case = Case()
    stamps = StampLog()
    pending = iter([*iter_inputs(paths, EXPANDERS, budget), *inputs])
    for inp in pending:
        with _collector_paused():  # until what the reading made is frozen
            summary = read_input(inp, case, kind, stamps)
            freeze()
        if progress is not None:
            progress(summary)
        if (summary.error or "").startswith(INTERRUPTED):  # the user stopped the reading: judge what was read
            case.inputs += [InputSummary(path=rest.name, kind="unreadable", error=NOT_READ_AFTER_INTERRUPT)
                            for rest in pending]
            break
    anchors = clock.evidence_anchors(stamps, case.facts)
    case.assumed_years = clock.resolve_years(stamps, anchors, year)
    del stamps  # every event has its time now; the log of printed stamps is not needed
    duplicates.collapse(case)  # the same output seen twice counts once
    clock.set_capture_time(case, anchors)
    deployment.build(case)  # the devices, each with its clock model (the case's own when it shows one device)
    crosscheck.add_crosschecks(case)
    return case


def analyze(paths: Iterable[str] = (), kind: str | None = None, year: int | None = None,
            rules: Iterable[str] | None = None, progress: Progress | None = None,
            inputs: Iterable[Input] = (), budget: InputBudget | None = None) -> Case:
    """Load the inputs and run the rules: the whole of ``cmedebug analyze``."""
    with _read_objects_frozen() as freeze:
        case = _load(paths, kind, year, progress, inputs, budget, freeze)
        engine.run(case, rules)
        clock.qualify_assumed_years(case, lambda rule_id: getattr(engine.get_rule(rule_id), "tags", ()))
        duplicates.cite_copies(case)
        case.findings = engine.rank(case.findings)
    return case
