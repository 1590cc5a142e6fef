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

import zlib
from array import array
from itertools import islice

from cmedebug.model import Case, Evidence, LineEvent, SourceRef

MAX_COPIES_CITED = 50  # per evidence item; beyond that one line says how many more


def collapse(case: Case) -> int:
    """Drop repeated events and facts from ``case``, recording their locations in
    ``case.copies`` ((path, first line) of the kept item -> other SourceRefs).
    Returns how many items were dropped."""
    kept_events, dropped = _dedupe(case.events, _event_key, _event_hash, case.copies)
    kept_facts, dropped_facts = _dedupe(case.facts, _fact_key, _fact_hash, case.copies)
    case.events, case.facts = kept_events, kept_facts
    return dropped + dropped_facts


def _event_key(ev):
    if isinstance(ev, LineEvent):  # its raw is its one line (a tuple built per read)
        return (ev.kind, ev.device, ev.ts, ev.line)
    return (ev.kind, ev.device, ev.ts, ev.raw) if ev.raw else None


def _event_hash(ev) -> int:
    """What the hash filter records for an event: equal keys give equal values, ``_NO_KEY``
    none. A one-line event gives its line's CRC (a stored one's store keeps it: its line is
    not read, nor its key built); an event that is no ``LineEvent`` never shares a key with one."""
    if isinstance(ev, LineEvent):
        if ev._live is None:
            return ev.store.line_hashes[ev.index] or _NO_KEY + 1
        return zlib.crc32(ev.line.encode("utf-8", "surrogatepass")) or _NO_KEY + 1
    key = _event_key(ev)
    return _NO_KEY if key is None else hash(key) or _NO_KEY + 1


def _fact_key(fact):
    # a decoded file (CTL, .sgn, cnf.xml: no line range) is an artefact of its own, not a repeated
    # output: the CTL before and after an update must both stay, even when equal
    return (fact.kind, fact.device, fact.raw) if fact.raw and fact.source.first_line else None


def _fact_hash(fact) -> int:
    key = _fact_key(fact)
    return _NO_KEY if key is None else hash(key) or _NO_KEY + 1


def _dedupe(items: list, key_of, hash_of, copies: dict) -> tuple[list, int]:
    # On a big case only the items whose hash is shared are looked at, with their keys:
    # a table of every key was the peak of memory on a million events, and a pass over
    # every item most of the time. ``hash_of``: an int equal for equal keys (``_NO_KEY``: no key).
    if len(items) < HASH_FILTER_FROM:
        looked_at = range(len(items))
    else:
        looked_at = _sharing_a_hash(items, hash_of)
    first: dict = {}
    dropped: list[int] = []
    for i in looked_at:
        item = items[i]
        key = key_of(item)
        if key is None:
            continue
        original = first.get(key)
        if original is None:
            first[key] = item
        elif key[2] is None and original.path == item.path:
            continue  # unstamped, same input: a new occurrence
        else:  # (path and first line read without a SourceRef: a one-line event builds one per read)
            copies.setdefault((original.path, original.first_line), []).append(item.source)
            dropped.append(i)
    if not dropped:
        return items, 0
    gone = set(dropped)
    return [item for i, item in enumerate(items) if i not in gone], len(dropped)


HASH_FILTER_FROM = 100_000  # items in a case from which the hashes are sorted first
# the hash recorded for an item without a key; a real key hashing to it is moved off it
# (``h or _NO_KEY + 1``: it is 0, the one falsy int)
_NO_KEY = 0


def _sharing_a_hash(items: list, hash_of) -> list[int]:
    """The positions, in order, of the items whose hash another item shares: their
    hashes in an array (8 bytes an item) and sorted once, instead of a dict of keys.
    (numpy's argsort was quicker on millions of items, but importing it cost 0.09 s of
    CPU, more than the whole filter on a log of a hundred thousand events. A Counter of the
    hashes took a third of the time, and 50 MB more at a million events: 414 MB, over the
    400 of "well under 500".)"""
    hashes = array("q", map(hash_of, items))
    ordered = sorted(hashes)
    shared = {h for h, after in zip(ordered, islice(ordered, 1, None)) if h == after}
    del ordered
    shared.discard(_NO_KEY)
    return [i for i, h in enumerate(hashes) if h in shared] if shared else []


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
