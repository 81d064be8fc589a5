"""The `not_recorded` level weighed by the register at hand (reconcile.model.completeness)."""

import math

import pytest

import reconcile as rc
from reconcile import synth
from reconcile.engine import EngineConfig, Matcher
from reconcile.index.arrays import RelativeCompleteness
from reconcile.model import completeness, default_params

RELS = ("father", "mother", "spouse", "child", "sibling")


def _weight(p, rel, level="not_recorded"):
    return math.log2(max(p.m[rel][level], 1e-12) / max(p.u[rel][level], 1e-12))


@pytest.fixture(scope="module")
def index():
    return rc.build_index(synth.generate_population(3000, 11))


def test_counts_of_the_register(index):
    c = index.relative_completeness
    assert c.relations == RELS
    for rel in ("father", "mother", "sibling"):
        assert c.of(rel)[0] == c.of(rel)[1]          # everyone has had them: expected = all
    for rel in ("spouse", "child"):
        exp, allr = c.of(rel)
        assert 0.0 <= exp < allr <= 1.0                # adults of those ages mostly have one recorded
    assert index.relative_completeness is c            # counted once


def test_register_listing_people_alone_makes_absence_no_evidence():
    p = default_params()
    alone = RelativeCompleteness(RELS, (0.6,) * 5, (0.6,) * 5, 2024)
    q = completeness.apply(p, alone)
    for rel in RELS:
        assert _weight(q, rel) == pytest.approx(0.0)


def test_complete_register_makes_absence_evidence_against_but_never_below_a_difference():
    p = default_params()
    full = RelativeCompleteness(RELS, (0.1, 0.1, 0.45, 0.55, 0.4), (0.1, 0.1, 0.02, 0.05, 0.4), 2024)
    q = completeness.apply(p, full)
    assert _weight(q, "father") == pytest.approx(0.0)
    for rel in ("spouse", "child"):
        assert _weight(q, rel) < -1.0
        assert _weight(q, rel) >= _weight(q, rel, "different") - 1e-9
    # other levels untouched
    assert q.m["spouse"]["strong"] == p.m["spouse"]["strong"]


def test_matcher_uses_it_by_default_and_can_be_switched_off(index):
    on = Matcher(index)
    off = Matcher(index, EngineConfig(register_completeness=False))
    exp, allr = index.relative_completeness.of("father")
    assert on.params.u["father"]["not_recorded"] == pytest.approx(max(allr, completeness.FLOOR))
    assert off.params.m["father"] == default_params().m["father"]



def _arrays(edges, n, by=1980):
    """A `PersonArrays`-like object: CSR relatives from (owner, relation, pidx) edges, birth years."""
    from types import SimpleNamespace

    import numpy as np

    from reconcile.index.arrays import RELATION_CODE

    edges = sorted(edges)
    offsets = np.r_[0, np.cumsum(np.bincount([e[0] for e in edges], minlength=n))]
    rel = SimpleNamespace(offsets=offsets, relation=np.array([RELATION_CODE[e[1]] for e in edges]),
                          pidx=np.array([e[2] for e in edges]), n_edges=len(edges))
    by = np.full(n, by)
    by[0] = 2024                                       # the reference year: everyone else is 44
    return SimpleNamespace(rel=rel, n=n, cols={"by": by})


def _families(n_families, linked, child_listed=lambda f: f % 2):
    edges = []
    for f in range(1, n_families + 1):
        father, mother, kid = 3 * f, 3 * f + 1, 3 * f + 2
        edges += [(kid, "father", father), (kid, "mother", mother)]
        if linked(f):
            edges += [(father, "spouse", mother), (mother, "spouse", father)]
            if child_listed(f):
                edges += [(father, "child", kid), (mother, "child", kid)]
    return edges, 3 * n_families + 3


def test_spouse_expected_from_parents_a_child_names_together():
    """Issue 10 (false identities): a claimant who names a spouse has one. The people certainly
    partnered are the parents a child's record names together; their share without a recorded spouse
    is what the register leaves out (the married ages also count the unmarried and the widowed)."""
    from reconcile.index.arrays import relative_completeness

    edges, n = _families(40, lambda f: f % 4)          # one family in four: the spouses not linked
    c = relative_completeness(_arrays(edges, n))
    assert c.of("spouse")[0] == pytest.approx(0.25)
    # a child naming one parent says nothing of a partner: too few partnered, the married ages stand
    few = [(2, "father", 0), (2, "mother", 1), (5, "father", 3), (4, "spouse", 5), (5, "spouse", 4)]
    c_few = relative_completeness(_arrays(few, 6, by=1980))
    assert c_few.of("spouse")[0] == pytest.approx(3 / 5)   # five people aged 44 (30-60), two married


def test_child_expected_from_the_married_of_parent_ages():
    from reconcile.index.arrays import relative_completeness

    edges, n = _families(40, lambda f: True)           # every couple linked; half list their child
    c = relative_completeness(_arrays(edges, n))       # parents and children alike aged 44
    assert c.of("child")[0] == pytest.approx(0.5)      # among the 80 married, half list no child
    young, _ = _families(40, lambda f: True)
    assert relative_completeness(_arrays(young, n, by=2020)).of("child")[0] == pytest.approx(
        c.of("child")[1])                              # aged 4: nobody of child ages; share of all


def test_partnered_shares_weigh_a_missing_spouse_more():
    p = default_params()
    married_ages = RelativeCompleteness(RELS, (0.1, 0.1, 0.5, 0.55, 0.4), (0.1, 0.1, 0.4, 0.05, 0.4), 2024)
    partnered = RelativeCompleteness(RELS, (0.1, 0.1, 0.5, 0.55, 0.4), (0.1, 0.1, 0.05, 0.05, 0.4), 2024)
    a, b = completeness.apply(p, married_ages), completeness.apply(p, partnered)
    assert _weight(b, "spouse") < _weight(a, "spouse")
    assert _weight(b, "spouse") >= _weight(b, "spouse", "different") - 1e-9
