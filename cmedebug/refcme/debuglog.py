"""The logs the devices write, stamped with each device's virtual clock.

``RouterLog`` is the router's logging buffer as an engineer captures it: the
``debug ...`` commands typed at the prompt, then debug and syslog lines in the
shapes of ``shared/domain/messages.md`` with `service timestamps debug datetime
msec` stamps (``*Mar  1 00:10:02.123: ...`` when the clock was never set).
``PhoneLog`` holds the phone's status messages and its console log.
"""
from __future__ import annotations

import threading

from cmedebug.refcme.clock import VirtualClock

# Virtual time one printed line takes; keeps stamps moving like a real buffer.
LINE_STEP = 0.004


class RouterLog:
    def __init__(self, hostname: str, clock: VirtualClock) -> None:
        self.hostname = hostname
        self.clock = clock
        self.lines: list[str] = []
        self.enabled: set[str] = set()
        self.recording = True
        self._lock = threading.Lock()

    def command(self, text: str) -> None:
        """A command typed at the enable prompt: ``CME#debug capf-server all``."""
        if self.recording:
            with self._lock:
                self.lines.append(f"{self.hostname}#{text}")

    def config(self, text: str) -> None:
        """A configuration command: ``CME(config)#crypto pki authenticate cme-sccp``."""
        if self.recording:
            with self._lock:
                self.lines.append(f"{self.hostname}(config)#{text}")

    def debug_on(self, *debugs: str) -> None:
        for name in debugs:
            if name not in self.enabled:
                self.enabled.add(name)
                self.command(f"debug {name}")

    def log(self, text: str, debug: str | None = None, step: float = LINE_STEP) -> None:
        """One stamped line; a debug line is printed only while that debug is on."""
        if debug is not None and debug not in self.enabled:
            return
        with self._lock:
            self.clock.timeline.advance(step)
            if self.recording:
                self.lines.append(f"{self.clock.stamp()}: {text}")

    def console(self, text: str) -> None:
        """An unstamped console message (``% Certificate request sent to Certificate Authority``)."""
        if self.recording:
            with self._lock:
                self.lines.append(text)

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


class PhoneLog:
    """Status messages (Settings > Status > Status Messages, one per line) and the
    console (problem-report) log: ``<seq> <LVL> <Mon dd hh:mm:ss.uuuuuu> <text>``."""

    def __init__(self, clock: VirtualClock, first_seq: int = 3300) -> None:
        self.clock = clock
        self.status: list[str] = []
        self.console: list[str] = []
        self._seq = first_seq

    def show_status(self, message: str) -> None:
        self.status.append(message)

    def note(self, level: str, text: str) -> None:
        self.clock.timeline.advance(0.001)
        now = self.clock.now
        self._seq += 1
        self.console.append(f"{self._seq} {level} {now:%b %d %H:%M:%S}.{now.microsecond:06d} {text}")
