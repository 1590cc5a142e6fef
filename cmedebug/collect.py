"""What to collect next: the rules that could not run, and the router commands,
files and phone data they need.

Read from the rule outcomes the engine left in the case, so the triage note and
the reports need neither the engine nor each other for it.
"""
from __future__ import annotations

import re

from cmedebug.model import Case

# What a rule asks to collect is a router command (show crypto pki certificates verbose,
# debug capf-server all, dir <database url>, ping <ca-ip>) or a file or phone screen to get.
IOS_COMMAND = re.compile(r"^(show|debug|dir|ping|more|terminal|test|clear)\b")


def not_evaluated(case: Case) -> list[dict]:
    """One row per rule that was not evaluated: its id, title, the evidence it
    lacked and what to collect."""
    return [{"rule_id": o.rule_id, "title": o.title, "missing": list(o.missing), "commands": list(o.collect)}
            for o in case.outcomes if o.status == "not_evaluated"]


def split_commands(wanted: list[str]) -> tuple[list[str], list[str]]:
    """Router commands first, then the files and phone data to get (order kept)."""
    return [c for c in wanted if IOS_COMMAND.match(c)], [c for c in wanted if not IOS_COMMAND.match(c)]
