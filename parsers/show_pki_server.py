"""`show crypto pki server` (one `pki.server` fact per server) and
`show crypto pki server requests` (one `pki.server_request` per row).

Real shapes: ../shared/corpus/15 (lines wrapped by the page: a value ends on
the next line), 30 (RA mode) and 31 (auto-rollover, IOS XE).
"""
from __future__ import annotations

import re

from cmedebug.parsers.base import Context
from cmedebug.parsers.framing import Record
from cmedebug.parsers.grammar import norm_serial, parse_ios_date
from cmedebug.parsers.show_block import ShowBlockParser, hex_compact, key_value, starts_other_output

# Certificate Server srstcaserver:
_HEADING = re.compile(r"Certificate Server (?P<name>\S+?):$")
# Server's configuration is locked  (enter "shut" to unlock it)
_LOCKED = re.compile(r"Server's configuration is (?P<state>locked|unlocked)")
# Server configured in RA mode
_RA_MODE = "Server configured in RA mode"
# Auto-Rollover configured, overlap period 1 days
_ROLLOVER = re.compile(r"Auto-Rollover configured, overlap period (?P<days>\d+) days?")
# key of a "key: value" line -> field (dates and fingerprints are converted in _fields)
_KEYS = {
    "status": "status", "state": "state", "issuer name": "issuer", "ca cert fingerprint": "fingerprint",
    "ra cert fingerprint": "ra_fingerprint", "granting mode is": "grant_mode",
    "ca certificate expiration timer": "ca_cert_expires", "crl nextupdate timer": "crl_next_update",
    "autorollover timer": "rollover_timer", "current storage dir": "database_url",
    "current primary storage dir": "database_url", "current storage dir for .crl files": "crl_storage_url",
    "database level": "database_level", "rollover ca certificate expiration timer": "rollover_ca_cert_expires",
}
_UNPRINTED = dict.fromkeys(_KEYS.values())
_DATES = ("ca_cert_expires", "crl_next_update", "rollover_timer", "rollover_ca_cert_expires")
_MAX_WRAPPED_LINES = 2


class ShowPkiServerParser(ShowBlockParser):
    name = "show-pki-server"
    description = "show crypto pki server"
    # Router# show crypto pki server
    commands = (r"sh\w* cry\w* pki ser\w*(?! +(?:\S+ +)?req)",)
    block_start = _HEADING

    def __init__(self) -> None:
        super().__init__()
        self.server: dict | None = None

    def take(self, text, rec: Record, ctx: Context):
        m = _HEADING.match(text)
        if m:
            done = self.flush(ctx)
            self.server = {"values": dict(_UNPRINTED, name=m.group("name")), "flags": {"locked": None, "ra_mode": False,
                           "auto_rollover": False, "rollover_overlap_days": None, "last_serial": None},
                           "last_key": None, "wrapped": 0,
                           "first": rec.first_line, "last": rec.last_line, "raw": list(rec.lines)}
            return done
        if self.server is None or not self._line(text, self.server):
            return None
        self.server["last"] = rec.last_line
        self.server["raw"].extend(rec.lines)
        return []

    def _line(self, text: str, server: dict) -> bool:
        values, flags = server["values"], server["flags"]
        m = _LOCKED.match(text)
        if m:
            flags["locked"] = m.group("state") == "locked"
            server["last_key"], server["wrapped"] = "locked", 0
            return True
        if text == _RA_MODE:
            flags["ra_mode"] = True
            return True
        m = _ROLLOVER.match(text)
        if m:
            flags["auto_rollover"], flags["rollover_overlap_days"] = True, int(m.group("days"))
            return True
        kv = key_value(text)
        if kv is not None and (kv[0] in _KEYS or kv[0].startswith("last certificate issued serial number")):
            key, value = kv
            if key in _KEYS:
                values[_KEYS[key]] = value
                server["last_key"], server["wrapped"] = _KEYS[key], 0
            else:
                flags["last_serial"] = norm_serial(value.removeprefix("0x"))
            return True
        # a value the page wrapped onto the next line: `CFF5EC00`, `2007`, `as <serialnum>.cer`, `unlock it)`
        if (server["last_key"] is not None and server["wrapped"] < _MAX_WRAPPED_LINES and ":" not in text
                and not starts_other_output(text, self)):
            server["wrapped"] += 1
            if server["last_key"] != "locked":
                values[server["last_key"]] = f"{values[server['last_key']] or ''} {text}".strip()
            return True
        return False

    def flush(self, ctx: Context):
        server, self.server = self.server, None
        if server is None:
            return []
        fields = dict(server["values"], **server["flags"])
        for name in ("fingerprint", "ra_fingerprint"):
            fields[name] = hex_compact(fields.get(name))
        for name in _DATES:
            if fields[name] is not None:
                parsed = parse_ios_date(fields[name])
                fields[name] = parsed[0] if parsed else None
        if fields.get("database_level"):
            fields["database_level"] = fields["database_level"].split(" ", 1)[0]
        for name in ("status", "state"):
            if fields.get(name):
                fields[name] = fields[name].lower()
        return [ctx.fact("pki.server", first_line=server["first"], last_line=server["last"], raw=server["raw"],
                         **fields)]


# Router certificates requests:      RA certificate requests:      Subordinate CA certificate requests:
_REQUEST_TYPE = re.compile(r"(?P<type>Router|RA|Subordinate CA) certificates? requests:$")
# ReqID  State      Fingerprint                      SubjectName
_TABLE_HEADER = re.compile(r"ReqID +State +Fingerprint +SubjectName$")
# 1      pending    A426AB2A98F1BE9CF1E7D1B7D5C3A2B4 hostname=CME1.cisco.com
_ROW = re.compile(r"(?P<id>\d+) +(?P<state>[a-z]+) +(?P<fp>[0-9A-Fa-f]{16,64}) +(?P<subject>\S.*)$")
# Enrollment Request Database:      ------------------------------
_BANNERS = re.compile(r"Enrollment Request Database:$|-{10,}$")


class ShowPkiServerRequestsParser(ShowBlockParser):
    name = "show-pki-server-requests"
    description = "show crypto pki server requests"
    # R1#show crypto pki server cme_root requests
    commands = (r"sh\w* cry\w* pki ser\w*(?: \S+)? req\w*",)
    block_start = re.compile(r"Enrollment Request Database:$")

    def __init__(self) -> None:
        super().__init__()
        self.request_type = "router"

    def take(self, text, rec: Record, ctx: Context):
        m = _REQUEST_TYPE.match(text)
        if m:
            self.request_type = {"Router": "router", "RA": "ra"}.get(m.group("type"), "subordinate_ca")
            return []
        if _TABLE_HEADER.match(text) or _BANNERS.match(text):
            return []
        m = _ROW.match(text)
        if m:
            return [ctx.fact("pki.server_request", rec, id=int(m.group("id")), state=m.group("state"),
                             fingerprint=m.group("fp").upper(), subject=m.group("subject").strip(),
                             request_type=self.request_type)]
        return None

    def flush(self, ctx: Context):
        self.request_type = "router"
        return []

