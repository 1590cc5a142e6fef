from __future__ import annotations

from cmedebug.engine import Rule
from cmedebug.remediation import Step
from cmedebug.model import Confidence, Severity
from cmedebug.formatting import fmt_time
from cmedebug.rules._device import secure_mode_intended
from cmedebug.rules._format import evidence_of, sep
from cmedebug.rules._trust import tftp_not_served


class SignedConfigMissingOrUnsigned(Rule):
    """Phones ask for their signed configuration file and CME does not have it.

    What it detects
        TFTP requests for `SEP<mac>.cnf.xml.sgn` answered with `Sending error 1
        No such file`, and phones reporting `File Not Found SEP<mac>.cnf.xml.sgn`.

    Why it matters
        A phone whose CTL holds a TFTP signer asks only for the signed file.
        Without it the phone keeps its previous settings (or none) and does not
        come up in the security mode it was configured for.

    Evidence
        `TFTP: Looking for SEP000E325C9A43.cnf.xml.sgn`, then `TFTP: Sending
        error 1 No such file`; phone status `File Not Found
        SEP000E325C9A43.cnf.xml.sgn`.

    False positives
        A phone with a CTL from another system asks for files this CME never
        made for it (CTL009).

    References
        Secure CME primer §2.4 (signed configuration files), F20, F21.
    """

    id = "CFG001"
    name = "signed-config-missing-or-unsigned"
    title = "Signed phone configuration not available"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    tags = ("config", "tftp", "signed-config")
    requires = ("tftp", "phone.status.file_not_found")
    collect = ("debug tftp events", "show telephony-service tftp-bindings", "show running-config")
    remediation = (
        Step("config", "telephony-service"),
        Step("config-telephony", "tftp-server-credentials trustpoint {tftp_trustpoint}",
             why="the trustpoint whose certificate signs the phones' files"),
        Step("config-telephony", "cnf-file perphone", why="secure phones need a file of their own"),
        Step("config-telephony", "create cnf-files", why="build and sign the files (.sgn)"),
    )
    verify = "Verify with `show telephony-service tftp-bindings` (.sgn bound) and `debug tftp events` (served)."

    def evaluate(self, case):
        level = {} if secure_mode_intended(case) else {"confidence": Confidence.MEDIUM}
        missing = tftp_not_served(case, "cnf_xml_sgn")
        missing += [(e, e) for e in case.events_of("phone.status.file_not_found")
                    if e.fields.get("file_type") == "cnf_xml_sgn"]
        if not missing:
            return
        macs = sorted({r.fields.get("mac") for r, _ in missing if r.fields.get("mac")})
        first = missing[0][0]
        yield self.finding(
            f"No signed configuration for {', '.join(sep(m) for m in macs[:5]) or 'the phone'}: "
            f"{len(missing)} request(s) for {first.fields.get('filename')}"
            f"{' and others' if len(macs) > 1 else ''} were not served, first at {fmt_time(first.ts)}.",
            evidence_of([e for pair in missing[:2] for e in pair[:1 if pair[0] is pair[1] else 2]], 4), first_seen=first.ts,
            macs=macs, **level)
