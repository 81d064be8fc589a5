"""Benchmark one claim at a time on a saved index: load, first answer, warm p50/p99, memory.

Run by hand (not part of the test suite):

    .venv/bin/python benchmarks/bench_query.py --people 20000 1000000 --claims 300

The index of each size is built and saved once (cached under the temp dir); then a fresh child
process loads it, answers `--claims` generated claims one by one with `rc.query` and reports load
time, time to the first answer, warm p50 / p99, peak RSS and one claim's `leads`.
Targets (issue 9): 1M: query ≤ 10 ms p50 / ≤ 50 ms p99, first answer ≤ 1 s after load, ≤ 1 GB;
20k: load ≤ 0.2 s, query ≤ 5 ms, ≤ 200 MB. The machine is shared: compare runs side by side.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CACHE = Path(tempfile.gettempdir()) / "reconcile-bench"


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _prepare(people: int, n_claims: int, seed: int) -> tuple[Path, Path]:
    """Build and save the index and write the claims once (outside the measured process)."""
    import polars as pl

    import reconcile as rc
    from reconcile import synth

    CACHE.mkdir(exist_ok=True)
    pop_path = CACHE / f"population-{people}-{seed}.parquet"
    idx_path = CACHE / f"index-v3-{people}-{seed}.rcidx"
    claims_path = CACHE / f"claims-{people}-{seed}-{n_claims}.jsonl"
    if not pop_path.exists():
        synth.generate_population(people, seed=seed).write_parquet(pop_path)
    if not idx_path.exists():
        rc.build_index(pop_path).save(idx_path)
    if not claims_path.exists():
        claims, _truth = synth.generate_claims(pl.read_parquet(pop_path), n_claims, seed=seed + 1)
        with open(claims_path, "w", encoding="utf-8") as f:
            for c in claims:
                f.write(json.dumps(c, ensure_ascii=False, default=str) + "\n")
    return idx_path, claims_path


def run_one(idx_path: str, claims_path: str, leads: bool) -> dict:
    import numpy as np

    import reconcile as rc

    claims = [json.loads(line) for line in open(claims_path, encoding="utf-8")]
    res: dict = {"rss_start_mb": round(_rss_mb())}
    t0 = time.perf_counter()
    index = rc.load_index(idx_path)
    res["load_s"] = round(time.perf_counter() - t0, 3)
    matcher = rc.Matcher(index)
    matcher.query(claims[0])
    res["first_answer_after_load_s"] = round(time.perf_counter() - t0, 3)
    times = []
    for c in claims[1:]:
        t = time.perf_counter()
        matcher.query(c)
        times.append(time.perf_counter() - t)
    ms = np.array(times) * 1000
    res.update(people=index.n_people, queries=len(times), p50_ms=round(float(np.median(ms)), 2),
               p90_ms=round(float(np.quantile(ms, 0.9)), 2), p99_ms=round(float(np.quantile(ms, 0.99)), 2),
               peak_rss_mb=round(_rss_mb()))
    if leads:
        lt = []
        for c in claims[1:11]:
            t = time.perf_counter()
            rc.leads([c], index)
            lt.append(time.perf_counter() - t)
        res["leads_one_claim_p50_s"] = round(float(np.median(lt)), 3)
        res["peak_rss_after_leads_mb"] = round(_rss_mb())
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, nargs="+", default=[20_000, 1_000_000])
    ap.add_argument("--claims", type=int, default=300)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--leads", action="store_true", help="also time leads() for 10 claims")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(run_one(args.child[0], args.child[1], args.leads)))
        return
    for n in args.people:
        idx_path, claims_path = _prepare(n, args.claims, args.seed)
        cmd = [sys.executable, __file__, "--child", str(idx_path), str(claims_path)]
        if args.leads:
            cmd.append("--leads")
        out = subprocess.run(cmd, capture_output=True, text=True)
        if out.returncode:
            print(out.stderr[-3000:], file=sys.stderr)
            continue
        print(json.dumps(json.loads(out.stdout.strip().splitlines()[-1]), indent=1))


if __name__ == "__main__":
    main()
