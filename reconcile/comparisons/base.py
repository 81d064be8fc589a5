"""What a comparison is: `Level`, `Comparison`, `Outcome`, the `Registry`, and the views they read.

A comparison is data plus one pure function: its name, its ordered levels (each a name, a
human-readable condition, words in Vietnamese and English, whether it is neutral, its term-frequency
mode), the view arrays it reads, and `compute(view) -> Outcome` (an int8 level code per pair; codes
come from the order of `levels`, level 0 is the missing/neutral level). Everything outside this
package refers to levels by NAME (`comparison.code("exact")`), never by number.

Level order is evidence order: after the neutral levels, the first level is the strongest agreement
and the last the strongest disagreement; trained weights are made non-increasing along that order
(`reconcile.model.params.enforce_order`) and the conformance test checks it for every comparison.

The views (`PairView`, `RelativeView`) are protocols: the engine builds them from the index arrays,
tests build them from dicts (tests/_pairview.py). Comparisons never see an index or a frame.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Protocol

import numpy as np

LANGS = ("vi", "en")
RELATIONS = ("father", "mother", "spouse", "child", "sibling")   # CSR relation codes 0..4
TF_MODES = (None, "exact", "fuzzy")


class RelativeView(Protocol):
    """Every (pair, claimed relative, recorded relative of a compatible relation) triple.

    Arrays, one entry per triple: `pair` (int32 into the pairs), `crel` (int32 claimed relative,
    global over the batch), `edge` (int64 into the CSR edges), `relation` (uint8, RELATIONS order),
    `c_name` / `r_name` (int32 into vocab `rel_name`, extension codes for claims), claimed side
    `c_fam_key c_giv c_giv_key c_mid c_fold c_ntok c_sex_marker c_by`, recorded side the same with
    `r_`, and `r_pidx` (int32, -1 when only a name is recorded), `r_parents_differ` (int8: 1 the
    recorded relative is a registered person whose own record names parents that differ from the
    candidate's, 0 unknown/same; only meaningful for siblings).
    Per pair and relation: `claimed` (bool [n_pairs, 5]: the claim names a relative of that kind),
    `nrec` (int32 [n_pairs, 5]: recorded relatives of that kind)."""

    n: int
    claimed: np.ndarray
    nrec: np.ndarray

    def a(self, name: str) -> np.ndarray: ...


class PairView(Protocol):
    """One batch of (claim, person) pairs. `c(name)` / `p(name)` gather claim / person arrays per pair
    (names of docs/ENGINE_V3.md), `strings(vocab)` lists a vocabulary (register + batch extension),
    `sim(vocab, a, b, scorer)` is a float32 similarity per code pair ("jw", "osa", "lev_norm"; -1 → 0),
    `tf(vocab, codes)` register counts (0 for extension codes and -1)."""

    n: int
    n_people: int
    relatives: RelativeView | None

    def c(self, name: str) -> np.ndarray: ...
    def p(self, name: str) -> np.ndarray: ...
    def strings(self, vocab: str) -> Sequence[str]: ...
    def sim(self, vocab: str, a: np.ndarray, b: np.ndarray, scorer: str = "jw") -> np.ndarray: ...
    def tf(self, vocab: str, codes: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True)
class Level:
    """One level of a comparison. `template` placeholders: {c} claim value, {p} register value,
    {n} register count of the value, {lo} {hi} {best} claimed birth-year range ({range} renders a
    one-year range as one year), {L} / {l} the comparison label (capitalised / lower case)."""

    name: str
    condition: str                      # human-readable, saved with the parameters
    label: Mapping[str, str]            # {"vi": ..., "en": ...}
    template: Mapping[str, str]         # evidence sentence per language
    neutral: bool = False               # weighs 0 (missing / nothing recorded / not claimed)
    tf: str | None = None               # None | "exact" | "fuzzy" (term-frequency adjusted)

    def __post_init__(self):
        if self.tf not in TF_MODES:
            raise ValueError(f"level {self.name!r}: tf must be one of {TF_MODES}, got {self.tf!r}")


@dataclass(frozen=True)
class Outcome:
    """What a comparison computes for a batch of pairs.

    `codes` int8 [n] level codes; `tf` float64 [n] register count of the agreeing value (used by
    term-frequency levels; 0 = no adjustment); `edge` int64 [n] the recorded relative the comparison
    chose (-1 none; relative comparisons only); `crel` int32 [n] the claimed relative it chose."""

    codes: np.ndarray
    tf: np.ndarray | None = None
    edge: np.ndarray | None = None
    crel: np.ndarray | None = None


@dataclass(frozen=True)
class Comparison:
    """A named comparison: ordered levels (code = position; level 0 is missing/neutral), the view
    arrays it reads (`columns`, "c.<name>" / "p.<name>" / "rel.<name>"), its term-frequency
    vocabulary, its words, and `compute(view) -> Outcome | np.ndarray`."""

    name: str
    label: Mapping[str, str]
    levels: tuple[Level, ...]
    columns: tuple[str, ...]
    compute: Callable[[PairView], "Outcome | np.ndarray"] = field(repr=False, compare=False)
    tf_vocab: str | None = None
    relation: str | None = None         # RELATIONS member for relative comparisons
    description: str = ""
    shared: Callable[[PairView], object] | None = field(default=None, repr=False, compare=False)
    # a step several comparisons share (e.g. the relatives' triple classes): computed once per view
    # by `evaluate(view, memo)` and passed to compute(view, shared)

    def __post_init__(self):
        names = [lv.name for lv in self.levels]
        if len(set(names)) != len(names):
            raise ValueError(f"comparison {self.name!r}: level names repeat: {names}")
        if not self.levels or not self.levels[0].neutral:
            raise ValueError(f"comparison {self.name!r}: level 0 must be the neutral missing level")
        if len(self.levels) > 127:
            raise ValueError(f"comparison {self.name!r}: too many levels for int8 codes")

    @cached_property
    def level_names(self) -> tuple[str, ...]:
        return tuple(lv.name for lv in self.levels)

    @property
    def neutral_codes(self) -> tuple[int, ...]:
        return tuple(i for i, lv in enumerate(self.levels) if lv.neutral)

    @property
    def evidence_codes(self) -> tuple[int, ...]:
        """Non-neutral codes in evidence order (strongest agreement first)."""
        return tuple(i for i, lv in enumerate(self.levels) if not lv.neutral)

    def code(self, level: str) -> int:
        try:
            return self.level_names.index(level)
        except ValueError:
            raise KeyError(f"comparison {self.name!r} has no level {level!r}; levels: "
                           f"{', '.join(self.level_names)}") from None

    def level(self, name: str) -> Level:
        return self.levels[self.code(name)]

    def evaluate(self, view: PairView, memo: dict | None = None) -> Outcome:
        """Level codes (and TF counts, chosen edges) for the pairs of `view`. `memo` (a dict local to
        one scoring call, keyed by the shared function) lets comparisons share one step."""
        if self.shared is not None:
            memo = {} if memo is None else memo
            if self.shared not in memo:
                memo[self.shared] = self.shared(view)
            out = self.compute(view, memo[self.shared])
        else:
            out = self.compute(view)
        if not isinstance(out, Outcome):
            out = Outcome(codes=out)
        codes = np.asarray(out.codes, dtype=np.int8)
        if codes.shape != (view.n,):
            raise ValueError(f"comparison {self.name!r} returned {codes.shape} codes for {view.n} pairs")
        return Outcome(codes=codes, tf=out.tf, edge=out.edge, crel=out.crel)

    def levels_of(self, view: PairView) -> np.ndarray:
        return self.evaluate(view).codes


class Registry:
    """An ordered, immutable set of comparisons (column order of `levels` / `weights`)."""

    def __init__(self, comparisons: Sequence[Comparison]):
        self._items = tuple(comparisons)
        names = [c.name for c in self._items]
        if len(set(names)) != len(names):
            raise ValueError(f"comparison names repeat: {names}")
        self._pos = {c.name: i for i, c in enumerate(self._items)}

    def __iter__(self) -> Iterator[Comparison]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, name: str) -> Comparison:
        try:
            return self._items[self._pos[name]]
        except KeyError:
            raise KeyError(f"no comparison named {name!r}; registered: {', '.join(self.names)}") from None

    def __contains__(self, name: str) -> bool:
        return name in self._pos

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self._items)

    def index(self, name: str) -> int:
        self[name]
        return self._pos[name]

    @property
    def relatives(self) -> tuple[Comparison, ...]:
        return tuple(c for c in self._items if c.relation is not None)

    def with_(self, *comparisons: Comparison) -> "Registry":
        """A new registry with these comparisons added (or replacing those of the same name)."""
        items = list(self._items)
        for c in comparisons:
            if c.name in self._pos:
                items[self._pos[c.name]] = c
            else:
                items.append(c)
        return Registry(items)

    def without(self, *names: str) -> "Registry":
        return Registry([c for c in self._items if c.name not in names])


def words(vi: str, en: str) -> dict[str, str]:
    """{"vi": vi, "en": en}: the two languages every label and template has."""
    return {"vi": vi, "en": en}
