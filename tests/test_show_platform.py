"""show version, show license, show ntp status / associations, show ip http server status."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from cmedebug.parsers.show_version import uptime_seconds
from cmedebug.pipeline import load
from show_helpers import GOLDEN, facts, load_text

PST = timezone(timedelta(hours=-8))


def test_show_version_with_uc_package_missing():
    case = load([str(GOLDEN / "show-version" / "isr_g2_uc_missing.txt")])
    version, = facts(case, "platform.version")
    assert version.fields["version"] == "15.7(3)M4" and version.fields["platform"] == "CISCO2911/K9"
    assert version.fields["image"] == "c2900-universalk9-mz.SPA.157-3.M4.bin"
    assert version.fields["image_path"] == "flash0:c2900-universalk9-mz.SPA.157-3.M4.bin"
    assert version.fields["hostname"] == "CME1" and version.fields["reload_reason"] == "power-on"
    assert version.fields["uptime_seconds"] == ((2 * 7 + 3) * 24 + 4) * 3600 + 12 * 60
    packages = {f.fields["technology"]: f.fields for f in facts(case, "platform.license")}
    assert packages["security"]["feature"] == "securityk9" and packages["security"]["active"] is True
    assert packages["uc"]["feature"] is None and packages["uc"]["active"] is False
    assert all(p["command"] == "show version" for p in packages.values())
    # the `Device#   PID   SN` header reads as a prompt to the framing: two table lines stay unparsed
    assert case.inputs[0].coverage > 0.95


def test_ios_xe_show_version(tmp_path):
    text = ("ISR4451#show version\nCisco IOS XE Software, Version 16.09.04\n"
            "Cisco IOS Software [Fuji], ISR Software (X86_64_LINUX_IOSD-UNIVERSALK9-M), Version 16.9.4, RELEASE SOFTWARE (fc2)\n"
            "ISR4451 uptime is 1 year, 2 days, 5 minutes\nUptime for this control processor is 1 year, 2 days, 7 minutes\n"
            "System returned to ROM by Reload Command\n"
            'System image file is "bootflash:isr4400-universalk9.16.09.04.SPA.bin"\nLast reload reason: Reload Command\n'
            "cisco ISR4451-X/K9 (2RU) processor with 1795979K/6147K bytes of memory.\n")
    case = load_text(tmp_path, text)
    version, = facts(case, "platform.version")
    assert version.fields["version"] == "16.09.04" and version.fields["platform"] == "ISR4451-X/K9"
    assert version.fields["image"] == "isr4400-universalk9.16.09.04.SPA.bin"
    assert version.fields["reload_reason"] == "Reload Command"
    assert version.fields["uptime_seconds"] == 367 * 86400 + 300
    assert [u.text for u in case.unparsed] == ["Uptime for this control processor is 1 year, 2 days, 7 minutes"]


def test_uptime_seconds():
    assert uptime_seconds("3 weeks, 1 hour, 2 minutes") == 21 * 86400 + 3720
    assert uptime_seconds("something else") is None


def test_show_license_and_feature():
    case = load([str(GOLDEN / "show-license" / "isr_g2_uck9_not_active.txt")])
    rows = [(f.fields["feature"], f.fields["active"], f.fields["command"]) for f in facts(case, "platform.license")]
    assert rows == [("ipbasek9", True, "show license"), ("securityk9", True, "show license"),
                    ("uck9", False, "show license"), ("ipbasek9", True, "show license feature"),
                    ("securityk9", True, "show license feature"), ("uck9", False, "show license feature")]
    uck9 = facts(case, "platform.license")[2].fields
    assert uck9["license_type"] == "EvalRightToUse" and uck9["state"] == "Not in Use, EULA not accepted"
    assert case.inputs[0].coverage == 1.0


def test_ios_xe_license_summary(tmp_path):
    text = ("ISR4451#show license summary\nLicense Usage:\n"
            "  License                 Entitlement tag               Count Status\n"
            "  -----------------------------------------------------------------------------\n"
            "  uck9                    (ISR_4451_UnifiedCommun...)       1 IN USE\n"
            "  securityk9              (ISR_4451_Security)               1 NOT IN USE\n")
    rows = {f.fields["feature"]: f.fields for f in facts(load_text(tmp_path, text), "platform.license")}
    assert rows["uck9"]["active"] is True and rows["securityk9"]["active"] is False
    assert rows["securityk9"]["state"] == "NOT IN USE"


def test_ntp_status_and_associations():
    case = load([str(GOLDEN / "show-ntp-status" / "sync_and_unsync.txt")])
    synced, unsynced = facts(case, "ntp.status")
    assert synced.fields["synchronised"] is True and synced.fields["stratum"] == 3
    assert synced.fields["reference"] == "192.168.20.254" and synced.fields["offset_ms"] == 0.5
    assert synced.fields["reference_time"] == datetime(2010, 3, 2, 10, 1, 40, 480000, tzinfo=PST)
    assert unsynced.fields["synchronised"] is False and unsynced.fields["reference"] is None
    peer, init = facts(case, "ntp.association")
    assert peer.fields["sys_peer"] is True and peer.fields["configured"] is True and peer.fields["reach"] == "377"
    assert init.fields["ref_clock"] == ".INIT." and init.fields["when"] is None and init.fields["stratum"] == 16
    assert init.fields["tally"] == "" and init.fields["sys_peer"] is False
    assert case.inputs[0].coverage == 1.0


def test_http_server_status():
    case = load([str(GOLDEN / "show-http-server-status" / "http_off_https_on.txt")])
    status, = facts(case, "http.server_status")
    assert status.fields == {"enabled": False, "port": 80, "auth_method": "enable", "secure_enabled": True,
                             "secure_port": 443, "secure_trustpoint": "TP-self-signed-1215158049"}
    assert case.inputs[0].coverage == 1.0


def test_platform_noise(tmp_path):
    text = ("Clock is ticking\nHTTP server port: 80\nIndex 1 is fine\nuc None None None\n"
            "*Mar  1 00:00:01.000: %SYS-5-RESTART: System restarted --\n"
            "Cisco IOS Software is great\n")
    case = load_text(tmp_path, text)
    assert [f.kind for f in case.facts if f.kind.startswith(("platform.", "ntp.", "http."))] == []


def test_show_clock_detail(tmp_path):
    text = ("CME1#show clock detail\n10:15:02.123 PST Mon Mar 2 2026\nTime source is NTP\n"
            "Summer time starts 02:00:00 PST Sun Mar 8 2026\nSummer time ends 02:00:00 PDT Sun Nov 1 2026\n"
            "CME1#show clock detail\n*00:01:12.001 UTC Mon Mar 1 1993\nNo time source\n")
    case = load_text(tmp_path, text)
    ntp, unset = facts(case, "clock.show")
    assert ntp.fields["time"] == datetime(2026, 3, 2, 10, 15, 2, 123000, tzinfo=PST)
    assert ntp.fields["time_source"] == "NTP" and ntp.fields["flag"] == ""
    assert (ntp.source.first_line, ntp.source.last_line) == (2, 5)
    assert unset.fields["flag"] == "*" and unset.fields["time_source"] == "none"
    assert case.inputs[0].coverage == 1.0


def test_show_crypto_key_with_two_keys():
    case = load([str(GOLDEN / "show-crypto-key" / "two_keys.txt")])
    root, cert = facts(case, "platform.key")
    assert (root.fields["label"], root.fields["key_size"], root.fields["exportable"]) == ("cme_root", 1024, False)
    assert root.fields["generated_at"] == datetime(2010, 3, 2, 10, 2, 2, tzinfo=PST)
    assert (cert.fields["label"], cert.fields["key_size"], cert.fields["exportable"]) == ("cme_cert", 512, True)
    assert cert.source.first_line == 11 and case.inputs[0].coverage == 1.0
