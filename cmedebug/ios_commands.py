"""The IOS command table (cmedebug/data/ios_commands.toml): which mode IOS accepts
each command in, the prompt of that mode, the sub-mode a command enters and the
questions IOS asks. Remediation steps are checked against it, the reference
CME's CLI enforces it, and docs/ios-commands.md is generated from it.

    >>> lookup("crypto pki trustpoint cme-tls", "config").enters
    'ca-trustpoint'
    >>> lookup("crypto pki enroll cme-tls", "exec") is None
    True
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

# An unfilled slot of a step ({trustpoint}) or a printed placeholder (<trustpoint>)
# stands for one token when a command is matched: any argument, or any keyword
# of a {a|b} choice.
_SLOT = re.compile(r"\{[a-z0-9_]+\}|<[^<>\s]+>")
_ANY = "\x00"
_TOKEN = "\\S+"


@dataclass(frozen=True)
class Question:
    """A question IOS asks after the command, and the answer the steps give."""

    text: str
    answer: str
    when: str = ""  # asked only in this situation (steps for it give every answer explicitly)
    unless: str = ""  # not asked in this situation (another dialog replaces it)
    confirmed: str = ""


@dataclass(frozen=True)
class Mode:
    name: str
    prompt: str
    parent: str = ""
    enter: str = ""
    leave: str = ""
    note: str = ""
    source: str = ""
    confirmed: str = ""

    def prompt_for(self, hostname: str = "Router") -> str:
        return self.prompt.replace("Router", hostname, 1)


@dataclass(frozen=True)
class Command:
    pattern: str
    modes: tuple[str, ...]
    source: str
    confirmed: str
    enters: str = ""
    questions: tuple[Question, ...] = ()
    destructive: str = ""
    note: str = ""
    # False: typed in a configuration mode, but it only prints or writes a file (an export):
    # a block made of such commands has nothing to save
    changes_config: bool = True
    # False: a setting for the time of a capture (debug output into the buffer): a fix block
    # does not save it, so that the next reload gives the router its own setting back
    saved: bool = True

    @property
    def regex(self) -> re.Pattern:
        return _compile(self.pattern)

    def dialogs(self) -> dict[str, tuple[Question, ...]]:
        """The questions asked in each situation: '' (the usual one: those without a
        condition) and each `when` condition (its own questions and the usual ones it
        does not replace)."""
        conditions = dict.fromkeys(["", *(q.when for q in self.questions if q.when)])
        return {c: tuple(q for q in self.questions if (not q.when or q.when == c) and (not c or q.unless != c))
                for c in conditions}


@dataclass(frozen=True)
class Table:
    modes: dict[str, Mode]
    commands: tuple[Command, ...]

    def matches(self, command: str) -> list[Command]:
        """The entries whose pattern matches the command (placeholders stand for a token).
        `no <command>` matches an explicit `no` entry, else the command's own entries."""
        text = " ".join(_SLOT.sub(_ANY, command).split())
        found = [entry for entry in self.commands if entry.regex.fullmatch(text)]
        if not found and text.startswith("no "):
            return self.matches(text[3:])
        return found


@lru_cache(maxsize=4096)
def _entries_of(command: str) -> tuple[Command, ...]:
    """``table().matches(command)``, once per command text: the fix blocks of a case
    look up the same few hundred commands again and again."""
    return tuple(table().matches(command))


def _compile_str(pattern: str) -> str:
    pattern = " ".join(pattern.replace(" [", "[ ").replace(" | ", "|").replace("{ ", "{").split())
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "<":
            end = pattern.index(">", i)
            out.append(f"{_TOKEN}(?: {_TOKEN})*" if pattern[i + 1:end].endswith("...") else _TOKEN)
            i = end + 1
            continue
        out.append({"{": f"(?:{_ANY}|", "}": ")", "[": "(?:", "]": ")?", "|": "|"}.get(ch, re.escape(ch)))
        i += 1
    return "".join(out)


@lru_cache(maxsize=None)
def _compile(pattern: str) -> re.Pattern:
    return re.compile(_compile_str(pattern), re.IGNORECASE)


@lru_cache(maxsize=1)
def table() -> Table:
    raw = tomllib.loads(resources.files("cmedebug").joinpath("data/ios_commands.toml").read_text(encoding="utf-8"))
    modes = {name: Mode(name=name, **fields) for name, fields in raw["modes"].items()}
    commands = []
    for entry in raw["command"]:
        questions = tuple(Question(**q) for q in entry.pop("question", []))
        commands.append(Command(modes=tuple(entry.pop("modes")), questions=questions, **entry))
    return Table(modes, tuple(commands))


def lookup(command: str, mode: str) -> Command | None:
    """The table entry of ``command`` when IOS accepts it in ``mode``, else None."""
    return next((entry for entry in _entries_of(command) if mode in entry.modes), None)


def enters(command: str, mode: str) -> str:
    """The sub-mode that typing ``command`` in ``mode`` enters ('' for none; `no` forms never enter)."""
    entry = lookup(command, mode)
    return entry.enters if entry is not None and not command.lstrip().startswith("no ") else ""


INVALID_INPUT = "% Invalid input detected at '^' marker."


class ModeMachine:
    """Types lines as IOS would read them: tracks the mode, expects the answers to
    a command's questions on the lines that follow it, and refuses a command in a
    mode that does not accept it. Stricter than IOS, which falls back from a
    sub-mode to global configuration for a global command: a block that passes
    here never relies on that fallback."""

    def __init__(self):
        self.stack = ["exec"]
        self.pending: list[Question] = []

    @property
    def mode(self) -> str:
        return self.stack[-1]

    def prompt(self, hostname: str = "Router") -> str:
        return table().modes[self.mode].prompt_for(hostname)

    def feed(self, line: str) -> str | None:
        """Type one line; the error IOS would print, or None."""
        if self.pending:
            self.pending.pop(0)
            return None
        text = " ".join(line.split())
        if not text or text.startswith("!"):
            return None
        if text == "configure terminal":
            if self.mode != "exec":
                return INVALID_INPUT
            self.stack.append("config")
        elif text in ("end", "exit"):
            if self.mode == "exec":
                return INVALID_INPUT
            if text == "end":
                self.stack[1:] = []
            else:
                self.stack.pop()
        else:
            entry = lookup(text, self.mode)
            if entry is None:
                return INVALID_INPUT
            if entry.enters and not text.startswith("no "):
                self.stack.append(entry.enters)
            self.pending = [q for q in entry.questions if not q.when]
        return None
