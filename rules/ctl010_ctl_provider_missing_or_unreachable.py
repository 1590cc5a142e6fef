from __future__ import annotations

from cmedebug.engine import Rule
from cmedebug.remediation import Step
from cmedebug.remediation_steps import PHONES_RESTART
from cmedebug.model import Confidence, Severity
from cmedebug.formatting import fmt_time
from cmedebug.rules._format import evidence_of
from cmedebug.rules._trust import failed_handshakes, TLS_CERTIFICATE_REASON, TLS_VERSION_OR_CIPHER


class CtlProviderMissingOrUnreachable(Rule):
    """The CTL client cannot get the credentials of another CME (CTL provider).

    What it detects
        TLS sessions of the credentials service (TCP 2444 on CME, 2445 on
        Secure SRST) that start and never complete: a `Credentials service:
        Start TLS Handshake ...` followed by an error code or by a new attempt
        without `TLS Handshake completes`, or a
        `%EPHONE_CRED-2-CTL_TLS_HANDSHAKE_FAILED` whose reason is neither a TLS
        version or cipher mismatch (TLS002) nor a certificate problem (TLS003).

    Why it matters
        Without the other router's credentials the CTL lacks that CME: phones
        register securely on one CME only and fail over non-secure or not at all.

    Evidence
        `Credentials service: Start TLS Handshake 1 10.5.43.174 4374`,
        `Credentials service: TLS Handshake returns OPSSLReadWouldBlockErr`...,
        then an error or a new start, no `TLS Handshake completes`.

    False positives
        A capture that stops during a handshake: the last attempt is not counted.

    References
        Secure CME primer F42 ctl-provider-missing-or-unreachable; CME Command
        Reference `debug credentials`, `show credentials`.
    """

    id = "CTL010"
    name = "ctl-provider-missing-or-unreachable"
    title = "CTL provider (credentials service) unreachable"
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    tags = ("ctl", "tls", "multi-cme")
    requires = ("tls.handshake",)
    collect = ("debug credentials", "show credentials", "show ctl-client")
    remediation = (
        Step("config", "credentials", device="other CME",
             why="on the router whose CTL provider this CTL client asks"),
        Step("config-credentials", "ip source-address {ip} port 2444", device="other CME"),
        Step("config-credentials", "trustpoint {trustpoint}", device="other CME"),
        Step("config-credentials", "ctl-service admin {user} secret 0 {password}", device="other CME"),
        Step("config", "ctl-client", why="on the CTL client"),
        Step("config-ctl-client", "server cme {ip} username {user} password 0 {password}"),
        Step("config-ctl-client", "regenerate"),
        *PHONES_RESTART,
    )
    verify = "Verify with `debug credentials` (TLS Handshake completes) and `show ctl-client` (both CMEs listed)."

    def evaluate(self, case):
        failed = [e for e in case.events_of("tls.handshake.failed") if e.fields.get("service") == "credentials"
                  and not TLS_VERSION_OR_CIPHER.search(e.fields.get("reason") or "")
                  and not TLS_CERTIFICATE_REASON.search(e.fields.get("reason") or "")]
        if failed:
            first = failed[0]
            yield self.finding(f"The credentials service handshake with {first.fields.get('peer_ip')} failed at "
                               f"{fmt_time(first.ts)}: {first.fields.get('reason')}.", evidence_of(failed, 3),
                               confidence=Confidence.HIGH, first_seen=first.ts)
        stalled = failed_handshakes(case, "credentials")
        if stalled:
            start = stalled[0][0]
            yield self.finding(
                f"{len(stalled)} credentials-service TLS handshake(s) never completed, first with "
                f"{start.fields.get('peer_ip')}:{start.fields.get('peer_port')} at {fmt_time(start.ts)}.",
                evidence_of([e for h in stalled[:2] for e in (h[0], h[-1])], 4), first_seen=start.ts)

