"""`cmedebug events`: the normalised events and facts of the inputs, one row
each, as JSON Lines or CSV, for people who work in pandas or a SIEM.

The columns are stable (``COLUMNS``); ``fields`` holds the typed fields of the
event or fact (a JSON object in JSONL, a JSON-encoded string in CSV), with
secrets masked as in every report.
"""
from __future__ import annotations

import csv
import io
import json
import sys
from typing import IO, Iterator

import click

from cmedebug import deployment, redact
from cmedebug.model import Case, Event, Fact
from cmedebug.safe_output import OutputError, check_target, neutralise, write_atomic

# certificates, their fingerprints and signatures: public, and useless once masked
_PUBLIC_FIELDS = {"pem", "der", "signature", "signed_digest"}
COLUMNS = ("record", "kind", "ts", "device", "clock_flag", "path", "first_line", "last_line", "fields")


def rows(case: Case) -> Iterator[dict]:
    """One dict per event and fact, in the order of the inputs and of their lines."""
    order = {summary.path: i for i, summary in enumerate(case.inputs)}
    items: list[Event | Fact] = [*case.events, *case.facts]
    items.sort(key=lambda item: (order.get(item.source.path, len(order)), item.source.first_line))
    device_of = deployment.of(case).device_of
    for item in items:
        is_event = isinstance(item, Event)
        data = item.to_dict()
        joined = device_of(item) if not item.device else None  # (printed without a name: the device's own)
        device = item.device or (joined.router_name if joined is not None else None)
        yield {
            "record": "event" if is_event else "fact",
            "kind": item.kind,
            "ts": data["ts"] if is_event else None,
            "device": neutralise(device) if device else device,
            "clock_flag": item.clock_flag if is_event else "",
            "path": neutralise(item.source.path),
            "first_line": item.source.first_line,
            "last_line": item.source.last_line,
            "fields": _masked(data["fields"]),
        }


def _masked(fields: dict) -> dict:
    """Secrets masked as in every report, except in the fields that hold public
    certificate data (long base64/hex runs, which the masking takes for key material)."""
    return {name: value if name in _PUBLIC_FIELDS or name.startswith("fingerprint") else redact.value(value)
            for name, value in fields.items()}


def write_jsonl(case: Case, out: IO[str]) -> int:
    count = 0
    for row in rows(case):
        out.write(json.dumps(row, ensure_ascii=False, sort_keys=False) + "\n")
        count += 1
    return count


# A cell a spreadsheet would run as a formula (OWASP "CSV injection"): = + - @, tab, CR
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell):
    """A text cell that starts like a formula gets a leading apostrophe, which
    spreadsheets show as text and never evaluate."""
    if isinstance(cell, str) and cell.startswith(_FORMULA_START):
        return "'" + cell
    return cell


def write_csv(case: Case, out: IO[str]) -> int:
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    count = 0
    for row in rows(case):
        row = dict(row, fields=json.dumps(row["fields"], ensure_ascii=False, sort_keys=True))
        writer.writerow({name: spreadsheet_safe(value) for name, value in row.items()})
        count += 1
    return count


WRITERS = {"jsonl": write_jsonl, "csv": write_csv}


@click.command("events")
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option("-f", "--format", "fmt", type=click.Choice(sorted(WRITERS)), default="jsonl", show_default=True,
              help="jsonl: one JSON object per line; csv: a header row, `fields` as a JSON string.")
@click.option("-o", "--output", type=click.Path(),
              help="Write to this file instead of standard output.")
@click.option("--kind", metavar="KIND", help="Treat every input as this kind (see `cmedebug kinds`).")
@click.option("--year", type=click.IntRange(1990, 2100), help="Year of log stamps that print none.")
def events(inputs, fmt, output, kind, year):
    """Export the events and facts read from INPUT files, folders, .gz or - (stdin).

    One row per event (something that happened: a log or debug line) and per
    fact (a state: a certificate, a trustpoint, a config section, the clock),
    with these columns, in this order:

    \b
      record      event | fact
      kind        dotted kind, e.g. pki.cert.invalid_expired, cert, config.ephone
      ts          ISO 8601 time of an event (empty for facts and unstamped lines)
      device      hostname (prompt, syslog host or config hostname); for a line
                  that prints none, the hostname of the device it was joined to
                  (the same router's show output saved without a prompt), else empty
      clock_flag  '*' not authoritative, '.' not synchronised, empty = trusted
      path        the input file
      first_line  first line of the evidence in that file (1-based)
      last_line   last line of the evidence
      fields      the typed fields (docs/vocabulary.md); secrets are masked

    \b
    Examples:
      cmedebug events router.log > events.jsonl
      cmedebug events case/ --format csv -o events.csv
      python -c "import pandas as pd; print(pd.read_json('events.jsonl', lines=True).kind.value_counts())"
    """
    from cmedebug.parsers.base import kinds
    from cmedebug.pipeline import load

    if kind and kind not in kinds():
        raise click.BadParameter(f"unknown kind {kind!r}; known kinds: {', '.join(kinds())}", param_hint="--kind")
    try:
        if output:
            check_target(output, "-o/--output")
        case = load(inputs, kind=kind, year=year)
        for summary in case.inputs:
            if summary.error:
                click.echo(neutralise(f"cmedebug: cannot read {summary.path}: {summary.error}"), err=True)
        if output:
            buffer = io.StringIO(newline="")
            count = WRITERS[fmt](case, buffer)
            write_atomic(output, buffer.getvalue(), newline="")
            click.echo(neutralise(f"cmedebug: wrote {count} rows to {output}"), err=True)
    except OutputError as exc:
        click.echo(neutralise(f"cmedebug: {exc}"), err=True)
        sys.exit(2)
    if not output:
        WRITERS[fmt](case, sys.stdout)
    if case.inputs and all(summary.error for summary in case.inputs):
        sys.exit(2)
