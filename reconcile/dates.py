"""Partial dates, birth-year intervals from claims, zodiac (con giáp) with Tết boundaries, tuổi mụ, citizen-id decoding.

STUB: being written; see DESIGN.md for the contract.
"""

from __future__ import annotations


def parse_partial_date(text):
    raise NotImplementedError('reconcile.dates: not implemented yet')


def claim_birth_interval(claims):
    raise NotImplementedError('reconcile.dates: not implemented yet')

