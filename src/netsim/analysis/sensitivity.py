"""Global sensitivity of the outcomes to the varied knobs: Sobol' indices [Saltelli 2002;
Saltelli et al. 2010] and Morris screening [Morris 1991; Campolongo et al. 2007] through SALib.

The sweep runs ``replicates`` seeds at every sample point of a Sobol or Morris design; the
indices are computed on the **mean over replicates at each point** (for a yes/no outcome,
the share of replicates), so they describe the expected outcome, not single noisy runs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from netsim.analysis.intervals import CONFIDENCE
from netsim.analysis.summaries import AnalysisError, is_numeric, successful
from netsim.config.outcomes import SENSITIVITY_OUTCOMES

__all__ = ["SENSITIVITY_OUTCOMES", "morris_indices", "sobol_indices"]

SALIB_SEED = 20240
"""Seed for SALib's resampled confidence intervals (not 0: SALib treats a falsy seed as
'use NumPy's global generator')."""


def point_means(runs: pd.DataFrame, outcome: str, n_points: int | None = None) -> np.ndarray:
    """The mean of ``outcome`` over the successful replicates of each point, by point_id.

    Yes/no outcomes become the share of replicates. ``n_points`` defaults to the highest
    point_id + 1; every point from 0 to n_points - 1 needs at least one successful run.
    """
    if n_points is None:
        n_points = int(runs["point_id"].max()) + 1
    ok = successful(runs)
    means = ok.groupby("point_id")[outcome].apply(lambda v: v.astype(float).mean())
    means = means.reindex(range(n_points))
    missing = np.flatnonzero(means.isna().to_numpy())
    if missing.size:
        raise AnalysisError(
            f"{missing.size} of {n_points} sample points have no successful run with "
            f"{outcome} (first: point {missing[0]}); SALib needs every point"
        )
    return means.to_numpy(dtype=float)


def _salib_names(problem: Mapping[str, Any]) -> list[str]:
    groups = problem.get("groups")
    return list(dict.fromkeys(groups)) if groups else list(problem["names"])


def _second_order(points: int, d: int) -> bool:
    """Whether a Saltelli sample of ``points`` rows for d inputs includes second order.

    N(2d + 2) rows with second order, N(d + 2) without; with N a power of two (as SALib
    asks) only one can hold.
    """
    with_s2, without = points % (2 * d + 2) == 0, points % (d + 2) == 0

    def power_of_two(m: int) -> bool:
        return m > 0 and m & (m - 1) == 0

    if with_s2 and without:
        return power_of_two(points // (2 * d + 2)) or not power_of_two(points // (d + 2))
    if with_s2 or without:
        return with_s2
    raise AnalysisError(
        f"{points} sample points is not N(2d+2) or N(d+2) for d = {d}: not a Saltelli sample"
    )


def _constant(y: np.ndarray, outcome: str) -> None:
    if np.ptp(y) == 0:
        raise AnalysisError(f"{outcome} is {y[0]:g} at every point: its indices are undefined")


@dataclass
class SobolResult:
    """First and total order indices (one row per input) and second order (one per pair)."""

    indices: pd.DataFrame
    second_order: pd.DataFrame


def sobol_indices(
    runs: pd.DataFrame,
    problem: Mapping[str, Any],
    outcome: str,
    *,
    calc_second_order: bool | None = None,
    n_points: int | None = None,
    num_resamples: int = 100,
    confidence: float = CONFIDENCE,
    seed: int = SALIB_SEED,
) -> SobolResult:
    """Sobol' indices S1, ST (and S2) of the per-point mean of ``outcome`` (SALib).

    The rows' point_id order must be the order of SALib's Saltelli sample (the sweep keeps
    it). ``calc_second_order`` defaults to what the number of points implies. The ``*_conf``
    columns are SALib's bootstrap half-widths at ``confidence``: S1 ± S1_conf.
    """
    from SALib.analyze import sobol

    y = point_means(runs, outcome, n_points)
    _constant(y, outcome)
    names = _salib_names(problem)
    if calc_second_order is None:
        calc_second_order = _second_order(y.size, len(names))
    si = sobol.analyze(
        dict(problem),
        y,
        calc_second_order=calc_second_order,
        num_resamples=num_resamples,
        conf_level=confidence,
        seed=seed,
    )
    indices = pd.DataFrame(
        {
            "outcome": outcome,
            "parameter": names,
            "S1": si["S1"],
            "S1_conf": si["S1_conf"],
            "ST": si["ST"],
            "ST_conf": si["ST_conf"],
        }
    )
    pairs = []
    if calc_second_order:
        for i, j in combinations(range(len(names)), 2):
            pairs.append(
                {
                    "outcome": outcome,
                    "parameter": names[i],
                    "other": names[j],
                    "S2": float(si["S2"][i, j]),
                    "S2_conf": float(si["S2_conf"][i, j]),
                }
            )
    second = pd.DataFrame(pairs, columns=["outcome", "parameter", "other", "S2", "S2_conf"])
    return SobolResult(indices, second)


def sample_matrix(
    runs: pd.DataFrame,
    names: Sequence[str],
    n_points: int | None = None,
    choices: Mapping[str, Sequence[Any]] | None = None,
) -> np.ndarray:
    """The sample matrix X (one row per point_id, one column per name) from the runs table.

    Choice parameters become the index of their value in ``choices[name]`` (else the order
    of first appearance); Morris only needs the direction of each step.
    """
    if n_points is None:
        n_points = int(runs["point_id"].max()) + 1
    first = runs.groupby("point_id")[list(names)].first().reindex(range(n_points))
    if first.isna().any().any():
        raise AnalysisError("some sample points have no parameter values in the runs table")
    columns = []
    for name in names:
        values = first[name]
        if not is_numeric(values):
            order = list((choices or {}).get(name) or pd.unique(values))
            values = values.map({v: i for i, v in enumerate(order)})
        columns.append(values.to_numpy(dtype=float))
    return np.column_stack(columns)


def morris_indices(
    runs: pd.DataFrame,
    problem: Mapping[str, Any],
    outcome: str,
    *,
    num_levels: int = 4,
    n_points: int | None = None,
    choices: Mapping[str, Sequence[Any]] | None = None,
    x: np.ndarray | None = None,
    num_resamples: int = 100,
    confidence: float = CONFIDENCE,
    seed: int = SALIB_SEED,
) -> pd.DataFrame:
    """Morris screening of the per-point mean of ``outcome``: mu, mu*, its interval, sigma.

    ``x`` is the sample matrix in point_id order (the sweep's raw ``design.parquet``, before
    integer parameters were rounded); without it, X is rebuilt from the varied-parameter
    columns ordered by point_id (see :func:`sample_matrix`). Either way point_id order must
    be SALib's trajectory order. mu* is in
    outcome units per fraction of the input's range (SALib's unscaled elementary effects);
    mu_star_conf is SALib's bootstrap half-width. A large sigma against mu* flags
    interactions or non-linearity.
    """
    from SALib.analyze import morris

    y = point_means(runs, outcome, n_points)
    _constant(y, outcome)
    d = len(_salib_names(problem))
    if y.size % (d + 1):
        raise AnalysisError(
            f"{y.size} sample points is not a multiple of d + 1 = {d + 1}: not a Morris sample"
        )
    if x is None:
        x = sample_matrix(runs, list(problem["names"]), y.size, choices)
    elif x.shape[0] != y.size:
        raise AnalysisError(f"the sample matrix has {x.shape[0]} rows for {y.size} points")
    si = morris.analyze(
        dict(problem),
        x,
        y,
        num_resamples=num_resamples,
        conf_level=confidence,
        num_levels=num_levels,
        seed=seed,
    )
    return pd.DataFrame(
        {
            "outcome": outcome,
            "parameter": list(si["names"]),
            "mu": np.asarray(si["mu"], dtype=float),
            "mu_star": np.asarray(si["mu_star"], dtype=float),
            "mu_star_conf": np.asarray(si["mu_star_conf"], dtype=float),
            "sigma": np.asarray(si["sigma"], dtype=float),
        }
    )
