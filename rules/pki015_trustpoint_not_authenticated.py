from __future__ import annotations

from cmedebug.engine import Rule
from cmedebug.remediation_steps import enroll_steps, enrollment_refresh
from cmedebug.model import Confidence, Evidence, Severity
from cmedebug.rules._device import functional_trustpoints
from cmedebug.rules._evidence import nearest_before
from cmedebug.rules._format import first_at
from cmedebug.rules._links import CERT_FAILURE_SYMPTOMS, shares_trustpoint


class TrustpointNotAuthenticated(Rule):
    """A trustpoint has no CA certificate (never authenticated).

    What it detects
        `show crypto pki trustpoints status` printing `Issuing CA authenticated
        ....... No`, and the console refusing an enrollment because the CA was
        never authenticated (`% You must authenticate the Certificate Authority
        before you can enroll with it.`). Trustpoints used by a Secure CME
        function are high severity; others medium.

    Why it matters
        Without the CA certificate the trustpoint cannot enroll and no chain
        can be built through it: the function it serves (TLS on 2443, config
        signing, CAPF, SAST, a MIC root for CAPF) does not work.

    Evidence
        `Trustpoint cme-tls:` ... `Issuing CA authenticated ....... No`.

    False positives
        A trustpoint created and not yet used is harmless until something
        refers to it.

    References
        Secure CME primer F17 trustpoint-not-authenticated (GENIELIB messages,
        sample 16 fields).
    """

    id = "PKI015"
    name = "trustpoint-not-authenticated"
    title = "Trustpoint not authenticated (no CA certificate)"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    tags = ("pki", "trustpoint")
    requires = ("pki.trustpoint", "pki.ca.not_authenticated")
    explains = CERT_FAILURE_SYMPTOMS + ("PKI016", "PKI019")
    collect = ("show crypto pki trustpoints status", "show running-config | section crypto pki")
    remediation = (
        *enroll_steps("trustpoint", authenticate=True),
    )
    # a trustpoint CME uses: its first certificate reaches the CTL, the files and the phones (and
    # secure-signaling, applied before it had one, is applied again)
    CME_TRUSTPOINTS = enrollment_refresh("trustpoint", authenticate=True)
    variants = (("the trustpoint is one CME uses (secure-signaling, TFTP, CAPF, a SAST)", CME_TRUSTPOINTS),)
    verify = "Verify with `show crypto pki trustpoints {trustpoint} status` (Issuing CA authenticated ....... Yes)."

    def evaluate(self, case):
        uses = functional_trustpoints(case)
        refusals = list(case.events_of("pki.ca.not_authenticated"))
        if refusals:
            first = refusals[0]
            name = first.fields.get("trustpoint") or nearest_before(case, first, "pki.trustpoint.locked", "trustpoint")
            yield self.finding(
                f"IOS refused to enroll{' trustpoint ' + name if name else ''} because its CA was never authenticated "
                f"({len(refusals)} time(s){first_at(first.ts)}).", [Evidence.of(e) for e in refusals[:3]],
                first_seen=first.ts, trustpoints=[name] if name else [], device=first.device,
                remediation=self.CME_TRUSTPOINTS if name in uses else None)
        missing = [tp for tp in list(case.facts_of("pki.trustpoint")) if tp.fields.get("ca_authenticated") is False]
        used = [tp for tp in missing if tp.fields.get("name") in uses]
        spare = [tp for tp in missing if tp.fields.get("name") not in uses]
        for group, severity in ((used, self.severity), (spare, Severity.MEDIUM)):
            if not group:
                continue
            names = [tp.fields.get("name") or "?" for tp in group]
            described = [f"{n} (used for {', '.join(uses[n])})" if n in uses else n for n in names]
            message = (f"Trustpoint{'s' if len(names) > 1 else ''} {'; '.join(described)} "
                       f"{'have' if len(names) > 1 else 'has'} no CA certificate (`Issuing CA authenticated ....... No`).")
            yield self.finding(message, [Evidence.of(tp) for tp in group[:5]], severity=severity,
                               trustpoints=names, device=group[0].device,
                               remediation=self.CME_TRUSTPOINTS if group is used else None)

    def links(self, cause, symptom, case) -> bool:
        return super().links(cause, symptom, case) and shares_trustpoint(cause, symptom)
