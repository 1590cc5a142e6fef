"""Remediation steps: every rule's steps agree with the IOS command table, every
rendered block walks cleanly through the table's mode machine, and every output
(text, HTML, Markdown, JSON) of every sample scenario shows exactly those blocks."""
from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

import pytest
from show_helpers import load_text

from cmedebug.engine import all_rules
from cmedebug.ios_commands import INVALID_INPUT, ModeMachine, lookup
from cmedebug.pipeline import analyze
from cmedebug.remediation_context import fit
from cmedebug.remediation import (NOT_TYPED, PHONE, Block, Step, StepOrderError, fill, reasons, render_blocks,
                                  to_keep)

REPO = Path(__file__).resolve().parents[1]


def every_fix(rule) -> list[tuple[Step, ...]]:
    """The rule's remediation and each of its variants' steps: every fix a finding of it can print."""
    return [rule.remediation, *(steps for _, steps in rule.variants)]
SCENARIOS = sorted(p for p in (REPO / "sample_logs").iterdir() if p.is_dir())


def walk(block: Block) -> list[str]:
    """Type the block into the mode machine: the problems IOS would report, and
    whether it ends back at privileged EXEC."""
    if block.device in NOT_TYPED:  # the phone's actions, a wait: never typed into IOS
        return [f"unknown {block.device} action {line.text!r}" for line in block.lines
                if lookup(line.text, block.device) is None]
    machine, problems = ModeMachine(), []
    for line in block.lines:
        if line.answer:
            continue
        machine.pending = []
        if machine.feed(line.text) == INVALID_INPUT:
            problems.append(f"{line.text.strip()!r} typed in {machine.mode}")
    if machine.mode != "exec":
        problems.append(f"the block ends in {machine.mode}")
    return problems


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.id)
def test_every_step_agrees_with_the_command_table(rule):
    assert rule.remediation, f"{rule.id} has no remediation steps"
    for step in (step for steps in every_fix(rule) for step in steps):
        entry = lookup(step.command, step.mode)
        assert entry is not None, f"{rule.id}: `{step.command}` is not accepted in {step.mode} by the table"
        if entry.destructive:
            assert step.warning, f"{rule.id}: `{step.command}` {entry.destructive}, and the step has no warning"
        dialogs = entry.dialogs()
        assert len(step.replies()) in {len(asked) for asked in dialogs.values()}, \
            f"{rule.id}: `{step.command}` answers {step.replies()} to {[q.text for q in entry.questions]}"


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.id)
def test_every_rule_renders_blocks_that_walk_cleanly(rule):
    for steps in every_fix(rule):
        blocks = render_blocks(steps)
        assert blocks
        for block in blocks:
            assert not walk(block), (rule.id, walk(block), block.text)


def test_config_commands_never_follow_end():
    """The 17 rules of issue 13 that typed global-configuration commands after `end`."""
    ids = "CLK002 CLK005 CLK006 CTL008 PKI003 PKI004 PKI007 PKI008 PKI009 PKI010 PKI012 PKI013 PKI014 PKI017 " \
          "PKI019 TLS003 TLS004".split()
    rules = {r.id: r for r in all_rules()}
    for rule_id in ids:
        for block in render_blocks(rules[rule_id].remediation):
            for line in block.lines:
                if line.step is not None and line.step.mode == "config":
                    assert line.mode == "config", (rule_id, line)


def test_a_sub_mode_step_must_follow_the_command_that_enters_it():
    with pytest.raises(StepOrderError):
        render_blocks([Step("config", "ntp update-calendar"), Step("ca-trustpoint", "auto-enroll 70")])
    with pytest.raises(ValueError):
        Step("global", "ntp update-calendar")


def test_fill_repeats_a_trustpoint_run_and_drops_a_known_empty_slot():
    steps = [Step("config", "crypto pki trustpoint {trustpoint}"), Step("ca-trustpoint", "auto-enroll 70"),
             Step("config", "crypto pki enroll {spare_sast}")]
    filled = fill(steps, {"trustpoint": ["cme-tls", "cme-tftp"], "spare_sast": []})
    assert [s.command for s in filled] == ["crypto pki trustpoint cme-tls", "auto-enroll 70",
                                           "crypto pki trustpoint cme-tftp", "auto-enroll 70"]
    text = render_blocks(fill(steps, {}))[0].text
    assert "crypto pki trustpoint <trustpoint>" in text and "{" not in text


def test_slots_the_steps_do_not_name_change_nothing():
    """A case-wide list (every ephone of a thousand phones) given with the values of a
    finding whose steps do not name it leaves the filled steps and verify line alike."""
    from cmedebug.remediation import fill_text

    steps = [Step("config", "crypto pki trustpoint {trustpoint}"), Step("ca-trustpoint", "auto-enroll 70"),
             Step("config", "ephone {ephone}"), Step("config-ephone", "reset")]
    values = {"trustpoint": ["cme-tls", "cme-tftp"], "ephone": 7}
    others = {"secure_ephone": list(range(1, 1001)), "spare_sast": [], "issued_trustpoint": ["a", "b"]}
    assert fill(steps, {**values, **others}) == fill(steps, values)
    assert [s.command for s in fill(steps, values)][-2:] == ["ephone 7", "reset"]
    verify = "Verify on ephone {ephone} with trustpoints {trustpoint}: {secure_ephone}"
    assert fill_text(verify, {**values, **others}) == \
        "Verify on ephone 7 with trustpoints cme-tls, cme-tftp: " + ", ".join(map(str, range(1, 1001)))
    assert fill_text(verify, values) == "Verify on ephone 7 with trustpoints cme-tls, cme-tftp: <secure-ephone>"


def test_a_block_says_what_to_mind_before_it_and_why_each_line_is_there_after_it():
    """What to read before pasting (a warning; a placeholder, which IOS would take as typed)
    is apart from what each line is for (a fix whose remedy is a check, `show version`,
    means nothing without it); lines that share a why are named together; the lines typed after
    a command are named by the question of IOS they answer (an empty one is a bare Enter)."""
    from cmedebug.remediation import cautions, reasons

    steps = [Step("exec", "show version", why="move Secure CME to an ISR G2"),
             Step("config", "crypto pki trustpoint {trustpoint}", why="no questions during enrollment"),
             Step("ca-trustpoint", "serial-number none"),
             Step("config", "crypto pki enroll {trustpoint}", warning="IOS asks twice"),
             Step("config", "telephony-service"), Step("config-telephony", "reset all", why="phones restart")]
    (block,) = render_blocks(fill(steps, {"trustpoint": ["cme-tls", "cme-tftp"]}))
    assert cautions(block) == [
        "WARNING: IOS asks twice",
        "replace <challenge> before pasting: a challenge password you choose; IOS asks it twice and needs it to "
        "revoke the certificate"]
    assert reasons(block) == [
        "show version: move Secure CME to an ISR G2",
        "crypto pki trustpoint cme-tls / crypto pki trustpoint cme-tftp: no questions during enrollment",
        "crypto pki enroll cme-tls / crypto pki enroll cme-tftp: typed after it, the answers to IOS's questions: "
        "`Password:` -> `<challenge>`; `Re-enter password:` -> `<challenge>`; "
        "`Request certificate from CA? [yes/no]:` -> `yes`",
        "reset all: phones restart",
        "write memory: save what this block changed (configuration, keys, certificates): a reload would lose it"]
    phone = render_blocks([Step(PHONE, "check ctl", why="the CTL shows the new SAST", device=PHONE)])[0]
    assert cautions(phone) == [] and reasons(phone) == ["check ctl: the CTL shows the new SAST"]
    (copied,) = render_blocks([Step("exec", "copy nvram:ca.ser flash:ca/ca.ser")])
    assert [line.text for line in copied.lines] == ["copy nvram:ca.ser flash:ca/ca.ser", ""]
    assert reasons(copied) == ["copy nvram:ca.ser flash:ca/ca.ser: typed after it, the answers to IOS's questions: "
                               "`Destination filename [<file>]?` -> an empty line (Enter: the default)"]


def test_every_report_puts_the_warnings_and_placeholders_above_the_block(analysed):
    """Read top-down at 2 a.m., a warning printed under a block comes after the paste: the
    text, HTML and case-note reports print a block's warnings and the placeholders to
    replace above its first line, and why each line is there below its last."""
    from cmedebug.reports import case_note, text
    from cmedebug.reports import html as html_report
    from cmedebug.triage import build_note

    case = analysed["ca-unreachable"]  # PKI007: enrollment (<challenge> asked twice), reset all (warned)
    heading, first = "pasted at the privileged EXEC prompt", "ping 10.1.1.1"
    before = ("WARNING: every phone restarts", "replace <challenge> before pasting")
    after = "ping 10.1.1.1: the CA answers"

    def check(page: str) -> None:
        start = page.index(first)
        above = page[page.rindex(heading, 0, start):start]
        assert all(caution in above for caution in before), above
        assert after in page[start:] and after not in above

    check(text.render(case))
    check(case_note.render(build_note(case), "text"))
    check(html.unescape(html_report.render(case)))


def test_a_block_that_changes_the_configuration_ends_saved(analysed):
    """Enrolled certificates, new keys and every configuration change live in the running
    configuration until `write memory` (primer F16: keys generated but never saved): a
    router block that configured something ends with it, once; a block that only shows or
    pings does not, nor one whose steps save already (PLAT002 saves before its reload)."""
    configures = render_blocks([Step("config", "ntp server 10.1.1.254")])[0]
    assert configures.text.splitlines()[-2:] == ["end", "write memory"]
    looks = render_blocks([Step("exec", "show clock detail"), Step("exec", "ping 10.1.1.1")])[0]
    assert "write memory" not in looks.text
    reloads = [Step("config", "license boot module c2900 technology-package uck9"), Step("exec", "write memory"),
               Step("exec", "reload")]
    assert render_blocks(reloads)[0].text.splitlines()[-2:] == ["write memory", "reload"]
    phone = render_blocks([Step(PHONE, "check ctl", device=PHONE)])[0]
    assert "write memory" not in phone.text
    # an export is typed in configuration mode, but only prints: nothing to save
    exports = render_blocks([Step("config", "crypto pki export cme-root pem terminal"),
                             Step("config", "crypto key export rsa sast1 pem terminal 3des <pw>")])[0]
    assert exports.text.splitlines() == ["configure terminal", "crypto pki export cme-root pem terminal",
                                         "crypto key export rsa sast1 pem terminal 3des <pw>", "end"]
    # the debugs' logging is a capture's setting: saved, it would outlive the capture
    capture = render_blocks([Step("config", "logging buffered 1000000 debugging"), Step("config", "no logging console"),
                             Step("exec", "debug ssl openssl errors")])[0]
    assert capture.text.splitlines() == ["configure terminal", "logging buffered 1000000 debugging",
                                         "no logging console", "end", "debug ssl openssl errors"]
    for name, case in analysed.items():  # every sample's fix: each router block changing what it keeps is saved
        for f in case.findings:
            for block in render_blocks(f.remediation):
                lines = [line.text.strip() for line in block.lines]
                configures = any(line.step is not None and line.step.mode != "exec" and to_keep(line.step)
                                 for line in block.lines)
                if block.device not in NOT_TYPED and configures:
                    assert lines.count("write memory") == 1, (name, f.rule_id, lines)
                    assert lines.index("write memory") > max(i for i, line in enumerate(lines) if line == "end")
                elif block.device not in NOT_TYPED:
                    assert "write memory" not in lines, (name, f.rule_id, lines)


def test_a_sub_mode_entered_again_right_inside_it_is_not_left_and_entered_again():
    """Two shared sequences that each enter `telephony-service` (the files rebuilt, then the
    phones restarted) print one section; another ephone, or an entry that says why, is left
    and entered as written."""
    steps = [Step("config", "telephony-service"), Step("config-telephony", "create cnf-files"),
             Step("config", "telephony-service"), Step("config-telephony", "reset all"),
             Step("config", "ephone 1"), Step("config-ephone", "reset"),
             Step("config", "ephone 2"), Step("config-ephone", "reset"),
             Step("config", "ephone 2", why="the second phone again"), Step("config-ephone", "restart")]
    assert render_blocks(steps)[0].text.splitlines() == [
        "configure terminal", "telephony-service", " create cnf-files", " reset all", " exit",
        "ephone 1", " reset", " exit", "ephone 2", " reset", " exit", "ephone 2", " restart", "end", "write memory"]
    from cmedebug.remediation_steps import CNF_FILES, PHONES_RESTART

    (block,) = render_blocks([*CNF_FILES, *PHONES_RESTART])  # the shared sequences, as IOS reads them
    assert [line.text.strip() for line in block.lines] == [
        "configure terminal", "telephony-service", "create cnf-files", "reset all", "end", "write memory"]
    assert not walk(block)


def test_every_fix_that_regenerates_the_ctl_restarts_the_phones_after_it():
    """A phone reads a new CTL when it boots (primer F20-F26, F31): a fix whose last CTL
    `regenerate` no restart follows (CFG004, CLK003, CTL006, CTL008, CTL010, PKI005 did so)
    leaves the phones on the CTL that failed."""
    from cmedebug.engine import all_rules

    restarts = ("reset all", "restart all", "reset")
    for rule, steps in ((rule, steps) for rule in all_rules() for steps in every_fix(rule)):
        commands = [(step.mode, step.command) for step in steps]
        regenerated = [i for i, (_, command) in enumerate(commands) if command == "regenerate"]
        if regenerated:
            after = commands[regenerated[-1]:]
            assert any(command in restarts or mode == PHONE for mode, command in after), rule.id


def test_a_renewal_of_the_sasts_alone_builds_the_ctl_in_the_rotation_only(analysed):
    """TLS004 on sast-changed: only the SAST key is weak, no other trustpoint is renewed, so the
    CTL and files are not built again before stage 1 (nothing had changed in them)."""
    tls004 = next(f for f in analysed["sast-changed"].findings if f.rule_id == "TLS004")
    lines = [line.text.strip() for block in render_blocks(tls004.remediation) for line in block.lines]
    new_key = next(i for i, line in enumerate(lines) if line.startswith("crypto key generate rsa"))
    assert "regenerate" not in lines[:new_key] and "create cnf-files" not in lines[:new_key], lines[:new_key]
    assert "regenerate" in lines[new_key:]


def test_mode_machine_refuses_a_command_in_the_wrong_mode():
    machine = ModeMachine()
    assert machine.feed("crypto pki enroll cme-tls") == INVALID_INPUT
    assert machine.feed("configure terminal") is None and machine.prompt("CME") == "CME(config)#"
    assert machine.feed("crypto pki server cme-root") is None and machine.prompt("CME") == "CME(cs-server)#"
    assert machine.feed("regenerate") == INVALID_INPUT
    assert machine.feed("grant auto") is None and machine.pending  # D1 waits for its answer
    assert machine.feed("yes") is None and not machine.pending
    assert machine.feed("end") is None and machine.mode == "exec"


def _analysed(folder: Path):
    return analyze([str(folder)])


@pytest.fixture(scope="module")
def analysed():
    return {folder.name: _analysed(folder) for folder in SCENARIOS}


def test_cert_expired_fix_fills_the_trustpoints_and_never_renews_both_sasts_at_once(analysed):
    case = analysed["cert-expired"]
    pki001 = next(f for f in case.findings if f.rule_id == "PKI001")
    blocks = render_blocks(pki001.remediation)
    text = "\n".join(b.text for b in blocks)
    for tp in ("cme-sccp", "cme-tftp", "cme-capf"):
        assert f"crypto pki enroll {tp}" in text
    assert "<trustpoint>" not in text and "{trustpoint}" not in text
    first = blocks[0].text
    assert "crypto pki enroll sast2" in first and "crypto pki enroll sast1" not in first
    assert blocks[1].device == PHONE
    assert "crypto pki enroll sast1" in blocks[2].text and "sast1 trustpoint sast2" in blocks[2].text


def test_cme_only_steps_are_dropped_where_the_evidence_shows_no_cme(tmp_path):
    log = tmp_path / "ca.log"
    log.write_text("CA-1#show clock\n10:15:02.123 UTC Thu Nov 26 2026\nCA-1#show crypto pki server\n"
                   "Certificate Server ca-1:\n    Status: enabled\n    State: enabled\n    Issuer name: CN=ca-1\n"
                   "    Granting mode is: auto\n    CA certificate expiration timer: 13:46:57 UTC Dec 1 2025\n",
                   encoding="utf-8")
    case = analyze([str(log)])
    pki002 = next(f for f in case.findings if f.rule_id == "PKI002")
    commands = [s.command for s in pki002.remediation]
    assert "no crypto pki server ca-1" in commands
    assert not {"ctl-client", "telephony-service", "regenerate", "create cnf-files"} & set(commands)
    # no CME, so no CTL client to record and no SAST key to back up here
    assert "show ctl-client" not in commands and not [c for c in commands if c.startswith("crypto key export")]


def test_cme_steps_stay_where_only_cmes_debugs_show_it(tmp_path):
    """`debug capf-server` output alone is CME's evidence: a kind family (`capf`) counts for
    every kind in it (the families were written `capf.`, which matched no kind)."""
    from cmedebug.remediation_context import cme_in_evidence

    log = tmp_path / "capf.log"
    log.write_text("*Mar  1 00:05:01.100: ephone_capf_send_end_session_msg: SEP000E325C9A43\n"
                   "*Mar  1 00:05:01.000: %CAPF-3-STORE_CERT_FAILED: store operation failed for SEP000E325C9A43\n",
                   encoding="utf-8")
    case = analyze([str(log)])
    assert case.has("capf") and cme_in_evidence(case)
    show_only = tmp_path / "sccp.txt"
    show_only.write_text("Router#show sccp connections\nsess_id    conn_id      stype mode     codec   ripaddr\n",
                         encoding="utf-8")
    assert not cme_in_evidence(analyze([str(show_only)]))


def _fixes(case) -> dict[str, list[Block]]:
    return {f.id: render_blocks(f.remediation) for f in case.findings if f.remediation}


def _shown_in(output: str, block: Block) -> bool:
    """The block's lines appear in the output consecutively, in order."""
    lines = [line.text for line in block.lines]
    rows = [row.strip() for row in output.splitlines()]
    return any(rows[i:i + len(lines)] == [t.strip() for t in lines] for i in range(len(rows) - len(lines) + 1))


@pytest.mark.parametrize("folder", SCENARIOS, ids=lambda p: p.name)
def test_every_output_shows_the_rendered_blocks_in_their_modes(folder, analysed):
    from cmedebug.reports import case_note, json_report, text
    from cmedebug.reports import html as html_report
    from cmedebug.triage import build_note

    case = analysed[folder.name]
    fixes = _fixes(case)
    for finding_id, blocks in fixes.items():
        for block in blocks:
            assert not walk(block), (finding_id, walk(block), block.text)
    report = json.loads(json_report.render(case))
    for f in report["findings"]:
        steps = [Step(s["mode"], s["command"], why=s["why"], warning=s["warning"], device=s["device"],
                      answers=tuple(s["answers"])) for s in f["remediation"]]
        assert [b.text for b in render_blocks(steps)] == [b.text for b in fixes.get(f["id"], [])]
    roots = {f.id for f in case.root_causes()}
    plain = text.render(case)
    page = html.unescape(re.sub(r"<[^>]+>", "\n", html_report.render(case)))
    note = build_note(case)
    markdown = case_note.render(note, "md")
    for finding_id, blocks in fixes.items():
        for block in blocks:
            if finding_id in roots:
                assert _shown_in(plain, block), (finding_id, block.text)
            assert _shown_in(page, block), (finding_id, block.text)
    for f in case.root_causes():
        for block in fixes.get(f.id, []):
            assert _shown_in(markdown, block), (f.id, block.text)


def test_rules_list_json_gives_every_rule_with_its_generic_steps():
    from click.testing import CliRunner

    from cmedebug.cli import main

    result = CliRunner().invoke(main, ["rules", "list", "--format", "json"])
    assert result.exit_code == 0, result.output
    rules = {r["id"]: r for r in json.loads(result.output)["rules"]}
    assert set(rules) == {r.id for r in all_rules()}
    pki001 = rules["PKI001"]
    assert pki001["severity"] == "high" and pki001["name"] == "certificate-expired"
    enroll = next(s for s in pki001["remediation"] if s["command"] == "crypto pki enroll <trustpoint>")
    assert enroll["mode"] == "config" and enroll["answers"] == ["<challenge>", "<challenge>", "yes"]
    assert "trustpoint" in enroll["placeholders"]
    assert pki001["blocks"][0]["text"].startswith("configure terminal\n")


def test_the_command_table_page_is_current():
    from cmedebug.ios_commands_doc import markdown

    page = REPO / "docs" / "ios-commands.md"
    assert page.read_text(encoding="utf-8") == markdown(), \
        "docs/ios-commands.md is stale: run `python -m cmedebug.ios_commands_doc > docs/ios-commands.md`"


def test_every_command_the_rules_print_is_in_the_table_page():
    page = (REPO / "docs" / "ios-commands.md").read_text(encoding="utf-8")
    for rule in all_rules():
        for step in (step for steps in every_fix(rule) for step in steps):
            assert f"`{lookup(step.command, step.mode).pattern}`".replace("|", "\\|") in page


def test_a_fix_that_is_a_check_prints_what_to_do_in_every_report(analysed):
    """PLAT003's step is `show version`: the remedy is its why, which the text and HTML
    reports and the case note print with the block."""
    from cmedebug.reports import case_note, text
    from cmedebug.reports import html as html_report
    from cmedebug.triage import build_note

    case = analysed["platform-unsupported"]
    remedy = "show version: Secure CME is supported only on ISR G2 with SCCP phones: move Secure CME to an ISR G2"
    assert remedy in text.render(case)
    assert remedy in html.unescape(html_report.render(case))
    markdown = case_note.render(build_note(case), "md").splitlines()
    fence = markdown.index("  show version") + 1  # the note follows the block, inside its plan item
    assert markdown[fence] == "  ```" and markdown[fence + 1].startswith(f"  - {remedy}")


def test_a_ca_clock_ahead_is_waited_out_not_enrolled_again(analysed):
    """CLK005: the certificates the CA issued ahead become valid at their start date, so after
    the wait the CTL is built again and nothing is enrolled again (no SAST rotation)."""
    case = analysed["ca-clock-ahead"]
    clk005 = next(f for f in case.findings if f.rule_id == "CLK005")
    lines = [line.text.strip() for block in render_blocks(clk005.remediation) for line in block.lines]
    wait = next(i for i, line in enumerate(lines) if line.startswith("wait until "))
    assert "regenerate" in lines[wait:] and "reset all" in lines[wait:]
    assert not [line for line in lines if line.startswith("crypto pki enroll")]


def test_a_phone_load_upgrade_is_advised_only_where_the_router_accepts_tls_1_0(analysed):
    """TLS002 on classic IOS 15.x (the tls-version-mismatch sample's `show version`): the phone
    offered less than TLS 1.0, so it is given a current load and restarted."""
    case = analysed["tls-version-mismatch"]
    tls002 = next(f for f in case.findings if f.rule_id == "TLS002")
    lines = [line.text.strip() for block in render_blocks(tls002.remediation) for line in block.lines]
    assert lines[0] == "show version" and "create cnf-files" in lines and "reset all" in lines
    assert any(line.startswith("load ") for line in lines)


def test_a_weak_sast_key_is_replaced_one_sast_at_a_time(analysed):
    """TLS004 on a CTL signed with a 1024-bit SAST key: new 2048-bit keys for the SASTs, the
    spare first while the old SAST1 still signs, then the roles swap (a renewal on the same key
    left the key weak, and a re-keyed SAST1 signing at once is refused by every phone)."""
    case = analysed["sast-changed"]
    tls004 = next(f for f in case.findings if f.rule_id == "TLS004")
    lines = [line.text.strip() for block in render_blocks(tls004.remediation) for line in block.lines]
    spare = lines.index("crypto key generate rsa general-keys label sast2-2048 exportable modulus 2048")
    swap = lines.index("sast1 trustpoint sast2")
    signer = lines.index("crypto key generate rsa general-keys label sast1-2048 exportable modulus 2048")
    assert spare < lines.index("check ctl") < swap < signer


@pytest.mark.parametrize("rule_id, slot", [("PKI004", "uncertified_trustpoint"), ("PKI006", "uncertified_trustpoint"),
                                           ("PKI007", "trustpoint"), ("PKI008", "trustpoint"),
                                           ("PKI016", "trustpoint")])
def test_an_enrollment_fix_restarts_the_phones_only_when_it_enrolled_something(rule_id, slot):
    """Primer F20-F26, F31: a changed CTL reaches a phone when it boots. The enrollment fixes end
    with `reset all` once something was enrolled (or a SAST renewed), after the last regenerate
    and `create cnf-files`; where every trustpoint kept its certificate nothing restarts."""
    rule = next(r for r in all_rules() if r.id == rule_id)
    enrolled = [s.command for s in fill(rule.remediation, {slot: ["cme-tls"], "spare_sast": [], "signing_sast": []})]
    assert enrolled[-1] == "reset all" and enrolled.count("reset all") == 1, enrolled
    assert enrolled.index("crypto pki enroll cme-tls") < enrolled.index("regenerate") < enrolled.index("reset all")
    rotated = [s.command for s in fill(rule.remediation, {slot: [], "spare_sast": "sast2", "signing_sast": "sast1"})]
    assert rotated[-3:] == ["create cnf-files", "telephony-service", "reset all"] and "crypto pki enroll sast1" in rotated
    kept = [s.command for s in fill(rule.remediation, {slot: [], "spare_sast": [], "signing_sast": []})]
    assert "reset all" not in kept and "crypto pki enroll cme-tls" not in kept


def test_enrollment_fixes_of_the_samples_end_with_one_restart(analysed):
    """http-server-off, ca-server-disabled, ca-unreachable enroll every trustpoint: the phones
    restart once, at the end; ca-database-lost enrolls nothing again, so nothing restarts."""
    for name, rule_id in (("http-server-off", "PKI004"), ("ca-server-disabled", "PKI006"),
                          ("ca-unreachable", "PKI007"), ("ca-database-lost", "PKI006")):
        finding = next(f for f in analysed[name].findings if f.rule_id == rule_id)
        lines = [line.text.strip() for block in render_blocks(finding.remediation) for line in block.lines]
        if name == "ca-database-lost":
            assert "reset all" not in lines and not any(line.startswith("crypto pki enroll") for line in lines)
        else:
            assert lines[-3:] == ["reset all", "end", "write memory"] and lines.count("reset all") == 1, \
                (name, lines)


def test_a_step_that_depends_on_a_list_slot_is_neither_repeated_nor_kept_when_it_is_empty():
    """`only_if`: naming {trustpoint} in the restart's why would print it once per trustpoint."""
    steps = [Step("config", "crypto pki enroll {trustpoint}"), Step("config", "telephony-service", only_if=("trustpoint",)),
             Step("config-telephony", "reset all", only_if=("trustpoint", "spare_sast"))]
    two = [s.command for s in fill(steps, {"trustpoint": ["a", "b"]})]
    assert two == ["crypto pki enroll a", "crypto pki enroll b", "telephony-service", "reset all"]
    assert [s.command for s in fill(steps, {"trustpoint": []})] == []
    unknown = [s.command for s in fill(steps, {})]
    assert unknown == ["crypto pki enroll {trustpoint}", "telephony-service", "reset all"]  # not known empty: kept


def test_expired_cme_certificates_and_lscs_restart_the_phones_once_at_the_end(analysed):
    """PKI001 on cert-expired (CAPF issues the LSCs again): the CAPF operation goes into the
    phones' files before the final restart, so the phones restart once after the SAST rotation's
    phone check, not `reset all` and then each ephone's `reset` (primer F05: one or the other)."""
    pki001 = next(f for f in analysed["cert-expired"].findings if f.rule_id == "PKI001")
    lines = [line.text.strip() for block in render_blocks(pki001.remediation) for line in block.lines]
    after_check = lines[lines.index("check ctl"):]
    restarts = [line for line in after_check if line in ("reset all", "reset")]
    assert restarts == ["reset all"], after_check
    upgrade = after_check.index("cert-oper upgrade auth-mode null-string")
    assert upgrade < after_check.index("create cnf-files", upgrade) < after_check.index("reset all")
    assert after_check[-3:] == ["reset all", "end", "write memory"]


def test_a_slot_value_the_evidence_gives_twice_is_typed_once():
    """ephone 1 in two captures of one router's configuration: its CAPF operation once, not twice."""
    steps = [Step("config", "ephone {secure_ephone}"), Step("config-ephone", "cert-oper upgrade auth-mode null-string")]
    assert [s.command for s in fill(steps, {"secure_ephone": [1, "1"]})] == [
        "ephone 1", "cert-oper upgrade auth-mode null-string"]
    assert [s.command for s in fill(steps, {"secure_ephone": ["1", "2", "1"]})] == [
        "ephone 1", "cert-oper upgrade auth-mode null-string", "ephone 2", "cert-oper upgrade auth-mode null-string"]


def test_a_router_captured_twice_gets_each_command_of_its_fix_once(tmp_path):
    """The router's configuration captured before and after ephone 1 was changed (the second
    has a CAPF operation in it): PKI001's block types ephone 1's CAPF operation once, not once
    per capture of its configuration."""
    shutil.copytree(REPO / "sample_logs" / "cert-expired", tmp_path / "before")
    after = (tmp_path / "before" / "running-config.txt").read_text().replace(
        " capf-ip-in-cnf\n", " capf-ip-in-cnf\n cert-oper upgrade auth-mode null-string\n")
    (tmp_path / "after").mkdir()
    (tmp_path / "after" / "running-config.txt").write_text(after)
    pki001 = next(f for f in analyze([str(tmp_path)]).findings if f.rule_id == "PKI001")
    for block in render_blocks(pki001.remediation):
        entries: list[list[str]] = []
        for line in block.lines:
            if line.text.startswith(" ") and entries:
                entries[-1].append(line.text.strip())
            else:
                entries.append([line.text.strip()])
        for entry in entries:
            assert len(entry[1:]) == len(set(entry[1:])), (block.device, entry)


def test_a_weak_ctl_signer_known_only_from_debug_ctl_client_is_renewed_in_the_sast_rotation(tmp_path):
    """`debug ctl-client` alone (no configuration, no `show ctl-client`): two trustpoints got SAST
    records (function 0) and the CTL is signed with a 1024-bit key, but which one is SAST1 is not
    printed. TLS004's fix renews them in the two-stage rotation, the names left to fill from
    `show ctl-client`, never as one trustpoint re-keyed and the CTL regenerated at once: a
    CTL signed by a SAST key the phones never saw is refused by every phone."""
    debug = ["Router# debug ctl-client", "001954: .Jul 21 18:23:02.136: ctl_client_create_ctlfile:"]
    for n, (function, trustpoint) in enumerate([(0, "cme-a"), (0, "spare-b"), (1, "cme-a"), (3, "cme-a")]):
        debug += [f"0019{55 + 2 * n}: .Jul 21 18:23:02.{272 + 8 * n}: create_ctl_record: Function {function} "
                  f"Trustpoint {trustpoint}",
                  f"0019{56 + 2 * n}: .Jul 21 18:23:02.{276 + 8 * n}: create_ctl_record: record added for function "
                  f"{function}"]
    debug += ["001965: .Jul 21 18:23:02.424: ctl_client_create_ctlfile: Signature length 128",
              "001966: .Jul 21 18:23:02.640: CTL File Created Successfully"]
    log = tmp_path / "ctl-client.log"
    log.write_text("\n".join(debug) + "\n")
    tls004 = next(f for f in analyze([str(log)]).findings if f.rule_id == "TLS004")
    blocks = render_blocks(tls004.remediation)
    typed = [line.text.strip() for block in blocks for line in block.lines]
    assert "crypto pki enroll <trustpoint>" not in typed and "crypto pki enroll cme-a" not in typed
    enrolls = [i for i, line in enumerate(typed) if line.startswith("crypto pki enroll")]
    assert [typed[i] for i in enrolls] == ["crypto pki enroll <spare-sast>", "crypto pki enroll <signing-sast>"]
    checks = [i for i, line in enumerate(typed) if line == "check ctl"]
    assert len(checks) == 1 and enrolls[0] < checks[0] < enrolls[1]  # the phones hold stage 1's CTL first
    assert all(not walk(block) for block in blocks)


@pytest.mark.parametrize("name, rule_id", [("ca-cert-expired", "PKI002"), ("clock-set-after-ca-built", "CLK004")])
def test_a_ca_rebuild_records_the_ctl_client_and_backs_up_the_sast_keys_first(analysed, name, rule_id, tmp_path):
    """Primer §2.7 steps 1-2: `show ctl-client` recorded and each SAST key exported (where it is
    exportable: a block of its own, with its warning) before `no crypto pki server` deletes anything.
    The reference CME generates its keys non-exportable, and `show crypto pki trustpoints status`
    says so: there no export is printed (IOS refuses it); where it says exportable, each is."""
    finding = next(f for f in analysed[name].findings if f.rule_id == rule_id)
    texts = [line.text.strip() for block in render_blocks(finding.remediation) for line in block.lines]
    assert texts.index("show ctl-client") < texts.index("no crypto pki server cme-root")
    assert "Yes (General Purpose, non-exportable)" in (REPO / "sample_logs" / name / "shows.txt").read_text()
    assert not [text for text in texts if text.startswith("crypto key export rsa sast")]

    case_dir = tmp_path / name
    case_dir.mkdir()
    for source in (REPO / "sample_logs" / name).iterdir():
        if source.suffix in (".txt", ".log"):
            (case_dir / source.name).write_text(source.read_text().replace("non-exportable", "exportable"))
    exportable = next(f for f in analyze([str(case_dir)]).findings if f.rule_id == rule_id)
    blocks = render_blocks(exportable.remediation)
    lines = [(block.device, line.text.strip()) for block in blocks for line in block.lines]
    texts = [text for _, text in lines]
    destroy = texts.index("no crypto pki server cme-root")
    exports = [(device, text) for device, text in lines if text.startswith("crypto key export rsa")]
    assert [text.split()[4] for _, text in exports] == ["sast1", "sast2"]
    assert all(device.startswith("router, only if") for device, _ in exports)
    assert all(texts.index(text) < destroy for _, text in exports)
    backup = next(block for block in blocks if block.device.startswith("router, only if"))
    assert any("private key" in warning for warning in backup.warnings)


def test_manual_enrollment_answers_the_terminal_dialog_and_is_never_typed_in_a_replay():
    """PKI009's alternative (primer F13): with `enrollment terminal` IOS asks D5's two questions
    instead of D4's (ios-commands.md §3); the steps answer exactly those, in blocks of their own."""
    from cmedebug.ios_commands import lookup as table_entry

    terminal = "the trustpoint has `enrollment terminal`"
    dialogs = table_entry("crypto pki enroll cme-tls", "config").dialogs()
    assert [q.text for q in dialogs[terminal]] == ["Display Certificate Request to terminal? [yes/no]:",
                                                    "Redisplay enrollment request? [yes/no]:"]
    assert [q.text for q in dialogs[""]][0] == "Password:"
    rule = next(r for r in all_rules() if r.id == "PKI009")
    manual = [s for s in rule.remediation if s.device != "router"]
    enroll = next(s for s in manual if s.command.startswith("crypto pki enroll"))
    assert enroll.replies() == ("yes", "no")
    assert any(s.command == "enrollment terminal" for s in manual)
    assert manual[-1].command == "crypto pki import {trustpoint} certificate"
    assert all(s.device.startswith("router,") for s in manual)  # conditional blocks: a replay skips them
    assert manual[-1].device != enroll.device  # the CA signs the request between the two blocks


def test_capf_enrollment_password_uses_the_digit_the_command_reference_documents():
    """ios-commands.md §2.7 / §4: CR-C documents `cert-enroll-trustpoint ... password 0` as encrypted and
    `1` as clear text (the primer's skeleton writes 0). CAPF005 types a clear-text password, so `1`, and
    says which digit it is and where that is documented."""
    from cmedebug.ios_commands import lookup as table_entry

    rule = next(r for r in all_rules() if r.id == "CAPF005")
    step = next(s for s in rule.remediation if s.command.startswith("cert-enroll-trustpoint"))
    assert step.command == "cert-enroll-trustpoint {ra} password 1 {password}"
    assert "encryption-type digit" in step.why and "clear text" in step.why and "CR-C" in step.why
    assert "1 = clear text" in table_entry(step.command, step.mode).note


def test_the_ca_key_replacement_never_shares_a_block_with_its_backup_and_answers_the_replace_question(analysed):
    """PKI026 printed the harmless backup (show, `crypto pki export`) and `crypto key generate rsa
    ... label cme-root` in one paste: on the running CA it asked to replace the CA's key, took
    the next line (`crypto key export ...`) as the answer, and a `yes` would have ended the CA."""
    case = analysed["ca-cert-expired"]
    pki026 = next(f for f in case.findings if f.rule_id == "PKI026")
    blocks = render_blocks(pki026.remediation)
    backup = next(b for b in blocks if "crypto pki export cme-root pem terminal" in b.text)
    assert backup.device == "router" and "crypto key generate" not in backup.text
    rekey = next(b for b in blocks if "crypto key generate" in b.text)
    assert rekey.device.startswith("router, only within") and rekey.warnings
    lines = [line.text.strip() for line in rekey.lines]
    at = lines.index("crypto key generate rsa general-keys label cme-root exportable modulus 2048")
    assert lines[at + 1] == "yes" and rekey.lines[at + 1].answer


def test_a_phone_re_keyed_in_non_secure_mode_reads_its_new_file_and_gets_its_own_mode_back():
    """PKI018 reset the phone without `create cnf-files` (its file, which carries the security
    mode and the CAPF operation, stayed as it was: no CAPF session) and set it back to a
    hard-coded `encrypted`, whatever mode it had; neither `device-security-mode none` nor
    null-string said what it gives up. It now shares CAPF001's sequence."""
    rules = {r.id: r for r in all_rules()}
    for rule_id in ("PKI018", "CAPF001"):
        steps = rules[rule_id].remediation
        commands = [s.command for s in steps]
        assert "device-security-mode encrypted" not in commands, rule_id
        assert "device-security-mode {phone_security_mode}" in commands, rule_id
        for at, step in enumerate(steps):
            if step.command == "reset":
                assert "create cnf-files" in commands[:at], rule_id
            if step.command == "device-security-mode none" or "null-string" in step.command:
                assert step.warning, (rule_id, step.command)


def test_a_verify_command_is_never_given_several_trustpoints_joined_by_commas(analysed):
    """PKI021 printed `show crypto pki certificates cme-sccp, cme-tftp, cme-capf, sast1, sast2`:
    IOS takes one trustpoint."""
    from cmedebug.remediation import fill_text

    pki021 = next(f for f in analysed["ca-cert-expired"].findings if f.rule_id == "PKI021")
    assert "`show crypto pki certificates <trustpoint>` for each of cme-sccp, cme-tftp, cme-capf, sast1, sast2" \
        in pki021.verify
    assert fill_text("`show x {trustpoint}`", {"trustpoint": ["a"]}) == "`show x a`"


def test_a_rebuild_no_phone_reads_before_the_same_rebuild_again_is_not_typed():
    """A CTL regenerated (or files created) and then again before any phone restarts was never
    read: the first goes, with the section it leaves empty; one followed by a restart stays."""
    steps = [Step("config", "ctl-client"), Step("config-ctl-client", "regenerate"),
             Step("config", "telephony-service"), Step("config-telephony", "create cnf-files"),
             Step("config", "crypto pki enroll sast2"),
             Step("config", "ctl-client"), Step("config-ctl-client", "regenerate"),
             Step("config", "telephony-service"), Step("config-telephony", "reset all"),
             Step("config", "ctl-client"), Step("config-ctl-client", "regenerate")]
    (block,) = render_blocks(steps)
    assert [line.text for line in block.lines] == [
        "configure terminal", "telephony-service", " create cnf-files", " exit", "crypto pki enroll sast2",
        "<challenge>", "<challenge>", "yes", "ctl-client", " regenerate", " exit", "telephony-service",
        " reset all", " exit", "ctl-client", " regenerate", "end", "write memory"]


def test_each_trustpoint_of_a_run_of_entries_is_entered_once_with_its_commands_in_order():
    """Keys set on trustpoints A and B, then their enrollment settings: A is entered once with
    both, then B. A command of another kind ends the gathering (the enrollment reads what was
    set before it), and an entry again that says why stays where it is written."""
    steps = [Step("config", "crypto pki trustpoint a"), Step("ca-trustpoint", "rsakeypair a-2048"),
             Step("config", "crypto pki trustpoint b"), Step("ca-trustpoint", "rsakeypair b-2048"),
             Step("config", "crypto pki trustpoint a"), Step("ca-trustpoint", "serial-number none"),
             Step("config", "crypto pki trustpoint b"), Step("ca-trustpoint", "serial-number none"),
             Step("config", "crypto pki enroll a"),
             Step("config", "crypto pki trustpoint a"), Step("ca-trustpoint", "auto-enroll 70"),
             Step("config", "crypto pki trustpoint a", why="its own reason"), Step("ca-trustpoint", "hash sha256")]
    (block,) = render_blocks(steps)
    assert [line.text for line in block.lines if not line.answer] == [
        "configure terminal", "crypto pki trustpoint a", " rsakeypair a-2048", " serial-number none", " exit",
        "crypto pki trustpoint b", " rsakeypair b-2048", " serial-number none", " exit", "crypto pki enroll a",
        "crypto pki trustpoint a", " auto-enroll 70", " exit", "crypto pki trustpoint a", " hash sha256", "end",
        "write memory"]
    assert not walk(block)


def test_a_re_keyed_trustpoint_is_entered_once_before_its_enrollment(analysed):
    """key-too-small's PKI013: each trustpoint gets its new key and its enrollment settings in
    one entry, and the lines that share a reason are named once below the block."""
    (finding,) = [f for f in analysed["key-too-small"].findings if f.rule_id == "PKI013"]
    block = render_blocks(finding.remediation)[0]
    entries = [line.text for line in block.lines if line.text.startswith("crypto pki trustpoint ")]
    assert len(entries) == len(set(entries)) >= 4
    assert "crypto pki enroll cme-sccp / crypto pki enroll cme-tftp / crypto pki enroll cme-capf: request a new " \
           "certificate from the CA" in "\n".join(reasons(block))
    # (the sample's trustpoints have `serial-number none` and `ip-address none` already)
    assert "serial-number none" not in block.text and "ip-address none" not in block.text
    assert not walk(block)


def test_a_fix_leaves_out_the_trustpoint_settings_the_configuration_has(tmp_path):
    """`serial-number none` under a trustpoint whose configuration has it is not typed again,
    and a trustpoint entered for such settings alone is not entered; another trustpoint, and a
    setting the configuration lacks, are typed."""
    case = load_text(tmp_path, "CME#show running-config\n!\nhostname CME\n!\n"
                               "crypto pki trustpoint a\n enrollment url http://10.1.1.1:80\n serial-number none\n"
                               " ip-address none\n!\ncrypto pki trustpoint b\n enrollment url http://10.1.1.1:80\n!\nend\n")
    steps = [Step("config", "crypto pki trustpoint {trustpoint}"),
             Step("ca-trustpoint", "serial-number none"), Step("ca-trustpoint", "ip-address none"),
             Step("config", "crypto pki enroll {trustpoint}"),
             Step("config", "crypto pki trustpoint {trustpoint}"), Step("ca-trustpoint", "auto-enroll 70")]
    fitted = fit(steps, {"trustpoint": ["a", "b"]}, case)
    assert [(s.mode, s.command) for s in fitted] == [
        ("config", "crypto pki trustpoint b"), ("ca-trustpoint", "serial-number none"),
        ("ca-trustpoint", "ip-address none"), ("config", "crypto pki enroll a"), ("config", "crypto pki enroll b"),
        ("config", "crypto pki trustpoint a"), ("ca-trustpoint", "auto-enroll 70"),
        ("config", "crypto pki trustpoint b"), ("ca-trustpoint", "auto-enroll 70")]


def test_the_commands_no_cisco_document_shows_are_named_inferred_below_their_block():
    """`mkdir` is unconfirmed in the command table: the reasons below the block say so, once for
    every such line; a block of confirmed commands says nothing of the kind; a wait is never typed."""
    from cmedebug.remediation import INFERRED, WAIT

    steps = [Step("exec", "mkdir flash:ca"), Step("exec", "ping 10.1.1.1"), Step("config", "crypto pki server ca"),
             Step("cs-server", "no shutdown")]
    assert f"mkdir flash:ca / ping 10.1.1.1: {INFERRED}" in reasons(render_blocks(steps)[0])
    assert not [r for r in reasons(render_blocks(steps[2:])[0]) if INFERRED in r]
    wait = Step(WAIT, "wait until the clock is synchronized", device=WAIT)
    assert not [r for r in reasons(render_blocks([wait])[0]) if INFERRED in r]


@pytest.mark.parametrize("rule", [r for r in all_rules() if any(s.command.startswith("debug ") for s in r.remediation)],
                         ids=lambda r: r.id)
def test_a_fix_that_turns_debugs_on_sends_them_to_the_buffer_and_turns_them_off(rule):
    """Primer 4.1: debugs into the buffer, not the console of a busy CME; after the failure
    repeated, the buffer is read and every debug ended."""
    commands = [s.command for s in rule.remediation]
    first = next(i for i, c in enumerate(commands) if c.startswith("debug "))
    last = max(i for i, c in enumerate(commands) if c.startswith("debug "))
    assert {"no logging console", "logging buffered 1000000 debugging"} <= set(commands[:first])
    assert commands[last + 1:] == ["wait until the failure repeats", "show logging", "undebug all"]


@pytest.mark.parametrize("name, rule_id", [("ca-unreachable", "PKI007"), ("ca-cert-expired", "PKI002")])
def test_a_trustpoint_authenticated_then_enrolled_is_entered_once_per_block(analysed, name, rule_id):
    """The enrollment settings go in before the CA certificate is fetched, so a trustpoint whose URL
    (PKI007) or key is set just before is entered once in each block, not again after the
    authentication."""
    finding = next(f for f in analysed[name].findings if f.rule_id == rule_id)
    for block in render_blocks(finding.remediation):
        entries = [line.text for line in block.lines if line.text.startswith("crypto pki trustpoint ")]
        assert len(entries) == len(set(entries)), block.text
        assert not walk(block)


def test_the_json_steps_say_which_commands_no_cisco_document_shows(analysed):
    """`inferred` in each JSON step: the command table's unconfirmed commands typed into IOS; a
    wait or a phone action is no IOS command, and a confirmed command is not inferred."""
    finding = next(f for f in analysed["ntp-unsynchronised"].findings if f.rule_id == "CLK003")
    flags = {s["command"]: s["inferred"] for s in finding.to_dict()["remediation"]}
    assert flags["ntp update-calendar"] is True and flags["regenerate"] is False
    assert flags["wait until the clock is synchronized"] is False


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.id)
def test_every_placeholder_a_block_types_is_said_above_it(rule):
    """A `<challenge>` IOS would take as typed is named above the block even where it comes from
    the command table's answers rather than the step (CTL008's page did not name it)."""
    for block in (block for steps in every_fix(rule) for block in render_blocks(steps)):
        typed = {name for line in block.lines for name in re.findall(r"<([a-z0-9-]+)>", line.text)}
        assert typed <= {name for name, _ in block.placeholders}, (block.text, block.placeholders)


@pytest.mark.parametrize("retry, timeout, typed", [
    ("1", "1", ["keygen-timeout 120", "keygen-retry 5"]),  # the sample: both below
    ("100", "1", ["keygen-timeout 120"]),  # never back to 5 retries from 100
    ("100", "120", []),  # nothing lower: the next attempt is watched instead
])
def test_a_keygen_timeout_raises_only_the_limits_below_what_it_sets(tmp_path, retry, timeout, typed):
    case_dir = tmp_path / "case"
    shutil.copytree(REPO / "sample_logs" / "capf-keygen-timeout", case_dir)
    config = case_dir / "running-config.txt"
    config.write_text(config.read_text().replace(" keygen-retry 1\n", f" keygen-retry {retry}\n")
                      .replace(" keygen-timeout 1\n", f" keygen-timeout {timeout}\n"))
    capf004 = next(f for f in analyze([str(case_dir)]).findings if f.rule_id == "CAPF004")
    lines = [line.text.strip() for block in render_blocks(capf004.remediation) for line in block.lines]
    assert [line for line in lines if line.startswith("keygen-")] == typed
    assert ("debug capf-server all" in lines) == (not typed)


@pytest.mark.skipif(not (REPO.parent / "shared" / "corpus").is_dir(), reason="../shared/corpus absent")
def test_a_session_caught_waiting_for_its_key_is_watched_not_reconfigured():
    """Corpus 02: a `show capf-server sessions` snapshot in AWAIT-KEYGEN-RES, limits at 120 minutes and
    100 retries. The fix watches the next attempt; it changes no limit (5 retries would be fewer)."""
    capf004 = next(f for f in analyze([str(REPO.parent / "shared" / "corpus" /
                                           "02_capf-show-summary-authstring-sessions.log")]).findings
                   if f.rule_id == "CAPF004")
    lines = [line.text.strip() for block in render_blocks(capf004.remediation) for line in block.lines]
    assert "debug capf-server all" in lines and not [line for line in lines if line.startswith("keygen-")]


def test_a_keygen_limit_the_configuration_leaves_out_is_read_from_show_capf_server_summary(tmp_path):
    """No `keygen-retry` line in the configuration, `Phone KeyGen Retries: 100` in the summary:
    the retries are not set back to 5."""
    case_dir = tmp_path / "case"
    shutil.copytree(REPO / "sample_logs" / "capf-keygen-timeout", case_dir)
    config = case_dir / "running-config.txt"
    config.write_text(config.read_text().replace(" keygen-retry 1\n", ""))
    shows = case_dir / "shows.txt"
    shows.write_text(shows.read_text().replace("Phone KeyGen Retries: 1\n", "Phone KeyGen Retries: 100\n"))
    capf004 = next(f for f in analyze([str(case_dir)]).findings if f.rule_id == "CAPF004")
    lines = [line.text.strip() for block in render_blocks(capf004.remediation) for line in block.lines]
    assert [line for line in lines if line.startswith("keygen-")] == ["keygen-timeout 120"]


def test_a_clock_whose_ntp_server_is_configured_is_waited_for_not_configured_again(analysed, tmp_path):
    """clock-never-set: `ntp server 10.1.1.254` is in the configuration; the clock came from the
    calendar after a reload and NTP has not synchronised yet. CLK001's fix checks the server answers,
    keeps the calendar in step and waits for NTP: typing the configured server again changes nothing.
    Without a server in the configuration, the fix configures one."""
    clk001 = next(f for f in analysed["clock-never-set"].findings if f.rule_id == "CLK001")
    typed = [line.text.strip() for block in render_blocks(clk001.remediation) for line in block.lines]
    assert typed[0] == "ping 10.1.1.254" and "ntp update-calendar" in typed
    assert not [line for line in typed if line.startswith("ntp server")]
    assert typed[-1] == "wait until the clock is synchronized"
    assert "NTP server 10.1.1.254 is configured" in clk001.message
    case_dir = tmp_path / "case"
    shutil.copytree(REPO / "sample_logs" / "clock-never-set", case_dir)
    config = case_dir / "running-config.txt"
    config.write_text(config.read_text().replace("ntp server 10.1.1.254\n", ""))
    unconfigured = next(f for f in analyze([str(case_dir)]).findings if f.rule_id == "CLK001")
    assert "ntp server <ntp-ip>" in [line.text.strip() for block in render_blocks(unconfigured.remediation)
                                     for line in block.lines]


@pytest.mark.skipif(not (REPO.parent / "shared" / "corpus").is_dir(), reason="../shared/corpus absent")
def test_a_verify_line_looks_at_the_key_the_fix_generated():
    """Corpus 18 (a 512-bit key IOS made for cme_cert): PKI013 makes the new key under `cme_cert-2048`,
    the old one keeping the trustpoint's name until it goes, so its check shows that label, not the
    old 512-bit key."""
    case = analyze([str(REPO.parent / "shared" / "corpus" / "18_cme-as-ca-enroll-512bit-autogen-key.log")])
    pki013 = next(f for f in case.findings if f.rule_id == "PKI013")
    made = re.findall(r"crypto key generate rsa general-keys label (\S+)",
                      "\n".join(step.command for step in pki013.remediation))
    shown = re.findall(r"show crypto key mypubkey rsa ([^`\s]+)", pki013.verify)
    assert made == shown == ["cme_cert-2048"]


def test_an_ephone_setting_in_force_is_left_out_but_one_set_back_after_a_change_is_typed(tmp_path):
    """`capf-ip-in-cnf` under an ephone that has it is not typed again (IOS prints `ephone  1`
    with two spaces); `device-security-mode encrypted`, configured too, is typed where a step
    before it in the block set the mode to none."""
    case = load_text(tmp_path, "CME#show running-config\n!\nhostname CME\n!\nephone  1\n mac-address 0011.2233.4455\n"
                               " device-security-mode encrypted\n capf-ip-in-cnf\n type 7970\n!\nend\n")
    steps = [Step("config", "ephone {ephone}"), Step("config-ephone", "capf-ip-in-cnf"),
             Step("config-ephone", "device-security-mode none"), Step("config-ephone", "reset"),
             Step("config", "ephone {ephone}"), Step("config-ephone", "device-security-mode encrypted")]
    assert [(s.mode, s.command) for s in fit(steps, {"ephone": 1}, case)] == [
        ("config", "ephone 1"), ("config-ephone", "device-security-mode none"), ("config-ephone", "reset"),
        ("config", "ephone 1"), ("config-ephone", "device-security-mode encrypted")]


def test_ctl_client_lines_in_force_are_left_out_and_a_deleted_block_is_typed_whole(tmp_path):
    """ctl-client's `server` and `sast` lines in force are not typed again before `regenerate`;
    a trustpoint deleted by an earlier step (`no crypto pki trustpoint a`) gets all its lines."""
    case = load_text(tmp_path, "CME#show running-config\n!\nhostname CME\n!\ncrypto pki trustpoint a\n"
                               " enrollment url http://10.1.1.1:80\n serial-number none\n!\nctl-client\n"
                               " server cme 10.1.1.1 trustpoint a\n sast1 trustpoint s1\n sast2 trustpoint s2\n!\nend\n")
    steps = [Step("config", "ctl-client"), Step("config-ctl-client", "server cme 10.1.1.1 trustpoint a"),
             Step("config-ctl-client", "sast1 trustpoint s1"), Step("config-ctl-client", "sast2 trustpoint s3"),
             Step("config-ctl-client", "regenerate"),
             Step("config", "no crypto pki trustpoint a"), Step("config", "crypto pki trustpoint a"),
             Step("ca-trustpoint", "serial-number none")]
    assert [(s.mode, s.command) for s in fit(steps, {}, case)] == [
        ("config", "ctl-client"), ("config-ctl-client", "sast2 trustpoint s3"), ("config-ctl-client", "regenerate"),
        ("config", "no crypto pki trustpoint a"), ("config", "crypto pki trustpoint a"),
        ("ca-trustpoint", "serial-number none")]


def test_a_setting_only_the_startup_config_has_is_typed(tmp_path):
    """`show startup-config` is what a reload loads, not what is in force: its lines leave nothing out."""
    case = load_text(tmp_path, "CME#show startup-config\nUsing 1200 out of 262136 bytes\n!\nhostname CME\n!\n"
                               "crypto pki trustpoint a\n enrollment url http://10.1.1.1:80\n serial-number none\n!\nend\n")
    steps = [Step("config", "crypto pki trustpoint {trustpoint}"), Step("ca-trustpoint", "serial-number none")]
    assert [s.command for s in fit(steps, {"trustpoint": "a"}, case)] == ["crypto pki trustpoint a", "serial-number none"]


@pytest.mark.parametrize("command, whole", [
    ("show running-config | section crypto pki trustpoint", True),
    ("show running-config | begin crypto pki", True),
    ("show running-config | include trustpoint|serial-number", False)])
def test_only_blocks_shown_whole_leave_settings_out_or_get_a_key(tmp_path, command, whole):
    """`| section` and `| begin` print each block whole: a setting it shows is in force and a missing
    `rsakeypair` is missing; `| include` picks lines, which prove neither."""
    case = load_text(tmp_path, f"CME#{command}\ncrypto pki trustpoint a\n enrollment url http://10.1.1.1:80\n"
                               " serial-number none\n")
    steps = [Step("config", "crypto key generate rsa general-keys label {unkeyed_trustpoint}-2048 exportable "
                            "modulus 2048"),
             Step("config", "crypto pki trustpoint {trustpoint}"), Step("ca-trustpoint", "serial-number none"),
             Step("config", "crypto pki enroll {trustpoint}")]
    commands = [s.command for s in fit(steps, {"trustpoint": "a"}, case)]
    if whole:
        assert commands == ["crypto key generate rsa general-keys label a-2048 exportable modulus 2048",
                            "crypto pki enroll a"]
    else:
        assert commands == ["crypto pki trustpoint a", "serial-number none", "crypto pki enroll a"]


def test_trustpoint_lines_typed_at_a_prompt_prove_no_missing_rsakeypair(tmp_path):
    """A console transcript types only what changed: its trustpoint without `rsakeypair` may have one."""
    case = load_text(tmp_path, "Router(config)#crypto pki trustpoint a\nRouter(ca-trustpoint)#enrollment url "
                               "http://10.1.1.1:80\nRouter(ca-trustpoint)#exit\n")
    steps = [Step("config", "crypto key generate rsa general-keys label {unkeyed_trustpoint}-2048 exportable modulus 2048"),
             Step("config", "crypto pki enroll {trustpoint}")]
    assert [s.command for s in fit(steps, {"trustpoint": "a"}, case)] == ["crypto pki enroll a"]


def test_a_cme_trustpoint_enrolled_past_an_algorithm_refusal_reaches_the_ctl_and_the_phones(tmp_path):
    """PKI009 on the secure-signaling trustpoint: once the new certificate is in (by SCEP with a
    digest the CA takes, or pasted), the CTL and the files carry it and the phones restart; before,
    the fix stopped at the enrollment and the phones kept the old certificate's CTL."""
    from cmedebug.remediation import WAIT

    config = ("CME#show running-config\n!\nhostname CME\n!\n"
              "crypto pki trustpoint cme-tls\n enrollment url http://10.1.1.1:80\n serial-number none\n"
              " ip-address none\n rsakeypair cme-tls\n!\ntelephony-service\n secure-signaling trustpoint cme-tls\n"
              " tftp-server-credentials trustpoint cme-tls\n!\nctl-client\n sast1 trustpoint sast1\n"
              " sast2 trustpoint sast2\n!\nend\n")
    debug = ("Nov 26 10:00:01.100: CRYPTO_PKI: locked trustpoint cme-tls, refcount is 1\n"
             "Nov 26 10:00:02.008: CRYPTO_PKI: status = 0x762(E_ENCRYPT_ALG_NOT_SUPPORTED : message encryption "
             "algorithms not supported): pkcs7 verify data returned status\n")
    (tmp_path / "config.txt").write_text(config)
    (tmp_path / "debug.log").write_text(debug)
    case = analyze([str(tmp_path / "config.txt"), str(tmp_path / "debug.log")], year=2026)
    finding = next(f for f in case.findings if f.rule_id == "PKI009")
    commands = [s.command for s in finding.remediation]
    enroll = commands.index("crypto pki enroll cme-tls")
    imported = commands.index("crypto pki import cme-tls certificate")
    wait = commands.index("wait until the new certificate is installed")
    assert enroll < imported < wait < commands.index("regenerate") < commands.index("create cnf-files")
    assert "reset all" in commands[wait:]
    assert next(s for s in finding.remediation if s.command.startswith("wait")).device == WAIT
    # the same failure on a trustpoint no CME function uses stops at the enrollment
    (tmp_path / "debug.log").write_text(debug.replace("cme-tls", "spare"))
    case = analyze([str(tmp_path / "config.txt"), str(tmp_path / "debug.log")], year=2026)
    spare = next(f for f in case.findings if f.rule_id == "PKI009")
    assert "regenerate" not in [s.command for s in spare.remediation]


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.id)
def test_every_block_for_the_cases_router_is_headed_as_it(rule):
    """A block for the case's router in a situation the reader checks first reads "router, only
    ...": the heading then says "on the router, only ..." (not "on router router, instead") and
    a replay skips it as a conditional block instead of reporting a router it has no CLI for.
    (Blocks for another device, a CA router or another CME, name it.)"""
    from cmedebug.remediation import conditional, heading, on_router

    for block in (block for steps in every_fix(rule) for block in render_blocks(fill(steps, {}))):
        if block.device.startswith("router"):
            assert on_router(block.device) and (block.device == "router" or conditional(block.device)), block.device
            assert heading(block).startswith("on the router")


def test_a_restart_where_no_ctl_client_exists_names_the_files_alone(tmp_path):
    """Where a whole configuration has no ctl-client, the fix has no CTL to regenerate and `reset all`
    says the phones fetch their new files, not "the new CTL and files"; with a ctl-client it says both."""
    from cmedebug.remediation_steps import CNF_FILES, CTL_REGENERATE, PHONES_RESTART

    steps = [*CTL_REGENERATE, *CNF_FILES, *PHONES_RESTART]
    config = "CME#show running-config\n!\nhostname CME\n!\ntelephony-service\n ip source-address 10.1.1.1 port 2000\n!\n"
    bare = fit(steps, {}, load_text(tmp_path, config + "end\n"))
    assert [s.command for s in bare] == ["telephony-service", "create cnf-files", "telephony-service", "reset all"]
    assert bare[-1].why == "the phones fetch the new files when they restart"
    secure = fit(steps, {}, load_text(tmp_path, config + "ctl-client\n sast1 trustpoint s1\n sast2 trustpoint s2\n!\nend\n",
                                      name="secure.txt"))
    assert "regenerate" in [s.command for s in secure]
    assert secure[-1].why == "the phones fetch the new CTL and files when they restart"


def _is_part_of(part: tuple, whole: tuple) -> bool:
    return any(whole[i:i + len(part)] == part for i in range(len(whole) - len(part) + 1))


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.id)
def test_every_alternative_fix_a_rule_holds_is_a_variant_on_its_page(rule):
    """A step sequence a rule declares (PKI002's CONFIRM_FIRST, a module's _WITHOUT_LSCS) is its
    remediation, a variant with the situation it is for, or a part of one: a fix the evidence
    chooses is never printed without its rule page saying when."""
    import sys

    from cmedebug import remediation_steps
    from cmedebug.rules_doc import page

    shared = {id(v) for v in vars(remediation_steps).values()}
    declared = {name: v for scope in (vars(rule), vars(sys.modules[rule.__module__]))
                for name, v in scope.items()
                if isinstance(v, tuple) and v and all(isinstance(s, Step) for s in v) and id(v) not in shared}
    fixes = every_fix(rule)
    for name, steps in declared.items():
        assert any(_is_part_of(steps, fix) for fix in fixes), f"{rule.id}.{name} is on no page"
    words = " ".join(page(rule).split())
    for when, steps in rule.variants:
        assert f"Remediation when {' '.join(when.split())}" in words
        assert steps and steps != rule.remediation


def test_rules_list_json_gives_each_variant_with_its_blocks():
    from cmedebug.rules_doc import as_json

    pki002 = next(r for r in as_json() if r["id"] == "PKI002")
    when = [v["when"] for v in pki002["variants"]]
    assert len(when) == 3 and when[1].startswith("the expiry is judged by a time the router did not show")
    confirm = pki002["variants"][1]
    assert [s["command"] for s in confirm["remediation"]][:3] == ["show clock detail", "show crypto pki server",
                                                                  "wait until the expiry is confirmed"]
    assert confirm["blocks"][1]["device"] == "wait"


def test_an_enrollment_failure_that_does_not_say_why_is_watched_before_anything_is_removed(tmp_path):
    """`%PKI-6-CERTFAIL` alone may be a refusal, a challenge password, an unreachable CA or an
    algorithm: PKI010 gave a refusal's fix (remove a request whose id no evidence names, enroll,
    grant). It now watches the next attempt with the debugs that tell which, and changes nothing."""
    (tmp_path / "router.log").write_text("Mar  2 09:01:22.702: %PKI-6-CERTFAIL: Certificate enrollment failed.\n")
    (finding,) = [f for f in analyze([str(tmp_path / "router.log")], year=2025).findings if f.rule_id == "PKI010"]
    commands = [s.command for s in finding.remediation]
    assert "debug crypto pki transactions" in commands and commands[-1] == "undebug all"
    assert not [c for c in commands if "remove" in c or "grant" in c or c.startswith("crypto pki enroll")]
