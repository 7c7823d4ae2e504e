"""Run every library scenario and the embedded default on R seeds, to find where each tips.

Issue 13 asks where each library scenario actually tips, now that no constant places the
tipping point, set beside the seeds' third ([THF] "most influential if its membership
captures a third of the eligible population"). This module designs and runs the
experiment; :mod:`netsim.analysis.tipping_levels` finds each scenario's self-sustaining
level (the rule and its reasons are there); :mod:`netsim.present.tipping_levels` writes the
tables, the figure and the report, and is the command::

    python -m netsim.present.tipping_levels --seeds 40 --out results/tipping-levels

Every scenario runs on the seeds ``derive_seed(seed, r)`` for replicate r, those of
``netsim compare`` and the lever audit, each for its own horizon and with its own timeline,
keeping only the summary (``record="summary"``), through
:func:`netsim.batch.engines.run_tasks`; a failed run is recorded and the rest go on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from netsim.analysis.intervals import ID_COLUMNS
from netsim.analysis.summaries import AnalysisError
from netsim.analysis.tipping_levels import BOOTSTRAP, SelfSustainingLevel, tipping_levels
from netsim.batch.engines import (
    RunProgress,
    RunTask,
    check_workers,
    run_scenario_replicates,
)
from netsim.config.outcomes import SUMMARY_FIELDS
from netsim.config.parameters import Parameters
from netsim.config.scenarios import DEFAULT_NAME, Scenario, library, named_scenario
from netsim.config.seeding import derive_seed

SEEDS = 40
"""Replicates per scenario: 40 runs put a Wilson interval of a 90% share at about 77-96%."""

Progress = RunProgress
"""Called after every finished run with (runs done, runs in total, the outcome)."""


def level_scenarios() -> list[Scenario]:
    """What the experiment covers: the embedded default, then every library scenario."""
    return [named_scenario(DEFAULT_NAME), *library()]


@dataclass(frozen=True)
class TippingLevelsPlan:
    """What will run: scenarios by slug (in order), their parameters, the seeds."""

    scenarios: dict[str, Scenario]
    parameters: dict[str, Parameters]
    seed: int
    seeds: tuple[int, ...]
    overrides: dict[str, Any] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return len(self.scenarios) * len(self.seeds)

    def tasks(self) -> list[RunTask]:
        """Replicate-major, so partial progress covers every scenario evenly."""
        return [
            RunTask(self.parameters[slug], seed, {"scenario": slug, "replicate": r})
            for r, seed in enumerate(self.seeds)
            for slug in self.scenarios
        ]

    def starting_shares(self) -> dict[str, float]:
        """Slug -> the founding core's share of the eligible population (where runs start)."""
        return {
            slug: p.founding_core / p.eligible_population for slug, p in self.parameters.items()
        }


def plan_tipping_levels(
    scenarios: Sequence[Scenario | str] | None = None,
    replicates: int = SEEDS,
    seed: int = 1,
    overrides: Mapping[str, Any] | None = None,
) -> TippingLevelsPlan:
    """Load and check everything before any run (a NetsimError, one line, on bad input).

    ``scenarios`` default to :func:`level_scenarios`; a name is a library scenario, a file,
    or ``default``. ``overrides`` are parameter values for every scenario (e.g.
    ``eligible_population`` for a quick check; founders stay as each scenario has them).
    """
    if isinstance(replicates, bool) or not isinstance(replicates, int) or replicates < 1:
        raise AnalysisError(f"seeds must be a whole number of at least 1; got {replicates!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise AnalysisError(f"seed must be a whole number >= 0; got {seed!r}")
    chosen = level_scenarios() if scenarios is None else scenarios
    by_slug: dict[str, Scenario] = {}
    parameters: dict[str, Parameters] = {}
    for item in chosen:
        scenario = item if isinstance(item, Scenario) else named_scenario(item)
        slug = scenario.slug
        if slug in by_slug:
            raise AnalysisError(f"scenario {slug!r} is named twice")
        params = scenario.parameters
        if overrides:
            params = params.replace(**overrides)
        by_slug[slug] = scenario
        parameters[slug] = params
    if not by_slug:
        raise AnalysisError("no scenario to run")
    seeds = tuple(derive_seed(seed, r) for r in range(replicates))
    return TippingLevelsPlan(by_slug, parameters, seed, seeds, dict(overrides or {}))


@dataclass(frozen=True)
class TippingLevelsData:
    """Everything the experiment produced: the runs, the failures and each scenario's level."""

    plan: TippingLevelsPlan
    runs: pd.DataFrame
    """scenario, replicate, seed and the summary's fields: one row per successful run."""
    failures: pd.DataFrame
    """scenario, replicate, seed, error: one row per failed run."""
    levels: list[SelfSustainingLevel]
    """Per scenario, in the plan's order (a scenario whose every run failed has no runs)."""
    seconds: float
    workers: int


def run_tipping_levels(
    plan: TippingLevelsPlan,
    workers: int = 1,
    progress: Progress | None = None,
    resamples: int = BOOTSTRAP,
) -> TippingLevelsData:
    """Run every scenario x seed, then find each scenario's level. ``workers`` > 1 runs a
    local process pool; the result is the same. A failed run is recorded, not raised."""
    check_workers(workers)
    outcomes, seconds = run_scenario_replicates(plan.tasks(), plan.total, workers, progress)
    runs, failures = [], []
    for slug in plan.scenarios:
        for r, seed in enumerate(plan.seeds):
            outcome = outcomes[(slug, r)]
            ids = {"scenario": slug, "replicate": r, "seed": seed}
            if not outcome.ok or outcome.summary is None:
                failures.append({**ids, "error": outcome.error or "no summary"})
            else:
                runs.append({**ids, **outcome.summary})
    fields = [k for k in SUMMARY_FIELDS if not runs or k in runs[0]]
    table = pd.DataFrame(runs, columns=[*ID_COLUMNS, *fields])
    levels = tipping_levels(
        table, plan.starting_shares(), order=list(plan.scenarios), resamples=resamples
    )
    return TippingLevelsData(
        plan=plan,
        runs=table,
        failures=pd.DataFrame(failures, columns=[*ID_COLUMNS, "error"]),
        levels=levels,
        seconds=seconds,
        workers=workers,
    )
