"""The README's examples run as written (Python blocks) and its planner's path works."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netsim.cli import app
from netsim.config.experiments import load_experiment
from netsim.config.outcomes import OUTCOME_LABELS
from netsim.config.policy_search import is_policy_file
from netsim.config.scenarios import library_dir, load_scenario

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_readme_python_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # files the examples write (an exported network) land here
    blocks = python_blocks()
    assert blocks, "the README should show the Python API"
    for block in blocks:
        exec(compile(block, str(README), "exec"), {})  # the README's own code, not user input


def test_planner_path_copy_edit_validate_compare(tmp_path: Path) -> None:
    original = library_dir() / "facilitated_learning_network.toml"
    mine = tmp_path / "my_network.toml"
    shutil.copy(original, mine)
    text = mine.read_text(encoding="utf-8")
    text = re.sub(r'^name = ".*"$', 'name = "Our network"', text, count=1, flags=re.M)
    text += "\n[network]\neligible_population = 150\n\n[funding]\nstartup_weeks = 26\n"
    mine.write_text(text, encoding="utf-8")
    runner = CliRunner()
    validated = runner.invoke(app, ["validate", str(mine)])
    assert validated.exit_code == 0, validated.output
    assert load_scenario(mine).parameters.eligible_population == 150
    out = tmp_path / "cmp"
    compared = runner.invoke(
        app,
        [
            "compare",
            str(original),
            str(mine),
            "--replicates",
            "2",
            "--steps",
            "8",
            "--workers",
            "1",
            "--out",
            str(out),
            "--quiet",
        ],
    )
    assert compared.exit_code == 0, compared.output
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "Our network" in report and "Facilitated learning network" in report


def test_readme_experiment_example_loads(tmp_path: Path) -> None:
    text = README.read_text(encoding="utf-8")
    (example,) = [b for b in re.findall(r"```toml\n(.*?)```", text, flags=re.S) if "[vary]" in b]
    path = tmp_path / "example.toml"
    path.write_text(example, encoding="utf-8")
    experiment = load_experiment(path)  # raises on a key or value the schema no longer takes
    assert experiment.analysis, "the README's example should show an [analysis] table"


def test_readme_lists_every_shipped_experiment_with_its_command() -> None:
    text = README.read_text(encoding="utf-8")
    for path in sorted((ROOT / "experiments").glob("*.toml")):
        name = path.stem
        assert f"| `{name}.toml` |" in text, f"README's experiments table lacks {name}.toml"
        command = (
            f"netsim sweep experiments/{name}.toml --out results/{name} "
            "--figures results/figures/findings"
        )
        if is_policy_file(tomllib.loads(path.read_text(encoding="utf-8"))):
            command = f"netsim optimise experiments/{name}.toml --out results/{name}"
        assert command in text, f"README lacks the command that regenerates {name}"


def test_readme_account_of_the_default_run_is_true() -> None:
    """The caption under the default run's figure: what `netsim run` (seed 1) prints and
    what seeds 1 to 20 do."""
    import netsim

    text = " ".join(README.read_text(encoding="utf-8").split())
    first = netsim.run(seed=1)
    summary, table = first.summary, first.table.set_index("step")
    n = first.parameters.eligible_population
    early = re.search(
        r"at week (\d+) only (\d+)% of the (\d+) eligible people are active, at week (\d+) (\d+)%",
        text,
    )
    assert early, "the README's caption of the default run has changed: update this test"
    assert int(early[3]) == n
    for week, share in ((early[1], early[2]), (early[4], early[5])):
        assert round(100 * table.loc[int(week), "active_share"]) == int(share)
    idea = re.search(
        r"it reaches 10% of the population at week (\d+) and half at week (\d+), and at week "
        r"(\d+) (\d+)% hold it",
        text,
    )
    assert idea, "the README's caption of the default run has changed: update this test"
    assert summary["time_to_10pct"] == int(idea[1]) and summary["time_to_50pct"] == int(idea[2])
    assert first.parameters.steps == int(idea[3])
    assert round(100 * summary["final_adoption"]) == int(idea[4])
    # 'the idea follows behind it': membership leads adoption
    assert table.loc[int(idea[1]), "active_share"] > 0.2
    for name in ("critical_mass_reached", "fizzled_out", "spread", "settled"):
        answer = "yes" if summary[name] else "no"
        assert f"{answer} to `{OUTCOME_LABELS[name]}`" in text, name

    found = re.search(
        r"Over seeds 1 to (\d+) the idea spreads in all (\d+) runs, reaching half the "
        r"population between weeks (\d+) and (\d+) \(try `--seed (\d+)`, the slowest\)",
        text,
    )
    assert found, "the README's caption of the default run has changed: update this test"
    last, every, fastest, slowest, example = (int(g) for g in found.groups())
    assert last == every
    runs = {seed: netsim.run(seed=seed, record="summary").summary for seed in range(1, last + 1)}
    assert all(r["spread"] and r["settled"] and not r["fizzled_out"] for r in runs.values())
    weeks = {seed: r["time_to_50pct"] for seed, r in runs.items()}
    assert min(weeks.values()) == fastest and max(weeks.values()) == slowest
    assert weeks[example] == slowest


def test_readme_dask_servers_bind_to_the_addresses_named() -> None:
    """Every `dask scheduler` / `dask worker` command in the README names the address it
    listens on and where its dashboard listens (or turns it off), with options this Dask has."""
    commands = [
        shlex.split(line.split("#")[0])
        for line in README.read_text(encoding="utf-8").splitlines()
        if line.startswith(".venv/bin/dask ")
    ]
    kinds = [words[1] for words in commands]
    assert kinds.count("scheduler") >= 2 and kinds.count("worker") >= 2
    for words in commands:
        options = {w.split("=")[0] for w in words if w.startswith("--")}
        assert "--host" in options, words
        assert options & {"--dashboard-address", "--no-dashboard"}, words
        host = words[words.index("--host") + 1]
        assert host not in ("0.0.0.0", "", "::"), words
        if "--dashboard-address" in options:
            dashboard = words[words.index("--dashboard-address") + 1]
            assert dashboard.startswith("127.0.0.1:"), words
    helps = {
        kind: subprocess.run(
            [str(Path(sys.executable).with_name("dask")), kind, "--help"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for kind in ("scheduler", "worker")
    }
    for words in commands:
        for option in (w for w in words if w.startswith("--")):
            assert option in helps[words[1]], (words[1], option)
