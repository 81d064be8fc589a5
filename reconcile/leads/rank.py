"""Ordering of the leads of each claim, for diversity; the `probability` column is never changed.

Leads that compete to answer one question (the registered namesakes of one claimed relative, the
claimant's own candidates, the records naming the claimant) form a group: the n-th of a group ranks by
probability × `group_decay`^n, so the best lead for each claimed relative comes before the second-best
of another. The family of a found lead (all of it true together) ranks by probability; a household
that only repeats one person lead is weighed by `single_hh_order`. One place lead follows the
strongest person lead and is always kept, further places sink (`place_decay`).

`order` works on the frames of a batch (polars); `order_rows` is the same rule for the rows of one
claim held as dicts (no query).
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


def _last(x):
    """Sort key of an ascending column with nulls last."""
    return (x is None, 0 if x is None else x)


def order_rows(body: list[dict], places: list[dict], top_k: int, cfg: LeadsConfig) -> list[dict]:
    """`order` for the leads of ONE claim held as row dicts (no frame, no query): the same keys,
    group decay, place rule and cut; returns the kept rows (body rows with `place`, place rows with
    `place probability n said kind source`), each with `rank` (1-based)."""
    rows = sorted(({**r, "_ko": KIND_ORDER[r["kind"]], "_p": r["probability"] * (1.0 if r["ord"] is None else r["ord"])}
                   for r in body),
                  key=lambda r: (-r["_p"], r["_ko"], _last(r["pidx"]), _last(r["hh"])))
    seen: dict[str, int] = {}
    top = None
    for r in rows:
        g = r["grp"]
        if g is None:
            r["_score"] = r["_p"]
        else:
            k = seen.get(g, 0)
            seen[g] = k + 1
            r["_score"] = r["_p"] * cfg.group_decay ** k
        top = r["_score"] if top is None else max(top, r["_score"])
    cap = 1.0 if top is None else top
    pl_rows = sorted(places, key=lambda r: (-r["probability"], r["place"]))
    for j, r in enumerate(pl_rows):
        rows.append({**r, "_pj": j, "_ko": KIND_ORDER["place"], "pidx": None, "hh": None,
                     "_score": min(r["probability"], cap) * cfg.place_decay ** j})
    rows.sort(key=lambda r: (-r["_score"], r["_ko"], _last(r.get("pidx")), _last(r.get("hh")),
                             _last(r.get("place"))))
    has_place = 1 if pl_rows else 0
    kept, nth = [], 0
    for r in rows:
        if r.get("_pj") is None:
            nth += 1
            if nth > top_k - has_place:
                continue
        kept.append(r)
    kept = [r for i, r in enumerate(kept) if i + 1 <= top_k or r.get("_pj") == 0]
    for i, r in enumerate(kept):
        r["rank"] = i + 1
    return kept
