"""Encoding detection/repair: wrong changes per legacy encoding, false repairs on typo-laden UTF-8, speed.

Run by hand:  .venv/bin/python benchmarks/bench_encodings.py [--typos N] [--rows 1000000]
- each encoding: data/samples/population.csv written in it (iconv for TCVN3/CP1258/Latin-1/CP1252,
  the package tables for VNI/VIQR), read back with rc.read_population; counts the names/residences
  that differ from what the file holds (the original; for Latin-1/CP1252 the //TRANSLIT text).
- typos: N typo-laden UTF-8 names (letter/diacritic edits over the sample names); counts the values
  repair_column changes, as one column and one value at a time.
- speed: repair_column on a 1M-row name column (distinct values ~ sample size), and on legacy text.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import subprocess
import sys
import time
import unicodedata
import warnings
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import reconcile as rc  # noqa: E402
from reconcile.vn import encodings as E  # noqa: E402

SAMPLE = ROOT / "data" / "samples" / "population.csv"


def table_encode(text: str, scheme: str) -> bytes:
    tables = json.loads((ROOT / "reconcile" / "data" / "encodings.json").read_text(encoding="utf-8"))
    inv = {u: form for form, u in tables[scheme].items()}
    out = "".join(inv.get(ch, ch) for ch in unicodedata.normalize("NFC", text).replace("\u2013", "-"))
    return out.encode("cp1252" if scheme == "vni" else "ascii")


def encoded_variants(raw: bytes) -> dict[str, tuple[bytes, str]]:
    """{name: (file bytes, the text the file holds)}"""
    text = raw.decode("utf-8").replace("\u2013", "-")     # the one character TCVN3/VIQR lack (in 'Bà Rịa – Vũng Tàu')
    out = {}
    for name, target in (("tcvn3", "TCVN5712-1"), ("cp1258", "CP1258"), ("latin-1", "LATIN1"), ("cp1252", "CP1252")):
        b = subprocess.run(["iconv", "-f", "UTF-8", "-t", target + "//TRANSLIT"], input=raw, capture_output=True,
                           check=True).stdout
        holds = subprocess.run(["iconv", "-f", target, "-t", "UTF-8"], input=b, capture_output=True, check=True).stdout
        out[name] = (b, unicodedata.normalize("NFC", holds.decode("utf-8")))
    out["vni"] = (table_encode(text, "vni"), text)
    out["viqr"] = (table_encode(text, "viqr"), text)
    return out


VOWELS = "aăâeêioôơuưy"
TONED = {v: [unicodedata.normalize("NFC", v + t) for t in ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")]
         for v in VOWELS}
ALL_LETTERS = sorted({c for vs in TONED.values() for c in vs} | set("bcdđghklmnpqrstvx"))


def typo(name: str, rng: random.Random, n_edits: int) -> str:
    s = list(name)
    for _ in range(n_edits):
        if not s:
            break
        i = rng.randrange(len(s))
        op = rng.randrange(6)
        letter = rng.choice(ALL_LETTERS)
        if s[i].isupper():
            letter = letter.upper()
        if op == 0:
            s.insert(i + 1, letter)                     # insert after
        elif op == 1 and len(s) > 2:
            del s[i]                                    # delete
        elif op == 2:
            s[i] = letter                               # substitute
        elif op == 3 and i + 1 < len(s):
            s[i], s[i + 1] = s[i + 1], s[i]             # transpose
        else:                                           # change / add / strip a tone or mark on a vowel
            base = unicodedata.normalize("NFD", s[i].lower())[0]
            if base in "aeiouy":
                pool = [c for v, vs in TONED.items() if unicodedata.normalize("NFD", v)[0] == base for c in vs]
                c = rng.choice(pool)
                s[i] = c.upper() if s[i].isupper() else c
                if op == 5:                              # doubled vowel with a mark: "Hoàng" → "Haàng"
                    s.insert(i, rng.choice("aeiouy"))
    return "".join(s)


def typo_names(n: int, seed: int = 0) -> list[str]:
    names = pl.read_csv(SAMPLE, infer_schema_length=0)["full_name"].drop_nulls().unique().sort().to_list()
    rng = random.Random(seed)
    out = []
    while len(out) < n:
        nm = rng.choice(names)
        t = typo(nm, rng, rng.choice((1, 1, 2, 3)))
        if t != nm:
            out.append(unicodedata.normalize("NFC", t))
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--typos", type=int, default=5000)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--file-rows", type=int, default=100_000, help="rows of the legacy files timed with decode_bytes")
    args = ap.parse_args()
    raw = SAMPLE.read_bytes()
    truth = pl.read_csv(SAMPLE, infer_schema_length=0)
    print("encoding   detected                 names wrong  residences wrong  hometowns wrong")
    for name, (data, holds) in encoded_variants(raw).items():
        want = pl.read_csv(io.StringIO(holds), infer_schema_length=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                got, rep = rc.read_population(data, report=True)
            except Exception as exc:  # noqa: BLE001
                print(f"{name:10s} FAILED {type(exc).__name__}: {str(exc)[:100]}")
                continue
        cols = []
        for c in ("full_name", "residence", "hometown"):
            w = want[c].fill_null("").str.strip_chars()
            g = got[c].fill_null("").str.strip_chars()
            cols.append(f"{int((w != g).sum()):5d}/{len(w)}")
        print(f"{name:10s} {str(rep.encoding):24s} {cols[0]:>12s} {cols[1]:>17s} {cols[2]:>16s}")

    typos = typo_names(args.typos)
    s = pl.Series(typos)
    t0 = time.perf_counter()
    out, counts, _ = E.repair_column(s)
    col_changed = int((out != s).sum())
    t_col = time.perf_counter() - t0
    one = sum(E.repair_column(pl.Series([t]))[0][0] != t for t in typos)
    good = truth["full_name"].drop_nulls().to_list()
    mixed = pl.Series(typos + good)
    mixed_changed = int((E.repair_column(mixed)[0] != mixed).sum())
    print(f"typo-laden UTF-8 names: {len(typos)}; changed as one column {col_changed} ({t_col:.2f} s), "
          f"one value at a time {one}, mixed with {len(good)} good names {mixed_changed}")
    shown = 0
    for t in typos:
        o = E.repair_column(pl.Series([t]))[0][0]
        if o != t and shown < 10:
            shown += 1
            print(f"   {t!r} -> {o!r}")

    rng = random.Random(1)
    big = pl.Series([rng.choice(good) for _ in range(args.rows)])
    t0 = time.perf_counter()
    E.repair_column(big)
    t_good = time.perf_counter() - t0
    leg = pl.Series(pl.read_csv(io.BytesIO(encoded_variants(raw)["vni"][0]), infer_schema_length=0,
                                encoding="latin-1")["full_name"].to_list())
    # VNI text as a wrong decoder shows it (cp1252), inside a UTF-8 column
    leg = pl.Series([v.encode("latin-1").decode("cp1252", errors="replace") for v in leg.to_list()])
    leg_list = leg.to_list()
    bigl = pl.Series([rng.choice(leg_list) for _ in range(args.rows)])
    t0 = time.perf_counter()
    out, counts, _ = E.repair_column(bigl)
    t_leg = time.perf_counter() - t0
    print(f"speed: repair_column on {args.rows:,} good names {t_good:.2f} s; on {args.rows:,} VNI names "
          f"{t_leg:.2f} s ({counts})")
    variants = encoded_variants(raw)
    for name in ("tcvn3", "vni", "latin-1"):
        data = variants[name][0]
        head, _, body = data.partition(b"\n")
        big_file = head + b"\n" + body * max(1, args.file_rows // 3000)
        t0 = time.perf_counter()
        dec = E.decode_bytes(big_file, "bench")
        print(f"speed: decode_bytes of a {len(big_file) / 1e6:.0f} MB {name} file "
              f"({args.file_rows:,} rows): {time.perf_counter() - t0:.2f} s → {dec.encoding}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
