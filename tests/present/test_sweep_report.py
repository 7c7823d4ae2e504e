"""The experiment file's [analysis] table: validated when the experiment loads, read by
`netsim analyse` as its defaults, and the figures it names copied by ``--figures``; and the
report explaining itself (issue 16): a legend under every table, the bimodality rule with
its floor on the spread, a negative logistic width in words, missing intervals in words.

The report's content and the other folder tests are in tests/test_analysis.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from netsim.analysis.summaries import (
    BIMODALITY_MIN_SD,
    BIMODALITY_THRESHOLD,
    AnalysisError,
    bimodality_table,
)
from netsim.batch.sweep import build_manifest
from netsim.cli import app
from netsim.config.experiments import load_experiment
from netsim.config.outcomes import OUTCOME_LABELS
from netsim.config.scenarios import ScenarioError
from netsim.present.compare_report import Table, render_markdown
from netsim.present.sweep_report import (
    Analysis,
    _bimodal_text,
    analyse,
    analyse_folder,
    report_blocks,
)
from netsim.results.sweep_folder import SweepFolder

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


# --- the report explains itself (issue 16) -------------------------------------------------


@pytest.fixture(scope="module")
def explained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Analysis, list]:
    """The report of the fixture sweep, with one run failed for good."""
    out = write_sweep(tmp_path_factory.mktemp("explained"))
    folder = SweepFolder(out)
    runs = folder.runs(required=True).astype({"fizzled_out": object})
    runs.loc[3, ["status", "fizzled_out"]] = ["failed", None]
    result = analyse(folder.manifest, runs, bootstrap=50)
    return result, report_blocks(result, ["report.md"])


def test_every_column_of_every_table_is_explained_under_it(explained: tuple) -> None:
    _, blocks = explained
    tables = [b for b in blocks if isinstance(b, Table)]
    assert len(tables) >= 7  # varied, labels, outcomes, tipping, by level, bimodality, failed
    outcome_columns = set(OUTCOME_LABELS.values())
    for table in tables:
        assert table.caption, table.headers
        for header in table.headers:
            if header not in outcome_columns:  # those: "each outcome column" and the rules
                assert header in table.caption, (header, table.caption)


def test_a_negative_logistic_width_is_explained_in_words(explained: tuple) -> None:
    result, blocks = explained
    assert result.tipping is not None and result.tipping.s < 0  # fizzle-out falls with the core
    md = " ".join(render_markdown(blocks).split()).replace("\\", "")
    assert "negative: P(fizzle-out) falls as founding_core rises, from 73% at x0" in md
    assert "s < 0 means the share falls as the parameter rises" in md


def test_the_report_states_its_bimodality_rule(explained: tuple) -> None:
    _, blocks = explained
    md = " ".join(render_markdown(blocks).split()).replace("\\", "")
    floor = f"{100 * BIMODALITY_MIN_SD:.1f} pts"
    assert (
        f"a level is bimodal if b > 5/9 and the runs' standard deviation is at least {floor}" in md
    )
    assert f"bimodal?: yes if b > 5/9 and sd ≥ {floor}" in md


def test_a_tiny_spread_is_not_called_bimodal_whatever_its_coefficient() -> None:
    """The issue's case: a level whose runs end within a couple of points (sd 0.017) had a
    Sarle coefficient above 5/9 and was called bimodal."""
    rng = np.random.default_rng(1)
    tiny = np.concatenate([np.full(14, 0.50), np.full(6, 0.535)]) + rng.normal(0, 0.001, 20)
    wide = np.concatenate([np.full(10, 0.05), np.full(10, 0.50)]) + rng.normal(0, 0.01, 20)
    runs = pd.DataFrame(
        {"founding_core": [10] * 20 + [40] * 20, "final_active_share": np.concatenate([tiny, wide])}
    )
    table = bimodality_table(runs, "founding_core").set_index("level")
    assert table.loc[10, "sd"] < BIMODALITY_MIN_SD
    assert table.loc[10, "bimodality"] > BIMODALITY_THRESHOLD  # the shape alone says two modes
    assert not table.loc[10, "bimodal"]
    assert table.loc[40, "bimodal"]
    row = table.reset_index().iloc[0]
    assert _bimodal_text(row) == f"no: b above 5/9 but sd below {100 * BIMODALITY_MIN_SD:.1f} pts"


def test_a_missing_interval_is_said_in_words_not_dashes(explained: tuple) -> None:
    result, _ = explained
    never = result.runs.assign(spread=False)  # P(spread) = 0 everywhere: no tipping point
    again = analyse(result.manifest, never, outcome="spread", bootstrap=20)
    blocks = report_blocks(again, [])
    tipping = next(b for b in blocks if isinstance(b, Table) and b.headers[0] == "outcome")
    assert tipping.rows[0][3:5] == ("none", "none: no tipping point")
    cells = [c for b in blocks if isinstance(b, Table) for row in b.rows for c in row]
    assert not [c for c in cells if "–" in c]
