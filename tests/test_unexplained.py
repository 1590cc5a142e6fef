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


def test_a_generic_syslog_is_judged_by_its_mnemonic_and_text_once_per_text(tmp_path):
    """A generic syslog read compactly (its text from its line) and one with the same
    fields as a plain event are judged alike; a text seen again is judged from memory
    (a busy log repeats its messages), and judging stays per text."""
    from cmedebug.model import Event, SourceRef, SyslogEvent
    from cmedebug.pipeline import load
    from cmedebug.rules import gen001_unexplained_failure as gen001

    prefix = "Nov 26 08:00:45 cme-hq {:06d}: *Mar  1 00:00:{:02d}.776: "  # (distinct lines: no duplicates)
    texts = ["%LINK-3-UPDOWN: Interface GigabitEthernet0/1, changed state to down",
             "%FOO-3-BAR: Enrollment FAILED for trustpoint cme_root",
             "%FOO-3-FAIL: Enrollment done",
             "%FOO-5-BAR: Unable to reach the CA"]
    log = tmp_path / "generic.log"
    log.write_text("\n".join(prefix.format(n, n) + t for n, t in enumerate(texts * 3)) + "\n", encoding="utf-8")
    gen001._says_failure.cache_clear()
    events = load([str(log)]).events
    assert [e.__class__ for e in events] == [SyslogEvent] * 12
    judged = [is_failure(e) for e in events]
    assert judged == [False, True, True, True] * 3
    assert gen001._says_failure.cache_info().hits >= 8
    plain = [Event(kind=e.kind, source=SourceRef("x", 1), fields=dict(e.fields)) for e in events[:4]]
    assert [is_failure(e) for e in plain] == judged[:4]
