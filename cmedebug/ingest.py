"""Read one input into the case: pick the decoder or frame the text and route
each record to the parsers, accounting for every line.

Memory stays flat in the number of lines: records are streamed, and of the
lines no parser understood only a bounded sample and a bounded table of their
shapes are kept (their count is always exact).
"""
from __future__ import annotations

import re
from collections import Counter
from itertools import islice

from cmedebug.model import Case, InputSummary, SourceRef, Unparsed
from cmedebug.parsers.base import Context, FileParser, LineParser, file_parsers, line_parsers
from cmedebug.parsers.framing import Record, frame
from cmedebug.sources import HEAD_BYTES, Input, ReplacementCounter, detect_encoding, text_lines

UNPARSED_SAMPLES_PER_INPUT = 200
MAX_SHAPES_PER_INPUT = 1000
SNIFF_LINES = 200
_SHAPE_MASK = re.compile(r"[0-9A-Fa-f]{4,}|\d+")


def unparsed_shape(text: str) -> str:
    """A line's shape: numbers and hex runs masked, cut to 60 characters."""
    return _SHAPE_MASK.sub("#", text[:120])[:60]


def read_input(inp: Input, case: Case, kind: str | None = None, stamps: list | None = None) -> InputSummary:
    """Parse one input into ``case``; its (event, printed stamp) pairs go to ``stamps``
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
    except (OSError, EOFError) as exc:  # truncated .gz, I/O error half-way: keep what was read
        summary.error = f"read stopped early: {exc}"
    summary.warnings.extend(ctx.warnings)
    if stamps is not None:
        stamps.extend(ctx.stamps)
    return summary


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
    from cmedebug.model import Event

    for item in items:
        if isinstance(item, Event):
            case.events.append(item)
            summary.events += 1
        else:
            case.facts.append(item)
            summary.facts += 1


class _Router:
    """Routes records of one text input to its parsers."""

    def __init__(self, parsers: list[LineParser]):
        self.parsers = parsers
        self.block_parsers = [(p, [re.compile(c + r"\b", re.I) for c in p.commands]) for p in parsers if p.commands]
        self.headless = [p for p in parsers if p.block_start is not None]
        self.keyworded = [(p, p.keywords) for p in parsers if p.keywords]

    def owner_for(self, command: str) -> LineParser | None:
        for parser, patterns in self.block_parsers:
            if any(pat.match(command) for pat in patterns):
                return parser
        return None

    def route(self, rec: Record, ctx: Context):
        owner = ctx.block_owner
        if owner is not None:
            items = owner.parse(rec, ctx)
            if items is not None:
                return items, []
        flushed = []
        if not rec.is_message:
            for parser in self.headless:
                if parser is not owner and parser.block_start.match(rec.text):
                    flushed = self.end_block(ctx)
                    ctx.block_owner = parser
                    items = parser.parse(rec, ctx)
                    if items is not None:
                        return items, flushed
        text = rec.text
        for parser, keywords in self.keyworded:
            for k in keywords:
                if k in text:
                    items = parser.parse(rec, ctx)
                    if items is not None:
                        return items, flushed
                    break
        return None, flushed

    def end_block(self, ctx: Context):
        owner, ctx.block_owner = ctx.block_owner, None
        return owner.end_block(ctx) if owner is not None else []


def _read_text(stream, head: bytes, ctx: Context, case: Case, summary: InputSummary, kind: str | None) -> None:
    encoding = detect_encoding(head)
    if encoding != "utf-8":
        summary.warnings.append(f"{ctx.path}: decoded as {encoding.upper()}")
    counter = ReplacementCounter()
    parsers = [cls() for cls in line_parsers()]
    if kind:
        parsers.sort(key=lambda p: p.name != kind)  # the named parser gets the first look
    router = _Router(parsers)
    shapes: Counter[str] = Counter()
    samples = 0
    lines = text_lines(stream, counter, encoding)
    first = list(islice(lines, SNIFF_LINES))
    summary.kind = kind or _sniff_kind(parsers, first)

    def account(items, rec: Record, understood: bool) -> None:
        nonlocal samples
        span = rec.last_line - rec.first_line + 1
        summary.lines = rec.last_line
        if not rec.text:
            return
        summary.nonblank_lines += span
        if understood:
            summary.understood_lines += span
            if items:
                _add_items(items, case, summary)
            return
        summary.unparsed_lines += span
        shape = unparsed_shape(rec.text)
        if shape in shapes or len(shapes) < MAX_SHAPES_PER_INPUT:
            shapes[shape] += 1
        if samples < UNPARSED_SAMPLES_PER_INPUT:
            samples += 1
            case.unparsed.append(Unparsed(SourceRef(ctx.path, rec.first_line, rec.last_line), rec.text[:500]))

    from itertools import chain

    for rec in frame(chain(first, lines)):
        if rec.prompt is not None:
            _add_items(router.end_block(ctx), case, summary)
            ctx.device = rec.prompt[0]
            ctx.command = rec.prompt[1]
            ctx.block_owner = router.owner_for(rec.prompt[1]) if rec.prompt[1] else None
            account([], rec, True)
            continue
        if rec.text.startswith("## "):
            account([], rec, True)  # annotation of a shared sample, not device output
            continue
        items, flushed = router.route(rec, ctx)
        if flushed:
            _add_items(flushed, case, summary)
        account(items, rec, items is not None)
    _add_items(router.end_block(ctx), case, summary)
    summary.replaced_bytes = counter.count
    if counter.count:
        summary.warnings.append(
            f"{ctx.path}: {counter.count} bytes were not valid {encoding.upper()} and were replaced by U+FFFD")
    summary.unparsed_shapes = dict(shapes.most_common(20))


def _sniff_kind(parsers: list[LineParser], lines: list[str]) -> str:
    nonblank = [line for line in lines if line.strip()]
    if not nonblank:
        return "empty"
    best = max(parsers, key=lambda p: p.sniff(nonblank), default=None)
    if best is None or best.sniff(nonblank) <= 0:
        return "text"
    return best.name
