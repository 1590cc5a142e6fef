"""show ephone, show ephone socket."""
from __future__ import annotations

from cmedebug.pipeline import load
from show_helpers import GOLDEN, facts, load_text


def test_secure_phones_of_corpus_09(corpus_dir):
    case = load([str(next(corpus_dir.glob("09_*.log")))])
    phones = facts(case, "ephone.status")
    assert [p.fields["ephone"] for p in phones] == [1, 2, 3, 1, 2]
    second = phones[1].fields  # "REGISTERED in SCCP ver" / "5 + Authentication ..." wrapped by the page
    assert second["mac"] == "10001111000B" and second["registered"] is True and second["sccp_version"] == "5"
    assert second["authenticated"] and second["encrypted"] and second["tls"]
    assert second["ip"] == "10.1.1.40" and second["socket"] == 12 and second["model"] == "7970"
    assert [p.fields["secure_call"] for p in phones] == [False, False, False, True, True]
    assert case.inputs[0].coverage == 1.0


def test_srtp_cipher_of_corpus_10(corpus_dir):
    case = load([str(next(corpus_dir.glob("10_*.log")))])
    phone, = facts(case, "ephone.status")
    assert phone.fields["srtp_cipher"] == "AES_CM_128_HMAC_SHA1_32" and phone.fields["sccp_version"] == "21/17"
    assert phone.fields["model"] == "SCCP Gateway (AN)" and phone.fields["secure_call"] is True
    assert not any("0OPV0yxvcnRLPMzHfmYbwgHfdxcuS1uPbp5j" in str(v) for v in phone.fields.values())


def test_unregistered_and_nonsecure_phones():
    case = load([str(GOLDEN / "show-ephone" / "registered_nonsecure_and_unregistered.txt")])
    registered, unregistered = facts(case, "ephone.status")
    assert registered.fields["registered"] is True and registered.fields["tls"] is False
    assert registered.fields["authenticated"] is False and registered.device == "CME1"
    assert unregistered.fields["state"] == "UNREGISTERED" and unregistered.fields["registered"] is False
    assert unregistered.fields["socket"] == -1 and unregistered.fields["mac"] == "001BD4C5D1A2"
    assert case.inputs[0].coverage == 1.0


def test_secure_listener_closed_in_corpus_12(corpus_dir):
    case = load([str(next(corpus_dir.glob("12_*.log")))])
    sockets, = facts(case, "ephone.socket")
    assert sockets.fields == {"listen_fd": 0, "listen_fd_ipv6": 1, "secure_listen_fd": -1,
                              "secure_listen_fd_ipv6": -1, "open_sockets": 3}
    assert case.inputs[0].coverage == 1.0


def test_noise_is_not_read_as_ephone_output(tmp_path):
    text = ("*Jun 29 09:16:02.180: ephone-1 Mac:1000.1111.0002 TCP socket:[5] StationRegisterMessage\n"
            "skinny_sockets[0] fd = 1\nPhone 3,\nIP:10.1.1.40 keepalive 390\n")
    case = load_text(tmp_path, text)
    assert [f for f in case.facts if f.kind in ("ephone.status", "ephone.socket")] == []
