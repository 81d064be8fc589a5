"""Partial dates, zodiac/Tết, birth-year intervals and citizen ids (synthetic values only)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from reconcile.vn import dates as d


@pytest.mark.parametrize("text, expected", [
    ("1965-03-04", (1965, 3, 4)),
    ("1965-03", (1965, 3, None)),
    ("1965", (1965, None, None)),
    ("04/03/1965", (1965, 3, 4)),
    ("00/00/1965", (1965, None, None)),
    ("00/03/1965", (1965, 3, None)),
    ("4/3/1965", (1965, 3, 4)),
    ("03/1965", (1965, 3, None)),
    ("", (None, None, None)),
    (None, (None, None, None)),
    (dt.date(1990, 1, 20), (1990, 1, 20)),
])
def test_parse_partial_date_every_spec_form(text, expected):
    assert tuple(d.parse_partial_date(text)) == expected


@pytest.mark.parametrize("bad", ["1965-13", "31/02/1990", "abc", "29/02/1990", "12/1775", "1990-02-30"])
def test_parse_partial_date_rejects_impossible_values_quoting_them(bad):
    with pytest.raises(ValueError, match="unparseable date") as exc:
        d.parse_partial_date(bad)
    assert bad[:10] in str(exc.value)


def test_leap_day_is_valid():
    assert tuple(d.parse_partial_date("29/02/1988")) == (1988, 2, 29)


def test_partial_date_expr_flags_unparseable_but_not_empty():
    df = pl.DataFrame({"b": ["1965", "", None, "x1965", "00/00/1965"]})
    out = df.select(d.partial_date_expr("b").alias("p")).unnest("p")
    assert out["year"].to_list() == [1965, None, None, None, 1965]
    assert out["unparseable"].to_list() == [False, False, False, True, False]


def test_zodiac_spellings():
    assert d.zodiac_branch("Ngọ") == 6
    assert d.zodiac_branch("ngo") == 6
    assert d.zodiac_branch("Mèo") == d.zodiac_branch("Mão") == d.zodiac_branch("Mẹo") == d.zodiac_branch("meo") == 3
    assert d.zodiac_branch("tuổi Tý") == 0
    assert d.zodiac_branch("Tí") == 0
    assert d.zodiac_branch("Tị") == 5
    assert d.zodiac_branch("Giáp Tý") == 0 and d.zodiac_stem("Giáp Tý") == 0
    assert d.zodiac_branch("con ngựa") == 6
    assert d.zodiac_branch("Ty") is None and d.zodiac_is_ambiguous("Ty")
    assert d.zodiac_branch("blah") is None and not d.zodiac_is_ambiguous("blah")
    assert d.canonical_zodiac("hoi") == "Hợi"


def test_tet_boundary_possible_branches():
    df = pl.DataFrame({"y": [1990, 1990, 1985, 1984, 1968, 2000, 1975],
                       "m": [1, 3, 1, 2, 1, None, 2], "d": [20, 1, 25, 1, 29, None, None]})
    got = df.select(d.possible_branches_expr("y", "m", "d").alias("b"))["b"].to_list()
    assert got[0] == [5]              # 1990-01-20 is before Tết 1990 (27 Jan): lunar 1989, Tỵ
    assert got[1] == [6]              # March 1990: Ngọ
    assert 1 in got[2]                # 1985-01-25: after Tết in Vietnam (21 Jan) → Sửu; UTC+8 says Tý
    assert got[3] == [11]             # 1984-02-01 before Tết 2 Feb → Quý Hợi
    assert got[4] == [7, 8]           # 29 Jan 1968: Tết in the North (UTC+7), not yet in the South
    assert got[5] == [3, 4]           # year only: Mão or Thìn
    assert got[6] == [2, 3]           # February, day unknown: either side of Tết (11 Feb 1975)
    assert d.lunar_year_options(1990, 1, 20) == (1989,)
    assert d.lunar_year_options(1985, 1, 25) == (1984, 1985)


def test_years_with_branch():
    assert d.years_with_branch(0, 1950, 2000) == [1960, 1972, 1984, 1996]
    assert d.years_with_branch(6, 1978, 1978) == [1978]


def _claims(**cols):
    n = max(len(v) for v in cols.values())
    cols.setdefault("claim_id", [f"C{i}" for i in range(n)])
    return pl.DataFrame(cols, strict=False)


def test_interval_age_alone_is_widened():
    c = _claims(age=[45.0], recorded_on=[dt.date(2024, 9, 17)])
    r = d.claim_birth_interval(c).row(0, named=True)
    assert r["by_kind"] == "age"
    assert r["by_lo"] <= 1974 and r["by_hi"] >= 1980   # ±max(2, 10% of 45) around 1978/1979
    assert r["by_best"] in (1978, 1979)
    assert not r["by_conflict"]


def test_interval_age_and_zodiac_intersect():
    c = _claims(age=[45.0], recorded_on=[dt.date(2024, 9, 17)], zodiac=["Ngọ"])
    r = d.claim_birth_interval(c).row(0, named=True)
    # Ngọ lunar 1978 → Gregorian 1978 (or Jan/Feb 1979)
    assert (r["by_lo"], r["by_hi"]) == (1978, 1979)
    assert r["zodiac_branch"] == 6 and not r["by_conflict"]


def test_interval_conflict_is_union_and_flagged():
    c = _claims(age=[45.0], birth_year=[1990], recorded_on=[dt.date(2024, 9, 17)])
    r = d.claim_birth_interval(c).row(0, named=True)
    assert r["by_conflict"]
    assert r["by_lo"] <= 1979 and r["by_hi"] == 1990
    assert r["by_best"] == 1990 and r["by_kind"] == "year"


def test_interval_kinds_and_nothing_known():
    c = _claims(birth_date=["1990-01-20", None, None, None, None],
                birth_year_min=[None, 1970, None, None, None], birth_year_max=[None, 1985, None, None, None],
                zodiac=[None, None, "Tý", None, None], birth_year=[None, None, None, None, 1950])
    r = d.claim_birth_interval(c)
    assert r["by_kind"].to_list() == ["exact", "range", "zodiac", "none", "year"]
    assert r["by_lo"].to_list()[:2] == [1990, 1970] and r["by_hi"].to_list()[:2] == [1990, 1985]
    assert r["by_lo"][3] is None and r["by_best"][3] is None


def test_interval_zodiac_disagreeing_with_full_date_is_flagged():
    c = _claims(birth_date=["1990-01-20", "1990-01-20"], zodiac=["Ngọ", "Tỵ"])
    r = d.claim_birth_interval(c)
    assert r["by_conflict"].to_list() == [True, False]


def test_interval_missing_columns_are_null_and_input_columns_kept():
    c = pl.DataFrame({"claim_id": ["a"], "_row": [7]})
    r = d.claim_birth_interval(c)
    assert r["by_kind"].to_list() == ["none"] and r["_row"].to_list() == [7]


def test_counting_age_option_widens_towards_recent_years():
    c = _claims(age=[30.0], recorded_on=[dt.date(2020, 6, 1)])
    on = d.claim_birth_interval(c, d.BirthIntervalConfig(counting_age=True)).row(0, named=True)
    off = d.claim_birth_interval(c, d.BirthIntervalConfig(counting_age=False)).row(0, named=True)
    assert on["by_hi"] == off["by_hi"] + 1 and on["by_lo"] == off["by_lo"]


def test_decode_citizen_id():
    x = d.decode_citizen_id("001089012345")
    assert (x.province_code, x.province, x.sex, x.birth_year) == ("001", "Hà Nội", "M", 1989)
    y = d.decode_citizen_id("079 301 000123")
    assert (y.sex, y.century, y.birth_year) == ("F", 2000, 2001)
    assert d.decode_citizen_id("12345") is None
    assert d.decode_citizen_id("P-0003") is None


def test_citizen_id_expr_matches_scalar():
    ids = ["001089012345", "079301000123", "999089012345", "abc", None, "036195000001"]
    out = pl.DataFrame({"i": ids}).select(d.citizen_id_expr("i").alias("c")).unnest("c")
    assert out["birth_year"].to_list() == [1989, 2001, None, None, None, 1995]
    assert out["sex"].to_list() == ["M", "F", None, None, None, "F"]
    assert out["province_code"].to_list()[5] == "036"


def test_can_chi_pairs():
    assert d.parse_zodiac("Giáp Tý") == d.Zodiac(0, 0, False)
    assert d.canonical_zodiac("giap ty") == "Giáp Tý"        # stem parity resolves Ty → Tý
    assert d.canonical_zodiac("at ty") == "Ất Tỵ"
    assert d.canonical_zodiac("năm Canh Ngọ") == "Canh Ngọ"
    assert d.parse_zodiac("Giáp Sửu") == d.Zodiac(None, 1, False)   # no such pair: keep the animal only


def test_can_chi_narrows_to_the_60_year_cycle():
    c = _claims(zodiac=["Canh Ngọ", "Ngọ"], birth_year_min=[1900, 1900], birth_year_max=[2020, 2020])
    r = d.claim_birth_interval(c)
    assert (r["by_lo"][0], r["by_hi"][0]) == (1930, 1991)     # Canh Ngọ: 1930, 1990 (+ Jan/Feb of the next)
    assert (r["by_lo"][1], r["by_hi"][1]) == (1906, 2015)     # Ngọ every 12 years: 1906 … 2014 (+1)
    one = d.claim_birth_interval(_claims(zodiac=["Giáp Tý"], birth_year_min=[1950], birth_year_max=[2000]))
    assert (one["by_lo"][0], one["by_hi"][0], one["by_best"][0]) == (1984, 1985, 1984)


def test_zodiac_expr_over_column():
    df = pl.DataFrame({"z": ["Ngọ", "ngo", None, "xx", "Mẹo"]})
    assert df.select(d.zodiac_branch_expr("z"))["z"].to_list() == [6, 6, None, None, 3]
    assert df.select(d.canonical_zodiac_expr("z"))["z"].to_list() == ["Ngọ", "Ngọ", None, None, "Mão"]


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=150, deadline=None)
@given(born=st.dates(dt.date(1925, 1, 1), dt.date(2015, 12, 31)),
       seen=st.dates(dt.date(2016, 1, 1), dt.date(2026, 12, 31)),
       use=st.sets(st.sampled_from(["age", "zodiac", "year", "range", "date"]), min_size=1),
       age_error=st.integers(-2, 2), counting=st.booleans())
def test_true_birth_year_is_inside_the_interval(born, seen, use, age_error, counting):
    """Consistent statements (age off by at most 2 years, possibly tuổi mụ) never exclude the truth."""
    real_age = seen.year - born.year - ((seen.month, seen.day) < (born.month, born.day))
    lunar = d.lunar_year_options(born.year, born.month, born.day)[-1]
    seen_lunar = d.lunar_year_options(seen.year, seen.month, seen.day)[-1]
    age = (seen_lunar - lunar + 1) if counting else real_age + age_error     # tuổi mụ, or a rough real age
    row = {"claim_id": "c", "recorded_on": seen, "age": None, "zodiac": None, "birth_year": None,
           "birth_year_min": None, "birth_year_max": None, "birth_date": None}
    if "age" in use:
        row["age"] = float(max(0, age))
    if "zodiac" in use:
        row["zodiac"] = d.BRANCH_NAMES[d.branch_of_year(lunar)]
    if "year" in use:
        row["birth_year"] = born.year
    if "range" in use:
        row["birth_year_min"], row["birth_year_max"] = born.year - 3, born.year + 4
    if "date" in use:
        row["birth_date"] = born.strftime("%d/%m/%Y")
    r = d.claim_birth_interval(pl.DataFrame([row], strict=False)).row(0, named=True)
    if use == {"zodiac"}:       # the animal alone gives no interval, only the branch
        assert r["by_lo"] is None and r["by_kind"] == "zodiac" and r["zodiac_branch"] == d.branch_of_year(lunar)
        return
    assert r["by_lo"] <= born.year <= r["by_hi"]
    assert not r["by_conflict"]
    if r["by_best"] is not None:
        assert r["by_lo"] <= r["by_best"] <= r["by_hi"]


@settings(max_examples=100, deadline=None)
@given(st.dates(dt.date(1890, 1, 1), dt.date(2090, 12, 31)), st.sampled_from(["iso", "dmy", "ym", "y", "00mm"]))
def test_partial_date_forms_roundtrip(day, form):
    text = {"iso": day.isoformat(), "dmy": day.strftime("%d/%m/%Y"), "ym": day.strftime("%Y-%m"),
            "y": str(day.year), "00mm": day.strftime("00/%m/%Y")}[form]
    got = d.parse_partial_date(text)
    assert got.year == day.year
    assert got.month == (None if form == "y" else day.month)
    assert got.day == (day.day if form in ("iso", "dmy") else None)


@settings(max_examples=100, deadline=None)
@given(st.dates(dt.date(1901, 1, 1), dt.date(2050, 12, 31)))
def test_possible_branches_contain_the_true_branch(day):
    """The branch of the lunar year (by either Tết computation) is always among the possibilities."""
    got = pl.DataFrame({"y": [day.year], "m": [day.month], "d": [day.day]}).select(
        d.possible_branches_expr("y", "m", "d").alias("b"))["b"][0].to_list()
    for lunar in d.lunar_year_options(day.year, day.month, day.day):
        assert d.branch_of_year(lunar) in got
    unknown_day = pl.DataFrame({"y": [day.year]}).select(d.possible_branches_expr("y").alias("b"))["b"][0].to_list()
    assert set(got) <= set(unknown_day)


def test_committed_zodiac_data_is_current():
    """reconcile/data/zodiac.json equals what scripts/build_date_data.py builds (when ../shared is present)."""
    import importlib.util
    import json
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    if not (root.parent / "shared" / "data" / "vn_zodiac.json").exists():
        pytest.skip("../shared/data not present (only needed to rebuild package data)")
    spec = importlib.util.spec_from_file_location("build_date_data", root / "scripts" / "build_date_data.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    committed = json.loads((root / "reconcile" / "data" / "zodiac.json").read_text(encoding="utf-8"))
    assert mod.build() == committed, "run scripts/build_date_data.py and commit reconcile/data/zodiac.json"
