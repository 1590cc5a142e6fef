"""IOS log framing: split a stream of lines into records.

A record is one logical message: a prefixed line (timestamp, sequence number,
syslog header, ``%FAC-SEV-MNEMONIC:``) plus the unprefixed lines that continue
it (wrapped lines of a pasted capture, raw HTTP lines after a SCEP request), or
a prompt line (``Router#show clock``), or one line of command output.

The prefix grammar is a handful of compiled regular expressions rather than
pyparsing: it runs on every line of multi-gigabyte logs, and one anchored
``re.match`` per line (about 0.6 us) is the whole cost of recognising a prefix
(benchmarks/README.md). Message bodies are parsed by the family parsers, which
may use pyparsing.
"""
from __future__ import annotations

import re
from itertools import chain, islice
from sys import intern as _intern
from typing import Callable, Iterable, Iterator, NamedTuple

from cmedebug.parsers.wrappers import unwrap

_Match = re.Match

MONTHS = {m: i for i, m in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1)}


class Stamp(NamedTuple):
    """A timestamp as printed: the year and zone may be missing. (A named tuple:
    one is built for every event, and it is cheaper than a frozen dataclass.)"""

    month: int
    day: int
    hour: int
    minute: int
    second: int
    microsecond: int = 0
    year: int | None = None
    tz: str | None = None


class Record:
    """One logical message or one line of output, with its physical lines.

    A plain slotted class rather than a dataclass so that ``stamp`` can be lazy:
    framing keeps the regex match and builds the ``Stamp`` only when a parser
    asks for it. Most lines of a busy log are noise no parser wants, and
    building their stamps was a fifth of the framing time (benchmarks/README.md).
    """

    __slots__ = ("first_line", "last_line", "lines", "text", "_stamp", "clock_flag", "seq", "uptime", "host",
                 "facility", "severity", "mnemonic", "prompt", "continuations")

    def __init__(self, first_line: int, last_line: int, lines: list[str], text: str, stamp: "Stamp | None" = None,
                 clock_flag: str = "", seq: int | None = None, uptime: str | None = None, host: str | None = None,
                 facility: str | None = None, severity: int | None = None, mnemonic: str | None = None,
                 prompt: tuple[str, str, str | None] | None = None, continuations: list[str] | None = None):
        self.first_line = first_line
        self.last_line = last_line
        self.lines = lines
        self.text = text  # message body; continuation lines joined with one space
        self._stamp: Stamp | re.Match | None = stamp
        self.clock_flag = clock_flag
        self.seq = seq
        self.uptime = uptime
        self.host = host
        self.facility = facility
        self.severity = severity
        self.mnemonic = mnemonic
        self.prompt = prompt  # (hostname, command, config mode or None) when the line is a CLI prompt
        self.continuations = [] if continuations is None else continuations

    @property
    def stamp(self) -> Stamp | None:
        """The printed timestamp (its year and zone may be missing)."""
        st = self._stamp
        if st.__class__ is _Match:
            st = self._stamp = stamp_from(st)
        return st

    @stamp.setter
    def stamp(self, value: Stamp | None) -> None:
        self._stamp = value

    @property
    def printed_stamp(self) -> Stamp | re.Match | None:
        """The stamp, or the match it would be read from when no one asked for it yet
        (what ``StampLog`` keeps of it is packed from either)."""
        return self._stamp

    @property
    def is_message(self) -> bool:
        """True for a timestamped / sequenced / syslog message (not plain output)."""
        return self._stamp is not None or self.seq is not None or self.uptime is not None or self.facility is not None

    def __repr__(self) -> str:
        return f"Record({self.first_line}-{self.last_line}, {self.text[:60]!r})"


# --- grammar ---------------------------------------------------------------
# Mar      (a stamp's month is one of these twelve, so that every stamp converts)
_MONTH = "(?:" + "|".join(MONTHS) + ")"
# <189>123: host: ...   (RFC 3164 as relayed by a syslog server, PRI first)
# <189>1 2025-08-07T04:37:54.849Z host app - - - msg   (RFC 5424)
_PRI = r"(?:<(?P<pri>\d{1,3})>)?"
_RFC5424 = re.compile(
    r"<(?P<pri>\d{1,3})>1 (?P<iso>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)?) "
    r"(?P<host>\S+) \S+ \S+ \S+ (?:-|\[.*?\]) ?(?P<rest>.*)$")
# Aug  7 04:37:54 wilson_19 001891: .Jul 21 18:17:07.014: ...   (a syslog server's file: its own
# stamp and the device's name before what IOS printed)
_SERVER_HEADER = r"[A-Z][a-z]{2} {1,2}\d{1,2} \d\d:\d\d:\d\d (?P<server_host>[A-Za-z0-9_.\-]+) "
# Aug  7 04:37:54 wilson_19 %PKI-6-CERTRET: ...   (the same, IOS without timestamps)
_SERVER_BARE = re.compile(_SERVER_HEADER + r"(?P<rest>%.*)$")
# 001891: .Jul 21 18:17:07.014: %IPPHONE-6-UNREGISTER_NORMAL: ...
# *Mar  1 00:03:47.483: CRYPTO_PKI: ...
# *Jan 11 18:33:09.231:%SYS-5-CONFIG_I:Configured from     (no space after the colon)
# Aug  7 2025 04:37:54.849 UTC: ...     (service timestamps ... year show-timezone)
# *Mar  1 00:03:47.483 PST: ...         (localtime show-timezone)
# 1d06h: ...                            (uptime stamps, the IOS default)
# One regex for every common form, syslog-server header included: a single
# match per line is the whole cost of framing a noise line.
_PREFIX_HEAD = (
    _PRI
    + r"(?:" + _SERVER_HEADER + r")?"
    + r"(?:(?P<seq>\d{1,10}): ?)?"
    + r"(?:(?P<host>[A-Za-z][A-Za-z0-9_.\-]*): (?=[*.]?[A-Z][a-z]{2} |\d+[dhw]))?"
    + r"(?:"
    + r"(?P<flag>[*.])?(?P<mon>" + _MONTH + r") {1,2}(?P<day>\d{1,2})"
    + r"(?: (?P<year>\d{4}))? (?P<h>\d{1,2}):(?P<m>\d\d):(?P<s>\d\d)(?:\.(?P<frac>\d{1,6}))?"
    + r"(?: (?P<tz>[A-Z]{2,5}(?:[+-]\d{1,2}(?::?\d\d)?)?))?"
    + r"|(?P<uptime>\d+[wdh]\d+[dhm]|\d\d:\d\d:\d\d(?:\.\d+)?)"
    + r"): ?"
)
# (the rest's `%FAC-SEV-MNEMONIC:` read by the same match: _SYSLOG_MSG's, after the spaces strip() drops)
_REST = r"(?P<rest>\s*(?:%(?P<fac>[A-Z][A-Z0-9_]*)-(?P<sev>[0-7])-(?P<mn>[A-Z0-9_]+):)?.*)$"
PREFIX = re.compile(_PREFIX_HEAD + _REST)
# `Nov 26 08:00:00 cme-hq 000002: *Mar  1 00:00:12.038: `: what a syslog server writes of IOS
# stamped messages, the common form of a busy log. Tried before PREFIX (and before the head
# in routine runs): it is 10-20% cheaper, and where it matches, PREFIX matches the same
# text the same way (the first choice of each of the head's optional parts). The groups of
# the parts it lacks are there, never set.
_SERVER_HEAD = (_SERVER_HEADER + r"(?P<seq>\d{1,10}): ?(?P<flag>[*.])?(?P<mon>" + _MONTH + r") {1,2}(?P<day>\d{1,2}) "
                r"(?P<h>\d{1,2}):(?P<m>\d\d):(?P<s>\d\d)(?:\.(?P<frac>\d{1,6}))?: ?")
SERVER_PREFIX = re.compile(_SERVER_HEAD + _REST + r"(?:(?!)(?P<pri>)(?P<host>)(?P<year>)(?P<tz>)(?P<uptime>))?")
# 3325 INF Nov 29 06:33:59.915121 SECUREAPP-Hashes match... authentication successful.
_PHONE_CONSOLE = re.compile(
    r"(?P<seq>\d+) (?P<level>INF|NOT|WRN|ERR|DEB|CRT) (?P<mon>" + _MONTH + r") {1,2}(?P<day>\d{1,2}) "
    r"(?P<h>\d\d):(?P<m>\d\d):(?P<s>\d\d)\.(?P<frac>\d{1,6}) (?P<rest>.*)$")
# %PKI-3-CERTIFICATE_INVALID_EXPIRED: Certificate chain validation has failed. ...
_SYSLOG_MSG = re.compile(r"%(?P<fac>[A-Z][A-Z0-9_]*)-(?P<sev>[0-7])-(?P<mn>[A-Z0-9_]+): ?(?P<text>.*)$")
# Router#show clock      wilson_19#show clock     Router(config)# crypto pki server cme_root
# Router>show ephone     (user EXEC: no configuration mode there; ios-commands.md lists show commands typed at it)
# (commands are typed in lower case: `Device#   PID   SN` in `show version` output is no prompt)
_PROMPT = re.compile(r"(?P<host>[A-Za-z][A-Za-z0-9_.\-]{0,63})(?:(?:\((?P<mode>[a-z0-9\-]+)\))?#|>) ?"
                     r"(?P<cmd>(?:[a-z!].*)?)$")
# ------------------ show crypto pki certificates ------------------   (a section of `show
# tech-support`: its command's output follows, as after a prompt. The header's shape is general
# IOS knowledge, not in ../shared/domain: inferred.) No hostname in it; the groups a prompt has are there, never set.
_SHOW_TECH_SECTION = re.compile(r"-{10,} (?P<cmd>[a-z][^-].*?) -{10,}$(?:(?!)(?P<host>)(?P<mode>))?")
# show commands whose output is not log lines: a console message printed in the middle of it
# takes no continuation lines (they are the show output resuming)
_SHOW_NOT_LOG = re.compile(r"sh(?:ow?)? +(?!log)")
# *Jan 11            (a timestamp cut by the page width; the time follows on the next line)
_CUT_STAMP = re.compile(r"[*.]?" + _MONTH + r" {1,2}\d{1,2}$")
# -----BEGIN CERTIFICATE-----   (a PEM block is never the continuation of the message before it)
_PEM_BEGIN = "-----BEGIN "
# ## source: ...   (annotation lines of a shared sample; '!' lines of a config)
_COMMENT_PREFIXES = ("## ",)

MAX_CONTINUATION_LINES = 40


# Stamp(...) and Run(...) run the named tuple's Python-level __new__; new_tuple(Stamp, fields)
# builds the same tuple in C (a stamp per event, a run per few lines of a busy log). Every
# field must be given.
new_tuple = tuple.__new__


def stamp_from(m: re.Match) -> Stamp:
    mon, day, hour, minute, second, frac = m.group("mon", "day", "h", "m", "s", "frac")
    groups = m.re.groupindex
    year = m.group("year") if "year" in groups else None
    return new_tuple(Stamp, (MONTHS[mon], int(day), int(hour), int(minute), int(second),
                             int(frac.ljust(6, "0")) if frac else 0, int(year) if year else None,
                             m.group("tz") if "tz" in groups else None))


def split_syslog(text: str) -> tuple[str, int, str, str] | None:
    """``%FAC-SEV-MNEMONIC: text`` -> (facility, severity, mnemonic, text)."""
    m = _SYSLOG_MSG.match(text)
    if not m:
        return None
    return m.group("fac"), int(m.group("sev")), m.group("mn"), m.group("text")


def prefix_match(line: str) -> re.Match | None:
    """``PREFIX``'s match of ``line`` (``SERVER_PREFIX``'s where that matches: the same groups)."""
    return SERVER_PREFIX.match(line) or PREFIX.match(line)


def parse_prefix(line: str) -> Record | None:
    """Parse the prefix of one physical line; None when it has none."""
    m = prefix_match(line)
    if m is not None:
        return _prefixed_record(m)
    rec = _parse_unusual_prefix(line)
    if rec is None:
        inner = unwrap(line)
        if inner is not None:
            rec = _wrapped_record(inner)
    return rec


def _prefixed_record(m: re.Match) -> Record:
    mon, seq, uptime, rest, facility = m.group("mon", "seq", "uptime", "rest", "fac")
    host, clock_flag = message_origin(m)
    rec = Record(0, 0, [m.string], rest.strip(), m if mon else None, clock_flag, int(seq) if seq else None,
                 uptime, host)
    if facility is not None:
        rec.facility, rec.severity, rec.mnemonic = facility, int(m.group("sev")), m.group("mn")
    return rec


def message_origin(m: re.Match) -> tuple[str | None, str]:
    """(the device that printed a prefixed line, its clock flag) from its prefix match."""
    flag, host, server_host = m.group("flag", "host", "server_host")
    host = host or server_host
    return (_intern(host) if host else None), flag or ""  # one string per device name, not per event


def quick_record(quick: tuple[int, re.Match]) -> Record:
    """The Record of a line ``frame`` passed on as ``(line number, prefix match)``."""
    rec = _prefixed_record(quick[1])
    rec.first_line = rec.last_line = quick[0]
    return rec


def _parse_unusual_prefix(line: str) -> Record | None:
    """The rarer forms: RFC 5424 relay, bare console message, phone console, syslog server without stamps."""
    if line.startswith("<"):
        m5 = _RFC5424.match(line)
        if m5:
            rec = parse_prefix(m5.group("rest")) or Record(0, 0, [line], m5.group("rest").strip())
            rec.lines = [line]
            rec.host = rec.host or m5.group("host")
            _attach_syslog(rec)
            return rec
    if line.startswith("%"):
        rec = Record(0, 0, [line], line.strip())
        _attach_syslog(rec)
        return rec
    first = line[:1]  # (most lines of show output and configs start with neither)
    m = _PHONE_CONSOLE.match(line) if first.isdigit() else None
    if m:
        rec = Record(0, 0, [line], m.group("rest").strip(), stamp=m, seq=int(m.group("seq")))
        rec.mnemonic = m.group("level")
        return rec
    m = _SERVER_BARE.match(line) if first.isupper() else None
    if m:
        rec = Record(0, 0, [line], m.group("rest").strip(), host=m.group("server_host"))
        _attach_syslog(rec)
        return rec
    return None


def _wrapped_record(inner: tuple[str, str | None]) -> Record | None:
    """The record of the IOS message inside a foreign wrapper (tool logger, tcpdump -A,
    relay, export: ``unwrap``); None when what is inside is no message (a prompt or
    command output). The wrapper is stripped: the record's line is the IOS line, as
    for prompts and output, whose parsers read the physical lines."""
    rec = parse_prefix(inner[0])
    if rec is not None and inner[1]:
        rec.host = rec.host or _intern(inner[1])
    return rec


def _attach_syslog(rec: Record) -> None:
    if rec.text.startswith("%"):
        parts = split_syslog(rec.text)
        if parts:
            rec.facility, rec.severity, rec.mnemonic, _ = parts


# Router# debug capf-server all 001891: .Jul 21 18:17:07.014: %IPPHONE-6-UNREGISTER_NORMAL: ...
_JOINED_OUTPUT = re.compile(
    r"(?P<cmd>.*?) (?P<msg>(?:\d{1,10}: ?)?[*.]?" + _MONTH + r" {1,2}\d{1,2} "
    r"\d{1,2}:\d\d:\d\d.*)$")


def _split_joined_output(command: str) -> tuple[str, Record | None]:
    """A command with a log message glued after it -> (command, that message's record)."""
    m = _JOINED_OUTPUT.match(command) if ":" in command else None
    if m is None:
        return command, None
    rec = parse_prefix(m.group("msg"))
    return (m.group("cmd").strip(), rec) if rec is not None else (command, None)


def _cut_off(pending) -> bool:
    """Whether a message stops where it cannot end (after `%FAC-SEV-MNEMONIC:` or a comma, as
    `%SKINNYSECURESERVICE-3-TLS_HANDSHAKE_FAILED:` before its wrapped `Reason:` line): the next
    line continues it even where show output may resume (the SRST guide's syslogs, corpus 11)."""
    return pending.__class__ is Record and pending.text.endswith((":", ","))


class SyslogShape(NamedTuple):
    """Where the fields of a one-line `%FAC-SEV-MNEMONIC:` message lie in every line of
    one key (``digits_as_zero``: digits change, not where they are), for a syslog that
    routine runs pass over to the parser of last resort (``routine_kind``'s answer)."""

    # the event kind; when the facility or mnemonic holds a digit (`SSH2_USERAUTH`), the spans
    # of both, which the kind is read from on each line
    kind: str | tuple[int, int, int, int]
    severity_at: int  # (a line of the key whose digit there is 8 or 9 is no syslog)
    text_at: int  # where the message's text starts
    clock_flag: str
    host: str | tuple[int, int] | None  # the device's name, or its span when it holds digits
    second: tuple[int, int] | None  # span of the stamp down to its second (None: no stamp printed)
    fraction: tuple[int, int] | None  # span of its fraction of a second


def syslog_shape(m: re.Match, kind: str, text_at: int) -> SyslogShape | None:
    """The shape of the syslog line of prefix match ``m`` (``PREFIX`` or ``SERVER_PREFIX``),
    whose event kind is ``kind``; None when its stamp prints a year or zone (rare: kept
    as printed, line by line)."""
    if m.group("year") is not None or m.group("tz") is not None:
        return None
    if any(c.isdigit() for c in m.group("fac") + m.group("mn")):
        kind = (*m.span("fac"), *m.span("mn"))
    name = "host" if m.group("host") else "server_host" if m.group("server_host") else None
    host = None if name is None else m.group(name)
    if host is not None and any(c.isdigit() for c in host):
        host = m.span(name)
    elif host is not None:
        host = _intern(host)
    frac = m.span("frac") if m.group("frac") else None
    second = (m.start("mon"), m.end("s")) if m.group("mon") else None
    return SyslogShape(kind, m.start("sev"), text_at, m.group("flag") or "", host, second,
                       frac if second else None)


class RepeatedSyslog(NamedTuple):
    """A one-line syslog that a parser read, said again word for word: the event that parser
    made of the message (its kind, fields and name) and where the lines of its key hold the
    fields of ``SyslogShape`` that change per line. A line of the key is this message only
    when it ends with ``message`` (the lines of one key are equally long)."""

    kind: str
    fields: dict
    claimer: str
    message: str  # the line from its message on, as printed
    clock_flag: str
    host: str | tuple[int, int] | None
    second: tuple[int, int] | None
    fraction: tuple[int, int] | None


def repeated_syslog(m: re.Match, made: tuple[str, str, dict]) -> RepeatedSyslog | None:
    """The ``RepeatedSyslog`` of the line of prefix match ``m`` (``PREFIX`` or ``SERVER_PREFIX``),
    whose message a parser made ``made`` of ((its name, the event's kind, its fields)); None
    when its stamp prints a year or zone (``syslog_shape``)."""
    spans = syslog_shape(m, made[1], m.start("rest"))
    if spans is None:
        return None
    return RepeatedSyslog(made[1], made[2], made[0], m.string[m.start("rest"):], spans.clock_flag, spans.host,
                          spans.second, spans.fraction)


class Run(NamedTuple):
    """Routine one-line messages framing passed over whole (lines ``first_line``
    to ``first_line + count - 1``): no Record, no match, their lines as read.
    ``unparsed``: (index in ``lines``, shape) of the messages no parser reads;
    ``syslogs``: (index, ``SyslogShape``) of the syslogs for the parser of last resort, and
    (index, ``RepeatedSyslog``) of those said again word for word; the others are chatter."""

    first_line: int
    count: int
    lines: list[str]
    unparsed: list[tuple[int, str]]
    syslogs: list[tuple[int, "SyslogShape | RepeatedSyslog"]]


RUN_BATCH_LINES = 512  # lines looked up at once for routine runs (a run ends at a batch's end at the latest)
MAX_KINDS_REMEMBERED = 4096  # line shapes whose routine kind framing remembers
BATCHES_AFTER_NEW_KEYS = 3  # batches passed on line by line after one of mostly new keys (_with_runs)
# What ``frame(runs=...)``'s ``routine_kind(line)`` says a run may pass a line over as:
# CHATTER, the shape of a message no parser reads (a str), a SyslogShape, a RepeatedSyslog
# (those lines of the key that end with its message), or NOT_ROUTINE; and what
# ``may_skip()`` allows (each level allows the ones before; syslogs of both shapes need the last).
CHATTER, NOT_ROUTINE = True, False
SKIP_NOTHING, SKIP_UNREAD, SKIP_SYSLOGS = 0, 1, 2
# A line's key for its routine kind: every digit made '0'. The prefix grammar tells digits
# apart only by `[0-7]` (a syslog's severity: checked on each line of a SyslogShape's key),
# so every line of one key frames alike; what a routine kind reads beyond that must not
# tell digits apart either.
DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")


def digits_as_zero(text: str) -> bytes:
    """``text`` in UTF-8 with every digit made '0' (``DIGITS_AS_ZERO``)."""
    return text.encode("utf-8", "surrogatepass").translate(DIGITS_AS_ZERO)


def unnamed(pattern: str) -> str:
    """``pattern`` with its named groups plain (so that it may appear twice in one regex)."""
    if "(?P=" in pattern:
        raise ValueError("a back reference by name cannot be unnamed")
    return re.sub(r"\(\?P<\w+>", "(?:", pattern)


def match_any(patterns: Iterable[re.Pattern]) -> Callable[[str], "re.Match | None"]:
    """What matches ``text`` at its start when one of ``patterns`` does, in one match (their
    named groups made plain): most lines of show output and configurations start no block,
    and trying two dozen regexes one by one cost more than the line's parsing. (Patterns with
    flags of their own cannot be joined: then they are tried one by one.)"""
    patterns = list(patterns)
    if not patterns:
        return lambda text: None
    if all(p.flags == re.UNICODE for p in patterns):
        return re.compile("|".join(f"(?:{unnamed(p.pattern)})" for p in patterns)).match
    return lambda text: next((m for p in patterns if (m := p.match(text)) is not None), None)


def batches_of(lines: Iterable[str]) -> Iterator[list[str]]:
    """``lines`` in lists of ``RUN_BATCH_LINES``."""
    lines = iter(lines)
    while batch := list(islice(lines, RUN_BATCH_LINES)):
        yield batch


def _with_runs(batches: Iterable[list[str]], routine_kind: Callable[[str], "bool | str | SyslogShape"],
               may_skip: Callable[[], int], kinds: dict) -> Iterator[str | tuple[list[str], list, list]]:
    """The lines of ``batches``, where from a line on ``routine_kind`` passes lines over and ``may_skip()``
    allows it (``SKIP_UNREAD``, ``SKIP_SYSLOGS``), those lines as one
    ``(lines, unparsed, syslogs)`` instead of one by one. ``routine_kind`` is asked once per key
    (``digits_as_zero``): a busy log repeats a few hundred shapes of line with other numbers,
    and looking a line's key up costs a tenth of matching its prefix. After a batch whose
    lines were mostly new keys (a hex dump, a MAC or serial on every line), the next
    ``BATCHES_AFTER_NEW_KEYS`` are passed on line by line: asking for each line would cost
    more than its runs save. ``kinds``: key -> its routine kind, the caller's (it may forget
    a key whose answer changed)."""
    passed_on = 0  # batches still to pass on line by line
    for batch in batches:
        if not batch:
            continue
        if passed_on:
            passed_on -= 1
            yield from batch
            continue
        asked = 0
        keys = digits_as_zero("\n".join(batch)).split(b"\n")
        if len(keys) != len(batch):  # (a line holding a line feed of its own)
            keys = [digits_as_zero(line) for line in batch]
        line_kinds = list(map(kinds.get, keys))
        if None in line_kinds:
            for j, kind in enumerate(line_kinds):
                if kind is None:
                    kind = kinds.get(keys[j])  # (a line before it in the batch may have its key)
                    if kind is None:
                        if len(kinds) >= MAX_KINDS_REMEMBERED:
                            kinds.clear()
                        kind = kinds[keys[j]] = routine_kind(batch[j])
                        asked += 1
                    line_kinds[j] = kind
        i, n = 0, len(batch)
        while i < n:
            if line_kinds[i] is NOT_ROUTINE:  # (no need to ask what a run may pass over)
                yield batch[i]
                i += 1
                continue
            level = may_skip()
            unparsed: list[tuple[int, str]] = []
            syslogs: list[tuple[int, SyslogShape]] = []
            j = i
            while level and j < n:
                kind = line_kinds[j]
                if kind is not CHATTER:
                    if kind is NOT_ROUTINE:
                        break
                    if kind.__class__ is str:
                        unparsed.append((j - i, kind))
                    elif level < SKIP_SYSLOGS or (batch[j][kind.severity_at] > "7" if kind.__class__ is SyslogShape
                                                  else not batch[j].endswith(kind.message)):  # ('8', '9': no syslog)
                        break
                    else:
                        syslogs.append((j - i, kind))
                j += 1
            if j > i:
                yield batch[i:j], unparsed, syslogs
                i = j
            else:
                yield batch[i]
                i += 1
        if asked > n // 2:
            passed_on = BATCHES_AFTER_NEW_KEYS


def frame(lines: Iterable[str], start_line: int = 1, quick: bool = False,
          runs: tuple[Callable[[str], "bool | str | SyslogShape"], Callable[[], int], dict] | None = None,
          batched: bool = False) -> Iterator[Record | tuple[int, re.Match] | Run]:
    """Yield records from physical lines (without their line ends); with ``batched``,
    ``lines`` holds lists of them (``TextLines.batches``).

    Unprefixed lines that follow a message belong to it (up to
    MAX_CONTINUATION_LINES) until a blank line, a prompt or a new message; after
    a prompt or at the top of a file they are command output, one record each.

    With ``quick``, a one-line prefixed message (its body not blank) is yielded as
    ``(line number, prefix match)`` instead of a Record: most messages of a busy log
    are only counted or kept compactly, and ``quick_record`` builds the Record when
    one is needed. (For a ``%FAC-SEV-MNEMONIC:`` message, the match's ``fac`` group
    is set.) A message that continuation lines follow is always a Record.

    ``runs`` = (``routine_kind``, ``may_skip``, a dict for the kinds it said per key): while
    the caller's ``may_skip()`` says it would only count them or make events of them without
    a Record (``SKIP_UNREAD``:
    chatter and messages no parser reads, ``SKIP_SYSLOGS``: and generic syslogs),
    consecutive one-line messages that ``routine_kind(line)`` (asked once per line shape,
    ``_with_runs``) calls ``CHATTER`` or gives the (syslog) shape of are yielded as one ``Run``.
    ``routine_kind`` must say so only of a line the quick path would pass on as
    ``(line number, prefix match)`` (a prefixed one-line message), whose message ends
    where it may (not after a colon or comma: ``_cut_off``). ``may_skip()`` is asked while
    the message before the run is still held back (it may take the next line): the caller
    confirms each run once it has handled everything before it.
    """
    pending: Record | None = None
    cut_stamp: tuple[int, str] | None = None
    in_show_output = False
    line_no = start_line - 1
    if runs is not None:
        caller_may_skip = runs[1]
        # (a record still pending ends at the run's first line, which starts a message; the
        # caller has not handled it yet when ``may_skip`` is asked, and confirms each run it gets)
        lines = _with_runs(lines if batched else batches_of(lines), runs[0],
                           lambda: 0 if cut_stamp is not None else caller_may_skip(), runs[2])
    elif batched:
        lines = chain.from_iterable(lines)
    for line in lines:
        if line.__class__ is tuple:
            if pending is not None:
                yield pending
            run_lines, unparsed, syslogs = line  # (its last message may take the next line)
            pending = new_tuple(Run, (line_no + 1, len(run_lines), run_lines, unparsed, syslogs))
            line_no += len(run_lines)
            continue
        line_no += 1
        if cut_stamp is not None:
            line = cut_stamp[1] + " " + line.lstrip()
            first = cut_stamp[0]
            cut_stamp = None
        else:
            first = line_no
        stripped = line.strip()
        if not stripped:
            if pending is not None:
                yield pending
                pending = None
            yield Record(first, line_no, [line], "")
            continue
        if len(stripped) < 16 and _CUT_STAMP.match(stripped):
            cut_stamp = (line_no, stripped)
            continue
        # (an indented line of show output or a configuration: no prefix, console or wrapper
        # form starts with white space; and each holds a colon, but a bare `%` message and a
        # wrapper that begins at a `<PRI>`)
        if line.startswith(_COMMENT_PREFIXES) or line[0].isspace() or \
                ":" not in line and "<" not in line and line[0] != "%":
            rec = None
        else:
            m = SERVER_PREFIX.match(line) or PREFIX.match(line)  # (prefix_match, inline: once a line)
            if m is None:
                rec = _parse_unusual_prefix(line)
                if rec is None and (inner := unwrap(line)) is not None:
                    rec = _wrapped_record(inner)
                    if rec is None:  # a wrapped prompt or line of command output: the IOS line is the
                        line = inner[0]  # line (config parsers read its indentation)
                        stripped = line.strip()
            elif quick and first == line_no and (rest := m.group("rest")) and not rest.isspace():
                if pending is not None:  # a quick message has a stamp: it always starts a record
                    yield pending
                pending = (line_no, m)
                continue
            else:
                rec = _prefixed_record(m)
        if rec is not None:
            if pending is not None:
                if pending.__class__ is Record and not pending.text and rec._stamp is None and rec.uptime is None:
                    rec = None  # '%FAC-...' wrapped onto the line after its stamp: a continuation
                else:
                    yield pending
        if rec is not None:
            rec.first_line = first
            rec.last_line = line_no
            if first != line_no:
                rec.lines = line.split(" ", 1)[:1] + rec.lines  # keep the cut stamp visible as raw
            pending = rec
            continue
        prompt = _PROMPT.match(stripped) if "#" in stripped or ">" in stripped else \
            _SHOW_TECH_SECTION.match(stripped) if stripped.startswith("----------") else None
        if pending.__class__ is Run and prompt is None and not in_show_output and not stripped.startswith(_PEM_BEGIN):
            # the run's last message takes this line as a continuation: it is a message of its own
            if pending.count > 1:
                last = pending.count - 1
                yield new_tuple(Run, (pending.first_line, last, pending.lines[:-1],
                                      [u for u in pending.unparsed if u[0] != last],
                                      [u for u in pending.syslogs if u[0] != last]))
            pending = (pending.first_line + pending.count - 1, prefix_match(pending.lines[-1]))
        if pending.__class__ is tuple and prompt is None:
            pending = quick_record(pending)  # it may take this line as a continuation
        if pending is not None and prompt is None and (not in_show_output or _cut_off(pending)) \
                and not stripped.startswith(_PEM_BEGIN) \
                and len(pending.continuations) < MAX_CONTINUATION_LINES:  # (a Run gets here only ended)
            pending.lines.append(line)
            pending.continuations.append(stripped)
            pending.text = pending.text + " " + stripped if pending.text else stripped
            pending.last_line = line_no
            if pending.facility is None and pending.text.startswith("%"):
                _attach_syslog(pending)
            continue
        if pending is not None:
            yield pending
            pending = None
        out = Record(first, line_no, [line], stripped)
        if prompt is not None:
            command, joined = _split_joined_output(prompt.group("cmd").strip())
            in_show_output = _SHOW_NOT_LOG.match(command) is not None
            out.prompt = (prompt.group("host"), command, prompt.group("mode"))
            if joined is not None:  # the capture glued the first output line to the command
                out.lines = []  # the line is accounted for by the message record that follows
                yield out
                joined.first_line, joined.last_line, joined.lines = first, line_no, [line]
                pending = joined
                continue
        yield out
    if cut_stamp is not None:
        if pending is not None:
            yield pending
            pending = None
        yield Record(cut_stamp[0], cut_stamp[0], [cut_stamp[1]], cut_stamp[1])
    if pending is not None:
        yield pending
