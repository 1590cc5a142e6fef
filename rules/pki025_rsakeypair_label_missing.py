from __future__ import annotations

import re

from cmedebug.engine import Rule
from cmedebug.model import Confidence, Evidence, Severity
from cmedebug.remediation import Step
from cmedebug.remediation_steps import enroll_steps
from cmedebug.rules._device import trustpoint_configs

# show crypto key mypubkey rsa      (the whole listing: with a label argument it shows one key only)
_FULL_LISTING = re.compile(r"^sh\w* +cry\w* +key +mypub\w* +rsa$", re.IGNORECASE)


class RsakeypairLabelMissing(Rule):
    """A trustpoint names a key pair (`rsakeypair <label>`) that the router does not hold.

    What it detects
        `rsakeypair <label>` under `crypto pki trustpoint <tp>` while the whole
        listing of `show crypto key mypubkey rsa` on the same router has no
        `Key name: <label>`.

    Why it matters
        Enrolling the trustpoint then generates a key of the release's default
        size under that name (or fails), and a certificate already enrolled has
        no private key beside it: TLS and signing with it fail. The usual cause
        is a `crypto key generate rsa` that was refused or typed with another
        label, or a key removed with `crypto key zeroize rsa`.

    Evidence
        `rsakeypair cme-sccp` in the configuration; `show crypto key mypubkey
        rsa` listing `Key name: 4k_keypair` and no `cme-sccp` (corpus 21 shape).

    False positives
        A listing filtered by label (`show crypto key mypubkey rsa <label>`) is
        not used; only the whole listing proves a key absent.

    References
        ios-commands.md (`crypto key generate rsa ... label`, `rsakeypair`);
        Secure CME primer F16 (rsa-key-missing).
    """

    id = "PKI025"
    name = "rsakeypair-label-missing"
    title = "Trustpoint names a key pair the router does not hold"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    tags = ("pki", "keys", "trustpoint")
    requires = ("platform.key",)
    collect = ("show crypto key mypubkey rsa", "show running-config | section crypto pki trustpoint")
    remediation = (
        Step("config", "crypto key generate rsa general-keys label {label} exportable modulus 2048",
             why="the key pair the trustpoint names"),
        *enroll_steps("trustpoint", why="a certificate for the new key", keyed=True),
        Step("exec", "write memory", why="keep the key and certificate across a reload"),
    )
    verify = "Verify with `show crypto key mypubkey rsa {label}` (Key name: {label})."

    def evaluate(self, case):
        if not any(_FULL_LISTING.match(c.strip()) for c in case.commands_given):
            return  # a listing filtered by label proves nothing about the other keys
        held = {(k.fields.get("label") or "").lower() for k in case.facts_of("platform.key")}
        listing = next(iter(case.facts_of("platform.key")))
        for name, tp in trustpoint_configs(case).items():
            label = tp.fields.get("rsakeypair")
            if label and label.lower() not in held:
                yield self.finding(
                    f"Trustpoint {name} uses `rsakeypair {label}`, but `show crypto key mypubkey rsa` lists no key "
                    f"of that name (it holds {', '.join(sorted(h for h in held if h)) or 'none'}).",
                    [Evidence.of(tp, "the key pair the trustpoint names"), Evidence.of(listing, "the router's keys")],
                    label=label, trustpoint=name, device=tp.device)
