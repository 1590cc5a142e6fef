"""Evidence seen twice counts once (issue #14 class 11): a file given twice, a log
pasted twice, before/after captures that repeat an output.

Inputs: real captures of ../shared/corpus (11: TLS handshake failures of several
services; 16: MIC/CAPF roots imported) and the reference CME's `ca-unreachable`
scenario (sample_logs)."""
from __future__ import annotations

import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest

from cmedebug.pipeline import analyze

REPO = Path(__file__).resolve().parents[1]


def _summary(case):
    return sorted((f.rule_id, f.severity, f.message) for f in case.findings)


def test_a_file_given_twice_gives_the_same_findings_citing_both(corpus_dir, tmp_path):
    original = corpus_dir / "11_tls-version-mismatch-handshake-failed-syslogs.log"
    copy = tmp_path / "again.log"
    shutil.copy(original, copy)
    once = analyze([str(original)])
    twice = analyze([str(original), str(copy)])
    assert once.findings and _summary(twice) == _summary(once)
    for f in twice.findings:
        assert {e.source.path for e in f.evidence} == {str(original), str(copy)}, f.rule_id


def test_a_log_pasted_twice_in_one_file(corpus_dir, tmp_path):
    text = (corpus_dir / "11_tls-version-mismatch-handshake-failed-syslogs.log").read_text()
    doubled = tmp_path / "doubled.log"
    doubled.write_text(text + "\n" + text)
    once = analyze([str(corpus_dir / "11_tls-version-mismatch-handshake-failed-syslogs.log")])
    twice = analyze([str(doubled)])
    assert _summary(twice) == _summary(once)
    assert all(len({e.source.first_line for e in f.evidence}) >= 2 for f in twice.findings)


def test_before_and_after_folders_repeating_a_scenario(tmp_path):
    scenario = REPO / "sample_logs" / "ca-unreachable"
    shutil.copytree(scenario, tmp_path / "before")
    shutil.copytree(scenario, tmp_path / "after")
    once = analyze([str(scenario)])
    twice = analyze([str(tmp_path)])
    assert len(twice.findings) == len(once.findings)
    assert {f.rule_id for f in twice.findings} == {f.rule_id for f in once.findings}


@pytest.mark.parametrize("colliding", [False, True])
def test_a_big_case_sorts_the_hashes_first_and_keeps_the_same_items(monkeypatch, colliding):
    """From HASH_FILTER_FROM items only those whose key's hash is shared are looked at
    with their keys (issue 11 item 5: a dict of a million keys was the peak of memory);
    the result is the plain one, hash collisions included."""
    from cmedebug import duplicates
    from cmedebug.line_store import LineStore
    from cmedebug.model import Case, Event, LineEvent, SourceRef

    def event(path, line, text, stamped=True):
        return Event(kind="syslog.link.updown", source=SourceRef(path, line, line), device="r1", raw=(text,),
                     ts=datetime(2026, 1, 1, tzinfo=timezone.utc) if stamped else None)

    a, b = event("x.log", 1, "%LINK-3-UPDOWN: Gi0/1 down"), event("x.log", 2, "%LINK-3-UPDOWN: Gi0/2 down")
    a_again, b_again = event("y.log", 1, a.raw[0]), event("y.log", 2, b.raw[0])
    unstamped = [event("x.log", 3, "TLS Handshake retcode", False), event("x.log", 4, "TLS Handshake retcode", False)]
    no_raw = Event(kind="k", source=SourceRef("x.log", 5, 5))

    def stored(path, line, text):  # a one-line event as ingest keeps it (the filter reads its line's CRC)
        ev = LineEvent("tls.handshake.failed", stores.setdefault(path, LineStore(path)), text, line, "", "r1",
                       {"reason": "certificate expired"})
        ev.freeze()
        ev.ts = datetime(2026, 1, 1, tzinfo=timezone.utc)
        return ev

    stores: dict = {}
    s1, s2 = stored("x.log", 7, "%EPHONE_CRED-2-CTL_TLS_HANDSHAKE_FAILED: one"), stored("x.log", 8, "... two")
    s1_again = stored("y.log", 7, s1.line)
    items = [a, b, a_again, no_raw, b_again, *unstamped, Event(kind="k", source=SourceRef("x.log", 6, 6)),
             s1, s2, s1_again]

    def collapsed():
        case = Case(events=list(items))
        return duplicates.collapse(case), case.events, case.copies

    plain = collapsed()
    assert plain[0] == 3 and plain[1] == [a, b, no_raw, *unstamped, items[-4], s1, s2]
    assert plain[2] == {("x.log", 1): [a_again.source], ("x.log", 2): [b_again.source], ("x.log", 7): [s1_again.source]}
    monkeypatch.setattr(duplicates, "HASH_FILTER_FROM", 0)
    if colliding:
        monkeypatch.setattr(duplicates, "hash", lambda key: 7, raising=False)  # every key shares one hash
    assert collapsed() == plain
