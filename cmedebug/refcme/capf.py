"""The CAPF server (`capf-server`) on a real TLS listener, and the phone's side of a session.

Messages follow formats.md §8: an 8-byte header (protocol 0x55, command,
session id, length) and TLV elements. One simplification, allowed by the
specification of the reference CME: the server answers every
REQUEST_IN_PROGRESS (17) with RETRY_LATER (16), a repeated KEY_GENERATE_REQUEST
(a keygen retry) or END_SESSION, so both sides take turns in virtual time.
The TLS handshake, the certificates and the authentication decision are real.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from cmedebug.refcme import csr, tls
from cmedebug.refcme.ca import name
from cmedebug.refcme.debuglog import LINE_STEP
from cmedebug.refcme.trustpoints import fingerprint

PROTOCOL = 0x55
# commands (formats.md 8.2)
AUTH_REQUEST, AUTH_RESPONSE, KEY_GEN_REQUEST, KEY_GEN_RESPONSE = 1, 2, 3, 4
ENCRYPT_RESPONSE, ENCRYPT_REQUEST = 5, 6
STORE_CERT_REQUEST, STORE_CERT_RESPONSE, FETCH_CERT_REQUEST, FETCH_CERT_RESPONSE = 9, 10, 11, 12
DELETE_CERT_REQUEST, DELETE_CERT_RESPONSE, END_SESSION, RETRY_LATER, REQUEST_IN_PROGRESS = 13, 14, 15, 16, 17
# elements (formats.md 8.3)
E_REASON, E_REASON_INFO, E_CERT_TYPE, E_CERTIFICATE, E_SIGNED_DATA, E_VERSION, E_AUTH_TYPE = 1, 2, 3, 4, 6, 7, 8
E_PUBLIC_KEY, E_KEY_SIZE, E_PASSWORD, E_DEVICE_NAME, E_KEY_TYPE = 9, 10, 11, 13, 17
# reasons (formats.md 8.5)
REASON_NONE, REASON_OK, REASON_REFUSED = 0, 1, 7
# A handshake that fails prints a number, as -6983 (would block) is printed; Cisco documents
# no other code, so this one is a stand-in (catalogue entry capf.ssl-handshake-failed).
SSL_HANDSHAKE_FAILED_CODE = -6992
# `cert-oper ... auth-mode` / capfAuthMode codes
AUTH_MODES = {"auth-string": 1, "null-string": 2, "LSC": 3, "MIC": 4}


def encode(command: int, session: int, elements: list[tuple[int, bytes]]) -> bytes:
    body = b"".join(bytes([tag]) + len(value).to_bytes(2, "big") + value for tag, value in elements)
    return struct.pack(">BBIH", PROTOCOL, command, session, len(body)) + body


def read_message(sock) -> tuple[int, int, dict[int, bytes], int]:
    """(command, session, elements, size in bytes) of the next message."""
    head = _read_exact(sock, 8)
    protocol, command, session, length = struct.unpack(">BBIH", head)
    if protocol != PROTOCOL:
        raise ValueError(f"not a CAPF message (protocol byte {protocol:#x})")
    body = _read_exact(sock, length)
    elements, pos = {}, 0
    while pos < len(body):
        tag, size = body[pos], int.from_bytes(body[pos + 1:pos + 3], "big")
        elements[tag] = body[pos + 3:pos + 3 + size]
        pos += 3 + size
    return command, session, elements, 8 + length


def _read_exact(sock, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("the peer closed the CAPF session")
        data += chunk
    return data


def wrap_certificate(cert: x509.Certificate) -> bytes:
    """CERTIFICATE element value: 0x01, length+2, 0x00, type 1 (LSC), DER (formats.md 8.3)."""
    der = cert.public_bytes(serialization.Encoding.DER)
    return b"\x01" + (len(der) + 2).to_bytes(2, "big") + b"\x00\x01" + der


def unwrap_certificate(value: bytes) -> x509.Certificate:
    return x509.load_der_x509_certificate(value[5:])


def text(value: str) -> bytes:
    return value.encode() + b"\0"


@dataclass
class CapfConfig:
    """`capf-server` plus the ephone's `cert-oper` and `capf-auth-str`."""

    trustpoint: str = "cme-capf"
    ca_trustpoint: str = "cme-root"
    source_addr: str = "10.1.1.1"
    port: int = 3804
    auth_mode: str = "null-string"
    phone_key_size: int = 1024
    keygen_retry: int = 3
    keygen_timeout_min: int = 30
    operations: dict[str, str] = field(default_factory=dict)  # SEP<mac> -> upgrade | delete | fetch
    auth_strings: dict[str, str] = field(default_factory=dict)  # SEP<mac> -> digits


class CapfServer:
    """The router's CAPF service: TLS with the CAPF trustpoint, auth, the CA operation."""

    def __init__(self, config: CapfConfig, trustpoint, ca, trusted_issuers, log) -> None:
        self.config, self.trustpoint, self.ca, self.log = config, trustpoint, ca, log
        self.trusted_issuers = trusted_issuers  # certificates CME accepts as issuers of LSCs/MICs
        self.sessions: dict[str, str] = {}  # SEP<mac> -> `show capf-server sessions` state
        self.history: list[tuple[str, str]] = []
        self.on_state = None  # called with the open sessions at each state change  # (SEP<mac>, state) in the order the sessions went through them
        self.fetched: dict[str, x509.Certificate] = {}  # certificates phones returned to `fetch`
        self.session_id = 0
        self.listener = tls.Listener("capf", self._session)
        self.context = tls.server_context(trustpoint.cert, trustpoint.key)

    def _send(self, sock, command: int, elements) -> None:
        data = encode(command, self.session_id, elements)
        # logged before the bytes leave: once they do, the phone may move virtual time on
        self.log.emit("capf.ssl-write", bytes=len(data))
        sock.sendall(data)

    def _read(self, sock):
        command, _, elements, size = read_message(sock)
        self.log.emit("capf.ssl-read", bytes=size)
        self.log.emit("capf.phone-msg", msgtype=command)
        return command, elements

    def _state(self, device: str, state: str) -> None:
        """The session state `show capf-server sessions` prints; every state a session went through
        is kept, and ``on_state`` (an engineer watching) sees each one."""
        self.sessions[device] = state
        self.history.append((device, state))
        if self.on_state is not None:
            self.on_state(dict(self.sessions))

    def _session(self, conn) -> str:
        self.session_id += 1
        self.log.emit("capf.new-connection", socket=1)
        self.log.emit("capf.handshake-process")

        def would_block(first: bool):  # IOS polls the handshake once a second (corpus 01: twice, 1 s apart)
            self.log.emit("capf.ssl-would-block", step=LINE_STEP if first else 1.0)

        try:
            sock = tls.server_handshake(conn, self.context, would_block)
        except (OSError, TimeoutError):
            self.log.emit("capf.ssl-handshake-failed", code=SSL_HANDSHAKE_FAILED_CODE)
            return "tls-failed"
        try:
            self.log.emit("capf.ssl-ok", step=1.0)
            return self._converse(sock)
        finally:
            sock.close()

    def _end(self, sock, device: str, reason: int) -> None:
        self.log.emit("capf.release-session", device=device)
        self.log.emit("capf.end-session", device=device)
        self._send(sock, END_SESSION, [(E_REASON, bytes([reason]))])
        self.sessions.pop(device, None)

    def _converse(self, sock) -> str:
        self.log.emit("capf.send-auth-req")
        self._send(sock, AUTH_REQUEST, [(E_VERSION, b"\x03")])
        command, elements = self._read(sock)
        device = elements.get(E_DEVICE_NAME, b"").rstrip(b"\0").decode()
        mode = elements.get(E_AUTH_TYPE, b"\0")[0]
        self.log.emit("capf.auth-res", device=device, mode=mode)
        self._state(device, "AWAIT AUTH RES")
        operation = self.config.operations.get(device)
        if operation is None:
            self._end(sock, device, REASON_NONE)
            return "no-operation"
        if not self._authenticated(device, mode, elements):
            self._end(sock, device, REASON_REFUSED)
            return "auth-failed"
        if operation == "fetch":
            self.log.emit("capf.send-fetch", device=device)
            self._send(sock, FETCH_CERT_REQUEST, [])
            _, elements = self._read(sock)
            if E_CERTIFICATE in elements:
                self.fetched[device] = unwrap_certificate(elements[E_CERTIFICATE])
                self.log.emit("capf.fetch-ok", device=device)
            self._end(sock, device, REASON_NONE)
            return "fetched" if device in self.fetched else "nothing-to-fetch"
        if operation == "delete":
            self.log.emit("capf.send-delete", device=device)
            self._send(sock, DELETE_CERT_REQUEST, [])
            self._read(sock)
            self.log.emit("capf.delete-ok", device=device)
            self._end(sock, device, REASON_OK)
            return "deleted"
        return self._upgrade(sock, device)

    def _authenticated(self, device: str, mode: int, elements) -> bool:
        wanted = AUTH_MODES[self.config.auth_mode]
        if mode != wanted:
            return False
        password = elements.get(E_PASSWORD, b"\0").rstrip(b"\0").decode()
        if mode == 1:
            expected = self.config.auth_strings.get(device)
            return expected is not None and password == expected
        if mode == 2:
            return password == ""
        if E_CERTIFICATE not in elements:
            return False  # existing-certificate mode, but the phone has none to offer
        cert = unwrap_certificate(elements[E_CERTIFICATE])
        return self._issued_by_trusted(cert) and _signed_by(cert, device, elements.get(E_SIGNED_DATA, b""))

    def _issued_by_trusted(self, cert: x509.Certificate) -> bool:
        for issuer in self.trusted_issuers:
            try:
                cert.verify_directly_issued_by(issuer)
                return True
            except (ValueError, TypeError, InvalidSignature):
                continue
        return False

    def _upgrade(self, sock, device: str) -> str:
        retries = self.config.keygen_retry
        self._state(device, "AWAIT-KEYGEN-RES")
        asked_at = self._ask_keygen(sock, device)
        while True:
            command, elements = self._read(sock)
            if command == KEY_GEN_RESPONSE:
                break
            self.log.emit("capf.req-in-progress", device=device)
            waited = self.log.clock.timeline.elapsed - asked_at
            if waited < self.config.keygen_timeout_min * 60:
                self._send(sock, RETRY_LATER, [])
            elif retries > 0:
                retries -= 1
                asked_at = self._ask_keygen(sock, device)
            else:
                self._end(sock, device, REASON_REFUSED)
                return "keygen-timeout"
        request = self._enroll(sock, device, elements[E_PUBLIC_KEY])
        if request is None or request.state == "denied":
            self.log.emit("PKI-6-CERTFAIL")
            self._end(sock, device, REASON_REFUSED)
            return "ca-failed"
        if request.state == "pending":  # waits for `crypto pki server <CA> grant`; the phone gives up
            self._end(sock, device, REASON_REFUSED)
            return "ca-pending"
        self._state(device, "AWAIT STORE CERT RESP")
        self.log.emit("capf.send-store", device=device)
        self._send(sock, STORE_CERT_REQUEST, [(E_CERT_TYPE, b"\x01"), (E_CERTIFICATE, wrap_certificate(request.cert))])
        _, elements = self._read(sock)
        if elements.get(E_REASON) == bytes([REASON_OK]):
            self.log.emit("capf.store-ok", device=device)
        self._end(sock, device, REASON_OK)
        return "upgraded"

    def _enroll(self, sock, device: str, spki: bytes):
        """The CA enrollment CAPF runs for the phone's new key: the phone signs the request
        (encrypt round trip), CAPF sends it to the CA of `cert-enroll-trustpoint`, as
        `debug crypto pki transactions` shows. None when the CA cannot take it."""
        info = csr.request_info(name(device), spki)
        self._state(device, "AWAIT ENCRYPT MSG RESP")
        self.log.emit("capf.send-encrypt", device=device)
        self._send(sock, ENCRYPT_REQUEST, [(E_REASON_INFO, info)])
        _, elements = self._read(sock)
        request = csr.assemble(info, elements.get(E_SIGNED_DATA, b""))
        if not request.is_signature_valid:
            return None
        self._state(device, "AWAIT CA RESP")
        der = csr.der(request)
        self.log.emit("pki.request-fingerprint-md5", fingerprint=fingerprint(der, "md5"))
        self.log.emit("pki.request-fingerprint-sha1", fingerprint=fingerprint(der, "sha1"))
        self.log.emit("pki.locked-trustpoint", tp=self.config.ca_trustpoint, count=1)
        if not self.ca.enabled:
            return None
        received = self.ca.receive(request.subject, request.public_key(), fingerprint(der, "md5"))
        if received.state == "granted":
            self.log.emit("pki.status-granted")
        elif received.state == "pending":
            self.log.emit("pki.status-pending")
        return received

    def _ask_keygen(self, sock, device: str) -> float:
        size = self.config.phone_key_size
        self.log.emit("capf.keygen-req", device=device, size=size)
        self._send(sock, KEY_GEN_REQUEST, [(E_KEY_TYPE, b"\0"), (E_KEY_SIZE, size.to_bytes(2, "big"))])
        return self.log.clock.timeline.elapsed

    def close(self) -> None:
        self.listener.close()


def _signed_by(cert: x509.Certificate, device: str, signature: bytes) -> bool:
    """SIGNED_DATA over DEVICE_NAME + 0x00 + DER(cert) with the certificate's key.
    (The model uses a standard PKCS#1 v1.5 SHA-1 signature, formats.md 8.4.)"""
    data = text(device) + cert.public_bytes(serialization.Encoding.DER)
    try:
        cert.public_key().verify(signature, data, padding.PKCS1v15(), hashes.SHA1())
        return True
    except InvalidSignature:
        return False


def sign_identity(cert: x509.Certificate, key, device: str) -> bytes:
    return key.sign(text(device) + cert.public_bytes(serialization.Encoding.DER), padding.PKCS1v15(), hashes.SHA1())
