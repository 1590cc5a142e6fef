"""The corpus (../shared/corpus) holds working systems, except the TLS-mismatch
syslogs (11) and the listener-down output (12): the CTL, CFG, CAPF, TLS, PLAT and
LIM rules must raise no high finding on them unless the evidence shows a real fault,
and must recognise the faults that are there."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest

from cmedebug.model import Severity
from cmedebug.pipeline import analyze

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"  # as tests/conftest.py

FAMILIES = ("CTL", "CFG", "CAPF", "TLS", "PLAT", "LIM")
# corpus file prefix -> the rules whose high findings are the real fault of that sample
REAL_FAULTS = {"11_": {"TLS002"}}
NAMES = sorted(p.name for p in CORPUS.glob("*.log")) if CORPUS.is_dir() else ["(corpus absent)"]


@lru_cache(maxsize=None)
def _findings(name: str) -> list:
    return analyze([str(CORPUS / name)]).findings


def _ours(name: str) -> list:
    return [f for f in _findings(name) if f.rule_id.startswith(FAMILIES)]


@pytest.mark.parametrize("name", NAMES)
def test_no_high_finding_without_a_real_fault(name, corpus_dir):
    allowed = next((rules for prefix, rules in REAL_FAULTS.items() if name.startswith(prefix)), set())
    high = [f"{f.rule_id}: {f.message}" for f in _ours(name)
            if f.severity >= Severity.HIGH and f.rule_id not in allowed]
    assert not high, high


def test_tls_version_mismatch_syslogs_are_found(corpus_dir):
    findings = [f for f in _ours("11_tls-version-mismatch-handshake-failed-syslogs.log") if f.rule_id == "TLS002"]
    assert {f.data["service"] for f in findings} == {"credentials", "skinny-secure", "http-client"}
    by_service = {f.data["service"]: f for f in findings}
    assert by_service["skinny-secure"].severity == Severity.HIGH
    assert "port 2443" in by_service["skinny-secure"].message and "10.1.20.179:12239" in by_service["skinny-secure"].message
    assert by_service["http-client"].severity == Severity.MEDIUM


def test_listener_down_is_found_but_low_without_secure_phones(corpus_dir):
    found = [f for f in _ours("12_secure-listener-not-open-show-ephone-socket.log") if f.rule_id == "TLS001"]
    assert len(found) == 1 and found[0].severity == Severity.LOW
    assert "fd = -1" in found[0].message and "plain SCCP listener is open (fd = 0)" in found[0].message


def test_transient_capf_handshake_errors_are_not_failures(corpus_dir):
    fired = {f.rule_id for f in _ours("01_capf-lsc-delete-then-keygen-baseline.log")}
    assert not fired & {"CAPF001", "CAPF002", "CAPF004", "CAPF005", "CAPF007"}, fired


def test_keygen_snapshot_is_only_a_low_hint(corpus_dir):
    found = [f for f in _ours("02_capf-show-summary-authstring-sessions.log") if f.rule_id == "CAPF004"]
    assert [f.severity for f in found] == [Severity.LOW]
    assert "SEP000CCE3A817C" in found[0].message and "keygen-timeout 120 min" in found[0].message


def test_successful_secure_registration_with_star_stamps_is_clean(corpus_dir):
    assert not [f.rule_id for f in _ours("07_secure-sccp-tls-register.log")]


def test_cisco_ctl_example_signed_with_1024_bit_key_is_only_information(corpus_dir):
    found = [f for f in _ours("03_ctl-client-ctlfile-created.log") if f.rule_id == "TLS004"]
    assert [f.severity for f in found] == [Severity.INFO] and "1024-bit SAST key" in found[0].message
    # the same example builds SAST records from two different trustpoints (cisco1, sast2)
    assert not [f for f in _ours("03_ctl-client-ctlfile-created.log") if f.rule_id == "CTL008"]
