"""Tipping points (src/netsim/tipping.py): per-level fits and the refined experiment file.

The older tipping-point tests (known logistic x0, separation, refinement levels) are in
tests/test_analysis.py; these cover what the split added: a tipping point per level of a
second parameter, and a refined experiment written beside the results that still finds
its base scenario and network file.
"""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from netsim.analysis_report import analyse_folder
from netsim.experiments import load_experiment
from netsim.sweep import build_manifest
from netsim.tipping import refined_experiment_text, tipping_by_table, tipping_points_by


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
    assert Path(manifest["scenario_file"]).is_absolute()
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
    (out / "manifest.json").write_text(json.dumps(manifest, default=str), encoding="utf-8")
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
    manifest = {
        "experiment_text": STUDY,
        "experiment_file": str(path),
        "scenario_file": "study/../scenarios/base.toml",  # relative to a folder now unknown
    }
    text = refined_experiment_text(manifest, [35, 45], "founding_core")
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "refined.toml").write_text(text, encoding="utf-8")
    assert load_experiment(tmp_path / "results" / "refined.toml").point_count == 2
    # a library scenario keeps its name
    library = STUDY.replace('"../scenarios/base.toml"', '"third_of_eligible"').replace(
        'network_file = "../data/members.csv"\n', ""
    )
    text = refined_experiment_text({"experiment_text": library}, [35], "founding_core")
    assert tomllib.loads(text)["scenario"] == "third_of_eligible"
