"""How real values read in messages and reports: times, durations, names.

Shared by the certificate analysis, the rules and the reports, so that a finding
and the report around it say the same thing the same way.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta

# cn=cme_root / CN=srstcaserver,o=Lab
_CN = re.compile(r"\bcn=([^,+]+)", re.IGNORECASE)


def fmt_time(value: datetime | None) -> str:
    """A time as IOS engineers read it: 2026-11-26 10:15:02 UTC."""
    if value is None:
        return "an unknown time"
    return value.strftime("%Y-%m-%d %H:%M:%S ") + (value.tzname() or "")


def fmt_delta(delta: timedelta) -> str:
    """'3 days 4 h 5 min' style, absolute."""
    seconds = int(abs(delta.total_seconds()))
    days, rem = divmod(seconds, 86400)
    hours, rem = divmod(rem, 3600)
    minutes, secs = divmod(rem, 60)
    parts = []
    if days:
        parts.append(f"{days} day{'s' if days != 1 else ''}")
    if hours:
        parts.append(f"{hours} h")
    if minutes:
        parts.append(f"{minutes} min")
    if secs and not days:
        parts.append(f"{secs} s")
    return " ".join(parts) or "0 s"


def common_name(dn: str | None) -> str:
    """The CN of a distinguished name (``cme_root``), else the whole name."""
    m = _CN.search(dn or "")
    return m.group(1).strip() if m else (dn or "").strip()
