"""Where a scenario tips: the active share beyond which a network does not fall back.

The seeds place the tipping point at a third: [THF] a network is "most influential if its
membership captures a third of the eligible population", the "tipping point where growth
becomes self-sustaining". The model places it by no constant (``critical_mass_share`` is
the seeds' one-third reference line; no mechanism or label reads it): critical mass
emerges from the feedback between the active share and what the network is worth to a
member. So each scenario's
tipping has to be measured from its runs, and set beside the seeds' third.

What is measured, per run: the highest active share the run reached (the summary's
``peak_active_share``, a share of the eligible population) and whether it ended
self-sustaining (``critical_mass_reached``, a settled label:
:mod:`netsim.config.outcomes`). For each level x of a grid over (0, 1]
(:data:`LEVELS`, steps of 1%), the runs that *reached* x (peak >= x) are counted, and the
proportion of them that ended self-sustaining, P(self-sustaining | peak >= x), gets its
Wilson 95% interval (:func:`netsim.analysis.intervals.wilson_interval`).

The rule (:data:`SUSTAIN_RULE`): a scenario's **self-sustaining level** is the lowest grid
level x such that, at x and at every higher level some run reached, at least 90% of the
runs that reached it ended self-sustaining. It is the active share a network has to reach
so that it very likely does not fall back: the seeds' tipping point, measured. It is
reported to the grid's 1% (the level lies within 1% below the value given). "At every
higher level" makes it the point where the curve enters the 90% region and stays, not a
lucky dip: a run that reached the highest shares of all and still fell back means there
is no such level.

Its interval is a percentile bootstrap over runs (:data:`BOOTSTRAP` resamples from a
seeded numpy Generator, the 2.5th and 97.5th percentiles of the resamples' levels; a
resample in which no level holds is left out and counted; one in which the rule holds
for every run is counted at the starting share, as below).

When it cannot be located (:class:`Status`):

- ``at_most``: the rule already holds where every run counts (at least 90% of all runs
  took off; "every run took off" when all did). Every run starts at its founding core's
  share, so the level is at most that *starting share* (or the lowest peak observed, if
  the starting share is not given); the runs cannot show how far below it lies.
- ``above``: no level holds. Either no run took off (the level, if any, lies above the
  highest peak observed) or runs that reached the highest shares observed still fell
  back.
- ``no_runs``: no run to analyse.

Beside the level, :class:`SelfSustainingLevel` keeps the two peaks that bracket the
tipping zone: the lowest peak of a run that took off and the highest peak of a run that
fell back (they overlap when the zone is not a sharp line).

Pure functions over numbers and tables: nothing here runs the model or draws
(:mod:`netsim.batch.tipping_levels` runs the scenarios; :mod:`netsim.present.tipping_levels`
writes the tables, the figure and the report).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from netsim.analysis.intervals import CONFIDENCE, Interval, wilson_interval
from netsim.analysis.summaries import AnalysisError
from netsim.config.parameters import Parameters
from netsim.numbers import fine_percent, percent

LEVELS = np.arange(1, 101) / 100
"""The grid of active-share levels, 1%, 2%, ..., 100% of the eligible population. k / 100
is the double nearest k%, as is a head count over a population of 100, 500 or 1,000
people, so a run that peaks exactly at a level counts as having reached it."""

SUSTAIN_RULE = 0.9
"""The share of the runs reaching a level that must end self-sustaining, at that level and
every higher one, for the level to count as self-sustaining: nine in ten networks that got
there did not fall back."""

BOOTSTRAP = 2000
"""Bootstrap resamples over runs for the level's interval."""
BOOTSTRAP_SEED = 20_251_301
"""The bootstrap's seed: the same runs give the same interval, bit for bit."""

SEEDS_CLAIM = Parameters().critical_mass_share
"""The seeds' one third ([THF] "most influential if its membership captures a third of the
eligible population"): the reference the levels are set beside (the declared default of
``critical_mass_share``, the one declaration of that mark)."""

_TOLERANCE = 1e-9
"""Slack in ``sustained >= rule x reached`` (0.9 x 30 is not exactly 27 in floating point)."""

Status = Literal["located", "at_most", "above", "no_runs"]
"""located: the level lies above the starting share and was found; at_most: the rule holds
for every run, so the level is at most the starting share; above: no level holds (no run
took off, or a run that reached the highest shares fell back); no_runs: nothing to analyse."""

Comparison = Literal["below", "above", "overlaps", "unknown"]
"""How a level stands to the seeds' third: its interval (or bound) below or above it, an
interval that holds it, or runs that cannot tell."""


@dataclass(frozen=True)
class ProportionCurve:
    """P(self-sustaining | peak >= x) at each grid level x, with its Wilson interval.

    Arrays of one length, one entry per level; ``share`` and its bounds are NaN where no
    run reached the level.
    """

    levels: np.ndarray
    """The grid levels x, shares of the eligible population in (0, 1], rising."""
    reached: np.ndarray
    """Runs whose peak active share was at least x (falls as x rises)."""
    sustained: np.ndarray
    """Of those, the runs that ended self-sustaining (at most ``reached``; falls as x rises)."""
    share: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray

    def table(self) -> pd.DataFrame:
        """level, reached, self_sustaining, share, ci_low, ci_high: one row per level."""
        return pd.DataFrame(
            {
                "level": self.levels,
                "reached": self.reached,
                "self_sustaining": self.sustained,
                "share": self.share,
                "ci_low": self.ci_low,
                "ci_high": self.ci_high,
            }
        )


@dataclass(frozen=True)
class SelfSustainingLevel:
    """A scenario's self-sustaining level (the rule in the module docstring), or why not."""

    scenario: str
    runs: int
    self_sustaining: Interval
    """Share of all runs that ended self-sustaining, with its Wilson interval."""
    status: Status
    level: float
    """The lowest level by the rule (a share in (0, 1]); NaN unless ``status`` is located."""
    ci_low: float
    ci_high: float
    """The bootstrap's 2.5th and 97.5th percentiles (NaN unless located)."""
    bound: float
    """at_most: the level is at most this (the starting share, else the lowest peak);
    above: the highest peak observed, which the level (if any) lies above; located: the
    level; no_runs: NaN."""
    why: str
    """The finding in words (what the runs show, why the level is or is not located)."""
    starting_share: float
    """The founding core's share of the eligible population (NaN if not given)."""
    lowest_sustained_peak: float
    """The lowest peak of a run that ended self-sustaining (NaN if none did)."""
    highest_fallback_peak: float
    """The highest peak of a run that did not (NaN if every run did)."""
    resamples: int
    """Bootstrap resamples drawn (0 unless located)."""
    resamples_held: int
    """Of those, the resamples in which some level held the rule (the interval's basis)."""
    curve: ProportionCurve
    rule: float = SUSTAIN_RULE

    @property
    def located(self) -> bool:
        return self.status == "located"

    def compared_with(self, claim: float = SEEDS_CLAIM) -> Comparison:
        """Whether the level lies below, above or around ``claim`` (the seeds' third).

        located: its interval against the claim; at_most: below if its bound is; above:
        above if runs reached the claim and still fell back, else unknown (no run got there).
        """
        if self.status == "located":
            if self.ci_high < claim:
                return "below"
            if self.ci_low > claim:
                return "above"
            return "overlaps"
        if self.status == "at_most" and self.bound < claim:
            return "below"
        if self.status == "above" and self.bound >= claim:
            return "above"
        return "unknown"

    def row(self, claim: float = SEEDS_CLAIM) -> dict[str, object]:
        """One row of the levels table (shares in [0, 1]; NaN where there is none)."""
        return {
            "scenario": self.scenario,
            "runs": self.runs,
            "self_sustaining": self.self_sustaining.estimate,
            "self_sustaining_low": self.self_sustaining.low,
            "self_sustaining_high": self.self_sustaining.high,
            "status": self.status,
            "level": self.level,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "bound": self.bound,
            "versus_one_third": self.compared_with(claim),
            "starting_share": self.starting_share,
            "lowest_sustained_peak": self.lowest_sustained_peak,
            "highest_fallback_peak": self.highest_fallback_peak,
            "resamples": self.resamples,
            "resamples_held": self.resamples_held,
            "why": self.why,
        }


LEVEL_COLUMNS = (
    "scenario",
    "runs",
    "self_sustaining",
    "self_sustaining_low",
    "self_sustaining_high",
    "status",
    "level",
    "ci_low",
    "ci_high",
    "bound",
    "versus_one_third",
    "starting_share",
    "lowest_sustained_peak",
    "highest_fallback_peak",
    "resamples",
    "resamples_held",
    "why",
)


def _checked(
    peaks: Sequence[float] | np.ndarray, sustained: Sequence[bool] | np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    p = np.asarray(peaks, dtype=float)
    s = np.asarray(sustained)
    if p.ndim != 1 or s.shape != p.shape:
        raise AnalysisError(
            f"peaks and self-sustaining flags must be two lists of one length; got {p.shape} "
            f"and {s.shape}"
        )
    if np.isnan(p).any() or (p < 0).any() or (p > 1).any():
        raise AnalysisError("peak_active_share must be a share in [0, 1] for every run")
    if s.dtype != bool:
        if not np.isin(s, (0, 1)).all():
            raise AnalysisError("critical_mass_reached must be true or false for every run")
        s = s.astype(bool)
    return p, s


def _counts(
    peaks: np.ndarray, sustained: np.ndarray, levels: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(reached, sustained) per level: runs with peak >= level, and those that ended so."""
    every = np.sort(peaks)
    kept = np.sort(peaks[sustained])
    reached = every.size - np.searchsorted(every, levels, side="left")
    held = kept.size - np.searchsorted(kept, levels, side="left")
    return reached, held


def _lowest_holding(reached: np.ndarray, held: np.ndarray, rule: float) -> int | None:
    """Index of the lowest level at which, and at every higher level some run reached, at
    least ``rule`` of the runs that reached it ended self-sustaining; None if there is none."""
    holds = (reached == 0) | (held >= rule * reached - _TOLERANCE)
    from_here_up = np.logical_and.accumulate(holds[::-1])[::-1]
    candidates = np.flatnonzero(from_here_up & (reached > 0))
    return int(candidates[0]) if candidates.size else None


def proportion_curve(
    peaks: Sequence[float] | np.ndarray,
    sustained: Sequence[bool] | np.ndarray,
    levels: np.ndarray = LEVELS,
    confidence: float = CONFIDENCE,
) -> ProportionCurve:
    """P(self-sustaining | peak >= x) with its Wilson interval at each level x."""
    p, s = _checked(peaks, sustained)
    reached, held = _counts(p, s, levels)
    estimates = [
        wilson_interval(int(k), int(n), confidence) for k, n in zip(held, reached, strict=True)
    ]
    return ProportionCurve(
        levels=np.asarray(levels, dtype=float),
        reached=reached.astype(int),
        sustained=held.astype(int),
        share=np.array([e.estimate for e in estimates], dtype=float),
        ci_low=np.array([e.low for e in estimates], dtype=float),
        ci_high=np.array([e.high for e in estimates], dtype=float),
    )


def _bootstrap(
    peaks: np.ndarray,
    sustained: np.ndarray,
    levels: np.ndarray,
    rule: float,
    floor: float | None,
    resamples: int,
    seed: int,
) -> np.ndarray:
    """Each resample's level by the rule (its starting share, or lowest peak, where the rule
    holds for every run); resamples with no level are left out."""
    rng = np.random.default_rng(seed)
    n = peaks.size
    values = []
    for _ in range(resamples):
        pick = rng.integers(0, n, size=n)
        p, s = peaks[pick], sustained[pick]
        reached, held = _counts(p, s, levels)
        j = _lowest_holding(reached, held, rule)
        if j is None:
            continue
        if reached[j] == n:
            values.append(float(p.min()) if floor is None else floor)
        else:
            values.append(float(levels[j]))
    return np.asarray(values, dtype=float)


def self_sustaining_level(
    peaks: Sequence[float] | np.ndarray,
    sustained: Sequence[bool] | np.ndarray,
    *,
    scenario: str = "",
    starting_share: float | None = None,
    levels: np.ndarray = LEVELS,
    rule: float = SUSTAIN_RULE,
    resamples: int = BOOTSTRAP,
    seed: int = BOOTSTRAP_SEED,
    confidence: float = CONFIDENCE,
) -> SelfSustainingLevel:
    """The scenario's self-sustaining level by the rule, with its bootstrap interval.

    ``peaks`` are the runs' highest active shares and ``sustained`` whether each ended
    self-sustaining; ``starting_share`` is the founding core's share of the eligible
    population (the floor every run starts from; without it, the lowest peak stands in).
    The same runs and ``seed`` give the same result, bit for bit.
    """
    if not 0 < rule <= 1:
        raise AnalysisError(f"the rule's share must be in (0, 1]; got {rule}")
    if isinstance(resamples, bool) or resamples < 1:
        raise AnalysisError(f"bootstrap resamples must be at least 1; got {resamples}")
    p, s = _checked(peaks, sustained)
    curve = proportion_curve(p, s, levels, confidence)
    start = math.nan if starting_share is None else float(starting_share)
    n, k = int(p.size), int(s.sum())
    status: Status
    level, low, high, bound = math.nan, math.nan, math.nan, math.nan
    drawn, held = 0, 0
    j = None if n == 0 else _lowest_holding(curve.reached, curve.sustained, rule)
    everyone = k == n or (j is not None and curve.reached[j] == n)
    if n == 0:
        status, why = "no_runs", "no run to analyse"
    elif j is None and not everyone:
        status, bound = "above", float(p.max())
        if k == 0:
            why = (
                f"no run took off: networks that reached up to {fine_percent(bound)} active fell "
                f"back, so the level, if there is one, lies above {fine_percent(bound)}"
            )
        else:
            top = int(np.flatnonzero(curve.reached > 0)[-1]) if curve.reached.any() else None
            at = (
                ""
                if top is None
                else f": of the {curve.reached[top]} that reached {percent(float(levels[top]))}, "
                f"the highest level any run reached, {curve.sustained[top]} did"
            )
            why = (
                f"no level holds: runs that reached the highest shares observed still fell back "
                f"(up to {fine_percent(float(p[~s].max()))} active; {k} of {n} runs took off"
                f"{at})"
            )
    elif everyone or j is None:
        status = "at_most"
        bound = start if starting_share is not None else float(p.min())
        where = (
            f"the starting share ({fine_percent(start)}, the founding core)"
            if starting_share is not None
            else f"the lowest peak observed ({fine_percent(bound)})"
        )
        took = (
            "every run took off"
            if k == n
            else f"{k} of {n} runs took off ({percent(k / n)}, at least {percent(rule)})"
        )
        why = (
            f"{took}: the level is at most {where}, which every run reached; the runs "
            "cannot show how far below it lies"
        )
    else:
        status = "located"
        level = bound = float(levels[j])
        floor = None if starting_share is None else start
        draws = _bootstrap(p, s, np.asarray(levels, dtype=float), rule, floor, resamples, seed)
        drawn, held = resamples, int(draws.size)
        if draws.size:
            tail = (1 - confidence) / 2
            low, high = float(np.quantile(draws, tail)), float(np.quantile(draws, 1 - tail))
        below = f"reached {percent(float(levels[j - 1]))}" if j > 0 else "reached lower levels"
        why = (
            f"at least {percent(rule)} of the runs that reached {percent(level)} active, and "
            f"of those that reached any higher level, ended self-sustaining; of the runs that "
            f"{below}, fewer did"
        )
    return SelfSustainingLevel(
        scenario=scenario,
        runs=n,
        self_sustaining=wilson_interval(k, n, confidence),
        status=status,
        level=level,
        ci_low=low,
        ci_high=high,
        bound=bound,
        why=why,
        starting_share=start,
        lowest_sustained_peak=float(p[s].min()) if k else math.nan,
        highest_fallback_peak=float(p[~s].max()) if k < n else math.nan,
        resamples=drawn,
        resamples_held=held,
        curve=curve,
        rule=rule,
    )


def tipping_levels(
    runs: pd.DataFrame,
    starting_shares: Mapping[str, float] | None = None,
    order: Sequence[str] | None = None,
    *,
    rule: float = SUSTAIN_RULE,
    resamples: int = BOOTSTRAP,
    seed: int = BOOTSTRAP_SEED,
) -> list[SelfSustainingLevel]:
    """:func:`self_sustaining_level` per scenario of a run table (one row per run:
    ``scenario``, ``peak_active_share``, ``critical_mass_reached``), in ``order`` (default:
    first appearance). Each scenario's bootstrap uses ``seed``, so a scenario's result does
    not depend on which others are analysed with it."""
    missing = {"scenario", "peak_active_share", "critical_mass_reached"} - set(runs.columns)
    if missing:
        raise AnalysisError(f"the run table lacks {', '.join(sorted(missing))}")
    names = list(order) if order is not None else list(dict.fromkeys(runs["scenario"]))
    shares = dict(starting_shares or {})
    out = []
    for name in names:
        part = runs[runs["scenario"] == name]
        out.append(
            self_sustaining_level(
                part["peak_active_share"].to_numpy(dtype=float),
                part["critical_mass_reached"].to_numpy(dtype=bool),
                scenario=name,
                starting_share=shares.get(name),
                rule=rule,
                resamples=resamples,
                seed=seed,
            )
        )
    return out


def levels_table(levels: Sequence[SelfSustainingLevel], claim: float = SEEDS_CLAIM) -> pd.DataFrame:
    """One row per scenario (:data:`LEVEL_COLUMNS`)."""
    return pd.DataFrame([lv.row(claim) for lv in levels], columns=list(LEVEL_COLUMNS))


def curves_table(levels: Sequence[SelfSustainingLevel]) -> pd.DataFrame:
    """Every scenario's proportion curve, stacked: scenario, then the curve's columns."""
    columns = ["scenario", "level", "reached", "self_sustaining", "share", "ci_low", "ci_high"]
    parts = [lv.curve.table().assign(scenario=lv.scenario)[columns] for lv in levels]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
