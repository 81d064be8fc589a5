"""Text normalisation for Vietnamese names and places: NFC, lowercase, folding, tokens.

Owns the three forms every comparison in the package uses, in scalar and polars-expression twins
that agree with each other:
- `nfc`: Unicode NFC (precomposed), the form stored after loading;
- `norm`: NFC, lowercase, punctuation other than the apostrophe turned into spaces, single spaces;
- `fold`: `norm` with tones and vowel marks removed and đ/Đ (and the look-alikes Ð U+00D0, ð, Ɖ)
  mapped to d — the form someone typing without diacritics produces.
Text is compared as characters, never bytes; NFD and NFC input give identical results.
Decoding bytes and repairing legacy encodings belong to `reconcile.vn.encodings`.
"""

from __future__ import annotations

import re
import unicodedata

import polars as pl

_D_LOOKALIKES = "đĐÐðƉɖ"
_D_TABLE = str.maketrans({c: "d" for c in _D_LOOKALIKES})
# Look-alikes of Đ found in old lists (U+00D0 Icelandic eth, U+0189 African D) become the real đ.
_D_REAL = str.maketrans({"Ð": "đ", "ð": "đ", "Ɖ": "đ", "ɖ": "đ"})
# Everything that is not a letter, a digit, a combining mark or an apostrophe separates tokens.
_SEP_RE = re.compile(r"[^\w'’\u0300-\u036f]|_", re.UNICODE)
_SEP_PATTERN = r"[^\p{L}\p{N}\p{M}'’]"
_SPACES = re.compile(r"\s+")


def nfc(text: str) -> str:
    """Unicode NFC of `text` (None-safe: returns '' for None)."""
    return unicodedata.normalize("NFC", text) if text else ""


def norm(text: str | None) -> str:
    """NFC, lowercase, separators collapsed to single spaces, stripped."""
    if not text:
        return ""
    t = unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).lower().translate(_D_REAL))
    t = _SEP_RE.sub(" ", t).replace("’", "'")
    return _SPACES.sub(" ", t).strip()


def fold(text: str | None) -> str:
    """`norm` without tones and marks, đ→d: 'Đặng Thị Mỷ' → 'dang thi my'."""
    if not text:
        return ""
    t = unicodedata.normalize("NFD", norm(text).translate(_D_TABLE))
    t = "".join(ch for ch in t if not unicodedata.combining(ch))
    t = unicodedata.normalize("NFC", t)
    return _SPACES.sub(" ", t).strip()


def fold_search(text: str | None) -> str:
    """Lowercase, tone-less, đ→d, spaces collapsed, and nothing else (separators kept): the fold for
    searching without diacritics and for matching short words (sex, zodiac, relation words). The
    report's page script folds the same way, so search in Python and in the browser agree."""
    if not text:
        return ""
    t = unicodedata.normalize("NFD", str(text).replace("đ", "d").replace("Đ", "D"))
    t = "".join(ch for ch in t if not unicodedata.combining(ch))
    return " ".join(t.lower().split())


def tokens(text: str | None) -> list[str]:
    """Folded tokens: 'Giàng  A Páo' → ['giang', 'a', 'pao']."""
    return fold(text).split()


def _col(e: str | pl.Expr) -> pl.Expr:
    return pl.col(e) if isinstance(e, str) else e


def nfc_expr(e: str | pl.Expr) -> pl.Expr:
    """Whole-column NFC."""
    return _col(e).cast(pl.Utf8).str.normalize("NFC")


def norm_expr(e: str | pl.Expr) -> pl.Expr:
    """Whole-column twin of `norm` (null stays null)."""
    return (_col(e).cast(pl.Utf8).str.normalize("NFC").str.to_lowercase()
            .str.replace_all("[ÐðƉɖ]", "đ").str.normalize("NFC")
            .str.replace_all(_SEP_PATTERN, " ").str.replace_all("’", "'", literal=True)
            .str.replace_all(r"\s+", " ").str.strip_chars())


def fold_expr(e: str | pl.Expr) -> pl.Expr:
    """Whole-column twin of `fold` (null stays null)."""
    return (norm_expr(e).str.replace_all(f"[{_D_LOOKALIKES}]", "d").str.normalize("NFD")
            .str.replace_all(r"\p{M}", "").str.normalize("NFC")
            .str.replace_all(r"\s+", " ").str.strip_chars())
