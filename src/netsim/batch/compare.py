"""Compare scenarios with replicates on common random numbers, and report with honest intervals.

Every scenario runs on the same list of seeds (seed r is derived from the base
seed and the replicate index r only), so scenario A's run r and scenario B's
run r meet the same random draws wherever the model lets them. Differences
between scenarios are then *paired*: the interval of a paired difference is
much narrower than the gap between two independent intervals suggests.

Layers: :mod:`netsim.analysis.intervals` (the statistics, pure functions over tables),
this module (plan, run and write a comparison) and :mod:`netsim.present.compare_report` (the
Markdown and HTML report drawn from one list of blocks).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from netsim.analysis.intervals import ID_COLUMNS, parameter_text
from netsim.api import check_memory, load_member_network
from netsim.batch.engines import (
    RunProgress,
    RunTask,
    default_workers,
    run_scenario_replicates,
)
from netsim.config.outcomes import SUMMARY_FIELDS
from netsim.config.parameters import Parameters
from netsim.config.scenarios import (
    Scenario,
    library,
    load_scenario,
    named_scenario,
    parse_document,
)
from netsim.config.seeding import derive_seed
from netsim.errors import NetsimError


class CompareError(NetsimError, ValueError):
    """A comparison cannot be made as asked (one-line message)."""


# --- orchestration ------------------------------------------------------------------------

Progress = RunProgress
"""Called after every finished run with (runs done, runs in total, the outcome)."""


@dataclass(frozen=True)
class BasedOn:
    """What a scenario is based on when its description was written for another scenario.

    A planner copies a library scenario, renames it and edits a few parameters, or writes
    a file that ``extends`` one without a description of its own: the description it
    carries then describes the original, not it. The report says "based on <name>" and
    what changed instead of repeating it (issue 16).
    """

    name: str
    """The scenario the description was written for."""
    slug: str
    changes: tuple[tuple[str, str, str], ...]
    """(parameter, this scenario's value, that scenario's value) for each parameter that
    differs, values as :func:`netsim.analysis.intervals.parameter_text` writes them."""


def _extended(scenario: Scenario, depth: int = 0) -> list[Scenario]:
    """The scenarios ``scenario``'s file extends, nearest first (none if it cannot tell)."""
    if scenario.path is None or not scenario.text or depth > 32:
        return []
    try:
        reference = parse_document(scenario.path, scenario.text).get("extends")
        if not isinstance(reference, str) or not reference.strip():
            return []
        target = Path(reference)
        if not target.is_absolute():
            target = scenario.path.parent / target
        parent = load_scenario(target) if target.is_file() else named_scenario(reference)
    except (NetsimError, OSError):
        return []
    return [parent, *_extended(parent, depth + 1)]


def _same_file(a: Scenario, b: Scenario) -> bool:
    if a.path is None or b.path is None:
        return False
    try:
        return a.path.resolve() == b.path.resolve()
    except (OSError, RuntimeError):
        return False


def based_on(scenario: Scenario, candidates: Sequence[Scenario]) -> BasedOn | None:
    """The scenario among ``candidates`` whose description ``scenario`` carries although
    its parameters differ (``None`` if there is none: its description is its own, or it is
    an unedited copy, whose description is still true).

    A description is carried when it is the same text; the first such candidate counts
    (put what the file extends before the library)."""
    if not scenario.description.strip():
        return None
    mine = scenario.parameters.to_dict()
    for other in candidates:
        if other.description != scenario.description or _same_file(scenario, other):
            continue
        theirs = other.parameters.to_dict()
        changes = tuple(
            (name, parameter_text(mine[name]), parameter_text(theirs[name]))
            for name in mine
            if parameter_text(mine[name]) != parameter_text(theirs[name])
        )
        return BasedOn(other.name, other.slug, changes) if changes else None
    return None


def _origins(scenarios: dict[str, Scenario]) -> dict[str, BasedOn]:
    """:func:`based_on` for each scenario from a file, against what it extends and the
    library (a library file that cannot be read is left out: it is not compared here)."""
    from_files = {slug: s for slug, s in scenarios.items() if s.path is not None}
    if not from_files:
        return {}
    try:
        shipped = library()
    except NetsimError:
        shipped = []
    found = {}
    for slug, scenario in from_files.items():
        origin = based_on(scenario, [*_extended(scenario), *shipped])
        if origin is not None:
            found[slug] = origin
    return found


@dataclass(frozen=True)
class ComparisonPlan:
    """What a comparison will run: validated scenarios, their parameters and the seed list."""

    scenarios: dict[str, Scenario]
    """Unique slug -> scenario, in the order given (the first is the baseline)."""
    parameters: dict[str, Parameters]
    replicates: int
    seed: int
    steps: int | None
    seeds: list[int] = field(default_factory=list)
    based_on: dict[str, BasedOn] = field(default_factory=dict)
    """Slug -> what the scenario is based on, for those whose description was written for
    another scenario (:func:`based_on`)."""

    @property
    def total(self) -> int:
        return len(self.scenarios) * self.replicates

    def tasks(self) -> list[RunTask]:
        """Replicate-major, so partial progress covers every scenario evenly."""
        return [
            RunTask(
                self.parameters[slug], seed, {"scenario": slug, "replicate": r}, keep_table=True
            )
            for r, seed in enumerate(self.seeds)
            for slug in self.scenarios
        ]


def plan_comparison(
    scenarios: Sequence[Scenario | str | Path],
    replicates: int | None = None,
    seed: int = 1,
    steps: int | None = None,
) -> ComparisonPlan:
    """Load and check everything before any run; raises a NetsimError (one line) on bad input.

    ``replicates`` defaults to the first scenario's own; ``steps`` overrides every scenario's.
    """

    if len(scenarios) < 2:
        raise CompareError(f"compare needs at least 2 scenarios; got {len(scenarios)}")
    loaded = [s if isinstance(s, Scenario) else named_scenario(s) for s in scenarios]
    if replicates is None:
        replicates = loaded[0].replicates
    if isinstance(replicates, bool) or not isinstance(replicates, int) or replicates < 1:
        raise CompareError(f"replicates must be a whole number of at least 1; got {replicates!r}")
    by_slug: dict[str, Scenario] = {}
    parameters: dict[str, Parameters] = {}
    for scenario in loaded:
        slug, k = scenario.slug, 1
        while slug in by_slug:
            k += 1
            slug = f"{scenario.slug}-{k}"
        params = scenario.parameters
        try:
            if steps is not None:
                # an event cut off by --steps would make the comparison silently
                # compare something else: refuse (run's --steps only notes it)
                params = params.replace(steps=steps)
            load_member_network(params)
        except NetsimError as err:
            raise CompareError(f"{slug}: {err}") from None
        by_slug[slug] = scenario
        parameters[slug] = params
    seeds = [derive_seed(seed, r) for r in range(replicates)]
    return ComparisonPlan(
        by_slug, parameters, replicates, seed, steps, seeds, based_on=_origins(by_slug)
    )


@dataclass
class ComparisonData:
    """Everything a comparison produced, as tables (what is written and reported)."""

    plan: ComparisonPlan
    runs: pd.DataFrame
    steps: pd.DataFrame
    failures: pd.DataFrame
    seconds: float
    workers: int

    @property
    def order(self) -> list[str]:
        return list(self.plan.scenarios)


def run_comparison(
    plan: ComparisonPlan, workers: int | None = None, progress: Progress | None = None
) -> ComparisonData:
    """Run every scenario x replicate; a failed run is recorded in ``failures``, not raised."""
    workers = max(1, min(workers or default_workers(), plan.total))
    for params in plan.parameters.values():  # refused before any run starts
        check_memory(params, at_once=workers)
    outcomes, seconds = run_scenario_replicates(plan.tasks(), plan.total, workers, progress)
    runs, tables, failures = [], [], []
    for slug in plan.scenarios:
        for r, seed in enumerate(plan.seeds):
            outcome = outcomes[(slug, r)]
            ids = {"scenario": slug, "replicate": r, "seed": seed}
            if not outcome.ok or outcome.summary is None:
                failures.append({**ids, "error": outcome.error or "no summary"})
                continue
            runs.append({**ids, **outcome.summary})
            if outcome.table is not None:
                tables.append(outcome.table.assign(**ids)[[*ids, *outcome.table.columns]])
    if not runs:
        first = failures[0]["error"] if failures else "nothing ran"
        raise CompareError(f"every run failed; the first error: {first}")
    summary_order = [k for k in SUMMARY_FIELDS if k in runs[0]]
    extra = [k for k in runs[0] if k not in summary_order and k not in ID_COLUMNS]
    runs_table = pd.DataFrame(runs, columns=[*ID_COLUMNS, *summary_order, *extra])
    return ComparisonData(
        plan=plan,
        runs=runs_table,
        steps=pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(),
        failures=pd.DataFrame(failures, columns=[*ID_COLUMNS, "error"]),
        seconds=seconds,
        workers=workers,
    )
