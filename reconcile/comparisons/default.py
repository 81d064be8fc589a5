"""The default comparison set of `reconcile` with its words in Vietnamese and English.

`default_registry()` is what the engine scores with and what the packaged parameters
(reconcile/data/model_defaults.json, format 3) are keyed by. Adding a comparison is one entry here
(levels in evidence order, the columns it reads, its words) plus, if it is a new kind, one function
in `library.py`; `tests/test_comparisons.py` then checks it like every other.
"""

from __future__ import annotations

from functools import lru_cache

from reconcile.comparisons import library as lib
from reconcile.comparisons.base import RELATIONS, Comparison, Level, Registry, words

W = words


def _missing(condition: str = "either side lacks the value") -> Level:
    return Level("missing", condition, W("thiếu thông tin", "missing"), W("", ""), neutral=True)


def _lv(name, condition, label_vi, label_en, tmpl_vi, tmpl_en, tf=None, neutral=False) -> Level:
    return Level(name, condition, W(label_vi, label_en), W(tmpl_vi, tmpl_en), neutral=neutral, tf=tf)


def _bind(cmp_fn, *args):
    """compute(view[, shared]) bound to the comparison itself (levels looked up by name)."""
    holder: dict = {}

    def compute(view, *shared):
        return cmp_fn(holder["cmp"], view, *args, *shared)
    return holder, compute


def _make(name, label, levels, columns, fn, *args, tf_vocab=None, relation=None, description="",
          shared=None):
    holder, compute = _bind(fn, *args)
    cmp = Comparison(name=name, label=label, levels=tuple(levels), columns=tuple(columns),
                     compute=compute, tf_vocab=tf_vocab, relation=relation, description=description,
                     shared=shared)
    holder["cmp"] = cmp
    return cmp


NAME_COLS = ("fam", "fam_norm", "fam_key", "mid", "giv", "giv_norm", "giv_key", "ntok", "culture")


def surname() -> Comparison:
    return _make("fam", W("Họ", "Surname"), [
        _missing(),
        _lv("exact", "same surname with diacritics", "trùng khớp", "exact",
            "Họ '{c}' trùng khớp ({n} người cùng họ)", "Surname '{c}' matches exactly ({n} people share it)",
            tf="exact"),
        _lv("folded", "same surname without tone marks", "khớp khi bỏ dấu", "same without tone marks",
            "Họ '{c}' khớp với '{p}' khi bỏ dấu ({n} người cùng họ)",
            "Surname '{c}' matches '{p}' without tone marks ({n} people share it)", tf="exact"),
        _lv("variant", "spelling variant of one surname/clan", "cách viết khác", "spelling variant",
            "Họ '{c}' là cách viết khác của '{p}' ({n} người cùng họ)",
            "Surname '{c}' is a spelling variant of '{p}' ({n} people share it)", tf="exact"),
        _lv("phonetic", "same sound (Vietnamese dialect key; NYSIIS/metaphone for other names)",
            "đọc giống", "sounds alike", "Họ '{c}' đọc giống '{p}'", "Surname '{c}' sounds like '{p}'",
            tf="fuzzy"),
        _lv("fuzzy", f"Jaro–Winkler ≥ {lib.FAM_FUZZY}", "gần giống", "close",
            "Họ '{c}' gần giống '{p}'", "Surname '{c}' is close to '{p}'", tf="fuzzy"),
        _lv("swapped", "the claim's surname is the record's given name (name order confused)",
            "đảo thứ tự", "name order swapped", "Họ '{c}' là tên gọi trong hồ sơ '{p}' (đảo thứ tự tên)",
            "Surname '{c}' is the record's given name (name order swapped)"),
        _lv("different", "otherwise", "khác", "different",
            "Họ '{c}' khác họ trong hồ sơ '{p}'", "Surname '{c}' differs from the record '{p}'"),
    ], [f"c.{x}" for x in NAME_COLS] + [f"p.{x}" for x in NAME_COLS], lib.surname_levels,
        tf_vocab="fam_key")


def middle() -> Comparison:
    return _make("mid", W("Tên đệm", "Middle name"), [
        _missing(),
        _lv("same", "same folded middle name", "trùng khớp", "same",
            "Tên đệm '{c}' trùng khớp", "Middle name '{c}' matches"),
        _lv("different", "otherwise", "khác", "different",
            "Tên đệm '{c}' khác hồ sơ '{p}'", "Middle name '{c}' differs from the record '{p}'"),
    ], ("c.mid", "p.mid", "c.fam", "c.ntok", "p.ntok"), lib.middle_levels)


def given() -> Comparison:
    return _make("giv", W("Tên gọi", "Given name"), [
        _missing(),
        _lv("exact", "same given name with diacritics", "trùng khớp", "exact",
            "Tên gọi '{c}' trùng khớp ({n} người cùng tên)",
            "Given name '{c}' matches exactly ({n} people share it)", tf="exact"),
        _lv("folded", "same given name, one side written without tone marks", "khớp khi bỏ dấu", "same without tone marks",
            "Tên gọi '{c}' khớp với '{p}' khi bỏ dấu ({n} người cùng tên)",
            "Given name '{c}' matches '{p}' without tone marks ({n} people share it)", tf="exact"),
        _lv("tones_differ", "same letters, both written with different tone marks (Hùng / Hưng)",
            "khác dấu thanh", "tone marks differ", "Tên gọi '{c}' khác dấu thanh với '{p}'",
            "Given name '{c}' differs from '{p}' in its tone marks", tf="fuzzy"),
        _lv("phonetic", "same phonetic key (Vietnamese; NYSIIS/metaphone for other names)",
            "đọc giống", "sounds alike", "Tên gọi '{c}' đọc giống '{p}'",
            "Given name '{c}' sounds like '{p}'", tf="fuzzy"),
        _lv("fuzzy_high", f"Jaro–Winkler ≥ {lib.GIV_FUZZY_HIGH}", "gần giống", "close",
            "Tên gọi '{c}' gần giống '{p}'", "Given name '{c}' is close to '{p}'", tf="fuzzy"),
        _lv("fuzzy_low", f"Jaro–Winkler ≥ {lib.GIV_FUZZY_LOW}", "hơi giống", "somewhat alike",
            "Tên gọi '{c}' hơi giống '{p}'", "Given name '{c}' is somewhat like '{p}'", tf="fuzzy"),
        _lv("swapped", "the claim's given name is the record's surname (name order confused)",
            "đảo thứ tự", "name order swapped", "Tên gọi '{c}' là họ trong hồ sơ '{p}' (đảo thứ tự tên)",
            "Given name '{c}' is the record's surname (name order swapped)"),
        _lv("different", "otherwise", "khác", "different",
            "Tên gọi '{c}' khác tên trong hồ sơ '{p}'", "Given name '{c}' differs from the record '{p}'"),
    ], [f"c.{x}" for x in NAME_COLS] + [f"p.{x}" for x in NAME_COLS], lib.given_levels,
        tf_vocab="giv_key")


def kin_surname() -> Comparison:
    return _make("kin_fam", W("Họ theo người thân", "Surname from relatives"), [
        _missing("the claim has its own surname, or names no father/sibling with one"),
        # learned, but counted only when `dependence.kin_surname_agreement` (see model.score)
        _lv("agree", "the candidate's surname is the claimed father's (else sibling's)",
            "trùng họ cha/anh chị em", "the father's/sibling's surname",
            "Họ '{p}' trùng với họ của cha/anh chị em khai báo",
            "Surname '{p}' is the claimed father's/sibling's"),
        _lv("different", "the candidate's surname is another clan's", "khác họ cha/anh chị em",
            "not the father's/sibling's surname",
            "Họ '{p}' khác họ của cha/anh chị em khai báo '{c}'",
            "Surname '{p}' is not the claimed father's/sibling's '{c}'"),
    ], ("c.fam_key", "c.kin_fam_key", "p.fam_key"), lib.kin_surname_levels,
        description="a claim without a surname takes its clan from the father or a sibling it names")


def birth_year() -> Comparison:
    return _make("by", W("Năm sinh", "Birth year"), [
        _missing("the register or the claim has no birth year"),
        _lv("exact", "the claimed year (from a date or a year)", "trùng năm", "same year",
            "Năm sinh {p} trùng với năm khai báo", "Birth year {p} equals the claimed year"),
        _lv("within_1", "one year off a claimed year or a range of ≤ 2 years", "lệch 1 năm", "1 year off",
            "Năm sinh {p} lệch 1 năm so với khai báo {best}", "Birth year {p} is 1 year off the claimed {best}"),
        _lv("in_narrow", f"inside a claimed range of ≤ {lib.NARROW_INTERVAL} years", "trong khoảng hẹp",
            "in a narrow range", "Năm sinh {p} nằm trong khoảng khai báo {range}",
            "Birth year {p} lies in the claimed range {range}"),
        _lv("in_wide", "inside a wider claimed range", "trong khoảng rộng", "in a wide range",
            "Năm sinh {p} nằm trong khoảng khai báo rộng {range}",
            "Birth year {p} lies in the wide claimed range {range}"),
        _lv("near", f"at most {lib.NEAR_YEARS} years off", "lệch 2–5 năm", "2–5 years off",
            "Năm sinh {p} lệch 2–5 năm so với khai báo {range}",
            "Birth year {p} is 2–5 years off the claimed {range}"),
        _lv("far", "further off", "quá xa", "far off",
            "Năm sinh {p} quá xa khai báo {range}", "Birth year {p} is far from the claimed {range}"),
    ], ("c.by_lo", "c.by_hi", "c.by_best", "c.by_kind", "p.by"), lib.birth_year_levels)


def date_of_birth() -> Comparison:
    return _make("dob", W("Ngày sinh", "Date of birth"), [
        _missing("either side lacks the day or the month"),
        _lv("exact", "same day and month", "trùng ngày tháng", "same day and month",
            "Ngày sinh {c} trùng ngày, tháng với hồ sơ {p}",
            "Date of birth {c}: same day and month as the record {p}"),
        _lv("swapped", "day and month exchanged", "đảo ngày tháng", "day and month swapped",
            "Ngày sinh {c} đảo ngày và tháng so với hồ sơ {p}",
            "Date of birth {c} has day and month swapped against the record {p}"),
        _lv("month_only", "same month, another day", "cùng tháng", "same month only",
            "Ngày sinh {c} cùng tháng, khác ngày với hồ sơ {p}",
            "Date of birth {c}: same month, another day than the record {p}"),
        _lv("day_only", "same day, another month", "cùng ngày", "same day only",
            "Ngày sinh {c} cùng ngày, khác tháng với hồ sơ {p}",
            "Date of birth {c}: same day, another month than the record {p}"),
        _lv("different", "day and month both differ", "khác", "different",
            "Ngày sinh {c} khác hồ sơ {p}", "Date of birth {c} differs from the record {p}"),
    ], ("c.bm", "c.bd", "p.bm", "p.bd"), lib.date_of_birth_levels,
        description="the worked example of issue 9: the year is the birth-year comparison's")


def zodiac() -> Comparison:
    return _make("zod", W("Con giáp", "Zodiac year"), [
        _missing(),
        _lv("agree", "the register's birth date allows the claimed con giáp", "phù hợp", "fits",
            "Tuổi {c} phù hợp với năm sinh {p}", "Zodiac {c} fits birth year {p}"),
        _lv("disagree", "it does not", "không hợp", "does not fit",
            "Tuổi {c} không hợp với năm sinh {p}", "Zodiac {c} does not fit birth year {p}"),
    ], ("c.zod", "p.zmask"), lib.zodiac_levels)


def _code_cmp(name, label, col, missing_value, label_c_vi, label_c_en, fallback=None) -> Comparison:
    return _make(name, label, [
        _missing(),
        _lv("agree", "same code" + (f" (the claim's may come from {fallback})" if fallback else ""),
            "trùng khớp", "agrees",
            f"{label_c_vi} {{p}} trùng khớp", f"{label_c_en} {{p}} matches"),
        _lv("disagree", "different codes", "khác", "differs",
            f"{label_c_vi} khác: khai {{c}}, hồ sơ {{p}}", f"{label_c_en} differs: claimed {{c}}, record {{p}}"),
    ], (f"c.{col}", f"p.{col}") + ((f"c.{fallback}", f"p.{fallback}") if fallback else ()),
        lib.code_agreement, col, missing_value, fallback)


def sex() -> Comparison:
    return _code_cmp("sex", W("Giới tính", "Sex"), "sex", 0, "Giới tính", "Sex", fallback="sex_marker")


def ethnicity() -> Comparison:
    return _code_cmp("eth", W("Dân tộc", "Ethnicity"), "eth", -1, "Dân tộc", "Ethnicity")


PLACE_COLS = ("now", "prov0", "prov1", "district", "commune")


def place(name: str, prefix: str, label: dict, village: bool = False) -> Comparison:
    """A place resolved to the commune; with `village`, also the village/hamlet written before it
    (thôn, buôn, bản, tổ …: `places.village_key`): the same village above the commune, another
    village below it (a village not written on a side leaves the commune level as it was)."""
    same_village = [_lv(
        "same_village", "same commune and the same village/hamlet (thôn, buôn, bản, tổ …)",
        "cùng thôn/buôn", "same village",
        "{L} '{c}' cùng thôn/buôn, cùng xã với hồ sơ '{p}'",
        "{L} '{c}' is the same village and commune as the record '{p}'")] if village else []
    other_village = [_lv(
        "other_village", "same commune, both write a village/hamlet and they differ",
        "cùng xã, khác thôn", "same commune, another village",
        "{L} '{c}' cùng xã nhưng khác thôn/buôn với hồ sơ '{p}'",
        "{L} '{c}' is the same commune as the record '{p}' but another village")] if village else []
    same_commune = ("same commune (district equal when both known), a village not written on a side"
                    if village else "same commune (district equal when both known)")
    return _make(name, label, [
        _missing(),
        *same_village,
        _lv("same_commune", same_commune, "cùng xã", "same commune",
            "{L} '{c}' cùng xã với hồ sơ '{p}'", "{L} '{c}' is the same commune as the record '{p}'"),
        *other_village,
        _lv("same_district", "same district, another or unknown commune", "cùng huyện", "same district",
            "{L} '{c}' cùng huyện với hồ sơ '{p}'", "{L} '{c}' is in the same district as the record '{p}'"),
        _lv("same_unit", "a historical province-level unit in common (old names included)",
            "cùng tỉnh (kể cả tên cũ)", "same province (old names included)",
            "{L} '{c}' cùng tỉnh (kể cả tên cũ) với hồ sơ '{p}'",
            "{L} '{c}' is in the same province (old names included) as the record '{p}'"),
        _lv("compatible", "today's provinces overlap (mergers, splits)", "phù hợp địa giới",
            "territorially compatible", "{L} '{c}' phù hợp về địa giới với hồ sơ '{p}'",
            "{L} '{c}' is territorially compatible with the record '{p}'"),
        _lv("different", "no province in common", "khác nơi", "another place",
            "{L} '{c}' không khớp với hồ sơ '{p}'", "{L} '{c}' does not fit the record '{p}'"),
    ], [f"c.{prefix}{x}" for x in PLACE_COLS + (("village",) if village else ())]
        + [f"p.{prefix}{x}" for x in PLACE_COLS + (("village",) if village else ())],
        lib.place_levels, prefix)


def place_text(name: str, prefix: str, label: dict) -> Comparison:
    return _make(name, label, [
        _missing("the place resolved on a side (the place comparison speaks), or no text"),
        _lv("same", "the same written place", "trùng khớp", "same text",
            "{L} '{c}' trùng với hồ sơ '{p}' ({n} người cùng nơi)",
            "{L} '{c}' is written as in the record '{p}' ({n} people share it)", tf="exact"),
        _lv("close", f"Jaro–Winkler ≥ {lib.PLACE_TEXT_CLOSE}", "gần giống", "close",
            "{L} '{c}' gần giống hồ sơ '{p}'", "{L} '{c}' is close to the record '{p}'"),
        _lv("different", "otherwise", "khác", "different",
            "{L} '{c}' khác hồ sơ '{p}'", "{L} '{c}' differs from the record '{p}'"),
    ], (f"c.{prefix}text", f"p.{prefix}text", f"c.{prefix}now", f"p.{prefix}now"),
        lib.place_text_levels, prefix, tf_vocab="place_text",
        description="places that do not resolve (foreign addresses, FEBRL suburbs)")


def life_stage() -> Comparison:
    return _make("stage", W("Lứa tuổi", "Life stage"), [
        _missing("the claim does not say its author is an adult, or an age is unknown"),
        _lv("adult", f"the candidate was ≥ {lib.ADULT_AGE} in the claim's year", "người lớn", "adult",
            "Người khai là người lớn; hồ sơ {p} tuổi", "The claimant is an adult; the record is aged {p}"),
        _lv("youth", f"{lib.CHILD_AGE}–{lib.ADULT_AGE - 1} years old", "vị thành niên", "adolescent",
            "Người khai là người lớn; hồ sơ mới {p} tuổi", "The claimant is an adult; the record is only {p}"),
        _lv("child", f"under {lib.CHILD_AGE}", "trẻ em", "child",
            "Người khai là người lớn; hồ sơ là trẻ em {p} tuổi",
            "The claimant is an adult; the record is a child aged {p}"),
    ], ("c.adult", "c.recorded_year", "p.by"), lib.life_stage_levels,
        description="age/life-stage prior of issue 10 item 3")


REL_LABELS = {"father": W("Cha", "Father"), "mother": W("Mẹ", "Mother"),
              "spouse": W("Vợ/chồng", "Spouse"), "child": W("Con", "Child"),
              "sibling": W("Anh/chị/em", "Sibling")}


def relative(relation: str) -> Comparison:
    return _make(relation, REL_LABELS[relation], [
        Level("not_claimed", "the claim names no such relative", W("không khai", "not claimed"),
              W("", ""), neutral=True),
        _lv("strong", "same given name (folded) and same surname/clan key, sex markers agree, age fits",
            "khớp", "matches", "{L}: '{c}' khớp với {l} trong hồ sơ '{p}'",
            "{L}: '{c}' matches the recorded {l} '{p}'", tf="exact"),
        _lv("weak", "given names close (same key or Jaro–Winkler) or given name only; no conflict",
            "gần giống", "close", "{L}: '{c}' gần giống {l} trong hồ sơ '{p}'",
            "{L}: '{c}' is close to the recorded {l} '{p}'", tf="fuzzy"),
        _lv("not_recorded", "the register records no relative of this kind (weighed by how completely "
            "the register at hand records that relative: reconcile.model.completeness)", "hồ sơ không ghi", "not recorded",
            "{L}: '{c}' — hồ sơ không ghi {l}", "{L}: '{c}' — no {l} recorded"),
        _lv("different", "every recorded one differs (name, sex marker, age or own parents)",
            "khác", "differs", "{L}: '{c}' khác {l} trong hồ sơ '{p}'",
            "{L}: '{c}' differs from the recorded {l} '{p}'"),
    ], ("rel.c_giv", "rel.r_giv", "rel.c_giv_norm", "rel.r_giv_norm", "rel.c_giv_key", "rel.r_giv_key", "rel.c_fam_key", "rel.r_fam_key",
        "rel.c_sex_marker", "rel.r_sex_marker", "rel.c_ntok", "rel.r_ntok", "rel.c_by", "rel.r_by",
        "rel.r_name", "rel.c_mid", "rel.r_mid", "c.fam_key", "c.kin_fam_key", "p.fam_key"), lib.relative_levels, relation=relation, tf_vocab="rel_name",
        shared=lib.relative_triples)


@lru_cache(maxsize=1)
def default_registry() -> Registry:
    """The comparisons `reconcile` scores with, in column order."""
    return Registry([
        surname(), middle(), given(), kin_surname(), birth_year(), date_of_birth(), zodiac(), sex(), ethnicity(),
        place("home", "home_", W("Quê quán", "Hometown")),
        place("res", "res_", W("Nơi ở", "Residence"), village=True),
        place_text("res_text", "res_", W("Địa chỉ (chưa xác định)", "Address (unresolved)")),
        life_stage(),
        *(relative(r) for r in RELATIONS),
    ])
