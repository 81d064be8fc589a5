"""Train the packaged model (reconcile/data/model_defaults.json) over the GRID of generated worlds of
benchmarks/worlds.py and check it on the off-grid settings it was not trained on (run by hand; not part
of the test suite).

    python benchmarks/train_defaults.py                # train on the grid, report, do not write
    python benchmarks/train_defaults.py --write        # also write reconcile/data/model_defaults.json
    python benchmarks/train_defaults.py --quick        # 20k worlds only, fewer settings

Training worlds are the TRAIN_SETTINGS of benchmarks/worlds.py (one knob moved at a time around the
defaults) at 20k people (all nine) and 200k people (`TRAIN_200K`), each generated with its benchmark
seed + `SEED_OFFSET`, so no benchmark world (not even `default`) is trained on. Check worlds are the
CHECK_SETTINGS (off-grid, several knobs at once) at their benchmark seeds; nothing is fitted on them.
- u from random (claim, person) pairs of every training world, pooled;
- m from labelled true pairs of the training worlds, pooled;
  EM without labels (`em_sessions`) on blocked candidates of the first check world is reported beside
  the true m of that world;
- weights put in evidence order (pool adjacent violators);
- calibration: per-comparison scales (unless --no-scales) and one temperature fitted across all
  training worlds at once (each world counts equally; sizes 20k and 200k), reported per world, then
  checked on the check worlds (ECE per size and setting).
Worlds are cached under /tmp/fm_worlds (benchmarks/fm_errors.py). Results go to
benchmarks/results/train_defaults.json.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

import fm_errors  # noqa: E402
import worlds as W  # noqa: E402

SEED_OFFSET = 500
TRAIN_200K = ("default", "names_x2", "registered_0.8", "corruption_high")
TRAIN = [(s, 20_000) for s in W.TRAIN_SETTINGS] + [(s, 200_000) for s in TRAIN_200K]
CHECK = [(s, 20_000) for s in W.CHECK_SETTINGS] + [("off_a", 200_000)]
QUICK_TRAIN = [(s, 20_000) for s in ("default", "names_x2", "registered_0.8", "claims_poor", "corruption_high")]
QUICK_CHECK = [("off_a", 20_000)]


def make_world(setting: str, people: int, train: bool):
    """(index, encoded claims, truth) of a grid world; training worlds use seed + SEED_OFFSET."""
    if train and setting in W.CHECK_SETTINGS:
        raise ValueError(f"{setting!r} is a check setting; never train on it")
    seed = W.world_seed(setting, people) + SEED_OFFSET if train else None
    idx, cl, truth, _pop = fm_errors.load(setting, people, seed=seed)
    return idx, fm_errors.encoded(idx, cl), truth


def name_of(w) -> str:
    return f"{w[0]}/{w[1] // 1000}k"


def m_vs_true(m_em: dict, m_true: dict) -> dict:
    return {c: {lv: [round(m_em[c][lv], 4), round(m_true[c][lv], 4)] for lv in m_true[c]
                if m_true[c][lv] != 1.0} for c in m_true}


def dump_worlds(worlds, directory: str, kind: str) -> None:
    Path(directory).mkdir(parents=True, exist_ok=True)
    for w in worlds:
        name = w.name.split(" mix")[0].replace("/", "_").replace(" ", "_")
        np.savez(Path(directory) / f"{kind}_{name}.npz", weight=w.weight, claim=w.claim, y=w.y,
                 registered=w.registered, n_people=w.n_people, n_claims=w.n_claims)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--random-pairs", type=int, default=200_000)
    ap.add_argument("--out", default=str(ROOT / "results" / "train_defaults.json"))
    ap.add_argument("--keep-scales", action="store_true", help="keep the packaged scales, refit the temperature only")
    ap.add_argument("--no-scales", action="store_true", help="temperature only, no per-comparison factors")
    ap.add_argument("--keep-mu", default=None, metavar="LEARN",
                    help="keep the packaged m/u except for these comparisons (comma list, e.g. kin_fam); "
                         "calibration is fitted on the grid as usual")
    ap.add_argument("--top", type=int, default=50, help="candidates per claim kept for calibration")
    ap.add_argument("--params-out", default=None, help="also save the trained parameters here")
    ap.add_argument("--dump", default=None, help="directory: save every scored world (.npz) for analysis")
    a = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    from reconcile.comparisons import default_registry
    from reconcile.engine import Matcher
    from reconcile.model import default_params
    from reconcile.model import training as T

    reg = default_registry()
    base = default_params(reg)
    train_w = QUICK_TRAIN if a.quick else TRAIN
    check_w = QUICK_CHECK if a.quick else CHECK
    res: dict = {"train": [name_of(w) for w in train_w], "check": [name_of(w) for w in check_w]}
    t0 = time.perf_counter()
    built = {}
    lv_r_all, lv_t_all = [], []
    for w in train_w:
        idx, ca, truth = make_world(*w, train=True)
        built[w] = (idx, ca, truth)
        mt = Matcher(idx, params=base)
        rc, rp = T.random_pairs(ca.n, idx.n_people, a.random_pairs, seed=len(built))
        lv_r_all.append(T.pair_levels(mt, ca, rc, rp)[0])
        tc, tp, _ = T.true_pairs(ca, idx, truth)
        lv_t_all.append(T.pair_levels(mt, ca, tc, tp)[0])
        print(f"built and sampled {name_of(w)}: {time.perf_counter() - t0:.0f} s", flush=True)
    u = T.u_from_levels(np.concatenate(lv_r_all), reg)
    m = T.m_from_levels(np.concatenate(lv_t_all), reg, prior_m=base.m, prior_strength=5.0)
    # comparisons the generated worlds never exercise (e.g. place text that does not resolve)
    # keep their stated starting values instead of becoming uninformative
    counts = T.level_counts(np.concatenate(lv_t_all), reg)
    res["kept_untrained"] = []
    for c in reg:
        if sum(counts[c.name][c.levels[i].name] for i in c.evidence_codes) == 0:
            m[c.name], u[c.name] = dict(base.m[c.name]), dict(base.u[c.name])
            res["kept_untrained"].append(c.name)
    learn = set()
    if a.keep_mu:
        # the packaged m/u stay (they transfer to the independent generator better than m/u fitted
        # on this grid: benchmarks/results/fm.json); only the comparisons named are learned here
        learn = {x.strip() for x in a.keep_mu.split(",") if x.strip()}
        res["learned_here"] = sorted(learn)
        for c in reg:
            if c.name not in learn:
                m[c.name], u[c.name] = dict(base.m[c.name]), dict(base.u[c.name])
    m_raw = dict(m)
    m, u = T.finish(m, u, reg)
    from reconcile.model.params import Calibration

    params = dataclasses.replace(base, m=m, u=u, calibration=Calibration(), trained_on={
        "how": (f"m/u as before ({base.trained_on.get('how', '')}), except {', '.join(sorted(learn))}: "
                if a.keep_mu else "") +
               "u from random pairs and m from labelled true pairs of generated worlds "
               f"({'; '.join(res['train'])}); weights in evidence order; calibration across them",
        "seeds": f"benchmark seed + {SEED_OFFSET} (benchmarks/worlds.py world_seed)",
        "random_pairs_per_world": a.random_pairs})
    res["pooled_violations"] = {c.name: [lv for lv in c.level_names if abs(m[c.name][lv] - m_raw[c.name][lv]) > 1e-9]
                                for c in reg}
    # calibration across the training grid
    worlds = []
    for w in train_w:
        idx, ca, truth = built[w]
        wd, _ = T.world(Matcher(idx, params=params), ca, truth, name_of(w))
        worlds.append(wd.top(a.top))
        print(f"scored {name_of(w)}: {time.perf_counter() - t0:.0f} s", flush=True)
    if a.dump:
        dump_worlds(worlds, a.dump, "train")
    scales = {}
    if a.keep_scales:
        # the packaged per-comparison scales stay; only the temperature is refitted on the grid
        scales = {n: float(base.calibration.scales.get(n, 1.0)) for n in reg.names}
        vec = np.array([scales[n] for n in reg.names], dtype=np.float64)
        for wd in worlds:
            wd.weight = (wd.weights.astype(np.float64) * vec).sum(axis=1)
        res["scales"] = scales
    elif not a.no_scales:
        # per-comparison factors (dependence between comparisons), then the temperature on top
        scales = T.fit_scales(worlds, reg.names, params=params)
        vec = np.array([scales[n] for n in reg.names], dtype=np.float64)
        for wd in worlds:
            wd.weight = (wd.weights.astype(np.float64) * vec).sum(axis=1)
        res["scales"] = scales
        print("scales", scales, flush=True)
    cal = T.fit_calibration(worlds, params, fit_b=False, label="; ".join(res["train"]))
    cal = dataclasses.replace(cal, scales=scales,
                              method=cal.method + (" after per-comparison scales" if scales else ""))
    params = dataclasses.replace(params, calibration=cal)
    res["calibration"] = dataclasses.asdict(cal)
    res["train_metrics"] = [T.metrics(wd, params) for wd in worlds]
    print("calibration", cal, flush=True)
    for r in res["train_metrics"]:
        print("  train", r, flush=True)
    # held-out worlds: metrics, and EM (no labels) against the true m of that world
    res["check_metrics"] = []
    for w in check_w:
        idx, ca, truth = make_world(*w, train=False)
        mt = Matcher(idx, params=params)
        wd, sp = T.world(mt, ca, truth, name_of(w))
        res["check_metrics"].append(T.metrics(wd, params))
        if a.dump:
            dump_worlds([wd], a.dump, "check")
        print("  check", res["check_metrics"][-1], flush=True)
        if w is check_w[0]:
            lv_c, _ = T.pair_levels(mt, ca, sp.claim, sp.pidx)
            tc, tp, _ = T.true_pairs(ca, idx, truth)
            m_true = T.m_from_levels(T.pair_levels(mt, ca, tc, tp)[0], reg, smoothing=0.5)
            # EM without labels, in sessions restricted to evidence that separates people
            m_em, _u_cand, info = T.em_sessions(lv_c, params.m, reg)
            lam = info
            res["em_vs_true_m_heldout"] = {"lambda": lam, "m": m_vs_true(m_em, m_true)}
    res["seconds"] = round(time.perf_counter() - t0, 1)
    res["weights"] = {c.name: {lv.name: round(float(x), 2) for lv, x in zip(c.levels, params.level_weights(c))}
                      for c in reg}
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(res, indent=1, ensure_ascii=False, default=float) + "\n", "utf-8")
    if a.params_out:
        params.save(a.params_out, reg)
    if a.write:
        p = ROOT.parent / "reconcile" / "data" / "model_defaults.json"
        params.save(p, reg)
        print("wrote", p)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
