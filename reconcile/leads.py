"""Verification leads: self, relative, household and place leads with reasons an officer can act on.

STUB: being written; see DESIGN.md for the contract.
"""

from __future__ import annotations


def leads(claims, index, top_k=20, lang='vi', progress=None):
    raise NotImplementedError('reconcile.leads: not implemented yet')

