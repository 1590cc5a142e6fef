"""`cmedebug reproduce`: play reference-CME scenarios and write their evidence folders."""
from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.argument("name", required=False)
@click.option("--list", "list_", is_flag=True, help="List the scenarios.")
@click.option("--all", "all_", is_flag=True, help="Play every scenario, one folder each under --out.")
@click.option("--out", type=click.Path(file_okay=False),
              help="Folder to write; an existing one is replaced only if it is empty or a scenario folder.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of keys and modelled ports.")
def reproduce(name, list_, all_, out, seed):
    """Reproduce a Secure CME flow on the built-in reference CME (real CA, CTL, TLS on 127.0.0.1).

    \b
    Examples:
      cmedebug reproduce --list
      cmedebug reproduce sast-changed --out /tmp/sast
      cmedebug reproduce --all --out sample_logs      (regenerates the shipped samples)
    """
    from cmedebug.refcme.scenarios import SCENARIOS, timed_reproduce

    if list_:
        for s in SCENARIOS.values():
            click.echo(f"{s.name:<32} {s.description}")
        return
    if not out or bool(name) == bool(all_):
        raise click.UsageError("give a scenario NAME or --all, and --out DIR (see --list)")
    if name and name not in SCENARIOS:
        raise click.BadParameter(f"unknown scenario {name!r}; see `cmedebug reproduce --list`", param_hint="NAME")
    for scenario in (SCENARIOS if all_ else [name]):
        target = Path(out) / scenario if all_ else Path(out)
        try:
            world, seconds = timed_reproduce(scenario, target, seed)
        except FileExistsError as exc:
            raise click.UsageError(str(exc)) from None
        click.echo(f"{scenario}: phone {world.phone.outcome} -> {target} ({seconds:.1f} s)")
