"""The searchable index: featurised population, term frequencies, kinship edges, model parameters; saved as Parquet + JSON manifest.

STUB: being written; see DESIGN.md for the contract.
"""

from __future__ import annotations


def build_index(population, columns=None, progress=None):
    raise NotImplementedError('reconcile.index: not implemented yet')


def load_index(path):
    raise NotImplementedError('reconcile.index: not implemented yet')


class Index:  # replaced by the real dataclass
    pass
