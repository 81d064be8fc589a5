"""The report in a real browser (headless Chromium via Selenium): it renders offline from its embedded data,
its script runs under its own Content-Security-Policy without console errors, the list is virtualised, search
(folded) and the status and commune filters work, a claim's detail (waterfall, kinship picture drawn from the
model's pairs) is built when opened, the compressed form opens too, words do not break inside, and hostile
values never run.

Skips with the reason when Chromium/chromedriver or selenium is missing; `.ci/run` installs them in CI.
Set RECONCILE_SCREENSHOT_DIR to keep the screenshots (otherwise they go to pytest's tmp dir).
Timings (open, search) are measured in benchmarks/bench_report.py, not here.
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


def start_driver(profile_dir, window="1280,1600", page_load_strategy="normal"):
    """A headless Chromium for the report (also used by benchmarks/bench_report.py)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    browser = _chromium()
    if browser is None or not Path(CHROMEDRIVER).exists():
        pytest.skip("Chromium or chromedriver not installed (apt-get install chromium chromium-driver; "
                    ".ci/run does this in CI)")
    opts = webdriver.ChromeOptions()
    opts.binary_location = browser
    opts.page_load_strategy = page_load_strategy
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                f"--window-size={window}", f"--user-data-dir={profile_dir}"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    drv.set_page_load_timeout(120)
    return drv


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install selenium)")
    try:
        drv = start_driver(tmp_path_factory.mktemp("chromium-profile"))
    except pytest.skip.Exception:
        raise
    except Exception as exc:  # a broken local browser install must not turn the suite red
        pytest.skip(f"Chromium could not start: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
    yield drv
    drv.quit()


BAD = '"><img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>\u2028</script>\u202e'


def _many_claims(n_copies: int = 12, hostile: bool = True):
    """The hand-made frames repeated under fresh claim ids (3 per copy), plus one hostile claim."""
    claims, matches, leads, index = make_frames()
    cs, ms, ls = [], [], []
    for k in range(n_copies):
        def rid(df, k=k):
            return df.with_columns(pl.concat_str(pl.col("claim_id"), pl.lit(f"-{k:02d}")).alias("claim_id"))
        cs.append(rid(claims))
        ms.append(rid(matches))
        ls.append(rid(leads))
    if hostile:
        hc, hm, hl, _ = make_frames(name_a=BAD, place=BAD, reason=BAD, cid_a="C-" + BAD, rel_name=BAD)
        cs.append(hc.head(1))
        ms.append(hm.filter(pl.col("claim_id") == "C-" + BAD))
        ls.append(hl.filter(pl.col("claim_id") == "C-" + BAD))
    return pl.concat(cs), pl.concat(ms), pl.concat(ls), index


def open_report(drv, path: Path, timeout: float = 60.0) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    drv.get_log("browser")  # drop anything from an earlier page
    drv.get(path.resolve().as_uri())
    WebDriverWait(drv, timeout, poll_frequency=0.02).until(
        lambda d: d.execute_script("return document.documentElement.getAttribute('data-ready') === '1'"))


def _rows(drv) -> list[dict]:
    return drv.execute_script(
        "return [].slice.call(document.querySelectorAll('#list .row')).map(function(r){"
        "return {k:+r.getAttribute('data-k'), status:r.getAttribute('data-status'), text:r.textContent};});")


def _click(drv, css: str) -> None:
    """Scroll the element to the middle of the window (clear of the sticky header), then click it."""
    from selenium.webdriver.common.by import By

    el = drv.find_element(By.CSS_SELECTOR, css)
    drv.execute_script("arguments[0].scrollIntoView({block:'center'});", el)
    el.click()


def _shown(drv) -> int:
    return int(drv.find_element("id", "shown-n").text)


def _type(drv, text: str) -> None:
    drv.execute_script("var q=document.getElementById('q'); q.value=arguments[0];"
                       "q.dispatchEvent(new Event('input'));", text)


def _shot_dir(tmp_path: Path) -> Path:
    d = Path(os.environ.get("RECONCILE_SCREENSHOT_DIR") or tmp_path)
    d.mkdir(parents=True, exist_ok=True)
    return d


def _severe(drv) -> list:
    return [e for e in drv.get_log("browser") if e.get("level") == "SEVERE"]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_report_renders_searches_and_filters_in_chromium(driver, tmp_path, lang):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    claims, matches, leads, index = _many_claims()
    out = rep.report(claims, index, out=tmp_path / "report.html", lang=lang, matches=matches, leads=leads)
    open_report(driver, out)
    n = claims.height
    assert _shown(driver) == n and len(_rows(driver)) > 5
    assert driver.execute_script("return document.documentElement.lang") == lang

    # hostile values were shown as text, never run
    assert driver.execute_script("return window.__pwned === undefined")
    assert not driver.find_elements(By.CSS_SELECTOR, "img")

    # open the first claim: its detail, waterfall and kinship picture are built now
    _click(driver, '#list .row[data-k="0"]')
    detail = driver.find_element(By.ID, "detail")
    assert detail.get_attribute("data-claim") == "0"
    chart = driver.find_element(By.CSS_SELECTOR, "#detail table.wf svg")
    assert chart.size["width"] > 200 and chart.size["height"] > 10
    assert driver.find_element(By.CSS_SELECTOR, "#detail svg.kin").size["width"] > 200
    # the picture's lines are the model's pairs: father (+4.0, green) and child Súa–Thán (−4.1, red)
    lines = driver.execute_script(
        "return [].slice.call(document.querySelectorAll('#detail svg.kin line.kl:not(.me)'))"
        ".map(function(l){return l.getAttribute('class');});")
    assert sorted(lines) == ["kl neg", "kl pos"]
    labels = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "#detail svg.kin text.ks")]
    assert sorted(labels) == ["+4.0", "−4.1"]
    assert "Thán" in detail.text
    # the second candidate's evidence is built when opened
    second = driver.find_element(By.CSS_SELECTOR, '#detail details.ev[data-rank="2"]')
    assert not second.find_elements(By.CSS_SELECTOR, "li, table.wf")
    _click(driver, '#detail details.ev[data-rank="2"] > summary')
    # the `toggle` event is dispatched as a task after the click: wait for it (it raced under load)
    from selenium.webdriver.support.ui import WebDriverWait
    WebDriverWait(driver, 10).until(lambda d: second.find_elements(By.CSS_SELECTOR, "li"))

    # search: folded, so "xuan" finds "Lò Thị Xuân" (12 copies) and updates the counter
    _type(driver, "xuan")
    assert _shown(driver) == 12 and all("Xuân" in r["text"] for r in _rows(driver))
    _type(driver, "C-0001-03")
    assert _shown(driver) == 1
    _type(driver, "giang a pao")  # a candidate's name, without tones
    assert _shown(driver) == 13
    _type(driver, "")
    assert _shown(driver) == n

    # status filters: piles computed in Python equal what the browser shows
    status = rep.claim_status(claims, matches, leads)
    for pile in rep.STATUSES:
        _click(driver, f'button[data-filter="{pile}"]')
        assert _shown(driver) == int((status["status"] == pile).sum()) > 0
        assert {r["status"] for r in _rows(driver)} == {pile}
    _click(driver, 'button[data-filter="all"]')
    assert _shown(driver) == n

    # commune filter
    select = Select(driver.find_element(By.ID, "place"))
    option = next(o for o in select.options if "Cư Klông" in o.text)
    select.select_by_visible_text(option.text)
    assert _shown(driver) == 12 and all("Xuân" in r["text"] for r in _rows(driver))
    select.select_by_index(0)
    assert _shown(driver) == n

    # next / previous and links by hash
    _click(driver, '#list .row[data-k="1"]')
    _click(driver, '#detail .nav button[data-go="2"]')
    assert driver.execute_script("return location.hash") == "#c-3"
    assert detail.get_attribute("data-claim") == "2"
    driver.execute_script("location.hash='#c-2'")
    assert driver.find_element(By.ID, "detail").get_attribute("data-claim") == "1"

    # the hostile claim opens and shows its values as text
    _type(driver, "pwned")
    assert _shown(driver) == 1
    _click(driver, "#list .row")
    assert "onerror" in driver.find_element(By.ID, "detail").text and "[U+202E]" in driver.find_element(By.ID, "detail").text
    assert driver.execute_script("return window.__pwned === undefined")
    assert not driver.find_elements(By.CSS_SELECTOR, "img, #detail script")

    assert not _severe(driver)
    driver.execute_script("window.scrollTo(0,0);")
    shot = _shot_dir(tmp_path) / f"report-{lang}-top.png"
    assert driver.save_screenshot(str(shot)) and shot.stat().st_size > 10_000
    _type(driver, "")
    _click(driver, '#list .row[data-k="0"]')
    assert driver.save_screenshot(str(_shot_dir(tmp_path) / f"report-{lang}-claim.png"))


def test_list_is_virtualised_and_compressed_report_opens(driver, tmp_path):
    from selenium.webdriver.common.by import By

    claims, matches, leads, index = _many_claims(n_copies=150)
    out = rep.report(claims, index, out=tmp_path / "big.html", matches=matches, leads=leads,
                     config=rep.ReportConfig(compress_over=10_000))
    text = out.read_text(encoding="utf-8")
    assert '{"gz":"' in text
    open_report(driver, out)
    n = claims.height
    assert _shown(driver) == n == 451
    assert len(_rows(driver)) < 60  # only the rows in view exist
    driver.execute_script("var l=document.getElementById('list'); l.scrollTop=l.scrollHeight;"
                          "l.dispatchEvent(new Event('scroll'));")
    driver.execute_script("return new Promise(function(r){requestAnimationFrame(function(){r();});});")
    assert max(r["k"] for r in _rows(driver)) == n - 1
    _click(driver, f'#list .row[data-k="{n - 1}"]')
    assert driver.find_element(By.ID, "detail").get_attribute("data-claim") == str(n - 1)
    assert driver.execute_script("return window.__pwned === undefined")
    assert not _severe(driver)


def test_words_and_percentages_do_not_break_inside(driver, tmp_path):
    from selenium.webdriver.common.by import By

    claims, matches, leads, index = make_frames()
    claims = claims.with_columns(pl.col("relatives").list.concat(
        pl.lit([{"relation": "spouse", "name": "Vàng Thị Cở", "birth_year": 1957}],
               dtype=claims.schema["relatives"])))
    matches = matches.with_columns(pl.when(pl.col("rank") == 1).then(0.995).otherwise(pl.col("probability"))
                                   .alias("probability"))
    out = rep.report(claims, index, out=tmp_path / "narrow.html", matches=matches, leads=leads)
    driver.set_window_size(400, 900)
    try:
        open_report(driver, out)
        _click(driver, '#list .row[data-k="0"]')
        assert ">99%" in driver.find_element(By.ID, "detail").text
        # each of these texts lies on ONE line box even in a narrow window
        lines = driver.execute_script("""
            var out = {};
            [].slice.call(document.querySelectorAll('#detail .pct, #detail .rel, #detail table.wf th, #detail dl.given dt'))
              .forEach(function(e){ var r = document.createRange(); r.selectNodeContents(e);
                 var tops = {}; [].slice.call(r.getClientRects()).forEach(function(b){ if (b.width > 0) tops[Math.round(b.top)] = 1; });
                 out[e.textContent] = Object.keys(tops).length; });
            return out;""")
        assert lines[">99%"] == 1 and lines["Vợ/chồng:"] == 1, lines
        assert all(v == 1 for v in lines.values()), lines
    finally:
        driver.set_window_size(1280, 1600)
