"""Self-contained offline HTML review report for verification officers.

Owns: turning claims + `match` + `leads` frames (DESIGN.md contracts) into ONE html file that opens
from a USB stick with no network: inline CSS, inline SVG charts (evidence waterfall, kinship picture)
and a little vanilla JS that only reads `data-` attributes (no data is embedded in script).
Every value is escaped with `html.escape(quote=True)`; bidi/control characters are made visible;
a Content-Security-Policy allows only this file's own script (by hash) and no network at all.
Vietnamese by default, English with `lang="en"`. Nothing is logged but counts.
Size: about 20 kB per claim (300 claims ≈ 6 MB, rendered in ~1 s); for thousands of claims write one
report per commune or district (filter the claims frame) so the file stays quick to open.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import math
import os
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import polars as pl

from reconcile.progress import resolve as _resolve_progress

# ------------------------------------------------------------------------------------------
# Configuration and words
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportConfig:
    """Thresholds that sort claims into the three review piles, and display bounds."""

    likely: float = 0.80          # top candidate at least this probable -> "likely match"
    relatives: float = 0.20       # else a relative/household lead at least this probable -> "verify via relatives"
    charts_for: int = 3           # evidence waterfalls for the top N candidates of a claim ...
    chart_min_probability: float = 0.05  # ... beyond the first, only if this probable (else words only)
    kin_for: int = 2              # kinship pictures for the top N candidates (if probable enough)
    kin_min_probability: float = 0.02
    kin_link_score: float = 80.0  # rapidfuzz score (0..100) to link a claimed and a registered relative
    name_chars: int = 34          # characters of a name shown in a kinship box (full text in a tooltip)


STATUSES = ("likely", "relatives", "none")

STRINGS: dict[str, dict[str, str]] = {
    "vi": {
        "title": "Báo cáo xác minh nhân thân",
        "subtitle": "Đối chiếu lời khai với cơ sở dữ liệu dân cư. Xác suất là ước lượng, không phải kết luận: luôn xác minh trực tiếp trước khi ghi nhận.",
        "generated": "Lập lúc",
        "summary": "Tổng hợp",
        "claims": "Lời khai",
        "n_claims": "Số lời khai",
        "likely": "Có khả năng trùng khớp",
        "relatives": "Cần xác minh qua người thân",
        "none": "Chưa có đầu mối",
        "all": "Tất cả",
        "by_place": "Theo nơi ở hiện tại",
        "place": "Nơi",
        "unknown_place": "(không khai nơi ở)",
        "search": "Tìm theo tên hoặc mã lời khai…",
        "search_label": "Tìm kiếm",
        "filter": "Lọc",
        "shown": "Đang hiển thị",
        "toc": "Danh sách lời khai",
        "claim_id": "Mã lời khai",
        "name": "Họ tên",
        "status": "Kết luận sơ bộ",
        "best": "Ứng viên tốt nhất",
        "probability": "Xác suất",
        "claim_as_given": "Lời khai",
        "aliases": "Tên khác",
        "sex": "Giới tính",
        "birth": "Năm sinh",
        "age": "Tuổi (ước tính)",
        "zodiac": "Tuổi con giáp",
        "ethnicity": "Dân tộc",
        "hometown": "Quê quán",
        "residence": "Nơi ở hiện tại",
        "recorded_on": "Ngày ghi lời khai",
        "claimed_relatives": "Người thân được khai",
        "none_given": "(không khai)",
        "candidates": "Ứng viên trong CSDL dân cư",
        "no_candidates": "Không tìm thấy ứng viên nào đủ gần. Không gán danh tính cho người này.",
        "rank": "Hạng",
        "person_id": "Số định danh",
        "household": "Số hộ khẩu",
        "none_of_them": "Không phải ai trong số này",
        "evidence": "Bằng chứng từng trường",
        "evidence_for": "Bằng chứng cho ứng viên",
        "total": "Tổng trọng số",
        "competitors": "Xác suất của ứng viên hạng 1 ({p}) đã tính đến {k} ứng viên khác và khả năng người khai không có trong CSDL ({none}).",
        "weight_note": "Thanh xanh: ủng hộ trùng khớp; thanh đỏ: chống lại. Đơn vị: log₂ tỉ số khả năng.",
        "kinship": "Gia đình: lời khai và đăng ký",
        "kin_claimed": "Theo lời khai",
        "kin_registered": "Theo đăng ký",
        "kin_note": "Đường nối: người thân khai trùng tên với người thân đã đăng ký.",
        "kin_none": "CSDL không có người thân nào của ứng viên này.",
        "leads": "Đầu mối xác minh",
        "no_leads": "Không có đầu mối.",
        "kind": "Loại",
        "who_where": "Người / hộ / nơi",
        "relation": "Quan hệ",
        "reason": "Lý do",
        "kind_self": "Chính người này",
        "kind_relative": "Người thân",
        "kind_household": "Hộ gia đình",
        "kind_place": "Địa bàn",
        "prev": "← Trước",
        "next": "Sau →",
        "top": "↑ Đầu trang",
        "rel_father": "Cha",
        "rel_mother": "Mẹ",
        "rel_spouse": "Vợ/chồng",
        "rel_child": "Con",
        "rel_sibling": "Anh/chị/em",
        "rel_grandparent": "Ông/bà",
        "rel_grandchild": "Cháu",
        "claimant": "Người khai",
        "candidate": "Ứng viên",
        "sex_M": "Nam",
        "sex_F": "Nữ",
        "f_name": "Họ tên",
        "f_alias": "Tên khác",
        "f_birth": "Năm sinh",
        "f_birth_year": "Năm sinh",
        "f_zodiac": "Con giáp",
        "f_sex": "Giới tính",
        "f_ethnicity": "Dân tộc",
        "f_hometown": "Quê quán",
        "f_residence": "Nơi ở",
        "f_relatives": "Người thân",
        "f_father": "Cha",
        "f_mother": "Mẹ",
        "f_spouse": "Vợ/chồng",
        "f_child": "Con",
        "f_children": "Con",
        "f_sibling": "Anh/chị/em",
        "f_siblings": "Anh/chị/em",
        "f_household": "Hộ khẩu",
        "f_prior": "Tiên nghiệm",
        "noscript": "Bật JavaScript để tìm kiếm và lọc; nội dung báo cáo vẫn đọc được đầy đủ.",
    },
    "en": {
        "title": "Identity verification report",
        "subtitle": "Claims compared with the population register. Probabilities are estimates, not conclusions: always verify in person before recording an identity.",
        "generated": "Generated",
        "summary": "Summary",
        "claims": "Claims",
        "n_claims": "Claims",
        "likely": "Likely match",
        "relatives": "Verify through relatives",
        "none": "No lead yet",
        "all": "All",
        "by_place": "By current residence",
        "place": "Place",
        "unknown_place": "(residence not given)",
        "search": "Search by name or claim id…",
        "search_label": "Search",
        "filter": "Filter",
        "shown": "Showing",
        "toc": "Claims",
        "claim_id": "Claim id",
        "name": "Name",
        "status": "First assessment",
        "best": "Best candidate",
        "probability": "Probability",
        "claim_as_given": "The claim as given",
        "aliases": "Other names",
        "sex": "Sex",
        "birth": "Birth",
        "age": "Age (estimate)",
        "zodiac": "Zodiac year",
        "ethnicity": "Ethnicity",
        "hometown": "Home town",
        "residence": "Current residence",
        "recorded_on": "Recorded on",
        "claimed_relatives": "Relatives named",
        "none_given": "(none given)",
        "candidates": "Candidates in the population register",
        "no_candidates": "No candidate is close enough. Do not assign an identity to this person.",
        "rank": "Rank",
        "person_id": "Person id",
        "household": "Household",
        "none_of_them": "None of these people",
        "evidence": "Evidence field by field",
        "evidence_for": "Evidence for candidate",
        "total": "Total weight",
        "competitors": "The first candidate's probability ({p}) weighs it against {k} other candidate(s) and the chance that the claimant is not in the register ({none}).",
        "weight_note": "Green bars support the match; red bars count against it. Unit: log₂ likelihood ratio.",
        "kinship": "Family: claimed and registered",
        "kin_claimed": "As claimed",
        "kin_registered": "As registered",
        "kin_note": "Lines join a claimed relative to a registered relative with a matching name.",
        "kin_none": "The register holds no relatives of this candidate.",
        "leads": "Verification leads",
        "no_leads": "No leads.",
        "kind": "Kind",
        "who_where": "Person / household / place",
        "relation": "Relation",
        "reason": "Reason",
        "kind_self": "This person",
        "kind_relative": "Relative",
        "kind_household": "Household",
        "kind_place": "Place",
        "prev": "← Previous",
        "next": "Next →",
        "top": "↑ Top",
        "rel_father": "Father",
        "rel_mother": "Mother",
        "rel_spouse": "Spouse",
        "rel_child": "Child",
        "rel_sibling": "Sibling",
        "rel_grandparent": "Grandparent",
        "rel_grandchild": "Grandchild",
        "claimant": "Claimant",
        "candidate": "Candidate",
        "sex_M": "Male",
        "sex_F": "Female",
        "f_name": "Name",
        "f_alias": "Other name",
        "f_birth": "Birth year",
        "f_birth_year": "Birth year",
        "f_zodiac": "Zodiac",
        "f_sex": "Sex",
        "f_ethnicity": "Ethnicity",
        "f_hometown": "Home town",
        "f_residence": "Residence",
        "f_relatives": "Relatives",
        "f_father": "Father",
        "f_mother": "Mother",
        "f_spouse": "Spouse",
        "f_child": "Child",
        "f_children": "Children",
        "f_sibling": "Sibling",
        "f_siblings": "Siblings",
        "f_household": "Household",
        "f_prior": "Prior",
        "noscript": "Turn on JavaScript to search and filter; the report itself reads fully without it.",
    },
}


def _words(lang: str) -> dict[str, str]:
    if lang not in STRINGS:
        raise ValueError(f"report: unknown language {lang!r}; use 'vi' (Vietnamese) or 'en' (English)")
    return STRINGS[lang]


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


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def fold_search(text: str | None) -> str:
    """Lowercase, tone-less form used for the client-side search (JS folds the query the same way)."""
    if not text:
        return ""
    t = unicodedata.normalize("NFD", str(text).replace("đ", "d").replace("Đ", "D"))
    t = "".join(ch for ch in t if not unicodedata.combining(ch))
    return " ".join(t.lower().split())


def _pct(p: float | None) -> str:
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "–"
    if 0 < p < 0.01:
        return "<1%"
    if 0.99 < p < 1:
        return ">99%"
    return f"{100 * p:.0f}%"


def _num(w: float | None) -> str:
    if w is None or (isinstance(w, float) and math.isnan(w)):
        return "–"
    return f"{w:+.1f}".replace("-", "−")


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


def _claims_frame(claims) -> pl.DataFrame:
    if not isinstance(claims, pl.DataFrame):
        from reconcile.io import read_claims

        claims = read_claims(claims)
    df = _with_cols(claims, _CLAIM_COLS)
    if "relatives" not in df.columns:
        df = df.with_columns(pl.lit(None).alias("relatives"))
    return df


# ------------------------------------------------------------------------------------------
# Classification and places
# ------------------------------------------------------------------------------------------


def claim_status(claims: pl.DataFrame, matches: pl.DataFrame, leads: pl.DataFrame,
                 config: ReportConfig = ReportConfig()) -> pl.DataFrame:
    """`claim_id`, `top_p`, `p_none`, `status` (likely | relatives | none) for every claim.

    likely: the best candidate reaches `config.likely`; relatives: otherwise, a relative or household
    lead reaches `config.relatives`; none: neither (at most a place to ask)."""
    top = (matches.filter(pl.col("rank") == pl.col("rank").min().over("claim_id"))
           .group_by("claim_id").agg(pl.col("probability").max().alias("top_p"),
                                     pl.col("p_none").first().alias("p_none")))
    kin = (leads.filter(pl.col("kind").is_in(["relative", "household"])
                        & (pl.col("probability").fill_null(0.0) >= config.relatives))
           .select("claim_id").unique().with_columns(pl.lit(True).alias("_kin")))
    return (claims.select("claim_id")
            .join(top, on="claim_id", how="left")
            .join(kin, on="claim_id", how="left")
            .with_columns(
                pl.when(pl.col("top_p") >= config.likely).then(pl.lit("likely"))
                .when(pl.col("_kin").fill_null(False)).then(pl.lit("relatives"))
                .otherwise(pl.lit("none")).alias("status"))
            .drop("_kin"))


def place_key(residence: str | None, lang: str = "vi") -> str | None:
    """Where a claimant lives, at district level: "Huyện Krông Năng, tỉnh Đắk Lắk" from the gazetteer
    (so differently written addresses group together), else the last two parts as written."""
    if not residence:
        return None
    text = " ".join(unicodedata.normalize("NFC", residence).split())
    try:
        from reconcile import places

        res = places.resolve(text)
        district = getattr(res, "district_name", None)
        now = tuple(getattr(res, "now", ()) or ())
        if district and len(now) == 1:
            return f"{district}, {places.label(now[0], lang)}"
    except Exception:  # noqa: BLE001 - the gazetteer is a convenience here; fall back to the text
        pass
    parts = [p.strip() for p in text.split(",") if p.strip()]
    return ", ".join(parts[-2:]) if parts else None


# ------------------------------------------------------------------------------------------
# Evidence waterfall (inline SVG bars)
# ------------------------------------------------------------------------------------------


def _field_label(field: str | None, w: dict, lang: str) -> str:
    """Officer's word for a model field: explain.FIELD_LABELS first, then this module's words."""
    if not field:
        return "?"
    try:
        from reconcile.explain import FIELD_LABELS

        label = FIELD_LABELS.get(lang, {}).get(field)
        if label:
            return label
    except ImportError:  # explain still a stub
        pass
    key = f"f_{field}"
    if key in w:
        return w[key]
    return w.get(f"f_{field.split(':')[0].split('_')[0]}", field)


_TRAILING_WEIGHT = re.compile(r"\s*[+−-]?\d+(?:[.,]\d+)?\s*$")


def _evidence_words(text: str) -> str:
    """The evidence sentence without the weight the model appends (the chart shows it)."""
    return _TRAILING_WEIGHT.sub("", text).strip() or text


def _sign_class(v) -> str:
    v = float(v or 0.0)
    return "pos" if v > 0.05 else ("neg" if v < -0.05 else "zero")


def waterfall_html(detail: list[dict], total: float | None, w: dict, lang: str = "vi",
                   config: ReportConfig = ReportConfig(), caption: str = "") -> str:
    """Waterfall of field contributions: a table (field, words that wrap, bar, +/−weight) whose bar
    cells are inline SVGs sharing one scale; each bar starts where the running sum stood."""
    rows = [d for d in (detail or []) if d is not None]
    bar_w, h = 300, 24
    weights = [float(d.get("weight") or 0.0) for d in rows]
    sums = [0.0]
    for v in weights:
        sums.append(sums[-1] + v)
    tot = sums[-1] if total is None or (isinstance(total, float) and math.isnan(total)) else float(total)
    lo, hi = min(*sums, tot, 0.0), max(*sums, tot, 0.0)
    span = (hi - lo) or 1.0

    def x(v: float) -> float:
        return 4 + (v - lo) / span * (bar_w - 8)

    def bar(a: float, b: float, cls: str) -> str:
        return (f'<svg aria-hidden="true"><line x1="{x(0):.0f}" y1="0" x2="{x(0):.0f}" y2="{h}" class="axis"/>'
                f'<line x1="{x(a):.0f}" y1="0" x2="{x(a):.0f}" y2="{h}" class="link"/>'
                f'<rect x="{min(x(a), x(b)):.1f}" y="5" width="{max(abs(x(b) - x(a)), 1.5):.1f}" height="{h - 10}"'
                f' class="{cls}"/></svg>')

    body = []
    for i, (d, v) in enumerate(zip(rows, weights)):
        cls = _sign_class(v)
        words = _evidence_words(str(d.get("text") or ""))
        body.append(f'<tr class="{cls}"><th scope="row">{esc(_field_label(d.get("field"), w, lang))}</th>'
                    f'<td class="wfw">{esc(words)}</td><td class="wfb">{bar(sums[i], sums[i + 1], cls)}</td>'
                    f'<td class="n fn {cls}">{esc(_num(v))}</td></tr>')
    tcls = "pos" if tot > 0 else "neg"
    body.append(f'<tr class="total"><th scope="row" colspan="2">{esc(w["total"])}</th>'
                f'<td class="wfb">{bar(0.0, tot, tcls + " tot")}</td><td class="n fn">{esc(_num(tot))}</td></tr>')
    return f'<table class="wf" aria-label="{esc(caption)}">{"".join(body)}</table>'


# ------------------------------------------------------------------------------------------
# Kinship: claimed family beside the registered family
# ------------------------------------------------------------------------------------------

_REL_COMPATIBLE = {"father": {"father"}, "mother": {"mother"}, "spouse": {"spouse"},
                   "child": {"child"}, "sibling": {"sibling"}}


def _norm(text: str | None) -> str:
    return " ".join(unicodedata.normalize("NFC", str(text or "")).lower().split())


def link_relatives(claimed: list[dict], registered: list[dict], threshold: float = 80.0) -> list[tuple[int, int, float]]:
    """Greedy one-to-one links (claimed index, registered index, score 0..100) between relatives of a
    compatible relation whose folded names are alike; a one-word claimed name may match the given name."""
    from rapidfuzz import fuzz

    scored = []
    for i, c in enumerate(claimed):
        cn = fold_search(c.get("name"))
        if not cn:
            continue
        ok = _REL_COMPATIBLE.get(c.get("relation") or "", set())
        for j, r in enumerate(registered):
            if r.get("relation") not in ok:
                continue
            rn = fold_search(r.get("name"))
            if not rn:
                continue
            s = fuzz.token_sort_ratio(cn, rn)
            if len(cn.split()) == 1 and rn.split() and fuzz.ratio(cn, rn.split()[-1]) >= 90:
                s = max(s, 85.0)
            if s >= threshold:
                tone = fuzz.ratio(_norm(c.get("name")), _norm(r.get("name")))  # tones break ties
                scored.append((s, tone, i, j))
    links, used_c, used_r = [], set(), set()
    for s, _, i, j in sorted(scored, key=lambda t: (-t[0], -t[1], t[2], t[3])):
        if i in used_c or j in used_r:
            continue
        used_c.add(i)
        used_r.add(j)
        links.append((i, j, float(s)))
    return links


def kinship_svg(claim_name: str, claimed: list[dict], cand_name: str, registered: list[dict], w: dict,
                config: ReportConfig = ReportConfig(), caption: str = "") -> str:
    """Two columns of boxes: the claimant and claimed relatives (left), the candidate and registered
    relatives (right); linked pairs are drawn on the same row joined by a line."""
    links = link_relatives(claimed, registered, config.kin_link_score)
    left_order = [i for i, _, _ in links] + [i for i in range(len(claimed)) if i not in {a for a, _, _ in links}]
    right_linked = [j for _, j, _ in links]
    right_rest = [j for j in range(len(registered)) if j not in set(right_linked)]
    nrows = max(len(left_order), len(right_linked) + len(right_rest))
    box_w, box_h, gap, lx, rx, top = 270, 40, 10, 10, 420, 70
    width = rx + box_w + 10
    height = top + (box_h + gap) * max(nrows, 1) + 10
    out = [f'<svg class="kin" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}"'
           f' xmlns="http://www.w3.org/2000/svg"><title>{esc(caption)}</title>',
           f'<text x="{lx}" y="14" class="kh">{esc(w["kin_claimed"])}</text>',
           f'<text x="{rx}" y="14" class="kh">{esc(w["kin_registered"])}</text>']

    def box(x0: float, y0: float, role: str, name: str | None, by, cls: str) -> str:
        name = str(name or "")
        year = "" if by is None else f" ({by})"
        return (f'<g class="{cls}"><title>{esc(role)}: {esc(name)}{esc(year)}</title>'
                f'<rect x="{x0}" y="{y0}" width="{box_w}" height="{box_h}" rx="5"/>'
                f'<text x="{x0 + 8}" y="{y0 + 15}" class="kr">{esc(role)}</text>'
                f'<text x="{x0 + 8}" y="{y0 + 32}" class="kn">{esc(_short(name, config.name_chars))}{esc(year)}</text></g>')

    out.append(box(lx, 20, w["claimant"], claim_name, None, "kb me"))
    out.append(box(rx, 20, w["candidate"], cand_name, None, "kb me"))
    out.append(f'<line x1="{lx + box_w}" y1="{20 + box_h / 2}" x2="{rx}" y2="{20 + box_h / 2}" class="kl me"/>')

    def rel_word(r: dict) -> str:
        rel = r.get("relation") or ""
        return w.get(f"rel_{rel}", rel)

    for row, i in enumerate(left_order):
        y0 = top + row * (box_h + gap)
        c = claimed[i]
        linked = any(a == i for a, _, _ in links)
        out.append(box(lx, y0, rel_word(c), c.get("name"), c.get("birth_year"), "kb linked" if linked else "kb"))
    for row, j in enumerate(right_linked + right_rest):
        y0 = top + row * (box_h + gap)
        r = registered[j]
        linked = j in right_linked
        out.append(box(rx, y0, rel_word(r), r.get("name"), r.get("birth_year"), "kb linked" if linked else "kb"))
    for row, (_, _, s) in enumerate(links):
        y = top + row * (box_h + gap) + box_h / 2
        out.append(f'<line x1="{lx + box_w}" y1="{y}" x2="{rx}" y2="{y}" class="kl"/>'
                   f'<text x="{(lx + box_w + rx) / 2}" y="{y - 4}" class="ks" text-anchor="middle">{s:.0f}%</text>')
    out.append("</svg>")
    return "".join(out)


def _registered_relatives(index, person_ids: list[str]) -> dict[str, list[dict]]:
    """person_id -> registered relatives (relation, name, birth_year) from `index.kin`, deduplicated."""
    if index is None or not person_ids or getattr(index, "kin", None) is None:
        return {}
    people = index.people
    if "pidx" not in people.columns:
        people = people.with_row_index("pidx")
    ids = (people.select(pl.col("person_id").cast(pl.Utf8), pl.col("pidx").cast(pl.UInt32))
           .filter(pl.col("person_id").is_in(person_ids)))
    kin = index.kin
    need = {"pidx", "relation", "name"}
    if not need <= set(kin.columns) or ids.height == 0:
        return {}
    kin = kin.with_columns(pl.col("pidx").cast(pl.UInt32))
    if "birth_year" not in kin.columns:
        kin = kin.with_columns(pl.lit(None, dtype=pl.Int16).alias("birth_year"))
    rows = (ids.join(kin.select("pidx", "relation", "name", "birth_year"), on="pidx", how="inner")
            .unique(subset=["person_id", "relation", "name"], keep="first", maintain_order=True))
    order = {r: k for k, r in enumerate(["father", "mother", "spouse", "sibling", "child", "grandparent",
                                          "grandchild"])}
    out: dict[str, list[dict]] = {}
    for r in rows.iter_rows(named=True):
        out.setdefault(r["person_id"], []).append({"relation": r["relation"], "name": r["name"],
                                                   "birth_year": r["birth_year"]})
    for v in out.values():
        v.sort(key=lambda r: (order.get(r["relation"], 99), r["birth_year"] or 0))
    return out


# ------------------------------------------------------------------------------------------
# HTML pieces
# ------------------------------------------------------------------------------------------

_CSS = """
:root{--ink:#1d2630;--muted:#5b6673;--line:#d5dbe1;--bg:#f6f7f9;--pos:#2e7d32;--neg:#c62828;--likely:#1b5e20;
--rel:#8a5a00;--none:#6b6b6b;--accent:#0d47a1}
*{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,"Segoe UI",Roboto,"Noto Sans",Arial,sans-serif;
color:var(--ink);background:var(--bg)}
header.top{position:sticky;top:0;z-index:5;background:#fff;border-bottom:1px solid var(--line);padding:.6rem 1rem}
header.top h1{font-size:1.25rem;margin:0 0 .2rem}.sub{color:var(--muted);margin:0 0 .4rem;font-size:.9rem}
.controls{display:flex;flex-wrap:wrap;gap:.4rem;align-items:center}
.controls input{font:inherit;padding:.35rem .6rem;min-width:18rem;border:1px solid #9aa5b1;border-radius:4px}
.controls button{font:inherit;padding:.3rem .7rem;border:1px solid #9aa5b1;background:#fff;border-radius:4px;cursor:pointer}
.controls button[aria-pressed=true]{background:var(--accent);color:#fff;border-color:var(--accent)}
#shown{color:var(--muted);margin-left:.5rem}
main{max-width:1100px;margin:0 auto;padding:1rem}
section.card{background:#fff;border:1px solid var(--line);border-radius:6px;padding:1rem;margin:0 0 1rem}
h2{font-size:1.15rem;margin:.1rem 0 .6rem}h3{font-size:1rem;margin:1rem 0 .4rem}
.tiles{display:flex;flex-wrap:wrap;gap:.6rem}.tile{flex:1 1 10rem;border:1px solid var(--line);border-radius:6px;padding:.6rem}
.tile b{display:block;font-size:1.6rem}.tile.likely b{color:var(--likely)}.tile.relatives b{color:var(--rel)}.tile.none b{color:var(--none)}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.3rem .45rem;border-bottom:1px solid var(--line);vertical-align:top}
th{background:#eef1f4;font-weight:600}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;padding:.05rem .45rem;border-radius:3px;font-size:.8rem;color:#fff;white-space:nowrap}
.badge.likely{background:var(--likely)}.badge.relatives{background:var(--rel)}.badge.none{background:var(--none)}
.claimhead{display:flex;flex-wrap:wrap;justify-content:space-between;gap:.5rem;align-items:baseline}
.nav a{margin-left:.6rem}dl.given{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem;margin:0}
dl.given dt{color:var(--muted)}dl.given dd{margin:0}
.val,td,dd,.kn{overflow-wrap:anywhere}
.bar{display:inline-block;height:.7rem;background:var(--accent);vertical-align:middle;margin-right:.35rem;border-radius:2px}
table.leads td.who{min-width:13rem;max-width:20rem}table.leads td:nth-child(2){white-space:nowrap}table.leads .place{color:var(--muted);font-size:.85rem}
tr.nonerow td{color:var(--muted);font-style:italic}
.note{color:var(--muted);font-size:.85rem;margin:.2rem 0}
.warn{color:var(--neg);font-weight:600}
.charts{overflow-x:auto}
svg{max-width:100%;height:auto;font-family:inherit}
table.wf{width:auto;max-width:100%}table.wf th,table.wf td{border:0;padding:.1rem .45rem;vertical-align:middle}
table.wf th{background:none;white-space:nowrap}table.wf .wfw{color:var(--muted);font-size:.88rem;max-width:28rem}
table.wf .wfb{padding:0;line-height:0}table.wf svg{display:block;max-width:none;width:300px;height:24px}
table.wf tr.total th,table.wf tr.total td{border-top:1px solid var(--line)}
.fn{font-weight:600;white-space:nowrap}.fn.pos{color:var(--pos)}.fn.neg{color:var(--neg)}.fn.zero{color:var(--muted)}
svg rect.pos{fill:var(--pos)}svg rect.neg{fill:var(--neg)}svg rect.zero{fill:#9e9e9e}
svg rect.tot{opacity:.75}svg .axis{stroke:#9aa5b1;stroke-dasharray:3 3}svg .link{stroke:#9aa5b1}
svg .kh{font-size:13px;font-weight:700;fill:var(--muted)}svg .kb rect{fill:#fff;stroke:#9aa5b1}
svg .kb.me rect{fill:#e3ecf8;stroke:var(--accent)}svg .kb.linked rect{fill:#e8f5e9;stroke:var(--pos)}
svg .kr{font-size:11px;fill:var(--muted)}svg .kn{font-size:13px;fill:var(--ink)}
svg .kl{stroke:var(--pos);stroke-width:2}svg .kl.me{stroke:var(--accent);stroke-dasharray:5 4}svg .ks{font-size:11px;fill:var(--pos)}
details>summary{cursor:pointer;color:var(--accent)}
[hidden]{display:none!important}
section.claim,#summary,#toc{scroll-margin-top:8.5rem}
.tocwrap{max-height:60vh;overflow:auto;border:1px solid var(--line)}.tocwrap th{position:sticky;top:0}
@media print{header.top{position:static}.controls,.nav{display:none}section.card{break-inside:avoid-page}}
"""

_JS = """
(function(){
  function fold(s){return (s||'').replace(/[\\u0111\\u0110]/g,'d').normalize('NFD')
    .replace(/[\\u0300-\\u036f]/g,'').toLowerCase().replace(/\\s+/g,' ').trim();}
  var q=document.getElementById('q'), shown=document.getElementById('shown-n');
  var buttons=[].slice.call(document.querySelectorAll('button[data-filter]'));
  var items=[].slice.call(document.querySelectorAll('[data-status][data-search]'));
  var current='all';
  function apply(){
    var term=fold(q.value), n=0;
    items.forEach(function(el){
      var ok=(current==='all'||el.getAttribute('data-status')===current)&&
             (!term||el.getAttribute('data-search').indexOf(term)>=0);
      el.hidden=!ok; if(ok&&el.tagName==='SECTION'){n++;}
    });
    shown.textContent=String(n);
  }
  buttons.forEach(function(b){b.addEventListener('click',function(){
    current=b.getAttribute('data-filter');
    buttons.forEach(function(o){o.setAttribute('aria-pressed',o===b?'true':'false');});
    apply();});});
  q.addEventListener('input',apply);
  document.addEventListener('keydown',function(e){
    if(e.key==='/'&&document.activeElement!==q){e.preventDefault();q.focus();}});
  apply();
})();
"""


def _rel_list(value) -> list[dict]:
    """A list of dicts from a polars list value, or from the JSON text CSV writers use for nested columns."""
    if value is None:
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
        if not isinstance(value, list):
            return []
    if hasattr(value, "to_list"):
        value = value.to_list()
    return [r for r in value if isinstance(r, dict)]


def _birth_text(c: dict, w: dict) -> str:
    if c.get("birth_date"):
        return str(c["birth_date"])
    if c.get("birth_year") is not None:
        return str(c["birth_year"])
    lo, hi = c.get("birth_year_min"), c.get("birth_year_max")
    if lo is not None or hi is not None:
        return f"{lo if lo is not None else '…'}–{hi if hi is not None else '…'}"
    return ""


def _claim_given_html(c: dict, w: dict) -> str:
    rows = []

    def add(key: str, value) -> None:
        if value is None or value == "" or value == []:
            return
        rows.append(f"<dt>{esc(w[key])}</dt><dd class=\"val\"><bdi>{esc(value)}</bdi></dd>")

    add("name", c.get("name"))
    aliases = c.get("aliases") or []
    if hasattr(aliases, "to_list"):
        aliases = aliases.to_list()
    add("aliases", "; ".join(str(a) for a in aliases if a))
    sex = c.get("sex")
    add("sex", w.get(f"sex_{sex}", sex) if sex else None)
    add("birth", _birth_text(c, w))
    if c.get("age") is not None:
        age = c["age"]
        add("age", f"{age:g}" if isinstance(age, float) else age)
    add("zodiac", c.get("zodiac"))
    add("ethnicity", c.get("ethnicity"))
    add("hometown", c.get("claimed_hometown"))
    add("residence", c.get("residence"))
    add("recorded_on", c.get("recorded_on"))
    rels = _rel_list(c.get("relatives"))
    if rels:
        items = "".join(
            f"<li>{esc(w.get('rel_' + str(r.get('relation')), r.get('relation')))}: <bdi>{esc(r.get('name'))}</bdi>"
            + (f" ({esc(r.get('birth_year'))})" if r.get("birth_year") is not None else "") + "</li>"
            for r in rels)
        rows.append(f"<dt>{esc(w['claimed_relatives'])}</dt><dd><ul>{items}</ul></dd>")
    else:
        rows.append(f"<dt>{esc(w['claimed_relatives'])}</dt><dd>{esc(w['none_given'])}</dd>")
    return f"<h3>{esc(w['claim_as_given'])}</h3><dl class=\"given\">{''.join(rows)}</dl>"


def _candidates_html(c: dict, cands: list[dict], kin: dict[str, list[dict]], w: dict, config: ReportConfig,
                     lang: str) -> str:
    parts = [f"<h3>{esc(w['candidates'])}</h3>"]
    if not cands:
        parts.append(f"<p class=\"warn\">{esc(w['no_candidates'])}</p>")
        return "".join(parts)
    head = (f"<tr><th class=\"n\">{esc(w['rank'])}</th><th>{esc(w['name'])}</th><th>{esc(w['birth'])}</th>"
            f"<th>{esc(w['person_id'])}</th><th>{esc(w['household'])}</th>"
            f"<th class=\"n\">{esc(w['probability'])}</th></tr>")
    body = []
    for m in cands:
        p = m.get("probability") or 0.0
        body.append(f"<tr><td class=\"n\">{esc(m.get('rank'))}</td><td><bdi>{esc(m.get('full_name'))}</bdi></td>"
                    f"<td>{esc(m.get('birth_year'))}</td><td>{esc(m.get('person_id'))}</td>"
                    f"<td>{esc(m.get('household_id'))}</td>"
                    f"<td class=\"n\"><span class=\"bar\" style=\"width:{max(0.0, min(1.0, p)) * 5:.2f}rem\"></span>"
                    f"{esc(_pct(p))}</td></tr>")
    p_none = cands[0].get("p_none")
    if p_none is not None:
        body.append(f"<tr class=\"nonerow\"><td></td><td colspan=\"4\">{esc(w['none_of_them'])}</td>"
                    f"<td class=\"n\"><span class=\"bar\" style=\"width:{max(0.0, min(1.0, p_none)) * 5:.2f}rem;"
                    f"background:#9e9e9e\"></span>{esc(_pct(p_none))}</td></tr>")
    parts.append(f"<table class=\"cands\">{head}{''.join(body)}</table>")
    if p_none is not None:
        note = w["competitors"].format(p=_pct(cands[0].get("probability")), k=len(cands) - 1, none=_pct(p_none))
        parts.append(f"<p class=\"note\">{esc(note)}</p>")

    for k, m in enumerate(cands):
        detail = _rel_list(m.get("evidence_detail"))
        title = f"{w['evidence_for']} {m.get('rank')}: {m.get('full_name') or ''} ({_pct(m.get('probability'))})"
        inner = []
        chart = k < config.charts_for and (k == 0 or (m.get("probability") or 0.0) >= config.chart_min_probability)
        if detail and chart:
            note = f"<p class=\"note\">{esc(w['weight_note'])}</p>" if k == 0 else ""
            inner.append(f"<div class=\"charts\">{waterfall_html(detail, m.get('weight'), w, lang, config, title)}"
                         f"</div>{note}")
        elif detail:
            items = "".join(f"<li><b>{esc(_field_label(d.get('field'), w, lang))}</b> "
                            f"{esc(_evidence_words(str(d.get('text') or '')))} "
                            f"<span class=\"fn {_sign_class(d.get('weight'))}\">{esc(_num(d.get('weight')))}</span></li>"
                            for d in detail)
            inner.append(f"<ul class=\"evidence\">{items}</ul>")
        elif m.get("evidence"):
            items = "".join(f"<li>{esc(s.strip())}</li>" for s in str(m["evidence"]).split(";") if s.strip())
            inner.append(f"<ul class=\"evidence\">{items}</ul>")
        if k < config.kin_for and (m.get("probability") or 0.0) >= config.kin_min_probability:
            regs = kin.get(str(m.get("person_id")), [])
            claimed = _rel_list(c.get("relatives"))
            if regs or claimed:
                cap = f"{w['kinship']}: {c.get('name') or ''} / {m.get('full_name') or ''}"
                inner.append(f"<h4>{esc(w['kinship'])}</h4><div class=\"charts\">"
                             f"{kinship_svg(c.get('name') or '', claimed, m.get('full_name') or '', regs, w, config, cap)}"
                             f"</div><p class=\"note\">{esc(w['kin_note'])}</p>")
            if not regs:
                inner.append(f"<p class=\"note\">{esc(w['kin_none'])}</p>")
        summary = f"{esc(title)}"
        opened = " open" if k == 0 else ""
        parts.append(f"<details class=\"ev\"{opened}><summary>{summary}</summary>{''.join(inner)}</details>")
    return "".join(parts)


def _leads_html(ls: list[dict], w: dict) -> str:
    parts = [f"<h3>{esc(w['leads'])}</h3>"]
    if not ls:
        parts.append(f"<p class=\"note\">{esc(w['no_leads'])}</p>")
        return "".join(parts)
    head = (f"<tr><th class=\"n\">{esc(w['rank'])}</th><th>{esc(w['kind'])}</th><th>{esc(w['who_where'])}</th>"
            f"<th>{esc(w['relation'])}</th><th class=\"n\">{esc(w['probability'])}</th><th>{esc(w['reason'])}</th></tr>")
    body = []
    for r in ls:
        kind = r.get("kind") or ""
        who = []
        if r.get("full_name"):
            who.append(f"<b><bdi>{esc(r['full_name'])}</bdi></b>")
        if r.get("person_id"):
            who.append(esc(r["person_id"]))
        if r.get("household_id"):
            who.append(esc(f"{w['household']} {r['household_id']}"))
        if r.get("place") and (kind == "place" or str(r["place"]) not in str(r.get("reason") or "")):
            who.append(f"<span class=\"place\"><bdi>{esc(r['place'])}</bdi></span>")
        rel = r.get("relation")
        body.append(f"<tr><td class=\"n\">{esc(r.get('rank'))}</td><td>{esc(w.get('kind_' + kind, kind))}</td>"
                    f"<td class=\"who\">{'<br>'.join(who)}</td>"
                    f"<td>{esc(w.get('rel_' + str(rel), rel) if rel else '')}</td>"
                    f"<td class=\"n\">{esc(_pct(r.get('probability')))}</td><td>{esc(r.get('reason'))}</td></tr>")
    parts.append(f"<table class=\"leads\">{head}{''.join(body)}</table>")
    return "".join(parts)


def _csp(script: str) -> str:
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    return (f"default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
            f"script-src 'sha256-{digest}'; base-uri 'none'; form-action 'none'")


def render_html(claims: pl.DataFrame, matches: pl.DataFrame, leads: pl.DataFrame, index=None, lang: str = "vi",
                config: ReportConfig = ReportConfig(), generated: datetime | None = None, progress=None) -> str:
    """The whole report as one HTML string (pure: frames in, text out)."""
    w = _words(lang)
    tick = _resolve_progress(progress)
    claims = _claims_frame(claims)
    matches = _with_cols(matches, _MATCH_COLS)
    leads = _with_cols(leads, _LEAD_COLS)
    status = claim_status(claims, matches, leads, config)
    status_of = dict(zip(status["claim_id"].to_list(), status["status"].to_list()))

    by_claim_m: dict[str, list[dict]] = {}
    for m in matches.sort("claim_id", "rank").iter_rows(named=True):
        by_claim_m.setdefault(m["claim_id"], []).append(m)
    by_claim_l: dict[str, list[dict]] = {}
    for r in leads.sort("claim_id", "rank").iter_rows(named=True):
        by_claim_l.setdefault(r["claim_id"], []).append(r)
    kin_ids = sorted({str(m["person_id"]) for ms in by_claim_m.values() for m in ms[: config.kin_for]
                      if m.get("person_id") is not None})
    kin = _registered_relatives(index, kin_ids)

    rows = claims.to_dicts()
    n = len(rows)
    counts = {s: sum(1 for r in rows if status_of.get(r["claim_id"]) == s) for s in STATUSES}

    # --- summary by place
    places: dict[str, dict[str, int]] = {}
    keys = {t: place_key(t, lang) for t in {r.get("residence") for r in rows} if t}  # distinct texts only
    for r in rows:
        key = keys.get(r.get("residence")) or w["unknown_place"]
        d = places.setdefault(key, {s: 0 for s in STATUSES})
        d[status_of.get(r["claim_id"], "none")] += 1
    place_rows = "".join(
        f"<tr><td><bdi>{esc(k)}</bdi></td><td class=\"n\">{sum(v.values())}</td>"
        + "".join(f"<td class=\"n\">{v[s]}</td>" for s in STATUSES) + "</tr>"
        for k, v in sorted(places.items(), key=lambda kv: (kv[0] == w["unknown_place"], -sum(kv[1].values()), kv[0])))

    tiles = (f"<div class=\"tiles\"><div class=\"tile\"><b>{n}</b>{esc(w['n_claims'])}</div>"
             + "".join(f"<div class=\"tile {s}\"><b>{counts[s]}</b>{esc(w[s])}</div>" for s in STATUSES) + "</div>")
    summary = (f"<section class=\"card\" id=\"summary\"><h2>{esc(w['summary'])}</h2>{tiles}"
               f"<h3>{esc(w['by_place'])}</h3><table class=\"places\"><tr><th>{esc(w['place'])}</th>"
               f"<th class=\"n\">{esc(w['n_claims'])}</th>"
               + "".join(f"<th class=\"n\">{esc(w[s])}</th>" for s in STATUSES)
               + f"</tr>{place_rows}</table></section>")

    # --- table of contents + claim sections
    toc_rows, sections = [], []
    for k, c in enumerate(rows):
        cid = c["claim_id"]
        st = status_of.get(cid, "none")
        ms = by_claim_m.get(cid, [])
        ls = by_claim_l.get(cid, [])
        aliases = c.get("aliases") or []
        search = fold_search(" ".join([str(cid or ""), str(c.get("name") or ""), *[str(a) for a in aliases if a],
                                       *[str(m.get("full_name") or "") for m in ms],
                                       *[str(m.get("person_id") or "") for m in ms]]))
        best = ms[0] if ms else None
        anchor = f"c-{k + 1}"
        toc_rows.append(
            f"<tr data-status=\"{st}\" data-search=\"{esc(search)}\"><td><a href=\"#{anchor}\">{esc(cid)}</a></td>"
            f"<td><bdi>{esc(c.get('name'))}</bdi></td><td><span class=\"badge {st}\">{esc(w[st])}</span></td>"
            f"<td><bdi>{esc(best.get('full_name') if best else '')}</bdi></td>"
            f"<td class=\"n\">{esc(_pct(best.get('probability')) if best else '')}</td></tr>")
        nav = [f"<a href=\"#c-{k}\">{esc(w['prev'])}</a>" if k > 0 else "",
               f"<a href=\"#c-{k + 2}\">{esc(w['next'])}</a>" if k + 1 < n else "",
               f"<a href=\"#top\">{esc(w['top'])}</a>"]
        sections.append(
            f"<section class=\"card claim\" id=\"{anchor}\" data-status=\"{st}\" data-search=\"{esc(search)}\">"
            f"<div class=\"claimhead\"><h2>{esc(cid)} · <bdi>{esc(c.get('name'))}</bdi> "
            f"<span class=\"badge {st}\">{esc(w[st])}</span></h2><span class=\"nav\">{''.join(nav)}</span></div>"
            f"{_claim_given_html(c, w)}{_candidates_html(c, ms, kin, w, config, lang)}{_leads_html(ls, w)}</section>")
        if (k + 1) % 50 == 0 or k + 1 == n:
            tick("report", k + 1, n)
    toc = (f"<section class=\"card\" id=\"toc\"><h2>{esc(w['toc'])}</h2><div class=\"tocwrap\"><table><tr><th>{esc(w['claim_id'])}</th>"
           f"<th>{esc(w['name'])}</th><th>{esc(w['status'])}</th><th>{esc(w['best'])}</th>"
           f"<th class=\"n\">{esc(w['probability'])}</th></tr>{''.join(toc_rows)}</table></div></section>")

    when = (generated or datetime.now(timezone.utc)).strftime("%Y-%m-%d %H:%M UTC")
    buttons = "".join(
        f"<button type=\"button\" data-filter=\"{s}\" aria-pressed=\"{'true' if s == 'all' else 'false'}\">"
        f"{esc(w[s])}</button>" for s in ("all", *STATUSES))
    header = (f"<header class=\"top\" id=\"top\"><h1>{esc(w['title'])}</h1><p class=\"sub\">{esc(w['subtitle'])} "
              f"{esc(w['generated'])}: {esc(when)}.</p><div class=\"controls\" role=\"search\">"
              f"<label for=\"q\" hidden>{esc(w['search_label'])}</label>"
              f"<input id=\"q\" type=\"search\" placeholder=\"{esc(w['search'])}\" autocomplete=\"off\">"
              f"<span>{esc(w['filter'])}:</span>{buttons}<span id=\"shown\">{esc(w['shown'])}: "
              f"<b id=\"shown-n\">{n}</b>/{n}</span></div>"
              f"<noscript><p class=\"note\">{esc(w['noscript'])}</p></noscript></header>")
    return ("<!DOCTYPE html>\n"
            f"<html lang=\"{esc(lang)}\"><head><meta charset=\"utf-8\">"
            f"<meta http-equiv=\"Content-Security-Policy\" content=\"{esc(_csp(_JS))}\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            "<meta name=\"referrer\" content=\"no-referrer\">"
            f"<title>{esc(w['title'])}</title><style>{_CSS}</style></head><body>"
            f"{header}<main>{summary}{toc}{''.join(sections)}</main><script>{_JS}</script></body></html>\n")


def report(claims, index, out="report.html", lang: str = "vi", top_k: int = 5, progress=None,
           matches: pl.DataFrame | None = None, leads: pl.DataFrame | None = None,
           config: ReportConfig = ReportConfig()) -> Path:
    """Write the officer's review report to `out` (atomically) and return its Path.

    `claims`: a claims frame or anything `read_claims` accepts. `matches` / `leads`: precomputed
    `rc.match` / `rc.leads` frames (computed here when not given)."""
    _words(lang)
    claims = _claims_frame(claims)
    if matches is None:
        from reconcile.matching import match

        matches = match(claims, index, top_k=top_k, lang=lang, progress=progress)
    if leads is None:
        from reconcile.leads import leads as make_leads

        leads = make_leads(claims, index, top_k=max(top_k, 10), lang=lang, progress=progress)
    text = render_html(claims, matches, leads, index, lang, config, progress=progress)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            tmp.unlink()
    return out
