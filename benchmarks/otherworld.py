"""An independent world model for the Central Highlands problem: lineages, migration, registration and
claims, written without reference to `reconcile.synth` (issue 10: check that what is fitted in one
generated world transfers to another). Benchmarks only; synthetic people only.

The model, in order:

1. **Lineages.** Founder couples (husbands born 1922–1962) of five northern cultures (Hmong, Dao, Tày,
   Nùng, Sán Chỉ, plus a few Kinh), each lineage with a clan surname, a home commune in one northern
   province and two propensities (to migrate, to register). Generations follow: children per couple from a
   culture- and era-dependent negative binomial, births spaced from the mother's age 18; sons and daughters
   marry at 17–26 within their culture (clan exogamy for Hmong and Dao, i.e. never the same surname),
   mostly within their home province; unmatched men take an outside wife (a person with no parents in the
   world). Deaths from an era-dependent lifetime (child mortality before 1980). Hmong elders live with
   their youngest married son (a custom the model keeps), others head their own household until death.
2. **Names.** Hmong: clan + sex marker (A / Seo / Mí / Văn for men, Thị / Mí for women) + a one-syllable
   given name; Dao: clan + a generation name fixed by the clan's cycle (brothers share it, father and son
   differ) + given; Tày/Nùng/Sán Chỉ/Kinh: Văn/Thị + Sino-Vietnamese given names. Given names are drawn
   from per-culture Zipf laws over vocabularies that mix attested tokens with invented syllables (onset +
   rhyme + tone), so the tail holds names the model has never seen.
3. **Migration.** Each lineage has a wave (1988–2016, four peaks) and a destination commune in Đắk Lắk,
   Đắk Nông, Gia Lai, Lâm Đồng or Bình Phước; each household of the lineage alive at the wave leaves with
   the lineage's propensity (chain migration to the same commune), later households follow with a delay;
   some move a second time to another highland commune; the rest stay in the north. Hometown (quê quán) is
   the father's home commune, also for children born in the south.
4. **Registration** is per household: the register holds northern households (high rate) and migrant
   households with a rate falling with arrival year and varying by commune; a few members of registered
   households are missing (newborns, young men away). The register has its own errors: year typos, missing
   or default (01/01) birth dates, month-only dates, diacritics dropped, given-name-first order, dialect
   spellings, a migrant household whose book was left in the home commune (residence still the northern
   commune), 2025-style addresses without district, ethnicity spelled several ways, and local Ê Đê / M'nông
   / Kinh households that no claim is about.
5. **Claims** from living people aged ≥ 14 in the highlands: registered, absent with registered relatives,
   absent with nobody registered (mix is a knob). A claimant gives the name as said (without surname, a
   teknonym "bố Súa", dialect confusions, another middle name after marriage, typos, no diacritics), a
   hometown as remembered (old province of the year they left, the 2025-merged name, a district only), an
   age (sometimes tuổi mụ), a zodiac (Tết boundary errors), a year or a range, and relatives with their own
   errors; the tags of what was done are kept in `truth.corruptions`.

`generate(OtherConfig(...), seed)` returns an `OtherWorld` (population, claims, truth, stats).
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field, replace

import numpy as np
import polars as pl

YEAR = 2024

# --------------------------------------------------------------------------------------- configuration


@dataclass(frozen=True)
class OtherConfig:
    """Knobs of the other world. `people` is the target number of register rows (±15%)."""
    people: int = 20_000
    claims: int = 1_000
    mix: tuple[float, float, float] = (0.55, 0.25, 0.20)   # registered, absent_relatives, absent
    name_concentration: float = 1.0     # multiplies every Zipf exponent of given names
    registration: float = 1.0           # multiplies the odds of a household being registered
    errors: float = 1.0                 # multiplies register and claim error rates
    richness: float = 1.0               # multiplies how often claims give relatives and details
    local_share: float = 0.30           # share of register rows from local (non-migrant) households


SETTINGS: dict[str, dict] = {
    "default": {},
    "hard": {"name_concentration": 1.35, "errors": 1.6, "richness": 0.6, "registration": 0.7},
    "easy_rich": {"name_concentration": 0.8, "errors": 0.6, "richness": 1.6, "registration": 1.3},
}


def config(setting: str, people: int, claims: int) -> OtherConfig:
    return replace(OtherConfig(people=people, claims=claims), **SETTINGS[setting])


@dataclass
class OtherWorld:
    population: pl.DataFrame
    claims: list[dict]
    truth: pl.DataFrame
    config: OtherConfig
    seed: int
    stats: dict = field(default_factory=dict)
    people: pl.DataFrame | None = None      # every person of the world (registered or not), for reading


# ------------------------------------------------------------------------------------------ vocabulary

CULTURES = ["Mông", "Dao", "Tày", "Nùng", "Sán Chỉ", "Kinh"]
CULT_SHARE = np.array([0.46, 0.16, 0.14, 0.12, 0.04, 0.08])
HMONG, DAO, TAY, NUNG, SANCHI, KINH = range(6)
# mean children per couple at mother's birth year ~1950; falls after 1975
CHILDREN_MEAN = np.array([6.2, 5.0, 4.2, 4.4, 4.6, 3.6])
GIVEN_ZIPF = np.array([1.18, 1.05, 0.82, 0.86, 0.95, 0.74])

SURNAMES = {
    HMONG: (["Giàng", "Vàng", "Sùng", "Thào", "Lý", "Hầu", "Mùa", "Lầu", "Vừ", "Tráng", "Cứ", "Hạng", "Chá",
             "Phàng", "Khang", "Hờ", "Mua"],
            [17, 14, 12, 10, 9, 5, 6, 5, 5, 3, 3, 2, 2, 2, 1, 3, 1]),
    DAO: (["Bàn", "Triệu", "Đặng", "Lý", "Chảo", "Tẩn", "Phùng", "Chúc", "Chu", "Lưu", "Đàm", "Phàn"],
          [18, 16, 12, 10, 8, 8, 7, 3, 3, 2, 2, 4]),
    TAY: (["Hoàng", "Nông", "Lục", "Lương", "Ma", "Hà", "Bế", "Đàm", "Triệu", "Lý", "Sầm", "La", "Vi", "Mông",
           "Ngân", "Dương", "Nguyễn"],
          [16, 14, 8, 8, 7, 7, 6, 4, 4, 4, 3, 3, 3, 2, 2, 3, 6]),
    NUNG: (["Hoàng", "Nông", "Lục", "Vi", "Vy", "Mã", "Lương", "Triệu", "Chu", "Lâm", "Sầm", "Lý", "Mông"],
           [18, 14, 10, 8, 4, 6, 6, 5, 4, 4, 3, 5, 2]),
    SANCHI: (["Lý", "Trần", "Hoàng", "Đặng", "La", "Chìu", "Lỷ", "Tằng"], [6, 4, 4, 3, 2, 2, 1, 1]),
    KINH: (["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
            "Dương", "Trương", "Đinh", "Mai", "Đoàn", "Cao"],
           [296, 101, 84, 59, 41, 32, 20, 26, 19, 27, 18, 22, 16, 12, 17, 16, 10, 9, 9]),
}

HMONG_M = ["Páo", "Tủa", "Súa", "Lử", "Lềnh", "Chống", "Cháng", "Dơ", "Sính", "Khứ", "Sấu", "Thán", "Nọ",
           "Trỉa", "Dếnh", "Váng", "Phử", "Tế", "Phềnh", "Say", "Hủ", "Chiều", "Lồng", "Dính", "Chứ", "Pó",
           "Sềnh", "Lầu", "Tráng", "Chả", "Giàng", "Của", "Mua", "Nhìa", "Chư", "Sinh", "Vư", "Xà", "Lù"]
HMONG_F = ["Mỷ", "Mỵ", "Mai", "Dở", "Dợ", "Pa", "Sua", "Súa", "Dua", "Lúa", "Sầu", "Bông", "Hoa", "Chi",
           "Dế", "Say", "Sinh", "Máy", "Chở", "Xúa", "Già", "Ký", "Chu", "Dinh", "Pàng", "Nhè"]
DAO_TOK = ["Láo", "Tả", "Mẩy", "Mắn", "Seo", "Chàn", "Chòi", "Phủ", "Nhậy", "Quẩy", "Vần", "Sài", "Chản",
           "Kiềm", "Tòng", "Phin", "Liều", "Pham", "Sinh", "Chiêu", "Dùng", "Lở", "Nải", "Xuân", "Lìn"]
SV_M = ["Minh", "Hùng", "Dũng", "Tuấn", "Thắng", "Hải", "Sơn", "Nam", "Long", "Bình", "Cường", "Phong",
        "Quang", "Trung", "Thành", "Hòa", "Tâm", "Tiến", "Khánh", "Đức", "Hiếu", "Kiên", "Lâm", "Lực",
        "Mạnh", "Nghĩa", "Phúc", "Quý", "Tài", "Thái", "Thịnh", "Toàn", "Tùng", "Vinh", "Việt", "Chiến",
        "Công", "Định", "Giang", "Huy", "Hưng", "Lợi", "Lộc", "Ngọc", "Nhất", "Sáng", "Tân", "Thanh",
        "Thuận", "Trọng", "Vũ", "Xuân", "Pắn", "Slằng", "Đoàn", "Chính", "Hậu", "Kỳ", "Luân", "Sỹ"]
SV_F = ["Lan", "Hoa", "Hương", "Mai", "Thu", "Hằng", "Hạnh", "Linh", "Liên", "Ngọc", "Nga", "Nhung",
        "Phương", "Thảo", "Trang", "Tuyết", "Vân", "Yến", "Xuân", "Dung", "Hiền", "Huệ", "Loan", "Lụa",
        "Lý", "Mến", "Nương", "Oanh", "Quyên", "Sen", "Thắm", "Thơm", "Thúy", "Thủy", "Tươi", "Uyên",
        "Vui", "Chuyên", "Đào", "Hồng", "Kim", "Luyến", "Mơ", "Ngân", "Nhàn", "Quế", "Sinh", "Tình",
        "Pắc", "Slao", "Dịu", "Hậu"]
DAO_GEN = {"Bàn": ["Văn", "Lộc", "Thành", "Kim", "Tài", "Nguyên", "Hữu"],
           "Triệu": ["Văn", "Minh", "Kim", "Tiến", "Xuân"], "Lý": ["Vinh", "Nguyên", "Phượng", "Tiến", "Quý"],
           "Phùng": ["Dùng", "Thanh", "Xuân", "Văn", "Kim", "Chang"],
           "Chúc": ["Ỳ", "Tạ", "Thông", "Minh", "Phùng"]}
DAO_GEN_POOL = ["Văn", "Kim", "Tiến", "Xuân", "Minh", "Phúc", "Tài", "Quý", "Seo", "Láo", "Tả", "Chàn"]

EDE_CLANS = ["Niê", "Êban", "Mlô", "Ktla", "Byă", "Ayun", "Adrơng", "Knul", "Hwing", "Kpă", "Êya", "Nông"]
EDE_GIVEN = ["Bhim", "Blưk", "Sin", "Khoa", "Thuôn", "Djao", "Nuê", "Rin", "Hyơn", "Dhin", "Mrư", "Lang",
             "Tlan", "Khăm", "Ju", "Bông", "Hriê", "Yơn", "Nhi", "Wơn", "Mai", "Phi", "Kông", "Suin"]

ONSETS = ["P", "Ph", "T", "Th", "Tr", "Ch", "S", "X", "D", "Gi", "L", "N", "M", "V", "H", "K", "Kh", "Nh",
          "Ng", "Đ", "Sl", "C"]
RHYMES = ["a", "ua", "ia", "ao", "ê", "ênh", "ông", "ang", "ư", "u", "ô", "ơ", "i", "ay", "ây", "ua", "ông",
          "ăng", "inh", "ưa", "ầu", "e", "o", "ong", "ơi", "ai", "ìn", "ưng"]
TONES = ["", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"]
VOWELS = set("aăâeêioôơuưy")


def _nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s)


def _strip(s: str) -> str:
    s = unicodedata.normalize("NFD", s)
    s = "".join(c for c in s if unicodedata.category(c) != "Mn")
    return s.replace("đ", "d").replace("Đ", "D")


def _syllable(rng: np.random.Generator) -> str:
    on = ONSETS[rng.integers(len(ONSETS))]
    rh = RHYMES[rng.integers(len(RHYMES))]
    base = unicodedata.normalize("NFD", rh)
    if any(unicodedata.category(c) == "Mn" and c in TONES for c in base):
        return _nfc(on + rh)
    tone = TONES[rng.integers(len(TONES))]
    chars = list(base)
    for i, c in enumerate(chars):
        if c.lower() in "aeiouy":
            j = i + 1
            while j < len(chars) and unicodedata.category(chars[j]) == "Mn":
                j += 1
            chars.insert(j, tone)
            break
    return _nfc(on + "".join(chars))


def _vocab(rng: np.random.Generator, attested: list[str], extra: int, avoid: set[str]) -> list[str]:
    out = list(dict.fromkeys(_nfc(a) for a in attested))
    seen = set(out) | avoid
    while len(out) < len(attested) + extra:
        s = _syllable(rng)
        if s not in seen:
            seen.add(s)
            out.append(s)
    # shuffle invented ones among attested so attested names are not always the most frequent
    idx = rng.permutation(len(out))
    head = sorted(range(min(12, len(attested))), key=lambda _: rng.random())
    order = list(head) + [i for i in idx if i not in head]
    return [out[i] for i in order]


# ------------------------------------------------------------------------------------------ dialect & typos

INITIAL_SETS = [["d", "gi", "r"], ["s", "x"], ["ch", "tr"], ["l", "n"], ["v", "d"], ["đ", "d"], ["ph", "p"]]
FINAL_SETS = [["ng", "n"], ["c", "t"], ["nh", "n"]]
TONE_SETS = [["\u0309", "\u0303"], ["\u0303", "\u0323"], ["\u0300", ""], ["\u0301", "\u0309"]]


def dialect(tok: str, rng: np.random.Generator) -> str:
    """One confusion applied to a syllable: initial, final or tone (the last for spelling by ear)."""
    d = unicodedata.normalize("NFD", tok)
    low = d.lower()
    order = rng.permutation(3)
    for k in order:
        if k == 0:
            for g in INITIAL_SETS:
                for a in sorted(g, key=len, reverse=True):
                    if low.startswith(a) and not (a == "gi" and len(low) == 2) and not (
                            a == "n" and low[1:2] in ("g", "h")):
                        b = g[rng.integers(len(g))]
                        if b != a:
                            out = b + d[len(a):]
                            return _nfc(out[:1].upper() + out[1:])
                        break
        elif k == 1:
            for g in FINAL_SETS:
                for a in sorted(g, key=len, reverse=True):
                    if low.endswith(a) and len(low) > len(a) + 1:
                        b = g[rng.integers(len(g))]
                        if b == "nh" and _strip(low[-2:-1]) not in ("i", "e", "a"):
                            break
                        if b != a and not (a == "n" and b == "ng" and low.endswith("ng")):
                            return _nfc(d[: len(d) - len(a)] + b)
                        break
        else:
            marks = [c for c in d if c in TONES[1:]]
            if low.endswith(("c", "t", "p", "ch")):
                # a checked syllable takes only sắc or nặng: swap them
                if marks:
                    return _nfc(d.replace(marks[0], "\u0323" if marks[0] == "\u0301" else "\u0301"))
                continue
            for g in TONE_SETS:
                if g[0] and g[0] in d:
                    return _nfc(d.replace(g[0], g[1]))
            if marks:
                return _nfc(d.replace(marks[0], TONES[1 + rng.integers(5)]))
            # add a tone to a toneless syllable
            for i, c in enumerate(d):
                if c.lower() in "aeiouy":
                    return _nfc(d[: i + 1] + TONES[1 + rng.integers(5)] + d[i + 1:])
    return tok


def typo(tok: str, rng: np.random.Generator) -> str:
    """Keyboard slip in one syllable: transposition, deletion, doubling or a neighbour letter."""
    if len(tok) < 2:
        return tok + tok[-1:]
    k = rng.integers(4)
    i = int(rng.integers(1 if len(tok) > 2 else 0, len(tok) - 1))
    if k == 0:
        s = tok[:i] + tok[i + 1] + tok[i] + tok[i + 2:]
    elif k == 1 and len(tok) > 2:
        s = tok[:i + 1] + tok[i + 2:]
    elif k == 2:
        s = tok[:i + 1] + tok[i] + tok[i + 1:]
    else:
        s = tok[:i + 1] + "aeiounhtc"[rng.integers(9)] + tok[i + 2:]
    s = _nfc(s)
    return s[:1].upper() + s[1:].lower() if s else tok


# ------------------------------------------------------------------------------------------ places

# north: province -> (pre-2025 name, old name, old name used until, 2025 name, {district: [communes]})
NORTH = {
    "ha_giang": ("Hà Giang", "Hà Tuyên", 1991, "Tuyên Quang", {
        "Đồng Văn": ["Lũng Cú", "Sủng Là", "Phố Bảng", "Sà Phìn", "Lũng Táo"],
        "Mèo Vạc": ["Pải Lủng", "Sơn Vĩ", "Xín Cái", "Lũng Pù", "Khâu Vai"],
        "Yên Minh": ["Lao Và Chải", "Du Già", "Mậu Duệ", "Sủng Thài"],
        "Quản Bạ": ["Tùng Vài", "Cán Tỷ", "Lùng Tám"], "Hoàng Su Phì": ["Nậm Dịch", "Hồ Thầu"],
        "Xín Mần": ["Pà Vầy Sủ", "Nàn Xỉn"]}),
    "cao_bang": ("Cao Bằng", "Cao Lạng", 1978, "Cao Bằng", {
        "Bảo Lạc": ["Cốc Pàng", "Hồng Trị", "Xuân Trường"], "Hà Quảng": ["Lũng Nặm", "Vần Dính", "Sóc Hà"],
        "Bảo Lâm": ["Đức Hạnh", "Lý Bôn", "Nam Quang"], "Nguyên Bình": ["Thành Công", "Ca Thành"],
        "Thông Nông": ["Cần Yên", "Lương Can"], "Trùng Khánh": ["Đình Phong", "Ngọc Khê"]}),
    "lao_cai": ("Lào Cai", "Hoàng Liên Sơn", 1991, "Lào Cai", {
        "Bắc Hà": ["Lùng Phình", "Bản Phố", "Tả Văn Chư"], "Si Ma Cai": ["Sán Chải", "Nàn Sán", "Cán Cấu"],
        "Mường Khương": ["Pha Long", "Tả Ngải Chồ", "Lùng Vai"], "Sa Pa": ["Tả Phìn", "Lao Chải", "Bản Khoang"],
        "Bát Xát": ["Y Tý", "A Lù", "Dền Sáng"]}),
    "yen_bai": ("Yên Bái", "Hoàng Liên Sơn", 1991, "Lào Cai", {
        "Mù Cang Chải": ["Lao Chải", "Khao Mang", "Púng Luông", "Dế Xu Phình"],
        "Trạm Tấu": ["Xà Hồ", "Bản Mù", "Pá Hu"], "Văn Chấn": ["Suối Giàng", "Nậm Búng"],
        "Lục Yên": ["Khánh Thiện", "Minh Chuẩn"]}),
    "lang_son": ("Lạng Sơn", "Cao Lạng", 1978, "Lạng Sơn", {
        "Tràng Định": ["Đề Thám", "Quốc Khánh", "Tân Tiến"], "Văn Lãng": ["Hoàng Việt", "Tân Mỹ"],
        "Đình Lập": ["Bắc Xa", "Kiên Mộc"], "Bình Gia": ["Hoa Thám", "Tân Văn"]}),
    "tuyen_quang": ("Tuyên Quang", "Hà Tuyên", 1991, "Tuyên Quang", {
        "Na Hang": ["Sinh Long", "Khau Tinh", "Côn Lôn"], "Chiêm Hóa": ["Kim Bình", "Yên Lập"],
        "Lâm Bình": ["Thượng Lâm", "Phúc Yên"]}),
    "bac_kan": ("Bắc Kạn", "Bắc Thái", 1996, "Thái Nguyên", {
        "Pác Nặm": ["Bằng Thành", "Nhạn Môn", "Cổ Linh"], "Ba Bể": ["Nam Mẫu", "Cao Thượng"],
        "Ngân Sơn": ["Thượng Quan", "Bằng Vân"]}),
    "son_la": ("Sơn La", None, 0, "Sơn La", {
        "Bắc Yên": ["Hang Chú", "Xím Vàng", "Tà Xùa"], "Mộc Châu": ["Long Hẹ", "Chiềng Sơn"],
        "Sốp Cộp": ["Mường Lạn", "Púng Bánh"], "Thuận Châu": ["Co Mạ", "Long Hẹ"]}),
    "dien_bien": ("Điện Biên", "Lai Châu", 2003, "Điện Biên", {
        "Mường Nhé": ["Chung Chải", "Sín Thầu", "Leng Su Sìn"], "Tủa Chùa": ["Sính Phình", "Tả Sìn Thàng"],
        "Điện Biên Đông": ["Phình Giàng", "Na Son"]}),
}
# culture -> province weights (order of NORTH)
N_PROV = list(NORTH)
CULT_PROV = {
    HMONG: [0.30, 0.14, 0.14, 0.10, 0.0, 0.02, 0.02, 0.12, 0.16],
    DAO: [0.18, 0.14, 0.16, 0.12, 0.06, 0.22, 0.10, 0.0, 0.02],
    TAY: [0.10, 0.28, 0.04, 0.08, 0.12, 0.16, 0.22, 0.0, 0.0],
    NUNG: [0.10, 0.34, 0.06, 0.0, 0.40, 0.0, 0.10, 0.0, 0.0],
    SANCHI: [0.0, 0.30, 0.20, 0.0, 0.20, 0.30, 0.0, 0.0, 0.0],
    KINH: [0.10, 0.12, 0.12, 0.14, 0.12, 0.14, 0.10, 0.08, 0.08],
}
# highlands: province -> (pre-2025 name, old names [(name, until)], 2025 name, {district: [communes]})
SOUTH = {
    "dak_lak": ("Đắk Lắk", [], "Đắk Lắk", {
        "Ea Súp": ["Cư Kbang", "Ea Lê", "Ea Rốk", "Ia Lốp", "Ia Rvê", "Ya Tờ Mốt", "Cư M'Lan", "Ea Bung"],
        "Cư M'gar": ["Ea Kiết", "Ea Kuêh", "Cư Suê", "Ea Tar", "Cư Dliê M'nông", "Quảng Hiệp", "Ea M'Droh"],
        "Krông Bông": ["Cư Pui", "Hòa Phong", "Yang Mao", "Cư Drăm", "Hòa Sơn", "Khuê Ngọc Điền"],
        "Krông Pắc": ["Vụ Bổn", "Ea Yiêng", "Ea Uy"], "Ea H'leo": ["Ea Sol", "Cư Mốt", "Ea Tir"],
        "M'Đrắk": ["Cư San", "Krông Á", "Ea Trang"], "Krông Năng": ["Ea Tam", "Cư Klông"]}),
    "dak_nong": ("Đắk Nông", [("Đắk Lắk", 2003)], "Lâm Đồng", {
        "Đắk R'lấp": ["Quảng Tín", "Đắk Ru", "Đắk Sin", "Nhân Cơ", "Kiến Thành", "Hưng Bình"],
        "Tuy Đức": ["Đắk Búk So", "Quảng Trực", "Đắk R'Tíh", "Quảng Tân", "Đắk Ngo"],
        "Đắk Glong": ["Quảng Khê", "Đắk Som", "Đắk R'Măng", "Quảng Sơn", "Quảng Hòa"],
        "Krông Nô": ["Nam Đà", "Đắk Drô", "Nâm Nung", "Buôn Choáh"],
        "Đắk Song": ["Thuận Hà", "Đắk N'Drung", "Trường Xuân", "Nâm N'Jang"], "Cư Jút": ["Ea Pô", "Đắk Wil"]}),
    "gia_lai": ("Gia Lai", [("Gia Lai - Kon Tum", 1991)], "Gia Lai", {
        "Chư Prông": ["Ia Púch", "Ia Mơ", "Ia Lâu"], "Krông Pa": ["Chư Gu", "Ia Rsai"],
        "Ia Grai": ["Ia Chía", "Ia O"], "Chư Păh": ["Ia Ka", "Hà Tây"]}),
    "lam_dong": ("Lâm Đồng", [], "Lâm Đồng", {
        "Đam Rông": ["Đạ Rsal", "Rô Men", "Phi Liêng", "Đạ K'Nàng"], "Lâm Hà": ["Phi Tô", "Đạ Đờn", "Tân Hà"],
        "Di Linh": ["Gia Bắc", "Sơn Điền", "Đinh Trang Thượng"], "Lạc Dương": ["Đưng K'Nớ", "Đạ Chais"]}),
    "binh_phuoc": ("Bình Phước", [("Sông Bé", 1996)], "Đồng Nai", {
        "Bù Đăng": ["Đăng Hà", "Thống Nhất", "Đường 10", "Phú Sơn"], "Bù Gia Mập": ["Đắk Ơ", "Bù Gia Mập"]}),
}
S_PROV = list(SOUTH)
S_PROV_W = np.array([0.40, 0.30, 0.12, 0.12, 0.06])


def _commune_table(table: dict, south: bool) -> pl.DataFrame:
    rows = []
    for p, spec in table.items():
        for d, comms in spec[-1].items():
            for c in comms:
                rows.append({"prov": p, "district": d, "commune": c})
    return pl.DataFrame(rows)


N_COMM = _commune_table(NORTH, False)
S_COMM = _commune_table(SOUTH, True)


def _north_name(p: str, year: int, rng: np.random.Generator, style: str) -> str:
    cur, old, until, new, _ = NORTH[p]
    if style == "old" and old and year <= until:
        return old
    if style == "new":
        return new
    return cur


# ------------------------------------------------------------------------------------------ the world

def _zipf(n: int, s: float) -> np.ndarray:
    w = 1.0 / np.arange(1, n + 1) ** max(s, 0.05)
    return w / w.sum()


def _nb(rng, mean, k=3.0):
    mean = np.maximum(mean, 0.05)
    p = k / (k + mean)
    return rng.negative_binomial(k, p)


class _People:
    """Column store of the world's people, grown generation by generation."""

    def __init__(self):
        self.cols: dict[str, list[np.ndarray]] = {}
        self.n = 0

    def add(self, **cols) -> np.ndarray:
        m = len(next(iter(cols.values())))
        for k, v in cols.items():
            self.cols.setdefault(k, [])
            self.cols[k].append(np.asarray(v))
        ids = np.arange(self.n, self.n + m)
        self.n += m
        return ids

    def frame(self) -> dict[str, np.ndarray]:
        return {k: np.concatenate(v) for k, v in self.cols.items()}


def _build_people(cfg: OtherConfig, rng: np.random.Generator, founders: int) -> dict:
    """Lineages and generations; returns column arrays of all people (index = position)."""
    P = _People()
    L = founders
    lin_cult = rng.choice(6, size=L, p=CULT_SHARE)
    lin_prov = np.array([rng.choice(len(N_PROV), p=np.array(CULT_PROV[c]) / sum(CULT_PROV[c]))
                         for c in lin_cult])
    # home commune within province
    comm_by_prov = {i: np.flatnonzero(N_COMM["prov"].to_numpy() == p) for i, p in enumerate(N_PROV)}
    lin_comm = np.array([comm_by_prov[p][rng.integers(len(comm_by_prov[p]))] for p in lin_prov])
    lin_sur = np.zeros(L, dtype=np.int64)
    for c in range(6):
        m = lin_cult == c
        names, w = SURNAMES[c]
        lin_sur[m] = rng.choice(len(names), size=int(m.sum()), p=np.array(w) / sum(w))
    # migration: propensity, wave, destination
    wave_centres = np.array([1993, 1999, 2006, 2012])
    wave = (wave_centres[rng.choice(4, size=L, p=[0.35, 0.25, 0.25, 0.15])]
            + np.round(rng.normal(0, 2.2, L))).astype(int)
    wave = np.clip(wave, 1986, 2018)
    mig_p = np.where(rng.random(L) < 0.55, rng.beta(5, 2, L), rng.beta(1, 6, L))
    mig_p[lin_cult == KINH] *= 0.5
    s_dest = np.array([rng.choice(np.flatnonzero(S_COMM["prov"].to_numpy() == S_PROV[k]))
                       for k in rng.choice(len(S_PROV), size=L, p=S_PROV_W)])
    # lineage registration propensity (some lineages never registered anywhere: free migrants)
    reg_p = np.where(rng.random(L) < 0.10, 0.03, rng.beta(8, 2, L))

    # founders
    h_by = rng.integers(1922, 1963, L)
    w_by = h_by - np.clip(np.round(rng.normal(3, 3, L)), -4, 12).astype(int)
    common = dict(lineage=np.r_[np.arange(L), np.arange(L)], gen=np.zeros(2 * L, int),
                  father=np.full(2 * L, -1), mother=np.full(2 * L, -1))
    sex = np.r_[np.zeros(L, int), np.ones(L, int)]          # 0 = M, 1 = F
    # wife's own lineage: outside lineage of the same culture with another surname (not tracked)
    w_sur = _other_surname(rng, lin_cult, lin_sur)
    ids = P.add(sex=sex, by=np.r_[h_by, w_by], cult=np.r_[lin_cult, lin_cult], sur=np.r_[lin_sur, w_sur],
                **common)
    husbands, wives = ids[:L], ids[L:]
    spouse_pairs = [(husbands, wives)]
    couples_h, couples_w = husbands, wives
    gen = 0
    while len(couples_h) and gen < 5:
        gen += 1
        cols = P.frame()
        by, cult, lin, sur = cols["by"], cols["cult"], cols["lineage"], cols["sur"]
        mby = by[couples_w]
        era = np.clip(1 - (mby - 1960) / 55.0, 0.35, 1.1)
        n = _nb(rng, CHILDREN_MEAN[cult[couples_h]] * era)
        n = np.minimum(n, 12)
        fam = np.repeat(np.arange(len(couples_h)), n)
        if len(fam) == 0:
            break
        start = np.repeat(mby + 18 + rng.integers(0, 6, len(couples_h)), n)
        gap = 1 + rng.geometric(0.55, len(fam))
        # cumulative gap within family
        cs = np.cumsum(gap)
        first = np.cumsum(n) - n
        base = np.repeat(np.r_[0, cs][first], n)
        cby = start + (cs - base) - 1
        keep = (cby <= YEAR) & (cby - np.repeat(mby, n) <= 46)
        fam, cby = fam[keep], cby[keep]
        fh, fw = couples_h[fam], couples_w[fam]
        csex = (rng.random(len(fam)) < 0.49).astype(int)
        kids = P.add(sex=csex, by=cby, cult=cult[fh], sur=sur[fh], lineage=lin[fh],
                     gen=np.full(len(fam), gen), father=fh, mother=fw)
        # marriages among kids old enough
        men = kids[(csex == 0) & (cby <= YEAR - 18)]
        women = kids[(csex == 1) & (cby <= YEAR - 17)]
        nh, nw = _marry(rng, men, women, P, lin_prov)
        couples_h, couples_w = nh, nw
        if len(nh):
            spouse_pairs.append((nh, nw))
    cols = P.frame()
    cols["_pairs"] = spouse_pairs
    cols["_lin"] = dict(cult=lin_cult, prov=lin_prov, comm=lin_comm, sur=lin_sur, wave=wave, mig_p=mig_p,
                        dest=s_dest, reg_p=reg_p)
    return cols


def _other_surname(rng, cult, sur):
    out = np.zeros(len(cult), dtype=np.int64)
    for c in range(6):
        m = np.flatnonzero(cult == c)
        names, w = SURNAMES[c]
        pw = np.array(w) / sum(w)
        s = rng.choice(len(names), size=len(m), p=pw)
        same = s == sur[m]
        while same.any() and c in (HMONG, DAO):
            s[same] = rng.choice(len(names), size=int(same.sum()), p=pw)
            same = s == sur[m]
        out[m] = s
    return out


def _marry(rng, men, women, P: _People, lin_prov):
    """Pair men and women of a generation: same culture (5% across), different surname for Hmong and
    Dao, close ages, mostly the same home province; unmatched men marry an outside woman (60%)."""
    cols = P.frame()
    by, cult, sur, lin = cols["by"], cols["cult"], cols["sur"], cols["lineage"]
    men = men[rng.random(len(men)) < 0.9]
    women = women[rng.random(len(women)) < 0.88]
    gm = cult[men].copy()
    gw = cult[women].copy()
    across = rng.random(len(women)) < 0.05
    gw[across] = rng.integers(0, 6, int(across.sum()))
    # sort key: group, province (80%), age + noise
    km = gm * 1e6 + lin_prov[lin[men]] * 1e4 * (rng.random(len(men)) < 0.8) + by[men] + rng.normal(0, 2, len(men))
    kw = gw * 1e6 + lin_prov[lin[women]] * 1e4 * (rng.random(len(women)) < 0.8) + by[women] + 3 + \
        rng.normal(0, 2, len(women))
    sm, sw = np.argsort(km), np.argsort(kw)
    om, ow, gm, gw = men[sm], women[sw], gm[sm], gw[sw]
    pairs_h, pairs_w = [], []
    for c in range(6):
        mm = om[gm == c]
        ww = ow[gw == c]
        k = min(len(mm), len(ww))
        if k == 0:
            continue
        # align by rank within culture; resolve same-surname (exogamy) by shifting one place
        mi = np.linspace(0, len(mm) - 1, k).astype(int) if len(mm) > k else np.arange(k)
        wi = np.linspace(0, len(ww) - 1, k).astype(int) if len(ww) > k else np.arange(k)
        h, w = mm[mi], ww[wi]
        bad = (sur[h] == sur[w]) & ((c == HMONG) | (c == DAO)) | (lin[h] == lin[w]) & (cols["father"][h] ==
                                                                                     cols["father"][w])
        w2 = np.roll(w, 1)
        fix = bad & ~((sur[h] == sur[w2]) & ((c == HMONG) | (c == DAO)))
        w = np.where(fix, w2, w)
        ok = ~bad | fix
        h, w = h[ok], w[ok]
        _, first = np.unique(w, return_index=True)
        h, w = h[first], w[first]
        pairs_h.append(h)
        pairs_w.append(w)
    ph = np.concatenate(pairs_h) if pairs_h else np.zeros(0, int)
    pw = np.concatenate(pairs_w) if pairs_w else np.zeros(0, int)
    # outside wives for unmatched men
    rest = np.setdiff1d(men, ph)
    rest = rest[rng.random(len(rest)) < 0.6]
    if len(rest):
        wsur = _other_surname(rng, cult[rest], sur[rest])
        wby = by[rest] - np.clip(np.round(rng.normal(3, 2.5, len(rest))), -3, 10).astype(int)
        wby = np.minimum(wby, YEAR - 16)
        outw = P.add(sex=np.ones(len(rest), int), by=wby, cult=cult[rest], sur=wsur, lineage=lin[rest],
                     gen=cols["gen"][rest], father=np.full(len(rest), -1), mother=np.full(len(rest), -1))
        ph = np.r_[ph, rest]
        pw = np.r_[pw, outw]
    return ph, pw


# ------------------------------------------------------------------------------------------ attributes

def _names(cfg: OtherConfig, rng: np.random.Generator, cols: dict) -> dict:
    """Surname / middle / given strings for every person (true forms)."""
    n = len(cols["by"])
    cult, sex, sur, gen, lin = cols["cult"], cols["sex"], cols["sur"], cols["gen"], cols["lineage"]
    surname = np.empty(n, dtype=object)
    for c in range(6):
        m = cult == c
        surname[m] = np.array(SURNAMES[c][0], dtype=object)[sur[m]]
    middle = np.empty(n, dtype=object)
    given = np.empty(n, dtype=object)
    vocabs = {}
    for c in range(6):
        for sx in (0, 1):
            if c == HMONG:
                att, extra = (HMONG_M, 140) if sx == 0 else (HMONG_F, 90)
            elif c == DAO:
                att, extra = (DAO_TOK + (SV_M[:20] if sx == 0 else SV_F[:20])), 60
            else:
                att, extra = (SV_M if sx == 0 else SV_F), (25 if c != KINH else 10)
            v = _vocab(rng, att, extra, set())
            vocabs[(c, sx)] = v
            m = np.flatnonzero((cult == c) & (sex == sx))
            pz = _zipf(len(v), GIVEN_ZIPF[c] * cfg.name_concentration)
            g = rng.choice(len(v), size=len(m), p=pz)
            # siblings of the same sex do not share a given name: redraw duplicates within (father, sex) once
            fam = cols["father"][m]
            key = fam.astype(np.int64) * 4096 + g
            _, first, inv, cnt = np.unique(key, return_index=True, return_inverse=True, return_counts=True)
            dup = (cnt[inv] > 1) & (np.arange(len(m)) != first[inv]) & (fam >= 0)
            g[dup] = rng.choice(len(v), size=int(dup.sum()), p=pz)
            given[m] = np.array(v, dtype=object)[g]
    r = rng.random(n)
    # Hmong middles
    hm = (cult == HMONG) & (sex == 0)
    lc = np.isin(cols["_prov"], [N_PROV.index("lao_cai"), N_PROV.index("yen_bai")])
    middle[hm] = np.where(r[hm] < np.where(lc[hm], 0.50, 0.70), "A",
                          np.where(r[hm] < np.where(lc[hm], 0.80, 0.82), "Seo",
                                   np.where(r[hm] < 0.92, "Văn", "Mí")))
    hf = (cult == HMONG) & (sex == 1)
    middle[hf] = np.where(r[hf] < 0.84, "Thị", np.where(r[hf] < 0.97, "Mí", ""))
    # Dao generation names (men), Thị / Mùi (women)
    dm = np.flatnonzero((cult == DAO) & (sex == 0))
    lin_off = (lin * 7919) % 5
    cyc_of = {}
    for k, nm in enumerate(SURNAMES[DAO][0]):
        cyc_of[k] = DAO_GEN.get(nm) or list(np.array(DAO_GEN_POOL)[np.random.default_rng(k).permutation(
            len(DAO_GEN_POOL))[:6]])
    for k, cyc in cyc_of.items():
        m = dm[sur[dm] == k]
        # outside men (no father) still get a generation name from their own position
        middle[m] = np.array(cyc, dtype=object)[(gen[m] + lin_off[m]) % len(cyc)]
    df = (cult == DAO) & (sex == 1)
    middle[df] = np.where(r[df] < 0.8, "Thị", "Mùi")
    other = np.isin(cult, [TAY, NUNG, SANCHI, KINH])
    mm = other & (sex == 0)
    mf = other & (sex == 1)
    r2 = rng.random(n)
    male_mid = np.array(["Văn", "Đức", "Văn", "Quang", "Minh", "Xuân", "Hữu", "Công"], dtype=object)
    fem_mid = np.array(["Thị", "Thị", "Thị", "Thu", "Ngọc", "Thanh", "Kim", "Hồng"], dtype=object)
    young = cols["by"] >= 1985
    middle[mm] = np.where(r2[mm] < np.where(young[mm], 0.55, 0.85), "Văn",
                          male_mid[rng.integers(0, 8, int(mm.sum()))])
    middle[mf] = np.where(r2[mf] < np.where(young[mf], 0.55, 0.9), "Thị",
                          fem_mid[rng.integers(0, 8, int(mf.sum()))])
    return {"surname": surname, "middle": middle, "given": given}


def _lives(rng, by):
    n = len(by)
    young_p = np.where(by < 1970, 0.14, np.where(by < 1990, 0.06, 0.02))
    die_young = rng.random(n) < young_p
    life = np.where(die_young, rng.integers(0, 6, n), np.clip(rng.normal(69, 12, n), 18, 100)).astype(int)
    return by + life


def _ids(rng, n: int, prov_code: np.ndarray, by: np.ndarray, sex: np.ndarray) -> np.ndarray:
    century = np.where(by >= 2000, 2, 0) + sex
    serial = rng.integers(0, 1_000_000, n)
    key = (prov_code.astype(np.int64) * 10 + century) * 100 + (by % 100)
    full = key * 1_000_000 + serial
    while True:
        _, first = np.unique(full, return_index=True)
        dup = np.ones(n, bool)
        dup[first] = False
        if not dup.any():
            break
        full[dup] = key[dup] * 1_000_000 + rng.integers(0, 1_000_000, int(dup.sum()))
    return pl.Series(full).cast(pl.String).str.zfill(12).to_numpy().astype(object)


# ------------------------------------------------------------------------------------------ families

def _families(rng, cols: dict) -> dict:
    """Spouse, marriage year, death year, household and relation to head."""
    n = len(cols["by"])
    by, sex, father, mother = cols["by"], cols["sex"], cols["father"], cols["mother"]
    spouse = np.full(n, -1)
    marry = np.full(n, 9999)
    for h, w in cols["_pairs"]:
        spouse[h] = w
        spouse[w] = h
        my = np.maximum(by[h] + 19, by[w] + 17) + rng.integers(0, 6, len(h))
        my = np.minimum(my, YEAR)
        marry[h] = my
        marry[w] = my
    death = _lives(rng, by)
    # a spouse who died before the marriage year: the marriage did not happen
    bad = (spouse >= 0) & ((death < marry) | (death[np.maximum(spouse, 0)] < marry))
    spouse[bad] = -1
    marry[bad] = 9999
    # children of a couple born before the parents' death only
    alive = death > YEAR
    married = spouse >= 0
    # household: a couple lives in the husband's household; the unmarried live with their father's
    hh = np.arange(n)
    hh[married & (sex == 1)] = spouse[married & (sex == 1)]
    unm = ~married & (father >= 0)
    hh[unm] = father[unm]          # father's household (= father's id, couple key)
    # an unmarried person whose father's household is gone (both parents dead) keeps their own
    f = np.maximum(father, 0)
    gone = unm & (death[f] <= YEAR) & (death[np.maximum(mother, 0)] <= YEAR)
    hh[gone] = np.arange(n)[gone]
    # Hmong elders: a couple whose husband was born before 1962 lives with the youngest married son
    sons = pl.DataFrame({"id": np.arange(n), "father": father, "by": by, "sex": sex,
                         "married": married, "alive": alive})
    ys = (sons.filter((pl.col("sex") == 0) & pl.col("married") & pl.col("alive") & (pl.col("father") >= 0))
          .sort(["by", "id"]).group_by("father").agg(pl.col("id").last().alias("son")).sort("father"))
    fs = ys["father"].to_numpy()
    sn = ys["son"].to_numpy()
    elder = (cols["cult"][fs] == HMONG) & (by[fs] < 1962) & (rng.random(len(fs)) < 0.8)
    fs, sn = fs[elder], sn[elder]
    move = np.zeros(n, bool)
    move[fs] = True
    with_son = np.full(n, -1)
    with_son[fs] = sn
    # the elder couple (husband and wife, alive or not) moves into the son's household
    hh_el = np.flatnonzero(np.isin(hh, fs) & (married | (np.arange(n) == hh)))
    hh_el = hh_el[np.isin(hh_el, fs) | np.isin(spouse[hh_el], fs)]
    key = np.where(np.isin(hh_el, fs), hh_el, spouse[hh_el])
    hh[hh_el] = with_son[key]
    # their unmarried children follow them
    unm2 = unm & ~gone & move[np.maximum(father, 0)]
    hh[unm2] = hh[father[unm2]]
    return {"spouse": spouse, "marry": marry, "death": death, "alive": alive, "hh": hh,
            "elder_with_son": move}


def _relation(cols: dict, fam: dict) -> np.ndarray:
    """relation_to_head among living members: head = husband if alive, else wife, else eldest."""
    n = len(cols["by"])
    hh, alive, sex, by = fam["hh"], fam["alive"], cols["sex"], cols["by"]
    idx = np.arange(n)
    df = pl.DataFrame({"id": idx, "hh": hh, "alive": alive, "sex": sex, "by": by,
                       "is_key": idx == hh, "sp_key": fam["spouse"] == hh})
    live = df.filter(pl.col("alive"))
    head = (live.with_columns(rank=pl.when(pl.col("is_key")).then(0).when(pl.col("sp_key")).then(1)
                              .otherwise(2))
            .sort(["rank", "by", "id"]).group_by("hh").agg(pl.col("id").first().alias("head")))
    h = np.full(n, -1)
    h[head["hh"].to_numpy()] = head["head"].to_numpy()
    hd = h[hh]
    rel = np.full(n, "khác", dtype=object)
    father, mother, spouse = cols["father"], cols["mother"], fam["spouse"]
    hds = np.maximum(hd, 0)
    hsp = spouse[hds]
    rel[(father == hd) | (mother == hd) | ((hsp >= 0) & ((father == hsp) | (mother == hsp)))] = "con"
    rel[(spouse == hd) & (sex == 1)] = "vợ"
    rel[(spouse == hd) & (sex == 0)] = "chồng"
    rel[(father[hds] == idx)] = "cha"
    rel[(mother[hds] == idx)] = "mẹ"
    sons_wife = (spouse >= 0) & ((father[np.maximum(spouse, 0)] == hd) | (mother[np.maximum(spouse, 0)] == hd))
    rel[sons_wife & (sex == 1)] = "con dâu"
    rel[sons_wife & (sex == 0)] = "con rể"
    gf = father[np.maximum(father, 0)]
    rel[(father >= 0) & ((gf == hd) | (father[np.maximum(father, 0)] == hsp))] = "cháu"
    sib = (father >= 0) & (father == father[hds]) & (idx != hd)
    rel[sib & (by > by[hds])] = "em"
    rel[sib & (by <= by[hds]) & (sex == 0)] = "anh"
    rel[sib & (by <= by[hds]) & (sex == 1)] = "chị"
    rel[idx == hd] = "chủ hộ"
    return rel


# ------------------------------------------------------------------------------------------ migration

def _migrate(rng, cols: dict, fam: dict) -> dict:
    """Where each person lives in 2024: south (destination commune, arrival year, first commune if they
    moved twice) or north (lineage home commune)."""
    n = len(cols["by"])
    lin = cols["_lin"]
    L = cols["lineage"]
    by, sex, father, gen = cols["by"], cols["sex"], cols["father"], cols["gen"]
    spouse, marry, death = fam["spouse"], fam["marry"], fam["death"]
    south = np.zeros(n, bool)
    arrival = np.full(n, 9999)
    dest = lin["dest"][L].copy()
    first = np.full(n, -1)
    s_comm_prov = S_COMM["prov"].to_numpy()
    for g in range(gen.max() + 1):
        m = np.flatnonzero(gen == g)
        married_man = (sex[m] == 0) & (spouse[m] >= 0)
        f = father[m]
        has_f = f >= 0
        # follow father (unmarried, or married after the father left)
        fa = np.where(has_f, arrival[np.maximum(f, 0)], 9999)
        fs = has_f & south[np.maximum(f, 0)]
        follow = fs & (~married_man | (marry[m] > fa))
        south[m[follow]] = True
        arrival[m[follow]] = np.maximum(fa[follow], by[m[follow]])
        dest[m[follow]] = dest[f[follow]]
        # married men who did not follow decide themselves
        dec = married_man & ~follow
        mm = m[dec]
        p = lin["mig_p"][L[mm]]
        p = np.where(fs[dec], np.minimum(0.9, p + 0.4), p)
        yr = np.maximum(lin["wave"][L[mm]], np.where(fs[dec], fa[dec], marry[mm] + 1)) + rng.geometric(0.35, len(mm)) - 1
        go = (rng.random(len(mm)) < p) & (yr <= 2022) & (death[mm] > yr) & (by[mm] + 16 <= yr)
        south[mm[go]] = True
        arrival[mm[go]] = yr[go]
        other = rng.random(len(mm)) < 0.2
        newd = rng.integers(0, S_COMM.height, len(mm))
        dest[mm[go & other]] = newd[go & other]
        dest[mm[go & ~other & fs[dec]]] = dest[f[dec][go & ~other & fs[dec]]]
        # unmarried with no father: outside people, follow their spouse later
    # second moves (household heads)
    heads = np.flatnonzero(south & (sex == 0) & (spouse >= 0))
    two = heads[rng.random(len(heads)) < 0.08]
    when = arrival[two] + rng.integers(2, 11, len(two))
    two = two[when <= 2023]
    first[two] = dest[two]
    same_prov = rng.random(len(two)) < 0.6
    for i, sp in zip(two, same_prov):
        if sp:
            opts = np.flatnonzero(s_comm_prov == s_comm_prov[dest[i]])
            dest[i] = opts[rng.integers(len(opts))]
        else:
            dest[i] = rng.integers(S_COMM.height)
    # everyone takes the place of their household key person (wives, elders with a son, children)
    hh = fam["hh"]
    own = south.copy()
    no_f = (father < 0) & (spouse >= 0)
    for arr in (south, arrival, dest, first):
        arr[no_f] = arr[spouse[no_f]]
    south, arrival, dest, first = south[hh], arrival[hh], dest[hh], first[hh]
    arrival = np.where(south, np.maximum(arrival, np.minimum(by, arrival)), 9999)
    return {"south": south, "arrival": arrival, "dest": dest, "first": first, "own_south": own}


# ------------------------------------------------------------------------------------------ registration

def _register_mask(cfg: OtherConfig, rng, cols: dict, fam: dict, mig: dict) -> tuple[np.ndarray, np.ndarray]:
    """Registered living people (per household, then a few members missing) and, per person, whether
    the household's book was left in the home commune."""
    n = len(cols["by"])
    hh = fam["hh"]
    alive = fam["alive"]
    L = cols["lineage"]
    reg_lin = cols["_lin"]["reg_p"][L]
    comm_eff = rng.beta(6, 2, S_COMM.height) / (6 / 8)
    arr = mig["arrival"]
    q = np.where(~mig["south"], 1.0,
                 np.where(arr <= 1995, 0.95, np.where(arr <= 2005, 0.8, 0.55)) * comm_eff[mig["dest"]])
    p = np.clip(reg_lin * q, 0.001, 0.995)
    odds = p / (1 - p) * cfg.registration
    p = odds / (1 + odds)
    u = rng.random(n)
    h_reg = u[hh] < p[hh]           # decided by the household key's draw
    age = YEAR - cols["by"]
    member = rng.random(n) < np.where(age < 2, 0.75, np.where((age > 17) & (age < 30), 0.95, 0.985))
    reg = alive & h_reg & member
    book_left = mig["south"] & (rng.random(n)[hh] < 0.12 * min(2.0, cfg.errors))
    return reg, book_left


# ------------------------------------------------------------------------------------------ text forms

BRANCHES = ["Tý", "Sửu", "Dần", "Mão", "Thìn", "Tỵ", "Ngọ", "Mùi", "Thân", "Dậu", "Tuất", "Hợi"]
ETHN = {HMONG: (["Mông", "H'Mông", "Hmong", "Mông"], [0.6, 0.2, 0.1, 0.1]),
        DAO: (["Dao"], [1.0]), TAY: (["Tày", "Tay"], [0.9, 0.1]), NUNG: (["Nùng"], [1.0]),
        SANCHI: (["Sán Chay", "Sán Chỉ"], [0.5, 0.5]), KINH: (["Kinh"], [1.0])}


def _variants(tokens: np.ndarray, rng) -> dict:
    """Per distinct token: ascii, a dialect spelling and a typo (one each, so vectorised by gather)."""
    u = np.unique(tokens.astype(str))
    return {"u": u, "ascii": np.array([_strip(t) for t in u], dtype=object),
            "dial": np.array([dialect(t, rng) if t else t for t in u], dtype=object),
            "typo": np.array([typo(t, rng) if t else t for t in u], dtype=object)}


def _form(tok: np.ndarray, var: dict, choice: np.ndarray) -> np.ndarray:
    """choice: 0 true, 1 ascii, 2 dialect, 3 typo."""
    pos = np.searchsorted(var["u"], tok.astype(str))
    out = tok.copy()
    for k, key in ((1, "ascii"), (2, "dial"), (3, "typo")):
        m = choice == k
        out[m] = var[key][pos[m]]
    return out


def _join(*parts: np.ndarray) -> np.ndarray:
    s = pl.DataFrame({f"p{i}": p.astype(str) for i, p in enumerate(parts)})
    return (s.select(pl.concat_str([pl.col(c) for c in s.columns], separator=" ")
                     .str.replace_all(r"\s+", " ").str.strip_chars())
            .to_series().to_numpy().astype(object))


def _dates(rng, by: np.ndarray, cfg: OtherConfig, minority_old: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = len(by)
    month = rng.integers(1, 13, n)
    day = rng.integers(1, 29, n)
    e = cfg.errors
    u = rng.random(n)
    p_full = np.where(minority_old, 0.22, 0.55)
    kind = np.where(u < 0.05 * e, 0,                                # empty
                    np.where(u < 0.05 * e + 0.13, 1,                 # default 01/01/YYYY
                             np.where(u < 0.05 * e + 0.13 + 0.05, 2,  # month-year
                                      np.where(rng.random(n) < p_full / (1 - 0.23), 3, 4))))  # full / year
    ry = by.copy()
    t = rng.random(n)
    typo_ = t < 0.025 * e
    r = rng.random(n)
    ry = np.where(typo_ & (r < 0.4), by + rng.choice([-1, 1], n),
                  np.where(typo_ & (r < 0.7), (by // 100) * 100 + (by % 10) * 10 + (by // 10) % 10,
                           np.where(typo_, by + rng.choice([-10, 10], n), by)))
    ry = np.minimum(ry, YEAR)
    slash = rng.random(n) < 0.5
    df = pl.DataFrame({"y": ry, "m": month, "d": day, "k": kind, "s": slash})
    y, m2, d2 = (pl.col("y").cast(pl.String), pl.col("m").cast(pl.String).str.zfill(2),
                 pl.col("d").cast(pl.String).str.zfill(2))
    out = df.select(
        pl.when(pl.col("k") == 0).then(pl.lit(""))
        .when(pl.col("k") == 1).then(pl.when(pl.col("s")).then(pl.concat_str([pl.lit("01/01/"), y]))
                                     .otherwise(pl.concat_str([y, pl.lit("-01-01")])))
        .when(pl.col("k") == 2).then(pl.when(pl.col("s")).then(pl.concat_str([pl.lit("00/"), m2, pl.lit("/"), y]))
                                     .otherwise(pl.concat_str([y, pl.lit("-"), m2])))
        .when(pl.col("k") == 3).then(pl.when(pl.col("s")).then(pl.concat_str([d2, pl.lit("/"), m2, pl.lit("/"), y]))
                                     .otherwise(pl.concat_str([y, pl.lit("-"), m2, pl.lit("-"), d2])))
        .otherwise(pl.when(pl.col("s")).then(pl.concat_str([pl.lit("00/00/"), y])).otherwise(y))
    ).to_series().to_numpy().astype(object)
    tags = np.where(typo_, "reg_year_typo", np.where(kind == 0, "reg_no_date",
                                                     np.where(kind == 1, "reg_default_date", "")))
    return out, np.c_[month, day], tags


def _place_text(rng, prov_names, district, commune, style: np.ndarray, thon: np.ndarray) -> np.ndarray:
    """style 0: thôn, xã, huyện, tỉnh; 1: xã, tỉnh (2025, no district); 2: xã, huyện, tỉnh; 3: province."""
    df = pl.DataFrame({"p": prov_names.astype(str), "d": district.astype(str), "c": commune.astype(str),
                       "s": style, "t": thon})
    return df.select(
        pl.when(pl.col("s") == 0).then(pl.concat_str([pl.lit("thôn "), pl.col("t").cast(pl.String), pl.lit(", xã "),
                                                      pl.col("c"), pl.lit(", huyện "), pl.col("d"),
                                                      pl.lit(", tỉnh "), pl.col("p")]))
        .when(pl.col("s") == 1).then(pl.concat_str([pl.lit("xã "), pl.col("c"), pl.lit(", tỉnh "), pl.col("p")]))
        .when(pl.col("s") == 2).then(pl.concat_str([pl.lit("xã "), pl.col("c"), pl.lit(", huyện "), pl.col("d"),
                                                    pl.lit(", "), pl.col("p")]))
        .otherwise(pl.col("p"))).to_series().to_numpy().astype(object)


# ------------------------------------------------------------------------------------------ locals

KINH_HOME = [("Thái Bình", "Kiến Xương", "Vũ Quý"), ("Nam Định", "Hải Hậu", "Hải Anh"),
             ("Nghệ An", "Yên Thành", "Công Thành"), ("Hà Tĩnh", "Can Lộc", "Thiên Lộc"),
             ("Quảng Ngãi", "Mộ Đức", "Đức Tân"), ("Thanh Hóa", "Hoằng Hóa", "Hoằng Đạo"),
             ("Hải Dương", "Kim Thành", "Kim Anh"), ("Bình Định", "Hoài Nhơn", "Hoài Thanh")]


def _locals(cfg: OtherConfig, rng, rows: int) -> pl.DataFrame:
    """Local households in the highland communes (Kinh settlers and Ê Đê / M'nông families), all
    registered; no claim is about them, they are the namesakes a claim must not be put on."""
    n_h = max(1, rows // 4)
    ede = rng.random(n_h) < 0.45
    size = 1 + (rng.random(n_h) < 0.85) + rng.binomial(5, 0.45, n_h)
    hh = np.repeat(np.arange(n_h), size)
    pos = np.arange(len(hh)) - np.repeat(np.cumsum(size) - size, size)
    n = len(hh)
    e = ede[hh]
    head_by = rng.integers(1945, 1995, n_h)
    by = np.where(pos == 0, head_by[hh], np.where(pos == 1, head_by[hh] + rng.integers(-2, 6, n),
                                                  head_by[hh] + 20 + 2 * pos + rng.integers(0, 4, n)))
    by = np.minimum(by, YEAR)
    sex = np.where(pos == 0, (rng.random(n_h) < 0.15)[hh].astype(int),
                   np.where(pos == 1, 1 - (rng.random(n_h) < 0.15)[hh].astype(int), rng.integers(0, 2, n)))
    kin_sur, kw = SURNAMES[KINH]
    # Ê Đê is matrilineal: children take the mother's clan; Kinh take the father's surname
    clan = rng.integers(0, len(EDE_CLANS), n_h)
    clan2 = rng.integers(0, len(EDE_CLANS), n_h)
    ksur = rng.choice(len(kin_sur), size=n_h, p=np.array(kw) / sum(kw))
    ksur2 = rng.choice(len(kin_sur), size=n_h, p=np.array(kw) / sum(kw))
    head_f = sex[np.cumsum(size) - size] == 1
    own_e = np.where(pos == 1, clan2[hh], np.where(pos == 0, clan[hh],
                                                   np.where(head_f[hh], clan[hh], clan2[hh])))
    own_k = np.where(pos == 1, ksur2[hh], np.where(pos == 0, ksur[hh], np.where(head_f[hh], ksur2[hh], ksur[hh])))
    gv_m = _vocab(rng, SV_M, 20, set())
    gv_f = _vocab(rng, SV_F, 20, set())
    zm = _zipf(len(gv_m), GIVEN_ZIPF[KINH] * cfg.name_concentration)
    zf = _zipf(len(gv_f), GIVEN_ZIPF[KINH] * cfg.name_concentration)
    g = np.where(sex == 0, np.array(gv_m, dtype=object)[rng.choice(len(gv_m), n, p=zm)],
                 np.array(gv_f, dtype=object)[rng.choice(len(gv_f), n, p=zf)])
    eg = np.array(EDE_GIVEN, dtype=object)[rng.integers(0, len(EDE_GIVEN), n)]
    mid = np.where(sex == 0, "Văn", "Thị")
    kname = _join(np.array(kin_sur, dtype=object)[own_k], mid, g)
    ename = _join(np.where(sex == 0, "Y", "H'"), eg, np.array(EDE_CLANS, dtype=object)[own_e])
    ename = pl.Series(ename.astype(str)).str.replace("^H' ", "H'").to_numpy().astype(object)
    name = np.where(e, ename, kname)
    comm = rng.integers(0, S_COMM.height, n_h)[hh]
    sc = S_COMM
    prov = np.array([SOUTH[p][0] for p in sc["prov"].to_list()], dtype=object)[comm]
    res = _place_text(rng, prov, sc["district"].to_numpy()[comm], sc["commune"].to_numpy()[comm],
                      rng.choice(3, n, p=[0.6, 0.2, 0.2]), rng.integers(1, 13, n_h)[hh])
    kh = rng.integers(0, len(KINH_HOME), n)
    home_k = np.array([f"xã {c}, huyện {d}, {p}" for p, d, c in KINH_HOME], dtype=object)[kh]
    home = np.where(e | (rng.random(n) < 0.3), res, home_k)
    rel = np.where(pos == 0, "chủ hộ", np.where(pos == 1, np.where(sex == 1, "vợ", "chồng"), "con"))
    dates, _, _ = _dates(rng, by, cfg, np.zeros(n, bool))
    return pl.DataFrame({
        "_hh": hh, "full_name": name.astype(str), "sex": np.where(sex == 0, "M", "F"),
        "birth_date": dates.astype(str), "ethnicity": np.where(e, np.where(rng.random(n) < 0.7, "Ê Đê", "M'Nông"),
                                                               "Kinh"),
        "hometown": home.astype(str), "residence": res.astype(str), "relation_to_head": rel,
        "_by": by, "_sex": sex})


# ------------------------------------------------------------------------------------------ generate

PEOPLE_PER_FOUNDER = 11.5     # registered rows per founder lineage at the defaults (measured; see stats)


def generate(cfg: OtherConfig = OtherConfig(), seed: int = 0) -> OtherWorld:
    """The whole world: people, register, claims and truth, deterministic in (cfg, seed)."""
    import time
    t0 = time.perf_counter()
    rng = np.random.default_rng([seed, 20251])
    target_mig = cfg.people * (1 - cfg.local_share)
    founders = max(20, int(round(target_mig / PEOPLE_PER_FOUNDER / (cfg.registration ** 0.3))))
    cols = _build_people(cfg, rng, founders)
    lin = cols["_lin"]
    L = cols["lineage"]
    n = len(L)
    cols["_prov"] = lin["prov"][L]
    names = _names(cfg, rng, cols)
    fam = _families(rng, cols)
    mig = _migrate(rng, cols, fam)
    reg, book_left = _register_mask(cfg, rng, cols, fam, mig)
    by, sex, cult = cols["by"], cols["sex"], cols["cult"]
    father, mother, spouse = cols["father"], cols["mother"], fam["spouse"]
    e = cfg.errors

    # home commune: the lineage's; outside wives: another commune of the same province
    home = lin["comm"][L].copy()
    outside = (father < 0) & (sex == 1)
    comm_prov = N_COMM["prov"].to_numpy()
    prov_of = np.array([N_PROV.index(p) for p in comm_prov])
    alt = rng.integers(0, N_COMM.height, n)
    same = prov_of[alt] == prov_of[home]
    home[outside & same] = alt[outside & same]
    ids = _ids(rng, n, np.where(mig["south"] & (mig["arrival"] <= by), 66, 2 + prov_of[home] * 3), by, sex)

    # ---- register rows (world people)
    r_idx = np.flatnonzero(reg)
    m = len(r_idx)
    sur, mid, giv = names["surname"][r_idx], names["middle"][r_idx], names["given"][r_idx]
    var = _variants(np.r_[names["surname"], names["given"], names["middle"]], rng)
    u = rng.random(m)
    asc = u < 0.03 * e
    gch = np.where(asc, 1, np.where(rng.random(m) < 0.045 * e, 2, np.where(rng.random(m) < 0.012 * e, 3, 0)))
    sch = np.where(asc, 1, np.where(rng.random(m) < 0.015 * e, 2, 0))
    mch = np.where(asc, 1, 0)
    s_f, m_f, g_f = _form(sur, var, sch), _form(mid, var, mch), _form(giv, var, gch)
    rot = rng.random(m) < 0.015 * e
    full = np.where(rot, _join(m_f, g_f, s_f), _join(s_f, m_f, g_f))
    true_full = _join(names["surname"], names["middle"], names["given"])
    minority_old = (cult[r_idx] != KINH) & (by[r_idx] < 1985)
    bdate, md, dtags = _dates(rng, by[r_idx], cfg, minority_old)
    # true month/day for every person (the register's full dates are the truth when present)
    true_md = rng.integers(1, 13, (n, 2))
    true_md[:, 1] = rng.integers(1, 29, n)
    true_md[r_idx] = md
    # places
    ncur = np.array([NORTH[p][0] for p in N_PROV], dtype=object)
    nold = np.array([NORTH[p][1] or NORTH[p][0] for p in N_PROV], dtype=object)
    nuntil = np.array([NORTH[p][2] for p in N_PROV])
    nnew = np.array([NORTH[p][3] for p in N_PROV], dtype=object)
    hp = prov_of[home[r_idx]]
    st = rng.random(m)
    old_ok = by[r_idx] <= nuntil[hp]
    hprov = np.where((st < 0.3) & old_ok, nold[hp], np.where(st > 0.85, nnew[hp], ncur[hp]))
    hstyle = np.where(st > 0.85, 1, np.where(rng.random(m) < 0.06, 3, 2))
    hometown = _place_text(rng, hprov, N_COMM["district"].to_numpy()[home[r_idx]],
                           N_COMM["commune"].to_numpy()[home[r_idx]], hstyle, np.zeros(m, int))
    south = mig["south"][r_idx] & ~book_left[r_idx]
    stale = (mig["first"][r_idx] >= 0) & (rng.random(m) < 0.5)
    dc = np.where(stale, mig["first"][r_idx], mig["dest"][r_idx])
    scur = np.array([SOUTH[p][0] for p in S_PROV], dtype=object)
    snew = np.array([SOUTH[p][2] for p in S_PROV], dtype=object)
    sp_i = np.array([S_PROV.index(p) for p in S_COMM["prov"].to_list()])[dc]
    rs = rng.random(m)
    rstyle = np.where(rs < 0.6, 0, np.where(rs < 0.8, 1, 2))
    thon = (fam["hh"][r_idx] * 7 % 12) + 1
    res_s = _place_text(rng, np.where(rstyle == 1, snew[sp_i], scur[sp_i]), S_COMM["district"].to_numpy()[dc],
                        S_COMM["commune"].to_numpy()[dc], rstyle, thon)
    res_n = _place_text(rng, np.where(rstyle == 1, nnew[hp], ncur[hp]), N_COMM["district"].to_numpy()[home[r_idx]],
                        N_COMM["commune"].to_numpy()[home[r_idx]], rstyle, thon)
    residence = np.where(south, res_s, res_n)
    # relatives on the record
    pos_of = np.full(n, -1)
    pos_of[r_idx] = np.arange(m)
    def rel_name(rel, p):
        has = (rel[r_idx] >= 0) & (rng.random(m) < p)
        out = np.where(has, true_full[np.maximum(rel[r_idx], 0)], "")
        idp = np.where(has & reg[np.maximum(rel[r_idx], 0)] & (rng.random(m) < 0.75),
                       ids[np.maximum(rel[r_idx], 0)], "")
        return out, idp
    fn, fid = rel_name(father, 0.55)
    mn, mid_ = rel_name(mother, 0.45)
    sn, sid = rel_name(spouse, 0.5)
    hh_key = fam["hh"]
    hh_ids = pl.Series(rng.permutation(max(n, 10))[:n] + 10**8).cast(pl.String).to_numpy()
    hh_id = (pl.lit("HK") + pl.Series(hh_ids)).alias("h")
    hh_id = pl.select(hh_id).to_series().to_numpy().astype(object)[hh_key]
    rel = _relation(cols, fam)
    eth = np.empty(m, dtype=object)
    for c in range(6):
        mm = cult[r_idx] == c
        opts, w = ETHN[c]
        eth[mm] = np.array(opts, dtype=object)[rng.choice(len(opts), int(mm.sum()), p=w)]
    eth[rng.random(m) < 0.04 * e] = ""
    sx = np.where(sex[r_idx] == 0, np.where(rng.random(m) < 0.1, "nam", "M"), np.where(rng.random(m) < 0.1, "nữ", "F"))
    world_reg = pl.DataFrame({
        "person_id": ids[r_idx].astype(str), "full_name": full.astype(str), "sex": sx,
        "birth_date": bdate.astype(str), "ethnicity": eth.astype(str), "hometown": hometown.astype(str),
        "residence": residence.astype(str), "household_id": hh_id[r_idx].astype(str),
        "relation_to_head": rel[r_idx].astype(str), "father_name": fn.astype(str), "mother_name": mn.astype(str),
        "spouse_name": sn.astype(str), "father_id": fid.astype(str), "mother_id": mid_.astype(str),
        "spouse_id": sid.astype(str)})
    tg = pl.DataFrame({f"t{k}": v.astype(str) for k, v in enumerate((
        dtags, np.where(asc, "reg_no_diacritics", ""), np.where(gch == 2, "reg_dialect", ""),
        np.where(gch == 3, "reg_typo", ""), np.where(rot, "reg_order", ""),
        np.where(book_left[r_idx], "book_left", ""), np.where(stale, "reg_stale_residence", "")))})
    reg_tags = (tg.select(pl.concat_str([pl.when(pl.col(c) != "").then(pl.col(c)) for c in tg.columns],
                                        separator=";", ignore_nulls=True).fill_null(""))
                .to_series().to_numpy().astype(object))
    # ---- locals
    loc = _locals(cfg, rng, int(cfg.people * cfg.local_share))
    lid = _ids(rng, loc.height, np.full(loc.height, 66), loc["_by"].to_numpy(), loc["_sex"].to_numpy())
    lid_ok = ~pl.Series(lid.astype(str)).is_in(pl.Series(ids.astype(str)).implode()).to_numpy()
    lhh = pl.Series(rng.permutation(loc.height + 10)[: loc.height] + 5 * 10**8).cast(pl.String).to_numpy()
    loc = loc.with_columns(person_id=pl.Series(lid.astype(str)),
                           household_id=(pl.lit("HK") + pl.Series(lhh).gather(loc["_hh"].to_numpy())),
                           father_name=pl.lit(""), mother_name=pl.lit(""), spouse_name=pl.lit(""),
                           father_id=pl.lit(""), mother_id=pl.lit(""), spouse_id=pl.lit("")
                           ).filter(pl.Series(lid_ok)).select(world_reg.columns)
    perm = rng.permutation(world_reg.height + loc.height)
    population = pl.concat([world_reg, loc]).select(pl.all().gather(perm))
    t_people = time.perf_counter() - t0

    # ---- claims and truth
    world = dict(cols=cols, names=names, fam=fam, mig=mig, reg=reg, ids=ids, true_full=true_full,
                 home=home, prov_of=prov_of, true_md=true_md, hh_id=hh_id, reg_tags=reg_tags, pos_of=pos_of)
    claims, truth = _claims(cfg, rng, world)
    stats = {"founders": founders, "world_people": int(n), "living": int(fam["alive"].sum()),
             "registered_world": int(m), "locals": int(loc.height), "register_rows": int(population.height),
             "living_south": int((fam["alive"] & mig["south"]).sum()),
             "claims_by_kind": {k: int(v) for k, v in zip(*np.unique(truth["kind"].to_numpy(), return_counts=True))},
             "seconds_people": round(t_people, 2), "seconds_total": round(time.perf_counter() - t0, 2)}
    people = pl.DataFrame({"idx": np.arange(n), "person_id": ids.astype(str), "name": true_full.astype(str),
                           "by": by, "sex": sex, "culture": np.array(CULTURES)[cult], "alive": fam["alive"],
                           "registered": reg, "south": mig["south"], "arrival": mig["arrival"],
                           "father": father, "mother": mother, "spouse": spouse})
    return OtherWorld(population=population, claims=claims, truth=truth, config=cfg, seed=seed, stats=stats,
                      people=people)


# ------------------------------------------------------------------------------------------ claims

def _pick(rng, pool: np.ndarray, k: int, w: np.ndarray) -> np.ndarray:
    if len(pool) == 0 or k <= 0:
        return np.zeros(0, int)
    k = min(k, len(pool))
    return rng.choice(pool, size=k, replace=False, p=w / w.sum())


def _say_name(rng, e: float, sur: str, mid: str, giv: str, cult: int, tags: list[str], *, tag_prefix: str = "",
              drop_p: float = 0.08) -> str:
    """A name as said by someone: dropped surname, dialect, typo, no diacritics, order."""
    toks_s, toks_m, toks_g = sur, mid, giv
    if rng.random() < 0.13 * e:
        toks_g = dialect(toks_g, rng)
        tags.append(tag_prefix + "dialect")
    if rng.random() < 0.04 * e:
        toks_s = dialect(toks_s, rng)
        tags.append(tag_prefix + "dialect_surname")
    if rng.random() < 0.04 * e:
        toks_g = typo(toks_g, rng)
        tags.append(tag_prefix + "typo")
    parts = [toks_s, toks_m, toks_g]
    if rng.random() < drop_p * e * (1.6 if cult in (HMONG, DAO) else 0.6):
        parts = [toks_m, toks_g] if cult == HMONG and toks_m else [toks_g]
        tags.append(tag_prefix + "no_surname")
    elif rng.random() < 0.02 * e:
        parts = [toks_m, toks_g, toks_s]
        tags.append(tag_prefix + "order")
    s = " ".join(p for p in parts if p)
    if rng.random() < 0.06 * e:
        s = _strip(s)
        tags.append(tag_prefix + "no_diacritics")
    return s


def _claims(cfg: OtherConfig, rng, w: dict) -> tuple[list[dict], pl.DataFrame]:
    cols, names, fam, mig, reg, ids = w["cols"], w["names"], w["fam"], w["mig"], w["reg"], w["ids"]
    by, sex, cult, father, mother = cols["by"], cols["sex"], cols["cult"], cols["father"], cols["mother"]
    spouse, alive = fam["spouse"], fam["alive"]
    n = len(by)
    e, rich = cfg.errors, cfg.richness
    # close relatives (parents, spouse, children, siblings by the father or the mother)
    kids = pl.DataFrame({"c": np.arange(n), "f": father, "m": mother})
    ch = pl.concat([kids.select(p=pl.col("f"), c=pl.col("c")), kids.select(p=pl.col("m"), c=pl.col("c"))]
                   ).filter(pl.col("p") >= 0).unique().sort("p", "c")
    sib = (ch.join(ch, on="p", suffix="_2").filter(pl.col("c") != pl.col("c_2"))
           .select(a=pl.col("c"), b=pl.col("c_2")).unique().sort("a", "b"))
    edges = pl.concat([
        ch.select(a=pl.col("c"), b=pl.col("p"), rel=pl.lit("parent")),
        ch.select(a=pl.col("p"), b=pl.col("c"), rel=pl.lit("child")),
        pl.DataFrame({"a": np.flatnonzero(spouse >= 0), "b": spouse[spouse >= 0]}).with_columns(rel=pl.lit("spouse")),
        sib.with_columns(rel=pl.lit("sibling"))])
    edges = edges.with_columns(b_reg=pl.Series(reg)[edges["b"]], b_alive=pl.Series(alive)[edges["b"]])
    n_reg_rel = np.zeros(n, int)
    g = edges.filter(pl.col("b_reg")).group_by("a").len()
    n_reg_rel[g["a"].to_numpy()] = g["len"].to_numpy()
    age = YEAR - by
    eligible = alive & mig["south"] & (age >= 14)
    wgt = np.where(age < 18, 0.3, np.where(age > 65, 0.5, 1.0))
    pools = {"registered": np.flatnonzero(eligible & reg),
             "absent_relatives": np.flatnonzero(eligible & ~reg & (n_reg_rel > 0)),
             "absent": np.flatnonzero(eligible & ~reg & (n_reg_rel == 0))}
    mix = np.array(cfg.mix, float) / sum(cfg.mix)
    want = np.floor(mix * cfg.claims).astype(int)
    want[0] += cfg.claims - want.sum()
    chosen = []
    for (kind, pool), k in zip(pools.items(), want):
        got = _pick(rng, pool, int(k), wgt[pool])
        chosen += [(kind, int(i)) for i in got]
    order = rng.permutation(len(chosen))
    chosen = [chosen[i] for i in order]
    ed = edges.filter(pl.col("a").is_in([i for _, i in chosen])).sort("a", "rel", "b")
    rel_of: dict[int, list[tuple[str, int, bool, bool]]] = {}
    for a, b, r, br, ba in ed.select("a", "b", "rel", "b_reg", "b_alive").iter_rows():
        rel_of.setdefault(a, []).append((r, b, br, ba))
    S, M, G = names["surname"], names["middle"], names["given"]
    north_cur = {i: NORTH[p][0] for i, p in enumerate(N_PROV)}
    out, truth = [], []
    for k, (kind, i) in enumerate(chosen):
        tags: list[str] = []
        rels = rel_of.get(i, [])
        c = int(cult[i])
        sur, mid, giv = S[i], M[i], G[i]
        # adult Hmong men may use another middle name; Dao may drop the generation name
        if c == HMONG and sex[i] == 0 and spouse[i] >= 0 and rng.random() < 0.12:
            mid = {"A": "Seo", "Seo": "A", "Văn": "A", "Mí": "A"}.get(mid, "A")
            tags.append("middle_changed")
        elif c == DAO and sex[i] == 0 and rng.random() < 0.08:
            mid = ""
            tags.append("middle_dropped")
        children = sorted([b for r, b, _, _ in rels if r == "child"], key=lambda b: by[b])
        if children and rng.random() < 0.035 * e:
            name = ("bố " if sex[i] == 0 else "mẹ ") + G[children[0]]
            tags.append("teknonym")
            aliases = [_say_name(rng, e, sur, mid, giv, c, tags)] if rng.random() < 0.3 else None
        else:
            name = _say_name(rng, e, sur, mid, giv, c, tags)
            aliases = None
            if rng.random() < 0.2 * rich:
                aliases = [f"{mid} {giv}".strip() if c == HMONG else giv]
                if children and rng.random() < 0.4:
                    aliases.append(("bố " if sex[i] == 0 else "mẹ ") + G[children[0]])
        rec = f"{2024 + (rng.random() < 0.4):d}-{rng.integers(1, 10):02d}-{rng.integers(1, 29):02d}"
        ry = int(rec[:4])
        cl: dict = {"claim_id": f"OW-{k + 1:06d}", "name": name, "aliases": aliases,
                    "sex": ("M" if sex[i] == 0 else "F") if rng.random() < 0.93 else None,
                    "recorded_on": rec}
        yb = int(by[i])
        mo, dy = (int(x) for x in w["true_md"][i])
        u = rng.random()
        if u < 0.08 * min(rich, 1.5):
            cl["birth_date"] = f"{dy:02d}/{mo:02d}/{yb}"
            tags.append("full_date")
        elif u < 0.36:
            off = 0
            if rng.random() < 0.22 * e:
                off = int(rng.choice([-1, 1]))
                tags.append("year_off")
            elif rng.random() < 0.04 * e:
                off = int(rng.choice([-6, -5, 5, 6]))
                tags.append("year_far")
            cl["birth_year"] = yb + off
        elif u < 0.66:
            a = ry - yb - (1 if rng.random() < 0.5 else 0)
            if rng.random() < 0.35:
                a = ry - yb + 1
                tags.append("age_mu")
            if a > 40 and rng.random() < 0.3:
                a = int(round(a / 5) * 5)
                tags.append("age_rounded")
            cl["age"] = int(a)
        elif u < 0.82:
            ly = yb - 1 if (mo == 1 or (mo == 2 and dy < 10)) and rng.random() < 0.5 else yb
            cl["zodiac"] = BRANCHES[(ly - 4) % 12]
            tags.append("zodiac_only")
            if ly != yb:
                tags.append("tet_shift")
        elif u < 0.93:
            lo = yb - int(rng.integers(1, 8))
            cl["birth_year_min"], cl["birth_year_max"] = lo, lo + int(rng.integers(5, 13))
            tags.append("year_range")
        else:
            tags.append("no_age")
        if "zodiac" not in cl and "birth_date" not in cl and rng.random() < 0.2:
            cl["zodiac"] = BRANCHES[(yb - 4) % 12]
        if rng.random() < 0.85:
            opts, pw = ETHN[c]
            cl["ethnicity"] = str(opts[rng.choice(len(opts), p=pw)])
        # hometown as remembered
        hp = int(w["prov_of"][w["home"][i]])
        pkey = N_PROV[hp]
        cur, old, until, new, _ = NORTH[pkey]
        left = int(min(mig["arrival"][i], yb + 15)) if mig["south"][i] else YEAR
        hrow = N_COMM.row(int(w["home"][i]), named=True)
        u = rng.random()
        if u < 0.12:
            tags.append("no_hometown")
        else:
            if old and left <= until and rng.random() < 0.6:
                cl["claimed_hometown"] = old
                tags.append("old_province")
            elif rng.random() < 0.2:
                cl["claimed_hometown"] = new
                tags.append("new_province")
            elif rng.random() < 0.15:
                cl["claimed_hometown"] = ("huyện " if rng.random() < 0.5 else "") + hrow["district"]
                tags.append("district_only")
            elif rng.random() < 0.3:
                cl["claimed_hometown"] = f"xã {hrow['commune']}, huyện {hrow['district']}, {cur}"
            else:
                cl["claimed_hometown"] = cur
        # residence now
        if rng.random() < 0.8:
            srow = S_COMM.row(int(mig["dest"][i]), named=True)
            pn = SOUTH[srow["prov"]][0]
            cl["residence"] = (f"thôn {int(rng.integers(1, 13))}, xã {srow['commune']}, huyện {srow['district']}, {pn}"
                               if rng.random() < 0.6 else f"xã {srow['commune']}, {srow['district']}")
            if mig["first"][i] >= 0:
                tags.append("moved_twice")
        # relatives
        rl = []
        must = None
        if kind == "absent_relatives":
            regs = [x for x in rels if x[2]]
            must = regs[int(rng.integers(len(regs)))][1]
        caps = {"child": 4, "sibling": 3}
        counts = {"child": 0, "sibling": 0}
        p_rel = {"parent": 0.7, "spouse": 0.7, "child": 0.45, "sibling": 0.3}
        rtags: list[str] = []
        for r, b, br, ba in rels:
            if b != must and rng.random() >= min(0.97, p_rel[r] * rich):
                continue
            if r in caps:
                if counts[r] >= caps[r] and b != must:
                    continue
                counts[r] += 1
            relation = ("father" if sex[b] == 0 else "mother") if r == "parent" else r
            entry = {"relation": relation, "name": _say_name(rng, e * 0.8, S[b], M[b], G[b], int(cult[b]), rtags,
                                                             tag_prefix="rel_", drop_p=0.12)}
            if rng.random() < 0.2 * rich:
                entry["birth_year"] = int(by[b] + rng.integers(-3, 4))
            rl.append(entry)
        if rng.random() < 0.03 * e:
            sx_ = int(rng.integers(2))
            fake = _say_name(rng, 0, sur, "A" if sx_ == 0 and c == HMONG else ("Thị" if sx_ else "Văn"),
                             str(np.array(HMONG_M + SV_M)[rng.integers(len(HMONG_M) + len(SV_M))]), c, [])
            rl.append({"relation": "sibling", "name": fake})
            tags.append("false_relative")
        fpar = father[i]
        if fpar >= 0 and father[fpar] >= 0 and rng.random() < 0.03 * rich:
            gp = father[fpar]
            rl.append({"relation": "grandparent", "name": f"{S[gp]} {M[gp]} {G[gp]}".replace("  ", " ")})
            tags.append("grandparent_named")
        rng.shuffle(rl)
        if rl:
            cl["relatives"] = rl
        else:
            tags.append("no_relatives")
        tags += sorted(set(rtags))
        if kind == "registered":
            tags += [t for t in w["reg_tags"][w["pos_of"][i]].split(";") if t]
        out.append(cl)
        truth.append({"claim_id": cl["claim_id"], "kind": kind,
                      "person_id": str(ids[i]) if kind == "registered" else None,
                      "relative_ids": ";".join(sorted({str(ids[b]) for _, b, br, _ in rels if br})),
                      "household_id": str(w["hh_id"][i]) if kind == "registered" else None,
                      "corruptions": ";".join(tags) if tags else "none"})
    schema = {"claim_id": pl.String, "kind": pl.String, "person_id": pl.String, "relative_ids": pl.String,
              "household_id": pl.String, "corruptions": pl.String}
    return out, pl.DataFrame(truth, schema=schema)
