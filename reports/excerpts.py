"""Evidence excerpts: the lines a finding cites with a few lines of context,
secrets masked.

The lines come from ``Case.excerpts``, captured while each input was read
(``cmedebug.capture``): a report never re-opens an input, so excerpts work the
same for files, members of a zip and standard input. Evidence whose lines were
not captured (a binary trust list, a log past the capture budget) shows the
lines the evidence itself carries. Each window is masked through one
``Redactor``, so a private key around the cited lines is masked whole.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from cmedebug import redact
from cmedebug.model import Evidence

CONTEXT_LINES = 2
MAX_EXCERPT_LINES = 12


@dataclass
class ExcerptLine:
    number: int  # 1-based line number in the input, 0 when unknown
    text: str
    cited: bool  # one of the lines the evidence points at
    anchor: str | None = None  # element id when a piece of evidence starts here


def excerpts(evidence: Iterable[Evidence], captured: dict[str, dict[int, str]],
             context: int = CONTEXT_LINES) -> dict[int, list[ExcerptLine]]:
    """``id(evidence) -> lines`` for every evidence given; ``captured`` is ``Case.excerpts``."""
    out: dict[int, list[ExcerptLine]] = {}
    for ev in evidence:
        lines = captured.get(ev.source.path)
        window = _from_capture(ev, lines, context) if lines and ev.source.first_line else None
        out[id(ev)] = window or _from_evidence(ev)
    return out


def _window(ev: Evidence, context: int) -> tuple[int, int]:
    first = ev.source.first_line
    last = max(ev.source.last_line or first, first)
    last = min(last, first + MAX_EXCERPT_LINES - 1 - 2 * context)
    return max(1, first - context), last + context


def _from_capture(ev: Evidence, lines: dict[int, str], context: int) -> list[ExcerptLine] | None:
    """The window around the cited lines, or None when a cited line was not captured."""
    start, stop = _window(ev, context)
    first, last = ev.source.first_line, max(ev.source.last_line, ev.source.first_line)
    numbers = [n for n in range(start, stop + 1) if n in lines]
    if any(n not in lines for n in range(first, min(last, stop - context) + 1)):
        return None
    masked = redact.lines(lines[n] for n in numbers)
    return [ExcerptLine(n, text, first <= n <= last) for n, text in zip(numbers, masked)]


def _from_evidence(ev: Evidence) -> list[ExcerptLine]:
    first = ev.source.first_line
    return [ExcerptLine(first + i if first else 0, text, True)
            for i, text in enumerate(redact.lines(ev.lines[:MAX_EXCERPT_LINES]))]


@dataclass
class Block:
    """Consecutive excerpt lines of one file, possibly citing several pieces of evidence."""

    path: str
    lines: list[ExcerptLine]
    notes: list[str]

    @property
    def ref(self) -> str:
        numbers = [x.number for x in self.lines if x.number]
        if not numbers:
            return self.path
        return f"{self.path}:{numbers[0]}" + (f"-{numbers[-1]}" if numbers[-1] != numbers[0] else "")


def blocks(evidence: list[Evidence], lines: dict[int, list[ExcerptLine]], anchor_prefix: str
           ) -> tuple[list[Block], list[str]]:
    """The excerpts of one finding, overlapping windows of a file merged into one
    block; also the element id each piece of evidence (in order) links to."""
    out: list[Block] = []
    links: list[str] = []
    for n, ev in enumerate(evidence, start=1):
        excerpt = [ExcerptLine(x.number, x.text, x.cited) for x in lines[id(ev)]]
        block = next((b for b in out if _overlaps(b, ev.source.path, excerpt)), None)
        if block is None:
            block = Block(ev.source.path, [], [])
            out.append(block)
        _merge(block, excerpt)
        if not excerpt:  # evidence that carries no line and whose file cannot be read
            links.append("")
            continue
        first = ev.source.first_line if excerpt[0].number else 0
        start = next(x for x in block.lines if x.cited and x.number == first)
        start.anchor = start.anchor or f"{anchor_prefix}-{n}"
        links.append(start.anchor)
        if ev.note and ev.note not in block.notes:
            block.notes.append(ev.note)
    return out, links


def _overlaps(block: Block, path: str, excerpt: list[ExcerptLine]) -> bool:
    if block.path != path or not excerpt or not excerpt[0].number or not block.lines or not block.lines[0].number:
        return False
    return excerpt[0].number <= block.lines[-1].number + 1 and excerpt[-1].number >= block.lines[0].number - 1


def _merge(block: Block, excerpt: list[ExcerptLine]) -> None:
    """Add the excerpt's lines to the block, a cited line winning over the same line uncited."""
    if not block.lines:
        block.lines.extend(excerpt)
        return
    by_number = {x.number: x for x in block.lines}
    for x in excerpt:
        known = by_number.get(x.number)
        if known is None:
            by_number[x.number] = x
        elif x.cited and not known.cited:
            known.cited = True
    block.lines[:] = [by_number[k] for k in sorted(by_number)]
