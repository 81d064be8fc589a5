"""The match() pipeline: claims → features → candidates → scores → calibrated posterior → top-k with evidence.

Owns `match` (SPEC §3) and `score_claims` (every candidate pair of a batch of claims with levels,
weights and posterior, for training and benchmarks). Work is done in batches of claims so memory stays
bounded; every step is a polars expression or a batched rapidfuzz call (see `model`).
Same input, same output: ranks are decided by (probability, weight) descending, then person_id.
"""

from __future__ import annotations

import copy

import polars as pl

from reconcile import explain
from reconcile import model as _model
from reconcile import progress as _progress

OUTPUT_SCHEMA = {
    "claim_id": pl.Utf8, "rank": pl.UInt32, "person_id": pl.Utf8, "probability": pl.Float64,
    "weight": pl.Float64, "evidence": pl.Utf8,
    "evidence_detail": pl.List(pl.Struct({"field": pl.Utf8, "level": pl.Utf8, "weight": pl.Float64,
                                          "text": pl.Utf8})),
    "full_name": pl.Utf8, "birth_year": pl.Int32, "household_id": pl.Utf8, "p_none": pl.Float64,
}

_PEOPLE_DISPLAY = {"person_id": "p_person_id", "full_name": "p_full_name",
                   "household_id": "p_household_id", "hometown": "p_hometown",
                   "residence": "p_residence"}
_CLAIM_DISPLAY = {"claim_id": "c_claim_id", "name": "c_name", "zodiac": "c_zodiac",
                  "claimed_hometown": "c_hometown", "residence": "c_residence"}


def model_params(index) -> dict:
    """The index's trained parameters when it has them, else the packaged defaults."""
    p = getattr(index, "params", None) or {}
    if "m" in p and "u" in p:
        _model.check_params(p)
        return p
    return _model.default_params()


# ------------------------------------------------------------------------------------------------
# Relatives the register knows, plus siblings derived from shared parents and households
# ------------------------------------------------------------------------------------------------

# feature columns the model does not read (kept out of the wide pair frame)
_UNUSED = frozenset({"c_rel_key", "c_rel_giv_key", "c_alias_fold", "c_alias_fam_key", "c_alias_addr",
                     "c_alias_name_key", "c_name_key", "p_name_key", "c_culture", "p_culture",
                     "c_home_ambiguous", "p_home_ambiguous", "c_res_ambiguous", "p_res_ambiguous"})

_R_FEATURES = ("norm", "fold", "ntok", "fam", "mid", "giv", "fam_key", "giv_key", "name_key",
               "culture", "addr")


def known_relatives(index) -> pl.DataFrame:
    """`index.kin` plus sibling rows (children of one recorded parent; `con` of one household) when
    the kinship frame has none. Cached on the index."""
    cache = getattr(index, "_cache", None)
    if cache is not None and "matching.kin" in cache:
        return cache["matching.kin"]
    kin = index.kin
    if kin.filter(pl.col("relation") == "sibling").height == 0:
        people = index.people
        edges = []
        ch = kin.filter((pl.col("relation") == "child") & pl.col("rel_pidx").is_not_null()).select(
            pl.col("pidx").alias("parent"), pl.col("rel_pidx").alias("kid"))
        if ch.height:
            edges.append(ch.join(ch, on="parent").filter(pl.col("kid") != pl.col("kid_right"))
                         .select(pl.col("kid").alias("pidx"), pl.col("kid_right").alias("rel_pidx")))
        if "household_id" in people.columns and "relation_to_head" in people.columns:
            kids = people.filter(pl.col("household_id").is_not_null()
                                 & pl.col("relation_to_head").is_in(["con", "con nuôi"])).select(
                "pidx", "household_id")
            edges.append(kids.join(kids, on="household_id").filter(pl.col("pidx") != pl.col("pidx_right"))
                         .select("pidx", pl.col("pidx_right").alias("rel_pidx")))
        if edges:
            sib = pl.concat(edges).unique().sort("pidx", "rel_pidx")
            feats = people.select(
                pl.col("pidx").alias("rel_pidx"), pl.col("full_name").alias("name"),
                pl.col("p_birth_year").cast(pl.Int16).alias("birth_year"),
                *[pl.col(f"p_{c}").alias(f"r_{c}") for c in _R_FEATURES if f"p_{c}" in people.columns])
            sib = sib.join(feats, on="rel_pidx", how="left").with_columns(
                pl.lit("sibling").alias("relation"), pl.lit(0.9).alias("confidence"),
                pl.lit("household").alias("source"))
            sib = sib.select([c for c in kin.columns if c in sib.columns])
            kin = pl.concat([kin, sib.cast({c: kin.schema[c] for c in sib.columns})],
                            how="diagonal_relaxed")
    if cache is not None:
        cache["matching.kin"] = kin
    return kin


# ------------------------------------------------------------------------------------------------
# Scoring a batch
# ------------------------------------------------------------------------------------------------

def pair_features(pairs: pl.DataFrame, claims_feat: pl.DataFrame, claim_relatives: pl.DataFrame | None,
                  index, kin: pl.DataFrame | None = None) -> pl.DataFrame:
    """Join both sides' feature columns (and display columns) onto (claim_idx, pidx) pairs, and the
    relatives' comparison (`model.relative_features`) unless `claim_relatives` is None."""
    people = index.people
    ccols = [c for c in claims_feat.columns if c.startswith("c_") and c not in _UNUSED]
    cf = claims_feat.select("claim_idx", *ccols,
                            *[pl.col(k).alias(v) for k, v in _CLAIM_DISPLAY.items()
                              if k in claims_feat.columns])
    pcols = [c for c in people.columns if c.startswith("p_") and c not in _UNUSED]
    pf = people.select("pidx", *pcols, *[pl.col(k).alias(v) for k, v in _PEOPLE_DISPLAY.items()
                                         if k in people.columns])
    df = (pairs.select(pl.col("claim_idx").cast(pl.UInt32), pl.col("pidx").cast(pl.UInt32),
                       *[c for c in ("via",) if c in pairs.columns])
          .join(cf, on="claim_idx", how="left").join(pf, on="pidx", how="left"))
    if claim_relatives is None:
        return df
    rel = _model.relative_features(df.select("claim_idx", "pidx"), claim_relatives,
                                   kin if kin is not None else known_relatives(index), tf=index.tf)
    return df.join(rel, on=["claim_idx", "pidx"], how="left")


def score_claims(claims_feat: pl.DataFrame, claim_relatives: pl.DataFrame, index, params: dict,
                 pairs: pl.DataFrame | None = None) -> pl.DataFrame:
    """Every candidate pair of these claims with features, levels, weights, `probability`, `p_none`."""
    from reconcile.candidates import candidate_pairs

    if pairs is None:
        pairs = candidate_pairs(claims_feat, index, claim_relatives=claim_relatives)
    if pairs.height == 0:
        return pairs
    df = _score_two_stage(pairs, claims_feat, claim_relatives, index, known_relatives(index), params)
    return _model.posterior(df, params, index.n_people)


STAGE2_KEEP = 60                      # candidates per claim whose relatives are compared
STAGE2_ALWAYS = ("rel", "rel_giv")    # pairs found through a relative are always compared


def _score_two_stage(pairs: pl.DataFrame, cf: pl.DataFrame, cr: pl.DataFrame, index, kin: pl.DataFrame,
                     params: dict, keep: int = STAGE2_KEEP) -> pl.DataFrame:
    """Score every pair without relatives, then compare relatives for each claim's `keep` best pairs
    (and every pair found through a relative) and score those again. The others keep their first
    weight (relatives neutral) and still count as competitors in the posterior."""
    n = index.n_people
    base = pair_features(pairs, cf, None, index)
    s1 = _model.score_pairs(base, params, n_people=n)
    if cr is None or cr.height == 0:
        return s1
    rk = pl.col("weight").rank("ordinal", descending=True).over("claim_idx")
    via = pl.col("via").is_in(list(STAGE2_ALWAYS)) if "via" in s1.columns else pl.lit(False)
    has_rel = pl.col("claim_idx").is_in(cr["claim_idx"].unique().implode())
    s1 = s1.with_columns(((rk <= keep) | via).alias("_stage2") & has_rel)
    sel = base.join(s1.filter("_stage2").select("claim_idx", "pidx"), on=["claim_idx", "pidx"], how="semi")
    if sel.height == 0:
        return s1.drop("_stage2")
    rel = _model.relative_features(sel.select("claim_idx", "pidx"), cr, kin, tf=index.tf)
    s2 = _model.score_pairs(sel.join(rel, on=["claim_idx", "pidx"], how="left"), params, n_people=n)
    rest = s1.filter(~pl.col("_stage2")).drop("_stage2")
    return pl.concat([s2, rest.select(s2.columns)], how="vertical_relaxed")


def _rank(scored: pl.DataFrame, top_k: int) -> pl.DataFrame:
    """Top `top_k` rows per claim by (probability, weight) descending, then person_id (stable)."""
    narrow = (scored.select("claim_idx", "probability", "weight", "p_person_id")
              .with_row_index("_i")
              .sort(["claim_idx", "probability", "weight", "p_person_id"],
                    descending=[False, True, True, False]))
    narrow = narrow.with_columns(
        pl.int_range(1, pl.len() + 1, dtype=pl.UInt32).over("claim_idx").alias("rank"))
    narrow = narrow.filter(pl.col("rank") <= top_k)
    return scored[narrow["_i"]].with_columns(narrow["rank"])


def _evidence_values(lang: str) -> dict[str, dict[str, pl.Expr]]:
    sexw = explain.SEX_WORDS[lang]

    def tok(col: str, first: bool) -> pl.Expr:
        parts = pl.col(col).fill_null("").str.split(" ")
        return parts.list.first() if first else parts.list.last()

    def mid(col: str) -> pl.Expr:
        parts = pl.col(col).fill_null("").str.split(" ")
        return parts.list.slice(1, pl.max_horizontal(parts.list.len() - 2, 0)).list.join(" ")

    lo = pl.coalesce("c_by_lo", "c_by_best")
    hi = pl.coalesce("c_by_hi", "c_by_best")
    vals: dict[str, dict[str, pl.Expr]] = {
        "fam": {"c": tok("c_name", True), "p": tok("p_full_name", True), "n": pl.col("p_tf_fam")},
        "mid": {"c": mid("c_name"), "p": mid("p_full_name")},
        "giv": {"c": tok("c_name", False), "p": tok("p_full_name", False), "n": pl.col("p_tf_giv")},
        "by": {"p": pl.col("p_birth_year"), "lo": lo, "hi": hi, "best": pl.col("c_by_best")},
        "zod": {"c": pl.col("c_zodiac"), "p": pl.col("p_birth_year")},
        "sex": {"c": pl.col("c_sex").replace_strict(sexw, default=pl.col("c_sex")),
                "p": pl.col("p_sex").replace_strict(sexw, default=pl.col("p_sex"))},
        "eth": {"c": pl.col("c_ethnicity"), "p": pl.col("p_ethnicity")},
        "home": {"c": pl.col("c_hometown"), "p": pl.col("p_hometown")},
        "res": {"c": pl.col("c_residence"), "p": pl.col("p_residence")},
    }
    for r in _model.RELATIONS:
        vals[r] = {"c": pl.col(f"rel_{r}_cname"), "p": pl.col(f"rel_{r}_pname")}
    return vals


def add_evidence(df: pl.DataFrame, lang: str = "vi") -> pl.DataFrame:
    """`evidence` and `evidence_detail` for scored pairs (see `explain.with_evidence`)."""
    fields = [(f.name, f.levels) for f in _model.FIELDS]
    return explain.with_evidence(df, fields, _evidence_values(lang), lang)


def _empty_output() -> pl.DataFrame:
    return pl.DataFrame(schema=OUTPUT_SCHEMA)


def match(claims, index, top_k: int = 10, lang: str = "vi", progress=None, *,
          params: dict | None = None, batch_size: int = 1000, decisions=None) -> pl.DataFrame:
    """Ranked, calibrated candidates for each claim (SPEC §3).

    `claims`: frame, path or list of dicts. Returns one row per (claim, candidate), best first, with
    `claim_id rank person_id probability weight evidence evidence_detail full_name birth_year
    household_id p_none`. Claims without any candidate get no rows (nobody is forced).
    `decisions` (a decisions.db path or `reconcile.decisions.Decisions`): officers' decisions applied
    by `decisions.apply_to_matches` (adds `decision`, `confirmed_for`)."""
    if decisions is not None:
        from reconcile.decisions import apply_to_matches

        return apply_to_matches(match(claims, index, top_k, lang, progress, params=params,
                                      batch_size=batch_size), decisions)
    from reconcile.index import featurise_claims

    explain.check_lang(lang)
    if top_k < 1:
        raise ValueError(f"top_k must be at least 1 (got {top_k})")
    say = _progress.resolve(progress)
    params = params or model_params(index)
    claims_feat, crel = featurise_claims(claims, index)
    n = claims_feat.height
    if n == 0:
        return _empty_output()
    kin = known_relatives(index)
    out = []
    say("match", 0, n)
    for start in range(0, n, batch_size):
        stop = min(start + batch_size, n)
        cf = claims_feat.filter(pl.col("claim_idx").is_between(start, stop - 1))
        cr = crel.filter(pl.col("claim_idx").is_between(start, stop - 1))
        from reconcile.candidates import candidate_pairs

        pairs = candidate_pairs(cf, index, claim_relatives=cr)
        if pairs.height:
            df = _score_two_stage(pairs, cf, cr, index, kin, params)
            df = _model.posterior(df, params, index.n_people)
            top = add_evidence(_rank(df, top_k), lang)
            out.append(top.select(
                pl.col("c_claim_id").alias("claim_id"), "rank", pl.col("p_person_id").alias("person_id"),
                "probability", "weight", "evidence", "evidence_detail",
                pl.col("p_full_name").alias("full_name"),
                pl.col("p_birth_year").cast(pl.Int32).alias("birth_year"),
                pl.col("p_household_id").alias("household_id"), "p_none", "claim_idx"))
        say("match", stop, n)
    if not out:
        return _empty_output()
    res = pl.concat(out).sort("claim_idx", "rank").drop("claim_idx")
    return res.cast({k: v for k, v in OUTPUT_SCHEMA.items() if k in res.columns})


# ------------------------------------------------------------------------------------------------
# Training (u from random pairs, m by EM on pairs that separate people, calibration on labelled data)
# ------------------------------------------------------------------------------------------------

# EM sessions: (name, filter on levels, fields estimated). A field used to select the session's pairs
# is not estimated in it (as in Splink). Both sessions select pairs on evidence that separates people
# (given name + birth year; surname + a matching parent or spouse), not on clan or ethnicity, so EM
# does not learn "same clan" instead of "same person".
EM_SESSIONS = (
    ("given_and_year", (pl.col("lvl_giv").is_in([1, 2, 3]) & pl.col("lvl_by").is_in([1, 2])),
     ("fam", "mid", "sex", "eth", "home", "res") + _model.RELATIONS),
    # siblings share surname and parents: requiring the birth year too keeps them out, so EM does not
    # learn "same family" as "same person" for the given name
    ("surname_year_parent", (pl.col("lvl_fam").is_in([1, 2, 3, 4]) & pl.col("lvl_by").is_in([1, 2])
                             & pl.any_horizontal(pl.col(f"lvl_{r}") == 1
                                                 for r in ("father", "mother", "spouse"))),
     ("giv",)),
    # a rare full name (≤ 3 people in the register) agreeing exactly: birth year and zodiac
    ("rare_full_name", (pl.col("lvl_fam").is_in([1, 2, 3]) & pl.col("lvl_giv").is_in([1, 2])
                        & (pl.col("c_tf_full") <= 3)),
     ("by", "zod")),
)
RARE_GIVEN_QUANTILE = 0.25   # "given_and_year" keeps the pairs with the rarest quarter of given names
EM_PRIOR_STRENGTH = 200.0   # pseudo-pairs per field pulling m towards the packaged prior

# m never above this for fields that are shared by whole clans and peoples (EM tends to push them to 1)
M_CAPS = {"eth": {1: 0.97}, "sex": {1: 0.98}}


def _truth_pidx(truth: pl.DataFrame, claims_feat: pl.DataFrame, index) -> pl.DataFrame:
    pid = index.people.select("pidx", "person_id")
    return (claims_feat.select("claim_idx", "claim_id")
            .join(truth.select("claim_id", pl.col("person_id").cast(pl.Utf8)), on="claim_id", how="left")
            .join(pid, on="person_id", how="left")
            .select("claim_idx", pl.col("pidx").alias("true_pidx")))


def random_pairs(n_claims: int, n_people: int, n: int, seed: int = 0) -> pl.DataFrame:
    """`n` random (claim_idx, pidx) pairs, reproducible from `seed`."""
    import numpy as np

    rng = np.random.default_rng(seed)
    return pl.DataFrame({"claim_idx": rng.integers(0, n_claims, n).astype("uint32"),
                         "pidx": rng.integers(0, n_people, n).astype("uint32")}).unique(
        maintain_order=True)


def true_m(levels: pl.DataFrame) -> dict[str, list[float | None]]:
    """m per field and level measured on labelled true pairs (for checking EM; None on neutral)."""
    out = {}
    for f in _model.FIELDS:
        c = _model.level_counts(levels, f.name)
        tot = sum(c[i] for i in range(len(c)) if i not in f.neutral)
        out[f.name] = [None if i in f.neutral or not tot else c[i] / tot for i in range(len(c))]
    return out


def train(claims, index, *, truth: pl.DataFrame | None = None, params: dict | None = None,
          n_random: int = 200_000, seed: int = 0, m_from: str = "em", progress=None) -> dict:
    """Parameters for `match` learned from claims and the register, without labels.

    u from random (claim, person) pairs; m by EM over the sessions in `EM_SESSIONS`; ethnicity and sex
    capped (`M_CAPS`). With `truth` (generated data: claim_id, person_id), also fit the calibration on
    it and record the true m per level next to the learned one (`params["training"]`).
    `m_from="labels"` (needs `truth`) uses the labelled m instead of EM's (how the packaged defaults
    are made from generated data; EM's estimates are still recorded in `params["training"]["em_m"]`)."""
    if m_from not in ("em", "labels") or (m_from == "labels" and truth is None):
        raise ValueError("train: m_from must be 'em', or 'labels' together with truth=")
    from reconcile.candidates import candidate_pairs
    from reconcile.index import featurise_claims

    say = _progress.resolve(progress)
    params = copy.deepcopy(params or _model.default_params())
    params.pop("training", None)
    cf, cr = featurise_claims(claims, index)
    kin = known_relatives(index)
    say("train", 0, 4)
    rnd = random_pairs(cf.height, index.n_people, n_random, seed)
    rl = _model.comparison_levels(pair_features(rnd, cf, cr, index, kin))
    params["u"] = _model.estimate_u(rl)
    say("train", 1, 4)
    pairs = candidate_pairs(cf, index, claim_relatives=cr)
    feats = pair_features(pairs, cf, cr, index, kin)
    lv = _model.comparison_levels(feats)
    say("train", 2, 4)
    report = {"n_random_pairs": rnd.height, "n_candidate_pairs": lv.height, "sessions": []}
    m = copy.deepcopy(params["m"])
    prior_m = copy.deepcopy(params["m"])
    done: set[str] = set()
    for name, cond, fields in EM_SESSIONS:
        sub = lv.filter(cond)
        if name == "given_and_year" and sub.height:
            # namesakes born the same year swamp common given names: train on the rarer ones
            q = sub["p_tf_giv"].quantile(RARE_GIVEN_QUANTILE, "lower")
            sub = sub.filter(pl.col("p_tf_giv") <= q)
        if sub.height < 50:
            report["sessions"].append({"name": name, "pairs": sub.height, "skipped": True})
            continue
        new_m, _u, lam = _model.em(sub, m, params["u"], lam=0.3, fields=list(fields), fix_u=False,
                                   prior_m=prior_m, prior_strength=EM_PRIOR_STRENGTH)
        for f in fields:
            if f not in done:
                m[f] = new_m[f]
        done.update(fields)
        report["sessions"].append({"name": name, "pairs": sub.height, "lambda": lam})
    for f, caps in M_CAPS.items():
        for lvl, cap in caps.items():
            if m[f][lvl] > cap:
                extra = m[f][lvl] - cap
                m[f][lvl] = cap
                others = [i for i in range(len(m[f])) if i != lvl and i not in _model.FIELD_BY_NAME[f].neutral]
                for i in others:
                    m[f][i] += extra / len(others)
    params["m"] = m
    report["em_m"] = copy.deepcopy(m)
    say("train", 3, 4)
    if truth is not None:
        tp = _truth_pidx(truth, cf, index)
        lab = lv.join(tp, on="claim_idx").filter(pl.col("pidx") == pl.col("true_pidx"))
        report["true_m"] = true_m(lab)
        report["n_true_pairs"] = lab.height
        if m_from == "labels":
            # smoothed labelled m (half a pair per level) so no level gets probability 0
            for f in _model.FIELDS:
                c = _model.level_counts(lab, f.name)
                inf = [i for i in range(len(c)) if i not in f.neutral]
                tot = sum(c[i] for i in inf) + 0.5 * len(inf)
                params["m"][f.name] = [1.0 if i in f.neutral else (c[i] + 0.5) / tot
                                       for i in range(len(c))]
        scored = _model.score_pairs(feats, params, n_people=index.n_people)
        params["calibration"] = _model.fit_calibration(scored, tp, params, index.n_people)
    params["training"] = report
    say("train", 4, 4)
    return params
