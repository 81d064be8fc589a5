"""Self-contained offline HTML review report for verification officers.

STUB: being written; see DESIGN.md for the contract.
"""

from __future__ import annotations


def report(claims, index, out='report.html', lang='vi', top_k=5):
    raise NotImplementedError('reconcile.report: not implemented yet')

