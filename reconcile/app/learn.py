"""`reconcile learn`: re-estimate the model from officers' decisions, and keep the result only when
held-out decisions get better.

Owns
- `labelled_pairs(decisions, claims, index, params)`: every candidate pair of the decided claims,
  scored, with `y` = 1 (confirmed), 0 (another person confirmed, "none of them", or rejected), null
  (unknown: a claim with rejections only) and `truth` per claim (person_id, "" for none-of-them);
- cross-validation by claim (never by pair): each fold of decided claims is held out once;
- `fit_m(levels, y, params, shrink)`: THE m re-estimation call (Dirichlet posterior mean: each field's
  level counts among confirmed pairs plus `shrink` pseudo-pairs distributed as the current m, so few
  labels move m little; `SHRINK` = 200 as EM's prior). Engine v3 will provide `model.fit_from_labels(levels, y, params, shrink)`:
  point `_m_fitter` at it after the merge;
- `fit_calibration(scored, params)`: temperature a and offset b of the softmax with "none", by
  maximum likelihood on full labels (verdicts) and partial ones (rejections: 1 − Σ p(rejected)), with
  a quadratic pull toward the current (a, b) of strength `CAL_PRIOR / n_claims`;
- `evaluate(scored)`: log loss per claim (−log p of the confirmed person, or of "none"), ECE over the
  top candidate, false matches (top candidate ≥ 0.5 and not the confirmed person);
- `learn(...)`: the whole loop; `learn_command(args)` prints how each parameter moved and writes the
  index only when the held-out log loss is lower.
"""

from __future__ import annotations

import copy
import math
import sys
from dataclasses import dataclass

import numpy as np
import polars as pl

from reconcile import decisions as dec
from reconcile import model as _model

SHRINK = 200.0       # pseudo-pairs per field pulling m toward the current parameters (as EM's prior)
CAL_PRIOR = 20.0     # strength of the pull of (a, b) toward the current calibration
LIKELY = 0.5         # a top candidate at least this probable that is not the person = false match


@dataclass(frozen=True)
class LearnConfig:
    folds: int = 5                # cross-validation folds of decided claims (each held out once)
    seed: int = 0
    shrink: float = SHRINK
    cal_prior: float = CAL_PRIOR
    min_labels: int = 10          # confirmed pairs needed before m is re-estimated at all


# ------------------------------------------------------------------------------------------------
# Labels
# ------------------------------------------------------------------------------------------------

def _score(claims: pl.DataFrame, index, params: dict) -> pl.DataFrame:
    from reconcile.index import featurise_claims
    from reconcile.matching import score_claims

    cf, cr = featurise_claims(claims, index)
    s = score_claims(cf, cr, index, params)
    if s.height == 0:
        return s
    return s.with_columns(pl.col("c_claim_id").alias("claim_id"), pl.col("p_person_id").alias("person_id"))


_DERIVED = ("weight", "probability", "p_none")


def rescore(scored: pl.DataFrame, params: dict, n_people: int) -> pl.DataFrame:
    """Weights and posterior of already-featurised pairs under other parameters."""
    keep = [c for c in scored.columns if not (c.startswith("lvl_") or c.startswith("w_") or c in _DERIVED)]
    s = _model.score_pairs(scored.select(keep), params, n_people=n_people)
    return _model.posterior(s, params, n_people)


def labelled_pairs(decisions, claims, index, params: dict) -> pl.DataFrame:
    """Candidate pairs of every claim with a verdict or a rejection, scored under `params`, with
    `y` (1 / 0 / null) and `truth` (confirmed person_id; "" for none-of-them; null if unknown)."""
    import reconcile as rc

    d = dec.as_decisions(decisions)
    state = d.state()
    ids = set(state.verdict) | {c for c, _ in state.rejected}
    cf = claims if isinstance(claims, pl.DataFrame) else rc.read_claims(claims)
    cf = cf.filter(pl.col("claim_id").is_in(sorted(ids)))
    if cf.height == 0:
        return pl.DataFrame()
    s = _score(cf, index, params)
    truth = pl.DataFrame([(c, v[1] if v[0] == "confirm" else "") for c, v in state.verdict.items()],
                         schema={"claim_id": pl.Utf8, "truth": pl.Utf8}, orient="row")
    rej = pl.DataFrame(sorted(state.rejected), schema={"claim_id": pl.Utf8, "person_id": pl.Utf8},
                       orient="row").with_columns(pl.lit(True).alias("_rej"))
    s = s.join(truth, on="claim_id", how="left").join(rej, on=["claim_id", "person_id"], how="left")
    y = (pl.when(pl.col("truth").is_not_null()).then((pl.col("person_id") == pl.col("truth")).cast(pl.Int8))
         .when(pl.col("_rej").fill_null(False)).then(pl.lit(0, dtype=pl.Int8))
         .otherwise(pl.lit(None, dtype=pl.Int8)))
    return s.with_columns(y.alias("y"), pl.col("_rej").fill_null(False).alias("rejected")).drop("_rej")


# ------------------------------------------------------------------------------------------------
# Re-estimation
# ------------------------------------------------------------------------------------------------

def _fit_m_local(levels: pl.DataFrame, y: np.ndarray, params: dict, shrink: float) -> dict:
    """m per field: (count of each level among y == 1 pairs + shrink · current m) / (n + shrink)."""
    new = copy.deepcopy(params)
    pos = levels.filter(pl.Series(y == 1))
    for f in _model.FIELDS:
        c = _model.level_counts(pos, f.name)
        inf = [i for i in range(len(f.levels)) if i not in f.neutral]
        old = params["m"][f.name]
        tot_old = sum(old[i] for i in inf) or 1.0
        n = sum(c[i] for i in inf)
        m = list(old)
        for i in inf:
            m[i] = (c[i] + shrink * old[i] / tot_old) / (n + shrink)
        new["m"][f.name] = m
    return new


def _m_fitter():
    """`model.fit_from_labels` when the engine has it (v3), else the local Dirichlet update."""
    return getattr(_model, "fit_from_labels", None) or _fit_m_local


def fit_m(levels: pl.DataFrame, y: np.ndarray, params: dict, shrink: float = SHRINK) -> dict:
    return _m_fitter()(levels, y, params, shrink)


def _claim_arrays(scored: pl.DataFrame, params: dict, n_people: int):
    s = scored.sort("claim_id", "person_id")
    _, grp = np.unique(s["claim_id"].to_numpy(), return_inverse=True)
    return s, grp


def calibration_nll(a: float, b: float, w: np.ndarray, grp: np.ndarray, y: np.ndarray, rej: np.ndarray,
                    full: np.ndarray, y_none: np.ndarray, z0: float) -> float:
    """Negative log-likelihood of decisions under the softmax(a·w·ln2 + b, none = z0)."""
    ng = len(full)
    z = a * w * math.log(2.0) + b
    mx = np.maximum(np.full(ng, z0), np.maximum.reduceat(z, np.r_[0, np.flatnonzero(np.diff(grp)) + 1]))
    e = np.exp(z - mx[grp])
    den = np.bincount(grp, weights=e, minlength=ng) + np.exp(z0 - mx)
    p = e / den[grp]
    p_none = np.exp(z0 - mx) / den
    ll_full = np.bincount(grp, weights=y * np.log(np.maximum(p, 1e-12)), minlength=ng) + \
        y_none * np.log(np.maximum(p_none, 1e-12))
    p_rej = np.bincount(grp, weights=rej * p, minlength=ng)
    ll_part = np.log(np.maximum(1.0 - p_rej, 1e-12))
    return float(-(np.where(full, ll_full, ll_part)).sum())


def fit_calibration(scored: pl.DataFrame, params: dict, n_people: int, prior: float = CAL_PRIOR) -> dict:
    """(a, b) by penalised maximum likelihood on the labelled claims (grid, then a finer grid)."""
    cal = dict(params.get("calibration", {}))
    a0, b0 = float(cal.get("a", 1.0)), float(cal.get("b", 0.0))
    s, grp = _claim_arrays(scored, params, n_people)
    if len(grp) == 0:
        return cal
    w = s["weight"].to_numpy()
    y = s["y"].fill_null(0).to_numpy().astype(float)
    rej = s["rejected"].to_numpy().astype(float)
    ng = int(grp.max()) + 1
    full = np.zeros(ng, bool)
    full[grp[s["truth"].is_not_null().to_numpy()]] = True
    y_none = np.where(full, 1.0 - np.bincount(grp, weights=y, minlength=ng), 0.0)
    z0 = _model.none_logit(params, n_people)
    lam = prior

    def obj(a, b):
        return calibration_nll(a, b, w, grp, y, rej, full, y_none, z0) + lam * ((a - a0) ** 2 + (b - b0) ** 2 / 4)

    best = (obj(a0, b0), a0, b0)
    for span_a, span_b, steps in ((0.6, 4.0, 21), (0.1, 0.6, 21)):
        ca, cb = best[1], best[2]
        for a in np.linspace(max(0.05, ca - span_a), ca + span_a, steps):
            for b in np.linspace(cb - span_b, cb + span_b, steps):
                v = obj(a, b)
                if v < best[0]:
                    best = (v, float(a), float(b))
    cal.update(a=best[1], b=best[2], method="softmax-temperature", fitted_on="decisions", n_claims=ng)
    return cal


# ------------------------------------------------------------------------------------------------
# Evaluation
# ------------------------------------------------------------------------------------------------

def ece(p: np.ndarray, y: np.ndarray, bins: int = 10) -> float:
    if len(p) == 0:
        return float("nan")
    b = np.minimum((p * bins).astype(int), bins - 1)
    return float(sum(abs(p[b == k].mean() - y[b == k].mean()) * (b == k).sum()
                     for k in range(bins) if (b == k).any()) / len(p))


def evaluate(scored: pl.DataFrame) -> dict:
    """On claims with a verdict: log loss, ECE of the top candidate, false matches, claims."""
    s = scored.filter(pl.col("truth").is_not_null())
    if s.height == 0:
        return {"claims": 0, "log_loss": float("nan"), "ece": float("nan"), "false_matches": 0}
    per = s.group_by("claim_id").agg(
        pl.col("probability").filter(pl.col("y") == 1).sum().alias("p_true"),
        pl.col("p_none").first(), pl.col("truth").first(),
        pl.col("probability").max().alias("p1"),
        pl.col("y").sort_by("probability", descending=True).first().alias("y1"))
    present = per["truth"] != ""
    p_true = np.where(present.to_numpy(), per["p_true"].to_numpy(), per["p_none"].to_numpy())
    # a confirmed person the candidates no longer hold counts as the mass left to "none"
    p_true = np.where(present.to_numpy() & (p_true <= 0), per["p_none"].to_numpy(), p_true)
    p1 = per["p1"].to_numpy()
    y1 = per["y1"].fill_null(0).to_numpy().astype(float)
    return {"claims": per.height, "log_loss": float(-np.log(np.maximum(p_true, 1e-12)).mean()),
            "ece": ece(p1, y1), "false_matches": int(((p1 >= LIKELY) & (y1 == 0)).sum())}


# ------------------------------------------------------------------------------------------------
# The loop
# ------------------------------------------------------------------------------------------------

def _fit(train: pl.DataFrame, old: dict, n_people: int, config: LearnConfig) -> tuple[dict, int]:
    """New parameters from labelled pairs: m (when enough confirmed pairs), then the calibration."""
    y = train["y"].fill_null(-1).to_numpy()
    n_pos = int((y == 1).sum())
    new = copy.deepcopy(old)
    if n_pos >= config.min_labels:
        new = fit_m(train, y, old, config.shrink)
    new["calibration"] = fit_calibration(rescore(train, new, n_people), new, n_people, config.cal_prior)
    return new, n_pos


def learn(decisions, claims, index, config: LearnConfig = LearnConfig()) -> dict:
    """Cross-validated by claim: each fold of decided claims is held out once while the others (and the
    claims with rejections only) fit new parameters; the held-out predictions of all folds give the
    before/after figures. The returned `params` are fitted on every decision; `better` says whether the
    held-out log loss dropped. Also returns `moves` (per parameter)."""
    from reconcile.matching import model_params

    old = model_params(index)
    n = index.n_people
    lab = labelled_pairs(decisions, claims, index, old)
    if lab.height == 0:
        raise dec.DecisionError("learn: no decided claim of these claims has candidates. Fix: record "
                                "decisions in `reconcile review` on the same claims first")
    decided = sorted(lab.filter(pl.col("truth").is_not_null())["claim_id"].unique().to_list())
    partial = sorted(set(lab.filter(pl.col("truth").is_null())["claim_id"].unique().to_list()))
    k = max(2, min(config.folds, len(decided)))
    rng = np.random.default_rng(config.seed)
    fold_of = {c: int(f) for c, f in zip(decided, rng.permutation(len(decided)) % k)}
    held_before, held_after = [], []
    for f in range(k):
        hold_ids = [c for c in decided if fold_of[c] == f]
        train = lab.filter(pl.col("claim_id").is_in([c for c in decided if fold_of[c] != f] + partial))
        hold = lab.filter(pl.col("claim_id").is_in(hold_ids))
        if hold.height == 0 or train.height == 0:
            continue
        new_f, _ = _fit(train, old, n, config)
        held_before.append(hold)
        held_after.append(rescore(hold, new_f, n).select(hold.columns))
    before = evaluate(pl.concat(held_before)) if held_before else evaluate(lab.head(0))
    after = evaluate(pl.concat(held_after)) if held_after else evaluate(lab.head(0))
    new, n_pos = _fit(lab, old, n, config)
    moves = []
    for fld in _model.FIELDS:
        for i, lv in enumerate(fld.levels):
            if i in fld.neutral:
                continue
            a, b = old["m"][fld.name][i], new["m"][fld.name][i]
            if abs(a - b) >= 0.001:
                moves.append((f"m[{fld.name}][{lv}]", a, b))
    for key in ("a", "b"):
        moves.append((f"calibration.{key}", float(old.get("calibration", {}).get(key, 1.0 if key == "a" else 0.0)),
                      float(new["calibration"][key])))
    better = bool(after["claims"] and after["log_loss"] < before["log_loss"])
    new["learned_from_decisions"] = {"claims_decided": len(decided), "claims_partial": len(partial),
                                     "folds": k, "confirmed_pairs": n_pos,
                                     "heldout_before": before, "heldout_after": after}
    return {"params": new, "before": before, "after": after, "moves": moves, "better": better,
            "decided_claims": len(decided), "partial_claims": len(partial), "folds": k,
            "confirmed_pairs": n_pos}


def learn_command(args) -> int:
    import reconcile as rc

    index = rc.load_index(args.index)
    try:
        d = dec.as_decisions(args.db)
        claims = args.claims or d.get_meta("claims")
        if not claims:
            raise dec.DecisionError(f"{args.db}: does not say which claims its decisions are about. "
                                    "Fix: pass --claims CLAIMS (the file given to `reconcile review`)")
        res = learn(d, claims, index, LearnConfig(folds=args.folds, seed=args.seed))
    except dec.DecisionError as exc:
        print(f"reconcile learn: {exc}", file=sys.stderr)
        return 2
    print(f"learn: {res['decided_claims']} decided claims (+{res['partial_claims']} with rejections only), "
          f"{res['confirmed_pairs']} confirmed pairs; each of {res['folds']} folds held out once")
    print("learn: parameter moves (old -> new):")
    for name, a, b in res["moves"]:
        print(f"  {name:28s} {a:8.4f} -> {b:8.4f}")
    bf, af = res["before"], res["after"]
    print(f"learn: held-out decisions ({bf['claims']} claims, out of fold): log loss {bf['log_loss']:.4f} -> "
          f"{af['log_loss']:.4f}; ECE {bf['ece']:.4f} -> {af['ece']:.4f}; false matches "
          f"{bf['false_matches']} -> {af['false_matches']}")
    if not res["better"]:
        print("learn: held-out decisions did not improve; the index is unchanged")
        return 0
    if args.dry_run:
        print("learn: better on held-out decisions; --dry-run, so the index is unchanged")
        return 0
    index.with_params(res["params"]).save(args.index)
    print(f"learn: new parameters written into {args.index}")
    return 0
