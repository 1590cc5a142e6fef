from __future__ import annotations

from cmedebug.engine import Rule
from cmedebug.remediation_context import sast_names
from cmedebug.remediation_steps import (CNF_FILES, CTL_REGENERATE, LSC_UPGRADE, PHONES_ERASE_CTL, PHONES_RESTART,
                                         SAST_SURVIVOR_SIGNS)
from cmedebug.model import Confidence, Severity
from cmedebug.formatting import fmt_delta, fmt_time
from cmedebug.rules._certs import device_now
from cmedebug.rules._device import functional_trustpoints, trustpoint_certificates
from cmedebug.rules._format import evidence_of
from cmedebug.rules._trust import ctl_built_at


class CtlStaleAfterTrustpointChange(Rule):
    """The CTL is older than a certificate it should carry: it was not regenerated.

    What it detects
        A trustpoint named in the CTL client (CME, TFTP, CAPF, SAST1, SAST2)
        whose current certificate starts after the CTL was built: the CTL
        file's own timestamp, or the last `CTL File Created Successfully`,
        is older than the certificate's start date (or install time).

    Why it matters
        The phones trust the certificates in their CTL. After a re-enrollment, a
        new key or a rebuilt CA, CME presents a certificate the CTL does not
        hold: TLS to 2443 and CAPF fail, and signed configs are refused, until
        `regenerate` is run and the phones take the new CTL. When SAST1's
        certificate is among the changed ones, a CTL it signs is refused too: the
        original SAST2 signs it instead (`sast1`/`sast2` swapped), or, when both
        changed, every phone erases its CTL.

    Evidence
        `show crypto pki certificates` -> `Validity Date: start date: 10:02:11
        UTC Nov 26 2026` for the certificate of trustpoint `cme-sccp`, against the
        CTL header time (`CTLFile.tlv`) or `CTL File Created Successfully` at an
        earlier time.

    False positives
        A certificate renewed to the same key keeps working with some phone
        loads; the CTL is still stale and should be regenerated. A certificate
        whose start is after the router's own time comes from a CA clock ahead
        of CME (CLK005), not from a re-enrollment, and is not reported here;
        nor is one the CTL's records carry (same serial, start and issuer):
        a CA whose clock ran ahead dates what it issues after the CTL built
        from it, and that CTL is not stale.

    References
        Secure CME primer F23 ctl-stale-after-change and §2.7 (rebuilding the CA);
        CME Security guide ("regenerate" after CTL changes).
    """

    id = "CTL002"
    name = "ctl-stale-after-trustpoint-change"
    title = "CTL not regenerated after a trustpoint certificate changed"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    tags = ("ctl", "certificate", "validity")
    requires = ("ctl.file", "ctl_client.created")
    explains = ("CTL003", "CTL004", "CTL007", "TLS003", "CFG002", "CFG007", "CAPF007")
    collect = ("show crypto pki certificates", "debug ctl-client", "CTLSEP<MAC>.tlv from CME's TFTP server",
               "show ctl-client")
    remediation = (
        *CTL_REGENERATE,  # SAST_SURVIVOR_SIGNS instead when SAST1's certificate is among the changed ones
        *LSC_UPGRADE,  # only when the CA itself was rebuilt after the CTL; else `create cnf-files` alone
        *PHONES_RESTART,
    )
    verify = "Verify with `debug ctl-client` (CTL File Created Successfully after the change) and `show ephone` (+ Authentication)."

    def evaluate(self, case):
        built, source = ctl_built_at(case)
        if built is None:
            return
        certs = trustpoint_certificates(case)
        carried = _carried(case)
        stale = []
        for tp in sorted(_ctl_trustpoints(case)):
            cert = certs.get(tp)
            start = cert and (cert.fields.get("install_time") or cert.fields.get("not_before"))
            now, _ = device_now(case, cert.device) if cert else (None, "")
            # a start after the device's own time is clock skew (CLK rules), not a later re-enrollment; a
            # certificate the CTL's records carry is in it, however its dates compare with the CTL's
            # (a CA whose clock ran ahead dates what it issues after the CTL built from it: CLK005)
            if start and start > built and (now is None or start <= now) and _key(cert) not in carried:
                stale.append((tp, cert, start))
        if not stale:
            return
        names = "; ".join(f"{tp} (SN {c.fields.get('serial')}, from {fmt_time(s)}, "
                          f"{fmt_delta(s - built)} after the CTL)" for tp, c, s in stale[:5])
        new_ca = _ca_rebuilt_after(case, built, carried)
        message = (f"The CTL was built at {fmt_time(built)}, before the current certificate of {names}: the CTL "
                   "still carries the old certificates, so phones do not trust what CME presents now.")
        if new_ca is not None:
            message += (f" The CA certificate itself ({new_ca.fields.get('subject')}) starts at "
                        f"{fmt_time(new_ca.fields['not_before'])}: the CA was rebuilt, so the phones' LSCs, "
                        "signed by the old CA, must be issued again too.")
        regenerate, sasts, erase = CTL_REGENERATE, {}, ()
        changed = {tp for tp, _, _ in stale}
        signer, spare = sast_names(case).get("sast1"), sast_names(case).get("sast2")
        if signer in changed:  # a CTL SAST1 signs now is one the phones refuse (primer F27, §2.6)
            if spare and spare != signer and spare not in changed:
                regenerate, sasts = SAST_SURVIVOR_SIGNS, {"surviving_sast": spare, "replaced_sast": signer}
                message += (f" SAST1 ({signer}) is among them: the phones would refuse a CTL it signs, so {spare}, "
                            "the SAST they still trust, signs it and the new one becomes the spare.")
            else:
                erase, sasts = PHONES_ERASE_CTL, {"lost_sasts": " and ".join(sorted({signer, spare} - {None}))}
                message += (" No original SAST survives: the phones refuse any CTL CME can sign now and must "
                            "erase the one they hold.")
        yield self.finding(
            message, evidence_of([source, *(c for _, c, _ in stale), new_ca], 6), first_seen=stale[0][2],
            remediation=(*regenerate, *(LSC_UPGRADE if new_ca is not None else CNF_FILES), *PHONES_RESTART, *erase),
            trustpoints=[tp for tp, _, _ in stale], **sasts)


def _ca_rebuilt_after(case, built, carried):
    """A self-signed CA certificate that starts after the CTL was built (and not in the device's future),
    unless the CTL carries a certificate it issued: one of its name that starts no earlier than it (a
    CA whose clock ran ahead; a CA rebuilt under the same name issued the CTL's certificates before)."""
    for cert in case.facts_of("cert"):
        f = cert.fields
        start, subject = f.get("not_before"), (f.get("subject") or "").lower()
        now, _ = device_now(case, cert.device)
        issued_in_ctl = any(issuer == subject and begins and begins >= start for _, begins, issuer in carried)
        if subject and subject == (f.get("issuer") or "").lower() and start and start > built \
                and (now is None or start <= now) and not issued_in_ctl:
            return cert
    return None


def _key(cert) -> tuple:
    """A certificate as the CTL's records are compared with it: serial, start, issuer."""
    f = cert.fields
    return f.get("serial"), f.get("not_before"), (f.get("issuer") or "").lower()


def _carried(case) -> set[tuple]:
    """The certificates the CTL's records carry (``_key``)."""
    return {_key(record) for record in case.facts_of("ctl.record") if record.fields.get("serial")}


def _ctl_trustpoints(case) -> set[str]:
    """Every trustpoint the CTL client puts in the CTL (servers and SASTs)."""
    return {tp for tp, uses in functional_trustpoints(case).items() if any(u.startswith("ctl-client") for u in uses)}
