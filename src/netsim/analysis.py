"""Analysis of a sweep's results: run labels, outcome curves, phase diagrams, tipping points,
bimodality and sensitivity indices.

EMA Workbench's separation: the model makes runs, the experiment design (``netsim sweep``)
chooses parameter values, and this module only reads the resulting tables. Everything but
:func:`analyse_folder` and its readers (:func:`load_manifest`, :func:`load_runs`) is a
pure function over pandas tables with one row per run: ``run_id``, ``point_id``,
``replicate``, ``seed``, ``status``, one column per varied parameter and the summary
fields of :data:`netsim.metrics.SUMMARY_FIELDS`.

Methods, each documented where it is computed:

- run labels (:data:`LABEL_RULES`, :func:`label_runs`): mutually exclusive rules on the
  summary fields;
- outcome curves (:func:`outcome_curves`): per level of one parameter, the mean and its
  95% t-interval for continuous outcomes, the share of runs with its Wilson interval for
  yes/no outcomes (reusing :func:`netsim.intervals.outcome_table`);
- phase diagrams (:func:`phase_table`): means over a grid of two parameters;
- tipping points (:func:`tipping_point`): a logistic curve fitted by maximum likelihood, its
  1/2-crossing x0 with a bootstrap interval, and :func:`suggest_refinement` for a finer
  sweep around it;
- bimodality (:func:`bimodality_coefficient`): Sarle's coefficient per level;
- sensitivity: Sobol' indices [Saltelli 2002; Saltelli et al. 2010] and Morris screening
  [Morris 1991; Campolongo et al. 2007] through SALib, for Sobol and Morris designs. The
  sweep runs ``replicates`` seeds at every sample point; the indices are computed on the
  **mean over replicates at each point** (for a yes/no outcome, the share of replicates),
  so they describe the expected outcome, not single noisy runs.
"""

from __future__ import annotations

import difflib
import json
import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from io import BytesIO
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from netsim.intervals import CONFIDENCE, outcome_table, wilson_interval
from netsim.metrics import SUMMARY_FIELDS


class AnalysisError(ValueError):
    """A results folder or a request cannot be analysed (one-line message)."""


BOOLEAN_OUTCOMES = ("critical_mass_reached", "fizzled_out", "spread")
"""Yes/no summary fields: the outcomes a tipping point can be found for."""
SENSITIVITY_OUTCOMES = ("final_adoption", "final_active_share", "critical_mass_reached")
CURVE_OUTCOMES = (
    "critical_mass_reached",
    "fizzled_out",
    "spread",
    "final_adoption",
    "final_active_share",
    "peak_active_share",
)
"""Outcomes drawn in the curve figures (the CSV has every summary field)."""
SPREAD_OF = {
    "critical_mass_reached": "final_active_share",
    "fizzled_out": "final_active_share",
    "spread": "final_adoption",
}
"""The continuous outcome whose distribution per level shows bimodality for a yes/no one."""
PROBABILITY_NAMES = {
    "critical_mass_reached": "critical mass",
    "fizzled_out": "fizzle-out",
    "spread": "spread",
}

# --- run labels ---------------------------------------------------------------------------

LABEL_RULES: dict[str, str] = {
    "fizzled": "fizzled_out: the run grew or spread, then lost it (final active members at "
    "most half their peak, or final adoption at most half a peak that was at least twice "
    "the start), whether or not it reached critical mass on the way",
    "critical mass": "critical_mass_reached and not fizzled_out: the active share stayed at "
    "or above the critical-mass share for 4 consecutive weeks and did not collapse after",
    "spread": "spread and neither of the above: final adoption of at least 50% without "
    "membership reaching critical mass and without a collapse",
    "stalled": "none of the above: membership stayed short of critical mass and the idea short "
    "of 50% adoption, without a collapse",
}
"""Run label -> its rule, in the order the rules are applied (the first that holds wins)."""
FAILED_LABEL = "failed"
LABEL_ORDER = ("critical mass", "spread", "stalled", "fizzled")
"""Display order of the labels (failed runs, labelled 'failed', come last)."""

# --- levels, tipping points, bimodality ---------------------------------------------------

MAX_LEVELS = 15
"""A numeric parameter with more distinct values than this (Latin hypercube, Sobol and
Morris designs) is cut into :data:`BINS` equal-width bins; a level is then a bin centre."""
BINS = 10
BOOTSTRAP = 1000
BOOTSTRAP_SEED = 20240
BIMODALITY_THRESHOLD = 5 / 9
"""Sarle's coefficient of a uniform distribution; larger values suggest two modes."""
SALIB_SEED = 20240
"""Seed for SALib's resampled confidence intervals (not 0: SALib treats a falsy seed as
'use NumPy's global generator')."""


def _bool(series: pd.Series) -> pd.Series:
    """A yes/no column as bool; missing values (failed runs) count as False."""
    if pd.api.types.is_bool_dtype(series):
        return series.astype(bool)
    return series.astype("boolean").fillna(False).astype(bool)


def dedupe_runs(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per ``run_id``: the last successful row if any, else the last row.

    A resumed sweep may write a run twice (e.g. failed, then ok); row order is the order
    the parts were read in.
    """
    if "run_id" not in runs.columns:
        raise AnalysisError("the runs table has no 'run_id' column")
    ok = (runs["status"] == "ok") if "status" in runs.columns else True
    keyed = runs.assign(_ok=ok, _row=np.arange(len(runs)))
    kept = keyed.sort_values(["_ok", "_row"], kind="stable").groupby("run_id", sort=False).tail(1)
    return kept.sort_values("_row").drop(columns=["_ok", "_row"]).reset_index(drop=True)


def successful(runs: pd.DataFrame) -> pd.DataFrame:
    """The runs with status 'ok', with the yes/no outcomes as bool columns."""
    ok = runs[runs["status"] == "ok"] if "status" in runs.columns else runs
    ok = ok.copy()
    for column in BOOLEAN_OUTCOMES:
        if column in ok.columns:
            ok[column] = _bool(ok[column])
    return ok.reset_index(drop=True)


def label_runs(runs: pd.DataFrame) -> pd.DataFrame:
    """``runs`` with a ``label`` column, by the rules in :data:`LABEL_RULES`.

    The rules are applied in order and the first that holds wins, so the labels are
    mutually exclusive and cover every run:

    1. ``fizzled``: ``fizzled_out`` (even if critical mass was reached before the collapse);
    2. ``critical mass``: ``critical_mass_reached`` and not ``fizzled_out``;
    3. ``spread``: ``spread`` (final adoption >= 50%) and neither of the above;
    4. ``stalled``: none of the above.

    A run whose ``status`` is not 'ok' is labelled ``failed``.
    """
    missing = [c for c in BOOLEAN_OUTCOMES if c not in runs.columns]
    if missing:
        raise AnalysisError(f"the runs table has no {', '.join(map(repr, missing))} column")
    fizzled = _bool(runs["fizzled_out"]).to_numpy()
    critical = _bool(runs["critical_mass_reached"]).to_numpy()
    spread = _bool(runs["spread"]).to_numpy()
    label = np.select(
        [fizzled, critical, spread], ["fizzled", "critical mass", "spread"], default="stalled"
    )
    if "status" in runs.columns:
        label = np.where(runs["status"].to_numpy() == "ok", label, FAILED_LABEL)
    return runs.assign(label=label)


def label_counts(labelled: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Runs and share of runs per label (per level of ``by`` if given); every label listed."""
    labels = list(LABEL_ORDER)
    if (labelled["label"] == FAILED_LABEL).any():
        labels.append(FAILED_LABEL)
    if by is None:
        counts = labelled["label"].value_counts().reindex(labels, fill_value=0)
        table = pd.DataFrame({"label": labels, "runs": counts.to_numpy()})
        table["share"] = table["runs"] / max(1, int(table["runs"].sum()))
        return table
    levels = levels_of(labelled[by])
    counts = pd.crosstab(levels, labelled["label"]).reindex(columns=labels, fill_value=0)
    long = counts.stack().rename("runs").reset_index()
    long.columns = [by, "label", "runs"]
    totals = long.groupby(by)["runs"].transform("sum")
    long["share"] = long["runs"] / totals.where(totals > 0, 1)
    return long


# --- outcome curves and phase diagrams ----------------------------------------------------


def is_numeric(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)


def levels_of(values: pd.Series, max_levels: int = MAX_LEVELS, bins: int = BINS) -> pd.Series:
    """The level of each run: the value itself, or its bin centre for many-valued numbers.

    A numeric parameter with more than ``max_levels`` distinct values is cut into ``bins``
    equal-width bins between its lowest and highest value.
    """
    if not is_numeric(values) or values.nunique() <= max_levels:
        return values
    x = values.to_numpy(dtype=float)
    edges = np.linspace(np.nanmin(x), np.nanmax(x), bins + 1)
    index = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, bins - 1)
    centres = (edges[:-1] + edges[1:]) / 2
    return pd.Series(centres[index], index=values.index, name=values.name)


def _sorted_levels(levels: pd.Series) -> list[Any]:
    unique = pd.unique(levels.dropna())
    return sorted(unique) if is_numeric(levels) else sorted(unique, key=str)


def outcome_curves(
    runs: pd.DataFrame,
    parameter: str,
    outcomes: Sequence[str] | None = None,
    confidence: float = CONFIDENCE,
) -> pd.DataFrame:
    """Per level of ``parameter`` and outcome: n, mean and its interval.

    Successful runs only, pooled over the values of any other varied parameter. Continuous
    outcomes get the mean and its t-interval, yes/no outcomes the share of runs and its
    Wilson interval (:func:`netsim.intervals.outcome_table`); shares are kept in [0, 1].
    Columns: parameter, level, outcome, kind, method, n, mean, ci_low, ci_high.
    """
    ok = successful(runs)
    chosen = [o for o in (outcomes or SUMMARY_FIELDS) if o in ok.columns]
    levels = levels_of(ok[parameter])
    frame = pd.DataFrame({"scenario": levels})
    for outcome in chosen:
        frame[outcome] = ok[outcome] if outcome in BOOLEAN_OUTCOMES else ok[outcome].astype(float)
    table = outcome_table(frame, _sorted_levels(levels), confidence)
    table = table.rename(columns={"scenario": "level"})
    table.insert(0, "parameter", parameter)
    return table


def phase_table(
    runs: pd.DataFrame,
    x: str,
    y: str,
    outcomes: Sequence[str] = ("critical_mass_reached", "final_adoption"),
) -> pd.DataFrame:
    """Per (x level, y level): n and the mean of each outcome (share of runs for yes/no ones).

    Successful runs only, pooled over any other varied parameter.
    """
    ok = successful(runs)
    frame = pd.DataFrame({x: levels_of(ok[x]), y: levels_of(ok[y])})
    for outcome in outcomes:
        frame[outcome] = ok[outcome].astype(float)
    grouped = frame.groupby([x, y], sort=True)
    table = grouped[list(outcomes)].mean()
    table.insert(0, "n", grouped.size())
    return table.reset_index()


# --- tipping points -----------------------------------------------------------------------


def logistic(x: np.ndarray | float, x0: float, s: float) -> np.ndarray:
    """P(y = 1 | x) = 1 / (1 + exp(-(x - x0) / s))."""
    return special.expit((np.asarray(x, dtype=float) - x0) / s)


def _counts(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct x values with the number of runs and of successes at each."""
    ux, inverse = np.unique(x, return_inverse=True)
    n = np.bincount(inverse).astype(float)
    k = np.bincount(inverse, weights=y.astype(float))
    return ux, k, n


def _separation(ux: np.ndarray, k: np.ndarray, n: np.ndarray) -> tuple[float, float, float] | None:
    """(x0, low, high) if the levels are separated (the likelihood has no maximum), else None.

    Complete separation: every level is all-0 or all-1, and all the all-0 levels lie on one
    side of all the all-1 levels; x0 is the midpoint between the last all-0 level and the
    first all-1 level, and (low, high) those two levels. Quasi-complete separation: the same
    with one mixed level between them; x0 is that level (where the maximum-likelihood curve
    tends to a step), and (low, high) its two neighbours.
    """
    zero, one = k == 0, k == n
    mixed = ~zero & ~one
    if mixed.sum() > 1:
        return None
    for lows, highs in ((zero, one), (one, zero)):  # rising, then falling
        if mixed.any():
            m = float(ux[mixed][0])
            if (ux[lows] < m).all() and (ux[highs] > m).all():
                low = float(ux[lows].max()) if lows.any() else m
                high = float(ux[highs].min()) if highs.any() else m
                return m, low, high
        elif lows.any() and highs.any() and ux[lows].max() < ux[highs].min():
            low, high = float(ux[lows].max()), float(ux[highs].min())
            return (low + high) / 2, low, high
    return None


def _fit_counts(
    ux: np.ndarray, k: np.ndarray, n: np.ndarray, start: tuple[float, float] | None = None
) -> tuple[float, float, str]:
    """(x0, s, method) for binomial counts k of n at each x; method 'logistic', 'separation',
    or 'none' (no 0s or no 1s, a single level, or no slope). ``start``: a first guess (x0, s).
    """
    if ux.size < 2 or k.sum() == 0 or k.sum() == n.sum():
        return math.nan, math.nan, "none"
    separated = _separation(ux, k, n)
    if separated is not None:
        return separated[0], math.nan, "separation"
    centre = float(np.average(ux, weights=n))
    scale = float(np.sqrt(np.average((ux - centre) ** 2, weights=n))) or 1.0
    z = (ux - centre) / scale

    def nll(theta: np.ndarray) -> float:
        eta = theta[0] + theta[1] * z
        return float(np.sum(n * np.logaddexp(0.0, eta) - k * eta))

    def gradient(theta: np.ndarray) -> np.ndarray:
        r = n * special.expit(theta[0] + theta[1] * z) - k
        return np.array([r.sum(), (r * z).sum()])

    def hessian(theta: np.ndarray) -> np.ndarray:
        p = special.expit(theta[0] + theta[1] * z)
        w = n * p * (1 - p)
        return np.array([[w.sum(), (w * z).sum()], [(w * z).sum(), (w * z * z).sum()]])

    if start is not None and all(map(math.isfinite, start)) and start[1] != 0:
        guess = np.array([(centre - start[0]) / start[1], scale / start[1]])
    else:
        p = k.sum() / n.sum()
        guess = np.array([math.log(p / (1 - p)), 0.0])
    fit = optimize.minimize(nll, guess, jac=gradient, hess=hessian, method="trust-exact")
    a, b = fit.x
    if not np.all(np.isfinite(fit.x)) or abs(b) < 1e-9:
        return math.nan, math.nan, "none"
    return float(centre - a / b * scale), float(scale / b), "logistic"


@dataclass
class TippingPoint:
    """Where P(outcome) crosses 1/2 along a parameter: x0, its interval and the width s."""

    parameter: str
    outcome: str
    x0: float
    ci_low: float
    ci_high: float
    s: float
    method: str
    """'logistic' (maximum likelihood), 'separation' (a step between two levels) or 'none'."""
    n_runs: int
    n_bootstrap: int
    """Bootstrap resamples with a crossing; 0 when none were needed."""
    resamples: int = 0
    """Bootstrap resamples drawn."""
    confidence: float = CONFIDENCE
    note: str = ""
    levels: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Per level: level, n, successes, share, ci_low, ci_high (Wilson)."""

    @property
    def found(self) -> bool:
        return not math.isnan(self.x0)

    @property
    def extrapolated(self) -> bool:
        """x0 lies outside the sampled values."""
        if not self.found or self.levels.empty:
            return False
        return not self.levels["level"].min() <= self.x0 <= self.levels["level"].max()

    def curve(self, points: int = 200) -> pd.DataFrame:
        """The fitted P over the sampled range (empty unless the method is 'logistic')."""
        if self.method != "logistic" or self.levels.empty:
            return pd.DataFrame(columns=["x", "p"])
        x = np.linspace(self.levels["level"].min(), self.levels["level"].max(), points)
        return pd.DataFrame({"x": x, "p": logistic(x, self.x0, self.s)})

    def statement(self) -> str:
        """The plain-language sentence for the report."""
        name = f"P({PROBABILITY_NAMES.get(self.outcome, self.outcome)})"
        level = f"{self.confidence:.0%}"
        if self.method == "logistic":
            text = (
                f"{name} crosses 1/2 at {self.parameter} ≈ {_fmt(self.x0)} "
                f"({level} CI {_fmt(self.ci_low)}–{_fmt(self.ci_high)})"
            )
            if self.extrapolated:
                text += ", outside the sampled range: an extrapolation"
            return text + "."
        if self.method == "separation":
            between = f"{self.parameter} = {_fmt(self.ci_low)} and {_fmt(self.ci_high)}"
            if np.isclose(self.levels["level"], self.x0).any():  # quasi-complete
                return (
                    f"{name} jumps at {self.parameter} ≈ {_fmt(self.x0)}, the only level with "
                    f"mixed outcomes between {between}; a finer sweep there would locate it."
                )
            return (
                f"{name} jumps between {between} (no run in between shows where: estimate "
                f"≈ {_fmt(self.x0)}); a finer sweep there would locate it."
            )
        return f"No tipping point for {name} along {self.parameter}: {self.note}"

    def row(self) -> dict[str, Any]:
        return {
            "parameter": self.parameter,
            "outcome": self.outcome,
            "method": self.method,
            "x0": self.x0,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "s": self.s,
            "confidence": self.confidence,
            "n_runs": self.n_runs,
            "n_bootstrap": self.n_bootstrap,
            "extrapolated": self.extrapolated,
            "statement": self.statement(),
        }


def _fmt(x: float) -> str:
    if x is None or math.isnan(x):
        return "–"
    return f"{x:.0f}" if abs(x) >= 100 else f"{x:.3g}"


def tipping_point(
    runs: pd.DataFrame,
    parameter: str,
    outcome: str = "critical_mass_reached",
    *,
    bootstrap: int = BOOTSTRAP,
    seed: int = BOOTSTRAP_SEED,
    confidence: float = CONFIDENCE,
) -> TippingPoint:
    """Fit P(y=1 | x) = 1 / (1 + exp(-(x - x0) / s)) and find where it crosses 1/2.

    ``y`` is the yes/no ``outcome`` of each successful run and ``x`` its value of the numeric
    ``parameter``. The fit maximises the binomial likelihood: ``scipy.optimize.minimize``
    (trust-region Newton, exact gradient and Hessian) on the negative log-likelihood in
    terms of a + b·z, z the standardised x; x0 is where a + b·z = 0 and s the x-distance
    over which the odds change e-fold (s < 0: P falls as x rises).

    Perfect separation (every level all-0 or all-1, 0s on one side) has no maximum: x0 is
    then the midpoint between the last all-0 and the first all-1 level, the interval is those
    two levels and s is not identified (NaN); with one mixed level between them x0 is that
    level. See :func:`_separation`.

    The interval is the percentile bootstrap: ``bootstrap`` times, resample runs with
    replacement within each level (bin, for many-valued x; see :func:`levels_of`), refit
    (with the same separation rule), and take the central ``confidence`` range of x0 over
    the resamples that cross 1/2. The generator is seeded (``seed``), so it is reproducible.
    """
    ok = successful(runs)
    if outcome not in BOOLEAN_OUTCOMES:
        raise AnalysisError(
            f"outcome {outcome!r} is not a yes/no outcome; allowed: {', '.join(BOOLEAN_OUTCOMES)}"
        )
    if not is_numeric(ok[parameter]):
        raise AnalysisError(f"parameter {parameter!r} is not numeric; a tipping point needs one")
    x = ok[parameter].to_numpy(dtype=float)
    y = ok[outcome].to_numpy(dtype=bool)
    keep = ~np.isnan(x)
    x, y = x[keep], y[keep]
    ux, k, n = _counts(x, y)
    levels = pd.DataFrame({"level": ux, "n": n.astype(int), "successes": k.astype(int)})
    wilson = [wilson_interval(int(s), int(m), confidence) for s, m in zip(k, n, strict=True)]
    levels["share"] = [w.estimate for w in wilson]
    levels["ci_low"] = [w.low for w in wilson]
    levels["ci_high"] = [w.high for w in wilson]
    x0, s, method = _fit_counts(ux, k, n)
    result = TippingPoint(
        parameter=parameter,
        outcome=outcome,
        x0=x0,
        ci_low=math.nan,
        ci_high=math.nan,
        s=s,
        method=method,
        n_runs=int(x.size),
        n_bootstrap=0,
        confidence=confidence,
        levels=levels,
    )
    if method == "none":
        if k.sum() == 0:
            result.note = f"no successful run had {outcome} (P = 0 at every level)."
        elif k.sum() == n.sum():
            result.note = f"every successful run had {outcome} (P = 1 at every level)."
        else:
            result.note = "P does not change with the parameter (or only one level was run)."
        return result
    if method == "separation":
        _, result.ci_low, result.ci_high = _separation(ux, k, n)  # type: ignore[misc]
        result.note = "perfect separation: the jump is sharper than the sampled levels resolve."
        return result

    groups = levels_of(pd.Series(x)).to_numpy()
    members = [np.flatnonzero(groups == g) for g in pd.unique(groups)]
    rng = np.random.default_rng(seed)
    estimates = np.empty(bootstrap)
    for b in range(bootstrap):
        pick = np.concatenate([rng.choice(m, size=m.size, replace=True) for m in members])
        estimates[b] = _fit_counts(*_counts(x[pick], y[pick]), start=(x0, s))[0]
    finite = estimates[np.isfinite(estimates)]
    result.n_bootstrap, result.resamples = int(finite.size), bootstrap
    if finite.size:
        tail = 100 * (1 - confidence) / 2
        result.ci_low, result.ci_high = (
            float(v) for v in np.percentile(finite, [tail, 100 - tail])
        )
    if finite.size < 0.9 * bootstrap:
        result.note = (
            f"only {finite.size} of {bootstrap} bootstrap resamples crossed 1/2: "
            "treat the interval with care."
        )
    return result


def suggest_refinement(
    runs: pd.DataFrame,
    parameter: str,
    outcome: str = "critical_mass_reached",
    *,
    points: int = 9,
    margin: float = 0.25,
    integer: bool | None = None,
    bounds: tuple[float, float] | None = None,
    tipping: TippingPoint | None = None,
) -> list[float]:
    """New values of ``parameter`` for a finer sweep across the estimated jump.

    ``points`` evenly spaced values across the tipping point's bootstrap interval (see
    :func:`tipping_point`) widened by ``margin`` of its width on each side; for a separated
    step (or no interval), ``points`` values strictly between the two sampled levels either
    side of the jump. Values outside ``bounds`` (e.g. the parameter's declared range) are
    dropped, values are rounded to whole numbers if ``integer`` (default: if every sampled
    value is whole), and values already sampled are left out, so the list may be shorter
    than ``points``, or empty when the jump lies between two neighbouring whole numbers.
    Use it to plan the next sweep::

        levels = suggest_refinement(runs, "founding_core")
        text = refined_experiment_text(manifest, levels, "founding_core")
        Path("refined.toml").write_text(text)   # then: netsim sweep refined.toml

    Raises :class:`AnalysisError` when P(outcome) does not cross 1/2 in the sampled range.
    """
    tp = tipping or tipping_point(runs, parameter, outcome)
    if not tp.found:
        raise AnalysisError(f"nothing to refine: {tp.statement()}")
    low, high = tp.ci_low, tp.ci_high
    sampled = np.sort(tp.levels["level"].to_numpy(dtype=float))
    if integer is None:
        integer = bool(np.all(np.mod(sampled, 1) == 0))
    bracket = tp.method == "separation"
    if math.isnan(low) or math.isnan(high) or high <= low:  # no interval: the levels around x0
        below, above = sampled[sampled <= tp.x0], sampled[sampled >= tp.x0]
        low = below.max() if below.size else tp.x0
        high = above.min() if above.size else tp.x0
        bracket = True
    if bracket:  # strictly between two sampled levels
        if high <= low:
            return []
        values = np.linspace(low, high, max(1, points) + 2)[1:-1]
    else:
        width = high - low
        low, high = low - margin * width, high + margin * width
        values = np.linspace(low, high, max(2, points)) if high > low else np.array([low])
    if bounds is not None:
        values = values[(values >= bounds[0]) & (values <= bounds[1])]
    if integer:
        values = np.unique(np.round(values))
    fresh = [v for v in values if not np.isclose(sampled, v).any()]
    return [int(v) if integer else float(v) for v in fresh]


SAMPLED_DESIGNS = ("latin_hypercube", "sobol", "morris")
SAMPLED_ONLY_KEYS = ("samples", "second_order", "levels")
"""Experiment-file keys that only sampled designs take (a grid refuses them)."""


def refined_experiment_text(
    manifest: Mapping[str, Any], levels: Sequence[float], parameter: str
) -> str:
    """The sweep's experiment file (TOML) made a grid over ``levels`` of ``parameter``.

    Follows the experiment-file format of :mod:`netsim.experiments`: ``[vary]`` gets
    ``parameter = [levels]`` and ``design = "grid"``; the sampled designs' keys
    (``samples``, ``second_order``, ``levels``) are dropped. In a grid the other varied
    parameters keep their values (the new grid crosses them, as the analysis pooled over
    them). In a Latin hypercube, Sobol or Morris design they are fixed in ``[set]`` at the
    middle of their sampled range (whole numbers rounded half up), and a comment says so.
    ``name`` gets " (refined)"; a scenario given as a relative path becomes the absolute
    ``scenario_file`` from the manifest, so the file works from any folder.

    Raises :class:`AnalysisError` if the text is missing or is not TOML, if its ``[vary]``
    does not name ``parameter``, or for a list design (its zipped lists cannot be refined
    one parameter at a time: write that file by hand).
    """
    text = manifest.get("experiment_text")
    if not isinstance(text, str) or not text.strip():
        raise AnalysisError("manifest.json has no 'experiment_text' to refine")
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise AnalysisError(f"the manifest's experiment_text is not TOML: {err}") from None
    vary = document.get("vary")
    if not isinstance(vary, dict) or parameter not in vary:
        raise AnalysisError(f"the experiment text's [vary] does not name {parameter!r}")
    design = document.get("design", "grid")
    if design == "list":
        raise AnalysisError("a list design zips its values; write the refined file by hand")
    vary[parameter] = [v.item() if hasattr(v, "item") else v for v in levels]
    comments = [
        f"# Refined sweep: {parameter} on {len(levels)} values around the tipping point",
        "# estimated by `netsim analyse` (netsim.analysis.suggest_refinement).",
    ]
    if design in SAMPLED_DESIGNS:
        specs = {v.get("name"): v for v in manifest.get("varied") or [] if isinstance(v, dict)}
        fixed: dict[str, Any] = {}
        for name in [n for n in vary if n != parameter]:
            low, high = specs.get(name, {}).get("low"), specs.get(name, {}).get("high")
            if not (isinstance(low, int | float) and isinstance(high, int | float)):
                raise AnalysisError(f"manifest.json gives no low and high for {name!r}")
            middle = (low + high) / 2
            kind = specs[name].get("kind")
            fixed[name] = math.floor(middle + 0.5) if kind == "int" else float(middle)
            del vary[name]
        if fixed:
            document.setdefault("set", {}).update(fixed)
            comments.append(
                f"# The {design} design's other parameters are fixed at the middle of their "
                "ranges in [set]."
            )
    for key in SAMPLED_ONLY_KEYS:
        document.pop(key, None)
    document["design"] = "grid"
    if isinstance(document.get("name"), str):
        document["name"] += " (refined)"
    scenario, absolute = document.get("scenario"), manifest.get("scenario_file")
    if isinstance(scenario, str) and scenario.endswith((".toml", ".yaml", ".yml")) and absolute:
        document["scenario"] = str(absolute)
    return "\n".join(comments) + "\n" + _toml(document)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"
    return str(value)  # dates and times: TOML's own ISO format


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key, ensure_ascii=False)


def _toml(document: Mapping[str, Any], prefix: str = "") -> str:
    """A small TOML writer for what tomllib reads back (tables, arrays of tables, values)."""

    def is_table_list(v: Any) -> bool:
        return isinstance(v, list) and bool(v) and all(isinstance(i, dict) for i in v)

    lines = [
        f"{_toml_key(k)} = {_toml_value(v)}"
        for k, v in document.items()
        if not isinstance(v, dict) and not is_table_list(v)
    ]
    out = "\n".join(lines) + ("\n" if lines else "")
    for k, v in document.items():
        path = f"{prefix}{_toml_key(k)}"
        if isinstance(v, dict):
            out += f"\n[{path}]\n" + _toml(v, path + ".")
        elif is_table_list(v):
            for item in v:
                out += f"\n[[{path}]]\n" + _toml(item, path + ".")
    return out


# --- bimodality ---------------------------------------------------------------------------


def bimodality_coefficient(values: Sequence[float] | np.ndarray) -> float:
    """Sarle's bimodality coefficient b = (g² + 1) / (k + 3(n-1)² / ((n-2)(n-3))).

    g is the sample skewness and k the sample excess kurtosis, both bias-corrected
    (SAS's definitions; Pfister et al. 2013, Front Psychol 4:700). b ranges over (0, 1];
    a uniform distribution gives 5/9 (:data:`BIMODALITY_THRESHOLD`), a normal one about 1/3,
    and values above 5/9 suggest two modes (or strong skew: read it with the figure).
    NaN for fewer than 4 values or no spread.
    """
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    n = x.size
    if n < 4 or np.ptp(x) <= 1e-12 * max(1.0, float(np.abs(x).max())):
        return math.nan
    g = float(stats.skew(x, bias=False))
    k = float(stats.kurtosis(x, fisher=True, bias=False))
    return (g * g + 1) / (k + 3 * (n - 1) ** 2 / ((n - 2) * (n - 3)))


def bimodality_table(
    runs: pd.DataFrame, parameter: str, outcome: str = "final_active_share"
) -> pd.DataFrame:
    """Per level of ``parameter``: n, mean, sd, Sarle's b of ``outcome`` and b > 5/9."""
    ok = successful(runs)
    frame = pd.DataFrame({"level": levels_of(ok[parameter]), "value": ok[outcome].astype(float)})
    rows = []
    for level in _sorted_levels(frame["level"]):
        values = frame.loc[frame["level"] == level, "value"].dropna().to_numpy()
        b = bimodality_coefficient(values)
        rows.append(
            {
                "parameter": parameter,
                "level": level,
                "outcome": outcome,
                "n": int(values.size),
                "mean": float(values.mean()) if values.size else math.nan,
                "sd": float(values.std(ddof=1)) if values.size > 1 else math.nan,
                "bimodality": b,
                "bimodal": bool(b > BIMODALITY_THRESHOLD),
            }
        )
    return pd.DataFrame(rows)


# --- sensitivity (SALib) ------------------------------------------------------------------


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


# --- the results folder -------------------------------------------------------------------


def load_manifest(folder: Path) -> dict[str, Any]:
    """``folder/manifest.json`` as a dict, checked for the keys the analysis needs."""
    folder = Path(folder)
    if not folder.exists():
        raise AnalysisError(f"results folder {folder} does not exist")
    if not folder.is_dir():
        raise AnalysisError(f"{folder} is not a folder: give a `netsim sweep` results folder")
    path = folder / "manifest.json"
    if not path.is_file():
        raise AnalysisError(
            f"{folder} has no manifest.json: is it a `netsim sweep` results folder?"
        )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise AnalysisError(f"cannot read {path}: {err}") from None
    if not isinstance(manifest, dict):
        raise AnalysisError(f"{path} is not a JSON object")
    for key in ("design", "varied"):
        if key not in manifest:
            raise AnalysisError(f"{path} has no {key!r} key")
    varied = manifest["varied"]
    if not isinstance(varied, list) or not all(
        isinstance(v, dict) and isinstance(v.get("name"), str) for v in varied
    ):
        raise AnalysisError(f"{path}: 'varied' must be a list of objects with a 'name'")
    return manifest


def load_runs(folder: Path) -> pd.DataFrame:
    """Every ``folder/runs/part-*.parquet``, deduplicated by run_id (see :func:`dedupe_runs`)."""
    runs_dir = Path(folder) / "runs"
    if not runs_dir.is_dir() or not any(runs_dir.glob("*.parquet")):
        raise AnalysisError(f"{folder} has no runs/*.parquet: did the sweep write any runs?")
    parts = sorted(runs_dir.glob("part-*.parquet")) or sorted(runs_dir.glob("[!._]*.parquet"))
    try:
        # part by part: a part where a column is all missing may have another Arrow type
        runs = pd.concat([pd.read_parquet(part) for part in parts], ignore_index=True)
    except (OSError, ValueError) as err:
        raise AnalysisError(f"cannot read {runs_dir}: {err}") from None
    if runs.empty:
        raise AnalysisError(f"{runs_dir} holds no runs")
    return dedupe_runs(runs)


def _design(folder: Path) -> pd.DataFrame | None:
    """The sweep's raw sample (``design.parquet``: point_id + parameters), if it wrote one."""
    path = Path(folder) / "design.parquet"
    if not path.is_file():
        return None
    try:
        matrix = pd.read_parquet(path)
    except (OSError, ValueError) as err:
        raise AnalysisError(f"cannot read {path}: {err}") from None
    return matrix if "point_id" in matrix.columns else None


def _pick_parameter(runs: pd.DataFrame, numeric: list[str], outcome: str) -> str | None:
    """The numeric varied parameter along which the share of ``outcome`` changes most."""
    best, spread = None, -1.0
    for name in numeric:
        shares = runs.groupby(levels_of(runs[name]))[outcome].mean()
        change = float(shares.max() - shares.min()) if len(shares) > 1 else 0.0
        if change > spread:
            best, spread = name, change
    return best


def _unknown(kind: str, name: str, allowed: Sequence[str]) -> AnalysisError:
    close = difflib.get_close_matches(name, allowed, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return AnalysisError(f"{kind} {name!r} is not allowed; {hint}allowed: {', '.join(allowed)}")


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)


def _png(fig: Any) -> bytes:
    from netsim import plots

    buffer = BytesIO()
    fig.savefig(buffer, dpi=110, format="png")
    plots.close(fig)
    return buffer.getvalue()


@dataclass
class Analysis:
    """What :func:`analyse_folder` computed: tables by file stem, figures, notes, the fit."""

    manifest: dict[str, Any]
    runs: pd.DataFrame
    outcome: str
    parameter: str | None
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    images: dict[str, bytes] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    tipping: TippingPoint | None = None
    refinement: list[float] = field(default_factory=list)
    refined_text: str | None = None


def analyse(
    manifest: dict[str, Any],
    runs: pd.DataFrame,
    outcome: str = "critical_mass_reached",
    parameter: str | None = None,
    *,
    bootstrap: int = BOOTSTRAP,
    design_matrix: pd.DataFrame | None = None,
) -> Analysis:
    """Every analysis that applies to the design and the varied parameters, with notes on
    what was skipped and why. Figures come from :mod:`netsim.plots`. ``design_matrix`` is
    the sweep's raw sample (point_id + one column per parameter), used by Morris."""
    from netsim import plots

    varied = [v["name"] for v in manifest["varied"]]
    kinds = {v["name"]: v.get("kind") for v in manifest["varied"]}
    if outcome not in BOOLEAN_OUTCOMES:
        raise _unknown("outcome", outcome, BOOLEAN_OUTCOMES)
    if parameter is not None and parameter not in varied:
        raise _unknown("parameter", parameter, varied)
    needed = [*varied, outcome, *(c for c in BOOLEAN_OUTCOMES if c != outcome)]
    missing = [c for c in needed if c not in runs.columns]
    if missing:
        raise AnalysisError(f"the runs table has no {', '.join(map(repr, missing))} column")
    labelled = label_runs(runs)
    ok = successful(runs)
    if ok.empty:
        raise AnalysisError(f"no successful runs to analyse ({len(runs)} failed)")
    numeric = [n for n in varied if is_numeric(ok[n]) and kinds.get(n) != "choice"]
    if parameter is None:
        parameter = _pick_parameter(ok, numeric, outcome) or (varied[0] if varied else None)
    result = Analysis(manifest, labelled, outcome, parameter)
    result.tables["runs_labelled"] = labelled
    result.tables["label_counts"] = label_counts(labelled)
    if parameter is None:
        result.notes.append("No parameter was varied: only the labels are reported.")
        return result

    result.tables["label_counts_by_level"] = label_counts(labelled, parameter)
    result.images["labels.png"] = _png(
        plots.label_shares(result.tables["label_counts_by_level"], parameter)
    )
    curves = pd.concat([outcome_curves(runs, name) for name in varied], ignore_index=True)
    result.tables["level_summary"] = curves
    if len(varied) > 6:
        result.notes.append(f"Curve figures drawn for 6 of {len(varied)} varied parameters.")
    for name in [parameter, *(n for n in varied if n != parameter)][:6]:
        drawn = [outcome, *(o for o in CURVE_OUTCOMES if o != outcome)]
        result.images[f"curves_{_safe(name)}.png"] = _png(
            plots.outcome_curves(curves[curves["parameter"] == name], name, drawn)
        )
    if ok[parameter].nunique() > MAX_LEVELS:
        result.notes.append(
            f"{parameter} has {ok[parameter].nunique()} distinct values: curves, labels and "
            f"bimodality use {BINS} equal-width bins (a level is a bin centre)."
        )

    if parameter in numeric:
        tp = tipping_point(runs, parameter, outcome, bootstrap=bootstrap)
        result.tipping = tp
        result.tables["tipping_point"] = pd.DataFrame([tp.row()])
        result.tables["tipping_levels"] = tp.levels
        result.images["tipping_point.png"] = _png(
            plots.tipping_point(tp.levels, tp.curve(), tp.row(), parameter, outcome)
        )
        if tp.found:
            spec = next(v for v in manifest["varied"] if v["name"] == parameter)
            bounds = None
            if isinstance(spec.get("low"), int | float) and isinstance(
                spec.get("high"), int | float
            ):
                bounds = (float(spec["low"]), float(spec["high"]))
            integer = True if kinds.get(parameter) == "int" else None
            result.refinement = suggest_refinement(
                runs, parameter, outcome, tipping=tp, bounds=bounds, integer=integer
            )
            if result.refinement:
                try:
                    result.refined_text = refined_experiment_text(
                        manifest, result.refinement, parameter
                    )
                except AnalysisError as err:
                    result.notes.append(f"No refined experiment file written: {err}.")
    else:
        result.notes.append(
            f"No tipping point: {parameter} is not numeric (a choice between values)."
        )

    spread_outcome = SPREAD_OF[outcome]
    if spread_outcome in ok.columns:
        result.tables["bimodality"] = bimodality_table(runs, parameter, spread_outcome)
        result.images["distributions.png"] = _png(
            plots.level_distributions(
                pd.DataFrame({"level": levels_of(ok[parameter]), "value": ok[spread_outcome]}),
                result.tables["bimodality"],
                parameter,
                spread_outcome,
                threshold=BIMODALITY_THRESHOLD,
            )
        )

    design = manifest.get("design")
    if design == "grid" and len(varied) >= 2:
        pairs = [p for p in combinations(varied, 2) if parameter in p]
        pairs += [p for p in combinations(varied, 2) if parameter not in p]
        for x, y in pairs[:3]:
            if y == parameter:  # the main parameter along the horizontal axis
                x, y = y, x
            stem = f"phase_{_safe(x)}__{_safe(y)}"
            result.tables[stem] = phase_table(
                runs, x, y, ("critical_mass_reached", "final_adoption")
            )
            result.images[f"{stem}.png"] = _png(
                plots.phase_diagram(
                    result.tables[stem], x, y, ("critical_mass_reached", "final_adoption")
                )
            )
        if len(pairs) > 3:
            result.notes.append(f"Phase diagrams drawn for 3 of {len(pairs)} parameter pairs.")
    else:
        reason = "the design is not a grid" if design != "grid" else "only one parameter varied"
        result.notes.append(f"No phase diagram: {reason} (they need a grid over two or more).")

    if design in ("sobol", "morris"):
        _sensitivity(result, runs, design, design_matrix)
    else:
        result.notes.append(
            f"No sensitivity indices: the design is {design!r}; Sobol' indices need a 'sobol' "
            "design and Morris screening a 'morris' design."
        )
    return result


def _sensitivity(
    result: Analysis, runs: pd.DataFrame, design: str, matrix: pd.DataFrame | None
) -> None:
    from netsim import plots

    manifest = result.manifest
    problem = manifest.get("salib_problem")
    if not isinstance(problem, dict) or "names" not in problem or "num_vars" not in problem:
        result.notes.append(
            f"No sensitivity indices: the {design} design's manifest has no usable "
            "'salib_problem' (num_vars, names, bounds)."
        )
        return
    replicates, total = manifest.get("replicates"), manifest.get("total_runs")
    n_points = manifest.get("points")
    if not isinstance(n_points, int) and isinstance(total, int) and isinstance(replicates, int):
        n_points = total // replicates if replicates > 0 else None
    x = None
    if matrix is not None and set(problem["names"]) <= set(matrix.columns):
        x = matrix.sort_values("point_id")[list(problem["names"])].to_numpy(dtype=float)
    outcomes = [o for o in SENSITIVITY_OUTCOMES if o in runs.columns]
    tables, seconds = [], []
    for outcome in outcomes:
        try:
            if design == "sobol":
                sobol = sobol_indices(
                    runs,
                    problem,
                    outcome,
                    n_points=n_points,
                    calc_second_order=manifest.get("calc_second_order"),
                )
                tables.append(sobol.indices)
                seconds.append(sobol.second_order)
            else:
                tables.append(
                    morris_indices(
                        runs,
                        problem,
                        outcome,
                        n_points=n_points,
                        num_levels=int(manifest.get("num_levels") or 4),
                        choices={v["name"]: v.get("levels") for v in manifest["varied"]},
                        x=x,
                    )
                )
        except (AnalysisError, ValueError, RuntimeError) as err:
            result.notes.append(f"No {design} indices for {outcome}: {err}.")
    if not tables:
        return
    table = pd.concat(tables, ignore_index=True)
    result.tables[design] = table
    if design == "sobol":
        result.images["sobol.png"] = _png(
            plots.sensitivity_bars(table, {"S1": "S1_conf", "ST": "ST_conf"}, "Sobol' index")
        )
        second = pd.concat(seconds, ignore_index=True)
        if not second.empty:
            result.tables["sobol_s2"] = second
    else:
        result.images["morris.png"] = _png(
            plots.sensitivity_bars(table, {"mu_star": "mu_star_conf", "sigma": None}, "Morris")
        )


# --- the report ---------------------------------------------------------------------------


def _pct(x: float) -> str:
    return "–" if math.isnan(x) else f"{100 * x:.0f}%"


def _level_text(level: Any) -> str:
    return _fmt(float(level)) if isinstance(level, int | float | np.number) else str(level)


def _estimate(row: pd.Series) -> str:
    if row["kind"] == "proportion":
        return f"{_pct(row['mean'])} ({_pct(row['ci_low'])}–{_pct(row['ci_high'])})"
    if math.isnan(row["ci_low"]):
        return _fmt(row["mean"])
    return f"{_fmt(row['mean'])} ({_fmt(row['ci_low'])}–{_fmt(row['ci_high'])})"


def report_blocks(result: Analysis, files: Sequence[str]) -> list[Any]:
    """The analysis report's content as :mod:`netsim.report` blocks (one list, two renderers)."""
    from netsim.report import OUTCOME_LABELS, Bullets, Heading, Image, Paragraph, Span, Table

    m, runs, parameter = result.manifest, result.runs, result.parameter
    origin = m.get("provenance") if isinstance(m.get("provenance"), dict) else {}
    name = str(m.get("name") or "unnamed sweep")
    ok = int((runs["label"] != FAILED_LABEL).sum())
    blocks: list[Any] = [Heading(f"Sweep analysis: {name}", 1)]
    if m.get("description"):
        blocks.append(Paragraph((str(m["description"]),)))
    scenario = m.get("scenario")
    scenario = scenario.get("name") if isinstance(scenario, dict) else scenario
    fixed = m.get("fixed") if isinstance(m.get("fixed"), dict) else {}
    base = f"Base scenario: {scenario or 'the defaults'}" + (
        "; fixed: " + ", ".join(f"{k} = {v}" for k, v in fixed.items()) if fixed else ""
    )
    blocks += [
        Heading("What was run"),
        Paragraph(
            (
                f"Design {m.get('design')!s}, {m.get('replicates', '?')} replicates per point, "
                f"{m.get('steps', '?')} weekly steps, base seed {m.get('seed', '?')}; "
                f"{m.get('total_runs', '?')} runs planned, {len(runs)} found, {ok} succeeded. "
                f"{base}. "
                f"Sweep by netsim {origin.get('netsim_version', '?')} on "
                f"{origin.get('created', '?')}, git commit ",
                Span(str(origin.get("git_commit") or "unknown"), "code"),
                " (uncommitted changes)." if origin.get("git_dirty") else ".",
            )
        ),
        Table(
            ("parameter", "kind", "low", "high", "levels"),
            tuple(
                (
                    str(v["name"]),
                    str(v.get("kind") or "?"),
                    "–" if v.get("low") is None else str(v["low"]),
                    "–" if v.get("high") is None else str(v["high"]),
                    ", ".join(map(str, v["levels"])) if v.get("levels") else "–",
                )
                for v in m["varied"]
            ),
            "Varied parameters, as declared in the experiment file.",
        ),
        Heading("Run labels"),
        Bullets(tuple((Span(label, "strong"), ": " + rule) for label, rule in LABEL_RULES.items())),
        Paragraph(("The rules are applied in this order; the first that holds labels the run.",)),
        Table(
            ("label", "runs", "share"),
            tuple(
                (str(r["label"]), str(r["runs"]), _pct(r["share"]))
                for _, r in result.tables["label_counts"].iterrows()
            ),
        ),
    ]
    if "labels.png" in result.images:
        blocks.append(
            Image(
                "labels.png",
                "Run labels per level",
                f"Share of runs per label at each level of {parameter}.",
            )
        )
    if parameter is not None and "level_summary" in result.tables:
        curves = result.tables["level_summary"]
        mine = curves[curves["parameter"] == parameter]
        shown = [o for o in CURVE_OUTCOMES if o in set(mine["outcome"])]
        rows = []
        for level in dict.fromkeys(mine["level"]):
            at = mine[mine["level"] == level].set_index("outcome")
            rows.append(
                (_level_text(level), str(at["n"].max()), *(_estimate(at.loc[o]) for o in shown))
            )
        blocks += [
            Heading(f"Outcomes along {parameter}"),
            Table(
                (parameter, "runs", *(OUTCOME_LABELS.get(o, o) for o in shown)),
                tuple(rows),
                "Share of runs (Wilson 95% interval) for yes/no outcomes; mean (t 95% interval) "
                "otherwise; pooled over the other varied parameters. Every summary field is in "
                "level_summary.csv.",
            ),
        ]
        for filename in result.images:
            if filename.startswith("curves_"):
                blocks.append(Image(filename, filename, "Outcomes per level with 95% intervals."))
    blocks.append(Heading("Tipping point"))
    tp = result.tipping
    if tp is None:
        blocks.append(Paragraph(("Not estimated (see the notes).",)))
    else:
        blocks += [
            Paragraph((Span(tp.statement(), "strong"),)),
            Table(
                ("outcome", "parameter", "method", "x0", "95% CI", "width s", "runs", "resamples"),
                (
                    (
                        tp.outcome,
                        tp.parameter,
                        tp.method,
                        _fmt(tp.x0),
                        f"{_fmt(tp.ci_low)}–{_fmt(tp.ci_high)}",
                        _fmt(tp.s),
                        str(tp.n_runs),
                        str(tp.n_bootstrap),
                    ),
                ),
                "x0: where the fitted P crosses 1/2; s: the distance over which the odds change "
                "e-fold (P goes from 27% to 73% over 2s).",
            ),
            Paragraph(
                (
                    "Method: the logistic curve P = 1/(1 + exp(-(x - x0)/s)) fitted by maximum "
                    "likelihood to the yes/no outcome of every successful run (pooled over the "
                    "other varied parameters, if any); the interval is "
                    f"the percentile bootstrap over {tp.resamples or 'no'} resamples of runs "
                    f"within each level (seed {BOOTSTRAP_SEED}). If the levels are perfectly "
                    "separated (all 0 below, all 1 above), no curve fits: the jump is placed "
                    "midway between the last all-0 and the first all-1 level, and the interval "
                    "is those two levels. " + tp.note,
                )
            ),
        ]
        if "tipping_point.png" in result.images:
            blocks.append(
                Image(
                    "tipping_point.png",
                    "Tipping point",
                    "Share of runs per level (Wilson "
                    "95% intervals), the fitted curve, x0 and its interval (shaded).",
                )
            )
        if result.refinement:
            blocks.append(
                Paragraph(
                    (
                        f"To locate it more precisely, sweep {tp.parameter} at: ",
                        Span(", ".join(_level_text(v) for v in result.refinement), "code"),
                        " (netsim.analysis.suggest_refinement"
                        + (
                            "; refined_experiment.toml is written beside this report)."
                            if result.refined_text
                            else ")."
                        ),
                    )
                )
            )
    if "bimodality" in result.tables:
        table = result.tables["bimodality"]
        spread_outcome = str(table["outcome"].iloc[0]) if not table.empty else ""
        blocks += [
            Heading("Bimodality near the tipping point"),
            Paragraph(
                (
                    f"Near a tipping point, runs with the same {parameter} split into two groups "
                    f"(take-off and fizzle-out), so {OUTCOME_LABELS.get(spread_outcome, '')} is "
                    "bimodal. Sarle's coefficient b = (g² + 1)/(k + 3(n−1)²/((n−2)(n−3))) "
                    "(g skewness, k excess kurtosis) above 5/9 ≈ 0.556 (a uniform "
                    "distribution) suggests two modes.",
                )
            ),
            Table(
                (str(parameter), "runs", "mean", "sd", "b", "bimodal?"),
                tuple(
                    (
                        _level_text(r["level"]),
                        str(r["n"]),
                        _fmt(r["mean"]),
                        _fmt(r["sd"]),
                        _fmt(r["bimodality"]),
                        "yes" if r["bimodal"] else "no",
                    )
                    for _, r in table.iterrows()
                ),
            ),
        ]
        if "distributions.png" in result.images:
            blocks.append(Image("distributions.png", "Distributions per level", "Each dot a run."))
    phases = [f for f in result.images if f.startswith("phase_")]
    if phases:
        blocks.append(Heading("Phase diagrams"))
        blocks += [
            Image(
                f,
                f,
                "Share of runs reaching critical mass and mean final adoption on the "
                "grid (pooled over any other varied parameter).",
            )
            for f in phases
        ]
    for design, columns in (
        ("sobol", ("S1", "S1_conf", "ST", "ST_conf")),
        ("morris", ("mu_star", "mu_star_conf", "sigma", "mu")),
    ):
        if design not in result.tables:
            continue
        table = result.tables[design]
        blocks += [
            Heading("Sensitivity: Sobol' indices" if design == "sobol" else "Sensitivity: Morris"),
            Paragraph(
                (
                    "Computed with SALib on the mean over replicates at each sample point (the "
                    "share of replicates for yes/no outcomes). "
                    + (
                        "S1: share of output variance due to the input alone; ST: including its "
                        "interactions; ± is SALib's 95% bootstrap half-width."
                        if design == "sobol"
                        else "mu*: mean absolute elementary effect, the change in the outcome "
                        "per unit of the input's range scaled to [0, 1]; mu: the signed mean; "
                        "sigma: their spread (interactions, non-linearity)."
                    ),
                )
            ),
            Table(
                ("outcome", "parameter", *columns),
                tuple(
                    (str(r["outcome"]), str(r["parameter"]), *(_fmt(r[c]) for c in columns))
                    for _, r in table.iterrows()
                ),
            ),
            Image(f"{design}.png", design, "Indices with 95% bootstrap intervals."),
        ]
    if result.notes:
        blocks += [Heading("Notes"), Bullets(tuple((n,) for n in result.notes))]
    failed = runs[runs["label"] == FAILED_LABEL]
    if not failed.empty:
        blocks += [
            Heading("Failed runs"),
            Table(
                ("run_id", "point_id", "seed", "error"),
                tuple(
                    (
                        str(r.get("run_id")),
                        str(r.get("point_id")),
                        str(r.get("seed")),
                        str(r.get("error") or ""),
                    )
                    for _, r in failed.head(20).iterrows()
                ),
                f"{len(failed)} failed runs (first 20 shown); they are left out of every table.",
            ),
        ]
    blocks += [Heading("Files"), Bullets(tuple((Span(f, "code"),) for f in files))]
    return blocks


def analyse_folder(
    path: Path,
    outcome: str = "critical_mass_reached",
    parameter: str | None = None,
    *,
    bootstrap: int = BOOTSTRAP,
) -> Path:
    """Analyse a sweep's results folder and write ``path / "analysis"``; returns that folder.

    Reads ``manifest.json``, ``runs/part-*.parquet`` and, if there, ``design.parquet`` (the
    raw sample, for Morris) and writes: ``runs_labelled.csv``,
    ``label_counts.csv``, ``label_counts_by_level.csv``, ``level_summary.csv`` (every
    varied parameter x level x summary field), ``tipping_point.csv``, ``tipping_levels.csv``,
    ``bimodality.csv``, ``phase_*.csv``, ``sobol.csv``/``sobol_s2.csv`` or ``morris.csv``
    (what applies), PNG figures, ``refined_experiment.toml`` when a tipping point was found
    in a parsable experiment text, ``report.md`` and ``report.html`` (self-contained) and
    ``analysis.json`` (what was written, and provenance). Files an earlier analysis wrote and
    this one did not are removed. Each file is written atomically.
    """
    from netsim.report import render_html, render_markdown
    from netsim.results import atomic_write, atomic_write_text, provenance

    path = Path(path)
    manifest = load_manifest(path)
    runs = load_runs(path)
    result = analyse(
        manifest, runs, outcome, parameter, bootstrap=bootstrap, design_matrix=_design(path)
    )
    folder = path / "analysis"
    folder.mkdir(parents=True, exist_ok=True)
    written: list[str] = []
    for stem, table in result.tables.items():
        atomic_write(folder / f"{stem}.csv", lambda tmp, t=table: t.to_csv(tmp, index=False))
        written.append(f"{stem}.csv")
    for filename, png in result.images.items():
        atomic_write(folder / filename, lambda tmp, png=png: tmp.write_bytes(png))
        written.append(filename)
    if result.refined_text is not None:
        atomic_write_text(folder / "refined_experiment.toml", result.refined_text)
        written.append("refined_experiment.toml")
    written += ["report.md", "report.html", "analysis.json"]
    blocks = report_blocks(result, written)
    atomic_write_text(folder / "report.md", render_markdown(blocks))
    atomic_write_text(folder / "report.html", render_html(blocks, result.images))
    record = folder / "analysis.json"
    if record.is_file():
        try:
            previous = json.loads(record.read_text(encoding="utf-8")).get("files", [])
        except (OSError, ValueError, AttributeError):
            previous = []
        for stale in set(previous) - set(written):
            if isinstance(stale, str) and "/" not in stale and (folder / stale).is_file():
                (folder / stale).unlink()
    document = {
        "provenance": {k: v for k, v in provenance().items() if k != "scenario_text"},
        "outcome": outcome,
        "parameter": result.parameter,
        "tipping_point": result.tipping.row() if result.tipping else None,
        "refinement": result.refinement,
        "notes": result.notes,
        "files": written,
    }
    atomic_write_text(record, json.dumps(document, indent=2, default=str) + "\n")
    return folder
