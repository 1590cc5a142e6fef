"""Property-based tests of the line framing and every line parser: arbitrary
text and mutated real lines never raise, every line is accounted for, and long
lines of repeated separators take linear time (no catastrophic backtracking).

Real lines come from the project's golden cases and sample_logs/, and from
../shared/corpus/ when it is present. Examples are derandomised so that CI is
stable; `fuzz/` explores further without those bounds.
"""
from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cmedebug.ingest import NOTHING_UNDERSTOOD, read_input
from cmedebug.model import Case, Event, Fact
from cmedebug.parsers.base import Context, line_parsers
from cmedebug.parsers.framing import frame
from cmedebug.sources import MAX_LINE_CHARS, Input

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
TEXT_SUFFIXES = {".log", ".txt"}


def _real_lines() -> list[str]:
    roots = [REPO / "tests" / "golden", REPO / "sample_logs", CORPUS]
    lines: dict[str, None] = {}
    for root in roots:
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if path.suffix in TEXT_SUFFIXES and path.is_file():
                for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
                    if line.strip() and not line.startswith("## "):
                        lines[line] = None
    return list(lines)


REAL_LINES = _real_lines()
PARSERS = line_parsers()
FAST = settings(max_examples=300, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def test_there_are_real_lines_to_mutate():
    assert len(REAL_LINES) > 500


# A printable-ish alphabet weighted towards what IOS prefixes and messages are made of.
_SEPARATORS = ":%*.-_ =,()[]<>#/|\t"
_chars = st.one_of(st.sampled_from(_SEPARATORS), st.sampled_from("0123456789"), st.sampled_from("JanMrSEPCNUT"),
                   st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"))


def _mutate(draw, text: str) -> str:
    line = list(text)
    for _ in range(draw(st.integers(0, 4))):
        pos = draw(st.integers(0, len(line)))
        action = draw(st.sampled_from(("insert", "delete", "replace", "repeat")))
        if action == "insert" or not line:
            line.insert(pos, draw(_chars))
        elif action == "delete":
            del line[min(pos, len(line) - 1)]
        elif action == "replace":
            line[min(pos, len(line) - 1)] = draw(_chars)
        else:  # repeat a character many times (the backtracking trap)
            line[pos:pos] = [draw(_chars)] * draw(st.integers(10, 300))
    return "".join(line)


@st.composite
def mutated_real_line(draw) -> str:
    return _mutate(draw, draw(st.sampled_from(REAL_LINES)))


REAL_FILES = [p for p in sorted((REPO / "sample_logs").glob("*/*"))
              if p.suffix in TEXT_SUFFIXES and p.read_text().strip()]


@st.composite
def mutated_real_file(draw) -> list[str]:
    """A whole capture the reference CME wrote, a few of its lines damaged: rules see coherent flows."""
    lines = draw(st.sampled_from(REAL_FILES)).read_text(encoding="utf-8").splitlines()
    for _ in range(draw(st.integers(1, 5))):
        index = draw(st.integers(0, len(lines) - 1))
        lines[index] = _mutate(draw, lines[index])
    return lines


any_line = st.one_of(mutated_real_line(), st.sampled_from(REAL_LINES), st.text(_chars, max_size=200),
                     st.just(""), st.just("   "))
log_lines = st.lists(any_line, max_size=40)


@FAST
@given(log_lines)
def test_framing_accounts_for_every_line_once_in_order(lines):
    covered = []
    for rec in frame(lines):
        assert rec.first_line <= rec.last_line
        assert rec.text == rec.text.strip()
        if rec.stamp is not None:
            assert 1 <= rec.stamp.month <= 12
        if rec.lines:  # a prompt whose output was glued to it leaves its line to that output's record
            covered.extend(range(rec.first_line, rec.last_line + 1))
    assert covered == list(range(1, len(lines) + 1))


def _check_items(items, lines_total: int) -> None:
    assert items is None or isinstance(items, list)
    for item in items or ():
        assert isinstance(item, (Event, Fact))
        assert 0 <= item.source.first_line <= item.source.last_line <= lines_total


@pytest.mark.parametrize("parser_cls", PARSERS, ids=lambda c: c.name)
@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(lines=log_lines, as_block=st.booleans())
def test_every_line_parser_takes_any_record_without_raising(parser_cls, lines, as_block):
    """Stricter than routing: the parser sees every record, owning the block or not."""
    parser, ctx = parser_cls(), Context(path="fuzz.log")
    if as_block:
        ctx.block_owner, ctx.command = parser, "show fuzz"
    for rec in frame(lines):
        _check_items(parser.parse(rec, ctx), len(lines))
    _check_items(parser.end_block(ctx), len(lines))


@FAST
@given(log_lines)
def test_ingest_accounts_for_every_line_and_no_parser_fails(lines):
    data = "\n".join(lines).encode("utf-8", "surrogatepass")
    case = Case()
    summary = read_input(Input("fuzz.log", lambda: io.BytesIO(data)), case)
    assert summary.error is None or summary.error.startswith(NOTHING_UNDERSTOOD)  # noise may be all there is
    assert not [w for w in summary.warnings if "parser failed" in w]
    physical = len(io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", errors="replace", newline=None).readlines())
    assert summary.lines == physical
    assert summary.understood_lines + summary.unparsed_lines == summary.nonblank_lines <= summary.lines
    assert summary.events == len(case.events) and summary.facts == len(case.facts)
    for item in [*case.events, *case.facts]:
        assert 1 <= item.source.first_line <= item.source.last_line <= summary.lines


# --- linear time on long lines ------------------------------------------------
SEPARATORS = [": ", ":", " ", "%", "-", ".", ",", "=", "[", "(", "0", "a", "A", "*", "/", "|", "\t", "SEP",
              "0x", "= ", ", ", "ip address = ", "10.1.1.", "CN=", "SN: ", "DN ", "ephone-1", "Trustpoint "]
STAMP = "*Mar  1 00:03:47.483: "


def _hostile_lines(parser_cls) -> list[str]:
    """Lines of MAX_LINE_CHARS made of one separator, with the parser's keywords
    in front (so its own patterns run) or behind."""
    heads = [*parser_cls.keywords, *(k + " " for k in parser_cls.keywords[:3])] or ["", "Status: ", "Name: "]
    lines = []
    for sep in SEPARATORS:
        body = sep * (MAX_LINE_CHARS // len(sep))
        for head in heads:
            lines.append((STAMP + head + body)[:MAX_LINE_CHARS])
            lines.append((head + body)[:MAX_LINE_CHARS])
        lines.append((body + (heads[0] if heads else ""))[-MAX_LINE_CHARS:])
    return lines


@pytest.mark.slow
@pytest.mark.parametrize("parser_cls", PARSERS, ids=lambda c: c.name)
def test_long_lines_of_separators_take_linear_time(parser_cls):
    """A quadratic regex spends seconds on one 16 KiB line; linear ones need milliseconds."""
    slowest = (0.0, "")
    for line in _hostile_lines(parser_cls):
        for as_block in (False, True):
            parser, ctx = parser_cls(), Context(path="long.log")
            if as_block:
                ctx.block_owner = parser
            start = time.perf_counter()
            for rec in frame([line, line[: len(line) // 2]]):
                parser.parse(rec, ctx)
            parser.end_block(ctx)
            elapsed = time.perf_counter() - start
            slowest = max(slowest, (elapsed, line[:40]))
    assert slowest[0] < 0.5, f"{parser_cls.name} took {slowest[0]:.2f} s on a line starting {slowest[1]!r}"


def test_framing_takes_linear_time_on_long_lines():
    lines = [sep * (MAX_LINE_CHARS // len(sep)) for sep in SEPARATORS]
    lines += [STAMP + line for line in lines] + ["<1" + "1" * MAX_LINE_CHARS, "Aug  7 04:37:54 " + "h" * MAX_LINE_CHARS]
    start = time.perf_counter()
    records = list(frame(lines))
    assert time.perf_counter() - start < 0.5
    assert records[-1].last_line == len(lines)


@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.one_of(mutated_real_file(), st.lists(mutated_real_line(), min_size=1, max_size=60)))
def test_whole_analysis_of_mutated_real_captures_never_raises(tmp_path_factory, lines):
    """Clock model, cross-checks, rules and both reports on whatever the parsers made of them."""
    from cmedebug.pipeline import analyze
    from cmedebug.reports import json_report, text

    path = tmp_path_factory.mktemp("fuzz") / "capture.log"
    path.write_text("\n".join(lines), encoding="utf-8", errors="surrogateescape")
    case = analyze([str(path)])
    assert case.inputs[0].error is None or case.inputs[0].error.startswith(NOTHING_UNDERSTOOD)
    assert not [(o.rule_id, o.error) for o in case.outcomes if o.status == "error"]
    text.render(case, stats=True)
    json_report.render(case)
