"""Leadership, funding and purpose levers: the numbers the mechanisms read each step."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from netsim import Parameters
from netsim.model.levers import (
    LEADER_PRESENCE,
    PRIORITY_COST,
    STYLE_PRINCIPAL_SHARE,
    Levers,
    leadership_presence,
    leadership_shares,
)
from netsim.model.state import ACTIVE, LAPSED, PASSIVE


def test_funding_runs_startup_then_sustained_unless_overridden() -> None:
    levers = Levers(Parameters(startup_funding=0.9, startup_weeks=10, sustained_funding=0.2))
    assert levers.funding(10) == 0.9
    assert levers.funding(11) == 0.2
    levers.funding_override = 0.0
    assert levers.funding(3) == 0.0


def test_facilitation_falls_with_funding_and_leaders_but_not_to_zero() -> None:
    levers = Levers(
        Parameters(
            facilitation_capacity=1.0, startup_funding=1.0, startup_weeks=5, sustained_funding=0.0
        )
    )
    assert levers.facilitation(1) == pytest.approx(1.0)
    assert levers.facilitation(6) == pytest.approx(0.25)
    levers.leadership_presence = 0.4
    assert levers.facilitation(1) == pytest.approx(0.4)


def test_each_priority_costs_a_little_more_attention_no_cliff() -> None:
    focus = [Levers(Parameters(priorities=p)).focus for p in range(1, 11)]
    assert focus[0] == 1.0
    steps = -np.diff(focus)
    assert (steps > 0).all()  # every extra priority costs something
    assert (np.diff(steps) < 0).all()  # and less than the one before: graded, no cliff
    assert focus[3] == pytest.approx(1 / (1 + 3 * PRIORITY_COST))
    loads = [Levers(Parameters(priorities=p)).attention_load for p in range(1, 11)]
    assert loads[0] == 1.0 and (np.diff(loads) > 0).all()


def test_timeline_priority_added_changes_focus() -> None:
    levers = Levers(Parameters(priorities=3))
    before = levers.focus
    levers.extra_priorities += 3
    assert levers.priorities == 6
    assert levers.focus == pytest.approx(1 / (1 + 5 * PRIORITY_COST))
    assert levers.focus < before


def test_hierarchy_brings_performance_management_and_pressure_adds_to_it() -> None:
    assert Levers(Parameters(leadership_style="distributed")).performance_management == 0.0
    hierarchy = Levers(Parameters(leadership_style="hierarchical")).performance_management
    assert hierarchy > 0
    pressed = Levers(Parameters(leadership_style="hierarchical", performance_pressure=0.9))
    assert pressed.performance_management == 1.0


@given(style=st.sampled_from(sorted(STYLE_PRINCIPAL_SHARE)), leaders=st.integers(1, 40))
def test_leadership_shares_sum_to_one_principal_first(style: str, leaders: int) -> None:
    shares = leadership_shares(style, leaders)
    assert shares.size == leaders
    assert shares.sum() == pytest.approx(1.0)
    assert (shares > 0).all() and shares[0] == shares.max()


def test_principal_share_depends_on_style() -> None:
    principal = {style: leadership_shares(style, 5)[0] for style in STYLE_PRINCIPAL_SHARE}
    assert principal["distributed"] < principal["figurehead"] < principal["hierarchical"]


def test_presence_is_supplied_by_leaders_who_are_members() -> None:
    shares = leadership_shares("figurehead", 3)
    everyone = np.array([ACTIVE, ACTIVE, ACTIVE], np.int8)
    assert leadership_presence(shares, everyone) == pytest.approx(1.0)
    figurehead_gone = np.array([LAPSED, ACTIVE, ACTIVE], np.int8)
    assert leadership_presence(shares, figurehead_gone) == pytest.approx(1 - shares[0])
    passive = np.array([PASSIVE, LAPSED, LAPSED], np.int8)
    assert leadership_presence(shares, passive) == pytest.approx(
        shares[0] * LEADER_PRESENCE["passive"]
    )


def test_events_need_funding() -> None:
    unfunded = Levers(Parameters(startup_funding=0.0, sustained_funding=0.0))
    assert unfunded.event_probability(1) == 0.0
    funded = Levers(Parameters(startup_funding=1.0, events_per_year=52))
    assert funded.event_probability(1) == 1.0


@given(
    startup=st.sampled_from([0.0, 0.3, 0.9]),
    weeks=st.integers(0, 60),
    sustained=st.sampled_from([0.0, 0.2, 0.9]),
    presence=st.sampled_from([1.0, 0.45]),
    override=st.sampled_from([None, 0.0, 0.5]),
    first=st.integers(1, 80),
    count=st.integers(0, 90),
)
def test_a_runs_funding_and_facilitation_are_the_weeks_one_by_one(
    startup: float,
    weeks: int,
    sustained: float,
    presence: float,
    override: float | None,
    first: int,
    count: int,
) -> None:
    levers = Levers(
        Parameters(startup_funding=startup, startup_weeks=weeks, sustained_funding=sustained)
    )
    levers.leadership_presence = presence
    levers.funding_override = override
    steps = range(first, first + count)
    assert levers.funding_weeks(first, count) == [levers.funding(t) for t in steps]
    assert levers.facilitation_weeks(first, count) == [levers.facilitation(t) for t in steps]
