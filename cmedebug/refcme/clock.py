"""Virtual clocks: one shared timeline, one clock per device.

Nothing in the reference CME reads the wall clock. A ``Timeline`` counts the
seconds elapsed in the simulated world; each device's ``VirtualClock`` maps that
elapsed time to what the device believes the date is, with the marker IOS
prints: ``*`` never set / not authoritative, ``.`` NTP configured but not
synchronised, nothing when the time is trusted. Every validity decision reads
the deciding device's clock.
"""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

UTC = timezone.utc
# Router-class IOS images start an unset clock at 00:00 UTC Fri Mar 1 2002
# (primer §3.0, "boot default"; switch-class images use Mon Mar 1 1993).
IOS_BOOT_DEFAULT = datetime(2002, 3, 1, tzinfo=UTC)

# Clock sources and the marker IOS prints for each; `calendar`: set from the battery calendar
# at boot, not authoritative until NTP synchronises (no `clock calendar-valid`).
FLAGS = {"ntp": "", "manual": "", "never-set": "*", "ntp-unsynchronised": ".", "calendar": "*"}
# `show clock detail`: `Time source is ...` per clock source (primer F01, LABNOTES)
TIME_SOURCES = {"ntp": "NTP", "manual": "user configuration", "calendar": "hardware calendar",
                "ntp-unsynchronised": "NTP", "never-set": "hardware calendar"}


class Timeline:
    """Seconds elapsed in the simulated world (shared by every device, thread-safe)."""

    def __init__(self) -> None:
        self._elapsed = 0.0
        self._lock = threading.Lock()

    @property
    def elapsed(self) -> float:
        return self._elapsed

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._elapsed += seconds


class VirtualClock:
    """What one device believes the time is: ``origin`` at the moment it was set,
    moving with the shared timeline."""

    def __init__(self, timeline: Timeline, origin: datetime, source: str = "ntp") -> None:
        if source not in FLAGS:
            raise ValueError(f"unknown clock source {source!r}; choose one of {', '.join(FLAGS)}")
        self.timeline = timeline
        self.source = source
        self._origin = origin
        self._set_at = timeline.elapsed

    @property
    def now(self) -> datetime:
        return self._origin + timedelta(seconds=self.timeline.elapsed - self._set_at)

    @property
    def flag(self) -> str:
        return FLAGS[self.source]

    def set(self, when: datetime, source: str) -> None:
        """``clock set`` / NTP synchronisation / a reload (``never-set`` at the boot default)."""
        self.__init__(self.timeline, when, source)

    def reload_unset(self) -> None:
        """A reload of a router whose calendar lost its time (battery failed): the boot default."""
        self.set(IOS_BOOT_DEFAULT, "never-set")

    def reload_from_calendar(self, calendar_behind: float) -> None:
        """A reload of an ISR G2: the software clock is set from the battery calendar (BSMTIME),
        which lags ``calendar_behind`` seconds when NTP never updated it (`ntp update-calendar`)."""
        self.set(self.now - timedelta(seconds=calendar_behind), "calendar")

    @property
    def time_source(self) -> str:
        return TIME_SOURCES[self.source]

    def stamp(self) -> str:
        """Log prefix with `service timestamps debug datetime msec`: ``*Mar  1 00:10:02.123``."""
        now = self.now
        return f"{self.flag}{now:%b} {now.day:>2} {now:%H:%M:%S}.{now.microsecond // 1000:03d}"

    def show_clock(self) -> str:
        """`show clock`: ``*00:12:07.431 UTC Fri Mar 1 2002``."""
        now = self.now
        return f"{self.flag}{now:%H:%M:%S}.{now.microsecond // 1000:03d} UTC {now:%a %b} {now.day} {now.year}"


def clock_update(before: datetime, after: datetime, by: str = "admin") -> dict:
    """The fields of `%SYS-6-CLOCKUPDATE` after a manual `clock set` (primer §3.0)."""
    def day(t: datetime) -> str:
        return f"{t:%H:%M:%S} UTC {t:%a %b} {t.day} {t.year}"
    return {"before": day(before), "after": day(after), "by": by}


def ios_date(when: datetime) -> str:
    """Certificate dates as IOS prints them: ``13:46:57 UTC Dec 1 2007``."""
    when = when.astimezone(UTC)
    return f"{when:%H:%M:%S} UTC {when:%b} {when.day} {when.year}"
