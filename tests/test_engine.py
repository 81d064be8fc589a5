"""Engine: Matcher.score gives ScoredPairs per the contract; query() equals match() for one claim;
relatives are compared for every candidate tied at the stage-2 cut and every one that could still
reach the first `stage2_exact` ranks; evidence names the pair chosen."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

import reconcile as rc
from reconcile.engine import EngineConfig, Matcher


def _register() -> pl.DataFrame:
    rows = [("T1", "Giàng A Páo", "M", "1975", "Mông", "Giàng A Tủa", "F1"),
            ("F1", "Giàng A Tủa", "M", "1950", "Mông", None, None),
            ("T2", "Nguyễn Văn Hùng", "M", "1980", "Kinh", "Nguyễn Văn Tâm", None)]
    for i in range(80):                            # namesakes that tie on everything but the father
        rows.append((f"N{i:02d}", "Giàng A Páo", "M", "1975", "Mông", f"Giàng A Chứ{i}", None))
    return pl.DataFrame(rows, schema=["person_id", "full_name", "sex", "birth_date", "ethnicity",
                                      "father_name", "father_id"], orient="row")


@pytest.fixture(scope="module")
def index():
    return rc.build_index(_register())


CLAIM = {"claim_id": "C1", "name": "Giàng A Páo", "birth_year": 1975, "ethnicity": "Mông",
         "relatives": [{"relation": "father", "name": "Giàng A Tủa", "birth_year": None}]}


def test_scored_pairs_follow_the_contract(index):
    sp = Matcher(index).score([CLAIM])
    k = len(sp.registry)
    assert sp.levels.shape == (sp.n, k) and sp.levels.dtype == np.int8
    assert sp.weights.shape == (sp.n, k) and sp.weights.dtype == np.float32
    assert sp.chosen_edge.shape == (sp.n, 5)
    assert np.allclose(sp.weight, sp.weights.sum(axis=1, dtype=np.float64), atol=1e-4)
    assert abs(sp.probability.sum() + sp.p_none[0] - 1.0) < 1e-9


def test_relatives_compared_for_every_tied_candidate(index):
    # 81 people tie on stage 1; with a cut at 10 the true one must still get its father compared
    m = Matcher(index, EngineConfig(stage2_top=10))
    out = m.query(CLAIM, top_k=3)
    assert out["person_id"][0] == "T1"
    det = out["evidence_detail"][0].to_list()
    father = [d for d in det if d["field"] == "father"][0]
    assert father["level"] == "strong" and father["recorded"] == "Giàng A Tủa"
    assert father["recorded_person_id"] == "F1" and father["claimed"] == "Giàng A Tủa"


def test_query_equals_match_for_one_claim(index):
    q = rc.query(CLAIM, index, top_k=5)
    m = rc.match([CLAIM], index, top_k=5)
    assert q.columns == m.columns
    assert q.select("person_id", "rank").equals(m.select("person_id", "rank"))
    assert np.allclose(q["probability"].to_numpy(), m["probability"].to_numpy())


def test_bad_claim_dict_raises_typed_error(index):
    with pytest.raises(rc.ReconcileInputError):
        rc.query({"claim_id": "x", "zodiac": "Ngọ"}, index)          # no name
    with pytest.raises(rc.ReconcileInputError):
        rc.query({"claim_id": "x", "name": "A", "birth_year": "abc"}, index)


def test_score_dicts_equals_scoring_one_by_one(index):
    m = Matcher(index)
    other = {"claim_id": "C2", "name": "Nguyễn Văn Hùng", "birth_year": 1980}
    both = m.score_dicts([CLAIM, other])
    one = m.score_dicts([other])
    sel = both.claim == 1
    assert np.array_equal(both.pidx[sel], one.pidx)
    assert np.allclose(both.weight[sel], one.weight)


def test_query_as_the_spec_writes_it_needs_no_claim_id_and_reads_relation_words(index):
    """SPEC §3: rc.query({"name": ..., "zodiac": ..., "relatives": [...]}, index, top_k=10) — no id; the
    one-claim path reads relation words as read_claims does ("bố" is the father)."""
    spec = rc.query({"name": "Giàng A Páo", "birth_year": 1975, "ethnicity": "Mông",
                     "relatives": [{"relation": "bố", "name": "Giàng A Tủa"},
                                   {"relation": "chú", "name": "Giàng A Sử"}]}, index, top_k=3)
    assert set(spec["claim_id"]) == {"query"}
    batch = rc.match([CLAIM], index, top_k=3)
    assert spec["person_id"].to_list() == batch["person_id"].to_list()
    father = [d for d in spec["evidence_detail"][0].to_list() if d["field"] == "father"][0]
    assert father["level"] == "strong"


def test_match_reads_recorded_on_given_as_text(index):
    """A claims frame whose recorded_on is text (as a report or a caller may pass it) is read as a date."""
    frame = rc.read_claims([dict(CLAIM, recorded_on="2024-09-17", age=49)]).with_columns(
        pl.col("recorded_on").cast(pl.Utf8))
    out = rc.match(frame, index, top_k=1)
    assert out["person_id"][0] == "T1"


def _register_older_true() -> pl.DataFrame:
    """The claimant's record says 1978 (the claim says 1975); 80 namesakes born 1975 with other
    fathers outrank it until the father is compared."""
    rows = [("T1", "Giàng A Páo", "M", "1978", "Mông", "Giàng A Tủa", "F1"),
            ("F1", "Giàng A Tủa", "M", "1950", "Mông", None, None)]
    for i in range(80):
        rows.append((f"N{i:02d}", "Giàng A Páo", "M", "1975", "Mông", f"Giàng A Chứ{i}", None))
    return pl.DataFrame(rows, schema=["person_id", "full_name", "sex", "birth_date", "ethnicity",
                                      "father_name", "father_id"], orient="row")


def test_relatives_compared_for_every_candidate_that_could_reach_the_top():
    """A candidate below the stage-2 cut whose relatives could lift it into the first
    `stage2_exact` ranks has them compared: the same ranking as comparing relatives for all."""
    idx = rc.build_index(_register_older_true())
    cut = Matcher(idx, EngineConfig(stage2_top=10, stage2_exact=0)).query(CLAIM, top_k=3)
    assert cut["person_id"][0] != "T1"              # the old cut: T1's father never compared
    exact = Matcher(idx, EngineConfig(stage2_top=10)).score([CLAIM])
    every = Matcher(idx, EngineConfig(stage2_top=10**6, stage2_exact=0)).score([CLAIM])
    assert Matcher(idx, EngineConfig(stage2_top=10)).query(CLAIM, top_k=1)["person_id"][0] == "T1"
    for k in (1, 5, 10):
        assert np.array_equal(exact.pidx[exact.top(k)], every.pidx[every.top(k)])
        assert np.allclose(exact.weight[exact.top(k)], every.weight[every.top(k)])


def test_relative_gain_bound_holds_on_a_generated_world():
    """What comparing relatives adds to a pair's weight never exceeds `relative_gain_bound`
    (the second stage-2 pass relies on it to leave a candidate out)."""
    from reconcile import synth

    pop = synth.generate_population(3000, seed=12)
    claims, _truth = synth.generate_claims(pop, 200, seed=12)
    idx = rc.build_index(pop)
    m = Matcher(idx, EngineConfig(stage2_top=10**6, stage2_exact=0))   # every pair compared
    sp = m.score(claims)
    rel_cols = [sp.registry.index(c.name) for c in sp.registry.relatives]
    gain = sp.weights[:, rel_cols].astype(np.float64).sum(axis=1)
    bound = m.relative_gain_bound(sp.claims)[sp.claim]
    assert (gain > 1.0).any()                        # relatives did add weight somewhere
    assert np.all(gain <= bound + 1e-4)
    named = np.diff(sp.claims.crel["offsets"]) > 0
    assert np.all(bound[~named[sp.claim]] == 0.0) and np.all(bound[named[sp.claim]] > 0.0)
