"""Any `%FACILITY-SEVERITY-MNEMONIC: text` message no family parser claimed, kept
as a generic event so that nothing is lost (interface flaps, config changes...).
One printed on one line is kept compactly (``SyslogEvent``): a busy log holds
hundreds of thousands of them."""
from __future__ import annotations

import re
from sys import intern

from cmedebug.model import SyslogEvent
from cmedebug.parsers.base import Context, LineParser
from cmedebug.parsers.framing import Record, SyslogShape, message_origin, split_syslog, syslog_shape


class GenericSyslogParser(LineParser):
    name = "syslog"
    description = "any %FAC-SEV-MNEMONIC message (generic)"
    keywords = ("%",)
    priority = 99  # after every family parser
    takes_declined_syslogs = True

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
        kind = self._kind(fac, mn)
        if text is None:
            text_at = _text_at(rec.lines[0], rec.text) if len(rec.lines) == 1 else None
            if text_at is not None:  # the message ends its one line: the text is read from the line when asked
                return [ctx.syslog_event(kind, rec.lines[0], rec.first_line, rec.clock_flag, rec.host, rec.printed_stamp,
                                         sev, text_at)]
            body = rec.text
            text = body.split(":", 1)[1].strip() if ":" in body else ""
        return [ctx.event(kind, rec, facility=fac, severity=sev, mnemonic=mn, text=text)]

    def declines_message(self, text: str, facility: str | None) -> bool:
        return facility is None  # (the prefix match reads `%FAC-SEV-MNEMONIC:` as split_syslog does)

    def declined_syslog_event(self, number: int, m: re.Match, body: str, ctx: Context) -> SyslogEvent | None:
        """What ``parse`` makes of the one-line message of prefix match ``m`` at line
        ``number`` (``body``: the message, stripped), without its Record (None: read it
        through ``parse``)."""
        line = m.string
        text_at = _text_at(line, body)
        if text_at is None:
            return None
        facility, mnemonic, severity, month = m.group("fac", "mn", "sev", "mon")
        host, clock_flag = message_origin(m)
        return ctx.syslog_event(self._kind(facility, mnemonic), line, number, clock_flag, host,
                                m if month else None, int(severity), text_at)

    def routine_shape(self, m: re.Match, body: str) -> SyslogShape | None:
        """The shape of the lines of ``m``'s key (``SyslogShape``) that ``routine_event``
        makes what ``declined_syslog_event`` makes of each; None when it cannot (a printed
        year or zone, a message that does not end its line)."""
        text_at = _text_at(m.string, body)
        if text_at is None:
            return None
        return syslog_shape(m, self._kind(*m.group("fac", "mn")), text_at)

    def routine_event(self, line: str, number: int, shape: SyslogShape, ctx: Context) -> SyslogEvent:
        """What ``declined_syslog_event`` makes of syslog ``line`` of ``shape`` (a routine run's)."""
        host, kind = shape.host, shape.kind
        if host.__class__ is tuple:
            host = intern(line[host[0]:host[1]])
        if kind.__class__ is tuple:
            kind = self._kind(line[kind[0]:kind[1]], line[kind[2]:kind[3]])
        event = ctx.syslog_event(kind, line, number, shape.clock_flag, host, None,
                                 int(line[shape.severity_at]), shape.text_at, shape)
        if shape.second is not None:
            ctx.stamps.append_from_line(event, line, number, shape.second, shape.fraction)
        return event

    def _kind(self, facility: str, mnemonic: str) -> str:
        kind = self.kinds.get((facility, mnemonic))
        if kind is None:
            kind = self.kinds[(facility, mnemonic)] = intern(f"syslog.{facility.lower()}.{mnemonic.lower()}")
        return kind


def _text_at(line: str, body: str) -> int | None:
    """Where the text of message ``body`` starts in ``line``, when the message ends the line."""
    end = len(line.rstrip())
    if not line.endswith(body, 0, end) or "\n" in line:
        return None
    colon = body.find(":")
    return end - len(body) + colon + 1 if colon >= 0 else end
