"""Claim encoding: one claim (scalar functions) gives the same arrays as the batch (polars), values
absent from the register get extension codes, teknonym names become relatives, typed errors."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from reconcile import synth
from reconcile.errors import ReconcileInputError
from reconcile.features import (ALIAS_FEATURES, CREL_FEATURES, birth_interval, encode_claim,
                                encode_claim_dicts, encode_claims, partial_date)
from reconcile.index import build_index
from reconcile.index.arrays import NAME_CODES

VOCAB_OF = dict(NAME_CODES, eth="eth", home_district="district", home_commune="commune",
                res_district="district", res_commune="commune", home_text="place_text",
                res_text="place_text", res_village="village",
                kin_fam_key=NAME_CODES["fam_key"])


@pytest.fixture(scope="module")
def world():
    pop = synth.generate_population(3000, seed=4)
    claims, _truth = synth.generate_claims(pop, 150, seed=5)
    for c in claims:
        if isinstance(c.get("age"), (int, float)) and not 0 <= c["age"] <= 130:
            c["age"] = None
    return build_index(pop), claims


def _string(index, ca, vocab, code):
    n = len(index.vocabs[vocab])
    return index.vocabs[vocab].string(code) if code < n else ca.extra[vocab][code - n]


def test_one_claim_equals_the_batch(world):
    index, claims = world
    batch = encode_claims(claims, index)
    assert batch.n == len(claims)
    for i, claim in enumerate(claims):
        one = encode_claim(claim, index)
        for k, v in batch.cols.items():
            a, b = v[i], one.cols[k][0]
            if k in VOCAB_OF:
                a, b = _string(index, batch, VOCAB_OF[k], a), _string(index, one, VOCAB_OF[k], b)
            assert a == b, (claim["claim_id"], k, a, b)
        c0, c1 = batch.crel["offsets"][i], batch.crel["offsets"][i + 1]
        assert c1 - c0 == one.crel["offsets"][1]
        for f in CREL_FEATURES + ("relation", "by", "source"):
            a, b = batch.crel[f][c0:c1], one.crel[f]
            if f in NAME_CODES:
                a = [_string(index, batch, NAME_CODES[f], x) for x in a]
                b = [_string(index, one, NAME_CODES[f], x) for x in b]
            assert list(a) == list(b), (claim["claim_id"], f)
        a0, a1 = batch.alias["offsets"][i], batch.alias["offsets"][i + 1]
        for f in ALIAS_FEATURES:
            assert ([_string(index, batch, NAME_CODES[f], x) for x in batch.alias[f][a0:a1]]
                    == [_string(index, one, NAME_CODES[f], x) for x in one.alias[f]])


def test_unknown_values_get_extension_codes(world):
    index, _ = world
    one = encode_claim({"claim_id": "x", "name": "Zyxw Qvtr Plokm"}, index)
    assert one.cols["fold"][0] >= len(index.vocabs["fold"])
    assert one.extra["fold"] == ["zyxw qvtr plokm"]


def test_teknonym_name_becomes_a_relative(world):
    index, _ = world
    one = encode_claim({"claim_id": "t", "name": "mẹ Sành"}, index)
    assert one.cols["fold"][0] == -1
    assert one.crel["relation"].tolist() == [3]                   # child
    assert one.display["crel_name"] == ["Sành"]
    batch = encode_claims([{"claim_id": "t", "name": "mẹ Sành"}], index)
    assert batch.cols["fold"][0] == -1 and batch.crel["relation"].tolist() == [3]


def test_birth_interval_and_dates_match_the_polars_versions():
    from reconcile.vn.dates import claim_birth_interval

    cases = [{"birth_year": 1980}, {"age": 40, "recorded_on": "2024-05-01"},
             {"age": 40, "recorded_on": "2024-05-01", "zodiac": "Thân"},
             {"birth_year_min": 1970, "birth_year_max": 1975, "zodiac": "Tý"},
             {"birth_date": "12/05/1990"}, {"birth_date": "1990", "zodiac": "Ngọ"}, {}]
    frame = claim_birth_interval(pl.DataFrame([{"birth_date": None, "birth_year": None, "age": None,
                                                "recorded_on": None, "zodiac": None,
                                                "birth_year_min": None, "birth_year_max": None,
                                                **{k: v for k, v in c.items()}} for c in cases],
                                              schema_overrides={"recorded_on": pl.Utf8}))
    import datetime as dt

    for c, row in zip(cases, frame.iter_rows(named=True)):
        c = dict(c)
        if c.get("recorded_on"):
            c["recorded_on"] = dt.date.fromisoformat(c["recorded_on"])
        got = birth_interval(c)
        for k in ("by_lo", "by_hi", "by_best", "by_kind", "zodiac_branch", "by_conflict"):
            assert got[k] == row[k], (c, k, got[k], row[k])
    assert partial_date("00/00/1980") == (1980, None, None)
    assert partial_date("31/02/1990") is None


def test_bad_claims_raise_typed_errors(world):
    index, _ = world
    with pytest.raises(ReconcileInputError, match="claim_id"):
        encode_claim({"name": "A"}, index)
    with pytest.raises(ReconcileInputError, match="birth_year"):
        encode_claim({"claim_id": "1", "name": "A", "birth_year": "nineteen"}, index)
    with pytest.raises(ReconcileInputError, match="date"):
        encode_claim({"claim_id": "1", "name": "A", "birth_date": "31/02/1990"}, index)
    with pytest.raises(ReconcileInputError, match="relatives"):
        encode_claim({"claim_id": "1", "name": "A", "relatives": "Giàng A Tủa"}, index)


def test_several_dicts_encode_like_the_batch(world):
    index, claims = world
    few = claims[:7]
    batch, many = encode_claims(few, index), encode_claim_dicts(few, index)
    assert many.claim_id == batch.claim_id
    assert np.array_equal(many.crel["offsets"], batch.crel["offsets"])
    assert np.array_equal(many.alias["offsets"], batch.alias["offsets"])
    for k in ("by_lo", "by_hi", "sex", "home_now", "adult"):
        assert np.array_equal(many.cols[k], batch.cols[k]), k
    assert [_string(index, many, "fold", x) for x in many.cols["fold"]] == \
        [_string(index, batch, "fold", x) for x in batch.cols["fold"]]
