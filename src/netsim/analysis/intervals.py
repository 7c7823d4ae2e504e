"""Intervals for comparing scenarios run on common random numbers (pure functions over tables).

Methods: t-interval of the mean for continuous outcomes; Wilson score interval
for proportions of runs (booleans) [Wilson 1927]; paired t-interval of the
per-seed differences; Newcombe's square-and-add interval for the difference of
paired proportions [Newcombe 1998, Stat Med 17:2635, method 10]. Shares are
kept in [0, 1] (differences of shares in [-1, 1]).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from scipy import stats

from netsim.config.outcomes import FIVE_C, SHARE_OUTCOMES
from netsim.config.parameters import Parameters, spec_of

CONFIDENCE = 0.95
ID_COLUMNS = ("scenario", "replicate", "seed")
CURVE_COLUMNS = ("active_share", "adoption_share", "mean_engagement", "mean_trust")
SHARES = frozenset((*SHARE_OUTCOMES, *CURVE_COLUMNS, *FIVE_C))
"""Columns whose values lie in [0, 1]: their intervals are truncated to that range
(and differences of them to [-1, 1]), as a t-interval near a bound can overshoot it."""
CONTINUOUS = "continuous"
PROPORTION = "proportion"


class Interval(NamedTuple):
    """An estimate with its confidence interval and the number of observations behind it."""

    estimate: float
    low: float
    high: float
    n: int


def _t_quantile(n: int, confidence: float) -> float:
    return float(stats.t.ppf(0.5 + confidence / 2, n - 1))


def t_interval(values: Iterable[float], confidence: float = CONFIDENCE) -> Interval:
    """Mean and t-interval of the mean; NaNs are dropped (n counts the rest).

    No observations: all NaN. One observation: the value, with no interval (NaN bounds).
    """
    x = np.asarray(list(values) if not isinstance(values, np.ndarray) else values, dtype=float)
    x = x[~np.isnan(x)]
    n = int(x.size)
    if n == 0:
        return Interval(math.nan, math.nan, math.nan, 0)
    mean = float(x.mean())
    if n == 1:
        return Interval(mean, math.nan, math.nan, 1)
    half = _t_quantile(n, confidence) * float(x.std(ddof=1)) / math.sqrt(n)
    return Interval(mean, mean - half, mean + half, n)


def wilson_interval(successes: int, n: int, confidence: float = CONFIDENCE) -> Interval:
    """Proportion successes / n with the Wilson score interval (good at 0%, 100% and small n)."""
    if n <= 0:
        return Interval(math.nan, math.nan, math.nan, 0)
    if not 0 <= successes <= n:
        raise ValueError(f"successes {successes} must be between 0 and n ({n})")
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return Interval(p, max(0.0, centre - half), min(1.0, centre + half), n)


def paired_proportion_difference(
    both: int, first_only: int, second_only: int, neither: int, confidence: float = CONFIDENCE
) -> Interval:
    """p1 - p2 for paired booleans, with Newcombe's square-and-add (hybrid score) interval.

    The counts are the paired 2x2 table: ``both`` pairs true in both, ``first_only``
    true for the first only, and so on; p1 = (both + first_only) / n.
    """
    n = both + first_only + second_only + neither
    if n <= 0:
        return Interval(math.nan, math.nan, math.nan, 0)
    first, second = both + first_only, both + second_only
    p1, l1, u1, _ = wilson_interval(first, n, confidence)
    p2, l2, u2, _ = wilson_interval(second, n, confidence)
    margins = first * (n - first) * second * (n - second)
    phi = 0.0
    if margins > 0:
        cross = both * neither - first_only * second_only
        if cross > n / 2:
            phi = (cross - n / 2) / math.sqrt(margins)
        elif cross < 0:
            phi = cross / math.sqrt(margins)
    d = p1 - p2
    low = d - math.sqrt(max(0.0, (p1 - l1) ** 2 + (u2 - p2) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2)))
    high = d + math.sqrt(
        max(0.0, (p2 - l2) ** 2 + (u1 - p1) ** 2 - 2 * phi * (p2 - l2) * (u1 - p1))
    )
    return Interval(d, max(-1.0, low), min(1.0, high), n)


def _truncate(est: Interval, column: str, difference: bool = False) -> Interval:
    if column not in SHARES:
        return est
    low, high = (-1.0, 1.0) if difference else (0.0, 1.0)
    return est._replace(low=max(low, est.low), high=min(high, est.high))


def outcome_kinds(runs: pd.DataFrame) -> dict[str, str]:
    """Outcome column -> 'proportion' (boolean per run) or 'continuous' (numeric)."""
    kinds: dict[str, str] = {}
    for column in runs.columns:
        if column in ID_COLUMNS:
            continue
        if pd.api.types.is_bool_dtype(runs[column]):
            kinds[column] = PROPORTION
        elif pd.api.types.is_numeric_dtype(runs[column]):
            kinds[column] = CONTINUOUS
    return kinds


def _order(runs: pd.DataFrame, order: Sequence[str] | None) -> list[str]:
    if order is not None:
        return list(order)
    return list(dict.fromkeys(runs["scenario"]))


def outcome_table(
    runs: pd.DataFrame, order: Sequence[str] | None = None, confidence: float = CONFIDENCE
) -> pd.DataFrame:
    """Per scenario and outcome: n, mean and interval (t for continuous, Wilson for booleans).

    ``runs`` has one row per run: a ``scenario`` column and one column per outcome.
    """
    rows = []
    kinds = outcome_kinds(runs)
    for scenario in _order(runs, order):
        part = runs[runs["scenario"] == scenario]
        for outcome, kind in kinds.items():
            if kind == PROPORTION:
                values = part[outcome].astype(bool)
                est = wilson_interval(int(values.sum()), int(values.size), confidence)
                method = "wilson"
            else:
                est = _truncate(
                    t_interval(part[outcome].to_numpy(dtype=float), confidence), outcome
                )
                method = "t"
            rows.append(
                {
                    "scenario": scenario,
                    "outcome": outcome,
                    "kind": kind,
                    "method": method,
                    "n": est.n,
                    "mean": est.estimate,
                    "ci_low": est.low,
                    "ci_high": est.high,
                }
            )
    return pd.DataFrame(
        rows, columns=["scenario", "outcome", "kind", "method", "n", "mean", "ci_low", "ci_high"]
    )


def difference_table(
    runs: pd.DataFrame, order: Sequence[str] | None = None, confidence: float = CONFIDENCE
) -> pd.DataFrame:
    """Each scenario minus the first, paired by seed: mean difference and its interval.

    Continuous outcomes: paired t-interval of the per-seed differences (pairs where
    either value is NaN are dropped). Booleans: difference of paired proportions
    with Newcombe's interval. A seed whose run failed in either scenario is left out.
    """
    scenarios = _order(runs, order)
    kinds = outcome_kinds(runs)
    columns = [
        "scenario",
        "baseline",
        "outcome",
        "kind",
        "method",
        "n_pairs",
        "mean_difference",
        "ci_low",
        "ci_high",
    ]
    if len(scenarios) < 2:
        return pd.DataFrame(columns=columns)
    baseline = scenarios[0]
    base = runs[runs["scenario"] == baseline]
    rows = []
    for scenario in scenarios[1:]:
        other = runs[runs["scenario"] == scenario]
        pairs = other.merge(base, on="seed", suffixes=("", "_baseline"), sort=True)
        for outcome, kind in kinds.items():
            mine = pairs[outcome]
            theirs = pairs[f"{outcome}_baseline"]
            if kind == PROPORTION:
                a, b = mine.astype(bool).to_numpy(), theirs.astype(bool).to_numpy()
                counts = (a & b, a & ~b, ~a & b, ~a & ~b)
                both, first_only, second_only, neither = (int(c.sum()) for c in counts)
                est = paired_proportion_difference(
                    both, first_only, second_only, neither, confidence
                )
                method = "newcombe paired"
            else:
                diff = mine.to_numpy(dtype=float) - theirs.to_numpy(dtype=float)
                est = _truncate(t_interval(diff, confidence), outcome, difference=True)
                method = "paired t"
            rows.append(
                {
                    "scenario": scenario,
                    "baseline": baseline,
                    "outcome": outcome,
                    "kind": kind,
                    "method": method,
                    "n_pairs": est.n,
                    "mean_difference": est.estimate,
                    "ci_low": est.low,
                    "ci_high": est.high,
                }
            )
    return pd.DataFrame(rows, columns=columns)


RUN_QUANTILES: dict[str, float] = {
    "p10": 0.10,
    "p25": 0.25,
    "median": 0.50,
    "p75": 0.75,
    "p90": 0.90,
}
"""Quantiles of the runs at each step (column -> level): the fans of a comparison's curves
show where 50% and 80% of the runs lie, which the interval of the mean hides (two groups
of runs, one taking off and one fading, have a mean that no run follows)."""


def step_bands(
    steps: pd.DataFrame,
    columns: Sequence[str] = CURVE_COLUMNS,
    confidence: float = CONFIDENCE,
) -> pd.DataFrame:
    """Per scenario, step and column: n, mean across runs, the t-interval of that mean and
    the runs' own spread, their quantiles :data:`RUN_QUANTILES` (``p10`` ... ``p90``)."""
    grouped = steps.groupby(["scenario", "step"], sort=False)[list(columns)]
    mean, sd, n = grouped.mean(), grouped.std(ddof=1), grouped.count()
    quantiles = {name: grouped.quantile(q) for name, q in RUN_QUANTILES.items()}
    quantile = pd.DataFrame(
        stats.t.ppf(0.5 + confidence / 2, np.maximum(n.to_numpy() - 1, 1)),
        index=n.index,
        columns=n.columns,
    )
    half = quantile * sd / np.sqrt(n)
    low, high = mean - half, mean + half
    shares = [c for c in columns if c in SHARES]
    low[shares], high[shares] = low[shares].clip(lower=0.0), high[shares].clip(upper=1.0)
    long = pd.concat(
        {
            "n": n.stack(),
            "mean": mean.stack(),
            "ci_low": low.stack(future_stack=True),
            "ci_high": high.stack(future_stack=True),
            **{name: q.stack(future_stack=True) for name, q in quantiles.items()},
        },
        axis=1,
    )
    long.index.names = ["scenario", "step", "column"]
    return long.reset_index()


def final_step_means(steps: pd.DataFrame, columns: Sequence[str] = FIVE_C) -> pd.DataFrame:
    """Mean over runs of each column at each run's last step; one row per scenario."""
    last = steps.groupby(["scenario", "replicate"], sort=False).tail(1)
    return last.groupby("scenario", sort=False)[list(columns)].mean()


def parameter_text(value: Any) -> str:
    """A parameter value as a planner would write it (the timeline as STEP:ACTION:AMOUNT)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "; ".join(
            f"{e['step']}:{e['action']}:{e['amount']:g}" if isinstance(e, dict) else str(e)
            for e in value
        )
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def parameters_differ(parameters: dict[str, Parameters]) -> pd.DataFrame:
    """Parameters whose values differ between scenarios: name, group, one column per scenario."""
    flat = {slug: p.to_dict() for slug, p in parameters.items()}
    names = list(next(iter(flat.values()))) if flat else []
    rows = []
    for name in names:
        values = [parameter_text(d[name]) for d in flat.values()]
        if len(set(values)) > 1:
            rows.append(
                {
                    "parameter": name,
                    "group": spec_of(name).group,
                    **dict(zip(flat, values, strict=True)),
                }
            )
    return pd.DataFrame(rows, columns=["parameter", "group", *flat])
