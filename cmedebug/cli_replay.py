"""`cmedebug replay`: reproduce a customer's case on the reference CME, then confirm its fix there."""
from __future__ import annotations

import sys
from pathlib import Path

import click


@click.command()
@click.argument("case", nargs=-1, required=True, metavar="CASE...")
@click.option("--out", required=True, type=click.Path(file_okay=False),
              help="Folder to write (replay.toml, before/, after/); replaced only if empty or an earlier replay.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seed of the replay's keys and ports: the same seed gives byte-identical output.")
@click.option("--time-limit", type=click.FloatRange(1), default=300.0, show_default=True,
              help="Stop with a message when the replay takes longer than this many seconds.")
def replay(case, out, seed, time_limit):
    """Replay CASE (files, a folder, a .zip, or - for standard input, as `analyze` takes them)
    on the reference CME, on 127.0.0.1 only.

    \b
    1. builds a reference CME from the case: its running-config, the certificates'
       dates and key sizes (fresh keys), the device clock, the phones seen;
       what the evidence lacks is a default, listed as an assumption;
    2. plays the phone's flows and analyses the replay like the case:
       reproduced when the same root cause comes first, else the differences;
    3. types the first root cause's fix into the reference CME's CLI, exactly as
       the report prints it, and boots the phone again: fix confirmed or not.

    \b
    Writes OUT/replay.toml, OUT/before/ and OUT/after/ (the same kinds of evidence
    as the case). Secrets of the case are never copied: placeholders stand for them.
    Exit 0: reproduced and fix confirmed, or nothing to reproduce; 1: not reproduced
    or fix not confirmed; 2: nothing to replay (no configuration), or a limit hit.

    \b
    Examples:
      cmedebug replay case.zip --out /tmp/replay
      cmedebug replay sample_logs/sast-changed --out /tmp/sast --seed 1
      cmedebug analyze case.zip --html report.html --replay /tmp/replay
    """
    from cmedebug.replay.extract import NoConfiguration
    from cmedebug.replay.run import ReplayLimit, replay as run_replay

    try:
        table = run_replay(case, Path(out), seed, time_limit, say=lambda text: click.echo(text, err=True))
    except NoConfiguration as exc:
        click.echo(f"cmedebug replay: {exc}", err=True)
        sys.exit(2)
    except (ReplayLimit, FileExistsError) as exc:
        click.echo(f"cmedebug replay: {exc}", err=True)
        sys.exit(2)
    click.echo(summary(table))
    written = ", ".join(str(Path(out) / n) for n in ("replay.toml", "before", "after") if (Path(out) / n).exists())
    click.echo(f"written: {written}")
    ok = table["verdict"] == "nothing to reproduce" or (
        table["verdict"] == "reproduced" and table["fix_verdict"] == "fix confirmed")
    sys.exit(0 if ok else 1)


def summary(table: dict) -> str:
    """What the terminal shows: verdicts, assumptions, where the results are."""
    lines = [f"verdict: {table['verdict']}"]
    if "detail" in table:
        lines.append(f"  {table['detail']}")
    if "fix" in table:
        lines[0] += f"; {table['fix_verdict']}"
        lines += [f"  case's first root cause:   {table['case_first_root']}",
                  f"  replay's first root cause: {table['replay_first_root']}"]
        diff = table["differences"]
        lines += [f"  only in the case:   {item}" for item in diff["case_only"]]
        lines += [f"  only in the replay: {item}" for item in diff["replay_only"]]
        lines += [f"  fix: {reason}" for reason in table["fix"]["reasons"]]
    lines.append(f"assumptions ({len(table['assumptions'])}):")
    lines += [f"  - {a}" for a in table["assumptions"]] or ["  (none)"]
    return "\n".join(lines)


replay_option = click.option(
    "--replay", "replay_dir", type=click.Path(file_okay=False), metavar="DIR",
    help="A `cmedebug replay` folder of this case: analyze --html adds the section 'Reproduced on the reference "
         "CME'; triage puts the verdicts in the case note (and a caution when the fix was not confirmed).")


def load_replay(replay_dir: str | None) -> dict | None:
    """The replay.toml of ``replay_dir`` (None without one); a folder that holds none ends the
    command with one line and exit 2."""
    if not replay_dir:
        return None
    from cmedebug.replay.results import NotAReplay, load

    try:
        return load(replay_dir)
    except NotAReplay as exc:
        click.echo(f"cmedebug: {exc}", err=True)
        sys.exit(2)


def add_to_note(note, table: dict | None) -> None:
    """A triage case note with the replay's verdicts: an environment row, and first in the
    action plan a caution when the fix was not confirmed on the reference CME."""
    if table is None:
        return
    from cmedebug.replay.results import caution, verdict_line
    from cmedebug.triage import PlanStep

    note.environment.append(("Reproduced on the reference CME", verdict_line(table)))
    warning = caution(table)
    if warning:
        note.action_plan.insert(0, PlanStep(warning))
