"""`cmedebug triage CASE`: a case folder (or .zip) to a support case note."""
from __future__ import annotations

import json
import re
import shutil
import tomllib
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from cmedebug.cli import main

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_logs"
SCENARIOS = sorted(p for p in SAMPLES.iterdir() if (p / "scenario.toml").is_file()) if SAMPLES.is_dir() else []
SHOW_VERSION = ROOT / "tests" / "golden" / "parsers" / "show-version" / "isr_g2_uc_missing.txt"


def _triage(*args, codes=(0, 1)):
    result = CliRunner().invoke(main, ["triage", *map(str, args)])
    assert result.exit_code in codes, result.output
    return result


def _expect(scenario: Path) -> dict:
    return tomllib.loads((scenario / "scenario.toml").read_text())["expect"]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.name)
def test_triage_names_the_injected_fault_first_for_the_folder_and_its_zip(scenario, tmp_path):
    expected = _expect(scenario).get("first_root") or []
    zipped = tmp_path / f"{scenario.name}.zip"  # what a customer sends: the evidence, not scenario.toml
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(scenario.rglob("*")):
            if path.is_file() and path.name != "scenario.toml":
                archive.write(path, path.relative_to(scenario))
    read = []
    for case in (scenario, zipped):
        doc = json.loads(_triage("--format", "json", case).stdout)
        text = _triage(case).stdout
        read.append(sorted(Path(i["path"]).name for i in doc["inputs"]))
        assert read[-1] == read[0], "the zip reads the same files as the folder"
        if not expected:  # the healthy system: nothing that fails the run
            assert all(f["severity"] not in ("high", "critical") for f in doc["findings"])
            continue
        first = doc["findings"][0]
        assert first["rule_id"] in expected and first["id"] == doc["case_note"]["root_causes"][0], case
        findings_part = text.split("FINDINGS (ROOT CAUSE FIRST)")[1]
        assert re.search(rf"^  1\. \[[A-Z]+\] {first['id']} .*\(root cause;", findings_part, re.M)
        plan = text.split("ACTION PLAN")[1]
        assert plan.lstrip().startswith(f"1. Fix {first['rule_id']} ")


@pytest.fixture
def two_device_case(tmp_path):
    """Two routers and a phone: hostnames from the prompts, the phone from its file name."""
    case = tmp_path / "case"
    case.mkdir()
    (case / "cme-a.log").write_text(
        "cme-a#show clock\n*00:12:41.201 UTC Mon Mar 1 1993\ncme-a#show logging\n"
        "*Mar  1 00:05:02.730: %PKI-3-CERTIFICATE_INVALID_NOT_YET_VALID: Certificate chain validation has failed. "
        "The certificate (SN: 05) is not yet valid   Validity period starts on 10:00:00 UTC Nov 26 2026\n")
    (case / "cme-b.log").write_text("cme-b#show clock\n10:00:00.000 UTC Thu Nov 26 2026\n")
    (case / "SEP001122334455-status.txt").write_text("CTL update failed\nTrust List update failed\n")
    shutil.copy(SHOW_VERSION, case / "show-version.txt")
    return case


def test_note_groups_inputs_per_device_and_reads_the_environment(two_device_case):
    doc = json.loads(_triage("--format", "json", two_device_case).stdout)
    devices = {d["device"]: [Path(i["path"]).name for i in d["inputs"]] for d in doc["case_note"]["devices"]}
    assert devices["cme-a"] == ["cme-a.log"] and devices["cme-b"] == ["cme-b.log"]
    assert "SEP001122334455-status.txt" in devices["SEP001122334455"]
    env = dict(doc["case_note"]["environment"])
    assert env["CME1: platform"] == "CISCO2911/K9" and env["CME1: IOS version"] == "15.7(3)M4"
    assert env["CME1: IOS image"] == "c2900-universalk9-mz.SPA.157-3.M4.bin"
    # the technology table's `uc  None  None  None`: no UC package (what PLAT002 is about), not a
    # licence of unknown type
    assert env["licences"] == "ipbasek9 (Permanent), securityk9 (Permanent); not active: data, uc"
    assert env["cme-a: clock"].startswith("never set")


def test_text_note_sections_in_order_with_problem_and_plan(two_device_case):
    result = _triage(two_device_case)
    text = result.stdout
    headings = ["PROBLEM STATEMENT", "ENVIRONMENT", "INPUTS PER DEVICE", "FINDINGS (ROOT CAUSE FIRST)",
                "ACTION PLAN", "NOT EVALUATED AND DATA TO REQUEST"]
    positions = [text.index(h) for h in headings]
    assert positions == sorted(positions)
    problem = text.split("PROBLEM STATEMENT")[1].split("ENVIRONMENT")[0]
    assert "`%PKI-3-CERTIFICATE_INVALID_NOT_YET_VALID` x1" in problem and "not authoritative" in problem
    assert "Evidence stamped at 1993-03-01 00:05:02 (device time" in problem  # one second: no span
    assert "Certificate rejected as not yet valid" in problem
    plan = text.split("ACTION PLAN")[1].split("NOT EVALUATED")[0]
    assert "1. Fix CLK001" in plan and "ntp server <ntp-ip>" in plan
    assert "show crypto pki certificates verbose" in text.split("NOT EVALUATED AND DATA TO REQUEST")[1]
    assert result.exit_code == 1  # a high finding, as analyze
    assert re.search(r"\[1/4\] .*(cme-a|SEP|show-version)", result.stderr)  # progress, one line per input


def test_markdown_note(two_device_case):
    md = _triage("--format", "md", two_device_case).stdout
    assert md.startswith("# Case note")
    for heading in ("## Problem statement", "## Environment", "## Findings (root cause first)", "## Action plan"):
        assert f"\n{heading}\n" in md
    assert re.search(r"^1\. Fix CLK001", md, re.M)
    assert "  ```\n  configure terminal\n" in md


def test_html_note_has_the_case_summary_and_the_report(two_device_case, tmp_path):
    out = tmp_path / "note.html"
    _triage("--format", "html", "-o", out, two_device_case)
    page = out.read_text()
    assert page.index('id="verdict"') < page.index('id="case-note"') < page.index('id="boot-flow"')
    note = page.split('id="case-note"')[1].split("</section>")[0]
    assert "CISCO2911/K9" in note and "cme-b.log" in note and "Fix CLK001" in note


def test_exit_codes_as_analyze(tmp_path):
    healthy = SAMPLES / "healthy"
    if healthy.is_dir():
        assert _triage(healthy, codes=(0,)).exit_code == 0
    result = CliRunner().invoke(main, ["triage", str(tmp_path / "no-such-case")])
    assert result.exit_code == 2 and "no-such-case" in result.output
    empty = tmp_path / "empty"
    empty.mkdir()
    result = _triage(empty, codes=(2,))
    assert "folder holds no files" in result.stderr


def test_progress_bar_on_a_terminal(tmp_path):
    """With stderr on a terminal (a pseudo-terminal here) progress is a bar, not lines."""
    import os
    import pty
    import subprocess
    import sys

    master, slave = pty.openpty()
    proc = subprocess.run([sys.executable, "-m", "cmedebug", "triage", str(SAMPLES / "healthy"), "-o",
                           str(tmp_path / "note.txt")], stderr=slave, stdout=subprocess.DEVNULL, timeout=120)
    os.close(slave)
    shown = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the terminal closed: everything was read
            break
        if not chunk:
            break
        shown += chunk
    os.close(master)
    assert proc.returncode == 0
    assert b"reading" in shown and b"100%" in shown and b"[1/" not in shown
    assert (tmp_path / "note.txt").read_text().startswith("CASE NOTE")


def test_one_device_lists_its_phones_once_and_each_ca_server_once_with_all_its_sources():
    """The reference CME's key-too-small: the certificate server is in the running-config, the
    show output and the log. One row names it with the three places; the phones of a case of one
    device are listed once, with their models."""
    doc = json.loads(_triage("--format", "json", SAMPLES / "key-too-small").stdout)
    env = doc["case_note"]["environment"]
    servers = [value for key, value in env if key == "CA servers"]
    assert len(servers) == 1 and servers[0].count("cme-root") == 1 and servers[0].count(";") == 2
    assert [value for key, value in env if key.endswith("phones")] == ["1: SEP001122334455 (7970)"]


def test_the_problem_statement_gives_a_span_of_seconds_in_seconds():
    """ca-clock-ahead's evidence spans 35 seconds of one day: the span is printed to the second
    (to the minute it read '09:00 to 09:00')."""
    doc = json.loads(_triage("--format", "json", SAMPLES / "ca-clock-ahead").stdout)
    statement = doc["case_note"]["problem"]
    span = re.search(r"Evidence stamped (\S+ \S+) to (\S+) \(device time", statement)
    assert span, statement
    first, last = span.groups()
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", first) and re.fullmatch(r"\d\d:\d\d:\d\d", last)
    assert first.split()[1] < last


def test_the_problem_statement_quotes_the_failure_messages_as_ios_printed_them():
    """A TAC engineer recognises `%PKI-3-CERTIFICATE_INVALID_NOT_YET_VALID`, not an event kind;
    the OpenSSL line that gives two events is counted once."""
    clock = json.loads(_triage("--format", "json", SAMPLES / "ca-clock-ahead").stdout)["case_note"]["problem"]
    assert "`%PKI-3-CERTIFICATE_INVALID_NOT_YET_VALID` x1" in clock and "`SSL Handshake Error -6983` x2" in clock
    assert "pki.cert." not in clock
    tls = json.loads(_triage("--format", "json", SAMPLES / "tls-version-mismatch").stdout)["case_note"]["problem"]
    assert "`error:14076102:SSL routines:SSL23_GET_CLIENT_HELLO:unsupported protocol` x1" in tls


def test_debugs_asked_for_are_sent_to_the_buffer_in_every_output(tmp_path):
    """key-too-small lacks `debug crypto pki validation`: the plan's collect step, the text report's
    'collect next' and the HTML report's collect section say to run it into the buffer (primer 4.1)."""
    from cmedebug.collect import DEBUG_ADVICE

    doc = json.loads(_triage("--format", "json", SAMPLES / "key-too-small").stdout)
    collect = next(s for s in doc["case_note"]["action_plan"] if s["text"].startswith("Collect the evidence"))
    assert "debug crypto pki validation" in collect["commands"] and collect["cautions"] == [DEBUG_ADVICE]
    text = CliRunner().invoke(main, ["analyze", str(SAMPLES / "key-too-small")]).output
    assert f"  ({DEBUG_ADVICE})" in text.split("collect next:")[1]
    html_path = tmp_path / "r.html"
    CliRunner().invoke(main, ["analyze", "--html", str(html_path), str(SAMPLES / "key-too-small")])
    assert "run the debugs into the buffer" in html_path.read_text().split("collect-all")[0].rsplit("<h2", 1)[1]
    healthy = json.loads(_triage("--format", "json", SAMPLES / "healthy").stdout)["case_note"]["action_plan"]
    assert not [s for s in healthy if DEBUG_ADVICE in s["cautions"] and
                not any(c.startswith("debug ") for c in s["commands"])]


def test_a_plan_names_each_kind_of_symptom_once():
    """A CA whose certificate expired explains the CRLs of two of its captures: the plan's check
    names 'CA server CRL past its NextUpdate' once, not once per finding."""
    from cmedebug.model import Case, Confidence, Finding, Severity
    from cmedebug.triage import action_plan

    def finding(rule_id, title, fid, **links):
        return Finding(rule_id, title, Severity.HIGH, Confidence.HIGH, "m", id=fid, **links)

    case = Case()
    case.findings = [finding("PKI002", "CA certificate expired", "PKI002-1", explains=["PKI024-2", "PKI024-3"]),
                     finding("PKI024", "CA server CRL past its NextUpdate", "PKI024-2", explained_by=["PKI002-1"]),
                     finding("PKI024", "CA server CRL past its NextUpdate", "PKI024-3", explained_by=["PKI002-1"])]
    (check,) = [step.text for step in action_plan(case) if step.text.startswith("Confirm")]
    assert check == "Confirm that what PKI002 explains is gone: CA server CRL past its NextUpdate."



def test_the_action_plan_says_which_blocks_are_pasted():
    """key-too-small's SAST rotation: the router blocks are pasted, the check on the phone between
    its two stages is done by a person."""
    plan = json.loads(_triage("--format", "json", SAMPLES / "key-too-small").stdout)["case_note"]["action_plan"]
    by_text = {step["text"]: step["pasted"] for step in plan if step["commands"]}
    assert by_text["On the phone:"] is False
    assert by_text["On the router, pasted at the privileged EXEC prompt (Router#):"] is True
