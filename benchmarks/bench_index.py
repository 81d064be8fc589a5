"""Benchmark the index and blocking: build time and peak memory, save/load, candidate recall.

Run by hand (not part of the test suite):

    .venv/bin/python benchmarks/bench_index.py --people 200000 --claims 3000
    .venv/bin/python benchmarks/bench_index.py --people 1000000 --claims 0 --build-only

Each size runs in a fresh child process so peak RSS (ru_maxrss) is that size's own. Uses
`reconcile.synth` (synthetic people only) for the register and claims with ground truth.
Targets: 1M people built in ≤ 30 s with ≤ 2 GB peak; candidate recall ≥ 0.995 for registered
claimants with ≤ 2,000 pairs per claim at 200k.
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


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


CACHE = Path(tempfile.gettempdir()) / "reconcile-bench"


def _population_file(people: int, seed: int) -> Path:
    """Generate (once) a synthetic register as Parquet, so the build is measured like the CLI's."""
    import polars as pl

    from reconcile import synth

    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"population-{people}-{seed}.parquet"
    if not path.exists():
        pop = synth.generate_population(people, seed=seed)
        if not isinstance(pop, pl.DataFrame):   # synth may return (population, extras)
            pop = pop[0]
        pop.write_parquet(path)
    return path


def run_one(people: int, n_claims: int, seed: int, build_only: bool) -> dict:
    import polars as pl

    import reconcile as rc
    from reconcile import synth
    from reconcile.blocking.candidates import candidates
    from reconcile.features import encode_claims

    res: dict = {"people": people}
    src = _population_file(people, seed)
    base_rss = _rss_mb()
    t = time.perf_counter()
    pop = rc.read_population(src)
    res["read_population_s"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    cpu = _cpu_s()
    stages: dict[str, float] = {}
    last = [t]

    def progress(stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        stages[f"step{done}"] = round(now - last[0], 2)
        last[0] = now

    index = rc.build_index(pop, progress=progress)
    res["build_s"] = round(time.perf_counter() - t, 2)
    res["build_cpu_s"] = round(_cpu_s() - cpu, 2)
    res["build_steps_s"] = stages          # step5 = kinship.person_relatives + relatives' names
    res["rss_before_read_mb"] = round(base_rss)
    res["peak_rss_build_mb"] = round(_rss_mb())
    res["arrays_mb"] = round((sum(v.nbytes for v in index.arrays.cols.values())
                              + sum(getattr(index.arrays.rel, f).nbytes for f in index.arrays.rel.EDGE_FIELDS)
                              + sum(getattr(p, f).nbytes for p in index.postings.values() for f in p.FIELDS))
                             / 2**20)
    res["relatives"] = index.arrays.rel.n_edges
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        out = index.save(Path(tmp) / "bench.rcidx")
        res["save_s"] = round(time.perf_counter() - t, 2)
        res["index_mb"] = round(sum(f.stat().st_size for f in out.iterdir()) / 2**20, 1)
        t = time.perf_counter()
        index = rc.load_index(out)
        res["load_s"] = round(time.perf_counter() - t, 2)
        t = time.perf_counter()
        rc.load_index(out, verify=True)
        res["load_verify_s"] = round(time.perf_counter() - t, 2)
        if n_claims > 0:                        # frames read before the directory goes
            index.people, index.kin_edges
    if build_only or n_claims <= 0:
        return res
    claims, truth = synth.generate_claims(pl.read_parquet(src), n_claims, seed=seed + 1)
    claims = rc.read_claims(claims)
    t = time.perf_counter()
    ca = encode_claims(claims, index)
    res["encode_s"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    cpu = _cpu_s()
    cs = candidates(ca, index)
    res["candidates_s"] = round(time.perf_counter() - t, 2)
    res["candidates_cpu_s"] = round(_cpu_s() - cpu, 2)
    res["stats"] = cs.stats.as_dict()
    pairs = pl.DataFrame({"claim_idx": cs.claim.astype("uint32"), "pidx": cs.pidx.astype("uint32")})
    cf = pl.DataFrame({"claim_id": ca.claim_id, "claim_idx": range(ca.n)},
                      schema={"claim_id": pl.Utf8, "claim_idx": pl.UInt32})
    res.update(recall_report(cf, pairs, truth, index))
    res["peak_rss_total_mb"] = round(_rss_mb())
    return res


def recall_report(cf, pairs, truth, index) -> dict:
    """Recall of the true person among candidates for registered claimants, overall and per tag."""
    import polars as pl

    reg = (truth.filter(pl.col("kind") == "registered")
           .join(cf.select("claim_id", "claim_idx"), on="claim_id")
           .join(index.people.select("person_id", pl.col("pidx").cast(pl.UInt32)), on="person_id"))
    hit = reg.join(pairs, on=["claim_idx", "pidx"], how="semi")
    out = {"registered_claims": reg.height, "recall": round(hit.height / max(1, reg.height), 4)}
    tags = (reg.with_columns(pl.col("corruptions").str.split(";").alias("tag")).explode("tag")
            .join(pairs.select("claim_idx", "pidx", pl.lit(True).alias("hit")),
                  on=["claim_idx", "pidx"], how="left")
            .group_by("tag").agg(pl.len().alias("n"), pl.col("hit").fill_null(False).mean().round(4)
                                 .alias("recall")).sort("recall"))
    out["recall_by_tag"] = {t: [n, r] for t, n, r in tags.iter_rows()}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, nargs="+", default=[200_000, 1_000_000])
    ap.add_argument("--claims", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--build-only", action="store_true")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(run_one(args.people[0], args.claims, args.seed, args.build_only)))
        return
    for n in args.people:
        cmd = [sys.executable, __file__, "--child", "--people", str(n), "--claims",
               str(args.claims if n <= 200_000 else 0), "--seed", str(args.seed)]
        if args.build_only:
            cmd.append("--build-only")
        _population_file(n, args.seed)          # generated outside the measured process
        out = subprocess.run(cmd, capture_output=True, text=True)
        if out.returncode:
            print(out.stderr[-3000:], file=sys.stderr)
            continue
        print(json.dumps(json.loads(out.stdout.strip().splitlines()[-1]), indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
