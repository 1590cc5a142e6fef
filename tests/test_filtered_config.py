"""Filtered configurations (issue #14 class 2): in `show running-config | include`
or `| section` output, an explicit `no ...` line is positive evidence; only an
absent line proves nothing.

Shapes: `show crypto pki server` from ../shared/corpus/15 (the CA on this router);
`no ip http server` (secure-cme-primer.md F10: "has `no ip http server`") as IOS
prints it under `show running-config | include http`; the console answer
`% Error in receiving Certificate Authority certificate: status = FAIL, cert length = 0`
(messages.md)."""
from __future__ import annotations

from cmedebug.pipeline import analyze

FAILED = "% Error in receiving Certificate Authority certificate: status = FAIL, cert length = 0\n"


def _case(corpus_dir, tmp_path, filtered: str):
    text = (corpus_dir / "15_ios-ca-server-enable-and-show.log").read_text()
    path = tmp_path / "router.txt"
    path.write_text(text + "\nRouter# show running-config | include http\n" + filtered
                    + "Router# crypto pki authenticate srstcaserver\n" + FAILED)
    return analyze([str(path)])


def test_explicit_no_in_filtered_output_is_evidence(corpus_dir, tmp_path):
    case = _case(corpus_dir, tmp_path, "no ip http server\n")
    (glob,) = [f for f in case.facts if f.kind == "config.global"]
    assert glob.fields["partial"] and glob.fields["http_server"] is False and glob.fields["explicit"] == ["http_server"]
    assert any(f.rule_id == "PKI004" for f in case.findings), [f.rule_id for f in case.findings]


def test_absence_in_filtered_output_proves_nothing(corpus_dir, tmp_path):
    case = _case(corpus_dir, tmp_path, "ip http secure-server\n")
    assert not any(f.rule_id == "PKI004" for f in case.findings)
