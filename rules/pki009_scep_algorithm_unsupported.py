from __future__ import annotations

from cmedebug.engine import Rule
from dataclasses import replace

from cmedebug.remediation import WAIT, Step
from cmedebug.remediation_steps import PHONES_RESTART, enroll_steps, refresh_after_enroll, trustpoint_steps
from cmedebug.model import Confidence, Evidence, Severity
from cmedebug.rules._device import functional_trustpoints
from cmedebug.rules._evidence import nearest_before
from cmedebug.rules._format import first_at
from cmedebug.rules._trust import is_pkcs12_context

UNSUPPORTED = ("E_ENCRYPT_ALG_NOT_SUPPORTED", "E_DIGEST_ALG_NOT_SUPPORTED")

# Primer F13: where no algorithm is shared, enroll by cut and paste (no SCEP envelope at all):
# `enrollment terminal`, the request printed (D5), the certificate the CA issued pasted back (D7).
# Two blocks (their own device labels, never typed by a replay): the CA signs the request in between.
BY_HAND = "router, only if the CA still refuses the SCEP enrollment: enroll by cut and paste instead"
SIGNED = "router, only after the CA signed the request printed by the cut-and-paste enrollment"
MANUAL_ENROLLMENT = (
    *(replace(step, device=BY_HAND) for step in trustpoint_steps(
        "trustpoint", "enrollment terminal", "serial-number none", "ip-address none",
        why="cut-and-paste enrollment: no SCEP envelope, so no algorithm to share (the CA certificate the "
            "trustpoint holds stays)")),
    Step("config", "crypto pki enroll {trustpoint}", answers=("yes", "no"), device=BY_HAND,
         why="`Display Certificate Request to terminal?` yes: copy the request between `Certificate Request "
             "follows:` and `---End` to the CA to sign; `Redisplay enrollment request?` no"),
    Step("config", "crypto pki import {trustpoint} certificate", device=SIGNED,
         why="paste the certificate the CA issued (Base64), then `quit`"),
)


class ScepAlgorithmUnsupported(Rule):
    """The router and the CA share no SCEP envelope or digest algorithm.

    What it detects
        `CRYPTO_PKI: status = 0x762(E_ENCRYPT_ALG_NOT_SUPPORTED : message
        encryption algorithms not supported): pkcs7 verify data returned status`
        and the `p7spprt.c` line with the same code, or
        `E_DIGEST_ALG_NOT_SUPPORTED` during enrollment (not during a PKCS#12
        import: that is PKI017).

    Why it matters
        `crypto pki authenticate` works (GetCACert is not encrypted) but every
        `crypto pki enroll` fails: the router cannot open the CA's PKCS#7
        envelope, or the CA cannot open the router's (old IOS wraps requests in
        DES-CBC with SHA-1, which modern CAs refuse). No certificate, so no TLS,
        signing or CAPF.

    Evidence
        `../cert-c/source/p7spprt.c(633) : E_ENCRYPT_ALG_NOT_SUPPORTED : message
        encryption algorithms not supported`, ` Invalid signer count value 0`,
        `CRYPTO_PKI: status = 0x762(E_ENCRYPT_ALG_NOT_SUPPORTED : ...)`.

    False positives
        None known: the status line states the cause.

    References
        Secure CME primer F13 scep-algorithm-unsupported (SMALLSTEP, PKCS12
        shapes); messages.md §1.1.
    """

    id = "PKI009"
    name = "scep-algorithm-unsupported"
    title = "SCEP envelope or digest algorithm not supported"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    tags = ("pki", "scep")
    requires = ("pki.status", "pki.pkcs7.error")
    explains = ("PKI010", "PKI016", "CAPF005")
    collect = ("debug crypto pki transactions", "debug crypto pki messages", "show crypto pki trustpoints status")
    remediation = (
        *trustpoint_steps("trustpoint", "hash sha256", why="a digest the CA supports"),
        *enroll_steps("trustpoint"),
        *MANUAL_ENROLLMENT,
    )
    # A trustpoint CME uses: its new certificate, by SCEP or pasted, reaches the CTL, the files and
    # the phones (and secure-signaling, applied before it had one, is applied again).
    CME_TRUSTPOINT = (
        *remediation,
        Step(WAIT, "wait until the new certificate is installed", device=WAIT,
             why="`show crypto pki certificates {trustpoint}` lists it, received by SCEP or imported by hand; "
                 "a CTL regenerated before then carries the old one"),
        *refresh_after_enroll("trustpoint"),
        *PHONES_RESTART,
    )
    variants = (("the trustpoint is one CME uses (secure-signaling, TFTP, CAPF, a SAST)", CME_TRUSTPOINT),)
    verify = "Verify with `show crypto pki trustpoints {trustpoint} status` (Last enrollment status: Granted)."

    def evaluate(self, case):
        hits = [e for e in case.events_of("pki.status", "pki.pkcs7.error")
                if e.fields.get("error") in UNSUPPORTED and not is_pkcs12_context(e)]
        if not hits:
            return
        first = hits[0]
        errors = sorted({e.fields["error"] for e in hits})
        kinds = {"E_ENCRYPT_ALG_NOT_SUPPORTED": "envelope encryption", "E_DIGEST_ALG_NOT_SUPPORTED": "digest"}
        context = next((e.fields["context"] for e in hits if e.fields.get("context")), None)
        trustpoint = nearest_before(case, first, "pki.trustpoint.locked", "trustpoint")
        message = (f"SCEP enrollment{' of trustpoint ' + trustpoint if trustpoint else ''} failed because the "
                   f"{' and '.join(kinds[e] for e in errors)} algorithm of the exchange is not supported "
                   f"({', '.join(errors)}, {len(hits)} line(s){first_at(first.ts)})"
                   + (f": {context}" if context else "") + ".")
        cme_uses = trustpoint is not None and trustpoint in functional_trustpoints(case)
        yield self.finding(message, [Evidence.of(e) for e in hits[:4]], first_seen=first.ts, device=first.device,
                           errors=errors, trustpoint=trustpoint,
                           **({"remediation": self.CME_TRUSTPOINT} if cme_uses else {}))
