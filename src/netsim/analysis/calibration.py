"""The statistics of a calibration: the distance to the observed series, and the posterior.

Pure functions over arrays and tables (nothing here runs the model, fits or draws):
:mod:`netsim.batch.calibration` fits with them, :mod:`netsim.present.calibration_report`
writes what they return.

- :class:`SeriesDistance`: how far a simulated series is from the observed one, the
  ABC distance. For each fitted column c with weight w_c and scale s_c, over the
  observed weeks t: ``sum_of_squares`` is sum_c w_c sum_t ((sim_ct - obs_ct) / s_c)^2,
  ``sum_of_absolute`` the same with |.| for (.)^2. s_c is the observed column's
  standard deviation (``sd``), the absolute value of its mean (``mean``) or 1 (``none``),
  so columns in different units (members in people, shares in [0, 1]) weigh alike.
- :func:`weighted_quantile` and :func:`posterior_summary`: the posterior mean, median
  and the central credible interval (default 90%: the weighted 5% and 95% quantiles)
  of each parameter from ABC-SMC's weighted particles.
- :func:`predictive_bands`: the 5-95% band and median of posterior-predictive series.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from netsim.config.calibration import DistanceSpec

CREDIBLE_MASS = 0.9
"""The credible intervals' probability: the central 90% (the 5% and 95% quantiles)."""
BAND = (0.05, 0.5, 0.95)
"""The posterior-predictive band's quantiles: low, median, high."""

Series = Mapping[str, np.ndarray]
"""Column -> values at the observed weeks."""


def column_scales(observed: Series, scale: str) -> dict[str, float]:
    """What each column's differences are divided by (see the module docstring)."""
    scales = {}
    for column, values in observed.items():
        if scale == "sd":
            scales[column] = float(np.std(values))
        elif scale == "mean":
            scales[column] = float(abs(np.mean(values)))
        else:
            scales[column] = 1.0
    return scales


class SeriesDistance:
    """The ABC distance between a simulated and the observed series (a plain callable
    ``(simulated, observed) -> float`` that pickles, so it runs in any worker).

    A simulated series holding a non-finite value (a run the model refused) is infinitely
    far, so it is never accepted.
    """

    def __init__(self, spec: DistanceSpec, observed: Series) -> None:
        self.kind = spec.kind
        self.columns = tuple(observed)
        scales = column_scales(observed, spec.scale)
        self.factors = {c: spec.weights.get(c, 1.0) / scales[c] ** self.power for c in self.columns}

    @property
    def power(self) -> int:
        return 2 if self.kind == "sum_of_squares" else 1

    def __call__(self, simulated: Series, observed: Series) -> float:
        total = 0.0
        for column in self.columns:
            gap = np.abs(np.asarray(simulated[column], float) - np.asarray(observed[column], float))
            if not np.all(np.isfinite(gap)):
                return float("inf")
            total += self.factors[column] * float(np.sum(gap**self.power))
        return total


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float | np.ndarray) -> np.ndarray:
    """Quantile(s) ``q`` in [0, 1] of ``values`` with ``weights`` (>= 0, not all 0).

    The weighted empirical distribution with each point at the middle of its weight
    (the Hazen rule that equal weights reduce to), linear between points; below the first
    midpoint the smallest value, above the last the largest.
    """
    values = np.asarray(values, float)
    weights = np.asarray(weights, float)
    order = np.argsort(values, kind="stable")
    ordered, mass = values[order], weights[order]
    total = mass.sum()
    if not total > 0:
        raise ValueError("weighted_quantile needs weights that sum above 0")
    midpoints = (np.cumsum(mass) - mass / 2) / total
    return np.interp(q, midpoints, ordered)


def effective_sample_size(weights: np.ndarray) -> float:
    """Kish's effective sample size (sum w)^2 / sum w^2 of importance weights."""
    weights = np.asarray(weights, float)
    return float(weights.sum() ** 2 / np.sum(weights**2))


def posterior_summary(
    sample: pd.DataFrame,
    weights: np.ndarray,
    priors: Mapping[str, tuple[float, float]],
    mass: float = CREDIBLE_MASS,
) -> pd.DataFrame:
    """One row per parameter: the weighted posterior mean, median, the central ``mass``
    credible interval (low, high), the prior's range and the share of it the interval spans.

    ``sample`` holds one column per parameter (the particles), ``weights`` their weights.
    """
    tail = (1 - mass) / 2
    rows = []
    for name, (prior_low, prior_high) in priors.items():
        values = sample[name].to_numpy(float)
        low, median, high = weighted_quantile(values, weights, np.array([tail, 0.5, 1 - tail]))
        rows.append(
            {
                "parameter": name,
                "mean": float(np.average(values, weights=weights)),
                "median": float(median),
                "low": float(low),
                "high": float(high),
                "prior_low": float(prior_low),
                "prior_high": float(prior_high),
                "interval_share_of_prior": float((high - low) / (prior_high - prior_low)),
            }
        )
    return pd.DataFrame(rows)


def covers(summary: pd.DataFrame, truth: Mapping[str, float]) -> dict[str, bool]:
    """Whether each true value lies in its credible interval (for recovery checks)."""
    rows = summary.set_index("parameter")
    return {
        name: bool(rows.loc[name, "low"] <= value <= rows.loc[name, "high"])
        for name, value in truth.items()
    }


def predictive_bands(weeks: np.ndarray, draws: Sequence[Series]) -> pd.DataFrame:
    """The 5%, 50% and 95% of posterior-predictive series at each week: a tidy table
    (column, week, low, median, high) over the columns of the first draw."""
    if not draws:
        return pd.DataFrame(columns=["column", "week", "low", "median", "high"])
    parts = []
    for column in draws[0]:
        stacked = np.vstack([np.asarray(d[column], float) for d in draws])
        low, median, high = np.quantile(stacked, BAND, axis=0)
        parts.append(
            pd.DataFrame(
                {"column": column, "week": weeks, "low": low, "median": median, "high": high}
            )
        )
    return pd.concat(parts, ignore_index=True)
