"""The JSON outputs of analyze and triage validate against docs/report.schema.json."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cmedebug.cli import main
from cmedebug.reports.json_report import SCHEMA

jsonschema = pytest.importorskip("jsonschema")

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_FILE = ROOT / "docs" / "report.schema.json"
CASES = [ROOT / "sample_logs" / "clock-never-set", ROOT / "tests" / "data" / "reports" / "clock-skew",
         ROOT / "tests" / "data" / "reports" / "xss"]


@pytest.fixture(scope="module")
def validator():
    schema = json.loads(SCHEMA_FILE.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def _run(*args, codes=(0, 1)) -> dict:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code in codes, result.output
    return json.loads(result.stdout)


def test_schema_names_the_version_the_report_writes():
    assert json.loads(SCHEMA_FILE.read_text())["properties"]["schema"]["const"] == SCHEMA


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_analyze_json_validates(validator, case):
    doc = _run("analyze", "--format", "json", str(case))
    validator.validate(doc)
    assert doc["findings"], "the case should produce findings, or the schema checked nothing"


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_triage_json_validates_with_its_case_note(validator, case):
    doc = _run("triage", "--format", "json", str(case))
    validator.validate(doc)
    assert doc["case_note"]["root_causes"] == doc["root_causes"]


def test_ctl_input_and_unreadable_input_validate(validator, fixtures_dir, tmp_path):
    doc = _run("analyze", "--format", "json", str(fixtures_dir / "cucm10_tokenless_CTLFile.tlv"),
               str(tmp_path / "missing.log"), codes=(2,))  # an input that could not be read
    validator.validate(doc)
    assert [i["error"] is not None for i in doc["inputs"]] == [False, True]


_NOTE = {"problem": "p", "environment": [], "devices": [], "action_plan": [{"text": "t", "commands": []}],
         "not_evaluated": [], "root_causes": []}


def test_schema_accepts_fields_added_later(validator):
    """Within a version fields are only added: a consumer of version 1 reads a
    report that carries more than the schema lists."""
    doc = _run("analyze", "--format", "json", str(CASES[0]))
    doc["a_later_field"] = {"anything": 1}
    doc["findings"][0]["a_later_field"] = 1
    validator.validate(doc)
    validator.validate({**doc, "case_note": _NOTE})


def test_schema_rejects_what_it_should(validator):
    doc = _run("analyze", "--format", "json", str(CASES[0]))
    broken = [
        ("severity", lambda d: d["findings"][0].update(severity="severe")),
        ("finding id", lambda d: d["findings"][0].update(id="clk001")),
        ("missing field", lambda d: d["findings"][0].pop("remediation")),
        ("unknown status", lambda d: d["rules"][0].update(status="skipped")),
        ("case note without a plan", lambda d: d.update(case_note={**_NOTE, "action_plan": []})),
        ("wrong version", lambda d: d.update(schema="cmedebug.report/0")),
        ("coverage > 1", lambda d: d["inputs"][0].update(coverage=1.5)),
    ]
    for what, damage in broken:
        bad = copy.deepcopy(doc)
        damage(bad)
        assert not validator.is_valid(bad), f"schema accepted a document with a bad {what}"
