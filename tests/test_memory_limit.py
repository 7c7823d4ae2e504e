"""The memory estimate and limit (netsim.api.estimated_peak_bytes and
check_memory, ``--memory-limit``): a run too large for the machine is refused in
one line before anything is built; a normal run is not."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netsim import api
from netsim.api import (
    MEMORY_LIMIT_ENV,
    MemoryLimitError,
    check_memory,
    estimated_peak_bytes,
    parse_size,
)
from netsim.batch.engines import SerialEngine
from netsim.batch.sweep import run_sweep
from netsim.cli import app
from netsim.config.experiments import load_experiment
from netsim.config.parameters import Parameters
from netsim.errors import NetsimError
from netsim.model import network_model
from netsim.numbers import data_size

HUGE = Parameters(eligible_population=5_000_000, contacts_per_person=200)
"""Confirmed: took 24 GB and was killed by the OOM killer before the estimate existed."""


@pytest.fixture(autouse=True)
def no_limit_set(monkeypatch: pytest.MonkeyPatch) -> None:
    """Start from the machine's default, and undo any limit a command sets in os.environ."""
    monkeypatch.delenv(MEMORY_LIMIT_ENV, raising=False)


def make_runner() -> CliRunner:
    if "mix_stderr" in inspect.signature(CliRunner.__init__).parameters:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]  # Click < 8.2
    return CliRunner()


def one_error_line(result: object) -> str:
    assert result.exit_code == 2, (result.exit_code, result.stderr)  # type: ignore[attr-defined]
    lines = result.stderr.splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 1 and lines[0].startswith("netsim: error: "), lines
    return lines[0]


def test_the_five_million_person_run_is_refused_before_anything_is_built(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Refused by api.run with a NetsimError, no model made, under 1 MB allocated meanwhile."""

    def no_model(*args: object, **kwargs: object) -> None:
        raise AssertionError("the model was built")

    monkeypatch.setattr(network_model.NetworkModel, "__init__", no_model)
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "64GB")
    tracemalloc.start()
    try:
        with pytest.raises(MemoryLimitError) as raised:
            api.run(HUGE, seed=1)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2**20
    assert isinstance(raised.value, NetsimError)
    message = str(raised.value)
    assert "\n" not in message
    assert "eligible_population = 5000000 with contacts_per_person = 200" in message
    assert data_size(estimated_peak_bytes(HUGE)) in message
    assert "--memory-limit SIZE" in message and MEMORY_LIMIT_ENV in message


def test_the_estimate_grows_with_people_and_contacts() -> None:
    default = estimated_peak_bytes(Parameters())
    assert default < estimated_peak_bytes(Parameters(eligible_population=50_000))
    assert estimated_peak_bytes(Parameters(eligible_population=50_000, contacts_per_person=100)) > (
        estimated_peak_bytes(Parameters(eligible_population=50_000, contacts_per_person=10))
    )
    assert estimated_peak_bytes(HUGE) > 100 * 2**30


def test_a_default_run_is_not_refused_by_the_default_limit() -> None:
    limit, source = api.memory_limit()
    assert limit is not None and "this machine's" in source
    check_memory(Parameters())
    check_memory(Parameters(), at_once=2)


def test_the_limit_counts_the_runs_at_once() -> None:
    one = estimated_peak_bytes(Parameters())
    check_memory(Parameters(), at_once=2, limit=2 * one)
    with pytest.raises(MemoryLimitError, match="x 3 runs at once") as raised:
        check_memory(Parameters(), at_once=3, limit=2 * one)
    assert "use fewer workers" in str(raised.value)


@pytest.mark.parametrize(
    ("text", "size"),
    [("30GB", 30 * 10**9), ("512M", 512 * 10**6), ("1.5GiB", 3 * 2**29), ("2000", 2000)],
)
def test_sizes_are_read_in_decimal_or_binary_units(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "lots", "-5GB", "0", "5iB", "1e9", "12 parsecs"])
def test_a_limit_that_is_not_a_size_is_one_line(text: str) -> None:
    with pytest.raises(MemoryLimitError, match=r"is not a memory size; give e\.g\. 30GB"):
        parse_size(text)


def test_run_refuses_a_normal_run_under_a_tiny_limit_and_takes_it_when_raised(
    tmp_path: Path,
) -> None:
    runner = make_runner()
    out = tmp_path / "refused"
    line = one_error_line(runner.invoke(app, ["run", "--memory-limit", "100MB", "--out", str(out)]))
    assert "needs about 271 MiB a run (estimated), over the memory limit of 95.4 MiB" in line
    assert not out.exists()
    line = one_error_line(runner.invoke(app, ["run", "--memory-limit", "a lot"]))
    assert "--memory-limit: 'a lot' is not a memory size" in line

    bigger = ["--set", "eligible_population=20000", "--set", "contacts_per_person=50"]
    out = tmp_path / "taken"
    args = ["run", *bigger, "--steps", "3", "--memory-limit", "400MB", "--out", str(out)]
    line = one_error_line(runner.invoke(app, args))
    assert "eligible_population = 20000 with contacts_per_person = 50 needs about" in line
    args[args.index("400MB")] = "1GB"
    result = runner.invoke(app, [*args, "--quiet", "--no-figure"])
    assert result.exit_code == 0, result.stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["parameters"]["eligible_population"] == 20000


def test_the_environment_variable_sets_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "100MB")
    with pytest.raises(MemoryLimitError, match=f"{MEMORY_LIMIT_ENV}=100MB"):
        api.run(Parameters(steps=2), seed=1)
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "nonsense")
    with pytest.raises(MemoryLimitError, match=f"{MEMORY_LIMIT_ENV}: 'nonsense'"):
        api.run(Parameters(steps=2), seed=1)


SWEEP = """
name = "sizes"
seed = 1
replicates = 1
steps = 3
design = "grid"

[vary]
eligible_population = [100, 5000000]
contacts_per_person = [5, 200]
"""


def test_a_sweep_is_refused_by_its_largest_point_before_its_folder_exists(tmp_path: Path) -> None:
    path = tmp_path / "sizes.toml"
    path.write_text(SWEEP, encoding="utf-8")
    experiment = load_experiment(path)
    out = tmp_path / "out"
    with pytest.raises(MemoryLimitError, match="eligible_population = 5000000 with contacts_per"):
        run_sweep(experiment, out, engine=SerialEngine())
    assert not out.exists()

    small = tmp_path / "small.toml"
    small.write_text(SWEEP.replace("5000000", "200").replace("200]", "20]"), encoding="utf-8")
    one = estimated_peak_bytes(Parameters(eligible_population=200, contacts_per_person=20))
    runner = make_runner()
    limit = f"{int(1.5 * one)}"  # one run fits, two workers' runs at once do not
    args = ["sweep", str(small), "--out", str(out), "--no-analyse", "--memory-limit", limit]
    line = one_error_line(runner.invoke(app, [*args, "--workers", "2"]))
    assert "x 2 runs at once" in line and "use fewer workers" in line
    assert not out.exists()
    result = runner.invoke(app, [*args, "--serial", "--quiet"])
    assert result.exit_code == 0, result.stderr


def test_compare_is_refused_before_any_run(tmp_path: Path) -> None:
    runner = make_runner()
    out = tmp_path / "cmp"
    args = ["compare", "default", "default", "--replicates", "2", "--out", str(out)]
    line = one_error_line(runner.invoke(app, [*args, "--workers", "2", "--memory-limit", "300MB"]))
    assert "x 2 runs at once" in line
    assert not out.exists()


MEASURE = """
import re, sys
from pathlib import Path
from netsim import api
people, contacts = int(sys.argv[1]), float(sys.argv[2])
api.run({"eligible_population": people, "contacts_per_person": contacts, "steps": 5}, seed=1)
print(int(re.search(r"VmHWM:\\s+(\\d+) kB", Path("/proc/self/status").read_text())[1]) * 1024)
"""
"""A fresh process's peak RSS (VmHWM: ru_maxrss would count the forked test process's own)."""


@pytest.mark.slow
@pytest.mark.parametrize(("people", "contacts"), [(500, 10), (50_000, 100), (200_000, 20)])
def test_the_estimate_is_at_or_above_a_real_runs_peak_and_close_to_it(
    people: int, contacts: float
) -> None:
    """Peak RSS of a fresh process running one model, against the estimate."""
    if not sys.platform.startswith("linux"):
        pytest.skip("reads /proc/self/status")
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(people), str(contacts)],
        capture_output=True,
        text=True,
        check=True,
    )
    peak = json.loads(done.stdout)
    estimate = estimated_peak_bytes(
        Parameters(eligible_population=people, contacts_per_person=contacts)
    )
    assert peak <= estimate <= 1.25 * peak
