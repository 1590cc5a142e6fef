"""Time: turning printed stamps into real datetimes, and the clock model.

IOS prints log stamps without a year by default. The year is inferred once all
inputs are parsed, from (in order) ``--year``; a printed clock (``show clock``,
a ``%SYS-6-CLOCKUPDATE``, ``show ntp status``) of the same input, device or case;
the start of a certificate refused as not yet valid within a day of the stamp that
refused it; the boot default for ``*Mar  1`` stamps; dates that lie within days of the
capture (a CRL's LastUpdate, the CA server's CRL NextUpdate timer); the first
year after the capture's latest certificate issued by the router's own CA or key
generation; and only then today. Crossing New Year inside a log (Dec -> Jan)
moves to the next year. Every year not given by a printed clock is recorded in
``case.assumed_years``, and verdicts that depend on it say so.

The clock model says, per device, what the device believed the time was, whether
the device itself said its clock was untrustworthy, and how far it was off
according to independent evidence (a certificate rejected as not yet valid).
"""
from __future__ import annotations

import re
from array import array
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Iterable

from cmedebug.model import Case, Confidence, Event, Evidence, Fact
from cmedebug.parsers.framing import Stamp
from cmedebug.parsers.grammar import zone
from cmedebug.parsers.stamp_log import StampLog, checked_datetime


def stamp_datetime(stamp: Stamp, year: int) -> datetime | None:
    return checked_datetime(year, stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second,
                            stamp.microsecond, zone(stamp.tz))


# The dates an IOS router boots at when its clock was never set (no calendar, no NTP).
BOOT_DEFAULT_YEARS = (1993, 2002)
# '*' stamps of the first days of March read as the boot default plus that much uptime
BOOT_DEFAULT_DAYS = 7


@dataclass(frozen=True)
class Anchor:
    """A full date the evidence holds, usable to date year-less stamps.

    ``exact``: the capture was taken at that time (``show clock``, a clock update,
    NTP's reference time). ``near``: within days of it (a CRL's LastUpdate, the CA
    server's CRL NextUpdate timer: a CRL lives a week by default). ``after``: the
    capture came later, shortly after by assumption (a certificate issued by the
    router's own CA, a key generated on the router). ``day``: the stamp nearest it is
    within a day of it in its year (a certificate rejected as not yet valid hours
    before its start): it dates the stamps even on the first days of March, where
    `*` stamps are otherwise read as the boot default."""

    when: datetime
    strength: str  # exact | day | near | after
    basis: str
    path: str | None
    device: str | None
    line: int
    starred: bool | None = None  # dates only the '*' stamps (True), only the others (False), or any (None)


def evidence_anchors(stamps: StampLog, facts: Iterable[Fact]) -> list[Anchor]:
    """Every dated item of the evidence that can give year-less stamps their year."""
    facts = list(facts)
    out: list[Anchor] = []

    def add(item, when, strength: str, basis: str, starred: bool | None = None) -> None:
        # a printed clock dates the stamps even at the boot default; other dates must be real
        if isinstance(when, datetime) and (strength == "exact" or when.year not in BOOT_DEFAULT_YEARS):
            out.append(Anchor(when, strength, basis, item.source.path, item.device, item.source.first_line, starred))

    own_cas = _own_ca_names(facts)
    for f in facts:
        if f.kind == "clock.show":
            add(f, f.fields.get("time"), "exact", "`show clock`")
        elif f.kind == "ntp.status":
            add(f, f.fields.get("reference_time"), "exact", "`show ntp status` reference time")
        elif f.kind == "pki.server":
            add(f, f.fields.get("crl_next_update"), "near", "the CA server's CRL NextUpdate timer")
        elif f.kind == "pki.crl":
            add(f, f.fields.get("last_update"), "near", "a CRL's LastUpdate")
        elif f.kind == "platform.key":
            add(f, f.fields.get("generated_at"), "after", "the generation date of a router key")
        elif f.kind == "cert" and _issuer_name(f.fields.get("issuer")) in own_cas:
            add(f, f.fields.get("not_before"), "after", "a certificate issued by the router's own CA")
    for i, ev in enumerate(stamps.events):
        kind = ev.kind
        if kind == "sys.clock.updated":
            # the stamps before the update ran on the old time ('*'), those after on the new one
            add(ev, ev.fields.get("old_time"), "exact", "a clock update (%SYS-6-CLOCKUPDATE)", True)
            add(ev, ev.fields.get("new_time"), "exact", "a clock update (%SYS-6-CLOCKUPDATE)", False)
        elif kind == "pki.cert.invalid_not_yet_valid":
            start = ev.fields.get("not_before")
            if isinstance(start, datetime) and _same_day_of_year(stamps.stamp(i), start):
                add(ev, start, "day", "the start of a certificate rejected as not yet valid within a day of it")
    return out


def _same_day_of_year(stamp: Stamp, when: datetime) -> bool:
    """Whether a year-less stamp falls within a day of ``when`` in ``when``'s year: a clock hours
    behind, not one at the boot default that a certificate's start met by chance."""
    printed = stamp_datetime(stamp, when.year)
    return printed is not None and abs(printed - when) <= timedelta(days=1)


def _issuer_name(dn) -> str:
    m = re.search(r"\bcn=([^,+]+)", dn or "", re.IGNORECASE)
    return (m.group(1) if m else (dn or "")).strip().lower()


def _own_ca_names(facts: list[Fact]) -> set[str]:
    """The names of the certificate servers running on the routers of the case."""
    names = set()
    for f in facts:
        if f.kind in ("pki.server", "config.pki_server"):
            names.add((f.fields.get("name") or "").lower())
            if f.fields.get("issuer") or f.fields.get("issuer_name"):
                names.add(_issuer_name(f.fields.get("issuer") or f.fields.get("issuer_name")))
    names.discard("")
    return names


def resolve_years(stamps: StampLog, anchors: list[Anchor], year: int | None = None,
                  today: datetime | None = None) -> dict[str, str]:
    """Give every stamped event its timezone-aware ``ts`` (``anchors``: from
    ``evidence_anchors``). Returns, for each input whose year came from something
    weaker than a printed clock, how it was found."""
    today = today or datetime.now(timezone.utc)
    # One sequence per input, device and clock era ('*' stamps vs trusted ones): devices
    # interleaved in one file, or a clock set half-way, must not look like New Year.
    # A sequence holds the events' indexes; stamps are read from the packed log one at a time.
    sequences: dict[tuple, array] = defaultdict(lambda: array("q"))
    events = stamps.events
    for i, ev in enumerate(events):
        sequences[(ev.path, ev.device, ev.clock_flag == "*")].append(i)
    assumed: dict[str, str] = {}
    for (path, _, starred), indexes in sequences.items():
        offsets = stamps.rollover_offsets(indexes)
        if year is not None:
            base = year
        else:
            era = [a for a in anchors if a.starred in (None, starred)]
            items = _Sequence(stamps, indexes)
            base, how = _base_year(path, items, offsets, era, today)
            if how and any(stamps.printed_year_and_month(i)[0] is None for i in indexes):
                assumed[path] = how
        stamps.date(indexes, offsets, base, stamp_datetime)
    return assumed


class _Sequence:
    """The (event, stamp) pairs of one sequence, built when read (a sequence may hold
    most of a million events: its pairs would be ~180 bytes each)."""

    __slots__ = ("stamps", "indexes")

    def __init__(self, stamps: StampLog, indexes: array):
        self.stamps, self.indexes = stamps, indexes

    def __len__(self) -> int:
        return len(self.indexes)

    def __getitem__(self, k: int) -> tuple[Event, Stamp]:
        i = self.indexes[k]
        return self.stamps.events[i], self.stamps.stamp(i)

    def __iter__(self):
        for i in self.indexes:
            yield self.stamps.events[i], self.stamps.stamp(i)

    def nearest(self, line: int) -> int:
        """The position of the (first) event printed nearest ``line`` (its stamp not read)."""
        first_lines = self.stamps.first_lines
        distances = [abs(first_lines[i] - line) for i in self.indexes]
        return distances.index(min(distances)) if distances else 0


def _pick(path, device, anchors: list[Anchor]) -> Anchor | None:
    """The anchor nearest the sequence: of the same file, else the same device, else the case."""
    for pool in ([a for a in anchors if a.path == path], [a for a in anchors if device and a.device == device], anchors):
        if pool:
            return max(pool, key=lambda a: a.when) if pool[0].strength == "after" else pool[-1]
    return None


def _base_year(path, items, offsets, anchors: list[Anchor], today: datetime) -> tuple[int, str]:
    """The year of the first stamp, and how it was assumed ('' when a printed clock gave it)."""
    device = next((ev.device for ev, _ in items if ev.device), None)
    anchor = _pick(path, device, [a for a in anchors if a.strength == "exact"])
    if anchor is not None:
        return _nearest_year(items, offsets, anchor), ""
    anchor = _pick(path, device, [a for a in anchors if a.strength == "day"])
    if anchor is not None:  # (before the boot default: that a certificate's start lies hours ahead dates the day)
        year = _nearest_year(items, offsets, anchor)
        return year, f"{year} from {anchor.basis} ({anchor.when:%Y-%m-%d}), the stamps carry no year"
    first_event, first = items[0]
    if first_event.clock_flag == "*" and first.month == 3 and first.day <= BOOT_DEFAULT_DAYS:
        # `*Mar  1 00:..` after a reload, `*Mar  2 08:25` a day later: a clock never set runs from the
        # boot default of router images (00:00 Mar 1 2002)
        return BOOT_DEFAULT_YEARS[1], (f"{BOOT_DEFAULT_YEARS[1]} assumed: '*Mar {first.day:2d}' stamps are the boot "
                                       "default of a router whose clock was never set, plus its uptime")
    anchor = _pick(path, device, [a for a in anchors if a.strength == "near"])
    if anchor is not None:
        year = _nearest_year(items, offsets, anchor)
        return year, f"{year} from {anchor.basis} ({anchor.when:%Y-%m-%d}), the stamps carry no year"
    anchor = _pick(path, device, [a for a in anchors if a.strength == "after"])
    if anchor is not None:
        year = _year_after(items[-1][1], anchor.when) - offsets[-1]
        return year, (f"{year} assumed: the first year after {anchor.basis} ({anchor.when:%Y-%m-%d}); "
                      "the stamps carry no year (use --year)")
    last = items[-1][1]
    year = today.year
    candidate = stamp_datetime(last, year)
    if candidate is not None and candidate > today + timedelta(days=1):
        year -= 1
    return year - offsets[-1], f"{year - offsets[-1]} assumed: the stamps carry no year and no date in the evidence dates them (use --year)"


def _nearest_year(items: _Sequence, offsets, anchor: Anchor) -> int:
    """The year that puts the stamp printed nearest the anchor closest to it."""
    if anchor.path == items[0][0].path:
        idx = items.nearest(anchor.line)
    else:
        idx = len(items) - 1
    st, when = items[idx][1], anchor.when
    year = when.year - (1 if st.month > when.month + 6 else 0) + (1 if st.month < when.month - 6 else 0)
    return year - offsets[idx]


def _year_after(stamp: Stamp, floor: datetime) -> int:
    """The first year in which the stamp falls after ``floor`` (a day of slack for zones)."""
    for year in (floor.year, floor.year + 1, floor.year + 2):  # +2: a Feb 29 stamp
        when = stamp_datetime(stamp, year)
        if when is not None and when >= floor - timedelta(days=1):
            return year
    return floor.year


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


def clock_name(case: Case, device: str | None) -> str:
    """The name of the clock that evidence of ``device`` counts in (None: the evidence names no device)."""
    return device or case.unnamed_device or DEFAULT_DEVICE


def clock_of(case: Case, device: str | None) -> "DeviceClock | None":
    """The clock of ``device``'s evidence, None when the case holds no clock evidence of it."""
    return case.clocks.get(clock_name(case, device))


def build_clock_model(case: Case) -> dict[str, DeviceClock]:
    clocks: dict[str, DeviceClock] = {}
    unnamed = clock_name(case, None)

    def clock_of(device: str | None) -> DeviceClock:
        name = device or unnamed
        if name not in clocks:
            clocks[name] = DeviceClock(name)
        return clocks[name]

    c, c_device = None, None  # the clock of the last event's device (a device's events come in a row)
    for ev in case.events:  # (one pass over up to millions of events: attributes read once)
        ts, flag, kind = ev.ts, ev.clock_flag, ev.kind
        if ts is None and not flag or kind.startswith("phone.") and ev.path:
            continue  # phones keep their own clocks; they are not the router's
        if c is None or ev.device != c_device:
            c_device = ev.device
            c = clock_of(c_device)
        if flag == "*":
            c.flagged_stamps += 1
            if not c.boot_default and ts is not None and ts.year in BOOT_DEFAULT_YEARS:
                c.boot_default = True
                c.reasons.append(f"log stamps run from the boot-default date ({ts:%b %d %Y})")
            if c.flagged_stamps == 1:
                c.evidence.append(Evidence.of(ev, "log stamps carry '*': the router says its clock is not authoritative"))
        elif ts is not None:
            c.trusted_stamps += 1
            if flag == ".":
                c.unsynced_stamps += 1
        if ts is not None:  # (a log runs forward: a later time is the common case, one comparison)
            if c.last_seen is None:
                c.first_seen = c.last_seen = ts
            elif ts > c.last_seen:
                c.last_seen = ts
            elif ts < c.first_seen:
                c.first_seen = ts
        if kind == "pki.clock.non_authoritative":
            c.authoritative = False
            c.reasons.append("PKI said the clock is not authoritative (%PKI-2-NON_AUTHORITATIVE_CLOCK)")
            c.evidence.append(Evidence.of(ev))
        elif kind == "pki.cert.invalid_not_yet_valid" and ts is not None:
            start = ev.fields.get("not_before")
            if isinstance(start, datetime):
                skew = start - ts
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


def set_capture_time(case: Case, anchors: list[Anchor]) -> None:
    """The capture's time for validity checks: ``case.reference_time``, why its year
    is an assumption (``case.reference_assumed``) and, for captures without any
    clock, the latest date the evidence proves had passed (``case.capture_floor``)."""
    case.reference_time = reference_time(case)
    if case.reference_time is not None and case.assumed_years:  # (a pass over every event: only when it may tell)
        latest = max((e for e in case.events if e.ts == case.reference_time), key=lambda e: e.source.first_line,
                     default=None)
        if latest is not None and latest.source.path in case.assumed_years:
            case.reference_assumed = case.assumed_years[latest.source.path]
    floors = [a for a in anchors if a.strength != "exact"]
    case.capture_floor = max(floors, key=lambda a: a.when) if floors else None


# Rules whose verdicts compare dates (validity, skew): `clock` rules and those tagged `validity`
# (a TLS certificate rejection read from its reason does not depend on the year; an expiry does).
TIME_JUDGING_TAGS = frozenset({"clock", "validity"})


def qualify_assumed_years(case: Case, tags_of) -> None:
    """Lower by one step the confidence of every time-judging finding (``tags_of(rule_id)``
    meets TIME_JUDGING_TAGS) that rests on a year the stamps did not print (its evidence
    comes from such an input, or it quotes the assumed reference time), and say so."""
    for f in case.findings:
        if not TIME_JUDGING_TAGS & set(tags_of(f.rule_id)):
            continue
        how = next((case.assumed_years[e.source.path] for e in f.evidence if e.source.path in case.assumed_years), "")
        if not how and case.reference_assumed and "the latest log stamp, its year" in f.message:
            how = case.reference_assumed
        if not how:
            continue
        f.confidence = Confidence(max(int(Confidence.LOW), int(f.confidence) - 1))
        f.message += (" (Confidence lowered: that year is an assumption.)" if how in f.message
                      else f" (Confidence lowered: the log stamps print no year; {how}.)")
        f.data["year_assumed"] = how
