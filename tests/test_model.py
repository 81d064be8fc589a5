"""Scoring model: comparison levels, missing is neutral, TF, relatives, EM, competitor-aware posterior."""

from __future__ import annotations

import math
import random
import warnings

import polars as pl
import pytest

import reconcile as rc
from reconcile import model
from reconcile.index import featurise_claims
from reconcile.matching import known_relatives, pair_features

POP = [
    # pidx 0..4: five equally good "Giàng A Páo"
    *[dict(person_id=f"P{i}", full_name="Giàng A Páo", sex="M", birth_date="1980",
           ethnicity="Mông", hometown="Hà Giang", residence="xã Cư Kbang, huyện Ea Súp, Đắk Lắk",
           father_name="Giàng A Tủa") for i in range(5)],
    dict(person_id="P5", full_name="Nguyễn Văn Hùng", sex="M", birth_date="1975-03-02", ethnicity="Kinh",
         hometown="Nam Định", residence="Buôn Ma Thuột, Đắk Lắk", father_name="Nguyễn Văn Long"),
    dict(person_id="P6", full_name="Lò Thị Xuân", sex="F", birth_date="1990", ethnicity="Thái",
         hometown="Sơn La", residence="Ea Súp, Đắk Lắk", father_name="Lò Văn Ún"),
    dict(person_id="P7", full_name="Vàng Seo Chứ", sex="M", birth_date="1968", ethnicity="Mông",
         hometown="Lào Cai", residence="Ea Súp, Đắk Lắk", father_name="Vàng Seo Lử"),
] + [dict(person_id=f"Q{i}", full_name=f"Trần Văn {g}", sex="M", birth_date=str(1950 + i),
          ethnicity="Kinh", hometown="Thái Bình", residence="Đắk Lắk")
     for i, g in enumerate(["An", "Bình", "Cường", "Dũng", "Giang", "Hải", "Khoa", "Lâm"])]


@pytest.fixture(scope="module")
def index():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return rc.build_index(pl.DataFrame(POP))


def _pairs(index, claim: dict, pidx: list[int]) -> pl.DataFrame:
    claim = {"claim_id": "T-1", **claim}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cf, cr = featurise_claims([claim], index)
    pairs = pl.DataFrame({"claim_idx": [0] * len(pidx), "pidx": pidx},
                         schema={"claim_idx": pl.UInt32, "pidx": pl.UInt32})
    df = pair_features(pairs, cf, cr, index, known_relatives(index))
    return model.score_pairs(df, model.default_params(), n_people=index.n_people).sort("pidx")


def _lvl(df, field, row=0):
    return df[f"lvl_{field}"][row]


def test_name_levels_exact_folded_and_different(index):
    exact = _pairs(index, {"name": "Nguyễn Văn Hùng"}, [5])
    assert (_lvl(exact, "fam"), _lvl(exact, "mid"), _lvl(exact, "giv")) == (1, 1, 1)
    folded = _pairs(index, {"name": "Nguyen Van Hung"}, [5])
    assert (_lvl(folded, "fam"), _lvl(folded, "giv")) == (2, 2)
    assert exact["w_giv"][0] > folded["w_giv"][0] - 1e-9
    other = _pairs(index, {"name": "Lò Thị Xuân"}, [5])
    assert _lvl(other, "fam") == 6 and _lvl(other, "giv") == 6
    assert other["w_fam"][0] < 0 and other["w_giv"][0] < 0
    # a typo in the given name is a fuzzy agreement, weaker than exact but better than different
    typo = _pairs(index, {"name": "Nguyễn Văn Hùnh"}, [5])
    assert _lvl(typo, "giv") in (3, 4, 5)
    assert other["w_giv"][0] < typo["w_giv"][0] < exact["w_giv"][0]


def test_birth_year_levels(index):
    def by(claim):
        return _lvl(_pairs(index, {"name": "Nguyễn Văn Hùng", **claim}, [5]), "by")
    assert by({"birth_year": 1975}) == 1
    assert by({"birth_year": 1976}) == 2
    assert by({"birth_year_min": 1973, "birth_year_max": 1978}) == 3
    assert by({"birth_year_min": 1965, "birth_year_max": 1985}) == 4
    assert by({"birth_year": 1979}) == 5
    assert by({"birth_year": 1995}) == 6


def test_sex_ethnicity_levels(index):
    df = _pairs(index, {"name": "Nguyễn Văn Hùng", "sex": "F", "ethnicity": "Kinh"}, [5])
    assert _lvl(df, "sex") == 2 and df["w_sex"][0] < 0
    assert _lvl(df, "eth") == 1 and df["w_eth"][0] > 0


def test_missing_fields_are_neutral(index):
    df = _pairs(index, {"name": "Nguyễn Văn Hùng"}, [5])
    for f in ("by", "zod", "sex", "eth", "home", "res", "father", "mother"):
        assert _lvl(df, f) == 0, f
        assert df[f"w_{f}"][0] == 0.0, f
    assert math.isclose(df["weight"][0], df["w_fam"][0] + df["w_mid"][0] + df["w_giv"][0])


def test_contradicting_relative_lowers_weight(index):
    base = {"name": "Nguyễn Văn Hùng", "birth_year": 1975}
    none = _pairs(index, base, [5])["weight"][0]
    same = _pairs(index, {**base, "relatives": [{"relation": "father", "name": "Nguyễn Văn Long"}]}, [5])
    diff = _pairs(index, {**base, "relatives": [{"relation": "father", "name": "Trần Văn Sáu"}]}, [5])
    assert _lvl(same, "father") == 1 and _lvl(diff, "father") == 4
    assert diff["weight"][0] < none < same["weight"][0]
    # a claimed relative the register does not record is neutral
    mom = _pairs(index, {**base, "relatives": [{"relation": "mother", "name": "Lê Thị Hoa"}]}, [5])
    assert _lvl(mom, "mother") == 3 and mom["w_mother"][0] == 0.0


def test_common_given_name_weighs_less_than_rare(index):
    # "Páo" is held by 5 people here, "Hùng" by 1: the exact agreement on the rarer name weighs more
    pao = _pairs(index, {"name": "Páo"}, [0])
    hung = _pairs(index, {"name": "Hùng"}, [5])
    assert _lvl(pao, "giv") == 1 and _lvl(hung, "giv") == 1
    assert hung["w_giv"][0] > pao["w_giv"][0] + 1.0


def test_five_equal_candidates_share_the_probability(index):
    df = _pairs(index, {"name": "Giàng A Páo", "birth_year": 1980, "sex": "M", "ethnicity": "Mông"},
                [0, 1, 2, 3, 4])
    post = model.posterior(df, model.default_params(), index.n_people)
    p = post["probability"].to_list()
    assert max(p) - min(p) < 1e-9
    assert max(p) <= 0.2 + 1e-9
    assert math.isclose(sum(p) + post["p_none"][0], 1.0, rel_tol=1e-9)
    alone = model.posterior(df.head(1), model.default_params(), index.n_people)
    assert alone["probability"][0] > 2 * max(p)


def _simulate_levels(m, u, lam, n, seed):
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        match = rng.random() < lam
        row = {}
        for f in model.FIELDS:
            probs = (m if match else u)[f.name]
            informative = [i for i in range(len(f.levels)) if i not in f.neutral]
            ws = [probs[i] for i in informative]
            lvl = rng.choices(informative, weights=ws)[0]
            if rng.random() < 0.1:  # missing at random
                lvl = 0
            row[f"lvl_{f.name}"] = lvl
        rows.append(row)
    return pl.DataFrame(rows, schema={f"lvl_{f.name}": pl.Int8 for f in model.FIELDS})


def test_em_recovers_known_parameters():
    params = model.default_params()
    true_m, u = params["m"], params["u"]
    levels = _simulate_levels(true_m, u, 0.2, 20_000, seed=3)
    # start from a flat, wrong m
    start = {f.name: [1.0 if i in f.neutral else 1.0 / (len(f.levels) - len(f.neutral))
                      for i in range(len(f.levels))] for f in model.FIELDS}
    for f in model.FIELDS:  # break symmetry: agreement a bit more likely among matches
        start[f.name] = [x * (1.5 if i == 1 else 1.0) for i, x in enumerate(start[f.name])]
    m, _u, lam = model.em(levels, start, u, lam=0.05)
    assert abs(lam - 0.2) < 0.03
    for f in ("fam", "giv", "by", "sex", "father"):
        for i in range(len(model.FIELD_BY_NAME[f].levels)):
            if i in model.FIELD_BY_NAME[f].neutral:
                continue
            assert abs(m[f][i] - true_m[f][i]) < 0.05, (f, i, m[f][i], true_m[f][i])


def test_estimate_u_from_levels():
    df = pl.DataFrame({f"lvl_{f.name}": [0, 1, 2, 2] if len(f.levels) > 2 else [0, 1, 1, 1]
                       for f in model.FIELDS}).cast(pl.Int8)
    u = model.estimate_u(df, smoothing=0.0)
    assert u["sex"][1] == pytest.approx(1 / 3)
    assert u["sex"][2] == pytest.approx(2 / 3)
    assert u["fam"][2] == pytest.approx(2 / 3) and u["fam"][5] == 0.0
    assert u["father"][3] == 1.0  # neutral level


def test_bad_params_are_reported():
    p = model.default_params()
    p["m"]["giv"] = [1.0, 0.5]
    with pytest.raises(ValueError, match="giv"):
        model.check_params(p)


def test_dialect_surname_and_usual_name(index):
    # Dàng / Giàng are one surname said in two dialects
    df = _pairs(index, {"name": "Dàng A Páo"}, [0])
    other = _pairs(index, {"name": "Lò A Páo"}, [0])
    assert _lvl(df, "fam") in (3, 4) and _lvl(other, "fam") == 6
    assert df["w_fam"][0] > other["w_fam"][0] + 1
    # "A Páo" (usual name, no clan) is not a surname disagreement
    usual = _pairs(index, {"name": "A Páo"}, [0])
    assert _lvl(usual, "fam") == 0 and _lvl(usual, "mid") == 1


def test_siblings_do_not_add_up_as_independent_evidence(index):
    base = {"name": "Nguyễn Văn Hùng", "birth_year": 1975}
    one = _pairs(index, {**base, "relatives": [{"relation": "father", "name": "Nguyễn Văn Long"}]}, [5])
    p = model.default_params()
    k = p["relatives_extra_factor"]
    assert 0 < k < 1
    df = one.with_columns(pl.lit(4.0).alias("w_mother"), pl.col("w_father").alias("w_sibling"))
    adj = model._relatives_dependence(df, p)
    assert adj["w_father"][0] == pytest.approx(one["w_father"][0])
    assert adj["w_sibling"][0] == pytest.approx(one["w_father"][0] * k)
    assert adj["w_mother"][0] == pytest.approx(4.0 * k)


def test_relative_with_same_family_prefix_but_other_given_name_is_not_a_match(index):
    # "Nguyễn Văn Lâm" shares "Nguyễn Văn L…" with the recorded father "Nguyễn Văn Long": whole-name
    # Jaro–Winkler would call that close; the given names differ, so it is a different relative.
    base = {"name": "Nguyễn Văn Hùng", "birth_year": 1975}
    near = _pairs(index, {**base, "relatives": [{"relation": "father", "name": "Nguyễn Văn Lâm"}]}, [5])
    same = _pairs(index, {**base, "relatives": [{"relation": "father", "name": "Nguyễn Văn Long"}]}, [5])
    assert _lvl(same, "father") == 1
    assert _lvl(near, "father") == 4
    assert near["w_father"][0] < 0


def test_agreeing_parents_count_little_when_the_given_name_differs(index):
    # the claimant's brother shares the father; with another given name the father's agreement
    # points at the family, hardly at this person
    rel = [{"relation": "father", "name": "Nguyễn Văn Long"}]
    other = _pairs(index, {"name": "Nguyễn Văn Sáu", "birth_year": 1975, "relatives": rel}, [5])
    same = _pairs(index, {"name": "Nguyễn Văn Hùng", "birth_year": 1975, "relatives": rel}, [5])
    assert _lvl(other, "giv") == 6 and _lvl(same, "giv") == 1
    assert _lvl(other, "father") == _lvl(same, "father") == 1
    assert 0 < other["w_father"][0] <= 0.3 * same["w_father"][0]
