"""Adapters at the edge: hand reconcile's frames to pandas and to the recordlinkage toolkit.

recordlinkage pins `pandas<3` and is unmaintained, so it is an optional extra
(`pip install "reconcile[recordlinkage]"`) and never on the core path: nothing in the
package imports this module. The adapters let a team that already evaluates with
recordlinkage (its `Compare` features, `confusion_matrix`, FEBRL data) feed it reconcile's
candidate pairs, or bring recordlinkage's candidate links into reconcile's column names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


def _pandas():
    try:
        import pandas as pd
    except ImportError as exc:  # pragma: no cover - exercised only without pandas
        raise ImportError(
            "pandas is needed for this adapter. Fix: pip install 'reconcile[pandas]'"
        ) from exc
    return pd


def candidates_to_multiindex(candidates: pl.DataFrame, left: str = "claim_id",
                             right: str = "person_id") -> "pd.MultiIndex":
    """(claim_id, person_id) pairs of a `match` result as the pandas MultiIndex recordlinkage uses."""
    pd = _pandas()
    missing = [c for c in (left, right) if c not in candidates.columns]
    if missing:
        raise ValueError(f"candidates frame lacks column(s) {missing}. Fix: pass the output of rc.match.")
    pairs = candidates.select(left, right).unique(maintain_order=True)
    return pd.MultiIndex.from_arrays([pairs[left].to_list(), pairs[right].to_list()],
                                     names=[left, right])


def multiindex_to_pairs(index: "pd.MultiIndex", left: str = "claim_id",
                        right: str = "person_id") -> pl.DataFrame:
    """A recordlinkage candidate MultiIndex as a polars frame with reconcile's column names."""
    return pl.DataFrame({left: [str(v) for v in index.get_level_values(0)],
                         right: [str(v) for v in index.get_level_values(1)]})


def true_links(truth: pl.DataFrame, left: str = "claim_id", right: str = "person_id") -> "pd.MultiIndex":
    """Known true (claim, person) links from a truth table (e.g. synth's truth.csv) as a MultiIndex."""
    known = truth.filter(pl.col(right).is_not_null() & (pl.col(right).cast(pl.Utf8) != ""))
    return candidates_to_multiindex(known.with_columns(pl.col(right).cast(pl.Utf8)), left, right)


def evaluate_top1(candidates: pl.DataFrame, truth: pl.DataFrame, threshold: float = 0.5) -> dict:
    """Precision/recall of the top-1 links at a probability threshold, with recordlinkage when installed.

    Falls back to the same arithmetic in polars when recordlinkage is absent, so the numbers never
    depend on which optional extra is present.
    """
    top = candidates.filter((pl.col("rank") == 1) & (pl.col("probability") >= threshold))
    links = top.select("claim_id", pl.col("person_id").cast(pl.Utf8))
    gold = truth.filter(pl.col("person_id").is_not_null() & (pl.col("person_id").cast(pl.Utf8) != "")) \
        .select("claim_id", pl.col("person_id").cast(pl.Utf8))
    try:
        import recordlinkage as rl  # noqa: F401
    except ImportError:
        rl = None
    if rl is not None:  # pragma: no cover - optional extra
        pred, gold_idx = candidates_to_multiindex(links), candidates_to_multiindex(gold)
        tp = len(pred.intersection(gold_idx))
    else:
        tp = links.join(gold, on=["claim_id", "person_id"], how="inner").height
    precision = tp / links.height if links.height else 1.0
    recall = tp / gold.height if gold.height else 1.0
    return {"links": links.height, "true_positives": tp, "precision": precision, "recall": recall,
            "backend": "recordlinkage" if rl is not None else "polars"}
