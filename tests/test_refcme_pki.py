"""The reference CME's building blocks: keys, clocks, the IOS CA defaults, trustpoints,
the CTL and the signed config, checked with the project's own decoders."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from cmedebug.parsers.signed_file import decode_signed_file, verify_signed_file
from cmedebug.parsers.trustlist import decode_trust_list, verify_trust_list
from cmedebug.refcme.ca import IosCa, name
from cmedebug.refcme.clock import IOS_BOOT_DEFAULT, UTC, Timeline, VirtualClock
from cmedebug.refcme.debuglog import RouterLog
from cmedebug.refcme.keys import rsa_key
from cmedebug.refcme.runner import NOW, build, make_world


def test_keys_are_deterministic_per_label_size_and_seed():
    a = rsa_key("tp/x/1", 1024, 3)
    assert a.private_numbers() == rsa_key("tp/x/1", 1024, 3).private_numbers()
    assert a.public_key().public_numbers() != rsa_key("tp/x/1", 1024, 4).public_key().public_numbers()
    assert rsa_key("tp/x/1", 512, 3).key_size == 512  # what IOS auto-generates; cryptography would refuse


def test_never_set_clock_prints_the_ios_boot_default_with_a_star():
    clock = VirtualClock(Timeline(), NOW, "ntp")
    clock.reload_unset()
    clock.timeline.advance(62.5)
    assert clock.now == IOS_BOOT_DEFAULT + timedelta(seconds=62.5)
    assert clock.stamp() == "*Mar  1 00:01:02.500"
    assert clock.show_clock() == "*00:01:02.500 UTC Fri Mar 1 2002"


def test_unsynchronised_ntp_clock_prints_a_dot_and_devices_share_the_timeline():
    timeline = Timeline()
    router = VirtualClock(timeline, datetime(2026, 7, 21, 18, 17, 7, tzinfo=UTC), "ntp-unsynchronised")
    ca = VirtualClock(timeline, datetime(2026, 7, 21, 21, 17, 7, tzinfo=UTC), "ntp")
    timeline.advance(1.014)
    assert router.stamp() == ".Jul 21 18:17:08.014"
    assert (ca.now - router.now) == timedelta(hours=3)
    with pytest.raises(ValueError, match="unknown clock source"):
        VirtualClock(timeline, NOW, "gps")


def _ca(**kw) -> tuple[IosCa, RouterLog]:
    log = RouterLog("CME", VirtualClock(Timeline(), NOW, "ntp"))
    ca = IosCa("cme-root", log.clock, "10.1.1.1", **kw)
    ca.enable(log)
    return ca, log


def test_ca_uses_the_ios_defaults_and_caps_certificates_at_its_own_end():
    ca, log = _ca()
    assert ca.key.key_size == 1024
    assert ca.cert.not_valid_after_utc - ca.cert.not_valid_before_utc == timedelta(days=1095)
    leaf = ca.issue(name("cme-sccp"), rsa_key("leaf", 1024).public_key())
    assert leaf.serial_number == 2 and leaf.not_valid_after_utc - leaf.not_valid_before_utc == timedelta(days=365)
    leaf.verify_directly_issued_by(ca.cert)
    long_lived, _ = _ca(lifetime_cert_days=1825)
    capped = long_lived.issue(name("x"), rsa_key("leaf", 1024).public_key())
    assert capped.not_valid_after_utc == long_lived.cert.not_valid_after_utc
    assert "%PKI-6-CS_ENABLED: Certificate server now enabled." in log.text()


def test_manual_grant_leaves_the_request_pending_until_granted():
    ca, _ = _ca(grant_auto=False)
    request = ca.receive(name("cme-sccp"), rsa_key("leaf", 1024).public_key(), "AB")
    assert request.state == "pending" and request.cert is None
    ca.grant(request)
    assert request.state == "granted" and request.cert.subject == name("cme-sccp")


def test_rebuilt_ca_has_a_new_key():
    ca, log = _ca()
    old = ca.cert
    ca.rebuild(log)
    assert ca.cert.public_key().public_numbers() != old.public_key().public_numbers()


def test_a_ca_built_again_numbers_on_and_takes_its_issuer_name():
    """The serial counter is in the CA database, so issuer and serial never repeat; `issuer-name`
    names the new CA certificate (a phone finds a CTL signer by issuer and serial)."""
    ca, log = _ca()
    before = ca.issue(name("sast1"), rsa_key("leaf", 1024).public_key())
    ca.issuer_name = "CN=cme-root-new"
    ca.rebuild(log)
    after = ca.issue(name("sast2"), rsa_key("leaf", 1024).public_key())
    assert ca.cert.serial_number == before.serial_number + 1 and after.serial_number == before.serial_number + 2
    assert ca.cert.subject == ca.cert.issuer == after.issuer == name("cme-root-new") != before.issuer
    after.verify_directly_issued_by(ca.cert)


def test_http_server_off_fails_authentication_with_the_ios_console_error():
    world = make_world()
    world.router.http_server = False
    build(world)
    try:
        assert all(tp.ca_cert is None for name_, tp in world.router.trustpoints.items() if name_ != "cme-root")
        assert "% Error in receiving Certificate Authority certificate: status = FAIL, cert length = 0" \
            in world.log.text()
        assert "%PKI-3-SOCKETSEND" not in world.log.text()
        assert world.router.tftp.files.get("CTLFile.tlv") is None
    finally:
        world.router.stop_services()


@pytest.fixture(scope="module")
def built():
    world = make_world()
    build(world)
    world.router.stop_services()
    return world


def test_ctl_is_signed_by_sast1_with_records_in_cisco_order(built):
    data = built.router.tftp.files["CTLSEP001122334455.tlv"]
    assert data == built.router.tftp.files["CTLFile.tlv"]
    tl = decode_trust_list(data)
    assert tl.error is None and verify_trust_list(tl).ok
    assert [r.role for r in tl.records] == [0, 0, 1, 3, 4]
    assert tl.header.signer_serial == tl.records[0].serial == f"{built.router.trustpoints['sast1'].cert.serial_number:X}"
    assert [r.ip_address for r in tl.records[2:]] == ["10.1.1.1"] * 3
    assert "ctl_client_create_ctlfile: Signature length 128" in built.log.text()


def test_signed_config_verifies_against_the_ctl_tftp_record_only(built):
    files = built.router.tftp.files
    tl = decode_trust_list(files["CTLFile.tlv"])
    sf = decode_signed_file(files["SEP001122334455.cnf.xml.sgn"])
    assert sf.content == files["SEP001122334455.cnf.xml"]
    assert b"<deviceSecurityMode>3</deviceSecurityMode>" in sf.content
    assert b"<capfAuthMode>2</capfAuthMode>" in sf.content
    assert verify_signed_file(sf, tl).ok
    tampered = decode_signed_file(files["SEP001122334455.cnf.xml.sgn"].replace(b">3<", b">1<"))
    assert verify_signed_file(tampered, tl).status == "invalid"


def test_updated_ctl_signed_by_a_new_sast_is_refused_against_the_stored_one(built):
    stored = decode_trust_list(built.router.tftp.files["CTLFile.tlv"])
    world = make_world()
    world.log.recording = False
    build(world)
    world.router.enroll_all([world.ca], ("sast1", "sast2"), new_key=True)
    world.router.regenerate_ctl()
    world.router.stop_services()
    new = decode_trust_list(world.router.tftp.files["CTLFile.tlv"])
    assert verify_trust_list(new).ok
    assert verify_trust_list(new, trusted=stored).status == "signer-not-found"
