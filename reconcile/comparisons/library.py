"""Comparison kinds: numpy functions of a `PairView` that give a level code per pair.

Each function here computes the levels of one kind of comparison (name part, agreement of a code,
birth year against a claimed range, full date of birth, zodiac, place, life stage, a claimed
relative). `default.py` turns them into `Comparison` entries with levels and words. String work is
done once per distinct code (pair) and never per row in Python over a register.

Level codes returned here are looked up by NAME on the comparison passed in (`cmp.code("exact")`),
so reordering levels in `default.py` cannot silently change a meaning.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

from reconcile.comparisons.base import RELATIONS, Comparison, Outcome, PairView

# Thresholds (rapidfuzz Jaro–Winkler on folded text, 0..1); each default in one place.
FAM_FUZZY = 0.88
GIV_FUZZY_HIGH = 0.90
GIV_FUZZY_LOW = 0.80
REL_GIV_CLOSE = 0.88      # a relative's given name this close (or same key) agrees at most weakly
REL_AGE_SLACK = 3         # a relative's claimed birth year this far off the record weakens agreement
NARROW_INTERVAL = 6       # a claimed birth-year range this wide or narrower is "narrow"
NEAR_YEARS = 5
CHILD_AGE = 15            # under this age at the claim's year: a child
ADULT_AGE = 18

CULTURE_OTHER = 0         # `culture` coding of docs/ENGINE_V3.md: 0 other, 1 kinh, 2 hmong, ...


# ------------------------------------------------------------------------------------------------
# helpers: distinct-code string functions
# ------------------------------------------------------------------------------------------------

def _valid(*codes: np.ndarray) -> np.ndarray:
    ok = np.ones(len(codes[0]), dtype=bool)
    for c in codes:
        ok &= np.asarray(c) >= 0
    return ok


def map_codes(view: PairView, vocab: str, codes: np.ndarray, fn, dtype=object) -> np.ndarray:
    """fn(string) for each code (computed once per distinct code); -1 gives fn("")."""
    codes = np.asarray(codes, dtype=np.int64)
    uniq, inv = np.unique(codes, return_inverse=True)
    strings = view.strings(vocab)
    vals = [fn(strings[u] if u >= 0 else "") for u in uniq.tolist()]
    return np.asarray(vals, dtype=dtype)[inv] if len(vals) else np.zeros(0, dtype=dtype)


def map_code_pairs(view: PairView, vocab_a: str, a: np.ndarray, vocab_b: str, b: np.ndarray,
                   fn, dtype=bool) -> np.ndarray:
    """fn(str_a, str_b) once per distinct (a, b) code pair; -1 codes give fn("", ...)."""
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    if len(a) == 0:
        return np.zeros(0, dtype=dtype)
    # one int64 key per pair (codes + 1 are < 2**31): a 1-D unique, not a row-wise one
    key = ((a + 1) << 32) | (b + 1)
    uniq, inv = np.unique(key, return_inverse=True)
    ua = ((uniq >> 32) - 1).tolist()
    ub = ((uniq & 0xFFFFFFFF) - 1).tolist()
    sa, sb = view.strings(vocab_a), view.strings(vocab_b)
    # each distinct code's string read once (item access on a vocabulary is not free)
    da = {x: (sa[x] if x >= 0 else "") for x in set(ua)}
    db = {y: (sb[y] if y >= 0 else "") for y in set(ub)}
    vals = [fn(da[x], db[y]) for x, y in zip(ua, ub)]
    return np.asarray(vals, dtype=dtype)[np.ravel(inv)]


@lru_cache(maxsize=200_000)
def vn_phonetic(folded: str) -> str:
    """Vietnamese dialect key (`names.phonetic_key`, loose) of a folded token."""
    from reconcile.vn.names import phonetic_key
    return phonetic_key(folded, level="loose") if folded else ""


@lru_cache(maxsize=200_000)
def en_phonetic(folded: str) -> str:
    """Phonetic key for names of culture "other" (English and the like): NYSIIS of the token.
    Vietnamese keys do not fit such names ("catherine"/"katherine", "thompson"/"tomson")."""
    import jellyfish
    return jellyfish.nysiis(folded) if folded else ""


@lru_cache(maxsize=200_000)
def en_metaphone(folded: str) -> str:
    import jellyfish
    return jellyfish.metaphone(folded) if folded else ""


def _select(conds: list[tuple[np.ndarray, int]], default: int, n: int) -> np.ndarray:
    """First matching condition wins (like a when/then chain), as int8 codes."""
    out = np.full(n, default, dtype=np.int8)
    done = np.zeros(n, dtype=bool)
    for cond, code in conds:
        take = cond & ~done
        out[take] = code
        done |= take
    return out


# ------------------------------------------------------------------------------------------------
# names
# ------------------------------------------------------------------------------------------------

def _other_culture(view: PairView) -> np.ndarray:
    return (view.c("culture") == CULTURE_OTHER) | (view.p("culture") == CULTURE_OTHER)


_VN_SYLLABLE = re.compile(r"^(ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnprstvx])?"
                          r"(uye|uya|oai|oay|oeo|uay|uoi|uou|ieu|yeu|ai|ao|au|ay|eo|eu|ia|ie|iu|oa|oe|oi|"
                          r"oo|ua|ue|ui|uo|uu|uy|ye|[aeiouy])(ng|nh|ch|[cmnptiyou])?$")


@lru_cache(maxsize=200_000)
def looks_vietnamese(folded: str) -> bool:
    """A folded token that can be one Vietnamese syllable ("nguyen", "pao", "chu"); English names
    ("smith", "catherine", "john") cannot, and get English phonetic keys."""
    return bool(_VN_SYLLABLE.match(folded))


def _english_pair(a: str, b: str) -> bool:
    return bool(a) and bool(b) and not (looks_vietnamese(a) and looks_vietnamese(b))


def _en_same(a: str, b: str) -> bool:
    return bool(a) and bool(b) and (en_phonetic(a) == en_phonetic(b) or en_metaphone(a) == en_metaphone(b))


def _usual_name(view: PairView) -> np.ndarray:
    """A usual name without surname ("Thị Sông" for Vừ Thị Sông): the claim's first token is the
    person's middle name; the surname is then unknown, not different."""
    c_fam, p_mid = view.c("fam"), view.p("mid")
    cand = (view.c("ntok") == 2) & (view.p("ntok") >= 3) & (c_fam >= 0) & (p_mid >= 0)
    out = np.zeros(view.n, dtype=bool)
    if cand.any():
        idx = np.flatnonzero(cand)
        out[idx] = map_code_pairs(view, "tok", c_fam[idx], "mid", p_mid[idx],
                                  lambda a, b: bool(a) and a == (b.split(" ")[0] if b else ""))
    return out


def _sound_then_spelling(view: PairView, c: np.ndarray, p: np.ndarray, undecided: np.ndarray,
                         vn_same) -> tuple[np.ndarray, np.ndarray]:
    """For name-token pairs not yet decided: (same sound, Jaro–Winkler similarity of the rest). Sound
    is the English keys for names of culture "other" or tokens that cannot be Vietnamese syllables,
    else `vn_same(rows)` (the Vietnamese key of the comparison); pairs that sound alike get no
    similarity (0)."""
    n = view.n
    phon = np.zeros(n, dtype=bool)
    if undecided.any():
        i = np.flatnonzero(undecided)
        en = map_code_pairs(view, "tok", c[i], "tok", p[i], _en_same)
        eng = _other_culture(view)[i] | map_code_pairs(view, "tok", c[i], "tok", p[i], _english_pair)
        phon[i] = np.where(eng, en, vn_same(i))
    sim = np.zeros(n, dtype=np.float32)
    rest = undecided & ~phon
    if rest.any():
        i = np.flatnonzero(rest)
        sim[i] = view.sim("tok", c[i], p[i], "jw")
    return phon, sim


def surname_levels(cmp: Comparison, view: PairView) -> Outcome:
    """missing · exact (with diacritics) · folded · variant (same clan key) · phonetic (Vietnamese
    dialect key, or NYSIIS/metaphone for names of culture "other") · fuzzy (Jaro–Winkler) · swapped
    (the claim's surname is the person's given name: name order confused) · different."""
    c, p = view.c("fam"), view.p("fam")
    n = view.n
    missing = ~_valid(c, p) | _usual_name(view)
    exact = (view.c("fam_norm") == view.p("fam_norm")) & _valid(view.c("fam_norm"))
    folded = c == p
    variant = (view.c("fam_key") == view.p("fam_key")) & _valid(view.c("fam_key"))
    phon, sim = _sound_then_spelling(
        view, c, p, ~(missing | exact | folded | variant),
        lambda i: map_code_pairs(view, "tok", c[i], "tok", p[i],
                                 lambda a, b: bool(a) and bool(b) and vn_phonetic(a) == vn_phonetic(b)))
    codes = _select([(missing, cmp.code("missing")), (exact, cmp.code("exact")),
                     (folded, cmp.code("folded")), (variant, cmp.code("variant")),
                     (phon, cmp.code("phonetic")), (sim >= FAM_FUZZY, cmp.code("fuzzy")),
                     ((c == view.p("giv")) & (c >= 0), cmp.code("swapped"))],
                    cmp.code("different"), n)
    exact_tf = view.tf("fam_key", view.p("fam_key")).astype(np.float64)
    fuzzy_tf = np.maximum(exact_tf, view.tf("fam_key", view.c("fam_key")).astype(np.float64))
    tf = np.where(np.isin(codes, [cmp.code("phonetic"), cmp.code("fuzzy")]), fuzzy_tf, exact_tf)
    return Outcome(codes=codes, tf=tf)


def given_levels(cmp: Comparison, view: PairView) -> Outcome:
    """missing · exact · folded (one side written without tone marks) · tones_differ (both written,
    tones differ) · phonetic (same key; for culture "other" NYSIIS/metaphone) ·
    fuzzy_high · fuzzy_low (Jaro–Winkler) · swapped (the claim's given name is the person's surname)
    · different."""
    c, p = view.c("giv"), view.p("giv")
    n = view.n
    missing = ~_valid(c, p)
    c_n, p_n = view.c("giv_norm"), view.p("giv_norm")
    exact = (c_n == p_n) & _valid(c_n)
    folded = c == p
    # same letters, both written with tone marks that differ (Hùng / Hưng): two names, or one
    # misheard; its own level, so the data say how much it is worth
    tones = np.zeros(n, dtype=bool)
    i = np.flatnonzero(folded & ~exact & _valid(c_n, p_n))
    if len(i):
        tones[i] = map_code_pairs(view, "norm_tok", c_n[i], "norm_tok", p_n[i], _two_tones)
    key_eq = (view.c("giv_key") == view.p("giv_key")) & _valid(view.c("giv_key"))
    phon, sim = _sound_then_spelling(view, c, p, ~(missing | exact | folded), lambda i: key_eq[i])
    codes = _select([(missing, cmp.code("missing")), (exact, cmp.code("exact")),
                     (tones, cmp.code("tones_differ")),
                     (folded, cmp.code("folded")), (phon, cmp.code("phonetic")),
                     (sim >= GIV_FUZZY_HIGH, cmp.code("fuzzy_high")),
                     (sim >= GIV_FUZZY_LOW, cmp.code("fuzzy_low")),
                     ((c == view.p("fam")) & (c >= 0), cmp.code("swapped"))],
                    cmp.code("different"), n)
    exact_tf = view.tf("giv_key", view.p("giv_key")).astype(np.float64)
    fuzzy_tf = np.maximum(exact_tf, view.tf("giv_key", view.c("giv_key")).astype(np.float64))
    tf = np.where(codes >= cmp.code("phonetic"), fuzzy_tf, exact_tf)
    return Outcome(codes=codes, tf=tf)


def middle_levels(cmp: Comparison, view: PairView) -> np.ndarray:
    """missing · same · different; a usual name without surname counts as the same middle name."""
    c, p = view.c("mid"), view.p("mid")
    usual = _usual_name(view)
    return _select([(usual, cmp.code("same")), (~_valid(c, p), cmp.code("missing")),
                    (c == p, cmp.code("same"))], cmp.code("different"), view.n)


def code_agreement(cmp: Comparison, view: PairView, col: str, missing_value: int = -1,
                   fallback: str | None = None) -> np.ndarray:
    """missing · agree · disagree for a coded attribute (sex: 0 unknown; ethnicity: -1 unknown).
    `fallback`: a column of the same coding used where `col` is unknown (sex: the sex marker of the
    name, "A"/"Seo"/"Văn" male, "Mí"/"Thị" female)."""
    c, p = view.c(col), view.p(col)
    if fallback is not None:
        c = np.where(c == missing_value, view.c(fallback), c)
        p = np.where(p == missing_value, view.p(fallback), p)
    missing = (c == missing_value) | (p == missing_value) | (c < 0) | (p < 0)
    return _select([(missing, cmp.code("missing")), (c == p, cmp.code("agree"))],
                   cmp.code("disagree"), view.n)


# ------------------------------------------------------------------------------------------------
# birth
# ------------------------------------------------------------------------------------------------

BY_KIND_EXACT_DATE, BY_KIND_YEAR, BY_KIND_RANGE, BY_KIND_AGE, BY_KIND_ZODIAC = 1, 2, 3, 4, 5


def birth_year_levels(cmp: Comparison, view: PairView) -> np.ndarray:
    """The register's birth year against the claim's interval: missing · exact · within_1 ·
    in_narrow · in_wide · near (≤ 5 years off) · far."""
    p = view.p("by").astype(np.int32)
    lo, hi = view.c("by_lo").astype(np.int32), view.c("by_hi").astype(np.int32)
    best, kind = view.c("by_best").astype(np.int32), view.c("by_kind")
    has_best, has_iv = best > 0, (lo > 0) & (hi > 0)
    point = np.isin(kind, (BY_KIND_EXACT_DATE, BY_KIND_YEAR))
    width = np.where(has_iv, hi - lo, 999)
    dist_iv = np.maximum(np.maximum(lo - p, p - hi), 0)
    inside = has_iv & (p >= lo) & (p <= hi)
    return _select([
        ((p <= 0) | ~(has_best | has_iv), cmp.code("missing")),
        (has_best & (p == best) & point, cmp.code("exact")),
        (has_best & (np.abs(p - best) <= 1) & (point | (width <= 2)), cmp.code("within_1")),
        (inside & (width <= NARROW_INTERVAL), cmp.code("in_narrow")),
        (inside, cmp.code("in_wide")),
        (has_best & ~has_iv & (np.abs(p - best) <= NEAR_YEARS), cmp.code("near")),
        (has_iv & (dist_iv <= NEAR_YEARS), cmp.code("near")),
    ], cmp.code("far"), view.n)


def date_of_birth_levels(cmp: Comparison, view: PairView) -> np.ndarray:
    """Day and month of birth when both sides have them (the year is the birth-year comparison's):
    missing · exact (same day and month) · swapped (day and month exchanged) · month_only · day_only ·
    different."""
    cm, cd, pm, pd = (view.c("bm").astype(np.int16), view.c("bd").astype(np.int16),
                      view.p("bm").astype(np.int16), view.p("bd").astype(np.int16))
    missing = (cm <= 0) | (cd <= 0) | (pm <= 0) | (pd <= 0)
    return _select([(missing, cmp.code("missing")),
                    ((cm == pm) & (cd == pd), cmp.code("exact")),
                    ((cm == pd) & (cd == pm), cmp.code("swapped")),
                    (cm == pm, cmp.code("month_only")),
                    (cd == pd, cmp.code("day_only"))], cmp.code("different"), view.n)


def zodiac_levels(cmp: Comparison, view: PairView) -> np.ndarray:
    """The claimed con giáp (branch 0..11) against the branches the register's birth date allows."""
    z = view.c("zod").astype(np.int64)
    mask = view.p("zmask").astype(np.int64)
    missing = (z < 0) | (mask == 0)
    bit = (mask >> np.clip(z, 0, 15)) & 1
    return _select([(missing, cmp.code("missing")), (bit == 1, cmp.code("agree"))],
                   cmp.code("disagree"), view.n)


def life_stage_levels(cmp: Comparison, view: PairView) -> np.ndarray:
    """The candidate's age in the claim's year when the claim says its author is an adult (names a
    spouse or a child, or gives an adult age): missing · adult · youth (15–17) · child (under 15)."""
    adult = view.c("adult") == 1
    year = view.c("recorded_year").astype(np.int32)
    by = view.p("by").astype(np.int32)
    age = year - by
    missing = ~adult | (year <= 0) | (by <= 0)
    return _select([(missing, cmp.code("missing")), (age >= ADULT_AGE, cmp.code("adult")),
                    (age >= CHILD_AGE, cmp.code("youth"))], cmp.code("child"), view.n)


# ------------------------------------------------------------------------------------------------
# places
# ------------------------------------------------------------------------------------------------

def place_levels(cmp: Comparison, view: PairView, prefix: str) -> np.ndarray:
    """missing · [same_village: same commune and the same village/hamlet key, when the comparison has
    that level] · same_commune (with villages: one not written on a side) · [other_village: same
    commune, both villages written and different] · same_district · same_unit (a historical province-level unit in
    common) · compatible (today's provinces overlap, e.g. through a merger) · different."""
    def both(name):
        return view.c(prefix + name), view.p(prefix + name)

    c_now, p_now = both("now")
    c_p0, p_p0 = both("prov0")
    c_p1, p_p1 = both("prov1")
    c_d, p_d = both("district")
    c_c, p_c = both("commune")
    c_now, p_now = c_now.astype(np.uint64), p_now.astype(np.uint64)
    missing = (c_now == 0) | (p_now == 0)
    now_ok = (c_now & p_now) != 0
    prov_ok = (((c_p0.astype(np.uint64) & p_p0.astype(np.uint64)) != 0)
               | ((c_p1.astype(np.uint64) & p_p1.astype(np.uint64)) != 0))
    dist_same = (c_d >= 0) & (c_d == p_d)
    dist_open = (c_d < 0) | (p_d < 0) | dist_same
    commune_same = (c_c >= 0) & (c_c == p_c) & dist_open & now_ok
    village = []
    if "same_village" in cmp.level_names:
        try:
            c_v, p_v = both("village")
        except KeyError:       # an index saved before villages were kept: the commune speaks
            pass
        else:
            known = commune_same & (c_v >= 0) & (p_v >= 0)
            village = [(known & (c_v == p_v), cmp.code("same_village")),
                       (known, cmp.code("other_village"))]
    return _select([(missing, cmp.code("missing")), *village, (commune_same, cmp.code("same_commune")),
                    (dist_same & now_ok, cmp.code("same_district")),
                    (prov_ok, cmp.code("same_unit")), (now_ok, cmp.code("compatible"))],
                   cmp.code("different"), view.n)


PLACE_TEXT_CLOSE = 0.92


def place_text_levels(cmp: Comparison, view: PairView, prefix: str) -> Outcome:
    """The folded text of a place that `places.resolve` could not place on either side (FEBRL's
    "park holme, vic"): missing (resolved on a side, or no text) · same · close (Jaro–Winkler) ·
    different. Until the index provides `<prefix>text` codes every pair is missing."""
    n = view.n
    miss = np.full(n, cmp.code("missing"), dtype=np.int8)
    try:
        ct, pt = view.c(prefix + "text"), view.p(prefix + "text")
    except KeyError:           # an index of before `res_text` existed: no evidence, not an error
        return Outcome(codes=miss, tf=np.zeros(n))
    unresolved = (view.c(prefix + "now").astype(np.uint64) == 0) & (view.p(prefix + "now").astype(np.uint64) == 0)
    ok = unresolved & (ct >= 0) & (pt >= 0)
    same = ok & (ct == pt)
    sim = np.zeros(n, dtype=np.float32)
    i = np.flatnonzero(ok & ~same)
    if len(i):
        sim[i] = view.sim("place_text", ct[i], pt[i], "jw")
    codes = _select([(~ok, cmp.code("missing")), (same, cmp.code("same")),
                     (sim >= PLACE_TEXT_CLOSE, cmp.code("close"))], cmp.code("different"), n)
    return Outcome(codes=codes, tf=view.tf("place_text", pt))


# ------------------------------------------------------------------------------------------------
# relatives
# ------------------------------------------------------------------------------------------------

def _two_tones(a: str, b: str) -> bool:
    """Both spellings carry diacritics and differ: two different names, not one written plainly."""
    from reconcile.vn.text import fold
    return a != b and fold(a) != a and fold(b) != b


# order of a triple's agreement (lower is better) before picking the best recorded relative
_T_STRONG, _T_WEAK, _T_DIFF = 0, 1, 2


def relative_triples(view: PairView) -> tuple[np.ndarray, np.ndarray]:
    """Per (pair, claimed relative, recorded relative) triple of `view.relatives`: the agreement
    class (0 strong, 1 weak, 2 different) and a tie-break similarity (higher is better).

    Principles (issue 10 item 2):
    - a relative's name agrees only as far as its GIVEN name does: whole-name similarity of one family
      ("Lầu Seo Trỉa" / "Lầu Seo Túa") is not agreement;
    - strong needs the same folded given name and the same surname/clan key; given names that merely
      share a phonetic key (Tuấn/Tủa, Long/Lồng) or are close by Jaro–Winkler agree at most weakly;
    - the sex marker of the name ("A"/"Seo" male, "Mí"/"Thị" female) must not conflict: "Giàng Mí
      Khu" never agrees with "Giàng A Chứ" nor with "Giàng A Khu";
    - another surname or clan is at most weak; a relative given by given name only is at most weak;
    - a claimed birth year more than REL_AGE_SLACK years off the recorded one lowers one class;
    - a recorded sibling whose own record names other parents than the candidate's is different."""
    rv = view.relatives
    if rv is None or rv.n == 0:
        return np.zeros(0, dtype=np.int8), np.zeros(0, dtype=np.float32)
    a = rv.a
    c_giv, r_giv = a("c_giv"), a("r_giv")
    c_gk, r_gk = a("c_giv_key"), a("r_giv_key")
    c_fk, r_fk = a("c_fam_key"), a("r_fam_key")
    c_sm, r_sm = a("c_sex_marker"), a("r_sex_marker")
    c_nt, r_nt = a("c_ntok"), a("r_ntok")
    c_by, r_by = a("c_by").astype(np.int32), a("r_by").astype(np.int32)
    giv_eq = (c_giv >= 0) & (c_giv == r_giv)
    # folded-equal given names written with two different tones (Lòng / Lồng) are two names: only
    # weak; folded-equal where one side is written without tone marks (Long / Lồng) agrees
    c_gn, r_gn = a("c_giv_norm"), a("r_giv_norm")
    tone_clash = np.zeros(rv.n, dtype=bool)
    if giv_eq.any():
        i = np.flatnonzero(giv_eq & (c_gn >= 0) & (r_gn >= 0) & (c_gn != r_gn))
        if len(i):
            tone_clash[i] = map_code_pairs(view, "norm_tok", c_gn[i], "norm_tok", r_gn[i], _two_tones)
    jw = np.zeros(rv.n, dtype=np.float32)
    look = ~giv_eq & (c_giv >= 0) & (r_giv >= 0)
    if look.any():
        i = np.flatnonzero(look)
        jw[i] = view.sim("tok", c_giv[i], r_giv[i], "jw")
    jw[giv_eq] = 1.0
    giv_close = giv_eq | ((c_gk >= 0) & (c_gk == r_gk)) | (jw >= REL_GIV_CLOSE)
    fam_eq = (c_fk >= 0) & (c_fk == r_fk)
    fam_differs = (c_fk >= 0) & (r_fk >= 0) & (c_fk != r_fk)
    sex_conflict = (c_sm > 0) & (r_sm > 0) & (c_sm != r_sm)
    given_only = (c_nt <= 1) | (r_nt <= 1)
    strong = giv_eq & ~tone_clash & fam_eq & ~given_only
    weak = giv_close & ~fam_differs
    cls = np.where(strong, _T_STRONG, np.where(weak, _T_WEAK, _T_DIFF)).astype(np.int8)
    age_bad = (c_by > 0) & (r_by > 0) & (np.abs(c_by - r_by) > REL_AGE_SLACK)
    cls = np.where(age_bad, np.minimum(cls + 1, _T_DIFF), cls).astype(np.int8)
    # both middle names written and different ("Lý Seo Lử" / "Lý A Lử"): at most weak
    c_mid, r_mid = a("c_mid"), a("r_mid")
    mid_differs = (c_mid >= 0) & (r_mid >= 0) & (c_mid != r_mid)
    cls = np.where(mid_differs & (cls == _T_STRONG), _T_WEAK, cls).astype(np.int8)
    cls[sex_conflict] = _T_DIFF
    try:
        differ = a("r_parents_differ")
    except KeyError:
        differ = None
    if differ is not None:
        sib = a("relation") == RELATIONS.index("sibling")
        cls[(differ == 1) & sib] = _T_DIFF
    tie = jw + 0.01 * fam_eq
    return cls, tie


SURNAME_BY_DESCENT = ("father", "sibling", "child")


def kin_surname_levels(cmp: Comparison, view: PairView) -> np.ndarray:
    """missing · agree · different: a claim written without a surname ("A Phệnh", "Thị Say") that
    names a father or a sibling WITH one ("Cứ A Nọ") still says its clan — Vietnamese surnames
    pass from father to child — so the candidate's surname key is compared with that relative's
    (`c.kin_fam_key`: the claimed father's surname key, else a claimed sibling's). Only where the
    claim has no surname of its own (the surname comparison speaks otherwise)."""
    own, kin, p = view.c("fam_key"), view.c("kin_fam_key"), view.p("fam_key")
    sel = (own < 0) & (kin >= 0) & (p >= 0)
    return _select([(~sel, cmp.code("missing")), (kin == p, cmp.code("agree"))],
                   cmp.code("different"), view.n)


def relative_levels(cmp: Comparison, view: PairView, triples=None) -> Outcome:
    """not_claimed · strong · weak · not_recorded · different for one relation: the best recorded
    relative of that relation for any claimed relative of that relation (hlink style)."""
    r = RELATIONS.index(cmp.relation)
    n = view.n
    rv = view.relatives
    codes = np.full(n, cmp.code("not_claimed"), dtype=np.int8)
    edge = np.full(n, -1, dtype=np.int64)
    crel = np.full(n, -1, dtype=np.int64)
    tf = np.zeros(n, dtype=np.float64)
    if rv is None:
        return Outcome(codes=codes, tf=tf, edge=edge, crel=crel)
    claimed = np.asarray(rv.claimed)[:, r]
    nrec = np.asarray(rv.nrec)[:, r]
    codes[claimed & (nrec == 0)] = cmp.code("not_recorded")
    codes[claimed & (nrec > 0)] = cmp.code("different")
    if rv.n:
        cls, tie = triples if triples is not None else relative_triples(view)
        sel = np.flatnonzero(rv.a("relation") == r)
        if len(sel):
            pair = rv.a("pair")[sel].astype(np.int64)
            # best per pair: lowest class, then highest tie-break, then lowest edge (deterministic)
            order = np.lexsort((rv.a("edge")[sel], -tie[sel], cls[sel], pair))
            s = sel[order]
            p_sorted = pair[order]
            first = np.r_[True, p_sorted[1:] != p_sorted[:-1]]
            best = s[first]
            bp = p_sorted[first]
            lv = np.array([cmp.code("strong"), cmp.code("weak"), cmp.code("different")],
                          dtype=np.int8)[cls[best]]
            ok = claimed[bp]
            codes[bp[ok]] = lv[ok]
            edge[bp[ok]] = rv.a("edge")[best][ok]
            crel[bp[ok]] = rv.a("crel")[best][ok]
            # chance agreement: the whole name's register count; for a relative named by given
            # name only ("mẹ Thắng"), the given name's
            b = best[ok]
            given_only = (rv.a("c_ntok")[b] <= 1) | (rv.a("r_ntok")[b] <= 1)
            tf_full = view.tf("rel_name", rv.a("r_name")[b])
            tf_giv = view.tf("giv_key", rv.a("r_giv_key")[b])
            tf_rel = np.where(given_only, tf_giv, tf_full)
            if cmp.relation in SURNAME_BY_DESCENT:
                # a father, a sibling or a child carries the candidate's surname: when claim and
                # candidate already agree on that surname (counted by the surname comparison), the
                # chance that this relative's name agrees too is the name's share WITHIN the clan
                # (Giàng A Tủa among the Giàng), not among everyone; as a count over N that is
                # tf(name) · N / tf(clan)
                pp = bp[ok]
                p_fk = view.p("fam_key")[pp]
                # the claim's clan: its own surname, else the one its father/sibling carries
                c_fk = view.c("fam_key")[pp]
                c_fk = np.where(c_fk >= 0, c_fk, view.c("kin_fam_key")[pp])
                clan = (~given_only & (p_fk >= 0) & (c_fk == p_fk)
                        & (rv.a("r_fam_key")[b] == p_fk))
                if clan.any():
                    n_people = max(int(view.n_people), 1)
                    tf_clan = np.maximum(view.tf("fam_key", p_fk), 1.0)
                    tf_rel = np.where(clan, np.minimum(tf_full * n_people / tf_clan, n_people), tf_rel)
            tf[bp[ok]] = tf_rel
    return Outcome(codes=codes, tf=tf, edge=edge, crel=crel)
