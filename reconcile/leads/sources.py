"""Where leads come from: one small function per source, each returning a lead table (`LEAD_SCHEMA`:
claim position, person position, relation, probability, the source and what the words need).

Every decision reads comparison levels by NAME from the scored pairs (the comparisons registry), never
display text. Sources:
- `self_leads`: the claimant's own candidates, posterior as is; a candidate sharing a claimed parent
  but not the given name is a sibling lead, never the claimant.
- `pseudo_claims` + `relative_leads`: each claimed relative becomes a claim with the family seen from
  them; all of them, for all claims, are scored in one batch by the same `Matcher` (with
  `pseudo_params`). A lead's probability is the posterior that this registered person IS the named
  relative, the namesakes sharing the mass with "none of them", as candidates do; "none of them" has
  its own prior (`relative_prior`: a relative of a claimant who is probably unregistered is less
  probably registered), so name, age and place alone rarely lift a namesake above one half.
- `named_leads` (same batch): people whose own record names the claimant as father/mother/spouse: a
  pseudo-claim without a name whose claimed father (or mother, spouse) is the claimant, scored by the
  model (name comparison, age), records naming namesakes sharing; impossible ages dropped.
- `family_leads`: the registered relatives of found leads (the found father's wife and children →
  the claimant's mother and siblings; a probable self match's family), p = lead × edge confidence.
  This is also how siblings and relatives living elsewhere are reached through the claimed parents'
  and household's records.
- `household_leads`: households holding person leads (independent evidence combined);
  `address_households`: households of the village the claimant names holding the claimant's or a
  claimed relative's clan, and households in the claimed commune with an adult of the claimant's
  clan old enough to be a parent.
- `place_leads`: today's commune/province of the leads and the hometown the claimant named
  (`places.describe`).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import polars as pl

from reconcile.features import CLAIM_DTYPES
from reconcile.index.arrays import RELATION_CODE
from reconcile.leads.config import LeadsConfig

REL_NAME = {v: k for k, v in RELATION_CODE.items()}
LEAD_SCHEMA = {
    "claim": pl.Int64, "kind": pl.Utf8, "pidx": pl.Int64, "hh": pl.Int64, "relation": pl.Utf8,
    "probability": pl.Float64, "source": pl.Utf8, "grp": pl.Utf8, "ord": pl.Float64,
    "claimed": pl.Utf8, "agree": pl.Utf8, "recorded": pl.Utf8, "via": pl.Utf8, "via_pidx": pl.Int64,
    "kr": pl.Utf8, "k": pl.Int64, "contra": pl.Boolean, "root": pl.Utf8,
}
PATRILINEAL_CULTURES = (1, 2, 3, 4, 5)   # kinh hmong dao tay_nung thai: the father's surname passes on

# relation of a second claimed relative (r2) seen from the first one (r1); None: not expressible
_VIEW = {
    ("father", "mother"): "spouse", ("mother", "father"): "spouse",
    ("father", "sibling"): "child", ("mother", "sibling"): "child",
    ("spouse", "child"): "child",
    ("child", "child"): "sibling",
    ("sibling", "father"): "father", ("sibling", "mother"): "mother", ("sibling", "sibling"): "sibling",
}
# (how the lead relates to the claimant, how the register relates the lead's relative to the lead)
#   → how that relative relates to the claimant
COMPOSE = {
    ("self", "father"): "father", ("self", "mother"): "mother", ("self", "spouse"): "spouse",
    ("self", "child"): "child", ("self", "sibling"): "sibling", ("self", "grandparent"): "grandparent",
    ("self", "grandchild"): "grandchild",
    ("father", "spouse"): "mother", ("mother", "spouse"): "father",
    ("father", "child"): "sibling", ("mother", "child"): "sibling",
    ("father", "father"): "grandparent", ("father", "mother"): "grandparent",
    ("mother", "father"): "grandparent", ("mother", "mother"): "grandparent",
    ("sibling", "father"): "father", ("sibling", "mother"): "mother", ("sibling", "sibling"): "sibling",
    ("spouse", "child"): "child", ("child", "sibling"): "child", ("child", "child"): "grandchild",
}
PSEUDO_COLUMNS = {**CLAIM_DTYPES, "_row": pl.UInt32}   # a claim frame plus its source row
SRC_COLUMNS = {"src_idx": pl.Int64, "src_kind": pl.Utf8, "src_relation": pl.Utf8, "src_rid": pl.Int64,
               "src_name": pl.Utf8}


def table(cols: dict) -> pl.DataFrame:
    """A lead table from columns (missing ones null), in `LEAD_SCHEMA` order and types."""
    n = len(next(iter(cols.values()))) if cols else 0
    out = {}
    for k, t in LEAD_SCHEMA.items():
        v = cols.get(k)
        if v is None:
            out[k] = pl.Series(k, [None] * n, dtype=t)
        elif isinstance(v, pl.Series):
            out[k] = v.alias(k).cast(t)
        elif isinstance(v, np.ndarray) and v.dtype.kind in "iufb":
            out[k] = pl.Series(k, v).cast(t)
        else:
            out[k] = pl.Series(k, list(v), dtype=t, strict=False)
    return pl.DataFrame(out)


_EMPTY = pl.DataFrame(schema=LEAD_SCHEMA)


def empty() -> pl.DataFrame:
    """A lead table without rows (a new frame each call, built from one made at import)."""
    return _EMPTY.clear()


# ------------------------------------------------------------------------------------------------
# levels by name
# ------------------------------------------------------------------------------------------------

def level_is(sp, rows: np.ndarray, comparison: str, levels) -> np.ndarray:
    """Bool per row: the pair's level of `comparison` is one of `levels` (names)."""
    reg = sp.registry
    if comparison not in reg:
        return np.zeros(rows.shape[0], dtype=bool)
    cmp = reg[comparison]
    codes = [cmp.code(x) for x in ((levels,) if isinstance(levels, str) else levels)]
    return np.isin(sp.levels[rows, reg.index(comparison)], codes)


def agreeing(sp, rows: np.ndarray, bits: float) -> list[str]:
    """Names of the comparisons weighing more than `bits`, comma-joined, per row."""
    names = np.array(sp.registry.names, dtype=object)
    pos = sp.weights[rows] > bits
    return [",".join(names[p]) for p in pos]


def recorded(sp, rows: np.ndarray, index, levels=("strong",)) -> list[str]:
    """Per row, the recorded relatives the model paired with a claimed one at `levels`:
    "relation\\tname" joined by "|" (the report draws the same chosen edges)."""
    from reconcile.comparisons.base import RELATIONS

    rel = index.arrays.rel
    voc = index.vocabs["rel_name"]
    out = [[] for _ in range(rows.shape[0])]
    for j, r in enumerate(RELATIONS):
        ok = level_is(sp, rows, r, levels) & (sp.chosen_edge[rows, j] >= 0)
        for i in np.flatnonzero(ok).tolist():
            name = voc.string(int(rel.name[int(sp.chosen_edge[rows[i], j])]))
            if name:
                out[i].append(f"{r}\t{name}")
    return ["|".join(x) for x in out]


# ------------------------------------------------------------------------------------------------
# self
# ------------------------------------------------------------------------------------------------

def self_leads(sp, index, cfg: LeadsConfig) -> pl.DataFrame:
    """The claimant's own candidates (posterior as is); a candidate sharing a claimed parent but not
    the given name is a sibling lead, never the claimant."""
    rows = sp.top(cfg.self_top)
    rows = rows[sp.probability[rows] >= cfg.min_self]
    if rows.size == 0:
        return empty()
    sib = level_is(sp, rows, "giv", cfg.sibling_giv_levels) & (
        level_is(sp, rows, "father", cfg.sibling_parent_levels)
        | level_is(sp, rows, "mother", cfg.sibling_parent_levels))
    contra = np.zeros(rows.shape[0], dtype=bool)
    for r in ("father", "mother", "spouse"):
        contra |= level_is(sp, rows, r, "different")
    claim = sp.claim[rows]
    return table({"claim": claim, "kind": np.where(sib, "relative", "self"), "pidx": sp.pidx[rows],
                  "relation": np.where(sib, "sibling", None), "probability": sp.probability[rows],
                  "source": np.where(sib, "self_sibling", "self"),
                  "grp": [f"s{c}" for c in claim.tolist()], "agree": agreeing(sp, rows, cfg.agree_bits),
                  "contra": contra, "root": [f"s{c}" for c in claim.tolist()]})


# ------------------------------------------------------------------------------------------------
# pseudo-claims: each claimed relative as a claim; records that may name the claimant
# ------------------------------------------------------------------------------------------------

def pseudo_params(params):
    """Model parameters for pseudo-claims (by level names): a registered parent whose recorded
    children (or a sibling whose recorded siblings) differ from the claimant is no evidence against
    them (the claimant may be the unregistered one), a birth year far outside what the relation
    allows counts more, and living elsewhere than the claimant is no evidence against (relatives
    often live apart)."""
    import copy

    m = copy.deepcopy(params.m)
    for r in ("child", "sibling"):
        m[r]["different"] = params.u[r]["different"]
    m["by"]["far"] = min(m["by"]["far"], 0.005)
    for lvl in ("compatible", "different"):
        m["res"][lvl] = params.u["res"][lvl]
    return dataclasses.replace(params, m=m)


def year_range_bits(psp, params, index) -> np.ndarray:
    """Bits to add to each pair of pseudo-claims: a registered birth year inside the pseudo-claim's
    range weighs what a range that wide deserves. A relative's (or a record naming the claimant's)
    birth year is known only as the claimant's years widened by the relation's age gaps
    (`kinship.AGE_GAPS`: a father 14-65 years older), a range of ~50 years; the model's `in_wide`
    weight (+2.7 bits) is the likelihood ratio of a CLAIMANT's stated range (a few years, met by ~4%
    of non-matches), while half or more of the register falls inside a pseudo-claim's range. Here
    the ratio is P(inside | the relative) / P(inside | anyone): the former is what the pseudo model
    leaves for "inside" (1 - m[near] - m[far]), the latter the share of the register at hand born in
    that range (term frequency of the range). Pairs at other levels are left as scored."""
    out = np.zeros(psp.n, dtype=np.float64)
    reg = psp.registry
    if psp.n == 0 or "by" not in reg:
        return out
    cmp = reg["by"]
    j = reg.index("by")
    inside = np.isin(psp.levels[:, j], [cmp.code("in_narrow"), cmp.code("in_wide")])
    if not inside.any():
        return out
    years = np.asarray(index.arrays.cols["by"])
    years = years[years > 0]
    if years.size == 0:
        return out
    # births before each year (one pass over the register's years, no sort): cum[y] = #{year < y}
    cum = np.concatenate([[0], np.cumsum(np.bincount(years))])
    lo = np.clip(np.asarray(psp.claims.cols["by_lo"]).astype(np.int64), 0, cum.size - 1)
    hi = np.clip(np.asarray(psp.claims.cols["by_hi"]).astype(np.int64) + 1, 0, cum.size - 1)
    share = (cum[hi] - cum[lo]) / years.size
    share = np.clip(share, 1.0 / years.size, 1.0)
    m_in = max(1.0 - params.m["by"].get("near", 0.0) - params.m["by"].get("far", 0.0), 1e-6)
    scale = params.calibration.scales.get("by", 1.0)
    want = scale * np.log2(m_in / share)                        # bits per pseudo-claim
    rows = np.flatnonzero(inside)
    out[rows] = want[psp.claim[rows]] - psp.weights[rows, j]
    return out


def relative_prior(psp, pseudo: pl.DataFrame, p_none: np.ndarray, params, n_people: int,
                   cfg: LeadsConfig, index=None):
    """`psp` (pseudo-claims scored with the engine's prior) with its posterior recomputed under each
    pseudo-claim's own prior of "none of them" (`LeadsConfig.rel_absent_if_absent` /
    `rel_absent_if_registered`, mixed by the claimant's `p_none`). A different prior only shifts
    every candidate's logit of one pseudo-claim against "none" by the same amount, so the engine's
    `posterior` is applied to weights shifted by that amount (in bits)."""
    if (psp is None or psp.n == 0 or cfg.rel_absent_if_absent is None
            or cfg.rel_absent_if_registered is None):
        return psp
    from reconcile.model.posterior import LN2, none_logit, posterior

    src = pseudo.get_column("src_idx").to_numpy().astype(np.int64)
    pn = np.clip(np.asarray(p_none, dtype=np.float64)[src], 0.0, 1.0)
    share = pn * cfg.rel_absent_if_absent + (1.0 - pn) * cfg.rel_absent_if_registered
    share = np.clip(share, 1e-6, 1.0 - 1e-6)
    miss = params.prior.miss_rate
    n = max(int(n_people), 1)
    z0 = np.log(share + (1.0 - share) * miss) - np.log((1.0 - share) / n)
    shift = (none_logit(params, n_people) - z0) / (params.calibration.a * LN2)   # bits per pseudo-claim
    w = psp.weight + shift[psp.claim]
    if cfg.year_range_tf and index is not None:
        w = w + year_range_bits(psp, params, index)
    prob, p0 = posterior(w, psp.claim, psp.claims.n, n_people, params)
    return dataclasses.replace(psp, probability=prob, p_none=p0)


def _row(claim_id, name, sex, by, lo, hi, eth, home, res, rels, k):
    return {"claim_id": claim_id, "name": name, "aliases": [], "sex": sex, "birth_date": None,
            "birth_year": by, "birth_year_min": lo, "birth_year_max": hi, "age": None,
            "recorded_on": None, "zodiac": None, "ethnicity": eth, "claimed_hometown": home,
            "residence": res, "relatives": rels, "_row": k}


def pseudo_claims(ca, cfg: LeadsConfig = LeadsConfig(), named: bool = True) -> pl.DataFrame:
    """Pseudo-claims of a batch of encoded claims (`features.ClaimArrays`), as a canonical claims
    frame (`PSEUDO_COLUMNS`, so it is encoded without re-reading) plus `src_idx` (claim position),
    `src_kind` (`relative` | `named`), `src_relation` (how the person found relates to the claimant),
    `src_rid` (claimed relative, global) and `src_name` (the name as the claimant said it).

    `relative`: the claimed relative with the family seen from them (the claimed father's says:
    spouse = the claimed mother, child = the claimant and the claimed siblings; a parent's birth year
    is bounded by the claimant's). A relative named by the given name alone is also searched with
    the claimant's surname (father, sibling, a man's child; cultures that pass the father's surname
    on). `named`: someone whose record names the claimant as father/mother (a child) or spouse."""
    d, cols, cr = ca.display, ca.cols, ca.crel
    off = cr["offsets"]
    rows: list[dict] = []
    src: list[tuple] = []
    sex_of = {"father": "M", "mother": "F"}
    for c in range(ca.n):
        me = d["name"][c]
        me_sex = d["sex"][c]
        lo, hi, best = (int(cols[k][c]) or None for k in ("by_lo", "by_hi", "by_best"))
        eth, home, res = d["ethnicity"][c], d["claimed_hometown"][c], d["residence"][c]
        rels = []
        for k in range(int(off[c]), int(off[c + 1])):
            r = REL_NAME.get(int(cr["relation"][k]))
            name = d["crel_name"][k]
            if r not in {g[0] for g in cfg.by_gap} or not name or not name.strip():
                continue                               # grandparents etc.: no pseudo-claim
            rels.append((k, r, name.strip(), int(cr["by"][k]) or None, int(cr["ntok"][k])))
        me_rel_of = {"father": "child", "mother": "child", "spouse": "spouse", "sibling": "sibling",
                     "child": {"M": "father", "F": "mother"}.get(me_sex)}
        for k, r, name, by, ntok in rels:
            family = []
            if me and me_rel_of[r]:
                family.append({"relation": me_rel_of[r], "name": me, "birth_year": best})
            for k2, r2, name2, by2, _n2 in rels:
                if k2 == k:
                    continue
                v = _VIEW.get((r, r2))
                if r == "child" and r2 == "spouse":
                    v = {"M": "mother", "F": "father"}.get(me_sex)
                if v:
                    family.append({"relation": v, "name": name2, "birth_year": by2})
            sex = sex_of.get(r) or ({"M": "F", "F": "M"}.get(me_sex) if r == "spouse" else None)
            glo, ghi = cfg.gap(r)
            plo = lo + glo if by is None and lo else None
            phi = hi + ghi if by is None and hi else None
            names = [name]
            if (ntok == 1 and me and len(me.split()) >= 2 and int(cols["culture"][c]) in PATRILINEAL_CULTURES
                    and (r in ("father", "sibling") or (r == "child" and me_sex == "M"))):
                names.append(f"{me.split()[0]} {name}")
            for j, nm in enumerate(names):
                rows.append(_row(f"R{k}{'s' if j else ''}", nm, sex, by, plo, phi, eth, home, res, family,
                                 len(rows) + 1))
                src.append((c, "relative", r, k, name))
        if named and me and len(me.split()) >= 2:
            clo, chi = cfg.gap("child")
            slo, shi = cfg.gap("spouse")
            as_parent = [p for p, s in (("father", "M"), ("mother", "F")) if me_sex in (None, s)]
            for p in as_parent:
                rows.append(_row(f"N{c}{p[0]}", None, None, None, lo + clo if lo else None,
                                 hi + chi if hi else None, eth, home, None,
                                 [{"relation": p, "name": me, "birth_year": best}], len(rows) + 1))
                src.append((c, "named", "child", -1, me))
            rows.append(_row(f"N{c}s", None, {"M": "F", "F": "M"}.get(me_sex), None,
                             lo + slo if lo else None, hi + shi if hi else None, eth, home, None,
                             [{"relation": "spouse", "name": me, "birth_year": best}], len(rows) + 1))
            src.append((c, "named", "spouse", -1, me))
    frame = pl.DataFrame(rows, schema=PSEUDO_COLUMNS, orient="row") if rows else pl.DataFrame(schema=PSEUDO_COLUMNS)
    s = pl.DataFrame(src, schema=SRC_COLUMNS, orient="row") if src else pl.DataFrame(schema=SRC_COLUMNS)
    return pl.concat([frame, s], how="horizontal")


def score_pseudo(pseudo: pl.DataFrame, matcher, scalar_max: int):
    """Pseudo-claims scored by `matcher` (built with `pseudo_params`), yielded as (ScoredPairs, their
    rows of `pseudo`) in chunks of `matcher.config.batch_size` pseudo-claims, so that memory follows
    the chunk and not the whole batch (3,000 claims name ~12,000 relatives; on a 1M register their
    candidate pairs at once took over 15 GB). A few (one claim's, up to `scalar_max`) are encoded by
    the scalar `features.encode_claim_dicts` instead (no polars query) and scored in one call."""
    from reconcile.features import encode_claim_dicts, encode_claims

    claims = pseudo.select(list(PSEUDO_COLUMNS))
    if pseudo.height > scalar_max:
        size = max(int(matcher.config.batch_size), 1)
        for lo in range(0, pseudo.height, size):
            part = pseudo.slice(lo, size)
            yield matcher.score_arrays(encode_claims(claims.slice(lo, size), matcher.index)), part
        return
    if pseudo.height:
        yield matcher.score_arrays(encode_claim_dicts(claims.drop("_row").to_dicts(), matcher.index)), pseudo


def relative_leads(psp, pseudo: pl.DataFrame, index, cfg: LeadsConfig) -> pl.DataFrame:
    """Registered people who may be a claimed relative, or whose record names the claimant
    (`src_kind` named), with the posterior of their pseudo-claim."""
    if psp is None or psp.n == 0:
        return empty()
    rows = psp.top(max(cfg.per_relative, cfg.per_named))
    rows = rows[psp.probability[rows] >= cfg.min_relative]
    kind = np.asarray(pseudo.get_column("src_kind").to_numpy())[psp.claim[rows]]
    rank = _rank_within(psp.claim[rows])
    named = kind == "named"
    keep = np.where(named, rank < cfg.per_named, rank < cfg.per_relative)
    # an impossible age (a child born before the claimant could be a parent) is no lead
    keep &= ~(named & level_is(psp, rows, "by", "far"))
    rows = rows[keep]
    if rows.size == 0:
        return empty()
    q = psp.claim[rows]
    src = {k: pseudo.get_column(k).to_numpy()[q] for k in SRC_COLUMNS}
    named = src["src_kind"] == "named"
    grp = np.where(named, [f"n{c}" for c in src["src_idx"].tolist()],
                   [f"r{k}" for k in src["src_rid"].tolist()])
    k_named = np.bincount(q, minlength=psp.claims.n)[q]
    # the edge the model paired with the claimant's name on a record: when the register links it by
    # id (or household) to a registered person, the record names that person (see `not_self`)
    from reconcile.comparisons.base import RELATIONS
    from reconcile.index.arrays import SOURCE_CODE

    rel_arr = index.arrays.rel
    linked = np.full(rows.size, -1, dtype=np.int64)
    for r in ("father", "mother", "spouse"):
        e = psp.chosen_edge[rows, RELATIONS.index(r)]
        ok = named & (e >= 0)
        if ok.any():
            ee = e[ok]
            by_id = np.asarray(rel_arr.source[ee]) != SOURCE_CODE["record_name"]
            linked[np.flatnonzero(ok)] = np.where(by_id, np.asarray(rel_arr.pidx[ee]).astype(np.int64), -1)
    return table({"claim": src["src_idx"], "kind": ["relative"] * rows.size, "pidx": psp.pidx[rows],
                  "relation": src["src_relation"], "probability": psp.probability[rows],
                  "source": src["src_kind"], "grp": grp, "claimed": src["src_name"],
                  "agree": agreeing(psp, rows, cfg.agree_bits), "recorded": recorded(psp, rows, index),
                  "k": np.where(named, k_named, 0), "root": grp, "via_pidx": linked})


def _rank_within(claim: np.ndarray) -> np.ndarray:
    """0-based position of each row within its run of equal `claim` (rows come grouped)."""
    if claim.size == 0:
        return np.zeros(0, dtype=np.int64)
    start = np.r_[0, np.flatnonzero(claim[1:] != claim[:-1]) + 1]
    return np.arange(claim.size) - np.repeat(start, np.diff(np.r_[start, claim.size]))


# ------------------------------------------------------------------------------------------------
# family of the found leads
# ------------------------------------------------------------------------------------------------

def edge_gamma(cfg: LeadsConfig) -> np.ndarray:
    """[relation code, source code] → exponent applied to an edge's confidence (`edge_gamma`)."""
    from reconcile.index.arrays import SOURCE_CODE

    g = np.ones((len(RELATION_CODE), len(SOURCE_CODE)), dtype=np.float64)
    for r, s, v in cfg.edge_gamma:
        g[RELATION_CODE[r], SOURCE_CODE[s]] = v
    return g


def self_posterior(sp, claim: np.ndarray, pidx: np.ndarray) -> np.ndarray:
    """The claimant's own posterior for (claim, person) pairs (0 when not a candidate)."""
    claim = np.asarray(claim, dtype=np.int64)
    pidx = np.asarray(pidx, dtype=np.int64)
    if sp.n == 0 or claim.size == 0:
        return np.zeros(claim.shape[0], dtype=np.float64)
    n = np.int64(max(int(sp.pidx.max()), int(pidx.max(initial=0))) + 1)
    key = sp.claim.astype(np.int64) * n + sp.pidx.astype(np.int64)
    order = np.argsort(key, kind="stable")
    skey = key[order]
    q = claim * n + pidx
    i = np.minimum(np.searchsorted(skey, q), skey.size - 1)
    return np.where((skey[i] == q) & (pidx >= 0), sp.probability[order[i]], 0.0)


def not_self(t: pl.DataFrame, sp) -> pl.DataFrame:
    """Relative leads × (1 − the claimant's own posterior for that person): someone who may be the
    claimant is less likely their relative (the sum over "is the claimant" and "is a relative" of
    one person stays ≤ 1). A record naming the claimant whose named father/mother/spouse the register
    links by id to a registered person q names q: × the claimant's posterior for q."""
    if t.height == 0:
        return t
    claim = t.get_column("claim").to_numpy().astype(np.int64)
    p = t.get_column("probability").to_numpy()
    p_self = self_posterior(sp, claim, t.get_column("pidx").fill_null(-1).to_numpy())
    rel = ((t.get_column("kind") == "relative") & (t.get_column("source") != "self_sibling")).to_numpy()
    p = np.where(rel, p * (1.0 - p_self), p)
    linked = t.get_column("via_pidx").fill_null(-1).to_numpy().astype(np.int64)
    named = (t.get_column("source") == "named").to_numpy() & (linked >= 0)
    if named.any():
        p = np.where(named, p * self_posterior(sp, claim, linked), p)
    return t.with_columns(pl.Series("probability", p))


def family_leads(found: pl.DataFrame, index, cfg: LeadsConfig) -> pl.DataFrame:
    """Registered relatives of probable leads (CSR edges with a registered person), re-expressed as
    relatives of the claimant: p = lead probability × edge confidence × `expand_factor`."""
    src = found.filter(
        ((pl.col("kind") == "self") & (pl.col("probability") >= cfg.expand_min_self) & ~pl.col("contra").fill_null(False))
        | ((pl.col("kind") == "relative") & (pl.col("probability") >= cfg.expand_min)))
    if src.height == 0:
        return empty()
    via = np.where(src.get_column("kind").to_numpy() == "self", "self",
                   src.get_column("relation").fill_null("").to_numpy()).astype(object)
    lead = src.get_column("pidx").to_numpy().astype(np.int64)
    rel = index.arrays.rel
    edges, owner = rel.of(lead)
    q = np.asarray(rel.pidx[edges]).astype(np.int64)
    conf = np.asarray(rel.conf[edges]).astype(np.float64)
    ok = (q >= 0) & (conf >= cfg.expand_min_conf) & (q != lead[owner])
    edges, owner, q, conf = edges[ok], owner[ok], q[ok], conf[ok]
    conf = conf ** edge_gamma(cfg)[np.asarray(rel.relation[edges]).astype(np.int64),
                                   np.asarray(rel.source[edges]).astype(np.int64)]
    kr = np.array([REL_NAME.get(int(x), "") for x in np.asarray(rel.relation[edges]).tolist()], dtype=object)
    new = np.array([COMPOSE.get((v, r)) for v, r in zip(via[owner].tolist(), kr.tolist())], dtype=object)
    ok = np.array([x is not None for x in new.tolist()], dtype=bool)
    if not ok.any():
        return empty()
    owner, q, conf, kr, new = owner[ok], q[ok], conf[ok], kr[ok], new[ok]
    p = src.get_column("probability").to_numpy()[owner] * conf * cfg.expand_factor
    # the family of the leads answering one question (the namesakes of one claimed relative) is one
    # group in the ordering, so it does not crowd out the other questions' leads
    # (the family of a probable lead is true together: no group)
    lead_p = src.get_column("probability").to_numpy()
    grp = np.array([None if lp >= cfg.family_free_p else f"f{g}" for g, lp in
                    zip(src.get_column("grp").fill_null("").to_list(), lead_p.tolist())], dtype=object)[owner]
    root = np.array(src.get_column("root").fill_null("").to_list(), dtype=object)[owner]
    ordw = np.where(via[owner] == "self", 1.0, cfg.family_order)
    out = table({"claim": src.get_column("claim").to_numpy()[owner], "kind": ["relative"] * q.size,
                 "pidx": q, "relation": new, "probability": p, "source": ["family"] * q.size, "grp": grp,
                 "ord": ordw,
                 "via": via[owner], "via_pidx": lead[owner], "kr": kr, "root": root})
    return out.sort("probability", descending=True).unique(["claim", "pidx"], keep="first", maintain_order=True)


# ------------------------------------------------------------------------------------------------
# households
# ------------------------------------------------------------------------------------------------

def household_leads(persons: pl.DataFrame, index, cfg: LeadsConfig) -> pl.DataFrame:
    """Households holding relative leads: p = 1 − Π(1 − p) over them (independent evidence); a
    household that holds a single source's lead only repeats it (ordered lower)."""
    rel = persons.filter(pl.col("kind") == "relative")
    if rel.height == 0:
        return empty()
    hh = np.asarray(index.arrays.cols["household"])[rel.get_column("pidx").to_numpy()]
    rel = rel.with_columns(pl.Series("hh", hh.astype(np.int64))).filter(pl.col("hh") >= 0)
    if rel.height == 0:
        return empty()
    # leads derived from one question (a claimed relative's namesakes and their families) are one
    # piece of evidence: the best of them counts; different questions combine as independent
    rel = rel.sort("probability", descending=True)
    per_root = rel.group_by("claim", "hh", "root", maintain_order=True).agg(pl.col("probability").first())
    comb = per_root.group_by("claim", "hh").agg(
        (1 - (1 - pl.col("probability").clip(0, cfg.max_household_p)).product()).alias("probability"),
        pl.len().alias("_ng"))
    g = (rel.group_by("claim", "hh", maintain_order=True).agg(
        pl.col("pidx").first().alias("via_pidx"),
        pl.col("pidx").cast(pl.Utf8).str.join(",").alias("recorded"),
        pl.col("relation").fill_null("").str.join(",").alias("via"),
        pl.col("grp").first().alias("grp"))
         .join(comb, on=["claim", "hh"], maintain_order="left"))
    return table({"claim": g.get_column("claim"), "kind": ["household"] * g.height, "hh": g.get_column("hh"),
                  "probability": g.get_column("probability").clip(0, cfg.max_household_p),
                  "source": ["household"] * g.height, "grp": g.get_column("grp"),
                  "ord": np.where(g.get_column("_ng").to_numpy() > 1, 1.0, cfg.single_hh_order),
                  "via_pidx": g.get_column("via_pidx"), "recorded": g.get_column("recorded"),
                  "via": g.get_column("via")})


def village(text: str | None) -> str | None:
    """The place below the commune a residence names first ("thôn 7", "buôn 21", "tổ dân phố 3"),
    folded, or None when the text does not start with one."""
    from reconcile.vn.places import _BELOW_COMMUNE, fold_place

    if not text:
        return None
    head = fold_place(text.split(",")[0])
    return head if any(head == p or head.startswith(p + " ") for p in _BELOW_COMMUNE) else None


def address_households(ca, index, cfg: LeadsConfig) -> pl.DataFrame:
    """Where an unregistered child of a registered family would be:
    - households in the very village the claimant names as residence ("thôn 7" of the commune they
      give) holding someone of the claimant's clan or of a claimed relative's clan (any age: the
      village narrows enough); they share `family_hh_prob` (up to `family_hh_village_max` listed);
    - households in the commune of the residence (or hometown) with an adult head or spouse of the
      claimant's clan 15–55 years older: `family_hh_prob` / k over the k fitting households
      (× `family_hh_home_factor` when found through the hometown), up to `family_hh_max`."""
    a = index.arrays
    cols = a.cols
    post = index.postings.get("clan") if isinstance(index.postings, dict) else None
    if post is None:
        return empty()
    gl, gh = cfg.family_hh_gap
    hh_of = np.asarray(cols["household"])
    n_fam = len(index.vocabs["fam_key"])
    off = ca.crel["offsets"]
    out = []
    villages: dict[str | None, str | None] = {}     # village of each residence text met (this call)

    def clan(fk: int, ylo: int | None = None, yhi: int | None = None) -> np.ndarray:
        """The people of clan key `fk` (born in [ylo, yhi] when given: a block is sorted by birth
        year, so the window is two binary searches, not a pass over the clan)."""
        if fk < 0 or fk >= n_fam:
            return np.zeros(0, np.int64)
        start, stop = post.blocks(np.array([fk], dtype=np.uint64))
        s, e = int(start[0]), int(stop[0])
        if ylo is not None:
            years = post.years[s:e]
            s, e = s + int(np.searchsorted(years, ylo, "left")), s + int(np.searchsorted(years, yhi, "right"))
        return np.asarray(post.pidx[s:e]).astype(np.int64)

    for c in range(ca.n):
        fk = int(ca.cols["fam_key"][c])
        lo, hi = int(ca.cols["by_lo"][c]), int(ca.cols["by_hi"][c])
        here: dict[int, int] = {}
        my_village = village(ca.display["residence"][c])
        cc, cd = int(ca.cols["res_commune"][c]), int(ca.cols["res_district"][c])
        if my_village is not None and cc >= 0:
            keys = {fk} | {int(x) for x in ca.crel["fam_key"][int(off[c]):int(off[c + 1])]}
            for k in sorted(x for x in keys if x >= 0):
                people = clan(k)
                people = people[np.asarray(cols["res_commune"])[people] == cc]     # then the few left
                pdist = np.asarray(cols["res_district"])[people]
                people = people[(hh_of[people] >= 0) & ((cd < 0) | (pdist < 0) | (pdist == cd))]
                if people.size == 0:
                    continue
                homes = index.display.cols["residence"].take(people)
                for p, where in zip(people.tolist(), homes):
                    if where not in villages:
                        villages[where] = village(where)
                    if villages[where] == my_village:
                        here.setdefault(int(hh_of[p]), p)
        found: dict[int, tuple[float, int]] = {}
        if lo and fk >= 0:
            people = clan(fk, lo - gh, hi - gl)
            people = people[hh_of[people] >= 0]
            for side, factor in (("res", 1.0), ("home", cfg.family_hh_home_factor)):
                sc = int(ca.cols[f"{side}_commune"][c])
                if sc < 0 or people.size == 0:
                    continue
                sd = int(ca.cols[f"{side}_district"][c])
                pdist = np.asarray(cols[f"{side}_district"])[people]
                sel = people[(np.asarray(cols[f"{side}_commune"])[people] == sc)
                             & ((sd < 0) | (pdist < 0) | (pdist == sd))]
                roles = index.display.cols["relation_to_head"].take(sel) if sel.size else []
                for p, role in zip(sel.tolist(), roles):
                    h = int(hh_of[p])
                    if role in cfg.family_hh_roles and h not in here and found.get(h, (0.0,))[0] < factor:
                        found[h] = (factor, p)
        k_here, k = len(here), len(found)
        for h, p in sorted(here.items())[: cfg.family_hh_village_max]:
            out.append((c, h, cfg.family_hh_prob / k_here, p, k_here))
        for h, (factor, p) in sorted(found.items(), key=lambda x: (-x[1][0], x[0]))[: cfg.family_hh_max]:
            out.append((c, h, cfg.family_hh_prob / k * factor, p, k))
    if not out:
        return empty()
    c, h, p, who, k = map(list, zip(*out))
    return table({"claim": c, "kind": ["household"] * len(c), "hh": h, "probability": p,
                  "source": ["address_household"] * len(c), "grp": [None] * len(c), "ord": [1.0] * len(c),
                  "via_pidx": who, "k": k})


# ------------------------------------------------------------------------------------------------
# places
# ------------------------------------------------------------------------------------------------

class Places:
    """Officer-readable place (historical name → today, `places.describe`) per distinct text, for
    one call."""

    def __init__(self, lang: str):
        self.lang = lang
        self.seen: dict[str, str] = {}

    def __call__(self, text):
        from reconcile.vn import places

        if text is None:
            return None
        if text not in self.seen:
            try:
                d = places.describe(places.resolve(text), self.lang)
            except (ValueError, KeyError):  # a place we cannot read is shown as written
                d = ""
            self.seen[text] = d or text
        return self.seen[text]


def with_place(t: pl.DataFrame, index, describe: "Places") -> pl.DataFrame:
    """`place` of person and household leads: where the person (or the household's first lead)
    lives, as described by `places.describe`."""
    who = t.get_column("pidx").fill_null(t.get_column("via_pidx")).fill_null(-1).to_numpy().astype(np.int64)
    ok = who >= 0
    res = [None] * t.height
    if ok.any():
        u, inv = np.unique(who[ok], return_inverse=True)
        texts = index.display.cols["residence"].take(u)
        desc = [describe(x) for x in texts]
        for i, j in zip(np.flatnonzero(ok).tolist(), inv.tolist()):
            res[i] = desc[j]
    return t.with_columns(pl.Series("place", res, dtype=pl.Utf8))


def place_leads(persons: pl.DataFrame, ca, describe: "Places", cfg: LeadsConfig) -> pl.DataFrame:
    """Where to ask: today's commune/province of the person leads (max probability, count) and the
    hometown the claimant named (with the name they used)."""
    found = (persons.filter(pl.col("place").is_not_null() & pl.col("kind").is_in(["self", "relative"]))
             .group_by("claim", "place").agg(pl.col("probability").max(), pl.len().cast(pl.Int64).alias("n")))
    home = [(c, describe(t), t) for c, t in enumerate(ca.display["claimed_hometown"]) if t]
    home = pl.DataFrame(home, schema={"claim": pl.Int64, "place": pl.Utf8, "said": pl.Utf8}, orient="row")
    pl_ = found.join(home, on=["claim", "place"], how="full", coalesce=True).with_columns(
        pl.max_horizontal(pl.col("probability").fill_null(0.0),
                          pl.when(pl.col("said").is_not_null()).then(pl.lit(cfg.hometown_prob)).otherwise(0.0))
        .alias("probability"), pl.col("n").fill_null(0))
    pl_ = (pl_.sort(["claim", "probability", "place"], descending=[False, True, False])
           .with_columns(pl.int_range(pl.len()).over("claim").alias("_k"))
           .filter(pl.col("_k") < cfg.max_places).drop("_k"))
    return pl_.with_columns(pl.lit("place").alias("kind"), pl.lit("place").alias("source"))


def place_rows(body: list[dict], ca, describe: "Places", cfg: LeadsConfig) -> list[dict]:
    """`place_leads` of ONE claim from its lead rows (row dicts, no frame): per place of a self or
    relative lead the best probability and the count, the claimed hometown merged in (`said`),
    the `max_places` most probable."""
    found: dict[str, list] = {}
    for r in body:
        if r["place"] is not None and r["kind"] in ("self", "relative"):
            f = found.setdefault(r["place"], [r["probability"], 0])
            f[0] = max(f[0], r["probability"])
            f[1] += 1
    said = {}
    for t in ca.display["claimed_hometown"][:1]:
        if t:
            said[describe(t)] = t
    out = []
    for place in [*found, *(p for p in said if p not in found)]:
        p, n = found.get(place, (0.0, 0))
        s = said.get(place)
        out.append({"claim": 0, "place": place, "probability": max(p, cfg.hometown_prob if s is not None else 0.0),
                    "n": n, "said": s, "kind": "place", "source": "place"})
    out.sort(key=lambda r: (-r["probability"], r["place"]))
    return out[: cfg.max_places]
