"""The command line: thin click commands over the library.

Exit codes scripts can rely on: 0 nothing at or above ``--fail-on``, 1 findings at
or above it, 2 usage error or an input that could not be read.
"""
from __future__ import annotations

import contextlib
import gc
import itertools
import sys
import warnings

import click

from cmedebug import __version__
from cmedebug.progress import show_progress, stop_progress
from cmedebug.cli_replay import add_to_note, load_replay, replay, replay_option
from cmedebug.input_budget import InputBudget
from cmedebug.model import Severity
from cmedebug.safe_output import OutputError, check_target, neutralise, write_atomic

EXIT_CLEAN, EXIT_FINDINGS, EXIT_INPUT = 0, 1, 2
SEVERITIES = [str(s) for s in Severity]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "-V", "--version", prog_name="cmedebug")
def main() -> None:
    """Diagnose Cisco Secure CME failures from the evidence an engineer collects.

    cmedebug reads router output (debug crypto pki, debug capf-server,
    debug ctl-client, debug ephone, syslogs, show commands, running-config),
    phone status messages and captured files (CTLFile.tlv, SEP<mac>.cnf.xml.sgn),
    and says what broke, why, how sure it is, the evidence, and the IOS commands
    that fix it.

    \b
    Start with:
      cmedebug analyze router.log              one capture
      cmedebug analyze case-folder/            everything in a folder
      show run | ... | cmedebug analyze -      from standard input
      cmedebug rules list                      what it knows how to find
    """
    # Deprecation and other warnings of the libraries are for developers, not for
    # the user reading a report (a big input could print thousands of them).
    warnings.simplefilter("ignore")


def run() -> None:
    """The console script (and ``python -m cmedebug``): ``main`` in a process of its own."""
    try:
        main(prog_name="cmedebug")
    finally:
        # Everything left dies with the process: frozen, the collector's last pass at exit
        # does not scan it (0.2-0.3 s after a million-line log).
        gc.freeze()


def _kind_choices() -> list[str]:
    from cmedebug.parsers.base import kinds

    return kinds()


@main.command()
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Report format on standard output.")
@click.option("--fail-on", type=click.Choice(SEVERITIES, case_sensitive=False), default="high", show_default=True,
              help="Exit 1 when a finding has this severity or higher (0 otherwise).")
@click.option("--kind", metavar="KIND", help="Treat every input as this kind instead of detecting it "
              "(see `cmedebug kinds`).")
@click.option("--year", type=click.IntRange(1990, 2100), help="Year of log stamps that print none "
              "(default: from `show clock` in the evidence, else this year).")
@click.option("--rule", "rules", multiple=True, metavar="ID", help="Run only this rule (repeatable).")
@click.option("--stats", is_flag=True, help="Show per-input coverage and the most frequent unparsed line shapes.")
@click.option("-q", "--quiet", is_flag=True, expose_value=False, callback=lambda ctx, _, quiet: show_progress(ctx, quiet),
              help="No progress on standard error (default: a bar on a terminal, else a line every few seconds).")
@click.option("-o", "--output", type=click.Path(),
              help="Write the report to this file instead of standard output.")
@click.option("--colour/--no-colour", "colour", default=None, help="Colour the text report (default: on a terminal).")
@click.option("--html", "html_file", type=click.Path(),
              help="Also write the self-contained HTML troubleshooting report to this file.")
@replay_option
@click.option("--zip-max-members", type=click.IntRange(1), default=InputBudget.max_members, show_default=True,
              help="Refuse a .zip with more members than this.")
@click.option("--zip-max-bytes", type=click.IntRange(1), default=InputBudget.max_bytes, show_default=True,
              help="Read at most this many bytes from all inputs together, after decompression (.zip members, "
                   ".gz contents, folder files); a .zip that declares more is refused.")
@click.option("--zip-max-ratio", type=click.IntRange(1), default=InputBudget.max_ratio, show_default=True,
              help="Refuse a .zip member, or cut a .gz, that expands more times than this (a decompression bomb).")
@click.option("--max-files", type=click.IntRange(1), default=InputBudget.max_files, show_default=True,
              help="Read at most this many files of a folder (the rest is listed as not read).")
def analyze(inputs, fmt, fail_on, kind, year, rules, stats, output, colour, html_file, replay_dir,
            zip_max_members, zip_max_bytes, zip_max_ratio, max_files):
    """Analyse INPUT files, folders, .gz and .zip files, or - for standard input.

    Prints the inputs read (kind and how many lines were understood), the clock
    state of each device, and the findings ranked root cause first, each with
    its evidence (file:line and the raw line) and the commands that fix it: one
    paste-ready block per device, with what to mind above it and why each line is
    there below it (a command no Cisco document shows is marked inferred).
    Ctrl-C while a long log is read stops the reading and reports what was
    read; a second Ctrl-C aborts.

    \b
    Examples:
      cmedebug analyze sample_logs/clock-never-set/router.log
      cmedebug analyze --format json --fail-on medium case/ > report.json
      cmedebug analyze --stats --year 2025 old-capture.txt
      cmedebug analyze case/ --html report.html
    """
    from cmedebug.pipeline import analyze as run_analysis

    budget = InputBudget(max_bytes=zip_max_bytes, max_ratio=zip_max_ratio, max_files=max_files,
                         max_members=zip_max_members)
    if kind and kind not in _kind_choices():
        raise click.BadParameter(f"unknown kind {kind!r}; known kinds: {', '.join(_kind_choices())}",
                                 param_hint="--kind")
    if rules:
        from cmedebug.engine import get_rule

        unknown = [r for r in rules if get_rule(r) is None]
        if unknown:
            raise click.BadParameter(f"unknown rule id(s): {', '.join(unknown)}; see `cmedebug rules list`",
                                     param_hint="--rule")
    _check_targets(("-o/--output", output), ("--html", html_file))
    replayed = load_replay(replay_dir)
    interactive = sys.stderr.isatty()

    def progress(summary):
        if interactive and not click.get_current_context().meta.get("quiet"):
            click.echo(neutralise(f"read {summary.path} ({summary.lines} lines)"), err=True)

    case = run_analysis(inputs, kind=kind, year=year, rules=rules or None, progress=progress, budget=budget)
    stop_progress()  # the bar is gone before the report is printed
    _report_unreadable(case)
    if fmt == "json":
        from cmedebug.reports.json_report import render

        text = render(case)
    else:
        from cmedebug.reports.text import render

        use_colour = colour if colour is not None else (output is None and sys.stdout.isatty())
        text = render(case, stats=stats, colour=use_colour)
    _deliver(text, output)
    if html_file:
        from cmedebug.reports.html import render as render_html

        _deliver(render_html(case, replay=replayed), html_file)
    sys.exit(exit_code(case, fail_on))


def _check_targets(*targets: tuple[str, str | None]) -> None:
    """Refuse, before any analysis, an output file that cannot be written (exit 2, one line)."""
    for option, path in targets:
        if path:
            try:
                check_target(path, option)
            except OutputError as exc:
                _fail_output(exc)


def _deliver(text: str, output: str | None) -> None:
    """The report to ``output`` (atomically) or to standard output."""
    if not output:
        click.echo(text, nl=False)
        return
    try:
        write_atomic(output, text)
    except OutputError as exc:
        _fail_output(exc)


def _fail_output(exc: OutputError) -> None:
    click.echo(neutralise(f"cmedebug: {exc}"), err=True)
    sys.exit(EXIT_INPUT)


def _report_unreadable(case) -> None:
    from cmedebug.pipeline import NOT_READ_AFTER_INTERRUPT

    skipped = [s for s in case.inputs if s.error == NOT_READ_AFTER_INTERRUPT]
    for s in case.inputs:
        if s.error and s.error != NOT_READ_AFTER_INTERRUPT:
            click.echo(neutralise(f"cmedebug: cannot read {s.path}: {s.error}"), err=True)
    if skipped:  # (one line, however many files a folder held)
        click.echo(neutralise(f"cmedebug: interrupted: {len(skipped)} more input(s) not read, from {skipped[0].path}; "
                              "the report covers what was read"), err=True)


def exit_code(case, fail_on: str) -> int:
    if case.inputs and all(s.error for s in case.inputs):
        return EXIT_INPUT
    threshold = Severity.parse(fail_on)
    if any(f.severity >= threshold for f in case.findings):
        return EXIT_FINDINGS
    if any(s.error for s in case.inputs):
        return EXIT_INPUT
    return EXIT_CLEAN


@main.command()
@click.argument("case_path", metavar="CASE", type=click.Path(exists=True))
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "md", "json", "html"]), default="text",
              show_default=True, help="Case note format.")
@click.option("--fail-on", type=click.Choice(SEVERITIES, case_sensitive=False), default="high", show_default=True,
              help="Exit 1 when a finding has this severity or higher (0 otherwise).")
@click.option("--year", type=click.IntRange(1990, 2100), help="Year of log stamps that print none.")
@click.option("-o", "--output", type=click.Path(),
              help="Write the case note to this file instead of standard output.")
@replay_option
def triage(case_path, fmt, fail_on, year, output, replay_dir):
    """Triage CASE (a folder or a .zip of whatever the customer sent) into a case note.

    Detects each file's kind, groups the inputs per device, runs every rule on
    one timeline and writes: the problem as the evidence shows it, the
    environment, findings root cause first, a numbered action plan with the
    commands, and the data to request for what could not be evaluated.

    \b
    Examples:
      cmedebug triage customer-case/
      cmedebug triage case.zip --format md -o case-note.md
      cmedebug triage case.zip --format html -o case.html
    """
    from cmedebug.reports.case_note import render
    from cmedebug.triage import collect_inputs, triage as run_triage

    _check_targets(("-o/--output", output))
    replayed = load_replay(replay_dir)
    inputs = collect_inputs([case_path])
    with _progress(len(inputs)) as advance:
        note = run_triage(inputs=inputs, year=year, progress=advance)
    _report_unreadable(note.case)
    add_to_note(note, replayed)
    _deliver(render(note, fmt), output)
    sys.exit(exit_code(note.case, fail_on))


@contextlib.contextmanager
def _progress(total: int):
    """Progress on stderr: a bar on a terminal, one line per input otherwise."""
    if sys.stderr.isatty():
        with click.progressbar(length=total, label="reading", file=sys.stderr) as bar:
            yield lambda summary: bar.update(1)
        return
    done = itertools.count(1)
    yield lambda summary: click.echo(neutralise(f"cmedebug: [{next(done)}/{total}] {summary.path} ({summary.kind}, "
                                                f"{summary.lines} lines)"), err=True)


@main.command()
def kinds():
    """List the input kinds cmedebug detects (names for --kind)."""
    from cmedebug.parsers.base import file_parsers, line_parsers

    for cls in [*line_parsers(), *file_parsers()]:
        click.echo(f"{cls.name:<24} {cls.description}")


@main.group()
def rules():
    """List the rules and read their documentation."""


@rules.command("list")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text", show_default=True,
              help="text: one line per rule; markdown: every page (docs/rules.md); json: every rule's metadata "
                   "and its generic remediation steps, slots unfilled.")
def rules_list(fmt):
    """One line per rule: id, severity, name, title."""
    from cmedebug.engine import all_rules

    if fmt == "markdown":
        from cmedebug.rules_doc import markdown

        click.echo(markdown(), nl=False)
        return
    if fmt == "json":
        import json

        from cmedebug.rules_doc import as_json

        click.echo(json.dumps({"rules": as_json()}, indent=2))
        return
    for cls in all_rules():
        click.echo(f"{cls.id:<8} {str(cls.severity):<8} {cls.name:<44} {cls.title}")


@rules.command("explain")
@click.argument("rule_id")
def rules_explain(rule_id):
    """Print the documentation page of RULE_ID (e.g. CLK002, or its name: clock-not-authoritative)."""
    import difflib

    from cmedebug.engine import all_rules, get_rule

    by_name = {cls.name: cls for cls in all_rules()}
    cls = get_rule(rule_id) or by_name.get(rule_id.lower())
    if cls is None:
        known = {name.lower(): name for cls in all_rules() for name in (cls.id, cls.name)}
        close = [known[k] for k in difflib.get_close_matches(rule_id.lower(), known, n=3)]
        click.echo(f"cmedebug: no rule {rule_id!r}" + (f" (did you mean {', '.join(close)}?)" if close else "")
                   + "; see `cmedebug rules list`", err=True)
        sys.exit(EXIT_INPUT)
    click.echo(f"{cls.id} {cls.name}: {cls.title}")
    click.echo(f"severity {cls.severity}, confidence {cls.confidence}; tags: {', '.join(cls.tags) or '-'}")
    click.echo("")
    from cmedebug.rules_doc import page

    click.echo(page(cls))


def _add_export_command() -> None:
    from cmedebug.export import events

    main.add_command(events)


_add_export_command()


def _add_trust_commands() -> None:
    from cmedebug.cli_trust import config, ctl

    main.add_command(ctl)
    main.add_command(config)


_add_trust_commands()


def _add_batch_command() -> None:
    from cmedebug.cli_batch import batch

    main.add_command(batch)


_add_batch_command()


def _add_reproduce_command() -> None:
    from cmedebug.refcme.command import reproduce

    main.add_command(reproduce)
    main.add_command(replay)


_add_reproduce_command()


if __name__ == "__main__":  # pragma: no cover
    main()
