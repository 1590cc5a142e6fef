from __future__ import annotations

from cmedebug.engine import Rule
from cmedebug.remediation import WAIT, Step
from cmedebug.remediation_steps import PHONES_RESTART, debugs_while_it_repeats, enroll_steps, refresh_after_enroll
from cmedebug.model import Confidence, Evidence, Severity
from cmedebug.rules._device import functional_trustpoints
from cmedebug.rules._evidence import happened_before, nearest_before
from cmedebug.rules._format import first_at
from cmedebug.rules._links import same_device

REFUSED_STATES = ("denied", "rejected")


class EnrollmentRejectedByCa(Rule):
    """The CA refused the enrollment request.

    What it detects
        `%PKI-6-CERTREJECT` (the CA rejected the request, often for a wrong
        challenge password), a request in state `denied` / `rejected` in `show
        crypto pki server <CA> requests`, and `%PKI-6-CERTFAIL: Certificate
        enrollment failed.` (a failure whose cause the message does not state:
        low confidence unless another finding explains it; not reported when a
        certificate was received afterwards).

    Why it matters
        The trustpoint stays without a certificate, so the function using it
        (TLS on 2443, config signing, CAPF, SAST) cannot work; LSC issuance
        through an RA fails the same way.

    Evidence
        `%PKI-6-CERTREJECT: Certificate enrollment request was rejected by
        Certificate Authority`; `3  denied  <fingerprint>  hostname=CME1`;
        `%PKI-6-CERTFAIL: Certificate enrollment failed.`

    False positives
        A CERTFAIL caused by an unreachable CA, a missing HTTP server or an
        algorithm mismatch is explained by PKI007, PKI004 or PKI009.

    References
        Secure CME primer §2.2 enrolling a trustpoint, F11/F13 look-alikes;
        messages.md §1.3 (`%PKI-6-CERTFAIL`).
    """

    id = "PKI010"
    name = "enrollment-rejected-by-ca"
    title = "Enrollment request rejected by the CA"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    tags = ("pki", "ca", "enrollment")
    requires = ("pki.enroll.rejected", "pki.enroll.failed", "pki.server_request")
    explains = ("PKI016", "CAPF005")
    collect = ("show crypto pki server <CA> requests", "debug crypto pki transactions", "debug crypto pki server")
    remediation = (
        Step("exec", "show crypto pki server {ca} requests", why="on the CA: the request and its state"),
        Step("exec", "crypto pki server {ca} remove {request_id}", why="on the CA: drop the denied request"),
        *enroll_steps("trustpoint", why="on the client: a new request (with the challenge password the CA expects)"),
        Step("exec", "crypto pki server {ca} grant {request_id}",
             why="on the CA: grant the new request (its id is in `show crypto pki server {ca} requests`)"),
    )
    # A trustpoint CME uses: once the granted certificate is in, the CTL, the files and the phones take it
    # (and secure-signaling, applied before it had one, is applied again).
    CME_TRUSTPOINT = (
        *remediation,
        Step(WAIT, "wait until the granted certificates are installed", device=WAIT,
             why="`show crypto pki certificates {trustpoint}` lists it: the router collects a granted request when "
                 "it next polls the CA (`enrollment retry period`, 1 minute by default: inferred); a CTL "
                 "regenerated before then carries the old one"),
        *refresh_after_enroll("trustpoint"),
        *PHONES_RESTART,
    )
    # `%PKI-6-CERTFAIL` alone does not say why: the next attempt, watched, says which of the four
    # causes it is (a refusal, a challenge password, an unreachable CA, an algorithm) before anything
    # is removed or enrolled again.
    WHY_FIRST = debugs_while_it_repeats(
        Step("exec", "debug crypto pki transactions",
             why="the next enrollment's exchange: a CA refusal (CERTREJECT), no answer (PKI007), an algorithm "
                 "error (PKI009); cmedebug reads these lines"),
        Step("exec", "debug crypto pki messages", why="the status line that names the error, as in PKI009"))
    variants = (("the rejected trustpoint is one CME uses (secure-signaling, TFTP, CAPF, a SAST)", CME_TRUSTPOINT),
                ("only `%PKI-6-CERTFAIL` is in the evidence, which does not say why", WHY_FIRST))
    verify = "Verify with `%PKI-6-CERTRET: Certificate received from Certificate Authority` and `show crypto pki certificates {trustpoint}`."

    def evaluate(self, case):
        rejected = list(case.events_of("pki.enroll.rejected"))
        denied = [f for f in list(case.facts_of("pki.server_request")) if (f.fields.get("state") or "").lower() in REFUSED_STATES]
        received = list(case.events_of("pki.enroll.cert_received"))
        failed = [e for e in case.events_of("pki.enroll.failed")  # a later certificate means a retry worked
                  if not any(same_device(r.device, e.device) and happened_before(e, r) for r in received)]
        if rejected or denied:
            details = []
            trustpoint = nearest_before(case, rejected[0], "pki.trustpoint.locked", "trustpoint") if rejected else None
            if rejected:
                reason = next((e.fields["reason"] for e in rejected if e.fields.get("reason")), None)
                details.append(f"%PKI-6-CERTREJECT {len(rejected)} time(s){first_at(rejected[0].ts)}"
                               + (f" for trustpoint {trustpoint}" if trustpoint else "")
                               + (f" (reason: {reason})" if reason else ""))
            if denied:
                details.append("request(s) " + ", ".join(
                    f"{f.fields.get('id')} ({f.fields.get('state')}, {f.fields.get('subject') or 'no subject'})"
                    for f in denied[:5]) + " on the CA")
            evidence = [Evidence.of(e) for e in rejected[:3]] + [Evidence.of(f) for f in denied[:3]]
            cme_uses = trustpoint is not None and trustpoint in functional_trustpoints(case)
            yield self.finding("The CA rejected the enrollment: " + "; ".join(details) + ".", evidence,
                               first_seen=rejected[0].ts if rejected else None,
                               device=(rejected or denied)[0].device,
                               **({"trustpoint": trustpoint, "remediation": self.CME_TRUSTPOINT} if cme_uses else {}))
        elif failed:
            yield self.finding(
                f"Certificate enrollment failed {len(failed)} time(s){first_at(failed[0].ts)}; the message does "
                "not say why (CA refusal, challenge password, unreachable CA or algorithm mismatch).",
                [Evidence.of(e) for e in failed[:3]], severity=Severity.MEDIUM, confidence=Confidence.LOW,
                first_seen=failed[0].ts, device=failed[0].device, remediation=self.WHY_FIRST)
