"""Golden tests of the text parsers, found by folder convention.

* ``tests/golden/parsers/<parser>/<case>.<log|txt>`` beside ``<case>.expected.json``:
  the events, facts and unparsed lines of the case through the normal pipeline.
  Cases named ``noise*`` hold lines that look alike but must NOT become that
  parser's events.
* Every file of ``../shared/corpus`` (read from there, never copied): its events
  in ``tests/golden/corpus/<name>.expected.json``. Those snapshots leave out
  ``raw`` and ``text`` so that no corpus content enters the project, and facts
  and coverage, which the show-command parsers change (coverage has its own
  test, test_corpus_coverage.py).

``pytest --update-golden`` rewrites the expected files; review the diff. Limit it
to your own cases with ``-k`` (e.g. ``-k "capf/ or corpus"``) so that the
snapshots of other parsers stay theirs to review.
Stamps without a year are read as 2025 so that snapshots do not age.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from cmedebug.parsers.base import line_parsers
from cmedebug.parsers.framing import frame
from cmedebug.pipeline import load

GOLDEN = Path(__file__).parent / "golden" / "parsers"
CORPUS_GOLDEN = Path(__file__).parent / "golden" / "corpus"
YEAR = 2025
EXPECTED = ".expected.json"
# The event families each parser emits (docs/vocabulary.md), to check noise cases.
_SYSLOG_EPHONE = ("ephone.registered", "ephone.unregistered", "ephone.reg_alarm")
PARSER_KINDS = {
    "pki": ("pki.",),
    "security-syslog": ("tls.handshake.failed", "crypto.", "ssl.", "skinny_secure.", "ephone_cred.", "httpc.",
                        *_SYSLOG_EPHONE, "ipphone.", "sys."),
    "capf": ("capf.",),
    "ctl-client": ("ctl_client.",),
    "credentials": ("tls.",),
    "tls": ("tls.",),
    "tls-syslog": ("tls.handshake.failed", "tls.session.closed"),
    "ephone": ("ephone.",),
    "tftp": ("tftp.",),
    "debug-toggle": ("debug.",),
    "phone-status": ("phone.status.",),
    "phone-console": ("phone.",),
}
# what, inside those families, another parser emits
NOT_OWN = {
    "credentials": lambda e: e.kind == "tls.handshake.failed" or e.fields.get("service") != "credentials",
    "tls": lambda e: e.kind == "tls.handshake.failed" or e.fields.get("service") != "skinny-secure",
    "tls-syslog": lambda e: e.fields.get("service") not in ("dtls", "capwap", "ssl"),
    "ephone": lambda e: e.kind in _SYSLOG_EPHONE,
    "phone-console": lambda e: e.kind.startswith("phone.status."),
}


def owned_by(parser: str, event) -> bool:
    return event.kind.startswith(PARSER_KINDS[parser]) and not NOT_OWN.get(parser, lambda e: False)(event)


def _cases() -> list[Path]:
    return sorted(p for p in GOLDEN.glob("*/*") if p.is_file() and not p.name.endswith(EXPECTED))


def _expected_path(case: Path, folder: Path | None = None) -> Path:
    return (folder or case.parent) / (case.name.rsplit(".", 1)[0] + EXPECTED)


UNSTABLE_FIELDS = ("checked_at",)  # cert_analysis: the time the analysis ran


def _portable(item: dict, keep_content: bool) -> dict:
    item["source"]["path"] = Path(item["source"]["path"]).name
    for name in UNSTABLE_FIELDS:
        item["fields"].pop(name, None)
    if not keep_content:
        item.pop("raw", None)
        item["fields"].pop("text", None)
    return item


def snapshot(path: Path, keep_content: bool = True) -> dict:
    case = load([str(path)], year=YEAR)
    summary = case.inputs[0]
    out = {"events": [_portable(e.to_dict(), keep_content) for e in case.events]}
    if keep_content:
        out["coverage"] = {"nonblank_lines": summary.nonblank_lines, "understood_lines": summary.understood_lines}
        out["facts"] = [_portable(f.to_dict(), True) for f in case.facts]
        out["unparsed"] = [{"line": u.source.first_line, "text": u.text} for u in case.unparsed]
    return out


def _compare(actual: dict, expected_file: Path, update: bool) -> None:
    text = json.dumps(actual, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    if update:
        expected_file.parent.mkdir(parents=True, exist_ok=True)
        expected_file.write_text(text, encoding="utf-8")
        return
    assert expected_file.exists(), f"{expected_file} is missing; run pytest --update-golden and review it"
    assert actual == json.loads(expected_file.read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", _cases(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_parser_golden(case: Path, update_golden: bool):
    _compare(snapshot(case), _expected_path(case), update_golden)


@pytest.mark.parametrize("case", [c for c in _cases() if c.name.startswith("noise")],
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_noise_does_not_become_the_parsers_events(case: Path):
    with case.open(encoding="utf-8") as lines:
        joined = [r.first_line for r in frame(line.rstrip("\n") for line in lines) if r.last_line != r.first_line]
    assert not joined, f"{case.name}: lines {joined} continue the line before; separate them with a blank line"
    parser = case.parent.name
    own = [e.kind for e in load([str(case)], year=YEAR).events if owned_by(parser, e)]
    assert own == [], f"{case.name}: lines that are not {parser}'s became {own}"


@pytest.mark.parametrize("parser", sorted(PARSER_KINDS))
def test_every_parser_has_a_real_and_a_noise_case(parser: str):
    names = [c.name for c in _cases() if c.parent.name == parser]
    assert any(not n.startswith("noise") for n in names), f"{parser}: no real-shaped golden case"
    assert any(n.startswith("noise") for n in names), f"{parser}: no noise golden case"


def test_golden_folders_name_real_parsers():
    registered = {cls.name for cls in line_parsers()}
    folders = {p.name for p in GOLDEN.iterdir() if p.is_dir()}
    assert folders <= registered, f"golden folders without a parser: {folders - registered}"
    assert set(PARSER_KINDS) <= registered


def test_corpus_golden(corpus_dir: Path, update_golden: bool):
    samples = sorted(corpus_dir.glob("*.log"))
    assert samples
    failures = []
    for sample in samples:
        expected = _expected_path(sample, CORPUS_GOLDEN)
        actual = snapshot(sample, keep_content=False)
        if update_golden:
            _compare(actual, expected, True)
        elif not expected.exists() or json.loads(expected.read_text(encoding="utf-8")) != actual:
            failures.append(sample.name)
    assert not failures, f"corpus snapshots differ (pytest --update-golden, then review): {failures}"


def test_every_event_kind_seen_is_in_the_vocabulary(corpus_dir: Path):
    doc = (Path(__file__).resolve().parents[1] / "docs" / "vocabulary.md").read_text(encoding="utf-8")
    events_section = doc.split("## Events", 1)[1].split("\n## ", 1)[0]
    paths = [*_cases(), *sorted(corpus_dir.glob("*.log"))]
    kinds = {e.kind for path in paths for e in load([str(path)], year=YEAR).events}
    undocumented = sorted(k for k in kinds if not k.startswith("syslog.") and f"`{k}`" not in events_section)
    assert not undocumented, f"event kinds missing from docs/vocabulary.md (Events): {undocumented}"
