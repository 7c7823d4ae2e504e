"""The lever audit's design and runs: each claimed lever, low against high, around each base.

For every audited lever (a parameter whose declaration claims a direction,
:mod:`netsim.config.claims`) and every base scenario, the audit runs two *arms* on the
same seeds (common random numbers): the lever a step below and a step above the base's
value (a relative step, ``delta``, or the step its claim states; clipped to the allowed
range), or, for a choice, each alternative its claim names. Every arm runs on the
seeds ``derive_seed(seed, r)`` for replicate r, the seeds ``netsim compare`` uses, so
arm r of low and high meet the same random draws wherever the model lets them. A claim
made only under stated conditions (its ``where``, :mod:`netsim.config.claims`) has both
arms set to them first: the arm ids name every setting that differs from the base.

Layers (EMA Workbench's separation): this module designs and runs;
:mod:`netsim.analysis.audit` computes effects, intervals and verdicts;
:mod:`netsim.present.audit_report` writes the report. Runs go through
:func:`netsim.batch.engines.run_tasks` like every batch; a failed run is recorded and
the rest go on.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from netsim.batch.engines import Engine, RunOutcome, RunTask, default_workers, run_tasks
from netsim.config.claims import Claim
from netsim.config.outcomes import SUMMARY_FIELDS
from netsim.config.parameters import ParameterError, Parameters, ParameterSpec, declarations
from netsim.config.scenarios import DEFAULT_NAME, Scenario, named_scenario
from netsim.config.seeding import derive_seed
from netsim.errors import NetsimError, suggest
from netsim.numbers import exact

DEFAULT_BASES = ("default", "usual_suspects", "facilitated_learning_network")
"""The embedded default and two library scenarios: one that thrives, one stuck in silos."""
DEFAULT_SEEDS = 40
"""Paired seeds per setting: a base whose runs either tip or fade (usual_suspects) needs
about 40 for a lever that moves final adoption by 0.15 to show an interval clear of 0."""
DEFAULT_DELTA = 0.25
"""The step either side of a base value, as a share of that value (25%): a change a planner
would make, large enough for 40 seeds to tell a weak lever from an inert one."""
QUICK_SEEDS = 10
QUICK_POPULATION = 250
"""--quick: fewer seeds and a smaller eligible population (founders scaled with it)."""
BASE_ARM = "base"
"""The arm id of a base scenario as it is (shared by every lever whose arm equals it)."""

Progress = Callable[[int, int, RunOutcome], None]
Conditions = tuple[tuple[str, Any], ...]
"""A claim's ``where``: the settings both arms share (config.claims)."""
"""Called after every finished run with (runs done, runs in total, the outcome)."""


class AuditError(NetsimError, ValueError):
    """An audit cannot be designed as asked (one-line message)."""


def lever_claims() -> dict[str, Claim]:
    """Every social-model parameter with a declared claim (claimed or not), in order."""
    return {name: spec.claims for name, _t, _d, spec in declarations() if spec.claims is not None}


def audited_levers() -> tuple[str, ...]:
    """The levers the audit measures by default: those whose claim names a direction."""
    return tuple(name for name, claim in lever_claims().items() if claim.claimed)


def check_levers(names: Sequence[str]) -> tuple[str, ...]:
    """``names`` in declaration order, checked; an unknown name is an AuditError with a hint."""
    known = lever_claims()
    for name in names:
        if name not in known:
            every = [n for n, *_ in declarations()]
            why = "has no claim to audit (a run or contagion-mode parameter)"
            if name not in every:
                why = "is not a social-model lever" + suggest(name, list(known), fallback=every)
            raise AuditError(
                f"lever {name!r} {why} (levers: the parameters with a claimed effect in "
                "docs/parameters.md)"
            )
    chosen = set(names)
    return tuple(n for n in known if n in chosen)


def paired_levels(
    spec: ParameterSpec, kind: str, value: float, delta: float, step: float | None
) -> tuple[float, float]:
    """The low and high values of a numeric lever around ``value``, within its allowed range.

    The change either side is ``step`` if the claim states one, else ``delta`` x |value|,
    else (a base value of 0) ``delta`` x the allowed range, else 1; a whole-number
    parameter moves by a whole number, at least 1.
    """
    change = step
    if change is None:
        change = delta * abs(value)
    if change == 0:
        if spec.low is not None and spec.high is not None:
            change = delta * (spec.high - spec.low)
        else:
            change = 1.0
    if kind == "int":
        change = max(1, round(change))
    low, high = value - change, value + change
    if spec.low is not None:
        low = max(low, spec.low)
    if spec.high is not None:
        high = min(high, spec.high)
    return low, high


@dataclass(frozen=True)
class AuditBase:
    """One base scenario the levers are moved around."""

    slug: str
    name: str
    parameters: Parameters
    path: Path | None = None


@dataclass(frozen=True)
class Arm:
    """One setting run on every seed: a base, with at most one lever moved."""

    base: str
    arm: str
    """'base', or 'lever=value'."""
    parameters: Parameters | None
    """None when the setting is inconsistent (e.g. founding_core above the population)."""
    error: str | None = None


@dataclass(frozen=True)
class Contrast:
    """One paired comparison: ``high`` minus ``low`` on the same seeds, on one base.

    For a numeric lever ``high`` is the step up; for a choice it is the alternative the
    claim says is better, ``low`` the worse one.
    """

    lever: str
    base: str
    high: str
    low: str
    high_value: Any
    low_value: Any


@dataclass(frozen=True)
class AuditPlan:
    """What an audit will run: bases, levers, the arms and contrasts, and the seeds."""

    bases: dict[str, AuditBase]
    levers: tuple[str, ...]
    seed: int
    seeds: tuple[int, ...]
    delta: float
    steps: int | None
    population: int | None
    arms: tuple[Arm, ...]
    contrasts: tuple[Contrast, ...]

    @property
    def total(self) -> int:
        """Runs in all (arms x seeds, inconsistent arms included as failed runs)."""
        return len(self.arms) * len(self.seeds)

    def tasks(self) -> Iterator[RunTask]:
        """Replicate-major, so partial progress covers every lever evenly."""
        for r, seed in enumerate(self.seeds):
            for arm in self.arms:
                if arm.parameters is not None:
                    labels = {"base": arm.base, "arm": arm.arm, "replicate": r}
                    yield RunTask(arm.parameters, seed, labels)

    def claims(self) -> dict[str, dict[str, str]]:
        """Lever -> audited outcome -> the direction its declaration claims."""
        every = lever_claims()
        return {lever: dict(every[lever].directions()) for lever in self.levers}

    def contrast_table(self) -> pd.DataFrame:
        """One row per contrast: lever, base, high and low arm ids and their values."""
        columns = ["lever", "base", "high", "low", "high_value", "low_value"]
        rows = [
            {
                "lever": c.lever,
                "base": c.base,
                "high": c.high,
                "low": c.low,
                "high_value": _text(c.high_value),
                "low_value": _text(c.low_value),
            }
            for c in self.contrasts
        ]
        return pd.DataFrame(rows, columns=columns)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else exact(value)


def load_base(name: str | Path) -> AuditBase:
    """'default' (the embedded defaults), a library scenario's name, or a scenario file."""
    scenario: Scenario = named_scenario(name)
    slug = DEFAULT_NAME if str(name) == DEFAULT_NAME else scenario.slug
    return AuditBase(slug, scenario.name, scenario.parameters, scenario.path)


def _resized(params: Parameters, population: int) -> Parameters:
    """The base with ``population`` eligible people, its founders and innovators scaled."""
    ratio = population / params.eligible_population
    founders = min(population, max(1, round(params.founding_core * ratio)))
    innovators = min(population, round(params.innovators * ratio))
    return params.replace(
        eligible_population=population, founding_core=founders, innovators=innovators
    )


def plan_audit(
    bases: Sequence[str | Path] = DEFAULT_BASES,
    levers: Sequence[str] | None = None,
    seeds: int = DEFAULT_SEEDS,
    seed: int = 1,
    delta: float = DEFAULT_DELTA,
    steps: int | None = None,
    population: int | None = None,
) -> AuditPlan:
    """Check everything and lay out the arms and contrasts before any run.

    ``levers`` defaults to every lever with a claimed direction; an unclaimed
    social-model lever may be named too (its effects are measured, not judged).
    Raises a NetsimError kind (one line) on bad input.
    """
    if isinstance(seeds, bool) or not isinstance(seeds, int) or seeds < 2:
        raise AuditError(f"seeds must be a whole number of at least 2; got {seeds!r}")
    if not (isinstance(delta, int | float) and math.isfinite(delta) and 0 < delta <= 1):
        raise AuditError(f"delta must be a share above 0 and at most 1; got {delta!r}")
    if not bases:
        raise AuditError("an audit needs at least one base scenario")
    chosen = check_levers(levers) if levers is not None else audited_levers()
    if not chosen:
        raise AuditError("an audit needs at least one lever")
    loaded: dict[str, AuditBase] = {}
    for name in bases:
        base = load_base(name)
        slug, k = base.slug, 1
        while slug in loaded:
            k += 1
            slug = f"{base.slug}-{k}"
        params = base.parameters
        try:
            if steps is not None:
                params = params.replace(steps=steps)
            if population is not None:
                params = _resized(params, population)
        except ParameterError as err:
            raise AuditError(f"base {slug}: {err}") from None
        loaded[slug] = AuditBase(slug, base.name, params, base.path)

    kinds = {name: (k if isinstance(k, str) else k.__name__) for name, k, _d, _s in declarations()}
    specs = {name: spec for name, _k, _d, spec in declarations()}
    claims = lever_claims()
    arms: dict[tuple[str, str], Arm] = {}
    contrasts: list[Contrast] = []

    def arm_of(base: AuditBase, lever: str, value: Any, where: Conditions = ()) -> str:
        """The arm setting ``lever`` to ``value`` on ``base`` under the claim's ``where``
        (settings first, then the lever, named in that order: 'lapse_rate=0.02,
        membership_policy=refresh'); the base arm itself when nothing changes."""
        typed = round(value) if kinds[lever] == "int" else value
        changes = {**dict(where), lever: typed}
        changes = {k: v for k, v in changes.items() if v != getattr(base.parameters, k)}
        if not changes:
            arms.setdefault((base.slug, BASE_ARM), Arm(base.slug, BASE_ARM, base.parameters))
            return BASE_ARM
        arm_id = ",".join(f"{k}={_text(v)}" for k, v in changes.items())
        if (base.slug, arm_id) not in arms:
            try:
                arms[(base.slug, arm_id)] = Arm(
                    base.slug, arm_id, base.parameters.replace(**changes)
                )
            except ParameterError as err:
                arms[(base.slug, arm_id)] = Arm(base.slug, arm_id, None, f"ParameterError: {err}")
        return arm_id

    for lever in chosen:
        claim, spec = claims[lever], specs[lever]
        for base in loaded.values():
            current = dict(claim.where).get(lever, getattr(base.parameters, lever))
            pairs: tuple[tuple[Any, Any], ...]
            if spec.choices is not None:
                pairs = claim.contrasts or tuple((c, current) for c in spec.choices if c != current)
            else:
                low, high = paired_levels(spec, kinds[lever], float(current), delta, claim.step)
                pairs = ((high, low),)
            for better, worse in pairs:
                contrasts.append(
                    Contrast(
                        lever,
                        base.slug,
                        arm_of(base, lever, better, claim.where),
                        arm_of(base, lever, worse, claim.where),
                        better,
                        worse,
                    )
                )
    return AuditPlan(
        bases=loaded,
        levers=chosen,
        seed=seed,
        seeds=tuple(derive_seed(seed, r) for r in range(seeds)),
        delta=float(delta),
        steps=steps,
        population=population,
        arms=tuple(arms.values()),
        contrasts=tuple(contrasts),
    )


@dataclass
class AuditData:
    """Everything an audit produced, as tables (what is analysed and written)."""

    plan: AuditPlan
    runs: pd.DataFrame
    """One row per successful run: base, arm, replicate, seed, steps and every summary field."""
    failures: pd.DataFrame
    seconds: float
    workers: int


RUN_COLUMNS = ("base", "arm", "replicate", "seed", "steps")


def run_audit(
    plan: AuditPlan,
    *,
    workers: int | None = None,
    engine: Engine | None = None,
    progress: Progress | None = None,
) -> AuditData:
    """Run every arm on every seed; a failed run is recorded in ``failures``, not raised."""
    workers = max(1, min(workers or default_workers(), plan.total))
    started = time.perf_counter()
    rows: list[dict[str, Any]] = []
    failures: list[dict[str, Any]] = []
    done = 0
    for arm in plan.arms:  # inconsistent settings: failed on every seed, never run
        if arm.parameters is None:
            for r, seed in enumerate(plan.seeds):
                ids = {"base": arm.base, "arm": arm.arm, "replicate": r, "seed": seed}
                failures.append({**ids, "error": arm.error or "cannot be built"})
                done += 1
    for outcome in run_tasks(plan.tasks(), workers=workers, engine=engine):
        done += 1
        labels, task = outcome.task.labels, outcome.task
        ids = {
            "base": labels["base"],
            "arm": labels["arm"],
            "replicate": labels["replicate"],
            "seed": task.seed,
        }
        if outcome.ok and outcome.summary is not None:
            rows.append({**ids, "steps": task.parameters.steps, **outcome.summary})
        else:
            failures.append({**ids, "error": outcome.error or "no summary"})
        if progress is not None:
            progress(done, plan.total, outcome)
    order = {(a.base, a.arm): i for i, a in enumerate(plan.arms)}
    summary = [k for k in SUMMARY_FIELDS if not rows or k in rows[0]]
    runs = pd.DataFrame(rows, columns=[*RUN_COLUMNS, *summary])
    if not runs.empty:
        runs = runs.assign(
            _order=[order[(b, a)] for b, a in zip(runs["base"], runs["arm"], strict=True)]
        )
        runs = runs.sort_values(["_order", "replicate"], kind="stable").drop(columns="_order")
        runs = runs.reset_index(drop=True)
    return AuditData(
        plan=plan,
        runs=runs,
        failures=pd.DataFrame(failures, columns=["base", "arm", "replicate", "seed", "error"]),
        seconds=time.perf_counter() - started,
        workers=workers,
    )
