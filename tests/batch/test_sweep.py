"""Sweeps (src/netsim/batch/sweep.py, the engines in batch/engines.py, `netsim sweep`):
identical results on every engine, failures recorded, nothing lost or duplicated by a kill,
Ctrl-C or resume."""

from __future__ import annotations

import inspect
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

import netsim
from netsim.batch.engines import RunTask, SerialEngine, run_id_of
from netsim.batch.sweep import (
    SweepError,
    SweepInterrupted,
    SweepReport,
    run_sweep,
)
from netsim.cli import app
from netsim.config.experiments import load_experiment
from netsim.config.outcomes import SUMMARY_FIELDS
from netsim.model.metrics import STEP_COLUMNS
from netsim.results.sweep_folder import ID_COLUMNS, STEP_ID_COLUMNS, SweepFolder


def read_runs(out: Path) -> pd.DataFrame:
    return SweepFolder(out).runs()


def read_steps(out: Path, run_id: str | None = None) -> pd.DataFrame:
    return SweepFolder(out).steps(run_id)


NETSIM = Path(sys.executable).with_name("netsim")

TINY = """
name = "tiny"
description = "twelve short runs"
seed = 3
replicates = 2
steps = 15
design = "grid"

[set]
eligible_population = 100

[vary]
founding_core = [5, 20]
initial_trust = [0.2, 0.5, 0.8]

[outputs]
steps = true
step_every = 5
"""

KILLABLE = """
name = "forty runs"
seed = 11
replicates = 2
steps = 40
design = "grid"

[set]
eligible_population = 200

[vary]
founding_core = [4, 8, 12, 16, 20]
initial_trust = [0.2, 0.4, 0.6, 0.8]

[outputs]
steps = true
step_every = 10
"""


def make_runner() -> CliRunner:
    if "mix_stderr" in inspect.signature(CliRunner.__init__).parameters:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]  # Click < 8.2
    return CliRunner()


def write(folder: Path, text: str, name: str = "exp.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def comparable(runs: pd.DataFrame) -> pd.DataFrame:
    """The run table without the wall-clock column, in run_id order."""
    return runs.drop(columns="seconds").sort_values("run_id").reset_index(drop=True)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The tiny experiment run serially in-process: (experiment file, results folder)."""
    folder = tmp_path_factory.mktemp("reference")
    path = write(folder, TINY)
    report = run_sweep(load_experiment(path), folder / "out", engine=SerialEngine())
    assert (report.ok, report.failed, report.skipped, report.total) == (12, 0, 0, 12)
    return path, folder / "out"


def test_results_folder_format(reference: tuple[Path, Path]) -> None:
    path, out = reference
    assert sorted(p.name for p in out.iterdir()) == [
        ".sweep.lock",
        "manifest.json",
        "runs",
        "steps",
    ]
    runs = pd.read_parquet(out / "runs")  # the whole table in one call
    assert list(runs.columns) == [
        *ID_COLUMNS,
        "founding_core",
        "initial_trust",
        *SUMMARY_FIELDS,
    ]
    assert len(runs) == 12 and runs["run_id"].is_unique
    assert set(runs["status"]) == {"ok"} and runs["error"].isna().all()
    assert sorted(zip(runs["point_id"], runs["replicate"], strict=True)) == [
        (p, r) for p in range(6) for r in range(2)
    ]
    exp = load_experiment(path)
    for row in runs.itertuples():
        point = {"founding_core": row.founding_core, "initial_trust": row.initial_trust}
        assert row.seed == exp.seed_for(point, row.replicate)
        task = RunTask(
            exp.base.replace(**point),
            row.seed,
            {"point_id": row.point_id, "replicate": row.replicate},
        )
        assert row.run_id == task.run_id
    steps = pd.read_parquet(out / "steps")
    assert list(steps.columns) == [*STEP_ID_COLUMNS, *STEP_COLUMNS]
    assert sorted(set(steps["step"])) == [0, 5, 10, 15]
    assert len(steps) == 12 * 4
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))  # as on disk
    assert SweepFolder(out).manifest.to_json() == manifest
    assert manifest["experiment_text"] == path.read_text(encoding="utf-8")
    assert manifest["design"] == "grid" and manifest["total_runs"] == 12
    assert manifest["points"] == 6 and manifest["replicates"] == 2 and manifest["steps"] == 15
    assert manifest["scenario"] == "default" and manifest["fixed"] == {"eligible_population": 100}
    assert [v["name"] for v in manifest["varied"]] == ["founding_core", "initial_trust"]
    assert manifest["varied"][0]["levels"] == [5, 20] and manifest["varied"][0]["kind"] == "int"
    assert manifest["outputs"] == {"steps": True, "step_every": 5}
    assert manifest["salib_problem"] is None
    assert {"netsim_version", "git_commit", "git_dirty"} <= set(manifest["provenance"])


def test_same_results_serial_two_workers_and_dask(
    reference: tuple[Path, Path], tmp_path: Path
) -> None:
    from distributed import LocalCluster

    path, serial = reference
    expected = comparable(read_runs(serial))
    expected_steps = read_steps(serial)
    runner = make_runner()
    result = runner.invoke(
        app, ["sweep", str(path), "--workers", "2", "--out", str(tmp_path / "w2"), "--no-analyse"]
    )
    assert result.exit_code == 0, result.stderr
    assert "sweep: 12 runs done (0 failed), 0 skipped" in result.stdout
    # off a terminal the bar is plain lines on stderr; the last says all are in
    assert "netsim: sweep: 12 of 12 runs (100%)" in result.stderr.splitlines()[-1]
    pd.testing.assert_frame_equal(comparable(read_runs(tmp_path / "w2")), expected)
    pd.testing.assert_frame_equal(read_steps(tmp_path / "w2"), expected_steps)

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        out = tmp_path / "dask"
        args = ["sweep", str(path), "--scheduler", cluster.scheduler_address, "--out", str(out)]
        result = runner.invoke(app, [*args, "--no-analyse", "--quiet"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == str(out)
    pd.testing.assert_frame_equal(comparable(read_runs(out)), expected)
    pd.testing.assert_frame_equal(read_steps(out), expected_steps)


def test_read_steps_of_one_run_is_that_runs_rows(reference: tuple[Path, Path]) -> None:
    _, serial = reference
    every = read_steps(serial)
    run_id = str(every["run_id"].iloc[-1])
    one = read_steps(serial, run_id=run_id)
    expected = every[every["run_id"] == run_id].reset_index(drop=True)
    assert len(one) == len(expected) > 0
    pd.testing.assert_frame_equal(one, expected)


NETWORK_BASE = """
name = "thirty people on a ring"
[network]
network_file = "ring.csv"
"""

FAILING = """
scenario = "ring.toml"
seed = 2
replicates = 2
steps = 10
[vary]
eligible_population = [20, 60]
founding_core = [5, 25]
"""


def test_failed_runs_are_recorded_and_the_rest_finish(tmp_path: Path) -> None:
    ring = "source,target\n" + "".join(f"{i},{(i + 1) % 30}\n" for i in range(30))
    write(tmp_path, ring, "ring.csv")
    write(tmp_path, NETWORK_BASE, "ring.toml")
    exp = load_experiment(write(tmp_path, FAILING))
    out = tmp_path / "out"
    report = run_sweep(exp, out, engine=SerialEngine(), flush_runs=3)
    assert (report.ok, report.failed) == (4, 4)
    runs = read_runs(out)
    failed = runs[runs["status"] == "failed"]
    assert len(runs) == 8 and runs["run_id"].is_unique
    # fails inside the run: the model cannot place 30 network members among 20 people
    built = failed[failed["founding_core"] == 5]
    assert len(built) == 2
    assert built["error"].str.contains("smaller than the 30 people in the network file").all()
    # cannot even be built: an inconsistent design point, recorded with the id it would have
    inconsistent = failed[failed["founding_core"] == 25]
    assert inconsistent["error"].str.contains("founding_core: 25 is more than").all()
    for row in inconsistent.itertuples():
        values = exp.base.to_dict() | {"eligible_population": 20, "founding_core": 25}
        labels = {"point_id": row.point_id, "replicate": row.replicate}
        assert row.run_id == run_id_of(values, row.seed, labels)
    assert failed[list(SUMMARY_FIELDS)].isna().all().all()
    ok = runs[runs["status"] == "ok"]
    assert (ok["eligible_population"] == 60).all() and ok["final_members"].notna().all()

    again = run_sweep(exp, out, engine=SerialEngine(), resume=True)
    assert (again.skipped, again.ok, again.failed) == (4, 0, 4)  # failed runs are retried
    raw = pd.read_parquet(out / "runs")
    assert len(raw) == 8 and raw["run_id"].is_unique  # ... and replace their old rows


def wait_for_part(out: Path, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    """Poll until the sweep has flushed at least one part (no fixed sleeps)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any((out / "runs").glob("part-*.parquet")):
            return
        if process.poll() is not None:
            raise AssertionError(f"sweep ended early: {process.stderr.read().decode()}")
        time.sleep(0.01)
    process.kill()
    raise AssertionError("no part was written in time")


def sweep_process(path: Path, out: Path, *extra: str) -> subprocess.Popen[bytes]:
    args = [str(NETSIM), "sweep", str(path), "--out", str(out), "--no-analyse", "--quiet"]
    return subprocess.Popen(
        [*args, "--flush-runs", "2", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "COLUMNS": "200"},
    )


@pytest.fixture(scope="module")
def killable(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame, pd.DataFrame]:
    """The forty-run experiment and its clean serial tables (runs, steps)."""
    folder = tmp_path_factory.mktemp("killable")
    path = write(folder, KILLABLE)
    run_sweep(load_experiment(path), folder / "clean", engine=SerialEngine())
    return path, read_runs(folder / "clean"), read_steps(folder / "clean")


def test_resume_after_sigkill_loses_and_duplicates_nothing(
    killable: tuple[Path, pd.DataFrame, pd.DataFrame], tmp_path: Path
) -> None:
    path, clean, clean_steps = killable
    out = tmp_path / "out"
    process = sweep_process(path, out, "--serial")
    wait_for_part(out, process)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    recorded = pd.read_parquet(out / "runs")
    assert 0 < len(recorded) < 40, "the kill should land mid-sweep"
    # debris a crash mid-write can leave: hidden, ignored by readers, cleaned by resume
    (out / "runs" / ".part-00099.parquet.crash.tmp").write_bytes(b"half a file")
    assert len(pd.read_parquet(out / "runs")) == len(recorded)

    result = make_runner().invoke(
        app, ["sweep", str(path), "--resume", "--out", str(out), "--serial", "--no-analyse"]
    )
    assert result.exit_code == 0, result.stderr
    assert f"{40 - len(recorded)} runs done (0 failed), {len(recorded)} skipped" in result.stdout
    raw = pd.read_parquet(out / "runs")
    assert len(raw) == 40 and raw["run_id"].is_unique
    assert not list((out / "runs").glob(".*"))
    pd.testing.assert_frame_equal(comparable(raw), comparable(clean))
    steps = pd.read_parquet(out / "steps")
    assert not steps.duplicated(["run_id", "step"]).any()
    pd.testing.assert_frame_equal(read_steps(out), clean_steps)


LONG = KILLABLE.replace("replicates = 2", "replicates = 500")
"""Two thousand runs: far more than a test waits for (the sweep is killed after one)."""


def process_table() -> dict[int, tuple[int, str, str]]:
    """Every process now: pid -> (parent pid, state, start time), from /proc/<pid>/stat."""
    table = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # ended while we looked
            continue
        fields = text.rpartition(")")[2].split()  # after "(command name)"
        table[int(stat.parent.name)] = (int(fields[1]), fields[0], fields[19])
    return table


def descendants(pid: int) -> dict[int, str]:
    """The live descendants of ``pid``: pid -> start time (so a reused pid is not them)."""
    table = process_table()
    found: dict[int, str] = {}
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        for child, (ppid, state, started) in table.items():
            if ppid == parent and state != "Z" and child not in found:
                found[child] = started
                frontier.append(child)
    return found


def still_running(processes: dict[int, str]) -> list[int]:
    """Those of ``processes`` still alive (a zombie has ended: only its exit status is left)."""
    table = process_table()
    return [
        pid
        for pid, started in processes.items()
        if pid in table and table[pid][2] == started and table[pid][1] != "Z"
    ]


def wait_until(condition: Any, deadline_seconds: float, what: str) -> Any:
    """Poll ``condition`` until it returns something true; AssertionError after the deadline."""
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(what)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_kill_9_of_a_sweep_leaves_no_process_behind(tmp_path: Path) -> None:
    """The forkserver, the resource tracker and both workers end within 5 s of a kill -9.

    The workers watch the sweep's pid (and get SIGKILL if their parent ends); once they are
    gone, the forkserver's and the tracker's pipes close and they exit too."""
    path = write(tmp_path, LONG)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "netsim", "sweep", str(path), "--out", str(out)]
    process = subprocess.Popen(
        [*command, "--workers", "2", "--no-analyse", "--quiet", "--flush-runs", "1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    family: dict[int, str] = {}
    try:
        wait_for_part(out, process)

        def two_workers() -> dict[int, str]:
            found = descendants(process.pid)
            # forkserver and its two workers, the resource tracker
            return found if len(found) >= 4 else {}

        family = wait_until(two_workers, 60, "the sweep never had its two workers")
        assert process.poll() is None, "the sweep should still be running"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        wait_until(lambda: not still_running(family), 5, "processes outlived the sweep")
    finally:
        for pid in still_running(family):
            os.kill(pid, signal.SIGKILL)
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stderr is not None:
            process.stderr.close()


def test_ctrl_c_flushes_exits_130_and_resume_completes(
    killable: tuple[Path, pd.DataFrame, pd.DataFrame],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Ctrl-C (a real SIGINT) once the 5th run has finished: those 5 are on disk, the exit
    is 130 with one line saying how to resume, and the resume runs the other 35 once each.

    The signal is raised from the sweep's progress callback, so it lands after the same
    run however fast or busy the machine is (two local workers still run the sweep)."""
    from netsim.batch import sweep as sweeping

    path, clean, _ = killable
    out = tmp_path / "out"
    real_run_sweep = sweeping.run_sweep

    def ctrl_c_after_five_runs(*args: Any, progress: sweeping.Progress, **kwargs: Any) -> Any:
        def progress_then_ctrl_c(report: SweepReport, outcome: object) -> None:
            progress(report, outcome)
            if outcome is not None and report.done == 5:
                signal.raise_signal(signal.SIGINT)

        return real_run_sweep(*args, progress=progress_then_ctrl_c, **kwargs)

    monkeypatch.setattr(sweeping, "run_sweep", ctrl_c_after_five_runs)
    args = ["sweep", str(path), "--out", str(out), "--no-analyse", "--flush-runs", "2"]
    result = make_runner().invoke(app, [*args, "--workers", "2", "--quiet"])
    assert result.exit_code == 130, (result.stderr, result.exception)
    assert result.stderr.splitlines() == [
        f"netsim: interrupted: 5 runs saved this session (5 of 40 done) in {out}; "
        f"resume with: netsim sweep {path} --resume --out {out}"
    ]
    saved = pd.read_parquet(out / "runs")
    assert len(saved) == 5 and saved["run_id"].is_unique

    report = run_sweep(load_experiment(path), out, engine=SerialEngine(), resume=True)
    assert (report.skipped, report.ok, report.failed) == (5, 35, 0)
    pd.testing.assert_frame_equal(comparable(read_runs(out)), comparable(clean))


def test_progress_counts_rate_and_eta_of_a_resumed_session(tmp_path: Path) -> None:
    """20 of 100 done before; this session 12 finished (2 failed) in 4 s: 3 runs/s, and the
    68 left take 68/3 s at that rate."""
    report = SweepReport(tmp_path, total=100, ok=10, failed=2, skipped=20, seconds=4.0)
    assert (report.done, report.finished, report.left) == (12, 32, 68)
    assert report.rate == pytest.approx(3.0)
    assert report.eta == pytest.approx(68 / 3)


def test_progress_has_no_eta_before_the_first_run_of_the_session(tmp_path: Path) -> None:
    report = SweepReport(tmp_path, total=50, skipped=10, seconds=0.0)
    assert (report.rate, report.eta, report.left) == (0.0, None, 40)
    assert SweepReport(tmp_path, total=50, skipped=10, seconds=9.0).eta is None
    finished = SweepReport(tmp_path, total=50, ok=40, skipped=10, seconds=8.0)
    assert (finished.rate, finished.eta) == (5.0, 0.0)


def test_the_report_given_to_progress_is_current(
    reference: tuple[Path, Path], tmp_path: Path
) -> None:
    """Each call sees one more run finished and the session's time so far."""
    path, _ = reference
    seen: list[tuple[int, float]] = []

    def progress(report: SweepReport, outcome: object) -> None:
        if outcome is not None:
            seen.append((report.done, report.seconds))

    run_sweep(load_experiment(path), tmp_path / "out", engine=SerialEngine(), progress=progress)
    assert [done for done, _ in seen] == list(range(1, 13))
    seconds = [s for _, s in seen]
    assert seconds == sorted(seconds) and seconds[0] > 0


def test_sigterm_stops_a_sweep_as_ctrl_c_does(reference: tuple[Path, Path], tmp_path: Path) -> None:
    """Terminated after 3 runs: those 3 are on disk, SweepInterrupted says so, and SIGTERM's
    handler is the one from before the sweep again."""
    path, _ = reference
    out = tmp_path / "out"
    before = signal.getsignal(signal.SIGTERM)

    def terminate_after_three(report: SweepReport, outcome: object) -> None:
        if report.done == 3 and outcome is not None:
            signal.raise_signal(signal.SIGTERM)

    with pytest.raises(SweepInterrupted) as raised:
        run_sweep(load_experiment(path), out, engine=SerialEngine(), progress=terminate_after_three)
    assert raised.value.report.done == 3 and raised.value.report.interrupted
    assert len(read_runs(out)) == 3
    assert signal.getsignal(signal.SIGTERM) is before


def error_line(result: object) -> str:
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)  # type: ignore[attr-defined]
    lines = result.stderr.splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 1 and lines[0].startswith("netsim: error: "), lines
    return lines[0]


def test_resume_refuses_a_changed_experiment_and_other_misuse(
    reference: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from netsim.batch.engines import DaskEngine

    monkeypatch.setattr(DaskEngine, "connect_timeout", 1.0)
    path, out = reference
    runner = make_runner()
    changed = write(tmp_path, TINY.replace("replicates = 2", "replicates = 3"), path.name)
    line = error_line(runner.invoke(app, ["sweep", str(changed), "--resume", "--out", str(out)]))
    assert "exp.toml has changed since the sweep" in line and "--out" in line
    line = error_line(runner.invoke(app, ["sweep", str(path), "--out", str(out)]))
    assert "already holds a sweep; add --resume" in line
    line = error_line(runner.invoke(app, ["sweep", str(path), "--resume"]))
    assert "--resume needs --out" in line
    empty = tmp_path / "empty"
    empty.mkdir()
    line = error_line(runner.invoke(app, ["sweep", str(path), "--resume", "--out", str(empty)]))
    assert "holds no sweep to resume" in line
    line = error_line(runner.invoke(app, ["sweep", str(path), "--serial", "--workers", "2"]))
    assert "choose one of --serial" in line
    bad = write(tmp_path, TINY.replace('design = "grid"', 'design = "gird"'), "bad.toml")
    line = error_line(runner.invoke(app, ["sweep", str(bad)]))
    assert "bad.toml line 7: design: 'gird' is not a design (did you mean 'grid'?)" in line
    with pytest.raises(SweepError, match="has changed"):
        run_sweep(load_experiment(changed), out, resume=True)
    address = ["sweep", str(path), "--scheduler", "tcp://127.0.0.1:9", "--out", str(tmp_path / "d")]
    line = error_line(runner.invoke(app, address))
    assert "cannot connect to the Dask scheduler at tcp://127.0.0.1:9" in line
    assert not (tmp_path / "d").exists()


def test_a_folder_being_written_by_another_sweep_is_refused(
    reference: tuple[Path, Path], tmp_path: Path
) -> None:
    """Two sweeps (or a resume beside a running sweep) never write one folder at once."""
    import fcntl

    from netsim.results.sweep_folder import LOCK_FILE

    path, _ = reference
    out = tmp_path / "busy"
    out.mkdir()
    runner = make_runner()
    with open(out / LOCK_FILE, "a+", encoding="utf-8") as held:  # as a running sweep holds it
        held.write("pid 4242\n")
        held.flush()
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        line = error_line(runner.invoke(app, ["sweep", str(path), "--serial", "--out", str(out)]))
        assert f"{out} is being written by another netsim sweep (pid 4242)" in line
        assert [p.name for p in out.iterdir()] == [LOCK_FILE]
    # released (as when that sweep ends or is killed): the folder is usable
    result = runner.invoke(app, ["sweep", str(path), "--serial", "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.stderr
    assert len(read_runs(out)) == 12


def test_a_refused_fresh_folder_is_not_left_behind(tmp_path: Path) -> None:
    path = write(tmp_path, TINY)
    out = tmp_path / "never"
    with pytest.raises(SweepError, match="holds no sweep to resume"):
        run_sweep(load_experiment(path), out, resume=True, engine=SerialEngine())
    assert not out.exists()


def test_sweep_analyses_the_folder_when_asked(
    reference: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from netsim.present import sweep_report

    path, _ = reference
    calls: list[Path] = []

    def analyse_folder(folder: Path) -> Path:
        calls.append(Path(folder))
        return folder / "report"

    monkeypatch.setattr(sweep_report, "analyse_folder", analyse_folder)
    out = tmp_path / "out"
    result = make_runner().invoke(app, ["sweep", str(path), "--serial", "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    assert calls == [out] and f"analysis: {out / 'report'}" in result.stdout


@pytest.mark.parametrize("damage", ["empty", "cut short", "junk"])
def test_resume_sets_a_damaged_runs_part_aside_and_runs_its_runs_again(
    reference: tuple[Path, Path], tmp_path: Path, damage: str
) -> None:
    """A runs/ part that cannot be read (0 bytes, truncated, not parquet) and its steps/
    part are renamed *.damaged, kept; a resume says so in one note and runs those runs
    again, so the table ends complete and equal to the uninterrupted sweep's."""
    import shutil

    path, done = reference
    out = tmp_path / "damaged"
    shutil.copytree(done, out)
    part = sorted((out / "runs").glob("part-*.parquet"))[0]
    cut = part.read_bytes()[:60]
    part.write_bytes({"empty": b"", "cut short": cut, "junk": b"junk"}[damage])
    result = make_runner().invoke(
        app, ["sweep", str(path), "--serial", "--resume", "--out", str(out), "--no-analyse"]
    )
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines() == [
        f"netsim: note: {part} could not be read (damaged or cut short): set aside as "
        f"{part.name}.damaged; its runs run again"
    ]
    assert (out / "runs" / f"{part.name}.damaged").exists()
    assert (out / "steps" / f"{part.name}.damaged").exists() == (done / "steps").is_dir()
    pd.testing.assert_frame_equal(comparable(read_runs(out)), comparable(read_runs(done)))


def test_analyse_of_a_damaged_folder_is_one_line_naming_the_repair(
    reference: tuple[Path, Path], tmp_path: Path
) -> None:
    import shutil

    _, done = reference
    out = tmp_path / "damaged"
    shutil.copytree(done, out)
    sorted((out / "runs").glob("part-*.parquet"))[0].write_bytes(b"")
    line = error_line(make_runner().invoke(app, ["analyse", str(out)]))
    assert f"{out / 'runs'}: cannot be read" in line and "--resume" in line


def test_a_failed_analysis_keeps_the_sweep_and_says_so(
    reference: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An analysis that refuses (AnalysisError) is exit 1; one that breaks is a bug (exit 70),
    its log in the sweep's folder; both say the runs are complete."""
    from netsim.analysis.summaries import AnalysisError
    from netsim.present import sweep_report

    path, _ = reference

    def refuses(folder: Path) -> Path:
        raise AnalysisError("no varied parameter to analyse")

    def breaks(folder: Path) -> Path:
        raise ZeroDivisionError("division by zero")

    runner = make_runner()
    monkeypatch.setattr(sweep_report, "analyse_folder", refuses)
    out = tmp_path / "refused"
    result = runner.invoke(app, ["sweep", str(path), "--serial", "--out", str(out), "--quiet"])
    assert result.exit_code == 1, result.stderr
    assert result.stderr.splitlines() == [
        "netsim: error: analysis failed: no varied parameter to analyse; the sweep's results "
        f"are complete in {out}"
    ]
    assert len(read_runs(out)) == 12

    monkeypatch.setattr(sweep_report, "analyse_folder", breaks)
    out = tmp_path / "broken"
    result = runner.invoke(app, ["sweep", str(path), "--serial", "--out", str(out), "--quiet"])
    assert result.exit_code == 70, result.stderr
    (line,) = result.stderr.splitlines()
    logs = sorted(out.glob("netsim-bug-*.log"))
    assert len(logs) == 1
    assert line == (
        "netsim: internal error (a bug, please report it): ZeroDivisionError: division by zero; "
        f"traceback saved to {logs[0]}; the sweep's results are complete in {out}"
    )
    assert "ZeroDivisionError: division by zero" in logs[0].read_text(encoding="utf-8")
    assert len(read_runs(out)) == 12


def test_ecosystem_entry_points_still_work() -> None:
    import mesa

    rows = mesa.batch_run(
        netsim.NetworkModel,
        parameters={"eligible_population": 60, "founding_core": [5, 10]},
        rng=[1],
        max_steps=3,
        number_processes=1,
        display_progress=False,
    )
    assert len(rows) == 2 and {r["founding_core"] for r in rows} == {5, 10}
    summary = netsim.run_one({"eligible_population": 60, "steps": 3}, seed=1)
    assert set(SUMMARY_FIELDS) <= set(summary)
    assert json.dumps(summary, default=str)


@pytest.fixture(scope="module")
def three_parts(
    reference: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path]:
    """The tiny experiment written in three parts of four runs: (experiment file, folder)."""
    path, _ = reference
    out = tmp_path_factory.mktemp("parts") / "out"
    run_sweep(load_experiment(path), out, engine=SerialEngine(), flush_runs=4)
    assert len(SweepFolder(out).run_parts()) == 3
    return path, out


def damage_steps(out: Path, how: str) -> int:
    """Damage the per-step rows of part 1 (or all of steps/); how many ok runs lose them."""
    import shutil

    part = out / "steps" / "part-00001.parquet"
    if how == "deleted":
        part.unlink()
    elif how == "empty":
        part.write_bytes(b"")
    elif how == "truncated":
        part.write_bytes(part.read_bytes()[:200])
    elif how == "short":  # readable, but one run's rows are gone
        table = pd.read_parquet(part)
        table[table["run_id"] != table["run_id"].iloc[0]].to_parquet(part, index=False)
        return 1
    elif how == "folder deleted":
        shutil.rmtree(out / "steps")
        return 12
    return 4


@pytest.mark.parametrize("how", ["deleted", "empty", "truncated", "short", "folder deleted"])
def test_resume_runs_again_the_runs_whose_step_rows_are_lost(
    three_parts: tuple[Path, Path], reference: tuple[Path, Path], tmp_path: Path, how: str
) -> None:
    """Per-step rows lost after the runs were recorded: the folder says so, and a resume runs
    exactly those runs again, giving back the clean sweep's tables."""
    import shutil

    path, done = three_parts
    _, clean = reference
    out = tmp_path / "out"
    shutil.copytree(done, out)
    lost = damage_steps(out, how)
    gaps = SweepFolder(out).step_gaps()
    assert len(gaps) == (3 if how == "folder deleted" else 1)
    assert all("have no per-step rows" in gap for gap in gaps)

    report = run_sweep(load_experiment(path), out, engine=SerialEngine(), resume=True)
    assert (report.skipped, report.ok, report.failed) == (12 - lost, lost, 0)
    assert len(report.repairs) == len(gaps)
    assert SweepFolder(out).step_gaps() == []
    pd.testing.assert_frame_equal(comparable(read_runs(out)), comparable(read_runs(clean)))
    pd.testing.assert_frame_equal(read_steps(out), read_steps(clean))


def test_a_sweep_whose_every_run_failed_exits_1_in_one_line(
    reference: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from netsim import api

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("no model today")

    monkeypatch.setattr(api, "run", broken)
    path, _ = reference
    out = tmp_path / "out"
    result = make_runner().invoke(
        app, ["sweep", str(path), "--serial", "--out", str(out), "--quiet"]
    )
    assert result.exit_code == 1, (result.stderr, result.exception)
    assert result.stderr.splitlines()[-1] == (
        "netsim: error: every run failed (12 of 12), the first at point 0 replicate 0: "
        f"RuntimeError: no model today; every error is in the run table's error column in {out}"
    )
    assert (read_runs(out)["status"] == "failed").all()


def test_the_resume_hint_is_quoted_for_the_shell(tmp_path: Path) -> None:
    """Paths with spaces (and quotes) come back as one word each when pasted into a shell."""
    import shlex

    from netsim.cli import interrupted

    out = tmp_path / "my results" / "it's here"
    file = tmp_path / "my experiments" / "x.toml"
    runner = make_runner()

    def hint() -> None:
        raise interrupted(SweepReport(out, total=40, ok=5), file)

    probe = typer_app(hint)
    result = runner.invoke(probe, [])
    assert result.exit_code == 130
    command = result.stderr.strip().rpartition("resume with: ")[2]
    assert shlex.split(command) == ["netsim", "sweep", str(file), "--resume", "--out", str(out)]


def typer_app(command: Any) -> Any:
    """A one-command Typer app running ``command`` (so its stderr is captured as the CLI's)."""
    import typer

    probe = typer.Typer()
    probe.command()(command)
    return probe
