"""Verification leads: self, relative, household and place leads with reasons an officer can act on.

Owns `leads(claims, index, top_k=20, lang="vi", progress=None)` (SPEC §3).

How it works (families, not only persons):
- `self`: the claimant's own candidates from `matching.match` (its calibrated posterior, so a claimant
  who is not registered gets low probabilities and no forced identity).
- `relative`: every claimed relative (and teknonym such as "bố Súa") becomes a pseudo-claim with the
  rest of the claimed family re-expressed from that relative's point of view (the claimed father's
  pseudo-claim says: spouse = the claimed mother, child = the claimant and the claimed siblings;
  a parent's birth year is bounded by the claimant's). `matching.match` scores it, so a registered
  couple who match the claimed father and mother and whose recorded children fit the claimant rises,
  and a same-name man whose wife and children do not fit falls, with the model's calibration.
- more `relative` leads: the registered family of probable leads (the found father's wife and
  children → the claimant's mother and siblings; a probable self match's relatives), people whose own
  record names the claimant as father/mother/spouse (age-checked), and a self candidate who shares
  the claimed parents but not the given name, shown as a sibling, never as the claimant.
- `household`: households of the relative leads (independent evidence combined), and, for claimants
  whose family is not found by name, households in the claimed commune with an adult of the
  claimant's surname old enough to be a parent (probability shared among them).
- `place`: where police should be asked: today's commune/province of the best leads, and the
  claimant's own hometown with the historical name they used (`places.describe`).
- a relative named by the given name alone ("Tâm") is searched both as said and with the claimant's
  surname (father, sibling, a man's child; cultures that pass the father's surname on).

Order (the `probability` column is never changed by it): leads that compete to answer one question
(the registered namesakes of one claimed relative, the claimant's own candidates) rank by
probability × GROUP_DECAY^n for the n-th of them, so the best lead for each claimed relative comes
before the second-best of another; the family of a found lead ranks by probability; a household
that only repeats one person lead ranks after other namesakes; one place lead follows the strongest
person lead and is always kept, further places sink.
"""

from __future__ import annotations

import polars as pl

from reconcile import explain
from reconcile import progress as _progress

OUTPUT_SCHEMA = {"claim_id": pl.Utf8, "rank": pl.UInt32, "kind": pl.Utf8, "person_id": pl.Utf8,
                 "household_id": pl.Utf8, "place": pl.Utf8, "relation": pl.Utf8,
                 "probability": pl.Float64, "reason": pl.Utf8, "full_name": pl.Utf8}

MIN_SELF = 0.02       # self leads below this probability are not shown
MIN_RELATIVE = 0.01   # relative leads below this are not shown
PER_RELATIVE = 6      # registered people kept per claimed relative
HOMETOWN_PROB = 0.3   # usefulness of asking the claimed hometown when no registered lead points there
MAX_PLACES = 3
GROUP_DECAY = 0.5     # ordering weight of the n-th lead from one source (diversity across claimed relatives)
PLACE_DECAY = 0.25
SINGLE_HH_ORDER = 0.3  # ordering weight of a household lead that only repeats one person lead    # ordering weight of the n-th place lead after the first

# relation of a second claimed relative (r2) seen from the first one (r1); None: not expressible
_VIEW = {
    ("father", "mother"): "spouse", ("mother", "father"): "spouse",
    ("father", "sibling"): "child", ("mother", "sibling"): "child",
    ("spouse", "child"): "child",
    ("child", "child"): "sibling",
    ("sibling", "father"): "father", ("sibling", "mother"): "mother", ("sibling", "sibling"): "sibling",
}
# bounds of a relative's birth year relative to the claimant's (lo, hi)
_PATRILINEAL = ("kinh", "hmong", "dao", "tay_nung", "thai")
_BY_GAP = {"father": (-60, -15), "mother": (-50, -14), "spouse": (-20, 20), "child": (14, 55),
           "sibling": (-25, 25)}

_REL_VI = {"father": "cha", "mother": "mẹ", "spouse": "vợ/chồng", "child": "con", "sibling": "anh/chị/em",
           "grandparent": "ông/bà", "grandchild": "cháu"}
_REL_EN = {"father": "father", "mother": "mother", "spouse": "spouse", "child": "child",
           "sibling": "sibling", "grandparent": "grandparent", "grandchild": "grandchild"}
_FIELD_VI = {"fam": "họ", "giv": "tên", "mid": "tên đệm", "by": "năm sinh", "home": "quê quán",
             "eth": "dân tộc", "father": "cha", "mother": "mẹ", "spouse": "vợ/chồng", "child": "con",
             "sibling": "anh chị em"}
_FIELD_EN = {"fam": "surname", "giv": "given name", "mid": "middle name", "by": "birth year",
             "home": "hometown", "eth": "ethnicity", "father": "father", "mother": "mother",
             "spouse": "spouse", "child": "children", "sibling": "siblings"}


def pseudo_params(params):
    """Model parameters (`model.Params`) for pseudo-claims: a registered parent whose recorded
    children (or a sibling whose recorded siblings) differ from the claimant is no evidence against
    them (the claimant may be the unregistered one), and a birth year far outside what the relation
    allows counts more."""
    import copy
    import dataclasses

    m = copy.deepcopy(params.m)
    for r in ("child", "sibling"):
        m[r]["different"] = params.u[r]["different"]
    m["by"]["far"] = min(m["by"]["far"], 0.005)
    # the pseudo-claim carries the claimant's residence: living there is evidence, elsewhere is not
    # evidence against (relatives often live apart)
    for lvl in ("compatible", "different"):
        m["res"][lvl] = params.u["res"][lvl]
    return dataclasses.replace(params, m=m)


def _empty() -> pl.DataFrame:
    return pl.DataFrame(schema=OUTPUT_SCHEMA)


# ------------------------------------------------------------------------------------------------
# Pseudo-claims: each claimed relative as a claim, with the family seen from them
# ------------------------------------------------------------------------------------------------

def pseudo_claims(claims_feat: pl.DataFrame, claim_relatives: pl.DataFrame) -> pl.DataFrame:
    """One canonical claim per claimed relative: `claim_id` = "R<n>", plus `src_idx` (the claim's
    claim_idx) and `src_relation`. Its relatives are the claimant and the other claimed relatives,
    re-expressed from the relative's point of view."""
    rel = claim_relatives.filter(pl.col("relation").is_in(list(_BY_GAP))
                                 & pl.col("name").is_not_null() & (pl.col("name").str.strip_chars() != ""))
    rel = rel.with_row_index("rid").select("rid", "claim_idx", "relation", "name",
                                           pl.col("birth_year").cast(pl.Int32),
                                           *([pl.col("r_ntok")] if "r_ntok" in rel.columns else []))
    if rel.height == 0:
        return pl.DataFrame()
    me = claims_feat.select(
        "claim_idx", pl.col("name").alias("me_name"), pl.col("sex").alias("me_sex"),
        pl.col("c_by_lo").cast(pl.Int32).alias("lo"), pl.col("c_by_hi").cast(pl.Int32).alias("hi"),
        pl.col("c_by_best").cast(pl.Int32).alias("best"), "ethnicity", "claimed_hometown", "residence")
    r = rel.join(me, on="claim_idx", how="left")
    glo = pl.col("relation").replace_strict({k: v[0] for k, v in _BY_GAP.items()}, return_dtype=pl.Int32)
    ghi = pl.col("relation").replace_strict({k: v[1] for k, v in _BY_GAP.items()}, return_dtype=pl.Int32)
    r = r.with_columns(
        pl.when(pl.col("relation") == "father").then(pl.lit("M"))
        .when(pl.col("relation") == "mother").then(pl.lit("F"))
        .when((pl.col("relation") == "spouse") & (pl.col("me_sex") == "M")).then(pl.lit("F"))
        .when((pl.col("relation") == "spouse") & (pl.col("me_sex") == "F")).then(pl.lit("M"))
        .alias("sex"),
        pl.when(pl.col("birth_year").is_null()).then(pl.col("lo") + glo).alias("birth_year_min"),
        pl.when(pl.col("birth_year").is_null()).then(pl.col("hi") + ghi).alias("birth_year_max"),
        # the claimant seen from the relative
        pl.when(pl.col("relation").is_in(["father", "mother"])).then(pl.lit("child"))
        .when(pl.col("relation") == "spouse").then(pl.lit("spouse"))
        .when(pl.col("relation") == "sibling").then(pl.lit("sibling"))
        .when((pl.col("relation") == "child") & (pl.col("me_sex") == "M")).then(pl.lit("father"))
        .when((pl.col("relation") == "child") & (pl.col("me_sex") == "F")).then(pl.lit("mother"))
        .alias("me_rel"),
    )
    mine = r.filter(pl.col("me_rel").is_not_null()).select(
        "rid", pl.struct(pl.col("me_rel").alias("relation"), pl.col("me_name").alias("name"),
                         pl.col("best").alias("birth_year")).alias("s"))
    # the other claimed relatives, from this relative's point of view
    pairs = rel.join(rel.select("claim_idx", pl.col("rid").alias("rid2"), pl.col("relation").alias("rel2"),
                                pl.col("name").alias("name2"), pl.col("birth_year").alias("by2")),
                     on="claim_idx").filter(pl.col("rid") != pl.col("rid2"))
    pairs = pairs.join(me.select("claim_idx", "me_sex"), on="claim_idx", how="left")
    view = pl.DataFrame({"relation": [k[0] for k in _VIEW], "rel2": [k[1] for k in _VIEW],
                         "v": list(_VIEW.values())})
    pairs = pairs.join(view, on=["relation", "rel2"], how="left").with_columns(
        # the claimant's spouse is the other parent of the claimant's child
        pl.when((pl.col("relation") == "child") & (pl.col("rel2") == "spouse") & (pl.col("me_sex") == "M"))
        .then(pl.lit("mother"))
        .when((pl.col("relation") == "child") & (pl.col("rel2") == "spouse") & (pl.col("me_sex") == "F"))
        .then(pl.lit("father")).otherwise(pl.col("v")).alias("v"))
    others = pairs.filter(pl.col("v").is_not_null()).select(
        "rid", pl.struct(pl.col("v").alias("relation"), pl.col("name2").alias("name"),
                         pl.col("by2").alias("birth_year")).alias("s"))
    fam = pl.concat([mine, others]).group_by("rid").agg(pl.col("s").alias("relatives"))
    r = r.join(fam, on="rid", how="left").with_columns(pl.col("name").alias("src_name"))
    # a relative named by the given name alone ("Tâm"): also searched with the family surname (the
    # claimant's, for a father, a sibling or a man's child, in cultures that pass the father's surname on)
    if "r_ntok" in r.columns and {"c_culture", "c_ntok"} <= set(claims_feat.columns):
        sur = claims_feat.select(
            "claim_idx", pl.when(pl.col("c_culture").is_in(list(_PATRILINEAL)) & (pl.col("c_ntok") >= 2))
            .then(pl.col("name").str.strip_chars().str.split(" ").list.first()).alias("sur"))
        aug = r.join(sur, on="claim_idx", how="left").filter(
            (pl.col("r_ntok") == 1) & pl.col("sur").is_not_null()
            & (pl.col("relation").is_in(["father", "sibling"])
               | ((pl.col("relation") == "child") & (pl.col("me_sex") == "M"))))
        aug = aug.with_columns(pl.format("{} {}", pl.col("sur"), pl.col("name").str.strip_chars()).alias("name"),
                               pl.lit("s").alias("_sfx")).drop("sur")
        r = pl.concat([r.with_columns(pl.lit("").alias("_sfx")), aug], how="vertical_relaxed")
    else:
        r = r.with_columns(pl.lit("").alias("_sfx"))
    out = r.select(
        pl.format("R{}{}", pl.col("rid"), pl.col("_sfx")).alias("claim_id"), "name",
        pl.lit([], dtype=pl.List(pl.Utf8)).alias("aliases"), "sex",
        pl.lit(None, dtype=pl.Utf8).alias("birth_date"), "birth_year", "birth_year_min", "birth_year_max",
        pl.lit(None, dtype=pl.Float64).alias("age"), pl.lit(None, dtype=pl.Date).alias("recorded_on"),
        pl.lit(None, dtype=pl.Utf8).alias("zodiac"), "ethnicity", "claimed_hometown",
        "residence",
        pl.col("relatives").fill_null(pl.lit([], dtype=pl.List(pl.Struct(
            {"relation": pl.Utf8, "name": pl.Utf8, "birth_year": pl.Int32})))),
        (pl.col("rid") + 1).cast(pl.UInt32).alias("_row"),
        pl.col("claim_idx").alias("src_idx"), pl.col("relation").alias("src_relation"),
        pl.col("rid").alias("src_rid"), "src_name")
    return out


# ------------------------------------------------------------------------------------------------
# Places
# ------------------------------------------------------------------------------------------------

def _place_text(texts: list[str | None], lang: str) -> dict[str | None, str | None]:
    """Officer-readable place (historical name → today) for each distinct text."""
    from reconcile import places

    out: dict[str | None, str | None] = {}
    for t in texts:
        if t is None or t in out:
            continue
        try:
            d = places.describe(places.resolve(t), lang)
        except Exception:  # a place we cannot read is shown as written
            d = ""
        out[t] = d or t
    return out


def _map_place(df: pl.DataFrame, col: str, out: str, lang: str) -> pl.DataFrame:
    if df.height == 0:
        return df.with_columns(pl.lit(None, dtype=pl.Utf8).alias(out))
    m = _place_text(df[col].unique().to_list(), lang)
    return df.with_columns(pl.col(col).replace_strict(m, default=None, return_dtype=pl.Utf8).alias(out))


# ------------------------------------------------------------------------------------------------
# Reasons
# ------------------------------------------------------------------------------------------------

def _agree_words(detail: pl.Expr, lang: str) -> pl.Expr:
    """Fields with positive weight in match's evidence_detail, as words ('tên, năm sinh, vợ/chồng')."""
    words = _FIELD_VI if lang == "vi" else _FIELD_EN
    return (detail.list.eval(
        pl.when((pl.element().struct.field("weight") > 0.5)
                & pl.element().struct.field("field").is_in(list(words)))
        .then(pl.element().struct.field("field").replace_strict(words, default=None))
        .otherwise(None).drop_nulls())
        .list.unique(maintain_order=True).list.join(", "))


def _honorific(sex: pl.Expr, by: pl.Expr, lang: str) -> pl.Expr:
    if lang == "vi":
        return (pl.when(sex == "M").then(pl.lit("ông ")).when(sex == "F").then(pl.lit("bà "))
                .otherwise(pl.lit("")))
    return pl.when(sex == "M").then(pl.lit("Mr ")).when(sex == "F").then(pl.lit("Ms ")).otherwise(pl.lit(""))


def _rel_word(relation: pl.Expr, sex: pl.Expr, lang: str) -> pl.Expr:
    if lang == "vi":
        return (pl.when(relation == "spouse").then(
            pl.when(sex == "M").then(pl.lit("chồng")).when(sex == "F").then(pl.lit("vợ")).otherwise(pl.lit("vợ/chồng")))
            .when(relation == "sibling").then(
            pl.when(sex == "M").then(pl.lit("anh/em trai")).when(sex == "F").then(pl.lit("chị/em gái"))
            .otherwise(pl.lit("anh/chị/em")))
            .otherwise(relation.replace_strict(_REL_VI, default="người thân")))
    return relation.replace_strict(_REL_EN, default="relative")


# ------------------------------------------------------------------------------------------------
# Family of the found leads (graph neighbours in the relatives frame)
# ------------------------------------------------------------------------------------------------

EXPAND_MIN = 0.5      # only relative leads at least this probable pass their family on
EXPAND_MIN_SELF = 0.5  # ... and self leads at least this probable (a wrong self lead floods the list)
EXPAND_MIN_CONF = 0.5  # only register edges at least this sure
EXPAND_FACTOR = 0.5    # a derived relative is a little less sure than the path (step-families, errors)
# (how the lead relates to the claimant, how the register relates the lead's relative to the lead)
#   → how that relative relates to the claimant
_COMPOSE = {
    ("self", "father"): "father", ("self", "mother"): "mother", ("self", "spouse"): "spouse",
    ("self", "child"): "child", ("self", "sibling"): "sibling", ("self", "grandparent"): "grandparent",
    ("self", "grandchild"): "grandchild",
    ("father", "spouse"): "mother", ("mother", "spouse"): "father",
    ("father", "child"): "sibling", ("mother", "child"): "sibling",
    ("father", "father"): "grandparent", ("father", "mother"): "grandparent",
    ("mother", "father"): "grandparent", ("mother", "mother"): "grandparent",
    ("sibling", "father"): "father", ("sibling", "mother"): "mother", ("sibling", "sibling"): "sibling",
    ("spouse", "child"): "child", ("child", "sibling"): "child", ("child", "child"): "grandchild",
}


def _family_expansion(self_l: pl.DataFrame, rel_l: pl.DataFrame, index, lang: str) -> pl.DataFrame:
    """Registered relatives of the probable leads, re-expressed as relatives of the claimant, with
    probability = lead probability × edge confidence × EXPAND_FACTOR and a reason naming the path."""
    src = pl.concat([
        self_l.filter((pl.col("kind") == "self") & (pl.col("probability") >= EXPAND_MIN_SELF)
                      & ~pl.col("_contra")).select(
            "claim_id", "person_id", "probability", "full_name", pl.lit("self").alias("via"),
            pl.lit("self").alias("_grp")),
        rel_l.select("claim_id", "person_id", "probability", "full_name", pl.col("relation").alias("via"),
                     pl.col("_grp").cast(pl.Utf8) if "_grp" in rel_l.columns else pl.lit(None, dtype=pl.Utf8).alias("_grp")),
    ]).filter(pl.col("probability") >= EXPAND_MIN)
    if src.height == 0:
        return pl.DataFrame()
    people = index.people
    src = src.join(people.select("person_id", pl.col("pidx")), on="person_id")
    kin = index.kin.filter(pl.col("rel_pidx").is_not_null() & (pl.col("confidence") >= EXPAND_MIN_CONF)).select(
        "pidx", pl.col("relation").alias("kr"), "rel_pidx", "confidence")
    keys = pl.DataFrame({"via": [k[0] for k in _COMPOSE], "kr": [k[1] for k in _COMPOSE],
                         "relation": list(_COMPOSE.values())})
    d = src.join(kin, on="pidx").join(keys, on=["via", "kr"])
    # never the lead itself, nor (for self) anyone already a self candidate
    d = d.join(people.select(pl.col("pidx").alias("rel_pidx"), pl.col("person_id").alias("q_id"),
                             pl.col("full_name").alias("q_name"), pl.col("sex").alias("q_sex"),
                             pl.col("p_birth_year").cast(pl.Int32).alias("q_by"),
                             pl.col("household_id").alias("q_hh"), pl.col("residence").alias("q_res")),
               on="rel_pidx")
    d = d.filter(pl.col("q_id") != pl.col("person_id")).with_columns(
        (pl.col("probability") * pl.col("confidence") * EXPAND_FACTOR).alias("p2"))
    d = d.sort("p2", descending=True).unique(["claim_id", "q_id"], keep="first")
    if d.height == 0:
        return pl.DataFrame()
    d = _map_place(d, "q_res", "place", lang)
    hon = _honorific(pl.col("q_sex"), pl.col("q_by"), lang)
    relw = _rel_word(pl.col("relation"), pl.col("q_sex"), lang)
    krw = _rel_word(pl.col("kr"), pl.col("q_sex"), lang)
    by_txt = pl.col("q_by").cast(pl.Utf8).fill_null("?")
    if lang == "vi":
        via_txt = pl.when(pl.col("via") == "self").then(pl.lit("người có thể chính là người khai")) \
            .otherwise(pl.format("người có thể là {} của người khai", _rel_word(pl.col("via"), pl.lit(None, dtype=pl.Utf8), lang)))
        reason = pl.format("Liên hệ công an {}: {}{}, sinh {}, có thể là {} của người khai (dữ liệu dân cư ghi là {} "
                           "của {}, {}).", pl.col("place").fill_null("nơi thường trú"), hon, pl.col("q_name"), by_txt,
                           relw, krw, pl.col("full_name"), via_txt)
    else:
        via_txt = pl.when(pl.col("via") == "self").then(pl.lit("who may be the claimant")) \
            .otherwise(pl.format("who may be the claimant's {}", _rel_word(pl.col("via"), pl.lit(None, dtype=pl.Utf8), lang)))
        reason = pl.format("Contact the police of {}: {}{}, born {}, may be the claimant's {} (the register records "
                           "them as the {} of {}, {}).", pl.col("place").fill_null("the residence"), hon,
                           pl.col("q_name"), by_txt, relw, krw, pl.col("full_name"), via_txt)
    return d.select("claim_id", pl.lit("relative").alias("kind"), pl.col("q_id").alias("person_id"),
                    pl.col("q_hh").alias("household_id"), "place", "relation", pl.col("p2").alias("probability"),
                    reason.alias("reason"), pl.col("q_name").alias("full_name"), pl.col("q_res").alias("_res"),
                    pl.lit(None, dtype=pl.Utf8).alias("_grp"))


# ------------------------------------------------------------------------------------------------
# Registered people whose own record names the claimant (as father, mother or spouse)
# ------------------------------------------------------------------------------------------------

NAMED_ON_RECORD_PROB = 0.6  # shared among the records naming someone of the claimant's name
_NAMED_AS = {"father": "child", "mother": "child", "spouse": "spouse"}
_NAMED_GAP = {"father": (14, 60), "mother": (13, 50), "spouse": (-25, 25)}


def _named_on_records(claims_feat: pl.DataFrame, index, lang: str) -> pl.DataFrame:
    """People whose record gives the claimant's name (phonetic key, same clan) as their father's,
    mother's or spouse's, with no registered person behind it (or one found by that name only), and whose age fits: the claimant's
    children or spouse. Probability NAMED_ON_RECORD_PROB / k over the k records that fit."""
    kin = index.kin
    if not {"r_name_key", "r_fam_key"} <= set(kin.columns) or "c_name_key" not in claims_feat.columns:
        return pl.DataFrame()
    # the name as written on the record: also when kinship resolved it to a registered namesake by
    # name alone (source record_name), which may be someone else
    by_name = pl.col("rel_pidx").is_null()
    if "source" in kin.columns:
        by_name = by_name | (pl.col("source") == "record_name")
    nk = kin.filter(by_name & pl.col("relation").is_in(list(_NAMED_AS))
                    & (pl.col("r_name_key").fill_null("") != "")).select(
        "pidx", "relation", pl.col("name").alias("written"), "r_name_key", "r_fam_key")
    cl = claims_feat.filter(pl.col("c_name_key").fill_null("") != "").select(
        "claim_id", pl.col("c_name_key").alias("r_name_key"), pl.col("c_fam_key").alias("r_fam_key"),
        "c_by_lo", "c_by_hi", pl.col("c_sex").alias("me_sex"))
    j = cl.join(nk, on=["r_name_key", "r_fam_key"])
    if j.height == 0:
        return pl.DataFrame()
    people = index.people
    j = j.join(people.select("pidx", pl.col("person_id"), pl.col("full_name"), pl.col("sex").alias("q_sex"),
                             pl.col("p_birth_year").cast(pl.Int32).alias("q_by"), "household_id",
                             pl.col("residence").alias("_res")), on="pidx")
    lo = pl.col("relation").replace_strict({k: v[0] for k, v in _NAMED_GAP.items()}, return_dtype=pl.Int32)
    hi = pl.col("relation").replace_strict({k: v[1] for k, v in _NAMED_GAP.items()}, return_dtype=pl.Int32)
    gap = pl.col("q_by") - pl.col("c_by_lo")
    gap2 = pl.col("q_by") - pl.col("c_by_hi")
    age_ok = pl.col("q_by").is_null() | pl.col("c_by_lo").is_null() | ((gap >= lo) & (gap2 <= hi))
    sex_ok = pl.col("me_sex").is_null() | ~(((pl.col("relation") == "father") & (pl.col("me_sex") == "F"))
                                            | ((pl.col("relation") == "mother") & (pl.col("me_sex") == "M")))
    j = j.filter(age_ok & sex_ok)
    if j.height == 0:
        return pl.DataFrame()
    j = j.with_columns(pl.len().over("claim_id").alias("k"),
                       pl.col("relation").replace_strict(_NAMED_AS).alias("as_rel"))
    j = j.with_columns((pl.lit(NAMED_ON_RECORD_PROB) / pl.col("k")).alias("probability"))
    j = _map_place(j, "_res", "place", lang)
    hon = _honorific(pl.col("q_sex"), pl.col("q_by"), lang)
    relw = _rel_word(pl.col("as_rel"), pl.col("q_sex"), lang)
    written_as = _rel_word(pl.col("relation"), pl.lit(None, dtype=pl.Utf8), lang)
    by_txt = pl.col("q_by").cast(pl.Utf8).fill_null("?")
    if lang == "vi":
        reason = pl.format("Liên hệ công an {}: {}{}, sinh {}, có thể là {} của người khai (hồ sơ của người này ghi "
                           "{} là {}, trùng tên người khai; {} hồ sơ như vậy).", pl.col("place").fill_null("nơi thường trú"),
                           hon, pl.col("full_name"), by_txt, relw, written_as, pl.col("written"), pl.col("k"))
    else:
        reason = pl.format("Contact the police of {}: {}{}, born {}, may be the claimant's {} (their record names "
                           "their {} as {}, the claimant's name; {} such records).",
                           pl.col("place").fill_null("the residence"), hon, pl.col("full_name"), by_txt, relw,
                           written_as, pl.col("written"), pl.col("k"))
    return j.select("claim_id", pl.lit("relative").alias("kind"), "person_id", "household_id", "place",
                    pl.col("as_rel").alias("relation"), "probability", reason.alias("reason"), "full_name", "_res")


# ------------------------------------------------------------------------------------------------
# Households at the claimed address (claimants who name no relatives, or whose relatives are not found)
# ------------------------------------------------------------------------------------------------

FAMILY_HH_MAX = 3     # households kept per claim
FAMILY_HH_PROB = 0.5  # spread over the fitting households of one commune


def _family_households(claims_feat: pl.DataFrame, people: pl.DataFrame, lang: str) -> pl.DataFrame:
    """Households in the commune the claimant gives as residence (or as hometown, when it names a
    commune) holding an adult of the claimant's surname (clan) who is 15–55 years older than the
    claimant: where an unregistered child of a registered family would be. Probability is shared
    among the fitting households of that commune (FAMILY_HH_PROB / k), so it is low when many fit."""
    need = {"c_fam_key", "c_res_commune", "c_home_commune", "c_by_lo", "c_by_hi"}
    pneed = {"p_fam_key", "p_res_commune", "p_home_commune", "p_birth_year", "household_id"}
    if not need <= set(claims_feat.columns) or not pneed <= set(people.columns):
        return pl.DataFrame()
    cl = pl.concat([
        claims_feat.select("claim_id", "c_fam_key", pl.col("c_res_commune").alias("commune"),
                           pl.col("c_res_district").alias("district"), "c_by_lo", "c_by_hi",
                           pl.lit("res").alias("via")),
        claims_feat.select("claim_id", "c_fam_key", pl.col("c_home_commune").alias("commune"),
                           pl.col("c_home_district").alias("district"), "c_by_lo", "c_by_hi",
                           pl.lit("home").alias("via")),
    ]).filter(pl.col("commune").is_not_null() & (pl.col("c_fam_key").fill_null("") != "")
              & pl.col("c_by_lo").is_not_null())
    if cl.height == 0:
        return pl.DataFrame()
    adults = people.filter(pl.col("household_id").is_not_null() & pl.col("p_birth_year").is_not_null())
    if "relation_to_head" in adults.columns:
        adults = adults.filter(pl.col("relation_to_head").is_in(["chủ hộ", "vợ", "chồng"]))
    ad = pl.concat([
        adults.select(pl.col("p_fam_key").alias("c_fam_key"), pl.col("p_res_commune").alias("commune"),
                      pl.col("p_res_district").alias("p_district"), "p_birth_year", "household_id",
                      "full_name", "residence", pl.lit("res").alias("via")),
        adults.select(pl.col("p_fam_key").alias("c_fam_key"), pl.col("p_home_commune").alias("commune"),
                      pl.col("p_home_district").alias("p_district"), "p_birth_year", "household_id",
                      "full_name", "residence", pl.lit("home").alias("via")),
    ]).filter(pl.col("commune").is_not_null())
    j = cl.join(ad, on=["c_fam_key", "commune", "via"]).filter(
        (pl.col("district").is_null() | pl.col("p_district").is_null() | (pl.col("district") == pl.col("p_district")))
        & (pl.col("p_birth_year") <= pl.col("c_by_hi") - 15) & (pl.col("p_birth_year") >= pl.col("c_by_lo") - 55))
    if j.height == 0:
        return pl.DataFrame()
    g = j.group_by("claim_id", "household_id").agg(
        pl.col("full_name").first().alias("adult"), pl.col("residence").first().alias("_res"),
        (pl.col("via") == "res").any().alias("at_res"))
    g = g.with_columns(pl.len().over("claim_id").alias("k")).with_columns(
        (pl.lit(FAMILY_HH_PROB) / pl.col("k") * pl.when(pl.col("at_res")).then(1.0).otherwise(0.6))
        .alias("probability"))
    g = (g.sort(["claim_id", "probability", "household_id"], descending=[False, True, False])
         .with_columns(pl.int_range(pl.len()).over("claim_id").alias("_r")).filter(pl.col("_r") < FAMILY_HH_MAX))
    g = _map_place(g, "_res", "place", lang)
    if lang == "vi":
        reason = pl.format("Hỏi hộ {} tại {}: {} cùng họ, đủ tuổi làm cha/mẹ người khai, sống ở nơi người khai "
                           "nêu; người khai có thể là con chưa đăng ký của hộ này ({} hộ như vậy).",
                           pl.col("household_id"), pl.col("place").fill_null("?"), pl.col("adult"), pl.col("k"))
    else:
        reason = pl.format("Ask household {} in {}: {} has the claimant's surname, is old enough to be a parent "
                           "and lives where the claimant says; the claimant may be an unregistered child of this "
                           "household ({} such households).",
                           pl.col("household_id"), pl.col("place").fill_null("?"), pl.col("adult"), pl.col("k"))
    return g.select("claim_id", pl.lit("household").alias("kind"), pl.lit(None, dtype=pl.Utf8).alias("person_id"),
                    "household_id", "place", pl.lit(None, dtype=pl.Utf8).alias("relation"), "probability",
                    reason.alias("reason"), pl.lit(None, dtype=pl.Utf8).alias("full_name"), "_res")


# ------------------------------------------------------------------------------------------------
# leads()
# ------------------------------------------------------------------------------------------------

def leads(claims, index, top_k: int = 20, lang: str = "vi", progress=None) -> pl.DataFrame:
    """Verification leads for each claim, most useful first (SPEC §3): `claim_id rank kind person_id
    household_id place relation probability reason full_name`."""
    from reconcile import matching
    from reconcile.engine import Matcher
    from reconcile.features import featurise_claims

    explain.check_lang(lang)
    if top_k < 1:
        raise ValueError(f"top_k must be at least 1 (got {top_k})")
    say = _progress.resolve(progress)
    claims_feat, crel = featurise_claims(claims, index)
    if claims_feat.height == 0:
        return _empty()
    say("leads", 0, 4)
    people = index.people
    info = people.select(
        pl.col("person_id"), pl.col("sex").alias("l_sex"),
        pl.col("p_birth_year").cast(pl.Int32).alias("l_by"), pl.col("residence").alias("l_res"),
        pl.col("household_id").alias("l_hh"), pl.col("pidx").alias("l_pidx"))
    ids = claims_feat.select("claim_idx", "claim_id", "claimed_hometown")

    # self leads
    own = matching.match(claims_feat.select(_CLAIM_COLS), index, top_k=3, lang=lang)
    say("leads", 1, 4)
    own = own.filter(pl.col("probability") >= MIN_SELF).join(info, on="person_id", how="left")
    own = _map_place(own, "l_res", "place", lang)
    agree = _agree_words(pl.col("evidence_detail"), lang)
    hon = _honorific(pl.col("l_sex"), pl.col("l_by"), lang)
    by_txt = pl.col("l_by").cast(pl.Utf8).fill_null("?")
    if lang == "vi":
        self_reason = pl.format(
            "Có thể chính là người đã đăng ký: {}{}, sinh {} (hộ {}); xác minh tại công an {} "
            "(khớp: {}).", hon, pl.col("full_name"), by_txt, pl.col("household_id").fill_null("?"),
            pl.col("place").fill_null("nơi thường trú"), agree)
    else:
        self_reason = pl.format(
            "May be the registered person {}{}, born {} (household {}); verify with the police of {} "
            "(agreeing: {}).", hon, pl.col("full_name"), by_txt, pl.col("household_id").fill_null("?"),
            pl.col("place").fill_null("the place of residence"), agree)
    # a candidate who shares the claimed parents but whose given name differs is more likely a
    # sibling than the claimant: shown as a sibling lead, never as the claimant
    lvl = lambda f: pl.col("evidence_detail").list.eval(  # noqa: E731
        pl.element().filter(pl.element().struct.field("field") == f).struct.field("level")).list.first()
    sib = ((lvl("giv") == "different")
           & ((lvl("father") == "strong") | (lvl("mother") == "strong"))).fill_null(False)
    if lang == "vi":
        sib_reason = pl.format(
            "Liên hệ công an {}: {}{}, sinh {}, có thể là anh/chị/em ruột của người khai "
            "(cùng cha mẹ như lời khai nhưng tên khác; khớp: {}).",
            pl.col("place").fill_null("nơi thường trú"), hon, pl.col("full_name"), by_txt, agree)
    else:
        sib_reason = pl.format(
            "Contact the police of {}: {}{}, born {}, may be the claimant's sibling "
            "(same parents as claimed but a different given name; agreeing: {}).",
            pl.col("place").fill_null("the residence"), hon, pl.col("full_name"), by_txt, agree)
    # a candidate whose recorded parents/spouse contradict the claim does not pass on its family
    contra = pl.any_horizontal(lvl(r) == "different" for r in ("father", "mother", "spouse")).fill_null(False)
    own = own.with_columns(contra.alias("_contra"))
    self_l = own.select(
        "claim_id", pl.when(sib).then(pl.lit("relative")).otherwise(pl.lit("self")).alias("kind"),
        "person_id", "household_id", "place",
        pl.when(sib).then(pl.lit("sibling")).otherwise(pl.lit(None, dtype=pl.Utf8)).alias("relation"),
        "probability", pl.when(sib).then(sib_reason).otherwise(self_reason).alias("reason"),
        "full_name", pl.col("l_res").alias("_res"), "_contra", pl.lit("self").alias("_grp"))

    # relative leads
    pseudo = pseudo_claims(claims_feat, crel)
    rel_l = _empty().drop("rank").with_columns(pl.lit(None, dtype=pl.Utf8).alias("_res"),
                                               pl.lit(None, dtype=pl.Utf8).alias("_grp"))
    hh_l = rel_l.clear()
    if pseudo.height:
        pm = matching.match(pseudo.drop("src_idx", "src_relation", "src_rid", "src_name"), index, top_k=PER_RELATIVE, lang=lang,
                            params=pseudo_params(Matcher(index).params))
        pm = pm.filter(pl.col("probability") >= MIN_RELATIVE)
        pm = pm.join(pseudo.select("claim_id", "src_idx", "src_relation", "src_rid",
                                   pl.col("src_name").alias("claimed")),
                     on="claim_id").join(ids.rename({"claim_id": "cid"}), left_on="src_idx",
                                         right_on="claim_idx")
        pm = pm.join(info, on="person_id", how="left")
        pm = _map_place(pm, "l_res", "place", lang)
        # family links the register confirms between two found relatives of one claim
        kin = index.kin.filter(pl.col("rel_pidx").is_not_null()).select(
            pl.col("pidx").alias("l_pidx"), pl.col("rel_pidx").alias("o_pidx"), pl.col("relation").alias("kr"))
        other = pm.select(pl.col("src_idx"), pl.col("l_pidx").alias("o_pidx"),
                          pl.col("full_name").alias("o_name"), pl.col("src_relation").alias("o_rel"))
        links = (pm.select("src_idx", "l_pidx", "src_relation").join(kin, on="l_pidx")
                 .join(other, on=["src_idx", "o_pidx"])
                 .filter(pl.col("o_rel") != pl.col("src_relation"))
                 .with_columns(_rel_word(pl.col("kr"), pl.lit(None, dtype=pl.Utf8), lang).alias("krw"))
                 .group_by("src_idx", "l_pidx", "src_relation")
                 .agg(pl.format("{} {}", pl.col("krw"), pl.col("o_name")).unique().sort().alias("lk")))
        pm = pm.join(links, on=["src_idx", "l_pidx", "src_relation"], how="left")
        agree = _agree_words(pl.col("evidence_detail"), lang)
        hon = _honorific(pl.col("l_sex"), pl.col("l_by"), lang)
        relw = _rel_word(pl.col("src_relation"), pl.col("l_sex"), lang)
        by_txt = pl.col("l_by").cast(pl.Utf8).fill_null("?")
        if lang == "vi":
            link_txt = pl.when(pl.col("lk").is_not_null()).then(
                pl.format("; dữ liệu dân cư ghi {} như lời khai", pl.col("lk").list.join(", "))).otherwise(pl.lit(""))
            reason = pl.format("Liên hệ công an {}: {}{}, sinh {}, có thể là {} của người khai "
                               "(khai là {}; khớp: {}{}).", pl.col("place").fill_null("nơi thường trú"), hon,
                               pl.col("full_name"), by_txt, relw, pl.col("claimed"), agree, link_txt)
        else:
            link_txt = pl.when(pl.col("lk").is_not_null()).then(
                pl.format("; the register records {} as claimed", pl.col("lk").list.join(", "))).otherwise(pl.lit(""))
            reason = pl.format("Contact the police of {}: {}{}, born {}, may be the claimant's {} "
                               "(claimed as {}; agreeing: {}{}).", pl.col("place").fill_null("the residence"),
                               hon, pl.col("full_name"), by_txt, relw, pl.col("claimed"), agree, link_txt)
        pm = pm.with_columns(reason.alias("reason"))
        # one row per (claim, person): a person found for two claimed relatives keeps the best
        rel_l = (pm.sort("probability", descending=True).unique(["cid", "person_id"], keep="first")
                 .select(pl.col("cid").alias("claim_id"), pl.lit("relative").alias("kind"), "person_id",
                         "household_id", "place", pl.col("src_relation").alias("relation"), "probability",
                         "reason", "full_name", pl.col("l_res").alias("_res"),
                         pl.format("r{}", pl.col("src_rid")).alias("_grp")))
    named = _named_on_records(claims_feat, index, lang)
    if named.height:
        named = named.with_columns(pl.lit("named").alias("_grp"))
        rel_l = pl.concat([rel_l, named.select(rel_l.columns)], how="vertical_relaxed")
        rel_l = rel_l.sort("probability", descending=True).unique(["claim_id", "person_id"], keep="first")
    # the registered family of the best leads (graph neighbours): the found father's wife and
    # children are probably the claimant's mother and siblings, a registered claimant's relatives ...
    der = _family_expansion(self_l, rel_l, index, lang)
    if der.height:
        rel_l = pl.concat([rel_l, der.select(rel_l.columns)], how="vertical_relaxed")
        rel_l = (rel_l.sort("probability", descending=True).unique(["claim_id", "person_id"], keep="first"))
    if rel_l.height:
        # households of the relatives
        hh = rel_l.filter(pl.col("household_id").is_not_null()).group_by("claim_id", "household_id").agg(
            (1 - (1 - pl.col("probability").clip(0, 0.99)).product()).alias("probability"),
            pl.format("{} ({})", pl.col("full_name"), _rel_word(pl.col("relation"), pl.lit(None, dtype=pl.Utf8), lang))
            .sort_by("probability", descending=True).alias("who"),
            pl.col("place").sort_by("probability", descending=True).first().alias("place"),
            pl.col("_res").sort_by("probability", descending=True).first().alias("_res"),
            pl.col("_grp").sort_by("probability", descending=True).first().alias("_grp"),
            pl.col("_grp").n_unique().alias("_ng"))
        if lang == "vi":
            hreason = pl.format("Hỏi hộ {} tại {}: có {}; hộ này có thể biết người khai.",
                                pl.col("household_id"), pl.col("place").fill_null("?"), pl.col("who").list.join(", "))
        else:
            hreason = pl.format("Ask household {} in {}: it holds {}; it may know the claimant.",
                                pl.col("household_id"), pl.col("place").fill_null("?"), pl.col("who").list.join(", "))
        hh_l = hh.select("claim_id", pl.lit("household").alias("kind"), pl.lit(None, dtype=pl.Utf8).alias("person_id"),
                         "household_id", "place", pl.lit(None, dtype=pl.Utf8).alias("relation"),
                         pl.col("probability").clip(0, 0.99), hreason.alias("reason"),
                         pl.lit(None, dtype=pl.Utf8).alias("full_name"), "_res", "_grp",
                         # a household holding one lead only repeats it; several sources make it stronger
                         pl.when(pl.col("_ng") > 1).then(1.0).otherwise(SINGLE_HH_ORDER).alias("_ord"))
    fam_l = _family_households(claims_feat, people, lang)
    if fam_l.height:
        known = pl.concat([hh_l.select("claim_id", "household_id"),
                           self_l.select("claim_id", "household_id")]).drop_nulls()
        fam_l = fam_l.join(known, on=["claim_id", "household_id"], how="anti").with_columns(
            pl.lit("famhh").alias("_grp"), pl.lit(1.0).alias("_ord"))
        hh_l = pl.concat([hh_l, fam_l.select([c for c in fam_l.columns if c in hh_l.columns or c == "_ord"])],
                         how="diagonal_relaxed")
    say("leads", 3, 4)

    # place leads: where the best leads live, and the claimed hometown
    found = pl.concat([self_l.drop("_contra"), rel_l], how="vertical_relaxed").filter(pl.col("place").is_not_null())
    pl_found = found.group_by("claim_id", "place").agg(
        pl.col("probability").max().alias("probability"), pl.len().alias("n"))
    home = _map_place(ids.filter(pl.col("claimed_hometown").is_not_null()), "claimed_hometown", "place", lang)
    home = home.select("claim_id", "place", pl.col("claimed_hometown").alias("said"))
    places = pl_found.join(home, on=["claim_id", "place"], how="full", coalesce=True).with_columns(
        pl.max_horizontal(pl.col("probability").fill_null(0),
                          pl.when(pl.col("said").is_not_null()).then(pl.lit(HOMETOWN_PROB)).otherwise(0.0))
        .alias("probability"), pl.col("n").fill_null(0))
    if lang == "vi":
        preason = pl.format("Đề nghị công an {} xác minh{}{}.", pl.col("place"),
                            pl.when(pl.col("n") > 0).then(pl.format(" ({} đầu mối ở đây)", pl.col("n")))
                            .otherwise(pl.lit("")),
                            pl.when(pl.col("said").is_not_null())
                            .then(pl.format("; người khai gọi là \"{}\"", pl.col("said"))).otherwise(pl.lit("")))
    else:
        preason = pl.format("Ask the police of {} to verify{}{}.", pl.col("place"),
                            pl.when(pl.col("n") > 0).then(pl.format(" ({} lead(s) there)", pl.col("n")))
                            .otherwise(pl.lit("")),
                            pl.when(pl.col("said").is_not_null())
                            .then(pl.format("; the claimant called it \"{}\"", pl.col("said"))).otherwise(pl.lit("")))
    place_l = (places.sort("probability", descending=True)
               .with_columns(pl.int_range(pl.len()).over("claim_id").alias("_k"))
               .filter(pl.col("_k") < MAX_PLACES)
               .select("claim_id", pl.lit("place").alias("kind"), pl.lit(None, dtype=pl.Utf8).alias("person_id"),
                       pl.lit(None, dtype=pl.Utf8).alias("household_id"), "place",
                       pl.lit(None, dtype=pl.Utf8).alias("relation"), "probability", preason.alias("reason"),
                       pl.lit(None, dtype=pl.Utf8).alias("full_name")))
    body = pl.concat([f.drop("_res") for f in (self_l.drop("_contra"), rel_l, hh_l)], how="diagonal_relaxed")
    body = pl.concat([body.filter(pl.col("person_id").is_null()),
                      body.filter(pl.col("person_id").is_not_null()).sort("probability", descending=True)
                      .unique(["claim_id", "person_id"], keep="first")])
    body = body.cast({k: v for k, v in OUTPUT_SCHEMA.items() if k in body.columns})
    if "_ord" not in body.columns:
        body = body.with_columns(pl.lit(1.0).alias("_ord"))
    # order: most useful first, with diversity. Leads that are competing answers to one question
    # (the registered namesakes of one claimed relative, the claimant's own candidates, records naming
    # the claimant) form a group; the n-th lead of a group ranks by probability × GROUP_DECAY^n, so the
    # best lead for each claimed relative comes before second-best leads of another. Family of a
    # found lead (not competing: all of it is true together) ranks by probability. Place leads: the best one right after the strongest
    # person lead (always kept), further places sink. The probability column is never changed.
    kind_order = pl.col("kind").replace_strict({"self": 0, "relative": 1, "household": 2, "place": 3},
                                               return_dtype=pl.Int8)
    body = body.with_columns(kind_order.alias("_ko"),
                             (pl.col("probability") * pl.col("_ord").fill_null(1.0)).alias("_p"))
    body = body.sort(["claim_id", "_p", "_ko", "person_id", "household_id"],
                     descending=[False, True, False, False, False], nulls_last=True)
    body = body.with_columns(
        pl.when(pl.col("_grp").is_null()).then(pl.col("_p"))
        .otherwise(pl.col("_p") * pl.lit(GROUP_DECAY).pow(pl.int_range(pl.len()).over("claim_id", "_grp")))
        .alias("_score"))
    top = body.group_by("claim_id").agg(pl.col("_score").max().alias("_top"))
    place_l = place_l.cast({k: v for k, v in OUTPUT_SCHEMA.items() if k in place_l.columns})
    place_l = (place_l.sort(["claim_id", "probability", "place"], descending=[False, True, False])
               .with_columns(pl.int_range(pl.len()).over("claim_id").alias("_pj"))
               .join(top, on="claim_id", how="left")
               .with_columns((pl.min_horizontal("probability", pl.col("_top").fill_null(1.0))
                              * pl.lit(PLACE_DECAY).pow(pl.col("_pj"))).alias("_score"),
                             pl.lit(3, dtype=pl.Int8).alias("_ko"))
               .drop("_top"))
    allr = pl.concat([body.drop("_grp").with_columns(pl.lit(None, dtype=pl.Int64).alias("_pj")),
                      place_l.with_columns(pl.col("_pj").cast(pl.Int64))], how="diagonal_relaxed")
    allr = allr.join(ids.select("claim_id", "claim_idx"), on="claim_id", how="left")
    allr = allr.sort(["claim_idx", "_score", "_ko", "person_id", "household_id", "place"],
                     descending=[False, True, False, False, False, False], nulls_last=True)
    has_place = pl.col("_pj").is_not_null().any().over("claim_idx").cast(pl.Int32)
    nth_other = pl.col("_pj").is_null().cast(pl.Int32).cum_sum().over("claim_idx")
    allr = allr.filter(pl.when(pl.col("_pj").is_null()).then(nth_other <= pl.lit(top_k) - has_place)
                       .otherwise(True))
    allr = allr.with_columns((pl.int_range(pl.len()).over("claim_idx") + 1).cast(pl.UInt32).alias("rank"))
    allr = allr.filter((pl.col("rank") <= top_k) | (pl.col("_pj") == 0))
    allr = allr.with_columns((pl.int_range(pl.len()).over("claim_idx") + 1).cast(pl.UInt32).alias("rank"))
    say("leads", 4, 4)
    return allr.select(list(OUTPUT_SCHEMA)).cast(OUTPUT_SCHEMA)


_CLAIM_COLS = ["claim_id", "name", "aliases", "sex", "birth_date", "birth_year", "birth_year_min",
               "birth_year_max", "age", "recorded_on", "zodiac", "ethnicity", "claimed_hometown",
               "residence", "relatives", "_row"]
