"""TLS handshake debugs of the secure SCCP listener (`debug ephone register` on
port 2443): `Start TLS Handshake`, `TLS Handshake retcode ...`, `TLS Handshake completes`.

`OPSSLReadWouldBlockErr` means the handshake is still in progress (it repeats
about once a second); it is emitted as ``tls.handshake.pending``, any other
code as ``tls.handshake.error``. The credentials service prints the same steps
behind its own prefix (`credentials.py`).
"""
from __future__ import annotations

from cmedebug.parsers.base import Context, LineParser
from cmedebug.parsers.framing import Record
from cmedebug.parsers.grammar import IPV4, IPV6, Shape, match_record, shape

WOULD_BLOCK = "OPSSLReadWouldBlockErr"


def handshake_shapes(prefix: str) -> tuple[Shape, ...]:
    """The handshake steps as printed after ``prefix``."""
    return (
        # Start TLS Handshake 0 10.5.43.177 51617
        shape("tls.handshake.started",
              rf"{prefix}Start TLS Handshake (?P<socket>\d+) (?P<peer_ip>{IPV4}|{IPV6}) (?P<peer_port>\d+)"),
        # TLS Handshake retcode OPSSLReadWouldBlockErr     (credentials: TLS Handshake returns OPSSLReadWouldBlockErr)
        shape("tls.handshake.pending", rf"{prefix}TLS Handshake (?:retcode|returns) (?P<code>{WOULD_BLOCK})\b"),
        # TLS Handshake retcode OPSSLHandshakeErr   (any code other than would-block)
        shape("tls.handshake.error", rf"{prefix}TLS Handshake (?:retcode|returns) (?P<code>\S+)"),
        # TLS Handshake completes      TLS Handshake completes.
        shape("tls.handshake.completed", rf"{prefix}TLS Handshake completes\b"),
        # Start TLS Handshake 0      (a known step whose details are cut)
        shape("tls.debug", rf"{prefix}(?P<text>(?:Start TLS Handshake|TLS Handshake (?:retcode|returns))\b.*)$"),
    )


class TlsDebugParser(LineParser):
    name = "tls"
    description = "secure SCCP TLS handshake debugs (Start TLS Handshake, retcode, completes)"
    keywords = ("TLS Handshake",)
    priority = 35
    service = "skinny-secure"
    shapes = handshake_shapes("")

    def parse(self, rec: Record, ctx: Context):
        found = match_record(self.shapes, rec)
        if found is None:
            return None
        kind, fields = found
        return [ctx.event(kind, rec, service=self.service, **fields)]
