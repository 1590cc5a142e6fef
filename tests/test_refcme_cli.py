"""`cmedebug reproduce`: list, one scenario, usage errors."""
from __future__ import annotations

from click.testing import CliRunner

from cmedebug.cli import main
from cmedebug.refcme.scenarios import SCENARIOS


def test_list_names_every_scenario():
    result = CliRunner().invoke(main, ["reproduce", "--list"])
    assert result.exit_code == 0
    listed = [line.split()[0] for line in result.output.splitlines()]
    assert listed == list(SCENARIOS)


def test_one_scenario_writes_its_folder(tmp_path):
    out = tmp_path / "case"
    result = CliRunner().invoke(main, ["reproduce", "sast-changed", "--out", str(out), "--seed", "2"])
    assert result.exit_code == 0, result.output
    assert "sast-changed: phone registered-secure" in result.output
    assert "Trust List update failed" in (out / "phone-status.txt").read_text()
    assert 'seed = 2' in (out / "scenario.toml").read_text()


def test_usage_errors_exit_2(tmp_path):
    runner = CliRunner()
    assert runner.invoke(main, ["reproduce", "no-such-fault", "--out", str(tmp_path)]).exit_code == 2
    assert runner.invoke(main, ["reproduce", "healthy"]).exit_code == 2
    assert runner.invoke(main, ["reproduce", "healthy", "--all", "--out", str(tmp_path)]).exit_code == 2


def test_a_misspelt_scenario_is_named_with_the_closest_one_before_anything_else():
    """`reproduce cert-expird` (no --out yet): the name is what is wrong, and the closest is offered."""
    result = CliRunner().invoke(main, ["reproduce", "cert-expird"])
    assert result.exit_code == 2
    assert "unknown scenario 'cert-expird' (did you mean cert-expired?)" in result.output
    missing_out = CliRunner().invoke(main, ["reproduce", "cert-expired"])
    assert missing_out.exit_code == 2 and "give --out DIR" in missing_out.output


def test_refuses_to_replace_a_folder_that_is_not_a_scenario(tmp_path):
    keep = tmp_path / "notes.txt"
    keep.write_text("mine")
    result = CliRunner().invoke(main, ["reproduce", "healthy", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "was not written by `cmedebug reproduce`" in result.output
    assert keep.read_text() == "mine"
    again = tmp_path / "case"
    for _ in range(2):  # a scenario folder is replaced
        assert CliRunner().invoke(main, ["reproduce", "healthy", "--out", str(again)]).exit_code == 0
