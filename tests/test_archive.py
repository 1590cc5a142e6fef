"""Case archives: a .zip is read member by member, in memory; what a hostile zip
can hide is refused with a message naming the member, and the rest is read."""
from __future__ import annotations

import gzip
import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from cmedebug.cli import main
from cmedebug.input_budget import InputBudget
from cmedebug.pipeline import load

# real shapes (messages.md §1.3, §1.7)
ROUTER_LOG = (
    "*Mar  1 00:00:01.064: %PKI-3-CERTIFICATE_INVALID_NOT_YET_VALID: Certificate chain validation has failed. "
    "The certificate (SN: 2) is not yet valid   Validity period starts on 09:00:00 UTC Mar 2 2026\n"
    "*Mar  1 00:00:01.068: %SKINNYSECURESERVICE-3-TLS_HANDSHAKE_FAILED:  Reason: certificate verify failed, "
    "SocketID: 0, local address : 10.1.1.1:2443 and  remote address : 10.1.1.21:49152\n"
)
CERTRET = b"Mar 10 16:44:41.812: %PKI-6-CERTRET: Certificate received from Certificate Authority\n"


def make_zip(path: Path, members: dict, compression=zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in members.items():
            if isinstance(name, zipfile.ZipInfo):
                name.compress_type = compression
            zf.writestr(name, data)
    return path


def by_member(case, zip_path: Path) -> dict:
    prefix = f"{zip_path}/"
    assert all(s.path.startswith(prefix) or s.path == str(zip_path) for s in case.inputs)
    return {s.path[len(prefix):]: s for s in case.inputs}


def tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def test_members_are_read_as_inputs(tmp_path):
    zp = make_zip(tmp_path / "case.zip", {"router.log": ROUTER_LOG, "b/second.log": CERTRET})
    case = load([str(zp)])
    members = by_member(case, zp)
    assert set(members) == {"router.log", "b/second.log"}
    assert members["router.log"].error is None and members["router.log"].events == 2
    assert {e.kind for e in case.events} >= {"pki.cert.invalid_not_yet_valid", "pki.enroll.cert_received"}
    rejected = next(e for e in case.events if e.kind == "pki.cert.invalid_not_yet_valid")
    assert (rejected.source.path, rejected.source.first_line) == (f"{zp}/router.log", 1)


def test_stored_members_and_zip_inside_a_folder(tmp_path):
    folder = tmp_path / "case"
    folder.mkdir()
    make_zip(folder / "logs.zip", {"router.log": ROUTER_LOG}, zipfile.ZIP_STORED)
    (folder / "plain.log").write_bytes(CERTRET)
    case = load([str(folder)])
    assert sorted(s.events for s in case.inputs) == [1, 2]


@pytest.mark.parametrize("name", ["../evil.log", "a/../../evil.log", "/etc/evil.log", "C:\\evil.log", "..\\evil.log"])
def test_path_traversal_names_are_refused_and_nothing_is_written(tmp_path, name):
    zp = make_zip(tmp_path / "case.zip", {name: "x\n", "router.log": ROUTER_LOG})
    before = tree(tmp_path.parent)
    case = load([str(zp)])
    members = by_member(case, zp)
    assert "outside the archive" in members[name].error and "refused" in members[name].error
    assert members["router.log"].events == 2  # the rest is read
    assert tree(tmp_path.parent) == before


def test_symbolic_link_member_is_refused(tmp_path):
    link = zipfile.ZipInfo("passwd")
    link.external_attr = 0o120777 << 16  # S_IFLNK
    zp = make_zip(tmp_path / "case.zip", {link: "/etc/passwd", "router.log": ROUTER_LOG})
    members = by_member(load([str(zp)]), zp)
    assert "symbolic link" in members["passwd"].error
    assert members["router.log"].events == 2


def test_nested_archives_are_refused_by_name_and_by_content(tmp_path):
    inner = make_zip(tmp_path / "inner.zip", {"router.log": ROUTER_LOG}).read_bytes()
    zp = make_zip(tmp_path / "case.zip", {"inner.zip": inner, "renamed.log": inner, "router.log": ROUTER_LOG})
    members = by_member(load([str(zp)]), zp)
    assert "nested archive" in members["inner.zip"].error
    assert "nested zip archive" in members["renamed.log"].error
    assert members["router.log"].events == 2


def test_a_member_that_expands_too_much_is_refused_as_a_bomb(tmp_path):
    zp = make_zip(tmp_path / "case.zip", {"bomb.log": b"A" * 5_000_000, "router.log": ROUTER_LOG})
    members = by_member(load([str(zp)]), zp)
    assert "decompression bomb" in members["bomb.log"].error and "--zip-max-ratio" in members["bomb.log"].error
    assert members["router.log"].events == 2


def test_an_archive_that_expands_past_the_byte_limit_is_refused_whole(tmp_path):
    zp = make_zip(tmp_path / "case.zip", {"a.log": ROUTER_LOG, "b.log": ROUTER_LOG * 4})
    case = load([str(zp)], budget=InputBudget(max_bytes=1000))
    assert len(case.inputs) == 1 and "--zip-max-bytes" in case.inputs[0].error
    assert case.inputs[0].path == str(zp)


def test_too_many_members_refuse_the_archive(tmp_path):
    zp = make_zip(tmp_path / "case.zip", {f"{n}.log": CERTRET for n in range(4)})
    case = load([str(zp)], budget=InputBudget(max_members=3))
    assert len(case.inputs) == 1 and "4 members" in case.inputs[0].error and "--zip-max-members" in case.inputs[0].error


def test_gzip_member_is_read_and_a_gzip_bomb_is_cut(tmp_path):
    zp = make_zip(tmp_path / "case.zip", {"rotated.log.gz": gzip.compress(CERTRET * 3),
                                          "bomb.log.gz": gzip.compress(CERTRET * 20_000)}, zipfile.ZIP_STORED)
    members = by_member(load([str(zp)], budget=InputBudget(max_ratio=50)), zp)
    assert members["rotated.log.gz"].events == 3 and members["rotated.log.gz"].error is None
    bomb = members["bomb.log.gz"]
    assert "read stopped early" in bomb.error and "decompression bomb" in bomb.error
    assert 0 < bomb.events < 20_000  # what was read before the cut is kept


def test_encrypted_member_is_refused(tmp_path):
    zp = make_zip(tmp_path / "case.zip", {"secret.log": "x\n", "router.log": ROUTER_LOG}, zipfile.ZIP_STORED)
    data = bytearray(zp.read_bytes())  # zipfile cannot encrypt: set the 'encrypted' flag of secret.log by hand
    for signature, flag_offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.index(signature)
        while b"secret.log" not in data[at:at + 80]:
            at = data.index(signature, at + 4)
        data[at + flag_offset] |= 0x1
    zp.write_bytes(bytes(data))
    members = by_member(load([str(zp)]), zp)
    assert "encrypted" in members["secret.log"].error


def test_hidden_members_are_skipped_like_hidden_files_in_folders(tmp_path):
    zp = make_zip(tmp_path / "case.zip", {"__MACOSX/._router.log": b"\x00\x05\x16\x07", ".DS_Store": b"x",
                                          "router.log": ROUTER_LOG})
    assert set(by_member(load([str(zp)]), zp)) == {"router.log"}


def test_damaged_archive_and_damaged_member_are_reported(tmp_path):
    whole = make_zip(tmp_path / "case.zip", {"router.log": ROUTER_LOG, "second.log": CERTRET * 50}).read_bytes()
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(whole[: len(whole) // 2])
    case = load([str(truncated)])
    assert len(case.inputs) == 1 and "not a readable zip archive" in case.inputs[0].error

    # corrupt the deflate data of the second member: its CRC check fails, the first is still read
    with zipfile.ZipFile(tmp_path / "case.zip") as zf:
        info = zf.getinfo("second.log")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + 5
    damaged = bytearray(whole)
    damaged[start:start + 20] = bytes(20)
    (tmp_path / "damaged.zip").write_bytes(bytes(damaged))
    members = by_member(load([str(tmp_path / "damaged.zip")]), tmp_path / "damaged.zip")
    assert members["router.log"].events == 2
    assert "damaged data" in members["second.log"].error


def test_empty_zip_is_reported(tmp_path):
    zp = make_zip(tmp_path / "empty.zip", {})
    case = load([str(zp)])
    assert case.inputs[0].error == "zip archive holds no files"


def test_cli_limit_options_refuse_and_raise(tmp_path):
    zp = make_zip(tmp_path / "case.zip", {"router.log": ROUTER_LOG, "bomb.log": b"A" * 3_000_000})
    runner = CliRunner()
    refused = runner.invoke(main, ["analyze", "--format", "json", "--zip-max-members", "1", str(zp)])
    assert refused.exit_code == 2 and "--zip-max-members" in refused.output
    raised = runner.invoke(main, ["analyze", "--format", "json", "--zip-max-ratio", "5000", str(zp)])
    data = json.loads(raised.stdout)
    assert data["inputs"][0]["path"].endswith("case.zip/bomb.log")
    assert data["inputs"][0]["error"].startswith("nothing in it was understood")  # read, not refused
    assert data["inputs"][1]["error"] is None
    assert any("cut to that length" in w for w in data["inputs"][0]["warnings"])  # one 3 MB line
