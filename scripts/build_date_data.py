"""Build reconcile/data/zodiac.json from ../shared/data/vn_zodiac.json (+ GSO province codes).

Run at development time:  .venv/bin/python scripts/build_date_data.py
The library never reads ../shared at run time; it reads the committed reconcile/data/zodiac.json.
Checks run here (and fail loudly): the branch/stem formula against the source's verified examples,
every Tết date falls between 21 Jan and 20 Feb, its can-chi agrees with the formula, the
12 branches and 10 stems are complete, province codes are unique 3-digit strings.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
OUT = ROOT / "reconcile" / "data" / "zodiac.json"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build() -> dict:
    src = SHARED / "vn_zodiac.json"
    z = json.loads(src.read_text(encoding="utf-8"))
    branches = [{"index": b["index"], "name": b["name"], "ascii": b["ascii"],
                 "variants": b["variants"], "animal_vi": b["animal_vi"], "animal_en": b["animal_en"]}
                for b in z["branches_chi"]]
    stems = [{"index": s["index"], "name": s["name"], "ascii": s["ascii"], "variants": s["variants"]}
             for s in z["stems_can"]]
    assert [b["index"] for b in branches] == list(range(12)), "branches incomplete"
    assert [s["index"] for s in stems] == list(range(10)), "stems incomplete"
    tet = {}
    for year, rec in sorted(z["tet_dates"].items()):
        y = int(year)
        d7 = dt.date.fromisoformat(rec["tet_utc7"])
        d8 = dt.date.fromisoformat(rec.get("tet_utc8") or rec["tet_utc7"])
        for d in (d7, d8):
            assert d.year == y and dt.date(y, 1, 21) <= d <= dt.date(y, 2, 20), (year, d)
        stem, branch = rec["can_chi"].split(" ")
        assert stems[(y - 4) % 10]["name"] == stem, (year, rec["can_chi"])
        assert branches[(y - 4) % 12]["name"] == branch, (year, rec["can_chi"])
        tet[year] = [d7.isoformat(), d8.isoformat()]
    for ex in z["verified_examples"]:
        stem, branch = ex["can_chi"].split(" ")
        y = ex["year"]
        assert stems[(y - 4) % 10]["name"] == stem and branches[(y - 4) % 12]["name"] == branch, ex
    assert tet["1985"] == ["1985-01-21", "1985-02-20"], tet["1985"]

    adm_src = SHARED / "vn_admin_history.json"
    adm = json.loads(adm_src.read_text(encoding="utf-8"))
    codes: dict[str, dict] = {}
    for u in adm["units"]:
        code = u.get("gso_code_2004_to_2025_06")
        if not code:
            continue
        key = code.zfill(3)
        assert len(key) == 3 and key.isdigit(), code
        if key in codes:  # e.g. Huế (2025 city) reuses Thừa Thiên Huế's code: keep the first (older) unit
            continue
        codes[key] = {"unit_id": u["id"], "name": u["name"]}
    assert codes["001"]["name"] == "Hà Nội" and codes["079"]["unit_id"] == "ho_chi_minh", codes.get("079")
    assert len(codes) >= 63, len(codes)

    return {
        "format": "reconcile.zodiac", "version": 1,
        "built_by": "scripts/build_date_data.py",
        "sources": {"vn_zodiac.json": _sha(src), "vn_admin_history.json": _sha(adm_src)},
        "checks": ["12 branches, 10 stems", "Tết dates in [21 Jan, 20 Feb] and can-chi == formula",
                   "verified_examples agree with the formula", "1985 Tết differs UTC+7/UTC+8",
                   "province codes unique 3-digit"],
        "formula": "lunar year L: date >= Tết(Y) -> Y else Y-1; branch = (L-4) mod 12 (0=Tý); stem = (L-4) mod 10 (0=Giáp)",
        "branches": branches,
        "stems": stems,
        "tet": tet,
        "tet_note": "[UTC+7 date, UTC+8 date]; identical when the two computations agree; accept either",
        "citizen_id_province_codes": dict(sorted(codes.items())),
        "citizen_id_note": "digits 1-3: province of birth registration (GSO codes 2004-2025/06); "
                           "digit 4: century and sex (even = male, odd = female; 0/1 1900s, 2/3 2000s, 4/5 2100s, "
                           "6/7 2200s, 8/9 2300s); digits 5-6: last two digits of the birth year (Circular 59/2021/TT-BCA art. 4)",
    }


def main() -> int:
    data = build()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}: {len(data['tet'])} Tết dates, "
          f"{len(data['citizen_id_province_codes'])} province codes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
