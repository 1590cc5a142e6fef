"""Any `%FACILITY-SEVERITY-MNEMONIC: text` message no family parser claimed, kept
as a generic event so that nothing is lost (interface flaps, config changes...)."""
from __future__ import annotations

from cmedebug.parsers.base import Context, LineParser
from cmedebug.parsers.framing import Record, split_syslog


class GenericSyslogParser(LineParser):
    name = "syslog"
    description = "any %FAC-SEV-MNEMONIC message (generic)"
    keywords = ("%",)
    priority = 99  # after every family parser

    def parse(self, rec: Record, ctx: Context):
        if rec.facility is None:
            parts = split_syslog(rec.text) if rec.text.startswith("%") else None
            if parts is None:
                return None
            fac, sev, mn, text = parts
        else:
            fac, sev, mn = rec.facility, rec.severity, rec.mnemonic
            text = rec.text.split(":", 1)[1].strip() if ":" in rec.text else ""
        return [ctx.event(f"syslog.{fac.lower()}.{mn.lower()}", rec, facility=fac, severity=sev,
                          mnemonic=mn, text=text)]
