"""Officer-readable words for evidence and reasons, in Vietnamese (default) and English.

Owns the wording only: field labels, one sentence template per (field, comparison level), weight
formatting, and `with_evidence(...)`, which turns level/weight/value columns into the `evidence`
(Utf8, one line per field joined with "; ") and `evidence_detail` (List[Struct{field, level, weight,
text}]) columns as whole-column polars expressions. Imports nothing from reconcile: callers pass the
level names and the value expressions.

Template placeholders: `{c}` the claim's value, `{p}` the register's value, `{n}` how many registered
people share the value, `{lo}` `{hi}` `{best}` the claimed birth-year interval, `{L}` / `{l}` the
relative's label (capitalised / lower case).
"""

from __future__ import annotations

import re

import polars as pl

LANGS = ("vi", "en")

FIELD_LABELS = {
    "vi": {"fam": "Họ", "mid": "Tên đệm", "giv": "Tên gọi", "by": "Năm sinh", "zod": "Con giáp",
           "sex": "Giới tính", "eth": "Dân tộc", "home": "Quê quán", "res": "Nơi ở",
           "father": "Cha", "mother": "Mẹ", "spouse": "Vợ/chồng", "child": "Con",
           "sibling": "Anh/chị/em"},
    "en": {"fam": "Surname", "mid": "Middle name", "giv": "Given name", "by": "Birth year",
           "zod": "Zodiac year", "sex": "Sex", "eth": "Ethnicity", "home": "Hometown",
           "res": "Residence", "father": "Father", "mother": "Mother", "spouse": "Spouse",
           "child": "Child", "sibling": "Sibling"},
}

SEX_WORDS = {"vi": {"M": "nam", "F": "nữ"}, "en": {"M": "male", "F": "female"}}

_REL_VI = {
    "strong": "{L}: '{c}' khớp với {l} trong hồ sơ '{p}'",
    "weak": "{L}: '{c}' gần giống {l} trong hồ sơ '{p}'",
    "not_recorded": "{L}: '{c}' — hồ sơ không ghi {l}, không tính",
    "different": "{L}: '{c}' khác {l} trong hồ sơ '{p}'",
}
_REL_EN = {
    "strong": "{L}: '{c}' matches the recorded {l} '{p}'",
    "weak": "{L}: '{c}' is close to the recorded {l} '{p}'",
    "not_recorded": "{L}: '{c}' — no {l} recorded, not counted",
    "different": "{L}: '{c}' differs from the recorded {l} '{p}'",
}
_PLACE_VI = {
    "same_commune": "{F} '{c}' cùng xã với hồ sơ '{p}'",
    "same_unit": "{F} '{c}' cùng đơn vị hành chính (kể cả tên cũ) với hồ sơ '{p}'",
    "compatible": "{F} '{c}' phù hợp về địa giới với hồ sơ '{p}'",
    "incompatible": "{F} '{c}' không khớp với hồ sơ '{p}'",
}
_PLACE_EN = {
    "same_commune": "{F} '{c}' is the same commune as the record '{p}'",
    "same_unit": "{F} '{c}' is the same unit (old names included) as the record '{p}'",
    "compatible": "{F} '{c}' is territorially compatible with the record '{p}'",
    "incompatible": "{F} '{c}' does not fit the record '{p}'",
}

TEMPLATES: dict[str, dict[str, dict[str, str]]] = {
    "vi": {
        "fam": {"exact": "Họ '{c}' trùng khớp ({n} người cùng họ)",
                "folded": "Họ '{c}' khớp với '{p}' khi bỏ dấu ({n} người cùng họ)",
                "variant": "Họ '{c}' là cách viết khác của '{p}'",
                "fuzzy": "Họ '{c}' gần giống '{p}'",
                "different": "Họ '{c}' khác họ trong hồ sơ '{p}'"},
        "mid": {"same": "Tên đệm '{c}' trùng khớp",
                "different": "Tên đệm '{c}' khác hồ sơ '{p}'"},
        "giv": {"exact": "Tên gọi '{c}' trùng khớp ({n} người cùng tên)",
                "folded": "Tên gọi '{c}' khớp với '{p}' khi bỏ dấu ({n} người cùng tên)",
                "phonetic": "Tên gọi '{c}' đọc giống '{p}' ({n} người cùng tên)",
                "fuzzy_high": "Tên gọi '{c}' gần giống '{p}'",
                "fuzzy_low": "Tên gọi '{c}' hơi giống '{p}'",
                "different": "Tên gọi '{c}' khác tên trong hồ sơ '{p}'"},
        "by": {"exact": "Năm sinh {p} trùng với năm khai báo",
               "within_1": "Năm sinh {p} lệch 1 năm so với khai báo {best}",
               "in_narrow": "Năm sinh {p} nằm trong khoảng khai báo {lo}–{hi}",
               "in_wide": "Năm sinh {p} nằm trong khoảng khai báo rộng {lo}–{hi}",
               "near": "Năm sinh {p} lệch 2–5 năm so với khai báo {lo}–{hi}",
               "far": "Năm sinh {p} quá xa khai báo {lo}–{hi}"},
        "zod": {"agree": "Tuổi {c} phù hợp với năm sinh {p}",
                "disagree": "Tuổi {c} không hợp với năm sinh {p}"},
        "sex": {"agree": "Giới tính {c} trùng khớp",
                "disagree": "Giới tính khác: khai {c}, hồ sơ {p}"},
        "eth": {"agree": "Dân tộc {c} trùng khớp",
                "disagree": "Dân tộc khác: khai {c}, hồ sơ {p}"},
        "home": _PLACE_VI, "res": _PLACE_VI,
        "father": _REL_VI, "mother": _REL_VI, "spouse": _REL_VI, "child": _REL_VI,
        "sibling": _REL_VI,
    },
    "en": {
        "fam": {"exact": "Surname '{c}' matches exactly ({n} people share it)",
                "folded": "Surname '{c}' matches '{p}' without tone marks ({n} people share it)",
                "variant": "Surname '{c}' is a spelling variant of '{p}'",
                "fuzzy": "Surname '{c}' is close to '{p}'",
                "different": "Surname '{c}' differs from the record '{p}'"},
        "mid": {"same": "Middle name '{c}' matches",
                "different": "Middle name '{c}' differs from the record '{p}'"},
        "giv": {"exact": "Given name '{c}' matches exactly ({n} people share it)",
                "folded": "Given name '{c}' matches '{p}' without tone marks ({n} people share it)",
                "phonetic": "Given name '{c}' sounds like '{p}' ({n} people share it)",
                "fuzzy_high": "Given name '{c}' is close to '{p}'",
                "fuzzy_low": "Given name '{c}' is somewhat like '{p}'",
                "different": "Given name '{c}' differs from the record '{p}'"},
        "by": {"exact": "Birth year {p} equals the claimed year",
               "within_1": "Birth year {p} is 1 year off the claimed {best}",
               "in_narrow": "Birth year {p} lies in the claimed range {lo}–{hi}",
               "in_wide": "Birth year {p} lies in the wide claimed range {lo}–{hi}",
               "near": "Birth year {p} is 2–5 years off the claimed {lo}–{hi}",
               "far": "Birth year {p} is far from the claimed {lo}–{hi}"},
        "zod": {"agree": "Zodiac {c} fits birth year {p}",
                "disagree": "Zodiac {c} does not fit birth year {p}"},
        "sex": {"agree": "Sex {c} matches",
                "disagree": "Sex differs: claimed {c}, record {p}"},
        "eth": {"agree": "Ethnicity {c} matches",
                "disagree": "Ethnicity differs: claimed {c}, record {p}"},
        "home": _PLACE_EN, "res": _PLACE_EN,
        "father": _REL_EN, "mother": _REL_EN, "spouse": _REL_EN, "child": _REL_EN,
        "sibling": _REL_EN,
    },
}

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r} for explanations; use 'vi' (default) or 'en'")
    return lang


def weight_text(w: pl.Expr) -> pl.Expr:
    """'+3.1' / '−1.2' / '0.0' from a Float weight expression (one decimal)."""
    r = w.round(1)
    return (pl.when(r > 0).then(pl.lit("+") + r.cast(pl.Utf8))
            .when(r < 0).then(pl.lit("−") + (-r).cast(pl.Utf8))
            .otherwise(pl.lit("0.0")))


def render(template: str, values: dict[str, pl.Expr]) -> pl.Expr:
    """A polars expression filling `template`'s {placeholders} from `values` (null → '?')."""
    names = _PLACEHOLDER.findall(template)
    fmt = _PLACEHOLDER.sub("{}", template)
    if not names:
        return pl.lit(template)
    args = [values[n].cast(pl.Utf8).fill_null("?") if n in values else pl.lit("?") for n in names]
    return pl.format(fmt, *args)


def field_text(field: str, level_names: tuple[str, ...], lvl: pl.Expr, w: pl.Expr,
               values: dict[str, pl.Expr], lang: str) -> pl.Expr:
    """One evidence line for a field ('…' + ' +2.0'), null for levels without a template."""
    check_lang(lang)
    label = FIELD_LABELS[lang][field]
    vals = dict(values)
    vals.setdefault("L", pl.lit(label))
    vals.setdefault("l", pl.lit(label.lower()))
    vals.setdefault("F", pl.lit(label))
    tmpl = TEMPLATES[lang].get(field, {})
    expr = pl.when(pl.lit(False)).then(pl.lit(None, dtype=pl.Utf8))
    for i, name in enumerate(level_names):
        if name in tmpl:
            expr = expr.when(lvl == i).then(render(tmpl[name], vals))
    text = expr.otherwise(pl.lit(None, dtype=pl.Utf8))
    return pl.when(text.is_not_null()).then(text + pl.lit(" ") + weight_text(w))


def with_evidence(df: pl.DataFrame, fields: list[tuple[str, tuple[str, ...]]],
                  values: dict[str, dict[str, pl.Expr]], lang: str = "vi") -> pl.DataFrame:
    """`df` with `evidence` (Utf8) and `evidence_detail` (List[Struct{field, level, weight, text}]) from
    its `lvl_<field>` / `w_<field>` columns. Each field's line is computed once.

    `fields`: (field name, level names) in display order; `values[field]`: placeholder expressions."""
    check_lang(lang)
    tmp = [f"_ev_{name}" for name, _ in fields]
    df = df.with_columns(
        field_text(name, levels, pl.col(f"lvl_{name}"), pl.col(f"w_{name}"), values.get(name, {}), lang)
        .alias(t) for (name, levels), t in zip(fields, tmp))
    structs = [pl.struct(
        pl.lit(name).alias("field"),
        pl.col(f"lvl_{name}").cast(pl.Int64).replace_strict(list(range(len(levels))), list(levels),
                                                            default=None, return_dtype=pl.Utf8)
        .alias("level"),
        pl.col(f"w_{name}").cast(pl.Float64).round(2).alias("weight"), pl.col(t).alias("text"))
        for (name, levels), t in zip(fields, tmp)]
    evidence = pl.concat_list([pl.col(t) for t in tmp]).list.drop_nulls().list.join("; ").alias("evidence")
    detail = (pl.concat_list(structs)
              .list.eval(pl.element().filter(pl.element().struct.field("text").is_not_null()))
              .alias("evidence_detail"))
    return df.with_columns(evidence, detail).drop(tmp)
