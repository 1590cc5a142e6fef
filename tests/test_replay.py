"""`cmedebug replay`: a case's evidence alone -> reference CME -> verdicts (issue 16)."""
from __future__ import annotations

import shutil
import tomllib
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_refcme_fix import BEYOND_THE_CLI, NOT_PROVEN

from cmedebug.cli_replay import replay
from cmedebug.pipeline import load

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "sample_logs"
# Proven by `reproduce --fix`, not (yet) by a replay of the sample, because the replay's world differs:
REPLAY_DIVERGES: dict[str, str] = {}
FAILING = sorted(p.name for p in SAMPLES.iterdir()
                 if p.is_dir() and tomllib.loads((p / "scenario.toml").read_text())["expect"]["first_root"])


def evidence_only(name: str, into: Path) -> Path:
    """The scenario folder's evidence without its scenario.toml (the replay must not need it)."""
    case = into / f"case-{name}"
    case.mkdir()
    for p in (SAMPLES / name).iterdir():
        if p.name != "scenario.toml":
            shutil.copy(p, case / p.name)
    return case


def run(*args: str, stdin: str | None = None):
    return CliRunner().invoke(replay, list(args), input=stdin)  # as `cmedebug replay ARGS`


@pytest.mark.slow
@pytest.mark.parametrize("name", FAILING)
def test_every_failing_sample_is_reproduced_and_its_fix_confirmed(tmp_path, name, request):
    expected = tomllib.loads((SAMPLES / name / "scenario.toml").read_text())["expect"]["first_root"][0]
    result = run(str(evidence_only(name, tmp_path)), "--out", str(tmp_path / "out"))
    table = tomllib.loads((tmp_path / "out" / "replay.toml").read_text())
    assert table["verdict"] == "reproduced", (table.get("differences"), result.output)
    assert table["case_first_root"].split()[0] == table["replay_first_root"].split()[0] == expected
    assert (tmp_path / "out" / "before" / "router.log").is_file()
    assert (tmp_path / "out" / "after").is_dir() != (name in BEYOND_THE_CLI)  # no fix typed where none is on the CLI
    if name in NOT_PROVEN:  # the rule's steps, not the replay (see test_refcme_fix.NOT_PROVEN)
        request.applymarker(pytest.mark.xfail(reason=NOT_PROVEN[name], strict=True))
    if name in REPLAY_DIVERGES:
        request.applymarker(pytest.mark.xfail(reason=REPLAY_DIVERGES[name], strict=True))
    if name in BEYOND_THE_CLI:
        assert table["fix_verdict"] == "fix not provable on the CLI" and BEYOND_THE_CLI[name] in table["fix"]["reasons"][0]
        return
    assert table["fix_verdict"] == "fix confirmed", table["fix"]["reasons"]
    assert result.exit_code == 0


def test_healthy_has_nothing_to_reproduce(tmp_path):
    result = run(str(evidence_only("healthy", tmp_path)), "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert "verdict: nothing to reproduce" in result.output
    assert tomllib.loads((tmp_path / "out" / "replay.toml").read_text())["verdict"] == "nothing to reproduce"
    assert not (tmp_path / "out" / "before").exists()


def test_a_case_without_configuration_is_refused_in_one_line(tmp_path):
    log = tmp_path / "router.log"
    log.write_text((SAMPLES / "cert-expired" / "router.log").read_text())
    result = run(str(log), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    message = [line for line in result.output.splitlines() if line.strip()]
    assert len(message) == 1 and "show running-config" in message[0]
    assert not (tmp_path / "out").exists()


def test_the_same_seed_gives_byte_identical_output(tmp_path):
    case = evidence_only("capf-keygen-timeout", tmp_path)
    for n in (1, 2):
        assert run(str(case), "--out", str(tmp_path / f"r{n}"), "--seed", "7").exit_code == 0
    files = sorted(p.relative_to(tmp_path / "r1") for p in (tmp_path / "r1").rglob("*") if p.is_file())
    assert len(files) > 10
    for rel in files:
        assert (tmp_path / "r1" / rel).read_bytes() == (tmp_path / "r2" / rel).read_bytes(), rel
    assert 'seed = 7' in (tmp_path / "r1" / "replay.toml").read_text()


def test_a_zip_case_replays_like_its_folder(tmp_path):
    case = evidence_only("secure-listener-down", tmp_path)
    archive = tmp_path / "case.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for p in sorted(case.iterdir()):
            z.write(p, p.name)
    result = run(str(archive), "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert "verdict: reproduced; fix confirmed" in result.output


def test_standard_input_holding_a_running_config_runs_and_lists_assumptions(tmp_path):
    text = (SAMPLES / "ca-server-disabled" / "running-config.txt").read_text()
    result = run("-", "--out", str(tmp_path / "out"), stdin=text)
    table = tomllib.loads((tmp_path / "out" / "replay.toml").read_text())
    assert result.exit_code in (0, 1) and table["assumptions"]
    assert any("show clock" in a for a in table["assumptions"])  # no time in a config alone: said, with what to collect


def test_secrets_of_the_case_are_not_copied(tmp_path):
    case = evidence_only("capf-auth-string-mismatch", tmp_path)
    assert " capf-auth-str 1234" in (case / "running-config.txt").read_text()
    run(str(case), "--out", str(tmp_path / "out"))
    written = [p.read_text(errors="replace") for p in (tmp_path / "out").rglob("*")
               if p.is_file() and p.suffix in (".txt", ".log", ".toml")]
    assert written and not any("capf-auth-str 1234" in text for text in written)
    table = tomllib.loads((tmp_path / "out" / "replay.toml").read_text())
    assert any("capf-auth-str is not copied" in a for a in table["assumptions"])


def test_an_existing_folder_that_is_not_a_replay_is_kept(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    result = run(str(evidence_only("healthy", tmp_path)), "--out", str(tmp_path))
    assert result.exit_code == 2 and "not a replay folder" in result.output
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_each_corpus_file_with_a_configuration_runs_and_lists_assumptions(tmp_path, corpus_dir):
    with_config = [p for p in sorted(corpus_dir.iterdir())
                   if any(f.kind.startswith("config.") for f in load([str(p)]).facts)]
    assert with_config
    for path in with_config:
        out = tmp_path / path.stem
        result = run(str(path), "--out", str(out))
        assert result.exit_code in (0, 1), (path.name, result.output)
        table = tomllib.loads((out / "replay.toml").read_text())
        assert table["assumptions"], path.name
        assert "assumptions (" in result.output


@pytest.mark.parametrize("name, root, fix", [("18_cme-as-ca-enroll-512bit-autogen-key", "PKI013", "fix confirmed"),
                                             ("15_ios-ca-server-enable-and-show", "PKI002", None)])
def test_a_real_capture_of_a_router_running_its_own_ca_is_reproduced(tmp_path, corpus_dir, name, root, fix):
    """Cisco's CME-as-CA example enrolls its trustpoints at the router's own address
    (192.168.20.1), where the replayed CA must answer; CAPF's defaults name the case's CA;
    and a CA known only by `show crypto pki server` is dated from the expiry it prints."""
    out = tmp_path / "out"
    result = run(str(corpus_dir / f"{name}.log"), "--out", str(out))
    table = tomllib.loads((out / "replay.toml").read_text())
    assert table["verdict"] == "reproduced" and table["replay_first_root"].startswith(root), result.output
    if fix:
        assert table["fix_verdict"] == fix, result.output


def test_the_replayed_certificates_carry_the_case_dates_and_the_same_flows_are_played(tmp_path):
    run(str(evidence_only("cert-expired", tmp_path)), "--out", str(tmp_path / "out"))
    table = tomllib.loads((tmp_path / "out" / "replay.toml").read_text())
    assert table["verdict"] == "reproduced"
    assert "time passed" in " ".join(table["spec"]["changes_after_build"])  # built 400 days before the capture
    assert table["differences"]["certificates"] == []  # same issuers and end dates, fresh keys
    assert table["flows_replayed"] == table["flows_seen"]
    def end_dates(path: Path) -> list[str]:  # to the minute: the replay's enrollments take their own seconds
        return sorted(line[:15] + line[18:] for line in path.read_text().splitlines() if line.startswith("end date:"))
    assert end_dates(tmp_path / "out" / "before" / "shows.txt") == end_dates(SAMPLES / "cert-expired" / "shows.txt")


def test_a_replay_over_its_time_limit_stops_with_a_message():
    from cmedebug.replay.run import Budget, ReplayLimit

    budget = Budget(5)
    budget.check("the build")  # within the limit
    budget.started -= 10
    with pytest.raises(ReplayLimit, match=r"replay stopped at the fix: it took 10 s, over the limit of 5 s"):
        budget.check("the fix")


def test_an_out_folder_inside_the_case_is_refused(tmp_path):
    case = evidence_only("healthy", tmp_path)
    result = run(str(case), "--out", str(case / "replay"))
    assert result.exit_code == 2 and "inside the case folder" in result.output
    assert not (case / "replay").exists()


NEVER_ENROLLED = """CME-1#show running-config
!
hostname CME-1
!
ntp server 10.1.1.254
ip http server
!
crypto pki server cme-ca
 database level complete
 database url flash:cme-ca/
 issuer-name CN=cme-ca
 grant auto
!
crypto pki trustpoint cme-ca
 rsakeypair cme-ca
!
crypto pki trustpoint cme-tls
 enrollment url http://10.1.1.1:80
 serial-number none
 revocation-check none
!
telephony-service
 ip source-address 10.1.1.1 port 2000
 secure-signaling trustpoint cme-tls
 tftp-server-credentials trustpoint cme-tls
 device-security-mode encrypted
!
ephone 1
 mac-address 000E.325C.9A43
 type 7970
!
end
CME-1#show crypto pki trustpoints status
Trustpoint cme-tls:
  Issuing CA certificate configured:
    Subject Name:
     cn=cme-ca
    Fingerprint MD5: 1A2B3C4D 5E6F7A8B 9C0D1E2F 3A4B5C6D
  State:
    Keys generated ............. No
    Issuing CA authenticated ....... Yes
    Certificate request(s) ..... None
"""


def test_a_trustpoint_never_enrolled_is_replayed_unenrolled_with_its_own_lines(tmp_path):
    """`show crypto pki trustpoints status` shows no router certificate and no attempt is logged: the
    replay leaves the trustpoint unenrolled (PKI016 reproduced, not a key IOS made at enrollment), its
    lines as configured (no `ip-address none`, no `subject-name` the case lacks), and the fix's
    `rsakeypair cme-tls-2048` is in the running-config after it as typed."""
    case = tmp_path / "case.txt"
    case.write_text(NEVER_ENROLLED)
    run(str(case), "--out", str(tmp_path / "out"))
    table = tomllib.loads((tmp_path / "out" / "replay.toml").read_text())
    assert table["verdict"] == "reproduced" and table["replay_first_root"].startswith("PKI016")
    before = (tmp_path / "out" / "before" / "running-config.txt").read_text()
    block = before[before.index("crypto pki trustpoint cme-tls"):].split("!")[0]
    assert "serial-number none" in block and "ip-address none" not in block and "subject-name" not in block
    after = (tmp_path / "out" / "after" / "running-config.txt").read_text()
    assert " rsakeypair cme-tls-2048\n" in after and " ip-address none\n" in after
    assert "crypto key generate rsa general-keys label cme-tls-2048" in table["fix"]["block"][0]["text"]
