"""The HTML report: self-contained, escaped, strict CSP, the eight sections in
order, every anchor resolving, and the content each section promises."""
from __future__ import annotations

import base64
import hashlib
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from cmedebug.cli import main
from cmedebug.pipeline import analyze
from cmedebug.reports.html import render

ROOT = Path(__file__).resolve().parent.parent
CLOCK_SKEW = ROOT / "tests" / "data" / "reports" / "clock-skew"
XSS = ROOT / "tests" / "data" / "reports" / "xss"
SECTIONS = ["verdict", "boot-flow", "findings", "certificates", "trust-lists", "timeline", "coverage", "collect"]


class Page(HTMLParser):
    """What the tests look at in a rendered page."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.hrefs: list[str] = []
        self.sections: list[str] = []
        self.tags: list[tuple[str, dict]] = []
        self.inline: dict[str, list[str]] = {"style": [], "script": []}
        self.text: list[str] = []
        self._in: str | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if "href" in attrs:
            self.hrefs.append(attrs["href"])
        if tag == "section":
            self.sections.append(attrs.get("id"))
        if tag in self.inline:
            self._in = tag
            self.inline[tag].append("")

    def handle_endtag(self, tag):
        if tag == self._in:
            self._in = None

    def handle_data(self, data):
        if self._in:
            self.inline[self._in][-1] += data
        else:
            self.text.append(data)

    def csp(self) -> str:
        return next(a["content"] for t, a in self.tags
                    if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")


@pytest.fixture(scope="module")
def skew_case():
    return analyze([str(CLOCK_SKEW)])


@pytest.fixture(scope="module")
def skew_page(skew_case):
    return render(skew_case)


def test_sections_in_the_required_order(skew_page):
    page = Page(skew_page)
    assert [s for s in page.sections if s in SECTIONS] == SECTIONS


def test_self_contained_no_network_and_strict_csp(skew_page):
    page = Page(skew_page)
    for tag, attrs in page.tags:
        for attr in ("src", "href", "action"):
            value = attrs.get(attr)
            assert value is None or value.startswith("#"), f"<{tag} {attr}={value!r}> leaves the page"
    assert not any(tag in ("link", "iframe", "object", "embed", "img") for tag, _ in page.tags)
    csp = page.csp()
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    # the only inline style and script are the ones the policy allows by hash
    for kind in ("style", "script"):
        assert len(page.inline[kind]) == 1
        digest = base64.b64encode(hashlib.sha256(page.inline[kind][0].encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp, f"inline {kind} is not the one the CSP allows"
    assert not any(name.startswith("on") for _, attrs in page.tags for name in attrs), "inline event handler"


def test_every_anchor_resolves_and_ids_are_unique(skew_page):
    page = Page(skew_page)
    assert len(page.ids) == len(set(page.ids)), "duplicate ids"
    targets = [h[1:] for h in page.hrefs if h.startswith("#")]
    assert targets, "the report should link its evidence"
    assert sorted(set(targets) - set(page.ids)) == []


def test_verdict_names_the_root_cause_with_confidence_and_fix(skew_case, skew_page):
    root = skew_case.root_causes()[0]
    assert root.rule_id == "CLK001"
    verdict = skew_page.split('id="verdict"')[1].split("</section>")[0]
    assert root.title in verdict and f"confidence {root.confidence}" in verdict
    assert "ntp server &lt;ntp-ip&gt;" in verdict  # the fix, escaped, above the fold
    assert f'href="#finding-{root.id}"' in verdict


def test_findings_grouped_root_first_with_symptoms_and_excerpts(skew_case, skew_page):
    page = Page(skew_page)
    for f in skew_case.findings:
        assert f"finding-{f.id}" in page.ids
    symptom = next(f for f in skew_case.findings if not f.is_root_cause)
    assert re.search(rf'class="card symptom depth-1" id="finding-{symptom.id}"', skew_page)
    root = skew_case.root_causes()[0]
    assert skew_page.index(f'id="finding-{root.id}"') < skew_page.index(f'id="finding-{symptom.id}"')
    # the cited line is highlighted with its number, with context lines around it
    ev = symptom.evidence[0]
    cited = re.findall(r'<div class="ln cited"(?: id="([^"]+)")?><span class="n">(\d+)</span>', skew_page)
    assert (f"ev-{symptom.id}-1", str(ev.source.first_line)) in cited  # the evidence link lands on it
    assert f'<span class="n">{ev.source.first_line - 1}</span>' in skew_page


def test_boot_flow_marks_the_failing_step_and_links_it(tmp_path):
    case = analyze([str(ROOT / "sample_logs" / "clock-never-set")])
    page = render(case)
    link = re.search(r'<a href="#finding-([A-Z0-9-]+)">\s*<g class="step failed" id="step-tls">', page)
    assert link, "the failed TLS step links to its finding"
    finding = case.finding(link.group(1))
    root = case.finding(finding.explained_by[0]) if finding.explained_by else finding
    assert root.rule_id == "CLK001"
    assert f'<a href="#finding-{root.id}">{root.id}</a>' in page.split('id="boot-flow"')[1].split("</section>")[0]


def test_certificates_drawn_against_clocks_and_evidence_time(skew_page):
    certs = skew_page.split('id="certificates"')[1].split("</section>")[0]
    assert "SN 5" in certs and "2026-11-26 10:00:00 UTC" in certs
    assert 'class="marker clock"' in certs and "cme-1 clock 1993-03-01" in certs
    assert 'class="marker evidence"' in certs  # no trusted clock: the time proven by the certificate
    assert "not yet valid" in certs


def test_trust_list_records_table_from_a_real_ctl(fixtures_dir):
    case = analyze([str(fixtures_dir / "cucm10_tokenless_CTLFile.tlv")])
    page = render(case)
    section = page.split('id="trust-lists"')[1].split("</section>")[0]
    records = [f for f in case.facts if f.kind == "ctl.record"]
    assert records and section.count("<tr><td>") >= len(records)
    assert all(str(r.fields["serial"]) in section for r in records)
    certs = page.split('id="certificates"')[1].split("</section>")[0]
    assert "&#8627;" in certs or "issuer:" in certs  # chain drawn issuer to subject


def test_timeline_shades_untrusted_clock_periods(skew_page):
    timeline = skew_page.split('id="timeline"')[1].split("</section>")[0]
    assert '<rect class="untrusted"' in timeline and '<circle class="dot' in timeline


def test_coverage_and_data_to_collect(skew_case, skew_page):
    coverage = skew_page.split('id="coverage"')[1].split("</section>")[0]
    summary = skew_case.inputs[0]
    assert "clock-skew/router.log" in coverage
    assert f"{summary.understood_lines}/{summary.nonblank_lines}" in coverage
    collect = skew_page.split('id="collect"')[1].split("</section>")[0]
    not_evaluated = [o for o in skew_case.outcomes if o.status == "not_evaluated"]
    assert not_evaluated and all(o.rule_id in collect for o in not_evaluated)
    assert "show crypto pki certificates verbose" in collect


def test_hostile_log_text_is_escaped(tmp_path):
    page = render(analyze([str(XSS)]))
    assert "<script>window.cmedebugPwned" not in page
    assert "&lt;script&gt;window.cmedebugPwned=1" in page
    assert '<img src=x' not in page and 'href="javascript:' not in page


def test_no_findings_says_so(tmp_path):
    log = tmp_path / "quiet.log"
    log.write_text("Router#show clock\n10:00:00.000 UTC Thu Nov 26 2026\n")
    page = render(analyze([str(log)]))
    assert "No fault found in the evidence given." in page


def test_analyze_writes_html_beside_the_text_report(tmp_path):
    out = tmp_path / "r.html"
    result = CliRunner().invoke(main, ["analyze", str(CLOCK_SKEW), "--html", str(out)])
    assert result.exit_code == 1  # a high finding, as without --html
    assert "CLK001" in result.stdout and out.read_text().startswith("<!DOCTYPE html>")


def test_text_analysis_imports_neither_jinja2_nor_pandas():
    code = ("import sys; from click.testing import CliRunner; from cmedebug.cli import main; "
            f"CliRunner().invoke(main, ['analyze', {str(CLOCK_SKEW)!r}]); "
            "print(sorted(m for m in ('jinja2', 'pandas') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_timeline_spans_all_events_and_marks_the_clock_change(tmp_path):
    """2,000 stamped lines over 33 hours: '*' until the clock is set, trusted after;
    every part of the time range has its dots, the untrusted band stops at the change."""
    from datetime import datetime, timedelta

    start = datetime(2026, 11, 25, 0, 0, 0)
    lines = ["cme-1#show logging"]
    for n in range(2000):
        t = start + timedelta(minutes=n)
        flag = "*" if n < 1000 else ""
        if n == 1000:
            lines.append(f"{t:%b %d %H:%M:%S}.000: %SYS-6-CLOCKUPDATE: System clock has been updated from "
                         f"00:00:00 UTC Fri Mar 1 2002 to {t:%H:%M:%S} UTC Wed Nov 25 2026, configured from console "
                         "by admin on console.")
        lines.append(f"{flag}{t:%b %d %H:%M:%S}.000: %PKI-6-CERTRET: Certificate received from Certificate Authority")
    log = tmp_path / "router.log"
    log.write_text("\n".join(lines) + "\n")
    page = render(analyze([str(log)], year=2026))
    timeline = page.split('id="timeline"')[1].split("</section>")[0]
    dots = [float(x) for x in re.findall(r'<circle class="dot[^"]*" cx="([\d.]+)"', timeline)]
    bands = [(float(x), float(w)) for x, w in re.findall(r'<rect class="untrusted" x="([\d.-]+)" y="[\d.]+" '
                                                        r'width="([\d.]+)"', timeline)]
    left, right = min(dots), max(dots)
    assert right - left > 600  # the dots cover the whole axis, the last hours included
    assert len(bands) == 1 and abs((bands[0][0] + bands[0][1]) - (left + right) / 2) < 15  # '*' only in the first half
    assert 'class="marker clock"' in timeline and "clock set to" in timeline


def _scenarios():
    import tomllib

    samples = ROOT / "sample_logs"
    for folder in sorted(samples.iterdir()) if samples.is_dir() else []:
        if (folder / "scenario.toml").is_file():
            yield pytest.param(folder, tomllib.loads((folder / "scenario.toml").read_text()), id=folder.name)


@pytest.mark.parametrize("folder,meta", list(_scenarios()))
def test_boot_flow_fails_at_or_before_the_step_where_the_phone_stopped(folder, meta):
    """The reference CME says where its phone stopped; the boot flow drawn from the
    evidence must show a failed step there or upstream of it, and none for a healthy run."""
    from cmedebug.reports.boot_flow import STEPS, boot_flow

    outcome = meta["phone"]["outcome"]
    flow = {s.key: s for s in boot_flow(analyze([str(folder)]))}
    order = [d.key for d in STEPS]
    if outcome.startswith("stopped:"):
        stopped = outcome.split(":", 1)[1]
        upstream = order[: order.index(stopped) + 1]
        assert any(flow[k].status == "failed" for k in upstream), {k: s.status for k, s in flow.items()}
        assert all(flow[k].finding_id for k in upstream if flow[k].status == "failed")
    if folder.name == "healthy":
        assert [s.status for s in flow.values()] == ["passed"] * len(order)


def test_each_certificate_listed_once_in_chain_order():
    case = analyze([str(ROOT / "sample_logs" / "healthy")])
    certs = [f for f in case.facts if f.kind == "cert"]
    distinct = {(f.fields["serial"], f.fields["issuer"].lower()) for f in certs}
    page = render(case)
    section = page.split('id="certificates"')[1].split("</section>")[0]
    rows = re.findall(r'<tr id="cert-\d+">', section)
    assert len(rows) == len(distinct) > 1
    roots = [f for f in certs if f.fields["subject"].lower() == f.fields["issuer"].lower()]
    first_row = section.split('<tr id="cert-1">')[1].split("</tr>")[0]
    assert roots and roots[0].fields["subject"] in first_row  # the issuer comes before what it signed
    assert section.count("&#8627;") == len(distinct) - len({(r.fields["serial"]) for r in roots})


def test_a_block_nothing_is_pasted_from_has_no_copy_button(tmp_path):
    """A CA expired by today's date only: the router blocks (show, then the rebuild) can be copied,
    the wait between them (a person checks the timer) cannot."""
    log = tmp_path / "server.txt"
    log.write_text("Router#show crypto pki server\nCertificate Server srstca:\n    Status: enabled\n"
                   "    Issuer name: CN=srstca\n    Granting mode is: auto\n"
                   "    CA certificate expiration timer: 13:46:57 PST Dec 1 2007\n")
    page = render(analyze([str(log)]))
    blocks = re.findall(r'<div class="commands">(.*?)</pre></div>', page, re.S)
    copied = {("wait until the expiry is confirmed" in b, 'class="copy"' in b) for b in blocks}
    assert (True, False) in copied and (False, True) in copied and (True, True) not in copied
