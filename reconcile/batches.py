"""Running `match` and `leads` over many claims in batches, with a progress step after each batch.

Owns the batch sizes (about PROGRESS_STEPS steps per run) and `match_and_leads`, which scores each
batch of claims ONCE (`Matcher.score`) and gives the same scored pairs to the candidates and the leads
(the report command, the review app's queue). Used by the command line, the demo and the review app,
so none of them imports another.
"""

from __future__ import annotations

import math

import polars as pl

# Claims per progress step: about PROGRESS_STEPS steps, never batches smaller than MIN_BATCH
# (match) or MIN_LEADS_BATCH (leads has a fixed cost per call), never larger than MAX_BATCH.
PROGRESS_STEPS = 20
MIN_BATCH = 50
MAX_BATCH = 1000
MIN_LEADS_BATCH = 100


def batch_size(n: int, minimum: int = MIN_BATCH) -> int:
    """Claims per batch: about PROGRESS_STEPS batches, at least `minimum`, at most MAX_BATCH."""
    return max(minimum, min(MAX_BATCH, math.ceil(n / PROGRESS_STEPS)))


def match_in_batches(claims: pl.DataFrame, index, top_k: int, lang: str, progress) -> pl.DataFrame:
    """`rc.match` with a progress step after each batch of claims."""
    import reconcile as rc

    return rc.match(claims, index, top_k=top_k, lang=lang, progress=progress,
                    config=rc.EngineConfig(batch_size=batch_size(claims.height)))


def leads_in_batches(claims: pl.DataFrame, index, top_k: int, lang: str, progress) -> pl.DataFrame:
    """`rc.leads` on successive batches of claims (each claim's leads depend on that claim and the
    index only), with a progress step after each batch."""
    import reconcile as rc

    n = claims.height
    size = batch_size(n, MIN_LEADS_BATCH)
    parts = []
    progress("leads", 0, n)
    for start in range(0, n, size):
        parts.append(rc.leads(claims.slice(start, size), index, top_k=top_k, lang=lang))
        progress("leads", min(start + size, n), n)
    if not parts:
        return rc.leads(claims, index, top_k=top_k, lang=lang)
    return pl.concat(parts, how="vertical_relaxed")


def match_and_leads(claims, index, *, top_k: int = 10, leads_top_k: int = 20, config=None, lang: str = "vi",
                    progress=None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(`match`, `leads`) of many claims, each batch scored once and its ScoredPairs given to both
    (`leads(scored=)`): the same rows as `rc.match` and `rc.leads` called one after the other."""
    import reconcile as rc
    from reconcile import progress as _progress
    from reconcile.features import _claims_frame, encode_claims
    from reconcile.matching import OUTPUT_SCHEMA

    say = _progress.resolve(progress)
    matcher = rc.Matcher(index, config)
    frame = _claims_frame(claims)
    n, size = frame.height, matcher.config.batch_size
    ms, ls = [], []
    say("match + leads", 0, n)
    for start in range(0, n, size):
        part = frame.slice(start, size)
        sp = matcher.score_arrays(encode_claims(part, index))
        ms.append(matcher.frame(sp, sp.top(top_k), lang))
        ls.append(rc.leads(part, index, top_k=leads_top_k, config=config, lang=lang, scored=sp))
        say("match + leads", min(start + size, n), n)
    if not ms:
        return pl.DataFrame(schema=OUTPUT_SCHEMA), rc.leads(frame, index, top_k=leads_top_k, lang=lang)
    return pl.concat(ms), pl.concat(ls, how="vertical_relaxed")
