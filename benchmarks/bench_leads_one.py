"""Time `rc.leads` of ONE claim on a saved index, with the time of each lead source. Run by hand:

    .venv/bin/python benchmarks/bench_leads_one.py --people 20000 --claims 60

Reads the index and claims `benchmarks/bench_query.py` caches under the temp dir
(reconcile-bench/index-v3-<people>-<seed>.rcidx, claims-<people>-<seed>-300.jsonl; run that first).
Prints the p50/p90 of one claim's leads and the mean time per claim spent in the engine
(`Matcher.score_arrays`: the claim, then its relatives' pseudo-claims in one call) and in each
function of `reconcile.leads` (wrapped for the run; the wrappers add a few µs). Results:
benchmarks/results/leads_one_claim.md.
"""

from __future__ import annotations

import argparse
import collections
import json
import tempfile
import time
from pathlib import Path

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--claims", type=int, default=60)
    args = ap.parse_args()

    import reconcile as rc
    import reconcile.engine as engine
    from reconcile.leads import rank, sources, words

    cache = Path(tempfile.gettempdir()) / "reconcile-bench"
    index = rc.load_index(cache / f"index-v3-{args.people}-{args.seed}.rcidx")
    claims = [json.loads(x) for x in open(cache / f"claims-{args.people}-{args.seed}-300.jsonl", encoding="utf-8")]
    spent: dict[str, list[float]] = collections.defaultdict(list)

    def wrap(owner, name: str) -> None:
        f = getattr(owner, name)

        def timed(*a, **k):
            t = time.perf_counter()
            try:
                return f(*a, **k)
            finally:
                spent[name].append(time.perf_counter() - t)
        setattr(owner, name, timed)

    for name in ("self_leads", "pseudo_claims", "relative_prior", "relative_leads", "not_self", "family_leads",
                 "household_leads", "address_households", "with_place", "place_rows", "place_leads"):
        wrap(sources, name)
    wrap(rank, "order_rows")
    wrap(rank, "order")
    wrap(words, "reason_columns")
    wrap(engine.Matcher, "score_arrays")
    for c in claims[:3]:
        rc.leads([c], index)
    spent.clear()
    total = []
    todo = claims[3:3 + args.claims]
    for c in todo:
        t = time.perf_counter()
        rc.leads([c], index)
        total.append(time.perf_counter() - t)
    ms = np.array(total) * 1e3
    print(f"{index.n_people} people, {len(todo)} claims: one claim's leads p50 {np.median(ms):.1f} ms, "
          f"p90 {np.quantile(ms, 0.9):.1f} ms")
    for name, v in sorted(spent.items(), key=lambda x: -sum(x[1])):
        print(f"  {name:20s} {sum(v) / len(todo) * 1e3:7.2f} ms per claim ({len(v) / len(todo):.1f} calls)")


if __name__ == "__main__":
    main()
