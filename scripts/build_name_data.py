"""Build reconcile/data/names.json from ../shared/data/vn_name_facts.json (development time only).

Carries the facts the `names` module uses — surname and clan lists with their variants, the
Hmong middle elements, Dao generation names, Tày–Nùng and Thái surnames, the dialect confusion
sets — checks them, and records the source checksum. The library reads only the generated file,
never ../shared.

Run: .venv/bin/python scripts/build_name_data.py
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT.parent / "shared" / "data" / "vn_name_facts.json"
OUT = ROOT / "reconcile" / "data" / "names.json"


def fold(s: str) -> str:
    s = unicodedata.normalize("NFD", unicodedata.normalize("NFC", s).lower())
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    return s.replace("đ", "d").replace("ð", "d").strip()


def clean(s: str) -> str:
    """'Bàn (= Phàn in Dao pronunciation)' -> 'Bàn'."""
    return unicodedata.normalize("NFC", re.sub(r"\s*\(.*?\)\s*", "", s).strip())


def main() -> int:
    raw = SRC.read_bytes()
    facts = json.loads(raw)
    eth = facts["ethnic_minority_naming"]

    kinh = [clean(n["name"]) for n in facts["family_names_kinh"]["names"]]
    kinh_share = {clean(n["name"]): n.get("C_daklak") for n in facts["family_names_kinh"]["names"]}

    # Hmong clans: canonical Vietnamese form and every attested/derived spelling.
    clans: dict[str, list[str]] = {}
    clan_confidence: dict[str, str] = {}
    for c in eth["hmong_mong"]["clans"]:
        if not c["vietnamese"] or "unverified" in c.get("confidence", ""):
            continue  # no Vietnamese form, or only a guess ("Chư?"): not used as a clan
        canon = clean(c["vietnamese"][0])
        forms = {canon}
        for key in ("vietnamese", "variants_attested", "variants_derived"):
            for v in c.get(key, []):
                forms.add(clean(v))
        clans[canon] = sorted(forms)
        clan_confidence[canon] = c.get("confidence", "")

    pairs = facts["regional_and_orthographic_variants"]["north_south_taboo_pairs"]
    surname_pairs, given_pairs, possible_pairs = [], [], []
    for p in pairs:
        norths = [clean(x) for x in p["north"].split("/")]
        souths = [clean(x) for x in p["south"].split("/")]
        for n in norths:
            for s in souths:
                if "possible" in p["confidence"]:
                    possible_pairs.append([n, s])
                elif n in ("Hoàng", "Vũ"):
                    surname_pairs.append([n, s])
                else:
                    given_pairs.append([n, s])
    # Orthographic i/y: Lý/Lí etc. (Vi and Vy stay distinct surnames but fold to one key).
    for a, b in facts["regional_and_orthographic_variants"]["orthographic"][1]["examples"]:
        given_pairs.append([a, b])

    # A Dao surname given with its pronunciation ("Bàn (= Phàn in Dao pronunciation)"): both
    # spellings are surnames of one clan.
    dao_surnames = [clean(s) for s in eth["dao_yao"]["surnames"]]
    for raw_s in eth["dao_yao"]["surnames"]:
        m = re.search(r"\(=\s*([^\s)]+)", raw_s)
        if m:
            alt = unicodedata.normalize("NFC", m.group(1))
            dao_surnames.append(alt)
            surname_pairs.append([clean(raw_s), alt])

    data = {
        "format": "reconcile-names",
        "version": 1,
        "source": "shared/data/vn_name_facts.json",
        "source_sha256": hashlib.sha256(raw).hexdigest(),
        "kinh_surnames": kinh,
        "kinh_surname_share_daklak": kinh_share,
        "hmong_clans": clans,
        "hmong_clan_confidence": clan_confidence,
        "hmong_middle_elements": {"a": "M", "thi": "F", "seo": "M", "mi": None, "van": "M"},
        "hmong_given_male": eth["hmong_mong"]["given_name_tokens_attested"]["mostly_male_context"],
        "hmong_given_female": eth["hmong_mong"]["given_name_tokens_attested"]["mostly_female_context"],
        "dao_surnames": dao_surnames,
        "dao_generation_middles": eth["dao_yao"]["generation_middle_names"]["examples_tuyen_quang"],
        "tay_nung_surnames": eth["tay_nung"]["surnames"],
        "thai_surnames": eth["thai"]["original_12_surnames"] + eth["thai"]["others"],
        "surname_variant_pairs": surname_pairs,
        "surname_possible_pairs": possible_pairs,
        "given_variant_pairs": given_pairs,
        "kinh_middles_male": facts["middle_names"]["male"]["others_attested"] + ["Văn"],
        "kinh_middles_female": facts["middle_names"]["female"]["others_attested"] + ["Thị"],
        "confusion_sets": facts["phonetic_confusion_sets"],
    }

    # Checks: every clan has its canonical form among its spellings; the pairs and clans the
    # matching relies on are present; Chu/Châu stays 'possible' only.
    problems = []
    for canon, forms in clans.items():
        if canon not in forms:
            problems.append(f"clan {canon} missing from its own forms")
    for need in (["Hoàng", "Huỳnh"], ["Vũ", "Võ"]):
        if need not in surname_pairs:
            problems.append(f"surname pair {need} missing")
    if ["Chu", "Châu"] in surname_pairs:
        problems.append("Chu/Châu must stay a possible pair, not a merge")
    for need in ("Giàng", "Vàng", "Sùng", "Thào", "Lý", "Hầu", "Mùa", "Lầu", "Vừ"):
        if need not in clans:
            problems.append(f"Hmong clan {need} missing")
    groups = [g["group"] for g in facts["phonetic_confusion_sets"]["initials"]]
    for need in (["d", "gi", "r"], ["s", "x"], ["ch", "tr"], ["l", "n"]):
        if need not in groups:
            problems.append(f"confusion set {need} missing")
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    OUT.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}: {len(kinh)} Kinh surnames, {len(clans)} Hmong clans, "
          f"{len(surname_pairs)} surname pairs, {len(given_pairs)} given-name pairs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
