"""The ``netsim`` command (src/netsim/cli.py).

Bad input must end in exactly one line 'netsim: error: ...' on stderr and exit
status 2; anything else (a bug) in one line 'netsim: internal error (a bug, ...)'
naming the log that holds the traceback, and exit status 70. Click >= 8.2 always keeps
stderr apart in CliRunner (``result.stderr``;
``result.output`` interleaves both); older Click needs ``mix_stderr=False``.
"""

from __future__ import annotations

import inspect
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
from click.testing import Result
from typer.testing import CliRunner

import netsim.api
import netsim.cli
from netsim.analysis.summaries import AnalysisError
from netsim.cli import EXIT_BUG, app
from netsim.config.outcomes import BY_NAME, RUN_LABELS, SUMMARY_FIELDS
from netsim.config.parameters import FIELD_NAMES, TIMELINE_ACTIONS, declarations, spec_of

SMALL = ["--set", "eligible_population=100"]
RUN_FILES = ["curves.png", "steps.csv", "steps.parquet", "summary.json"]


def make_runner() -> CliRunner:
    if "mix_stderr" in inspect.signature(CliRunner.__init__).parameters:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]  # Click < 8.2
    return CliRunner()


@pytest.fixture
def runner() -> CliRunner:
    return make_runner()


def error_line(result: Result) -> str:
    """The run failed with status 2 and exactly one 'netsim: error:' line on stderr."""
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    assert isinstance(result.exception, SystemExit)  # not a traceback
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("netsim: error: ")
    assert "Traceback" not in result.stderr
    return lines[0]


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# ---------------------------------------------------------------------------
# run


def test_run_writes_the_folder_and_prints_a_summary(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["run", "--out", str(out), "--steps", "5", "--set", "eligible_population=120"]
    )
    assert result.exit_code == 0, result.stderr
    assert files_in(out) == RUN_FILES
    text = " ".join(result.stdout.split())
    for name in SUMMARY_FIELDS:  # each outcome by its one name, with its definition
        assert BY_NAME[name].label in result.stdout
        assert " ".join(BY_NAME[name].definition.split()) in text
    assert "True" not in result.stdout and "False" not in result.stdout  # yes/no
    assert re.search(r"final adoption \(share of eligible\) +[0-9.]+%", result.stdout)
    assert result.stdout.rstrip().endswith(f"results: {out}")
    assert "Traceback" not in result.stderr

    document = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert document["parameters"]["eligible_population"] == 120
    assert document["parameters"]["steps"] == 5
    assert document["provenance"]["seed"] == 1  # the documented default
    assert len(pd.read_parquet(out / "steps.parquet")) == 6  # steps 0..5


def test_run_prints_each_label_rule_from_the_declarations(
    runner: CliRunner, tmp_path: Path
) -> None:
    result = runner.invoke(
        app, ["run", "--no-figure", "--out", str(tmp_path / "r"), "--steps", "5"]
    )
    assert result.exit_code == 0, result.stderr
    text = " ".join(result.stdout.split())
    for name in (*RUN_LABELS, "settled"):
        assert f"{BY_NAME[name].label}: {' '.join(BY_NAME[name].meaning.split())}." in text
    assert "not settled at week 5: `netsim run --steps until-settled`" in text


def test_run_until_settled_writes_the_weeks_it_took(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "u"
    args = ["run", "--no-figure", "--out", str(out), "--steps", "until-settled", *SMALL]
    result = runner.invoke(app, [*args, "--max-steps", "400", "--seed", "2"])
    assert result.exit_code == 0, result.stderr
    document = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    steps = document["parameters"]["steps"]
    assert 156 <= steps <= 400
    assert len(pd.read_parquet(out / "steps.parquet")) == steps + 1
    text = " ".join(result.stdout.split())
    assert "Ran until settled (at least 156 weeks, at most 400): " in text
    assert (f"settled at week {steps}." in text) is document["summary"]["settled"]


def test_run_exports_the_network_for_gephi(runner: CliRunner, tmp_path: Path) -> None:
    out, graphml, gexf = tmp_path / "out", tmp_path / "net.graphml", tmp_path / "net.gexf"
    args = ["run", "--out", str(out), "--steps", "8", *SMALL]
    result = runner.invoke(
        app, [*args, "--export-network", str(graphml), "--export-network", str(gexf)]
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout.rstrip().endswith(f"network: {gexf}")
    members = json.loads((out / "summary.json").read_text(encoding="utf-8"))["summary"]
    for graph in (nx.read_graphml(graphml), nx.read_gexf(gexf)):
        assert graph.number_of_nodes() == members["final_members"]
        for data in graph.nodes.values():
            assert {"adoption_week", "engagement", "trust", "status"} <= set(data)


def test_run_refuses_an_export_format_before_running(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["run", "--out", str(tmp_path / "out"), "--export-network", "net.dot", *SMALL]
    )
    assert "--export-network net.dot: unknown network format; allowed: .graphml" in error_line(
        result
    )
    assert not (tmp_path / "out").exists()


def test_run_quiet_prints_only_the_folder(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "q"
    result = runner.invoke(
        app,
        [
            "run",
            "--quiet",
            "--out",
            str(out),
            "--steps",
            "3",
            "--seed",
            "4",
            "--set",
            "eligible_population=120",
            "--set",
            "leadership_style=hierarchical",
            "--event",
            "2:funding_cut:0",
        ],
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"{out}\n"
    assert result.stderr == ""
    assert files_in(out) == RUN_FILES
    document = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert document["provenance"]["seed"] == 4
    assert document["parameters"]["leadership_style"] == "hierarchical"
    assert document["parameters"]["timeline"] == [
        {"step": 2, "action": "funding_cut", "amount": 0.0}
    ]


def test_same_seed_gives_identical_tables(runner: CliRunner, tmp_path: Path) -> None:
    tables = []
    for name in ("a", "b"):
        args = ["run", "--quiet", "--no-figure", "--out", str(tmp_path / name), "--steps", "4"]
        result = runner.invoke(app, [*args, "--seed", "9", "--set", "eligible_population=120"])
        assert result.exit_code == 0, result.stderr
        tables.append(pd.read_parquet(tmp_path / name / "steps.parquet"))
    assert files_in(tmp_path / "a") == ["steps.csv", "steps.parquet", "summary.json"]
    pd.testing.assert_frame_equal(tables[0], tables[1], check_exact=True)


BAD_INPUTS = [
    pytest.param(
        ["--set", "eligible_popul=120"],
        ["eligible_popul", "is not a parameter", "did you mean 'eligible_population'?"],
        id="unknown-set-name",
    ),
    pytest.param(
        ["--set", "eligible_population=1"],
        ["eligible_population", "out of range", spec_of("eligible_population").describe_allowed()],
        id="out-of-range",
    ),
    pytest.param(
        ["--set", "rewiring=1.5"],
        ["rewiring", spec_of("rewiring").describe_allowed()],
        id="out-of-range-float",
    ),
    pytest.param(
        ["--set", "eligible_population=true"],
        ["eligible_population", "must be a number"],
        id="bool-for-number",
    ),
    pytest.param(["--set", "rewiring=nan"], ["rewiring", "finite"], id="nan"),
    pytest.param(
        ["--set", "leadership_style=distribted"],
        ["leadership_style", "did you mean 'distributed'?", "'hierarchical'"],
        id="unknown-choice",
    ),
    pytest.param(
        ["--set", "eligible_population"],
        ["eligible_population", "NAME=VALUE"],
        id="set-without-equals",
    ),
    pytest.param(["--set", "=3"], ["NAME=VALUE"], id="set-without-name"),
    pytest.param(
        ["--set", "timeline=3"],
        ["timeline", "--event"],
        id="set-timeline",
    ),
    pytest.param(
        ["--set", "founding_core=200", "--set", "eligible_population=150"],
        ["founding_core", "eligible_population"],
        id="inconsistent",
    ),
    pytest.param(["--event", "3-funding_cut"], ["--event", "STEP:ACTION"], id="event-format"),
    pytest.param(
        ["--event", "3:funding_cut:0:1"], ["--event", "STEP:ACTION"], id="event-too-many-parts"
    ),
    pytest.param(["--event", "x:funding_cut"], ["--event", "'x'"], id="event-step-not-int"),
    pytest.param(
        ["--event", "2:funding_cut:lots"], ["--event", "'lots'"], id="event-amount-not-number"
    ),
    pytest.param(
        ["--event", "3:funding_cutt"],
        ["timeline.action", "'funding_cutt'", *TIMELINE_ACTIONS],
        id="event-unknown-action",
    ),
    pytest.param(
        ["--event", "9:funding_cut:0"],
        ["timeline.step", "after the last step", "(5)"],
        id="event-after-last-step",
    ),
    pytest.param(["--event", "0:event"], ["timeline.step", ">= 1"], id="event-step-zero"),
    pytest.param(
        ["--event", "2:funding_cut:1.5"], ["timeline.amount", "0 to 1"], id="event-amount"
    ),
    pytest.param(["--steps", "-1"], ["steps", "out of range"], id="negative-steps"),
    pytest.param(["--steps", "abc"], ["--steps 'abc'", "until-settled"], id="steps-word"),
    pytest.param(["--max-steps", "9"], ["--max-steps applies only"], id="max-steps-alone"),
    pytest.param(
        ["--steps", "until-settled", "--max-steps", "3"],
        ["--max-steps 3 is less than the scenario's steps (156)"],
        id="max-steps-short",
    ),
    pytest.param(["--seed", "-1"], ["seed: -1", "whole number >= 0"], id="negative-seed"),
]


@pytest.mark.parametrize(("args", "fragments"), BAD_INPUTS)
def test_bad_input_is_one_error_line_and_status_2(
    runner: CliRunner, tmp_path: Path, args: list[str], fragments: list[str]
) -> None:
    out = tmp_path / "never"
    base = ["run", "--out", str(out)] + ([] if "--steps" in args else ["--steps", "5"])
    line = error_line(runner.invoke(app, base + args))
    for fragment in fragments:
        assert fragment in line, f"{fragment!r} not in {line!r}"
    assert not out.exists()


def test_missing_network_file_is_one_error_line(runner: CliRunner, tmp_path: Path) -> None:
    missing = tmp_path / "members.csv"
    out = tmp_path / "never"
    result = runner.invoke(
        app, ["run", "--out", str(out), "--steps", "5", "--set", f"network_file={missing}"]
    )
    line = error_line(result)
    assert str(missing) in line
    assert "does not exist" in line
    assert not out.exists()


def test_missing_network_file_error_names_the_parameter(runner: CliRunner, tmp_path: Path) -> None:
    missing = tmp_path / "members.csv"
    result = runner.invoke(
        app, ["run", "--out", str(tmp_path / "x"), "--set", f"network_file={missing}"]
    )
    line = error_line(result).replace(str(missing), "<path>")  # the path names this test
    assert "network_file" in line


def test_quiet_prints_a_long_folder_on_one_line(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / ("a" * 60) / ("b" * 60)
    result = runner.invoke(
        app,
        ["run", "--quiet", "--no-figure", "--out", str(out), "--steps", "2", *SMALL],
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"{out}\n"


def test_run_help_mentions_every_option_and_parameter(runner: CliRunner) -> None:
    result = runner.invoke(app, ["run", "--help"])
    assert result.exit_code == 0
    text = result.stdout
    for option in ("--seed", "--steps", "--set", "--event", "--out", "--quiet"):
        assert re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", text), option
    for name in FIELD_NAMES:
        if name != "timeline":
            assert re.search(rf"\b{name}\b", text), name


# ---------------------------------------------------------------------------
# parameters


def table_cells(line: str) -> list[str]:
    cells = re.split(r"(?<!\\)\|", line)
    assert cells[0] == "" and cells[-1] == ""
    return [c.strip() for c in cells[1:-1]]


def test_parameters_markdown_has_one_row_per_parameter(runner: CliRunner) -> None:
    result = runner.invoke(app, ["parameters", "--markdown"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert table_cells(lines[0]) == [
        "group",
        "name",
        "default",
        "allowed",
        "unit",
        "meaning",
        "source",
    ]
    assert set(lines[1]) <= {"|", "-"}
    rows = [table_cells(line) for line in lines[2:]]
    assert all(len(row) == 7 for row in rows)
    assert [row[1] for row in rows] == [name for name, *_ in declarations()]
    for row, (_name, _type, default, spec) in zip(rows, declarations(), strict=True):
        assert row[0] == spec.group
        assert row[2] == repr(default).replace("|", "\\|")
        assert row[3] == spec.describe_allowed()


def test_parameters_group_filters(runner: CliRunner) -> None:
    result = runner.invoke(app, ["parameters", "--markdown", "--group", "funding"])
    assert result.exit_code == 0
    names = [table_cells(line)[1] for line in result.stdout.splitlines()[2:]]
    assert names == [n for n, _t, _d, s in declarations() if s.group == "funding"]


def test_parameters_table_lists_every_name(runner: CliRunner) -> None:
    result = runner.invoke(app, ["parameters"], terminal_width=400, env={"COLUMNS": "400"})
    assert result.exit_code == 0
    for name in FIELD_NAMES:
        assert name in result.stdout


def test_parameters_unknown_group_fails(runner: CliRunner) -> None:
    line = error_line(runner.invoke(app, ["parameters", "--group", "nope"]))
    assert "'nope'" in line
    assert "network" in line and "dynamics" in line


# ---------------------------------------------------------------------------
# errors: a NetsimError anywhere is one error line (exit 2); anything else is a bug (exit 70)

BUG_LINE = re.compile(
    r"^netsim: internal error \(a bug, please report it\): (?P<what>.+); "
    r"traceback saved to (?P<log>\S+\.log)$"
)


def bug_report(result: Result) -> tuple[str, Path]:
    """The run failed as a bug: status 70, one stderr line naming it and its log, no traceback."""
    assert result.exit_code == EXIT_BUG == 70, (result.exit_code, result.stderr)
    assert isinstance(result.exception, SystemExit)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    match = BUG_LINE.match(lines[0])
    assert match, lines[0]
    log = Path(match["log"])
    assert log.is_file()
    assert log.name.startswith("netsim-bug-")
    return match["what"], log


@pytest.fixture
def temp_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The temp folder a bug's log falls back to, inside this test's folder."""
    folder = tmp_path / "temp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_negative_seed_is_one_error_line(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "never"
    result = runner.invoke(app, ["run", "--seed", "-1", "--steps", "2", "--out", str(out)])
    assert error_line(result) == "netsim: error: seed: -1 must be a whole number >= 0"
    assert not out.exists()


def test_a_bug_in_a_command_is_one_line_and_a_log(
    runner: CliRunner, tmp_path: Path, temp_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(netsim.api, "run", broken)
    out = tmp_path / "never"
    result = runner.invoke(app, ["run", "--steps", "2", *SMALL, "--out", str(out)])
    what, log = bug_report(result)
    assert what == "RuntimeError: boom second line"
    assert log.parent == temp_dir  # no results folder was made: the temp folder
    text = log.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text
    assert "in broken" in text and "RuntimeError: boom" in text
    assert f"command: netsim run --steps 2 {' '.join(SMALL)} --out {out}" in text
    assert not out.exists()


def test_a_plain_value_error_is_a_bug_not_bad_input(
    runner: CliRunner, tmp_path: Path, temp_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A library's ValueError is not a user's mistake: it is reported as a bug, and its log
    goes into the results folder the command had already written."""

    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("operands could not be broadcast")

    monkeypatch.setattr(netsim.cli, "print_summary", broken)
    out = tmp_path / "out"
    what, log = bug_report(runner.invoke(app, ["run", "--steps", "2", *SMALL, "--out", str(out)]))
    assert what == "ValueError: operands could not be broadcast"
    assert log.parent == out
    assert "ValueError: operands could not be broadcast" in log.read_text(encoding="utf-8")
    assert list(temp_dir.iterdir()) == []


def test_a_netsim_error_deep_inside_a_command_is_one_error_line(
    runner: CliRunner, tmp_path: Path, temp_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def deep(*args: object, **kwargs: object) -> None:
        raise AnalysisError("runs.parquet: column 'seed' is missing; allowed: a sweep's table")

    monkeypatch.setattr(netsim.api, "run", deep)
    result = runner.invoke(app, ["run", "--steps", "2", *SMALL, "--out", str(tmp_path / "x")])
    assert error_line(result) == (
        "netsim: error: runs.parquet: column 'seed' is missing; allowed: a sweep's table"
    )
    assert list(temp_dir.iterdir()) == []  # not a bug: no log


def test_the_console_script_reports_a_bug_without_typers_traceback(tmp_path: Path) -> None:
    """Through main(), as installed: one line, status 70, the log in the temp folder."""
    code = (
        "import netsim.api\n"
        "def broken(*a, **k):\n"
        "    raise KeyError('lost')\n"
        "netsim.api.run = broken\n"
        "from netsim.cli import main\n"
        "main()\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code, "run", "--steps", "2", *SMALL, "--out", str(tmp_path / "x")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "TMPDIR": str(tmp_path)},
        timeout=120,
        check=False,
    )
    assert completed.returncode == 70, completed.stderr
    lines = completed.stderr.splitlines()
    assert len(lines) == 1, completed.stderr
    match = BUG_LINE.match(lines[0])
    assert match, lines[0]
    assert match["what"] == "KeyError: 'lost'"
    assert Path(match["log"]).parent == tmp_path
    assert "KeyError: 'lost'" in Path(match["log"]).read_text(encoding="utf-8")


# ---------------------------------------------------------------------------
# the installed console script


def console_script() -> Path:
    script = Path(sys.executable).parent / "netsim"
    if not script.exists():
        pytest.skip(f"console script not installed next to {sys.executable}")
    return script


def test_console_script_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "e2e"
    completed = subprocess.run(
        [str(console_script()), "run", "--steps", "3", *SMALL, "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert files_in(out) == RUN_FILES
    assert str(out) in completed.stdout
    assert "Traceback" not in completed.stderr
    table = pd.read_parquet(out / "steps.parquet")
    assert table["step"].tolist() == [0, 1, 2, 3]
    assert not (tmp_path / "results").exists()  # --out was honoured


def test_sweep_progress_off_a_terminal_is_a_plain_line_every_interval(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Lines come with the first run, when `every` seconds of the clock have passed, and
    when the last run is in; each says how far, how fast, how long to go and how many
    failed."""
    from types import SimpleNamespace

    from rich.progress import Progress

    now = [0.0]
    line = netsim.cli.SweepProgressLine(
        Progress(disable=True), 10, plain=True, every=5.0, clock=lambda: now[0]
    )
    for done in range(1, 11):
        now[0] = 2.0 * done
        report = SimpleNamespace(
            finished=done, rate=0.5, eta=2.0 * (10 - done), failed=0, first_errors=[]
        )
        line(report, None)  # type: ignore[arg-type]
    printed = capsys.readouterr().err.splitlines()
    assert [p.split(" runs")[0] for p in printed] == [
        "netsim: sweep: 1 of 10",  # the first run: the sweep is on (2 s)
        "netsim: sweep: 4 of 10",  # 8 s
        "netsim: sweep: 7 of 10",  # 14 s
        "netsim: sweep: 10 of 10",  # 20 s, and the last run
    ]
    assert printed[1] == "netsim: sweep: 4 of 10 runs (40%), 0.5 runs/s, 12 s left, 0 failed"
