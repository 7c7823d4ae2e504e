"""Policy search (src/netsim/batch/optimise.py): a known answer found, every policy on the
same seeds, the same front twice from one seed, a resumed search reruns nothing stored."""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable
from pathlib import Path

import pandas as pd
import pytest

from netsim.batch.engines import RunOutcome, RunTask, SerialEngine
from netsim.batch.optimise import OptimiseError, PolicyEvaluator, run_search
from netsim.config.outcomes import BOOLEAN_OUTCOMES
from netsim.config.policy_search import PolicySearch, load_policy_search
from netsim.results.policy_store import EvaluationStore


class StubEngine:
    """Answers each run by a rule of its parameters and seed, recording every task."""

    def __init__(self, fizzles: Callable[[RunTask], bool], stop_after: int | None = None) -> None:
        self.fizzles = fizzles
        self.stop_after = stop_after
        self.tasks: list[RunTask] = []

    def stream(
        self, tasks: Iterable[RunTask], heartbeat: float | None = None
    ) -> Generator[RunOutcome | None, None, None]:
        for task in tasks:
            if self.stop_after is not None and len(self.tasks) >= self.stop_after:
                raise KeyboardInterrupt
            self.tasks.append(task)
            summary = dict.fromkeys(BOOLEAN_OUTCOMES, False) | {"fizzled_out": self.fizzles(task)}
            yield RunOutcome(task, summary)

    def describe(self) -> str:
        return "stub"


def write(tmp_path: Path, levers: str, extra: str = "", name: str = "policy.toml") -> PolicySearch:
    path = tmp_path / name
    path.write_text(
        'scenario = "funding_cliff"\nseed = 7\nreplicates = 2\nsteps = 20\n'
        'target = { outcome = "fizzled_out", at_most = 0.1 }\n'
        "[set]\neligible_population = 40\nfounding_core = 5\n"
        f"[levers]\n{levers}{extra}",
        encoding="utf-8",
    )
    return load_policy_search(path)


WEEKS = "startup_weeks = { low = 0, high = 60, cost = 1.0 }\n"
FUNDING = "sustained_funding = { low = 0.0, high = 0.6, cost = 100.0 }\n"
CONDITIONS = "[conditions]\ninitial_trust = [0.3, 0.5, 0.7]\n"
SEARCH = "[search]\npopulation = 10\ngenerations = 25\n"


def weeks_rule(task: RunTask) -> bool:
    """Fizzles unless start-up funding lasts 20 weeks: the cheapest answer is 20 weeks."""
    return task.parameters.startup_weeks < 20


def test_a_known_answer_is_found(tmp_path: Path) -> None:
    search = write(tmp_path, WEEKS + FUNDING, CONDITIONS + SEARCH)
    result = run_search(search, tmp_path / "out", StubEngine(weeks_rule))
    table = result.table
    assert ((table["startup_weeks"] < 20) == (table["probability"] == 1.0)).all()
    assert ((table["startup_weeks"] >= 20) == (table["probability"] == 0.0)).all()
    cheapest = result.cheapest
    assert cheapest is not None
    # the optimum is 20 weeks and no sustained funding (cost 20); the funding lever only costs
    assert cheapest["startup_weeks"] == 20 and cheapest["cost"] < 21
    assert all(isinstance(v, int) for v in table["startup_weeks"].tolist())
    assert "cheapest policy meeting P(fizzle-out) <= 10%: startup_weeks" in result.verdict()


def test_every_policy_runs_on_the_same_seeds(tmp_path: Path) -> None:
    search = write(tmp_path, WEEKS + FUNDING, CONDITIONS)
    store = EvaluationStore(tmp_path / "out")
    store.start(search.fingerprint(), search.name)
    engine = StubEngine(weeks_rule)
    evaluator = PolicyEvaluator(search, store, engine)
    policies = [
        {"startup_weeks": 5, "sustained_funding": 0.0},
        {"startup_weeks": 50, "sustained_funding": 0.5},
    ]
    evaluator.evaluate(policies)
    seeds: dict[int, dict[tuple[int, int], int]] = {}
    for task in engine.tasks:
        weeks = task.parameters.startup_weeks
        labels = task.labels
        seeds.setdefault(weeks, {})[(labels["condition"], labels["replicate"])] = task.seed
        condition = search.conditions[labels["condition"]]
        assert task.parameters.initial_trust == condition["initial_trust"]
    assert seeds[5] == seeds[50]  # common random numbers
    assert len(seeds[5]) == 6 and len(set(seeds[5].values())) == 6
    evaluator.evaluate(policies)  # asked again: nothing reruns
    assert len(engine.tasks) == 12


def test_the_same_seed_gives_the_same_front_on_the_model(tmp_path: Path) -> None:
    search = write(
        tmp_path,
        "startup_weeks = { low = 0, high = 20, cost = 1.0 }\n" + FUNDING,
        "[conditions]\ninitial_trust = [0.3, 0.6]\n[search]\npopulation = 4\ngenerations = 2\n",
    )
    first = run_search(search, tmp_path / "a", SerialEngine())
    second = run_search(search, tmp_path / "b", SerialEngine())
    assert first.runs == second.runs == 2 * 4 * 2 * 2 - first.reused
    pd.testing.assert_frame_equal(first.table, second.table)


def test_a_resumed_search_reruns_nothing_stored_and_ends_on_the_same_front(
    tmp_path: Path,
) -> None:
    search = write(
        tmp_path, WEEKS + FUNDING, CONDITIONS + "[search]\npopulation = 6\ngenerations = 3\n"
    )
    whole = StubEngine(weeks_rule)
    reference = run_search(search, tmp_path / "whole", whole)
    stopped = StubEngine(weeks_rule, stop_after=len(whole.tasks) // 2 + 1)
    with pytest.raises(KeyboardInterrupt):
        run_search(search, tmp_path / "cut", stopped)
    stored = len(EvaluationStore(tmp_path / "cut").rows())
    assert stored == len(stopped.tasks) > 0  # every finished run was kept
    with pytest.raises(OptimiseError, match="already holds a policy search"):
        run_search(search, tmp_path / "cut", StubEngine(weeks_rule))
    rest = StubEngine(weeks_rule)
    resumed = run_search(search, tmp_path / "cut", rest, resume=True)
    assert len(rest.tasks) == len(whole.tasks) - stored
    assert resumed.runs == len(rest.tasks)
    done = {
        (t.labels["policy"], t.labels["condition"], t.labels["replicate"]) for t in stopped.tasks
    }
    assert not done & {
        (t.labels["policy"], t.labels["condition"], t.labels["replicate"]) for t in rest.tasks
    }
    pd.testing.assert_frame_equal(resumed.table, reference.table)
    again = StubEngine(weeks_rule)
    run_search(search, tmp_path / "cut", again, resume=True)
    assert again.tasks == []


def test_resume_refuses_another_search_and_a_missing_one(tmp_path: Path) -> None:
    search = write(tmp_path, WEEKS, "[search]\npopulation = 2\ngenerations = 1\n")
    run_search(search, tmp_path / "out", StubEngine(weeks_rule))
    other = write(tmp_path, WEEKS, "[conditions]\ninitial_trust = [0.2]\n", name="other.toml")
    with pytest.raises(OptimiseError, match="another base scenario, levers, conditions or seed"):
        run_search(other, tmp_path / "out", StubEngine(weeks_rule), resume=True)
    with pytest.raises(OptimiseError, match="holds no policy search"):
        run_search(search, tmp_path / "empty", StubEngine(weeks_rule), resume=True)


def test_no_policy_meeting_the_target_is_said_with_the_best_found(tmp_path: Path) -> None:
    search = write(tmp_path, WEEKS, "[search]\npopulation = 4\ngenerations = 2\n")
    result = run_search(search, tmp_path / "out", StubEngine(lambda task: True))
    assert result.cheapest is None
    verdict = result.verdict()
    assert verdict.startswith("no evaluated policy meets P(fizzle-out) <= 10%: the best found")
    assert "100%" in verdict and "\n" not in verdict
