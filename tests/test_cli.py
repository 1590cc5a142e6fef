"""The command line as a user runs it: help, version, formats, exit codes, bad inputs."""
from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cmedebug import __version__
from cmedebug.cli import main

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "sample_logs" / "clock-never-set" / "router.log"
NOT_YET_VALID = (
    "*Mar  1 00:41:13.841: %PKI-3-CERTIFICATE_INVALID_NOT_YET_VALID: Certificate chain validation has failed.  "
    "The certificate (SN: 0B) is not yet valid   Validity period starts on 09:12:44 UTC Nov 20 2026\n")


def run(*args, input=None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def test_version():
    result = run("--version")
    assert result.exit_code == 0 and __version__ in result.output


def test_help_teaches_the_commands():
    out = run("--help").output
    for word in ("analyze", "rules", "kinds", "cmedebug analyze case-folder/"):
        assert word in out
    analyze_help = run("analyze", "--help").output
    for option in ("--format", "--fail-on", "--kind", "--year", "--stats", "Examples:"):
        assert option in analyze_help


def test_python_dash_m_works():
    proc = subprocess.run([sys.executable, "-m", "cmedebug", "--version"], capture_output=True, text=True)
    assert proc.returncode == 0 and __version__ in proc.stdout


def test_analyze_sample_text_report():
    result = run("analyze", str(SAMPLE))
    assert result.exit_code == 1  # a high finding, default --fail-on high
    out = result.output
    assert "lines understood" in out and "never set" in out
    assert out.index("CLK001") < out.index("CLK002")
    line_no = next(n for n, line in enumerate(SAMPLE.read_text().splitlines(), 1) if "NOT_YET_VALID" in line)
    assert f"router.log:{line_no}" in out  # evidence with file:line
    assert "ntp server" in out  # remediation


def test_analyze_json_matches_the_text_findings():
    result = run("analyze", "--format", "json", str(SAMPLE))
    data = json.loads(result.output)
    assert data["schema"].startswith("cmedebug.report/")
    rules = [f["rule_id"] for f in data["findings"]]
    assert rules[0] == "CLK001" and "CLK002" in rules
    clk002 = next(f for f in data["findings"] if f["rule_id"] == "CLK002")
    assert clk002["explained_by"] == [data["findings"][0]["id"]]
    # the scenario's truth (scenario.toml): a calendar 47 min behind after a reload, the certificate issued
    # minutes before it: 35 min of skew on 2026's calendar, not the 24 years of a boot-default reading
    assert 30 * 60 < clk002["data"]["skew_seconds"] < 40 * 60
    assert data["inputs"][0]["lines"] == len(SAMPLE.read_text().splitlines())


@pytest.mark.parametrize("fail_on, code", [("critical", 0), ("high", 1), ("info", 1)])
def test_fail_on_sets_the_exit_code(fail_on, code):
    assert run("analyze", "--fail-on", fail_on, str(SAMPLE)).exit_code == code


def test_usage_errors_exit_2():
    assert run("analyze").exit_code == 2
    assert run("analyze", "--kind", "nonsense", str(SAMPLE)).exit_code == 2
    assert run("analyze", "--rule", "XYZ999", str(SAMPLE)).exit_code == 2


def test_missing_file_is_named_and_others_still_analysed(tmp_path):
    good = tmp_path / "good.log"
    good.write_text(NOT_YET_VALID)
    result = CliRunner().invoke(main, ["analyze", "--format", "json", str(tmp_path / "nope.log"), str(good)])
    assert result.exit_code == 1  # the readable input still produced a high finding
    data = json.loads(result.stdout)
    assert data["inputs"][0]["error"] == "no such file or folder"
    assert any(f["rule_id"] == "CLK002" for f in data["findings"])
    assert "nope.log" in result.stderr


def test_only_unreadable_inputs_exit_2(tmp_path):
    result = run("analyze", str(tmp_path / "missing.log"))
    assert result.exit_code == 2 and "NOT READ" in result.output
    # a mistyped path: the report says nothing could be read, not what 76 rules would like collected
    assert "no input could be read" in result.output and "collect next" not in result.output


def test_an_input_nothing_was_understood_in_is_not_labelled_with_a_guessed_kind(tmp_path):
    """Random bytes sniffed as `pki` from a stray word, then not one line read as pki: `unrecognised`."""
    path = tmp_path / "blob.log"
    path.write_bytes(bytes(range(256)) * 8 + b"\ncrypto pki nothing\n")
    data = json.loads(run("analyze", "--format", "json", str(path), str(tmp_path / "missing.log")).stdout)
    assert data["inputs"][0]["kind"] == "unrecognised" and data["inputs"][0]["error"]
    good = tmp_path / "good.log"
    good.write_text(NOT_YET_VALID)
    both = run("analyze", str(path), str(good)).output
    assert "no input could be read" not in both and "collect next" in both  # (one input was read)


def test_garbage_bytes_are_counted_not_fatal(tmp_path):
    path = tmp_path / "garbage.log"
    path.write_bytes(b"\x80\xfa junk \x81\xc3\n" + NOT_YET_VALID.encode())
    data = json.loads(run("analyze", "--format", "json", str(path)).output)
    summary = data["inputs"][0]
    assert summary["replaced_bytes"] >= 3 and "replaced" in summary["warnings"][0]
    assert any(f["rule_id"] == "CLK002" for f in data["findings"])


def test_empty_file(tmp_path):
    path = tmp_path / "empty.log"
    path.write_bytes(b"")
    result = run("analyze", "--format", "json", str(path))
    data = json.loads(result.output)
    assert result.exit_code == 0 and data["inputs"][0]["kind"] == "empty" and data["findings"] == []


def test_folder_is_walked_recursively_and_gz_is_read(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.log.gz").write_bytes(gzip.compress(NOT_YET_VALID.encode()))
    (tmp_path / "b.txt").write_text("wilson_19#show clock\n*04:45:00.857 UTC Thu Aug 7 2025\n")
    data = json.loads(run("analyze", "--format", "json", str(tmp_path)).output)
    paths = [Path(i["path"]).name for i in data["inputs"]]
    assert paths == ["b.txt", "a.log.gz"]
    assert data["inputs"][1]["events"] == 1


def test_empty_folder_is_reported(tmp_path):
    result = run("analyze", str(tmp_path))
    assert result.exit_code == 2 and "holds no files" in result.output


def test_stdin(tmp_path):
    result = run("analyze", "--format", "json", "-", input=NOT_YET_VALID)
    data = json.loads(result.output)
    assert data["inputs"][0]["path"] == "<stdin>"
    assert any(f["rule_id"] == "CLK002" for f in data["findings"])


def test_stdin_through_a_real_pipe():
    proc = subprocess.run([sys.executable, "-m", "cmedebug", "analyze", "--format", "json", "-"],
                          input=NOT_YET_VALID, capture_output=True, text=True)
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["findings"][0]["rule_id"] in ("CLK001", "CLK002")


def test_output_file(tmp_path):
    target = tmp_path / "report.json"
    result = run("analyze", "--format", "json", "-o", str(target), str(SAMPLE))
    assert result.output == "" and json.loads(target.read_text())["findings"]


def test_year_option_sets_the_year_of_stamps(tmp_path):
    path = tmp_path / "a.log"
    path.write_text(NOT_YET_VALID)
    data = json.loads(run("analyze", "--format", "json", "--year", "2026", str(path)).output)
    clk002 = next(f for f in data["findings"] if f["rule_id"] == "CLK002")
    assert clk002["first_seen"].startswith("2026-03-01T00:41:13")


def test_rules_list_and_explain():
    listing = run("rules", "list").output
    assert "CLK001" in listing and "certificate-not-yet-valid-clock-skew" in listing
    page = run("rules", "explain", "clk002")
    assert page.exit_code == 0 and "What it detects" in page.output and "Verify with" in page.output
    assert run("rules", "explain", "NOPE1").exit_code == 2


def test_stats_lists_unparsed_shapes(tmp_path):
    path = tmp_path / "a.log"
    path.write_text("*Mar  1 00:00:01.000: something nobody parses 123\n" * 3 + NOT_YET_VALID)
    out = run("analyze", "--stats", str(path)).output
    assert "3 unparsed line(s)" in out and "something nobody parses #" in out


def test_folder_walk_passes_over_the_scenario_description(tmp_path):
    (tmp_path / "scenario.toml").write_text('name = "x"\n')
    (tmp_path / "router.log").write_text(NOT_YET_VALID)
    data = json.loads(run("analyze", "--format", "json", str(tmp_path)).output)
    assert [Path(i["path"]).name for i in data["inputs"]] == ["router.log"]


def test_zip_members_pass_over_the_scenario_description_too(tmp_path):
    import zipfile

    archive = tmp_path / "case.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("case/scenario.toml", 'name = "x"\n')
        zf.writestr("case/router.log", NOT_YET_VALID)
    data = json.loads(run("analyze", "--format", "json", str(archive)).output)
    assert [i["path"].rsplit("/", 1)[-1] for i in data["inputs"]] == ["router.log"]


def test_the_kind_reported_is_what_the_parsers_read(tmp_path):
    mixed = tmp_path / "capture.log"
    mixed.write_text(NOT_YET_VALID + "R1#show clock\n*00:41:07.219 UTC Fri Mar 1 2002\n"
                     "*Mar  1 00:41:12.834: Start TLS Handshake 0 10.10.10.21 51617\n")
    single = tmp_path / "clock.txt"
    single.write_text("R1#show clock\n*00:41:07.219 UTC Fri Mar 1 2002\n")
    data = json.loads(run("analyze", "--format", "json", str(mixed), str(single)).output)
    kinds = {Path(i["path"]).name: i["kind"] for i in data["inputs"]}
    assert kinds["clock.txt"] == "show-clock"
    assert kinds["capture.log"].startswith("mixed: ") and "show-clock" in kinds["capture.log"]


def test_a_rule_that_raises_does_not_cost_the_other_findings(monkeypatch):
    from cmedebug import engine

    class Broken(engine.Rule):
        id, name, title = "ZZZ999", "broken-rule", "A rule with a bug"

        def evaluate(self, case):
            raise KeyError("trustpoint")

    engine.all_rules()
    monkeypatch.setitem(engine._RULES, "ZZZ999", Broken)
    result = run("analyze", "--format", "json", str(SAMPLE))
    data = json.loads(result.output)
    assert any(f["rule_id"] == "CLK001" for f in data["findings"])
    assert {"rule_id": "ZZZ999", "status": "error"}.items() <= next(
        o for o in data["rules"] if o["rule_id"] == "ZZZ999").items()
    assert "KeyError" in next(o for o in data["rules"] if o["rule_id"] == "ZZZ999")["error"]
    assert "ZZZ999: KeyError" in run("analyze", str(SAMPLE)).output


def test_ctrl_c_while_reading_reports_what_was_read(tmp_path, monkeypatch):
    """Ctrl-C half-way through a long log: the lines read before it are judged and reported, the
    input says where the reading stopped, and the inputs after it are named as not read (one line
    on standard error, however many there are)."""
    from cmedebug.parsers.base import Context

    log = tmp_path / "a.log"
    log.write_text(NOT_YET_VALID + "".join(f"Nov 26 10:0{i}:00.000: %LINK-3-UPDOWN: Interface Gi0/{i}, changed "
                                           "state to up\n" for i in range(5)))
    later = [tmp_path / f"z{i}.log" for i in range(3)]
    for path in later:
        path.write_text(NOT_YET_VALID)
    syslog_event = Context.syslog_event

    def interrupted(self, kind, line, number, *args):  # (the signal arrives while line 3 is read)
        if number == 3:
            raise KeyboardInterrupt
        return syslog_event(self, kind, line, number, *args)

    monkeypatch.setattr(Context, "syslog_event", interrupted)
    result = run("analyze", "--format", "json", str(log), *map(str, later))
    data = json.loads(result.stdout)
    first, *rest = data["inputs"]
    assert first["error"].startswith("read stopped early: interrupted (Ctrl-C)") and first["lines"] < 7
    assert any(f["rule_id"] == "CLK002" for f in data["findings"])  # from the lines read before Ctrl-C
    assert [r["error"] for r in rest] == ["the reading was interrupted (Ctrl-C) before it"] * 3
    assert "interrupted: 3 more input(s) not read" in result.stderr
    assert result.stderr.count("z1.log") == 0


def test_rules_explain_takes_a_rule_name_and_names_the_closest_ids_on_a_miss():
    by_name = run("rules", "explain", "clock-not-authoritative")
    assert by_name.exit_code == 0 and by_name.output.startswith("CLK001 clock-not-authoritative:")
    missed = run("rules", "explain", "CLK01")
    assert missed.exit_code == 2 and "no rule 'CLK01' (did you mean CLK001" in missed.output
