"""The excerpt capture (cmedebug/capture.py): following a run of chatter with ``skip``
keeps exactly what following its lines one by one with ``record`` keeps, private key
lines masked, whatever came before."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cmedebug.capture import ExcerptCapture

_ROUTINE = ["chatter", "more chatter", "MIIBOgIBAAJBAKj34Gkx", "--", "---", "x----y"]
_LINES = st.sampled_from([*_ROUTINE, "-----BEGIN RSA PRIVATE KEY-----", "-----END RSA PRIVATE KEY-----", "x-----y"])
# (record or skip, cited, the lines): a run's lines hold no '-----' (routine_kind passes over none)
_STEPS = st.lists(st.tuples(st.booleans(), st.booleans(), st.lists(_LINES, min_size=1, max_size=6)), max_size=12)


def _follow(steps, use_skip: bool) -> tuple[dict, list]:
    capture = ExcerptCapture({})
    line = 1
    for is_run, cited, lines in steps:
        if is_run:
            lines = [text if "-----" not in text else "chatter" for text in lines]
        if is_run and use_skip:
            capture.skip(line, lines)
        else:
            capture.record(line, lines, cited and not is_run)
        line += len(lines)
    return capture.lines, list(capture.recent)


@settings(max_examples=300, deadline=None)
@given(_STEPS)
def test_skipping_a_run_keeps_what_recording_its_lines_keeps(steps):
    assert _follow(steps, True) == _follow(steps, False)
