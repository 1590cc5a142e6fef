"""The capture's own time (issue #14, class 1): years of year-less stamps from the
evidence's dates, validity against the capture's time, and byte-identical reports.

Line shapes: `show crypto pki server` and the CA server transcript from
../shared/corpus/15 and 18, certificates of the CME CA from corpus 19,
`%SYS-6-CLOCKUPDATE` from ../shared/domain/secure-cme-primer.md (LABNOTES row),
`%PKI-6-CERTRET` and `%PKI-6-CS_ENABLED` from ../shared/domain/messages.md.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

from cmedebug.model import Confidence
from cmedebug.pipeline import analyze, load
from cmedebug.reports import json_report

REPO = Path(__file__).resolve().parents[1]
# messages.md: `%PKI-6-CERTRET: Certificate received from Certificate Authority` [field report]
CERTRET = "Jan 12 10:00:00.000: %PKI-6-CERTRET: Certificate received from Certificate Authority\n"


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_crl_timer_of_the_ca_server_dates_the_log(corpus_dir, tmp_path):
    # corpus 15: `CRL NextUpdate timer: 14:54:57 PST Jan 19 2005`, CA certificate expires Dec 1 2007
    log = _write(tmp_path, "router.log", CERTRET)
    case = analyze([str(corpus_dir / "15_ios-ca-server-enable-and-show.log"), log])
    ev = next(e for e in case.events if e.kind.startswith("pki.") and e.ts is not None and e.source.path == log)
    assert ev.ts.year == 2005
    assert "CRL NextUpdate" in case.assumed_years[log]
    # the CA certificate (valid until 2007) was valid at the capture's time, though expired today
    assert not [f for f in case.findings if f.rule_id == "PKI002" and "expired on" in f.message]


def test_certificates_of_the_routers_own_ca_date_the_log(corpus_dir, tmp_path):
    # corpus 18 (the CME CA `cme_root` enabled, stamps without year) and 19 (certificates it issued in 2010)
    case = load([str(corpus_dir / "18_cme-as-ca-enroll-512bit-autogen-key.log"),
                 str(corpus_dir / "19_show-crypto-pki-certificates-cme-root-ca.log")])
    years = {e.ts.year for e in case.events if e.ts is not None}
    assert years and min(years) >= 2010 and max(years) <= 2011
    note = case.assumed_years[str(corpus_dir / "18_cme-as-ca-enroll-512bit-autogen-key.log")]
    assert "certificate issued by the router's own CA" in note


def test_a_clock_update_dates_both_eras(tmp_path):
    # secure-cme-primer.md: `%SYS-6-CLOCKUPDATE: System clock has been updated from <old> to <new>, configured from console by <who>.`
    text = ("*Mar  1 00:24:50.000: %PKI-6-CERTRET: Certificate received from Certificate Authority\n"
            "*Mar  1 00:24:57.000: %SYS-6-CLOCKUPDATE: System clock has been updated from 00:24:57 UTC Fri Mar 1 2002 "
            "to 10:00:00 UTC Thu Nov 26 2015, configured from console by admin on console.\n"
            "Nov 26 10:00:05.000: %PKI-6-CS_ENABLED: Certificate server now enabled.\n")
    path = _write(tmp_path, "a.log", text)
    case = load([path])
    assert [e.ts.year for e in case.events] == [2002, 2002, 2015]
    assert path not in case.assumed_years  # a printed clock gave the year


# corpus 19: one certificate of `show crypto pki certificates` (dates changed: it ended in 2001)
OLD_CERT = """Router# show crypto pki certificates
Certificate
Status: Available
Certificate Serial Number (hex): 07
Certificate Usage: General Purpose
Issuer:
cn=lab_root
Subject:
Name: CME1.cisco.com
hostname=CME1.cisco.com
Validity Date:
start date: 15:32:23 PST Apr 1 2000
end date: 09:44:00 PST Jan 10 2001
Associated Trustpoints: cisco2
Storage: nvram:lab_root#7.cer
"""


def test_a_verdict_on_an_assumed_year_says_so_and_is_less_confident(tmp_path):
    case = analyze([_write(tmp_path, "router.log", CERTRET + OLD_CERT)])
    expired = [f for f in case.findings if f.rule_id == "PKI001"]
    assert expired, [f.rule_id for f in case.findings]
    assert expired[0].confidence < Confidence.HIGH
    assert "Confidence lowered" in expired[0].message and "assumed" in expired[0].data["year_assumed"]
    # the same capture with its year given: the verdict no longer rests on an assumption
    given = [f for f in analyze([str(tmp_path / "router.log")], year=2001).findings if f.rule_id == "PKI001"]
    assert given and given[0].confidence == Confidence.HIGH and "year_assumed" not in given[0].data


def _report(paths) -> dict:
    data = json_report.report_dict(analyze(paths))
    data.pop("generated_at")
    return data


def test_two_runs_give_identical_reports(corpus_dir):
    inputs = [[str(REPO / "sample_logs" / name)] for name in ("ca-unreachable", "cert-expired", "clock-never-set")]
    inputs += [[str(corpus_dir / name)] for name in ("15_ios-ca-server-enable-and-show.log",
                                                     "19_show-crypto-pki-certificates-cme-root-ca.log",
                                                     "16_import-mic-capf-roots-trustpoint-status.log")]
    first = [json.dumps(_report(p), sort_keys=True) for p in inputs]
    time.sleep(1.1)  # a message that embeds the wall-clock second would now differ
    second = [json.dumps(_report(p), sort_keys=True) for p in inputs]
    for a, b, p in zip(first, second, inputs):
        assert a == b, p


def test_a_never_set_clock_a_day_after_reload_is_the_boot_default(tmp_path):
    # the reference CME's clock-never-set capture: `*Mar  2 08:25:03.575: TFTP: ...` (32 h of uptime)
    line = "*Mar  2 08:25:03.575: TFTP: Looking for CTLSEP001122334455.tlv\n"
    path = _write(tmp_path, "router.log", line)
    case = load([path])
    assert case.events[0].ts.year == 2002 and "boot default" in case.assumed_years[path]
