"""The README's examples run as written (Python blocks) and its planner's path works."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from typer.testing import CliRunner

from netsim.cli import app
from netsim.config.experiments import load_experiment
from netsim.config.scenarios import library_dir, load_scenario

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_readme_python_examples_run() -> None:
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
        assert command in text, f"README lacks the command that regenerates {name}"


def test_readme_account_of_the_default_run_is_true() -> None:
    """The caption under the default run's figure: what seed 1 shows, and how often seeds spread."""
    import netsim

    text = " ".join(README.read_text(encoding="utf-8").split())
    found = re.search(
        r"Over seeds 1 to (\d+) the idea spreads .*? in (\d+) runs \(try `--seed (\d+)`\)", text
    )
    assert found, "the README's caption of the default run has changed: update this test"
    last, spread_runs, example = (int(g) for g in found.groups())
    spread = {
        seed: netsim.run(seed=seed, record="summary").summary["spread"]
        for seed in range(1, last + 1)
    }
    assert not spread[1] and spread[example]
    assert sum(spread.values()) == spread_runs
    first = netsim.run(seed=1)
    assert first.summary["critical_mass_reached"]
    assert first.table["member_adoption_share"].max() >= 0.5  # 'reaching half of the early members'
