"""The HTML report in a real headless Chromium (Debian's `chromium` and
`chromium-driver`, installed by .ci/run): no console errors (a CSP violation
is one), the verdict and every finding in the DOM, every in-page anchor
resolving, hostile log text shown as text and executing nothing. A screenshot
of each report is saved under test-artifacts/."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from cmedebug.pipeline import analyze
from cmedebug.reports.html import render

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
SCENARIOS = sorted(p for p in (ROOT / "sample_logs").iterdir() if p.is_dir()) if (ROOT / "sample_logs").is_dir() else []
CASES = [*SCENARIOS, ROOT / "tests" / "data" / "reports" / "clock-skew", ROOT / "tests" / "data" / "reports" / "xss"]
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1280,1000")


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not os.path.exists(CHROMIUM) and not os.environ.get("CI"):
        pytest.skip("headless Chromium is not installed (apt-get install chromium chromium-driver)")
    if os.environ.get("CI"):  # in CI the browser test must run, never skip
        from selenium import webdriver
    else:
        webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def _open(browser, case, name: str, tmp_path: Path) -> None:
    out = tmp_path / f"{name}.html"
    out.write_text(render(case), encoding="utf-8")
    browser.get_log("browser")  # drop what an earlier page logged
    browser.get(out.as_uri())


def _screenshot(browser, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1280, min(int(height) + 100, 16000))
    browser.save_screenshot(str(ARTIFACTS / f"report-{name}.png"))
    browser.set_window_size(1280, 1000)


@pytest.mark.parametrize("case_dir", CASES, ids=lambda p: p.name)
def test_report_reads_in_a_browser(browser, case_dir, tmp_path):
    from selenium.webdriver.common.by import By

    case = analyze([str(case_dir)])
    _open(browser, case, case_dir.name, tmp_path)
    errors = [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
    assert errors == [], f"console errors: {errors}"
    verdict = browser.find_element(By.ID, "verdict").text
    roots = case.root_causes()
    if roots:
        assert roots[0].title in verdict
    else:
        assert "No fault found" in verdict
    for f in case.findings:
        card = browser.find_element(By.ID, f"finding-{f.id}")
        assert f.rule_id in card.text and card.is_displayed()
    dangling = browser.execute_script(
        "return Array.from(document.querySelectorAll('a[href^=\"#\"]'))"
        ".map(a => a.getAttribute('href').slice(1)).filter(id => !document.getElementById(id));")
    assert dangling == []
    anchors = browser.execute_script("return document.querySelectorAll('a[href^=\"#ev-\"]').length")
    assert anchors >= sum(len(f.evidence) for f in case.findings)
    _screenshot(browser, case_dir.name)


def test_hostile_log_text_is_shown_and_executes_nothing(browser, tmp_path):
    from selenium.webdriver.common.by import By

    _open(browser, analyze([str(ROOT / "tests" / "data" / "reports" / "xss")]), "xss", tmp_path)
    assert browser.execute_script("return typeof window.cmedebugPwned") == "undefined"
    assert browser.title != "pwned" and browser.title.startswith("cmedebug report")
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "<script>window.cmedebugPwned=1;document.title='pwned'</script>" in body
    assert '"><img src=x onerror="window.cmedebugPwned=2' in body
    assert "javascript:window.cmedebugPwned=3" in body
    assert browser.execute_script("return document.querySelectorAll('img, iframe, object, embed').length") == 0
    assert browser.execute_script("return document.scripts.length") == 1  # the report's own copy script
    assert browser.execute_script(
        "return document.querySelectorAll('a[href^=\"javascript:\" i], [onerror], [onclick], [onload]').length") == 0
    # following the links does not run anything either
    for link in browser.find_elements(By.CSS_SELECTOR, "a[href^='#']")[:20]:
        browser.execute_script("arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))", link)
    assert browser.execute_script("return typeof window.cmedebugPwned") == "undefined"
    _screenshot(browser, "xss")


def test_chromium_is_present_in_ci():
    if os.environ.get("CI"):
        assert shutil.which("chromium") or os.path.exists(CHROMIUM), "CI must install chromium for the browser test"
