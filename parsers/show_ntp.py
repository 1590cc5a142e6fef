"""`show ntp status` (`ntp.status`) and `show ntp associations` (one
`ntp.association` per peer row).

Shapes as IOS 12.4-15.x and IOS XE print them.
"""
from __future__ import annotations

import re

from cmedebug.parsers.base import Context
from cmedebug.parsers.framing import Record
from cmedebug.parsers.grammar import parse_ios_date
from cmedebug.parsers.show_block import ShowBlockParser, TableShowParser, extend_fact

# Clock is synchronized, stratum 3, reference is 10.1.1.1
# Clock is unsynchronized, stratum 16, no reference clock
# Clock is synchronized, stratum 1, reference is .GPS.
_CLOCK = re.compile(r"Clock is (?P<sync>synchronized|unsynchronized), stratum (?P<stratum>\d+), "
                    r"(?:reference is (?P<ref>\S+)|no reference clock)")
# reference time is E0A4D8F1.B3C5D7E0 (10:10:25.702 UTC Wed May 15 2019)
_REFTIME = re.compile(r"reference time is [0-9A-Fa-f]+\.[0-9A-Fa-f]+ \((?P<date>[^)]*)\)")
# clock offset is -0.4540 msec, root delay is 1.13 msec
_OFFSET = re.compile(r"clock offset is (?P<offset>-?[\d.]+) msec")
# nominal freq is 250.0000 Hz, ...      root dispersion is 8.37 msec, ...      ntp uptime is 1500 ...
# loopfilter state is 'CTRL' ...         system poll interval is 64, last update was 25 sec ago.
_OTHER_STATUS = re.compile(r"(?:nominal freq is|root dispersion is|ntp uptime is|loopfilter state is|"
                           r"system poll interval is|reference time is)")


class ShowNtpStatusParser(ShowBlockParser):
    name = "show-ntp-status"
    description = "show ntp status"
    # R1#show ntp status
    commands = (r"sh\w* ntp stat\w*",)
    block_start = _CLOCK

    def __init__(self) -> None:
        super().__init__()
        self.status = None

    def take(self, text, rec: Record, ctx: Context):
        m = _CLOCK.match(text)
        if m:
            done = self.flush(ctx)
            self.status = ctx.fact("ntp.status", rec, synchronised=m.group("sync") == "synchronized",
                                   stratum=int(m.group("stratum")), reference=m.group("ref"), offset_ms=None,
                                   reference_time=None)
            return done
        if self.status is None:
            return None
        m_time, m_offset = _REFTIME.match(text), _OFFSET.match(text)
        if m_time:
            parsed = parse_ios_date(m_time.group("date"))
            self.status.fields["reference_time"] = parsed[0] if parsed else None
        elif m_offset:
            self.status.fields["offset_ms"] = float(m_offset.group("offset"))
        elif not _OTHER_STATUS.match(text):
            return None
        extend_fact(self.status, rec)
        return []

    def flush(self, ctx: Context):
        status, self.status = self.status, None
        return [status] if status is not None else []


#   address         ref clock       st   when   poll reach  delay  offset   disp
_ASSOC_HEADER = re.compile(r"address +ref clock +st +when +poll +reach +delay +offset +disp$")
# *~10.1.1.1        127.127.1.1      2     33     64   377  1.000   0.500  0.938
#  ~10.1.1.2        .INIT.          16      -     64     0  0.000   0.000 15937.
_ASSOC_ROW = re.compile(r"(?P<tally>[*#+\-x]?)(?P<configured>~?)(?P<address>[0-9A-Fa-f.:]+) +(?P<ref>\S+) +"
                        r"(?P<st>\d+) +(?P<when>\S+) +(?P<poll>\d+) +(?P<reach>[0-7]+) +(?P<delay>-?[\d.]+) +"
                        r"(?P<offset>-?[\d.]+) +(?P<disp>-?[\d.]+)$")
#  * sys.peer, # selected, + candidate, - outlyer, x falseticker, ~ configured
_ASSOC_LEGEND = re.compile(r"\* sys\.peer, # selected")


def _number(text: str) -> int | None:
    return int(text) if text.isdigit() else None


class ShowNtpAssociationsParser(TableShowParser):
    name = "show-ntp-associations"
    description = "show ntp associations"
    # R1#sh ntp assoc
    commands = (r"sh\w* ntp ass\w*",)
    block_start = _ASSOC_HEADER
    fact_kind, headers, row = "ntp.association", (_ASSOC_HEADER, _ASSOC_LEGEND), _ASSOC_ROW

    def row_fields(self, m):
        tally = m.group("tally").strip()
        return {"address": m.group("address"), "ref_clock": m.group("ref"), "stratum": int(m.group("st")),
                "when": _number(m.group("when")), "poll": int(m.group("poll")), "reach": m.group("reach"),
                "delay_ms": float(m.group("delay")), "offset_ms": float(m.group("offset")),
                "dispersion_ms": float(m.group("disp").rstrip(".") or 0), "tally": tally, "sys_peer": tally == "*",
                "configured": bool(m.group("configured"))}
