"""Any `%FACILITY-SEVERITY-MNEMONIC: text` message no family parser claimed, kept
as a generic event so that nothing is lost (interface flaps, config changes...).
One printed on one line is kept compactly (``SyslogEvent``): a busy log holds
hundreds of thousands of them."""
from __future__ import annotations

from sys import intern

from cmedebug.parsers.base import Context, LineParser
from cmedebug.parsers.framing import Record, split_syslog


class GenericSyslogParser(LineParser):
    name = "syslog"
    description = "any %FAC-SEV-MNEMONIC message (generic)"
    keywords = ("%",)
    priority = 99  # after every family parser

    def __init__(self) -> None:
        self.kinds: dict[tuple[str, str], str] = {}  # (facility, mnemonic) -> the event kind, one string each

    def parse(self, rec: Record, ctx: Context):
        if rec.facility is None:
            parts = split_syslog(rec.text) if rec.text.startswith("%") else None
            if parts is None:
                return None
            fac, sev, mn, text = parts
        else:
            fac, sev, mn = rec.facility, rec.severity, rec.mnemonic
            text = None
        kind = self.kinds.get((fac, mn))
        if kind is None:
            kind = self.kinds[(fac, mn)] = intern(f"syslog.{fac.lower()}.{mn.lower()}")
        if text is None:
            body = rec.text
            line = rec.lines[0]
            end = len(line.rstrip())
            if len(rec.lines) == 1 and line.endswith(body, 0, end) and "\n" not in line:
                # the message ends its one line: the text is read from the line when asked
                colon = body.find(":")
                return [ctx.syslog_event(kind, rec, sev, end - len(body) + colon + 1 if colon >= 0 else end)]
            text = body.split(":", 1)[1].strip() if ":" in body else ""
        return [ctx.event(kind, rec, facility=fac, severity=sev, mnemonic=mn, text=text)]
