"""Compact storage: equal values of events and facts are one object, nothing
mutable is shared, and the table stays bounded."""
from __future__ import annotations

import sys

import pytest

from cmedebug import compact
from cmedebug.ingest import read_input
from cmedebug.model import Case, Event, Fact, LineEvent, SourceRef, SyslogEvent
from cmedebug.parsers.base import Context
from cmedebug.parsers.framing import frame
from cmedebug.parsers.syslog import GenericSyslogParser
from cmedebug.sources import Input

REGISTER = ("Nov 26 10:15:{s:02d} cme-hq 0001{s:02d}: .Nov 26 10:15:{s:02d}.014: %IPPHONE-6-REGISTER: "
            "ephone-1:SEP000E325C9A43 IP:10.10.10.194 Socket:3 DeviceType:Phone has registered.\n")


def _event(mac: str, raw: str) -> Event:
    return Event(kind="ephone.registered", source=SourceRef("a.log", 1, 1),
                 fields={"mac": "".join(mac), "trustpoints": ("tp" + "1",), "ports": [1, 2]}, raw=(raw,))


def test_equal_strings_and_tuples_become_one_object():
    shared = compact.SharedValues()
    a, b = _event("000E325C9A43", "line one"), _event("000E325C9A43", "".join(["line ", "one"]))
    assert a.fields["mac"] is not b.fields["mac"] and a.raw[0] is not b.raw[0]  # parsers build fresh strings
    shared.share(a)
    shared.share(b)
    assert b.fields["mac"] is a.fields["mac"]
    assert b.fields["trustpoints"] is a.fields["trustpoints"]
    assert b.raw is a.raw
    assert b.fields == a.fields and b.raw == ("line one",)


def test_nothing_mutable_is_shared():
    shared = compact.SharedValues()
    a, b = _event("000E325C9A43", "x"), _event("000E325C9A43", "x")
    shared.share(a)
    shared.share(b)
    assert a.fields is not b.fields and a.fields["ports"] is not b.fields["ports"]
    b.fields["ports"].append(3)
    b.fields["mac"] = "changed"
    assert a.fields["ports"] == [1, 2] and a.fields["mac"] == "000E325C9A43"


def test_table_is_bounded(monkeypatch):
    monkeypatch.setattr(compact, "MAX_SHARED", 10)
    shared = compact.SharedValues()
    for n in range(100):
        shared.share(Fact(kind="cert", source=SourceRef("a.log"), fields={"serial": f"{n:X}"}, raw=(f"line {n}",)))
    assert len(shared.table) <= 10


def test_ingest_stores_one_line_events_in_their_line_store(tmp_path):
    """Their line and fields go into the input's compressed store, read back equal and read-only."""
    log = tmp_path / "router.log"
    log.write_text("".join(REGISTER.format(s=s) for s in range(20)))
    case = Case()
    read_input(Input(str(log), lambda: open(log, "rb")), case)
    events = list(case.events_of("ephone.registered"))
    assert len(events) == 20 and all(isinstance(e, LineEvent) and e._live is None for e in events)
    assert len({id(e.store) for e in events}) == 1 and len(events[0].store) == 20
    assert all(e.fields["mac"] == "000E325C9A43" and e.fields["peer_ip"] == "10.10.10.194" for e in events)
    assert [e.source.first_line for e in events] == list(range(1, 21))
    assert len({e.raw[0] for e in events}) == 20  # every line keeps its own text (stamps differ)
    with pytest.raises(TypeError):
        events[0].fields["mac"] = "changed"  # a parser can no longer change it


def test_kinds_built_per_line_are_stored_once(tmp_path):
    log = tmp_path / "router.log"
    log.write_text("".join(f"Nov 26 10:15:{s:02d} cme-hq 0002{s:02d}: Nov 26 10:15:{s:02d}.014: "
                           "%LINK-3-UPDOWN: Interface GigabitEthernet0/1, changed state to up\n" for s in range(5)))
    case = Case()
    read_input(Input(str(log), lambda: open(log, "rb")), case)
    kinds = [e.kind for e in case.events]
    assert len(kinds) == 5 and len({id(k) for k in kinds}) == 1, kinds


# (line, the fields a generic syslog event holds)
SYSLOG_LINES = [
    ("Nov 26 08:30:09 cme-br1 060128: *Mar  1 00:20:18.395: %LINEPROTO-5-UPDOWN: Line protocol on Interface "
     "GigabitEthernet0/2, changed state to up",
     {"facility": "LINEPROTO", "severity": 5, "mnemonic": "UPDOWN",
      "text": "Line protocol on Interface GigabitEthernet0/2, changed state to up"}),
    ("*Jan 11 18:33:09.231:%LINK-3-UPDOWN:Interface Gi0/1, changed state to down   ",  # no spaces; trailing blanks
     {"facility": "LINK", "severity": 3, "mnemonic": "UPDOWN", "text": "Interface Gi0/1, changed state to down"}),
    ("001891: .Jul 21 18:17:07.014: %DHCPD-4-PING_CONFLICT: DHCP address conflict:  server pinged 10.10.1.40.",
     {"facility": "DHCPD", "severity": 4, "mnemonic": "PING_CONFLICT",
      "text": "DHCP address conflict:  server pinged 10.10.1.40."}),
    ("1d06h: %LINK-5-CHANGED:", {"facility": "LINK", "severity": 5, "mnemonic": "CHANGED", "text": ""}),
    ("2023-06-22 21:02:23,500: netmiko DEBUG *Mar  1 00:00:48.011: %LINK-3-UPDOWN: Interface Gi0/1, changed "
     "state to up", {"facility": "LINK", "severity": 3, "mnemonic": "UPDOWN", "text": "Interface Gi0/1, changed state to up"}),
]


@pytest.mark.parametrize("line,fields", SYSLOG_LINES)
def test_a_one_line_generic_syslog_is_stored_compactly_with_the_same_reading(line, fields):
    """issue 11 item 5: the line, severity and where the text starts, no dict, no copy
    of the text; what rules, reports and JSON read is what an Event would hold."""
    ctx = Context(path="x.log")
    (rec,) = list(frame([line]))
    (ev,) = GenericSyslogParser().parse(rec, ctx)
    assert isinstance(ev, SyslogEvent) and ev.fields == fields
    assert ev.raw == tuple(rec.lines) and line.endswith(ev.raw[0])  # a tool logger's wrapper is stripped
    assert ev.to_dict()["fields"] == fields and ev.kind == f"syslog.{fields['facility'].lower()}.{fields['mnemonic'].lower()}"
    assert ctx.stamps.events == ([ev] if rec.stamp else [])  # its year is resolved with the others


def test_a_syslog_with_continuation_lines_stays_a_plain_event():
    lines = ["*Mar  1 00:00:48.011: %SYS-2-MALLOCFAIL: Memory allocation of 1024 bytes failed", "  -Traceback= 1 2 3"]
    (rec,) = list(frame(lines))
    (ev,) = GenericSyslogParser().parse(rec, Context(path="x.log"))
    assert ev.__class__ is Event and ev.raw == tuple(lines)
    assert ev.fields["text"] == "Memory allocation of 1024 bytes failed -Traceback= 1 2 3"


def test_compact_syslog_events_hold_less():
    """Beside the line both keep: the compact event against an Event's object, fields
    dict, raw tuple and copy of the text."""
    line, fields = SYSLOG_LINES[0]
    (rec,) = list(frame([line]))
    compact_event = GenericSyslogParser().parse(rec, Context(path="x.log"))[0]
    plain = Event(kind=compact_event.kind, source=compact_event.source, fields=dict(fields), raw=(line,))
    plain_size = sum(map(sys.getsizeof, (plain, plain.fields, plain.raw, fields["text"])))
    assert sys.getsizeof(compact_event) + 200 < plain_size
