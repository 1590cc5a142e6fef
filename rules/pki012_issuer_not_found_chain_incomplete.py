from __future__ import annotations

import re

from cmedebug.engine import Rule
from cmedebug.remediation import Step
from cmedebug.remediation_steps import trustpoint_steps
from cmedebug.model import Confidence, Evidence, Severity
from cmedebug.formatting import common_name
from cmedebug.rules._certs import certificates, describe_cert, is_ca_cert
from cmedebug.rules._format import first_at
from cmedebug.rules._links import CERT_FAILURE_SYMPTOMS, same_device

# unable to get local issuer certificate | issuer not found | E_NO_ISSUER_CERT | Unable to locate the issuer
_NO_ISSUER = re.compile(r"(?:unable to (?:get|find|locate) (?:the )?(?:local )?issuer|issuer (?:cert(?:ificate)? )?not found|"
                        r"E_NO_ISSUER|no issuer)", re.IGNORECASE)
TEXT_FIELDS = ("reason", "text", "error", "context")


class IssuerNotFoundChainIncomplete(Rule):
    """A certificate's issuer is not on the device, so its chain cannot be built.

    What it detects
        Validation or TLS messages saying the issuer could not be found
        (`unable to get local issuer certificate`, `issuer not found`), and
        router certificates in `show crypto pki certificates` whose issuer has
        no `CA Certificate` among the certificates the same device printed.

    Why it matters
        A chain that stops short fails validation: CME refuses phone LSCs whose
        CA is not on the router, phones refuse CME when its CA is missing, and
        CAPF cannot verify what the CA/RA returns.

    Evidence
        `%SKINNYSECURESERVICE-3-TLS_HANDSHAKE_FAILED: Reason: unable to get local
        issuer certificate, ...`; a `Certificate` issued by `cn=sub-ca` with no
        `CA Certificate` whose subject is `cn=sub-ca`.

    False positives
        `show crypto pki certificates <tp>` filtered to one trustpoint may omit
        CA certificates held by other trustpoints; the inference from the
        certificate list is therefore medium confidence.

    References
        Secure CME primer F36 (phone certificate untrusted by CME), F37 (MIC
        roots), §1.1 (trust anchors imported by hand).
    """

    id = "PKI012"
    name = "issuer-not-found-chain-incomplete"
    title = "Issuer not found: certificate chain incomplete"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    tags = ("pki", "certificate", "chain")
    requires = ("cert", "tls.handshake.failed", "pki.status", "pki.debug", "pki.syslog", "ssl.syslog")
    explains = CERT_FAILURE_SYMPTOMS
    collect = ("show crypto pki certificates", "show crypto pki trustpoints status", "debug crypto pki validation")
    remediation = (
        *trustpoint_steps("issuer_trustpoint", "enrollment terminal", "revocation-check none",
                    why="a trustpoint for the missing issuing CA"),
        Step("config", "crypto pki authenticate {issuer_trustpoint}", answers=("{ca_certificate_pem}", "quit", "yes"),
             why="paste the issuer's certificate, end with quit, then accept its fingerprint"),
    )
    verify = "Verify with `show crypto pki certificates` (a CA Certificate for every issuer) and TLS handshakes that complete."

    def evaluate(self, case):
        messages = [e for e in case.events_of("tls.handshake.failed", "pki.status", "pki.debug", "pki.syslog", "ssl.syslog")
                    if any(_NO_ISSUER.search(str(e.fields.get(f) or "")) for f in TEXT_FIELDS)]
        if messages:
            first = messages[0]
            yield self.finding(f"Certificate validation on {first.device or 'the router'} could not find an issuer "
                               f"{len(messages)} time(s){first_at(first.ts)}.",
                               [Evidence.of(e) for e in messages[:3]], first_seen=first.ts, device=first.device)
        certs = certificates(case)
        ca_flags = [is_ca_cert(c) for c in certs]  # (once: a router may hold thousands of certificates)
        ca_certs = [c for c, is_ca in zip(certs, ca_flags) if is_ca]
        for cert, is_ca in zip(certs, ca_flags):
            if is_ca or not cert.fields.get("issuer") or not cert.fields.get("trustpoints"):
                continue  # only the router's own certificates (a CTL also carries certificates of other CAs)
            anchors = [c for c in ca_certs if same_device(c.device, cert.device)]
            if not anchors:
                continue  # no CA certificate printed at all: the listing was probably filtered
            issuer = common_name(cert.fields["issuer"]).lower()
            if any(common_name(c.fields.get("subject")).lower() == issuer for c in anchors):
                continue
            yield self.finding(f"The {describe_cert(cert)} has no CA certificate for its issuer "
                               f"{common_name(cert.fields['issuer'])} among the certificates printed "
                               f"(CA certificates: {', '.join(sorted({common_name(c.fields.get('subject')) for c in anchors}))}).",
                               [Evidence.of(cert)] + [Evidence.of(c) for c in anchors[:2]],
                               severity=Severity.MEDIUM, confidence=Confidence.MEDIUM,
                               serial=cert.fields.get("serial"), device=cert.device)
