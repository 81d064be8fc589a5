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
Stored as two frames, because relatives' names repeat a lot (a few per cent are distinct):
`Index.kin_edges` (`pidx relation name_id birth_year rel_pidx confidence source`) and
`Index.kin_names` (`name_id` UInt32 = row, `name`, the `r_` features, one row per distinct name);
`Index.kin` joins them on first use and caches the result on the Index.
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

Name, place and date features come from `names`, `places` and `dates`, computed once per distinct
value and joined back; relatives from `kinship.person_relatives`.
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
FORMAT_VERSION = 2      # 2: relatives' name features in kin_names.parquet, joined by name_id
FILES = ("people.parquet", "name_tf.parquet", "kin_edges.parquet", "kin_names.parquet", "model.json")
KIN_COLUMNS = ("pidx", "relation", "name", "birth_year", "rel_pidx", "confidence", "source")
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
    kin_edges: pl.DataFrame
    tf: pl.DataFrame
    params: dict = dataclasses.field(default_factory=dict)
    manifest: dict = dataclasses.field(default_factory=dict)
    kin_names: pl.DataFrame | None = None
    _cache: dict = dataclasses.field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def n_people(self) -> int:
        return self.people.height

    @property
    def kin(self) -> pl.DataFrame:
        """Known relatives with the `r_` name features of their names (module docstring), joined
        from `kin_edges` and `kin_names` on first use and cached on this Index."""
        if "index.kin" not in self._cache:
            self._cache["index.kin"] = _join_kin(self.kin_edges, self.kin_names)
        return self._cache["index.kin"]

    def with_params(self, params: dict) -> "Index":
        """A copy sharing the frames, with new model parameters (must be JSON-serialisable)."""
        json.dumps(params)
        new = dataclasses.replace(self, params=dict(params), manifest=dict(self.manifest))
        if "index.kin" in self._cache:          # the joined relatives frame is shared too
            new._cache["index.kin"] = self._cache["index.kin"]
        return new

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
        return f"Index(people={self.people.height:,}, kin={self.kin_edges.height:,}, tf={self.tf.height:,})"


# --------------------------------------------------------------------------------------------
# Features from the names, places and dates modules, computed on distinct values
# --------------------------------------------------------------------------------------------

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


def _name_features(df: pl.DataFrame, name_col: str, ethnicity_col: str | None,
                   prefix: str) -> pl.DataFrame:
    """`names.name_features` plus `<prefix>addr` (folded middle + given)."""
    from reconcile.names import name_features

    p = prefix
    eth = ethnicity_col if ethnicity_col and ethnicity_col in df.columns else None

    def fn(frame: pl.DataFrame) -> pl.DataFrame:
        out = name_features(frame, name_col, ethnicity_col=eth, prefix=p)
        addr = (pl.concat_str([pl.col(f"{p}mid").fill_null(""), pl.col(f"{p}giv").fill_null("")],
                              separator=" ").str.strip_chars())
        return out.with_columns(addr.alias(f"{p}addr"))

    return _on_distinct(df, [name_col] + ([eth] if eth else []), fn)


def _place_features(df: pl.DataFrame, col: str, prefix: str) -> pl.DataFrame:
    from reconcile.places import place_features

    if col not in df.columns:
        df = df.with_columns(pl.lit(None, dtype=pl.Utf8).alias(col))
    return _on_distinct(df, [col], lambda frame: place_features(frame, col, prefix=prefix))


def _branches_expr(columns) -> pl.Expr:
    from reconcile.dates import possible_branches_expr

    day = "birth_day" if "birth_day" in columns else None
    return possible_branches_expr("birth_year", "birth_month", day)


def _is_teknonym(aliases: pl.Series) -> pl.Series:
    """True where an alias names the claimant through a relative ("bố Súa"), not a name."""
    from reconcile.names import parse_alias

    tek = [a for a in aliases.unique().to_list() if parse_alias(a) is not None]
    return aliases.is_in(tek)


# --------------------------------------------------------------------------------------------
# Build
# --------------------------------------------------------------------------------------------

def _is_canonical(df) -> bool:
    return isinstance(df, pl.DataFrame) and "_row" in df.columns and "birth_year" in df.columns


def _read_population(population, columns) -> pl.DataFrame:
    """A frame from `io.read_population` is used as is; anything else goes through it."""
    if _is_canonical(population) and not columns:
        return population
    from reconcile.io import read_population

    return read_population(population, columns=columns)


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
    steps = 7
    say("index", 0, steps)
    pop = _read_population(population, columns)
    if pop.height == 0:
        raise ReconcileInputError("the population table has no rows",
                                  hint="check the file; an index needs at least one person")
    if "birth_month" not in pop.columns:
        pop = pop.with_columns(pl.lit(None, dtype=pl.Int8).alias("birth_month"))
    people = pop.with_columns(pl.int_range(pl.len(), dtype=pl.UInt32).alias("pidx"))
    say("index", 1, steps)
    people = _name_features(people, "full_name", "ethnicity", "p_")
    say("index", 2, steps)
    people = people.with_columns(
        pl.col("sex").alias("p_sex"), pl.col("ethnicity").alias("p_ethnicity"),
        pl.col("birth_year").cast(pl.Int32).alias("p_birth_year"),
        _branches_expr(people.columns).cast(pl.List(pl.Int8)).alias("p_zodiac_branches"),
    )
    people = _place_features(people, "hometown", "p_home_")
    people = _place_features(people, "residence", "p_res_")
    say("index", 3, steps)
    tf = _tf_tables(people)
    people = _attach_tf(people, tf, "p_")
    say("index", 4, steps)
    from reconcile.kinship import person_relatives

    kin_edges, kin_names = _split_kin(person_relatives(people))
    say("index", 5, steps)
    manifest = {
        "format": FORMAT_NAME, "format_version": FORMAT_VERSION,
        "library_version": _lib_version(),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "rows": {"people": people.height, "kin": kin_edges.height, "kin_names": kin_names.height,
                 "tf": tf.height},
        "n_people": people.height,
    }
    say("index", steps, steps)
    return Index(people=people, kin_edges=kin_edges, tf=tf, params={}, manifest=manifest,
                 kin_names=kin_names)


def _split_kin(kin: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """`person_relatives` rows → (edges with a `name_id`, distinct names with `r_` features).

    Name features are computed once per distinct name and kept in the small names frame instead
    of being repeated on millions of relative rows."""
    kin = kin.with_columns(pl.col("pidx").cast(pl.UInt32), pl.col("rel_pidx").cast(pl.UInt32),
                           pl.col("birth_year").cast(pl.Int16))
    names = kin.select("name").unique(maintain_order=True).with_row_index("name_id")
    names = _name_features(names, "name", None, "r_")
    edges = kin.join(names.select("name", "name_id"), on="name", how="left", nulls_equal=True,
                     maintain_order="left")
    edges = edges.select("pidx", "relation", "name_id", "birth_year", "rel_pidx", "confidence", "source")
    return edges, names


def _join_kin(edges: pl.DataFrame, names: pl.DataFrame | None) -> pl.DataFrame:
    """The one relatives frame (`KIN_COLUMNS` + `r_` features) from edges and names."""
    if names is None or "name_id" not in edges.columns:      # already one frame
        return edges
    r_cols = [c for c in names.columns if c not in ("name_id", "name")]
    out = edges.join(names, on="name_id", how="left", maintain_order="left")
    return out.select(*KIN_COLUMNS, *r_cols)


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
    """A frame from `io.read_claims` is used as is; anything else (path, dicts, raw frames) goes
    through it."""
    if isinstance(claims, pl.DataFrame) and "_row" in claims.columns:
        df = claims
    else:
        from reconcile.io import read_claims

        df = read_claims(claims)
    for c, t in _CLAIM_COLUMNS.items():
        if c not in df.columns:
            df = df.with_columns(pl.lit(None, dtype=t).alias(c))
    return df


def featurise_claims(claims, index: Index) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Claim-side features (see module docstring) and the long frame of claimed relatives."""
    from reconcile.dates import claim_birth_interval
    from reconcile.names import teknonym_relatives

    df = _claims_frame(claims)
    df = df.with_columns(pl.int_range(pl.len(), dtype=pl.UInt32).alias("claim_idx"))
    df = _name_features(df, "name", "ethnicity", "c_")
    df = df.with_columns(pl.col("sex").alias("c_sex"), pl.col("ethnicity").alias("c_ethnicity"))
    iv = claim_birth_interval(df.select("claim_idx", *[c for c in _CLAIM_COLUMNS if c in df.columns]))
    if "by_conflict" not in iv.columns:
        iv = iv.with_columns(pl.lit(False).alias("by_conflict"))
    iv = iv.select("claim_idx", *[pl.col(c).alias(f"c_{c}") for c in
                                  ("by_lo", "by_hi", "by_best", "by_kind", "zodiac_branch",
                                   "by_conflict")])
    df = df.join(iv, on="claim_idx", how="left").with_columns(
        pl.col("c_by_lo").cast(pl.Int32), pl.col("c_by_hi").cast(pl.Int32),
        pl.col("c_by_best").cast(pl.Int32), pl.col("c_zodiac_branch").cast(pl.Int8))
    df = _place_features(df, "claimed_hometown", "c_home_")
    df = _place_features(df, "residence", "c_res_")
    df = _attach_tf(df, index.tf, "c_")

    # teknonyms ("bố Súa") become relatives; the other aliases are names of the claimant
    tek = teknonym_relatives(df.select("claim_idx", "aliases"))
    al = (df.select("claim_idx", "c_ethnicity", pl.col("aliases").alias("alias")).explode("alias")
          .filter(pl.col("alias").is_not_null() & (pl.col("alias").str.strip_chars() != "")))
    al = al.filter(~_is_teknonym(al["alias"]))
    al = _name_features(al, "alias", "c_ethnicity", "a_")
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
    crel = _name_features(crel, "name", "c_ethnicity", "r_").drop("c_ethnicity")
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
        edges, names = index.kin_edges, index.kin_names
        if names is None:                       # an Index made by hand with one relatives frame
            edges, names = _split_kin(edges.select(KIN_COLUMNS))
        edges.write_parquet(tmp / "kin_edges.parquet", statistics=False)
        names.write_parquet(tmp / "kin_names.parquet", statistics=False)
        (tmp / "model.json").write_text(
            json.dumps(index.params, ensure_ascii=False, sort_keys=True, indent=1), "utf-8")
        manifest = {k: v for k, v in index.manifest.items() if k not in ("files",)}
        manifest.update({"format": FORMAT_NAME, "format_version": FORMAT_VERSION,
                         "library_version": _lib_version(),
                         "rows": {"people": index.people.height, "kin": edges.height,
                                  "kin_names": names.height, "tf": index.tf.height},
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
        kin_names = pl.read_parquet(path / "kin_names.parquet")
        params = json.loads((path / "model.json").read_text("utf-8"))
    except Exception as exc:  # noqa: BLE001 - any reader failure means a damaged index
        raise IndexFormatError(f"{path}: cannot read the index ({exc.__class__.__name__}). {_FIX}") from None
    rows = manifest.get("rows", {})
    for name, frame in (("people", people), ("kin", kin), ("kin_names", kin_names), ("tf", tf)):
        if rows.get(name) != frame.height:
            raise IndexFormatError(f"{path}: {name} has {frame.height} rows, manifest says "
                                   f"{rows.get(name)}. {_FIX}")
    return Index(people=people, kin_edges=kin, tf=tf, params=params, manifest=manifest,
                 kin_names=kin_names)
