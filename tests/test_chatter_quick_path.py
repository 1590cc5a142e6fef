"""The chatter quick path (issue 17 part 3): routine `debug ephone` chatter is
counted without a Record, and the result of an input is exactly what the full
path (framing, routing, the ephone parser) gives."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from cmedebug.ingest import read_input
from cmedebug.model import Case
from cmedebug.parsers.base import Context
from cmedebug.parsers.ephone import CHATTER, EphoneDebugParser
from cmedebug.parsers.framing import frame
from cmedebug.sources import Input

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
BODIES = DROPPED + NOT_CHATTER


@pytest.mark.parametrize("body", DROPPED)
def test_chatter_is_what_the_parser_drops(body):
    rec = next(iter(frame([PREFIX + body])))
    assert CHATTER.match(body) and EphoneDebugParser().parse(rec, Context(path="x")) == []


@pytest.mark.parametrize("body", NOT_CHATTER)
def test_chatter_refuses_what_the_parser_keeps_or_refuses(body):
    assert not CHATTER.match(body)


def _read(path: Path, quick: bool, monkeypatch) -> Case:
    if not quick:
        monkeypatch.setattr(EphoneDebugParser, "chatter", None)
    case = Case()
    read_input(Input(str(path), lambda: open(path, "rb")), case)
    monkeypatch.undo()
    return case


def _same(quick: Case, full: Case) -> None:
    assert dataclasses.asdict(quick.inputs[0]) == dataclasses.asdict(full.inputs[0])
    assert [(e.kind, e.source, e.raw, e.fields) for e in quick.events] == \
        [(e.kind, e.source, e.raw, e.fields) for e in full.events]
    assert [(f.kind, f.source, f.raw) for f in quick.facts] == [(f.kind, f.source, f.raw) for f in full.facts]
    assert quick.unparsed == full.unparsed
    assert quick.excerpts == full.excerpts


def test_quick_path_gives_the_full_result(tmp_path, monkeypatch):
    """Chatter alone, chatter with continuation lines, chatter inside the blocks of
    `debug` and `show running-config` (which may read messages) and of `show clock`."""
    lines = [PREFIX + b for b in BODIES]
    lines += [PREFIX + "ephone-5[5]:OFFHOOK", "  wrapped continuation of the chatter", "",
              "Router#debug ephone detail", PREFIX + "ephone-6[6]:ONHOOK",
              PREFIX + "ephone-6[6]:Ephone debugging is on", PREFIX + "DN 3 chan 1 tone debugging is on",
              "Router#show running-config",
              "Building configuration...", PREFIX + "ephone-7[7]:OFFHOOK", "hostname Router",
              "Router#show clock", PREFIX + "DN 3 chan 1 Voice_Mode", "*10:01:02.003 UTC Mon Nov 26 2025",
              "Router#show ephone", PREFIX + "ephone-8[8]:OFFHOOK", "*Mar  1", "00:00:41.9: ephone-9[9]:OFFHOOK"]
    log = tmp_path / "chatter.log"
    log.write_text("\n".join(lines * 3) + "\n")
    parsed = []
    parse = EphoneDebugParser.parse
    monkeypatch.setattr(EphoneDebugParser, "parse", lambda self, rec, ctx: parsed.append(rec) or parse(self, rec, ctx))
    quick = _read(log, True, monkeypatch)
    full = _read(log, False, monkeypatch)
    _same(quick, full)
    # the chatter outside blocks that read messages never reached the parser
    assert not any(r.text in ("ephone-44[44]:OFFHOOK", "ephone-8[8]:OFFHOOK") for r in parsed)
    assert quick.inputs[0].understood_lines > 30 and quick.inputs[0].unparsed_lines > 0


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus absent")
def test_quick_path_gives_the_full_result_on_the_corpus(monkeypatch):
    for path in sorted(CORPUS.glob("*.log")):
        _same(_read(path, True, monkeypatch), _read(path, False, monkeypatch))
