"""Every real sample in ../shared/corpus is read without an input error, and the
report says how much of it was understood."""
from __future__ import annotations

import json

from click.testing import CliRunner

from cmedebug.cli import main


def test_every_corpus_file_is_analysed(corpus_dir):
    files = sorted(corpus_dir.glob("*.log"))
    assert files
    for path in files:
        result = CliRunner().invoke(main, ["analyze", "--format", "json", "--fail-on", "critical", str(path)])
        assert result.exit_code in (0, 1), (path.name, result.output[-500:])
        summary = json.loads(result.stdout)["inputs"][0]
        assert summary["error"] is None, (path.name, summary["error"])
        assert summary["nonblank_lines"] > 0 and 0 < summary["coverage"] <= 1


def test_issue_samples_show_coverage_in_text(corpus_dir):
    for pattern in ("15_*.log", "18_*.log", "33_*.log"):
        path = next(corpus_dir.glob(pattern))
        out = CliRunner().invoke(main, ["analyze", str(path)]).output
        assert "lines understood" in out and path.name in out
