"""Review app speed in headless Chromium: queue page load with N claims, search in the queue, and
keystroke-to-candidates on the desk form (the one-claim route), on generated data.

    .venv/bin/python benchmarks/bench_app.py --people 30000 --claims 10000 [--out benchmarks/results/app.json]

Page load = navigation start -> first queue rows rendered (performance.now() when the rows are in the
DOM). Keystroke-to-candidates = the `input` event -> candidate rows rendered (includes the 60 ms
debounce, the HTTP round trip and the server's one-claim answer). Run by hand; timings are inflated
when other jobs share the machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", type=int, default=30_000)
    ap.add_argument("--claims", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--typed", type=int, default=20, help="claims typed into the desk form")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    import polars as pl
    import uvicorn
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    import reconcile as rc
    from reconcile import synth
    from reconcile.app.security import SecurityConfig
    from reconcile.app.server import create_app
    from reconcile.app.service import Workbench
    from reconcile.decisions import Decisions

    tmp = Path(tempfile.mkdtemp(prefix="bench_app_"))
    t0 = time.perf_counter()
    paths = synth.write_dataset(tmp, people=args.people, claims=args.claims, seed=args.seed, parquet=False)
    index = rc.build_index(rc.read_population(paths["population_csv"]))
    claims = rc.read_claims(paths["claims_jsonl"])
    print(f"data + index: {time.perf_counter() - t0:.1f} s", flush=True)
    t0 = time.perf_counter()
    wb = Workbench.build(index, claims, Decisions.open(tmp / "d.db"))
    prep = time.perf_counter() - t0
    print(f"match + leads for {claims.height:,} claims (once, at start): {prep:.1f} s", flush=True)

    port = 8791
    srv = uvicorn.Server(uvicorn.Config(create_app(wb, SecurityConfig(port=port)), host="127.0.0.1", port=port,
                                        log_level="warning", access_log=False))
    threading.Thread(target=srv.run, daemon=True).start()
    while not srv.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    o = webdriver.ChromeOptions()
    o.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,1000",
              f"--user-data-dir={tmp / 'profile'}"):
        o.add_argument(a)
    d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)
    wait = WebDriverWait(d, 60)
    loads = []
    for _ in range(5):
        d.get(base + "/?x=" + str(time.time()))
        wait.until(lambda drv: drv.execute_script("return window.__queueRendered || null"))
        loads.append(d.execute_script("return window.__queueRendered"))
    rows = len(d.find_elements(By.CSS_SELECTOR, "tr.qrow"))
    searches = []
    for name in claims["name"].drop_nulls().head(10).to_list():
        from reconcile.app.service import fold
        d.execute_script("window.__queueRendered = null")
        box = d.find_element(By.ID, "q")
        box.clear()
        t = d.execute_script("return performance.now()")
        box.send_keys(fold(name).split()[-1])
        wait.until(lambda drv: drv.execute_script("return window.__queueRendered || null"))
        searches.append(d.execute_script("return window.__queueRendered") - t)
    lat, server = [], []
    names = claims.filter(pl.col("name").is_not_null()).head(args.typed)["name"].to_list()
    d.get(base + "/new")
    for name in names:
        d.execute_script("window.__lastLatency = null")
        el = d.find_element(By.ID, "f-name")
        el.clear()
        el.send_keys(name)
        wait.until(lambda drv: drv.execute_script("return window.__lastLatency"))
        lat.append(d.execute_script("return window.__lastLatency"))
        server.append(d.execute_script("return window.__serverMs"))
    d.quit()
    srv.should_exit = True
    res = {"people": args.people, "claims": claims.height, "prepare_s": round(prep, 1),
           "queue_rows_first_render": rows,
           "queue_load_ms": {"median": round(statistics.median(loads)), "max": round(max(loads))},
           "queue_search_ms": {"median": round(statistics.median(searches)), "max": round(max(searches))},
           "keystroke_to_candidates_ms": {"median": round(statistics.median(lat)), "max": round(max(lat))},
           "server_one_claim_ms": {"median": round(statistics.median(server)), "max": round(max(server))}}
    print(json.dumps(res, indent=1))
    if args.out:
        Path(args.out).write_text(json.dumps(res, indent=1) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
