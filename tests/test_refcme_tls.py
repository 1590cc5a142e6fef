"""The reference CME's TLS is real: OpenSSL decides, on 127.0.0.1 only, and nothing leaks."""
from __future__ import annotations

import ssl
import threading
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from cmedebug.refcme import tls
from cmedebug.refcme.ca import build_cert, name
from cmedebug.refcme.keys import rsa_key
from cmedebug.refcme.runner import NOW


def issued(label: str, bits: int = 1024, issuer=None):
    """A certificate for ``label``: self-signed, or signed by ``issuer`` = (cert, key)."""
    key = rsa_key(label, bits, 7)
    issuer_cert, issuer_key = issuer or (None, key)
    issuer_name = issuer_cert.subject if issuer_cert is not None else name(label)
    cert = build_cert(name(label), key.public_key(), issuer_name, issuer_key, 5, NOW, NOW + timedelta(days=30),
                      ca=issuer is None and label.endswith("-ca"))
    return cert, key


@pytest.fixture
def listener_for():
    made = []

    def make(server_ctx):
        def handler(conn):
            srv = tls.server_handshake(conn, server_ctx, lambda first: None)
            try:
                return x509_der(srv)
            finally:
                srv.close()

        made.append(tls.Listener("test", handler))
        return made[-1]

    yield make
    for listener in made:
        listener.close()


def x509_der(srv):
    return srv.getpeercert(binary_form=True)


def test_phone_refuses_a_server_certificate_that_is_not_its_ccm_record(listener_for):
    ca = issued("lab-ca")
    presented = issued("cme-new", issuer=ca)
    expected = issued("cme-old", issuer=ca)
    listener = listener_for(tls.server_context(*presented))
    with pytest.raises(ssl.SSLCertVerificationError) as err:
        tls.connect(listener.port, tls.client_context([expected[0]]))
    assert err.value.reason == "CERTIFICATE_VERIFY_FAILED"
    assert err.value.verify_message == "unable to get local issuer certificate"
    with pytest.raises(ssl.SSLError) as server_side:
        listener.result()
    assert server_side.value.reason == "TLSV1_ALERT_UNKNOWN_CA"


def test_phone_accepts_exactly_its_ccm_record_and_router_sees_the_client_certificate(listener_for):
    ca = issued("lab-ca")
    server = issued("cme", issuer=ca)
    phone = issued("SEP001122334455", issuer=ca)
    listener = listener_for(tls.server_context(*server, client_cas=[ca[0]]))
    sock = tls.connect(listener.port, tls.client_context([server[0]], cert=phone[0], key=phone[1]))
    sock.close()
    assert listener.result() == phone[0].public_bytes(Encoding.DER)


def test_router_rejects_a_client_certificate_from_an_unknown_issuer(listener_for):
    ca, foreign_ca = issued("lab-ca"), issued("foreign-ca")
    server = issued("cme", issuer=ca)
    phone = issued("SEP001122334455", issuer=foreign_ca)
    listener = listener_for(tls.server_context(*server, client_cas=[ca[0]]))
    with pytest.raises((ssl.SSLError, ConnectionError)):
        sock = tls.connect(listener.port, tls.client_context([server[0]], cert=phone[0], key=phone[1]))
        sock.recv(1)  # TLS 1.3 reports the client-certificate verdict after the handshake
    with pytest.raises(ssl.SSLError) as server_side:
        listener.result()
    assert server_side.value.reason == "CERTIFICATE_VERIFY_FAILED"


def test_ssl3_only_phone_is_refused_by_the_router_and_reads_as_ios_15_prints_it(listener_for):
    server = issued("cme")
    listener = listener_for(tls.server_context(*server))
    answer = tls.offer_ssl3(listener.port, b"phone")
    assert answer[:1] == b"\x15" and answer[5:6] == b"\x02"  # a fatal alert record
    with pytest.raises(ssl.SSLError) as server_side:
        listener.result()
    code, function, reason = tls.OPENSSL_10_ERRORS[server_side.value.reason]
    assert (code, function, reason) == ("14076102", "SSL23_GET_CLIENT_HELLO", "unsupported protocol")


def test_512_bit_server_key_is_too_weak_for_the_phone(listener_for):
    server = issued("cme", bits=512)
    listener = listener_for(tls.server_context(*server))
    with pytest.raises(ssl.SSLCertVerificationError) as err:
        tls.connect(listener.port, tls.client_context([server[0]]))
    assert tls.verify_detail(err.value) == "EE certificate key too weak"
    with pytest.raises(ssl.SSLError):
        listener.result()


def test_listener_binds_loopback_only_and_its_thread_ends_on_close():
    listener = tls.Listener("bind", lambda conn: None)
    host, port = listener.sock.getsockname()
    assert host == "127.0.0.1" and port > 0
    listener.close()
    assert not any(t.name == "refcme-bind" for t in threading.enumerate())
    assert listener.sock.fileno() == -1


def test_nothing_listens_on_a_closed_port():
    with pytest.raises(ConnectionRefusedError):
        tls.connect(tls.closed_port(), None)


def test_a_running_reference_cme_listens_on_loopback_only():
    from cmedebug.refcme.runner import build, make_world

    world = make_world()
    build(world)
    try:
        router = world.router
        listeners = [router.capf.listener, router.sccp.plain, router.sccp.secure]
        assert all(lst.sock.getsockname()[0] == "127.0.0.1" for lst in listeners)
    finally:
        world.router.stop_services()
    assert all(lst.sock.fileno() == -1 for lst in listeners)
    assert not any(t.name.startswith("refcme-") for t in threading.enumerate())


def test_tftp_transfers_multi_block_files_and_reports_missing_ones():
    from cmedebug.refcme import tftp
    from cmedebug.refcme.clock import Timeline, VirtualClock
    from cmedebug.refcme.debuglog import RouterLog

    log = RouterLog("CME", VirtualClock(Timeline(), NOW, "ntp"))
    log.debug_on("tftp events")
    server = tftp.TftpServer(log)
    payload = bytes(range(256)) * 5  # 1280 bytes: three DATA blocks, the last one short
    server.publish("SEP001122334455.cnf.xml", payload)
    server.publish("empty.xml", b"")
    server.start()
    try:
        assert server.sock.getsockname()[0] == "127.0.0.1"
        assert tftp.fetch(server.port, "SEP001122334455.cnf.xml") == payload
        assert tftp.fetch(server.port, "empty.xml") == b""
        assert tftp.fetch(server.port, "CTLSEP001122334455.tlv") is None
    finally:
        server.close()
    assert "TFTP: Looking for CTLSEP001122334455.tlv" in log.text()
    assert log.text().count("TFTP: Sending error 1 No such file") == 1


def test_router_refusal_after_its_own_checks_reaches_the_phone_as_a_tls_alert():
    ca = issued("lab-ca")
    server = issued("cme", issuer=ca)
    phone = issued("SEP001122334455", issuer=ca)
    seen = []

    def handler(conn):
        def check_peer(der):
            seen.append(der)
            return tls.PeerRejected("certificate verify failed", tls.ALERT_CERTIFICATE_EXPIRED)
        try:
            tls.server_handshake(conn, tls.server_context(*server, client_cas=[ca[0]]), lambda first: None, check_peer)
        except tls.PeerRejected as refusal:
            return refusal.reason

    listener = tls.Listener("refuse", handler)
    try:
        with pytest.raises(ssl.SSLError) as err:
            tls.connect(listener.port, tls.client_context([server[0]], cert=phone[0], key=phone[1]))
        assert err.value.reason == "SSLV3_ALERT_CERTIFICATE_EXPIRED"
        assert listener.result() == "certificate verify failed"
        assert seen == [phone[0].public_bytes(Encoding.DER)]
    finally:
        listener.close()
