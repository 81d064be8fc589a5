"""Fellegi–Sunter scoring: comparison levels, m/u weights, term-frequency adjustment, EM, posterior with "none of them".

STUB: being written; see DESIGN.md for the contract.
"""

from __future__ import annotations


def score_pairs(pairs, params):
    raise NotImplementedError('reconcile.model: not implemented yet')

