"""Scenario discovery (PRIM through EMA Workbench) finds the boxes planted in known data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netsim.analysis.discovery import (
    SIGNIFICANCE,
    choose_on_trajectory,
    discover,
)
from netsim.analysis.summaries import AnalysisError


def planted(n: int = 1000, noise: float = 0.03, seed: int = 3) -> pd.DataFrame:
    """Two boxes: a > 0.6 and b < 0.4 (16% of runs); style z and c >= 7 (10%); plus noise
    flips and a parameter (d) that plays no part."""
    rng = np.random.default_rng(seed)
    runs = pd.DataFrame(
        {
            "a": rng.uniform(0, 1, n),
            "b": rng.uniform(0, 1, n),
            "c": rng.integers(0, 10, n),
            "d": rng.uniform(0, 1, n),
            "style": rng.choice(["x", "y", "z"], n),
        }
    )
    outcome = ((runs["a"] > 0.6) & (runs["b"] < 0.4)) | ((runs["style"] == "z") & (runs["c"] >= 7))
    runs["fizzled_out"] = outcome ^ (rng.uniform(size=n) < noise)
    runs["status"] = "ok"
    return runs


PARAMETERS = ["a", "b", "c", "d", "style"]


@pytest.fixture(scope="module")
def found():  # type: ignore[no-untyped-def]
    return discover(planted(), PARAMETERS, "fizzled_out", choices=["style"])


def test_the_first_box_is_the_planted_numeric_one(found) -> None:  # type: ignore[no-untyped-def]
    box = found.boxes[0]
    limits = {r.parameter: r for r in box.restrictions}
    assert set(limits) == {"a", "b"}
    assert (
        limits["a"].low == pytest.approx(0.6, abs=0.06)
        and limits["a"].high == limits["a"].sampled_high
    )
    assert (
        limits["b"].high == pytest.approx(0.4, abs=0.06)
        and limits["b"].low == limits["b"].sampled_low
    )
    assert box.density > 0.9 and box.coverage > 0.55
    assert all(r.quasi_p is not None and r.quasi_p < SIGNIFICANCE for r in box.restrictions)


def test_the_second_box_is_the_planted_choice_and_integer_one(found) -> None:  # type: ignore[no-untyped-def]
    box = found.boxes[1]
    limits = {r.parameter: r for r in box.restrictions}
    assert set(limits) == {"c", "style"}
    assert limits["style"].values == ("z",)
    assert (limits["c"].low, limits["c"].high) == (7, 9)  # integers held, not 6.5
    assert box.text() == "c >= 7 and style in {z}"
    assert box.density > 0.85


def test_a_parameter_that_plays_no_part_is_never_a_limit(found) -> None:  # type: ignore[no-untyped-def]
    assert all(r.parameter != "d" for box in found.boxes for r in box.restrictions)


def test_the_boxes_explain_the_outcome_and_the_search_says_why_it_stopped(found) -> None:  # type: ignore[no-untyped-def]
    assert sum(box.cases for box in found.boxes) / found.cases > 0.8
    assert found.stopped
    assert found.cases == int(planted()["fizzled_out"].sum())


def test_the_same_runs_give_the_same_boxes(found) -> None:  # type: ignore[no-untyped-def]
    again = discover(planted(), PARAMETERS, "fizzled_out", choices=["style"])
    pd.testing.assert_frame_equal(found.boxes_table(), again.boxes_table())
    pd.testing.assert_frame_equal(found.trajectories_table(), again.trajectories_table())


def test_pure_noise_gives_no_box() -> None:
    rng = np.random.default_rng(8)
    runs = pd.DataFrame({"a": rng.uniform(size=400), "b": rng.uniform(size=400)})
    runs["fizzled_out"] = rng.uniform(size=400) < 0.3
    assert discover(runs, ["a", "b"], "fizzled_out").boxes == ()


@pytest.mark.parametrize(("share", "reason"), [(0.0, "no run"), (1.0, "every run")])
def test_an_outcome_no_run_or_every_run_has_gives_no_box(share: float, reason: str) -> None:
    runs = pd.DataFrame({"a": np.linspace(0, 1, 50), "fizzled_out": np.full(50, share == 1.0)})
    found = discover(runs, ["a"], "fizzled_out")
    assert found.boxes == () and reason in found.stopped


def test_failed_runs_are_left_out() -> None:
    runs = planted(400)
    runs.loc[:49, "status"] = "failed"
    assert discover(runs, PARAMETERS, "fizzled_out", choices=["style"]).runs == 350


@pytest.mark.parametrize(
    ("outcome", "parameters", "rows", "message"),
    [
        ("final_adoption", ["a"], 100, "not a yes/no outcome"),
        ("fizzled_out", [], 100, "varies at least one parameter"),
        ("fizzled_out", ["zz"], 100, "no 'zz' column"),
        ("fizzled_out", ["a"], 10, "at least 20 successful runs"),
    ],
)
def test_bad_requests_are_one_line_errors(
    outcome: str, parameters: list[str], rows: int, message: str
) -> None:
    runs = planted(rows)
    with pytest.raises(AnalysisError, match=message) as err:
        discover(runs, parameters, outcome)
    assert "\n" not in str(err.value)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1)), min_size=1, max_size=30).map(
        lambda rows: [(1.0, rows[0][1]), *rows[1:]]
    ),
    st.floats(0.01, 1),
)
def test_the_chosen_box_is_the_densest_that_keeps_the_coverage(
    rows: list[tuple[float, float]], min_coverage: float
) -> None:
    trajectory = pd.DataFrame(rows, columns=["coverage", "density"])
    chosen = choose_on_trajectory(trajectory, min_coverage)
    allowed = trajectory[trajectory["coverage"] >= min_coverage - 1e-12]
    assert trajectory.loc[chosen, "coverage"] >= min_coverage - 1e-12
    assert trajectory.loc[chosen, "density"] == allowed["density"].max()
