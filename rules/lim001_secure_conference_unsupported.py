from __future__ import annotations

from cmedebug.rules._advisory import Advisory
from cmedebug.remediation import Step
from cmedebug.rules._format import evidence_of


class SecureConferenceUnsupported(Advisory):
    """Software three-way conferences are not secure.

    What it detects
        A Secure CME whose conferences are done in software (no `conference hardware` under
        `telephony-service`; `max-conferences` as configured).
        Reported only when phone security is in use.

    Why it matters
        Software three-way conferencing is not secure: an SRTP call falls back to RTP when it is
        joined to a conference, and returns to SRTP only if both remaining parties are SRTP-capable
        local SCCP phones on this CME and the creator is one of them.

    Evidence
        running-config `telephony-service` with `max-conferences 8` and without
        `conference hardware`; `show ephone offhook` losing `Active Secure Call` during a conference.

    False positives
        None: this is by design; the advisory explains non-secure conference legs.

    References
        Seed article (Limitations); Secure CME primer §3.2 A1.
    """

    id = "LIM001"
    name = "secure-conference-unsupported"
    title = "Software three-way conferences are not secure (advisory)"
    remediation = (
        Step("exec", "show running-config | section dspfarm",
             why="CME does not support secure conferencing: conferences are non-secure by design, and Cisco "
                 "advises against registering a secure conference DSP-farm profile to CME (CMECONF). Keep a "
                 "non-secure (`dspfarm profile <n> conference`, without `security`) profile, and tell users "
                 "that a call joined to a conference is not encrypted"),
    )
    verify = "Verify with `show ephone offhook` during a conference (`SRTP cipher:` stays)."
    needs_full_config = True

    def advise(self, case):
        for tel in list(case.facts_of("config.telephony_service")):
            if tel.fields.get("conference_hardware") is False:
                count = tel.fields.get("max_conferences")
                yield self.finding("Conferences are mixed in software" + (f" (max-conferences {count})" if count else "")
                                   + ": secure calls drop to RTP (no encryption) while they are in a three-way "
                                   "conference.", evidence_of([tel]))
                return
