"""Reading and writing agree: the parsers' shape tables cite catalogue ids (`# msg: <id>`),
every cited id exists, and every log message a scenario prints is read by a parser shape
that cites it, into the event kind the catalogue names."""
from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest

from cmedebug import messages
from cmedebug.pipeline import load

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "sample_logs"
LOG_FAMILIES = ("debug", "syslog", "console")
CITATION = re.compile(r"#\s*msg:\s*([\w.\-, ]+)")


def _citations() -> dict[str, set[str]]:
    cited: dict[str, set[str]] = defaultdict(set)
    for path in (REPO / "parsers").glob("*.py"):
        for m in CITATION.finditer(path.read_text()):
            for mid in m.group(1).split(","):
                if mid.strip():
                    cited[mid.strip()].add(path.name)
    return cited


def test_every_cited_id_is_in_the_catalogue():
    unknown = sorted(set(_citations()) - set(messages.catalogue()))
    assert not unknown, f"parsers cite ids the catalogue lacks: {unknown}"


def test_every_catalogued_kind_is_cited_by_a_parser():
    cited = _citations()
    uncited = [m.id for m in messages.catalogue().values() if m.kinds and m.id not in cited]
    assert not uncited, f"no parser shape cites {uncited}"


@pytest.mark.parametrize("name", sorted(p.name for p in SAMPLES.iterdir() if (p / "router.log").exists()))
def test_every_printed_log_message_is_read_into_its_catalogued_kind(name):
    path = SAMPLES / name / "router.log"
    case = load([str(path)])
    kinds_at: dict[int, set[str]] = defaultdict(set)
    for event in case.events:
        for line in range(event.source.first_line, event.source.last_line + 1):
            kinds_at[line].add(event.kind)
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        for m in messages.matching(line, LOG_FAMILIES):
            if m.kinds:
                assert set(m.kinds) & kinds_at[number], f"{name}:{number} {m.id} read as {kinds_at[number] or 'nothing'}"


def test_inferred_shapes_are_named_for_the_rules_that_read_them():
    assert sorted(m.id for m in messages.inferred_for(["tls.handshake.failed"])) == [
        "CAPWAP-3-ERRORLOG", "DTLS-3-HANDSHAKE_FAILURE", "DTLS-4-BAD_CERT", "DTLS-5-ALERT", "DTLS-5-SEND_ALERT",
        "SSL-3-SSL_HANDSHAKE_FAIL", "ssl.openssl-error"]
    assert {m.id for m in messages.inferred_for(["capf"])} >= {"capf.send-store", "capf.ssl-handshake-failed"}
