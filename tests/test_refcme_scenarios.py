"""Every reference-CME scenario: the phone stops where it should, the evidence the
fault leaves is in the files, runs are fast, deterministic, leak nothing, and the
shipped sample_logs are current and understood by the parsers."""
from __future__ import annotations

import filecmp
import os
import threading
import tomllib
from pathlib import Path

import pytest

from cmedebug.pipeline import load
from cmedebug.refcme.out_folder import MANIFEST
from cmedebug.refcme.scenarios import SCENARIOS, reproduce, timed_reproduce

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "sample_logs"

# What each fault must leave behind: (file, text) pairs that only appear because
# the modelled system really failed that way.
EVIDENCE = {
    "healthy": [("shows.txt", "+ Authentication + Encryption with TLS connection"),
                ("router.log", "%IPPHONE-6-REGISTER: ephone-1:SEP001122334455"),
                ("router.log", "certificate store successful for SEP001122334455"),
                ("phone-status.txt", "CTL Installed")],
    "clock-never-set": [("router.log", "*Mar  2 08:"), ("shows.txt", "Time source is hardware calendar"),
                        ("router.log", "%PKI-3-CERTIFICATE_INVALID_NOT_YET_VALID")],
    "clock-set-after-ca-built": [("router.log", "%SYS-6-CLOCKUPDATE: System clock has been updated from "),
                                 ("router.log", "(SN: 1) has expired. Validity period ended on 00:01:36 UTC Feb 28 2005")],
    "ctl-capf-record-missing": [("router.log", "CTL File Created Successfully"), ("phone-status.txt", "CTL Installed")],
    "secure-signaling-trustpoint-unset": [("shows.txt", "Skinny Server Trustpoint for TLS: \n"),
                                          ("shows.txt", "skinny_secure_tcp_listen_socket fd = -1")],
    "tftp-credentials-trustpoint-unset": [("phone-status.txt", "File Not Found SEP001122334455.cnf.xml.sgn")],
    "ntp-unsynchronised": [("router.log", ".Feb 27 09:00:"), ("shows.txt", ".09:00:"),
                           ("router.log", "%PKI-3-CERTIFICATE_INVALID_NOT_YET_VALID")],
    "ca-clock-ahead": [("router.log", "is not yet valid   Validity period starts on 15:00:01 UTC Mar 2 2026"),
                       ("ca-shows.txt", "15:00:")],
    "cert-expired": [("router.log", "(SN: 2) has expired. Validity period ended on 09:00:02 UTC Jan 26 2026")],
    "ca-cert-expired": [("router.log", "(SN: 1) has expired"),
                        ("shows.txt", "CA certificate expiration timer: 09:00:01 UTC Feb 25 2026")],
    "http-server-off": [("running-config.txt", "no ip http server"),
                        ("router.log", "% Error in receiving Certificate Authority certificate: status = FAIL")],
    "enrollment-pending-manual-grant": [("shows.txt", "pending"),
                                        ("router.log", "% Certificate request sent to Certificate Authority")],
    "ca-server-disabled": [("shows.txt", "Status: disabled"), ("running-config.txt", " shutdown")],
    "ca-database-lost": [("router.log", "% Failed to find Certificate Server's cert."),
                         ("router.log", "%PKI-6-CERTFAIL: Certificate enrollment failed."),
                         ("shows.txt", "Status: disabled")],
    "ca-unreachable": [("router.log", "%PKI-3-SOCKETSEND: Failed to send out message to CA server.")],
    "crl-unreachable": [("router.log", "%PKI-3-CRL_FETCH_FAIL: CRL fetch for trustpoint cme-root failed")],
    "ca-rebuilt-stale-ctl": [("phone-status.txt", "authenticated fail"),
                             ("router.log", "TLS Handshake retcode OPSSLHandshakeErr")],
    "sast-changed": [("phone-status.txt", "Trust List update failed"),
                     ("router.log", "CTL File Created Successfully")],
    "config-signed-by-untrusted": [("phone-status.txt",
                                    "invalid file SEP001122334455.cnf.xml.sgn, authenticated fail. Reason:14.")],
    "ctl-not-served": [("router.log", "TFTP: Sending error 1 No such file"),
                       ("phone-status.txt", "No Trust List installed")],
    "mic-root-missing": [("router.log", "SEP001122334455 AuthMode 4"), ("running-config.txt",
                                                                          "cert-oper upgrade auth-mode MIC")],
    "capf-ra-enrollment-failure": [("shows.txt", "pending    "), ("router.log", "msgtype 4")],
    "capf-auth-string-mismatch": [("router.log", "SEP001122334455 AuthMode 1"),
                                  ("router.log", "ephone_capf_send_end_session_msg")],
    "capf-auth-mode-mismatch": [("router.log", "SEP001122334455 AuthMode 3")],
    "capf-cert-oper-not-set": [("router.log", "TLS Handshake retcode OPSSLHandshakeErr")],
    "capf-keygen-timeout": [("router.log", "KeySize 2048"), ("router.log", "msgtype 17")],
    "secure-listener-down": [("shows.txt", "skinny_secure_tcp_listen_socket fd = -1")],
    "tls-version-mismatch": [("router.log", "error:14076102:SSL routines:SSL23_GET_CLIENT_HELLO:unsupported protocol")],
    "key-too-small": [("router.log", "%CRYPTO-6-AUTOGEN: Generated new 512 bit key pair"),
                      ("router.log", "Signature length 64"),
                      ("phone-status.txt", "Cert key size is not FIPS compliant.")],
    "platform-unsupported": [("shows.txt", "cisco ISR4331/K9 (1RU) processor"),
                             ("shows.txt", "Cisco IOS XE Software, Version 17.06.01a"),
                             ("running-config.txt", "version 17.6\n")],
    "device-security-mode-nonsecure": [("router.log", "skinny_add_socket"),
                                       ("running-config.txt", " device-security-mode none")],
}


def test_every_scenario_has_its_evidence_table():
    assert set(EVIDENCE) == set(SCENARIOS)


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_scenario_stops_the_phone_where_expected_and_leaves_its_evidence(name, tmp_path):
    threads, fds = threading.active_count(), _open_fds()
    world, seconds = timed_reproduce(name, tmp_path / name)
    assert seconds < 10
    outcome = world.phone.outcome if world.phone.stopped_at is None else f"stopped:{world.phone.stopped_at}"
    assert outcome == SCENARIOS[name].phone_outcome
    for file, text in EVIDENCE[name]:
        assert text in (tmp_path / name / file).read_text(), f"{file} lacks {text!r}"
    meta = tomllib.loads((tmp_path / name / "scenario.toml").read_text())
    assert meta["phone"]["outcome"] == outcome
    assert meta["expect"]["first_root"] == list(SCENARIOS[name].first_root)
    assert threading.active_count() == threads
    assert _open_fds() == fds


def test_only_faults_that_leave_the_old_trust_in_place_end_registered_securely():
    secure = {n for n, s in SCENARIOS.items() if s.phone_outcome == "registered-secure"}
    assert secure == {"healthy", "sast-changed", "ca-database-lost", "capf-ra-enrollment-failure", "platform-unsupported"}


def test_sample_logs_are_current(tmp_path):
    """Regenerate every scenario and compare byte for byte (run
    `cmedebug reproduce --all --out sample_logs` after changing the model)."""
    for name in SCENARIOS:
        reproduce(name, tmp_path / name)
        fresh, shipped = tmp_path / name, SAMPLES / name
        assert shipped.is_dir(), f"sample_logs/{name} is missing"
        names = sorted(p.name for p in fresh.iterdir() if p.name != MANIFEST)
        assert names == sorted(p.name for p in shipped.iterdir() if p.name != MANIFEST), name
        match, mismatch, errors = filecmp.cmpfiles(fresh, shipped, names, shallow=False)
        assert not mismatch and not errors, f"{name}: {mismatch or errors} differ; regenerate sample_logs"


def test_seed_changes_keys_but_not_the_story(tmp_path):
    reproduce("healthy", tmp_path / "a", seed=0)
    world = reproduce("healthy", tmp_path / "b", seed=1)
    assert world.phone.outcome == "registered-secure"
    a = (tmp_path / "a" / "CTLSEP001122334455.tlv").read_bytes()
    b = (tmp_path / "b" / "CTLSEP001122334455.tlv").read_bytes()
    assert a != b and len(a) == len(b)


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_parsers_understand_at_least_98_percent_of_the_sample(name):
    inputs = [str(p) for p in sorted((SAMPLES / name).iterdir()) if p.name != "scenario.toml" and not p.name.startswith(".")]
    case = load(inputs)
    for summary in case.inputs:
        assert summary.error is None, summary.error
        assert summary.coverage >= 0.98, f"{summary.path}: {summary.coverage:.1%} understood"


def test_ctl_without_capf_record_is_what_the_phone_received():
    from cmedebug.parsers.trustlist import decode_trust_list

    tl = decode_trust_list((SAMPLES / "ctl-capf-record-missing" / "CTLSEP001122334455.tlv").read_bytes())
    assert [r.role for r in tl.records] == [0, 0, 1, 3]
