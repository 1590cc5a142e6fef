"""What a configuration shows in force, read by the fixes: the settings a block already has
(left out of a fix), a trustpoint without `rsakeypair` (a key made before its enrollment), a
router with no CTL client (nothing to regenerate). Only blocks shown whole prove an absence."""
from __future__ import annotations

import re
from dataclasses import replace
from typing import Mapping, Sequence

from cmedebug.ios_commands import enters
from cmedebug.remediation import NOT_TYPED, Step
from cmedebug.remediation_steps import NEW_CTL_AND_FILES, UNKEYED

# Sub-modes whose configuration lines are settings (typing one that is in force changes nothing;
# their actions, `reset`, are never configuration lines), with the facts holding their blocks:
# a fix leaves out what the configuration shows already there.
_DECLARATIVE_MODES = {"ca-trustpoint": "config.trustpoint", "config-ephone": "config.ephone",
                      "config-ctl-client": "config.ctl_client", "config-capf-server": "config.capf_server"}


def _words(line: str) -> str:
    return " ".join(line.split())  # (IOS prints `ephone  1` with two spaces)


# `| section <regex>` and `| begin <regex>` print the blocks they show whole; `| include` picks lines
_WHOLE_BLOCK_FILTERS = re.compile(r"\|\s*(?:sec(?:t(?:i(?:o(?:n)?)?)?)?|b(?:e(?:g(?:i(?:n)?)?)?)?)\s")


def whole_blocks(case, kind: str) -> list:
    """The ``kind`` facts (configuration blocks) shown with all their lines: from a whole
    configuration, or one filtered by `| section` or `| begin` (not lines typed at a prompt,
    which may change a block only in part). Remembered per case: every fix of every finding
    asks, and a long capture repeats its configurations."""
    return case.derived(f"whole_blocks {kind}", lambda c: _whole_blocks(c, kind))


def _whole_blocks(case, kind: str) -> list:
    cut: dict[str, list] = {}  # input -> the spans of the configurations it shows only in part
    for f in case.facts_of("config.present"):
        if f.fields.get("partial") and not _WHOLE_BLOCK_FILTERS.match(f.fields.get("filter") or ""):
            cut.setdefault(f.source.path, []).append((f.source.first_line, f.source.last_line))
    return [f for f in case.facts_of(kind) if f.fields.get("origin") != "typed" and (
        not f.fields.get("partial") or not any(
            first <= f.source.first_line <= last for first, last in cut.get(f.source.path, ())))]


def without_configured_settings(steps: Sequence[Step], case) -> list[Step]:
    """``steps`` less the settings the configuration shows in force under the trustpoint or
    ephone they are typed in (`serial-number none`, `capf-ip-in-cnf`), and less a trustpoint or
    ephone entered for those alone."""
    blocks = {_words(f.raw[0]): {_words(line) for line in f.raw[1:]}
              for kind in _DECLARATIVE_MODES.values() for f in whole_blocks(case, kind)
              if f.raw and f.fields.get("config") != "startup"}  # (what is in force, not what a reload loads)
    if not blocks:
        return list(steps)
    out: list[Step] = []
    parent: Step | None = None  # the step entering the sub-mode the steps are in (the last of ``out``)
    kept = dropped = 0  # its sub-mode steps kept and left out
    changed: set[tuple[str, str]] = set()  # (block, setting) a kept step typed: a later one is typed too

    def close() -> None:
        if parent is not None and dropped and not kept:
            out.pop()  # entered for settings in force only

    for step in steps:
        if step.mode == "config" and step.command.startswith("no "):
            blocks.pop(_words(step.command[3:]), None)  # (a block deleted before it is typed again holds nothing)
        if parent is not None and step.mode in _DECLARATIVE_MODES:
            block, line = _words(parent.command), _words(step.command)
            setting = line.removeprefix("no ").split(" ", 1)[0]
            if line in blocks.get(block, ()) and (block, setting) not in changed:
                dropped += 1
                continue
            kept += 1
            changed.add((block, setting))  # (`device-security-mode none` ... then back to the mode it had)
        else:
            close()
            entered = step.mode not in NOT_TYPED and enters(step.command, step.mode) in _DECLARATIVE_MODES
            parent, kept, dropped = (step if entered else None), 0, 0
        out.append(step)
    close()
    return out


def without_regenerate_of_no_ctl_client(steps: Sequence[Step], case) -> list[Step]:
    """``steps`` less `ctl-client` / `regenerate` where a whole configuration has no ctl-client
    and the steps configure none: there is no CTL to refresh, and typing `ctl-client` would
    create an empty one (CTL001 says what to configure). A restart's why then names the files
    alone."""
    if not case.has_whole_config() or case.has("config.ctl_client") or \
            any(s.mode == "config-ctl-client" and s.command != "regenerate" for s in steps):
        return list(steps)
    out: list[Step] = []
    for step in steps:
        if step.mode == "config-ctl-client" and out and out[-1].mode == "config" and out[-1].command == "ctl-client":
            out.pop()
            continue
        if step.why and NEW_CTL_AND_FILES in step.why:
            step = replace(step, why=step.why.replace(NEW_CTL_AND_FILES, "the new files"))
        out.append(step)
    return out


def unkeyed_slots(values: Mapping[str, object], used: set[str], case) -> dict[str, list[str]]:
    """{unkeyed_<slot>}: the trustpoints of {<slot>} that a full configuration shows without
    `rsakeypair` (none where it is not shown: their key steps drop)."""
    wanted = [slot for slot in used if slot.startswith(UNKEYED)]
    if not wanted:
        return {}
    unkeyed = {f.fields.get("name") for f in whole_blocks(case, "config.trustpoint") if not f.fields.get("rsakeypair")}
    out = {}
    for slot in wanted:
        named = values.get(slot[len(UNKEYED):])
        names = [named] if isinstance(named, str) else list(named or ())
        out[slot] = [n for n in names if n in unkeyed]
    return out
