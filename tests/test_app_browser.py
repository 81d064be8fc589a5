"""The officer's loop in a real browser (headless Chromium via Selenium) against a live server:
queue → claim → confirm → reload sees it → reject another → the next `match` no longer proposes it →
a new claim typed at the desk shows candidates. No console errors (CSP blocks any inline script).

Skips with the reason when Chromium/chromedriver, selenium or the app extra is missing.
"""

from __future__ import annotations

import socket
import threading
import time

import polars as pl
import pytest

pytest.importorskip("uvicorn", reason="the app extra is not installed (pip install 'reconcile[app]')")
from test_browser import driver  # noqa: E402,F401  (the report's headless Chromium fixture)
from test_decisions import sample_index_claims  # noqa: E402

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    import uvicorn

    from reconcile.app.security import SecurityConfig
    from reconcile.app.server import create_app
    from reconcile.app.service import Workbench
    from reconcile.decisions import Decisions

    index, claims = sample_index_claims()
    db = Decisions.open(tmp_path_factory.mktemp("browser") / "decisions.db")
    wb = Workbench.build(index, claims, db)
    port = _free_port()
    app = create_app(wb, SecurityConfig(port=port))
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    t = threading.Thread(target=srv.run, daemon=True)
    t.start()
    for _ in range(200):
        if srv.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", wb
    srv.should_exit = True
    t.join(10)


def _wait(drv, cond, timeout=20.0):
    """Poll `cond` until truthy. A page replaced mid-poll (the form posts and the server answers with
    a new page) leaves the elements found a moment ago stale: that poll counts as "not yet"."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    # Chrome reports an element of a replaced document as stale, or as "no such element: Node with
    # given id does not belong to the document"; both mean the page is still changing
    gone = (StaleElementReferenceException, NoSuchElementException, IndexError)
    return WebDriverWait(drv, timeout, ignored_exceptions=gone).until(lambda d: cond(d))


def _ids(drv, css: str, attr: str) -> list[str]:
    """`attr` of every element matching `css`, read once the page holds still (see `_wait`)."""
    from selenium.webdriver.common.by import By

    return _wait(drv, lambda d: [r.get_attribute(attr) for r in d.find_elements(By.CSS_SELECTOR, css)] or None)


def _errors(drv) -> list[str]:
    try:
        logs = drv.get_log("browser")
    except Exception:  # noqa: BLE001 - some drivers have no log endpoint
        return []
    return [e["message"] for e in logs if e.get("level") == "SEVERE" and "favicon" not in e["message"]]


def _two_candidate_claims(wb) -> list[str]:
    n = wb.matches.group_by("claim_id").len().filter(pl.col("len") >= 2)
    return sorted(n["claim_id"].to_list())


def test_officer_loop(driver, server):  # noqa: F811
    from selenium.webdriver.common.by import By

    import reconcile as rc

    base, wb = server
    drv = driver
    # the queue
    drv.get(base + "/")
    _wait(drv, lambda d: len(d.find_elements(By.CSS_SELECTOR, "tr.qrow")) > 0)
    assert len(drv.find_elements(By.CSS_SELECTOR, "tr.qrow")) == wb.claims.height
    # search without diacritics
    name = wb.claims["name"][3]
    from reconcile.app.service import fold
    box = drv.find_element(By.ID, "q")
    box.send_keys(fold(name))
    _wait(drv, lambda d: 0 < len(d.find_elements(By.CSS_SELECTOR, "tr.qrow")) < wb.claims.height)
    assert _wait(drv, lambda d: any(name in r.text for r in d.find_elements(By.CSS_SELECTOR, "tr.qrow")))

    # open a claim from the queue and confirm its first candidate
    c1, c2 = _two_candidate_claims(wb)[:2]
    box.clear()
    box.send_keys(c1)
    _wait(drv, lambda d: any(r.get_attribute("data-claim-id") == c1 for r in d.find_elements(By.CSS_SELECTOR, "tr.qrow")))
    drv.find_element(By.CSS_SELECTOR, f'tr.qrow[data-claim-id="{c1}"] a').click()
    _wait(drv, lambda d: d.find_elements(By.ID, "candidates"))
    p1 = _ids(drv, "tr.cand", "data-person-id")[0]
    drv.find_element(By.ID, "officer").send_keys("Cán bộ Hoàng Thị Mai")
    drv.find_element(By.CSS_SELECTOR, f'button[value="confirm:{p1}"]').click()
    _wait(drv, lambda d: d.find_elements(By.ID, "verdict"))
    drv.refresh()
    assert _ids(drv, "#verdict", "data-person-id") == [p1]
    assert _ids(drv, "tr.cand", "data-person-id") == [p1]

    # reject the second candidate of another claim: gone from the page and from the next match
    drv.get(base + "/claim/" + c2)
    p2 = _ids(drv, "tr.cand", "data-person-id")[1]
    assert drv.find_element(By.ID, "officer").get_attribute("value") == "Cán bộ Hoàng Thị Mai"  # remembered
    drv.find_element(By.CSS_SELECTOR, f'button[value="reject:{p2}"]').click()
    _wait(drv, lambda d: p2 not in [r.get_attribute("data-person-id") for r in d.find_elements(By.CSS_SELECTOR, "tr.cand")])
    nxt = rc.match(wb.claims, wb.index, top_k=10, decisions=wb.decisions.path)
    assert nxt.filter((pl.col("claim_id") == c2) & (pl.col("person_id") == p2)).height == 0
    assert nxt.filter(pl.col("claim_id") == c1)["person_id"].to_list() == [p1]

    # the queue shows both claims' state
    drv.get(base + "/?status=decided")
    assert _ids(drv, "tr.qrow", "data-claim-id") == [c1]

    # a new claim at the desk: candidates appear while typing
    drv.get(base + "/new")
    target = wb.claims.filter(pl.col("claim_id") == c2).row(0, named=True)
    drv.find_element(By.ID, "f-name").send_keys(target["name"])
    _wait(drv, lambda d: d.find_elements(By.CSS_SELECTOR, "tr.newcand"))
    lat = drv.execute_script("return window.__lastLatency")
    assert lat is not None and lat > 0
    assert not _errors(drv), _errors(drv)
