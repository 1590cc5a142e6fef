from __future__ import annotations

from cmedebug.rules._advisory import Advisory
from cmedebug.remediation import Step
from cmedebug.rules._format import evidence_of


class VideoNotSecure(Advisory):
    """Video calls are not secure.

    What it detects
        A Secure CME with video enabled on ephones (`ephone <n>` / `video`).
        Reported only when phone security is in use.

    Why it matters
        Video calls are not secure on CME: the video stream (and the call) is not encrypted.

    Evidence
        running-config `ephone 5` / `video`.

    False positives
        None: this is by design.

    References
        Seed article (Limitations); Secure CME primer §3.2 A4.
    """

    id = "LIM004"
    name = "video-not-secure"
    title = "Video calls are not secure (advisory)"
    remediation = (
        Step("config", "ephone {ephone}", why="only if calls must stay secure: video calls are not"),
        Step("config-ephone", "no video", warning="the phone no longer offers video"),
    )
    verify = "Verify with `show ephone offhook` on a video call."

    def advise(self, case):
        video = [f for f in list(case.facts_of("config.ephone")) if f.fields.get("video")]
        if video:
            tags = ", ".join(str(f.fields.get("ephone")) for f in video[:8])
            yield self.finding(f"Video is enabled on ephone {tags}: video calls are not secure.", evidence_of(video, 3))
