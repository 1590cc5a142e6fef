from __future__ import annotations

from cmedebug.rules._advisory import Advisory
from cmedebug.remediation import Step
from cmedebug.rules._format import evidence_of


class MohNotSecure(Advisory):
    """Music on hold is not secure.

    What it detects
        A Secure CME with music on hold configured (`telephony-service` / `moh <file>`).
        Reported only when phone security is in use.

    Why it matters
        Music on hold is not secure: with `srtp fallback` a held call drops to RTP and returns to
        SRTP on resume; in SRTP-only mode across a secure SIP trunk MOH, tone on hold and ringback
        are not played at all.

    Evidence
        running-config `telephony-service` / `moh music-on-hold.au`.

    False positives
        None: this is by design.

    References
        Seed article (Limitations); Secure CME primer §3.2 A3.
    """

    id = "LIM003"
    name = "moh-not-secure"
    title = "Music on hold is not secure (advisory)"
    remediation = (
        Step("config", "telephony-service", why="only if held calls must not leave SRTP: music on hold is "
                                                "an RTP stream"),
        Step("config-telephony", "no moh {file}", warning="callers on hold hear silence instead of music"),
    )
    verify = "Verify with `show ephone offhook` after resuming a held call (`SRTP cipher:` back)."

    def advise(self, case):
        for tel in list(case.facts_of("config.telephony_service")):
            if tel.fields.get("moh"):
                yield self.finding(f"Music on hold ({tel.fields['moh']}) is not secure: held calls are carried as "
                                   "RTP while the music plays.", evidence_of([tel]))
                return
