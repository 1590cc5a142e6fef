"""The objects an input's reading made are frozen while the case is analysed
(the cyclic collector does not scan them again and again, issue 17), and never
stay frozen after: a long-running process collects as before."""
import gc
from pathlib import Path

import pytest

from cmedebug import engine, pipeline

SAMPLE = Path(__file__).resolve().parents[1] / "sample_logs" / "clock-never-set" / "router.log"


@pytest.fixture(autouse=True)
def nothing_frozen_before():
    if gc.get_freeze_count():
        pytest.skip("this process froze objects before the test")


def _frozen_while_rules_run(monkeypatch) -> list[int]:
    seen = []
    real_run = engine.run

    def recording_run(case, rules=None):
        seen.append(gc.get_freeze_count())
        return real_run(case, rules)

    monkeypatch.setattr(engine, "run", recording_run)
    return seen


def test_the_read_objects_are_frozen_while_the_rules_run_then_unfrozen(monkeypatch):
    seen = _frozen_while_rules_run(monkeypatch)
    case = pipeline.analyze([str(SAMPLE)])
    assert case.findings and seen and seen[0] > len(case.events)
    assert gc.get_freeze_count() == 0


def test_load_unfreezes_too():
    case = pipeline.load([str(SAMPLE)])
    assert case.events and gc.get_freeze_count() == 0


def test_unfrozen_when_the_analysis_fails(monkeypatch):
    def failing_run(case, rules=None):
        raise RuntimeError("a rule failed")

    monkeypatch.setattr(engine, "run", failing_run)
    with pytest.raises(RuntimeError):
        pipeline.analyze([str(SAMPLE)])
    assert gc.get_freeze_count() == 0


def test_a_process_that_freezes_objects_itself_keeps_its_policy(monkeypatch):
    seen = _frozen_while_rules_run(monkeypatch)
    gc.freeze()
    try:
        before = gc.get_freeze_count()
        pipeline.analyze([str(SAMPLE)])
        assert seen == [before] and gc.get_freeze_count() == before  # nothing added, nothing released
    finally:
        gc.unfreeze()


def test_no_collection_scans_what_a_reading_made_before_it_is_frozen(monkeypatch, tmp_path):
    """Ingest pauses the collector while it parses; it stays paused until the objects are
    frozen: a collection in between scanned all of them (40 ms on a million-line log)."""
    reading, collections = [], []
    real_read, real_freeze = pipeline.read_input, gc.freeze

    def read_input(*args, **kwargs):
        reading.append(True)
        return real_read(*args, **kwargs)

    def freeze():
        reading.clear()
        real_freeze()

    def watch(phase, info):
        if phase == "start" and reading:
            collections.append(info["generation"])

    monkeypatch.setattr(pipeline, "read_input", read_input)
    monkeypatch.setattr(gc, "freeze", freeze)
    gc.callbacks.append(watch)
    try:
        log = tmp_path / "flaps.log"  # (thousands of kept events: the collector's threshold is crossed)
        log.write_text("".join(f"*Mar  1 00:{n // 60 % 60:02d}:{n % 60:02d}.{n % 1000:03d}: %LINK-3-UPDOWN: Interface "
                               f"GigabitEthernet0/{n % 48}, changed state to down\n" for n in range(5000)))
        gc.collect()
        case = pipeline.analyze([str(SAMPLE), str(log)])
    finally:
        gc.callbacks.remove(watch)
    assert case.events and not collections and gc.isenabled()
