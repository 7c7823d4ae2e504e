"""The complex-contagion fraction rule k/d >= phi is decided exactly (issue 13, item 6)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from netsim.model.diffusion import ContagionRule, needed_adopters, new_adopters
from netsim.model.graphs import ContactGraph


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
