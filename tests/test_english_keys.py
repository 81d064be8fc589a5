"""English phonetic blocking keys (`reconcile.blocking.english`): foreign names only."""

from __future__ import annotations

import numpy as np
import polars as pl

from reconcile.blocking.candidates import VIA_CODE, candidates
from reconcile.blocking.english import is_foreign, name_keys, phon
from reconcile.features import encode_claims
from reconcile.index import build_index

_VIA = {v: k for k, v in VIA_CODE.items()}


def _found(idx, claims):
    ca = encode_claims(pl.DataFrame(claims), idx)
    cs = candidates(ca, idx)
    pid = idx.people.select("pidx", "person_id")
    rows = pl.DataFrame({"pidx": cs.pidx.astype(np.uint32), "via": [_VIA[int(v)] for v in cs.via]})
    got = rows.join(pid.with_columns(pl.col("pidx").cast(pl.UInt32)), on="pidx")
    return dict(zip(got["person_id"], got["via"]))


def test_vietnamese_names_are_not_foreign():
    for f in ("nguyen van hung", "giang a pao", "sung seo chong", "huynh thi lan", "lo van panh",
              "nghiem thi ngoan", "quach tuan khuong"):
        assert not is_foreign(f), f
    for f in ("john smith", "sarah neylon", "chloe dunnicliff", "matthews erin"):
        assert is_foreign(f), f


def test_pair_key_ignores_order_and_spelling_of_the_same_sound():
    assert name_keys("erin matthews")[0] == name_keys("matthews erin")[0] >= 0
    assert phon("matthews") == phon("mathews") > 0
    assert name_keys("erin")[0] == -1


def _register() -> pl.DataFrame:
    rows = [("A", "sarah neylon", "1910-02-24"), ("B", "erin matthews", "1996-05-29"),
            ("C", "holly webb", "1979-05-26"), ("D", "jack stanbury", "1938-11-13")]
    rows += [(f"X{i}", f"{['liam', 'noah', 'ella'][i % 3]} {['brown', 'jones', 'white'][i % 7 % 3]}",
              f"{1930 + i}-01-01") for i in range(60)]
    return pl.DataFrame(rows, schema=["person_id", "full_name", "birth_date"], orient="row")


def test_english_keys_find_swapped_and_misspelt_names():
    idx = build_index(_register())
    assert idx.postings["en_pair"].pidx.size > 0
    got = _found(idx, [{"claim_id": "swap", "name": "mathews erin"}])
    assert got.get("B") in ("en_pair", "en_tok"), got
    # surname letters swapped and no date of birth: the given name's sound still finds her
    got = _found(idx, [{"claim_id": "typo", "name": "sarah nyelon"}])
    assert "A" in got, got


def test_vietnamese_register_has_no_english_postings():
    reg = pl.DataFrame({"person_id": ["A", "B"], "full_name": ["Nguyễn Văn Hùng", "Giàng A Páo"],
                        "ethnicity": ["Kinh", "Khmer"]})
    idx = build_index(reg)
    assert idx.postings["en_pair"].pidx.size == 0
    assert idx.postings["en_tok"].pidx.size == 0
