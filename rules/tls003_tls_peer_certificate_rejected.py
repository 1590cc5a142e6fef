from __future__ import annotations

from cmedebug.engine import Rule
from cmedebug.remediation import Step
from cmedebug.remediation_steps import trustpoint_steps
from cmedebug.model import Confidence, Severity
from cmedebug.formatting import fmt_time
from cmedebug.rules._format import evidence_of
from cmedebug.rules._tls_reason import read_reason
from cmedebug.rules._trust import failed_handshakes, TLS_CERTIFICATE_REASON


class TlsPeerCertificateRejected(Rule):
    """A TLS handshake dies at certificate verification.

    What it detects
        TLS handshakes (secure SCCP 2443, credentials 2444/2445, CAPF 3804)
        that fail because one side does not accept the other's certificate:
        a handshake-failure syslog whose reason names the certificate
        (`certificate verify failed`, `sslv3 alert bad certificate`,
        `tlsv1 alert unknown ca`), or a `debug ephone register` handshake that
        reaches `CRYPTO_PKI_OPSSL - Verifying 1 Certs` and then ends in an error
        or starts over without `TLS Handshake completes`.

    Why it matters
        CME trusts a phone's LSC only if the issuing CA's certificate is a
        trustpoint on the router, and a MIC only if its root was imported. A
        phone whose certificate CME cannot validate never registers securely.

    Evidence
        `Start TLS Handshake 0 10.5.43.177 51617`, `TLS Handshake retcode
        OPSSLReadWouldBlockErr`..., `CRYPTO_PKI_OPSSL - Verifying 1 Certs`, then
        no `TLS Handshake completes`; or `%SKINNYSECURESERVICE-3-TLS_HANDSHAKE_FAILED:
        Reason: certificate verify failed, ...`.

    False positives
        An expired or not-yet-valid certificate fails the same way: CLK and PKI
        findings on the same time explain it (they rank first).

    References
        Secure CME primer F36 phone-cert-untrusted-by-cme; CME Security guide
        (CME trusts the LSC because the issuing CA certificate is on the router).
    """

    id = "TLS003"
    name = "tls-peer-certificate-rejected"
    title = "TLS handshake fails at certificate verification"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    tags = ("tls", "certificate")
    requires = ("tls.handshake",)
    collect = ("debug ephone register", "debug crypto pki validation", "show crypto pki trustpoints status")
    remediation = (
        *trustpoint_steps("issuer_trustpoint", "enrollment terminal", "revocation-check none",
                    why="a trustpoint for the CA that issued the peer's certificate"),
        Step("config", "crypto pki authenticate {issuer_trustpoint}", answers=("{ca_certificate_pem}", "quit", "yes"),
             why="paste the issuer's certificate, end with quit, then accept its fingerprint"),
    )
    verify = "Verify with `debug ephone register` (TLS Handshake completes) and `show ephone` (+ Authentication)."

    def evaluate(self, case):
        # one pass, each event's fields read once (a stored event builds them on each read)
        failed, peer_set, sides = [], set(), {}
        for e in case.events_of("tls.handshake.failed"):
            fields = e.fields
            reason = fields.get("reason")
            if TLS_CERTIFICATE_REASON.search(reason or ""):
                failed.append(e)
                if fields.get("peer_ip"):
                    peer_set.add(fields["peer_ip"])
                sides.setdefault((reason, fields.get("service"), fields.get("rejected_by")), None)
        if failed:
            first = failed[0]
            peers = sorted(peer_set)
            # each distinct reason, service and side read once: who refused whose certificate, and why
            readings = list(dict.fromkeys(filter(None, (read_reason(*side) for side in sides))))
            reasons = "', '".join(list(dict.fromkeys(str(side[0]) for side in sides))[:3])
            yield self.finding(
                f"{len(failed)} TLS handshake(s) failed on a certificate check ('{reasons}'), "
                f"first at {fmt_time(first.ts)}" + (f", peers {', '.join(peers[:5])}" if peers else "")
                + (": " + ". ".join([readings[0], *(r[0].upper() + r[1:] for r in readings[1:3])]) + "."
                   if readings else "."),
                evidence_of(failed, 3), first_seen=first.ts, device=first.device)
        stalled = [h for h in failed_handshakes(case, "skinny-secure")
                   if any(e.kind == "pki.opssl.verifying" for e in h)]
        if stalled:
            first = stalled[0]
            peers = sorted({h[0].fields.get("peer_ip") for h in stalled if h[0].fields.get("peer_ip")})
            yield self.finding(
                f"{len(stalled)} secure SCCP handshake(s) reached 'Verifying 1 Certs' and never completed, "
                f"first from {', '.join(peers) or 'an unknown peer'} at {fmt_time(first[0].ts)}: "
                "CME could not validate the phone's certificate.",
                evidence_of([e for h in stalled[:2] for e in h if e.kind != "tls.handshake.pending"], 6),
                confidence=Confidence.MEDIUM, first_seen=first[0].ts, device=first[0].device)

