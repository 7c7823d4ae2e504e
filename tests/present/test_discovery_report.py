"""`netsim analyse DIR --discover OUTCOME`: the discovery folder, its report and its errors."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from test_sweep_report import write_sweep  # a sibling module: a sweep folder with known runs
from typer.testing import CliRunner

from netsim.cli import app
from netsim.present.discovery_report import discover_folder

EXPERIMENT = """\
name = "core by trust"
scenario = "third_of_eligible"
replicates = 30
steps = 5
design = "grid"

[vary]
founding_core = [10, 20, 30, 40, 50, 60, 70]
initial_trust = [0.3, 0.7]
"""


def test_the_folder_holds_the_boxes_the_figure_and_a_report(tmp_path: Path) -> None:
    # P(fizzle) falls with the founding core, crossing 1/2 at 50 (trust 0.3) and 30 (0.7)
    folder = discover_folder(write_sweep(tmp_path, EXPERIMENT), "fizzled_out")
    assert folder.name == "fizzled_out" and folder.parent.name == "discovery"
    assert sorted(p.name for p in folder.iterdir()) == [
        "boxes.csv",
        "peeling.png",
        "report.html",
        "report.md",
        "trajectories.csv",
    ]
    boxes = pd.read_csv(folder / "boxes.csv")
    first = boxes[boxes["box"] == 1].set_index("parameter")
    assert first.loc["founding_core", "high"] <= 40  # a small founding core fizzles out
    assert first["density"].iloc[0] > 0.7
    trajectories = pd.read_csv(folder / "trajectories.csv")
    assert trajectories.groupby("box")["chosen"].sum().eq(1).all()
    report = (folder / "report.md").read_text(encoding="utf-8")
    assert "Scenario discovery: where the network fizzles out" in report
    for term in ("coverage", "density", "mass", "quasi-p"):
        assert f"**{term}**:" in report  # every term defined where it appears
    assert "founding\\_core \\<=" in report
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in html


def test_the_cli_writes_the_folder_and_says_where(tmp_path: Path) -> None:
    results = write_sweep(tmp_path, EXPERIMENT)
    result = CliRunner().invoke(app, ["analyse", str(results), "--discover", "fizzled_out"])
    assert result.exit_code == 0, result.output
    assert f"report: {results / 'discovery' / 'fizzled_out' / 'report.html'}" in result.output
    assert not (results / "analysis").exists()  # discovery instead of the standard analysis


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--discover", "final_adoption"], "not a yes/no outcome; allowed: "),
        (["--discover", "fizzled_out", "--parameter", "founding_core"], "drop --parameter"),
    ],
)
def test_bad_requests_are_one_line_errors(tmp_path: Path, extra: list[str], message: str) -> None:
    results = write_sweep(tmp_path, EXPERIMENT)
    result = CliRunner().invoke(app, ["analyse", str(results), *extra])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0] and lines[0].startswith("netsim: error:")
