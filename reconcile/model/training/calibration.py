"""Calibration fitted across a GRID of worlds, and the figures that judge it.

A `World` is one scored batch of candidates with its truth: total weight and claim position per
pair, whether the pair is the true person, whether each claimant is registered, and the register
size N. `fit_calibration(worlds, params)` fits the temperature a (and optionally the offset b) of
`posterior` by maximum likelihood summed over all worlds at once (each world weighted equally, not by
its number of claims), so no single register size decides it; `metrics(world, params)` gives
recall@1/@10, false-match rate, ECE of the top-1 probability, recall@0.5 for one world.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from reconcile.model.params import Calibration, Params
from reconcile.model.posterior import LN2, none_logit, posterior


@dataclasses.dataclass
class World:
    name: str
    n_people: int
    n_claims: int
    weight: np.ndarray        # float64 per pair (total bits)
    claim: np.ndarray         # int64 per pair
    y: np.ndarray             # bool per pair: the true person
    registered: np.ndarray    # bool per claim: the claimant is in the register
    weights: np.ndarray | None = None   # float32 [n_pairs, k] per comparison (for fit_scales)

    def top(self, k: int = 50) -> "World":
        """The same world keeping each claim's `k` best candidates by total weight, and the true
        pair wherever it ranks: the candidates further down carry no posterior mass worth the time
        (fitting scales over every candidate of a 200k register is ~50× slower for the same fit)."""
        order = np.lexsort((-self.weight, self.claim))
        cl = self.claim[order]
        start = np.r_[0, np.flatnonzero(cl[1:] != cl[:-1]) + 1] if cl.size else np.zeros(0, np.int64)
        rank = np.arange(cl.size) - np.repeat(start, np.diff(np.r_[start, cl.size]))
        keep = np.sort(order[(rank < k) | self.y[order]])
        return dataclasses.replace(
            self, weight=self.weight[keep], claim=self.claim[keep], y=self.y[keep],
            weights=None if self.weights is None else self.weights[keep])


def _nll(a: float, b: float, w: World, params: Params) -> float:
    p = dataclasses.replace(params, calibration=Calibration(a=a, b=b))
    prob, p_none = posterior(w.weight, w.claim, w.n_claims, w.n_people, p)
    hit = np.zeros(w.n_claims)
    np.add.at(hit, w.claim[w.y], prob[w.y])
    found = np.zeros(w.n_claims, dtype=bool)
    found[w.claim[w.y]] = True
    # the claimant's outcome: the true candidate, or "none" (absent, or true person not a candidate)
    lik = np.where(found, hit, p_none)
    return float(-np.log(np.maximum(lik, 1e-300)).mean())


def _golden(f, lo: float, hi: float, iters: int = 40) -> float:
    g = (math.sqrt(5) - 1) / 2
    a, b = lo, hi
    c, d = b - g * (b - a), a + g * (b - a)
    fc, fd = f(c), f(d)
    for _ in range(iters):
        if fc < fd:
            b, d, fd = d, c, fc
            c = b - g * (b - a)
            fc = f(c)
        else:
            a, c, fc = c, d, fd
            d = a + g * (b - a)
            fd = f(d)
    return (a + b) / 2


def fit_calibration(worlds: list[World], params: Params, fit_b: bool = False,
                    label: str = "") -> Calibration:
    """Temperature a (and offset b when `fit_b`) minimising the mean per-claim negative log
    likelihood averaged over `worlds` (each world counts equally)."""
    def total(a, b):
        return sum(_nll(a, b, w, params) for w in worlds) / max(len(worlds), 1)

    a, b = 1.0, 0.0
    for _ in range(3 if fit_b else 1):
        a = _golden(lambda x: total(x, b), 0.2, 2.0)
        if fit_b:
            b = _golden(lambda x: total(a, x), -6.0, 6.0)
    return Calibration(a=round(a, 4), b=round(b, 4), method="temperature over a grid of worlds",
                       fitted_on=label or ", ".join(w.name for w in worlds))


def fit_scales(worlds: list[World], names: tuple[str, ...], l2: float = 0.05, iters: int = 300,
               lr: float = 0.02, params: Params | None = None) -> dict[str, float]:
    """Per-comparison weight factors s_k (logit_j = Σ_k s_k · w_jk · ln 2 against "none") by maximum
    likelihood over all worlds (each counts equally), with a ridge penalty l2 · Σ (s_k − 1)² that
    keeps a comparison the data say little about at its Fellegi–Sunter weight. Adam on the mean
    per-claim negative log likelihood. Needs `World.weights`."""
    from reconcile.model.posterior import none_logit

    k = len(names)
    s = np.ones(k)
    m_, v_ = np.zeros(k), np.zeros(k)
    b1, b2, eps = 0.9, 0.999, 1e-8
    prep = []
    for w in worlds:
        order = np.argsort(w.claim, kind="stable")
        cl = w.claim[order]
        W = w.weights[order].astype(np.float64) * LN2
        y = w.y[order]
        starts = np.r_[0, np.flatnonzero(cl[1:] != cl[:-1]) + 1] if len(cl) else np.zeros(0, np.int64)
        owners = cl[starts] if len(cl) else np.zeros(0, np.int64)
        seg = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(cl)]))
        # the true pair's weights summed per claim (zero for claims whose truth is "none")
        wt = np.zeros((len(starts), k))
        idx = np.flatnonzero(y)
        wt[seg[idx]] = W[idx]
        prep.append((W, seg, starts, len(starts), w.n_claims, wt, none_logit(params, w.n_people)))
    for t in range(1, iters + 1):
        g = np.zeros(k)
        for W, seg, starts, n_seg, n_claims, wt, z0 in prep:
            z = W @ s
            mx = np.maximum(np.maximum.reduceat(z, starts), z0) if n_seg else np.zeros(0)
            e = np.exp(z - mx[seg])
            e0 = np.exp(z0 - mx)
            den = np.bincount(seg, weights=e, minlength=n_seg) + e0
            p = e / den[seg]
            ew = np.stack([np.bincount(seg, weights=p * W[:, j], minlength=n_seg) for j in range(k)], axis=1)
            # claims without candidates contribute no gradient; mean over all claims of the world
            g += (ew - wt).sum(axis=0) / max(n_claims, 1)
        g = g / len(prep) + 2 * l2 * (s - 1.0)
        m_ = b1 * m_ + (1 - b1) * g
        v_ = b2 * v_ + (1 - b2) * g * g
        s = s - lr * (m_ / (1 - b1 ** t)) / (np.sqrt(v_ / (1 - b2 ** t)) + eps)
        s = np.clip(s, 0.0, 2.0)
    return {n: round(float(x), 4) for n, x in zip(names, s)}


def ece(p: np.ndarray, y: np.ndarray, bins: int = 10) -> float:
    if len(p) == 0:
        return float("nan")
    b = np.minimum((p * bins).astype(int), bins - 1)
    tot = 0.0
    for k in range(bins):
        sel = b == k
        if sel.any():
            tot += abs(p[sel].mean() - y[sel].mean()) * sel.sum()
    return float(tot / len(p))


def metrics(w: World, params: Params) -> dict:
    """recall@1 / @10 (registered claimants), false-match rate (absent claimants whose top-1 has
    p ≥ 0.5), ECE of the top-1 probability (10 bins, all claims), recall@0.5."""
    prob, p_none = posterior(w.weight, w.claim, w.n_claims, w.n_people, params)
    order = np.lexsort((-w.weight, w.claim))
    cl = w.claim[order]
    first = np.r_[True, cl[1:] != cl[:-1]] if len(cl) else np.zeros(0, dtype=bool)
    starts = np.flatnonzero(first)
    rank = np.arange(len(cl)) - np.repeat(starts, np.diff(np.r_[starts, len(cl)]))
    top = order[first]
    p1 = np.zeros(w.n_claims)
    hit1 = np.zeros(w.n_claims, dtype=bool)
    p1[w.claim[top]] = prob[top]
    hit1[w.claim[top]] = w.y[top]
    hit10 = np.zeros(w.n_claims, dtype=bool)
    yo = w.y[order]
    hit10[cl[(rank < 10) & yo]] = True
    reg = w.registered
    return {"world": w.name, "people": w.n_people, "claims": w.n_claims,
            "recall_at_1": float(hit1[reg].mean()) if reg.any() else float("nan"),
            "recall_at_10": float(hit10[reg].mean()) if reg.any() else float("nan"),
            "false_match_rate": float((p1[~reg] >= 0.5).mean()) if (~reg).any() else float("nan"),
            "ece_top1": ece(p1, hit1.astype(float)),
            "recall_at_0_5": float((hit1 & (p1 >= 0.5))[reg].mean()) if reg.any() else float("nan")}


__all__ = ["World", "fit_calibration", "fit_scales", "metrics", "ece", "none_logit", "LN2"]
