"""Engagement and trust equations and the network value curve."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from netsim.model.engagement import (
    CHAMPION_FATIGUE,
    DISAPPOINTMENT_RATE,
    EVENT_ENGAGEMENT_GAIN,
    EVENT_TRUST_GAIN,
    EXPECTATION_SCALE,
    HEADSPACE_RELIEF,
    IDEA_VALUE,
    NURTURE_RATE,
    NURTURE_SPAN,
    PASSIVE_VALUE_SHARE,
    PERCEIVED_VALUE_RATE,
    PM_ENGAGEMENT_COST,
    PM_TRUST_COST,
    EngagementInputs,
    network_value,
    update_engagement_and_trust,
)
from netsim.model.state import MemberArrays, MembershipStatus


def test_network_value_rises_in_proportion_to_the_active_network_with_no_set_tipping_point() -> (
    None
):
    shares = np.linspace(0, 1, 101)
    values = np.array([network_value(s, 1.0) for s in shares])
    # proportional: no constant bends the curve at a chosen share (the tip must emerge)
    assert np.allclose(np.diff(values), np.diff(values)[0])
    assert network_value(0.0, 1.0) == 0.0 and network_value(1.0, 1.0) == 1.0
    assert network_value(0.5, 0.4) == pytest.approx(0.4 * network_value(0.5, 1.0))


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


# The numpy formulation of update_engagement_and_trust as of commit 1e3d37e (before the
# numba kernel), copied as it was apart from its name and docstring. The kernel must match
# it bit for bit.

# np.clip's own ufunc (what np.clip calls for two finite bounds), without its Python wrappers
_clip = getattr(getattr(np, "_core", None), "umath", np).clip


def _reference_update_engagement_and_trust(
    members: MemberArrays,
    member_mask: np.ndarray,
    active_mask: np.ndarray,
    reciprocated: np.ndarray,
    unanswered: np.ndarray,
    attended: np.ndarray | None,
    ideas_held: np.ndarray,
    inputs: EngagementInputs,
) -> None:
    idx = member_mask.nonzero()[0]
    if idx.size == 0:
        return
    n_members = idx.size
    e = members.engagement[idx]
    t = members.trust[idx]
    p = members.perceived_value[idx]
    # counts stay integers: each product below converts them to float64 exactly as an
    # explicit astype would, without the extra pass
    rec = reciprocated[idx].astype(np.float64)
    np.minimum(rec, 3.0, out=rec)  # min(count, 3), exact in floats
    una = unanswered[idx]
    # v for active members, v/2 for passive ones (np.where's values, picked by a 0/1 index)
    felt_value = np.array([inputs.value * PASSIVE_VALUE_SHARE, inputs.value]).take(
        active_mask[idx].view(np.uint8)
    )

    # The equations are evaluated in place into a few reused buffers (fewer passes over
    # memory at 100k members); every product and sum is the same IEEE operation, in the
    # same order, as the formulas in the module docstring written out term by term.
    # Terms that are zero for everyone this step (no event held, no performance
    # management, no champions) are skipped: adding or subtracting +0.0 leaves every
    # value as it is (no term here can be -0.0).
    tmp = np.multiply(rec, 0.5)
    tmp += felt_value
    realised = np.minimum(tmp, 1.0, out=tmp)  # min(1, v + 0.5 rec)
    realised -= p
    realised *= PERCEIVED_VALUE_RATE
    p += realised

    reach = min(1.0, NURTURE_SPAN * members.size / n_members)
    fatigue = inputs.fatigue * (1.0 - HEADSPACE_RELIEF * inputs.headspace) * inputs.attention_load
    champion = members.champion
    if champion.any():
        fatigue_i = np.where(champion[idx], fatigue * CHAMPION_FATIGUE, fatigue)
    else:
        fatigue_i = fatigue
    # disappointment = 0.08 * max(0, 0.6 x - p)
    disappointment = np.subtract(EXPECTATION_SCALE * inputs.expectations, p)
    np.maximum(disappointment, 0.0, out=disappointment)
    disappointment *= DISAPPOINTMENT_RATE

    # gain = a v (0.5 + 0.5 t) + g rec + nurture + 0.05 att + idea value x held
    gain = np.multiply(felt_value, inputs.network_effect_strength)
    np.multiply(t, 0.5, out=tmp)
    tmp += 0.5
    gain *= tmp
    np.multiply(rec, inputs.exchange_gain, out=tmp)
    gain += tmp
    gain += NURTURE_RATE * inputs.facilitation * reach
    att = None if attended is None else attended[idx]
    if att is not None:
        np.multiply(att, EVENT_ENGAGEMENT_GAIN, out=tmp)
        gain += tmp
    np.multiply(ideas_held[idx], IDEA_VALUE * inputs.alignment, out=tmp)
    gain += tmp
    # de = (1 - e) gain - fatigue - disappointment - 0.5 c una - pm cost
    de = gain
    np.subtract(1.0, e, out=tmp)
    de *= tmp
    de -= fatigue_i
    de -= disappointment
    np.multiply(una, 0.5 * inputs.unanswered_cost, out=tmp)
    de -= tmp
    pm = inputs.performance_management
    if pm != 0.0:
        de -= PM_ENGAGEMENT_COST * pm
    # dt = 0.5 g rec - c una + 0.03 att - pm cost
    dt = np.multiply(rec, 0.5 * inputs.exchange_gain)
    np.multiply(una, inputs.unanswered_cost, out=tmp)
    dt -= tmp
    if att is not None:
        np.multiply(att, EVENT_TRUST_GAIN, out=tmp)
        dt += tmp
    if pm != 0.0:
        dt -= PM_TRUST_COST * pm

    e += de
    t += dt
    members.engagement[idx] = _clip(e, 0.0, 1.0, out=e)
    members.trust[idx] = _clip(t, 0.0, 1.0, out=t)
    members.perceived_value[idx] = _clip(p, 0.0, 1.0, out=p)


# levels in [0, 1]: the bounds, round values, what hypothesis likes and plainly spread values
unit = st.one_of(
    st.sampled_from([0.0, 1.0, 0.5]),
    st.floats(0.0, 1.0),
    st.integers(0, 1000).map(lambda k: k / 1000),
)


def _array(dtype: type, size: int, elements: st.SearchStrategy | None = None) -> st.SearchStrategy:
    """Arrays with every element drawn (hypothesis' default fills most with one value)."""
    return hnp.arrays(dtype, size, elements=elements, fill=st.nothing())


@st.composite
def engagement_cases(draw: st.DrawFn) -> tuple:
    """Random members (any statuses), this step's counts and levers."""
    n = draw(st.integers(1, 60))
    m = MemberArrays.empty(n, 1)
    m.status[:] = draw(_array(np.int8, n, st.sampled_from([int(s) for s in MembershipStatus])))
    m.engagement[:] = draw(_array(np.float64, n, unit))
    m.trust[:] = draw(_array(np.float64, n, unit))
    m.reciprocity[:] = draw(_array(np.float64, n, unit))
    m.perceived_value[:] = draw(_array(np.float64, n, unit))
    if draw(st.booleans()):  # champions present (else none)
        m.champion[:] = draw(_array(np.bool_, n))
    counts = st.integers(0, 6)
    reciprocated = draw(_array(np.int64, n, counts))
    unanswered = draw(_array(np.int64, n, counts))
    attended = draw(st.none() | _array(np.int64, n, st.integers(0, 1)))
    if draw(st.booleans()):  # one idea: held or not
        ideas_held = draw(_array(np.bool_, n))
    else:  # several: the share held
        ideas = draw(st.integers(1, 4))
        ideas_held = draw(_array(np.int64, n, st.integers(0, ideas))) / ideas
    data = EngagementInputs(
        value=draw(unit),
        alignment=draw(unit),
        facilitation=draw(unit),
        headspace=draw(unit),
        attention_load=draw(st.floats(0.0, 3.0)),
        performance_management=draw(st.just(0.0) | unit),
        expectations=draw(st.floats(0.0, 2.0)),
        network_effect_strength=draw(st.floats(0.0, 1.0)),
        exchange_gain=draw(st.floats(0.0, 0.5)),
        unanswered_cost=draw(st.floats(0.0, 0.5)),
        fatigue=draw(st.floats(0.0, 0.5)),
    )
    return m, reciprocated, unanswered, attended, ideas_held, data


@settings(max_examples=60, deadline=None)
@given(engagement_cases())
def test_update_engagement_and_trust_matches_the_numpy_formulation(case: tuple) -> None:
    m, reciprocated, unanswered, attended, ideas_held, data = case
    new, ref = copy.deepcopy(m), copy.deepcopy(m)
    for members, update in (
        (new, update_engagement_and_trust),
        (ref, _reference_update_engagement_and_trust),
    ):
        update(
            members,
            members.is_member(),
            members.is_active(),
            reciprocated.copy(),
            unanswered.copy(),
            None if attended is None else attended.copy(),
            ideas_held.copy(),
            data,
        )
    for name in MemberArrays.__slots__:
        got, want = getattr(new, name), getattr(ref, name)
        assert got.dtype == want.dtype and np.array_equal(got, want), name
        if got.dtype.kind == "f":  # the same bits: -0.0 is not 0.0
            assert np.array_equal(got.view(np.int64), want.view(np.int64)), name
