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


def test_an_access_list_deny_is_a_failure_only_on_a_port_of_secure_cme(tmp_path):
    """A router logs denied SSH and scans all day: those are no failure of Secure CME. A deny
    of SCCP over TLS or TFTP is one (primer 1.2), and so is one whose source is such a port."""
    from cmedebug.pipeline import load

    prefix = "Nov 26 08:00:45 cme-hq {:06d}: *Mar  1 00:00:{:02d}.776: "
    texts = ["%SEC-6-IPACCESSLOGP: list 101 denied tcp 10.10.14.18(55613) -> 10.1.1.1(22), 1 packet",
             "%SEC-6-IPACCESSLOGP: list 101 denied tcp 10.10.14.18(51012) -> 10.1.1.1(2443), 1 packet",
             "%SEC-6-IPACCESSLOGP: list 101 denied udp 10.10.14.18(50123) -> 10.1.1.1(69), 1 packet",
             "%SEC-6-IPACCESSLOGP: list 110 denied tcp 10.1.1.1(80) -> 10.1.1.9(41000), 1 packet",
             "%SEC-6-IPACCESSLOGS: list 10 denied 10.10.14.18 1 packet",
             "%SEC-6-IPACCESSLOGDP: list 101 denied icmp 10.10.14.18 -> 10.1.1.1 (8/0), 1 packet",
             "%IPV6_ACL-6-ACCESSLOGP: list v6in/20 denied tcp 2001:DB8::9(51012) -> 2001:DB8::1(3804), 1 packet"]
    log = tmp_path / "acl.log"
    log.write_text("\n".join(prefix.format(n, n) + t for n, t in enumerate(texts)) + "\n", encoding="utf-8")
    assert [is_failure(e) for e in load([str(log)]).events] == [False, True, True, True, False, False, True]


def test_unexplained_failures_of_a_syslog_servers_file_name_their_device(tmp_path):
    """One file of a syslog server holds two routers: each finding is about the router that
    printed its lines, names the syslog as IOS prints it, and its fix is typed on that router
    (never on a router with no name)."""
    from cmedebug.remediation import heading, render_blocks

    lines = ["Nov 26 08:00:45 cme-hq 000001: *Mar  1 00:00:01.776: %FOO-3-BAR: Enrollment FAILED",
             "Nov 26 08:00:46 cme-br1 000001: *Mar  1 00:00:02.776: %SEC-6-IPACCESSLOGP: list 101 denied "
             "tcp 10.10.14.18(51012) -> 10.1.1.1(2443), 1 packet",
             "Nov 26 08:00:47 cme-br1 000002: *Mar  1 00:00:03.776: %SEC-6-IPACCESSLOGP: list 101 denied "
             "tcp 10.10.14.18(55613) -> 10.1.1.1(22), 1 packet"]
    log = tmp_path / "syslog-server.log"
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    case = analyze([str(log)], year=2026)
    found = {f.device: f for f in case.findings if f.rule_id == "GEN001"}
    assert sorted(found) == ["cme-br1", "cme-hq"]
    assert found["cme-br1"].message.startswith("1 `%SEC-6-IPACCESSLOGP` message(s) on cme-br1")
    assert found["cme-hq"].message.startswith("1 `%FOO-3-BAR` message(s) on cme-hq")
    for device, finding in found.items():
        headings = {heading(b) for b in render_blocks(finding.remediation) if b.device not in ("phone", "wait")}
        assert headings == {f"on router {device}, pasted at its privileged EXEC prompt ({device}#)"}


def test_generic_syslogs_of_one_routine_shape_are_judged_once_and_as_each_alone(tmp_path, monkeypatch):
    """Routine runs make generic syslogs of one shape (their lines differ in digits only);
    GEN001 judges a shape once, except an access list's logs, judged line by line by their
    ports (a deny of port 2443 fails, one of port 2243 of the same shape does not). What it
    finds is what judging every event alone finds."""
    from cmedebug.model import SyslogEvent
    from cmedebug.pipeline import load
    from cmedebug.rules import gen001_unexplained_failure as gen001

    prefix = "Nov 26 08:00:45 cme-hq {:06d}: *Mar  1 00:{:02d}:{:02d}.776: "
    texts = ["%LINK-3-UPDOWN: Interface GigabitEthernet0/{} changed state to down",
             "%FOO-3-BAR: Enrollment FAILED for trustpoint cme_root{}",
             "%SEC-6-IPACCESSLOGP: list 101 denied tcp 10.10.14.18(51012) -> 10.1.1.1(2{}43), 1 packet"]
    lines = [prefix.format(n, n // 60, n % 60) + texts[n % 3].format(n % 10) for n in range(600)]
    log = tmp_path / "routine.log"
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    events = load([str(log)]).events
    assert len(events) == 600 and all(e.__class__ is SyslogEvent and e.shape is not None for e in events)
    assert len({id(e.shape) for e in events}) == 3  # (one shape a message: the runs made them)
    alone = [e for e in events if is_failure(e)]
    judged = []
    monkeypatch.setattr(gen001, "is_failure", lambda e: judged.append(e) or is_failure(e))
    assert list(gen001.failures(events)) == alone
    assert len(alone) == 200 + 20  # every FAILED line; the denies of port 2443 (digit 4: 20 of 200)
    assert len(judged) == 2  # the other shapes once; the access list's lines by the ports each prints


def test_an_access_list_log_of_a_routine_shape_fails_by_either_of_its_ports(tmp_path):
    """A deny to or from a Secure CME port fails (CTL provider 2444 as the source, SCCP over TLS
    2443 as the destination), one between two other ports does not: as judging each alone."""
    from cmedebug.pipeline import load
    from cmedebug.rules.gen001_unexplained_failure import failures

    prefix = "Nov 26 08:00:45 cme-hq {:06d}: *Mar  1 00:00:{:02d}.776: %SEC-6-IPACCESSLOGP: list 101 denied tcp "
    flows = ["10.10.14.18(2{}44) -> 10.1.1.1(51012), 1 packet", "10.10.14.18(51012) -> 10.1.1.1(24{}3), 1 packet",
             "10.10.14.18(5101{}) -> 10.1.1.1(51013), 1 packet"]
    lines = [prefix.format(n, n % 60) + flows[n % 3].format(n // 3 % 10) for n in range(90)]
    log = tmp_path / "acl.log"
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    events = load([str(log)]).events
    assert len(events) == 90 and len({id(e.shape) for e in events}) == 3
    failing = list(failures(events))
    assert failing == [e for e in events if is_failure(e)]
    # 2444 (digit 4) as the source: 3 of 30; 2443 (digit 4) as the destination: 3 of 30; no other
    assert sorted((e.first_line - 1) % 3 for e in failing) == [0] * 3 + [1] * 3
