"""The chatter quick path (issue 17 part 3): routine `debug ephone` chatter is
counted without a Record, and the result of an input is exactly what the full
path (framing, routing, the ephone parser) gives."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from cmedebug import capture, ingest
from cmedebug.ingest import read_input
from cmedebug.model import Case
from cmedebug.parsers.base import Context, line_parsers
from cmedebug.parsers.ephone import CHATTER, EphoneDebugParser
from cmedebug.parsers import framing
from cmedebug.parsers.framing import RUN_BATCH_LINES, Run, frame
from cmedebug.parsers.stamp_log import StampLog
from cmedebug.sources import Input, TextLines

PREFIX = "Nov 26 08:00:45 cme-hq 001481: *Mar  1 00:00:41.776: "
CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus"

# bodies the ephone parser drops
DROPPED = [
    "ephone-17[17]:KeepaliveMessage from ephone 17", "ephone-26[26]:SetCallState line 1 DN 147(-1) chan 1 ref 656 TsOffHook",
    "ephone-44[44]:OFFHOOK", "ephone-4[4]::callingNumber 6025", "ephone-23[-1]:stationIpAddr 10.10.22.88",
    "ephone-(1) Allow any Skinny Server IP address 10.1.0.6", "DN 98 chan 1 Voice_Mode",
    "dn_tone_control DN=2 chan 1 tonetype=0:DtSilence onoff=0 pid=232", "defer_start for DN 2 chan 1 at CONNECTED",
    "ephone-1[1]:Ephone debugging is on",
]
# near misses: bodies it keeps as events, or refuses
NOT_CHATTER = [
    "ephone-1[1]:RegisterAck sent to ephone 1: keepalive period 30",
    "ephone-1[1]::RegisterAck sent to ephone 1: keepalive period 30",
    "ephone-(1)[1] StationRegisterMessage (2/3/12) from 10.1.0.21",
    "ephone-(1)[1] Register StationIdentifier DeviceName SEP003094C3E1A8",
    "ephone-2[2]:Security Key Generation", "ephone-2[2]::Send Decryption Key", "ephone-3[3]:Send Encryption Key",
    "ephone-1[0] Mac:0030.94C3.E1A8 TCP socket:[1]", "ephone-x[1]:OFFHOOK", "DN x chan 1",
    "skinny_socket_process: keepalive socket 37 ip 10.10.13.132",
]
KEEPALIVE = NOT_CHATTER[-1]  # a message no parser reads: counted as unparsed, in routine runs
BODIES = DROPPED + NOT_CHATTER


@pytest.mark.parametrize("body", DROPPED)
def test_chatter_is_what_the_parser_drops(body):
    rec = next(iter(frame([PREFIX + body])))
    assert CHATTER.match(body) and EphoneDebugParser().parse(rec, Context(path="x")) == []


@pytest.mark.parametrize("body", NOT_CHATTER)
def test_chatter_refuses_what_the_parser_keeps_or_refuses(body):
    assert not CHATTER.match(body)


@pytest.mark.parametrize("body", BODIES)
def test_chatter_tells_digits_only_from_other_characters(body):
    """Routine runs remember whether a line is chatter by the line with its digits made '0':
    every parser's chatter regex gives the same answer whichever digits a body holds."""
    for parser in (cls for cls in line_parsers() if cls.chatter is not None):
        answers = {parser.chatter.match(body.translate(str.maketrans("0123456789", d * 10))) is not None
                   for d in "0189"}
        assert answers == {parser.chatter.match(body) is not None}, (parser.name, body)


def _read(path: Path, quick: bool, monkeypatch, excerpt_budget: int | None = None, runs: list | None = None) -> Case:
    """Read ``path`` with or without the quick path; ``excerpt_budget``: lines the excerpt
    capture keeps; ``runs`` collects the runs framed. The printed stamps logged are in
    ``case.stamps_logged``: (event kind, line, stamp), in order."""
    if not quick:
        monkeypatch.setattr(EphoneDebugParser, "chatter", None)
    if excerpt_budget is not None:
        monkeypatch.setattr(capture, "MAX_LINES_PER_INPUT", excerpt_budget)
    if runs is not None:
        monkeypatch.setattr(ingest, "frame", lambda *a, **k: _collect_runs(frame(*a, **k), runs))
    case, stamps = Case(), StampLog()
    read_input(Input(str(path), lambda: open(path, "rb")), case, stamps=stamps)
    case.stamps_logged = [(e.kind, e.first_line, st) for e, st in stamps]
    assert list(stamps.first_lines) == [e.first_line for e in stamps.events]  # (what year resolution reads)
    monkeypatch.undo()
    return case


def _collect_runs(records, runs: list):
    for rec in records:
        if rec.__class__ is Run:
            runs.append(rec)
        yield rec


def _same(quick: Case, full: Case) -> None:
    assert dataclasses.asdict(quick.inputs[0]) == dataclasses.asdict(full.inputs[0])
    assert [(e.kind, e.source, e.raw, e.fields) for e in quick.events] == \
        [(e.kind, e.source, e.raw, e.fields) for e in full.events]
    assert [(f.kind, f.source, f.raw) for f in quick.facts] == [(f.kind, f.source, f.raw) for f in full.facts]
    assert quick.unparsed == full.unparsed
    assert quick.excerpts == full.excerpts
    assert quick.stamps_logged == full.stamps_logged
    assert [(e.severity, e.text_at, e.text, e.device, e.clock_flag) for e in quick.events if hasattr(e, "text_at")] \
        == [(e.severity, e.text_at, e.text, e.device, e.clock_flag) for e in full.events if hasattr(e, "text_at")]


def test_quick_path_gives_the_full_result(tmp_path, monkeypatch):
    """Chatter alone, chatter with continuation lines, chatter before a PEM block,
    chatter inside the blocks of `debug` and `show running-config` (which may read
    messages) and of `show clock`."""
    lines = [PREFIX + b for b in BODIES]
    lines += [PREFIX + "ephone-5[5]:OFFHOOK", "  wrapped continuation of the chatter", "",
              "Router#debug ephone detail", PREFIX + "ephone-6[6]:ONHOOK",
              PREFIX + "ephone-6[6]:Ephone debugging is on", PREFIX + "DN 3 chan 1 tone debugging is on",
              "Router#show running-config",
              "Building configuration...", PREFIX + "ephone-7[7]:OFFHOOK", "hostname Router",
              "Router#show clock", PREFIX + "DN 3 chan 1 Voice_Mode", "*10:01:02.003 UTC Mon Nov 26 2025",
              "Router#show ephone", PREFIX + "ephone-8[8]:OFFHOOK", "*Mar  1", "00:00:41.9: ephone-9[9]:OFFHOOK",
              # chatter before a PEM block (never a continuation), and before '## ' (one)
              *[PREFIX + "ephone-11[11]:OFFHOOK"] * 3, "-----BEGIN CERTIFICATE-----", "MIIBszCCAVmgAwIBAgIBATAK",
              "-----END CERTIFICATE-----", *[PREFIX + "DN 4 chan 1 Voice_Mode"] * 3, "## a note", "",
              # a block whose owner reads every line (a CA certificate pasted): chatter there is its
              "Router(config)#crypto pki authenticate cme_root", "Enter the base 64 encoded CA certificate.",
              "End with a blank line or the word \"quit\" on a line by itself",
              *[PREFIX + "ephone-10[10]:OFFHOOK"] * 3, "quit", "Router(config)#end"]
    log = tmp_path / "chatter.log"
    log.write_text("\n".join(lines * 3) + "\n")
    parsed = []
    parse = EphoneDebugParser.parse
    monkeypatch.setattr(EphoneDebugParser, "parse", lambda self, rec, ctx: parsed.append(rec) or parse(self, rec, ctx))
    quick = _read(log, True, monkeypatch)
    full = _read(log, False, monkeypatch)
    _same(quick, full)
    runs: list[Run] = []
    _same(_read(log, True, monkeypatch, excerpt_budget=0, runs=runs), _read(log, False, monkeypatch, excerpt_budget=0))
    assert sum(r.count for r in runs) >= 12  # the dropped bodies, each time the lines repeat
    # the chatter outside blocks that read messages never reached the parser
    assert not any(r.text in ("ephone-44[44]:OFFHOOK", "ephone-8[8]:OFFHOOK") for r in parsed)
    assert quick.inputs[0].understood_lines > 30 and quick.inputs[0].unparsed_lines > 0


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus absent")
def test_quick_path_gives_the_full_result_on_the_corpus(monkeypatch):
    for path in sorted(CORPUS.glob("*.log")):
        _same(_read(path, True, monkeypatch), _read(path, False, monkeypatch))


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus absent")
def test_routine_runs_give_the_full_result_on_chatter_and_the_corpus(tmp_path, monkeypatch):
    """Past the excerpt budget, runs of chatter are counted by one regex scan; every
    count, event, fact and unparsed line is what the full path gives. The corpus
    captures are pasted between runs (their debug and show blocks stay open under the
    chatter), and runs meet batch ends."""
    chatter = [PREFIX + b for b in DROPPED[:-1]]  # the last says 'debugging': never in a run
    lines: list[str] = []
    for path in sorted(CORPUS.glob("*.log")):
        lines += chatter * 40 + path.read_text(encoding="utf-8", errors="replace").splitlines()
    log = tmp_path / "mixed.log"
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    runs: list[Run] = []
    with_runs = _read(log, True, monkeypatch, excerpt_budget=0, runs=runs)
    _same(with_runs, _read(log, False, monkeypatch, excerpt_budget=0))
    skipped = sum(r.count for r in runs)
    assert skipped > len(lines) // 2 and max(r.count for r in runs) <= RUN_BATCH_LINES


@pytest.mark.parametrize("after, run, record", [
    ("  a wrapped continuation", 2, (3, 2)),  # the last message takes it: a Record of its own, with it
    ("-----BEGIN CERTIFICATE-----", 3, (4, 1)),  # (never a continuation)
    ("Router#show clock", 3, (4, 1)), ("", 3, (4, 1)),
    (PREFIX + "%LINK-3-UPDOWN: Interface Gi0/1, changed state to up", 3, None)])
def test_a_run_never_takes_the_line_a_message_could_own(after, run, record):
    """The last chatter line before a line that may continue it leaves the run, with that
    line; before a prompt, a blank line, a PEM block or another message, the run keeps it."""
    lines = [PREFIX + "ephone-5[5]:OFFHOOK", PREFIX + KEEPALIVE, PREFIX + "ephone-5[5]:OFFHOOK", after]
    router = ingest._Router([cls() for cls in line_parsers()])
    framed = list(frame(lines, quick=True, runs=(lambda line: router.routine_kind(line, CHATTER),
                                                 lambda: framing.SKIP_UNREAD, {})))  # (a syslog after it: not in it)
    runs = [r for r in framed if r.__class__ is Run]
    assert [(r.first_line, r.count) for r in runs] == [(1, run)]
    assert runs[0].lines == lines[:run]
    assert runs[0].unparsed == [(1, "skinny_socket_process: keepalive socket # ip #.#.#.#")]
    after_run = framed[framed.index(runs[0]) + 1]
    if record is None:
        assert after_run[0] == 4  # (line number, prefix match): the quick message
    else:
        assert (after_run.first_line, after_run.last_line - after_run.first_line + 1) == record
        assert after_run.lines == lines[record[0] - 1:record[0] - 1 + record[1]]


def test_no_run_in_the_block_of_an_owner_that_may_read_chatter(tmp_path, monkeypatch):
    """Runs pass over chatter only outside blocks or in those of owners that declare
    the messages they read (`reads_messages`): one that does not sees every line."""
    from cmedebug.parsers.running_config import RunningConfigParser

    chatter = [PREFIX + "ephone-5[5]:OFFHOOK"] * 10
    log = tmp_path / "block.log"
    log.write_text("\n".join([*chatter, "Router#show running-config", "Building configuration...", *chatter,
                              "hostname Router", "end"]) + "\n")
    runs: list[Run] = []
    _read(log, True, monkeypatch, runs=runs)
    # before the prompt, and inside the block (in show output, 'hostname' continues no message)
    assert [(r.first_line, r.count) for r in runs] == [(1, 10), (13, 10)]
    runs.clear()
    monkeypatch.setattr(RunningConfigParser, "reads_messages", None)
    _read(log, True, monkeypatch, runs=runs)
    assert [(r.first_line, r.count) for r in runs] == [(1, 10)]  # before the block only


def test_chatter_after_show_clock_runs_and_the_clock_lines_are_still_read(tmp_path, monkeypatch):
    """`show clock detail` pasted into a busy log: the block stays open until the next prompt,
    and the chatter under it is passed over in runs (it was offered to every parser, line by
    line); the clock, summer-time and source lines are still the fact's."""
    chatter = [PREFIX + "ephone-5[5]:OFFHOOK"] * 10
    log = tmp_path / "clock.log"
    log.write_text("\n".join(["Router#show clock detail", *chatter, "*10:01:02.003 UTC Mon Nov 26 2025",
                              "Time source is user configuration", *chatter]) + "\n")
    runs: list[Run] = []
    case = _read(log, True, monkeypatch, runs=runs)
    assert [(r.first_line, r.count) for r in runs] == [(2, 10), (14, 10)]
    (clock,) = case.facts_of("clock.show")
    assert clock.fields["flag"] == "*" and clock.fields["time_source"] == "user configuration"
    _same(case, _read(log, False, monkeypatch))


# the prefixes of IOS lines as printed, relayed and stored (framing's head), each before chatter
PREFIXES = [
    PREFIX, "Nov 26 08:00:45 cme-hq 1481:*Mar  1 00:00:41.776: ", "Nov 26 08:00:45 cme-hq 001481: Mar 1 0:00:41: ",
    "Nov  6 08:00:45 Mar 001481: .Mar  1 00:00:41.776: ", "Nov 26 08:00:45 cme-hq 001481: *Mar  1 2026 00:00:41.776 UTC: ",
    "Nov 26 08:00:45 cme-hq 001481: *Mar  1 00:00:41.776 PST: ", "Nov 26 08:00:45 cme-hq *Mar  1 00:00:41.776: ",
    "Nov 26 08:00:45 cme-hq 001481: 1d06h: ", "001481: *Mar  1 00:00:41.776: ", "*Mar  1 00:00:41.776: ",
    "<189>42: cme-hq: *Mar  1 00:00:41.776: ", "1d06h: ", "Nov 26 08:00:45 cme-hq 001481: *Mar  1 00:00:41.776:",
]


def test_routine_runs_give_the_full_result_on_every_prefix(tmp_path, monkeypatch):
    lines = [p + b for p in PREFIXES for b in DROPPED[:-1] * 3] + [PREFIXES[1] + b for b in NOT_CHATTER]
    log = tmp_path / "prefixes.log"
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    runs: list[Run] = []
    _same(_read(log, True, monkeypatch, excerpt_budget=0, runs=runs), _read(log, False, monkeypatch, excerpt_budget=0))
    assert sum(r.count for r in runs) > len(PREFIXES) * 20


def test_a_batch_that_says_debugging_keeps_the_guard(tmp_path, monkeypatch):
    """A batch of lines in which 'debugging' occurs is scanned with the guarded regex:
    a chatter body that is also a debug confirmation (`DN 3 chan 1 tone debugging is
    on`, amid chatter in a `debug` block) reaches the block's owner. The batches
    without the word are scanned without the test, and runs fill them."""
    chatter = [PREFIX + "ephone-5[5]:OFFHOOK"] * 5
    block = ["Router#debug ephone detail", *chatter, PREFIX + "DN 3 chan 1 tone debugging is on", *chatter]
    lines = (chatter + block) * 3 + chatter * RUN_BATCH_LINES * 2
    log = tmp_path / "debugging.log"
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    runs: list[Run] = []
    quick = _read(log, True, monkeypatch, excerpt_budget=0, runs=runs)
    _same(quick, _read(log, False, monkeypatch, excerpt_budget=0))
    confirmations = [e for e in quick.events if e.fields.get("subsystem") == "DN 3 chan 1 tone"]
    assert len(confirmations) == 3
    assert sum(r.count for r in runs) >= RUN_BATCH_LINES * 2


@pytest.mark.parametrize("kinds_remembered", [framing.MAX_KINDS_REMEMBERED, 2])
def test_messages_no_parser_reads_are_counted_in_routine_runs(tmp_path, monkeypatch, kinds_remembered):
    """Keepalives no parser reads, amid chatter, are passed over in the same runs: counted
    as unparsed with their shape, the first ones sampled with their line, as the full path
    counts them; inside a block whose owner does not say which messages it reads (`show clock`
    made so), they and the chatter leave the runs. (Also when framing remembers the
    kinds of fewer line shapes than the log holds.)"""
    from cmedebug.parsers.show_clock import ShowClockParser

    monkeypatch.setattr(framing, "MAX_KINDS_REMEMBERED", kinds_remembered)
    monkeypatch.setattr(ShowClockParser, "reads_messages", None)
    chatter = [PREFIX + "ephone-5[5]:OFFHOOK", PREFIX + "DN 98 chan 1 Voice_Mode"]
    lines: list[str] = []
    for n in range(300):
        lines += [*chatter, PREFIX + f"skinny_socket_process: keepalive socket {n} ip 10.10.{n % 250}.7"]
    lines += ["Router#show clock", *chatter, PREFIX + KEEPALIVE, *chatter]
    log = tmp_path / "keepalives.log"
    log.write_text("\n".join(lines) + "\n")
    runs: list[Run] = []
    quick = _read(log, True, monkeypatch, excerpt_budget=0, runs=runs)  # (undoes the patch after it)
    _same(quick, _read(log, False, monkeypatch, excerpt_budget=0))
    assert quick.inputs[0].unparsed_lines == 301 and len(quick.unparsed) == ingest.UNPARSED_SAMPLES_PER_INPUT
    assert quick.inputs[0].unparsed_shapes == {"skinny_socket_process: keepalive socket # ip #.#.#.#": 301}
    in_runs = [r.lines[i] for r in runs for i, _ in r.unparsed]
    assert all("keepalive" in line for line in in_runs)
    if kinds_remembered == 2:  # every line a new key: after each such batch, three are passed on line by line
        assert 0 < len(in_runs) < 300
        return
    assert len(in_runs) == 300
    # in the clock's block (from line 901), neither the chatter nor the keepalive (its line 904) is in a run
    assert sum(r.count for r in runs) == 900 and max(r.first_line + r.count for r in runs) == 901


def test_owners_that_say_which_messages_they_read_ignore_every_other():
    """`reads_messages` (routine runs pass over messages no parser reads and generic syslogs in
    the owner's block) promises that `ignores_message` holds, whatever the owner's state, for
    every body it does not match and that does not say 'debugging'; like `chatter`, it tells
    digits only from other characters."""
    owners = [cls() for cls in line_parsers() if cls.reads_messages is not None]
    assert {p.name for p in owners} >= {"debug-toggle", "show-ephone", "show-pki-certificates", "running-config",
                                        "show-clock"}
    bodies = [*BODIES, "session 1f2e keepalive from peer", "Foo debugging is on", "anything at all: 0x1F",
              "version 15.1", "!", "Building configuration...", "Current configuration : 1234 bytes",
              "*10:01:02.003 UTC Mon Nov 26 2025", "Time source is NTP", "Summer time starts 02:00:00 PST Sun Mar 8 2026",
              "%LINK-3-UPDOWN: Interface GigabitEthernet0/1, changed state to up"]
    for parser in owners:
        if parser.name == "show-clock":  # its clock line read: summer time and source lines are its too
            parser.parse(next(iter(frame(["*10:01:02.003 UTC Mon Nov 26 2025"]))), Context("x"))
            assert parser.pending is not None
        for body in bodies:
            matched = parser.reads_messages.match(body) is not None
            assert parser.ignores_message(body) or "debugging" in body or matched, (parser.name, body)
            assert {parser.reads_messages.match(body.translate(str.maketrans("0123456789", d * 10))) is not None
                    for d in "0189"} == {matched}, (parser.name, body)
    assert any(p.reads_messages.match("Time source is NTP") for p in owners)


def test_messages_no_parser_reads_run_in_blocks_of_owners_that_ignore_them(tmp_path, monkeypatch):
    """Keepalives under `debug ephone detail` and under `show ephone` output (a busy log's
    blocks stay open until the next prompt) are passed over in runs, as outside blocks; a
    message that says 'debugging' reaches the debug block's owner, line by line."""
    chatter = [PREFIX + "ephone-5[5]:OFFHOOK", PREFIX + "DN 98 chan 1 Voice_Mode"]
    keepalives = [*chatter, PREFIX + KEEPALIVE] * 50
    lines = ["Router#debug ephone detail", *keepalives, PREFIX + "Skinny keepalive debugging is on", *keepalives,
             "Router#show ephone", *keepalives]
    log = tmp_path / "blocks.log"
    log.write_text("\n".join(lines) + "\n")
    runs: list[Run] = []
    quick = _read(log, True, monkeypatch, excerpt_budget=0, runs=runs)
    _same(quick, _read(log, False, monkeypatch, excerpt_budget=0))
    assert quick.inputs[0].unparsed_shapes == {"skinny_socket_process: keepalive socket # ip #.#.#.#": 150}
    assert sum(len(r.unparsed) for r in runs) == 150  # every keepalive, in each of the two blocks
    assert not [line for r in runs for line in r.lines if "debugging" in line]
    assert [e.kind for e in quick.events if e.first_line == 152]  # the owner read the line that says 'debugging'


def test_lines_whose_digits_differ_only_where_the_grammar_tells_them_apart(tmp_path, monkeypatch):
    """Routine kinds are remembered per line shape with digits 0-7 and 8-9 apart: a
    severity 8 is no syslog (unparsed), a severity 3 one is (an event); a keyword with
    digits (`base 64`) is never passed over in a run, whichever digits come first."""
    lines = [PREFIX + "%FOO-8-BAR: not a syslog", PREFIX + "%FOO-3-BAR: a syslog",
             PREFIX + "%FOO-9-BAR: not a syslog", PREFIX + "%FOO-1-BAR: a syslog",
             PREFIX + "certificate in base 12 follows", PREFIX + "certificate in base 64 follows"] * 3
    log = tmp_path / "digits.log"
    log.write_text("\n".join(lines) + "\n")
    runs: list[Run] = []
    quick = _read(log, True, monkeypatch, excerpt_budget=0, runs=runs)
    _same(quick, _read(log, False, monkeypatch, excerpt_budget=0))
    assert [e.kind for e in quick.events].count("syslog.foo.bar") == 6
    assert quick.inputs[0].unparsed_shapes["%FOO-#-BAR: not a syslog"] == 6
    assert not [r for r in runs for i, _ in r.unparsed if "base" in r.lines[i]]


def test_after_a_batch_of_new_keys_lines_are_passed_on_one_by_one(tmp_path, monkeypatch):
    """A batch (a chunk the reader split) whose lines are mostly new keys (a session name on every
    line) makes framing pass the next three batches on line by line, without asking what each
    line is; runs resume after them, and the result is the full path's."""
    named = "".join  # (letters: a key tells lines apart by them, not by their digits)
    hexed = [PREFIX + f"session {named(chr(97 + (n >> 4 * i) % 16) for i in range(4))} keepalive from peer"
             for n in range(1500)]
    chatter = [PREFIX + "ephone-5[5]:OFFHOOK"] * 8000
    log = tmp_path / "hex.log"
    log.write_text("\n".join(hexed + chatter) + "\n")
    with open(log, "rb") as stream:
        sizes = [len(batch) for batch in TextLines(stream).batches()]
    assert sizes[0] < len(hexed) and sum(sizes[:4]) > len(hexed) and len(sizes) > 5  # (the file makes the case)
    asked: list[str] = []
    routine_kind = ingest._Router.routine_kind
    monkeypatch.setattr(ingest._Router, "routine_kind", lambda self, line, c: asked.append(line) or routine_kind(self, line, c))
    runs: list[Run] = []
    quick = _read(log, True, monkeypatch, excerpt_budget=0, runs=runs)
    _same(quick, _read(log, False, monkeypatch, excerpt_budget=0))
    assert sizes[0] // 2 < len(asked) <= sizes[0] + 2  # (most of the first batch's lines; then only at the fifth)
    # the fifth batch is one run: the three before it were passed on line by line
    assert [(r.first_line, r.count) for r in runs if r.first_line > sizes[0]][:1] == [(sum(sizes[:4]) + 1, sizes[4])]


# generic syslogs (the last resort's): digits in the host, none in it, a digit in the facility
SYSLOGS = ["%LINK-3-UPDOWN: Interface GigabitEthernet0/1, changed state to up",
           "%DHCPD-4-PING_CONFLICT: DHCP address conflict:  server pinged 10.10.23.146.",
           "%SEC-6-IPACCESSLOGP: list 101 denied tcp 10.10.36.103(9404) -> 10.1.1.1(22), 1 packet",
           "%LINK-5-CHANGED: Interface GigabitEthernet0/2, changed state to administratively down",
           "%DOT11-6-ASSOC: Interface Dot11Radio0, Station 0011.2233.4455 Associated KEY_MGMT[NONE]",
           "%DOT12-6-ASSOC: Interface Dot11Radio0, Station 0011.2233.4455 Associated KEY_MGMT[NONE]"]


@pytest.mark.parametrize("excerpt_budget", [None, 0])
def test_generic_syslogs_in_routine_runs_give_the_full_result(tmp_path, monkeypatch, excerpt_budget):
    """Generic syslogs amid chatter and keepalives, on every prefix (hosts with and without
    digits, stamps with and without a fraction, uptime stamps, a printed year and zone), with
    digits in the facility, and in a `show ephone` block: the events, their stamps, fields,
    excerpts and counts are the full path's; runs hold them, but those of a shape they
    cannot (a printed year or zone)."""
    chatter = [PREFIX + "ephone-5[5]:OFFHOOK", PREFIX + KEEPALIVE]
    lines: list[str] = []
    for n in range(150):  # (more than a kind's cited messages: 100)
        for prefix in PREFIXES:
            prefix = prefix.replace("001481", f"{n:06d}").replace("cme-hq", f"cme-br{n % 3}" if n % 2 else "cme-hq")
            lines += [*chatter, prefix + SYSLOGS[n % len(SYSLOGS)]]
    lines += ["Router#show ephone", *[PREFIX + s for s in SYSLOGS] * 3, *chatter]
    log = tmp_path / "syslogs.log"
    log.write_text("\n".join(lines) + "\n")
    runs: list[Run] = []
    quick = _read(log, True, monkeypatch, excerpt_budget=excerpt_budget, runs=runs)
    _same(quick, _read(log, False, monkeypatch, excerpt_budget=excerpt_budget))
    in_runs = [r.lines[i] for r in runs for i, _ in r.syslogs]
    generic = [e for e in quick.events if e.kind.startswith("syslog.")]
    assert len(generic) == 150 * len(PREFIXES) + 3 * len(SYSLOGS)
    shaped = [e for e in generic if not any(word in e.raw[0] for word in (" UTC: ", " PST: "))]
    assert len(in_runs) > len(shaped) * 0.95  # (the first of each key is asked, its line passed on)
    assert not [line for line in in_runs if " UTC: " in line or " PST: " in line]
    # a digit in the facility: one key, two kinds of event
    assert {e.kind for e in generic} >= {"syslog.dot11.assoc", "syslog.dot12.assoc"}
    assert [line for line in in_runs if "DOT11" in line] and [line for line in in_runs if "DOT12" in line]
    assert {"cme-hq", "cme-br0", "cme-br1", "cme-br2"} <= {e.device for e in generic}


def test_a_syslog_cut_after_a_comma_in_show_output_takes_its_wrapped_line(tmp_path, monkeypatch):
    """A message that ends with a comma takes the next line even in show output
    (framing's ``_cut_off``): routine runs never hold it, and the result is the full path's."""
    lines = ["Router#show ephone", *[PREFIX + "ephone-5[5]:OFFHOOK"] * 3,
             PREFIX + "%LINK-3-UPDOWN: Interface GigabitEthernet0/1,", "changed state to up",
             *[PREFIX + "ephone-5[5]:OFFHOOK"] * 3] * 2
    log = tmp_path / "cut.log"
    log.write_text("\n".join(lines) + "\n")
    runs: list[Run] = []
    quick = _read(log, True, monkeypatch, excerpt_budget=0, runs=runs)
    _same(quick, _read(log, False, monkeypatch, excerpt_budget=0))
    assert [e.fields["text"] for e in quick.events if e.kind == "syslog.link.updown"] == \
        ["Interface GigabitEthernet0/1, changed state to up"] * 2
    assert runs and not [r for r in runs if r.syslogs]


def test_a_run_framed_before_its_message_was_handled_is_confirmed(tmp_path, monkeypatch):
    """Framing holds a message back (it may take the next line) while it asks what the
    next run may pass over: a stamped prompt to paste a CA certificate hands the lines
    after it to the pki parser, so the run framed before it was handled is framed again
    line by line, and the paste reads them as the full path does."""
    paste = PREFIX + "Enter the base 64 encoded CA certificate."
    lines = [*[PREFIX + "ephone-5[5]:OFFHOOK"] * 3, paste, *[PREFIX + s for s in SYSLOGS[:3]],
             PREFIX + KEEPALIVE, "quit", *[PREFIX + "ephone-5[5]:OFFHOOK"] * 3]
    log = tmp_path / "paste.log"
    log.write_text("\n".join(lines) + "\n")
    framed: list[Run] = []
    confirmed: list[Run] = []
    monkeypatch.setattr(ingest, "_confirmed_runs", lambda records, level: _collect_runs(
        ingest_confirmed(_collect_runs(records, framed), level), confirmed))
    quick = _read(log, True, monkeypatch, excerpt_budget=0)
    _same(quick, _read(log, False, monkeypatch, excerpt_budget=0))
    assert [r.first_line for r in framed if r.syslogs] == [5]  # framed while the paste's line was held back
    assert 5 not in [r.first_line for r in confirmed]  # and framed again, line by line


ingest_confirmed = ingest._confirmed_runs
