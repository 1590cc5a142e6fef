"""Linking looks only at the symptoms on the cause's device unless the cause's rule says
its ``links`` may join two devices (``links_across_devices``): every other rule's
``links`` must refuse a symptom on another device, whatever the findings say."""
from __future__ import annotations

import pytest

from cmedebug.engine import all_rules, get_rule
from cmedebug.model import Evidence, SourceRef

PAIRS = [(cls, symptom) for cls in all_rules() for symptom in cls.explains]
# data that each rule's refinements read (MACs, trustpoints, serials, times): equal on both sides
DATA = {"mac": "000E325C9A43", "trustpoint": "cme-tls", "trustpoints": ["cme-tls"], "serial": "1A", "serials": ["1A"],
        "ca": "cme_root", "symptom_lines": []}


def _pair(cause_rule, symptom_rule, cause_device, symptom_device):
    evidence = [Evidence(SourceRef("a.log", 1, 1), ("line",))]
    rule = cause_rule()
    cause = rule.finding(f"{rule.id} expired on Jan 1", evidence, **DATA)
    symptom = get_rule(symptom_rule)().finding("symptom", evidence, **DATA)
    cause.device, symptom.device = cause_device, symptom_device
    return rule, cause, symptom


@pytest.mark.parametrize("cause_rule, symptom_rule", PAIRS, ids=[f"{c.id}-{s}" for c, s in PAIRS])
def test_a_rule_links_two_devices_only_when_it_says_so(cause_rule, symptom_rule):
    from cmedebug.model import Case

    assert get_rule(symptom_rule) is not None, f"{cause_rule.id} explains an unknown rule {symptom_rule}"
    rule, cause, symptom = _pair(cause_rule, symptom_rule, "CME-A", "CME-B")
    if not rule.links_across_devices:
        assert rule.links(cause, symptom, Case()) is False


def test_the_same_findings_on_one_device_mostly_link():
    """(The findings above carry what the rules' refinements compare: on one device most pairs link.)"""
    from cmedebug.model import Case

    linked = [rule.links(cause, symptom, Case()) for rule, cause, symptom in
              (_pair(c, s, "CME-A", "CME-A") for c, s in PAIRS)]
    assert sum(linked) > len(PAIRS) * 0.8


def test_the_rules_that_link_across_devices_are_few_and_named():
    assert sorted(cls.id for cls in all_rules() if cls.links_across_devices) == ["PKI023"]
    assert len(PAIRS) > 30


def test_a_cme_record_mismatch_explains_only_the_failures_of_phones_on_2443():
    """CTL003 accounts for phones refusing CME's certificate on 2443 (primer F24), not for a
    TLS failure of another service of the same router (the HTTPS client's cipher refusal)."""
    from cmedebug.engine import get_rule
    from cmedebug.model import Case, Confidence, Finding, Severity

    def finding(rule_id, **data):
        return Finding(rule_id, "", Severity.MEDIUM, Confidence.LOW, "", data=data, device="CME")

    ctl003 = get_rule("CTL003")()
    cause = finding("CTL003")
    assert ctl003.links(cause, finding("TLS005", service="skinny-secure"), Case())
    assert not ctl003.links(cause, finding("TLS005", service="http-client"), Case())
    assert ctl003.links(cause, finding("TLS003"), Case())


@pytest.mark.parametrize("scenario, cause", [("ca-rebuilt-stale-ctl", "CTL003"), ("capf-cert-oper-not-set", "CAPF003"),
                                             ("key-too-small", "PKI013")])
def test_a_phones_handshake_refused_for_a_diagnosed_certificate_is_its_symptom(scenario, cause):
    """The reference CME's phone ends its TLS to 2443 because of the diagnosed certificate: a
    CTL naming another certificate, no LSC to offer, a key too small. CME's debug shows a
    handshake ending before any certificate check (TLS005): a symptom, never a root of its own."""
    from pathlib import Path

    from cmedebug.pipeline import analyze

    case = analyze([str(Path(__file__).resolve().parents[1] / "sample_logs" / scenario)])
    index = {f.id: f.rule_id for f in case.findings}
    (tls005,) = [f for f in case.findings if f.rule_id == "TLS005"]
    assert cause in {index[c] for c in tls005.explained_by}
