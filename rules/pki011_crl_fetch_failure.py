from __future__ import annotations

import re

from cmedebug.engine import Rule
from cmedebug.remediation import Step
from cmedebug.remediation_steps import trustpoint_steps
from cmedebug.model import Confidence, Evidence, Severity
from cmedebug.rules._device import pki_servers, trustpoint_configs
from cmedebug.rules._evidence import full_config_given
from cmedebug.rules._format import first_at
from cmedebug.rules._links import CERT_FAILURE_SYMPTOMS
from cmedebug.rules._trust import database_unreadable

# tls.handshake.failed / ssl reasons that mean revocation could not be checked
_REVOCATION = re.compile(r"\bcrl\b|revocation", re.IGNORECASE)


class CrlFetchFailure(Rule):
    """A trustpoint checks revocation by CRL and cannot fetch a current CRL.

    What it detects
        `%PKI-3-CRL_FETCH_FAIL: CRL fetch for trustpoint <tp> failed` with its
        `Reason :` line, and TLS handshake failures whose reason is a CRL or
        revocation check. Quotes the trustpoint's `revocation-check` setting
        when the configuration is given (`crl` is the IOS default). In a full
        configuration, also terminal-enrolled trustpoints (MIC roots, Unity
        root) left on CRL checking, a failure waiting to happen (medium).

    Why it matters
        With `revocation-check crl` a certificate is accepted only with a
        current CRL. When the CA's HTTP server is down, the CDP URL is wrong or
        a terminal-enrolled trustpoint (MIC root, Unity root) has no URL at all,
        validation of phone certificates fails: TLS on 2443 and CAPF fail,
        often a week after the CA went down (CRL lifetime 168 h).

    Evidence
        `%PKI-3-CRL_FETCH_FAIL: CRL fetch for trustpoint CAPF-MIC failed` /
        `Reason : Enrollment URL not configured.`; ` revocation-check crl` under
        that trustpoint.

    False positives
        A one-off fetch failure during a CA reload, followed by successful
        handshakes, is harmless; the finding still names it so the trustpoint
        setting can be checked.

    References
        Secure CME primer F14 crl-fetch-failure (CRLFAIL shape, IOSCS 168 h
        CRL); CME Security guide (`revocation-check` options).
    """

    id = "PKI011"
    name = "crl-fetch-failure"
    title = "CRL cannot be fetched: certificate validation fails"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    tags = ("pki", "crl")
    requires = ("pki.crl.fetch_failed", "tls.handshake.failed", "config.trustpoint")
    explains = CERT_FAILURE_SYMPTOMS + ("PKI027",)  # the CRL the router holds stays expired
    collect = ("show logging | include CRL", "show crypto pki crls",
               "show running-config | section crypto pki trustpoint", "debug crypto pki validation")
    # Left out of a finding's fix where the CA's router shows `ip http server`, and where the failure
    # says the trustpoint has no enrollment URL and its configuration (if given) shows none: a
    # request now would fail the same way.
    HTTP_SERVER = Step("config", "ip http server",
                       why="on the router that runs the CA: an IOS CA publishes its CRL at "
                           "http://{ca_ip}/cgi-bin/pkiclient.exe?operation=GetCRL through its HTTP server. A "
                           "`cdp-url` under `crypto pki server` applies only to certificates issued after it is set")
    CRL_REQUEST = Step("config", "crypto pki crl request {trustpoint}", why="on the router that failed: fetch the CRL now")
    remediation = (
        HTTP_SERVER,
        CRL_REQUEST,
        *trustpoint_steps("trustpoint", "revocation-check crl none",
                          why="accept certificates while no CRL can be fetched; the check still runs whenever "
                              "one can"),
    )
    # A terminal-enrolled root (MIC roots, another system's CA) has no CRL to fetch.
    ROOTS_WITHOUT_CRL = (
        *trustpoint_steps("trustpoint", "revocation-check none",
                    why="a root pasted by hand publishes no CRL this router can fetch"),
    )
    variants = (("the trustpoint is enrolled by hand (`enrollment terminal`: a root that publishes no CRL)",
                 ROOTS_WITHOUT_CRL),)
    verify = "Verify with `show crypto pki crls` (a current CRL) or no further %PKI-3-CRL_FETCH_FAIL, and TLS handshakes that complete."

    def evaluate(self, case):
        configs = trustpoint_configs(case)
        by_trustpoint: dict[str, list] = {}
        for ev in case.events_of("pki.crl.fetch_failed"):
            by_trustpoint.setdefault(ev.fields.get("trustpoint") or "?", []).append(ev)
        for tp, events in by_trustpoint.items():
            first = events[0]
            reason = next((e.fields["reason"] for e in events if e.fields.get("reason")), None)
            message = (f"CRL fetch for trustpoint {tp} failed {len(events)} time(s){first_at(first.ts)}"
                       + (f" (reason: {reason})" if reason else "") + ".")
            evidence = [Evidence.of(e) for e in events[:3]]
            config = configs.get(tp)
            if config is not None:
                checks = config.fields.get("revocation_check") or []
                message += (f" The trustpoint has `revocation-check {' '.join(checks)}`." if checks
                            else " The trustpoint has no `revocation-check` line, so IOS checks the CRL (the default).")
                evidence.append(Evidence.of(config))
            unreadable = _own_crl_unreadable(case, tp)
            if unreadable is not None:
                message += (f" The CA {tp} cannot read its own CRL: `{unreadable.raw[0].strip()}` (the storage of its "
                            "database; PKI020 moves it).")
                evidence.append(Evidence.of(unreadable))
            terminal = config is not None and config.fields.get("enrollment_mode") == "terminal"
            needless = ({self.HTTP_SERVER} if _ca_http_shown_on(case, tp) else set()) | \
                ({self.CRL_REQUEST} if _no_enrollment_url(reason, config) else set())
            yield self.finding(message, evidence, first_seen=first.ts, trustpoint=tp, device=first.device,
                               remediation=self.ROOTS_WITHOUT_CRL if terminal else
                               tuple(step for step in self.remediation if step not in needless))
        yield from self._latent(case, configs, set(by_trustpoint))
        failures = [e for e in case.events_of("tls.handshake.failed") if _REVOCATION.search(e.fields.get("reason") or "")]
        if failures and not by_trustpoint:
            first = failures[0]
            yield self.finding(f"TLS handshakes failed on a revocation check ({first.fields.get('reason')}) "
                               f"{len(failures)} time(s){first_at(first.ts)}.",
                               [Evidence.of(e) for e in failures[:3]], confidence=Confidence.MEDIUM,
                               first_seen=first.ts, device=first.device)

    def _latent(self, case, configs, reported: set[str]):
        """Terminal-enrolled trustpoints (MIC roots, Unity root) left on CRL checking: they have
        no URL to fetch a CRL from, so the first certificate they validate fails (primer F14)."""
        if not full_config_given(case):
            return
        exposed = [f for name, f in configs.items() if name not in reported
                   and f.fields.get("enrollment_mode") == "terminal" and "none" not in (f.fields.get("revocation_check") or [])]
        if not exposed:
            return
        names = [f.fields["name"] for f in exposed]
        yield self.finding(
            f"Trustpoint{'s' if len(names) > 1 else ''} {', '.join(names)} {'are' if len(names) > 1 else 'is'} enrolled "
            "by terminal and still check revocation by CRL (no `revocation-check none`): there is no URL to fetch a CRL "
            "from, so certificates validated against them will fail with %PKI-3-CRL_FETCH_FAIL.",
            [Evidence.of(f) for f in exposed[:4]], severity=Severity.MEDIUM, confidence=Confidence.MEDIUM,
            remediation=self.ROOTS_WITHOUT_CRL, trustpoints=names, device=exposed[0].device)


def _local_server(case, tp):
    """The certificate server of this router named as trustpoint ``tp`` (its own CA), or None."""
    return next((s for s in pki_servers(case) if (s.fields.get("name") or "").lower() == tp.lower()), None)


def _ca_http_shown_on(case, tp) -> bool:
    """Whether ``tp``'s CA runs on this router and the router shows its HTTP server on."""
    if _local_server(case, tp) is None:
        return False
    return any(g.fields.get("http_server") is True for g in case.facts_of("config.global")) or \
        any(st.fields.get("enabled") is True for st in case.facts_of("http.server_status"))


def _own_crl_unreadable(case, tp):
    """`%Error opening <its database>/<tp>.crl (...)`: the CA ``tp`` of this router cannot read its CRL."""
    return database_unreadable(case, url_end=f"/{tp}.crl") if _local_server(case, tp) is not None else None


def _no_enrollment_url(reason: str | None, config) -> bool:
    """The fetch failed for want of an enrollment URL, and the configuration given shows none either."""
    said = bool(reason) and "enrollment url not configured" in reason.lower()
    return said and (config is None or not config.fields.get("enrollment_url"))
