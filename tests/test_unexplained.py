"""No failure left unexplained, and no explained failure reported twice (issue #14
class 3). The reference CME's scenarios (sample_logs) hold failures that a
diagnosis accounts for: the SCEP requests to a disabled CA (PKI006), the would-be
SCEP of an unreachable CA (PKI007), the debug line beside a TLS version syslog
(TLS002). None may be left to GEN001."""
from __future__ import annotations

from pathlib import Path

import pytest

from cmedebug.pipeline import analyze
from cmedebug.rules.gen001_unexplained_failure import is_failure

SAMPLES = Path(__file__).resolve().parents[1] / "sample_logs"


@pytest.mark.parametrize("scenario", ["ca-server-disabled", "ca-unreachable", "tls-version-mismatch"])
def test_failures_of_a_diagnosed_scenario_are_explained(scenario):
    case = analyze([str(SAMPLES / scenario)])
    assert any(is_failure(e) for e in case.events)  # the scenario does hold failures
    assert not [f.message for f in case.findings if f.rule_id == "GEN001"]
