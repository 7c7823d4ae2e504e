"""Runs that go on until their labels settle (NetworkModel.run_until_settled, api.run).

A run until settled takes at least its horizon, never stops before the last timeline
event, stops at the first week its labels are settled (or at the cap), and is the same
run as one of that many steps.
"""

from __future__ import annotations

import pandas as pd
import pytest

from netsim import api
from netsim.config.outcomes import UNTIL_SETTLED_CAP
from netsim.config.parameters import ParameterError, Parameters
from netsim.model.metrics import summarise

SMALL = {"eligible_population": 150}
HORIZON = 40


def small(**changes: object) -> Parameters:
    return Parameters(steps=HORIZON, **SMALL).replace(**changes)


@pytest.mark.parametrize("seed", [1, 2, 5])
def test_it_stops_at_the_first_settled_week_after_the_horizon(seed: int) -> None:
    result = api.run(small(), seed=seed, until_settled=True, record="summary")
    steps = result.parameters.steps
    assert HORIZON <= steps <= UNTIL_SETTLED_CAP * HORIZON
    assert len(result.table) == steps + 1
    if result.summary["settled"]:
        if steps > HORIZON:  # the week before was not settled yet
            assert not summarise(result.table.iloc[:-1])["settled"]
    else:
        assert steps == UNTIL_SETTLED_CAP * HORIZON


def test_it_is_the_run_of_that_many_steps() -> None:
    """The result's parameters (steps = the weeks taken) give the same table again."""
    result = api.run(small(), seed=2, until_settled=True)
    again = api.run(result.parameters, seed=2)
    pd.testing.assert_frame_equal(result.table, again.table, check_exact=True)
    assert result.summary == again.summary


def test_the_cap_stops_an_unsettled_run() -> None:
    free = api.run(small(), seed=2, until_settled=True, record="summary")
    assert free.parameters.steps > HORIZON + 1, "pick a seed that settles after the horizon"
    capped = api.run(small(), seed=2, until_settled=True, max_steps=HORIZON + 1)
    assert capped.parameters.steps == HORIZON + 1 and not capped.summary["settled"]


def test_timeline_events_after_the_horizon_still_apply() -> None:
    """The run goes on to the last event even if its labels settled before it."""
    late = {"step": 150, "action": "champions_recruited", "amount": 3}
    params = small(steps=200, timeline=[late])
    result = api.run(params, seed=1, steps=HORIZON, until_settled=True, record="summary")
    assert result.parameters.steps >= 150
    assert (150, "champions_recruited", 3.0) in result.model.interventions
    assert result.parameters.timeline == params.timeline


def test_progress_reports_the_weeks_done_against_the_cap() -> None:
    seen: list[tuple[int, int]] = []
    result = api.run(
        small(), seed=5, until_settled=True, max_steps=90, on_step=lambda d, t: seen.append((d, t))
    )
    assert seen == [(d, 90) for d in range(1, result.parameters.steps + 1)]


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"max_steps": 60}, "max_steps: applies only to a run until settled"),
        ({"until_settled": True, "max_steps": HORIZON - 1}, "less than the horizon (40"),
        ({"until_settled": True, "max_steps": 10**9}, "max_steps: 1000000000"),
    ],
)
def test_bad_caps_are_parameter_errors(kwargs: dict[str, object], fragment: str) -> None:
    with pytest.raises(ParameterError, match=fragment.replace("(", r"\(")):
        api.run(small(), seed=1, **kwargs)  # type: ignore[arg-type]


def test_a_pending_live_intervention_keeps_the_model_going() -> None:
    model = api.build_model(small(), seed=1)
    model.run_until_settled(UNTIL_SETTLED_CAP * HORIZON)
    stopped = model.step_count
    if model.labels_settled():
        model.intervene("funding_cut", 0.0)
        assert not model.labels_settled()  # acts on the next step: not settled before it
        model.run_until_settled(stopped + 30, min_steps=stopped)
        assert model.step_count > stopped
        assert (stopped + 1, "funding_cut", 0.0) in model.interventions
