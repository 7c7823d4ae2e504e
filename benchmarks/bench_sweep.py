"""On-demand benchmark of sweeps (`netsim sweep` machinery): not a test; run it by hand.

Measures, on this machine, in one run:

1. wall time of 1,000 runs of the full model at 1,000 members and 200 steps, summaries
   only, on a local pool of all cores (target < 60 s on 2 cores), split into model time
   (the runs' own seconds) and everything else (the runner's overhead);
2. throughput of short runs on 1 vs 2 local workers, after the pool has started
   (target >= 1.8x);
3. per-run overhead of a zero-step run: sweep wall time per run minus the same run
   called directly, serial and on 2 workers (target < 5 ms);
4. peak RSS of the sweep (parent) process for N and 10 N tiny runs, each in a fresh
   subprocess (target: 10 N runs < 1.2 x the memory of N);
5. the runs of (1) through ``mesa.batch_run`` (its own multiprocessing pool), for
   comparison;
6. the runs of (1) on a local Dask cluster (one single-threaded worker process a core),
   and the scheduler's overhead: the share of the workers' wall time not spent in runs
   (target < 10%, issue 17: chunked tasks).

Usage::

    python benchmarks/bench_sweep.py             # everything (~5 min on 2 cores)
    python benchmarks/bench_sweep.py --quick     # smaller sizes, a smoke run
    python benchmarks/bench_sweep.py --profile   # + cProfile of one run of (1)

The machine may be shared: the load average is printed at the start and the end;
throughput and wall times move with it.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

import netsim
from netsim.batch.engines import DaskEngine, Engine, LocalEngine, SerialEngine, default_workers
from netsim.batch.sweep import run_sweep
from netsim.config.experiments import Experiment, load_experiment
from netsim.config.parameters import Parameters
from netsim.results.sweep_folder import SweepFolder

console = Console()


@dataclass
class Row:
    name: str
    value: str
    target: str
    passed: bool | None
    note: str = ""


def experiment(folder: Path, name: str, levels: int, replicates: int, **fixed: Any) -> Experiment:
    """A grid over initial_trust (``levels`` points) x ``replicates``, other values fixed."""
    steps = fixed.pop("steps")
    lines = [f'name = "{name}"', "seed = 1", f"replicates = {replicates}", f"steps = {steps}"]
    lines += ["[set]", *(f"{k} = {v!r}" for k, v in fixed.items())]
    lines += ["[vary]", f"initial_trust = {{ low = 0.0, high = 1.0, num = {levels} }}"]
    path = folder / f"{name}.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return load_experiment(path)


def timed_sweep(exp: Experiment, out: Path, engine: Engine) -> tuple[float, float | None]:
    """(wall seconds, seconds from the first finished run to the last)."""
    first: list[float] = []

    def progress(report: Any, outcome: Any) -> None:
        if outcome is not None and not first:
            first.append(time.perf_counter())

    started = time.perf_counter()
    report = run_sweep(exp, out, engine=engine, progress=progress)
    ended = time.perf_counter()
    assert report.failed == 0, report.first_errors
    return ended - started, (ended - first[0]) if first else None


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


# --- 1 and 5: the full model ------------------------------------------------------------------


def full_model(folder: Path, runs: int, members: int, steps: int) -> tuple[list[Row], float]:
    workers = default_workers()
    exp = experiment(folder, "full", runs // 10, 10, eligible_population=members, steps=steps)
    wall, _ = timed_sweep(exp, folder / "full", LocalEngine(workers))
    table = SweepFolder(folder / "full").runs()
    model = float(table["seconds"].sum())
    share = model / (wall * workers)
    note = (
        f"model {model:.0f} s of run time over {workers} workers = {model / workers:.1f} s "
        f"of the wall ({share:.0%}); the rest is pool start-up, scheduling and writing"
    )
    target = 60.0 * runs / 1000 * (members * steps) / 200_000
    rows = [
        Row(
            f"1. {runs} runs x {members} members x {steps} steps, {workers} workers",
            f"{wall:.1f} s ({runs / wall:.1f} runs/s)",
            f"< {target:.0f} s",
            wall < target,
            note,
        )
    ]
    return rows, wall


def dask_sweep(folder: Path, runs: int, members: int, steps: int) -> Row:
    """(6): the sweep of (1) on a local Dask cluster; overhead = 1 - run time / worker time."""
    from distributed import LocalCluster

    workers = default_workers()
    exp = experiment(folder, "dask", runs // 10, 10, eligible_population=members, steps=steps)
    with (
        LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        DaskEngine(cluster.scheduler_address) as engine,
    ):
        engine.connect().run(lambda: __import__("netsim.api"))  # workers import netsim first
        wall, _ = timed_sweep(exp, folder / "dask", engine)
    model = float(SweepFolder(folder / "dask").runs()["seconds"].sum())
    overhead = 1 - model / (wall * workers)
    return Row(
        f"6. the runs of (1) on a local Dask cluster, {workers} workers",
        f"{wall:.1f} s, overhead {overhead:.0%}",
        "overhead < 10%",
        overhead < 0.10,
        f"model {model:.0f} s of run time in {wall * workers:.0f} worker-seconds; the rest "
        "is scheduling, transfer and the parent's writing",
    )


def batch_run(runs: int, members: int, steps: int, sweep_wall: float) -> Row:
    import mesa

    workers = default_workers()
    started = time.perf_counter()
    rows = mesa.batch_run(
        netsim.NetworkModel,
        parameters={
            "eligible_population": members,
            "steps": steps,
            "initial_trust": [round(i / (runs // 10 - 1), 12) for i in range(runs // 10)],
        },
        rng=list(range(1, 11)),
        max_steps=steps,
        number_processes=workers,
        data_collection_period=-1,
        display_progress=False,
    )
    wall = time.perf_counter() - started
    assert len(rows) == runs
    return Row(
        f"5. the same runs through mesa.batch_run ({workers} processes)",
        f"{wall:.1f} s ({runs / wall:.1f} runs/s)",
        "for comparison",
        None,
        f"netsim sweep / batch_run wall = {sweep_wall / wall:.2f} (lower is faster); "
        "batch_run keeps every result in memory and writes nothing",
    )


def profile_one(members: int, steps: int) -> str:
    params = Parameters(eligible_population=members, steps=steps)
    profiler = cProfile.Profile()
    profiler.enable()
    netsim.run(params, seed=1)
    profiler.disable()
    buffer = io.StringIO()
    pstats.Stats(profiler, stream=buffer).sort_stats("cumulative").print_stats(18)
    return buffer.getvalue()


# --- 2 and 3: throughput and overhead -----------------------------------------------------------


def throughput(folder: Path, runs: int, repeats: int = 3) -> Row:
    """Short runs on 1 and 2 workers, alternated ``repeats`` times; the ratio of the medians.

    One sweep of short runs lasts a few seconds, and on a shared 2-core VM a single
    pair of them can differ by 20% either way; alternating and taking medians keeps
    a passing neighbour from deciding the figure.
    """
    rates: dict[int, list[float]] = {1: [], 2: []}
    for repeat in range(repeats):
        for workers in (1, 2):
            name = f"short{workers}-{repeat}"
            exp = experiment(folder, name, runs // 10, 10, eligible_population=200, steps=20)
            _, steady = timed_sweep(exp, folder / name, LocalEngine(workers))
            assert steady is not None
            rates[workers].append((runs - 1) / steady)
    one, two = (float(np.median(rates[w])) for w in (1, 2))
    ratio = two / one
    return Row(
        f"2. short runs (200 members x 20 steps), 2 vs 1 workers, {runs} runs each, "
        f"median of {repeats}",
        f"{ratio:.2f}x ({one:.0f} -> {two:.0f} runs/s)",
        ">= 1.8x",
        ratio >= 1.8,
        "rates from the first finished run to the last (pool start-up excluded); "
        + "; ".join(
            f"{w} worker{'s' if w > 1 else ''}: " + ", ".join(f"{r:.0f}" for r in rates[w])
            for w in (1, 2)
        )
        + " runs/s",
    )


def overhead(folder: Path, runs: int) -> list[Row]:
    fixed = {"eligible_population": 20, "founding_core": 5, "innovators": 1, "steps": 0}
    direct_params = Parameters(**fixed)
    netsim.run(direct_params, seed=0)
    started = time.perf_counter()
    for seed in range(runs):
        netsim.run(direct_params, seed=seed)
    direct = (time.perf_counter() - started) / runs
    rows = []
    for label, engine, workers in (
        ("serial", SerialEngine(), 1),
        ("2 workers", LocalEngine(2), 2),
    ):
        exp = experiment(folder, f"zero{workers}", runs // 10, 10, **fixed)
        wall, steady = timed_sweep(exp, folder / f"zero{workers}", engine)
        per_run = (steady if workers > 1 and steady else wall) * workers / runs
        extra = (per_run - direct) * 1000
        rows.append(
            Row(
                f"3. per-run overhead, zero-step runs, {label}",
                f"{extra:.2f} ms",
                "< 5 ms",
                extra < 5,
                f"{per_run * 1000:.2f} ms a run in the sweep (x workers) vs {direct * 1000:.2f} "
                "ms called directly",
            )
        )
    return rows


# --- 4: memory ------------------------------------------------------------------------------------

CHILD = """
import json, sys
from netsim.config.experiments import load_experiment
from netsim.batch.engines import LocalEngine
from netsim.batch.sweep import run_sweep


def status(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1]) * 1024


def main():
    exp = load_experiment(sys.argv[1])
    base = status("VmRSS")
    report = run_sweep(exp, sys.argv[2], engine=LocalEngine(2))
    print(json.dumps({"baseline": base, "peak": status("VmHWM"), "runs": report.ok}))


if __name__ == "__main__":
    main()
"""


def memory(folder: Path, runs: int) -> Row:
    child = folder / "memory_child.py"
    child.write_text(CHILD, encoding="utf-8")
    fixed = {"eligible_population": 20, "founding_core": 5, "innovators": 1, "steps": 1}
    peaks = {}
    for n in (runs, 10 * runs):
        exp = experiment(folder, f"mem{n}", n // 10, 10, **fixed)
        out = subprocess.run(
            [sys.executable, str(child), str(exp.path), str(folder / f"mem{n}")],
            capture_output=True,
            text=True,
            check=True,
        )
        figures = json.loads(out.stdout.strip().splitlines()[-1])
        assert figures["runs"] == n
        peaks[n] = figures
    small, large = peaks[runs]["peak"], peaks[10 * runs]["peak"]
    ratio = large / small
    return Row(
        f"4. peak RSS of the sweep process, {runs} vs {10 * runs} runs",
        f"{small / 1e6:.0f} MB -> {large / 1e6:.0f} MB ({ratio:.2f}x)",
        "< 1.2x",
        ratio < 1.2,
        f"parent only (2 worker processes apart); baseline after imports "
        f"{peaks[runs]['baseline'] / 1e6:.0f} MB",
    )


# --- main ----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (a smoke run)")
    parser.add_argument("--profile", action="store_true", help="cProfile one run of (1)")
    parser.add_argument("--skip-batch-run", action="store_true", help="skip (5)")
    parser.add_argument("--skip-dask", action="store_true", help="skip (6)")
    args = parser.parse_args(argv)
    runs, members, steps = (100, 1000, 50) if args.quick else (1000, 1000, 200)
    short, zero, mem = (200, 300, 300) if args.quick else (1000, 1000, 1000)

    commit = subprocess.run(
        ["git", "-C", str(Path(__file__).parent), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    console.print(
        f"netsim {netsim.__version__} (git {commit or '?'}), {os.cpu_count()} cores, "
        f"python {sys.version.split()[0]}, load average {load()}"
    )
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench_sweep_") as tmp:
        folder = Path(tmp)
        full_rows, sweep_wall = full_model(folder, runs, members, steps)
        rows += full_rows
        rows.append(throughput(folder, short))
        rows += overhead(folder, zero)
        rows.append(memory(folder, mem))
        if not args.skip_batch_run:
            rows.append(batch_run(runs, members, steps, sweep_wall))
        if not args.skip_dask:
            rows.append(dask_sweep(folder, runs, members, steps))

    table = Table(title="netsim sweep benchmark")
    for column in ("measure", "value", "target", "result"):
        table.add_column(column)
    for row in rows:
        verdict = "–" if row.passed is None else ("PASS" if row.passed else "MISS")
        table.add_row(row.name, row.value, row.target, verdict)
    console.print(table)
    for row in rows:
        if row.note:
            console.print(f"[bold]{row.name.split('.')[0]}.[/bold] {row.note}", highlight=False)
    console.print(f"load average at the end: {load()}")
    if args.profile:
        console.print(f"\ncProfile of one run ({members} members x {steps} steps):")
        print(profile_one(members, steps))


if __name__ == "__main__":
    main()
