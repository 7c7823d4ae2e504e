"""Contagion mode's compiled weeks (model/contagion_run.py) against the numpy formulation.

The numpy formulation is ``NetworkModel._spread_ideas`` on the fixed tie adjacency (the
social model's path, kept) followed by ``_collect``, one week at a time through Mesa's
own event loop: a compiled ``run(k)`` and ``k`` compiled ``step()`` calls must give the
same table (values, columns, dtypes), the same member state and adoption weeks, the same
generator state and the same Mesa clock.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netsim import NetworkModel, Parameters
from netsim.model import clock, contagion_run


class NumpyWeeks(NetworkModel):
    """The model stepped by the numpy formulation (the reference)."""

    def step(self) -> None:
        self._spread_ideas(self._fixed_ties)
        self._collect(self._fixed_ties, event_held=False)


def assert_same_run(a: NetworkModel, b: NetworkModel) -> None:
    ta, tb = a.table(), b.table()
    pd.testing.assert_frame_equal(ta, tb, check_exact=True)
    assert list(ta.columns) == list(tb.columns)
    for key in ta.columns:  # the Python types the rows hold, too (model_vars)
        assert [type(v) for v in a.datacollector.model_vars[key]] == [
            type(v) for v in b.datacollector.model_vars[key]
        ], key
    assert a.datacollector._collection_steps == b.datacollector._collection_steps
    np.testing.assert_array_equal(a.members.adoption, b.members.adoption)
    np.testing.assert_array_equal(a.adoption_week, b.adoption_week)
    assert a._weeks_recorded == b._weeks_recorded
    assert a.rng.bit_generator.state == b.rng.bit_generator.state
    assert (a.steps, a.time, a.step_count) == (b.steps, b.time, b.step_count)
    sa, sb = a._default_schedule, b._default_schedule
    assert (sa.next_scheduled_time, sa.execution_count) == (
        sb.next_scheduled_time,
        sb.execution_count,
    )


contagion_parameters = st.builds(
    lambda n, complex_, beta, gamma, phi, count, adoption, outside, ideas, topology: Parameters(
        mode="contagion",
        eligible_population=n,
        contagion="complex" if complex_ else "simple",
        transmission_probability=beta,
        recovery_probability=gamma,
        threshold_fraction=phi,
        threshold_count=count,
        adoption_probability=adoption,
        outside_influence=outside,
        ideas=ideas,
        topology=topology,
        innovators=max(1, n // 20),
        steps=40,
    ),
    n=st.integers(20, 250),
    complex_=st.booleans(),
    beta=st.sampled_from([0.0, 0.02, 0.1, 0.37, 1.0]),
    gamma=st.sampled_from([0.0, 0.0, 0.1, 0.5, 1.0]),
    phi=st.sampled_from([0.0, 0.1, 0.25, 0.28, 0.5]),
    count=st.integers(1, 3),
    adoption=st.sampled_from([1.0, 0.6, 0.1]),
    outside=st.sampled_from([0.0, 0.0, 0.005, 0.05]),
    ideas=st.integers(1, 3),
    topology=st.sampled_from(["organisations", "erdos_renyi", "watts_strogatz", "ring_lattice"]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    params=contagion_parameters,
    seed=st.integers(0, 2**16),
    record=st.sampled_from(["all", "summary"]),
    steps=st.integers(1, 40),
)
def test_a_compiled_run_is_the_numpy_weeks(
    params: Parameters, seed: int, record: str, steps: int
) -> None:
    compiled = NetworkModel(params, rng=seed, record=record)
    compiled.run(steps)
    reference = NumpyWeeks(params, rng=seed, record=record)
    reference.run_for(steps)
    assert_same_run(compiled, reference)
    stepped = NetworkModel(params, rng=seed, record=record)
    for _ in range(steps):
        stepped.step()
    assert_same_run(stepped, reference)
    for model in (compiled, stepped):  # the work arrays the next call takes as zero
        work = model._spread_work
        assert work is not None
        assert not (work.exposure.any() or work.marks.any() or work.is_fresh.any())


@pytest.mark.parametrize("record", ["all", "summary"])
def test_runs_go_on_from_each_other_and_from_steps(record: str) -> None:
    params = Parameters(mode="contagion", eligible_population=300, recovery_probability=0.2)
    model = NetworkModel(params, rng=4, record=record)
    model.run(7)
    model.step()
    model.run(1)
    model.run(11)
    model.step()
    reference = NumpyWeeks(params, rng=4, record=record)
    reference.run_for(21)
    assert_same_run(model, reference)
    assert model.steps == 21 and model.time == 21.0


def test_run_until_settled_is_the_numpy_weeks() -> None:
    params = Parameters(mode="contagion", eligible_population=200, steps=30)
    model = NetworkModel(params, rng=9)
    model.run_until_settled(120)
    reference = NumpyWeeks(params, rng=9)
    reference.run_for(model.step_count)
    assert_same_run(model, reference)


def weeks_compiled_at_once(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of weeks of each compiled call (1 for a week-by-week step)."""
    calls: list[int] = []
    spread = contagion_run.spread_weeks

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(int(args[4]))  # type: ignore[call-overload]
        return spread(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(contagion_run, "spread_weeks", counting)
    return calls


def test_a_plain_run_is_one_compiled_call(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = weeks_compiled_at_once(monkeypatch)
    NetworkModel(Parameters(mode="contagion", eligible_population=100), rng=1).run(25)
    assert calls == [25]


def test_a_timeline_entry_in_the_weeks_makes_the_run_week_by_week(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    params = Parameters(
        mode="contagion",
        eligible_population=150,
        steps=20,
        timeline=[{"step": 12, "action": "funding_cut", "amount": 0.0}],
    )
    calls = weeks_compiled_at_once(monkeypatch)
    model = NetworkModel(params, rng=2)
    model.run(10)  # the entry is after these weeks
    model.run(5)  # ... and in these
    assert calls == [10, 1, 1, 1, 1, 1]
    reference = NumpyWeeks(params, rng=2)
    reference.run_for(15)
    assert_same_run(model, reference)


def test_a_live_intervention_makes_the_run_week_by_week(monkeypatch: pytest.MonkeyPatch) -> None:
    params = Parameters(mode="contagion", eligible_population=150)
    calls = weeks_compiled_at_once(monkeypatch)
    model = NetworkModel(params, rng=3)
    model.intervene("funding_cut", 0.0)
    model.run(4)
    assert calls == [1, 1, 1, 1]
    reference = NumpyWeeks(params, rng=3)
    reference.intervene("funding_cut", 0.0)
    reference.run_for(4)
    assert_same_run(model, reference)


def test_a_scheduled_mesa_event_runs_at_its_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Another event on Mesa's clock: week by week, the event between weeks 2 and 3."""
    params = Parameters(mode="contagion", eligible_population=150)
    calls = weeks_compiled_at_once(monkeypatch)
    model = NetworkModel(params, rng=5)
    seen: list[tuple[int, float]] = []

    def note() -> None:
        seen.append((model.steps, model.time))

    model.schedule_event(note, at=2.5)
    model.run(5)
    assert seen == [(2, 2.5)]
    assert calls == [1] * 5
    model.run(3)  # the event has gone: one call again
    assert calls == [1] * 5 + [3]
    reference = NumpyWeeks(params, rng=5)
    reference.run_for(8)
    assert_same_run(model, reference)


def test_an_idea_taken_up_by_hand_is_dated_as_week_by_week(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    params = Parameters(mode="contagion", eligible_population=120)
    calls = weeks_compiled_at_once(monkeypatch)
    models = [NetworkModel(params, rng=6), NumpyWeeks(params, rng=6)]
    for model in models:
        run = model.run_for if isinstance(model, NumpyWeeks) else model.run
        run(3)
        model.member_agent(int(np.flatnonzero(model.members.adoption[0] == 0)[0])).adopt()
        run(4)
    assert calls[:2] == [3, 1]  # the hand-made adoption is dated week by week
    assert_same_run(*models)


def test_adoption_by_ties_is_the_numpy_expression() -> None:
    """The table by k gives the floats new_adopters computes for each exposed person."""
    rng = np.random.default_rng(0)
    for beta in [*rng.random(200), 0.0, 1e-9, 0.5, 1 - 1e-12, 1.0]:
        table = contagion_run.adoption_by_ties(float(beta), 40)
        k = rng.integers(1, 41, 500)
        direct = -np.expm1(k * np.log1p(-min(float(beta), 1.0 - 1e-16)))
        np.testing.assert_array_equal(table[k], direct)


def test_the_clock_is_not_jumped_when_something_watches_it() -> None:
    model = NetworkModel(Parameters(mode="contagion", eligible_population=60), rng=1)
    assert clock.clock_ready(model)

    def watch(signal: object) -> None:
        pass

    model.observe("time", "changed", watch)
    assert not clock.clock_ready(model)
    assert not clock.jump_clock(model, 3)
    assert (model.steps, model.time) == (0, 0.0)


def test_a_clock_without_mesas_parts_is_not_jumped(monkeypatch: pytest.MonkeyPatch) -> None:
    """Another Mesa, without the default schedule this Mesa has: the run steps week by week."""
    calls = weeks_compiled_at_once(monkeypatch)
    model = NetworkModel(Parameters(mode="contagion", eligible_population=60), rng=1)
    monkeypatch.delattr(model, "_default_schedule")
    assert not clock.clock_ready(model)
    assert not clock.jump_clock(model, 3)
    assert not model._run_contagion(3)
    assert calls == []
