from __future__ import annotations

from cmedebug.model import Severity
from cmedebug.remediation import Step
from cmedebug.rules._advisory import Advisory
from cmedebug.rules._format import evidence_of, plural


class SipTrunkNotSupported(Advisory):
    """SIP trunk with Secure CME (only H.323 trunks supported).

    What it detects
        A Secure CME with VoIP dial-peers using SIP (`session protocol sipv2`).
        Reported only when phone security is in use.

    Why it matters
        The seed article and the SRTP section of the CME Security guide say Secure CME supports
        only H.323 trunks; newer restriction lists allow SIP and H.323 trunks on ISR G2 and a secure
        SIP trunk (CME 10+) only on SCCP CME, with no secure SIP lines. Calls over such a trunk may
        not be secure.

    Evidence
        running-config `dial-peer voice 200 voip` / `session protocol sipv2`.

    False positives
        CME 10 and later on ISR G2 support secure SIP trunks: confirm the release.

    References
        Seed article (Limitations); Secure CME primer §3.2 A7 (Cisco's pages disagree by release).
    """

    id = "LIM007"
    name = "sip-trunk-not-supported"
    title = "SIP trunk with Secure CME (only H.323 trunks supported) (advisory)"
    severity = Severity.LOW
    remediation = (
        Step("exec", "show version",
             why="check the CME release: secure SIP trunks need CME 10 or later on an ISR G2 with SCCP phones; "
                 "otherwise use an H.323 trunk"),
    )
    verify = "Verify with `show call active voice brief` (the trunk leg shows SRTP)."

    def advise(self, case):
        sip = [f for f in list(case.facts_of("config.dial_peer")) if (f.fields.get("session_protocol") or "").startswith("sip")]
        if sip:
            tags = ", ".join(str(f.fields.get("tag")) for f in sip[:8])
            yield self.finding(f"{plural(sip, 'dial-peer', 'dial-peers')} {tags} {plural(sip, 'uses', 'use')} SIP (session protocol {sip[0].fields['session_protocol']}): "
                               "Secure CME documents only H.323 trunks; calls over this trunk may not be secure.",
                               evidence_of(sip, 3))
