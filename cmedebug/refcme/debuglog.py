"""The logs the devices write, stamped with each device's virtual clock.

``RouterLog`` is the router's logging buffer as an engineer captures it: the
``debug ...`` commands typed at the prompt, then debug and syslog lines with
`service timestamps debug datetime msec` stamps (``*Mar  1 00:10:02.123: ...``
when the clock is not authoritative). Every line is a message of the catalogue
(``cmedebug/data/messages.toml``), printed by id and refused when the router's
IOS train does not print it; a debug line appears only while its debug is on.
``PhoneLog`` holds the phone's status messages and its console log.
"""
from __future__ import annotations

import threading

from cmedebug.messages import catalogue, render
from cmedebug.refcme.clock import VirtualClock

# Virtual time one printed line takes; keeps stamps moving like a real buffer.
LINE_STEP = 0.004


# The debugs whose answer at the prompt ios-commands.md 2.1 shows (the others print none there)
DEBUG_ANSWERS = {"ephone register": "exec.debug-ephone-register-on", "credentials": "exec.debug-credentials-on"}

class RouterLog:
    def __init__(self, hostname: str, clock: VirtualClock, train: str = "15") -> None:
        self.hostname = hostname
        self.clock = clock
        self.train = train
        self.lines: list[str] = []
        self.enabled: set[str] = set()
        self.recording = True
        self._lock = threading.Lock()

    def text_of(self, mid: str, **fields) -> str:
        """Message ``mid`` as this router's train prints it (``TrainError`` otherwise)."""
        return render(mid, self.train, **{"host": self.hostname, **fields})

    def _shown(self, mid: str) -> bool:
        """A debug message (or a line a debug prints unstamped) only while that debug is on."""
        facility = catalogue()[mid].facility
        return not facility.startswith("debug ") or facility[len("debug "):] in self.enabled

    def _append(self, line: str) -> None:
        if self.recording:
            with self._lock:
                self.lines.append(line)

    def say(self, mid: str, **fields) -> None:
        """An unstamped line: a command at a prompt, console output, a dialog."""
        if self._shown(mid):
            self._append(self.text_of(mid, **fields))

    def print_output(self, line: str) -> None:
        """A line of command output already rendered from the catalogue (a `show` typed mid-capture)."""
        self._append(line)

    def debug_on(self, *debugs: str) -> None:
        for name in debugs:
            if name not in self.enabled:
                self.enabled.add(name)
                self.say("exec.debug", debug=name)
                if name in DEBUG_ANSWERS:
                    self.say(DEBUG_ANSWERS[name])

    def wait(self, seconds: float) -> None:
        """Virtual time passing with nothing printed (a key being generated, a timeout)."""
        self.clock.timeline.advance(seconds)

    def emit(self, mid: str, step: float = LINE_STEP, **fields) -> None:
        """One stamped debug or syslog line; ``step`` is the virtual time it took."""
        if not self._shown(mid):
            return
        text = self.text_of(mid, **fields)
        with self._lock:
            self.clock.timeline.advance(step)
            if self.recording:
                self.lines.append(f"{self.clock.stamp()}: {text}")

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

    def show_status(self, mid: str, **fields) -> None:
        self.status.append(render(mid, **fields))

    def note(self, mid: str, **fields) -> None:
        self.clock.timeline.advance(0.001)
        now = self.clock.now
        self._seq += 1
        self.console.append(render(mid, seq=self._seq, stamp=f"{now:%b %d %H:%M:%S}.{now.microsecond:06d}", **fields))
