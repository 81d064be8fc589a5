"""The match() pipeline: claims → features → candidates → scores → calibrated posterior → top-k with evidence.

STUB: being written; see DESIGN.md for the contract.
"""

from __future__ import annotations


def match(claims, index, top_k=10, lang='vi', progress=None):
    raise NotImplementedError('reconcile.matching: not implemented yet')

