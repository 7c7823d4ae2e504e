"""Run many simulations: per-run seeds, execution engines, results as they finish.

A run is fully described by a :class:`RunTask` (parameters, seed, what to keep),
so it gives the same result whichever worker or engine executes it. Failures
are returned as results with the error text, never raised, so one bad run
cannot sink a batch.

Engines say *where* tasks run and nothing else: :class:`SerialEngine` (in this
process, for debugging), :class:`LocalEngine` (a local process pool) and
:class:`DaskEngine` (an existing Dask cluster). Each keeps a bounded number of
tasks in flight and takes tasks from a lazy iterable, so memory stays flat
however many tasks there are. :class:`EngineChoice` is which of them a user asked
for (``--serial``, ``--workers N``, ``--scheduler ADDRESS``), checked.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import json
import multiprocessing
import os
import select
import signal
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from functools import cached_property
from itertools import islice
from typing import Any, Protocol

import pandas as pd

from netsim import api
from netsim.config.parameters import Parameters
from netsim.errors import NetsimError


class EngineError(NetsimError, ValueError):
    """The engine asked for cannot be used: a bad count or combination of options, or a
    Dask scheduler that cannot be reached (one-line message)."""


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


def execute(task: RunTask) -> RunOutcome:
    """Run one task in this process. Never raises: errors come back in the outcome."""
    return RunOutcome(task, *_execute_detached(task))


def _execute_detached(
    task: RunTask,
) -> tuple[dict[str, Any] | None, pd.DataFrame | None, str | None, float]:
    """execute's outcome without the task: (summary, table, error, seconds).

    What a worker sends back: the parent still holds the task, so its parameters
    need not be pickled back and rebuilt for every run.
    """

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
        return result.summary, table, None, time.perf_counter() - started
    except Exception as err:  # a failed run is recorded, not raised
        detail = "".join(traceback.format_exception_only(type(err), err)).strip()
        return None, None, detail, time.perf_counter() - started


def _execute_chunk(
    tasks: list[RunTask],
) -> list[tuple[dict[str, Any] | None, pd.DataFrame | None, str | None, float]]:
    """_execute_detached for each task, in order (what a local worker runs)."""
    return [_execute_detached(task) for task in tasks]


class _RunTiming:
    """The mean length of the runs so far, and the chunk size it calls for."""

    def __init__(self, chunk_seconds: float) -> None:
        self.chunk_seconds = chunk_seconds
        self.runs = 0
        self.seconds = 0.0

    def add(self, seconds: float) -> None:
        self.runs += 1
        self.seconds += seconds

    def chunk_size(self) -> int:
        if self.runs == 0:
            return 1
        mean = self.seconds / self.runs
        return max(1, min(MAX_CHUNK, int(self.chunk_seconds / max(mean, 1e-6))))


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)


def check_workers(workers: int | None) -> None:
    """Refuse a worker count below 1 (None means all cores) with an EngineError."""
    if workers is not None and workers < 1:
        raise EngineError(f"--workers must be at least 1; got {workers}")


def _crashed(task: RunTask, err: BaseException) -> RunOutcome:
    """A task whose worker failed (died, was killed, lost): recorded like a failed run."""
    detail = "".join(traceback.format_exception_only(type(err), err)).strip()
    return RunOutcome(task, None, None, f"worker failure: {detail}", 0.0)


def _ignore_sigint() -> None:
    """Ctrl-C is the parent's to handle (it stops the workers itself)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


PR_SET_PDEATHSIG = 1
"""Linux prctl(2) option: the signal a process gets when its parent ends."""
OWNER_POLL_SECONDS = 0.5
"""How often a worker without pidfds (not Linux) checks that its owner is still there."""


def start_worker(owner: int) -> None:
    """Initializer of every local worker: ignore Ctrl-C, and end when ``owner`` ends.

    ``owner`` is the pid of the process that made the pool (the sweep, the comparison).
    A forkserver worker is the child of the forkserver, not of the owner, and holds the
    forkserver's and the resource tracker's pipes open: a worker left idle after its
    owner is killed (kill -9, the OOM killer) keeps all three alive. So each worker
    watches its owner itself (:func:`watch_owner`); once the workers are gone the
    forkserver and resource tracker see their pipes close and exit on their own. On
    Linux the worker also asks for SIGKILL when its parent (the forkserver, or the
    owner itself under spawn) ends.
    """
    _ignore_sigint()
    parent = os.getppid()
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the parent ended before the request was in place
            os._exit(1)
    threading.Thread(
        target=watch_owner, args=(owner, parent), name="netsim-owner-watch", daemon=True
    ).start()


def watch_owner(owner: int, parent: int) -> None:
    """Block until ``owner`` has ended (or this process's parent changed), then exit now.

    With a pidfd (Linux 5.3+) the wait is one blocking ``select`` on the owner itself, so a
    reused pid cannot fool it; elsewhere the owner is polled every OWNER_POLL_SECONDS.
    ``os._exit``: a worker whose owner is gone has no one to send results to, and nothing
    of its own to clean up.
    """
    pidfd_open = getattr(os, "pidfd_open", None)
    if pidfd_open is not None:
        try:
            handle = pidfd_open(owner)
        except ProcessLookupError:  # already gone
            os._exit(1)
        except OSError:  # pidfds not supported here: poll below
            pass
        else:
            select.select([handle], [], [])
            os._exit(1)
    while os.getppid() == parent and _alive(owner):
        time.sleep(OWNER_POLL_SECONDS)
    os._exit(1)


def _alive(pid: int) -> bool:
    """The process ``pid`` exists (signal 0 checks without sending anything)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


class Engine(Protocol):
    """Where tasks run. ``stream`` yields outcomes as they finish, in any order.

    With ``heartbeat`` set, it also yields ``None`` whenever that many seconds pass
    with nothing finished, so the caller can flush buffers, refresh progress or be
    interrupted while long runs are still going. Closing the generator (or an
    exception in it, e.g. Ctrl-C) cancels what has not finished.
    """

    def stream(
        self, tasks: Iterable[RunTask], heartbeat: float | None = None
    ) -> Generator[RunOutcome | None, None, None]: ...

    def describe(self) -> str: ...


class SerialEngine:
    """Runs tasks one after another in this process: for debugging and tiny batches."""

    def stream(
        self, tasks: Iterable[RunTask], heartbeat: float | None = None
    ) -> Generator[RunOutcome | None, None, None]:
        for task in tasks:
            yield execute(task)

    def describe(self) -> str:
        return "serial (in-process)"


CHUNK_SECONDS = 0.05
"""Work per task handed to a local worker: short runs go in chunks of about this many
seconds (judged from the runs so far), so the pool's per-task cost (pickling, pipes,
thread wake-ups: ~0.5 ms of the parent's CPU) is paid once per chunk, not per run."""
MAX_CHUNK = 64
"""At most this many runs in one chunk."""


class LocalEngine:
    """A local process pool (forkserver workers); at most ``in_flight`` chunks submitted.

    Runs go to workers one at a time until their length is known, then in chunks of
    about CHUNK_SECONDS of work. A run's result does not depend on its chunk (each
    has its own seed). A worker that dies breaks the pool and every run in flight:
    those runs are tried again one at a time, alone, so only a run that kills its
    worker again is recorded as failed ("worker failure").

    Each ``stream`` starts its own workers and ends them; inside ``with engine:`` the
    workers of a finished stream are kept for the next, until the block ends (a policy
    search streams one batch per generation: its workers start once, not every batch).
    """

    def __init__(
        self,
        workers: int | None = None,
        in_flight: int | None = None,
        *,
        chunk_seconds: float = CHUNK_SECONDS,
        run_chunk: Callable[[list[RunTask]], list[Any]] | None = None,
    ) -> None:
        self.workers = max(1, workers or default_workers())
        self.in_flight = max(1, in_flight or 2 * self.workers)
        self.chunk_seconds = chunk_seconds
        self.run_chunk = run_chunk or _execute_chunk
        """What a worker runs on a chunk (a module-level function; replaceable in tests)."""
        self._keep = False
        self._kept: ProcessPoolExecutor | None = None

    def __enter__(self) -> LocalEngine:
        self._keep = True
        return self

    def __exit__(self, *exc: object) -> None:
        self._keep = False
        if self._kept is not None:
            self._kept.shutdown(wait=True)
            self._kept = None

    def describe(self) -> str:
        return f"{self.workers} local worker process{'es' if self.workers != 1 else ''}"

    def stream(
        self, tasks: Iterable[RunTask], heartbeat: float | None = None
    ) -> Generator[RunOutcome | None, None, None]:
        iterator = iter(tasks)
        # runs whose worker died (with it the pool, and every run in flight): each is
        # tried again alone, nothing else in flight, so a second death is its own
        retry: deque[RunTask] = deque()
        isolated: set[Future[list[Any]]] = set()
        # forkserver: workers start from a clean single-threaded server process, so a
        # parent that already runs threads (BLAS, Arrow, a GUI) cannot deadlock them
        context = multiprocessing.get_context("forkserver")
        pool, self._kept = self._kept or _pool(self.workers, context), None
        pending: dict[Future[list[Any]], list[RunTask]] = {}
        timing = _RunTiming(self.chunk_seconds)
        finished = False
        try:
            exhausted = False
            while True:
                if retry:
                    if not pending:
                        chunk = [retry.popleft()]
                        future = pool.submit(self.run_chunk, chunk)
                        pending[future] = chunk
                        isolated.add(future)
                else:
                    while not exhausted and len(pending) < self.in_flight:
                        chunk = list(islice(iterator, timing.chunk_size()))
                        if not chunk:
                            exhausted = True
                            break
                        pending[pool.submit(self.run_chunk, chunk)] = chunk
                if not pending:
                    break
                done, _ = wait(pending, timeout=heartbeat, return_when=FIRST_COMPLETED)
                if not done:
                    yield None
                    continue
                crashed = False
                for future in done:
                    chunk = pending.pop(future)
                    try:
                        results = future.result()
                    except Exception as err:  # a worker died
                        crashed = True
                        if future in isolated:
                            yield _crashed(chunk[0], err)
                        else:
                            retry.extend(chunk)
                        continue
                    finally:
                        isolated.discard(future)
                    for task, result in zip(chunk, results, strict=True):
                        outcome = RunOutcome(task, *result)
                        timing.add(outcome.seconds)
                        yield outcome
                if crashed:
                    pool = self._renew_if_broken(pool, context)
            finished = True
        finally:
            if finished and self._keep:
                self._kept = pool
            elif finished:
                pool.shutdown(wait=True)
            else:
                _stop_pool(pool)

    def _renew_if_broken(self, pool: ProcessPoolExecutor, context: Any) -> ProcessPoolExecutor:

        try:  # a broken pool refuses new work at once; a healthy one runs this no-op later
            pool.submit(int, 0)
        except (BrokenProcessPool, RuntimeError):
            _stop_pool(pool)
            return _pool(self.workers, context)
        return pool


def _pool(workers: int, context: Any) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes that end when this process ends (:func:`start_worker`)."""
    return ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=start_worker, initargs=(os.getpid(),)
    )


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

    As on the local pool, runs go one at a time until their length is known, then in
    chunks of about ``chunk_seconds`` of work each, so that short runs (1,000 members: tens
    of milliseconds) do not each pay the scheduler's round trip (a few milliseconds a
    task). A chunk whose worker died is split: each of its runs is tried again alone, so
    only a run that fails on its own is recorded as failed. Workers need netsim installed
    (the same version: results are only identical to a local run if the model code is).
    """

    connect_timeout = 10.0
    """Seconds to wait for the scheduler before giving up."""

    def __init__(
        self,
        address: str,
        in_flight: int | None = None,
        *,
        chunk_seconds: float = CHUNK_SECONDS,
        run_chunk: Callable[[list[RunTask]], list[Any]] | None = None,
    ) -> None:
        self.address = address
        self._in_flight = in_flight
        self.chunk_seconds = chunk_seconds
        self.run_chunk = run_chunk or _execute_chunk
        """What a worker runs on a chunk (a module-level function; replaceable in tests)."""
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
    ) -> Generator[RunOutcome | None, None, None]:
        from distributed import wait as dask_wait

        client = self.connect()
        in_flight = self._in_flight or max(2, 2 * sum(client.nthreads().values()))
        iterator = iter(tasks)
        retry: deque[RunTask] = deque()
        pending: dict[Any, list[RunTask]] = {}
        timing = _RunTiming(self.chunk_seconds)
        try:
            exhausted = False
            while True:
                while len(pending) < in_flight and (retry or not exhausted):
                    if retry:  # a run of a chunk whose worker died: alone this time
                        chunk = [retry.popleft()]
                    else:
                        chunk = list(islice(iterator, timing.chunk_size()))
                        if not chunk:
                            exhausted = True
                            break
                    pending[client.submit(self.run_chunk, chunk, pure=False)] = chunk
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
                    chunk = pending.pop(future)
                    try:
                        results = future.result()
                    except Exception as err:  # killed worker, lost data: split, or record
                        if len(chunk) > 1:
                            retry.extend(chunk)
                        else:
                            yield _crashed(chunk[0], err)
                        continue
                    for task, result in zip(chunk, results, strict=True):
                        outcome = RunOutcome(task, *result)
                        timing.add(outcome.seconds)
                        yield outcome
        finally:
            if pending:
                client.cancel(list(pending))


@dataclass(frozen=True)
class EngineChoice:
    """Where a batch is to run, as the user asked: in this process (``serial``), on
    ``workers`` local processes (None: all cores), or on the Dask cluster at ``scheduler``.

    Checked when made, so a bad choice is reported before any file is read: at most one
    of the three, and at least one worker. The messages name the command-line options.
    """

    serial: bool = False
    workers: int | None = None
    scheduler: str | None = None

    def __post_init__(self) -> None:
        check_workers(self.workers)
        if sum([self.serial, self.scheduler is not None, self.workers is not None]) > 1:
            raise EngineError("choose one of --serial, --workers N and --scheduler ADDRESS")

    @contextlib.contextmanager
    def engine(self, runs: int) -> Iterator[Engine]:
        """The chosen engine for a batch of ``runs``, ready for the block and closed after.

        A Dask engine is connected first (EngineError if the scheduler cannot be
        reached, before any run starts); local workers default to all cores but no more
        processes than there are runs.
        """
        if self.serial:
            yield SerialEngine()
        elif self.scheduler is not None:
            dask = DaskEngine(self.scheduler)
            try:
                dask.connect()
            except ConnectionError as err:
                raise EngineError(str(err)) from None
            try:
                yield dask
            finally:
                dask.close()
        else:
            yield LocalEngine(self.workers or min(default_workers(), max(1, runs)))


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
    ``2 x workers`` tasks (locally, chunks of short ones) are in flight, so memory
    stays flat however many tasks there are.
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


RunProgress = Callable[[int, int, RunOutcome], None]
"""Called after each finished run with (runs done, runs in all, that run's outcome)."""


def run_scenario_replicates(
    tasks: Iterable[RunTask], total: int, workers: int, progress: RunProgress | None = None
) -> tuple[dict[tuple[str, int], RunOutcome], float]:
    """Run tasks labelled ``scenario`` and ``replicate``; their outcomes by (scenario,
    replicate), and the wall-clock seconds. Shared by comparisons and the tipping levels."""
    started = time.perf_counter()
    outcomes: dict[tuple[str, int], RunOutcome] = {}
    for done, outcome in enumerate(run_tasks(tasks, workers=workers), start=1):
        labels = outcome.task.labels
        outcomes[(labels["scenario"], labels["replicate"])] = outcome
        if progress is not None:
            progress(done, total, outcome)
    return outcomes, time.perf_counter() - started
