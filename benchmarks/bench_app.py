"""Review app speed in headless Chromium: queue page load with N claims, search in the queue, and
keystroke-to-candidates on the desk form (the one-claim route), on generated data.

    .venv/bin/python benchmarks/bench_app.py --people 20000 --claims 10000 \
        [--desk-index BIG.rcidx --desk-claims CLAIMS.jsonl] [--no-leads] [--out benchmarks/results/app.json]

The queue is served from a generated register of --people with --claims claims (match and leads computed
once at start, as `reconcile review` does; --no-leads leaves the leads out of that start, which only
changes the "verify through relatives" pile). The desk form (one-claim query on a warm engine.Matcher)
is timed on --desk-index when given (e.g. a 1M index made by `reconcile generate` + `reconcile index`),
typing names of --desk-claims, else on the queue's register.

Page load = navigation start -> first queue rows rendered (performance.now() when the rows are in the
DOM). Keystroke-to-candidates = the `input` event -> candidate rows rendered (includes the 30 ms
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


def _q(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", type=int, default=20_000)
    ap.add_argument("--claims", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--typed", type=int, default=20, help="claims typed into the desk form")
    ap.add_argument("--desk-index", default=None, help="saved index for the desk-form timing (default: the queue's)")
    ap.add_argument("--desk-claims", default=None, help="claims whose names are typed into the desk form")
    ap.add_argument("--no-leads", action="store_true", help="skip leads when preparing the queue")
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
    if args.no_leads:
        from reconcile.app.service import QueueConfig

        matches = rc.match(claims, index, top_k=QueueConfig().top_k)
        empty = Workbench.build(index, None, Decisions.open(tmp / "e.db"))
        wb = Workbench(index=index, claims=claims, matches=matches, leads=empty.leads,
                       decisions=Decisions.open(tmp / "d.db"))
    else:
        wb = Workbench.build(index, claims, Decisions.open(tmp / "d.db"))
    prep = time.perf_counter() - t0
    print(f"match{'' if args.no_leads else ' + leads'} for {claims.height:,} claims (once, at start): "
          f"{prep:.1f} s", flush=True)

    def serve(workbench, port):
        srv = uvicorn.Server(uvicorn.Config(create_app(workbench, SecurityConfig(port=port)), host="127.0.0.1",
                                            port=port, log_level="warning", access_log=False))
        threading.Thread(target=srv.run, daemon=True).start()
        while not srv.started:
            time.sleep(0.05)
        return srv, f"http://127.0.0.1:{port}"

    srv, base = serve(wb, 8791)
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
    desk_people = index.n_people
    if args.desk_index:
        t0 = time.perf_counter()
        big = rc.load_index(args.desk_index)
        desk_wb = Workbench.build(big, None, Decisions.open(tmp / "desk.db"))
        desk_people = big.n_people
        print(f"desk index {desk_people:,} people: load + warm matcher {time.perf_counter() - t0:.2f} s", flush=True)
        desk_srv, desk_base = serve(desk_wb, 8792)
    else:
        desk_srv, desk_base = None, base
    typed_from = rc.read_claims(args.desk_claims) if args.desk_claims else claims
    names = typed_from.filter(pl.col("name").is_not_null()).head(args.typed)["name"].to_list()
    d.get(desk_base + "/new")
    d.find_element(By.ID, "f-name").send_keys("a")           # the first request warms the page and the matcher
    time.sleep(1.0)
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
    if desk_srv is not None:
        desk_srv.should_exit = True
    res = {"people": args.people, "claims": claims.height, "prepare_s": round(prep, 1),
           "leads_at_start": not args.no_leads, "desk_index_people": desk_people, "typed": len(lat),
           "queue_rows_first_render": rows,
           "queue_load_ms": {"median": round(statistics.median(loads)), "max": round(max(loads))},
           "queue_search_ms": {"median": round(statistics.median(searches)), "max": round(max(searches))},
           "keystroke_to_candidates_ms": {"median": round(statistics.median(lat)), "p90": round(_q(lat, 0.9)),
                                          "max": round(max(lat))},
           "server_one_claim_ms": {"median": round(statistics.median(server)), "p90": round(_q(server, 0.9)),
                                   "max": round(max(server))}}
    print(json.dumps(res, indent=1))
    if args.out:
        Path(args.out).write_text(json.dumps(res, indent=1) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
