"""Officer-readable words for evidence and reasons, in Vietnamese (default) and English.

STUB: being written; see DESIGN.md for the contract.
"""

from __future__ import annotations

