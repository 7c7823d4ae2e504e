"""The label-horizon check: run scenarios x seeds to 2T and compare their labels at T and 2T.

Issue 13 asks that a run's labels (critical mass reached, fizzled out, spread) hold:
over every library scenario and the embedded default, 20 seeds each, the labels at the
scenario's horizon T and at 2T may disagree in at most 5% of runs, label by label.
A scenario with a timeline event after T is left out and named (the event changes the
run after T by design); the library has none at its own horizon.

Rerun it (after a change to the mechanisms, say) with::

    python -m netsim.batch.label_stability                 # the full check: 16 x 20 runs
    python -m netsim.batch.label_stability --seeds 5 --population 200 --scenario default

It prints the disagreement per label and per scenario and exits 1 if a label disagrees
in more than 5% of runs. The tables come from :mod:`netsim.analysis.label_stability`.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from netsim.analysis.label_stability import (
    ACCEPTABLE_DISAGREEMENT,
    SETTLED,
    disagreement,
    passes,
    report_lines,
    stability_record,
)
from netsim.analysis.summaries import AnalysisError
from netsim.batch.engines import RunTask, run_tasks
from netsim.config.parameters import Parameters
from netsim.config.scenarios import Scenario, default_scenario, library, named_scenario
from netsim.errors import NetsimError
from netsim.numbers import percent
from netsim.results.files import atomic_write

SEEDS = 20
"""Seeds per scenario in the full check (1, 2, ..., 20), as issue 13 states it."""


@dataclass(frozen=True)
class StabilityCheck:
    """The check's result: one row per run, the disagreement tables, what was left out."""

    records: pd.DataFrame
    """scenario, seed, horizon, and ``<label>_T`` / ``<label>_2T`` for each label and settled."""
    overall: pd.DataFrame
    """Per label: runs, disagree, rate (and settled_at_T, disagree_when_settled)."""
    per_scenario: pd.DataFrame
    """The same per scenario."""
    excepted: dict[str, str]
    """Scenario -> why it was left out."""
    seconds: float
    limit: float = ACCEPTABLE_DISAGREEMENT

    @property
    def passed(self) -> bool:
        """Every label disagrees in at most ``limit`` of the runs."""
        return passes(self.overall, self.limit)

    def settled_share(self) -> tuple[float, float] | None:
        """Share of runs whose labels were settled at T and at 2T (None without the flag)."""
        if f"{SETTLED}_T" not in self.records.columns or self.records.empty:
            return None
        return (
            float(self.records[f"{SETTLED}_T"].mean()),
            float(self.records[f"{SETTLED}_2T"].mean()),
        )

    def report(self) -> str:
        lines = report_lines(self.overall, self.per_scenario, self.excepted, self.settled_share())
        verdict = "passes" if self.passed else "FAILS"
        lines += [
            "",
            f"{verdict}: at most {percent(self.limit)} disagreement per label allowed; "
            f"{len(self.records)} runs in {self.seconds:.0f} s.",
        ]
        return "\n".join(lines)


def check_scenarios() -> list[Scenario]:
    """What the full check covers: the embedded default, then every library scenario
    (the default once, if the library also holds it as a file)."""
    scenarios = library()
    default = default_scenario()
    if any(s.slug == default.slug or s.parameters == default.parameters for s in scenarios):
        return scenarios
    return [default, *scenarios]


def check_label_stability(
    scenarios: Sequence[Scenario] | None = None,
    seeds: Iterable[int] = range(1, SEEDS + 1),
    *,
    horizon: int | None = None,
    overrides: Mapping[str, Any] | None = None,
    workers: int = 1,
) -> StabilityCheck:
    """Run every scenario x seed for 2T steps and compare each label at T and at 2T.

    ``horizon`` is T (default: each scenario's own ``steps``); ``overrides`` are
    parameter values applied to every scenario (e.g. ``eligible_population`` for a
    quick check). ``workers`` > 1 runs them in a local process pool; the result is
    the same. A scenario with a timeline event after T is excepted (listed, not run).
    """
    chosen = list(scenarios) if scenarios is not None else check_scenarios()
    seed_list = list(seeds)
    excepted: dict[str, str] = {}
    plans: dict[str, tuple[int, Parameters]] = {}
    for scenario in chosen:
        if scenario.slug in plans or scenario.slug in excepted:
            raise AnalysisError(f"scenario {scenario.slug!r} is named twice")
        params = scenario.parameters
        if overrides:
            params = params.replace(**overrides)
        t = horizon if horizon is not None else params.steps
        late = params.events_after(t)
        if late:
            excepted[scenario.slug] = "timeline events after step " + (
                f"{t}: " + ", ".join(f"{e.action} at {e.step}" for e in late)
            )
            continue
        plans[scenario.slug] = (t, params.with_steps(2 * t))
    tasks = [
        RunTask(params, seed, {"scenario": slug}, keep_table=True)
        for slug, (_, params) in plans.items()
        for seed in seed_list
    ]
    started = time.perf_counter()
    rows = []
    for outcome in run_tasks(tasks, workers=workers):
        if outcome.table is None:
            raise RuntimeError(f"a run of the label check failed: {outcome.error}")
        slug = outcome.task.labels["scenario"]
        t = plans[slug][0]
        rows.append(stability_record(slug, outcome.task.seed, t, outcome.table))
    records = pd.DataFrame(rows)
    if not records.empty:
        order = {slug: i for i, slug in enumerate(plans)}
        records = records.sort_values(
            ["scenario", "seed"], key=lambda c: c.map(order) if c.name == "scenario" else c
        ).reset_index(drop=True)
    return StabilityCheck(
        records=records,
        overall=disagreement(records) if not records.empty else pd.DataFrame(),
        per_scenario=disagreement(records, "scenario") if not records.empty else pd.DataFrame(),
        excepted=excepted,
        seconds=time.perf_counter() - started,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m netsim.batch.label_stability``: print the check; 0 if it passes, 1 if not,
    2 on bad input."""
    parser = argparse.ArgumentParser(
        prog="python -m netsim.batch.label_stability",
        description="Do run labels hold? Each scenario x seed runs 2T steps; its labels at T "
        "and at 2T are compared.",
    )
    parser.add_argument(
        "--scenario",
        action="append",
        help="A scenario file or library name, or 'default' for the embedded default "
        "(repeatable; default: the embedded default and every library scenario).",
    )
    parser.add_argument("--seeds", type=int, default=SEEDS, help="Seeds 1..N per scenario.")
    parser.add_argument("--horizon", type=int, help="T (default: each scenario's steps).")
    parser.add_argument("--population", type=int, help="eligible_population for every run.")
    parser.add_argument("--workers", type=int, default=1, help="Local worker processes.")
    parser.add_argument("--out", help="Write the per-run records to this CSV file.")
    args = parser.parse_args(argv)
    try:
        scenarios = (
            [named_scenario(name) for name in args.scenario] if args.scenario else check_scenarios()
        )
        overrides = {} if args.population is None else {"eligible_population": args.population}
        if args.seeds < 1 or (args.horizon is not None and args.horizon < 1):
            raise AnalysisError("--seeds and --horizon must be whole numbers >= 1")
        check = check_label_stability(
            scenarios,
            range(1, args.seeds + 1),
            horizon=args.horizon,
            overrides=overrides,
            workers=max(1, args.workers),
        )
    except NetsimError as err:
        print(f"label_stability: error: {err}", file=sys.stderr)
        return 2
    print(check.report())
    if args.out:
        try:
            atomic_write(Path(args.out), lambda tmp: check.records.to_csv(tmp, index=False))
        except OSError as err:
            print(f"label_stability: error: cannot write {args.out}: {err}", file=sys.stderr)
            return 2
    return 0 if check.passed else 1


if __name__ == "__main__":
    sys.exit(main())
