"""Shared helpers for benchmarks on generated worlds: the grid of settings, world generation, the truth
join and the seven measures of issue 10 (synthetic people only; run by hand, not by the test suite).

A *world* is a register plus claims with ground truth made by `reconcile.synth` under one
`WorldConfig` and one seed. Settings vary the config around its defaults, one knob at a time:

    name repetition ×{0.5, 1, 2}, registration rate {0.4, 0.6, 0.8}, corruption {low 0.5, 1, high 2},
    claim richness {poor 0.5, 1, rich 2}

`TRAIN_SETTINGS` are those grid settings (seeds 1000+); `CHECK_SETTINGS` are off-grid settings (several
knobs moved at once, to values the grid does not use; seeds 2000+) that nothing may be fitted on.

Measures (`measure(...)`), computed through the public API only (`rc.build_index`, `rc.read_claims`,
`rc.match`, `rc.leads`):
- `recall_at_1`, `recall_at_10`: registered claimants whose true record is first / in the top 10;
- `false_match_rate`: claimants not in the register (kinds `absent_relatives` and `absent`) whose top-1
  probability is ≥ 0.5 (also per kind);
- `ece_top1`: expected calibration error of the top-1 probability, 10 equal-width bins, over all claims
  (a top-1 of an unregistered claimant is always wrong);
- `recall_at_p05`: registered claimants whose true record has probability ≥ 0.5;
- `absent_relative_top10`: claimants of kind `absent_relatives` (with at least one true registered
  relative) who have a true relative (person lead) or their family's household (household lead) among
  the top-10 leads; `absent_relative_person_top10` counts person leads only;
- `nobody_false_alarm`: claimants of kind `absent` (nobody of theirs is registered) with a `self` or
  `relative` lead of probability ≥ 0.5;
plus `recall_at_1_by_tag` / `false_match_by_tag` ({corruption tag: [n, share]}) and the ECE bins.

`REFERENCE_SETTINGS` holds `legacy` (the generator before issue 10) for comparison.
`train_worlds()` yields worlds of the train settings for fitting calibration across several worlds.
"""

from __future__ import annotations

import time
import warnings
import zlib
from dataclasses import dataclass, field, replace
from typing import Iterator

import numpy as np
import polars as pl

from reconcile import synth
from reconcile.synth import WorldConfig
from reconcile.model.training.calibration import ece  # the one ECE of the project

CORE_RELATIONS = ("father", "mother", "spouse", "child", "sibling")
DEFAULT_CLAIMS = {20_000: 1_000, 200_000: 3_000, 1_000_000: 3_000}
SIZES = (20_000, 200_000, 1_000_000)
GOALS = {"recall_at_1": (">=", 0.97), "recall_at_10": (">=", 0.995), "false_match_rate": ("<=", 0.01),
         "ece_top1": ("<=", 0.03), "recall_at_p05": (">=", 0.90), "absent_relative_top10": (">=", 0.90),
         "nobody_false_alarm": ("<=", 0.02)}
MEASURES = tuple(GOALS)

_BASE = WorldConfig()
TRAIN_SETTINGS: dict[str, WorldConfig] = {
    "default": _BASE,
    "names_x0.5": replace(_BASE, name_repetition=0.5),
    "names_x2": replace(_BASE, name_repetition=2.0),
    "registered_0.4": replace(_BASE, registration_rate=0.4),
    "registered_0.8": replace(_BASE, registration_rate=0.8),
    "corruption_low": replace(_BASE, corruption=0.5),
    "corruption_high": replace(_BASE, corruption=2.0),
    "claims_poor": replace(_BASE, claim_richness=0.5),
    "claims_rich": replace(_BASE, claim_richness=2.0),
}
CHECK_SETTINGS: dict[str, WorldConfig] = {
    # several knobs at once, at values the grid does not use
    "off_a": replace(_BASE, name_repetition=1.5, registration_rate=0.5, corruption=1.5, claim_richness=0.7,
                     no_surname=0.10, book_at_home=0.20, registry_year_error=0.06),
    "off_b": replace(_BASE, name_repetition=0.7, registration_rate=0.7, corruption=0.7, claim_richness=1.4,
                     teknonym_name=0.08, north_residence=0.15, other_relations=0.3),
    "off_c": replace(_BASE, name_repetition=1.3, registration_rate=0.3, corruption=1.2, claim_richness=1.0,
                     rotated=0.08, extra_given_names=False),
}
# The generator before issue 10, for reference (how much the widened world costs the same engine).
REFERENCE_SETTINGS: dict[str, WorldConfig] = {"legacy": WorldConfig.legacy()}
SETTINGS = {**TRAIN_SETTINGS, **CHECK_SETTINGS, **REFERENCE_SETTINGS}


@dataclass
class World:
    """One generated world: register, claims (SPEC dicts) and truth (synth.TRUTH_COLUMNS)."""

    setting: str
    people: int
    seed: int
    config: WorldConfig
    population: pl.DataFrame
    claims: list[dict]
    truth: pl.DataFrame
    notes: dict = field(default_factory=dict)


def world_seed(setting: str, people: int) -> int:
    """Stable seed of a (setting, size): train settings 1000+, check settings 2000+."""
    base = 2000 if setting in CHECK_SETTINGS else 3000 if setting in REFERENCE_SETTINGS else 1000
    return base + zlib.crc32(f"{setting}/{people}".encode()) % 997


def make_world(setting: str, people: int, claims: int | None = None, seed: int | None = None,
               config: WorldConfig | None = None) -> World:
    """Generate the world of a named setting (or of `config` under that name)."""
    cfg = config if config is not None else SETTINGS[setting]
    seed = world_seed(setting, people) if seed is None else seed
    n_claims = claims if claims is not None else DEFAULT_CLAIMS.get(people, max(200, people // 200))
    pop = synth.generate_population(people, seed, cfg)
    cl, truth = synth.generate_claims(pop, n_claims, seed, config=cfg)
    for c in cl:  # defensive: an impossible age would be a generator bug, not a matcher's problem
        if isinstance(c.get("age"), (int, float)) and not 0 <= c["age"] <= 130:
            c["age"] = None
    return World(setting, people, seed, cfg, pop, cl, truth)


def train_worlds(sizes: tuple[int, ...] = (20_000, 200_000), settings: tuple[str, ...] | None = None,
                 claims: int | None = None) -> Iterator[World]:
    """Worlds of the train settings (one per size × setting, generated lazily, seeds 1000+), for fitting
    calibration or shrinkage across several worlds. Never fit on CHECK_SETTINGS."""
    for name in settings or tuple(TRAIN_SETTINGS):
        if name in CHECK_SETTINGS:
            raise ValueError(f"train_worlds: {name!r} is a check setting; fit only on TRAIN_SETTINGS")
        for n in sizes:
            yield make_world(name, n, claims)


def read_claims(claims: list[dict]):
    """`rc.read_claims`, falling back to the five relations the reader knows when it refuses others
    (grandparent, uncle ... as text); returns (frame, number of relatives dropped)."""
    import reconcile as rc
    from reconcile.errors import ReconcileInputError

    try:
        return rc.read_claims(claims), 0
    except ReconcileInputError:
        dropped = 0
        kept = []
        for c in claims:
            rels = [r for r in c.get("relatives") or [] if r.get("relation") in CORE_RELATIONS]
            dropped += len(c.get("relatives") or []) - len(rels)
            kept.append({**c, "relatives": rels})
        return rc.read_claims(kept), dropped


# ----------------------------------------------------------------------------------------- measures


def truth_join(match: pl.DataFrame, truth: pl.DataFrame) -> pl.DataFrame:
    """Truth rows with `top1`, `p1` (0 when no candidate), `hit1`, `hit10`, `p_true` (probability given
    to the true record, 0 when absent from the list)."""
    top1 = match.filter(pl.col("rank") == 1).select("claim_id", pl.col("person_id").alias("top1"),
                                                    pl.col("probability").alias("p1"))
    true = (match.filter(pl.col("rank") <= 10)
            .join(truth.select("claim_id", pl.col("person_id").alias("true_id")), on="claim_id")
            .filter(pl.col("person_id") == pl.col("true_id"))
            .group_by("claim_id").agg(pl.col("probability").max().alias("p_true")))
    return (truth.join(top1, on="claim_id", how="left").join(true, on="claim_id", how="left")
            .with_columns(hit1=(pl.col("top1") == pl.col("person_id")).fill_null(False),
                          hit10=pl.col("p_true").is_not_null(),
                          p1=pl.col("p1").fill_null(0.0), p_true=pl.col("p_true").fill_null(0.0)))


def _share(n: int, d: int) -> float | None:
    return None if d == 0 else round(n / d, 4)


def measure(match: pl.DataFrame, leads: pl.DataFrame | None, truth: pl.DataFrame,
            population: pl.DataFrame) -> dict:
    """The seven measures of issue 10 (see the module docstring) plus counts and ECE bins."""
    t = truth_join(match, truth)
    reg = t.filter(pl.col("kind") == "registered")
    unreg = t.filter(pl.col("kind") != "registered")
    p = t["p1"].to_numpy()
    y = t["hit1"].to_numpy().astype(float)
    out: dict = {
        "claims": t.height, "registered": reg.height, "unregistered": unreg.height,
        "recall_at_1": _share(int(reg["hit1"].sum()), reg.height),
        "recall_at_10": _share(int(reg["hit10"].sum()), reg.height),
        "false_match_rate": _share(int((unreg["p1"] >= 0.5).sum()), unreg.height),
        "ece_top1": round(ece(p, y), 4),
        "recall_at_p05": _share(int((reg["p_true"] >= 0.5).sum()), reg.height),
    }
    for k in ("absent_relatives", "absent"):
        sub = unreg.filter(pl.col("kind") == k)
        out[f"false_match_rate_{k}"] = _share(int((sub["p1"] >= 0.5).sum()), sub.height)
    for label, sub, col in (("recall_at_1_by_tag", reg, pl.col("hit1")),
                            ("false_match_by_tag", unreg, pl.col("p1") >= 0.5)):
        g = (sub.with_columns(tag=pl.col("corruptions").str.split(";"), ok=col).explode("tag")
             .group_by("tag").agg(pl.len().alias("n"), pl.col("ok").mean().alias("v")).sort("tag"))
        out[label] = {r["tag"]: [r["n"], round(r["v"], 3)] for r in g.iter_rows(named=True)}
    b = np.minimum((p * 10).astype(int), 9)
    out["ece_bins"] = [{"bin": k, "n": int((b == k).sum()),
                        "mean_p": round(float(p[b == k].mean()), 3) if (b == k).any() else None,
                        "accuracy": round(float(y[b == k].mean()), 3) if (b == k).any() else None}
                       for k in range(10)]
    if leads is None:
        return out
    tr = truth.with_columns(rel=pl.col("relative_ids").fill_null("").str.split(";")
                            .list.eval(pl.element().filter(pl.element() != "")))
    rel_long = (tr.select("claim_id", "kind", "rel").explode("rel").drop_nulls("rel")
                .rename({"rel": "person_id"}))
    top10 = leads.filter(pl.col("rank") <= 10)
    ab = tr.filter((pl.col("kind") == "absent_relatives") & (pl.col("rel").list.len() > 0))
    hh_of = population.select("person_id", "household_id")
    ab_hh = pl.concat([
        ab.select("claim_id", "household_id"),
        rel_long.join(ab.select("claim_id"), on="claim_id").join(hh_of, on="person_id")
        .select("claim_id", "household_id")]).drop_nulls().unique()
    hit_p = (top10.filter(pl.col("person_id").is_not_null())
             .join(rel_long.select("claim_id", "person_id"), on=["claim_id", "person_id"])
             .select("claim_id").unique().join(ab.select("claim_id"), on="claim_id"))
    hit_h = (top10.filter((pl.col("kind") == "household") & pl.col("household_id").is_not_null())
             .join(ab_hh, on=["claim_id", "household_id"]).select("claim_id"))
    hit = pl.concat([hit_p, hit_h]).unique().join(ab.select("claim_id"), on="claim_id")
    out["absent_with_relatives"] = ab.height
    out["absent_relative_top10"] = _share(hit.height, ab.height)
    out["absent_relative_person_top10"] = _share(hit_p.height, ab.height)
    nobody = tr.filter(pl.col("kind") == "absent").select("claim_id")
    alarms = (leads.filter(pl.col("kind").is_in(["self", "relative"]) & (pl.col("probability") >= 0.5))
              .join(nobody, on="claim_id").select("claim_id").n_unique())
    out["nobody_registered"] = nobody.height
    out["nobody_false_alarm"] = _share(alarms, nobody.height)
    return out


def run_world(world: World, *, leads: bool = True, top_k: int = 10, leads_top_k: int = 20) -> dict:
    """Build the index, match and lead every claim of a world through the public API, and measure."""
    import reconcile as rc

    warnings.simplefilter("ignore")
    split = ("check" if world.setting in CHECK_SETTINGS else "reference" if world.setting in REFERENCE_SETTINGS
             else "train")
    row: dict = {"setting": world.setting, "people": world.people, "claims": len(world.claims),
                 "seed": world.seed, "split": split}
    t = time.perf_counter()
    index = rc.build_index(world.population)
    row["index_s"] = round(time.perf_counter() - t, 1)
    frame, dropped = read_claims(world.claims)
    row["other_relations_dropped"] = dropped
    t = time.perf_counter()
    m = rc.match(frame, index, top_k=top_k)
    row["match_s"] = round(time.perf_counter() - t, 1)
    ld = None
    if leads:
        t = time.perf_counter()
        ld = rc.leads(frame, index, top_k=leads_top_k)
        row["leads_s"] = round(time.perf_counter() - t, 1)
    row.update(measure(m, ld, world.truth, world.population))
    return row


LABELS = {"recall_at_1": "recall@1", "recall_at_10": "recall@10", "false_match_rate": "false match",
          "ece_top1": "ECE", "recall_at_p05": "recall@0.5", "absent_relative_top10": "relative in top-10",
          "nobody_false_alarm": "nobody: lead ≥ 0.5"}


def goal_table(rows: list[dict], first: list[tuple[str, object]]) -> list[str]:
    """Markdown lines of one table: the `first` columns ((header, row -> text) pairs), then the seven
    measures against their goals (a missed goal marked *), one line per row."""
    head = [h for h, _ in first] + [f"{LABELS[m]} ({GOALS[m][0]} {GOALS[m][1]})" for m in MEASURES]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        cells = [f(r) for _, f in first]
        for m in MEASURES:
            v = r.get(m)
            cells.append("–" if v is None else f"{v:.3f}{'' if goal_met(m, v) else ' *'}")
        out.append("| " + " | ".join(cells) + " |")
    return out


def record(rows: list[dict], row: dict, out, render) -> list[dict]:
    """`rows` with `row` replacing any row of the same (label, people, setting); prints its measures
    and writes the JSON and its Markdown rendering (`render(rows)`) beside it, after every world."""
    import json

    key = (row["label"], row["people"], row["setting"])
    rows = [r for r in rows if (r["label"], r["people"], r["setting"]) != key] + [row]
    print(f"{row['label']} {row['people']:>9,} {row['setting']:16s} gen {row.get('generate_s')}s "
          + " ".join(f"{LABELS[m]}={row.get(m)}" for m in MEASURES), flush=True)
    out.write_text(json.dumps({"rows": rows}, ensure_ascii=False, indent=1), "utf-8")
    out.with_suffix(".md").write_text(render(rows), "utf-8")
    return rows


def goal_met(name: str, value: float | None) -> bool | None:
    if value is None or name not in GOALS:
        return None
    op, goal = GOALS[name]
    return value >= goal if op == ">=" else value <= goal
