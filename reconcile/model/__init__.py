"""Scoring model of engine v3: self-describing parameters (`params`), scoring of a pair view
(`score`), the posterior with "none of them" (`posterior`) and training (`training`).

    from reconcile.model import default_params, score, posterior
    levels, weights, chosen_edge = score(view, default_params())
    prob, p_none = posterior(weights.sum(1), claim_of_pair, n_claims, view.n_people, params)

`reconcile.model.legacy` is the polars model of engine v2, kept only until the engine switches over.
"""

from reconcile.model.params import (Calibration, Dependence, Params, ParamsError, Prior, TFSettings,
                                    default_params, enforce_order)
from reconcile.model.posterior import none_logit, posterior
from reconcile.model.score import Scored, score, total

__all__ = ["Calibration", "Dependence", "Params", "ParamsError", "Prior", "TFSettings", "Scored",
           "default_params", "enforce_order", "none_logit", "posterior", "score", "total"]
