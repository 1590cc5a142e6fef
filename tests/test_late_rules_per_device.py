"""A late rule that reads the findings of the rules before it (PKI026) runs on each
device's evidence and sees the findings on that device only, whatever the number of
devices."""
from __future__ import annotations

from pathlib import Path

from cmedebug import engine
from cmedebug.engine import Rule
from cmedebug.model import Severity
from cmedebug.pipeline import analyze

SAMPLE = Path(__file__).resolve().parents[1] / "sample_logs" / "clock-never-set" / "router.log"


class _SeesFindings(Rule):
    id = "TST901"
    name = "sees-findings"
    title = "test: the findings a late rule sees"
    severity = Severity.INFO
    late = True
    seen: dict = {}

    def evaluate(self, case):
        names = {f.device for f in case.findings}
        self.seen[tuple(sorted(d or "" for d in names))] = sorted(f.rule_id for f in case.findings)
        return []


def test_a_late_rule_sees_the_findings_of_its_device(tmp_path, monkeypatch):
    text = SAMPLE.read_text()
    for name in ("CME", "BR1", "BR2"):
        (tmp_path / f"{name}.log").write_text(text.replace("CME", name))
    engine.all_rules()
    monkeypatch.setitem(engine._RULES, _SeesFindings.id, _SeesFindings)
    _SeesFindings.seen = {}
    case = analyze([str(tmp_path)])
    per_device = {}
    for f in case.findings:
        if f.rule_id != "TST901":
            per_device.setdefault(f.device, []).append(f.rule_id)
    assert set(per_device) == {"CME", "BR1", "BR2"}
    assert _SeesFindings.seen == {(device,): sorted(ids) for device, ids in per_device.items()}
