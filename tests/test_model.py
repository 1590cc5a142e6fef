"""Case lookups used by every rule."""
from __future__ import annotations

from cmedebug.model import Case, Event, Fact, SourceRef


def _ev(kind: str, line: int) -> Event:
    return Event(kind=kind, source=SourceRef("a.log", line, line))


def test_events_of_matches_dotted_prefixes_in_case_order():
    case = Case(events=[_ev("tls.handshake.failed", 1), _ev("pki.cert.invalid_expired", 2),
                        _ev("tls.handshake.ok", 3), _ev("tlsx.other", 4)])
    assert [e.source.first_line for e in case.events_of("tls")] == [1, 3]
    assert [e.source.first_line for e in case.events_of("tls.handshake.ok", "pki")] == [2, 3]
    assert list(case.events_of("tls.handshake.fail")) == []  # prefixes are whole dotted parts


def test_has_matches_kinds_and_their_whole_dotted_prefixes_of_events_and_facts():
    case = Case(events=[_ev("tls.handshake.failed", 1), _ev("tlsx.other", 2)],
                facts=[Fact(kind="config.ephone", source=SourceRef("a.log", 3))])
    for prefixes, found in ((("tls",), True), (("tls.handshake",), True), (("tls.handshake.failed",), True),
                            (("tls.handshake.fail",), False), (("tls.hand",), False), (("tlsx",), True),
                            (("config",), True), (("config.ephone.x",), False), (("nothing", "config"), True),
                            (("nothing", "tls."), False), (("",), False), ((), False)):
        assert case.has(*prefixes) is found, prefixes


def test_the_index_follows_events_added_later():
    case = Case(events=[_ev("a.b", 1)])
    assert case.has("a")
    assert not case.has("c")
    case.events.append(_ev("c.d", 2))
    assert [e.source.first_line for e in case.events_of("c")] == [2]
    case.facts.append(Fact(kind="c.fact", source=SourceRef("x")))
    assert [f.kind for f in case.facts_of("c")] == ["c.fact"]


def test_a_derived_value_is_remembered_until_the_case_grows():
    """Values the rules read once per finding are built once a case, and again when
    events or facts were added since."""
    case = Case()
    built = []

    def count_facts(c):
        built.append(len(c.facts))
        return len(c.facts)

    assert [case.derived("facts", count_facts) for _ in range(3)] == [0, 0, 0] and built == [0]
    case.facts.append(Fact(kind="config.ephone", source=SourceRef("a.log", 1, 1)))
    assert case.derived("facts", count_facts) == 1 and built == [0, 1]
    case.events.append(Event(kind="x", source=SourceRef("a.log", 2, 2)))
    assert case.derived("facts", count_facts) == 1 and built == [0, 1, 1]
    assert case.derived("other", lambda c: "else") == "else" and case.derived("facts", count_facts) == 1
    assert built == [0, 1, 1]
