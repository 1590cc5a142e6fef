from __future__ import annotations

from cmedebug.engine import Rule
from cmedebug.formatting import common_name, fmt_time
from cmedebug.model import Confidence, Evidence, Severity
from cmedebug.remediation_steps import enroll_steps
from cmedebug.rules._certs import certificates, describe_cert
from cmedebug.rules._links import CERT_FAILURE_SYMPTOMS

# What peers report once the revocation reaches them: certificate checks that fail after it.
AFTER_REVOCATION = ("tls.handshake.failed", "pki.cert.invalid")


class CertificateRevokedByCa(Rule):
    """A certificate in use was revoked on the CA (`crypto pki server <ca> revoke <serial>`).

    What it detects
        `crypto pki server <ca> revoke <serial>` typed at the CA router's prompt,
        matched with the certificates of the case that the CA issued under that
        serial (the router's own, by trustpoint, or a phone's); the certificate
        failures that follow it are cited.

    Why it matters
        From the next CRL on, every peer that checks revocation (IOS trustpoints
        with `revocation-check crl`, the default) refuses the certificate: TLS
        to the phones, CAPF or the CTL provider fails although the certificate
        has not expired. A serial revoked by mistake (decimal typed for hex) hits
        another certificate than the one meant.

    Evidence
        `Router# crypto pki server srstcaserver revoke 0x2` (IOS reads the serial
        as hex after `0x`, else as decimal); `show crypto pki certificates`
        printing that serial issued by the CA.

    False positives
        A revocation that was the fix (a stolen phone's certificate): then the
        finding is the record of it, and the re-enrollment is only for a
        certificate still meant to be used.

    References
        ios-commands.md (`crypto pki server <cs> revoke <serial>`, Router#);
        Secure CME primer F14 (CRL checking, `revocation-check`).
    """

    id = "PKI023"
    name = "certificate-revoked-by-ca"
    title = "Certificate in use revoked on the CA"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    tags = ("pki", "crl", "certificate")
    requires = ("pki.cs.revoke",)
    explains = CERT_FAILURE_SYMPTOMS
    collect = ("show crypto pki certificates", "show crypto pki crls")
    remediation = enroll_steps("trustpoint", why="a new certificate for the trustpoint whose certificate was revoked")
    verify = "Verify with `show crypto pki certificates {trustpoint}` (a new serial) and a handshake that completes."

    def evaluate(self, case):
        certs = certificates(case)
        refused = {(e.source.path, e.fields.get("command")) for e in case.events_of("console.error")}
        for ev in case.events_of("pki.cs.revoke"):
            if (ev.source.path, ev.fields.get("command")) in refused:
                continue  # IOS refused the command: nothing was revoked (the error answer is GEN001's)
            serial, ca = ev.fields.get("serial"), (ev.fields.get("ca") or "").lower()
            hit = [c for c in certs if c.fields.get("serial") == serial
                   and common_name(c.fields.get("issuer")).lower() == ca]
            trustpoints = [tp for c in hit for tp in c.fields.get("trustpoints") or []
                           if tp.lower() != ca]
            after = [e for e in case.events_of(*AFTER_REVOCATION)
                     if e.source.path == ev.source.path and e.source.first_line > ev.source.first_line]
            what = describe_cert(hit[0]) if hit else f"certificate SN {serial}"
            message = (f"`{ev.fields.get('command')}` revoked the {what} on CA {ev.fields.get('ca')}"
                       + (f" at {fmt_time(ev.ts)}" if ev.ts else "")
                       + ": peers that check the CRL refuse it from the next CRL on")
            message += f"; trustpoint(s) {', '.join(trustpoints)} still use it." if trustpoints else "."
            if after:
                message += f" {len(after)} certificate failure(s) follow the revocation."
            in_use = bool(trustpoints or after)
            yield self.finding(message, [Evidence.of(ev)] + [Evidence.of(c) for c in hit[:1]]
                               + [Evidence.of(e) for e in after[:2]],
                               severity=self.severity if in_use else Severity.MEDIUM,
                               confidence=self.confidence if hit else Confidence.MEDIUM, first_seen=ev.ts,
                               serial=serial, ca=ev.fields.get("ca"), trustpoint=trustpoints or [],
                               device=ev.device)
