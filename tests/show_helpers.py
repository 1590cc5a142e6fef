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
