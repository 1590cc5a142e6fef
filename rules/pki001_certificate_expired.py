from __future__ import annotations

from cmedebug.engine import Rule
from cmedebug.remediation import Step
from cmedebug.remediation_context import sast_names
from cmedebug.remediation_steps import LSC_UPGRADE, PHONES_RESTART, RENEWAL_BEFORE_RESTART, trustpoint_steps
from cmedebug.model import Confidence, Evidence, Severity
from cmedebug.formatting import fmt_delta, fmt_time
from cmedebug.rules._certs import (
    IOS_CA_OWN_SERIAL, certificates, describe_cert, is_ca_cert, is_phone_cert, judging_time, serves_no_cme_function,
    not_its_own_time, validity_failures,
)
from cmedebug.rules._device import functional_trustpoints
from cmedebug.rules._format import first_at
from cmedebug.rules._links import CERT_FAILURE_SYMPTOMS

_RENEWED = (
    *RENEWAL_BEFORE_RESTART,
    *trustpoint_steps("trustpoint", "auto-enroll 70", why="renew before the end next time, keeping the key"),
)
# Where no LSC is issued again (no CAPF, or none of the expired certificates serves CME).
_WITHOUT_LSCS = (*_RENEWED, *PHONES_RESTART)
# A serial 1 the evidence holds no certificate for: most likely the CA's own, which no renewal of a
# trustpoint replaces; what the router holds says which (then PKI002's steps, or a renewal).
_WHICH_CERTIFICATE = (
    Step("exec", "show crypto pki certificates",
         why="which certificate SN 1 is: the CA's own (`CA Certificate`, serial 01: PKI002's rebuild) or a "
             "trustpoint's (renewed as PKI001 says once cmedebug reads this output)"),
    Step("exec", "show crypto pki server", why="the CA certificate's expiration timer, on the router that runs the CA"),
)


class CertificateExpired(Rule):
    """A router certificate has expired.

    What it detects
        One of the router's own certificates (CME TLS, TFTP signer, CAPF, SAST,
        CTL provider, RA) whose end date is before the time the device believes
        it is: `%PKI-3-CERTIFICATE_INVALID_EXPIRED` naming a serial that is not
        a CA or phone certificate, a `show crypto pki certificates` entry whose
        `end date:` is before that device's `show clock`, or a TLS peer
        answering with a `certificate expired` alert. One finding per device
        names every expired certificate by serial and trustpoint, says when each
        ended and what depends on it (secure-signaling, TFTP signing, CAPF,
        SAST), with an enroll command per trustpoint.

    Why it matters
        IOS CA certificates last 365 days by default. When the CME (secure
        signaling), TFTP (config signer), CAPF or SAST certificate expires,
        phones fail TLS to 2443 and drop to "registering", CAPF sessions fail and
        signed configs may be refused.

    Evidence
        `%PKI-3-CERTIFICATE_INVALID_EXPIRED: Certificate chain validation has
        failed. The certificate (SN: 1A) has expired. Validity period ended on
        13:09:32 UTC Jun 12 2025`; `show crypto pki certificates`: `end date:
        09:44:00 PST Mar 10 2026` with `Associated Trustpoints: cme-tls`, against
        `show clock`. Without any device time the analysis date is used, at
        medium severity and low confidence.

    False positives
        A device whose clock is far ahead reports valid certificates as expired:
        check CLK findings first. CA certificates are PKI002, phone LSCs PKI018,
        MIC roots PKI019. A serial 1 that no output of the case shows is most
        likely the CA's own (an IOS CA numbers it 1): reported at low
        confidence with the outputs that tell, not a renewal. IOS's own
        self-signed HTTPS certificate (trustpoint `TP-self-signed-<n>`, ended
        2020-01-01 on older releases) is not reported unless a Secure CME
        function uses its trustpoint.

    References
        Secure CME primer F05 trustpoint-cert-expired, §2.6 renewal.
    """

    id = "PKI001"
    name = "certificate-expired"
    title = "Router certificate has expired"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    tags = ("pki", "certificate", "validity")
    requires = ("pki.cert.invalid_expired", "cert", "tls.handshake.failed")
    explains = CERT_FAILURE_SYMPTOMS + ("CTL002", "CTL003")
    collect = ("show crypto pki certificates verbose", "show logging | include PKI", "show clock detail")
    remediation = (
        *_RENEWED,
        # only when CME's own certificates expired and CAPF issues the phones' LSCs: the phones'
        # LSCs, from the same CA with the same lifetime, have expired too (inferred)
        *LSC_UPGRADE,
        # one restart, last: each phone fetches the new CTL and its file, which carries the CAPF
        # operation (primer F05: `reset` of each ephone or `reset all`; §2.4 step 4)
        *PHONES_RESTART,
    )
    variants = (("no LSC is issued again (no CAPF, or none of the expired certificates serves CME)", _WITHOUT_LSCS),
                ("the expired certificate is SN 1 and the evidence holds no certificate of that serial (most likely "
                 "the CA's own)", _WHICH_CERTIFICATE))
    verify = "Verify with `show crypto pki certificates {trustpoint}` (end date in the future) and `show ephone` (+ Authentication)."

    def evaluate(self, case):
        reported: set[str] = set()
        for finding in self._from_certificates(case):
            reported.update(finding.data["serials"])
            yield finding
        for serial, events in validity_failures(case, "pki.cert.invalid_expired", ("router", "unknown")).items():
            if serial in reported:
                continue
            first = events[0]
            ended = first.fields.get("not_after")
            message = (f"Certificate SN {serial} has expired: its validity ended on {fmt_time(ended)}; "
                       f"chain validation failed {len(events)} time(s){first_at(first.ts)}.")
            perhaps_ca = serial.lstrip("0") == IOS_CA_OWN_SERIAL
            if perhaps_ca:
                message += (" An IOS CA numbers its own certificate 1: this is most likely the CA certificate, which "
                            "no renewal of a trustpoint replaces; `show crypto pki certificates` says which.")
            yield self.finding(message, [Evidence.of(e) for e in events[:3]], first_seen=first.ts,
                               remediation=_WHICH_CERTIFICATE if perhaps_ca else _WITHOUT_LSCS,
                               confidence=Confidence.LOW if perhaps_ca else None,
                               serial=serial, not_after=ended, device=first.device)
        alerts = [e for e in case.events_of("tls.handshake.failed")
                  if "alert certificate expired" in (e.fields.get("reason") or "").lower()]
        if alerts and not reported:
            first = alerts[0]
            yield self.finding(
                f"The TLS peer {first.fields.get('peer_ip') or '?'} refused the certificate of the "
                f"{first.fields.get('service') or 'router'} service with `{first.fields.get('reason')}` "
                f"{len(alerts)} time(s){first_at(first.ts)}: the router's certificate has expired by "
                "the peer's clock.", [Evidence.of(e) for e in alerts[:3]], confidence=Confidence.MEDIUM,
                remediation=_WITHOUT_LSCS,
                first_seen=first.ts, serial=None, device=first.device)

    def _from_certificates(self, case):
        """One finding per device listing its expired certificates, oldest first."""
        by_device: dict = {}
        uses = functional_trustpoints(case)
        for cert in certificates(case):
            ended = cert.fields.get("not_after")
            if ended is None or is_ca_cert(cert) or is_phone_cert(cert) or serves_no_cme_function(cert, uses):
                continue
            now, basis = judging_time(case, cert.device, ended)
            if ended < now:
                by_device.setdefault(cert.device, (now, basis, []))[2].append(cert)
        for device, (now, basis, expired) in by_device.items():
            expired.sort(key=lambda c: c.fields["not_after"])
            serials = [c.fields.get("serial") for c in expired]
            rejected = [e for e in case.events_of("pki.cert.invalid_expired") if e.fields.get("serial") in serials]
            first = expired[0]
            message = (f"The {describe_cert(first)} expired on {fmt_time(first.fields['not_after'])}, "
                       f"{fmt_delta(now - first.fields['not_after'])} before {fmt_time(now)} ({basis}).")
            if len(expired) > 1:
                message += " Also expired: " + "; ".join(
                    f"{describe_cert(c)} on {fmt_time(c.fields['not_after'])}" for c in expired[1:6]) + "."
            depending = [f"{tp} for {', '.join(uses[tp])}" for c in expired for tp in c.fields.get("trustpoints") or []
                         if tp in uses]
            if depending:
                message += f" What depends on them: {'; '.join(dict.fromkeys(depending))}."
            if rejected:
                message += f" Chain validation rejected them {len(rejected)} time(s)."
            lscs_too = bool(depending) and case.has("config.capf_server")
            if lscs_too:
                message += (" CAPF issues the phones' LSCs from the same CA with the same lifetime: they have "
                            "most likely expired too (inferred), so they are issued again.")
            trustpoints = [tp for c in expired for tp in c.fields.get("trustpoints") or []]
            signer = sast_names(case).get("sast1")
            if signer in trustpoints:
                message += (f" The renewal below has {signer}, SAST1, sign the next CTL although its certificate "
                            "expired: a phone checks the CTL's signer against the SAST record of the CTL it holds "
                            "(inferred: no Cisco document says whether it also checks the signer's dates); a phone "
                            "that refuses that CTL keeps its old one and needs it erased (`erase ctl`).")
            unsure = not_its_own_time(basis)
            yield self.finding(message, [Evidence.of(c) for c in expired[:4]] + [Evidence.of(e) for e in rejected[:2]],
                               severity=Severity.MEDIUM if unsure else self.severity,
                               confidence=Confidence.LOW if unsure else self.confidence,
                               first_seen=min((e.ts for e in rejected if e.ts), default=None), serial=serials[0],
                               serials=serials, not_after=first.fields["not_after"], device=device, trustpoints=trustpoints,
                               remediation=self.remediation if lscs_too else _WITHOUT_LSCS)
