"""A small dict-backed PairView for testing comparisons without the index (docs/ENGINE_V3.md).

    view = make_view(claims=[{"name": "Giàng A Páo", "by_best": 1980, "by_kind": 2}],
                     people=[{"name": "Giàng A Páo", "by": 1980}], pairs=[(0, 0)])

Claim keys (`kin_fam_key` is derived from the relatives, as the engine does): name, culture ("other" for English names), sex ("M"/"F"), eth, by_lo, by_hi, by_best,
by_kind, bm, bd, zod (branch 0..11), home / res ({"now": {...}, "prov": {...}, "district",
"commune", "village"}), adult, recorded_year, relatives [(relation, name, birth_year)].
Person keys: name, culture, sex, eth, by, bm, bd, zod (branches allowed), home, res,
relatives [(relation, name, birth_year[, r_pidx[, parents_differ]])].
Every array a comparison may read exists for every pair (missing values coded as the contract says),
so a comparison that reads an undeclared column fails loudly (`KeyError`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from rapidfuzz.distance import JaroWinkler, OSA

from reconcile.comparisons.base import RELATIONS
from reconcile.vn.names import parse_name
from reconcile.vn.text import fold

CULTURES = {"other": 0, "kinh": 1, "hmong": 2, "dao": 3, "tay_nung": 4, "thai": 5}
SEX = {None: 0, "": 0, "M": 1, "F": 2}
_MALE_MARKERS = {"a", "seo", "van"}
_FEMALE_MARKERS = {"mi", "thi"}


class Vocab:
    def __init__(self):
        self.strings: list[str] = []
        self.pos: dict[str, int] = {}

    def code(self, s: str | None) -> int:
        if not s:
            return -1
        if s not in self.pos:
            self.pos[s] = len(self.strings)
            self.strings.append(s)
        return self.pos[s]


def sex_marker(middle_folded: str) -> int:
    toks = middle_folded.split()
    if any(t in _FEMALE_MARKERS for t in toks):
        return 2
    if any(t in _MALE_MARKERS for t in toks):
        return 1
    return 0


def name_codes(vocabs: dict[str, Vocab], name: str | None, culture: str | None = None) -> dict:
    if not name:
        return {"fam": -1, "fam_norm": -1, "fam_key": -1, "mid": -1, "giv": -1, "giv_norm": -1,
                "giv_key": -1, "addr": -1, "fold": -1, "name_key": -1, "ntok": 0,
                "culture": CULTURES.get(culture or "kinh", 1), "sex_marker": 0}
    if culture == "other":
        toks = fold(name).split()
        fam, giv = (toks[-1], toks[0]) if len(toks) >= 2 else ("", toks[0] if toks else "")
        nf = {"fam": fam, "fam_norm": fam, "fam_key": fam, "mid": "", "giv": giv, "giv_norm": giv,
              "giv_key": giv, "addr": giv, "fold": fold(name), "name_key": fold(name),
              "ntok": len(toks)}
        cult = "other"
    else:
        p = parse_name(name)
        nf = {"fam": fold(p.family), "fam_norm": p.family, "fam_key": p.fam_key, "mid": fold(p.middle),
              "giv": fold(p.given), "giv_norm": p.given, "giv_key": p.giv_key, "addr": p.address_form,
              "fold": p.fold, "name_key": p.name_key, "ntok": len(p.tokens)}
        cult = culture or p.culture
    out = {}
    for k, v in nf.items():
        if k == "ntok":
            out[k] = v
        else:
            voc = {"fam": "tok", "giv": "tok", "fam_norm": "norm_tok", "giv_norm": "norm_tok"}.get(k, k)
            out[k] = vocabs[voc].code(v)
    out["culture"] = CULTURES[cult]
    out["sex_marker"] = sex_marker(nf["mid"])
    return out


def place_codes(vocabs, bits: dict[str, int], place: dict | None) -> dict:
    def mask(names):
        m = 0
        for x in names or ():
            bits.setdefault(x, len(bits))
            m |= 1 << bits[x]
        return m
    place = place or {}
    return {"now": mask(place.get("now")), "prov0": mask(place.get("prov")), "prov1": 0,
            "district": vocabs["district"].code(place.get("district")),
            "commune": vocabs["commune"].code(place.get("commune")),
            "text": vocabs["place_text"].code(place.get("text")),
            "village": vocabs["village"].code(place.get("village"))}


@dataclass
class DictRelativeView:
    cols: dict[str, np.ndarray]
    claimed: np.ndarray
    nrec: np.ndarray
    n: int = 0

    def a(self, name: str) -> np.ndarray:
        if name not in self.cols:
            raise KeyError(name)
        return self.cols[name]


@dataclass
class DictPairView:
    claim_cols: dict[str, np.ndarray]
    person_cols: dict[str, np.ndarray]
    vocabs: dict[str, Vocab]
    tf_counts: dict[str, np.ndarray]
    n_people: int
    relatives: DictRelativeView | None = None
    n: int = 0
    sim_calls: list = field(default_factory=list)

    def c(self, name: str) -> np.ndarray:
        return self.claim_cols[name]

    def p(self, name: str) -> np.ndarray:
        return self.person_cols[name]

    def strings(self, vocab: str):
        return self.vocabs[vocab].strings

    def sim(self, vocab, a, b, scorer="jw"):
        fn = {"jw": JaroWinkler.normalized_similarity,
              "osa": OSA.normalized_similarity}[scorer]
        s = self.vocabs[vocab].strings
        self.sim_calls.append((vocab, len(a)))
        return np.array([fn(s[x], s[y]) if x >= 0 and y >= 0 else 0.0 for x, y in zip(a, b)],
                        dtype=np.float32)

    def tf(self, vocab, codes):
        t = self.tf_counts.get(vocab, np.zeros(0, dtype=np.uint32))
        codes = np.asarray(codes, dtype=np.int64)
        ok = (codes >= 0) & (codes < len(t))
        out = np.zeros(len(codes), dtype=np.float64)
        out[ok] = t[codes[ok]]
        return out


def _zmask(zod) -> int:
    if zod is None:
        return 0
    if isinstance(zod, int):
        zod = [zod]
    m = 0
    for b in zod:
        m |= 1 << b
    return m


def make_view(claims: list[dict], people: list[dict], pairs: list[tuple[int, int]] | None = None
              ) -> DictPairView:
    """A PairView over `pairs` (claim position, person position); all pairs by default."""
    vocabs = {k: Vocab() for k in ("tok", "norm_tok", "fam_key", "giv_key", "mid", "addr", "fold",
                                   "name_key", "eth", "district", "commune", "rel_name", "place_text",
                                   "village")}
    bits: dict[str, int] = {}
    if pairs is None:
        pairs = [(i, j) for i in range(len(claims)) for j in range(len(people))]

    def side(rows, is_claim):
        cols: dict[str, list] = {}
        for r in rows:
            nc = name_codes(vocabs, r.get("name"), r.get("culture"))
            vals = dict(nc)
            vals["sex"] = SEX[r.get("sex")]
            vals["eth"] = vocabs["eth"].code(r.get("eth"))
            vals["bm"], vals["bd"] = r.get("bm", 0), r.get("bd", 0)
            if is_claim:
                for k in ("by_lo", "by_hi", "by_best", "by_kind", "adult", "recorded_year"):
                    vals[k] = r.get(k, 0)
                vals["zod"] = r.get("zod", -1)
            else:
                vals["by"] = r.get("by", 0)
                vals["zmask"] = _zmask(r.get("zod"))
            for pre in ("home", "res"):
                for k, v in place_codes(vocabs, bits, r.get(pre)).items():
                    vals[f"{pre}_{k}"] = v
            for k, v in vals.items():
                cols.setdefault(k, []).append(v)
        dtypes = {"now": np.uint64, "prov0": np.uint64, "prov1": np.uint64, "zmask": np.uint16}
        return {k: np.asarray(v, dtype=dtypes.get(k.split("_", 1)[-1], dtypes.get(k, np.int64)))
                for k, v in cols.items()}

    cside, pside = side(claims, True), side(people, False)
    ci = np.array([a for a, _ in pairs], dtype=np.int64)
    pi = np.array([b for _, b in pairs], dtype=np.int64)
    claim_cols = {k: v[ci] for k, v in cside.items()}
    person_cols = {k: v[pi] for k, v in pside.items()}

    # term frequencies over the register
    def counts(vocab, codes):
        t = np.zeros(len(vocabs[vocab].strings) + 1, dtype=np.uint32)
        for c in codes:
            if c >= 0:
                t[c] += 1
        return t

    # relatives
    rel_feats: dict[int, dict] = {}

    def rel_code(name, culture=None):
        code = vocabs["rel_name"].code(name)
        if code not in rel_feats:
            rel_feats[code] = name_codes(vocabs, name, culture)
        return code

    crel = [[(RELATIONS.index(rel), rel_code(nm), by) for rel, nm, by, *_ in c.get("relatives", ())
             if rel in RELATIONS] for c in claims]
    prel = [[(RELATIONS.index(rel), rel_code(nm), by, *(rest or [-1])[:1],
              *(rest[1:2] if len(rest) > 1 else [0])) for rel, nm, by, *rest in p.get("relatives", ())
             if rel in RELATIONS] for p in people]
    tf_counts = {"fam_key": counts("fam_key", pside["fam_key"]),
                 "place_text": counts("place_text", pside["res_text"]),
                 "giv_key": counts("giv_key", pside["giv_key"])}
    person_folds = [fold(p.get("name") or "") for p in people]
    tf_counts["rel_name"] = np.array([person_folds.count(fold(s)) for s in vocabs["rel_name"].strings],
                                     dtype=np.uint32)
    claimed = np.zeros((len(pairs), len(RELATIONS)), dtype=bool)
    nrec = np.zeros((len(pairs), len(RELATIONS)), dtype=np.int32)
    rows: dict[str, list] = {}
    edge_base = np.cumsum([0] + [len(x) for x in prel])
    crel_base = np.cumsum([0] + [len(x) for x in crel])
    for k, (a, b) in enumerate(pairs):
        for rel, *_ in crel[a]:
            claimed[k, rel] = True
        for rel, *_ in prel[b]:
            nrec[k, rel] += 1
        for x, (crl, cname, cby) in enumerate(crel[a]):
            for y, (prl, pname, pby, rpidx, pdiff) in enumerate(prel[b]):
                if crl != prl:
                    continue
                cf, pf = rel_feats[cname], rel_feats[pname]
                row = {"pair": k, "crel": crel_base[a] + x, "edge": edge_base[b] + y, "relation": crl,
                       "c_name": cname, "r_name": pname, "c_by": cby or 0, "r_by": pby or 0,
                       "r_pidx": rpidx, "r_parents_differ": pdiff}
                for f in ("fam_key", "giv", "giv_norm", "giv_key", "mid", "fold", "ntok", "sex_marker"):
                    row[f"c_{f}"] = cf[f]
                    row[f"r_{f}"] = pf[f]
                for kk, v in row.items():
                    rows.setdefault(kk, []).append(v)
    relcols = {k: np.asarray(v) for k, v in rows.items()}
    n_tr = len(rows.get("pair", []))
    if not n_tr:
        for kk in ("pair", "crel", "edge", "relation", "c_name", "r_name", "c_by", "r_by", "r_pidx",
                   "r_parents_differ") + tuple(f"{s}_{f}" for s in "cr" for f in
                                               ("fam_key", "giv", "giv_norm", "giv_key", "mid", "fold", "ntok",
                                                "sex_marker")):
            relcols[kk] = np.zeros(0, dtype=np.int64)
    rv = DictRelativeView(cols=relcols, claimed=claimed, nrec=nrec, n=n_tr)
    # the claimed father's surname key, else a claimed sibling's (features.ClaimArrays.kin_entry)
    kin = []
    for c in crel:
        k = -1
        for want in (RELATIONS.index("father"), RELATIONS.index("sibling")):
            ks = [rel_feats[code]["fam_key"] for rl, code, _ in c if rl == want and rel_feats[code]["fam_key"] >= 0]
            if ks:
                k = ks[0]
                break
        kin.append(k)
    claim_cols["kin_fam_key"] = np.asarray(kin, dtype=np.int64)[ci]
    return DictPairView(claim_cols=claim_cols, person_cols=person_cols, vocabs=vocabs,
                        tf_counts=tf_counts, n_people=len(people), relatives=rv, n=len(pairs))
