"""Progress on standard error: a bar on a terminal, a line every few seconds
otherwise, nothing with --quiet (issue 17)."""
from __future__ import annotations

import io
import os
import pty
import select
import subprocess
import sys

from click.testing import CliRunner

from cmedebug import progress
from cmedebug.cli import main

LINE = ("Nov 26 10:15:02 cme-hq 000{n}: .Nov 26 10:15:02.014: %IPPHONE-6-REGISTER: ephone-1:SEP000E325C9A43 "
        "IP:10.10.10.194 Socket:3 DeviceType:Phone has registered.\n")


def _log(tmp_path, lines: int = 25_000):
    path = tmp_path / "router.log"
    path.write_text("".join(LINE.format(n=n) for n in range(lines)))
    return path


def test_line_reporter_waits_for_its_interval():
    now = [0.0]
    out = io.StringIO()
    rep = progress.LineReporter(out, interval=5, clock=lambda: now[0])
    rep.stage("parsing big.log", 148_000_000, "bytes")
    rep.update(1_000_000, 20_000)
    assert out.getvalue() == ""  # nothing within the first five seconds
    now[0] = 12.0
    rep.update(61_000_000, 1_200_000)
    assert out.getvalue() == "cmedebug: parsing big.log: 1,200,000 lines, 61 of 148 MB (41%), 12 s\n"
    now[0] = 13.0
    rep.update(70_000_000, 1_300_000)
    assert out.getvalue().count("\n") == 1  # one line per interval, not per update
    now[0] = 18.0
    rep.stage("judging", 70, "rules")
    assert out.getvalue().splitlines()[-1] == "cmedebug: judging: 0 of 70 rules, 18 s"


def test_names_cannot_drive_the_terminal():
    assert "\x1b" not in progress.describe("parsing \x1b]0;owned\x07x.log", 1, None, "lines", None)


def test_not_a_terminal_prints_lines_and_quiet_silences_them(tmp_path, monkeypatch):
    monkeypatch.setattr(progress, "LINE_INTERVAL_S", 0)  # every report, so the test needs no big input
    monkeypatch.setattr(progress, "EVERY_LINES", 1_000)
    log = _log(tmp_path, 2_500)
    loud = CliRunner().invoke(main, ["analyze", "--format", "json", "-o", os.devnull, str(log)])
    lines = loud.stderr.splitlines()
    # a report every 1,000 lines or so (a routine run of lines is reported at its first line)
    read = [int(line.split(": ")[2].split(" lines")[0].replace(",", "")) for line in lines
            if line.startswith(f"cmedebug: reading and parsing {log}: ") and " lines, " in line]
    assert len(read) >= 2 and read == sorted(set(read)) and read[0] >= 1_000 and read[-1] <= 2_500, lines
    assert all(later - earlier >= 1_000 for earlier, later in zip(read, read[1:])), read
    assert any(line.startswith("cmedebug: judging: ") and " rules, " in line for line in lines), lines
    quiet = CliRunner().invoke(main, ["analyze", "--quiet", "--format", "json", "-o", os.devnull, str(log)])
    assert "cmedebug:" not in quiet.stderr
    assert quiet.exit_code == loud.exit_code


def _stderr_on_a_terminal(args: list[str]) -> bytes:
    """Run cmedebug with its standard error on a pseudo-terminal; what the terminal received."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "cmedebug", *args], stdout=subprocess.DEVNULL, stderr=slave,
                            env={**os.environ, "TERM": "xterm", "COLUMNS": "120"})
    os.close(slave)
    received = b""
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        received += chunk
    proc.wait(timeout=120)
    os.close(master)
    return received


def test_a_terminal_gets_a_bar_and_quiet_silences_it(tmp_path):
    log = _log(tmp_path)
    shown = _stderr_on_a_terminal(["analyze", "--format", "json", "-o", os.devnull, str(log)])
    assert b"judging" in shown and "━".encode() in shown  # rich's bar, drawn in place
    assert b"\x1b[" in shown  # cursor movement: the bar is redrawn, then cleared
    assert _stderr_on_a_terminal(["analyze", "--quiet", "--format", "json", "-o", os.devnull, str(log)]) == b""
