"""Work after parsing grows with the evidence, not faster (issue 17). Counted, never
timed: timings live in benchmarks/run.py."""
from __future__ import annotations

from cmedebug import engine
from cmedebug.model import Confidence, Finding, Severity


def _finding(rule_id: str, n: int) -> Finding:
    return Finding(rule_id=rule_id, title=rule_id, severity=Severity.HIGH, confidence=Confidence.HIGH,
                   message="m", id=f"{rule_id}-{n}")


def test_ranking_walks_each_cause_once(monkeypatch):
    """Many causes explaining the same symptoms (repeated evidence): each finding's
    causal depth is computed once, not again in every sort that compares it."""
    causes = [_finding("CAUSE", n) for n in range(20)]
    symptoms = [_finding("SYMPTOM", n) for n in range(50)]
    for c in causes:
        c.explains = [s.id for s in symptoms]
    for s in symptoms:
        s.explained_by = [c.id for c in causes]
    calls = []
    depth = engine._depth
    monkeypatch.setattr(engine, "_depth", lambda *a: calls.append(1) or depth(*a))
    ordered = engine.rank([*causes, *symptoms])
    assert len(ordered) == 70 and ordered[0] is causes[0]
    assert {f.id for f in ordered[1:51]} == {s.id for s in symptoms}  # the first root, then what it explains
    assert len(calls) <= len(causes) * (len(symptoms) + 1) + len(symptoms)  # was three times as many


def test_linking_tries_each_pair_once():
    """Every (cause, symptom) pair is offered to ``links`` once, and a pair already
    linked either way is not tried again."""
    tried = []

    class Cause(engine.Rule):
        id = "TESTCAUSE"
        explains = ("TESTSYMPTOM", "TESTCAUSE")

        def links(self, cause, symptom, case):
            tried.append((cause.id, symptom.id))
            return True

    causes = [_finding("TESTCAUSE", n) for n in range(30)]
    symptoms = [_finding("TESTSYMPTOM", n) for n in range(40)]
    engine._link([*causes, *symptoms], {"TESTCAUSE": Cause()}, None, {})
    assert len(tried) == len(set(tried))
    # cause -> symptom pairs, plus each unordered pair of causes once (not both ways)
    assert len(tried) == 30 * 40 + 30 * 29 // 2
    assert all(len(c.explains) >= 40 for c in causes)
