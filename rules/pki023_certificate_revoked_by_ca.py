from __future__ import annotations

from cmedebug.engine import Rule
from cmedebug.formatting import fmt_time
from cmedebug.model import Confidence, Evidence, Severity
from cmedebug.remediation import Step
from cmedebug.remediation_steps import PHONE_FILE_THEN_RESET, enroll_steps, null_string_upgrade
from cmedebug.rules._certs import describe_cert
from cmedebug.rules._links import CERT_FAILURE_SYMPTOMS, same_device
from cmedebug.rules._revocation import failures_after, lookups, phone_macs, revocations, revoked_certificates

class CertificateRevokedByCa(Rule):
    """A certificate in use was revoked on its CA.

    What it detects
        Evidence that a CA revoked a serial: `crypto pki server <ca> revoke
        <serial>` typed at the CA router's prompt, the serial listed under
        `Revoked Certificates:` of a CRL (`crypto pki server <ca> info crl`,
        `show crypto pki crls`), or `%PKI-3-CERTIFICATE_REVOKED` (a checking side
        refused it); matched with the certificates of the case that CA issued
        under that serial (the router's own, by trustpoint, or a phone's LSC),
        and with `CRYPTO_PKI(Cert Lookup) issuer="cn=<CA>" serial number= <hex>`
        (a device validating it as a peer presented it). The certificate failures of that device after the revocation (a refusal
        naming the serial, a handshake failure from the phone's address, failures
        of the router's own TLS and CAPF services) are cited and their findings
        explained. A CRL entry that no certificate of the case carries is normal
        and not reported.

    Why it matters
        From the next CRL on, every peer that checks revocation (IOS trustpoints
        with `revocation-check crl`, the default) refuses the certificate: TLS
        to the phones, CAPF or the CTL provider fails although the certificate
        has not expired. A serial revoked by mistake (decimal typed for hex) hits
        another certificate than the one meant.

    Evidence
        `Router# crypto pki server srstcaserver revoke 0x2` (IOS reads the serial
        as hex after `0x`, else as decimal); `show crypto pki certificates`
        printing that serial issued by the CA; `Serial Number: 0x02` under
        `Revoked Certificates:`; `%PKI-3-CERTIFICATE_REVOKED: ... (SN: 02) is
        revoked` (the last two shapes inferred, not in ../shared/domain).

    False positives
        A revocation that was the fix (a stolen phone's certificate): then the
        finding is the record of it, and the re-enrollment is only for a
        certificate still meant to be used.

    References
        ios-commands.md (`crypto pki server <cs> revoke <serial>`, Router#);
        Secure CME primer F14 (CRL checking, `revocation-check`); IOS PKI
        configuration guide (`show crypto pki crls`, certificate server
        `info crl`).
    """

    id = "PKI023"
    name = "certificate-revoked-by-ca"
    title = "Certificate in use revoked on the CA"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    tags = ("pki", "crl", "certificate")
    requires = ("pki.cs.revoke", "pki.crl", "pki.cert.invalid_revoked")
    explains = CERT_FAILURE_SYMPTOMS + ("TLS005", "PKI011")
    links_across_devices = True  # (the failures the revocation hit may be on another device)
    collect = ("show crypto pki certificates", "show crypto pki crls")
    # The CA that revokes and the devices that present or check the certificate are different
    # routers: a revocation joins a certificate only by its identity (issuer and serial, unique
    # per CA), a failure only by that serial, the phone's registered address on that CME, or the
    # services of the router whose own certificate it is.
    across_devices = True
    ROUTER_FIX = enroll_steps("trustpoint", why="a new certificate for the trustpoint whose certificate was revoked")
    PHONE_FIX = (
        Step("config", "ephone {ephone}"),
        null_string_upgrade(
            why="the phone whose LSC was revoked gets a new one (a new serial) at its next CAPF session"),
        *PHONE_FILE_THEN_RESET,
    )
    PHONE_VERIFY = "Verify with `show capf-server sessions` (the phone's session), the phone (LSC: Installed) and `show ephone` (+ Authentication)."
    remediation = ROUTER_FIX + PHONE_FIX
    variants = (("only router certificates were revoked", ROUTER_FIX), ("only phones' LSCs were revoked", PHONE_FIX))
    verify = ("Verify with `show crypto pki certificates {trustpoint}` (a new serial), the phone (LSC: Installed) "
              "and a handshake that completes.")

    def evaluate(self, case):
        for revocation in revocations(case):
            certs = revoked_certificates(case, revocation)
            looked_up = lookups(case, revocation)
            after = failures_after(case, revocation, certs, looked_up)
            refusal = revocation.first("refused")
            if refusal is None and revocation.first("revoke") is None and not (certs or after or looked_up):
                continue  # a CRL entry no certificate of the case carries: the CRL doing its job
            trustpoints = [tp for c in certs for tp in c.fields.get("trustpoints") or []
                           if tp.lower() != (revocation.ca or "").lower()]
            macs = phone_macs(certs)
            ephones = sorted({f.fields["ephone"] for f in case.facts_of("config.ephone")
                              if (f.fields.get("mac") or "").upper().removeprefix("SEP") in macs and f.fields.get("ephone")})
            in_use = bool(trustpoints or macs or after or refusal or looked_up)
            fix = ((self.ROUTER_FIX if trustpoints else ()) + (self.PHONE_FIX if macs else ())) or self.remediation
            verify = self.PHONE_VERIFY if macs and not trustpoints else self.verify
            finding = self.finding(
                self._message(revocation, certs, trustpoints, macs, after, looked_up),
                [Evidence.of(item) for _, item, _ in revocation.items[:3]] + [Evidence.of(c) for c in certs[:1]]
                + [Evidence.of(e) for e in looked_up[:1]]
                + [Evidence.of(e) for e in after[:3]],
                severity=self.severity if in_use else Severity.MEDIUM,
                confidence=self.confidence if certs or refusal or looked_up else Confidence.MEDIUM, first_seen=revocation.when,
                serial=revocation.serial, ca=revocation.ca, trustpoint=trustpoints or [], ephone=ephones or [],
                phones=[f"SEP{m}" for m in macs], revoked_by=[how for how, _, _ in revocation.items],
                symptom_lines=sorted({f"{e.source.path}:{e.source.first_line}" for e in after}), remediation=fix, verify=verify)
            finding.device = _device_concerned(revocation, certs, after)
            yield finding

    def links(self, cause, symptom, case) -> bool:
        """A symptom whose evidence is one of the failures the revocation hit; or a
        certificate failure on the revocation's device and not before it."""
        cited = set(cause.data.get("symptom_lines") or [])
        if any(f"{e.source.path}:{e.source.first_line}" in cited for e in symptom.evidence):
            return True
        return symptom.rule_id in CERT_FAILURE_SYMPTOMS and same_device(cause.device, symptom.device) and (
            cause.first_seen is None or symptom.first_seen is None or symptom.first_seen >= cause.first_seen)

    @staticmethod
    def _message(revocation, certs, trustpoints, macs, after, looked_up) -> str:
        what = describe_cert(certs[0]) if certs else f"certificate SN {revocation.serial}"
        command, crl, refusal = (revocation.first(h) for h in ("revoke", "crl", "refused"))
        if command is not None:
            text = (f"`{command.fields.get('command')}` revoked the {what} on CA {revocation.ca}"
                    + (f" at {fmt_time(command.ts)}" if command.ts else "")
                    + ": peers that check the CRL refuse it from the next CRL on")
        elif crl is not None:
            text = f"The CRL of CA {revocation.ca} lists the {what} as revoked"
        else:
            text = f"A certificate check refused the {what} as revoked (%PKI-3-CERTIFICATE_REVOKED)"
        if command is not None and crl is not None:
            text += "; the CRL lists it"
        if refusal is not None and (command is not None or crl is not None):
            text += "; a certificate check refused it as revoked"
        if trustpoints:
            text += f"; trustpoint(s) {', '.join(trustpoints)} still use it"
        if macs:
            text += (f"; it is the certificate of phone(s) {', '.join('SEP' + m for m in macs)}, which cannot "
                     "register securely with it")
        if looked_up:
            validators = sorted({e.device or "a device" for e in looked_up})
            text += (f"; {', '.join(validators)} validated it after a peer presented it "
                     "(`CRYPTO_PKI(Cert Lookup)` names its issuer and serial)")
        text += "."
        if after:
            text += f" {len(after)} certificate failure(s) of that device follow the revocation."
        return text


def _device_concerned(revocation, certs, after) -> str | None:
    """The device the fix is typed on: the router whose own certificate was revoked, else the
    device whose failures the revocation explains, else the CA's."""
    owners = [c.device for c in certs if c.fields.get("trustpoints")]
    return (owners or [e.device for e in after] or [revocation.device])[0]
