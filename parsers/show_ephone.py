"""`show ephone [registered|offhook|...]` (one `ephone.status` per phone) and
`show ephone socket` (`ephone.socket`: is the secure SCCP listener open?).

Real shapes: ../shared/corpus/09 and 10 (a phone's lines wrap anywhere, even
inside "REGISTERED in SCCP ver / 5", so a phone's lines are joined before
reading), and 12 (`skinny_secure_tcp_listen_socket fd = -1`).
"""
from __future__ import annotations

import re

from cmedebug.parsers.base import Context
from cmedebug.parsers.framing import Record
from cmedebug.parsers.grammar import norm_mac
from cmedebug.parsers.show_block import ShowBlockParser, starts_other_output

# ephone-1 Mac:1000.1111.0002 TCP socket:[5]      ephone-1[0] Mac:549A.EBB5.8000 TCP socket:[1] activeLine:1 ...
_PHONE = re.compile(r"ephone-(?P<n>\d+)(?:\[\d+\])? +Mac:(?P<mac>[0-9A-Fa-f.]{12,14})")
# TCP socket:[5]      TCP socket:[-1]
_SOCKET = re.compile(r"TCP socket:\[(?P<fd>-?\d+)\]")
# REGISTERED in SCCP ver 21/17      UNREGISTERED      DECEASED
_STATE = re.compile(r"\b(?P<state>UNREGISTERED|REGISTERED|DECEASED|UNKNOWN)\b(?: in SCCP ver (?P<ver>[\d/]+))?")
# IP:10.1.1.40 32626 7970 keepalive 390 max_line 8      IP:8.44.22.63 * 17872 SCCP Gateway (AN) keepalive 28
_IP = re.compile(r"\bIP:(?P<ip>[0-9A-Fa-f.:]+)(?: \*)?(?: \d+)? (?P<model>.+?) +keepalive")
# + Authentication + Encryption with TLS connection
_AUTHENTICATED, _ENCRYPTED, _TLS = "+ Authentication", "+ Encryption", "with TLS connection"
# Active Secure Call on DN 14 chan 1      SRTP cipher: AES_CM_128_HMAC_SHA1_32
_SECURE_CALL = "Active Secure Call"
_CIPHER = re.compile(r"SRTP cipher: (?P<cipher>\S+)")
_MAX_LINES_PER_PHONE = 60


class ShowEphoneParser(ShowBlockParser):
    name = "show-ephone"
    description = "show ephone [registered|unregistered|offhook|...]"
    # Router# show ephone offhook      (not `show ephone-dn`, not `show ephone socket`)
    commands = (r"sh\w* ephone(?! +s+oc)(?!-dn)",)
    block_start = _PHONE

    def __init__(self) -> None:
        super().__init__()
        self.phone: dict | None = None

    def take(self, text, rec: Record, ctx: Context):
        m = _PHONE.match(text)
        if m:
            done = self.flush(ctx)
            self.phone = {"ephone": int(m.group("n")), "mac": norm_mac(m.group("mac")), "text": [text],
                          "first": rec.first_line, "last": rec.last_line, "raw": list(rec.lines)}
            return done
        if self.phone is None or len(self.phone["text"]) >= _MAX_LINES_PER_PHONE or starts_other_output(text, self):
            return None
        self.phone["text"].append(text)
        self.phone["last"] = rec.last_line
        self.phone["raw"].extend(rec.lines)
        return []

    def flush(self, ctx: Context):
        phone, self.phone = self.phone, None
        if phone is None:
            return []
        text = " ".join(phone["text"])
        state = _STATE.search(text)
        socket = _SOCKET.search(text)
        ip = _IP.search(text)
        cipher = _CIPHER.search(text)
        fields = {
            "ephone": phone["ephone"], "mac": phone["mac"],
            "ip": ip.group("ip") if ip else None,
            "socket": int(socket.group("fd")) if socket else None,
            "registered": bool(state) and state.group("state") == "REGISTERED",
            "state": state.group("state") if state else None,
            "sccp_version": state.group("ver") if state else None,
            "model": ip.group("model").strip() if ip else None,
            "authenticated": _AUTHENTICATED in text, "encrypted": _ENCRYPTED in text, "tls": _TLS in text,
            "secure_call": _SECURE_CALL in text, "srtp_cipher": cipher.group("cipher") if cipher else None,
        }
        return [ctx.fact("ephone.status", first_line=phone["first"], last_line=phone["last"], raw=phone["raw"],
                         **fields)]


# skinny_tcp_listen_socket fd = 0      skinny_secure_tcp_listen_socket (ipv6) fd = -1
_LISTEN = re.compile(r"skinny_(?P<secure>secure_)?tcp_listen_socket(?P<v6> \(ipv6\))? fd = (?P<fd>-?\d+)$")
# skinny_open_sockets = 3:
_OPEN = re.compile(r"skinny_open_sockets = (?P<n>\d+):?$")
# Phone 3,      skinny_sockets[0] fd = 1      read_buffer 0x480061E8, read_offset 0, ...      resend_queue 0x47CE8178, ...
_SOCKET_DETAIL = re.compile(r"Phone \d+,$|skinny_sockets\[\d+\] fd = -?\d+$|read_buffer 0x|resend_queue 0x")


class ShowEphoneSocketParser(ShowBlockParser):
    name = "show-ephone-socket"
    description = "show ephone socket"
    # Router# show ephone socket      (typed "ssocket" in the Command Reference)
    commands = (r"sh\w* ephone s+oc\w*",)
    block_start = re.compile(r"skinny_tcp_listen_socket")

    def __init__(self) -> None:
        super().__init__()
        self.sockets: dict | None = None

    def take(self, text, rec: Record, ctx: Context):
        m = _LISTEN.match(text)
        if m:
            field = f"{'secure_' if m.group('secure') else ''}listen_fd{'_ipv6' if m.group('v6') else ''}"
            if self.sockets is not None and field in self.sockets["fields"]:
                done = self.flush(ctx)  # a second `show ephone socket`
            else:
                done = []
            self._extend(rec)
            self.sockets["fields"][field] = int(m.group("fd"))
            return done
        if self.sockets is None:
            return None
        m = _OPEN.match(text)
        if m:
            self.sockets["fields"]["open_sockets"] = int(m.group("n"))
        elif not _SOCKET_DETAIL.match(text):
            return None
        self._extend(rec)
        return []

    def _extend(self, rec: Record) -> None:
        if self.sockets is None:
            self.sockets = {"fields": {}, "first": rec.first_line, "last": rec.last_line, "raw": []}
        self.sockets["last"] = rec.last_line
        self.sockets["raw"].extend(rec.lines)

    def flush(self, ctx: Context):
        sockets, self.sockets = self.sockets, None
        if sockets is None:
            return []
        fields = dict.fromkeys(("listen_fd", "listen_fd_ipv6", "secure_listen_fd", "secure_listen_fd_ipv6",
                                "open_sockets"))
        fields.update(sockets["fields"])
        return [ctx.fact("ephone.socket", first_line=sockets["first"], last_line=sockets["last"],
                         raw=sockets["raw"], **fields)]
