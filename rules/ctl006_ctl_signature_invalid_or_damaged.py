from __future__ import annotations

from cmedebug.engine import Rule
from cmedebug.remediation_steps import CTL_REGENERATE, PHONES_RESTART
from cmedebug.model import Confidence, Severity
from cmedebug.rules._format import evidence_of

BAD_VERDICTS = {"invalid": "its signature does not verify", "damaged": "the file is damaged",
                "signer-not-found": "its signer is not one of its own SAST records",
                "unsupported-algorithm": "it uses a hash or signature algorithm phones do not support"}


class CtlSignatureInvalidOrDamaged(Rule):
    """A CTL (or ITL) file is damaged or its signature does not verify.

    What it detects
        Trust list files (`CTLFile.tlv`, `CTLSEP<MAC>.tlv`, `ITL*.tlv`) that the
        decoder could not read to the end, or whose signature does not verify
        with the signer certificate the file itself names.

    Why it matters
        The phone checks the same signature. A damaged or badly signed CTL is
        refused: a new phone installs nothing and stays non-secure, a phone
        with a CTL keeps its old one (`CTL update failed`).

    Evidence
        The decoded header (signer name and serial, hash algorithm) and the
        verdict of the signature check (`invalid`, `damaged`, `signer-not-found`)
        with the offset of the damage.

    False positives
        A file truncated while being copied for the case (not on the server):
        fetch it again from CME's TFTP server.

    References
        formats.md §2 (CTL/ITL layout and signature); Secure CME primer §2.3.
    """

    id = "CTL006"
    name = "ctl-signature-invalid-or-damaged"
    title = "CTL file damaged or signature invalid"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    tags = ("ctl",)
    requires = ("ctl.file",)
    explains = ("CFG007",)
    collect = ("CTLSEP<MAC>.tlv from CME's TFTP server (binary)", "debug ctl-client")
    remediation = (
        *CTL_REGENERATE,
        *PHONES_RESTART,
    )
    verify = "Verify with `cmedebug ctl verify CTLSEP{mac}.tlv` (valid) and the phone (Trust List Updated)."

    def evaluate(self, case):
        for ctl in list(case.facts_of("ctl.file")):
            verdict = ctl.fields.get("verdict")
            if verdict not in BAD_VERDICTS and not ctl.fields.get("error"):
                continue
            reason = ctl.fields.get("verdict_reason") or ctl.fields.get("error") or ""
            yield self.finding(
                f"{(ctl.fields.get('kind') or 'ctl').upper()} file {ctl.fields.get('filename')} (signed by "
                f"{ctl.fields.get('signer_name')} SN {ctl.fields.get('signer_serial')}) cannot be trusted: "
                f"{BAD_VERDICTS.get(verdict, 'the file is damaged')}" + (f" ({reason})." if reason else "."),
                evidence_of([ctl]), filename=ctl.fields.get("filename"))
