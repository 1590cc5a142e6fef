"""Every reference-CME scenario is diagnosed as its sample_logs/<scenario>/scenario.toml
says ([expect]): the injected fault is the first root cause, it explains the other
rules the scenario must fire, no rule it must not fire fires, and a scenario with
no fault (the healthy system) has nothing above its max_severity.

The catalogue is the scenario.toml files themselves (written by `cmedebug
reproduce --all --out sample_logs` from cmedebug/refcme/scenarios.py); a folder
without one is not a scenario.
"""
from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from cmedebug.model import Severity
from cmedebug.pipeline import analyze
from cmedebug.remediation import render_blocks

SAMPLES = Path(__file__).resolve().parents[1] / "sample_logs"
CATALOGUE = {path.parent.name: tomllib.loads(path.read_text(encoding="utf-8"))
             for path in sorted(SAMPLES.glob("*/scenario.toml"))}


def _analysed(name: str):
    return analyze([str(SAMPLES / name)])


def test_the_catalogue_has_the_healthy_system_and_faults_of_every_family():
    firsts = {r[:-3] for s in CATALOGUE.values() for r in s["expect"]["first_root"]}
    assert "healthy" in CATALOGUE and not CATALOGUE["healthy"]["expect"]["first_root"]
    assert {"CLK", "PKI", "CTL", "CFG", "CAPF", "TLS"} <= firsts, sorted(firsts)


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_scenario_is_diagnosed_as_declared(name):
    expect = CATALOGUE[name]["expect"]
    case = _analysed(name)
    fired = {f.rule_id for f in case.findings}
    assert set(expect["must_fire"]) <= fired, f"missing {set(expect['must_fire']) - fired}"
    assert not set(expect["must_not_fire"]) & fired, f"unexpected {set(expect['must_not_fire']) & fired}"
    roots = case.root_causes()
    if expect["first_root"]:
        assert roots and roots[0].rule_id in expect["first_root"], [(f.rule_id, str(f.severity)) for f in roots[:5]]
        symptoms = set(expect["must_fire"]) - set(expect["first_root"])
        explained = {case.finding(i).rule_id for i in roots[0].explains}
        assert symptoms <= explained, f"{roots[0].rule_id} explains {sorted(explained)}"
    if "max_severity" in expect:
        ceiling = Severity.parse(expect["max_severity"])
        loud = [(f.rule_id, str(f.severity), f.message) for f in case.findings if f.severity > ceiling]
        assert not loud, loud


@pytest.mark.parametrize("name, command", [
    ("config-signed-by-untrusted", "server tftp 10.1.1.1 trustpoint cme-sccp"),
    ("device-security-mode-nonsecure", "ephone 1"),
    ("capf-cert-oper-not-set", "ephone 1"),
    ("secure-listener-down", "secure-signaling trustpoint cme-sccp"),
])
def test_remediation_names_the_real_values(name, command):
    root = _analysed(name).root_causes()[0]
    lines = [line.text for block in render_blocks(root.remediation) for line in block.lines]
    assert command in [line.strip() for line in lines], lines
    assert not [line for line in lines if "<" in line], lines
