"""Featurised frames → code arrays: the one place where text features become integers, shared by
the index build (people, relatives' names) and batch claim encoding (`reconcile.features`).

Text features come from `names.name_features` and `places.place_features` (computed once per
distinct value); this module adds the derived strings (address form, tokens with diacritics, the
sex marker) and turns every feature into a vocabulary code, a bit mask or a small integer.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from reconcile.index.arrays import CULTURE_CODE, NAME_CODES, SEX_CODE, SEX_MARKERS, VILLAGE_SIDES
from reconcile.index.vocab import MISSING, Vocab


def name_frame(df: pl.DataFrame, name_col: str, ethnicity_col: str | None, prefix: str) -> pl.DataFrame:
    """`names.name_features` of `name_col` plus `<prefix>addr` (folded middle + given),
    `<prefix>fam_norm` / `<prefix>giv_norm` (the parts with diacritics) and `<prefix>sex_marker`."""
    from reconcile.vn.names import name_features

    p = prefix
    eth = ethnicity_col if ethnicity_col and ethnicity_col in df.columns else None
    out = name_features(df, name_col, ethnicity_col=eth, prefix=p)
    toks = pl.col(f"{p}norm").str.split(" ")
    mids = pl.col(f"{p}mid").str.split(" ")
    female = [k for k, v in SEX_MARKERS.items() if v == 2]
    male = [k for k, v in SEX_MARKERS.items() if v == 1]
    return out.with_columns(
        pl.concat_str([pl.col(f"{p}mid").fill_null(""), pl.col(f"{p}giv").fill_null("")],
                      separator=" ").str.strip_chars().alias(f"{p}addr"),
        pl.when(pl.col(f"{p}fam") != "").then(toks.list.first()).otherwise(pl.lit(""))
        .alias(f"{p}fam_norm"),
        pl.when(pl.col(f"{p}giv") != "").then(toks.list.last()).otherwise(pl.lit(""))
        .alias(f"{p}giv_norm"),
        pl.when(mids.list.eval(pl.element().is_in(female)).list.any()).then(pl.lit(2, pl.Int8))
        .when(mids.list.eval(pl.element().is_in(male)).list.any()).then(pl.lit(1, pl.Int8))
        .otherwise(pl.lit(0, pl.Int8)).fill_null(0).alias(f"{p}sex_marker"),
    )


def vocab_columns(frame: pl.DataFrame, prefix: str) -> dict[str, list[pl.Series]]:
    """Series of a name frame per vocabulary (to build the vocabularies from)."""
    out: dict[str, list[pl.Series]] = {}
    for feat, voc in NAME_CODES.items():
        out.setdefault(voc, []).append(frame.get_column(f"{prefix}{feat}"))
    # every token of the folded name is a `tok` (given-name-only and reordered names)
    out["tok"].append(frame.get_column(f"{prefix}fold").str.split(" ").explode())
    return out


class Extension:
    """Codes for values absent from the register's vocabularies (claims only): per vocabulary the
    new strings, numbered from `len(vocab)` on."""

    def __init__(self, vocabs: dict[str, Vocab]) -> None:
        self.vocabs = vocabs
        self.extra: dict[str, list[str]] = {}
        self._pos: dict[str, dict[str, int]] = {}

    def codes(self, vocab: str, values: pl.Series) -> np.ndarray:
        v = self.vocabs[vocab]
        codes = v.codes(values)
        miss = np.flatnonzero(codes == MISSING)
        if miss.size:
            vals = values.cast(pl.Utf8).gather(miss).to_list()
            for i, s in zip(miss, vals):
                if s:
                    codes[i] = self.add(vocab, s)
        return codes

    def code(self, vocab: str, value: str | None) -> int:
        c = self.vocabs[vocab].code(value)
        return c if c != MISSING or not value else self.add(vocab, value)

    def add(self, vocab: str, value: str) -> int:
        pos = self._pos.setdefault(vocab, {})
        if value not in pos:
            lst = self.extra.setdefault(vocab, [])
            pos[value] = len(self.vocabs[vocab]) + len(lst)
            lst.append(value)
        return pos[value]


def encode_names(frame: pl.DataFrame, prefix: str, vocabs: dict[str, Vocab],
                 ext: Extension | None = None) -> dict[str, np.ndarray]:
    """Name code arrays (`fam … name_key`, `ntok`, `culture`, `sex_marker`) of a name frame."""
    out: dict[str, np.ndarray] = {}
    for feat, voc in NAME_CODES.items():
        col = frame.get_column(f"{prefix}{feat}")
        out[feat] = ext.codes(voc, col) if ext is not None else vocabs[voc].codes(col)
    out["ntok"] = frame.get_column(f"{prefix}ntok").fill_null(0).cast(pl.Int8).to_numpy()
    out["culture"] = (frame.get_column(f"{prefix}culture")
                      .replace_strict(CULTURE_CODE, default=0, return_dtype=pl.Int8)
                      .fill_null(0).to_numpy())
    out["sex_marker"] = frame.get_column(f"{prefix}sex_marker").fill_null(0).cast(pl.Int8).to_numpy()
    return out


def sex_codes(values: pl.Series) -> np.ndarray:
    return values.cast(pl.Utf8).replace_strict(SEX_CODE, default=0, return_dtype=pl.Int8) \
        .fill_null(0).to_numpy()


def unit_masks(lists: pl.Series, units: tuple[str, ...], words: int) -> list[np.ndarray]:
    """Bit masks (`words` uint64 arrays) of list-of-unit-id values; bit i = `units[i]`."""
    bit = {u: i for i, u in enumerate(units)}
    n = lists.len()
    out = [np.zeros(n, dtype=np.uint64) for _ in range(words)]
    long = pl.DataFrame({"row": np.arange(n, dtype=np.int64), "u": lists}).explode("u") \
        .drop_nulls("u")
    if long.height:
        b = long.get_column("u").replace_strict(bit, default=-1, return_dtype=pl.Int64).to_numpy()
        rows = long.get_column("row").to_numpy()
        keep = b >= 0
        rows, b = rows[keep], b[keep]
        for w in range(words):
            sel = (b // 64) == w
            np.bitwise_or.at(out[w], rows[sel], np.left_shift(np.uint64(1), (b[sel] % 64).astype(np.uint64)))
    return out


def place_units() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(today's provinces, every province-level unit), in the gazetteer's order: the bit order."""
    from reconcile.vn.places import _gaz

    g = _gaz()
    units = tuple(g.units)
    return tuple(u for u in units if u in g.today), units


def encode_places(frame: pl.DataFrame, prefix: str, side: str, vocabs: dict[str, Vocab],
                  units_now: tuple[str, ...], units_prov: tuple[str, ...],
                  ext: Extension | None = None) -> dict[str, np.ndarray]:
    """`<side>_now`, `<side>_prov0/1`, `<side>_district`, `<side>_commune`, `<side>_amb`, `<side>_text`
    of a frame carrying `places.place_features` columns with `prefix`, and `<side>_village` for the
    sides in `VILLAGE_SIDES` (from `<prefix>village`, see `village_frame`). Claims encoded against an
    index saved before villages were kept (no `village` vocabulary) get no `<side>_village`."""
    (now,) = unit_masks(frame.get_column(f"{prefix}now"), units_now, 1)
    prov0, prov1 = unit_masks(frame.get_column(f"{prefix}prov"), units_prov, 2)
    out = {f"{side}_now": now, f"{side}_prov0": prov0, f"{side}_prov1": prov1}
    for k in ("district", "commune"):
        col = frame.get_column(f"{prefix}{k}")
        out[f"{side}_{k}"] = ext.codes(k, col) if ext is not None else vocabs[k].codes(col)
    out[f"{side}_amb"] = frame.get_column(f"{prefix}ambiguous").fill_null(False).to_numpy().astype(bool)
    text = frame.get_column(f"{prefix}text")
    out[f"{side}_text"] = ext.codes("place_text", text) if ext is not None else vocabs["place_text"].codes(text)
    if side in VILLAGE_SIDES and "village" in vocabs:
        v = frame.get_column(f"{prefix}village")
        out[f"{side}_village"] = ext.codes("village", v) if ext is not None else vocabs["village"].codes(v)
    return out


def village_frame(frame: pl.DataFrame, col: str, prefix: str) -> pl.DataFrame:
    """`<prefix>village`: the folded village/hamlet key of the place text in `col`
    (`places.village_key`, each distinct text read once; null when none is written)."""
    from reconcile.vn.places import village_key_series

    return frame.with_columns(village_key_series(frame.get_column(col)).alias(f"{prefix}village"))


def place_text_expr(col: str, prefix: str) -> pl.Expr:
    """`<prefix>text`: the folded place text as written (compared where it does not resolve)."""
    from reconcile.vn.text import fold_expr

    return fold_expr(pl.col(col)).alias(f"{prefix}text")


def zodiac_masks(branches: pl.Series) -> np.ndarray:
    """uint16 mask per row of a List[int] column of possible lunar branches (0 when unknown)."""
    n = branches.len()
    long = pl.DataFrame({"row": np.arange(n, dtype=np.int64), "b": branches}).explode("b").drop_nulls("b")
    out = np.zeros(n, dtype=np.uint16)
    if long.height:
        np.bitwise_or.at(out, long.get_column("row").to_numpy(),
                         np.left_shift(np.uint16(1), long.get_column("b").cast(pl.Int64).to_numpy()
                                       .astype(np.uint16)))
    return out
