"""The calibration's statistics: the distance, weighted quantiles, the posterior summary."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from netsim.analysis.calibration import (
    SeriesDistance,
    covers,
    effective_sample_size,
    posterior_summary,
    predictive_bands,
    weighted_quantile,
)
from netsim.config.calibration import DistanceSpec

OBSERVED = {"members": np.array([10.0, 20.0, 40.0]), "adoption_share": np.array([0.1, 0.2, 0.3])}


def test_distance_is_zero_at_the_observed_series_and_sums_scaled_squares() -> None:
    distance = SeriesDistance(DistanceSpec(scale="none"), OBSERVED)
    assert distance(OBSERVED, OBSERVED) == 0.0
    moved = {
        "members": OBSERVED["members"] + [1, 2, 0],
        "adoption_share": OBSERVED["adoption_share"],
    }
    assert distance(moved, OBSERVED) == 1 + 4
    sd = SeriesDistance(DistanceSpec(scale="sd"), OBSERVED)
    assert np.isclose(sd(moved, OBSERVED), 5 / np.std(OBSERVED["members"]) ** 2)
    absolute = SeriesDistance(DistanceSpec(kind="sum_of_absolute", scale="none"), OBSERVED)
    assert absolute(moved, OBSERVED) == 3
    weighted = SeriesDistance(DistanceSpec(scale="none", weights={"members": 0.5}), OBSERVED)
    assert weighted(moved, OBSERVED) == 2.5


def test_a_refused_run_is_infinitely_far() -> None:
    distance = SeriesDistance(DistanceSpec(), OBSERVED)
    nan = {c: np.full(3, np.nan) for c in OBSERVED}
    assert distance(nan, OBSERVED) == float("inf")


@settings(max_examples=50, deadline=None)
@given(st.floats(0.01, 1000), st.lists(st.floats(-5, 5), min_size=3, max_size=3))
def test_scaled_distances_do_not_depend_on_a_columns_units(
    factor: float, shift: list[float]
) -> None:
    """Members in hundreds or in people give the same distance when scaled by sd or mean."""
    simulated = {
        "members": OBSERVED["members"] + np.array(shift),
        "adoption_share": OBSERVED["adoption_share"],
    }
    for scale in ("sd", "mean"):
        plain = SeriesDistance(DistanceSpec(scale=scale), OBSERVED)(simulated, OBSERVED)
        rescaled_observed = {**OBSERVED, "members": OBSERVED["members"] * factor}
        rescaled = {**simulated, "members": simulated["members"] * factor}
        scaled = SeriesDistance(DistanceSpec(scale=scale), rescaled_observed)
        assert np.isclose(scaled(rescaled, rescaled_observed), plain, rtol=1e-9, atol=1e-12)


def test_weighted_quantiles_with_equal_weights_are_the_hazen_quantiles() -> None:
    values = np.array([3.0, 1.0, 4.0, 1.5, 9.0, 2.6])
    q = np.array([0.05, 0.25, 0.5, 0.9])
    ours = weighted_quantile(values, np.ones(6), q)
    assert np.allclose(ours, np.quantile(values, q, method="hazen"))


def test_weights_move_the_quantiles_to_the_heavy_values() -> None:
    values = np.array([0.0, 1.0])
    assert weighted_quantile(values, np.array([9.0, 1.0]), 0.5) < 0.5
    assert weighted_quantile(values, np.array([1.0, 9.0]), 0.5) > 0.5
    # a value with (almost) all the weight is the median
    assert np.isclose(
        weighted_quantile(np.array([0.0, 1.0, 2.0]), np.array([1e-9, 1, 1e-9]), 0.5), 1
    )


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(st.floats(-1e3, 1e3), st.floats(0.01, 10)), min_size=1, max_size=40),
    st.floats(0, 1),
    st.floats(0, 1),
)
def test_weighted_quantiles_are_monotone_and_within_the_values(
    points: list[tuple[float, float]], a: float, b: float
) -> None:
    values = np.array([p[0] for p in points])
    weights = np.array([p[1] for p in points])
    low, high = sorted((a, b))
    q_low, q_high = weighted_quantile(values, weights, np.array([low, high]))
    assert values.min() <= q_low <= q_high <= values.max()


def test_posterior_summary_and_coverage() -> None:
    rng = np.random.default_rng(3)
    sample = pd.DataFrame({"x": rng.normal(0.5, 0.1, 4000)})
    weights = np.ones(4000) / 4000
    summary = posterior_summary(sample, weights, {"x": (0.0, 1.0)})
    row = summary.iloc[0]
    assert abs(row["mean"] - 0.5) < 0.01 and abs(row["median"] - 0.5) < 0.01
    # the central 90% of N(0.5, 0.1): 0.5 -/+ 1.645 x 0.1
    assert abs(row["low"] - 0.3355) < 0.01 and abs(row["high"] - 0.6645) < 0.01
    assert np.isclose(row["interval_share_of_prior"], row["high"] - row["low"])
    assert covers(summary, {"x": 0.5}) == {"x": True}
    assert covers(summary, {"x": 0.9}) == {"x": False}
    assert np.isclose(effective_sample_size(weights), 4000)
    assert np.isclose(effective_sample_size(np.array([1.0, 0, 0])), 1)


def test_predictive_bands_hold_each_week_between_the_draws() -> None:
    weeks = np.array([0, 1, 2])
    draws = [{"members": np.array([1.0, 2.0, 3.0]) + k} for k in range(21)]
    bands = predictive_bands(weeks, draws)
    assert list(bands.columns) == ["column", "week", "low", "median", "high"]
    assert np.allclose(bands["median"], [11, 12, 13])
    assert np.allclose(bands["low"], [2, 3, 4]) and np.allclose(bands["high"], [20, 21, 22])
    assert predictive_bands(weeks, []).empty
