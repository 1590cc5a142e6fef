from __future__ import annotations

from cmedebug.engine import Rule
from cmedebug.remediation import Step
from cmedebug.model import Confidence, Evidence, Severity
from cmedebug.rules._evidence import happened_before
from cmedebug.rules._format import first_at
from cmedebug.rules._trust import is_pkcs12_context


class Pkcs12ImportFailed(Rule):
    """A PKCS#12 import into a trustpoint failed.

    What it detects
        `%PKI-3-PKCS12_IMPORT_FAILURE: PKCS #12 import failed for trustpoint:
        <tp>. Reason: ...` and `CRYPTO_PKI: status = 0x760(E_DIGEST_ALG_NOT_
        SUPPORTED : message digest algorithms not supported): Imported PKCS12
        file failure`, unless a later `%PKI-6-PKCS12_IMPORT_SUCCESS` for the
        same trustpoint shows the import was redone.

    Why it matters
        The trustpoint stays without its key and certificate, so the function
        that was meant to use the imported identity (CME TLS, a CA key restored
        from its archive, a third-party certificate) does not work. Some IOS XE
        releases cannot read PKCS#12 files protected with SHA-256/AES, the
        default of current OpenSSL.

    Evidence
        `%PKI-3-PKCS12_IMPORT_FAILURE: PKCS #12 import failed for trustpoint:
        CME. Reason: Failed to import pkcs12 context`; the status line above.
        `KEY_CMP_MISMATCH` messages after a successful import are not failures.

    False positives
        A failed attempt followed by a successful import of the same trustpoint
        is not reported.

    References
        Secure CME primer F13 (PKCS12 shape: E_DIGEST_ALG_NOT_SUPPORTED on an
        imported PKCS12 file); messages.md §1.3.
    """

    id = "PKI017"
    name = "pkcs12-import-failed"
    title = "PKCS#12 import failed"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    tags = ("pki", "pkcs12")
    requires = ("pki.pkcs12.import_failed", "pki.status")
    explains = ("PKI014", "PKI016")
    collect = ("show logging | include PKCS12", "debug crypto pki transactions", "show crypto pki certificates <tp>")
    remediation = (
        Step("config", "no crypto pki trustpoint {trustpoint}", why="remove the half-made trustpoint; re-export "
             "the file first with algorithms IOS reads (openssl pkcs12 -export -legacy -certpbe PBE-SHA1-3DES "
             "-keypbe PBE-SHA1-3DES -macalg sha1)",
             warning="deletes the trustpoint and any certificate it holds"),
        Step("config", "crypto pki import {trustpoint} pkcs12 {url} password {password}"),
    )
    verify = "Verify with `%PKI-6-PKCS12_IMPORT_SUCCESS` and `show crypto pki certificates {trustpoint}`."

    def evaluate(self, case):
        successes = list(case.events_of("pki.pkcs12.imported"))
        failures = list(case.events_of("pki.pkcs12.import_failed")) + \
            [e for e in case.events_of("pki.status") if is_pkcs12_context(e)]
        open_failures = [f for f in failures if not any(
            s.fields.get("trustpoint") in (None, f.fields.get("trustpoint")) and happened_before(f, s) for s in successes)]
        if not open_failures:
            return
        first = open_failures[0]
        trustpoints = sorted({f.fields["trustpoint"] for f in open_failures if f.fields.get("trustpoint")})
        reasons = list(dict.fromkeys(f.fields.get("reason") or f.fields.get("error") for f in open_failures
                                     if f.fields.get("reason") or f.fields.get("error")))
        message = (f"PKCS#12 import failed{' for trustpoint ' + ', '.join(trustpoints) if trustpoints else ''} "
                   f"({len(open_failures)} message(s){first_at(first.ts)})"
                   + (f": {'; '.join(reasons[:3])}" if reasons else "") + ", and no later import succeeded.")
        if any("DIGEST" in (f.fields.get("error") or "") for f in open_failures):
            message += " The file's digest algorithm is not supported by this release: re-export it with SHA-1/3DES."
        yield self.finding(message, [Evidence.of(f) for f in open_failures[:4]], first_seen=first.ts,
                           device=first.device, trustpoint=trustpoints[0] if trustpoints else None)
