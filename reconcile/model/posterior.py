"""The posterior over "one of the N registered people, or none of them", per claim.

For a claim with candidates j (total weights w_j in bits), each registered person has prior
(1 − absent_share) / N and "none of them" has prior absent_share; a registered claimant whose record
blocking did not return (`miss_rate`) also counts for "none". Hence, relative to one registered
person with weight 0:

    logit(none) = ln(absent_share + (1 − absent_share) · miss_rate) − ln((1 − absent_share) / N)
    logit(j)    = a · w_j · ln 2 + b

and a softmax over the candidates and "none" gives each its probability: five equally good namesakes
share the mass, and a larger register (N) makes the same evidence weaker, as it should. Term
frequencies (inside w_j) come from the register at hand. `a`, `b` (calibration) correct for the
dependence between comparisons and are fitted across a grid of generated worlds
(`reconcile.model.training.calibration`), never on one register size.
"""

from __future__ import annotations

import math

import numpy as np

from reconcile.model.params import Params

LN2 = math.log(2.0)


def none_logit(params: Params, n_people: int) -> float:
    """Natural-log score of "none of them" relative to one registered person with weight 0."""
    pr = params.prior
    n = max(int(n_people), 1)
    return math.log(pr.absent_share + (1.0 - pr.absent_share) * pr.miss_rate) \
        - math.log((1.0 - pr.absent_share) / n)


def logits(weight: np.ndarray, params: Params) -> np.ndarray:
    cal = params.calibration
    return cal.a * np.asarray(weight, dtype=np.float64) * LN2 + cal.b


def posterior(weight: np.ndarray, claim: np.ndarray, n_claims: int, n_people: int,
              params: Params) -> tuple[np.ndarray, np.ndarray]:
    """(probability per pair, p_none per claim) from total weights (bits) and each pair's claim
    position (0 ≤ claim < n_claims). A claim without candidates gets p_none = 1."""
    claim = np.asarray(claim, dtype=np.int64)
    z = logits(weight, params)
    z0 = none_logit(params, n_people)
    mx = np.full(n_claims, z0)
    if len(z):
        np.maximum.at(mx, claim, z)
    e = np.exp(z - mx[claim])
    e0 = np.exp(z0 - mx)
    den = np.bincount(claim, weights=e, minlength=n_claims) + e0
    return e / den[claim], e0 / den
