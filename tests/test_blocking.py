"""Blocking on postings: the true person is found under garbled claims; bounds cut in and are reported."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from reconcile.blocking.candidates import VIA_CODE, CandidateConfig, candidates
from reconcile.features import encode_claim, encode_claims
from reconcile.index import build_index


def _register() -> pl.DataFrame:
    """Hand-made synthetic register: targets plus distractors sharing common name parts."""
    rows = [
        ("T1", "Giàng A Páo", "M", "1975", "Mông", "Giàng A Tủa"),
        ("T2", "Nguyễn Văn Hùng", "M", "1980", "Kinh", "Nguyễn Văn Tâm"),
        ("T3", "Huỳnh Thị Lan", "F", "1990", "Kinh", None),
        ("T4", "Vũ Đình Giang", "M", "1966", "Kinh", None),
        ("T5", "Sùng Seo Chống", "M", "1985", "Mông", "Sùng A Lử"),
        ("F1", "Giàng A Tủa", "M", "1950", "Mông", None),
        ("D1", "Lò Văn Panh", "M", "1970", "Thái", None),
        ("D2", "Trần Thị Mai", "F", "1979", "Kinh", None),
    ]
    # many distractors named Nguyễn Văn *, born 1940..2009, to make big blocks
    for i in range(400):
        rows.append((f"N{i:03d}", f"Nguyễn Văn {['Hùng', 'Nam', 'Long', 'Bình'][i % 4]}",
                     "M" if i % 3 else "F", str(1940 + i % 70), "Kinh", None))
    return pl.DataFrame(rows, schema=["person_id", "full_name", "sex", "birth_date", "ethnicity",
                                      "father_name"], orient="row")


@pytest.fixture(scope="module")
def index():
    return build_index(_register())


_VIA = {v: k for k, v in VIA_CODE.items()}


def _pairs(cs) -> pl.DataFrame:
    return pl.DataFrame({"claim_idx": cs.claim.astype(np.uint32), "pidx": cs.pidx.astype(np.uint32),
                         "via": [_VIA[int(v)] for v in cs.via], "n_keys": cs.n_keys},
                        schema={"claim_idx": pl.UInt32, "pidx": pl.UInt32, "via": pl.Utf8,
                                "n_keys": pl.UInt8})


def _found(index, claims, config=CandidateConfig()):
    ca = encode_claims(pl.DataFrame(claims), index)
    cs = candidates(ca, index, config)
    pairs = _pairs(cs)
    pid = index.people.select("pidx", "person_id")
    got = pairs.join(pid, on="pidx").with_columns(
        pl.col("claim_idx").map_elements(lambda i: ca.claim_id[i], return_dtype=pl.Utf8).alias("claim_id"))
    return {cid: set(g["person_id"]) for (cid,), g in got.group_by("claim_id")}, pairs, cs.stats


CLAIMS = [
    ({"claim_id": "given_only", "name": "Páo", "birth_year": 1976}, "T1"),
    ({"claim_id": "no_diacritics", "name": "Huynh Thi Lan"}, "T3"),
    ({"claim_id": "surname_variant", "name": "Hoàng Thị Lan", "birth_year": 1990}, "T3"),
    ({"claim_id": "vo_vu", "name": "Võ Đình Giang"}, "T4"),
    ({"claim_id": "dialect", "name": "Vũ Đình Dang", "birth_year": 1966}, "T4"),
    ({"claim_id": "order", "name": "Páo Giàng", "birth_year": 1975}, "T1"),
    ({"claim_id": "address_form", "name": "A Páo"}, "T1"),
    ({"claim_id": "father_only", "name": "Xùng Xeo Trống", "birth_year": 1985,
      "relatives": [{"relation": "father", "name": "Sùng A Lử", "birth_year": None}]}, "T5"),
    ({"claim_id": "garbled_father", "name": "Zzz Qqq", "birth_year": 1975,
      "relatives": [{"relation": "father", "name": "Giang A Tua", "birth_year": None}]}, "T1"),
    ({"claim_id": "common_name", "name": "Nguyễn Văn Hùng", "birth_year": 1980, "sex": "M"}, "T2"),
]


@pytest.mark.parametrize("claim,truth", CLAIMS, ids=[c["claim_id"] for c, _ in CLAIMS])
def test_true_person_is_a_candidate(index, claim, truth):
    found, _, _ = _found(index, [claim], CandidateConfig(block_cap=50))
    assert truth in found.get(claim["claim_id"], set())


def test_common_name_block_is_bounded_and_reported(index):
    claim = {"claim_id": "c", "name": "Nguyễn Văn Nam"}     # no birth year: cannot narrow
    found, pairs, stats = _found(index, [claim], CandidateConfig(block_cap=20, key_caps=()))
    assert pairs.group_by("via").len()["len"].max() <= 20     # each key contributes ≤ cap
    assert stats.capped_blocks >= 1
    claim = {"claim_id": "c", "name": "Nguyễn Văn Hùng", "birth_year_min": 1950,
             "birth_year_max": 1979}
    _, pairs, stats = _found(index, [claim], CandidateConfig(block_cap=5, key_caps=()))
    assert stats.capped_blocks >= 1
    assert stats.per_claim_max == pairs.height
    assert pairs.height <= 5 * 6


def test_max_pairs_per_claim(index):
    claim = {"claim_id": "c", "name": "Nguyễn Văn Hùng", "birth_year_min": 1940,
             "birth_year_max": 1979}
    _, pairs, stats = _found(index, [claim], CandidateConfig(block_cap=1000, max_pairs_per_claim=7))
    assert pairs.height == 7 and stats.capped_claims == 1


def test_deterministic_and_sorted(index):
    claims = [c for c, _ in CLAIMS]
    ca = encode_claims(pl.DataFrame(claims), index)
    a = _pairs(candidates(ca, index, CandidateConfig(block_cap=10)))
    b = _pairs(candidates(ca, index, CandidateConfig(block_cap=10)))
    assert a.equals(b)
    assert a.equals(a.sort("claim_idx", "pidx"))
    assert a.schema == pl.Schema({"claim_idx": pl.UInt32, "pidx": pl.UInt32, "via": pl.Utf8,
                                  "n_keys": pl.UInt8})


def test_claim_without_any_key_gets_no_candidates(index):
    found, pairs, stats = _found(index, [{"claim_id": "x", "name": "Qwxyz"}])
    assert pairs.height == 0 and stats.claims_without_candidates == 1


def test_typo_in_given_name_found_by_fuzzy_key(index):
    found, pairs, _ = _found(index, [{"claim_id": "t", "name": "Vũ Đình Giangg", "birth_year": 1966}])
    assert "T4" in found["t"]
    t4 = index.people.filter(pl.col("person_id") == "T4")["pidx"].item()
    assert pairs.filter(pl.col("pidx") == t4)["via"].to_list() == ["giv_fuzzy"]
    # without the fuzzy keys and the clan key nothing else finds him
    keys = tuple(k for k in CandidateConfig().keys if k not in ("giv_fuzzy", "fam_near", "clan_year"))
    found, _, _ = _found(index, [{"claim_id": "t", "name": "Vũ Đình Giangg", "birth_year": 1966}],
                         CandidateConfig(keys=keys))
    assert "T4" not in found.get("t", set())


def test_relatives_rescue_a_common_name_under_a_tight_bound(index):
    claim = {"claim_id": "r", "name": "Nguyễn Văn Hùng",
             "relatives": [{"relation": "father", "name": "Nguyễn Văn Tâm", "birth_year": None}]}
    tight = CandidateConfig(block_cap=3, key_caps=())
    found, pairs, stats = _found(index, [claim], tight)
    assert "T2" in found["r"]
    t2 = index.people.filter(pl.col("person_id") == "T2")["pidx"].item()
    assert pairs.filter(pl.col("pidx") == t2)["n_keys"].item() >= 2      # name and father agree
    assert stats.capped_blocks >= 1
    no_rel = CandidateConfig(block_cap=3, key_caps=(),
                             keys=tuple(k for k in tight.keys if k not in ("rel", "rel_giv", "giv_rel")))
    found, _, _ = _found(index, [claim], no_rel)
    assert len(found["r"]) <= 3 * 4


def test_transposition_is_one_edit(index):
    found, pairs, _ = _found(index, [{"claim_id": "t", "name": "Huỳnh Thị Lna", "birth_year": 1990}])
    assert "T3" in found["t"]


def test_surname_that_folds_like_a_teknonym_is_a_name(index):
    found, _, _ = _found(index, [{"claim_id": "v", "name": "Võ Đình Giang"}])   # not "vợ ..."
    assert "T4" in found["v"]


def test_one_claim_and_batch_give_the_same_candidates(index):
    claims = [c for c, _ in CLAIMS]
    cfg = CandidateConfig(block_cap=10)
    batch = _pairs(candidates(encode_claims(pl.DataFrame(claims), index), index, cfg))
    for i, c in enumerate(claims):
        one = _pairs(candidates(encode_claim(c, index), index, cfg))
        assert one.drop("claim_idx").equals(batch.filter(pl.col("claim_idx") == i).drop("claim_idx")), c


def test_full_date_of_birth_finds_a_garbled_name():
    reg = pl.DataFrame({"person_id": ["A", "B", "C"],
                        "full_name": ["Raquel Lodge", "Finlay Coffey", "Hugo Sporn"],
                        "birth_date": ["1961-04-12", "1975-11-03", "1961-04-13"]})
    idx = build_index(reg)
    found, pairs, _ = _found(idx, [{"claim_id": "d", "name": "Garnett Raquelle",
                                    "birth_date": "12/04/1961"}])
    assert found["d"] == {"A"}
    assert pairs["via"].to_list() == ["dob"]


def test_place_text_codes_for_unresolved_places():
    reg = pl.DataFrame({"person_id": ["A", "B"], "full_name": ["Raquel Lodge", "Hugo Sporn"],
                        "residence": ["Park Holme, VIC", "Park Holme, VIC"]})
    idx = build_index(reg)
    code = idx.arrays["res_text"][0]
    assert idx.vocabs["place_text"].string(code) == "park holme vic"       # text.fold
    assert idx.arrays["res_text"][1] == code and idx.arrays.tf["place_text"][code] == 2
    one = encode_claim({"claim_id": "x", "name": "R Lodge", "residence": "park holme, Vic"}, idx)
    assert one.cols["res_text"][0] == code
