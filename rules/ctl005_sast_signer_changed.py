from __future__ import annotations

from cmedebug.engine import Rule
from cmedebug.remediation import Step
from cmedebug.remediation_steps import PHONES_ERASE_CTL, SAST_SURVIVOR_SIGNS
from cmedebug.model import Confidence, Severity
from cmedebug.formatting import fmt_time
from cmedebug.rules._device import trustpoint_configs
from cmedebug.rules._evidence import happened_before
from cmedebug.rules._format import evidence_of
from cmedebug.rules._trust import sast_break, sast_continuity_proven, trust_list_refusals, TRUST_LIST_REFUSED


class SastSignerChanged(Rule):
    """Phones refuse the new CTL because it is signed by a SAST they do not know.

    What it detects
        A new CTL whose signer (the SAST1 certificate named in its header) is
        not one of the SAST records of the previous CTL, which is what the
        phones hold; a SAST1 key replaced before the CTL was regenerated; and
        phones reporting `Trust List Update Failed` / `CTL update failed`. The
        two files, or the new key with the phone's refusal, prove the cause; the
        phone message alone is reported with medium confidence (a phone holding
        another system's trust list gives the same message, see CTL009).

    Why it matters
        A phone that already holds a CTL accepts a new one only when a SAST of
        its stored CTL signed it. After SAST1 was re-keyed, renamed, moved to a
        new router without its key, or SAST1 and SAST2 were both replaced, the
        phones keep the old CTL: TLS to the new certificates and signed configs
        fail, and configuration changes stop reaching the phones.

    Evidence
        Two `CTLFile.tlv` / `CTLSEP<MAC>.tlv` files: the newer one's header
        signer serial absent from the older one's SAST records; a new SAST1 key
        (`%CRYPTO_ENGINE-5-KEY_ADDITION: A key named sast1 ...`) before the CTL
        was regenerated (`CTL File Created Successfully`); phone status
        `Trust List Update Failed`; a phone console without `SECUREAPP-TL file
        verified successfully.`.

    False positives
        A phone that was moved from CUCM or another CME (CTL009) reports the
        same message; the two-file comparison tells them apart.

    References
        Secure CME primer F27 sast-signer-changed, §2.6 (safe SAST rotation);
        CME Security guide, "CTL File Maintenance"; formats.md §2.6, §7.3.
    """

    id = "CTL005"
    name = "sast-signer-changed"
    title = "SAST signer changed: phones refuse the new CTL"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    tags = ("ctl", "sast", "phone")
    requires = ("crosscheck.sast_continuity", *TRUST_LIST_REFUSED, "phone.status.file_auth_failed")
    explains = ("CFG002", "CFG007", "CTL009", "TLS003")
    collect = ("the phone's status messages", "CTLSEP<MAC>.tlv before and after the change", "show ctl-client",
               "show crypto pki certificates")
    remediation = (*SAST_SURVIVOR_SIGNS, *PHONES_ERASE_CTL)
    # A refusal alone does not tell which SAST changed: what tells it, and nothing erased on the phones yet.
    WHICH_SAST_CHANGED = (
        Step("exec", "show ctl-client", why="which trustpoints are SAST1 and SAST2 now"),
        Step("exec", "show crypto pki certificates",
             why="the SAST trustpoints' serials (`show ctl-client` names them): a SAST whose serial is a SAST "
                 "record of the CTL the phones hold (`cmedebug ctl show` on a CTLSEP<mac>.tlv from before the "
                 "change) survives and must sign the next CTL; erase the phones' CTL only if none does"),
    )
    variants = (("only a phone's refusal is in the evidence (not the CTL before and after the change)",
                 WHICH_SAST_CHANGED),)
    verify = "Verify with the phone's status messages (Trust List Updated) and a test change reaching the phone."

    def evaluate(self, case):
        refused = trust_list_refusals(case)
        check = sast_break(case)
        if check is not None:
            f = check.fields
            message = (f"The new CTL {f.get('new_path')} ({fmt_time(f.get('new_timestamp'))}) is signed by SN "
                       f"{f.get('signer_serial')}, which is not a SAST of the previous CTL {f.get('previous_path')} "
                       f"(SAST SN {', '.join(map(str, f.get('previous_sast_serials') or []))}"
                       + (f"; {f.get('verdict_reason')}" if f.get("signer_in_previous") else "") + "): "
                       "phones holding the previous CTL refuse it.")
            if refused:
                message += f" The phone reported '{_said(refused[0])}'."
            yield self.finding(message, evidence_of([check, *refused[:2]], 3), first_seen=f.get("new_timestamp"))
            return
        if sast_continuity_proven(case):
            return  # every CTL chains: a refusing phone holds another system's list (CTL009)
        rekey = _sast1_rekeyed_before_rebuild(case)
        phone = refused[0] if refused else None
        said = f"{phone.device or 'the phone'} reported '{_said(phone)}'" if phone else ""
        if rekey is not None:
            key, built = rekey
            message = (f"The SAST1 key {key.fields.get('label')} was replaced at {fmt_time(key.ts)} "
                       f"(%CRYPTO_ENGINE-5-KEY_ADDITION) before the CTL was regenerated at {fmt_time(built.ts)}: the new "
                       "CTL is signed by a key that is not in the CTL the phones hold")
            message += f", and {said}." if phone else "; phones that hold the previous CTL will refuse it."
            yield self.finding(message, evidence_of([key, built, phone]), first_seen=key.ts,
                               confidence=Confidence.HIGH if phone else Confidence.MEDIUM)
        elif phone is not None:
            when = f" at {fmt_time(phone.ts)}" if phone.ts else ""
            yield self.finding(
                f"{said[0].upper() + said[1:]}{when}: it refused the new CTL, most likely because its signer (SAST) is "
                "not in the CTL it holds. Provide the previous and the new CTL to confirm.",
                evidence_of(refused, 3), confidence=Confidence.MEDIUM, first_seen=phone.ts,
                remediation=self.WHICH_SAST_CHANGED)


def _sast1_rekeyed_before_rebuild(case):
    """(key event, CTL build event) when the SAST1 trustpoint's key pair was
    (re)generated and the CTL built after it; None otherwise. On a first build
    that is normal, so the caller needs a refusing phone or an earlier build."""
    names = {f.fields.get("sast1_trustpoint") for kind in ("config.ctl_client", "ctl_client.summary")
             for f in list(case.facts_of(kind))} - {None}
    if not names:
        names = {next((e.fields.get("trustpoint") for e in case.events_of("ctl_client.record_requested")
                       if e.fields.get("function") == 0), None)} - {None}
    configs = trustpoint_configs(case)
    labels = names | {configs[n].fields.get("rsakeypair") for n in names if n in configs}
    builds = list(case.events_of("ctl_client.created"))
    for key in case.events_of("crypto.key.added"):
        if key.fields.get("label") not in labels:
            continue
        later = [b for b in builds if happened_before(key, b)]
        earlier = [b for b in builds if happened_before(b, key)]
        if later and (earlier or trust_list_refusals(case)):
            return key, later[-1]
    return None


def _said(event) -> str:
    return (event.raw or (event.kind,))[0].strip()
