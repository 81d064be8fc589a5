"""English phonetic blocking keys for names that are not Vietnamese (FEBRL-style records):
`en_pair` the metaphone codes of the first and last name tokens in either order (given name and
surname swapped, a misspelt name with the same sound), `en_tok` the metaphone code of the first or
the last token (the other name replaced or its letters swapped, the date of birth missing); a block
over its cap is read inside the birth-year window, like the other keys.

A name gets these keys only when it is foreign: one of its folded tokens cannot be a Vietnamese
syllable ("smith", "john"), so Vietnamese names get no extra pairs. The naming culture is not used:
names of culture "other" in the Vietnamese register (Khmer, Cham, Hoa written in Vietnamese
syllables) matched more pairs and changed the output on the 20k synthetic world.
Codes are packed letters (5 bits each, first `CODE_LETTERS`), not hashes.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

CODE_LETTERS = 6
_VN_SYLLABLE = re.compile(r"^(ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnpqrstvx])?"
                          r"[aeiouy]{1,3}(ch|ng|nh|[cmnpt])?$")


def is_vietnamese_token(tok: str) -> bool:
    return bool(_VN_SYLLABLE.match(tok))


def is_foreign(fold: str) -> bool:
    """True for a folded name with a token no Vietnamese syllable has."""
    toks = fold.split()
    return bool(toks) and not all(is_vietnamese_token(t) for t in toks)


@lru_cache(maxsize=200_000)
def phon(tok: str) -> int:
    """Packed metaphone code of one folded token (0 when it has none)."""
    import jellyfish

    code = jellyfish.metaphone(tok)[:CODE_LETTERS].upper()
    out = 0
    for ch in code:
        v = ord(ch) - 64 if "A" <= ch <= "Z" else 27 if ch == "0" else 28
        out = (out << 5) | v
    return out


def name_keys(fold: str) -> tuple[int, list[int]]:
    """(`en_pair` key or -1, `en_tok` keys) of a folded name (its first and last tokens)."""
    toks = fold.split()
    if not toks:
        return -1, []
    a, b = phon(toks[0]), phon(toks[-1])
    toks_keys = sorted({k for k in (a, b) if k > 0})
    if len(toks) < 2 or a <= 0 or b <= 0:
        return -1, toks_keys
    lo, hi = min(a, b), max(a, b)
    return (lo << 30) | hi, toks_keys


def register_keys(folds: list[str | None]) -> tuple[np.ndarray, np.ndarray]:
    """Per distinct fold code (list position): `en_pair` key (-1 none) and up to two `en_tok` keys
    (-1 none), for foreign names only."""
    n = len(folds)
    pair = np.full(n, -1, dtype=np.int64)
    tok = np.full((n, 2), -1, dtype=np.int64)
    for j, f in enumerate(folds):
        if not f or not is_foreign(f):
            continue
        p, ts = name_keys(f)
        pair[j] = p
        tok[j, :len(ts)] = ts
    return pair, tok
