"""Postings: for each kind of blocking key, the sorted distinct key values (uint64), offsets, and
the people holding each value sorted by (birth year, pidx), so a key lookup is a `searchsorted`, a
block's size an offset difference and a birth-year window a `searchsorted` inside the block.

Key values are packed vocabulary codes (no strings, no hashing): a claim value absent from the
register has an extension code that no person holds, so it finds nothing, as it should.
"""

from __future__ import annotations

import dataclasses

import numpy as np

# key kinds stored in an index (the blocking keys of `reconcile.blocking.keys` read them)
KINDS = ("fam_giv", "fam_tok", "addr", "name_key", "giv", "giv_tok", "clan", "rel", "rel_giv", "giv_rel", "dob",
         "en_pair", "en_tok")
_B30 = np.uint64(30)
_B32 = np.uint64(32)
_B35 = np.uint64(35)
_B60 = np.uint64(60)


def pack2(a, b) -> np.ndarray:
    """Key of two codes (each < 2**32)."""
    return (np.asarray(a, dtype=np.uint64) << _B32) | np.asarray(b, dtype=np.uint64)


def pack_dob(year, month, day) -> np.ndarray:
    """Key of a full date of birth."""
    return ((np.asarray(year, dtype=np.uint64) << np.uint64(9))
            | (np.asarray(month, dtype=np.uint64) << np.uint64(5)) | np.asarray(day, dtype=np.uint64))


def pack_rel(relation, fam_key, giv_key) -> np.ndarray:
    """Key of (relation, relative's clan key, relative's given-name key); codes < 2**30."""
    return ((np.asarray(relation, dtype=np.uint64) << _B60)
            | (np.asarray(fam_key, dtype=np.uint64) << _B30) | np.asarray(giv_key, dtype=np.uint64))


def pack_giv_rel(giv_key, relation, rel_giv_key) -> np.ndarray:
    """Key of (own given-name key, relation, relative's given-name key)."""
    return ((np.asarray(giv_key, dtype=np.uint64) << _B35)
            | (np.asarray(relation, dtype=np.uint64) << _B32) | np.asarray(rel_giv_key, dtype=np.uint64))


@dataclasses.dataclass
class Posting:
    """One key kind: people of key `keys[i]` are `pidx[offsets[i]:offsets[i+1]]`, sorted by
    (`years`, pidx); unknown birth years (0) come first."""

    keys: np.ndarray
    offsets: np.ndarray
    pidx: np.ndarray
    years: np.ndarray

    FIELDS = ("keys", "offsets", "pidx", "years")

    def blocks(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(start, stop) of each key's block (start == stop when absent)."""
        keys = np.asarray(keys, dtype=np.uint64)
        if self.keys.size == 0:
            z = np.zeros(keys.size, dtype=np.int64)
            return z, z
        i = np.searchsorted(self.keys, keys)
        ic = np.minimum(i, self.keys.size - 1)
        hit = self.keys[ic] == keys
        start = np.where(hit, self.offsets[ic], 0)
        stop = np.where(hit, self.offsets[ic + 1], 0)
        return start.astype(np.int64), stop.astype(np.int64)

    def size(self, keys: np.ndarray) -> np.ndarray:
        start, stop = self.blocks(keys)
        return stop - start


def _posting(keys: np.ndarray, pidx: np.ndarray, by: np.ndarray) -> Posting:
    years = by[pidx]
    order = np.lexsort((pidx, years, keys))
    keys, pidx, years = keys[order], pidx[order], years[order]
    if keys.size:
        dup = np.zeros(keys.size, dtype=bool)
        dup[1:] = (keys[1:] == keys[:-1]) & (pidx[1:] == pidx[:-1])
        keys, pidx, years = keys[~dup], pidx[~dup], years[~dup]
    uniq, start = np.unique(keys, return_index=True)
    offsets = np.append(start, keys.size).astype(np.int64)
    return Posting(keys=uniq.astype(np.uint64), offsets=offsets, pidx=pidx.astype(np.int32),
                   years=years.astype(np.int16))


def build_postings(arrays, folds: list[str | None] | None = None) -> dict[str, Posting]:
    """Postings of every kind in `KINDS` from `PersonArrays`; `folds` (the strings of the `fold`
    vocabulary, by code) for the English keys of foreign names (`reconcile.blocking.english`),
    which are left empty without them."""
    c = arrays.cols
    n = arrays.n
    by = c["by"]
    everyone = np.arange(n, dtype=np.int64)
    out: dict[str, Posting] = {}

    def own(kind: str, key: np.ndarray, ok: np.ndarray) -> None:
        out[kind] = _posting(key[ok], everyone[ok], by)

    fam_key, giv_key = c["fam_key"], c["giv_key"]
    own("fam_giv", pack2(np.maximum(fam_key, 0), np.maximum(giv_key, 0)), (fam_key >= 0) & (giv_key >= 0))
    # surname/clan key + the given name as written (folded token): typos are one edit from it
    own("fam_tok", pack2(np.maximum(fam_key, 0), np.maximum(c["giv"], 0)), (fam_key >= 0) & (c["giv"] >= 0))
    own("addr", c["addr"].astype(np.uint64), c["addr"] >= 0)
    own("name_key", c["name_key"].astype(np.uint64), c["name_key"] >= 0)
    own("giv", giv_key.astype(np.uint64), giv_key >= 0)
    own("giv_tok", c["giv"].astype(np.uint64), c["giv"] >= 0)
    own("clan", fam_key.astype(np.uint64), fam_key >= 0)
    bm, bd = c["bm"], c["bd"]
    own("dob", pack_dob(np.maximum(by, 0), np.maximum(bm, 0), np.maximum(bd, 0)), (by > 0) & (bm > 0) & (bd > 0))
    _english(out, c, folds, everyone, by)
    rel = arrays.rel
    owner = np.repeat(everyone, np.diff(rel.offsets))
    name = rel.name
    rn = rel.names
    r_fk = np.where(name >= 0, rn["fam_key"][np.maximum(name, 0)], -1)
    r_gk = np.where(name >= 0, rn["giv_key"][np.maximum(name, 0)], -1)
    r = rel.relation
    ok = (r_gk >= 0) & (r_fk >= 0)
    out["rel"] = _posting(pack_rel(r[ok], r_fk[ok], r_gk[ok]), owner[ok], by)
    ok = r_gk >= 0
    out["rel_giv"] = _posting(pack2(r[ok], r_gk[ok]), owner[ok], by)
    pg = giv_key[owner]
    ok = (r_gk >= 0) & (pg >= 0)
    out["giv_rel"] = _posting(pack_giv_rel(pg[ok], r[ok], r_gk[ok]), owner[ok], by)
    return out


def _english(out: dict, c: dict, folds, everyone: np.ndarray, by: np.ndarray) -> None:
    """`en_pair` / `en_tok` postings: keys per distinct fold code, gathered per person."""
    from reconcile.blocking.english import register_keys

    fold = c["fold"]
    empty = np.zeros(0, dtype=np.uint64)
    if folds is None or fold.size == 0:
        out["en_pair"] = out["en_tok"] = _posting(empty, empty.astype(np.int64), by)
        return
    has = fold >= 0
    pair, tok = register_keys(folds)
    f = np.maximum(fold, 0)
    pk = np.where(has, pair[f], -1)
    ok = pk >= 0
    out["en_pair"] = _posting(pk[ok].astype(np.uint64), everyone[ok], by)
    tk = np.where(has[:, None], tok[f], -1)
    own = np.repeat(everyone[:, None], 2, axis=1)
    ok = tk >= 0
    out["en_tok"] = _posting(tk[ok].astype(np.uint64), own[ok], by)
