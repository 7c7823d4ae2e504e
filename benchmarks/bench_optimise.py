"""On-demand benchmark of policy search (`netsim optimise`): not a test; run it by hand.

Runs the shipped 3-lever example (experiments/optimise_example.toml) on a local pool and
prints its wall time next to the target (at most 5 minutes on 2 cores); with ``--dask``
it also runs the same search on a local Dask cluster of as many single-threaded workers
and checks that the front (every evaluated policy, its runs and P) is the same.

Usage::

    python benchmarks/bench_optimise.py              # local pool (~2-4 min on 2 cores)
    python benchmarks/bench_optimise.py --dask       # + the same search on Dask, compared
    python benchmarks/bench_optimise.py --workers 4

The machine may be shared: the load average is printed at the start and the end.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from netsim.batch.engines import DaskEngine, LocalEngine, default_workers
from netsim.batch.optimise import SearchResult, run_search
from netsim.config.policy_search import load_policy_search

EXAMPLE = Path(__file__).resolve().parents[1] / "experiments" / "optimise_example.toml"
TARGET_SECONDS = 300.0


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=min(2, default_workers()))
    parser.add_argument("--dask", action="store_true", help="also run on a local Dask cluster")
    parser.add_argument("--file", type=Path, default=EXAMPLE, help="policy-search file")
    args = parser.parse_args()
    search = load_policy_search(args.file)
    runs = search.population * search.generations * search.runs_per_policy
    print(f"load average at start: {load()}")
    print(
        f"{search.name}: {len(search.levers)} levers, population {search.population}, "
        f"{search.generations} generations, {search.runs_per_policy} runs per policy "
        f"(at most {runs} runs), {search.base.eligible_population} people, "
        f"{search.base.steps} weeks"
    )
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        local = run_search(
            search,
            Path(tmp) / "local",
            LocalEngine(args.workers),
            progress=lambda report: print("  " + report.line(search)),
        )
        seconds = time.perf_counter() - started
        verdict = "PASS" if seconds <= TARGET_SECONDS else "MISS"
        print(
            f"local, {args.workers} workers: {seconds:.1f} s for {local.runs} runs "
            f"({len(local.table)} policies); target <= {TARGET_SECONDS:.0f} s: {verdict}"
        )
        print(local.verdict())
        same = True
        if args.dask:
            same = compare_on_dask(Path(tmp) / "dask", args.workers, local)
    print(f"load average at end: {load()}")
    return 0 if same else 1


def compare_on_dask(out: Path, workers: int, local: SearchResult) -> bool:
    """The same search on a local Dask cluster; True if its table equals the local one."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        started = time.perf_counter()
        with DaskEngine(cluster.scheduler_address) as engine:
            dask = run_search(local.search, out, engine)
        seconds = time.perf_counter() - started
    try:
        pd.testing.assert_frame_equal(dask.table, local.table)
        same = True
    except AssertionError as err:
        print(f"Dask's table differs: {err}")
        same = False
    print(
        f"Dask, {workers} workers: {seconds:.1f} s for {dask.runs} runs; same front and "
        f"estimates as the local pool: {'PASS' if same else 'MISS'}"
    )
    return same


if __name__ == "__main__":
    sys.exit(main())
