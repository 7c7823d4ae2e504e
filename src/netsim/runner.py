"""Run many simulations: per-run seeds, local process pools, results as they finish.

A run is fully described by a :class:`RunTask` (parameters, seed, what to keep),
so it gives the same result whichever worker or engine executes it. Failures
are returned as results with the error text, never raised, so one bad run
cannot sink a batch.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import traceback
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from netsim.parameters import Parameters


@dataclass(frozen=True)
class RunTask:
    """One simulation to run: everything needed, nothing else."""

    parameters: Parameters
    seed: int
    labels: dict[str, Any] = field(default_factory=dict)
    """Identity of the run within its batch (scenario name, replicate, design point...)."""
    keep_table: bool = False
    table_every: int = 1
    """Keep every n-th step of the per-step table (the last step is always kept)."""

    @property
    def run_id(self) -> str:
        """Stable id: a hash of the parameters, the seed and the labels."""
        payload = json.dumps(
            {"p": self.parameters.to_dict(), "seed": self.seed, "labels": self.labels},
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


@dataclass
class RunOutcome:
    """What came back from one task: its summary (or error) and optionally its table."""

    task: RunTask
    summary: dict[str, Any] | None
    table: pd.DataFrame | None = None
    error: str | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None


def derive_seed(base_seed: int, *identity: Any) -> int:
    """A run's seed from the batch seed and the run's identity (not its position or worker).

    Uses numpy's SeedSequence over the base seed and a hash of the identity, so
    seeds are independent streams and do not depend on order, worker count or engine.
    """
    digest = hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode()).digest()
    words = [int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4)]
    return int(np.random.SeedSequence([base_seed & 0xFFFFFFFF, *words]).generate_state(1)[0])


def execute(task: RunTask) -> RunOutcome:
    """Run one task in this process. Never raises: errors come back in the outcome."""
    import time

    from netsim import api

    started = time.perf_counter()
    try:
        result = api.run(task.parameters, seed=task.seed)
        table = None
        if task.keep_table:
            table = result.table
            if task.table_every > 1:
                keep = (table["step"] % task.table_every == 0) | (
                    table["step"] == table["step"].iloc[-1]
                )
                table = table[keep].reset_index(drop=True)
        return RunOutcome(task, result.summary, table, None, time.perf_counter() - started)
    except Exception as err:  # a failed run is recorded, not raised
        detail = "".join(traceback.format_exception_only(type(err), err)).strip()
        return RunOutcome(task, None, None, detail, time.perf_counter() - started)


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)


def run_tasks(
    tasks: Iterable[RunTask],
    *,
    workers: int | None = None,
    on_outcome: Callable[[RunOutcome], None] | None = None,
) -> Iterator[RunOutcome]:
    """Run tasks and yield outcomes as they finish (serially when workers == 1).

    At most ``2 x workers`` tasks are in flight, so memory stays flat however
    many tasks there are.
    """
    workers = workers or default_workers()
    if workers <= 1:
        for task in tasks:
            outcome = execute(task)
            if on_outcome:
                on_outcome(outcome)
            yield outcome
        return
    iterator = iter(tasks)
    # forkserver: workers start from a clean single-threaded server process, so a
    # parent that already runs threads (BLAS, Arrow, a GUI) cannot deadlock them
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending: set[Future[RunOutcome]] = set()
        for task in iterator:
            pending.add(pool.submit(execute, task))
            if len(pending) >= 2 * workers:
                break
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                outcome = future.result()
                if on_outcome:
                    on_outcome(outcome)
                yield outcome
                nxt = next(iterator, None)
                if nxt is not None:
                    pending.add(pool.submit(execute, nxt))
