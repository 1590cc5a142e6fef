"""Evidence lines captured at ingest, so that reports never re-open an input.

A finding cites the lines of the events and facts it rests on; the HTML report
shows them with a few lines of context. Those lines are kept here while the
input streams past: the lines of every record that gave events or facts and of
every line of a command block (at most ``RECORD_LINES`` of a record) and of every
command prompt (a show block's facts start there), with ``CONTEXT_LINES`` before
and after. That works the same for files, members of a zip and standard input.

So that a busy log does not spend the budget on its first lines, a message that
gave nothing (routine chatter) is context only, and of the messages that gave
events only the first ``CITED_MESSAGES_PER_KIND`` of each event kind are cited
(an interface flapping all day leaves room for the evidence of the other kinds).
On the mixed benchmark's 1M lines every finding's own evidence has its context
(123 of 123; 67 when only the first 20,000 claimed lines were kept).

Memory is bounded: at most ``MAX_LINES_PER_INPUT`` lines per input (~15 MB at
most). Past that, a report shows the lines the evidence itself carries, without
context. Lines
inside a private key are stored masked (whether a line is inside a key depends
on lines that are not kept); every other secret is masked by the reports.
"""
from __future__ import annotations

from collections import deque

from cmedebug.redact import Redactor

CONTEXT_LINES = 2  # shown before and after the cited lines
RECORD_LINES = 8  # of one cited record or block: a report shows at most 12 lines with context
MAX_LINES_PER_INPUT = 100_000
CITED_MESSAGES_PER_KIND = 100  # messages of one event kind that spend the budget (the rest are context)


class ExcerptCapture:
    """Keeps, in ``lines`` (line number -> text), the lines of one text input
    that evidence may cite, with their context."""

    __slots__ = ("lines", "recent", "trailing", "redactor", "full", "cited_kinds")

    def __init__(self, lines: dict[int, str]):
        self.lines = lines
        self.recent: deque[tuple[int, str]] = deque(maxlen=CONTEXT_LINES)  # lines not kept, newest last
        self.trailing = 0  # how many of the next lines to keep
        self.redactor = Redactor()
        self.full = False  # the budget is spent: nothing more is kept from this input
        self.cited_kinds: dict[str, int] = {}  # event kind -> messages of it cited so far

    def cites_message_of(self, kind: str) -> bool:
        """Whether a message that gave an event of ``kind`` spends the budget: the first
        ``CITED_MESSAGES_PER_KIND`` of each kind do, so that a flood of one kind (an
        interface flapping all day) leaves room for the evidence of the others."""
        count = self.cited_kinds.get(kind, 0)
        if count >= CITED_MESSAGES_PER_KIND:
            return False
        self.cited_kinds[kind] = count + 1
        return True

    def record(self, first_line: int, physical: list[str], cited: bool) -> None:
        """Follow one record; ``cited``: a parser claimed it or it opens a command block."""
        if self.full:
            return
        if cited:
            if len(self.lines) >= MAX_LINES_PER_INPUT:
                self.full = True
                return
            for number, text in self.recent:
                self.lines[number] = text
            self.recent.clear()
            self.trailing = max(self.trailing, RECORD_LINES + CONTEXT_LINES)
        for number, text in enumerate(physical, start=first_line):
            if self.redactor.in_key or "-----" in text:
                text = self.redactor.line(text)  # a private key's lines are never stored
            if self.trailing > 0:
                self.trailing -= 1
                self.lines[number] = text
            else:
                self.recent.append((number, text))

    def skip(self, first_line: int, physical: list[str]) -> None:
        """Follow lines no evidence cites (a routine run), none of which holds '-----'
        (``_Router.routine_kind`` passes over no such line: it may bound a key), as
        ``record(..., False)`` would, looking only at the lines that matter: those the
        last cited record's trailing context keeps and the last ``CONTEXT_LINES``, which
        may precede the next cited one."""
        if self.full:
            return
        if self.redactor.in_key:
            self.record(first_line, physical, False)  # (lines inside a key are stored masked)
            return
        keep = min(self.trailing, len(physical))
        if keep:
            self.record(first_line, physical[:keep], False)
        tail = max(keep, len(physical) - CONTEXT_LINES)
        self.recent.extend(zip(range(first_line + tail, first_line + len(physical)), physical[tail:]))
