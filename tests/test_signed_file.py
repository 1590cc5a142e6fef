"""Signed configs (.sgn): sign, decode, verify against a trust list, facts."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from certfactory import T0, issue
from cmedebug.parsers.base import Context
from cmedebug.parsers.signed_file import SignedFileParser, decode_signed_file, sign_file, verify_signed_file
from cmedebug.parsers.tlv import verify_digest
from cmedebug.parsers.trustlist import (ROLE_CAPF, ROLE_CCM, ROLE_CCM_TFTP, ROLE_SAST, ROLE_TFTP, TrustRecordSpec,
                                        build_trust_list, decode_trust_list)

XML = (b'<?xml version="1.0" encoding="UTF-8"?>\n<device><deviceProtocol>SCCP</deviceProtocol>'
       b"<deviceSecurityMode>2</deviceSecurityMode><capfAuthMode>2</capfAuthMode></device>\n")
NAME = "SEP000E325C9A43.cnf.xml.sgn"
WHEN = datetime(2026, 2, 3, 4, 5, 6, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def pki():
    ca = issue("CA", ca=True, slot=0)
    return {"ca": ca, "sast": issue("SAST1", issuer=ca, slot=1), "tftp": issue("TFTP", issuer=ca, slot=2),
            "cme": issue("CME", issuer=ca, slot=3), "capf": issue("CAPF", issuer=ca, slot=4)}


def ctl_with(pki, *records):
    data = build_trust_list([TrustRecordSpec(ROLE_SAST, pki["sast"].cert), *records], pki["sast"].cert,
                            pki["sast"].key, timestamp=T0)
    return decode_trust_list(data)


def test_sign_decode_round_trip(pki):
    data = sign_file(XML, NAME, pki["tftp"].cert, pki["tftp"].key, timestamp=WHEN)
    sf = decode_signed_file(data)
    assert sf.error is None
    assert sf.content == XML
    assert data.endswith(XML) and len(data) == sf.header.header_length + len(XML)
    h = sf.header
    assert h.version == (1, 0) and h.filename == NAME and h.timestamp == WHEN and h.hash_name == "sha1"
    assert h.header_length % 4 == 0
    assert h.signer_serial == format(pki["tftp"].cert.serial_number, "X").lstrip("0")


@pytest.mark.parametrize("role", [ROLE_TFTP, ROLE_CCM_TFTP])
def test_signer_must_be_tftp_capable(pki, role):
    sf = decode_signed_file(sign_file(XML, NAME, pki["tftp"].cert, pki["tftp"].key, timestamp=WHEN))
    assert verify_signed_file(sf, ctl_with(pki, TrustRecordSpec(role, pki["tftp"].cert))).status == "valid"


@pytest.mark.parametrize("role", [ROLE_CCM, ROLE_CAPF, ROLE_SAST])
def test_other_roles_do_not_sign_configs(pki, role):
    sf = decode_signed_file(sign_file(XML, NAME, pki["tftp"].cert, pki["tftp"].key, timestamp=WHEN))
    verdict = verify_signed_file(sf, ctl_with(pki, TrustRecordSpec(role, pki["tftp"].cert)))
    assert verdict.status == "signer-not-found"
    assert "TFTP or CCM+TFTP" in verdict.reason


def test_signer_absent_from_ctl(pki):
    sf = decode_signed_file(sign_file(XML, NAME, pki["cme"].cert, pki["cme"].key, timestamp=WHEN))
    verdict = verify_signed_file(sf, ctl_with(pki, TrustRecordSpec(ROLE_TFTP, pki["tftp"].cert)))
    assert verdict.status == "signer-not-found"


def test_changed_content_is_invalid(pki):
    data = sign_file(XML, NAME, pki["tftp"].cert, pki["tftp"].key, timestamp=WHEN, hash_alg="sha512")
    tampered = data.replace(b"<deviceSecurityMode>2", b"<deviceSecurityMode>1")
    verdict = verify_signed_file(decode_signed_file(tampered), ctl_with(pki, TrustRecordSpec(ROLE_TFTP,
                                                                                              pki["tftp"].cert)))
    assert verdict.status == "invalid"


def test_damaged_header_is_reported(pki):
    data = sign_file(XML, NAME, pki["tftp"].cert, pki["tftp"].key, timestamp=WHEN)
    sf = decode_signed_file(data[:40])
    assert sf.error is not None and sf.error.offset == 5
    assert "exceeds the file size 40" in sf.error.message
    verdict = verify_signed_file(sf, ctl_with(pki, TrustRecordSpec(ROLE_TFTP, pki["tftp"].cert)))
    assert verdict.status == "damaged"


def test_parser_facts_carry_signer_and_config(pki):
    data = sign_file(XML, NAME, pki["tftp"].cert, pki["tftp"].key, timestamp=WHEN)
    (fact,) = SignedFileParser().parse_file(data, Context(path="upload/SEP000E325C9A43.cnf.xml.sgn"))
    f = fact.fields
    assert fact.kind == "phone.config"
    assert f["signed"] is True and f["mac"] == "000E325C9A43" and f["filename"] == NAME
    assert f["device_security_mode"] == 2 and f["capf_auth_mode_name"] == "null-string"
    assert f["signer_serial"] == format(pki["tftp"].cert.serial_number, "X").lstrip("0")
    assert f["signed_at"] == WHEN
    assert f["verdict"] == "not-checked" and f["encrypted"] is False
    # the digest lets a later check verify without the file
    assert verify_digest(pki["tftp"].cert.public_key(), f["signature"], f["signed_digest"], "sha1")
    assert not verify_digest(pki["cme"].cert.public_key(), f["signature"], f["signed_digest"], "sha1")


def test_non_config_payload_is_a_sgn_fact(pki):
    data = sign_file(b"RIFF....WAVEfmt ", "ringtone.raw.sgn", pki["tftp"].cert, pki["tftp"].key, timestamp=WHEN)
    (fact,) = SignedFileParser().parse_file(data, Context(path="ringtone.raw.sgn"))
    assert fact.kind == "sgn.file" and fact.fields["content_bytes"] == 16


def test_sniffing_tells_signed_files_from_trust_lists(pki):
    from cmedebug.parsers.trustlist import TrustListParser

    sgn = sign_file(XML, NAME, pki["tftp"].cert, pki["tftp"].key, timestamp=WHEN)
    ctl = build_trust_list([TrustRecordSpec(ROLE_SAST, pki["sast"].cert)], pki["sast"].cert, pki["sast"].key,
                           timestamp=T0)
    for name in ("file.bin", "CTLFile.tlv", NAME):  # content decides, whatever the name
        assert SignedFileParser().sniff_bytes(sgn[:4096], name) > TrustListParser().sniff_bytes(sgn[:4096], name)
        assert TrustListParser().sniff_bytes(ctl[:4096], name) > SignedFileParser().sniff_bytes(ctl[:4096], name)
    assert SignedFileParser().sniff_bytes(b"Router#show clock\n", NAME) == 0.0


def encrypted_config() -> bytes:
    """A `.enc.sgn` (version 2.0): the encryption containers 16{17{18, 19, 20}, 21{22..25}}, 26, 27
    after the timestamp (formats.md 4.1), then ciphertext. Built by hand: the writer makes no encrypted files."""
    from cmedebug.parsers.tlv import tlv

    def container(tag, body):
        return bytes([tag]) + len(body).to_bytes(2, "big") + body

    iv_info = container(17, tlv(18, b"\0") + tlv(19, b"I" * 16) + tlv(20, (7).to_bytes(2, "big")))
    key_info = container(21, tlv(22, b"\0") + tlv(23, (128).to_bytes(2, "big")) + tlv(24, b"\1") + tlv(25, b"K" * 64))
    encryption = container(16, iv_info + key_info) + tlv(26, b"\1") + tlv(27, b"H" * 20)
    signer = container(3, tlv(4, b"CN=TFTP\0") + tlv(5, b"\x0a") + tlv(6, b"CN=CA\0"))
    siginfo = container(7, tlv(8, b"\1") + container(9, tlv(10, b"\0") + tlv(11, b"\0")))
    body = (signer + siginfo + tlv(12, b"S" * 64) + tlv(14, b"SEP000E325C9A43.cnf.xml.enc.sgn\0")
            + tlv(15, (1767225600).to_bytes(4, "big")) + encryption)
    size = 10 + len(body)
    pad = (-size) % 4
    return tlv(1, b"\2\0") + tlv(2, (size + pad).to_bytes(2, "big")) + body + b"\x0d" * pad + b"ciphertext" * 3


def test_encrypted_config_header_is_decoded():
    data = encrypted_config()
    sf = decode_signed_file(data)
    assert sf.error is None and not sf.unknown_tags
    assert sf.header.version == (2, 0) and sf.header.signer_serial == "A"
    assert sf.header.encryption["iv"] == b"I" * 16 and sf.header.encryption["key_size"] == (128).to_bytes(2, "big")
    assert sf.content == b"ciphertext" * 3
    (fact,) = SignedFileParser().parse_file(data, Context(path="SEP000E325C9A43.cnf.xml.enc.sgn"))
    assert fact.kind == "sgn.file" and fact.fields["encrypted"] is True and fact.fields["content_bytes"] == 30


def test_unknown_header_element_is_kept_and_warned(pki):
    """An element the decoder does not know, inside the header, is kept and does not stop decoding."""
    from cmedebug.parsers.tlv import H_FILENAME, tlv

    data = sign_file(XML, NAME, pki["tftp"].cert, pki["tftp"].key, timestamp=WHEN)
    header_length = decode_signed_file(data).header.header_length
    at = data.index(bytes([H_FILENAME, 0, len(NAME) + 1]))
    extra = tlv(99, b"\x01\x02\x03\x04")  # 7 bytes; one pad byte keeps the header a multiple of 4
    patched = (data[:8] + (header_length + 8).to_bytes(2, "big") + data[10:at] + extra + data[at:header_length]
               + b"\x0d" + data[header_length:])
    sf = decode_signed_file(patched)
    assert sf.error is None and sf.content == XML and sf.header.filename == NAME
    assert [(u.tag, u.value) for u in sf.unknown_tags] == [(99, b"\x01\x02\x03\x04")]
    ctx = Context(path="x.sgn")
    SignedFileParser().parse_file(patched, ctx)
    assert ctx.warnings == [f"x.sgn: unknown header element: tag 99 at offset {at} (4 bytes), kept"]
