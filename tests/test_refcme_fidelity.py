"""The reference CME prints only catalogued lines, each from a train that prints it, and
the discrepancies found against Cisco's documentation stay fixed (issue 15)."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from cmedebug import messages
from cmedebug.refcme.debuglog import RouterLog
from cmedebug.refcme.clock import Timeline, VirtualClock
from cmedebug.refcme.runner import NOW
from cmedebug.refcme.scenarios import SCENARIOS

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "sample_logs"
# each file and the catalogue families its lines may come from (router.log holds the show an
# engineer typed during a CAPF session)
TEXT_FILES = {"router.log": ("debug", "syslog", "console", "show"), "shows.txt": ("show", "console"),
              "ca-shows.txt": ("show", "console"), "running-config.txt": ("config",),
              "phone-status.txt": ("phone",), "phone-console.log": ("phone",)}
CORPUS = REPO.parent / "shared" / "corpus"


def _lines(name: str):
    for file in TEXT_FILES:
        path = SAMPLES / name / file
        if path.exists():
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                if line.strip():
                    yield file, number, line


def _train(name: str) -> str:
    return tomllib.loads((SAMPLES / name / "scenario.toml").read_text())["platform"]["train"]


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_every_sample_line_is_a_catalogue_message_of_its_train(name):
    train = _train(name)
    for file, number, line in _lines(name):
        found = messages.matching(line, TEXT_FILES[file])
        assert found, f"{name}/{file}:{number} is in no catalogue entry: {line!r}"
        assert any(not m.trains or train in m.trains for m in found), \
            f"{name}/{file}:{number} is printed only by IOS {found[0].trains}, not {train}: {line!r}"


def test_ios_15_never_prints_the_ios_xe_tls_syslogs_nor_openssl_reason_strings():
    python_reasons = re.compile(r"Reason: (?:certificate verify failed|tlsv1 alert|sslv3 alert)|"
                                r"SSL Handshake Error [a-z]")
    for name in SCENARIOS:
        if _train(name) != "15":
            continue
        text = (SAMPLES / name / "router.log").read_text()
        assert "%SKINNYSECURESERVICE-" not in text and "%EPHONE_CRED-" not in text, name
        assert not python_reasons.search(text), f"{name}: {python_reasons.search(text).group(0)}"


def test_a_message_outside_the_train_is_refused():
    log = RouterLog("CME", VirtualClock(Timeline(), NOW), train="15")
    with pytest.raises(messages.TrainError):
        log.emit("SKINNYSECURESERVICE-3-TLS_HANDSHAKE_FAILED", reason="unsupported protocol", sock=0,
                 local="10.1.1.1", ip="10.1.1.21", port=5000)
    log_xe = RouterLog("CME", VirtualClock(Timeline(), NOW), train="XE")
    log_xe.emit("SKINNYSECURESERVICE-3-TLS_HANDSHAKE_FAILED", reason="unsupported protocol", sock=0,
                local="10.1.1.1", ip="10.1.1.21", port=5000)
    assert "%SKINNYSECURESERVICE-3-TLS_HANDSHAKE_FAILED:  Reason: unsupported protocol" in log_xe.lines[-1]


def test_every_scenario_names_its_platform():
    for name in SCENARIOS:
        platform = tomllib.loads((SAMPLES / name / "scenario.toml").read_text())["platform"]
        assert platform["model"] and platform["image"] and platform["train"] in messages.TRAINS
        if platform["train"] == "15":
            assert set(platform["licences"]) >= {"uck9", "securityk9"}
            assert f'System image file is "{platform["image"]}"' in (SAMPLES / name / "shows.txt").read_text()


def test_catalogue_sources_exist_and_inferred_entries_give_reasons():
    for m in messages.catalogue().values():
        if m.inferred:
            assert len(m.source) > 40, m.id
        elif m.source.startswith("corpus:") and CORPUS.is_dir():
            assert (CORPUS / m.source[len("corpus:"):]).is_file(), m.id


def test_a_shape_seen_in_a_corpus_sample_is_in_that_sample():
    """Every literal part of the template appears in the sample it cites (spacing aside:
    documents wrap and indent lines their own way)."""
    import string

    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not here")
    squeeze = lambda text: re.sub(r"\s+", "", text)  # noqa: E731
    for m in messages.catalogue().values():
        if m.provenance != "seen" or not m.source.startswith("corpus:"):
            continue
        sample = squeeze((CORPUS / m.source[len("corpus:"):]).read_text(errors="replace"))
        for literal, *_ in string.Formatter().parse(m.template):
            assert squeeze(literal) in sample, f"{m.id}: {literal!r} is not in {m.source}"


def test_docs_messages_md_is_current_and_names_every_inferred_shape():
    text = (REPO / "docs" / "messages.md").read_text()
    assert text == messages.markdown(), "regenerate: python -m cmedebug.messages > docs/messages.md"
    inferred = text.split("## Inferred shapes", 1)[1].split("## Sources", 1)[0]
    for m in messages.catalogue().values():
        assert (f"`{m.id}`" in inferred) == m.inferred, m.id


# -- the discrepancies listed in issue 15 -------------------------------------------------------
def _log(name: str) -> str:
    return (SAMPLES / name / "router.log").read_text()


def test_capf_encrypt_round_trip_and_enrollment_between_keygen_and_store():
    text = _log("healthy")
    keygen = text.index("ephone_capf_handle_phone_msg: msgtype 4")
    encrypt = text.index("ephone_capf_send_encrypt_req_msg: SEP001122334455")
    signed = text.index("ephone_capf_handle_phone_msg: msgtype 5")
    enrolled = text.index("CRYPTO_PKI: status = 100: certificate is granted", signed)
    store = text.index("ephone_capf_send_store_cert_req_msg: SEP001122334455")
    assert keygen < encrypt < signed < enrolled < store
    assert "CRYPTO_PKI:  Certificate Request Fingerprint MD5:" in text[signed:enrolled]
    watched = text.index("CME#show capf-server sessions", keygen)
    assert keygen < watched < encrypt and "SEP001122334455         AWAIT ENCRYPT MSG RESP" in text[watched:encrypt]


def test_database_url_is_honoured_and_its_failure_shows():
    healthy = _log("healthy")
    assert "CRYPTO_CS: nvram filesystem" in healthy and "CRYPTO_CS: file opened: nvram:cme-root.ser" in healthy
    crl = _log("crl-unreachable")
    assert "nvram" not in crl
    assert "%Error opening tftp://10.1.1.50/cme-root/cme-root.crl (Timed out)" in crl
    assert " database url tftp://10.1.1.50/cme-root/" in (SAMPLES / "crl-unreachable" / "running-config.txt").read_text()
    lost = _log("ca-database-lost")
    assert "CRYPTO_CS: tftp filesystem" in lost
    assert "%Error opening tftp://10.1.1.50/cme-root/cme-root.ser (Timed out)" in lost
    assert "%PKI-6-CS_ENABLED" not in lost


def _stamp_seconds(line: str) -> float:
    h, m, s = re.search(r"(\d\d):(\d\d):(\d\d\.\d{3}):", line).groups()
    return int(h) * 3600 + int(m) * 60 + float(s)


def test_socketsend_comes_after_a_tcp_connect_timeout():
    lines = _log("ca-unreachable").splitlines()
    for i, line in enumerate(lines):
        if "%PKI-3-SOCKETSEND" in line:
            before = next(x for x in reversed(lines[:i]) if re.match(r"[*.]?[A-Z][a-z]{2} ", x))
            assert _stamp_seconds(line) - _stamp_seconds(before) >= 30
            break
    else:
        pytest.fail("no SOCKETSEND")


def test_scep_polls_a_pending_request_once_a_minute():
    lines = [x for x in _log("enrollment-pending-manual-grant").splitlines()
             if "status = 102: certificate request pending" in x]
    assert len(lines) == 15  # five trustpoints: the request, then two polls
    assert 59 <= _stamp_seconds(lines[-1]) - _stamp_seconds(lines[-6]) <= 61


def test_capf_tls_failure_is_retried_by_the_phone_30_seconds_apart():
    """CAPF re-keyed without a new CTL: the phone's CAPF record no longer matches, each TLS
    attempt fails with a number (never OpenSSL text), and the phone tries four times, 30 s apart."""
    from cmedebug.refcme.runner import boot_phone, history, make_world, start_capture

    world = make_world(0)
    history(world)
    start_capture(world)
    router = world.router
    router.enroll_all([router.ca], ("cme-capf",), new_key=True)
    router.ephones[0].cert_oper = ("upgrade", "null-string")
    router.create_cnf_files()
    router.start_services()
    try:
        boot_phone(world)
    finally:
        router.stop_services()
    starts = [x for x in world.log.lines if "New Connection from phone" in x]
    failures = [x for x in world.log.lines if x.endswith("SSL Handshake Error -6992")]
    assert len(starts) == len(failures) == 4
    gaps = [_stamp_seconds(b) - _stamp_seconds(a) for a, b in zip(starts, starts[1:])]
    assert all(30 <= gap <= 32 for gap in gaps), gaps


def test_first_no_shutdown_asks_for_the_passphrase():
    text = _log("healthy")
    for line in ("CME(cs-server)#no shutdown", "% Please enter a passphrase to protect the private key",
                 "Password:", "Re-enter password:", "% Exporting Certificate Server signing certificate and keys..."):
        assert line in text
    assert text.index("Re-enter password:") < text.index("% Certificate Server enabled.")


def test_running_config_keeps_the_cnf_files_version_stamp():
    config = (SAMPLES / "healthy" / "running-config.txt").read_text()
    assert re.search(r"^ create cnf-files version-stamp 7960 [A-Z][a-z]{2} \d\d \d{4} \d\d:\d\d:\d\d$", config, re.M)


def test_isr_g2_takes_its_clock_from_the_calendar_after_a_reload():
    shows = (SAMPLES / "clock-never-set" / "shows.txt").read_text()
    assert "Time source is hardware calendar" in shows and "2002" not in shows
    assert not re.search(r"^\*Mar  1 ", _log("clock-never-set"), re.M)


def test_tls_version_mismatch_comes_from_the_phone_not_an_invisible_setting():
    text = _log("tls-version-mismatch")
    assert "CME#debug ssl openssl errors" in text
    assert "error:14076102:SSL routines:SSL23_GET_CLIENT_HELLO:unsupported protocol" in text
    assert "TLS Handshake retcode OPSSLHandshakeErr" in text
    config = (SAMPLES / "tls-version-mismatch" / "running-config.txt").read_text()
    healthy = (SAMPLES / "healthy" / "running-config.txt").read_text()
    strip = lambda t: re.sub(r"version-stamp .*", "", t)  # noqa: E731
    assert strip(config) == strip(healthy), "the mismatch must not come from a configuration change"


def test_a_finding_resting_only_on_inferred_shapes_is_at_most_medium_confidence():
    from cmedebug.model import Confidence
    from cmedebug.pipeline import analyze

    case = analyze([str(SAMPLES / "tls-version-mismatch")])
    tls002 = [f for f in case.findings if f.rule_id == "TLS002"]
    assert tls002 and all(f.confidence <= Confidence.MEDIUM for f in tls002)
    lines = [line for f in tls002 for ev in f.evidence for line in ev.lines]
    assert messages.provenance(lines) == "inferred"


def test_no_catalogue_shape_matches_any_line():
    """A template that is all fields would make the fidelity check empty: such entries carry a
    pattern. (A template without fields, `!` or `%`, matches only itself.)"""
    import string

    for m in messages.catalogue().values():
        parts = list(string.Formatter().parse(m.template))
        literal = "".join(text for text, *_ in parts).strip()
        if len(literal) < 3 and any(field is not None for _, field, *_ in parts):
            assert m.regex.pattern != messages.template_regex(m.template).pattern, m.id
            assert not m.regex.match("anything at all"), m.id


@pytest.mark.parametrize("url, filesystem", [("nvram:", "nvram"), ("flash:cme-root/", "flash"),
                                             ("tftp://10.1.1.50/cme-root/", "tftp")])
def test_the_certificate_server_opens_its_serial_file_at_its_database_url(url, filesystem):
    from cmedebug.refcme.ca import IosCa

    log = RouterLog("CME", VirtualClock(Timeline(), NOW), train="15")
    log.debug_on("crypto pki server")
    ca = IosCa("cme-root", log.clock, "10.1.1.1", database_url=url)
    ca.enable(log)
    assert ca.enabled
    text = "\n".join(log.lines)
    assert f"CRYPTO_CS: {filesystem} filesystem" in text and f"CRYPTO_CS: file opened: {url}cme-root.ser" in text
    ca.database_lost = True
    started = log.clock.timeline.elapsed
    ca.start_after_reload(log)
    assert not ca.enabled and log.lines[-1] == "% Failed to find Certificate Server's cert."
    reason = "Timed out" if filesystem == "tftp" else "No such file or directory"
    assert f"%Error opening {url}cme-root.ser ({reason})" in log.lines
    assert (log.clock.timeline.elapsed - started >= 30) == (filesystem == "tftp")  # a TFTP server that is gone costs time


def test_handshake_polls_print_as_cisco_samples_show_them():
    """Corpus 01: `SSL Handshake Error -6983` twice, 1 s apart, then Successful; corpus 07:
    the first `OPSSLReadWouldBlockErr` at the moment of `Start TLS Handshake`."""
    lines = _log("healthy").splitlines()
    capf = [x for x in lines if "SSL Handshake" in x]
    assert [x.split(": ", 1)[1] for x in capf] == ["SSL Handshake Error -6983"] * 2 + ["SSL Handshake Successful"]
    times = [_stamp_seconds(x) for x in capf]
    assert [round(b - a) for a, b in zip(times, times[1:])] == [1, 1]
    start = next(i for i, x in enumerate(lines) if "Start TLS Handshake" in x)
    assert "TLS Handshake retcode OPSSLReadWouldBlockErr" in lines[start + 1]
    assert _stamp_seconds(lines[start + 1]) - _stamp_seconds(lines[start]) < 0.1


def test_a_scenario_enrollment_prints_the_dialog_ios_prints():
    """`crypto pki enroll` in a scenario's capture asks what IOS asks (ios-commands.md D4, corpus
    18): the challenge password twice, the key made between them, then the request."""
    lines = (SAMPLES / "healthy" / "router.log").read_text(encoding="utf-8").splitlines()
    start = lines.index("CME(config)#crypto pki enroll cme-sccp")
    dialog = lines[start + 1:lines.index("CME(config)#crypto pki authenticate cme-tftp")]
    assert dialog[:3] == ["%", "% Start certificate enrollment ..",
                          "% Create a challenge password. You will need to verbally provide this"]
    order = [dialog.index(line) for line in ("Password:", "Re-enter password:",
                                            "% The subject name in the certificate will include: CN=cme-sccp",
                                            "Request certificate from CA? [yes/no]: yes",
                                            "% Certificate request sent to Certificate Authority")]
    assert order == sorted(order)
    key_made = next(i for i, line in enumerate(dialog) if "%CRYPTO_ENGINE-5-KEY_ADDITION" in line)
    assert order[0] < key_made < order[1]


def test_a_debug_typed_in_a_scenario_answers_as_ios_commands_md_shows():
    """`debug ephone register` answers `EPHONE registration debugging is enabled` (ios-commands.md
    2.1, corpus 07); the debugs the document shows no answer for print none."""
    lines = (SAMPLES / "healthy" / "router.log").read_text(encoding="utf-8").splitlines()
    at = lines.index("CME#debug ephone register")
    assert lines[at + 1] == "EPHONE registration debugging is enabled"
    debugs = [i for i, line in enumerate(lines) if line.startswith("CME#debug ")]
    assert [lines[i + 1].startswith(("CME#", "EPHONE registration")) for i in debugs] == [True] * len(debugs)
