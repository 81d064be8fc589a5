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
    from reconcile.dates import claim_birth_interval
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
