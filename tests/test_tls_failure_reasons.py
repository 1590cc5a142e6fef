"""TLS and DTLS handshake failures of any IOS facility (issue #14 class 4): the
%DTLS-, %CAPWAP- and %SSL- lines (parsers/tls_syslogs.py; their shapes are
inferred, not in ../shared/domain, and cmedebug/data/messages.toml marks them so)
and the reading of a failure reason (rules/_tls_reason.py): who refused whose
certificate, and the likely cause."""
from __future__ import annotations

from cmedebug import messages
from cmedebug.pipeline import load
from cmedebug.rules._tls_reason import read_reason


def _events(tmp_path, text: str):
    path = tmp_path / "device.log"
    path.write_text(text, encoding="utf-8")
    return load([str(path)], year=2026).events


def test_dtls_alert_received_and_sent_say_which_side_refused(tmp_path):
    events = _events(tmp_path, (
        "*Mar  1 00:00:29.407: %DTLS-5-ALERT: Received FATAL : Bad certificate alert from 10.10.10.5\n"
        "Nov 26 15:34:52.949: %DTLS-5-SEND_ALERT: openssl_dtls.c:541 Send FATAL : Unknown CA Alert to 10.10.10.6:5246\n"
        "Nov 26 15:34:53.949: %DTLS-4-BAD_CERT: Certificate verification failed. Peer IP: 2001:db8::6\n"))
    received, sent, bad = events
    assert (received.kind, received.fields["service"], received.fields["rejected_by"], received.fields["reason"],
            received.fields["peer_ip"]) == ("tls.handshake.failed", "dtls", "peer", "Bad certificate", "10.10.10.5")
    assert (sent.fields["rejected_by"], sent.fields["alert"], sent.fields["reason"], sent.fields["peer_port"]) \
        == ("local", "sent", "Unknown CA", 5246)
    assert (bad.fields["rejected_by"], bad.fields["peer_ip"]) == ("local", "2001:db8::6")


def test_capwap_and_ssl_failures_and_what_stays_generic(tmp_path):
    events = _events(tmp_path, (
        "*Mar  1 00:00:29.407: %CAPWAP-3-ERRORLOG: Certificate verification failed!\n"
        "*Mar  1 00:00:30.407: %CAPWAP-3-ERRORLOG: Go join a capwap controller\n"
        "*Mar  1 00:00:31.407: %DTLS-5-ALERT: Received WARNING : Close notify alert from 10.10.10.5\n"
        "Nov 26 15:31:52.949: %SSL-3-SSL_HANDSHAKE_FAIL: Reason: tlsv1 alert protocol version, peer 192.0.2.44\n"
        "Nov 26 15:31:53.949: %SSL-5-SSL_SESSION_UP: session established with 192.0.2.44\n"))
    kinds = [e.kind for e in events]
    assert kinds == ["tls.handshake.failed", "syslog.capwap.errorlog", "tls.session.closed", "tls.handshake.failed",
                     "ssl.syslog"]
    assert (events[0].fields["service"], events[0].fields["rejected_by"]) == ("capwap", "local")
    assert events[2].fields["peer_ip"] == "10.10.10.5" and "rejected_by" not in events[2].fields
    assert (events[3].fields["service"], events[3].fields["reason"], events[3].fields["peer_ip"]) \
        == ("ssl", "tlsv1 alert protocol version", "192.0.2.44")


def test_the_reason_read_side_and_cause():
    # the documented shapes' reasons: an alert was received, a verify error is the router's own check
    assert read_reason("tlsv1 alert unknown ca", "skinny-secure").startswith(
        "the peer refused the certificate of the skinny-secure service")
    assert "missing trust" in read_reason("tlsv1 alert unknown ca")
    assert read_reason("certificate has expired", "credentials").startswith(
        "the credentials service refused the peer's certificate")
    assert "validity against the checking side's clock" in read_reason("certificate has expired")
    assert "protocol version or cipher" in read_reason("unsupported protocol", "skinny-secure")
    assert "revocation" in read_reason("sslv3 alert certificate revoked")
    # the line's own direction wins over the words: an alert this device sent
    assert read_reason("Bad certificate", "dtls", rejected_by="local").startswith(
        "the dtls service refused the peer's certificate")
    assert read_reason("Certificate verification failed", "capwap", rejected_by="peer").startswith(
        "the peer refused the certificate of the capwap service")
    assert read_reason("connection reset by peer") == ""


def test_the_inferred_shapes_are_marked_inferred_in_the_catalogue():
    catalogue = messages.catalogue()
    for mid in ("DTLS-5-ALERT", "DTLS-5-SEND_ALERT", "DTLS-4-BAD_CERT", "DTLS-3-HANDSHAKE_FAILURE",
                "CAPWAP-3-ERRORLOG", "SSL-3-SSL_HANDSHAKE_FAIL"):
        assert catalogue[mid].inferred and "not in ../shared/domain" in catalogue[mid].source, mid
