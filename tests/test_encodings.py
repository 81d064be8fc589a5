"""Encodings: UTF-8/BOM/UTF-16, legacy Vietnamese (TCVN3, VNI, VIQR, CP1258, UTF-8 mojibake) converted
and reported; genuine Unicode never touched; loaders only raise ReconcileInputError on junk."""

from __future__ import annotations

import random
import shutil
import subprocess
import unicodedata
import warnings
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reconcile as rc
from reconcile.vn import encodings as E
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


# ------------------------------------------------------------------ issue 8 §3: repair never damages good text

FIX = Path(__file__).resolve().parent / "fixtures" / "encodings"
SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
_TEXT_COLS = {"population": ("full_name", "hometown", "residence", "father_name", "mother_name", "spouse_name"),
              "claims": ("name", "claimed_hometown", "residence"), "capitals": ("name",)}
_REPORTED_AS = {"tcvn3": "tcvn3", "vni": "vni", "cp1258": "cp1258", "latin1": "latin-1", "cp1252": "cp1252",
                "viqr": "utf-8"}


def _held_text(src_text: str, data: bytes, enc: str) -> str:
    """The text a file in `enc` holds: the source for the Vietnamese encodings, what Latin-1/CP1252 kept."""
    if enc == "latin1":
        return data.decode("latin-1")
    if enc == "cp1252":
        return data.decode("cp1252")
    return src_text.replace("\u2013", "-") if enc in ("tcvn3", "viqr", "vni") else src_text


def _read(kind: str, data):
    reader = rc.read_population if kind == "population" else rc.read_claims
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        frame, rep = reader(data, report=True)
    return frame, rep, [str(w.message) for w in rec if issubclass(w.category, E.EncodingConverted)]


def _assert_reads_as_held(kind: str, src_text: str, data: bytes, enc: str) -> None:
    frame, rep, msgs = _read(kind, data)
    want, _, _ = _read(kind, _held_text(src_text, data, enc).encode("utf-8"))
    for col in _TEXT_COLS[kind]:
        got_l, want_l = frame[col].to_list(), want[col].to_list()
        wrong = [(g, w) for g, w in zip(got_l, want_l) if g != w]
        assert not wrong, (enc, col, len(wrong), wrong[:3])
    assert rep.encoding in (("latin-1", "cp1252") if enc in ("latin1", "cp1252") else (_REPORTED_AS[enc],))
    if enc in ("latin1", "cp1252"):
        assert any(E.ENCODING_LABELS[rep.encoding] in m and "not UTF-8" in m for m in msgs), msgs


@pytest.mark.parametrize("enc", ["tcvn3", "vni", "cp1258", "latin1", "cp1252", "viqr"])
@pytest.mark.parametrize("kind", ["population", "claims", "capitals"])
def test_iconv_fixtures_read_as_the_text_the_file_holds(kind, enc):
    # files made by iconv (TCVN5712-1, CP1258, LATIN1//TRANSLIT, CP1252//TRANSLIT) or the letter table (VNI, VIQR)
    src = (FIX / f"{kind}.csv").read_text(encoding="utf-8")
    _assert_reads_as_held(kind, src, (FIX / f"{kind}.{enc}.csv").read_bytes(), enc)


@pytest.mark.skipif(shutil.which("iconv") is None, reason="glibc iconv not installed")
@pytest.mark.parametrize("enc, target", [("tcvn3", "TCVN5712-1"), ("cp1258", "CP1258"), ("latin1", "LATIN1"),
                                         ("cp1252", "CP1252")])
def test_whole_sample_register_through_iconv(enc, target):
    raw = (SAMPLES / "population.csv").read_bytes()
    data = subprocess.run(["iconv", "-f", "UTF-8", "-t", target + "//TRANSLIT"], input=raw, capture_output=True,
                          check=True).stdout
    _assert_reads_as_held("population", raw.decode("utf-8"), data, enc)


def test_latin1_register_keeps_o_circumflex():
    # the new user's report: a Latin-1 register was read as VNI and every "ô" became "ơ"
    data = "person_id,full_name,residence\nP1,Ngô Minh Tín,\"buôn 3, xã Ya To Mot\"\n".encode("latin-1")
    p, rep, msgs = _read("population", data)
    assert p["full_name"].to_list() == ["Ngô Minh Tín"] and p["residence"].to_list() == ["buôn 3, xã Ya To Mot"]
    assert rep.encoding == "latin-1" and "Latin-1" in msgs[0]


@pytest.mark.parametrize("codec", ["latin-1", "cp1252"])
@pytest.mark.parametrize("line", ["C1,\"Tô Van Hùng, Hà Tinh\"", "C1,Tô Van Hùng,Hà Tinh", "C1,Ngô Thi Lý,Tây Ninh"])
def test_one_row_latin1_claim_is_not_read_as_tcvn3(codec, line):
    text = "claim_id,name,claimed_hometown\n" + line + "\n"
    c, rep, _ = _read("claims", text.encode(codec))
    want, _, _ = _read("claims", text.encode("utf-8"))
    assert c["name"].to_list() == want["name"].to_list() and rep.encoding in ("latin-1", "cp1252")
    assert c["claimed_hometown"].to_list() == want["claimed_hometown"].to_list()


@pytest.mark.parametrize("raw, want", [
    (b"claim_id,name,residence\nC1,T\xefng \x81nh,Kr\xabng \x83\n", ("Tùng Ảnh", "Krông Á")),   # VN1 capitals 0x80-0x9F
    (b"claim_id,name,residence\nC1,L\xdf Th\xde \x12,\x11NG\n", ("Lò Thị Ự", "ỨNG")),          # VN1 capitals 0x01-0x17
    (b"claim_id,name,residence\nC1,NGUY\xd9N V\xa1N TH\x80NH,\n", ("NGUYỄN VĂN THÀNH", None)),
])
def test_tcvn3_capitals_with_tones(raw, want):
    c, rep, _ = _read("claims", raw)
    assert (c["name"][0], c["residence"][0]) == want and rep.encoding == "tcvn3"
    assert not any(0 < ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 for ch in c["name"][0])


_VOWELS = "aăâeêioôơuưy"
_TONED = {v: [unicodedata.normalize("NFC", v + t) for t in ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")]
          for v in _VOWELS}
_LETTERS = sorted({c for vs in _TONED.values() for c in vs} | set("bcdđghklmnpqrstvx"))


def _typo(name: str, rng: random.Random) -> str:
    """1-3 random letter/diacritic typos: insert, delete, substitute, swap, change a vowel's marks,
    doubled vowel with a mark ("Hoàng" → "Haàng")."""
    s = list(name)
    for _ in range(rng.choice((1, 1, 2, 3))):
        i = rng.randrange(len(s))
        op, letter = rng.randrange(6), rng.choice(_LETTERS)
        letter = letter.upper() if s[i].isupper() else letter
        if op == 0:
            s.insert(i + 1, letter)
        elif op == 1 and len(s) > 2:
            del s[i]
        elif op == 2:
            s[i] = letter
        elif op == 3 and i + 1 < len(s):
            s[i], s[i + 1] = s[i + 1], s[i]
        else:
            base = unicodedata.normalize("NFD", s[i].lower())[0]
            if base in "aeiouy":
                c = rng.choice([c for v, vs in _TONED.items() if unicodedata.normalize("NFD", v)[0] == base for c in vs])
                s[i] = c.upper() if s[i].isupper() else c
                if op == 5:
                    s.insert(i, rng.choice("aeiouy"))
    return unicodedata.normalize("NFC", "".join(s))


@pytest.fixture(scope="module")
def typo_names():
    names = pl.read_csv(SAMPLES / "population.csv", infer_schema_length=0)["full_name"].unique().sort().to_list()
    rng = random.Random(8)
    out = {_typo(rng.choice(names), rng) for _ in range(3000)}
    return sorted(out | {"Haàng Lâm", "Maù Súa", "Buí Thi Tõu", "Lý Thaì Sua", "Seùng A Pó", "Mùa AÂ Dính"})


def test_typo_laden_utf8_names_are_never_converted(typo_names):
    s = pl.Series(typo_names)
    out, counts, _ = E.repair_column(s)
    changed = [(a, b) for a, b in zip(s.to_list(), out.to_list()) if a != b]
    assert not changed and not counts, changed[:5]
    alone = [(t, E.repair_text(t)[0]) for t in typo_names if E.repair_text(t)[1] is not None]
    assert not alone, alone[:5]


def test_typo_laden_utf8_claims_file_is_left_as_it_is(typo_names):
    rows = "\n".join(f"C{i},\"{t}\"" for i, t in enumerate(typo_names))
    c, rep, msgs = _read("claims", ("claim_id,name\n" + rows + "\n").encode("utf-8"))
    # (the loader collapses runs of spaces in names; nothing else may change)
    assert c["name"].to_list() == [" ".join(t.split()) for t in typo_names] and not msgs and rep.encoding == "utf-8"
    for i in range(0, 200, 7):          # and one claim per file
        c1, _, msgs1 = _read("claims", f"claim_id,name\nC1,\"{typo_names[i]}\"\n".encode("utf-8"))
        assert c1["name"][0] == " ".join(typo_names[i].split()) and not msgs1


def test_column_of_latin1_text_inside_utf8_is_not_converted():
    # Latin-1 exports converted to UTF-8 properly: valid words, some would "read" as VNI/TCVN3 ("Ngô" → "Ngơ")
    s = pl.Series(["Ngô Minh Tín", "buôn 3, xã Ya To Mot", "Tô Van Hùng", "Hà Tinh", "Lý Thi Hoà", "Võ Thi Tú"])
    out, counts, _ = E.repair_column(s)
    assert out.to_list() == s.to_list() and not counts


def test_weak_legacy_looking_value_is_kept_and_warned():
    # "Haàng Minh" reads as VNI "Hầng Minh", but one word is no evidence: kept, with a data-quality warning
    from reconcile.errors import DataQualityWarning
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        c = rc.read_claims(b"claim_id,name\nC1,Nguy\xe1\xbb\x85n V\xc4\x83n An\nC2,Ha\xc3\xa0ng Minh\n")
    assert c["name"].to_list() == ["Nguyễn Văn An", "Haàng Minh"]
    assert not [w for w in rec if issubclass(w.category, E.EncodingConverted)]
    assert any(issubclass(w.category, DataQualityWarning) and "name" in str(w.message) for w in rec)


def test_ambiguous_one_row_file_stays_latin1_and_says_why():
    # TCVN3 would read 'Än Tó Hà' as 'Ấn Tú HỔ': one word gained, two valid words rewritten: not enough
    d = E.decode_bytes(b"claim_id,name\nC1,\xc4n T\xf3 H\xe0\n")
    assert d.encoding == "latin-1" and d.text.endswith("Än Tó Hà\n")
    assert "TCVN3" in d.conversions[-1] and "too few" in d.conversions[-1]
    # while a word Latin-1 cannot explain and TCVN3 can, with nothing against it, is read as TCVN3
    assert E.decode_bytes(b"claim_id,name\nC1,\xc4n \xc1u\n").text.endswith("Ấn Ầu\n")
