from __future__ import annotations

from cmedebug.engine import Rule
from cmedebug.model import Confidence, Evidence, Severity
from cmedebug.rules._helpers import CERT_FAILURE_SYMPTOMS, certificates, facts, functional_trustpoints, is_ca_cert


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

    Remediation
        1. `configure terminal`
        2. `crypto pki enroll <tp>` (then grant it on the CA if it grants
           manually: `crypto pki server <CA> grant all`).
        3. `ctl-client` / `regenerate` if the trustpoint is in the CTL;
           `telephony-service` / `create cnf-files`.
        Verify with `show crypto pki certificates <tp>` (a `Certificate` with
        `Associated Trustpoints: <tp>`) and the dependent service working.

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
        "configure terminal",
        " crypto pki enroll <tp>",
        " ctl-client",
        "  regenerate",
        " telephony-service",
        "  create cnf-files",
        "end",
    )
    verify = "Verify with `show crypto pki certificates <tp>` (a Certificate with Associated Trustpoints: <tp>)."

    def evaluate(self, case):
        uses = functional_trustpoints(case)
        reported: set[str] = set()
        for tp in facts(case, "pki.trustpoint"):
            name = tp.fields.get("name")
            if name in uses and tp.fields.get("enrolled") is False and name not in reported:
                reported.add(name)
                yield self._finding(name, uses[name], "`show crypto pki trustpoints` shows no router certificate",
                                    [tp], self.confidence, tp.device)
        certs = certificates(case)
        for name, used in uses.items():
            if name in reported:
                continue
            anchors = [c for c in certs if is_ca_cert(c) and name in (c.fields.get("trustpoints") or [])]
            if anchors and not any(name in (c.fields.get("trustpoints") or []) for c in certs if not is_ca_cert(c)):
                reported.add(name)
                yield self._finding(name, used, "`show crypto pki certificates` lists it only on the CA certificate",
                                    anchors[:1], Confidence.MEDIUM, anchors[0].device)

    def _finding(self, name, used, how, items, confidence, device):
        return self.finding(
            f"Trustpoint {name} has no router certificate ({how}) although it is used for {', '.join(used)}.",
            [Evidence.of(i) for i in items], confidence=confidence, trustpoint=name, device=device,
            remediation=["configure terminal", f" crypto pki enroll {name}", " ctl-client", "  regenerate",
                         " telephony-service", "  create cnf-files", "end"])

    def links(self, cause, symptom, case) -> bool:
        return symptom.data.get("trustpoint") in (None, cause.data.get("trustpoint"))
