"""Behaviour of the debug / syslog / phone parsers beyond their golden cases:
hostile and truncated input, bounded state, flat memory on noise."""
from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import pytest

from cmedebug.parsers.base import Context, line_parsers
from cmedebug.parsers.framing import frame
from cmedebug.parsers.pki import MAX_HTTP_LINES, MAX_PASTE_LINES
from cmedebug.pipeline import load

MY_PARSERS = ("pki", "security-syslog", "capf", "ctl-client", "credentials", "tls", "ephone", "tftp",
              "debug-toggle", "phone-status", "phone-console")


def _parser(name: str):
    return next(cls() for cls in line_parsers() if cls.name == name)


# Long lines built to make a careless regex backtrack: each holds a parser's keyword
# and almost matches one of its shapes.
HOSTILE = [
    "%SYS-6-CLOCKUPDATE: System clock has been updated from " + " to " * 4000 + "x",
    "%SYS-5-CONFIG_I: Configured from console by " + " " * 8000 + "x",
    "../" + "a" * 8000 + ".c(1) : E_X : y",
    "../" + "a" * 8000 + " : E_X : y",
    "TFTP|" * 3000 + "HandleCTL",
    "SECUREAPP-" + " " * 8000 + "x",
    "CTL Installed" + " " * 8000 + "x",
    "File Not Found " + "a" * 8000 + " x",
    "invalid file " + "a" * 8000,
    "a" * 8000 + ".xml(HTTPX",
    "%SKINNYSECURESERVICE-3-TLS_HANDSHAKE_FAILED: Reason: x, SocketID: 1, local address : " + "1:" * 4000,
    "%HTTPC-6-TLS_HANDSHAKE_FAILED: Reason: x, Connection ID: 0, remote address : [" + ":" * 8000,
    "ctl_client_create_ctlfile: " + "fail " * 2000 + "x",
    "X" * 60 + " debugging is " + "on " * 3000,
    "ephone-1[1]:skinny_secure_handshake: pid =1, sock=1," + "," * 8000,
    "skinny_secure_handshake: pid =1, sock=1," + ", ip address = " * 2000,
    "CRYPTO_PKI(Cert Lookup) issuer=\"x\" serial number= " + "0 " * 4000 + "z",
    "Fingerprint MD5: " + "AB " * 4000 + "z",
    "dgetfile(1)-GETXXTP [GT1][src=" + "[" * 8000,
    "error:" * 3000 + "SSL routines",
    "Start TLS Handshake " + "1 " * 4000 + "x",
]


@pytest.mark.parametrize("name", MY_PARSERS)
def test_hostile_lines_are_parsed_quickly(name: str):
    parser, ctx = _parser(name), Context(path="hostile.log")
    for line in HOSTILE:
        started = time.perf_counter()
        for rec in frame([line]):
            parser.parse(rec, ctx)
        elapsed = time.perf_counter() - started
        assert elapsed < 0.25, f"{name} took {elapsed:.2f}s on {line[:50]!r}..."


def test_a_truncated_paste_is_reported_and_the_rest_still_parsed(tmp_path: Path):
    log = tmp_path / "paste.log"
    log.write_text("R1(config)#crypto pki authenticate TP1\nEnter the base 64 encoded CA certificate.\n"
                   "MIIC7jCCAdagAwIBAgICShswDQYJKoZIhvcNAQELBQAwLjEWMBQGA1UEAwwNQ0FQ\nquit\n"
                   "Nov 26 10:00:00.000: TFTP: Looking for CTLFile.tlv\n")
    case = load([str(log)], year=2025)
    undecodable = [f for f in case.facts if f.kind == "pki.ca.paste_undecodable"]
    assert [(f.fields["trustpoint"], f.source.first_line, f.source.last_line) for f in undecodable] == [("TP1", 2, 4)]
    assert any("paste.log:2-4" in w and "does not decode" in w for w in case.inputs[0].warnings)
    assert [e.kind for e in case.events] == ["tftp.request"]


def test_an_endless_paste_is_cut_at_the_bound(tmp_path: Path):
    log = tmp_path / "endless.log"
    body = "QUJDRA==\n" * (MAX_PASTE_LINES + 50)
    log.write_text("R1(config)#crypto pki authenticate TP1\nEnter the base 64 encoded CA certificate.\n" + body)
    case = load([str(log)], year=2025)
    cut = [f for f in case.facts if f.kind == "pki.ca.paste_undecodable"]
    assert len(cut) == 1 and len(cut[0].raw) == MAX_PASTE_LINES
    assert case.inputs[0].unparsed_lines == 50  # the lines past the bound are not lost: they are reported


def test_http_lines_attach_to_a_scep_request_only_up_to_the_bound(tmp_path: Path):
    log = tmp_path / "scep.log"
    log.write_text("*Nov 26 15:00:00.014: CRYPTO_PKI: Sending CA Certificate Request:\n\n"
                   + "Host: 192.0.2.1\n" * (MAX_HTTP_LINES + 5))
    case = load([str(log)], year=2025)
    (scep,) = [e for e in case.events if e.kind == "pki.scep.request"]
    assert scep.fields["host"] == "192.0.2.1" and len(scep.raw) == 1 + MAX_HTTP_LINES
    assert case.inputs[0].unparsed_lines == 5


def test_unknown_shapes_do_not_stop_the_parse(tmp_path: Path):
    log = tmp_path / "mixed.log"
    log.write_text("Nov 26 10:00:00.000: ephone_capf_brand_new_step: SEP0023EBC1D2A7 whatever 7\n"
                   "Nov 26 10:00:01.000: %EPHONE_CRED-2-CTL_TLS_HANDSHAKE_FAILED: Reason: unsupported protocol, Sock\n"
                   "\n\x00\x01 binary junk \ufffd\n"
                   "Nov 26 10:00:02.000: ctl_client_write_file: cannot open nvram:CTLFile.tlv\n"
                   "Nov 26 10:00:03.000: New Connection from phone, socket 4\n")
    case = load([str(log)], year=2025)
    kinds = [(e.kind, e.fields.get("mac"), e.fields.get("reason"), e.fields.get("socket")) for e in case.events]
    assert kinds == [
        ("capf.debug", "0023EBC1D2A7", None, None),
        ("tls.handshake.failed", None, "unsupported protocol", None),  # cut short: the fields that are there
        ("ctl_client.failed", None, None, None),
        ("capf.session.started", None, None, 4),
    ]
    assert [u.source.first_line for u in case.unparsed] == [4]


def test_capf_handshake_errors_keep_a_numeric_code_or_the_reason(tmp_path: Path):
    log = tmp_path / "capf.log"
    log.write_text("Nov 26 10:00:00.000: SSL Handshake Error -6983\n"
                   "Nov 26 10:00:01.000: SSL Handshake Error tlsv1 alert unknown ca\n")
    errors = [e.fields for e in load([str(log)], year=2025).events if e.kind == "capf.tls.handshake_error"]
    assert errors == [{"code": -6983, "service": "capf"}, {"reason": "tlsv1 alert unknown ca", "service": "capf"}]


def _peak_bytes(path: Path) -> int:
    tracemalloc.start()
    load([str(path)], year=2025)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def test_memory_stays_flat_on_lines_that_only_look_like_ours(tmp_path: Path):
    # each line holds a keyword of one of these parsers but matches none of their shapes
    noise = ["% Invalid input detected at '^' marker.", "TLS Handshake settings: version 1.2 only",
             "CTL Installed on every phone? check", "ephone-1 Mac:0023.EBC1.D2A7 TCP socket:[1]",
             "GET /index.html HTTP/1.1", "debugging levels: console 7", "SSL Handshake settings",
             "Skinny Server list follows"]
    small, large = tmp_path / "small.log", tmp_path / "large.log"
    small.write_text("\n".join(noise * 500) + "\n")
    large.write_text("\n".join(noise * 4000) + "\n")
    assert _peak_bytes(large) < _peak_bytes(small) * 1.5 + 512 * 1024
