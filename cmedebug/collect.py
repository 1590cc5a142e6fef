"""What to collect next: the rules that could not run, and the router commands,
files and phone data they need.

Read from the rule outcomes the engine left in the case, so the triage note and
the reports need neither the engine nor each other for it.
"""
from __future__ import annotations

import re
from collections import Counter

from cmedebug.model import Case
from cmedebug.remediation_steps import DEBUG_BUFFER

# What a rule asks to collect is a router command (show crypto pki certificates verbose,
# debug capf-server all, dir <database url>, ping <ca-ip>) or a file or phone screen to get.
IOS_COMMAND = re.compile(r"^(show|debug|dir|ping|more|terminal|test|clear)\b")


# Said wherever debugs are asked for: a busy CME's console cannot keep up with them (primer 4.1).
DEBUG_ADVICE = ("run the debugs into the buffer, not the console of a busy router (primer 4.1): "
                f"`{DEBUG_BUFFER}` and `no logging console` in configuration mode first; "
                "`show logging` reads them, `undebug all` ends them")


def debug_advice(commands: list[str]) -> list[str]:
    """[DEBUG_ADVICE] when ``commands`` turn a debug on, else []."""
    return [DEBUG_ADVICE] if any(c.startswith("debug ") for c in commands) else []


def not_evaluated(case: Case) -> list[dict]:
    """One row per rule that was not evaluated: its id, title, the evidence it
    lacked and what to collect, less the commands whose output the inputs hold (a
    whole running configuration holds every `show running-config | ...` section)
    and the files and phone data they hold."""
    given = [c.lower().split() for c in case.commands_given]
    whole_config = case.has_whole_config()
    kinds = _kinds_read(case)
    return [{"rule_id": o.rule_id, "title": o.title, "missing": list(o.missing),
             "commands": [c for c in o.collect if not any(_same_command(g, c) for g in given)
                          and not (whole_config and _CONFIG_SECTION.match(c)) and not _file_given(c, kinds)]}
            for o in case.outcomes if o.status == "not_evaluated"]


# The files and phone data a rule asks for, by the input kinds that hold them (`cmedebug kinds`)
_FILE_KINDS = (("ctlsep<mac>.tlv", ("ctl",)), ("sep<mac>.cnf.xml", ("sgn", "cnf-xml")),
               ("the phone's status messages", ("phone-status",)), ("the phone's console log", ("phone-console",)))


def _kinds_read(case: Case) -> Counter[str]:
    """How many inputs were read as each kind (a text of several counts for each)."""
    return Counter(name for s in case.inputs if not s.error
                   for name in s.kind.removeprefix("mixed: ").split(", "))


def _file_given(wanted: str, kinds: Counter[str]) -> bool:
    """Whether the inputs hold every file or phone datum ``wanted`` names (two of a kind
    where it asks for one "before and after" a change); False for a router command or
    for what no input kind holds (the phone's menus)."""
    asked = [found for marker, found in _FILE_KINDS if marker in wanted.lower()]
    needed = 2 if "before and after" in wanted else 1
    return bool(asked) and all(sum(kinds[k] for k in found) >= needed for found in asked)


# `show running-config | section crypto pki server`: held by a whole configuration the inputs
# give, whether typed at a prompt or saved as a file (asking the customer for it again is noise)
_CONFIG_SECTION = re.compile(r"show running-config\b", re.IGNORECASE)


def _same_command(typed: list[str], wanted: str) -> bool:
    """Whether the typed command (words, IOS abbreviations allowed: `sh cry pki ser`)
    gives the output of ``wanted``. A `<placeholder>` matches any word; trailing ones
    may be left out (`show crypto pki certificates` holds every trustpoint's). Output
    cut by a `|` filter is not the whole output asked for."""
    words = wanted.lower().split()
    while words and words[-1].startswith("<"):
        words.pop()
    if not words or len(typed) < len(words) or ("|" in typed and "|" not in words):
        return False
    return all(w.startswith("<") or w.startswith(t) for t, w in zip(typed, words))


def split_commands(wanted: list[str]) -> tuple[list[str], list[str]]:
    """Router commands first, then the files and phone data to get (order kept)."""
    return [c for c in wanted if IOS_COMMAND.match(c)], [c for c in wanted if not IOS_COMMAND.match(c)]
