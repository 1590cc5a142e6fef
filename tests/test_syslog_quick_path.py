"""The declined-message path (issue 17 part 3): a one-line `%FAC-SEV-MNEMONIC:` message
outside any block, which every parser but the generic one declines, becomes its event
without a Record or routing; another one-line message that every parser declines is
counted as unparsed without a Record. The result of an input is exactly what routing gives."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from cmedebug.ingest import _Router
from cmedebug.pipeline import load
from cmedebug.parsers.base import Context, line_parsers
from cmedebug.parsers.framing import SyslogShape, prefix_match
from cmedebug.parsers.syslog import GenericSyslogParser

CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus"
SAMPLES = Path(__file__).resolve().parents[1] / "sample_logs"
PREFIX = "Nov 26 08:00:45 cme-hq 001481: *Mar  1 00:00:41.776: "

SYSLOGS = [
    "%LINK-3-UPDOWN: Interface GigabitEthernet0/1, changed state to down",
    "%LINEPROTO-5-UPDOWN: Line protocol on Interface GigabitEthernet0/1, changed state to up   ",
    "%SEC-6-IPACCESSLOGP: list 101 denied tcp 10.10.23.4(4444) -> 10.1.1.1(22), 1 packet",
    "%SYS-5-CONFIG_I: Configured from console by admin on vty0 (10.1.1.5)",
    "%SYS-6-CLOCKUPDATE: System clock has been updated from 00:01:02 UTC Mon Mar 1 1993 to 08:00:00 UTC Thu Nov 26 "
    "2026, configured from NTP by 10.0.0.1.",
    "%PKI-6-CERTRET: Certificate received from Certificate Authority",
    "%PKI-3-CERTIFICATE_INVALID_EXPIRED: Certificate chain validation has failed. The certificate (SN: 1A2B) has "
    "expired. Validity period ended on 13:09:32 UTC Jun 12 2026",
    # texts holding other parsers' keywords: routing decides, not the declined path
    "%FOO-4-BAR: ephone-3[3]:OFFHOOK seen for SEP000E325C9A43",
    "%FOO-4-BAR: Credentials service: TLS Handshake completes",
    "%FOO-4-BAR: CRYPTO_PKI: status = 0x762 debugging",
    "%IPPHONE-6-REGISTER: ephone-1:SEP000E325C9A43 IP:10.1.1.20 Socket:1 DeviceType:Phone has registered.",
    "%SKINNYSECURESERVICE-3-TLS_HANDSHAKE_FAILED:  Reason: unsupported protocol, SocketID: 0, local address : "
    "10.1.20.11:2443 and  remote address : 10.1.1.9:51234",
    "%NOCOLON-5-TEXT:",
    "%SSH-5-SSH2_USERAUTH:User 'admin' authentication for SSH2 Session from 10.1.1.5 (tty = 0) Succeeded",
]
# messages that are no syslog: unparsed noise, and what parsers read (routing decides)
MESSAGES = [
    "skinny_socket_process: keepalive socket 37 ip 10.10.13.132",
    "backup: nightly archive written to flash:",
    "## not an annotation when stamped",
    "New Skinny socket accepted [1] (2 active)",
    "skinny_socket_process: secure skinny sessions = 1",
    "ephone-1[1]:RegisterAck sent to ephone 1: keepalive period 30",
    "DN 2 chan 1 Voice_Mode",
    "CRYPTO_PKI: status = 0x762 (HTTP 503)",
    "Credentials service: TLS Handshake completes",
    "Sending 5, 100-byte ICMP Echos to 10.1.1.1, timeout is 2 seconds:",
    "% Error in the CTL file: unknown section",
]
OTHER_PREFIXES = ["*Mar  1 00:00:41.776: ", "001481: 1d06h: ", "Nov 26 08:00:45 cme-br1 001482: .Mar  1 00:00:42: "]


def _load(path: Path, declined: bool, monkeypatch):
    """The case of ``path``; with ``declined``, also the texts that the declined path took
    (syslogs: ``declined_syslog`` made their event, or a routine run's ``routine_event``;
    others: counted as unparsed, or asked once for the routine runs of their line shape) and
    those made from what a parser made of the same text before (``_Router.repeated``).
    Without, every record is routed (nothing declined, nothing remembered)."""
    if not declined:
        monkeypatch.setattr(_Router, "declined", lambda self, text, facility: False)
        monkeypatch.setattr(_Router, "remember", lambda self, *args: None)
    calls, repeated = [], []
    if declined:
        original = _Router.declined
        def counted(self, text, facility):
            answer = original(self, text, facility)
            if answer:
                calls.append(text)
            return answer

        routine_event = GenericSyslogParser.routine_event
        def made_in_a_run(self, line, *args):
            calls.append(prefix_match(line).group("rest").strip())
            return routine_event(self, line, *args)

        message_event, repeated_event = Context.message_event, Context.repeated_event
        def made_again(self, kind, number, m, fields):
            repeated.append(m.group("rest").strip())
            return message_event(self, kind, number, m, fields)

        def made_again_in_a_run(self, line, number, shape):
            repeated.append(prefix_match(line).group("rest").strip())
            return repeated_event(self, line, number, shape)

        monkeypatch.setattr(_Router, "declined", counted)
        monkeypatch.setattr(GenericSyslogParser, "routine_event", made_in_a_run)
        monkeypatch.setattr(Context, "message_event", made_again)
        monkeypatch.setattr(Context, "repeated_event", made_again_in_a_run)
    case = load([str(path)])
    monkeypatch.undo()
    return case, calls, repeated


def _same(path: Path, monkeypatch) -> tuple[list[str], list[str]]:
    """Load ``path`` both ways; every input summary, event (its time, device and clock
    flag too), fact, unparsed line and excerpt agree. Returns the texts the declined
    path took, and those made from a remembered event."""
    quick, calls, repeated = _load(path, True, monkeypatch)
    full, _, _ = _load(path, False, monkeypatch)
    assert [dataclasses.asdict(s) for s in quick.inputs] == [dataclasses.asdict(s) for s in full.inputs]
    view = lambda e: (e.kind, e.source, e.raw, dict(e.fields), e.ts, e.device, e.clock_flag, type(e))  # noqa: E731
    assert [view(e) for e in quick.events] == [view(e) for e in full.events]
    assert [(f.kind, f.source, f.raw) for f in quick.facts] == [(f.kind, f.source, f.raw) for f in full.facts]
    assert quick.unparsed == full.unparsed and quick.excerpts == full.excerpts
    return calls, repeated


def test_declined_messages_give_what_routing_gives(tmp_path, monkeypatch):
    """Syslogs of every kind (generic, family-parsed, holding other parsers' keywords) and
    other messages (noise, parsers' own), with continuation lines, under other prefixes,
    inside command blocks (show logging and a running-config may read messages) and
    during a CA certificate paste."""
    lines = [PREFIX + s for s in SYSLOGS + MESSAGES] + [p + s for p in OTHER_PREFIXES for s in SYSLOGS[:4]]
    lines += [PREFIX + SYSLOGS[0], "   wrapped onto a continuation line", "",
              PREFIX + MESSAGES[0], "   wrapped onto a continuation line", "",
              "Router#show logging", PREFIX + SYSLOGS[0], PREFIX + SYSLOGS[2],
              "Router#show running-config", "Building configuration...", PREFIX + SYSLOGS[1], "hostname Router", "end",
              "Router(config)#crypto pki authenticate cme_root", "Enter the base 64 encoded CA certificate.",
              "End with a blank line or the word \"quit\" on a line by itself", PREFIX + SYSLOGS[0],
              PREFIX + MESSAGES[0], "quit",
              "Router(config)#end", PREFIX + SYSLOGS[2]]
    log = tmp_path / "syslogs.log"
    log.write_text("\n".join(lines * 3) + "\n", encoding="utf-8")
    calls, repeated = _same(log, monkeypatch)
    taken = set(calls)
    # the generic syslogs and the noise (%SYS- is a family parser's keyword; `## ` is read as an annotation)
    assert {SYSLOGS[0], SYSLOGS[1].strip(), SYSLOGS[2], SYSLOGS[-2], *MESSAGES[:2]} <= taken
    assert not taken & {SYSLOGS[3], *MESSAGES[2:]}
    # a family parser's syslog said again word for word, under any prefix: made from the first
    # (%IPPHONE-, %SKINNYSECURESERVICE-, %SYS-: the parser that reads its text alone), never
    # the generic ones, nor %PKI- (its parser keeps a state)
    assert set(repeated) == {SYSLOGS[3], SYSLOGS[4], SYSLOGS[10], SYSLOGS[11].strip()}
    assert repeated.count(SYSLOGS[3]) == 3 * (1 + len(OTHER_PREFIXES)) - 2  # (remembered when said again)


def test_a_message_said_again_within_routine_lines_is_made_in_their_run(tmp_path, monkeypatch):
    """Between chatter and generic syslogs, a family parser's message said again word for word
    is made in the routine run from the first one's event; the same line shape with other
    digits (another address) is another message: routed, then remembered too. The events
    are those of routing every line."""
    import cmedebug.ingest as ingest

    made_in_runs = []
    run_syslogs = ingest._run_syslogs
    def counted(run, *args):
        made_in_runs.extend(prefix_match(run.lines[i]).group("rest").strip() for i, shape in run.syslogs
                            if shape.__class__ is not SyslogShape)
        return run_syslogs(run, *args)
    monkeypatch.setattr(ingest, "_run_syslogs", counted)
    other = SYSLOGS[3].replace("10.1.1.5", "10.1.1.6")
    routine = ["ephone-5[5]:OFFHOOK", SYSLOGS[0], "ephone-5[5]:ONHOOK", SYSLOGS[2]]
    lines = [PREFIX.replace("001481", f"{n:06d}") + text for n in range(1500)
             for text in [routine[n % 4], SYSLOGS[3] if n % 3 else other][:1 + (n % 5 == 0)]]
    log = tmp_path / "busy.log"
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    calls, repeated = _same(log, monkeypatch)
    # (a run passes over the lines of the message its key was last asked with: the other is routed)
    assert made_in_runs and set(made_in_runs) <= {SYSLOGS[3], other}
    assert set(repeated) == {SYSLOGS[3], other} and len(repeated) > 100


def test_a_repeated_message_is_routed_again_while_a_parser_reads_syslogs(tmp_path, monkeypatch):
    """While a parser may read any syslog (the PKI parser during a CA certificate paste), a
    message said before is routed again, not made from the first: here the PKI parser starts
    reading syslogs as soon as the first is remembered."""
    from cmedebug.parsers.pki import PkiParser

    log = tmp_path / "repeated.log"
    log.write_text("\n".join([PREFIX + SYSLOGS[3]] * 4) + "\n", encoding="utf-8")
    assert _same(log, monkeypatch)[1] == [SYSLOGS[3]] * 2  # (remembered when said a second time)
    remember, reading = _Router.remember, []
    def remembered(self, *args):
        remember(self, *args)
        reading.append(bool(self.repeated))
    monkeypatch.setattr(_Router, "remember", remembered)
    monkeypatch.setattr(PkiParser, "reads_syslogs_now", lambda self: any(reading))
    _, _, repeated = _load(log, True, monkeypatch)
    assert any(reading) and repeated == []


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus absent")
def test_declined_messages_give_what_routing_gives_on_the_corpus(monkeypatch):
    for path in sorted(CORPUS.glob("*.log")):
        _same(path, monkeypatch)


def test_declined_messages_give_what_routing_gives_on_the_samples(monkeypatch):
    logs = sorted(SAMPLES.glob("*/*.log"))
    assert logs
    for path in logs:
        _same(path, monkeypatch)


def test_parsers_that_decline_a_message_return_none_for_it():
    """``declines_message`` promises that ``parse`` returns None for such a message."""
    from cmedebug.parsers.base import Context
    from cmedebug.parsers.framing import parse_prefix

    declining = set()
    for cls in line_parsers():
        parser = cls()
        for body in SYSLOGS + MESSAGES:
            rec = parse_prefix(PREFIX + body)
            rec.first_line = rec.last_line = 1
            if parser.declines_message(rec.text, rec.facility):
                declining.add((parser.name, rec.facility is None))
                assert parser.parse(rec, Context(path="x")) is None, (parser.name, body)
    assert declining == {("ephone", False), ("console-answers", False), ("pki", False), ("ephone", True),
                         ("syslog", True)}


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus absent")
def test_declined_messages_give_what_routing_gives_on_a_busy_log(tmp_path, monkeypatch):
    """The benchmark's mixed log (three CMEs through a syslog server, corpus captures pasted in)."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    try:
        from make_log import generate_mixed
    finally:
        sys.path.pop(0)
    log = tmp_path / "mixed.log"
    generate_mixed(log, 20_000, 3)
    calls, repeated = _same(log, monkeypatch)
    assert len(calls) > 1000 and len(repeated) > 100


def test_remembered_keyword_masks_are_the_keywords_that_occur(monkeypatch):
    """Routing remembers the keyword mask of the texts it saw by their digits made '0' (a
    busy log repeats its messages with other numbers): a text seen again, with other digits,
    after the bounded table was cleared or not, gets the parsers of exactly the keywords that
    occur in it, those with a digit (`status = 0x`, `base 64`) included; and a long text (a
    record's joined lines) is not kept."""
    import cmedebug.ingest as ingest

    monkeypatch.setattr(ingest, "MAX_TEXTS_REMEMBERED", 8)
    router = _Router([cls() for cls in line_parsers()])

    def occurring(text):
        return sum(1 << bit for bit, parser in enumerate(router.keyworded) if any(k in text for k in parser.keywords))

    long_text = " ".join(MESSAGES)  # (over MAX_TEXT_REMEMBERED characters)
    # the same texts with other digits: a digit keyword comes and goes with its digits
    renumbered = [t.translate(str.maketrans("0123456789", "5678901234")) for t in SYSLOGS + MESSAGES]
    digit_keywords = ["reply status = 0x762", "reply status = 5x762", "%FOO-4-BAR: x status = 0x1",
                      "%FOO-4-BAR: x status = 1x1", "Router is base 64 encoded", "Router is base 65 encoded"]
    texts = SYSLOGS + MESSAGES + renumbered + digit_keywords + [long_text]
    assert len(long_text) > ingest.MAX_TEXT_REMEMBERED
    seen = [t for t in texts for _ in range(3)] + texts * 2  # each text again at once, then after clears
    masks = [router.keyword_mask(t) for t in seen]
    assert masks == [occurring(t) for t in seen]
    assert len(set(masks)) > 5  # (the texts reach different parsers)
    pki = 1 << next(bit for bit, p in enumerate(router.keyworded) if "status = 0x" in p.keywords)
    assert [router.keyword_mask(t) & pki for t in digit_keywords[:2]] == [pki, 0]  # (one entry for both)
    assert 0 < len(router.masks) <= 8 and long_text.encode() not in router.masks
