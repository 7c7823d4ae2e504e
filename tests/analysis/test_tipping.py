"""Tipping points (src/netsim/analysis/tipping.py), on synthetic runs whose answer is known: a
logistic "model" with a known x0 (also per level of a second parameter), a step function,
and refined experiment files that the experiment loader accepts, including one written
beside the results that still finds its base scenario and network file.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_summaries import EXPERIMENT_TEXT, SOBOL_TEXT  # a sibling module: shared fixtures

from netsim.analysis import tipping
from netsim.analysis.summaries import AnalysisError
from netsim.analysis.tipping import (
    refine_experiment,
    suggest_refinement,
    tipping_by_table,
    tipping_point,
    tipping_points_by,
)
from netsim.batch.sweep import build_manifest
from netsim.config.experiments import load_experiment
from netsim.present.sweep_report import analyse_folder
from netsim.results.sweep_folder import Factor


def logistic_runs(
    x0: float = 3.7, s: float = 0.3, replicates: int = 200, seed: int = 4
) -> pd.DataFrame:
    """y ~ Bernoulli(logistic((x - x0) / s)) at x = 1..7, ``replicates`` runs per level."""
    rng = np.random.default_rng(seed)
    x = np.repeat(np.arange(1, 8), replicates)
    y = rng.random(x.size) < 1 / (1 + np.exp(-(x - x0) / s))
    return pd.DataFrame(
        {
            "run_id": np.arange(x.size),
            "status": "ok",
            "founding_core": x,
            "critical_mass_reached": y,
            "fizzled_out": False,
            "spread": False,
        }
    )


def test_tipping_point_recovers_a_known_logistic_x0() -> None:
    tp = tipping_point(logistic_runs(), "founding_core")
    assert tp.method == "logistic"
    assert tp.ci_low <= 3.7 <= tp.ci_high
    assert tp.ci_high - tp.ci_low < 0.5
    assert abs(tp.x0 - 3.7) < 0.15
    assert tp.s == pytest.approx(0.3, abs=0.1)
    assert tp.n_bootstrap == tipping.BOOTSTRAP
    assert re.fullmatch(
        r"P\(critical mass\) crosses 1/2 at founding_core ≈ [\d.]+ \(95% CI [\d.]+ to [\d.]+\)\.",
        tp.statement(),
    )
    first, again = (tipping_point(logistic_runs(), "founding_core", bootstrap=100) for _ in "ab")
    assert (again.ci_low, again.ci_high) == (first.ci_low, first.ci_high)  # seeded bootstrap


def test_a_falling_curve_has_a_negative_width() -> None:
    runs = logistic_runs(x0=4.2, s=-0.4)
    tp = tipping_point(runs, "founding_core", bootstrap=200)
    assert tp.s < 0 and tp.ci_low <= 4.2 <= tp.ci_high


def test_perfect_separation_falls_back_to_the_midpoint() -> None:
    runs = logistic_runs()
    runs["critical_mass_reached"] = runs["founding_core"] >= 4  # a step: 0 at 1..3, 1 at 4..7
    tp = tipping_point(runs, "founding_core")
    assert tp.method == "separation"
    assert 3 < tp.x0 < 4 and tp.x0 == 3.5
    assert (tp.ci_low, tp.ci_high) == (3, 4)
    assert math.isnan(tp.s)
    assert "jumps between founding_core = 3 and 4" in tp.statement()
    falling = runs.assign(critical_mass_reached=runs["founding_core"] < 6)
    assert tipping_point(falling, "founding_core").x0 == 5.5
    # quasi-complete: one mixed level between all-0 and all-1 levels
    mixed = runs.assign(critical_mass_reached=(runs["founding_core"] > 4) | (runs["run_id"] == 650))
    tp = tipping_point(mixed, "founding_core")
    assert (tp.method, tp.x0, tp.ci_low, tp.ci_high) == ("separation", 4, 3, 5)
    assert "jumps at founding_core ≈ 4, the only level with mixed outcomes" in tp.statement()


def test_no_crossing_is_reported_not_invented() -> None:
    runs = logistic_runs().assign(critical_mass_reached=False)
    tp = tipping_point(runs, "founding_core")
    assert not tp.found and tp.method == "none"
    assert "P = 0 at every level" in tp.statement()
    with pytest.raises(AnalysisError, match="nothing to refine"):
        suggest_refinement(runs, "founding_core")


def test_tipping_point_needs_a_yes_no_outcome_and_a_numeric_parameter() -> None:
    runs = logistic_runs().assign(final_adoption=0.5, style="a")
    with pytest.raises(AnalysisError, match="not a yes/no outcome"):
        tipping_point(runs, "founding_core", "final_adoption")
    with pytest.raises(AnalysisError, match="not numeric"):
        tipping_point(runs, "style")


def test_suggest_refinement_spans_the_interval_finely() -> None:
    runs = logistic_runs()
    tp = tipping_point(runs, "founding_core")
    levels = suggest_refinement(runs, "founding_core", tipping=tp, integer=False, points=9)
    assert len(levels) == 9
    assert min(levels) < tp.ci_low and max(levels) > tp.ci_high
    assert np.allclose(np.diff(levels), np.diff(levels)[0])
    assert max(levels) - min(levels) < 1  # finer than the sampled spacing
    # integer parameter, jump between sampled levels 3 and 4: nothing new to try
    assert suggest_refinement(runs, "founding_core", tipping=tp) == []
    # a separated step on a coarse integer grid: integers across the gap, none sampled before
    coarse = runs.assign(founding_core=runs["founding_core"] * 10)
    coarse["critical_mass_reached"] = coarse["founding_core"] >= 40
    levels = suggest_refinement(coarse, "founding_core", points=9)
    assert all(isinstance(v, int) for v in levels)
    assert levels == list(range(31, 40))
    assert suggest_refinement(coarse, "founding_core", bounds=(0, 35)) == [31, 32, 33, 34, 35]


def test_refined_experiment_text_is_a_valid_grid_experiment(tmp_path: Path) -> None:
    from netsim.config.experiments import load_experiment

    text = refine_experiment(EXPERIMENT_TEXT, [33, 36], "founding_core")
    document = tomllib.loads(text)
    assert document["vary"] == {"founding_core": [33, 36], "startup_funding": [0.2, 0.5, 0.8]}
    assert document["set"] == {"eligible_population": 150}
    assert (document["design"], document["name"]) == (
        "grid",
        "Founding core against funding (refined)",
    )
    (tmp_path / "refined.toml").write_text(text, encoding="utf-8")
    experiment = load_experiment(tmp_path / "refined.toml")
    assert experiment.point_count == 6 and experiment.varied == ("founding_core", "startup_funding")

    # a sampled design: the other parameters are fixed at the middle of their ranges
    varied = [
        Factor("founding_core", low=10.0, high=70.0, kind="int"),
        Factor("startup_funding", low=0.0, high=1.0, kind="float"),
        Factor("priorities", low=1.0, high=6.0, kind="int"),
    ]
    text = refine_experiment(SOBOL_TEXT, [38, 40, 42], "founding_core", varied=varied)
    document = tomllib.loads(text)
    assert document["vary"] == {"founding_core": [38, 40, 42]}
    assert document["set"] == {"startup_funding": 0.5, "priorities": 4}  # 3.5 rounds half up
    assert not {"samples", "second_order", "levels"} & set(document)
    (tmp_path / "refined.toml").write_text(text, encoding="utf-8")
    assert load_experiment(tmp_path / "refined.toml").point_count == 3

    with pytest.raises(AnalysisError, match="does not name 'funding'"):
        refine_experiment(SOBOL_TEXT, [1], "funding", varied=varied)
    with pytest.raises(AnalysisError, match="no 'experiment_text'"):
        refine_experiment("", [1], "founding_core")
    listed = 'design = "list"\n[vary]\nfounding_core = [1, 2]\nreciprocity = [0.1, 0.2]\n'
    with pytest.raises(AnalysisError, match="list design"):
        refine_experiment(listed, [1], "founding_core")


def two_thresholds(replicates: int = 60, seed: int = 7) -> pd.DataFrame:
    """P(critical mass) = logistic((core - x0) / 3) with x0 = 30 at trust 0.3, 50 at 0.7."""
    rng = np.random.default_rng(seed)
    rows = []
    for trust, x0 in ((0.3, 50.0), (0.7, 30.0)):
        for core in range(10, 81, 10):
            p = 1 / (1 + np.exp(-(core - x0) / 3))
            for _ in range(replicates):
                rows.append((core, trust, bool(rng.random() < p)))
    frame = pd.DataFrame(rows, columns=["founding_core", "initial_trust", "critical_mass_reached"])
    return frame.assign(run_id=np.arange(len(frame)), status="ok", fizzled_out=False, spread=False)


def test_tipping_points_by_recovers_each_levels_threshold() -> None:
    points = tipping_points_by(two_thresholds(), "founding_core", "initial_trust", bootstrap=200)
    assert list(points) == [0.3, 0.7]
    for level, x0 in ((0.3, 50.0), (0.7, 30.0)):
        tp = points[level]
        assert tp.method == "logistic" and tp.ci_low <= x0 <= tp.ci_high
        assert tp.n_runs == 8 * 60
    # the shift (20 founders) is far larger than either interval: the split shows it
    assert points[0.7].ci_high < points[0.3].ci_low
    table = tipping_by_table(points, "initial_trust")
    assert list(table["by_level"]) == [0.3, 0.7] and set(table["by"]) == {"initial_trust"}
    assert table["x0"].is_monotonic_decreasing


STUDY = """\
name = "tiny founding-core sweep"
scenario = "../scenarios/base.toml"
replicates = 40
steps = 5
design = "grid"

[set]
eligible_population = 100
network_file = "../data/members.csv"

[vary]
founding_core = [10, 20, 30, 40, 50, 60, 70]
"""


def study_folder(root: Path) -> Path:
    """An experiment whose scenario and network file are paths relative to it."""
    (root / "scenarios").mkdir()
    (root / "scenarios" / "base.toml").write_text(
        'name = "base"\n[network]\neligible_population = 120\n', encoding="utf-8"
    )
    (root / "data").mkdir()
    (root / "data" / "members.csv").write_text("source,target\na,b\nb,c\n", encoding="utf-8")
    (root / "study").mkdir()
    (root / "study" / "founding.toml").write_text(STUDY, encoding="utf-8")
    return root / "study" / "founding.toml"


def test_the_refined_experiment_analyse_writes_loads_from_any_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    study_folder(tmp_path)
    monkeypatch.chdir(tmp_path)  # the sweep was started with relative paths
    experiment = load_experiment(Path("study/founding.toml"))
    manifest = build_manifest(experiment)
    assert manifest.scenario_file is not None and Path(manifest.scenario_file).is_absolute()
    # a results folder as the sweep writes it, with a known jump at founding_core = 40
    rng = np.random.default_rng(3)
    core = np.repeat(experiment.factors[0].levels, 40)
    reached = rng.random(core.size) < 1 / (1 + np.exp(-(core - 40) / 5))
    runs = pd.DataFrame(
        {
            "run_id": np.arange(core.size),
            "point_id": np.repeat(np.arange(7), 40),
            "replicate": np.tile(np.arange(40), 7),
            "seed": np.arange(core.size),
            "status": "ok",
            "founding_core": core,
            "critical_mass_reached": reached,
            "fizzled_out": ~reached,
            "spread": reached,
            "final_active_share": np.where(reached, 0.5, 0.05),
        }
    )
    out = Path("results") / "tiny"
    (out / "runs").mkdir(parents=True)
    (out / "manifest.json").write_text(manifest.dumps(), encoding="utf-8")
    runs.to_parquet(out / "runs" / "part-00000.parquet", index=False)
    analysis = analyse_folder(out, bootstrap=50)

    refined = analysis / "refined_experiment.toml"
    document = tomllib.loads(refined.read_text(encoding="utf-8"))
    assert Path(document["scenario"]).is_absolute()
    assert Path(document["set"]["network_file"]).is_absolute()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    loaded = load_experiment(tmp_path / refined)
    assert loaded.scenario.name == "base" and loaded.design == "grid"
    assert loaded.varied == ("founding_core",)
    assert all(30 < v < 50 for v in loaded.factors[0].levels)
    assert loaded.base.eligible_population == 100
    # loading it relative to the current folder works too
    relative = Path(os.path.relpath(tmp_path / refined, elsewhere))
    assert load_experiment(relative).point_count == loaded.point_count


def test_an_older_manifests_relative_scenario_file_is_resolved_from_the_experiment(
    tmp_path: Path,
) -> None:
    path = study_folder(tmp_path)
    text = refine_experiment(
        STUDY,
        [35, 45],
        "founding_core",
        experiment_file=str(path),
        scenario_file="study/../scenarios/base.toml",  # relative to a folder now unknown
    )
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "refined.toml").write_text(text, encoding="utf-8")
    assert load_experiment(tmp_path / "results" / "refined.toml").point_count == 2
    # a library scenario keeps its name
    library = STUDY.replace('"../scenarios/base.toml"', '"third_of_eligible"').replace(
        'network_file = "../data/members.csv"\n', ""
    )
    text = refine_experiment(library, [35], "founding_core")
    assert tomllib.loads(text)["scenario"] == "third_of_eligible"
