"""Where each scenario tips (src/netsim/batch/tipping_levels.py): the design covers the
default and the whole library on compare's seeds, a reduced run (three scenarios, six
seeds, 200 people) gives a level per scenario that agrees with its runs, and a failed run
is recorded while the rest go on.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from netsim.analysis.tipping_levels import self_sustaining_level
from netsim.batch import engines
from netsim.batch.engines import RunOutcome, RunTask, execute
from netsim.batch.tipping_levels import (
    TippingLevelsData,
    level_scenarios,
    plan_tipping_levels,
    run_tipping_levels,
)
from netsim.config.scenarios import library
from netsim.config.seeding import derive_seed
from netsim.errors import NetsimError

REDUCED = ("default", "usual_suspects", "managed_hierarchy")
SMALL = {"eligible_population": 200}


@pytest.fixture(scope="module")
def data() -> TippingLevelsData:
    return run_tipping_levels(plan_tipping_levels(REDUCED, 6, overrides=SMALL), resamples=200)


def test_the_experiment_covers_the_default_and_every_library_scenario() -> None:
    slugs = [s.slug for s in level_scenarios()]
    assert slugs[0] == "default" and len(slugs) == len(set(slugs))
    assert set(slugs[1:]) == {s.slug for s in library()}


def test_the_plan_runs_compare_s_seeds_summary_only_replicate_major() -> None:
    plan = plan_tipping_levels(REDUCED, 4, seed=3, overrides=SMALL)
    assert plan.seeds == tuple(derive_seed(3, r) for r in range(4))
    tasks = plan.tasks()
    assert len(tasks) == plan.total == 12
    assert [t.labels["scenario"] for t in tasks[:3]] == list(REDUCED)
    assert not any(t.keep_table for t in tasks)
    assert all(t.parameters.eligible_population == 200 for t in tasks)
    shares = plan.starting_shares()
    assert shares["default"] == plan.parameters["default"].founding_core / 200


@pytest.mark.parametrize(
    ("scenarios", "seeds", "overrides", "match"),
    [
        (REDUCED, 0, None, "seeds must be"),
        (["default", "default"], 2, None, "named twice"),
        (["no_such_scenario"], 2, None, "no_such_scenario"),
        (REDUCED, 2, {"eligible_population": -1}, "eligible_population"),
    ],
)
def test_bad_input_is_one_netsim_error(
    scenarios: tuple[str, ...], seeds: int, overrides: dict[str, int] | None, match: str
) -> None:
    with pytest.raises(NetsimError, match=match):
        plan_tipping_levels(list(scenarios), seeds, overrides=overrides)


def test_a_reduced_run_finds_each_scenario_s_level_from_its_own_runs(
    data: TippingLevelsData,
) -> None:
    assert len(data.runs) == 18 and data.failures.empty
    assert [lv.scenario for lv in data.levels] == list(REDUCED)
    shares = data.plan.starting_shares()
    for level in data.levels:
        part = data.runs[data.runs["scenario"] == level.scenario]
        assert level.runs == 6
        assert level.self_sustaining.estimate == part["critical_mass_reached"].mean()
        assert level.starting_share == shares[level.scenario]
        again = self_sustaining_level(
            part["peak_active_share"].to_numpy(),
            part["critical_mass_reached"].to_numpy(),
            scenario=level.scenario,
            starting_share=shares[level.scenario],
            resamples=200,
        )
        assert repr(again.row()) == repr(level.row())  # NaNs compare as text
        assert level.status in {"located", "at_most", "above"}


def test_a_failed_run_is_recorded_and_the_rest_go_on(monkeypatch: pytest.MonkeyPatch) -> None:
    def flaky(tasks: list[RunTask], **_: object) -> Iterator[RunOutcome]:
        for task in tasks:
            if task.labels == {"scenario": "default", "replicate": 1}:
                yield RunOutcome(task, None, error="RuntimeError: boom")
            else:
                yield execute(task)

    monkeypatch.setattr(engines, "run_tasks", flaky)  # run_scenario_replicates calls it
    plan = plan_tipping_levels(["default", "usual_suspects"], 2, overrides=SMALL)
    data = run_tipping_levels(plan, resamples=50)
    assert list(data.failures["error"]) == ["RuntimeError: boom"]
    assert len(data.runs) == 3
    assert [lv.runs for lv in data.levels] == [1, 2]
