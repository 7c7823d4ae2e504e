"""The tipping point of a yes/no outcome along one parameter, with a bootstrap interval,
and the finer sweep that would locate it better.

Where does the probability of take-off (critical mass, spread, fizzle-out) cross one half?
The seeds name a threshold ([THF] "most influential if its membership captures a third of
the eligible population"); the model's critical mass emerges from the feedback between
active share and network value, so the sweep has to find it. :func:`tipping_point` fits a
logistic curve by maximum likelihood with a percentile-bootstrap interval;
:func:`tipping_points_by` does so per level of a second parameter, which shows what moves the
tipping point and by how much; :func:`suggest_refinement` and
:func:`refined_experiment_text` write the next, finer sweep around the jump.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, special

from netsim.analysis.intervals import CONFIDENCE, wilson_interval
from netsim.analysis.summaries import (
    BOOLEAN_OUTCOMES,
    PROBABILITY_NAMES,
    AnalysisError,
    is_numeric,
    levels_of,
    successful,
)
from netsim.numbers import NO_VALUE, same_decimals, significant
from netsim.results.sweep_folder import Factor, Manifest

BOOTSTRAP = 1000
BOOTSTRAP_SEED = 20240


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
            x0, low, high = same_decimals(self.x0, self.ci_low, self.ci_high)
            interval = (
                f"{level} CI {low} to {high}"
                if NO_VALUE not in (low, high)
                else "no interval: no bootstrap resample crossed 1/2"
            )
            text = f"{name} crosses 1/2 at {self.parameter} ≈ {x0} ({interval})"
            if self.extrapolated:
                text += ", outside the sampled range: an extrapolation"
            return text + "."
        if self.method == "separation":
            between = (
                f"{self.parameter} = {significant(self.ci_low)} and {significant(self.ci_high)}"
            )
            if np.isclose(self.levels["level"], self.x0).any():  # quasi-complete
                return (
                    f"{name} jumps at {self.parameter} ≈ {significant(self.x0)}, the only level "
                    f"with mixed outcomes between {between}; a finer sweep there would locate it."
                )
            return (
                f"{name} jumps between {between} (no run in between shows where: estimate "
                f"≈ {significant(self.x0)}); a finer sweep there would locate it."
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


def refined_experiment_text(manifest: Manifest, levels: Sequence[float], parameter: str) -> str:
    """The sweep's experiment file (TOML) made a grid over ``levels`` of ``parameter``.

    What the manifest recorded (the experiment text, its varied parameters and where the
    experiment and scenario files were) handed to :func:`refine_experiment`.
    """
    return refine_experiment(
        manifest.experiment_text,
        levels,
        parameter,
        varied=manifest.varied,
        experiment_file=manifest.experiment_file,
        scenario_file=manifest.scenario_file,
    )


def refine_experiment(
    text: str,
    levels: Sequence[float],
    parameter: str,
    *,
    varied: Sequence[Factor] = (),
    experiment_file: str | None = None,
    scenario_file: str | None = None,
) -> str:
    """An experiment file's ``text`` (TOML) made a grid over ``levels`` of ``parameter``.

    Follows the experiment-file format of :mod:`netsim.config.experiments`: ``[vary]`` gets
    ``parameter = [levels]`` and ``design = "grid"``; the sampled designs' keys
    (``samples``, ``second_order``, ``levels``) are dropped. In a grid the other varied
    parameters keep their values (the new grid crosses them, as the analysis pooled over
    them). In a Latin hypercube, Sobol or Morris design they are fixed in ``[set]`` at the
    middle of their sampled range (``varied``: whole numbers rounded half up), and a comment
    says so. ``name`` gets " (refined)". Paths in the original file are relative to *its*
    folder (``experiment_file``), but the refined file is written elsewhere
    (``OUT/analysis/``), so a scenario file and a ``[set]`` network file become absolute
    (see :func:`_absolute_paths`): the file then loads from any folder.

    Raises :class:`AnalysisError` if the text is empty or is not TOML, if its ``[vary]``
    does not name ``parameter``, or for a list design (its zipped lists cannot be refined
    one parameter at a time: write that file by hand).
    """
    if not text.strip():
        raise AnalysisError("the manifest has no 'experiment_text' to refine")
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
        "# estimated by `netsim analyse` (netsim.analysis.tipping.suggest_refinement).",
    ]
    if design in SAMPLED_DESIGNS:
        specs = {f.name: f for f in varied}
        fixed: dict[str, Any] = {}
        for name in [n for n in vary if n != parameter]:
            spec = specs.get(name)
            if spec is None or spec.low is None or spec.high is None:
                raise AnalysisError(f"the manifest gives no low and high for {name!r}")
            middle = (spec.low + spec.high) / 2
            fixed[name] = math.floor(middle + 0.5) if spec.kind == "int" else float(middle)
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
    _absolute_paths(document, experiment_file, scenario_file)
    return "\n".join(comments) + "\n" + _toml(document)


PATH_PARAMETERS = ("network_file", "network_nodes_file")
"""``[set]`` parameters whose values are file paths relative to the experiment file."""


def _absolute_paths(
    document: dict[str, Any], experiment_file: str | None, recorded: str | None
) -> None:
    """Make the experiment's relative file references absolute, in place.

    They are resolved against the folder of the original experiment file
    (``experiment_file``, absolute); a scenario that is not a file there is a library name
    and is kept, unless ``recorded`` (the manifest's ``scenario_file``) says where it was
    read from. A reference that no longer exists is left as it was: the loader then names it.
    """
    home = Path(experiment_file).parent if experiment_file else None

    def absolute(ref: str) -> str | None:
        if Path(ref).is_absolute():
            return None
        if home is not None and (home / ref).is_file():
            return str((home / ref).resolve())
        return None

    scenario = document.get("scenario")
    if isinstance(scenario, str) and scenario.strip():
        found = absolute(scenario)
        if found is None and not Path(scenario).is_absolute():
            is_path = "/" in scenario or scenario.endswith((".toml", ".yaml", ".yml"))
            if is_path and recorded and Path(recorded).is_absolute():
                found = recorded
        if found is not None:
            document["scenario"] = found
    fixed = document.get("set")
    if isinstance(fixed, dict):
        for name in PATH_PARAMETERS:
            value = fixed.get(name)
            if isinstance(value, str) and value and (found := absolute(value)) is not None:
                fixed[name] = found


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


def tipping_points_by(
    runs: pd.DataFrame,
    parameter: str,
    by: str,
    outcome: str = "critical_mass_reached",
    *,
    bootstrap: int = BOOTSTRAP,
    seed: int = BOOTSTRAP_SEED,
    confidence: float = CONFIDENCE,
) -> dict[Any, TippingPoint]:
    """The tipping point along ``parameter`` separately at each level of ``by``.

    Pooling over a second varied parameter blurs the jump; split by it, the estimates show
    what moves the tipping point and by how much (e.g. the founding core needed for take-off
    at low and high starting trust). Each level gets its own fit and bootstrap (same seed),
    as :func:`tipping_point`; levels are those of :func:`levels_of` (bin centres for a
    many-valued ``by``), in sorted order.
    """
    ok = successful(runs)
    if by not in ok.columns:
        raise AnalysisError(f"the runs table has no {by!r} column")
    groups = levels_of(ok[by])
    unique = pd.unique(groups.dropna())
    order = sorted(unique) if is_numeric(groups) else sorted(unique, key=str)
    return {
        level: tipping_point(
            ok[groups == level],
            parameter,
            outcome,
            bootstrap=bootstrap,
            seed=seed,
            confidence=confidence,
        )
        for level in order
    }


def tipping_by_table(points: Mapping[Any, TippingPoint], by: str) -> pd.DataFrame:
    """One row per level of ``by``: that level's :meth:`TippingPoint.row` with ``by`` first."""
    rows = [{"by": by, "by_level": level, **tp.row()} for level, tp in points.items()]
    return pd.DataFrame(rows)
