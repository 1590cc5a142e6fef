from __future__ import annotations

from cmedebug.engine import Rule
from cmedebug.model import Confidence, Severity
from cmedebug.rules._helpers import evidence_of, fmt_time, sast_break, sast_continuity_proven

REFUSED = ("phone.status.trust_list_update_failed", "phone.status.ctl_update_failed")


class SastSignerChanged(Rule):
    """Phones refuse the new CTL because it is signed by a SAST they do not know.

    What it detects
        A new CTL whose signer (the SAST1 certificate named in its header) is
        not one of the SAST records of the previous CTL, which is what the
        phones hold; and phones reporting `Trust List Update Failed` / `CTL
        update failed`. With both, the cause is proven; the phone message alone
        is reported with medium confidence (a phone holding another system's
        trust list gives the same message, see CTL009).

    Why it matters
        A phone that already holds a CTL accepts a new one only when a SAST of
        its stored CTL signed it. After SAST1 was re-keyed, renamed, moved to a
        new router without its key, or SAST1 and SAST2 were both replaced, the
        phones keep the old CTL: TLS to the new certificates and signed configs
        fail, and configuration changes stop reaching the phones.

    Evidence
        Two `CTLFile.tlv` / `CTLSEP<MAC>.tlv` files: the newer one's header
        signer serial absent from the older one's SAST records; phone status
        `Trust List Update Failed`; a phone console without `SECUREAPP-TL file
        verified successfully.`.

    Remediation
        1. If an original SAST key survives: `configure terminal`, `ctl-client`,
           `sast1 trustpoint <surviving original SAST>`, `sast2 trustpoint <new SAST>`,
           `regenerate`, `end`.
        2. Otherwise erase the CTL on each phone (Settings > Security
           Configuration > CTL File, unlock with `**#`, Erase) or factory reset it.
        3. Prevent it: keep SAST keys exportable and backed up, SAST1 different from SAST2.
        Verify with the phone's status messages (`Trust List Updated`) and a test
        configuration change reaching the phone.

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
    requires = ("crosscheck.sast_continuity", *REFUSED)
    explains = ("CFG002", "CFG007", "CTL009", "TLS003")
    collect = ("the phone's status messages", "CTLSEP<MAC>.tlv before and after the change", "show ctl-client",
               "show crypto pki certificates")
    remediation = (
        "configure terminal",
        " ctl-client",
        "  sast1 trustpoint <surviving original SAST>",
        "  sast2 trustpoint <new SAST>",
        "  regenerate",
        "end",
    )
    verify = "Verify with the phone's status messages (Trust List Updated) and a test change reaching the phone."

    def evaluate(self, case):
        refused = list(case.events_of(*REFUSED))
        check = sast_break(case)
        if check is not None:
            f = check.fields
            message = (f"The new CTL {f.get('new_path')} ({fmt_time(f.get('new_timestamp'))}) is signed by SN "
                       f"{f.get('signer_serial')}, which is not a SAST of the previous CTL {f.get('previous_path')} "
                       f"(SAST SN {', '.join(map(str, f.get('previous_sast_serials') or []))}; {f.get('verdict_reason')}): "
                       "phones holding the previous CTL refuse it.")
            if refused:
                message += f" The phone reported '{_said(refused[0])}'."
            yield self.finding(message, evidence_of([check, *refused[:2]], 3), first_seen=f.get("new_timestamp"))
        elif refused and not sast_continuity_proven(case):
            yield self.finding(
                f"The phone {refused[0].device or ''} reported '{_said(refused[0])}' at {fmt_time(refused[0].ts)}: it "
                "refused the new CTL, most likely because its signer (SAST) is not in the CTL it holds. Provide the "
                "previous and the new CTL to confirm.".replace("phone  ", "phone "),
                evidence_of(refused, 3), confidence=Confidence.MEDIUM, first_seen=refused[0].ts)


def _said(event) -> str:
    return (event.raw or (event.kind,))[0].strip()
