"""Loading and validating population tables and claims from every supported form into canonical frames.

STUB: being written; see DESIGN.md for the contract.
"""

from __future__ import annotations


def read_population(source, columns=None):
    raise NotImplementedError('reconcile.io: not implemented yet')


def read_claims(source):
    raise NotImplementedError('reconcile.io: not implemented yet')

