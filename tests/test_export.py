"""cmedebug events: JSONL and CSV export of events and facts."""
from __future__ import annotations

import io
import json

import pandas as pd
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization

from certfactory import issue
from cmedebug.cli import main
from cmedebug.export import COLUMNS
from show_helpers import write_router_log_and_unprompted_clock

CAPTURE = """\
CME1#show credentials
Credentials IP: 172.19.245.1
Credentials PORT: 2444
Trustpoint: ctlpv
CME1#
*Mar  1 00:03:47.483: %PKI-3-CERTIFICATE_INVALID_EXPIRED: Certificate chain validation has failed. The certificate (SN: 1A2B) has expired. Validity period ended on 13:09:32 UTC Jun 12 2024
CME1#show running-config | section ephone
ephone  1
 mac-address 0019.E7F8.A14F
 capf-auth-str 2734
"""


def _capture(tmp_path):
    path = tmp_path / "capture.txt"
    path.write_text(CAPTURE, encoding="utf-8")
    return path


def test_jsonl_rows_have_the_stable_columns_in_line_order(tmp_path):
    result = CliRunner().invoke(main, ["events", str(_capture(tmp_path)), "--year", "2025"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert all(tuple(row) == COLUMNS for row in rows)
    assert [(r["record"], r["kind"], r["first_line"]) for r in rows][:3] == [
        ("fact", "credentials.summary", 2), ("event", "pki.cert.invalid_expired", 6), ("fact", "config.ephone", 8)]
    creds, expired = rows[0], rows[1]
    assert creds["fields"] == {"ip": "172.19.245.1", "port": 2444, "trustpoint": "ctlpv"}
    assert creds["ts"] is None and creds["device"] == "CME1" and creds["last_line"] == 4
    assert expired["ts"] == "2025-03-01T00:03:47.483000+00:00" and expired["clock_flag"] == "*"
    assert expired["fields"]["serial"] == "1A2B"
    assert "2734" not in result.stdout


def test_csv_reads_back_with_pandas(tmp_path):
    out = tmp_path / "events.csv"
    result = CliRunner().invoke(main, ["events", str(_capture(tmp_path)), "--format", "csv", "-o", str(out)])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out, keep_default_na=False)
    assert tuple(frame.columns) == COLUMNS
    assert "wrote" in result.stderr and str(len(frame)) in result.stderr
    ephone = frame[frame.kind == "config.ephone"].iloc[0]
    fields = json.loads(ephone["fields"])
    assert fields["mac"] == "0019E7F8A14F" and fields["capf_auth_str_length"] == 4
    assert int(ephone["first_line"]) == 8 and ephone["record"] == "fact"
    assert set(frame.record) == {"event", "fact"}
    assert "2734" not in out.read_text(encoding="utf-8")


def test_jsonl_reads_back_with_pandas(tmp_path):
    result = CliRunner().invoke(main, ["events", str(_capture(tmp_path)), "-f", "jsonl"])
    frame = pd.read_json(io.StringIO(result.stdout), lines=True)
    assert list(frame.columns) == list(COLUMNS)
    assert frame.loc[frame.kind == "credentials.summary", "fields"].iloc[0]["port"] == 2444


def test_certificate_data_is_exported_whole(tmp_path):
    issued = issue("cme-root", serial=0x1F, ca=True, days=30)
    pem = issued.cert.public_bytes(serialization.Encoding.PEM).decode().strip()
    path = tmp_path / "certs.txt"
    path.write_text("CME1#show crypto pki certificates\nCA Certificate\n  Status: Available\n" + pem + "\n"
                    "CME1#show running-config | include password\nusername admin password 0 s3cr3t-pass\n",
                    encoding="utf-8")
    result = CliRunner().invoke(main, ["events", str(path)])
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    cert = next(r for r in rows if r["kind"] == "cert")
    assert cert["fields"]["pem"] == pem and cert["fields"]["serial"] == "1F"
    assert "s3cr3t-pass" not in result.stdout


def test_unreadable_input_exits_2_with_a_message(tmp_path):
    result = CliRunner().invoke(main, ["events", str(tmp_path / "missing.log")])
    assert result.exit_code == 2
    assert "missing.log" in result.stderr


def test_unknown_kind_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(main, ["events", str(_capture(tmp_path)), "--kind", "nonsense"])
    assert result.exit_code == 2 and "unknown kind" in result.output


def test_help_documents_the_columns():
    result = CliRunner().invoke(main, ["events", "--help"])
    assert result.exit_code == 0
    for column in COLUMNS:
        assert column in result.output


def test_a_line_printed_without_a_name_takes_the_name_of_the_device_it_was_joined_to(tmp_path):
    """The same router's `show clock detail` saved without a prompt, beside its prompted log: the
    deployment joins them, and the export names CME on every row; a lone capture that names no
    router anywhere stays without a device."""
    write_router_log_and_unprompted_clock(tmp_path)
    rows = [json.loads(line) for line in CliRunner().invoke(main, ["events", str(tmp_path)]).stdout.splitlines()]
    assert {(row["kind"], row["device"]) for row in rows} >= {("clock.show", "CME"), ("pki.clock.non_authoritative",
                                                                                     "CME")}
    assert {row["device"] for row in rows} == {"CME"}
    alone = [json.loads(line) for line in CliRunner().invoke(main, ["events", str(tmp_path / "tech.txt")])
             .stdout.splitlines()]
    assert [row["device"] for row in alone] == [None]
