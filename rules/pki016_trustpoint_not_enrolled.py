from __future__ import annotations

from cmedebug.engine import Rule
from cmedebug.remediation_steps import enrollment_refresh
from cmedebug.model import Confidence, Evidence, Severity
from cmedebug.rules._certs import certificates, is_ca_cert
from cmedebug.rules._device import functional_trustpoints
from cmedebug.rules._links import CERT_FAILURE_SYMPTOMS, shares_trustpoint


class TrustpointNotEnrolled(Rule):
    """A trustpoint used by CME has a CA certificate but no router certificate.

    What it detects
        A trustpoint named by `secure-signaling trustpoint`, `tftp-server-
        credentials trustpoint`, `capf-server` `trustpoint-label`, `ctl-client`
        (`sast1`, `sast2`, `server ...`) or `credentials` that `show crypto pki
        trustpoints status` shows without a `Router General Purpose certificate
        configured:` block, or that `show crypto pki certificates` lists only on
        a `CA Certificate` (`Associated Trustpoints:`) and on no router
        certificate.

    Why it matters
        Whatever uses the trustpoint fails: the secure SCCP listener on 2443
        stays closed, configs cannot be signed, CAPF TLS fails, the CTL cannot
        be built or lacks that record.

    Evidence
        `Trustpoint cme-tls:` with `Issuing CA certificate configured:` and no
        `Router General Purpose certificate configured:`; `CA Certificate` ...
        `Associated Trustpoints: cme-tls cme-root` with no `Certificate` for
        `cme-tls`.

    False positives
        CA-only trustpoints (MIC roots, the CA's own, `cert-enroll-trustpoint`)
        need no router certificate and are not judged.

    References
        Secure CME primer F18 trustpoint-not-enrolled (samples 16, 19).
    """

    id = "PKI016"
    name = "trustpoint-not-enrolled"
    title = "Trustpoint used by CME has no router certificate"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    tags = ("pki", "trustpoint")
    requires = ("pki.trustpoint", "cert")
    explains = CERT_FAILURE_SYMPTOMS + ("CTL001", "CFG001", "CFG004", "CFG005")
    collect = ("show crypto pki trustpoints status", "show crypto pki certificates",
               "show running-config | section telephony-service|ctl-client|capf-server")
    remediation = (
        *enrollment_refresh("trustpoint"),
    )
    verify = "Verify with `show crypto pki certificates {trustpoint}` (a Certificate with Associated Trustpoints: {trustpoint})."

    def evaluate(self, case):
        uses = functional_trustpoints(case)
        missing: dict[str, tuple] = {}  # trustpoint -> (how we know, evidence item, confidence)
        for tp in list(case.facts_of("pki.trustpoint")):
            name = tp.fields.get("name")
            if name in uses and tp.fields.get("enrolled") is False and name not in missing:
                missing[name] = ("`show crypto pki trustpoints` shows no router certificate", tp, self.confidence)
        certs = certificates(case)
        for name in uses:
            if name in missing:
                continue
            anchors = [c for c in certs if is_ca_cert(c) and name in (c.fields.get("trustpoints") or [])]
            if anchors and not any(name in (c.fields.get("trustpoints") or []) for c in certs if not is_ca_cert(c)):
                missing[name] = ("`show crypto pki certificates` lists it only on the CA certificate", anchors[0],
                                 Confidence.MEDIUM)
        if not missing:
            return
        names = list(missing)
        details = "; ".join(f"{n} (used for {', '.join(uses[n])}: {missing[n][0]})" for n in names)
        message = (f"Trustpoint{'s' if len(names) > 1 else ''} {details} "
                   f"{'have' if len(names) > 1 else 'has'} no router certificate.")
        items = list({id(m[1]): m[1] for m in missing.values()}.values())
        yield self.finding(message, [Evidence.of(i) for i in items[:5]],
                           confidence=min(m[2] for m in missing.values()), trustpoints=names, device=items[0].device)

    def links(self, cause, symptom, case) -> bool:
        return super().links(cause, symptom, case) and shares_trustpoint(cause, symptom)
