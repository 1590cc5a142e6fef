from __future__ import annotations

from cmedebug.engine import Rule
from cmedebug.remediation_steps import CNF_FILES, CTL_REGENERATE, PHONES_RESTART
from cmedebug.model import Confidence, Severity
from cmedebug.rules._format import at_time, evidence_of


class ConfigSignatureRejectedByPhone(Rule):
    """The phone refuses a signed file: its signature does not check against the phone's CTL.

    What it detects
        Phone status `invalid file SEP<mac>.cnf.xml.sgn, authenticated fail.
        Reason:N` (and the same for other signed files), and signed
        configuration files whose signature does not verify.

    Why it matters
        The phone ignores the file: configuration changes never arrive, a new
        phone never learns its security mode or CAPF settings. Usual causes:
        the signer is not the CTL's TFTP record (CTL004), the CTL is stale
        (CTL002), or the phone holds another system's trust list (CTL009).

    Evidence
        `invalid file SEP0011223344AA.cnf.xml.sgn, authenticated fail. Reason:14.`
        on the phone's Status Messages screen.

    False positives
        None known: the phone states the failure itself.

    References
        Secure CME primer §1.10 of messages.md (phone status), F25, F27, F28.
    """

    id = "CFG002"
    name = "config-signature-rejected-by-phone"
    title = "Phone rejects the signature of its configuration file"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    tags = ("config", "phone", "signed-config")
    requires = ("phone.status.file_auth_failed", "crosscheck.config_signer")
    collect = ("the phone's status messages", "SEP<MAC>.cnf.xml.sgn and CTLSEP<MAC>.tlv from CME's TFTP server",
               "show ctl-client")
    remediation = (
        *CTL_REGENERATE,
        *CNF_FILES,
        *PHONES_RESTART,
    )
    verify = "Verify with the phone's status messages (no 'authenticated fail') and a test change reaching the phone."

    def evaluate(self, case):
        by_file: dict[str, list] = {}
        for ev in case.events_of("phone.status.file_auth_failed"):
            if ev.fields.get("file_type") in ("ctl", "itl"):
                continue  # a refused trust list is CTL005 / CTL006 / CTL009
            by_file.setdefault(ev.fields.get("filename") or "?", []).append(ev)
        for filename, events in by_file.items():
            first = events[0]
            yield self.finding(
                f"The phone {first.device or ''} refused {filename}: 'authenticated fail. Reason:"
                f"{first.fields.get('code')}' ({len(events)} time(s){at_time(first.ts)}); the file's "
                "signer is not the TFTP record of the phone's CTL.".replace("phone  ", "phone "),
                evidence_of(events, 3), first_seen=first.ts, mac=first.fields.get("mac"), filename=filename)
        for check in list(case.facts_of("crosscheck.config_signer")):
            f = check.fields
            if f.get("signer_source") == "sgn" and f.get("verdict") == "invalid" and f.get("filename") not in by_file:
                yield self.finding(f"{f.get('filename')}: the signature does not verify with the TFTP record of the "
                                   f"CTL ({f.get('verdict_reason') or 'bad signature'}); phones holding that CTL refuse it.",
                                   evidence_of([check]), mac=f.get("mac"), filename=f.get("filename"))
