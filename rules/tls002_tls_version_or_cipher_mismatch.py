from __future__ import annotations

from cmedebug.engine import Rule
from cmedebug.remediation import Step
from cmedebug.model import Confidence, Severity
from cmedebug.formatting import fmt_time
from cmedebug.rules._format import evidence_of
from cmedebug.rules._trust import TLS_VERSION_OR_CIPHER

# The router's own HTTPS client (%HTTPC-6-TLS_HANDSHAKE_FAILED), not the phones' side.
# Which suites the server accepts is not in the evidence: a list of our choosing could offer less
# than the router's defaults (legacy RSA-CBC suites to a server that takes only ECDHE).
HTTP_CLIENT_REMEDIATION = (
    Step("exec", "show running-config | include ip http client",
         why="a `secure-ciphersuite` line there narrows what the router offers; without one it offers IOS's defaults"),
    Step("config", "ip http client secure-ciphersuite {ciphers}",
         why="offer suites the HTTPS server accepts; the list replaces the router's own, so keep those its other "
             "HTTPS servers need"),
)
HTTP_CLIENT_VERIFY = ("Verify with `show logging | include HTTPC-6-TLS_HANDSHAKE_FAILED` (no new line for that server "
                      "after the router's next connection to it).")
PORTS = {"skinny-secure": 2443, "credentials": 2444, "capf": 3804}


class TlsVersionOrCipherMismatch(Rule):
    """TLS handshakes fail because the two ends share no TLS version or cipher.

    What it detects
        TLS handshake failure syslogs whose reason is a protocol or cipher
        mismatch: `unsupported protocol`, `sslv3 alert handshake failure`,
        `no shared cipher`, on the secure SCCP port (2443), the credentials
        service (2444/2445), CAPF (3804) or the IOS HTTPS client.

    Why it matters
        SCCP phones and VG2xx gateways speak only TLS 1.0. IOS XE 16.9.1 and
        later leave TLS 1.0 out of the default set, and 26.1.1 drops TLS 1.0/1.1
        and some ciphers, so phones that worked before an upgrade stop
        registering securely.

    Evidence
        `%SKINNYSECURESERVICE-3-TLS_HANDSHAKE_FAILED:  Reason: unsupported
        protocol, SocketID: 0, local address : 10.1.20.11:2443 and  remote
        address : 10.1.20.179:12239`; `%EPHONE_CRED-2-CTL_TLS_HANDSHAKE_FAILED:
        Reason: unsupported protocol, ...:2445`; `%HTTPC-6-TLS_HANDSHAKE_FAILED:
        Reason: sslv3 alert handshake failure, ...:8443`.

    False positives
        A scanner or an unsupported device probing the port causes the same
        syslog: check that the remote address is one of your phones.

    References
        Secure CME primer F35 tls-version-or-cipher-mismatch; Cisco Unified SRST
        guide, "Syslog Messages" (SRST 14.4+).
    """

    id = "TLS002"
    name = "tls-version-or-cipher-mismatch"
    title = "TLS handshake fails: no shared TLS version or cipher"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    tags = ("tls",)
    requires = ("tls.handshake.failed",)
    collect = ("show logging | include TLS_HANDSHAKE_FAILED", "show version", "debug ssl openssl errors")
    remediation = (
        Step("exec", "show version",
             why="Secure CME runs on ISR G2 with IOS 15.x, which accepts TLS 1.0 to 1.2; on IOS XE (ISR 4000, "
                 "Catalyst 8000) Secure CME is not supported (PLAT003): move the secure phones to an ISR G2 CME, "
                 "or register them to CUCM with Secure SRST on this router. Do not downgrade TLS "
                 "(`transport-tcp-tls` is a Secure SRST command, not for CME)"),
        Step("config", "telephony-service",
             why="a phone that offers an older protocol (SSL 3.0) runs an old load: give it a current one (copy "
                 "the load's files to flash and serve each with `tftp-server flash:<file>` first)"),
        Step("config-telephony", "load {phone_type} {phone_load}", why="the load the phones of that type run"),
        Step("config-telephony", "create cnf-files", why="their configuration files name the new load"),
        Step("config-telephony", "reset all",
             warning="every phone restarts (and upgrades) and drops its calls: do it in a quiet hour"),
    )
    # IOS XE, or a release the evidence does not show: SCCP phones speak TLS 1.0 whatever their load (primer
    # F35), so no load upgrade and restart of them all
    NO_LOAD_UPGRADE = remediation[:1]
    variants = (("the router is not shown to run classic IOS 15.x (IOS XE, or no `show version`)", NO_LOAD_UPGRADE),
                ("the failing side is the router's own HTTPS client (`%HTTPC-6-TLS_HANDSHAKE_FAILED`)",
                 HTTP_CLIENT_REMEDIATION))
    verify = "Verify with `show logging | include TLS_HANDSHAKE_FAILED` (no new lines) and `show ephone` (+ Authentication)."

    def evaluate(self, case):
        groups: dict[tuple, list] = {}
        for ev in case.events_of("tls.handshake.failed"):
            reason = ev.fields.get("reason") or ""
            if TLS_VERSION_OR_CIPHER.search(reason):
                key = (ev.fields.get("service"), ev.fields.get("local_port"), reason.lower())
                groups.setdefault(key, []).append(ev)
        for (service, port, reason), events in groups.items():
            first = events[0]
            port = port or PORTS.get(service or "")
            peers = sorted({_address(e.fields["peer_ip"], e.fields.get("peer_port")) for e in events
                            if e.fields.get("peer_ip")})
            kind = "cipher" if "cipher" in reason or "handshake failure" in reason else "TLS version"
            message = (f"{len(events)} TLS handshake(s) of the {service or 'TLS'} service"
                       f"{f' on port {port}' if port else ''} failed with '{first.fields.get('reason')}' "
                       f"(no shared {kind}), first at {fmt_time(first.ts)}")
            message += f", peers {', '.join(peers[:5])}." if peers else "."
            # the router's own HTTPS client (sip-oauth, SCEP over https) is tuned with its own ciphers
            client = service == "http-client"
            # A phone's load is the cause only where the router accepts TLS 1.0 to 1.2 (classic IOS 15.x):
            # then the phone offered less.
            if client:
                steps = HTTP_CLIENT_REMEDIATION
            else:
                steps = None if _classic_ios(case) else self.NO_LOAD_UPGRADE  # (None: every step)
            yield self.finding(message, evidence_of(events, 3), first_seen=first.ts, device=first.device,
                               service=service, reason=first.fields.get("reason"),
                               severity=Severity.MEDIUM if client else None, remediation=steps,
                               verify=HTTP_CLIENT_VERIFY if client else None)


def _address(ip: str, port) -> str:
    """10.1.1.21:51062, or [2001:10:5:10::50]:8443 for IPv6 as IOS prints it; the address alone
    when the line gives no port (%SSL-, %DTLS-)."""
    if port is None:
        return ip
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def _classic_ios(case) -> bool:
    """`show version` shows a classic IOS 15.x release (ISR G2), which accepts TLS 1.0 to 1.2."""
    return any(str(f.fields.get("version") or "").startswith("15.") for f in case.facts_of("platform.version"))
