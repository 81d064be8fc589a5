"""Read the model's errors on generated worlds field by field (run by hand; not part of the tests).

    .venv/bin/python benchmarks/fm_errors.py --people 20000 --setting default --show 30
    .venv/bin/python benchmarks/fm_errors.py --people 20000 --setting ow:hard --classify   # otherworld.py

Worlds (benchmarks/worlds.py) are generated once and kept under /tmp/fm_worlds (register, claims,
truth, index), so a change to the model can be measured in seconds. `quick_measure` computes the
match measures of issue 10 (recall@1, recall@10, false-match rate, ECE of top-1, recall@0.5) straight
from `Matcher.score_arrays` (the same scores `rc.match` ranks; no words). `--show N` prints N false
matches (absent claimant, top-1 p ≥ 0.5) and N misses (registered, true record not first) with the
level and weight of every comparison for the top-1, the runner-up and the true record.
`--audit LO HI` compares, level by level, how often each level occurs among absent claimants' top-1
and among registered claimants' true records whose total weight lies in [LO, HI) bits (the band where
false matches and true matches compete): a level much more common among the false ones is evidence
the model weighs too lightly. `--not-recorded` sets, per relation, the share of true records that
name no such relative when the claim names one (the labelled m of `not_recorded`) beside the
register's figures the model uses (`model.completeness`).
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

import worlds  # noqa: E402

CACHE = Path("/tmp/fm_worlds")


def load(setting: str, people: int, claims: int | None = None, seed: int | None = None):
    """(index, claims list, truth, population) of a benchmark world (or of another `seed`), cached
    on disk."""
    import reconcile as rc
    from reconcile.index import load_index

    d = CACHE / f"{setting}_{people}_{claims or 'd'}" if seed is None else \
        CACHE / f"{setting}_{people}_{claims or 'd'}_s{seed}"
    if not (d / "done").exists():
        if setting.startswith("ow:"):         # a world of the independent generator (otherworld.py)
            import bench_otherworld
            import otherworld

            name = setting[3:]
            w = otherworld.generate(otherworld.config(name, people, claims or bench_otherworld.default_claims(people)),
                                    seed=bench_otherworld.seed_of(name, people) if seed is None else seed)
        else:
            w = worlds.make_world(setting, people, claims, seed=seed)
        d.mkdir(parents=True, exist_ok=True)
        w.population.write_parquet(d / "population.parquet")
        w.truth.write_parquet(d / "truth.parquet")
        (d / "claims.json").write_text(json.dumps(w.claims, ensure_ascii=False, default=str), "utf-8")
        rc.build_index(w.population).save(d / "index")
        (d / "done").write_text("ok")
    if not (d / "index").exists():           # rebuilt after a change to the index or the names
        rc.build_index(pl.read_parquet(d / "population.parquet")).save(d / "index")
    idx = load_index(d / "index")
    cl = json.loads((d / "claims.json").read_text("utf-8"))
    return idx, cl, pl.read_parquet(d / "truth.parquet"), pl.read_parquet(d / "population.parquet")


def encoded(idx, cl):
    from reconcile.features import encode_claims

    frame, _ = worlds.read_claims(cl)
    return encode_claims(frame, idx)


def truth_arrays(idx, ca, truth):
    from reconcile.model.training import true_pairs

    tc, tp, registered = true_pairs(ca, idx, truth)
    true_of = np.full(ca.n, -1, dtype=np.int64)
    true_of[tc] = tp
    kind = dict(zip(truth["claim_id"].to_list(), truth["kind"].to_list()))
    return true_of, registered, np.array([kind[c] for c in ca.claim_id])


def quick_measure(sp, true_of, registered) -> dict:
    from reconcile.model.training.calibration import ece

    n = sp.claims.n
    top = sp.top(10)
    c = sp.claim[top]
    first = np.r_[True, c[1:] != c[:-1]]
    p1 = np.zeros(n)
    top1 = np.full(n, -1)
    p1[c[first]] = sp.probability[top[first]]
    top1[c[first]] = sp.pidx[top[first]]
    hit10 = np.zeros(n, bool)
    ptrue = np.zeros(n)
    y = sp.pidx[top] == true_of[c]
    hit10[c[y]] = True
    ptrue[c[y]] = sp.probability[top[y]]
    hit1 = (top1 == true_of) & registered
    reg = registered
    return {"recall_at_1": round(hit1[reg].mean(), 4), "recall_at_10": round(hit10[reg].mean(), 4),
            "false_match_rate": round((p1[~reg] >= 0.5).mean(), 4),
            "ece_top1": round(ece(p1, hit1.astype(float)), 4),
            "recall_at_p05": round((ptrue[reg] >= 0.5).mean(), 4)}


def run(setting: str, people: int, params=None, claims: int | None = None, config=None):
    from reconcile.engine import Matcher
    from reconcile.model import default_params

    idx, cl, truth, pop = load(setting, people, claims)
    ca = encoded(idx, cl)
    mt = Matcher(idx, config=config, params=params or default_params())
    sp = mt.score_arrays(ca)
    true_of, registered, kind = truth_arrays(idx, ca, truth)
    return sp, true_of, registered, kind, idx, truth


def _row(sp, i, idx, names):
    lv = sp.levels[i]
    w = sp.weights[i]
    parts = []
    for j, nm in enumerate(names):
        if w[j] != 0:
            cmp = sp.registry[nm]
            parts.append(f"{nm}={cmp.levels[lv[j]].name}:{w[j]:+.1f}")
    d = idx.display.gather(np.array([sp.pidx[i]]))
    r = d.row(0, named=True)
    return (f"    p={sp.probability[i]:.3f} W={sp.weight[i]:.1f} {r['full_name']} {r['birth_year']} "
            f"home={r['hometown']} res={r['residence']} hh={r['household_id']}\n      " + " ".join(parts))


def show(sp, true_of, registered, kind, idx, truth, n_show: int, seed: int = 0):
    names = sp.registry.names
    top = sp.top(3)
    c = sp.claim[top]
    first = np.r_[True, c[1:] != c[:-1]]
    by_claim: dict[int, list[int]] = {}
    for ci, pi in zip(c.tolist(), top.tolist()):
        by_claim.setdefault(ci, []).append(pi)
    tr = {r["claim_id"]: r for r in truth.iter_rows(named=True)}
    pos_of_true = {}
    for i in np.flatnonzero(sp.pidx == true_of[sp.claim]):
        pos_of_true[int(sp.claim[i])] = int(i)
    ca = sp.claims
    fm = [ci for ci, rows in by_claim.items() if not registered[ci] and sp.probability[rows[0]] >= 0.5]
    miss = [ci for ci, rows in by_claim.items() if registered[ci] and sp.pidx[rows[0]] != true_of[ci]]
    rng = np.random.default_rng(seed)
    for label, lst in (("FALSE MATCH", fm), ("MISS", miss)):
        print(f"\n===== {label}: {len(lst)}")
        for ci in rng.permutation(lst)[:n_show]:
            ci = int(ci)
            t = tr[ca.claim_id[ci]]
            disp = {k: ca.display[k][ci] for k in ("name", "birth_date", "claimed_hometown", "residence")}
            o, e = ca.crel["offsets"][ci], ca.crel["offsets"][ci + 1]
            rels = [(int(ca.crel["relation"][x]), ca.display["crel_name"][x]) for x in range(o, e)]
            print(f"\n[{label}] {ca.claim_id[ci]} kind={t['kind']} corr={t['corruptions']} rel_ids={t['relative_ids']}")
            print(f"  claim: {disp} rels={rels}")
            rows = by_claim[ci]
            for r in rows[:2]:
                print(_row(sp, r, idx, names))
            if registered[ci] and ci in pos_of_true and sp.pidx[rows[0]] != true_of[ci]:
                print("  TRUE:")
                print(_row(sp, pos_of_true[ci], idx, names))
            elif registered[ci]:
                print("  TRUE not a candidate")


def audit(sp, true_of, registered, lo: float, hi: float) -> list[tuple]:
    """(comparison, level, share among absent claimants' top-1, share among true records, mean
    weight among the former) for every level seen in ≥ 4 % of either group, both groups restricted
    to total weights in [lo, hi)."""
    top = sp.top(1)
    c = sp.claim[top]
    absent = top[~registered[c]]
    true = top[registered[c] & (sp.pidx[top] == true_of[c])]
    absent = absent[(sp.weight[absent] >= lo) & (sp.weight[absent] < hi)]
    true = true[(sp.weight[true] >= lo) & (sp.weight[true] < hi)]
    rows = []
    for j, nm in enumerate(sp.registry.names):
        for k, lv in enumerate(sp.registry[nm].levels):
            a = float((sp.levels[absent, j] == k).mean()) if absent.size else 0.0
            b = float((sp.levels[true, j] == k).mean()) if true.size else 0.0
            if a + b > 0.04:
                sel = sp.levels[absent, j] == k
                rows.append((nm, lv.name, a, b, float(sp.weights[absent, j][sel].mean()) if sel.any() else 0.0))
    return rows


def not_recorded(sp, true_of, registered, idx, params) -> dict:
    """Per relation: the share of `not_recorded` among claims naming that relative, for true records
    and for absent claimants' top-1, beside the register's completeness (expected, all) and the m
    and weight the matcher's `params` give the level."""
    top = sp.top(1)
    absent = top[~registered[sp.claim[top]]]
    true = np.flatnonzero((sp.pidx == true_of[sp.claim]) & registered[sp.claim])
    comp = idx.relative_completeness
    out = {}
    for rel in comp.relations:
        j, cmp = sp.registry.index(rel), sp.registry[rel]

        def share(rows):
            lv = sp.levels[rows, j]
            named = lv != cmp.code("not_claimed")
            return (round(float((lv[named] == cmp.code("not_recorded")).mean()), 3) if named.any() else None,
                    int(named.sum()))
        exp, allr = comp.of(rel)
        out[rel] = {"true": share(true), "absent_top1": share(absent),
                    "register_expected": round(exp, 3), "register_all": round(allr, 3),
                    "model_m": round(params.m[rel]["not_recorded"], 3),
                    "model_weight": round(float(params.level_weights(cmp)[cmp.code("not_recorded")]), 2)}
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", type=int, default=20000)
    ap.add_argument("--setting", default="default")
    ap.add_argument("--claims", type=int, default=None)
    ap.add_argument("--show", type=int, default=0)
    ap.add_argument("--classify", action="store_true")
    ap.add_argument("--params", default=None, help="a model JSON (default: the packaged one)")
    ap.add_argument("--audit", nargs=2, type=float, default=None, metavar=("LO", "HI"),
                    help="level shares, absent top-1 vs true records, total weight in [LO, HI) bits")
    ap.add_argument("--not-recorded", action="store_true",
                    help="labelled m of not_recorded per relation beside the register's completeness")
    a = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    from reconcile.model import Params

    params = Params.load(a.params) if a.params else None
    sp, true_of, registered, kind, idx, truth = run(a.setting, a.people, params, a.claims)
    print(a.setting, a.people, quick_measure(sp, true_of, registered), flush=True)
    if a.classify:
        print(json.dumps(classify(sp, true_of, registered, kind, idx, truth), indent=1, ensure_ascii=False))
    if a.show:
        show(sp, true_of, registered, kind, idx, truth, a.show)
    if a.audit:
        print(f"level shares, total weight in [{a.audit[0]}, {a.audit[1]}) bits "
              "(absent claimants' top-1 | true records | mean weight among the former)")
        for nm, lv, x, y, w in audit(sp, true_of, registered, *a.audit):
            mark = " <<" if x > 1.6 * y + 0.02 else (" >>" if y > 1.6 * x + 0.02 else "")
            print(f"  {nm:9s} {lv:13s} {x:.3f} | {y:.3f} | {w:+.1f}{mark}")
    if a.not_recorded:
        from reconcile.engine import Matcher

        mp = Matcher(idx, params=params).params
        for rel, row in not_recorded(sp, true_of, registered, idx, mp).items():
            print(f"  {rel:8s} {json.dumps(row)}")
    return 0



def classify(sp, true_of, registered, kind, idx, truth) -> dict:
    """Counts of error classes: false matches (absent claimant, top-1 p ≥ 0.5) and misses."""
    from collections import Counter

    names = sp.registry.names
    reg = sp.registry
    top = sp.top(2)
    c = sp.claim[top]
    first = np.r_[True, c[1:] != c[:-1]]
    t1 = dict(zip(c[first].tolist(), top[first].tolist()))
    second = {}
    for ci, pi, f in zip(c.tolist(), top.tolist(), first.tolist()):
        if not f:
            second[ci] = pi
    pid = idx.display.get_column("person_id").to_list()
    rels = {r["claim_id"]: set((r["relative_ids"] or "").split(";")) - {""}
            for r in truth.iter_rows(named=True)}
    pos_true = {int(sp.claim[i]): int(i) for i in np.flatnonzero(sp.pidx == true_of[sp.claim])}
    rel_cols = [j for j, nm in enumerate(names) if reg[nm].relation is not None]
    lvname = lambda i, nm: reg[nm].levels[sp.levels[i, names.index(nm)]].name  # noqa: E731
    fm = Counter()
    n_fm = 0
    for ci, i in t1.items():
        if registered[ci] or sp.probability[i] < 0.5:
            continue
        n_fm += 1
        cid = sp.claims.claim_id[ci]
        is_rel = pid[sp.pidx[i]] in rels[cid]
        rl = [reg[names[j]].levels[sp.levels[i, j]].name for j in rel_cols]
        fm["top1 is a registered relative of the claimant" if is_rel else "top1 unrelated namesake"] += 1
        fm[f"kind={kind[ci]}"] += 1
        fm[f"giv={lvname(i, 'giv')}"] += 1
        fm[f"fam={lvname(i, 'fam')}"] += 1
        if "different" in rl:
            fm["some claimed relative differs"] += 1
        if any(x in ("strong", "weak") for x in rl):
            fm["some claimed relative agrees"] += 1
        if all(x == "not_claimed" for x in rl):
            fm["no relatives claimed"] += 1
        if ci in second and sp.weight[i] - sp.weight[second[ci]] < 3:
            fm["runner-up within 3 bits"] += 1
    ms = Counter()
    n_ms = 0
    for ci, i in t1.items():
        if not registered[ci] or sp.pidx[i] == true_of[ci]:
            continue
        n_ms += 1
        if ci not in pos_true:
            ms["true record not a candidate"] += 1
            continue
        j = pos_true[ci]
        d = sp.weight[i] - sp.weight[j]
        if d < 1e-6:
            ms["tie with the true record"] += 1
            continue
        diff = sp.weights[i].astype(float) - sp.weights[j].astype(float)
        k = int(np.argmax(diff))
        ms[f"true lower; largest gap in {names[k]} ({reg[names[k]].levels[sp.levels[j, k]].name} vs "
           f"{reg[names[k]].levels[sp.levels[i, k]].name})"] += 1
        ms["true lower (all)"] += 1
        if pid[sp.pidx[i]] in rels[sp.claims.claim_id[ci]]:
            ms["top1 is a relative of the claimant"] += 1
    return {"false_matches": n_fm, "fm_classes": dict(fm.most_common()),
            "misses": n_ms, "miss_classes": dict(ms.most_common())}


if __name__ == "__main__":
    raise SystemExit(main())
