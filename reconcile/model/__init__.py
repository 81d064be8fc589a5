"""Scoring model of engine v3: self-describing parameters (`params`), scoring of a pair view
(`score`), the posterior with "none of them" (`posterior`) and training (`training`).

    from reconcile.model import default_params, score, posterior
    levels, weights, chosen_edge = score(view, default_params())
    prob, p_none = posterior(weights.sum(1), claim_of_pair, n_claims, view.n_people, params)

The packaged parameters (reconcile/data/model_defaults.json, format 3) are built by
benchmarks/train_defaults.py; the v2 parameters were converted once (git history: scripts/
convert_model_defaults.py) and then retrained.
"""

from reconcile.model.params import (Calibration, Dependence, Params, ParamsError, Prior, TFSettings,
                                    default_params, enforce_order)
from reconcile.model.posterior import none_logit, posterior
from reconcile.model.score import Scored, score, total

__all__ = ["Calibration", "Dependence", "Params", "ParamsError", "Prior", "TFSettings", "Scored",
           "default_params", "enforce_order", "none_logit", "posterior", "score", "total"]
