"""Shared grammar pieces: IOS dates, serial numbers, MACs, distinguished names.

Built with pyparsing (``import pyparsing as pp``), each element named, with a
real sample above it and parse actions that convert to real types.
"""
from __future__ import annotations

import re
from datetime import datetime

import pyparsing as pp

from cmedebug.clock import zone
from cmedebug.parsers.framing import MONTHS

_MONTH = pp.one_of(list(MONTHS)).set_name("month")
_WEEKDAY = pp.one_of("Mon Tue Wed Thu Fri Sat Sun").set_name("weekday")
_INT = pp.Word(pp.nums).set_parse_action(lambda t: int(t[0]))
_TIME = pp.Regex(r"(?P<h>\d{1,2}):(?P<m>\d\d):(?P<s>\d\d)(?:\.(?P<frac>\d{1,6}))?").set_name("hh:mm:ss")
_ZONE = pp.Regex(r"[A-Z]{2,5}(?:[+-]\d{1,2}(?::?\d\d)?)?").set_name("zone")

# 13:09:32 UTC Jun 12 2029          (certificate dates, `Validity period ended on ...`)
# *04:45:00.857 UTC Thu Aug 7 2025  (`show clock`, weekday before the month)
IOS_DATE = (
    pp.Opt(pp.one_of("* .")("flag"))
    + _TIME("time") + pp.Opt(_ZONE("zone")) + pp.Opt(_WEEKDAY) + _MONTH("month") + _INT("day") + _INT("year")
).set_name("IOS date")


def ios_datetime(tokens: pp.ParseResults) -> datetime:
    t = tokens["time"]
    h, m, s = (int(x) for x in re.match(r"(\d+):(\d+):(\d+)", t).groups())
    frac = re.search(r"\.(\d+)", t)
    micro = int(frac.group(1).ljust(6, "0")) if frac else 0
    return datetime(tokens["year"], MONTHS[tokens["month"]], tokens["day"], h, m, s, micro,
                    tzinfo=zone(tokens.get("zone")))


def parse_ios_date(text: str) -> tuple[datetime, str] | None:
    """An IOS date anywhere at the start of ``text`` -> (aware datetime, clock flag)."""
    try:
        tokens = IOS_DATE.parse_string(text.strip())
        return ios_datetime(tokens), tokens.get("flag", "")
    except (pp.ParseException, ValueError):
        return None


def norm_serial(text: str) -> str:
    """Serials as upper hex without separators: '01 A3:ff' -> '01A3FF'; leading zeros dropped
    except one, as IOS prints them both ways."""
    hexdigits = re.sub(r"[^0-9A-Fa-f]", "", text).upper()
    return hexdigits.lstrip("0") or "0"


_MAC = re.compile(r"(?:SEP)?([0-9A-Fa-f]{12})")


def norm_mac(text: str) -> str | None:
    """'SEP000E325C9A43' / '000e.325c.9a43' -> '000E325C9A43'."""
    m = _MAC.search(text.replace(".", "").replace(":", "").replace("-", ""))
    return m.group(1).upper() if m else None
