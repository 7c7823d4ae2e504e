"""`netsim optimise`: a tiny search end to end (files, progress, verdict, resume), a target no
policy meets (said in one line, exit 0), and bad input (one line, exit 2)."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import Result
from typer.testing import CliRunner

from netsim.cli import app
from netsim.config.scenarios import load_scenario

TINY = """\
name = "tiny search"
scenario = "funding_cliff"
seed = 2
steps = {steps}
replicates = 2
target = {target}
[set]
eligible_population = 50
founding_core = 6
[levers]
sustained_funding = {{ low = 0.0, high = 0.6, cost = 100.0 }}
startup_weeks = {{ low = 0, high = 20, cost = 1.0, fixed = 5.0 }}
[conditions]
initial_trust = [0.3, 0.6]
[search]
population = 4
generations = 2
"""


@pytest.fixture
def runner() -> CliRunner:
    if "mix_stderr" in inspect.signature(CliRunner.__init__).parameters:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]  # Click < 8.2
    return CliRunner()


def tiny(tmp_path: Path, target: str, steps: int = 20) -> Path:
    path = tmp_path / "tiny.toml"
    path.write_text(TINY.format(target=target, steps=steps), encoding="utf-8")
    return path


def error_line(result: Result) -> str:
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("netsim: error: "), result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def test_a_tiny_search_end_to_end(runner: CliRunner, tmp_path: Path) -> None:
    file = tiny(tmp_path, '{ outcome = "fizzled_out", at_most = 0.5 }')
    out = tmp_path / "out"
    result = runner.invoke(app, ["optimise", str(file), "--out", str(out), "--serial"])
    assert result.exit_code == 0, (result.stdout, result.stderr)
    assert "generation 1 of 2: 4 policies, 16 runs" in result.stderr
    assert "generation 2 of 2:" in result.stderr
    verdict = result.stdout.splitlines()[0]
    assert verdict.startswith(("cheapest policy meeting", "no evaluated policy meets"))
    for name in ("policies.csv", "front.csv", "front.md", "pareto.png", "answer.json"):
        assert (out / name).is_file(), name
    assert (out / "optimise.md").is_file() and (out / "optimise.html").is_file()
    front = pd.read_csv(out / "front.csv")
    answer = json.loads((out / "answer.json").read_text(encoding="utf-8"))
    assert answer["verdict"] == verdict
    for _, row in front.iterrows():
        scenario = load_scenario(out / row["scenario_file"])  # what netsim compare loads
        assert scenario.parameters.startup_weeks == row["startup_weeks"]
        assert scenario.parameters.sustained_funding == row["sustained_funding"]
        assert scenario.parameters.eligible_population == 50
    report = (out / "optimise.md").read_text(encoding="utf-8")
    assert "Pareto front" in report and "netsim compare front/front-01.yaml" in report
    resumed = runner.invoke(app, ["optimise", str(file), "--out", str(out), "--serial", "--resume"])
    assert resumed.exit_code == 0, resumed.stderr
    last = [line for line in resumed.stderr.splitlines() if line.startswith("generation 2 of 2")]
    assert len(last) == 1 and " policies, 0 runs (" in last[0]  # all from the store
    assert resumed.stdout.splitlines()[0] == verdict


def test_a_target_no_policy_meets_is_one_line_with_the_best_found(
    runner: CliRunner, tmp_path: Path
) -> None:
    # nothing can be self-sustaining for a quarter within 10 weeks
    file = tiny(tmp_path, '{ outcome = "critical_mass_reached", at_least = 0.9 }', steps=10)
    out = tmp_path / "out"
    result = runner.invoke(app, ["optimise", str(file), "--out", str(out), "--serial", "--quiet"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == str(out)
    answer = json.loads((out / "answer.json").read_text(encoding="utf-8"))
    assert answer["cheapest_meeting_target"] is None
    assert answer["verdict"].startswith(
        "no evaluated policy meets P(critical mass) >= 90%: the best found"
    )
    assert "No evaluated policy meets" in (out / "optimise.md").read_text(encoding="utf-8")
    loud = runner.invoke(app, ["optimise", str(file), "--out", str(tmp_path / "b"), "--serial"])
    assert loud.stdout.splitlines()[0].startswith("no evaluated policy meets")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("sustained_funding = {", "sustained_fundin = {"), "did you mean 'sustained_funding'"),
        (("high = 0.6", "high = 1.6"), "outside the declared bounds"),
        ((", cost = 100.0", ""), "has no cost"),
        (("fizzled_out", "fizzles"), "is not a yes/no outcome"),
        (("at_most = 0.5", "at_most = 2"), "must be a probability from 0 to 1"),
    ],
)
def test_bad_input_is_one_line_and_runs_nothing(
    runner: CliRunner, tmp_path: Path, change: tuple[str, str], expected: str
) -> None:
    file = tiny(tmp_path, '{ outcome = "fizzled_out", at_most = 0.5 }')
    file.write_text(file.read_text(encoding="utf-8").replace(*change), encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["optimise", str(file), "--out", str(out), "--serial"])
    line = error_line(result)
    assert "tiny.toml" in line and expected in line
    assert not out.exists()


def test_resume_needs_out_and_a_search_there(runner: CliRunner, tmp_path: Path) -> None:
    file = tiny(tmp_path, '{ outcome = "fizzled_out", at_most = 0.5 }')
    assert "--resume needs --out" in error_line(
        runner.invoke(app, ["optimise", str(file), "--resume"])
    )
    line = error_line(
        runner.invoke(app, ["optimise", str(file), "--resume", "--out", str(tmp_path / "x")])
    )
    assert "holds no policy search" in line
    line = error_line(runner.invoke(app, ["optimise", str(file), "--serial", "--workers", "2"]))
    assert "choose one of --serial, --workers N and --scheduler ADDRESS" in line


def test_ctrl_c_says_how_to_resume(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from netsim.batch import optimise

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(optimise, "run_search", interrupted)
    file = tiny(tmp_path, '{ outcome = "fizzled_out", at_most = 0.5 }')
    out = tmp_path / "out"
    result = runner.invoke(app, ["optimise", str(file), "--out", str(out), "--serial"])
    assert result.exit_code == 130
    assert f"resume with: netsim optimise {file} --resume --out {out}" in result.stderr
