"""Scoring a batch of pairs: `score(view, params) -> Scored(levels, weights, chosen_edge)`.

Per registered comparison: its level codes (int8), its weight log2(m/u) (bits), adjusted by term
frequency on levels marked `tf` (Splink style: the level's u replaced by the value's frequency in the
register at hand, floors as counts; rare exact values gain at most `tf.max_bonus` bits; fuzzy levels only lose: a weak
similarity to a rare name is no evidence of that rare name), then the relatives' dependence rules.
Pure numpy: no index, no frames, no global state.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from reconcile.comparisons.base import RELATIONS, PairView, Registry
from reconcile.model.params import Params


class Scored(NamedTuple):
    levels: np.ndarray        # int8 [n, k]  (registry column order)
    weights: np.ndarray       # float32 [n, k] bits, after TF and dependence rules
    chosen_edge: np.ndarray   # int64 [n, len(RELATIONS)] recorded relative the model paired, -1
    chosen_crel: np.ndarray   # int64 [n, len(RELATIONS)] claimed relative it was paired with, -1


def _registry(registry: Registry | None) -> Registry:
    if registry is None:
        from reconcile.comparisons import default_registry
        return default_registry()
    return registry


def score(view: PairView, params: Params, registry: Registry | None = None) -> Scored:
    """Levels and weights of every registered comparison for the pairs of `view`."""
    registry = _registry(registry)
    n, k = view.n, len(registry)
    levels = np.zeros((n, k), dtype=np.int8)
    weights = np.zeros((n, k), dtype=np.float64)
    chosen = np.full((n, len(RELATIONS)), -1, dtype=np.int64)
    chosen_crel = np.full((n, len(RELATIONS)), -1, dtype=np.int64)
    tfp = params.tf
    n_people = max(int(view.n_people), 1)
    memo: dict = {}
    for j, cmp in enumerate(registry):
        out = cmp.evaluate(view, memo)
        codes = np.asarray(out.codes, dtype=np.int8)
        levels[:, j] = codes
        table = params.level_weights(cmp)
        w = table[codes.astype(np.int64)]
        if tfp.enabled and out.tf is not None and any(lv.tf for lv in cmp.levels):
            w = w + _tf_adjust(cmp, params, codes, np.asarray(out.tf, dtype=np.float64), n_people)
        weights[:, j] = w
        if cmp.relation is not None and out.edge is not None:
            chosen[:, RELATIONS.index(cmp.relation)] = out.edge
        if cmp.relation is not None and out.crel is not None:
            chosen_crel[:, RELATIONS.index(cmp.relation)] = out.crel
    if params.dependence.joint_name_tf and tfp.enabled:
        _joint_name_tf(view, registry, levels, weights, params, n_people)
    if not params.dependence.kin_surname_agreement and "kin_fam" in registry:
        j = registry.index("kin_fam")
        weights[:, j] = np.minimum(weights[:, j], 0.0)
    _family_dependence(registry, levels, weights, params)
    _date_dependence(registry, weights)
    _relatives_dependence(registry, levels, weights, params)
    for name, f in params.calibration.scales.items():
        if name in registry and f != 1.0:
            weights[:, registry.index(name)] *= f
    return Scored(levels=levels, weights=weights.astype(np.float32), chosen_edge=chosen,
                  chosen_crel=chosen_crel)


def _tf_adjust(cmp, params: Params, codes: np.ndarray, tf: np.ndarray, n_people: int) -> np.ndarray:
    """log2(u_level / u_value) on TF levels; exact levels capped at +max_bonus, fuzzy ≤ 0."""
    tfp = params.tf
    relative = cmp.relation is not None
    if relative and not tfp.relatives:
        return np.zeros(len(codes))
    floor = tfp.min_count_relatives if relative else tfp.min_count
    u_val = np.maximum(tf, floor) / n_people
    adj = np.zeros(len(codes))
    for i, lv in enumerate(cmp.levels):
        if not lv.tf or lv.neutral:
            continue
        sel = (codes == i) & (tf > 0)
        if not sel.any():
            continue
        a = np.log2(max(params.u[cmp.name][lv.name], 1e-12) / u_val[sel])
        if lv.tf == "exact":
            adj[sel] = np.minimum(a * tfp.weight, tfp.max_bonus)
        else:
            adj[sel] = np.minimum(a * tfp.fuzzy_weight, 0.0)
    return adj


_NAME_AGREE = {"fam": ("exact", "folded", "variant"), "giv": ("exact", "folded")}


def _joint_name_tf(view: PairView, registry: Registry, levels: np.ndarray, weights: np.ndarray,
                   params: Params, n_people: int) -> None:
    """Surname and given name are not independent: when the whole folded name agrees, the chance
    agreement is the register count of that whole name, not the product of the parts' counts.
    The fam and giv columns then carry base weight + half of log2(u_fam·u_giv·u_mid / u_name) each
    (capped at `tf.max_bonus` for the whole name), replacing their own TF adjustments."""
    if not all(x in registry for x in ("fam", "giv", "mid")):
        return
    jf, jg, jm = registry.index("fam"), registry.index("giv"), registry.index("mid")
    cf, cg, cm = registry["fam"], registry["giv"], registry["mid"]
    ok = (np.isin(levels[:, jf], [cf.code(x) for x in _NAME_AGREE["fam"]])
          & np.isin(levels[:, jg], [cg.code(x) for x in _NAME_AGREE["giv"]]))
    if not ok.any():
        return
    i = np.flatnonzero(ok)
    c_fold, p_fold = view.c("fold")[i], view.p("fold")[i]
    same = (c_fold == p_fold) & (p_fold >= 0)
    i = i[same]
    if not len(i):
        return
    tf = view.tf("fold", view.p("fold")[i])
    i, tf = i[tf > 0], tf[tf > 0]
    if not len(i):
        return
    u_f = np.array([params.u["fam"][lv.name] for lv in cf.levels])[levels[i, jf]]
    u_g = np.array([params.u["giv"][lv.name] for lv in cg.levels])[levels[i, jg]]
    mid_same = levels[i, jm] == cm.code("same")
    u_m = np.where(mid_same, params.u["mid"]["same"], 1.0)
    u_name = np.maximum(tf, params.tf.min_count) / n_people
    adj = np.minimum(np.log2(u_f * u_g * u_m / u_name) * params.tf.weight, params.tf.max_bonus)
    wf = params.level_weights(cf)[levels[i, jf]]
    wg = params.level_weights(cg)[levels[i, jg]]
    weights[i, jf] = wf + adj / 2
    weights[i, jg] = wg + adj / 2


def _date_dependence(registry: Registry, weights: np.ndarray) -> None:
    """One wrong date is one piece of evidence: when the birth year and the day/month both speak
    against, only the stronger of the two counts (a date copied wrongly or from another person is
    wrong in all its parts at once)."""
    if "by" not in registry or "dob" not in registry:
        return
    jb, jd = registry.index("by"), registry.index("dob")
    wb, wd = weights[:, jb], weights[:, jd]
    both = (wb < 0) & (wd < 0)
    if both.any():
        weights[:, jb] = np.where(both & (wb > wd), 0.0, wb)
        weights[:, jd] = np.where(both & (wd >= wb), 0.0, wd)


def _family_dependence(registry: Registry, levels: np.ndarray, weights: np.ndarray,
                       params: Params) -> None:
    """When the given name clearly differs, the positive weights of what a family shares
    (`dependence.family_fields`) count at `family_factor_given_differs`."""
    dep = params.dependence
    if "giv" not in registry or dep.family_factor_given_differs == 1.0:
        return
    differs = _given_differs(registry, levels, dep)
    if not differs.any():
        return
    for name in dep.family_fields:
        if name in registry:
            j = registry.index(name)
            w = weights[:, j]
            weights[:, j] = np.where(differs & (w > 0), w * dep.family_factor_given_differs, w)


def _given_differs(registry: Registry, levels: np.ndarray, dep) -> np.ndarray:
    """Pairs whose given name differs (`dependence.given_differs_levels`)."""
    giv = registry["giv"]
    codes = [giv.code(x) for x in dep.given_differs_levels if x in giv.level_names]
    return np.isin(levels[:, registry.index("giv")], codes)


def _relatives_dependence(registry: Registry, levels: np.ndarray, weights: np.ndarray,
                          params: Params) -> None:
    """Relatives of one family are not independent evidence (in place on `weights`).

    - no relative counts more than `relatives_max_weight`: a relative shows the family, not which
      member of it the candidate is;
    - when the given name clearly differs, agreeing relatives point to the family (a brother, a
      sister), hardly to this member: positive relative weights × `relatives_factor_given_differs`;
    - within each family (`relatives_groups`: the family the candidate was born into — father,
      mother, siblings — and the one they made — spouse, children) the best positive relative weight
      counts whole, the other positive ones × `relatives_extra_factor` (they share that family);
      negative ones count fully."""
    rel_cols = [registry.index(c.name) for c in registry.relatives]
    if not rel_cols:
        return
    dep = params.dependence
    w = weights[:, rel_cols]
    w = np.minimum(w, dep.relatives_max_weight)
    # a weak similarity weighs little, whatever its learned ratio
    weak = np.stack([levels[:, j] == registry[registry.names[j]].code("weak")
                     if "weak" in registry[registry.names[j]].level_names else np.zeros(len(w), bool)
                     for j in rel_cols], axis=1)
    w = np.where(weak, np.minimum(w, dep.relatives_weak_max_weight), w)
    if "giv" in registry:
        differs = _given_differs(registry, levels, dep)
        w = np.where(differs[:, None] & (w > 0), w * dep.relatives_factor_given_differs, w)
    keep = np.zeros_like(w, dtype=bool)
    names = [registry.names[j] for j in rel_cols]
    groups = [[names.index(x) for x in g if x in names] for g in dep.relatives_groups]
    grouped = {i for g in groups for i in g}
    groups += [[i] for i in range(len(names)) if i not in grouped]
    for g in groups:
        if not g:
            continue
        pos = np.maximum(w[:, g], 0.0)
        best = np.asarray(g)[pos.argmax(axis=1)]
        has = pos.max(axis=1) > 0
        keep[np.arange(len(w))[has], best[has]] = True
    w = np.where((w > 0) & ~keep, w * dep.relatives_extra_factor, w)
    weights[:, rel_cols] = w


def total(weights: np.ndarray) -> np.ndarray:
    """The total weight (bits) per pair."""
    return weights.astype(np.float64).sum(axis=1)


LN2 = math.log(2.0)
