"""Splink 5 (DuckDB) baseline for the issue-3 benchmark: what a competent Splink user would build.

`run_splink(population, claims) -> (frame[claim_id, rank, person_id, probability], seconds)`:
- claims (SPEC JSONL dicts) are flattened to the register's columns;
- names are folded to ASCII first (DuckDB string distances count bytes, see the research notes §8) and
  split into surname / middle / given;
- comparisons: given and surname (NameComparison, term-frequency adjusted), middle, birth year
  (exact / ±1 / ±3 / ±6), sex, ethnicity (spelling variants merged), hometown province (last part of
  the text, folded), father / mother / spouse name (Jaro-Winkler);
- u by random sampling, the prior set from the expected share of registered claimants, m by EM on two
  blocking rules (given+surname; birth year+sex+province), then `predict` on the blocking rules and top-10 per claim.

Run by hand: `python benchmarks/splink_baseline.py [people] [claims] [seed]` prints recall@1/@10 on
registered claimants, the false-match rate (top-1 probability ≥ 0.5 for claimants not in the register),
recall@1 by corruption tag, and the time. Needs the `bench` extra (splink, duckdb).
"""

from __future__ import annotations

import logging
import sys
import time

import polars as pl

LAST_TIMINGS: dict[str, float] = {}  # stage → seconds of the last run_splink call (and "pairs")

CANON_ETHNICITY = {"hmong": "mong", "h'mong": "mong", "hmông": "mong", "meo": "mong", "mong": "mong",
                   "dao do": "dao", "dao tien": "dao", "san chay": "san chi", "viet": "kinh"}


def _fold(e: pl.Expr) -> pl.Expr:
    """NFC/NFD-safe ASCII fold: marks removed, đ→d, lowercase, single spaces."""
    return (e.str.normalize("NFD").str.replace_all(r"\p{M}", "").str.replace_all("[đĐ]", "d")
            .str.to_lowercase().str.replace_all(r"\s+", " ").str.strip_chars())


def _name_parts(df: pl.DataFrame, col: str) -> pl.DataFrame:
    toks = _fold(pl.col(col)).str.split(" ")
    n = toks.list.len()
    return df.with_columns(
        full_f=_fold(pl.col(col)),
        surname_f=pl.when(n >= 2).then(toks.list.first()),
        given_f=toks.list.last(),
        middle_f=pl.when(n >= 3).then(toks.list.slice(1, n - 2).list.join(" ")),
    )


def _province(e: pl.Expr) -> pl.Expr:
    last = _fold(e).str.split(",").list.last().str.strip_chars()
    return last.str.replace(r"^(tinh|thanh pho|tp)\s+", "")


def _ethnicity(e: pl.Expr) -> pl.Expr:
    f = _fold(e)
    return f.replace(CANON_ETHNICITY)


def _population_table(population: pl.DataFrame) -> pl.DataFrame:
    df = _name_parts(population, "full_name")
    return df.select(
        pl.col("person_id").cast(pl.Utf8).alias("unique_id"),
        "full_f", "surname_f", "middle_f", "given_f",
        pl.col("birth_date").str.extract(r"(\d{4})", 1).cast(pl.Int64, strict=False).alias("birth_year"),
        pl.col("sex").str.to_uppercase().str.slice(0, 1).alias("sex"),
        _ethnicity(pl.col("ethnicity")).alias("ethnicity"),
        _province(pl.col("hometown")).alias("home_prov"),
        _fold(pl.col("father_name")).alias("father_f"),
        _fold(pl.col("mother_name")).alias("mother_f"),
        _fold(pl.col("spouse_name")).alias("spouse_f"),
    )


def _claims_table(claims: list[dict]) -> pl.DataFrame:
    rows = []
    for c in claims:
        rel = {"father": None, "mother": None, "spouse": None}
        for r in c.get("relatives") or []:
            if r.get("relation") in rel and rel[r["relation"]] is None:
                rel[r["relation"]] = r.get("name")
        rows.append({
            "unique_id": str(c["claim_id"]), "name": c.get("name"), "sex": c.get("sex"),
            "birth_date": c.get("birth_date"), "birth_year": c.get("birth_year"),
            "by_min": c.get("birth_year_min"), "by_max": c.get("birth_year_max"), "age": c.get("age"),
            "recorded_on": c.get("recorded_on"), "ethnicity": c.get("ethnicity"),
            "hometown": c.get("claimed_hometown"), "father_name": rel["father"], "mother_name": rel["mother"],
            "spouse_name": rel["spouse"],
        })
    schema = {k: pl.Utf8 for k in ("unique_id", "name", "sex", "birth_date", "recorded_on", "ethnicity",
                                   "hometown", "father_name", "mother_name", "spouse_name")}
    schema.update({"birth_year": pl.Int64, "by_min": pl.Int64, "by_max": pl.Int64, "age": pl.Float64})
    df = pl.DataFrame(rows, schema=schema)
    df = _name_parts(df, "name")
    year_of_record = pl.col("recorded_on").str.slice(0, 4).cast(pl.Int64, strict=False).fill_null(2025)
    by = pl.coalesce(
        pl.col("birth_date").str.extract(r"(\d{4})", 1).cast(pl.Int64, strict=False),
        pl.col("birth_year"),
        (year_of_record - pl.col("age").round(0).cast(pl.Int64)),
        ((pl.col("by_min") + pl.col("by_max")) // 2),
    )
    sex = pl.col("sex").str.to_lowercase().replace({"nam": "m", "male": "m", "nữ": "f", "nu": "f", "female": "f"})
    return df.select(
        "unique_id", "full_f", "surname_f", "middle_f", "given_f", by.alias("birth_year"),
        sex.str.to_uppercase().alias("sex"), _ethnicity(pl.col("ethnicity")).alias("ethnicity"),
        _province(pl.col("hometown")).alias("home_prov"),
        _fold(pl.col("father_name")).alias("father_f"), _fold(pl.col("mother_name")).alias("mother_f"),
        _fold(pl.col("spouse_name")).alias("spouse_f"),
    )


def _settings(prior: float):
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    birth_year = cl.CustomComparison(
        output_column_name="birth_year",
        comparison_levels=[
            cll.NullLevel("birth_year"),
            cll.ExactMatchLevel("birth_year"),
            cll.AbsoluteDifferenceLevel("birth_year", 1),
            cll.AbsoluteDifferenceLevel("birth_year", 3),
            cll.AbsoluteDifferenceLevel("birth_year", 6),
            cll.ElseLevel(),
        ],
        comparison_description="birth year: exact, ±1, ±3, ±6, else",
    )
    comparisons = [
        cl.NameComparison("given_f").configure(term_frequency_adjustments=True),
        cl.NameComparison("surname_f").configure(term_frequency_adjustments=True),
        cl.ExactMatch("middle_f").configure(term_frequency_adjustments=True),
        birth_year,
        cl.ExactMatch("sex"),
        cl.ExactMatch("ethnicity"),
        cl.ExactMatch("home_prov").configure(term_frequency_adjustments=True),
        cl.JaroWinklerAtThresholds("father_f", [0.95, 0.85]),
        cl.JaroWinklerAtThresholds("mother_f", [0.95, 0.85]),
        cl.JaroWinklerAtThresholds("spouse_f", [0.95, 0.85]),
    ]
    return SettingsCreator(
        link_type="link_only",
        unique_id_column_name="unique_id",
        probability_two_random_records_match=prior,
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=[
            block_on("given_f", "surname_f"),
            block_on("given_f", "birth_year"),
            block_on("surname_f", "birth_year"),
            block_on("full_f"),
            block_on("given_f", "father_f"),
        ],
        retain_intermediate_calculation_columns=False,
    )


def run_splink(population: pl.DataFrame, claims: list[dict], *, top_k: int = 10,
               max_pairs_u: float = 2e6, seed: int = 1) -> tuple[pl.DataFrame, float]:
    """Link claims to the register with Splink 5 on DuckDB; top-`top_k` candidates per claim.

    Returns (frame[claim_id, rank, person_id, probability], seconds for the whole run).
    """
    from splink import DuckDBAPI, Linker, block_on

    logging.getLogger("splink").setLevel(logging.WARNING)
    t0 = time.perf_counter()
    c0 = time.process_time()
    reg = _population_table(population)
    cla = _claims_table(claims)
    # prior: about 60% of claimants are registered, each at most once
    prior = min(0.5, 0.6 / max(1, reg.height))
    db = DuckDBAPI()
    left = db.register(cla.to_arrow(), dataset_display_name="claims")
    right = db.register(reg.to_arrow(), dataset_display_name="register")
    linker = Linker([left, right], _settings(prior))
    logging.getLogger("splink").setLevel(logging.WARNING)  # Linker() resets it to INFO
    LAST_TIMINGS.clear()
    LAST_TIMINGS["prepare"] = time.perf_counter() - t0
    t = time.perf_counter()
    linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs_u, seed=seed)
    LAST_TIMINGS["u_sampling"] = time.perf_counter() - t
    t = time.perf_counter()
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("given_f", "surname_f"), fix_probability_two_random_records_match=True)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("birth_year", "sex", "home_prov"), fix_probability_two_random_records_match=True)
    LAST_TIMINGS["em"] = time.perf_counter() - t
    t = time.perf_counter()
    preds = linker.inference.predict().as_pandas_dataframe()
    LAST_TIMINGS["predict"] = time.perf_counter() - t
    LAST_TIMINGS["pairs"] = len(preds)
    df = pl.from_pandas(preds[["source_dataset_l", "unique_id_l", "source_dataset_r", "unique_id_r",
                               "match_weight", "match_probability"]])
    # orient every pair as (claim, person)
    left_is_claim = pl.col("source_dataset_l") == "claims"
    df = df.select(
        pl.when(left_is_claim).then(pl.col("unique_id_l")).otherwise(pl.col("unique_id_r")).alias("claim_id"),
        pl.when(left_is_claim).then(pl.col("unique_id_r")).otherwise(pl.col("unique_id_l")).alias("person_id"),
        pl.col("match_weight").alias("weight"), pl.col("match_probability").alias("probability"),
    )
    out = (df.sort(["claim_id", "weight"], descending=[False, True])
             .with_columns(rank=pl.col("weight").rank("ordinal", descending=True).over("claim_id").cast(pl.Int32))
             .filter(pl.col("rank") <= top_k)
             .select("claim_id", "rank", "person_id", "probability"))
    LAST_TIMINGS["cpu"] = time.process_time() - c0
    return out, time.perf_counter() - t0


def join_truth(result: pl.DataFrame, truth: pl.DataFrame) -> pl.DataFrame:
    """Truth rows with the top-1 candidate (`top1`, its probability `p1`), `hit1` and `hit10`.

    Shared by this baseline and benchmarks/bench_match.py, so both tools are judged alike."""
    top1 = result.filter(pl.col("rank") == 1).select("claim_id", pl.col("person_id").alias("top1"),
                                                     pl.col("probability").alias("p1"))
    hit10 = (result.join(truth.select("claim_id", pl.col("person_id").alias("true_id")), on="claim_id")
                   .filter(pl.col("person_id") == pl.col("true_id")).select("claim_id").unique()
                   .with_columns(hit10=pl.lit(True)))
    return (truth.join(top1, on="claim_id", how="left").join(hit10, on="claim_id", how="left")
                 .with_columns(hit1=(pl.col("top1") == pl.col("person_id")).fill_null(False),
                               hit10=pl.col("hit10").fill_null(False)))


def evaluate(result: pl.DataFrame, truth: pl.DataFrame, threshold: float = 0.5) -> dict:
    """recall@1 / @10 on registered claimants, false-match rate on unregistered claimants, per-tag recall@1."""
    t = join_truth(result, truth)
    reg = t.filter(pl.col("kind") == "registered")
    unreg = t.filter(pl.col("kind") != "registered")
    by_tag = (reg.with_columns(tag=pl.col("corruptions").str.split(";")).explode("tag")
                 .group_by("tag").agg(pl.len().alias("n"), pl.col("hit1").mean().alias("recall_at_1"))
                 .sort("tag"))
    return {
        "registered": reg.height,
        "recall_at_1": float(reg["hit1"].mean() or 0.0),
        "recall_at_10": float(reg["hit10"].mean() or 0.0),
        "false_match_rate": float((unreg["p1"].fill_null(0.0) >= threshold).mean() or 0.0),
        "false_match_rate_absent": float((unreg.filter(pl.col("kind") == "absent")["p1"].fill_null(0.0)
                                          >= threshold).mean() or 0.0),
        "wrong_top1_confident_registered": float(((reg["p1"].fill_null(0.0) >= threshold) & ~reg["hit1"]).mean()
                                                 or 0.0),
        "by_tag": by_tag,
    }


def main(argv: list[str]) -> int:
    from reconcile import synth

    people = int(argv[1]) if len(argv) > 1 else 200_000
    n_claims = int(argv[2]) if len(argv) > 2 else 2_000
    seed = int(argv[3]) if len(argv) > 3 else 0
    t = time.perf_counter()
    pop = synth.generate_population(people, seed)
    claims, truth = synth.generate_claims(pop, n_claims, seed)
    print(f"generated {people:,} people and {n_claims:,} claims in {time.perf_counter() - t:.1f} s")
    result, secs = run_splink(pop, claims)
    m = evaluate(result, truth)
    print("stages: " + ", ".join(f"{k} {v:.1f}" if k != "pairs" else f"pairs {int(v):,}"
                                 for k, v in LAST_TIMINGS.items()))
    print(f"splink: {secs:.1f} s; recall@1 {m['recall_at_1']:.3f}, recall@10 {m['recall_at_10']:.3f} "
          f"on {m['registered']} registered claimants; false-match rate (top-1 p>=0.5, unregistered) "
          f"{m['false_match_rate']:.3f} (absent families {m['false_match_rate_absent']:.3f}); "
          f"confident wrong top-1 on registered {m['wrong_top1_confident_registered']:.3f}")
    with pl.Config(tbl_rows=60):
        print(m["by_tag"])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
