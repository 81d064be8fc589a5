"""Benchmark and accuracy check for reconcile.vn.places (run by hand, not in CI).

Builds place strings from the bundled admin table (official commune/district/province names of
the 63-province system), perturbs them the way claimants and clerks write them (no diacritics,
no level words, province omitted, one-letter typo, old merged-province name), and measures:
- the share whose today's province (`now`) is right, wrong, or left empty (unresolved);
- the share whose commune is recognised;
- resolve() throughput on distinct strings, and place_features() on a repeated column.

Usage: .venv/bin/python benchmarks/bench_places.py [--n 5000] [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import time

import polars as pl

from reconcile.vn import places

# pre-2025 province -> merged province (1976-1991/96) name a claimant born then might use
OLD_NAME = {"ha_giang": "Hà Tuyên", "tuyen_quang": "Hà Tuyên", "lao_cai": "Hoàng Liên Sơn",
            "yen_bai": "Hoàng Liên Sơn", "nghe_an": "Nghệ Tĩnh", "ha_tinh": "Nghệ Tĩnh",
            "bac_giang": "Hà Bắc", "bac_ninh": "Hà Bắc", "gia_lai": "Gia Lai - Kon Tum",
            "kon_tum": "Gia Lai - Kon Tum", "dak_nong": "Đắc Lắc", "cao_bang": "Cao Lạng"}


def _typo(rng: random.Random, s: str) -> str:
    if len(s) < 5:
        return s
    i = rng.randrange(1, len(s) - 1)
    return s[:i] + s[i + 1:] if rng.random() < 0.5 else s[:i] + s[i + 1] + s[i] + s[i + 2:]


def make_cases(n: int, seed: int) -> pl.DataFrame:
    adm = pl.read_parquet(places.resources.files("reconcile").joinpath(
        "data/places_admin.parquet").open("rb")).filter(pl.col("era") == "2024",
                                                        pl.col("commune").is_not_null())
    g = places._gaz()
    rng = random.Random(seed)
    rows = adm.sample(n, seed=seed, with_replacement=True).iter_rows(named=True)
    out = []
    kinds = ["official", "folded", "no_level_words", "no_province", "typo_province",
             "typo_commune", "old_province"]
    for i, r in enumerate(rows):
        kind = kinds[i % len(kinds)]
        prov = g.units[r["province_id"]]["name"]
        com, dist = r["commune"], r["district"]
        if kind == "old_province":
            if r["province_id"] not in OLD_NAME:
                kind = "official"
            else:
                prov = OLD_NAME[r["province_id"]]
        text = f"{com}, {dist}, {prov}"
        if kind == "folded":
            text = places.fold_place(text).replace(" ,", ",")
            text = f"{places.fold_place(com)}, {places.fold_place(dist)}, {places.fold_place(prov)}"
        elif kind == "no_level_words":
            text = f"{places.short_name(com)}, {places.short_name(dist)}, {prov}"
        elif kind == "no_province":
            text = f"{com}, {dist}"
        elif kind == "typo_province":
            text = f"{com}, {dist}, {_typo(rng, prov)}"
        elif kind == "typo_commune":
            text = f"{_typo(rng, com)}, {dist}, {prov}"
        out.append({"text": text, "kind": kind, "true_now": r["now_id"],
                    "true_commune": r["commune_fold"]})
    return pl.DataFrame(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--register-rows", type=int, default=1_000_000)
    a = ap.parse_args()
    cases = make_cases(a.n, a.seed)
    places._resolve_cached.cache_clear()
    places._gaz(), places._admin()
    t, c = time.perf_counter(), time.process_time()
    res = [places.resolve(x) for x in cases["text"].to_list()]
    dt = time.perf_counter() - t
    cpu = time.process_time() - c
    print(f"resolve: {len(res)} strings ({cases['text'].n_unique()} distinct) in {dt:.2f} s "
          f"= {1e6 * dt / len(res):.0f} µs each (cold cache; CPU {1e6 * cpu / len(res):.0f} µs)")
    cases = cases.with_columns(
        pl.Series("now_ok", [r.now == (t,) for r, t in zip(res, cases["true_now"])]),
        pl.Series("now_wrong", [bool(r.now) and t not in r.now
                                for r, t in zip(res, cases["true_now"])]),
        pl.Series("now_multi", [len(r.now) > 1 and t in r.now
                                for r, t in zip(res, cases["true_now"])]),
        pl.Series("empty", [not r.now for r in res]),
        pl.Series("commune_ok", [r.commune == c and bool(r.commune_name)
                                 for r, c in zip(res, cases["true_commune"])]),
    )
    summary = cases.group_by("kind").agg(
        pl.len().alias("n"), pl.col("now_ok").mean().round(3), pl.col("now_multi").mean().round(3),
        pl.col("now_wrong").mean().round(3), pl.col("empty").mean().round(3),
        pl.col("commune_ok").mean().round(3)).sort("kind")
    with pl.Config(tbl_rows=20, tbl_width_chars=140):
        print(summary)
        print(cases.filter(pl.col("now_wrong")).head(10).select("text", "true_now"))
    big = pl.DataFrame({"place": cases["text"].to_list() * 40})
    places._resolve_cached.cache_clear()
    t, c = time.perf_counter(), time.process_time()
    places.place_features(big, "place")
    cpu = time.process_time() - c
    print(f"place_features: {big.height} rows, {big['place'].n_unique()} distinct in "
          f"{time.perf_counter() - t:.2f} s (CPU {cpu:.2f} s)")
    # a register-like column: village numbers make most strings distinct
    rng = random.Random(a.seed)
    base = cases.filter(pl.col("kind") == "official")["text"].to_list()
    reg = pl.DataFrame({"residence": [f"thôn {rng.randrange(1, 40)}, {rng.choice(base)}"
                                      for _ in range(a.register_rows)]})
    places._resolve_cached.cache_clear()
    t, c = time.perf_counter(), time.process_time()
    out = places.place_features(reg, "residence", prefix="p_")
    cpu = time.process_time() - c
    print(f"place_features (register-like): {reg.height} rows, "
          f"{reg['residence'].n_unique()} distinct strings, "
          f"{out.select(places.place_key_expr(pl.col('residence'))).n_unique()} distinct keys in "
          f"{time.perf_counter() - t:.2f} s (CPU {cpu:.2f} s)")


if __name__ == "__main__":
    main()
