"""Training the model: u from random pairs, m from labelled pairs or EM, calibration across a grid of
worlds, and learning from officers' decisions.

- `estimate`: level counts → u, m (smoothed), EM restricted to comparisons that separate people,
  `fit_from_labels(levels, y, params, shrink)`, `finish` (weights in evidence order).
- `calibration`: `World` (one scored batch with truth), `fit_calibration(worlds, params)`, `metrics`.
- here: the glue to the engine (`pair_levels`, `random_pairs`, `true_pairs`, `world`) and
  `train(index, claims, truth=None)` for one register.

Levels of arbitrary pairs are computed by the engine's own view (`reconcile.engine.ArrayPairView`),
so training sees exactly the comparisons that ship.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import polars as pl

from reconcile.model.params import Params
from reconcile.model.training.calibration import World, ece, fit_calibration, fit_scales, metrics
from reconcile.model.training.estimate import (EM_SESSIONS, em, em_sessions, finish, fit_from_labels,
                                               level_counts, m_from_levels, u_from_levels)

__all__ = ["EM_SESSIONS", "World", "ece", "em", "em_sessions", "finish", "fit_calibration", "fit_from_labels", "fit_scales", "level_counts",
           "m_from_levels", "metrics", "pair_levels", "random_pairs", "true_pairs", "train",
           "u_from_levels", "world"]


def pair_levels(matcher, ca, claim: np.ndarray, pidx: np.ndarray, relatives: bool = True,
                batch: int = 200_000):
    """`score` of arbitrary (claim, pidx) pairs with the matcher's params: (levels, weights)."""
    from reconcile.engine import ArrayPairView
    from reconcile.model import score

    claim = np.asarray(claim, dtype=np.int64)
    pidx = np.asarray(pidx, dtype=np.int64)
    k = len(matcher.registry)
    levels = np.zeros((len(claim), k), dtype=np.int8)
    weights = np.zeros((len(claim), k), dtype=np.float32)
    for s in range(0, len(claim), batch):
        c, p = claim[s:s + batch], pidx[s:s + batch]
        rv = matcher._relative_view(ca, c, p) if relatives else None
        out = score(ArrayPairView(matcher, ca, c, p, rv), matcher.params, matcher.registry)
        levels[s:s + batch], weights[s:s + batch] = out.levels, out.weights
    return levels, weights


def random_pairs(n_claims: int, n_people: int, n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, n_claims, n), rng.integers(0, n_people, n)


def true_pairs(ca, index, truth: pl.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(claim, pidx) of registered claimants and a bool per claim: registered. `truth`: claim_id,
    person_id (null when the claimant is not registered)."""
    pos = {p: i for i, p in enumerate(index.display.get_column("person_id").to_list())}
    tmap = dict(zip(truth.get_column("claim_id").to_list(), truth.get_column("person_id").to_list()))
    claim, pidx = [], []
    registered = np.zeros(ca.n, dtype=bool)
    for i, cid in enumerate(ca.claim_id):
        p = tmap.get(cid)
        if p is not None and p in pos:
            claim.append(i)
            pidx.append(pos[p])
            registered[i] = True
    return np.asarray(claim, dtype=np.int64), np.asarray(pidx, dtype=np.int64), registered


def world(matcher, ca, truth: pl.DataFrame, name: str):
    """Score the candidates of `ca` with `matcher` and attach the truth: (World, ScoredPairs)."""
    sp = matcher.score_arrays(ca)
    tc, tp, registered = true_pairs(ca, matcher.index, truth)
    true_of = np.full(ca.n, -1, dtype=np.int64)
    true_of[tc] = tp
    y = true_of[sp.claim] == sp.pidx
    return World(name=name, n_people=matcher.index.n_people, n_claims=ca.n, weight=sp.weight.astype(np.float64),
                 claim=sp.claim.astype(np.int64), y=y, registered=registered,
                 weights=np.asarray(sp.weights, dtype=np.float32)), sp


def train(index, claims, truth: pl.DataFrame | None = None, *, params: Params | None = None,
          n_random: int = 200_000, seed: int = 0, calibrate: bool = False) -> Params:
    """Parameters for one register: u from `n_random` random (claim, person) pairs of this register
    and these claims; m from the labelled true pairs when `truth` is given, else by EM on the
    blocked candidates (`estimate.em_sessions`: sessions restricted to pairs whose selecting
    comparisons agree, u from all candidate pairs). `calibrate` (needs truth) refits the temperature on this one register — prefer the grid fit
    of benchmarks/train_defaults.py."""
    from reconcile.engine import Matcher
    from reconcile.features import encode_claims
    from reconcile.model import default_params

    base = params or default_params()
    m0 = Matcher(index, params=base)
    ca = claims if hasattr(claims, "crel") else encode_claims(claims, index)
    rc, rp = random_pairs(ca.n, index.n_people, n_random, seed)
    lv_r, _ = pair_levels(m0, ca, rc, rp)
    u = u_from_levels(lv_r, m0.registry)
    if truth is not None:
        tc, tp, _ = true_pairs(ca, index, truth)
        lv_t, _ = pair_levels(m0, ca, tc, tp)
        m = m_from_levels(lv_t, m0.registry, prior_m=base.m, prior_strength=5.0)
        how = "m from labelled true pairs"
    else:
        sp = m0.score_arrays(ca)
        lv_c, _ = pair_levels(m0, ca, sp.claim, sp.pidx)
        m, _u_cand, _info = em_sessions(lv_c, base.m, m0.registry)
        how = "m by EM sessions on blocked candidates restricted to evidence that separates people"
    m, u = finish(m, u, m0.registry)
    out = dataclasses.replace(base, m=m, u=u, trained_on={
        "how": how, "people": index.n_people, "claims": ca.n, "random_pairs": n_random})
    if calibrate and truth is not None:
        w, _ = world(Matcher(index, params=out), ca, truth, "this register")
        out = dataclasses.replace(out, calibration=fit_calibration([w], out))
    return out
