"""``netsim validate-model``: runs the validation suite, prints a table, writes a report
and exits non-zero if any case fails; a bad --case is one error line, never a traceback."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from netsim.cli import app
from netsim.validation import CASES
from netsim.validation.cases import ORDER
from netsim.validation.core import Case, Checks
from netsim.validation.stats import Replicates


@pytest.fixture
def runner() -> CliRunner:
    if "mix_stderr" in inspect.signature(CliRunner.__init__).parameters:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]  # Click < 8.2
    return CliRunner()


def test_one_case_writes_the_report_and_passes(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "report"
    result = runner.invoke(
        app, ["validate-model", "--case", "centola-macy", "--out", str(out), "--workers", "1"]
    )
    assert result.exit_code == 0, (result.stdout, result.stderr)
    assert "1 of 1 cases passed: PASS" in result.stdout
    assert "centola-macy" in result.stdout and "Traceback" not in result.stderr
    assert {p.name for p in out.iterdir()} >= {"report.md", "cases.csv", "cases.json", "figures"}
    assert (out / "figures" / "centola-macy.png").stat().st_size > 0
    table = pd.read_csv(out / "cases.csv")
    assert set(table["case"]) == {"centola-macy"} and table["passed"].all()
    assert len(json.loads((out / "cases.json").read_text())) == len(table)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["passed"] is True
    assert summary["command"] == "netsim validate-model --case centola-macy"
    report = (out / "report.md").read_text()
    assert "**PASS**" in report and "Centola & Macy (2007)" in report


def test_a_failing_case_exits_non_zero(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def wrong(checks: Checks, size: str) -> None:
        import numpy as np

        checks.matches("a mean far from theory", Replicates(np.array([0.9, 1.0, 1.1])), 50.0)

    monkeypatch.setitem(CASES, "wrong", Case("wrong", "t", "Nobody (2000)", "c", wrong))
    out = tmp_path / "r"
    result = runner.invoke(
        app, ["validate-model", "--case", "wrong", "--out", str(out), "--workers", "1"]
    )
    assert result.exit_code == 1, (result.stdout, result.stderr)
    assert "FAIL: wrong" in result.stdout
    assert "**FAIL**" in (out / "report.md").read_text()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--case", "watts"], "allowed: " + ", ".join(ORDER)),
        (["--workers", "0"], "--workers must be at least 1"),
    ],
)
def test_bad_input_is_one_line(
    runner: CliRunner, tmp_path: Path, args: list[str], needle: str
) -> None:
    result = runner.invoke(app, ["validate-model", "--out", str(tmp_path / "x"), *args])
    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("netsim: error: "), result.stderr
    assert needle in lines[0]
    assert not (tmp_path / "x").exists()


def test_the_report_says_in_words_which_references_netsim_must_differ_from(
    runner: CliRunner, tmp_path: Path
) -> None:
    """A PASS beside a far-off reference reads right: its rule says 'must differ', and the
    rule's |d| does not split the Markdown table's cells."""
    out = tmp_path / "report"
    args = ["validate-model", "--case", "bass-complete-graph", "--out", str(out)]
    result = runner.invoke(app, [*args, "--workers", "1"])
    assert result.exit_code == 0, (result.stdout, result.stderr)
    table = pd.read_csv(out / "cases.csv")
    rules = dict(zip(table["compared"], table["rule"], strict=True))
    relations = dict(zip(table["compared"], table["relation"], strict=True))
    assert "excludes" in relations.values()
    for compared, relation in relations.items():
        words = {"approx": "must match", "excludes": "must differ", "exact": "must equal"}
        assert rules[compared].startswith(words.get(relation, "must "))
    rows = [
        line
        for line in (out / "report.md").read_text().splitlines()
        if line.startswith("| ") and "must " in line
    ]
    assert len(rows) == len(table)
    for row in rows:  # 7 cells: compared, reference, netsim, interval, rule, n, result
        assert row.replace(r"\|", "").count("|") == 8, row
    assert "must differ" in result.stdout  # the terminal table says it too
