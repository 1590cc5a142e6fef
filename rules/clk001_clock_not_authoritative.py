from __future__ import annotations

from cmedebug.engine import Rule
from cmedebug.model import Case, Confidence, Severity


class ClockNotAuthoritative(Rule):
    """The router clock was never set or is not authoritative.

    What it detects
        A router whose own output says its clock cannot be trusted: `show clock`
        printing a `*`, a boot-default date (Mar 1 1993 or Mar 1 2002),
        `%PKI-2-NON_AUTHORITATIVE_CLOCK`, or log lines stamped `*Mon dd ...`.

    Why it matters
        Every certificate decision (CA start-up, enrollment, TLS on 2443, CAPF)
        compares validity dates with this clock. A clock that was never set
        makes fresh certificates "not yet valid", makes a CA built on the boot
        date expire years early, and IOS XE refuses to start PKI at all.

    Evidence
        `*04:45:00.857 UTC Thu Aug 7 2025` from `show clock`; stamps such as
        `*Mar  1 00:03:47.483: ...`; `%PKI-2-NON_AUTHORITATIVE_CLOCK: PKI
        functions can not be initialized until an authoritative time source,
        like NTP, can be obtained.` A `*` alone is weak evidence (Cisco's own
        working secure-SCCP example has `*` stamps); it becomes strong when a
        certificate was rejected on dates on the same device.

    Remediation
        1. `configure terminal`
        2. `clock timezone <zone> <hours>`
        3. `ntp server <ntp-ip>` and `ntp update-calendar`
        4. Without NTP: `clock set <hh:mm:ss> <day> <month> <year>`, then
           `clock calendar-valid` on routers with a battery calendar.
        5. If the CA or trustpoints were built while the clock was wrong, rebuild
           them (see CLK004).
        Verify with `show clock detail` (no `*` or `.`, time source NTP) and
        `show ntp status` (synchronised).

    False positives
        Routers that print `*` because the calendar was not declared valid but
        whose time is right; judge by certificate dates against `show clock`.

    References
        Secure CME primer F01 clock-never-set; Cisco CME Security guide
        (prerequisite: NTP or clock set before PKI).
    """

    id = "CLK001"
    name = "clock-not-authoritative"
    title = "Router clock never set or not authoritative"
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    tags = ("clock", "pki")
    explains = ("CLK002", "PKI001")
    collect = ("show clock detail", "show ntp status", "show running-config | include ntp|clock")
    remediation = (
        "configure terminal",
        " clock timezone <zone> <hours>",
        " ntp server <ntp-ip>",
        " ntp update-calendar",
        "end",
        "! without NTP: clock set <hh:mm:ss> <day> <month> <year>",
    )
    verify = "Verify with `show clock detail` (no '*' or '.', time source NTP) and `show ntp status`."

    def applies(self, case: Case) -> bool:
        return any(c.flagged_stamps or c.trusted_stamps or c.believed_time or c.authoritative is not None
                   for c in case.clocks.values())

    def evaluate(self, case: Case):
        rejected_on = {e.device for e in case.events_of("pki.cert.invalid_not_yet_valid", "pki.cert.invalid_expired")}
        for clock in case.clocks.values():
            if clock.authoritative is not False and not clock.boot_default:
                continue
            strong = clock.boot_default or any("NON_AUTHORITATIVE" in r for r in clock.reasons)
            corroborated = clock.device in rejected_on or (clock.device == "router" and None in rejected_on)
            if strong or corroborated:
                severity, confidence = Severity.HIGH, Confidence.HIGH
            else:
                severity, confidence = Severity.MEDIUM, Confidence.MEDIUM
            detail = "; ".join(dict.fromkeys(clock.reasons)) or "its clock is flagged not authoritative"
            message = f"Device {clock.device}: the clock is {clock.state} ({detail})."
            if clock.believed_time is not None:
                message += f" It believed the time was {clock.believed_time:%Y-%m-%d %H:%M:%S %Z}."
            if corroborated:
                message += " Certificates were rejected on their dates on this device, so the wrong clock is a likely cause."
            yield self.finding(message, clock.evidence[:5], severity=severity, confidence=confidence,
                               first_seen=clock.first_seen, device=clock.device)

    def links(self, cause, symptom, case) -> bool:
        return symptom.data.get("device") in (cause.data.get("device"), None) or cause.data.get("device") == "router"
