"""Claims encoded against an index: `ClaimArrays` (docs/ENGINE_V3.md).

Owns `encode_claims(claims, index)` (a batch: `io.read_claims` then polars features computed once
per distinct value, the same `index.codes` encoding as people) and `encode_claim(claim, index)`
(one claim given as a dict: a light scalar check that raises the typed input errors of `io`, then
the scalar functions `names.parse_name`, `places.resolve`, `birth_interval` — no polars query).
Both give the same arrays for the same claim (tested).

Also `featurise_claims(claims, index)`: the featurised claims frame and the long frame of claimed
relatives that the frame consumers (`leads`) read.

Claim-side conventions: a name that is itself a teknonym ("mẹ Sành") is no name of the claimant:
it becomes a claimed relative (child Sành) and the name is left empty. Codes of values absent from
the register are extension codes (`ClaimArrays.extra`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from types import MappingProxyType

import numpy as np
import polars as pl

from reconcile.errors import BadValueError, MissingColumnError
from reconcile.io.read import canonical_relation
from reconcile.index import codes as _codes
from reconcile.index.arrays import (CLAIM_REL_SOURCE, CULTURE_CODE, NAME_CODES, RELATION_CODE,
                                    SEX_CODE, SEX_MARKERS, VILLAGE_SIDES)

BY_KIND = {"none": 0, "exact": 1, "year": 2, "range": 3, "age": 4, "zodiac": 5}
ADULT_AGE = 18
ALIAS_FEATURES = ("fam_key", "giv_key", "addr", "fold", "name_key", "giv")
CREL_FEATURES = ("fam", "fam_key", "giv", "giv_norm", "giv_key", "mid", "fold", "ntok", "sex_marker")
DISPLAY = ("name", "birth_date", "zodiac", "claimed_hometown", "residence", "sex", "ethnicity")
CLAIM_COLUMNS = ("claim_id", "name", "aliases", "sex", "birth_date", "birth_year", "birth_year_min",
                 "birth_year_max", "age", "recorded_on", "zodiac", "ethnicity", "claimed_hometown",
                 "residence", "relatives")
# the type of every canonical claim column (the leads' pseudo-claims are frames of this schema)
CLAIM_DTYPES = {"claim_id": pl.Utf8, "name": pl.Utf8, "aliases": pl.List(pl.Utf8), "sex": pl.Utf8,
                 "birth_date": pl.Utf8, "birth_year": pl.Int32, "birth_year_min": pl.Int32,
                 "birth_year_max": pl.Int32, "age": pl.Float64, "recorded_on": pl.Date,
                 "zodiac": pl.Utf8, "ethnicity": pl.Utf8, "claimed_hometown": pl.Utf8,
                 "residence": pl.Utf8,
                 "relatives": pl.List(pl.Struct({"relation": pl.Utf8, "name": pl.Utf8,
                                                 "birth_year": pl.Int32}))}


@dataclasses.dataclass
class ClaimArrays:
    """Per-claim arrays (`cols`), aliases and claimed relatives in CSR form (`alias`, `crel`:
    dicts with `offsets` and per-entry arrays), the extension strings (`extra`), the claims'
    display values (`display`: `DISPLAY` column → list, `crel_name` → claimed relatives' names as
    written), the canonical claims frame (`frame`, batches only) and `claim_id`."""

    cols: dict[str, np.ndarray]
    alias: dict[str, np.ndarray]
    crel: dict[str, np.ndarray]
    extra: dict[str, list[str]]
    frame: pl.DataFrame
    claim_id: list[str]
    display: dict[str, list] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        # the clan a claim says through its relatives, for the comparisons (`c.kin_fam_key`)
        entry = self.kin_entry
        fk = np.asarray(self.crel.get("fam_key", np.zeros(0)), dtype=np.int64)
        self.cols["kin_fam_key"] = np.where(entry >= 0, fk[np.maximum(entry, 0)] if fk.size else -1, -1)

    @property
    def n(self) -> int:
        return len(self.claim_id)

    @property
    def kin_entry(self) -> np.ndarray:
        """Per claim: the claimed-relative entry (`crel` position) whose surname the claim's clan
        is read from: the father, else the first sibling by name, with a surname key (-1 none). Vietnamese
        surnames pass from father to child, so a claim written without a surname still says its
        clan through them (`comparisons.library.kin_surname_levels`; the words show that entry's
        surname)."""
        n = self.n
        out = np.full(n, -1, dtype=np.int64)
        off = np.asarray(self.crel.get("offsets", np.zeros(1)), dtype=np.int64)
        if not n or off[-1] == 0:
            return out
        owner = np.repeat(np.arange(n), np.diff(off))
        rel = np.asarray(self.crel["relation"])
        fk = np.asarray(self.crel["fam_key"], dtype=np.int64)
        father, sibling = RELATION_CODE["father"], RELATION_CODE["sibling"]
        idx = np.flatnonzero((fk >= 0) & ((rel == father) | (rel == sibling)))
        if not idx.size:
            return out
        # among siblings the first by name, not the first written: the batch encoder orders a
        # claim's relatives by name and the one-claim encoder as written; both must read one clan
        written = self.display.get("crel_name") or [None] * fk.size
        _, by_name = np.unique([written[i] or "" for i in idx.tolist()], return_inverse=True)
        idx = idx[np.lexsort((idx, by_name, rel[idx] != father, owner[idx]))]
        first = np.r_[True, owner[idx][1:] != owner[idx][:-1]]
        out[owner[idx][first]] = idx[first]
        return out

    def __getitem__(self, name: str) -> np.ndarray:
        return self.cols[name]


# ------------------------------------------------------------------------------------------------
# shared helpers
# ------------------------------------------------------------------------------------------------

def _csr(owner: np.ndarray, n: int) -> np.ndarray:
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(owner, minlength=n), out=offsets[1:])
    return offsets


def _claims_frame(claims) -> pl.DataFrame:
    if isinstance(claims, pl.DataFrame) and "_row" in claims.columns:
        df = claims
    else:
        from reconcile.io import read_claims

        df = read_claims(claims)
    missing = [pl.lit(None, dtype=t).alias(c) for c, t in CLAIM_DTYPES.items() if c not in df.columns]
    return df.with_columns(missing) if missing else df


# ------------------------------------------------------------------------------------------------
# batch
# ------------------------------------------------------------------------------------------------

def name_is_teknonym(name: str | None) -> bool:
    """A name written as a teknonym ("mẹ Sành", "bố Páo", "bo Pao"), not a surname that folds like
    one: "Võ Đình Giang" is no "vợ", nor is "Vo Quang Nghia" (Võ without diacritics), "Ong Van Nam"
    (Ông) or "Me Sanh" (Mè). A lead word written with its diacritics follows `names.name_teknonym`
    ("Bà Thị Lan" is Mrs Thị Lan); another counts unless it is written without diacritics as a
    surname is, or a middle marker follows ("ba Pao", "má Sành" yes; "Ba Thi Lan" no)."""
    from reconcile.vn.names import _tables, name_teknonym, parse_alias
    from reconcile.vn.text import fold, norm

    if not name or parse_alias(name) is None:
        return False
    toks = norm(name).split(" ")
    t = _tables()
    if toks[0] in t["surnames"]:
        return False
    if name_teknonym(name) is not None:
        return True
    if toks[0] == fold(toks[0]) and toks[0] in t["surnames_fold"]:
        return False
    return fold(toks[-1 if len(toks) < 2 else 1]) not in ("thi", "van")


def _split_teknonym_names(df: pl.DataFrame) -> pl.DataFrame:
    """Names that are teknonyms ("mẹ Sành") move into the aliases and leave the name empty."""
    tek = [n for n in df.get_column("name").drop_nulls().unique().to_list() if name_is_teknonym(n)]
    if not tek:
        return df
    is_tek = pl.col("name").is_in(tek)
    return df.with_columns(
        pl.when(is_tek).then(pl.concat_list(pl.col("aliases").fill_null(pl.lit([], pl.List(pl.Utf8))),
                                            pl.col("name")))
        .otherwise(pl.col("aliases")).alias("aliases"),
        pl.when(is_tek).then(None).otherwise(pl.col("name")).alias("name"))


def teknonym_sex(aliases) -> str | None:
    """The claimant's sex the teknonyms among `aliases` say ("bố Páo" → M, "mẹ Sành" → F), when
    they say one and agree; else None."""
    from reconcile.vn.names import parse_alias

    said = {t.claimant_sex for t in map(parse_alias, aliases or []) if t is not None and t.claimant_sex}
    return said.pop() if len(said) == 1 else None


def _teknonym_sex(df: pl.DataFrame) -> pl.DataFrame:
    """A claim without a sex takes the one its teknonyms say (after `_split_teknonym_names`)."""
    from reconcile.vn.names import parse_alias

    al = df.select(pl.int_range(pl.len(), dtype=pl.UInt32).alias("__i"), pl.col("aliases").alias("__a"),
                   "sex").filter(pl.col("sex").is_null()).explode("__a").drop_nulls("__a")
    if al.height == 0:
        return df
    table = {a: t.claimant_sex for a in al.get_column("__a").unique().to_list()
             if (t := parse_alias(a)) is not None and t.claimant_sex}
    if not table:
        return df
    said = (al.with_columns(pl.col("__a").replace_strict(table, default=None, return_dtype=pl.Utf8).alias("__s"))
            .drop_nulls("__s").group_by("__i").agg(pl.col("__s").unique())
            .filter(pl.col("__s").list.len() == 1).with_columns(pl.col("__s").list.first()))
    fill: list[str | None] = [None] * df.height
    for i, v in zip(said.get_column("__i").to_list(), said.get_column("__s").to_list()):
        fill[i] = v
    return df.with_columns(pl.coalesce(pl.col("sex"), pl.Series("__s", fill, dtype=pl.Utf8)).alias("sex"))


def _long_relatives(df: pl.DataFrame) -> pl.DataFrame:
    """claim_idx relation name birth_year source (claimed relatives and teknonyms)."""
    from reconcile.vn.names import teknonym_relatives

    rel = (df.select("claim_idx", "relatives").explode("relatives")
           .filter(pl.col("relatives").is_not_null()).unnest("relatives"))
    rel = rel.select("claim_idx", pl.col("relation").cast(pl.Utf8).str.to_lowercase(),
                     pl.col("name").cast(pl.Utf8), pl.col("birth_year").cast(pl.Int32),
                     pl.lit("claimed").alias("source"))
    tek = teknonym_relatives(df.select("claim_idx", "aliases"))
    tek = tek.select(pl.col("claim_idx").cast(pl.UInt32), pl.col("relation").cast(pl.Utf8),
                     pl.col("name").cast(pl.Utf8), pl.col("birth_year").cast(pl.Int32),
                     pl.lit("teknonym").alias("source"))
    crel = pl.concat([rel.with_columns(pl.col("claim_idx").cast(pl.UInt32)), tek])
    return crel.filter(pl.col("name").is_not_null() & (pl.col("name") != ""))


def _plain_aliases(df: pl.DataFrame) -> pl.DataFrame:
    from reconcile.vn.names import parse_alias

    al = (df.select("claim_idx", "ethnicity", pl.col("aliases").alias("alias")).explode("alias")
          .filter(pl.col("alias").is_not_null() & (pl.col("alias").str.strip_chars() != "")))
    tek = [a for a in al.get_column("alias").unique().to_list() if parse_alias(a) is not None]
    return al.filter(~pl.col("alias").is_in(tek))


def featurise_claims(claims, index) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The featurised claims frame (`claim_idx`, canonical columns, `c_` name features, `c_sex`,
    `c_ethnicity`, birth interval `c_by_*`, `c_zodiac_branch`, places `c_home_*` / `c_res_*`,
    `c_tf_fam c_tf_giv c_tf_full c_tf_addr`, alias lists `c_alias_*`) and the long frame of claimed
    relatives (`claim_idx relation name birth_year source` + `r_` name features)."""
    from reconcile.vn.dates import claim_birth_interval
    from reconcile.vn.places import place_features

    df = _teknonym_sex(_split_teknonym_names(_claims_frame(claims)))
    df = df.with_columns(pl.int_range(pl.len(), dtype=pl.UInt32).alias("claim_idx"))
    df = _codes.name_frame(df, "name", "ethnicity", "c_")
    df = df.with_columns(pl.col("sex").alias("c_sex"), pl.col("ethnicity").alias("c_ethnicity"))
    iv = claim_birth_interval(df.select("claim_idx", *[c for c in CLAIM_DTYPES if c != "relatives"]))
    df = df.with_columns(
        iv.get_column("by_lo").cast(pl.Int32).alias("c_by_lo"),
        iv.get_column("by_hi").cast(pl.Int32).alias("c_by_hi"),
        iv.get_column("by_best").cast(pl.Int32).alias("c_by_best"),
        iv.get_column("by_kind").alias("c_by_kind"),
        iv.get_column("zodiac_branch").cast(pl.Int8).alias("c_zodiac_branch"),
        iv.get_column("by_conflict").alias("c_by_conflict"))
    df = place_features(df, "claimed_hometown", prefix="c_home_")
    df = place_features(df, "residence", prefix="c_res_")
    df = _codes.village_frame(df, "residence", "c_res_")
    df = df.with_columns(_codes.place_text_expr("claimed_hometown", "c_home_"),
                         _codes.place_text_expr("residence", "c_res_"))
    for voc, short in (("fam_key", "fam"), ("giv_key", "giv"), ("fold", "full"), ("addr", "addr")):
        c = index.vocabs[voc].codes(df.get_column(f"c_{voc}"))
        df = df.with_columns(pl.Series(f"c_tf_{short}", np.where(
            c >= 0, index.arrays.tf[voc][np.maximum(c, 0)], 0).astype(np.uint32)))
    al = _codes.name_frame(_plain_aliases(df), "alias", "ethnicity", "a_")
    alias_cols = ("fold", "fam_key", "giv_key", "addr", "name_key")
    agg = al.group_by("claim_idx").agg(pl.col(f"a_{c}").alias(f"c_alias_{c}") for c in alias_cols)
    df = df.join(agg, on="claim_idx", how="left", maintain_order="left").with_columns(
        pl.col(f"c_alias_{c}").fill_null(pl.lit([], dtype=pl.List(pl.Utf8))) for c in alias_cols)
    crel = _long_relatives(df)
    crel = crel.join(df.select("claim_idx", pl.col("ethnicity").alias("c_eth_")), on="claim_idx",
                     how="left", maintain_order="left")
    crel = _codes.name_frame(crel, "name", "c_eth_", "r_").drop("c_eth_")
    crel = crel.sort("claim_idx", "relation", "name", maintain_order=True)
    return df, crel


def encode_claims(claims, index) -> ClaimArrays:
    """Encode a batch of claims (frame, path, list of dicts) against `index` (polars features)."""
    from reconcile.index.codes import Extension, sex_codes

    df, crel = featurise_claims(claims, index)
    n = df.height
    ext = Extension(index.vocabs)
    cols = _codes.encode_names(df, "c_", index.vocabs, ext)
    cols["sex"] = sex_codes(df.get_column("sex"))
    cols["eth"] = ext.codes("eth", df.get_column("ethnicity")).astype(np.int16)
    for k in ("lo", "hi", "best"):
        cols[f"by_{k}"] = df.get_column(f"c_by_{k}").fill_null(0).cast(pl.Int16).to_numpy()
    cols["by_kind"] = df.get_column("c_by_kind").replace_strict(BY_KIND, default=0, return_dtype=pl.Int8) \
        .fill_null(0).to_numpy()
    pdate = df.select(pl.col("birth_date").map_batches(_partial_dates, return_dtype=pl.Struct(
        {"m": pl.Int8, "d": pl.Int8}))).to_series()
    cols["bm"] = pdate.struct.field("m").fill_null(0).to_numpy()
    cols["bd"] = pdate.struct.field("d").fill_null(0).to_numpy()
    cols["zod"] = df.get_column("c_zodiac_branch").fill_null(-1).cast(pl.Int8).to_numpy()
    cols["by_conflict"] = df.get_column("c_by_conflict").fill_null(False).to_numpy().astype(bool)
    a = index.arrays
    for side in ("home", "res"):
        cols.update(_codes.encode_places(df, f"c_{side}_", side, index.vocabs, a.units_now,
                                         a.units_prov, ext))
    rec = df.get_column("recorded_on")
    rec = (rec.str.to_date(strict=False) if rec.dtype == pl.Utf8 else rec.cast(pl.Date, strict=False))
    cols["recorded_year"] = rec.dt.year().fill_null(0).cast(pl.Int16).to_numpy()
    names_adult = (crel.filter(pl.col("relation").is_in(["spouse", "child", "grandchild"]))
                   .get_column("claim_idx").to_numpy())
    adult = np.zeros(n, dtype=np.int8)
    adult[names_adult] = 1
    adult[(df.get_column("age").fill_null(0).to_numpy() >= ADULT_AGE)] = 1
    cols["adult"] = adult
    # aliases
    al = _codes.name_frame(_plain_aliases(df), "alias", "ethnicity", "a_")
    alias = {f: ext.codes(NAME_CODES[f], al.get_column(f"a_{f}")) for f in ALIAS_FEATURES}
    alias["offsets"] = _csr(al.get_column("claim_idx").cast(pl.Int64).to_numpy(), n)
    # claimed relatives
    crel = crel.filter(pl.col("relation").is_in(list(RELATION_CODE)))
    cr = _codes.encode_names(crel, "r_", index.vocabs, ext)
    out = {f: cr[f] for f in CREL_FEATURES}
    out["relation"] = crel.get_column("relation").replace_strict(RELATION_CODE, return_dtype=pl.UInt8).to_numpy()
    out["name"] = ext.codes("rel_name", crel.get_column("name"))
    out["by"] = crel.get_column("birth_year").fill_null(0).cast(pl.Int16).to_numpy()
    out["source"] = crel.get_column("source").replace_strict(CLAIM_REL_SOURCE, return_dtype=pl.UInt8).to_numpy()
    out["offsets"] = _csr(crel.get_column("claim_idx").cast(pl.Int64).to_numpy(), n)
    display = {k: df.get_column(k).cast(pl.Utf8).to_list() for k in DISPLAY}
    display["crel_name"] = crel.get_column("name").to_list()
    return ClaimArrays(cols=cols, alias=alias, crel=out, extra=ext.extra,
                       frame=df.select([c for c in ("claim_idx", *CLAIM_COLUMNS, "_row") if c in df.columns]),
                       claim_id=df.get_column("claim_id").cast(pl.Utf8).to_list(), display=display)


def partial_date(text: str | None) -> tuple[int | None, int | None, int | None] | None:
    """Scalar twin of `dates.partial_date_expr` (same forms, same rules): (year, month, day) with
    None for unknown parts; (None, None, None) for empty text; None when unparseable."""
    from reconcile.vn.dates import _DMY, _ISO, _ISO_T, _MY, MAX_YEAR, MIN_YEAR

    import calendar
    import re

    t = (text or "").strip()
    if not t:
        return (None, None, None)
    t = re.sub(_DMY, r"\3-\2-\1", t)
    t = re.sub(_MY, r"\2-\1", t)
    t = re.sub(_ISO_T, r"\1", t)
    g = re.match(_ISO, t)
    if not g:
        return None
    y = int(g.group(1))
    m = int(g.group(2)) if g.group(2) else None
    d = int(g.group(3)) if g.group(3) else None
    m = None if m == 0 else m
    d = None if d == 0 or m is None else d
    if not MIN_YEAR <= y <= MAX_YEAR or (m is not None and not 1 <= m <= 12):
        return None
    if d is not None and not 1 <= d <= calendar.monthrange(y, m)[1]:
        return None
    return (y, m, d)


def _month_day(text) -> tuple[int, int]:
    d = partial_date(text)
    return (d[1] or 0, d[2] or 0) if d else (0, 0)


def _partial_dates(s: pl.Series) -> pl.Series:
    md = {v: _month_day(v) for v in s.drop_nulls().unique().to_list()}
    out = [{"m": md[v][0], "d": md[v][1]} if v in md else {"m": 0, "d": 0} for v in s.to_list()]
    return pl.Series(s.name, out, dtype=pl.Struct({"m": pl.Int8, "d": pl.Int8}))


# ------------------------------------------------------------------------------------------------
# one claim (scalar functions only)
# ------------------------------------------------------------------------------------------------

_SEX_WORDS = {"m": "M", "nam": "M", "male": "M", "man": "M", "trai": "M", "con trai": "M",
              "dan ong": "M", "f": "F", "nu": "F", "female": "F", "woman": "F", "gai": "F",
              "con gai": "F", "dan ba": "F", "w": "F"}


def _clean(v) -> str | None:
    if v is None:
        return None
    if not isinstance(v, str):
        v = str(v)
    v = " ".join(unicodedata.normalize("NFC", v).split())
    return v or None


def _number(claim: dict, key: str, cid: str, integer: bool):
    v = claim.get(key)
    if v is None or v == "":
        return None
    try:
        x = float(v)
    except (TypeError, ValueError):
        raise BadValueError(f"{key} must be a number", source="claim", row=1, field=key,
                            value=str(v)[:40], hint=f"claim {cid}: write {key} as digits") from None
    if math.isnan(x):
        return None
    return int(x) if integer else x


@lru_cache(maxsize=100_000)
def name_parts(text: str | None, ethnicity: str | None) -> Mapping[str, object]:
    """The string name features of one name (as `codes.name_frame` gives for a column); a pure
    function of its arguments, memoised (read-only result)."""
    from reconcile.vn.names import parse_name
    from reconcile.vn.text import fold

    p = parse_name(text, ethnicity)
    toks = p.norm.split()
    fam, mid, giv = fold(p.family), fold(p.middle), fold(p.given)
    return MappingProxyType({
        "norm": p.norm, "fold": p.fold, "fam": fam, "mid": mid, "giv": giv, "fam_key": p.fam_key,
        "giv_key": p.giv_key, "name_key": p.name_key, "culture": p.culture, "ntok": len(toks),
        "addr": f"{mid} {giv}".strip(), "fam_norm": toks[0] if fam and toks else "",
        "giv_norm": toks[-1] if giv and toks else "", "sex_marker": _sex_marker(mid)})


def _sex_marker(mid: str) -> int:
    marks = {SEX_MARKERS.get(t, 0) for t in mid.split()}
    return 2 if 2 in marks else 1 if 1 in marks else 0


def birth_interval(claim: dict, ref_year: int | None = None) -> dict:
    """Scalar twin of `dates.claim_birth_interval` for one claim dict: by_lo, by_hi, by_best,
    by_kind, zodiac_branch, by_conflict."""
    from reconcile.vn.dates import BirthIntervalConfig
    from reconcile.vn.dates import PartialDate, lunar_year_options, parse_zodiac

    cfg = BirthIntervalConfig()
    pd_ = partial_date(claim.get("birth_date"))
    pdate = PartialDate(*pd_) if pd_ and pd_[0] is not None else None
    d_y = pdate.year if pdate else None
    by, bmin, bmax = claim.get("birth_year"), claim.get("birth_year_min"), claim.get("birth_year_max")
    age = claim.get("age")
    age = age if age is not None and age >= 0 else None
    rec = claim.get("recorded_on")
    ref = rec.year if rec else (ref_year or cfg.default_year or dt.date.today().year)
    frac = ((rec.timetuple().tm_yday - 1) / 365.0) if rec else 0.5
    z = parse_zodiac(claim.get("zodiac")) if claim.get("zodiac") else None
    b = z.branch if z else None
    stem = z.stem if z else None
    srcs = [(d_y, d_y), (by, by)]
    r_lo = (bmax - cfg.open_range_span) if bmin is None and bmax is not None else bmin
    r_hi = (bmin + cfg.open_range_span) if bmax is None and bmin is not None else bmax
    srcs.append((min(r_lo, r_hi), max(r_lo, r_hi)) if r_lo is not None and r_hi is not None else (None, None))
    age_best = None
    if age is not None:
        err = math.ceil(max(cfg.age_error_min, age * cfg.age_error_frac))
        ai = math.floor(age)
        srcs.append((ref - ai - 1 - err, ref - ai + err + (1 if cfg.counting_age else 0)))
        age_best = int(round(ref - age - (1.0 - frac)))      # half to even, as polars rounds
    los = [a for a, _ in srcs if a is not None]
    his = [h for _, h in srcs if h is not None]
    lo = max(los) if los else None
    hi = min(his) if his else None
    conflict = lo is not None and hi is not None and lo > hi
    if conflict:
        lo, hi = min(los), max(his)
    period = r1 = r2 = None
    if b is not None:
        k60 = next((b + 12 * j for j in range(5) if stem is not None and (b + 12 * j) % 10 == stem), None)
        period = 60 if k60 is not None else 12
        r1 = (k60 + 4) % 60 if k60 is not None else (b + 4) % 12
        r2 = (r1 + 1) % period
    lo2, hi2 = lo, hi
    if b is not None and lo is not None and hi is not None:
        z_lo = min(lo + ((r1 - lo) % period), lo + ((r2 - lo) % period))
        z_hi = max(hi - ((hi - r1) % period), hi - ((hi - r2) % period))
        if z_lo <= z_hi:
            lo2, hi2 = z_lo, z_hi
        else:
            conflict = True
    if b is not None and d_y is not None:
        opts = lunar_year_options(d_y, pdate.month, pdate.day)
        if b not in [(y - 4) % 12 for y in opts]:
            conflict = True
    best = d_y if d_y is not None else by
    if best is None and age_best is not None:
        ab = age_best if lo2 is None else min(max(age_best, lo2), hi2)
        if b is not None:
            for k in (0, -1, 1, -2, 2, -3, 3, -4, 4, -5, 5, -6, 6):
                x = ab + k
                if ((x - r1) % period == 0 or (x - r2) % period == 0) and lo2 <= x <= hi2:
                    ab = x
                    break
        best = ab
    if best is None and lo2 is not None and hi2 is not None and hi2 - lo2 <= 4:
        best = (lo2 + hi2) // 2
    kind = ("exact" if d_y is not None and pdate.day is not None else
            "year" if d_y is not None or by is not None else
            "range" if srcs[2][0] is not None else "age" if age is not None else
            "zodiac" if b is not None else "none")
    return {"by_lo": lo2, "by_hi": hi2, "by_best": best, "by_kind": kind, "zodiac_branch": b,
            "by_conflict": bool(conflict), "month": pdate.month if pdate else None,
            "day": pdate.day if pdate else None}


def _check(claim) -> dict:
    """A light check of one claim dict; raises the typed input errors `io.read_claims` raises."""
    if not isinstance(claim, dict):
        raise BadValueError("record is not an object/dict", source="claim", row=1,
                            hint="give one claim as a dict with claim_id and name")
    for k in ("claim_id", "name"):
        if k not in claim:
            raise MissingColumnError(f"required field '{k}' is missing", source="claim", row=1, field=k,
                                     hint="a claim needs claim_id and name")
    cid = _clean(claim.get("claim_id"))
    if cid is None:
        raise BadValueError("claim_id is empty", source="claim", row=1, field="claim_id",
                            hint="give every claim an id")
    out = {k: _clean(claim.get(k)) for k in ("name", "sex", "birth_date", "zodiac", "ethnicity",
                                              "claimed_hometown", "residence")}
    out["claim_id"] = cid
    for k in ("birth_year", "birth_year_min", "birth_year_max"):
        out[k] = _number(claim, k, cid, True)
    out["age"] = _number(claim, "age", cid, False)
    rec = claim.get("recorded_on")
    if isinstance(rec, str) and rec.strip():
        try:
            rec = dt.date.fromisoformat(rec.strip()[:10])
        except ValueError:
            raise BadValueError("recorded_on is not a date", source="claim", row=1, field="recorded_on",
                                value=rec[:40], hint=f"claim {cid}: write it as YYYY-MM-DD") from None
    out["recorded_on"] = rec if isinstance(rec, dt.date) else None
    if out["birth_date"] and partial_date(out["birth_date"]) is None:
        raise BadValueError("unparseable date", source="claim", row=1, field="birth_date",
                            value=out["birth_date"][:40],
                            hint=f"claim {cid}: use YYYY-MM-DD, YYYY-MM, YYYY, DD/MM/YYYY or 00/00/YYYY")
    aliases = claim.get("aliases") or []
    if isinstance(aliases, str):
        aliases = aliases.split(";")
    out["aliases"] = [a for a in (_clean(x) for x in aliases) if a]
    rels = claim.get("relatives") or []
    if not isinstance(rels, list) or not all(isinstance(r, dict) for r in rels):
        raise BadValueError("relatives must be a list of {relation, name, birth_year}", source="claim",
                            row=1, field="relatives", hint=f"claim {cid}")
    # the same relation words as read_claims ("bố" → father, "chú" → uncle_aunt), kept as written too
    out["relatives"] = [{"relation": canonical_relation(_clean(r.get("relation")) or ""),
                         "name": _clean(r.get("name")), "birth_year": _number(r, "birth_year", cid, True),
                         "relation_text": _clean(r.get("relation"))} for r in rels]
    return out


def encode_claim(claim: dict, index) -> ClaimArrays:
    """Encode one claim dict against `index` with scalar functions (no polars query)."""
    return encode_claim_dicts([claim], index)


def encode_claim_dicts(claims: list[dict], index) -> ClaimArrays:
    """Encode a few claim dicts with the scalar functions into one `ClaimArrays` (one shared
    extension), e.g. a claim's pseudo-claims for its relatives."""
    from reconcile.index.codes import Extension

    ext = Extension(index.vocabs)
    parts = [_encode_one(c, index, ext) for c in claims]
    cols = {k: np.concatenate([p[0][k] for p in parts]) for k in parts[0][0]} if parts else {}

    def csr(j: int) -> dict[str, np.ndarray]:
        out = {k: np.concatenate([p[j][k] for p in parts]) for k in parts[0][j] if k != "offsets"}
        sizes = [int(p[j]["offsets"][1]) for p in parts]
        out["offsets"] = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        return out

    display = {k: [v for p in parts for v in p[3][k]] for k in parts[0][3]} if parts else {}
    return ClaimArrays(cols=cols, alias=csr(1) if parts else {}, crel=csr(2) if parts else {},
                       extra=ext.extra, frame=pl.DataFrame(),
                       claim_id=[p[4] for p in parts], display=display)


def _encode_one(claim: dict, index, ext) -> tuple[dict, dict, dict, dict, str]:
    """(cols, alias, crel, display, claim_id) of one claim dict, codes through `ext`."""
    from reconcile.io.read import _canonical_ethnicity_value
    from reconcile.vn.names import parse_alias
    from reconcile.vn.places import _VILLAGE_PART, resolve, village_key
    from reconcile.vn.text import fold

    import re

    c = _check(claim)
    eth = _canonical_ethnicity_value(c["ethnicity"]) if c["ethnicity"] else None
    aliases = list(c["aliases"])
    name = c["name"]
    if name_is_teknonym(name):
        aliases.append(name)
        name = None
    cols: dict[str, np.ndarray] = {}
    parts = name_parts(name, eth)
    for feat, voc in NAME_CODES.items():
        cols[feat] = np.array([ext.code(voc, parts[feat])], dtype=np.int32)
    cols["ntok"] = np.array([parts["ntok"]], dtype=np.int8)
    cols["culture"] = np.array([CULTURE_CODE.get(parts["culture"], 0)], dtype=np.int8)
    cols["sex_marker"] = np.array([parts["sex_marker"]], dtype=np.int8)
    sex = _SEX_WORDS.get(fold(c["sex"])) if c["sex"] else teknonym_sex(aliases)
    cols["sex"] = np.array([SEX_CODE.get(sex, 0)], dtype=np.int8)
    cols["eth"] = np.array([ext.code("eth", eth)], dtype=np.int16)
    iv = birth_interval(c)
    for k in ("lo", "hi", "best"):
        cols[f"by_{k}"] = np.array([iv[f"by_{k}"] or 0], dtype=np.int16)
    cols["by_kind"] = np.array([BY_KIND[iv["by_kind"]]], dtype=np.int8)
    cols["bm"] = np.array([iv["month"] or 0], dtype=np.int8)
    cols["bd"] = np.array([iv["day"] or 0], dtype=np.int8)
    cols["zod"] = np.array([-1 if iv["zodiac_branch"] is None else iv["zodiac_branch"]], dtype=np.int8)
    cols["by_conflict"] = np.array([iv["by_conflict"]], dtype=bool)
    a = index.arrays
    for side, text in (("home", c["claimed_hometown"]), ("res", c["residence"])):
        r = resolve(re.sub(_VILLAGE_PART, r"\g<c>", text)) if text else None
        now = prov0 = prov1 = 0
        if r is not None:
            for u in r.now:
                if u in a.units_now:
                    now |= 1 << a.units_now.index(u)
            for u in r.units:
                if u in a.units_prov:
                    i = a.units_prov.index(u)
                    if i < 64:
                        prov0 |= 1 << i
                    else:
                        prov1 |= 1 << (i - 64)
        cols[f"{side}_now"] = np.array([now], dtype=np.uint64)
        cols[f"{side}_prov0"] = np.array([prov0], dtype=np.uint64)
        cols[f"{side}_prov1"] = np.array([prov1], dtype=np.uint64)
        cols[f"{side}_district"] = np.array([ext.code("district", r.district if r else None)], dtype=np.int32)
        cols[f"{side}_commune"] = np.array([ext.code("commune", r.commune if r else None)], dtype=np.int32)
        cols[f"{side}_amb"] = np.array([bool(r.ambiguous) if r else False])
        cols[f"{side}_text"] = np.array([ext.code("place_text", fold(text) if text else None)],
                                        dtype=np.int32)
        if side in VILLAGE_SIDES and "village" in index.vocabs:
            cols[f"{side}_village"] = np.array([ext.code("village", village_key(text))], dtype=np.int32)
    cols["recorded_year"] = np.array([c["recorded_on"].year if c["recorded_on"] else 0], dtype=np.int16)
    rels = [dict(r, source="claimed") for r in c["relatives"] if r["name"]]
    plain = []
    for al in aliases:
        t = parse_alias(al)
        if t is not None:
            rels.append({"relation": t.relation, "name": t.name, "birth_year": None, "source": "teknonym"})
        else:
            plain.append(al)
    age = c["age"]
    adult = any(r["relation"] in ("spouse", "child", "grandchild") for r in rels) or (
        age is not None and age >= ADULT_AGE)
    cols["adult"] = np.array([1 if adult else 0], dtype=np.int8)
    ap = [name_parts(al, eth) for al in plain]
    alias = {f: np.array([ext.code(NAME_CODES[f], p[f]) for p in ap], dtype=np.int32)
             for f in ALIAS_FEATURES}
    alias["offsets"] = np.array([0, len(ap)], dtype=np.int64)
    rels = sorted((r for r in rels if r["relation"] in RELATION_CODE),
                  key=lambda r: (r["relation"], r["name"]))
    rp = [name_parts(r["name"], eth) for r in rels]
    crel: dict[str, np.ndarray] = {}
    for f in CREL_FEATURES:
        if f in ("ntok", "sex_marker"):
            crel[f] = np.array([p[f] for p in rp], dtype=np.int8)
        else:
            crel[f] = np.array([ext.code(NAME_CODES[f], p[f]) for p in rp], dtype=np.int32)
    crel["relation"] = np.array([RELATION_CODE[r["relation"]] for r in rels], dtype=np.uint8)
    crel["name"] = np.array([ext.code("rel_name", r["name"]) for r in rels], dtype=np.int32)
    crel["by"] = np.array([r["birth_year"] or 0 for r in rels], dtype=np.int16)
    crel["source"] = np.array([CLAIM_REL_SOURCE[r["source"]] for r in rels], dtype=np.uint8)
    crel["offsets"] = np.array([0, len(rels)], dtype=np.int64)
    display = {k: [c[k]] for k in DISPLAY}
    display["name"] = [c["name"]]
    display["crel_name"] = [r["name"] for r in rels]
    return cols, alias, crel, display, c["claim_id"]
