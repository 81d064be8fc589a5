"""benchmarks/otherworld.py: a small independent world passes the readers, its truth has the columns
`worlds.measure` reads, and the same seed gives the same world (smoke test; quality is benchmarked by hand)."""

import sys
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import otherworld  # noqa: E402

import reconcile as rc  # noqa: E402

TRUTH = ["claim_id", "kind", "person_id", "relative_ids", "household_id", "corruptions"]


def test_small_world_passes_the_readers_and_truth_fits_measure():
    cfg = otherworld.OtherConfig(people=2_000, claims=120)
    w = otherworld.generate(cfg, seed=3)
    pop = rc.read_population(w.population, errors="raise")
    assert pop.height == w.population.height
    assert w.population["person_id"].n_unique() == w.population.height
    claims = rc.read_claims([{**c, "relatives": [r for r in c.get("relatives") or []
                                                 if r["relation"] != "grandparent"]} for c in w.claims])
    assert claims.height == len(w.claims)
    assert w.truth.columns == TRUTH
    kinds = set(w.truth["kind"].to_list())
    assert kinds <= {"registered", "absent_relatives", "absent"} and "registered" in kinds
    ids = set(w.population["person_id"].to_list())
    reg = w.truth.filter(pl.col("kind") == "registered")
    assert set(reg["person_id"].to_list()) <= ids
    assert w.truth.filter(pl.col("kind") != "registered")["person_id"].null_count() == \
        w.truth.filter(pl.col("kind") != "registered").height
    rel = {x for s in w.truth["relative_ids"].to_list() for x in s.split(";") if x}
    assert rel <= ids
    # absent with relatives have at least one registered relative; nobody-registered have none
    ab = w.truth.filter(pl.col("kind") == "absent_relatives")["relative_ids"].to_list()
    assert all(s != "" for s in ab)
    assert all(s == "" for s in w.truth.filter(pl.col("kind") == "absent")["relative_ids"].to_list())
    again = otherworld.generate(cfg, seed=3)
    assert again.population.equals(w.population) and again.claims == w.claims
