"""Vocabularies: one sorted array of distinct NFC strings per kind of text feature.

A value's code is its position in the sorted vocabulary (`int32`, `-1` = missing/empty), so codes
compare equal exactly when the strings do, and a string is found by binary search
(`Vocab.code`, `Vocab.codes`) without a hash table or any Python object per value. Single strings
are read item by item (`Vocab.item`), whole columns with one gather.
"""

from __future__ import annotations

import numpy as np
import polars as pl

MISSING = -1


def _item_reader(strings: pl.Series):
    """`strings[i]` for `0 <= i < len(strings)` as one call: the Series' own item read when this
    polars has it (~0.15 µs; `Series.__getitem__` first dispatches on the key type: ~0.35 µs), else
    `Series.__getitem__`. Nothing is copied."""
    get = getattr(getattr(strings, "_s", None), "get_index", None)
    if get is not None and strings.len() and get(0) == strings[0] and get(strings.len() - 1) == strings[-1]:
        return get
    return strings.__getitem__


class Vocab:
    """Sorted distinct strings of one kind (`name`); `strings` is a polars Utf8 Series."""

    __slots__ = ("name", "strings", "item")
    ITEM_ACCESS_MAX = 2000     # `take` of up to this many codes reads items one by one

    def __init__(self, name: str, strings: pl.Series) -> None:
        self.name = name
        self.strings = strings.rename(name)
        self.item = _item_reader(self.strings)      # item(code) -> str, 0 <= code < len

    @classmethod
    def from_values(cls, name: str, *columns: pl.Series) -> "Vocab":
        """The distinct non-empty values of `columns`, sorted."""
        parts = [c.cast(pl.Utf8).rename(name) for c in columns if c is not None and c.len()]
        if not parts:
            return cls(name, pl.Series(name, [], dtype=pl.Utf8))
        s = pl.concat(parts).drop_nulls()
        s = s.filter(s != "").unique().sort()
        return cls(name, s)

    def __len__(self) -> int:
        return self.strings.len()

    def codes(self, values: pl.Series) -> np.ndarray:
        """int32 code of each value (whole column); `-1` for null, empty or unknown values."""
        values = values.cast(pl.Utf8)
        n = len(self)
        if n == 0 or values.len() == 0:
            return np.full(values.len(), MISSING, dtype=np.int32)
        pos = self.strings.search_sorted(values.fill_null("")).to_numpy().astype(np.int64)
        clipped = np.minimum(pos, n - 1)
        found = (self.strings.gather(clipped) == values.fill_null("")).fill_null(False).to_numpy()
        found &= (pos < n)
        return np.where(found, clipped, MISSING).astype(np.int32)

    def code(self, value: str | None) -> int:
        """Code of one value (`-1` when null, empty or not in the vocabulary)."""
        if not value:
            return MISSING
        # binary search by item access (µs; a polars search call plans a query: ~0.3 ms).
        # Polars sorts text by UTF-8 bytes, which is Python's code-point order.
        get = self.item
        lo = 0
        hi = n = self.strings.len()
        while lo < hi:
            mid = (lo + hi) >> 1
            if get(mid) < value:
                lo = mid + 1
            else:
                hi = mid
        return lo if lo < n and get(lo) == value else MISSING

    def string(self, code: int) -> str | None:
        return self.item(int(code)) if 0 <= code < len(self) else None

    def take(self, codes: np.ndarray) -> list[str | None]:
        """Strings of `codes` (None for -1)."""
        codes = np.asarray(codes, dtype=np.int64)
        n = len(self)
        if codes.size <= self.ITEM_ACCESS_MAX:           # a few values: item access (µs each)
            get = self.item
            return [get(c) if 0 <= c < n else None for c in codes.tolist()]
        ok = (codes >= 0) & (codes < n)
        vals = self.strings.gather(np.where(ok, codes, 0)).to_list() if n else [None] * len(codes)
        return [v if k else None for v, k in zip(vals, ok)]
