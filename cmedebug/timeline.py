"""The case timeline: one pandas DataFrame of events, built once after parsing.

``Case.timeline`` builds it on first use; this module needs the model only for
its annotations, so the model does not depend on it in turn."""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    from cmedebug.model import Event

COLUMNS = ["ts", "kind", "device", "clock_flag", "path", "first_line", "last_line"]


def build_timeline(events: Iterable[Event]):
    import pandas as pd

    rows = [
        (e.ts, e.kind, e.device, e.clock_flag, e.source.path, e.source.first_line, e.source.last_line)
        for e in events
    ]
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["ts"] = pd.to_datetime(frame["ts"], utc=True, errors="coerce")
    return frame.sort_values(["ts", "path", "first_line"], na_position="last", kind="stable").reset_index(drop=True)
