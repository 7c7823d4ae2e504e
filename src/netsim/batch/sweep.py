"""Run an experiment's design on an engine, streaming results to disk so no finished run is lost.

The results folder (``OUT``)::

    manifest.json          written first (atomically): provenance, the experiment and base
                           scenario texts, design, varied parameters, SALib problem, totals
    design.parquet         sampled designs only: point_id + the raw sample (before rounding)
    runs/part-00000.parquet, part-00001.parquet, ...
                           one row per finished run: run_id, point_id, replicate, seed,
                           status ("ok" | "failed"), error, seconds, one column per varied
                           parameter, then every summary field (in config.outcomes order)
    steps/part-00000.parquet, ...
                           only with [outputs] steps = true: run_id, point_id, replicate and
                           the per-step columns

``pd.read_parquet(OUT / "runs")`` loads the whole run table; :func:`read_runs` also
drops duplicates and sorts. Parts are written to a hidden temporary name and renamed
into place, so a reader (or a crash) never sees half a part; runs are flushed every
``flush_runs`` finished runs or ``flush_seconds`` seconds, whichever comes first, so a
killed sweep loses at most that much. Part ``k`` of ``steps/`` is written before part
``k`` of ``runs/``: a run counts as done once its row is in ``runs/``, and a resume
removes any ``steps/`` part whose ``runs/`` part never arrived.

A resume skips the run ids already recorded as ``ok``, retries failed runs (their old
rows are removed first, so each run id appears once) and refuses to continue if the
experiment file, the base scenario or the resulting base parameters have changed.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from netsim.batch.engines import (
    Engine,
    LocalEngine,
    RunOutcome,
    RunTask,
    default_workers,
    run_id_of,
)
from netsim.config.experiments import Experiment
from netsim.config.outcomes import OUTCOMES, SUMMARY_FIELDS
from netsim.config.parameters import ParameterError
from netsim.results.files import atomic_write, atomic_write_text, provenance

FORMAT = "netsim-sweep/1"
MANIFEST = "manifest.json"
RUNS = "runs"
STEPS = "steps"
DESIGN_FILE = "design.parquet"
LOCK_FILE = ".sweep.lock"
"""Held (flock) by the one sweep writing a folder, so a second sweep or resume is refused."""
ID_COLUMNS = ("run_id", "point_id", "replicate", "seed", "status", "error", "seconds")
STEP_ID_COLUMNS = ("run_id", "point_id", "replicate")
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
_PART = re.compile(r"^part-(\d+)\.parquet$")


class SweepError(ValueError):
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
    interrupted: bool = False
    first_errors: list[str] = field(default_factory=list)

    @property
    def done(self) -> int:
        """Runs finished in this session (ok or failed)."""
        return self.ok + self.failed


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
    if ``out`` cannot be used (or resumed), and :class:`SweepInterrupted` on Ctrl-C
    after flushing what finished. Failed runs are recorded, never raised.
    """
    if flush_runs < 1 or flush_seconds <= 0:
        raise SweepError("flush_runs must be at least 1 and flush_seconds above 0")
    out = Path(out)
    if engine is None:
        engine = LocalEngine(min(default_workers(), max(1, experiment.total_runs)))
    with _folder_lock(out):
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
    store = _Store(out, runs_schema(experiment))
    if resume:
        done = store.reopen()
    else:
        _start_folder(out, experiment)
        done = _DoneRuns.empty()
    report = SweepReport(out=out, total=experiment.total_runs, skipped=done.count)
    recorder = _Recorder(store, experiment, report, flush_runs, flush_seconds, progress)
    started = time.perf_counter()
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


def read_manifest(out: str | Path) -> dict[str, Any]:
    """The manifest of a sweep folder."""
    path = Path(out) / MANIFEST
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SweepError(f"{out}: no {MANIFEST}; not a sweep results folder") from None
    except (OSError, ValueError) as err:
        raise SweepError(f"{path}: cannot be read: {err}") from None


def read_runs(out: str | Path) -> pd.DataFrame:
    """The whole run table: one row per run id (ok preferred), sorted by point and replicate."""
    folder = Path(out) / RUNS
    if not _parts(folder):
        return pd.DataFrame(columns=runs_schema_from_manifest(read_manifest(out)))
    table = pd.read_parquet(folder)
    rank = (table["status"] != "ok").astype(int)
    table = (
        table.assign(_rank=rank)
        .sort_values(["run_id", "_rank"], kind="stable")
        .drop_duplicates("run_id", keep="first")
        .drop(columns="_rank")
    )
    return table.sort_values(["point_id", "replicate"], kind="stable").reset_index(drop=True)


def read_steps(out: str | Path, run_id: str | None = None) -> pd.DataFrame:
    """All kept per-step rows, one per (run id, step), sorted by point, replicate and step.

    With ``run_id``, only that run's rows (the filter is pushed down to the Parquet
    parts, so one run of a large sweep is read without loading the others).
    """
    folder = Path(out) / STEPS
    if not _parts(folder):
        return pd.DataFrame(columns=list(STEP_ID_COLUMNS))
    filters = [("run_id", "==", run_id)] if run_id is not None else None
    table = pd.read_parquet(folder, filters=filters).drop_duplicates(
        ["run_id", "step"], keep="first"
    )
    return table.sort_values(["point_id", "replicate", "step"], kind="stable").reset_index(
        drop=True
    )


def runs_schema_from_manifest(manifest: Mapping[str, Any]) -> list[str]:
    """The run table's column names, as the manifest lists them."""
    columns = manifest.get("columns", {})
    return [*columns.get("ids", []), *columns.get("parameters", []), *columns.get("summary", [])]


# --- manifest and folder ------------------------------------------------------------------


def build_manifest(experiment: Experiment) -> dict[str, Any]:
    """Everything needed to interpret (and resume) the folder, as JSON-ready data.

    Flat on purpose: ``design`` is the design's name, ``varied`` lists the varied
    parameters in [vary] order (name, kind int/float/choice, levels or low/high,
    declared bounds), ``salib_problem`` is SALib's problem dict (sobol, morris and
    latin_hypercube), and ``experiment_text`` / ``scenario_text`` are the files as read.
    """
    scenario = experiment.scenario
    return {
        "format": FORMAT,
        "provenance": provenance(experiment.seed, scenario.text or None),
        "name": experiment.name,
        "description": experiment.description,
        "experiment_file": str(experiment.path.resolve()),
        "experiment_text": experiment.text,
        "scenario": scenario.name,
        "scenario_ref": experiment.scenario_ref,
        "scenario_file": str(scenario.path.resolve()) if scenario.path is not None else None,
        "scenario_text": scenario.text,
        "fixed": experiment.fixed,
        "base_parameters": experiment.base.to_dict(),
        "design": experiment.design,
        "samples": experiment.samples,
        "calc_second_order": experiment.second_order if experiment.design == "sobol" else None,
        "num_levels": experiment.levels if experiment.design == "morris" else None,
        "points": experiment.point_count,
        "varied": [f.describe() for f in experiment.factors],
        "salib_problem": experiment.salib_problem(),
        "replicates": experiment.replicates,
        "steps": experiment.base.steps,
        "seed": experiment.seed,
        "total_runs": experiment.total_runs,
        "analysis": experiment.analysis,
        "outputs": {
            "steps": experiment.outputs.steps,
            "step_every": experiment.outputs.step_every,
        },
        "seeding": SEEDING,
        "columns": {
            "ids": list(ID_COLUMNS),
            "parameters": list(experiment.varied),
            "summary": list(SUMMARY_FIELDS),
            "step_ids": list(STEP_ID_COLUMNS),
        },
        "files": {
            "runs": f"{RUNS}/part-*.parquet",
            "steps": f"{STEPS}/part-*.parquet" if experiment.outputs.steps else None,
            "design": DESIGN_FILE if experiment.matrix is not None else None,
        },
    }


def check_folder(experiment: Experiment, out: str | Path, *, resume: bool = False) -> None:
    """Raise SweepError if ``out`` cannot take (or resume) this experiment; changes nothing."""
    out = Path(out)
    if (out / LOCK_FILE).exists():
        with _folder_lock(out):  # refused at once if a running sweep holds it
            pass
    _check_contents(experiment, out, resume)


def _check_contents(experiment: Experiment, out: Path, resume: bool) -> None:
    """check_folder's checks of what ``out`` holds (the caller holds or has probed the lock)."""
    if resume:
        _check_resume(out, experiment)
        return
    if (out / MANIFEST).exists():
        raise SweepError(
            f"{out} already holds a sweep; add --resume to continue it, or choose another --out"
        )
    if out.exists() and (not out.is_dir() or any(p.name != LOCK_FILE for p in out.iterdir())):
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
    try:
        out.mkdir(parents=True, exist_ok=True)
        handle = open(out / LOCK_FILE, "a+", encoding="utf-8")  # noqa: SIM115 - held open
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
                (out / LOCK_FILE).unlink(missing_ok=True)
                with contextlib.suppress(OSError):
                    out.rmdir()
            raise


def _start_folder(out: Path, experiment: Experiment) -> None:
    try:
        (out / RUNS).mkdir(parents=True, exist_ok=True)
        if experiment.outputs.steps:
            (out / STEPS).mkdir(exist_ok=True)
        text = json.dumps(build_manifest(experiment), indent=2, default=str) + "\n"
        atomic_write_text(out / MANIFEST, text)
        matrix = experiment.matrix
        if matrix is not None:
            design = pd.DataFrame(matrix, columns=list(experiment.varied))
            design.insert(0, "point_id", np.arange(len(design), dtype=np.int64))
            atomic_write(out / DESIGN_FILE, lambda tmp: design.to_parquet(tmp, index=False))
    except OSError as err:
        raise SweepError(f"cannot write to {out}: {err.strerror or err}") from None


def _check_resume(out: Path, experiment: Experiment) -> None:
    if not (out / MANIFEST).exists():
        raise SweepError(f"{out} holds no sweep to resume (no {MANIFEST})")
    manifest = read_manifest(out)
    name = experiment.path.name
    if manifest.get("format") != FORMAT:
        raise SweepError(f"{out}: format {manifest.get('format')!r} is not {FORMAT!r}")
    if manifest.get("experiment_text") != experiment.text:
        raise SweepError(
            f"{name} has changed since the sweep in {out} started; resume only with the same "
            "experiment file (or start a new sweep with another --out)"
        )
    if manifest.get("scenario_text") != experiment.scenario.text:
        raise SweepError(
            f"the base scenario of {name} has changed since the sweep in {out} started; "
            "restore it or start a new sweep with another --out"
        )
    recorded = manifest.get("base_parameters", {})
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

_ARROW = {"int": pa.int64(), "float": pa.float64(), "str": pa.string()}


def summary_types() -> dict[str, pa.DataType]:
    """Arrow type of each summary field, from its declaration (:mod:`netsim.config.outcomes`)."""
    return {o.name: pa.type_for_alias(o.arrow_type) for o in OUTCOMES}


def runs_schema(experiment: Experiment) -> pa.Schema:
    """The run table's columns and types (identical in every part)."""
    fields = [
        pa.field("run_id", pa.string()),
        pa.field("point_id", pa.int64()),
        pa.field("replicate", pa.int64()),
        pa.field("seed", pa.int64()),
        pa.field("status", pa.string()),
        pa.field("error", pa.string()),
        pa.field("seconds", pa.float64()),
    ]
    fields += [pa.field(f.name, _ARROW[f.kind]) for f in experiment.factors]
    fields += [pa.field(name, kind) for name, kind in summary_types().items()]
    names = [f.name for f in fields]
    if len(set(names)) != len(names):
        raise SweepError(f"column names collide: {names}")
    return pa.schema(fields)


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


# --- the store: parts on disk -----------------------------------------------------------------


def _parts(folder: Path) -> dict[int, Path]:
    if not folder.is_dir():
        return {}
    found = {}
    for path in folder.iterdir():
        match = _PART.match(path.name)
        if match:
            found[int(match.group(1))] = path
    return dict(sorted(found.items()))


@dataclass
class _DoneRuns:
    """Run ids recorded ok, as a sorted array of 64-bit integers (8 bytes a run)."""

    ids: np.ndarray

    @classmethod
    def empty(cls) -> _DoneRuns:
        return cls(np.empty(0, dtype=np.uint64))

    @property
    def count(self) -> int:
        return int(self.ids.size)

    def __contains__(self, run_id: str) -> bool:
        if not self.ids.size:
            return False
        key = np.uint64(int(run_id, 16))
        at = int(np.searchsorted(self.ids, key))
        return at < self.ids.size and self.ids[at] == key


class _Store:
    """The runs/ and steps/ parts of one folder: numbering, atomic writes, resume cleanup."""

    def __init__(self, out: Path, schema: pa.Schema) -> None:
        self.runs = out / RUNS
        self.steps = out / STEPS
        self.schema = schema
        self.steps_schema: pa.Schema | None = None
        self.next_index = 0

    def reopen(self) -> _DoneRuns:
        """Clean up after a crash, drop failed rows (they will be retried); the ok run ids."""
        self.runs.mkdir(parents=True, exist_ok=True)
        for folder in (self.runs, self.steps):
            if folder.is_dir():
                for stale in folder.glob(".part-*.tmp"):
                    stale.unlink(missing_ok=True)
        ok_ids: list[np.ndarray] = []
        for index, path in _parts(self.runs).items():
            table = pq.read_table(path)
            if not table.schema.remove_metadata().equals(self.schema):
                raise SweepError(
                    f"{path} has other columns than this netsim writes; start a new sweep"
                )
            status = table.column("status").to_numpy(zero_copy_only=False)
            ok = status == "ok"
            ids = table.column("run_id").to_numpy(zero_copy_only=False)[ok]
            ok_ids.append(np.array([int(i, 16) for i in ids], dtype=np.uint64))
            if not ok.all():
                kept = table.filter(pa.array(ok))
                if kept.num_rows:
                    atomic_write(path, partial(pq.write_table, kept))
                else:
                    path.unlink()
                    (self.steps / path.name).unlink(missing_ok=True)
            self.next_index = max(self.next_index, index + 1)
        runs = _parts(self.runs)
        for index, path in _parts(self.steps).items():
            if index not in runs:  # written, but its runs part never was: not done
                path.unlink()
            elif self.steps_schema is None:
                self.steps_schema = pq.read_schema(path).remove_metadata()
        ids = np.unique(np.concatenate(ok_ids)) if ok_ids else np.empty(0, dtype=np.uint64)
        return _DoneRuns(ids)

    def write(self, rows: list[dict[str, Any]], tables: list[pa.Table]) -> None:
        """Write one batch as part k of steps/ (if any) and then part k of runs/."""
        name = f"part-{self.next_index:05d}.parquet"
        if tables:
            steps = pa.concat_tables(tables)
            atomic_write(self.steps / name, lambda tmp: pq.write_table(steps, tmp))
        runs = pa.Table.from_pylist(rows, schema=self.schema)
        atomic_write(self.runs / name, lambda tmp: pq.write_table(runs, tmp))
        self.next_index += 1

    def step_table(self, outcome: RunOutcome) -> pa.Table | None:
        """One run's per-step rows with its ids, in the folder's per-step schema."""
        if outcome.table is None:
            return None
        body = pa.Table.from_pandas(outcome.table, preserve_index=False).replace_schema_metadata()
        n = body.num_rows
        labels = outcome.task.labels
        ids = [
            pa.array([outcome.task.run_id] * n, pa.string()),
            pa.array([labels["point_id"]] * n, pa.int64()),
            pa.array([labels["replicate"]] * n, pa.int64()),
        ]
        table = pa.Table.from_arrays([*ids, *body.columns], [*STEP_ID_COLUMNS, *body.column_names])
        if self.steps_schema is None:
            self.steps_schema = table.schema
            return table
        return table.select(self.steps_schema.names).cast(self.steps_schema)


# --- the session: tasks in, rows out --------------------------------------------------------


class _Recorder:
    """Buffers finished runs and flushes them as parts; keeps the counts for progress."""

    def __init__(
        self,
        store: _Store,
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
            table = self.store.step_table(outcome)
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
            self.progress(self.report, outcome)

    def flush(self) -> None:
        with _signals_deferred():  # never half-record a batch (written but not cleared)
            if self.rows:
                self.store.write(self.rows, self.tables)
            self.rows, self.tables, self.step_rows = [], [], 0
            self.last_flush = time.monotonic()


def _tasks(experiment: Experiment, done: _DoneRuns, recorder: _Recorder) -> Iterator[RunTask]:
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
