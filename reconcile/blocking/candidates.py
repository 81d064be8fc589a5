"""Candidate (claim, person) pairs from the postings of several keys, bounded per block.

Keys (`via`, in priority order): `fam_giv` surname/clan key + phonetic given name (the name, its
aliases, and the first and last token swapped); `clan_rel` for a name without surname ("Thị Mỷ",
"A Páo"), the clan its claimed father, siblings and (unless she is a woman) children bear + its
given name (`claim_clans`); `giv_rel` the claimant's given name with a claimed
relative's (relation + both given-name keys); `name_key` phonetic key of the whole name; `addr`
address form ("a pao", "van hung"); `rel` a claimed relative (relation + clan key + given-name key)
against the relatives the register records; `rel_giv` (off by default) the same on the relative's
given name only; `giv` phonetic given-name key of any token of the claim's names — only for claims
whose surname + given name found no block (names without surname: "A Páo", "Páo", teknonyms);
`giv_fuzzy` a token of 3+ letters that is no name part of the register (a typo) against given names
within `fuzzy_max_edits` edits counting a transposition as one (optimal string alignment: Lna/Lan),
read only inside a birth-year window; `fam_near` the given names borne with the claim's surname one
edit (OSA) from its given name as written, even when the typo is itself a name (Hưng for Hương;
Puhc, Sa for Say), and for a surname the register does not know, the surnames one edit away with
the same given name (Vàgn), all such blocks bounded together by `near_cap`;
`clan_year` (off by default) the clan key inside the birth-year window; `dob` the full date of
birth (year, month and day all known on both sides), for names swapped, missing or misspelt;
`en_pair` / `en_tok` English phonetic keys of foreign names only (`reconcile.blocking.english`:
both names in either order; one name). A claim with no name of
its own (a teknonym written as the name: "bố Páo") also uses `rel_giv`, ranked when it gives no
birth year (not dropped). A two-token name is also looked up as an address form ("Xuân Dào" may be
middle + given name without the surname).

Bounds (`CandidateConfig`): a block larger than its key's cap is read only inside the claim's
birth-year window (± `year_slack`; people of unknown year stay in reach), narrowed to the best
estimate ± slack when far too big; still over the cap, the people kept share places with the claim,
its sex, zodiac and surname/clan (its own or, without one, its relatives'), then the nearest years,
ties by a fixed hash. Without a usable year, blocks up to
`rank_limit` are ranked the same way, larger ones give a fixed hash sample. A claim's union is cut
to `max_pairs_per_claim` (found by more keys first, then key priority, then nearest year).
Same input, same output: pairs sorted by (claim, pidx).
"""

from __future__ import annotations

import dataclasses
import time
from functools import lru_cache

import numpy as np

from reconcile.blocking.english import is_foreign
from reconcile.blocking.english import name_keys as english_keys
from reconcile.blocking.postings import pack2, pack_dob, pack_giv_rel, pack_rel
from reconcile.index.arrays import RELATION_CODE, SEX_CODE

KEY_PRIORITY = ("fam_giv", "clan_rel", "giv_rel", "name_key", "addr", "rel", "rel_giv", "giv", "giv_fuzzy",
                "fam_near", "clan_year", "dob", "en_pair", "en_tok")
VIA_CODE = {v: i for i, v in enumerate(KEY_PRIORITY)}
ALWAYS_YEAR = frozenset({"clan_year", "rel_giv", "giv_fuzzy"})
# posting kind each key reads
_POSTING = {"fam_giv": "fam_giv", "clan_rel": "fam_giv", "fam_near": "fam_tok", "giv_rel": "giv_rel", "name_key": "name_key", "addr": "addr",
            "rel": "rel", "rel_giv": "rel_giv", "giv": "giv", "giv_fuzzy": "giv_tok",
            "clan_year": "clan", "dob": "dob", "en_pair": "en_pair", "en_tok": "en_tok"}


@dataclasses.dataclass(frozen=True)
class CandidateConfig:
    # clan_year and rel_giv are available but off by default: on the 200k synthetic register they
    # added ~1M pairs for 1 true person in 1,800 not found by another key
    keys: tuple[str, ...] = tuple(k for k in KEY_PRIORITY if k not in ("clan_year", "rel_giv"))
    block_cap: int = 300            # people one key block may contribute to one claim
    key_caps: tuple[tuple[str, int], ...] = (("fam_giv", 1000), ("clan_rel", 500), ("fam_near", 50),
                                             ("giv_rel", 500), ("name_key", 500),
                                             ("addr", 200), ("dob", 100),
                                             ("en_pair", 100), ("en_tok", 100))
    year_slack: int = 2             # years added on each side of the claim's birth interval
    max_year_span: int = 40         # wider claimed intervals count as "year unknown"
    max_pairs_per_claim: int = 2000
    register_years: int = 80        # rough spread of birth years in a register (for block estimates)
    narrow_factor: int = 4          # windows expected above narrow_factor × cap: best year ± slack
    skip_factor: int = 8            # clan_year/rel_giv blocks expected > skip_factor × cap are skipped
    rank_limit: int = 20_000        # no-year blocks up to this size are ranked by place/sex, not sampled
    fuzzy_max_edits: int = 1        # giv_fuzzy: OSA distance (a transposition is one edit)
    fuzzy_min_letters: int = 3      # giv_fuzzy: tokens shorter than this are not corrected
    near_min_letters: int = 2       # fam_near: given names (folded) shorter than this are not corrected
    near_cap: int = 60              # fam_near: people all its blocks together may contribute to one claim
    # rank cut: points for sharing the residence commune, district, hometown district, today's
    # hometown province, sex, a fitting zodiac, the surname/clan (the claim's own, or for a claim
    # without one, its father's, siblings' and a man's children's), and the given name's key
    rank_points: tuple[int, ...] = (2, 1, 2, 1, 1, 3, 3, 4)

    def cap(self, via: str) -> int:
        return dict(self.key_caps).get(via, self.block_cap)


@dataclasses.dataclass
class CandidateStats:
    n_claims: int
    n_pairs: int
    per_claim_mean: float
    per_claim_p50: float
    per_claim_p99: float
    per_claim_max: int
    claims_without_candidates: int
    capped_blocks: int              # (claim, key) blocks where the per-block bound cut people
    capped_claims: int              # claims cut to max_pairs_per_claim
    dropped_blocks: int             # clan_year/rel_giv/giv_fuzzy blocks skipped: no year, or too big
    pairs_by_via: dict
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclasses.dataclass
class CandidateSet:
    """Pairs sorted by (claim, pidx): `claim` int32, `pidx` int32, `via` int8 (`VIA_CODE` of the
    highest-priority key that found it), `n_keys` uint8; and the stats."""

    claim: np.ndarray
    pidx: np.ndarray
    via: np.ndarray
    n_keys: np.ndarray
    stats: CandidateStats

    @property
    def n(self) -> int:
        return int(self.claim.shape[0])


class _Counts:
    """Bounds that cut in while generating one batch's candidates."""

    def __init__(self) -> None:
        self.capped = self.dropped = self.capped_claims = 0


def _hash(pidx: np.ndarray, salt: np.uint64) -> np.ndarray:
    x = pidx.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15) ^ salt
    x ^= x >> np.uint64(31)
    return x * np.uint64(0xBF58476D1CE4E5B9)


class _Claim:
    """Everything the keys and bounds of one claim need (scalars and small arrays)."""

    def __init__(self, ca, i: int, config: CandidateConfig):
        c = ca.cols
        self.lo, self.hi, self.best = int(c["by_lo"][i]), int(c["by_hi"][i]), int(c["by_best"][i])
        self.has_year = self.lo > 0 and self.hi > 0 and self.hi - self.lo <= config.max_year_span
        self.sex = int(c["sex"][i])
        zod = int(c["zod"][i])
        self.zbit = (1 << zod) if zod >= 0 else 0
        self.res_c, self.res_d = int(c["res_commune"][i]), int(c["res_district"][i])
        self.home_d, self.home_now = int(c["home_district"][i]), int(c["home_now"][i])
        self.nameless = int(c["fold"][i]) < 0 and int(ca.alias["offsets"][i + 1]) == int(ca.alias["offsets"][i])
        self.clans = claim_clans(ca, i)
        al = ca.alias
        g = [int(c["giv_key"][i])] + [int(x) for x in al["giv_key"][int(al["offsets"][i]):int(al["offsets"][i + 1])]]
        self.givs = np.unique(np.array([x for x in g if x >= 0], dtype=np.int64))


_CLAN_SHARED = (RELATION_CODE["father"], RELATION_CODE["sibling"])


def claim_clans(ca, i: int) -> np.ndarray:
    """Surname/clan key codes the claimant most likely bears: the name's own, else (a name without
    surname, a teknonym) those of the claimed father and siblings, and of the children unless the
    claimant is a woman (children bear the father's clan). Sorted, distinct, maybe empty."""
    own = int(ca.cols["fam_key"][i])
    if own >= 0:
        return np.array([own], dtype=np.int64)
    cr = ca.crel
    r0, r1 = int(cr["offsets"][i]), int(cr["offsets"][i + 1])
    rel = np.asarray(cr["relation"][r0:r1], dtype=np.int64)
    fk = np.asarray(cr["fam_key"][r0:r1], dtype=np.int64)
    ok = np.isin(rel, _CLAN_SHARED)
    if int(ca.cols["sex"][i]) != SEX_CODE["F"]:
        ok |= rel == RELATION_CODE["child"]
    return np.unique(fk[ok & (fk >= 0)])


def _rank(pidx: np.ndarray, years: np.ndarray, cl: _Claim, a, config: CandidateConfig, salt) -> np.ndarray:
    """Order of `pidx` by the rank cut (best first)."""
    pts = config.rank_points
    score = np.zeros(pidx.size, dtype=np.int32)
    if cl.res_c >= 0:
        score += pts[0] * (a["res_commune"][pidx] == cl.res_c)
    if cl.res_d >= 0:
        score += pts[1] * (a["res_district"][pidx] == cl.res_d)
    if cl.home_d >= 0:
        score += pts[2] * (a["home_district"][pidx] == cl.home_d)
    if cl.home_now:
        score += pts[3] * ((a["home_now"][pidx] & np.uint64(cl.home_now)) != 0)
    if cl.sex:
        ps = a["sex"][pidx]
        score += pts[4] * ((ps == 0) | (ps == cl.sex))
    else:
        score += pts[4]
    if cl.zbit:
        score += pts[5] * ((a["zmask"][pidx] & np.uint16(cl.zbit)) != 0)
    if cl.clans.size:
        score += pts[6] * np.isin(a["fam_key"][pidx], cl.clans)
    if cl.givs.size:
        score += pts[7] * np.isin(a["giv_key"][pidx], cl.givs)
    dist = np.where((years > 0) & (cl.best > 0), np.abs(years.astype(np.int32) - cl.best), 99)
    return np.lexsort((_hash(pidx, salt), dist, -score))


def _block(post, start: int, stop: int, via: str, cl: _Claim, a, config: CandidateConfig,
           counts: _Counts, salt, relax: bool = False) -> np.ndarray:
    """The people one key block contributes to one claim, within the bounds. `relax`: a key read
    only inside a birth-year window is ranked instead when the claim has no year or the window is
    too big (the claim found nobody otherwise)."""
    size = stop - start
    cap = config.cap(via)
    # a claim with no name of its own (a teknonym) has only its relatives' names: ranked, not dropped
    always = via in ALWAYS_YEAR and not relax and not (via == "rel_giv" and cl.nameless)
    if size <= cap and not always:
        return post.pidx[start:stop]
    if cl.has_year:
        lo, hi = cl.lo - config.year_slack, cl.hi + config.year_slack
        expect = size * (hi - lo + 1) / config.register_years
        if expect > config.narrow_factor * cap and cl.best > 0:
            lo, hi = cl.best - config.year_slack, cl.best + config.year_slack
            expect = size * (hi - lo + 1) / config.register_years
        if always and expect > config.skip_factor * cap:
            counts.dropped += 1
            return post.pidx[:0]
        yrs = post.years[start:stop]
        unknown = int(np.searchsorted(yrs, 0, side="right"))
        a0 = int(np.searchsorted(yrs, lo, side="left"))
        a1 = int(np.searchsorted(yrs, hi, side="right"))
        sel = np.concatenate([post.pidx[start:start + unknown], post.pidx[start + a0:start + a1]])
        if sel.size <= cap:
            return sel
        counts.capped += 1
        years = np.concatenate([yrs[:unknown], yrs[a0:a1]])
        return sel[_rank(sel, years, cl, a, config, salt)[:cap]]
    if always:
        counts.dropped += 1
        return post.pidx[:0]
    counts.capped += 1
    sel = post.pidx[start:stop]
    if size <= config.rank_limit:
        return sel[_rank(sel, post.years[start:stop], cl, a, config, salt)[:cap]]
    return sel[np.argsort(_hash(sel, salt), kind="stable")[:cap]]


@lru_cache(maxsize=200_000)
def _token_giv_key(token: str) -> str:
    """Phonetic given-name key of one folded token (a pure function, memoised)."""
    from reconcile.vn.names import phonetic_key

    return phonetic_key(token)


@lru_cache(maxsize=200_000)
def _swapped_keys(fold: str) -> tuple[tuple[str, str], ...]:
    """(clan key, given-name key) of a folded name read with its last token as the surname: the
    first and last tokens swapped ("Páo Giàng"), and the last token moved to the front ("Quý Quẩy
    Lý", "Văn Nam Nguyễn": given name second to last)."""
    from reconcile.vn.names import parse_name

    t = fold.split()
    if len(t) < 2:
        return ()
    out = {(p.fam_key, p.giv_key) for p in (parse_name(f"{t[-1]} {t[0]}"), parse_name(" ".join([t[-1], *t[:-1]])))}
    return tuple(sorted(out))


def _strings(index, ca, vocab: str, codes) -> list[str]:
    n = len(index.vocabs[vocab])
    extra = ca.extra.get(vocab, [])
    out = []
    for c in codes:
        c = int(c)
        out.append("" if c < 0 else index.vocabs[vocab].string(c) if c < n else extra[c - n])
    return out


class Blocker:
    """Candidate generation against one index (the register-side tables are attributes)."""

    def __init__(self, index, config: CandidateConfig):
        self.index = index
        self.config = config
        self._given = None       # distinct folded given names of the register (giv_fuzzy)
        self._fams = None        # surname spellings → register surname key codes (fam_near)
        self._by_fam: dict[int, tuple[list[str], np.ndarray]] = {}   # fam_near: given names per clan code

    def _given_names(self) -> tuple[list[str], np.ndarray]:
        if self._given is None:
            post = self.index.postings["giv_tok"]
            codes = np.asarray(post.keys, dtype=np.int64)
            self._given = (self.index.vocabs["tok"].take(codes), codes)
        return self._given

    def _fam_given(self, f: int) -> tuple[list[str], np.ndarray]:
        """Folded given names (and their `tok` codes) borne with surname/clan key `f`."""
        got = self._by_fam.get(f)
        if got is None:
            post = self.index.postings["fam_tok"]
            lo, hi = np.searchsorted(post.keys, pack2(np.array([f, f + 1]), 0))
            codes = (post.keys[lo:hi] & np.uint64(0xFFFFFFFF)).astype(np.int64)
            got = self._by_fam[f] = (self.index.vocabs["tok"].take(codes), codes)
        return got

    def _near_keys(self, fams: list[int], fstrs: list[str], gtoks: list[str]) -> list[int]:
        """`fam_tok` keys one typo away from each (surname, given name) of a claim, counting an
        adjacent transposition as one edit (OSA): the given names borne with the same surname one
        edit from the claim's (Hơng ~ Hương, Sú ~ Súa, Puhc ~ Phuc), and, for a surname the register
        does not know (Vàgn), the surnames one edit from it with the same given name."""
        if "fam_tok" not in self.index.postings:
            return []
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        cfg, idx = self.config, self.index
        n_fam = len(idx.vocabs["fam_key"])
        out: list[int] = []
        for f, fs, g in zip(fams, fstrs, gtoks):
            if not g or len(g) < cfg.near_min_letters or f < 0:
                continue
            if f < n_fam:
                names, codes = self._fam_given(f)
                for _s, d, j in process.extract(g, names, scorer=OSA.distance,
                                                score_cutoff=cfg.fuzzy_max_edits, limit=None):
                    if d > 0:
                        out.append(int(pack2(f, codes[j])))
                continue
            t = idx.vocabs["tok"].code(g)
            if t < 0 or not fs or len(fs) < 3:
                continue
            spellings, fam_codes = self._surname_spellings()
            for _s, _d, j in process.extract(fs, spellings, scorer=OSA.distance,
                                             score_cutoff=cfg.fuzzy_max_edits, limit=None):
                out += [int(pack2(f2, t)) for f2 in fam_codes[j]]
        return out

    def _surname_spellings(self) -> tuple[list[str], list[tuple[int, ...]]]:
        """Folded surname/clan spellings (the register's keys and every spelling the name facts
        know: Huỳnh, Già ...) and the register's surname key codes each stands for."""
        if self._fams is None:
            from reconcile.vn.names import _tables, surname_key

            vocab = self.index.vocabs["fam_key"]
            keys = [k for k in vocab.take(np.arange(len(vocab))) if k]
            by: dict[str, set[int]] = {k: {vocab.code(k)} for k in keys}
            for sp in sorted(_tables()["surnames_fold"]):
                codes = {vocab.code(surname_key(sp)), vocab.code(surname_key(sp, "hmong"))} - {-1}
                if codes:
                    by.setdefault(sp, set()).update(codes)
            spellings = sorted(by)
            self._fams = (spellings, [tuple(sorted(by[x])) for x in spellings])
        return self._fams

    def claim_keys(self, ca, i: int) -> list[tuple[str, int]]:
        """(via, packed key) of one claim, in `KEY_PRIORITY` order, for the configured keys."""
        idx, cfg = self.index, self.config
        c, al, cr = ca.cols, ca.alias, ca.crel
        a0, a1 = int(al["offsets"][i]), int(al["offsets"][i + 1])
        fams = [int(c["fam_key"][i])] + [int(x) for x in al["fam_key"][a0:a1]]
        givs = [int(c["giv_key"][i])] + [int(x) for x in al["giv_key"][a0:a1]]
        addrs = [int(c["addr"][i])] + [int(x) for x in al["addr"][a0:a1]]
        nkeys = [int(c["name_key"][i])] + [int(x) for x in al["name_key"][a0:a1]]
        folds = [s for s in _strings(idx, ca, "fold", [c["fold"][i], *al["fold"][a0:a1]]) if s]
        nv = {v: len(idx.vocabs[v]) for v in ("fam_key", "giv_key", "addr", "name_key", "tok")}
        keys: list[tuple[str, int]] = []
        for f, g in zip(fams, givs):
            if 0 <= f < nv["fam_key"] and 0 <= g < nv["giv_key"]:
                keys.append(("fam_giv", int(pack2(f, g))))
        for fd in folds:                      # another order: last token as surname
            for sf, sg in _swapped_keys(fd):
                f, g = idx.vocabs["fam_key"].code(sf), idx.vocabs["giv_key"].code(sg)
                if f >= 0 and g >= 0:
                    keys.append(("fam_giv", int(pack2(f, g))))
        if int(c["fam_key"][i]) < 0:          # no surname: the clan its relatives say + the given name
            for f in claim_clans(ca, i).tolist():
                for g in sorted({g for g in givs if 0 <= g < nv["giv_key"]}):
                    keys.append(("clan_rel", int(pack2(f, g))))
        if "fam_near" in cfg.keys:
            gtoks = _strings(idx, ca, "tok", [c["giv"][i], *al["giv"][a0:a1]])
            fstrs = _strings(idx, ca, "fam_key", fams)
            keys += [("fam_near", k) for k in self._near_keys(fams, fstrs, gtoks)]
        r0, r1 = int(cr["offsets"][i]), int(cr["offsets"][i + 1])
        rel = [(int(cr["relation"][k]), int(cr["fam_key"][k]), int(cr["giv_key"][k])) for k in range(r0, r1)]
        rel = [(r, f, g) for r, f, g in rel if 0 <= g < nv["giv_key"]]
        toks = sorted({t for fd in folds for t in fd.split()})
        tok_givs = [idx.vocabs["giv_key"].code(_token_giv_key(t)) for t in toks]
        own_givs = sorted({g for g in givs + tok_givs if 0 <= g < nv["giv_key"]})
        for g in own_givs:
            for r, _f, rg in rel:
                keys.append(("giv_rel", int(pack_giv_rel(g, r, rg))))
        keys += [("name_key", k) for k in nkeys if 0 <= k < nv["name_key"]]
        keys += [("addr", k) for k in addrs if 0 <= k < nv["addr"]]
        # a two-token name may be an address form without surname ("Xuân Dào", "Chang Tòng")
        keys += [("addr", k) for fd in folds if fd.count(" ") == 1
                 if (k := idx.vocabs["addr"].code(fd)) >= 0]
        keys += [("rel", int(pack_rel(r, f, g))) for r, f, g in rel if 0 <= f < nv["fam_key"]]
        keys += [("rel_giv", int(pack2(r, g))) for r, _f, g in rel]
        keys += [("giv", g) for g in sorted(set(tok_givs)) if g >= 0]
        if "giv_fuzzy" in cfg.keys:
            typos = [t for t in toks if len(t) >= cfg.fuzzy_min_letters and idx.vocabs["tok"].code(t) < 0]
            if typos:
                from rapidfuzz import process
                from rapidfuzz.distance import OSA

                names, codes = self._given_names()
                for t in typos:
                    for _s, _d, j in process.extract(t, names, scorer=OSA.distance,
                                                     score_cutoff=cfg.fuzzy_max_edits, limit=None):
                        keys.append(("giv_fuzzy", int(codes[j])))
        for f in sorted({f for f in fams if 0 <= f < nv["fam_key"]}):
            keys.append(("clan_year", f))
        y, mo, d = int(c["by_best"][i]), int(c["bm"][i]), int(c["bd"][i])
        if y > 0 and mo > 0 and d > 0 and int(c["by_kind"][i]) == 1:
            keys.append(("dob", int(pack_dob(y, mo, d))))
        for fd in folds:
            if is_foreign(fd):
                pair, toks_en = english_keys(fd)
                if pair >= 0:
                    keys.append(("en_pair", pair))
                keys += [("en_tok", k) for k in toks_en]
        wanted = set(cfg.keys)
        if not folds:                 # no name at all ("mẹ Sành"): the named relatives' given names
            wanted.add("rel_giv")
        seen, out = set(), []
        for k in keys:
            if k[0] in wanted and k not in seen:
                seen.add(k)
                out.append(k)
        return out

    def spans(self, keys: list[tuple[str, int]]) -> list[tuple[int, int]]:
        """(start, stop) of each (via, key) block in its posting, one `searchsorted` per posting
        kind for the whole list ((0, 0) when absent or the index has no such posting)."""
        out = [(0, 0)] * len(keys)
        by_kind: dict[str, list[int]] = {}
        for j, (via, _key) in enumerate(keys):
            by_kind.setdefault(_POSTING[via], []).append(j)
        for kind, js in by_kind.items():
            post = self.index.postings.get(kind)
            if post is None:                   # an index built before this key existed
                continue
            start, stop = post.blocks(np.array([keys[j][1] for j in js], dtype=np.uint64))
            for j, a, b in zip(js, start.tolist(), stop.tolist()):
                out[j] = (a, b)
        return out

    def claim(self, ca, i: int, counts: _Counts, keys: list[tuple[str, int]] | None = None,
              spans: list[tuple[int, int]] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(pidx, via code) of one claim's candidates, sorted by pidx. `keys` / `spans`: the claim's
        keys and their blocks when already looked up for a whole batch."""
        idx, cfg = self.index, self.config
        a = idx.arrays
        cl = _Claim(ca, i, cfg)
        if keys is None:
            keys = self.claim_keys(ca, i)
        if spans is None:
            spans = self.spans(keys)
        found_full = False
        got_p, got_v, near = [], [], []
        for (via, key), (start, stop) in zip(keys, spans):
            if via == "giv" and found_full:
                continue
            if stop <= start:
                continue
            post = idx.postings[_POSTING[via]]
            if via == "fam_giv":
                found_full = True
            sel = _block(post, start, stop, via, cl, a, cfg, counts, np.uint64(key & 0xFFFFFFFFFFFF))
            if via == "fam_near":
                near.append(np.asarray(sel, dtype=np.int64))
                continue
            got_p.append(np.asarray(sel, dtype=np.int64))
            got_v.append(np.full(sel.size, VIA_CODE[via], dtype=np.int64))
        if not any(x.size for x in got_p + near):   # nobody found: the year-bound keys, ranked
            for (via, key), (start, stop) in zip(keys, spans):
                if via in ALWAYS_YEAR and stop > start:
                    sel = _block(idx.postings[_POSTING[via]], start, stop, via, cl, a, cfg, counts,
                                 np.uint64(key & 0xFFFFFFFFFFFF), relax=True)
                    got_p.append(np.asarray(sel, dtype=np.int64))
                    got_v.append(np.full(sel.size, VIA_CODE[via], dtype=np.int64))
        if near:                                  # the typo keys together: bounded as one block
            sel = np.unique(np.concatenate(near))
            if sel.size > cfg.near_cap:
                counts.capped += 1
                sel = sel[_rank(sel, a["by"][sel], cl, a, cfg, np.uint64(7))[:cfg.near_cap]]
            got_p.append(sel)
            got_v.append(np.full(sel.size, VIA_CODE["fam_near"], dtype=np.int64))
        if not got_p:
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int8), np.zeros(0, dtype=np.uint8)
        p = np.concatenate(got_p)
        v = np.concatenate(got_v)
        order = np.lexsort((v, p))
        p, v = p[order], v[order]
        first = np.ones(p.size, dtype=bool)
        first[1:] = p[1:] != p[:-1]
        pv_new = np.ones(p.size, dtype=bool)
        pv_new[1:] = (p[1:] != p[:-1]) | (v[1:] != v[:-1])
        grp = np.cumsum(first) - 1
        n_keys = np.bincount(grp, weights=pv_new).astype(np.uint8)
        p, v = p[first], v[first]
        if p.size > cfg.max_pairs_per_claim:
            counts.capped_claims += 1
            yrs = a["by"][p].astype(np.int32)
            dist = np.where((yrs > 0) & (cl.best > 0), np.abs(yrs - cl.best), 99)
            keep = np.sort(np.lexsort((p, dist, v, -n_keys.astype(np.int64)))[:cfg.max_pairs_per_claim])
            p, v, n_keys = p[keep], v[keep], n_keys[keep]
        return p.astype(np.int32), v.astype(np.int8), n_keys


def candidates(ca, index, config: CandidateConfig = CandidateConfig(),
               blocker: Blocker | None = None) -> CandidateSet:
    """Candidate pairs of every claim of `ca` (`features.ClaimArrays`)."""
    t0 = time.perf_counter()
    blocker = blocker or Blocker(index, config)
    counts = _Counts()
    keys = [blocker.claim_keys(ca, i) for i in range(ca.n)]
    flat = blocker.spans([k for ks in keys for k in ks])      # every block of the batch at once
    ends = np.cumsum([len(ks) for ks in keys]).tolist()
    parts = [blocker.claim(ca, i, counts, keys[i], flat[e - len(keys[i]):e])
             for i, e in zip(range(ca.n), ends)]
    sizes = np.array([x[0].size for x in parts], dtype=np.int64)
    claim = np.repeat(np.arange(ca.n, dtype=np.int32), sizes)
    pidx = np.concatenate([x[0] for x in parts]) if parts else np.zeros(0, np.int32)
    via = np.concatenate([x[1] for x in parts]) if parts else np.zeros(0, np.int8)
    n_keys = np.concatenate([x[2] for x in parts]) if parts else np.zeros(0, np.uint8)
    s = sizes.astype(np.float64) if sizes.size else np.zeros(1)
    stats = CandidateStats(
        n_claims=ca.n, n_pairs=int(pidx.size), per_claim_mean=float(s.mean()),
        per_claim_p50=float(np.quantile(s, 0.5)), per_claim_p99=float(np.quantile(s, 0.99)),
        per_claim_max=int(s.max()), claims_without_candidates=int((sizes == 0).sum()),
        capped_blocks=counts.capped, capped_claims=counts.capped_claims,
        dropped_blocks=counts.dropped,
        pairs_by_via={v: int((via == c).sum()) for v, c in VIA_CODE.items() if (via == c).any()},
        seconds=round(time.perf_counter() - t0, 4))
    return CandidateSet(claim=claim, pidx=pidx, via=via, n_keys=n_keys, stats=stats)
