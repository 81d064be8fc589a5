"""Verification leads (SPEC §3): self, relative, household and place leads with reasons an officer
can act on, decided from the engine's scored pairs (comparison levels by name), never from text.

    leads(claims, index, *, top_k=20, config=None, lang="vi", progress=None, scored=None, decisions=None)

Data flow: `Matcher(index, config).score(claims)` → `ScoredPairs` (given as `scored=` or computed) →
`sources` (one small function per lead source: self, relative pseudo-claims and records naming the
claimant scored in ONE batch by the same `Matcher` with `sources.pseudo_params`, family of found
leads, households, places) → `rank.order` (diversity; probabilities untouched) → `words.reasons`
(only for the returned rows). For ONE claim (an officer asking about the claim in front of them)
the claim's pseudo-claims are scored in one engine call and the end (places, ordering, words) runs
on row dicts (`rank.order_rows`, `sources.place_rows`, `words.reason_columns`), the same output as
the polars path of a batch. Every tuning number is in `LeadsConfig` (`config=LeadsConfig(...)`, or
`EngineConfig.leads` when `config=` is an engine config).

Probabilities: a self lead is the claim's posterior; a relative lead is the posterior that this
registered person IS the named relative (its pseudo-claim's posterior over "one of the N registered
people or none of them": namesakes share the mass; "none" with its own prior, higher when the claimant
is probably unregistered); a record naming the claimant is scored the same way; a relative of a found
lead carries lead × edge confidence (ranked after other namesakes: the same hypothesis); a household combines its leads as
independent evidence; a place lead is how useful asking there is (never a person's probability).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from reconcile import progress as _progress
from reconcile.leads import rank, sources, words
from reconcile.leads.config import LeadsConfig, resolve
from reconcile.leads.sources import pseudo_claims, pseudo_params

OUTPUT_SCHEMA = {"claim_id": pl.Utf8, "rank": pl.UInt32, "kind": pl.Utf8, "person_id": pl.Utf8,
                 "household_id": pl.Utf8, "place": pl.Utf8, "relation": pl.Utf8,
                 "probability": pl.Float64, "reason": pl.Utf8, "full_name": pl.Utf8}

__all__ = ["leads", "leads_detail", "LeadsConfig", "OUTPUT_SCHEMA", "pseudo_claims", "pseudo_params"]


def _empty(detail: bool = False) -> pl.DataFrame:
    schema = dict(OUTPUT_SCHEMA, **({"_source": pl.Utf8} if detail else {}))
    return pl.DataFrame(schema=schema)


def _drop_rejected(t: pl.DataFrame, rejected: pl.DataFrame | None, claim_ids: list[str], index) -> pl.DataFrame:
    """A person an officer rejected for a claim (`rejected`: claim_id, person_id) is no lead for it,
    before households and ranking are derived from the person leads."""
    if rejected is None or rejected.height == 0 or t.height == 0:
        return t
    pos = {c: i for i, c in enumerate(claim_ids)}
    rej = pl.DataFrame({"claim": [pos.get(c, -1) for c in rejected.get_column("claim_id").to_list()],
                        "person_id": rejected.get_column("person_id").cast(pl.Utf8)})
    pid = index.display.gather(np.maximum(t.get_column("pidx").fill_null(0).to_numpy(), 0)).get_column("person_id")
    t = t.with_columns(pl.when(pl.col("pidx").is_not_null()).then(pid).alias("_pid"))
    return t.join(rej, left_on=["claim", "_pid"], right_on=["claim", "person_id"], how="anti").drop("_pid")


def leads_detail(claims, index, *, top_k: int = 20, config=None, lang: str = "vi", progress=None,
                 scored=None, decisions=None) -> pl.DataFrame:
    """`leads` with one more column, `_source` (self, self_sibling, relative, named, family,
    household, address_household, place), for benchmarks and the review app."""
    from reconcile.engine import Matcher
    from reconcile.explain import check_lang

    check_lang(lang)
    if top_k < 1:
        raise ValueError(f"top_k must be at least 1 (got {top_k})")
    cfg, ecfg = resolve(config)
    say = _progress.resolve(progress)
    matcher = Matcher(index, ecfg)
    if scored is None:
        from reconcile.features import encode_claim, encode_claims

        if isinstance(claims, list) and len(claims) == 1 and isinstance(claims[0], dict):
            claims = claims[0]
        if isinstance(claims, dict):             # one claim: the scalar encoding (no polars query)
            sp = matcher.score_arrays(encode_claim(claims, index))
        else:
            sp = matcher.score_arrays(encode_claims(claims, index))
    else:
        sp = scored
    ca = sp.claims
    if ca.n == 0:
        return _empty(True)
    say("leads", 0, 4)
    own = sources.self_leads(sp, index, cfg)
    pseudo = sources.pseudo_claims(ca, cfg)
    rel = sources.empty()
    if pseudo.height:
        pm = Matcher(index, ecfg, params=pseudo_params(matcher.params))
        parts = [sources.relative_leads(
            sources.relative_prior(psp, part, sp.p_none, pm.params, index.n_people, cfg, index), part,
            index, cfg)
            for psp, part in sources.score_pseudo(pseudo, pm, cfg.scalar_max)]
        rel = pl.concat(parts) if parts else sources.empty()
    say("leads", 1, 4)
    fix = (lambda t: sources.not_self(t, sp)) if cfg.not_self else (lambda t: t)
    persons = fix(pl.concat([own, rel])).sort("probability", descending=True)
    persons = pl.concat([persons, fix(sources.family_leads(persons, index, cfg))])
    persons = persons.sort(["probability", "source"], descending=[True, False])
    # one row per (claim, person): a person found by several sources keeps the most probable
    persons = persons.unique(["claim", "pidx"], keep="first", maintain_order=True)
    if decisions is not None:
        from reconcile.decisions import as_decisions

        persons = _drop_rejected(persons, as_decisions(decisions).rejected_pairs(), ca.claim_id, index)
    say("leads", 2, 4)
    hh = sources.household_leads(persons, index, cfg)
    addr = sources.address_households(ca, index, cfg)
    if addr.height and hh.height:
        # a household both holding person leads and standing at the claimed address answers two
        # independent questions: 1 − (1 − p_persons)(1 − p_address), shown once (as the person one)
        both = hh.join(addr.select("claim", "hh", pl.col("probability").alias("_pa")), on=["claim", "hh"],
                       how="left")
        hh = both.with_columns(
            pl.when(pl.col("_pa").is_null()).then(pl.col("probability"))
            .otherwise((1 - (1 - pl.col("probability")) * (1 - pl.col("_pa"))).clip(0, cfg.max_household_p))
            .alias("probability"),
            pl.when(pl.col("_pa").is_null()).then(pl.col("ord")).otherwise(1.0).alias("ord")).drop("_pa")
        addr = addr.join(hh.select("claim", "hh"), on=["claim", "hh"], how="anti")
    if addr.height:
        own_hh = persons.filter(pl.col("kind") == "self")
        known_hh = own_hh.select("claim", pl.Series("hh", np.asarray(index.arrays.cols["household"])[
            own_hh.get_column("pidx").to_numpy()].astype(np.int64)))
        addr = addr.join(known_hh, on=["claim", "hh"], how="anti")
    describe = sources.Places(lang)
    body = sources.with_place(pl.concat([persons, hh, addr]), index, describe)
    if ca.n == 1 and cfg.one_claim_rows:     # places, ordering and words on row dicts (no query)
        say("leads", 3, 4)
        out = _one_claim(body.to_dicts(), ca, index, describe, top_k, cfg, matcher.registry, lang)
        say("leads", 4, 4)
        return out
    places = sources.place_leads(body, ca, describe, cfg)
    say("leads", 3, 4)
    ranked = rank.order(body, places, top_k, cfg)
    out = words.reasons(ranked, index, matcher.registry, lang)
    cid = np.asarray(ca.claim_id, dtype=object)
    out = out.with_columns(pl.Series("claim_id", cid[out.get_column("claim").to_numpy()], dtype=pl.Utf8))
    say("leads", 4, 4)
    return out.select(*OUTPUT_SCHEMA, pl.col("source").alias("_source"), pl.col("via").alias("_via"),
                      pl.col("kr").alias("_kr")).cast(OUTPUT_SCHEMA)


DETAIL_SCHEMA = {**OUTPUT_SCHEMA, "_source": pl.Utf8, "_via": pl.Utf8, "_kr": pl.Utf8}


def _one_claim(body: list[dict], ca, index, describe, top_k: int, cfg: LeadsConfig, registry,
               lang: str) -> pl.DataFrame:
    """The end of `leads_detail` for ONE claim, from its person/household lead rows as dicts: place
    leads, ordering and reasons without a query, the output frame built once."""
    rows = rank.order_rows(body, sources.place_rows(body, ca, describe, cfg), top_k, cfg)
    pid, name, hhs, reason = words.reason_columns(rows, index, registry, lang)
    col = {"claim_id": [ca.claim_id[0]] * len(rows), "rank": [r["rank"] for r in rows],
           "kind": [r["kind"] for r in rows], "person_id": pid, "household_id": hhs,
           "place": [r.get("place") for r in rows], "relation": [r.get("relation") for r in rows],
           "probability": [r["probability"] for r in rows], "reason": reason, "full_name": name,
           "_source": [r["source"] for r in rows], "_via": [r.get("via") for r in rows],
           "_kr": [r.get("kr") for r in rows]}
    return pl.DataFrame(col, schema=DETAIL_SCHEMA)


def leads(claims, index, *, top_k: int = 20, config=None, lang: str = "vi", progress=None,
          scored=None, decisions=None) -> pl.DataFrame:
    """Verification leads for each claim, most useful first (SPEC §3): `claim_id rank kind person_id
    household_id place relation probability reason full_name`.

    `claims`: frame, path, list of dicts or one dict. `scored`: the claims' `ScoredPairs` when the
    caller already has them (`Matcher(index, config).score(claims)`; then `claims` is not re-read).
    `config`: a `LeadsConfig` or an `EngineConfig` (its `leads` field). `decisions` (a decisions.db
    path or `reconcile.decisions.Decisions`): rejected people are no leads for that claim, and
    `decisions.apply_to_leads` adds the claim's `decision`, `confirmed_for` and `lead_outcome`."""
    out = leads_detail(claims, index, top_k=top_k, config=config, lang=lang, progress=progress,
                       scored=scored, decisions=decisions).drop("_source", "_via", "_kr")
    if decisions is not None:
        from reconcile.decisions import apply_to_leads

        out = apply_to_leads(out, decisions)
    return out
