from __future__ import annotations

import re

from cmedebug.engine import Rule
from cmedebug.remediation import Step, PHONE
from cmedebug.remediation_steps import lsc_in_nonsecure_mode, null_string_upgrade
from cmedebug.model import Confidence, Evidence, Severity
from cmedebug.formatting import fmt_delta, fmt_time
from cmedebug.rules._certs import (
    certificates, describe_cert, is_phone_cert, judging_time, not_its_own_time, validity_failures,
)
from cmedebug.rules._format import first_at

# OpenSSL verify result when the peer's certificate is out of date (not the alert the peer sends about ours)
_PEER_EXPIRED = re.compile(r"certificate has expired", re.IGNORECASE)


class LscExpired(Rule):
    """A phone's locally significant certificate (LSC) has expired.

    What it detects
        `%PKI-3-CERTIFICATE_INVALID_EXPIRED` printed while CME checks a phone's
        certificate in the TLS handshake (`CRYPTO_PKI_OPSSL - Verifying 1
        Certs` just before, or a secure-SCCP / CAPF handshake failure just
        after), a handshake failure whose reason is `certificate has expired`,
        and phone certificates (subject `CN=SEP<mac>`) whose end date is before
        the device's time.

    Why it matters
        LSCs issued through CAPF take the CA's certificate lifetime (365 days
        by default). When one expires CME refuses it in the mutual TLS
        handshake on 2443, the phone stops registering securely, and CAPF can
        no longer use it for LSC-mode authentication.

    Evidence
        `CRYPTO_PKI_OPSSL - Verifying 1 Certs`, then `%PKI-3-CERTIFICATE_INVALID_
        EXPIRED: ... The certificate (SN: 3C) has expired. Validity period ended
        on 10:00:00 UTC Nov 20 2026`, then `%SKINNYSECURESERVICE-3-TLS_HANDSHAKE_
        FAILED: Reason: certificate verify failed, ... remote address :
        10.10.10.21:51617`.

    False positives
        A router clock far ahead makes valid LSCs look expired: check the CLK
        findings first.

    References
        Secure CME primer F07 lsc-expired, §2.5 step 8 (CME checks the phone
        certificate), §2.6 step 4.
    """

    id = "PKI018"
    name = "lsc-expired"
    title = "Phone LSC expired"
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    tags = ("pki", "capf", "phone", "certificate", "validity")
    requires = ("pki.cert.invalid_expired", "tls.handshake.failed", "cert")
    explains = ("TLS003", "CAPF007", "CFG007")
    collect = ("debug ephone register mac-address <mac>", "debug crypto pki validation", "show logging | include PKI|TLS",
               "show capf-server sessions")
    remediation = (
        *lsc_in_nonsecure_mode(
            null_string_upgrade("CME no longer accepts the phone's expired LSC: CAPF issues a new one"),
            Step("phone", "check lsc", device=PHONE, why="wait until the phone shows `LSC: Installed` and "
                                                         "`show capf-server sessions` is empty"),
            why="let the phone register while it is re-keyed"),
    )
    verify = "Verify with `show ephone` (+ Authentication + Encryption with TLS connection) and `LSC: Installed` on the phone."

    def evaluate(self, case):
        for serial, events in validity_failures(case, "pki.cert.invalid_expired", ("phone",)).items():
            first = events[0]
            peer = self._peer_of(case, first)
            yield self.finding(
                f"The phone certificate SN {serial}{' of ' + peer if peer else ''} was refused as expired (ended "
                f"{fmt_time(first.fields.get('not_after'))}) while CME checked it in the TLS handshake, {len(events)} "
                f"time(s){first_at(first.ts)}.", [Evidence.of(e) for e in events[:3]],
                first_seen=first.ts, serial=serial, device=first.device, peer_ip=peer)
        verdicts = [e for e in case.events_of("tls.handshake.failed")
                    if _PEER_EXPIRED.search(e.fields.get("reason") or "") and "alert" not in e.fields.get("reason", "").lower()]
        if verdicts:
            first = verdicts[0]
            peers = sorted({e.fields.get("peer_ip") for e in verdicts if e.fields.get("peer_ip")})
            yield self.finding(f"TLS handshakes from {', '.join(peers) or 'phones'} failed because the peer's certificate "
                               f"has expired ({len(verdicts)} time(s){first_at(first.ts)}).",
                               [Evidence.of(e) for e in verdicts[:3]], first_seen=first.ts, device=first.device)
        for cert in certificates(case):
            ends = cert.fields.get("not_after")
            if ends is None or not is_phone_cert(cert):
                continue
            now, basis = judging_time(case, cert.device, ends)
            confidence = Confidence.LOW if not_its_own_time(basis) else Confidence.HIGH
            if ends < now:
                yield self.finding(f"The phone {describe_cert(cert)} expired on {fmt_time(ends)}, {fmt_delta(now - ends)} "
                                   f"before {fmt_time(now)} ({basis}).", [Evidence.of(cert)], confidence=confidence,
                                   serial=cert.fields.get("serial"), device=cert.device)

    @staticmethod
    def _peer_of(case, event):
        """The phone address of the handshake the verdict belongs to (nearest handshake event in the file)."""
        best, distance = None, 10
        line, path = event.first_line, event.path
        for ev in case.events_of("tls.handshake"):
            gap = abs(ev.first_line - line)
            if ev.path == path and gap < distance and ev.fields.get("peer_ip"):
                best, distance = ev.fields["peer_ip"], gap
        return best
