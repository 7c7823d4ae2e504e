"""The self-sustaining level (src/netsim/analysis/tipping_levels.py) on hand-made runs whose
answer is known: every run takes off, none does, a clean threshold (counted by hand under
the 90% rule and the strict one), a fall-back from the top, a reproducible bootstrap, the
Wilson curve, and the curve's bookkeeping for any runs (hypothesis).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netsim.analysis.intervals import wilson_interval
from netsim.analysis.summaries import AnalysisError
from netsim.analysis.tipping_levels import (
    LEVEL_COLUMNS,
    LEVELS,
    SEEDS_CLAIM,
    SUSTAIN_RULE,
    curves_table,
    levels_table,
    proportion_curve,
    self_sustaining_level,
    tipping_levels,
)

FALLBACK_PEAKS = [k / 100 for k in range(5, 16)]
"""Eleven runs that fell back, peaking at 5%, 6%, ..., 15% active."""
SUSTAINED_PEAKS = [0.5] * 20
"""Twenty that took off and peaked at 50%."""


def clean_threshold() -> tuple[np.ndarray, np.ndarray]:
    peaks = np.array(FALLBACK_PEAKS + SUSTAINED_PEAKS)
    sustained = np.array([False] * len(FALLBACK_PEAKS) + [True] * len(SUSTAINED_PEAKS))
    return peaks, sustained


def test_a_clean_threshold_is_where_nine_in_ten_of_the_runs_reaching_it_took_off() -> None:
    # at 14%: the fall-backs at 14% and 15% and the 20 take-offs reached it, 20/22 >= 90%;
    # at 13%: three fall-backs, 20/23 < 90%: so the level is 14%
    peaks, sustained = clean_threshold()
    level = self_sustaining_level(peaks, sustained, starting_share=0.024, resamples=200)
    assert level.status == "located" and level.located
    assert level.level == pytest.approx(0.14)
    assert level.bound == level.level
    assert level.highest_fallback_peak == pytest.approx(0.15)
    assert level.lowest_sustained_peak == pytest.approx(0.5)
    assert level.compared_with() == "below"
    assert "14%" in level.why


def test_the_strict_rule_puts_the_level_just_above_the_highest_fall_back() -> None:
    peaks, sustained = clean_threshold()
    level = self_sustaining_level(peaks, sustained, rule=1.0, resamples=200)
    assert level.level == pytest.approx(0.16)


def test_a_run_peaking_exactly_at_a_level_has_reached_it() -> None:
    curve = proportion_curve([0.13, 0.5], [False, True])
    at = int(np.flatnonzero(np.isclose(curve.levels, 0.13))[0])
    assert curve.reached[at] == 2 and curve.reached[at + 1] == 1


def test_every_run_taking_off_bounds_the_level_by_the_starting_share() -> None:
    peaks = np.linspace(0.6, 0.95, 30)
    level = self_sustaining_level(peaks, np.ones(30, bool), starting_share=0.024)
    assert level.status == "at_most" and not level.located
    assert level.bound == 0.024 and math.isnan(level.level)
    assert math.isnan(level.highest_fallback_peak)
    assert level.compared_with() == "below"
    assert level.resamples == 0
    assert "every run took off" in level.why
    without = self_sustaining_level(peaks, np.ones(30, bool))
    assert without.bound == pytest.approx(0.6)  # no starting share: the lowest peak


def test_nine_in_ten_taking_off_from_the_start_is_also_at_most_the_starting_share() -> None:
    peaks = np.r_[[0.1] * 2, [0.8] * 18]
    level = self_sustaining_level(peaks, np.r_[[False] * 2, [True] * 18], starting_share=0.05)
    assert level.status == "at_most" and level.bound == 0.05
    assert "18 of 20" in level.why


def test_no_run_taking_off_puts_the_level_above_the_highest_peak() -> None:
    peaks = np.array([0.1, 0.2, 0.428])
    level = self_sustaining_level(peaks, np.zeros(3, bool))
    assert level.status == "above" and level.bound == pytest.approx(0.428)
    assert level.compared_with() == "above"  # networks past one third fell back
    assert "no run took off" in level.why
    low = self_sustaining_level(np.array([0.1, 0.2]), np.zeros(2, bool))
    assert low.compared_with() == "unknown"  # no run reached one third


def test_a_fall_back_from_the_highest_share_means_no_level_holds() -> None:
    peaks = np.r_[np.linspace(0.3, 0.5, 20), 0.9]
    sustained = np.r_[np.ones(20, bool), False]
    level = self_sustaining_level(peaks, sustained)
    assert level.status == "above" and "still fell back" in level.why


def test_no_runs() -> None:
    level = self_sustaining_level([], [])
    assert level.status == "no_runs" and level.runs == 0 and math.isnan(level.bound)


def test_the_bootstrap_is_reproducible_and_brackets_the_level() -> None:
    peaks, sustained = clean_threshold()
    first = self_sustaining_level(peaks, sustained, resamples=500, seed=7)
    again = self_sustaining_level(peaks, sustained, resamples=500, seed=7)
    assert (first.ci_low, first.ci_high) == (again.ci_low, again.ci_high)
    assert first.resamples == 500 and 0 < first.resamples_held <= 500
    assert first.ci_low <= first.level <= first.ci_high
    assert first.ci_low >= 0.05 and first.ci_high <= 0.5


def test_the_curve_is_the_wilson_interval_of_the_runs_reaching_each_level() -> None:
    peaks, sustained = clean_threshold()
    curve = proportion_curve(peaks, sustained)
    at = int(np.flatnonzero(np.isclose(curve.levels, 0.10))[0])
    n = int((peaks >= 0.10).sum())
    assert curve.reached[at] == n == 26 and curve.sustained[at] == 20
    expected = wilson_interval(20, 26)
    assert (curve.share[at], curve.ci_low[at], curve.ci_high[at]) == expected[:3]
    seen = curve.reached > 0
    assert (curve.ci_low[seen] <= curve.share[seen]).all()
    assert (curve.share[seen] <= curve.ci_high[seen]).all()
    assert (curve.ci_low[seen] >= 0).all() and (curve.ci_high[seen] <= 1).all()
    assert np.isnan(curve.share[~seen]).all()  # above 50% no run reached


def test_bad_input_is_an_analysis_error() -> None:
    with pytest.raises(AnalysisError, match="one length"):
        self_sustaining_level([0.1, 0.2], [True])
    with pytest.raises(AnalysisError, match=r"\[0, 1\]"):
        self_sustaining_level([1.2], [True])
    with pytest.raises(AnalysisError, match="true or false"):
        self_sustaining_level([0.2], [2])
    with pytest.raises(AnalysisError, match="lacks"):
        tipping_levels(pd.DataFrame({"scenario": ["a"]}))


def test_each_scenario_of_a_run_table_gets_its_own_level_in_order() -> None:
    peaks, sustained = clean_threshold()
    runs = pd.concat(
        [
            pd.DataFrame(
                {"scenario": "flat", "peak_active_share": 0.9, "critical_mass_reached": True},
                index=range(10),
            ),
            pd.DataFrame(
                {"scenario": "tips", "peak_active_share": peaks, "critical_mass_reached": sustained}
            ),
        ],
        ignore_index=True,
    )
    both = tipping_levels(runs, {"flat": 0.02, "tips": 0.02}, order=["tips", "flat"], resamples=300)
    alone = tipping_levels(runs[runs["scenario"] == "tips"], {"tips": 0.02}, resamples=300)
    assert [lv.scenario for lv in both] == ["tips", "flat"]
    assert (both[0].level, both[0].ci_low, both[0].ci_high) == (
        alone[0].level,
        alone[0].ci_low,
        alone[0].ci_high,
    )
    table = levels_table(both)
    assert list(table.columns) == list(LEVEL_COLUMNS)
    assert list(table["status"]) == ["located", "at_most"]
    curves = curves_table(both)
    assert len(curves) == 2 * len(LEVELS)
    assert set(curves["scenario"]) == {"tips", "flat"}


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 500), st.booleans()),
        min_size=1,
        max_size=60,
    )
)
def test_the_curve_and_the_level_keep_their_books(runs: list[tuple[int, bool]]) -> None:
    peaks = np.array([k / 500 for k, _ in runs])  # head counts of 500 eligible people
    sustained = np.array([s for _, s in runs])
    curve = proportion_curve(peaks, sustained)
    assert (curve.levels > 0).all() and (curve.levels <= 1).all()
    assert (np.diff(curve.levels) > 0).all()
    assert (np.diff(curve.reached) <= 0).all() and (np.diff(curve.sustained) <= 0).all()
    assert (curve.sustained <= curve.reached).all()
    for j in (0, 9, 33, 99):
        assert curve.reached[j] == int((peaks >= curve.levels[j]).sum())
        assert curve.sustained[j] == int((peaks[sustained] >= curve.levels[j]).sum())
    level = self_sustaining_level(peaks, sustained, resamples=20)
    holds = (curve.reached == 0) | (curve.sustained >= SUSTAIN_RULE * curve.reached - 1e-9)
    if level.status == "located":
        j = int(np.flatnonzero(np.isclose(curve.levels, level.level))[0])
        assert holds[j:].all() and 0 < curve.reached[j] < len(runs)
        assert j == 0 or not holds[j - 1]  # and fails just below
    elif level.status == "at_most":
        assert sustained.sum() >= SUSTAIN_RULE * len(runs) - 1e-9 and holds.all()
    else:
        assert level.status == "above" and not sustained.all()
        assert not holds[curve.reached > 0].all() or not curve.reached.any()
    assert level.compared_with(SEEDS_CLAIM) in {"below", "above", "overlaps", "unknown"}
