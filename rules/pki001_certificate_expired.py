from __future__ import annotations

from cmedebug.engine import Rule
from cmedebug.model import Confidence, Evidence, Severity
from cmedebug.rules._helpers import fmt_time


class CertificateExpired(Rule):
    """A certificate in a chain has expired.

    What it detects
        `%PKI-3-CERTIFICATE_INVALID_EXPIRED`: chain validation failed because
        a certificate's end date is before the checking device's time. Names the
        certificate by serial and the date its validity ended.

    Why it matters
        IOS CA certificates last 365 days by default. When the CME (secure
        signaling), TFTP (config signer), CAPF or SAST certificate expires,
        phones fail TLS to 2443 and drop to "registering", CAPF sessions fail and
        signed configs may be refused.

    Evidence
        `%PKI-3-CERTIFICATE_INVALID_EXPIRED: Certificate chain validation has
        failed. The certificate (SN: 1A) has expired. Validity period ended on
        13:09:32 UTC Jun 12 2025`.

    Remediation
        1. `crypto pki enroll <trustpoint>` (keeps `rsakeypair <trustpoint>`).
        2. `ctl-client` / `regenerate` so the CTL carries the renewed certificate.
        3. `telephony-service` / `create cnf-files`, then reset the phones.
        4. Prevent it: `auto-enroll 70` under each trustpoint.
        Verify with `show crypto pki certificates <trustpoint>` (new end date) and
        `show ephone` (`+ Authentication`).

    False positives
        A device whose clock is far ahead reports valid certificates as expired:
        check CLK findings first.

    References
        Secure CME primer F05 trustpoint-cert-expired.
    """

    id = "PKI001"
    name = "certificate-expired"
    title = "Certificate in the chain has expired"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    tags = ("pki", "certificate")
    requires = ("pki.cert.invalid_expired",)
    collect = ("show crypto pki certificates verbose", "show logging | include PKI", "show clock detail")
    remediation = (
        "configure terminal",
        " crypto pki enroll <trustpoint>",
        " crypto pki trustpoint <trustpoint>",
        "  auto-enroll 70",
        " ctl-client",
        "  regenerate",
        " telephony-service",
        "  create cnf-files",
        "end",
    )
    verify = "Verify with `show crypto pki certificates <trustpoint>` (end date in the future) and `show ephone` (+ Authentication)."

    def evaluate(self, case):
        by_serial: dict[str, list] = {}
        for ev in case.events_of("pki.cert.invalid_expired"):
            by_serial.setdefault(ev.fields.get("serial", "?"), []).append(ev)
        for serial, events in by_serial.items():
            first = events[0]
            ended = first.fields.get("not_after")
            message = (f"Certificate SN {serial} has expired: its validity ended on {fmt_time(ended)}; "
                       f"chain validation failed {len(events)} time(s), first at {fmt_time(first.ts)}.")
            yield self.finding(message, [Evidence.of(e) for e in events[:3]], first_seen=first.ts,
                               serial=serial, not_after=ended, device=first.device)
