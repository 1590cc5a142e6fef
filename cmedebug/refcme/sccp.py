"""CME's SCCP listeners: secure SCCP over mutual TLS (2443 nominal) and plain SCCP (2000).

Both are real sockets on 127.0.0.1 (ephemeral ports). The secure listener
presents the `secure-signaling` trustpoint's certificate and asks for the
phone's LSC or MIC; OpenSSL checks the chain against the CA certificates the
router holds, and the router then checks the dates with its own clock (and the
CRL when `revocation-check crl` is in force) before accepting the
registration. Logged lines are the `debug ephone register` and syslog shapes
of messages.md §1.7-1.8, with the phone's modelled address.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass

from cryptography import x509

from cmedebug.refcme import tls
from cmedebug.refcme.clock import ios_date
from cmedebug.refcme.debuglog import LINE_STEP

REGISTER, ALARM, REGISTER_ACK, REGISTER_REJECT = 0x0001, 0x0020, 0x0081, 0x009D
PHONE_LOAD = "SCCP75.9-4-2SR3-1S"
KEEPALIVE = 30


def sccp_message(msg_id: int, body: bytes) -> bytes:
    """SCCP framing: little-endian length (of id + body), reserved, message id."""
    return struct.pack("<III", len(body) + 4, 0, msg_id) + body


def register_message(device: str) -> bytes:
    # StationIdentifier (16-byte name, user id, instance), IP, device type 7 (as in corpus 13)
    return sccp_message(REGISTER, device.encode().ljust(16, b"\0") + struct.pack("<IIII", 0, 1, 0, 7))


def alarm_message(device: str, last: str = "Reset-Reset") -> bytes:
    """StationAlarmMessage sent before registering: why the phone last reset (severity 22)."""
    text = f"Name={device} Load={PHONE_LOAD} Last={last}".encode()
    return sccp_message(ALARM, struct.pack("<I", 22) + text.ljust(80, b"\0"))


def read_sccp(sock) -> tuple[int, bytes]:
    head = b""
    while len(head) < 12:
        chunk = sock.recv(12 - len(head))
        if not chunk:
            raise ConnectionError("the peer closed the SCCP connection")
        head += chunk
    length, _, msg_id = struct.unpack("<III", head)
    body = b""
    while len(body) < length - 4:
        chunk = sock.recv(length - 4 - len(body))
        if not chunk:
            raise ConnectionError("the peer closed the SCCP connection")
        body += chunk
    return msg_id, body


@dataclass
class PhoneAddress:
    """The phone as the router sees it (modelled address; the real socket is loopback)."""

    ip: str
    port: int
    ephone: int = 1


class SccpService:
    """Plain and secure SCCP for one CME; `registered` holds SEP<mac> -> 'secure' | 'plain'."""

    def __init__(self, router, *, secure_trustpoint, trusted_issuers) -> None:
        self.router = router
        self.log = router.log
        self.trustpoint = secure_trustpoint
        self.trusted_issuers = trusted_issuers
        self.registered: dict[str, str] = {}
        self.sockets = 0
        self.peer: PhoneAddress | None = None
        self.plain = tls.Listener("sccp", self._plain_session)
        self.secure = None
        if secure_trustpoint is not None and secure_trustpoint.cert is not None and secure_trustpoint.key is not None:
            self.context = tls.server_context(secure_trustpoint.cert, secure_trustpoint.key,
                                              client_cas=trusted_issuers)
            self.secure = tls.Listener("sccp-tls", self._secure_session)

    @property
    def secure_port(self) -> int | None:
        return self.secure.port if self.secure else None

    def _accept(self) -> int:
        self.sockets += 1
        peer = self.peer
        self.log.emit("ephone.socket-accepted", socket=self.sockets, active=len(self.registered))
        self.log.emit("ephone.sin-family", port=peer.port, ip=peer.ip)
        return self.sockets

    def _plain_session(self, conn) -> str:
        sock = self._accept()
        self.log.emit("ephone.add-socket", sock=sock, ip=self.peer.ip, port=self.peer.port)
        return self._register(conn, sock, "plain")

    def _secure_session(self, conn) -> str:
        sock, peer = self._accept(), self.peer
        self.log.emit("ephone.secure-sessions", count=1)
        self.log.emit("ephone.add-secure-socket", pid=155, sock=sock - 1, ip=peer.ip)
        self.log.emit("ephone.secure-handshake", pid=155, sock=sock - 1, pid2=155, ip=peer.ip)
        self.log.emit("tls.start", sock=sock - 1, ip=peer.ip, port=peer.port)

        def would_block(first: bool):  # printed at once, then once a second while pending (corpus 07)
            self.log.emit("tls.would-block", step=LINE_STEP if first else 1.0)

        def check_peer(der: bytes):
            self.log.emit("pki.verifying-certs", step=1.0)
            return self._validate(x509.load_der_x509_certificate(der))

        try:
            tls_sock = tls.server_handshake(conn, self.context, would_block, check_peer)
        except tls.PeerRejected as refusal:
            self._handshake_failed(refusal.reason, sock)
            return f"rejected: {refusal.reason}"
        except (OSError, TimeoutError) as exc:
            self._handshake_failed(tls.openssl_reason(exc), sock, getattr(exc, "reason", None))
            return f"tls-failed: {tls.openssl_reason(exc)}"
        try:
            self.log.emit("tls.completes")
            return self._register(tls_sock, sock, "secure")
        finally:
            tls_sock.close()

    def _handshake_failed(self, reason: str, sock: int, openssl_reason: str | None = None) -> None:
        """What the train prints for a failed handshake: IOS XE its syslog with OpenSSL's
        reason (corpus 11); IOS 15.x only the debug retcode and, with `debug ssl openssl
        errors`, OpenSSL's error line (ios-commands.md §4)."""
        if self.log.train == "XE":
            self.log.emit("SKINNYSECURESERVICE-3-TLS_HANDSHAKE_FAILED", reason=reason, sock=sock - 1,
                          local=self.router.address, ip=self.peer.ip, port=self.peer.port)
            return
        error = tls.OPENSSL_10_ERRORS.get(openssl_reason or "")
        if error is not None:
            code, function, text = error
            self.log.emit("ssl.openssl-error", code=code, function=function, reason=text)
        self.log.emit("tls.failed-retcode")

    def _validate(self, phone_cert: x509.Certificate) -> tls.PeerRejected | None:
        """The router's own checks once OpenSSL accepted the chain: dates on the router
        clock (the CA, its own certificate, the phone's), then revocation."""
        ca = next((c for c in self.trusted_issuers if c.subject == phone_cert.issuer), None)
        for cert in (ca, self.trustpoint.cert, phone_cert):
            if cert is not None and not self.router.pki_check(cert):
                return tls.PeerRejected("certificate verify failed", tls.ALERT_CERTIFICATE_EXPIRED)
        if self.router.revocation_unavailable():
            return tls.PeerRejected("certificate verify failed", tls.ALERT_UNKNOWN_CA)
        return None

    def _register(self, conn, sock: int, mode: str) -> str:
        msg_id, body = read_sccp(conn)
        if msg_id == ALARM:  # `debug ephone alarm` territory, always in the syslog
            severity, text = struct.unpack("<I", body[:4])[0], body[4:84].rstrip(b"\0").decode()
            fields = dict(part.split("=", 1) for part in text.split())
            self.log.emit("IPPHONE-6-REG_ALARM", code=severity, device=fields["Name"], load=fields["Load"],
                          last=fields["Last"])
            msg_id, body = read_sccp(conn)
        device = body[:16].rstrip(b"\0").decode()
        ephone = self.peer.ephone
        self.log.emit("ephone.station-register", ephone=ephone, sock=sock, ip=self.peer.ip)
        self.log.emit("ephone.register-identifier", ephone=ephone, sock=sock, device=device)
        known = self.router.ephone_for(device)
        if known is None:
            conn.sendall(sccp_message(REGISTER_REJECT, b"Unknown device\0"))
            return "rejected: unknown device"
        self.registered[device] = mode
        self.registered_from = self.peer
        self.log.emit("ephone.register-ack", ephone=ephone, sock=sock, ephone2=ephone, keepalive=KEEPALIVE)
        self.log.emit("IPPHONE-6-REGISTER", ephone=ephone, device=device, ip=self.peer.ip, sock=sock)
        conn.sendall(sccp_message(REGISTER_ACK, struct.pack("<I", KEEPALIVE)))
        return f"registered-{mode}"

    def close(self) -> None:
        self.plain.close()
        if self.secure:
            self.secure.close()


def validity_problem(cert: x509.Certificate, now) -> tuple[str, dict] | None:
    """The PKI syslog (catalogue id, fields) IOS prints when ``cert`` is outside its validity at ``now``."""
    serial = f"{cert.serial_number:X}"
    if now < cert.not_valid_before_utc:
        return "PKI-3-CERTIFICATE_INVALID_NOT_YET_VALID", {"serial": serial, "date": ios_date(cert.not_valid_before_utc)}
    if now > cert.not_valid_after_utc:
        return "PKI-3-CERTIFICATE_INVALID_EXPIRED", {"serial": serial, "date": ios_date(cert.not_valid_after_utc)}
    return None
