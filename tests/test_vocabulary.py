"""Typed schemas of event and fact kinds (cmedebug/vocabulary.py, vocabulary_table.py).

Every event and fact the parsers produce on the golden cases, the corpus, the
reference-CME samples and the trust-list fixtures conforms to its kind's
schema, every message shape of a parser has a schema, and docs/vocabulary.md is
the page the schemas generate.
"""
from __future__ import annotations

import importlib
import pkgutil
from datetime import datetime, timezone
from pathlib import Path

import pytest

import cmedebug.parsers
from cmedebug import vocabulary
from cmedebug.parsers.grammar import Shape
from cmedebug.pipeline import load

REPO = Path(__file__).resolve().parent.parent
GOLDEN = REPO / "tests" / "golden" / "parsers"
SAMPLES = REPO / "sample_logs"
# Shapes whose kind is never an event: refined into others, or recognised and dropped.
NOT_EMITTED = {
    "debug": "refined into debug.enabled / debug.disabled (parsers/debug_switches.py)",
    "ephone.call.state": "call-progress chatter: recognised, not kept (parsers/ephone.py)",
    "ephone.debug": "call-progress chatter: recognised, not kept (parsers/ephone.py)",
    "ephone.dn.debug": "call-progress chatter: recognised, not kept (parsers/ephone.py)",
}


def _departures(paths: list[Path]) -> list[str]:
    problems = []
    for path in paths:
        case = load([str(path)], year=2025)
        for item in [*case.events, *case.facts]:
            problems += [f"{path.name}:{item.source.first_line}: {p}" for p in vocabulary.check(item.kind, item.fields)]
    return problems


def test_golden_cases_conform_to_their_schemas():
    cases = sorted(p for p in GOLDEN.glob("*/*") if p.is_file() and not p.name.endswith(".expected.json"))
    assert len(cases) > 30
    assert not _departures(cases)


def test_corpus_conforms_to_its_schemas(corpus_dir: Path):
    samples = sorted(p for p in corpus_dir.iterdir() if p.is_file())
    assert samples
    assert not _departures(samples)


def test_reference_samples_and_fixtures_conform_to_their_schemas(fixtures_dir: Path):
    """Each sample folder as one case, so that the cross-check facts are made too."""
    folders = sorted(d for d in SAMPLES.iterdir() if d.is_dir())
    assert folders
    assert not _departures([*folders, *sorted(fixtures_dir.glob("*.tlv"))])


def test_every_message_shape_has_a_schema():
    shapes = []
    for info in pkgutil.iter_modules(cmedebug.parsers.__path__):
        module = importlib.import_module(f"cmedebug.parsers.{info.name}")
        for value in vars(module).values():
            if isinstance(value, tuple):
                shapes += [s for s in value if isinstance(s, Shape)]
    assert len(shapes) > 100
    missing = sorted({s.kind for s in shapes if vocabulary.schema_of(s.kind) is None} - set(NOT_EMITTED))
    assert not missing, f"message shapes without a schema in cmedebug/vocabulary_table.py: {missing}"


def test_the_page_is_generated_from_the_schemas():
    page = (REPO / "docs" / "vocabulary.md").read_text(encoding="utf-8")
    assert page == vocabulary.markdown(), "regenerate: python -m cmedebug.vocabulary > docs/vocabulary.md"


def test_the_page_shows_each_kind_with_its_typed_fields():
    page = vocabulary.markdown()
    row = next(line for line in page.splitlines() if line.startswith("| `clock.show` |"))
    assert row.endswith("| `time` datetime, `flag` str, `zone` str, `time_source` str |")


def test_a_conforming_item_has_no_departure():
    when = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)
    assert vocabulary.check("clock.show", {"time": when, "flag": "*", "zone": "UTC", "time_source": None}) == []
    assert vocabulary.check("pki.cert.invalid_expired", {"serial": "0B", "not_after": when, "mnemonic": "X",
                                                         "severity": 3}) == []


@pytest.mark.parametrize("kind, fields, expected", [
    ("clock.shown", {}, "clock.shown: no schema"),
    ("clock.show", {"tmie": None}, "clock.show.tmie: not in the schema"),
    ("clock.show", {"time": "10:00:00 UTC Mar 1 2026"}, "clock.show.time: '10:00:00 UTC Mar 1 2026' is not datetime"),
    ("clock.show", {"time": datetime(2026, 3, 1)}, "is not datetime"),  # naive: the zone was lost
    ("capf.ssl.read", {"bytes": True}, "capf.ssl.read.bytes: True is not int"),
    ("capf.ssl.read", {"bytes": "35"}, "is not int"),
    ("tls.openssl.ciphersuites", {"ciphersuites": ["A", 2]}, "is not list[str]"),
    ("ctl.file", {"signer_version": (1,)}, "is not tuple[int, int]"),
])
def test_a_departure_is_named(kind, fields, expected):
    problems = vocabulary.check(kind, fields)
    assert len(problems) == 1 and expected in problems[0]


def test_generic_syslog_kinds_share_one_family_schema():
    fields = {"facility": "LINK", "mnemonic": "UPDOWN", "severity": 3, "text": "Interface up"}
    assert vocabulary.check("syslog.link.updown", fields) == []
    assert vocabulary.check("syslog.link.updown", {**fields, "peer": "x"}) == ["syslog.link.updown.peer: not in the schema"]
