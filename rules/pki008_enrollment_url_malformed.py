from __future__ import annotations

import re

from cmedebug.engine import Rule
from cmedebug.remediation_steps import enrollment_refresh, trustpoint_steps
from cmedebug.model import Confidence, Evidence, Severity

# enrollment url http://10.1.1.1:80  |  http://ca.example.com/cgi-bin  |  https://[2001:db8::1]:443
_HTTP_URL = re.compile(r"^https?://(?P<host>\[[0-9A-Fa-f:]+\]|[A-Za-z0-9.\-]+)(?::(?P<port>\d{1,5}))?(?:/\S*)?$")
# 10.1.1.1 (to check the octets)
_IPV4 = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")
# enrollment url tftp://10.1.1.5/ca  |  flash:certs/  |  nvram:
_OTHER_SCHEMES = re.compile(r"^(?:tftp|ftp|scp|flash\d?|bootflash|nvram|disk\d|usbflash\d|slot\d):", re.IGNORECASE)


def url_problem(url: str) -> str | None:
    """Why an `enrollment url` cannot work, or None when its syntax is sound."""
    if _OTHER_SCHEMES.match(url):
        return None
    m = _HTTP_URL.match(url)
    if m is None:
        if not re.match(r"^https?://", url, re.IGNORECASE):
            return "it does not start with http://"
        return "it is not of the form http://<ca-address>[:<port>][/<path>]"
    host, port = m.group("host"), m.group("port")
    if _IPV4.match(host) and any(int(octet) > 255 for octet in host.split(".")):
        return f"{host} is not a valid IPv4 address"
    if re.fullmatch(r"[\d.]+", host) and not _IPV4.match(host):
        return f"{host} is not a valid IPv4 address"
    if port is not None and not 1 <= int(port) <= 65535:
        return f"port {port} is out of range"
    return None


class EnrollmentUrlMalformed(Rule):
    """A trustpoint's enrollment URL cannot work.

    What it detects
        `enrollment url` values under `crypto pki trustpoint` that IOS cannot
        use for SCEP: no `http://` scheme, an impossible address
        (`http://10.1.1.300:80`), a port out of range, stray characters. Also
        the URL the router actually sent (`CRYPTO_PKI: Sending CA Certificate
        Request:` / `GET ... HTTP/1.0`, `Host:`) when it is malformed.

    Why it matters
        The router builds its SCEP requests from this URL; a malformed one
        makes `crypto pki authenticate` and `enroll` fail before anything
        reaches the CA, so the trustpoint never gets its CA or router
        certificate.

    Evidence
        `crypto pki trustpoint cme-tls` / ` enrollment url http//10.1.1.1:80`
        (missing colon) in the running-config.

    False positives
        File-based enrollment (`enrollment url tftp://...`, `flash:`) and
        `enrollment terminal` are valid and not reported. A well-formed URL
        pointing at the wrong address is PKI007.

    References
        Secure CME primer F12 (wrong `enrollment url`), §1.4 skeleton
        (`enrollment url http://<ca-ip>:80`); IOS PKI configuration guide.
    """

    id = "PKI008"
    name = "enrollment-url-malformed"
    title = "Enrollment URL malformed"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    tags = ("pki", "scep", "config")
    requires = ("config.trustpoint", "pki.scep.request")
    explains = ("PKI007", "PKI015", "PKI016", "PKI010")
    collect = ("show running-config | section crypto pki trustpoint", "debug crypto pki transactions")
    remediation = (
        *trustpoint_steps("trustpoint", "enrollment url http://{ca_ip}:80",
                    why="a plain http URL to the CA, port 80 unless the CA's HTTP server listens elsewhere"),
        *enrollment_refresh("trustpoint", authenticate=True),
    )
    verify = "Verify with `show running-config | section crypto pki trustpoint {trustpoint}` and `Trustpoint CA certificate accepted.`"

    def evaluate(self, case):
        failures = list(case.events_of("pki.ca.socket_send_failed", "pki.ca_cert.receive_failed",
                                       "pki.ca.authenticate_failed", "pki.enroll.failed"))
        for tp in list(case.facts_of("config.trustpoint")):
            url = tp.fields.get("enrollment_url")
            problem = url_problem(url) if url else None
            if problem is None:
                continue
            name = tp.fields.get("name") or "?"
            message = f"Trustpoint {name} has `enrollment url {url}`: {problem}, so SCEP requests to the CA cannot be built."
            yield self.finding(message, [Evidence.of(tp)] + [Evidence.of(e) for e in failures[:2]],
                               severity=self.severity if failures else Severity.MEDIUM,
                               trustpoint=name, url=url, device=tp.device)
        for ev in case.events_of("pki.scep.request"):
            url = ev.fields.get("url")
            if url and url.lower().startswith("http") and url_problem(url):
                yield self.finding(f"The router sent a SCEP request to a malformed URL {url}: {url_problem(url)}.",
                                   [Evidence.of(ev)], first_seen=ev.ts, url=url, device=ev.device)
                return
