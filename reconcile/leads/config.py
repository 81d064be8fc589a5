"""`LeadsConfig`: every tuning number of the leads (each default in one place, nothing inside
function bodies). Reached through `leads(..., config=LeadsConfig(...))`, or through the engine
config (`EngineConfig.leads`) when `config=` is an `EngineConfig`."""

from __future__ import annotations

import dataclasses

from reconcile.kinship import AGE_GAPS


@dataclasses.dataclass(frozen=True)
class LeadsConfig:
    # which candidates become leads
    self_top: int = 3                 # a claim's own candidates considered as self leads
    min_self: float = 0.02            # self leads below this probability are not shown
    # relative leads below this are not shown: low, so that a claim with few leads still lists its
    # claimed relatives' namesakes (ordering puts them last; the per-claim prior of pseudo-claims
    # below puts an unregistered claimant's relatives up to ~6x lower than the claimant's prior would)
    min_relative: float = 0.002
    per_relative: int = 6             # registered people kept per claimed relative (namesakes)
    per_named: int = 6                # records kept per "named on a record" pseudo-claim
    scalar_max: int = 16              # up to this many pseudo-claims are encoded one by one (scalar)
    agree_bits: float = 0.5           # a comparison weighing more than this is named as agreeing
    # a self candidate whose given name is at one of these levels while a claimed parent is at one
    # of `sibling_parent_levels` is a sibling of the claimant, never the claimant
    sibling_giv_levels: tuple[str, ...] = ("different",)
    sibling_parent_levels: tuple[str, ...] = ("strong",)
    # relatives' birth year relative to the claimant's (lo, hi): bounds a relative's pseudo-claim;
    # from the one age-gap table of the library (kinship.AGE_GAPS)
    by_gap: tuple[tuple[str, int, int], ...] = tuple(
        (r, AGE_GAPS[r][0], AGE_GAPS[r][1]) for r in ("father", "mother", "spouse", "child", "sibling"))
    # the prior of a pseudo-claim's "none of them" (the named relative, or someone naming the claimant
    # on a record, is not in the register), per claim: p_none × `rel_absent_if_absent` +
    # (1 − p_none) × `rel_absent_if_registered`, p_none being the claimant's own posterior of being
    # none of the registered people. A registered claimant's family is mostly registered with them
    # (one household book); a claimant without papers usually comes from a family the register also
    # missed (migrants from the north, books left at home, whole families never registered), and of
    # those who do have registered kin only some of the named relatives are. The claimant's own prior
    # (`Prior.absent_share` 0.4) says nothing about a name they gave. With these, a namesake agreeing
    # on name, age and place is not enough for p >= 0.5 when the claimant is unregistered; agreement
    # of the family seen from the relative (their recorded spouse, children, parents) is.
    # None (either): the engine's own prior for pseudo-claims (before issue 10).
    rel_absent_if_absent: float | None = 0.8
    rel_absent_if_registered: float | None = 0.3
    # a pseudo-claim's birth-year range (the claimant's years widened by the relation's age gaps,
    # ~50 years) weighs log2(P(inside | relative) / share of the register born in it) instead of the
    # model's `in_wide` weight, which is the ratio of a claimant's own few-year range (+2.7 bits where
    # the range deserves ~0.5): `sources.year_range_bits`. False: the model's weight (before).
    year_range_tf: bool = True
    # family of a lead (the registered relatives of a found relative or self lead)
    expand_min: float = 0.004         # relative leads at least this probable pass their family on
    expand_min_self: float = 0.5      # self leads at least this probable (a wrong self lead floods)
    expand_min_conf: float = 0.5      # register edges at least this sure
    expand_factor: float = 1.0        # derived probability = lead × edge confidence × this
    family_free_p: float = 0.5        # the family of a lead below this competes as one group (ordering)
    # ordering weight of the family of a relative lead (not of a self lead): they are the same
    # hypothesis as their lead (wrong together when it is wrong), so once the lead is listed they add
    # a contact but little new chance of reaching the claimant's family; other namesakes (other
    # hypotheses) come first. The family of a self lead is what confirms the claimant: weight 1.
    family_order: float = 0.25
    # the register's edge confidence as a probability: conf ** gamma per (relation, source). Refitted
    # (issue 10) across three train worlds of the widened generator (20k default, names_x2,
    # registered_0.4; edges from a lead known to be right, so the edge's own reliability): edges a
    # record gives by NAME only (the parent's name written on the record, resolved to a registered
    # namesake; siblings through such a shared parent name) are right less often than their confidence
    # says (siblings at 0.94: 57%, children at 0.81: 58%, mothers at 0.81: 64%). Checked, not fitted,
    # on benchmarks/otherworld.py: relative-lead ECE 0.066 -> 0.062 (default 20k), 0.083 -> 0.078
    # (hard). Household edges are left as they are.
    edge_gamma: tuple[tuple[str, str, float], ...] = (("father", "record_name", 1.6),
                                                      ("mother", "record_name", 2.2),
                                                      ("child", "record_name", 2.5),
                                                      ("sibling", "record_name", 13.0))
    # a relative lead who may be the claimant themself: p × (1 − the claimant's posterior for them)
    not_self: bool = True
    # households at the claimed address (an unregistered child of a registered family)
    family_hh_max: int = 3
    family_hh_village_max: int = 6    # households of the claimant's clan in the village they name
    # shared among the fitting households of one commune (village). Fitted (issue 10) on the two
    # synth train worlds (default 20k and 200k, pooled: 26 of the shown households held the family
    # for a sum of 1,331 shares = 0.020); it was 0.5, while households found this way held the
    # claimant's family 0-2.5% of the time in every world, at 0.05-0.5, and took top-10 places from
    # relative leads. Checked, not fitted: off_a 20k 0.029, otherworld 20k 0.038 / 200k 0.016.
    family_hh_prob: float = 0.02
    family_hh_home_factor: float = 0.6  # a household found through the hometown, not the residence
    family_hh_gap: tuple[int, int] = (15, 55)   # the adult is this much older than the claimant
    family_hh_roles: tuple[str, ...] = ("chủ hộ", "vợ", "chồng")
    # places
    hometown_prob: float = 0.3        # usefulness of asking the claimed hometown
    max_places: int = 3
    # ordering (the probability column is never changed by it)
    group_decay: float = 0.5          # n-th lead answering one question ranks by p × decay^n
    place_decay: float = 0.25         # n-th place lead after the first
    single_hh_order: float = 0.3      # a household that only repeats one person lead
    max_household_p: float = 0.99     # a household's combined probability is capped here
    # the leads of ONE claim are finished on row dicts (places, ordering, reasons: no polars query,
    # the same output); False: the batch's polars path (kept for the test that they agree)
    one_claim_rows: bool = True

    def gap(self, relation: str) -> tuple[int, int]:
        for r, lo, hi in self.by_gap:
            if r == relation:
                return lo, hi
        raise KeyError(f"LeadsConfig.by_gap has no relation {relation!r}")


def resolve(config) -> tuple["LeadsConfig", object]:
    """(LeadsConfig, EngineConfig or None) from the `config=` keyword of `leads`."""
    if config is None:
        return LeadsConfig(), None
    if isinstance(config, LeadsConfig):
        return config, None
    lc = getattr(config, "leads", None)
    return (lc if isinstance(lc, LeadsConfig) else LeadsConfig()), config
