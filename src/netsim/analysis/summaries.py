"""Analysis of a sweep's run table: run labels, outcome curves, phase tables and bimodality.

EMA Workbench's separation: the model makes runs, the experiment design (``netsim sweep``)
chooses parameter values, and the analysis only reads the resulting tables. It is split by
responsibility: this module (labels, levels, curves, phase tables, bimodality),
:mod:`netsim.analysis.tipping` (the tipping-point finder and refined sweeps),
:mod:`netsim.analysis.sensitivity` (Sobol' and Morris indices through SALib) and
:mod:`netsim.present.sweep_report` (the driver behind ``netsim analyse``: figures and report).

Everything here is a pure function over pandas tables (the folder is read by
:class:`netsim.results.sweep_folder.SweepFolder`) with one row per run: ``run_id``,
``point_id``, ``replicate``, ``seed``, ``status``, one column per varied parameter and the
summary fields of :data:`netsim.config.outcomes.SUMMARY_FIELDS`.

- run labels (:data:`LABEL_RULES`, :func:`label_runs`): mutually exclusive rules on the
  summary's yes/no fields, whose own rules (:data:`FLAG_RULES`) are their declared meanings;
- outcome curves (:func:`outcome_curves`): per level of one parameter, the mean and its
  95% t-interval for continuous outcomes, the share of runs with its Wilson interval for
  yes/no outcomes (reusing :func:`netsim.analysis.intervals.outcome_table`);
- phase diagrams (:func:`phase_table`): means over a grid of two parameters;
- bimodality (:func:`bimodality_coefficient`): Sarle's coefficient per level, called
  bimodal only where the runs also spread by at least :data:`BIMODALITY_MIN_SD`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from netsim.analysis.intervals import CONFIDENCE, SHARES, outcome_table, t_interval, wilson_interval
from netsim.config.outcomes import (
    BOOLEAN_OUTCOMES,
    BY_NAME,
    CURVE_OUTCOMES,
    PROBABILITY_NAMES,
    RUN_LABELS,
    SPREAD_OF,
    SUMMARY_FIELDS,
)
from netsim.errors import NetsimError


class AnalysisError(NetsimError, ValueError):
    """A results folder or a request cannot be analysed (one-line message)."""


__all__ = ["BOOLEAN_OUTCOMES", "CURVE_OUTCOMES", "PROBABILITY_NAMES", "SPREAD_OF"]  # re-exported

# --- run labels ---------------------------------------------------------------------------

LABEL_RULES: dict[str, str] = {
    "fizzled": "fizzled_out, whether or not critical_mass_reached",
    "critical mass": "critical_mass_reached and not fizzled_out",
    "spread": "spread, and neither of the above",
    "unsettled": "none of the above: the run ended in between (its settled flag is false: "
    "run it longer)",
}
"""Run label -> its rule over the yes/no fields, in the order the rules are applied (the
first that holds wins). The fields' own rules are their declared meanings
(:data:`FLAG_RULES`); a run labelled 'unsettled' can never have been settled, as every
settled state is fizzled out or self-sustaining."""
FLAG_RULES: dict[str, str] = {name: BY_NAME[name].meaning for name in (*RUN_LABELS, "settled")}
"""The run labels' fields (and ``settled``) -> their rules in words, from the declarations."""
FAILED_LABEL = "failed"
LABEL_ORDER = ("critical mass", "spread", "unsettled", "fizzled")
"""Display order of the labels (failed runs, labelled 'failed', come last)."""

# --- levels and bimodality ----------------------------------------------------------------

MAX_LEVELS = 15
"""A numeric parameter with more distinct values than this (Latin hypercube, Sobol and
Morris designs) is cut into :data:`BINS` equal-width bins; a level is then a bin centre."""
BINS = 10
BIMODALITY_THRESHOLD = 5 / 9
"""Sarle's coefficient of a uniform distribution; larger values suggest two modes."""
BIMODALITY_MIN_SD = 0.05
"""A level is called bimodal only if its runs' standard deviation is at least this (in the
outcome's units: the outcomes whose spread is read, :data:`SPREAD_OF`, are shares of the
eligible population, so 5 points). Sarle's b measures the shape, not the size, of a
spread: a level whose runs all end within a couple of points (sd 0.017, say) can have a
b above 5/9 from one stray run, and that is no take-off against fizzle-out. Two groups of
runs 10 points apart, half in each, have sd 0.05: closer groups than that are not told
apart here."""


def _bool(series: pd.Series) -> pd.Series:
    """A yes/no column as bool; missing values (failed runs) count as False."""
    if pd.api.types.is_bool_dtype(series):
        return series.astype(bool)
    return series.astype("boolean").fillna(False).astype(bool)


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

    1. ``fizzled``: ``fizzled_out`` (even in a network that is self-sustaining: the idea died);
    2. ``critical mass``: ``critical_mass_reached`` and not ``fizzled_out``;
    3. ``spread``: ``spread`` (adoption >= 50% and holding) and neither of the above;
    4. ``unsettled``: none of the above (the run ended in between).

    A run whose ``status`` is not 'ok' is labelled ``failed``.
    """
    missing = [c for c in RUN_LABELS if c not in runs.columns]
    if missing:
        raise AnalysisError(f"the runs table has no {', '.join(map(repr, missing))} column")
    fizzled = _bool(runs["fizzled_out"]).to_numpy()
    critical = _bool(runs["critical_mass_reached"]).to_numpy()
    spread = _bool(runs["spread"]).to_numpy()
    label = np.select(
        [fizzled, critical, spread], ["fizzled", "critical mass", "spread"], default="unsettled"
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
    Wilson interval (:func:`netsim.analysis.intervals.outcome_table`); shares are kept in [0, 1].
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
    confidence: float = CONFIDENCE,
) -> pd.DataFrame:
    """Per (x level, y level): n and the mean of each outcome (share of runs for yes/no ones),
    with its 95% interval in ``<outcome>_ci_low`` / ``<outcome>_ci_high``.

    Successful runs only, pooled over any other varied parameter. Intervals as in
    :func:`outcome_curves`: Wilson for yes/no outcomes, t for means (a time to a share is
    averaged over the runs that reached it, so its n may be smaller than the cell's); the
    intervals of shares are kept in [0, 1] (:data:`netsim.analysis.intervals.SHARES`).
    """
    ok = successful(runs)
    frame = pd.DataFrame({x: levels_of(ok[x]), y: levels_of(ok[y])})
    for outcome in outcomes:
        frame[outcome] = ok[outcome].astype(float)
    grouped = frame.groupby([x, y], sort=True)
    table = grouped[list(outcomes)].mean()
    table.insert(0, "n", grouped.size())
    for outcome in outcomes:
        if outcome in BOOLEAN_OUTCOMES:
            bounds = grouped[outcome].agg(
                lambda v: wilson_interval(int(v.sum()), int(v.size), confidence)
            )
        else:
            bounds = grouped[outcome].agg(lambda v: t_interval(v.to_numpy(), confidence))
        share = outcome in SHARES or outcome in BOOLEAN_OUTCOMES
        floor, ceiling = (0.0, 1.0) if share else (-math.inf, math.inf)
        table[f"{outcome}_ci_low"] = [max(floor, b.low) for b in bounds]
        table[f"{outcome}_ci_high"] = [min(ceiling, b.high) for b in bounds]
    return table.reset_index()


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
    """Per level of ``parameter``: n, mean, sd, Sarle's b of ``outcome``, and ``bimodal``:
    b > :data:`BIMODALITY_THRESHOLD` and sd >= :data:`BIMODALITY_MIN_SD` (two modes, far
    enough apart to matter)."""
    ok = successful(runs)
    frame = pd.DataFrame({"level": levels_of(ok[parameter]), "value": ok[outcome].astype(float)})
    rows = []
    for level in _sorted_levels(frame["level"]):
        values = frame.loc[frame["level"] == level, "value"].dropna().to_numpy()
        b = bimodality_coefficient(values)
        sd = float(values.std(ddof=1)) if values.size > 1 else math.nan
        rows.append(
            {
                "parameter": parameter,
                "level": level,
                "outcome": outcome,
                "n": int(values.size),
                "mean": float(values.mean()) if values.size else math.nan,
                "sd": sd,
                "bimodality": b,
                "bimodal": bool(b > BIMODALITY_THRESHOLD and sd >= BIMODALITY_MIN_SD),
            }
        )
    return pd.DataFrame(rows)
