"""`show clock` and `show clock detail`: what the device believes the time is.

Keeps the flag IOS prints before the time: ``*`` not authoritative, ``.``
authoritative but not synchronised, nothing = trusted.
"""
from __future__ import annotations

import re

from cmedebug.parsers.base import Context, LineParser
from cmedebug.parsers.framing import Record, unnamed
from cmedebug.parsers.grammar import parse_ios_date
from cmedebug.parsers.show_block import extend_fact

# *04:45:00.857 UTC Thu Aug 7 2025
# .04:37:54.849 UTC Thu Aug 7 2025
# 10:15:02.123 PST Mon Mar 1 1993
_CLOCK_LINE = re.compile(r"[*.]?\d{1,2}:\d\d:\d\d(?:\.\d+)? [A-Z]{2,5}\S* (?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} {1,2}\d{1,2} \d{4}$")
# Summer time starts 02:00:00 PST Sun Mar 8 2026      Summer time ends 02:00:00 PDT Sun Nov 1 2026
_SUMMER = re.compile(r"Summer time (?:starts|ends) ")
# Time source is NTP          Time source is user configuration       No time source
_SOURCE = re.compile(r"(?:Time source is (?P<src>.+?)\s*$|(?P<none>No time source)\s*$)")


class ShowClockParser(LineParser):
    name = "show-clock"
    description = "show clock / show clock detail"
    # wilson_19#show clock      sh clo det
    commands = (r"sh\w* clo\w*",)
    block_start = _CLOCK_LINE

    def __init__(self) -> None:
        self.pending = None

    def parse(self, rec: Record, ctx: Context):
        text = rec.text
        if _CLOCK_LINE.match(text):
            parsed = parse_ios_date(text)
            if parsed is None:
                return None
            when, flag = parsed
            out = self.end_block(ctx)
            self.pending = ctx.fact("clock.show", rec, time=when, flag=flag, zone=when.tzname())
            return out
        if self.pending is not None and _SUMMER.match(text):
            extend_fact(self.pending, rec)
            return []
        m = _SOURCE.match(text)
        if m and self.pending is not None:
            self.pending.fields["time_source"] = "none" if m.group("none") else m.group("src")
            extend_fact(self.pending, rec)
            return []
        return None

    def end_block(self, ctx: Context):
        out, self.pending = ([self.pending] if self.pending is not None else []), None
        return out

    # (whatever its state: it reads no other message)
    reads_messages = re.compile("|".join(f"(?:{unnamed(p.pattern)})" for p in (_CLOCK_LINE, _SUMMER, _SOURCE)))

    def ignores_message(self, body: str) -> bool:
        return _CLOCK_LINE.match(body) is None and (
            self.pending is None or _SUMMER.match(body) is None and _SOURCE.match(body) is None)
