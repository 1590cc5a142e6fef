"""`cmedebug ctl show|verify`, `cmedebug config show`, and `cmedebug analyze` on trust artifacts."""
from __future__ import annotations

import json
import shutil
from datetime import datetime, timezone

import pytest
from click.testing import CliRunner

from certfactory import T0, issue
from cmedebug.cli import main
from cmedebug.parsers.signed_file import sign_file
from cmedebug.parsers.trustlist import ROLE_CCM_TFTP, ROLE_SAST, ROLE_TFTP, TrustRecordSpec, build_trust_list
from cmedebug.pipeline import load

CTL = "cucm10_tokenless_CTLFile.tlv"
ITL = "certutils_style_ITLFile.tlv"
XML = (b"<device><deviceProtocol>SCCP</deviceProtocol><deviceSecurityMode>2</deviceSecurityMode>"
       b"<capfAuthMode>1</capfAuthMode><authenticationString>97531</authenticationString>"
       b"<capfList><capf><phonePort>3804</phonePort><processNodeName>10.1.1.1</processNodeName></capf></capfList>"
       b"</device>")
SGN = "SEP000E325C9A43.cnf.xml.sgn"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def pki():
    ca = issue("CA", ca=True, slot=0)
    return {"sast": issue("SAST1", issuer=ca, slot=1), "tftp": issue("TFTP", issuer=ca, slot=2),
            "cme": issue("CME", issuer=ca, slot=3)}


@pytest.fixture
def signed_set(tmp_path, pki):
    """A CTL with a TFTP record and a config signed by it."""
    ctl = tmp_path / "CTLFile.tlv"
    ctl.write_bytes(build_trust_list([TrustRecordSpec(ROLE_SAST, pki["sast"].cert, "10.1.1.1", "cme"),
                                      TrustRecordSpec(ROLE_TFTP, pki["tftp"].cert, "10.1.1.1", "cme")],
                                     pki["sast"].cert, pki["sast"].key, timestamp=T0))
    sgn = tmp_path / SGN
    sgn.write_bytes(sign_file(XML, SGN, pki["tftp"].cert, pki["tftp"].key,
                              timestamp=datetime(2026, 5, 6, 7, 8, 9, tzinfo=timezone.utc)))
    return ctl, sgn


def test_ctl_show_real_file(fixtures_dir):
    result = run("ctl", "show", fixtures_dir / CTL, "--at", "2015-05-08")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "CTL file CTLFile.tlv, version 1.2, header length 312" in out
    assert "Verdict:    valid" in out and "Timestamp:  2015-05-07 03:10:47 UTC" in out
    assert out.count("\nRecord ") == 6
    assert "Record 4 (offset 3777, 1085 bytes): CAPF" in out
    assert "SHA-1:       BD:3A:AF:C7:F3:E2:16:27:B5:2B:5B:DD:7F:B4:D0:7C:58:24:A7:68" in out
    assert "IP address:  10.32.134.77" in out
    # gigantic-7's certificate ended in 2014: expired when the CTL was checked
    assert "expired at 2015-05-08 00:00:00 UTC (the --at time): it ended 164 days" in out
    # self-signed CUCM certificates: the strict verifier is not run on trust anchors
    assert out.count("Strict X.509 verifier: not run: self-signed (its own trust anchor)") == 6


def test_ctl_show_json(fixtures_dir):
    result = run("ctl", "show", fixtures_dir / ITL, "--format", "json", "--at", "2026-01-15")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["kind"] == "itl" and data["verdict"] == "valid" and len(data["records"]) == 5
    assert [r["role_name"] for r in data["records"]] == ["SAST", "CCM", "CCM", "APP-SERVER", "APP-SERVER"]
    assert data["records"][0]["certificate"]["key_size"] == 2048


def test_ctl_verify_exit_codes(fixtures_dir, tmp_path):
    assert run("ctl", "verify", fixtures_dir / CTL).exit_code == 0
    damaged = tmp_path / "CTLFile.tlv"
    data = bytearray((fixtures_dir / CTL).read_bytes())
    data[5000] ^= 1
    damaged.write_bytes(bytes(data))
    result = run("ctl", "verify", damaged)
    assert result.exit_code == 1 and "invalid" in result.output
    cut = tmp_path / "cut.tlv"
    cut.write_bytes(bytes(data[:3000]))
    result = run("ctl", "verify", cut)
    assert result.exit_code == 1 and "damaged" in result.output and "offset 2606" in result.output


def test_ctl_show_damaged_file_prints_what_was_decoded(fixtures_dir, tmp_path):
    cut = tmp_path / "cut.tlv"
    cut.write_bytes((fixtures_dir / CTL).read_bytes()[:3000])
    result = run("ctl", "show", cut, "--at", "2015-05-08")
    assert result.exit_code == 1
    assert result.output.count("\nRecord ") == 2
    assert ("DAMAGED at offset 2606: record 3 at offset 2606: record length 1171 but only 394 bytes remain; "
            "the records above were decoded before it") in result.output
    assert "Verdict:    damaged" in result.output


def test_ctl_verify_update_against_trusted(fixtures_dir):
    result = run("ctl", "verify", fixtures_dir / ITL, "--trusted", fixtures_dir / CTL)
    assert result.exit_code == 1 and "signer-not-found" in result.output


def test_ctl_bad_inputs_exit_2(tmp_path, fixtures_dir):
    text = tmp_path / "notes.txt"
    text.write_text("Router#show ctl-client\n")
    result = run("ctl", "show", text)
    assert result.exit_code == 2 and "notes.txt is not a Cisco TLV trust list" in result.output
    result = run("ctl", "verify", tmp_path / "missing.tlv")
    assert result.exit_code == 2 and "cannot read" in result.output


def test_ctl_show_on_a_signed_config_points_to_config_show(signed_set):
    _, sgn = signed_set
    result = run("ctl", "show", sgn)
    assert result.exit_code == 2 and f"try `cmedebug config show {sgn}`" in result.output


def test_config_show_signed_with_ctl(signed_set):
    ctl, sgn = signed_set
    result = run("config", "show", sgn, "--ctl", ctl)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "phone configuration for SEP000E325C9A43, signed" in out
    assert "Verdict:              valid" in out
    assert "deviceSecurityMode:   2 (authenticated)" in out
    assert "capfAuthMode:         1 (auth-string)" in out
    assert "CAPF servers:         10.1.1.1:3804" in out
    assert "Auth string present:  yes" in out
    assert "97531" not in out


def test_config_show_signer_not_in_ctl(signed_set, pki, tmp_path):
    _, sgn = signed_set
    other = tmp_path / "other.tlv"
    other.write_bytes(build_trust_list([TrustRecordSpec(ROLE_SAST, pki["sast"].cert),
                                        TrustRecordSpec(ROLE_CCM_TFTP, pki["cme"].cert)],
                                       pki["sast"].cert, pki["sast"].key, timestamp=T0))
    result = run("config", "show", sgn, "--ctl", other, "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["verdict"] == "signer-not-found" and data["config"]["auth_string_present"] is True
    assert "97531" not in result.output


def test_config_show_plain_xml(tmp_path):
    plain = tmp_path / "SEP001122334455.cnf.xml"
    plain.write_bytes(XML)
    result = run("config", "show", plain)
    assert result.exit_code == 0 and "not signed" in result.output and "SEP001122334455" in result.output
    with_managers = tmp_path / "SEP00112233445A.cnf.xml"
    with_managers.write_bytes(XML.replace(b"</device>", b"<devicePool><callManagerGroup><members><member><callManager>"
                                          b"<ports><ethernetPhonePort>2000</ethernetPhonePort><securedSipPort>5061"
                                          b"</securedSipPort></ports><processNodeName>10.1.1.1</processNodeName>"
                                          b"</callManager></member></members></callManagerGroup></devicePool></device>"))
    # the ports as a sentence, not a Python dict
    assert "Call managers:        10.1.1.1 (ethernetPhonePort 2000, securedSipPort 5061)" in run(
        "config", "show", with_managers).output
    broken = tmp_path / "SEP001122334455.cnf.xml.broken"
    broken.write_bytes(b"<device><x></device>")
    result = run("config", "show", broken)
    assert result.exit_code == 2 and "not well-formed XML at line 1" in result.output


def test_analyze_detects_trust_files_by_content(tmp_path, fixtures_dir, signed_set):
    """Renamed files are still recognised by their bytes, alongside a log."""
    ctl, sgn = signed_set
    folder = tmp_path / "case"
    folder.mkdir()
    shutil.copy(ctl, folder / "upload1.bin")
    shutil.copy(sgn, folder / "upload2.bin")
    (folder / "phone.xml").write_bytes(XML)
    (folder / "router.log").write_text("Router#show clock\n10:00:00.000 UTC Mon Jan 5 2026\n")
    result = run("analyze", "--format", "json", "--fail-on", "critical", folder)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    kinds = {i["path"].rsplit("/", 1)[-1]: i["kind"] for i in data["inputs"]}
    assert kinds["upload1.bin"] == "ctl" and kinds["upload2.bin"] == "sgn" and kinds["phone.xml"] == "cnf-xml"
    assert all(i["error"] is None for i in data["inputs"])
    # the same case through the library: the facts, and never the auth string
    case = load([folder])
    (signer,) = [f for f in case.facts if f.kind == "crosscheck.config_signer"]
    assert signer.fields["verdict"] == "valid" and signer.fields["mac"] == "000E325C9A43"
    configs = [f for f in case.facts if f.kind == "phone.config"]
    assert len(configs) == 2 and all(f.fields["auth_string_present"] for f in configs)
    assert "97531" not in json.dumps([f.to_dict() for f in case.facts])


def test_analyze_names_a_damaged_trust_list(tmp_path):
    """A .tlv whose first bytes are wrong is reported as a damaged trust list, not read as text."""
    bad = tmp_path / "CTLSEP001122334455.tlv"
    bad.write_bytes(b"\x00\x01garbage\x00" * 4)
    case = load([bad])
    (summary,) = case.inputs
    assert summary.kind == "ctl"
    assert summary.warnings == [f"{bad}: trust list damaged at offset 0: not a Cisco TLV file: expected VERSION "
                                "(tag 1, length 2) at offset 0, found bytes 000167; kept the 0 record(s) decoded "
                                "before it"]
    (ctl_file,) = [f for f in case.facts if f.kind == "ctl.file"]
    assert ctl_file.fields["verdict"] == "damaged" and ctl_file.fields["error"].startswith("offset 0")
    assert ctl_file.fields["mac"] == "001122334455"
    text = tmp_path / "notes.tlv"
    text.write_text("these are my notes about the CTL\n")
    assert load([text]).inputs[0].kind != "ctl"


def test_config_show_encrypted(tmp_path):
    from test_signed_file import encrypted_config

    enc = tmp_path / "SEP000E325C9A43.cnf.xml.enc.sgn"
    enc.write_bytes(encrypted_config())
    result = run("config", "show", enc)
    assert result.exit_code == 0, result.output
    assert "signed" in result.output and "Signer serial:        A" in result.output
    assert "Encrypted payload:    not readable without the phone's private key" in result.output
