"""A replay's results in the reports: the HTML section "Reproduced on the reference CME",
and the verdict lines a case note carries (cmedebug.replay.results)."""
from __future__ import annotations

from pathlib import Path

import pytest

from cmedebug.pipeline import analyze
from cmedebug.replay.results import NotAReplay, caution, load, verdict_line
from cmedebug.replay.run import replay
from cmedebug.reports.html import render

SAMPLES = Path(__file__).resolve().parents[1] / "sample_logs"


@pytest.fixture(scope="module")
def replayed(tmp_path_factory):
    out = tmp_path_factory.mktemp("replay") / "out"
    case = [str(p) for p in sorted((SAMPLES / "secure-listener-down").iterdir()) if p.name != "scenario.toml"]
    replay(case, out)
    return case, out


def test_the_html_report_gains_the_replay_section(replayed):
    case, out = replayed
    table = load(out)
    html = render(analyze(case), replay=table)
    assert '<section id="replay">' in html and '<a href="#replay">' in html
    assert "Reproduced on the reference CME" in html
    assert f"<strong>{table['verdict']}</strong>" in html
    assert "First root cause in the case</th><td>TLS001" in html
    assert "CME(config-telephony)#" in html  # what the CLI answered, escaped text in a <pre>
    assert '<section id="replay">' not in render(analyze(case))


def test_replay_values_are_escaped(replayed):
    case, out = replayed
    table = load(out)
    table["assumptions"] = ["<script>alert(1)</script>"]
    html = render(analyze(case), replay=table)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_fix_that_could_not_be_played_shows_why(replayed):
    case, out = replayed
    table = {**load(out), "fix_verdict": "fix not tried",
             "fix": {"verdict": "not tried", "reasons": ["the fix could not be played: OSError: boom"]}}
    html = render(analyze(case), replay=table)
    assert "fix not tried" in html and "the fix could not be played: OSError: boom" in html
    assert caution(table) == ("The fix was not confirmed on the reference CME: "
                              "the fix could not be played: OSError: boom.")


def test_case_note_lines(replayed):
    _, out = replayed
    table = load(out)
    line = verdict_line(table)
    assert line.startswith(f"{table['verdict']}; {table['fix_verdict']} (first root cause TLS001")
    confirmed = table["verdict"] == "reproduced" and table["fix_verdict"] == "fix confirmed"
    assert (caution(table) is None) == confirmed
    assert caution({**table, "fix_verdict": "fix not confirmed", "fix": {"reasons": ["x failed"]}}) == \
        "The fix was not confirmed on the reference CME: x failed."
    assert caution({"verdict": "nothing to reproduce"}) is None


def test_a_folder_without_replay_toml_is_named_in_the_error(tmp_path):
    with pytest.raises(NotAReplay, match="holds no replay.toml: run `cmedebug replay CASE --out"):
        load(tmp_path)
    (tmp_path / "replay.toml").write_text('format = "other"\nverdict = "x"\n')
    with pytest.raises(NotAReplay, match="is not a cmedebug replay result"):
        load(tmp_path)


def test_analyze_html_with_replay_and_triage_with_replay(replayed, tmp_path):
    from click.testing import CliRunner

    from cmedebug.cli import main

    case, out = replayed
    html = tmp_path / "report.html"
    result = CliRunner().invoke(main, ["analyze", *case, "--html", str(html), "--replay", str(out)])
    assert result.exit_code in (0, 1), result.output
    assert '<section id="replay">' in html.read_text()
    note = CliRunner().invoke(main, ["triage", str(Path(case[0]).parent), "--replay", str(out)])
    assert f"Reproduced on the reference CME: {verdict_line(load(out))}" in note.output
    missing = CliRunner().invoke(main, ["analyze", *case, "--html", str(html), "--replay", str(tmp_path / "none")])
    assert missing.exit_code == 2 and "holds no replay.toml" in missing.output
