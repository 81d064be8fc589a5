"""Loaders: every input form → canonical frames; validation names file, row, column, value and fix."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import polars as pl
import pytest

import reconcile as rc
from reconcile import io as rio
from reconcile.errors import (
    BadValueError,
    DuplicateIdError,
    EmptyInputError,
    EncodingProblemError,
    InputErrors,
    MissingColumnError,
    ReconcileInputError,
)

FIX = Path(__file__).parent / "fixtures" / "io"
POP_CSV = FIX / "population_small.csv"
CLAIMS_JSONL = FIX / "claims_small.jsonl"
CLAIMS_FLAT = FIX / "claims_flat.csv"


def _errors(exc: InputErrors, cls=ReconcileInputError):
    return [e for e in exc.errors if isinstance(e, cls)]


# ---------------------------------------------------------------- population: forms and canonical columns

def test_population_csv_canonical_columns():
    p = rc.read_population(POP_CSV)
    for c in rio.POPULATION_COLUMNS:
        assert c in p.columns
    assert p.schema["_row"] == pl.UInt32 and p["_row"].to_list() == [2, 3, 4, 5]
    assert p.schema["birth_year"] == pl.Int16 and p.schema["birth_month"] == pl.Int8
    assert p["sex"].to_list() == ["M", "F", "M", "F"]
    assert p["ethnicity"].to_list() == ["Kinh", "Kinh", "Mông", "Mông"]
    assert p["birth_year"].to_list() == [1989, 1990, 1975, 2000]
    assert p["birth_month"].to_list() == [3, None, None, None]
    assert p["birth_year_source"].to_list() == ["record", "record", "record", "citizen_id"]
    assert p["relation_to_head"].to_list() == ["chủ hộ", "vợ", "chủ hộ", "con"]
    assert p["person_id"][0] == "001089012345"          # leading zeros kept
    assert p["father_id"][0] is None                      # empty → null


@pytest.mark.parametrize("form", ["polars", "pandas", "arrow", "dicts", "parquet", "jsonl", "str_path", "bytes"])
def test_population_every_input_form_gives_same_frame(form, tmp_path):
    ref = rc.read_population(POP_CSV).drop("_row")
    text_frame = pl.read_csv(POP_CSV, infer_schema=False)
    if form == "polars":
        src = text_frame
    elif form == "pandas":
        src = text_frame.to_pandas()
    elif form == "arrow":
        src = text_frame.to_arrow()
    elif form == "dicts":
        src = text_frame.to_dicts()
    elif form == "parquet":
        src = tmp_path / "p.parquet"
        text_frame.write_parquet(src)
    elif form == "jsonl":
        src = tmp_path / "p.jsonl"
        text_frame.write_ndjson(src)
    elif form == "str_path":
        src = str(POP_CSV)
    else:
        src = POP_CSV.read_bytes()
    got = rc.read_population(src).drop("_row")
    assert got.equals(ref), form


def test_population_columns_mapping():
    df = pl.DataFrame({"so_cccd": ["001089012345"], "ho_ten": ["Nguyễn Văn An"], "gioi_tinh": ["Nam"]})
    p = rc.read_population(df, columns={"so_cccd": "person_id", "ho_ten": "full_name", "gioi_tinh": "sex"})
    assert p["full_name"].to_list() == ["Nguyễn Văn An"] and p["sex"].to_list() == ["M"]


def test_population_nfd_input_becomes_nfc():
    import unicodedata
    nfd = unicodedata.normalize("NFD", "Nguyễn Thị Hường")
    p = rc.read_population([{"person_id": "X1", "full_name": nfd}])
    assert p["full_name"][0] == unicodedata.normalize("NFC", nfd)


def test_population_sex_spellings():
    vals = ["M", "f", "Nam", "NỮ", "nu", "male", "Female", None, ""]
    p = rc.read_population([{"person_id": f"X{i}", "full_name": "A B", "sex": v} for i, v in enumerate(vals)])
    assert p["sex"].to_list() == ["M", "F", "M", "F", "F", "M", "F", None, None]


# ---------------------------------------------------------------- population: validation

def test_missing_column_suggests_mapping():
    df = pl.DataFrame({"person_id": ["1"], "ho_ten": ["A"]})
    with pytest.raises(InputErrors) as exc:
        rc.read_population(df)
    [e] = _errors(exc.value, MissingColumnError)
    assert e.field == "full_name" and "columns={'ho_ten': 'full_name'}" in str(exc.value)


def test_all_problems_reported_at_once_with_file_row_field(tmp_path):
    f = tmp_path / "reg.csv"
    f.write_text("person_id,full_name,sex,birth_date,birth_year\n"
                 "A1,Nguyễn Văn An,M,1980-01-01,\n"
                 "A2,Trần Thị Bé,X,1980-13-01,\n"
                 "A1,Lê Văn Cư,M,,abc\n"
                 ",Phạm Thị Dư,F,,\n", encoding="utf-8")
    with pytest.raises(InputErrors) as exc:
        rc.read_population(f, errors="raise")
    errs = exc.value.errors
    kinds = {(type(e).__name__, e.row, e.field) for e in errs}
    assert ("BadValueError", 3, "sex") in kinds
    assert ("BadValueError", 3, "birth_date") in kinds
    assert ("BadValueError", 4, "birth_year") in kinds
    assert ("BadValueError", 5, "person_id") in kinds
    dup = _errors(exc.value, DuplicateIdError)[0]
    assert dup.row == 2 and "rows 2, 4" in dup.describe()
    msg = str(exc.value)
    assert "reg.csv, row 3, column 'birth_date'" in msg and "'1980-13-01'" in msg and "Fix:" in msg
    assert isinstance(exc.value, ReconcileInputError)


def test_every_error_kept_but_the_message_stays_short():
    rows = [{"person_id": f"X{i}", "full_name": "A", "sex": "robot"} for i in range(120)]
    with pytest.raises(InputErrors) as exc:
        rc.read_population(rows, errors="raise")
    assert len(exc.value.errors) == 120 and [e.row for e in exc.value.errors] == list(range(1, 121))
    msg = str(exc.value)
    assert "… and 100 more" in msg and msg.count("\n") == 21
    assert exc.value.problems.height == 120 and set(exc.value.problems["action"]) == {"raised"}


def test_empty_inputs(tmp_path):
    f = tmp_path / "e.csv"
    f.write_bytes(b"")
    with pytest.raises(EmptyInputError):
        rc.read_population(f)
    f.write_text("person_id,full_name\n", encoding="utf-8")
    with pytest.raises(EmptyInputError):
        rc.read_population(f)
    with pytest.raises(EmptyInputError):
        rc.read_claims([])


def test_missing_file_is_input_error(tmp_path):
    with pytest.raises(ReconcileInputError, match="not found"):
        rc.read_population(tmp_path / "nope.csv")


def test_citizen_id_disagreement_warns_not_errors():
    rows = [{"person_id": "001089012345", "full_name": "A B", "sex": "F", "birth_date": "1991"}]
    with pytest.warns(rio.DataQualityWarning) as rec:
        p, rep = rc.read_population(rows, report=True)
    msgs = " ".join(str(w.message) for w in rec)
    assert "sex disagrees" in msgs and "birth year disagrees" in msgs
    assert p["birth_year"][0] == 1991 and p["birth_year_source"][0] == "record"
    assert len(rep.warnings) == 2


def test_undecodable_bytes_name_the_line(tmp_path):
    f = tmp_path / "bad.csv"
    f.write_bytes(b"person_id,full_name\nA1,ok\nA2,\x81\x8d\x8f\x90\x9d\n")
    with pytest.raises(EncodingProblemError) as exc:
        rc.read_population(f)
    assert exc.value.row == 3 and "bad.csv" in str(exc.value)


# ---------------------------------------------------------------- claims

def test_claims_jsonl_canonical():
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        c = rc.read_claims(CLAIMS_JSONL)
    assert c.schema["relatives"] == rio.RELATIVE_DTYPE
    assert c.schema["recorded_on"] == pl.Date and c.schema["age"] == pl.Float64
    assert c.schema["birth_year"] == pl.Int32
    assert c["_row"].to_list() == [1, 3, 4]               # JSONL line numbers (line 2 is blank)
    r0 = c.row(0, named=True)
    assert r0["zodiac"] == "Ngọ" and r0["aliases"] == ["Páo", "bố Súa"]
    assert r0["relatives"] == [{"relation": "father", "name": "Giàng A Tủa", "birth_year": None, "relation_text": "father"},
                               {"relation": "child", "name": "Giàng A Súa", "birth_year": None, "relation_text": "child"}]
    assert c["sex"].to_list() == ["M", "M", None]
    assert c["birth_year"].to_list() == [None, None, 1990]
    assert c["relatives"].to_list()[1:] == [[], []]


def test_ambiguous_zodiac_warns():
    with pytest.warns(rio.DataQualityWarning, match="Tý or Tỵ"):
        c = rc.read_claims(CLAIMS_JSONL)
    assert c["zodiac"][1] is None


def test_claims_flat_csv_relatives():
    c = rc.read_claims(CLAIMS_FLAT)
    rel = c["relatives"].to_list()
    assert [r["relation"] for r in rel[0]] == ["father", "mother", "child", "child"]
    assert [r["name"] for r in rel[1]] == ["Cầm Văn Đôi", "Lò Văn Ín"]
    assert c["aliases"][0].to_list() == ["Chứ", "bố Mỷ"]
    assert c["ethnicity"].to_list() == ["Mông", "Thái"]
    assert c["_row"].to_list() == [2, 3]


def test_claims_list_of_dicts_and_frame_agree():
    items = [json.loads(line) for line in CLAIMS_JSONL.read_text(encoding="utf-8").splitlines() if line.strip()]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = rc.read_claims(items).drop("_row")
        b = rc.read_claims(CLAIMS_JSONL).drop("_row")
    assert a.equals(b)


def test_claims_validation_all_at_once():
    items = [{"claim_id": "1", "name": "A", "birth_year": "abc", "age": -3, "sex": "x",
              "birth_date": "31/02/1990", "relatives": [{"relation": "uncle", "name": "Z"}]},
             {"claim_id": "1", "name": None}]
    with pytest.raises(InputErrors) as exc:
        rc.read_claims(items, errors="raise")
    fields = {(e.row, e.field) for e in exc.value.errors}
    assert {(1, "birth_year"), (1, "age"), (1, "sex"), (1, "birth_date"), (2, "name"), (1, "claim_id")} <= fields
    assert not any(e.field and "relation" in e.field for e in exc.value.errors)   # an uncle is no error


def test_bad_json_line_is_named(tmp_path):
    f = tmp_path / "c.jsonl"
    f.write_text('{"claim_id": "a", "name": "A"}\n{"claim_id": "b", "name": \n{"claim_id": "c", "name": "C"}\n',
                 encoding="utf-8")
    with pytest.raises(InputErrors) as exc:
        rc.read_claims(f, errors="raise")
    [e] = exc.value.errors
    assert e.row == 2 and "c.jsonl" in str(exc.value)
    with pytest.warns(rio.DataQualityWarning, match="1 of 3 row"):
        c, rep = rc.read_claims(f, report=True)
    assert c["claim_id"].to_list() == ["a", "c"] and (rep.rows_read, rep.rows_used, rep.rows_set_aside) == (3, 2, 1)
    assert rep.problems.select("row", "action").rows() == [(2, "skipped")]


def test_claims_then_interval():
    from reconcile.vn.dates import claim_birth_interval
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        c = claim_birth_interval(rc.read_claims(CLAIMS_JSONL))
    assert c["by_lo"][0] == 1978 and c["by_hi"][0] == 1979   # range ∩ age ∩ Ngọ


@pytest.mark.filterwarnings("ignore::reconcile.io.DataQualityWarning")
@pytest.mark.parametrize("text, age", [("khoảng 45 tuổi", 45.0), ("45 tuổi", 45.0), ("~45", 45.0),
                                       ("45,5", 45.5), (45, 45.0), ("about 45 years old", 45.0)])
def test_claim_age_as_people_write_it(text, age):
    assert rc.read_claims([{"claim_id": "a", "name": "X", "age": text}])["age"][0] == age


def test_claims_columns_mapping_and_suggestion():
    with pytest.raises(InputErrors, match=r"columns=\{'ho_ten': 'name'\}"):
        rc.read_claims([{"claim_id": "a", "ho_ten": "X"}])
    c = rc.read_claims([{"id": "a", "ho_ten": "X"}], columns={"id": "claim_id", "ho_ten": "name"})
    assert c["claim_id"].to_list() == ["a"] and c["name"].to_list() == ["X"]


def test_claim_zodiac_can_chi_kept_canonical():
    c = rc.read_claims([{"claim_id": "a", "name": "X", "zodiac": "giap ty"}, {"claim_id": "b", "name": "Y", "zodiac": "meo"}])
    assert c["zodiac"].to_list() == ["Giáp Tý", "Mão"]


def test_duplicate_header_is_an_input_error(tmp_path):
    f = tmp_path / "d.csv"
    f.write_text("person_id,full_name, full_name\n1,A,B\n", encoding="utf-8")
    with pytest.raises(BadValueError, match="same column name twice"):
        rc.read_population(f)


def test_unknown_zodiac_is_an_error_but_ambiguous_only_warns():
    with pytest.raises(InputErrors, match="zodiac"):
        rc.read_claims([{"claim_id": "a", "name": "X", "zodiac": "con rồng lửa"}], errors="raise")
    with pytest.warns(rio.DataQualityWarning, match="zodiac"):
        c = rc.read_claims([{"claim_id": "a", "name": "X", "zodiac": "con rồng lửa"}])
    assert c["zodiac"].to_list() == [None]


def test_citizen_ids_that_lost_their_leading_zero_are_restored(tmp_path):
    src = pl.DataFrame({"person_id": [1089012345, 1190000002], "full_name": ["A B", "C D"],
                        "spouse_id": [1190000002, None]})
    with pytest.warns(rio.DataQualityWarning, match="leading 0s"):
        p = rc.read_population(src)
    assert p["person_id"].to_list() == ["001089012345", "001190000002"]
    assert p["spouse_id"].to_list() == ["001190000002", None]
    assert p["birth_year"].to_list() == [1989, 1990] and p["birth_year_source"][0] == "citizen_id"


def test_other_short_numeric_ids_are_left_alone():
    # 090…/099… are not province codes: these are not citizen ids that lost a zero
    p = rc.read_population([{"person_id": "90345678901", "full_name": "A"}, {"person_id": "99", "full_name": "B"},
                            {"person_id": "99345678901", "full_name": "C"}])
    assert p["person_id"].to_list() == ["90345678901", "99", "99345678901"]


def test_excel_workbook_gets_a_clear_message(tmp_path):
    f = tmp_path / "so_ho_khau.xlsx"
    f.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(BadValueError, match="CSV UTF-8") as exc:
        rc.read_population(f)
    assert "so_ho_khau.xlsx" in str(exc.value)


def test_relatives_json_inside_csv(tmp_path):
    f = tmp_path / "c.csv"
    f.write_text('claim_id,name,relatives\n'
                 'a,Giàng A Páo,"[{""relation"": ""father"", ""name"": ""Giàng A Tủa""}]"\n'
                 'b,Lò Thị Ơn,"[{""relation"": ""mother"""\n', encoding="utf-8")
    with pytest.raises(InputErrors) as exc:
        rc.read_claims(f, errors="raise")
    [e] = exc.value.errors
    assert (e.row, e.field) == (3, "relatives") and "JSON" in e.problem
    with pytest.warns(rio.DataQualityWarning):
        c, rep = rc.read_claims(f, report=True)
    assert c["relatives"].to_list()[1] == [] and rep.problems.select("row", "column", "action").rows() == [
        (3, "relatives", "coerced")]
    f.write_text('claim_id,name,relatives\na,Giàng A Páo,"[{""relation"": ""bố"", ""name"": ""Giàng A Tủa""}]"\n',
                 encoding="utf-8")
    assert rc.read_claims(f)["relatives"][0].to_list() == [{"relation": "father", "name": "Giàng A Tủa", "birth_year": None,
                                                            "relation_text": "bố"}]


def test_birth_in_the_future_is_an_error():
    rows = [{"person_id": "A", "full_name": "X", "birth_date": "01/01/2095"},
            {"person_id": "B", "full_name": "Y", "birth_year": 2090}]
    with pytest.raises(InputErrors) as exc:
        rc.read_population(rows, errors="raise")
    assert {(e.row, e.field) for e in exc.value.errors} == {(1, "birth_date"), (2, "birth_year")}
    with pytest.warns(rio.DataQualityWarning):
        p = rc.read_population(rows)
    assert p["birth_year"].to_list() == [None, None] and p["birth_date"].to_list() == [None, None]


def test_reading_our_own_output_again_changes_nothing():
    p = rc.read_population(POP_CSV)
    again = rc.read_population(p.drop("_row"))
    assert again.drop("_row").equals(p.drop("_row"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        c = rc.read_claims(CLAIMS_JSONL)
        assert rc.read_claims(c.drop("_row")).drop("_row").equals(c.drop("_row"))


def test_age_without_recorded_on_warns():
    with pytest.warns(rio.DataQualityWarning, match="no recorded_on"):
        rc.read_claims([{"claim_id": "a", "name": "X", "age": 40}])


def test_birth_year_disagreeing_with_birth_date_warns():
    with pytest.warns(rio.DataQualityWarning, match="disagrees with the year of birth_date"):
        p = rc.read_population([{"person_id": "A", "full_name": "X", "birth_date": "1980-05-01", "birth_year": 1981}])
    assert p["birth_year"][0] == 1980


def test_unknown_sex_words_are_null_not_errors():
    c = rc.read_claims([{"claim_id": "a", "name": "X", "sex": "không rõ"}, {"claim_id": "b", "name": "Y", "sex": "?"}])
    assert c["sex"].to_list() == [None, None]


def test_pandas_frame_with_nan_and_float_years():
    import pandas as pd
    src = pd.DataFrame({"claim_id": ["a", "b"], "name": ["X Y", None], "birth_year": [1980.0, float("nan")],
                        "age": [None, 41]})
    with pytest.raises(InputErrors) as exc:
        rc.read_claims(src, errors="raise")
    assert [(e.row, e.field) for e in exc.value.errors] == [(3, "name")]     # frame rows as a spreadsheet numbers them
    src["name"] = ["X Y", "Z"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        c = rc.read_claims(src)
    assert c["birth_year"].to_list() == [1980, None] and c["age"].to_list() == [None, 41.0]


# ---------------------------------------------------------------- bad rows: the error policy (issue 8 §2)

REG_DIRTY = FIX / "register_dirty.csv"
CLAIMS_DIRTY = FIX / "claims_dirty.jsonl"


def _quiet(fn, *a, **k):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*a, **k)


def _counts_hold(rep):
    assert rep.rows_read == rep.rows_used + rep.rows_set_aside
    assert rep.rows == rep.rows_used
    assert dict(rep.problems.schema) == rio.PROBLEM_SCHEMA
    assert set(rep.problems["action"]) <= {"skipped", "coerced", "repaired"}


def test_default_policy_is_coerce():
    import inspect
    for reader in (rc.read_population, rc.read_claims):
        assert inspect.signature(reader).parameters["errors"].default == "coerce" == rio.DEFAULT_ERRORS
    with pytest.raises(ValueError, match="'coerce', 'skip', 'raise'"):
        rc.read_population(POP_CSV, errors="ignore")


def test_dirty_register_coerce_keeps_what_is_usable():
    with pytest.warns(rio.DataQualityWarning, match=r"register_dirty.csv: 7 problem\(s\) in 7 row\(s\).*3 of 10 row"):
        p, rep = rc.read_population(REG_DIRTY, report=True)
    _counts_hold(rep)
    assert (rep.rows_read, rep.rows_used, rep.rows_set_aside) == (10, 7, 3)
    got = {(r["row"], r["column"]): (r["value"], r["action"]) for r in rep.problems.iter_rows(named=True)}
    assert got == {(3, "sex"): ("X", "coerced"), (4, "birth_date"): ("1908-60-11", "repaired"),
                   (5, "full_name"): (None, "skipped"), (7, "person_id"): ("P-01", "skipped"),
                   (8, "birth_year"): ("abc", "coerced"), (9, "birth_date"): ("01/01/2095", "coerced"),
                   (11, "person_id"): (None, "skipped")}
    assert set(rep.problems["file"]) == {"register_dirty.csv"}
    by_id = {r["person_id"]: r for r in p.iter_rows(named=True)}
    assert list(by_id) == ["P-01", "P-02", "P-03", "P-05", "P-06", "P-07", "P-08"]
    assert by_id["P-01"]["_row"] == 2 and by_id["P-01"]["residence"] == "xã Pả Vi, Mèo Vạc, Hà Giang"  # first kept
    assert by_id["P-02"]["sex"] is None and by_id["P-02"]["birth_year"] == 1990       # only the bad cell is unknown
    assert (by_id["P-03"]["birth_year"], by_id["P-03"]["birth_month"], by_id["P-03"]["birth_date"]) == (1908, None, "1908")
    assert by_id["P-06"]["birth_year"] is None and by_id["P-07"]["birth_year"] is None
    assert (by_id["P-05"]["birth_year"], by_id["P-05"]["birth_month"], by_id["P-05"]["birth_day"]) == (1987, 9, 21)
    assert (by_id["P-08"]["birth_year"], by_id["P-08"]["birth_month"], by_id["P-08"]["birth_day"]) == (1969, 9, 21)


def test_dirty_register_skip_sets_every_problem_row_aside():
    p, rep = _quiet(rc.read_population, REG_DIRTY, errors="skip", report=True)
    _counts_hold(rep)
    assert (rep.rows_read, rep.rows_used, rep.rows_set_aside) == (10, 2, 8)
    assert p["person_id"].to_list() == ["P-05", "P-08"]
    assert set(rep.problems["action"]) == {"skipped"} and rep.problems["row"].to_list() == [2, 3, 4, 5, 7, 8, 9, 11]
    assert rep.errors == "skip"


def test_dirty_register_raise_lists_every_problem():
    with pytest.raises(InputErrors) as exc:
        rc.read_population(REG_DIRTY, errors="raise")
    errs = exc.value.errors
    assert [(e.row, e.field) for e in errs] == [(2, "person_id"), (3, "sex"), (4, "birth_date"), (5, "full_name"),
                                                (7, "person_id"), (8, "birth_year"), (9, "birth_date"), (11, "person_id")]
    assert isinstance(errs[0], DuplicateIdError) and "rows 2, 7" in errs[0].describe()
    assert exc.value.problems.height == 8 and set(exc.value.problems["action"]) == {"raised"}


def test_dirty_claims_each_policy():
    with pytest.warns(rio.DataQualityWarning, match="3 of 7 row"):
        c, rep = rc.read_claims(CLAIMS_DIRTY, report=True)
    _counts_hold(rep)
    assert (rep.rows_read, rep.rows_used, rep.rows_set_aside) == (7, 4, 3)
    assert c["claim_id"].to_list() == ["D-01", "D-02", "D-04", "D-06"] and c["_row"].to_list() == [1, 2, 4, 7]
    acts = {(r["row"], r["column"]): r["action"] for r in rep.problems.iter_rows(named=True)}
    assert acts == {(1, "birth_date"): "repaired", (2, "sex"): "coerced", (3, "name"): "skipped",
                    (4, "age"): "coerced", (4, "zodiac"): "coerced", (4, "relatives.birth_year"): "coerced",
                    (5, "claim_id"): "skipped", (6, None): "skipped"}
    d1 = c.row(0, named=True)
    assert d1["birth_date"] == "1990" and d1["name"] == "Hờ A Chớ"        # the year of 1990-13-45 is kept
    d4 = c.row(2, named=True)
    assert d4["age"] is None and d4["zodiac"] is None and d4["relatives"][0]["birth_year"] is None
    from reconcile.vn.dates import claim_birth_interval
    assert claim_birth_interval(c)["by_lo"][0] == 1990

    c2, rep2 = _quiet(rc.read_claims, CLAIMS_DIRTY, errors="skip", report=True)
    _counts_hold(rep2)
    assert c2["claim_id"].to_list() == ["D-06"] and (rep2.rows_used, rep2.rows_set_aside) == (1, 6)
    with pytest.raises(InputErrors) as exc:
        rc.read_claims(CLAIMS_DIRTY, errors="raise")
    assert len(exc.value.errors) == rep2.problems.height == 9


def test_one_bad_row_among_20000_no_longer_stops_the_run():
    rows = pl.DataFrame({"person_id": [f"P{i}" for i in range(20_000)], "full_name": ["Lò Văn Ín"] * 20_000,
                         "sex": ["M"] * 19_999 + ["X"], "birth_date": ["1970"] * 20_000})
    with pytest.warns(rio.DataQualityWarning, match="1 problem"):
        p, rep = rc.read_population(rows, report=True)
    assert p.height == 20_000 and p["sex"].null_count() == 1
    assert rep.problems.select("row", "column", "value", "action").rows() == [(20_001, "sex", "X", "coerced")]


def test_nothing_usable_is_an_error_even_under_coerce():
    with pytest.raises(InputErrors, match="no usable row") as exc:
        rc.read_population([{"person_id": "A", "full_name": None}, {"person_id": None, "full_name": "B"}])
    assert len(exc.value.errors) == 2


def test_missing_required_column_raises_under_every_policy():
    for policy in rio.ERROR_POLICIES:
        with pytest.raises(InputErrors, match="full_name"):
            rc.read_population([{"person_id": "A", "name_of_person": "B"}], errors=policy)


def test_clean_input_reports_no_problems():
    with warnings.catch_warnings():
        warnings.simplefilter("error", rio.DataQualityWarning)
        p, rep = rc.read_population(POP_CSV, report=True)
    assert rep.problems.height == 0 and (rep.rows_read, rep.rows_used, rep.rows_set_aside) == (4, 4, 0)
    assert "4 row(s) read, 4 used, 0 set aside" in rep.summary()


# ---------------------------------------------------------------- relations beyond the five (issue 8 §2)

@pytest.mark.parametrize("word, relation", [
    ("father", "father"), ("Bố", "father"), ("cha", "father"), ("ba", "father"), ("MẸ", "mother"), ("me", "mother"),
    ("vợ", "spouse"), ("chong", "spouse"), ("con", "child"), ("con gái", "child"), ("anh", "sibling"),
    ("chị", "sibling"), ("em", "sibling"), ("ông", "grandparent"), ("ong", "grandparent"), ("bà", "grandparent"),
    ("Bà Ngoại", "grandparent"), ("ong noi", "grandparent"), ("grandmother", "grandparent"),
    ("cháu", "grandchild"), ("chau noi", "grandchild"), ("grandson", "grandchild"),
    ("chú", "uncle_aunt"), ("chu", "uncle_aunt"), ("cô", "uncle_aunt"), ("co", "uncle_aunt"), ("dì", "uncle_aunt"),
    ("di", "uncle_aunt"), ("cậu", "uncle_aunt"), ("cau", "uncle_aunt"), ("bác", "uncle_aunt"), ("bac", "uncle_aunt"),
    ("uncle", "uncle_aunt"), ("Aunt", "uncle_aunt"), ("uncle_aunt", "uncle_aunt"),
    ("anh họ", "cousin"), ("em ho", "cousin"), ("cousin", "cousin"),
    ("con dâu", "in_law"), ("con re", "in_law"), ("CON RỂ", "in_law"), ("son-in-law", "in_law"), ("in_law", "in_law"),
    ("mother in law", "in_law"), ("bố vợ", "in_law"),
    ("hàng xóm", "other"), ("neighbour", "other"), ("xyz", "other"), ("", "other"), (None, "other"),
])
def test_relation_words(word, relation):
    assert rio.canonical_relation(word) == relation
    assert relation in rio.RELATIONS


def test_relatives_are_never_an_error_and_keep_the_words():
    import unicodedata
    nfd = unicodedata.normalize("NFD", "Ông Nội")
    items = [{"claim_id": "a", "name": "Giàng A Páo",
              "relatives": [{"relation": "uncle", "name": "Giàng A Tủa"}, {"relation": nfd, "name": "Giàng A Lử"},
                            {"relation": "bạn cùng bản", "name": "Vàng A Chứ"}, {"relation": None, "name": "Lý Thị Mỷ"},
                            "Sùng A Dế"]}]
    for policy in rio.ERROR_POLICIES:
        with warnings.catch_warnings():
            warnings.simplefilter("error", rio.DataQualityWarning)
            c, rep = rc.read_claims(items, errors=policy, report=True)
        assert rep.problems.height == 0
        assert [(r["relation"], r["relation_text"]) for r in c["relatives"][0]] == [
            ("uncle_aunt", "uncle"), ("grandparent", "Ông Nội"), ("other", "bạn cùng bản"), ("other", None),
            ("other", None)]
    assert c.schema["relatives"] == rio.RELATIVE_DTYPE


def test_relation_text_survives_reading_our_own_output(tmp_path):
    items = [{"claim_id": "a", "name": "X", "relatives": [{"relation": "chú", "name": "Y", "birth_year": 1960}]}]
    c = rc.read_claims(items)
    again = rc.read_claims(c.drop("_row"))
    assert again["relatives"].to_list() == c["relatives"].to_list() == [
        [{"relation": "uncle_aunt", "name": "Y", "birth_year": 1960, "relation_text": "chú"}]]
    f = tmp_path / "c.jsonl"
    c.drop("_row").with_columns(pl.col("recorded_on").cast(pl.Utf8)).write_ndjson(f)
    assert rc.read_claims(f)["relatives"].to_list() == c["relatives"].to_list()


def test_flat_form_relatives_say_their_column_relation():
    c = rc.read_claims(CLAIMS_FLAT)
    assert all(r["relation_text"] == r["relation"] for r in c["relatives"][0])


# ---------------------------------------------------------------- 8-digit dates (issue 8 §2, FEBRL)

@pytest.mark.parametrize("text, ymd", [("19151111", (1915, 11, 11)), ("21091969", (1969, 9, 21)),
                                       ("19900000", (1990, None, None)), ("00001990", (1990, None, None)),
                                       ("19901200", (1990, 12, None))])
def test_eight_digit_dates(text, ymd):
    p = rc.read_population([{"person_id": "A", "full_name": "X", "birth_date": text}])
    assert (p["birth_year"][0], p["birth_month"][0], p["birth_day"][0]) == ymd


@pytest.mark.parametrize("text, year", [("19086011", 1908), ("19450493", 1945), ("19840025", 1984),
                                        ("1990-13-45", 1990), ("45/13/1990", 1990),
                                        ("20131990", None), ("19482025", None), ("abc", None)])
def test_impossible_dates_keep_their_year_only_when_it_is_certain(text, year):
    p, rep = _quiet(rc.read_population, [{"person_id": "A", "full_name": "X", "birth_date": text}], report=True)
    assert p["birth_year"][0] == year and p["birth_month"][0] is None
    assert rep.problems["action"].to_list() == ["repaired" if year else "coerced"]
