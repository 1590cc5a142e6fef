from __future__ import annotations

from datetime import datetime

from cmedebug.engine import Rule
from cmedebug.remediation import Step
from cmedebug.remediation_steps import NTP_SYNC_WAIT, RENEWAL
from cmedebug.rules._device import without_configured_ntp_server
from cmedebug.model import Confidence, Evidence, Severity
from cmedebug.formatting import fmt_delta, fmt_time
from cmedebug.rules._certs import certs_by_serial, describe_cert
from cmedebug.rules._format import first_at
from cmedebug.rules._links import CERT_FAILURE_SYMPTOMS


class CertificateNotYetValidSkew(Rule):
    """A certificate was rejected as not yet valid because of clock skew.

    What it detects
        `%PKI-3-CERTIFICATE_INVALID_NOT_YET_VALID` (or the same verdict in
        `debug crypto pki validation`): the checking device's clock is earlier
        than the certificate's start date. The skew is the certificate's start
        minus the time the device stamped on the rejection.

    Why it matters
        The certificate is refused wherever it is checked (TLS to CME on 2443,
        CAPF on 3804, SCEP responses): phones stay unregistered or non-secure
        until the clocks agree or the certificate's start date has passed.

    Evidence
        `%PKI-3-CERTIFICATE_INVALID_NOT_YET_VALID: Certificate chain validation
        has failed. The certificate (SN: 05) is not yet valid   Validity period
        starts on 10:00:00 UTC Nov 26 2026` with the log stamp of that line.

    False positives
        A skew of seconds right after enrollment on a lab CA disappears by itself.

    References
        Secure CME primer F04 clock-skew-not-yet-valid.
    """

    id = "CLK002"
    name = "certificate-not-yet-valid-clock-skew"
    title = "Certificate rejected as not yet valid (clock skew)"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    tags = ("clock", "pki", "certificate")
    requires = ("pki.cert.invalid_not_yet_valid",)
    explains = CERT_FAILURE_SYMPTOMS
    collect = ("show logging | include PKI", "debug crypto pki validation", "show clock detail")
    remediation = (
        Step("config", "ntp server {ntp_ip}", why="the CA and the devices that check its certificates agree on time"),
        NTP_SYNC_WAIT,
        *RENEWAL,
    )
    verify = "Verify with `show clock` on the CA and on CME (they agree) and no new %PKI-3-CERTIFICATE_INVALID_NOT_YET_VALID."

    def evaluate(self, case):
        by_serial: dict[str, list] = {}
        for ev in case.events_of("pki.cert.invalid_not_yet_valid"):
            by_serial.setdefault(ev.fields.get("serial", "?"), []).append(ev)
        known = certs_by_serial(case)
        for serial, events in by_serial.items():
            first = events[0]
            start = first.fields.get("not_before")
            skew = start - first.ts if isinstance(start, datetime) and first.ts is not None else None
            name = describe_cert(known[serial][0]) if serial in known else f"Certificate SN {serial}"
            message = (f"{name[0].upper()}{name[1:]} was rejected as not yet valid on {first.device or 'the router'} "
                       f"{len(events)} time(s){first_at(first.ts)}; it is valid from {fmt_time(start)}")
            if skew is not None:
                message += f": the checking clock is {fmt_delta(skew)} behind the certificate's issuer."
                assumed = case.assumed_years.get(first.source.path)
                if assumed:
                    message += f" (The log stamps print no year: {assumed}.)"
            else:
                message += "; the skew cannot be computed because the log line carries no wall-clock time."
            yield self.finding(message, [Evidence.of(e) for e in events[:3]], first_seen=first.ts,
                               serial=serial, skew_seconds=skew.total_seconds() if skew else None,
                               device=first.device,
                               remediation=without_configured_ntp_server(self.remediation, case, first.device))
