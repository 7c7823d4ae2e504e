"""The README's examples run as written (Python blocks) and its planner's path works."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from typer.testing import CliRunner

from netsim.cli import app
from netsim.config.experiments import load_experiment
from netsim.config.outcomes import DORMANT_SHARE
from netsim.config.scenarios import library_dir, load_scenario
from netsim.numbers import significant

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
    """The caption under the default run's figure: what `netsim run` (seed 1) prints, what
    running it until settled shows, and what seeds 1 to 20 do."""
    import netsim

    text = " ".join(README.read_text(encoding="utf-8").split())
    first = netsim.run(seed=1)
    summary = first.summary
    assert summary["critical_mass_reached"], "'membership passes critical mass'"
    assert first.table["member_adoption_share"].max() >= 0.5  # 'reaching half of the early members'
    held = re.search(r"at week (\d+) only (\d+) people hold it", text)
    assert held, "the README's caption of the default run has changed: update this test"
    assert first.parameters.steps == int(held[1])
    assert round(summary["final_adoption"] * first.parameters.eligible_population) == int(held[2])
    for label in ("fizzled_out", "spread", "settled"):
        assert f"`{label.replace('_', ' ')}: {summary[label]}`" in text, label

    until = re.search(r"by week (\d+) the idea has spread \(final adoption ([0-9.]+)\)", text)
    assert until, "the README's caption of the default run has changed: update this test"
    settled = netsim.run(seed=1, until_settled=True, record="summary")
    assert settled.parameters.steps == int(until[1]) and settled.summary["spread"]
    assert significant(settled.summary["final_adoption"]) == until[2]

    found = re.search(
        r"Over seeds 1 to (\d+) the idea spreads .*? by week (\d+) in (\d+) runs "
        r"\(try `--seed (\d+)`\), the network goes dormant in (\d+), and in the other (\d+) the "
        r"idea is still in play at week \d+ and spreads later \((\d+) of \d+ when each runs "
        r"until settled\)",
        text,
    )
    assert found, "the README's caption of the default run has changed: update this test"
    last, week, spread_runs, example, dormant, later, in_the_end = (int(g) for g in found.groups())
    runs = {seed: netsim.run(seed=seed, record="summary") for seed in range(1, last + 1)}
    assert all(r.parameters.steps == week for r in runs.values())
    spread = {seed: r.summary["spread"] for seed, r in runs.items()}
    assert not spread[1] and spread[example] and sum(spread.values()) == spread_runs
    gone = [s for s, r in runs.items() if r.summary["fizzled_out"] and not spread[s]]
    assert all(runs[s].summary["final_active_share"] < DORMANT_SHARE for s in gone)
    assert len(gone) == dormant
    rest = [s for s in runs if not spread[s] and s not in gone]
    assert len(rest) == later and not any(runs[s].summary["settled"] for s in rest)
    ends = {s: netsim.run(seed=s, until_settled=True, record="summary").summary for s in runs}
    assert all(ends[s]["spread"] for s in rest)
    assert sum(e["spread"] for e in ends.values()) == in_the_end
