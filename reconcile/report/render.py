"""The report's page: claims + `match` + `leads` frames turned into ONE light, offline HTML file.

Owns the payload (every value the page shows, embedded ONCE as compact JSON in a
`<script type="application/json">` block) and the page around it (header, summary, an empty list and
detail pane that `assets/report.js` fills on demand: the list is virtualised, a claim's detail,
evidence waterfall and kinship picture are built when the claim is opened). Values are made visible
(NFC, bidi/control characters shown as `[U+XXXX]`) before they enter the payload, the JSON is escaped for
HTML (`<`, `>`, `&`, U+2028/2029), and the script inserts them as text only (never as markup). A
Content-Security-Policy allows only this file's script (by hash) and no network. Strings are interned in
one table, long texts stored as interned segments; a payload above `ReportConfig.compress_over` bytes is
gzip+base64 inside the JSON (the browser inflates it with `DecompressionStream`: Chrome/Edge 80+, Firefox
113+, Safari 16.4+; an older browser gets a clear message). 3,000 claims on a 200k register: 3.4 MB, opens in
about 2 s in headless Chromium, search about 20 ms (benchmarks/bench_report.py; the earlier all-HTML report
was 61 MB, 189 s and 10 s on the same loaded machine).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import html
import json
import math
import re
import unicodedata
from datetime import datetime, timezone
from functools import lru_cache
from importlib import resources
from pathlib import Path

import polars as pl

from reconcile.io.write import records, write_text
from reconcile.vn.text import fold_search
from reconcile.progress import resolve as _resolve_progress
from reconcile.report.strings import STRINGS, words
from reconcile.report.triage import STATUSES, ReportConfig, claim_status

PAYLOAD_ID = "report-data"
RELATIVE_FIELDS = ("father", "mother", "spouse", "child", "sibling")

# ------------------------------------------------------------------------------------------
# Assets (package files)
# ------------------------------------------------------------------------------------------


def _asset(name: str) -> str:
    return resources.files("reconcile.report").joinpath("assets", name).read_text(encoding="utf-8")


def script_text() -> str:
    """The page's only script (its sha256 is in the CSP)."""
    return _asset("report.js")


def style_text() -> str:
    return _asset("report.css")


# ------------------------------------------------------------------------------------------
# Escaping
# ------------------------------------------------------------------------------------------

_BIDI = {0x200E, 0x200F, 0x061C} | set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A))


def _visible(text: str) -> str:
    """NFC text with bidi overrides and control characters shown as `[U+XXXX]` (no spoofing)."""
    text = unicodedata.normalize("NFC", text)
    if text.isprintable():
        return text
    out = []
    for ch in text:
        cp = ord(ch)
        if cp in _BIDI or (unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp")
                           and ch not in "\u200d\ufe0f"):
            out.append(" " if ch in "\t\n\r" else f"[U+{cp:04X}]")
        else:
            out.append(ch)
    return "".join(out)


def esc(value: object) -> str:
    """Escape any value for HTML text or a quoted attribute."""
    if value is None:
        return ""
    return html.escape(_visible(str(value)), quote=True)


_JSON_HTML = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_JSON_HTML_RE = re.compile("[<>&\u2028\u2029]")


def json_for_html(obj) -> str:
    """Compact JSON that is safe inside `<script type="application/json">`: no `<`, `>`, `&`,
    U+2028 or U+2029 appear raw (they are `\\uXXXX` escapes inside JSON strings), so no value can
    close the element or start markup; `JSON.parse` gives the values back unchanged."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return _JSON_HTML_RE.sub(lambda m: _JSON_HTML[m.group(0)], text)


def _pct(p: float | None) -> str:
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "–"
    if 0 < p < 0.01:
        return "<1%"
    if 0.99 < p < 1:
        return ">99%"
    return f"{100 * p:.0f}%"


_SAME_YEARS = re.compile(r"\b(\d{4})–\1\b")


def one_year(text: str) -> str:
    """'1989–1989' → '1989' (a one-year range is one year)."""
    return _SAME_YEARS.sub(r"\1", text)


# ------------------------------------------------------------------------------------------
# Inputs
# ------------------------------------------------------------------------------------------

_CLAIM_COLS = {"claim_id": pl.Utf8, "name": pl.Utf8, "aliases": pl.List(pl.Utf8), "sex": pl.Utf8,
               "birth_date": pl.Utf8, "birth_year": pl.Int32, "birth_year_min": pl.Int32,
               "birth_year_max": pl.Int32, "age": pl.Float64, "recorded_on": pl.Utf8, "zodiac": pl.Utf8,
               "ethnicity": pl.Utf8, "claimed_hometown": pl.Utf8, "residence": pl.Utf8}
_MATCH_COLS = {"claim_id": pl.Utf8, "rank": pl.Int64, "person_id": pl.Utf8, "probability": pl.Float64,
               "weight": pl.Float64, "evidence": pl.Utf8, "full_name": pl.Utf8, "birth_year": pl.Int64,
               "household_id": pl.Utf8, "p_none": pl.Float64}
_LEAD_COLS = {"claim_id": pl.Utf8, "rank": pl.Int64, "kind": pl.Utf8, "person_id": pl.Utf8,
              "household_id": pl.Utf8, "place": pl.Utf8, "relation": pl.Utf8, "probability": pl.Float64,
              "reason": pl.Utf8, "full_name": pl.Utf8}


def _with_cols(df: pl.DataFrame, cols: dict) -> pl.DataFrame:
    """Add missing columns as nulls and cast the scalar ones we read, so any upstream variant renders."""
    add = [pl.lit(None, dtype=t).alias(c) for c, t in cols.items() if c not in df.columns]
    if add:
        df = df.with_columns(add)
    casts = [pl.col(c).cast(t, strict=False) for c, t in cols.items()
             if not isinstance(t, pl.List) and df.schema[c] != t]
    return df.with_columns(casts) if casts else df


def claims_frame(claims) -> pl.DataFrame:
    """A claims frame with every column the report reads (anything `read_claims` accepts)."""
    if not isinstance(claims, pl.DataFrame):
        from reconcile.io import read_claims

        claims = read_claims(claims)
    df = _with_cols(claims, _CLAIM_COLS)
    if "relatives" not in df.columns:
        df = df.with_columns(pl.lit(None).alias("relatives"))
    return df


# ------------------------------------------------------------------------------------------
# Places
# ------------------------------------------------------------------------------------------


def place_key(residence: str | None, lang: str = "vi", level: str = "district") -> str | None:
    """Where a claimant lives, at district level ("Huyện Krông Năng, tỉnh Đắk Lắk") or commune level
    ("Xã Cư Klông, Huyện Krông Năng, tỉnh Đắk Lắk") from the gazetteer, so differently written
    addresses group together; else the last two (three) parts as written."""
    if not residence:
        return None
    text = " ".join(unicodedata.normalize("NFC", residence).split())
    try:
        from reconcile.vn import places

        res = places.resolve(text)
        district = getattr(res, "district_name", None)
        now = tuple(getattr(res, "now", ()) or ())
        if district and len(now) == 1:
            key = f"{district}, {places.label(now[0], lang)}"
            if level == "commune" and getattr(res, "commune_name", None):
                key = f"{res.commune_name}, {key}"
            return key
    except Exception:  # noqa: BLE001 - the gazetteer is a convenience here; fall back to the text
        pass
    parts = [p.strip() for p in text.split(",") if p.strip()]
    return ", ".join(parts[-(3 if level == "commune" else 2):]) if parts else None


# ------------------------------------------------------------------------------------------
# Evidence rows: what the waterfall and the kinship picture draw
# ------------------------------------------------------------------------------------------


def field_label(field: str | None, lang: str) -> str:
    """Officer's word for a model field: explain.FIELD_LABELS first, then this package's words."""
    w = words(lang)
    if not field:
        return "?"
    try:
        from reconcile.explain import FIELD_LABELS

        label = FIELD_LABELS.get(lang, {}).get(field)
        if label:
            return label
    except ImportError:  # pragma: no cover - explain always present today
        pass
    key = f"f_{field}"
    if key in w:
        return w[key]
    return w.get(f"f_{field.split(':')[0].split('_')[0]}", field)


_TRAILING_WEIGHT = re.compile(r"\s*[+−-]?\d+(?:[.,]\d+)?\s*$")


@lru_cache(maxsize=65536)
def evidence_words(text: str) -> str:
    """The evidence sentence without the weight the model appends (the chart shows it), one-year
    ranges written as one year."""
    return one_year(_TRAILING_WEIGHT.sub("", text).strip() or text)


def evidence_rows(detail, total: float | None, claim_name: str | None, cand_name: str | None,
                  lang: str = "vi") -> list[dict]:
    """The waterfall's lines: one per evidence row (field, label, level, weight, words), plus a line
    for a surname that differs when the model wrote none (carrying the weight without a line, if any),
    else a line for the weight without its own line (the total minus the rows) when that is not
    negligible. Every field that weighs gets its line."""
    w = words(lang)
    rows = []
    for d in records(detail):
        wt = d.get("weight")
        wt = 0.0 if wt is None or (isinstance(wt, float) and math.isnan(wt)) else float(wt)
        text = str(d.get("text") or "")
        if not text:  # a level without a sentence still shows what was compared
            vals = " / ".join(str(v) for v in (d.get("claimed"), d.get("recorded")) if v)
            text = f"{d.get('level') or ''} {vals}".strip()
        rows.append({"field": d.get("field"), "label": field_label(d.get("field"), lang),
                     "level": d.get("level"), "weight": round(wt, 2), "text": evidence_words(text),
                     "claimed": d.get("claimed"), "recorded": d.get("recorded"),
                     "recorded_person_id": d.get("recorded_person_id")})
    rest = 0.0
    if total is not None and not (isinstance(total, float) and math.isnan(total)):
        rest = round(float(total) - sum(r["weight"] for r in rows), 2)
    fields = {r["field"] for r in rows}
    c_fam = (claim_name or "").split()[:1]
    p_fam = (cand_name or "").split()[:1]
    if "fam" not in fields and c_fam and p_fam and fold_search(c_fam[0]) != fold_search(p_fam[0]):
        # the model compared the surnames but wrote no line (a level without a sentence): the weight
        # without a line is the surname's
        weighs = abs(rest) >= 0.05
        rows.insert(0, {"field": "fam", "label": field_label("fam", lang), "level": None,
                        "weight": rest if weighs else 0.0,
                        "text": w["surname_differs"].format(c=c_fam[0], p=p_fam[0])
                        + ("" if weighs else f" ({w['not_weighed']})"),
                        "claimed": c_fam[0], "recorded": p_fam[0], "recorded_person_id": None})
        rest = 0.0
    if abs(rest) >= 0.05:
        rows.append({"field": None, "label": w["residual"], "level": None, "weight": rest,
                     "text": "", "claimed": None, "recorded": None, "recorded_person_id": None})
    return rows


def kin_pairs(claimed: list[dict], registered: list[dict], rows: list[dict]) -> list[tuple[int, int, float]]:
    """(claimed index, registered index, weight) for every relative the MODEL paired: read from the
    evidence rows (field = relation, `claimed` = the claimed relative's name, `recorded_person_id` /
    `recorded` = the registered relative), never re-matched here. A pairing whose registered relative is
    not in `registered` is added to it (so the picture always shows what the model compared)."""
    out: list[tuple[int, int, float]] = []
    used_c: set[int] = set()
    used_r: set[int] = set()
    for r in rows:
        rel = r.get("field")
        if rel not in RELATIVE_FIELDS:
            continue
        pid, rname = r.get("recorded_person_id"), r.get("recorded")
        if pid is None and not rname:
            continue  # nothing recorded to pair with (e.g. "not recorded, not counted")
        cname = fold_search(r.get("claimed"))
        ci = next((i for i, c in enumerate(claimed) if i not in used_c and c.get("relation") == rel
                   and fold_search(c.get("name")) == cname), None)
        if ci is None:
            ci = next((i for i, c in enumerate(claimed) if i not in used_c and c.get("relation") == rel), None)
        if ci is None:
            continue
        rj = None
        if pid is not None:
            rj = next((j for j, g in enumerate(registered) if j not in used_r and g.get("person_id") == pid), None)
        if rj is None and rname:
            rj = next((j for j, g in enumerate(registered) if j not in used_r and g.get("relation") == rel
                       and fold_search(g.get("name")) == fold_search(rname)), None)
        if rj is None:
            registered.append({"relation": rel, "name": rname, "birth_year": None, "person_id": pid})
            rj = len(registered) - 1
        used_c.add(ci)
        used_r.add(rj)
        out.append((ci, rj, float(r.get("weight") or 0.0)))
    return out


def _registered_relatives(index, person_ids: list[str]) -> dict[str, list[dict]]:
    """person_id -> registered relatives (relation, name, birth_year, person_id) from `index.kin`."""
    if index is None or not person_ids or getattr(index, "kin", None) is None:
        return {}
    people = index.people
    if "pidx" not in people.columns:
        people = people.with_row_index("pidx")
    pid_of = people.select(pl.col("person_id").cast(pl.Utf8), pl.col("pidx").cast(pl.UInt32))
    ids = pid_of.filter(pl.col("person_id").is_in(person_ids))
    kin = index.kin
    need = {"pidx", "relation", "name"}
    if not need <= set(kin.columns) or ids.height == 0:
        return {}
    kin = kin.with_columns(pl.col("pidx").cast(pl.UInt32))
    if "birth_year" not in kin.columns:
        kin = kin.with_columns(pl.lit(None, dtype=pl.Int16).alias("birth_year"))
    if "rel_pidx" not in kin.columns:
        kin = kin.with_columns(pl.lit(None, dtype=pl.UInt32).alias("rel_pidx"))
    rows = (ids.join(kin.select("pidx", "relation", "name", "birth_year", pl.col("rel_pidx").cast(pl.UInt32)),
                     on="pidx", how="inner")
            .join(pid_of.rename({"person_id": "rel_id", "pidx": "rel_pidx"}), on="rel_pidx", how="left")
            .unique(subset=["person_id", "relation", "name"], keep="first", maintain_order=True))
    order = {r: k for k, r in enumerate(["father", "mother", "spouse", "sibling", "child", "grandparent",
                                          "grandchild"])}
    out: dict[str, list[dict]] = {}
    for r in rows.iter_rows(named=True):
        out.setdefault(r["person_id"], []).append({"relation": r["relation"], "name": r["name"],
                                                   "birth_year": r["birth_year"], "person_id": r["rel_id"]})
    for v in out.values():
        v.sort(key=lambda r: (order.get(r["relation"], 99), r["birth_year"] or 0))
    return out


# ------------------------------------------------------------------------------------------
# Payload
# ------------------------------------------------------------------------------------------

_SEGMENT = re.compile(r"(?<=[,;:(] )|(?=['\"()])|(?<=['\"()])|(?= — )")
_SEGMENT_MIN = 24  # texts shorter than this are interned whole


class _Strings:
    """One table of distinct (visible) strings; values are stored as their position."""

    def __init__(self) -> None:
        self.table: list[str] = []
        self.pos: dict[str, int] = {}
        self.raw: dict[object, int] = {}        # value as given -> position (skips _visible on repeats)
        self.texts: dict[str, int | list[int]] = {}

    def __call__(self, value) -> int | None:
        if value is None:
            return None
        k = self.raw.get(value)
        if k is not None:
            return k
        text = _visible(str(value))
        k = self.pos.get(text)
        if k is None:
            k = self.pos[text] = len(self.table)
            self.table.append(text)
        self.raw[value] = k
        return k

    def text(self, value) -> int | list[int] | None:
        """A long text as a list of interned segments (split after ', ', around quotes and brackets)."""
        if value is None:
            return None
        value = str(value)
        out = self.texts.get(value)
        if out is None:
            text = _visible(value)
            out = self(text) if len(text) < _SEGMENT_MIN else [self(s) for s in _SEGMENT.split(text) if s]
            self.texts[value] = out
        return out


def _num(v, digits: int) -> float | None:
    if v is None:
        return None
    v = float(v)
    return None if math.isnan(v) or math.isinf(v) else round(v, digits)


def _birth_text(c: dict) -> str:
    if c.get("birth_date"):
        return str(c["birth_date"])
    if c.get("birth_year") is not None:
        return str(c["birth_year"])
    lo, hi = c.get("birth_year_min"), c.get("birth_year_max")
    if lo is not None and lo == hi:
        return str(lo)
    if lo is not None or hi is not None:
        return f"{lo if lo is not None else '…'}–{hi if hi is not None else '…'}"
    return ""


def _drop_none(d: dict) -> dict:
    return {k: v for k, v in d.items() if v is not None and v != [] and v != ""}


def build_payload(claims: pl.DataFrame, matches: pl.DataFrame, leads: pl.DataFrame, index=None,
                  lang: str = "vi", config: ReportConfig = ReportConfig(), progress=None) -> dict:
    """Everything the page shows, as plain JSON-able data (strings interned in `s`)."""
    w = words(lang)
    tick = _resolve_progress(progress)
    claims = claims_frame(claims)
    matches = _with_cols(matches, _MATCH_COLS)
    leads = _with_cols(leads, _LEAD_COLS)
    if "evidence_detail" not in matches.columns:
        matches = matches.with_columns(pl.lit(None).alias("evidence_detail"))
    status = claim_status(claims, matches, leads, config)
    status_of = dict(zip(status["claim_id"].to_list(), status["status"].to_list()))

    by_claim_m: dict[str, list[dict]] = {}
    for m in matches.drop("evidence").sort("claim_id", "rank").iter_rows(named=True):
        by_claim_m.setdefault(m["claim_id"], []).append(m)
    by_claim_l: dict[str, list[dict]] = {}
    for r in leads.sort("claim_id", "rank").iter_rows(named=True):
        by_claim_l.setdefault(r["claim_id"], []).append(r)

    def wants_kin(k: int, m: dict) -> bool:
        return k < config.kin_for and (m.get("probability") or 0.0) >= config.kin_min_probability

    kin_ids = sorted({str(m["person_id"]) for ms in by_claim_m.values() for k, m in enumerate(ms)
                      if m.get("person_id") is not None and wants_kin(k, m)})
    kin = _registered_relatives(index, kin_ids)

    S = _Strings()
    rows = claims.to_dicts()
    n = len(rows)
    residences = {r.get("residence") for r in rows if r.get("residence")}
    commune_of = {t: place_key(t, lang, level="commune") for t in residences}
    district_of = {t: place_key(t, lang) for t in residences}
    communes = sorted({v for v in commune_of.values() if v})
    commune_pos = {c: k for k, c in enumerate(communes)}

    out_claims = []
    for k, c in enumerate(rows):
        cid = c["claim_id"]
        ms = by_claim_m.get(cid, [])
        ls = by_claim_l.get(cid, [])
        claimed = [{"relation": r.get("relation"), "name": r.get("name"), "birth_year": r.get("birth_year")}
                   for r in records(c.get("relatives"))]
        aliases = c.get("aliases") or []
        if hasattr(aliases, "to_list"):
            aliases = aliases.to_list()
        age = c.get("age")
        cands = []
        for j, m in enumerate(ms):
            ev = evidence_rows(m.get("evidence_detail"), m.get("weight"), c.get("name"), m.get("full_name"), lang)
            chart = j < config.charts_for and (j == 0 or (m.get("probability") or 0.0) >= config.chart_min_probability)
            cand = {"i": S(m.get("person_id")), "n": S(m.get("full_name")), "y": m.get("birth_year"),
                    "h": S(m.get("household_id")), "p": _num(m.get("probability"), 4), "w": _num(m.get("weight"), 2),
                    "e": [[S(r["field"] or "_rest"), S(r["level"]), r["weight"], S.text(r["text"])] for r in ev],
                    "c": 1 if chart else None}
            if wants_kin(j, m):
                regs = [dict(g) for g in kin.get(str(m.get("person_id")), [])]
                pairs = kin_pairs(claimed, regs, ev)
                cand["k"] = {"r": [[S(g.get("relation")), S(g.get("name")), g.get("birth_year")] for g in regs],
                             "l": [[a, b, round(x, 2)] for a, b, x in pairs]}
            cands.append(_drop_none(cand))
        out_claims.append(_drop_none({
            "i": S(cid), "n": S(c.get("name")), "a": [S(a) for a in aliases if a],
            "x": S(w.get(f"sex_{c['sex']}", c["sex"])) if c.get("sex") else None,
            "b": S(_birth_text(c)) if _birth_text(c) else None,
            "g": (f"{age:g}" if isinstance(age, float) else age) if age is not None else None,
            "z": S(c.get("zodiac")), "e": S(c.get("ethnicity")), "h": S.text(c.get("claimed_hometown")),
            "r": S.text(c.get("residence")), "o": S(c.get("recorded_on")),
            "R": [[S(r["relation"]), S(r["name"]), r["birth_year"]] for r in claimed],
            "s": STATUSES.index(status_of.get(cid, "none")),
            "P": commune_pos.get(commune_of.get(c.get("residence"))),
            "pn": _num(ms[0].get("p_none"), 4) if ms else None,
            "m": cands,
            "l": [_drop_none({"k": S(r.get("kind")), "i": S(r.get("person_id")), "h": S(r.get("household_id")),
                              "P": S.text(r.get("place")), "r": S(r.get("relation")), "p": _num(r.get("probability"), 4),
                              "t": S.text(r.get("reason")), "n": S(r.get("full_name")),
                              "x": 1 if r.get("place") and (r.get("kind") == "place" or str(r["place"]) not in str(r.get("reason") or "")) else None})
                  for r in ls],
        }))
        if (k + 1) % 200 == 0 or k + 1 == n:
            tick("report", k + 1, n)
    counts = {s: sum(1 for r in rows if status_of.get(r["claim_id"]) == s) for s in STATUSES}
    labels_for = {S.table[c[0]] for cl in out_claims for m in cl.get("m", []) for c in m.get("e", [])} - {"_rest"}
    by_place: dict[str, dict[str, int]] = {}
    for r in rows:
        key = district_of.get(r.get("residence")) or w["unknown_place"]
        d = by_place.setdefault(key, {s: 0 for s in STATUSES})
        d[status_of.get(r["claim_id"], "none")] += 1
    places_rows = [[_visible(key), *[v[s] for s in STATUSES]] for key, v in
                   sorted(by_place.items(), key=lambda kv: (kv[0] == w["unknown_place"], -sum(kv[1].values()), kv[0]))]
    return {"v": 1, "lang": lang, "statuses": list(STATUSES), "s": S.table, "communes": [_visible(c) for c in communes],
            "claims": out_claims, "counts": counts, "places": places_rows,
            "words": dict(w), "labels": {**{f: field_label(f, lang) for f in labels_for}, "_rest": w["residual"]},
            "config": {"name_chars": config.name_chars}}


def embed_payload(payload: dict, config: ReportConfig = ReportConfig()) -> str:
    """The payload as the text of the JSON block: plain escaped JSON, or {"gz": base64} when large."""
    raw = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    size = len(raw.encode("utf-8"))
    if size <= config.compress_over:
        return _JSON_HTML_RE.sub(lambda m: _JSON_HTML[m.group(0)], raw)
    packed = base64.b64encode(gzip.compress(raw.encode("utf-8"), compresslevel=6, mtime=0)).decode("ascii")
    return json_for_html({"gz": packed})


def read_payload(html_text: str) -> dict:
    """The payload embedded in a report (tests, tools): the inverse of `embed_payload`."""
    m = re.search(r'<script type="application/json" id="' + PAYLOAD_ID + r'">(.*?)</script>', html_text, re.S)
    if m is None:
        raise ValueError("report: no embedded data block found; is this a reconcile report?")
    obj = json.loads(m.group(1))
    if set(obj) == {"gz"}:
        obj = json.loads(gzip.decompress(base64.b64decode(obj["gz"])).decode("utf-8"))
    return obj


def expand(payload: dict, ref) -> str | None:
    """A stored string or segmented text back as text."""
    if ref is None:
        return None
    if isinstance(ref, list):
        return "".join(payload["s"][k] for k in ref)
    return payload["s"][ref]


# ------------------------------------------------------------------------------------------
# Page
# ------------------------------------------------------------------------------------------


def _csp(script: str) -> str:
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    return (f"default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
            f"script-src 'sha256-{digest}'; base-uri 'none'; form-action 'none'")


def load_lines_html(load_reports, w: dict) -> str:
    """One line per input file: what reading it kept, set aside and changed (nothing is lost
    silently). Empty when no load report is given."""
    lines = []
    for rep in load_reports or ():
        acts = dict(rep.problems.group_by("action").len().rows()) if rep.problems.height else {}
        changed = int(acts.get("coerced", 0)) + int(acts.get("repaired", 0))
        text = w["load_line"].format(file=Path(str(rep.source)).name, read=rep.rows_read, used=rep.rows_used,
                                     aside=rep.rows_set_aside, changed=changed)
        lines.append(f"<p class=\"note load\">{esc(text)}</p>")
    return "".join(lines)


def render_html(claims: pl.DataFrame, matches: pl.DataFrame, leads: pl.DataFrame, index=None, lang: str = "vi",
                config: ReportConfig = ReportConfig(), generated: datetime | None = None, progress=None,
                load_reports=()) -> str:
    """The whole report as one HTML string (pure: frames in, text out). `load_reports`: the
    `io.LoadReport`s of the inputs, shown as one line each (rows read, used, set aside, cells changed)."""
    w = words(lang)
    payload = build_payload(claims, matches, leads, index, lang, config, progress)
    n = len(payload["claims"])
    counts = payload["counts"]
    js = script_text()
    tiles = (f"<div class=\"tiles\"><div class=\"tile\"><b>{n}</b>{esc(w['n_claims'])}</div>"
             + "".join(f"<div class=\"tile {s}\"><b>{counts[s]}</b>{esc(w[s])}</div>" for s in STATUSES) + "</div>")
    place_rows = "".join(
        f"<tr><td><bdi>{esc(row[0])}</bdi></td><td class=\"n\">{sum(row[1:])}</td>"
        + "".join(f"<td class=\"n\">{v}</td>" for v in row[1:]) + "</tr>" for row in payload["places"])
    summary = (f"<details class=\"card\" id=\"summary\" open><summary><h2>{esc(w['summary'])}</h2></summary>{tiles}"
               f"<h3>{esc(w['by_place'])}</h3><div class=\"scroll\"><table class=\"places\"><tr><th>{esc(w['place'])}</th>"
               f"<th class=\"n\">{esc(w['n_claims'])}</th>"
               + "".join(f"<th class=\"n\">{esc(w[s])}</th>" for s in STATUSES)
               + f"</tr>{place_rows}</table></div>{load_lines_html(load_reports, w)}</details>")
    when = (generated or datetime.now(timezone.utc)).strftime("%Y-%m-%d %H:%M UTC")
    buttons = "".join(
        f"<button type=\"button\" data-filter=\"{s}\" aria-pressed=\"{'true' if s == 'all' else 'false'}\">"
        f"{esc(w[s])}</button>" for s in ("all", *STATUSES))
    options = "".join(f"<option value=\"{k}\">{esc(c)}</option>" for k, c in enumerate(payload["communes"]))
    header = (f"<header class=\"top\" id=\"top\"><h1>{esc(w['title'])}</h1><p class=\"sub\">{esc(w['subtitle'])} "
              f"{esc(w['generated'])}: {esc(when)}.</p><div class=\"controls\" role=\"search\">"
              f"<label for=\"q\" hidden>{esc(w['search_label'])}</label>"
              f"<input id=\"q\" type=\"search\" placeholder=\"{esc(w['search'])}\" autocomplete=\"off\">"
              f"<span>{esc(w['filter'])}:</span>{buttons}"
              f"<label for=\"place\" hidden>{esc(w['commune_filter'])}</label>"
              f"<select id=\"place\"><option value=\"\">{esc(w['all_places'])}</option>{options}</select>"
              f"<span id=\"shown\">{esc(w['shown'])}: <b id=\"shown-n\">{n}</b>/{n}</span></div>"
              f"<noscript><p class=\"warn\">{esc(w['noscript'])}</p></noscript></header>")
    toc = (f"<section class=\"card\" id=\"toc\"><h2>{esc(w['toc'])}</h2>"
           f"<div class=\"listhead\" aria-hidden=\"true\"><span>{esc(w['claim_id'])}</span><span>{esc(w['name'])}</span>"
           f"<span>{esc(w['status'])}</span><span>{esc(w['best'])}</span><span class=\"n\">{esc(w['probability'])}</span></div>"
           f"<div id=\"list\" role=\"list\" tabindex=\"0\"><div id=\"list-pad\"></div></div></section>")
    detail = (f"<section class=\"card\" id=\"detail\" aria-live=\"polite\"><p class=\"note\" id=\"status-line\" "
              f"data-old=\"{esc(w['old_browser'])}\">"
              f"{esc(w['loading'])}</p></section>")
    return ("<!DOCTYPE html>\n"
            f"<html lang=\"{esc(lang)}\"><head><meta charset=\"utf-8\">"
            f"<meta http-equiv=\"Content-Security-Policy\" content=\"{esc(_csp(js))}\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            "<meta name=\"referrer\" content=\"no-referrer\">"
            f"<title>{esc(w['title'])}</title><style>{style_text()}</style></head><body>"
            f"{header}<main>{summary}{toc}{detail}</main>"
            f"<script type=\"application/json\" id=\"{PAYLOAD_ID}\">{embed_payload(payload, config)}</script>"
            f"<script>{js}</script></body></html>\n")


_LEGACY_ORDER = ("out", "lang", "top_k", "progress", "matches", "leads", "config")


def report(claims, index, *legacy, out="report.html", top_k: int = 5, config: ReportConfig | None = None,
           lang: str = "vi", progress=None, matches: pl.DataFrame | None = None,
           leads: pl.DataFrame | None = None, load_reports=(), decisions=None) -> Path:
    """Write the officer's review report to `out` (atomically) and return its Path.

    `claims`: a claims frame or anything `read_claims` accepts. `matches` / `leads`: already computed
    `rc.match` / `rc.leads` frames for these claims (the same pair scoring reused: nothing is scored
    again); each is computed here only when not given. `load_reports`: `io.LoadReport`s of the inputs
    (`read_claims(..., report=True)`), each shown as a line in the summary. `decisions` (a decisions.db
    path or `reconcile.decisions.Decisions`): officers' decisions applied to both frames, as `match` and
    `leads` apply them (rejected pairs gone, a decided claim shows its decision). The old positional form
    `report(claims, index, out, lang, top_k, progress, matches, leads, config)` still works."""
    if legacy:
        if len(legacy) > len(_LEGACY_ORDER):
            raise TypeError(f"report() takes at most {2 + len(_LEGACY_ORDER)} positional arguments")
        given = dict(zip(_LEGACY_ORDER, legacy))
        out = given.get("out", out)
        lang = given.get("lang", lang)
        top_k = given.get("top_k", top_k)
        progress = given.get("progress", progress)
        matches = given.get("matches", matches)
        leads = given.get("leads", leads)
        config = given.get("config", config)
    config = config or ReportConfig()
    words(lang)
    claims = claims_frame(claims)
    if matches is None and leads is None:     # each batch of claims scored once, for both
        from reconcile.batches import match_and_leads

        matches, leads = match_and_leads(claims, index, top_k=top_k, leads_top_k=max(top_k, 10), lang=lang,
                                         progress=progress)
    if matches is None:
        from reconcile.matching import match

        matches = match(claims, index, top_k=top_k, lang=lang, progress=progress)
    if leads is None:
        from reconcile.leads import leads as make_leads

        leads = make_leads(claims, index, top_k=max(top_k, 10), lang=lang, progress=progress)
    if decisions is not None:
        from reconcile.decisions import apply_to_leads, apply_to_matches

        matches, leads = apply_to_matches(matches, decisions), apply_to_leads(leads, decisions)
    text = render_html(claims, matches, leads, index, lang, config, progress=progress, load_reports=load_reports)
    return write_text(text, out)


__all__ = ["STRINGS", "PAYLOAD_ID", "build_payload", "embed_payload", "read_payload", "expand", "render_html",
           "report", "esc", "fold_search", "json_for_html", "place_key", "evidence_rows", "kin_pairs",
           "field_label", "evidence_words", "one_year", "claims_frame", "script_text", "style_text"]
