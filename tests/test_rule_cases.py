"""Runs every rule case in tests/golden/rules/<ID>.toml (Sigma-style regression
data) and checks that each rule has its cases and its documentation page."""
from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from cmedebug.engine import all_rules
from cmedebug.model import Severity
from cmedebug.pipeline import analyze
from cmedebug.remediation import render_blocks
from cmedebug.rules_doc import page

REPO = Path(__file__).resolve().parents[1]
CASES_DIR = REPO / "tests" / "golden" / "rules"
DOC_SECTIONS = ("What it detects", "Why it matters", "Evidence", "Remediation", "False positives", "References")


def _cases():
    for path in sorted(CASES_DIR.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        for case in data.get("case", []):
            # `xfail = "<why>"`: the case waits for a parser that is not there yet
            marks = [pytest.mark.xfail(reason=case["xfail"], strict=False)] if "xfail" in case else []
            yield pytest.param(path.stem, case, id=f"{path.stem}:{case['name']}", marks=marks)


def _write_inputs(case: dict, folder: Path) -> list[str]:
    paths = []
    for item in case.get("input", []):
        if "file" in item:
            source = REPO / item["file"]
            if not source.exists():
                pytest.fail(f"input file {item['file']} of case {case['name']} does not exist")
            paths.append(str(source))
            continue
        target = folder / item["name"]
        target.write_text(item["text"], encoding="utf-8")
        paths.append(str(target))
    return paths


@pytest.mark.parametrize("rule_id, case", list(_cases()))
def test_rule_case(rule_id, case, tmp_path):
    name = case["name"]
    assert name.startswith(("fail_", "pass_")), f"case names start with fail_ or pass_: {name}"
    result = analyze(_write_inputs(case, tmp_path), year=case.get("year"))
    assert not [(o.rule_id, o.error) for o in result.outcomes if o.status == "error"], "a rule raised"
    fired = {f.rule_id for f in result.findings}
    must_fire = set(case.get("fire", [])) | ({rule_id} if name.startswith("fail_") else set())
    must_not = set(case.get("not_fire", [])) | ({rule_id} if name.startswith("pass_") else set())
    assert must_fire <= fired, f"expected {sorted(must_fire - fired)} to fire; fired: {sorted(fired)}"
    assert not (must_not & fired), f"expected {sorted(must_not & fired)} not to fire"
    if "first_root" in case:
        roots = result.root_causes()
        assert roots, "no root cause found"
        assert roots[0].rule_id == case["first_root"], [f.rule_id for f in roots]
    own = [f for f in result.findings if f.rule_id == rule_id]
    if "explains" in case:  # symptoms the first finding of the rule accounts for (their blocks not printed)
        index = {f.id: f.rule_id for f in result.findings}
        assert own and set(case["explains"]) <= {index[s] for s in own[0].explains}, own[0].explains if own else None
    for text in case.get("message_contains", []):
        assert own and text in own[0].message, f"{text!r} not in {own[0].message if own else None!r}"
    for text in case.get("message_lacks", []):
        assert own and text not in own[0].message, f"{text!r} in {own[0].message!r}"
    if "severity" in case:
        assert own and own[0].severity == Severity.parse(case["severity"])
    _check_fix(case, own)


def _check_fix(case: dict, own: list) -> None:
    """`fix_contains` / `fix_lacks`: lines of the first finding's rendered fix (all
    blocks, stripped), `fix_lacks` by any part of a line, `fix_lacks_line` by the whole line;
    `fix_contains_once`: lines it holds exactly once; `fix_order`: lines that
    appear in that order; `warnings_contain` / `warnings_lack`: text some / no warning printed above
    its blocks holds."""
    if not {"fix_contains", "fix_contains_once", "fix_lacks", "fix_lacks_line", "fix_order", "warnings_contain",
            "warnings_lack"} \
            & set(case):
        return
    assert own, "no finding of the rule to check the fix of"
    blocks = render_blocks(own[0].remediation)
    lines = [line.text.strip() for block in blocks for line in block.lines]
    warnings = [warning for block in blocks for warning in block.warnings]
    for wanted in case.get("warnings_contain", []):
        assert [w for w in warnings if wanted in w], f"{wanted!r} in no warning: {warnings}"
    for unwanted in case.get("warnings_lack", []):
        assert not [w for w in warnings if unwanted in w], f"{unwanted!r} in the warnings: {warnings}"
    for wanted in case.get("fix_contains", []):
        assert wanted in lines, f"{wanted!r} not in the fix:\n" + "\n".join(lines)
    for wanted in case.get("fix_contains_once", []):
        assert lines.count(wanted) == 1, f"{wanted!r} {lines.count(wanted)} times in the fix:\n" + "\n".join(lines)
    for unwanted in case.get("fix_lacks", []):
        assert not [line for line in lines if unwanted in line], f"{unwanted!r} in the fix:\n" + "\n".join(lines)
    for unwanted in case.get("fix_lacks_line", []):
        assert unwanted not in lines, f"{unwanted!r} is a line of the fix:\n" + "\n".join(lines)
    at = 0
    for wanted in case.get("fix_order", []):
        assert wanted in lines[at:], f"{wanted!r} not after line {at} of the fix:\n" + "\n".join(lines)
        at = lines.index(wanted, at) + 1


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.id)
def test_every_rule_has_cases_and_a_page(rule):
    path = CASES_DIR / f"{rule.id}.toml"
    assert path.exists(), f"{rule.id} has no {path.relative_to(REPO)}"
    names = [c["name"] for c in tomllib.loads(path.read_text(encoding="utf-8")).get("case", [])]
    assert any(n.startswith("fail_") for n in names), f"{rule.id} needs a fail_ case"
    assert any(n.startswith("pass_") for n in names), f"{rule.id} needs a pass_ case"
    doc = page(rule)
    missing = [s for s in DOC_SECTIONS if s not in doc]
    assert not missing, f"{rule.id} docstring lacks sections {missing}"
    assert "Verify with" in doc, f"{rule.id} remediation must end with 'Verify with ...'"
    assert rule.name and rule.name == rule.name.lower() and " " not in rule.name


def test_rule_ids_and_module_names_agree():
    for rule in all_rules():
        module = rule.__module__.rsplit(".", 1)[-1]
        assert module.startswith(rule.id.lower() + "_"), f"{rule.id} lives in {module}"
        assert module == f"{rule.id.lower()}_{rule.name.replace('-', '_')}", module


def test_rules_doc_is_current():
    from cmedebug.rules_doc import markdown

    doc = REPO / "docs" / "rules.md"
    assert doc.exists() and doc.read_text(encoding="utf-8") == markdown(), \
        "docs/rules.md is stale: run `cmedebug rules list --format markdown > docs/rules.md`"
