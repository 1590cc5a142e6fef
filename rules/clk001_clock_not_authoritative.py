from __future__ import annotations

from cmedebug.engine import Rule
from cmedebug.remediation import Step
from cmedebug.remediation_steps import NTP_PING, NTP_SYNC_WAIT, NTP_UPDATE_CALENDAR
from cmedebug.model import Case, Confidence, Evidence, Severity
from cmedebug.formatting import fmt_time
from cmedebug.rules._certs import is_boot_default
from cmedebug.rules._device import ntp_servers, without_configured_ntp_server
from cmedebug.rules._evidence import full_config_given
from cmedebug.rules._links import CERT_FAILURE_SYMPTOMS, same_device


class ClockNotAuthoritative(Rule):
    """The router clock was never set or is not authoritative.

    What it detects
        A router whose own output says its clock cannot be trusted: `show clock`
        printing a `*` or a boot-default date (Mar 1 1993 or Mar 1 2002),
        `%PKI-2-NON_AUTHORITATIVE_CLOCK`, or log lines stamped `*Mon dd ...`
        together with a certificate rejected as not yet valid on the same device.
        A full running-config without `ntp server` and without `clock
        calendar-valid` is quoted as supporting evidence.

    Why it matters
        Every certificate decision (CA start-up, enrollment, TLS on 2443, CAPF)
        compares validity dates with this clock. A clock that was never set
        makes fresh certificates "not yet valid", makes a CA built on the boot
        date expire years early, and IOS XE refuses to start PKI at all.

    Evidence
        `*04:45:00.857 UTC Thu Aug 7 2025` from `show clock`; `*00:41:07.219
        UTC Fri Mar 1 2002` (boot default); `%PKI-2-NON_AUTHORITATIVE_CLOCK: PKI
        functions can not be initialized until an authoritative time source,
        like NTP, can be obtained.` Log stamps such as `*Mar  1 00:03:47.483:`
        count only when a certificate was rejected as not yet valid on that device:
        Cisco's own working secure-SCCP example has `*` stamps. Stamps on
        `*Mar  1`, the boot-default day, are medium evidence on their own (they
        print no year); a `*` in `show clock` with no failure is low severity.

    False positives
        Routers that print `*` because the calendar was not declared valid but
        whose time is right; judge by certificate dates against `show clock`.
        `*` log stamps alone on a working system are not reported.

    References
        Secure CME primer F01 clock-never-set and §3.0 (time evidence); Cisco
        CME Security guide (prerequisite: NTP or clock set before PKI).
    """

    id = "CLK001"
    name = "clock-not-authoritative"
    title = "Router clock never set or not authoritative"
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    tags = ("clock", "pki")
    # Not PKI001/PKI002: a clock left behind makes certificates "not yet valid", not expired
    # (a CA built on the boot date and expired since is CLK004).
    explains = ("CLK002",) + CERT_FAILURE_SYMPTOMS
    collect = ("show clock detail", "show ntp status", "show running-config | include ntp|clock")
    # (where the configuration names the NTP server already, the line is not typed again: what is missing
    # is the synchronisation, which a server the router reaches gives within minutes, after a reload too)
    remediation = (
        NTP_PING,
        Step("config", "ntp server {ntp_ip}",
             why="an authoritative time source (without NTP, set it by hand in EXEC: `clock set hh:mm:ss day month "
                 "year`; a time zone other than UTC needs `clock timezone` first)"),
        NTP_UPDATE_CALENDAR,
        NTP_SYNC_WAIT,
    )
    verify = "Verify with `show clock detail` (no '*' or '.', time source NTP) and `show ntp status`."

    def applies(self, case: Case) -> bool:
        return any(c.flagged_stamps or c.trusted_stamps or c.believed_time or c.authoritative is not None
                   for c in case.clocks.values())

    def evaluate(self, case: Case):
        rejected = list(case.events_of("pki.cert.invalid_not_yet_valid"))
        for clock in case.clocks.values():
            if clock.authoritative is not False and not clock.boot_default:
                continue
            # `show clock` on a boot-default date, or IOS saying so; '*Mar  1' log stamps alone are
            # boot-default by assumption (they print no year), so they count as medium evidence
            shown_boot_default = clock.boot_default and is_boot_default(clock.believed_time)
            strong = shown_boot_default or any("NON_AUTHORITATIVE" in r for r in clock.reasons)
            corroborated = any(same_device(e.device, clock.device) for e in rejected)
            medium = clock.boot_default and not strong
            shown_untrusted = clock.flag == "*"
            if not (strong or corroborated or medium or shown_untrusted):
                continue  # '*' log stamps alone: Cisco's working examples print them too
            reasons = list(dict.fromkeys(clock.reasons))
            evidence = list(clock.evidence[:5])
            no_time_source = self._config_without_time_source(case, clock.device)
            if no_time_source is not None:
                reasons.append("the running-config has no `ntp server` and no `clock calendar-valid`")
                evidence.append(Evidence.of(no_time_source, "full configuration without a time source"))
            message = f"Device {clock.device}: the clock is {clock.state} ({'; '.join(reasons)})."
            if clock.believed_time is not None:
                message += f" It believed the time was {fmt_time(clock.believed_time)}."
            if strong or corroborated:
                severity, confidence = Severity.HIGH, Confidence.HIGH
                if corroborated:
                    message += (" Certificates were rejected as not yet valid on this device, so the wrong clock is a "
                                "likely cause.")
            elif medium:
                severity, confidence = Severity.MEDIUM, Confidence.MEDIUM
                message += " No certificate was rejected as not yet valid yet; collect `show clock detail` to confirm."
            else:
                severity, confidence = Severity.LOW, Confidence.MEDIUM
                message += " No certificate was rejected as not yet valid; judge by certificate dates against `show clock`."
            servers = ntp_servers(case, clock.device)
            if servers:
                message += f" NTP server {servers[0]} is configured: the clock has not synchronised to it."
            yield self.finding(message, evidence, severity=severity, confidence=confidence,
                               first_seen=clock.first_seen, device=clock.device,
                               remediation=without_configured_ntp_server(self.remediation, case, clock.device))

    @staticmethod
    def _config_without_time_source(case: Case, device: str):
        if not full_config_given(case):
            return None
        for f in list(case.facts_of("config.global")):
            if same_device(f.device or f.fields.get("hostname"), device) and not f.fields.get("ntp_servers") \
                    and f.fields.get("calendar_valid") is False and not f.fields.get("ntp_master"):
                return f
        return None
