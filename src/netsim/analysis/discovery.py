"""Scenario discovery: the boxes of parameter space where a yes/no outcome is likely.

A sweep answers "what happens at each setting"; a planner asks the reverse: under which
combinations of conditions does the network fizzle out, or reach critical mass? Scenario
discovery (Bryant and Lempert 2010) answers with a few boxes, each a range per parameter
that matters, found by the Patient Rule Induction Method (PRIM; Friedman and Fisher
1999). PRIM starts from the whole sampled space and peels off, step by step, the thin
slice (``peel_alpha`` of the runs left) whose removal raises the share of runs with the
outcome most, until a box holds only ``mass_min`` of the runs; every step is a candidate
box, and the steps form the *peeling trajectory*, a trade-off between

- **coverage**: the share of all runs with the outcome that fall in the box (how much of
  the outcome the box explains), and
- **density**: the share of the runs in the box that have the outcome (how sure a run
  in the box is to have it).

The PRIM itself is EMA Workbench's (:mod:`ema_workbench.analysis.prim`, the field's
reference implementation; imported only here, when asked, as it loads scikit-learn and
statsmodels). netsim adds what the interactive workbench leaves to its user: it chooses
one box on each trajectory by a stated rule (:func:`choose_on_trajectory`: the densest box
that keeps at least ``min_coverage`` of the outcome), keeps looking for further boxes
among the runs outside the boxes found (PRIM's covering step), drops from each box the
limits that are noise (quasi-p-value over :data:`SIGNIFICANCE`, the least significant
first, as Bryant and Lempert advise), stops when no box with a real limit is denser than
the share of the outcome among the runs left, and reports each box's limits with the
quasi-p-value of each restriction (a one-sided binomial test of whether dropping it would
lower the density; Bryant and Lempert 2010), so that a reader can see which limits are
real and which are noise.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from netsim.analysis.summaries import BOOLEAN_OUTCOMES, AnalysisError, successful
from netsim.numbers import significant

MIN_COVERAGE = 0.5
"""A chosen box keeps at least this share of all runs with the outcome (0..1)."""
MAX_BOXES = 3
"""At most this many boxes are reported (each found among the runs outside the others)."""
PEEL_ALPHA = 0.05
"""Share of the runs left that one peeling step removes (PRIM's alpha; 0.01..0.2)."""
MASS_MIN = 0.05
"""The smallest box PRIM peels to, as a share of all runs (0..1)."""
SIGNIFICANCE = 0.05
"""A limit whose quasi-p-value is over this is dropped from its box as noise."""
MIN_RUNS = 20
"""Fewer successful runs than this cannot carry a box (PRIM peels 5% slices)."""


@dataclass(frozen=True)
class Restriction:
    """One parameter's limits in a box: a numeric range or a set of values.

    ``low``/``high`` are the box's inclusive limits on a numeric parameter, ``values``
    the values it keeps of a choice; ``quasi_p`` is the quasi-p-value of the limit (the
    larger of its two one-sided tests; small means the limit is real), None when the
    test does not apply."""

    parameter: str
    low: float | None
    high: float | None
    values: tuple[str, ...] | None
    sampled_low: float | None
    sampled_high: float | None
    quasi_p: float | None

    def text(self) -> str:
        """The limit in words, e.g. ``0.2 <= funding <= 0.6`` or ``style in {a, b}``."""
        if self.values is not None:
            return f"{self.parameter} in {{{', '.join(self.values)}}}"
        assert self.low is not None and self.high is not None
        low, high = significant(self.low), significant(self.high)
        if low == high:
            return f"{self.parameter} = {low}"
        if self.low == self.sampled_low:
            return f"{self.parameter} <= {high}"
        if self.high == self.sampled_high:
            return f"{self.parameter} >= {low}"
        return f"{low} <= {self.parameter} <= {high}"


@dataclass(frozen=True)
class Box:
    """One discovered box: its limits and how well it explains the outcome."""

    number: int
    """1 for the first box found, 2 for the next (found among the runs outside box 1)..."""
    coverage: float
    """Share of all runs with the outcome that are in the box (0..1)."""
    density: float
    """Share of the runs in the box that have the outcome (0..1)."""
    mass: float
    """Share of all runs that are in the box (0..1)."""
    runs: int
    cases: int
    """Runs in the box, and those of them with the outcome."""
    restrictions: tuple[Restriction, ...]
    trajectory: pd.DataFrame
    """Every candidate of this box's peeling: coverage, density, mass, res_dim, n, k."""
    chosen: int
    """The row of ``trajectory`` this box was chosen at (before ``dropped``)."""
    dropped: tuple[str, ...] = ()
    """Parameters one of whose limits at the chosen step was noise (quasi-p over
    :data:`SIGNIFICANCE`), set back to the sampled range, the least significant first."""

    def text(self) -> str:
        """The box's limits joined by 'and' (``every setting`` when none)."""
        return " and ".join(r.text() for r in self.restrictions) or "every setting"


@dataclass(frozen=True)
class Discovery:
    """What :func:`discover` found for one outcome over one sweep's runs."""

    outcome: str
    parameters: tuple[str, ...]
    runs: int
    cases: int
    boxes: tuple[Box, ...]
    stopped: str
    """Why no further box is reported, in words."""

    @property
    def base_rate(self) -> float:
        """Share of all runs with the outcome (the density of the whole space)."""
        return self.cases / self.runs if self.runs else float("nan")

    def boxes_table(self) -> pd.DataFrame:
        """One row per box restriction (box, parameter, limits, quasi_p, box statistics)."""
        rows = []
        for box in self.boxes:
            stats = {
                "box": box.number,
                "coverage": box.coverage,
                "density": box.density,
                "mass": box.mass,
                "runs": box.runs,
                "cases": box.cases,
            }
            for r in box.restrictions or (None,):
                rows.append(
                    {
                        **stats,
                        "parameter": r.parameter if r else "",
                        "low": r.low if r else np.nan,
                        "high": r.high if r else np.nan,
                        "values": ", ".join(r.values) if r and r.values is not None else "",
                        "quasi_p": r.quasi_p if r and r.quasi_p is not None else np.nan,
                        "limit": r.text() if r else "every setting",
                    }
                )
        return pd.DataFrame(
            rows,
            columns=[
                "box",
                "coverage",
                "density",
                "mass",
                "runs",
                "cases",
                "parameter",
                "low",
                "high",
                "values",
                "quasi_p",
                "limit",
            ],
        )

    def trajectories_table(self) -> pd.DataFrame:
        """Every box's peeling trajectory, with ``box`` and ``chosen`` columns."""
        frames = [
            box.trajectory.assign(box=box.number, chosen=box.trajectory.index == box.chosen)
            for box in self.boxes
        ]
        if not frames:
            return pd.DataFrame(
                columns=["box", "step", "coverage", "density", "mass", "res_dim", "chosen"]
            )
        table = pd.concat(frames, ignore_index=False).rename_axis("step").reset_index()
        return table[["box", "step", "coverage", "density", "mass", "res_dim", "chosen"]]


def choose_on_trajectory(trajectory: pd.DataFrame, min_coverage: float = MIN_COVERAGE) -> int:
    """The row of a peeling trajectory netsim reports: the densest box that keeps at least
    ``min_coverage`` of the outcome's runs (ties: the larger coverage, then the earlier
    step, which has fewer restrictions). The whole space (row 0) always qualifies."""
    keep = trajectory[trajectory["coverage"] >= min_coverage - 1e-12]
    if keep.empty:
        return int(trajectory.index[0])
    ordered = keep.sort_values(["density", "coverage"], ascending=[False, False], kind="stable")
    return int(ordered.index[0])


def _is_integer(values: pd.Series) -> bool:
    return pd.api.types.is_integer_dtype(values) and not pd.api.types.is_bool_dtype(values)


def _inputs(runs: pd.DataFrame, parameters: Sequence[str], choices: set[str]) -> pd.DataFrame:
    """The parameters as PRIM reads them: floats, integers (peeled a value at a time) and
    choices as categories."""
    columns: dict[str, Any] = {}
    for name in parameters:
        values = runs[name]
        if name in choices or not (
            pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
        ):
            columns[name] = values.astype(str)
        elif _is_integer(values):
            columns[name] = values.astype(np.int64)
        else:
            columns[name] = values.astype(np.float64)
    return pd.DataFrame(columns)


def _restrictions(
    box: Any,
    row: int,
    sampled: pd.DataFrame,
    integers: set[str],
    left: pd.DataFrame,
    earlier: set[str],
) -> tuple[Restriction, ...]:
    """The box's limits where they differ from the sampled ranges. A numeric limit on a
    parameter an earlier box restricted is tightened to the range of the runs outside the
    earlier boxes (``left``), so that a later box reads as the runs it can hold
    (``priorities = 3`` rather than ``priorities >= 3`` beside an earlier
    ``priorities >= 4``)."""
    limits: pd.DataFrame = box.box_lims[row]
    quasi = box.p_values[row]
    found = []
    for name in limits.columns:
        low, high = limits[name].iloc[0], limits[name].iloc[1]
        first, last = sampled[name].iloc[0], sampled[name].iloc[1]
        if isinstance(low, set):
            if low == first:
                continue
            values: tuple[str, ...] | None = tuple(sorted(str(v) for v in low))
            lo = hi = s_lo = s_hi = None
        else:
            if low == first and high == last:
                continue
            values = None
            lo, hi, s_lo, s_hi = float(low), float(high), float(first), float(last)
            if name in earlier:
                lo, hi = max(lo, float(left[name].min())), min(hi, float(left[name].max()))
            if name in integers:
                lo, hi = float(np.ceil(lo - 1e-9)), float(np.floor(hi + 1e-9))
        tests = [p for p in quasi.get(name, []) if p is not None and p >= 0 and np.isfinite(p)]
        found.append(Restriction(name, lo, hi, values, s_lo, s_hi, max(tests) if tests else None))
    return tuple(found)


def _weakest_limit(box: Any, row: int) -> tuple[str, int] | None:
    """The (parameter, side) of the box's least significant limit when its quasi-p is over
    :data:`SIGNIFICANCE` (side 0 is the lower limit, 1 the upper; a choice has one test),
    else None."""
    tests = [
        (p, name, side)
        for name, sides in box.p_values[row].items()
        for side, p in enumerate(sides)
        if p is not None and np.isfinite(p) and p >= 0
    ]
    weak = max(tests, default=None)
    if weak is None or weak[0] <= SIGNIFICANCE:
        return None
    return weak[1], weak[2]


def _drop_limit(box: Any, finder: Any, row: int, name: str, side: int) -> None:
    """Add to the box's trajectory the box ``row`` with one limit set back to the sampled
    range: one side of a numeric limit (EMA Workbench's ``drop_restriction`` drops both,
    losing a real upper limit with a noisy lower one), or a choice's whole set."""
    limits = box.box_lims[row].copy()
    sampled = box.box_lims[0]
    if isinstance(sampled[name].iloc[0], set):
        limits[name] = sampled[name]
    else:
        limits.loc[limits.index[side], name] = sampled[name].iloc[side]
    remaining = finder.yi_remaining
    x = finder.x.loc[remaining]
    keep = np.ones(len(remaining), dtype=bool)
    for column in limits.columns:
        low, high = limits[column].iloc[0], limits[column].iloc[1]
        if isinstance(low, set):
            keep &= x[column].isin(low).to_numpy()
        else:
            values = x[column].to_numpy(dtype=float)
            keep &= (values >= low) & (values <= high)
    box.update(limits, remaining[keep])


def discover(
    runs: pd.DataFrame,
    parameters: Sequence[str],
    outcome: str,
    *,
    choices: Sequence[str] = (),
    min_coverage: float = MIN_COVERAGE,
    max_boxes: int = MAX_BOXES,
    peel_alpha: float = PEEL_ALPHA,
    mass_min: float = MASS_MIN,
) -> Discovery:
    """Find up to ``max_boxes`` boxes over ``parameters`` where ``outcome`` is likely.

    ``runs``: one row per run (failed runs are left out), with the parameter columns and
    the yes/no ``outcome``; ``choices``: parameters that are choices between values,
    whatever their type. The same runs give the same boxes (PRIM has no randomness).
    """
    if outcome not in BOOLEAN_OUTCOMES:
        raise AnalysisError(
            f"--discover {outcome!r}: not a yes/no outcome; allowed: {', '.join(BOOLEAN_OUTCOMES)}"
        )
    if not parameters:
        raise AnalysisError("scenario discovery needs a sweep that varies at least one parameter")
    if not 0 < min_coverage <= 1:
        raise AnalysisError(f"min_coverage must be in (0, 1]; got {min_coverage}")
    if not 0 < peel_alpha < 1 or not 0 < mass_min < 1:
        raise AnalysisError("peel_alpha and mass_min must be in (0, 1)")
    if max_boxes < 1:
        raise AnalysisError(f"max_boxes must be at least 1; got {max_boxes}")
    missing = [c for c in (*parameters, outcome) if c not in runs.columns]
    if missing:
        raise AnalysisError(f"the runs table has no {', '.join(map(repr, missing))} column")
    ok = successful(runs)
    if len(ok) < MIN_RUNS:
        raise AnalysisError(
            f"scenario discovery needs at least {MIN_RUNS} successful runs; this sweep has "
            f"{len(ok)}"
        )
    y = ok[outcome].to_numpy(dtype=bool)
    x = _inputs(ok, parameters, set(choices))
    integers = {name for name in parameters if name not in choices and _is_integer(ok[name])}
    boxes, stopped = _discover(x, y, integers, min_coverage, max_boxes, peel_alpha, mass_min)
    return Discovery(outcome, tuple(parameters), len(ok), int(y.sum()), tuple(boxes), stopped)


def _discover(
    x: pd.DataFrame,
    y: np.ndarray,
    integers: set[str],
    min_coverage: float,
    max_boxes: int,
    peel_alpha: float,
    mass_min: float,
) -> tuple[list[Box], str]:
    if not y.any():
        return [], "no run has the outcome, so there is nothing to find"
    if y.all():
        return [], "every run has the outcome, so every setting is such a box"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "ipyparallel not installed": not used here
        from ema_workbench.analysis import prim

    logging.getLogger("EMA").setLevel(logging.WARNING)
    logging.getLogger("EMA.ema_workbench.analysis.prim").setLevel(logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas deprecations inside EMA Workbench 3.0
        finder = prim.Prim(x, y.astype(np.int64), peel_alpha=peel_alpha, mass_min=mass_min)
    # EMA Workbench 3.0 pastes half-way limits (7.5) into the box's integer columns, which
    # pandas refuses: the boxes' limits are floats (snapped back in _restrictions)
    finder.box_init = finder.box_init.astype({name: float for name in integers})
    boxes: list[Box] = []
    inside = np.zeros(len(y), dtype=bool)
    earlier: set[str] = set()
    while True:
        if len(boxes) == max_boxes:
            return boxes, f"the report shows at most {max_boxes} boxes"
        left = y[~inside]
        if not left.any():
            return boxes, "the boxes found hold every run with the outcome"
        left_rate = float(left.mean())
        left_x = x[~inside]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            box = finder.find_box()
        if box is None:
            return boxes, "no runs are left outside the boxes found"
        trajectory = box.peeling_trajectory[["coverage", "density", "mass", "res_dim", "n", "k"]]
        # coverage is of all the outcome's runs: a later box must keep min_coverage of
        # those still outside the boxes found
        chosen = choose_on_trajectory(trajectory, min_coverage * left.sum() / y.sum())
        box.select(chosen)
        current, dropped = chosen, []
        while (weakest := _weakest_limit(box, current)) is not None:
            _drop_limit(box, finder, current, *weakest)
            current = len(box.peeling_trajectory) - 1
            dropped.append(weakest[0])
        restrictions = _restrictions(box, current, box.box_lims[0], integers, left_x, earlier)
        row = box.peeling_trajectory.iloc[current]
        if not restrictions or float(row["density"]) <= left_rate:
            return boxes, (
                "no further box has a real limit (quasi-p at most "
                f"{SIGNIFICANCE}) and is denser than the share of the outcome among the runs "
                f"outside the boxes found ({left_rate:.0%})"
            )
        inside[box.yi] = True
        earlier |= {r.parameter for r in restrictions}
        boxes.append(
            Box(
                number=len(boxes) + 1,
                coverage=float(row["coverage"]),
                density=float(row["density"]),
                mass=float(row["mass"]),
                runs=int(row["n"]),
                cases=int(row["k"]),
                restrictions=restrictions,
                trajectory=trajectory.reset_index(drop=True),
                chosen=chosen,
                dropped=tuple(dropped),
            )
        )
