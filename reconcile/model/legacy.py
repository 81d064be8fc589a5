"""Fellegi–Sunter scoring: comparison levels, m/u weights, term-frequency adjustment, EM, posterior with "none of them".

Owns
- the comparison levels of every field (`FIELDS`; level 0 is always "missing": weight 0),
- `relative_features(pairs, claim_relatives, kin)`: best similarity between each claimed relative and
  the candidate's recorded relatives of a fitting relation and age (hlink style),
- `score_pairs(pairs_with_features, params)`: a pure function, frame in → `lvl_<field>`, `w_<field>`,
  `weight` out (no index object, no global state: it can run partition by partition),
- `posterior(scored, params, n_people)`: calibrated, competitor-aware probabilities with "none of them",
- `estimate_u(levels)`, `em(levels, ...)`, `fit_calibration(...)`: training pieces (see `train`).

Parameters are a JSON-serialisable dict (`default_params()`, from `reconcile/data/model_defaults.json`):
`m` / `u` {field: [p per level]}, `tf` settings, `prior_in_register`, `miss_rate`, `calibration`.
Weights are log2 Bayes factors.
"""

from __future__ import annotations

import copy
import json
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import polars as pl

from reconcile.names import phonetic_key_expr
from reconcile.places import compatibility_expr

RELATIONS = ("father", "mother", "spouse", "child", "sibling")


@dataclass(frozen=True)
class Field:
    name: str
    levels: tuple[str, ...]          # level names; index = level code; 0 = missing
    neutral: tuple[int, ...] = (0,)  # levels that never carry weight (missing / nothing recorded)
    tf: str | None = None            # "fam" / "giv": term-frequency adjusted name levels
    tf_levels: tuple[int, ...] = ()  # levels using the value's own frequency
    tf_fuzzy: tuple[int, ...] = ()   # levels using max(claim, person) frequency, half weight


FIELDS: tuple[Field, ...] = (
    Field("fam", ("missing", "exact", "folded", "variant", "phonetic", "fuzzy", "different"),
          tf="fam", tf_levels=(1, 2, 3), tf_fuzzy=(4, 5)),
    Field("mid", ("missing", "same", "different")),
    Field("giv", ("missing", "exact", "folded", "phonetic", "fuzzy_high", "fuzzy_low", "different"),
          tf="giv", tf_levels=(1, 2, 3), tf_fuzzy=(4, 5)),
    Field("by", ("missing", "exact", "within_1", "in_narrow", "in_wide", "near", "far")),
    Field("zod", ("missing", "agree", "disagree")),
    Field("sex", ("missing", "agree", "disagree")),
    Field("eth", ("missing", "agree", "disagree")),
    Field("home", ("missing", "same_commune", "same_unit", "compatible", "incompatible")),
    Field("res", ("missing", "same_commune", "same_unit", "compatible", "incompatible")),
) + tuple(Field(r, ("not_claimed", "strong", "weak", "not_recorded", "different"), neutral=(0, 3))
          for r in RELATIONS)
FIELD_BY_NAME = {f.name: f for f in FIELDS}

# similarity thresholds (rapidfuzz Jaro–Winkler on folded text, 0..1)
FAM_FUZZY = 0.88
GIV_FUZZY_HIGH = 0.90
GIV_FUZZY_LOW = 0.80
REL_STRONG = 0.93
REL_WEAK = 0.80
REL_AGE_SLACK = 3
NARROW_INTERVAL = 6


# ------------------------------------------------------------------------------------------------
# Parameters
# ------------------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _defaults_text() -> str:
    return resources.files("reconcile.data").joinpath("model_defaults_legacy.json").read_text("utf-8")


def default_params() -> dict:
    """A fresh copy of the packaged parameters (m, u, TF settings, prior, calibration)."""
    params = json.loads(_defaults_text())
    check_params(params)
    return params


def check_params(params: dict) -> None:
    """Raise ValueError naming the field when m/u tables do not fit FIELDS."""
    for key in ("m", "u"):
        table = params.get(key, {})
        for f in FIELDS:
            probs = table.get(f.name)
            if probs is None or len(probs) != len(f.levels):
                raise ValueError(f"model parameters: {key}[{f.name!r}] must list {len(f.levels)} "
                                 f"probabilities ({', '.join(f.levels)}); got {probs!r}. Fix: rebuild "
                                 "reconcile/data/model_defaults.json with benchmarks/bench_match.py "
                                 "--write-defaults or retrain with model.train")


def level_weights(params: dict) -> dict[str, list[float]]:
    """log2(m/u) per field and level; neutral levels are 0."""
    out = {}
    floor = 1e-6
    for f in FIELDS:
        m, u = params["m"][f.name], params["u"][f.name]
        out[f.name] = [0.0 if i in f.neutral else
                       math.log2(max(m[i], floor) / max(u[i], floor)) for i in range(len(f.levels))]
    return out


# ------------------------------------------------------------------------------------------------
# Similarities (rapidfuzz on distinct value pairs only)
# ------------------------------------------------------------------------------------------------

def _jw_join(df: pl.DataFrame, a: str, b: str, out: str) -> pl.DataFrame:
    """Add `out` = Jaro–Winkler similarity of columns a, b (computed once per distinct pair)."""
    from rapidfuzz import process
    from rapidfuzz.distance import JaroWinkler

    key = df.select(pl.col(a).fill_null("").alias("_a"), pl.col(b).fill_null("").alias("_b"))
    uniq = key.unique(maintain_order=True)
    if uniq.height:
        sims = process.cpdist(uniq["_a"].to_list(), uniq["_b"].to_list(),
                              scorer=JaroWinkler.normalized_similarity, workers=1)
        uniq = uniq.with_columns(pl.Series(out, sims, dtype=pl.Float32))
    else:
        uniq = uniq.with_columns(pl.lit(None, dtype=pl.Float32).alias(out))
    sim = key.join(uniq, on=["_a", "_b"], how="left", maintain_order="left")[out]
    return df.with_columns(sim.alias(out))


def _distinct_map(df: pl.DataFrame, col: str, out: str, fn) -> pl.DataFrame:
    """Add `out` = fn(col), computed once per distinct value (names repeat a lot)."""
    uniq = df.select(pl.col(col).unique())
    uniq = uniq.with_columns(fn(pl.col(col)).alias(out))
    return df.join(uniq, on=col, how="left", nulls_equal=True, maintain_order="left")


def _first_tok(col: str) -> pl.Expr:
    return pl.col(col).fill_null("").str.split(" ").list.first()


def _last_tok(col: str) -> pl.Expr:
    return pl.col(col).fill_null("").str.split(" ").list.last()


def _empty(col: str) -> pl.Expr:
    return pl.col(col).is_null() | (pl.col(col) == "")


# ------------------------------------------------------------------------------------------------
# Relatives (hlink-style best similarity among relatives of a fitting relation and age)
# ------------------------------------------------------------------------------------------------

REL_COLUMNS = tuple(f"rel_{r}_{s}" for r in RELATIONS
                    for s in ("sim", "nrec", "cname", "pname", "tf"))


def relative_features(pairs: pl.DataFrame, claim_relatives: pl.DataFrame,
                      kin: pl.DataFrame, tf: pl.DataFrame | None = None) -> pl.DataFrame:
    """Per (claim_idx, pidx) of `pairs` and per relation: `rel_<r>_sim` (Float32 best similarity of a
    claimed relative to a recorded one, null when that relation is not claimed), `rel_<r>_nrec`
    (UInt32 recorded relatives of that kind), `rel_<r>_cname` / `rel_<r>_pname` (the best pair's names),
    `rel_<r>_tf` (UInt32: register count of the best pair's name, from `tf` (kind/value/count) when
    given: the full folded name, or the given-name key for a relative named by given name only).

    `claim_relatives`: claim_idx relation name birth_year r_fold r_fam_key r_giv_key r_ntok …;
    `kin`: pidx relation name birth_year r_fold r_fam_key r_giv_key r_ntok … (DESIGN.md frames).
    """
    keys = pairs.select(pl.col("claim_idx").cast(pl.UInt32), pl.col("pidx").cast(pl.UInt32)).unique()
    cr = claim_relatives.filter(pl.col("relation").is_in(RELATIONS)).select(
        pl.col("claim_idx").cast(pl.UInt32), "relation",
        pl.col("name").alias("cname"), pl.col("birth_year").cast(pl.Int32).alias("cby"),
        pl.col("r_fold").alias("cfold"), pl.col("r_fam_key").alias("cfam"),
        pl.col("r_giv_key").alias("cgiv"), pl.col("r_giv").alias("cgivf"),
        pl.col("r_ntok").cast(pl.Int8).alias("cnt"))
    kn = kin.filter(pl.col("relation").is_in(RELATIONS)).select(
        pl.col("pidx").cast(pl.UInt32), "relation",
        pl.col("name").alias("pname"), pl.col("birth_year").cast(pl.Int32).alias("pby"),
        pl.col("r_fold").alias("pfold"), pl.col("r_fam_key").alias("pfam"),
        pl.col("r_giv_key").alias("pgiv"), pl.col("r_giv").alias("pgivf"))
    kn = kn.join(keys.select("pidx").unique(), on="pidx", how="semi")
    nrec = kn.group_by("pidx", "relation").agg(pl.len().cast(pl.UInt32).alias("nrec"))

    claimed = keys.join(cr, on="claim_idx", how="inner")
    x = claimed.join(kn, on=["pidx", "relation"], how="inner")
    if x.height:
        # string similarity only where the names could be close (same clan key, same given-name key
        # or same first letters of the given name); the rest are different names (similarity 0)
        close = ((pl.col("cfam") == pl.col("pfam")) | (pl.col("cgiv") == pl.col("pgiv"))
                 | (pl.col("cgivf").str.slice(0, 2) == pl.col("pgivf").str.slice(0, 2))).fill_null(False)
        x = x.with_columns(close.alias("_close"))
        far = x.filter(~pl.col("_close")).with_columns(pl.lit(0.0, dtype=pl.Float32).alias("_jw_full"),
                                                       pl.lit(0.0, dtype=pl.Float32).alias("_jw_giv"))
        x = x.filter(pl.col("_close"))
        x = _jw_join(x, "cfold", "pfold", "_jw_full")
        x = _jw_join(x, "cgivf", "pgivf", "_jw_giv")
        x = pl.concat([x, far], how="vertical_relaxed")
        same_keys = (pl.col("cfam") == pl.col("pfam")) & (pl.col("cgiv") == pl.col("pgiv"))
        # Whole-name Jaro–Winkler is dominated by the shared "Lầu Seo" / "Nguyễn Văn" prefix of one
        # family, so a relative's full name agrees only as far as the GIVEN name does.
        giv_agree = pl.when(pl.col("cgiv") == pl.col("pgiv")).then(pl.lit(1.0)) \
            .otherwise(pl.col("_jw_giv"))
        full = pl.when(same_keys.fill_null(False)).then(pl.max_horizontal(pl.col("_jw_full"), 0.95)) \
            .otherwise(pl.min_horizontal(pl.col("_jw_full"), giv_agree))
        # a relative given by given name only ("mẹ Páo" → child Páo) can at best agree weakly
        giv_only = pl.when(pl.col("cgiv") == pl.col("pgiv")).then(pl.lit(0.88)) \
            .otherwise(pl.col("_jw_giv") * 0.9)
        # another surname or clan ("Lâm Văn Thắng" / "Lý Văn Thắng") is at best a weak agreement
        fam_differs = ((pl.col("cfam") != pl.col("pfam")) & (pl.col("cfam") != "")
                       & (pl.col("pfam") != "")).fill_null(False)
        full = pl.when(fam_differs).then(full * 0.85).otherwise(full)
        sim = pl.when(pl.col("cnt") <= 1).then(giv_only).otherwise(full)
        age_bad = (pl.col("cby").is_not_null() & pl.col("pby").is_not_null()
                   & ((pl.col("cby") - pl.col("pby")).abs() > REL_AGE_SLACK))
        sim = pl.when(age_bad).then(sim * 0.6).otherwise(sim)
        x = x.with_columns(sim.cast(pl.Float32).alias("sim"))
        x = x.with_columns(pl.col("sim").max().over("claim_idx", "pidx", "relation").alias("_mx"))
        best = (x.filter(pl.col("sim") == pl.col("_mx"))
                .sort(["claim_idx", "pidx", "relation", "cname", "pname"])
                .group_by(["claim_idx", "pidx", "relation"], maintain_order=True).first())
        if tf is not None:
            t_full = tf.filter(pl.col("kind") == "fold").select("value", "count")
            t_giv = tf.filter(pl.col("kind") == "giv_key").select("value", "count")
            best = (best.join(t_full.rename({"value": "cfold", "count": "_tc"}), on="cfold", how="left")
                    .join(t_full.rename({"value": "pfold", "count": "_tp"}), on="pfold", how="left")
                    .join(t_giv.rename({"value": "cgiv", "count": "_tg"}), on="cgiv", how="left"))
            rtf = pl.when(pl.col("cnt") <= 1).then(pl.col("_tg")).otherwise(
                pl.max_horizontal(pl.col("_tc"), pl.col("_tp")))
            best = best.with_columns(rtf.fill_null(0).cast(pl.UInt32).alias("tf"))
        else:
            best = best.with_columns(pl.lit(None, dtype=pl.UInt32).alias("tf"))
        best = best.select("claim_idx", "pidx", "relation", "sim", "cname", "pname", "tf")
    else:
        best = pl.DataFrame(schema={"claim_idx": pl.UInt32, "pidx": pl.UInt32, "relation": pl.Utf8,
                                    "sim": pl.Float32, "cname": pl.Utf8, "pname": pl.Utf8,
                                    "tf": pl.UInt32})
    # claimed relations with nothing recorded: sim 0 (level decided by nrec), name of claimed relative
    claimed_rel = claimed.group_by("claim_idx", "pidx", "relation").agg(
        pl.col("cname").sort().first().alias("cname0"))
    long = (claimed_rel.join(best, on=["claim_idx", "pidx", "relation"], how="left")
            .join(nrec, on=["pidx", "relation"], how="left")
            .with_columns(pl.col("sim").fill_null(0.0), pl.col("nrec").fill_null(0),
                          pl.coalesce("cname", "cname0").alias("cname")))
    result = keys
    for r in RELATIONS:
        part = long.filter(pl.col("relation") == r).select(
            "claim_idx", "pidx", pl.col("sim").alias(f"rel_{r}_sim"),
            pl.col("nrec").alias(f"rel_{r}_nrec"), pl.col("cname").alias(f"rel_{r}_cname"),
            pl.col("pname").alias(f"rel_{r}_pname"), pl.col("tf").alias(f"rel_{r}_tf"))
        result = result.join(part, on=["claim_idx", "pidx"], how="left")
    # recorded counts for relations not claimed (not needed for scoring; keep 0)
    return result.with_columns(pl.col(f"rel_{r}_nrec").fill_null(0).cast(pl.UInt32) for r in RELATIONS)


# ------------------------------------------------------------------------------------------------
# Comparison levels
# ------------------------------------------------------------------------------------------------

def _place_level(prefix_c: str, prefix_p: str) -> pl.Expr:
    """0 missing, 1 same commune, 2 same unit/district, 3 lineage-compatible, 4 incompatible."""
    args = dict(a_district_col=f"{prefix_c}district", b_district_col=f"{prefix_p}district",
                a_commune_col=f"{prefix_c}commune", b_commune_col=f"{prefix_p}commune")
    comp = compatibility_expr(f"{prefix_c}now", f"{prefix_p}now", f"{prefix_c}prov",
                              f"{prefix_p}prov", **args)
    return (pl.when(comp.is_null() | (comp < 0)).then(0).when(comp == 3).then(1)
            .when(comp == 2).then(2).when(comp == 1).then(3).otherwise(4)).cast(pl.Int8)


def phonetic_key(e: pl.Expr) -> pl.Expr:
    """Vietnamese dialect key of a folded syllable: the `loose` key of `reconcile.names`."""
    return phonetic_key_expr(e.fill_null(""), level="loose", folded=True)


def _in_list(value: str, lst: str) -> pl.Expr:
    return pl.col(lst).list.contains(pl.col(value)).fill_null(False)


def comparison_levels(df: pl.DataFrame) -> pl.DataFrame:
    """Add `lvl_<field>` (Int8) for every field, and the name similarities `sim_fam`, `sim_giv`.

    Needs the claim (`c_`) and person (`p_`) feature columns of DESIGN.md and the `rel_*` columns of
    `relative_features` (absent relative columns count as "not claimed")."""
    for r in RELATIONS:
        if f"rel_{r}_sim" not in df.columns:
            df = df.with_columns(pl.lit(None, dtype=pl.Float32).alias(f"rel_{r}_sim"),
                                 pl.lit(0, dtype=pl.UInt32).alias(f"rel_{r}_nrec"),
                                 pl.lit(None, dtype=pl.Utf8).alias(f"rel_{r}_cname"),
                                 pl.lit(None, dtype=pl.Utf8).alias(f"rel_{r}_pname"),
                                 pl.lit(None, dtype=pl.UInt32).alias(f"rel_{r}_tf"))
    df = _jw_join(df, "c_fam", "p_fam", "sim_fam")
    df = _distinct_map(df, "c_fam", "_ph_c_fam", phonetic_key)
    df = _distinct_map(df, "p_fam", "_ph_p_fam", phonetic_key)
    df = _jw_join(df, "c_giv", "p_giv", "sim_giv")
    has_alias = "c_alias_giv_key" in df.columns
    # family name / clan
    fam_n_c = pl.when(pl.col("c_ntok") >= 2).then(_first_tok("c_norm"))
    fam_n_p = pl.when(pl.col("p_ntok") >= 2).then(_first_tok("p_norm"))
    # a usual name without surname ("Thị Sông" for Vừ Thị Sông): the first token is the middle
    usual = ((pl.col("c_ntok") == 2) & (pl.col("p_ntok") >= 3)
             & (pl.col("c_fam") == pl.col("p_mid").str.split(" ").list.first())).fill_null(False)
    fam = (pl.when(_empty("c_fam") | _empty("p_fam") | usual).then(0)
           .when(fam_n_c == fam_n_p).then(1)
           .when(pl.col("c_fam") == pl.col("p_fam")).then(2)
           .when(pl.col("c_fam_key") == pl.col("p_fam_key")).then(3)
           .when(pl.col("_ph_c_fam") == pl.col("_ph_p_fam")).then(4)
           .when(pl.col("sim_fam") >= FAM_FUZZY).then(5).otherwise(6))
    # given name (tone-insensitive, phonetic, by ear), also through name-like aliases
    giv_n_c, giv_n_p = _last_tok("c_norm"), _last_tok("p_norm")
    giv = (pl.when(_empty("c_giv") | _empty("p_giv")).then(0)
           .when(giv_n_c == giv_n_p).then(1)
           .when(pl.col("c_giv") == pl.col("p_giv")).then(2)
           .when(pl.col("c_giv_key") == pl.col("p_giv_key")).then(3))
    if has_alias:
        giv = giv.when(_in_list("p_giv_key", "c_alias_giv_key")).then(3)
    giv = (giv.when(pl.col("sim_giv") >= GIV_FUZZY_HIGH).then(4)
           .when(pl.col("sim_giv") >= GIV_FUZZY_LOW).then(5).otherwise(6))
    mid = (pl.when(usual).then(1).when(_empty("c_mid") | _empty("p_mid")).then(0)
           .when(pl.col("c_mid") == pl.col("p_mid")).then(1).otherwise(2))
    # birth year against the claim's interval
    p = pl.col("p_birth_year")
    lo, hi, best = pl.col("c_by_lo"), pl.col("c_by_hi"), pl.col("c_by_best")
    kind = pl.col("c_by_kind").fill_null("none")
    width = hi - lo
    dist_iv = pl.max_horizontal(lo - p, p - hi, pl.lit(0))
    by = (pl.when(p.is_null() | (lo.is_null() & best.is_null())).then(0)
          .when(best.is_not_null() & (p == best) & kind.is_in(["exact", "year"])).then(1)
          .when(best.is_not_null() & ((p - best).abs() <= 1)
                & (kind.is_in(["exact", "year"]) | (width <= 2).fill_null(False))).then(2)
          .when(lo.is_not_null() & p.is_between(lo, hi) & (width <= NARROW_INTERVAL)).then(3)
          .when(lo.is_not_null() & p.is_between(lo, hi)).then(4)
          .when(best.is_not_null() & lo.is_null() & ((p - best).abs() <= 5)).then(5)
          .when(lo.is_not_null() & (dist_iv <= 5)).then(5)
          .otherwise(6))
    zod = (pl.when(pl.col("c_zodiac_branch").is_null() | pl.col("p_zodiac_branches").is_null()
                   | (pl.col("p_zodiac_branches").list.len() == 0)).then(0)
           .when(pl.col("p_zodiac_branches").list.contains(pl.col("c_zodiac_branch"))).then(1)
           .otherwise(2))

    def agree(a: str, b: str) -> pl.Expr:
        return (pl.when(_empty(a) | _empty(b)).then(0).when(pl.col(a) == pl.col(b)).then(1)
                .otherwise(2))

    levels = [fam.alias("lvl_fam"), mid.alias("lvl_mid"), giv.alias("lvl_giv"), by.alias("lvl_by"),
              zod.alias("lvl_zod"), agree("c_sex", "p_sex").alias("lvl_sex"),
              agree("c_ethnicity", "p_ethnicity").alias("lvl_eth"),
              _place_level("c_home_", "p_home_").alias("lvl_home"),
              _place_level("c_res_", "p_res_").alias("lvl_res")]
    for r in RELATIONS:
        s, n = pl.col(f"rel_{r}_sim"), pl.col(f"rel_{r}_nrec")
        levels.append((pl.when(s.is_null()).then(0).when(n.fill_null(0) == 0).then(3)
                       .when(s >= REL_STRONG).then(1).when(s >= REL_WEAK).then(2).otherwise(4))
                      .alias(f"lvl_{r}"))
    return df.with_columns(e.cast(pl.Int8) for e in levels).drop("_ph_c_fam", "_ph_p_fam")


# ------------------------------------------------------------------------------------------------
# Weights
# ------------------------------------------------------------------------------------------------

def _tf_adjust(f: Field, params: dict, n_people: int) -> pl.Expr:
    """log2(u_level / u_value) on TF-adjusted name levels (Splink-style), 0 elsewhere."""
    tfp = params.get("tf", {})
    if not f.tf or not tfp.get("enabled", True):
        return pl.lit(0.0)
    u = params["u"][f.name]
    n = max(int(n_people), 1)
    min_u = float(tfp.get("min_u", 1e-6))
    p_tf = pl.col(f"p_tf_{f.tf}").cast(pl.Float64).fill_null(0.0)
    c_tf = pl.col(f"c_tf_{f.tf}").cast(pl.Float64).fill_null(0.0)
    lvl = pl.col(f"lvl_{f.name}")
    expr = pl.when(pl.lit(False)).then(0.0)
    for lv in f.tf_levels:
        u_val = pl.max_horizontal(p_tf / n, pl.lit(min_u))
        expr = expr.when(lvl == lv).then((pl.lit(u[lv]) / u_val).log(2) * tfp.get("weight", 1.0))
    for lv in f.tf_fuzzy:
        u_val = pl.max_horizontal(pl.max_horizontal(p_tf, c_tf) / n, pl.lit(min_u))
        expr = expr.when(lvl == lv).then((pl.lit(u[lv]) / u_val).log(2)
                                         * tfp.get("fuzzy_weight", 0.5))
    return expr.otherwise(0.0)


def score_pairs(pairs_with_features: pl.DataFrame, params: dict,
                n_people: int | None = None) -> pl.DataFrame:
    """Pure scoring of candidate pairs: adds `lvl_<field>` (Int8), `w_<field>` (Float64 log2 Bayes
    factor, TF-adjusted on name levels, 0 when missing) and `weight` (their sum).

    `pairs_with_features` holds both sides' columns (`c_*`, `p_*`) and optionally the `rel_*` columns
    of `relative_features`. `n_people` (register size, for term frequencies) defaults to
    `params["n_people"]`."""
    n = int(n_people if n_people is not None else params.get("n_people", 1_000_000))
    df = comparison_levels(pairs_with_features)
    lw = level_weights(params)
    ws = []
    for f in FIELDS:
        lvl = pl.col(f"lvl_{f.name}")
        base = pl.lit(lw[f.name]).list.get(lvl.cast(pl.Int64), null_on_oob=True).fill_null(0.0)
        w = base + (_rel_tf_adjust(f.name, params, n) if f.name in RELATIONS
                    else _tf_adjust(f, params, n))
        ws.append(pl.when(lvl.is_in(list(f.neutral))).then(0.0).otherwise(w)
                  .cast(pl.Float64).alias(f"w_{f.name}"))
    df = df.with_columns(ws)
    df = _relatives_dependence(df, params)
    return df.with_columns(pl.sum_horizontal([f"w_{f.name}" for f in FIELDS]).alias("weight"))


def _rel_tf_adjust(r: str, params: dict, n_people: int) -> pl.Expr:
    """Relatives' names are TF-adjusted too: a matching 'Nguyễn Thị Lan' says little."""
    tfp = params.get("tf", {})
    if not tfp.get("relatives", True) or not tfp.get("enabled", True):
        return pl.lit(0.0)
    u = params["u"][r]
    n = max(int(n_people), 1)
    tf = pl.col(f"rel_{r}_tf").cast(pl.Float64)
    u_val = pl.max_horizontal(tf / n, pl.lit(float(tfp.get("min_u_relatives", 1e-3))))
    lvl = pl.col(f"lvl_{r}")
    adj = (pl.lit(u[1]) / u_val).log(2) * float(tfp.get("weight", 1.0))
    adj_weak = (pl.lit(u[2]) / u_val).log(2) * float(tfp.get("fuzzy_weight", 0.5))
    return (pl.when(tf.is_null()).then(0.0).when(lvl == 1).then(adj).when(lvl == 2).then(adj_weak)
            .otherwise(0.0))


def _relatives_dependence(df: pl.DataFrame, params: dict) -> pl.DataFrame:
    """Relatives of one family are not independent evidence: a sibling of the claimant shares the
    father, the mother and the other siblings. Positive relative weights shrink when the given name
    differs (`relatives_factor_given_differs`). Keep the best positive relative weight whole and
    count the other positive ones at `relatives_extra_factor` (negatives count fully). No relative
    counts more than `relatives_max_weight`: a relative shows the family, not which member it is."""
    k = float(params.get("relatives_extra_factor", 0.3))
    cap = float(params.get("relatives_max_weight", 6.0))
    # The claimant's brother or sister shares every parent and sibling: when the given name clearly
    # differs, agreeing relatives point to the family, hardly to this member of it.
    sib = float(params.get("relatives_factor_given_differs", 0.25))
    giv_differs = (pl.col("lvl_giv") == FIELD_BY_NAME["giv"].levels.index("different")).fill_null(False)
    cols = [f"w_{r}" for r in RELATIONS]
    df = df.with_columns(
        pl.when(giv_differs & (pl.col(c) > 0)).then(pl.col(c).clip(upper_bound=cap) * sib)
        .otherwise(pl.col(c).clip(upper_bound=cap)).alias(c) for c in cols)
    pos = [pl.max_horizontal(pl.col(c), pl.lit(0.0)) for c in cols]
    best = pl.max_horizontal(*pos)
    # the first relation holding the best positive weight keeps it whole
    out, taken = [], pl.lit(False)
    for c, p in zip(cols, pos):
        is_best = (~taken) & (p == best) & (p > 0)
        out.append(pl.when(pl.col(c) <= 0).then(pl.col(c)).when(is_best).then(pl.col(c))
                   .otherwise(pl.col(c) * k).alias(c))
        taken = taken | is_best
    return df.with_columns(out)


# ------------------------------------------------------------------------------------------------
# Posterior over candidates + "none of them"
# ------------------------------------------------------------------------------------------------

def none_logit(params: dict, n_people: int) -> float:
    """Natural-log score of "none of the candidates" relative to one person with weight 0."""
    pi = float(params.get("prior_in_register", 0.6))
    miss = float(params.get("miss_rate", 0.02))
    n = max(int(n_people), 1)
    return math.log((1.0 - pi) + pi * miss) - math.log(pi / n)


def posterior(scored: pl.DataFrame, params: dict, n_people: int) -> pl.DataFrame:
    """Add `probability` (calibrated share of each candidate) and `p_none` per claim.

    logit_j = a · weight_j · ln 2 + b; "none" has logit `none_logit` (prior P(in register) spread over
    the register, plus the chance the true person was not among the candidates). A softmax over each
    claim's candidates and "none" makes equally good competitors share the mass."""
    cal = params.get("calibration", {})
    a, b = float(cal.get("a", 1.0)), float(cal.get("b", 0.0))
    z0 = none_logit(params, n_people)
    z = pl.col("weight") * (a * math.log(2.0)) + b
    df = scored.with_columns(z.alias("_z"))
    mx = pl.max_horizontal(pl.col("_z").max().over("claim_idx"), pl.lit(z0))
    df = df.with_columns(mx.alias("_mx"))
    df = df.with_columns((pl.col("_z") - pl.col("_mx")).exp().alias("_e"))
    denom = pl.col("_e").sum().over("claim_idx") + (pl.lit(z0) - pl.col("_mx")).exp()
    df = df.with_columns((pl.col("_e") / denom).alias("probability"),
                         ((pl.lit(z0) - pl.col("_mx")).exp() / denom).alias("p_none"))
    return df.drop("_z", "_mx", "_e")


# ------------------------------------------------------------------------------------------------
# Training: u from random pairs, m by EM on pattern counts, calibration
# ------------------------------------------------------------------------------------------------

def level_counts(levels: pl.DataFrame, field: str) -> list[int]:
    f = FIELD_BY_NAME[field]
    vc = levels.group_by(f"lvl_{field}").len()
    d = dict(zip(vc[f"lvl_{field}"].to_list(), vc["len"].to_list()))
    return [int(d.get(i, 0)) for i in range(len(f.levels))]


def estimate_u(levels: pl.DataFrame, smoothing: float = 1.0) -> dict[str, list[float]]:
    """u per field and level from comparison levels of random (claim, person) pairs."""
    u = {}
    for f in FIELDS:
        c = level_counts(levels, f.name)
        informative = [i for i in range(len(f.levels)) if i not in f.neutral]
        tot = sum(c[i] for i in informative) + smoothing * len(informative)
        u[f.name] = [0.0 if i in f.neutral else (c[i] + smoothing) / tot for i in range(len(f.levels))]
        for i in f.neutral:
            u[f.name][i] = 1.0
    return u


def em(levels: pl.DataFrame, m: dict, u: dict, lam: float = 0.01, fields: list[str] | None = None,
       max_iter: int = 60, tol: float = 1e-5, fix_u: bool = True,
       m_floor: float = 1e-4, prior_m: dict | None = None,
       prior_strength: float = 0.0) -> tuple[dict, dict, float]:
    """Unsupervised Fellegi–Sunter EM over distinct level patterns.

    Missing/neutral levels are missing at random (factor 1 in both classes). Only `fields` take part
    and get new m: the others (e.g. those used to select the training pairs, as Splink does with a
    training block's own comparisons) are left out of the likelihood and keep their m. u is fixed (from
    random pairs) unless `fix_u=False`. `prior_m` with `prior_strength` > 0 adds that many pseudo-pairs
    per field distributed as `prior_m` (a Dirichlet prior: maximum a posteriori EM), which keeps EM from
    drifting to a "same clan / same people" class on weakly identified fields. Returns (m, u, lambda)."""
    import numpy as np

    fields = fields or [f.name for f in FIELDS]
    cols = [f"lvl_{f.name}" for f in FIELDS]
    pat = levels.group_by(cols).len()
    L = pat.select(cols).to_numpy().astype(np.int64)
    cnt = pat["len"].to_numpy().astype(np.float64)
    m = copy.deepcopy(m)
    u = copy.deepcopy(u)
    neutral = [np.isin(L[:, j], list(f.neutral)) for j, f in enumerate(FIELDS)]
    for _ in range(max_iter):
        log_m = np.zeros(len(cnt))
        log_u = np.zeros(len(cnt))
        for j, f in enumerate(FIELDS):
            if f.name not in fields:  # fields that selected the pairs are constant-ish: left out
                continue
            mj = np.maximum(np.asarray(m[f.name], dtype=float), m_floor)
            uj = np.maximum(np.asarray(u[f.name], dtype=float), 1e-9)
            log_m += np.where(neutral[j], 0.0, np.log(mj[L[:, j]]))
            log_u += np.where(neutral[j], 0.0, np.log(uj[L[:, j]]))
        a = np.log(lam) + log_m
        b = np.log1p(-lam) + log_u
        mx = np.maximum(a, b)
        r = np.exp(a - mx) / (np.exp(a - mx) + np.exp(b - mx))
        new_lam = float((r * cnt).sum() / cnt.sum())
        delta = abs(new_lam - lam)
        lam = min(max(new_lam, 1e-6), 1 - 1e-6)
        for j, f in enumerate(FIELDS):
            if f.name not in fields:
                continue
            k = len(f.levels)
            inf = ~neutral[j]
            wm = r * cnt * inf
            num = np.bincount(L[:, j], weights=wm, minlength=k)[:k]
            if prior_m is not None and prior_strength > 0:
                pm = np.asarray(prior_m[f.name], dtype=float)
                pm = np.where([i in f.neutral for i in range(k)], 0.0, pm)
                if pm.sum() > 0:
                    num = num + prior_strength * pm / pm.sum()
            tot = num.sum()
            if tot > 0:
                new = [0.0 if i in f.neutral else max(float(num[i] / tot), m_floor) for i in range(k)]
                for i in f.neutral:
                    new[i] = 1.0
                delta = max(delta, max(abs(x - y) for x, y in zip(new, m[f.name])))
                m[f.name] = new
            if not fix_u:
                wu = (1 - r) * cnt * inf
                nu = np.bincount(L[:, j], weights=wu, minlength=k)[:k]
                if nu.sum() > 0:
                    u[f.name] = [1.0 if i in f.neutral else max(float(nu[i] / nu.sum()), 1e-9)
                                 for i in range(k)]
        if delta < tol:
            break
    return m, u, lam


def fit_calibration(scored: pl.DataFrame, truth_pidx: pl.DataFrame, params: dict, n_people: int,
                    iters: int = 200) -> dict:
    """Fit calibration {a, b} (temperature and offset of the softmax over candidates + none) by
    maximum likelihood on labelled generated data.

    `scored`: claim_idx, pidx, weight for every candidate; `truth_pidx`: claim_idx, true_pidx (null when
    the claimant is not registered). A claim whose true person is not a candidate counts as "none"."""
    import numpy as np

    z0 = none_logit(params, n_people)
    s = scored.select("claim_idx", "pidx", "weight").join(truth_pidx, on="claim_idx", how="inner")
    s = s.with_columns((pl.col("pidx") == pl.col("true_pidx")).fill_null(False).alias("y"))
    s = s.sort("claim_idx", "pidx")
    cid = s["claim_idx"].to_numpy()
    _, grp = np.unique(cid, return_inverse=True)
    ngrp = int(grp.max()) + 1 if len(grp) else 0
    w = s["weight"].to_numpy() * math.log(2.0)
    y = s["y"].to_numpy().astype(float)
    y_none = 1.0 - np.bincount(grp, weights=y, minlength=ngrp)
    a, b = 1.0, 0.0

    def nll_grad(a: float, b: float):
        z = a * w + b
        mx = np.maximum(np.full(ngrp, z0), np.maximum.reduceat(z, np.r_[0, np.flatnonzero(np.diff(grp)) + 1])
                        if len(z) else np.full(ngrp, z0))
        e = np.exp(z - mx[grp])
        e0 = np.exp(z0 - mx)
        den = np.bincount(grp, weights=e, minlength=ngrp) + e0
        p = e / den[grp]
        ll = (y * (z - mx[grp] - np.log(den[grp]))).sum() + (y_none * (z0 - mx - np.log(den))).sum()
        ga = (y * w).sum() - (np.bincount(grp, weights=p * w, minlength=ngrp) * 1.0).sum()
        gb = y.sum() - p.sum()
        return -ll, -ga, -gb

    lr = 1.0
    prev, ga, gb = nll_grad(a, b)
    n = max(ngrp, 1)
    for _ in range(iters):
        na, nb = a - lr * ga / n / max(np.abs(w).mean(), 1e-9), b - lr * gb / n
        cur, nga, ngb = nll_grad(na, nb)
        if cur <= prev:
            a, b, prev, ga, gb = na, nb, cur, nga, ngb
            lr *= 1.2
        else:
            lr *= 0.5
            if lr < 1e-8:
                break
    return {"a": float(a), "b": float(b), "method": "softmax-temperature", "n_claims": int(ngrp)}
