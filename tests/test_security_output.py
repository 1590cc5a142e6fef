"""What cmedebug prints and writes is safe to hand on: secrets masked in every
format, no control character reaches a terminal, nothing in a Markdown note or a
CSV cell runs, and a report file is written whole or not at all."""
from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner

from cmedebug import redact
from cmedebug.cli import main
from cmedebug.export import spreadsheet_safe
from cmedebug.reports.case_note import _md_escape, _markdown
from cmedebug.safe_output import neutralise

CMEDEBUG = [sys.executable, "-c", "from cmedebug.cli import main; main()"]

# Every secret form the security test found in clear (issue 11, item 3), in the
# shape IOS prints it, with the secret it carries.
SECRET_FORMS = {
    " database url ftp://causer:Dbpa55wd@10.1.1.9/ca/": "Dbpa55wd",
    " database archive pkcs12 password 0 Arch1vepw": "Arch1vepw",
    " database archive pem password Arch2vepw": "Arch2vepw",
    "snmp-server user v3user v3group v3 auth sha Auth3secret priv aes 128 Pr1vsecret": ("Auth3secret", "Pr1vsecret"),
    "snmp-server user v3user2 v3group v3 auth md5 Md5authpw priv des Desprivpw": ("Md5authpw", "Desprivpw"),
    " pre-shared-key address 10.1.1.1 key Kr1ngpsk": "Kr1ngpsk",
    " pre-shared-key local Ikev2local": "Ikev2local",
    " pre-shared-key remote 0 Ikev2remote": "Ikev2remote",
    " key Radk3ysecret": "Radk3ysecret",
    "ntp authentication-key 1 md5 Ntpk3ysecret 7": "Ntpk3ysecret",
    " ip ospf authentication-key Osp4fkey": "Osp4fkey",
    " ip ospf message-digest-key 1 md5 Osp4fmd5": "Osp4fmd5",
    " neighbor 10.1.1.2 password Bgp5ecret": "Bgp5ecret",
    " wpa-psk ascii 0 Wpa5ecret99": "Wpa5ecret99",
    " authentication username sipuser password Sip5ecret": "Sip5ecret",
    " pin 482193": "482193",
    "ip ftp password Ftp5ecret": "Ftp5ecret",
    "ip http client password 0 Http5ecret": "Http5ecret",
}


def _secrets(value) -> tuple[str, ...]:
    return value if isinstance(value, tuple) else (value,)


ALL_SECRETS = [s for value in SECRET_FORMS.values() for s in _secrets(value)]


@pytest.mark.parametrize("line,secrets", SECRET_FORMS.items())
def test_every_secret_form_is_masked_keyword_kept(line, secrets):
    masked = redact.text(line)
    assert not any(s in masked for s in _secrets(secrets)) and redact.MASK in masked
    assert masked.startswith(line.split(_secrets(secrets)[0])[0])


def test_ids_and_booleans_are_not_secrets():
    kept = ["key chain ospf-keys", " key 1", "Key name: cme-ca", "cert_enroll_password_set: true",
            " database url nvram:", " database url ftp://10.1.1.9/ca/"]
    assert redact.lines(kept) == kept
    assert redact.value({"cert_enroll_password_set": True}) == {"cert_enroll_password_set": True}


@pytest.fixture
def secret_case(tmp_path):
    """A case whose config and log carry every secret form (the log lines stay unparsed,
    so they reach the reports as samples and shapes)."""
    case = tmp_path / "case"
    case.mkdir()
    config = ["Router#show running-config", "hostname CME", "crypto pki server cme-ca"]
    config += [line for line in SECRET_FORMS if line.startswith(" ")]
    config += ["crypto pki trustpoint cme-tp", " enrollment url http://10.1.1.1:80",
               "capf-server", " cert-enroll-trustpoint cme-tp password 0 Enr0llpw",
               *[line for line in SECRET_FORMS if not line.startswith(" ")], "end"]
    (case / "running-config.txt").write_text("\n".join(config) + "\n")
    (case / "noise.log").write_text("\n".join(line.strip() for line in SECRET_FORMS) + "\n")
    return case


def _outputs(case: Path, tmp_path: Path) -> dict[str, str]:
    runner = CliRunner()
    out = {}
    for fmt in ("text", "json"):
        out[f"analyze {fmt}"] = runner.invoke(main, ["analyze", "--stats", "-f", fmt, str(case)]).stdout
    html = tmp_path / "report.html"
    runner.invoke(main, ["analyze", str(case), "--html", str(html)])
    out["analyze html"] = html.read_text()
    for fmt in ("text", "md", "json", "html"):
        note = tmp_path / f"note.{fmt}"
        runner.invoke(main, ["triage", str(case), "-f", fmt, "-o", str(note)])
        out[f"triage {fmt}"] = note.read_text()
    for fmt in ("csv", "jsonl"):
        out[f"events {fmt}"] = runner.invoke(main, ["events", "-f", fmt, str(case)]).stdout
    return out


def test_no_secret_reaches_any_output_format(secret_case, tmp_path):
    outputs = _outputs(secret_case, tmp_path)
    secrets = [*ALL_SECRETS, "Enr0llpw"]
    for name, text in outputs.items():
        assert text.strip(), name
        leaked = [s for s in secrets if s in text]
        assert not leaked, f"{name} shows {leaked}"
    # the boolean is reported, not masked
    assert '"cert_enroll_password_set": true' in outputs["events jsonl"]
    assert redact.MASK in outputs["analyze json"]


# -- terminal injection ---------------------------------------------------------------

HOSTILE = "\x1b]0;pwned\x07\x1b[2J\x1b[1;31mred\rX\u202etxt.exe\x9b"


def test_neutralise_shows_every_control_character():
    shown = neutralise(HOSTILE + "\ttab\nline")
    assert not any(ch in shown for ch in "\x1b\x07\r\u202e\x9b")
    assert "\\x1b]0;pwned\\x07" in shown and "\\u202e" in shown and "\ttab\nline" in shown
    # colour sequences survive only when a coloured report asks for them
    assert neutralise("\x1b[31mred\x1b[0m\x1b]0;t\x07", keep_sgr=True) == "\x1b[31mred\x1b[0m\\x1b]0;t\\x07"


def test_escape_sequences_in_log_lines_and_file_names_do_not_reach_a_pipe(tmp_path):
    name = tmp_path / "evil\x1b]0;title\x07.log"
    name.write_text("*Mar  1 00:00:01.000: %SYS-5-CONFIG_I: Configured \x1b[2J\x1b]0;owned\x07 by x\n"
                    "\x1b]2;window\x07 unparsed \x1b[H\x1b[2J line\n")
    for args in (["analyze", "--stats", str(name)], ["analyze", "-f", "json", str(name)],
                 ["triage", str(tmp_path)], ["triage", "-f", "md", str(tmp_path)],
                 ["events", "-f", "csv", str(name)], ["analyze", str(tmp_path / "gone\x1b[2J.log")]):
        run = subprocess.run([*CMEDEBUG, *args], capture_output=True, text=True, timeout=120)
        for stream in (run.stdout, run.stderr):
            assert "\x1b" not in stream and "\x07" not in stream, (args, stream[:300])
        assert "\\x1b" in run.stdout + run.stderr, args  # shown, not dropped


def test_dependency_warnings_never_reach_the_user(tmp_path):
    log = tmp_path / "r.log"
    log.write_text("*Mar  1 00:03:47.483: %PKI-6-CERTRET: Certificate received from Certificate Authority\n")
    code = ("import warnings, sys\n"
            "from cmedebug.cli import main\n"
            "sys.argv = ['cmedebug', 'analyze', sys.argv[1]]\n"
            "import cmedebug.pipeline as p\n"
            "orig = p.load\n"
            "def load(*a, **k):\n"
            "    warnings.warn('a library is deprecated', UserWarning)\n"
            "    return orig(*a, **k)\n"
            "p.load = load\n"
            "main()\n")
    run = subprocess.run([sys.executable, "-W", "default", "-c", code, str(log)], capture_output=True, text=True,
                         timeout=120)
    assert "Warning" not in run.stderr, run.stderr
    assert run.returncode == 0, run.stderr


# -- Markdown and CSV -------------------------------------------------------------

def test_markdown_note_text_cannot_make_headings_images_links_or_fences():
    import markdown_it  # a test requirement (setup.cfg): the note is checked as a Markdown renderer reads it
    md = markdown_it.MarkdownIt("commonmark")
    hostile = ["# Heading", "![x](http://evil/p.png)", "```", "[click](http://evil)", "<http://evil>",
               "<img src=x onerror=alert(1)>", "> quote", "- item", "1) item", "***", "==="]
    for text in hostile:
        html = md.render(_md_escape(text))
        assert html.startswith("<p>") and html.count("<") == 2, (text, html)  # one paragraph, nothing else
    kept = md.render(_md_escape("run `crypto pki authenticate <tp>` first"))
    assert "<code>crypto pki authenticate &lt;tp&gt;</code>" in kept  # the code span shows <tp>


def test_markdown_commands_with_backticks_cannot_close_their_fence():
    import markdown_it  # a test requirement (setup.cfg): the note is checked as a Markdown renderer reads it
    note = _markdown([(2, "1. Fix it", ["show run ``` # not a heading"])])
    html = markdown_it.MarkdownIt("commonmark").render(note)
    assert "<h1>Case note (cmedebug triage)</h1>" in html and html.count("<h") == 1
    assert "show run ``` # not a heading" in html


@pytest.mark.parametrize("cell", ["=HYPERLINK(\"http://evil\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_csv_cells_that_start_like_a_formula_are_prefixed(cell):
    assert spreadsheet_safe(cell) == "'" + cell
    assert spreadsheet_safe("ok=1") == "ok=1" and spreadsheet_safe(12) == 12


def test_events_csv_prefixes_formula_cells_from_the_evidence(tmp_path):
    log = tmp_path / "=cmd.log"
    log.write_text("Router#show clock\n*10:00:00.000 UTC Mon Mar 1 2027\n")
    csv_text = CliRunner().invoke(main, ["events", "-f", "csv", str(log)]).stdout
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    assert rows and all(not r["path"].startswith("=") for r in rows)
    assert all(not v.startswith(("=", "+", "-", "@", "\t", "\r")) for r in rows for v in r.values() if v)


# -- writing files --------------------------------------------------------------------

def test_parallel_html_runs_to_one_path_leave_one_whole_file(tmp_path):
    target = tmp_path / "report.html"
    cases = sorted(Path("sample_logs").glob("*"))[:4] if Path("sample_logs").is_dir() else []
    if len(cases) < 4:
        pytest.skip("sample_logs/ not present")

    def run(case):
        return subprocess.run([*CMEDEBUG, "analyze", str(case), "--html", str(target)], capture_output=True,
                              timeout=300).returncode

    with ThreadPoolExecutor(4) as pool:
        codes = list(pool.map(run, cases))
    assert all(c in (0, 1) for c in codes)
    page = target.read_text()
    assert page.count("<html") == 1 and page.rstrip().endswith("</html>")
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # no temporary file left behind


@pytest.mark.parametrize("option", ["-o", "--html"])
def test_an_unwritable_target_is_refused_before_the_analysis_with_one_line(tmp_path, option):
    log = tmp_path / "r.log"
    log.write_text("*Mar  1 00:03:47.483: %PKI-6-CERTRET: Certificate received from Certificate Authority\n")
    for target, why in ((tmp_path / "missing" / "r.out", "does not exist"), (tmp_path, "is a folder")):
        run = subprocess.run([*CMEDEBUG, "analyze", str(log), option, str(target)], capture_output=True, text=True,
                             timeout=120)
        assert run.returncode == 2
        assert run.stderr.count("\n") == 1 and why in run.stderr and "Traceback" not in run.stderr
        assert run.stdout == ""  # refused before the analysis, nothing printed


def test_a_write_that_fails_after_the_analysis_exits_2_with_one_line(tmp_path):
    if not Path("/dev/full").exists():
        pytest.skip("/dev/full is needed to make a write fail for root")
    log = tmp_path / "r.log"
    log.write_text("*Mar  1 00:03:47.483: %PKI-6-CERTRET: Certificate received from Certificate Authority\n")
    # the folder is writable but the disk is full: the temporary file cannot be written
    code = ("import sys, os, cmedebug.safe_output as s\n"
            "real = os.fdopen\n"
            "s.os.fdopen = lambda fd, *a, **k: (os.dup2(os.open('/dev/full', os.O_WRONLY), fd), real(fd, *a, **k))[1]\n"
            "from cmedebug.cli import main\n"
            "sys.argv = ['cmedebug', 'triage', sys.argv[1], '-o', sys.argv[2]]\n"
            "main()\n")
    target = tmp_path / "note.txt"
    run = subprocess.run([sys.executable, "-c", code, str(log), str(target)], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 2, run.stderr
    last = run.stderr.strip().splitlines()[-1]
    assert "No space left on device" in last and "Traceback" not in run.stderr
    assert not target.exists() and os.listdir(tmp_path) == ["r.log"]


def test_write_failures_exit_2_for_events_too(tmp_path):
    log = tmp_path / "r.log"
    log.write_text("x\n")
    result = CliRunner().invoke(main, ["events", str(log), "-o", str(tmp_path / "no" / "e.csv")])
    assert result.exit_code == 2 and "does not exist" in result.stderr


def test_json_report_stays_parseable_with_hostile_text(tmp_path):
    log = tmp_path / "r.log"
    log.write_text("\x1b[2J unparsed \u202e line\n")
    data = json.loads(CliRunner().invoke(main, ["analyze", "-f", "json", str(log)]).stdout)
    assert "\\x1b[2J unparsed \\u202e line" in json.dumps(data["unparsed_samples"], ensure_ascii=False).replace(
        "\\\\", "\\")
