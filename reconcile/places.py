"""Places: gazetteer of province-level units 1976–2025 (and districts/communes where a permissive source gives them), free-text resolution, lineage compatibility.

STUB: being written; see DESIGN.md for the contract.
"""

from __future__ import annotations


def resolve(text):
    raise NotImplementedError('reconcile.places: not implemented yet')


def place_features(df, col, prefix=''):
    raise NotImplementedError('reconcile.places: not implemented yet')

