"""Equality and timing check for speed work on the engine (run by hand, not a test).

    .venv/bin/python benchmarks/speed_check.py --people 20000 --claims 500 --out /tmp/before.parquet
    .venv/bin/python benchmarks/speed_check.py --people 20000 --claims 500 --compare /tmp/before.parquet
    .venv/bin/python benchmarks/speed_check.py --people 50000 --claims 1000 --profile 40

Builds an index and matches synthetic claims (same data as bench_speed) with a fixed parameter file
(`--params`, so that a model retrained meanwhile does not move the figures), prints build and match
seconds, optionally the top functions of a cProfile run, and writes or compares the match output:
same (claim, rank, person), probabilities and weights within 1e-9, same evidence text.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).parent))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, default=20_000)
    ap.add_argument("--claims", type=int, default=500)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--params", default=None, help="model parameter file (default: packaged)")
    ap.add_argument("--out", default=None)
    ap.add_argument("--compare", default=None)
    ap.add_argument("--profile", type=int, default=0, help="print this many top functions")
    a = ap.parse_args()
    import reconcile as rc
    from bench_speed import generate
    from reconcile.model import Params

    pop, cl, truth = generate(a.people, a.claims, a.seed)
    params = Params.load(a.params) if a.params else None
    prof = cProfile.Profile() if a.profile else None
    if prof:
        prof.enable()
    t0 = time.perf_counter()
    idx = rc.build_index(pop)
    t1 = time.perf_counter()
    out = rc.match(cl, idx, top_k=10, params=params)
    t2 = time.perf_counter()
    if prof:
        prof.disable()
    print(f"build {t1 - t0:.2f} s  match {t2 - t1:.2f} s  rows {out.height}", flush=True)
    from bench_speed import quality
    print(quality(out, truth))
    if prof:
        pstats.Stats(prof).sort_stats("cumulative").print_stats(a.profile)
        pstats.Stats(prof).sort_stats("tottime").print_stats(a.profile)
    keep = out.select("claim_id", "rank", "person_id", "probability", "weight", "p_none", "evidence",
                      "evidence_detail")
    if a.out:
        keep.write_parquet(a.out)
    if a.compare:
        ref = pl.read_parquet(a.compare)
        ok = ref.height == keep.height
        if ok:
            ok &= ref.select("claim_id", "rank", "person_id").equals(keep.select("claim_id", "rank", "person_id"))
            for c in ("probability", "weight", "p_none"):
                d = (ref[c] - keep[c]).abs().max()
                print(c, "max abs diff", d)
                ok &= (d or 0.0) <= 1e-9
            ev = (ref["evidence"] != keep["evidence"]).sum()
            dd = sum(x != y for x, y in zip(ref["evidence_detail"].to_list(), keep["evidence_detail"].to_list()))
            print("evidence differ", ev, "detail differ", dd)
            ok &= ev == 0 and dd == 0
        print("EQUAL" if ok else "DIFFERENT", ref.height, keep.height)


if __name__ == "__main__":
    main()
