"""Cross-checks, each with certificates generated here, loaded through the real
pipeline: a CTL and .sgn written by our writer, and router output (running-config,
show crypto pki certificates, show clock) written in IOS's shapes."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from cryptography.hazmat.primitives import serialization

from certfactory import T0, issue
from cmedebug.parsers.signed_file import sign_file
from cmedebug.parsers.trustlist import (ROLE_CAPF, ROLE_CCM_TFTP, ROLE_SAST, ROLE_TFTP, TrustRecordSpec,
                                        build_trust_list)
from cmedebug.pipeline import load

CTL_TIME = T0 + timedelta(days=10)
XML = b"<device><deviceSecurityMode>2</deviceSecurityMode></device>"
SGN = "SEP000E325C9A43.cnf.xml.sgn"

RUNNING_CONFIG = """CME#show running-config
Building configuration...
!
hostname CME
!
telephony-service
 secure-signaling trustpoint cme_cert
 tftp-server-credentials trustpoint tftp_cert
 cnf-file perphone
!
capf-server
 trustpoint-label capf_tp
 auth-mode null-string
!
ctl-client
 server capf 10.1.1.1 trustpoint capf_tp
 server cme 10.1.1.1 trustpoint cme_cert
 sast1 trustpoint sast1
 sast2 trustpoint sast2
!
end
"""


def ios_date(when: datetime) -> str:
    return f"{when:%H:%M:%S} UTC {when:%b} {when.day} {when.year}"


def show_certificate(cert, trustpoint: str) -> str:
    """One `show crypto pki certificates` entry for ``cert`` (the shape of corpus sample 19)."""
    return f"""Certificate
  Status: Available
  Certificate Serial Number (hex): {cert.serial_number:X}
  Certificate Usage: General Purpose
  Issuer:
    cn=CME-CA
  Subject:
    Name: CME.example.com
    hostname=CME.example.com
  Validity Date:
    start date: {ios_date(cert.not_valid_before_utc)}
    end   date: {ios_date(cert.not_valid_after_utc)}
  Associated Trustpoints: {trustpoint}
  Storage: nvram:CME-CA#{cert.serial_number:X}.cer

"""


@pytest.fixture(scope="module")
def pki():
    ca = issue("CME-CA", ca=True, slot=0)
    return {
        "ca": ca,
        "sast1": issue("SAST1", issuer=ca, slot=1),
        "sast2": issue("SAST2", issuer=ca, slot=2),
        "cme": issue("CME", issuer=ca, slot=3),
        "tftp": issue("TFTP", issuer=ca, slot=4),
        "capf": issue("CAPF", issuer=ca, slot=5),
    }


def write_ctl(path, pki, *, cme=None, tftp=None, capf=None, signer="sast1", sasts=("sast1", "sast2"),
              when=CTL_TIME):
    records = [TrustRecordSpec(ROLE_SAST, pki[s].cert, "10.1.1.1", "CME") for s in sasts]
    records.append(TrustRecordSpec(ROLE_CCM_TFTP if tftp is None else 1, (cme or pki["cme"]).cert, "10.1.1.1", "CME"))
    if tftp is not None:
        records.append(TrustRecordSpec(ROLE_TFTP, tftp.cert, "10.1.1.1", "CME"))
    records.append(TrustRecordSpec(ROLE_CAPF, (capf or pki["capf"]).cert, "10.1.1.1", "CME"))
    signer_pair = pki[signer] if isinstance(signer, str) else signer
    path.write_bytes(build_trust_list(records, signer_pair.cert, signer_pair.key, timestamp=when))
    return path


def show_ca_certificate(cert, trustpoint: str) -> str:
    """A `CA Certificate` entry followed by its PEM, as IOS prints it when asked to."""
    pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    entry = show_certificate(cert, trustpoint).replace("Certificate\n", "CA Certificate\n", 1)
    return entry.rstrip() + "\n" + pem + "\n"


def write_router(path, certs: dict[str, object], ca=None):
    text = RUNNING_CONFIG + "CME#show crypto pki certificates\n"
    text += "".join(show_certificate(c.cert, tp) for tp, c in certs.items())
    if ca is not None:
        text += show_ca_certificate(ca.cert, "CME-CA")
    path.write_text(text + "CME#\n")
    return path


def facts(case, kind):
    return [f for f in case.facts if f.kind == kind]


def test_cme_record_matches_secure_signaling_certificate(tmp_path, pki):
    case = load([write_ctl(tmp_path / "CTLFile.tlv", pki), write_router(tmp_path / "r.txt", {"cme_cert": pki["cme"]})])
    (check,) = facts(case, "crosscheck.cme_record")
    f = check.fields
    serial = f"{pki['cme'].cert.serial_number:X}"
    assert f["trustpoint"] == "cme_cert" and f["presented_serial"] == serial
    assert f["match"] is True and f["in_ctl_as"] == ["CCM+TFTP"] and f["ctl_serials"] == [serial]


def test_reenrolled_cme_certificate_is_not_in_old_ctl(tmp_path, pki):
    """The router re-enrolled cme_cert after the CTL was built and the CTL was not regenerated."""
    renewed = issue("CME", issuer=pki["ca"], slot=3, not_before=CTL_TIME + timedelta(days=30))
    case = load([write_ctl(tmp_path / "CTLFile.tlv", pki), write_router(tmp_path / "r.txt", {"cme_cert": renewed})])
    (check,) = facts(case, "crosscheck.cme_record")
    assert check.fields["match"] is False
    assert check.fields["ctl_serials"] == [f"{pki['cme'].cert.serial_number:X}"]
    (age,) = [a for a in facts(case, "crosscheck.ctl_age") if a.fields["trustpoint"] == "cme_cert"]
    assert age.fields["ctl_older"] is True and age.fields["in_ctl"] is False
    assert age.fields["functions"] == ["secure-signaling"]
    assert age.fields["not_before"] == CTL_TIME + timedelta(days=30)


def test_rebuilt_ca_reusing_serials_is_not_a_match(tmp_path, pki):
    """A rebuilt CA numbers from 1 again: the re-enrolled CME certificate has the
    serial of the one in the CTL, but it is another certificate (other dates)."""
    reissued = issue("CME", issuer=issue("CME-CA", ca=True, slot=11), slot=12,
                     serial=pki["cme"].cert.serial_number, not_before=T0 + timedelta(days=20))
    case = load([write_ctl(tmp_path / "CTLFile.tlv", pki), write_router(tmp_path / "r.txt", {"cme_cert": reissued})])
    (check,) = facts(case, "crosscheck.cme_record")
    f = check.fields
    assert f["serial_match"] is True and f["match"] is False
    assert f["differences"] == ["start date 2026-01-21 00:00:00 UTC vs 2026-01-01 00:00:00 UTC in the CTL"]


def test_ctl_built_after_enrollment_is_not_old(tmp_path, pki):
    case = load([write_ctl(tmp_path / "CTLFile.tlv", pki), write_router(tmp_path / "r.txt", {"cme_cert": pki["cme"]})])
    (age,) = facts(case, "crosscheck.ctl_age")
    assert age.fields["ctl_older"] is False and age.fields["in_ctl"] is True


def test_capf_record_against_capf_trustpoint(tmp_path, pki):
    other = issue("CAPF", issuer=pki["ca"], slot=6)
    case = load([write_ctl(tmp_path / "CTLFile.tlv", pki),
                 write_router(tmp_path / "r.txt", {"capf_tp": other})])
    (check,) = facts(case, "crosscheck.capf_record")
    assert check.fields["trustpoint"] == "capf_tp" and check.fields["match"] is False
    assert check.fields["ctl_serials"] == [f"{pki['capf'].cert.serial_number:X}"]
    case = load([write_ctl(tmp_path / "CTLFile.tlv", pki), write_router(tmp_path / "r.txt", {"capf_tp": pki["capf"]})])
    assert facts(case, "crosscheck.capf_record")[0].fields["match"] is True


def test_config_signer_in_ctl_verifies(tmp_path, pki):
    (tmp_path / SGN).write_bytes(sign_file(XML, SGN, pki["tftp"].cert, pki["tftp"].key, timestamp=CTL_TIME))
    case = load([write_ctl(tmp_path / "CTLFile.tlv", pki, tftp=pki["tftp"]), tmp_path / SGN,
                 write_router(tmp_path / "r.txt", {"tftp_cert": pki["tftp"]})])
    by_source = {f.fields["signer_source"]: f.fields for f in facts(case, "crosscheck.config_signer")}
    sgn = by_source["sgn"]
    assert sgn["mac"] == "000E325C9A43" and sgn["verdict"] == "valid" and sgn["match"] is True
    assert sgn["in_ctl_as"] == ["TFTP"] and sgn["trustpoint_match"] is True
    (config,) = facts(case, "phone.config")
    assert config.fields["verdict"] == "valid"  # filled in once the CTL was known
    assert by_source["trustpoint"]["match"] is True


def test_config_signed_by_a_certificate_the_ctl_lacks(tmp_path, pki):
    """Configs are signed with tftp_cert, but the CTL's only TFTP-capable record is the CME certificate."""
    (tmp_path / SGN).write_bytes(sign_file(XML, SGN, pki["tftp"].cert, pki["tftp"].key, timestamp=CTL_TIME))
    case = load([write_ctl(tmp_path / "CTLFile.tlv", pki), tmp_path / SGN,
                 write_router(tmp_path / "r.txt", {"tftp_cert": pki["tftp"]})])
    by_source = {f.fields["signer_source"]: f.fields for f in facts(case, "crosscheck.config_signer")}
    assert by_source["sgn"]["verdict"] == "signer-not-found" and by_source["sgn"]["match"] is False
    assert facts(case, "phone.config")[0].fields["verdict"] == "signer-not-found"
    assert by_source["sgn"]["ctl_tftp_serials"] == [f"{pki['cme'].cert.serial_number:X}"]
    assert by_source["trustpoint"]["match"] is False


def test_config_signed_by_an_impostor_key_is_invalid(tmp_path, pki):
    """The header names the TFTP certificate of the CTL, but another key signed."""
    impostor = issue("TFTP", issuer=pki["ca"], slot=7)
    data = sign_file(XML, SGN, pki["tftp"].cert, impostor.key, timestamp=CTL_TIME)
    (tmp_path / SGN).write_bytes(data)
    case = load([write_ctl(tmp_path / "CTLFile.tlv", pki, tftp=pki["tftp"]), tmp_path / SGN])
    (check,) = facts(case, "crosscheck.config_signer")
    assert check.fields["serial_match"] is True
    assert check.fields["match"] is False and check.fields["verdict"] == "invalid"


def test_sast_continuity_kept_signer(tmp_path, pki):
    old = write_ctl(tmp_path / "old_CTLFile.tlv", pki, when=CTL_TIME)
    new = write_ctl(tmp_path / "new_CTLFile.tlv", pki, signer="sast2", when=CTL_TIME + timedelta(days=5))
    case = load([new, old])  # ordered by the header timestamps, not by argument order
    (check,) = facts(case, "crosscheck.sast_continuity")
    f = check.fields
    assert f["previous_path"] == str(old) and f["new_path"] == str(new)
    assert f["signer_serial"] == f"{pki['sast2'].cert.serial_number:X}"
    assert f["signer_in_previous"] is True and f["verdict"] == "valid"
    assert len(f["kept_sast_serials"]) == 2


def test_sast_continuity_broken_by_new_sast_keys(tmp_path, pki):
    """The CA and SAST trustpoints were rebuilt: phones holding the old CTL refuse the new one."""
    new_sast1 = issue("SAST1", issuer=pki["ca"], slot=8)
    new_sast2 = issue("SAST2", issuer=pki["ca"], slot=9)
    old = write_ctl(tmp_path / "a.tlv", pki, when=CTL_TIME)
    pki_new = dict(pki, sast1=new_sast1, sast2=new_sast2)
    new = write_ctl(tmp_path / "b.tlv", pki_new, when=CTL_TIME + timedelta(days=1))
    (check,) = facts(load([old, new]), "crosscheck.sast_continuity")
    assert check.fields["signer_in_previous"] is False and check.fields["verdict"] == "signer-not-found"
    assert check.fields["kept_sast_serials"] == []


def test_sast_continuity_detects_a_forged_update(tmp_path, pki):
    """The header names a SAST the phone trusts, but another key signed the update."""
    forger = issue("SAST1", issuer=pki["ca"], slot=10)
    old = write_ctl(tmp_path / "a.tlv", pki, when=CTL_TIME)
    fake_signer = type(pki["sast1"])(pki["sast1"].cert, forger.key)
    new = write_ctl(tmp_path / "b.tlv", pki, signer=fake_signer, when=CTL_TIME + timedelta(days=1))
    (check,) = facts(load([old, new]), "crosscheck.sast_continuity")
    assert check.fields["signer_in_previous"] is True and check.fields["verdict"] == "invalid"


def test_certificate_analysis_against_reference_time_and_device_clock(tmp_path, pki):
    """The router's clock is at the 1993 boot default: the CTL certificates are not
    yet valid there; the reference time (a trusted `show clock`) is later. The CA
    certificate comes from the PEM that `show crypto pki certificates` printed."""
    ctl = write_ctl(tmp_path / "CTLFile.tlv", pki)
    router = tmp_path / "r.txt"
    write_router(router, {}, ca=pki["ca"])
    # `show credentials` names the address the CTL's records carry: that proves the CTL is CME's
    router.write_text(router.read_text() + "CME#show clock\n*10:00:00.000 UTC Fri Jan 1 1993\n"
                      "CME#show credentials\nCredentials IP: 10.1.1.1\nCredentials PORT: 2444\nCME#\n")
    other = tmp_path / "other.txt"
    later = T0 + timedelta(days=400)  # after every certificate ended (365 days)
    other.write_text(f"R2#show clock\n{later:%H:%M:%S}.000 UTC {later:%a %b} {later.day} {later.year}\nR2#\n")
    case = load([ctl, router, other])
    analyses = [a for a in facts(case, "cert_analysis") if a.fields["origin"] == "ctl"]
    assert len(analyses) == 4  # SAST1, SAST2, CCM+TFTP, CAPF
    for a in analyses:
        codes = a.fields["problem_codes"]
        assert a.fields["full"] is True and a.fields["checked_at"] == later.replace(microsecond=0)
        assert "expired" in codes and "not-yet-valid-on-device" in codes
        assert a.fields["issuer_serial"] == f"{pki['ca'].cert.serial_number:X}"
        assert a.fields["strict_verifier"].startswith("rejected: ")  # 1024-bit keys, no SAN
    (ca,) = [a for a in facts(case, "cert_analysis") if a.fields["role"] == "ca"]
    assert ca.fields["full"] is True and ca.fields["self_signed"] is True
    sast = next(a for a in analyses if a.fields["role"] == "sast")
    assert any("clock of CME" in p["message"] for p in sast.fields["problems"])


def test_nothing_to_cross_check_without_a_ctl(tmp_path, pki):
    case = load([write_router(tmp_path / "r.txt", {"cme_cert": pki["cme"]})])
    assert not [f for f in case.facts if f.kind.startswith("crosscheck.")]
    (analysis,) = facts(case, "cert_analysis")
    assert analysis.fields["full"] is False and analysis.fields["trustpoints"] == ["cme_cert"]
    # a lookup of certificates (dotted prefixes match children) finds the certificate, not its analysis
    assert [f.kind for f in case.facts_of("cert")] == ["cert"]


def test_a_damaged_ctl_does_not_replace_an_intact_one(tmp_path, pki):
    good = write_ctl(tmp_path / "a.tlv", pki, when=CTL_TIME)
    newer = write_ctl(tmp_path / "b.tlv", pki, when=CTL_TIME + timedelta(days=1)).read_bytes()
    cut = tmp_path / "b.tlv"
    cut.write_bytes(newer[:len(newer) - 100])
    case = load([good, cut, write_router(tmp_path / "r.txt", {"cme_cert": pki["cme"]})])
    (check,) = facts(case, "crosscheck.cme_record")
    assert check.fields["ctl_path"] == str(good) and check.fields["match"] is True
    (continuity,) = facts(case, "crosscheck.sast_continuity")
    assert continuity.fields["new_path"] == str(cut) and continuity.fields["verdict"] == "damaged"


def test_config_signer_checked_against_an_itl_when_there_is_no_ctl(tmp_path, pki):
    itl = tmp_path / "ITLFile.tlv"
    itl.write_bytes(build_trust_list([TrustRecordSpec(ROLE_SAST, pki["sast1"].cert),
                                      TrustRecordSpec(ROLE_TFTP, pki["tftp"].cert)],
                                     pki["sast1"].cert, pki["sast1"].key, filename="ITLFile.tlv", timestamp=CTL_TIME))
    (tmp_path / SGN).write_bytes(sign_file(XML, SGN, pki["tftp"].cert, pki["tftp"].key, timestamp=CTL_TIME))
    case = load([itl, tmp_path / SGN])
    (check,) = facts(case, "crosscheck.config_signer")
    assert check.fields["verdict"] == "valid" and check.fields["ctl_path"] == str(itl)
    assert not facts(case, "crosscheck.sast_continuity")
