"""`cmedebug reproduce`: play reference-CME scenarios and write their evidence folders."""
from __future__ import annotations

import difflib
import sys
import time
from pathlib import Path

import click


@click.command()
@click.argument("name", required=False)
@click.option("--list", "list_", is_flag=True, help="List the scenarios.")
@click.option("--all", "all_", is_flag=True, help="Play every scenario, one folder each under --out.")
@click.option("--out", type=click.Path(file_okay=False),
              help="Folder to write; an existing one is replaced only if it is empty or a scenario folder.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of keys and modelled ports.")
@click.option("--fix", is_flag=True,
              help="Then type the first root cause's steps into the reference CME's CLI, exactly as a report "
                   "prints them, replay the phone, and write DIR/after/ and DIR/fix.toml (proven or not, and why).")
def reproduce(name, list_, all_, out, seed, fix):
    """Reproduce a Secure CME flow on the built-in reference CME (real CA, CTL, TLS on 127.0.0.1).

    \b
    Examples:
      cmedebug reproduce --list
      cmedebug reproduce sast-changed --out /tmp/sast
      cmedebug reproduce --all --out sample_logs      (regenerates the shipped samples)
      cmedebug reproduce cert-expired --out /tmp/ce --fix   (is the suggested fix proven?)

    \b
    With --fix, a fix is proven when every phone ends registered in its configured
    security mode and the analysis of DIR/after/ finds nothing at high or above.
    A fault no CLI step fixes (an unsupported platform) is reported as "not provable
    on the CLI", with what to do instead. The exit code is 1 when a fix is not proven.
    """
    from cmedebug.refcme.fix import reproduce_with_fix
    from cmedebug.refcme.scenarios import SCENARIOS, timed_reproduce

    if list_:
        for s in SCENARIOS.values():
            click.echo(f"{s.name:<32} {s.description}")
        return
    if name and name not in SCENARIOS:  # (before --out: a misspelt name is the first thing to say)
        close = difflib.get_close_matches(name, SCENARIOS, n=1)
        raise click.BadParameter(f"unknown scenario {name!r}" + (f" (did you mean {close[0]}?)" if close else "")
                                 + "; see `cmedebug reproduce --list`", param_hint="NAME")
    if bool(name) == bool(all_):
        raise click.UsageError("give a scenario NAME or --all (see --list)")
    if not out:
        raise click.UsageError(f"give --out DIR: the folder to write {'each scenario' if all_ else name} into")
    unproven = []
    for scenario in (SCENARIOS if all_ else [name]):
        target = Path(out) / scenario if all_ else Path(out)
        try:
            if fix:
                started = time.monotonic()
                table = reproduce_with_fix(scenario, target, seed)
                click.echo(f"{scenario}: fix {_fix_summary(table)} -> {target / 'fix.toml'} "
                           f"({time.monotonic() - started:.1f} s)")
                unproven += [scenario] if table["verdict"] == "not proven" else []
                continue
            world, seconds = timed_reproduce(scenario, target, seed)
        except FileExistsError as exc:
            raise click.UsageError(str(exc)) from None
        click.echo(f"{scenario}: phone {world.phone.outcome} -> {target} ({seconds:.1f} s)")
    if unproven:
        click.echo(f"not proven: {', '.join(unproven)}", err=True)
        sys.exit(1)


def _fix_summary(table: dict) -> str:
    if table["verdict"] != "not proven":
        rule = f" ({table['rule']})" if "rule" in table else ""
        said = f": {table['reasons'][0]}" if table["verdict"] == "not provable on the CLI" else ""
        return f"{table['verdict']}{rule}{said}"
    return f"not proven ({table['rule']}): {table['reasons'][0]}"
