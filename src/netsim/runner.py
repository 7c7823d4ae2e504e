"""Run many simulations: per-run seeds, execution engines, results as they finish.

A run is fully described by a :class:`RunTask` (parameters, seed, what to keep),
so it gives the same result whichever worker or engine executes it. Failures
are returned as results with the error text, never raised, so one bad run
cannot sink a batch.

Engines say *where* tasks run and nothing else: :class:`SerialEngine` (in this
process, for debugging), :class:`LocalEngine` (a local process pool) and
:class:`DaskEngine` (an existing Dask cluster). Each keeps a bounded number of
tasks in flight and takes tasks from a lazy iterable, so memory stays flat
however many tasks there are.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import signal
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Protocol

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

    @cached_property
    def run_id(self) -> str:
        """Stable id: a hash of the parameters, the seed and the labels (computed once)."""
        return run_id_of(self.parameters.to_dict(), self.seed, self.labels)


def run_id_of(parameters: Mapping[str, Any], seed: int, labels: Mapping[str, Any]) -> str:
    """The run id of (parameters as a plain dict, seed, labels): 16 hex digits.

    :attr:`RunTask.run_id` is this applied to ``parameters.to_dict()``; it is
    exposed so a run whose parameters cannot even be built (an inconsistent
    design point) still gets the id it would have had.
    """
    payload = json.dumps(
        {"p": dict(parameters), "seed": seed, "labels": dict(labels)}, sort_keys=True, default=str
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
        record = "all" if task.keep_table else "summary"
        result = api.run(task.parameters, seed=task.seed, record=record)
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


def _crashed(task: RunTask, err: BaseException) -> RunOutcome:
    """A task whose worker failed (died, was killed, lost): recorded like a failed run."""
    detail = "".join(traceback.format_exception_only(type(err), err)).strip()
    return RunOutcome(task, None, None, f"worker failure: {detail}", 0.0)


def _ignore_sigint() -> None:
    """Worker initializer: Ctrl-C is the parent's to handle (it stops the workers itself)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class Engine(Protocol):
    """Where tasks run. ``stream`` yields outcomes as they finish, in any order.

    With ``heartbeat`` set, it also yields ``None`` whenever that many seconds pass
    with nothing finished, so the caller can flush buffers, refresh progress or be
    interrupted while long runs are still going. Closing the generator (or an
    exception in it, e.g. Ctrl-C) cancels what has not finished.
    """

    def stream(
        self, tasks: Iterable[RunTask], heartbeat: float | None = None
    ) -> Iterator[RunOutcome | None]: ...

    def describe(self) -> str: ...


class SerialEngine:
    """Runs tasks one after another in this process: for debugging and tiny batches."""

    def stream(
        self, tasks: Iterable[RunTask], heartbeat: float | None = None
    ) -> Iterator[RunOutcome | None]:
        for task in tasks:
            yield execute(task)

    def describe(self) -> str:
        return "serial (in-process)"


class LocalEngine:
    """A local process pool (forkserver workers); at most ``in_flight`` tasks submitted."""

    def __init__(self, workers: int | None = None, in_flight: int | None = None) -> None:
        self.workers = max(1, workers or default_workers())
        self.in_flight = max(1, in_flight or 2 * self.workers)

    def describe(self) -> str:
        return f"{self.workers} local worker process{'es' if self.workers != 1 else ''}"

    def stream(
        self, tasks: Iterable[RunTask], heartbeat: float | None = None
    ) -> Iterator[RunOutcome | None]:
        iterator = iter(tasks)
        # forkserver: workers start from a clean single-threaded server process, so a
        # parent that already runs threads (BLAS, Arrow, a GUI) cannot deadlock them
        context = multiprocessing.get_context("forkserver")
        pool = ProcessPoolExecutor(
            max_workers=self.workers, mp_context=context, initializer=_ignore_sigint
        )
        pending: dict[Future[RunOutcome], RunTask] = {}
        finished = False
        try:
            exhausted = False
            while True:
                while not exhausted and len(pending) < self.in_flight:
                    task = next(iterator, None)
                    if task is None:
                        exhausted = True
                        break
                    pending[pool.submit(execute, task)] = task
                if not pending:
                    break
                done, _ = wait(pending, timeout=heartbeat, return_when=FIRST_COMPLETED)
                if not done:
                    yield None
                    continue
                crashed = False
                for future in done:
                    task = pending.pop(future)
                    try:
                        outcome = future.result()
                    except Exception as err:  # a worker died: record it, go on
                        outcome, crashed = _crashed(task, err), True
                    yield outcome
                if crashed:
                    pool = self._renew_if_broken(pool, context)
            finished = True
        finally:
            if finished:
                pool.shutdown(wait=True)
            else:
                _stop_pool(pool)

    def _renew_if_broken(self, pool: ProcessPoolExecutor, context: Any) -> ProcessPoolExecutor:
        from concurrent.futures.process import BrokenProcessPool

        try:  # a broken pool refuses new work at once; a healthy one runs this no-op later
            pool.submit(int, 0)
        except (BrokenProcessPool, RuntimeError):
            _stop_pool(pool)
            return ProcessPoolExecutor(
                max_workers=self.workers, mp_context=context, initializer=_ignore_sigint
            )
        return pool


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """Cancel queued tasks and end the workers now, without waiting for running tasks."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=5)


class DaskEngine:
    """Tasks submitted to an existing Dask cluster (``dask.distributed``), bounded in flight.

    Workers need netsim installed (the same version: results are only identical to
    a local run if the model code is).
    """

    connect_timeout = 10.0
    """Seconds to wait for the scheduler before giving up."""

    def __init__(self, address: str, in_flight: int | None = None) -> None:
        self.address = address
        self._in_flight = in_flight
        self._client: Any = None

    def describe(self) -> str:
        return f"Dask cluster at {self.address}"

    def connect(self) -> Any:
        """Connect to the scheduler (once). Raises ConnectionError with a one-line message."""
        if self._client is None:
            from distributed import Client

            try:
                self._client = Client(self.address, timeout=self.connect_timeout)
            except (OSError, TimeoutError, ValueError) as err:
                raise ConnectionError(
                    f"cannot connect to the Dask scheduler at {self.address}: {err}"
                ) from None
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def __enter__(self) -> DaskEngine:
        self.connect()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def stream(
        self, tasks: Iterable[RunTask], heartbeat: float | None = None
    ) -> Iterator[RunOutcome | None]:
        from distributed import wait as dask_wait

        client = self.connect()
        in_flight = self._in_flight or max(2, 2 * sum(client.nthreads().values()))
        iterator = iter(tasks)
        pending: dict[Any, RunTask] = {}
        try:
            exhausted = False
            while True:
                while not exhausted and len(pending) < in_flight:
                    task = next(iterator, None)
                    if task is None:
                        exhausted = True
                        break
                    pending[client.submit(execute, task, pure=False)] = task
                if not pending:
                    break
                # distributed.wait rather than as_completed: it can wake on a timer, so
                # the caller flushes and refreshes while long runs are still going
                try:
                    done, _ = dask_wait(
                        list(pending), timeout=heartbeat, return_when="FIRST_COMPLETED"
                    )
                except TimeoutError:
                    yield None
                    continue
                for future in done:
                    task = pending.pop(future)
                    try:
                        outcome = future.result()
                    except Exception as err:  # killed worker, lost data: record, go on
                        outcome = _crashed(task, err)
                    yield outcome
        finally:
            if pending:
                client.cancel(list(pending))


def run_tasks(
    tasks: Iterable[RunTask],
    *,
    workers: int | None = None,
    engine: Engine | None = None,
    on_outcome: Callable[[RunOutcome], None] | None = None,
) -> Iterator[RunOutcome]:
    """Run tasks and yield outcomes as they finish.

    ``engine`` defaults to a :class:`LocalEngine` of ``workers`` processes (all
    cores), or a :class:`SerialEngine` when ``workers == 1``. At most
    ``2 x workers`` tasks are in flight, so memory stays flat however many tasks
    there are.
    """
    if engine is None:
        workers = workers or default_workers()
        engine = SerialEngine() if workers <= 1 else LocalEngine(workers)
    for outcome in engine.stream(tasks):
        if outcome is None:
            continue
        if on_outcome:
            on_outcome(outcome)
        yield outcome
