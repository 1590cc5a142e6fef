from __future__ import annotations

from cmedebug.engine import Rule
from cmedebug.formatting import common_name, fmt_delta, fmt_time
from cmedebug.model import Confidence, Evidence, Severity
from cmedebug.remediation import Step
from cmedebug.rules._certs import not_its_own_time, certificates, is_ca_cert, judging_time
from cmedebug.rules._device import trustpoint_configs
from cmedebug.rules._links import CERT_FAILURE_SYMPTOMS

# what a router logs when certificates fail while it holds no current CRL
_FAILURES = ("tls.handshake.failed", "pki.crl.fetch_failed", "capf.tls.handshake_error")


class CrlExpired(Rule):
    """A CRL the router holds is past its NextUpdate.

    What it detects
        A CRL of `show crypto pki crls` (the router's cache, fetched from the CRL
        distribution point or by SCEP) whose `NextUpdate:` lies before the
        capture's time (the device's `show clock`, else the latest trusted
        stamp; without either, today's date at low confidence). The CA server's
        own CRL past its NextUpdate is PKI024's.

    Why it matters
        IOS fetches a new CRL when the cached one expires; one still expired at
        the capture means the fetch did not happen or failed (CA down, HTTP
        server off, CDP unreachable). A trustpoint that checks revocation
        (`revocation-check crl`, the IOS default) then refuses every certificate
        of that issuer: phones over TLS 2443, CAPF, the CTL provider.

    Evidence
        `CRL Issuer Name:` / `cn=R1CA` / `NextUpdate: 17:58:03 UTC Jan 24 2013`
        / `Retrieved from CRL Distribution Point:` / `** CDP Not Published -
        Retrieved via SCEP` on a router whose clock is later (shape inferred
        from Cisco's IOS PKI configuration guide, not in ../shared/domain).

    False positives
        A router that validated no certificate of that issuer since the CRL
        expired has not needed a new one yet; the first validation fetches it.
        When the issuer's trustpoint has `revocation-check none` the finding is
        low.

    References
        Secure CME primer F14 (`show crypto pki crls` empty or past its
        next-update; `revocation-check` options); IOS PKI configuration guide
        (Configuring Revocation for a PKI: `show crypto pki crls`,
        `crypto pki crl request`).
    """

    id = "PKI027"
    name = "crl-expired"
    title = "CRL held by the router past its NextUpdate"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    tags = ("pki", "crl", "validity")
    requires = ("pki.crl",)
    explains = CERT_FAILURE_SYMPTOMS
    collect = ("show crypto pki crls", "show clock detail", "show running-config | section crypto pki trustpoint")
    remediation = (
        Step("config", "crypto pki crl request {trustpoint}",
             why="fetch a current CRL now, from the CRL distribution point or by SCEP from the CA (the finding "
                 "says which)"),
        Step("config", "crypto pki trustpoint {trustpoint}",
             why="while no current CRL can be fetched, accept certificates instead of refusing them all; "
                 "the check still runs whenever a CRL can be fetched"),
        Step("ca-trustpoint", "revocation-check crl none",
             warning="weakens revocation checking: a revoked certificate is accepted while no CRL can be fetched; "
                     "put `revocation-check crl` back once the CRL distribution point answers"),
    )
    verify = "Verify with `show crypto pki crls` (NextUpdate in the future) and handshakes that complete."

    def evaluate(self, case):
        configs = trustpoint_configs(case)
        for crl in case.facts_of("pki.crl"):
            ends = crl.fields.get("next_update")
            if ends is None or crl.fields.get("held_by") == "ca":
                continue
            now, basis = judging_time(case, crl.device, ends)
            if ends >= now:
                continue
            issuer = crl.fields.get("issuer") or "an unnamed issuer"
            trustpoints = _issuer_trustpoints(case, issuer, crl.device)
            checks = {tp: configs[tp].fields.get("revocation_check") or [] for tp in trustpoints if tp in configs}
            retrieved = _retrieved(crl)
            message = (f"The CRL of {common_name(issuer)} that the router holds expired on {fmt_time(ends)}, "
                       f"{fmt_delta(now - ends)} before {fmt_time(now)} ({basis}); it was fetched {retrieved}"
                       + (f" at {fmt_time(crl.fields['downloaded_at'])}" if crl.fields.get("downloaded_at") else "")
                       + ": a new one could not be fetched or was not needed since.")
            failures = [e for e in case.events_of(*_FAILURES) if e.device == crl.device and e.fields.get("code") != -6983
                        and (e.ts is None or e.ts >= ends)]
            ignoring = bool(checks) and all("none" in c for c in checks.values())
            if checks:
                message += " " + "; ".join(f"Trustpoint {tp} has `revocation-check {' '.join(c) or 'crl'}`"
                                           for tp, c in checks.items()) + "."
            if failures:
                message += f" {len(failures)} certificate failure(s) follow on this device."
            unsure = not_its_own_time(basis)
            severity = (Severity.LOW if unsure or ignoring
                        else self.severity if failures else Severity.MEDIUM)
            yield self.finding(message, [Evidence.of(crl)] + [Evidence.of(e) for e in failures[:2]],
                               severity=severity, confidence=Confidence.LOW if unsure else self.confidence,
                               first_seen=ends, issuer=issuer, trustpoint=trustpoints or None,
                               not_after=ends, device=crl.device)


def _issuer_trustpoints(case, issuer: str, device) -> list[str]:
    """The trustpoints holding the issuer's CA certificate on that device (`show crypto pki certificates`)."""
    name = common_name(issuer).lower()
    return sorted({tp for c in certificates(case) if is_ca_cert(c) and c.device == device
                   and common_name(c.fields.get("subject")).lower() == name for tp in c.fields.get("trustpoints") or []})


def _retrieved(crl) -> str:
    if crl.fields.get("retrieved_via") == "scep":
        return "by SCEP from the CA (its HTTP server must answer GetCRL)"
    if crl.fields.get("cdp_url"):
        return f"from the CRL distribution point {crl.fields['cdp_url']}"
    return "from a source the output does not name"
