"""The reference-CME scenarios of the CTL, CFG, CAPF and TLS families: the
injected fault must be the first root cause of `cmedebug analyze sample_logs/<scenario>/`,
and the healthy system must raise nothing above low."""
from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from cmedebug.model import Severity
from cmedebug.pipeline import analyze

SAMPLES = Path(__file__).resolve().parents[1] / "sample_logs"
# scenario -> (first root cause, symptoms it must explain), from the scenario table of the
# rule catalogue; a tuple of roots where another family's rule is the deeper cause
SCENARIOS = {
    "ca-rebuilt-stale-ctl": ("CTL002", ("CTL003",)),
    "sast-changed": ("CTL005", ()),
    "config-signed-by-untrusted": ("CTL004", ("CFG002",)),
    "ctl-not-served": ("CTL001", ()),
    "capf-auth-string-mismatch": ("CAPF001", ()),
    "capf-auth-mode-mismatch": ("CAPF002", ()),
    "capf-cert-oper-not-set": ("CAPF003", ()),
    "capf-keygen-timeout": ("CAPF004", ()),
    # the injected fault is `no grant auto`: PKI005 (manual grant) explains the CAPF failure
    "capf-ra-enrollment-failure": (("CAPF005", "PKI005"), ()),
    "ctl-capf-record-missing": ("CTL007", ()),
    "secure-signaling-trustpoint-unset": ("CFG004", ()),
    "tftp-credentials-trustpoint-unset": ("CFG005", ()),
    "secure-listener-down": ("TLS001", ()),
    "tls-version-mismatch": ("TLS002", ()),
    "device-security-mode-nonsecure": ("CFG003", ("CFG007",)),
}


def _folder(name: str) -> Path:
    folder = SAMPLES / name
    if not (folder / "scenario.toml").exists():
        pytest.skip(f"sample_logs/{name} is not generated yet")
    return folder


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_injected_fault_is_the_first_root_cause(name):
    folder = _folder(name)
    expected, symptoms = SCENARIOS[name]
    acceptable = expected if isinstance(expected, tuple) else (expected,)
    declared = tomllib.loads((folder / "scenario.toml").read_text(encoding="utf-8"))["expect"]["first_root"]
    assert set(acceptable) & set(declared), f"scenario.toml of {name} expects {declared}"
    case = analyze([str(folder)])
    roots = case.root_causes()
    assert roots and roots[0].rule_id in acceptable, [(f.rule_id, str(f.severity)) for f in roots]
    fired = {f.rule_id for f in case.findings}
    assert acceptable[0] in fired, f"{acceptable[0]} did not fire: {sorted(fired)}"
    explained = {case.finding(i).rule_id for i in roots[0].explains}
    assert set(symptoms) <= explained, f"{roots[0].rule_id} explains {sorted(explained)}"


def test_healthy_system_has_nothing_above_low():
    case = analyze([str(_folder("healthy"))])
    loud = [(f.rule_id, f.message) for f in case.findings if f.severity > Severity.LOW]
    assert not loud, loud


FAMILIES = ("CTL", "CFG", "CAPF", "TLS", "PLAT", "LIM")


def _declared_family_scenarios() -> list[str]:
    """Every generated scenario whose scenario.toml expects a rule of these families first."""
    names = []
    for path in sorted(SAMPLES.glob("*/scenario.toml")):
        roots = tomllib.loads(path.read_text(encoding="utf-8")).get("expect", {}).get("first_root", [])
        if any(r.startswith(FAMILIES) for r in roots):
            names.append(path.parent.name)
    return names


@pytest.mark.parametrize("name", _declared_family_scenarios())
def test_declared_first_root_of_every_family_scenario(name):
    folder = _folder(name)
    declared = tomllib.loads((folder / "scenario.toml").read_text(encoding="utf-8"))["expect"]["first_root"]
    roots = analyze([str(folder)]).root_causes()
    assert roots and roots[0].rule_id in declared, [(f.rule_id, str(f.severity)) for f in roots]


@pytest.mark.parametrize("name, command", [
    ("config-signed-by-untrusted", "  server tftp 10.1.1.1 trustpoint cme-sccp"),
    ("device-security-mode-nonsecure", " ephone 1"),
    ("capf-cert-oper-not-set", " ephone 1"),
    ("secure-listener-down", "  secure-signaling trustpoint cme-sccp"),
])
def test_remediation_names_the_real_values(name, command):
    root = analyze([str(_folder(name))]).root_causes()[0]
    assert command in root.remediation, root.remediation
    assert not [c for c in root.remediation if "<" in c], root.remediation
