"""`cmedebug reproduce NAME --out DIR --fix`: the first root cause's steps, typed into the
reference CME's CLI as rendered, proven (or not) by replaying the phone."""
from __future__ import annotations

import tomllib

import pytest
from click.testing import CliRunner

from cmedebug.cli import main
from cmedebug.refcme.debuglog import PhoneLog
from cmedebug.refcme.fix import phone_action, verify_commands
from cmedebug.refcme.phone import Phone
from cmedebug.refcme.runner import make_world
from cmedebug.refcme.scenarios import SCENARIOS

# Scenarios whose first root cause's steps do not prove today, and why (rule steps are
# engineer C's area, issue 13 parts 1 and 5). A scenario that starts to prove fails its
# case here (strict xfail): take it off the list.
NOT_PROVEN = {
    "clock-never-set": "CLK001 steps keep <ntp-ip>",
    "clock-set-after-ca-built": "CLK004 steps keep <CA> and <tp>",
    "ntp-unsynchronised": "CLK003 steps keep <ntp-ip>, <interface>",
    "ca-clock-ahead": "CLK005 steps keep <ntp-ip>; enroll typed in EXEC",
    "cert-expired": "PKI001 steps put `crypto pki enroll` in EXEC and keep <trustpoint>",
    "ca-cert-expired": "PKI002 steps keep <CA> and <tp>",
    "http-server-off": "PKI004 steps keep <tp>, <acl-permitting-clients>",
    "enrollment-pending-manual-grant": "PKI005 grants, but no `regenerate` follows: no CTL, phone non-secure",
    "ca-server-disabled": "PKI006 steps keep <CA>",
    "ca-database-lost": "PKI006 steps keep <CA>",
    "ca-unreachable": "PKI007 steps keep <tp>, <ca-ip>",
    "ca-rebuilt-stale-ctl": "CTL002: the phone's LSC is from the old CA; it needs a new LSC (cert-oper upgrade)",
    "sast-changed": "CTL005 steps keep <surviving original SAST>",
    "ctl-not-served": "CTL001 steps keep <cme-ip>, <CME-TLS>",
    "secure-signaling-trustpoint-unset": "CFG004 steps keep <CME-TLS>",
    "tftp-credentials-trustpoint-unset": "CFG005 steps keep <CME-TFTP>",
    "mic-root-missing": "PKI019 steps keep <MICROOT>",
    "capf-ra-enrollment-failure": "PKI005 grants one request; the next CAPF request waits again (grant auto needed)",
    "capf-auth-string-mismatch": "CAPF001 steps keep <ephone-tag>, <n> and set device-security-mode none",
    "capf-auth-mode-mismatch": "CAPF002 steps keep <n>",
    "tls-version-mismatch": "TLS002 steps use the SRST-only call-manager-fallback",
    "key-too-small": "PKI013 steps keep <tp>",
}


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


def test_a_fix_the_cli_rejects_is_not_proven_and_exits_1(tmp_path):
    result, _, fix = _fix(tmp_path, "cert-expired")
    assert result.exit_code == 1 and "not proven: cert-expired" in result.output
    assert fix["verdict"] == "not proven"
    assert "crypto pki enroll sast1" in fix["cli"]["rejected"]  # global configuration typed in EXEC
    assert any(r.startswith("the CLI rejected") for r in fix["reasons"])
    assert "% Invalid input detected at '^' marker." in fix["cli"]["transcript"]


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


def test_verify_commands_are_the_quoted_show_commands():
    assert verify_commands("Verify with `show ctl-client` and `debug ctl-client`, then `show ephone`.") == \
        ["show ctl-client", "show ephone"]


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n, s in SCENARIOS.items() if s.first_root])
def test_every_failing_scenario_fix_is_proven(tmp_path, name, request):
    if name in NOT_PROVEN:
        request.applymarker(pytest.mark.xfail(reason=NOT_PROVEN[name], strict=True))
    result, _, fix = _fix(tmp_path, name)
    assert fix["rule"] == SCENARIOS[name].first_root[0]
    assert fix["verdict"] == "proven", fix["reasons"]
    assert result.exit_code == 0
