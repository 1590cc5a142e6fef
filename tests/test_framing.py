"""The IOS prefix grammar on every form seen in real captures."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cmedebug.parsers.framing import frame, parse_prefix, split_syslog


@pytest.mark.parametrize("line, flag, month, day, year, tz, seq, body", [
    # seq + '.'-flagged datetime msec (service sequence-numbers)
    ("001891: .Jul 21 18:17:07.014: %IPPHONE-6-UNREGISTER_NORMAL: ephone-1", ".", 7, 21, None, None, 1891,
     "%IPPHONE-6-UNREGISTER_NORMAL: ephone-1"),
    # '*' not authoritative, day padded with two spaces
    ("*Mar  1 00:03:47.483: CRYPTO_PKI: status = 0x762", "*", 3, 1, None, None, None, "CRYPTO_PKI: status = 0x762"),
    # no marker: trusted clock
    ("Sep 29 01:01:50.903: Credentials service: Start TLS", "", 9, 29, None, None, None,
     "Credentials service: Start TLS"),
    # no space after the colon
    ("*Jan 11 18:33:09.231:%SYS-5-CONFIG_I:Configured from", "*", 1, 11, None, None, None,
     "%SYS-5-CONFIG_I:Configured from"),
    # year and time zone (datetime msec localtime show-timezone year)
    ("Aug  7 2025 04:37:54.849 UTC: %PKI-6-CERTRET: Certificate received", "", 8, 7, 2025, "UTC", None,
     "%PKI-6-CERTRET: Certificate received"),
    # zone without year
    ("*Mar  1 00:03:47.483 PST: %PKI-6-CS_ENABLED: Certificate server now enabled.", "*", 3, 1, None, "PST", None,
     "%PKI-6-CS_ENABLED: Certificate server now enabled."),
    # no milliseconds
    ("Dec 13 06:15:54: %SYS-5-RESTART: System restarted", "", 12, 13, None, None, None,
     "%SYS-5-RESTART: System restarted"),
])
def test_datetime_prefixes(line, flag, month, day, year, tz, seq, body):
    rec = parse_prefix(line)
    assert rec is not None
    assert rec.clock_flag == flag
    assert (rec.stamp.month, rec.stamp.day, rec.stamp.year, rec.stamp.tz) == (month, day, year, tz)
    assert rec.seq == seq
    assert rec.text == body


def test_milliseconds_become_microseconds():
    rec = parse_prefix("*Jun 29 09:16:02.180: New Skinny socket accepted [2]")
    assert (rec.stamp.hour, rec.stamp.minute, rec.stamp.second, rec.stamp.microsecond) == (9, 16, 2, 180000)


def test_uptime_stamp():
    rec = parse_prefix("1d06h: skinny_add_socket 1 10.1.1.2 49665")
    assert rec.uptime == "1d06h" and rec.stamp is None and rec.text == "skinny_add_socket 1 10.1.1.2 49665"


def test_syslog_fields_are_split():
    rec = parse_prefix("Dec 13 06:15:54.587: %EPHONE_CRED-2-CTL_TLS_HANDSHAKE_FAILED: Reason: unsupported protocol")
    assert (rec.facility, rec.severity, rec.mnemonic) == ("EPHONE_CRED", 2, "CTL_TLS_HANDSHAKE_FAILED")


def test_rfc3164_relay_header():
    rec = parse_prefix("<189>123: CME-1: *Mar  1 00:03:47.483: %PKI-6-CERTRET: Certificate received")
    assert rec.seq == 123 and rec.host == "CME-1" and rec.clock_flag == "*" and rec.mnemonic == "CERTRET"


def test_syslog_server_file_header():
    rec = parse_prefix("Aug  7 04:37:54 cme-1 001891: .Jul 21 18:17:07.014: %PKI-6-CERTRET: Certificate received")
    assert rec.host == "cme-1" and rec.seq == 1891 and rec.stamp.month == 7 and rec.clock_flag == "."


def test_rfc5424_header():
    rec = parse_prefix("<187>1 2025-08-07T04:37:54.849Z cme-1 - - - - %PKI-3-SOCKETSEND: Failed to send out message to CA server.")
    assert rec.host == "cme-1" and rec.mnemonic == "SOCKETSEND"


def test_bare_console_message():
    rec = parse_prefix("%PKI-6-CS_ENABLED: Certificate server now enabled.")
    assert rec.facility == "PKI" and rec.stamp is None


def test_phone_console_prefix():
    rec = parse_prefix("3325 INF Nov 29 06:33:59.915121 SECUREAPP-Hashes match... authentication successful.")
    assert rec.seq == 3325 and rec.stamp.microsecond == 915121 and rec.text.startswith("SECUREAPP-Hashes")


@pytest.mark.parametrize("line", [
    "*04:45:00.857 UTC Thu Aug 7 2025",  # show clock output, not a log prefix
    "   Status: Available",
    "CRYPTO_PKI: no stamp here",
    "Router#show clock",
])
def test_lines_without_prefix(line):
    assert parse_prefix(line) is None


def _records(text: str):
    return list(frame(text.splitlines()))


def test_wrapped_lines_join_their_message():
    recs = _records("*Jun 29 09:16:02.184: Start TLS Handshake 0\n10.5.43.177 51617\n"
                    "*Jun 29 09:16:02.184: TLS Handshake retcode\nOPSSLReadWouldBlockErr\n")
    assert [r.text for r in recs] == ["Start TLS Handshake 0 10.5.43.177 51617",
                                      "TLS Handshake retcode OPSSLReadWouldBlockErr"]
    assert (recs[0].first_line, recs[0].last_line) == (1, 2)


def test_wrapped_syslog_header_is_recovered():
    recs = _records("Dec 13 15:31:52.949: \n%SKINNYSECURESERVICE-3-TLS_HANDSHAKE_FAILED:  Reason: x")
    assert recs[0].mnemonic == "TLS_HANDSHAKE_FAILED"


def test_cut_timestamp_is_rejoined():
    recs = _records("*Jan 11\n18:33:11.747:ephone-2[2]:---SkinnySyncPhoneDnOverlay\ns is onhook")
    assert len(recs) == 1
    assert recs[0].stamp.hour == 18 and recs[0].clock_flag == "*"
    assert recs[0].text.startswith("ephone-2[2]:---SkinnySync")
    assert (recs[0].first_line, recs[0].last_line) == (1, 3)


def test_raw_http_lines_follow_the_scep_request():
    recs = _records("*Mar  1 00:41:02.562: CRYPTO_PKI: Sending CA Certificate Request:\n"
                    "GET /cgi-bin/pkiclient.exe?operation=GetCACert&message=cme_root HTTP/1.0\n"
                    "User-Agent: Mozilla/4.0 (compatible; MSIE 5.0; Cisco PKI)\nHost: 10.1.1.1\n\n")
    assert recs[0].continuations[0].startswith("GET /cgi-bin/pkiclient.exe")
    assert recs[0].continuations[-1] == "Host: 10.1.1.1"


def test_prompts_and_command_output():
    recs = _records("wilson_19#show clock\n*04:45:00.857 UTC Thu Aug 7 2025\nRouter(config)# crypto pki server ca\n")
    assert recs[0].prompt == ("wilson_19", "show clock", None)
    assert recs[1].prompt is None and recs[1].text == "*04:45:00.857 UTC Thu Aug 7 2025"
    assert recs[2].prompt == ("Router", "crypto pki server ca", "config")


def test_a_prompt_ends_a_message():
    recs = _records("*Mar  1 00:00:01.000: CRYPTO_PKI: x\nRouter#show clock\n")
    assert len(recs) == 2 and recs[1].prompt is not None


def test_every_line_is_in_exactly_one_record():
    text = "a\n\n*Mar  1 00:00:01.000: x\ny\nRouter#sh clock\n*Jan 11\n18:33:11.747:z\n%SYS-5-X: y\n"
    covered = []
    for rec in frame(text.splitlines()):
        covered.extend(range(rec.first_line, rec.last_line + 1))
    assert covered == list(range(1, len(text.splitlines()) + 1))


def test_long_line_of_separators_is_fast():
    import time

    line = "*" + ":" * 200_000
    start = time.perf_counter()
    list(frame([line, "1" * 100_000 + ": x", "<" + "1" * 50_000]))
    assert time.perf_counter() - start < 1.0


def test_output_glued_to_a_prompt_is_split_off():
    recs = _records("Router# debug capf-server all 001891: .Jul 21 18:17:07.014: %IPPHONE-6-UNREGISTER_NORMAL: "
                    "ephone-1:SEP000E325C9A43 IP:10.10.10.194 So\ncket:3 DeviceType:Phone has unregistered normally.\n")
    assert recs[0].prompt == ("Router", "debug capf-server all", None)
    assert recs[1].seq == 1891 and recs[1].mnemonic == "UNREGISTER_NORMAL"
    assert (recs[1].first_line, recs[1].last_line) == (1, 2)


def test_show_output_resumes_after_an_interleaved_console_message():
    recs = _records("R1#show crypto pki certificates\nCertificate\n  Status: Available\n"
                    "*Mar  1 00:00:01.000: %SYS-5-CONFIG_I: Configured from console by console\n"
                    "  Certificate Serial Number (hex): 02\n")
    assert recs[3].mnemonic == "CONFIG_I" and recs[3].continuations == []
    assert recs[4].text == "Certificate Serial Number (hex): 02"


def test_a_message_cut_where_it_cannot_end_takes_its_next_line_after_show_output():
    """Syslogs pasted after a show's output (no prompt between) still take the line that
    completes them when they stop after the mnemonic or a comma (the SRST guide's wrapped
    TLS_HANDSHAKE_FAILED); a complete one does not."""
    recs = _records("R1#show ephone socket\nskinny_tcp_listen_socket fd = 0\n"
                    "Dec 13 15:31:52.949: %SKINNYSECURESERVICE-3-TLS_HANDSHAKE_FAILED:  \n"
                    "Reason: unsupported protocol, SocketID: 0, local address : 10.1.20.11:2443\n"
                    "Dec 13 06:15:54.587: %EPHONE_CRED-2-CTL_TLS_HANDSHAKE_FAILED: Reason: unsupported protocol, \n"
                    "Socket ID: 1, local address : 10.1.20.11:2445\n"
                    "*Mar  1 00:00:01.000: %SYS-5-CONFIG_I: Configured from console by console\n"
                    "  Certificate Serial Number (hex): 02\n")
    assert recs[2].mnemonic == "TLS_HANDSHAKE_FAILED" and (recs[2].first_line, recs[2].last_line) == (3, 4)
    assert recs[2].text.endswith("Reason: unsupported protocol, SocketID: 0, local address : 10.1.20.11:2443")
    assert recs[3].mnemonic == "CTL_TLS_HANDSHAKE_FAILED" and (recs[3].first_line, recs[3].last_line) == (5, 6)
    assert recs[4].mnemonic == "CONFIG_I" and recs[4].continuations == []
    assert recs[5].text == "Certificate Serial Number (hex): 02"


def test_show_logging_output_keeps_wrapped_lines():
    recs = _records("R1#show logging\n*Jun 29 09:16:02.184: Start TLS Handshake 0\n10.5.43.177 51617\n")
    assert recs[1].text == "Start TLS Handshake 0 10.5.43.177 51617"


def test_upper_case_after_hash_is_output_not_a_prompt():
    recs = _records("Device#   PID   SN\nRouter#\n")
    assert recs[0].prompt is None and recs[1].prompt == ("Router", "", None)


_SYSLOG_BODIES = st.builds(
    lambda spaces, fac, sev, mn, colon_space, text: f"{spaces}%{fac}-{sev}-{mn}:{colon_space}{text}",
    st.sampled_from(["", " ", "  ", "\t"]), st.from_regex(r"[A-Z][A-Z0-9_]{0,12}", fullmatch=True),
    st.sampled_from("0123456789"), st.from_regex(r"[A-Z0-9_]{1,16}", fullmatch=True), st.sampled_from(["", " "]),
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"), max_size=30))


@settings(max_examples=300, deadline=None)
@given(st.one_of(_SYSLOG_BODIES, st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"),
                                        max_size=40)))
def test_the_prefix_match_splits_a_syslog_header_as_split_syslog_does(body):
    """Framing reads `%FAC-SEV-MNEMONIC:` with the prefix's own match; it is what
    ``split_syslog`` makes of the stripped message, for any body."""
    rec = parse_prefix("Nov 26 08:00:45 cme-hq 001481: *Mar  1 00:00:41.776: " + body)
    parts = split_syslog(rec.text) if rec.text.startswith("%") else None
    assert (rec.facility, rec.severity, rec.mnemonic) == (parts[:3] if parts else (None, None, None))


# The parts of a prefix, each in forms that a syslog server's line may or may not take
_PREFIX_PARTS = (
    ["", "<189>"],  # PRI
    ["", "Nov 26 08:00:45 cme-hq ", "Nov  6 08:00:45 wilson_19.lab ", "Nov 26 8:00:45 cme "],
    ["", "001481: ", "001481:", "12345678901: "],  # sequence number
    ["", "cme-br1: ", "Mar: "],  # the device's name
    ["", "*", "."],  # clock flag
    ["Mar  1", "Mar 1", "Nov 26", "Foo 26", "Mar  1 2026", "Mar 123"],
    [" 00:00:41", " 0:00:41", " 00:0:41"],
    ["", ".776", ".1", ".123456", ".1234567"],  # fraction
    ["", " UTC", " PST-8", " utc"],  # zone
    [": ", ":", " ", ":  "],
    ["%LINK-3-UPDOWN: Interface Gi0/1, changed state to down", " ephone-1[1]:OFFHOOK", ""])


def test_the_syslog_server_form_is_read_as_the_whole_prefix_reads_it():
    """Framing tries the common syslog-server form first (its regex is cheaper); where it
    matches a line, every group is what the whole prefix regex gives that line. Every
    combination of the parts' forms (622,080 lines)."""
    from itertools import product

    from cmedebug.parsers.framing import PREFIX, SERVER_PREFIX

    names = list(PREFIX.groupindex)
    assert set(SERVER_PREFIX.groupindex) == set(names)
    matched = 0
    for parts in product(*_PREFIX_PARTS):
        line = "".join(parts)
        server = SERVER_PREFIX.match(line)
        if server is not None:
            matched += 1
            whole = PREFIX.match(line)
            assert [server.span(n) for n in names] == [whole.span(n) for n in names], line
    assert matched > 1000


def test_the_syslog_server_form_is_what_a_busy_log_prints():
    from cmedebug.parsers.framing import SERVER_PREFIX

    m = SERVER_PREFIX.match("Nov 26 08:00:45 cme-hq 001481: *Mar  1 00:00:41.776: %LINK-3-UPDOWN: Interface Gi0/1")
    assert m.group("server_host", "seq", "flag", "mon", "frac", "fac", "host", "year", "tz") == \
        ("cme-hq", "001481", "*", "Mar", "776", "LINK", None, None, None)


def test_a_show_tech_section_header_opens_its_command_as_a_prompt_does():
    """`show tech-support` prints each command's output after `------------------ show ... ------------------`
    (no hostname): the header is read as the command, and a certificate's dashes are not."""
    lines = ["------------------ show crypto pki certificates ------------------", "", "Certificate",
             "-----BEGIN CERTIFICATE-----"]
    records = list(frame(lines))
    assert records[0].prompt == (None, "show crypto pki certificates", None)
    assert [r.prompt for r in records[1:]] == [None, None, None]


def test_show_tech_gives_what_the_same_outputs_after_prompts_give(tmp_path):
    """A sample's show outputs and running-config, once after `CME#` prompts and once as the
    sections of a `show tech-support`: the same facts, on the same device, the same findings."""
    import re
    from collections import Counter
    from pathlib import Path

    from cmedebug.pipeline import analyze

    sample = Path(__file__).resolve().parents[1] / "sample_logs" / "cert-expired"
    prompted = (sample / "shows.txt").read_text() + (sample / "running-config.txt").read_text()
    tech = "CME#show tech-support\n" + re.sub(r"^CME#(show .*)$", r"------------------ \1 ------------------\n",
                                               prompted, flags=re.M)
    (tmp_path / "prompted.txt").write_text(prompted)
    (tmp_path / "tech.txt").write_text(tech)
    before, after = analyze([str(tmp_path / "prompted.txt")]), analyze([str(tmp_path / "tech.txt")])
    assert Counter((f.kind, f.device) for f in after.facts) == Counter((f.kind, f.device) for f in before.facts)
    assert after.inputs[0].unparsed_lines == 0
    assert [f.rule_id for f in after.findings] == [f.rule_id for f in before.findings]


def test_a_user_exec_prompt_opens_its_command_as_a_privileged_one_does():
    """`Router>show ephone` (user EXEC, where ios-commands.md lets show commands be typed): the same
    prompt record as `Router#`, with no configuration mode; `->` inside output is no prompt."""
    user, privileged, arrow = list(frame(["CME>show ephone", "CME#show ephone", "list 101 denied tcp 10.1.1.9 -> x"]))
    assert user.prompt == privileged.prompt == ("CME", "show ephone", None)
    assert arrow.prompt is None
