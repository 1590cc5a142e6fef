"""Running rules in tests so that a rule which raises fails the test (the engine
itself reports such a rule as 'error' and goes on, which a test must not miss)."""
from __future__ import annotations

from cmedebug import engine


def run_rules_strictly(case, only=None):
    findings = engine.run(case, only=only)
    errors = [(o.rule_id, o.error) for o in case.outcomes if o.status == "error"]
    assert not errors, f"rules raised: {errors}"
    return findings
