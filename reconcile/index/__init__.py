"""The searchable index (format 3): a register as arrays (docs/ENGINE_V3.md).

Owns `build_index` (`build.py`), the `Index` object, `load_index` / `save_index` (`store.py`: a
directory of memory-mapped `.npy` arrays, Arrow vocabularies and display strings, Parquet frames
for the frame consumers, `model.json` and a `manifest.json` with sizes and BLAKE2b checksums),
vocabularies (`vocab.py`), the per-person arrays and relatives in CSR form (`arrays.py`) and the
frame → code encoding shared with claims (`codes.py`).

`Index.arrays`, `Index.vocabs`, `Index.postings` and `Index.display` are what the engine reads.
`Index.people` (the featurised people frame: canonical columns, `pidx`, `p_` features) and
`Index.kin` (known relatives with `r_` name features) are polars frames for `leads`, `report` and
training; a loaded index reads them from disk on first use only.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import polars as pl

from reconcile.index.arrays import Display, PersonArrays
from reconcile.index.build import build_index
from reconcile.index.vocab import Vocab

KIN_COLUMNS = ("pidx", "relation", "name", "birth_year", "rel_pidx", "confidence", "source")


@dataclasses.dataclass
class Index:
    """A built or loaded register. `params` is the JSON-serialisable model; `path` is the directory
    a loaded index came from (its frames are read from there on first use)."""

    arrays: PersonArrays
    vocabs: dict[str, Vocab]
    postings: dict
    display: Display
    params: dict = dataclasses.field(default_factory=dict)
    manifest: dict = dataclasses.field(default_factory=dict)
    frames: dict = dataclasses.field(default_factory=dict, repr=False)
    path: Path | None = None
    _kin: pl.DataFrame | None = dataclasses.field(default=None, init=False, repr=False, compare=False)
    _graph: object = dataclasses.field(default=None, init=False, repr=False, compare=False)
    _completeness: object = dataclasses.field(default=None, init=False, repr=False, compare=False)

    @property
    def n_people(self) -> int:
        return self.arrays.n

    def _frame(self, name: str) -> pl.DataFrame:
        if name not in self.frames:
            from reconcile.index.store import read_frame

            self.frames[name] = read_frame(self.path, name)
        return self.frames[name]

    @property
    def people(self) -> pl.DataFrame:
        return self._frame("people")

    @property
    def kin_edges(self) -> pl.DataFrame:
        return self._frame("kin_edges")

    @property
    def kin_names(self) -> pl.DataFrame:
        return self._frame("kin_names")

    @property
    def kin(self) -> pl.DataFrame:
        """Known relatives (`KIN_COLUMNS` + `r_` name features), joined on first use."""
        if self._kin is None:
            names = self.kin_names
            r_cols = [c for c in names.columns if c.startswith("r_")]
            self._kin = (self.kin_edges.join(names, on="name_id", how="left", maintain_order="left")
                         .select(*KIN_COLUMNS, *r_cols))
        return self._kin

    @property
    def relative_completeness(self):
        """How completely this register records each kind of relative (`arrays.RelativeCompleteness`),
        counted once per index."""
        if self._completeness is None:
            from reconcile.index.arrays import relative_completeness

            self._completeness = relative_completeness(self.arrays)
        return self._completeness

    def tf_count(self, vocab: str, value: str | None) -> int:
        """Register count of one value of a term-frequency vocabulary (`arrays.TF_VOCABS`)."""
        code = self.vocabs[vocab].code(value)
        return int(self.arrays.tf[vocab][code]) if code >= 0 else 0

    def with_params(self, params: dict) -> "Index":
        """A copy sharing the arrays and frames, with new model parameters."""
        json.dumps(params)
        new = dataclasses.replace(self, params=dict(params), manifest=dict(self.manifest),
                                  frames=self.frames)
        new._kin, new._graph, new._completeness = self._kin, self._graph, self._completeness
        return new

    def save(self, path: str | os.PathLike) -> Path:
        from reconcile.index.store import save_index

        return save_index(self, path)

    def __repr__(self) -> str:  # never print personal data
        return f"Index(people={self.n_people:,}, relatives={self.arrays.rel.n_edges:,})"


def load_index(path: str | os.PathLike, verify: bool = False) -> Index:
    """Load a saved index (see `store.load_index`)."""
    from reconcile.index.store import load_index as _load

    return _load(path, verify=verify)


__all__ = ["Index", "build_index", "load_index", "Vocab", "PersonArrays", "Display"]
