"""`cmedebug reproduce --out DIR` never destroys user files (issue 11, item 8): it
keeps a manifest of what the reference CME wrote, only ever removes that, and
refuses a folder holding anything else."""
from __future__ import annotations

from click.testing import CliRunner

from cmedebug.cli import main
from cmedebug.refcme.out_folder import MANIFEST

SCENARIO = "healthy"


def _reproduce(out):
    return CliRunner().invoke(main, ["reproduce", SCENARIO, "--out", str(out)])


def _snapshot(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_a_folder_with_a_scenario_toml_and_user_files_is_refused_untouched(tmp_path):
    out = tmp_path / "case"
    out.mkdir()
    (out / "scenario.toml").write_text("name = \"mine\"\n")
    (out / "customer-notes.txt").write_text("the only copy\n")
    (out / "evidence").mkdir()
    (out / "evidence" / "router.log").write_text("customer capture\n")
    before = _snapshot(out)
    result = _reproduce(out)
    assert result.exit_code == 2 and "refusing" in result.output and "customer-notes.txt" in result.output
    assert _snapshot(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["case"]  # no staging folder left behind


def test_only_what_the_manifest_lists_is_replaced_and_a_user_file_stops_the_next_run(tmp_path):
    out = tmp_path / "case"
    assert _reproduce(out).exit_code == 0
    listed = (out / MANIFEST).read_text().split()
    assert "scenario.toml" in listed and "router.log" in listed
    assert sorted(listed) == sorted(p.name for p in out.iterdir() if p.name != MANIFEST)
    assert _reproduce(out).exit_code == 0  # a rerun replaces its own files
    (out / "my-analysis.md").write_text("notes\n")
    before = _snapshot(out)
    result = _reproduce(out)
    assert result.exit_code == 2 and "my-analysis.md" in result.output
    assert _snapshot(out) == before


def test_a_link_in_place_of_a_written_file_is_refused_and_its_target_kept(tmp_path):
    out = tmp_path / "case"
    assert _reproduce(out).exit_code == 0
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me\n")
    (out / "router.log").unlink()
    (out / "router.log").symlink_to(precious)
    result = _reproduce(out)
    assert result.exit_code == 2 and "router.log" in result.output
    assert precious.read_text() == "keep me\n" and (out / "router.log").is_symlink()


def test_a_manifest_naming_paths_outside_the_folder_removes_nothing_outside(tmp_path):
    out = tmp_path / "case"
    assert _reproduce(out).exit_code == 0
    victim = tmp_path / "victim.txt"
    victim.write_text("outside\n")
    with open(out / MANIFEST, "a") as fh:
        fh.write("../victim.txt\n/etc/hostname\n")
    assert _reproduce(out).exit_code == 0
    assert victim.read_text() == "outside\n"
