"""The report in a real browser (headless Chromium via Selenium): it renders offline, its script runs under
its own Content-Security-Policy without console errors, search and filters work, and hostile values never run.

Skips with the reason when Chromium/chromedriver or selenium is missing; `.ci/run` installs them in CI.
Set RECONCILE_SCREENSHOT_DIR to keep the screenshots (otherwise they go to pytest's tmp dir).
"""

from __future__ import annotations

import importlib
import os
import shutil
from pathlib import Path

import polars as pl
import pytest

from test_report import make_frames

rep = importlib.import_module("reconcile.report")

pytestmark = pytest.mark.browser

CHROMEDRIVER = "/usr/bin/chromedriver"


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install selenium)")
    from selenium.webdriver.chrome.service import Service

    browser = _chromium()
    if browser is None or not Path(CHROMEDRIVER).exists():
        pytest.skip("Chromium or chromedriver not installed (apt-get install chromium chromium-driver; "
                    ".ci/run does this in CI)")
    opts = webdriver.ChromeOptions()
    opts.binary_location = browser
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                "--window-size=1280,1600",
                f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        drv = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    except Exception as exc:  # a broken local browser install must not turn the suite red
        pytest.skip(f"Chromium could not start: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
    drv.set_page_load_timeout(30)
    yield drv
    drv.quit()


def _many_claims(n_copies: int = 12, hostile: bool = True):
    """The hand-made frames repeated under fresh claim ids (36 claims), plus one hostile claim."""
    claims, matches, leads, index = make_frames()
    cs, ms, ls = [], [], []
    for k in range(n_copies):
        def rid(df, k=k):
            return df.with_columns(pl.concat_str(pl.col("claim_id"), pl.lit(f"-{k:02d}")).alias("claim_id"))
        cs.append(rid(claims))
        ms.append(rid(matches))
        ls.append(rid(leads))
    if hostile:
        bad = '"><img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
        hc, hm, hl, _ = make_frames(name_a=bad, place=bad, reason=bad, cid_a="C-" + bad, rel_name=bad)
        cs.append(hc.head(1))
        ms.append(hm.filter(pl.col("claim_id") == "C-" + bad))
        ls.append(hl.filter(pl.col("claim_id") == "C-" + bad))
    return pl.concat(cs), pl.concat(ms), pl.concat(ls), index


def _visible_sections(drv) -> list[str]:
    return drv.execute_script(
        "return [].slice.call(document.querySelectorAll('section.claim'))"
        ".filter(function(s){return !s.hidden && s.offsetParent!==null;}).map(function(s){return s.id;});")


def _shot_dir(tmp_path: Path) -> Path:
    d = Path(os.environ.get("RECONCILE_SCREENSHOT_DIR") or tmp_path)
    d.mkdir(parents=True, exist_ok=True)
    return d


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_report_renders_searches_and_filters_in_chromium(driver, tmp_path, lang):
    from selenium.webdriver.common.by import By

    claims, matches, leads, index = _many_claims()
    out = rep.report(claims, index, out=tmp_path / "report.html", lang=lang, matches=matches, leads=leads)
    driver.get_log("browser")  # drop anything from an earlier page
    driver.get(out.resolve().as_uri())

    assert driver.find_element(By.ID, "summary").is_displayed()
    assert driver.find_element(By.ID, "c-1").is_displayed()
    chart = driver.find_element(By.CSS_SELECTOR, "#c-1 table.wf svg")
    assert chart.size["width"] > 200 and chart.size["height"] > 10
    assert driver.find_element(By.CSS_SELECTOR, "#c-1 svg.kin").size["width"] > 200
    n = claims.height
    assert len(_visible_sections(driver)) == n

    # hostile values were shown as text, never run
    assert driver.execute_script("return window.__pwned === undefined")
    assert not driver.find_elements(By.CSS_SELECTOR, "img")

    # search: folded, so "xuan" finds "Lò Thị Xuân" (12 copies) and updates the counter
    box = driver.find_element(By.ID, "q")
    box.send_keys("xuan")
    visible = _visible_sections(driver)
    assert len(visible) == 12
    assert driver.find_element(By.ID, "shown-n").text == "12"
    box.clear()
    box.send_keys("c-0001-03")
    assert len(_visible_sections(driver)) == 1
    driver.execute_script("var q=document.getElementById('q'); q.value=''; q.dispatchEvent(new Event('input'));")
    assert len(_visible_sections(driver)) == n

    # filters: piles computed in Python equal what the browser shows
    status = rep.claim_status(claims, matches, leads)
    for pile in rep.STATUSES:
        driver.find_element(By.CSS_SELECTOR, f'button[data-filter="{pile}"]').click()
        shown = _visible_sections(driver)
        assert len(shown) == int((status["status"] == pile).sum()) > 0
        for sid in shown:
            assert driver.find_element(By.ID, sid).get_attribute("data-status") == pile
    driver.find_element(By.CSS_SELECTOR, 'button[data-filter="all"]').click()
    assert len(_visible_sections(driver)) == n

    # prev/next navigation
    driver.find_element(By.CSS_SELECTOR, '#c-2 .nav a[href="#c-3"]').click()
    assert driver.execute_script("return location.hash") == "#c-3"

    errors = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
    assert not errors, errors

    driver.execute_script("window.scrollTo(0,0); location.hash='';")
    shot = _shot_dir(tmp_path) / f"report-{lang}-top.png"
    assert driver.save_screenshot(str(shot)) and shot.stat().st_size > 10_000
    driver.execute_script("document.getElementById('c-1').scrollIntoView();")
    assert driver.save_screenshot(str(_shot_dir(tmp_path) / f"report-{lang}-claim.png"))
