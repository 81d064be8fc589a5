"""Vietnamese and minority personal names: parsing by naming culture, surname/clan variants, phonetic keys, teknonyms, ethnicity canonicalisation, vectorised name features.

STUB: being written; see DESIGN.md for the contract.
"""

from __future__ import annotations


def parse_name(text, ethnicity=None):
    raise NotImplementedError('reconcile.names: not implemented yet')


def name_features(df, name_col, ethnicity_col=None, prefix=''):
    raise NotImplementedError('reconcile.names: not implemented yet')


def canonical_ethnicity(text):
    raise NotImplementedError('reconcile.names: not implemented yet')

