"""The guards of the package layout (docs/architecture.md)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BARE_IMPORT = re.compile(r"^\s*(from|import) (parsers|rules|reports)(\.|\s|$)", re.M)


def test_code_imports_the_installed_names_only():
    offenders = []
    for path in REPO.rglob("*.py"):
        if any(part.startswith(".") or part in ("build", "dist") for part in path.relative_to(REPO).parts):
            continue
        if BARE_IMPORT.search(path.read_text(encoding="utf-8", errors="replace")):
            offenders.append(str(path.relative_to(REPO)))
    assert not offenders, f"import cmedebug.parsers/rules/reports instead: {offenders}"


def test_tests_run_against_the_installed_package():
    import cmedebug.parsers
    import cmedebug.rules

    assert Path(cmedebug.parsers.__file__).parent == REPO / "parsers"
    assert Path(cmedebug.rules.__file__).parent == REPO / "rules"


def test_registry_refuses_a_second_rule_under_an_existing_id():
    from cmedebug.engine import Rule, all_rules, register

    existing = all_rules()[0]
    impostor = type("Impostor", (Rule,), {"id": existing.id, "__module__": "elsewhere"})
    with pytest.raises(RuntimeError, match="two rules claim"):
        register(impostor)


def test_shared_files_are_not_copied_into_the_project():
    import hashlib

    shared = REPO.parent / "shared"
    if not shared.is_dir():
        pytest.skip("../shared is absent")
    sums = {hashlib.sha256(p.read_bytes()).hexdigest()
            for d in ("corpus", "fixtures") for p in (shared / d).iterdir() if p.is_file()}
    copies = [str(p.relative_to(REPO)) for p in REPO.rglob("*") if p.is_file() and ".git" not in p.parts
              and ".venv" not in p.parts and p.stat().st_size < 5_000_000
              and hashlib.sha256(p.read_bytes()).hexdigest() in sums]
    assert not copies, copies


def _requirement_names(text: str) -> dict[str, str]:
    """name -> version from `name>=v` (setup.cfg) or `name==v` (constraints) lines."""
    found = {}
    for line in text.splitlines():
        match = re.match(r"\s*([A-Za-z0-9_.-]+)\s*(?:>=|==)\s*([0-9][^\s#,;]*)", line)
        if match and match.group(1) != "python_requires":
            found[match.group(1).lower()] = match.group(2)
    return found


def test_every_requirement_has_its_minimum_in_the_ci_constraints():
    import configparser

    cfg = configparser.ConfigParser()
    cfg.read(REPO / "setup.cfg")
    declared = _requirement_names(cfg["options"]["install_requires"])
    for extra in cfg["options.extras_require"].values():
        declared.update(_requirement_names(extra))
    pinned = _requirement_names((REPO / ".ci" / "constraints-min.txt").read_text())
    missing = sorted(set(declared) - set(pinned))
    assert not missing, f"add these to .ci/constraints-min.txt at their declared minimum: {missing}"
    from packaging.version import Version

    for name, minimum in declared.items():
        # the pin is the declared minimum, or a patch release of it where that one was yanked
        low, pin = Version(minimum).release, Version(pinned[name]).release
        assert pin[:len(low)] == low, f"{name}: setup.cfg says >={minimum}, constraints pin {pinned[name]}"


def test_setup_cfg_lists_every_package():
    """`packages` is an explicit list (the top-level folders map to cmedebug.*): a
    subpackage missing from it works in an editable install and is absent from a
    wheel (cmedebug.deployment and cmedebug.replay were, and `pip install .` broke)."""
    import configparser

    cfg = configparser.ConfigParser()
    cfg.read(REPO / "setup.cfg")
    listed = {name.strip() for name in cfg["options"]["packages"].split(",")}
    dirs = {"cmedebug": REPO / "cmedebug", "cmedebug.parsers": REPO / "parsers",
            "cmedebug.rules": REPO / "rules", "cmedebug.reports": REPO / "reports"}
    found = set()
    for package, folder in dirs.items():
        for init in folder.rglob("__init__.py"):
            if "__pycache__" not in init.parts:
                found.add(".".join([package, *init.parent.relative_to(folder).parts]))
    assert found == listed
