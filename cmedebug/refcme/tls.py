"""Real TLS on 127.0.0.1 with Python's ``ssl``: contexts and a threaded listener.

Certificate *dates* are judged by the deciding device's virtual clock, not by
the host's wall clock, so every context sets OpenSSL's ``X509_V_FLAG_NO_CHECK_TIME``
and the router and phone check ``not_valid_before/after`` themselves after the
handshake. Everything else (chain building, signatures, key sizes, protocol
versions) is OpenSSL's own decision and its own error text.
"""
from __future__ import annotations

import queue
import socket
import ssl
import tempfile
import threading
import warnings
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

LOOPBACK = "127.0.0.1"
NO_CHECK_TIME = 0x200000  # X509_V_FLAG_NO_CHECK_TIME (openssl/x509_vfy.h)
IO_TIMEOUT = 5.0


def pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def _load_identity(ctx: ssl.SSLContext, cert: x509.Certificate, key) -> None:
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    with tempfile.TemporaryDirectory(prefix="refcme-") as tmp:
        cert_path, key_path = Path(tmp, "cert.pem"), Path(tmp, "key.pem")
        cert_path.write_text(pem(cert))
        key_path.write_bytes(key_pem)
        ctx.load_cert_chain(cert_path, key_path)


def _versions(ctx: ssl.SSLContext, minimum: ssl.TLSVersion, maximum: ssl.TLSVersion) -> None:
    # SCCP phones and IOS before 16.9 speak TLS 1.0, which Python flags as deprecated
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.minimum_version = minimum
        ctx.maximum_version = maximum


def server_context(cert, key, *, client_cas=()) -> ssl.SSLContext:
    """The router side (IOS 15.x): TLS 1.0 to 1.2, small keys accepted; no SSL 3.0."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    _versions(ctx, ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_2)
    _load_identity(ctx, cert, key)
    if client_cas:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.verify_flags |= NO_CHECK_TIME
        ctx.load_verify_locations(cadata="".join(pem(c) for c in client_cas))
    return ctx


def client_context(anchors, *, cert=None, key=None, maximum=ssl.TLSVersion.TLSv1_2,
                   seclevel: int = 1) -> ssl.SSLContext:
    """The phone side: trusts exactly the certificates of its trust list (as
    anchors, even when they are not CA certificates)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.set_ciphers(f"DEFAULT:@SECLEVEL={seclevel}")
    if maximum < ssl.TLSVersion.TLSv1_2:
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")  # OpenSSL 3 needs level 0 to speak TLS 1.0 at all
        _versions(ctx, ssl.TLSVersion.TLSv1, maximum)
    else:
        _versions(ctx, ssl.TLSVersion.TLSv1_2, maximum)
    ctx.verify_flags |= NO_CHECK_TIME | ssl.VERIFY_X509_PARTIAL_CHAIN
    ctx.load_verify_locations(cadata="".join(pem(c) for c in anchors))
    if cert is not None:
        _load_identity(ctx, cert, key)
    return ctx


# OpenSSL's error line as the OpenSSL 1.0 of IOS 15.x's CiscoSSL prints it with `debug ssl
# openssl errors` (code, function, reason), by the reason OpenSSL 3 gives here (catalogue
# entry ssl.openssl-error, inferred).
OPENSSL_10_ERRORS = {
    "UNSUPPORTED_PROTOCOL": ("14076102", "SSL23_GET_CLIENT_HELLO", "unsupported protocol"),
    "VERSION_TOO_LOW": ("14076102", "SSL23_GET_CLIENT_HELLO", "unsupported protocol"),  # 1.0's word for it
    "WRONG_VERSION_NUMBER": ("1408A10B", "SSL3_GET_CLIENT_HELLO", "wrong version number"),
    "NO_SHARED_CIPHER": ("1408A0C1", "SSL3_GET_CLIENT_HELLO", "no shared cipher"),
    "TLSV1_ALERT_UNKNOWN_CA": ("14094418", "SSL3_READ_BYTES", "tlsv1 alert unknown ca"),
    "SSLV3_ALERT_BAD_CERTIFICATE": ("14094412", "SSL3_READ_BYTES", "sslv3 alert bad certificate"),
}


def ssl3_client_hello(seed: bytes) -> bytes:
    """An SSL 3.0 ClientHello (record and hello version 3.0, RSA suites), as a phone whose
    firmware offers nothing newer sends it; OpenSSL 3 cannot speak SSL 3.0 itself."""
    suites = bytes.fromhex("002f0035000a")  # AES128-SHA, AES256-SHA, DES-CBC3-SHA
    hello = b"\x03\x00" + seed[:32].ljust(32, b"\0") + b"\x00" + len(suites).to_bytes(2, "big") + suites + b"\x01\x00"
    handshake = b"\x01" + len(hello).to_bytes(3, "big") + hello
    return b"\x16\x03\x00" + len(handshake).to_bytes(2, "big") + handshake


def offer_ssl3(port: int, seed: bytes) -> bytes:
    """Send an SSL 3.0 ClientHello to ``port``; the server's answer (an alert, or nothing)."""
    with socket.create_connection((LOOPBACK, port), timeout=IO_TIMEOUT) as raw:
        raw.sendall(ssl3_client_hello(seed))
        try:
            return raw.recv(64)
        except (ConnectionError, socket.timeout):
            return b""


def openssl_reason(err: Exception) -> str:
    """OpenSSL's reason as IOS prints it: ``UNSUPPORTED_PROTOCOL`` -> ``unsupported protocol``."""
    reason = getattr(err, "reason", None)
    return reason.lower().replace("_", " ") if reason else str(err)


def verify_detail(err: Exception) -> str:
    """OpenSSL's certificate verification message (``EE certificate key too weak``), if any."""
    return getattr(err, "verify_message", "") or ""


# Alerts (RFC 5246 §7.2) the router sends when its own checks refuse the phone's
# certificate, as OpenSSL's ssl_x509err2alert maps the matching X509 errors:
# not yet valid / expired -> certificate_expired, no CRL -> unknown_ca.
ALERT_CERTIFICATE_EXPIRED, ALERT_UNKNOWN_CA = 45, 48
_RECORD_VERSIONS = {"TLSv1": b"\x03\x01", "TLSv1.1": b"\x03\x02", "TLSv1.2": b"\x03\x03"}


class PeerRejected(Exception):
    """The router refused the peer after OpenSSL accepted its chain (dates, revocation)."""

    def __init__(self, reason: str, alert: int) -> None:
        super().__init__(reason)
        self.reason, self.alert = reason, alert


class ServerTls:
    """The router's end of a TLS connection, driven through memory BIOs.

    Driving OpenSSL by hand lets the router see when it has sent a flight and
    must wait for the phone; IOS prints a "would block" line at that moment
    (``SSL Handshake Error -6983``, ``TLS Handshake retcode
    OPSSLReadWouldBlockErr``). Counting those moments, not the socket reads,
    keeps the log the same on every run, however the bytes arrive.
    """

    def __init__(self, raw: socket.socket, ctx: ssl.SSLContext) -> None:
        self.raw = raw
        self._in, self._out = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.tls = ctx.wrap_bio(self._in, self._out, server_side=True)

    def _flush(self) -> bool:
        data = self._out.read()
        if data:
            self.raw.sendall(data)
        return bool(data)

    def _fill(self) -> bool:
        chunk = self.raw.recv(65536)
        if not chunk:
            self._in.write_eof()
            return False
        self._in.write(chunk)
        return True

    def handshake(self, on_would_block, check_peer=None) -> None:
        """Raises ssl.SSLError (OpenSSL's reason), ConnectionError, or PeerRejected when
        ``check_peer(der)`` refuses the client certificate: then the router's Finished
        never leaves and a fatal alert goes out instead, so the phone's handshake fails.
        ``on_would_block(first)`` runs at the first poll (nothing received yet) and each time
        the router has sent a flight and waits."""
        polled = False
        while True:
            try:
                self.tls.do_handshake()
                refusal = check_peer(self.tls.getpeercert(binary_form=True)) if check_peer else None
                if refusal is not None:
                    self._out.read()
                    version = _RECORD_VERSIONS.get(self.tls.version(), b"\x03\x03")
                    self.raw.sendall(b"\x15" + version + b"\x00\x02\x02" + bytes([refusal.alert]))
                    raise refusal
                self._flush()
                return
            except ssl.SSLWantReadError:
                if self._flush() or not polled:
                    on_would_block(not polled)
                    polled = True
                if not self._fill():
                    raise ConnectionError("the peer closed the connection during the handshake") from None
            except ssl.SSLError:
                self._flush()  # the alert, so that the phone learns why
                raise

    def recv(self, size: int) -> bytes:
        while True:
            try:
                return self.tls.read(size)
            except ssl.SSLWantReadError:
                self._flush()
                if not self._fill():
                    return b""
            except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
                return b""

    def sendall(self, data: bytes) -> None:
        self.tls.write(data)
        self._flush()

    def getpeercert(self, binary_form: bool = False):
        return self.tls.getpeercert(binary_form)

    def close(self) -> None:
        self.raw.close()


def server_handshake(raw: socket.socket, ctx: ssl.SSLContext, on_would_block, check_peer=None) -> ServerTls:
    """Accept TLS on ``raw``; ``on_would_block(first)`` runs each time the router waits for the
    peer; ``check_peer(der)`` may return a ``PeerRejected`` to refuse the client certificate."""
    conn = ServerTls(raw, ctx)
    try:
        conn.handshake(on_would_block, check_peer)
    except BaseException:
        conn.close()
        raise
    return conn


def connect(port: int, ctx: ssl.SSLContext | None) -> socket.socket:
    """The phone's TCP (and TLS) connection to a router service on loopback.
    Raises ConnectionRefusedError when nothing listens, ssl.SSLError when TLS fails."""
    raw = socket.create_connection((LOOPBACK, port), timeout=IO_TIMEOUT)
    if ctx is None:
        return raw
    try:
        return ctx.wrap_socket(raw)
    except BaseException:
        raw.close()
        raise


def closed_port() -> int:
    """A loopback port on which nothing listens (bound, then released)."""
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


class Listener:
    """A TCP listener on 127.0.0.1 (ephemeral port), served by one thread.

    ``handler(conn)`` runs in that thread for each connection; its return value
    (or exception) is queued, and ``result()`` hands it to the caller, so the
    phone side and the router side take turns deterministically."""

    def __init__(self, name: str, handler) -> None:
        self.handler = handler
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind((LOOPBACK, 0))
        self.sock.listen(4)
        self.sock.settimeout(0.05)
        self.port = self.sock.getsockname()[1]
        self._results: queue.Queue = queue.Queue()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name=f"refcme-{name}", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (socket.timeout, OSError):
                continue
            try:
                conn.settimeout(IO_TIMEOUT)
                result = self.handler(conn)
            except Exception as exc:  # handed to the caller, never lost
                result = exc
            finally:
                conn.close()
            self._results.put(result)

    def result(self, timeout: float = IO_TIMEOUT * 2):
        """The outcome of the next finished connection; a handler's unexpected
        exception is raised here, in the caller, so that no model error goes unseen."""
        outcome = self._results.get(timeout=timeout)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def close(self) -> None:
        """Stop serving; an error no caller collected is raised now rather than lost."""
        self._stop.set()
        self._thread.join()
        self.sock.close()
        while not self._results.empty():
            outcome = self._results.get_nowait()
            if isinstance(outcome, Exception):
                raise outcome
