"""Routing looks for a headless block start (show output pasted without its prompt) with
one regex joined from every parser's ``block_start`` before it tries them one by one: it
must match a line exactly when one of them does."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from cmedebug.ingest import _Router
from cmedebug.parsers.base import line_parsers

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / ".." / "shared" / "corpus"


def _lines() -> list[str]:
    paths = sorted((ROOT / "sample_logs").rglob("*.log"))
    if CORPUS.is_dir():
        paths += sorted(CORPUS.glob("*.log"))
    lines = [line.strip() for path in paths for line in path.read_text(encoding="utf-8", errors="replace").splitlines()]
    # every start with something after it and cut short: `$` and prefixes tell them apart
    starts = ["Building configuration...", "version 15.1", "!", "CTL Client Information", "Trustpoint cme_root:",
              "Certificate Server cme_root:", "Clock is synchronized, stratum 3, reference is 10.1.1.1",
              "CA Certificate", "Router Certificate", "-----BEGIN CERTIFICATE-----", "ephone-1[0] Mac:000E.325C.9A00",
              "Cisco IOS Software, C2900 Software (C2900-UNIVERSALK9-M), Version 15.1(4)M4, RELEASE SOFTWARE (fc1)",
              "*10:01:02.003 UTC Mon Nov 26 2025"]
    return lines + starts + [s + " and more" for s in starts] + [s[:-2] for s in starts if len(s) > 2]


def test_the_joined_block_start_matches_where_one_of_them_does():
    router = _Router([cls() for cls in line_parsers()])
    assert len(router.headless) > 20
    lines = _lines()
    found = [line for line in lines if any(p.block_start.match(line) for p in router.headless)]
    assert [line for line in lines if router.any_block_start(line) is not None] == found
    assert len(found) > 30 and len(found) < len(lines) // 4  # (starts are found, and most lines are none)


def test_another_outputs_start_is_found_where_one_of_its_patterns_matches():
    """``starts_other_output`` (where a show output whose lines have no fixed shape ends)
    asks one joined regex of the other parsers' block starts."""
    from cmedebug.parsers.show_block import starts_other_output

    lines = _lines()
    for parser in (cls() for cls in line_parsers() if cls.name in ("show-ephone", "show-pki-server")):
        others = [cls.block_start for cls in line_parsers()
                  if cls.block_start is not None and not isinstance(parser, cls)]
        found = [line for line in lines if any(p.match(line) for p in others)]
        assert [line for line in lines if starts_other_output(line, parser)] == found
        assert len(found) > 20


def test_a_block_start_with_flags_of_its_own_is_still_tried(monkeypatch):
    """A pattern compiled with its own flags cannot be joined to the others: every line
    is then tried against each pattern, as before."""
    parser = next(cls for cls in line_parsers() if cls.name == "show-ctl-client")
    monkeypatch.setattr(parser, "block_start", re.compile(r"ctl client information$", re.I))
    router = _Router([cls() for cls in line_parsers()])
    assert router.any_block_start("CTL CLIENT INFORMATION") is not None
    starts = [p for p in router.headless if p.block_start.match("CTL CLIENT INFORMATION")]
    assert [p.name for p in starts] == ["show-ctl-client"]


def test_captures_without_their_prompts_read_the_same(tmp_path, monkeypatch):
    """Every sample and corpus capture with its prompt lines taken out (its show output
    pasted bare): the same events, facts and unparsed lines with the joined look as
    with every pattern tried on every line."""
    import dataclasses

    from cmedebug.ingest import read_input
    from cmedebug.model import Case
    from cmedebug.sources import Input

    lines = [line for line in _lines() if not re.match(r"[A-Za-z][\w.\-]*(?:\([\w\-]+\))?#", line)]
    path = tmp_path / "bare.log"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def read() -> Case:
        case = Case()
        read_input(Input(str(path), lambda: open(path, "rb")), case)
        return case

    joined = read()
    monkeypatch.setattr(_Router, "__init__", _every_pattern_tried(_Router.__init__))
    each = read()
    assert dataclasses.asdict(joined.inputs[0]) == dataclasses.asdict(each.inputs[0])
    assert [(f.kind, f.source, f.fields) for f in joined.facts] == [(f.kind, f.source, f.fields) for f in each.facts]
    assert [(e.kind, e.source, e.raw) for e in joined.events] == [(e.kind, e.source, e.raw) for e in each.events]
    assert joined.unparsed == each.unparsed
    assert len(joined.facts) > 20  # (blocks were read)


def _every_pattern_tried(init):
    def tried(self, parsers):
        init(self, parsers)
        self.any_block_start = lambda text: True
    return tried
