"""text: NFC, norm and fold, scalar and whole-column twins, on Vietnamese and arbitrary Unicode."""

import unicodedata

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from reconcile.vn import text as T

SAMPLES = ["Nguyễn Văn Hùng", "Đặng Thị Mỷ", "Giàng  A Páo", "ÐINH văn-Hùng", "H'Mông", "Hoà / Hòa",
           "Lý  Trường Sinh", "  ", "Thuỷ", "Ɖào"]


def test_fold_removes_tones_marks_and_d():
    assert T.fold("Đặng Thị Mỷ") == "dang thi my"
    assert T.fold("Nguyễn Văn Hùng") == "nguyen van hung"
    assert T.fold("ÐINH văn-Hùng") == "dinh van hung"      # U+00D0 look-alike and a hyphen


def test_norm_keeps_diacritics_and_repairs_eth():
    assert T.norm("ÐINH  Văn HÙNG") == "đinh văn hùng"
    assert T.norm("Hùng") != T.norm("Hưng")                # tones/marks still distinguish


def test_nfd_and_nfc_give_identical_forms():
    for s in SAMPLES:
        d = unicodedata.normalize("NFD", s)
        assert T.norm(d) == T.norm(s)
        assert T.fold(d) == T.fold(s)


def test_expression_twins_agree_with_scalars():
    df = pl.DataFrame({"x": SAMPLES + [unicodedata.normalize("NFD", s) for s in SAMPLES]})
    got = df.select(T.norm_expr("x").alias("n"), T.fold_expr("x").alias("f"))
    assert got["n"].to_list() == [T.norm(s) for s in df["x"]]
    assert got["f"].to_list() == [T.fold(s) for s in df["x"]]


def test_tokens():
    assert T.tokens("Giàng  A Páo") == ["giang", "a", "pao"]
    assert T.tokens(None) == []


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_fold_never_raises_and_is_idempotent(s):
    f = T.fold(s)
    assert T.fold(f) == f
    assert not any(unicodedata.combining(ch) for ch in f)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_norm_is_idempotent_and_nfd_invariant(s):
    n = T.norm(s)
    assert T.norm(n) == n
    assert T.norm(unicodedata.normalize("NFD", s)) == T.norm(unicodedata.normalize("NFC", s))
