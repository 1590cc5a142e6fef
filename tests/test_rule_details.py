"""Details of the CLK/PKI rules that the TOML cases do not reach: the URL check
of PKI008, the shared time and certificate helpers, remediation that names the
real trustpoints, and the causal links between findings."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from cmedebug.pipeline import analyze
from cmedebug.rules import _certs as h
from cmedebug.rules.pki008_enrollment_url_malformed import url_problem

CLOCK = "CME-1#show clock\n10:15:02.123 UTC Thu Nov 26 2026\n"
CERT = """CME-1#show crypto pki certificates
Certificate
  Status: Available
  Certificate Serial Number (hex): {serial}
  Certificate Usage: General Purpose
  Issuer:
    cn={issuer}
  Subject:
    cn={subject}
  Validity Date:
    start date: 09:44:00 UTC Mar 10 2025
    end   date: {end}
  Associated Trustpoints: {tp}
"""


def _case(tmp_path, **files):
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return analyze([str(tmp_path / name) for name in files], year=2026)


@pytest.mark.parametrize("url, problem", [
    ("http://10.1.1.1:80", None),
    ("http://ca.lab.local/cgi-bin", None),
    ("https://[2001:db8::1]:443", None),
    ("tftp://10.1.1.5/ca", None),
    ("nvram:", None),
    ("http//10.1.1.1:80", "does not start with http://"),
    ("10.1.1.1", "does not start with http://"),
    ("http://10.1.1.256", "10.1.1.256 is not a valid IPv4 address"),
    ("http://10.1.1", "10.1.1 is not a valid IPv4 address"),
    ("http://10.1.1.1:99999", "port 99999 is out of range"),
    ("http://10.1.1.1:80 extra", "not of the form"),
])
def test_enrollment_url_problems(url, problem):
    found = url_problem(url)
    assert (found is None) if problem is None else (problem in found)


def test_expired_router_certificates_are_one_finding_with_their_enroll_commands(tmp_path):
    text = CLOCK + CERT.format(serial="02", issuer="cme-ca", subject="cme-tls", end="09:44:00 UTC Mar 10 2026", tp="cme-tls") \
        + CERT.format(serial="03", issuer="cme-ca", subject="cme-tftp", end="09:44:00 UTC Jan 10 2026", tp="cme-tftp")
    found = [f for f in _case(tmp_path, **{"shows.txt": text}).findings if f.rule_id == "PKI001"]
    assert len(found) == 1
    assert found[0].data["serials"] == ["3", "2"]  # oldest first
    commands = [step.command for step in found[0].remediation]
    assert "crypto pki enroll cme-tftp" in commands and "crypto pki enroll cme-tls" in commands
    assert "Also expired: certificate SN 2 (trustpoint cme-tls" in found[0].message


def test_device_now_prefers_the_device_clock_then_the_only_clock_then_stamps(tmp_path):
    case = _case(tmp_path, **{"a.txt": CLOCK})
    when, basis = h.device_now(case, "CME-1")
    assert when == datetime(2026, 11, 26, 10, 15, 2, 123000, tzinfo=timezone.utc) and "CME-1" in basis
    assert h.device_now(case, None)[0] == when  # the only `show clock` stands for an unnamed device
    stamped = _case(tmp_path, **{"b.log": "Nov 26 10:20:00.000: %PKI-6-CERTRET: Certificate received from Certificate Authority\n"})
    assert h.device_now(stamped, None) == (datetime(2026, 11, 26, 10, 20, tzinfo=timezone.utc),
                                           "the latest trusted time in the evidence")
    assert h.device_now(_case(tmp_path, **{"c.txt": "nothing here\n"}), None) == (None, "")


def test_certificate_events_are_classified_by_what_the_serial_is(tmp_path):
    text = CLOCK + CERT.format(serial="02", issuer="cme-ca", subject="cme-tls", end="09:44:00 UTC Mar 10 2030", tp="cme-tls")
    log = ("Nov 26 10:00:11.001: CRYPTO_PKI_OPSSL - Verifying 1 Certs\n"
           "Nov 26 10:00:11.004: %PKI-3-CERTIFICATE_INVALID_EXPIRED: Certificate chain validation has failed.  "
           "The certificate (SN: 3C) has expired.  Validity period ended on 10:00:00 UTC Nov 20 2026\n"
           "Nov 26 11:00:11.004: %PKI-3-CERTIFICATE_INVALID_EXPIRED: Certificate chain validation has failed.  "
           "The certificate (SN: 02) has expired.  Validity period ended on 09:44:00 UTC Mar 10 2026\n"
           "Nov 26 12:00:11.004: %PKI-3-CERTIFICATE_INVALID_EXPIRED: Certificate chain validation has failed.  "
           "The certificate (SN: 77) has expired.  Validity period ended on 09:44:00 UTC Mar 10 2026\n")
    case = _case(tmp_path, **{"shows.txt": text, "router.log": log})
    classes = {e.fields["serial"]: h.classify_certificate_event(case, e) for e in case.events_of("pki.cert.invalid_expired")}
    assert classes == {"3C": "phone", "2": "router", "77": "unknown"}


def test_ca_clock_ahead_explains_only_its_own_serials(tmp_path):
    log = ("CME-1#show clock detail\n10:00:30.000 UTC Thu Nov 26 2026\nTime source is NTP\nCME-1#\n"
           "Nov 26 10:00:11.006: %PKI-3-CERTIFICATE_INVALID_NOT_YET_VALID: Certificate chain validation has failed.  "
           "The certificate (SN: 1F) is not yet valid   Validity period starts on 12:00:05 UTC Nov 26 2026\n")
    case = _case(tmp_path, **{"cme.log": log})
    cause = next(f for f in case.findings if f.rule_id == "CLK005")
    symptom = next(f for f in case.findings if f.rule_id == "CLK002")
    assert cause.data["serials"] == ["1F"] and symptom.explained_by == [cause.id]


def test_device_now_does_not_borrow_another_named_routers_clock(tmp_path):
    case = _case(tmp_path, **{"a.txt": CLOCK, "b.txt": "CA-1#show crypto pki server\nCertificate Server ca-1:\n"
                              "    Status: enabled\n"})
    when, basis = h.device_now(case, "CA-1")
    assert basis == "the latest trusted time in the evidence"  # never "`show clock` on CME-1"


def test_a_ctl_that_carries_the_current_certificates_is_not_stale_whatever_their_dates(tmp_path):
    """ca-clock-ahead captured once CME's clock has passed the certificates' start dates: the CA
    dated them hours after the CTL built from them, but the CTL's records are those certificates
    (serial, start, issuer). CTL002 said 'the CTL still carries the old certificates', 'the CA was
    rebuilt' and had every phone erase its CTL; CLK005 is the cause, and nothing is stale."""
    import shutil
    from pathlib import Path

    case_dir = tmp_path / "ca-clock-ahead-later"
    shutil.copytree(Path(__file__).resolve().parents[1] / "sample_logs" / "ca-clock-ahead", case_dir)
    (case_dir / "scenario.toml").unlink()
    shows = case_dir / "shows.txt"
    assert "09:00:30.586 UTC Mon Mar 2 2026" in shows.read_text()
    shows.write_text(shows.read_text().replace("09:00:30.586 UTC Mon Mar 2 2026", "16:00:30.586 UTC Mon Mar 2 2026"))
    case = analyze([str(p) for p in sorted(case_dir.iterdir())])
    assert [f.rule_id for f in case.findings if f.is_root_cause][0] == "CLK005"
    assert "CTL002" not in {f.rule_id for f in case.findings}
