from __future__ import annotations

from cmedebug.engine import Rule
from cmedebug.remediation import WAIT, Step
from cmedebug.remediation_context import sast_names, sast_trustpoints
from cmedebug.remediation_steps import REKEYED_RENEWAL
from cmedebug.model import Confidence, Severity
from cmedebug.rules._certs import certificates, is_ca_cert, serves_no_cme_function
from cmedebug.rules._device import functional_trustpoints
from cmedebug.rules._format import evidence_of

WEAK_DIGESTS = ("md5", "sha1", "sha-1")


class WeakTlsProtocolOrKey(Rule):
    """Keys or signatures weaker than current practice (informational).

    What it detects
        Certificates on the router with RSA keys under 2048 bits or SHA-1/MD5
        signatures, and a CTL signed with a 1024-bit SAST key
        (`ctl_client_create_ctlfile: Signature length 128`). A self-signed
        root's SHA-1 is not reported (no one checks a root's signature on
        itself), and a CA certificate is named without re-key steps: it
        changes only with its CA (the phones' MIC roots are Cisco's). IOS's
        self-signed HTTPS certificate (`TP-self-signed-<n>`) serves no Secure
        CME function unless one names its trustpoint: left out.

    Why it matters
        Nothing fails today: Cisco's own CME examples use 1024-bit keys and
        SHA-1. But phones in FIPS mode refuse server certificates under 2048
        bits (`Cert key size is not FIPS compliant`), newer IOS XE releases
        drop weak ciphers, and a re-key later means a new CTL that phones must
        accept (plan SAST continuity first).

    Evidence
        `show crypto pki certificates verbose` (`RSA Public Key: (1024 bit)`,
        `Signature Algorithm: SHA1 with RSA Encryption`), `debug ctl-client`
        (`Signature length 128` = 1024-bit key).

    False positives
        Old phone models that cannot use 2048-bit keys: keep 1024 there by choice.

    References
        Secure CME primer §1.4 (key sizes), F15, F35; CME Security guide examples.
    """

    id = "TLS004"
    name = "weak-tls-protocol-or-key"
    title = "Weak TLS key or signature algorithm (informational)"
    severity = Severity.INFO
    confidence = Confidence.HIGH
    tags = ("tls", "certificate", "advisory")
    requires = ("cert", "ctl_client.signed")
    collect = ("show crypto pki certificates verbose", "debug ctl-client")
    # (a renewal on the same key leaves a weak key weak: a SAST's too) Nothing fails today: the re-key
    # waits for a decision and a quiet hour, not for the next paste.
    remediation = (
        Step(WAIT, "wait until a maintenance window", device=WAIT,
             why="informational: nothing fails today; the blocks below restart every phone (twice where a SAST is "
                 "re-keyed): paste them in a quiet hour, and only where FIPS-mode phones or a policy need "
                 "2048-bit keys"),
        *REKEYED_RENEWAL,
    )
    verify = ("Verify with `show crypto pki certificates verbose {trustpoint}` (RSA Public Key: (2048 bit)) and "
              "`debug ctl-client` (Signature length 256).")

    def evaluate(self, case):
        weak, notes, trustpoints, authorities = [], [], [], False
        uses = functional_trustpoints(case)
        for cert in certificates(case):
            f = cert.fields
            if f.get("origin") == "ctl" or serves_no_cme_function(cert, uses):
                continue  # (the CTL's copies of the router's own; IOS's self-signed HTTPS certificate)
            size, alg = f.get("key_size"), (f.get("sig_alg") or "").lower()
            problems = []
            if isinstance(size, int) and size < 2048:
                problems.append(f"{size}-bit key")
            # (a root's signature on itself is never checked: it is trusted as installed)
            if any(d in alg for d in WEAK_DIGESTS) and f.get("subject") != f.get("issuer"):
                problems.append(f.get("sig_alg"))
            if problems:
                weak.append(cert)
                own = not is_ca_cert(cert)  # a CA's certificate is no trustpoint's to re-key
                authorities = authorities or not own
                tps = ", ".join(f.get("trustpoints") or []) or "no trustpoint"
                notes.append(f"SN {f.get('serial')} ({tps}{'' if own else ', a CA certificate'}): "
                             f"{' and '.join(problems)}")
                trustpoints += (f.get("trustpoints") or []) if own else []
        signed = [e for e in case.events_of("ctl_client.signed") if (e.fields.get("signature_length") or 256) < 256]
        if signed:
            weak.append(signed[-1])
            notes.append(f"CTL signed with a {signed[-1].fields['signature_length'] * 8}-bit SAST key")
            # the signer, renewed in the SAST rotation: SAST1, or both SASTs where the evidence does not say which
            signer = sast_names(case).get("sast1")
            trustpoints += [signer] if signer else sast_trustpoints(case)
        if notes:
            # the trustpoints to re-key, named so that a SAST among them goes to the rotation, one at a time
            named = [tp for tp in dict.fromkeys(trustpoints) if tp]
            message = "Weak keys or signatures in use: " + "; ".join(dict.fromkeys(notes[:8])) + "."
            if authorities:
                message += (" A CA certificate changes only with its CA (PKI002's rebuild where this router runs "
                            "it; a MIC root is Cisco's): no step here re-keys it.")
            yield self.finding(message, evidence_of(weak, 6), remediation=None if named or not authorities else (),
                               **({"trustpoint": named} if named else {}))
