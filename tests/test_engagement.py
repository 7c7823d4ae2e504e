"""Engagement and trust equations and the network value curve."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from netsim.engagement import EngagementInputs, network_value, update_engagement_and_trust
from netsim.state import MemberArrays, MembershipStatus


def test_network_value_is_half_at_the_critical_mass_and_s_shaped() -> None:
    assert network_value(1 / 3, 1 / 3, 1.0) == pytest.approx(0.5)
    shares = np.linspace(0, 1, 101)
    values = np.array([network_value(s, 1 / 3, 1.0) for s in shares])
    assert np.all(np.diff(values) >= 0)
    slopes = np.diff(values)
    assert slopes[:10].mean() < slopes[25:40].mean()  # accelerating before the tipping point
    assert network_value(0.5, 1 / 3, 0.4) == pytest.approx(0.4 * network_value(0.5, 1 / 3, 1))


def inputs(**changes: float) -> EngagementInputs:
    values = dict(
        value=0.0,
        alignment=1.0,
        facilitation=0.0,
        headspace=0.0,
        attention_load=1.0,
        performance_management=0.0,
        expectations=0.0,
        network_effect_strength=0.1,
        exchange_gain=0.05,
        unanswered_cost=0.02,
        fatigue=0.02,
    )
    values.update(changes)
    return EngagementInputs(**values)


def members_of(n: int, engagement: float = 0.5, trust: float = 0.5) -> MemberArrays:
    m = MemberArrays.empty(n, 1)
    m.status[:] = MembershipStatus.ACTIVE
    m.engagement[:] = engagement
    m.trust[:] = trust
    m.perceived_value[:] = 0.5
    return m


def step(m: MemberArrays, data: EngagementInputs, *, rec=0, una=0, att=0, held=0.0) -> None:
    n = m.size
    update_engagement_and_trust(
        m,
        m.is_member(),
        m.is_active(),
        np.full(n, rec),
        np.full(n, una),
        np.full(n, att),
        np.full(n, held),
        data,
    )


def test_fatigue_alone_lowers_engagement_and_headspace_relieves_it() -> None:
    tired, rested = members_of(1), members_of(1)
    step(tired, inputs())
    step(rested, inputs(headspace=1.0))
    assert tired.engagement[0] == pytest.approx(0.48)
    assert 0.48 < rested.engagement[0] < 0.5


def test_reciprocated_exchanges_raise_engagement_and_trust_unanswered_lower_them() -> None:
    helped, rebuffed = members_of(1), members_of(1)
    step(helped, inputs(fatigue=0.0), rec=2)
    step(rebuffed, inputs(fatigue=0.0), una=2)
    assert helped.engagement[0] > 0.5 and helped.trust[0] > 0.5
    assert rebuffed.engagement[0] < 0.5 and rebuffed.trust[0] < 0.5


def test_performance_management_costs_engagement_and_trust() -> None:
    managed = members_of(1)
    step(managed, inputs(fatigue=0.0, performance_management=1.0))
    assert managed.engagement[0] < 0.5 and managed.trust[0] < 0.5


def test_high_expectations_disappoint_when_value_is_low() -> None:
    realistic, inflated = members_of(1), members_of(1)
    realistic.perceived_value[:] = inflated.perceived_value[:] = 0.1
    step(realistic, inputs(fatigue=0.0, expectations=0.2))
    step(inflated, inputs(fatigue=0.0, expectations=1.0))
    assert inflated.engagement[0] < realistic.engagement[0]


def test_gains_shrink_as_engagement_nears_one() -> None:
    low, high = members_of(1, engagement=0.2), members_of(1, engagement=0.9)
    step(low, inputs(fatigue=0.0, value=1.0))
    step(high, inputs(fatigue=0.0, value=1.0))
    assert (low.engagement[0] - 0.2) > (high.engagement[0] - 0.9) > 0


def test_prospects_are_untouched() -> None:
    m = members_of(2)
    m.status[1] = MembershipStatus.PROSPECT
    step(m, inputs(fatigue=0.5))
    assert m.engagement[1] == 0.5


@given(
    e=st.floats(0, 1),
    t=st.floats(0, 1),
    rec=st.integers(0, 50),
    una=st.integers(0, 50),
    fatigue=st.floats(0, 1),
    pm=st.floats(0, 1),
    value=st.floats(0, 1),
)
def test_levels_stay_in_the_unit_interval(
    e: float, t: float, rec: int, una: int, fatigue: float, pm: float, value: float
) -> None:
    m = members_of(1, engagement=e, trust=t)
    step(
        m,
        inputs(fatigue=fatigue, performance_management=pm, value=value, facilitation=1.0),
        rec=rec,
        una=una,
        att=1,
        held=1.0,
    )
    for array in (m.engagement, m.trust, m.perceived_value):
        assert 0.0 <= array[0] <= 1.0
