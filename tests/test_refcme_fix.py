"""`cmedebug reproduce NAME --out DIR --fix`: the first root cause's steps, typed into the
reference CME's CLI as rendered, proven (or not) by replaying the phone."""
from __future__ import annotations

import tomllib

import pytest
from click.testing import CliRunner

from cmedebug.cli import main
from cmedebug.model import Confidence, Finding, Severity
from cmedebug.pipeline import analyze
from cmedebug.refcme.debuglog import PhoneLog
from cmedebug.refcme.fix import apply_and_replay, phone_action, phone_holds, verify_commands
from cmedebug.refcme.ios_cli import INVALID
from cmedebug.refcme.phone import Phone
from cmedebug.refcme.runner import make_world
from cmedebug.remediation import Step
from cmedebug.refcme.scenarios import SCENARIOS, reproduce

# Scenarios whose first root cause's steps do not prove today, and why (rule steps are
# engineer C's area, issue 13 parts 1 and 5). A scenario that starts to prove fails its
# case here (strict xfail): take it off the list.
NOT_PROVEN: dict[str, str] = {}
# Faults no CLI step fixes: `reproduce --fix` says what to do instead of trying.
BEYOND_THE_CLI = {"platform-unsupported": "replace the platform"}


def _fix(tmp_path, name: str):
    out = tmp_path / name
    result = CliRunner().invoke(main, ["reproduce", name, "--out", str(out), "--fix"])
    return result, out, tomllib.loads((out / "fix.toml").read_text())


def test_a_proven_fix_writes_after_and_fix_toml(tmp_path):
    result, out, fix = _fix(tmp_path, "config-signed-by-untrusted")
    assert result.exit_code == 0, result.output
    assert "config-signed-by-untrusted: fix proven (CTL004)" in result.output
    assert fix["verdict"] == "proven" and fix["reasons"] == []
    assert fix["phone"]["before"] == "stopped:config" and fix["phone"]["after"] == "registered-secure"
    assert fix["phone"]["kept_ctl"] and fix["phone"]["kept_lsc"]
    typed = fix["block"][0]["text"]
    server_line = next(line.strip() for line in typed.splitlines() if line.strip().startswith("server tftp"))
    # each rendered line was typed at the prompt, in order
    echoed = [line.split("#", 1)[1] for line in fix["cli"]["transcript"].splitlines() if "#" in line]
    assert echoed == [line.strip() for line in typed.splitlines()]
    before = {p.name for p in out.iterdir() if p.is_file() and p.suffix != ".toml"}
    after = {p.name for p in (out / "after").iterdir()}
    assert {"router.log", "shows.txt", "running-config.txt", "phone-status.txt"} <= after <= before | after
    assert f" {server_line}" in (out / "after" / "running-config.txt").read_text()  # the change, as typed
    assert fix["after"]["high_or_above"] == [] and fix["verify"]["rule_cleared"]


def test_the_verify_step_runs_its_show_commands_on_the_cli(tmp_path):
    _, _, fix = _fix(tmp_path, "secure-listener-down")
    assert fix["verdict"] == "proven"
    outputs = {c["command"]: c["output"] for c in fix["verify"].get("command", [])}
    assert outputs, fix["verify"]
    assert all("Invalid input" not in text for text in outputs.values())


def test_healthy_needs_no_fix(tmp_path):
    result, out, fix = _fix(tmp_path, "healthy")
    assert result.exit_code == 0 and fix["verdict"] == "nothing to fix"
    assert not (out / "after").exists()


def test_a_step_typed_in_the_wrong_mode_is_rejected_and_the_fix_not_proven(tmp_path):
    world = reproduce("cert-expired", tmp_path / "case")
    finding = Finding("TEST001", "test", Severity.HIGH, Confidence.HIGH, "m",
                      remediation=["crypto pki enroll cme-sccp"])  # global configuration, typed in EXEC
    result = apply_and_replay(world, finding, tmp_path / "after", analyze)
    assert result.cli_errors == ["crypto pki enroll cme-sccp"]
    assert not result.proven and result.reasons[0].startswith("the CLI rejected 1 line(s)")
    assert result.transcript[1:3] == ["               ^", INVALID]
    assert (tmp_path / "after" / "router.log").is_file()  # replayed anyway: the after evidence is written


def test_the_exit_code_follows_the_verdict(tmp_path):
    result, _, fix = _fix(tmp_path, "cert-expired")
    assert fix["verdict"] in ("proven", "not proven")
    assert result.exit_code == (1 if fix["verdict"] == "not proven" else 0)
    assert ("not proven: cert-expired" in result.output) == (fix["verdict"] == "not proven")


def test_phone_actions_change_only_what_the_handset_action_changes():
    phone = make_world(0).phone
    phone.state.ctl, phone.state.lsc, phone.state.config = b"ctl", ("cert", "key"), b"cfg"
    assert phone_action(phone, "Settings > Security > Trust List > CTL File: erase")["performed"]
    assert phone.state.ctl is None and phone.state.lsc == ("cert", "key")
    phone.state.ctl = b"ctl"
    assert "factory reset" in phone_action(phone, "Factory reset the phone (**#**)")["performed"]
    assert phone.state.ctl is None and phone.state.lsc is None and phone.state.config is None
    phone.state.ctl = b"ctl"
    assert "no ITL" in phone_action(phone, "erase itl")["performed"] and phone.state.ctl == b"ctl"
    assert phone_action(phone, "Hold the phone up")["performed"] == "not modelled by the reference phone"
    assert isinstance(phone, Phone) and isinstance(phone.log, PhoneLog)


def test_phone_checks_report_what_the_phone_holds(tmp_path):
    phone = reproduce("healthy", tmp_path / "case").phone
    assert phone_action(phone, "check ctl")["performed"] == "checked: CTL with 5 record(s), signed by CN=sast1"
    assert phone_holds(phone, "ctl") == "CTL with 5 record(s), signed by CN=sast1"
    assert phone_holds(phone, "lsc").startswith("LSC CN=SEP001122334455 issued by CN=cme-root")
    phone.state.lsc = None
    assert phone_holds(phone, "lsc") == "no LSC installed"


def test_typing_the_auth_string_on_the_phone_uses_the_string_given_or_the_one_configured(tmp_path):
    world = reproduce("capf-auth-string-mismatch", tmp_path / "case")
    phone, router = world.phone, world.router
    assert phone_action(phone, "enter auth-string 5678", router)["performed"].startswith("authentication string")
    assert phone.auth_string == "5678"
    phone_action(phone, "enter auth-string", router)  # read from `show capf-server auth-string`
    assert phone.auth_string == router.ephone_for(phone.device).capf_auth_str == "1234"


def test_a_submitted_auth_string_opens_the_capf_session_at_once(tmp_path):
    """Settings > Security Configuration > LSC > Update: the phone contacts CAPF when the
    string is submitted, so `check lsc` right after shows the new LSC (a wrong string, none)."""
    world = reproduce("capf-auth-string-mismatch", tmp_path / "case")
    phone, router = world.phone, world.router
    assert phone.state.lsc is None
    assert phone_action(phone, "enter auth-string 9999", router)["performed"].endswith("CAPF auth-failed")
    assert phone_holds(phone, "lsc") == "no LSC installed"
    assert phone_action(phone, "enter auth-string", router)["performed"] == \
        "authentication string typed and submitted: CAPF upgraded"
    assert phone_action(phone, "check lsc")["performed"].startswith("checked: LSC CN=SEP001122334455")


def test_verify_commands_are_the_quoted_show_commands():
    assert verify_commands("Verify with `show ctl-client` and `debug ctl-client`, then `show ephone`.") == \
        ["show ctl-client", "show ephone"]


@pytest.fixture(scope="module")
def all_fixed(tmp_path_factory):
    """`cmedebug reproduce --all --fix --out DIR`, once for the module."""
    out = tmp_path_factory.mktemp("all")
    result = CliRunner().invoke(main, ["reproduce", "--all", "--fix", "--out", str(out)])
    return result, out


@pytest.mark.slow
def test_reproduce_all_fix_writes_every_scenario_and_exits_1_while_a_fix_does_not_prove(all_fixed):
    result, out = all_fixed
    tables = {name: tomllib.loads((out / name / "fix.toml").read_text()) for name in SCENARIOS}
    unproven = sorted(n for n, t in tables.items() if t["verdict"] == "not proven")
    assert tables["healthy"]["verdict"] == "nothing to fix"
    assert result.exit_code == (1 if unproven else 0)
    assert (f"not proven: {', '.join(n for n in SCENARIOS if n in unproven)}" in result.output) == bool(unproven)


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n, s in SCENARIOS.items() if s.first_root])
def test_every_failing_scenario_fix_is_proven(all_fixed, name, request):
    if name in NOT_PROVEN:
        request.applymarker(pytest.mark.xfail(reason=NOT_PROVEN[name], strict=True))
    fix = tomllib.loads((all_fixed[1] / name / "fix.toml").read_text())
    assert fix["rule"] == SCENARIOS[name].first_root[0]
    if name in BEYOND_THE_CLI:
        assert fix["verdict"] == "not provable on the CLI" and BEYOND_THE_CLI[name] in fix["reasons"][0]
        assert not (all_fixed[1] / name / "after").exists()  # nothing was typed or replayed
        return
    assert fix["verdict"] == "proven", fix["reasons"]
    assert fix["phone"]["kept_ctl"] and fix["phone"]["kept_lsc"]  # what a real phone keeps, unless a step erased it


def test_a_granted_request_is_installed_at_the_next_poll_so_the_ctl_waits_for_it(tmp_path):
    """PKI005: the router collects a granted certificate at its next SCEP poll, not at the
    grant (primer 2.2 step 5). Typed without the wait, the CTL is regenerated before the
    certificates arrive and the fix does not prove; with it, it does."""
    from dataclasses import replace

    from cmedebug.remediation import WAIT

    def pki005(name):
        world = reproduce("enrollment-pending-manual-grant", tmp_path / name)
        case = analyze([str(p) for p in sorted((tmp_path / name).iterdir()) if p.is_file()])
        return world, next(f for f in case.findings if f.rule_id == "PKI005")

    world, finding = pki005("hurried")
    assert [s.command for s in finding.remediation if s.device == WAIT] == [
        "wait until the granted certificates are installed"]
    hurried = replace(finding, remediation=[s for s in finding.remediation if s.device != WAIT])
    assert not apply_and_replay(world, hurried, tmp_path / "hurried-after", analyze).proven
    world, finding = pki005("waited")
    result = apply_and_replay(world, finding, tmp_path / "waited-after", analyze)
    assert result.proven, result.reasons
    assert any("installed: cme-sccp" in a.get("performed", "") for a in result.phone_actions)


def test_a_placeholder_no_evidence_fills_is_named_as_why_the_cli_rejected_the_fix(tmp_path):
    """A block keeps `<issued-trustpoint>` where the capture names no trustpoint: the CLI refuses
    it and the sub-mode lines after it. The verdict says the placeholder is why, not only that the
    CLI refused lines."""
    world = reproduce("cert-expired", tmp_path / "case")
    finding = Finding("TEST001", "test", Severity.HIGH, Confidence.HIGH, "m",
                      remediation=[Step("config", "crypto pki trustpoint <issued-trustpoint>"),
                                   Step("ca-trustpoint", "serial-number none")])
    result = apply_and_replay(world, finding, tmp_path / "after", analyze)
    assert result.cli_errors[0] == "crypto pki trustpoint <issued-trustpoint>"
    assert result.reasons[0].startswith("the fix keeps placeholder(s) the evidence does not fill "
                                        "(<issued-trustpoint>): the CLI rejected")


def test_the_wait_for_a_new_certificate_is_one_poll_of_the_ca(tmp_path):
    """PKI009's wait (`wait until the new certificate is installed`) passes one enrollment retry
    period on the reference CME, as the wait for granted certificates does: not "not modelled"."""
    from cmedebug.refcme.fix import wait_until

    world = reproduce("enrollment-pending-manual-grant", tmp_path / "case")
    before = world.log.clock.now
    done = wait_until(world, "wait until the new certificate is installed")
    assert done["performed"].startswith("waited ") and "the trustpoints polled the CA" in done["performed"]
    assert (world.log.clock.now - before).total_seconds() >= 60
