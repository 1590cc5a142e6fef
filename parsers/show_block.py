"""What every show-command parser shares: reading one command's output line by line.

A show parser recognises each line of its output (``take`` returns ``[]`` for a
line it understood, ``None`` for one it did not, which then stays unparsed)
and builds facts as records complete: when the next record starts, or when the
block ends (next prompt, EOF, another block). Memory holds one record at a time.

Captures copied from web pages often join the prompt and the first output
line (``Router# show credentials Credentials IP: 172.19.245.1``); the words
after the command are offered to ``take`` as if they were the first line.
"""
from __future__ import annotations

import functools
import re
from typing import Callable, ClassVar

from cmedebug.model import Fact, SourceRef
from cmedebug.parsers.base import NO_MESSAGE, Context, Item, LineParser, line_parsers
from cmedebug.parsers.framing import Record, match_any

# Status: Available        Granting mode is: auto        Credentials PORT: 2444
_KEY_VALUE = re.compile(r"(?P<key>[^:]{1,80}?)\s*:\s*(?P<value>.*)$")
# how many words of a joined prompt line may be a command argument before the output starts
_MAX_ARGUMENT_WORDS = 2


def extend_fact(fact: Fact, rec: Record) -> None:
    """A fact read over several lines: add this record's lines to its raw lines and range."""
    fact.raw += tuple(rec.lines)
    fact.source = SourceRef(fact.source.path, fact.source.first_line, rec.last_line)


def starts_other_output(text: str, parser: LineParser) -> bool:
    """True when ``text`` is the first line of another parser's output: for the
    outputs whose lines have no fixed shape (a phone's lines, a wrapped value),
    this is where they end when the next output was pasted without a prompt."""
    return _other_block_start(type(parser))(text) is not None


@functools.cache
def _other_block_start(parser_class: type) -> Callable[[str], re.Match | None]:
    return match_any(cls.block_start for cls in line_parsers()
                     if cls.block_start is not None and not issubclass(parser_class, cls))


def key_value(text: str) -> tuple[str, str] | None:
    """'Certificate Usage: General Purpose' -> ('certificate usage', 'General Purpose')."""
    m = _KEY_VALUE.match(text)
    if not m:
        return None
    return " ".join(m.group("key").lower().split()), m.group("value").strip()


def hex_compact(text: str | None) -> str | None:
    """'AC9919F5 CAFE0560' -> 'AC9919F5CAFE0560' (None stays None)."""
    if text is None:
        return None
    return re.sub(r"[^0-9A-Fa-f]", "", text).upper() or None


def to_int(text: str | None) -> int | None:
    m = re.search(r"-?\d+", text or "")
    return int(m.group(0)) if m else None


def text_or_none(value: str) -> str | None:
    return value or None


def lower_or_none(value: str) -> str | None:
    return value.lower() or None


def yes_no(text: str | None) -> bool | None:
    """'Yes (General Purpose)' -> True, 'No' -> False, 'Enabled' -> True."""
    word = (text or "").strip().split(" ", 1)[0].lower().rstrip(".,")
    if word in ("yes", "enabled", "true", "up", "present", "active"):
        return True
    if word in ("no", "disabled", "false", "down", "none", "not"):
        return False
    return None


class ShowBlockParser(LineParser):
    """Base of the show parsers; subclasses set ``name``, ``commands``,
    ``block_start`` and implement ``take`` and ``flush``."""

    priority: ClassVar[int] = 40

    def __init__(self) -> None:
        self._in_block = False
        self._carry: list[Item] = []
        self._tails_used: set[str] = set()

    # -- to implement ------------------------------------------------------------
    def take(self, text: str, rec: Record, ctx: Context) -> list[Item] | None:
        """Facts completed by this line, [] when understood, None when not this output's."""
        raise NotImplementedError

    def flush(self, ctx: Context) -> list[Item]:
        """Facts of the record in progress; resets it."""
        return []

    # -- the LineParser protocol ---------------------------------------------------
    def parse(self, rec: Record, ctx: Context):
        if rec.is_message or not rec.text:
            return None
        try:
            if not self._in_block:
                self._in_block = True
                self._take_command_tail(rec, ctx)
            items = self.take(rec.text, rec, ctx)
        except Exception as exc:  # a parser bug must not stop the analysis: the line stays unparsed
            ctx.warnings.append(f"{ctx.path}:{rec.first_line}: {self.name} could not read this line "
                                f"({exc.__class__.__name__}: {exc})")
            self._carry.extend(self.flush(ctx))  # keep what was read before it
            return None
        if items is None:
            return None
        items, self._carry = self._carry + items, []
        return items

    def end_block(self, ctx: Context):
        items, self._carry = self._carry + self.flush(ctx), []
        self._in_block = False
        return items

    reads_messages = NO_MESSAGE

    def ignores_message(self, body: str) -> bool:
        return True  # `parse` returns None for every message first

    def sniff(self, lines: list[str]) -> float:
        hits = 0
        for line in lines:
            text = line.strip()
            # Router#show running-config      wilson_19#sh ephone
            if "#" in text and self.owns_command(text.split("#", 1)[1].strip()):
                hits += 3
            elif self.block_start is not None and self.block_start.match(text):
                hits += 1
        return min(1.0, hits / max(1, len(lines)) * 4)

    # -- helpers -------------------------------------------------------------------
    def owns_command(self, command: str) -> re.Match | None:
        for pattern in self.commands:
            m = re.match(pattern + r"\b", command, re.I)
            if m:
                return m
        return None

    def _take_command_tail(self, rec: Record, ctx: Context) -> None:
        command = ctx.command or ""
        m = self.owns_command(command) if command not in self._tails_used else None
        if not m:
            return
        self._tails_used.add(command)
        words = command[m.end():].split()
        at_first_line = Record(rec.first_line, rec.first_line, [], "")  # the prompt line is not part of the fact
        for skip in range(min(_MAX_ARGUMENT_WORDS, len(words)) + 1):
            tail = " ".join(words[skip:])
            if not tail:
                return
            items = self.take(tail, at_first_line, ctx)
            if items is not None:
                self._carry.extend(items)
                return


class TableShowParser(ShowBlockParser):
    """A show output that is a table: header lines carry nothing, each ``row`` is
    one ``fact_kind`` fact with the fields ``row_fields`` reads from the match."""

    fact_kind: ClassVar[str] = ""
    headers: ClassVar[tuple[re.Pattern, ...]] = ()
    row: ClassVar[re.Pattern]

    def take(self, text: str, rec: Record, ctx: Context):
        if any(header.match(text) for header in self.headers):
            return []
        m = self.row.match(text)
        return None if m is None else [ctx.fact(self.fact_kind, rec, **self.row_fields(m))]

    def row_fields(self, m: re.Match) -> dict:
        raise NotImplementedError


class KeyValueShowParser(ShowBlockParser):
    """A show output of `Key: value` lines that makes one fact (``show credentials``).

    ``keys`` maps the lower-case key to (field, converter); ``banners`` are the
    title lines (understood, carrying nothing). Every field of ``keys`` is in the
    fact, None when the output did not print it."""

    fact_kind: ClassVar[str] = ""
    keys: ClassVar[dict[str, tuple[str, object]]] = {}
    banners: ClassVar[re.Pattern | None] = None
    other_lines: ClassVar[re.Pattern | None] = None  # lines of this output that carry nothing the rules need

    def __init__(self) -> None:
        super().__init__()
        self.values: dict | None = None

    def take(self, text: str, rec: Record, ctx: Context):
        if self.banners is not None and self.banners.match(text):
            done = self.flush(ctx) if self.values and self.values["filled"] else []
            self._extend(rec)
            return done
        kv = key_value(text)
        if kv is None or kv[0] not in self.keys:
            if self.values is None or self.other_lines is None or not self.other_lines.match(text):
                return None
            self._extend(rec)
            return []
        field_name, convert = self.keys[kv[0]]
        # the same key again: a second instance of the output begins
        done = self.flush(ctx) if self.values and field_name in self.values["fields"] else []
        self._extend(rec)
        self.values["fields"][field_name] = convert(kv[1])
        self.values["filled"] = True
        return done

    def _extend(self, rec: Record) -> None:
        if self.values is None:
            self.values = {"fields": {}, "filled": False, "first": rec.first_line, "last": rec.last_line, "raw": []}
        self.values["last"] = rec.last_line
        self.values["raw"].extend(rec.lines)

    def flush(self, ctx: Context):
        values, self.values = self.values, None
        if not values or not values["filled"]:
            return []
        fields = {name: None for name, _ in self.keys.values()}
        fields.update(values["fields"])
        return [ctx.fact(self.fact_kind, first_line=values["first"], last_line=values["last"], raw=values["raw"],
                         **fields)]
