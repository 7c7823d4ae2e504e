"""Diffusion rules: the complex-contagion fraction rule k/d >= phi is decided exactly
(issue 13, item 6); outside influence, Bass's coefficient of innovation (issue 15)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import netsim
from netsim import Parameters
from netsim.model import diffusion
from netsim.model.diffusion import ContagionRule, needed_adopters, new_adopters, outside_adopters
from netsim.model.graphs import ContactGraph
from netsim.model.state import AdoptionState, MembershipStatus


def exact_meets(k: int, d: int, phi_text: str) -> bool:
    return Fraction(k, d) >= Fraction(phi_text)


def test_needed_adopters_is_exact_for_every_hundredth_and_degree_up_to_200() -> None:
    wrong = []
    for hundredths in range(0, 101):
        phi = hundredths / 100
        table = needed_adopters(phi, 201)
        for d in range(1, 201):
            for k in range(d + 1):
                if (k >= table[d]) != exact_meets(k, d, repr(phi)):
                    wrong.append((phi, d, k))
    assert wrong == []


def test_the_float_product_gets_boundary_pairs_wrong_that_the_rule_gets_right() -> None:
    # the documented case: 7 of 25 contacts at phi = 0.28 meets k/d >= phi exactly
    assert 7 < 0.28 * 25  # the float test says no
    assert needed_adopters(0.28, 26)[25] == 7


@given(
    digits=st.integers(min_value=0, max_value=10_000),
    degree=st.integers(min_value=1, max_value=20_000),
)
def test_needed_adopters_matches_exact_rationals(digits: int, degree: int) -> None:
    phi = digits / 10_000
    needed = int(needed_adopters(phi, degree + 1)[degree])
    assert exact_meets(needed, degree, repr(phi))
    assert needed == 0 or not exact_meets(needed - 1, degree, repr(phi))


def star(leaves: int) -> ContactGraph:
    centre = np.zeros(leaves, dtype=np.int64)
    return ContactGraph.from_pairs(leaves + 1, centre, np.arange(1, leaves + 1, dtype=np.int64))


@pytest.mark.parametrize(("adopting", "adopts"), [(6, False), (7, True)])
def test_a_member_with_exactly_the_threshold_share_adopts(adopting: int, adopts: bool) -> None:
    graph = star(25)
    ties = graph.tie_csr(None)
    transmitting = np.zeros(26, dtype=bool)
    transmitting[1 : 1 + adopting] = True
    susceptible = ~transmitting
    rule = ContagionRule(
        complex=True,
        transmission_probability=1.0,
        threshold_fraction=0.28,
        threshold_count=1,
        adoption_probability=1.0,
    )
    found = new_adopters(ties, transmitting, susceptible, rule, np.random.default_rng(0))
    assert (0 in found.tolist()) is adopts


def test_the_rule_caches_its_table_and_grows_it_for_larger_degrees() -> None:
    rule = ContagionRule(True, 1.0, 0.5, 1, 1.0)
    assert rule.needed(np.array([3, 4])).tolist() == [2, 2]
    assert rule.needed(np.array([1001])).tolist() == [501]


# --- outside influence (Bass's coefficient of innovation p, issue 15) ------------------

Z_TOLERANCE = 4.5
"""Statistical checks below pass when the count is within 4.5 binomial standard errors
of its exact expectation: a correct model fails one with probability about 7e-6."""


def within_binomial_band(count: float, expected: float, variance: float) -> bool:
    return abs(count - expected) <= Z_TOLERANCE * np.sqrt(variance)


@given(
    mask=st.lists(st.booleans(), min_size=0, max_size=60),
    weighted=st.booleans(),
)
def test_outside_adopters_at_zero_draw_nothing_and_adopt_nobody(
    mask: list[bool], weighted: bool
) -> None:
    rng = np.random.default_rng(3)
    before = rng.bit_generator.state
    weights = np.linspace(0.0, 1.0, len(mask)) if weighted else None
    found = outside_adopters(np.array(mask, dtype=bool), 0.0, rng, receiver_weight=weights)
    assert found.size == 0
    assert rng.bit_generator.state == before


def test_outside_adopters_draw_one_uniform_per_susceptible_person_in_index_order() -> None:
    susceptible = np.array([True, False, True, True, False, True])
    rng = np.random.default_rng(8)
    found = outside_adopters(susceptible, 0.5, rng)
    draws = np.random.default_rng(8).random(4)
    assert found.tolist() == np.flatnonzero(susceptible)[draws < 0.5].tolist()
    assert rng.bit_generator.state == _after(8, 4)


def _after(seed: int, draws: int) -> dict[str, object]:
    rng = np.random.default_rng(seed)
    rng.random(draws)
    return rng.bit_generator.state


def test_a_receiver_weight_scales_the_chance_and_zero_weight_never_adopts() -> None:
    n = 200_000
    weights = np.repeat([0.0, 0.5, 1.0], n)
    found = outside_adopters(np.ones(3 * n, bool), 0.2, np.random.default_rng(5), weights)
    counts = np.bincount(found // n, minlength=3)
    assert counts[0] == 0
    for count, chance in zip(counts[1:], (0.1, 0.2), strict=True):
        assert within_binomial_band(count, n * chance, n * chance * (1 - chance))


def no_ties(**changes: object) -> Parameters:
    """Contagion mode on a graph without a single edge, nobody holding the idea at first."""
    base: dict[str, object] = {
        "mode": "contagion",
        "topology": "erdos_renyi",
        "contacts_per_person": 0.0,
        "eligible_population": 1000,
        "innovators": 0,
    }
    return Parameters(**(base | changes))


def test_without_ties_outside_influence_alone_gives_one_minus_one_minus_p_to_the_t() -> None:
    """With no ties nobody imitates: each person adopts by week t independently with
    1 - (1 - p)^t, so the adopters over R runs of n people are Binomial(R n, F(t)) and
    the count must lie within Z_TOLERANCE standard errors of R n F(t) at every week."""
    p, weeks, runs = 0.04, 30, 20
    params = no_ties(outside_influence=p, steps=weeks)
    assert params.eligible_population * runs == 20_000
    shares = np.array(
        [netsim.run(params, seed=s).table["adoption_share"].to_numpy() for s in range(runs)]
    )
    total = params.eligible_population * runs
    for t in range(weeks + 1):
        expected = 1.0 - (1.0 - p) ** t
        count = shares[:, t].sum() * params.eligible_population
        assert within_binomial_band(count, total * expected, total * expected * (1 - expected)), t
    assert shares[:, -1].mean() > 0.6  # 1 - 0.96^30 = 0.71: a real rise, not noise


def test_without_ties_or_outside_influence_nobody_ever_adopts() -> None:
    table = netsim.run(no_ties(steps=30), seed=1).table
    assert (table["adoption_share"] == 0.0).all()


def test_at_zero_the_model_takes_exactly_the_draws_it_took_before_the_term(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """p = 0 is the model without the term: replacing it by one that never touches the
    generator changes neither the table nor the generator's final state."""
    for params in (
        Parameters(eligible_population=200, steps=30),
        Parameters(mode="contagion", eligible_population=300, steps=30),
    ):
        with_term = netsim.run(params, seed=2)
        with monkeypatch.context() as patch:
            patch.setattr(diffusion, "outside_adopters", lambda *a, **k: np.empty(0, np.int64))
            without = netsim.run(params, seed=2)
        pd.testing.assert_frame_equal(with_term.table, without.table, check_exact=True)
        assert with_term.model.rng.bit_generator.state == without.model.rng.bit_generator.state


def only_outside(**changes: object) -> Parameters:
    """The social model where ideas can come from outside only: no innovators, no
    transmission over ties, no broadcast."""
    base: dict[str, object] = {
        "eligible_population": 400,
        "innovators": 0,
        "transmission_probability": 0.0,
        "hierarchy_broadcast": 0.0,
        "outside_influence": 0.3,
    }
    return Parameters(**(base | changes))


@pytest.mark.parametrize("purpose_clarity", [0.2, 0.9])
def test_in_the_social_model_only_active_members_adopt_times_trust_and_alignment(
    purpose_clarity: float,
) -> None:
    """After one week every adopter took it up from outside, so the count is a sum of
    Bernoulli(p x trust_i x alignment) over the active members (statuses and trust are
    final for the week before ideas spread); summed over runs it must lie within
    Z_TOLERANCE standard errors of its expectation, and nobody else adopts."""
    params = only_outside(purpose_clarity=purpose_clarity, steps=1)
    p = params.outside_influence
    adopters, expected, variance, active_count = 0, 0.0, 0.0, 0
    for seed in range(30):
        model = netsim.run(params, seed=seed).model
        m = model.members
        adopted = m.adoption[0] == AdoptionState.ADOPTED
        active = m.status == MembershipStatus.ACTIVE
        assert not (adopted & ~active).any()
        chance = p * m.trust[active] * model.levers.alignment
        adopters += int(adopted.sum())
        expected += float(chance.sum())
        variance += float((chance * (1 - chance)).sum())
        active_count += int(active.sum())
    assert within_binomial_band(adopters, expected, variance)
    # power: the ungated rule (p for every active member) lies outside the band
    assert not within_binomial_band(adopters, p * active_count, p * (1 - p) * active_count)


def test_in_the_social_model_new_adopters_from_outside_are_active_members_each_week() -> None:
    model = netsim.build_model(only_outside(steps=40), seed=4)
    before = model.members.adoption[0].copy()
    gained = 0
    for _ in range(40):
        model.step()
        row = model.members.adoption[0]
        new = (before == AdoptionState.NOT_ADOPTED) & (row == AdoptionState.ADOPTED)
        assert (model.members.status[new] == MembershipStatus.ACTIVE).all()
        gained += int(new.sum())
        before = row.copy()
    assert gained > 0
