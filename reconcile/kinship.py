"""Kinship of registered people: the long frame of known relatives and the typed kinship graph.

Owns
- `person_relatives(people)`: one row per (person, relative) the register tells us about (DESIGN.md
  "Known relatives of registered people"), from three kinds of evidence:
  * `record_id`   father_id / mother_id / spouse_id (and their reverses: child, spouse);
  * `record_name` father_name / mother_name / spouse_name as written, resolved to a registered person
    when the evidence supports it (same household and same name; or the same name, a plausible age gap
    and the same hometown province or surname lineage, and only one such person), else a name-only row;
  * `household`   roles in one household book (`chủ hộ`, `vợ`, `chồng`, `con`, `cha`, `mẹ`, `anh`, `chị`,
    `em`, `cháu`, `ông`, `bà`, `con dâu`, `con rể`): a `con` of a male head has him as father and the
    head's `vợ` as mother, the head's `cha`/`mẹ` are grandparents of the head's children, and so on.
  Derived rows: siblings (children of one resolved parent) and grandparents (a resolved parent's
  resolved parents). Every row carries a confidence; several sources for one edge combine as
  independent evidence (1 - Π(1 - c)).
- `build_graph(people, relatives) -> nx.MultiDiGraph`, `family_of(graph, pidx)` and `graph_from_index(index)` (kept on the
  Index object; the graph is never saved; the index stores relatives in CSR form, see
  `reconcile.index.arrays.Relatives`, and the edge frame `kin_edges.parquet`).

All work is whole-column polars joins; no loop runs over rows.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from reconcile.vn.text import fold_expr, norm_expr

RELATIONS = ("father", "mother", "spouse", "child", "sibling", "grandparent", "grandchild")
INVERSE = {"father": "child", "mother": "child", "spouse": "spouse", "child": None,
           "sibling": "sibling", "grandparent": "grandchild", "grandchild": "grandparent"}
OUT_SCHEMA = {"pidx": pl.UInt32, "relation": pl.Utf8, "name": pl.Utf8, "birth_year": pl.Int16,
              "rel_pidx": pl.UInt32, "confidence": pl.Float64, "source": pl.Utf8}

# THE table of plausible age gaps (relative's birth year minus the person's), used wherever the
# library judges a relative's age: resolving names written on records here, and bounding a claimed
# relative's birth year in leads (LeadsConfig.by_gap defaults to it). A parent is 13-65 years older.
AGE_GAPS = {"father": (-65, -14), "mother": (-55, -13), "spouse": (-25, 25), "child": (14, 65),
        "grandparent": (-110, -30), "grandchild": (30, 110), "sibling": (-30, 30)}
# names shared by more people than this are not resolved from the name alone
_MAX_NAMESAKES = 60
# a parent with more resolved children than this is a suspect resolution: no siblings derived from it
_MAX_CHILDREN = 20

# enums in sorted (alphabetical) order, so sorting by them sorts like the strings
_REL_ENUM = pl.Enum(sorted(RELATIONS))
_SRC_ENUM = pl.Enum(["household", "record_id", "record_name"])

_HEAD = ("chủ hộ", "chu ho")
_PARTNER = ("vợ", "chồng", "vo", "chong")
_CHILD = ("con", "con nuôi", "con đẻ", "con ruột")
_PARENT = ("cha", "mẹ", "bố", "me", "bo", "má", "ba")
_SIB = ("anh", "chị", "em", "anh trai", "chị gái", "em trai", "em gái", "chi")
_GRANDP = ("ông", "bà", "ông nội", "bà nội", "ông ngoại", "bà ngoại", "ong", "ba noi")
_GRANDC = ("cháu", "cháu nội", "cháu ngoại", "chau")
_INLAW = ("con dâu", "con rể", "con dau", "con re")


def _fold_distinct(df: pl.DataFrame, col: str, out: str) -> pl.DataFrame:
    """Add `out` = folded `col`, folding each distinct value once (names repeat a lot)."""
    d = df.select(pl.col(col)).unique().drop_nulls().with_columns(fold_expr(pl.col(col)).alias(out))
    return df.join(d, on=col, how="left")


def _col_or_null(df: pl.DataFrame, name: str, dtype=pl.Utf8) -> pl.Expr:
    return pl.col(name).cast(dtype) if name in df.columns else pl.lit(None, dtype=dtype)


def _base(people: pl.DataFrame) -> pl.DataFrame:
    """The columns this module needs, with nulls for the ones the register lacks."""
    p = people
    if "pidx" not in p.columns:
        p = p.with_columns(pl.int_range(pl.len(), dtype=pl.UInt32).alias("pidx"))
    by = "p_birth_year" if "p_birth_year" in p.columns else "birth_year"
    if by not in p.columns and "birth_date" in p.columns:
        p = p.with_columns(pl.col("birth_date").cast(pl.Utf8).str.extract(r"(\d{4})").cast(pl.Int32)
                           .alias("birth_year"))
        by = "birth_year"
    home = None
    if "p_home_now" in p.columns:
        home = pl.col("p_home_now").list.first()
    elif "hometown" in p.columns:
        home = fold_expr(pl.col("hometown").str.split(",").list.last())
    out = p.select(
        pl.col("pidx").cast(pl.UInt32),
        _col_or_null(p, "person_id").alias("person_id"),
        pl.col("full_name").cast(pl.Utf8).alias("full_name"),
        _col_or_null(p, by, pl.Int32).alias("by"),
        _col_or_null(p, "sex").alias("sex"),
        _col_or_null(p, "household_id").alias("hh"),
        norm_expr(_col_or_null(p, "relation_to_head")).alias("role"),
        *[_col_or_null(p, c).alias(c) for c in ("father_name", "mother_name", "spouse_name",
                                                  "father_id", "mother_id", "spouse_id")],
        (home if home is not None else pl.lit(None, dtype=pl.Utf8)).alias("home"),
    )
    nf = p.select(pl.col("p_fold").alias("nfold")) if "p_fold" in p.columns else None
    if nf is not None:
        out = out.with_columns(nf.to_series())
    else:
        out = _fold_distinct(out, "full_name", "nfold")
    out = out.with_columns(
        *[pl.when(pl.col(c).str.strip_chars() == "").then(None).otherwise(pl.col(c).str.strip_chars())
          .alias(c) for c in ("father_name", "mother_name", "spouse_name", "father_id", "mother_id",
                                "spouse_id", "hh")],
    )
    return out.with_columns(pl.col("nfold").str.split(" ").list.first().alias("fam"))


def _empty() -> pl.DataFrame:
    return pl.DataFrame(schema=OUT_SCHEMA)


def _edges(df: pl.DataFrame, relation: str, conf: float | pl.Expr, source: str) -> pl.DataFrame:
    """`df` has pidx, rel_pidx → resolved edge rows (name/birth year filled later)."""
    c = conf if isinstance(conf, pl.Expr) else pl.lit(conf)
    return df.select(pl.col("pidx").cast(pl.UInt32), pl.lit(relation).alias("relation"),
                     pl.lit(None, dtype=pl.Utf8).alias("name"), pl.lit(None, dtype=pl.Int16).alias("birth_year"),
                     pl.col("rel_pidx").cast(pl.UInt32), c.cast(pl.Float64).alias("confidence"),
                     pl.lit(source).alias("source"))


def _with_reverse(e: pl.DataFrame, child_of_parent: bool = True) -> pl.DataFrame:
    """Add the reverse of every resolved edge (father/mother → child, spouse ↔ spouse, …)."""
    inv = e.filter(pl.col("rel_pidx").is_not_null()).with_columns(
        pl.col("relation").replace_strict({"father": "child", "mother": "child", "spouse": "spouse",
                                           "sibling": "sibling", "grandparent": "grandchild",
                                           "grandchild": "grandparent", "child": "parent"},
                                          default=None).alias("relation"),
        pl.col("rel_pidx").alias("pidx"), pl.col("pidx").alias("rel_pidx"),
        pl.lit(None, dtype=pl.Utf8).alias("name"), pl.lit(None, dtype=pl.Int16).alias("birth_year"))
    inv = inv.filter(pl.col("relation").is_not_null() & (pl.col("relation") != "parent"))
    return pl.concat([e, inv.select(e.columns)])


def _id_edges(b: pl.DataFrame) -> pl.DataFrame:
    ids = b.select(pl.col("person_id").alias("_rid"), pl.col("pidx").alias("rel_pidx")) \
        .filter(pl.col("_rid").is_not_null()).unique("_rid", keep="first")
    parts = []
    for rel, icol in (("father", "father_id"), ("mother", "mother_id"), ("spouse", "spouse_id")):
        j = b.filter(pl.col(icol).is_not_null()).select("pidx", pl.col(icol).alias("_rid")) \
            .join(ids, on="_rid", how="inner").filter(pl.col("pidx") != pl.col("rel_pidx"))
        parts.append(_edges(j, rel, 0.99, "record_id"))
    return _with_reverse(pl.concat(parts))


def _household_edges(b: pl.DataFrame) -> pl.DataFrame:
    """Typed edges between members of one household book, from relation_to_head."""
    m = b.filter(pl.col("hh").is_not_null() & pl.col("role").is_not_null()).select(
        "pidx", "hh", "role", "sex", "by", "father_name", "mother_name", "nfold")
    if m.height == 0:
        return _empty()
    # one head per household (the first); households without a head give only sibling edges of `con`
    head = m.filter(pl.col("role").is_in(_HEAD)).unique("hh", keep="first").select(
        "hh", pl.col("pidx").alias("h"), pl.col("sex").alias("h_sex"), pl.col("nfold").alias("h_fold"))
    partner = m.filter(pl.col("role").is_in(_PARTNER)).select(
        "hh", pl.col("pidx").alias("w"), pl.col("role").alias("w_role"), pl.col("sex").alias("w_sex"),
        pl.col("nfold").alias("w_fold"))
    # the head's sex: as recorded, else opposite to a vợ/chồng
    head = head.join(partner.group_by("hh").agg(pl.col("w_role").first()), on="hh", how="left").with_columns(
        pl.coalesce(pl.col("h_sex"),
                    pl.when(pl.col("w_role").is_in(["vợ", "vo"])).then(pl.lit("M"))
                    .when(pl.col("w_role").is_in(["chồng", "chong"])).then(pl.lit("F")))
        .alias("h_sex")).drop("w_role")
    partner = partner.join(head.select("hh", "h_sex"), on="hh", how="left").with_columns(
        pl.coalesce(pl.col("w_sex"),
                    pl.when(pl.col("w_role").is_in(["vợ", "vo"])).then(pl.lit("F"))
                    .when(pl.col("w_role").is_in(["chồng", "chong"])).then(pl.lit("M")),
                    pl.when(pl.col("h_sex") == "M").then(pl.lit("F"))
                    .when(pl.col("h_sex") == "F").then(pl.lit("M")))
        .alias("w_sex")).drop("h_sex")
    parts = []
    # head ↔ partner
    hp = head.join(partner, on="hh").select(pl.col("h").alias("pidx"), pl.col("w").alias("rel_pidx"))
    parts.append(_with_reverse(_edges(hp, "spouse", 0.9, "household")))
    # parents of a `con`: the head and the head's partner, typed by sex; lowered when the record
    # names a different father/mother (a step-parent)
    kids = m.filter(pl.col("role").is_in(_CHILD)).select(
        "hh", "pidx", "father_name", "mother_name", pl.col("by").alias("k_by"))
    par = pl.concat([
        head.select("hh", pl.col("h").alias("rel_pidx"), pl.col("h_sex").alias("psex"),
                    pl.col("h_fold").alias("pfold"), pl.lit(0.85).alias("c0")),
        partner.select("hh", pl.col("w").alias("rel_pidx"), pl.col("w_sex").alias("psex"),
                       pl.col("w_fold").alias("pfold"), pl.lit(0.75).alias("c0")),
    ])
    kp = kids.join(par, on="hh").filter(pl.col("psex").is_in(["M", "F"])).with_columns(
        pl.when(pl.col("psex") == "M").then(pl.lit("father")).otherwise(pl.lit("mother")).alias("relation"),
        pl.when(pl.col("psex") == "M").then(pl.col("father_name")).otherwise(pl.col("mother_name"))
        .alias("_wn"))
    kp = _fold_distinct(kp, "_wn", "written")
    kp = kp.with_columns(
        pl.when(pl.col("written").is_null()).then(pl.col("c0"))
        .when(pl.col("written") == pl.col("pfold")).then(pl.lit(0.97))
        .otherwise(pl.col("c0") * 0.4).alias("conf"))
    for rel in ("father", "mother"):
        parts.append(_with_reverse(_edges(kp.filter(pl.col("relation") == rel), rel, pl.col("conf"), "household")))
    # parents of the head (cha/mẹ): father/mother of the head, grandparents of the head's children
    hpar = m.filter(pl.col("role").is_in(_PARENT)).select(
        "hh", pl.col("pidx").alias("rel_pidx"), "role", "sex").with_columns(
        pl.when(pl.col("role").is_in(["cha", "bố", "bo", "ba"]) | (pl.col("sex") == "M"))
        .then(pl.lit("father")).otherwise(pl.lit("mother")).alias("relation"))
    hh_par = hpar.join(head.select("hh", pl.col("h").alias("pidx")), on="hh")
    for rel in ("father", "mother"):
        parts.append(_with_reverse(_edges(hh_par.filter(pl.col("relation") == rel), rel, 0.85, "household")))
    gp = hpar.join(kids.select("hh", "pidx"), on="hh")
    parts.append(_with_reverse(_edges(gp, "grandparent", 0.7, "household")))
    # cha ↔ mẹ of the head are spouses
    ff = hpar.filter(pl.col("relation") == "father").select("hh", pl.col("rel_pidx").alias("pidx"))
    mm = hpar.filter(pl.col("relation") == "mother").select("hh", "rel_pidx")
    parts.append(_with_reverse(_edges(ff.join(mm, on="hh"), "spouse", 0.75, "household")))
    # siblings of the head (anh/chị/em); their parents are the head's cha/mẹ
    sib = m.filter(pl.col("role").is_in(_SIB)).select("hh", "pidx")
    parts.append(_with_reverse(_edges(sib.join(head.select("hh", pl.col("h").alias("rel_pidx")), on="hh"),
                                      "sibling", 0.8, "household")))
    sp = sib.join(hpar.select("hh", "rel_pidx", "relation"), on="hh")
    for rel in ("father", "mother"):
        parts.append(_with_reverse(_edges(sp.filter(pl.col("relation") == rel), rel, 0.7, "household")))
    # ông/bà: grandparents of the head; cháu: grandchildren of the head (and of the partner)
    og = m.filter(pl.col("role").is_in(_GRANDP)).select("hh", pl.col("pidx").alias("rel_pidx"))
    parts.append(_with_reverse(_edges(og.join(head.select("hh", pl.col("h").alias("pidx")), on="hh"),
                                      "grandparent", 0.6, "household")))
    gc = m.filter(pl.col("role").is_in(_GRANDC)).select("hh", "pidx")
    gch = pl.concat([head.select("hh", pl.col("h").alias("rel_pidx"), pl.lit(0.65).alias("c")),
                     partner.select("hh", pl.col("w").alias("rel_pidx"), pl.lit(0.55).alias("c"))])
    parts.append(_with_reverse(_edges(gc.join(gch, on="hh"), "grandparent", pl.col("c"), "household")))
    # con dâu / con rể: spouse of the one `con` of the other sex in the household (only when one)
    inl = m.filter(pl.col("role").is_in(_INLAW)).select(
        "hh", "pidx", pl.when(pl.col("role").is_in(["con dâu", "con dau"])).then(pl.lit("M"))
        .otherwise(pl.lit("F")).alias("want"))
    ksex = m.filter(pl.col("role").is_in(_CHILD)).select("hh", pl.col("pidx").alias("rel_pidx"), "sex")
    cand = inl.join(ksex, left_on=["hh", "want"], right_on=["hh", "sex"])
    one = cand.filter(pl.len().over("pidx") == 1)
    parts.append(_with_reverse(_edges(one, "spouse", 0.7, "household")))
    # children of the head's household: siblings of each other
    kk = kids.select("hh", "pidx")
    ss = kk.join(kk.select("hh", pl.col("pidx").alias("rel_pidx")), on="hh").filter(
        pl.col("pidx") != pl.col("rel_pidx"))
    parts.append(_edges(ss, "sibling", 0.85, "household"))
    return pl.concat(parts)


def _name_edges(b: pl.DataFrame) -> pl.DataFrame:
    """father_name / mother_name / spouse_name as written; resolved when the evidence supports it."""
    ids = b.select(pl.col("person_id").alias("_rid"), pl.col("pidx").alias("_idp")) \
        .filter(pl.col("_rid").is_not_null()).unique("_rid", keep="first")
    rows = []
    for rel, ncol, icol in (("father", "father_name", "father_id"), ("mother", "mother_name", "mother_id"),
                            ("spouse", "spouse_name", "spouse_id")):
        rows.append(b.filter(pl.col(ncol).is_not_null()).select(
            "pidx", pl.lit(rel).alias("relation"), pl.col(ncol).alias("name"), pl.col(icol).alias("_rid"),
            "hh", "by", "home"))
    w = _fold_distinct(pl.concat(rows), "name", "wfold")
    w = w.join(ids, on="_rid", how="left").drop("_rid")
    lo = pl.col("relation").replace_strict({k: v[0] for k, v in AGE_GAPS.items()}, default=-200)
    hi = pl.col("relation").replace_strict({k: v[1] for k, v in AGE_GAPS.items()}, default=200)
    # namesakes: registered people whose folded name equals the written name (rare names only)
    cnt = b.group_by("nfold").agg(pl.len().alias("_n"))
    target = b.join(cnt, on="nfold").filter(pl.col("_n") <= _MAX_NAMESAKES).select(
        pl.col("nfold").alias("wfold"), pl.col("pidx").alias("cand"), pl.col("hh").alias("c_hh"),
        pl.col("by").alias("c_by"), pl.col("home").alias("c_home"), pl.col("sex").alias("c_sex"))
    need = w.filter(pl.col("_idp").is_null()).select("pidx", "relation", "wfold", "hh", "by", "home")
    gap = pl.col("c_by") - pl.col("by")
    sex_ok = (pl.col("c_sex").is_null() | ~((pl.col("relation") == "father") & (pl.col("c_sex") == "F"))
              & ~((pl.col("relation") == "mother") & (pl.col("c_sex") == "M")))
    age_ok = pl.col("c_by").is_null() | pl.col("by").is_null() | ((gap >= lo) & (gap <= hi))
    ok = sex_ok & age_ok & (pl.col("pidx") != pl.col("cand"))
    # only namesakes in the same household or of the same hometown can resolve a name, so join on
    # those keys directly (a join on the name alone multiplies rows by the namesake count)
    same_hh = need.join(target, left_on=["wfold", "hh"], right_on=["wfold", "c_hh"], how="inner") \
        .filter(ok).sort("pidx", "relation", "cand").unique(["pidx", "relation"], keep="first",
                                                            maintain_order=True) \
        .with_columns(pl.lit(0.95).alias("rconf"))
    rest = need.join(target, left_on=["wfold", "home"], right_on=["wfold", "c_home"], how="inner") \
        .filter(ok & ~(pl.col("hh").is_not_null() & (pl.col("hh") == pl.col("c_hh")).fill_null(False))) \
        .join(same_hh.select("pidx", "relation"), on=["pidx", "relation"], how="anti")
    rest = rest.filter(pl.len().over(["pidx", "relation"]) == 1).with_columns(
        pl.when(pl.col("c_by").is_not_null() & pl.col("by").is_not_null()).then(pl.lit(0.8))
        .otherwise(pl.lit(0.6)).alias("rconf"))
    res = pl.concat([same_hh.select("pidx", "relation", "cand", "rconf"),
                     rest.select("pidx", "relation", "cand", "rconf")])
    w = w.join(res, on=["pidx", "relation"], how="left")
    out = w.select(
        pl.col("pidx").cast(pl.UInt32), "relation", "name", pl.lit(None, dtype=pl.Int16).alias("birth_year"),
        pl.coalesce(pl.col("_idp"), pl.col("cand")).cast(pl.UInt32).alias("rel_pidx"),
        pl.when(pl.col("_idp").is_not_null()).then(pl.lit(0.99))
        .when(pl.col("cand").is_not_null()).then(pl.col("rconf")).otherwise(pl.lit(0.9)).alias("confidence"),
        pl.lit("record_name").alias("source"))
    # reverses of resolved names: the parent learns of a child, the spouse of a spouse
    rev = out.filter(pl.col("rel_pidx").is_not_null()).select(
        pl.col("rel_pidx").alias("pidx"),
        pl.col("relation").replace_strict({"father": "child", "mother": "child", "spouse": "spouse"}),
        pl.lit(None, dtype=pl.Utf8).alias("name"), pl.lit(None, dtype=pl.Int16).alias("birth_year"),
        pl.col("pidx").alias("rel_pidx"), pl.col("confidence"), pl.col("source"))
    return pl.concat([out, rev])


def _combine(e: pl.DataFrame) -> pl.DataFrame:
    """One row per resolved (pidx, relation, rel_pidx): independent sources combined."""
    top = e.select(pl.max_horizontal(pl.col("pidx").max(), pl.col("rel_pidx").max())).item()
    if top is not None and top < (1 << 29):
        return _combine_sorted(e)
    return _combine_grouped(e)


def _combine_sorted(e: pl.DataFrame) -> pl.DataFrame:
    """`_combine` with (pidx, relation, rel_pidx) packed in one uint64, a stable numpy sort and
    per-group reductions (`reduceat`) instead of a polars sort + group_by: the same rows, order and
    values (groups ascending by key; rows of a group in input order)."""
    c = pl.col("confidence").clip(0, 0.999)
    r = e.filter(pl.col("rel_pidx").is_not_null()).select(
        "pidx", "relation", "rel_pidx", "name",
        ((c * 1_000_000).round().cast(pl.Int64) * 4
         + (3 - pl.col("source").cast(_SRC_ENUM).to_physical().cast(pl.Int64))).alias("_sk"),
        (1 - c).alias("_q"),
        (pl.col("pidx").cast(pl.UInt64) * (1 << 35)
         + pl.col("relation").cast(_REL_ENUM).to_physical().cast(pl.UInt64) * (1 << 32)
         + pl.col("rel_pidx").cast(pl.UInt64)).alias("_k"))
    codes = {3 - i: s for i, s in enumerate(_SRC_ENUM.categories.to_list())}
    if r.height == 0:
        return _combine_grouped(e)
    ks = r.get_column("_k").to_numpy()
    order = np.argsort(ks, kind="stable")
    ks = ks[order]
    brk = np.empty(ks.size, dtype=bool)
    brk[0] = True
    np.not_equal(ks[1:], ks[:-1], out=brk[1:])
    del ks
    start = np.flatnonzero(brk)
    del brk
    q = np.multiply.reduceat(r.get_column("_q").to_numpy()[order], start)
    sk = np.maximum.reduceat(r.get_column("_sk").to_numpy()[order], start)
    # a group has at most one written name (one per record field); more: the polars way
    names = r.get_column("name")
    named = np.flatnonzero(names.is_not_null().to_numpy()[order])
    group = np.searchsorted(start, named, side="right") - 1
    if np.unique(group).size != named.size:
        return _combine_grouped(e)
    pick = np.full(start.size, -1, dtype=np.int64)
    pick[group] = order[named]
    name = names.gather(pl.Series(pick).replace(-1, None))
    head = r.select("pidx", "relation", "rel_pidx")[order[start]]
    return head.with_columns(
        pl.col("relation").cast(_REL_ENUM).cast(pl.Utf8),
        pl.Series("confidence", 1 - q),
        pl.Series("source", sk % 4).replace_strict(codes, return_dtype=pl.Utf8),
        name.alias("name"))


def _combine_grouped(e: pl.DataFrame) -> pl.DataFrame:
    """`_combine` in polars (any pidx range)."""
    # relation and source as enums while grouping, and only aggregations polars runs without
    # per-group lists: Π(1 - c) of a column; the best source as the max of one integer key
    # (confidence, then source); a group has at most one written name (one per record field), so
    # max() is that name
    c = pl.col("confidence").clip(0, 0.999)
    r = e.lazy().filter(pl.col("rel_pidx").is_not_null()).with_columns(
        pl.col("relation").cast(_REL_ENUM),
        ((c * 1_000_000).round().cast(pl.Int64) * 4
         + (3 - pl.col("source").cast(_SRC_ENUM).to_physical().cast(pl.Int64))).alias("_sk"),
        (1 - c).alias("_q"))
    aggs = [pl.col("_q").product().alias("_q"), pl.col("_sk").max().alias("_sk"),
            pl.col("name").max().alias("name")]
    top = e.select(pl.max_horizontal(pl.col("pidx").max(), pl.col("rel_pidx").max())).item()
    if top is not None and top < (1 << 29):
        # (pidx, relation, rel_pidx) packed in one UInt64, sorted, then grouped: a sorted single
        # key groups several times faster than hashing three columns
        key = (pl.col("pidx").cast(pl.UInt64) * (1 << 35)
               + pl.col("relation").to_physical().cast(pl.UInt64) * (1 << 32)
               + pl.col("rel_pidx").cast(pl.UInt64))
        r = r.with_columns(key.alias("_k")).sort("_k").group_by("_k", maintain_order=True).agg(
            pl.col("pidx").first(), pl.col("relation").first(), pl.col("rel_pidx").first(), *aggs)
    else:
        r = r.group_by("pidx", "relation", "rel_pidx").agg(*aggs)
    codes = {3 - i: s for i, s in enumerate(_SRC_ENUM.categories.to_list())}
    return r.select(
        "pidx", pl.col("relation").cast(pl.Utf8), "rel_pidx", (1 - pl.col("_q")).alias("confidence"),
        (pl.col("_sk") % 4).replace_strict(codes, return_dtype=pl.Utf8).alias("source"),
        "name").collect()


def _derived(r: pl.DataFrame) -> pl.DataFrame:
    """Siblings (children of one resolved parent) and grandparents (parents of a resolved parent)."""
    par = r.filter(pl.col("relation").is_in(["father", "mother"])).select(
        "pidx", pl.col("rel_pidx").alias("par"), pl.col("confidence").alias("c1"), "relation")
    big = par.group_by("par").agg(pl.len().alias("_k")).filter(pl.col("_k") > _MAX_CHILDREN).select("par")
    p2 = par.join(big, on="par", how="anti")
    sib = p2.join(p2.select(pl.col("pidx").alias("rel_pidx"), "par", pl.col("c1").alias("c2"), "relation"),
                  on=["par", "relation"]).filter(pl.col("pidx") != pl.col("rel_pidx"))
    sib = _edges(sib, "sibling", (pl.col("c1") * pl.col("c2") * 0.95), "record_name")
    gp = par.join(par.select(pl.col("pidx").alias("par"), pl.col("par").alias("rel_pidx"),
                             pl.col("c1").alias("c2")), on="par")
    gp = gp.filter(pl.col("pidx") != pl.col("rel_pidx"))
    gp = _edges(gp, "grandparent", pl.col("c1") * pl.col("c2") * 0.95, "record_name")
    return _with_reverse(pl.concat([sib, gp]))


def person_relatives(people: pl.DataFrame) -> pl.DataFrame:
    """Known relatives of registered people (DESIGN.md): `pidx relation name birth_year rel_pidx
    confidence source`, sorted by pidx, relation, confidence (descending)."""
    b = _base(people)
    ev = pl.concat([_id_edges(b), _household_edges(b), _name_edges(b)])
    named = ev.filter(pl.col("rel_pidx").is_null() & pl.col("name").is_not_null())
    resolved = _combine(ev)
    del ev
    der = _combine(_derived(resolved))
    top = b["pidx"].max()
    if top is not None and top < (1 << 29):
        # anti join on (pidx, relation, rel_pidx) packed in one UInt64 (see _combine)
        key = (pl.col("pidx").cast(pl.UInt64) * (1 << 35)
               + pl.col("relation").cast(_REL_ENUM).to_physical().cast(pl.UInt64) * (1 << 32)
               + pl.col("rel_pidx").cast(pl.UInt64))
        der = der.filter(~key.is_in(resolved.select(key.alias("_k")).to_series().implode()))
    else:
        der = der.join(resolved.select("pidx", "relation", "rel_pidx"),
                       on=["pidx", "relation", "rel_pidx"], how="anti")
    resolved = pl.concat([resolved, der.select(resolved.columns)])
    del der
    # drop edges that contradict the sexes and ages we know (e.g. a `father` who is female);
    # people's columns are gathered by position when pidx is the row number (it is in an index)
    positional = b.select((pl.col("pidx") == pl.int_range(pl.len(), dtype=pl.UInt32)).all()).item()
    if positional:
        resolved = resolved.with_columns(b["by"].gather(resolved["rel_pidx"]).alias("r_by"),
                                         b["sex"].gather(resolved["rel_pidx"]).alias("r_sex"),
                                         b["by"].gather(resolved["pidx"]).alias("o_by"))
    else:
        info = b.select(pl.col("pidx").alias("rel_pidx"), pl.col("by").alias("r_by"),
                        pl.col("sex").alias("r_sex"))
        own = b.select("pidx", pl.col("by").alias("o_by"))
        resolved = resolved.join(info, on="rel_pidx", how="left").join(own, on="pidx", how="left")
    lo = pl.col("relation").replace_strict({k: v[0] for k, v in AGE_GAPS.items()}, default=-200)
    hi = pl.col("relation").replace_strict({k: v[1] for k, v in AGE_GAPS.items()}, default=200)
    gap = pl.col("r_by") - pl.col("o_by")
    # household roles are coarse (a 'con' may be a step-child): allow some slack on ages
    ok_age = pl.col("r_by").is_null() | pl.col("o_by").is_null() | ((gap >= lo - 3) & (gap <= hi + 3))
    ok_sex = ~(((pl.col("relation") == "father") & (pl.col("r_sex") == "F"))
               | ((pl.col("relation") == "mother") & (pl.col("r_sex") == "M")))
    resolved = resolved.filter(ok_age & ok_sex)
    if positional:
        full = b["full_name"].gather(resolved["rel_pidx"]).alias("r_full")
        resolved = resolved.with_columns(full)
    else:
        resolved = resolved.join(b.select(pl.col("pidx").alias("rel_pidx"),
                                          pl.col("full_name").alias("r_full")), on="rel_pidx", how="left")
    resolved = resolved.select(
        "pidx", "relation", pl.coalesce(pl.col("name"), pl.col("r_full")).alias("name"),
        pl.col("r_by").cast(pl.Int16).alias("birth_year"), "rel_pidx",
        pl.col("confidence").round(4), "source")
    # name-only rows: those whose written name no resolved relative of that relation carries
    named = _fold_distinct(named, "name", "_f")
    have = resolved.select("pidx", "relation", "rel_pidx").join(
        named.select("pidx", "relation").unique(), on=["pidx", "relation"], how="semi")
    have = have.join(b.select(pl.col("pidx").alias("rel_pidx"), pl.col("nfold").alias("_f")),
                     on="rel_pidx").select("pidx", "relation", "_f")
    named = named.join(have, on=["pidx", "relation", "_f"], how="anti").unique(
        ["pidx", "relation", "_f"], keep="first").drop("_f")
    out = pl.concat([resolved.cast(OUT_SCHEMA), named.select(list(OUT_SCHEMA)).cast(OUT_SCHEMA)])
    del resolved, named
    return _sorted(out)


def _sorted(out: pl.DataFrame) -> pl.DataFrame:
    """Sorted by pidx, relation, confidence (descending, nulls last)."""
    # one UInt64 key (pidx, relation, confidence descending with nulls last) sorts ~10x faster than
    # three sort columns; stable, so ties keep their order
    key = (pl.col("pidx").cast(pl.UInt64) * (1 << 32)
           + pl.col("relation").cast(_REL_ENUM).to_physical().cast(pl.UInt64) * (1 << 24)
           + (10_000 - (pl.col("confidence").clip(0, 1) * 10_000).round()).fill_null(10_001).cast(pl.UInt64))
    return out.sort(key, maintain_order=True)


# ------------------------------------------------------------------------------------------------
# Graph
# ------------------------------------------------------------------------------------------------

def build_graph(people: pl.DataFrame, relatives: pl.DataFrame):
    """Typed kinship graph: nodes are `pidx` (attributes person_id, full_name, birth_year,
    household_id where present); a directed edge u → v with key = relation means "v is u's
    <relation>", with `confidence` and `source`. Name-only relatives are not nodes (they are
    in the relatives frame)."""
    import networkx as nx

    g = nx.MultiDiGraph()
    cols = [c for c in ("person_id", "full_name", "household_id") if c in people.columns]
    by = "p_birth_year" if "p_birth_year" in people.columns else ("birth_year" if "birth_year" in people.columns else None)
    p = people.select(pl.int_range(pl.len(), dtype=pl.UInt32).alias("pidx") if "pidx" not in people.columns
                      else pl.col("pidx"), *cols, *([pl.col(by).alias("birth_year")] if by else []))
    names = p.columns[1:]
    g.add_nodes_from((row[0], dict(zip(names, row[1:]))) for row in p.iter_rows())
    e = relatives.filter(pl.col("rel_pidx").is_not_null()).select("pidx", "rel_pidx", "relation",
                                                                  "confidence", "source")
    g.add_edges_from((u, v, k, {"confidence": c, "source": s}) for u, v, k, c, s in e.iter_rows())
    return g


def graph_from_index(index):
    """The kinship graph of an Index, built lazily from its relatives frame (`index.kin`) on first
    use and kept on that Index object (`Index._graph`)."""
    if index._graph is None:
        index._graph = build_graph(index.people, index.kin)
    return index._graph


def family_of(graph, pidx: int, depth: int = 1) -> list[tuple[int, str, float]]:
    """Relatives of one person in the graph: (rel_pidx, relation, confidence), best first;
    depth 2 adds relatives of relatives (relation 'kin', confidence multiplied)."""
    if pidx not in graph:
        return []
    out = {}
    for _, v, k, d in graph.out_edges(pidx, keys=True, data=True):
        if d["confidence"] > out.get(v, (None, 0.0))[1]:
            out[v] = (k, d["confidence"])
    if depth > 1:
        for v, (_, c) in list(out.items()):
            for _, w, _k, d in graph.out_edges(v, keys=True, data=True):
                if w != pidx and w not in out:
                    out[w] = ("kin", c * d["confidence"])
    return sorted(((v, k, c) for v, (k, c) in out.items()), key=lambda t: -t[2])
