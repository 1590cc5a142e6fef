"""Time: turning printed stamps into real datetimes, and the clock model.

IOS prints log stamps without a year by default. The year is inferred once all
inputs are parsed, from (in order) ``--year``, a ``show clock`` of the same
input, a ``show clock`` of the same device or case, or today; crossing New
Year inside a log (Dec -> Jan) moves to the next year.

The clock model says, per device, what the device believed the time was, whether
the device itself said its clock was untrustworthy, and how far it was off
according to independent evidence (a certificate rejected as not yet valid).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Iterable

from cmedebug.model import Case, Event, Evidence, Fact
from cmedebug.parsers.framing import Stamp
from cmedebug.parsers.grammar import zone

# The dates an IOS router boots at when its clock was never set (no calendar, no NTP).
BOOT_DEFAULT_YEARS = (1993, 2002)


def stamp_datetime(stamp: Stamp, year: int) -> datetime | None:
    try:
        return datetime(year, stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second,
                        stamp.microsecond, tzinfo=zone(stamp.tz))
    except ValueError:  # Feb 29 in a guessed year, or a damaged stamp
        return None


def resolve_years(stamps: list[tuple[Event, Stamp]], facts: Iterable[Fact], year: int | None = None,
                  today: datetime | None = None) -> dict[str, str]:
    """Give every stamped event its timezone-aware ``ts``. Returns, for each input
    whose year had to be assumed (no ``--year``, no ``show clock``), how it was."""
    today = today or datetime.now(timezone.utc)
    anchors = [f for f in facts if f.kind == "clock.show" and isinstance(f.fields.get("time"), datetime)]
    # One sequence per input, device and clock era ('*' stamps vs trusted ones): devices
    # interleaved in one file, or a clock set half-way, must not look like New Year.
    sequences: dict[tuple, list[tuple[Event, Stamp]]] = defaultdict(list)
    for ev, st in stamps:
        sequences[(ev.source.path, ev.device, ev.clock_flag == "*")].append((ev, st))
    assumed: dict[str, str] = {}
    for (path, _, _), items in sequences.items():
        offsets = _rollover_offsets([st for _, st in items])
        if year is not None:
            base = year
        else:
            base, how = _base_year(path, items, offsets, anchors, today)
            if how and any(st.year is None for _, st in items):
                assumed[path] = how
        for (ev, st), off in zip(items, offsets):
            ev.ts = stamp_datetime(st, st.year if st.year else base + off)
    return assumed


def _rollover_offsets(stamps: list[Stamp]) -> list[int]:
    offsets, off, prev = [], 0, None
    for st in stamps:
        if st.year is None and prev is not None and prev >= 10 and st.month <= 3:  # Oct-Dec -> Jan-Mar
            off += 1
        prev = st.month if st.year is None else prev
        offsets.append(off)
    return offsets


def _base_year(path, items, offsets, anchors: list[Fact], today: datetime) -> tuple[int, str]:
    """The year of the first stamp, and how it was assumed ('' when evidence gave it)."""
    same_file = [a for a in anchors if a.source.path == path]
    device = next((ev.device for ev, _ in items if ev.device), None)
    same_device = [a for a in anchors if device and a.device == device]
    for pool in (same_file, same_device, anchors):
        if pool:
            anchor = pool[-1]
            if anchor.source.path == path:  # align on the stamp printed nearest to the anchor
                idx = min(range(len(items)), key=lambda i: abs(items[i][0].source.first_line - anchor.source.first_line))
            else:
                idx = len(items) - 1
            when: datetime = anchor.fields["time"]
            st = items[idx][1]
            year = when.year - (1 if st.month > when.month + 6 else 0)
            return year - offsets[idx], ""
    first_event, first = items[0]
    if first_event.clock_flag == "*" and (first.month, first.day) == (3, 1) and first.hour < 12:
        # `*Mar  1 00:..` right after a reload: the boot default of router images (Mar 1 2002)
        return BOOT_DEFAULT_YEARS[1], f"{BOOT_DEFAULT_YEARS[1]} assumed: '*Mar  1' stamps are the boot default of a router whose clock was never set"
    last = items[-1][1]
    year = today.year
    candidate = stamp_datetime(last, year)
    if candidate is not None and candidate > today + timedelta(days=1):
        year -= 1
    return year - offsets[-1], f"{year - offsets[-1]} assumed: the stamps carry no year and no `show clock` dates them (use --year)"


@dataclass
class DeviceClock:
    """What one device believed about time, and how far that can be trusted."""

    device: str
    believed_time: datetime | None = None  # from the latest `show clock`
    time_source: str | None = None  # "NTP", "user configuration", "hardware calendar", ...
    flag: str | None = None  # the flag of `show clock` ('*', '.', '')
    authoritative: bool | None = None  # None: no evidence either way
    boot_default: bool = False  # the clock shows a date the router boots at when never set
    flagged_stamps: int = 0  # log lines stamped with '*'
    trusted_stamps: int = 0
    unsynced_stamps: int = 0  # log lines stamped with '.' (set, but NTP not synchronised)
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    skew: timedelta | None = None  # how far behind (+) or ahead (-) of certificate evidence
    reasons: list[str] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def state(self) -> str:
        if self.boot_default:
            return "never set (boot-default date)"
        if self.authoritative is False:
            return "not authoritative"
        if self.flag == ".":
            return "set but not synchronised"
        if self.authoritative:
            return "authoritative"
        return "unknown"

    def to_dict(self) -> dict:
        return {
            "device": self.device, "state": self.state,
            "believed_time": self.believed_time.isoformat() if self.believed_time else None,
            "time_source": self.time_source, "flag": self.flag, "authoritative": self.authoritative,
            "boot_default": self.boot_default, "flagged_stamps": self.flagged_stamps,
            "trusted_stamps": self.trusted_stamps, "unsynced_stamps": self.unsynced_stamps,
            "first_seen": self.first_seen.isoformat() if self.first_seen else None,
            "last_seen": self.last_seen.isoformat() if self.last_seen else None,
            "skew_seconds": self.skew.total_seconds() if self.skew is not None else None,
            "reasons": list(self.reasons),
        }


DEFAULT_DEVICE = "router"


def build_clock_model(case: Case) -> dict[str, DeviceClock]:
    clocks: dict[str, DeviceClock] = {}

    def clock_of(device: str | None) -> DeviceClock:
        name = device or DEFAULT_DEVICE
        if name not in clocks:
            clocks[name] = DeviceClock(name)
        return clocks[name]

    for ev in case.events:
        if ev.source.path and ev.kind.startswith("phone."):
            continue  # phones keep their own clocks; they are not the router's
        if ev.ts is None and not ev.clock_flag:
            continue
        c = clock_of(ev.device)
        if ev.clock_flag == "*":
            c.flagged_stamps += 1
            if not c.boot_default and ev.ts is not None and ev.ts.year in BOOT_DEFAULT_YEARS:
                c.boot_default = True
                c.reasons.append(f"log stamps run from the boot-default date ({ev.ts:%b %d %Y})")
            if c.flagged_stamps == 1:
                c.evidence.append(Evidence.of(ev, "log stamps carry '*': the router says its clock is not authoritative"))
        elif ev.ts is not None:
            c.trusted_stamps += 1
            if ev.clock_flag == ".":
                c.unsynced_stamps += 1
        if ev.ts is not None:
            c.first_seen = min(c.first_seen, ev.ts) if c.first_seen else ev.ts
            c.last_seen = max(c.last_seen, ev.ts) if c.last_seen else ev.ts
        if ev.kind == "pki.clock.non_authoritative":
            c.authoritative = False
            c.reasons.append("PKI said the clock is not authoritative (%PKI-2-NON_AUTHORITATIVE_CLOCK)")
            c.evidence.append(Evidence.of(ev))
        if ev.kind == "pki.cert.invalid_not_yet_valid" and ev.ts is not None:
            start = ev.fields.get("not_before")
            if isinstance(start, datetime):
                skew = start - ev.ts
                if c.skew is None or skew > c.skew:
                    c.skew = skew
    for fact in case.facts:
        if fact.kind != "clock.show":
            continue
        c = clock_of(fact.device)
        when = fact.fields.get("time")
        c.believed_time = when
        c.flag = fact.fields.get("flag", "")
        c.time_source = fact.fields.get("time_source") or c.time_source
        # the latest `show clock` tells the current state; earlier ones stay as evidence
        c.reasons = [r for r in c.reasons if not r.startswith("`show clock`")]
        if c.flag == "*":
            c.authoritative = False
            c.reasons.append("`show clock` prints '*': time is not authoritative")
        else:
            c.authoritative = not any("NON_AUTHORITATIVE" in r for r in c.reasons)
        if isinstance(when, datetime) and when.year in BOOT_DEFAULT_YEARS:
            c.boot_default = True
            c.reasons.append(f"`show clock` shows {when.year}, the date IOS boots at when the clock was never set")
        c.evidence.append(Evidence.of(fact))
    for c in clocks.values():
        if c.flagged_stamps and c.authoritative is None:
            c.authoritative = False
            c.reasons.append(f"{c.flagged_stamps} log line(s) stamped with '*' (clock not authoritative)")
        elif c.trusted_stamps and c.authoritative is None and not c.flagged_stamps:
            c.authoritative = True
        if c.flag is None and c.unsynced_stamps and not c.flagged_stamps:
            c.flag = "."
            c.reasons.append(f"{c.unsynced_stamps} log line(s) stamped with '.' (clock set but not synchronised)")
    case.clocks = clocks
    return clocks


def reference_time(case: Case) -> datetime | None:
    """The latest time a trusted clock vouched for: used as 'now' for validity."""
    trusted = [e.ts for e in case.events if e.ts is not None and e.clock_flag != "*"]
    shown = [f.fields["time"] for f in case.facts
             if f.kind == "clock.show" and isinstance(f.fields.get("time"), datetime) and f.fields.get("flag") != "*"]
    candidates = trusted + shown
    return max(candidates) if candidates else None
