"""Engine: Matcher.score gives ScoredPairs per the contract; query() equals match() for one claim;
relatives are compared for every candidate tied at the stage-2 cut; evidence names the pair chosen."""

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
        rc.query({"name": "Giàng A Páo"}, index)
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
