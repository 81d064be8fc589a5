"""Loading and validating population tables and claims from every supported form into canonical frames.

Owns `read_population` and `read_claims` (SPEC §1–2, DESIGN.md "Canonical frames"):
Parquet, CSV (incl. the flat claim form; a JSON `relatives` cell is read too), JSON Lines (or a JSON
array), polars/pandas/Arrow frames, lists of dicts, paths (str/Path) and raw bytes. Validation is
vectorised and finds every problem of a file at once, with file, row, column, value and fix.
`_row` / the row in messages: for CSV and frames the row as a spreadsheet numbers it (header = row 1,
first record = row 2), for JSON Lines the line number, for lists of dicts the 1-based item number.

Bad rows (the error policy, `errors=`; default `DEFAULT_ERRORS`, "coerce"):
- "coerce": a bad cell becomes unknown (null) and the row is kept; what is still usable in the cell is
  kept (the year of `1908-60-11`). Rows that cannot be used at all (no name, no id, a repeated id after
  its first row, an unreadable record) are set aside.
- "skip": every row with a problem is set aside.
- "raise": `InputErrors` with every problem (`.errors`, `.problems`); nothing is returned.
Under every policy every problem is in `LoadReport.problems` (file, row, column, value, reason,
action ∈ raised/skipped/coerced/repaired) and rows_read = rows_used + rows_set_aside. Structural
problems (a missing required column, an unreadable or empty file) always raise, naming the fix.

Claimed relatives: `relation` is canonical (`RELATIONS`: father, mother, spouse, child, sibling,
grandparent, grandchild, uncle_aunt, cousin, in_law, other) from English or Vietnamese words, with or
without diacritics, any case; the words as written stay in `relation_text`. A relation is never an error.

What was converted or doubted (legacy encodings, NFD text, sex/year disagreeing with the citizen id,
birth years filled from the id, bad rows) is reported through warnings (`EncodingConverted`,
`DataQualityWarning`, both `ReconcileWarning`) and, with `report=True`, in a `LoadReport`.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import io as _io
import json
import os
import sys
import unicodedata
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from reconcile.vn import dates as _dates
from reconcile.vn.encodings import ENCODING_LABELS, LEGACY_FILE_ENCODINGS, decode_bytes, repair_column
from reconcile.errors import (  # noqa: F401 - warnings re-exported for callers
    DataQualityWarning,
    EncodingConverted,
    InputFileNotFoundError,
    ReconcileWarning,
    MAX_REPORTED,
    BadValueError,
    DuplicateIdError,
    EmptyInputError,
    EncodingProblemError,
    InputErrors,
    MissingColumnError,
    ReconcileInputError,
)
from reconcile.vn.text import fold_search

__all__ = [
    "POPULATION_COLUMNS", "CLAIM_COLUMNS", "RELATIONS", "RELATIVE_DTYPE", "ERROR_POLICIES", "DEFAULT_ERRORS",
    "PROBLEM_SCHEMA", "LoadReport", "DataQualityWarning", "InputFileNotFoundError", "read_population",
    "read_claims", "canonical_sex_expr", "canonical_relation", "canonical_relation_expr",
]

# The error policy for bad rows. "coerce" by default: a verification office needs every person it can
# still find. A register row with one bad cell (a sex written X, a date 1908-60-11) may be the very
# person a claimant is; leaving it out ("skip") would make that person look unregistered, and refusing
# the whole file ("raise") stops all work for one typo. Under "coerce" the bad cell only becomes
# unknown (weaker evidence, never wrong evidence) and every change is listed in LoadReport.problems.
ERROR_POLICIES = ("coerce", "skip", "raise")
DEFAULT_ERRORS = "coerce"
PROBLEM_SCHEMA = {"file": pl.Utf8, "row": pl.UInt32, "column": pl.Utf8, "value": pl.Utf8, "reason": pl.Utf8,
                  "action": pl.Utf8}

POPULATION_REQUIRED = ("person_id", "full_name")
POPULATION_COLUMNS = (
    "person_id", "full_name", "sex", "birth_date", "ethnicity", "hometown", "residence",
    "household_id", "relation_to_head", "father_name", "mother_name", "spouse_name",
    "father_id", "mother_id", "spouse_id",
)
CLAIM_REQUIRED = ("claim_id", "name")
CLAIM_COLUMNS = (
    "claim_id", "name", "aliases", "sex", "birth_date", "birth_year", "birth_year_min",
    "birth_year_max", "age", "recorded_on", "zodiac", "ethnicity", "claimed_hometown", "residence",
    "relatives",
)
# canonical relations of claimed relatives; the first five are the ones the model compares today
RELATIONS = ("father", "mother", "spouse", "child", "sibling", "grandparent", "grandchild", "uncle_aunt",
             "cousin", "in_law", "other")
FLAT_RELATIVE_COLUMNS = {"father_name": "father", "mother_name": "mother", "spouse_name": "spouse",
                         "children_names": "child", "sibling_names": "sibling"}
RELATIVE_DTYPE = pl.List(pl.Struct({"relation": pl.Utf8, "name": pl.Utf8, "birth_year": pl.Int32,
                                    "relation_text": pl.Utf8}))

# Headers people actually use → our column (used only to SUGGEST a columns= mapping).
_HEADER_HINTS = {
    "ho_ten": "full_name", "ho ten": "full_name", "họ tên": "full_name", "họ và tên": "full_name",
    "ho_va_ten": "full_name", "hoten": "full_name", "name": "full_name", "ten": "full_name",
    "so_cccd": "person_id", "cccd": "person_id", "so_dinh_danh": "person_id", "id": "person_id",
    "ma_dinh_danh": "person_id", "số định danh": "person_id", "cmnd": "person_id",
    "gioi_tinh": "sex", "giới tính": "sex", "gender": "sex",
    "ngay_sinh": "birth_date", "ngày sinh": "birth_date", "dob": "birth_date", "date_of_birth": "birth_date",
    "dan_toc": "ethnicity", "dân tộc": "ethnicity", "que_quan": "hometown", "quê quán": "hometown",
    "noi_thuong_tru": "residence", "thường trú": "residence", "so_ho_khau": "household_id",
    "ma_ho": "household_id", "quan_he_chu_ho": "relation_to_head", "quan hệ với chủ hộ": "relation_to_head",
    "ho_ten_cha": "father_name", "ho_ten_me": "mother_name", "ho_ten_vo_chong": "spouse_name",
}
# the same headers, for claims
_CLAIM_HEADER_HINTS = {"id": "claim_id", "ma": "claim_id", "ma_ho_so": "claim_id", "full_name": "name",
                       "ho_ten": "name", "ho ten": "name", "họ tên": "name", "ho_va_ten": "name", "ten": "name",
                       "tuoi": "age", "tuổi": "age", "con_giap": "zodiac", "con giáp": "zodiac",
                       "que_quan": "claimed_hometown", "quê quán": "claimed_hometown"}

_SEX_MAP = {
    "m": "M", "nam": "M", "male": "M", "man": "M", "trai": "M", "con trai": "M", "đàn ông": "M",
    "f": "F", "nữ": "F", "nu": "F", "female": "F", "woman": "F", "gái": "F", "gai": "F",
    "con gái": "F", "đàn bà": "F", "w": "F",
}
# Words for a claimed relative → canonical relation. Keys are lower case with '-', '_' read as spaces.
# Written without diacritics, a word is looked up by its folded form unless two relations share it;
# the bare ASCII words listed here decide those cases ('ba' is the southern word for father, not bà).
# 'cháu' is read as grandchild, as kinship reads it in household books (it can also mean nephew/niece:
# relation_text keeps the word for the officer).
_RELATION_WORDS = {
    "father": ("father", "dad", "daddy", "papa", "parent father", "cha", "bố", "ba", "tía", "thầy", "bọ",
               "cha đẻ", "bố đẻ", "cha ruột", "bố ruột", "ba ruột"),
    "mother": ("mother", "mom", "mum", "mama", "parent mother", "mẹ", "má", "u", "bầm", "mạ", "mẹ đẻ",
               "mẹ ruột", "má ruột"),
    "spouse": ("spouse", "husband", "wife", "partner", "vợ", "chồng", "vợ/chồng", "vợ chồng", "bạn đời"),
    "child": ("child", "children", "son", "daughter", "con", "con trai", "con gái", "con đẻ", "con ruột",
              "con nuôi", "con cả", "con út", "con riêng"),
    "sibling": ("sibling", "siblings", "brother", "sister", "anh", "chị", "em", "anh trai", "chị gái",
                "em trai", "em gái", "anh chị em", "anh/chị/em", "anh em", "chị em", "anh ruột", "chị ruột",
                "em ruột", "anh cả", "chị cả", "em út"),
    "grandparent": ("grandparent", "grandparents", "grandfather", "grandmother", "grandpa", "grandma",
                    "granny", "ông", "bà", "ông nội", "bà nội", "ông ngoại", "bà ngoại", "ông bà",
                    "ông bà nội", "ông bà ngoại", "ông/bà"),
    "grandchild": ("grandchild", "grandchildren", "grandson", "granddaughter", "cháu", "cháu nội",
                   "cháu ngoại", "cháu trai", "cháu gái"),
    "uncle_aunt": ("uncle aunt", "uncle/aunt", "uncle", "aunt", "auntie", "aunty", "chú", "bác", "cô", "dì",
                   "cậu", "mợ", "thím", "dượng", "chú ruột", "bác ruột", "cô ruột", "dì ruột", "cậu ruột",
                   "bác trai", "bác gái", "chú thím", "cô chú", "cô dì", "chú bác"),
    "cousin": ("cousin", "cousins", "anh họ", "chị họ", "em họ", "anh em họ", "chị em họ", "anh chị em họ"),
    "in_law": ("in law", "in laws", "father in law", "mother in law", "son in law", "daughter in law",
               "brother in law", "sister in law", "parent in law", "parents in law", "con dâu", "con rể",
               "dâu", "rể", "bố chồng", "mẹ chồng", "bố vợ", "mẹ vợ", "cha chồng", "cha vợ", "anh rể", "em rể",
               "chị dâu", "em dâu", "anh vợ", "em vợ", "chị vợ", "anh chồng", "em chồng", "chị chồng",
               "thông gia", "sui gia"),
    "other": ("other", "nephew", "niece", "cháu họ", "bố dượng", "cha dượng", "mẹ kế", "dì ghẻ", "cụ", "cụ cố",
              "great grandparent", "great grandfather", "great grandmother", "friend", "bạn", "hàng xóm",
              "neighbour", "neighbor", "người quen"),
}
_AGE_TEXT = (r"(?i)^(?:khoảng|khoang|chừng|chung|tầm|tam|about|approx\.?|around|~|≈)?\s*"
             r"(\d{1,3}(?:[.,]\d+)?)\s*(?:tuổi|tuoi|years?(?: old)?|yrs?|y\.?o\.?)?$")


def _empty_problems() -> pl.DataFrame:
    return pl.DataFrame(schema=PROBLEM_SCHEMA)


@dataclass
class LoadReport:
    """What a load did besides parsing (returned with `report=True`).

    `problems`: every problem found (no cap), one row per (row, column): `file, row, column, value,
    reason, action`; action is `skipped` (the row was set aside), `coerced` (the cell became unknown),
    `repaired` (the usable part of the cell was kept, e.g. the year of an impossible date) or `raised`.
    `rows_read` = `rows_used` + `rows_set_aside` always (`rows` is `rows_used`, its former name).
    """

    source: str
    format: str
    rows: int = 0
    encoding: str | None = None
    conversions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    birth_year_from_id: int = 0
    errors: str = DEFAULT_ERRORS
    rows_read: int = 0
    rows_used: int = 0
    rows_set_aside: int = 0
    problems: pl.DataFrame = field(default_factory=_empty_problems, compare=False)
    _pending: list = field(default_factory=list, repr=False, compare=False)

    def summary(self) -> str:
        """One line for a report: rows read/used/set aside and cells changed."""
        acts = dict(self.problems.group_by("action").len().rows()) if self.problems.height else {}
        text = (f"{self.source}: {self.rows_read:,} row(s) read, {self.rows_used:,} used, "
                f"{self.rows_set_aside:,} set aside")
        cells = [f"{acts[a]:,} cell(s) {w}" for a, w in (("coerced", "set to unknown"), ("repaired", "partly kept"))
                 if acts.get(a)]
        if cells:
            text += "; " + ", ".join(cells)
        return text + f" (errors={self.errors!r})"


# ------------------------------------------------------------------------------------------ helpers

def _nfc_series(s: pl.Series) -> pl.Series:
    """NFC over the distinct non-normalised values only (polars has no Unicode normaliser)."""
    if s.dtype != pl.Utf8 or s.len() == 0:
        return s
    non_ascii = s.filter(s.str.contains(r"[^\x00-\x7F]").fill_null(False))
    if non_ascii.len() == 0:
        return s
    uniq = non_ascii.unique()
    bad = [u for u in uniq.to_list() if not unicodedata.is_normalized("NFC", u)]
    if not bad:
        return s
    return s.replace({u: unicodedata.normalize("NFC", u) for u in bad})


def _clean_series(s: pl.Series) -> pl.Series:
    """Utf8, NFC, whitespace runs → one space, stripped, '' → null (eager steps: each computed once)."""
    name = s.name
    s = _nfc_series(s.cast(pl.Utf8))
    s = s.str.replace_all(r"\s{2,}|[^\S ]", " ").str.strip_chars()
    return s.to_frame("v").select(pl.when(pl.col("v") == "").then(None).otherwise(pl.col("v"))).to_series().rename(name)


def _clean_text(e: pl.Expr) -> pl.Expr:
    """Utf8, NFC, stripped, inner whitespace runs collapsed, '' → null."""
    return e.map_batches(_clean_series, return_dtype=pl.Utf8)


# ways of saying "unknown": null, not an error
_SEX_UNKNOWN = ["?", "-", "không rõ", "khong ro", "chưa rõ", "chua ro", "không biết", "khong biet", "unknown",
                "u", "n/a", "na", "không", "khong"]


def _sex_bad(canonical: pl.Expr) -> pl.Expr:
    written = pl.col("sex").str.to_lowercase()
    return pl.col("sex").is_not_null() & canonical.is_null() & ~written.is_in(_SEX_UNKNOWN)


def canonical_sex_expr(col: str | pl.Expr) -> pl.Expr:
    """'M'/'F'/null from M/F/nam/nữ/male/female (any case, with or without diacritics)."""
    e = pl.col(col) if isinstance(col, str) else col
    low = _clean_text(e).str.to_lowercase()
    mapping = dict(_SEX_MAP)
    mapping.update({fold_search(k): v for k, v in _SEX_MAP.items()})
    return low.replace_strict(mapping, default=None, return_dtype=pl.Utf8)


def _canonical_ethnicity_value(text: str) -> str:
    """names.canonical_ethnicity ('Hmong', "H'Mông", 'Mèo' → 'Mông'); unknown text is kept as written."""
    from reconcile.vn import names as _names

    try:
        return _names.canonical_ethnicity(text) or text
    except Exception:  # noqa: BLE001 - a spelling names cannot place must not stop a load: keep it
        return text


def _canonical_ethnicity_series(s: pl.Series) -> pl.Series:
    uniq = s.drop_nulls().unique().to_list()
    if not uniq:
        return s
    return s.replace({u: _canonical_ethnicity_value(u) for u in uniq})


def _label(source: Any) -> str:
    if isinstance(source, (str, os.PathLike)):
        return Path(source).name
    if isinstance(source, (bytes, bytearray)):
        return "<bytes>"
    if isinstance(source, list):
        return "<list of dicts>"
    return f"<{type(source).__name__}>"


def _short_name(name: str, limit: int = 24) -> str:
    """Column names only, shortened: a mis-read file could make a whole record look like a header."""
    name = str(name)
    return name if len(name) <= limit else name[: limit - 1] + "…"


def _suggest(missing: str, header: list[str], hints_table: dict[str, str] | None = None) -> str:
    table = _HEADER_HINTS if hints_table is None else hints_table
    folded_table = {fold_search(k): v for k, v in table.items()}
    hints = [h for h in header if folded_table.get(fold_search(h)) == missing or table.get(h.lower()) == missing]
    if not hints:
        folded = {fold_search(h): h for h in header}
        close = difflib.get_close_matches(fold_search(missing), list(folded), n=1, cutoff=0.6)
        hints = [folded[c] for c in close]
    if hints:
        return f"pass columns={{{hints[0]!r}: {missing!r}}} (or rename the column '{hints[0]}' to '{missing}')"
    shown = ", ".join(_short_name(h) for h in header[:12]) + (" …" if len(header) > 12 else "")
    return f"add a column '{missing}' or map yours with columns={{'your_name': '{missing}'}} (columns found: {shown})"


# ------------------------------------------------------------------------------------------ raw loading

@dataclass
class _Raw:
    df: pl.DataFrame
    source: str
    fmt: str
    rows: pl.Series            # UInt32 row/line numbers, aligned with df
    encoding: str | None = None
    conversions: list[str] = field(default_factory=list)
    errors: list[ReconcileInputError] = field(default_factory=list)


def _sniff_format(data: bytes, suffix: str) -> str:
    """'parquet', 'jsonl', 'csv' from the extension, else 'parquet' by magic bytes, else 'text' (decide
    after decoding: a UTF-16 file cannot be sniffed from its bytes)."""
    if data[:4] == b"PAR1" or suffix in (".parquet", ".pq"):
        return "parquet"
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if suffix in (".csv", ".tsv", ".txt"):
        return "csv"
    return "text"


def _sniff_text(text: str) -> str:
    return "jsonl" if text[:4096].lstrip(" \t\r\n\ufeff")[:1] in ("{", "[") else "csv"


def _read_csv_text(text: str, label: str) -> _Raw:
    first = text.split("\n", 1)[0]
    sep = max([",", ";", "\t", "|"], key=first.count)
    if first.count(sep) == 0:
        sep = ","
    try:
        df = pl.read_csv(text.encode("utf-8"), separator=sep, infer_schema=False,
                         truncate_ragged_lines=True)
    except pl.exceptions.NoDataError:
        raise EmptyInputError("the file is empty", source=label, hint="export the table again with its header row") from None
    except Exception as exc:  # noqa: BLE001 - polars raises several types for malformed CSV
        raise BadValueError(f"cannot read as CSV: {str(exc).splitlines()[0][:160]}", source=label,
                            hint="check quotes and separators; save as 'CSV UTF-8' with one header row") from None
    rows = pl.Series("_row", range(2, df.height + 2), dtype=pl.UInt32)
    return _Raw(df, label, "csv", rows)


def _scalar_to_text(v: Any) -> Any:
    if v is None or isinstance(v, (list, dict)):
        return v
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _frame_from_dicts(items: list[Any], label: str, numbers: list[int]) -> _Raw:
    """Lists of dicts (and the slow JSONL path): scalars become text, lists stay lists."""
    errors: list[ReconcileInputError] = []
    keys: dict[str, None] = {}
    good: list[dict] = []
    good_rows: list[int] = []
    for item, n in zip(items, numbers):
        if not isinstance(item, dict):
            errors.append(BadValueError("record is not an object/dict", source=label, row=n,
                                        value=type(item).__name__, hint="each record must be a {field: value} object"))
            continue
        for k in item:
            keys.setdefault(str(k), None)
        good.append(item)
        good_rows.append(n)
    cols: dict[str, list] = {k: [] for k in keys}
    for item in good:
        for k in keys:
            cols[k].append(_scalar_to_text(item.get(k)))
    series = []
    for k, vals in cols.items():
        if k == "relatives":
            series.append(_relatives_series(vals))
        elif k == "aliases":
            series.append(pl.Series(k, [_alias_list(v) for v in vals], dtype=pl.List(pl.Utf8)))
        else:
            series.append(pl.Series(k, [None if isinstance(v, (list, dict)) else v for v in vals], dtype=pl.Utf8))
    df = pl.DataFrame(series) if series else pl.DataFrame()
    if df.width == 0 and good:
        df = pl.DataFrame({"_empty": [None] * len(good)}, schema={"_empty": pl.Utf8})
    raw = _Raw(df, label, "dicts", pl.Series("_row", good_rows, dtype=pl.UInt32))
    raw.errors = errors
    return raw


def _alias_list(v: Any) -> list[str] | None:
    if v is None:
        return None
    if isinstance(v, list):
        return [str(x) for x in v if x is not None]
    return [p.strip() for p in str(v).split(";") if p.strip()]


_REL_FIELDS = ("relation", "name", "birth_year", "relation_text")
_REL_TEXT = pl.List(pl.Struct({f: pl.Utf8 for f in _REL_FIELDS}))


def _relatives_series(vals: list[Any]) -> pl.Series:
    out = []
    for v in vals:
        if v is None:
            out.append(None)
            continue
        if isinstance(v, dict):
            v = [v]
        if not isinstance(v, list):
            v = [v]
        lst = []
        for r in v:
            if isinstance(r, dict):
                lst.append({f: _scalar_to_text(r.get(f)) for f in _REL_FIELDS})
            elif r is not None:  # a bare name: a relative whose relation was not said
                lst.append({"relation": None, "name": _scalar_to_text(r), "birth_year": None, "relation_text": None})
        out.append(lst)
    return pl.Series("relatives", out, dtype=_REL_TEXT)


def _read_jsonl_text(text: str, label: str) -> _Raw:
    stripped = text.lstrip()
    if not stripped:
        raise EmptyInputError("the file is empty", source=label, hint="one JSON object per line")
    if stripped.startswith("["):  # a JSON array file is accepted too
        try:
            items = json.loads(text)
        except json.JSONDecodeError as exc:
            raise BadValueError(f"invalid JSON: {exc.msg}", source=label, row=exc.lineno,
                                hint="use JSON Lines (one object per line) or a valid JSON array") from None
        if not isinstance(items, list):
            items = [items]
        return _frame_from_dicts(items, label, list(range(1, len(items) + 1)))
    lines = text.split("\n")
    numbers = [i + 1 for i, ln in enumerate(lines) if ln.strip()]
    # fast path: polars parses everything at once
    try:
        df = pl.read_ndjson(_io.BytesIO("\n".join(lines[n - 1] for n in numbers).encode("utf-8")),
                            infer_schema_length=None)
        if df.height == len(numbers) and ("relatives" not in df.columns or _relatives_dtype_ok(df.schema["relatives"])):
            raw = _Raw(df, label, "jsonl", pl.Series("_row", numbers, dtype=pl.UInt32))
            return raw
    except Exception:  # noqa: BLE001 - fall through to the line-by-line path that names the bad line
        pass
    items, good_numbers, errors = [], [], []
    for n in numbers:
        try:
            items.append(json.loads(lines[n - 1]))
            good_numbers.append(n)
        except json.JSONDecodeError as exc:
            errors.append(BadValueError(f"invalid JSON ({exc.msg} at column {exc.colno})", source=label, row=n,
                                        hint="each line must be one complete JSON object"))
    raw = _frame_from_dicts(items, label, good_numbers)
    raw.fmt = "jsonl"
    raw.errors = errors + raw.errors
    return raw


def _relatives_dtype_ok(dt: pl.DataType) -> bool:
    if dt == pl.Null:
        return True
    if not isinstance(dt, pl.List):
        return False
    inner = dt.inner
    if inner == pl.Null:
        return True
    return isinstance(inner, pl.Struct) and {f.name for f in inner.fields} <= set(_REL_FIELDS)


def _from_frame(df: pl.DataFrame, label: str, fmt: str) -> _Raw:
    return _Raw(df, label, fmt, pl.Series("_row", range(2, df.height + 2), dtype=pl.UInt32))


def _load_raw(source: Any) -> _Raw:
    label = _label(source)
    if isinstance(source, pl.LazyFrame):
        source = source.collect()
    if isinstance(source, pl.DataFrame):
        return _from_frame(source, label, "polars")
    mod = type(source).__module__ or ""
    if mod.startswith("pandas"):
        try:
            df = pl.from_pandas(source)
        except Exception:  # noqa: BLE001 - mixed object columns: go through text
            df = pl.from_pandas(source.astype("string"))
        return _from_frame(df, label, "pandas")
    if mod.startswith("pyarrow"):
        df = pl.from_arrow(source)
        if isinstance(df, pl.Series):
            df = df.to_frame()
        return _from_frame(df, label, "arrow")
    if isinstance(source, list):
        if not source:
            raise EmptyInputError("no records", source=label, hint="pass at least one record")
        if all(isinstance(x, dict) for x in source):
            try:  # fast path: polars builds the frame (mixed scalar types become text, which we parse)
                df = pl.DataFrame(source, infer_schema_length=None)
                if "relatives" not in df.columns or _relatives_dtype_ok(df.schema["relatives"]):
                    return _Raw(df, label, "dicts", pl.Series("_row", range(1, df.height + 1), dtype=pl.UInt32))
            except Exception:  # noqa: BLE001 - odd shapes: the slow path names the bad record
                pass
        return _frame_from_dicts(source, label, list(range(1, len(source) + 1)))
    if isinstance(source, (bytes, bytearray)):
        data = bytes(source)
        suffix = ""
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.exists():
            raise InputFileNotFoundError("file not found", source=str(source),
                                         hint="check the path (relative paths start from the current folder)")
        if path.is_dir():
            raise BadValueError("is a folder, not a file", source=str(source), hint="give the path of the file")
        data = path.read_bytes()
        suffix = path.suffix.lower()
    else:
        raise BadValueError(f"unsupported input type {type(source).__name__}", source=label,
                            hint="pass a path, a polars/pandas/Arrow frame or a list of dicts")
    if not data.strip():
        raise EmptyInputError("the file is empty", source=label, hint="export the table again with its header row")
    if data[:4] == b"PK\x03\x04" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" or suffix in (".xlsx", ".xls", ".ods"):
        raise BadValueError("this is a spreadsheet workbook (Excel/ODS), not CSV, JSON Lines or Parquet", source=label,
                            hint="in Excel use File → Save As → 'CSV UTF-8 (comma delimited)', "
                                 "or read it with pandas.read_excel(..., dtype=str) and pass the frame")
    fmt = _sniff_format(data, suffix)
    if fmt == "parquet":
        try:
            df = pl.read_parquet(_io.BytesIO(data))
        except Exception as exc:  # noqa: BLE001
            raise EncodingProblemError(f"not a readable Parquet file ({str(exc).splitlines()[0][:120]})",
                                       source=label, hint="write it again with pandas/polars .to_parquet()") from None
        return _from_frame(df, label, "parquet")
    dec = decode_bytes(data, label)
    if fmt == "text":
        fmt = _sniff_text(dec.text)
    raw = _read_jsonl_text(dec.text, label) if fmt == "jsonl" else _read_csv_text(dec.text, label)
    raw.encoding = dec.encoding
    raw.conversions = list(dec.conversions)
    return raw


def _apply_columns(df: pl.DataFrame, columns: dict[str, str] | None, canonical: tuple[str, ...],
                   label: str = "input") -> pl.DataFrame:
    ren: dict[str, str] = {}
    for c in df.columns:
        clean = unicodedata.normalize("NFC", str(c)).strip().lstrip("\ufeff")
        if clean.lower() in canonical and clean != clean.lower():
            clean = clean.lower()
        if clean != c:
            ren[c] = clean
    if ren:
        names = [ren.get(c, c) for c in df.columns]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise BadValueError("the header has the same column name twice", source=label, row=1, field=dup[0] or "(empty)",
                                hint="give every column its own name in the header row")
        df = df.rename(ren)
    if columns:
        ren2 = {}
        for theirs, ours in columns.items():
            if theirs in df.columns and theirs != ours:
                ren2[theirs] = ours
        # a mapped column replaces a same-named one already present
        clash = [o for t, o in ren2.items() if o in df.columns and o not in ren2]
        if clash:
            df = df.drop(clash)
        df = df.rename(ren2)
    return df




# ------------------------------------------------------------------------------------------ bad rows

_ERROR_CLASSES = {c.__name__: c for c in (BadValueError, DuplicateIdError, MissingColumnError,
                                          EncodingProblemError, EmptyInputError)}
_PART_SCHEMA = {"row": pl.UInt32, "column": pl.Utf8, "value": pl.Utf8, "reason": pl.Utf8, "hint": pl.Utf8,
                "fix": pl.Utf8, "cls": pl.Utf8}


def _policy(errors: str) -> str:
    if errors not in ERROR_POLICIES:
        raise ValueError(f"errors={errors!r} is not an error policy. Fix: use one of "
                         + ", ".join(repr(p) for p in ERROR_POLICIES) + f" (default {DEFAULT_ERRORS!r})")
    return errors


class _Problems:
    """Every problem of one load (no cap), each with what `coerce` does about it (`fix`):
    'null' (the cell becomes unknown), 'repair' (the usable part of the cell is kept), 'drop' (the row
    cannot be used: set aside) or 'keep' (the first row of a repeated id: kept, not reported, by coerce).
    The checks also compute the coerced values themselves (a bad cell → null), so applying a policy is
    only choosing which rows to set aside."""

    def __init__(self, label: str):
        self.label = label
        self.parts: list[pl.DataFrame] = []

    def add(self, df: pl.DataFrame, mask: pl.Expr, column: str, reason: str | pl.Expr, hint: str, *,
            value: pl.Expr | None = None, fix: str | pl.Expr = "null", cls: type = BadValueError) -> int:
        """Rows of `df` where `mask` holds; returns how many."""
        value = pl.col(column) if value is None else value
        part = df.filter(mask.fill_null(False)).select(
            pl.col("_row").cast(pl.UInt32).alias("row"), pl.lit(column, dtype=pl.Utf8).alias("column"),
            value.cast(pl.Utf8).alias("value"),
            (reason if isinstance(reason, pl.Expr) else pl.lit(reason)).cast(pl.Utf8).alias("reason"),
            pl.lit(hint, dtype=pl.Utf8).alias("hint"),
            (fix if isinstance(fix, pl.Expr) else pl.lit(fix)).cast(pl.Utf8).alias("fix"),
            pl.lit(cls.__name__, dtype=pl.Utf8).alias("cls"))
        if part.height:
            self.parts.append(part)
        return part.height

    def add_errors(self, errors: list[ReconcileInputError], fix: str = "drop") -> None:
        """Problems found while reading (a line that is not JSON, a record that is not an object)."""
        if errors:
            self.parts.append(pl.DataFrame({
                "row": [e.row for e in errors], "column": [e.field for e in errors],
                "value": [None if e.value is None else str(e.value) for e in errors],
                "reason": [e.problem for e in errors], "hint": [e.hint for e in errors],
                "fix": [fix] * len(errors), "cls": [type(e).__name__ for e in errors]}, schema=_PART_SCHEMA))

    def frame(self) -> pl.DataFrame:
        if not self.parts:
            return pl.DataFrame(schema=_PART_SCHEMA)
        return pl.concat(self.parts, how="vertical").with_row_index("_k").sort("row", "_k").drop("_k")

    def input_errors(self, frame: pl.DataFrame | None = None, problem: str | None = None) -> InputErrors:
        """All problems as one InputErrors (every error object, and the frame with action 'raised')."""
        f = self.frame() if frame is None else frame
        errs = [_ERROR_CLASSES.get(cls, BadValueError)(reason, source=self.label, row=row, field=col, value=val,
                                                        hint=hint)
                for row, col, val, reason, hint, cls in f.select("row", "column", "value", "reason", "hint", "cls")
                .iter_rows()]
        exc = InputErrors(errors=errs, source=self.label if problem is None else f"{self.label} ({problem})")
        exc.problems = _public_problems(f, self.label, pl.lit("raised"))
        return exc


def _public_problems(f: pl.DataFrame, label: str, action: pl.Expr) -> pl.DataFrame:
    return f.select(pl.lit(label, dtype=pl.Utf8).alias("file"), "row", "column", "value", "reason",
                    action.cast(pl.Utf8).alias("action"))


def _settle(df: pl.DataFrame, probs: _Problems, policy: str, rep: LoadReport, unread: int) -> pl.DataFrame:
    """Apply the error policy: raise, or set rows aside; fill the report's counts and problems frame.
    `unread`: records that could not be read at all (not in `df`; their problems are in `probs`)."""
    f = probs.frame()
    rows_read = df.height + unread
    if f.height and policy == "raise":
        raise probs.input_errors(f)
    if policy == "skip":
        aside = f["row"].unique()
    else:
        aside = f.filter(pl.col("fix") == "drop")["row"].unique()
        f = f.filter((pl.col("fix") != "keep") | pl.col("row").is_in(aside.implode()))
    out = df.filter(~pl.col("_row").is_in(aside.implode())) if aside.len() else df
    action = (pl.when(pl.col("row").is_in(aside.implode())).then(pl.lit("skipped"))
              .when(pl.col("fix") == "repair").then(pl.lit("repaired")).otherwise(pl.lit("coerced")))
    rep.errors = policy
    rep.problems = _public_problems(f, probs.label, action)
    rep.rows_read, rep.rows_used, rep.rows_set_aside = rows_read, out.height, aside.len()
    assert rep.rows_read == rep.rows_used + rep.rows_set_aside, "a row was lost between reading and using"
    if out.height == 0:
        raise probs.input_errors(f, problem=f"no usable row: all {rows_read} set aside under errors={policy!r}")
    if rep.problems.height:
        first = rep.problems.row(0, named=True)
        acts = dict(rep.problems.group_by("action").len().rows())
        what = "".join(f", {acts[a]} {w}" for a, w in (("coerced", "cell(s) set to unknown"),
                                                         ("repaired", "cell(s) partly kept")) if acts.get(a))
        shown = f"'{first['value'][:40]}'" if first["value"] is not None else "no value"
        where = f", column '{first['column']}'" if first["column"] is not None else ""
        _warn(rep, f"{probs.label}: {rep.problems.height} problem(s) in {rep.problems['row'].n_unique()} row(s) "
                   f"(errors={policy!r}): {rep.rows_set_aside} of {rows_read} row(s) set aside{what}. First: "
                   f"row {first['row']}{where}, {first['reason']} ({shown}). "
                   "Every problem is listed in LoadReport.problems (report=True)", DataQualityWarning)
    return out


def _count(df: pl.DataFrame, mask: pl.Expr) -> int:
    return int(df.select(mask.fill_null(False).sum()).item())


def _int_check(df: pl.DataFrame, col: str, lo: float, hi: float, probs: _Problems, what: str,
               as_float: bool = False) -> pl.Expr:
    """Parse a text column as a number; note text that is not one or is out of range (coerce: unknown),
    reported under the column name `what`.
    Returns the parsed expression with the bad values already null."""
    raw = _clean_text(pl.col(col))
    txt = raw.str.replace(r"^(\-?\d+)\.0+$", "$1")
    if as_float:  # "khoảng 45 tuổi", "45 tuổi", "~45", "45,5"
        txt = pl.coalesce(txt.str.extract(_AGE_TEXT, 1).str.replace(",", "."), txt)
    num = txt.cast(pl.Float64 if as_float else pl.Int64, strict=False)
    bad = raw.is_not_null() & (num.is_null() | ~num.is_between(lo, hi))
    probs.add(df, bad, what, f"{what} must be a number between {lo:g} and {hi:g}",
              f"write {what} as digits, or leave it empty if unknown", value=pl.col(col))
    return pl.when(bad).then(None).otherwise(num)


def _this_year() -> int:
    return _dt.date.today().year


# The year still readable in a date that is impossible as a whole: 1908-60-11, 19086011, 45/13/1990.
# Eight digits that hold a possible birth year at both ends (20131990: 2013-19-90 or 20/13/1990?
# 19482025) give none: a wrong year is worse than none.
_YEAR_FIRST = r"^((?:18|19|20)[0-9]{2})(?:[-/.]?[0-9]{1,2}){1,2}$"
_YEAR_LAST = r"^(?:(?:[0-9]{1,2}[-/.]){1,2}|[0-9]{4})((?:18|19|20)[0-9]{2})$"


def _usable_year(text: pl.Expr) -> pl.Expr:
    t = text.str.strip_chars()

    def year(pattern: str) -> pl.Expr:
        y = t.str.extract(pattern, 1).cast(pl.Int32, strict=False)
        return pl.when(y.is_between(_dates.MIN_YEAR, _this_year())).then(y)

    first, last = year(_YEAR_FIRST), year(_YEAR_LAST)
    return pl.when(first.is_null() | last.is_null()).then(pl.coalesce(first, last))


def _date_check(df: pl.DataFrame, col: str, parsed: str, probs: _Problems) -> pl.DataFrame:
    """Note unparseable/impossible dates and dates in the future in `col` (`parsed`: the column holding
    partial_date_expr(col), computed once: it is a UDF). Returns `df` with the coerced text in `col`
    (the usable year, else null) and `parsed` recomputed where anything changed."""
    unparseable = pl.col(parsed).struct.field("unparseable")
    future = pl.col(parsed).struct.field("year") > _this_year()
    year = _usable_year(pl.col(col))
    n = probs.add(df, unparseable, col,
                  pl.when(year.is_not_null())
                  .then(pl.format("impossible or unreadable date; its year {} is usable", year))
                  .otherwise(pl.lit("unparseable date")),
                  "use YYYY-MM-DD, YYYY-MM, YYYY, DD/MM/YYYY, YYYYMMDD, DDMMYYYY, or 00/00/YYYY when only the year is known",
                  fix=pl.when(year.is_not_null()).then(pl.lit("repair")).otherwise(pl.lit("null")))
    n += probs.add(df, future, col, "birth date in the future",
                   "check the year (DD/MM/YYYY: day first); leave it empty if unknown")
    if not n:
        return df
    df = df.with_columns(pl.when(unparseable).then(year.cast(pl.Utf8)).when(future).then(None)
                         .otherwise(pl.col(col)).alias(col))
    return df.with_columns(_dates.partial_date_expr(pl.col(col)).alias(parsed))


def _check_required(df: pl.DataFrame, probs: _Problems, cols: tuple[str, ...], hint: str) -> None:
    for c in cols:
        why = ("empty: a person without a name cannot be matched" if c in ("full_name", "name")
               else "empty: the row cannot be told apart from the others")
        probs.add(df, pl.col(c).is_null(), c, f"{c} is {why}", hint, fix="drop")


def _check_duplicates(df: pl.DataFrame, probs: _Problems, col: str, hint: str) -> None:
    """Every row of a repeated id is a problem; coerce keeps the first ('keep') and sets the others aside."""
    g = (df.filter(pl.col(col).is_not_null() & pl.col(col).is_duplicated())
         .group_by(col).agg(pl.col("_row").sort().alias("_rows")))
    if not g.height:
        return
    listed = pl.col("_rows").list.head(5).cast(pl.List(pl.Utf8)).list.join(", ") \
        + pl.when(pl.col("_rows").list.len() > 5).then(pl.lit(" …")).otherwise(pl.lit(""))
    g = g.with_columns(_first=pl.col("_rows").list.first(), _listed=listed).explode("_rows") \
        .rename({"_rows": "_row"}).sort("_row")
    probs.add(g, pl.lit(True), col, pl.format("{} appears in rows {}", pl.lit(col), pl.col("_listed")), hint,
              fix=pl.when(pl.col("_row") == pl.col("_first")).then(pl.lit("keep")).otherwise(pl.lit("drop")),
              cls=DuplicateIdError)


def _check_sex(df: pl.DataFrame, probs: _Problems, sex: pl.Expr) -> None:
    probs.add(df, _sex_bad(sex), "sex", "unknown sex",
              "use M/F, nam/nữ or male/female; leave empty (or write 'không rõ') if unknown")


# ------------------------------------------------------------------------------------------ relations

def _relation_key(text: str) -> str:
    return " ".join(text.lower().replace("-", " ").replace("_", " ").split())


def _relation_tables() -> tuple[dict[str, str], dict[str, str]]:
    exact = {_relation_key(w): rel for rel, words in _RELATION_WORDS.items() for w in (rel, *words)}
    folded: dict[str, str | None] = {}
    for w, rel in exact.items():
        k = fold_search(w)
        folded[k] = rel if folded.get(k, rel) == rel else None   # two relations share it: undecided
    folded.update({w: rel for w, rel in exact.items() if w.isascii()})
    return exact, {k: v for k, v in folded.items() if v is not None}


_REL_EXACT, _REL_FOLDED = _relation_tables()


def canonical_relation(text: object) -> str:
    """One of `RELATIONS` for a relation as written ('Ông nội' → grandparent, 'chu' → uncle_aunt,
    'son-in-law' → in_law); anything unknown (or empty) → 'other'. Never raises."""
    if text is None:
        return "other"
    key = _relation_key(unicodedata.normalize("NFC", str(text)))
    return _REL_EXACT.get(key) or _REL_FOLDED.get(fold_search(key)) or "other"


def _canonical_relation_series(s: pl.Series) -> pl.Series:
    uniq = s.drop_nulls().unique().to_list()
    return s.replace_strict({u: canonical_relation(u) for u in uniq}, default="other", return_dtype=pl.Utf8)


def canonical_relation_expr(col: str | pl.Expr) -> pl.Expr:
    """`canonical_relation` over a text column (each distinct value once); null → 'other'."""
    e = pl.col(col) if isinstance(col, str) else col
    return e.cast(pl.Utf8).map_batches(_canonical_relation_series, return_dtype=pl.Utf8)

def _text_columns_to_utf8(df: pl.DataFrame, cols: tuple[str, ...]) -> pl.DataFrame:
    exprs = []
    for c in cols:
        if c not in df.columns:
            exprs.append(pl.lit(None, dtype=pl.Utf8).alias(c))
            continue
        dt = df.schema[c]
        if dt in (pl.Date, pl.Datetime) or isinstance(dt, pl.Datetime):
            exprs.append(pl.col(c).cast(pl.Date).cast(pl.Utf8).alias(c))
        elif isinstance(dt, (pl.List, pl.Struct, pl.Array)):
            exprs.append(pl.col(c))
        elif dt.is_float():
            exprs.append(pl.col(c).cast(pl.Utf8).str.replace(r"\.0$", "").alias(c))
        else:
            exprs.append(pl.col(c).cast(pl.Utf8).alias(c))
    return df.with_columns(exprs)


def _repair_columns(df: pl.DataFrame, cols, label: str, rep: LoadReport, field_prefix: str = "") -> pl.DataFrame:
    """Convert legacy/mis-decoded Vietnamese text in the given Utf8 columns; note what was converted."""
    if rep.encoding in LEGACY_FILE_ENCODINGS:   # the whole file was already judged (decode_bytes): no second guess
        return df
    for c in cols:
        if c not in df.columns or df.schema[c] != pl.Utf8:
            continue
        fixed, counts, unrepaired = repair_column(df[c])
        if counts:
            changed = df.filter((df[c] != fixed).fill_null(False))["_row"].unique(maintain_order=True)
            shown = ", ".join(map(str, changed.head(5).to_list())) + (" …" if changed.len() > 5 else "")
            what = ", ".join(f"{n} value(s) from {ENCODING_LABELS[e]}" for e, n in sorted(counts.items()))
            rep.conversions.append(f"column '{field_prefix}{c}': {what} converted to Unicode (rows {shown})")
            df = df.with_columns(fixed.alias(c))
        if unrepaired:
            _warn(rep, f"{label}: column '{field_prefix}{c}': {unrepaired} value(s) look mis-encoded "
                       "(symbols Vietnamese never uses, or words a legacy encoding would explain on too little evidence) "
                       "and were not converted; left as they are", DataQualityWarning)
    return df


_ID_COLUMNS = ("person_id", "father_id", "mother_id", "spouse_id")


def _restore_id_zeros(df: pl.DataFrame, label: str, rep: LoadReport) -> pl.DataFrame:
    """12-digit citizen ids all start with 0 (province codes 001–096); spreadsheets drop that zero.
    When a column's ids are 11 digits that become valid citizen ids with the zero put back, put it back
    (in every id column alike, so links between rows still hold) and say so."""
    eleven = pl.col("person_id").str.contains(r"^[0-9]{10,11}$").fill_null(False)
    n = _count(df, eleven)
    if not n:
        return df
    padded_ok = _count(df, eleven & _dates.citizen_id_expr(pl.col("person_id").str.zfill(12))
                       .struct.field("birth_year").is_not_null())
    if padded_ok < max(1, int(0.95 * n)):
        return df
    fix = [pl.when(pl.col(c).str.contains(r"^[0-9]{10,11}$")).then(pl.col(c).str.zfill(12)).otherwise(pl.col(c)).alias(c)
           for c in _ID_COLUMNS if c in df.columns]
    rows = df.filter(eleven)["_row"].head(5).to_list()
    _warn(rep, f"{label}: {n} person_id value(s) have 10-11 digits - 12-digit citizen ids whose leading 0s were "
               f"dropped (by a spreadsheet?); the 0s were put back in person_id, father_id, mother_id, spouse_id "
               f"(rows {', '.join(map(str, rows))}{' …' if n > 5 else ''}). Keep ids as text to avoid this",
          DataQualityWarning)
    return df.with_columns(fix)


def _user_stacklevel() -> int:
    """stacklevel that makes a warning point at the first caller outside the reconcile package."""
    frame, level = sys._getframe(1), 1
    while frame is not None and str(frame.f_globals.get("__name__", "")).startswith("reconcile"):
        frame, level = frame.f_back, level + 1
    return level


def _warn(report: LoadReport, message: str, category: type[Warning]) -> None:
    """Note a doubt; it is emitted by `_finish` only if the load succeeds (no warnings before errors)."""
    report.warnings.append(message)
    report._pending.append((message, category))


def _warn_rows(rep: "LoadReport", df: pl.DataFrame, mask: pl.Expr, label: str, what: str,
               after: str) -> int:
    """Warn '<label>: <n> <what> (rows r1, r2 …)<after>' naming the first 5 rows where `mask` holds;
    returns n (0: nothing said)."""
    n = _count(df, mask)
    if n:
        rows = df.filter(mask)["_row"].head(5).to_list()
        _warn(rep, f"{label}: {n} {what} (rows {', '.join(map(str, rows))}{' …' if n > 5 else ''}){after}",
              DataQualityWarning)
    return n


def _finish(rep: LoadReport, label: str) -> None:
    level = _user_stacklevel()
    for message, category in rep._pending:
        warnings.warn(message, category, stacklevel=level)
    rep._pending.clear()
    if rep.conversions:
        warnings.warn(f"{label}: " + "; ".join(rep.conversions), EncodingConverted, stacklevel=level)




# ------------------------------------------------------------------------------------------ population

def read_population(source: Any, columns: dict[str, str] | None = None, *, errors: str = DEFAULT_ERRORS,
                    report: bool = False):
    """Read a population register into the canonical population frame (DESIGN.md).

    `source`: path (str/Path; .parquet, .csv, .jsonl), bytes, polars/pandas/Arrow frame or list of dicts.
    `columns`: {their_name: our_name} for registers with their own headers.
    `errors`: what to do with bad rows (module docstring). The default, "coerce", is what a verification
    office needs: a person whose record has one bad cell (a sex written X, a date 1908-60-11) may be
    the very person a claimant is, so the row stays searchable with that cell unknown (the year of an
    impossible date is kept); rows that cannot be searched (no name, no person_id, a person_id repeated
    after its first row) are set aside. "skip" sets aside every row with a problem; "raise" refuses the
    file. Every problem is listed in `LoadReport.problems` and summarised in a `DataQualityWarning`.
    Returns the frame, or (frame, LoadReport) with `report=True`.
    Raises `InputErrors` (every problem, under "raise"; or when no row is usable), or another
    `ReconcileInputError` for structural problems (missing required column, unreadable or empty file).
    Warns `EncodingConverted` when text was converted and `DataQualityWarning` for doubts that do not
    stop the load (sex/birth year disagreeing with a 12-digit citizen id) and for bad rows.
    """
    policy = _policy(errors)
    raw = _load_raw(source)
    label = raw.source
    rep = LoadReport(source=label, format=raw.fmt, encoding=raw.encoding, conversions=list(raw.conversions),
                     errors=policy)
    df = _apply_columns(raw.df, columns, POPULATION_COLUMNS + ("birth_year",), label)
    header = [c for c in df.columns]
    missing = [c for c in POPULATION_REQUIRED if c not in df.columns]
    if missing:
        raise InputErrors(errors=[MissingColumnError(f"required column '{c}' is missing", source=label, row=1,
                                                     field=c, hint=_suggest(c, header)) for c in missing],
                          source=label)
    if df.height == 0:
        raise EmptyInputError("no records after the header", source=label, hint="the register must have at least one person")
    probs = _Problems(label)
    probs.add_errors(raw.errors)
    df = df.with_columns(raw.rows.alias("_row"))
    df = _text_columns_to_utf8(df, POPULATION_COLUMNS)
    df = df.with_columns([_clean_text(pl.col(c)).alias(c) for c in POPULATION_COLUMNS])
    df = _repair_columns(df, [c for c in df.columns if c != "_row"], label, rep)
    df = _restore_id_zeros(df, label, rep)

    # ---- rows that cannot be used, repeated ids, bad cells (coerce: the cell becomes unknown)
    _check_required(df, probs, POPULATION_REQUIRED, "every person needs a person_id and a full_name")
    _check_duplicates(df, probs, "person_id",
                      "each person must have a unique person_id; merge or correct the duplicate rows")
    sex = canonical_sex_expr(pl.col("sex"))
    _check_sex(df, probs, sex)
    # dates and years (parsed once; UDF expressions are not shared between uses)
    df = df.with_columns(_pdt=_dates.partial_date_expr(pl.col("birth_date")))
    df = _date_check(df, "birth_date", "_pdt", probs)
    by_given = None
    if "birth_year" in df.columns:
        df = df.with_columns(pl.col("birth_year").cast(pl.Utf8).alias("birth_year"))
        by_given = _int_check(df, "birth_year", _dates.MIN_YEAR, _this_year(), probs, "birth_year")
        df = df.with_columns(by_given.alias("birth_year"))
    df = _settle(df, probs, policy, rep, unread=len(raw.errors))

    df = df.with_columns(_cid=_dates.citizen_id_expr(pl.col("person_id")))
    pdt = pl.col("_pdt")
    df = df.with_columns(
        sex=sex,
        relation_to_head=pl.col("relation_to_head").str.to_lowercase(),
        ethnicity=pl.col("ethnicity").map_batches(_canonical_ethnicity_series, return_dtype=pl.Utf8),
        _by_date=pdt.struct.field("year"),
        birth_month=pdt.struct.field("month"),
        birth_day=pdt.struct.field("day"),
        _by_given=(pl.col("birth_year") if by_given is not None else pl.lit(None, dtype=pl.Int64)).cast(pl.Int16),
    )
    # ---- citizen id cross-checks
    cid = pl.col("_cid")
    df = df.with_columns(_cid_sex=cid.struct.field("sex"), _cid_year=cid.struct.field("birth_year"))
    df = df.with_columns(_by_rec=pl.coalesce("_by_date", "_by_given").cast(pl.Int16))
    both = pl.col("_by_date").is_not_null() & pl.col("_by_given").is_not_null() & (pl.col("_by_date") != pl.col("_by_given"))
    _warn_rows(rep, df, both, label, "row(s) whose birth_year column disagrees with the year of birth_date",
               "; birth_date was used")
    _warn_rows(rep, df, (pl.col("sex") != pl.col("_cid_sex")).fill_null(False), label,
               "row(s) whose sex disagrees with digit 4 of the 12-digit citizen id", "; kept as recorded")
    _warn_rows(rep, df, (pl.col("_by_rec") != pl.col("_cid_year")).fill_null(False), label,
               "row(s) whose birth year disagrees with digits 5-6 of the 12-digit citizen id", "; kept as recorded")
    prior_source = (pl.col("birth_year_source").cast(pl.Utf8) if "birth_year_source" in df.columns
                    else pl.lit(None, dtype=pl.Utf8))
    df = df.with_columns(
        birth_year=pl.coalesce("_by_rec", "_cid_year").cast(pl.Int16),
        # a frame we produced earlier keeps its own note (birth years filled from ids stay marked)
        birth_year_source=pl.when(pl.col("_by_date").is_null() & pl.col("_by_given").is_not_null()
                                  & prior_source.is_in(["record", "citizen_id"]))
        .then(prior_source)
        .when(pl.col("_by_rec").is_not_null()).then(pl.lit("record"))
        .when(pl.col("_cid_year").is_not_null()).then(pl.lit("citizen_id")).otherwise(None),
    )
    rep.birth_year_from_id = _count(df, pl.col("birth_year_source") == "citizen_id")
    if rep.birth_year_from_id:
        rep.warnings.append(f"{rep.birth_year_from_id} birth year(s) filled from the citizen id (birth_year_source='citizen_id')")
    extra = [c for c in df.columns if c not in POPULATION_COLUMNS and not c.startswith("_")
             and c not in ("birth_year", "birth_month", "birth_day", "birth_year_source")]
    out = df.select(
        *POPULATION_COLUMNS,
        pl.col("birth_year").cast(pl.Int16), pl.col("birth_month").cast(pl.Int8), pl.col("birth_day").cast(pl.Int8),
        "birth_year_source", *extra, pl.col("_row").cast(pl.UInt32),
    )
    rep.rows = out.height
    _finish(rep, label)
    return (out, rep) if report else out


# ------------------------------------------------------------------------------------------ claims

def _flat_relatives(df: pl.DataFrame) -> pl.DataFrame:
    """The flat CSV claim form (father_name, mother_name, spouse_name, children_names, sibling_names):
    long `_row relation name birth_year relation_text` (text)."""
    parts = []
    for col, rel in FLAT_RELATIVE_COLUMNS.items():
        if col not in df.columns:
            continue
        names = _clean_text(pl.col(col)).str.split(";").list.eval(pl.element().str.strip_chars()) \
            .list.eval(pl.element().filter(pl.element() != ""))
        parts.append(df.select("_row", names.alias("name")).explode("name").filter(pl.col("name").is_not_null())
                     .select("_row", pl.lit(rel).alias("relation"), "name", pl.lit(None, dtype=pl.Utf8).alias("birth_year"),
                             pl.lit(None, dtype=pl.Utf8).alias("relation_text")))
    return pl.concat(parts) if parts else pl.DataFrame(schema={"_row": pl.UInt32, **{f: pl.Utf8 for f in _REL_FIELDS}})


def _relatives_long(df: pl.DataFrame, probs: _Problems) -> pl.DataFrame:
    """Claimed relatives, one row each: `_row relation name birth_year relation_text`, all text, from the
    `relatives` column (list of structs, or JSON text in a CSV cell) and the flat name columns."""
    empty = pl.DataFrame(schema={"_row": pl.UInt32, **{f: pl.Utf8 for f in _REL_FIELDS}})
    parts = []
    if "relatives" in df.columns and df.schema["relatives"] != pl.Null:
        col = df["relatives"]
        if col.dtype == pl.Utf8:  # a CSV column holding JSON: parse it, naming bad cells
            parsed, bad = [], []
            for row, cell in zip(df["_row"].to_list(), col.to_list()):
                if cell is None or not cell.strip():
                    parsed.append(None)
                    continue
                try:
                    parsed.append(json.loads(cell))
                except json.JSONDecodeError as exc:
                    parsed.append(None)
                    bad.append(BadValueError(f"relatives is not valid JSON ({exc.msg})", source=probs.label, row=row,
                                             field="relatives", value=cell,
                                             hint='write [{"relation": "father", "name": "…"}] or use the '
                                                  "father_name / mother_name / … columns"))
            probs.add_errors(bad, fix="null")
            col = _relatives_series(parsed)
        elif not (isinstance(col.dtype, pl.List) and isinstance(col.dtype.inner, pl.Struct)):
            col = _relatives_series(col.to_list()) if not (isinstance(col.dtype, pl.List)
                                                           and col.dtype.inner == pl.Null) else None
        if col is not None:
            ex = pl.DataFrame([df["_row"], col.rename("_rel")]).explode("_rel").filter(pl.col("_rel").is_not_null())
            ex = ex.unnest("_rel")
            parts.append(ex.select("_row", *[(pl.col(f).cast(pl.Utf8) if f in ex.columns
                                              else pl.lit(None, dtype=pl.Utf8)).alias(f) for f in _REL_FIELDS]))
    if any(c in df.columns for c in FLAT_RELATIVE_COLUMNS):
        parts.append(_flat_relatives(df))
    return pl.concat([p.with_columns(pl.col("_row").cast(pl.UInt32)) for p in parts]) if parts else empty


def read_claims(source: Any, columns: dict[str, str] | None = None, *, errors: str = DEFAULT_ERRORS,
                report: bool = False):
    """Read claims (JSON Lines, CSV incl. the flat relatives form, frames, lists of dicts) into the
    canonical claims frame (DESIGN.md). `columns`: {their_name: our_name} as for `read_population`.

    `errors`: what to do with bad rows, as for `read_population` (default "coerce": a claim whose
    birth_date is `1990-13-45` is still matched, on its year; a claim without a claim_id or a name, or
    repeating an earlier claim_id, is set aside). Relatives are never a reason to refuse a claim: any
    relation is accepted and made canonical (`RELATIONS`; unknown words → "other"), the words as written
    stay in `relation_text`. Every problem is listed in `LoadReport.problems`.
    Returns the frame, or (frame, LoadReport) with `report=True`."""
    policy = _policy(errors)
    raw = _load_raw(source)
    label = raw.source
    rep = LoadReport(source=label, format=raw.fmt, encoding=raw.encoding, conversions=list(raw.conversions),
                     errors=policy)
    df = _apply_columns(raw.df, columns, CLAIM_COLUMNS + tuple(FLAT_RELATIVE_COLUMNS), label)
    missing = [c for c in CLAIM_REQUIRED if c not in df.columns]
    if missing:
        row1 = 1 if raw.fmt in ("csv", "polars", "pandas", "arrow", "parquet") else None
        raise InputErrors(errors=[MissingColumnError(f"required field '{c}' is missing", source=label, row=row1,
                                                     field=c, hint=_suggest(c, list(df.columns), _CLAIM_HEADER_HINTS))
                                  for c in missing], source=label)
    if df.height == 0:
        raise EmptyInputError("no claims", source=label, hint="one claim per line (JSONL) or per row (CSV)")
    probs = _Problems(label)
    probs.add_errors(raw.errors)
    df = df.with_columns(raw.rows.alias("_row"))
    scalar = tuple(c for c in CLAIM_COLUMNS if c not in ("aliases", "relatives"))
    df = _text_columns_to_utf8(df, scalar)
    df = df.with_columns([_clean_text(pl.col(c)).alias(c) for c in scalar])
    df = _repair_columns(df, [c for c in df.columns if c != "_row"], label, rep)

    _check_required(df, probs, CLAIM_REQUIRED, "every claim needs a claim_id and the name the person gives")
    _check_duplicates(df, probs, "claim_id", "give every claim its own claim_id")
    sex = canonical_sex_expr(pl.col("sex"))
    _check_sex(df, probs, sex)
    df = df.with_columns(_pdt=_dates.partial_date_expr(pl.col("birth_date")),
                         _rec=_dates.partial_date_expr(pl.col("recorded_on")),
                         _zb=_dates.zodiac_branch_expr(pl.col("zodiac")))
    df = _date_check(df, "birth_date", "_pdt", probs)
    by = _int_check(df, "birth_year", _dates.MIN_YEAR, _this_year(), probs, "birth_year")
    bmin = _int_check(df, "birth_year_min", _dates.MIN_YEAR, _this_year(), probs, "birth_year_min")
    bmax = _int_check(df, "birth_year_max", _dates.MIN_YEAR, _dates.MAX_YEAR, probs,
                      "birth_year_max")
    age = _int_check(df, "age", 0, 130, probs, "age", as_float=True)
    df = df.with_columns(birth_year=by, birth_year_min=bmin, birth_year_max=bmax, age=age)
    swapped = pl.col("birth_year_min") > pl.col("birth_year_max")
    probs.add(df, swapped, "birth_year_min", "birth_year_min is after birth_year_max (both taken as unknown)",
              "swap the two values", value=pl.format("{} > {}", "birth_year_min", "birth_year_max"))
    df = df.with_columns([pl.when(swapped.fill_null(False)).then(None).otherwise(pl.col(c)).alias(c)
                          for c in ("birth_year_min", "birth_year_max")])
    rec = pl.col("_rec")
    probs.add(df, rec.struct.field("unparseable"), "recorded_on", "unparseable date",
              "write the interview date as YYYY-MM-DD")
    zb = pl.col("_zb")
    amb = pl.col("zodiac").map_batches(_dates._zodiac_map(_dates.zodiac_is_ambiguous, pl.Boolean),
                                       return_dtype=pl.Boolean).fill_null(False)
    df = df.with_columns(_amb=amb)
    probs.add(df, pl.col("zodiac").is_not_null() & zb.is_null() & ~pl.col("_amb"), "zodiac",
              "unknown or ambiguous zodiac (con giáp)",
              "use Tý, Sửu, Dần, Mão, Thìn, Tỵ, Ngọ, Mùi, Thân, Dậu, Tuất, Hợi "
              "(with diacritics: 'Ty' could be Tý or Tỵ), or leave it empty")

    # ---- relatives: any relation is accepted (canonical + as written); bad birth years become unknown
    ex = _relatives_long(df, probs)
    ex = ex.with_columns(_clean_text(pl.col("relation")).alias("relation_as_written"),
                         _clean_text(pl.col("relation_text")).alias("relation_text"),
                         _clean_text(pl.col("name")).alias("name"))
    ex = ex.with_columns(relation=canonical_relation_expr(pl.col("relation_as_written")),
                         relation_text=pl.coalesce("relation_text", "relation_as_written"))
    ex = _repair_columns(ex, ["name"], label, rep, field_prefix="relatives.")
    ex_by = _int_check(ex, "birth_year", _dates.MIN_YEAR, _this_year(), probs, "relatives.birth_year")
    ex = ex.with_columns(birth_year=ex_by.cast(pl.Int32))
    df = _settle(df, probs, policy, rep, unread=len(raw.errors))
    _warn_rows(rep, df, pl.col("_amb"), label, "zodiac value(s) without diacritics that could be Tý or Tỵ",
               "; ignored - ask the claimant again")
    _warn_rows(rep, df, pl.col("age").is_not_null() & pl.col("recorded_on").is_null(), label,
               "claim(s) give an age but no recorded_on", "; the age is taken as of this year")
    rels = (ex.filter(pl.col("name").is_not_null())
            .group_by("_row", maintain_order=True)
            .agg(pl.struct("relation", "name", "birth_year", "relation_text").alias("relatives")))

    # ---- aliases
    if "aliases" in df.columns and df.schema["aliases"] != pl.Null:
        al = pl.col("aliases")
        if df.schema["aliases"] == pl.Utf8:
            al = al.str.split(";")
        al = al.cast(pl.List(pl.Utf8), strict=False).list.eval(
            pl.element().str.replace_all(r"\s+", " ").str.strip_chars()).list.eval(
            pl.element().filter(pl.element() != "")).list.drop_nulls()
        al_ex = df.select("_row", al.alias("aliases")).explode("aliases").with_columns(
            aliases=pl.col("aliases").map_batches(_nfc_series, return_dtype=pl.Utf8))
        al_ex = _repair_columns(al_ex, ["aliases"], label, rep)
        al_back = al_ex.group_by("_row", maintain_order=True).agg(pl.col("aliases").drop_nulls())
        df = df.drop("aliases").join(al_back, on="_row", how="left").with_columns(
            aliases=pl.when(pl.col("aliases").list.len() > 0).then(pl.col("aliases")))
        al = pl.col("aliases")
    else:
        al = pl.lit(None, dtype=pl.List(pl.Utf8))
    recd = pl.date(rec.struct.field("year").cast(pl.Int32), rec.struct.field("month").cast(pl.Int32).fill_null(7),
                   rec.struct.field("day").cast(pl.Int32).fill_null(1))
    df = df.with_columns(
        aliases=al, sex=sex, birth_year=pl.col("birth_year").cast(pl.Int32),
        birth_year_min=pl.col("birth_year_min").cast(pl.Int32), birth_year_max=pl.col("birth_year_max").cast(pl.Int32),
        age=pl.col("age").cast(pl.Float64),
        recorded_on=pl.when(rec.struct.field("year").is_not_null()).then(recd),
        zodiac=_dates.canonical_zodiac_expr(pl.col("zodiac")),
        ethnicity=pl.col("ethnicity").map_batches(_canonical_ethnicity_series, return_dtype=pl.Utf8),
    )
    df = df.drop([c for c in ("relatives",) if c in df.columns])
    df = df.join(rels.with_columns(pl.col("_row").cast(pl.UInt32)), on="_row", how="left")
    extra = [c for c in df.columns if c not in CLAIM_COLUMNS and not c.startswith("_")
             and c not in FLAT_RELATIVE_COLUMNS]
    out = df.select(*[c for c in CLAIM_COLUMNS if c != "relatives"],
                    pl.col("relatives").cast(RELATIVE_DTYPE).fill_null([]), *extra, pl.col("_row").cast(pl.UInt32))
    rep.rows = out.height
    _finish(rep, label)
    return (out, rep) if report else out
