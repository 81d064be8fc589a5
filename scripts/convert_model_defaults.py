"""One-off: convert the engine-v2 parameters (reconcile/data/model_defaults_legacy.json, m/u lists by
level position) into format 3 (keyed by comparison and level names), as the starting point that
benchmarks/train_defaults.py retrains. Levels new in v3 start from stated guesses, marked so in
`trained_on`. Weights are then made non-increasing along each comparison's evidence order.

    python scripts/convert_model_defaults.py
"""

from __future__ import annotations

import json
from pathlib import Path

from reconcile.comparisons import default_registry
from reconcile.model.legacy import FIELDS
from reconcile.model.params import Calibration, Params, Prior, TFSettings, enforce_order

DATA = Path(__file__).resolve().parent.parent / "reconcile" / "data"

# levels new in v3: (m, u) guesses; u from the share of random pairs, m from how often a true pair
# of a generated register would have it. Retraining replaces them.
GUESSES = {
    "dob": {"missing": (1, 1), "exact": (0.93, 0.0028), "swapped": (0.01, 0.0025),
            "month_only": (0.025, 0.081), "day_only": (0.02, 0.030), "different": (0.015, 0.883)},
    "stage": {"missing": (1, 1), "adult": (0.985, 0.70), "youth": (0.01, 0.07), "child": (0.005, 0.23)},
}


def main() -> None:
    old = json.loads((DATA / "model_defaults_legacy.json").read_text("utf-8"))
    reg = default_registry()
    m, u = {}, {}
    for f in FIELDS:
        om, ou = old["m"][f.name], old["u"][f.name]
        lv = dict(zip(f.levels, zip(om, ou)))
        if f.name in ("home", "res"):
            sc, su, co, inc = (lv[x] for x in ("same_commune", "same_unit", "compatible", "incompatible"))
            # v2 "same_unit" held both the same district and the same province: split 30/70 for m and
            # 10/90 for u (a district is a small part of a province); training replaces it
            lv = {"missing": (1, 1), "same_commune": sc, "same_district": (su[0] * 0.3, su[1] * 0.1),
                  "same_unit": (su[0] * 0.7, su[1] * 0.9), "compatible": co, "different": inc}
        m[f.name] = {k: float(v[0]) for k, v in lv.items()}
        u[f.name] = {k: float(v[1]) for k, v in lv.items()}
        if "not_recorded" in lv:
            # v3 weighs "nothing recorded" (v2: neutral): guesses 3% of true pairs, 30% of random
            for table, share in ((m, 0.03), (u, 0.30)):
                t = table[f.name]
                rest = sum(v for k, v in t.items() if k not in ("not_claimed", "not_recorded"))
                for k in t:
                    if k not in ("not_claimed", "not_recorded"):
                        t[k] = t[k] / rest * (1 - share)
                t["not_recorded"] = share
    for name, g in GUESSES.items():
        m[name] = {k: float(v[0]) for k, v in g.items()}
        u[name] = {k: float(v[1]) for k, v in g.items()}
    for cmp in reg:
        m[cmp.name], u[cmp.name] = enforce_order(cmp, m[cmp.name], u[cmp.name])
    t = old.get("tf", {})
    cal = old.get("calibration", {})
    p = Params(m=m, u=u,
               tf=TFSettings(enabled=t.get("enabled", True), weight=t.get("weight", 1.0),
                             fuzzy_weight=t.get("fuzzy_weight", 0.5), min_u=t.get("min_u", 5e-5),
                             min_u_relatives=t.get("min_u_relatives", 1e-3)),
               prior=Prior(absent_share=round(1.0 - old.get("prior_in_register", 0.6), 6),
                           miss_rate=old.get("miss_rate", 0.02)),
               calibration=Calibration(a=cal.get("a", 1.0), b=cal.get("b", 0.0), method="softmax-temperature",
                                       fitted_on="engine v2, one generated register of 50,000 (seed 101)"),
               trained_on={"source": "converted from the engine-v2 defaults: " + old.get("source", ""),
                           "guessed": sorted(GUESSES) + ["home.same_district", "res.same_district",
                                                          "<relative>.not_recorded"],
                           "order_enforced": True})
    p.save(DATA / "model_defaults.json", reg)
    print("wrote", DATA / "model_defaults.json")
    for cmp in reg:
        print(cmp.name, [f"{lv.name}:{w:+.1f}" for lv, w in zip(cmp.levels, p.level_weights(cmp))])


if __name__ == "__main__":
    main()
