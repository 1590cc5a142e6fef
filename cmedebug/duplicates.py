"""Evidence seen twice counts once (issue #14 class 11).

The same output given twice (a file passed twice, before/after captures that
repeat a `show`, a log pasted two times) must not multiply findings. After the
years are resolved, ``collapse`` keeps the first copy of every event and fact and
remembers where the other copies were; after the rules ran, ``cite_copies`` adds
those locations to the evidence of every finding that cites the first copy.

Two events are copies when kind, device, resolved time and raw lines agree; an
event without a time is a copy only of one in another input (inside one input,
unstamped lines that repeat are separate occurrences: `TLS Handshake retcode`
printed once per attempt). Two facts are copies when kind, device and raw
lines agree (facts without raw lines, and those of decoded files, are never merged).
"""
from __future__ import annotations

from cmedebug.model import Case, Evidence, SourceRef, SyslogEvent

MAX_COPIES_CITED = 50  # per evidence item; beyond that one line says how many more


def collapse(case: Case) -> int:
    """Drop repeated events and facts from ``case``, recording their locations in
    ``case.copies`` ((path, first line) of the kept item -> other SourceRefs).
    Returns how many items were dropped."""
    kept_events, dropped = _dedupe(case.events, _event_key, case.copies)
    kept_facts, dropped_facts = _dedupe(case.facts, _fact_key, case.copies)
    case.events, case.facts = kept_events, kept_facts
    return dropped + dropped_facts


def _event_key(ev):
    if ev.__class__ is SyslogEvent:  # its raw is its one line (a tuple built per read)
        return (ev.kind, ev.device, ev.ts, ev.line)
    return (ev.kind, ev.device, ev.ts, ev.raw) if ev.raw else None


def _fact_key(fact):
    # a decoded file (CTL, .sgn, cnf.xml: no line range) is an artefact of its own, not a repeated
    # output: the CTL before and after an update must both stay, even when equal
    return (fact.kind, fact.device, fact.raw) if fact.raw and fact.source.first_line else None


def _dedupe(items: list, key_of, copies: dict) -> tuple[list, int]:
    # The table is keyed by the key's hash, not the key: on a million events the key
    # tuples would be the largest thing in memory while it exists. A found item whose
    # own key differs (a hash collision) is kept as a separate item.
    first: dict[int, object] = {}
    kept = []
    for item in items:
        key = key_of(item)
        original = first.get(hash(key)) if key is not None else None
        if original is None or key_of(original) != key:
            if original is None and key is not None:
                first[hash(key)] = item
            kept.append(item)
            continue
        if key[2] is None and original.source.path == item.source.path:  # unstamped, same input: a new occurrence
            kept.append(item)
            continue
        copies.setdefault((original.source.path, original.source.first_line), []).append(item.source)
    return kept, len(items) - len(kept)


def cite_copies(case: Case) -> None:
    """Add to each finding's evidence the other places its evidence was seen."""
    if not case.copies:
        return
    for f in case.findings:
        extra: list[Evidence] = []
        for e in f.evidence:
            others = case.copies.get((e.source.path, e.source.first_line), [])
            extra += [Evidence(src, e.lines, "the same output again") for src in others[:MAX_COPIES_CITED]]
            if len(others) > MAX_COPIES_CITED:
                extra.append(Evidence(SourceRef(others[MAX_COPIES_CITED].path), (),
                                      f"and {len(others) - MAX_COPIES_CITED} more copies of the same output"))
        f.evidence += extra
