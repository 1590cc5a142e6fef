"""`show sccp` (`sccp.status`: call managers, endpoints and their signalling
security) and `show sccp connections` (one `sccp.connection` per row).

Real shapes: ../shared/corpus/20 (VG224 secure SCCP over TLS on 2443) and 22
(Unity secure ports, `stype secure`).
"""
from __future__ import annotations

import re

from cmedebug.parsers.base import Context
from cmedebug.parsers.framing import Record
from cmedebug.parsers.show_block import ShowBlockParser, TableShowParser, key_value, to_int

# SCCP Admin State: UP
_ADMIN = re.compile(r"SCCP Admin State: (?P<state>\S+)")
# Call Manager: 172.18.172.204, Port Number: 2000      Active Call Manager: 172.18.172.204, Port Number: 2443
_CM = re.compile(r"(?P<active>Active )?Call Manager: (?P<ip>[0-9A-Fa-f.:]+), Port Number: (?P<port>\d+)")
# Alg_Phone Oper State: ACTIVE - Cause Code: NONE
_ENDPOINT = re.compile(r"(?P<name>\S+) Oper State: (?P<state>\S+)(?: - Cause Code: (?P<cause>\S+))?")
# TCP Link Status: CONNECTED, Device Name: AN1AE2857BE2400
_LINK = re.compile(r"TCP Link Status: (?P<status>[^,]+), Device Name: (?P<device>\S+)")
# Priority: N/A, Version: 7.0, Identifier: 1      Reported Max Streams: 1, Reported Max OOS Streams: 0
# Supported Codec: g711ulaw, Maximum Packetization Period: 20      User Masked Codec list: None
_COMMA_FIELDS = re.compile(r"(?:Priority|Reported Max Streams|Supported Codec|User Masked Codec list|IP Precedence)\b")
_SIMPLE_KEYS = {"gateway local interface": "local_interface", "ipv4 address": "local_ip", "port number": "port"}


class ShowSccpParser(ShowBlockParser):
    name = "show-sccp"
    description = "show sccp"
    # Router#show sccp
    commands = (r"sh\w* sccp(?! +conn)",)
    block_start = _ADMIN

    def __init__(self) -> None:
        super().__init__()
        self.sccp: dict | None = None

    def take(self, text, rec: Record, ctx: Context):
        m = _ADMIN.match(text)
        if m:
            done = self.flush(ctx)
            self.sccp = {"fields": {"admin_state": m.group("state"), "local_interface": None, "local_ip": None,
                                    "port": None, "call_managers": [], "endpoints": [], "tls_enabled": None},
                         "first": rec.first_line, "last": rec.last_line, "raw": list(rec.lines)}
            return done
        if self.sccp is None or not self._line(text, self.sccp["fields"]):
            return None
        self.sccp["last"] = rec.last_line
        self.sccp["raw"].extend(rec.lines)
        return []

    def _line(self, text: str, fields: dict) -> bool:
        endpoint = fields["endpoints"][-1] if fields["endpoints"] else None
        m = _CM.match(text)
        if m:
            if m.group("active") and endpoint is not None:
                endpoint["active_cm"], endpoint["active_port"] = m.group("ip"), int(m.group("port"))
            else:
                fields["call_managers"].append({"ip": m.group("ip"), "port": int(m.group("port")), "trustpoint": None})
            return True
        m = _ENDPOINT.match(text)
        if m:
            fields["endpoints"].append({"name": m.group("name"), "oper_state": m.group("state"),
                                        "cause": m.group("cause"), "active_cm": None, "active_port": None,
                                        "link_status": None, "device_name": None, "signaling_security": None,
                                        "media_security": None, "crypto_suites": None})
            return True
        m = _LINK.match(text)
        if m and endpoint is not None:
            endpoint["link_status"], endpoint["device_name"] = m.group("status").strip(), m.group("device")
            return True
        if _COMMA_FIELDS.match(text) or text == "Security":
            return True
        kv = key_value(text)
        if kv is None:
            return False
        key, value = kv
        if key == "trustpoint" and fields["call_managers"]:
            fields["call_managers"][-1]["trustpoint"] = None if value == "N/A" else value
        elif key in _SIMPLE_KEYS and not fields[_SIMPLE_KEYS[key]]:
            fields[_SIMPLE_KEYS[key]] = to_int(value) if key == "port number" else value
        elif key == "tls":
            fields["tls_enabled"] = value.upper() == "ENABLED"
        elif endpoint is not None and key in ("signaling security", "media security", "supported crypto suites"):
            endpoint[{"signaling security": "signaling_security", "media security": "media_security",
                      "supported crypto suites": "crypto_suites"}[key]] = value
        else:
            return False
        return True

    def flush(self, ctx: Context):
        sccp, self.sccp = self.sccp, None
        if sccp is None:
            return []
        return [ctx.fact("sccp.status", first_line=sccp["first"], last_line=sccp["last"], raw=sccp["raw"],
                         **sccp["fields"])]


# sess_id    conn_id    stype        mode     codec   ripaddr rport sport
_CONN_HEADER = re.compile(r"sess_id +conn_id +stype +mode +codec +ripaddr +rport +sport$")
# 16777222   16777409 secure -xcode sendrecv g729b 10.3.56.120   16772 19534
_CONN_ROW = re.compile(r"(?P<sess>\d+) +(?P<conn>\d+) +(?P<stype>\S+(?: -\S+)?) +(?P<mode>\S+) +(?P<codec>\S+) +"
                       r"(?P<ip>[0-9A-Fa-f.:]+) +(?P<rport>\d+) +(?P<sport>\d+)$")
# Total number of active session(s) 1, and connection(s) 2
_CONN_TOTAL = re.compile(r"Total number of active session\(s\) \d+")


class ShowSccpConnectionsParser(TableShowParser):
    name = "show-sccp-connections"
    description = "show sccp connections"
    # Router# show sccp connections
    commands = (r"sh\w* sccp conn\w*",)
    block_start = _CONN_HEADER
    fact_kind, headers, row = "sccp.connection", (_CONN_HEADER, _CONN_TOTAL), _CONN_ROW

    def row_fields(self, m):
        stype = m.group("stype")
        return {"session_id": int(m.group("sess")), "conn_id": int(m.group("conn")), "stype": stype,
                "secure": stype.startswith("secure"), "mode": m.group("mode"), "codec": m.group("codec"),
                "peer_ip": m.group("ip"), "peer_port": int(m.group("rport")), "local_port": int(m.group("sport"))}
