"""Run an experiment's design on an engine, streaming results to disk so no finished run is lost.

The results folder (``OUT``) and its manifest are :class:`netsim.results.sweep_folder.SweepFolder`
and :class:`~netsim.results.sweep_folder.Manifest`: the layout, the part files and the one
reader of the run and per-step tables live there; this module decides what to run and
hands finished runs to the folder's :class:`~netsim.results.sweep_folder.PartWriter`.

Parts are written to a hidden temporary name and renamed into place, so a reader (or a
crash) never sees half a part; runs are flushed every ``flush_runs`` finished runs or
``flush_seconds`` seconds, whichever comes first, so a killed sweep loses at most that much.

A resume skips the run ids already recorded as ``ok``, retries failed runs (their old
rows are removed first, so each run id appears once) and refuses to continue if the
experiment file, the base scenario or the resulting base parameters have changed.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from netsim import api
from netsim.batch.engines import (
    Engine,
    LocalEngine,
    RunOutcome,
    RunTask,
    SerialEngine,
    default_workers,
    run_id_of,
)
from netsim.config.experiments import Experiment
from netsim.config.member_network import NetworkFileError, read_member_network
from netsim.config.parameters import ParameterError
from netsim.errors import NetsimError
from netsim.results.files import Provenance, provenance
from netsim.results.sweep_folder import (
    MANIFEST,
    DoneRuns,
    Manifest,
    PartWriter,
    SweepFolder,
    SweepFolderError,
    runs_schema,
    summary_types,
)

SEEDING = (
    "seed = derive_seed(experiment seed, [[name, value] for each varied parameter sorted by "
    "name], replicate): a run's seed depends on its parameter values and replicate, not on "
    "its position in the design"
)
FLUSH_RUNS = 500
FLUSH_SECONDS = 5.0
FLUSH_STEP_ROWS = 250_000
"""Per-step rows buffered before a flush, whatever flush_runs says (keeps memory flat)."""
HEARTBEAT = 0.5
"""Seconds an engine may wait with nothing finished before the sweep gets control back."""


class SweepError(NetsimError, ValueError):
    """A sweep cannot start or resume as asked (one-line message)."""


@dataclass
class SweepReport:
    """What a sweep (or this session of it) did."""

    out: Path
    total: int
    ok: int = 0
    failed: int = 0
    skipped: int = 0
    """Runs already recorded as ok by an earlier session (resume)."""
    seconds: float = 0.0
    """How long this session has run: kept current while it runs (for progress), final once
    the sweep returns or is interrupted."""
    interrupted: bool = False
    first_errors: list[str] = field(default_factory=list)
    repairs: list[str] = field(default_factory=list)
    """What a resume found lost (a steps/ part missing or damaged) and ran again, a line each."""

    @property
    def all_failed(self) -> bool:
        """Every run of this session failed (at least one ran): the sweep produced nothing."""
        return self.done > 0 and self.ok == 0

    @property
    def done(self) -> int:
        """Runs finished in this session (ok or failed)."""
        return self.ok + self.failed

    @property
    def finished(self) -> int:
        """Runs of the design finished: this session's and those an earlier one did."""
        return self.skipped + self.done

    @property
    def left(self) -> int:
        """Runs of the design not finished yet."""
        return self.total - self.finished

    @property
    def rate(self) -> float:
        """Runs finished per second in this session (0 before the first)."""
        return self.done / max(self.seconds, 1e-9)

    @property
    def eta(self) -> float | None:
        """Seconds until the design is finished at this session's rate; None before the
        first run of the session finishes (no rate to go by)."""
        rate = self.rate
        return self.left / rate if rate > 0 else None


class SweepInterrupted(KeyboardInterrupt):
    """Ctrl-C (or SIGTERM) stopped the sweep; everything finished was flushed to disk."""

    def __init__(self, report: SweepReport) -> None:
        super().__init__(f"sweep interrupted; {report.done} runs saved in {report.out}")
        self.report = report


Progress = Callable[[SweepReport, RunOutcome | None], None]
"""Called after every finished run (with its outcome) and on every idle heartbeat (None)."""


# --- public API ---------------------------------------------------------------------------


def run_sweep(
    experiment: Experiment,
    out: str | Path,
    *,
    engine: Engine | None = None,
    resume: bool = False,
    flush_runs: int = FLUSH_RUNS,
    flush_seconds: float = FLUSH_SECONDS,
    progress: Progress | None = None,
) -> SweepReport:
    """Run every design point x replicate not yet done; stream rows to ``out`` in parts.

    ``engine`` defaults to a local process pool on all cores. Raises :class:`SweepError`
    if ``out`` cannot be used (or resumed), and :class:`SweepInterrupted` on Ctrl-C or
    SIGTERM (a batch system's notice to stop; taken as Ctrl-C while the sweep runs, in the
    main thread) after flushing what finished. Failed runs are recorded, never raised.
    """
    if flush_runs < 1 or flush_seconds <= 0:
        raise SweepError("flush_runs must be at least 1 and flush_seconds above 0")
    out = Path(out)
    if engine is None:
        engine = LocalEngine(min(default_workers(), max(1, experiment.total_runs)))
    check_network_files(experiment)
    if isinstance(engine, LocalEngine | SerialEngine):  # a Dask worker checks its own runs
        check_memory(experiment, engine.workers if isinstance(engine, LocalEngine) else 1)
    with _terminate_as_interrupt(), _folder_lock(out):
        _check_contents(experiment, out, resume)
        return _run_locked(experiment, out, engine, resume, flush_runs, flush_seconds, progress)


def _run_locked(
    experiment: Experiment,
    out: Path,
    engine: Engine,
    resume: bool,
    flush_runs: int,
    flush_seconds: float,
    progress: Progress | None,
) -> SweepReport:
    """run_sweep's work, once this process holds the folder's lock."""
    folder = SweepFolder(out)
    try:
        store = folder.writer(runs_schema(experiment))
        if resume:
            done = store.reopen()
        else:
            _start_folder(folder, experiment)
            done = DoneRuns.empty()
    except SweepFolderError as err:
        raise SweepError(str(err)) from None
    report = SweepReport(
        out=out, total=experiment.total_runs, skipped=done.count, repairs=list(store.repairs)
    )
    recorder = _Recorder(store, experiment, report, flush_runs, flush_seconds, progress)
    started = recorder.started
    stream = engine.stream(_tasks(experiment, done, recorder), heartbeat=HEARTBEAT)
    try:
        for outcome in stream:
            if outcome is not None:
                recorder.add(outcome)
            recorder.tick(outcome)
    except KeyboardInterrupt:
        report.interrupted = True
    finally:
        with contextlib.suppress(KeyboardInterrupt), _signals_deferred():
            stream.close()  # cancels queued runs, stops the workers
            recorder.flush()
        report.seconds = time.perf_counter() - started
    if report.interrupted:
        raise SweepInterrupted(report)
    return report


def check_network_files(experiment: Experiment) -> None:
    """Refuse (SweepError, before any folder or run) a design naming a network file that
    cannot be read, instead of recording the same failure for every run.

    Each distinct (network_file, network_nodes_file) pair of the design is read once;
    whether its people fit a point's eligible_population stays a property of that point
    (a failed run if not).
    """
    base = experiment.base
    pairs: dict[tuple[str, str], None] = {}
    for point in experiment.points():
        network = point.get("network_file", base.network_file)
        if network:
            pairs[(network, point.get("network_nodes_file", base.network_nodes_file))] = None
    for network, nodes in pairs:
        try:
            read_member_network(network, nodes or None)
        except NetworkFileError as err:
            raise SweepError(f"{experiment.path}: network_file: {err}") from None


def check_memory(experiment: Experiment, at_once: int) -> None:
    """Refuse (MemoryLimitError, before any folder or model) a design whose largest run,
    ``at_once`` of them side by side, would be over the memory limit (:func:`api.check_memory`).

    Runs differ in memory only by eligible_population and contacts_per_person, so each
    distinct pair of those is estimated once, and the largest point that can be built is
    checked (a point that cannot be built is a failed run, never a model).
    """
    base = experiment.base
    by_size: dict[tuple[Any, Any], dict[str, Any]] = {}
    for point in experiment.points():
        key = (point.get("eligible_population"), point.get("contacts_per_person"))
        by_size.setdefault(key, point)

    def estimate(point: dict[str, Any]) -> int:
        people = point.get("eligible_population", base.eligible_population)
        return api.peak_bytes(people, point.get("contacts_per_person", base.contacts_per_person))

    for point in sorted(by_size.values(), key=estimate, reverse=True):
        try:
            params = base.replace(**point)
        except ParameterError:
            continue
        api.check_memory(params, at_once=at_once)
        return


# --- manifest and folder ------------------------------------------------------------------


def build_manifest(experiment: Experiment) -> Manifest:
    """The manifest a sweep of ``experiment`` writes first: everything needed to interpret
    (and resume) the folder (see :class:`netsim.results.sweep_folder.Manifest`)."""
    scenario_text = experiment.scenario.text or None
    origin = Provenance(**provenance(experiment.seed, scenario_text))
    return Manifest.of_experiment(experiment, origin, SEEDING)


def check_folder(experiment: Experiment, out: str | Path, *, resume: bool = False) -> None:
    """Raise SweepError if ``out`` cannot take (or resume) this experiment; changes nothing."""
    out = Path(out)
    if SweepFolder(out).lock_path.exists():
        with _folder_lock(out):  # refused at once if a running sweep holds it
            pass
    _check_contents(experiment, out, resume)


def _check_contents(experiment: Experiment, out: Path, resume: bool) -> None:
    """check_folder's checks of what ``out`` holds (the caller holds or has probed the lock)."""
    if resume:
        _check_resume(out, experiment)
        return
    folder = SweepFolder(out)
    if folder.exists():
        raise SweepError(
            f"{out} already holds a sweep; add --resume to continue it, or choose another --out"
        )
    if not folder.is_empty():
        raise SweepError(f"{out} exists and is not an empty folder; choose another --out")


@contextlib.contextmanager
def _folder_lock(out: Path) -> Iterator[None]:
    """Hold ``out``'s lock file for the sweep's duration; SweepError if another sweep holds it.

    An advisory ``flock``: released by the operating system when the process ends,
    however it ends, so a killed sweep never leaves the folder locked. Where
    ``fcntl`` is missing (Windows) the folder is not locked.
    """
    try:
        import fcntl  # POSIX only: the one import kept inside a function for portability
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    fresh = not out.exists()
    lock = SweepFolder(out).lock_path
    try:
        out.mkdir(parents=True, exist_ok=True)
        handle = open(lock, "a+", encoding="utf-8")  # noqa: SIM115 - held open
    except OSError as err:
        raise SweepError(f"cannot write to {out}: {err.strerror or err}") from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise SweepError(
                f"{out} is being written by another netsim sweep ({holder}); "
                "wait for it to finish, or choose another --out"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}\n")
        handle.flush()
        try:
            yield
        except SweepError:
            if fresh:  # nothing of ours is in it: leave no empty folder behind
                lock.unlink(missing_ok=True)
                with contextlib.suppress(OSError):
                    out.rmdir()
            raise


def _start_folder(folder: SweepFolder, experiment: Experiment) -> None:
    matrix = experiment.matrix
    design = None
    if matrix is not None:
        design = pd.DataFrame(matrix, columns=list(experiment.varied))
        design.insert(0, "point_id", np.arange(len(design), dtype=np.int64))
    try:
        folder.create(build_manifest(experiment), design)
    except OSError as err:
        raise SweepError(f"cannot write to {folder.path}: {err.strerror or err}") from None


def _check_resume(out: Path, experiment: Experiment) -> None:
    folder = SweepFolder(out)
    if not folder.exists():
        raise SweepError(f"{out} holds no sweep to resume (no {MANIFEST})")
    try:
        manifest = folder.manifest
    except SweepFolderError as err:
        raise SweepError(str(err)) from None
    name = experiment.path.name
    if manifest.experiment_text != experiment.text:
        raise SweepError(
            f"{name} has changed since the sweep in {out} started; resume only with the same "
            "experiment file (or start a new sweep with another --out)"
        )
    if manifest.scenario_text != experiment.scenario.text:
        raise SweepError(
            f"the base scenario of {name} has changed since the sweep in {out} started; "
            "restore it or start a new sweep with another --out"
        )
    recorded = dict(manifest.base_parameters)
    current = json.loads(json.dumps(experiment.base.to_dict(), default=str))
    if recorded != current:
        changed = sorted(
            k for k in set(recorded) | set(current) if recorded.get(k) != current.get(k)
        )
        raise SweepError(
            f"the base parameters differ from the sweep in {out} (changed: "
            f"{', '.join(changed)}; netsim's defaults or a file moved?); start a new sweep"
        )


# --- rows and schemas -----------------------------------------------------------------------


def _convert(value: Any, kind: pa.DataType) -> Any:
    """A summary value in its column's type; None where it cannot be one (NaN in an int)."""
    if value is None:
        return None
    if kind == pa.bool_():
        return bool(value)
    if kind == pa.int64():
        number = float(value)
        return int(number) if number == number and number.is_integer() else None
    if kind == pa.float64():
        return float(value)
    return str(value)


def _step_table(store: PartWriter, outcome: RunOutcome) -> pa.Table | None:
    """One run's per-step rows with its ids, in the folder's per-step schema."""
    if outcome.table is None:
        return None
    body = pa.Table.from_pandas(outcome.table, preserve_index=False).replace_schema_metadata()
    labels = outcome.task.labels
    ids = {
        "run_id": outcome.task.run_id,
        "point_id": labels["point_id"],
        "replicate": labels["replicate"],
    }
    return store.step_table(ids, body.num_rows, body)


# --- the session: tasks in, rows out --------------------------------------------------------


class _Recorder:
    """Buffers finished runs and flushes them as parts; keeps the counts for progress."""

    def __init__(
        self,
        store: PartWriter,
        experiment: Experiment,
        report: SweepReport,
        flush_runs: int,
        flush_seconds: float,
        progress: Progress | None,
    ) -> None:
        self.store = store
        self.experiment = experiment
        self.report = report
        self.flush_runs = flush_runs
        self.flush_seconds = flush_seconds
        self.progress = progress
        self.rows: list[dict[str, Any]] = []
        self.tables: list[pa.Table] = []
        self.step_rows = 0
        self.last_flush = time.monotonic()
        self.started = time.perf_counter()
        """When the session started: the report's ``seconds`` count from here."""
        self.summary_kinds = summary_types()
        self.varied = experiment.varied

    def add(self, outcome: RunOutcome) -> None:
        task = outcome.task
        values = {name: getattr(task.parameters, name) for name in self.varied}
        self.record(
            task.run_id,
            task.labels,
            task.seed,
            values,
            outcome.error,
            outcome.seconds,
            outcome.summary,
        )
        if outcome.ok:
            table = _step_table(self.store, outcome)
            if table is not None:
                self.tables.append(table)
                self.step_rows += table.num_rows

    def record(
        self,
        run_id: str,
        labels: Mapping[str, Any],
        seed: int,
        values: Mapping[str, Any],
        error: str | None,
        seconds: float,
        summary: Mapping[str, Any] | None,
    ) -> None:
        ok = error is None and summary is not None
        row: dict[str, Any] = {
            "run_id": run_id,
            "point_id": labels["point_id"],
            "replicate": labels["replicate"],
            "seed": seed,
            "status": "ok" if ok else "failed",
            "error": None if ok else (error or "no summary"),
            "seconds": float(seconds),
            **values,
        }
        for name, kind in self.summary_kinds.items():
            row[name] = _convert(summary.get(name), kind) if ok and summary else None
        self.rows.append(row)
        if ok:
            self.report.ok += 1
        else:
            self.report.failed += 1
            if len(self.report.first_errors) < 5:
                self.report.first_errors.append(
                    f"point {labels['point_id']} replicate {labels['replicate']}: {row['error']}"
                )

    def tick(self, outcome: RunOutcome | None) -> None:
        if self.rows and (
            len(self.rows) >= self.flush_runs
            or self.step_rows >= FLUSH_STEP_ROWS
            or time.monotonic() - self.last_flush >= self.flush_seconds
        ):
            self.flush()
        if self.progress is not None:
            self.report.seconds = time.perf_counter() - self.started
            self.progress(self.report, outcome)

    def flush(self) -> None:
        with _signals_deferred():  # never half-record a batch (written but not cleared)
            if self.rows:
                self.store.write(self.rows, self.tables)
            self.rows, self.tables, self.step_rows = [], [], 0
            self.last_flush = time.monotonic()


def _tasks(experiment: Experiment, done: DoneRuns, recorder: _Recorder) -> Iterator[RunTask]:
    """Replicate-major (every point once before any point twice), lazily, skipping done runs.

    A point whose parameters are inconsistent (e.g. founding_core above
    eligible_population) cannot be built; it is recorded as a failed run here.
    """
    base = experiment.base
    base_values = base.to_dict()
    outputs = experiment.outputs
    for replicate in range(experiment.replicates):
        for point_id, point in enumerate(experiment.points()):
            seed = experiment.seed_for(point, replicate)
            labels = {"point_id": point_id, "replicate": replicate}
            try:
                params = base.replace(**point)
            except ParameterError as err:
                run_id = run_id_of({**base_values, **point}, seed, labels)
                if run_id not in done:
                    recorder.record(
                        run_id, labels, seed, point, f"ParameterError: {err}", 0.0, None
                    )
                    recorder.tick(None)
                continue
            task = RunTask(
                params,
                seed,
                labels,
                keep_table=outputs.steps,
                table_every=outputs.step_every,
            )
            if task.run_id not in done:
                yield task


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """Take SIGTERM (a batch system's notice to stop) as Ctrl-C for the block.

    So a terminated sweep flushes what finished and raises :class:`SweepInterrupted`, as
    Ctrl-C does, instead of dying with its last runs unsaved. The handler before is
    restored after. Only the main thread can handle signals; elsewhere this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    """A signal handler that stops the main thread as Ctrl-C does."""
    raise KeyboardInterrupt


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM until the block is done (a part is written whole).

    A signal that arrives meanwhile is delivered again afterwards, to whatever handler
    was in place (Python's Ctrl-C handler, the CLI's SIGTERM handler, the default).
    Only the main thread can handle signals; elsewhere this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    held = (signal.SIGINT, signal.SIGTERM)
    previous = {s: signal.signal(s, lambda signum, frame: caught.append(signum)) for s in held}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    for signum in dict.fromkeys(caught):
        signal.raise_signal(signum)
