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
