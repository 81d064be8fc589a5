"""Blocking: candidate (claim, person) pairs from several unioned keys, bounded per block.

Owns `CandidateConfig`, `candidate_pairs` (the DESIGN.md frame) and `candidate_pairs_with_stats`
(the same frame plus a `CandidateStats`: pairs per claim and where a bound cut in).

Blocking keys (`via`, in priority order; every key is matched with one polars join per kind):
  `fam_giv`  surname/clan key + phonetic given name (name and name-like aliases; also the claim's
             first and last token swapped, for names written in another order);
  `addr`     address form, folded middle + given ("a pao", "van hung");
  `rel`      a claimed relative (relation + clan key + phonetic given name) against the relatives
             the register records for each person, so a garbled own name is found through a father;
             `rel_giv` the same on the relative's given name alone ("bố Súa" → child Súa);
  `giv_rel`  the claimant's given name together with a claimed relative's (relation + both phonetic
             given names): selective even when both names are very common;
  `name_key` phonetic key of the whole name (dialect spellings of the surname: Dàng/Vàng);
  `giv`      phonetic key of any token of the claim's names against people's given-name key
             (given-name-only claims, "Páo", names in another order) — only for claims whose
             surname + given name found no block;
  `giv_fuzzy` a token of 3+ letters that is no name part anywhere in the register (a typo),
             against given names within one edit ("Liợ"→Lợi, "Sini"→Sinh), with rapidfuzz over
             distinct values only;
  `clan_year` surname/clan key, always restricted to the birth-year window.
`clan_year` and `rel_giv` are off by default (see `CandidateConfig.keys`): measured on synthetic
data they cost far more pairs than the true people they alone find.
Bounds: a key value held by more than `block_cap` people is only joined within the claim's birth-year
window (± `year_slack`; people with no recorded birth year stay in reach); if that block is still
larger than `block_cap`, the people kept are those sharing places with the claim (hometown/residence
units), of the same sex and whose lunar year fits a claimed zodiac first, then the nearest birth
years, ties by a fixed hash. A claim with no usable
birth year gets, from an over-cap key, the `block_cap` people ranked the same way (place, sex,
hash); above `rank_limit` people only a fixed hash sample (clan_year, rel_giv and giv_fuzzy are
skipped instead). When a window is expected to hold far more than the cap, it is narrowed to the
best estimate ± `year_slack`; clan_year/rel_giv blocks still expected above `skip_factor` × cap
are skipped (a Nguyễn born around 1980 is no lead). Each cut is counted in the stats; the model must take competitors from the
key's register frequency (`c_tf_*`), not from the number of candidates. Strong keys have larger bounds (`key_caps`). A claim's total is cut to `max_pairs_per_claim`,
keeping people found by more keys first, then by key priority, then nearest birth year. Same input, same
output: the result is sorted by (claim_idx, pidx).
"""

from __future__ import annotations

import dataclasses
import time

import polars as pl

KEY_PRIORITY = ("fam_giv", "giv_rel", "name_key", "addr", "rel", "rel_giv", "giv", "giv_fuzzy", "clan_year")
ALWAYS_YEAR = frozenset({"clan_year", "rel_giv", "giv_fuzzy"})


@dataclasses.dataclass(frozen=True)
class CandidateConfig:
    # clan_year and rel_giv are available but off by default: on the 200k synthetic register they
    # added ~1M pairs for 1 true person in 1,800 not found by another key
    keys: tuple[str, ...] = tuple(k for k in KEY_PRIORITY if k not in ("clan_year", "rel_giv"))
    block_cap: int = 300            # people one key block may contribute to one claim
    key_caps: tuple[tuple[str, int], ...] = (("fam_giv", 1000), ("giv_rel", 500), ("name_key", 500),
                                             ("addr", 200))
    year_slack: int = 2             # years added on each side of the claim's birth interval
    max_year_span: int = 40         # wider claimed intervals count as "year unknown"
    max_pairs_per_claim: int = 2000
    register_years: int = 80        # rough spread of birth years in a register (for block estimates)
    skip_factor: int = 8            # clan_year/rel_giv blocks expected > skip_factor × cap are skipped
    rank_limit: int = 20_000        # no-year blocks up to this size are ranked by place/sex, not sampled
    fuzzy_max_edits: int = 1        # giv_fuzzy: Levenshtein distance on folded given names


@dataclasses.dataclass
class CandidateStats:
    n_claims: int
    n_pairs: int
    per_claim_mean: float
    per_claim_p50: float
    per_claim_p99: float
    per_claim_max: int
    claims_without_candidates: int
    capped_blocks: int              # (claim, key) blocks where the per-block bound cut people
                                    # (year window still too big, or no year: hash sample)
    capped_claims: int              # claims cut to max_pairs_per_claim
    dropped_blocks: int             # clan_year/rel_giv blocks skipped: no birth year, or far too big
    pairs_by_via: dict
    timings: dict = dataclasses.field(default_factory=dict)   # seconds per stage
    work: dict = dataclasses.field(default_factory=dict)      # rows handled per stage

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


def _k(*parts: pl.Expr) -> pl.Expr:
    return pl.concat_str(list(parts), separator="|")


def _nonempty(col: str) -> pl.Expr:
    return pl.col(col).is_not_null() & (pl.col(col) != "")


VIA_CODE = {v: i for i, v in enumerate(KEY_PRIORITY)}


def _sex_code(col: str) -> pl.Expr:
    return pl.col(col).replace_strict({"M": 1, "F": 2}, default=0, return_dtype=pl.Int8)


_BIT = {i: 1 << i for i in range(12)}


def _zodiac_mask(col: str) -> pl.Expr:
    """Bit b set when the lunar birth year can have branch b (0 when unknown)."""
    return (pl.col(col).list.eval(pl.element().cast(pl.Int32).replace_strict(_BIT, default=0,
                                                                             return_dtype=pl.Int32))
            .list.sum().fill_null(0).cast(pl.Int32))


def _hash_key(via: pl.Expr | str, key: pl.Expr) -> pl.Expr:
    """One UInt64 per (key kind, key value): joins on integers, not strings. A 64-bit collision
    can only add a candidate, never lose one."""
    via = pl.lit(via) if isinstance(via, str) else via
    return pl.concat_str([via, key], separator="\x1f").hash(seed=20261123)


def _person_keys(index, keys: tuple[str, ...] = KEY_PRIORITY) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(kh, pidx, year, sex) for every person and blocking key, and block sizes (kh, size).

    Only the key kinds asked for are built; cached on the index per set of kinds."""
    cache = getattr(index, "_cache", None)
    ckey = ("person_keys", tuple(sorted(keys)))
    if cache is not None and ckey in cache:
        return cache[ckey]
    p = index.people.lazy().select("pidx", pl.col("p_birth_year").cast(pl.Int32).alias("year"),
                            _sex_code("p_sex").alias("sex"), "p_fam_key", "p_giv_key", "p_addr",
                            "p_name_key", "p_giv", _zodiac_mask("p_zodiac_branches").alias("zb"))
    # (blocking key, the columns it needs, the key value) — one select each
    person_keys = [
        ("fam_giv", ("p_giv_key", "p_fam_key"), _k(pl.col("p_fam_key"), pl.col("p_giv_key"))),
        ("addr", ("p_addr",), pl.col("p_addr")),
        ("giv", ("p_giv_key",), pl.col("p_giv_key")),
        ("clan_year", ("p_fam_key",), pl.col("p_fam_key")),
        ("name_key", ("p_name_key",), pl.col("p_name_key")),
        ("giv_fuzzy", ("p_giv",), pl.col("p_giv")),
    ]
    parts = [
        p.filter(pl.all_horizontal(*(_nonempty(c) for c in needs))).select(
            _hash_key(via, value).alias("kh"), pl.lit(VIA_CODE[via], dtype=pl.Int8).alias("v"),
            "pidx", "year", "sex")
        for via, needs, value in person_keys
    ]
    kin = index.kin
    if kin.height:
        k = kin.lazy().filter(_nonempty("r_giv_key")).select("pidx", "relation", "r_fam_key", "r_giv_key") \
            .join(p.select("pidx", "year", "sex"), on="pidx", how="left")
        parts.append(k.filter(_nonempty("r_fam_key")).select(
            _hash_key("rel", _k(pl.col("relation"), pl.col("r_fam_key"), pl.col("r_giv_key"))).alias("kh"),
            pl.lit(VIA_CODE["rel"], dtype=pl.Int8).alias("v"), "pidx", "year", "sex"))
        parts.append(k.select(
            _hash_key("rel_giv", _k(pl.col("relation"), pl.col("r_giv_key"))).alias("kh"),
            pl.lit(VIA_CODE["rel_giv"], dtype=pl.Int8).alias("v"), "pidx", "year", "sex"))
        gk = k.join(p.select("pidx", "p_giv_key"), on="pidx", how="inner").filter(_nonempty("p_giv_key"))
        parts.append(gk.select(
            _hash_key("giv_rel", _k(pl.col("p_giv_key"), pl.col("relation"), pl.col("r_giv_key"))).alias("kh"),
            pl.lit(VIA_CODE["giv_rel"], dtype=pl.Int8).alias("v"), "pidx", "year", "sex"))
    order = ["fam_giv", "addr", "giv", "clan_year", "name_key", "giv_fuzzy", "rel", "rel_giv", "giv_rel"]
    parts = [x for via, x in zip(order, parts) if via in keys]     # only the kinds asked for
    if not parts:
        return (pl.DataFrame(schema={"kh": pl.UInt64, "v": pl.Int8, "pidx": pl.UInt32, "year": pl.Int32,
                                     "sex": pl.Int8, "zb": pl.Int32}),
                pl.DataFrame(schema={"kh": pl.UInt64, "size": pl.UInt32}))
    keys_f = pl.concat(parts).unique(["kh", "pidx"], maintain_order=True) \
        .join(p.select("pidx", "zb"), on="pidx", how="left").collect()
    sizes = keys_f.group_by("kh").agg(pl.len().cast(pl.UInt32).alias("size"))
    out = (keys_f, sizes)
    if cache is not None:
        cache[ckey] = out
    return out


def _token_keys(frame: pl.DataFrame, col: str) -> pl.DataFrame:
    """(claim_idx, key): phonetic given-name key of every token of a folded-name column."""
    from reconcile.index import _name_features

    toks = (frame.select("claim_idx", pl.col(col).str.split(" ").alias("tok")).explode("tok")
            .filter(_nonempty("tok")).unique(maintain_order=True))
    if toks.height == 0:
        return pl.DataFrame(schema={"claim_idx": pl.UInt32, "key": pl.Utf8})
    feats = _name_features(toks, "tok", None, "t_")
    return feats.select("claim_idx", pl.col("t_giv_key").alias("key")).filter(_nonempty("key"))


def _vocab(index) -> dict[str, pl.Series]:
    """Distinct folded given names (`giv`) and all name tokens (`all`) of the register; cached."""
    cache = getattr(index, "_cache", {})
    if "vocab" not in cache:
        p = index.people
        giv = p.select(pl.col("p_giv").unique().sort()).filter(_nonempty("p_giv"))["p_giv"]
        toks = p.select(pl.col("p_fold").str.split(" ").explode().unique().sort())["p_fold"]
        cache["vocab"] = {"giv": giv, "all": toks}
    return cache["vocab"]


def _fuzzy_given(names: pl.DataFrame, index, max_edits: int) -> pl.DataFrame:
    """(claim_idx, via='giv_fuzzy', key=register given name) for tokens within `max_edits` edits.

    Works on distinct values only: distinct claim tokens × distinct register given names, in
    chunks with rapidfuzz.process.cdist."""
    import numpy as np
    from rapidfuzz import process
    from rapidfuzz.distance import Levenshtein

    empty = pl.DataFrame(schema={"claim_idx": pl.UInt32, "via": pl.Utf8, "key": pl.Utf8})
    toks = (names.select("claim_idx", pl.col("fold").str.split(" ").alias("tok")).explode("tok")
            .filter(pl.col("tok").str.len_chars() >= 3).unique())
    reg = _vocab(index)["giv"]
    # only tokens that are no name part in the register at all (likely typos)
    toks = toks.filter(~pl.col("tok").is_in(_vocab(index)["all"].implode()))
    if toks.height == 0 or reg.len() == 0:
        return empty
    qs = toks["tok"].unique().sort()
    qlist, rlist = qs.to_list(), reg.to_list()
    hits_q, hits_r = [], []
    for start in range(0, len(qlist), 2000):
        chunk = qlist[start:start + 2000]
        d = process.cdist(chunk, rlist, scorer=Levenshtein.distance, score_cutoff=max_edits,
                          dtype=np.uint8, workers=-1)
        qi, ri = np.nonzero(d <= max_edits)
        hits_q.extend(chunk[i] for i in qi)
        hits_r.extend(rlist[j] for j in ri)
    if not hits_q:
        return empty
    nb = pl.DataFrame({"tok": hits_q, "key": hits_r}, schema={"tok": pl.Utf8, "key": pl.Utf8})
    return toks.join(nb, on="tok").select(pl.col("claim_idx").cast(pl.UInt32),
                                          pl.lit("giv_fuzzy").alias("via"), "key")


def _claim_keys(claims_feat: pl.DataFrame, claim_relatives: pl.DataFrame | None,
                index=None, config: "CandidateConfig | None" = None) -> pl.DataFrame:
    c = claims_feat
    names = pl.concat([
        c.select("claim_idx", pl.col("c_fold").alias("fold"), pl.col("c_fam_key").alias("fam_key"),
                 pl.col("c_giv_key").alias("giv_key"), pl.col("c_addr").alias("addr"),
                 pl.col("c_name_key").alias("name_key")),
        c.select("claim_idx", pl.col("c_alias_fold").alias("fold"), pl.col("c_alias_fam_key").alias("fam_key"),
                 pl.col("c_alias_giv_key").alias("giv_key"), pl.col("c_alias_addr").alias("addr"),
                 pl.col("c_alias_name_key").alias("name_key"))
        .explode("fold", "fam_key", "giv_key", "addr", "name_key"),
    ]).filter(_nonempty("fold"))
    parts = [
        names.filter(_nonempty("giv_key") & _nonempty("fam_key")).select(
            "claim_idx", pl.lit("fam_giv").alias("via"),
            _k(pl.col("fam_key"), pl.col("giv_key")).alias("key")),
        names.filter(_nonempty("addr")).select("claim_idx", pl.lit("addr").alias("via"),
                                               pl.col("addr").alias("key")),
        names.filter(_nonempty("fam_key")).select("claim_idx", pl.lit("clan_year").alias("via"),
                                                  pl.col("fam_key").alias("key")),
    ]
    tk = _token_keys(names, "fold").with_columns(pl.col("claim_idx").cast(pl.UInt32))
    parts.append(tk.select("claim_idx", pl.lit("giv").alias("via"), "key"))
    parts.append(names.filter(_nonempty("name_key")).select(
        "claim_idx", pl.lit("name_key").alias("via"), pl.col("name_key").alias("key")))
    if index is not None and config is not None and "giv_fuzzy" in config.keys:
        parts.append(_fuzzy_given(names, index, config.fuzzy_max_edits))
    # another order: last token as surname, first token as given name
    swapped = names.with_columns(pl.col("fold").str.split(" ").alias("t")).filter(
        pl.col("t").list.len() >= 2).select(
        "claim_idx", pl.col("t").list.first().alias("first"), pl.col("t").list.last().alias("last"))
    if swapped.height:
        from reconcile.index import _name_features

        sw = swapped.with_columns(pl.concat_str([pl.col("last"), pl.col("first")], separator=" ")
                                  .alias("nm"))
        sw = _name_features(sw, "nm", None, "s_")
        parts.append(sw.filter(_nonempty("s_giv_key")).select(
            "claim_idx", pl.lit("fam_giv").alias("via"),
            _k(pl.col("s_fam_key"), pl.col("s_giv_key")).alias("key")))
    if claim_relatives is not None and claim_relatives.height:
        r = claim_relatives.filter(_nonempty("r_giv_key"))
        parts.append(r.filter(_nonempty("r_fam_key")).select(
            "claim_idx", pl.lit("rel").alias("via"),
            _k(pl.col("relation"), pl.col("r_fam_key"), pl.col("r_giv_key")).alias("key")))
        parts.append(r.select("claim_idx", pl.lit("rel_giv").alias("via"),
                              _k(pl.col("relation"), pl.col("r_giv_key")).alias("key")))
    elif "c_rel_key" in c.columns:
        parts.append(c.select("claim_idx", pl.lit("rel").alias("via"), pl.col("c_rel_key").alias("key"))
                     .explode("key").filter(_nonempty("key")))
        parts.append(c.select("claim_idx", pl.lit("rel_giv").alias("via"),
                              pl.col("c_rel_giv_key").alias("key")).explode("key").filter(_nonempty("key")))
    rel_giv = [x for x in parts if x.height and x["via"][0] == "rel_giv"]
    if rel_giv:
        own = pl.concat([names.select("claim_idx", pl.col("giv_key").alias("g")),
                         tk.select("claim_idx", pl.col("key").alias("g"))]).filter(_nonempty("g")).unique()
        parts.append(own.join(rel_giv[0].select(pl.col("claim_idx").cast(pl.UInt32), "key"),
                              on="claim_idx", how="inner")
                     .select("claim_idx", pl.lit("giv_rel").alias("via"), _k(pl.col("g"), pl.col("key")).alias("key")))
    keys = pl.concat([x.select(pl.col("claim_idx").cast(pl.UInt32), "via", "key") for x in parts])
    keys = keys.unique(maintain_order=True)
    return keys.with_columns(_hash_key(pl.col("via"), pl.col("key")).alias("kh"),
                             pl.col("via").replace_strict(VIA_CODE, return_dtype=pl.Int8).alias("v"))


def candidate_pairs(claims_feat: pl.DataFrame, index, config: CandidateConfig = CandidateConfig(),
                    claim_relatives: pl.DataFrame | None = None) -> pl.DataFrame:
    """`claim_idx`, `pidx`, `via` (highest-priority key that found the pair), `n_keys`."""
    return candidate_pairs_with_stats(claims_feat, index, config, claim_relatives)[0]


def candidate_pairs_with_stats(claims_feat: pl.DataFrame, index,
                               config: CandidateConfig = CandidateConfig(),
                               claim_relatives: pl.DataFrame | None = None
                               ) -> tuple[pl.DataFrame, CandidateStats]:
    """Candidate pairs and a `CandidateStats` (pairs per claim, bounds that cut in)."""
    clock = _Clock()
    work: dict[str, int] = {}
    cap = config.block_cap
    keep = [VIA_CODE[k] for k in config.keys]
    always = [VIA_CODE[k] for k in ALWAYS_YEAR]
    pk, sizes = _person_keys(index, tuple(config.keys))
    clock("person_keys")
    ck = _claim_keys(claims_feat, claim_relatives, index, config).filter(pl.col("v").is_in(keep))
    c = claims_feat.select(
        pl.col("claim_idx").cast(pl.UInt32),
        (pl.col("c_by_lo") - config.year_slack).alias("lo"),
        (pl.col("c_by_hi") + config.year_slack).alias("hi"),
        pl.col("c_by_best").alias("best"), _sex_code("c_sex").alias("csex"),
        pl.col("c_zodiac_branch").cast(pl.Int32).replace_strict(_BIT, default=0, return_dtype=pl.Int32)
        .fill_null(0).alias("czb"))
    c = c.with_columns((pl.col("lo").is_not_null() & pl.col("hi").is_not_null()
                        & (pl.col("hi") - pl.col("lo") <= config.max_year_span)).fill_null(False)
                       .alias("has_year"))
    ck = ck.select("claim_idx", "kh", "v").join(sizes, on="kh", how="inner")
    # a claim whose surname + given name already has a block in the register does not also need
    # the bare given-name key (the big one); name forms without a surname ("A Páo", "Páo") do
    full = ck.filter(pl.col("v") == VIA_CODE["fam_giv"]).select("claim_idx").unique()
    ck = pl.concat([ck.filter(pl.col("v") != VIA_CODE["giv"]),
                    ck.filter(pl.col("v") == VIA_CODE["giv"]).join(full, on="claim_idx", how="anti")])
    caps = dict(config.key_caps)
    ck = ck.join(c, on="claim_idx", how="left").with_columns(
        pl.col("v").replace_strict({VIA_CODE[k]: caps.get(k, cap) for k in KEY_PRIORITY},
                                   return_dtype=pl.Int64).alias("cap"))
    cap = pl.col("cap")
    needs_year = (pl.col("size") > cap) | pl.col("v").is_in(always)
    small = ck.filter(~needs_year)
    big = ck.filter(needs_year & pl.col("has_year"))
    noyear = ck.filter(needs_year & ~pl.col("has_year"))
    dropped = noyear.filter(pl.col("v").is_in(always)).height
    noyear = noyear.filter(~pl.col("v").is_in(always))
    # expected people in the year window (register spread over ~`register_years` birth years);
    # when far above the cap, narrow the window to the best estimate ± year_slack; clan/relative
    # given-name blocks still far too big after that are skipped (they would only add noise)
    expect = pl.col("size") * (pl.col("hi") - pl.col("lo") + 1) / config.register_years
    narrow = (expect > 4 * cap) & pl.col("best").is_not_null()
    big = big.with_columns(
        pl.when(narrow).then(pl.col("best") - config.year_slack).otherwise(pl.col("lo")).alias("lo"),
        pl.when(narrow).then(pl.col("best") + config.year_slack).otherwise(pl.col("hi")).alias("hi"))
    hopeless = pl.col("v").is_in(always) & (expect > config.skip_factor * cap)
    dropped += big.filter(hopeless).height
    big = big.filter(~hopeless)
    clock("claim_keys")

    cols = ("claim_idx", "pidx", "v", "year", "best")
    out = []
    if small.height:
        out.append(small.select("claim_idx", "kh", "v", "best")
                   .join(pk.select("kh", "pidx", "year"), on="kh", how="inner").select(*cols))
    clock("small_blocks")
    capped_blocks = 0
    cplace = _claim_places(claims_feat)
    if noyear.height:
        # no birth year to narrow a common key: rank the block by place and sex (fixed hash for
        # ties); above rank_limit people, a fixed hash sample. The model must take the key's full
        # frequency from the c_tf_* / p_tf_* counts, not from the number of candidates.
        ranked = noyear.filter(pl.col("size") <= config.rank_limit)
        huge = noyear.filter(pl.col("size") > config.rank_limit)
        if ranked.height:
            rows = ranked.select("claim_idx", "kh", "v", "best", "csex", "czb", "cap").join(
                pk.select("kh", "pidx", "year", "sex", "zb"), on="kh", how="inner")
            work["no_year_rows"] = rows.height
            out.append(_rank_cut(rows, cplace, index).select(*cols))
        if huge.height:
            sample = (pk.join(huge.select("kh", "cap").unique("kh"), on="kh", how="inner")
                      .with_columns(pl.col("pidx").hash(seed=11).alias("_h"))
                      .sort("kh", "_h")
                      .filter(pl.int_range(pl.len()).over("kh") < cap).select("kh", "pidx", "year"))
            out.append(huge.select("claim_idx", "kh", "v", "best")
                       .join(sample, on="kh", how="inner").select(*cols))
        capped_blocks += noyear.height
    clock("no_year_blocks")
    if big.height:
        yrs = (big.select("claim_idx", "kh", "v", "best", "csex", "czb", "cap",
                          pl.int_ranges(pl.col("lo"), pl.col("hi") + 1, dtype=pl.Int32).alias("year"))
               .explode("year"))
        pcols = ("kh", "year", "pidx", "sex", "zb")
        bj = yrs.join(pk.select(pcols), on=["kh", "year"], how="inner")
        # people whose birth year the register does not know stay in reach (ranked last on year)
        nully = pk.filter(pl.col("year").is_null()).select(pcols)
        if nully.height:
            bj = pl.concat([bj, big.select("claim_idx", "kh", "v", "best", "csex", "czb", "cap")
                            .join(nully, on="kh", how="inner").select(bj.columns)])
        bj = bj.with_columns(pl.len().over("claim_idx", "kh").alias("_n"))
        over = bj.filter(pl.col("_n") > pl.col("cap"))
        work["year_rows"] = bj.height
        work["year_rows_over_cap"] = over.height
        if over.height:
            capped_blocks += over.select("claim_idx", "kh").unique().height
            over = _rank_cut(over, cplace, index)
        out.append(pl.concat([bj.filter(pl.col("_n") <= pl.col("cap")).select(*cols), over.select(*cols)]))
    clock("year_blocks")

    if out:
        allp = pl.concat(out)
        work["union_rows"] = allp.height
        # one integer per pair groups much faster than two columns
        pair = (pl.col("claim_idx").cast(pl.UInt64) * (1 << 32) + pl.col("pidx").cast(pl.UInt64))
        pairs = (allp.with_columns(pair.alias("_k")).group_by("_k")
                 .agg(pl.col("claim_idx").first(), pl.col("pidx").first(),
                      pl.col("v").min().alias("_p"), pl.col("v").n_unique().cast(pl.UInt8).alias("n_keys"),
                      pl.col("year").first(), pl.col("best").first()))
        per = pairs.group_by("claim_idx").len().filter(pl.col("len") > config.max_pairs_per_claim)
        capped_claims = per.height
        if capped_claims:
            over = pairs.join(per.select("claim_idx"), on="claim_idx", how="semi")
            dist = (pl.col("year") - pl.coalesce(pl.col("best"), pl.col("year"))).abs().fill_null(99)
            over = (over.with_columns(dist.alias("_d"))
                    .sort("claim_idx", "n_keys", "_p", "_d", "pidx",
                          descending=[False, True, False, False, False])
                    .filter(pl.int_range(pl.len()).over("claim_idx") < config.max_pairs_per_claim)
                    .drop("_d"))
            pairs = pl.concat([pairs.join(per.select("claim_idx"), on="claim_idx", how="anti"), over])
        names = {i: v for v, i in VIA_CODE.items()}
        pairs = pairs.select(pl.col("claim_idx").cast(pl.UInt32), pl.col("pidx").cast(pl.UInt32),
                             pl.col("_p").replace_strict(names, return_dtype=pl.Utf8).alias("via"),
                             "n_keys", "_k").sort("_k").drop("_k")
    else:
        pairs = pl.DataFrame(schema={"claim_idx": pl.UInt32, "pidx": pl.UInt32, "via": pl.Utf8,
                                     "n_keys": pl.UInt8})
        capped_claims = 0
    clock("union")
    stats = _stats(pairs, claims_feat.height, capped_blocks, capped_claims, dropped)
    stats.timings = clock.times
    stats.work = work
    return pairs, stats


_PLACE_CODES = ("res_c", "res_d", "home_d", "home_p")


def _place_codes(frame: pl.DataFrame, idx: str, prefix: str) -> pl.DataFrame:
    """(idx, res_c, res_d, home_d, home_p): hashed residence commune/district, hometown district and
    today's province (null when unknown), one row per claim/person, for cheap equality tests."""
    def col(name: str, dtype=pl.Utf8) -> pl.Expr:
        c = f"{prefix}{name}"
        return pl.col(c) if c in frame.columns else pl.lit(None, dtype=dtype)

    def h(e: pl.Expr) -> pl.Expr:
        return pl.when(e.is_not_null() & (e != "")).then(e.hash(seed=5)).otherwise(None)

    return frame.select(
        pl.col(idx).cast(pl.UInt32),
        h(pl.concat_str([col("res_district"), col("res_commune")], separator="/")).alias("res_c"),
        h(col("res_district")).alias("res_d"),
        h(col("home_district")).alias("home_d"),
        h(col("home_now", pl.List(pl.Utf8)).list.first()).alias("home_p"))


def _claim_places(claims_feat: pl.DataFrame) -> pl.DataFrame:
    return _place_codes(claims_feat, "claim_idx", "c_").rename({c: f"c{c}" for c in _PLACE_CODES})


def _person_places(index) -> pl.DataFrame:
    cache = getattr(index, "_cache", {})
    if "person_places" not in cache:
        cache["person_places"] = _place_codes(index.people, "pidx", "p_")
    return cache["person_places"]


def _rank_cut(rows: pl.DataFrame, cplace: pl.DataFrame, index) -> pl.DataFrame:
    """Keep `cap` (a column: the key's bound) rows per (claim, key): best score (same residence
    commune ×2, district, hometown district ×2, hometown province, same sex, zodiac fits ×3), then
    nearest birth year, then a fixed hash."""
    rows = (rows.join(_person_places(index), on="pidx", how="left")
            .join(cplace, on="claim_idx", how="left"))

    def eq(a: str) -> pl.Expr:
        return (pl.col(a) == pl.col(f"c{a}")).fill_null(False).cast(pl.Int32)

    place = 2 * eq("res_c") + eq("res_d") + 2 * eq("home_d") + eq("home_p")
    sex_ok = ((pl.col("csex") == 0) | (pl.col("sex") == 0) | (pl.col("sex") == pl.col("csex"))).cast(pl.Int32)
    zod_ok = ((pl.col("zb") & pl.col("czb")) != 0).cast(pl.Int32)
    score = place + sex_ok + 3 * zod_ok
    dist = (pl.col("year") - pl.col("best")).abs().fill_null(99)
    return (rows.with_columns((-score).alias("_s"), dist.alias("_d"),
                              (pl.col("pidx").hash(seed=7) ^ pl.col("kh")).alias("_h"))
            .sort("claim_idx", "kh", "_s", "_d", "_h")
            .filter(pl.int_range(pl.len()).over("claim_idx", "kh") < pl.col("cap"))
            .drop("_s", "_d", "_h", *_PLACE_CODES, *[f"c{c}" for c in _PLACE_CODES]))


class _Clock:
    def __init__(self) -> None:
        self.t = time.perf_counter()
        self.times: dict[str, float] = {}

    def __call__(self, stage: str) -> None:
        now = time.perf_counter()
        self.times[stage] = round(now - self.t, 3)
        self.t = now


def _stats(pairs: pl.DataFrame, n_claims: int, capped_blocks: int, capped_claims: int,
           dropped: int) -> CandidateStats:
    counts = pairs.group_by("claim_idx").len()["len"].to_list()
    counts += [0] * (n_claims - len(counts))
    s = pl.Series(counts, dtype=pl.Float64) if counts else pl.Series([0.0])
    by_via = dict(pairs.group_by("via").len().sort("via").iter_rows())
    return CandidateStats(
        n_claims=n_claims, n_pairs=pairs.height,
        per_claim_mean=float(s.mean()), per_claim_p50=float(s.quantile(0.5)),
        per_claim_p99=float(s.quantile(0.99)), per_claim_max=int(s.max()),
        claims_without_candidates=sum(1 for x in counts if x == 0),
        capped_blocks=capped_blocks, capped_claims=capped_claims, dropped_blocks=dropped,
        pairs_by_via=by_via)
