"""The reference-CME scenarios of the CLK and PKI families are diagnosed with
their injected fault as the first root cause (sample_logs/<scenario>/scenario.toml,
[expect]); the healthy scenario has no finding above low.

A scenario whose folder is not there yet is skipped."""
from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from cmedebug.model import Severity
from cmedebug.pipeline import analyze

SAMPLES = Path(__file__).resolve().parents[1] / "sample_logs"
FAMILIES = ("CLK", "PKI")
# The scenario -> first root cause table of the rule catalogue, for the CLK/PKI families.
CATALOGUE = {
    "healthy": [], "clock-never-set": ["CLK001"], "ca-clock-ahead": ["CLK005"], "cert-expired": ["PKI001"],
    "ca-cert-expired": ["PKI002"], "http-server-off": ["PKI004"], "enrollment-pending-manual-grant": ["PKI005"],
    "ca-unreachable": ["PKI007"], "crl-unreachable": ["PKI011"], "key-too-small": ["PKI013"],
    # scenarios the reference CME added beyond the catalogue table
    "clock-set-after-ca-built": ["CLK004"], "mic-root-missing": ["PKI019"],
}


def _scenarios():
    names = set(CATALOGUE)
    for path in sorted(SAMPLES.glob("*/scenario.toml")):
        roots = tomllib.loads(path.read_text(encoding="utf-8")).get("expect", {}).get("first_root", [])
        if any(r.startswith(FAMILIES) for r in roots):
            names.add(path.parent.name)
    return sorted(names)


def _expectations(name: str) -> dict:
    path = SAMPLES / name / "scenario.toml"
    if not path.exists():
        pytest.skip(f"sample_logs/{name}/ is not generated yet")
    return tomllib.loads(path.read_text(encoding="utf-8")).get("expect", {})


@pytest.mark.parametrize("name", _scenarios())
def test_scenario_first_root_cause(name):
    expect = _expectations(name)
    if name in CATALOGUE:
        assert sorted(expect.get("first_root", [])) == sorted(CATALOGUE[name]), "scenario.toml disagrees with the catalogue"
    case = analyze([str(SAMPLES / name)])
    fired = {f.rule_id for f in case.findings}
    assert set(expect.get("must_fire", [])) <= fired, f"missing {set(expect.get('must_fire', [])) - fired}"
    assert not set(expect.get("must_not_fire", [])) & fired, f"unexpected {set(expect.get('must_not_fire', [])) & fired}"
    roots = case.root_causes()
    if expect.get("first_root"):
        assert roots and roots[0].rule_id in expect["first_root"], [f"{f.rule_id}:{f.severity}" for f in roots[:5]]
    if "max_severity" in expect:
        worst = max((f.severity for f in case.findings), default=Severity.INFO)
        assert worst <= Severity.parse(expect["max_severity"]), \
            [f"{f.rule_id}:{f.severity}" for f in case.findings if f.severity > Severity.parse(expect["max_severity"])]
