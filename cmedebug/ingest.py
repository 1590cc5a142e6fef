"""Read one input into the case: pick the decoder or frame the text and route
each record to the parsers, accounting for every line.

Memory stays flat in the number of lines: records are streamed, and of the
lines no parser understood only a bounded sample and a bounded table of their
shapes are kept (their count is always exact).
"""
from __future__ import annotations

import gc
import re
from collections import Counter
from itertools import chain
from operator import itemgetter
from typing import Callable, Iterator

import ahocorasick

from cmedebug import progress
from cmedebug.capture import ExcerptCapture
from cmedebug.compact import SharedValues
from cmedebug.model import Case, Event, InputSummary, LineEvent, SourceRef, Unparsed
from cmedebug.parsers.base import Context, FileParser, LineParser, file_parsers, line_parsers
from cmedebug.parsers.framing import CHATTER, NOT_ROUTINE, SKIP_NOTHING, SKIP_SYSLOGS, SKIP_UNREAD, \
    Record, RepeatedSyslog, Run, SyslogShape, digits_as_zero, frame, match_any, prefix_match, quick_record, \
    repeated_syslog
from cmedebug.parsers.stamp_log import StampLog
from cmedebug.sources import HEAD_BYTES, Input, TextLines, binary_share, detect_encoding

UNPARSED_SAMPLES_PER_INPUT = 200
MAX_SHAPES_PER_INPUT = 1000
SNIFF_LINES = 200
MAX_OWNERS_REMEMBERED = 4096  # distinct commands whose block owner routing remembers
# Message texts whose keyword mask routing remembers (by their digits made '0'), and the
# longest: a busy log repeats its messages with other numbers (an interface flapping,
# logins, keepalives), and the automaton pass costs ~2 us on a 150-character syslog;
# at most ~1 MB is kept.
MAX_TEXTS_REMEMBERED = 4096
MAX_TEXT_REMEMBERED = 256
MAX_MESSAGES_REMEMBERED = 4096  # one-line syslogs whose event routing remembers (_Router.repeated)
_SHAPE_MASK = re.compile(r"[0-9A-Fa-f]{4,}|\d+")


def unparsed_shape(text: str) -> str:
    """A line's shape: numbers and hex runs masked, cut to 60 characters."""
    return _SHAPE_MASK.sub("#", text[:120])[:60]


# Every ASCII digit is inside a masked run, and a digit is a digit to both alternatives of
# _SHAPE_MASK: texts equal once their digits are all '0' (digits_as_zero) have the same shape.
MAX_SHAPES_REMEMBERED = 4096


def read_input(inp: Input, case: Case, kind: str | None = None, stamps: StampLog | None = None) -> InputSummary:
    """Parse one input into ``case``; its stamped events and their printed stamps go to ``stamps``
    so that years can be resolved once all clock evidence of the case is known."""
    summary = InputSummary(path=inp.name)
    case.inputs.append(summary)
    if inp.error is not None:
        summary.error = inp.error
        summary.kind = "unreadable"
        return summary
    try:
        stream = inp.open()
    except OSError as exc:
        summary.error = f"cannot open: {exc.strerror or exc}"
        summary.kind = "unreadable"
        return summary
    ctx = Context(path=inp.name)
    try:
        with stream:
            head = _peek(stream)
            decoder = _pick_file_parser(head, inp.name, kind)
            if decoder is not None:
                _read_file(decoder, stream, head, ctx, case, summary)
            else:
                _read_text(stream, head, ctx, case, summary, kind)
    except KeyboardInterrupt:  # Ctrl-C on a long read: what was read is still analysed (a second one aborts)
        summary.error = INTERRUPTED + (f"; {summary.lines:,} lines read" if summary.lines else "")
    except (OSError, EOFError) as exc:  # truncated .gz, I/O error half-way: keep what was read
        summary.error = f"read stopped early: {exc}" + (f"; {summary.lines:,} lines read" if summary.lines else "")
    except Exception as exc:  # a parser bug outside one line (a block's start or end): keep what was read
        summary.error = f"analysis stopped early: {exc.__class__.__name__}: {exc}"
    if summary.error is None and summary.nonblank_lines and not (summary.events or summary.facts):
        summary.error = _nothing_understood(summary)
        if summary.error is not None and not summary.understood_lines:
            summary.kind = "unrecognised"  # (the guess from its first lines was wrong: nothing read as that)
    summary.warnings.extend(ctx.warnings)
    if stamps is not None:
        stamps.extend(ctx.stamps)
    return summary


# How the error of an input whose reading the user interrupted starts: the inputs after it are not read
INTERRUPTED = "read stopped early: interrupted (Ctrl-C)"


# How the error of an input that gave nothing starts (callers may tell it from a read failure)
NOTHING_UNDERSTOOD = ("binary data, not a log", "nothing in it was understood")


def _nothing_understood(summary: InputSummary) -> str | None:
    """Why an input that gave no event and no fact is an error (exit 2), not a clean
    report, or None (a text whose lines are understood but hold nothing to keep)."""
    if any("looks like binary data" in w for w in summary.warnings):
        return f"{NOTHING_UNDERSTOOD[0]} or a file cmedebug decodes: nothing in it was understood"
    if summary.understood_lines:
        return None
    return (f"{NOTHING_UNDERSTOOD[1]} ({summary.nonblank_lines:,} lines): not Cisco router or phone output "
            "that cmedebug reads (see `cmedebug kinds`; --kind forces one)")


def _peek(stream) -> bytes:
    peek = getattr(stream, "peek", None)
    if peek is not None:
        try:
            return peek(HEAD_BYTES)[:HEAD_BYTES]
        except (OSError, EOFError, ValueError):
            pass
    head = stream.read(HEAD_BYTES)
    stream.seek(0)
    return head


def _pick_file_parser(head: bytes, name: str, kind: str | None) -> FileParser | None:
    parsers = [cls() for cls in file_parsers()]
    if kind:
        return next((p for p in parsers if p.name == kind), None)
    scored = [(p.sniff_bytes(head, name), p) for p in parsers]
    scored = [(s, p) for s, p in scored if s >= 0.5]
    return max(scored, key=lambda sp: sp[0])[1] if scored else None


def _read_file(parser: FileParser, stream, head: bytes, ctx: Context, case: Case, summary: InputSummary) -> None:
    summary.kind = parser.name
    data = stream.read(parser.max_bytes + 1)
    if len(data) > parser.max_bytes:
        summary.error = f"larger than {parser.max_bytes} bytes, which no {parser.name} file is; not decoded"
        return
    try:
        items = parser.parse_file(data, ctx)
    except Exception as exc:  # a decoder bug must not lose the other inputs
        summary.error = f"{parser.name} decoder failed: {exc.__class__.__name__}: {exc}"
        return
    _add_items(items, case, summary)
    summary.lines = summary.nonblank_lines = summary.understood_lines = 1 if items else 0


def _add_items(items, case: Case, summary: InputSummary) -> None:
    if case._shared_values is None:
        case._shared_values = SharedValues()
    share = case._shared_values.share  # equal values stored once (cmedebug/compact.py)
    for item in items:
        if isinstance(item, LineEvent):
            item.freeze()  # its parser is done with it: into the input's line store
        else:
            share(item)
        if isinstance(item, Event):
            case.events.append(item)
            summary.events += 1
        else:
            case.facts.append(item)
            summary.facts += 1


def keyword_masks(keyword_sets: list[tuple[str, ...]]) -> dict[str, int]:
    """Each keyword -> the bit mask of the sets (parsers) that hold it."""
    masks: dict[str, int] = {}
    for bit, words in enumerate(keyword_sets):
        for word in words:
            masks[word] = masks.get(word, 0) | 1 << bit
    return masks


def _has_digit(word: str) -> bool:
    return any(c in "0123456789" for c in word)


def keyword_automaton(masks: dict[str, int]) -> ahocorasick.Automaton:
    """An Aho-Corasick automaton over the keywords of ``masks``, each valued with its mask.
    One pass over a record's text finds every parser whose keyword occurs in it (2-3
    times faster than testing each of the 74 keywords with ``in``, benchmarks/README.md)."""
    automaton = ahocorasick.Automaton()
    for word, mask in masks.items():
        automaton.add_word(word, mask)
    automaton.make_automaton()
    return automaton


class _Router:
    """Routes records of one text input to its parsers."""

    def __init__(self, parsers: list[LineParser]):
        self.parsers = parsers
        self.block_parsers = [(p, [re.compile(c + r"\b", re.I) for c in p.commands]) for p in parsers if p.commands]
        self.headless = [p for p in parsers if p.block_start is not None]
        self.any_block_start = match_any(p.block_start for p in self.headless)  # (whether any may start here)
        self.owners: dict[str, LineParser | None] = {}  # command -> owner_for(command)
        self.typed_config = next((p for p in parsers if p.reads_typed_config), None)
        self.keyworded = [p for p in parsers if p.keywords]
        masks = keyword_masks([p.keywords for p in self.keyworded])
        # Keywords without a digit occur alike in a text and in it with its digits made '0':
        # their masks are remembered by that form (a busy log repeats its messages with other
        # numbers). The few with a digit are looked for in the text itself.
        self.keyword_matches = keyword_automaton({w: m for w, m in masks.items() if not _has_digit(w)}).iter
        self.digit_keywords = [(w, m) for w, m in masks.items() if _has_digit(w)]
        self.digit_keyword_keys = [digits_as_zero(w) for w, _ in self.digit_keywords]
        self.masks: dict[bytes, int] = {}  # text with digits made '0' -> its mask by the automaton
        self.last_resort = next((p for p in self.keyworded if p.takes_declined_syslogs), None)
        self.last_resort_bit = 1 << self.keyworded.index(self.last_resort) if self.last_resort else 0
        self.syslog_readers = [p for p in parsers if type(p).reads_syslogs_now is not LineParser.reads_syslogs_now]
        # the bodies a block's owner may read (``reads_messages``): never routine, whatever the block
        self.read_in_blocks = list({p.reads_messages for p in parsers if p.reads_messages is not None})
        self.flushed: list = []  # items of a block that a headless block start ended
        self.claims: Counter[str] = Counter()  # records claimed per parser: what the input mostly is
        self.claimer: LineParser | None = None  # the parser that claimed the last record routed
        # one-line syslog text -> (parser name, kind, fields) of the one event a parser that
        # ``parses_messages_alone`` made of it: the same message again is made from them
        self.repeated: dict[str, tuple[str, str, dict]] = {}
        self.said_once: set[str] = set()  # such texts seen once: one is remembered when said again
        # line with its digits '0' -> what routine runs may pass it over as (``routine_kind``,
        # remembered by framing; a key is forgotten when a message of it is remembered)
        self.routine_kinds: dict[bytes, bool | str | SyslogShape | RepeatedSyslog] = {}

    def owner_for(self, command: str) -> LineParser | None:
        """The parser that reads the output of ``command`` (remembered per command: a
        capture types the same few commands again and again)."""
        owners = self.owners
        if command in owners:
            return owners[command]
        found = next((parser for parser, patterns in self.block_parsers
                      if any(pat.match(command) for pat in patterns)), None)
        if len(owners) >= MAX_OWNERS_REMEMBERED:
            owners.clear()
        owners[command] = found
        return found

    def route(self, rec: Record, ctx: Context):
        """The items of the parser that claimed ``rec``, or None."""
        owner = ctx.block_owner
        if owner is not None and not (rec.is_message and owner.ignores_message(rec.text)):
            items = owner.parse(rec, ctx)
            if items is not None:
                self.claims[owner.name] += 1
                self.claimer = owner
                return items
        text = rec.text
        if not rec.is_message and self.any_block_start(text) is not None:
            for parser in self.headless:
                if parser is not owner and parser.block_start.match(text):
                    self.flushed.extend(self.end_block(ctx))
                    ctx.block_owner = parser
                    items = parser.parse(rec, ctx)
                    if items is not None:
                        self.claims[parser.name] += 1
                        self.claimer = parser
                        return items
        wanted = self.keyword_mask(text)
        keyworded = self.keyworded
        while wanted:  # in parser order: lowest bit first
            lowest = wanted & -wanted
            parser = keyworded[lowest.bit_length() - 1]
            items = parser.parse(rec, ctx)
            if items is not None:
                self.claims[parser.name] += 1
                self.claimer = parser
                return items
            wanted ^= lowest
        return None

    def remember(self, line: str, text: str, facility: str, items: list) -> None:
        """Remember what the parser that claimed the one-line syslog ``line`` (its message
        ``text``, routed with no block's owner reading it) made of it, when the same text
        always gives the same: it ``parses_messages_alone``, ``items`` is one stored event, no
        parser reads syslogs now, and every parser offered the text before it
        ``declines_message`` it. Routine runs then ask again what the lines of its key are.
        A text is remembered the second time it is routed: most messages that hold a
        port or a serial are never said twice, and remembering costs more than routing."""
        if text not in self.said_once:
            if len(self.said_once) >= MAX_MESSAGES_REMEMBERED:
                self.said_once.clear()
            self.said_once.add(text)
            return
        claimer = self.claimer
        if not claimer.parses_messages_alone or len(items) != 1 or items[0].__class__ is not LineEvent \
                or items[0]._live is not None or self.reading_syslogs():
            return
        keyworded, wanted = self.keyworded, self.keyword_mask(text)
        while wanted:
            lowest = wanted & -wanted
            parser = keyworded[lowest.bit_length() - 1]
            if parser is claimer:
                break
            if not parser.declines_message(text, facility):
                return
            wanted ^= lowest
        if len(self.repeated) >= MAX_MESSAGES_REMEMBERED:
            self.repeated.clear()
        event = items[0]
        self.repeated[text] = (claimer.name, event.kind, dict(event.fields))
        self.routine_kinds.pop(digits_as_zero(line), None)

    def keyword_mask(self, text: str) -> int:
        """Bit i set: a keyword of ``keyworded[i]`` occurs in ``text``."""
        key = digits_as_zero(text) if len(text) <= MAX_TEXT_REMEMBERED else None
        wanted = self.masks.get(key)
        if wanted is None:
            wanted = 0
            for _, mask in self.keyword_matches(text):
                wanted |= mask
            if key is not None:
                if len(self.masks) >= MAX_TEXTS_REMEMBERED:
                    self.masks.clear()
                self.masks[key] = wanted
        for word, mask in self.digit_keywords:
            if word in text:
                wanted |= mask
        return wanted

    def routine_kind(self, line: str, chatter: re.Pattern) -> bool | str | SyslogShape:
        """What routine runs may pass ``line`` over as (``frame(runs=...)``): ``CHATTER`` (a
        one-line message the quick path counts as ``chatter``), the shape of a one-line
        message every parser declines (counted as unparsed), the ``SyslogShape`` of a generic
        syslog (``routine_syslog``), or ``NOT_ROUTINE``; never for a message that says
        'debugging' or that a block's owner may read (``reads_messages``), that ends after a
        colon or comma, or that holds '-----' (the excerpt capture follows runs without
        looking for key boundaries). Framing remembers the answer for every line equal once
        its digits are all '0', so it reads nothing that tells digits apart: no keyword with
        digits may occur, a syslog's severity (`%FOO-8-BAR:` is no syslog, `%FOO-3-BAR:` is)
        is checked on each line (``SyslogShape.severity_at``), and ``declines_message``
        depends on no parser's state (for a syslog: while none ``reads_syslogs_now``)."""
        m = prefix_match(line) if "-----" not in line else None  # (it may bound a key: ExcerptCapture.skip)
        if m is None:
            return NOT_ROUTINE
        rest = m.group("rest")
        text = rest.strip()
        # (a message cut after a colon or comma takes the next line even in show output: _cut_off)
        if "debugging" in text or text.endswith((":", ",")) or any(p.match(text) for p in self.read_in_blocks):
            return NOT_ROUTINE
        if "%" in line:
            return self.routine_syslog(m, text)
        if chatter.match(rest):
            return CHATTER
        if not text or text.startswith("## ") or self.may_hold_digit_keyword(text) or not self.declined(text, None):
            return NOT_ROUTINE
        return unparsed_shape(text[:120])

    def routine_syslog(self, m: re.Match, text: str) -> SyslogShape | bool:
        """The shape of a `%FAC-SEV-MNEMONIC:` line (prefix match ``m``, message ``text``)
        that every parser but the one of last resort declines (while none ``reads_syslogs_now``),
        or ``NOT_ROUTINE``. (A '%' elsewhere, or `%FOO-8-BAR:`, makes no syslog: not routine.)"""
        facility = m.group("fac")
        if facility is None or self.last_resort is None or "\n" in m.string or self.reading_syslogs() \
                or self.may_hold_digit_keyword(text):
            return NOT_ROUTINE
        if not self.declined(text, facility):  # (a parser reads it: a run passes it over only said again)
            made = self.repeated.get(text)
            return NOT_ROUTINE if made is None else repeated_syslog(m, made) or NOT_ROUTINE
        return self.last_resort.routine_shape(m, text) or NOT_ROUTINE

    def reading_syslogs(self) -> bool:
        """Whether a parser's state may make it read a syslog it declines otherwise (``reads_syslogs_now``)."""
        for parser in self.syslog_readers:  # (one parser: a loop costs less than any() of a generator)
            if parser.reads_syslogs_now():
                return True
        return False

    def skip_level(self, owner: LineParser | None) -> int:
        """What routine runs may pass over in the block of ``owner`` (None: no block), for ``frame``."""
        if owner is None or owner.reads_messages is not None:
            return SKIP_UNREAD if self.reading_syslogs() else SKIP_SYSLOGS
        return SKIP_NOTHING

    def may_hold_digit_keyword(self, text: str) -> bool:
        """Whether a text equal to ``text`` once their digits are '0' may hold a keyword that has digits."""
        key = digits_as_zero(text)
        return any(word in key for word in self.digit_keyword_keys)

    def declined(self, text: str, facility: str | None) -> bool:
        """Whether every parser routing would offer the one-line message ``text`` (outside
        a block, or in one whose owner ignores it) ``declines_message`` it; for a syslog
        (``facility`` set), every parser but the one of last resort, which takes it then."""
        wanted = self.keyword_mask(text)
        if facility is not None:
            wanted &= ~self.last_resort_bit
        keyworded = self.keyworded
        while wanted:
            lowest = wanted & -wanted
            if not keyworded[lowest.bit_length() - 1].declines_message(text, facility):
                return False
            wanted ^= lowest
        return True

    def declined_syslog(self, number: int, m: re.Match, text: str, ctx: Context) -> LineEvent | None:
        """The event of the one-line `%FAC-SEV-MNEMONIC:` message of prefix match ``m``
        (``text``: its message, stripped) that the owner of the current block (if any)
        ignores, when routing would give it to the parser of last resort (``declined``),
        made without a Record; else None (route its Record)."""
        if self.last_resort is None or not self.declined(text, m.group("fac")):
            return None
        event = self.last_resort.declined_syslog_event(number, m, text, ctx)
        if event is not None:
            self.claims[self.last_resort.name] += 1
        return event

    def end_block(self, ctx: Context):
        owner, ctx.block_owner = ctx.block_owner, None
        return owner.end_block(ctx) if owner is not None else []


class _Tally:
    """Line accounting of one text input: every non-blank line is understood or
    unparsed; of the unparsed, the shapes are counted (a bounded table) and a
    bounded sample is kept with its location."""

    def __init__(self, path: str, case: Case, summary: InputSummary):
        self.path, self.case, self.summary = path, case, summary
        self.understood = self.unparsed = 0
        self.shapes: Counter[str] = Counter()
        self.samples = 0
        # text with its digits made '0' (UTF-8) -> its shape: a noisy log repeats a few
        # shapes with other numbers, and the regex costs 2-3 us a line
        self.known_shapes: dict[bytes, str] = {}

    def unparsed_lines(self, first_line: int, last_line: int, text: str) -> None:
        """Lines ``first_line`` to ``last_line`` (``text``: their message) are unparsed."""
        head = text[:120]  # (what a shape is made of)
        key = digits_as_zero(head)
        shape = self.known_shapes.get(key)
        if shape is None:
            if len(self.known_shapes) >= MAX_SHAPES_REMEMBERED:
                self.known_shapes.clear()
            shape = self.known_shapes[key] = unparsed_shape(head)
        self._count(last_line - first_line + 1, shape)
        if self.samples < UNPARSED_SAMPLES_PER_INPUT:
            self._sample(first_line, last_line, text)

    def unparsed_run(self, run: Run) -> None:
        """The messages of routine run ``run`` that no parser reads (``Run.unparsed``): the
        first sampled one by one, then counted by shape at once (a busy log's runs repeat a
        few shapes)."""
        unparsed = run.unparsed
        sampled = min(len(unparsed), UNPARSED_SAMPLES_PER_INPUT - self.samples)
        for index, shape in unparsed[:sampled]:
            number = run.first_line + index
            self._count(1, shape)
            self._sample(number, number, prefix_match(run.lines[index]).group("rest").strip())
        if len(unparsed) > sampled:
            for shape, count in Counter(map(itemgetter(1), unparsed[sampled:])).items():
                self._count(count, shape, count)

    def _count(self, lines: int, shape: str, messages: int = 1) -> None:
        """``lines`` lines are unparsed: ``messages`` messages of ``shape``."""
        self.unparsed += lines
        shapes = self.shapes
        if shape in shapes or len(shapes) < MAX_SHAPES_PER_INPUT:
            shapes[shape] += messages

    def _sample(self, first_line: int, last_line: int, text: str) -> None:
        self.samples += 1
        self.case.unparsed.append(Unparsed(SourceRef(self.path, first_line, last_line), text[:500]))

    def close(self, lines: int) -> None:
        s = self.summary
        s.lines = lines
        s.understood_lines, s.unparsed_lines = self.understood, self.unparsed
        s.nonblank_lines = self.understood + self.unparsed
        s.unparsed_shapes = dict(self.shapes.most_common(20))


MAX_PARSER_FAILURES_LISTED = 5


def _read_text(stream, head: bytes, ctx: Context, case: Case, summary: InputSummary, kind: str | None) -> None:
    encoding = detect_encoding(head)
    if encoding.startswith("utf-16"):
        summary.warnings.append(f"{ctx.path}: decoded as {encoding.upper()}")
    elif not kind and binary_share(head) > 0.05:
        summary.warnings.append(f"{ctx.path}: looks like binary data ({binary_share(head):.0%} of the first "
                                f"{len(head)} bytes are control bytes), not a log; read as text anyway")
    parsers = [cls() for cls in line_parsers()]
    if kind:
        parsers.sort(key=lambda p: p.name != kind)  # the named parser gets the first look
    router = _Router(parsers)
    reader = TextLines(stream, encoding)
    batches = reader.batches()
    first_lines = _first_lines(batches)
    summary.kind = kind or _sniff_kind(parsers, first_lines[:SNIFF_LINES])
    tally = _Tally(ctx.path, case, summary)
    capture = ExcerptCapture(case.excerpts.setdefault(ctx.path, {}))
    failures = 0
    report = progress.current()
    size = progress.file_size(stream)  # progress in bytes of the file when it is a plain file
    report.stage(f"reading and parsing {ctx.path}", size, "bytes" if size else "lines")
    next_report = progress.EVERY_LINES
    # Parsing allocates millions of short-lived objects none of which form
    # cycles; the cyclic collector would only re-scan the events kept so far,
    # a third of the CPU time on a log where most lines become events.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    # Routine chatter: the bodies the first parser to look at a message drops whatever they say
    # (framing's quick path). Counted as that parser's understood line, no Record built.
    quick_parser = router.keyworded[0] if router.keyworded else None
    chatter = quick_parser.chatter if quick_parser is not None else None
    claims = router.claims
    events = case.events
    runs = None

    def skip_level() -> int:
        return router.skip_level(ctx.block_owner)

    if chatter is not None:  # routine runs: counted, or made events without a Record (and followed as context)
        runs = (lambda line: router.routine_kind(line, chatter), skip_level, router.routine_kinds)
    records = frame(chain([first_lines], batches), quick=True, runs=runs, batched=True)
    if runs is not None:
        records = _confirmed_runs(records, skip_level)
    try:
        for rec in records:
            if rec.__class__ is Run:
                chatter_lines = rec.count - len(rec.unparsed) - len(rec.syslogs)
                if chatter_lines:
                    claims[quick_parser.name] += chatter_lines
                    tally.understood += chatter_lines
                if rec.unparsed:
                    tally.unparsed_run(rec)
                if rec.syslogs:
                    _run_syslogs(rec, router.last_resort, ctx, events, capture, claims)
                    summary.events += len(rec.syslogs)
                    tally.understood += len(rec.syslogs)
                else:
                    capture.skip(rec.first_line, rec.lines)
                if rec.first_line >= next_report:
                    next_report = _report_progress(report, stream, size, rec.first_line)
                continue
            repeatable = False  # a one-line syslog routed with no block's owner reading it
            if rec.__class__ is tuple:  # (line number, prefix match) of a one-line message
                # What routing its Record would give, without the Record when it can be told at once.
                line_no, match = rec
                owner = ctx.block_owner
                if line_no >= next_report:
                    next_report = _report_progress(report, stream, size, line_no)
                rest = match.group("rest")
                if match.group("fac") is not None:
                    text = rest.strip()
                    if owner is None or owner.ignores_message(text):
                        made = router.repeated.get(text)
                        if made is not None and not router.reading_syslogs():  # (said word for word before)
                            claimer, event_kind, fields = made
                            _add_items([ctx.message_event(event_kind, line_no, match, fields)], case, summary)
                            claims[claimer] += 1
                            capture.record(line_no, [match.string], capture.cites_message_of(event_kind))
                            tally.understood += 1
                            continue
                        event = router.declined_syslog(line_no, match, text, ctx)
                        if event is not None:  # (stored when made: nothing for _add_items to do but count it)
                            events.append(event)
                            summary.events += 1
                            capture.record(line_no, [match.string], capture.cites_message_of(event.kind))
                            tally.understood += 1
                            continue
                        repeatable = True
                elif chatter is not None and chatter.match(rest):
                    if owner is None or owner.ignores_message(rest.strip()):
                        claims[quick_parser.name] += 1
                        if not capture.full:  # a message that gives nothing: context, never cited
                            capture.record(line_no, [match.string], False)
                        tally.understood += 1
                        continue
                else:
                    text = rest.strip()
                    if (owner is None or owner.ignores_message(text)) and not text.startswith("## ") \
                            and router.declined(text, None):
                        capture.record(line_no, [match.string], False)
                        tally.unparsed_lines(line_no, line_no, text)
                        continue
                rec = quick_record(rec)
            if rec.last_line >= next_report:
                next_report = _report_progress(report, stream, size, rec.last_line)
            text = rec.text
            if rec.prompt is not None:
                host, command, mode = rec.prompt
                owner = router.owner_for(command) if command else None
                typed = owner is None and mode is not None  # configuration typed at a (config)# prompt
                if typed:
                    owner = router.typed_config
                if not (typed and owner is ctx.block_owner):  # one typing session is one block
                    _add_items(router.end_block(ctx), case, summary)
                # (a `show tech-support` section names no host: its lines stay the device's they were)
                ctx.device, ctx.command, ctx.block_owner = host or ctx.device, command, owner
                if command:
                    case.commands_given.add(command)
                if ctx.block_owner is not None:
                    _add_items(ctx.block_owner.start_block(rec, ctx), case, summary)
                if rec.lines:  # no lines: output glued to the prompt owns the line (framing)
                    tally.understood += 1
                capture.record(rec.first_line, rec.lines, True)
                continue
            if text.startswith("## "):
                capture.record(rec.first_line, rec.lines, False)
                tally.understood += rec.last_line - rec.first_line + 1  # annotation of a shared sample
                continue
            try:
                items = router.route(rec, ctx)
            except Exception as exc:  # a parser bug must not stop the rest of the input
                failures += 1
                if failures <= MAX_PARSER_FAILURES_LISTED:
                    summary.warnings.append(f"{ctx.path}:{rec.first_line}: a parser failed on this line "
                                            f"({exc.__class__.__name__}: {exc}); counted as unparsed")
                items = None
            if router.flushed:
                _add_items(router.flushed, case, summary)
                router.flushed = []
            if items:
                _add_items(items, case, summary)
                if repeatable:
                    router.remember(rec.lines[0], text, rec.facility, items)
            # Cited: a record that gave items, or a line of a command block (its facts come at the
            # block's end). A message that gave nothing (chatter) is only context, so that the
            # excerpt budget is spent on evidence, not on the first lines of a busy log.
            if items:
                cited = not rec.is_message or capture.cites_message_of(items[0].kind)
            else:
                cited = items is not None and ctx.block_owner is not None and not rec.is_message
            capture.record(rec.first_line, rec.lines, cited)
            if not text:
                continue
            if items is not None:
                tally.understood += rec.last_line - rec.first_line + 1
            else:
                tally.unparsed_lines(rec.first_line, rec.last_line, text)
        _add_items(router.end_block(ctx), case, summary)
    finally:
        if gc_was_enabled:
            gc.enable()
        reader.close()
        tally.close(reader.count)
        if not kind:  # what the parsers actually read beats the guess from the first lines
            summary.kind = _claimed_kind(router.claims) or summary.kind
        summary.replaced_bytes = reader.replaced.count
        summary.warnings.extend(reader.warnings(ctx.path))
        if failures > MAX_PARSER_FAILURES_LISTED:
            summary.warnings.append(f"{ctx.path}: parsers failed on {failures} lines in all")


def _first_lines(batches: Iterator[list[str]]) -> list[str]:
    """The lines of the first of ``batches``, enough to hold ``SNIFF_LINES`` when there are."""
    lines: list[str] = []
    for batch in batches:
        lines += batch
        if len(lines) >= SNIFF_LINES:
            break
    return lines


def _confirmed_runs(records: Iterator, skip_level: Callable[[], int]) -> Iterator:
    """``records``, but a routine run that ``skip_level()`` no longer allows framed again
    line by line. Framing holds a message back while the next line may continue it, so it
    asks what a run may pass over before that message is handled: one that opens a block or
    starts a certificate paste changes the answer. Each run is confirmed once all before it
    are handled (when the loop asks for it)."""
    for rec in records:
        if rec.__class__ is Run:
            needed = SKIP_SYSLOGS if rec.syslogs else SKIP_UNREAD
            if needed > skip_level():
                yield from frame(rec.lines, start_line=rec.first_line, quick=True)
                continue
        yield rec


def _run_syslogs(run: Run, parser: LineParser, ctx: Context, events: list, capture: ExcerptCapture,
                 claims: Counter[str]) -> None:
    """The events of the syslogs of routine run ``run`` (``Run.syslogs``), as the quick path
    makes them line by line (a generic syslog by ``parser``, the parser of last resort; one
    said again from what its parser made of it); the excerpt capture follows the run's lines
    and cites the syslogs that spend the budget (``cites_message_of``)."""
    lines, first = run.lines, run.first_line
    followed = 0  # lines of the run the capture followed so far
    generic = 0
    for index, shape in run.syslogs:
        line = lines[index]
        if shape.__class__ is RepeatedSyslog:
            event = ctx.repeated_event(line, first + index, shape)
            claims[shape.claimer] += 1
        else:
            event = parser.routine_event(line, first + index, shape, ctx)
            generic += 1
        events.append(event)
        if capture.cites_message_of(event.kind):
            if index > followed:
                capture.skip(first + followed, lines[followed:index])
            capture.record(first + index, [line], True)
            followed = index + 1
    if followed < run.count:
        capture.skip(first + followed, lines[followed:])
    claims[parser.name] += generic


def _report_progress(report, stream, size: int | None, line_no: int) -> int:
    """Report reading at line ``line_no`` (in bytes when the size is known); the line of the next report."""
    report.update(stream.tell() if size else line_no, line_no)
    return line_no + progress.EVERY_LINES


def _claimed_kind(claims: Counter[str]) -> str | None:
    """The parser that read most of the input, or the mix of the main ones."""
    total = sum(claims.values())
    if not total:
        return None
    top = claims.most_common(3)
    if top[0][1] >= 0.6 * total:
        return top[0][0]
    return "mixed: " + ", ".join(name for name, _ in top)


def _sniff_kind(parsers: list[LineParser], lines: list[str]) -> str:
    nonblank = [line for line in lines if line.strip()]
    if not nonblank:
        return "empty"
    best = max(parsers, key=lambda p: p.sniff(nonblank), default=None)
    if best is None or best.sniff(nonblank) <= 0:
        return "text"
    return best.name
