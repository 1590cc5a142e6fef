"""Reports tell the whole truth (issue #14 class 12): every finding at every depth in
the terminal report, "collect next" never asks for output that was given, the HTML
"Needs" column names commands, and the boot flow never calls a non-secure
registration "passed".

Inputs: the reference CME's `ca-unreachable` scenario (sample_logs), whose router
log, running-config and show outputs are in the shapes of ../shared/domain."""
from __future__ import annotations

import re
from pathlib import Path

from cmedebug.collect import not_evaluated
from cmedebug.pipeline import analyze
from cmedebug.reports import boot_flow, html, text

SCENARIO = Path(__file__).resolve().parents[1] / "sample_logs" / "ca-unreachable"


def test_the_terminal_report_shows_every_finding_at_every_depth():
    case = analyze([str(SCENARIO)])
    assert any(f.explained_by and case.finding(f.explained_by[0]).explained_by for f in case.findings), \
        "the scenario must nest symptoms two levels deep for this test to mean something"
    report = text.render(case)
    heads = re.findall(r"\[(?:CRITICAL|HIGH|MEDIUM|LOW|INFO)\] (\w+) ", report)
    assert sorted(heads) == sorted(f.rule_id for f in case.findings)
    assert f"{len(case.findings)} finding(s)" in report


def test_collect_next_never_asks_for_output_that_was_given():
    case = analyze([str(SCENARIO)])
    assert "show crypto pki server" in case.commands_given
    asked = [c for row in not_evaluated(case) for c in row["commands"]]
    wanted = [c for o in case.outcomes if o.status == "not_evaluated" for c in o.collect]
    assert "show crypto pki server" in wanted  # a rule that lacks evidence asks for it: the filter removed it
    assert "show crypto pki server" not in asked
    # another output of the same command family was not given: still asked
    assert "show crypto pki server <CA> requests" in asked
    collect_line = next(line for line in text.render(case).splitlines() if "collect next:" in line)
    assert "show crypto pki server;" not in collect_line and not collect_line.endswith("show crypto pki server")
    # the scenario's running-config.txt is a whole configuration (a file, no prompt): every
    # `show running-config | section ...` is in it
    sections = [c for c in wanted if c.startswith("show running-config")]
    assert sections and case.has_whole_config() and not [c for c in asked if c.startswith("show running-config")]


def test_collect_next_asks_for_configuration_sections_when_only_part_of_it_was_given(tmp_path):
    part = tmp_path / "part.txt"
    part.write_text("\n".join(["CME#show running-config | section crypto pki trustpoint",
                               "crypto pki trustpoint cme-sccp", " enrollment url http://10.1.1.1:80",
                               " revocation-check none", ""]), encoding="utf-8")
    case = analyze([str(part)])
    assert not case.has_whole_config()
    asked = [c for row in not_evaluated(case) for c in row["commands"]]
    assert "show running-config | section crypto pki server" in asked


def test_html_needs_column_names_commands_not_kinds():
    case = analyze([str(SCENARIO)])
    page = html.render(case)
    table = page[page.index("Needs the output of"):]
    table = table[:table.index("</table>")]
    kinds = {k for row in not_evaluated(case) for k in row["missing"]}
    assert kinds and not any(f">{k}<" in table or f"{k}," in table for k in kinds)
    assert "<code>show " in table or "<code>debug " in table


def test_boot_flow_never_passes_a_non_secure_registration():
    case = analyze([str(SCENARIO)])
    assert any(f.rule_id == "CFG007" for f in case.findings)  # ephone 1 registered without TLS
    (register,) = [s for s in boot_flow.boot_flow(case) if s.key == "register"]
    assert register.status in ("failed", "non-secure")


def test_boot_flow_calls_a_plain_sccp_registration_non_secure(corpus_dir):
    # corpus 13: `skinny_add_socket 1 10.1.0.21 50778`, `StationRegisterMessage (2/3/12) from 10.1.0.21`,
    # `RegisterAck sent to ephone 1`: registered over plain SCCP, no security configured
    case = analyze([str(corpus_dir / "13_nonsecure-skinny-register-baseline.log")])
    (register,) = [s for s in boot_flow.boot_flow(case) if s.key == "register"]
    assert register.status == "non-secure" and "ephone-1" in register.note


def test_boot_flow_passes_a_secure_registration():
    case = analyze([str(SCENARIO.parent / "healthy")])
    (register,) = [s for s in boot_flow.boot_flow(case) if s.key == "register"]
    assert register.status == "passed"


def test_a_line_a_finding_cites_twice_is_shown_once_with_both_reasons(tmp_path):
    """The first `%PKI-2-NON_AUTHORITATIVE_CLOCK` line carries a '*' stamp: CLK001 cites it for
    both, and an engineer reading the evidence sees the line once, with the note it had."""
    from cmedebug.pipeline import analyze

    log = tmp_path / "router.log"
    log.write_text("Nov 26 08:00:00 cme-hq 000001: *Mar  1 00:00:12.030: %PKI-2-NON_AUTHORITATIVE_CLOCK: PKI "
                   "functions can not be initialized until an authoritative time source, like NTP, can be obtained.\n"
                   "Nov 26 08:00:01 cme-hq 000002: *Mar  1 00:00:13.030: %SYS-5-CONFIG_I: Configured from console "
                   "by console\n", encoding="utf-8")
    (clk,) = [f for f in analyze([str(log)], year=2026).findings if f.rule_id == "CLK001"]
    cited = [str(e.source) for e in clk.evidence]
    assert cited.count(f"{log}:1") == 1, cited
    (first,) = [e for e in clk.evidence if str(e.source) == f"{log}:1"]
    assert "'*'" in first.note


def test_the_notes_of_a_line_cited_twice_are_both_kept():
    from cmedebug.engine import _each_line_once
    from cmedebug.model import Evidence, SourceRef

    line, other = SourceRef("r.log", 4), SourceRef("r.log", 9)
    merged = _each_line_once([Evidence(line, ("x",), "a '*' stamp"), Evidence(other, ("y",)),
                              Evidence(line, ("x",), "the CA refused it"), Evidence(line, ("x",))])
    assert [(str(e.source), e.note) for e in merged] == [("r.log:4", "a '*' stamp; the CA refused it"),
                                                          ("r.log:9", "")]


def test_collect_next_never_asks_for_files_or_phone_data_that_were_given():
    """clock-never-set holds the phone's console log, its status messages and one CTL: not asked
    again; a CTL "before and after the change" still is (one was given)."""
    case = analyze([str(SCENARIO.parent / "clock-never-set")])
    wanted = [c for o in case.outcomes if o.status == "not_evaluated" for c in o.collect]
    asked = [c for row in not_evaluated(case) for c in row["commands"]]
    assert "the phone's status messages" in wanted and "the phone's status messages" not in asked
    assert "the phone's console log / Network Setup" in wanted
    assert "the phone's console log / Network Setup" not in asked
    assert "CTLSEP<MAC>.tlv before and after the change" in asked
