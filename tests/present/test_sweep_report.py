"""The experiment file's [analysis] table: validated when the experiment loads, read by
`netsim analyse` as its defaults, and the figures it names copied by ``--figures``.

The report's content and the other folder tests are in tests/test_analysis.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from netsim.analysis.summaries import AnalysisError
from netsim.batch.sweep import build_manifest
from netsim.cli import app
from netsim.config.experiments import load_experiment
from netsim.config.scenarios import ScenarioError
from netsim.present.sweep_report import analyse_folder

EXPERIMENT = """\
name = "founding core by trust"
scenario = "third_of_eligible"
replicates = 30
steps = 5
design = "grid"

[vary]
founding_core = [10, 20, 30, 40, 50, 60, 70]
initial_trust = [0.3, 0.7]

[analysis]
outcome = "fizzled_out"
parameter = "founding_core"
by = "initial_trust"
phase_outcomes = ["fizzled_out", "final_active_share"]
figures = ["tipping_by.png", "phase_founding_core__initial_trust.png"]
"""


def write_sweep(root: Path, text: str = EXPERIMENT) -> Path:
    """A results folder as `netsim sweep` writes it; P(fizzle) falls with the founding core,
    crossing 1/2 at 50 with trust 0.3 and at 30 with trust 0.7."""
    (root / "study").mkdir(parents=True)
    path = root / "study" / "core_by_trust.toml"
    path.write_text(text, encoding="utf-8")
    experiment = load_experiment(path)
    rng = np.random.default_rng(5)
    rows = []
    for point in experiment.points():
        x0 = 50 if point["initial_trust"] == 0.3 else 30
        for replicate in range(experiment.replicates):
            fizzled = bool(rng.random() < 1 / (1 + np.exp((point["founding_core"] - x0) / 4)))
            rows.append(
                {
                    **point,
                    "replicate": replicate,
                    "status": "ok",
                    "fizzled_out": fizzled,
                    "critical_mass_reached": not fizzled,
                    "spread": not fizzled,
                    "final_active_share": 0.05 if fizzled else 0.5,
                    "final_adoption": 0.05 if fizzled else 0.6,
                }
            )
    runs = pd.DataFrame(rows)
    runs["run_id"] = np.arange(len(runs))
    runs["seed"] = runs["run_id"]
    out = root / "results" / "core_by_trust"
    (out / "runs").mkdir(parents=True)
    manifest = build_manifest(experiment)
    (out / "manifest.json").write_text(manifest.dumps(), encoding="utf-8")
    runs.to_parquet(out / "runs" / "part-00000.parquet", index=False)
    return out


def test_the_analysis_table_sets_the_defaults_and_names_the_figures(tmp_path: Path) -> None:
    out = write_sweep(tmp_path)
    figures = tmp_path / "figures" / "findings"
    analysis = analyse_folder(out, bootstrap=100, figures=figures)
    record = json.loads((analysis / "analysis.json").read_text(encoding="utf-8"))
    assert (record["outcome"], record["parameter"]) == ("fizzled_out", "founding_core")
    by = pd.read_csv(analysis / "tipping_by.csv")
    assert list(by["by_level"]) == [0.3, 0.7]
    low, high = by.iloc[0], by.iloc[1]
    assert low["ci_low"] <= 50 <= low["ci_high"] and high["ci_low"] <= 30 <= high["ci_high"]
    assert (by["s"] < 0).all()  # P(fizzle) falls as the founding core grows
    phase = pd.read_csv(analysis / "phase_founding_core__initial_trust.csv")
    assert {"fizzled_out", "final_active_share"} <= set(phase.columns)
    assert "final_adoption" not in phase.columns
    for outcome in ("fizzled_out", "final_active_share"):  # each cell's 95% interval
        low, high = phase[f"{outcome}_ci_low"], phase[f"{outcome}_ci_high"]
        assert ((low <= phase[outcome] + 1e-12) & (phase[outcome] <= high + 1e-12)).all()
    assert (phase["fizzled_out_ci_low"] >= 0).all() and (phase["fizzled_out_ci_high"] <= 1).all()
    report = (analysis / "report.md").read_text(encoding="utf-8")
    assert "Tipping point by initial\\_trust" in report
    copied = sorted(p.name for p in figures.iterdir())
    assert copied == [
        "core_by_trust_phase_founding_core__initial_trust.png",
        "core_by_trust_tipping_by.png",
    ]
    assert (figures / copied[1]).read_bytes() == (analysis / "tipping_by.png").read_bytes()

    # an explicit choice still wins over the file's
    analyse_folder(out, outcome="critical_mass_reached", bootstrap=50)
    record = json.loads((analysis / "analysis.json").read_text(encoding="utf-8"))
    assert record["outcome"] == "critical_mass_reached"


def test_a_figure_the_analysis_did_not_draw_is_an_error(tmp_path: Path) -> None:
    text = EXPERIMENT.replace('"tipping_by.png", ', '"sobol.png", ')
    out = write_sweep(tmp_path, text)
    with pytest.raises(AnalysisError, match=r"drew no sobol\.png"):
        analyse_folder(out, bootstrap=20, figures=tmp_path / "figures")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('outcom = "spread"', "did you mean 'outcome'"),
        ('outcome = "final_adoption"', "not a yes/no outcome"),
        ('parameter = "reciprocity"', "'reciprocity' is not varied"),
        ('by = "founding_core"', "must differ from 'parameter'"),
        ('phase_outcomes = ["adoption"]', "list of summary fields"),
        ('figures = ["../x.png"]', "list of figure file names"),
        ('discover = ["final_adoption"]', "list of yes/no outcomes"),
        ("discover = []", "list of yes/no outcomes"),
    ],
)
def test_analysis_table_mistakes_fail_when_the_experiment_loads(
    tmp_path: Path, line: str, message: str
) -> None:
    text = EXPERIMENT.split("[analysis]")[0] + '[analysis]\nparameter = "founding_core"\n'
    if not line.startswith("parameter"):
        text += line + "\n"
    else:
        text = text.replace('parameter = "founding_core"', line)
    path = tmp_path / "x.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError, match=message):
        load_experiment(path)


def test_cli_figures_option(tmp_path: Path) -> None:
    out = write_sweep(tmp_path)
    result = CliRunner().invoke(
        app, ["analyse", str(out), "--bootstrap", "20", "--figures", str(tmp_path / "f")]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "f" / "core_by_trust_tipping_by.png").is_file()
