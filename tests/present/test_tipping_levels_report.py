"""The tipping-levels folder and command (src/netsim/present/tipping_levels.py): a reduced
run writes every file, the report names every scenario and sets each level beside one
third, the figure has a row per scenario, and the command's exit codes."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from netsim.analysis.tipping_levels import LEVEL_COLUMNS, self_sustaining_level
from netsim.present.tipping_levels import (
    FIGURE,
    beside_claim,
    finding,
    level_figure,
    level_text,
    main,
)

REDUCED = ("default", "funding_cliff", "managed_hierarchy")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("tipping") / "levels"
    argv = ["--seeds", "6", "--population", "200", "--out", str(out), "--quiet"]
    for name in REDUCED:
        argv += ["--scenario", name]
    assert main(argv) == 0
    return out


def test_the_folder_holds_tables_figure_and_report(folder: Path) -> None:
    for name in ("levels.csv", "curves.csv", "runs.csv", "failed_runs.csv", FIGURE, "report.md"):
        assert (folder / name).stat().st_size > 0, name
    assert not list(folder.glob(".*.tmp"))  # written atomically: no leftovers
    levels = pd.read_csv(folder / "levels.csv")
    assert list(levels.columns) == list(LEVEL_COLUMNS)
    assert list(levels["scenario"]) == list(REDUCED)
    assert set(levels["status"]) <= {"located", "at_most", "above"}
    assert (levels["runs"] == 6).all() and levels["why"].notna().all()
    curves = pd.read_csv(folder / "curves.csv")
    assert set(curves["scenario"]) == set(REDUCED)
    assert len(pd.read_csv(folder / "runs.csv")) == 18


def test_the_report_names_every_scenario_beside_one_third(folder: Path) -> None:
    report = (folder / "report.md").read_text(encoding="utf-8")
    assert "one third" in report and "most influential" in report
    findings = [line for line in report.splitlines() if line.startswith("- `")]
    assert [line.split("`")[1] for line in findings] == list(REDUCED)
    assert all("one third" in line for line in findings)
    assert FIGURE in report
    assert "before its conditions change" in report  # the peak's caveat


def test_a_finding_names_the_timeline_events_that_change_the_runs() -> None:
    level = self_sustaining_level([0.6, 0.7], [True, True], scenario="x", starting_share=0.024)
    text = "".join(str(p) if isinstance(p, str) else p.text for p in finding(level, events=""))
    assert "timeline" not in text
    parts = finding(level, events="leader_leaves at week 26")
    assert "Its timeline changes the runs midway (leader_leaves at week 26)." in parts[-1]


def test_bad_input_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    for argv in (
        ["--seeds", "0"],
        ["--workers", "0", "--scenario", "default", "--seeds", "1"],
        ["--scenario", "no_such_scenario"],
        ["--population", "0", "--scenario", "default", "--seeds", "1"],
    ):
        assert main([*argv, "--out", str(tmp_path / "x"), "--quiet"]) == 2, argv
        err = capsys.readouterr().err.strip()
        assert err.startswith("tipping_levels: error: ") and "\n" not in err, err
    assert not (tmp_path / "x").exists()


def test_the_figure_has_a_row_per_scenario_and_one_third_marked() -> None:
    peaks = np.r_[np.arange(5, 16) / 100, [0.5] * 20]
    sustained = np.r_[np.zeros(11, bool), np.ones(20, bool)]
    levels = [
        self_sustaining_level(peaks, sustained, scenario="tips", resamples=100),
        self_sustaining_level([0.6, 0.7], [True, True], scenario="all", starting_share=0.024),
        self_sustaining_level([0.2, 0.43], [False, False], scenario="none"),
    ]
    fig = level_figure(levels, {"tips": "Tips"})
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Tips", "all", "none"]
    assert any(math.isclose(line.get_xdata()[0], 1 / 3) for line in ax.get_lines())
    assert [level_text(lv) for lv in levels[1:]] == ["≤ 2.4%", "> 43%"]
    assert level_text(levels[0]).startswith("14% (")
    assert "below the seeds' one third" in beside_claim(levels[1])
    assert "past the seeds' one third (33.3%), still fell back" in beside_claim(levels[2])
