"""`match()` (SPEC §3): `engine.Matcher.score` + rank + words, in batches of claims.

Same input, same output: ranks are decided by (probability, weight) descending, then register order.
"""

from __future__ import annotations

import polars as pl

from reconcile import progress as _progress
from reconcile.engine import OUTPUT_SCHEMA, EngineConfig, Matcher

__all__ = ["match", "OUTPUT_SCHEMA"]


def match(claims, index, *, top_k: int = 10, config: EngineConfig | None = None, lang: str = "vi",
          progress=None, params=None, decisions=None) -> pl.DataFrame:
    """Ranked, calibrated candidates for each claim (SPEC §3).

    `claims`: frame, path or list of dicts. Returns one row per (claim, candidate), best first, with
    `claim_id rank person_id probability weight evidence evidence_detail full_name birth_year
    household_id p_none`. Claims without any candidate get no rows (nobody is forced).
    `params` (a `model.Params`) replaces the index's model (leads score pseudo-claims with it).
    `decisions` (a decisions.db path or `reconcile.decisions.Decisions`): officers' decisions applied
    by `decisions.apply_to_matches` (adds `decision`, `confirmed_for`)."""
    from reconcile.explain import check_lang
    from reconcile.features import _claims_frame, encode_claims

    check_lang(lang)
    if top_k < 1:
        raise ValueError(f"top_k must be at least 1 (got {top_k})")
    say = _progress.resolve(progress)
    matcher = Matcher(index, config, params=params)
    frame = _claims_frame(claims)
    n = frame.height
    out = []
    say("match", 0, n)
    for start in range(0, n, matcher.config.batch_size):
        part = frame.slice(start, matcher.config.batch_size)
        sp = matcher.score_arrays(encode_claims(part, index))
        out.append(matcher.frame(sp, sp.top(top_k), lang))
        say("match", min(start + matcher.config.batch_size, n), n)
    result = pl.concat(out) if out else pl.DataFrame(schema=OUTPUT_SCHEMA)
    if decisions is not None:
        from reconcile.decisions import apply_to_matches

        result = apply_to_matches(result, decisions)
    return result
