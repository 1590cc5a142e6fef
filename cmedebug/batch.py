"""Batch triage: many cases, one row each, on a local process pool or a Dask cluster.

``analyse_case(path)`` is a pure function of one case (a folder, a zip or a
file): it returns a row of plain values (first root cause, severity,
confidence, devices, counts, the error if any) and the case's HTML report as
text, and never raises. ``run`` maps it over the cases through any
``concurrent.futures.Executor``: a ``ProcessPoolExecutor`` on this machine, or
``distributed.Client.get_executor()`` for a Dask cluster: the same code path.
A case whose worker dies or whose analysis fails becomes a row with its error;
the batch goes on. ``write`` puts the table (Parquet and CSV), the reports and
an HTML index into the output folder.
"""
from __future__ import annotations

import base64
import concurrent.futures
import csv
import hashlib
import os
import re
import time
from pathlib import Path
from typing import Callable, Iterable

COLUMNS = ("case", "first_root_cause", "title", "severity", "confidence", "devices", "root_causes", "findings",
           "inputs", "lines", "events", "facts", "unreadable_inputs", "seconds", "report", "error")
REPORTS = "reports"  # sub-folder of the output with one HTML report per case


def analyse_case(path: str) -> dict:
    """One case -> one row (plain values) with its HTML report under ``report_html``.
    Never raises: a failure is the row's ``error``."""
    from cmedebug import pipeline  # imported in the worker, not when the CLI starts

    start = time.perf_counter()
    row: dict = dict.fromkeys(COLUMNS, None)
    row.update(case=path, report_html=None)
    try:
        case = pipeline.analyze([path])
        roots = case.root_causes()
        first = roots[0] if roots else None
        unreadable = [f"{s.path}: {s.error}" for s in case.inputs if s.error]
        if not case.inputs:
            row["error"] = "no input found in this case"
        elif len(unreadable) == len(case.inputs):
            row["error"] = "; ".join(unreadable)[:500]
        row.update(
            first_root_cause=first.rule_id if first else "",
            title=first.title if first else "" if row["error"] else "no rule found a fault",
            severity=str(first.severity) if first else "",
            confidence=str(first.confidence) if first else "",
            devices="; ".join(sorted({d for d in (*(e.device for e in case.events), *(f.device for f in case.facts))
                                      if d})),
            root_causes=len(roots), findings=len(case.findings), inputs=len(case.inputs),
            lines=sum(s.lines for s in case.inputs), events=len(case.events), facts=len(case.facts),
            unreadable_inputs=len(unreadable))
        from cmedebug.reports.html import render

        row["report_html"] = render(case)
    except Exception as exc:  # one broken case must not end the batch
        row["error"] = f"{exc.__class__.__name__}: {exc}"[:500]
    row["seconds"] = round(time.perf_counter() - start, 3)
    return row


def run(cases: list[str], executor: concurrent.futures.Executor,
        on_row: Callable[[dict], None] | None = None) -> list[dict]:
    """``analyse_case`` over ``cases`` through ``executor``; rows in the order of ``cases``."""
    futures = {executor.submit(analyse_case, case): n for n, case in enumerate(cases)}
    rows: list[dict | None] = [None] * len(cases)
    for future in concurrent.futures.as_completed(futures):
        n = futures[future]
        try:
            row = future.result()
        except Exception as exc:  # the worker itself failed (killed, out of memory, lost)
            row = dict.fromkeys(COLUMNS, None)
            row.update(case=cases[n], report_html=None, error=f"worker failed: {exc.__class__.__name__}: {exc}"[:500])
        rows[n] = row
        if on_row is not None:
            on_row(row)
    return rows  # type: ignore[return-value]


def _report_name(n: int, case: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(case.rstrip("/\\")).name)[:60] or "case"
    return f"{n + 1:04d}-{stem}.html"


def write(rows: list[dict], out: Path) -> dict[str, Path]:
    """The reports, ``cases.parquet``, ``cases.csv`` and ``index.html`` in ``out``."""
    import pandas as pd

    from cmedebug.export import spreadsheet_safe
    from cmedebug.safe_output import write_atomic

    (out / REPORTS).mkdir(parents=True, exist_ok=True)
    for n, row in enumerate(rows):
        html = row.pop("report_html", None)
        if html is not None:
            row["report"] = f"{REPORTS}/{_report_name(n, row['case'])}"
            write_atomic(str(out / row["report"]), html)
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    for column in ("root_causes", "findings", "inputs", "lines", "events", "facts", "unreadable_inputs"):
        table[column] = table[column].astype("Int64")  # an error row has no counts: <NA>, not a float
    paths = {"parquet": out / "cases.parquet", "csv": out / "cases.csv", "index": out / "index.html"}
    table.to_parquet(paths["parquet"], index=False)
    cells = table.apply(lambda column: column.map(spreadsheet_safe))  # Series.map: pandas 2.0 has no DataFrame.map
    cells.to_csv(paths["csv"], index=False, quoting=csv.QUOTE_MINIMAL)
    write_atomic(str(paths["index"]), index_html(rows))
    return paths


def index_html(rows: list[dict]) -> str:
    """One self-contained page: a row per case, linking its report (autoescaped)."""
    import jinja2

    template = jinja2.Environment(autoescape=True).from_string(_INDEX)
    style_hash = base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode()
    return template.render(rows=rows, generated=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                           failed=sum(1 for r in rows if r["error"]), style=_STYLE, style_hash=style_hash)


# The page's only style, allowed by its hash (no 'unsafe-inline'), as in the HTML report
_STYLE = ("body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse}"
          "td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}"
          ".critical,.high{color:#a40000;font-weight:bold}.error{color:#a40000}")


_INDEX = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'sha256-{{ style_hash }}'">
<title>cmedebug batch: {{ rows|length }} cases</title>
<style>{{ style|safe }}</style></head>
<body><h1>cmedebug batch: {{ rows|length }} cases</h1>
<p>{{ generated }}; {{ failed }} case(s) could not be analysed. The same table: cases.csv, cases.parquet.</p>
<table><thead><tr><th>case</th><th>first root cause</th><th>severity</th><th>confidence</th><th>devices</th>
<th>root causes</th><th>findings</th><th>lines</th><th>error</th></tr></thead><tbody>
{% for r in rows %}<tr><td>{% if r.report %}<a href="{{ r.report }}">{{ r.case }}</a>{% else %}{{ r.case }}{% endif %}</td>
<td>{{ r.first_root_cause or "" }} {{ r.title or "" }}</td><td class="{{ r.severity or '' }}">{{ r.severity or "" }}</td>
<td>{{ r.confidence or "" }}</td><td>{{ r.devices or "" }}</td><td>{{ r.root_causes if r.root_causes is not none else "" }}</td>
<td>{{ r.findings if r.findings is not none else "" }}</td><td>{{ r.lines if r.lines is not none else "" }}</td>
<td class="error">{{ r.error or "" }}</td></tr>
{% endfor %}</tbody></table></body></html>
"""


def local_executor(workers: int | None = None) -> concurrent.futures.Executor:
    """A process pool on this machine; workers report no progress of their own."""
    from cmedebug import progress

    return concurrent.futures.ProcessPoolExecutor(max_workers=workers or os.cpu_count() or 1,
                                                  initializer=progress.detach)


def expand(cases: Iterable[str]) -> list[str]:
    """Absolute paths (a Dask worker on another machine resolves them on a shared file system)."""
    return [os.path.abspath(c) for c in cases]
