"""Conformance of every registered comparison (one parametrised test per check, as scikit-learn's
`parametrize_with_checks`), plus behaviour of the comparison kinds on a dict-backed PairView."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest

from _pairview import make_view
from reconcile.comparisons import LANGS, RELATIONS, Comparison, Level, Registry, default_registry, words
from reconcile.model import ParamsError, Params, default_params, score
from reconcile.model.params import Calibration

REG = default_registry()
PARAMS = default_params()
COMPARISONS = list(REG)
IDS = [c.name for c in COMPARISONS]
PLACEHOLDERS = {"c", "p", "n", "lo", "hi", "best", "range", "L", "l"}

# a small world every comparison can be evaluated on, including empty and odd values
PEOPLE = [
    dict(name="Giàng A Páo", sex="M", eth="Mông", by=1980, bm=5, bd=7, zod=[8],
         home={"now": {"lao_cai"}, "prov": {"hoang_lien_son"}, "district": "bat xat", "commune": "a mu sung"},
         res={"now": {"dak_lak"}, "prov": {"dak_lak"}, "district": "ea sup", "commune": "cu kbang"},
         relatives=[("father", "Giàng A Tủa", 1950), ("mother", "Vừ Thị Mỷ", 1955),
                    ("sibling", "Giàng A Chứ", 1983, 7, 1)]),
    dict(name="", by=0),
    dict(name="Nguyễn Văn Hùng", sex="M", eth="Kinh", by=1975, bm=3, bd=2, culture="kinh"),
    dict(name="Lò Thị Xuân", sex="F", eth="Thái", by=2015),
]
CLAIMS = [
    dict(name="Giàng A Páo", sex="M", eth="Mông", by_best=1980, by_lo=1980, by_hi=1980, by_kind=1, bm=7, bd=5,
         zod=8, adult=1, recorded_year=2024,
         home={"now": {"lao_cai"}, "prov": {"hoang_lien_son"}},
         res={"now": {"dak_lak"}, "prov": {"dak_lak"}, "district": "ea sup", "commune": "cu kbang"},
         relatives=[("father", "Giàng A Tủa", 0), ("spouse", "Lý Thị Mai", 0), ("sibling", "Giàng A Chứ", 0)]),
    dict(),                         # nothing known at all
    dict(name="Hùng"),              # given name only
]


@pytest.fixture(scope="module")
def world():
    return make_view(CLAIMS, PEOPLE)


# ------------------------------------------------------------------ conformance, every comparison

@pytest.mark.parametrize("cmp", COMPARISONS, ids=IDS)
def test_words_exist_in_every_language_and_render(cmp: Comparison):
    for lang in LANGS:
        assert cmp.label[lang].strip(), f"{cmp.name}: no {lang} label"
        for lv in cmp.levels:
            assert lv.label[lang].strip(), f"{cmp.name}.{lv.name}: no {lang} label"
            assert lv.condition.strip()
            t = lv.template[lang]
            if not lv.neutral:
                assert t.strip(), f"{cmp.name}.{lv.name}: no {lang} evidence template"
            used = set(re.findall(r"\{(\w+)\}", t))
            assert used <= PLACEHOLDERS, f"{cmp.name}.{lv.name}: unknown placeholders {used - PLACEHOLDERS}"
            t.format(**{k: "x" for k in PLACEHOLDERS})


@pytest.mark.parametrize("cmp", COMPARISONS, ids=IDS)
def test_parameters_per_level_and_missing_weighs_zero(cmp: Comparison):
    for lv in cmp.levels:
        assert lv.name in PARAMS.m[cmp.name] and lv.name in PARAMS.u[cmp.name]
        if not lv.neutral:
            assert 0 < PARAMS.m[cmp.name][lv.name] <= 1 and 0 < PARAMS.u[cmp.name][lv.name] <= 1
    w = PARAMS.level_weights(cmp)
    assert cmp.levels[0].neutral
    for i in cmp.neutral_codes:
        assert w[i] == 0.0
    ev = [PARAMS.m[cmp.name][cmp.levels[i].name] for i in cmp.evidence_codes]
    assert abs(sum(ev) - 1.0) < 0.02, f"{cmp.name}: m over evidence levels sums to {sum(ev)}"


@pytest.mark.parametrize("cmp", COMPARISONS, ids=IDS)
def test_agreeing_levels_never_weigh_less_than_disagreeing_ones(cmp: Comparison):
    w = PARAMS.level_weights(cmp)
    seq = [w[i] for i in cmp.evidence_codes]
    assert all(a >= b - 1e-9 for a, b in zip(seq, seq[1:])), \
        f"{cmp.name}: weights not in evidence order: {dict(zip([cmp.levels[i].name for i in cmp.evidence_codes], np.round(seq, 2)))}"
    assert seq[0] > 0 > seq[-1], f"{cmp.name}: the strongest level must be for, the last against"


@pytest.mark.parametrize("cmp", COMPARISONS, ids=IDS)
def test_nulls_and_missing_codes_are_safe(cmp: Comparison, world):
    out = cmp.evaluate(world)
    assert out.codes.dtype == np.int8 and out.codes.shape == (world.n,)
    assert ((out.codes >= 0) & (out.codes < len(cmp.levels))).all()
    # the claim that knows nothing and the person with nothing recorded are neutral for every pair
    empty_claim = np.flatnonzero(world.claim_cols["ntok"] == 0)
    assert set(out.codes[empty_claim].tolist()) <= set(cmp.neutral_codes), cmp.name
    empty_person = np.flatnonzero((world.person_cols["ntok"] == 0) & (world.person_cols["by"] == 0))
    allowed = set(cmp.neutral_codes) | ({cmp.code("not_recorded")} if cmp.relation else set())
    assert set(out.codes[empty_person].tolist()) <= allowed, cmp.name


@pytest.mark.parametrize("cmp", COMPARISONS, ids=IDS)
def test_reads_only_declared_columns(cmp: Comparison, world):
    seen = set()

    class Spy:
        def __init__(self, v):
            self._v, self.n, self.n_people = v, v.n, v.n_people
            self.relatives = SpyRel(v.relatives) if v.relatives is not None else None

        def c(self, name):
            seen.add(f"c.{name}")
            return self._v.c(name)

        def p(self, name):
            seen.add(f"p.{name}")
            return self._v.p(name)

        def __getattr__(self, k):
            return getattr(self._v, k)

    class SpyRel:
        def __init__(self, r):
            self._r, self.n, self.claimed, self.nrec = r, r.n, r.claimed, r.nrec

        def a(self, name):
            seen.add(f"rel.{name}")
            return self._r.a(name)

    cmp.evaluate(Spy(world))
    undeclared = {s for s in seen if s not in cmp.columns
                  and s not in ("rel.pair", "rel.edge", "rel.relation", "rel.crel", "rel.r_parents_differ")}
    assert not undeclared, f"{cmp.name} reads undeclared columns {sorted(undeclared)}"


def test_registry_and_params_refer_to_levels_by_name():
    assert REG.names[:3] == ("fam", "mid", "giv")
    assert REG["dob"].code("swapped") == REG["dob"].level_names.index("swapped")
    with pytest.raises(KeyError, match="no level"):
        REG["fam"].code("nope")
    d = PARAMS.to_dict(REG)
    lv = d["comparisons"]["res"]["levels"][2]
    assert set(lv) >= {"name", "condition", "label", "m", "u"} and lv["name"] == "same_commune"
    d["comparisons"].pop("dob")
    with pytest.raises(ParamsError, match="'dob'.*Fix"):
        Params.from_dict(d, REG)
    # a new comparison without parameters is named
    extra = Comparison("x", words("X", "X"), (Level("missing", "-", words("-", "-"), words("", ""), neutral=True),),
                       (), compute=lambda v: np.zeros(v.n, dtype=np.int8))
    with pytest.raises(ParamsError, match="'x' has no m"):
        PARAMS.check(REG.with_(extra))


def test_params_round_trip(tmp_path):
    PARAMS.save(tmp_path / "m.json", REG)
    again = Params.load(tmp_path / "m.json", REG)
    for cmp in REG:
        assert np.allclose(again.level_weights(cmp), PARAMS.level_weights(cmp))
    assert again.prior == PARAMS.prior


# ------------------------------------------------------------------ behaviour of the kinds

def _levels(claims, people, name):
    v = make_view(claims, people)
    cmp = REG[name]
    return [cmp.level_names[c] for c in cmp.levels_of(v)]


def test_name_levels():
    p = [dict(name="Nguyễn Văn Hùng")]
    assert _levels([dict(name="Nguyễn Văn Hùng")], p, "giv") == ["exact"]
    assert _levels([dict(name="Nguyen Van Hung")], p, "giv") == ["folded"]
    assert _levels([dict(name="Nguyen Van Hung")], p, "fam") == ["folded"]
    assert _levels([dict(name="Lò Thị Xuân")], p, "giv") == ["different"]
    assert _levels([dict(name="Nguyễn Văn Hưng")], p, "giv") == ["tones_differ"]
    assert _levels([dict(name="Lò Thị Xuân")], p, "fam") == ["different"]
    assert _levels([dict(name="Nguyễn Văn Hùnh")], p, "giv")[0] in ("phonetic", "fuzzy_high", "fuzzy_low")
    # name order confused ("sporn abyb" for "hugo sporn"): its own level, not "different"
    q = [dict(name="hugo sporn")]
    assert _levels([dict(name="sporn abyb")], q, "fam") == ["swapped"]
    assert _levels([dict(name="sporn hugo")], q, "giv") == ["swapped"]
    # usual name without surname: surname unknown, middle agrees
    p2 = [dict(name="Vừ Thị Sông")]
    assert _levels([dict(name="Thị Sông")], p2, "fam") == ["missing"]


def test_sex_from_the_name_marker_when_sex_is_not_given():
    # "Hầu A Lử" (A: male) is not "Hầu Mí Lử" (Mí: female) even when the claim gives no sex
    assert _levels([dict(name="Hầu A Lử")], [dict(name="Hầu Mí Lử", sex="F")], "sex") == ["disagree"]
    assert _levels([dict(name="Hầu A Lử")], [dict(name="Hầu A Lử", sex="M")], "sex") == ["agree"]
    assert _levels([dict(name="Páo")], [dict(name="Hầu A Páo")], "sex") == ["missing"]


def test_english_names_use_english_phonetics():
    p = [dict(name="katherine smith", culture="other")]
    c = [dict(name="catherine smyth", culture="other")]
    assert _levels(c, p, "giv") == ["phonetic"]
    assert _levels(c, p, "fam") == ["phonetic"]
    assert _levels([dict(name="kathrine simth", culture="other")], p, "fam")[0] in ("phonetic", "fuzzy")
    assert _levels([dict(name="katherine thompson", culture="other")],
                   [dict(name="katherine tomson", culture="other")], "fam") == ["fuzzy"]
    # names that cannot be Vietnamese syllables get English keys even when parsed as Kinh
    assert _levels([dict(name="smyth catherine")], [dict(name="smith katherine")], "giv") == ["phonetic"]


def test_date_of_birth_levels():
    p = [dict(name="A", by=1980, bm=5, bd=7)]
    def dob(**kw):
        return _levels([dict(name="A", **kw)], p, "dob")[0]
    assert dob(bm=5, bd=7) == "exact"
    assert dob(bm=7, bd=5) == "swapped"
    assert dob(bm=5, bd=9) == "month_only"
    assert dob(bm=6, bd=7) == "day_only"
    assert dob(bm=1, bd=2) == "different"
    assert dob(bm=5) == "missing"          # no day: missing, not different
    assert dob() == "missing"


def test_birth_year_levels():
    p = [dict(name="A", by=1975)]
    def by(**kw):
        return _levels([dict(name="A", **kw)], p, "by")[0]
    assert by(by_best=1975, by_kind=2) == "exact"
    assert by(by_best=1976, by_kind=2) == "within_1"
    assert by(by_lo=1973, by_hi=1978, by_kind=3) == "in_narrow"
    assert by(by_lo=1965, by_hi=1985, by_kind=3) == "in_wide"
    assert by(by_best=1979, by_kind=2) == "near"
    assert by(by_best=1995, by_kind=2) == "far"
    assert by() == "missing"


def test_place_levels_in_evidence_order():
    res = {"now": {"dak_lak"}, "prov": {"dak_lak"}, "district": "ea sup", "commune": "cu kbang"}
    p = [dict(name="A", res=res)]
    def lv(place):
        return _levels([dict(name="A", res=place)], p, "res")[0]
    assert lv(res) == "same_commune"
    # the village/hamlet written before the commune: its own level above the commune
    pv = [dict(name="A", res={**res, "village": "thon 14"})]
    def lvv(place):
        return _levels([dict(name="A", res=place)], pv, "res")[0]
    assert lvv({**res, "village": "thon 14"}) == "same_village"
    assert lvv({**res, "village": "thon 3"}) == "other_village"
    assert lvv(res) == "same_commune"                      # not written in the claim
    assert _levels([dict(name="A", res={**res, "village": "thon 3"})], p, "res")[0] == "same_commune"
    assert lvv({**res, "commune": "ea le", "village": "thon 14"}) == "same_district"
    assert "same_village" not in REG["home"].level_names   # hometowns: the commune is the finest
    assert lv({**res, "commune": "ea le"}) == "same_district"
    assert lv({"now": {"dak_lak"}, "prov": {"dak_lak"}, "district": "krong ana"}) == "same_unit"
    assert lv({"now": {"dak_lak"}, "prov": {"phu_yen"}}) == "compatible"
    assert lv({"now": {"ha_giang"}, "prov": {"ha_giang"}}) == "different"
    w = dict(zip(REG["res"].level_names, PARAMS.level_weights(REG["res"])))
    assert w["same_village"] > w["same_commune"] > w["other_village"] > w["same_district"] >= w["same_unit"] - 1e-9 >= w["different"] - 2e-9
    assert w["same_commune"] > w["different"] + 3


def test_unresolved_place_text():
    p = [dict(name="A", res={"text": "park holme, vic"})]
    def lv(place):
        return _levels([dict(name="A", res=place)], p, "res_text")[0]
    assert lv({"text": "park holme, vic"}) == "same"
    assert lv({"text": "park holm, vic"}) == "close"
    assert lv({"text": "joyner, sa"}) == "different"
    assert lv({}) == "missing"
    # a place that resolves is the place comparison's, not this one's
    assert lv({"text": "park holme, vic", "now": {"vic"}}) == "missing"


def test_life_stage_prior():
    claim = dict(name="Giàng A Páo", adult=1, recorded_year=2024)
    assert _levels([claim], [dict(name="Giàng A Páo", by=2016)], "stage") == ["child"]
    assert _levels([claim], [dict(name="Giàng A Páo", by=2008)], "stage") == ["youth"]
    assert _levels([claim], [dict(name="Giàng A Páo", by=1980)], "stage") == ["adult"]
    assert _levels([dict(name="Giàng A Páo")], [dict(name="Giàng A Páo", by=2016)], "stage") == ["missing"]
    w = dict(zip(REG["stage"].level_names, PARAMS.level_weights(REG["stage"])))
    assert w["child"] < -4


def _rel(claimed, recorded, relation="father"):
    return _levels([dict(name="Giàng A Páo", relatives=[(relation, claimed, 0)])],
                   [dict(name="Giàng A Páo", relatives=[(relation, *recorded)] if recorded else [])],
                   relation)[0]


def test_relatives_compared_with_sex_marker_and_given_name():
    assert _rel("Giàng A Tủa", ("Giàng A Tủa", 1950)) == "strong"
    assert _rel("Giang A Tua", ("Giàng A Tủa", 1950)) == "strong"        # folded equal
    assert _rel("Giàng Mí Khu", ("Giàng A Chứ", 1950), "mother") == "different"
    assert _rel("Giàng Mí Khu", ("Giàng A Khu", 1950), "sibling") == "different"   # sex marker
    assert _rel("Giàng A Tuấn", ("Giàng A Tủa", 1950)) in ("weak", "different")    # same key only
    assert _rel("Nguyễn Văn Lòng", ("Nguyễn Văn Lồng", 1950)) in ("weak", "different")  # two tones
    assert _rel("Nguyễn Văn Long", ("Nguyễn Văn Lồng", 1950)) == "strong"   # written without tones
    assert _rel("Lầu Seo Trỉa", ("Lầu Seo Túa", 1950)) == "different"      # family prefix only
    assert _rel("Lý Văn Thắng", ("Lâm Văn Thắng", 1950)) in ("weak", "different")
    assert _rel("Tủa", ("Giàng A Tủa", 1950)) == "weak"                     # given name only
    assert _rel("Giàng A Tủa", None) == "not_recorded"
    assert _rel("Lý Seo Lử", ("Lý A Lử", 1950)) == "weak"                   # middle names differ


def test_second_order_sibling_with_other_parents_is_different():
    claim = dict(name="Giàng A Páo", relatives=[("sibling", "Giàng A Chứ", 0)])
    same = dict(name="Giàng A Páo", relatives=[("sibling", "Giàng A Chứ", 1983, 7, 0)])
    other = dict(name="Giàng A Páo", relatives=[("sibling", "Giàng A Chứ", 1983, 7, 1)])
    assert _levels([claim], [same], "sibling") == ["strong"]
    assert _levels([claim], [other], "sibling") == ["different"]


def test_claim_without_surname_takes_its_clan_from_the_father():
    people = [dict(name="Cứ Thị Say"), dict(name="Giàng Thị Say")]
    no_surname = dict(name="Thị Say", relatives=[("father", "Cứ A Lầu", 0)])
    assert _levels([no_surname], people, "kin_fam") == ["agree", "different"]
    # a sibling speaks when no father is named; the claim's own surname leaves it to `fam`
    assert _levels([dict(name="Thị Say", relatives=[("sibling", "Giàng A Chứ", 0)])], people,
                   "kin_fam") == ["different", "agree"]
    assert _levels([dict(name="Giàng Thị Say", relatives=[("father", "Cứ A Lầu", 0)])], people,
                   "kin_fam") == ["missing", "missing"]
    assert _levels([dict(name="Thị Say", relatives=[("father", "Lầu", 0)])], people,
                   "kin_fam") == ["missing", "missing"]          # a father named by given name only
    s = score(make_view([no_surname], people), PARAMS, REG)
    k = REG.index("kin_fam")
    # another clan than the father's is evidence against; agreement is left to the relatives
    assert s.weights[1, k] < 0
    assert s.weights[0, k] == (max(PARAMS.level_weights(REG["kin_fam"])[1], 0.0)
                               if PARAMS.dependence.kin_surname_agreement else 0.0)


def test_relative_name_agreement_counts_within_the_clan_already_shared():
    """Giàng A Tủa as a father is common AMONG the Giàng: when claim and candidate are both Giàng,
    the chance agreement is the name's share within the clan (a larger count), not in the register."""
    clan = [dict(name=f"Giàng A {g}") for g in ("Tủa", "Chứ", "Páo", "Lử")]
    people = [dict(name="Giàng A Páo", relatives=[("father", "Giàng A Tủa", 1950)])] + clan + \
        [dict(name=f"Lý Văn {g}") for g in ("An", "Bình", "Cường", "Dũng", "Em", "Giang")]
    shared = make_view([dict(name="Giàng A Páo", relatives=[("father", "Giàng A Tủa", 0)])], people, [(0, 0)])
    other = make_view([dict(name="Lý A Páo", relatives=[("father", "Giàng A Tủa", 0)])], people, [(0, 0)])
    f = REG["father"]
    a, b = f.evaluate(shared), f.evaluate(other)
    assert f.level_names[a.codes[0]] == f.level_names[b.codes[0]] == "strong"
    n, tf_name, tf_clan = len(people), 1, 1 + 4         # Giàng A Tủa once; five Giàng
    assert b.tf[0] == tf_name                           # no clan shared: the register count
    assert a.tf[0] == pytest.approx(tf_name * n / tf_clan)


def test_score_weights_and_chosen_edge(world):
    s = score(world, PARAMS, REG)
    assert s.levels.shape == (world.n, len(REG)) and s.weights.dtype == np.float32
    assert s.chosen_edge.shape == (world.n, len(RELATIONS))
    f = RELATIONS.index("father")
    assert s.chosen_edge[0, f] == 0                 # claim 0 × person 0: the recorded father edge
    assert (s.chosen_edge[1:, f] == -1).all()
    # missing levels weigh exactly zero in the scored matrix too
    for j, cmp in enumerate(REG):
        neutral = np.isin(s.levels[:, j], cmp.neutral_codes)
        assert (s.weights[neutral, j] == 0).all(), cmp.name


def test_weak_similarity_gets_no_term_frequency_bonus():
    people = [dict(name="Giàng A Páo")] + [dict(name=f"Lý Văn {g}") for g in ("An", "Bình", "Cường", "Dũng")]
    v = make_view([dict(name="Giàng A Pao"), dict(name="Giàng A Pàu")], people, [(0, 0), (1, 0)])
    v.n_people = 10_000                      # one Páo among ten thousand: a rare given name
    s = score(v, dataclasses.replace(PARAMS, calibration=Calibration()), REG)   # before scales
    g = REG.index("giv")
    base = dict(zip(REG["giv"].level_names, PARAMS.level_weights(REG["giv"])))
    lv = [REG["giv"].level_names[x] for x in s.levels[:, g]]
    assert lv[0] == "folded"
    assert s.weights[0, g] > base["folded"]                 # rare exact-ish value: TF bonus
    if lv[1] != "different":
        assert s.weights[1, g] <= base[lv[1]] + 1e-6        # weak similarity: never a bonus


# ------------------------------------------------------------------ words

@pytest.mark.parametrize("cmp", COMPARISONS, ids=IDS)
def test_every_weighing_level_has_an_evidence_line_in_both_languages(cmp: Comparison):
    from reconcile.explain import Explainer
    vals = {"c": "Giàng A Páo", "p": "Giàng A Pao", "n": 12, "lo": 1980, "hi": 1982, "best": 1981}
    for lang in LANGS:
        ex = Explainer(REG, lang)
        for code, lv in enumerate(cmp.levels):
            t = ex.text(cmp.name, code, vals)
            if not lv.neutral:
                assert t and "{" not in t and "?" not in t, (cmp.name, lv.name, lang, t)


def test_evidence_rows_detail_and_one_year_range():
    from reconcile.explain import evidence
    reg = REG
    k = len(reg)
    levels = np.zeros((2, k), dtype=np.int8)
    weights = np.zeros((2, k), dtype=np.float32)
    j_by, j_fam, j_f = reg.index("by"), reg.index("fam"), reg.index("father")
    levels[0, j_by] = reg["by"].code("in_narrow")
    weights[0, j_by] = 2.7
    levels[0, j_fam] = reg["fam"].code("different")
    weights[0, j_fam] = -5.4
    levels[1, j_by] = reg["by"].code("far")
    weights[1, j_by] = -6.4
    levels[1, j_f] = reg["father"].code("not_recorded")
    values = [{"by": {"p": 1989, "lo": 1989, "hi": 1989}, "fam": {"c": "Lý", "p": "Giàng"}},
              {"by": {"p": 1950, "lo": 1980, "hi": 1985},
               "father": {"c": "Giàng A Tủa", "recorded_person_id": None}}]
    text, detail = evidence(levels, weights, values, reg, "vi")
    assert "1989–1989" not in text[0] and "khoảng khai báo 1989" in text[0]
    assert "Họ 'Lý' khác họ trong hồ sơ 'Giàng' −5.4" in text[0]          # a differing surname has a line
    assert "1980–1985" in text[1] and "hồ sơ không ghi cha" in text[1]
    d = {x["field"]: x for x in detail[0]}
    assert d["fam"]["level"] == "different" and d["fam"]["claimed"] == "Lý" and d["fam"]["recorded"] == "Giàng"
    assert d["fam"]["weight"] == -5.4
    assert set(d["by"]) == {"field", "level", "weight", "text", "claimed", "recorded", "recorded_person_id"}
    en, _ = evidence(levels, weights, values, reg, "en")
    assert "Surname 'Lý' differs from the record 'Giàng'" in en[0] and "range 1989 " in en[0]
    with pytest.raises(ValueError, match="unknown language"):
        evidence(levels, weights, values, reg, "fr")
