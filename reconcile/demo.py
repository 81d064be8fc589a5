"""`reconcile demo`: the whole pipeline on the bundled sample data.

STUB: being written; see DESIGN.md for the contract.
"""

from __future__ import annotations


def run_demo(out_dir='reconcile-demo', lang='vi'):
    raise NotImplementedError('reconcile.demo: not implemented yet')

