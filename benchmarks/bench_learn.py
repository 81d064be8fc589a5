"""Learning from decisions: does `reconcile learn` on 200 decisions of a simulated officer (who knows the
truth from the generator's truth.csv) lower ECE and false matches on the claims nobody decided?

    .venv/bin/python benchmarks/bench_learn.py [--people 30000 --claims 2000 --decided 200 --seed 21]

The officer opens `--decided` random claims: when the true person is among the ten candidates they
confirm them, otherwise they record "none of them". `learn` checks them by 5-fold cross-validation (each
decided claim held out once); the new parameters are kept only when the held-out log loss drops (as the CLI
does). Then both models are scored on the remaining, undecided claims against the truth:
recall@1, false-match rate (top candidate >= 0.5 for a claimant who is not in the register, as in
bench_match), ECE of the top candidate, log loss. Starting model: the packaged defaults (trained on
labelled data of this same generator, so little is left to learn), or `--start em`: a model trained on
this register without labels (`model.training.train`, EM), as a province without labelled data would have.
Engine v3: learn scores with `engine.Matcher`, re-estimates m with `model.training.fit_from_labels` and
the calibration with `model.training.fit_calibration`; parameters are format 3 (`model.Params`).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import polars as pl
from reconcile.model.training.calibration import ece  # the one ECE of the project



def score(m: pl.DataFrame, claims: list[str], truth: pl.DataFrame) -> dict:
    t = truth.filter(pl.col("claim_id").is_in(claims)).select("claim_id", "kind", pl.col("person_id").alias("true_id"))
    top = m.filter(pl.col("rank") == 1).select("claim_id", pl.col("person_id").alias("p1_id"),
                                                 pl.col("probability").alias("p1"), "p_none")
    pt = (m.join(t, on="claim_id").filter(pl.col("person_id") == pl.col("true_id"))
          .select("claim_id", pl.col("probability").alias("p_true")))
    j = t.join(top, on="claim_id", how="left").join(pt, on="claim_id", how="left").with_columns(
        pl.col("p1").fill_null(0.0), pl.col("p_none").fill_null(1.0))
    reg = j.filter(pl.col("kind") == "registered")
    unreg = j.filter(pl.col("kind") != "registered")
    hit = (j["p1_id"] == j["true_id"]).fill_null(False).to_numpy()
    p_true = np.where(j["kind"].to_numpy() == "registered", j["p_true"].fill_null(0.0).to_numpy(), j["p_none"].to_numpy())
    return {"claims": j.height,
            "recall_at_1": float((reg["p1_id"] == reg["true_id"]).fill_null(False).mean()),
            "false_match_rate": float((unreg["p1"] >= 0.5).mean()),
            "false_matches": int((unreg["p1"] >= 0.5).sum() + ((reg["p1"] >= 0.5) & (reg["p1_id"] != reg["true_id"]).fill_null(True)).sum()),
            "ece_top1": ece(j["p1"].to_numpy(), hit.astype(float)),
            "log_loss": float(-np.log(np.maximum(p_true, 1e-6)).mean())}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", type=int, default=30_000)
    ap.add_argument("--claims", type=int, default=2_000)
    ap.add_argument("--decided", type=int, nargs="+", default=[200])
    ap.add_argument("--seed", type=int, default=21)
    ap.add_argument("--start", choices=["defaults", "em"], default="defaults",
                    help="starting model: the packaged defaults, or one trained on this register without labels (EM)")
    ap.add_argument("--registered", type=float, default=None,
                    help="share of claimants who are in the register (generator default 0.60; the packaged "
                         "model assumes 0.60). E.g. 0.25: a province where most claimants are not registered")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    import reconcile as rc
    from reconcile import synth
    from reconcile.app.learn import LearnConfig, learn
    from reconcile.decisions import Decisions

    tmp = Path(tempfile.mkdtemp(prefix="bench_learn_"))
    mix = synth.ClaimMix() if args.registered is None else synth.ClaimMix(
        registered=args.registered, absent_relatives=(1 - args.registered) * 0.6, absent=(1 - args.registered) * 0.4)
    paths = synth.write_dataset(tmp, people=args.people, claims=args.claims, seed=args.seed, parquet=False, mix=mix)
    index = rc.build_index(rc.read_population(paths["population_csv"]))
    claims = rc.read_claims(paths["claims_jsonl"])
    truth = pl.read_csv(paths["truth_csv"], schema_overrides={"person_id": pl.Utf8})
    tmap = dict(zip(truth["claim_id"].to_list(), truth["person_id"].to_list()))
    if args.start == "em":
        from reconcile.model.training import train

        t0 = time.perf_counter()
        index = index.with_params(train(index, claims).to_dict())
        print(f"start: EM-trained on this register without labels ({time.perf_counter() - t0:.0f} s)", flush=True)
    m0 = rc.match(claims, index, top_k=10)
    rng = np.random.default_rng(args.seed)
    order = [claims["claim_id"][int(i)] for i in rng.permutation(claims.height)]
    out = {"people": args.people, "claims": claims.height, "start": args.start, "registered": args.registered,
           "runs": []}
    for n in args.decided:
        decided = order[:n]
        rest = order[n:]
        db = Decisions.open(tmp / f"d{n}.db")
        events = []
        for cid in decided:
            cands = m0.filter(pl.col("claim_id") == cid)["person_id"].to_list()
            tp = tmap.get(cid)
            if tp and tp in cands:
                events.append({"claim_id": cid, "decision": "confirm", "person_id": tp, "officer": "simulated"})
            else:
                events.append({"claim_id": cid, "decision": "none", "officer": "simulated"})
        db.record_many(events)
        t0 = time.perf_counter()
        res = learn(db, claims, index, LearnConfig())
        secs = time.perf_counter() - t0
        new_index = index.with_params(res["params"].to_dict()) if res["better"] else index
        before = score(m0, rest, truth)
        after = score(rc.match(claims.filter(pl.col("claim_id").is_in(rest)), new_index, top_k=10), rest, truth)
        run = {"decided": n, "confirmed": sum(e["decision"] == "confirm" for e in events), "learn_s": round(secs, 1),
               "holdout_before": res["before"], "holdout_after": res["after"], "written": res["better"],
               "remaining_before": before, "remaining_after": after,
               "calibration": {k: [round(a, 4), round(b, 4)] for k, a, b in res["moves"] if k.startswith("calibration")},
               "largest_m_moves": sorted(([k, round(a, 4), round(b, 4)] for k, a, b in res["moves"]
                                         if k.startswith("m[")), key=lambda r: -abs(r[2] - r[1]))[:8]}
        out["runs"].append(run)
        print(json.dumps(run, indent=1), flush=True)
    if args.out:
        Path(args.out).write_text(json.dumps(out, indent=1) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
