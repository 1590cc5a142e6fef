"""Evidence excerpts are captured at ingest (cmedebug/capture.py) and read from the
case by reports/excerpts.py: context around the cited lines for files, zip
members and standard input alike, private keys masked, memory bounded."""
from __future__ import annotations

import io
import zipfile

from cmedebug import capture
from cmedebug.model import Evidence, SourceRef
from cmedebug.pipeline import load
from cmedebug.reports.excerpts import excerpts
from cmedebug.sources import Input

LOG = [
    "cme-1#show clock",
    "*00:12:41.201 UTC Mon Mar 1 1993",
    "an unrelated line 1",
    "an unrelated line 2",
    "an unrelated line 3",
    "*Mar  1 00:12:44.101: %PKI-3-CERTIFICATE_INVALID_NOT_YET_VALID: Certificate chain validation has failed.  "
    "The certificate (SN: 1B) is not yet valid   Validity period starts on 10:00:00 UTC Nov 26 2026",
    "an unrelated line 4",
    "an unrelated line 5",
    "an unrelated line 6",
]


def _cited(case) -> Evidence:
    event = next(e for e in case.events if e.kind == "pki.cert.invalid_not_yet_valid")
    return Evidence.of(event)


def _window(case) -> list[tuple[int, str, bool]]:
    ev = _cited(case)
    return [(x.number, x.text, x.cited) for x in excerpts([ev], case.excerpts)[id(ev)]]


def test_a_file_excerpt_has_its_context(tmp_path):
    path = tmp_path / "router.log"
    path.write_text("\n".join(LOG) + "\n", encoding="utf-8")
    window = _window(load([str(path)], year=2026))
    assert [n for n, _, _ in window] == [4, 5, 6, 7, 8]
    assert [n for n, _, cited in window if cited] == [6]
    assert window[0][1] == "an unrelated line 2" and window[-1][1] == "an unrelated line 5"


def test_excerpts_never_reopen_the_input(tmp_path):
    path = tmp_path / "router.log"
    path.write_text("\n".join(LOG) + "\n", encoding="utf-8")
    case = load([str(path)], year=2026)
    path.unlink()  # the report comes after the analysis; the input may be gone (a zip member, stdin)
    assert [n for n, _, _ in _window(case)] == [4, 5, 6, 7, 8]


def test_a_zip_member_and_standard_input_get_context_too(tmp_path):
    archive = tmp_path / "case.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("router.log", "\n".join(LOG) + "\n")
    assert [n for n, _, _ in _window(load([str(archive)], year=2026))] == [4, 5, 6, 7, 8]
    data = ("\n".join(LOG) + "\n").encode()
    stdin = load(inputs=[Input("-", lambda: io.BytesIO(data))], year=2026)
    assert [n for n, _, _ in _window(stdin)] == [4, 5, 6, 7, 8]


def test_a_private_key_next_to_the_evidence_is_masked(tmp_path):
    key = ["-----BEGIN RSA PRIVATE KEY-----", "MIICXAIBAAKBgQDsecretsecretsecret", "-----END RSA PRIVATE KEY-----"]
    lines = LOG[:3] + key + LOG[5:]
    path = tmp_path / "router.log"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    case = load([str(path)], year=2026)
    texts = [text for _, text, _ in _window(case)]
    assert not any("secretsecret" in text for text in texts), texts
    assert all("secretsecret" not in text for text in case.excerpts[str(path)].values())


def test_capture_is_bounded_and_falls_back_to_the_evidence_lines(tmp_path, monkeypatch):
    monkeypatch.setattr(capture, "MAX_LINES_PER_INPUT", 3)
    lines = LOG[:2] + [f"filler {n}" for n in range(20)] + LOG[5:]  # the event is line 23
    path = tmp_path / "router.log"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    case = load([str(path)], year=2026)
    assert len(case.excerpts[str(path)]) <= 3 + capture.RECORD_LINES + capture.CONTEXT_LINES
    window = _window(case)  # past the budget: the evidence's own line, no context
    assert [(n, cited) for n, _, cited in window] == [(23, True)]


def test_evidence_without_lines_or_capture_shows_what_it_carries():
    ev = Evidence(SourceRef("CTLFile.tlv"), ("record 1: SAST CN=sast1",))
    assert [(x.number, x.text) for x in excerpts([ev], {})[id(ev)]] == [(0, "record 1: SAST CN=sast1")]


def test_chatter_does_not_spend_the_budget_of_evidence_later_in_a_busy_log(tmp_path):
    """Routine chatter gives no evidence: it is context, never cited, so the evidence
    after a quarter of a million lines of it still has its lines and their context
    (before, the budget went on the first 20,000 chatter lines)."""
    prefix = "Nov 26 08:00:45 cme-hq 001481: *Mar  1 00:00:41.776: "
    chatter = [prefix + f"ephone-{n % 60}[{n % 60}]:KeepaliveAck sent to ephone {n % 60}" for n in range(250_000)]
    log = tmp_path / "busy.log"
    log.write_text("\n".join(chatter + [LOG[5], *chatter[:3]]) + "\n")
    case = load([str(log)])
    event = next(e for e in case.events if e.kind == "pki.cert.invalid_not_yet_valid")
    assert event.source.first_line == 250_001
    kept = case.excerpts[str(log)]
    assert all(n in kept for n in range(250_001 - capture.CONTEXT_LINES, 250_004 + 1))
    assert kept[250_001] == LOG[5] and len(kept) < 100  # and nothing of the chatter before it


def test_a_flood_of_one_kind_leaves_room_for_the_evidence_of_the_others(tmp_path, monkeypatch):
    """The first CITED_MESSAGES_PER_KIND messages of an event kind spend the budget; the
    rest of a flood (an interface flapping all day) is context, so evidence of another
    kind after it still has its lines and context."""
    monkeypatch.setattr(capture, "MAX_LINES_PER_INPUT", 2_000)
    prefix = "Nov 26 08:00:45 cme-hq 001481: *Mar  1 00:00:41.776: "
    flood = [prefix + f"%LINK-3-UPDOWN: Interface GigabitEthernet0/{n % 4}, changed state to down" for n in range(5_000)]
    log = tmp_path / "flapping.log"
    log.write_text("\n".join(flood + [LOG[5], *flood[:3]]) + "\n")
    case = load([str(log)])
    kept = case.excerpts[str(log)]
    assert all(n in kept for n in range(5_001 - capture.CONTEXT_LINES, 5_004 + 1))
    flood_kept = [n for n in kept if n <= 5_000 - capture.CONTEXT_LINES]
    assert capture.CITED_MESSAGES_PER_KIND <= len(flood_kept) <= capture.CITED_MESSAGES_PER_KIND * 13
