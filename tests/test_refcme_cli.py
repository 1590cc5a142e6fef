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
    assert "Trust List Update Failed" in (out / "phone-status.txt").read_text()
    assert 'seed = 2' in (out / "scenario.toml").read_text()


def test_usage_errors_exit_2(tmp_path):
    runner = CliRunner()
    assert runner.invoke(main, ["reproduce", "no-such-fault", "--out", str(tmp_path)]).exit_code == 2
    assert runner.invoke(main, ["reproduce", "healthy"]).exit_code == 2
    assert runner.invoke(main, ["reproduce", "healthy", "--all", "--out", str(tmp_path)]).exit_code == 2
