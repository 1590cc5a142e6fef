"""Console transcripts are evidence (issue #14 class 7): each `% ` error answer is
attached to the command typed at the prompt before it, and `ping` to the CA with
`Success rate is 0 percent` is reachability evidence.

Shapes: prompts and typed configuration of ../shared/corpus/18 (`Router(config)#`,
`Router(ca-trustpoint)#`); `crypto key generate rsa ... label ... modulus ...` and
`ip domain name` as ios-commands.md gives them; IOS's answers `% Please define a
domain-name first.`, `% Invalid input detected at '^' marker.` and the `ping`
summary `Success rate is 0 percent (0/5)` as issue #14 quotes them; the console
answer `% Error in receiving Certificate Authority certificate: status = FAIL,
cert length = 0` from messages.md."""
from __future__ import annotations

from cmedebug.pipeline import analyze, load

TRANSCRIPT = """Router(config)# crypto pki trustpoint cme_cert
Router(ca-trustpoint)# enrollment url http://192.168.20.1:80
Router(ca-trustpoint)# revocation-check none
Router(ca-trustpoint)# exit
Router(config)# crypto key generate rsa general-keys label cme_cert modulus 2048
% Please define a domain-name first.
Router(config)# end
Router# crypto pki export cme_cert pem terminal
% Invalid input detected at '^' marker.
Router# ping 192.168.20.1
Type escape sequence to abort.
Sending 5, 100-byte ICMP Echos to 192.168.20.1, timeout is 2 seconds:
Success rate is 0 percent (0/5)
"""


def _write(tmp_path, text):
    path = tmp_path / "console.txt"
    path.write_text(text)
    return str(path)


def test_each_error_answer_carries_its_command(tmp_path):
    case = load([_write(tmp_path, TRANSCRIPT)])
    by_kind = {e.kind: e for e in case.events}
    keygen = by_kind["crypto.key.generate_failed"]
    assert keygen.fields["command"] == "crypto key generate rsa general-keys label cme_cert modulus 2048"
    assert keygen.fields["label"] == "cme_cert" and keygen.source.first_line == 6
    error = by_kind["console.error"]
    assert error.fields["command"] == "crypto pki export cme_cert pem terminal"
    assert error.fields["text"] == "Invalid input detected at '^' marker."
    ping = by_kind["net.ping.failed"]
    assert (ping.fields["target"], ping.fields["success_rate"], ping.fields["sent"]) == ("192.168.20.1", 0, 5)


def test_the_diagnoses_use_the_answers(tmp_path):
    case = analyze([_write(tmp_path, TRANSCRIPT)])
    fired = {f.rule_id: f for f in case.findings}
    assert "cme_cert" in fired["PKI022"].message  # the key the trustpoint needs was never made
    assert "Success rate is 0 percent" in fired["PKI007"].message  # the CA does not answer
    unexplained = [f for f in case.findings if f.rule_id == "GEN001"]
    assert [f.data["kind"] for f in unexplained] == ["console.error"]  # the export typo, said as it is


def test_ping_failure_joins_the_scep_failure(tmp_path):
    text = TRANSCRIPT + ("Router# crypto pki authenticate cme_cert\n"
                         "% Error in receiving Certificate Authority certificate: status = FAIL, cert length = 0\n")
    case = analyze([_write(tmp_path, text)])
    (pki007,) = [f for f in case.findings if f.rule_id == "PKI007"]
    assert "no CA certificate came back" in pki007.message and "Success rate is 0 percent" in pki007.message
    assert any("Success rate" in line for e in pki007.evidence for line in e.lines)


def test_an_answer_without_a_prompt_stays_unparsed(tmp_path):
    case = load([_write(tmp_path, "% Invalid input detected at '^' marker.\n")])
    assert not case.events and case.unparsed
