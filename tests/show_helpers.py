"""Helpers of the show-command and configuration parser tests: read a capture
through the normal pipeline and pick facts."""
from __future__ import annotations

from pathlib import Path

from cmedebug.model import Case
from cmedebug.pipeline import load

GOLDEN = Path(__file__).parent / "golden" / "parsers"


def load_text(tmp_path: Path, text: str, name: str = "capture.txt") -> Case:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load([str(path)], year=2025)


def facts(case: Case, kind: str) -> list:
    """Facts of exactly this kind, in input order."""
    return [f for f in case.facts if f.kind == kind]


def unparsed_texts(case: Case) -> list[str]:
    return [u.text for u in case.unparsed]


def write_router_log_and_unprompted_clock(folder: Path) -> None:
    """One router's two captures: a log whose prompt names it (CME) and its `show clock detail`
    saved without a prompt, as a `show tech-support` section."""
    (folder / "router.log").write_text(
        "CME#debug crypto pki transactions\n"
        "*Mar  2 08:25:05.575: %PKI-2-NON_AUTHORITATIVE_CLOCK: PKI functions can not be initialized until an "
        "authoritative time source, like NTP, can be obtained.\n")
    (folder / "tech.txt").write_text("------------------ show clock detail ------------------\n\n"
                                     "*08:25:07.634 UTC Mon Mar 2 2026\nTime source is hardware calendar\n")

