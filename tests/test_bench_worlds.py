"""benchmarks/worlds.py: the seven measures of issue 10 on a hand-made result (no engine involved)."""

import sys
from pathlib import Path

import polars as pl
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import worlds  # noqa: E402


def _truth():
    return pl.DataFrame({
        "claim_id": ["r1", "r2", "r3", "a1", "a2", "n1", "n2"],
        "kind": ["registered"] * 3 + ["absent_relatives"] * 2 + ["absent"] * 2,
        "person_id": ["P1", "P2", "P3", None, None, None, None],
        "relative_ids": ["", "", "", "P7;P8", "P9", "", ""],
        "household_id": [None, None, None, "H1", "H2", None, None],
        "corruptions": ["name_full"] * 7,
    }, schema={k: pl.Utf8 for k in ("claim_id", "kind", "person_id", "relative_ids", "household_id",
                                    "corruptions")})


def test_measures_on_a_hand_made_result():
    match = pl.DataFrame({
        "claim_id": ["r1", "r2", "r2", "r3", "a1", "n1"],
        "rank": [1, 1, 2, 1, 1, 1],
        "person_id": ["P1", "X", "P2", "Y", "Z", "W"],
        "probability": [0.9, 0.6, 0.3, 0.2, 0.7, 0.1],
    })
    leads = pl.DataFrame({
        "claim_id": ["a1", "a2", "n1", "n2"], "rank": [1, 1, 1, 1],
        "kind": ["relative", "household", "self", "relative"],
        "person_id": ["P8", None, "Q", "R"], "household_id": [None, "H2", None, None],
        "probability": [0.4, 0.5, 0.3, 0.55],
    })
    pop = pl.DataFrame({"person_id": ["P7", "P8", "P9"], "household_id": ["H1", "H1", "H3"]})
    m = worlds.measure(match, leads, _truth(), pop)
    assert m["recall_at_1"] == pytest.approx(1 / 3, abs=1e-4)
    assert m["recall_at_10"] == pytest.approx(2 / 3, abs=1e-4)
    assert m["false_match_rate"] == 0.25                 # a1 at 0.7 of four unregistered
    assert m["recall_at_p05"] == pytest.approx(1 / 3, abs=1e-4)   # only r1's true record has p ≥ 0.5
    assert m["absent_relative_top10"] == 1.0             # a1 by person P8, a2 by its household H2
    assert m["absent_relative_person_top10"] == 0.5
    assert m["nobody_false_alarm"] == 0.5                # n2 has a relative lead at 0.55
    # ECE: top-1 p = [0.9, 0.6, 0.2, 0.7, 0, 0.1, 0] with hits [1, 0, 0, 0, 0, 0, 0]
    assert m["ece_top1"] == pytest.approx((0.1 + 0.6 + 0.2 + 0.7 + 0.1) / 7, abs=1e-3)


def test_settings_split_and_seeds():
    assert not set(worlds.TRAIN_SETTINGS) & set(worlds.CHECK_SETTINGS)
    assert worlds.world_seed("default", 20_000) == worlds.world_seed("default", 20_000)
    assert worlds.world_seed("off_a", 20_000) >= 2000 > worlds.world_seed("default", 20_000) >= 1000
    with pytest.raises(ValueError, match="check setting"):
        next(worlds.train_worlds(sizes=(1000,), settings=("off_a",)))
    w = next(worlds.train_worlds(sizes=(1500,), settings=("names_x2",), claims=40))
    assert (w.population.height, len(w.claims), w.config.name_repetition) == (1500, 40, 2.0)
