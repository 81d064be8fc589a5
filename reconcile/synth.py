"""Seeded generator of synthetic registers and claims with ground truth (only synthetic people, ever).

STUB: being written; see DESIGN.md for the contract.
"""

from __future__ import annotations


def generate_population(n, seed=0):
    raise NotImplementedError('reconcile.synth: not implemented yet')


def generate_claims(population, n, seed=0):
    raise NotImplementedError('reconcile.synth: not implemented yet')

