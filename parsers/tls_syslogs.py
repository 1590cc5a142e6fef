"""Handshake failures of the (D)TLS facilities other than CME's own listeners
(`security_syslogs.py` reads %SKINNYSECURESERVICE-, %EPHONE_CRED-, %HTTPC-):
%DTLS- and %CAPWAP- (the DTLS of CAPWAP, on access points and the controllers
they join) and %SSL- handshake failures (issue #14 class 4).

Every shape here is inferred (not in ../shared/domain): written as Cisco
prints these messages on IOS access points and wireless controllers to the
best of our knowledge (cmedebug/data/messages.toml says so per message).
Each becomes ``tls.handshake.failed`` with ``rejected_by`` when the line says
which side refused: ``peer`` when the alert was received, ``local`` when
this device sent it or its own certificate check failed. A close-notify
alert (a session that ended normally) is ``tls.session.closed``; other
messages of these facilities (a DTLS session created) are left to the
generic syslog parser.
"""
from __future__ import annotations

import re

from cmedebug.parsers.base import Context, LineParser
from cmedebug.parsers.framing import Record
from cmedebug.parsers.grammar import IPV4, IPV6, SyslogBody, match_record, shape

# 10.10.10.5    2001:db8::5
_ADDR = rf"(?:{IPV4}|{IPV6})"
# an optional source-file prefix some releases print before the text: `openssl_dtls.c:1234 `
_SRC = r"(?:\S+\.c:\d+:? +)?"
# which TLS endpoint each facility's failures are about
SERVICES = {"DTLS": "dtls", "CAPWAP": "capwap", "SSL": "ssl"}
# alerts that end a session normally, not a handshake failure
_BENIGN_ALERT = re.compile(r"close.?notify|no.?renegotiation|user.?cancell?ed", re.IGNORECASE)

SHAPES = (
    # %DTLS-5-ALERT: Received FATAL : Bad certificate alert from 10.10.10.5       (inferred)
    # msg: DTLS-5-ALERT
    shape("tls.handshake.failed",
          rf"{_SRC}Received (?:FATAL|fatal|WARNING|warning) ?: ?(?P<reason>[A-Za-z][\w ]*?) [Aa]lert from"
          rf" \[?(?P<peer_ip>{_ADDR})\]?(?::(?P<peer_port>\d+))?", rejected_by="peer", alert="received"),
    # %DTLS-5-SEND_ALERT: Send FATAL : Bad certificate Alert to 10.10.10.5:5246   (inferred)
    # msg: DTLS-5-SEND_ALERT
    shape("tls.handshake.failed",
          rf"{_SRC}Sen[dt] (?:FATAL|fatal|WARNING|warning) ?: ?(?P<reason>[A-Za-z][\w ]*?) [Aa]lert to"
          rf" \[?(?P<peer_ip>{_ADDR})\]?(?::(?P<peer_port>\d+))?", rejected_by="local", alert="sent"),
    # %DTLS-4-BAD_CERT: Certificate verification failed. Peer IP: 10.10.10.5      (inferred)
    # %CAPWAP-3-ERRORLOG: Certificate verification failed!                          (inferred)
    # msg: DTLS-4-BAD_CERT, CAPWAP-3-ERRORLOG
    shape("tls.handshake.failed",
          rf"{_SRC}(?P<reason>Certificate verification failed)[.!]?(?: *Peer IP: ?(?P<peer_ip>{_ADDR}))?",
          rejected_by="local"),
    # %DTLS-3-HANDSHAKE_FAILURE: Failed to complete DTLS handshake with peer 10.10.10.5   (inferred)
    # msg: DTLS-3-HANDSHAKE_FAILURE
    shape("tls.handshake.failed",
          rf"{_SRC}(?P<reason>Failed to complete DTLS handshake) with peer \[?(?P<peer_ip>{_ADDR})\]?"
          rf"(?::(?P<peer_port>\d+))?"),
    # %SSL-3-SSL_HANDSHAKE_FAIL: Reason: no shared cipher, peer 192.0.2.44          (inferred)
    # msg: SSL-3-SSL_HANDSHAKE_FAIL
    shape("tls.handshake.failed",
          rf"{_SRC}Reason ?: ?(?P<reason>[^,]*?)(?:,.*?(?:peer|remote address)(?: IP)? ?:? \[?(?P<peer_ip>{_ADDR})\]?"
          rf"(?::(?P<peer_port>\d+))?)?\s*$"),
)
# the %SSL- / %CAPWAP- mnemonics that name a handshake failure; their other messages stay generic
_FAILING_MNEMONIC = re.compile(r"HANDSHAKE|ALERT|BAD_CERT|CERT|ERRORLOG", re.IGNORECASE)


class TlsFailureSyslogParser(LineParser):
    name = "tls-syslog"
    description = "%DTLS-, %CAPWAP-, %SSL- handshake failures (alert received or sent, certificate verification)"
    keywords = ("%DTLS-", "%CAPWAP-", "%SSL-")
    priority = 39  # before security-syslog, which keeps the other %SSL- messages as ssl.syslog

    def parse(self, rec: Record, ctx: Context):
        service = SERVICES.get(rec.facility or "")
        if service is None or not _FAILING_MNEMONIC.search(rec.mnemonic or ""):
            return None
        found = match_record(SHAPES, SyslogBody(rec))
        if found is None:
            return None
        kind, fields = found
        reason = (fields.get("reason") or "").strip()
        if _BENIGN_ALERT.search(reason):
            # Received WARNING : Close notify alert from 10.10.10.5: the session ended normally
            kind = "tls.session.closed"
            fields = {k: fields.get(k) for k in ("peer_ip", "peer_port", "alert")}
        fields.update(reason=reason, service=service, mnemonic=rec.mnemonic, severity=rec.severity)
        return [ctx.event(kind, rec, **{k: v for k, v in fields.items() if v is not None})]
