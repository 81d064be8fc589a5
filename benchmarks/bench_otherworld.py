"""Match and lead quality on worlds from the independent generator `benchmarks/otherworld.py` (issue 10:
does what was fitted on `reconcile.synth` worlds transfer?). Run by hand, not by the tests.

    .venv/bin/python benchmarks/bench_otherworld.py --label start
    .venv/bin/python benchmarks/bench_otherworld.py --sizes 200000 --settings default --label start
    .venv/bin/python benchmarks/bench_otherworld.py --sizes 1000000 --settings default --no-leads

For each (size, setting) it generates a world (otherworld.SETTINGS: `default`, `hard`, `easy_rich`;
seed fixed per size and setting), builds the index, matches (top 10) and leads (top 20) every claim
through the public API and reports the seven measures of issue 10 with `worlds.measure` (same
definitions as bench_grid), plus recall@1 / false match by corruption tag and the ECE bins. Rows are
merged into benchmarks/results/otherworld.json (keyed by label, size, setting) and rendered to
otherworld.md. `--dump DIR` also writes, per world, the misses and false matches (claim, top-1 record,
true record) as JSON Lines for reading.

Options: --sizes (comma list; default 20000,200000), --settings (comma list or `all`), --claims (per
world; default 1,000 at 20k, 3,000 above), --label, --no-leads, --seed-offset, --dump DIR.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

import polars as pl  # noqa: E402

import otherworld  # noqa: E402
import worlds  # noqa: E402

RESULTS = ROOT / "results"


def seed_of(setting: str, people: int, offset: int = 0) -> int:
    return 7000 + offset + zlib.crc32(f"{setting}/{people}".encode()) % 1000


def default_claims(n: int) -> int:
    return 1_000 if n <= 20_000 else 3_000


def run(w: otherworld.OtherWorld, *, leads: bool = True, dump: Path | None = None, tag: str = "") -> dict:
    import reconcile as rc

    warnings.simplefilter("ignore")
    row: dict = {"people": w.config.people, "register_rows": w.population.height, "claims": len(w.claims),
                 "seed": w.seed}
    t = time.perf_counter()
    index = rc.build_index(w.population)
    row["index_s"] = round(time.perf_counter() - t, 1)
    frame, dropped = worlds.read_claims(w.claims)
    row["other_relations_dropped"] = dropped
    t = time.perf_counter()
    m = rc.match(frame, index, top_k=10)
    row["match_s"] = round(time.perf_counter() - t, 1)
    ld = None
    if leads:
        t = time.perf_counter()
        ld = rc.leads(frame, index, top_k=20)
        row["leads_s"] = round(time.perf_counter() - t, 1)
    row.update(worlds.measure(m, ld, w.truth, w.population))
    if dump is not None:
        _dump(w, m, dump / f"otherworld_errors_{tag}.jsonl")
    return row


def _dump(w: otherworld.OtherWorld, m: pl.DataFrame, path: Path) -> None:
    """Misses (registered claimant, top-1 wrong) and false matches (unregistered, top-1 p ≥ 0.5)."""
    t = worlds.truth_join(m, w.truth)
    bad = t.filter(((pl.col("kind") == "registered") & ~pl.col("hit1"))
                   | ((pl.col("kind") != "registered") & (pl.col("p1") >= 0.5)))
    pop = w.population
    by_id = {r["person_id"]: r for r in pop.filter(pl.col("person_id").is_in(
        pl.concat([bad["top1"].drop_nulls(), bad["person_id"].drop_nulls()]).unique().implode())).iter_rows(named=True)}
    claims = {c["claim_id"]: c for c in w.claims}
    rank_true = (m.join(w.truth.select("claim_id", pl.col("person_id").alias("t")), on="claim_id")
                 .filter(pl.col("person_id") == pl.col("t")).select("claim_id", "rank"))
    ranks = dict(rank_true.iter_rows())
    ev = {(r["claim_id"], r["person_id"]): r["evidence"] for r in
          m.filter(pl.col("claim_id").is_in(bad["claim_id"].implode())).select("claim_id", "person_id", "evidence")
          .iter_rows(named=True)}
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        for r in bad.iter_rows(named=True):
            f.write(json.dumps({"claim_id": r["claim_id"], "kind": r["kind"], "corruptions": r["corruptions"],
                                "p1": r["p1"], "true_rank": ranks.get(r["claim_id"]), "claim": claims[r["claim_id"]],
                                "top1": by_id.get(r["top1"]), "top1_evidence": ev.get((r["claim_id"], r["top1"])),
                                "true": by_id.get(r["person_id"]),
                                "true_evidence": ev.get((r["claim_id"], r["person_id"]))},
                               ensure_ascii=False, default=str) + "\n")


def render(rows: list[dict]) -> str:
    out = ["# Other-world benchmark (benchmarks/bench_otherworld.py)", "",
           "Measures of issue 10 on worlds from `benchmarks/otherworld.py`, a generator written independently "
           "of `reconcile.synth` (its own lineages, migration, registration and errors). `*` = goal missed.", ""]
    for label in sorted({r["label"] for r in rows}):
        sel = sorted((r for r in rows if r["label"] == label),
                     key=lambda r: (r["people"], r["setting"] != "default", r["setting"]))
        out += [f"## {label}", ""]
        out += worlds.goal_table(sel, [("people", lambda r: f"{r['people']:,}"),
                                       ("register rows", lambda r: f"{r['register_rows']:,}"),
                                       ("setting", lambda r: r["setting"]),
                                       ("claims", lambda r: str(r["claims"]))])
        out.append("")
        for r in sel:
            out += [f"### {r['people']:,} / {r['setting']}", "",
                    f"generate {r.get('generate_s')} s, index {r.get('index_s')} s, match {r.get('match_s')} s, "
                    f"leads {r.get('leads_s', '–')} s (load {r.get('load_avg')}); false match absent_relatives "
                    f"{r.get('false_match_rate_absent_relatives')}, absent {r.get('false_match_rate_absent')}; "
                    f"claims by kind {r.get('claims_by_kind')}" + (f". Note: {r['note']}" if r.get("note") else ""), ""]
            out += ["| tag | registered n | recall@1 | unregistered n | false match |", "|---|---|---|---|---|"]
            a, b = r.get("recall_at_1_by_tag", {}), r.get("false_match_by_tag", {})
            for tg in sorted(set(a) | set(b)):
                x, y = a.get(tg, ["", ""]), b.get(tg, ["", ""])
                out.append(f"| {tg} | {x[0]} | {x[1]} | {y[0]} | {y[1]} |")
            out += ["", "ECE bins (bin: n, mean p, accuracy): " + "; ".join(
                f"{e['bin']}: {e['n']}, {e['mean_p']}, {e['accuracy']}" for e in r.get("ece_bins", [])), ""]
    return "\n".join(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="20000,200000")
    ap.add_argument("--settings", default="all")
    ap.add_argument("--claims", type=int, default=None)
    ap.add_argument("--label", default="current")
    ap.add_argument("--no-leads", action="store_true")
    ap.add_argument("--seed-offset", type=int, default=0)
    ap.add_argument("--dump", default=None, help="directory for misses / false matches (JSON Lines)")
    ap.add_argument("--out", default=str(RESULTS / "otherworld.json"))
    a = ap.parse_args(argv)
    sizes = [int(s) for s in a.sizes.split(",") if s.strip()]
    names = list(otherworld.SETTINGS) if a.settings == "all" else [s.strip() for s in a.settings.split(",")]
    bad = [s for s in names if s not in otherworld.SETTINGS]
    if bad:
        raise SystemExit(f"unknown setting(s) {bad}; use `all` or some of {list(otherworld.SETTINGS)}")
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    rows: list[dict] = json.loads(out.read_text("utf-8"))["rows"] if out.exists() else []
    for n in sizes:
        for name in names:
            cfg = otherworld.config(name, n, a.claims or default_claims(n))
            t = time.perf_counter()
            w = otherworld.generate(cfg, seed=seed_of(name, n, a.seed_offset))
            gen_s = round(time.perf_counter() - t, 1)
            w.people = None          # every person of the world: only for reading, not needed here
            row = run(w, leads=not a.no_leads, dump=Path(a.dump) if a.dump else None, tag=f"{a.label}_{n}_{name}")
            row.update(label=a.label, setting=name, generate_s=gen_s, load_avg=round(os.getloadavg()[0], 2),
                       claims_by_kind=w.stats["claims_by_kind"], world=w.stats)
            del w
            rows = worlds.record(rows, row, out, render)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
