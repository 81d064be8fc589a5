"""Kinship graph built from the register (households, relations, parent/spouse ids and names) and matching of claimed relatives.

STUB: being written; see DESIGN.md for the contract.
"""

from __future__ import annotations


def build_kinship(people):
    raise NotImplementedError('reconcile.kinship: not implemented yet')

