from __future__ import annotations

import re

from cmedebug.engine import Rule
from cmedebug.remediation import Step
from cmedebug.model import Confidence, Severity
from cmedebug.remediation_context import cme_in_evidence
from cmedebug.rules._format import evidence_of

# CISCO2911/K9, CISCO1941/K9, CISCO3945-CHASSIS: the ISR G2 family, where packages are licensed
ISR_G2 = re.compile(r"CISCO(19|29|39)\d\d|^c(19|29|39)00", re.IGNORECASE)
PACKAGES = {"uck9": "uc", "securityk9": "security"}


class LicenceMissingUck9Securityk9(Rule):
    """An ISR G2 without the uck9 and securityk9 technology packages active.

    What it detects
        The licence table of `show version` / `show license` on an ISR G2
        (1900, 2900, 3900) where the `uc` (uck9) or `security` (securityk9)
        technology package is `None` or not active.

    Why it matters
        Without `uck9` the router does not offer `telephony-service`; without
        `securityk9` it has no crypto for PKI and TLS. Both are required for
        Secure CME on ISR G2, and take effect after a reload.

    Evidence
        `Technology Package License Information for Module:'c2900'` with rows
        `uc            None          None          None` or
        `security      None ...`, instead of `uck9 Permanent uck9`.

    False positives
        An evaluation licence counts as active until it expires: check `Next
        reboot` when a reload is planned.

    References
        Seed article (ISR G2 needs uck9 and securityk9); Secure CME primer F43.
    """

    id = "PLAT002"
    name = "licence-missing-uck9-securityk9"
    title = "uck9 / securityk9 licence not active (ISR G2)"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    tags = ("platform", "licence")
    requires = ("platform.license",)
    collect = ("show version", "show license feature")
    remediation = (
        Step("config", "license boot module {platform} technology-package uck9"),
        Step("config", "license boot module {platform} technology-package securityk9",
             why="the ISR G2 form (inferred: not in the Cisco pages read)"),
        Step("exec", "write memory"),
        Step("exec", "reload", warning="the router restarts: every call and registration drops"),
    )
    verify = "Verify with `show version` (uck9 and securityk9 active) and `show license feature`."

    def evaluate(self, case):
        versions = list(case.facts_of("platform.version"))
        platform = " ".join(f"{v.fields.get('platform') or ''} {v.fields.get('image') or ''}" for v in versions)
        if versions and not ISR_G2.search(platform):
            return
        licences = list(case.facts_of("platform.license"))
        missing = []
        for package, technology in PACKAGES.items():
            rows = [r for r in licences if r.fields.get("feature") == package or r.fields.get("technology") == technology]
            if rows and not any(r.fields.get("feature") == package and r.fields.get("active") is not False
                                for r in rows):
                missing.append((package, rows))
        if missing:
            level = {} if cme_in_evidence(case) or versions else {"confidence": Confidence.MEDIUM}
            yield self.finding(f"The {' and '.join(p for p, _ in missing)} technology package"
                               f"{'s are' if len(missing) > 1 else ' is'} not active: Secure CME needs both uck9 "
                               "and securityk9 on ISR G2.", evidence_of([r for _, rows in missing for r in rows], 4),
                               **level)
