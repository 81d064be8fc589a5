"""Text normalisation for Vietnamese: NFC, lowercase, folding (tones/marks removed, đ→d), tokens, and legacy-encoding detection and repair (TCVN3/ABC, VNI, VIQR, CP1258, UTF-8 mojibake).

STUB: being written; see DESIGN.md for the contract.
"""

from __future__ import annotations


def nfc(text: str) -> str:
    raise NotImplementedError('reconcile.text: not implemented yet')


def fold(text: str) -> str:
    raise NotImplementedError('reconcile.text: not implemented yet')

