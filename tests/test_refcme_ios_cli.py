"""The reference CME's CLI enforces IOS modes, prompts and dialogs (ios-commands.md)."""
from __future__ import annotations

import pytest

from cmedebug.refcme.ios_cli import INVALID, CliSession
from cmedebug.refcme.ios_modes import COMMANDS, PROMPTS
from cmedebug.refcme.runner import build, make_world


@pytest.fixture
def world():
    w = make_world(0)
    build(w)
    yield w
    w.router.stop_services()


def test_global_command_in_exec_is_rejected_with_the_caret_under_the_first_bad_word(world):
    cli = CliSession(world)
    out = cli.type_text("crypto pki enroll cme-sccp")
    assert out[0] == "CME#crypto pki enroll cme-sccp"
    assert out[1].index("^") == out[0].index("enroll")  # `crypto pki` exists in EXEC, `enroll` does not
    assert out[2] == INVALID
    assert [o.result for o in cli.outcomes] == ["invalid"]


def test_exec_command_in_config_mode_is_rejected_unless_prefixed_with_do(world):
    cli = CliSession(world)
    out = cli.type_text("configure terminal\nclock set 10:00:00 2 Mar 2026\ndo show clock")
    assert out[2] == "CME(config)#clock set 10:00:00 2 Mar 2026"
    assert out[3].index("^") == out[2].index("set")
    assert out[4] == INVALID
    assert out[6] == "CME(config)#do show clock" and out[7].startswith("09:00")
    assert cli.mode == "config"


def test_sub_mode_prompts_are_printed_as_ios_prints_them(world):
    cli = CliSession(world)
    out = cli.type_text("configure terminal\ncrypto pki trustpoint cme-sccp\nexit\ncrypto pki server cme-root\n"
                        "exit\nctl-client\nexit\ncapf-server\nexit\ntelephony-service\nexit\nephone 1\nend\n")
    prompts = [line.split("#")[0] for line in out if "#" in line]
    assert prompts == ["CME", "CME(config)", "CME(ca-trustpoint)", "CME(config)", "CME(cs-server)", "CME(config)",
                       "CME(config-ctl-client)", "CME(config)", "CME(config-capf-server)", "CME(config)",
                       "CME(config-telephony)", "CME(config)", "CME(config-ephone)"]
    assert cli.mode == "exec" and not cli.errors


def test_a_sub_mode_command_outside_its_sub_mode_is_invalid(world):
    cli = CliSession(world)
    out = cli.type_text("configure terminal\nregenerate\ntelephony-service\nregenerate")
    assert out.count(INVALID) == 2
    assert world.router.ctl_regenerated is True and len(cli.errors) == 2


def test_a_global_command_typed_in_a_sub_mode_leaves_the_sub_mode_as_on_ios(world):
    cli = CliSession(world)
    cli.type_text("configure terminal\ntelephony-service\nctl-client\nregenerate")
    assert cli.mode == "config-ctl-client" and not cli.errors


def test_authenticate_asks_to_accept_the_certificate_and_takes_the_next_line(world):
    tp = world.router.trustpoints["cme-sccp"]
    tp.ca_cert = None
    cli = CliSession(world)
    out = cli.type_text("configure terminal\ncrypto pki authenticate cme-sccp\nno\n")
    assert "% Do you accept this certificate? [yes/no]: no" in out and tp.ca_cert is None
    out = cli.type_text("crypto pki authenticate cme-sccp\nyes\n")
    assert out[1] == "Certificate has the following attributes:"
    assert "Trustpoint CA certificate accepted." in out and tp.ca_cert is world.ca.cert


def test_a_missing_answer_eats_the_next_command_as_ios_would(world):
    world.router.trustpoints["cme-sccp"].ca_cert = None
    cli = CliSession(world)
    out = cli.type_text("configure terminal\ncrypto pki authenticate cme-sccp\nctl-client\n")
    assert "% Do you accept this certificate? [yes/no]: ctl-client" in out
    assert "% Please answer 'yes' or 'no'." in out
    assert cli.mode == "config"  # ctl-client was an answer, not a command


def test_enroll_asks_the_challenge_password_twice_without_echo_then_confirms(world):
    tp = world.router.trustpoints["cme-sccp"]
    before = tp.cert.serial_number
    cli = CliSession(world)
    out = cli.type_text("configure terminal\ncrypto pki enroll cme-sccp\nsecret-pw\nsecret-pw\nyes\n")
    assert "Password:" in out and "Re-enter password:" in out
    assert not any("secret-pw" in line for line in out)
    assert "Request certificate from CA? [yes/no]: yes" in out
    assert tp.cert.serial_number > before


def test_enroll_without_serial_number_none_and_ip_address_none_asks_both_questions(world):
    """D4 (ios-commands.md): a trustpoint without `serial-number none` asks whether to include the
    serial number, one without `ip-address none` whether to include an IP address; typing them
    again under the trustpoint silences both, and the running-config shows what was typed."""
    tp = world.router.trustpoints["cme-sccp"]
    before = tp.cert.serial_number
    cli = CliSession(world)
    out = cli.type_text("configure terminal\ncrypto pki trustpoint cme-sccp\nno serial-number\nno ip-address\nexit\n"
                        "crypto pki enroll cme-sccp\npw\npw\nno\nno\nyes\n")
    assert "% Include the router serial number in the subject name? [yes/no]: no" in out
    assert "% Include an IP address in the subject name? [no]: no" in out
    assert "Request certificate from CA? [yes/no]: yes" in out and tp.cert.serial_number > before
    assert "serial-number none" not in "\n".join(tp.config_lines())
    out = cli.type_text("crypto pki trustpoint cme-sccp\nserial-number none\nip-address none\nrsakeypair cme-sccp-2048\n"
                        "exit\ncrypto pki enroll cme-sccp\npw\npw\nyes\n")
    assert not any("Include" in line for line in out)
    assert [line for line in tp.config_lines() if "serial" in line or "ip-address" in line or "rsakeypair" in line] \
        == [" serial-number none", " ip-address none", " rsakeypair cme-sccp-2048"]


def test_enroll_before_authenticate_is_refused(world):
    world.router.trustpoints["cme-sccp"].ca_cert = None
    out = CliSession(world).type_text("configure terminal\ncrypto pki enroll cme-sccp\n")
    assert "% You must authenticate the Certificate Authority before you can enroll with it." in out


def test_first_no_shutdown_of_a_certificate_server_asks_a_passphrase(world):
    cli = CliSession(world)
    out = cli.type_text("configure terminal\ncrypto pki server lab-ca\nno shutdown\nphrase1\nphrase1\nend")
    assert out.index("Password:") < out.index("Re-enter password:") < out.index("% Certificate Server enabled.")
    assert world.router.ca.name == "lab-ca" and world.router.ca.enabled
    again = cli.type_text("configure terminal\ncrypto pki server lab-ca\nshutdown\nno shutdown\n")
    assert "Password:" not in again and "% Certificate Server enabled." in again


def test_an_unfilled_placeholder_is_rejected_where_it_stands(world):
    cli = CliSession(world)
    out = cli.type_text("configure terminal\ncrypto pki trustpoint <trustpoint>\n")
    assert out[3].index("^") == out[2].index("<trustpoint>") and out[4] == INVALID
    assert "<trustpoint>" not in world.router.trustpoints


def test_incomplete_command(world):
    out = CliSession(world).type_text("configure terminal\ncrypto pki trustpoint")
    assert "% Incomplete command." in out


def test_every_table_mode_has_a_prompt():
    assert {m for c in COMMANDS for m in c.modes} | {c.enters for c in COMMANDS if c.enters} <= set(PROMPTS)


def _example(command) -> str:
    """A command line for a row of the CLI's table: first choice of each `{a|b}`, `10` for a value."""
    words = []
    for token in command.words:
        if token.endswith("*}"):
            continue
        key, _, choices = token.strip("{}").partition("|")
        words.append(token if not token.startswith("{") else (choices.split("|")[0] if choices else "10"))
    return " ".join(words)


def test_the_cli_rows_agree_with_the_command_table_on_modes_and_sub_modes():
    from cmedebug import ios_commands

    checked = 0
    for command in COMMANDS:
        found = [e for e in ios_commands.table().matches(_example(command)) if set(e.modes) & set(command.modes)]
        if not found:
            continue  # the table does not know this form: the CLI's own row decides (see ios_cli.table_verdict)
        checked += 1
        assert set(command.modes) <= {m for e in found for m in e.modes}, command.pattern
        assert (command.enters or "") in {e.enters for e in found}, command.pattern
    assert checked >= 60


def test_authenticate_with_enrollment_terminal_reads_the_pasted_certificate(world):
    from cryptography.hazmat.primitives import serialization

    from cmedebug.refcme.runner import mic_root

    root, _ = mic_root(0)
    pem = root.public_bytes(serialization.Encoding.PEM).decode()
    cli = CliSession(world)
    out = cli.type_text("configure terminal\ncrypto pki trustpoint CAP-RTP-002\n enrollment terminal\n"
                        f" revocation-check none\n exit\ncrypto pki authenticate CAP-RTP-002\n{pem}quit\nyes\nend\n")
    assert "Enter the base 64 encoded CA certificate." in out
    assert "Trustpoint CA certificate accepted." in out and not cli.errors
    assert world.router.trustpoints["CAP-RTP-002"].ca_cert == root
    bad = cli.type_text("configure terminal\ncrypto pki authenticate CAP-RTP-002\nnot base64 at all\n\n")
    assert "% Error in receiving Certificate Authority certificate: status = FAIL, cert length = 0" in bad


def test_a_table_question_answered_no_cancels_the_command(world):
    cli = CliSession(world)
    out = cli.type_text("configure terminal\nno crypto pki trustpoint cme-sccp\nno\n")
    assert any(line.endswith("[yes/no]: no") for line in out)
    assert "cme-sccp" in world.router.trustpoints
    cli.type_text("no crypto pki trustpoint cme-sccp\nyes\n")
    assert "cme-sccp" not in world.router.trustpoints


def test_a_certificate_server_built_again_takes_its_issuer_name_and_numbers_on(world):
    ca = world.router.ca
    old_cert, issued = ca.cert, ca.last_serial
    cli = CliSession(world)
    cli.type_text(f"configure terminal\nno crypto pki server {ca.name}\ncrypto pki server {ca.name}\n"
                  f"issuer-name CN={ca.name}-new\nno shutdown\nphrase1\nphrase1\nend")
    assert not cli.errors and world.router.ca is ca and ca.enabled
    assert ca.cert.subject.rfc4514_string() == f"CN={ca.name}-new" != old_cert.subject.rfc4514_string()
    assert ca.cert.serial_number == issued + 1  # the database's counter, not 1 again
    cli.type_text(f"configure terminal\ncrypto pki server {ca.name}\nissuer-name CN=other\nend")
    assert ca.issuer_name == f"CN={ca.name}-new"  # fixed once the CA certificate exists


def test_the_ca_database_move_types_cleanly_with_its_files_copied_first(world):
    """PKI020's fix as a report renders it: the server shut, its serial and CRL files copied
    (each copy confirms its destination), then the new URL and the restart."""
    from cmedebug.model import Case, Fact, SourceRef
    from cmedebug.remediation import render_blocks
    from cmedebug.remediation_context import fit
    from cmedebug.rules.pki020_ca_database_not_persistent import CaDatabaseNotPersistent

    ca = world.ca
    case = Case()
    case.facts.append(Fact("pki.server", SourceRef("shows.txt", 1, 7), fields={
        "name": ca.name, "status": "enabled", "database_url": "nvram", "database_level": "Complete"}))
    (finding,) = CaDatabaseNotPersistent().evaluate(case)
    (block,) = render_blocks(fit(CaDatabaseNotPersistent.remediation, finding.data, case))
    cli = CliSession(world)
    out = cli.type_text(block.text)
    assert not cli.errors, out
    copies = [line for line in out if "#copy " in line]
    assert [line.split("#", 1)[1] for line in copies] == [
        f"copy nvram:{ca.name}.ser flash:{ca.name}/{ca.name}.ser",
        f"copy nvram:{ca.name}.crl flash:{ca.name}/{ca.name}.crl"]
    assert f"Destination filename [{ca.name}/{ca.name}.ser]?" in out
    assert ca.database_url == f"flash:{ca.name}/" and ca.enabled and cli.mode == "exec"


def test_copying_from_a_lost_database_fails_as_the_warning_says_and_the_move_still_starts_the_server(world):
    """PKI006's fix for a database on a TFTP server that is gone: each copy confirms its
    destination, then fails with IOS's file-system error (what the block's warning says);
    the server, pointed at flash, starts."""
    ca = world.ca
    ca.database_url, ca.database_lost, ca.enabled = "tftp://10.1.1.50/cme-root/", True, False
    cli = CliSession(world)
    out = cli.type_text(f"mkdir flash:{ca.name}\n\ncopy tftp://10.1.1.50/cme-root/{ca.name}.ser "
                        f"flash:{ca.name}/{ca.name}.ser\n\ncopy nvram:other.txt flash:other.txt\n\n"
                        f"configure terminal\ncrypto pki server {ca.name}\ndatabase url flash:{ca.name}/\n"
                        "no shutdown\nend\n")
    assert f"%Error opening tftp://10.1.1.50/cme-root/{ca.name}.ser (Timed out)" in out
    assert "Copied nvram:other.txt to flash:other.txt" in out  # a file elsewhere copies
    assert not any(line.startswith("Copied tftp:") for line in out)
    assert ca.enabled and ca.database_url == f"flash:{ca.name}/" and cli.mode == "exec"


def test_key_generation_says_the_size_and_whether_the_keys_are_exportable(world):
    """D9 with `modulus`: `% The key modulus size is 2048 bits` then `% Generating 2048 bit RSA
    keys, keys will be non-exportable...` (TN200614); `exportable` is said as asked (inferred
    wording): a transcript claiming non-exportable keys for an `exportable` command misleads
    whoever reads it before a key backup."""
    out = CliSession(world).type_text("configure terminal\n"
                                      "crypto key generate rsa general-keys label k1 exportable modulus 2048\n"
                                      "crypto key generate rsa general-keys label k2 modulus 1024\nend")
    assert out[out.index("% The key modulus size is 2048 bits") + 1] == \
        "% Generating 2048 bit RSA keys, keys will be exportable..."
    assert out[out.index("% The key modulus size is 1024 bits") + 1] == \
        "% Generating 1024 bit RSA keys, keys will be non-exportable..."


def test_a_pending_request_can_be_rejected_or_removed_and_ids_are_never_reused(world):
    """`crypto pki server <CA> reject <id>` denies a waiting request, `remove <id>` takes it out
    of the enrollment database (IOSCS123); the next request gets a new id."""
    ca = world.ca
    ca.grant_auto = False
    tp = world.router.trustpoints["cme-sccp"]
    first, second = (ca.receive(tp.cert.subject, tp.cert.public_key(), f"FP{n}") for n in (1, 2))
    assert (first.state, second.state) == ("pending", "pending")
    out = CliSession(world).type_text(f"crypto pki server {ca.name} reject {first.id}\n"
                                      f"crypto pki server {ca.name} remove {second.id}\n")
    assert not [line for line in out if "Invalid" in line or "not running" in line]
    assert first.state == "denied" and second not in ca.requests
    assert ca.receive(tp.cert.subject, tp.cert.public_key(), "FP3").id == second.id + 1


def test_secure_signaling_applied_before_its_trustpoint_had_a_certificate_opens_2443_only_when_applied_again(world):
    """Primer F34 (the re-apply inferred): secure-signaling names a trustpoint that holds no certificate;
    enrolling it leaves TLS on 2443 closed until the setting is applied again."""
    router = world.router
    tp = router.trustpoints["cme-sccp"]
    tp.cert = None
    router.start_services()
    assert router.sccp.secure is None
    cli = CliSession(world)
    cli.type_text("configure terminal\ncrypto pki enroll cme-sccp\npw\npw\nyes\nend\n")
    router.start_services()
    assert tp.cert is not None and router.sccp.secure is None
    cli.type_text("configure terminal\ntelephony-service\nno secure-signaling trustpoint cme-sccp\n"
                  "secure-signaling trustpoint cme-sccp\nend\n")
    router.start_services()
    assert router.sccp.secure is not None
