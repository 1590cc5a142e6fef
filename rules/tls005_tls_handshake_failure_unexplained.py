from __future__ import annotations

from cmedebug.engine import Rule
from cmedebug.remediation import Step
from cmedebug.remediation_steps import debugs_while_it_repeats
from cmedebug.model import Confidence, Severity
from cmedebug.formatting import fmt_time
from cmedebug.rules._format import evidence_of
from cmedebug.rules._trust import failed_handshakes, TLS_CERTIFICATE_REASON, TLS_VERSION_OR_CIPHER


class TlsHandshakeFailureUnexplained(Rule):
    """TLS handshakes fail for a reason the message does not name.

    What it detects
        Handshake failures that no more specific rule accounts for: a
        `TLS_HANDSHAKE_FAILED` syslog whose reason is neither a version or
        cipher mismatch (TLS002) nor a certificate problem (TLS003), and, in
        `debug ephone register`, secure SCCP handshakes that end in an error
        code (`TLS Handshake retcode <error>`) or are started again by the same
        phone before `CRYPTO_PKI_OPSSL - Verifying 1 Certs` was reached, when no
        failure syslog for that phone states the reason.
        Credentials-service failures are CTL010's.

    Why it matters
        Every such failure is a phone (or peer) that did not get a secure
        session; reporting it keeps it from being lost even when the reason is
        vague (a reset, a timeout, a peer that closed the connection).

    Evidence
        `%SKINNYSECURESERVICE-3-TLS_HANDSHAKE_FAILED:  Reason: connection reset
        by peer, SocketID: 0, local address : 10.1.1.1:2443 and  remote address :
        10.1.1.21:51062`; `Start TLS Handshake 0 10.1.1.21 51062`,
        `TLS Handshake retcode OPSSLReadWouldBlockErr`, then a new
        `Start TLS Handshake 1 10.1.1.21 51070`.

    False positives
        A phone reset in the middle of a handshake; look for repeats.

    References
        Secure CME primer §3.1 (TLS 2443 handshake failures), F35, F36; CME Command
        Reference `debug ephone register`.
    """

    id = "TLS005"
    name = "tls-handshake-failure-unexplained"
    title = "TLS handshake fails without a stated reason"
    severity = Severity.MEDIUM
    confidence = Confidence.LOW
    tags = ("tls",)
    requires = ("tls.handshake",)
    collect = ("debug ssl openssl errors", "debug ssl openssl states", "debug ephone register",
               "debug ip tcp transactions")
    remediation = debugs_while_it_repeats(
        Step("exec", "debug ssl openssl errors", why="collect the reason the handshake fails"),
        Step("exec", "debug ssl openssl states"),
        Step("exec", "debug ephone register"),
    )
    verify = "Verify with `debug ephone register` (TLS Handshake completes) and `show ephone` (+ Authentication)."

    def evaluate(self, case):
        vague = [e for e in case.events_of("tls.handshake.failed") if e.fields.get("service") != "credentials"
                 and not TLS_VERSION_OR_CIPHER.search(e.fields.get("reason") or "")
                 and not TLS_CERTIFICATE_REASON.search(e.fields.get("reason") or "")]
        if vague:
            first = vague[0]
            reasons = sorted({str(e.fields.get("reason")) for e in vague})
            yield self.finding(
                f"{len(vague)} TLS handshake(s) of the {first.fields.get('service') or 'TLS'} service failed "
                f"('{', '.join(reasons[:3])}'), first from {first.fields.get('peer_ip') or 'an unknown peer'} at "
                f"{fmt_time(first.ts)}: the reason names no version, cipher or certificate problem.",
                evidence_of(vague, 3), first_seen=first.ts, device=first.device, service=first.fields.get("service"))
        stated = {e.fields.get("peer_ip") for e in case.events_of("tls.handshake.failed")}  # syslog gives the reason
        early = [h for h in failed_handshakes(case, "skinny-secure")
                 if not any(e.kind == "pki.opssl.verifying" for e in h) and h[0].fields.get("peer_ip") not in stated]
        if early:
            start = early[0][0]
            yield self.finding(
                f"{len(early)} secure SCCP handshake(s) failed before any certificate was checked, first from "
                f"{start.fields.get('peer_ip')}:{start.fields.get('peer_port')} at {fmt_time(start.ts)}.",
                evidence_of([e for h in early[:2] for e in (h[0], h[-1])], 4), first_seen=start.ts,
                device=start.device, service="skinny-secure")
