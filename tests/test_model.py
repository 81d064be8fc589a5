"""The scoring model of engine v3: parameters, score (TF, relatives' dependence), posterior with
"none of them", and training pieces (u/m estimates, EM, learning from officers, calibration)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from _pairview import make_view
from reconcile.comparisons import RELATIONS, default_registry
from reconcile.model import Params, Prior, default_params, enforce_order, none_logit, posterior, score
from reconcile.model import training as T
from reconcile.model.params import Calibration, ParamsError

REG = default_registry()
PARAMS = default_params()
UNSCALED = dataclasses.replace(PARAMS, calibration=Calibration())   # rules checked before scales


def _paos(n=5, **claim):
    people = [dict(name="Giàng A Páo", sex="M", eth="Mông", by=1980,
                   relatives=[("father", "Giàng A Tủa", 1950)]) for _ in range(n)]
    people += [dict(name=f"Trần Văn {g}", sex="M", eth="Kinh", by=1950 + i)
               for i, g in enumerate(["An", "Bình", "Cường", "Dũng", "Giang", "Hải", "Khoa", "Lâm"])]
    c = dict(name="Giàng A Páo", sex="M", eth="Mông", by_best=1980, by_kind=2, **claim)
    return make_view([c], people, [(0, i) for i in range(n)])


# ------------------------------------------------------------------ posterior

def test_equally_good_namesakes_share_the_mass():
    v = _paos()
    s = score(v, PARAMS, REG)
    w = s.weights.sum(1)
    assert np.allclose(w, w[0])
    prob, p_none = posterior(w, np.zeros(v.n, dtype=np.int64), 1, 200_000, PARAMS)
    assert np.allclose(prob, prob[0]) and prob[0] < 0.2
    assert abs(prob.sum() + p_none[0] - 1) < 1e-9


def test_register_size_and_absent_share_move_none_of_them():
    w = np.array([25.0, 10.0])
    claim = np.zeros(2, dtype=np.int64)
    small = posterior(w, claim, 1, 20_000, PARAMS)[1][0]
    big = posterior(w, claim, 1, 1_000_000, PARAMS)[1][0]
    assert big > small                       # the same evidence says less in a larger register
    more_absent = PARAMS.with_prior(absent_share=0.8)
    assert posterior(w, claim, 1, 20_000, more_absent)[1][0] > small
    assert none_logit(PARAMS, 1000) < none_logit(PARAMS, 100_000)
    # a claim without candidates is "none of them"
    prob, p_none = posterior(np.zeros(0), np.zeros(0, dtype=np.int64), 2, 1000, PARAMS)
    assert p_none.tolist() == [1.0, 1.0]
    with pytest.raises(ParamsError, match="absent_share"):
        Prior(absent_share=1.0)


# ------------------------------------------------------------------ score

def test_claimed_relative_lifts_the_right_namesake_only():
    people = [dict(name="Giàng A Páo", by=1980, relatives=[("father", "Giàng A Tủa", 1950)]),
              dict(name="Giàng A Páo", by=1980, relatives=[("father", "Giàng A Chứ", 1950)]),
              dict(name="Giàng A Páo", by=1980)]
    v = make_view([dict(name="Giàng A Páo", relatives=[("father", "Giàng A Tủa", 0)])], people)
    s = score(v, PARAMS, REG)
    f = REG.index("father")
    names = [REG["father"].level_names[x] for x in s.levels[:, f]]
    assert names == ["strong", "different", "not_recorded"]
    w = s.weights.sum(1)
    assert w[0] > w[2] > w[1]
    # nothing recorded is learned evidence (against, in a register that records fathers), not silence
    assert s.weights[1, f] < s.weights[2, f] < 0


def test_relatives_dependence_caps_and_shrinks():
    rels = [("father", "Giàng A Tủa", 1950), ("mother", "Vừ Thị Mỷ", 1955), ("spouse", "Lý Thị Mai", 1982)]
    people = [dict(name="Giàng A Páo", by=1980, relatives=rels), dict(name="Giàng A Chứ", by=1980, relatives=rels)]
    v = make_view([dict(name="Giàng A Páo", relatives=[(r, n, 0) for r, n, _ in rels])], people)
    s = score(v, UNSCALED, REG)
    cols = [REG.index(r) for r in ("father", "mother", "spouse")]
    dep = PARAMS.dependence
    w0 = s.weights[0, cols]
    assert w0.max() <= dep.relatives_max_weight + 1e-6
    # father and mother are one family: the second of them counts at the extra factor; the spouse
    # belongs to the family the candidate made, and counts whole
    assert min(w0[:2]) <= dep.relatives_max_weight * dep.relatives_extra_factor + 1e-6
    assert w0[2] > dep.relatives_max_weight * dep.relatives_extra_factor
    # the brother (given name differs) gets the family's relatives at a fraction
    w1 = s.weights[1, cols]
    assert w1.max() <= dep.relatives_max_weight * dep.relatives_factor_given_differs + 1e-6


def test_one_wrong_date_counts_once():
    v = make_view([dict(name="A B", by_best=1950, by_lo=1950, by_hi=1950, by_kind=1, bm=4, bd=30)],
                  [dict(name="A B", by=1962, bm=8, bd=19)])
    s = score(v, PARAMS, REG)
    wb, wd = s.weights[0, REG.index("by")], s.weights[0, REG.index("dob")]
    assert min(wb, wd) < 0 and max(wb, wd) == 0.0


def test_term_frequency_bonus_is_capped():
    v = _paos(1)
    v.n_people = 10_000_000
    s = score(v, PARAMS, REG)
    g = REG.index("giv")
    base = PARAMS.level_weights(REG["giv"])[REG["giv"].code("exact")]
    assert s.weights[0, g] <= base + PARAMS.tf.max_bonus + 1e-5


# ------------------------------------------------------------------ params

def test_enforce_order_pools_a_noisy_level():
    cmp = REG["res"]
    # v2's residence: "compatible" +5.3 bits out-weighed "same commune" +4.8 (rare in both classes)
    # (its same commune split as villages now are: the same village, none written, another village)
    m = {"missing": 1, "same_village": 0.3, "same_commune": 0.365, "other_village": 0.2,
         "same_district": 0.05, "same_unit": 0.074, "compatible": 0.00068, "different": 0.0102}
    u = {"missing": 1, "same_village": 0.001, "same_commune": 0.0108, "other_village": 0.02,
         "same_district": 0.2, "same_unit": 0.7, "compatible": 0.000017, "different": 0.068}
    m2, u2 = enforce_order(cmp, m, u)
    p = Params.uniform(REG).with_levels("res", m2, u2)
    w = p.level_weights(cmp)
    seq = [w[i] for i in cmp.evidence_codes]
    assert all(a >= b - 1e-9 for a, b in zip(seq, seq[1:]))
    assert abs(sum(m2[x] for x in m2 if x != "missing") - sum(m[x] for x in m if x != "missing")) < 1e-6


def test_defaults_describe_themselves():
    d = PARAMS.to_dict(REG)
    assert d["format"] == "reconcile-model" and d["version"] == 3
    assert set(d["comparisons"]) == set(REG.names)
    assert d["prior"]["absent_share"] == PARAMS.prior.absent_share
    bad = dict(d, version=2)
    with pytest.raises(ParamsError, match="version 2.*Fix"):
        Params.from_dict(bad, REG)


# ------------------------------------------------------------------ training

def _sample(m_true, u_true, n, lam, rng):
    """Level matrix of n pairs from known m/u (a share lam of matches) over the registry."""
    y = rng.random(n) < lam
    levels = np.zeros((n, len(REG)), dtype=np.int8)
    for j, cmp in enumerate(REG):
        names = cmp.level_names
        ev = [i for i in cmp.evidence_codes]
        pm = np.array([m_true[cmp.name][names[i]] for i in ev])
        pu = np.array([u_true[cmp.name][names[i]] for i in ev])
        levels[y, j] = rng.choice(ev, size=y.sum(), p=pm / pm.sum())
        levels[~y, j] = rng.choice(ev, size=(~y).sum(), p=pu / pu.sum())
    return levels, y


def test_u_m_estimates_and_em_recover_known_parameters():
    rng = np.random.default_rng(0)
    lv, y = _sample(PARAMS.m, PARAMS.u, 40_000, 0.2, rng)
    u = T.u_from_levels(lv[~y], REG)
    m = T.m_from_levels(lv[y], REG)
    assert abs(u["sex"]["agree"] - PARAMS.u["sex"]["agree"]) < 0.02
    assert abs(m["giv"]["exact"] - PARAMS.m["giv"]["exact"]) < 0.03
    start = Params.uniform(REG)
    m0 = {k: dict(v) for k, v in start.m.items()}
    for c in REG:                                   # a rough start: agreement more likely for matches
        ev = [lv_.name for lv_ in c.levels if not lv_.neutral]
        for i, name in enumerate(ev):
            m0[c.name][name] = (len(ev) - i) / sum(range(1, len(ev) + 1))
    m_em, _, lam = T.em(lv, m0, PARAMS.u, REG, lam=0.5)
    assert abs(lam - 0.2) < 0.03
    assert abs(m_em["giv"]["exact"] - PARAMS.m["giv"]["exact"]) < 0.05
    assert abs(m_em["fam"]["different"] - PARAMS.m["fam"]["different"]) < 0.05


def test_fit_from_labels_learns_from_officers_and_keeps_order():
    rng = np.random.default_rng(1)
    # officers confirm pairs whose residence was usually "same_district"
    lv, _ = _sample(PARAMS.m, PARAMS.u, 400, 1.0, rng)
    j = REG.index("res")
    lv[:300, j] = REG["res"].code("same_district")
    y = np.ones(400, dtype=bool)
    y[350:] = False
    few = T.fit_from_labels(lv[:5], y[:5], PARAMS, shrink=50)
    many = T.fit_from_labels(lv, y, PARAMS, shrink=50)
    base = PARAMS.m["res"]["same_district"]
    assert base < few.m["res"]["same_district"] < many.m["res"]["same_district"]
    for cmp in REG:
        w = many.level_weights(cmp)
        seq = [w[i] for i in cmp.evidence_codes]
        assert all(a >= b - 1e-9 for a, b in zip(seq, seq[1:])), cmp.name
    assert many.trained_on["officer_decisions"] == {"confirmed": 350, "rejected": 50, "shrink": 50}
    assert many.u == PARAMS.u


def _world(a_true, n_claims, n_people, rng, name="w"):
    """Claims with 5 candidates each; the true one drawn from the posterior at temperature a_true."""
    k = 5
    claim = np.repeat(np.arange(n_claims), k)
    weight = rng.normal(5.0, 8.0, n_claims * k)
    p = dataclasses.replace(PARAMS, calibration=Calibration(a=a_true))
    prob, p_none = posterior(weight, claim, n_claims, n_people, p)
    y, registered = _draw_truth(prob, p_none, n_claims, k, rng)
    return T.World(name, n_people, n_claims, weight, claim, y, registered)


def _draw_truth(prob, p_none, n_claims: int, k: int, rng):
    """Truth drawn from a posterior over k candidates per claim and "none": (true pair, registered)."""
    y = np.zeros(n_claims * k, dtype=bool)
    registered = np.zeros(n_claims, dtype=bool)
    for c in range(n_claims):
        pr = np.r_[prob[c * k:(c + 1) * k], p_none[c]]
        j = rng.choice(k + 1, p=pr / pr.sum())
        if j < k:
            y[c * k + j] = registered[c] = True
    return y, registered


def test_calibration_fitted_across_worlds_recovers_the_temperature():
    rng = np.random.default_rng(2)
    worlds = [_world(0.7, 3000, 20_000, rng, "20k"), _world(0.7, 3000, 200_000, rng, "200k")]
    cal = T.fit_calibration(worlds, PARAMS)
    assert abs(cal.a - 0.7) < 0.08
    fitted = dataclasses.replace(PARAMS, calibration=cal)
    for w in worlds:
        m = T.metrics(w, fitted)
        assert m["ece_top1"] < 0.03, m
        assert set(m) >= {"recall_at_1", "recall_at_10", "false_match_rate", "ece_top1", "recall_at_0_5"}


def test_train_on_one_generated_register_keeps_names_and_order():
    import warnings

    from reconcile import synth
    from reconcile.features import encode_claims
    from reconcile.index import build_index

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pop = synth.generate_population(3000, 11)
        cl, truth = synth.generate_claims(pop, 150, 11)
        for c in cl:
            if isinstance(c.get("age"), (int, float)) and not 0 <= c["age"] <= 130:
                c["age"] = None
        idx = build_index(pop)
        ca = encode_claims(cl, idx)
        p = T.train(idx, ca, truth, n_random=20_000, seed=1)
    p.check(REG)
    assert p.trained_on["how"].startswith("m from labelled")
    for cmp in REG:
        w = p.level_weights(cmp)
        seq = [w[i] for i in cmp.evidence_codes]
        assert all(a >= b - 1e-9 for a, b in zip(seq, seq[1:])), cmp.name
    # the register at hand: chance agreement of sex is about one half, of a given name far less
    assert 0.3 < p.u["sex"]["agree"] < 0.7 and p.u["giv"]["exact"] < 0.05
    # without labels: EM sessions restricted to evidence that separates people
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        q = T.train(idx, ca, None, n_random=20_000, seed=1)
    q.check(REG)
    assert q.trained_on["how"].startswith("m by EM sessions")
    assert q.m["sex"]["agree"] > 0.9 and q.m["res"]["same_commune"] > q.m["res"]["different"]
    for cmp in REG:
        w = q.level_weights(cmp)
        seq = [w[i] for i in cmp.evidence_codes]
        assert all(a >= b - 1e-9 for a, b in zip(seq, seq[1:])), cmp.name


def test_fit_scales_halves_a_comparison_counted_twice():
    rng = np.random.default_rng(3)
    n_claims, k = 3000, 5
    claim = np.repeat(np.arange(n_claims), k)
    w1 = rng.normal(2.0, 6.0, n_claims * k)
    w3 = rng.normal(0.0, 4.0, n_claims * k)
    W = np.stack([w1, w1, w3], axis=1).astype(np.float32)          # the first evidence counted twice
    true_w = w1 + w3
    prob, p_none = posterior(true_w, claim, n_claims, 20_000,
                             dataclasses.replace(PARAMS, calibration=Calibration()))
    y, registered = _draw_truth(prob, p_none, n_claims, k, rng)
    w = T.World("dup", 20_000, n_claims, W.sum(1).astype(np.float64), claim, y, registered, weights=W)
    s = T.fit_scales([w], ("a", "a_again", "b"), params=PARAMS, l2=0.0, iters=400)
    assert abs(s["a"] + s["a_again"] - 1.0) < 0.15 and abs(s["b"] - 1.0) < 0.15


def test_scales_multiply_the_weights_that_count():
    v = _paos(1)
    scaled = dataclasses.replace(PARAMS, calibration=Calibration(scales={"by": 0.5}))
    a, b = score(v, UNSCALED, REG), score(v, scaled, REG)
    j = REG.index("by")
    assert b.weights[0, j] == pytest.approx(0.5 * a.weights[0, j])
    others = [i for i in range(len(REG)) if i != j]
    assert np.allclose(a.weights[0, others], b.weights[0, others])


def test_a_brother_with_a_somewhat_similar_name_gets_the_family_at_a_fraction():
    """Tịnh / Minh are only 'somewhat alike': with `given_differs_levels` including fuzzy_low (an
    option; off by default, see Dependence), a brother of the claimant (same father) gets the
    family's evidence at a fraction."""
    father = [("father", "Lương Văn Pảo", 1950)]
    people = [dict(name="Lương Văn Minh", by=1985, relatives=father),
              dict(name="Lương Văn Tịnh", by=1985, relatives=father)]
    v = make_view([dict(name="Lương Văn Tịnh", relatives=[("father", "Lương Văn Pảo", 0)])], people)
    dep = dataclasses.replace(PARAMS.dependence, given_differs_levels=("different", "fuzzy_low"))
    s = score(v, dataclasses.replace(UNSCALED, dependence=dep), REG)
    g, f = REG.index("giv"), REG.index("father")
    assert REG["giv"].level_names[s.levels[0, g]] == "fuzzy_low"
    assert s.weights[0, f] <= dep.relatives_max_weight * dep.relatives_factor_given_differs + 1e-6
    assert s.weights[1, f] > s.weights[0, f]
    assert s.weights[1].sum() > s.weights[0].sum() + 5
