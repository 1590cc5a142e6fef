from __future__ import annotations

from cmedebug.engine import Rule
from cmedebug.remediation import Step
from cmedebug.remediation_steps import trustpoint_steps
from cmedebug.model import Confidence, Evidence, Severity
from cmedebug.formatting import fmt_time
from cmedebug.rules._certs import certificates, is_ca_cert
from cmedebug.rules._device import functional_trustpoints
from cmedebug.rules._evidence import full_config_given

# `lifetime certificate` of the IOS CA when none is configured (CMEAUTH).
DEFAULT_LIFETIME_DAYS = 365


class TrustpointAutoEnrollMissing(Rule):
    """Trustpoints that CME depends on do not renew their certificates by themselves.

    What it detects
        In a full configuration, trustpoints used by telephony-service,
        `ctl-client`, `capf-server` or `credentials` that enroll by SCEP
        (`enrollment url`) but have no `auto-enroll`. Says how long the IOS CA
        issues certificates for and, when `show crypto pki certificates` is
        given, when each one ends. Advisory: nothing has failed yet.

    Why it matters
        The IOS CA issues certificates for 365 days unless `lifetime
        certificate` says otherwise. Without `auto-enroll` the CME, TFTP, CAPF
        and SAST certificates all expire on the same day about a year after
        the build, and phones drop out of secure registration at once (PKI001).

    Evidence
        `crypto pki trustpoint cme-tls` / ` enrollment url http://10.1.1.1:80`
        with no ` auto-enroll` line, named by `secure-signaling trustpoint
        cme-tls`.

    False positives
        Sites that renew by hand on a schedule; trustpoints enrolled by terminal
        cannot auto-enroll and are not reported.

    References
        Secure CME primer F05 (365-day default, prevention with `auto-enroll`),
        §2.6 renewal and expiry (CPRESS).
    """

    id = "PKI021"
    name = "trustpoint-auto-enroll-missing"
    title = "Trustpoints used by CME do not auto-enroll"
    severity = Severity.LOW
    confidence = Confidence.HIGH
    tags = ("pki", "trustpoint", "advisory")
    requires = ("config.trustpoint",)
    collect = ("show running-config",)
    remediation = (
        *trustpoint_steps("trustpoint", "auto-enroll 70",
                          why="renew at 70% of the lifetime, keeping the key (no `regenerate`); after each renewal "
                              "`ctl-client` / `regenerate` and `create cnf-files`"),
        Step("exec", "show crypto pki certificates {signing_sast}",
             why="the SAST trustpoints ({signing_sast}, {spare_sast}) get no auto-enroll, which would renew both at "
                 "once: renew them by hand one at a time, with a CTL regenerate in between (PKI003's steps), "
                 "before this end date"),
    )
    verify = "Verify with `show crypto pki certificates {trustpoint}` (a renew date: line) and `show crypto pki timers`."

    def evaluate(self, case):
        if not full_config_given(case):
            return
        uses = functional_trustpoints(case)
        manual = [f for f in list(case.facts_of("config.trustpoint")) if f.fields.get("name") in uses
                  and f.fields.get("enrollment_url") and not f.fields.get("auto_enroll")]
        if not manual:
            return
        names = list(dict.fromkeys(f.fields["name"] for f in manual))
        lifetime = next((s.fields["lifetime_certificate"] for s in list(case.facts_of("config.pki_server"))
                         if s.fields.get("lifetime_certificate")), None)
        ends = {tp: c.fields["not_after"] for c in certificates(case) if not is_ca_cert(c) and c.fields.get("not_after")
                for tp in c.fields.get("trustpoints") or [] if tp in names}
        message = (f"Trustpoint{'s' if len(names) > 1 else ''} {', '.join(names)} "
                   f"{'are' if len(names) > 1 else 'is'} used by CME but {'have' if len(names) > 1 else 'has'} no "
                   f"`auto-enroll`: the local CA issues certificates for {lifetime or DEFAULT_LIFETIME_DAYS} days"
                   f"{'' if lifetime else ' (the default)'}, so they expire unless renewed by hand.")
        if ends:
            message += " They end: " + "; ".join(f"{tp} {fmt_time(when)}" for tp, when in sorted(ends.items(), key=lambda kv: kv[1])) + "."
        # (renewal_set_up: the fix sets up renewals to come, by when the phones trust both SASTs,
        # enrolled now or not: both never get auto-enroll)
        yield self.finding(message, [Evidence.of(f) for f in manual[:4]], trustpoints=names, renewal_set_up=True,
                           device=manual[0].device)
