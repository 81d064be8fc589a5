"""Vietnamese and minority personal names: parsing, variants, phonetic keys, teknonyms, ethnicity.

Owns what the package knows about a name before matching:
- parsing a full name into family / middle / given by naming culture — Kinh; Mông (clan + A/Thị,
  sometimes Seo/Mí, + given); Dao (generation middle names); Tày–Nùng; Thái — using the ethnicity
  when given and inferring the culture from the name otherwise; one-token names ("Páo"), clan-only
  names ("Giàng"), the address form ("A Páo") and names written in another order ("Páo Giàng A"),
  rotated back only on strong evidence: the last token is a known surname/clan and the first is clearly
  not one (not a surname written without diacritics, with a dialect spelling or one typo away, and not
  followed by a middle marker: "Chag A Tòng", "Lau A Cha" stay surname-first);
- teknonyms used as the name itself ("mẹ Sành": `ParsedName.teknonym`, columns `tek_relation`,
  `tek_name`): the name then says nothing about the person's own name parts;
- the sex a middle element marks (`name_sex_marker`, column `sex_marker`): A, Seo, Văn → M; Thị → F;
- surname and clan variants merged into `fam_key` (Hoàng/Huỳnh, Vũ/Võ, Lý/Lí; for Hmong names also
  Hầu/Hờ, Mùa/Mua, Sùng/Xồng, Thào/Thò, Giàng/Già/Dàng, Cứ/Cư ...; Chu/Châu stays apart: only
  'possible' in the facts);
- Vietnamese phonetic keys at three strictness levels (`strict`, `dialect`, `loose`) merging what
  speakers confuse when a name is written from speech. jellyfish's English phonetics are not used:
  metaphone gives 'NK' for Đặng and 'TNK' for Dang, and Soundex keeps Đ apart from D;
- aliases and teknonyms ("bố Súa" = father of Súa, so Súa is the claimant's child);
- canonical ethnicity names (Hmong, H'Mông, Mèo → Mông ...).
Everything has a whole-column form (`name_features`, `phonetic_key_expr`, `ethnicity_expr`,
`teknonym_relatives`) and a scalar twin (`parse_name`, `phonetic_key`, `canonical_ethnicity`,
`parse_alias`) that agree. Facts come from reconcile/data/names.json (scripts/build_name_data.py).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import polars as pl

from reconcile.vn.text import fold, fold_expr, norm, norm_expr

CULTURES = ("kinh", "hmong", "dao", "tay_nung", "thai", "other")
LEVELS = ("strict", "dialect", "loose")


@lru_cache(maxsize=1)
def facts() -> dict:
    """The name facts carried into package data."""
    return json.loads(resources.files("reconcile").joinpath("data/names.json").read_text("utf-8"))


# ---------------------------------------------------------------------------------------------
# Ethnicity
# ---------------------------------------------------------------------------------------------

_ETHNICITY = {
    "kinh": "Kinh", "viet": "Kinh", "nguoi kinh": "Kinh",
    "mong": "Mông", "hmong": "Mông", "h'mong": "Mông", "h mong": "Mông", "hmoong": "Mông",
    "meo": "Mông", "mong hoa": "Mông", "mong den": "Mông", "mong trang": "Mông", "miao": "Mông",
    "dao": "Dao", "yao": "Dao", "dao do": "Dao", "dao tien": "Dao", "dao quan chet": "Dao",
    "dao thanh y": "Dao", "man": "Dao", "mien": "Dao",
    "tay": "Tày", "tho": "Tày", "nung": "Nùng", "thai": "Thái", "tai": "Thái",
    "san chi": "Sán Chỉ", "san chay": "Sán Chay", "cao lan": "Sán Chay", "san diu": "Sán Dìu",
    "muong": "Mường", "e de": "Ê Đê", "ede": "Ê Đê", "rhade": "Ê Đê", "gia rai": "Gia Rai",
    "jarai": "Gia Rai", "m'nong": "M'Nông", "mnong": "M'Nông", "m nong": "M'Nông",
    "hoa": "Hoa", "khmer": "Khmer", "kho me": "Khmer", "cham": "Chăm", "ba na": "Ba Na",
    "bahnar": "Ba Na", "xo dang": "Xơ Đăng", "giay": "Giáy", "lo lo": "Lô Lô", "ha nhi": "Hà Nhì",
    "la chi": "La Chí", "pa then": "Pà Thẻn", "phu la": "Phù Lá", "khang": "Kháng",
    "kho mu": "Khơ Mú", "khmu": "Khơ Mú", "lao": "Lào", "lu": "Lự", "co ho": "Cơ Ho",
    "xtieng": "Xtiêng", "tay nung": "Tày",
}
_CULTURE_OF = {"Kinh": "kinh", "Mông": "hmong", "Dao": "dao", "Tày": "tay_nung", "Nùng": "tay_nung",
               "Thái": "thai"}


def canonical_ethnicity(text: str | None) -> str | None:
    """'Hmong', "H'Mông", 'MONG', 'Mèo' → 'Mông'; unknown text is kept (NFC, stripped); empty → None."""
    if text is None:
        return None
    key = fold(text).replace("dan toc ", "").replace("nguoi ", "").replace("-", " ").strip()
    if not key:
        return None
    if key in _ETHNICITY:
        return _ETHNICITY[key]
    if key.replace("'", "") in _ETHNICITY:
        return _ETHNICITY[key.replace("'", "")]
    if key.replace(" ", "") in _ETHNICITY:
        return _ETHNICITY[key.replace(" ", "")]
    return " ".join(w[:1].upper() + w[1:] for w in norm(text).split())


def ethnicity_expr(e: str | pl.Expr) -> pl.Expr:
    """Whole-column `canonical_ethnicity` (each distinct value is looked up once)."""
    col = pl.col(e) if isinstance(e, str) else e
    return col.map_batches(
        lambda s: s.replace_strict({v: canonical_ethnicity(v) for v in s.drop_nulls().unique()},
                                   default=None, return_dtype=pl.Utf8),
        return_dtype=pl.Utf8)


def culture_of_ethnicity(ethnicity: str | None) -> str | None:
    """Naming culture of a canonical ethnicity, None when unknown/missing."""
    if ethnicity is None:
        return None
    return _CULTURE_OF.get(canonical_ethnicity(ethnicity) or "", "other")


# ---------------------------------------------------------------------------------------------
# Surnames, clans and their variants
# ---------------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _tables() -> dict:
    f = facts()
    hmong_variant = {}          # folded variant → folded canonical clan (Hmong names only)
    clan_norm = set()           # clan spellings with diacritics (NFC lower)
    for canon, forms in f["hmong_clans"].items():
        for form in forms:
            hmong_variant[fold(form)] = fold(canon)
            clan_norm.add(norm(form))
    universal = {}              # folded variant → folded key (all cultures)
    for a, b in f["surname_variant_pairs"]:
        universal[fold(b)] = fold(a)
    universal.update({"li": "ly", "vy": "vi"})
    # Clan spellings that are also other peoples' surnames or common words are weak evidence of
    # Hmong culture on their own (Lý, Ma, Hồ/Hờ fold alike, Lò, Đặng/Dàng ...).
    ambiguous = {"ly", "li", "ma", "ho", "lo", "dang", "gia", "vu", "giang", "cha", "hang", "trang",
                 "khang", "lau", "vang", "cu"}
    strong_clan_norm = {c for c in clan_norm if fold(c) not in ambiguous} | {
        "giàng", "vàng", "lầu", "vừ", "tráng", "cứ", "hạng", "chá", "phàng"}
    kinh = {norm(s) for s in f["kinh_surnames"]}
    tay_nung = {norm(s) for s in ("Nông", "Lục", "Ma", "Bế", "Sầm", "Mông", "Ngân", "Vi", "Vy",
                                  "Lăng", "Hứa", "Đinh", "Hà", "Hoàng", "Lương", "Triệu")}
    tay_nung_strong = {norm(s) for s in ("Nông", "Lục", "Bế", "Sầm", "Ngân", "Lăng")}
    thai = {norm(s) for s in f["thai_surnames"]}
    thai_strong = {norm(s) for s in ("Lò", "Lường", "Quàng", "Tòng", "Cà", "Lỡo", "Mè", "Lù",
                                     "Lềm", "Ngần", "Cầm", "Đèo")}
    dao_strong = {norm(s) for s in ("Chảo", "Tẩn", "Bàn", "Phàn", "Chúc")}
    dao = {norm(s) for s in f["dao_surnames"]}
    variants = {norm(b) for _, b in f["surname_variant_pairs"]} | {"lí", "vy"}
    surnames = kinh | variants | clan_norm | tay_nung | thai | dao
    # Single tokens that are surnames and rarely given names: "Giàng" alone is a clan, "Páo" a name.
    given_too = {norm(s) for s in f["hmong_given_male"] + f["hmong_given_female"]} | {
        norm(s) for s in ("Mai", "Hà", "Lâm", "Long", "Văn", "Thái", "Cao", "Hoa", "Lương", "Kim",
                          "Vàng", "Lầu", "La", "Ma", "Chu", "Châu", "Đào", "Hồng", "Thanh",
                          "Tô", "Hoàng", "Quang", "Vi", "Vy", "Khang", "Lý", "Giang", "Trang",
                          "Hàng", "Văn", "Dương", "Phương", "Thân", "Từ", "Tăng", "Lăng", "Bạch")}
    clan_only = surnames - given_too
    return {
        "hmong_variant": hmong_variant, "universal": universal, "clan_norm": clan_norm,
        "strong_clan_norm": strong_clan_norm, "kinh": kinh, "tay_nung": tay_nung,
        "tay_nung_strong": tay_nung_strong, "thai": thai, "thai_strong": thai_strong,
        "dao": dao, "dao_strong": dao_strong, "surnames": surnames, "clan_only": clan_only,
        "surnames_fold": {fold(s) for s in surnames},
    }


MARKERS_HMONG = ("a", "seo", "mi")       # folded middle elements that mark a Hmong name
MARKERS_ANY = ("a", "thi", "seo", "mi", "van")
MARKERS_ROTATE = ("a", "thi", "seo", "mi")   # markers that are never a surname (Văn is one)


def surname_key(surname: str, culture: str | None = None) -> str:
    """Folded surname with variants merged; Hmong-only variants apply when culture is 'hmong'."""
    t = _tables()
    f = fold(surname)
    if culture == "hmong" and f in t["hmong_variant"]:
        return t["hmong_variant"][f]
    return t["universal"].get(f, f)


def surname_variants(surname: str) -> list[str]:
    """Other spellings of the same surname or clan the facts support (NFC, with diacritics)."""
    f = facts()
    n = norm(surname)
    out = set()
    for a, b in f["surname_variant_pairs"]:
        if n in (norm(a), norm(b)):
            out |= {a, b}
    for canon, forms in f["hmong_clans"].items():
        if n in {norm(x) for x in forms}:
            out |= set(forms)
    out.discard(surname)
    return sorted(out - {x for x in out if norm(x) == n})


# ---------------------------------------------------------------------------------------------
# Phonetic keys
# ---------------------------------------------------------------------------------------------

# (pattern on folded text, replacement, lowest level that applies it). Order matters.
_RULES: tuple[tuple[str, str, str], ...] = (
    (r"\bngh", "ng", "dialect"),
    (r"\bgh", "g", "dialect"),
    (r"\bgi([aeiouy])", "z${1}", "dialect"),  # gi + vowel = /z/ (north), /j/ (south)
    (r"\bgi\b", "zi", "dialect"),
    (r"\b[dr]", "z", "dialect"),              # d/gi/r
    (r"\bz", "z", "dialect"),                 # Zàng (Hmong spelling) already z
    (r"\bx", "s", "dialect"),                 # s/x
    (r"\btr", "ch", "dialect"),               # ch/tr
    (r"\bv", "z", "loose"),                   # v/d/gi (south)
    (r"\bl", "n", "loose"),                   # l/n (Red River delta)
    (r"\b[kq]", "c", "loose"),
    (r"\bph", "f", "loose"),
    (r"ng\b", "n", "loose"),                  # final n/ng
    (r"nh\b", "n", "loose"),                  # final nh/n
    (r"ch\b", "t", "loose"),                  # final ch/t
    (r"c\b", "t", "loose"),                   # final t/c
    (r"y", "i", "loose"),                     # Lý/Lí, Vy/Vi, Mỹ/Mĩ
)
_RANK = {lvl: i for i, lvl in enumerate(LEVELS)}


def _rules(level: str) -> list[tuple[str, str]]:
    if level not in _RANK:
        raise ValueError(f"unknown phonetic level {level!r}; use one of {LEVELS}")
    return [(p, r) for p, r, lvl in _RULES if _RANK[lvl] <= _RANK[level]]


def phonetic_key(text: str | None, level: str = "loose") -> str:
    """Vietnamese phonetic key of a name or token: tones always dropped; `dialect` merges d/gi/r,
    s/x, ch/tr; `loose` also v/d, l/n, final n/ng, nh/n, ch/t, t/c and y/i."""
    out = fold(text)
    for pat, rep in _rules(level):
        out = re.sub(pat, rep.replace("${1}", r"\1"), out, flags=re.ASCII)
    return out


def phonetic_key_expr(e: str | pl.Expr, level: str = "loose", folded: bool = False) -> pl.Expr:
    """Whole-column `phonetic_key`; pass `folded=True` when the column is already folded."""
    col = pl.col(e) if isinstance(e, str) else e
    out = col if folded else fold_expr(col)
    for pat, rep in _rules(level):
        out = out.str.replace_all(pat.replace(r"\b", r"(?-u:\b)"), rep)
    return out


# ---------------------------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ParsedName:
    """A parsed name. `family`, `middle`, `given` are NFC lowercase with diacritics; `*_fold` folded."""

    text: str
    norm: str
    fold: str
    family: str
    middle: str
    given: str
    culture: str
    fam_key: str
    giv_key: str
    name_key: str
    teknonym: "Teknonym | None" = None   # set when the name itself is a teknonym ("mẹ Sành")

    @property
    def tokens(self) -> list[str]:
        return self.norm.split()

    @property
    def address_form(self) -> str:
        """How people are called: middle + given ('a pao'), folded."""
        return fold(f"{self.middle} {self.given}")


def _infer_culture(toks_norm: list[str]) -> str:
    """Naming culture from the name alone (used when no ethnicity is given)."""
    t = _tables()
    if not toks_norm:
        return "kinh"
    folded = [fold(x) for x in toks_norm]
    first, n = toks_norm[0], len(toks_norm)
    if (n >= 3 and folded[1] in MARKERS_HMONG) or (n == 2 and folded[0] in MARKERS_HMONG):
        return "hmong"
    if first in t["strong_clan_norm"] or (n == 3 and folded[1] == "thi" and first in t["clan_norm"]
                                           and first not in t["kinh"]):
        return "hmong"
    if first in t["dao_strong"]:
        return "dao"
    if first in t["thai_strong"]:
        return "thai"
    if first in t["tay_nung_strong"]:
        return "tay_nung"
    return "kinh"


def _initial_key(folded: str) -> str:
    """Dialect-level phonetic key with v merged into d/gi/r too (Vừ/Dừ), for near-surname tests."""
    return re.sub(r"^v", "z", phonetic_key(folded, "dialect"))


@lru_cache(maxsize=1)
def _surname_near_tables() -> tuple[frozenset, frozenset, dict, frozenset]:
    """(folded surnames, their initial keys, folded surnames of 4+ letters by first letter,
    folded known given names that are not surnames)."""
    folds = frozenset(_tables()["surnames_fold"])
    keys = frozenset(_initial_key(x) for x in folds)
    by_first: dict[str, list[str]] = {}
    for x in sorted(folds):
        if len(x) >= 4:
            by_first.setdefault(x[0], []).append(x)
    f = facts()
    given = frozenset(fold(g) for g in f["hmong_given_male"] + f["hmong_given_female"]) - folds
    return folds, keys, by_first, given


def near_surname(token: str | None) -> bool:
    """True when a token could be a surname/clan written badly: a known surname folded (no
    diacritics: Lau), the same dialect-level key (d/gi/r/v, s/x, ch/tr: Dừ ~ Vừ), or, for tokens of 4+
    letters, one edit (insertion, deletion, substitution or adjacent transposition) from a known surname
    of 4+ letters with the same first letter (Chag ~ Chang). A known given name that is not a surname
    (Páo, Tủa) is never near. Such a token is not clear evidence that a name was written given-name
    first. (Looser tests, the loose phonetic key or one edit on 3-letter tokens, also catch most
    given names: measured on generated claims they lost a tenth of the true rotations for no fewer
    wrong ones.)"""
    from rapidfuzz.distance import OSA

    f = fold(token)
    if not f:
        return False
    folds, keys, by_first, given = _surname_near_tables()
    if f in folds:
        return True
    if f in given:
        return False
    if _initial_key(f) in keys:
        return True
    if len(f) < 4:
        return False
    return any(OSA.distance(f, s, score_cutoff=1) <= 1 for s in by_first.get(f[0], ()))


def _reorder(toks: list[str]) -> list[str]:
    """Put a name written in another order back into family-first order, on strong evidence only."""
    t = _tables()
    if len(toks) < 2:
        return toks
    f = [fold(x) for x in toks]
    is_sur = [x in t["surnames"] for x in toks]
    if is_sur[0]:
        return toks
    # "Páo Giàng A": given, clan, marker (a marker at the end is strong evidence on its own)
    if len(toks) == 3 and f[2] in MARKERS_ANY and is_sur[1]:
        return [toks[1], toks[2], toks[0]]
    # "Thị Lúa Lý", "Seo Khứ Vàng": a sex marker first, a surname last (registers that write the clan
    # last); a marker never opens a surname-first name of three tokens
    if len(toks) == 3 and f[0] in MARKERS_ROTATE and is_sur[2] and not is_sur[1]:
        return [toks[2], toks[0], toks[1]]
    if near_surname(toks[0]):
        return toks
    # "Páo Giàng": surname written last; a middle marker in second place says surname-first
    if (f[0] not in MARKERS_ANY and is_sur[-1] and toks[-1] in t["clan_only"]
            and not (len(toks) >= 3 and f[1] in MARKERS_ANY)):
        return [toks[-1]] + toks[:-1]
    return toks


def parse_name(text: str | None, ethnicity: str | None = None) -> ParsedName:
    """Parse one name; the whole-column `name_features` gives the same answers.

    A teknonym used as the name ("mẹ Sành", "bố Súa") sets `teknonym` and leaves the parts empty."""
    n = norm(text)
    tek = name_teknonym(n)
    if tek is not None:
        culture = culture_of_ethnicity(ethnicity) or "kinh"
        return ParsedName(text=text or "", norm=n, fold=fold(n), family="", middle="", given="",
                          culture=culture, fam_key="", giv_key="", name_key=phonetic_key(n), teknonym=tek)
    toks = _reorder(n.split())
    culture = culture_of_ethnicity(ethnicity) or _infer_culture(toks)
    t = _tables()
    fam = mid = giv = ""
    if len(toks) == 1:
        if toks[0] in t["clan_only"]:
            fam = toks[0]
        else:
            giv = toks[0]
    elif len(toks) == 2 and fold(toks[0]) in MARKERS_ANY:
        mid, giv = toks                       # address form "A Páo", "Thị Mỷ"
    elif len(toks) >= 2:
        fam, giv = toks[0], toks[-1]
        mid = " ".join(toks[1:-1])
    n2 = " ".join(toks)
    fam_key = surname_key(fam, culture) if fam else ""
    return ParsedName(text=text or "", norm=n2, fold=fold(n2), family=fam, middle=mid, given=giv,
                      culture=culture, fam_key=fam_key, giv_key=phonetic_key(giv),
                      name_key=phonetic_key(n2))


def name_features(df: pl.DataFrame, name_col: str, ethnicity_col: str | None = None,
                  prefix: str = "") -> pl.DataFrame:
    """Add the DESIGN.md name features of `name_col` with `prefix`: norm, fold, fam, mid, giv
    (folded parts), fam_key, giv_key, name_key, culture, ntok.

    Whole-column polars expressions, computed once per distinct (name, ethnicity) and joined back:
    registers repeat names heavily, so a million rows cost what their distinct names cost."""
    eth = ethnicity_col if ethnicity_col and ethnicity_col in df.columns else None
    keys = [name_col] + ([eth] if eth else [])
    out_cols = [f"{prefix}{c}" for c in FEATURE_COLUMNS]
    base = df.drop([c for c in out_cols if c in df.columns and c not in keys])
    uniq = base.select(keys).unique(maintain_order=True)
    if uniq.height * 10 > base.height * 9:          # nearly all distinct: no join needed
        return _name_features_rows(base, name_col, eth, prefix)
    feats = _name_features_rows(uniq, name_col, eth, prefix)
    return base.join(feats, on=keys, how="left", nulls_equal=True, maintain_order="left")


FEATURE_COLUMNS = ("norm", "culture", "fold", "fam", "mid", "giv", "ntok", "fam_key", "giv_key",
                   "name_key", "sex_marker", "tek_relation", "tek_name")


def _name_features_rows(df: pl.DataFrame, name_col: str, ethnicity_col: str | None,
                        prefix: str) -> pl.DataFrame:
    p = prefix
    t = _tables()
    tmp, ftmp = f"__{p}toks", f"__{p}ftoks"
    df = df.with_columns(norm_expr(name_col).fill_null("").alias(f"{p}norm"))
    # teknonyms used as the name: each distinct name is looked up once
    distinct = df.get_column(f"{p}norm").unique().to_list()
    teks = {v: name_teknonym(v) for v in distinct}
    teks = {v: k for v, k in teks.items() if k is not None}
    tek_rel = pl.col(f"{p}norm").replace_strict({v: k.relation for v, k in teks.items()}, default=None,
                                                return_dtype=pl.Utf8)
    tek_name = pl.col(f"{p}norm").replace_strict({v: norm(k.name) for v, k in teks.items()}, default=None,
                                                 return_dtype=pl.Utf8)
    df = df.with_columns(tek_rel.alias(f"{p}tek_relation"), tek_name.alias(f"{p}tek_name"),
                         pl.col(f"{p}norm").alias(f"__{p}orig"))
    is_tek = pl.col(f"{p}tek_relation").is_not_null()
    df = df.with_columns(pl.when(is_tek).then(pl.lit([], dtype=pl.List(pl.Utf8)))
                         .otherwise(pl.col(f"{p}norm").str.split(" ").list.eval(
                             pl.element().filter(pl.element() != ""))).alias(tmp))
    toks = pl.col(tmp)
    n = toks.list.len()
    t0, t1, t2 = toks.list.get(0, null_on_oob=True), toks.list.get(1, null_on_oob=True), \
        toks.list.get(2, null_on_oob=True)
    tl = toks.list.get(-1, null_on_oob=True)
    sur = list(t["surnames"])
    clan_only = list(t["clan_only"])
    markers_norm = ["a", "thị", "thi", "seo", "mí", "mi", "văn", "van"]
    firsts = df.select(toks.list.get(0, null_on_oob=True)).to_series().drop_nulls().unique().to_list()
    near = [v for v in firsts if near_surname(v)]
    clear0 = ~t0.is_in(sur) & ~t0.is_in(near)
    # names written in another order (see _reorder)
    rot3 = (n == 3) & t2.is_in(markers_norm) & t1.is_in(sur) & ~t0.is_in(sur)
    rot_marker = ((n == 3) & fold_expr(t0).is_in(list(MARKERS_ROTATE)) & t2.is_in(sur) & ~t1.is_in(sur)
                  & ~t0.is_in(sur) & ~rot3)
    rot_last = ((n >= 2) & clear0 & ~t0.is_in(markers_norm) & tl.is_in(sur)
                & tl.is_in(clan_only) & ~((n >= 3) & t1.is_in(markers_norm)) & ~rot3)
    df = df.with_columns(
        pl.when(rot3).then(pl.concat_list(t1, t2, t0))
        .when(rot_marker).then(pl.concat_list(t2, t0, t1))
        .when(rot_last).then(pl.concat_list(tl, toks.list.slice(0, n - 1)))
        .otherwise(toks).alias(tmp))
    df = df.with_columns(pl.col(tmp).list.join(" ").alias(f"{p}norm"),
                         pl.col(tmp).list.eval(fold_expr(pl.element())).alias(ftmp))
    toks, ftoks = pl.col(tmp), pl.col(ftmp)
    n = toks.list.len()
    t0 = toks.list.get(0, null_on_oob=True)
    f0, f1 = ftoks.list.get(0, null_on_oob=True), ftoks.list.get(1, null_on_oob=True)
    fl = ftoks.list.get(-1, null_on_oob=True)
    # culture: from ethnicity when given, else inferred from the name
    hmong_inf = (((n >= 3) & f1.is_in(list(MARKERS_HMONG)))
                 | ((n == 2) & f0.is_in(list(MARKERS_HMONG)))
                 | t0.is_in(list(t["strong_clan_norm"]))
                 | ((n == 3) & (f1 == "thi") & t0.is_in(list(t["clan_norm"]))
                    & ~t0.is_in(list(t["kinh"]))))
    inferred = (pl.when(hmong_inf).then(pl.lit("hmong"))
                .when(t0.is_in(list(t["dao_strong"]))).then(pl.lit("dao"))
                .when(t0.is_in(list(t["thai_strong"]))).then(pl.lit("thai"))
                .when(t0.is_in(list(t["tay_nung_strong"]))).then(pl.lit("tay_nung"))
                .otherwise(pl.lit("kinh")))
    if ethnicity_col and ethnicity_col in df.columns:
        eth = df.get_column(ethnicity_col).cast(pl.Utf8)
        mapping = {v: culture_of_ethnicity(v) for v in eth.drop_nulls().unique().to_list()}
        given_culture = pl.col(ethnicity_col).cast(pl.Utf8).replace_strict(
            mapping, default=None, return_dtype=pl.Utf8)
        culture = pl.coalesce(given_culture, inferred)
    else:
        culture = inferred
    single_fam = (n == 1) & t0.is_in(clan_only)
    address = (n == 2) & f0.is_in(list(MARKERS_ANY))
    fam = pl.when(single_fam | ((n >= 2) & ~address)).then(f0).otherwise(pl.lit(""))
    giv = pl.when(single_fam | (n == 0)).then(pl.lit("")).otherwise(fl)
    mid = (pl.when(address).then(f0)
           .when(n >= 3).then(ftoks.list.slice(1, n - 2).list.join(" "))
           .otherwise(pl.lit("")))
    df = df.with_columns(
        culture.alias(f"{p}culture"),
        ftoks.list.join(" ").alias(f"{p}fold"),
        fam.fill_null("").alias(f"{p}fam"),
        mid.fill_null("").alias(f"{p}mid"),
        giv.fill_null("").alias(f"{p}giv"),
        n.cast(pl.Int8).alias(f"{p}ntok"),
    ).drop(tmp, ftmp)
    fam_f = pl.col(f"{p}fam")
    fam_key = (pl.when(pl.col(f"{p}culture") == "hmong")
               .then(fam_f.replace(t["hmong_variant"]).replace(t["universal"]))
               .otherwise(fam_f.replace(t["universal"])))
    orig = pl.col(f"__{p}orig")
    df = df.with_columns(
        pl.when(is_tek).then(orig).otherwise(pl.col(f"{p}norm")).alias(f"{p}norm"),
        pl.when(is_tek).then(fold_expr(orig)).otherwise(pl.col(f"{p}fold")).alias(f"{p}fold"),
        pl.when(is_tek).then(orig.str.split(" ").list.len().cast(pl.Int8)).otherwise(pl.col(f"{p}ntok"))
        .alias(f"{p}ntok"),
    ).drop(f"__{p}orig")
    return df.with_columns(
        fam_key.alias(f"{p}fam_key"),
        phonetic_key_expr(f"{p}giv", folded=True).alias(f"{p}giv_key"),
        phonetic_key_expr(f"{p}fold", folded=True).alias(f"{p}name_key"),
        sex_marker_expr(f"{p}mid").alias(f"{p}sex_marker"),
    )


# ---------------------------------------------------------------------------------------------
# Sex markers
# ---------------------------------------------------------------------------------------------

# Folded first middle element → sex it marks (vietnam-domain.md §2: Hmong A / Thị [solid], Seo male
# [medium], Kinh-style Văn / Thị; Mí is attested but its sex is NOT confirmed, and Mỷ/Mỵ/Mai are female
# given names, not markers, so neither marks anything here).
SEX_MARKERS = {"a": "M", "seo": "M", "van": "M", "thi": "F"}


def name_sex_marker(parsed: ParsedName) -> str | None:
    """'M' / 'F' when the first middle element marks the sex (A, Seo, Văn → M; Thị → F), else None.

    Works on the address form too ("A Páo" → M, "Thị Sông" → F); a teknonym name marks nothing here
    (its lead word says the claimant's sex: `parsed.teknonym.claimant_sex`)."""
    if parsed.teknonym is not None or not parsed.middle:
        return None
    return SEX_MARKERS.get(fold(parsed.middle.split()[0]))


def sex_marker_expr(mid: str | pl.Expr) -> pl.Expr:
    """Whole-column `name_sex_marker` from a folded middle column."""
    col = pl.col(mid) if isinstance(mid, str) else mid
    return (col.fill_null("").str.split(" ").list.first()
            .replace_strict(SEX_MARKERS, default=None, return_dtype=pl.Utf8))


# ---------------------------------------------------------------------------------------------
# Aliases and teknonyms
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Teknonym:
    """An alias naming the claimant by a relative: 'bố Súa' → relation='child', name='Súa'.

    `relation` is how the named person relates to the claimant; `claimant_sex` is implied by the
    word used (bố → M, mẹ → F) or None."""

    relation: str
    name: str
    claimant_sex: str | None
    word: str


# folded lead word(s) → (relation of the named person to the claimant, claimant's sex)
_TEKNONYM_WORDS: dict[str, tuple[str, str | None]] = {
    "bo": ("child", "M"), "cha": ("child", "M"), "ba": ("child", "M"), "bo cua": ("child", "M"),
    "cha cua": ("child", "M"), "tia": ("child", "M"), "thay": ("child", "M"),
    "me": ("child", "F"), "ma": ("child", "F"), "me cua": ("child", "F"), "u": ("child", "F"),
    "bam": ("child", "F"), "mang": ("child", "F"),
    "ong": ("grandchild", "M"), "ong cua": ("grandchild", "M"),
    "ba noi": ("grandchild", "F"), "ba ngoai": ("grandchild", "F"),
    "vo": ("spouse", "F"), "vo cua": ("spouse", "F"), "chong": ("spouse", "M"),
    "chong cua": ("spouse", "M"),
    "con ong": ("father", None), "con cua ong": ("father", None), "con ba": ("mother", None),
    "con cua ba": ("mother", None),
    "father of": ("child", "M"), "dad of": ("child", "M"), "mother of": ("child", "F"),
    "mom of": ("child", "F"), "mum of": ("child", "F"), "grandfather of": ("grandchild", "M"),
    "grandmother of": ("grandchild", "F"), "grandpa of": ("grandchild", "M"),
    "grandma of": ("grandchild", "F"), "wife of": ("spouse", "F"), "husband of": ("spouse", "M"),
    "son of": ("father", "M"), "daughter of": ("father", "F"), "child of": ("father", None),
}
# "bà" folds to "ba" like "ba" (dad, southern): decide on the diacritic form.
_BA_GRANDMOTHER = "bà"
_LEAD_RE = re.compile(r"^(" + "|".join(sorted((re.escape(k) for k in _TEKNONYM_WORDS),
                                              key=len, reverse=True)) + r")\s+(\S.*)$")


def parse_alias(text: str | None) -> Teknonym | None:
    """'bố Súa' → Teknonym('child', 'Súa', 'M', 'bố'); 'ông Sính' → grandchild; a plain name → None."""
    n = norm(text)
    if not n:
        return None
    f = fold(n)
    m = _LEAD_RE.match(f)
    if not m:
        return None
    word = m.group(1)
    nwords = len(word.split())
    orig_tokens = n.split()
    name_tokens = orig_tokens[nwords:]
    if not name_tokens:
        return None
    relation, sex = _TEKNONYM_WORDS[word]
    if word == "ba" and orig_tokens[0] == _BA_GRANDMOTHER:
        relation, sex = "grandchild", "F"
    # Keep the name as written (NFC, original case) from the input.
    raw = [w for w in re.split(r"\s+", (text or "").strip()) if w]
    name = " ".join(raw[nwords:]) if len(raw) >= len(orig_tokens) else " ".join(name_tokens)
    return Teknonym(relation=relation, name=name, claimant_sex=sex, word=" ".join(orig_tokens[:nwords]))


# Lead words (NFC lowercase, with diacritics) that make a whole name a teknonym. Only forms that are
# not also surnames or given names: "Ma", "Mè", "Cha", "Ba" (Ma/Mè are Tày/Thái surnames, Chá a Hmong
# clan) are left to `parse_alias`, where an alias is known not to be the registered name.
_NAME_TEKNONYM_LEADS = ("bố của", "mẹ của", "cha của", "ông của", "bà của", "vợ của", "chồng của",
                        "bố", "mẹ", "tía", "bầm", "ông", "bà nội", "bà ngoại", "bà", "vợ", "chồng",
                        "father of", "mother of", "wife of", "husband of")


def name_teknonym(text: str | None) -> Teknonym | None:
    """The teknonym a whole name is ("mẹ Sành" → Teknonym('child', 'Sành', 'F', 'mẹ')), else None.

    Needs a lead word written with its diacritics (bố, mẹ, ông, bà ...) followed by one to three name
    tokens that do not start with a middle marker of the person's own name ("Bà Thị Lan" is not one)."""
    n = norm(text)
    toks = n.split()
    if len(toks) < 2:
        return None
    for lead in _NAME_TEKNONYM_LEADS:
        lw = lead.split()
        if toks[:len(lw)] == lw:
            rest = toks[len(lw):]
            if not 1 <= len(rest) <= 3 or fold(rest[0]) in ("thi", "van"):
                return None
            if lead in ("ông", "bà") and len(rest) == 3:
                return None      # "Ông Văn Nam": a surname Ông with a three-part name
            return parse_alias(n)
    return None


def teknonym_relatives(claims: pl.DataFrame, aliases_col: str = "aliases") -> pl.DataFrame:
    """Turn teknonym aliases of each claim into relatives rows.

    Returns the claim's other requested key columns (everything but the aliases column, usually
    `claim_idx`/`claim_id`) plus `relation`, `name`, `birth_year` (Int32, null), `claimant_sex`,
    one row per teknonym; plain aliases produce no row. Distinct aliases are parsed once."""
    keys = [c for c in claims.columns if c != aliases_col]
    empty = pl.DataFrame(schema={**{k: claims.schema[k] for k in keys}, "relation": pl.Utf8,
                                 "name": pl.Utf8, "birth_year": pl.Int32, "claimant_sex": pl.Utf8})
    if aliases_col not in claims.columns or claims.height == 0:
        return empty
    col = claims.get_column(aliases_col)
    long = claims.select(*keys, pl.col(aliases_col).alias("__alias"))
    if col.dtype == pl.Utf8:
        long = long.with_columns(pl.col("__alias").str.split(";"))
    long = long.explode("__alias").filter(pl.col("__alias").is_not_null())
    if long.height == 0:
        return empty
    parsed = {a: parse_alias(a) for a in long.get_column("__alias").unique().to_list()}
    table = pl.DataFrame(
        [{"__alias": a, "relation": t.relation, "name": t.name, "claimant_sex": t.claimant_sex}
         for a, t in parsed.items() if t is not None],
        schema={"__alias": pl.Utf8, "relation": pl.Utf8, "name": pl.Utf8, "claimant_sex": pl.Utf8})
    out = long.join(table, on="__alias", how="inner", maintain_order="left")
    return out.select(*keys, "relation", "name", pl.lit(None, dtype=pl.Int32).alias("birth_year"),
                      "claimant_sex")
