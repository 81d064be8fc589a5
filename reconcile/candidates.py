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
  `giv`      phonetic key of any token of the claim's names against people's given-name key
             (given-name-only claims, "Páo", names in another order);
  `clan_year` surname/clan key, always restricted to the birth-year window.
Bounds: a key value held by more than `block_cap` people is only joined within the claim's birth-year
window (± `year_slack`); if that block is still larger than `block_cap`, people of the other sex
are dropped, then the nearest birth years (ties by a fixed hash) are kept. A claim with no usable
birth year gets a fixed hash sample of `block_cap` people of an over-cap key (clan_year and rel_giv
are skipped instead). Each cut is counted in the stats; the model must take competitors from the
key's register frequency (`c_tf_*`), not from the number of candidates. A claim's total is cut to `max_pairs_per_claim` by key priority. Same input, same
output: the result is sorted by (claim_idx, pidx).
"""

from __future__ import annotations

import dataclasses

import polars as pl

KEY_PRIORITY = ("fam_giv", "addr", "rel", "rel_giv", "giv", "clan_year")
ALWAYS_YEAR = frozenset({"clan_year", "rel_giv"})


@dataclasses.dataclass(frozen=True)
class CandidateConfig:
    keys: tuple[str, ...] = KEY_PRIORITY
    block_cap: int = 300            # people one key block may contribute to one claim
    year_slack: int = 2             # years added on each side of the claim's birth interval
    max_year_span: int = 40         # wider claimed intervals count as "year unknown"
    max_pairs_per_claim: int = 2000


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
    dropped_blocks: int             # over-cap clan_year/rel_giv blocks skipped: no birth year
    pairs_by_via: dict

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


def _k(*parts: pl.Expr) -> pl.Expr:
    return pl.concat_str(list(parts), separator="|")


def _nonempty(col: str) -> pl.Expr:
    return pl.col(col).is_not_null() & (pl.col(col) != "")


def _person_keys(index) -> pl.DataFrame:
    """(via, key, pidx, year, sex) for every person and blocking key; cached on the index."""
    cache = getattr(index, "_cache", None)
    if cache is not None and "person_keys" in cache:
        return cache["person_keys"]
    p = index.people.select("pidx", pl.col("p_birth_year").alias("year"),
                            pl.col("p_sex").alias("sex"), "p_fam_key", "p_giv_key", "p_addr")
    parts = [
        p.filter(_nonempty("p_giv_key")).select(
            pl.lit("fam_giv").alias("via"), _k(pl.col("p_fam_key"), pl.col("p_giv_key")).alias("key"),
            "pidx", "year", "sex"),
        p.filter(_nonempty("p_addr")).select(pl.lit("addr").alias("via"), pl.col("p_addr").alias("key"),
                                             "pidx", "year", "sex"),
        p.filter(_nonempty("p_giv_key")).select(pl.lit("giv").alias("via"), pl.col("p_giv_key").alias("key"),
                                                "pidx", "year", "sex"),
        p.filter(_nonempty("p_fam_key")).select(pl.lit("clan_year").alias("via"),
                                                pl.col("p_fam_key").alias("key"), "pidx", "year", "sex"),
    ]
    kin = index.kin
    if kin.height:
        k = kin.filter(_nonempty("r_giv_key")).join(
            p.select("pidx", "year", "sex"), on="pidx", how="left")
        parts.append(k.filter(_nonempty("r_fam_key")).select(
            pl.lit("rel").alias("via"),
            _k(pl.col("relation"), pl.col("r_fam_key"), pl.col("r_giv_key")).alias("key"),
            "pidx", "year", "sex"))
        parts.append(k.select(pl.lit("rel_giv").alias("via"),
                              _k(pl.col("relation"), pl.col("r_giv_key")).alias("key"),
                              "pidx", "year", "sex"))
    keys = pl.concat([x.with_columns(pl.col("year").cast(pl.Int32)) for x in parts]).unique(
        ["via", "key", "pidx"], maintain_order=True)
    if cache is not None:
        cache["person_keys"] = keys
    return keys


def _token_keys(frame: pl.DataFrame, col: str) -> pl.DataFrame:
    """(claim_idx, key): phonetic given-name key of every token of a folded-name column."""
    from reconcile.index import _name_features

    toks = (frame.select("claim_idx", pl.col(col).str.split(" ").alias("tok")).explode("tok")
            .filter(_nonempty("tok")).unique(maintain_order=True))
    if toks.height == 0:
        return pl.DataFrame(schema={"claim_idx": pl.UInt32, "key": pl.Utf8})
    feats = _name_features(toks, "tok", None, "t_", None)
    return feats.select("claim_idx", pl.col("t_giv_key").alias("key")).filter(_nonempty("key"))


def _claim_keys(claims_feat: pl.DataFrame, claim_relatives: pl.DataFrame | None) -> pl.DataFrame:
    c = claims_feat
    names = pl.concat([
        c.select("claim_idx", pl.col("c_fold").alias("fold"), pl.col("c_fam_key").alias("fam_key"),
                 pl.col("c_giv_key").alias("giv_key"), pl.col("c_addr").alias("addr")),
        c.select("claim_idx", pl.col("c_alias_fold").alias("fold"), pl.col("c_alias_fam_key").alias("fam_key"),
                 pl.col("c_alias_giv_key").alias("giv_key"), pl.col("c_alias_addr").alias("addr"))
        .explode("fold", "fam_key", "giv_key", "addr"),
    ]).filter(_nonempty("fold"))
    parts = [
        names.filter(_nonempty("giv_key")).select(
            "claim_idx", pl.lit("fam_giv").alias("via"),
            _k(pl.col("fam_key").fill_null(""), pl.col("giv_key")).alias("key")),
        names.filter(_nonempty("addr")).select("claim_idx", pl.lit("addr").alias("via"),
                                               pl.col("addr").alias("key")),
        names.filter(_nonempty("fam_key")).select("claim_idx", pl.lit("clan_year").alias("via"),
                                                  pl.col("fam_key").alias("key")),
    ]
    tk = _token_keys(names, "fold")
    parts.append(tk.select("claim_idx", pl.lit("giv").alias("via"), "key"))
    # another order: last token as surname, first token as given name
    swapped = names.with_columns(pl.col("fold").str.split(" ").alias("t")).filter(
        pl.col("t").list.len() >= 2).select(
        "claim_idx", pl.col("t").list.first().alias("first"), pl.col("t").list.last().alias("last"))
    if swapped.height:
        from reconcile.index import _name_features

        sw = swapped.with_columns(pl.concat_str([pl.col("last"), pl.col("first")], separator=" ")
                                  .alias("nm"))
        sw = _name_features(sw, "nm", None, "s_", None)
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
    keys = pl.concat([x.select(pl.col("claim_idx").cast(pl.UInt32), "via", "key") for x in parts])
    return keys.unique(maintain_order=True)


def candidate_pairs(claims_feat: pl.DataFrame, index, config: CandidateConfig = CandidateConfig(),
                    claim_relatives: pl.DataFrame | None = None) -> pl.DataFrame:
    """`claim_idx`, `pidx`, `via` (highest-priority key that found the pair), `n_keys`."""
    return candidate_pairs_with_stats(claims_feat, index, config, claim_relatives)[0]


def candidate_pairs_with_stats(claims_feat: pl.DataFrame, index,
                               config: CandidateConfig = CandidateConfig(),
                               claim_relatives: pl.DataFrame | None = None
                               ) -> tuple[pl.DataFrame, CandidateStats]:
    """Candidate pairs and a `CandidateStats` (pairs per claim, bounds that cut in)."""
    cap = config.block_cap
    pk = _person_keys(index).filter(pl.col("via").is_in(list(config.keys)))
    ck = _claim_keys(claims_feat, claim_relatives).filter(pl.col("via").is_in(list(config.keys)))
    sizes = pk.group_by("via", "key").agg(pl.len().alias("size"))
    c = claims_feat.select(
        pl.col("claim_idx").cast(pl.UInt32),
        (pl.col("c_by_lo") - config.year_slack).alias("lo"),
        (pl.col("c_by_hi") + config.year_slack).alias("hi"),
        pl.col("c_by_best").alias("best"), pl.col("c_sex").alias("csex"))
    c = c.with_columns(pl.when(pl.col("lo").is_not_null() & pl.col("hi").is_not_null()
                               & (pl.col("hi") - pl.col("lo") <= config.max_year_span))
                       .then(True).otherwise(False).alias("has_year"))
    ck = (ck.join(sizes, on=["via", "key"], how="inner")
          .join(c, on="claim_idx", how="left"))
    needs_year = (pl.col("size") > cap) | pl.col("via").is_in(list(ALWAYS_YEAR))
    small = ck.filter(~needs_year)
    big = ck.filter(needs_year)
    noyear = big.filter(~pl.col("has_year"))
    dropped = noyear.filter(pl.col("via").is_in(list(ALWAYS_YEAR)))
    noyear = noyear.filter(~pl.col("via").is_in(list(ALWAYS_YEAR)))
    big = big.filter(pl.col("has_year"))

    cols = ("claim_idx", "pidx", "via", "key", "year", "sex", "best", "csex")
    out = []
    if small.height:
        out.append(small.join(pk, on=["via", "key"], how="inner").select(*cols))
    sampled_blocks = 0
    if noyear.height:
        # no birth year to narrow a common key: a fixed hash sample of `cap` people per key
        # (the model sees the key's full frequency through the c_tf_* / p_tf_* counts)
        wanted = noyear.select("via", "key").unique()
        sample = (pk.join(wanted, on=["via", "key"], how="semi")
                  .with_columns(pl.col("pidx").hash(seed=11).alias("_h"))
                  .sort("via", "key", "_h")
                  .filter(pl.int_range(pl.len()).over("via", "key") < cap).drop("_h"))
        out.append(noyear.join(sample, on=["via", "key"], how="inner").select(*cols))
        sampled_blocks = noyear.select("claim_idx", "via", "key").unique().height
    capped_blocks = 0
    if big.height:
        yrs = big.with_columns(pl.int_ranges(pl.col("lo"), pl.col("hi") + 1).alias("year")) \
            .explode("year").with_columns(pl.col("year").cast(pl.Int32))
        bj = yrs.join(pk.filter(pl.col("year").is_not_null()), on=["via", "key", "year"], how="inner")
        bj = bj.select("claim_idx", "pidx", "via", "key", "year", "sex", "best", "csex")
        grp = ["claim_idx", "via", "key"]
        bj = bj.with_columns(pl.len().over(grp).alias("_n"))
        over = bj.filter(pl.col("_n") > cap)
        if over.height:
            capped_blocks = over.select(grp).unique().height
            same_sex = pl.col("csex").is_null() | pl.col("sex").is_null() | (pl.col("sex") == pl.col("csex"))
            over = over.filter(same_sex)
            dist = (pl.col("year") - pl.coalesce(pl.col("best"), pl.col("year"))).abs()
            over = (over.with_columns(dist.alias("_d"),
                                      pl.struct("pidx", "claim_idx").hash(seed=7).alias("_h"))
                    .sort(*grp, "_d", "_h")
                    .filter(pl.int_range(pl.len()).over(grp) < cap)
                    .drop("_d", "_h"))
        out.append(pl.concat([bj.filter(pl.col("_n") <= cap), over]).drop("_n"))
    capped_blocks += sampled_blocks

    schema = {"claim_idx": pl.UInt32, "pidx": pl.UInt32, "via": pl.Utf8, "n_keys": pl.UInt8}
    if out:
        allp = pl.concat(out)
        prio = {v: i for i, v in enumerate(KEY_PRIORITY)}
        allp = allp.with_columns(pl.col("via").replace_strict(prio, return_dtype=pl.Int8).alias("_p"))
        pairs = (allp.group_by("claim_idx", "pidx")
                 .agg(pl.col("_p").min(), pl.col("via").n_unique().cast(pl.UInt8).alias("n_keys"),
                      pl.col("year").first(), pl.col("best").first())
                 .with_columns(pl.col("_p").replace_strict({i: v for v, i in prio.items()},
                                                           return_dtype=pl.Utf8).alias("via")))
        per = pairs.group_by("claim_idx").len()
        capped_claims = per.filter(pl.col("len") > config.max_pairs_per_claim).height
        if capped_claims:
            dist = (pl.col("year") - pl.coalesce(pl.col("best"), pl.col("year"))).abs().fill_null(99)
            pairs = (pairs.with_columns(dist.alias("_d"))
                     .sort("claim_idx", "_p", pl.col("n_keys"), "_d", "pidx",
                           descending=[False, False, True, False, False])
                     .filter(pl.int_range(pl.len()).over("claim_idx") < config.max_pairs_per_claim))
        pairs = pairs.select(pl.col("claim_idx").cast(pl.UInt32), pl.col("pidx").cast(pl.UInt32),
                             "via", "n_keys").sort("claim_idx", "pidx")
    else:
        pairs = pl.DataFrame(schema=schema)
        capped_claims = 0
    stats = _stats(pairs, claims_feat.height, capped_blocks, capped_claims,
                   dropped.select("claim_idx", "via", "key").unique().height)
    return pairs, stats


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
