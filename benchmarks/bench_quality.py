"""Quality of the shipped model on generated registers it was not trained on (run by hand).

    python benchmarks/bench_quality.py                      # 20k/1k and 200k/3k, seed 7
    python benchmarks/bench_quality.py --sizes 20000:1000   # one size
    python benchmarks/bench_quality.py --absent-share 0.5   # another prior share of absent claimants

For each size: a register and claims from `reconcile.synth` (seed `--seed`, default 7, the seed of
bench_match; the packaged defaults are trained by benchmarks/train_defaults.py on other seeds and
claim mixes), scored by `reconcile.engine.Matcher` with the packaged parameters; reports recall@1,
recall@10 (registered claimants), false-match rate (absent claimants whose top-1 has p ≥ 0.5), ECE
of the top-1 probability (10 bins, all claims), recall@0.5 (right person first at p ≥ 0.5), and the
same by claim kind. Results go to benchmarks/results/quality.json.

Before engine v3 (engine v2 model, same seeds, benchmarks/bench_match.py at c96fa08, trained on seed
101 of the same size): 20k/1k recall@1 0.952, recall@10 0.988, false-match 0.070, ECE 0.016,
recall@0.5 0.880; 200k/3k recall@1 0.888, recall@10 0.959, false-match 0.077, ECE 0.032.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))


def run(people: int, claims: int, seed: int, absent_share: float | None = None) -> dict:
    from reconcile.engine import EngineConfig, Matcher
    from reconcile.model import training as T
    from train_defaults import make_world

    t = time.perf_counter()
    idx, ca, truth = make_world(people, claims, seed, (0.60, 0.25, 0.15))
    build = time.perf_counter() - t
    mt = Matcher(idx, EngineConfig(absent_share=absent_share))
    t = time.perf_counter()
    w, sp = T.world(mt, ca, truth, f"{people // 1000}k/{claims} seed {seed}")
    out = T.metrics(w, mt.params)
    out.update(build_s=round(build, 1), score_s=round(time.perf_counter() - t, 1), pairs=int(sp.n),
               absent_share=mt.params.prior.absent_share, calibration=dataclasses.asdict(mt.params.calibration))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="20000:1000,200000:3000")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--absent-share", type=float, default=None)
    ap.add_argument("--out", default=str(ROOT / "results" / "quality.json"))
    a = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    res = []
    for part in a.sizes.split(","):
        people, claims = (int(x) for x in part.split(":"))
        r = run(people, claims, a.seed, a.absent_share)
        print(json.dumps(r), flush=True)
        res.append(r)
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(res, indent=1) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
