"""Build + match of many claims, side by side with Splink 5 (DuckDB) in one run, and where the time
goes (engine v3, issue 9 target: ≥ 10× faster than Splink at recall@1 no lower than before).

Run by hand (not part of the test suite; needs the `bench` extra for the Splink side):

    .venv/bin/python benchmarks/bench_speed.py --people 200000 --claims 3000 --seed 7

Same data as benchmarks/bench_match.py (synth population and claims of one seed) and the same truth
join (`splink_baseline.join_truth`). reconcile's time is `build_index` + `match` with the packaged
model; Splink's includes its EM training, as a user would run it. Stage times of the engine come from
a profile of `Matcher.score` (encode, blocking, scoring, posterior, words).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import sys
import time
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).parent))


def generate(people: int, claims: int, seed: int):
    from reconcile import synth

    pop = synth.generate_population(people, seed)
    cl, truth = synth.generate_claims(pop, claims, seed)
    for c in cl:  # the generator can draw an impossible age; io rejects it (as bench_match does)
        if isinstance(c.get("age"), (int, float)) and not 0 <= c["age"] <= 130:
            c["age"] = None
    return pop, cl, truth


def quality(result: pl.DataFrame, truth: pl.DataFrame) -> dict:
    from splink_baseline import join_truth

    t = join_truth(result, truth).with_columns(pl.col("p1").fill_null(0.0))
    reg = t.filter(pl.col("kind") == "registered")
    unreg = t.filter(pl.col("kind") != "registered")
    return {"recall_at_1": round(float(reg["hit1"].mean() or 0.0), 4),
            "recall_at_10": round(float(reg["hit10"].mean() or 0.0), 4),
            "false_match_rate": round(float((unreg["p1"] >= 0.5).mean() or 0.0), 4)}


def stages(prof: cProfile.Profile) -> dict:
    """Cumulative seconds of the engine's stages in a profile."""
    st = pstats.Stats(prof)
    want = {"encode_claims": "features.py", "candidates": "candidates.py", "score": "score.py",
            "_relative_view": "engine.py", "sim": "engine.py", "posterior": "posterior.py",
            "frame": "engine.py", "rows": "explain.py", "build_index": "build.py",
            "person_relatives": "kinship.py", "build_postings": "postings.py"}
    out = {}
    for (file, _line, fn), (_cc, _nc, _tt, ct, _callers) in st.stats.items():
        if fn in want and file.endswith(want[fn]):
            out[fn] = round(out.get(fn, 0.0) + ct, 2)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, default=200_000)
    ap.add_argument("--claims", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--no-splink", action="store_true")
    a = ap.parse_args()
    import reconcile as rc

    pop, cl, truth = generate(a.people, a.claims, a.seed)
    res: dict = {"people": a.people, "claims": a.claims, "seed": a.seed}
    t0 = time.perf_counter()
    idx = rc.build_index(pop)
    t1 = time.perf_counter()
    out = rc.match(cl, idx, top_k=10)
    t2 = time.perf_counter()
    res["reconcile"] = {"build_s": round(t1 - t0, 2), "match_s": round(t2 - t1, 2),
                        "end_to_end_s": round(t2 - t0, 2), **quality(out, truth)}
    # where the time goes: the same work again under the profiler (slower; shares only)
    prof = cProfile.Profile()
    prof.enable()
    rc.build_index(pop)
    rc.match(cl, idx, top_k=10)
    prof.disable()
    res["reconcile"]["stages_s (profiled again, cumulative)"] = stages(prof)
    print(json.dumps(res, indent=1), flush=True)
    if not a.no_splink:
        from splink_baseline import run_splink

        sres, secs = run_splink(pop, cl)
        res["splink"] = {"seconds": round(secs, 2), **quality(sres, truth)}
        res["speedup_vs_splink"] = round(secs / res["reconcile"]["end_to_end_s"], 2)
        print(json.dumps({k: res[k] for k in ("splink", "speedup_vs_splink")}, indent=1))


if __name__ == "__main__":
    main()
