"""The section "Reproduced on the reference CME" in a real headless Chromium: shown, linked from
the table of contents, no console error (a CSP violation is one), the fix's copy button there."""
from __future__ import annotations

from pathlib import Path

import pytest
from test_browser import browser  # noqa: F401  (the module's Chromium fixture)

from cmedebug.pipeline import analyze
from cmedebug.replay.results import load
from cmedebug.replay.run import replay
from cmedebug.reports.html import render

pytestmark = pytest.mark.browser
SAMPLE = Path(__file__).resolve().parents[1] / "sample_logs" / "config-signed-by-untrusted"


def test_the_replay_section_in_chromium(browser, tmp_path):  # noqa: F811
    case = [str(p) for p in sorted(SAMPLE.iterdir()) if p.name != "scenario.toml"]
    replay(case, tmp_path / "replay")
    page = tmp_path / "report.html"
    page.write_text(render(analyze(case), replay=load(tmp_path / "replay")), encoding="utf-8")
    browser.get_log("browser")
    browser.get(page.as_uri())
    from selenium.webdriver.common.by import By

    section = browser.find_element(By.ID, "replay")
    assert section.is_displayed() and "Reproduced on the reference CME" in section.text
    assert "reproduced" in section.find_element(By.TAG_NAME, "strong").text
    assert browser.find_elements(By.CSS_SELECTOR, 'nav a[href="#replay"]')
    assert section.find_elements(By.CSS_SELECTOR, 'button.copy[data-target="replay-fix-1"]')
    assert browser.find_element(By.ID, "replay-fix-1").text.startswith("configure terminal")
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors
