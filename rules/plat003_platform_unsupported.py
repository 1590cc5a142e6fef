from __future__ import annotations

import re

from cmedebug.engine import Rule
from cmedebug.remediation import Step
from cmedebug.model import Confidence, Severity
from cmedebug.rules._device import secure_cme_in_use
from cmedebug.rules._format import evidence_of

# ISR4451-X/K9, ISR4331/K9, isr4300-universalk9..., IAD2435, CISCO1760
UNSUPPORTED = re.compile(r"ISR ?4\d\d\d|isr4\d00-|IAD ?24\d\d|CISCO ?17\d\d|^c17\d\d", re.IGNORECASE)


class PlatformUnsupported(Rule):
    """Secure CME on a platform Cisco does not support it on.

    What it detects
        `show version` naming a Cisco 4000 Series ISR (`ISR4331/K9`,
        `ISR4451-X/K9`, `isr4300-universalk9...` images), an IAD 2400 or a
        1700 series router, on a router configured for CME phone security
        (secure device-security-mode, `ctl-client` or `capf-server`).

    Why it matters
        Cisco's CME Security guide states twice that Secure CME is not
        supported on 4000 Series ISRs, and phone authentication not on IAD 2400
        or 1700: features are missing or behave untested, and TAC will not
        support the design.

    Evidence
        `cisco ISR4451-X/K9 (2RU) processor ...`; running-config with
        `ctl-client` / `capf-server` on that router.

    False positives
        Secure SRST (not CME) on ISR 4000 is supported and is not reported: the
        rule needs CME security configuration.

    References
        Secure CME primer F44 platform-unsupported; CME Security guide (restrictions).
    """

    id = "PLAT003"
    name = "platform-unsupported"
    title = "Secure CME on an unsupported platform"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    tags = ("platform",)
    requires = ("platform.version",)
    collect = ("show version", "show running-config")
    remediation = (
        Step("exec", "show version",
             why="Secure CME is supported only on ISR G2 with SCCP phones: move Secure CME to an ISR G2, or use "
                 "CUCM with Secure SRST on this router"),
    )
    fix_beyond_cli = "replace the platform (an ISR G2 runs Secure CME), or use CUCM with Secure SRST on this router"
    verify = "Verify with `show version` on the new platform and `show ephone` (+ Authentication)."

    def evaluate(self, case):
        if not secure_cme_in_use(case):
            return
        for version in list(case.facts_of("platform.version")):
            label = f"{version.fields.get('platform') or ''} {version.fields.get('image') or ''}".strip()
            if UNSUPPORTED.search(label):
                platform = version.fields.get("platform") or "platform"
                article = "an" if platform[0].upper() in "AEIO" else "a"  # an ISR4331/K9, an IAD2430, a CISCO1751
                yield self.finding(f"This router is {article} {platform} running "
                                   f"{version.fields.get('image') or 'an unknown image'}: Secure CME (phone authentication and encryption) "
                                   "is not supported on this platform.", evidence_of([version]))
