"""What every parser is: the two parser shapes, the per-input context, and the registry.

* ``LineParser``: reads framed records of a text input (debugs, syslogs, show
  output, configs, phone status lines). One instance per input, so a parser may
  keep state across the lines of a show-command block.
* ``FileParser``: decodes a whole small file (CTL/ITL ``.tlv``, ``.sgn``,
  ``SEP<mac>.cnf.xml``) from its bytes.

A parser never judges: it turns evidence into Events and Facts; rules judge.
Parsers are found by importing every module of ``cmedebug.parsers`` and
collecting subclasses that set ``name``; no list to edit when adding one.
"""
from __future__ import annotations

import importlib
import pkgutil
import re
from dataclasses import dataclass, field
from sys import intern
from typing import Any, ClassVar, Iterable

from cmedebug.line_store import LineStore
from cmedebug.model import Event, Fact, LineEvent, SourceRef, SyslogEvent
from cmedebug.parsers.framing import Record, RepeatedSyslog, Stamp, SyslogShape, message_origin
from cmedebug.parsers.stamp_log import StampLog

Item = Event | Fact
# Stores of one input kept apart by device; the devices beyond share one (a store's last,
# open block is not compressed: one store per line would keep every line as it is)
MAX_DEVICE_STORES = 64
SHARED_STORE = "\0shared"  # the key of that store, which no hostname can equal


@dataclass
class Context:
    """What a parser knows about the input it is reading."""

    path: str
    device: str | None = None  # hostname from the last prompt, if any
    command: str | None = None  # the CLI command whose output is being read
    block_owner: "LineParser | None" = None  # the parser reading the current command block
    stamps: StampLog = field(default_factory=StampLog)  # printed stamps, for year resolution
    line_stores: dict[str | None, LineStore] = field(default_factory=dict)  # device -> its one-line events
    warnings: list[str] = field(default_factory=list)

    def ref(self, rec: Record) -> SourceRef:
        return SourceRef(self.path, rec.first_line, rec.last_line)

    def event(self, kind: str, rec: Record, **fields) -> Event:
        """An Event located at ``rec``, stamped with the record's time (the year is
        resolved after parsing, when all clock evidence is known). A one-line event
        is stored compactly once returned (``LineEvent``): its fields can be set
        until then, not after; ``open_event`` makes one that stays open."""
        if len(rec.lines) == 1 and rec.first_line == rec.last_line:
            device = rec.host or self.device
            return self._stamped(LineEvent(kind, self.line_store(device), rec.lines[0], rec.first_line, rec.clock_flag,
                                           device, fields), rec)
        return self.open_event(kind, rec, **fields)

    def open_event(self, kind: str, rec: Record, **fields) -> Event:
        """An Event whose fields and raw lines its parser may still update after returning it."""
        return self._stamped(Event(kind=kind, source=self.ref(rec), clock_flag=rec.clock_flag,
                                   device=rec.host or self.device, fields=fields, raw=tuple(rec.lines)), rec)

    def syslog_event(self, kind: str, line: str, number: int, clock_flag: str, host: str | None,
                     stamp: Stamp | re.Match | None, severity: int, text_at: int,
                     shape: SyslogShape | None = None) -> SyslogEvent:
        """The compact event of a generic syslog printed on one line (``line``, line
        ``number``, kept in the input's line store), whose text starts at ``text_at``;
        ``stamp``: its printed stamp, or the prefix match it is read from; ``shape``: the
        routine run's ``SyslogShape`` it was made from."""
        device = host or self.device
        store = self.line_stores.get(device)
        if store is None:  # (a new device: the call only then)
            store = self.line_store(device)
        event = SyslogEvent(kind, store, store.add(line, number), clock_flag, device, severity, text_at, shape)
        if stamp is not None:
            self.stamps.append(event, stamp, number)
        return event

    def message_event(self, kind: str, number: int, m: re.Match, fields: dict[str, Any]) -> LineEvent:
        """What ``event`` makes of the one-line message of prefix match ``m`` at line
        ``number`` (``quick_record``'s Record), without that Record."""
        host, clock_flag = message_origin(m)
        device = host or self.device
        event = LineEvent(kind, self.line_store(device), m.string, number, clock_flag, device, fields)
        if m.group("mon") is not None:  # (the Record's stamp: the match, when it printed a date)
            self.stamps.append(event, m, number)
        return event

    def repeated_event(self, line: str, number: int, shape: RepeatedSyslog) -> LineEvent:
        """``message_event`` of syslog ``line`` (line ``number``) of a routine run, said again
        word for word (``shape``), read from where its key holds its fields; stored."""
        host = shape.host
        if host.__class__ is tuple:
            host = intern(line[host[0]:host[1]])
        device = host or self.device
        event = LineEvent(shape.kind, self.line_store(device), line, number, shape.clock_flag, device, shape.fields)
        if shape.second is not None:
            self.stamps.append_from_line(event, line, number, shape.second, shape.fraction)
        event.freeze()
        return event

    def line_store(self, device: str | None) -> LineStore:
        """The store of this input's one-line events of ``device``: one store a device, as
        the rules read the events of one device at a time (a syslog server's log mixes many)."""
        store = self.line_stores.get(device)
        if store is None:
            if len(self.line_stores) >= MAX_DEVICE_STORES:  # a log naming a new host on every line
                device = SHARED_STORE
                store = self.line_stores.get(device)
            if store is None:
                store = self.line_stores[device] = LineStore(self.path)
        return store

    def _stamped(self, ev: Event, rec: Record):
        stamp = rec.printed_stamp
        if stamp is not None:
            self.stamps.append(ev, stamp, rec.first_line)
        return ev

    def fact(self, kind: str, rec: Record | None = None, *, first_line: int = 0, last_line: int = 0,
             raw: Iterable[str] = (), **fields) -> Fact:
        """A Fact located at ``rec`` or at an explicit line range (for blocks)."""
        if rec is not None:
            src, raw = self.ref(rec), tuple(rec.lines)
        else:
            src = SourceRef(self.path, first_line, last_line or first_line)
        return Fact(kind=kind, source=src, device=(rec.host if rec else None) or self.device,
                    fields=fields, raw=tuple(raw))


NO_MESSAGE = re.compile(r"(?!)")  # ``reads_messages`` of a parser that reads none in its blocks


class LineParser:
    """Base of the text parsers.

    ``keywords`` is the cheap prefilter: a record is offered to ``parse`` only
    when one keyword occurs in its text. ``commands`` are regexes of the CLI
    commands whose output this parser reads as a block (``show clock``);
    ``block_start`` recognises such output when it was pasted without a prompt.
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    keywords: ClassVar[tuple[str, ...]] = ()
    commands: ClassVar[tuple[str, ...]] = ()
    block_start: ClassVar[re.Pattern | None] = None
    priority: ClassVar[int] = 50  # lower runs first; the generic syslog parser runs last
    reads_typed_config: ClassVar[bool] = False  # gets the commands typed at `Router(cs-server)#` prompts
    # Message bodies (one line, as printed after the prefix) for which ``parse`` returns []
    # whatever the rest says: routine chatter that ingest only counts (framing's quick path).
    # It tells digits only from other characters: routine runs remember its answer for every
    # line equal once its digits are all '0'.
    chatter: ClassVar[re.Pattern | None] = None
    # The message bodies it may read while it owns a block (``match``): when set,
    # ``ignores_message`` holds, whatever its state, for every other body that does not say
    # 'debugging', and routine runs pass over chatter, the messages no parser reads (a busy
    # log's keepalives) and generic syslogs in its blocks (``_Router.routine_kind`` passes over
    # no body that any parser's pattern matches; it tells digits only from other
    # characters, as ``chatter``). None: no such promise.
    reads_messages: ClassVar[re.Pattern | None] = None
    # The parser of last resort for syslogs: ingest gives it, as ``declined_syslog_event``
    # (line number, prefix match), a one-line `%FAC-SEV-MNEMONIC:` message that the block's
    # owner, if any, ignores and every other parser whose keywords it holds ``declines_message``
    takes_declined_syslogs: ClassVar[bool] = False
    # What ``parse`` makes of a one-line `%FAC-SEV-MNEMONIC:` message depends on its text alone:
    # no state read or changed, nothing of the line's prefix used but through ``Context.event``.
    # Ingest then makes the event of the same message repeated word for word (a busy log's
    # logins, config changes) from the kind and fields of the first (``_Router.repeated``).
    parses_messages_alone: ClassVar[bool] = False

    def parse(self, rec: Record, ctx: Context) -> list[Item] | None:
        """Items from one record; ``[]`` when recognised but carrying nothing,
        ``None`` when the record is not this parser's."""
        return None

    def start_block(self, rec: Record, ctx: Context) -> list[Item]:
        """Called with the prompt record (``rec.prompt`` = (host, command, mode)) that
        opens a command block this parser owns; for the parser that
        ``reads_typed_config``, with every prompt of a configuration session."""
        return []

    def end_block(self, ctx: Context) -> list[Item]:
        """Called when a command block this parser owned ends (prompt, EOF)."""
        return []

    def declines_message(self, text: str, facility: str | None) -> bool:
        """True when ``parse``, in the parser's present state, surely returns None and
        changes nothing for a one-line message record (stamped, numbered or a syslog)
        whose text is ``text``; ``facility``: its ``%FACILITY-SEV-MNEMONIC:``'s, or None.
        When every parser routing would offer it declines, ingest does without its
        Record: a syslog goes to the parser of last resort, another message is counted
        as unparsed. False when unsure. For a message without ``facility`` the answer
        must depend neither on the parser's state nor on which digits ``text`` holds
        (only on where it holds digits): ingest remembers it per line shape
        (``_Router.routine_kind``). For a syslog, the same holds while
        ``reads_syslogs_now`` is False."""
        return False

    def reads_syslogs_now(self) -> bool:
        """True while the parser's state may make it read a syslog it declines otherwise
        (a CA certificate being pasted): routine runs pass over no syslog then."""
        return False

    def ignores_message(self, body: str) -> bool:
        """True when ``parse``, while this parser owns a block, surely returns None and
        changes nothing for a message record (stamped, numbered or a syslog) whose text
        is ``body``: routing then does not offer it, and the chatter quick path may skip
        it. False when unsure."""
        return False

    def sniff(self, lines: list[str]) -> float:
        """How much these first lines of an input look like this parser's source, 0..1."""
        if not self.keywords or not lines:
            return 0.0
        hits = sum(1 for line in lines if any(k in line for k in self.keywords))
        return min(1.0, hits / max(1, len(lines)) * 2)


class FileParser:
    """Base of the whole-file decoders (binary trust lists, signed and XML configs)."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    max_bytes: ClassVar[int] = 16 * 1024 * 1024

    def sniff_bytes(self, head: bytes, filename: str) -> float:
        return 0.0

    def parse_file(self, data: bytes, ctx: Context) -> list[Item]:
        raise NotImplementedError


_LINE: dict[str, type[LineParser]] = {}
_FILE: dict[str, type[FileParser]] = {}
_loaded = False


def _register(cls: type) -> None:
    table = _LINE if issubclass(cls, LineParser) else _FILE
    existing = table.get(cls.name)
    if existing is not None and existing is not cls and existing.__qualname__ != cls.__qualname__:
        raise RuntimeError(f"two parsers claim the name {cls.name!r}: {existing} and {cls}")
    table[cls.name] = cls


def _load() -> None:
    global _loaded
    if _loaded:
        return
    import cmedebug.parsers as pkg

    for info in pkgutil.iter_modules(pkg.__path__):
        importlib.import_module(f"cmedebug.parsers.{info.name}")
    for base in (LineParser, FileParser):
        stack = list(base.__subclasses__())
        while stack:
            cls = stack.pop()
            stack.extend(cls.__subclasses__())
            if cls.name:
                _register(cls)
    _loaded = True


def line_parsers() -> list[type[LineParser]]:
    _load()
    return sorted(_LINE.values(), key=lambda c: (c.priority, c.name))


def file_parsers() -> list[type[FileParser]]:
    _load()
    return sorted(_FILE.values(), key=lambda c: c.name)


def kinds() -> list[str]:
    """Every input kind a user may name with ``--kind``."""
    _load()
    return sorted([*_LINE, *_FILE])
