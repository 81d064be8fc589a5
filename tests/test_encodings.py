"""Encodings: UTF-8/BOM/UTF-16, legacy Vietnamese (TCVN3, VNI, VIQR, CP1258, UTF-8 mojibake) converted
and reported; genuine Unicode never touched; loaders only raise ReconcileInputError on junk."""

from __future__ import annotations

import unicodedata
import warnings

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reconcile as rc
from reconcile import encodings as E
from reconcile.errors import EncodingProblemError, ReconcileInputError

TRUTH = "Nguyễn Văn Thành"
LEGACY = {
    "utf8_mojibake": "Nguyá»…n VÄƒn ThÃ\xa0nh",
    "tcvn3": "NguyÔn V¨n Thµnh",
    "vni": "Nguyeãn Vaên Thaønh",
    "cp1258": "NguyêÞn Vãn Thành",
    "viqr": "Nguye^~n Va(n Tha`nh",
}
GENUINE = [
    "Nguyễn Văn Thành", "Giàng Thị Mỷ", "Đắk Lắk", "H'Mông", "Cư Kbang - huyện Ea Súp", "Y Bih Ênuôl",
    "Thôn Pả Vi", "Thừa Thiên Huế", "Quỳnh", "Lò Văn Ín", "Sùng A Dế", "Hoàng Liên Sơn", "Bà Rịa – Vũng Tàu",
    "Đ. Văn Ổi", "Nguyen Van An", "cụm dân cư 10", "José", "阮文", "Phạm Thị Hường (Bé)",
]


@pytest.mark.parametrize("enc", list(LEGACY))
def test_repair_text_each_legacy_form(enc):
    out, got = E.repair_text(LEGACY[enc])
    assert out == TRUTH and got == enc


@pytest.mark.parametrize("text", GENUINE)
def test_genuine_text_is_never_converted(text):
    out, enc = E.repair_text(text)
    assert enc is None and out == unicodedata.normalize("NFC", text)
    out, enc = E.repair_text(unicodedata.normalize("NFD", text))
    assert enc is None and out == unicodedata.normalize("NFC", text)


def test_more_legacy_samples():
    assert E.repair_text("Giµng ThÞ Mû") == ("Giàng Thị Mỷ", "tcvn3")
    assert E.repair_text("§¾k L¾k") == ("Đắk Lắk", "tcvn3")
    assert E.repair_text("Ñaék Laék") == ("Đắk Lắk", "vni")
    assert E.repair_text("DDa('k La('k") == ("Đắk Lắk", "viqr")
    assert E.repair_text("Ä\ufffdáº¯k Láº¯k") == ("Đắk Lắk", "utf8_mojibake")


def test_repair_column_only_touches_suspicious_values():
    s = pl.Series(["Nguyễn Văn Thành", "NguyÔn V¨n Thµnh", None, "Nguyen Van A", "NguyÔn V¨n Thµnh"])
    out, counts, unrepaired = E.repair_column(s)
    assert out.to_list() == [TRUTH, TRUTH, None, "Nguyen Van A", TRUTH]
    assert counts == {"tcvn3": 1} and unrepaired == 0


def _pop_bytes(name_bytes: bytes) -> bytes:
    return b"person_id,full_name,hometown\nA1," + name_bytes + b",Ha Noi\nA2,Tran Thi B,Ha Noi\n"


@pytest.mark.parametrize("enc, raw", [
    ("tcvn3", "NguyÔn V¨n Thµnh".encode("latin-1")),
    ("vni", "Nguyeãn Vaên Thaønh".encode("cp1252")),
    ("cp1258", "NguyêÞn Vãn Thành".encode("latin-1")),
])
def test_legacy_bytes_files_are_converted_and_reported(tmp_path, enc, raw):
    f = tmp_path / f"{enc}.csv"
    f.write_bytes(_pop_bytes(raw))
    with pytest.warns(E.EncodingConverted) as rec:
        p, rep = rc.read_population(f, report=True)
    assert p["full_name"][0] == TRUTH
    assert rep.encoding == enc
    assert E.ENCODING_LABELS[enc] in str(rec[0].message) and f.name in str(rec[0].message)


@pytest.mark.parametrize("enc", ["utf8_mojibake", "tcvn3", "vni", "viqr"])
def test_legacy_text_inside_utf8_file_is_converted_and_reported(tmp_path, enc):
    f = tmp_path / "p.csv"
    f.write_text(f"person_id,full_name\nA1,Trần Thị Bé\nA2,{LEGACY[enc]}\n", encoding="utf-8")
    with pytest.warns(E.EncodingConverted, match="full_name") as rec:
        p, rep = rc.read_population(f, report=True)
    assert p["full_name"].to_list() == ["Trần Thị Bé", TRUTH]
    assert "rows 3" in str(rec[0].message) and E.ENCODING_LABELS[enc] in rep.conversions[0]


def test_legacy_text_in_claims_relatives_and_aliases():
    items = [{"claim_id": "c1", "name": "NguyÔn V¨n Thµnh", "aliases": ["Thµnh"],
              "relatives": [{"relation": "father", "name": "NguyÔn V¨n Thµnh"}]}]
    with pytest.warns(E.EncodingConverted):
        c = rc.read_claims(items)
    assert c["name"][0] == TRUTH and c["aliases"][0].to_list() == ["Thành"]
    assert c["relatives"][0][0]["name"] == TRUTH


def test_genuine_unicode_file_emits_no_conversion_warning(tmp_path):
    f = tmp_path / "g.csv"
    rows = "\n".join(f"P{i},{n}" for i, n in enumerate(GENUINE))
    f.write_text("person_id,full_name\n" + rows + "\n", encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error", E.EncodingConverted)
        p = rc.read_population(f)
    assert p["full_name"].to_list() == [unicodedata.normalize("NFC", g) for g in GENUINE]


@pytest.mark.parametrize("codec", ["utf-8-sig", "utf-16", "utf-16-le-bom", "utf-16-be-bom"])
def test_utf8_bom_and_utf16(tmp_path, codec):
    text = "person_id,full_name\nA1,Nguyễn Văn Thành\n"
    if codec == "utf-16-le-bom":
        data = b"\xff\xfe" + text.encode("utf-16-le")
    elif codec == "utf-16-be-bom":
        data = b"\xfe\xff" + text.encode("utf-16-be")
    else:
        data = text.encode(codec)
    f = tmp_path / "b.csv"
    f.write_bytes(data)
    p = rc.read_population(f)
    assert p.columns[0] == "person_id" and p["full_name"][0] == TRUTH


def test_nfd_file_is_normalised_and_reported(tmp_path):
    f = tmp_path / "nfd.csv"
    f.write_text(unicodedata.normalize("NFD", "person_id,full_name\nA1,Nguyễn Văn Thành\n"), encoding="utf-8")
    with pytest.warns(E.EncodingConverted, match="NFD"):
        p = rc.read_population(f)
    assert p["full_name"][0] == TRUTH


def test_unrecognised_bytes_raise_encoding_problem_with_line():
    with pytest.raises(EncodingProblemError) as exc:
        E.decode_bytes(b"a,b\n1,2\n\x00\x9d\x81\x8d\xff\xfe junk \x90\x90\n", "x.csv")
    assert exc.value.row == 3 and "x.csv" in str(exc.value)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_random_bytes_raise_only_input_errors(data):
    for reader in (rc.read_population, rc.read_claims):
        try:
            reader(data)
        except ReconcileInputError:
            pass


_csv_chars = st.sampled_from(list("abc,;\"\n\r\t 0123456789-/ếĐ{}[]:'") + ["person_id", "full_name", "claim_id", "name"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_csv_chars, max_size=60).map("".join))
def test_random_csv_text_raises_only_input_errors(text):
    for reader in (rc.read_population, rc.read_claims):
        for prefix in ("", "person_id,full_name\n", "claim_id,name\n"):
            try:
                reader((prefix + text).encode("utf-8"))
            except ReconcileInputError:
                pass


def test_column_in_one_legacy_encoding_converts_even_plausible_looking_values():
    # VNI "Thò" is "Thị" and "Hoà" is "Hồ": alone they read as Vietnamese, but the column is VNI
    col = pl.Series(["Nguyeãn Vaên Thaønh", "Giaøng Thò Myû", "Hoà Thò Lan", "Ñaëng Vaên Ba", "Thò Ñeïp"])
    out, counts, _ = E.repair_column(col)
    assert out.to_list() == ["Nguyễn Văn Thành", "Giàng Thị Mỷ", "Hồ Thị Lan", "Đặng Văn Ba", "Thị Đẹp"]
    assert set(counts) == {"vni"}


def test_mixed_column_keeps_genuine_values():
    # one VNI value among genuine Unicode: only that one changes ("Hoà" stays "Hoà")
    col = pl.Series(["Nguyeãn Vaên Thaønh", "Hoà", "Lò Văn Ín", "Thành", "Đặng Thị Hoà", "Bế Thị Lan"])
    out, counts, _ = E.repair_column(col)
    assert out.to_list() == ["Nguyễn Văn Thành", "Hoà", "Lò Văn Ín", "Thành", "Đặng Thị Hoà", "Bế Thị Lan"]


def test_utf8_mojibake_with_lost_bytes():
    # ề is E1 BB 81; 0x81 has no CP1252 character, so a wrong decoder shows U+FFFD
    assert E.repair_text("GiÃ\xa0ng A Lá»\ufffdnh") == ("Giàng A Lềnh", "utf8_mojibake")
    assert E.repair_text("BÃ n Thá»‹ Liá»\ufffdu")[0] == "Bàn Thị Liều"


def test_viqr_column_with_final_marks():
    col = pl.Series(["Nguye^~n Va(n Tha`nh", "Chu Thi. Linh", "Gia`ng Thi. My?", "DDa('k La('k"])
    out, counts, _ = E.repair_column(col)
    assert out.to_list() == ["Nguyễn Văn Thành", "Chu Thị Linh", "Giàng Thị Mỷ", "Đắk Lắk"]


@pytest.mark.parametrize("syllable, ok", [
    ("nguyễn", True), ("thành", True), ("hoà", True), ("hòa", True), ("thuý", True), ("thúy", True),
    ("ngọc", True), ("ngỏc", False), ("ngờc", False), ("nhaõn", False), ("beỏ", False), ("thiũ", False),
    ("lọnh", False), ("krông", True), ("đrăm", True), ("tđa", False), ("giàng", True), ("quỳnh", True),
])
def test_syllable_rules(syllable, ok):
    assert E._syllable_ok(syllable) is ok


def test_committed_encoding_data_is_current():
    """reconcile/data/encodings.json equals what scripts/build_encoding_data.py builds (when ../shared is present)."""
    import importlib.util
    import json
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    if not (root.parent / "shared" / "data" / "vn_name_facts.json").exists():
        pytest.skip("../shared/data not present (only needed to rebuild package data)")
    spec = importlib.util.spec_from_file_location("build_encoding_data", root / "scripts" / "build_encoding_data.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    committed = json.loads((root / "reconcile" / "data" / "encodings.json").read_text(encoding="utf-8"))
    assert mod.build() == committed, "run scripts/build_encoding_data.py and commit reconcile/data/encodings.json"


@pytest.mark.parametrize("codec", ["utf-8-sig", "utf-16"])
def test_jsonl_in_utf16_or_with_bom_is_sniffed_after_decoding(codec):
    text = '{"claim_id": "a", "name": "Giàng A Páo"}\r\n\r\n{"claim_id": "b", "name": "Lò Thị Ơn"}\r\n'
    c = rc.read_claims(text.encode(codec))
    assert c["name"].to_list() == ["Giàng A Páo", "Lò Thị Ơn"] and c["_row"].to_list() == [1, 3]
