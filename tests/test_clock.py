"""Year inference for year-less stamps and the per-device clock model."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from cmedebug.pipeline import load

STAMPED = "*Dec 31 23:59:58.000: %PKI-6-CERTRET: Certificate received from Certificate Authority\n" \
          "*Jan  1 00:00:02.000: %PKI-6-CERTFAIL: Certificate enrollment failed.\n"


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_new_year_rollover_moves_to_the_next_year(tmp_path):
    case = load([_write(tmp_path, "a.log", STAMPED)], year=2025)
    assert [e.ts.year for e in case.events] == [2025, 2026]
    assert case.events[1].ts - case.events[0].ts == timedelta(seconds=4)


def test_show_clock_in_the_same_file_anchors_the_year(tmp_path):
    text = STAMPED + "R1#show clock\n*00:00:09.000 UTC Thu Jan 1 2015\n"
    case = load([_write(tmp_path, "a.log", text)])
    assert [e.ts.year for e in case.events] == [2014, 2015]
    assert case.events[0].device == "R1" or case.events[0].device is None


def test_without_anchor_the_log_is_not_put_in_the_future(tmp_path):
    today = datetime.now(timezone.utc)
    future = today + timedelta(days=40)
    line = f"{future:%b} {future.day:2d} 10:00:00.000: %PKI-6-CERTRET: Certificate received from Certificate Authority\n"
    case = load([_write(tmp_path, "a.log", line)])
    assert case.events[0].ts <= today + timedelta(days=1)


def test_stamp_with_year_and_zone_is_kept(tmp_path):
    case = load([_write(tmp_path, "a.log", "Aug  7 2025 04:37:54.849 PST: %PKI-6-CERTRET: Certificate received\n")])
    ts = case.events[0].ts
    assert (ts.year, ts.utcoffset()) == (2025, timedelta(hours=-8))


def test_clock_model_boot_default_and_flags(tmp_path):
    text = "R1#show clock detail\n*00:41:07.219 UTC Fri Mar 1 2002\nTime source is hardware calendar\n" \
           "*Mar  1 00:41:13.841: %PKI-2-NON_AUTHORITATIVE_CLOCK: PKI functions can not be initialized until an " \
           "authoritative time source, like NTP, can be obtained.\n"
    case = load([_write(tmp_path, "a.log", text)])
    clock = case.clocks["R1"]
    assert clock.boot_default and clock.authoritative is False
    assert clock.time_source == "hardware calendar" and clock.flagged_stamps == 1
    assert clock.believed_time == datetime(2002, 3, 1, 0, 41, 7, 219000, tzinfo=timezone.utc)
    assert case.events[0].ts.year == 2002


def test_latest_show_clock_gives_the_state(tmp_path):
    text = "R1#show clock\n*04:45:00.857 UTC Thu Aug 7 2025\nR1#show clock\n.04:37:54.849 UTC Thu Aug 7 2025\n"
    clock = load([_write(tmp_path, "a.log", text)]).clocks["R1"]
    assert clock.flag == "." and clock.authoritative is True and clock.state == "set but not synchronised"


def test_skew_from_a_not_yet_valid_certificate(tmp_path):
    text = "Nov 26 10:00:00.000: %PKI-3-CERTIFICATE_INVALID_NOT_YET_VALID: Certificate chain validation has failed." \
           "  The certificate (SN: 0B) is not yet valid   Validity period starts on 12:30:00 UTC Nov 26 2026\n"
    case = load([_write(tmp_path, "a.log", text)], year=2026)
    assert case.clocks["router"].skew == timedelta(hours=2, minutes=30)
    assert case.events[0].fields["serial"] == "B"


def test_boot_default_stamps_without_anchor_are_taken_as_2002_and_said_so(tmp_path):
    path = _write(tmp_path, "a.log", "*Mar  1 00:00:05.000: %PKI-6-CERTRET: Certificate received from Certificate Authority\n")
    case = load([path])
    assert case.events[0].ts.year == 2002
    assert "2002 assumed" in case.assumed_years[path]
    assert case.clocks["router"].boot_default


def test_a_certificate_refused_hours_before_its_start_dates_early_march_stamps(tmp_path):
    """`*Mar  2 08:25` stamps refusing a certificate that starts at 09:00 on Mar 2 2026: a clock 35
    minutes behind on 2026's calendar, not the boot default of 2002 with 24 years of skew. A start
    on another day leaves the boot-default reading of `*Mar  1` stamps as it was."""
    refused = "*Mar  2 08:25:07.630: %PKI-3-CERTIFICATE_INVALID_NOT_YET_VALID: Certificate chain validation has " \
              "failed. The certificate (SN: 1) is not yet valid   Validity period starts on {start}\n"
    path = _write(tmp_path, "a.log", refused.format(start="09:00:01 UTC Mar 2 2026"))
    case = load([path])
    assert case.events[0].ts == datetime(2026, 3, 2, 8, 25, 7, 630000, tzinfo=timezone.utc)
    assert case.clocks["router"].skew == timedelta(minutes=34, seconds=53, microseconds=370000)
    assert not case.clocks["router"].boot_default and "2026 from the start of a certificate" in case.assumed_years[path]
    other_day = _write(tmp_path, "b.log", refused.format(start="09:00:01 UTC Nov 26 2026").replace("Mar  2", "Mar  1"))
    assert load([other_day]).events[0].ts.year == 2002


def test_year_given_by_evidence_is_not_reported_as_assumed(tmp_path):
    path = _write(tmp_path, "a.log", STAMPED + "R1#show clock\n00:00:09.000 UTC Thu Jan 1 2015\n")
    assert load([path]).assumed_years == {}
    other = _write(tmp_path, "b.log", STAMPED)
    assert "use --year" in load([other]).assumed_years[other]


def test_interleaved_devices_do_not_look_like_new_year(tmp_path):
    lines = []
    for i in range(50):  # a boot-default router and a synchronised one, in one syslog file
        lines.append(f"<189>{2 * i}: cme-a: *Mar  1 00:00:{i:02d}.000: %PKI-6-CERTRET: Certificate received from Certificate Authority")
        lines.append(f"<189>{2 * i + 1}: cme-b: Nov 26 10:00:{i:02d}.000: %PKI-6-CERTRET: Certificate received from Certificate Authority")
    case = load([_write(tmp_path, "a.log", "\n".join(lines) + "\n")], year=2026)
    assert {e.ts.year for e in case.events} == {2026}
    case = load([_write(tmp_path, "b.log", "\n".join(lines) + "\n")])
    assert {e.ts.year for e in case.events if e.device == "cme-a"} == {2002}
    assert max(e.ts.year for e in case.events) <= datetime.now(timezone.utc).year
