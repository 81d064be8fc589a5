"""Places: gazetteer of Vietnam's province-level units 1976–2025 (plus districts and communes where
a permissively licensed source gives them), free-text resolution to those units and to today's
provinces (after 1 July 2025), and lineage compatibility between two place mentions.

Public API
- `resolve(text, as_of=None) -> PlaceResolution`: the units a free-text place can mean.
- `compatibility(a, b) -> int` and `compatibility_expr(...) -> pl.Expr` (Int8 levels, see LEVELS).
- `place_features(df, col, prefix="")`: adds `prov`, `now`, `district`, `commune`, `ambiguous`
  (resolves each distinct string once, then joins back).
- `label(unit_id, lang="vi")`, `today_names(units, lang="vi")`: officer-readable names.

Data: `reconcile/data/places.json` (province-level units, built from the project's research file
by scripts/build_places_data.py) and `reconcile/data/places_admin.parquet` (districts/communes from
the MIT-licensed `vietnamadminunits` package, optional). Unit ids are stable; a name reused for
different land (Lai Châu 1976/2004, Hậu Giang 1976/2004, Đắk Lắk 1976/2004/2025) has several ids
and stays ambiguous unless a date settles it — we never guess.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import polars as pl

__all__ = [
    "PlaceResolution", "resolve", "compatibility", "compatibility_expr", "place_features",
    "label", "today_names", "fold_place", "LEVELS",
]

#: compatibility levels (Int8) used by `compatibility` and `compatibility_expr`
LEVELS = {
    3: "same commune (and compatible province)",
    2: "same historical province-level unit, or same district",
    1: "lineage-compatible: the territories overlap in today's provinces",
    0: "incompatible: no overlap today",
    -1: "missing or unresolved on either side",
}

FUZZY_CUTOFF = 88.0  # rapidfuzz ratio on folded names; below this a typo is not accepted


@dataclass(frozen=True)
class PlaceResolution:
    """What a place mention can mean.

    units: ids of province-level units (historical) the text can mean (empty if unknown);
    now: ids of today's provinces (from 1 July 2025) that contain them;
    district, commune: folded names where recognised, else None;
    ambiguous: True when the units cover different land (e.g. Lai Châu without a date);
    matched_text: the part of the text that named the province (or district/commune);
    how: "exact" | "folded" | "fuzzy" | "district" | "commune" | "none".
    """

    units: tuple[str, ...] = ()
    now: tuple[str, ...] = ()
    district: str | None = None
    commune: str | None = None
    ambiguous: bool = False
    matched_text: str | None = None
    how: str = "none"
    notes: tuple[str, ...] = field(default=(), compare=False)

    @property
    def empty(self) -> bool:
        return not self.units and not self.now


# ---------------------------------------------------------------- folding

def fold_place(text: str) -> str:
    """NFC → lowercase → tones/marks removed, đ→d, punctuation to spaces, spaces collapsed."""
    s = unicodedata.normalize("NFD", unicodedata.normalize("NFC", text).lower())
    s = "".join(c for c in s if not unicodedata.combining(c)).replace("đ", "d").replace("ð", "d")
    s = re.sub(r"[.\-_/'’`]", " ", s)
    return " ".join(s.split())


# level prefixes (folded); order matters: longer first
_COMMUNE_PREFIX = ("thi tran", "phuong", "xa", "tt")
_DISTRICT_PREFIX = ("thi xa", "quan", "huyen", "tx", "h")
_PROVINCE_PREFIX = ("thanh pho truc thuoc trung uong", "thanh pho", "tinh", "tp", "t")
_BELOW_COMMUNE = ("cum dan cu", "thon", "ban", "ap", "to dan pho", "to", "khu pho", "khom",
                  "xom", "lang", "buon", "so nha", "duong", "khu", "doi")


def _strip_prefix(seg: str, prefixes) -> str | None:
    for p in prefixes:
        if seg == p:
            return None
        if seg.startswith(p + " "):
            return seg[len(p) + 1:].strip()
    return None


# ---------------------------------------------------------------- gazetteer

@dataclass(frozen=True)
class _Gazetteer:
    units: dict
    names: dict            # folded spelling -> tuple of unit ids
    nospace: dict          # folded spelling without spaces -> tuple of unit ids
    choices: tuple         # folded spellings for fuzzy matching
    today: frozenset


@lru_cache(maxsize=1)
def _gaz() -> _Gazetteer:
    raw = resources.files("reconcile").joinpath("data/places.json").read_text(encoding="utf-8")
    d = json.loads(raw)
    units = {u["id"]: u for u in d["units"]}
    names: dict[str, set] = {}
    for u in d["units"]:
        for s in u["spellings"]:
            names.setdefault(fold_place(s), set()).add(u["id"])
    for k, ids in d.get("ambiguous_names", {}).items():
        names.setdefault(fold_place(k), set()).update(ids)
    nospace: dict[str, set] = {}
    for k, ids in names.items():
        nospace.setdefault(k.replace(" ", ""), set()).update(ids)
    order = {uid: i for i, uid in enumerate(units)}
    freeze = lambda m: {k: tuple(sorted(v, key=order.__getitem__)) for k, v in m.items()}  # noqa: E731
    return _Gazetteer(units=units, names=freeze(names), nospace=freeze(nospace),
                      choices=tuple(k for k in names if len(k) >= 4),
                      today=frozenset(d["today"]))


def _year(as_of) -> int | None:
    if as_of is None:
        return None
    if isinstance(as_of, int):
        return as_of
    if hasattr(as_of, "year"):
        return int(as_of.year)
    m = re.search(r"(\d{4})", str(as_of))
    return int(m.group(1)) if m else None


def _alive(u: dict, year: int) -> bool:
    for start, end in u["periods"]:
        if (start is None or start <= year) and (end is None or year <= end):
            return True
    return False


def _now_of(ids) -> tuple[str, ...]:
    g = _gaz()
    out: list[str] = []
    for uid in ids:
        for c in g.units[uid]["current_units"] or ([uid] if uid in g.today else []):
            if c not in out:
                out.append(c)
    return tuple(out)


def _is_ambiguous(ids) -> bool:
    g = _gaz()
    return len({frozenset(g.units[u]["current_units"]) for u in ids}) > 1


def _province_lookup(seg: str, fuzzy: bool) -> tuple[tuple[str, ...], str]:
    """Units named by one folded segment (no level prefix): exact folded, no-space, then fuzzy."""
    g = _gaz()
    if seg in g.names:
        return g.names[seg], "folded"
    ns = seg.replace(" ", "")
    if ns in g.nospace:
        return g.nospace[ns], "folded"
    if fuzzy and len(seg) >= 4:
        from rapidfuzz import fuzz, process

        hit = process.extractOne(seg, g.choices, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
        if hit is not None:
            return g.names[hit[0]], "fuzzy"
    return (), "none"


_SPLIT = re.compile(r"[,;()\[\]\n]+")


def resolve(text, as_of=None) -> PlaceResolution:
    """Resolve a free-text place mention to province-level units and today's provinces.

    `as_of` (year, date or "YYYY..." string) keeps only units that existed then, when that leaves
    any. Unknown or empty text gives an empty resolution (never an exception).
    """
    if text is None or not isinstance(text, str) or not text.strip():
        return PlaceResolution()
    return _resolve_cached(unicodedata.normalize("NFC", text.strip()), _year(as_of))


@lru_cache(maxsize=200_000)
def _resolve_cached(text: str, year: int | None) -> PlaceResolution:
    g = _gaz()
    raw_segs = [s.strip() for s in _SPLIT.split(text) if s.strip()]
    segs = [fold_place(s) for s in raw_segs]
    commune = district = None
    prov_hits: list[tuple[tuple[str, ...], str, str]] = []  # (ids, how, matched raw text)
    plain: list[tuple[str, str]] = []                       # unprefixed segments (folded, raw)
    for seg, raw in zip(segs, raw_segs):
        if not seg:
            continue
        c = _strip_prefix(seg, _COMMUNE_PREFIX)
        if c:
            commune = commune or c
            continue
        dd = _strip_prefix(seg, _DISTRICT_PREFIX)
        if dd:
            district = district or dd
            continue
        if _strip_prefix(seg, _BELOW_COMMUNE) or seg in _BELOW_COMMUNE:
            continue
        p = _strip_prefix(seg, _PROVINCE_PREFIX)
        if p:
            ids, how = _province_lookup(p, fuzzy=True)
            if ids:
                prov_hits.append((ids, how, raw))
                continue
            # "thành phố X" may be a provincial city (district level)
            if seg.startswith("thanh pho") or seg.startswith("tp"):
                district = district or p
            continue
        plain.append((seg, raw))
    if not prov_hits:
        # right to left: the province is usually written last
        for seg, raw in reversed(plain):
            ids, how = _province_lookup(seg, fuzzy=False)
            if ids:
                prov_hits.append((ids, how, raw))
                break
        else:
            for seg, raw in reversed(plain):
                ids, how = _province_lookup(seg, fuzzy=True)
                if ids:
                    prov_hits.append((ids, how, raw))
                    break
    ids: tuple[str, ...] = ()
    how = "none"
    matched = None
    if prov_hits:
        ids, how, matched = prov_hits[-1]
        if how == "folded" and any(s in matched for u in ids for s in g.units[u]["spellings"]):
            how = "exact"
    if year is not None and len(ids) > 1:
        alive = tuple(u for u in ids if _alive(g.units[u], year))
        if alive:
            ids = alive
    if not ids and (district or commune):
        # district/commune without a province: resolved by the admin table when available
        return PlaceResolution((), (), district, commune, False,
                               None, "none", ("province not found",))
    return PlaceResolution(units=ids, now=_now_of(ids), district=district, commune=commune,
                           ambiguous=_is_ambiguous(ids) if ids else False,
                           matched_text=matched, how=how)


# ---------------------------------------------------------------- compatibility

def compatibility(a: PlaceResolution, b: PlaceResolution) -> int:
    """Level (see LEVELS) for two resolutions made at possibly different times."""
    if a is None or b is None or not a.now or not b.now:
        return -1
    now_overlap = bool(set(a.now) & set(b.now))
    prov_overlap = bool(set(a.units) & set(b.units))
    if not now_overlap:
        return 0
    if a.commune and b.commune and a.commune == b.commune and (
            not a.district or not b.district or a.district == b.district):
        return 3
    if prov_overlap or (a.district and b.district and a.district == b.district):
        return 2
    return 1


def _overlap(a: str, b: str) -> pl.Expr:
    return pl.col(a).list.set_intersection(pl.col(b)).list.len() > 0


def compatibility_expr(a_now_col: str, b_now_col: str, a_prov_col: str | None = None,
                       b_prov_col: str | None = None, *, a_district_col: str | None = None,
                       b_district_col: str | None = None, a_commune_col: str | None = None,
                       b_commune_col: str | None = None) -> pl.Expr:
    """Polars Int8 expression of the compatibility level between two place-feature column sets.

    Levels: 3 same commune (needs the commune columns; district equal when both known),
    2 same historical unit (needs the prov columns) or same district (needs district columns),
    1 lineage-compatible (today's provinces overlap), 0 incompatible, -1 missing on either side.
    Only `now` columns are required; higher levels are reached only when their columns are given.
    """
    a_now, b_now = pl.col(a_now_col), pl.col(b_now_col)
    missing = (a_now.is_null() | b_now.is_null() | (a_now.list.len() == 0)
               | (b_now.list.len() == 0))
    now_ok = _overlap(a_now_col, b_now_col)
    expr = pl.when(missing).then(pl.lit(-1, pl.Int8)).when(~now_ok).then(pl.lit(0, pl.Int8))
    district_same = None
    if a_district_col and b_district_col:
        district_same = pl.col(a_district_col).is_not_null() & (
            pl.col(a_district_col) == pl.col(b_district_col))
    if a_commune_col and b_commune_col:
        same_c = pl.col(a_commune_col).is_not_null() & (
            pl.col(a_commune_col) == pl.col(b_commune_col))
        if a_district_col and b_district_col:
            same_c = same_c & (pl.col(a_district_col).is_null() | pl.col(b_district_col).is_null()
                               | (pl.col(a_district_col) == pl.col(b_district_col)))
        expr = expr.when(same_c.fill_null(False)).then(pl.lit(3, pl.Int8))
    two = None
    if a_prov_col and b_prov_col:
        two = _overlap(a_prov_col, b_prov_col).fill_null(False)
    if district_same is not None:
        two = district_same.fill_null(False) if two is None else two | district_same.fill_null(False)
    if two is not None:
        expr = expr.when(two).then(pl.lit(2, pl.Int8))
    return expr.otherwise(pl.lit(1, pl.Int8)).cast(pl.Int8)


# ---------------------------------------------------------------- frames

def place_features(df: pl.DataFrame, col: str, prefix: str = "", as_of_col: str | None = None
                   ) -> pl.DataFrame:
    """Add `{prefix}prov`, `{prefix}now` (List[Utf8]), `{prefix}district`, `{prefix}commune`
    (Utf8, folded) and `{prefix}ambiguous` (Bool) for the place text in `col`.

    Each distinct (text[, year]) is resolved once and joined back. Null/unknown text gives
    null lists (so compatibility is -1, "missing"), never an exception.
    """
    keys = [col] + ([as_of_col] if as_of_col else [])
    distinct = df.select(keys).unique()
    texts = distinct[col].cast(pl.Utf8).to_list()
    years = distinct[as_of_col].to_list() if as_of_col else [None] * len(texts)
    res = [resolve(t, y) for t, y in zip(texts, years)]
    out_cols = {
        f"{prefix}prov": [list(r.units) if r.units else None for r in res],
        f"{prefix}now": [list(r.now) if r.now else None for r in res],
        f"{prefix}district": [r.district for r in res],
        f"{prefix}commune": [r.commune for r in res],
        f"{prefix}ambiguous": [r.ambiguous for r in res],
    }
    schema = {f"{prefix}prov": pl.List(pl.Utf8), f"{prefix}now": pl.List(pl.Utf8),
              f"{prefix}district": pl.Utf8, f"{prefix}commune": pl.Utf8,
              f"{prefix}ambiguous": pl.Boolean}
    table = distinct.with_columns(pl.DataFrame(out_cols, schema=schema))
    drop = [c for c in schema if c in df.columns]
    return df.drop(drop).join(table, on=keys, how="left", nulls_equal=True)


# ---------------------------------------------------------------- labels

_TYPE_EN = {"tỉnh": "province", "thành phố trực thuộc trung ương": "city",
            "đặc khu": "special zone"}


def _type_vi(u: dict) -> str:
    t = u.get("unit_type") or "tỉnh"
    return "thành phố" if t.startswith("thành phố") else t


def _names(ids, lang) -> str:
    g = _gaz()
    parts = [g.units[i]["name"] for i in ids if i in g.units]
    parts = list(dict.fromkeys(parts))
    if len(parts) <= 1:
        return "".join(parts)
    joiner = " và " if lang == "vi" else " and "
    return ", ".join(parts[:-1]) + joiner + parts[-1]


def today_names(units, lang: str = "vi") -> str:
    """Today's province names (after 1 July 2025) for historical unit ids, e.g. 'Tuyên Quang'."""
    return _names(_now_of([u for u in units if u in _gaz().units]), lang)


def label(unit_id: str, lang: str = "vi") -> str:
    """Officer-readable label, e.g. 'tỉnh Hà Tuyên (cũ, nay là Hà Giang và Tuyên Quang;
    từ 2025: Tuyên Quang)'. Unknown ids are returned unchanged."""
    g = _gaz()
    u = g.units.get(unit_id)
    if u is None:
        return unit_id
    name = u["name"]
    if lang == "vi":
        head = name if name.lower().startswith("thành phố") else f"{_type_vi(u)} {name}"
    else:
        head = f"{name} {_TYPE_EN.get(u.get('unit_type'), 'province')}"
    if unit_id in g.today:
        return head
    now = today_names([unit_id], lang)
    succ = [s for s in u["successors"] if s not in g.today or s in u["current_units"]]
    before = _names(succ, lang) if u["successors"] and u["end_year"] and u["end_year"] < 2025 \
        else ""
    if lang == "vi":
        inner = "cũ" + (f", nay là {before}" if before and before != now else "")
        return f"{head} ({inner}; từ 2025: {now})" if now else f"{head} (cũ)"
    inner = "former" + (f", later {before}" if before and before != now else "")
    return f"{head} ({inner}; since 2025: {now})" if now else f"{head} (former)"
