"""What the show parsers share: splitting pasted outputs, abbreviations, prompts
joined with the first output line."""
from __future__ import annotations

import re

import pytest

from cmedebug.parsers.base import line_parsers
from show_helpers import facts, load_text


@pytest.mark.parametrize("command, parser", [
    ("sh run", "running-config"), ("show running-config all", "running-config"), ("sh start", "running-config"),
    ("sh cry pki cert", "show-pki-certificates"), ("show crypto pki certificates verbose cme", "show-pki-certificates"),
    ("sh cry pki trustpoints status", "show-pki-trustpoints"), ("show crypto pki server", "show-pki-server"),
    ("show crypto pki server cme_root requests", "show-pki-server-requests"),
    ("sh crypto pki server requests", "show-pki-server-requests"),
    ("sh ephone registered", "show-ephone"), ("show ephone socket", "show-ephone-socket"),
    ("sh capf-server summary", "show-capf-summary"), ("show capf-server sessions", "show-capf-sessions"),
    ("show capf-server auth-string", "show-capf-auth-string"), ("sh ctl-client", "show-ctl-client"),
    ("sh credentials", "show-credentials"), ("show telephony-service security-info", "show-telephony-security-info"),
    ("sh sccp", "show-sccp"), ("show sccp connections", "show-sccp-connections"), ("sh ver", "show-version"),
    ("sh license feature", "show-license"), ("sh ntp status", "show-ntp-status"),
    ("sh ntp assoc", "show-ntp-associations"), ("sh ip http server status", "show-http-server-status"),
    ("show crypto key mypubkey rsa", "show-crypto-key"),
    ("sh cry pki crls", "show-pki-crls"), ("crypto pki server mycs info crl", "show-pki-crls"),
])
def test_commands_and_abbreviations_have_exactly_one_owner(command, parser):
    # the match ingest makes of a prompt's command against every parser's `commands`
    owners = [cls.name for cls in line_parsers() if any(re.match(c + r"\b", command, re.I) for c in cls.commands)]
    assert owners == [parser]


def test_prompt_joined_with_the_first_output_line(tmp_path):
    text = ("Router# show telephony-service security-info Skinny Server Trustpoint for TLS: cme-sccp\n"
            "TFTP Credentials Trustpoint: cme-tftp\n"
            "Router# show ephone ssocket skinny_tcp_listen_socket fd = 0\n"
            "skinny_secure_tcp_listen_socket fd = 2\n")
    case = load_text(tmp_path, text)
    info, = facts(case, "telephony.security_info")
    assert info.fields["secure_signaling_trustpoint"] == "cme-sccp"
    assert info.fields["tftp_server_credentials_trustpoint"] == "cme-tftp"
    assert info.source.first_line == 2 and info.raw == ("TFTP Credentials Trustpoint: cme-tftp",)
    sockets, = facts(case, "ephone.socket")
    assert sockets.fields["listen_fd"] == 0 and sockets.fields["secure_listen_fd"] == 2


def test_many_outputs_pasted_without_prompts_are_each_recognised(tmp_path):
    text = ("*04:45:00.857 UTC Thu Aug 7 2025\n"
            "Clock is unsynchronized, stratum 16, no reference clock\n"
            "ephone-1[0] Mac:0019.E7F8.A14F TCP socket:[-1] activeLine:0 whisperLine:0 UNREGISTERED\n"
            "IP:0.0.0.0 0  keepalive 0 max_line 0 available_line 0\n"
            "Certificate Server cme_root:\n    Status: disabled\n"
            "CA Certificate\n  Status: Available\n  Certificate Serial Number (hex): 01\n"
            "Trustpoint cme_cert:\n    Not authenticated.\n"
            "HTTP server status: Disabled\n"
            "CTL Client Information\n        SAST 1 Certificate Trustpoint: s1\n")
    case = load_text(tmp_path, text)
    kinds = [f.kind for f in case.facts if f.kind != "cert_analysis"]  # cert_analysis: the cross-check's
    assert kinds == ["clock.show", "ntp.status", "ephone.status", "pki.server", "cert", "pki.trustpoint",
                     "http.server_status", "ctl_client.summary"]
    assert facts(case, "pki.server")[0].fields["status"] == "disabled"
    assert case.inputs[0].coverage == 1.0
