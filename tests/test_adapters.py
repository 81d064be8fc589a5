"""Edge adapters: pandas MultiIndex round trip and top-1 evaluation arithmetic."""

import polars as pl
import pytest

from reconcile import adapters

pd = pytest.importorskip("pandas")


def _cands():
    return pl.DataFrame({
        "claim_id": ["C1", "C1", "C2", "C3"],
        "rank": [1, 2, 1, 1],
        "person_id": ["P1", "P2", "P9", "P3"],
        "probability": [0.9, 0.05, 0.8, 0.2],
    })


def test_multiindex_round_trip():
    idx = adapters.candidates_to_multiindex(_cands())
    assert list(idx.names) == ["claim_id", "person_id"]
    assert len(idx) == 4
    back = adapters.multiindex_to_pairs(idx)
    assert back.rows() == [("C1", "P1"), ("C1", "P2"), ("C2", "P9"), ("C3", "P3")]


def test_missing_column_is_explained():
    with pytest.raises(ValueError, match="person_id"):
        adapters.candidates_to_multiindex(pl.DataFrame({"claim_id": ["C1"]}))


def test_evaluate_top1_counts_only_confident_correct_links():
    truth = pl.DataFrame({"claim_id": ["C1", "C2", "C3", "C4"], "person_id": ["P1", "P2", "P3", None]})
    res = adapters.evaluate_top1(_cands(), truth, threshold=0.5)
    # C1 correct and confident, C2 confident but wrong, C3 correct but below threshold.
    assert res["links"] == 2 and res["true_positives"] == 1
    assert res["precision"] == pytest.approx(0.5)
    assert res["recall"] == pytest.approx(1 / 3)
