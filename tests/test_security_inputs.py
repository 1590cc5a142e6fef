"""Hostile case folders, archives and compressed files (issue 11): links out of the
folder, unreadable and deep folders, too many files, bombs, one total input
budget, damaged and meaningless inputs, hostile XML."""
from __future__ import annotations

import gzip
import io
import os
import shutil
import tempfile
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from cmedebug.cli import exit_code
from cmedebug.input_budget import InputBudget
from cmedebug.parsers.phone_config import ConfigError, parse_xml
from cmedebug.pipeline import EXPANDERS, load
from cmedebug.sources import iter_inputs

CERTRET = "*Mar 10 16:44:41.812: %PKI-6-CERTRET: Certificate received from Certificate Authority\n"
EXPIRED = ("*Mar  1 00:03:47.483: %PKI-3-CERTIFICATE_INVALID_EXPIRED: Certificate chain validation has failed. "
           "The certificate (SN: 1A2B) has expired. Validity period ended on 13:09:32 UTC Jun 12 2029\n")


def _by_name(case):
    return {Path(s.path).name: s for s in case.inputs}


# -- folders ----------------------------------------------------------------------------

def test_a_symlink_leaving_the_folder_is_listed_as_skipped_and_never_read(tmp_path):
    outside = tmp_path / "outside-secret.txt"
    outside.write_text("root:$6$Sh4dowHash:19000:0:99999:7:::\n" + CERTRET)
    case_dir = tmp_path / "case"
    case_dir.mkdir()
    (case_dir / "router.log").write_text(EXPIRED)
    (case_dir / "shadow").symlink_to(outside)
    (case_dir / "inside.log").symlink_to(case_dir / "router.log")  # stays in the folder: read
    (case_dir / "etc").symlink_to(tmp_path)  # a folder outside
    (case_dir / "sub").mkdir()
    (case_dir / "sub" / "x.log").write_text(EXPIRED)
    (case_dir / "again").symlink_to(case_dir / "sub")  # a folder inside: walked once, where it is
    case = load([str(case_dir)])
    inputs = _by_name(case)
    assert "outside" in inputs["shadow"].error and "skipped" in inputs["shadow"].error
    assert str(outside) in inputs["shadow"].error
    assert "outside" in inputs["etc"].error
    assert "symbolic link to a folder" in inputs["again"].error
    assert inputs["x.log"].events == 1 and len(case.inputs) == 6
    assert inputs["inside.log"].error is None and inputs["inside.log"].events == 1
    assert not any("Sh4dowHash" in " ".join(e.raw) for e in case.events)
    assert not any("Sh4dowHash" in u.text for u in case.unparsed)
    assert sum(1 for e in case.events if e.kind == "pki.enroll.cert_received") == 0
    assert exit_code(case, "critical") == 2


def test_a_thousand_nested_folders_raise_no_recursion_error(tmp_path):
    deep = tmp_path
    for _ in range(1000):
        deep = deep / "d"
        deep.mkdir()
    (deep / "router.log").write_text(EXPIRED)
    try:
        case = load([str(tmp_path)])
    finally:  # bottom up, without recursion (shutil.rmtree would raise RecursionError here too)
        (deep / "router.log").unlink()
        while deep != tmp_path:
            deep.rmdir()
            deep = deep.parent
    (summary,) = case.inputs
    assert summary.error is None and summary.events == 1 and summary.path.count("/d") == 1000


def test_an_unreadable_subfolder_is_listed_and_exits_2(tmp_path):
    """Root reads every folder whatever its mode; the listing is done with the
    effective uid of `nobody` (as a customer's share mounted for a service user
    would be), which the kernel holds to the folder's mode."""
    top = Path(tempfile.mkdtemp(prefix="cmedebug-perm-"))
    try:
        top.chmod(0o755)
        (top / "a-router.log").write_text(EXPIRED)
        locked = top / "locked"
        locked.mkdir()
        (locked / "b-router.log").write_text(CERTRET)
        locked.chmod(0o000)
        if os.geteuid() == 0:
            os.seteuid(65534)
            try:
                inputs = list(iter_inputs([str(top)], EXPANDERS))
            finally:
                os.seteuid(0)
        else:
            inputs = list(iter_inputs([str(top)], EXPANDERS))
        case = load(inputs=inputs)
        read, unreadable = case.inputs
        assert read.events == 1
        assert unreadable.path == str(locked) and "cannot be listed" in unreadable.error
        assert "Permission denied" in unreadable.error or "permission denied" in unreadable.error
        assert exit_code(case, "critical") == 2
    finally:
        (top / "locked").chmod(0o755)
        shutil.rmtree(top)


def test_a_folder_has_a_file_limit_and_says_what_it_did_not_read(tmp_path):
    for i in range(30):
        (tmp_path / f"r{i:02}.log").write_text(CERTRET)
    case = load([str(tmp_path)], budget=InputBudget(max_files=10))
    read = [s for s in case.inputs if s.error is None]
    assert [Path(s.path).name for s in read] == [f"r{i:02}.log" for i in range(10)]
    (limit,) = [s for s in case.inputs if s.error]
    assert "30 files, more than the limit of 10" in limit.error and "last 20" in limit.error
    assert "--max-files" in limit.error


def test_an_empty_folder_and_a_folder_of_hidden_files_hold_no_evidence(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "hidden").mkdir()
    (tmp_path / "hidden" / ".DS_Store").write_bytes(b"\x00\x01")
    good = tmp_path / "router.log"
    good.write_text(EXPIRED)
    case = load([str(tmp_path / "empty"), str(tmp_path / "hidden"), str(good)])
    assert [s.error for s in case.inputs[:2]] == ["folder holds no files"] * 2
    assert case.inputs[2].events == 1 and exit_code(case, "critical") == 2


# -- compressed inputs and the one budget ---------------------------------------------------

def test_a_truncated_gz_says_where_it_ends_and_how_many_lines_were_read(tmp_path):
    data = gzip.compress((EXPIRED * 3000).encode(), mtime=0)
    cut = tmp_path / "cut.log.gz"
    cut.write_bytes(data[: len(data) // 2])
    (summary,) = load([str(cut)]).inputs
    assert f"truncated at byte {len(data) // 2:,}" in summary.error
    assert f"{summary.lines:,} lines read" in summary.error and 0 < summary.events < 3000


def test_a_gz_bomb_is_cut_with_a_message_in_bounded_time(tmp_path):
    bomb = tmp_path / "events.log.gz"
    with gzip.open(bomb, "wb") as fh:  # 100 MB, gzip ~1000x: cut after 200 x ~100 KB
        fh.write(CERTRET.encode())
        for _ in range(100):
            fh.write((b"x" * 999 + b"\n") * 1000)
    start = time.perf_counter()
    (summary,) = load([str(bomb)]).inputs
    assert time.perf_counter() - start < 30
    assert "expands more than 200 times" in summary.error and "--zip-max-ratio" in summary.error
    assert summary.events == 1 and 1_000 < summary.lines < 100_000  # what was read before the cut is kept


def test_one_total_budget_across_gz_zip_members_nested_gz_and_folders(tmp_path):
    chunk = (CERTRET * 4000).encode()  # ~330 KB each, compresses well below the ratio cap
    folder = tmp_path / "case"
    folder.mkdir()
    (folder / "a-plain.log").write_bytes(chunk)
    (folder / "b.log.gz").write_bytes(gzip.compress(chunk))
    with zipfile.ZipFile(folder / "c.zip", "w", zipfile.ZIP_STORED) as z:
        z.writestr("member.log", chunk)
        z.writestr("nested.log.gz", gzip.compress(chunk))
    budget = InputBudget(max_bytes=len(chunk) * 3 + 1000, max_ratio=10_000)
    case = load([str(folder)], budget=budget)
    names = [Path(s.path).name for s in case.inputs]
    assert names == ["a-plain.log", "b.log.gz", "member.log", "nested.log.gz"]
    full, gz, member, nested = case.inputs
    assert full.error is None and gz.error is None and member.error is None
    assert "passed" in nested.error and "in all" in nested.error and "--zip-max-bytes" in nested.error
    assert budget.used == budget.max_bytes + 1  # one byte past the line is all that was read


def test_zip_max_bytes_is_a_total_over_the_members_not_a_per_member_cap(tmp_path):
    archive = tmp_path / "case.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(3):
            z.writestr(f"r{i}.log", (CERTRET * 4000))
    member_size = len(CERTRET * 4000)
    case = load([str(archive)], budget=InputBudget(max_bytes=member_size * 3 - 1))  # each fits, all do not
    assert len(case.inputs) == 1 and "more than the limit" in case.inputs[0].error
    case = load([str(archive)], budget=InputBudget(max_bytes=member_size * 3))
    assert all(s.error is None for s in case.inputs)


def test_damaged_and_meaningless_inputs_exit_2_with_one_line_while_the_rest_is_analysed(tmp_path):
    bad_gz = tmp_path / "a.log.gz"
    bad_gz.write_bytes(b"\x1f\x8b\x08\x00" + os.urandom(2000))
    bad_zip = tmp_path / "b.zip"
    bad_zip.write_bytes(b"PK\x03\x04" + os.urandom(2000))
    binary = tmp_path / "c-firmware.log"
    binary.write_bytes(bytes(range(256)) * 400)
    prose = tmp_path / "d-notes.txt"
    prose.write_text("Hi team,\nthe phones do not register since Monday.\nRegards\n")
    good = tmp_path / "e-router.log"
    good.write_text(EXPIRED)
    case = load([str(p) for p in (bad_gz, bad_zip, binary, prose, good)])
    errors = {Path(s.path).name: s.error for s in case.inputs}
    assert "damaged data" in errors["a.log.gz"]
    assert "not a readable zip archive" in errors["b.zip"]
    assert errors["c-firmware.log"].startswith("binary data")
    assert errors["d-notes.txt"].startswith("nothing in it was understood")
    assert errors["e-router.log"] is None and case.inputs[-1].events == 1
    assert all("\n" not in e for e in errors.values() if e)
    assert exit_code(case, "critical") == 2


# -- XML ------------------------------------------------------------------------------------

LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
          b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>\n<device>&lol2;</device>')


@pytest.mark.parametrize("xml", [
    LAUGHS,
    b"<device>" + b" " * 100_000 + b"</device>\n" + LAUGHS,  # past the old 64 KB scan: no longer well-formed
    b'<?xml version="1.0"?>' + b"<!-- pad -->" * 10_000 + b'<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b"<device>&x;</device>",
])
def test_xml_with_a_dtd_or_entities_is_refused_wherever_it_stands(xml):
    with pytest.raises(ConfigError):
        parse_xml(xml)


def test_every_xml_parse_goes_through_defusedxml():
    root = Path(__file__).resolve().parents[1]
    offenders = []
    for path in [*root.glob("cmedebug/**/*.py"), *root.glob("parsers/*.py"), *root.glob("rules/*.py"),
                 *root.glob("reports/*.py")]:
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            code = line.split("#")[0]
            if any(word in code for word in ("minidom", "xml.sax.parse", "make_parser", "from xml.sax import",
                                             "xml.dom", "pyexpat", "ET.fromstring",
                                             "ET.parse", "ET.iterparse", "ET.XMLParser", "lxml")):
                offenders.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    assert not offenders, offenders


def test_gz_member_of_a_zip_is_held_to_the_ratio_cap(tmp_path):
    payload = io.BytesIO()
    with gzip.GzipFile(fileobj=payload, mode="wb") as fh:
        fh.write(b"x" * (40 * 1024 * 1024))  # 40 MB of one byte: gzip ~1000x
    archive = tmp_path / "case.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as z:
        z.writestr("inner.log.gz", payload.getvalue())
    (summary,) = load([str(archive)]).inputs
    assert "expands more than 200 times" in summary.error


def test_the_folder_file_limit_is_a_cli_flag(tmp_path):
    from click.testing import CliRunner

    from cmedebug.cli import main

    for i in range(3):
        (tmp_path / f"r{i}.log").write_text(CERTRET)
    result = CliRunner().invoke(main, ["analyze", "--max-files", "2", "-f", "json", str(tmp_path)])
    assert result.exit_code == 2 and "more than the limit of 2" in result.stderr and "--max-files" in result.stderr
    assert result.stderr.count("\n") == 1


def test_a_metered_plain_file_still_gives_progress_its_size_and_position(tmp_path):
    from cmedebug.progress import file_size

    plain = tmp_path / "r.log"
    plain.write_text(CERTRET * 100)
    stream = InputBudget().stream(open(plain, "rb"))
    assert file_size(stream) == plain.stat().st_size
    stream.readline()
    assert stream.tell() == len(CERTRET)
    gz = tmp_path / "r.log.gz"
    gz.write_bytes(gzip.compress(CERTRET.encode() * 100))
    assert file_size(InputBudget().stream(gzip.GzipFile(gz), gz.stat().st_size)) is None


# -- memory per kept event (item 5) ---------------------------------------------------
def _distinct_events(count: int) -> str:
    """``count`` distinct one-line events of two routers: TLS failures and configuration
    changes (read by family parsers) and interface flaps (generic syslogs)."""
    shapes = ("%EPHONE_CRED-2-CTL_TLS_HANDSHAKE_FAILED: Reason: certificate expired, Socket ID: {s}, local address : "
              "10.1.20.11:2445 and  remote address : 10.10.{a}.{b}:{port}",
              "%SYS-5-CONFIG_I: Configured from console by admin{s} on vty0 (10.20.{a}.{b})",
              "%LINK-3-UPDOWN: Interface GigabitEthernet0/{s}, changed state to down")
    return "".join(f"Nov 26 08:{n // 60000 % 60:02d}:{n // 1000 % 60:02d} r{n % 2} {n:06d}: Nov 26 "
                   f"08:{n // 60000 % 60:02d}:{n // 1000 % 60:02d}.{n % 1000:03d}: "
                   + shapes[n % 3].format(s=n % 50, a=n // 250 % 250, b=n % 250, port=1024 + n) + "\n"
                   for n in range(count))


def test_a_kept_event_costs_a_few_hundred_bytes(tmp_path):
    """A million events must stay well under 500 MB: every one-line event, family-parsed or
    generic, is stored compactly (its line and fields compressed, no SourceRef or dict)."""
    log = tmp_path / "events.log"
    log.write_text(_distinct_events(30_000))
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        case = load([str(log)])
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(case.events) == 30_000 and len({e.kind for e in case.events}) == 3
    assert held / len(case.events) < 350, f"{held / len(case.events):.0f} bytes an event"
