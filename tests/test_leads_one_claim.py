"""The leads of ONE claim are finished on row dicts (places, ordering and reasons: `rank.order_rows`,
`sources.place_rows`, `words.reason_columns`, no polars query); they equal the batch's polars path
(`LeadsConfig(one_claim_rows=False)`) on the same claim, every column, in order."""

from __future__ import annotations

import warnings

import pytest

import reconcile as rc
from reconcile.leads import LeadsConfig, leads_detail


@pytest.fixture(scope="module")
def world():
    from reconcile import synth

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pop = synth.generate_population(3000, 5)
        claims, _ = synth.generate_claims(pop, 40, 5)
        return rc.build_index(pop), claims


@pytest.mark.parametrize("lang,top_k", [("vi", 20), ("en", 4), ("vi", 1)])
def test_one_claim_rows_equal_the_polars_path(world, lang, top_k):
    index, claims = world
    kinds, n = set(), 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for c in claims:
            rows = leads_detail([c], index, top_k=top_k, lang=lang)
            frame = leads_detail([c], index, top_k=top_k, lang=lang,
                                 config=LeadsConfig(one_claim_rows=False))
            assert rows.schema == frame.schema
            assert rows.equals(frame), c["claim_id"]
            kinds |= set(rows["_source"].to_list())
            n += rows.height
    assert n >= len(claims) * min(top_k, 3)
    if top_k > 1:     # every kind of lead went through both paths
        assert {"self", "relative", "family", "household", "place"} <= kinds


def test_claim_without_leads_or_hometown_gives_an_empty_frame(world):
    index, _ = world
    c = {"claim_id": "Z1", "name": "Xyzzy Qwv", "birth_year": 1700}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rows = leads_detail([c], index)
        frame = leads_detail([c], index, config=LeadsConfig(one_claim_rows=False))
    assert rows.schema == frame.schema and rows.equals(frame)
