"""The deployment view: which evidence is one device, and one answer per derived field.

Issue #12 (one derived model, read by rules, triage and reports) and issue #14
class 10 (a finding's evidence and the symptoms it explains come from one
device unless a hostname, an address or a certificate fingerprint proves the link).
"""
from __future__ import annotations

import html
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes

from cmedebug import deployment, triage
from cmedebug.deployment.summary import rows, sourced_text
from cmedebug.model import Confidence
from cmedebug.pipeline import analyze, load
from cmedebug.reports import html as html_report
from cmedebug.reports.json_report import report_dict
from cmedebug.rules._device import ctl_servers, global_security_mode, secure_mode_intended, telephony_trustpoint
from show_helpers import write_router_log_and_unprompted_clock

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"

RUNNING_CONFIG = """CME-9#show running-config
Building configuration...
!
hostname CME-9
!
crypto pki trustpoint cme-sccp
 enrollment url http://10.1.1.2:80
 revocation-check none
 rsakeypair cme-sccp
!
telephony-service
 secure-signaling trustpoint cme-sccp
 tftp-server-credentials trustpoint cme-sccp
 device-security-mode encrypted
 ip source-address 10.1.1.1 port 2000
 cnf-file perphone
!
end
"""
# The same router, captured at another time: security off, another TLS trustpoint.
SECURITY_INFO = """CME-9#show telephony-service security-info
Skinny Server Trustpoint for TLS: other-tp
TFTP Credentials Trustpoint: cme-sccp
Server Security Mode: Secure
Global Device Security Mode: None
CME-9#
"""


@pytest.fixture
def contradictory(tmp_path):
    (tmp_path / "running-config.txt").write_text(RUNNING_CONFIG)
    (tmp_path / "security-info.txt").write_text(SECURITY_INFO)
    return analyze([str(tmp_path)])


def test_contradictory_inputs_one_answer_in_view_rules_note_json_and_html(contradictory):
    case = contradictory
    (device,) = case.deployment.devices
    assert device.name == "CME-9" and len(device.files) == 2
    mode = device.security_mode
    assert mode.value == "encrypted" and mode.item.kind == "config.telephony_service"
    assert [(value, item.kind) for value, item in mode.conflicts] == [("none", "telephony.security_info")]
    tls = device.functions["secure-signaling"]
    assert tls.value == "cme-sccp" and [(v, i.kind) for v, i in tls.conflicts] == [("other-tp",
                                                                                   "telephony.security_info")]

    # the rules read the same answers
    assert global_security_mode(case) == ("encrypted", mode.item)
    assert telephony_trustpoint(case, "secure_signaling_trustpoint") == ("cme-sccp", tls.item)
    assert secure_mode_intended(case) is True
    assert ctl_servers(case) == ([], None)
    fired = {f.rule_id for f in case.findings}
    assert "CTL001" in fired, "a CTL is needed because the phones are meant to be encrypted"
    assert not [f for f in case.findings if "mode none" in f.message.lower()]

    # the triage note and the HTML report print every derived field the same way
    derived = [(label, text) for label, text in rows(device) if label not in triage.DEVICE_ROWS_ELSEWHERE]
    assert ("device security mode", sourced_text(mode)) in derived
    assert sourced_text(mode).startswith("encrypted (config.telephony_service at ")
    assert "the evidence disagrees: none in telephony.security_info" in sourced_text(mode)
    note = triage.build_note(case)
    environment = dict(note.environment)
    page = html_report.render(case, note)
    (json_device,) = report_dict(case)["devices"]
    in_json = {row["field"]: row["value"] for row in json_device["derived"]}
    for label, text in derived:
        assert environment[label] == text, label
        assert in_json[label] == text, label
        assert f'<span class="k">{html.escape(label)}</span> {html.escape(text)}</div>' in page, label


def test_inputs_without_proof_stay_separate_devices(tmp_path):
    """Two captures that both say `Router#` and a log that names no device, next
    to a named router: nothing proves they are one router."""
    (tmp_path / "a.txt").write_text("Router#show clock\n10:00:00.000 UTC Thu Nov 26 2026\n")
    (tmp_path / "b.txt").write_text("router#show clock\n*00:01:00.000 UTC Mon Mar 1 1993\n")
    (tmp_path / "c.txt").write_text("wilson_19#show clock\n10:05:00.000 UTC Thu Nov 26 2026\n")
    (tmp_path / "d.log").write_text(
        "Nov 26 10:00:11.004: %PKI-3-CERTIFICATE_INVALID_NOT_YET_VALID: Certificate chain validation has failed. "
        " The certificate (SN: 1F) is not yet valid   Validity period starts on 18:00:05 UTC Nov 26 2026\n")
    case = load([str(tmp_path)], year=2026)
    view = deployment.build(case)
    files = sorted(sorted(Path(p).name for p in d.files) for d in view.devices)
    assert files == [["a.txt"], ["b.txt"], ["c.txt"], ["d.log"]]
    assert "wilson_19" in [d.name for d in view.devices]
    # one clock per device: the never-set `router` clock is not the `Router` one of the other capture
    states = {name: clock.state for name, clock in case.clocks.items()}
    assert states["Router (a.txt)"] != states["router (b.txt)"] == "never set (boot-default date)"
    assert set(states) == {"Router (a.txt)", "router (b.txt)", "wilson_19", "router (d.log)"}
    # validity is judged at each device's own latest trusted time, not at another capture's
    at = {d.name: d.case.reference_time.strftime("%H:%M") for d in view.devices}
    assert at["Router (a.txt)"] == "10:00" and at["wilson_19"] == "10:05" == case.reference_time.strftime("%H:%M")
    assert at["router (b.txt)"] == "10:05", "a clock never set gives no time: the capture's stands"


def test_each_device_derives_its_own_values_even_at_the_same_size(tmp_path):
    """Two routers' captures of the same size (as many events and facts): a value a rule
    derives from one device's evidence (``Case.derived``) is never the other's, nor the case's."""
    (tmp_path / "a.txt").write_text("alpha#show clock\n10:00:00.000 UTC Thu Nov 26 2026\n")
    (tmp_path / "b.txt").write_text("bravo#show clock\n10:05:00.000 UTC Thu Nov 26 2026\n")
    case = load([str(tmp_path)], year=2026)
    view = deployment.build(case)
    cases = [d.case for d in view.devices]
    assert len(cases) == 2 and len({(len(c.events), len(c.facts)) for c in cases}) == 1
    shown = [c.derived("clock shown", lambda c: [f.device for f in c.facts_of("clock.show")]) for c in cases]
    assert sorted(map(tuple, shown)) == [("alpha",), ("bravo",)]
    assert case.has("clock.show") and all(c.has("clock.show") for c in cases)
    assert not cases[0].has("pki") and not case.has("pki")


def test_inputs_joined_on_hostname_address_fingerprint_and_phone(tmp_path):
    (tmp_path / "config.txt").write_text(RUNNING_CONFIG)
    (tmp_path / "log.txt").write_text("cme-9#show clock\n10:00:00.000 UTC Thu Nov 26 2026\n")  # same name, other case
    (tmp_path / "credentials.txt").write_text("Router#show credentials\nCredentials IP: 10.1.1.1\n"
                                              "Credentials PORT: 2444\nTrustpoint: cme-sccp\n")
    (tmp_path / "other.txt").write_text("CA-2#show clock\n10:00:00.000 UTC Thu Nov 26 2026\n")
    view = deployment.build(load([str(tmp_path)], year=2026))
    by_name = {d.name: sorted(Path(p).name for p in d.files) for d in view.devices}
    assert by_name == {"CME-9": ["config.txt", "credentials.txt", "log.txt"], "CA-2": ["other.txt"]}
    (cme,) = [d for d in view.devices if d.name == "CME-9"]
    assert any("address 10.1.1.1" in why for why in cme.joined_by)


def test_a_cause_on_one_device_does_not_explain_a_symptom_on_another(tmp_path):
    """CLK001 (this router's clock is not set) explains certificate refusals on
    this router only, not the refusals a second, unrelated router logged."""
    refusal = ("*Mar  1 00:05:02.730: %PKI-3-CERTIFICATE_INVALID_NOT_YET_VALID: Certificate chain validation has "
               "failed.  The certificate (SN: 05) is not yet valid   Validity period starts on 10:00:00 UTC Nov 26 "
               "2026\n")
    (tmp_path / "cme-a.log").write_text("cme-a#show clock\n*00:12:41.201 UTC Mon Mar 1 1993\ncme-a#show logging\n"
                                        + refusal)
    (tmp_path / "cme-b.log").write_text("cme-b#show clock\n*00:12:41.201 UTC Mon Mar 1 1993\ncme-b#show logging\n"
                                        + refusal.replace("SN: 05", "SN: 06"))
    case = analyze([str(tmp_path)])
    assert {d.name for d in case.deployment.devices} == {"cme-a", "cme-b"}
    by_id = {f.id: f for f in case.findings}
    links = [(f, by_id[s]) for f in case.findings for s in f.explains]
    assert links, "each router's clock explains its own refusals"
    assert all(cause.device == symptom.device for cause, symptom in links)
    for f in case.findings:
        assert {Path(e.source.path).name for e in f.evidence} <= {f"{f.device}.log"}, f.id


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is absent")
def test_corpus_findings_never_span_devices():
    """`analyze ../shared/corpus/`: every finding's evidence, and the symptoms it
    explains, come from the files of one device (the corpus proves no link)."""
    case = analyze([str(CORPUS)])
    files = {d.name: set(d.files) for d in case.deployment.devices}
    assert len(files) > 20, "the corpus holds captures of many labs"
    by_id = {f.id: f for f in case.findings}
    assert case.findings
    for f in case.findings:
        assert f.device in files, f.id
        assert {e.source.path for e in f.evidence} <= files[f.device], (f.id, f.device)
        for symptom in (by_id[s] for s in f.explains):
            assert symptom.device == f.device, (f.id, symptom.id)
    report = json.loads(json.dumps([f.to_dict() for f in case.findings]))
    assert all(item["device"] for item in report)


def test_a_certificate_has_one_field_set_whichever_input_decoded_it():
    """A CTL record's certificate and the same certificate pasted as PEM, in a
    config chain or at `crypto pki authenticate` carry the same fields with the
    same values (the fingerprint is what joins a CTL to the router holding it)."""
    from certfactory import issue, issue_v1

    from cmedebug.parsers.grammar import cert_fields
    from cmedebug.parsers.show_pki_certificates import decoded_fields

    for cert in (issue("CME", slot=3).cert, issue_v1("old-ca").cert):
        ctl, decoded = cert_fields(cert), decoded_fields(cert)
        assert {k: decoded[k] for k in ctl} == ctl
        assert decoded["fingerprint_sha1"] == cert.fingerprint(hashes.SHA1()).hex().upper()
        assert decoded["sig_alg"] == f"{ctl['signature_hash'].upper()} with RSA Encryption"


def test_a_whole_case_rule_names_the_device_of_its_evidence(tmp_path):
    """GEN001 runs once on the whole case (it reads every other finding): each of its
    findings still names the one device its evidence comes from."""
    line = "Nov 26 10:00:11.004: %SYS-3-FOO_FAILED: the operation failed\n"
    (tmp_path / "a.txt").write_text("cme-a#show logging\n" + line)
    (tmp_path / "b.txt").write_text("cme-b#show logging\n" + line)
    case = analyze([str(tmp_path)], year=2026)
    unexplained = {f.device: [Path(e.source.path).name for e in f.evidence]
                   for f in case.findings if f.rule_id == "GEN001"}
    assert unexplained == {"cme-a": ["a.txt"], "cme-b": ["b.txt"]}


def test_the_device_of_an_item_is_told_by_the_name_its_line_prints(tmp_path):
    """One syslog server's file holds two routers: each event belongs to the router that printed
    it; an event the view was not built from has no device (never another router's)."""
    from cmedebug import deployment
    from cmedebug.model import Event, SourceRef

    log = tmp_path / "server.log"
    log.write_text("Nov 26 08:00:45 cme-hq 000001: *Mar  1 00:00:01.776: %SYS-5-CONFIG_I: Configured from console\n"
                   "Nov 26 08:00:46 cme-br1 000001: *Mar  1 00:00:02.776: %SYS-5-CONFIG_I: Configured from console\n",
                   encoding="utf-8")
    case = analyze([str(log)], year=2026)
    view = deployment.of(case)
    assert sorted(d.name for d in view.devices) == ["cme-br1", "cme-hq"]
    assert {ev.device: view.device_of(ev).name for ev in case.events} == {"cme-hq": "cme-hq", "cme-br1": "cme-br1"}
    assert view.device_of(Event(kind="x", source=SourceRef("other.log", 1), device="cme-dr")) is None


def test_the_lines_a_router_prints_without_its_name_count_in_its_own_clock(tmp_path):
    """A router's prompted log and its `show clock detail` saved without a prompt (a `show tech-support`
    section): one device, so one clock, named by the router, and one CLK001, not a second for a
    `router` that is the same box."""
    write_router_log_and_unprompted_clock(tmp_path)
    case = analyze([str(tmp_path)])
    assert [d.name for d in deployment.of(case).devices] == ["CME"]
    (clock,) = case.clocks.values()
    assert clock.device == "CME" and clock.believed_time is not None and clock.flagged_stamps == 1
    assert [f.device for f in case.findings if f.rule_id == "CLK001"] == ["CME"]


def test_a_device_without_a_time_of_its_own_is_judged_cautiously_by_another_devices_clock(tmp_path):
    """Two unrelated captures: CME's `show clock`, and another router's `show crypto pki server` from
    long ago, with no time of its own. Its CA timer is judged by CME's clock, which says nothing of
    that router now: low confidence, and the rebuild waits for its own output (as by today's date)."""
    (tmp_path / "cme.txt").write_text("CME-1#show clock\n09:00:32.000 UTC Mon Mar 2 2026\n")
    (tmp_path / "srst.txt").write_text(
        "SRST-1#show crypto pki server\nCertificate Server srstca:\n    Status: enabled\n    Issuer name: CN=srstca\n"
        "    Granting mode is: auto\n    CA certificate expiration timer: 13:46:57 PST Dec 1 2007\n")
    case = analyze([str(tmp_path)])
    (finding,) = [f for f in case.findings if f.rule_id == "PKI002"]
    assert finding.device == "SRST-1" and finding.confidence == Confidence.LOW
    assert "another device" in finding.message
    commands = [s.command for s in finding.remediation]
    assert commands.index("wait until the expiry is confirmed") < commands.index("no crypto pki server srstca")


def test_each_clock_model_is_built_once(tmp_path, monkeypatch):
    """The clock model is built per device as the deployment is (a pass over every event
    of the device): the whole case's, which a case of several devices replaces by theirs,
    is not built first for nothing; a case of one device builds its own once."""
    from cmedebug import clock

    built = []
    real = clock.build_clock_model
    monkeypatch.setattr(clock, "build_clock_model", lambda case: built.append(len(case.events)) or real(case))
    (tmp_path / "a.txt").write_text("Router#show clock\n10:00:00.000 UTC Thu Nov 26 2026\n")
    (tmp_path / "c.txt").write_text("wilson_19#show clock\n10:05:00.000 UTC Thu Nov 26 2026\n")
    case = load([str(tmp_path)], year=2026)
    assert len(case.deployment.devices) == 2 and len(built) == 2 and len(case.clocks) == 2
    built.clear()
    single = load([str(tmp_path / "c.txt")], year=2026)
    assert len(built) == 1 and list(single.clocks) == ["wilson_19"]
