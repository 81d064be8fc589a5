"""`reconcile learn`: re-estimate the model from officers' decisions, and keep the result only when
held-out decisions get better.

Owns
- `labelled_pairs(decisions, claims, index, params)` → `Labelled`: every candidate pair of the decided
  claims scored by the engine (`engine.Matcher(index, params=...).score` → `ScoredPairs`: levels
  `[n, k]` by the registry's comparisons, weights, probability) with `y` per pair = 1 (confirmed), 0
  (another person confirmed, "none of them", or rejected), -1 (unknown: a claim with rejections
  only), and per claim whether it has a verdict;
- cross-validation by claim (never by pair): each fold of decided claims is held out once;
- the m re-estimation: `reconcile.model.training.fit_from_labels(levels, y, params, shrink)` (each
  comparison's level shares among confirmed pairs plus `shrink` pseudo-pairs distributed as the
  current m, so a few labels move m little; u stays);
- the calibration re-fit: `reconcile.model.training.fit_calibration` (temperature a and offset b of
  the posterior with "none of them", maximum likelihood on the claims with a verdict as one `World`),
  then pulled toward the current (a, b) with `cal_prior` pseudo-claims; the per-comparison `scales`
  are kept;
- `evaluate(...)`: log loss per claim (−log p of the confirmed person, or of "none"), ECE of the top
  candidate, false matches (top candidate ≥ 0.5 and not the confirmed person);
- `learn(...)`: the whole loop; `learn_command(args)` prints how each parameter moved and writes the
  parameters (format 3, `Params.to_dict`) into the index's model.json only when the held-out log loss
  is lower.

Claims with rejections only are partial labels: they never move m (u stays; m learns from confirmed
pairs) and the model's calibration likelihood takes full outcomes only, so they are counted and
reported but do not enter the fit.
"""

from __future__ import annotations

import dataclasses
import sys
from dataclasses import dataclass

import numpy as np

from reconcile import decisions as dec

SHRINK = 200.0       # pseudo-pairs per comparison pulling m toward the current parameters (as EM's prior)
CAL_PRIOR = 40.0     # pseudo-claims pulling (a, b) toward the current calibration
LIKELY = 0.5         # a top candidate at least this probable that is not the person = false match


@dataclass(frozen=True)
class LearnConfig:
    folds: int = 5                # cross-validation folds of decided claims (each held out once)
    seed: int = 0
    shrink: float = SHRINK
    cal_prior: float = CAL_PRIOR
    min_labels: int = 10          # confirmed pairs needed before m is re-estimated at all
    fit_offset: bool = True       # also fit b (the local share of claimants who are not registered)


# ------------------------------------------------------------------------------------------------
# Labels
# ------------------------------------------------------------------------------------------------

@dataclass
class Labelled:
    """Scored candidate pairs of the decided claims with their labels."""

    scored: object                # engine.ScoredPairs (under the parameters it was scored with)
    claim_ids: list[str]          # per claim position
    person_ids: list[str | None]  # per pair
    y: np.ndarray                 # int8 per pair: 1 confirmed, 0 not the person, -1 unknown
    rejected: np.ndarray          # bool per pair
    full: np.ndarray              # bool per claim: the claim has a verdict (confirm / none of them)
    truth: list[str | None]       # per claim: confirmed person_id, "" for none of them, None unknown

    @property
    def n_claims(self) -> int:
        return len(self.claim_ids)


def _matcher(index, params):
    from reconcile.engine import Matcher

    return Matcher(index, params=params)


def current_params(index):
    """The index's model (format 3) or the packaged defaults."""
    from reconcile.engine import _index_params
    from reconcile.model import default_params

    return _index_params(index) or default_params()


def labelled_pairs(decisions, claims, index, params=None) -> Labelled | None:
    """Candidate pairs of every claim with a verdict or a rejection, scored under `params` (the
    index's model when None); None when no decided claim is among `claims`."""
    import polars as pl

    import reconcile as rc

    d = dec.as_decisions(decisions)
    state = d.state()
    ids = set(state.verdict) | {c for c, _ in state.rejected}
    cf = claims if isinstance(claims, pl.DataFrame) else rc.read_claims(claims)
    cf = cf.filter(pl.col("claim_id").is_in(sorted(ids)))
    if cf.height == 0:
        return None
    sp = _matcher(index, params if params is not None else current_params(index)).score(cf)
    claim_ids = list(sp.claims.claim_id)
    person_ids = index.display.cols["person_id"].take(sp.pidx)
    truth = []
    for cid in claim_ids:
        v = state.verdict.get(cid)
        truth.append(None if v is None else (v[1] if v[0] == "confirm" else ""))
    full = np.array([t is not None for t in truth], dtype=bool)
    claim = sp.claim
    y = np.full(sp.n, -1, dtype=np.int8)
    rejected = np.array([(claim_ids[c], p) in state.rejected for c, p in zip(claim.tolist(), person_ids)],
                        dtype=bool)
    y[rejected] = 0
    pair_truth = [truth[c] for c in claim.tolist()]
    for i, (t, p) in enumerate(zip(pair_truth, person_ids)):
        if t is not None:
            y[i] = 1 if p == t else 0
    return Labelled(scored=sp, claim_ids=claim_ids, person_ids=person_ids, y=y, rejected=rejected,
                    full=full, truth=truth)


def rescore(lab: Labelled, index, params):
    """ScoredPairs of the same claims under other parameters (the same pairs: blocking does not
    depend on the parameters)."""
    sp = _matcher(index, params).score_arrays(lab.scored.claims)
    if not (np.array_equal(sp.claim, lab.scored.claim) and np.array_equal(sp.pidx, lab.scored.pidx)):
        raise RuntimeError("learn: rescoring gave other candidate pairs than the first scoring")
    return sp


# ------------------------------------------------------------------------------------------------
# Re-estimation
# ------------------------------------------------------------------------------------------------

def fit_m(levels: np.ndarray, y: np.ndarray, params, shrink: float = SHRINK):
    """THE m re-estimation: `model.training.fit_from_labels` on levels [n, k] and y (1 = confirmed)."""
    from reconcile.model.training import fit_from_labels

    return fit_from_labels(np.asarray(levels), np.asarray(y) == 1, params, shrink)


def _world(weight: np.ndarray, claim: np.ndarray, y: np.ndarray, claims_sel: np.ndarray,
           n_people: int, weights: np.ndarray | None = None):
    """A `World` of the selected claims (claim positions renumbered 0..len(sel)-1)."""
    from reconcile.model.training import World

    pos = np.full(int(claims_sel.max()) + 1 if claims_sel.size else 0, -1, dtype=np.int64)
    pos[claims_sel] = np.arange(claims_sel.size)
    keep = np.isin(claim, claims_sel)
    c = pos[claim[keep]]
    yy = (y[keep] == 1)
    registered = np.zeros(claims_sel.size, dtype=bool)
    registered[c[yy]] = True
    return World(name="decisions", n_people=n_people, n_claims=int(claims_sel.size),
                 weight=weight[keep].astype(np.float64), claim=c, y=yy, registered=registered,
                 weights=None if weights is None else weights[keep])


def fit_calibration(weight: np.ndarray, claim: np.ndarray, y: np.ndarray, claims_sel: np.ndarray,
                    params, n_people: int, prior: float = CAL_PRIOR, fit_offset: bool = True):
    """New `Calibration`: (a, b) by `model.training.fit_calibration` on the selected claims (those
    with a verdict), pulled toward the current (a, b) by `prior` pseudo-claims; scales kept."""
    from reconcile.model.training import fit_calibration as model_fit

    old = params.calibration
    if claims_sel.size == 0:
        return old
    w = _world(weight, claim, y, claims_sel, n_people)
    fit = model_fit([w], params, fit_b=fit_offset, label=f"{claims_sel.size} officers' decisions")
    n = float(claims_sel.size)
    share = n / (n + prior)
    a = old.a + share * (fit.a - old.a)
    b = old.b + share * ((fit.b if fit_offset else old.b) - old.b)
    return dataclasses.replace(old, a=round(float(a), 4), b=round(float(b), 4),
                               method=f"{old.method}; then officers' decisions (shrunk, {prior:g} pseudo-claims)",
                               fitted_on=f"{old.fitted_on}; {claims_sel.size} decided claims")


# ------------------------------------------------------------------------------------------------
# Evaluation
# ------------------------------------------------------------------------------------------------

def _top1(w, prob: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per claim of world `w`: the probability of its top candidate (by probability, then weight) and
    whether that candidate is the true person (0 for claims without candidates)."""
    order = np.lexsort((-w.weight, -prob, w.claim))
    cl = w.claim[order]
    first = order[np.r_[True, cl[1:] != cl[:-1]]] if cl.size else order
    p1 = np.zeros(w.n_claims)
    y1 = np.zeros(w.n_claims)
    p1[w.claim[first]] = prob[first]
    y1[w.claim[first]] = w.y[first]
    return p1, y1


def evaluate(weight: np.ndarray, claim: np.ndarray, y: np.ndarray, claims_sel: np.ndarray, params,
             n_people: int) -> dict:
    """On the selected claims (with a verdict): log loss, ECE of the top candidate, false matches."""
    from reconcile.model import posterior
    from reconcile.model.training import ece

    if claims_sel.size == 0:
        return {"claims": 0, "log_loss": float("nan"), "ece": float("nan"), "false_matches": 0}
    w = _world(weight, claim, y, claims_sel, n_people)
    prob, p_none = posterior(w.weight, w.claim, w.n_claims, n_people, params)
    hit = np.zeros(w.n_claims)
    np.add.at(hit, w.claim[w.y], prob[w.y])
    # the confirmed person, or "none" (none of them, or a confirmed person blocking did not return)
    p_true = np.where(w.registered, hit, p_none)
    p1, y1 = _top1(w, prob)
    return {"claims": int(w.n_claims), "log_loss": float(-np.log(np.maximum(p_true, 1e-12)).mean()),
            "ece": ece(p1, y1), "false_matches": int(((p1 >= LIKELY) & (y1 == 0)).sum())}


# ------------------------------------------------------------------------------------------------
# The loop
# ------------------------------------------------------------------------------------------------

def _fit(lab: Labelled, sp, train_claims: np.ndarray, old, index, config: LearnConfig):
    """New parameters from the training claims: m (when enough confirmed pairs), then the
    calibration on the rescored pairs. Returns (params, rescored pairs, confirmed pairs)."""
    in_train = np.isin(sp.claim, train_claims)
    y = np.where(in_train, lab.y, -1)
    n_pos = int((y == 1).sum())
    new = old
    sp_new = sp
    if n_pos >= config.min_labels:
        new = fit_m(sp.levels[in_train], y[in_train], old, config.shrink)
        sp_new = rescore(lab, index, new)
    cal_claims = train_claims[lab.full[train_claims]]
    cal = fit_calibration(sp_new.weight, sp_new.claim, lab.y, cal_claims, new, index.n_people,
                          config.cal_prior, config.fit_offset)
    return dataclasses.replace(new, calibration=cal), sp_new, n_pos


def learn(decisions, claims, index, config: LearnConfig = LearnConfig()) -> dict:
    """Cross-validated by claim: each fold of decided claims is held out once while the others (and the
    claims with rejections only) fit new parameters; the held-out predictions of all folds give the
    before/after figures. The returned `params` (a `model.Params`) are fitted on every decision;
    `better` says whether the held-out log loss dropped. Also returns `moves` (per parameter)."""
    old = current_params(index)
    lab = labelled_pairs(decisions, claims, index, old)
    if lab is None or lab.scored.n == 0:
        raise dec.DecisionError("learn: no decided claim of these claims has candidates. Fix: record "
                                "decisions in `reconcile review` on the same claims first")
    sp0 = lab.scored
    n = index.n_people
    decided = np.flatnonzero(lab.full)
    partial = np.flatnonzero(~lab.full)
    if decided.size < 2:
        raise dec.DecisionError("learn: fewer than two claims have a verdict (confirm or none of them). "
                                "Fix: decide more claims in `reconcile review` first")
    k = max(2, min(config.folds, decided.size))
    rng = np.random.default_rng(config.seed)
    fold_of = rng.permutation(decided.size) % k
    w_before, w_after, sel_all = [], [], []
    # held-out predictions of every fold, laid side by side (claims renumbered per fold)
    offset = 0
    for f in range(k):
        hold = decided[fold_of == f]
        train = np.concatenate([decided[fold_of != f], partial])
        if hold.size == 0 or train.size == 0:
            continue
        new_f, sp_f, _ = _fit(lab, sp0, np.sort(train), old, index, config)
        keep = np.isin(sp0.claim, hold)
        pos = np.full(lab.n_claims, -1, dtype=np.int64)
        pos[hold] = offset + np.arange(hold.size)
        w_before.append((sp0.weight[keep], pos[sp0.claim[keep]], lab.y[keep], old))
        w_after.append((sp_f.weight[keep], pos[sp_f.claim[keep]], lab.y[keep], new_f))
        sel_all.append(offset + np.arange(hold.size))
        offset += hold.size
    before = _pooled(w_before, sel_all, n)
    after = _pooled(w_after, sel_all, n)
    new, _, n_pos = _fit(lab, sp0, np.arange(lab.n_claims), old, index, config)
    moves = []
    for cmp in sp0.registry:
        for lv in cmp.levels:
            if lv.neutral:
                continue
            a, b = old.m[cmp.name][lv.name], new.m[cmp.name][lv.name]
            if abs(a - b) >= 0.001:
                moves.append((f"m[{cmp.name}][{lv.name}]", float(a), float(b)))
    moves.append(("calibration.a", float(old.calibration.a), float(new.calibration.a)))
    moves.append(("calibration.b", float(old.calibration.b), float(new.calibration.b)))
    better = bool(after["claims"] and after["log_loss"] < before["log_loss"])
    trained = dict(new.trained_on)
    trained["learned_from_decisions"] = {"claims_decided": int(decided.size), "claims_partial": int(partial.size),
                                         "folds": k, "confirmed_pairs": n_pos,
                                         "heldout_before": before, "heldout_after": after}
    new = dataclasses.replace(new, trained_on=trained)
    return {"params": new, "before": before, "after": after, "moves": moves, "better": better,
            "decided_claims": int(decided.size), "partial_claims": int(partial.size), "folds": k,
            "confirmed_pairs": n_pos}


def _pooled(parts: list, sels: list, n_people: int) -> dict:
    """`evaluate` over the held-out claims of every fold, each fold under its own parameters."""
    if not parts:
        return evaluate(np.zeros(0), np.zeros(0, np.int64), np.zeros(0, np.int8), np.zeros(0, np.int64),
                        None, n_people)
    figs = [evaluate(w, c, y, s, p, n_people) for (w, c, y, p), s in zip(parts, sels)]
    tot = sum(f["claims"] for f in figs)
    # ECE needs the pooled top-1 probabilities: recompute them over all folds at once
    from reconcile.model import posterior
    from reconcile.model.training import ece

    p1s, y1s = [], []
    for (w, c, y, p), s in zip(parts, sels):
        wd = _world(w, c, y, s, n_people)
        prob, _ = posterior(wd.weight, wd.claim, wd.n_claims, n_people, p)
        p1, y1 = _top1(wd, prob)
        p1s.append(p1)
        y1s.append(y1)
    return {"claims": int(tot),
            "log_loss": float(sum(f["log_loss"] * f["claims"] for f in figs) / max(tot, 1)),
            "ece": ece(np.concatenate(p1s), np.concatenate(y1s)),
            "false_matches": int(sum(f["false_matches"] for f in figs))}


def learn_command(args) -> int:
    import reconcile as rc

    index = rc.load_index(args.index)
    quiet = bool(getattr(args, "quiet", False))
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
    bf, af = res["before"], res["after"]
    if not quiet:
        print(f"learn: {res['decided_claims']} decided claims (+{res['partial_claims']} with rejections only, "
              f"not fitted), {res['confirmed_pairs']} confirmed pairs; each of {res['folds']} folds held out once")
        print("learn: parameter moves (old -> new):")
        for name, a, b in res["moves"]:
            print(f"  {name:34s} {a:8.4f} -> {b:8.4f}")
        print(f"learn: held-out decisions ({bf['claims']} claims, out of fold): log loss {bf['log_loss']:.4f} -> "
              f"{af['log_loss']:.4f}; ECE {bf['ece']:.4f} -> {af['ece']:.4f}; false matches "
              f"{bf['false_matches']} -> {af['false_matches']}")
    if not res["better"]:
        print("learn: held-out decisions did not improve; the index is unchanged")
        return 0
    if args.dry_run:
        print("learn: better on held-out decisions; --dry-run, so the index is unchanged")
        return 0
    index.with_params(res["params"].to_dict()).save(args.index)
    print(f"learn: new parameters written into {args.index}")
    return 0
