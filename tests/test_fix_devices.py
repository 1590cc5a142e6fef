"""Fix blocks for another device than CME: the step's device is a slot filled from
the evidence (CLK005: the CA's own router), and the fix runner types such a block
on that router's CLI where the reference CME models one."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from cmedebug.pipeline import analyze
from cmedebug.refcme.ca_router import ca_router_session
from cmedebug.refcme.fix import wait_until
from cmedebug.refcme.scenarios import reproduce
from cmedebug.remediation import WAIT, Step, fill, heading, render_blocks

SAMPLES = Path(__file__).resolve().parents[1] / "sample_logs"


def test_a_device_slot_names_the_block_and_stays_a_placeholder_when_unknown():
    steps = [Step("config", "ntp server {ntp_ip}", device="{ca_device}"), Step("config", "ntp update-calendar",
                                                                             device="{ca_device}")]
    filled = render_blocks(fill(steps, {"ntp_ip": "10.1.1.254", "ca_device": "CA-7"}))
    assert [b.device for b in filled] == ["CA-7"]
    assert filled[0].text.splitlines() == ["configure terminal", "ntp server 10.1.1.254", "ntp update-calendar", "end",
                                           "write memory"]
    unknown = render_blocks(fill(steps, {"ntp_ip": "10.1.1.254"}))
    assert unknown[0].device == "<ca-device>"
    assert ("ca-device", "the router that runs the certificate server (its hostname)") in unknown[0].placeholders


def test_the_ca_routers_cli_synchronises_its_clock_and_rejects_wrong_modes(tmp_path):
    world = reproduce("ca-clock-ahead", tmp_path / "case")
    assert world.ca.clock.now - world.router.clock.now > timedelta(hours=5)
    cli = ca_router_session(world)
    printed = cli.type_text("ntp server 10.1.1.254\nconfigure terminal\nntp server 10.1.1.254\nend")
    assert printed[0] == "CA#ntp server 10.1.1.254" and "% Invalid input detected at '^' marker." in printed
    assert [o.line for o in cli.errors] == ["ntp server 10.1.1.254"]  # the EXEC-mode one only
    assert abs(world.ca.clock.now - world.router.clock.now) < timedelta(seconds=5)


def test_a_ca_on_cme_has_no_second_cli(tmp_path):
    assert ca_router_session(reproduce("healthy", tmp_path / "case")) is None


def test_a_wait_step_is_its_own_block_and_the_runner_lets_every_clock_pass_its_time(tmp_path):
    steps = [Step("config", "ntp update-calendar", device="{ca_device}"),
             Step(WAIT, "wait until {ca_valid_from}", device=WAIT), Step("config", "ctl-client")]
    blocks = render_blocks(fill(steps, {"ca_device": "CA", "ca_valid_from": "2026-03-02 15:00:06 UTC"}))
    assert [(b.device, b.text) for b in blocks][1] == (WAIT, "wait until 2026-03-02 15:00:06 UTC")
    assert heading(blocks[1]) == "wait before the next block (nothing to paste)"
    world = reproduce("ca-clock-ahead", tmp_path / "case")
    ca_router_session(world).type_text("configure terminal\nntp server 10.1.1.254\nend")
    until = datetime(2026, 3, 2, 15, 0, 6, tzinfo=timezone.utc)
    assert world.router.clock.now < until - timedelta(hours=5)
    done = wait_until(world, blocks[1].text)
    assert min(world.router.clock.now, world.ca.clock.now, world.phone.log.clock.now) > until
    assert world.router.clock.now - until < timedelta(seconds=2) and done["performed"].startswith("waited ")
    assert wait_until(world, blocks[1].text)["performed"] == "nothing to wait: every clock is past that time"


def test_the_wait_for_ntp_is_met_only_by_a_clock_ntp_set(tmp_path):
    """`wait until the clock is synchronized`: the reference router's NTP server answers at
    once, so the wait is met while NTP sets the clock; a router with its `ntp server` configured
    but not synchronised (a `clock set`, a reload) is synchronised by it during the wait; a
    `clock set` with no NTP server never meets it."""
    world = reproduce("healthy", tmp_path / "case")
    assert world.router.clock.source == "ntp"
    assert wait_until(world, "wait until the clock is synchronized")["performed"] == \
        "nothing to wait: the clock is synchronized (NTP)"
    world.router.clock.set(world.router.clock.now, "manual")
    assert wait_until(world, "wait until the clock is synchronized")["performed"] == \
        "waited: NTP synchronized the clock to 10.1.1.254"
    assert world.router.clock.source == "ntp"
    world.router.clock.set(world.router.clock.now, "manual")
    world.router.ntp_server = None
    assert wait_until(world, "wait until the clock is synchronized")["performed"].startswith("not synchronized")
    assert world.router.clock.source == "manual"


def test_in_a_case_of_two_routers_each_block_names_the_router_it_is_typed_on():
    """The reference CME's ca-clock-ahead: CME and a CA on its own router. PKI020 (the CA's
    database) is typed on the CA: headed "on the router", an engineer would type
    `crypto pki server ca-root` on CME, which builds a new CA there."""
    case = analyze([str(SAMPLES / "ca-clock-ahead")])
    (database,) = [f for f in case.findings if f.rule_id == "PKI020"]
    blocks = render_blocks(database.remediation)
    assert database.device == "CA" and {b.device for b in blocks} == {"CA"}
    assert heading(blocks[0]) == "on router CA, pasted at its privileged EXEC prompt (CA#)"
    (auto_enroll,) = [f for f in case.findings if f.rule_id == "PKI021"]
    assert {b.device for b in render_blocks(auto_enroll.remediation)} == {"CME"}


def test_in_a_case_of_one_router_the_blocks_say_the_router():
    case = analyze([str(SAMPLES / "cert-expired")])
    devices = {b.device for f in case.findings for b in render_blocks(f.remediation)}
    assert "router" in devices and not devices & {"CME"}
    assert heading(render_blocks([Step("exec", "show clock")])[0]) == \
        "on the router, pasted at the privileged EXEC prompt (Router#)"


def test_only_a_router_known_by_its_hostname_names_the_steps():
    """A phone's finding is fixed on its CME, and a device known by no hostname has no prompt
    to print: both keep "router"."""
    from cmedebug.engine import _on_its_device

    only_if = "router, only if the NTP server authenticates"
    steps = [Step("config", "ntp update-calendar"), Step(WAIT, "wait until 10:00", device=WAIT),
             Step("config", "ntp authenticate", device=only_if)]
    two = [object(), object()]
    named = _on_its_device(steps, "CA", two)
    assert [s.device for s in named] == ["CA", WAIT, "CA, only if the NTP server authenticates"]
    assert heading(render_blocks(named[2:])[0]) == \
        "on router CA, only if the NTP server authenticates, pasted at its privileged EXEC prompt (CA#)"
    for device in ("SEP001122334455", "router (shows.txt)", "Router", None, ""):  # '': it spans devices
        assert [s.device for s in _on_its_device(steps, device, two)] == ["router", WAIT, only_if], device
    assert [s.device for s in _on_its_device(steps, "CA", two[:1])] == ["router", WAIT, only_if]


def test_a_block_for_a_role_shows_no_prompt_made_of_it():
    """CTL010's provider block is for "other CME", a role: no `(other CME#)` prompt, which no IOS
    hostname (they have no spaces) could print."""
    from cmedebug.engine import all_rules

    ctl010 = next(r for r in all_rules() if r.id == "CTL010")
    provider = next(b for b in render_blocks(ctl010.remediation) if b.device == "other CME")
    assert heading(provider) == "on the other CME, pasted at its privileged EXEC prompt"
