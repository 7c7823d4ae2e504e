"""Leadership, funding and purpose levers: the numbers the mechanisms read each step."""

from __future__ import annotations

import pytest

from netsim import Parameters
from netsim.model.levers import ATTENTION_CAPACITY, STYLE_LEADER_DEPENDENCE, Levers


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
    levers.leader_leaves(1.0)
    assert levers.facilitation(1) == pytest.approx(1.0 - STYLE_LEADER_DEPENDENCE["distributed"])


@pytest.mark.parametrize("priorities", [1, 2, 3])
def test_up_to_three_priorities_keep_full_focus(priorities: int) -> None:
    assert Levers(Parameters(priorities=priorities)).focus == 1.0


def test_more_priorities_split_attention_and_add_load() -> None:
    few, many = Levers(Parameters(priorities=3)), Levers(Parameters(priorities=8))
    assert many.focus == pytest.approx(ATTENTION_CAPACITY / 8)
    assert many.alignment < few.alignment
    assert many.attention_load > few.attention_load == 1.0


def test_timeline_priority_added_changes_focus() -> None:
    levers = Levers(Parameters(priorities=3))
    levers.extra_priorities += 3
    assert levers.priorities == 6
    assert levers.focus == pytest.approx(0.5)


def test_hierarchy_brings_performance_management_and_pressure_adds_to_it() -> None:
    assert Levers(Parameters(leadership_style="distributed")).performance_management == 0.0
    hierarchy = Levers(Parameters(leadership_style="hierarchical")).performance_management
    assert hierarchy > 0
    pressed = Levers(Parameters(leadership_style="hierarchical", performance_pressure=0.9))
    assert pressed.performance_management == 1.0


def test_departure_costs_depend_on_style() -> None:
    losses = {}
    for style in STYLE_LEADER_DEPENDENCE:
        levers = Levers(Parameters(leadership_style=style))
        losses[style] = levers.leader_leaves(1.0)
    assert losses["distributed"] < losses["figurehead"] < losses["hierarchical"]


def test_events_need_funding() -> None:
    unfunded = Levers(Parameters(startup_funding=0.0, sustained_funding=0.0))
    assert unfunded.event_probability(1) == 0.0
    funded = Levers(Parameters(startup_funding=1.0, events_per_year=52))
    assert funded.event_probability(1) == 1.0
