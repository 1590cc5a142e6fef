"""`cmedebug replay`: the case analysed, its ReplaySpec played, compared, the fix proven.

The same path as `reproduce --fix` (design.md §8): a spec is played on the
reference CME, its evidence written to ``before/`` and analysed like the case;
the case's first root cause's steps, rendered as the user would paste them,
are typed into the CLI (``cmedebug.refcme.fix``), the phone boots again and
``after/`` is analysed. ``replay.toml`` holds the assumptions, both verdicts,
the steps applied and what the CLI answered. Nothing in it depends on the
wall clock or on where it was run, so the same ``seed`` gives the same bytes.
"""
from __future__ import annotations

import shutil
import time
from dataclasses import asdict
from pathlib import Path
from typing import Callable, Iterable

from cmedebug.model import Case, Severity
from cmedebug.refcme import runner
from cmedebug.refcme.fix import (NOT_ON_THE_CLI, apply_and_replay, beyond_the_cli, evidence_files, first_root_cause,
                                 needs_fix, result_table)
from cmedebug.refcme.spec import ReplaySpec, play
from cmedebug.replay.extract import FLOWS, spec_from_case
from cmedebug.refcme.toml_out import dumps

FORMAT = "cmedebug.replay/1"


class ReplayLimit(RuntimeError):
    """The replay took longer than its time limit."""


class Budget:
    def __init__(self, seconds: float) -> None:
        self.seconds, self.started = seconds, time.monotonic()

    def check(self, phase: str) -> None:
        spent = time.monotonic() - self.started
        if spent > self.seconds:
            raise ReplayLimit(f"replay stopped at {phase}: it took {spent:.0f} s, over the limit of "
                              f"{self.seconds:.0f} s (raise --time-limit)")


def prepare(out: Path) -> None:
    """An existing ``out`` is replaced only when empty or an earlier replay folder."""
    if out.exists() and any(out.iterdir()):
        if not (out / "replay.toml").is_file():
            raise FileExistsError(f"{out} is not empty and is not a replay folder: choose another --out")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)


def findings_table(case: Case) -> list[str]:
    return [f"[{f.severity.name}] {f.rule_id} {f.title}" for f in case.findings if f.severity >= Severity.MEDIUM]


def differences(case: Case, replayed: Case) -> dict:
    """Rules firing (medium or above) in one and not in the other."""
    def fired(c: Case) -> dict[str, str]:
        return {f.rule_id: f"{f.rule_id} {f.title}" for f in c.findings if f.severity >= Severity.MEDIUM}
    ours, theirs = fired(case), fired(replayed)
    return {"case_only": [ours[r] for r in sorted(set(ours) - set(theirs))],
            "replay_only": [theirs[r] for r in sorted(set(theirs) - set(ours))]}


def _trustpoint_certificates(case: Case) -> dict[str, dict]:
    """trustpoint -> its own certificate's fields, as `show crypto pki certificates` shows them."""
    found: dict[str, dict] = {}
    for fact in case.facts:
        if fact.kind == "cert" and fact.fields.get("role") == "id":
            for tp in fact.fields.get("trustpoints") or []:
                found.setdefault(tp, fact.fields)
    return found


def certificate_differences(case: Case, replayed: Case) -> list[str]:
    """Where the replay's certificates differ from the case's: presence, issuer, end date
    (more than two minutes apart), key size when both show it."""
    ours, theirs = _trustpoint_certificates(case), _trustpoint_certificates(replayed)
    out = []
    for tp in sorted(set(ours) | set(theirs)):
        a, b = ours.get(tp), theirs.get(tp)
        if a is None or b is None:
            out.append(f"{tp}: a certificate in the {'replay' if a is None else 'case'} only")
            continue
        if (a.get("issuer") or "").lower() != (b.get("issuer") or "").lower():
            out.append(f"{tp}: issued by {a.get('issuer')} in the case, {b.get('issuer')} in the replay")
        ends = a.get("not_after"), b.get("not_after")
        if all(ends) and abs((ends[0] - ends[1]).total_seconds()) > 120:
            out.append(f"{tp}: ends {ends[0]:%Y-%m-%d %H:%M} in the case, {ends[1]:%Y-%m-%d %H:%M} in the replay")
        if a.get("key_size") and b.get("key_size") and a["key_size"] != b["key_size"]:
            out.append(f"{tp}: {a['key_size']}-bit key in the case, {b['key_size']}-bit in the replay")
    return out


def flows_of(case: Case) -> list[str]:
    return [name for name, prefixes in FLOWS.items() if any(e.kind.startswith(prefixes) for e in case.events)]


def spec_table(spec: ReplaySpec) -> dict:
    """The spec as written into replay.toml (dates as text, tuples as lists)."""
    def plain(value):
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items() if v is not None}
        if isinstance(value, (list, tuple)):
            return [plain(v) for v in value]
        if hasattr(value, "isoformat"):
            return value.isoformat()
        if hasattr(value, "total_seconds"):
            return int(value.total_seconds())
        return value
    table = plain(asdict(spec))
    table.pop("assumptions")
    table.pop("flows")
    table["ctl_servers"] = [" ".join(s) for s in table.get("ctl_servers", [])]
    table["ephones"] = [{k: (" ".join(v) if isinstance(v, list) else v) for k, v in e.items()}
                        for e in table.get("ephones", [])]
    table["changes_after_build"] = spec.changes_after_build
    return table


def replay(paths: Iterable[str], out: Path, seed: int = 0, time_limit: float = 300.0,
           analyse: Callable[..., Case] | None = None, say: Callable[[str], None] = lambda _: None) -> dict:
    """Replay the case ``paths`` into ``out``; returns replay.toml's content.
    Raises ``NoConfiguration`` (nothing to build from), ``ReplayLimit``, ``FileExistsError``."""
    if analyse is None:
        from cmedebug.pipeline import analyze as analyse
    budget = Budget(time_limit)
    paths = list(paths)
    inside = next((p for p in paths if p != "-" and Path(p).is_dir()
                   and Path(out).resolve().is_relative_to(Path(p).resolve())), None)
    if inside is not None:  # the next analysis of the case would read the replay as evidence
        raise FileExistsError(f"--out {out} is inside the case folder {inside}: choose a folder outside it")
    case = analyse(paths)
    spec = spec_from_case(case)
    prepare(out)
    head = {"format": FORMAT, "case": paths, "seed": seed}
    root = first_root_cause(case)
    if not needs_fix(case) or root is None:
        table = {**head, "verdict": "nothing to reproduce",
                 "detail": "the case shows nothing at medium or above", "case_findings": findings_table(case),
                 "assumptions": spec.assumptions, "flows_seen": spec.flows}
        (out / "replay.toml").write_text(dumps(table))
        return table
    say(f"case: first root cause {root.rule_id} ({root.title}); playing the reference CME")
    budget.check("the build")
    try:
        world = play(spec, seed)
    except Exception as exc:  # a configuration the reference CME cannot model: say so, keep the rest
        table = {**head, "verdict": "not reproduced", "fix_verdict": "not tried",
                 "detail": f"the reference CME could not be built from this case: {exc.__class__.__name__}: {exc}",
                 "case_first_root": f"{root.rule_id} {root.title}", "assumptions": spec.assumptions,
                 "flows_seen": spec.flows, "case_findings": findings_table(case)}
        (out / "replay.toml").write_text(dumps(table))
        return table
    try:
        runner.collect(world, out / "before")
    finally:
        world.router.stop_services()
    budget.check("the replay's analysis")
    replayed = analyse(evidence_files(out / "before"))
    again = first_root_cause(replayed) if needs_fix(replayed) else None
    reproduced = again is not None and again.rule_id == root.rule_id
    say(f"replay: {'reproduced' if reproduced else 'not reproduced'}"
        f" (first root cause {again.rule_id if again else 'none'}); typing the fix into the CLI")
    budget.check("the fix")
    try:
        fix = {"verdict": NOT_ON_THE_CLI, "reasons": [beyond_the_cli(root)]} if beyond_the_cli(root) \
            else result_table(apply_and_replay(world, root, out / "after", analyse))
    except Exception as exc:  # the verdict on the case stands; say why the fix could not be played
        fix = {"verdict": "not tried", "reasons": [f"the fix could not be played on the reference CME: "
                                                   f"{exc.__class__.__name__}: {exc}"]}
    table = {**head,
             "verdict": "reproduced" if reproduced else "not reproduced",
             "fix_verdict": {"proven": "fix confirmed", "not tried": "fix not tried",
                             NOT_ON_THE_CLI: f"fix {NOT_ON_THE_CLI}"}.get(fix["verdict"],
                                                                                          "fix not confirmed"),
             "case_first_root": f"{root.rule_id} {root.title}",
             "replay_first_root": f"{again.rule_id} {again.title}" if again else "none",
             "assumptions": spec.assumptions,
             "flows_seen": spec.flows,
             "flows_replayed": flows_of(replayed),
             "differences": {**differences(case, replayed),
                             "certificates": certificate_differences(case, replayed)},
             "case_findings": findings_table(case), "replay_findings": findings_table(replayed),
             "spec": spec_table(spec),
             "fix": fix}
    (out / "replay.toml").write_text(dumps(table))
    return table
