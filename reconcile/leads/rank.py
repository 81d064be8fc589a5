"""Ordering of the leads of each claim, for diversity; the `probability` column is never changed.

Leads that compete to answer one question (the registered namesakes of one claimed relative, the
claimant's own candidates, the records naming the claimant) form a group: the n-th of a group ranks by
probability × `group_decay`^n, so the best lead for each claimed relative comes before the second-best
of another. The family of a found lead (all of it true together) ranks by probability; a household
that only repeats one person lead is weighed by `single_hh_order`. One place lead follows the
strongest person lead and is always kept, further places sink (`place_decay`).
"""

from __future__ import annotations

import polars as pl

from reconcile.leads.config import LeadsConfig

KIND_ORDER = {"self": 0, "relative": 1, "household": 2, "place": 3}


def order(body: pl.DataFrame, places: pl.DataFrame, top_k: int, cfg: LeadsConfig) -> pl.DataFrame:
    """Person/household leads (`body`) and place leads of each claim → the first `top_k` of each
    claim with `rank` (1-based), at least one place lead kept when there is one."""
    body = body.with_columns(pl.col("kind").replace_strict(KIND_ORDER, return_dtype=pl.Int8).alias("_ko"),
                             (pl.col("probability") * pl.col("ord").fill_null(1.0)).alias("_p"))
    body = body.sort(["claim", "_p", "_ko", "pidx", "hh"], descending=[False, True, False, False, False],
                     nulls_last=True)
    body = body.with_columns(
        pl.when(pl.col("grp").is_null()).then(pl.col("_p"))
        .otherwise(pl.col("_p") * pl.lit(cfg.group_decay).pow(pl.int_range(pl.len()).over("claim", "grp")))
        .alias("_score"), pl.lit(None, dtype=pl.Int64).alias("_pj"))
    top = body.group_by("claim").agg(pl.col("_score").max().alias("_top"))
    places = (places.sort(["claim", "probability", "place"], descending=[False, True, False])
              .with_columns(pl.int_range(pl.len()).over("claim").cast(pl.Int64).alias("_pj"))
              .join(top, on="claim", how="left")
              .with_columns((pl.min_horizontal("probability", pl.col("_top").fill_null(1.0))
                             * pl.lit(cfg.place_decay).pow(pl.col("_pj"))).alias("_score"),
                            pl.lit(KIND_ORDER["place"], dtype=pl.Int8).alias("_ko"))
              .drop("_top"))
    allr = pl.concat([body, places], how="diagonal_relaxed")
    allr = allr.sort(["claim", "_score", "_ko", "pidx", "hh", "place"],
                     descending=[False, True, False, False, False, False], nulls_last=True)
    has_place = pl.col("_pj").is_not_null().any().over("claim").cast(pl.Int32)
    nth_other = pl.col("_pj").is_null().cast(pl.Int32).cum_sum().over("claim")
    allr = allr.filter(pl.when(pl.col("_pj").is_null()).then(nth_other <= pl.lit(top_k) - has_place)
                       .otherwise(True))
    allr = allr.with_columns((pl.int_range(pl.len()).over("claim") + 1).alias("rank"))
    allr = allr.filter((pl.col("rank") <= top_k) | (pl.col("_pj") == 0))
    return allr.with_columns((pl.int_range(pl.len()).over("claim") + 1).cast(pl.UInt32).alias("rank")) \
        .drop("_ko", "_p", "_score", "_pj")
