"""The README's examples run as written (Python blocks) and its planner's path works."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from typer.testing import CliRunner

from netsim.cli import app
from netsim.scenarios import library_dir, load_scenario

README = Path(__file__).resolve().parents[1] / "README.md"


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
