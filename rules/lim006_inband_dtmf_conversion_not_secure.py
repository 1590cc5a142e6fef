from __future__ import annotations

from cmedebug.rules._advisory import Advisory
from cmedebug.remediation import Step
from cmedebug.rules._format import evidence_of, plural


class InbandDtmfConversionNotSecure(Advisory):
    """In-band to RFC 2833 DTMF conversion unsupported on secure calls.

    What it detects
        A Secure CME with dial-peers using RFC 2833 (`dtmf-relay rtp-nte`).
        Reported only when phone security is in use.

    Why it matters
        Secure CME does not convert between in-band tones and RFC 2833: on secure calls digits
        sent in-band by one side are not turned into RFC 2833 events for the other (RFC 2833 works
        only when keys go to a secure DSP farm, not with codec passthrough).

    Evidence
        running-config `dial-peer voice 100 voip` / `dtmf-relay rtp-nte`.

    False positives
        None: this is by design.

    References
        Seed article (Limitations); Secure CME primer §3.2 A6.
    """

    id = "LIM006"
    name = "inband-dtmf-conversion-not-secure"
    title = "In-band to RFC 2833 DTMF conversion unsupported on secure calls (advisory)"
    remediation = (
        Step("exec", "show call active voice brief",
             why="a secure call cannot convert in-band DTMF to RFC 2833: use one DTMF method end to end"),
    )
    verify = "Verify with a test call sending digits to the IVR / voicemail."

    def advise(self, case):
        nte = [f for f in list(case.facts_of("config.dial_peer"))
               if any("rtp-nte" in str(d) for d in f.fields.get("dtmf_relay") or [])]
        if nte:
            tags = ", ".join(str(f.fields.get("tag")) for f in nte[:8])
            yield self.finding(f"{plural(nte, 'dial-peer', 'dial-peers')} {tags} {plural(nte, 'uses', 'use')} RFC 2833 (dtmf-relay rtp-nte): secure calls cannot convert "
                               "between in-band tones and RFC 2833.", evidence_of(nte, 3))
