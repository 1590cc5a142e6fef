"""Revocation (issue #14 class 6): `show crypto pki crls` and `crypto pki server <cs>
info crl` (parsers/show_pki_crls.py, shapes inferred from Cisco's IOS PKI
configuration guide, not in ../shared/domain), %PKI-3-CERTIFICATE_REVOKED (inferred),
the revoked serial matched with a phone's LSC (a real certificate), and the
failures after the revocation explained by it (PKI023), judged at the capture's time."""
from __future__ import annotations

from cryptography.hazmat.primitives import serialization

from certfactory import issue
from cmedebug.pipeline import analyze, load
from rule_helpers import run_rules_strictly

CRLS = """R1#show crypto pki crls
CRL Issuer Name:
    cn=R1CA
    LastUpdate: 11:58:03 UTC Jan 24 2013
    NextUpdate: 17:58:03 UTC Jan 24 2013
    Retrieved from CRL Distribution Point:
      ** CDP Not Published - Retrieved via SCEP
    CRL downloaded at: 11:59:40 UTC Jan 24 2013
    CRL DER is 229 bytes
    CRL is stored in parsed CRL cache

CRL Issuer Name:
    CN = Lab Root, O = Example
    LastUpdate: 09:28:52 UTC Feb 12 2013
    NextUpdate: 09:28:52 UTC Feb 19 2013
    Retrieved from CRL Distribution Point: http://10.1.1.1/CertEnroll/labroot.crl
    CRL DER is 180 bytes
    CRL is stored in parsed CRL cache
"""
INFO_CRL = """CA#crypto pki server mycs info crl
Certificate Revocation List:
        Issuer: cn=mycs
        This Update: 09:00:11 UTC Nov 26 2026
        Next Update: 15:00:11 UTC Nov 26 2026
        Number of CRL entries: 2
        CRL size: 283 bytes
Revoked Certificates:
    Serial Number: 0x02
    Revocation Date: 09:00:02 UTC Nov 26 2026
    Serial Number: 0x0A
    Revocation Date: 09:05:00 UTC Nov 26 2026
CA#show clock
10:30:00.000 UTC Thu Nov 26 2026
"""
CME_LOG = """CME#show running-config | section ephone
ephone  1
 device-security-mode encrypted
 mac-address 001B.535C.DA32
 type 7965
CME#show logging
Nov 26 08:00:00.000: %IPPHONE-6-REGISTER: ephone-1:SEP001B535CDA32 IP:10.1.1.21 Socket:2 DeviceType:Phone has registered.
Nov 26 08:30:00.000: %SKINNYSECURESERVICE-3-TLS_HANDSHAKE_FAILED:  Reason: certificate verify failed, SocketID: 0, local address : 10.1.1.1:2443 and  remote address : 10.1.1.21:12001
Nov 26 10:00:00.000: %SKINNYSECURESERVICE-3-TLS_HANDSHAKE_FAILED:  Reason: certificate verify failed, SocketID: 0, local address : 10.1.1.1:2443 and  remote address : 10.1.1.21:12239
Nov 26 10:00:05.000: %SKINNYSECURESERVICE-3-TLS_HANDSHAKE_FAILED:  Reason: certificate verify failed, SocketID: 1, local address : 10.1.1.1:2443 and  remote address : 10.1.1.99:40000
"""


def _write(tmp_path, **files) -> list[str]:
    paths = []
    for name, text in files.items():
        path = tmp_path / name.replace("_", ".", 1)
        path.write_text(text, encoding="utf-8") if isinstance(text, str) else path.write_bytes(text)
        paths.append(str(path))
    return paths


def test_show_crypto_pki_crls_reads_each_crl(tmp_path):
    crls = list(load(_write(tmp_path, r1_txt=CRLS)).facts_of("pki.crl"))
    assert [c.fields["issuer"] for c in crls] == ["cn=R1CA", "CN=Lab Root, O=Example"]
    scep, cdp = crls
    assert (scep.fields["retrieved_via"], scep.fields["cdp_url"], scep.fields["held_by"]) == ("scep", None, "router")
    assert scep.fields["next_update"].isoformat() == "2013-01-24T17:58:03+00:00"
    assert scep.fields["downloaded_at"].isoformat() == "2013-01-24T11:59:40+00:00"
    assert (cdp.fields["retrieved_via"], cdp.fields["cdp_url"]) == ("cdp", "http://10.1.1.1/CertEnroll/labroot.crl")
    assert cdp.fields["downloaded_at"] is None and (scep.source.first_line, scep.source.last_line) == (2, 10)


def test_info_crl_reads_the_revoked_serials(tmp_path):
    case = load(_write(tmp_path, ca_txt=INFO_CRL))
    (crl,) = case.facts_of("pki.crl")
    assert crl.fields["held_by"] == "ca" and crl.fields["entries"] == 2
    assert [(r["serial"], r["revoked_at"].strftime("%H:%M")) for r in crl.fields["revoked"]] == [("2", "09:00"),
                                                                                                   ("A", "09:05")]
    assert not case.unparsed


def _phone_lsc(serial: int) -> bytes:
    ca = issue("mycs", ca=True, slot=1)
    lsc = issue("SEP001B535CDA32", issuer=ca, serial=serial, slot=2)
    return lsc.cert.public_bytes(serialization.Encoding.PEM)


def test_the_phone_whose_lsc_was_revoked_fails_after_and_the_revocation_explains_it(tmp_path):
    # the LSC's issuer is `c=US, o=Alpha, ou=VTG, cn=mycs`: the CA is matched by its CN
    result = analyze(_write(tmp_path, ca_txt=INFO_CRL, cme_txt=CME_LOG, lsc_pem=_phone_lsc(2)))
    (revoked,) = [f for f in result.findings if f.rule_id == "PKI023"]
    assert revoked.severity.name == "HIGH" and revoked.device == "CME"
    assert revoked.data["phones"] == ["SEP001B535CDA32"] and revoked.data["ephone"] == [1]
    # the failure at 10:00 from the phone's address; not 08:30 (before the revocation), not 10.1.1.99 (another peer)
    assert [line.rsplit(":", 1)[1] for line in revoked.data["symptom_lines"]] == ["9"]
    (tls,) = [f for f in result.findings if f.rule_id == "TLS003"]
    assert tls.explained_by == [revoked.id] and revoked.explains == [tls.id]
    assert result.root_causes()[0] is revoked


def test_a_crl_entry_on_no_certificate_of_the_case_is_not_a_finding(tmp_path):
    result = analyze(_write(tmp_path, ca_txt=INFO_CRL, cme_txt=CME_LOG, lsc_pem=_phone_lsc(3)))
    assert not [f for f in result.findings if f.rule_id == "PKI023"]


def test_a_refusal_joins_a_revocation_only_when_one_ca_revoked_that_serial(tmp_path):
    refusal = ("Nov 26 10:00:00.100: %PKI-3-CERTIFICATE_REVOKED: Certificate chain validation has failed.  "
               "The certificate (SN: 02) is revoked\n")
    other_ca = INFO_CRL.replace("mycs", "otherca").replace("CA#", "CA2#")
    one = run_rules_strictly(load(_write(tmp_path, ca_txt=INFO_CRL, cme_log=refusal)), only=["PKI023"])
    assert [f.data["revoked_by"] for f in one] == [["crl", "refused"]]
    two = run_rules_strictly(load(_write(tmp_path, ca_txt=INFO_CRL, ca2_txt=other_ca, cme_log=refusal)), only=["PKI023"])
    assert sorted(f.data["revoked_by"] for f in two) == [["refused"]]  # CRL entries on no certificate: none


def test_an_expired_crl_is_judged_at_the_capture_time_not_today(tmp_path):
    # the log's year-less stamps take 2013 from the CRL dates: the CRL had expired 11 days before the last stamp
    log = CRLS.split("\n\n")[0] + "\nR1#show logging\nFeb  4 18:00:00.000: %SYS-5-CONFIG_I: Configured from console by admin on vty0\n"
    (finding,) = analyze(_write(tmp_path, r1_txt=log)).findings
    assert finding.rule_id == "PKI027" and "before 2013-02-04 18:00:00 UTC" in finding.message
    current = log.replace("Feb  4 18:00", "Jan 24 12:00")
    assert not [f for f in analyze(_write(tmp_path, r1_txt=current)).findings if f.rule_id == "PKI027"]


def test_a_revoked_certificate_a_peer_presents_in_a_validation(tmp_path):
    # messages.md: `CRYPTO_PKI(Cert Lookup) issuer="cn=<CA>" serial number= <hex dump>` (field report)
    log = ("CME#show logging\n"
           "Nov 26 10:00:00.000: CRYPTO_PKI(Cert Lookup) issuer=\"cn=mycs\" serial number= 0A\n"
           "Nov 26 10:00:01.000: %SKINNYSECURESERVICE-3-TLS_HANDSHAKE_FAILED:  Reason: certificate verify failed, "
           "SocketID: 0, local address : 10.1.1.1:2443 and  remote address : 10.1.1.30:12239\n"
           "Nov 26 10:00:30.000: %SKINNYSECURESERVICE-3-TLS_HANDSHAKE_FAILED:  Reason: certificate verify failed, "
           "SocketID: 0, local address : 10.1.1.1:2443 and  remote address : 10.1.1.31:12240\n")
    result = analyze(_write(tmp_path, ca_txt=INFO_CRL, cme_txt=log))
    (revoked,) = [f for f in result.findings if f.rule_id == "PKI023"]
    assert revoked.data["serial"] == "A" and "CME validated it after a peer presented it" in revoked.message
    assert [line.rsplit(":", 1)[1] for line in revoked.data["symptom_lines"]] == ["3"]  # not the one 30 s later
    assert revoked.severity.name == "HIGH"


def test_the_routers_own_certificate_revoked_then_refused_by_its_phones(tmp_path):
    # one transcript of a CME that is its own CA: the revoke typed at the prompt (ios-commands.md), then
    # the phones' alert (its peers refuse it) and, apart, CME refusing a phone's certificate (not the revocation's)
    transcript = """CME#sh crypto pki certificates
Certificate
Status: Available
Certificate Serial Number (hex): 02
Certificate Usage: General Purpose
Issuer:
cn=cme_root
Subject:
Name: CME1.cisco.com
hostname=CME1.cisco.com
Validity Date:
start date: 08:47:42 UTC Mar 10 2026
end date: 09:44:00 UTC Mar 10 2030
Associated Trustpoints: cme_cert
Storage: nvram:cme_root#2.cer

CME#crypto pki server cme_root revoke 0x2
CME#show logging
Nov 26 10:00:00.000: %SKINNYSECURESERVICE-3-TLS_HANDSHAKE_FAILED:  Reason: sslv3 alert bad certificate, SocketID: 0, local address : 10.1.1.1:2443 and  remote address : 10.1.1.21:12239
Nov 26 10:00:05.000: %SKINNYSECURESERVICE-3-TLS_HANDSHAKE_FAILED:  Reason: certificate verify failed, SocketID: 1, local address : 10.1.1.1:2443 and  remote address : 10.1.1.22:12240
"""
    result = analyze(_write(tmp_path, cme_txt=transcript))
    (revoked,) = [f for f in result.findings if f.rule_id == "PKI023"]
    assert "trustpoint(s) cme_cert still use it" in revoked.message and revoked.severity.name == "HIGH"
    assert [line.rsplit(":", 1)[1] for line in revoked.data["symptom_lines"]] == ["19"]
    fix = [step.command for step in revoked.remediation]
    assert "crypto pki enroll cme_cert" in fix and not [c for c in fix if c.startswith("cert-oper")]


def test_a_capf_session_of_the_revoked_phone_failing_after_is_the_revocations(tmp_path):
    # debug capf-server all (corpus 01 shapes); -6992 is the reference CME's stand-in failure code (inferred)
    log = """CME#debug capf-server all
Nov 26 10:00:00.495: New Connection from phone, socket 1
Nov 26 10:00:00.495: Created New Handshake Process
Nov 26 10:00:00.499: SSL Handshake Error -6983
Nov 26 10:00:01.499: SSL Handshake Error -6992
Nov 26 10:00:02.000: ephone_capf_release_session: SEP001B535CDA32
Nov 26 10:01:00.495: New Connection from phone, socket 2
Nov 26 10:01:00.499: SSL Handshake Error -6992
Nov 26 10:01:02.000: ephone_capf_release_session: SEP00AABBCCDDEE
"""
    result = analyze(_write(tmp_path, ca_txt=INFO_CRL, cme_txt=log, lsc_pem=_phone_lsc(2)))
    (revoked,) = [f for f in result.findings if f.rule_id == "PKI023"]
    assert [line.rsplit(":", 1)[1] for line in revoked.data["symptom_lines"]] == ["5"]  # not -6983, not the other phone
    (capf,) = [f for f in result.findings if f.rule_id == "CAPF007"]
    assert capf.explained_by == [revoked.id]
