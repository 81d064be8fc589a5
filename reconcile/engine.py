"""The scoring core: `Matcher(index, config)` turns claims into `ScoredPairs` (candidates from the
postings, comparison levels and weights from the model, the calibrated posterior with "none of
them"), and `Matcher.query(claim)` answers one claim dict in milliseconds.

Owns `EngineConfig`, `Matcher`, `ScoredPairs`, the array views the comparisons read (`ArrayPairView`,
`ArrayRelativeView`, docs/ENGINE_V3.md) and `query`. Two stages: every candidate is scored without
relatives; relatives are compared for every candidate of a claim whose stage-1 weight is at least the
`stage2_top`-th best (all ties included) and every candidate found through a relative; then, once
more, for every other candidate whose stage-1 weight plus the most its claimed relatives can add
(`Matcher.relative_gain_bound`) reaches the `stage2_exact`-th best weight so far, so the first
`stage2_exact` ranks are those of comparing relatives for every candidate. The others keep their
stage-1 weight and still compete in the posterior. Strings are touched only for similarities (once
per distinct code pair) and for the returned rows' display and evidence.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from reconcile.blocking.candidates import VIA_CODE, Blocker, CandidateConfig, candidates
from reconcile.comparisons.base import RELATIONS

if TYPE_CHECKING:
    from reconcile.leads.config import LeadsConfig

N_REL = len(RELATIONS)
_REL_FEATURES = ("fam_key", "giv", "giv_norm", "giv_key", "mid", "fold", "ntok", "sex_marker")


def _scorer(name: str):
    """The rapidfuzz similarity (0..1) a comparison asks for by name."""
    from rapidfuzz.distance import OSA, JaroWinkler, Levenshtein

    scorers = {"jw": JaroWinkler.normalized_similarity, "osa": OSA.normalized_similarity,
               "lev_norm": Levenshtein.normalized_similarity}
    if name not in scorers:
        raise ValueError(f"unknown similarity {name!r}; use one of {sorted(scorers)}")
    return scorers[name]


@dataclasses.dataclass(frozen=True)
class EngineConfig:
    """Everything the engine tunes, each default in one place."""

    candidates: CandidateConfig = CandidateConfig()
    stage2_top: int = 200                          # relatives compared down to this rank's weight, ties included
    stage2_exact: int = 10                         # ranks 1..this are exact: relatives also compared for every
                                                  # candidate that could still reach them (0: off)
    stage2_always: tuple[str, ...] = ("rel", "rel_giv")   # pairs found through a relative: always compared
    batch_size: int = 1000                        # claims scored at once
    absent_share: float | None = None             # overrides the model's prior share of absent claimants
    register_completeness: bool = True            # "no such relative recorded" weighed by this register's
                                                  # completeness (model.completeness), not a learned value
    leads: "LeadsConfig | None" = None            # leads' settings (reconcile.leads.config)


# ------------------------------------------------------------------------------------------------
# Views
# ------------------------------------------------------------------------------------------------

class VocabStrings:
    """A read-only sequence over a vocabulary and a batch's extension strings: `s[code]`."""

    __slots__ = ("vocab", "extra", "n")

    def __init__(self, vocab, extra: list[str]):
        self.vocab, self.extra, self.n = vocab, extra, len(vocab)

    def __len__(self) -> int:
        return self.n + len(self.extra)

    def __getitem__(self, code: int) -> str:
        code = int(code)
        if code < 0:
            code += len(self)
        if code < self.n:
            return self.vocab.item(code)
        return self.extra[code - self.n]


class ArrayRelativeView:
    """(pair, claimed relative, recorded relative of the same relation) triples (docs/ENGINE_V3.md)."""

    def __init__(self, cols: dict[str, np.ndarray], claimed: np.ndarray, nrec: np.ndarray):
        self.cols = cols
        self.claimed = claimed
        self.nrec = nrec
        self.n = int(cols["pair"].shape[0])

    def a(self, name: str) -> np.ndarray:
        return self.cols[name]


class ArrayPairView:
    """Pairs (claim position, pidx) over an index and a batch of `ClaimArrays`."""

    def __init__(self, matcher: "Matcher", ca, claim: np.ndarray, pidx: np.ndarray,
                 relatives: ArrayRelativeView | None = None):
        self.m = matcher
        self.ca = ca
        self.claim = claim
        self.pidx = pidx
        self.n = int(claim.shape[0])
        self.n_people = matcher.index.n_people
        self.relatives = relatives
        self._c: dict[str, np.ndarray] = {}
        self._p: dict[str, np.ndarray] = {}

    def c(self, name: str) -> np.ndarray:
        if name not in self._c:
            self._c[name] = self.ca.cols[name][self.claim]
        return self._c[name]

    def p(self, name: str) -> np.ndarray:
        if name not in self._p:
            self._p[name] = np.asarray(self.m.index.arrays.cols[name][self.pidx])
        return self._p[name]

    def strings(self, vocab: str) -> "VocabStrings":
        """Register vocabulary + this batch's extension, read item by item (nothing copied)."""
        return VocabStrings(self.m.index.vocabs[vocab], self.ca.extra.get(vocab, []))

    def _take(self, vocab: str, codes: np.ndarray) -> list[str]:
        v = self.m.index.vocabs[vocab]
        n = len(v)
        extra = self.ca.extra.get(vocab, [])
        reg = v.take(np.where(codes < n, codes, -1))
        return [(s if s is not None else (extra[c - n] if c >= n else "")) for s, c in zip(reg, codes)]

    def sim(self, vocab: str, a: np.ndarray, b: np.ndarray, scorer: str = "jw") -> np.ndarray:
        a = np.asarray(a, dtype=np.int64)
        b = np.asarray(b, dtype=np.int64)
        out = np.zeros(a.shape[0], dtype=np.float32)
        ok = (a >= 0) & (b >= 0)
        if not ok.any():
            return out
        key = (a[ok] << 32) | b[ok]
        uniq, inv = np.unique(key, return_inverse=True)
        ua, ub = uniq >> 32, uniq & 0xFFFFFFFF
        codes = np.unique(np.concatenate([ua, ub]))
        strs = dict(zip(codes.tolist(), self._take(vocab, codes)))
        fn = _scorer(scorer)
        vals = np.fromiter((fn(strs[x], strs[y]) for x, y in zip(ua.tolist(), ub.tolist())),
                           dtype=np.float32, count=uniq.shape[0])
        out[ok] = vals[inv]
        return out

    def tf(self, vocab: str, codes: np.ndarray) -> np.ndarray:
        codes = np.asarray(codes, dtype=np.int64)
        a = self.m.index.arrays
        t = a.rel.names["tf"] if vocab == "rel_name" else a.tf[vocab]
        ok = (codes >= 0) & (codes < t.shape[0])
        out = np.zeros(codes.shape[0], dtype=np.float64)
        out[ok] = t[codes[ok]]
        return out


# ------------------------------------------------------------------------------------------------
# Scored pairs
# ------------------------------------------------------------------------------------------------

OUTPUT_SCHEMA = {
    "claim_id": pl.Utf8, "rank": pl.UInt32, "person_id": pl.Utf8, "probability": pl.Float64,
    "weight": pl.Float64, "evidence": pl.Utf8,
    "evidence_detail": pl.List(pl.Struct({"field": pl.Utf8, "level": pl.Utf8, "weight": pl.Float64,
                                          "text": pl.Utf8, "claimed": pl.Utf8, "recorded": pl.Utf8,
                                          "recorded_person_id": pl.Utf8})),
    "full_name": pl.Utf8, "birth_year": pl.Int32, "household_id": pl.Utf8, "p_none": pl.Float64,
}


@dataclasses.dataclass
class ScoredPairs:
    """Every candidate pair of a batch of claims, scored (docs/ENGINE_V3.md)."""

    claims: object
    claim: np.ndarray
    pidx: np.ndarray
    via: np.ndarray
    levels: np.ndarray
    weights: np.ndarray
    weight: np.ndarray
    probability: np.ndarray
    p_none: np.ndarray
    chosen_edge: np.ndarray      # int64 [n, 5] recorded relative the model paired (CSR edge), -1
    chosen_crel: np.ndarray      # int64 [n, 5] the claimed relative it was paired with, -1
    registry: object

    @property
    def n(self) -> int:
        return int(self.claim.shape[0])

    def top(self, k: int) -> np.ndarray:
        """Pair indexes of each claim's `k` best (probability, weight, then pidx), claims in order."""
        c, p = self.claim, self.pidx
        if c.size and bool(np.all((c[1:] > c[:-1]) | ((c[1:] == c[:-1]) & (p[1:] > p[:-1])))):
            # sorted by (claim, pidx), as the engine makes them: a stable sort of each claim's
            # block by (probability, weight) keeps pidx order among ties; one small sort per claim
            # instead of one four-key sort of every pair
            start = np.r_[0, np.flatnonzero(c[1:] != c[:-1]) + 1]
            stop = np.r_[start[1:], c.size]
            nw, npb = -self.weight, -self.probability
            return np.concatenate([np.lexsort((nw[a:b], npb[a:b]))[:k] + a
                                   for a, b in zip(start.tolist(), stop.tolist())])
        order = np.lexsort((self.pidx, -self.weight, -self.probability, self.claim))
        c = self.claim[order]
        start = np.r_[0, np.flatnonzero(c[1:] != c[:-1]) + 1] if c.size else np.zeros(0, np.int64)
        rank = np.arange(c.size) - np.repeat(start, np.diff(np.r_[start, c.size]))
        return order[rank < k]


DETAIL_NESTED_MAX = 100     # up to this many rows the words are converted row by row (no query)


def _rank_of(claim: np.ndarray) -> np.ndarray:
    start = np.r_[0, np.flatnonzero(claim[1:] != claim[:-1]) + 1] if claim.size else np.zeros(0, np.int64)
    return (np.arange(claim.size) - np.repeat(start, np.diff(np.r_[start, claim.size])) + 1)


# ------------------------------------------------------------------------------------------------
# Matcher
# ------------------------------------------------------------------------------------------------

class Matcher:
    """Scores claims against one index with one model and one config."""

    def __init__(self, index, config: EngineConfig | None = None, params=None):
        from reconcile.comparisons import default_registry
        from reconcile.model import default_params

        self.index = index
        self.config = config or EngineConfig()
        self.registry = default_registry()
        self.params = params if params is not None else _index_params(index) or default_params(self.registry)
        if self.config.absent_share is not None:
            self.params = dataclasses.replace(self.params, prior=dataclasses.replace(
                self.params.prior, absent_share=self.config.absent_share))
        if self.config.register_completeness:
            from reconcile.model import completeness

            self.params = completeness.apply(self.params, index.relative_completeness)
        self.blocker = Blocker(index, self.config.candidates)
        self._explainer = None                  # the output's Explainer (see `frame`)

    # -- relatives --------------------------------------------------------------------------------
    def _relative_view(self, ca, claim: np.ndarray, pidx: np.ndarray) -> ArrayRelativeView:
        rel = self.index.arrays.rel
        cr = ca.crel
        n = claim.shape[0]
        crel_rel = cr["relation"]
        claimed_claim = np.zeros((ca.n, N_REL), dtype=bool)
        c_owner = np.repeat(np.arange(ca.n), np.diff(cr["offsets"]))
        ok = crel_rel < N_REL
        claimed_claim[c_owner[ok], crel_rel[ok]] = True
        claimed = claimed_claim[claim]
        edges, owner = rel.of(pidx)
        er = np.asarray(rel.relation[edges])
        m = er < N_REL
        nrec = np.bincount(owner[m].astype(np.int64) * N_REL + er[m], minlength=n * N_REL
                           ).astype(np.int32).reshape(n, N_REL)
        # (pair, claimed relative) then × recorded edges of the same relation
        c_lo, c_hi = cr["offsets"][claim], cr["offsets"][claim + 1]
        cnt = c_hi - c_lo
        pc_pair = np.repeat(np.arange(n, dtype=np.int64), cnt)
        pc_crel = np.repeat(c_lo - np.cumsum(cnt) + cnt, cnt) + np.arange(int(cnt.sum()))
        keep = crel_rel[pc_crel] < N_REL
        pc_pair, pc_crel = pc_pair[keep], pc_crel[keep]
        e_lo = rel.offsets[pidx[pc_pair]]
        e_cnt = rel.offsets[pidx[pc_pair] + 1] - e_lo
        t_pair = np.repeat(pc_pair, e_cnt)
        t_crel = np.repeat(pc_crel, e_cnt)
        t_edge = np.repeat(e_lo - np.cumsum(e_cnt) + e_cnt, e_cnt) + np.arange(int(e_cnt.sum()))
        same = np.asarray(rel.relation[t_edge]) == crel_rel[t_crel]
        t_pair, t_crel, t_edge = t_pair[same], t_crel[same], t_edge[same]
        rname = np.asarray(rel.name[t_edge])
        rn = rel.names
        cols = {"pair": t_pair.astype(np.int32), "crel": t_crel.astype(np.int32), "edge": t_edge,
                "relation": crel_rel[t_crel], "c_name": cr["name"][t_crel], "r_name": rname,
                "c_by": cr["by"][t_crel], "r_by": np.asarray(rel.by[t_edge]),
                "r_pidx": np.asarray(rel.pidx[t_edge])}
        safe = np.maximum(rname, 0)
        for f in _REL_FEATURES:
            cols[f"c_{f}"] = cr[f][t_crel]
            cols[f"r_{f}"] = np.where(rname >= 0, np.asarray(rn[f])[safe], -1 if f not in ("ntok", "sex_marker") else 0)
        # second order: a registered sibling whose recorded parents differ from the candidate's
        differ = np.zeros(t_pair.shape[0], dtype=np.int8)
        sib = np.flatnonzero((cols["relation"] == RELATIONS.index("sibling")) & (cols["r_pidx"] >= 0))
        if sib.size:
            fa, mo = rel.father, rel.mother
            cand = pidx[t_pair[sib]]
            other = cols["r_pidx"][sib].astype(np.int64)
            d = (((fa[cand] != -1) & (fa[other] != -1) & (fa[cand] != fa[other]))
                 | ((mo[cand] != -1) & (mo[other] != -1) & (mo[cand] != mo[other])))
            differ[sib] = d.astype(np.int8)
        cols["r_parents_differ"] = differ
        return ArrayRelativeView(cols, claimed, nrec)

    # -- scoring ----------------------------------------------------------------------------------
    def _stage_registries(self):
        """(stage-1 registry, stage-2 registry, rows): stage 1 is the registry whose non-relative
        comparisons also record their outcome for every pair; in stage 2 they return the recorded
        outcome of the pair rows appended to `rows` (they do not read relatives), so only the
        relative comparisons are computed again. Same levels, TF counts and dependence rules."""
        from reconcile.comparisons.base import Outcome, Registry

        store: dict[str, Outcome] = {}
        rows: list[np.ndarray] = []

        def record(c):
            def compute(view):
                store[c.name] = out = c.evaluate(view)
                return out
            return compute

        def replay(c):
            def compute(view):
                o, r = store[c.name], rows[-1]
                return Outcome(codes=o.codes[r], tf=None if o.tf is None else np.asarray(o.tf)[r],
                               edge=None if o.edge is None else np.asarray(o.edge)[r],
                               crel=None if o.crel is None else np.asarray(o.crel)[r])
            return compute

        one, two = [], []
        for c in self.registry:
            if c.relation is not None:
                two.append(c)
                if not self._stage1_relatives_silent():
                    one.append(c)
            else:
                one.append(dataclasses.replace(c, compute=record(c), shared=None))
                two.append(dataclasses.replace(c, compute=replay(c), shared=None))
        return Registry(one), Registry(two), rows

    def _stage1_relatives_silent(self) -> bool:
        """True when every relative comparison's stage-1 level ("not_claimed", relatives not
        compared yet) is neutral: then stage 1 leaves them out (their weights would be 0 and the
        relatives' dependence rule a no-op) and fills that level in."""
        return all("not_claimed" in c.level_names and c.level("not_claimed").neutral
                   for c in self.registry.relatives)

    def _score_stage1(self, view, registry, levels, weights, chosen, crel) -> None:
        """Stage-1 scores into the full-width arrays (relative columns: "not_claimed", 0, -1)."""
        from reconcile.model import score

        out = score(view, self.params, registry)
        if len(registry) == len(self.registry):
            levels[:], weights[:], chosen[:], crel[:] = out
            return
        cols = [self.registry.index(name) for name in registry.names]
        levels[:, cols] = out.levels
        weights[:, cols] = out.weights
        for c in self.registry.relatives:
            j = self.registry.index(c.name)
            levels[:, j] = c.code("not_claimed")
            weights[:, j] = 0.0

    def score_arrays(self, ca) -> ScoredPairs:
        """Score every candidate of already encoded claims (`features.ClaimArrays`)."""
        from reconcile.model import posterior, score

        cs = candidates(ca, self.index, self.config.candidates, self.blocker)
        claim, pidx, via = cs.claim.astype(np.int64), cs.pidx.astype(np.int64), cs.via
        n_rel = len(RELATIONS)
        k = len(self.registry)
        levels = np.zeros((claim.size, k), dtype=np.int8)
        weights = np.zeros((claim.size, k), dtype=np.float32)
        chosen = np.full((claim.size, n_rel), -1, dtype=np.int64)
        crel = np.full((claim.size, n_rel), -1, dtype=np.int64)
        has_rel = np.diff(ca.crel["offsets"]) > 0
        # a claim naming relatives with at most `stage2_top` candidates has all of them compared
        # anyway: score those pairs once, with relatives; the others in two stages
        small = has_rel & (np.bincount(claim, minlength=ca.n) <= self.config.stage2_top)
        direct = small[claim]
        first = np.flatnonzero(~direct)
        sel = np.flatnonzero(direct)
        # stage 1 scores every pair without relatives and keeps the non-relative comparisons'
        # outcomes; stage 2 computes only the relative comparisons and replays the rest
        stage1, stage2, replay_rows = self._stage_registries()
        if claim.size:
            self._score_stage1(ArrayPairView(self, ca, claim, pidx), stage1, levels, weights, chosen, crel)
        total = weights.sum(axis=1, dtype=np.float64)
        if first.size and has_rel.any():
            mark = direct.copy()                 # union of the two (sorted, no sort needed)
            mark[first[self._stage2(claim[first], via[first], total[first], has_rel)]] = True
            sel = np.flatnonzero(mark)
        if sel.size:
            self._score_stage2(ca, claim, pidx, sel, stage2, replay_rows, levels, weights, chosen, crel, total)
            extra = self._stage2_reach(ca, claim, sel, total, has_rel)
            if extra.size:
                self._score_stage2(ca, claim, pidx, extra, stage2, replay_rows, levels, weights, chosen,
                                   crel, total)
        prob, p_none = posterior(total, claim, ca.n, self.index.n_people, self.params)
        return ScoredPairs(claims=ca, claim=claim, pidx=pidx, via=via, levels=levels, weights=weights,
                           weight=total, probability=prob, p_none=p_none, chosen_edge=chosen,
                           chosen_crel=crel, registry=self.registry)

    def _score_stage2(self, ca, claim, pidx, sel, stage2, replay_rows, levels, weights, chosen, crel,
                      total) -> None:
        """Relatives compared for pair rows `sel` (the other comparisons replayed), in place."""
        from reconcile.model import score

        replay_rows.append(sel)
        rv = self._relative_view(ca, claim[sel], pidx[sel])
        v2 = ArrayPairView(self, ca, claim[sel], pidx[sel], rv)
        levels[sel], weights[sel], chosen[sel], crel[sel] = score(v2, self.params, stage2)
        total[sel] = weights[sel].sum(axis=1, dtype=np.float64)

    def relative_gain_bound(self, ca) -> np.ndarray:
        """Per claim of `ca`: the most (bits) comparing its claimed relatives can add to a pair's
        stage-1 weight, by the model's relative rules (`model.score._relatives_dependence`): each
        relative's weight is at most its best level's (plus the largest term-frequency bonus),
        capped at `dependence.relatives_max_weight`; within each family group the best counts
        whole and the others at `relatives_extra_factor`; then each comparison's calibration scale.
        Relatives the claim does not name add nothing ("not_claimed" is neutral)."""
        p = self.params
        dep, tfp, scales = p.dependence, p.tf, p.calibration.scales
        rels = self.registry.relatives
        top = np.zeros(len(rels))
        for j, c in enumerate(rels):
            w = float(np.max(p.level_weights(c)))
            if tfp.enabled and tfp.relatives and any(lv.tf == "exact" for lv in c.levels):
                w += tfp.max_bonus
            if dep.relatives_max_weight is not None:
                w = min(w, dep.relatives_max_weight)
            top[j] = max(w, 0.0) * max(float(scales.get(c.name, 1.0)), 0.0)
        cr = ca.crel
        off = np.asarray(cr["offsets"], dtype=np.int64)
        owner = np.repeat(np.arange(ca.n), np.diff(off))
        rel = np.asarray(cr["relation"], dtype=np.int64)
        named = np.zeros((ca.n, N_REL + 1), dtype=bool)
        named[owner, np.minimum(rel, N_REL)] = True
        col = np.array([RELATIONS.index(c.relation) for c in rels], dtype=np.int64)
        m = np.where(named[:, col], top[None, :], 0.0)          # [claims, relative comparisons]
        names = [c.name for c in rels]
        groups = [[names.index(x) for x in g if x in names] for g in dep.relatives_groups]
        grouped = {i for g in groups for i in g}
        groups += [[i] for i in range(len(names)) if i not in grouped]
        f = float(dep.relatives_extra_factor)
        out = np.zeros(ca.n)
        for g in groups:
            if g:
                s, best = m[:, g].sum(axis=1), m[:, g].max(axis=1)
                out += f * s + max(1.0 - f, 0.0) * best if f <= 1.0 else f * s
        return out

    def _stage2_reach(self, ca, claim: np.ndarray, done: np.ndarray, total: np.ndarray,
                      has_rel: np.ndarray) -> np.ndarray:
        """Pair rows not compared yet (`done`: compared) whose stage-1 weight plus the claim's
        `relative_gain_bound` reaches the claim's `stage2_exact`-th best weight among the compared
        pairs: every candidate that could still enter those ranks. Sorted pair rows."""
        k = self.config.stage2_exact
        if k <= 0 or not done.size:
            return np.zeros(0, dtype=np.int64)
        c = claim[done]
        order = np.lexsort((-total[done], c))
        rank = _rank_of(c[order])
        kth = np.full(ca.n, -np.inf)           # fewer than k compared: every candidate is in reach
        at_k = order[rank == k]
        kth[c[at_k]] = total[done][at_k]
        mark = np.zeros(claim.size, dtype=bool)
        mark[done] = True
        rest = np.flatnonzero(~mark & has_rel[claim])
        if not rest.size:
            return rest
        bound = self.relative_gain_bound(ca)
        return rest[total[rest] + bound[claim[rest]] >= kth[claim[rest]]]

    def _stage2(self, claim: np.ndarray, via: np.ndarray, total: np.ndarray, has_rel: np.ndarray) -> np.ndarray:
        """Pairs whose relatives are compared: weight ≥ the claim's `stage2_top`-th best (ties
        included), or found through a relative; only claims naming relatives."""
        k = self.config.stage2_top
        order = np.lexsort((-total, claim))
        rank = _rank_of(claim[order])
        kth = np.full(has_rel.shape[0], -np.inf)
        at_k = order[rank == k]
        kth[claim[at_k]] = total[at_k]
        always = np.isin(via, [VIA_CODE[v] for v in self.config.stage2_always])
        return np.flatnonzero(has_rel[claim] & ((total >= kth[claim]) | always))

    def score_dicts(self, claims: list[dict]) -> ScoredPairs:
        """Score a few claim dicts in one call with the scalar encoding (no polars query)."""
        from reconcile.features import encode_claim_dicts

        return self.score_arrays(encode_claim_dicts(claims, self.index))

    def score(self, claims) -> ScoredPairs:
        """Encode (batch) and score claims: frame, path or list of dicts."""
        from reconcile.features import encode_claims

        return self.score_arrays(encode_claims(claims, self.index))

    # -- output -----------------------------------------------------------------------------------
    DISPLAY_USED = ("person_id", "full_name", "household_id", "hometown", "residence", "sex", "ethnicity")

    def frame(self, sp: ScoredPairs, rows: np.ndarray, lang: str = "vi") -> pl.DataFrame:
        """`match()` columns for the given pair rows (in that order)."""
        from reconcile.explain import Explainer
        from reconcile.index.arrays import birth_years

        if rows.size == 0:
            return pl.DataFrame(schema=OUTPUT_SCHEMA)
        display = self.index.display
        pidx = sp.pidx[rows]
        # the returned people's display strings as lists, gathered by position (no frame)
        disp = {c: display.cols[c].take(pidx) for c in self.DISPLAY_USED}
        if rows.size <= DETAIL_NESTED_MAX:
            disp["birth_year"] = [int(y) or None for y in np.asarray(display.years[pidx], dtype=np.int32).tolist()]
            years = pl.Series("birth_year", disp["birth_year"], dtype=pl.Int32)
        else:
            years = birth_years(display.years[pidx])
            disp["birth_year"] = years.to_list()
        values = self._values(sp, rows, disp)
        # one Explainer kept for the last language asked: it holds each level's template plan (a
        # few hundred entries at most); the words of rows are not kept between calls
        ex = self._explainer
        if ex is None or ex.lang != lang:
            ex = self._explainer = Explainer(self.registry, lang)
        if rows.size <= DETAIL_NESTED_MAX:      # a few rows (one claim): no polars query
            texts, details = ex.nested(sp.levels[rows], sp.weights[rows], values)
            evidence = pl.Series("evidence", texts, dtype=pl.Utf8)
        else:
            words = ex.frame(sp.levels[rows], sp.weights[rows], values)
            evidence, details = words.get_column("evidence"), words.get_column("evidence_detail")
        claim = sp.claim[rows]
        cid = sp.claims.claim_id
        # Series of the schema's types, in its order (a cast of the frame would plan a query)
        return pl.DataFrame([
            pl.Series("claim_id", [cid[c] for c in claim.tolist()], dtype=pl.Utf8),
            pl.Series("rank", _rank_of(claim).astype(np.uint32)),
            pl.Series("person_id", disp["person_id"], dtype=pl.Utf8),
            pl.Series("probability", sp.probability[rows], dtype=pl.Float64),
            pl.Series("weight", sp.weight[rows], dtype=pl.Float64),
            evidence.alias("evidence"), details.alias("evidence_detail"),
            pl.Series("full_name", disp["full_name"], dtype=pl.Utf8),
            years,
            pl.Series("household_id", disp["household_id"], dtype=pl.Utf8),
            pl.Series("p_none", sp.p_none[claim], dtype=pl.Float64)])

    def _values(self, sp: ScoredPairs, rows: np.ndarray, disp: dict[str, list]) -> dict[str, dict[str, list]]:
        """Placeholders of the evidence words of the returned rows, as columns:
        `{comparison: {key: list over rows}}`. `disp`: the returned people's display values
        (`DISPLAY_USED` and `birth_year`, lists over the rows). Claim-side text is split once per
        claim; relatives' strings are gathered once for all relations."""
        idx, ca = self.index, sp.claims
        a, rel = idx.arrays, idx.arrays.rel
        d = disp
        cd = ca.display
        claim = sp.claim[rows]
        cl = claim.tolist()
        pidx = sp.pidx[rows]
        off = ca.crel["offsets"]
        crel_rel = np.asarray(ca.crel["relation"])
        names = cd["crel_name"]
        kin_entry = ca.kin_entry
        # claim side: once per claim of the batch, then gathered
        parts = {}
        kin: dict[int, str | None] = {}
        first: dict[int, list] = {}         # per claim: the first claimed name of each relation
        bounds: dict[int, tuple[int, int]] = {}
        for c in dict.fromkeys(cl):
            ct = (cd["name"][c] or "").split()
            parts[c] = (ct[0] if ct else None, " ".join(ct[1:-1]) or None, ct[-1] if ct else None)
            lo, hi = int(off[c]), int(off[c + 1])
            bounds[c] = (lo, hi)
            rels = crel_rel[lo:hi].tolist()
            fr: list = [None] * N_REL
            for x in range(len(rels) - 1, -1, -1):
                if 0 <= rels[x] < N_REL:
                    fr[rels[x]] = names[lo + x]
            first[c] = fr
            # the surname a claim without one takes from its father (else a sibling), as written:
            # the entry the comparison read (`ClaimArrays.kin_entry`)
            e = int(kin_entry[c])
            kin[c] = ((names[e] or "").split() or [None])[0] if e >= 0 else None
        pt = [(n or "").split() for n in d["full_name"]]

        def year(col):
            v = ca.cols[col][claim].astype(np.int64)
            return [int(x) or None for x in v.tolist()]

        def counts(key):
            code = np.asarray(a[key][pidx]).astype(np.int64)
            n = np.asarray(a.tf[key])[np.maximum(code, 0)].astype(np.int64)
            return [int(x) if k >= 0 else None for x, k in zip(n.tolist(), code.tolist())]

        def claim_col(name):
            col = cd[name]
            return [col[c] for c in cl]

        by = d["birth_year"]
        out = {"fam": {"c": [parts[c][0] for c in cl], "p": [t[0] if t else None for t in pt],
                       "n": counts("fam_key")},
               "mid": {"c": [parts[c][1] for c in cl], "p": [" ".join(t[1:-1]) or None for t in pt]},
               "giv": {"c": [parts[c][2] for c in cl], "p": [t[-1] if t else None for t in pt],
                       "n": counts("giv_key")},
               "by": {"p": by, "lo": year("by_lo"), "hi": year("by_hi"), "best": year("by_best")},
               "dob": {"c": claim_col("birth_date"), "p": by},
               "zod": {"c": claim_col("zodiac"), "p": by},
               "sex": {"c": claim_col("sex"), "p": d["sex"]},
               "eth": {"c": claim_col("ethnicity"), "p": d["ethnicity"]},
               "home": {"c": claim_col("claimed_hometown"), "p": d["hometown"]},
               "res": {"c": claim_col("residence"), "p": d["residence"]},
               "stage": {"p": by}}
        out["kin_fam"] = {"c": [kin[c] for c in cl], "p": out["fam"]["p"], "n": out["fam"]["n"]}
        # relatives: the claimed one the model paired (else the first of that relation), the
        # recorded one it chose and that person's id; strings gathered once for all relations
        e_all = sp.chosen_edge[rows, :N_REL]
        k_all = sp.chosen_crel[rows, :N_REL].tolist()
        n = len(cl)
        rec: list = [None] * (n * N_REL)
        rp: list = [None] * (n * N_REL)
        flat = e_all.ravel()
        has = np.flatnonzero(flat >= 0)
        if has.size:
            eh = flat[has]
            for i, s_ in zip(has.tolist(), idx.vocabs["rel_name"].take(np.asarray(rel.name[eh]).astype(np.int64))):
                rec[i] = s_
            q = np.asarray(rel.pidx[eh]).astype(np.int64)
            reg = q >= 0
            if reg.any():
                for i, s_ in zip(has[reg].tolist(), idx.display.cols["person_id"].take(q[reg])):
                    rp[i] = s_
        for j, rname in enumerate(RELATIONS):
            claimed = []
            for r, c in enumerate(cl):
                kk = k_all[r][j]
                lo, hi = bounds[c]
                claimed.append(names[kk] if lo <= kk < hi else first[c][j])
            out[rname] = {"c": claimed, "p": rec[j::N_REL], "recorded_person_id": rp[j::N_REL]}
        return out

    def query(self, claim: dict, top_k: int = 10, lang: str = "vi") -> pl.DataFrame:
        """`match()` columns for one claim dict (scalar encoding, no polars query before the output).
        A claim typed at the desk needs no id: without `claim_id` it is answered as `QUERY_ID`."""
        from reconcile.features import encode_claim

        if top_k < 1:
            raise ValueError(f"top_k must be at least 1 (got {top_k})")
        if isinstance(claim, dict) and "claim_id" not in claim:
            claim = {**claim, "claim_id": QUERY_ID}
        sp = self.score_arrays(encode_claim(claim, self.index))
        return self.frame(sp, sp.top(top_k), lang)


QUERY_ID = "query"   # claim_id of a one-claim query given without one (SPEC §3's example has none)


def _index_params(index):
    """The index's trained model (format 3) when it has one, else None."""
    from reconcile.model import Params

    p = getattr(index, "params", None) or {}
    if p.get("format") == "reconcile-model":
        return Params.from_dict(p, where="the index model.json")
    return None


def query(claim: dict, index, top_k: int = 10, lang: str = "vi", *, config: EngineConfig | None = None
          ) -> pl.DataFrame:
    """Ranked candidates for one claim given as a dict (same columns as `match`)."""
    return Matcher(index, config).query(claim, top_k=top_k, lang=lang)
