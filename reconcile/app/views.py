"""What the claim page draws, as plain numbers and strings (the templates escape every value).

Owns `evidence_chart(detail, total)` (a waterfall: one bar per field starting where the running sum
stood) and `kinship_picture(detail)` (the claimed relatives beside the recorded ones the model
paired: the `claimed` / `recorded` / `recorded_person_id` keys of the relatives' `evidence_detail`
rows, so the picture shows exactly the pairing that weighs in the chart).
"""

from __future__ import annotations

import math

from reconcile.io.write import records

RELATIONS = ("father", "mother", "spouse", "child", "sibling")
BAR_W = 260


def _num(v) -> float:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return 0.0
    return 0.0 if math.isnan(f) or math.isinf(f) else f


def evidence_chart(detail, total=None) -> dict:
    """Rows {field, text, weight, x, width, cls} on one scale, and the total bar."""
    rows = records(detail)
    ws = [_num(d.get("weight")) for d in rows]
    sums = [0.0]
    for w in ws:
        sums.append(sums[-1] + w)
    tot = sums[-1] if total is None else _num(total)
    lo, hi = min(*sums, tot, 0.0), max(*sums, tot, 0.0)
    span = (hi - lo) or 1.0

    def x(v: float) -> float:
        return round(4 + (v - lo) / span * (BAR_W - 8), 1)

    out = []
    for i, (d, w) in enumerate(zip(rows, ws)):
        a, b = x(sums[i]), x(sums[i + 1])
        out.append({"field": str(d.get("field") or ""), "text": str(d.get("text") or ""),
                    "weight": f"{w:+.1f}", "x": min(a, b), "width": max(abs(b - a), 1.5),
                    "cls": "pos" if w > 0.05 else ("neg" if w < -0.05 else "zero")})
    return {"rows": out, "zero": x(0.0), "total": f"{tot:+.1f}", "tx": min(x(0.0), x(tot)),
            "twidth": max(abs(x(tot) - x(0.0)), 1.5), "tcls": "pos" if tot > 0 else "neg", "bar_w": BAR_W}


def kinship_picture(detail) -> list[dict]:
    """Rows {relation, claimed, recorded, level, cls, recorded_person_id, y} for the kinship picture:
    one per relation the claim names or the record holds, as the model paired them."""
    rows = []
    by_field = {str(d.get("field")): d for d in records(detail)}
    for rel in RELATIONS:
        d = by_field.get(rel)
        if d is None:
            continue
        claimed, recorded = d.get("claimed") or "", d.get("recorded") or ""
        if not claimed and not recorded:
            continue
        level = str(d.get("level") or "")
        cls = {"strong": "pos", "weak": "weak", "different": "neg"}.get(level, "zero")
        rows.append({"relation": rel, "claimed": str(claimed), "recorded": str(recorded),
                     "level": level, "cls": cls, "recorded_person_id": d.get("recorded_person_id") or ""})
    for i, r in enumerate(rows):
        r["y"] = 60 + i * 46
    return rows
