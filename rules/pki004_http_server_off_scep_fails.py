from __future__ import annotations

from cmedebug.engine import Rule
from cmedebug.remediation import Step
from cmedebug.remediation_steps import enrollment_refresh
from cmedebug.model import Confidence, Evidence, Severity
from cmedebug.rules._links import ENROLLMENT_SYMPTOMS, same_device

# What a SCEP client prints when nothing answered its HTTP request.
SCEP_FAILURES = ("pki.ca_cert.receive_failed", "pki.ca.authenticate_failed", "pki.enroll.failed",
                 "pki.ca.socket_send_failed")


class HttpServerOffScepFails(Rule):
    """The IOS HTTP server is off on the router that hosts the CA, so SCEP enrollment fails.

    What it detects
        A router running `crypto pki server` whose full running-config has no
        `ip http server` (or `show ip http server status` says `HTTP server
        status: Disabled`), with the SCEP failures that follow on the clients:
        `% Error in receiving Certificate Authority certificate: status = FAIL,
        cert length = 0`, `% Failed to authenticate the Certificate Authority`,
        `%PKI-6-CERTFAIL`.

    Why it matters
        SCEP (GetCACert, PKIOperation, GetCRL) runs over the router's HTTP
        server on TCP 80. Without it `crypto pki authenticate` and `enroll`
        fail although the CA router answers ping, CAPF cannot get LSCs signed,
        and clients with `revocation-check crl` cannot fetch the CRL.

    Evidence
        The CA router's configuration holds `crypto pki server cme-ca` and `no
        ip http server` (or lacks `ip http server`); client console `% Error in
        receiving Certificate Authority certificate: status = FAIL, cert length
        = 0`. Confidence is high when the failure is in the evidence or `show ip
        http server status` says disabled, medium when inferred from a config
        alone.

    False positives
        None for a CA behind an RA: the RA forwards the requests to the CA over
        SCEP, so the CA needs its HTTP server too (and the RA its own). A
        configuration pasted with `| section` proves nothing by absence and is
        not used.

    References
        Secure CME primer F10 http-server-off, §1.2 ports (TCP 80), §1.3 step 3;
        seed article (HTTP server listed as a requirement).
    """

    id = "PKI004"
    name = "http-server-off-scep-fails"
    title = "HTTP server off on the CA router: SCEP enrollment fails"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    tags = ("pki", "ca", "scep", "http")
    requires = ("config.global", "http.server_status")
    explains = ENROLLMENT_SYMPTOMS + ("PKI011",)
    collect = ("show running-config", "show ip http server status", "show crypto pki server")
    remediation = (
        Step("config", "ip http server", why="on the CA router: SCEP runs over its HTTP server (also when an RA "
                                             "sits in front of it, the RA forwards to the CA over HTTP); harden it "
                                             "with `ip http access-class <acl>` permitting the enrolling routers"),
        # only the trustpoints whose enrollment failed: those that hold a certificate keep it
        *enrollment_refresh("uncertified_trustpoint", authenticate="on each client: fetch the CA certificate again"),
    )
    verify = "Verify with `show ip http server status` (HTTP server status: Enabled) and `Trustpoint CA certificate accepted.` on the client."

    def evaluate(self, case):
        failures = list(case.events_of(*SCEP_FAILURES))  # the clients may be other routers: any SCEP failure counts
        reported: set = set()
        for off, ca in self._ca_routers_without_http(case):
            device = off.device or off.fields.get("hostname")
            if device in reported:
                continue
            reported.add(device)
            ca_name = ca.fields.get("name") or "?"
            what = ("`show ip http server status` says the HTTP server is disabled" if off.kind == "http.server_status"
                    else "its running-config has no `ip http server`")
            message = f"Router {device or '?'} runs certificate server {ca_name} but {what}, so SCEP on TCP 80 cannot answer."
            severity, confidence = self.severity, self.confidence
            if failures:
                message += f" Clients failed to reach the CA {len(failures)} time(s)."
            else:
                severity = Severity.MEDIUM
                confidence = Confidence.HIGH if off.kind == "http.server_status" else Confidence.MEDIUM
                message += " Enrollment and CRL retrieval against this CA will fail."
            evidence = [Evidence.of(off), Evidence.of(ca)] + [Evidence.of(e) for e in failures[:3]]
            yield self.finding(message, evidence, severity=severity, confidence=confidence,
                               first_seen=failures[0].ts if failures else None, device=device, ca=ca_name)

    @staticmethod
    def _ca_routers_without_http(case):
        """(fact proving HTTP is off, the CA fact) per router that hosts a CA."""
        cas = list(case.facts_of("config.pki_server")) + list(case.facts_of("pki.server"))
        partial = {f.source.path for f in list(case.facts_of("config.present")) if f.fields.get("partial")}
        for glob in list(case.facts_of("config.global")):
            explicit = "http_server" in (glob.fields.get("explicit") or ())  # `no ip http server` printed
            if glob.fields.get("http_server") is not False or (glob.source.path in partial and not explicit):
                continue
            ca = next((c for c in cas if c.source.path == glob.source.path), None) or \
                next((c for c in cas if c.device and c.device == (glob.device or glob.fields.get("hostname"))), None)
            if ca is not None:
                yield glob, ca
        for status in list(case.facts_of("http.server_status")):
            if status.fields.get("enabled") is not False:
                continue
            ca = next((c for c in cas if same_device(c.device, status.device)), None)
            if ca is not None:
                yield status, ca
