"""Estimating m and u per comparison level (by level NAME), from level matrices of scored pairs.

- `u_from_levels(levels)`: u from random (claim, person) pairs (almost all non-matches).
- `m_from_levels(levels)`: m from labelled true pairs (a generated register of settings the
  benchmark does not use, or officers' confirmed pairs).
- `em(levels, m, u, fields)`: unsupervised Fellegi–Sunter EM over distinct level patterns, with
  missing/neutral levels missing at random, restricted to the comparisons that separate people in the
  pairs given (comparisons used to select the pairs, or constant among them, keep their m).
- `fit_from_labels(levels, y, params, shrink)`: learning from officers' decisions.

Every estimate is smoothed (pseudo-counts), and `finish` makes weights non-increasing along each
comparison's evidence order (`params.enforce_order`).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from reconcile.comparisons.base import Registry
from reconcile.model.params import M_FLOOR, Params, enforce_order


def _registry(registry):
    if registry is None:
        from reconcile.comparisons import default_registry
        return default_registry()
    return registry


def level_counts(levels: np.ndarray, registry: Registry | None = None,
                 weights: np.ndarray | None = None) -> dict[str, dict[str, float]]:
    """{comparison: {level: (weighted) count}} of a level matrix [n, k]."""
    registry = _registry(registry)
    out = {}
    for j, cmp in enumerate(registry):
        c = np.bincount(levels[:, j].astype(np.int64), weights=weights, minlength=len(cmp.levels))
        out[cmp.name] = {lv.name: float(c[i]) for i, lv in enumerate(cmp.levels)}
    return out


def _normalise(counts: dict[str, float], cmp, smoothing: float) -> dict[str, float]:
    ev = [lv.name for lv in cmp.levels if not lv.neutral]
    tot = sum(counts.get(x, 0.0) for x in ev) + smoothing * len(ev)
    out = {}
    for lv in cmp.levels:
        out[lv.name] = 1.0 if lv.neutral else max((counts.get(lv.name, 0.0) + smoothing) / tot, M_FLOOR)
    return out


def u_from_levels(levels: np.ndarray, registry: Registry | None = None, smoothing: float = 1.0
                  ) -> dict[str, dict[str, float]]:
    """u per comparison and level from the levels of random pairs."""
    registry = _registry(registry)
    counts = level_counts(levels, registry)
    return {cmp.name: _normalise(counts[cmp.name], cmp, smoothing) for cmp in registry}


def m_from_levels(levels: np.ndarray, registry: Registry | None = None, smoothing: float = 1.0,
                  prior_m: dict | None = None, prior_strength: float = 0.0,
                  weights: np.ndarray | None = None) -> dict[str, dict[str, float]]:
    """m per comparison and level from the levels of true pairs (optionally weighted), with
    `prior_strength` pseudo-pairs distributed as `prior_m` (a Dirichlet prior)."""
    registry = _registry(registry)
    counts = level_counts(levels, registry, weights)
    out = {}
    for cmp in registry:
        c = dict(counts[cmp.name])
        if prior_m is not None and prior_strength > 0:
            ev = [lv.name for lv in cmp.levels if not lv.neutral]
            tot = sum(prior_m[cmp.name][x] for x in ev) or 1.0
            for x in ev:
                c[x] = c.get(x, 0.0) + prior_strength * prior_m[cmp.name][x] / tot
        out[cmp.name] = _normalise(c, cmp, smoothing)
    return out


def finish(m: dict, u: dict, registry: Registry | None = None) -> tuple[dict, dict]:
    """Weights non-increasing along each comparison's evidence order."""
    registry = _registry(registry)
    m2, u2 = dict(m), dict(u)
    for cmp in registry:
        m2[cmp.name], u2[cmp.name] = enforce_order(cmp, m[cmp.name], u[cmp.name])
    return m2, u2


def em(levels: np.ndarray, m: dict, u: dict, registry: Registry | None = None,
       fields: list[str] | None = None, lam: float = 0.1, max_iter: int = 100, tol: float = 1e-6,
       fix_u: bool = True, prior_m: dict | None = None, prior_strength: float = 0.0,
       min_share: float = 0.01) -> tuple[dict, dict, float]:
    """Unsupervised EM over distinct level patterns of candidate pairs. Returns (m, u, λ).

    Only comparisons in `fields` (default: all) that separate people in these pairs take part: a
    comparison whose non-neutral levels cover less than `min_share` of the pairs, or which has only
    one non-neutral level present, is left out of the likelihood and keeps its m (as are comparisons
    used to select the pairs, which the caller leaves out of `fields`)."""
    registry = _registry(registry)
    names = list(registry.names)
    fields = list(fields) if fields is not None else names
    pat, cnt = np.unique(levels, axis=0, return_counts=True)
    cnt = cnt.astype(np.float64)
    total = cnt.sum()
    active = []
    for j, cmp in enumerate(registry):
        if cmp.name not in fields:
            continue
        neutral = np.isin(pat[:, j], cmp.neutral_codes)
        present = np.unique(pat[~neutral, j])
        if cnt[~neutral].sum() >= min_share * total and len(present) >= 2:
            active.append(j)
    m = {k: dict(v) for k, v in m.items()}
    u = {k: dict(v) for k, v in u.items()}

    def table(d, cmp):
        return np.array([max(d[cmp.name][lv.name], 1e-12) for lv in cmp.levels])

    for _ in range(max_iter):
        log_m = np.zeros(len(cnt))
        log_u = np.zeros(len(cnt))
        cmps = [registry[names[j]] for j in active]
        for j, cmp in zip(active, cmps):
            neutral = np.isin(pat[:, j], cmp.neutral_codes)
            log_m += np.where(neutral, 0.0, np.log(table(m, cmp)[pat[:, j]]))
            log_u += np.where(neutral, 0.0, np.log(table(u, cmp)[pat[:, j]]))
        a = np.log(lam) + log_m
        b = np.log1p(-lam) + log_u
        mx = np.maximum(a, b)
        r = np.exp(a - mx) / (np.exp(a - mx) + np.exp(b - mx))
        new_lam = float(np.clip((r * cnt).sum() / total, 1e-6, 1 - 1e-6))
        delta = abs(new_lam - lam)
        lam = new_lam
        for j, cmp in zip(active, cmps):
            k = len(cmp.levels)
            inf = ~np.isin(pat[:, j], cmp.neutral_codes)
            num = np.bincount(pat[:, j].astype(np.int64), weights=r * cnt * inf, minlength=k)
            new = {}
            ev_counts = {lv.name: float(num[i]) for i, lv in enumerate(cmp.levels)}
            if prior_m is not None and prior_strength > 0:
                ev = [lv.name for lv in cmp.levels if not lv.neutral]
                tot = sum(prior_m[cmp.name][x] for x in ev) or 1.0
                for x in ev:
                    ev_counts[x] += prior_strength * prior_m[cmp.name][x] / tot
            new = _normalise(ev_counts, cmp, 0.5)
            delta = max(delta, max(abs(new[x] - m[cmp.name][x]) for x in new))
            m[cmp.name] = new
            if not fix_u:
                nu = np.bincount(pat[:, j].astype(np.int64), weights=(1 - r) * cnt * inf, minlength=k)
                u[cmp.name] = _normalise({lv.name: float(nu[i]) for i, lv in enumerate(cmp.levels)},
                                         cmp, 0.5)
        if delta < tol:
            break
    return m, u, lam


# EM sessions on candidate pairs restricted to evidence that separates people: the pairs kept agree on
# the selecting comparisons (at these levels), which are then left out of the likelihood. Among
# candidates of a claim the true person is rare (~1 in 200) and namesakes share family, clan and
# place, so EM on all candidates finds "same family" rather than "same person"; restricted, the
# true pairs are a sizeable share and EM identifies them.
EM_SESSIONS = (
    # names and birth year agree: estimate everything else
    ({"fam": ("exact", "folded", "variant"), "giv": ("exact", "folded"),
      "by": ("exact", "within_1", "in_narrow")}, ("fam", "mid", "giv", "by")),
    # the same birth year, sex and commune of residence: the name comparisons (not the relatives,
    # which a brother or sister shares)
    ({"by": ("exact",), "sex": ("agree",), "res": ("same_village", "same_commune")}, ("by", "sex", "res")),
    # names and the father agree (a sibling has another name): the birth year
    ({"fam": ("exact", "folded", "variant"), "giv": ("exact", "folded"), "father": ("strong",)},
     ("fam", "mid", "giv", "father")),
)


def em_sessions(levels: np.ndarray, m: dict, registry: Registry | None = None,
                sessions=EM_SESSIONS, lam: float = 0.3) -> tuple[dict, dict, list[dict]]:
    """m of every comparison by EM without labels, from the levels of blocked candidate pairs.

    u is the level distribution among ALL candidate pairs (nearly all non-matches, and distorted the
    same way blocking distorts them), fixed. Each session keeps the pairs agreeing on its selection
    and estimates m for the comparisons it does not select on and has not estimated before (the
    first session estimates all it can). Returns (m, u_candidates, per-session {pairs, lambda})."""
    registry = _registry(registry)
    u_cand = u_from_levels(levels, registry)
    out = {k: dict(v) for k, v in m.items()}
    done: set[str] = set()
    info = []
    for select, exclude in sessions:
        keep = np.ones(len(levels), dtype=bool)
        for name, lvls in select.items():
            j = registry.index(name)
            keep &= np.isin(levels[:, j], [registry[name].code(x) for x in lvls])
        fields = [n for n in registry.names if n not in exclude and n not in done]
        if keep.sum() < 50 or not fields:
            info.append({"pairs": int(keep.sum()), "lambda": None, "fields": []})
            continue
        m_s, _, lam_s = em(levels[keep], out, u_cand, registry, fields=fields, lam=lam)
        for n in fields:
            out[n] = m_s[n]
        done.update(fields)
        info.append({"pairs": int(keep.sum()), "lambda": round(lam_s, 4), "fields": fields})
    return out, u_cand, info


def fit_from_labels(levels: np.ndarray, y: np.ndarray, params: Params, shrink: float = 50.0,
                    registry: Registry | None = None) -> Params:
    """Learn from officers' decisions: `levels` [n, k] of decided pairs, `y` 1 confirmed / 0 rejected.

    m moves toward the level shares among confirmed pairs: m = (counts + shrink · m_prior) /
    (n_confirmed + shrink), per comparison (`shrink` pseudo-pairs keep a handful of decisions from
    overturning the defaults). u stays: rejected candidates are not random pairs (they were close
    enough to be shown), so they say nothing unbiased about chance agreement. Weights are then put
    back in evidence order. Returns new parameters; `trained_on` records how many decisions."""
    registry = _registry(registry)
    y = np.asarray(y).astype(bool)
    pos = np.asarray(levels)[y]
    m = m_from_levels(pos, registry, smoothing=0.0, prior_m=params.m, prior_strength=shrink) \
        if len(pos) else {k: dict(v) for k, v in params.m.items()}
    m, u = finish(m, params.u, registry)
    trained = dict(params.trained_on)
    trained["officer_decisions"] = {"confirmed": int(y.sum()), "rejected": int((~y).sum()),
                                    "shrink": shrink}
    return dataclasses.replace(params, m=m, u=u, trained_on=trained)
