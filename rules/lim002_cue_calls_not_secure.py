from __future__ import annotations

from cmedebug.rules._advisory import Advisory
from cmedebug.remediation import Step
from cmedebug.rules._format import evidence_of


class CueCallsNotSecure(Advisory):
    """Calls to Cisco Unity Express are not secure.

    What it detects
        A Secure CME with a voicemail pilot (`telephony-service` / `voicemail <number>`) or a
        SIP dial-peer to Cisco Unity Express (`dtmf-relay sip-notify`, the DTMF method CUE uses).
        Reported only when phone security is in use.

    Why it matters
        Calls to Cisco Unity Express are not secure: they are downgraded to RTP. Secure voicemail
        needs secure SCCP ports on Unity / Unity Connection instead.

    Evidence
        running-config `telephony-service` / `voicemail 7000`; `dial-peer voice 7000 voip` /
        `session target ipv4:10.1.1.100` / `dtmf-relay sip-notify`; calls to the voicemail number without
        `SRTP cipher:` in `show ephone offhook`.

    False positives
        None: this is by design.

    References
        Seed article (Limitations); Secure CME primer §3.2 A2 (Cisco's text contradicts itself on Unity Connection).
    """

    id = "LIM002"
    name = "cue-calls-not-secure"
    title = "Calls to Cisco Unity Express are not secure (advisory)"
    remediation = (
        Step("exec", "show sccp connections",
             why="calls to Cisco Unity Express are not secure: accept the downgrade, or use Unity Connection "
                 "with secure SCCP voicemail ports"),
    )
    verify = "Verify with `show sccp connections` (`stype secure` on the voicemail ports)."

    def advise(self, case):
        pilots = [f for f in list(case.facts_of("config.telephony_service")) if f.fields.get("voicemail")]
        # CUE's SIP dial-peer carries DTMF as `dtmf-relay sip-notify` (Cisco's CUE integration guides)
        cue = [f for f in list(case.facts_of("config.dial_peer")) if "sip-notify" in (f.fields.get("dtmf_relay") or [])]
        parts = [f"voicemail {f.fields['voicemail']}" for f in pilots[:1]]
        parts += [f"dial-peer {f.fields.get('tag')} ({f.fields.get('destination_pattern')} to "
                  f"{f.fields.get('session_target')}, dtmf-relay sip-notify)" for f in cue[:2]]
        if parts:
            yield self.finding(f"Calls to Cisco Unity Express ({'; '.join(parts)}) are not secure: they are carried "
                               "as RTP.", evidence_of([*pilots[:1], *cue[:2]]))
