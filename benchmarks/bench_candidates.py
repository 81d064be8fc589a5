"""Candidate recall per corruption tag (issue 10): is the true record among a claim's candidates at all,
before the top-k cut? Run by hand, not by the tests.

    .venv/bin/python benchmarks/bench_candidates.py --sizes 20000 --settings default,off_a --label before
    .venv/bin/python benchmarks/bench_candidates.py --sizes 200000 --settings default --label after

For each (size, setting) it generates a world (benchmarks/worlds.py, truth from `reconcile.synth`),
builds the index (`rc.build_index`), reads the claims (`rc.read_claims`) and scores them with the
engine (`reconcile.engine.Matcher.score`: blocking, then the model). For registered claimants it
reports, overall and per corruption tag:
- `cand`: share whose true record is a candidate (blocking and parsing);
- `at1`, `at10`: share whose true record ranks first / in the top 10 among the scored candidates;
- `lost`: the claims whose true record is not a candidate (blocking's misses), `below10`: a candidate
  but ranked below 10 (scoring's misses, or a parsed feature);
plus pairs per claim (mean, p99, max), blocking and scoring time, and up to `--examples` examples of
each kind of miss (claim name, the true record's name, via, rank) for the lead and the scoring helper.
Rows are merged into benchmarks/results/candidates.json (keyed by label, size, setting). Settings are
those of worlds.py, or `other:default`, `other:hard`, `other:easy_rich` (benchmarks/otherworld.py).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

import worlds  # noqa: E402

RESULTS = ROOT / "results"


def _world(setting: str, people: int, claims: int | None):
    """A world of `worlds` (reconcile.synth), or `other:<setting>` from the independent generator
    benchmarks/otherworld.py (same seeds as bench_otherworld.py)."""
    if setting.startswith("other:"):
        import types

        import bench_otherworld
        import otherworld

        name = setting.split(":", 1)[1]
        n_claims = claims or bench_otherworld.default_claims(people)
        w = otherworld.generate(otherworld.config(name, people, n_claims), bench_otherworld.seed_of(name, people))
        return types.SimpleNamespace(setting=setting, people=people, population=w.population,
                                     claims=w.claims, truth=w.truth)
    return worlds.make_world(setting, people, claims)


def run(world, examples: int = 15) -> dict:
    import reconcile as rc
    from reconcile.blocking.candidates import KEY_PRIORITY, candidates
    from reconcile.engine import Matcher
    from reconcile.features import encode_claims

    warnings.simplefilter("ignore")
    t = time.perf_counter()
    index = rc.build_index(world.population)
    index_s = time.perf_counter() - t
    frame, _dropped = worlds.read_claims(world.claims)
    m = Matcher(index)
    t = time.perf_counter()
    ca = encode_claims(frame, index)
    encode_s = time.perf_counter() - t
    t = time.perf_counter()
    cs = candidates(ca, index, m.config.candidates, m.blocker)
    block_s = time.perf_counter() - t
    t = time.perf_counter()
    sp = m.score_arrays(ca)
    score_s = time.perf_counter() - t

    pid = index.display.get_column("person_id").to_list()
    pos = {p: i for i, p in enumerate(pid)}
    cpos = {c: i for i, c in enumerate(ca.claim_id)}
    truth = world.truth.filter(pl.col("kind") == "registered")
    ci = np.array([cpos[c] for c in truth["claim_id"].to_list()], dtype=np.int64)
    ti = np.array([pos.get(p, -1) for p in truth["person_id"].to_list()], dtype=np.int64)

    # rank of every pair inside its claim (probability, weight, pidx), as ScoredPairs.top orders them
    order = np.lexsort((sp.pidx, -sp.weight, -sp.probability, sp.claim))
    c_sorted = sp.claim[order]
    start = np.r_[0, np.flatnonzero(c_sorted[1:] != c_sorted[:-1]) + 1] if c_sorted.size else np.zeros(0, int)
    rank = np.empty(order.size, dtype=np.int64)
    rank[order] = np.arange(c_sorted.size) - np.repeat(start, np.diff(np.r_[start, c_sorted.size])) + 1
    key = sp.claim.astype(np.int64) * (index.n_people + 1) + sp.pidx.astype(np.int64)
    want = ci * (index.n_people + 1) + ti
    srt = np.argsort(key)
    j = np.searchsorted(key[srt], want)
    jc = np.minimum(j, key.size - 1)
    hit = (key.size > 0) & (key[srt][jc] == want) & (ti >= 0)
    true_rank = np.where(hit, rank[srt][jc], 0)
    true_via = np.where(hit, sp.via[srt][jc], -1)

    per_claim = np.bincount(cs.claim, minlength=ca.n)
    t2 = truth.with_columns(cand=pl.Series(hit), at1=pl.Series(true_rank == 1),
                            at10=pl.Series(hit & (true_rank <= 10)),
                            pairs=pl.Series(per_claim[ci]))
    by_tag = (t2.with_columns(tag=pl.col("corruptions").str.split(";")).explode("tag")
              .group_by("tag").agg(pl.len().alias("n"), pl.col("cand").mean(), pl.col("at1").mean(),
                                   pl.col("at10").mean(), pl.col("pairs").mean().alias("pairs"))
              .sort("tag"))
    names = index.display.cols["full_name"].take(np.maximum(ti, 0))
    claims_by_id = {c["claim_id"]: c for c in world.claims}

    def example(k: int) -> dict:
        c = claims_by_id[truth["claim_id"][k]]
        return {"claim_id": c["claim_id"], "name": c.get("name"), "aliases": c.get("aliases"),
                "birth": c.get("birth_year") or c.get("birth_date") or c.get("age") or c.get("zodiac"),
                "relatives": [f"{r.get('relation')}:{r.get('name')}" for r in c.get("relatives") or []],
                "true_name": names[k], "true_by": int(index.arrays.cols["by"][ti[k]]),
                "tags": truth["corruptions"][k], "pairs": int(per_claim[ci[k]]),
                "rank": int(true_rank[k]) or None,
                "via": KEY_PRIORITY[int(true_via[k])] if true_via[k] >= 0 else None}

    lost = np.flatnonzero(~hit)
    below = np.flatnonzero(hit & (true_rank > 10))
    s = per_claim.astype(np.float64)
    st = cs.stats
    return {
        "setting": world.setting, "people": world.people, "claims": ca.n, "registered": int(ci.size),
        "cand": round(float(hit.mean()), 4), "at1": round(float((true_rank == 1).mean()), 4),
        "at10": round(float((hit & (true_rank <= 10)).mean()), 4),
        "lost": int(lost.size), "below10": int(below.size),
        "pairs_mean": round(float(s.mean()), 1), "pairs_p99": float(np.quantile(s, 0.99)),
        "pairs_max": int(s.max()), "capped_claims": st.capped_claims, "capped_blocks": st.capped_blocks,
        "pairs_by_via": st.pairs_by_via,
        "true_by_via": {KEY_PRIORITY[v]: int((true_via == v).sum()) for v in np.unique(true_via[true_via >= 0])},
        "index_s": round(index_s, 1), "encode_s": round(encode_s, 2), "block_s": round(block_s, 2),
        "score_s": round(score_s, 2),
        "by_tag": {r["tag"]: {"n": r["n"], "cand": round(r["cand"], 3), "at1": round(r["at1"], 3),
                              "at10": round(r["at10"], 3), "pairs": round(r["pairs"], 1)}
                   for r in by_tag.iter_rows(named=True)},
        "examples_lost": [example(int(k)) for k in lost[:examples]],
        "examples_below10": [example(int(k)) for k in below[:examples]],
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="20000")
    ap.add_argument("--settings", default="default,off_a")
    ap.add_argument("--claims", type=int, default=None)
    ap.add_argument("--label", default="current")
    ap.add_argument("--examples", type=int, default=15)
    ap.add_argument("--tags", action="store_true", help="print the per-tag table")
    ap.add_argument("--out", default=str(RESULTS / "candidates.json"))
    a = ap.parse_args(argv)
    out = Path(a.out)
    rows: list[dict] = json.loads(out.read_text("utf-8"))["rows"] if out.exists() else []
    for n in [int(s) for s in a.sizes.split(",") if s.strip()]:
        for name in [s.strip() for s in a.settings.split(",") if s.strip()]:
            w = _world(name, n, a.claims)
            if w is None:
                print(f"no world for {name}", file=sys.stderr)
                continue
            row = run(w, a.examples)
            row["label"] = a.label
            del w
            rows = [r for r in rows if (r["label"], r["people"], r["setting"]) != (a.label, n, name)] + [row]
            out.write_text(json.dumps({"rows": rows}, ensure_ascii=False, indent=1), "utf-8")
            print(f"{a.label} {n:>9,} {name:10s} cand={row['cand']} at1={row['at1']} at10={row['at10']} "
                  f"lost={row['lost']} below10={row['below10']} pairs mean={row['pairs_mean']} "
                  f"p99={row['pairs_p99']} max={row['pairs_max']} block={row['block_s']}s "
                  f"score={row['score_s']}s", flush=True)
            if a.tags:
                for tag, v in row["by_tag"].items():
                    print(f"    {tag:24s} n={v['n']:5d} cand={v['cand']:.3f} at1={v['at1']:.3f} "
                          f"at10={v['at10']:.3f} pairs={v['pairs']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
