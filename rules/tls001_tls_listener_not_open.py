from __future__ import annotations

from cmedebug.engine import Rule
from cmedebug.remediation import Step, fill
from cmedebug.model import Confidence, Severity
from cmedebug.rules._device import secure_mode_intended, telephony_trustpoint, trustpoint_certificates
from cmedebug.rules._format import evidence_of


CTL_CLIENT_KINDS = ("config.ctl_client", "ctl_client.summary")


class TlsListenerNotOpen(Rule):
    """CME is not listening for SCCP over TLS on port 2443.

    What it detects
        `show ephone socket` printing `skinny_secure_tcp_listen_socket fd = -1`:
        the secure SCCP listener is not open, while the plain listener
        (`skinny_tcp_listen_socket fd = 0`) may well be.

    Why it matters
        Phones in authenticated or encrypted mode open TLS to CME on TCP 2443.
        With no listener their connections are refused, so they never register
        securely (they loop, or fall back to non-secure with a stale config).

    Evidence
        `skinny_secure_tcp_listen_socket fd = -1` (and its `(ipv6)` twin) in
        `show ephone socket`. The finding is high when the configuration or the
        logs show that secure phones are expected (a secure
        `device-security-mode`, TLS attempts); otherwise low, since a
        non-secure CME has no reason to listen on 2443.

    False positives
        A CME deliberately run without phone security: nothing needs 2443 (the
        finding is then low).

    References
        Secure CME primer F34 tls-listener-not-open and F19; CME Command
        Reference `show ephone socket`.
    """

    id = "TLS001"
    name = "tls-listener-not-open"
    title = "Secure SCCP (TLS 2443) listener not open"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    tags = ("tls", "sccp")
    requires = ("ephone.socket",)
    collect = ("show ephone socket", "show telephony-service security-info", "show crypto pki trustpoints status")
    UNSET = Step("config-telephony", "no secure-signaling trustpoint {trustpoint}")
    remediation = (
        Step("config", "telephony-service"),
        UNSET,
        Step("config-telephony", "secure-signaling trustpoint {trustpoint}",
             why="applied again once the trustpoint holds a certificate, CME opens TLS on 2443"),
    )
    # No secure phone expected: nothing to change; what to read if secure phones are planned.
    NOT_NEEDED = (
        Step("exec", "show telephony-service security-info",
             why="only if secure phones are planned: the trustpoint CME would listen with, which must hold a "
                 "certificate before secure-signaling names it; a non-secure CME needs no listener on 2443"),
    )
    variants = (("no secure phone is expected (a non-secure CME)", NOT_NEEDED),)
    verify = "Verify with `show ephone socket` (skinny_secure_tcp_listen_socket fd >= 0)."

    def evaluate(self, case):
        expected = secure_mode_intended(case) or case.has("ephone.secure") or \
            any(e.fields.get("service") == "skinny-secure" for e in case.events_of("tls.handshake"))
        trustpoint, source = telephony_trustpoint(case, "secure_signaling_trustpoint")
        # (a name read only from the CTL client's `server cme` line: telephony-service sets none)
        only_in_ctl = trustpoint is not None and source is not None and source.kind in CTL_CLIENT_KINDS
        certificates = trustpoint_certificates(case) if trustpoint else {}
        for sock in list(case.facts_of("ephone.socket")):
            if sock.fields.get("secure_listen_fd") != -1:
                continue
            message = "CME is not listening for SCCP over TLS: skinny_secure_tcp_listen_socket fd = -1"
            if sock.fields.get("listen_fd") not in (None, -1):
                message += f" while the plain SCCP listener is open (fd = {sock.fields['listen_fd']})"
            message += "."
            cert = certificates.get(trustpoint)
            if only_in_ctl:
                message += (f" telephony-service sets no secure-signaling trustpoint (the CTL client names {trustpoint} "
                            "for CME): CME has no certificate to listen with.")
            elif cert is not None:
                message += (f" secure-signaling trustpoint {trustpoint} holds certificate SN {cert.fields.get('serial')} "
                            "now: re-apply the setting (it was likely applied before the trustpoint was enrolled).")
            elif trustpoint:
                message += f" secure-signaling trustpoint {trustpoint} is configured: check that it holds a certificate and key."
            # (a setting telephony-service does not hold is set, not removed first)
            fix = fill([s for s in self.remediation if not (only_in_ctl and s is self.UNSET)], {"trustpoint": trustpoint})
            if expected:
                message += " Phones are expected to register securely, so they are refused on TCP 2443."
                yield self.finding(message, evidence_of([sock]), device=sock.device, remediation=fix)
            else:
                message += " No secure phone is configured, which is fine for a non-secure CME."
                yield self.finding(message, evidence_of([sock]), severity=Severity.LOW,
                                   confidence=Confidence.MEDIUM, device=sock.device, remediation=self.NOT_NEEDED)
