"""show telephony-service security-info, show credentials, show ctl-client,
show capf-server summary|sessions|auth-string."""
from __future__ import annotations

from cmedebug.pipeline import load
from show_helpers import facts, load_text

CME_KINDS = ("telephony.security_info", "credentials.summary", "ctl_client.summary", "capf.summary",
             "capf.session", "capf.auth_string")


def test_capf_outputs_of_corpus_02(corpus_dir):
    case = load([str(next(corpus_dir.glob("02_*.log")))])
    summary, = facts(case, "capf.summary")
    assert summary.fields == {"trustpoint_label": "cmeserver", "cert_enroll_trustpoint": "iosra",
                              "source_address": "10.1.1.1", "port": 3804, "phone_key_size": 1024,
                              "keygen_retry": 100, "keygen_timeout": 120, "auth_mode": "auth-string"}
    strings = facts(case, "capf.auth_string")
    assert [s.fields["mac"] for s in strings][:2] == ["000CCE3A817C", "001121116BDD"]
    assert strings[1].fields == {"mac": "001121116BDD", "auth_string_set": True, "auth_string_length": 3}
    assert not any("922" in str(v) for s in strings for v in s.fields.values())  # the secret is not kept
    session, = facts(case, "capf.session")
    assert session.fields == {"mac": "000CCE3A817C", "state": "AWAIT-KEYGEN-RES"}
    assert case.inputs[0].coverage == 1.0


def test_ctl_client_of_corpus_04(corpus_dir):
    case = load([str(next(corpus_dir.glob("04_*.log")))])
    ctl, = facts(case, "ctl_client.summary")
    # the sample prints "SAST 1" twice: slots are taken in printed order
    assert ctl.fields["sast1_trustpoint"] == "cmeserver" and ctl.fields["sast2_trustpoint"] == "sast2"
    assert ctl.fields["servers"] == [{"role": r, "ip": "10.1.1.1", "trustpoint": "cmeserver"}
                                     for r in ("cme", "tftp", "capf")]
    assert case.inputs[0].coverage == 1.0


def test_security_info_and_credentials_of_corpus_06(corpus_dir):
    case = load([str(next(corpus_dir.glob("06_*.log")))])
    info, = facts(case, "telephony.security_info")
    assert info.fields == {"secure_signaling_trustpoint": "cme-sccp", "tftp_server_credentials_trustpoint": "cme-tftp",
                           "server_security_mode": "secure", "device_security_mode": "authenticated"}
    creds, = facts(case, "credentials.summary")
    assert creds.fields == {"ip": "172.19.245.1", "port": 2444, "trustpoint": "ctlpv"}
    assert case.inputs[0].coverage == 1.0


def test_headless_outputs_pasted_together(tmp_path):
    text = ("Credentials IP: 10.1.1.1\nCredentials PORT: 2445\nTrustpoint: srst-cred\n"
            "CAPF Server Configuration Details\n        Trustpoint for TLS With Phone: cme-capf\n"
            "        Listening Port: 3804\n        Device Authentication Mode: Null-String\n"
            "CTL Client Information\n-----------------------------\n"
            "        SAST 1 Certificate Trustpoint: sast1\n        SAST 2 Certificate Trustpoint: sast2\n"
            "        List of Trusted Servers in the CTL\n        CME     10.1.1.1        cme-tls\n")
    case = load_text(tmp_path, text)
    assert facts(case, "credentials.summary")[0].fields["port"] == 2445
    capf, = facts(case, "capf.summary")
    assert capf.fields["auth_mode"] == "null-string" and capf.fields["phone_key_size"] is None
    ctl, = facts(case, "ctl_client.summary")
    assert (ctl.fields["sast1_trustpoint"], ctl.fields["sast2_trustpoint"]) == ("sast1", "sast2")
    assert ctl.fields["servers"] == [{"role": "cme", "ip": "10.1.1.1", "trustpoint": "cme-tls"}]
    assert case.inputs[0].coverage == 1.0


def test_a_repeated_output_makes_two_facts(tmp_path):
    text = ("R1#show credentials\nCredentials IP: 10.1.1.1\nCredentials PORT: 2444\nTrustpoint: a\n"
            "Credentials IP: 10.1.1.2\nCredentials PORT: 2444\nTrustpoint: b\n")
    assert [f.fields["trustpoint"] for f in facts(load_text(tmp_path, text), "credentials.summary")] == ["a", "b"]


def test_noise_does_not_become_cme_security_facts(tmp_path):
    text = ("*Sep 29 01:01:50.903: Credentials service: Start TLS Handshake 1 10.1.1.13 2187\n"
            "Trustpoint: somewhere\nListening Port: 3804\nCME 10.1.1.1 cmeserver\n"
            "SEP000CCE3A817C AWAIT-KEYGEN-RES\n000CCE3A817C 7012\n")
    case = load_text(tmp_path, text)
    assert [f.kind for f in case.facts if f.kind in CME_KINDS] == []
