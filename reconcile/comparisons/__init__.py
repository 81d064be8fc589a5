"""Comparisons declared as data: `Level`, `Comparison`, `Registry` (base), the comparison kinds as
numpy functions of a pair view (library), and the default set with its Vietnamese/English words
(default). Everything outside refers to levels by name."""

from reconcile.comparisons.base import (LANGS, RELATIONS, Comparison, Level, Outcome, PairView, Registry,
                                        RelativeView, words)
from reconcile.comparisons.default import default_registry

__all__ = ["LANGS", "RELATIONS", "Comparison", "Level", "Outcome", "PairView", "Registry",
           "RelativeView", "default_registry", "words"]
