"""Geometry of the two SVG charts of the HTML report: certificate validity
against the device clocks, and the event timeline per source. Pure numbers;
the template draws them (so every label goes through autoescape)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

CHART_WIDTH = 960
LABEL_WIDTH = 260  # left column with the row labels
ROW_HEIGHT = 26


@dataclass
class Axis:
    start: datetime
    end: datetime
    left: float = LABEL_WIDTH
    width: float = CHART_WIDTH - LABEL_WIDTH - 20

    @classmethod
    def spanning(cls, times: list[datetime]) -> "Axis":
        times = [_aware(t) for t in times]
        lo, hi = min(times), max(times)
        pad = max((hi - lo) * 0.04, timedelta(minutes=1))
        return cls(lo - pad, hi + pad)

    def x(self, t: datetime) -> float:
        span = (self.end - self.start).total_seconds() or 1.0
        return round(self.left + (_aware(t) - self.start).total_seconds() / span * self.width, 1)

    def ticks(self, count: int = 6) -> list[tuple[float, str]]:
        span = self.end - self.start
        if span > timedelta(days=8 * 365):
            fmt = "%Y"
        elif span > timedelta(days=120):
            fmt = "%Y-%m"
        elif span > timedelta(days=3):
            fmt = "%Y-%m-%d"
        else:
            fmt = "%m-%d %H:%M:%S"
        step = span / count
        return [(self.x(self.start + step * i), (self.start + step * i).strftime(fmt)) for i in range(1, count)]


def _aware(t: datetime) -> datetime:
    return t if t.tzinfo is not None else t.replace(tzinfo=timezone.utc)


@dataclass
class Marker:
    x: float
    label: str
    kind: str  # "clock" (what a device believed) | "evidence" (the real time of the evidence)
    label_y: float = 12
    anchor: str = "start"  # text-anchor: labels near the right edge end at the line


def _place_labels(markers: list[Marker]) -> float:
    """One label row per marker so that labels never overlap; returns the top of the rows below."""
    for i, mk in enumerate(markers):
        mk.label_y = 12 + i * 14
        mk.anchor = "end" if mk.x > CHART_WIDTH * 0.6 else "start"
    return 20 + len(markers) * 14


@dataclass
class CertRow:
    y: float
    label: str
    depth: int  # 0 for a root, 1 for what it issued, ...
    x1: float
    x2: float
    open_start: bool  # the start date is unknown (seen only in a rejection)
    open_end: bool
    state: str  # "valid" | "expired" | "not-yet-valid" | "open" (one date unknown) | "unknown" (no time)
    anchor: str

    @property
    def width(self) -> float:
        return round(max(self.x2 - self.x1, 2), 1)


@dataclass
class CertChart:
    axis: Axis
    rows: list[CertRow]
    markers: list[Marker]
    height: float
    ticks: list[tuple[float, str]]


def cert_chart(certs: list[dict], clocks: list[tuple[str, datetime]],
               evidence_time: datetime | None) -> CertChart | None:
    """``certs``: dicts with label, depth, anchor, not_before, not_after (either may be None)."""
    times = [t for c in certs for t in (c["not_before"], c["not_after"]) if t is not None]
    times += [t for _, t in clocks] + ([evidence_time] if evidence_time else [])
    if not certs or not times:
        return None
    axis = Axis.spanning(times)
    markers = [Marker(axis.x(t), f"{device} clock {t:%Y-%m-%d %H:%M}", "clock") for device, t in clocks]
    if evidence_time:
        markers.append(Marker(axis.x(evidence_time), f"evidence time {evidence_time:%Y-%m-%d %H:%M}", "evidence"))
    top = _place_labels(markers)
    rows = []
    for i, c in enumerate(certs):
        start, end = c["not_before"], c["not_after"]
        rows.append(CertRow(
            y=top + i * ROW_HEIGHT, label=c["label"], depth=c["depth"], anchor=c["anchor"],
            x1=axis.x(start) if start else axis.left, x2=axis.x(end) if end else axis.left + axis.width,
            open_start=start is None, open_end=end is None, state=validity_state(start, end, evidence_time)))
    return CertChart(axis, rows, markers, top + len(rows) * ROW_HEIGHT + 30, axis.ticks())


def validity_state(start: datetime | None, end: datetime | None, when: datetime | None) -> str:
    if when is None:
        return "unknown"
    if end is not None and when > end:
        return "expired"
    if start is not None and when < start:
        return "not-yet-valid"
    return "valid" if start is not None and end is not None else "open"  # no known bound crossed


@dataclass
class Lane:
    y: float
    label: str
    anchor: str
    dots: list[tuple[float, bool]] = field(default_factory=list)  # (x, failure), one per pixel column
    untrusted: list[tuple[float, float]] = field(default_factory=list)  # (x, width) of runs of '*' stamps


@dataclass
class TimelineChart:
    axis: Axis
    lanes: list[Lane]
    jumps: list[Marker]
    height: float
    ticks: list[tuple[float, str]]
    events: int
    undated: int


def timeline_chart(frame, lanes: list[tuple[str, str, str]], jumps: list[tuple[datetime, str]],
                   is_failure) -> TimelineChart | None:
    """``frame`` is the case timeline (pandas); ``lanes`` (path, label, anchor) in
    display order; ``jumps`` clock changes; ``is_failure(kind)`` colours a dot."""
    dated = frame[frame["ts"].notna()]
    if dated.empty:
        return None
    times = [t.to_pydatetime() for t in (dated["ts"].min(), dated["ts"].max())]
    axis = Axis.spanning(times + [t for t, _ in jumps])
    span = (axis.end - axis.start).total_seconds() or 1.0
    # one dot per pixel column: the x of every event, computed on the whole column at once
    xs = (axis.left + (dated["ts"] - axis.start).dt.total_seconds() / span * axis.width).round(0)
    failing = {kind: bool(is_failure(kind)) for kind in dated["kind"].unique()}
    failures = dated["kind"].map(failing)
    untrusted = dated["clock_flag"].eq("*")
    out: list[Lane] = []
    for path, label, anchor in lanes:
        here = dated["path"] == path
        if not here.any():
            continue
        lane = Lane(30 + len(out) * ROW_HEIGHT, label, anchor)
        lane.dots = [(float(x), bool(f)) for x, f in failures[here].groupby(xs[here]).any().items()]
        flagged = untrusted[here]
        runs = (flagged != flagged.shift()).cumsum()[flagged]  # consecutive '*' stamps share a run number
        for _, run_xs in xs[here][flagged].groupby(runs):
            lane.untrusted.append((float(run_xs.min()) - 3, float(run_xs.max() - run_xs.min()) + 6))
        out.append(lane)
    markers = [Marker(axis.x(t), label, "clock") for t, label in jumps]
    return TimelineChart(axis, out, markers, 30 + len(out) * ROW_HEIGHT + 30, axis.ticks(),
                         len(dated), len(frame) - len(dated))
