"""show sccp, show sccp connections."""
from __future__ import annotations

from cmedebug.pipeline import load
from show_helpers import facts, load_text


def test_secure_sccp_gateway_of_corpus_20(corpus_dir):
    case = load([str(next(corpus_dir.glob("20_*.log")))])
    sccp, = facts(case, "sccp.status")
    f = sccp.fields
    assert f["admin_state"] == "UP" and f["local_interface"] == "FastEthernet0/0"
    assert f["local_ip"] == "14.1.97.95" and f["port"] == 2000 and f["tls_enabled"] is True
    assert [cm["ip"] for cm in f["call_managers"]] == ["172.18.172.204", "172.18.172.205", "172.18.172.206"]
    assert all(cm["trustpoint"] is None for cm in f["call_managers"])  # printed as N/A
    alg = f["endpoints"][1]
    assert alg["name"] == "Alg_Phone" and alg["active_port"] == 2443 and alg["link_status"] == "CONNECTED"
    assert alg["signaling_security"] == "ENCRYPTED TLS" and alg["media_security"] == "SRTP"
    assert alg["crypto_suites"] == "AES_CM_128_HMAC_SHA1_32"
    assert f["endpoints"][0]["signaling_security"] is None
    assert case.inputs[0].coverage == 1.0


def test_secure_connections_of_corpus_22(corpus_dir):
    case = load([str(next(corpus_dir.glob("22_*.log")))])
    first, second = facts(case, "sccp.connection")
    assert first.fields == {"session_id": 16777222, "conn_id": 16777409, "stype": "secure -xcode", "secure": True,
                            "mode": "sendrecv", "codec": "g729b", "peer_ip": "10.3.56.120", "peer_port": 16772,
                            "local_port": 19534}
    assert second.fields["codec"] == "g711u" and case.inputs[0].coverage == 1.0


def test_nonsecure_connection_and_noise(tmp_path):
    text = ("VG1#show sccp connections\nsess_id    conn_id    stype        mode     codec   ripaddr rport sport\n"
            "16777223   16777410 voip sendrecv g711u 10.3.56.121   16774 19536\n"
            "Total number of active session(s) 1, and connection(s) 1\n"
            "VG1#show clock\n16777223   16777410 voip sendrecv g711u 10.3.56.121   16774 19536\n"
            "SCCP Admin State is great\n")
    case = load_text(tmp_path, text)
    conn, = facts(case, "sccp.connection")
    assert conn.fields["secure"] is False and conn.fields["stype"] == "voip" and conn.device == "VG1"
    assert not facts(case, "sccp.status")
