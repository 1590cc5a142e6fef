"""Secrets are masked in every output format (text, JSON, HTML)."""
from __future__ import annotations

import json

import pytest
from certfactory import issue
from hypothesis import given, settings
from hypothesis import strategies as st

from cmedebug import redact
from cmedebug.ingest import unparsed_shape
from cmedebug.model import Confidence, Evidence, Fact, Finding, Severity, SourceRef, Unparsed
from cmedebug.pipeline import analyze
from cmedebug.remediation import Step

# Each line carries one secret, in the shape IOS (or a phone config) prints it.
SECRET_LINES = {
    " capf-auth-str 4711": "4711",
    " auth-string generate all 918273": "918273",
    "000CCE3A817C    7012": "7012",
    "0013.C352.E7F1    0678": "0678",
    "<authenticationString>55821</authenticationString>": "55821",
    "username admin privilege 15 password 0 Kx9pLm2q": "Kx9pLm2q",
    "enable secret 5 $1$mERr$hx5rVt7rPNoS4wqbXKX7m0": "$1$mERr$hx5rVt7rPNoS4wqbXKX7m0",
    "enable password Zq8wertY": "Zq8wertY",
    " cert-enroll-trustpoint iosra password 0 Pk1cap44": "Pk1cap44",
    " server cme 10.1.1.2 username cmeadmin password 0 Ctl0prov": "Ctl0prov",
    " ctl-service admin ctladm secret 0 Cr3dserv": "Cr3dserv",
    "snmp-server community Vc0mmun1ty RO": "Vc0mmun1ty",
    "snmp-server host 10.1.1.9 version 2c Tr4pstr": "Tr4pstr",
    "crypto pki import cme-tp pem terminal password Imp0rtpw": "Imp0rtpw",
    "tacacs-server key 7 0822455D0A16": "0822455D0A16",
    "Password: hunter22": "hunter22",
}

PRIVATE_KEY = [
    "-----BEGIN RSA PRIVATE KEY-----",
    "MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu",
    "KUpRKfFLfRYC9AIKjbJTWit+CqvjWYzvQwECAwEAAQJAIJLixBy2qpFoS4DSmoEm",
    "-----END RSA PRIVATE KEY-----",
]
KEY_BODY = ("MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu",
            "KUpRKfFLfRYC9AIKjbJTWit+CqvjWYzvQwECAwEAAQJAIJLixBy2qpFoS4DSmoEm")


@pytest.mark.parametrize("line,secret", SECRET_LINES.items())
def test_each_secret_shape_is_masked_and_the_keyword_kept(line, secret):
    masked = redact.text(line)
    assert secret not in masked
    assert redact.MASK in masked
    assert masked.startswith(line.split(secret)[0])  # the reader still sees what setting it was


def test_private_key_block_is_masked_across_lines_and_inside_one_joined_string():
    out = redact.lines(PRIVATE_KEY)
    assert out[0] == PRIVATE_KEY[0] and out[-1] == PRIVATE_KEY[-1]
    assert out[1:3] == [redact.MASK, redact.MASK]
    joined = redact.text(" ".join(PRIVATE_KEY))
    assert all(body not in joined for body in KEY_BODY)
    assert joined.startswith("-----BEGIN RSA PRIVATE KEY-----") and joined.endswith("-----END RSA PRIVATE KEY-----")


def test_a_certificate_pasted_without_its_begin_line_is_shown_and_a_key_body_is_not():
    """IOS asks a CA certificate as base64 alone (`Enter the base 64 encoded CA certificate.`):
    a run of base64 lines that decodes to a certificate is public evidence; any other run (a
    key's body seen without its BEGIN line, or a certificate one character off) stays masked."""
    import base64
    import textwrap

    from cryptography.hazmat.primitives import serialization

    issued = issue("CAP-RTP-002", ca=True)
    body = textwrap.wrap(base64.b64encode(issued.cert.public_bytes(serialization.Encoding.DER)).decode(), 64)
    key = textwrap.wrap(base64.b64encode(issued.key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption())).decode(), 64)
    prompt = ["Router(config)# crypto pki authenticate 7970", "Enter the base 64 encoded CA certificate.",
              'End with a blank line or the word "quit" on a line by itself']
    assert redact.lines(prompt + body + ["quit"]) == prompt + body + ["quit"]
    assert redact.lines(body)[0] == body[0]
    assert set(redact.lines(key)[:-1]) == {redact.MASK}
    damaged = [("A" if body[1][0] != "A" else "B") + body[1][1:]]
    assert redact.lines(body[:1] + damaged + body[2:])[:2] == [redact.MASK, redact.MASK]


def test_ordinary_lines_and_prose_about_passwords_are_left_alone():
    keep = [
        "   password to the CA Administrator in order to revoke your certificate.",
        " For security reasons your password will not be saved in the configuration.",
        "        Device Authentication Mode: Auth-String",
        "Key name: cme-ca",
        "SEP000CCE3A817C         AWAIT-KEYGEN-RES",
        "*Mar  1 00:05:02.730: %PKI-3-CERTIFICATE_INVALID_NOT_YET_VALID: Certificate chain validation has failed.",
    ]
    assert redact.lines(keep) == keep


def test_placeholders_of_remediation_commands_stay():
    lines = ["  database archive pkcs12 password 0 <password>", " capf-auth-str <4-10 digits>",
             "snmp-server community <community> RO"]
    assert redact.lines(lines) == lines


def test_value_masks_nested_structures_and_keeps_other_types():
    data = {"a": [{"lines": PRIVATE_KEY}, " capf-auth-str 4711"], "n": 3, "none": None}
    out = redact.value(data)
    assert out["n"] == 3 and out["none"] is None
    assert out["a"][0]["lines"][1] == redact.MASK
    assert out["a"][1] == " capf-auth-str " + redact.MASK


def test_fields_named_as_secrets_are_masked_whole():
    data = {"ssh_password": "Lab123", "community": "public", "auth_string": "4711", "auth_string_set": True,
            "capf_auth_str_length": 4, "key_size": 2048, "subject": "cn=cme"}
    assert redact.value(data) == {"ssh_password": redact.MASK, "community": redact.MASK, "auth_string": redact.MASK,
                                  "auth_string_set": True, "capf_auth_str_length": 4, "key_size": 2048,
                                  "subject": "cn=cme"}


@pytest.fixture
def secrets_case(tmp_path):
    """A router capture whose config carries every kind of secret next to a real
    finding; a finding quoting a config line and unparsed samples of every secret
    line stand for what rules and the coverage table may print."""
    log = tmp_path / "router.log"
    secret_lines = [*SECRET_LINES, *PRIVATE_KEY]
    body = [
        "cme-1#show clock",
        "*00:12:41.201 UTC Mon Mar 1 1993",
        "cme-1#show logging",
        "*Mar  1 00:05:02.730: %PKI-3-CERTIFICATE_INVALID_NOT_YET_VALID: Certificate chain validation has failed."
        " The certificate (SN: 05) is not yet valid   Validity period starts on 10:00:00 UTC Nov 26 2026",
        "cme-1#show running-config",
        *secret_lines,
    ]
    log.write_text("\n".join(body) + "\n")
    case = analyze([str(log)])
    first = body.index(secret_lines[0]) + 1
    refs = [SourceRef(str(log), first + i, first + i) for i in range(len(secret_lines))]
    case.findings.append(Finding(
        "CAPF999", "a finding quoting the config", Severity.HIGH, Confidence.HIGH,
        message="ephone 1 has capf-auth-str 4711 while the phone sent another string",
        evidence=[Evidence(ref, (line,)) for ref, line in zip(refs, secret_lines)],
        remediation=[Step("config", "ephone 1"), Step("config-ephone", "capf-auth-str 4711")], id="CAPF999-1"))
    case.unparsed.extend(Unparsed(ref, line.strip()) for ref, line in zip(refs, secret_lines))
    case.inputs[0].unparsed_shapes.update({unparsed_shape(line.strip()): 1 for line in secret_lines})
    # a phone configuration as a decoder might report it, with a secret field
    case.facts.append(Fact("phone.config", SourceRef(str(log)),
                           fields={"ssh_user": "admin", "ssh_password": "Ph0nessh"}))
    return case


def _assert_no_secret(output: str):
    for secret in [*SECRET_LINES.values(), *KEY_BODY, "Ph0nessh"]:
        assert secret not in output, f"secret {secret!r} leaked"
        shape = unparsed_shape(secret)  # coverage tables list line shapes (digits as '#')
        if any(c.isalpha() for c in shape):
            assert shape not in output, f"secret {secret!r} leaked as the shape {shape!r}"


def test_text_report_masks_secrets(secrets_case):
    from cmedebug.reports.text import render

    out = render(secrets_case, stats=True)
    assert "capf-auth-str [redacted]" in out  # the setting is still named...
    _assert_no_secret(out)  # ...without its value


def test_json_report_masks_secrets(secrets_case):
    from cmedebug.reports.json_report import render

    out = render(secrets_case)
    samples = [s["text"] for s in json.loads(out)["unparsed_samples"]]
    assert "enable secret 5 [redacted]" in samples
    _assert_no_secret(out)


def test_html_report_masks_secrets(secrets_case):
    from cmedebug.reports.html import render

    out = render(secrets_case)
    assert "capf-auth-str [redacted]" in out
    assert out.count('class="ln cited"') >= len(SECRET_LINES)  # the excerpts were drawn
    assert "ssh_password</span> [redacted]" in out  # the phone configuration table too
    _assert_no_secret(out)


def test_triage_note_masks_secrets(secrets_case):
    from cmedebug.reports.case_note import render
    from cmedebug.triage import build_note

    note = build_note(secrets_case)
    for fmt in ("text", "md", "json", "html"):
        out = render(note, fmt)
        assert "capf-auth-str" in out, fmt
        _assert_no_secret(out)


_PIECES = st.sampled_from(["auth", "AUTH", "Password", "secret", "snmp", "KEY", "priv", "psk", "://", "pin ", " pin\t",
                           "SEP", "000CCE3A817C", "000c.ce3a.817c", " 7012", "\u212aey", "\u017fecret", "  ", "x", "7"])


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(_PIECES, st.text(max_size=4)), max_size=8).map("".join))
def test_the_fast_first_look_finds_what_the_case_blind_regex_finds(line):
    """Lines without a secret word pass untouched; the automaton look at an ASCII line
    (and the regex at any other) says 'maybe a secret' exactly when the regex does."""
    assert redact._may_hold_secret(line) == (redact._TRIGGER.search(line) is not None)


def test_a_remembered_line_is_masked_as_the_first_time(monkeypatch):
    """Lines outside a private key are remembered once masked (a report prints the same
    evidence many times): the same sequence, with a key spread over lines, short and
    long lines, control characters and colours, reads the same with and without the table."""
    key = ["-----BEGIN RSA PRIVATE KEY-----", "MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu",
           " capf-auth-str 4711", "-----END RSA PRIVATE KEY-----"]
    lines = [*SECRET_LINES, *key, "ordinary \x1b[31mred\x1b[0m line\x07", " capf-auth-str 4711 " + "x" * 2000,
             "-----BEGIN CERTIFICATE-----", "MIIBszCCAVmgAwIBAgIBATAK"] * 3 + [*key[:2], "enable password Zq8wertY"]

    def read(keep_sgr):
        redactor = redact.Redactor()
        return [redactor.line(line, keep_sgr) for line in lines]

    redact._clean_line.cache_clear()
    remembered = [read(False), read(True)]
    assert redact._clean_line.cache_info().hits > len(SECRET_LINES)
    monkeypatch.setattr(redact, "MAX_LINE_REMEMBERED", -1)  # nothing remembered
    assert remembered == [read(False), read(True)]
    first = remembered[0][:len(lines) // 3]
    assert remembered[0][-1] == redact.MASK  # (a key left open: what follows stays masked)
    assert first[len(SECRET_LINES) + 1:len(SECRET_LINES) + 3] == [redact.MASK, redact.MASK]  # (inside the key)
    assert "4711" not in first[len(SECRET_LINES) + 5] and "\x1b" not in first[len(SECRET_LINES) + 4]
    assert "\x1b[31m" in remembered[1][len(SECRET_LINES) + 4]  # (colours kept when asked)


def test_a_url_with_credentials_is_masked_before_markdown_escapes_it(secrets_case):
    """Markdown escapes `ftp://` as `ftp\\://`, which the URL pattern no longer reads: the
    note's texts and commands are masked before they are escaped."""
    from cmedebug.reports.case_note import render
    from cmedebug.triage import PlanStep, build_note

    note = build_note(secrets_case)
    url = "ftp://causer:Dbpa55wd@10.1.1.9/ca/cme-ca.ser"
    note.action_plan.append(PlanStep(f"Copy {url} first.", [f"copy {url} flash:"], [f"copy {url} flash:: why"]))
    for fmt in ("text", "md"):
        out = render(note, fmt)
        assert "Dbpa55wd" not in out and "causer" in out, fmt


def test_a_certificate_body_is_shown_and_a_lone_base64_line_stays_masked():
    """A certificate is public and is the user's evidence: its base64 lines after its BEGIN line
    print as given. A base64 line seen without that start may be a key's body: masked. Anything
    but base64 ends the certificate's body (a key after it is masked again)."""
    body = ["MIIBszCCAVmgAwIBAgIBATAKBggqhkjOPQQDAjAUMRIwEAYDVQQDEwljbWUtcm9v",
            "dDAeFw0yNjAzMDIwOTAwMDFaFw0yNzAzMDIwOTAwMDFaMBQxEjAQBgNVBAMTCWNt", "ZS1yb290"]
    cert = ["-----BEGIN CERTIFICATE-----", *body, "-----END CERTIFICATE-----"]
    assert redact.lines(cert) == cert
    assert redact.lines(body[:1]) == [redact.MASK]
    after = redact.lines([*cert, *PRIVATE_KEY, body[0]])
    assert after[len(cert) + 1] == redact.MASK and after[-1] == redact.MASK
    assert redact.lines(["-----BEGIN CERTIFICATE-----", " capf-auth-str 4711", body[0]])[1:] == [
        f" capf-auth-str {redact.MASK}", redact.MASK]
