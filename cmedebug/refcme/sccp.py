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

    def __init__(self, router, *, secure_trustpoint, trusted_issuers, minimum_tls) -> None:
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
                                              client_cas=trusted_issuers, minimum=minimum_tls)
            self.secure = tls.Listener("sccp-tls", self._secure_session)

    @property
    def secure_port(self) -> int | None:
        return self.secure.port if self.secure else None

    def _debug(self, text: str) -> None:
        self.log.log(text, "ephone register")

    def _accept(self) -> int:
        self.sockets += 1
        peer = self.peer
        self._debug(f"New Skinny socket accepted [{self.sockets}] ({len(self.registered)} active)")
        self._debug(f"sin_family 2, sin_port {peer.port}, in_addr {peer.ip}")
        return self.sockets

    def _plain_session(self, conn) -> str:
        sock = self._accept()
        self._debug(f"skinny_add_socket {sock} {self.peer.ip} {self.peer.port}")
        return self._register(conn, sock, "plain")

    def _secure_session(self, conn) -> str:
        sock, peer = self._accept(), self.peer
        self._debug("skinny_socket_process: secure skinny sessions = 1")
        self._debug(f"add_skinny_secure_socket: pid =155, new_sock={sock - 1}, ip address = {peer.ip}")
        self._debug(f"skinny_secure_handshake: pid =155, sock={sock - 1}, args->pid=155, ip address = {peer.ip}")
        self._debug(f"Start TLS Handshake {sock - 1} {peer.ip} {peer.port}")

        def would_block():
            self.log.clock.timeline.advance(1.0)
            self._debug("TLS Handshake retcode OPSSLReadWouldBlockErr")

        def check_peer(der: bytes):
            self._debug("CRYPTO_PKI_OPSSL - Verifying 1 Certs")
            return self._validate(x509.load_der_x509_certificate(der))

        try:
            tls_sock = tls.server_handshake(conn, self.context, would_block, check_peer)
        except tls.PeerRejected as refusal:
            self._handshake_failed(refusal.reason, sock)
            return f"rejected: {refusal.reason}"
        except (OSError, TimeoutError) as exc:
            self._handshake_failed(tls.openssl_reason(exc), sock)
            return f"tls-failed: {tls.openssl_reason(exc)}"
        try:
            self._debug("TLS Handshake completes")
            return self._register(tls_sock, sock, "secure")
        finally:
            tls_sock.close()

    def _handshake_failed(self, reason: str, sock: int) -> None:
        self.log.log(f"%SKINNYSECURESERVICE-3-TLS_HANDSHAKE_FAILED:  Reason: {reason}, SocketID: {sock - 1}, "
                     f"local address : {self.router.address}:2443 and  remote address : "
                     f"{self.peer.ip}:{self.peer.port}")

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
            self.log.log(f"%IPPHONE-6-REG_ALARM: {severity}: {text}")
            msg_id, body = read_sccp(conn)
        device = body[:16].rstrip(b"\0").decode()
        ephone = self.peer.ephone
        self._debug(f"ephone-({ephone})[{sock}] StationRegisterMessage (2/3/12) from {self.peer.ip}")
        self._debug(f"ephone-({ephone})[{sock}] Register StationIdentifier DeviceName {device}")
        known = self.router.ephone_for(device)
        if known is None:
            conn.sendall(sccp_message(REGISTER_REJECT, b"Unknown device\0"))
            return "rejected: unknown device"
        self.registered[device] = mode
        self.registered_from = self.peer
        self._debug(f"ephone-{ephone}[{sock}]:RegisterAck sent to ephone {ephone}: keepalive period {KEEPALIVE}")
        self.log.log(f"%IPPHONE-6-REGISTER: ephone-{ephone}:{device} IP:{self.peer.ip} Socket:{sock} "
                     f"DeviceType:Phone has registered.")
        conn.sendall(sccp_message(REGISTER_ACK, struct.pack("<I", KEEPALIVE)))
        return f"registered-{mode}"

    def close(self) -> None:
        self.plain.close()
        if self.secure:
            self.secure.close()


def validity_problem(cert: x509.Certificate, now) -> str | None:
    """The PKI syslog IOS prints when ``cert`` is outside its validity at ``now``."""
    serial = f"{cert.serial_number:X}"
    if now < cert.not_valid_before_utc:
        return (f"%PKI-3-CERTIFICATE_INVALID_NOT_YET_VALID: Certificate chain validation has failed. "
                f"The certificate (SN: {serial}) is not yet valid   Validity period starts on "
                f"{ios_date(cert.not_valid_before_utc)}")
    if now > cert.not_valid_after_utc:
        return (f"%PKI-3-CERTIFICATE_INVALID_EXPIRED: Certificate chain validation has failed. "
                f"The certificate (SN: {serial}) has expired. Validity period ended on "
                f"{ios_date(cert.not_valid_after_utc)}")
    return None
