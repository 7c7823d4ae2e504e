"""`netsim audit`: exit statuses (0 all act, 1 some do not, 2 bad input) and its files."""

from __future__ import annotations

import inspect
from pathlib import Path

import pandas as pd
import pytest
from click.testing import Result
from typer.testing import CliRunner

from netsim.cli import app

QUICK_DEFAULT = ["audit", "--quick", "--bases", "default", "--workers", "1"]


@pytest.fixture
def runner() -> CliRunner:
    if "mix_stderr" in inspect.signature(CliRunner.__init__).parameters:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]  # Click < 8.2
    return CliRunner()


def error_line(result: Result) -> str:
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("netsim: error: "), result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def test_a_mistyped_lever_is_one_line_with_a_suggestion(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["audit", "--levers", "facilitaton_capacity", "--out", str(tmp_path)]
    )
    assert "did you mean 'facilitation_capacity'" in error_line(result)
    assert not list(tmp_path.iterdir())  # refused before anything ran


def test_a_mistyped_base_and_too_few_seeds_are_one_line(runner: CliRunner) -> None:
    assert "did you mean 'usual_suspects'" in error_line(
        runner.invoke(app, ["audit", "--bases", "usual_suspect"])
    )
    assert "--seeds" in error_line(runner.invoke(app, ["audit", "--seeds", "1"]))


def test_exit_0_when_every_audited_lever_acts(runner: CliRunner, tmp_path: Path) -> None:
    # join_rate acts strongly in today's model (docs/parameters.md: helps)
    out = tmp_path / "audit"
    result = runner.invoke(app, [*QUICK_DEFAULT, "--levers", "join_rate", "--out", str(out)])
    assert result.exit_code == 0, (result.stdout, result.stderr)
    assert "1 of 1 audited levers act as claimed." in result.stdout
    assert f"report: {out / 'report.html'}" in result.stdout
    levers = pd.read_csv(out / "levers.csv")
    assert list(levers["verdict"]) == ["acts as claimed"]


def test_exit_1_when_a_lever_does_not_act(runner: CliRunner, tmp_path: Path) -> None:
    # in a one-week run no lever can move the outcomes: every claim is inert
    out = tmp_path / "audit"
    args = [*QUICK_DEFAULT, "--levers", "purpose_clarity,fatigue", "--steps", "1", "--seeds", "4"]
    result = runner.invoke(app, [*args, "--out", str(out), "--quiet"])
    assert result.exit_code == 1, (result.stdout, result.stderr)
    assert result.stdout.strip() == str(out)
    levers = pd.read_csv(out / "levers.csv")
    assert list(levers["lever"]) == ["purpose_clarity", "fatigue"]
    assert set(levers["verdict"]) == {"inert"}
