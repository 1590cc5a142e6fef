from __future__ import annotations

from cmedebug.engine import Rule
from cmedebug.remediation import Step
from cmedebug.model import Confidence, Severity
from cmedebug.remediation_context import cme_in_evidence
from cmedebug.rules._format import evidence_of

# c2900-universalk9-mz.SPA.157-3.M4.bin / c2800nm-advipservicesk9-mz.124-24.T.bin / c3845-adventerprisek9-mz...
FEATURE_SETS = ("universalk9", "advipservicesk9", "adventerprisek9")


class ImageWithoutVoiceSecurity(Rule):
    """The IOS image lacks the feature set Secure CME needs.

    What it detects
        `show version` -> `System image file is "flash:<image>"` naming an image
        that is not one of the feature sets Cisco lists for Secure CME:
        universal (`universalk9`), `advipservicesk9` or `adventerprisek9`, on a
        router used for CME.

    Why it matters
        Without the voice and crypto (k9) features the commands Secure CME
        needs (`telephony-service` security, `ctl-client`, `capf-server`,
        `crypto pki server`) are rejected or missing: nothing secure can be built.

    Evidence
        `System image file is "flash:c2800nm-ipvoice-mz.124-24.T.bin"`.

    False positives
        Images whose names follow another pattern (IOS XE `packages.conf`) are
        not judged.

    References
        Seed article (Specifications: universal, advipservicesk9, adventerprisek9);
        Secure CME primer F43 image-or-licence-missing.
    """

    id = "PLAT001"
    name = "image-without-voice-security"
    title = "IOS image without the voice/security feature set"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    tags = ("platform",)
    requires = ("platform.version",)
    collect = ("show version",)
    remediation = (
        Step("config", "no boot system",
             why="IOS tries the `boot system` lines in the order they were entered: one left from before would boot "
                 "the old image again (inferred). With none, the router boots the first image in flash:"),
        Step("config", "boot system flash:{image}",
             why="an image whose name contains universalk9, advipservicesk9 or adventerprisek9"),
        Step("exec", "write memory"),
        Step("exec", "reload", warning="the router restarts: every call and registration drops"),
    )
    verify = "Verify with `show version` (image name contains universalk9, advipservicesk9 or adventerprisek9)."

    def evaluate(self, case):
        for version in list(case.facts_of("platform.version")):
            image = (version.fields.get("image") or "").lower()
            if not image.endswith(".bin") or any(s in image for s in FEATURE_SETS):
                continue
            level = {} if cme_in_evidence(case) else {"severity": Severity.MEDIUM, "confidence": Confidence.MEDIUM}
            yield self.finding(f"The router runs {version.fields.get('image')}: not a universal, advipservicesk9 or "
                               "adventerprisek9 image, so Secure CME cannot be configured.", evidence_of([version]),
                               **level)
