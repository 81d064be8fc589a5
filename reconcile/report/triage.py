"""Claim status for the report: which review pile each claim goes to, and the report's settings.

Owns `ReportConfig` (thresholds and display bounds, each default here only), `STATUSES` and
`claim_status` (whole-frame polars, no per-row Python).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

STATUSES = ("likely", "relatives", "none")


@dataclass(frozen=True)
class ReportConfig:
    """Thresholds that sort claims into the three review piles, and display bounds."""

    likely: float = 0.80          # top candidate at least this probable -> "likely match"
    relatives: float = 0.20       # else a relative/household lead at least this probable -> "verify via relatives"
    charts_for: int = 3           # evidence waterfalls for the top N candidates of a claim ...
    chart_min_probability: float = 0.05  # ... beyond the first, only if this probable (else words only)
    kin_for: int = 2              # kinship pictures for the top N candidates (if probable enough)
    kin_min_probability: float = 0.02
    name_chars: int = 34          # characters of a name shown in a kinship box (full text in a tooltip)
    compress_over: int = 2_000_000  # embedded JSON above this many bytes is gzip+base64 (browser inflates it)


def claim_status(claims: pl.DataFrame, matches: pl.DataFrame, leads: pl.DataFrame,
                 config: ReportConfig = ReportConfig()) -> pl.DataFrame:
    """`claim_id`, `top_p`, `p_none`, `status` (likely | relatives | none) for every claim.

    likely: the best candidate reaches `config.likely`; relatives: otherwise, a relative or household
    lead reaches `config.relatives`; none: neither (at most a place to ask)."""
    top = (matches.filter(pl.col("rank") == pl.col("rank").min().over("claim_id"))
           .group_by("claim_id").agg(pl.col("probability").max().alias("top_p"),
                                     pl.col("p_none").first().alias("p_none")))
    kin = (leads.filter(pl.col("kind").is_in(["relative", "household"])
                        & (pl.col("probability").fill_null(0.0) >= config.relatives))
           .select("claim_id").unique().with_columns(pl.lit(True).alias("_kin")))
    return (claims.select("claim_id")
            .join(top, on="claim_id", how="left")
            .join(kin, on="claim_id", how="left")
            .with_columns(
                pl.when(pl.col("top_p") >= config.likely).then(pl.lit("likely"))
                .when(pl.col("_kin").fill_null(False)).then(pl.lit("relatives"))
                .otherwise(pl.lit("none")).alias("status"))
            .drop("_kin"))
