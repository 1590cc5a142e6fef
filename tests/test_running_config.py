"""show running-config / show startup-config / a saved configuration file."""
from __future__ import annotations

from cryptography.hazmat.primitives import serialization

from certfactory import issue
from cmedebug.pipeline import load
from show_helpers import GOLDEN, facts, load_text, unparsed_texts

FULL = GOLDEN / "running-config" / "secure_cme_full.txt"


def test_saved_config_file_is_recognised_and_read():
    case = load([str(FULL)])
    assert case.inputs[0].kind == "running-config" and case.inputs[0].coverage == 1.0
    present, = facts(case, "config.present")
    assert present.fields == {"config": "file", "partial": False, "filter": None, "hostname": "CME1",
                              "version": "15.1", "lines": present.fields["lines"]}
    assert present.device == "CME1" and all(f.device == "CME1" for f in case.facts)
    g, = facts(case, "config.global")
    assert g.fields["http_server"] is True and g.fields["http_secure_server"] is False
    assert g.fields["ntp_servers"] == ["192.168.20.254"] and g.fields["calendar_valid"] is False
    assert g.fields["clock_timezone"] == {"name": "PST", "hours": -8, "minutes": 0}
    assert g.fields["summer_time"] == "PDT recurring"
    assert g.fields["service_timestamps"] == {"debug": "datetime msec localtime", "log": "datetime msec localtime"}
    assert g.fields["tftp_server_files"][0] == {"file": "flash:SEP0019E7F8A14F.cnf.xml",
                                                "alias": "SEP0019E7F8A14F.cnf.xml"}


def test_pki_sections():
    case = load([str(FULL)])
    server, = facts(case, "config.pki_server")
    assert server.fields["name"] == "cme_root" and server.fields["grant_auto"] is True
    assert server.fields["database_url"] == "nvram:" and server.fields["database_level"] == "complete"
    assert server.fields["lifetime_certificate"] == 7305 and server.fields["shutdown"] is False
    tps = {f.fields["name"]: f.fields for f in facts(case, "config.trustpoint")}
    assert tps["cme_root"]["rsakeypair"] == "cme_root" and tps["cme_root"]["revocation_check"] == ["none"]
    assert tps["cme_cert"]["rsakeypair"] is None and tps["cme_cert"]["serial_number"] == "none"
    assert tps["cme_cert"]["enrollment_url"] == "http://192.168.20.1:80"
    assert tps["sast2"]["rsakeypair_size"] == 1024 and tps["sast2"]["auto_enroll"] == 70
    assert (server.source.first_line, server.source.last_line) == (26, 31)


def test_cme_sections():
    case = load([str(FULL)])
    tel, = facts(case, "config.telephony_service")
    assert tel.fields["secure_signaling_trustpoint"] == "cme_cert" and tel.fields["cnf_file_perphone"] is True
    assert tel.fields["device_security_mode"] == "authenticated" and tel.fields["server_security_mode"] == "secure"
    assert tel.fields["ip_source_address"] == "192.168.20.1" and tel.fields["ip_source_port"] == 2000
    assert tel.fields["load_cfg_files"] == [{"file": "flash:Ringlist.xml", "alias": "Ringlist.xml", "sign": True}]
    assert tel.fields["max_conferences"] == 8 and tel.fields["moh"] == "music-on-hold.au"
    assert tel.fields["voicemail"] == "7000"
    ctl, = facts(case, "config.ctl_client")
    assert ctl.fields["sast1_trustpoint"] == "cme_cert" and ctl.fields["sast2_trustpoint"] == "sast2"
    assert {s["role"] for s in ctl.fields["servers"]} == {"cme", "tftp", "capf"}
    capf, = facts(case, "config.capf_server")
    assert capf.fields["auth_mode"] == "null-string" and capf.fields["cert_enroll_password_set"] is True
    assert capf.fields["phone_key_size"] == 1024 and capf.fields["port"] == 3804
    one, two = facts(case, "config.ephone")
    assert one.fields["mac"] == "0019E7F8A14F" and one.fields["capf_auth_str_set"] is True
    assert one.fields["capf_auth_str_length"] == 4 and one.fields["cert_oper"] == "upgrade"
    assert one.fields["cert_oper_auth_mode"] == "auth-string"
    assert two.fields["device_security_mode"] is None and two.fields["capf_auth_str_set"] is False
    assert two.fields["video"] is True and one.fields["video"] is False


def test_dhcp_pool_option_150():
    pool, = facts(load([str(FULL)]), "config.dhcp_pool")
    assert pool.fields["name"] == "phones" and pool.fields["option_150"] == ["192.168.20.1"]
    assert pool.fields["network"] == "192.168.20.0 255.255.255.0" and pool.fields["default_router"] == "192.168.20.1"


def test_secrets_are_not_stored_in_fields():
    case = load([str(FULL)])
    values = repr([f.fields for f in case.facts])
    assert "2734" not in values and "00071A1507545A545C" not in values


def test_voice_and_dial_peers():
    case = load([str(FULL)])
    sip, h323 = facts(case, "config.dial_peer")
    assert sip.fields["tag"] == 100 and sip.fields["session_protocol"] == "sipv2"
    assert sip.fields["dtmf_relay"] == ["rtp-nte"] and sip.fields["srtp"] is False
    assert h323.fields["session_protocol"] is None and h323.fields["srtp"] is True
    voice, = facts(case, "config.voice")
    assert voice.fields["allow_connections"] == ["h323 to sip"] and voice.fields["srtp_fallback"] is True
    assert voice.fields["media_renegotiate"] is True and voice.fields["sip"] is True
    assert voice.fields["fax_protocol"].startswith("t38")


def test_partial_config_of_corpus_06(corpus_dir):
    case = load([str(next(corpus_dir.glob("06_*.log")))])
    tel, = facts(case, "config.telephony_service")
    assert tel.fields["config"] == "running" and tel.fields["partial"] is True
    assert tel.fields["secure_signaling_trustpoint"] == "cme-sccp"
    assert tel.fields["tftp_server_credentials_trustpoint"] == "cme-tftp"  # indented with a tab
    present, = facts(case, "config.present")
    assert present.fields["partial"] is True and present.fields["filter"] == "telephony-service"
    assert not facts(case, "config.global")  # nothing global was shown: absence proves nothing


def test_a_filtered_section_that_prints_nothing_is_not_a_section(tmp_path):
    case = load_text(tmp_path, "R1#show running-config telephony-service\nR1#show clock\n"
                               "R1#show running-config ctl-client\n\n")
    assert not facts(case, "config.telephony_service") and not facts(case, "config.ctl_client")
    assert not facts(case, "config.present")


def test_startup_config_with_section_filter(tmp_path):
    text = ("R1#sh start | section crypto pki trustpoint\ncrypto pki trustpoint cme\n enrollment terminal\n"
            " revocation-check crl none\nR1#sh run | i http\nno ip http server\n")
    case = load_text(tmp_path, text)
    tp, = facts(case, "config.trustpoint")
    assert tp.fields["config"] == "startup" and tp.fields["enrollment_mode"] == "terminal"
    assert tp.fields["revocation_check"] == ["crl", "none"]
    startup, running = facts(case, "config.present")
    assert startup.fields["filter"] == "| section crypto pki trustpoint" and running.fields["config"] == "running"
    g, = facts(case, "config.global")
    assert g.fields["http_server"] is False and g.fields["partial"] is True


def test_certificate_chain_is_decoded(tmp_path):
    ca = issue("cme_root", serial=1, ca=True, days=3650)
    der = ca.cert.public_bytes(serialization.Encoding.DER).hex().upper()
    hex_lines = [" ".join(der[i:i + 8] for i in range(j, min(j + 64, len(der)), 8)) for j in range(0, len(der), 64)]
    text = ("Current configuration : 1200 bytes\n!\nhostname CME1\n!\ncrypto pki certificate chain cme_root\n"
            " certificate ca 01\n" + "".join(f"  {line}\n" for line in hex_lines) + "  \tquit\n!\nend\n")
    case = load_text(tmp_path, text)
    cert, = facts(case, "cert")
    assert cert.fields["role"] == "ca" and cert.fields["serial"] == "1" and cert.fields["is_ca"] is True
    assert cert.fields["not_after"] == ca.cert.not_valid_after_utc and cert.fields["trustpoints"] == ["cme_root"]
    assert cert.fields["key_size"] == 1024 and cert.fields["config"] == "file"
    assert cert.source.first_line == 6 and cert.source.last_line == 7 + len(hex_lines)
    assert cert.fields["der"] == ca.cert.public_bytes(serialization.Encoding.DER)  # so cert_analysis runs in full
    analysis, = facts(case, "cert_analysis")
    assert analysis.fields["full"] is True


def test_certificates_kept_in_storage(tmp_path):
    text = ("version 15.1\ncrypto pki certificate chain cme_cert\n certificate 02 nvram:cme_root#2.cer\n"
            " certificate ca 01 nvram:cme_root#1CA.cer\nend\n")
    leaf, ca = facts(load_text(tmp_path, text), "cert")
    assert (leaf.fields["role"], leaf.fields["serial"], leaf.fields["storage"]) == ("id", "2", "nvram:cme_root#2.cer")
    assert (ca.fields["role"], ca.fields["serial"]) == ("ca", "1") and ca.fields["trustpoints"] == ["cme_cert"]
    assert ca.source.first_line == 4 and ca.raw == (" certificate ca 01 nvram:cme_root#1CA.cer",)


def test_damaged_certificate_hex_is_reported_in_the_fact(tmp_path):
    text = ("version 15.1\ncrypto pki certificate chain tp\n certificate 02\n  30820222 300D0609\n  quit\nend\n")
    cert, = facts(load_text(tmp_path, text), "cert")
    assert cert.fields["serial"] == "2" and "does not decode" in cert.fields["decode_error"]


def test_config_ends_at_end_and_later_output_goes_to_its_parser(tmp_path):
    text = ("!\nhostname R9\nip http server\nend\nCTL Client Information\n"
            "        SAST 1 Certificate Trustpoint: a\nsomething unknown\n")
    case = load_text(tmp_path, text)
    assert facts(case, "config.global")[0].fields["http_server"] is True
    assert facts(case, "ctl_client.summary")[0].fields["sast1_trustpoint"] == "a"
    assert unparsed_texts(case) == ["something unknown"]


def test_noise_is_not_a_config(tmp_path):
    text = ("*Mar  1 00:03:47.483: %SYS-5-CONFIG_I: Configured from console by console\n"
            "ip http server is what you need\ntelephony-service\n")
    case = load_text(tmp_path, text)
    assert [f.kind for f in case.facts if f.kind.startswith("config.")] == []


# -- configuration typed at config-mode prompts ---------------------------------------

def test_typed_configuration_of_corpus_18_gives_config_facts(corpus_dir):
    case = load([str(next(corpus_dir.glob("18_*.log")))])
    servers = facts(case, "config.pki_server")
    assert [s.fields["name"] for s in servers] == ["cme_root", "cme_root"]  # typed twice: `no shutdown` later
    first = servers[0].fields
    assert first["origin"] == "typed" and first["partial"] is True and first["config"] == "running"
    assert first["grant_auto"] is True and first["database_url"] == "nvram:"
    assert first["database_level"] == "complete"  # printed with `(config)#` by the document: still a child
    assert first["lifetime_certificate"] == 7305 and first["lifetime_ca_certificate"] == 7305
    assert first["shutdown"] is None  # not typed: unknown, not "no"
    assert servers[1].fields["shutdown"] is False  # `no shutdown`
    tps = {f.fields["name"]: f.fields for f in facts(case, "config.trustpoint")}
    assert tps["cme_root"]["rsakeypair"] == "cme_root" and tps["cme_root"]["revocation_check"] == ["none"]
    assert tps["cme_cert"]["enrollment_url"] == "http://192.168.20.1:80" and tps["cme_cert"]["rsakeypair"] is None
    assert all(p.fields["partial"] and p.fields["origin"] == "typed" for p in facts(case, "config.present"))
    # what IOS answered still reaches its parser
    assert any(e.kind == "pki.cs.settings_locked" for e in case.events)


def test_typed_session_rebuilds_sections_from_prompt_modes(tmp_path):
    case = load_text(tmp_path, "\n".join([
        "CME(config-telephony)# secure-signaling trustpoint cme-sast",  # the capture starts inside the section
        "CME(config-telephony)# exit",
        "CME(config)# ip http server",
        "CME(config)# secure-signaling trustpoint other",  # after `exit`: not a child of telephony-service
        "CME(config)# ephone 3",
        "CME(config-ephone)# capf-auth-str 123456",
        "CME(config-ephone)# device-security-mode authenticated",
        "CME(config-ephone)# end",
        "CME#show clock",
        "*10:00:00.000 UTC Thu Nov 26 2026",
    ]) + "\n")
    tel, = facts(case, "config.telephony_service")
    assert tel.fields["secure_signaling_trustpoint"] == "cme-sast" and tel.fields["cnf_file_perphone"] is None
    assert tel.source.first_line == 1 and tel.device == "CME"
    ephone, = facts(case, "config.ephone")
    assert ephone.fields["ephone"] == 3 and ephone.fields["device_security_mode"] == "authenticated"
    assert ephone.fields["capf_auth_str_set"] is True and "123456" not in repr(ephone.fields)
    g, = facts(case, "config.global")
    assert g.fields["http_server"] is True and g.fields["ntp_servers"] is None
    present, = facts(case, "config.present")
    assert (present.source.first_line, present.source.last_line) == (1, 8)
    assert facts(case, "clock.show")  # the session ended at `end`; the show output is still read
    assert case.inputs[0].coverage == 1.0


def test_only_exec_commands_typed_in_config_mode_make_no_configuration(tmp_path):
    case = load_text(tmp_path, "CME(config)# crypto pki enroll CME-TLS\n% Start certificate enrollment ..\n")
    assert not facts(case, "config.present")


def test_show_running_config_after_a_typed_session_is_its_own_configuration(tmp_path):
    case = load_text(tmp_path, "\n".join([
        "CME(config)# crypto pki trustpoint tp1", "CME(ca-trustpoint)# enrollment terminal", "CME(ca-trustpoint)# end",
        "CME#show running-config", "Building configuration...", "hostname CME", "crypto pki trustpoint tp2",
        " enrollment selfsigned", "end",
    ]) + "\n")
    present = facts(case, "config.present")
    assert [p.fields.get("origin") for p in present] == ["typed", None]
    assert [p.fields["partial"] for p in present] == [True, False]
    tps = {f.fields["name"]: f.fields for f in facts(case, "config.trustpoint")}
    assert tps["tp1"]["enrollment_mode"] == "terminal" and tps["tp1"]["origin"] == "typed"
    assert tps["tp2"]["enrollment_mode"] == "selfsigned" and "origin" not in tps["tp2"]


def test_a_child_keyword_typed_at_the_config_prompt_joins_the_open_section(tmp_path):
    """`moh` typed at `(config)#` while telephony-service is open is its child (and marks
    `voice service voip` seen, as under the section's own prompt); a global line typed
    then stays global, and marks nothing."""
    session = ["Router#configure terminal", "Router(config)#telephony-service",
               "Router(config-telephony)#max-ephones 10", "Router(config)#moh music-on-hold.au",
               "Router(config)#ntp server 10.1.1.1", "Router(config)#end"]
    log = tmp_path / "typed.log"
    log.write_text("\n".join(session) + "\n")
    case = load([str(log)])
    tel, = facts(case, "config.telephony_service")
    assert (tel.fields["max_ephones"], tel.fields["moh"]) == (10, "music-on-hold.au")
    assert facts(case, "config.global")[0].fields["ntp_servers"] == ["10.1.1.1"]
    assert len(facts(case, "config.voice")) == 1
    log.write_text("\n".join(session[:3] + session[4:]) + "\n")
    case = load([str(log)])
    assert facts(case, "config.global")[0].fields["ntp_servers"] == ["10.1.1.1"] and not facts(case, "config.voice")
