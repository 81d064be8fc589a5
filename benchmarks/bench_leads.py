"""Benchmark leads and kinship on synthetic data (reconcile.synth; synthetic people only).

Run by hand (not part of the test suite):

    .venv/bin/python benchmarks/bench_leads.py --people 200000 --claims 1000
    .venv/bin/python benchmarks/bench_leads.py --graph-people 1000000 --claims 0

Reports
- absent claimants with registered relatives (truth kind `absent_relatives`): share whose true
  relative (a person in truth.relative_ids) or household (truth.household_id or a true relative's
  household) is in the top-10 leads (target ≥ 0.90);
- recall of all true relatives (truth.relative_ids, any kind of claim) among the top-20 leads;
- match recall@1 on registered claimants who name relatives, with the relative comparisons switched
  off (m = u for father/mother/spouse/child/sibling: weight 0) and on;
- time and peak memory to build the relatives frame and the networkx graph for a large register
  (in a child process so ru_maxrss is its own).

Results, 200,000 people / 1,000 claims, seed 0 (2 CPUs; model.py as of 23 Nov 2026 16:30 UTC):
absent claimants with relatives, true relative or household in top-10: 0.912 (228/250; claims naming
one relative 79/99, two or more 149/151, a given-name-only relative 44/50); before the ordering and
search changes of that day 0.880 on the same model (0.864 on the earlier one). Recall of all true
relatives in top-20: 0.697 (before 0.671). Absent claimants with a self lead ≥ 0.5: 0.052 (unchanged).
Seed 1: top-10 0.908 (before 0.900), recall 0.691 (before 0.662). leads: 104 s wall, 64 s CPU in
this script (index built in-process); on a loaded index, alone on the machine, 35 s (before: 39 s).
What is left: claims naming one relative with a common name (the true father is one of many namesakes
of the right age), and given-name-only fathers of claimants who give no surname either.
"""

from __future__ import annotations

import argparse
import copy
import importlib
import json
import resource
import subprocess
import sys
import time
import warnings


def _rss_mb() -> float:
    """Peak resident memory of this process (VmHWM: reset at exec, unlike ru_maxrss in a child)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _cpu() -> float:
    return time.process_time()


def graph_child(n: int, seed: int) -> dict:
    import polars as pl

    from reconcile import kinship, synth

    t = time.perf_counter()
    pop = synth.generate_population(n, seed)
    gen_s = time.perf_counter() - t
    rss0 = _rss_mb()
    t, c = time.perf_counter(), _cpu()
    kin = kinship.person_relatives(pop)
    kin_s, kin_cpu = time.perf_counter() - t, _cpu() - c
    rss1 = _rss_mb()
    t, c = time.perf_counter(), _cpu()
    g = kinship.build_graph(pop.with_columns(pl.int_range(pl.len(), dtype=pl.UInt32).alias("pidx")), kin)
    graph_s, graph_cpu = time.perf_counter() - t, _cpu() - c
    rss2 = _rss_mb()
    return {"people": n, "generate_s": round(gen_s, 1), "relatives_rows": kin.height,
            "resolved_share": round(kin["rel_pidx"].is_not_null().mean(), 3),
            "person_relatives_s": round(kin_s, 1), "person_relatives_cpu_s": round(kin_cpu, 1), "peak_rss_after_relatives_mb": round(rss1),
            "rss_before_mb": round(rss0), "graph_s": round(graph_s, 1), "graph_cpu_s": round(graph_cpu, 1), "graph_edges": g.number_of_edges(),
            "peak_rss_after_graph_mb": round(rss2)}


def _params_without_relatives(params: dict) -> dict:
    from reconcile import model

    p = copy.deepcopy(params)
    for r in model.RELATIONS:
        p["m"][r] = list(p["u"][r])
    return p


def quality(people: int, n_claims: int, seed: int) -> dict:
    import polars as pl

    import reconcile as rc
    from reconcile import matching, synth

    leads_mod = importlib.import_module("reconcile.leads")
    out: dict = {"people": people, "claims": n_claims}
    pop = synth.generate_population(people, seed)
    claims, truth = synth.generate_claims(pop, n_claims, seed)
    t = time.perf_counter()
    index = rc.build_index(pop)
    out["index_s"] = round(time.perf_counter() - t, 1)
    cl = rc.read_claims(claims)
    t, c = time.perf_counter(), _cpu()
    ld = leads_mod.leads(cl, index, top_k=20)
    out["leads_s"] = round(time.perf_counter() - t, 1)
    out["leads_cpu_s"] = round(_cpu() - c, 1)
    out["leads_per_claim"] = round(ld.height / max(cl.height, 1), 1)

    hh_of = pop.select("person_id", "household_id")
    tr = truth.with_columns(pl.col("relative_ids").fill_null("").str.split(";")
                            .list.eval(pl.element().filter(pl.element() != "")).alias("rel"))
    rel_long = tr.select("claim_id", "kind", "rel").explode("rel").drop_nulls("rel").rename({"rel": "person_id"})
    top10 = ld.filter(pl.col("rank") <= 10)
    # absent claimants with registered relatives
    ab = tr.filter((pl.col("kind") == "absent_relatives") & (pl.col("rel").list.len() > 0))
    ab_hh = pl.concat([
        ab.select("claim_id", pl.col("household_id")),
        rel_long.join(ab.select("claim_id"), on="claim_id").join(hh_of, on="person_id").select(
            "claim_id", "household_id")]).drop_nulls().unique()
    hit_p = top10.join(rel_long, on=["claim_id", "person_id"]).select("claim_id")
    hit_h = top10.filter(pl.col("kind") == "household").join(ab_hh, on=["claim_id", "household_id"]).select("claim_id")
    hit_rel = pl.concat([hit_p, hit_h]).unique().join(ab.select("claim_id"), on="claim_id")
    out["absent_with_relatives"] = ab.height
    out["absent_relative_or_household_top10"] = round(hit_rel.height / max(ab.height, 1), 3)
    # where the misses are: by how many relatives the claim names, and whether one is named by the given name only
    shape = pl.DataFrame({"claim_id": [c["claim_id"] for c in claims],
                          "n_rel": [len(c.get("relatives") or []) for c in claims],
                          "given_only": [any(len((r.get("name") or "").split()) == 1 for r in c.get("relatives") or [])
                                         for c in claims]})
    sh = ab.select("claim_id").join(shape, on="claim_id", how="left").with_columns(
        pl.col("claim_id").is_in(hit_rel["claim_id"].implode()).alias("hit"))
    for label, cond in (("1_relative", pl.col("n_rel") <= 1), ("2plus_relatives", pl.col("n_rel") >= 2),
                        ("given_name_only_relative", pl.col("given_only"))):
        g = sh.filter(cond)
        out[f"absent_top10_{label}"] = f"{g['hit'].sum()}/{g.height}"
    out["absent_relative_person_top10"] = round(
        hit_p.unique().join(ab.select("claim_id"), on="claim_id").height / max(ab.height, 1), 3)
    # recall of all true relatives in top-20 (person leads of any kind)
    found = ld.filter(pl.col("person_id").is_not_null()).select("claim_id", "person_id").unique()
    rr = rel_long.join(found, on=["claim_id", "person_id"], how="left", coalesce=True)
    hits = rel_long.join(found, on=["claim_id", "person_id"], how="semi")
    out["true_relatives"] = rel_long.height
    out["relative_recall_top20"] = round(hits.height / max(rel_long.height, 1), 3)
    for kind in ("registered", "absent_relatives"):
        sub = rel_long.filter(pl.col("kind") == kind)
        out[f"relative_recall_top20_{kind}"] = round(
            sub.join(found, on=["claim_id", "person_id"], how="semi").height / max(sub.height, 1), 3)
    del rr
    # wrong self leads for absent claimants (nobody forced)
    absent_ids = tr.filter(pl.col("kind") != "registered").select("claim_id")
    selfs = ld.filter(pl.col("kind") == "self").join(absent_ids, on="claim_id")
    out["absent_self_lead_p_ge_0.5"] = round(
        selfs.filter(pl.col("probability") >= 0.5).select("claim_id").n_unique() / max(absent_ids.height, 1), 3)
    # match recall@1 with and without relative comparisons (registered claimants naming relatives)
    with_rel = [c for c in claims if c.get("relatives")]
    reg = tr.filter(pl.col("kind") == "registered").select("claim_id", pl.col("person_id").alias("true_id"))
    ids = {c["claim_id"] for c in with_rel}
    reg = reg.filter(pl.col("claim_id").is_in(list(ids)))
    sub = rc.read_claims([c for c in with_rel if c["claim_id"] in set(reg["claim_id"].to_list())])
    params = matching.model_params(index)
    for label, p in (("on", params), ("off", _params_without_relatives(params))):
        m = rc.match(sub, index, top_k=1, params=p)
        top = m.filter(pl.col("rank") == 1).select("claim_id", "person_id")
        ok = reg.join(top, on="claim_id", how="left").filter(pl.col("person_id") == pl.col("true_id")).height
        out[f"match_recall@1_relatives_{label}"] = round(ok / max(reg.height, 1), 4)
    out["registered_claims_naming_relatives"] = reg.height
    out["peak_rss_mb"] = round(_rss_mb())
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--people", type=int, default=200_000)
    ap.add_argument("--claims", type=int, default=1_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--graph-people", type=int, default=0, help="also time the kinship build at this size")
    ap.add_argument("--child", choices=["graph"], help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    if a.child == "graph":
        print(json.dumps(graph_child(a.graph_people, a.seed)))
        return 0
    if a.claims:
        print(json.dumps(quality(a.people, a.claims, a.seed), indent=1))
    if a.graph_people:
        r = subprocess.run([sys.executable, __file__, "--child", "graph", "--graph-people", str(a.graph_people),
                            "--seed", str(a.seed)], capture_output=True, text=True)
        print(r.stdout.strip() or r.stderr[-2000:])
    return 0


if __name__ == "__main__":
    sys.exit(main())
