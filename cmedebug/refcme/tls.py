"""Real TLS on 127.0.0.1 with Python's ``ssl``: contexts and a threaded listener.

Certificate *dates* are judged by the deciding device's virtual clock, not by
the host's wall clock, so every context sets OpenSSL's ``X509_V_FLAG_NO_CHECK_TIME``
and the router and phone check ``not_valid_before/after`` themselves after the
handshake. Everything else (chain building, signatures, key sizes, protocol
versions) is OpenSSL's own decision and its own error text.
"""
from __future__ import annotations

import queue
import select
import socket
import ssl
import tempfile
import threading
import time
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

LOOPBACK = "127.0.0.1"
NO_CHECK_TIME = 0x200000  # X509_V_FLAG_NO_CHECK_TIME (openssl/x509_vfy.h)
IO_TIMEOUT = 5.0
# Real seconds the server waits after the socket turns readable, so that a whole
# TLS flight is in before OpenSSL reads it (keeps the count of "would block"
# retries, which the router prints, the same on every run).
FLIGHT_SETTLE = 0.005


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


def server_context(cert, key, *, client_cas=(), minimum=ssl.TLSVersion.TLSv1) -> ssl.SSLContext:
    """The router side: IOS accepts small keys and old protocols unless told otherwise."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    ctx.minimum_version = minimum
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
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
        ctx.minimum_version = ssl.TLSVersion.TLSv1
    ctx.maximum_version = maximum
    ctx.verify_flags |= NO_CHECK_TIME | ssl.VERIFY_X509_PARTIAL_CHAIN
    ctx.load_verify_locations(cadata="".join(pem(c) for c in anchors))
    if cert is not None:
        _load_identity(ctx, cert, key)
    return ctx


def openssl_reason(err: Exception) -> str:
    """OpenSSL's reason as IOS prints it: ``UNSUPPORTED_PROTOCOL`` -> ``unsupported protocol``."""
    reason = getattr(err, "reason", None)
    return reason.lower().replace("_", " ") if reason else str(err)


def server_handshake(raw: socket.socket, ctx: ssl.SSLContext, on_would_block) -> ssl.SSLSocket:
    """A non-blocking server handshake; ``on_would_block()`` is called each time
    OpenSSL has to wait for the peer (IOS prints a line then). Raises ssl.SSLError."""
    raw.setblocking(False)
    tls = ctx.wrap_socket(raw, server_side=True, do_handshake_on_connect=False)
    deadline = time.monotonic() + IO_TIMEOUT
    _wait_readable(tls, deadline)
    while True:
        try:
            tls.do_handshake()
            break
        except ssl.SSLWantReadError:
            on_would_block()
            _wait_readable(tls, deadline)
        except ssl.SSLWantWriteError:
            select.select([], [tls], [], max(0.0, deadline - time.monotonic()))
    tls.setblocking(True)
    tls.settimeout(IO_TIMEOUT)
    return tls


def _wait_readable(sock, deadline: float) -> None:
    ready, _, _ = select.select([sock], [], [], max(0.0, deadline - time.monotonic()))
    if not ready:
        raise TimeoutError("the peer sent nothing")
    time.sleep(FLIGHT_SETTLE)


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
        """The outcome of the next finished connection."""
        return self._results.get(timeout=timeout)

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()
