from __future__ import annotations

from dataclasses import replace

from cmedebug.clock import clock_name
from cmedebug.engine import Rule
from cmedebug.remediation import Step
from cmedebug.remediation_steps import (CTL_REGENERATE, NTP_AUTHENTICATED, NTP_PING, NTP_SYNC_WAIT,
                                        NTP_UPDATE_CALENDAR, PHONES_RESTART)
from cmedebug.model import Confidence, Evidence, Severity
from cmedebug.formatting import fmt_time
from cmedebug.rules._device import ntp_servers, without_configured_ntp_server
from cmedebug.rules._links import same_device


class NtpNotSynchronised(Rule):
    """NTP is configured (or expected) but the clock is not synchronised.

    What it detects
        `show ntp status` saying the clock is unsynchronized, or `show clock`
        printing a leading `.` (authoritative once, not synchronised now), with
        the configured `ntp server` addresses and the associations that never
        answered (`reach 0`, no `*` system peer) when `show ntp associations`
        is given; or, without either output, the `.` stamps of a device that
        refused a certificate on its dates.

    Why it matters
        An unsynchronised clock drifts, so the CA, CME and the devices that
        check certificates disagree about time: fresh certificates are refused
        as not yet valid, old ones as expired, and IOS XE holds PKI back until
        an authoritative time source is found.

    Evidence
        `Clock is unsynchronized, stratum 16, no reference clock` (`show ntp
        status`); `.04:37:54.849 UTC Thu Aug 7 2025` (`show clock`); `~10.1.1.1
        .INIT. 16 - 64 0 0.000 0.000 15937.` (`show ntp associations`, reach 0).
        `.` log stamps alone are not reported (working systems print them while
        NTP settles). Severity rises to high when a certificate was rejected on
        its dates on the same device.

    False positives
        Right after a reload NTP needs a few minutes to synchronise; a single
        `show ntp status` taken then is not a fault.

    References
        Secure CME primer F02 ntp-unsynchronised, §3.0; sample 33 (`show clock`
        markers).
    """

    id = "CLK003"
    name = "ntp-not-synchronised"
    title = "NTP not synchronised"
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    tags = ("clock", "ntp")
    requires = ("ntp.status", "clock.show", "pki.cert.invalid_not_yet_valid", "pki.cert.invalid_expired")
    explains = ("CLK002", "CLK005", "PKI001")
    collect = ("show ntp status", "show ntp associations", "show clock detail", "show running-config | include ntp")
    remediation = (
        NTP_PING,
        Step("config", "ntp server {ntp_ip}", why="the router's time source"),
        NTP_UPDATE_CALENDAR,
        Step("config", "clock calendar-valid", why="a reload starts from a calendar IOS trusts"),
        # NTP authentication is a block of its own: pasted only where the NTP server authenticates.
        Step("config", "ntp authentication-key {ntp_key} md5 {ntp_secret}", device=NTP_AUTHENTICATED,
             why="the key the NTP server uses"),
        Step("config", "ntp trusted-key {ntp_key}", device=NTP_AUTHENTICATED),
        Step("config", "ntp server {ntp_ip} key {ntp_key}", device=NTP_AUTHENTICATED,
             why="the server must be told which key to use, or no association is authenticated"),
        Step("config", "ntp authenticate", device=NTP_AUTHENTICATED,
             warning="only with the three lines above in place and matching the server: otherwise the clock "
                     "stops synchronising"),
        NTP_SYNC_WAIT,  # (after the authentication block: with it, NTP synchronises only once it is in)
        replace(CTL_REGENERATE[0], why="the CTL built while the clock was wrong is dated before the certificates "
                                       "it carries; build it again"),
        *CTL_REGENERATE[1:],
        *PHONES_RESTART,
    )
    verify = "Verify with `show ntp status` (Clock is synchronized) and `show clock` (no leading '.' or '*')."

    def evaluate(self, case):
        status_by_device = {}
        for f in list(case.facts_of("ntp.status")):
            status_by_device[clock_name(case, f.device)] = f  # the latest one per device
        rejected = list(case.events_of("pki.cert.invalid_not_yet_valid", "pki.cert.invalid_expired"))
        devices = set(status_by_device) | {c.device for c in case.clocks.values() if c.flag == "."}
        for device in sorted(devices):
            status = status_by_device.get(device)
            clock = case.clocks.get(device)
            if status is not None and status.fields.get("synchronised") is not False:
                continue
            if status is None and (clock is None or clock.flag != "."):
                continue
            evidence, details = [], []
            confidence = self.confidence
            if status is not None:
                evidence.append(Evidence.of(status))
                stratum = status.fields.get("stratum")
                details.append("`show ntp status` says the clock is unsynchronized"
                               + (f" (stratum {stratum})" if stratum is not None else ""))
            if clock is not None and clock.flag == ".":
                details.append(f"`show clock` prints '.' before {fmt_time(clock.believed_time)}"
                               if clock.believed_time is not None
                               else f"{clock.unsynced_stamps} log line(s) stamped with '.' (set, not synchronised)")
                evidence.extend(e for e in clock.evidence[-1:])
                confidence = confidence if status is not None else Confidence.MEDIUM
            silent = [a for a in list(case.facts_of("ntp.association")) if same_device(a.device, device)
                      and not a.fields.get("sys_peer")]
            if silent:
                details.append("associations without a system peer: " + ", ".join(
                    f"{a.fields.get('address')} (reach {a.fields.get('reach')})" for a in silent[:4]))
                evidence.extend(Evidence.of(a) for a in silent[:2])
            servers = ntp_servers(case, device)
            if servers:
                details.append("configured servers: " + ", ".join(servers))
            hits = [e for e in rejected if same_device(e.device, device)]
            if status is None and clock.believed_time is None and not hits:
                continue  # `.` log stamps alone: working systems print them while NTP settles
            evidence.extend(Evidence.of(e) for e in hits[:2] if not evidence)
            severity = Severity.HIGH if hits else (self.severity if status is not None else Severity.LOW)
            message = f"Device {device}: NTP is not synchronised ({'; '.join(details)})."
            if hits:
                message += f" {len(hits)} certificate(s) were rejected on their dates on this device."
            yield self.finding(message, evidence, severity=severity, confidence=confidence, device=device,
                               remediation=without_configured_ntp_server(self.remediation, case, device))
