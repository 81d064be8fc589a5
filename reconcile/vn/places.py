"""Places: gazetteer of Vietnam's province-level units 1976–2025 plus the districts and communes
of the 63-province system (to 30 June 2025) and the wards/communes of the 34-province system, free
text resolved to those units and to today's provinces (from 1 July 2025), and lineage
compatibility between two place mentions made at different times.

Public API
- `resolve(text, as_of=None) -> PlaceResolution`: the units a free-text place can mean, with
  district/commune where recognised and the 2025 commune it became.
- `compatibility(a, b) -> int` and `compatibility_expr(...) -> pl.Expr` (Int8 levels, see LEVELS).
- `place_features(df, col, prefix="")`: adds `prov`, `now`, `district`, `commune`, `ambiguous`,
  `commune_now` (each distinct place key resolved once, then joined back).
- `village_key(text)`, `village_key_series(col)`: the village/hamlet written before the commune
  ("thôn 14, xã Ea Kiết, …" → "thon 14"), folded, for the residence comparison's "same village".
- `label(unit_id, lang="vi")`, `today_names(units, lang="vi")`, `describe(resolution, lang)`:
  officer-readable names ("tỉnh Hà Tuyên (cũ, nay là Hà Giang và Tuyên Quang; từ 2025: Tuyên
  Quang)"; "xã Sủng Là, huyện Đồng Văn, tỉnh Hà Giang (cũ) — nay: xã Sà Phìn, tỉnh Tuyên Quang").

How text is read: split on commas/brackets; level words (tỉnh, thành phố, huyện, quận, thị xã,
xã, phường, thị trấn, đặc khu and abbreviations) tag the parts; village/house parts are dropped
(the village is read on its own by `village_key`).
The province is the rightmost exact (folded, space-insensitive) name; failing that, a fuzzy one
that is clear on its own or confirmed by a district written beside it. Districts and communes
are looked up inside that province; a slip of one or two letters is corrected only after a
level word and only when one candidate is closest. With no province written, a district or
commune name that exists in at most three provinces gives them (ambiguous if several).

Data: `reconcile/data/places.json` (province-level units, built from the project's research file
by scripts/build_places_data.py) and `reconcile/data/places_admin.parquet` (districts/communes from
the MIT-licensed `vietnamadminunits` package). Unit ids are stable; a name reused for different
land (Lai Châu 1976/2004, Hậu Giang 1976/2004, Đắk Lắk 1976/2004/2025) has several ids and stays
ambiguous unless a date or a commune settles it — we never guess.
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
    "label", "today_names", "describe", "named_unit", "fold_place", "short_name", "LEVELS",
    "village_key", "village_key_series",
]

#: compatibility levels (Int8) used by `compatibility` and `compatibility_expr`
LEVELS = {
    3: "same commune (then or today) in a compatible province",
    2: "same historical province-level unit, or same district",
    1: "lineage-compatible: the territories overlap in today's provinces",
    0: "incompatible: no overlap today",
    -1: "missing or unresolved on either side",
}

FUZZY_CUTOFF = 88.0  # rapidfuzz ratio on folded names; below this a typo is not accepted
FUZZY_CUTOFF_CONFIRMED = 80.0  # ... when a district written next to it confirms it
FUZZY_MARGIN = 3.0  # the best correction must beat the runner-up by this much


@dataclass(frozen=True)
class PlaceResolution:
    """What a place mention can mean.

    units: ids of province-level units (historical) the text can mean (empty if unknown);
    now: ids of today's provinces (from 1 July 2025) that contain them;
    district, commune: folded names without level word ("dong van", "sung la"): recognised in
        the admin table (typos corrected), or as written after an explicit level word
        ("huyện X"); else None;
    ambiguous: True when the text can mean different land: a reused or split name without a
        date (Lai Châu, Đắk Lắk, Hậu Giang, Cần Thơ) or a district/commune in two provinces;
    matched_text: the part of the text that named the province (or district/commune);
    how: "exact" | "folded" | "fuzzy" | "contains" | "district" | "commune" | "conflict" | "none"
         ("contains": a multi-word province name found inside other words;
         "conflict": the written district lies in another province, so both are kept and
         the result is ambiguous; "district"/"commune":
         no province was written, it was found from the district or commune name);
    district_name, commune_name: official names (before July 2025) when recognised;
    commune_now: names of the commune(s)/ward(s) it became on 1 July 2025, where known;
    uncertain (property): a unit's history rests on a weak source.
    """

    units: tuple[str, ...] = ()
    now: tuple[str, ...] = ()
    district: str | None = None
    commune: str | None = None
    ambiguous: bool = False
    matched_text: str | None = None
    how: str = "none"
    district_name: str | None = field(default=None, compare=False)
    commune_name: str | None = field(default=None, compare=False)
    commune_now: tuple[str, ...] = field(default=(), compare=False)

    @property
    def uncertain(self) -> bool:
        """True when a unit's history rests on a weak source (flag kept from the research file)."""
        g = _gaz()
        return any(g.units[u]["uncertain"] for u in self.units if u in g.units)

    @property
    def empty(self) -> bool:
        return not self.units and not self.now


# ---------------------------------------------------------------- folding

def fold_place(text: str) -> str:
    """NFC → lowercase → tones/marks removed, đ→d, punctuation to spaces, spaces collapsed."""
    s = unicodedata.normalize("NFD", unicodedata.normalize("NFC", text).lower())
    s = "".join(c for c in s if not unicodedata.combining(c)).replace("đ", "d").replace("ð", "d")
    s = re.sub(r"[^\w\s]|_", " ", s)
    return " ".join(s.split())


# level prefixes (folded); order matters: longer first
_COMMUNE_PREFIX = ("thi tran", "phuong", "xa", "dac khu", "tt", "p", "x")
_DISTRICT_PREFIX = ("thi xa", "quan", "huyen", "tx", "h", "q")
_PROVINCE_PREFIX = ("thanh pho truc thuoc trung uong", "thanh pho", "tinh", "tp", "t")
_BELOW_COMMUNE = ("cum dan cu", "thon", "ban", "ap", "to dan pho", "to", "khu pho", "khom",
                  "xom", "lang", "buon", "so nha", "duong", "khu", "doi")


_FULL_PREFIX = ("thanh pho", "thi tran", "thi xa", "phuong", "xa", "huyen", "quan", "tinh",
                "dac khu")


@lru_cache(maxsize=65_536)
def short_name(name: str | None) -> str | None:
    """Folded name without its level word: 'Huyện Đồng Văn' → 'dong van', 'Quận 1' → '1'."""
    if name is None:
        return None
    f = fold_place(name)
    return _strip_prefix(f, _FULL_PREFIX) or f or None


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
    inside: re.Pattern     # multi-word spellings as whole words inside longer text


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
                      today=frozenset(d["today"]),
                      inside=re.compile(r"\b(" + "|".join(
                          re.escape(k) for k in sorted(names, key=len, reverse=True)
                          if " " in k and len(k) >= 6) + r")\b"))


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


def _first_start(u: dict) -> int:
    starts = [p[0] for p in u["periods"] if p[0] is not None]
    return min(starts) if starts else 0


@lru_cache(maxsize=4096)
def _whole_successors(uid: str) -> frozenset:
    """Units that took over ALL of `uid`'s land (merge or rename), transitively. A successor
    created in the same year as another successor is a split part, not a whole successor.
    (Units with several periods can form cycles, e.g. merged in 1976 and re-created later.)"""
    g = _gaz()
    out: set[str] = set()
    todo = [uid]
    while todo:
        u = g.units[todo.pop()]
        by_year: dict[int, list] = {}
        for s in u["successors"]:
            if s in g.units:
                by_year.setdefault(_first_start(g.units[s]), []).append(s)
        for parts in by_year.values():
            if len(parts) == 1 and parts[0] not in out and parts[0] != uid:
                out.add(parts[0])
                todo.append(parts[0])
    return frozenset(out)


@lru_cache(maxsize=4096)
def _main_now(uid: str) -> tuple[str, ...]:
    """Today's provinces holding the bulk of `uid`'s land: following later whole or split
    successors only, not partial (district-level) transfers such as Côn Đảo or Mê Linh."""
    g = _gaz()
    out: list[str] = []
    seen: set[str] = set()
    todo = [uid]
    while todo:
        x = todo.pop()
        if x in seen:
            continue
        seen.add(x)
        if x in g.today:
            out.append(x)
            continue
        u = g.units[x]
        end = u["end_year"] or 9999
        todo += [s for s in u["successors"] if s in g.units
                 and (s in g.today or _first_start(g.units[s]) >= end - 1)]
    cur = g.units[uid]["current_units"]
    return tuple(c for c in cur if c in out) or tuple(cur)


def _is_ambiguous(ids) -> bool:
    """True when the same name can mean land that one reading does not contain: the candidate
    units are not a chain of merges/renames (old/new Lai Châu, Đắk Lắk, Hậu Giang, Cần Thơ)."""
    ids = list(dict.fromkeys(ids))
    for i, a in enumerate(ids):
        for b in ids[i + 1:]:
            if b not in _whole_successors(a) and a not in _whole_successors(b):
                return True
    return False


def _province_exact(seg: str) -> tuple[str, ...]:
    """Units a folded segment (level word removed) names exactly or with spaces ignored."""
    g = _gaz()
    return g.names.get(seg) or g.nospace.get(seg.replace(" ", "")) or ()


def _nospace(s: str) -> str:
    return s.replace(" ", "")


def _fuzzy(name: str, choices, cutoff: float, limit: int = 5) -> list[tuple[str, float]]:
    """Folded choices within `cutoff` (rapidfuzz ratio, spaces ignored), best first."""
    if len(_nospace(name)) < 4 or not choices:
        return []
    from rapidfuzz import fuzz, process

    hits = process.extract(name, choices, scorer=fuzz.ratio, processor=_nospace,
                           score_cutoff=cutoff, limit=limit)
    return [(h[0], h[1]) for h in hits]


def _edit_unique(name: str, choices, small_pool: bool) -> str | None:
    """The one choice within a few typing slips of `name` (Damerau/OSA edits on folded names,
    spaces ignored, so a swapped pair of letters is one slip); None when two choices are as
    close. A small pool (one district's communes) allows 1 slip from 5 letters and 2 from 10;
    a large pool (a whole province) allows 1 slip from 7 letters."""
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    n = len(_nospace(name))
    if small_pool:
        max_edits = 2 if n >= 10 else 1 if n >= 5 else 0
    else:
        max_edits = 1 if n >= 7 else 0
    if not max_edits or not choices:
        return None
    hits = process.extract(name, choices, scorer=OSA.distance, processor=_nospace,
                           score_cutoff=max_edits, limit=2)
    if not hits or (len(hits) == 2 and hits[1][1] <= hits[0][1]):
        return None
    return hits[0][0]


_SPLIT = re.compile(r"[,;()\[\]\n]+")


def resolve(text, as_of=None) -> PlaceResolution:
    """Resolve a free-text place mention to province-level units and today's provinces.

    `as_of` (year, date or "YYYY..." string) keeps only units that existed then, when that leaves
    any. Unknown or empty text gives an empty resolution (never an exception).
    """
    if text is None or not isinstance(text, str) or not text.strip():
        return PlaceResolution()
    return _resolve_cached(unicodedata.normalize("NFC", text.strip()), _year(as_of))


@dataclass(frozen=True)
class _Admin:
    """District/commune lookups from places_admin.parquet (empty when the file is absent)."""

    by_district: dict    # district_fold -> tuple of (province_id, now_id, district)
    by_commune: dict     # commune_fold -> tuple of (province_id, district_fold, now_id, commune,
                         #                           commune_now tuple, era)
    districts_in: dict   # now_id -> tuple of district_fold (for typo matching)
    communes_in: dict    # (now_id, district_fold|None) -> tuple of commune_fold


@lru_cache(maxsize=1)
def _admin() -> _Admin:
    path = resources.files("reconcile").joinpath("data/places_admin.parquet")
    if not path.is_file():
        return _Admin({}, {}, {}, {})
    with path.open("rb") as fh:
        df = pl.read_parquet(fh)
    by_d: dict[str, set] = {}
    by_c: dict[str, list] = {}
    d_in: dict[str, set] = {}
    c_in: dict[tuple, set] = {}
    for era, pid, dist, dfold, com, cfold, now, cnow in df.iter_rows():
        if dfold:
            by_d.setdefault(dfold, set()).add((pid, now, dist))
            d_in.setdefault(now, set()).add(dfold)
        if cfold:
            by_c.setdefault(cfold, []).append((pid, dfold, now, com, tuple(cnow or ()), era))
            c_in.setdefault((now, dfold), set()).add(cfold)
            c_in.setdefault((now, None), set()).add(cfold)
    return _Admin({k: tuple(sorted(v)) for k, v in by_d.items()},
                  {k: tuple(v) for k, v in by_c.items()},
                  {k: tuple(sorted(v)) for k, v in d_in.items()},
                  {k: tuple(sorted(v)) for k, v in c_in.items()})


# old or informal names of districts/towns that the admin table spells otherwise (folded)
DISTRICT_ALIASES = {
    "buon me thuot": "buon ma thuot", "ban me thuot": "buon ma thuot", "bmt": "buon ma thuot",
    "sapa": "sa pa", "phan rang": "phan rang thap cham", "thap cham": "phan rang thap cham",
    "hon gai": "ha long", "hongai": "ha long", "dalat": "da lat",
}

MAX_PROVINCES_FROM_LOCAL = 3  # a district/commune name alone names at most this many provinces


@dataclass
class _Seg:
    level: str   # commune | district | province | city | plain
    name: str    # folded, level word removed
    raw: str


def _parse(text: str) -> list[_Seg]:
    """Split an address into segments tagged by the level word they carry (if any)."""
    g, a = _gaz(), _admin()
    out = []
    for raw in (s.strip() for s in _SPLIT.split(text)):
        seg = fold_place(raw) if raw else ""
        if not seg:
            continue
        seg = DISTRICT_ALIASES.get(seg, seg)
        if seg in g.names:  # a whole spelling ("TT Huế") before any level word is stripped
            out.append(_Seg("plain", seg, raw))  # may still be a commune named like a province
            continue
        known = seg in a.by_commune or seg in a.by_district  # "Tịnh Giang", "Quán Toan"
        c = _strip_prefix(seg, _COMMUNE_PREFIX)
        if c and not (known and c not in a.by_commune):
            out.append(_Seg("commune", c, raw))
            continue
        d = _strip_prefix(seg, _DISTRICT_PREFIX)
        if d and not (known and d not in a.by_district):
            out.append(_Seg("district", d, raw))
            continue
        p = _strip_prefix(seg, _PROVINCE_PREFIX)
        if p and not (known and not _province_exact(p) and p not in a.by_district):
            city = seg.startswith("thanh pho ") or seg.startswith("tp ")
            out.append(_Seg("city" if city else "province", p, raw))
            continue
        if ((_strip_prefix(seg, _BELOW_COMMUNE) or seg in _BELOW_COMMUNE) and seg not in g.names
                and seg not in a.by_district and seg not in a.by_commune):
            continue  # village, hamlet, street: below commune level
        out.append(_Seg("plain", seg, raw))
    return out


def _local_evidence(segs: list[_Seg], skip: int | None) -> set[str]:
    """Today's provinces where the district-level names of the text (exactly) exist."""
    a = _admin()
    nows: set[str] = set()
    for i, s in enumerate(segs):
        if i != skip and s.level in ("district", "city", "plain"):
            nows |= {r[1] for r in a.by_district.get(s.name, ())}
    return nows


def _choose_province(segs: list[_Seg]) -> tuple[tuple[str, ...], str, int | None]:
    """(unit ids, how, index of the segment used): rightmost exact name, else a fuzzy one that
    is clear on its own or confirmed by a district written next to it."""
    a = _admin()
    for i in range(len(segs) - 1, -1, -1):
        s = segs[i]
        if s.level in ("province", "city", "plain"):
            ids = _province_exact(s.name)
            if ids:
                return ids, "folded", i
    g = _gaz()
    for i in range(len(segs) - 1, -1, -1):
        # a province name inside other words: "ở Hà Giang hồi nhỏ", "Sài Gòn cũ", "Hà Nội 1985"
        s = segs[i]
        if s.level in ("province", "city", "plain") and s.name not in a.by_district \
                and s.name not in a.by_commune:
            hits = g.inside.findall(s.name)
            if len({g.names[h] for h in hits}) == 1:
                return g.names[hits[0]], "contains", i
    for i in range(len(segs) - 1, -1, -1):
        s = segs[i]
        if s.level not in ("province", "city", "plain"):
            continue
        if s.level != "province" and (s.name in a.by_district or s.name in a.by_commune):
            continue
        hits = _fuzzy(s.name, g.choices, FUZZY_CUTOFF_CONFIRMED)
        if not hits:
            continue
        evidence = _local_evidence(segs, i)
        if evidence:
            for name, _score in hits:
                ids = g.names[name]
                if set(_now_of(ids)) & evidence:
                    return ids, "fuzzy", i
        good = [h for h in hits if h[1] >= FUZZY_CUTOFF]
        if good and (len(good) == 1 or good[0][1] - good[1][1] >= FUZZY_MARGIN
                     or set(g.names[good[0][0]]) == set(g.names[good[1][0]])):
            if not evidence:
                return g.names[good[0][0]], "fuzzy", i
    return (), "none", None


def _district_rows(name: str | None, nows: set[str]) -> tuple[str | None, tuple]:
    """(district name, rows) exactly, else a clear typo correction inside `nows`."""
    if not name:
        return name, ()
    a = _admin()
    rows = tuple(r for r in a.by_district.get(name, ()) if not nows or r[1] in nows)
    if rows or not nows:
        return name, rows
    pool = sorted({d for n in nows for d in a.districts_in.get(n, ())})
    fixed = _edit_unique(name, pool, small_pool=True)  # a province has 10–30 districts
    if fixed:
        return fixed, tuple(r for r in a.by_district.get(fixed, ()) if r[1] in nows)
    return name, ()


def _commune_rows(names: list[str], district: str | None, d_rows: tuple, nows: set[str],
                  fuzzy: bool = True) -> tuple[str | None, tuple]:
    """(commune name, rows) for the first candidate name found exactly (inside the district
    when known, else inside `nows`), else a clear typo correction inside that scope."""
    a = _admin()
    d_ok = district if d_rows else None

    def rows_for(c):
        return tuple(r for r in a.by_commune.get(c, ())
                     if (not nows or r[2] in nows) and (d_ok is None or r[1] == d_ok))

    for c in names:
        rows = rows_for(c)
        if rows:
            return c, rows
    if not names:
        return None, ()
    if not fuzzy:
        return names[0], ()
    if d_ok:
        pool = sorted({c for r in d_rows for c in a.communes_in.get((r[1], d_ok), ())})
    elif nows:
        pool = sorted({c for n in nows for c in a.communes_in.get((n, None), ())})
    else:
        return names[0], ()
    for c in names:
        fixed = _edit_unique(c, pool, small_pool=bool(d_ok))
        if fixed:
            return fixed, rows_for(fixed)
    return names[0], ()


_GLUED = re.compile(r"^(phuong|xa|thi tran|thitran)(?=[a-z0-9])")


def _loose_commune_names(name: str) -> list[str]:
    """Names an unlabelled segment may hold when its level word is mistyped or glued on:
    "phuog ba lang" → "ba lang"; "phuongtan ha" → "tan ha" (matched exactly, never fuzzily)."""
    from rapidfuzz.distance import OSA

    words = name.split()
    out = [name]
    if not words[-1].isdigit():
        out += [" ".join(words[k:]) for k in range(1, min(3, len(words)))]
    elif len(words) > 1 and OSA.distance(words[0], "phuong") <= 2:
        out.append(" ".join(words[1:]))  # "Phờng 4" → "4"
    unglued = _GLUED.sub("", name)
    if unglued != name and not unglued.isdigit():
        out.append(unglued)
    return out


def _prefer(ids, name, rows):
    """Keep the admin rows of the written (pre-2025) province when there are any."""
    own = tuple(r for r in rows if r[0] in ids)
    return name, (own or rows)


@lru_cache(maxsize=200_000)
def _resolve_cached(text: str, year: int | None) -> PlaceResolution:
    g, a = _gaz(), _admin()
    segs = _parse(text)
    ids, how, used = _choose_province(segs)
    matched = segs[used].raw if used is not None else None
    if how == "folded" and any(sp in matched for u in ids for sp in g.units[u]["spellings"]):
        how = "exact"
    if year is not None and len(ids) > 1:
        alive = tuple(u for u in ids if _alive(g.units[u], year))
        if alive:
            ids = alive
    now = _now_of(ids)
    nows = set(now)
    # district and commune: explicit level words first, then unlabelled segments right to left
    district = next((s.name for i, s in enumerate(segs)
                     if s.level in ("district", "city") and i != used), None)
    communes = [s.name for s in segs if s.level == "commune"]
    loose = [s.name for i, s in enumerate(segs) if s.level == "plain" and i != used]
    for name in reversed(loose):
        if district is None and any(not nows or r[1] in nows for r in a.by_district.get(name, ())):
            district = name
        elif nows and not communes and any(r[2] in nows for r in a.by_commune.get(name, ())):
            communes = [name]
    if not communes and loose and (nows or district):
        # a mistyped level word ("Phườg Ba Láng", "X Hoằng Trinh"): try without the first word
        for name in reversed(loose):
            if name != district:
                communes += _loose_commune_names(name)
                break
    explicit_commune = any(s.level == "commune" for s in segs)
    district, d_rows = _prefer(ids, *_district_rows(district, nows))
    # typo correction only for names written after a level word; unlabelled text must match
    commune, c_rows = _prefer(ids, *_commune_rows(communes, district, d_rows, nows,
                                                  fuzzy=explicit_commune))
    if not c_rows and not explicit_commune:
        commune = None
    ambiguous = _is_ambiguous(ids) if ids else False
    if ids and district and not d_rows and nows:
        # the written district is not in the written province: believe neither alone
        elsewhere = a.by_district.get(district, ())
        if 0 < len({r[0] for r in elsewhere}) <= MAX_PROVINCES_FROM_LOCAL:
            d_rows = elsewhere
            commune, c_rows = _commune_rows(communes, district, d_rows, set())
            extra = c_rows or d_rows
            ids = tuple(dict.fromkeys(ids + tuple(r[0] for r in extra)))
            now = tuple(dict.fromkeys(now + tuple(
                r[2] if c_rows else r[1] for r in extra)))
            return _finish(ids, now, district, commune, True, matched, "conflict", d_rows, c_rows)
    local_now = {r[2] for r in c_rows} if c_rows else {r[1] for r in d_rows}
    if not ids and local_now:
        src = c_rows or d_rows
        if len({r[0] for r in src}) > MAX_PROVINCES_FROM_LOCAL:
            return _finish((), (), district, commune, False, None, "none", (), ())
        ids = tuple(dict.fromkeys(r[0] for r in src))
        now = tuple(sorted(local_now))
        return _finish(ids, now, district, commune, len(now) > 1, None,
                       "commune" if c_rows else "district", d_rows, c_rows)
    if ids and local_now:
        narrowed = tuple(n for n in now if n in local_now)
        if narrowed:
            now = narrowed
            ambiguous = len(now) > 1
    return _finish(ids, now, district, commune, ambiguous, matched, how, d_rows, c_rows)


def _finish(ids, now, district, commune, ambiguous, matched, how, d_rows, c_rows
            ) -> PlaceResolution:
    district_name = commune_name = None
    commune_now: tuple[str, ...] = ()
    if ids:
        if c_rows:
            commune_name = " / ".join(dict.fromkeys(r[3] for r in c_rows))
            commune_now = tuple(dict.fromkeys(n for r in c_rows for n in r[4]))
            if len({r[1] for r in c_rows}) == 1 and c_rows[0][1]:
                district = c_rows[0][1]
                if not d_rows:
                    d_rows = tuple(r for r in _admin().by_district.get(district, ())
                                   if r[1] in {x[2] for x in c_rows})
        if d_rows:
            district_name = " / ".join(dict.fromkeys(r[2] for r in d_rows))
    return PlaceResolution(units=tuple(ids), now=tuple(now), district=district, commune=commune,
                           ambiguous=bool(ambiguous), matched_text=matched, how=how,
                           district_name=district_name, commune_name=commune_name,
                           commune_now=commune_now)


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
    if set(a.commune_now) & set(b.commune_now):
        return 3  # the same ward/commune today (one side may use the pre-2025 name)
    if prov_overlap or (a.district and b.district and a.district == b.district):
        return 2
    return 1


def _overlap(a: str, b: str) -> pl.Expr:
    return pl.col(a).list.set_intersection(pl.col(b)).list.len() > 0


def compatibility_expr(a_now_col: str, b_now_col: str, a_prov_col: str | None = None,
                       b_prov_col: str | None = None, *, a_district_col: str | None = None,
                       b_district_col: str | None = None, a_commune_col: str | None = None,
                       b_commune_col: str | None = None, a_commune_now_col: str | None = None,
                       b_commune_now_col: str | None = None) -> pl.Expr:
    """Polars Int8 expression of the compatibility level between two place-feature column sets.

    Levels: 3 same commune (needs the commune columns; district equal when both known; with the
    commune_now columns also: the same ward/commune today, so old and new names meet),
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
        if a_commune_now_col and b_commune_now_col:
            same_c = same_c.fill_null(False) | _overlap(a_commune_now_col,
                                                        b_commune_now_col).fill_null(False)
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
    (Utf8, folded), `{prefix}ambiguous` (Bool) and `{prefix}commune_now` (List[Utf8]: folded
    names of the commune(s)/ward(s) it became on 1 July 2025, where known) for the text in `col`.
    `as_of_col` (optional) holds a year/date per row that settles reused names.

    Each distinct (text[, year]) is resolved once and joined back. Null/unknown text gives
    null lists (so compatibility is -1, "missing"), never an exception.
    """
    keys = [col] + ([as_of_col] if as_of_col else [])
    key = "__place_key"
    # house/village parts before an explicit commune do not change the answer: "thôn 3, xã X, …"
    # and "thôn 5, xã X, …" are resolved once
    distinct = df.select(keys).unique().with_columns(place_key_expr(pl.col(col)).alias(key))
    kkeys = [key] + ([as_of_col] if as_of_col else [])
    uniq = distinct.select(kkeys).unique()
    texts = uniq[key].to_list()
    years = uniq[as_of_col].to_list() if as_of_col else [None] * len(texts)
    res = [resolve(t, y) for t, y in zip(texts, years)]
    # list columns travel as "|"-joined strings (fast to build) and are split by polars
    out_cols = {
        f"{prefix}prov": ["|".join(r.units) or None for r in res],
        f"{prefix}now": ["|".join(r.now) or None for r in res],
        f"{prefix}district": [r.district for r in res],
        f"{prefix}commune": [r.commune for r in res],
        f"{prefix}ambiguous": [r.ambiguous for r in res],
        f"{prefix}commune_now": ["|".join(short_name(n) for n in r.commune_now) or None
                                 for r in res],
    }
    lists = (f"{prefix}prov", f"{prefix}now", f"{prefix}commune_now")
    schema = {c: pl.Utf8 for c in out_cols} | {f"{prefix}ambiguous": pl.Boolean}
    table = distinct.join(uniq.with_columns(
        pl.DataFrame(out_cols, schema=schema)
        .with_columns(pl.col(c).str.split("|") for c in lists)), on=kkeys, how="left",
        nulls_equal=True).drop(key)
    drop = [c for c in schema if c in df.columns]
    return df.drop(drop).join(table, on=keys, how="left", nulls_equal=True,
                              maintain_order="left")

_VILLAGE_PART = (r"(?i)^\s*(?:(?:thôn|bản|ấp|tổ dân phố|tổ|cụm dân cư|khu phố|khu dân cư|khóm|xóm|"
                 r"số nhà|số|đường|đội|khu)\b[^,;()]*[,;]\s*)+(?P<c>(?:xã|phường|thị trấn)\s)")


def place_key_expr(e: pl.Expr) -> pl.Expr:
    """The place text without house/village parts written before an explicit commune
    ("thôn 23, xã Ya Tờ Mốt, …" → "xã Ya Tờ Mốt, …"); resolve() gives the same answer for both."""
    return e.cast(pl.Utf8).str.replace(_VILLAGE_PART, "${c}")


# ---------------------------------------------------------------- villages

# village-level words (folded), longest first, and the word each is compared as: "tổ dân phố 5"
# and "tổ 5" are one residential group; the other words name different kinds of unit and are kept
_VILLAGE_WORDS = (("to dan pho", "to"), ("cum dan cu", "cum dan cu"), ("khu dan cu", "khu dan cu"),
                  ("khu pho", "khu pho"), ("thon", "thon"), ("buon", "buon"), ("ban", "ban"),
                  ("lang", "lang"), ("xom", "xom"), ("ap", "ap"), ("khom", "khom"), ("to", "to"))
_LEADING_ZEROS = re.compile(r"\b0+(?=\d)")


@lru_cache(maxsize=65_536)
def village_key(text: str | None) -> str | None:
    """The village/hamlet of a place text, folded, as the residence comparison matches it:
    "Thôn 14, xã Ea Kiết, …" and "thon 14, Ea Kiet, …" → "thon 14"; "tổ dân phố 05, phường …" →
    "to 5". Only the first comma-separated part that starts with a village word (thôn, buôn, bản,
    làng, xóm, ấp, khóm, tổ / tổ dân phố, khu phố, cụm/khu dân cư) followed by its name or number,
    and only when a later part follows (the commune it lies in); a part that is itself the name of
    a commune or district ("Bản Phố", "Buôn Đôn") is not a village. None otherwise (abbreviations
    such as "T.14" are not read: nothing says which word they stand for)."""
    if text is None or not isinstance(text, str):
        return None
    parts = [fold_place(x) for x in _SPLIT.split(unicodedata.normalize("NFC", text))]
    parts = [x for x in parts if x]
    if len(parts) < 2:
        return None
    a = _admin()
    for seg in parts[:-1]:
        for word, as_word in _VILLAGE_WORDS:
            if seg.startswith(word + " "):
                rest = seg[len(word) + 1:].strip()
                if not rest or seg in a.by_commune or seg in a.by_district or seg in _gaz().names:
                    return None
                return f"{as_word} {_LEADING_ZEROS.sub('', rest)}"
    return None


def village_key_series(values: pl.Series) -> pl.Series:
    """`village_key` of a text column (Utf8, null where none): each distinct text read once."""
    values = values.cast(pl.Utf8)
    uniq = values.drop_nulls().unique()
    keys = pl.Series([village_key(t) for t in uniq.to_list()], dtype=pl.Utf8)
    return values.replace_strict(uniq, keys, default=None, return_dtype=pl.Utf8)


# ---------------------------------------------------------------- labels

def _type_vi(u: dict) -> str:
    t = (u.get("unit_type") or "tỉnh").split(" (")[0]
    return "thành phố" if t.startswith("thành phố") else t


def _type_en(u: dict) -> str:
    t = _type_vi(u)
    return {"thành phố": "city", "đặc khu": "special zone"}.get(t, "province")


def _head(u: dict, lang: str) -> str:
    """'tỉnh Hà Giang', 'thành phố Hà Nội' / 'Hà Giang province', 'Hồ Chí Minh city'."""
    name = u["name"]
    if lang == "vi":
        return name[0].lower() + name[1:] if name.lower().startswith("thành phố") \
            else f"{_type_vi(u)} {name}"
    if name.lower().startswith("thành phố "):
        name = name[len("thành phố "):]
    return f"{name} {_type_en(u)}"


def _names(ids, lang) -> str:
    g = _gaz()
    parts = [g.units[i]["name"] for i in ids if i in g.units]
    if lang != "vi":
        parts = [p[len("Thành phố "):] if p.startswith("Thành phố ") else p for p in parts]
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
    từ 2025: Tuyên Quang)', 'tỉnh Lâm Đồng (trước 1/7/2025)'. Unknown ids are returned unchanged."""
    g = _gaz()
    u = g.units.get(unit_id)
    if u is None:
        return unit_id
    head = _head(u, lang)
    if unit_id in g.today:
        return head
    main = _main_now(unit_id)
    now = _names(main, lang)
    small = _names([c for c in u["current_units"] if c not in main], lang)
    if now == _names([unit_id], lang):  # same name before and after the 2025 merger
        if lang == "vi":
            return f"{head} (trước 1/7/2025" + (f"; một phần nhỏ nay thuộc {small})" if small
                                                else ")")
        return f"{head} (before 1 July 2025" + (f"; a small part now in {small})" if small
                                                 else ")")
    if small:
        now += f" (một phần nhỏ: {small})" if lang == "vi" else f" (a small part: {small})"
    end = u["end_year"] or 9999
    succ = [s for s in u["successors"] if s in g.units and _first_start(g.units[s]) >= end - 1
            and s not in g.today]
    before = _names(succ, lang) if succ and end < 2025 else ""
    if lang == "vi":
        inner = "cũ" + (f", nay là {before}" if before and before != now else "")
        return f"{head} ({inner}; từ 2025: {now})" if now else f"{head} (cũ)"
    inner = "former" + (f", later {before}" if before and before != now else "")
    return f"{head} ({inner}; since 2025: {now})" if now else f"{head} (former)"


def _lower_type(name: str) -> str:
    """'Xã Sủng Là' → 'xã Sủng Là' (level word in lower case, as written inside an address)."""
    f = fold_place(name)
    for p in _FULL_PREFIX:
        if f.startswith(p + " "):
            n = len(p.split())
            words = name.split()
            return " ".join([w.lower() for w in words[:n]] + words[n:])
    return name


def _today_province_text(now, lang: str) -> str:
    g = _gaz()
    parts = []
    for uid in now:
        u = g.units.get(uid)
        if u is None:
            continue
        parts.append(_head(u, lang))
    return (" hoặc " if lang == "vi" else " or ").join(parts)


def _official(uid: str) -> str:
    name = _gaz().units[uid]["name"]
    if name.startswith("Thành phố "):
        name = name[len("Thành phố "):]
    return unicodedata.normalize("NFC", name).casefold()


def named_unit(res: PlaceResolution, as_of=None) -> str | None:
    """The unit a mention is to be named by: among the units it can mean, the one whose official
    name the text itself wrote ("Đắk Lắk" names the 2004–2025 unit, "Đắc Lắc" the 1976–2003 one);
    else the one that existed at `as_of` (the time the text refers to); else the latest unit before
    the 2025 reform (how registers and people wrote it until then). None when nothing resolved."""
    g = _gaz()
    units = [u for u in res.units if u in g.units]
    if not units:
        return None
    written = unicodedata.normalize("NFC", res.matched_text or "").casefold()
    used = [u for u in units if re.search(r"(?<!\w)" + re.escape(_official(u)) + r"(?!\w)", written)]
    if used:
        longest = max(len(_official(u)) for u in used)
        used = [u for u in used if len(_official(u)) == longest]
    pool = used or units
    year = _year(as_of)
    if year is not None:
        pool = [u for u in pool if _alive(g.units[u], year)] or pool
    before = [u for u in pool if u not in g.today] or pool
    return max(before, key=lambda u: (_first_start(g.units[u]), -units.index(u)))


def describe(res: PlaceResolution, lang: str = "vi", as_of=None) -> str:
    """Officer-readable account of a resolution: the place as it was (official names where
    recognised) and what it is today (ward/commune where known, province after 1 July 2025).

    e.g. 'xã Sủng Là, huyện Đồng Văn, tỉnh Hà Giang (cũ) — nay: xã Sà Phìn, tỉnh Tuyên Quang'.
    The province is named as the text named it, or as it was called at `as_of` (`named_unit`):
    "huyện M'Đrắk, tỉnh Đắk Lắk" stays "Đắk Lắk", never the older "Đắc Lắc" no input wrote.
    An unresolved place gives '' (the caller shows the claimant's own words).
    """
    if res is None or not res.now:
        return ""
    g = _gaz()
    then = [_lower_type(n) for n in (res.commune_name, res.district_name) if n]
    if res.units:
        uid = named_unit(res, as_of)
        u = g.units[uid]
        old = not any(x in g.today for x in res.units)
        same = u["name"] in {g.units[n]["name"] for n in res.now if n in g.units}
        tag = ((" (trước 1/7/2025)" if same else " (cũ)") if lang == "vi"
               else (" (before 1 July 2025)" if same else " (former)"))
        then.append(_head(u, lang) + (tag if old else ""))
    today = []
    if res.commune_now:
        today.append((" hoặc " if lang == "vi" else " or ").join(
            _lower_type(n) for n in res.commune_now))
    main = [n for n in dict.fromkeys(m for u in res.units if u in g.units for m in _main_now(u))
            if n in res.now] if not res.commune_now else []
    main = main or list(res.now)
    small = [n for n in res.now if n not in main]
    prov_text = _today_province_text(main, lang)
    if small:
        prov_text += (f" (một phần nhỏ: {_today_province_text(small, lang)})" if lang == "vi"
                      else f" (a small part: {_today_province_text(small, lang)})")
    today.append(prov_text)
    sep = " — nay: " if lang == "vi" else " — today: "
    first = ", ".join(then)
    same_commune = not res.commune_now or tuple(res.commune_now) == (res.commune_name,)
    if same_commune and not res.ambiguous and then and then[-1] == today[-1]:
        return first  # same province then and now, nothing more known
    if res.ambiguous:
        first += " (không rõ thời kỳ)" if lang == "vi" else " (period unclear)"
    return (first + sep if first else sep.lstrip(" —").capitalize()) + ", ".join(today)
