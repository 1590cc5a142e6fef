"""CAPF sessions over real TLS: each authentication mode's decision, the operations,
and the keygen timeout/retry logic in virtual time."""
from __future__ import annotations

from cmedebug.refcme.runner import boot_phone, build, make_world, mic_root
from cmedebug.refcme.trustpoints import Trustpoint


def _session(cert_oper, *, setup=None):
    """Build the reference system with this ephone `cert-oper`, boot the phone, return
    (world, CAPF session result, router log text)."""
    world = make_world()
    world.router.ephones[0].cert_oper = cert_oper
    if setup:
        setup(world)
    build(world)
    results = []
    original = world.router.capf.listener.result
    world.router.capf.listener.result = lambda: results.append(original()) or results[-1]
    try:
        boot_phone(world)
        return world, results[0], world.log.text()
    finally:
        world.router.stop_services()


def test_null_string_upgrade_installs_an_lsc_issued_by_the_ca():
    world, result, log = _session(("upgrade", "null-string"))
    assert result == "upgraded"
    cert, key = world.phone.state.lsc
    cert.verify_directly_issued_by(world.ca.cert)
    assert cert.public_key().public_numbers() == key.public_key().public_numbers()
    assert "ephone_capf_send_PhKeyGenReq_msg: SEP001122334455 KeySize 1024" in log
    assert world.phone.outcome == "registered-secure"


def test_auth_string_must_match_the_ephone_string():
    def typed(digits):
        def setup(world):
            world.router.ephones[0].capf_auth_str = "80475"
            world.phone.auth_string = digits
        return setup

    assert _session(("upgrade", "auth-string"), setup=typed("80475"))[1] == "upgraded"
    world, result, log = _session(("upgrade", "auth-string"), setup=typed("80476"))
    assert result == "auth-failed" and world.phone.state.lsc is None
    assert "AuthMode 1" in log and "PhKeyGenReq" not in log


def test_mic_mode_needs_the_mic_root_imported_as_a_trustpoint():
    world, result, _ = _session(("upgrade", "MIC"))
    assert result == "auth-failed"

    def import_root(world):
        root = Trustpoint("CAP-RTP-002", None, None, revocation_check="none")
        root.ca_cert, _ = mic_root(world.seed)
        world.phone.state.mic[0].verify_directly_issued_by(root.ca_cert)
        world.router.trustpoints[root.name] = root

    world, result, _ = _session(("upgrade", "MIC"), setup=import_root)
    assert result == "upgraded"


def test_lsc_mode_without_an_lsc_fails_and_with_one_succeeds():
    assert _session(("upgrade", "LSC"))[1] == "auth-failed"


    world = make_world()
    build(world)
    try:
        boot_phone(world)  # null-string upgrade first: the phone now holds an LSC
        lsc = world.phone.state.lsc
        world.router.ephones[0].cert_oper = ("upgrade", "LSC")
        world.router.create_cnf_files()
        world.router.start_services()
        results = []
        original = world.router.capf.listener.result
        world.router.capf.listener.result = lambda: results.append(original()) or results[-1]
        boot_phone(world)
        assert results == ["upgraded"] and world.phone.state.lsc[0] != lsc[0]
    finally:
        world.router.stop_services()


def test_fetch_returns_the_phone_lsc_and_delete_removes_it():
    world = make_world()
    build(world)
    try:
        boot_phone(world)
        lsc = world.phone.state.lsc[0]
        for operation in ("fetch", "delete"):
            world.router.ephones[0].cert_oper = (operation, "null-string")
            world.router.create_cnf_files()
            world.router.start_services()
            capf = world.router.capf
            boot_phone(world)
            if operation == "fetch":
                assert capf.fetched["SEP001122334455"] == lsc
        assert world.phone.state.lsc is None
        assert "certificate fetch successful for SEP001122334455" in world.log.text()
        assert "certificate delete successful for SEP001122334455" in world.log.text()
    finally:
        world.router.stop_services()


def test_keygen_timeout_retries_then_ends_the_session():
    def slow(world):
        cfg = world.router.capf_config
        cfg.phone_key_size, cfg.keygen_timeout_min, cfg.keygen_retry = 2048, 1, 2

    world, result, log = _session(("upgrade", "null-string"), setup=slow)
    assert result == "keygen-timeout" and world.phone.state.lsc is None
    assert log.count("ephone_capf_send_PhKeyGenReq_msg: SEP001122334455 KeySize 2048") == 3
    assert world.phone.stopped_at == "capf"


def test_a_patient_server_gets_the_key():
    def patient(world):
        cfg = world.router.capf_config
        cfg.phone_key_size, cfg.keygen_timeout_min = 2048, 30

    world, result, _ = _session(("upgrade", "null-string"), setup=patient)
    assert result == "upgraded" and world.phone.state.lsc[1].key_size == 2048
