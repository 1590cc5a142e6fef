from __future__ import annotations

from cmedebug.engine import Rule
from cmedebug.formatting import common_name, fmt_delta, fmt_time
from cmedebug.model import Confidence, Evidence, Severity
from cmedebug.remediation import Step
from cmedebug.rules._certs import not_its_own_time, judging_time
from cmedebug.rules._device import trustpoint_configs
from cmedebug.rules._links import CERT_FAILURE_SYMPTOMS


class CaCrlExpired(Rule):
    """The CA server's CRL has passed its NextUpdate: no current CRL exists.

    What it detects
        `show crypto pki server` printing a `CRL NextUpdate timer:`, or
        `crypto pki server <ca> info crl` printing a `Next Update:` (shape
        inferred, not in ../shared/domain), that lies before the capture's time (the device's `show clock`, else the latest
        trusted stamp; without either, today's date at low confidence).

    Why it matters
        An IOS CA issues a new CRL before the old one lapses (every 168 hours by
        default); a NextUpdate in the past means it could not (server disabled,
        clock moved, database unreachable). Every device that checks revocation
        (`revocation-check crl`, the IOS default) then fails certificate
        validation, about a week after the CA stopped. A server shown running
        that issued none is not fixed by `no shutdown`: the finding says where
        to look (its database storage, its clock) and prints only `info crl`.

    Evidence
        `CRL NextUpdate timer: 14:54:57 PST Jan 19 2005` (corpus 15) on a router
        whose clock is later.

    False positives
        A `show crypto pki server` taken from an old capture: the check uses the
        capture's own time, and says so when it had to use today's date. When
        every trustpoint of the case has `revocation-check none`, only other
        devices could suffer, and the finding is low.

    References
        Secure CME primer F14 (`CRL NextUpdate timer:` in the past), IOS
        certificate server CRL lifetime (168 h).
    """

    id = "PKI024"
    name = "ca-crl-expired"
    title = "CA server CRL past its NextUpdate"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    tags = ("pki", "crl", "ca", "validity")
    requires = ("pki.server", "pki.crl")
    explains = CERT_FAILURE_SYMPTOMS + ("PKI011", "PKI027")
    collect = ("show crypto pki server", "show clock detail")
    INFO_CRL = Step("exec", "crypto pki server {ca} info crl", why="the CRL the server now holds")
    remediation = (
        Step("config", "crypto pki server {ca}", why="a running server issues a new CRL"),
        Step("cs-server", "no shutdown", why="if the server is disabled"),
        INFO_CRL,
    )
    # A server shown running already: `no shutdown` would change nothing, and why it issued no CRL is
    # not in the documents; what the evidence can say is where to look.
    RUNNING = (INFO_CRL,)
    variants = (("the server is shown running", RUNNING),)
    verify = "Verify with `show crypto pki server` (CRL NextUpdate timer: in the future)."

    def evaluate(self, case):
        configs = trustpoint_configs(case)
        checking = [name for name, tp in configs.items() if "none" not in (tp.fields.get("revocation_check") or [])]
        for server, ends in _ca_crls(case):
            if ends is None:
                continue
            now, basis = judging_time(case, server.device, ends)
            if ends >= now:
                continue
            unsure = not_its_own_time(basis)
            name = server.fields.get("name") or common_name(server.fields.get("issuer"))
            message = (f"The CRL of CA {name} expired on {fmt_time(ends)}, "
                       f"{fmt_delta(now - ends)} before {fmt_time(now)} ({basis}); "
                       + (f"the server is {server.fields.get('status') or 'in an unknown state'}." if server.kind == "pki.server"
                          else "`info crl` printed it, so no newer CRL was issued."))
            running = server.kind == "pki.server" and str(server.fields.get("status") or "").lower() == "enabled"
            if running:
                message += (" A running server that issued no new CRL could not write it, or its clock moved: check "
                            "that it reaches its database (`database url`, PKI020) and its clock (CLK rules).")
            if checking:
                message += f" Trustpoints that check CRLs fail validation: {', '.join(checking[:6])}."
            yield self.finding(message, [Evidence.of(server)], remediation=self.RUNNING if running else None,
                               # nobody here checks CRLs, or the capture's date is unknown: low
                               severity=Severity.LOW if unsure or (configs and not checking)
                               else Severity.MEDIUM if not checking else self.severity,
                               confidence=Confidence.LOW if unsure else self.confidence,
                               ca=name, device=server.device, not_after=ends)


def _ca_crls(case):
    """(fact, NextUpdate) of each CRL a CA server of the case issues: `show crypto pki server`'s
    `CRL NextUpdate timer:`, and the CRL `crypto pki server <cs> info crl` prints."""
    for server in case.facts_of("pki.server"):
        yield server, server.fields.get("crl_next_update")
    for crl in case.facts_of("pki.crl"):
        if crl.fields.get("held_by") == "ca":
            yield crl, crl.fields.get("next_update")
