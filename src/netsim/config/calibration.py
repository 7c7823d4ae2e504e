"""Calibration files -> a validated fit: base scenario, observed series, priors, distance.

A calibration file (TOML, or YAML) names what to fit and to what (``netsim calibrate``)::

    name = "example calibration"
    description = "..."
    scenario = "facilitated_learning_network"   # library name or path relative to this file
    observed = "../data/observed_example.csv"    # CSV: a week column and per-step columns
    columns = ["members", "adoption_share"]      # optional: default every column of the CSV
    seed = 1
    steps = 104                 # optional: weeks to simulate (default: the last observed week)
    population = 150            # ABC-SMC particles per generation
    generations = 4             # at most this many generations ...
    min_epsilon = 0.0           # ... or stop once the acceptance threshold is at most this
    draws = 30                  # posterior-predictive runs for the bands

    [set]                       # optional: fixed values on top of the base scenario
    eligible_population = 300

    [priors]                    # parameter -> uniform prior; {} means its declared bounds
    join_rate = {}
    initial_trust = { low = 0.2, high = 0.8 }

    [distance]                  # optional
    kind = "sum_of_squares"     # or "sum_of_absolute"
    scale = "sd"                # "sd" | "mean" | "none": what each column's differences
                                # are divided by (the observed column's standard deviation,
                                # its mean, or nothing)
    weights = { members = 1.0 } # optional per-column weights (default 1)

The base scenario, ``[set]`` and the priors' ranges are checked by the experiment
files' own rules (:mod:`netsim.config.experiments`), so a calibration refuses what a
sweep would refuse, in the same words. Priors are uniform; whole-number parameters
are sampled as numbers and rounded half up for each run (as sampled designs do).

The observed series must cover consecutive weeks (no gaps; any first week from 0)
with a number in every cell. Which columns the model produces is the caller's to say
(``produced``: the per-step table's columns, :data:`netsim.model.metrics.STEP_COLUMNS`),
because this layer sits below the model. Every mistake is a one-line
:class:`~netsim.config.scenarios.ScenarioError` naming the file, line and field.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from netsim.config.experiments import (
    DEFAULT_SEED,
    MAX_SEED,
    SAMPLED_RANGE_KEYS,
    StudyFile,
    _Validator,
)
from netsim.config.parameters import FIELD_NAMES, ParameterError, Parameters, spec_of
from netsim.config.scenarios import (
    MAX_FILE_BYTES,
    ScenarioError,
    parse_document,
    read_document_text,
)
from netsim.errors import excerpt, suggest
from netsim.numbers import exact

TOP_LEVEL_KEYS = (
    "name",
    "description",
    "scenario",
    "observed",
    "columns",
    "seed",
    "steps",
    "population",
    "generations",
    "min_epsilon",
    "draws",
    "set",
    "priors",
    "distance",
)
DISTANCE_KEYS = ("kind", "scale", "weights")
DISTANCE_KINDS = ("sum_of_squares", "sum_of_absolute")
SCALES = ("sd", "mean", "none")
WEEK_COLUMN = "week"
DEFAULT_POPULATION = 100
MAX_POPULATION = 100_000
DEFAULT_GENERATIONS = 4
MAX_GENERATIONS = 100
DEFAULT_DRAWS = 30
MAX_DRAWS = 10_000
MAX_OBSERVED_BYTES = 50 * MAX_FILE_BYTES
"""An observed series is a few hundred rows; 50 MB is a wrong file, not a series."""


@dataclass(frozen=True)
class Prior:
    """A uniform prior over one parameter: [low, high], inside its declared bounds."""

    name: str
    low: float
    high: float
    whole: bool
    """An integer parameter: sampled as a number, rounded half up for each run."""

    def value(self, sampled: float) -> int | float:
        """The parameter's value for a sampled number (whole numbers rounded half up)."""
        return math.floor(sampled + 0.5) if self.whole else float(sampled)


@dataclass(frozen=True)
class Observed:
    """The observed series: consecutive weeks and one float array per chosen column."""

    path: Path
    weeks: np.ndarray
    """Whole weeks, consecutive, ascending (int64)."""
    values: dict[str, np.ndarray]
    """Column -> observed values at ``weeks`` (float64), in the file's column order."""

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(self.values)


@dataclass(frozen=True)
class DistanceSpec:
    """How far a simulated series is from the observed one (see analysis.calibration)."""

    kind: str = "sum_of_squares"
    scale: str = "sd"
    weights: dict[str, float] = field(default_factory=dict)
    """Column -> weight (>= 0); columns not named weigh 1."""


@dataclass(frozen=True)
class Calibration(StudyFile):
    """A validated calibration: what to simulate, what to compare it with, how to fit."""

    observed: Observed
    priors: tuple[Prior, ...]
    distance: DistanceSpec
    seed: int
    population: int
    generations: int
    min_epsilon: float
    draws: int

    @property
    def names(self) -> tuple[str, ...]:
        """The calibrated parameters, in the file's order."""
        return tuple(p.name for p in self.priors)

    def parameters_for(self, sampled: Mapping[str, float]) -> Parameters:
        """The base parameters with the sampled values (rounded where whole); may raise
        ParameterError for a combination the model refuses (e.g. lapse_below above
        passive_below)."""
        return self.base.replace(**{p.name: p.value(float(sampled[p.name])) for p in self.priors})


def load_calibration(path: str | Path, produced: Sequence[str]) -> Calibration:
    """Read and validate a calibration file, its base scenario and its observed series.

    ``produced``: the columns the model's per-step table has (the observed series may
    hold any of them besides its week column).
    """
    path = Path(path)
    text = read_document_text(path)
    document = parse_document(path, text)
    return _CalibrationValidator(path, text, document, tuple(produced)).calibration()


def load_base(path: str | Path) -> Parameters:
    """Only the base parameters of a calibration file (scenario, ``[set]``, ``steps``, which
    it must give), without reading its observed series: what makes a synthetic series for
    a file whose series does not exist yet."""
    path = Path(path)
    text = read_document_text(path)
    validator = _CalibrationValidator(path, text, parse_document(path, text), ())
    if "steps" not in validator.doc:
        raise validator.error("is needed to make a series before one exists", "steps")
    scenario, _ = validator.scenario()
    return validator.base(scenario, validator.fixed(), validator.doc["steps"])


class _CalibrationValidator(_Validator):
    """The experiment validator's checks (scenario, [set], ranges, numbers) plus this file's."""

    def __init__(
        self, path: Path, text: str, document: Mapping[str, Any], produced: tuple[str, ...]
    ) -> None:
        super().__init__(path, text, document)
        self.produced = produced

    def calibration(self) -> Calibration:
        self.check_top_keys()
        name = self.text_field("name", self.path.stem)
        description = self.text_field("description", "")
        seed = self.whole("seed", DEFAULT_SEED, 0, MAX_SEED)
        population = self.whole("population", DEFAULT_POPULATION, 2, MAX_POPULATION)
        generations = self.whole("generations", DEFAULT_GENERATIONS, 1, MAX_GENERATIONS)
        draws = self.whole("draws", DEFAULT_DRAWS, 0, MAX_DRAWS)
        min_epsilon = self.number("min_epsilon", 0.0)
        observed = self.observed()
        scenario, ref = self.scenario()
        fixed = self.fixed()
        steps = self.doc.get("steps", int(observed.weeks[-1]))
        base = self.base(scenario, fixed, steps)
        if base.steps < observed.weeks[-1]:
            raise self.error(
                f"{base.steps} weeks do not reach the last observed week "
                f"({int(observed.weeks[-1])}); allowed: at least that many",
                "steps",
            )
        priors = self.priors(fixed, base)
        return Calibration(
            name=name,
            description=description,
            path=self.path,
            text=self.text,
            scenario=scenario,
            scenario_ref=ref,
            base=base,
            fixed=fixed,
            observed=observed,
            priors=priors,
            distance=self.distance(observed),
            seed=seed,
            population=population,
            generations=generations,
            min_epsilon=min_epsilon,
            draws=draws,
        )

    def check_top_keys(self) -> None:
        parameter = "is a parameter: put it in [priors] or [set]"
        self.check_top_level(TOP_LEVEL_KEYS, dict.fromkeys(FIELD_NAMES, parameter))

    def number(self, key: str, default: float) -> float:
        value = self.doc.get(key, default)
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or value < 0
        ):
            raise self.error(f"{excerpt(value)} must be a number >= 0", key)
        return float(value)

    # --- the observed series ----------------------------------------------------------
    def observed(self) -> Observed:
        ref = self.doc.get("observed")
        if ref is None:
            raise ScenarioError(
                self.path,
                "a calibration needs 'observed': a CSV file of the observed series "
                f"(a {WEEK_COLUMN!r} column and per-step columns), relative to this file",
                field="observed",
            )
        if not isinstance(ref, str) or not ref.strip():
            raise self.error("must be a CSV file name relative to this file", "observed")
        target = Path(ref) if Path(ref).is_absolute() else self.path.parent / ref
        if not target.is_file():
            raise self.error(
                f"{excerpt(ref)} does not exist (relative to the calibration file)", "observed"
            )
        if target.stat().st_size > MAX_OBSERVED_BYTES:
            raise ScenarioError(
                target, f"is larger than {MAX_OBSERVED_BYTES:,} bytes; a series is short"
            )
        try:
            text = target.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise ScenarioError(target, "is not UTF-8 text (a CSV file)") from None
        rows = list(csv.reader(io.StringIO(text)))
        rows = [row for row in rows if any(cell.strip() for cell in row)]
        if not rows:
            raise ScenarioError(target, "is empty; allowed: a header line and one row a week")
        header = [cell.strip() for cell in rows[0]]
        wanted = self.columns(target, header)
        series = read_series(target, header, rows[1:], (WEEK_COLUMN, *wanted))
        weeks = series.pop(WEEK_COLUMN)
        return Observed(target, check_weeks(target, weeks), series)

    def columns(self, target: Path, header: list[str]) -> tuple[str, ...]:
        """The observed columns to fit: ``columns`` if given, else all but the week."""
        if WEEK_COLUMN not in header:
            raise ScenarioError(
                target,
                f"has no {WEEK_COLUMN!r} column; the header must name it "
                f"(got {', '.join(header) or 'nothing'})",
                line=1,
            )
        if len(set(header)) < len(header):
            twice = next(c for c in header if header.count(c) > 1)
            raise ScenarioError(target, f"column {excerpt(twice)} is named twice", line=1)
        chosen = self.doc.get("columns")
        if chosen is None:
            names = [c for c in header if c != WEEK_COLUMN]
            for name in names:
                self.check_produced(name, target, line=1, field=None)
        else:
            if (
                not isinstance(chosen, list)
                or not chosen
                or not all(isinstance(c, str) for c in chosen)
                or len(set(chosen)) < len(chosen)
            ):
                raise self.error(
                    f"{excerpt(chosen)} must be a list of distinct column names", "columns"
                )
            for name in chosen:
                self.check_produced(name, None, line=None, field="columns")
                if name not in header:
                    raise self.error(
                        f"{excerpt(name)} is not a column of {target.name}; it has: "
                        f"{', '.join(c for c in header if c != WEEK_COLUMN)}",
                        "columns",
                    )
            names = list(chosen)
        if not names:
            raise ScenarioError(
                target, f"has only a {WEEK_COLUMN!r} column; add a per-step column to fit", line=1
            )
        return tuple(names)

    def check_produced(
        self, name: str, target: Path | None, line: int | None, field: str | None
    ) -> None:
        if name in self.produced:
            return
        hint = suggest(name, self.produced)
        message = (
            f"{excerpt(name)} is not a column the model produces{hint} Allowed: "
            f"{', '.join(self.produced)}"
        )
        if target is not None:
            raise ScenarioError(target, message, line=line)
        raise self.error(message, field or "columns")

    # --- priors -------------------------------------------------------------------------
    def priors(self, fixed: Mapping[str, Any], base: Parameters) -> tuple[Prior, ...]:
        table = self.table("priors")
        if not table:
            raise ScenarioError(
                self.path,
                "[priors] must name at least one parameter (parameter = {} for its declared "
                "bounds, or { low = .., high = .. })",
                line=self.table_line("priors"),
                field="priors",
            )
        priors = []
        for raw, value in table.items():
            name = self.parameter_name(raw, "priors")
            spec = spec_of(name)
            if not spec.sweepable:
                raise self.error(
                    "cannot be calibrated (it is not sweepable); set it in the base scenario "
                    "or [set]",
                    name,
                    "priors",
                )
            if spec.choices is not None:
                raise self.error(
                    "is a choice parameter; calibration fits numbers only (fix it in [set])",
                    name,
                    "priors",
                )
            if name in fixed:
                raise self.error(
                    "is also in [set]; a parameter is either fixed or calibrated", name, "priors"
                )
            if not isinstance(value, Mapping):
                raise self.error(
                    f"{excerpt(value)} is not a prior; allowed: {{ low = .., high = .. }} "
                    "({} for the declared bounds: "
                    f"{spec.describe_allowed()})",
                    name,
                    "priors",
                )
            low, high = self.bounds(name, value, SAMPLED_RANGE_KEYS, needs=(), group="priors")
            for end, bound in (("low", low), ("high", high)):
                prior_value = math.floor(bound + 0.5) if _is_whole(name) else bound
                try:
                    base.replace(**{name: prior_value})
                except ParameterError as err:
                    raise self.error(
                        f"the prior's {end} end {exact(bound)} is not possible with the base "
                        f"scenario ({err.detail}); give {end} = ..",
                        name,
                        "priors",
                    ) from None
            priors.append(Prior(name, low, high, whole=_is_whole(name)))
        return tuple(priors)

    # --- distance -----------------------------------------------------------------------
    def distance(self, observed: Observed) -> DistanceSpec:
        table = self.table("distance")
        self.table_keys(table, DISTANCE_KEYS, "distance")
        kind = self.one_of(
            table.get("kind", "sum_of_squares"), DISTANCE_KINDS, "distance", "kind", "distance"
        )
        scale = self.one_of(table.get("scale", "sd"), SCALES, "scale", "scale", "distance")
        for column, values in observed.values.items():
            if scale == "sd" and not np.std(values) > 0:
                raise self.error(
                    f"the observed {column!r} never changes, so it has no standard deviation to "
                    "scale by; allowed: scale = 'mean' or 'none'",
                    "scale",
                    "distance",
                )
            if scale == "mean" and not abs(np.mean(values)) > 0:
                raise self.error(
                    f"the observed {column!r} has mean 0, so it cannot be scaled by its mean; "
                    "allowed: scale = 'sd' or 'none'",
                    "scale",
                    "distance",
                )
        weights_table = table.get("weights", {})
        if not isinstance(weights_table, Mapping):
            raise self.error("must be a table of column = weight", "weights", "distance")
        weights: dict[str, float] = {}
        for column, weight in weights_table.items():
            if column not in observed.values:
                raise self.error(
                    f"{excerpt(column)} is not a fitted column; allowed: "
                    f"{', '.join(observed.columns)}",
                    "weights",
                    "distance",
                )
            if (
                isinstance(weight, bool)
                or not isinstance(weight, int | float)
                or not math.isfinite(weight)
                or weight < 0
            ):
                raise self.error(
                    f"{column} = {excerpt(weight)} must be a number >= 0", "weights", "distance"
                )
            weights[str(column)] = float(weight)
        if weights and all(weights.get(c, 1.0) == 0 for c in observed.columns):
            raise self.error(
                "every column weighs 0: nothing would be fitted", "weights", "distance"
            )
        return DistanceSpec(kind=str(kind), scale=str(scale), weights=weights)


def _is_whole(name: str) -> bool:
    return _FIELD_KINDS[name] == "int"


_FIELD_KINDS = {
    name: (kind if isinstance(kind, str) else kind.__name__)
    for name, kind in ((f, Parameters.__dataclass_fields__[f].type) for f in FIELD_NAMES)
}


def read_series(
    path: Path, header: list[str], rows: list[list[str]], columns: Sequence[str]
) -> dict[str, np.ndarray]:
    """The named columns of a CSV's rows as float arrays; a one-line error for a short row,
    an empty cell or a cell that is not a finite number (with the file's line number)."""
    index = {name: header.index(name) for name in columns}
    values = {name: np.empty(len(rows)) for name in columns}
    for number, row in enumerate(rows):
        line = number + 2
        for name, at in index.items():
            cell = row[at].strip() if at < len(row) else ""
            if not cell:
                raise ScenarioError(path, "is empty; allowed: a number", line=line, field=name)
            try:
                value = float(cell)
            except ValueError:
                value = math.nan
            if not math.isfinite(value):
                raise ScenarioError(
                    path, f"{excerpt(cell)} is not a finite number", line=line, field=name
                )
            values[name][number] = value
    if not rows:
        raise ScenarioError(path, "has a header but no rows; allowed: one row a week")
    return values


def check_weeks(path: Path, weeks: np.ndarray) -> np.ndarray:
    """The week column as whole numbers, each once, ascending, with no week missing."""
    for number, week in enumerate(weeks.tolist()):
        if not float(week).is_integer() or week < 0:
            raise ScenarioError(
                path,
                f"{exact(week)} is not a week; allowed: a whole number >= 0",
                line=number + 2,
                field=WEEK_COLUMN,
            )
    whole = weeks.astype(np.int64)
    order = np.argsort(whole, kind="stable")
    ordered = whole[order]
    repeated = ordered[1:][np.diff(ordered) == 0]
    if repeated.size:
        raise ScenarioError(
            path,
            f"week {int(repeated[0])} appears twice; allowed: one row a week",
            field=WEEK_COLUMN,
        )
    gaps = np.flatnonzero(np.diff(ordered) > 1)
    if gaps.size:
        first, last = int(ordered[gaps[0]]) + 1, int(ordered[gaps[0] + 1]) - 1
        missing = f"week {first}" if first == last else f"weeks {first} to {last}"
        raise ScenarioError(
            path,
            f"{missing} missing ({gaps.size} gap{'s' if gaps.size > 1 else ''} in all); "
            "allowed: consecutive weeks, one row each",
            field=WEEK_COLUMN,
        )
    if not np.array_equal(order, np.arange(order.size)):
        raise ScenarioError(
            path,
            "weeks are not in ascending order; allowed: one row a week, in order",
            field=WEEK_COLUMN,
        )
    return ordered
