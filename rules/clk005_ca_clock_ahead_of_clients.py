from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from cmedebug import deployment
from cmedebug.clock import clock_of
from cmedebug.engine import Rule
from cmedebug.remediation import WAIT, Step
from cmedebug.remediation_steps import CNF_FILES, CTL_REGENERATE, PHONES_RESTART
from cmedebug.model import Confidence, Evidence, Severity
from cmedebug.formatting import fmt_delta, fmt_time
from cmedebug.rules._certs import certificates, certs_by_serial, describe_cert, device_now, is_boot_default

UNTRUSTED_FLAGS = ("*", ".")  # a clock that says it is not authoritative, or not synchronised

# Beyond this the checker's clock is wrong by years (never set: CLK001), not the CA's ahead.
MAX_PLAUSIBLE_SKEW = timedelta(days=400)


class CaClockAheadOfClients(Rule):
    """The CA's clock is ahead of the devices that check its certificates.

    What it detects
        Certificates whose start date is still in the future for a device whose
        own clock is plausible (not a boot-default date, not flagged `*`):
        `%PKI-3-CERTIFICATE_INVALID_NOT_YET_VALID` on that device, or a `show
        crypto pki certificates` `start date:` later than its `show clock`. The
        issuer stamped the start with its own clock, so the CA ran ahead by at
        least that skew; a `show clock` from the CA device confirms it.

    Why it matters
        A freshly issued certificate is refused until the checker's clock
        catches up: TLS to CME on 2443 and CAPF on 3804 fail, phones stay
        non-secure, enrollments look broken although the CA granted them.

    Evidence
        `%PKI-3-CERTIFICATE_INVALID_NOT_YET_VALID: ... The certificate (SN: 0B) is
        not yet valid   Validity period starts on 12:10:00 UTC Nov 26 2026`
        stamped `Nov 26 10:10:03.114` on an NTP-synchronised CME; `show clock`
        on the CA router showing a time two hours ahead.

    False positives
        A checker whose own clock is behind (never set, or NTP not
        synchronised) produces the same message: that case is CLK001 or
        CLK003, and this rule stays silent when the checker's clock is flagged
        `*` or `.` or on a boot-default date.

    References
        Secure CME primer F04 clock-skew-not-yet-valid (TOPOGEN: CA and clients
        set independently); TNAUTOENROLL validity rule.
    """

    id = "CLK005"
    name = "ca-clock-ahead-of-clients"
    title = "CA clock ahead of the devices that check its certificates"
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    tags = ("clock", "pki", "ca")
    requires = ("pki.cert.invalid_not_yet_valid", "cert")
    explains = ("CLK002",)
    collect = ("show clock detail", "show ntp status", "show crypto pki certificates",
               "show logging | include NOT_YET_VALID")
    remediation = (
        Step("config", "ntp server {ntp_ip}", device="{ca_device}",
             why="on the CA router: its clock must agree with the devices that check its certificates (the NTP "
                 "server CME uses)"),
        Step("config", "ntp update-calendar", device="{ca_device}"),
        Step(WAIT, "wait until {ca_valid_from}", device=WAIT,
             why="the certificates the CA issued while its clock ran ahead (its own CA certificate among them) "
                 "are refused by every device until their start date, even with the clocks corrected: "
                 "re-enrolling earlier fails and the phones still stop at TLS. The alternative that avoids the "
                 "wait, rebuilding the certificate server, deletes the CA and issues every certificate and LSC "
                 "again: only if the wait is too long"),
        replace(CTL_REGENERATE[0], why="once the certificates are in date: a CTL built after their start dates "
                                       "(they keep their keys and serials; nothing is enrolled again)"),
        *CTL_REGENERATE[1:],
        *CNF_FILES,
        *PHONES_RESTART,
    )
    verify = "Verify with `show clock` on the CA and on CME (they agree) and no new %PKI-3-CERTIFICATE_INVALID_NOT_YET_VALID."

    def evaluate(self, case):
        by_device: dict[str, list] = {}  # checking device -> (what, start, checker time, basis, evidence item, serial)
        seen: set[tuple] = set()
        known = certs_by_serial(case)
        for ev in case.events_of("pki.cert.invalid_not_yet_valid"):
            start, serial = ev.fields.get("not_before"), ev.fields.get("serial")
            if start is None or ev.ts is None or (ev.device, serial) in seen \
                    or not self._checker_clock_plausible(case, ev.device, ev):
                continue
            if not timedelta(0) < start - ev.ts <= MAX_PLAUSIBLE_SKEW:
                continue
            seen.add((ev.device, serial))
            what = describe_cert(known[serial][0]) if serial in known else f"certificate SN {serial}"
            by_device.setdefault(ev.device, []).append((what, start, ev.ts, "its log stamp", ev, serial))
        for cert in certificates(case):
            start, serial = cert.fields.get("not_before"), cert.fields.get("serial")
            now, basis = device_now(case, cert.device)
            if start is None or now is None or (cert.device, serial) in seen or now >= start:
                continue
            if not self._checker_clock_plausible(case, cert.device, None) or start - now > MAX_PLAUSIBLE_SKEW:
                continue
            seen.add((cert.device, serial))
            by_device.setdefault(cert.device, []).append((describe_cert(cert), start, now, basis, cert, serial))
        for device, items in by_device.items():
            yield self._finding(case, device, items)

    def _finding(self, case, device, items):
        what, start, checker_time, basis, _, _ = max(items, key=lambda i: i[1] - i[2])
        skew = start - checker_time
        message = (f"The {what} starts at {fmt_time(start)}, but {device or 'the checking device'} believed it was "
                   f"{fmt_time(checker_time)} ({basis}): the issuing CA's clock was at least {fmt_delta(skew)} ahead.")
        others = sorted({i[5] for i in items if i[0] != what and i[5]})
        if others:
            message += f" {len(others)} more certificate(s) start in its future too: SN {', '.join(others[:8])}."
        confidence = self.confidence
        clock = clock_of(case, device)
        if clock is not None and clock.authoritative:
            confidence = Confidence.HIGH
            message += f" {device or 'The checking device'}'s own clock is authoritative."
        evidence = [Evidence.of(i[4]) for i in items[:4]]
        own = clock.believed_time if clock is not None and clock.believed_time is not None else checker_time
        ca_reading = self._ca_clock(case, device, own)
        data = {}
        if ca_reading is not None:
            ca_device, ca_time, fact = ca_reading
            message += f" `show clock` on the CA's router ({ca_device}) read {fmt_time(ca_time)}."
            evidence.append(Evidence.of(fact, "the CA's clock"))
            confidence = Confidence.HIGH
            data["ca_device"] = ca_device  # its NTP steps are typed there
        data["ca_valid_from"] = fmt_time(max(i[1] for i in items))  # the wait before re-enrolling
        first_seen = min((i[4].ts for i in items if getattr(i[4], "ts", None)), default=None)
        return self.finding(message, evidence, confidence=confidence, first_seen=first_seen, device=device,
                            serials=sorted({i[5] for i in items if i[5]}), skew_seconds=skew.total_seconds(), **data)

    @staticmethod
    def _checker_clock_plausible(case, device, event) -> bool:
        """Whether the checking device's clock can stand as the reference: not one its own output
        calls untrustworthy (`*`: not authoritative, `.`: NTP not synchronised, CLK003's)."""
        clock = clock_of(case, device)
        if clock is not None and (clock.boot_default or clock.flag in UNTRUSTED_FLAGS):
            return False
        if event is not None and (event.clock_flag in UNTRUSTED_FLAGS or is_boot_default(event.ts)):
            return False
        return True

    @staticmethod
    def _ca_clock(case, checker, checker_time):
        """(CA device, its `show clock` time, the fact) when another device runs the CA
        and its clock reads ahead. The CA is another device of the deployment, read
        only when the link is proven (its CA fingerprint is one this device trusts)."""
        view = deployment.of(case)
        for ca in view.ca_devices(view.devices[0]):
            shown = [f for f in ca.case.facts_of("clock.show") if f.fields.get("time")]
            if shown and shown[-1].fields["time"] > checker_time:
                return ca.name, shown[-1].fields["time"], shown[-1]
        return None

    def links(self, cause, symptom, case) -> bool:
        return super().links(cause, symptom, case) and symptom.data.get("serial") in [None, *cause.data.get("serials", [])]
