"""Sensitivity indices (src/netsim/analysis/sensitivity.py) on functions whose answer is known:
SALib's Ishigami function with its analytic Sobol' indices, and a linear function whose Morris
elementary effects are its coefficients. The folder test (a Sobol and a Morris sweep through
`netsim analyse`) is in tests/test_analysis.py.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from netsim.analysis.sensitivity import morris_indices, sobol_indices
from netsim.analysis.summaries import AnalysisError

# Ishigami (a = 7, b = 0.1): analytic first and total order indices (Ishigami & Homma 1990;
# SALib's test suite pins the same values)
ISHIGAMI_S1 = (0.3139, 0.4424, 0.0)
ISHIGAMI_ST = (0.5576, 0.4424, 0.2437)


def sweep_rows(x: np.ndarray, names: list[str], y: np.ndarray, replicates: int = 1) -> pd.DataFrame:
    """Runs shaped like the sweep's: point_id in sample order, ``replicates`` runs per point."""
    points = np.repeat(np.arange(len(x)), replicates)
    frame = pd.DataFrame(x[points], columns=names)
    return frame.assign(
        run_id=np.arange(points.size),
        point_id=points,
        replicate=np.tile(np.arange(replicates), len(x)),
        seed=0,
        status="ok",
        error=None,
        seconds=0.0,
        final_adoption=y[points],
    )


def test_sobol_indices_match_ishigami_analytic_values() -> None:
    from SALib.sample import sobol as sobol_sample
    from SALib.test_functions import Ishigami

    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-math.pi, math.pi]] * 3}
    x = sobol_sample.sample(problem, 1024, seed=1)
    runs = sweep_rows(x, problem["names"], Ishigami.evaluate(x))
    result = sobol_indices(runs, problem, "final_adoption")
    assert result.indices["S1"].to_numpy() == pytest.approx(ISHIGAMI_S1, abs=0.05)
    assert result.indices["ST"].to_numpy() == pytest.approx(ISHIGAMI_ST, abs=0.05)
    assert (result.indices["S1_conf"] > 0).all()
    s2 = result.second_order.set_index(["parameter", "other"])["S2"]
    assert s2[("x1", "x3")] == pytest.approx(ISHIGAMI_ST[0] - ISHIGAMI_S1[0], abs=0.1)
    # replicates are averaged per point: +/- noise around Ishigami gives the same indices
    noisy = sweep_rows(x, problem["names"], Ishigami.evaluate(x), replicates=2)
    noisy["final_adoption"] += np.where(noisy["replicate"] == 0, 3.0, -3.0)
    again = sobol_indices(noisy, problem, "final_adoption")
    assert again.indices["S1"].to_numpy() == pytest.approx(result.indices["S1"].to_numpy())


def test_sobol_needs_every_point_and_a_saltelli_sample() -> None:
    problem = {"num_vars": 2, "names": ["a", "b"], "bounds": [[0, 1]] * 2}
    x = np.random.default_rng(0).random((48, 2))
    runs = sweep_rows(x, ["a", "b"], x.sum(axis=1))
    runs.loc[runs["point_id"] == 7, "status"] = "failed"
    with pytest.raises(AnalysisError, match="1 of 48 sample points have no successful run"):
        sobol_indices(runs, problem, "final_adoption")
    with pytest.raises(AnalysisError, match="not a Saltelli sample"):
        sobol_indices(sweep_rows(x[:47], ["a", "b"], x[:47].sum(axis=1)), problem, "final_adoption")


def test_morris_ranks_a_linear_function_by_its_coefficients() -> None:
    from SALib.sample import morris as morris_sample

    coefficients = np.array([2.0, -7.0, 0.5, 0.0])
    problem = {"num_vars": 4, "names": ["a", "b", "c", "d"], "bounds": [[0, 1]] * 4}
    x = morris_sample.sample(problem, 20, num_levels=4, seed=3)
    table = morris_indices(
        sweep_rows(x, problem["names"], x @ coefficients), problem, "final_adoption"
    )
    assert table.sort_values("mu_star", ascending=False)["parameter"].tolist() == [
        "b",
        "a",
        "c",
        "d",
    ]
    assert table["mu_star"].to_numpy() == pytest.approx(np.abs(coefficients))
    assert table["mu"].to_numpy() == pytest.approx(coefficients)
    # given the raw sample (the sweep's design.parquet), X does not come from the columns
    blurred = sweep_rows(x, problem["names"], x @ coefficients).assign(a=0.0, b=0.0, c=0.0, d=0.0)
    again = morris_indices(blurred, problem, "final_adoption", x=x)
    assert again["mu"].to_numpy() == pytest.approx(coefficients)
