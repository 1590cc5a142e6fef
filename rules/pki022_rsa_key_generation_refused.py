from __future__ import annotations

from cmedebug.engine import Rule
from cmedebug.model import Confidence, Evidence, Severity
from cmedebug.remediation import Step
from cmedebug.rules._device import trustpoint_configs
from cmedebug.rules._links import CERT_FAILURE_SYMPTOMS


class RsaKeyGenerationRefused(Rule):
    """`crypto key generate rsa` was refused, so the key the trustpoint needs does not exist.

    What it detects
        The router's answer to a typed `crypto key generate rsa ...` that says the
        key was not made: `% Please define a domain-name first.` (the key name
        defaults to the router's FQDN, so IOS needs `ip domain name`), or any
        other `% ` error answer to that command. The finding names the label and
        the trustpoints whose `rsakeypair` uses it.

    Why it matters
        Every later step depends on that key: `crypto pki enroll` fails or makes
        an auto-generated key of the release's default size, the secure SCCP
        listener stays closed, the CTL cannot be signed. The answer is printed
        once, at the console, and easily missed in a long transcript.

    Evidence
        A console transcript: `Router(config)#crypto key generate rsa
        general-keys label CME modulus 2048` followed by `% Please define a
        domain-name first.`

    False positives
        None for the refusal itself; a key generated later in the same
        transcript (`% Generating 2048 bit RSA keys`) makes it history, which is
        why the finding is medium when the evidence holds no key listing.

    References
        ios-commands.md (`crypto key generate rsa`, `ip domain name`, dialog D9);
        Secure CME primer F16 (rsa-key-missing).
    """

    id = "PKI022"
    name = "rsa-key-generation-refused"
    title = "RSA key generation refused by the router"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    tags = ("pki", "keys")
    requires = ("crypto.key.generate_failed",)
    explains = CERT_FAILURE_SYMPTOMS + ("PKI014",)
    collect = ("show crypto key mypubkey rsa", "show running-config | include domain")
    remediation = (
        Step("config", "ip domain name {domain}", why="IOS names keys after the router's FQDN"),
        Step("config", "crypto key generate rsa general-keys label {label} exportable modulus 2048",
             why="the key the trustpoint's `rsakeypair` names, exportable so it can be backed up"),
        Step("exec", "write memory", why="keep the key across a reload"),
    )
    verify = "Verify with `show crypto key mypubkey rsa {label}` (Key name: {label})."

    def evaluate(self, case):
        users: dict = {}
        for name, tp in trustpoint_configs(case).items():
            if tp.fields.get("rsakeypair"):
                users.setdefault(tp.fields["rsakeypair"], []).append(name)
        for ev in case.events_of("crypto.key.generate_failed"):
            label = ev.fields.get("label")
            later = [k for k in case.facts_of("platform.key") if label and k.fields.get("label") == label]
            domain = "no domain name is configured" if "domain-name" in (ev.fields.get("text") or "") else \
                f"the router answered `% {ev.fields.get('text')}`"
            message = (f"`{ev.fields.get('command')}` was refused on {ev.device or 'the router'}: {domain}, "
                       f"so the key {label or '(default name)'} was not generated")
            message += f"; trustpoint(s) {', '.join(users[label])} need it." if label in users else "."
            if later:
                message += " A key of that name is listed later (`show crypto key mypubkey rsa`): the refusal may be history."
            yield self.finding(message, [Evidence.of(ev)] + [Evidence.of(k) for k in later[:1]],
                               severity=Severity.MEDIUM if later else self.severity,
                               confidence=Confidence.MEDIUM if later else self.confidence,
                               first_seen=ev.ts, label=label or "<label>", domain="<domain>",
                               trustpoints=users.get(label, []), device=ev.device)
