"""Build reconcile/data/encodings.json from the legacy_encodings part of ../shared/data/vn_name_facts.json.

Run at development time:  .venv/bin/python scripts/build_encoding_data.py
Checks (fail loudly): 134 letters; no VNI/TCVN3/VIQR form shared by two letters; every byte of the
TCVN3 (VN1) table maps to one character, and the table holds every letter, capitals with tones included; each letter written in each legacy form decodes back to it
with greedy longest-first replacement; the worked mojibake examples decode to their Unicode text.
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
OUT = ROOT / "reconcile" / "data" / "encodings.json"


def _greedy(table: dict[str, str], text: str) -> str:
    keys = sorted(table, key=len, reverse=True)
    rx = re.compile("|".join(re.escape(k) for k in keys))
    return rx.sub(lambda m: table[m.group(0)], text)


def build() -> dict:
    raw = SRC.read_bytes()
    leg = json.loads(raw.decode("utf-8"))["legacy_encodings"]
    letters = leg["letter_table"]["letters"]
    assert len(letters) == 134, len(letters)
    vni, tcvn3, viqr = {}, {}, {}
    for rec in letters:
        u = unicodedata.normalize("NFC", rec["unicode"])
        for table, key in ((vni, "vni_windows"), (tcvn3, "tcvn3_abc"), (viqr, "viqr")):
            form = rec[key]
            assert form and form not in table, (key, form, u)
            table[form] = u
        # the bytes given agree with the text form (VNI as cp1252, TCVN3 as Latin-1)
        assert bytes(int(b, 16) for b in rec["vni_bytes"]).decode("cp1252") == rec["vni_windows"], rec
        assert bytes(int(b, 16) for b in rec["tcvn3_bytes"]).decode("latin-1") == rec["tcvn3_abc"], rec
    byte_map = {}
    for hexbyte, ch in leg["tcvn5712_vn1_decode_table"]["map"].items():
        b = int(hexbyte, 16)
        assert 0 <= b < 256 and len(ch) == 1, (hexbyte, ch)
        byte_map[f"{b:02X}"] = ch
    # the VN1 table holds every letter, capitals with tones included (0x01-0x17, 0x80-0x9F and a few in
    # 0xA1-0xFF), either as one byte or as a base letter + one of the combining tone bytes 0xB0-0xB4
    inv = {ch: b for b, ch in byte_map.items()}
    for rec in letters:
        u = unicodedata.normalize("NFC", rec["unicode"])
        if u in inv:
            continue
        d = unicodedata.normalize("NFD", u)
        base, tone = unicodedata.normalize("NFC", d[:-1]), d[-1]
        assert (base in inv or base.isascii()) and tone in inv, ("VN1 lacks", u)
    # round trips
    for table, name in ((vni, "vni"), (tcvn3, "tcvn3"), (viqr, "viqr")):
        for form, u in table.items():
            assert _greedy(table, form) == u, (name, form, u)
    examples = leg["mojibake_examples"]
    for ex in examples:
        assert _greedy(vni, ex["vni_read_as_cp1252"]) == ex["unicode_nfc"], ex["vni_read_as_cp1252"]
        assert _greedy(tcvn3, ex["tcvn3_read_as_latin1"]) == ex["unicode_nfc"], ex["tcvn3_read_as_latin1"]
    return {
        "format": "reconcile.encodings", "version": 1,
        "built_by": "scripts/build_encoding_data.py",
        "source": {"file": "vn_name_facts.json (legacy_encodings)", "sha256": hashlib.sha256(raw).hexdigest()},
        "checks": ["134 letters", "forms unique per scheme", "letter bytes == text forms",
                   "VN1 table holds every letter (one byte or base + tone byte)",
                   "greedy decode round-trips every letter", "mojibake examples decode (VNI, TCVN3)"],
        "note": "vni: VNI Windows text as read through cp1252; tcvn3: TCVN3/ABC text as read through Latin-1 "
                "(letter sequences incl. capital + lowercase toned byte, as the ABC converter writes capitals); "
                "tcvn3_bytes: glibc TCVN5712-1 (VN1) byte table, capitals with tones included (what iconv writes); "
                "viqr: RFC 1456 (dd → đ handled in code).",
        "letters": [unicodedata.normalize("NFC", r["unicode"]) for r in letters],
        "vni": dict(sorted(vni.items())),
        "tcvn3": dict(sorted(tcvn3.items())),
        "tcvn3_bytes": dict(sorted(byte_map.items())),
        "viqr": dict(sorted(viqr.items())),
        "examples": [{k: ex[k] for k in ("unicode_nfc", "utf8_read_as_cp1252", "tcvn3_read_as_latin1",
                                         "vni_read_as_cp1252", "viqr", "cp1258_read_as_latin1")} for ex in examples],
    }


def main() -> int:
    data = build()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}: {len(data['letters'])} letters, {len(data['tcvn3_bytes'])} TCVN3 bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
