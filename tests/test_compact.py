"""Compact storage: equal values of events and facts are one object, nothing
mutable is shared, and the table stays bounded."""
from __future__ import annotations

from cmedebug import compact
from cmedebug.ingest import read_input
from cmedebug.model import Case, Event, Fact, SourceRef
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


def test_ingest_stores_repeated_evidence_once(tmp_path):
    log = tmp_path / "router.log"
    log.write_text("".join(REGISTER.format(s=s) for s in range(20)))
    case = Case()
    read_input(Input(str(log), lambda: open(log, "rb")), case)
    events = case.events_of("ephone.registered")
    first, *rest = events
    assert len(rest) == 19
    assert all(e.fields["mac"] is first.fields["mac"] and e.fields["peer_ip"] is first.fields["peer_ip"] for e in rest)
    assert len({e.raw[0] for e in rest}) == 19  # every line keeps its own text (stamps differ)


def test_kinds_built_per_line_are_stored_once(tmp_path):
    log = tmp_path / "router.log"
    log.write_text("".join(f"Nov 26 10:15:{s:02d} cme-hq 0002{s:02d}: Nov 26 10:15:{s:02d}.014: "
                           "%LINK-3-UPDOWN: Interface GigabitEthernet0/1, changed state to up\n" for s in range(5)))
    case = Case()
    read_input(Input(str(log), lambda: open(log, "rb")), case)
    kinds = [e.kind for e in case.events]
    assert len(kinds) == 5 and len({id(k) for k in kinds}) == 1, kinds
