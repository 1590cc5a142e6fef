"""How rules put real values into messages."""
from __future__ import annotations

from datetime import datetime

from cmedebug.formatting import fmt_time


def sep(mac: str | None) -> str:
    return f"SEP{mac}" if mac else "an unknown phone"


def evidence_of(items, limit: int = 5) -> list:
    from cmedebug.model import Evidence

    return [Evidence.of(i) for i in [i for i in items if i is not None][:limit]]


def at_time(value) -> str:
    """' at 2026-11-26 10:15:02 UTC', or '' when the evidence carries no time (phone status lines)."""
    return f" at {fmt_time(value)}" if value is not None else ""


def plural(items, one: str, many: str) -> str:
    """'dial-peer 200 uses' / 'dial-peers 200, 300 use' style agreement."""
    return one if len(items) == 1 else many


def first_at(when: datetime | None) -> str:
    """', first at 2026-11-26 10:15:02 UTC' or '' for lines printed without a stamp (console output)."""
    return f", first at {fmt_time(when)}" if when is not None else ""
