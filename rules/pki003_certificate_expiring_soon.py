from __future__ import annotations

from datetime import timedelta

from cmedebug.engine import Rule
from cmedebug.remediation_steps import RENEWAL
from cmedebug.model import Confidence, Evidence, Severity
from cmedebug.formatting import fmt_delta, fmt_time
from cmedebug.rules._certs import (certificates, describe_cert, device_now, is_ca_cert, is_mic_root,
                                   serves_no_cme_function)
from cmedebug.rules._device import functional_trustpoints, trustpoint_configs

WINDOW = timedelta(days=30)


class CertificateExpiringSoon(Rule):
    """A router or phone certificate expires within 30 days.

    What it detects
        A certificate in `show crypto pki certificates` (or decoded from a CTL)
        whose `end date:` falls within 30 days of the time the device believes
        it is. Says when, and whether the trustpoint renews itself
        (`auto-enroll`). CA certificates are PKI002.

    Why it matters
        When a CME, TFTP, CAPF or SAST certificate expires, phones fail TLS to
        2443 and refuse new configs; renewing ahead of time also means
        regenerating the CTL so phones learn the new certificate while the old
        one still works.

    Evidence
        `end date: 09:44:00 PST Dec 10 2026` with `Associated Trustpoints:
        cme-tls`, against `show clock` `10:00:00.000 PST Nov 26 2026`.

    False positives
        A trustpoint with `auto-enroll` renews itself: reported at low severity.
        IOS's own self-signed HTTPS certificate (`TP-self-signed-<n>`) is not
        reported unless a Secure CME function uses its trustpoint.

    References
        Secure CME primer §2.6 renewal and expiry (PKIALERT, CPRESS), F05.
    """

    id = "PKI003"
    name = "certificate-expiring-soon"
    title = "Certificate expires within 30 days"
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    tags = ("pki", "certificate", "validity")
    requires = ("cert",)
    collect = ("show crypto pki certificates", "show clock detail", "show crypto pki timers")
    remediation = (
        *RENEWAL,
    )
    verify = "Verify with `show crypto pki certificates {trustpoint}` (new end date) and `show crypto pki timers`."

    def evaluate(self, case):
        configs, uses = trustpoint_configs(case), functional_trustpoints(case)
        for cert in certificates(case):
            ends = cert.fields.get("not_after")
            if ends is None or is_ca_cert(cert) or is_mic_root(cert) or serves_no_cme_function(cert, uses):
                continue
            now, basis = device_now(case, cert.device)
            if now is None or not now <= ends <= now + WINDOW:
                continue
            tps = cert.fields.get("trustpoints") or []
            renewing = [tp for tp in tps if tp in configs and configs[tp].fields.get("auto_enroll")]
            message = (f"The {describe_cert(cert)} expires on {fmt_time(ends)}, in {fmt_delta(ends - now)} "
                       f"(by {basis}: {fmt_time(now)}).")
            severity = self.severity
            evidence = [Evidence.of(cert)]
            if renewing:
                severity = Severity.LOW
                message += f" Trustpoint {', '.join(renewing)} has auto-enroll, so it should renew itself."
                evidence += [Evidence.of(configs[tp]) for tp in renewing[:1]]
            yield self.finding(message, evidence, severity=severity, serial=cert.fields.get("serial"),
                               device=cert.device, not_after=ends, trustpoints=cert.fields.get("trustpoints") or [])
