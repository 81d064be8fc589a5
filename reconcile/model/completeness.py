"""What "the register names no such relative" is worth, taken from the register at hand.

A claim names a father; the candidate's record names none. How much that speaks against the
candidate depends on the register, not on people: a register that writes whole families down rarely
leaves a true person's father out, one that lists people alone leaves most out. A fixed weight learned
on one kind of register says "different person" far too loudly on the other (a record without
parents lost 1–3 bits per claimed relative on registers that list half their people alone).

So the `not_recorded` level of each relative comparison takes, for the register being searched
(`Index.relative_completeness`):
- u = the share of all records naming no relative of that kind (what a random record shows);
- m = the share of records naming none among people who almost surely have one (everyone has had a
  father, mother and siblings; the married ages for a spouse, parent ages for a child): what a true
  person's record shows when the register leaves relatives out at random.
For parents and siblings m = u (weight 0: absence is no evidence); for a spouse or child the weight is
negative, the more so the more completely the register records families. Nothing here is fitted.
`EngineConfig.register_completeness` (default on) switches it off, for the learned values.
"""

from __future__ import annotations

import dataclasses

from reconcile.model.params import Params

FLOOR = 1e-3   # a share never below this (an empty or complete register does not give ±∞ bits)
LEVEL = "not_recorded"


def apply(params: Params, completeness) -> Params:
    """`params` with the m and u of every relative comparison's `not_recorded` level replaced by the
    register's (`index.arrays.RelativeCompleteness`)."""
    m = dict(params.m)
    u = dict(params.u)
    for rel in completeness.relations:
        if rel not in m or LEVEL not in m[rel]:
            continue
        expected, overall = completeness.of(rel)
        mm, uu = max(float(expected), FLOOR), max(float(overall), FLOOR)
        # evidence order: a missing record never speaks louder against than a recorded one that differs
        if "different" in m[rel]:
            floor_ratio = max(m[rel]["different"], FLOOR) / max(u[rel]["different"], FLOOR)
            mm = max(mm, uu * floor_ratio)
        m[rel] = {**m[rel], LEVEL: mm}
        u[rel] = {**u[rel], LEVEL: uu}
    return dataclasses.replace(params, m=m, u=u)


__all__ = ["apply", "FLOOR"]
