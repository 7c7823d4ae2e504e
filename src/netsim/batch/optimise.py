"""Policy search (``netsim optimise``): NSGA-II over the levers, each policy run on common
random numbers over the uncertain conditions, every run stored so a search resumes.

The search is pymoo's NSGA-II (Deb et al. 2002) with two objectives, both minimised: the
policy's total cost, and P(outcome) for an ``at_most`` target (1 - P for ``at_least``).
pymoo works in real numbers; whole-number levers are rounded half up as each generation
is asked for, and the rounded values are written back into pymoo's population, so the
policy evaluated is the one the search breeds from (and the store's key). pymoo is driven
through its ask-and-tell interface: this module evaluates each generation as one batch on
the engines every other batch uses (:func:`netsim.batch.engines.run_tasks`: local
processes, or a Dask cluster), so nothing of the engines is implemented twice.

Every run of a policy is keyed by (policy, condition, replicate) and its seed by the
condition and the replicate only (:meth:`PolicySearch.seed_for`): every policy meets the
same draws. Finished runs go to the folder's store
(:class:`netsim.results.policy_store.EvaluationStore`) as they finish, in atomic batches.
A resumed search replays pymoo from the same seed: the generations it already evaluated
come back from the store without a run, so it continues where it stopped and ends on the
front an uninterrupted search finds.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from netsim.analysis.policy_front import best_found, cheapest_meeting, estimate_policies
from netsim.batch.engines import Engine, LocalEngine, RunOutcome, RunTask, run_tasks
from netsim.config.outcomes import BOOLEAN_OUTCOMES
from netsim.config.parameters import ParameterError
from netsim.config.policy_search import PolicySearch, policy_key
from netsim.errors import NetsimError
from netsim.numbers import exact, percent, share_estimate, significant
from netsim.results.policy_store import EvaluationStore

ID_COLUMNS = ("policy", "condition", "replicate", "seed")
FLUSH_SECONDS = 10.0
"""Finished runs are written to the store at least this often (and after each generation)."""


class OptimiseError(NetsimError, ValueError):
    """A policy search that cannot start or resume in that folder (one-line message)."""


@dataclass(frozen=True)
class GenerationReport:
    """How far a search is after one generation (what the progress line shows)."""

    generation: int
    generations: int
    policies: int
    """Distinct policies evaluated so far."""
    runs: int
    """Runs done in this session."""
    reused: int
    """Runs not run again: taken from the store (a resumed search) or a policy asked for twice."""
    failed: int
    best: Mapping[str, Any] | None
    """The cheapest policy so far that meets the target (its row), if any."""
    closest: Mapping[str, Any] | None
    seconds: float

    def line(self, search: PolicySearch) -> str:
        """``generation 2 of 6: 31 policies, 558 runs (0 reused), cheapest meeting
        P(fizzle-out) <= 10%: cost 96.2 (P 5.6%), 41 s``."""
        label = search.target.describe()
        if self.best is not None:
            answer = (
                f"cheapest meeting {label}: cost {significant(self.best['cost'])} "
                f"(P {percent(self.best['probability'])})"
            )
        elif self.closest is not None:
            answer = f"none meets {label} yet (closest P {percent(self.closest['probability'])})"
        else:
            answer = f"none meets {label} yet"
        failed = f", {self.failed} failed" if self.failed else ""
        return (
            f"generation {self.generation} of {self.generations}: {self.policies} policies, "
            f"{self.runs} runs ({self.reused} reused{failed}), {answer}, "
            f"{self.seconds:.0f} s"
        )


Progress = Callable[[GenerationReport], None]


@dataclass
class SearchResult:
    """What a search found: every evaluated policy's estimate, with the front marked."""

    search: PolicySearch
    table: pd.DataFrame
    """One row per evaluated policy (:func:`netsim.analysis.policy_front.estimate_policies`)."""
    runs: int
    reused: int
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0
    engine: str = ""

    @property
    def cheapest(self) -> pd.Series | None:
        """The cheapest policy meeting the target, or None."""
        index = cheapest_meeting(self.table)
        return None if index is None else self.table.loc[index]

    @property
    def closest(self) -> pd.Series | None:
        """The policy with the best outcome (the answer's stand-in when none meets it)."""
        index = best_found(self.table)
        return None if index is None else self.table.loc[index]

    def verdict(self) -> str:
        """One line: the cheapest policy meeting the target with its interval, or that none
        did and the best found."""
        search = self.search
        label = search.target.probability_label
        cheapest = self.cheapest
        if cheapest is not None:
            return (
                f"cheapest policy meeting {search.target.describe()}: "
                f"{policy_text(search, cheapest)}; cost {significant(cheapest['cost'])}; "
                f"{label} {_estimate(cheapest)}"
            )
        closest = self.closest
        if closest is None:
            return f"no policy was evaluated, so none meets {search.target.describe()}"
        return (
            f"no evaluated policy meets {search.target.describe()}: the best found, "
            f"{policy_text(search, closest)} (cost {significant(closest['cost'])}), has {label} "
            f"{_estimate(closest)}"
        )


def _estimate(row: Mapping[str, Any]) -> str:
    """``6% (1%–26%, 95% interval of 18 runs)``."""
    text = share_estimate(row["probability"], row["low"], row["high"])
    return text[:-1] + f", 95% interval of {row['runs']} runs)"


def policy_text(search: PolicySearch, row: Mapping[str, Any]) -> str:
    """``startup_weeks 52, sustained_funding 0.213`` (whole levers whole, others 3 digits)."""
    parts = []
    for lever in search.levers:
        value = row[lever.name]
        parts.append(f"{lever.name} {exact(value) if lever.kind == 'int' else significant(value)}")
    return ", ".join(parts)


# --- the folder -------------------------------------------------------------------------------


def check_folder(search: PolicySearch, folder: Path, *, resume: bool) -> EvaluationStore:
    """The folder's store, checked before any run: a new search needs a folder without one;
    ``resume`` needs one made for this search (same base, levers, conditions and seed)."""
    store = EvaluationStore(folder)
    if folder.exists() and not folder.is_dir():
        raise OptimiseError(f"--out {folder}: is a file, not a folder")
    if not resume:
        if store.exists():
            raise OptimiseError(
                f"{folder} already holds a policy search; continue it with --resume or choose "
                "another --out"
            )
        return store
    if not store.exists():
        raise OptimiseError(f"--resume: {folder} holds no policy search to continue")
    found = store.fingerprint()
    if found != search.fingerprint():
        raise OptimiseError(
            f"--resume: {folder} holds a search with another base scenario, levers, conditions "
            "or seed; its runs cannot be reused (start afresh in another --out)"
        )
    return store


# --- evaluating policies ----------------------------------------------------------------------


class PolicyEvaluator:
    """Runs the policies asked for on every (condition, replicate), skipping stored runs.

    ``rows`` holds every run known (stored before, or run now), one dict per run with the
    policy's key and lever values, the condition's index, the replicate, the seed and every
    yes/no outcome.
    """

    def __init__(
        self,
        search: PolicySearch,
        store: EvaluationStore,
        engine: Engine,
        *,
        flush_seconds: float = FLUSH_SECONDS,
    ) -> None:
        self.search = search
        self.store = store
        self.engine = engine
        self.flush_seconds = flush_seconds
        stored = store.rows()
        self.rows: list[dict[str, Any]] = stored.to_dict("records") if not stored.empty else []
        self.done = {(r["policy"], int(r["condition"]), int(r["replicate"])) for r in self.rows}
        self.runs = 0
        self.reused = 0
        self.failures: list[str] = []
        self.keys: list[str] = []
        """Every policy asked for, in order (each once)."""

    def tasks(self, policies: list[dict[str, Any]]) -> Iterator[RunTask]:
        """The runs not stored yet, condition by condition (the same seeds for each policy)."""
        search = self.search
        for policy in policies:
            key = policy_key(policy)
            for c, condition in enumerate(search.conditions):
                for r in range(search.replicates):
                    if (key, c, r) in self.done:
                        self.reused += 1
                        continue
                    labels = {"policy": key, "condition": c, "replicate": r}
                    seed = search.seed_for(condition, r)
                    try:
                        parameters = search.parameters_for(policy, condition)
                    except ParameterError as err:
                        self.failures.append(f"{key} condition {c}: {err}")
                        continue
                    yield RunTask(parameters, seed, labels)

    def evaluate(self, policies: list[dict[str, Any]]) -> None:
        """Run what is missing of ``policies`` (duplicates once); stored as runs finish."""
        unique = {policy_key(p): p for p in policies}
        self.keys += [k for k in unique if k not in self.keys]
        buffer: list[dict[str, Any]] = []
        flushed = time.perf_counter()
        try:
            for outcome in run_tasks(self.tasks(list(unique.values())), engine=self.engine):
                row = self.row(outcome, unique)
                if row is None:
                    continue
                buffer.append(row)
                if time.perf_counter() - flushed > self.flush_seconds:
                    self.flush(buffer)
                    flushed = time.perf_counter()
        finally:
            self.flush(buffer)

    def row(
        self, outcome: RunOutcome, policies: Mapping[str, dict[str, Any]]
    ) -> dict[str, Any] | None:
        labels = outcome.task.labels
        self.runs += 1
        if not outcome.ok or outcome.summary is None:
            self.failures.append(
                f"{labels['policy']} condition {labels['condition']} replicate "
                f"{labels['replicate']} (seed {outcome.task.seed}): {outcome.error}"
            )
            return None
        return {
            "policy": labels["policy"],
            **policies[labels["policy"]],
            "condition": labels["condition"],
            "replicate": labels["replicate"],
            "seed": outcome.task.seed,
            **{name: bool(outcome.summary[name]) for name in BOOLEAN_OUTCOMES},
        }

    def flush(self, buffer: list[dict[str, Any]]) -> None:
        if not buffer:
            return
        self.store.append(pd.DataFrame.from_records(buffer))
        self.rows += buffer
        self.done |= {(r["policy"], r["condition"], r["replicate"]) for r in buffer}
        buffer.clear()

    def table(self) -> pd.DataFrame:
        """Every policy asked for so far, estimated (see ``estimate_policies``)."""
        return estimate_policies(pd.DataFrame.from_records(self.rows), self.search, self.keys)


# --- the search -------------------------------------------------------------------------------


def run_search(
    search: PolicySearch,
    folder: Path,
    engine: Engine,
    *,
    resume: bool = False,
    progress: Progress | None = None,
    engine_name: str | None = None,
) -> SearchResult:
    """Search for the cheapest policies (NSGA-II), storing every run in ``folder``."""
    from pymoo.algorithms.moo.nsga2 import NSGA2
    from pymoo.core.problem import Problem
    from pymoo.core.termination import NoTermination

    store = check_folder(search, folder, resume=resume)
    if not resume:
        store.start(search.fingerprint(), search.name)
    started = time.perf_counter()
    evaluator = PolicyEvaluator(search, store, engine)
    problem = Problem(
        n_var=len(search.levers),
        n_obj=2,
        xl=np.array([lever.low for lever in search.levers]),
        xu=np.array([lever.high for lever in search.levers]),
    )
    algorithm = NSGA2(pop_size=search.population)
    algorithm.setup(problem, termination=NoTermination(), seed=search.seed, verbose=False)
    # local workers started once for every generation, not once a generation
    with engine if isinstance(engine, LocalEngine) else contextlib.nullcontext():
        table = _generations(search, evaluator, algorithm, problem, progress, started)
    return SearchResult(
        search=search,
        table=table,
        reused=evaluator.reused,
        runs=evaluator.runs,
        failures=evaluator.failures,
        seconds=time.perf_counter() - started,
        engine=engine_name or engine.describe(),
    )


def _generations(
    search: PolicySearch,
    evaluator: PolicyEvaluator,
    algorithm: Any,
    problem: Any,
    progress: Progress | None,
    started: float,
) -> pd.DataFrame:
    """Ask pymoo for each generation, evaluate it, tell pymoo; the final policy table."""
    from pymoo.core.evaluator import Evaluator
    from pymoo.problems.static import StaticProblem

    for generation in range(1, search.generations + 1):
        population = algorithm.ask()
        policies = [search.canonical(x) for x in population.get("X")]
        population.set("X", np.array([[p[n] for n in search.lever_names] for p in policies], float))
        evaluator.evaluate(policies)
        table = evaluator.table().set_index("policy")
        objectives = []
        for policy in policies:
            key = policy_key(policy)
            objective = float(table.loc[key, "objective"]) if key in table.index else 1.0
            objectives.append([search.cost(policy), objective])
        Evaluator().eval(StaticProblem(problem, F=np.array(objectives, float)), population)
        algorithm.tell(infills=population)
        if progress is not None:
            progress(_report(evaluator, generation, search, time.perf_counter() - started))
    return evaluator.table()


def _report(
    evaluator: PolicyEvaluator, generation: int, search: PolicySearch, seconds: float
) -> GenerationReport:
    table = evaluator.table()
    best, closest = cheapest_meeting(table), best_found(table)
    return GenerationReport(
        generation=generation,
        generations=search.generations,
        policies=len(table),
        runs=evaluator.runs,
        reused=evaluator.reused,
        failed=len(evaluator.failures),
        best=None if best is None else table.loc[best].to_dict(),
        closest=None if closest is None else table.loc[closest].to_dict(),
        seconds=seconds,
    )
