"""The array form of a register: `PersonArrays` (one entry per person, position = `pidx`),
relatives in CSR form (`Relatives`), the blocking postings (`reconcile.blocking.postings.Postings`)
and the place bit tables. Layouts are those of docs/ENGINE_V3.md; nothing here reads text.
"""

from __future__ import annotations

import dataclasses

import numpy as np

# name features of a person / claim / relative and their vocabularies (docs/ENGINE_V3.md)
NAME_CODES = {"fam": "tok", "fam_norm": "norm_tok", "fam_key": "fam_key", "mid": "mid",
              "giv": "tok", "giv_norm": "norm_tok", "giv_key": "giv_key", "addr": "addr",
              "fold": "fold", "name_key": "name_key"}
PLACE_SIDES = ("home", "res")
CULTURE_CODE = {"other": 0, "kinh": 1, "hmong": 2, "dao": 3, "tay_nung": 4, "thai": 5}
SEX_CODE = {"M": 1, "F": 2}
RELATION_CODE = {"father": 0, "mother": 1, "spouse": 2, "child": 3, "sibling": 4,
                 "grandparent": 5, "grandchild": 6}
RELATIONS = tuple(RELATION_CODE)
SOURCE_CODE = {"record_id": 0, "record_name": 1, "household": 2}
CLAIM_REL_SOURCE = {"claimed": 0, "teknonym": 1}
# term frequencies are kept for these vocabularies (counts of the people holding each code)
TF_VOCABS = ("fam_key", "giv_key", "fold", "addr", "name_key")
# folded middle elements that say the sex of the bearer (Kinh "Văn"/"Thị", Hmong "A"/"Seo"/"Mí");
# a female marker anywhere in the middle wins ("Seo Mí" is a woman)
SEX_MARKERS = {"van": 1, "a": 1, "seo": 1, "thi": 2, "mi": 2}


def person_array_names() -> tuple[str, ...]:
    """Names of the per-person arrays (the `PersonArrays.cols` keys), in a fixed order."""
    places = tuple(f"{s}_{k}" for s in PLACE_SIDES
                   for k in ("now", "prov0", "prov1", "district", "commune", "amb"))
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

    EDGE_FIELDS = ("relation", "name", "by", "pidx", "conf", "source")

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
