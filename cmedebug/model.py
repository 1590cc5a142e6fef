"""The data model: what parsers produce (Event, Fact), what rules produce (Finding),
and the Case that holds one investigation.

Everything here is plain data and JSON-serialisable through ``to_dict``.
Field names inside ``fields`` follow one vocabulary for every parser; it is
listed in docs/architecture.md.
"""
from __future__ import annotations

import dataclasses
import re
from array import array
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import IntEnum
from typing import Any, Callable, Iterable, Iterator, Mapping

from cmedebug.line_store import NOT_STORED, LineStore


class Severity(IntEnum):
    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @classmethod
    def parse(cls, text: str) -> "Severity":
        try:
            return cls[text.strip().upper()]
        except KeyError:
            names = ", ".join(s.name.lower() for s in cls)
            raise ValueError(f"unknown severity {text!r}; choose one of: {names}") from None

    def __str__(self) -> str:
        return self.name.lower()


class Confidence(IntEnum):
    LOW = 1
    MEDIUM = 2
    HIGH = 3

    @classmethod
    def parse(cls, text: str) -> "Confidence":
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown confidence {text!r}; choose low, medium or high") from None

    def __str__(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class SourceRef:
    """Where a piece of evidence came from: file and 1-based line range (or byte offset)."""

    path: str
    first_line: int = 0
    last_line: int = 0

    def __str__(self) -> str:
        if not self.first_line:
            return self.path
        if self.last_line and self.last_line != self.first_line:
            return f"{self.path}:{self.first_line}-{self.last_line}"
        return f"{self.path}:{self.first_line}"

    def to_dict(self) -> dict:
        return {"path": self.path, "first_line": self.first_line, "last_line": self.last_line}


# Event kinds that say something went wrong: tls.handshake.failed, pki.cert.invalid_expired,
# tftp.error_sent, phone.status.file_not_found, ...
FAILURE_KIND = re.compile(r"(fail|error|invalid|reject|not_found|denied|refused|mismatch)")


@dataclass(slots=True)
class Event:
    """One thing that happened, as the evidence says it.

    ``kind`` is dotted (``pki.cert.invalid_expired``); ``ts`` is timezone-aware or
    None; ``clock_flag`` is ``*`` (not authoritative), ``.`` (not synchronised) or
    empty, exactly as IOS prints it.
    """

    kind: str
    source: SourceRef
    ts: datetime | None = None
    clock_flag: str = ""
    device: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    raw: tuple[str, ...] = ()

    @property
    def path(self) -> str:
        """The input it came from (``source.path``, without building a SourceRef)."""
        return self.source.path

    @property
    def first_line(self) -> int:
        """``source.first_line``, without building a SourceRef."""
        return self.source.first_line

    def to_dict(self) -> dict:
        return {"kind": self.kind, "ts": _json_value(self.ts), "clock_flag": self.clock_flag, **_located(self)}


class LineEvent(Event):
    """An event printed on one line, stored compactly once its parser has returned it
    (a busy log holds hundreds of thousands; issue 11 item 5).

    While live (from its parser until ingest takes it), it holds its line, line
    number and fields dict like any Event. ``freeze`` moves them into the ``LineStore``
    of its input and device (compressed, no ``SourceRef``, dict, raw tuple or line string
    kept per event); ``source``, ``fields`` and ``raw`` are then built when read,
    with the values they had, and ``fields`` is read-only (a parser that still
    updates an event after returning it makes it with ``Context.open_event``).
    """

    # ``path``: its store's, kept by the event too (one pointer): the passes over the events
    # read it most of all, and a property's call cost more than the rest of some passes
    __slots__ = ("store", "index", "_live", "path")

    def __init__(self, kind: str, store: LineStore, line: str, number: int, clock_flag: str,
                 device: str | None, fields: dict[str, Any]):
        self.kind, self.ts, self.clock_flag, self.device = kind, None, clock_flag, device
        self.store, self.index, self._live, self.path = store, NOT_STORED, (line, number, fields), store.path

    def freeze(self) -> None:
        """Move the line and fields into the store (kept live when a field value is
        not plain data, which the store cannot hold)."""
        live = self._live
        if live is not None:
            index = self.store.add(*live)
            if index != NOT_STORED:
                self.index, self._live = index, None

    @property
    def line(self) -> str:
        live = self._live
        return live[0] if live is not None else self.store.line(self.index)

    @property
    def first_line(self) -> int:
        live = self._live
        return live[1] if live is not None else self.store.numbers[self.index]

    @property
    def source(self) -> SourceRef:
        number = self.first_line
        return SourceRef(self.path, number, number)

    @property
    def fields(self) -> Mapping[str, Any]:
        live = self._live
        return live[2] if live is not None else self.store.fields(self.index)

    @property
    def raw(self) -> tuple[str, ...]:
        return (self.line,)

    # Pickling and copying (a case sent to another process) keep the stored form:
    # ``source``, ``fields`` and ``raw`` are built when read, not slots to restore.
    _STATE = ("kind", "ts", "clock_flag", "device", "store", "index", "_live", "path")

    def __getstate__(self) -> tuple:
        return tuple(getattr(self, name) for name in self._STATE)

    def __setstate__(self, state: tuple) -> None:
        for name, value in zip(self._STATE, state):
            setattr(self, name, value)


class SyslogEvent(LineEvent):
    """A generic ``%FAC-SEV-MNEMONIC: text`` message printed on one line: its fields
    are read from the line itself (kind, the severity and where the text starts in
    the line), so the store holds only the line. Stored when made.

    ``shape``: the ``SyslogShape`` of the routine run's key that made it (None when made
    line by line): the lines of one shape differ in their digits only, so what does not
    depend on digits can be judged once a shape (GEN001)."""

    __slots__ = ("severity", "text_at", "shape")
    _STATE = (*LineEvent._STATE, "severity", "text_at", "shape")

    def __init__(self, kind: str, store: LineStore, index: int, clock_flag: str, device: str | None,
                 severity: int, text_at: int, shape: Any = None):
        self.kind, self.ts, self.clock_flag, self.device = kind, None, clock_flag, device
        self.store, self.index, self._live, self.path = store, index, None, store.path
        self.severity, self.text_at, self.shape = severity, text_at, shape

    @property
    def text(self) -> str:
        """The message text (its ``fields["text"]``), read from the line (in the store: GEN001
        reads the text of every generic syslog)."""
        return self.store.line(self.index)[self.text_at:].strip()

    @property
    def fields(self) -> dict[str, Any]:
        _, facility, mnemonic = self.kind.split(".", 2)  # syslog.<fac>.<mnemonic>, IOS prints both in capitals
        return {"facility": facility.upper(), "severity": self.severity, "mnemonic": mnemonic.upper(),
                "text": self.text}


@dataclass(slots=True)
class Fact:
    """A state read from a show command, a config or a file (a certificate, a
    trustpoint, a CTL record, the device clock, a config line...)."""

    kind: str
    source: SourceRef
    device: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    raw: tuple[str, ...] = ()

    @property
    def path(self) -> str:
        """The input it came from (``source.path``)."""
        return self.source.path

    @property
    def first_line(self) -> int:
        """``source.first_line``, as an Event's."""
        return self.source.first_line

    def to_dict(self) -> dict:
        return {"kind": self.kind, **_located(self)}


def _located(item: Event | Fact) -> dict:
    """What events and facts share in their JSON form: device, source, fields, raw lines."""
    return {
        "device": item.device,
        "source": item.source.to_dict(),
        "fields": {k: _json_value(v) for k, v in item.fields.items()},
        "raw": list(item.raw),
    }


@dataclass(slots=True)
class Evidence:
    """A source reference with the lines that prove a finding."""

    source: SourceRef
    lines: tuple[str, ...] = ()
    note: str = ""

    @classmethod
    def of(cls, item: Event | Fact, note: str = "") -> "Evidence":
        return cls(item.source, tuple(item.raw), note)

    def to_dict(self) -> dict:
        return {"source": self.source.to_dict(), "ref": str(self.source), "lines": list(self.lines), "note": self.note}


@dataclass(slots=True)
class Finding:
    """What a rule concluded. ``explains`` holds the ids of the symptom findings
    this root cause accounts for; ``explained_by`` is filled by the engine."""

    rule_id: str
    title: str
    severity: Severity
    confidence: Confidence
    message: str
    evidence: list[Evidence] = field(default_factory=list)
    remediation: list[Any] = field(default_factory=list)  # cmedebug.remediation.Step, slots filled
    verify: str = ""
    id: str = ""
    explains: list[str] = field(default_factory=list)
    explained_by: list[str] = field(default_factory=list)
    first_seen: datetime | None = None
    data: dict[str, Any] = field(default_factory=dict)
    device: str = ""  # the device of the deployment whose evidence this is (cmedebug.deployment)

    @property
    def is_root_cause(self) -> bool:
        return not self.explained_by

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "rule_id": self.rule_id,
            "device": self.device,
            "title": self.title,
            "severity": str(self.severity),
            "confidence": str(self.confidence),
            "message": self.message,
            "evidence": [e.to_dict() for e in self.evidence],
            "remediation": [step.to_dict() for step in self.remediation],
            "verify": self.verify,
            "explains": list(self.explains),
            "explained_by": list(self.explained_by),
            "first_seen": _json_value(self.first_seen),
            "data": {k: _json_value(v) for k, v in self.data.items()},
        }


@dataclass(slots=True)
class Unparsed:
    """A line no parser understood, kept with its location."""

    source: SourceRef
    text: str


@dataclass(slots=True)
class InputSummary:
    """How much of one input was understood."""

    path: str
    kind: str = "unknown"
    lines: int = 0
    nonblank_lines: int = 0
    understood_lines: int = 0
    events: int = 0
    facts: int = 0
    unparsed_lines: int = 0
    replaced_bytes: int = 0
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    unparsed_shapes: dict[str, int] = field(default_factory=dict)

    @property
    def coverage(self) -> float:
        """Share of non-blank lines attributed to an event, a fact or a known block."""
        if not self.nonblank_lines:
            return 1.0
        return self.understood_lines / self.nonblank_lines

    def to_dict(self) -> dict:
        data = dataclasses.asdict(self)
        data["coverage"] = round(self.coverage, 4)
        data["unparsed_shapes"] = dict(sorted(self.unparsed_shapes.items(), key=lambda kv: -kv[1])[:10])
        return data


@dataclass(slots=True)
class RuleOutcome:
    """Whether a rule ran; a rule whose evidence is absent is 'not evaluated', never 'passed'."""

    rule_id: str
    status: str  # "fired" | "passed" | "not_evaluated" | "error"
    missing: list[str] = field(default_factory=list)  # what evidence to collect
    collect: list[str] = field(default_factory=list)  # exact commands to run
    error: str | None = None  # why the rule failed to run (a bug: please report it)
    title: str = ""  # the rule's title, for reports that list what was not evaluated
    references: str = ""  # the References section of the rule's page

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass
class Case:
    """All events and facts of one investigation, with the clock model and findings."""

    events: list[Event] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    inputs: list[InputSummary] = field(default_factory=list)
    unparsed: list[Unparsed] = field(default_factory=list)
    # input -> line number -> text: the lines evidence may cite, kept at ingest (cmedebug.capture)
    excerpts: dict[str, dict[int, str]] = field(default_factory=dict, repr=False)
    findings: list[Finding] = field(default_factory=list)
    outcomes: list[RuleOutcome] = field(default_factory=list)
    clocks: dict[str, Any] = field(default_factory=dict)  # device -> cmedebug.clock.DeviceClock
    # the clock that the evidence naming no device counts in (None: cmedebug.clock.DEFAULT_DEVICE); the
    # device's own name once the deployment shows that evidence is that device's
    unnamed_device: str | None = None
    reference_time: datetime | None = None  # "now" for validity checks; the latest trusted evidence time
    assumed_years: dict[str, str] = field(default_factory=dict)  # input path -> how its stamps' year was assumed
    reference_assumed: str = ""  # why reference_time's year is an assumption ('' when a printed clock gave it)
    reference_borrowed: bool = False  # reference_time is another device's: this device's evidence holds no time
    capture_floor: Any = None  # cmedebug.clock.Anchor: the latest date the evidence proves had passed
    # (path, first line) of an event or fact -> where the same output was seen again (cmedebug.duplicates)
    copies: dict[tuple[str, int], list[SourceRef]] = field(default_factory=dict)
    commands_given: set[str] = field(default_factory=set)  # commands typed at the prompts of the inputs
    deployment: Any = field(default=None, repr=False)  # cmedebug.deployment.Deployment, built after the cross-checks
    _timeline: Any = None
    _event_index: Any = field(default=None, repr=False)
    _fact_index: Any = field(default=None, repr=False)
    _shared_values: Any = field(default=None, repr=False, compare=False)  # cmedebug.compact.SharedValues
    _derived: dict = field(default_factory=dict, repr=False, compare=False)  # name -> ((events, facts), value)

    # -- lookups used by rules -------------------------------------------------
    def events_of(self, *prefixes: str) -> Iterator[Event]:
        """Events whose kind equals or starts with one of the dotted prefixes, in case order."""
        return self._select(self.events, "_event_index", prefixes)

    def facts_of(self, *prefixes: str) -> Iterator[Fact]:
        return self._select(self.facts, "_fact_index", prefixes)

    def _select(self, items: list, attr: str, prefixes: tuple[str, ...]) -> Iterator:
        hits = [pos for kind, pos in self._positions(items, attr).items() if _kind_matches(kind, prefixes)]
        order = hits[0] if len(hits) == 1 else sorted(i for pos in hits for i in pos)
        return iter([items[i] for i in order])

    def _positions(self, items: list, attr: str) -> dict[str, array]:
        # Sixty rules each ask for a few kinds among up to millions of events: an index
        # of positions by kind, rebuilt when the list has grown, keeps each query
        # proportional to the number of kinds and matches instead of all events.
        # Positions are 4-byte array items, not int objects (a million events: 4 MB, not 60).
        index = getattr(self, attr)
        if index is None or index[0] != len(items):
            positions: dict[str, array] = {}
            for i, item in enumerate(items):
                found = positions.get(item.kind)
                if found is None:
                    found = positions[item.kind] = array("I")
                found.append(i)
            index = (len(items), positions)
            setattr(self, attr, index)
        return index[1]

    def derived(self, name: str, build: Callable[["Case"], Any]) -> Any:
        """``build(self)``, remembered under ``name`` until events or facts are added: the
        rules ask the same case-wide values once per finding (a case of a thousand phones
        has a thousand findings of one rule), and each was a scan of the case."""
        size = (len(self.events), len(self.facts))
        found = self._derived.get(name)
        if found is None or found[0] != size:
            found = self._derived[name] = (size, build(self))
        return found[1]

    def has(self, *prefixes: str) -> bool:
        """True when any event or fact of these kinds is in the case."""
        present = self.derived("kinds and their prefixes", _kinds_and_prefixes)
        return any(prefix in present for prefix in prefixes)

    def has_whole_config(self) -> bool:
        """A whole configuration was given (not a `| section` of one), so an absent line
        proves the setting is absent."""
        return any(not f.fields.get("partial") for f in self.facts_of("config.present"))

    @property
    def timeline(self):
        """A pandas DataFrame of the events, built once on first use (pandas is
        imported lazily so that small runs start fast)."""
        if self._timeline is None:
            from cmedebug.timeline import build_timeline

            self._timeline = build_timeline(self.events)
        return self._timeline

    def root_causes(self) -> list[Finding]:
        return [f for f in self.findings if f.is_root_cause]

    def finding(self, finding_id: str) -> Finding | None:
        return next((f for f in self.findings if f.id == finding_id), None)


def _kinds_and_prefixes(case: Case) -> frozenset[str]:
    """The kinds of the events and facts of ``case``, and each dotted prefix of one (`pki`,
    `pki.cert` of `pki.cert.expired`): what ``_kind_matches`` matches them with, asked at once
    (every rule asks whether its evidence is there, on every device)."""
    kinds = [*case._positions(case.events, "_event_index"), *case._positions(case.facts, "_fact_index")]
    return frozenset(kind[:end] for kind in kinds
                     for end in [*(i for i, c in enumerate(kind) if c == "."), len(kind)])


def _kind_matches(kind: str, prefixes: Iterable[str]) -> bool:
    for p in prefixes:
        if kind == p or kind.startswith(p + "."):
            return True
    return False


def _json_value(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex().upper()
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)
