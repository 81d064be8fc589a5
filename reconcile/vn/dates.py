"""Partial dates, birth-year intervals from claims, zodiac (con giáp) with Tết boundaries, tuổi mụ, citizen-id decoding.

Owns:
- `parse_partial_date` / `partial_date_expr`: every SPEC date form (`YYYY-MM-DD`, `YYYY-MM`, `YYYY`,
  `DD/MM/YYYY`, `00/00/YYYY`, `00/MM/YYYY`, empty) → (year, month, day) with nulls.
- `canonical_zodiac` / `zodiac_branch_expr`: con giáp text (with or without diacritics, Mão/Mẹo/Mèo,
  animal names, "Giáp Tý") → branch index 0 = Tý … 11 = Hợi.
- `possible_branches_expr`: the branches a registered person's lunar birth year can have (Tết boundary,
  UTC+7 and UTC+8 Tết both accepted).
- `claim_birth_interval`: one birth-year interval per claim from date, year, range, age and zodiac,
  intersected when they agree, united and flagged when they conflict.
- `decode_citizen_id` / `citizen_id_expr`: the 12-digit citizen id (Circular 59/2021/TT-BCA).

Tables come from `reconcile/data/zodiac.json` (built by scripts/build_date_data.py).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import NamedTuple

import polars as pl

from reconcile.vn.text import fold_search

__all__ = [
    "PartialDate", "parse_partial_date", "partial_date_expr",
    "BRANCH_NAMES", "STEM_NAMES", "Zodiac", "parse_zodiac", "canonical_zodiac", "canonical_zodiac_expr",
    "zodiac_branch", "zodiac_stem", "zodiac_is_ambiguous", "zodiac_branch_expr", "zodiac_stem_expr",
    "lunar_year_options", "possible_branches_expr", "years_with_branch", "branch_of_year",
    "BirthIntervalConfig", "claim_birth_interval",
    "CitizenId", "decode_citizen_id", "citizen_id_expr", "province_of_code",
]


# --------------------------------------------------------------------------------------- data

@lru_cache(maxsize=1)
def _data() -> dict:
    with resources.files("reconcile.data").joinpath("zodiac.json").open("r", encoding="utf-8") as fh:
        return json.load(fh)


BRANCH_NAMES: tuple[str, ...] = tuple(b["name"] for b in _data()["branches"])
STEM_NAMES: tuple[str, ...] = tuple(s["name"] for s in _data()["stems"])


@lru_cache(maxsize=1)
def _branch_lookup() -> tuple[dict[str, int], dict[str, int], dict[str, tuple[int, ...]]]:
    """(exact NFC lowercase → branch, folded → branch (unambiguous only), folded → ambiguous set)."""
    exact: dict[str, int] = {}
    folded: dict[str, set[int]] = {}
    animals_extra = {"chuột": 0, "trâu": 1, "hổ": 2, "cọp": 2, "hùm": 2, "mèo": 3, "thỏ": 3, "rồng": 4,
                     "rắn": 5, "ngựa": 6, "dê": 7, "cừu": 7, "khỉ": 8, "gà": 9, "chó": 10, "lợn": 11, "heo": 11}
    for b in _data()["branches"]:
        forms = [b["name"], *b["variants"]]
        for f in forms:
            exact[unicodedata.normalize("NFC", f).lower()] = b["index"]
        for f in [*forms, b["ascii"]]:
            folded.setdefault(fold_search(f), set()).add(b["index"])
    for word, idx in animals_extra.items():
        exact[word] = idx
        folded.setdefault(fold_search(word), set()).add(idx)
    unamb = {k: next(iter(v)) for k, v in folded.items() if len(v) == 1}
    amb = {k: tuple(sorted(v)) for k, v in folded.items() if len(v) > 1}
    return exact, unamb, amb


@lru_cache(maxsize=1)
def _stem_lookup() -> dict[str, int]:
    out: dict[str, int] = {}
    for s in _data()["stems"]:
        for f in [s["name"], *s["variants"], s["ascii"]]:
            out[unicodedata.normalize("NFC", f).lower()] = s["index"]
            out[fold_search(f)] = s["index"]
    return out


_ZODIAC_NOISE = re.compile(r"^(?:tuổi|tuoi|năm|nam|con|cầm tinh|cam tinh)\s+", re.IGNORECASE)


class Zodiac(NamedTuple):
    stem: int | None        # 0 = Giáp … 9 = Quý, when a can-chi pair was given
    branch: int | None      # 0 = Tý … 11 = Hợi
    ambiguous: bool         # a spelling that could be two branches ("Ty": Tý or Tỵ) and nothing decides


@lru_cache(maxsize=4096)
def parse_zodiac(text: object) -> Zodiac:
    """Con giáp as people write it → (stem, branch, ambiguous).

    Accepts diacritics or not ("Ngọ", "ngo"), variants (Tí, Tị, Mẹo, Mèo), animal names ("con ngựa"),
    "tuổi …"/"năm …" prefixes, and can-chi pairs ("Giáp Tý", "giap ty"). Without diacritics "Ty"/"Ti"
    could be Tý or Tỵ: alone that is ambiguous (branch None); in a can-chi pair the stem's parity
    decides (Giáp Ty → Giáp Tý). Pairs that do not exist (Giáp Sửu) keep the branch, drop the stem.
    """
    none = Zodiac(None, None, False)
    if text is None:
        return none
    t = unicodedata.normalize("NFC", str(text)).strip().lower()
    prev = None
    while prev != t:
        prev, t = t, _ZODIAC_NOISE.sub("", t).strip()
    if not t:
        return none
    exact, unamb, amb = _branch_lookup()

    def one(word: str) -> tuple[int | None, tuple[int, ...]]:
        if word in exact:
            return exact[word], ()
        f = fold_search(word)
        if f in unamb:
            return unamb[f], ()
        return None, amb.get(f, ())

    b, options = one(t)
    if b is not None:
        return Zodiac(None, b, False)
    if options:
        return Zodiac(None, None, True)
    parts = t.split()
    if len(parts) == 2:
        st = _stem_lookup()
        stem = st.get(parts[0], st.get(fold_search(parts[0])))
        if stem is not None:
            b, options = one(parts[1])
            if b is None and options:
                fitting = [o for o in options if o % 2 == stem % 2]
                if len(fitting) == 1:
                    b = fitting[0]
                else:
                    return Zodiac(None, None, True)
            if b is not None:
                return Zodiac(stem if stem % 2 == b % 2 else None, b, False)
    return none


def zodiac_branch(text: object) -> int | None:
    """Branch index (0 = Tý … 11 = Hợi) of a con giáp as people write it, or None (see `parse_zodiac`)."""
    return parse_zodiac(text).branch


def zodiac_stem(text: object) -> int | None:
    """Stem index (0 = Giáp) when the text is an existing can-chi pair ("Giáp Tý"), else None."""
    return parse_zodiac(text).stem


def zodiac_is_ambiguous(text: object) -> bool:
    """True for spellings that could be two branches ("Ty", "Ti": Tý or Tỵ without diacritics)."""
    return parse_zodiac(text).ambiguous


def canonical_zodiac(text: object) -> str | None:
    """Canonical name with diacritics: the branch ("ngo" → "Ngọ", "Mẹo" → "Mão"), or the can-chi pair
    when a stem was given ("giap ty" → "Giáp Tý"); None when not recognised."""
    z = parse_zodiac(text)
    if z.branch is None:
        return None
    return BRANCH_NAMES[z.branch] if z.stem is None else f"{STEM_NAMES[z.stem]} {BRANCH_NAMES[z.branch]}"


def _zodiac_map(fn, dtype):
    def _map(s: pl.Series) -> pl.Series:
        s = s.cast(pl.Utf8)
        uniq = s.drop_nulls().unique().to_list()
        return s.replace_strict({u: fn(u) for u in uniq}, default=None, return_dtype=dtype)
    return _map


def zodiac_branch_expr(col: str | pl.Expr) -> pl.Expr:
    """Vectorised `zodiac_branch` (Int8); loops only over the distinct spellings."""
    e = pl.col(col) if isinstance(col, str) else col
    return e.map_batches(_zodiac_map(zodiac_branch, pl.Int8), return_dtype=pl.Int8)


def zodiac_stem_expr(col: str | pl.Expr) -> pl.Expr:
    """Vectorised `zodiac_stem` (Int8, null unless a can-chi pair was given)."""
    e = pl.col(col) if isinstance(col, str) else col
    return e.map_batches(_zodiac_map(zodiac_stem, pl.Int8), return_dtype=pl.Int8)


def canonical_zodiac_expr(col: str | pl.Expr) -> pl.Expr:
    """Vectorised `canonical_zodiac` (Utf8)."""
    e = pl.col(col) if isinstance(col, str) else col
    return e.map_batches(_zodiac_map(canonical_zodiac, pl.Utf8), return_dtype=pl.Utf8)


def branch_of_year(lunar_year: int) -> int:
    return (lunar_year - 4) % 12


# --------------------------------------------------------------------------------------- partial dates

class PartialDate(NamedTuple):
    year: int | None
    month: int | None
    day: int | None


_DMY = r"^([0-9]{1,2})[/.\-]([0-9]{1,2})[/.\-]([0-9]{4})$"
_MY = r"^([0-9]{1,2})[/.\-]([0-9]{4})$"
_ISO_T = r"^([0-9]{4}-[0-9]{1,2}-[0-9]{1,2})[T ][0-9:.+\-Z]*$"
_ISO = r"^([0-9]{4})(?:-([0-9]{1,2})(?:-([0-9]{1,2}))?)?$"
# 8 digits: YYYYMMDD (FEBRL, database exports) or DDMMYYYY (Vietnamese exports); never both, since
# digits 5-6 are a month (01-12) in the first and the start of a year (18-20) in the second
# (a month 00 only with a day 00: 19840025 is no date)
_YMD8 = r"^((?:18|19|20)[0-9]{2})(0[1-9]|1[0-2])([0-2][0-9]|3[01])$"
_DMY8 = r"^([0-2][0-9]|3[01])(0[1-9]|1[0-2])((?:18|19|20)[0-9]{2})$"
_Y8 = r"^(?:0000((?:18|19|20)[0-9]{2})|((?:18|19|20)[0-9]{2})0000)$"
MIN_YEAR, MAX_YEAR = 1880, 2100
PARTIAL_DATE_DTYPE = pl.Struct({"year": pl.Int16, "month": pl.Int8, "day": pl.Int8, "unparseable": pl.Boolean})


def _parse_distinct(values: pl.Series) -> pl.DataFrame:
    """Parse distinct date strings stage by stage (each stage computed once)."""
    f = pl.DataFrame({"s": values.cast(pl.Utf8)})
    f = f.with_columns(t=pl.col("s").str.strip_chars())
    f = f.with_columns(t=pl.col("t").str.replace(_DMY, "$3-$2-$1").str.replace(_MY, "$2-$1")
                       .str.replace(_ISO_T, "$1").str.replace(_YMD8, "$1-$2-$3")
                       .str.replace(_DMY8, "$3-$2-$1").str.replace(_Y8, "$1$2"))
    f = f.with_columns(g=pl.col("t").str.extract_groups(_ISO))
    f = f.with_columns(
        y=pl.col("g").struct.field("1").cast(pl.Int32, strict=False),
        m=pl.col("g").struct.field("2").cast(pl.Int32, strict=False),
        d=pl.col("g").struct.field("3").cast(pl.Int32, strict=False),
    )
    # 00 means unknown; an unknown month makes the day unknown too
    f = f.with_columns(m=pl.when(pl.col("m") == 0).then(None).otherwise(pl.col("m")))
    f = f.with_columns(d=pl.when((pl.col("d") == 0) | pl.col("m").is_null()).then(None).otherwise(pl.col("d")))
    f = f.with_columns(
        ml=pl.date(pl.col("y").clip(MIN_YEAR, MAX_YEAR).fill_null(2000), pl.col("m").fill_null(1).clip(1, 12), 1)
        .dt.month_end().dt.day().cast(pl.Int32))
    f = f.with_columns(ok=(pl.col("y").is_between(MIN_YEAR, MAX_YEAR)
                           & (pl.col("m").is_null() | pl.col("m").is_between(1, 12))
                           & (pl.col("d").is_null() | (pl.col("d").is_between(1, 31) & (pl.col("d") <= pl.col("ml")))))
                       .fill_null(False))
    empty = pl.col("t").is_null() | (pl.col("t") == "")
    return f.select(
        "s",
        year=pl.when(pl.col("ok")).then(pl.col("y")).cast(pl.Int16),
        month=pl.when(pl.col("ok")).then(pl.col("m")).cast(pl.Int8),
        day=pl.when(pl.col("ok")).then(pl.col("d")).cast(pl.Int8),
        unparseable=(~pl.col("ok") & ~empty),
    )


def _parse_dates_series(s: pl.Series) -> pl.Series:
    s = s.cast(pl.Utf8)
    table = _parse_distinct(s.unique())
    out = (s.rename("s").to_frame().join(table, on="s", how="left", maintain_order="left", nulls_equal=True)
           .select(pl.struct(year="year", month="month", day="day",
                             unparseable=pl.col("unparseable").fill_null(False))))
    return out.to_series().rename(s.name)


def partial_date_expr(col: str | pl.Expr) -> pl.Expr:
    """Struct{year Int16, month Int8, day Int8, unparseable Bool} from a partial-date text column.

    Forms: YYYY-MM-DD, YYYY-MM, YYYY, DD/MM/YYYY, MM/YYYY, 00/00/YYYY (year only), 00/MM/YYYY
    (year and month), 8 digits YYYYMMDD or DDMMYYYY (never ambiguous: digits 5-6 are a month in
    the first, 18-20 in the second); '.' and '-' are accepted as separators in the day-first forms; an ISO
    timestamp keeps its date. Empty/null → all null and unparseable=False. Impossible values
    (month 13, 31 February, year outside 1880–2100) → all null and unparseable=True.
    Parses each distinct value once (registers repeat dates a lot).
    """
    e = pl.col(col) if isinstance(col, str) else col
    return e.map_batches(_parse_dates_series, return_dtype=PARTIAL_DATE_DTYPE)


def parse_partial_date(text: object) -> PartialDate:
    """Scalar twin of `partial_date_expr`; raises ValueError (quoting the value) when unparseable."""
    if text is None:
        return PartialDate(None, None, None)
    if isinstance(text, dt.datetime):
        text = text.date()
    if isinstance(text, dt.date):
        return PartialDate(text.year, text.month, text.day)
    if isinstance(text, int) and not isinstance(text, bool):
        text = str(text)
    r = pl.select(partial_date_expr(pl.lit(str(text), dtype=pl.Utf8)).alias("d")).row(0)[0]
    if r["unparseable"]:
        raise ValueError(f"unparseable date {str(text)[:40]!r}: use YYYY-MM-DD, YYYY-MM, YYYY, "
                         "DD/MM/YYYY or 00/00/YYYY when only the year is known")
    return PartialDate(r["year"], r["month"], r["day"])


# --------------------------------------------------------------------------------------- Tết / lunar year

TET_EARLIEST, TET_LATEST = (1, 21), (2, 20)   # outside the tabulated years


@lru_cache(maxsize=1)
def _tet_frame() -> pl.DataFrame:
    rows = []
    for year, (d7, d8) in _data()["tet"].items():
        a, b = dt.date.fromisoformat(d7), dt.date.fromisoformat(d8)
        lo, hi = min(a, b), max(a, b)
        rows.append((int(year), lo.month * 100 + lo.day, hi.month * 100 + hi.day))
    return pl.DataFrame(rows, schema={"year": pl.Int32, "tet_lo": pl.Int32, "tet_hi": pl.Int32}, orient="row")


def _tet_bounds_expr(year: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    t = _tet_frame()
    lo_map = dict(zip(t["year"].to_list(), t["tet_lo"].to_list()))
    hi_map = dict(zip(t["year"].to_list(), t["tet_hi"].to_list()))
    y = year.cast(pl.Int32)
    lo = y.replace_strict(lo_map, default=TET_EARLIEST[0] * 100 + TET_EARLIEST[1], return_dtype=pl.Int32)
    hi = y.replace_strict(hi_map, default=TET_LATEST[0] * 100 + TET_LATEST[1], return_dtype=pl.Int32)
    return lo, hi


def _md_range(month: pl.Expr, day: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    m = month.cast(pl.Int32)
    d = day.cast(pl.Int32)
    md_min = pl.when(m.is_null()).then(101).otherwise(m * 100 + d.fill_null(1))
    md_max = pl.when(m.is_null()).then(1231).otherwise(m * 100 + d.fill_null(31))
    return md_min, md_max


def possible_branches_expr(year: str | pl.Expr, month: str | pl.Expr | None = None,
                           day: str | pl.Expr | None = None) -> pl.Expr:
    """List[Int8] of zodiac branches the lunar birth year can have (null when the year is unknown).

    One branch when month/day put the birth clearly after Tết (→ branch of `year`) or clearly before
    the earliest Tết of that year (→ branch of `year - 1`); two when month/day are unknown or the date
    falls between the UTC+7 and UTC+8 Tết dates. Earlier branch first.
    """
    y = (pl.col(year) if isinstance(year, str) else year).cast(pl.Int32)
    m = pl.lit(None, dtype=pl.Int32) if month is None else (pl.col(month) if isinstance(month, str) else month)
    d = pl.lit(None, dtype=pl.Int32) if day is None else (pl.col(day) if isinstance(day, str) else day)
    tet_lo, tet_hi = _tet_bounds_expr(y)
    md_min, md_max = _md_range(m, d)
    b_cur = ((y - 4) % 12).cast(pl.Int8)
    b_prev = ((y - 5) % 12).cast(pl.Int8)
    return (pl.when(y.is_null()).then(None)
            .when(md_min >= tet_hi).then(pl.concat_list([b_cur]))
            .when(md_max < tet_lo).then(pl.concat_list([b_prev]))
            .otherwise(pl.concat_list([b_prev, b_cur])))


def lunar_year_options(year: int, month: int | None = None, day: int | None = None) -> tuple[int, ...]:
    """Scalar: the lunar years a Gregorian (partial) date can belong to (earlier first)."""
    t = _data()["tet"].get(str(year))
    if t:
        a, b = dt.date.fromisoformat(t[0]), dt.date.fromisoformat(t[1])
        lo, hi = min(a, b), max(a, b)
        tlo, thi = lo.month * 100 + lo.day, hi.month * 100 + hi.day
    else:
        tlo, thi = TET_EARLIEST[0] * 100 + TET_EARLIEST[1], TET_LATEST[0] * 100 + TET_LATEST[1]
    md_min = 101 if month is None else month * 100 + (day or 1)
    md_max = 1231 if month is None else month * 100 + (day or 31)
    if md_min >= thi:
        return (year,)
    if md_max < tlo:
        return (year - 1,)
    return (year - 1, year)


def years_with_branch(branch: int, lo: int, hi: int) -> list[int]:
    """Lunar years in [lo, hi] whose branch is `branch` (0 = Tý)."""
    first = lo + ((branch + 4 - lo) % 12)
    return list(range(first, hi + 1, 12))


# --------------------------------------------------------------------------------------- claims → interval

@dataclass(frozen=True)
class BirthIntervalConfig:
    """How uncertain the weaker statements are.

    age_error_min / age_error_frac: a stated age is an estimate; widen by max(min, frac × age) years.
    counting_age: the age may be tuổi mụ (traditional count, +1 or +2): allow one more recent year.
    open_range_span: a range with only one end open extends this many years.
    default_year: reference year when an age has no recorded_on (None → today's year).
    """

    age_error_min: float = 2.0
    age_error_frac: float = 0.10
    counting_age: bool = True
    open_range_span: int = 30
    default_year: int | None = None


_INTERVAL_COLS = {"birth_date": pl.Utf8, "birth_year": pl.Int32, "birth_year_min": pl.Int32,
                  "birth_year_max": pl.Int32, "age": pl.Float64, "recorded_on": pl.Date, "zodiac": pl.Utf8}


def _col_or_null(df: pl.DataFrame, name: str, dtype) -> pl.Expr:
    if name not in df.columns:
        return pl.lit(None, dtype=dtype)
    if name == "recorded_on" and df.schema[name] == pl.Utf8:
        return pl.col(name).str.to_date(strict=False)
    if name == "recorded_on" and df.schema[name] == pl.Datetime:
        return pl.col(name).dt.date()
    return pl.col(name).cast(dtype, strict=False)


def claim_birth_interval(claims: pl.DataFrame, config: BirthIntervalConfig | None = None) -> pl.DataFrame:
    """Add `by_lo`, `by_hi` (Int32, inclusive), `by_best` (Int32), `by_kind`, `zodiac_branch` (Int8),
    `by_conflict` (Bool) to a claims frame.

    Sources, strongest first: full birth_date ("exact"), year from birth_date or birth_year ("year"),
    birth_year_min/max ("range"), age at recorded_on ("age", widened by the config's error), zodiac
    ("zodiac": a constraint on the lunar year; a Gregorian year Y fits branch b when lunar Y or Y-1 has
    it, because January/early-February births belong to the previous lunar year). Agreeing sources are
    intersected (and the ends moved to the nearest years the zodiac allows); conflicting ones are
    united and `by_conflict` is set so the officer is told — a claim is never rejected for it.
    Missing columns count as null. `by_kind` = "none" and nulls when nothing is known.
    """
    cfg = config or BirthIntervalConfig()
    ref_default = cfg.default_year or dt.date.today().year
    # inputs as columns first (UDF expressions over a bare literal would not broadcast)
    tmp = claims.with_columns([_col_or_null(claims, k, t).alias(f"_in_{k}") for k, t in _INTERVAL_COLS.items()])
    c = {k: pl.col(f"_in_{k}") for k in _INTERVAL_COLS}
    tmp = tmp.with_columns(_pdt=partial_date_expr(c["birth_date"]))
    pdt = pl.col("_pdt")
    tmp = tmp.with_columns(
        _d_y=pdt.struct.field("year").cast(pl.Int32),
        _d_m=pdt.struct.field("month").cast(pl.Int32),
        _d_d=pdt.struct.field("day").cast(pl.Int32),
        _by=c["birth_year"], _bmin=c["birth_year_min"], _bmax=c["birth_year_max"],
        _age=c["age"], _rec=c["recorded_on"],
        zodiac_branch=zodiac_branch_expr(c["zodiac"]),
        _zstem=zodiac_stem_expr(c["zodiac"]).cast(pl.Int32),
    )
    # --- per-source intervals
    ref_y = pl.col("_rec").dt.year().cast(pl.Int32).fill_null(ref_default)
    ref_frac = ((pl.col("_rec").dt.ordinal_day().cast(pl.Float64) - 1) / 365.0).fill_null(0.5)
    age = pl.when(pl.col("_age") >= 0).then(pl.col("_age")).otherwise(None)
    err = pl.max_horizontal(pl.lit(cfg.age_error_min), age * cfg.age_error_frac).ceil().cast(pl.Int32)
    age_i = age.floor().cast(pl.Int32)
    age_lo = ref_y - age_i - 1 - err
    age_hi = ref_y - age_i + err + (1 if cfg.counting_age else 0)
    age_best = (ref_y.cast(pl.Float64) - age - (1.0 - ref_frac)).round(0).cast(pl.Int32)
    lo_min = pl.col("_bmin")
    hi_max = pl.col("_bmax")
    r_lo = pl.when(lo_min.is_null() & hi_max.is_not_null()).then(hi_max - cfg.open_range_span).otherwise(lo_min)
    r_hi = pl.when(hi_max.is_null() & lo_min.is_not_null()).then(lo_min + cfg.open_range_span).otherwise(hi_max)
    r_lo2 = pl.min_horizontal(r_lo, r_hi)
    r_hi2 = pl.max_horizontal(r_lo, r_hi)
    tmp = tmp.with_columns(
        _s1_lo=pl.col("_d_y"), _s1_hi=pl.col("_d_y"),
        _s2_lo=pl.col("_by"), _s2_hi=pl.col("_by"),
        _s3_lo=r_lo2, _s3_hi=r_hi2,
        _s4_lo=pl.when(age.is_not_null()).then(age_lo), _s4_hi=pl.when(age.is_not_null()).then(age_hi),
        _age_best=pl.when(age.is_not_null()).then(age_best),
    )
    los = [pl.col(f"_s{i}_lo") for i in range(1, 5)]
    his = [pl.col(f"_s{i}_hi") for i in range(1, 5)]
    i_lo = pl.max_horizontal(los)
    i_hi = pl.min_horizontal(his)
    u_lo = pl.min_horizontal(los)
    u_hi = pl.max_horizontal(his)
    conflict = i_lo > i_hi
    tmp = tmp.with_columns(
        _lo=pl.when(conflict).then(u_lo).otherwise(i_lo),
        _hi=pl.when(conflict).then(u_hi).otherwise(i_hi),
        _conflict=conflict.fill_null(False),
    )
    # --- zodiac: Gregorian years Y with branch(Y) == b or branch(Y-1) == b, i.e. Y ≡ b+4 or b+5 (mod 12);
    # with a can-chi pair (stem s) the cycle is 60 years: Y ≡ k+4 or k+5 (mod 60), k ≡ b (12), k ≡ s (10)
    # (computed in stages: one huge expression tree costs polars more to plan than to run)
    b = pl.col("zodiac_branch").cast(pl.Int32)
    stem = pl.col("_zstem")
    tmp = tmp.with_columns(_k60=pl.coalesce([pl.when((b + 12 * j) % 10 == stem).then(b + 12 * j) for j in range(5)]))
    k60 = pl.col("_k60")
    tmp = tmp.with_columns(_period=pl.when(k60.is_not_null()).then(60).otherwise(12),
                           _r1=pl.when(k60.is_not_null()).then((k60 + 4) % 60).otherwise((b + 4) % 12))
    period, r1 = pl.col("_period"), pl.col("_r1")
    tmp = tmp.with_columns(_r2=(r1 + 1) % period)
    r2 = pl.col("_r2")
    lo = pl.col("_lo")
    hi = pl.col("_hi")
    tmp = tmp.with_columns(
        _z_lo=pl.min_horizontal(lo + ((r1 - lo) % period), lo + ((r2 - lo) % period)),
        _z_hi=pl.max_horizontal(hi - ((hi - r1) % period), hi - ((hi - r2) % period)),
        _date_br=possible_branches_expr(pl.col("_d_y"), pl.col("_d_m"), pl.col("_d_d")),
    )
    z_lo, z_hi = pl.col("_z_lo"), pl.col("_z_hi")
    has_z = b.is_not_null() & lo.is_not_null()
    z_fits = z_lo <= z_hi
    # a full date decides the lunar year: check the branch directly (either Tết computation accepted)
    date_z_conflict = (b.is_not_null() & pl.col("_d_y").is_not_null()
                       & ~pl.col("_date_br").list.contains(pl.col("zodiac_branch"))).fill_null(False)
    tmp = tmp.with_columns(
        _lo2=pl.when(has_z & z_fits).then(z_lo).otherwise(lo),
        _hi2=pl.when(has_z & z_fits).then(z_hi).otherwise(hi),
        _conflict=(pl.col("_conflict") | (has_z & ~z_fits).fill_null(False) | date_z_conflict),
    )
    # --- best point estimate: date > year > age (moved to nearest zodiac-fitting year) > small range midpoint
    lo2, hi2 = pl.col("_lo2"), pl.col("_hi2")
    tmp = tmp.with_columns(_ab=pl.col("_age_best").clip(lo2, hi2))
    ab = pl.col("_ab")

    def fits(x: pl.Expr) -> pl.Expr:
        return ((x - r1) % period == 0) | ((x - r2) % period == 0)

    # nearest fitting year to the age estimate within [lo2, hi2]
    cand = [ab + k for k in (0, -1, 1, -2, 2, -3, 3, -4, 4, -5, 5, -6, 6)]
    tmp = tmp.with_columns(_nearest=pl.coalesce([pl.when(fits(x) & x.is_between(lo2, hi2)).then(x) for x in cand]))
    age_best_z = pl.when(b.is_null()).then(ab).otherwise(pl.coalesce(pl.col("_nearest"), ab))
    mid = ((lo2 + hi2) / 2).floor().cast(pl.Int32)
    best = pl.coalesce(
        pl.col("_d_y"), pl.col("_by"),
        pl.when(pl.col("_age_best").is_not_null()).then(age_best_z),
        pl.when((hi2 - lo2) <= 4).then(mid),
    )
    kind = (pl.when(pl.col("_d_y").is_not_null() & pl.col("_d_d").is_not_null()).then(pl.lit("exact"))
            .when(pl.col("_d_y").is_not_null() | pl.col("_by").is_not_null()).then(pl.lit("year"))
            .when(pl.col("_s3_lo").is_not_null()).then(pl.lit("range"))
            .when(pl.col("_s4_lo").is_not_null()).then(pl.lit("age"))
            .when(pl.col("zodiac_branch").is_not_null()).then(pl.lit("zodiac"))
            .otherwise(pl.lit("none")))
    out = tmp.with_columns(
        by_lo=lo2.cast(pl.Int32), by_hi=hi2.cast(pl.Int32), by_best=best.cast(pl.Int32),
        by_kind=kind, by_conflict=pl.col("_conflict"),
    )
    return out.drop([c for c in out.columns if c.startswith("_") and c not in claims.columns])


# --------------------------------------------------------------------------------------- citizen id

class CitizenId(NamedTuple):
    province_code: str
    province: str | None
    sex: str
    century: int
    birth_year: int


@lru_cache(maxsize=1)
def _province_codes() -> dict[str, dict]:
    return _data()["citizen_id_province_codes"]


def province_of_code(code: str) -> str | None:
    """Province name for a 3-digit citizen-id province code (pre-2025 GSO codes), or None."""
    rec = _province_codes().get(code)
    return rec["name"] if rec else None


def decode_citizen_id(value: object) -> CitizenId | None:
    """Decode a 12-digit citizen id (CCCD / personal id number), or None when it is not one
    (wrong length, unknown province code, century digit above 5).

    Digits 1–3 province of birth registration, digit 4 century and sex (even male, odd female;
    0/1 → 1900s, 2/3 → 2000s, 4/5 → 2100s …), digits 5–6 the last two digits of the birth year.
    """
    if value is None:
        return None
    s = re.sub(r"[\s.\-]", "", str(value))
    if not re.fullmatch(r"\d{12}", s):
        return None
    g = int(s[3])
    century = 1900 + 100 * (g // 2)
    code = s[:3]
    if century > 2100 or code not in _province_codes():
        return None
    return CitizenId(code, province_of_code(code), "F" if g % 2 else "M", century, century + int(s[4:6]))


CITIZEN_ID_DTYPE = pl.Struct({"province_code": pl.Utf8, "sex": pl.Utf8, "century": pl.Int16, "birth_year": pl.Int16})


def _citizen_id_series(s: pl.Series) -> pl.Series:
    f = s.cast(pl.Utf8).rename("s").to_frame()
    f = f.with_columns(s=pl.when(pl.col("s").str.contains(r"[\s.\-]"))
                       .then(pl.col("s").str.replace_all(r"[\s.\-]", "")).otherwise(pl.col("s")))
    f = f.with_columns(ok=pl.col("s").str.contains(r"^[0-9]{12}$").fill_null(False),
                       code=pl.col("s").str.slice(0, 3),
                       g=pl.col("s").str.slice(3, 1).cast(pl.Int32, strict=False),
                       yy=pl.col("s").str.slice(4, 2).cast(pl.Int32, strict=False))
    f = f.with_columns(ok=pl.col("ok") & pl.col("code").is_in(list(_province_codes())) & (pl.col("g") <= 5))
    f = f.with_columns(century=1900 + 100 * (pl.col("g") // 2))
    return f.select(pl.struct(
        province_code=pl.when("ok").then(pl.col("code")),
        sex=pl.when("ok").then(pl.when(pl.col("g") % 2 == 1).then(pl.lit("F")).otherwise(pl.lit("M"))),
        century=pl.when("ok").then(pl.col("century")).cast(pl.Int16),
        birth_year=pl.when("ok").then(pl.col("century") + pl.col("yy")).cast(pl.Int16),
    )).to_series().rename(s.name)


def citizen_id_expr(col: str | pl.Expr) -> pl.Expr:
    """Struct{province_code Utf8, sex Utf8, century Int16, birth_year Int16}; all null when the value
    is not a 12-digit id (spaces, dots and dashes ignored) or the province code is unknown."""
    e = pl.col(col) if isinstance(col, str) else col
    return e.map_batches(_citizen_id_series, return_dtype=CITIZEN_ID_DTYPE)
