"""Build reconcile/data/places.json (province-level gazetteer 1976–2025) and, when the
vietnamadminunits wheel is available, reconcile/data/places_admin.parquet (districts/communes).

Usage: .venv/bin/python scripts/build_places_data.py [--shared /work/shared/data/vn_admin_history.json]
                                                    [--vau /tmp/vau]
Checks while building: unit counts per snapshot, every current_units/successor id exists,
every spelling resolves to its unit(s) or is a documented ambiguous name.
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "reconcile" / "data" / "places.json"

EXPECTED_COUNTS = {"1976-07-01": 38, "1978-12-31": 39, "1980-01-01": 40, "1990-01-01": 44,
                   "1992-06-30": 53, "1997-06-30": 61, "2004-06-30": 64, "2008-12-31": 63,
                   "2025-03-01": 63, "2025-07-01": 34}

# spellings officers and claimants use that the shared file does not list (folded later)
EXTRA_SPELLINGS = {
    "ha_tuyen": ["HaTuyen", "Hà-Tuyên"],
    "hoang_lien_son": ["HoangLienSon", "Hoàng Liên Sơn", "HLS"],
    "dak_lak_1976": ["Đắc Lắc", "Dac Lac", "Daklak", "Đắk Lắk", "Đắc-Lắc"],
    "dak_lak_2004": ["Đắk Lắk", "Daklak", "Đắc Lắc", "Đăk Lăk"],
    "dak_lak_2025": ["Đắk Lắk", "Daklak"],
    "ho_chi_minh": ["HCM", "Sài Gòn", "TP HCM", "TP. HCM", "TP.Hồ Chí Minh", "Sài Gòn Gia Định"],
    "ho_chi_minh_2025": ["HCM", "TP HCM", "Sài Gòn"],
    "quang_nam_da_nang": ["QN-ĐN", "QNĐN", "Quảng Nam Đà Nẵng"],
    "gia_lai_kon_tum": ["Gia Lai Kontum", "GL-KT"],
    "ha_noi": ["HN", "TP. Hà Nội", "Hà Nội city"],
    "hue": ["TP Huế", "TP. Huế"],
    "ba_ria_vung_tau": ["BR-VT", "BRVT", "Vũng Tàu", "Bà Rịa"],
    "thua_thien_hue": ["TT Huế", "TT-Huế", "TTH"],
}


def fold(s: str) -> str:
    s = unicodedata.normalize("NFD", s.lower().replace("đ", "d").replace("Đ", "d"))
    s = "".join(c for c in s if not unicodedata.combining(c))
    return " ".join(s.replace("-", " ").replace(".", " ").replace("_", " ").split())


def _same_land_chain(ids, units) -> bool:
    """True when every pair of units is linked by whole successions (merge/rename), i.e. one
    name for the same land over time (same rule as reconcile.vn.places._is_ambiguous)."""
    def first_start(u):
        starts = [p.get("start_year") for p in u["periods"] if p.get("start_year") is not None]
        return min(starts) if starts else 0

    def whole(uid):
        out, todo = set(), [uid]
        while todo:
            by_year = {}
            for s in units[todo.pop()].get("successors") or []:
                if s in units:
                    by_year.setdefault(first_start(units[s]), []).append(s)
            for parts in by_year.values():
                if len(parts) == 1 and parts[0] not in out and parts[0] != uid:
                    out.add(parts[0])
                    todo.append(parts[0])
        return out

    return all(b in whole(a) or a in whole(b) for i, a in enumerate(ids) for b in ids[i + 1:])


def build_provinces(src: Path) -> dict:
    d = json.loads(src.read_text(encoding="utf-8"))
    units = {u["id"]: u for u in d["units"]}
    errors = []
    for snap, want in EXPECTED_COUNTS.items():
        got = d["snapshots"].get(snap, {}).get("units", [])
        if len(got) != want:
            errors.append(f"{src}: snapshot {snap} has {len(got)} units, expected {want}")
        for uid in got:
            if uid not in units:
                errors.append(f"{src}: snapshot {snap} names unknown unit {uid!r}")
    today = set(d["snapshots"]["2025-07-01"]["units"])
    for u in d["units"]:
        for key in ("current_units", "successors", "predecessors", "partial_successors",
                    "partial_predecessors"):
            for uid in u.get(key) or []:
                if uid not in units:
                    errors.append(f"{src}: unit {u['id']!r} {key} names unknown unit {uid!r} "
                                  "(fix the id or add the unit)")
        for uid in u.get("current_units") or []:
            if uid not in today:
                errors.append(f"{src}: unit {u['id']!r} current_units has {uid!r}, "
                              "which is not in the 2025-07-01 snapshot")
    out_units = []
    for u in d["units"]:
        sp = list(dict.fromkeys([u["name"], u["ascii"], *(u.get("spellings") or []),
                                 *EXTRA_SPELLINGS.get(u["id"], [])]))
        out_units.append({
            "id": u["id"], "name": u["name"], "unit_type": u["unit_type"],
            "start_year": min((p.get("start_year") or 0) for p in u["periods"]) or None,
            "end_year": (None if any(p.get("end_year") is None for p in u["periods"])
                         else max(p["end_year"] for p in u["periods"])),
            "periods": [[p.get("start_year"), p.get("end_year")] for p in u["periods"]],
            "spellings": sp,
            "predecessors": u.get("predecessors") or [], "successors": u.get("successors") or [],
            "partial_successors": u.get("partial_successors") or [],
            "current_units": u.get("current_units") or [],
            "code_2004": u.get("gso_code_2004_to_2025_06"), "code_2025": u.get("code_from_2025_07"),
            "uncertain": bool(u.get("uncertain")),
        })
    # names resolve uniquely except documented ambiguous ones
    by_name: dict[str, set] = {}
    for u in out_units:
        for s in u["spellings"]:
            by_name.setdefault(fold(s), set()).add(u["id"])
    documented = {fold(k) for k in d["ambiguous_names"]}
    undocumented = {k: sorted(v) for k, v in by_name.items() if len(v) > 1 and k not in documented}
    for name, ids in undocumented.items():
        if not _same_land_chain(ids, units):
            errors.append(f"{src}: spelling {name!r} names {ids}, which cover different land, "
                          "but it is not listed in ambiguous_names (add it there)")
    for name, ids in d["ambiguous_names"].items():
        for uid in ids:
            if uid not in units:
                errors.append(f"{src}: ambiguous_names[{name!r}] names unknown unit {uid!r}")
    if errors:
        sys.exit("\n".join(errors))
    return {
        "schema_version": 1,
        "source": f"{src.name} (project research file; sources listed per unit there)",
        "snapshots": {k: v["units"] for k, v in d["snapshots"].items()},
        "today": sorted(today),
        "ambiguous_names": d["ambiguous_names"],
        "undocumented_shared_names": undocumented,
        "units": out_units,
    }


ADMIN_OUT = ROOT / "reconcile" / "data" / "places_admin.parquet"
ADMIN_NOTICE = ROOT / "reconcile" / "data" / "places_admin.LICENSE.txt"


def _wheel_dir(vau: Path) -> Path:
    """Unpack the vietnamadminunits wheel (downloaded with
    `pip download vietnamadminunits==1.0.4 --no-deps -d /tmp/vau`) and return the unpacked root."""
    import zipfile

    wheels = sorted(vau.glob("vietnamadminunits-1.0.4-*.whl"))
    if not wheels:
        sys.exit(f"{vau}: no vietnamadminunits-1.0.4 wheel; run "
                 f"`pip download vietnamadminunits==1.0.4 --no-deps -d {vau}` first")
    root = vau / "unpacked"
    if not (root / "vietnamadminunits" / "data" / "dataset.db").exists():
        with zipfile.ZipFile(wheels[0]) as z:
            z.extractall(root)
    return root


def build_admin(vau: Path, gaz: dict) -> None:
    """Districts/communes before 1 July 2025 with their 2025 province and ward, plus 2025 wards."""
    import sqlite3

    import polars as pl

    sys.path.insert(0, str(ROOT))
    from reconcile.vn.places import short_name  # same folding/prefix rules as at run time

    root = _wheel_dir(vau)
    db = sqlite3.connect(root / "vietnamadminunits" / "data" / "dataset.db")
    conv = json.loads((root / "vietnamadminunits" / "data" / "converter_2025.json")
                      .read_text(encoding="utf-8"))
    alive_2025 = set(gaz["snapshots"]["2025-03-01"])
    today = set(gaz["today"])
    old_by_code = {u["code_2004"]: u["id"] for u in gaz["units"]
                   if u["code_2004"] and u["id"] in alive_2025}
    new_by_code = {u["code_2025"]: u["id"] for u in gaz["units"]
                   if u["code_2025"] and u["id"] in today}
    errors = []
    legacy = db.execute("select province, provinceCode, provinceKey, district, districtKey, ward, "
                        "wardKey from admin_units_legacy").fetchall()
    new = db.execute("select province, provinceCode, provinceKey, ward, wardKey "
                     "from admin_units").fetchall()
    new_prov_key = {}
    new_ward_name = {}
    for prov, code, pkey, ward, wkey in new:
        if code not in new_by_code:
            errors.append(f"dataset.db admin_units: province {prov!r} code {code} has no 2025 unit "
                          "in places.json")
            continue
        new_prov_key[pkey] = new_by_code[code]
        new_ward_name[(pkey, wkey)] = ward
    old_to_new: dict[str, list] = {}
    for npkey, wards in conv["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for nwkey, olds in wards.items():
            for ok in olds:
                old_to_new.setdefault(ok, []).append((npkey, nwkey, False))
    for npkey, olds in conv["DICT_PROVINCE_WARD_DIVIDED"].items():
        for ok, targets in olds.items():
            targets = sorted(targets, key=lambda t: not t.get("isDefaultNewWard"))
            for t in targets:
                old_to_new.setdefault(ok, []).append((npkey, t["newWardKey"], True))
    rows = {k: [] for k in ("era", "province_id", "district", "district_fold", "commune",
                            "commune_fold", "now_id", "commune_now")}
    unmapped_ward = 0
    for prov, code, pkey, dist, dkey, ward, wkey in legacy:
        pid = old_by_code.get(code)
        if pid is None:
            errors.append(f"dataset.db admin_units_legacy: province {prov!r} code {code} has no "
                          "pre-2025 unit in places.json")
            continue
        targets = old_to_new.get(f"{pkey}_{dkey}_{wkey}", []) if ward else []
        names = [new_ward_name.get((t[0], t[1])) for t in targets]
        names = [n for n in dict.fromkeys(names) if n]
        nows = {new_prov_key.get(t[0]) for t in targets} - {None}
        now_units = set(next(u for u in gaz["units"] if u["id"] == pid)["current_units"])
        if nows and not nows <= now_units:
            errors.append(f"converter_2025.json: {prov}/{dist}/{ward} goes to {sorted(nows)}, but "
                          f"places.json says {pid} is now in {sorted(now_units)}")
        if ward and not names:
            unmapped_ward += 1
        rows["era"].append("2024")
        rows["province_id"].append(pid)
        rows["district"].append(dist)
        rows["district_fold"].append(short_name(dist))
        rows["commune"].append(ward)
        rows["commune_fold"].append(short_name(ward) if ward else None)
        rows["now_id"].append(sorted(nows)[0] if len(nows) == 1 else
                              (sorted(now_units)[0] if len(now_units) == 1 else None))
        rows["commune_now"].append(names or None)
    for prov, code, pkey, ward, wkey in new:
        if code not in new_by_code:
            continue
        rows["era"].append("2025")
        rows["province_id"].append(new_by_code[code])
        rows["district"].append(None)
        rows["district_fold"].append(None)
        rows["commune"].append(ward)
        rows["commune_fold"].append(short_name(ward))
        rows["now_id"].append(new_by_code[code])
        rows["commune_now"].append([ward])
    if errors:
        sys.exit("\n".join(errors[:30]) + f"\n({len(errors)} problems)")
    df = pl.DataFrame(rows, schema={"era": pl.Utf8, "province_id": pl.Utf8, "district": pl.Utf8,
                                    "district_fold": pl.Utf8, "commune": pl.Utf8,
                                    "commune_fold": pl.Utf8, "now_id": pl.Utf8,
                                    "commune_now": pl.List(pl.Utf8)})
    n_old = df.filter(pl.col("era") == "2024")
    checks = {"legacy communes": (n_old.filter(pl.col("commune").is_not_null()).height, None),
              "legacy districts": (n_old.select("province_id", "district").unique().height, 696),
              "legacy provinces": (n_old["province_id"].n_unique(), 63),
              "2025 communes": (df.height - n_old.height, 3321)}
    for what, (got, want) in checks.items():
        if want is not None and got != want:
            sys.exit(f"{ADMIN_OUT.name}: {what} = {got}, expected {want}")
    df.write_parquet(ADMIN_OUT, compression="zstd", statistics=False,
                     use_pyarrow=False)
    lic = (root / "vietnamadminunits-1.0.4.dist-info" / "licenses" / "LICENSE").read_text()
    ADMIN_NOTICE.write_text(
        "reconcile/data/places_admin.parquet is derived from the PyPI package vietnamadminunits "
        "1.0.4 (data/dataset.db and data/converter_2025.json), github.com/tranngocminhhieu/"
        "vietnamadminunits, used under its MIT licence:\n\n" + lic, encoding="utf-8")
    print(f"wrote {ADMIN_OUT} ({df.height} rows, {ADMIN_OUT.stat().st_size // 1024} KB; "
          + ", ".join(f"{k} {v[0]}" for k, v in checks.items())
          + f"; legacy communes without a 2025 ward: {unmapped_ward})")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--shared", default="/work/shared/data/vn_admin_history.json")
    ap.add_argument("--vau", default="/tmp/vau", help="folder with vietnamadminunits wheel")
    a = ap.parse_args(argv)
    gaz = build_provinces(Path(a.shared))
    gaz["admin_table"] = {
        "file": "places_admin.parquet",
        "source": "PyPI vietnamadminunits 1.0.4 (data/dataset.db, data/converter_2025.json), "
                  "https://github.com/tranngocminhhieu/vietnamadminunits",
        "licence": "MIT License, Copyright (c) 2025 Tran Ngoc Minh Hieu. Permission is hereby "
                   "granted, free of charge, to any person obtaining a copy of this software and "
                   "associated documentation files, to deal in the Software without restriction, "
                   "subject to including the copyright notice and this permission notice; full "
                   "text in places_admin.LICENSE.txt.",
    }
    OUT.write_text(json.dumps(gaz, ensure_ascii=False, indent=0), encoding="utf-8")
    print(f"wrote {OUT} ({len(gaz['units'])} units; shared names used by >1 unit outside the "
          f"documented list: {len(gaz['undocumented_shared_names'])})")
    build_admin(Path(a.vau), gaz)


if __name__ == "__main__":
    main()
