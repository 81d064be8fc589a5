"""Blocking: candidate (claim, person) pairs from several unioned keys, bounded per block.

STUB: being written; see DESIGN.md for the contract.
"""

from __future__ import annotations


def candidate_pairs(claims_feat, index, config=None):
    raise NotImplementedError('reconcile.candidates: not implemented yet')

