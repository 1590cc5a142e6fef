"""TLS handshake debugs of the secure SCCP listener (`debug ephone register` on
port 2443): `Start TLS Handshake`, `TLS Handshake retcode ...`, `TLS Handshake completes`;
and `debug ssl openssl errors | states | msg` (OpenSSL error strings, `CRYPTO_OPSSL:` lines).

`OPSSLReadWouldBlockErr` means the handshake is still in progress (it repeats
about once a second); it is emitted as ``tls.handshake.pending``, any other
code as ``tls.handshake.error``. The credentials service prints the same steps
behind its own prefix (`credentials.py`).
"""
from __future__ import annotations

import re

from cmedebug.parsers.base import Context, LineParser
from cmedebug.parsers.framing import Record
from cmedebug.parsers.grammar import IPV4, IPV6, Shape, match_record, shape

WOULD_BLOCK = "OPSSLReadWouldBlockErr"


def handshake_shapes(prefix: str) -> tuple[Shape, ...]:
    """The handshake steps as printed after ``prefix``."""
    return (
        # Start TLS Handshake 0 10.5.43.177 51617
        # msg: tls.start
        shape("tls.handshake.started",
              rf"{prefix}Start TLS Handshake (?P<socket>\d+) (?P<peer_ip>{IPV4}|{IPV6}) (?P<peer_port>\d+)"),
        # TLS Handshake retcode OPSSLReadWouldBlockErr     (credentials: TLS Handshake returns OPSSLReadWouldBlockErr)
        # msg: tls.would-block
        shape("tls.handshake.pending", rf"{prefix}TLS Handshake (?:retcode|returns) (?P<code>{WOULD_BLOCK})\b"),
        # TLS Handshake retcode OPSSLHandshakeErr   (any code other than would-block)
        # msg: tls.failed-retcode
        shape("tls.handshake.error", rf"{prefix}TLS Handshake (?:retcode|returns) (?P<code>\S+)"),
        # TLS Handshake completes      TLS Handshake completes.
        # msg: tls.completes
        shape("tls.handshake.completed", rf"{prefix}TLS Handshake completes\b"),
        # Start TLS Handshake 0      (a known step whose details are cut)
        shape("tls.debug", rf"{prefix}(?P<text>(?:Start TLS Handshake|TLS Handshake (?:retcode|returns))\b.*)$"),
    )


# OpenSSL functions that run inside a handshake (SSL23_GET_CLIENT_HELLO, ssl3_read_bytes, ...)
_HANDSHAKE_FUNCTION = re.compile(r"HELLO|ACCEPT|HANDSHAKE|READ_BYTES|GET_CLIENT_CERT", re.IGNORECASE)

OPENSSL_SHAPES = (
    # CRYPTO_OPSSL: ciphersuites TLS_RSA_WITH_AES_128_CBC_SHA:TLS_RSA_WITH_AES_256_CBC_SHA
    shape("tls.openssl.ciphersuites", r"CRYPTO_OPSSL: ?ciphersuites:? (?P<ciphersuites>\S+)"),
    # CRYPTO_OPSSL: <anything else>
    shape("tls.openssl.debug", r"CRYPTO_OPSSL: ?(?P<text>.*)$"),
    # error:1408A0C1:SSL routines:ssl3_get_client_hello:no shared cipher          (OpenSSL 1.0)
    # error:0A000102:SSL routines::unsupported protocol                           (OpenSSL 3)
    # msg: ssl.openssl-error
    shape("tls.openssl.error",
          r"[^\n]*?\berror:(?P<openssl_code>[0-9A-Fa-f]{8}):(?P<library>[^:]*):(?P<function>[^:]*):(?P<reason>[^:]*)"),
)


class TlsDebugParser(LineParser):
    name = "tls"
    description = "secure SCCP TLS handshake debugs (Start TLS Handshake, retcode, completes), debug ssl openssl"
    keywords = ("TLS Handshake", "CRYPTO_OPSSL", "SSL routines")
    priority = 35
    service = "skinny-secure"
    shapes = handshake_shapes("")

    def __init__(self) -> None:
        self.last_peer: dict = {}  # the peer of the last `Start TLS Handshake`

    def parse(self, rec: Record, ctx: Context):
        found = match_record(self.shapes, rec)
        if found is not None:
            kind, fields = found
            if kind == "tls.handshake.started":
                self.last_peer = {k: fields[k] for k in ("peer_ip", "peer_port") if k in fields}
            return [ctx.event(kind, rec, service=self.service, **fields)]
        found = match_record(OPENSSL_SHAPES, rec) if self.service == "skinny-secure" else None
        if found is None:
            return None
        kind, fields = found
        if "ciphersuites" in fields:
            fields["ciphersuites"] = fields["ciphersuites"].split(":")
        if "openssl_code" in fields:
            fields["code"] = fields.pop("openssl_code").upper()  # hex, leading zeros kept
        events = [ctx.event(kind, rec, **fields)]
        if kind == "tls.openssl.error" and _HANDSHAKE_FUNCTION.search(fields.get("function", "")):
            # IOS 15.x has no handshake-failure syslog: OpenSSL's error inside a handshake is the
            # stated reason of the failure (catalogue ssl.openssl-error, tls.failed-retcode)
            events.append(ctx.event("tls.handshake.failed", rec, service=self.service, reason=fields.get("reason"),
                                    **self.last_peer))
        return events
