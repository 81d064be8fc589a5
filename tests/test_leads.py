"""Leads and kinship evidence in match, on hand-built synthetic families."""

from __future__ import annotations

import importlib
import warnings

import polars as pl
import pytest

import reconcile as rc
from reconcile import kinship
from reconcile.kinship import AGE_GAPS

L = importlib.import_module("reconcile.leads")

COLS = ["person_id", "full_name", "sex", "birth_date", "ethnicity", "hometown", "residence",
        "household_id", "relation_to_head", "father_name", "mother_name", "spouse_name",
        "father_id", "mother_id", "spouse_id"]
HOME = "xã Sủng Là, huyện Đồng Văn, tỉnh Hà Giang"
RES = "thôn Lùng Phìn, xã Sủng Là, huyện Đồng Văn, tỉnh Hà Giang"
RES2 = "bản Nà Hẩu, xã Tả Phìn, huyện Sìn Hồ, tỉnh Lai Châu"


def _row(pid, name, sex, by, hh, role, home=HOME, res=RES, father=None, mother=None, spouse=None):
    return dict(zip(COLS, [pid, name, sex, by, "Mông", home, res, hh, role, father, mother, spouse,
                           None, None, None]))


def _population():
    rows = [
        # family 1 in Sủng Là: Tủa + Mỷ, children Páo (1975), Dợ (1978), Lử (1984)
        _row("001050000001", "Giàng A Tủa", "M", "1950", "H1", "chủ hộ", spouse="Vàng Thị Mỷ"),
        _row("001053000002", "Vàng Thị Mỷ", "F", "1953", "H1", "vợ", spouse="Giàng A Tủa"),
        _row("001075000003", "Giàng A Páo", "M", "1975", "H1", "con", father="Giàng A Tủa", mother="Vàng Thị Mỷ"),
        _row("001078000004", "Giàng Thị Dợ", "F", "1978", "H1", "con", father="Giàng A Tủa", mother="Vàng Thị Mỷ"),
        _row("001084000005", "Giàng A Lử", "M", "1984", "H1", "con", father="Giàng A Tủa", mother="Vàng Thị Mỷ"),
        # family 2 in Lai Châu: another Giàng A Tủa (1951) with wife Lầu Thị Dua; son Giàng A Páo (1975)
        _row("012051000006", "Giàng A Tủa", "M", "1951", "H2", "chủ hộ", home="Sìn Hồ, Lai Châu", res=RES2,
             spouse="Lầu Thị Dua"),
        _row("012054000007", "Lầu Thị Dua", "F", "1954", "H2", "vợ", home="Sìn Hồ, Lai Châu", res=RES2),
        _row("012075000008", "Giàng A Páo", "M", "1975", "H2", "con", home="Sìn Hồ, Lai Châu", res=RES2,
             father="Giàng A Tủa", mother="Lầu Thị Dua"),
        # cousin family: Giàng A Sinh + Thào Thị Chá, their son is also Giàng A Páo (1976)
        _row("001049000009", "Giàng A Sinh", "M", "1949", "H3", "chủ hộ", spouse="Thào Thị Chá"),
        _row("001052000010", "Thào Thị Chá", "F", "1952", "H3", "vợ"),
        _row("001076000011", "Giàng A Páo", "M", "1976", "H3", "con", father="Giàng A Sinh", mother="Thào Thị Chá"),
        # a child whose father is NOT registered: Giàng A Súa (2005), father Giàng A Chứ
        _row("001305000012", "Giàng A Súa", "M", "2005", "H4", "chủ hộ", father="Giàng A Chứ", mother="Lý Thị Mai"),
    ]
    # unrelated filler people: a register of ~1,000 so priors and term frequencies are not degenerate
    fam = ["Sùng", "Thào", "Lý", "Hầu", "Vừ", "Mua", "Ly", "Chẩu"]
    giv = ["Dình", "Chả", "Vư", "Mua", "Lồng", "Say", "Phừ", "Chính", "Khai", "Pó", "Nhè", "Sình", "Tráng",
           "Chúa", "Cở", "Dế", "Giống", "Hờ", "Kỷ", "Lâu", "Mỷ", "Nủ", "Pàng", "Quáng", "Rùa"]
    for i in range(1000):
        sex = "M" if i % 2 == 0 else "F"
        rows.append(_row(f"0019{i:08d}", f"{fam[i % 8]} {'Seo' if sex == 'M' else 'Thị'} {giv[(i // 8) % 25]}",
                         sex, str(1940 + i % 60), f"F{i // 4}", "chủ hộ" if i % 4 == 0 else "con",
                         home="Mèo Vạc, Hà Giang", res="xã Pả Vi, huyện Mèo Vạc, Hà Giang"))
    return pl.DataFrame(rows, schema={c: pl.Utf8 for c in COLS})


@pytest.fixture(scope="module")
def index():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return rc.build_index(_population())


def _claims(*dicts):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return rc.read_claims(list(dicts))


ABSENT = {"claim_id": "A1", "name": "Giàng A Chớ", "sex": "M", "birth_year": 1987, "ethnicity": "Mông",
          "claimed_hometown": "Đồng Văn, Hà Giang",
          "relatives": [{"relation": "father", "name": "Giàng A Tủa"},
                        {"relation": "mother", "name": "Vàng Thị Mỷ"}]}



def _scored_pseudo(index):
    """(config, pseudo-claim matcher, scored pairs, part) of the ABSENT claimant's relatives."""
    from reconcile.engine import Matcher
    from reconcile.leads import sources

    cfg = L.LeadsConfig()
    m = Matcher(index)
    pseudo = sources.pseudo_claims(m.score(_claims(ABSENT)).claims, cfg)
    pm = Matcher(index, params=L.pseudo_params(m.params))
    psp, part = next(iter(sources.score_pseudo(pseudo, pm, cfg.scalar_max)))
    return cfg, pm, psp, part

def test_leads_columns_and_ranks(index):
    out = rc.leads(_claims(ABSENT), index, top_k=10)
    assert out.columns == ["claim_id", "rank", "kind", "person_id", "household_id", "place", "relation",
                           "probability", "reason", "full_name"]
    assert out["rank"].to_list() == list(range(1, out.height + 1))
    assert out["probability"].is_between(0, 1).all()
    assert set(out["kind"]) <= {"self", "relative", "household", "place"}
    assert out.height <= 10
    assert (out["kind"] == "place").any()


def test_absent_claimant_found_through_parents(index):
    out = rc.leads(_claims(ABSENT), index, top_k=20)
    # nobody forced: no convincing self lead
    assert (out.filter(pl.col("kind") == "self")["probability"].max() or 0.0) < 0.5
    rel = out.filter(pl.col("kind") == "relative")
    # Lử shares the claimed parents but not the name: a sibling lead, not the claimant
    lu = out.filter(pl.col("person_id") == "001084000005")
    assert lu["kind"].to_list() == ["relative"] and lu["relation"].to_list() == ["sibling"]
    fathers = rel.filter(pl.col("relation") == "father").sort("probability", descending=True)
    assert fathers["person_id"][0] == "001050000001"  # the Tủa married to Mỷ, not the Lai Châu one
    other = fathers.filter(pl.col("person_id") == "012051000006")["probability"]
    assert other.len() == 0 or other[0] < fathers["probability"][0] / 2
    assert rel.filter(pl.col("relation") == "mother")["person_id"][0] == "001053000002"
    hh = out.filter(pl.col("kind") == "household")
    assert hh["household_id"][0] == "H1"
    # the reason says whom to contact, where, and that the register links them as claimed
    reason = fathers["reason"][0]
    assert "Giàng A Tủa" in reason and "Sủng Là" in reason and "cha" in reason and "Vàng Thị Mỷ" in reason
    assert reason.startswith("Liên hệ công an")


def test_english_reasons(index):
    out = rc.leads(_claims(ABSENT), index, top_k=20, lang="en")
    r = out.filter((pl.col("kind") == "relative") & (pl.col("relation") == "father"))["reason"][0]
    assert r.startswith("Contact the police of") and "father" in r
    assert out.filter(pl.col("kind") == "place")["reason"][0].startswith("Ask the police of")


def test_teknonym_child_found(index):
    c = {"claim_id": "T1", "name": "Giàng A Chứ", "sex": "M", "birth_year": 1980, "ethnicity": "Mông",
         "aliases": ["bố Súa"], "claimed_hometown": "Hà Giang"}
    out = rc.leads(_claims(c), index, top_k=20)
    kids = out.filter((pl.col("kind") == "relative") & (pl.col("relation") == "child"))
    assert kids.height >= 1 and kids["person_id"][0] == "001305000012"


def test_same_name_cousins_told_apart_by_parents(index):
    base = {"name": "Giàng A Páo", "sex": "M", "birth_year": 1975, "ethnicity": "Mông"}
    c1 = dict(base, claim_id="S1", relatives=[{"relation": "father", "name": "Giàng A Tủa"},
                                              {"relation": "mother", "name": "Vàng Thị Mỷ"}])
    c2 = dict(base, claim_id="S2", relatives=[{"relation": "father", "name": "Giàng A Sinh"},
                                              {"relation": "mother", "name": "Thào Thị Chá"}])
    m = rc.match(_claims(c1, c2), index, top_k=3)
    top = m.filter(pl.col("rank") == 1).sort("claim_id")
    assert top["person_id"].to_list() == ["001075000003", "001076000011"]


def test_contradicting_relatives_lower_a_candidate(index):
    base = {"claim_id": "X", "name": "Giàng A Lử", "sex": "M", "birth_year": 1984, "ethnicity": "Mông"}
    agree = dict(base, relatives=[{"relation": "father", "name": "Giàng A Tủa"}])
    contra = dict(base, relatives=[{"relation": "father", "name": "Thào A Chờ"}])

    def p(c):
        m = rc.match(_claims(c), index, top_k=5)
        return m.filter(pl.col("person_id") == "001084000005")["probability"].max() or 0.0

    assert p(agree) > p(base) > p(contra)


def test_kin_frame_gives_match_what_it_needs(index):
    k = index.kin
    for c in ("pidx", "relation", "name", "birth_year", "rel_pidx", "confidence"):
        assert c in k.columns
    # Lử's recorded father is resolved to Tủa of H1 with his birth year
    lu = index.people.filter(pl.col("person_id") == "001084000005")["pidx"][0]
    f = k.filter((pl.col("pidx") == lu) & (pl.col("relation") == "father"))
    assert f["birth_year"].to_list() == [1950] and f["confidence"][0] > 0.9


def test_graph_from_index(index):
    g = kinship.graph_from_index(index)
    assert g is kinship.graph_from_index(index)  # cached on the Index
    tua = index.people.filter(pl.col("person_id") == "001050000001")["pidx"][0]
    my = index.people.filter(pl.col("person_id") == "001053000002")["pidx"][0]
    assert g.has_edge(tua, my, key="spouse")
    fam = kinship.family_of(g, tua)
    assert {r for _, r, _ in fam} >= {"spouse", "child"}


def test_pseudo_claims_family_from_relative_view(index):
    from reconcile.features import encode_claims

    ps = L.pseudo_claims(encode_claims(_claims(ABSENT), index))
    f = ps.filter(pl.col("src_relation") == "father")
    rels = {(r["relation"], r["name"]) for r in f["relatives"][0]}
    assert rels == {("child", "Giàng A Chớ"), ("spouse", "Vàng Thị Mỷ")}
    assert f["sex"][0] == "M" and f["birth_year_max"][0] == 1987 + AGE_GAPS["father"][1]


def test_registered_claimant_brings_family(index):
    c = {"claim_id": "R1", "name": "Giàng A Lử", "sex": "M", "birth_year": 1984, "ethnicity": "Mông",
         "claimed_hometown": "Đồng Văn, Hà Giang",
         "relatives": [{"relation": "father", "name": "Giàng A Tủa"}]}
    out = rc.leads(_claims(c), index, top_k=20)
    top = out.filter(pl.col("kind") == "self").sort("probability", descending=True)
    assert top["person_id"][0] == "001084000005"
    rel = {r["person_id"]: r["relation"] for r in out.filter(pl.col("kind") == "relative").iter_rows(named=True)}
    # the mother and the siblings were not claimed: they come from the register's family of the match
    assert rel.get("001053000002") == "mother"
    assert rel.get("001075000003") == "sibling" and rel.get("001078000004") == "sibling"


def test_claimant_named_on_a_childs_record(index):
    # Giàng A Chứ is named as father on Súa's record; he is not registered himself
    c = {"claim_id": "N1", "name": "Giàng A Chứ", "sex": "M", "birth_year": 1975, "ethnicity": "Mông"}
    out = rc.leads(_claims(c), index, top_k=20)
    r = out.filter((pl.col("kind") == "relative") & (pl.col("person_id") == "001305000012"))
    assert r["relation"].to_list() == ["child"]
    assert "Giàng A Chứ" in r["reason"][0]
    # a claimant of the same name but too young to be his father gets no such lead
    young = dict(c, claim_id="N2", birth_year=2000)
    out2 = rc.leads(_claims(young), index, top_k=20)
    assert out2.filter((pl.col("person_id") == "001305000012") & (pl.col("relation") == "child")).height == 0


def test_household_at_claimed_address_for_claimant_naming_nobody(index):
    # an unregistered daughter of the Tủa family naming no relatives, living in Sủng Là
    c = {"claim_id": "H1", "name": "Giàng Thị Mai", "sex": "F", "birth_year": 1990, "ethnicity": "Mông",
         "residence": "xã Sủng Là, huyện Đồng Văn, tỉnh Hà Giang"}
    out = rc.leads(_claims(c), index, top_k=20)
    hh = out.filter(pl.col("kind") == "household")
    assert "H1" in hh["household_id"].to_list()
    assert hh.filter(pl.col("household_id") == "H1")["probability"][0] <= L.LeadsConfig().family_hh_prob


def test_claimant_with_nothing_found_gets_only_places(index):
    c = {"claim_id": "Z1", "name": "Ksor H'Blin", "sex": "F", "birth_year": 1990, "claimed_hometown": "Gia Lai"}
    out = rc.leads(_claims(c), index, top_k=5)
    assert out["claim_id"].to_list() and set(out["kind"]) <= {"place", "self"}
    assert out.filter(pl.col("kind") == "self")["probability"].max() is None or \
        out.filter(pl.col("kind") == "self")["probability"].max() < 0.5
    assert "Gia Lai" in out.filter(pl.col("kind") == "place")["reason"][0]


def test_given_name_only_relative_searched_with_family_surname(index):
    from reconcile.features import encode_claims

    c = {"claim_id": "G1", "name": "Giàng A Chớ", "sex": "M", "birth_year": 1987, "ethnicity": "Mông",
         "claimed_hometown": "Đồng Văn, Hà Giang",
         "relatives": [{"relation": "father", "name": "Tủa"}, {"relation": "mother", "name": "Mỷ"}]}
    ps = L.pseudo_claims(encode_claims(_claims(c), index))
    fathers = ps.filter(pl.col("src_relation") == "father")
    # the claimant's surname is the father's; the mother's is unknown, so she is searched as said
    assert set(fathers["name"]) == {"Tủa", "Giàng Tủa"} and set(fathers["src_name"]) == {"Tủa"}
    assert ps.filter(pl.col("src_relation") == "mother")["name"].to_list() == ["Mỷ"]
    out = rc.leads(_claims(c), index, top_k=10)
    f = out.filter((pl.col("kind") == "relative") & (pl.col("relation") == "father"))
    assert f["person_id"][0] == "001050000001"
    assert "khai là Tủa" in f["reason"][0]  # the reason quotes what the claimant said


def test_order_diversity_and_places(index):
    out = rc.leads(_claims(ABSENT), index, top_k=20)
    rank = {r["person_id"]: r["rank"] for r in out.iter_rows(named=True) if r["person_id"]}
    # the best lead for each claimed relative comes before a second namesake of the father
    if "012051000006" in rank:
        assert rank["001053000002"] < rank["012051000006"]
    # places do not crowd the top: one place lead, right after the strongest person lead
    kinds = out.sort("rank")["kind"].to_list()
    assert kinds[0] != "place" and kinds[:5].count("place") <= 1
    # the probability column is the model's, untouched by the ordering
    assert out["probability"].is_between(0, 1).all()
    # a short list keeps one place lead
    short = rc.leads(_claims(ABSENT), index, top_k=3)
    assert short.height == 3 and (short["kind"] == "place").sum() == 1


# ------------------------------------------------------------------------------------------------
# engine v3: leads from scored pairs, pseudo-claims through the Matcher, probabilities that mean something
# ------------------------------------------------------------------------------------------------

def _key(out):
    return out.select("claim_id", "kind", "person_id", "household_id", "relation",
                      pl.col("probability").round(9)).sort(pl.all())


def test_leads_take_the_scored_pairs(index):
    from reconcile.engine import Matcher

    cl = _claims(ABSENT, dict(ABSENT, claim_id="A2", name="Giàng A Lử", birth_year=1984))
    sp = Matcher(index).score(cl)
    a = rc.leads(cl, index, top_k=20, scored=sp)
    b = rc.leads(cl, index, top_k=20)
    assert _key(a).equals(_key(b)) and a["reason"].to_list() == b["reason"].to_list()


def test_one_claim_dict_equals_batch(index):
    one = rc.leads(ABSENT, index, top_k=20)
    batch = rc.leads(_claims(ABSENT), index, top_k=20)
    assert _key(one).select(pl.exclude("probability")).equals(_key(batch).select(pl.exclude("probability")))
    assert (one.sort("rank")["probability"] - batch.sort("rank")["probability"]).abs().max() < 1e-9


def test_namesakes_share_a_relative_lead(index):
    # two registered "Giàng A Tủa" of the right age: the probability that the father is one of them
    # never exceeds 1 (they share it, with "none of them")
    out = rc.leads(_claims(dict(ABSENT, relatives=[{"relation": "father", "name": "Giàng A Tủa"}])),
                   index, top_k=20)
    f = out.filter((pl.col("kind") == "relative") & (pl.col("relation") == "father"))
    assert f.height >= 1 and f["probability"].sum() <= 1.0 + 1e-9


def test_named_on_a_record_is_scored_not_fixed(index):
    c = {"claim_id": "N1", "name": "Giàng A Chứ", "sex": "M", "birth_year": 1975, "ethnicity": "Mông"}
    r = rc.leads(_claims(c), index, top_k=20).filter(pl.col("person_id") == "001305000012")
    assert r.height == 1 and 0.0 < r["probability"][0] < 1.0 and abs(r["probability"][0] - 0.6) > 1e-6
    # an implausible age (the claimant 7 at the child's birth) gives no such lead
    r2 = rc.leads(_claims(dict(c, claim_id="N3", birth_year=1998)), index, top_k=20)
    assert r2.filter(pl.col("person_id") == "001305000012").height == 0


def test_config_keyword_reaches_the_sources(index):
    out = rc.leads(_claims(ABSENT), index, top_k=20, config=L.LeadsConfig(per_relative=0, per_named=0, expand_min=1.0))
    assert out.filter((pl.col("kind") == "relative") & ~pl.col("relation").eq("sibling")).height == 0
    few = rc.leads(_claims(ABSENT), index, top_k=20, config=L.LeadsConfig(max_places=1, hometown_prob=0.0))
    assert (few["kind"] == "place").sum() <= 1


def test_rejected_person_is_no_lead(index, tmp_path):
    from reconcile.decisions import Decisions

    out = rc.leads(_claims(ABSENT), index, top_k=20)
    assert "001050000001" in out["person_id"].to_list()
    dec = Decisions.open(tmp_path / "d.db")
    dec.record("A1", "reject", "Cán bộ A", person_id="001050000001")
    out2 = rc.leads(_claims(ABSENT), index, top_k=20, decisions=dec)
    assert "001050000001" not in out2["person_id"].to_list()


def test_sibling_decided_by_level_names_not_text(index):
    # English words change nothing: the decision reads comparison levels by name
    vi = rc.leads(_claims(ABSENT), index, top_k=20)
    en = rc.leads(_claims(ABSENT), index, top_k=20, lang="en")
    assert _key(vi).equals(_key(en))


def test_pseudo_claim_prior_follows_the_claimant(index):
    """A named relative of a claimant who is probably not registered is less probably registered
    (LeadsConfig.rel_absent_if_absent) than one of a registered claimant; without the per-claim
    prior the engine's own prior applies."""
    from reconcile.leads import sources

    cfg, pm, psp, part = _scored_pseudo(index)
    absent = sources.relative_prior(psp, part, [1.0], pm.params, index.n_people, cfg)
    present = sources.relative_prior(psp, part, [0.0], pm.params, index.n_people, cfg)
    same = sources.relative_prior(psp, part, [1.0], pm.params, index.n_people,
                                  L.LeadsConfig(rel_absent_if_absent=None))
    # (the pseudo-claims of the claim are scored together: those without any candidate keep
    # "none of them" at 1 under either prior)
    import numpy as np
    has = np.bincount(psp.claim, minlength=psp.claims.n) > 0
    assert has.any() and (absent.p_none[has] > present.p_none[has]).all()
    assert (absent.p_none[~has] == 1.0).all() and (present.p_none[~has] == 1.0).all()
    best = psp.probability.argmax()
    assert absent.probability[best] < psp.probability[best] < present.probability[best]
    assert same.probability[best] == psp.probability[best]
    # each pseudo-claim's probabilities still sum with "none of them" to one
    tot = np.bincount(absent.claim, weights=absent.probability, minlength=absent.claims.n) + absent.p_none
    assert np.allclose(tot, 1.0)


def test_village_of_a_residence():
    from reconcile.leads.sources import village

    assert village("thôn 7, xã Krông Á, huyện M'Đrắk, tỉnh Đắk Lắk") == "thon 7"
    assert village("Buôn 21, xã Cư Kbang") == "buon 21"
    assert village("tổ dân phố 12, phường Tân An") == "to dan pho 12"
    assert village("xã Sủng Là, huyện Đồng Văn, tỉnh Hà Giang") is None
    assert village(None) is None


def test_household_in_the_claimed_village_without_age(index):
    # a claimant without age who names the village (thôn Lùng Phìn) and a father of the Giàng clan:
    # the Giàng households of that village are leads (any age: the village narrows enough)
    c = {"claim_id": "V1", "name": "Mai", "sex": "F", "ethnicity": "Mông", "residence": RES,
         "relatives": [{"relation": "father", "name": "Giàng A Chư"}]}
    out = rc.leads(_claims(c), index, top_k=20)
    hh = out.filter(pl.col("kind") == "household")["household_id"].to_list()
    assert {"H1", "H3"} <= set(hh)
    assert "H2" not in hh                      # the Giàng household of another commune


def test_pseudo_claims_scored_in_chunks_give_the_same_leads():
    """Relatives' pseudo-claims are scored `batch_size` at a time (memory follows the chunk): the
    leads are the same whatever the chunk size."""
    from reconcile import synth

    pop = synth.generate_population(4000, 21)
    claims, _ = synth.generate_claims(pop, 120, 21)
    idx = rc.build_index(pop)
    frame = rc.read_claims(claims)
    whole = rc.leads(frame, idx, top_k=10)
    chunked = rc.leads(frame, idx, top_k=10, config=rc.EngineConfig(batch_size=7))
    assert whole.height > 100
    assert whole.select("claim_id", "rank", "person_id", "probability").equals(
        chunked.select("claim_id", "rank", "person_id", "probability"))


def test_configs_are_reachable_from_the_package():
    """The tuning dataclasses are part of the public API: `rc.EngineConfig(leads=rc.LeadsConfig(...),
    candidates=rc.CandidateConfig(...))`."""
    from reconcile.blocking.candidates import CandidateConfig
    from reconcile.leads.config import LeadsConfig

    assert rc.LeadsConfig is LeadsConfig and rc.CandidateConfig is CandidateConfig
    cfg = rc.EngineConfig(leads=rc.LeadsConfig(per_relative=3), candidates=rc.CandidateConfig(block_cap=50))
    assert cfg.leads.per_relative == 3 and cfg.candidates.block_cap == 50


def test_pseudo_claim_birth_range_weighs_what_its_width_deserves(index):
    """A relative's birth year is known only as the claimant's widened by the relation's age gaps
    (~50 years): a registered year inside it weighs log2(P(inside | relative) / share of the register
    born in that range), far less than the model's `in_wide` for a claimant's own few-year range;
    other levels are left as scored (sources.year_range_bits)."""
    import numpy as np

    from reconcile.leads import sources

    cfg, pm, psp, part = _scored_pseudo(index)
    bits = sources.year_range_bits(psp, pm.params, index)
    j = psp.registry.index("by")
    wide = psp.levels[:, j] == psp.registry["by"].code("in_wide")
    assert wide.any() and (bits[~wide] == 0).all()
    # the father's range from the claimant's 1987 and AGE_GAPS, and the register's share born in it
    years = np.array([int(y) for y in _population()["birth_date"].to_list()])
    lo, hi = 1987 + AGE_GAPS["father"][0], 1987 + AGE_GAPS["father"][1]
    share = ((years >= lo) & (years <= hi)).mean()
    pmb = pm.params.m["by"]
    want = pm.params.calibration.scales.get("by", 1.0) * np.log2((1 - pmb["near"] - pmb["far"]) / share)
    fathers = np.flatnonzero(wide & (part["src_relation"].to_numpy()[psp.claim] == "father")
                             & (part["src_kind"].to_numpy()[psp.claim] == "relative"))
    assert fathers.size
    got = psp.weights[fathers, j] + bits[fathers]
    assert np.allclose(got, want, atol=1e-4)
    assert (got < psp.weights[fathers, j] - 1.0).all()      # the model's in_wide weighs > 1 bit more
    on = sources.relative_prior(psp, part, [1.0], pm.params, index.n_people, cfg, index)
    off = sources.relative_prior(psp, part, [1.0], pm.params, index.n_people,
                                 L.LeadsConfig(year_range_tf=False), index)
    best = off.probability.argmax()
    assert wide[best] and on.probability[best] < off.probability[best]


def test_address_households_rank_after_a_probable_relative(index):
    """A household found only by the claimant's clan at the claimed address is rarely the family
    (LeadsConfig.family_hh_prob, fitted on train worlds): it ranks after a probable relative lead,
    and its probability is its share of family_hh_prob."""
    c = dict(ABSENT, claim_id="A2", residence="xã Sủng Là, huyện Đồng Văn, tỉnh Hà Giang")
    out = rc.leads(_claims(c), index, top_k=20)
    addr = out.filter((pl.col("kind") == "household") & (pl.col("household_id") != "H1"))
    assert (addr["probability"] <= L.LeadsConfig().family_hh_prob + 1e-12).all()
    probable = out.filter((pl.col("kind") == "relative") & (pl.col("probability") >= 0.5))
    assert "001050000001" in probable["person_id"].to_list()
    assert addr.height and probable["rank"].max() < addr["rank"].min()   # (0.5: H3 came 5th)
