"""The searchable index: featurised population, term frequencies, known relatives, model parameters.

Owns `build_index`, the `Index` dataclass, `load_index`, `featurise_claims` and the on-disk
format (a directory of Parquet files plus `model.json` and a checksummed `manifest.json`).

Person side (`Index.people`): every canonical population column, plus
  `pidx` UInt32 (row number, 0-based, = position in the frame),
  name features of `full_name` with prefix `p_`: `p_norm p_fold p_fam p_mid p_giv p_fam_key
  p_giv_key p_name_key p_culture p_ntok`, and `p_addr` (folded "address form": middle + given,
  e.g. "a pao" for Giàng A Páo, "van hung" for Nguyễn Văn Hùng; the given name alone when there
  is no middle),
  `p_sex` (M/F/null), `p_ethnicity`, `p_birth_year` Int32, `p_zodiac_branches` List[Int8],
  place features of `hometown` with prefix `p_home_` and of `residence` with prefix `p_res_`
  (`prov now district commune ambiguous`, see DESIGN.md),
  term-frequency counts over the whole register: `p_tf_fam` (of p_fam_key), `p_tf_giv`
  (of p_giv_key), `p_tf_full` (of p_fold), `p_tf_addr` (of p_addr), all UInt32; divide by
  `Index.n_people` for a relative frequency.
Known relatives (`Index.kin`): the DESIGN.md frame of `kinship.person_relatives` (`pidx relation
name birth_year rel_pidx confidence source`) plus name features of `name` with prefix `r_`
(`r_norm r_fold r_fam r_mid r_giv r_fam_key r_giv_key r_name_key r_culture r_ntok r_addr`).
Term frequencies (`Index.tf`): `kind` (`fam_key`, `giv_key`, `fold`, `addr`), `value`, `count`.

Claim side (`featurise_claims(claims, index) -> (claims_feat, claim_relatives)`): every canonical
claim column, plus `claim_idx` UInt32, name features of `name` with prefix `c_` (same names as
`p_`, and `c_addr`), `c_sex`, `c_ethnicity`, the birth interval `c_by_lo c_by_hi c_by_best
c_by_kind c_zodiac_branch c_by_conflict`, place features `c_home_*` (of claimed_hometown) and `c_res_*`
(of residence), TF counts of the claim's own values in the register `c_tf_fam c_tf_giv c_tf_full
c_tf_addr` (0 when unseen), and the aliases that are names (not teknonyms like "bố Súa") as lists:
`c_alias_fold c_alias_fam_key c_alias_giv_key c_alias_addr c_alias_name_key` (List[Utf8]).
`claim_relatives` is long: `claim_idx relation name birth_year (Int32) source` (`claimed` or
`teknonym`) plus the `r_` name features, so the same code compares both relatives frames;
claims_feat also carries their blocking keys `c_rel_key` ("relation|fam_key|giv_key") and
`c_rel_giv_key` ("relation|giv_key") as List[Utf8].

Modules this one relies on (names, places, dates, io, kinship) are written in parallel: while one
still raises NotImplementedError, a small private fallback here is used instead and its name is
recorded in `manifest["fallbacks"]`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import polars as pl

from reconcile import progress as _progress
from reconcile.errors import IndexFormatError, ReconcileInputError

FORMAT_NAME = "reconcile-index"
FORMAT_VERSION = 1
FILES = ("people.parquet", "name_tf.parquet", "kin_edges.parquet", "model.json")
TF_KINDS = {"fam_key": "fam", "giv_key": "giv", "fold": "full", "addr": "addr"}
NAME_FEATURES = ("norm", "fold", "fam", "mid", "giv", "fam_key", "giv_key", "name_key",
                 "culture", "ntok")
PLACE_FEATURES = ("prov", "now", "district", "commune", "ambiguous")
POP_TEXT_COLUMNS = ("person_id", "full_name", "sex", "birth_date", "ethnicity", "hometown",
                    "residence", "household_id", "relation_to_head", "father_name", "mother_name",
                    "spouse_name", "father_id", "mother_id", "spouse_id")


# --------------------------------------------------------------------------------------------
# The Index
# --------------------------------------------------------------------------------------------

@dataclasses.dataclass
class Index:
    """Featurised register. Frames are polars; `params` is a JSON-serialisable dict."""

    people: pl.DataFrame
    kin: pl.DataFrame
    tf: pl.DataFrame
    params: dict = dataclasses.field(default_factory=dict)
    manifest: dict = dataclasses.field(default_factory=dict)
    _cache: dict = dataclasses.field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def n_people(self) -> int:
        return self.people.height

    def with_params(self, params: dict) -> "Index":
        """A copy sharing the frames, with new model parameters (must be JSON-serialisable)."""
        json.dumps(params)
        return dataclasses.replace(self, params=dict(params), manifest=dict(self.manifest))

    def tf_table(self, kind: str) -> pl.DataFrame:
        """`value`, `count` for one kind (`fam_key`, `giv_key`, `fold`, `addr`)."""
        if kind not in TF_KINDS:
            raise ValueError(f"unknown term-frequency kind {kind!r}; use one of {sorted(TF_KINDS)}")
        return self.tf.filter(pl.col("kind") == kind).select("value", "count")

    def tf_count(self, kind: str, value: str) -> int:
        hit = self.tf_table(kind).filter(pl.col("value") == value)
        return int(hit["count"][0]) if hit.height else 0

    def save(self, path: str | os.PathLike) -> Path:
        return save_index(self, path)

    def __repr__(self) -> str:  # never print personal data
        return f"Index(people={self.people.height:,}, kin={self.kin.height:,}, tf={self.tf.height:,})"


# --------------------------------------------------------------------------------------------
# Delegation with private fallbacks
# --------------------------------------------------------------------------------------------

def _call(module_name: str, func: str, fallback, used: list[str] | None, *args, **kw):
    """Call reconcile.<module>.<func>; use `fallback` while it is missing or a stub."""
    import importlib

    try:
        mod = importlib.import_module(f"reconcile.{module_name}")
        fn = getattr(mod, func, None)
    except ImportError:
        fn = None
    if fn is not None:
        try:
            return fn(*args, **kw)
        except NotImplementedError:
            pass
    if used is not None and f"{module_name}.{func}" not in used:
        used.append(f"{module_name}.{func}")
    return fallback(*args, **kw)


def _fold_expr(e: pl.Expr) -> pl.Expr:
    """NFC-lowercase, strip tones/marks, đ→d, collapse spaces (whole-column)."""
    return (e.str.normalize("NFD").str.replace_all(r"\p{M}", "")
            .str.replace_all("[đĐÐð]", "d").str.to_lowercase()
            .str.replace_all(r"\s+", " ").str.strip_chars())


_FAM_VARIANTS = {"huynh": "hoang", "vo": "vu", "li": "ly", "ho": "hau", "hơ": "hau",
                 "xong": "sung", "tho": "thao", "gia": "giang", "cu": "cu", "vang": "vang",
                 "vy": "vi", "lo": "lo", "chau": "chu"}


def _phonetic_expr(e: pl.Expr) -> pl.Expr:
    """Fallback Vietnamese phonetic key of folded text (dialect mergers of initials/finals)."""
    return (e.str.replace_all(r"\b(gi|d|r|v)", "z").str.replace_all(r"\bx", "s")
            .str.replace_all(r"\b(ch|tr)", "c").str.replace_all(r"\bph", "f")
            .str.replace_all(r"\bk", "c").str.replace_all(r"\bq", "c")
            .str.replace_all(r"\bngh", "ng").str.replace_all(r"\bl", "n")
            .str.replace_all(r"ng\b", "n").str.replace_all(r"nh\b", "n")
            .str.replace_all(r"ch\b", "t").str.replace_all(r"c\b", "t")
            .str.replace_all("y", "i"))


_CULTURE = {"Kinh": "kinh", "Mông": "hmong", "Dao": "dao", "Tày": "tay_nung", "Nùng": "tay_nung",
            "Thái": "thai"}


def _fb_name_features(df: pl.DataFrame, name_col: str, ethnicity_col: str | None = None,
                      prefix: str = "") -> pl.DataFrame:
    p = prefix
    norm = (pl.col(name_col).cast(pl.Utf8).str.normalize("NFC").str.to_lowercase()
            .str.replace_all(r"\s+", " ").str.strip_chars())
    df = df.with_columns(norm.alias(f"{p}norm"))
    df = df.with_columns(_fold_expr(pl.col(f"{p}norm")).alias(f"{p}fold"))
    toks = pl.col(f"{p}fold").str.split(" ")
    n = toks.list.len()
    df = df.with_columns(
        pl.when(pl.col(f"{p}fold").is_null() | (pl.col(f"{p}fold") == "")).then(0)
        .otherwise(n).cast(pl.Int8).alias(f"{p}ntok"))
    nt = pl.col(f"{p}ntok")
    df = df.with_columns(
        pl.when(nt >= 2).then(toks.list.first()).otherwise(pl.lit("")).alias(f"{p}fam"),
        pl.when(nt >= 3).then(toks.list.slice(1, nt.cast(pl.Int64) - 2).list.join(" "))
        .otherwise(pl.lit("")).alias(f"{p}mid"),
        pl.when(nt >= 1).then(toks.list.last()).otherwise(pl.lit("")).alias(f"{p}giv"),
    )
    df = df.with_columns(
        pl.col(f"{p}fam").replace(_FAM_VARIANTS).alias(f"{p}fam_key"),
        _phonetic_expr(pl.col(f"{p}giv")).alias(f"{p}giv_key"),
        _phonetic_expr(pl.col(f"{p}fold")).alias(f"{p}name_key"),
    )
    if ethnicity_col and ethnicity_col in df.columns:
        cult = pl.col(ethnicity_col).replace_strict(_CULTURE, default="other", return_dtype=pl.Utf8)
        cult = pl.when(pl.col(ethnicity_col).is_null()).then(pl.lit("kinh")).otherwise(cult)
    else:
        cult = pl.lit("kinh")
    return df.with_columns(cult.alias(f"{p}culture"))


def _on_distinct(df: pl.DataFrame, cols: list[str], fn) -> pl.DataFrame:
    """Apply a column-adding `fn` to the distinct values of `cols` only, then join back.

    Names and places repeat a lot in a register (and relatives' names even more), so this makes
    feature work proportional to distinct values, whatever module computes it."""
    uniq = df.select(cols).unique(maintain_order=True)
    if uniq.height > 0.8 * df.height:
        return fn(df)
    feats = fn(uniq)
    new = [c for c in feats.columns if c not in cols]
    return df.drop([c for c in new if c in df.columns]).join(
        feats.select(*cols, *new), on=cols, how="left", nulls_equal=True, maintain_order="left")


def _name_features(df: pl.DataFrame, name_col: str, ethnicity_col: str | None, prefix: str,
                   used: list[str] | None) -> pl.DataFrame:
    p = prefix
    eth = ethnicity_col if ethnicity_col and ethnicity_col in df.columns else None

    def fn(frame: pl.DataFrame) -> pl.DataFrame:
        out = _call("names", "name_features", _fb_name_features, used, frame, name_col,
                    ethnicity_col=eth, prefix=p)
        addr = (pl.concat_str([pl.col(f"{p}mid").fill_null(""), pl.col(f"{p}giv").fill_null("")],
                              separator=" ").str.strip_chars())
        return out.with_columns(addr.alias(f"{p}addr"))

    return _on_distinct(df, [name_col] + ([eth] if eth else []), fn)


def _fb_place_features(df: pl.DataFrame, col: str, prefix: str = "") -> pl.DataFrame:
    last = _fold_expr(pl.col(col).cast(pl.Utf8).str.split(",").list.last())
    last = last.str.replace(r"^(tinh|thanh pho|tp\.?)\s+", "")
    lst = pl.when(last.is_null() | (last == "")).then(pl.lit(None, dtype=pl.List(pl.Utf8))) \
        .otherwise(pl.concat_list([last]))
    return df.with_columns(
        lst.alias(f"{prefix}prov"), lst.alias(f"{prefix}now"),
        pl.lit(None, dtype=pl.Utf8).alias(f"{prefix}district"),
        pl.lit(None, dtype=pl.Utf8).alias(f"{prefix}commune"),
        pl.lit(False).alias(f"{prefix}ambiguous"),
    )


def _place_features(df, col, prefix, used):
    if col not in df.columns:
        df = df.with_columns(pl.lit(None, dtype=pl.Utf8).alias(col))
    return _on_distinct(df, [col], lambda frame: _call(
        "places", "place_features", _fb_place_features, used, frame, col, prefix=prefix))


def _fb_possible_branches_expr(year: str = "birth_year", month: str = "birth_month") -> pl.Expr:
    y = pl.col(year).cast(pl.Int32)
    this = ((y - 4) % 12).cast(pl.Int8)
    prev = ((y - 5) % 12).cast(pl.Int8)
    m = pl.col(month) if month else pl.lit(None)
    return (pl.when(y.is_null()).then(pl.lit(None, dtype=pl.List(pl.Int8)))
            .when(m.is_not_null() & (m >= 3)).then(pl.concat_list([this]))
            .otherwise(pl.concat_list([prev, this])))


def _branches_expr(used, columns) -> pl.Expr:
    day = "birth_day" if "birth_day" in columns else None
    try:
        from reconcile.dates import possible_branches_expr

        return possible_branches_expr("birth_year", "birth_month", day)
    except (ImportError, NotImplementedError):
        used.append("dates.possible_branches_expr")
        return _fb_possible_branches_expr("birth_year", "birth_month")


_BRANCH_FOLD = ["ty", "suu", "dan", "mao", "thin", "ti", "ngo", "mui", "than", "dau", "tuat", "hoi"]


def _fb_claim_birth_interval(claims: pl.DataFrame) -> pl.DataFrame:
    def col(name, dtype):
        return pl.col(name).cast(dtype) if name in claims.columns else pl.lit(None, dtype=dtype)

    bd_year = col("birth_date", pl.Utf8).str.extract(r"(\d{4})", 1).cast(pl.Int32, strict=False)
    by = pl.coalesce(bd_year, col("birth_year", pl.Int32))
    rec_year = col("recorded_on", pl.Date).dt.year().cast(pl.Int32)
    age_year = (pl.coalesce(rec_year, pl.lit(datetime.now(timezone.utc).year))
                - col("age", pl.Float64).round(0).cast(pl.Int32))
    lo = col("birth_year_min", pl.Int32)
    hi = col("birth_year_max", pl.Int32)
    zfold = _fold_expr(col("zodiac", pl.Utf8))
    zb = zfold.replace_strict({k: i for i, k in enumerate(_BRANCH_FOLD)} | {"ti_": 5, "meo": 3},
                              default=None, return_dtype=pl.Int8)
    out = claims.with_columns(
        pl.when(by.is_not_null()).then(by)
        .when(age_year.is_not_null()).then(age_year - 2)
        .when(lo.is_not_null()).then(lo)
        .when(hi.is_not_null()).then(hi - 30)
        .otherwise(None).cast(pl.Int32).alias("by_lo"),
        pl.when(by.is_not_null()).then(by)
        .when(age_year.is_not_null()).then(age_year)
        .when(hi.is_not_null()).then(hi)
        .when(lo.is_not_null()).then(lo + 30)
        .otherwise(None).cast(pl.Int32).alias("by_hi"),
        pl.when(by.is_not_null()).then(by)
        .when(age_year.is_not_null()).then(age_year - 1)
        .otherwise(None).cast(pl.Int32).alias("by_best"),
        pl.when(bd_year.is_not_null()).then(pl.lit("exact"))
        .when(by.is_not_null()).then(pl.lit("year"))
        .when(age_year.is_not_null()).then(pl.lit("age"))
        .when(lo.is_not_null() | hi.is_not_null()).then(pl.lit("range"))
        .when(zb.is_not_null()).then(pl.lit("zodiac"))
        .otherwise(pl.lit("none")).alias("by_kind"),
        zb.alias("zodiac_branch"),
    )
    return out


def _fb_read_population(source, columns=None) -> pl.DataFrame:
    df = _to_polars(source)
    if columns:
        df = df.rename({k: v for k, v in columns.items() if k in df.columns})
    for c in POP_TEXT_COLUMNS:
        if c not in df.columns:
            df = df.with_columns(pl.lit(None, dtype=pl.Utf8).alias(c))
    missing = [c for c in ("person_id", "full_name") if df[c].null_count() == df.height]
    if missing:
        raise ReconcileInputError(f"required column '{missing[0]}' is missing or empty",
                                  field=missing[0], hint="add it or map it with columns={...}")
    df = df.with_columns(pl.col(c).cast(pl.Utf8).str.normalize("NFC").str.strip_chars()
                         for c in POP_TEXT_COLUMNS)
    sex = pl.col("sex").str.to_lowercase()
    df = df.with_columns(
        pl.when(sex.is_in(["m", "nam", "male"])).then(pl.lit("M"))
        .when(sex.is_in(["f", "nữ", "nu", "female"])).then(pl.lit("F")).otherwise(None).alias("sex"))
    if "birth_year" not in df.columns:
        bd = pl.col("birth_date")
        iso = bd.str.extract_groups(r"^(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?$")
        dmy = bd.str.extract_groups(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
        df = df.with_columns(
            pl.coalesce(iso.struct.field("1"), dmy.struct.field("3")).cast(pl.Int16, strict=False)
            .alias("birth_year"),
            pl.coalesce(iso.struct.field("2"), dmy.struct.field("2")).cast(pl.Int8, strict=False)
            .alias("birth_month"),
            pl.coalesce(iso.struct.field("3"), dmy.struct.field("1")).cast(pl.Int8, strict=False)
            .alias("birth_day"),
        ).with_columns(pl.when(pl.col(c) == 0).then(None).otherwise(pl.col(c)).alias(c)
                       for c in ("birth_month", "birth_day"))
    if "_row" not in df.columns:
        df = df.with_columns((pl.int_range(pl.len(), dtype=pl.UInt32) + 2).alias("_row"))
    return df


def _fb_person_relatives(people: pl.DataFrame) -> pl.DataFrame:
    """Minimal fallback: relatives named on each record, plus reversed parent/spouse ids."""
    ids = people.select(pl.col("person_id").alias("_rid"), pl.col("pidx").alias("rel_pidx"))
    parts = []
    for rel, ncol, icol in (("father", "father_name", "father_id"),
                            ("mother", "mother_name", "mother_id"),
                            ("spouse", "spouse_name", "spouse_id")):
        part = people.select(
            "pidx", pl.lit(rel).alias("relation"), pl.col(ncol).alias("name"),
            pl.lit(None, dtype=pl.Int16).alias("birth_year"), pl.col(icol).alias("_rid"),
        ).filter(pl.col("name").is_not_null() & (pl.col("name") != ""))
        part = part.join(ids, on="_rid", how="left").drop("_rid")
        parts.append(part.with_columns(pl.lit(1.0).alias("confidence"),
                                       pl.lit("record_name").alias("source")))
    # children: people whose father_id / mother_id is this person
    pid = people.select(pl.col("person_id").alias("_pid"), pl.col("pidx").alias("_ppidx"))
    for icol in ("father_id", "mother_id"):
        ch = (people.filter(pl.col(icol).is_not_null())
              .select(pl.col(icol).alias("_pid"), pl.col("pidx").alias("rel_pidx"),
                      pl.col("full_name").alias("name"),
                      pl.col("birth_year").cast(pl.Int16).alias("birth_year"))
              .join(pid, on="_pid", how="inner"))
        parts.append(ch.select(pl.col("_ppidx").alias("pidx"), pl.lit("child").alias("relation"),
                               "name", "birth_year", "rel_pidx", pl.lit(1.0).alias("confidence"),
                               pl.lit("record_id").alias("source")))
    out = pl.concat([p.select("pidx", "relation", "name", "birth_year",
                              pl.col("rel_pidx").cast(pl.UInt32), "confidence", "source")
                     for p in parts])
    return out.sort("pidx", "relation", "name")


_TEKNONYM = r"^(?:bố|bô|cha|ba|mẹ|má|me|bo|vợ|chồng|vo|chong)\s+(.+)$"
_TEK_REL = {"bố": "child", "bô": "child", "cha": "child", "ba": "child", "mẹ": "child",
            "má": "child", "me": "child", "bo": "child", "vợ": "spouse", "vo": "spouse",
            "chồng": "spouse", "chong": "spouse"}


def _is_teknonym(aliases: pl.Series) -> pl.Series:
    """True where an alias names the claimant through a relative ("bố Súa"), not a name."""
    try:
        from reconcile.names import parse_alias

        distinct = aliases.unique().to_list()
        tek = {a for a in distinct if parse_alias(a) is not None}
        return aliases.is_in(list(tek))
    except (ImportError, NotImplementedError):
        return aliases.str.to_lowercase().str.strip_chars().str.contains(_TEKNONYM)


def _fb_teknonym_relatives(claims: pl.DataFrame) -> pl.DataFrame:
    """Aliases like 'bố Súa' (father of Súa) → (claim_idx, relation=child, name='Súa')."""
    al = (claims.select("claim_idx", pl.col("aliases")).explode("aliases")
          .filter(pl.col("aliases").is_not_null())
          .with_columns(pl.col("aliases").str.normalize("NFC").str.strip_chars().alias("a")))
    lower = pl.col("a").str.to_lowercase()
    al = al.with_columns(lower.str.extract(_TEKNONYM.replace("(?:", "(", 1), 1).alias("w"),
                         pl.col("a").str.extract(r"^\S+\s+(.+)$", 1).alias("name"))
    al = al.filter(pl.col("w").is_not_null())
    return al.select("claim_idx",
                     pl.col("w").replace_strict(_TEK_REL, default="child").alias("relation"),
                     "name", pl.lit(None, dtype=pl.Int32).alias("birth_year"))


# --------------------------------------------------------------------------------------------
# Build
# --------------------------------------------------------------------------------------------

def _to_polars(source) -> pl.DataFrame:
    if isinstance(source, pl.DataFrame):
        return source
    if isinstance(source, pl.LazyFrame):
        return source.collect()
    mod = type(source).__module__
    if mod.startswith("pyarrow"):
        return pl.from_arrow(source)
    if mod.startswith("pandas"):
        return pl.from_pandas(source)
    if isinstance(source, (str, os.PathLike)):
        p = Path(source)
        if p.suffix.lower() == ".parquet":
            return pl.read_parquet(p)
        return pl.read_csv(p, infer_schema=False)
    raise ReconcileInputError(f"cannot read a population from {type(source).__name__}",
                              hint="pass a polars/pandas/Arrow frame or a .csv/.parquet path")


def _is_canonical(df: pl.DataFrame) -> bool:
    return "_row" in df.columns and "birth_year" in df.columns


def _read_population(population, columns, used) -> pl.DataFrame:
    if isinstance(population, pl.DataFrame) and _is_canonical(population) and not columns:
        return population
    if isinstance(population, (pl.DataFrame, pl.LazyFrame)) or type(population).__module__.startswith(("pandas", "pyarrow")):
        population = _to_polars(population)
        if _is_canonical(population) and not columns:
            return population
    return _call("io", "read_population", _fb_read_population, used, population, columns=columns)


def _tf_tables(people: pl.DataFrame) -> pl.DataFrame:
    parts = []
    for kind in TF_KINDS:
        col = f"p_{kind}"
        parts.append(people.filter(pl.col(col).is_not_null() & (pl.col(col) != ""))
                     .group_by(col).agg(pl.len().cast(pl.UInt32).alias("count"))
                     .select(pl.lit(kind).alias("kind"), pl.col(col).alias("value"), "count"))
    return pl.concat(parts).sort("kind", "value")


def _attach_tf(frame: pl.DataFrame, tf: pl.DataFrame, prefix: str) -> pl.DataFrame:
    """Join register counts of the frame's own fam_key/giv_key/fold/addr as `<prefix>tf_*`."""
    for kind, short in TF_KINDS.items():
        t = tf.filter(pl.col("kind") == kind).select(
            pl.col("value").alias(f"{prefix}{kind}"), pl.col("count").alias(f"{prefix}tf_{short}"))
        if f"{prefix}tf_{short}" in frame.columns:
            frame = frame.drop(f"{prefix}tf_{short}")
        frame = frame.join(t, on=f"{prefix}{kind}", how="left", maintain_order="left") \
            .with_columns(pl.col(f"{prefix}tf_{short}").fill_null(0).cast(pl.UInt32))
    return frame


def build_index(population, columns: dict | None = None, progress=None) -> Index:
    """Read/validate `population` (frame or path) and precompute everything matching needs."""
    say = _progress.resolve(progress)
    used: list[str] = []
    steps = 7
    say("index", 0, steps)
    pop = _read_population(population, columns, used)
    if pop.height == 0:
        raise ReconcileInputError("the population table has no rows",
                                  hint="check the file; an index needs at least one person")
    if "birth_month" not in pop.columns:
        pop = pop.with_columns(pl.lit(None, dtype=pl.Int8).alias("birth_month"))
    people = pop.with_columns(pl.int_range(pl.len(), dtype=pl.UInt32).alias("pidx"))
    say("index", 1, steps)
    people = _name_features(people, "full_name", "ethnicity", "p_", used)
    say("index", 2, steps)
    people = people.with_columns(
        pl.col("sex").alias("p_sex"), pl.col("ethnicity").alias("p_ethnicity"),
        pl.col("birth_year").cast(pl.Int32).alias("p_birth_year"),
        _branches_expr(used, people.columns).cast(pl.List(pl.Int8)).alias("p_zodiac_branches"),
    )
    people = _place_features(people, "hometown", "p_home_", used)
    people = _place_features(people, "residence", "p_res_", used)
    say("index", 3, steps)
    tf = _tf_tables(people)
    people = _attach_tf(people, tf, "p_")
    say("index", 4, steps)
    kin = _call("kinship", "person_relatives", _fb_person_relatives, used, people)
    kin = kin.with_columns(pl.col("pidx").cast(pl.UInt32), pl.col("rel_pidx").cast(pl.UInt32),
                           pl.col("birth_year").cast(pl.Int16))
    kin = _name_features(kin, "name", None, "r_", used)
    say("index", 5, steps)
    manifest = {
        "format": FORMAT_NAME, "format_version": FORMAT_VERSION,
        "library_version": _lib_version(),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "rows": {"people": people.height, "kin": kin.height, "tf": tf.height},
        "n_people": people.height,
        "fallbacks": sorted(used),
    }
    say("index", steps, steps)
    return Index(people=people, kin=kin, tf=tf, params={}, manifest=manifest)


def _lib_version() -> str:
    from reconcile import __version__

    return __version__


# --------------------------------------------------------------------------------------------
# Claims
# --------------------------------------------------------------------------------------------

_CLAIM_COLUMNS = {"claim_id": pl.Utf8, "name": pl.Utf8, "aliases": pl.List(pl.Utf8),
                  "sex": pl.Utf8, "birth_date": pl.Utf8, "birth_year": pl.Int32,
                  "birth_year_min": pl.Int32, "birth_year_max": pl.Int32, "age": pl.Float64,
                  "recorded_on": pl.Date, "zodiac": pl.Utf8, "ethnicity": pl.Utf8,
                  "claimed_hometown": pl.Utf8, "residence": pl.Utf8,
                  "relatives": pl.List(pl.Struct({"relation": pl.Utf8, "name": pl.Utf8,
                                                  "birth_year": pl.Int32}))}


def _claims_frame(claims) -> pl.DataFrame:
    if isinstance(claims, pl.DataFrame):
        df = claims
    elif isinstance(claims, list):
        df = _call("io", "read_claims", lambda c: pl.DataFrame(c, infer_schema_length=None),
                   None, claims)
    elif type(claims).__module__.startswith(("pandas", "pyarrow")):
        df = _to_polars(claims)
    else:
        from reconcile.io import read_claims

        df = read_claims(claims)
    for c, t in _CLAIM_COLUMNS.items():
        if c not in df.columns:
            df = df.with_columns(pl.lit(None, dtype=t).alias(c))
    if df.schema["recorded_on"] == pl.Utf8:
        df = df.with_columns(pl.col("recorded_on").str.to_date(strict=False))
    if df.schema["aliases"] == pl.Utf8:
        df = df.with_columns(pl.col("aliases").str.split(";"))
    return df


def featurise_claims(claims, index: Index) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Claim-side features (see module docstring) and the long frame of claimed relatives."""
    used: list[str] = []
    df = _claims_frame(claims)
    df = df.with_columns(pl.int_range(pl.len(), dtype=pl.UInt32).alias("claim_idx"))
    df = _name_features(df, "name", "ethnicity", "c_", used)
    df = df.with_columns(pl.col("sex").alias("c_sex"), pl.col("ethnicity").alias("c_ethnicity"))
    iv = _call("dates", "claim_birth_interval", _fb_claim_birth_interval, used,
               df.select("claim_idx", *[c for c in _CLAIM_COLUMNS if c in df.columns]))
    if "by_conflict" not in iv.columns:
        iv = iv.with_columns(pl.lit(False).alias("by_conflict"))
    iv = iv.select("claim_idx", *[pl.col(c).alias(f"c_{c}") for c in
                                  ("by_lo", "by_hi", "by_best", "by_kind", "zodiac_branch",
                                   "by_conflict")])
    df = df.join(iv, on="claim_idx", how="left").with_columns(
        pl.col("c_by_lo").cast(pl.Int32), pl.col("c_by_hi").cast(pl.Int32),
        pl.col("c_by_best").cast(pl.Int32), pl.col("c_zodiac_branch").cast(pl.Int8))
    df = _place_features(df, "claimed_hometown", "c_home_", used)
    df = _place_features(df, "residence", "c_res_", used)
    df = _attach_tf(df, index.tf, "c_")

    # teknonyms ("bố Súa") become relatives; the other aliases are names of the claimant
    tek = _call("names", "teknonym_relatives", _fb_teknonym_relatives, used,
                df.select("claim_idx", "aliases"))
    al = (df.select("claim_idx", "c_ethnicity", pl.col("aliases").alias("alias")).explode("alias")
          .filter(pl.col("alias").is_not_null() & (pl.col("alias").str.strip_chars() != "")))
    al = al.filter(~_is_teknonym(al["alias"]))
    al = _name_features(al, "alias", "c_ethnicity", "a_", used)
    alias_cols = ("fold", "fam_key", "giv_key", "addr", "name_key")
    agg = al.group_by("claim_idx").agg(pl.col(f"a_{c}").alias(f"c_alias_{c}") for c in alias_cols)
    df = df.join(agg, on="claim_idx", how="left", maintain_order="left").with_columns(
        pl.col(f"c_alias_{c}").fill_null(pl.lit([], dtype=pl.List(pl.Utf8))) for c in alias_cols)
    df = df.sort("claim_idx")

    rel = (df.select("claim_idx", "relatives").explode("relatives")
           .filter(pl.col("relatives").is_not_null()).unnest("relatives"))
    rel = rel.select("claim_idx", pl.col("relation").cast(pl.Utf8).str.to_lowercase(),
                     pl.col("name").cast(pl.Utf8), pl.col("birth_year").cast(pl.Int32),
                     pl.lit("claimed").alias("source"))
    tek = tek.select(pl.col("claim_idx").cast(pl.UInt32), pl.col("relation").cast(pl.Utf8),
                     pl.col("name").cast(pl.Utf8), pl.col("birth_year").cast(pl.Int32),
                     pl.lit("teknonym").alias("source"))
    crel = pl.concat([rel, tek]).filter(pl.col("name").is_not_null() & (pl.col("name") != ""))
    crel = crel.join(df.select("claim_idx", "c_ethnicity"), on="claim_idx", how="left")
    crel = _name_features(crel, "name", "c_ethnicity", "r_", used).drop("c_ethnicity")
    crel = crel.sort("claim_idx", "relation", "name", maintain_order=True)
    # blocking keys of the claimed relatives, so candidate_pairs needs only claims_feat
    rk = crel.filter(pl.col("r_giv_key").is_not_null() & (pl.col("r_giv_key") != "")).group_by(
        "claim_idx").agg(
        pl.concat_str(["relation", "r_fam_key", "r_giv_key"], separator="|")
        .filter(pl.col("r_fam_key") != "").alias("c_rel_key"),
        pl.concat_str(["relation", "r_giv_key"], separator="|").alias("c_rel_giv_key"))
    df = df.join(rk, on="claim_idx", how="left", maintain_order="left").with_columns(
        pl.col(c).fill_null(pl.lit([], dtype=pl.List(pl.Utf8))) for c in ("c_rel_key", "c_rel_giv_key"))
    return df, crel


# --------------------------------------------------------------------------------------------
# Save / load
# --------------------------------------------------------------------------------------------

def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _is_index_dir(path: Path) -> bool:
    try:
        return json.loads((path / "manifest.json").read_text("utf-8")).get("format") == FORMAT_NAME
    except (OSError, ValueError, AttributeError):
        return False


def save_index(index: Index, path: str | os.PathLike) -> Path:
    """Write the index atomically: a sibling temp dir, then rename over any earlier index."""
    path = Path(path)
    if path.exists() and not (path.is_dir() and (_is_index_dir(path) or not any(path.iterdir()))):
        raise IndexFormatError(f"{path}: exists and is not a reconcile index; refusing to overwrite "
                               "it. Fix: choose another output path or remove it yourself")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    try:
        index.people.write_parquet(tmp / "people.parquet", statistics=False)
        index.tf.write_parquet(tmp / "name_tf.parquet", statistics=False)
        index.kin.write_parquet(tmp / "kin_edges.parquet", statistics=False)
        (tmp / "model.json").write_text(
            json.dumps(index.params, ensure_ascii=False, sort_keys=True, indent=1), "utf-8")
        manifest = {k: v for k, v in index.manifest.items() if k not in ("files",)}
        manifest.update({"format": FORMAT_NAME, "format_version": FORMAT_VERSION,
                         "library_version": _lib_version(),
                         "rows": {"people": index.people.height, "kin": index.kin.height,
                                  "tf": index.tf.height},
                         "n_people": index.people.height,
                         "files": {f: _sha256(tmp / f) for f in FILES}})
        manifest.setdefault("created", datetime.now(timezone.utc).isoformat(timespec="seconds"))
        (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1),
                                           "utf-8")
        old = None
        if path.exists():
            old = path.with_name(f"{path.name}.old-{os.getpid()}")
            os.replace(path, old)
        os.replace(tmp, path)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    index.manifest = manifest
    return path


_FIX = "Fix: rebuild it with `reconcile index POPULATION --out INDEX`"


def load_index(path: str | os.PathLike, verify: bool = True) -> Index:
    """Load a saved index, checking format, version, row counts and SHA-256 of every file."""
    path = Path(path)
    if not path.exists():
        raise IndexFormatError(f"{path}: no index there. {_FIX}")
    if not path.is_dir():
        raise IndexFormatError(f"{path}: not an index directory. {_FIX}")
    mpath = path / "manifest.json"
    if not mpath.exists():
        raise IndexFormatError(f"{path}: not a reconcile index (no manifest.json). {_FIX}")
    try:
        manifest = json.loads(mpath.read_text("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise IndexFormatError(f"{mpath}: manifest is damaged ({exc.__class__.__name__}). {_FIX}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise IndexFormatError(f"{path}: not a reconcile index (format "
                               f"{manifest.get('format') if isinstance(manifest, dict) else '?'!r}). {_FIX}")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexFormatError(f"{path}: index format version {manifest.get('format_version')!r}, "
                               f"this reconcile {_lib_version()} reads version {FORMAT_VERSION}. {_FIX}")
    files = manifest.get("files") or {}
    for f in FILES:
        fp = path / f
        if f not in files or not fp.exists():
            raise IndexFormatError(f"{fp}: missing from the index. {_FIX}")
        if verify and _sha256(fp) != files[f]:
            raise IndexFormatError(f"{fp}: checksum mismatch, the file is damaged or was changed "
                                   f"after the index was built. {_FIX}")
    try:
        people = pl.read_parquet(path / "people.parquet")
        tf = pl.read_parquet(path / "name_tf.parquet")
        kin = pl.read_parquet(path / "kin_edges.parquet")
        params = json.loads((path / "model.json").read_text("utf-8"))
    except Exception as exc:  # noqa: BLE001 - any reader failure means a damaged index
        raise IndexFormatError(f"{path}: cannot read the index ({exc.__class__.__name__}). {_FIX}") from None
    rows = manifest.get("rows", {})
    for name, frame in (("people", people), ("kin", kin), ("tf", tf)):
        if rows.get(name) != frame.height:
            raise IndexFormatError(f"{path}: {name} has {frame.height} rows, manifest says "
                                   f"{rows.get(name)}. {_FIX}")
    return Index(people=people, kin=kin, tf=tf, params=params, manifest=manifest)
