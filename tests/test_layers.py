"""The layers of docs/architecture.md ("Layers"), enforced by import-linter with the
contracts in `.importlinter`.

`parsers/`, `rules/` and `reports/` are mapped into the `cmedebug` package by
setup.cfg (`package_dir`), but import-linter finds a package's modules by walking
its folder; so the test lays the package out as Python imports it, in a temporary
folder of symbolic links, and runs `lint-imports` there.
"""
from __future__ import annotations

import ast
import configparser
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CONFIG = REPO / ".importlinter"
MAPPED = ("parsers", "rules", "reports")  # setup.cfg: cmedebug.<name> = <name>/


def lint_imports(package_root: Path) -> subprocess.CompletedProcess:
    """`lint-imports` on the contracts, with ``cmedebug`` imported from ``package_root``."""
    executable = shutil.which("lint-imports", path=os.path.dirname(sys.executable)) or shutil.which("lint-imports")
    if executable is None:
        pytest.skip("import-linter is not installed (pip install -e '.[test]')")
    env = {**os.environ, "PYTHONPATH": str(package_root)}
    return subprocess.run([executable, "--config", str(CONFIG), "--no-cache"], cwd=package_root, env=env,
                          capture_output=True, text=True, timeout=300)


def linked_package(root: Path) -> Path:
    """``root/cmedebug`` holding links to every module of cmedebug/ and to the mapped folders."""
    package = root / "cmedebug"
    package.mkdir()
    for entry in (REPO / "cmedebug").iterdir():
        if entry.name != "__pycache__":
            (package / entry.name).symlink_to(entry)
    for name in MAPPED:
        (package / name).symlink_to(REPO / name)
    return root


def test_the_mapping_is_what_setup_cfg_declares():
    text = (REPO / "setup.cfg").read_text(encoding="utf-8")
    for name in MAPPED:
        assert f"cmedebug.{name} = {name}" in text


def test_every_layer_contract_holds(tmp_path):
    result = lint_imports(linked_package(tmp_path))
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_a_crossing_is_caught(tmp_path):
    """A parser that imports a rule breaks the parsers contract (the test could fail)."""
    root = linked_package(tmp_path)
    parsers = root / "cmedebug" / "parsers"
    parsers.unlink()
    shutil.copytree(REPO / "parsers", parsers, ignore=shutil.ignore_patterns("__pycache__"))
    (parsers / "zz_crossing.py").write_text("from cmedebug.rules import _certs  # a parser judging\n",
                                            encoding="utf-8")
    result = lint_imports(root)
    assert result.returncode != 0
    assert "cmedebug.parsers.zz_crossing -> cmedebug.rules" in result.stdout


def _module_globals_set(path: Path) -> list[str]:
    """``module.name = value`` statements in ``path`` where ``module`` is an imported module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules = {alias.asname or alias.name.split(".")[0] for node in ast.walk(tree)
               if isinstance(node, (ast.Import, ast.ImportFrom)) for alias in node.names
               if isinstance(node, ast.Import) or node.module == "cmedebug"}
    targets = [t for node in ast.walk(tree) if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign))
               for t in (node.targets if isinstance(node, ast.Assign) else [node.target])]
    return [f"{path.name}:{t.lineno}: {ast.unparse(t)}" for t in targets
            if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id in modules]


def test_the_cli_sets_no_module_globals():
    """Limits and budgets are passed down as arguments, never set on a module."""
    found = [line for path in sorted((REPO / "cmedebug").glob("cli*.py")) for line in _module_globals_set(path)]
    assert not found, found


def test_a_module_global_set_by_the_cli_would_be_caught(tmp_path):
    script = tmp_path / "cli.py"
    script.write_text("from cmedebug import archive\n\ndef run():\n    archive.limits = None\n", encoding="utf-8")
    assert _module_globals_set(script) == ["cli.py:4: archive.limits"]


MODEL_LAYER = {"model", "compact", "line_store", "timeline", "vocabulary", "vocabulary_table"}


def test_the_parsers_contract_names_every_module_outside_the_model_layer():
    """A module added to the package is forbidden to parsers until it is declared part of the model layer."""
    config = configparser.ConfigParser()
    config.read(CONFIG, encoding="utf-8")
    forbidden = {m.strip() for m in config["importlinter:contract:parsers"]["forbidden_modules"].split() if m.strip()}
    modules = {p.stem for p in (REPO / "cmedebug").glob("*.py") if not p.stem.startswith("__")}
    modules |= {p.parent.name for p in (REPO / "cmedebug").glob("*/__init__.py")}
    expected = {f"cmedebug.{m}" for m in (modules | {"rules", "reports"}) - MODEL_LAYER - {"parsers"}}
    assert not expected - forbidden, f"add to the parsers contract of .importlinter: {sorted(expected - forbidden)}"
