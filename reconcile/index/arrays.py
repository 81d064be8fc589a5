"""The array form of a register: `PersonArrays` (one entry per person, position = `pidx`),
relatives in CSR form (`Relatives`), the blocking postings (`reconcile.blocking.postings.Postings`)
and the place bit tables. Layouts are those of docs/ENGINE_V3.md; nothing here reads text.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import polars as pl

# name features of a person / claim / relative and their vocabularies (docs/ENGINE_V3.md)
NAME_CODES = {"fam": "tok", "fam_norm": "norm_tok", "fam_key": "fam_key", "mid": "mid",
              "giv": "tok", "giv_norm": "norm_tok", "giv_key": "giv_key", "addr": "addr",
              "fold": "fold", "name_key": "name_key"}
PLACE_SIDES = ("home", "res")
# place sides whose village/hamlet is kept (`<side>_village`, int32 into the `village` vocabulary):
# the residence, where a registered person and a claimant living there write the same thôn
VILLAGE_SIDES = ("res",)
CULTURE_CODE = {"other": 0, "kinh": 1, "hmong": 2, "dao": 3, "tay_nung": 4, "thai": 5}
SEX_CODE = {"M": 1, "F": 2}
RELATION_CODE = {"father": 0, "mother": 1, "spouse": 2, "child": 3, "sibling": 4,
                 "grandparent": 5, "grandchild": 6}
RELATIONS = tuple(RELATION_CODE)
SOURCE_CODE = {"record_id": 0, "record_name": 1, "household": 2}
CLAIM_REL_SOURCE = {"claimed": 0, "teknonym": 1}
# term frequencies are kept for these vocabularies (counts of the people holding each code), and for
# `place_text` (people with that text as hometown or residence)
TF_VOCABS = ("fam_key", "giv_key", "fold", "addr", "name_key")
# folded middle elements that say the sex of the bearer (Kinh "Văn"/"Thị", Hmong "A"/"Seo"/"Mí");
# a female marker anywhere in the middle wins ("Seo Mí" is a woman)
SEX_MARKERS = {"van": 1, "a": 1, "seo": 1, "thi": 2, "mi": 2}


def person_array_names() -> tuple[str, ...]:
    """Names of the per-person arrays (the `PersonArrays.cols` keys), in a fixed order."""
    places = tuple(f"{s}_{k}" for s in PLACE_SIDES
                   for k in ("now", "prov0", "prov1", "district", "commune", "amb", "text"))
    places += tuple(f"{s}_village" for s in VILLAGE_SIDES)
    return (tuple(NAME_CODES) + ("ntok", "culture", "sex", "sex_marker", "eth", "by", "bm", "bd",
                                 "zmask") + places + ("household",))


@dataclasses.dataclass
class Relatives:
    """Known relatives of every person in CSR form: edges of person i are
    `offsets[i]:offsets[i+1]`; per edge `relation` (uint8, `RELATION_CODE`), `name` (int32 into the
    `rel_name` vocabulary), `by` (int16, 0 unknown), `pidx` (int32, -1 when only a name is known),
    `conf` (float32), `source` (uint8, `SOURCE_CODE`). Per `rel_name` code: `names[feature]` (`rn_*`
    arrays of docs/ENGINE_V3.md without the prefix)."""

    offsets: np.ndarray
    relation: np.ndarray
    name: np.ndarray
    by: np.ndarray
    pidx: np.ndarray
    conf: np.ndarray
    source: np.ndarray
    names: dict[str, np.ndarray]
    father: np.ndarray      # per person: the recorded father's pidx, else -2 - his name's fold code, -1 none
    mother: np.ndarray      # the same for the mother (second-order checks of siblings)

    EDGE_FIELDS = ("relation", "name", "by", "pidx", "conf", "source")
    PERSON_FIELDS = ("father", "mother")

    @property
    def n_edges(self) -> int:
        return int(self.relation.shape[0])

    def of(self, pidx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(edge indexes, owner position in `pidx`) of all edges of the given people."""
        pidx = np.asarray(pidx, dtype=np.int64)
        lo, hi = self.offsets[pidx], self.offsets[pidx + 1]
        cnt = hi - lo
        owner = np.repeat(np.arange(len(pidx), dtype=np.int64), cnt)
        start = np.repeat(lo - np.cumsum(cnt) + cnt, cnt)
        return start + np.arange(int(cnt.sum()), dtype=np.int64), owner


def parents(offsets: np.ndarray, relation: np.ndarray, name: np.ndarray, pidx: np.ndarray,
            fold: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(father, mother) per person from the CSR edges (first recorded edge of each)."""
    n = offsets.shape[0] - 1
    owner = np.repeat(np.arange(n, dtype=np.int64), np.diff(offsets))
    ident = np.where(pidx >= 0, pidx, np.where(name >= 0, -2 - fold[np.maximum(name, 0)], -1))
    out = []
    for r in (RELATION_CODE["father"], RELATION_CODE["mother"]):
        arr = np.full(n, -1, dtype=np.int64)
        sel = np.flatnonzero(relation == r)[::-1]          # reversed: the first edge wins
        arr[owner[sel]] = ident[sel]
        out.append(arr)
    return out[0], out[1]


class StringColumn:
    """A text column as UTF-8 bytes + offsets + validity (NumPy, memory-mappable): rows are
    gathered by position without reading the column."""

    FIELDS = ("data", "offsets", "valid")

    def __init__(self, data: np.ndarray, offsets: np.ndarray, valid: np.ndarray) -> None:
        self.data, self.offsets, self.valid = data, offsets, valid

    @classmethod
    def from_series(cls, s: pl.Series) -> "StringColumn":
        s = s.cast(pl.Utf8)
        valid = s.is_not_null().to_numpy()
        lengths = s.fill_null("").str.len_bytes().cast(pl.Int64).to_numpy()
        offsets = np.zeros(len(s) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        data = np.frombuffer("".join(s.fill_null("").to_list()).encode("utf-8"), dtype=np.uint8)
        return cls(data.copy(), offsets, valid)

    def __len__(self) -> int:
        return int(self.offsets.shape[0]) - 1

    TAKE_BULK_MIN = 64     # from this many rows the bytes are gathered at once, then sliced

    def take(self, rows) -> list[str | None]:
        o, d, v = self.offsets, self.data, self.valid
        rows = np.asarray(rows, dtype=np.int64)
        if rows.size < self.TAKE_BULK_MIN:
            return [bytes(d[o[r]:o[r + 1]]).decode("utf-8") if v[r] else None for r in rows.tolist()]
        start = np.asarray(o[rows])
        length = np.asarray(o[rows + 1]) - start
        ends = np.cumsum(length)
        begins = ends - length
        buf = np.asarray(d[np.repeat(start - begins, length) + np.arange(int(ends[-1]) if ends.size else 0)]
                         ).tobytes()
        ok = np.asarray(v[rows]).tolist()
        return [buf[a:b].decode("utf-8") if k else None
                for a, b, k in zip(begins.tolist(), ends.tolist(), ok)]

    def series(self, name: str) -> pl.Series:
        """The whole column (reads it all)."""
        return pl.Series(name, self.take(np.arange(len(self))), dtype=pl.Utf8)


def birth_years(by: np.ndarray) -> pl.Series:
    """Birth years as Int32 with null for unknown (0)."""
    by = np.asarray(by, dtype=np.int32)
    s = pl.Series("birth_year", by, dtype=pl.Int32)
    unknown = np.flatnonzero(by == 0)
    return s.scatter(unknown, None) if unknown.size else s


class Display:
    """The people's display strings (text columns) and `birth_year` (from the `by` array), gathered
    by position for returned rows; a small frame-like surface (`gather`, `get_column`, `clear`,
    `height`, `columns`)."""

    def __init__(self, columns: dict[str, StringColumn], years: np.ndarray) -> None:
        self.cols = columns
        self.years = years

    @classmethod
    def from_frame(cls, frame: pl.DataFrame, years: np.ndarray) -> "Display":
        return cls({c: StringColumn.from_series(frame.get_column(c)) for c in frame.columns}, years)

    @property
    def columns(self) -> list[str]:
        return [*self.cols, "birth_year"]

    @property
    def height(self) -> int:
        return int(self.years.shape[0])

    def _schema(self) -> dict:
        return {**{c: pl.Utf8 for c in self.cols}, "birth_year": pl.Int32}

    def gather(self, rows) -> pl.DataFrame:
        rows = np.asarray(rows, dtype=np.int64)
        return pl.DataFrame({**{c: col.take(rows) for c, col in self.cols.items()},
                             "birth_year": birth_years(self.years[rows])}, schema=self._schema())

    def get_column(self, name: str) -> pl.Series:
        return birth_years(self.years) if name == "birth_year" else self.cols[name].series(name)

    def clear(self) -> pl.DataFrame:
        return pl.DataFrame(schema=self._schema())

    def to_frame(self) -> pl.DataFrame:
        return pl.DataFrame([self.get_column(c) for c in self.cols])


@dataclasses.dataclass
class PersonArrays:
    """Per-person arrays (`cols`, keyed by the names of docs/ENGINE_V3.md), term frequencies per
    vocabulary code (`tf`), relatives (`rel`) and the place-unit tables the bit masks refer to
    (`units_now`, `units_prov`: unit ids in bit order)."""

    cols: dict[str, np.ndarray]
    tf: dict[str, np.ndarray]
    rel: Relatives
    units_now: tuple[str, ...]
    units_prov: tuple[str, ...]

    @property
    def n(self) -> int:
        return int(self.cols["by"].shape[0])

    def __getitem__(self, name: str) -> np.ndarray:
        return self.cols[name]


# ------------------------------------------------------------------------------------------------
# how completely the register records relatives
# ------------------------------------------------------------------------------------------------

# Ages at which nearly everyone in these communities has the relative, so that a record without one
# shows what the register leaves out rather than who the person is: married by 30 (and still married
# at 60), a child born by 38. Fathers, mothers and siblings: everyone has had them.
COMPLETENESS_AGES = {"father": None, "mother": None, "sibling": None, "spouse": (30, 60), "child": (38, 65)}
# Those ages also hold the unmarried, the widowed and the childless. Where the register shows who is
# certainly partnered, that is the better sample: for a spouse, the parents a child's record names
# together; for a child, the people of the child ages above with a recorded spouse. Used when the
# register holds at least this many of them (else the ages alone).
MIN_PARTNERED = 30


@dataclasses.dataclass(frozen=True)
class RelativeCompleteness:
    """Per relation (father, mother, spouse, child, sibling): the share of all records that name no
    relative of that kind (`lacking_all`), and the share among people who almost surely have one
    (`lacking_expected`: all records for parents and siblings; for a spouse the parents a child's
    record names together, for a child the married of the child ages of `COMPLETENESS_AGES`, each
    when the register has `MIN_PARTNERED` of them, else everyone of those ages). A register
    that writes every family down has `lacking_expected` near 0; one that lists people alone has it
    near `lacking_all`. `reference_year`: the latest birth year in the register (ages are counted from
    it, so the figures do not depend on the day they are computed)."""

    relations: tuple[str, ...]
    lacking_all: tuple[float, ...]
    lacking_expected: tuple[float, ...]
    reference_year: int

    def of(self, relation: str) -> tuple[float, float]:
        i = self.relations.index(relation)
        return self.lacking_expected[i], self.lacking_all[i]


def relative_completeness(arrays: "PersonArrays") -> RelativeCompleteness:
    """Count, in one pass over the relatives' CSR, who has no recorded relative of each kind."""
    rel = arrays.rel
    n = arrays.n
    rels = ("father", "mother", "spouse", "child", "sibling")
    codes = np.array([RELATION_CODE[r] for r in rels], dtype=np.int64)
    has = np.zeros((n, len(rels)), dtype=bool)
    owner = np.repeat(np.arange(n, dtype=np.int64), np.diff(np.asarray(rel.offsets))) if n else \
        np.zeros(0, dtype=np.int64)
    er = np.asarray(rel.relation).astype(np.int64)
    if rel.n_edges and n:
        col = np.full(int(er.max()) + 1 if er.size else 1, -1, dtype=np.int64)
        col[codes[codes < col.size]] = np.flatnonzero(codes < col.size)
        j = col[er]
        k = j >= 0
        has[owner[k], j[k]] = True
    by = np.asarray(arrays.cols["by"]).astype(np.int64)
    known = by > 0
    ref = int(by[known].max()) if known.any() else 0
    age = np.where(known, ref - by, -1)

    def ages(r: str) -> np.ndarray:
        band = COMPLETENESS_AGES[r]
        return np.ones(n, dtype=bool) if band is None else (age >= band[0]) & (age <= band[1])

    # certainly partnered: the parents a record naming both names (spouse); the married (child)
    pidx = np.asarray(rel.pidx).astype(np.int64)
    e = np.isin(er, [RELATION_CODE["father"], RELATION_CODE["mother"]]) & (pidx >= 0) & (pidx < n)
    e &= (has[:, rels.index("father")] & has[:, rels.index("mother")])[owner]
    parents = np.zeros(n, dtype=bool)
    parents[pidx[e]] = True
    certain = {"spouse": parents, "child": ages("child") & has[:, rels.index("spouse")]}
    lack_all, lack_exp = [], []
    for i, r in enumerate(rels):
        lack = ~has[:, i]
        lack_all.append(float(lack.mean()) if n else 0.0)
        sel = certain.get(r)
        if sel is None or sel.sum() < MIN_PARTNERED:
            sel = ages(r)
        lack_exp.append(float(lack[sel].mean()) if sel.any() else lack_all[-1])
    return RelativeCompleteness(rels, tuple(lack_all), tuple(lack_exp), ref)
