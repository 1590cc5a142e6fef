"""Questions rules ask of the evidence itself: order, neighbours, what was given."""
from __future__ import annotations


def first_fact(case, *kinds: str):
    """The first fact of the first kind that has one (config before show output, say)."""
    for kind in kinds:
        found = list(case.facts_of(kind))
        if found:
            return found[0]
    return None


def full_config_given(case) -> bool:
    """A whole configuration was provided, so an absent line proves the setting is absent."""
    return case.has_whole_config()


def happened_before(a, b) -> bool:
    """Whether item ``a`` came before ``b``: line order within one file (stamps
    may jump when the clock is set), else the resolved times."""
    if a.source.path == b.source.path:
        return a.source.first_line < b.source.first_line
    ta, tb = getattr(a, "ts", None), getattr(b, "ts", None)
    return ta is not None and tb is not None and ta < tb


def adjacent_events(case, targets) -> dict[int, tuple]:
    """id(target) -> (the event just before it, the event just after it) in its file,
    found in one pass over the case (events keep their input order within a file)."""
    wanted = {id(t) for t in targets}
    out: dict[int, tuple] = {id(t): (None, None) for t in targets}
    previous: dict[str, object] = {}  # path -> the last event seen in that file
    waiting: dict[str, int] = {}  # path -> the target whose next event is still to come
    for ev in case.events:
        path = ev.path
        if path in waiting:
            tid = waiting.pop(path)
            out[tid] = (out[tid][0], ev)
        if id(ev) in wanted:
            out[id(ev)] = (previous.get(path), None)
            waiting[path] = id(ev)
        previous[path] = ev
    return out


def nearest_before(case, anchor, kind: str, field: str):
    """The ``field`` of the last ``kind`` event before ``anchor`` in the same file
    (`CRYPTO_PKI: locked trustpoint <tp>` names the trustpoint of what follows)."""
    value = None
    for ev in case.events_of(kind):
        if ev.source.path == anchor.source.path and ev.source.first_line < anchor.source.first_line \
                and ev.fields.get(field):
            value = ev.fields[field]
    return value
