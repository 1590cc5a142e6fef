"""The 95% bar of issue 3: on every sample of ../shared/corpus (read from there,
skipped when absent), at least 95% of the non-empty lines are attributed to an
event, a fact or a recognised block."""
from __future__ import annotations

from pathlib import Path

import pytest

from cmedebug.pipeline import load

BAR = 0.95
# the same place the corpus_dir fixture reads; only the names are needed to parametrize
_CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
SAMPLES = sorted(p.name for p in _CORPUS.glob("*.log"))


def test_the_corpus_is_there_to_measure(corpus_dir: Path):
    assert len(SAMPLES) >= 25


@pytest.mark.parametrize("name", SAMPLES)
def test_corpus_sample_is_understood(corpus_dir: Path, name: str):
    case = load([str(corpus_dir / name)], year=2025)
    summary = case.inputs[0]
    unparsed = [f"{u.source.first_line}: {u.text[:80]}" for u in case.unparsed]
    assert summary.error is None, summary.error
    assert summary.coverage >= BAR, (
        f"{name}: {summary.understood_lines}/{summary.nonblank_lines} lines understood "
        f"({summary.coverage:.0%}); not understood:\n" + "\n".join(unparsed))
