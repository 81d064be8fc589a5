"""Benchmark: normalise and key 1,000,000 synthetic names with `names.name_features`.

Target (issue 2): under 10 s on 2 cores. Run by hand:
    .venv/bin/python benchmarks/bench_names.py [--rows 1000000] [--distinct-only]
Names are drawn from the package's own name facts with a Zipf-like skew, as in a register:
Hmong clans + A/Thị + short given names, Kinh surnames + middle + given, with and without
diacritics and some NFD text.
"""

from __future__ import annotations

import argparse
import time
import unicodedata

import numpy as np
import polars as pl

from reconcile.vn import names as N


def synthetic_names(rows: int, seed: int = 1) -> pl.Series:
    f = N.facts()
    rng = np.random.default_rng(seed)
    clans = list(f["hmong_clans"])
    given_h = f["hmong_given_male"] + f["hmong_given_female"]
    kinh = f["kinh_surnames"]
    mids = f["kinh_middles_male"] + f["kinh_middles_female"]
    givens = mids + given_h + ["Hùng", "Lan", "Hương", "Minh", "Tuấn", "Dũng", "Thu", "Nam", "Hà"]

    def zipf_pick(items, n):
        w = 1.0 / np.arange(1, len(items) + 1)
        return np.array(items, dtype=object)[rng.choice(len(items), size=n, p=w / w.sum())]

    half = rows // 2
    hm = [f"{c} {m} {g}" for c, m, g in zip(zipf_pick(clans, half),
                                          rng.choice(["A", "Thị", "Seo", "Mí"], half, p=[.5, .4, .07, .03]),
                                          zipf_pick(given_h, half))]
    rest = rows - half
    ki = [f"{c} {m} {g}" for c, m, g in zip(zipf_pick(kinh, rest), zipf_pick(mids, rest),
                                          zipf_pick(givens, rest))]
    allnames = hm + ki
    out = pl.Series("full_name", allnames)
    # a tenth without diacritics, a tenth in NFD
    mask = rng.random(rows)
    arr = out.to_list()
    for i in np.flatnonzero(mask < 0.1):
        arr[i] = N.fold(arr[i]).title()
    for i in np.flatnonzero((mask >= 0.1) & (mask < 0.2)):
        arr[i] = unicodedata.normalize("NFD", arr[i])
    return pl.Series("full_name", arr)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    args = ap.parse_args()
    names = synthetic_names(args.rows)
    df = pl.DataFrame({"full_name": names})
    print(f"{df.height:,} names, {df['full_name'].n_unique():,} distinct")
    t0 = time.perf_counter()
    out = N.name_features(df, "full_name", prefix="p_")
    t1 = time.perf_counter()
    uniq = df.unique()
    t2 = time.perf_counter()
    feats = N.name_features(uniq, "full_name", prefix="p_")
    joined = df.join(feats, on="full_name", how="left")
    t3 = time.perf_counter()
    assert joined.height == out.height
    print(f"name_features on every row:        {t1 - t0:6.2f} s  ({df.height / (t1 - t0):,.0f} rows/s)")
    print(f"name_features on distinct + join:  {t3 - t2:6.2f} s  (the index's way)")
    print("target: < 10 s for 1,000,000 names on 2 cores")


if __name__ == "__main__":
    main()
