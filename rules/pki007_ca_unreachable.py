from __future__ import annotations

from cmedebug.engine import Rule
from cmedebug.remediation import Step
from cmedebug.remediation_steps import enrollment_refresh, trustpoint_steps
from cmedebug.model import Confidence, Evidence, Severity
from cmedebug.rules._device import pki_servers, trustpoint_configs
from cmedebug.rules._evidence import nearest_before
from cmedebug.rules._format import first_at
from cmedebug.rules._links import same_device, shares_trustpoint

# The client's own words for "nothing came back from the CA".
NO_ANSWER = ("pki.ca_cert.receive_failed", "pki.ca.authenticate_failed")


class CaUnreachable(Rule):
    """The trustpoint cannot reach its CA.

    What it detects
        `%PKI-3-SOCKETSEND: Failed to send out message to CA server.` (the SCEP
        request never left), and the client console failures that follow an
        unanswered GetCACert: `% Error in receiving Certificate Authority
        certificate: status = FAIL, cert length = 0`, `% Failed to authenticate
        the Certificate Authority`. Names the trustpoint (`CRYPTO_PKI: locked
        trustpoint <tp>`) and the enrollment URL the router used.

    Why it matters
        Without the CA the trustpoint can be neither authenticated nor
        enrolled nor renewed, so CME, TFTP, CAPF and SAST certificates cannot
        be obtained and CAPF cannot get LSCs signed.

    Evidence
        `%PKI-3-SOCKETSEND: Failed to send out message to CA server.` (high
        confidence); `% Error in receiving Certificate Authority certificate:
        status = FAIL, cert length = 0` alone (medium: the HTTP server or the
        CA itself may be down instead, see PKI004 and PKI006). When the CA runs
        on the same router, that message alone is not a reachability problem
        and is left to PKI004 / PKI006.

    False positives
        A CA router that is reachable but has no HTTP server (PKI004) or a
        disabled certificate server (PKI006) produces the same client message;
        those findings explain this one when present.

    References
        Secure CME primer F12 ca-unreachable, §3.1 symptom table; messages.md
        §1.3.
    """

    id = "PKI007"
    name = "ca-unreachable"
    title = "CA unreachable from the trustpoint"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    tags = ("pki", "scep", "network")
    requires = ("pki.ca.socket_send_failed", "net.ping.failed") + NO_ANSWER
    explains = ("PKI015", "PKI016", "PKI010")
    collect = ("debug crypto pki transactions", "debug crypto pki messages",
               "show running-config | section crypto pki trustpoint", "ping <ca-ip>")
    remediation = (
        Step("exec", "ping {ca_ip}", why="the CA answers (TCP 80 must pass every ACL on the way)"),
        *trustpoint_steps("trustpoint", "enrollment url http://{ca_ip}:80", why="the CA's address as reachable "
                                                                           "from here"),
        *enrollment_refresh("trustpoint", authenticate=True),
    )
    verify = "Verify with `Trustpoint CA certificate accepted.` and a fingerprint matching `show crypto pki server` on the CA."

    def evaluate(self, case):
        sent = list(case.events_of("pki.ca.socket_send_failed"))
        unanswered = list(case.events_of(*NO_ANSWER))
        failures = sent or unanswered
        if not failures:
            yield from self._ping_only(case)
            return
        if not sent and any(same_device(ca.device, failures[0].device) for ca in pki_servers(case)):
            return  # the CA runs on this router: a silent CA is its HTTP server or the CA itself (PKI004, PKI006)
        first = failures[0]
        configs = trustpoint_configs(case)
        trustpoints = list(dict.fromkeys(
            tp for tp in (nearest_before(case, f, "pki.trustpoint.locked", "trustpoint") for f in failures[:50]) if tp))
        if not trustpoints:
            enrolling = [name for name, f in configs.items() if f.fields.get("enrollment_url")]
            trustpoints = enrolling[:1] if len(enrolling) == 1 else []  # the only one that talks SCEP
        urls = list(dict.fromkeys(configs[tp].fields["enrollment_url"] for tp in trustpoints
                                  if tp in configs and configs[tp].fields.get("enrollment_url")))
        if not urls:
            host = nearest_before(case, first, "pki.scep.request", "host")
            urls = [f"http://{host}"] if host else []
        what = (f"the router could not send its SCEP request to the CA ({len(sent)} × %PKI-3-SOCKETSEND)" if sent
                else f"no CA certificate came back ({len(unanswered)} failed attempt(s))")
        message = (f"Trustpoint{'s' if len(trustpoints) > 1 else ''} {', '.join(trustpoints) or '?'} cannot reach "
                   f"{'their' if len(trustpoints) > 1 else 'its'} CA" + (f" at {', '.join(urls)}" if urls else "")
                   + f": {what}" + (f"{first_at(first.ts)}." if first.ts else "."))
        pings = _pings_to(case, urls)
        if pings:
            message += (f" `{pings[0].fields.get('command')}` answered Success rate is 0 percent: the CA's address "
                        "does not answer at all (routing, an ACL, or the CA router is down).")
        evidence = [Evidence.of(e) for e in (sent + unanswered)[:4]] + [Evidence.of(p) for p in pings[:1]]
        evidence += [Evidence.of(configs[tp], "enrollment URL configured") for tp in trustpoints[:2] if tp in configs]
        yield self.finding(message, evidence, confidence=self.confidence if sent else Confidence.MEDIUM,
                           first_seen=first.ts, device=first.device, trustpoints=trustpoints, urls=urls)

    def _ping_only(self, case):
        """A console transcript where `ping <CA>` failed and nothing was enrolled yet."""
        for name, tp in trustpoint_configs(case).items():
            url = tp.fields.get("enrollment_url")
            pings = _pings_to(case, [url]) if url else []
            if pings:
                yield self.finding(
                    f"Trustpoint {name} enrolls with {url}, and `{pings[0].fields.get('command')}` answered Success "
                    "rate is 0 percent: the CA does not answer (routing, an ACL, or the CA router is down; some "
                    "networks filter ICMP, so confirm with `telnet <ca-ip> 80`).",
                    [Evidence.of(pings[0]), Evidence.of(tp, "enrollment URL configured")],
                    confidence=Confidence.MEDIUM, first_seen=pings[0].ts, device=pings[0].device,
                    trustpoints=[name], urls=[url])

    def links(self, cause, symptom, case) -> bool:
        return super().links(cause, symptom, case) and shares_trustpoint(cause, symptom)


def _pings_to(case, urls) -> list:
    """Failed pings (`Success rate is 0 percent`) to the host of one of the URLs."""
    hosts = {url.split("//", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0] for url in urls if url}
    return [p for p in case.events_of("net.ping.failed") if p.fields.get("target") in hosts]
