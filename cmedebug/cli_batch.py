"""`cmedebug batch`: triage many cases, on this machine or on a Dask cluster."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from cmedebug.progress import show_progress


@click.command()
@click.argument("cases", nargs=-1, required=True, metavar="CASE...")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder for cases.parquet, cases.csv, index.html and reports/ (created if needed).")
@click.option("--scheduler", metavar="tcp://HOST:8786",
              help="Run on this Dask scheduler's workers instead of a local process pool.")
@click.option("--workers", type=click.IntRange(1), help="Local processes (default: one per CPU).")
@click.option("-q", "--quiet", is_flag=True, expose_value=False, callback=lambda ctx, _, quiet: show_progress(ctx, quiet),
              help="No progress on standard error (default: a bar on a terminal, else a line every few seconds).")
def batch(cases, out_dir, scheduler, workers):
    """Analyse each CASE (a folder, a .zip or a file) on its own and write a cross-case table.

    One row per case: first root cause, title, severity, confidence, devices,
    counts (root causes, findings, inputs, lines, events, facts), the time it
    took, a link to its HTML report, and the error when it could not be
    analysed. A failing case is a row with its error; the batch goes on.

    \b
    Writes into --out:
      cases.parquet, cases.csv   the table
      index.html                 the table, each case linked to its report
      reports/NNNN-<case>.html   the report of each case

    \b
    Examples:
      cmedebug batch cases/* --out triage/
      cmedebug batch /shared/cases/* --out triage/ --scheduler tcp://10.0.0.5:8786

    With --scheduler, every Dask worker must see the case paths (a shared file
    system) and have cmedebug installed: see docs/batch.md.
    Exit codes: 0 every case analysed, 1 some case failed, 2 usage error.
    """
    from cmedebug import batch as batching
    from cmedebug.progress import current, stop_progress

    try:
        import pandas  # noqa: F401
        import pyarrow  # noqa: F401
    except ImportError:
        raise click.UsageError("batch writes Parquet: pip install 'cmedebug[batch]' (pyarrow, dask, distributed)")
    paths = batching.expand(cases)
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise click.UsageError(f"cannot create --out {out_dir}: {exc.strerror or exc}")
    report = current()
    report.stage("analysing cases", len(paths), "cases")
    done: list[dict] = []

    def on_row(row: dict) -> None:
        done.append(row)
        report.update(len(done))

    if scheduler:
        try:
            from distributed import Client
        except ImportError:
            raise click.UsageError("--scheduler needs Dask: pip install 'cmedebug[batch]'")
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, TimeoutError) as exc:
            raise click.UsageError(f"cannot reach the Dask scheduler {scheduler}: {exc}")
        with client:
            rows = batching.run(paths, client.get_executor(), on_row)
    else:
        with batching.local_executor(workers) as executor:
            rows = batching.run(paths, executor, on_row)
    stop_progress()
    written = batching.write(rows, out)
    failed = [r for r in rows if r["error"]]
    click.echo(f"{len(rows)} cases, {len(failed)} failed: {written['index']}")
    sys.exit(1 if failed else 0)
