"""The output path of `Matcher.frame`: a few rows (one claim's answer, `Explainer.nested`) give
exactly the rows of the batch path (`Explainer.frame`, a polars group-by), and `Vocab`'s item reads
and binary search agree with its whole-column search."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

import reconcile as rc
from reconcile import synth
from reconcile.engine import DETAIL_NESTED_MAX, OUTPUT_SCHEMA, Matcher
from reconcile.explain import DETAIL_DTYPE, Explainer
from reconcile.index.vocab import Vocab


@pytest.fixture(scope="module")
def world():
    pop = synth.generate_population(1500, seed=3)
    claims, _truth = synth.generate_claims(pop, 30, seed=4)
    return rc.build_index(pop), claims


def test_one_claim_at_a_time_equals_the_batch_frame(world):
    index, claims = world
    m = Matcher(index)
    sp = m.score_dicts(claims)
    rows = sp.top(10)
    assert rows.size > DETAIL_NESTED_MAX                 # the batch path (group-by)
    batch = m.frame(sp, rows, "en")
    claim = sp.claim[rows]
    parts = [m.frame(sp, rows[claim == c], "en") for c in np.unique(claim)]   # the few-rows path
    assert all(0 < p.height <= DETAIL_NESTED_MAX for p in parts)
    few = pl.concat(parts)
    assert few.schema == batch.schema == pl.Schema(OUTPUT_SCHEMA)
    assert few.equals(batch)
    # and query() answers a claim with the same rows as its slice of the batch
    q = m.query(claims[0], top_k=10, lang="en")
    assert q.equals(batch.filter(pl.col("claim_id") == claims[0]["claim_id"]))


def test_nested_equals_frame_with_rows_without_words_and_no_rows():
    ex = Explainer(lang="vi")
    k = len(ex.registry)
    rng = np.random.default_rng(1)
    n = 6
    levels = np.stack([rng.integers(0, len(c.levels), n) for c in ex.registry], axis=1).astype(np.int8)
    levels[2] = 0                                        # level 0 ("missing"/"not_claimed"): no words
    weights = rng.normal(0, 2, (n, k)).astype(np.float32)
    values = {"fam": {"c": ["Lò", None, "", "Lò", "Vàng", "Lò"], "p": ["Lò"] * n, "n": [3, None, 1, 2, 2, 3]},
              "by": {"p": [1980, None, 1975, 1990, 1990, 2001], "lo": [1979, None, 0, 1990, 1990, 2000],
                     "hi": [1981, None, 0, 1990, 1991, 2000], "best": [1980, None, 1975, 1990, 1990, 2000]},
              "sex": {"c": ["M", "F", None, "M", "M", "F"], "p": ["M", "M", "F", None, "M", "F"]},
              "father": {"c": ["Lò Văn A", None, None, "X", "", "Y"], "p": [None, "Lò Văn A", None, "X", "Z", None],
                         "recorded_person_id": [None, "P1", None, "P2", "P3", None]}}
    want = ex.frame(levels, weights, values)
    texts, detail = ex.nested(levels, weights, values)
    assert detail.dtype == DETAIL_DTYPE and texts == want["evidence"].to_list()
    assert detail.to_list() == want["evidence_detail"].to_list()
    assert detail[2].to_list() == [] and texts[2] == ""
    texts, detail = ex.nested(levels[:0], weights[:0], values)
    assert texts == [] and detail.dtype == DETAIL_DTYPE and detail.len() == 0


def test_vocab_item_reads_and_code_agree_with_the_column_search():
    words = ["Nguyễn", "Nguyên", "Ngô", "Lò", "Lý", "Lê", "Đặng", "Đỗ", "Ánh", "A", "Zơ", "Giàng", "Hoàng", "Hòa"]
    v = Vocab.from_values("t", pl.Series(words + ["Lò", None, ""]))
    assert len(v) == len(words)
    probes = words + ["", None, "Aa", "0", "Đ", "Đỗa", "zz", "Nguyễ", "Hoà"]     # absent: before, between, after
    want = v.codes(pl.Series(probes, dtype=pl.Utf8)).tolist()
    assert [v.code(x) for x in probes] == want
    assert sorted(v.code(w) for w in words) == list(range(len(words)))
    codes = np.array([-1, 0, len(v) - 1, 3, -1])
    assert v.take(codes) == [None, v.strings[0], v.strings[len(v) - 1], v.strings[3], None]
    assert v.string(len(v)) is None and v.string(2) == v.strings[2]
    # the fallback reader (Series.__getitem__) answers the same
    plain = Vocab("t", v.strings)
    plain.item = plain.strings.__getitem__
    assert [plain.code(x) for x in probes] == want and plain.take(codes) == v.take(codes)
    empty = Vocab.from_values("e", pl.Series([None, ""], dtype=pl.Utf8))
    assert empty.code("A") == -1 and empty.take(np.array([-1, 0])) == [None, None]
