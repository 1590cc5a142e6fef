from __future__ import annotations

from datetime import timedelta

from cmedebug import deployment
from cmedebug.engine import Rule
from cmedebug.remediation import Step
from cmedebug.remediation_steps import NTP_SYNC_WAIT, RENEWAL
from cmedebug.model import Confidence, Evidence, Severity
from cmedebug.formatting import fmt_delta
from cmedebug.rules._certs import certificates, device_now

HOUR = timedelta(hours=1)
# how close to a whole number of hours a skew must be to read as a zone offset
TOLERANCE = timedelta(minutes=10)
# how far apart two `show clock` captures taken one after the other may be
WALL_TIME_TOLERANCE = timedelta(minutes=15)


class TimezoneMismatchBetweenDevices(Rule):
    """A time-zone or summer-time difference between devices explains a certificate validity failure.

    What it detects
        A certificate refused as not yet valid (or just expired) by a skew of
        a whole number of hours, when that number equals the difference between
        the devices' `clock timezone` / `clock summer-time` settings or their
        `show clock` zones (when both show the same wall-clock time), or equals the only configured zone offset (the
        clock was set in local time as if it were UTC, or the reverse).

    Why it matters
        IOS keeps UTC internally and shows local time. A clock set with `clock
        set` in local time on a router whose zone is missing or wrong is off by
        the zone offset, so certificates issued by a correctly set CA start
        "in the future" for hours, or expire hours early: TLS on 2443 and CAPF
        fail although every clock looks right on its own screen.

    Evidence
        `%PKI-3-CERTIFICATE_INVALID_NOT_YET_VALID: ... Validity period starts on
        18:00:03 UTC Nov 26 2026` stamped `Nov 26 10:00:11 UTC` (8 h) on a CME
        configured without `clock timezone`, while the CA's configuration has
        `clock timezone PST -8 0`.

    False positives
        A CA genuinely ahead by exactly a whole number of hours with identical
        zone settings is not reported here (CLK005 is).

    References
        Secure CME primer F04 and §3.0 (certificate dates print in the
        configured zone); IOS `clock timezone` / `clock summer-time`.
    """

    id = "CLK006"
    name = "timezone-mismatch-between-devices"
    title = "Time-zone or summer-time mismatch between devices"
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    tags = ("clock",)
    requires = ("pki.cert.invalid_not_yet_valid", "pki.cert.invalid_expired", "cert")
    explains = ("CLK002", "CLK005", "PKI001")
    collect = ("show clock detail", "show running-config | include clock")
    remediation = (
        Step("config", "clock timezone {zone} {hours}", why="the same zone (and summer time) on every router"),
        Step("config", "ntp server {ntp_ip}"),
        NTP_SYNC_WAIT,
        *RENEWAL,
    )
    verify = "Verify with `show clock detail` on every router (same UTC instant) and no new NOT_YET_VALID / EXPIRED messages."

    def evaluate(self, case):
        zones = self._zones(case)
        if not zones:
            return
        for skew, device, item in self._skews(case):
            hours = round(skew / HOUR)
            if not 1 <= hours <= 14 or abs(skew - hours * HOUR) > TOLERANCE:
                continue
            explanation = self._explain(zones, hours)
            if explanation is None:
                continue
            text, confidence, zone_facts = explanation
            message = (f"A certificate was refused on {device or 'the router'} with a skew of {fmt_delta(skew)} "
                       f"(≈ {hours} h), which matches {text}: the clocks differ by a zone offset, not by drift.")
            yield self.finding(message, [Evidence.of(item)] + [Evidence.of(f, "zone setting") for f in zone_facts],
                               confidence=confidence, first_seen=getattr(item, "ts", None), device=device,
                               skew_hours=hours)
            return

    @staticmethod
    def _skews(case):
        for ev in case.events_of("pki.cert.invalid_not_yet_valid"):
            if ev.ts is not None and ev.fields.get("not_before") is not None:
                yield ev.fields["not_before"] - ev.ts, ev.device, ev
        for ev in case.events_of("pki.cert.invalid_expired"):
            if ev.ts is not None and ev.fields.get("not_after") is not None:
                yield ev.ts - ev.fields["not_after"], ev.device, ev
        for cert in certificates(case):
            now, _ = device_now(case, cert.device)
            start = cert.fields.get("not_before")
            if now is not None and start is not None and start > now:
                yield start - now, cert.device, cert

    @staticmethod
    def _zones(case) -> list[tuple[str, float, bool, object]]:
        """(device, offset hours, summer time configured, fact) per configuration
        and per `show clock` of a device without a configuration: this device's,
        and those of the CA devices it is proven to trust (their CA fingerprint)."""
        view = deployment.of(case)
        scopes = [case, *(ca.case for ca in view.ca_devices(view.devices[0]))]
        config = [f for scope in scopes for f in scope.facts_of("config.global")]
        shown = [f for scope in scopes for f in scope.facts_of("clock.show")]
        out, configured = [], set()
        for f in config:
            tz = f.fields.get("clock_timezone") or {}
            hours = tz.get("hours") or 0
            offset = hours + (tz.get("minutes") or 0) / 60 * (-1 if hours < 0 else 1)
            name = f.fields.get("hostname") or f.device or "router"
            configured.add(name)
            out.append((name, offset, bool(f.fields.get("summer_time")), f))
        for f in shown:
            name = f.device or "router"
            when = f.fields.get("time")
            if name not in configured and when is not None and when.utcoffset() is not None:
                out.append((name, when.utcoffset() / HOUR, False, f))
        return out

    @staticmethod
    def _explain(zones, hours: int):
        for i, (dev_a, off_a, dst_a, fact_a) in enumerate(zones):
            for dev_b, off_b, dst_b, fact_b in zones[i + 1:]:
                if dev_a == dev_b:
                    continue
                if abs(abs(off_a - off_b) - hours) < 0.01 and _same_wall_time(fact_a, fact_b):
                    return (f"the zone offsets of {dev_a} (UTC{off_a:+g}) and {dev_b} (UTC{off_b:+g})",
                            Confidence.HIGH, [fact_a, fact_b])
                if hours == 1 and dst_a != dst_b and abs(off_a - off_b) < 0.01:
                    with_dst = dev_a if dst_a else dev_b
                    return (f"summer time, configured on {with_dst} only", Confidence.HIGH, [fact_a, fact_b])
        devices = {z[0] for z in zones}
        for dev, off, _, fact in zones:
            if len(devices) == 1 and abs(abs(off) - hours) < 0.01 and fact.kind == "config.global":
                return (f"the zone offset of {dev} (UTC{off:+g}): its clock was probably set in local time as if it "
                        "were UTC, or the reverse", Confidence.MEDIUM, [fact])
        return None


def _same_wall_time(a, b) -> bool:
    """Two `show clock` readings in different zones prove a zone mismatch only when they show
    the same wall-clock time (both set by hand to local time); configurations always count."""
    if a.kind != "clock.show" or b.kind != "clock.show":
        return True
    wall_a, wall_b = a.fields["time"].replace(tzinfo=None), b.fields["time"].replace(tzinfo=None)
    return abs(wall_a - wall_b) <= WALL_TIME_TOLERANCE
