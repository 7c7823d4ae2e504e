"""Sweep analysis (src/netsim/analysis/summaries.py, analysis_report.py and `netsim analyse`).

Every statistical check uses a synthetic table whose answer is known: samples of known shape,
a grid with a known tipping point, and SALib designs over functions with known indices for
the folder tests. The folder tests write a results folder in the sweep's format
(manifest.json + runs/part-*.parquet) into tmp_path. Tipping points are tested in
tests/test_tipping.py, sensitivity indices in tests/test_sensitivity.py, the experiment's
[analysis] table in tests/test_analysis_report.py.
"""

from __future__ import annotations

import inspect
import json
import math
import re
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import Result
from test_sensitivity import sweep_rows  # a sibling module: shared fixtures
from typer.testing import CliRunner

from netsim.analysis import summaries as analysis
from netsim.analysis.intervals import t_interval, wilson_interval
from netsim.analysis.sensitivity import SENSITIVITY_OUTCOMES
from netsim.analysis.summaries import (
    BIMODALITY_THRESHOLD,
    FLAG_RULES,
    LABEL_ORDER,
    LABEL_RULES,
    bimodality_coefficient,
    label_runs,
    outcome_curves,
)
from netsim.cli import app
from netsim.config.outcomes import SUMMARY_FIELDS
from netsim.present.sweep_report import analyse_folder
from netsim.results.sweep_folder import FORMAT, ID_COLUMNS, STEP_ID_COLUMNS

# Ishigami (a = 7, b = 0.1): analytic first and total order indices (Ishigami & Homma 1990;
# SALib's test suite pins the same values)
ISHIGAMI_S1 = (0.3139, 0.4424, 0.0)
ISHIGAMI_ST = (0.5576, 0.4424, 0.2437)


def make_runner() -> CliRunner:
    if "mix_stderr" in inspect.signature(CliRunner.__init__).parameters:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]  # Click < 8.2
    return CliRunner()


def error_line(result: Result) -> str:
    """The command failed with status 2 and exactly one 'netsim: error:' line on stderr."""
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    assert isinstance(result.exception, SystemExit)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("netsim: error: ")
    return lines[0]


def summary_columns(reached: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Every summary field for runs that did or did not reach critical mass (bimodal shares)."""
    n = reached.size
    active = np.where(reached, rng.normal(0.45, 0.05, n), rng.normal(0.06, 0.02, n)).clip(0, 1)
    adoption = np.where(reached, rng.normal(0.6, 0.08, n), rng.normal(0.1, 0.05, n)).clip(0, 1)
    fizzled = ~reached & (rng.random(n) < 0.4)
    columns = {
        "final_adoption": adoption,
        "peak_adoption": np.maximum(adoption, 0.2),
        "final_member_adoption": adoption,
        "ever_adopted": adoption,
        "time_to_10pct": np.where(adoption >= 0.1, 12.0, np.nan),
        "time_to_50pct": np.where(adoption >= 0.5, 40.0, np.nan),
        "time_to_90pct": np.full(n, np.nan),
        "peak_members": np.round(500 * np.maximum(active, 0.1)).astype(int),
        "final_members": np.round(500 * active).astype(int),
        "peak_active_share": np.maximum(active, 0.1),
        "final_active_share": active,
        "critical_mass_reached": reached,
        "fizzled_out": fizzled,
        "spread": adoption >= 0.5,
        "settled": reached | fizzled,
    }
    assert set(columns) == set(SUMMARY_FIELDS)
    return columns


def write_folder(
    folder: Path, runs: pd.DataFrame, manifest: dict, parts: int = 1, steps: bool = False
) -> Path:
    """A results folder in the sweep's format."""
    (folder / "runs").mkdir(parents=True)
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    for k, part in enumerate(np.array_split(np.arange(len(runs)), parts)):
        runs.iloc[part].to_parquet(folder / "runs" / f"part-{k:05d}.parquet", index=False)
    return folder


def manifest_for(design: str, varied: list[dict], replicates: int, total: int, **extra) -> dict:
    """A complete manifest in the sweep's format (netsim-sweep/1) for a synthetic run table."""
    names = [v["name"] for v in varied]
    return {
        "format": FORMAT,
        "experiment_file": "/nowhere/founding_core_funding.toml",
        "fixed": {},
        "base_parameters": {},
        "seeding": "synthetic",
        "columns": {
            "ids": list(ID_COLUMNS),
            "parameters": names,
            "summary": list(SUMMARY_FIELDS),
            "step_ids": list(STEP_ID_COLUMNS),
        },
        "files": {"runs": "runs/part-*.parquet", "steps": None, "design": None},
        "provenance": {
            "netsim_version": "0.1.0",
            "git_commit": "abc123",
            "git_dirty": False,
            "created": "2025-01-01T00:00:00+00:00",
        },
        "experiment_text": EXPERIMENT_TEXT,
        "name": "Founding core against funding",
        "description": "A synthetic sweep with a known tipping point.",
        "scenario": "default",
        "design": design,
        "varied": varied,
        "salib_problem": None,
        "replicates": replicates,
        "steps": 104,
        "seed": 1,
        "total_runs": total,
        "points": total // replicates,
        "outputs": {"steps": False, "step_every": 1},
        **extra,
    }


EXPERIMENT_TEXT = """\
name = "Founding core against funding"
scenario = "third_of_eligible"
seed = 1
replicates = 20
design = "grid"

[set]
eligible_population = 150

[vary]
founding_core = { low = 10, high = 70, num = 7 }
startup_funding = [0.2, 0.5, 0.8]
"""
SOBOL_TEXT = """\
name = "Sobol"
scenario = "third_of_eligible"
design = "sobol"
samples = 64
second_order = true

[vary]
founding_core = { low = 10, high = 70 }
startup_funding = {}
priorities = { low = 1, high = 6 }
"""


def grid_runs(replicates: int = 20, seed: int = 3) -> pd.DataFrame:
    """A grid sweep: founding_core 10..70 x startup_funding 0.2/0.5/0.8; P(critical mass)
    = logistic((founding_core - 40 + 10 (funding - 0.5)) / 4)."""
    rng = np.random.default_rng(seed)
    rows = []
    point = 0
    for core in range(10, 71, 10):
        for funding in (0.2, 0.5, 0.8):
            for r in range(replicates):
                rows.append((point, r, core, funding))
            point += 1
    frame = pd.DataFrame(
        rows, columns=["point_id", "replicate", "founding_core", "startup_funding"]
    )
    p = 1 / (1 + np.exp(-(frame["founding_core"] - 40 + 10 * (frame["startup_funding"] - 0.5)) / 4))
    reached = rng.random(len(frame)) < p.to_numpy()
    runs = pd.DataFrame(
        {
            "run_id": np.arange(len(frame)),
            "point_id": frame["point_id"],
            "replicate": frame["replicate"],
            "seed": 1000 + frame["replicate"],
            "status": "ok",
            "error": None,
            "seconds": 0.5,
            "founding_core": frame["founding_core"],
            "startup_funding": frame["startup_funding"],
            **summary_columns(reached, rng),
        }
    )
    return runs


GRID_VARIED = [
    {"name": "founding_core", "low": 10, "high": 70, "levels": None, "kind": "int"},
    {
        "name": "startup_funding",
        "low": 0.2,
        "high": 0.8,
        "levels": [0.2, 0.5, 0.8],
        "kind": "float",
    },
]


# ---------------------------------------------------------------------------
# labels


def test_label_rules_are_exclusive_and_ordered() -> None:
    combos = [(c, f, s) for c in (False, True) for f in (False, True) for s in (False, True)]
    runs = pd.DataFrame(combos, columns=["critical_mass_reached", "fizzled_out", "spread"])
    runs["status"] = "ok"
    failed = {"critical_mass_reached": None, "fizzled_out": None, "spread": None}
    runs = pd.concat([runs, pd.DataFrame([failed | {"status": "failed"}])], ignore_index=True)
    labels = label_runs(runs)["label"].tolist()
    expected = []
    for critical, fizzled, spread in combos:
        if fizzled:
            expected.append("fizzled")
        elif critical:
            expected.append("critical mass")
        elif spread:
            expected.append("spread")
        else:
            expected.append("unsettled")
    assert labels == [*expected, "failed"]
    assert set(LABEL_RULES) == set(LABEL_ORDER)
    assert list(LABEL_RULES) == ["fizzled", "critical mass", "spread", "unsettled"]  # rule order


# ---------------------------------------------------------------------------
# curves


def test_outcome_curves_use_wilson_for_booleans_and_t_for_means() -> None:
    runs = grid_runs()
    curves = outcome_curves(runs, "founding_core")
    assert sorted(curves["level"].unique()) == list(range(10, 71, 10))
    at = runs[runs["founding_core"] == 40]
    row = curves[(curves["level"] == 40) & (curves["outcome"] == "critical_mass_reached")].iloc[0]
    expected = wilson_interval(int(at["critical_mass_reached"].sum()), len(at))
    assert (row["method"], row["n"]) == ("wilson", 60)
    assert row[["mean", "ci_low", "ci_high"]].tolist() == pytest.approx(list(expected[:3]))
    row = curves[(curves["level"] == 40) & (curves["outcome"] == "final_adoption")].iloc[0]
    expected = t_interval(at["final_adoption"].to_numpy())
    assert row["method"] == "t"
    assert row[["mean", "ci_low", "ci_high"]].tolist() == pytest.approx(list(expected[:3]))


def test_many_valued_parameters_are_binned() -> None:
    rng = np.random.default_rng(0)
    values = pd.Series(rng.uniform(0, 100, 500))
    levels = analysis.levels_of(values)
    assert levels.nunique() == analysis.BINS
    edges = np.linspace(values.min(), values.max(), analysis.BINS + 1)
    assert np.allclose(np.sort(levels.unique()), (edges[:-1] + edges[1:]) / 2)
    assert (levels - values).abs().max() <= (edges[1] - edges[0]) / 2 + 1e-9


# ---------------------------------------------------------------------------
# bimodality


def test_sarle_coefficient_separates_one_mode_from_two() -> None:
    rng = np.random.default_rng(5)
    normal = rng.normal(0.3, 0.05, 400)
    bimodal = np.concatenate([rng.normal(0.05, 0.02, 200), rng.normal(0.45, 0.05, 200)])
    assert bimodality_coefficient(normal) < BIMODALITY_THRESHOLD
    assert bimodality_coefficient(normal) == pytest.approx(1 / 3, abs=0.05)
    assert bimodality_coefficient(bimodal) > BIMODALITY_THRESHOLD
    # the threshold is the uniform distribution's value
    assert bimodality_coefficient(rng.uniform(0, 1, 200_000)) == pytest.approx(5 / 9, abs=0.01)
    assert math.isnan(bimodality_coefficient([0.1, 0.2, 0.3]))
    assert math.isnan(bimodality_coefficient(np.zeros(50)))


# ---------------------------------------------------------------------------
# results folders


def test_analyse_folder_writes_report_tables_and_figures(tmp_path: Path) -> None:
    runs = grid_runs()
    # a resume wrote run 5 twice (failed first) and one run failed for good
    again = runs.iloc[[5]].assign(status="failed", error="boom", final_adoption=np.nan)
    runs = runs.astype({c: object for c in analysis.BOOLEAN_OUTCOMES})
    runs.loc[7, ["status", "error"]] = ["failed", "MemoryError: out of memory"]
    runs.loc[7, list(SUMMARY_FIELDS)] = None
    stored = pd.concat([again, runs], ignore_index=True)
    manifest = manifest_for("grid", GRID_VARIED, 20, len(runs))
    folder = write_folder(tmp_path / "sweep", stored, manifest, parts=3)
    out = analyse_folder(folder, bootstrap=200)
    assert out == folder / "analysis"
    names = {p.name for p in out.iterdir()}
    expected = {
        "runs_labelled.csv",
        "label_counts.csv",
        "level_summary.csv",
        "tipping_point.csv",
        "bimodality.csv",
        "report.md",
        "report.html",
        "analysis.json",
        "labels.png",
        "tipping_point.png",
        "distributions.png",
        "curves_founding_core.png",
        "curves_startup_funding.png",
        "phase_founding_core__startup_funding.png",
        "phase_founding_core__startup_funding.csv",
        "refined_experiment.toml",
    }
    assert expected <= names
    for png in (n for n in names if n.endswith(".png")):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    labelled = pd.read_csv(out / "runs_labelled.csv")
    assert len(labelled) == len(runs)  # deduplicated by run_id
    assert labelled.loc[labelled["run_id"] == 5, "status"].item() == "ok"
    assert labelled.loc[labelled["run_id"] == 7, "label"].item() == "failed"
    assert set(labelled["label"]) <= {*LABEL_ORDER, "failed"}

    tp = pd.read_csv(out / "tipping_point.csv").iloc[0]
    assert tp["parameter"] == "founding_core" and tp["method"] == "logistic"
    assert tp["ci_low"] <= 40 <= tp["ci_high"]  # pooled over funding 0.2/0.5/0.8: x0 = 40
    report = (out / "report.md").read_text(encoding="utf-8")
    assert re.search(r"P\(critical mass\) crosses 1/2 at founding\\_core ≈ \d", report)
    for heading in ("What was run", "Run labels", "Tipping point", "Bimodality", "Phase diagrams"):
        assert heading in report
    assert "No sensitivity indices" in report
    assert "abc123" in report and "MemoryError" in report
    flat = " ".join(report.split()).replace("\\", "")
    for flag, rule in FLAG_RULES.items():  # each field's rule, worded as declared
        assert f"`{flag}`: {' '.join(rule.split())}." in flat, flag
    ok = labelled[labelled["status"] == "ok"]
    settled = int(ok["settled"].astype(bool).sum())
    assert f"{settled} of {len(ok)} successful runs" in flat
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.count("data:image/png;base64,") == len([n for n in names if n.endswith(".png")])
    refined = tomllib.loads((out / "refined_experiment.toml").read_text(encoding="utf-8"))
    levels = refined["vary"]["founding_core"]
    assert levels and all(isinstance(v, int) and 30 < v < 50 for v in levels)
    bimodality = pd.read_csv(out / "bimodality.csv")
    assert bimodality.loc[bimodality["level"] == 40, "bimodal"].item()
    assert not bimodality.loc[bimodality["level"] == 10, "bimodal"].item()

    # a second analysis along the other parameter removes files the first wrote only
    (out / "notes-by-hand.txt").write_text("keep me")
    analyse_folder(folder, parameter="startup_funding", bootstrap=50)
    assert (out / "notes-by-hand.txt").exists()
    assert not (out / "refined_experiment.toml").exists() or "startup_funding" in (
        out / "refined_experiment.toml"
    ).read_text(encoding="utf-8")


def test_analyse_folder_on_sobol_and_morris_designs(tmp_path: Path) -> None:
    from SALib.sample import morris as morris_sample
    from SALib.sample import sobol as sobol_sample

    names = ["founding_core", "startup_funding"]
    problem = {"num_vars": 2, "names": names, "bounds": [[10, 70], [0.0, 1.0]]}
    varied = [
        {"name": "founding_core", "low": 10, "high": 70, "levels": None, "kind": "float"},
        {"name": "startup_funding", "low": 0, "high": 1, "levels": None, "kind": "float"},
    ]
    rng = np.random.default_rng(0)
    for design, x in (
        ("sobol", sobol_sample.sample(problem, 64, seed=1)),
        ("morris", morris_sample.sample(problem, 30, num_levels=4, seed=1)),
    ):
        p = 1 / (1 + np.exp(-(x[:, 0] - 40) / 4))
        runs = sweep_rows(x, problem["names"], np.zeros(len(x)))
        columns = summary_columns(rng.random(len(runs)) < p, rng)
        columns["final_adoption"] = 0.01 * x[:, 0] + 0.1 * x[:, 1]
        runs = runs.assign(**columns)
        manifest = manifest_for(design, varied, 1, len(runs), salib_problem=problem)
        folder = write_folder(tmp_path / design, runs, manifest)
        raw = pd.DataFrame(x, columns=problem["names"]).assign(point_id=np.arange(len(x)))
        raw.sample(frac=1, random_state=0).to_parquet(folder / "design.parquet")  # any row order
        out = analyse_folder(folder, bootstrap=100)
        table = pd.read_csv(out / f"{design}.csv")
        assert set(table["outcome"]) == set(SENSITIVITY_OUTCOMES)
        assert (out / f"{design}.png").is_file()
        adoption = table[table["outcome"] == "final_adoption"].set_index("parameter")
        key = "ST" if design == "sobol" else "mu_star"
        assert adoption.loc["founding_core", key] > adoption.loc["startup_funding", key]
        report = (out / "report.md").read_text(encoding="utf-8")
        assert "Sensitivity" in report and "No phase diagram" in report
        assert ("equal-width bins" in report) == (design == "sobol")  # Morris: 4 levels


def test_a_choice_parameter_gets_curves_but_no_tipping_point(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    styles = np.repeat(["distributed", "figurehead", "hierarchical"], 30)
    reached = rng.random(styles.size) < np.where(styles == "hierarchical", 0.1, 0.7)
    runs = pd.DataFrame(
        {
            "run_id": np.arange(styles.size),
            "point_id": np.repeat([0, 1, 2], 30),
            "replicate": np.tile(np.arange(30), 3),
            "seed": 0,
            "status": "ok",
            "error": None,
            "seconds": 0.1,
            "leadership_style": styles,
            **summary_columns(reached, rng),
        }
    )
    choices = ["distributed", "figurehead", "hierarchical"]
    varied = [{"name": "leadership_style", "levels": choices, "kind": "choice"}]
    folder = write_folder(tmp_path / "list", runs, manifest_for("list", varied, 30, 90))
    out = analyse_folder(folder, bootstrap=10)
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "No tipping point: leadership\\_style is not numeric" in report
    assert (out / "curves_leadership_style.png").is_file()
    assert not (out / "tipping_point.png").exists()
    curves = pd.read_csv(out / "level_summary.csv")
    assert set(curves["level"]) == {"distributed", "figurehead", "hierarchical"}


# ---------------------------------------------------------------------------
# the command


@pytest.fixture
def grid_folder(tmp_path: Path) -> Path:
    runs = grid_runs(replicates=6)
    return write_folder(tmp_path / "sweep", runs, manifest_for("grid", GRID_VARIED, 6, len(runs)))


def test_cli_analyse_prints_where_the_report_is(grid_folder: Path) -> None:
    result = make_runner().invoke(
        app, ["analyse", str(grid_folder), "--parameter", "founding_core", "--bootstrap", "50"]
    )
    assert result.exit_code == 0, result.stderr
    assert f"report: {grid_folder / 'analysis' / 'report.html'}" in result.stdout
    assert (grid_folder / "analysis" / "report.html").is_file()
    stages = [line for line in result.stderr.splitlines() if line.startswith("netsim: analysing:")]
    assert stages[0].startswith("netsim: analysing: outcome curves by level")
    assert any("tipping point along founding_core (50 bootstrap resamples)" in s for s in stages)
    assert stages[-1].startswith("netsim: analysing: writing the report")
    assert all(re.search(r"\(\d+ s so far\)$", line) for line in stages)


def test_cli_analyse_errors_are_one_line(tmp_path: Path, grid_folder: Path) -> None:
    runner = make_runner()

    def error(*args: str) -> str:
        return error_line(runner.invoke(app, ["analyse", *args]))

    assert "does not exist" in error(str(tmp_path / "nowhere"))
    (tmp_path / "file.txt").write_text("x")
    assert "is not a folder" in error(str(tmp_path / "file.txt"))
    (tmp_path / "empty").mkdir()
    assert "has no manifest.json" in error(str(tmp_path / "empty"))
    assert "did you mean 'critical_mass_reached'" in error(
        str(grid_folder), "--outcome", "critical_mass"
    )
    assert "not allowed" in error(str(grid_folder), "--outcome", "final_adoption")
    line = error(str(grid_folder), "--parameter", "funding")
    assert "parameter 'funding'" in line and "founding_core, startup_funding" in line
    assert "--bootstrap must be at least 1" in error(str(grid_folder), "--bootstrap", "0")

    manifest = json.loads((grid_folder / "manifest.json").read_text())
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "manifest.json").write_text("{not json")
    assert "manifest.json: cannot be read" in error(str(broken))
    without_varied = {k: v for k, v in manifest.items() if k != "varied"}
    (broken / "manifest.json").write_text(json.dumps(without_varied))
    assert "has no 'varied' key" in error(str(broken))
    (broken / "manifest.json").write_text(json.dumps(manifest))
    assert "has no runs/*.parquet" in error(str(broken))
    (broken / "runs").mkdir()
    failed = grid_runs(replicates=1).assign(status="failed")
    failed.to_parquet(broken / "runs" / "part-00000.parquet")
    assert "no successful runs" in error(str(broken))
    failed.drop(columns="spread").to_parquet(broken / "runs" / "part-00000.parquet")
    assert "no 'spread' column" in error(str(broken))


def test_the_analysis_does_not_depend_on_the_order_runs_finished_in(tmp_path: Path) -> None:
    """A process pool writes runs in the order they finish; the bootstrap must not notice."""
    runs = grid_runs()
    manifest = manifest_for("grid", GRID_VARIED, 20, len(runs))
    shuffled = runs.sample(frac=1, random_state=11)
    one = analyse_folder(write_folder(tmp_path / "a", runs, manifest, parts=2), bootstrap=200)
    two = analyse_folder(write_folder(tmp_path / "b", shuffled, manifest, parts=3), bootstrap=200)
    for name in ("tipping_point.csv", "runs_labelled.csv", "level_summary.csv"):
        assert (one / name).read_text(encoding="utf-8") == (two / name).read_text(encoding="utf-8")
