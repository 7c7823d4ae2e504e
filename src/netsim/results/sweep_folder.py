"""A sweep's results folder: its layout, its manifest, and the one reader of its tables.

This module is the only code that knows the folder's file names, the part-file naming,
the manifest's JSON keys and the run table's columns; the sweep (:mod:`netsim.batch.sweep`,
which writes and resumes), the analysis, the reports, the browser view's replay and the
command line all go through :class:`SweepFolder` and :class:`Manifest`.

The folder::

    manifest.json          the Manifest (format "netsim-sweep/1"), written first, atomically
    design.parquet         sampled designs only: point_id + the raw sample (before rounding)
    runs/part-00000.parquet, part-00001.parquet, ...
                           one row per finished run: run_id, point_id, replicate, seed,
                           status ("ok" | "failed"), error, seconds, one column per varied
                           parameter, then every summary field (in config.outcomes order)
    steps/part-00000.parquet, ...
                           only with [outputs] steps = true: run_id, point_id, replicate and
                           the per-step columns; part k holds the steps of runs/ part k
    .sweep.lock            held (flock) by the one sweep writing the folder

**The manifest** is parsed and checked once, by :meth:`Manifest.from_json`: its ``format``
is the folder's version (``netsim-sweep/<n>``; only :data:`FORMAT` is read), and a field
that may be null may also be missing (read as null); every other field is required, except
``analysis`` (added after version 1 was fixed; missing reads as no settings). A malformed
manifest is a :class:`SweepFolderError` with one line naming the file and the field.

**Duplicate rows.** A run id may appear in more than one part only in an irregular folder
(a retry after an old netsim's resume, two sweeps writing one folder where there is no lock,
parts copied by hand). :meth:`SweepFolder.runs` keeps one row per run id by the resume's
rule: an ``ok`` row wins over a failed one (a resume counts a run done once it has an ok
row, and retries only failed runs), and among rows of the same status the **first
written** (part number, then row order) wins: once a run is recorded the sweep never writes
it again, so anything later is a repeat, and a reader of a growing folder never sees a
run's row change except from failed to ok.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from netsim.config.experiments import Experiment
from netsim.config.outcomes import OUTCOMES, SUMMARY_FIELDS
from netsim.errors import NetsimError
from netsim.results.files import Provenance, atomic_write, atomic_write_text

FORMAT = "netsim-sweep/1"
"""The folder's version, the manifest's ``format`` field; the one this netsim reads."""
MANIFEST = "manifest.json"
RUNS = "runs"
STEPS = "steps"
DESIGN_FILE = "design.parquet"
LOCK_FILE = ".sweep.lock"
"""Held (flock) by the one sweep writing a folder, so a second sweep or resume is refused."""
ID_COLUMNS = ("run_id", "point_id", "replicate", "seed", "status", "error", "seconds")
STEP_ID_COLUMNS = ("run_id", "point_id", "replicate")
_PART = re.compile(r"^part-(\d+)\.parquet$")
_STALE = ".part-*.tmp"
DAMAGED_SUFFIX = ".damaged"
"""Appended to a part a resume could not read: kept for inspection, no longer a part."""
"""Where :func:`netsim.results.files.atomic_write` writes a part before renaming it."""


class SweepFolderError(NetsimError, ValueError):
    """A sweep folder (or its manifest) cannot be read as one (one-line message)."""


def part_name(index: int) -> str:
    """The file name of part ``index`` in runs/ and steps/."""
    return f"part-{index:05d}.parquet"


# --- the manifest --------------------------------------------------------------------------


class _Reader:
    """Typed access to one JSON object of the manifest, with one-line errors naming the field."""

    def __init__(self, data: Any, source: str, prefix: str = "") -> None:
        self.source, self.prefix = source, prefix
        if not isinstance(data, dict):
            where = f"{prefix.rstrip('.')!r}" if prefix else "the manifest"
            raise SweepFolderError(f"{source}: {where} is not a JSON object")
        self.data: dict[str, Any] = data

    def fail(self, key: str, what: str) -> SweepFolderError:
        value = repr(self.data.get(key))
        value = value if len(value) <= 60 else value[:57] + "..."
        return SweepFolderError(f"{self.source}: {self.prefix}{key!r} must be {what}; got {value}")

    def get(self, key: str, nullable: bool, default: Any = None) -> Any:
        """The value; a nullable field may be missing, a field with a default may be too."""
        if key not in self.data:
            if nullable or default is not None:
                return default
            raise SweepFolderError(f"{self.source}: has no {self.prefix}{key!r} key")
        value = self.data[key]
        if value is None and not nullable:
            raise self.fail(key, "set (not null)")
        return value

    def text(self, key: str, nullable: bool = False) -> Any:
        value = self.get(key, nullable)
        if value is not None and not isinstance(value, str):
            raise self.fail(key, "a string")
        return value

    def whole(self, key: str, nullable: bool = False) -> Any:
        value = self.get(key, nullable)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise self.fail(key, "a whole number")
        return value

    def flag(self, key: str, nullable: bool = False) -> Any:
        value = self.get(key, nullable)
        if value is not None and not isinstance(value, bool):
            raise self.fail(key, "true or false")
        return value

    def number(self, key: str) -> float | int | None:
        value = self.get(key, True)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise self.fail(key, "a number")
        return value

    def table(self, key: str, nullable: bool = False, default: Any = None) -> Any:
        value = self.get(key, nullable, default)
        if value is not None and not isinstance(value, dict):
            raise self.fail(key, "a JSON object")
        return value

    def items(self, key: str, nullable: bool = False) -> tuple[Any, ...] | None:
        value = self.get(key, nullable)
        if value is None:
            return None
        if not isinstance(value, list):
            raise self.fail(key, "a list")
        return tuple(value)

    def names(self, key: str, nullable: bool = False) -> tuple[str, ...] | None:
        value = self.items(key, nullable)
        if value is not None and not all(isinstance(v, str) for v in value):
            raise self.fail(key, "a list of names")
        return value

    def child(self, key: str, index: int | None = None) -> _Reader:
        data = self.data[key] if index is None else self.data[key][index]
        label = key if index is None else f"{key}[{index}]"
        return _Reader(data, self.source, f"{self.prefix}{label}.")


def _lists(value: Any) -> Any:
    """Tuples (as the Manifest keeps them) back to JSON lists, recursively."""
    if isinstance(value, tuple | list):
        return [_lists(v) for v in value]
    return value


@dataclass(frozen=True)
class Factor:
    """One varied parameter as the manifest records it (the experiment's ``[vary]`` entry)."""

    name: str
    kind: str
    """"int", "float" or "choice"."""
    levels: tuple[Any, ...] | None = None
    low: float | int | None = None
    high: float | int | None = None
    declared_low: float | int | None = None
    declared_high: float | int | None = None
    choices: tuple[Any, ...] | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Factor:
        """A factor from :meth:`netsim.config.experiments.Factor.describe`'s dict."""
        return cls(
            name=data["name"],
            kind=data["kind"],
            levels=None if data.get("levels") is None else tuple(data["levels"]),
            low=data.get("low"),
            high=data.get("high"),
            declared_low=data.get("declared_low"),
            declared_high=data.get("declared_high"),
            choices=None if data.get("choices") is None else tuple(data["choices"]),
        )

    @classmethod
    def _read(cls, reader: _Reader) -> Factor:
        kind = reader.text("kind")
        if kind not in ("int", "float", "choice"):
            raise reader.fail("kind", "'int', 'float' or 'choice'")
        return cls(
            name=reader.text("name"),
            kind=kind,
            levels=reader.items("levels", nullable=True),
            low=reader.number("low"),
            high=reader.number("high"),
            declared_low=reader.number("declared_low"),
            declared_high=reader.number("declared_high"),
            choices=reader.items("choices", nullable=True),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "levels": _lists(self.levels),
            "low": self.low,
            "high": self.high,
            "declared_low": self.declared_low,
            "declared_high": self.declared_high,
            "choices": _lists(self.choices),
        }

    @property
    def bounds(self) -> tuple[float, float] | None:
        """(low, high) as numbers, when the manifest gives both."""
        if self.low is None or self.high is None:
            return None
        return float(self.low), float(self.high)


@dataclass(frozen=True)
class SalibProblem:
    """SALib's problem for a sampled design: what its indices need."""

    num_vars: int
    names: tuple[str, ...]
    bounds: tuple[tuple[float | int, float | int], ...]

    def to_json(self) -> dict[str, Any]:
        """SALib's own dict (``num_vars``, ``names``, ``bounds``), as the manifest stores it."""
        return {"num_vars": self.num_vars, "names": list(self.names), "bounds": _lists(self.bounds)}

    @classmethod
    def _read(cls, reader: _Reader) -> SalibProblem:
        bounds = reader.items("bounds") or ()
        if not all(isinstance(b, list) and len(b) == 2 for b in bounds):
            raise reader.fail("bounds", "a list of [low, high] pairs")
        names = _required(reader.names("names"))
        return cls(reader.whole("num_vars"), names, tuple((b[0], b[1]) for b in bounds))


@dataclass(frozen=True)
class AnalysisSettings:
    """The experiment file's ``[analysis]`` table as the sweep recorded it (all optional)."""

    outcome: str | None = None
    parameter: str | None = None
    by: str | None = None
    phase_outcomes: tuple[str, ...] | None = None
    figures: tuple[str, ...] | None = None
    discover: tuple[str, ...] | None = None
    """Yes/no outcomes the analysis also runs scenario discovery for."""
    keys: tuple[str, ...] = ()
    """The keys the file set, in its order (so the manifest is written back as read)."""

    @classmethod
    def from_table(cls, table: Mapping[str, Any]) -> AnalysisSettings:
        """From the validated table (:attr:`netsim.config.experiments.Experiment.analysis`)."""
        tuples = {
            k: tuple(v) for k, v in table.items() if k in ("phase_outcomes", "figures", "discover")
        }
        return cls(**{**dict(table), **tuples}, keys=tuple(table))

    @classmethod
    def _read(cls, reader: _Reader) -> AnalysisSettings:
        unknown = [k for k in reader.data if k not in ANALYSIS_FIELDS]
        if unknown:
            raise SweepFolderError(f"{reader.source}: analysis has an unknown key {unknown[0]!r}")
        return cls(
            outcome=reader.text("outcome", nullable=True),
            parameter=reader.text("parameter", nullable=True),
            by=reader.text("by", nullable=True),
            phase_outcomes=reader.names("phase_outcomes", nullable=True),
            figures=reader.names("figures", nullable=True),
            discover=reader.names("discover", nullable=True),
            keys=tuple(reader.data),
        )

    def to_json(self) -> dict[str, Any]:
        return {key: _lists(getattr(self, key)) for key in self.keys}


ANALYSIS_FIELDS = ("outcome", "parameter", "by", "phase_outcomes", "figures", "discover")


@dataclass(frozen=True)
class Columns:
    """The run table's column names by group, and the per-step table's id columns."""

    ids: tuple[str, ...]
    parameters: tuple[str, ...]
    summary: tuple[str, ...]
    step_ids: tuple[str, ...]

    @property
    def runs(self) -> list[str]:
        """Every column of the run table, in order."""
        return [*self.ids, *self.parameters, *self.summary]


@dataclass(frozen=True)
class Manifest:
    """A sweep folder's ``manifest.json``: everything needed to interpret and resume it.

    Flat on purpose (as on disk): ``design`` is the design's name, ``varied`` the varied
    parameters in ``[vary]`` order, ``salib_problem`` SALib's problem (sampled designs),
    ``experiment_text`` / ``scenario_text`` the files as the sweep read them.
    """

    format: str
    provenance: Provenance
    name: str
    description: str
    experiment_file: str
    experiment_text: str
    scenario: str
    scenario_ref: str | None
    scenario_file: str | None
    scenario_text: str | None
    fixed: Mapping[str, Any]
    """The experiment's ``[set]`` values."""
    base_parameters: Mapping[str, Any]
    """Every parameter of the base the design points replace (``Parameters.to_dict``)."""
    design: str
    samples: int | None
    calc_second_order: bool | None
    num_levels: int | None
    points: int
    varied: tuple[Factor, ...]
    salib_problem: SalibProblem | None
    replicates: int
    steps: int
    seed: int
    total_runs: int
    analysis: AnalysisSettings
    keep_steps: bool
    """``outputs.steps``: the sweep kept per-step tables (in steps/)."""
    step_every: int
    """``outputs.step_every``."""
    seeding: str
    columns: Columns
    files: Mapping[str, str | None] = field(default_factory=dict)
    """Glob of each kind of file (runs, steps, design), as a reader without netsim needs."""

    @property
    def version(self) -> int:
        """The folder's version number (the ``n`` of ``netsim-sweep/<n>``)."""
        return int(self.format.rpartition("/")[2])

    @property
    def varied_names(self) -> list[str]:
        return [f.name for f in self.varied]

    def factor(self, name: str) -> Factor:
        """The varied parameter ``name`` (KeyError if it was not varied)."""
        for f in self.varied:
            if f.name == name:
                return f
        raise KeyError(name)

    # --- JSON ----------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """The manifest as JSON-ready data, keys in the order netsim has always written."""
        return {
            "format": self.format,
            "provenance": self.provenance.to_json(),
            "name": self.name,
            "description": self.description,
            "experiment_file": self.experiment_file,
            "experiment_text": self.experiment_text,
            "scenario": self.scenario,
            "scenario_ref": self.scenario_ref,
            "scenario_file": self.scenario_file,
            "scenario_text": self.scenario_text,
            "fixed": self.fixed,
            "base_parameters": self.base_parameters,
            "design": self.design,
            "samples": self.samples,
            "calc_second_order": self.calc_second_order,
            "num_levels": self.num_levels,
            "points": self.points,
            "varied": [f.to_json() for f in self.varied],
            "salib_problem": None if self.salib_problem is None else self.salib_problem.to_json(),
            "replicates": self.replicates,
            "steps": self.steps,
            "seed": self.seed,
            "total_runs": self.total_runs,
            "analysis": self.analysis.to_json(),
            "outputs": {"steps": self.keep_steps, "step_every": self.step_every},
            "seeding": self.seeding,
            "columns": {
                "ids": list(self.columns.ids),
                "parameters": list(self.columns.parameters),
                "summary": list(self.columns.summary),
                "step_ids": list(self.columns.step_ids),
            },
            "files": dict(self.files),
        }

    def dumps(self) -> str:
        """The text of ``manifest.json`` (values JSON cannot hold are written as strings)."""
        return json.dumps(self.to_json(), indent=2, default=str) + "\n"

    @classmethod
    def from_json(cls, data: Any, source: str = MANIFEST) -> Manifest:
        """Parse and check a manifest; SweepFolderError names ``source`` and the bad field."""
        top = _Reader(data, source)
        version = top.text("format")
        if version != FORMAT:
            raise SweepFolderError(
                f"{source}: format {version!r} is not {FORMAT!r} (written by another netsim "
                "version?)"
            )
        for key in ("provenance", "outputs", "columns", "files"):
            top.table(key)
        varied = top.items("varied")
        salib = top.table("salib_problem", nullable=True)
        outputs, columns, files = top.child("outputs"), top.child("columns"), top.child("files")
        try:
            provenance = Provenance.from_json(top.data["provenance"])
        except ValueError as err:
            raise SweepFolderError(f"{source}: provenance.{err}") from None
        return cls(
            format=version,
            provenance=provenance,
            name=top.text("name"),
            description=top.text("description"),
            experiment_file=top.text("experiment_file"),
            experiment_text=top.text("experiment_text"),
            scenario=top.text("scenario"),
            scenario_ref=top.text("scenario_ref", nullable=True),
            scenario_file=top.text("scenario_file", nullable=True),
            scenario_text=top.text("scenario_text", nullable=True),
            fixed=top.table("fixed"),
            base_parameters=top.table("base_parameters"),
            design=top.text("design"),
            samples=top.whole("samples", nullable=True),
            calc_second_order=top.flag("calc_second_order", nullable=True),
            num_levels=top.whole("num_levels", nullable=True),
            points=top.whole("points"),
            varied=tuple(Factor._read(top.child("varied", i)) for i in range(len(varied or ()))),
            salib_problem=None if salib is None else SalibProblem._read(top.child("salib_problem")),
            replicates=top.whole("replicates"),
            steps=top.whole("steps"),
            seed=top.whole("seed"),
            total_runs=top.whole("total_runs"),
            analysis=AnalysisSettings._read(
                _Reader(top.table("analysis", default={}), source, "analysis.")
            ),
            keep_steps=outputs.flag("steps"),
            step_every=outputs.whole("step_every"),
            seeding=top.text("seeding"),
            columns=Columns(
                ids=_required(columns.names("ids")),
                parameters=_required(columns.names("parameters")),
                summary=_required(columns.names("summary")),
                step_ids=_required(columns.names("step_ids")),
            ),
            files={k: files.text(k, nullable=True) for k in files.data},
        )

    @classmethod
    def of_experiment(
        cls, experiment: Experiment, provenance: Provenance, seeding: str
    ) -> Manifest:
        """The manifest a sweep of ``experiment`` writes (``seeding`` says how seeds derive)."""
        scenario = experiment.scenario
        sobol, morris = experiment.design == "sobol", experiment.design == "morris"
        problem = experiment.salib_problem()
        return cls(
            format=FORMAT,
            provenance=provenance,
            name=experiment.name,
            description=experiment.description,
            experiment_file=str(experiment.path.resolve()),
            experiment_text=experiment.text,
            scenario=scenario.name,
            scenario_ref=experiment.scenario_ref,
            scenario_file=str(scenario.path.resolve()) if scenario.path is not None else None,
            scenario_text=scenario.text,
            fixed=experiment.fixed,
            base_parameters=experiment.base.to_dict(),
            design=experiment.design,
            samples=experiment.samples,
            calc_second_order=experiment.second_order if sobol else None,
            num_levels=experiment.levels if morris else None,
            points=experiment.point_count,
            varied=tuple(Factor.from_json(f.describe()) for f in experiment.factors),
            salib_problem=None
            if problem is None
            else SalibProblem(
                problem["num_vars"],
                tuple(problem["names"]),
                tuple((low, high) for low, high in problem["bounds"]),
            ),
            replicates=experiment.replicates,
            steps=experiment.base.steps,
            seed=experiment.seed,
            total_runs=experiment.total_runs,
            analysis=AnalysisSettings.from_table(experiment.analysis),
            keep_steps=experiment.outputs.steps,
            step_every=experiment.outputs.step_every,
            seeding=seeding,
            columns=Columns(
                ids=ID_COLUMNS,
                parameters=tuple(experiment.varied),
                summary=tuple(SUMMARY_FIELDS),
                step_ids=STEP_ID_COLUMNS,
            ),
            files={
                "runs": f"{RUNS}/part-*.parquet",
                "steps": f"{STEPS}/part-*.parquet" if experiment.outputs.steps else None,
                "design": DESIGN_FILE if experiment.matrix is not None else None,
            },
        )


def _required(value: tuple[str, ...] | None) -> tuple[str, ...]:
    assert value is not None  # a required field is never None once read
    return value


# --- the run table's schema -----------------------------------------------------------------

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
        raise SweepFolderError(f"column names collide: {names}")
    return pa.schema(fields)


# --- the folder -------------------------------------------------------------------------------


class SweepFolder:
    """One sweep results folder on disk: where each file is, and the one reader of them."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"SweepFolder({str(self.path)!r})"

    @property
    def manifest_path(self) -> Path:
        return self.path / MANIFEST

    @property
    def runs_dir(self) -> Path:
        return self.path / RUNS

    @property
    def steps_dir(self) -> Path:
        return self.path / STEPS

    @property
    def design_path(self) -> Path:
        return self.path / DESIGN_FILE

    @property
    def lock_path(self) -> Path:
        return self.path / LOCK_FILE

    def exists(self) -> bool:
        """The folder holds a sweep (its manifest decides, readable or not)."""
        return self.manifest_path.is_file()

    def is_empty(self) -> bool:
        """The folder is missing, or holds nothing but a sweep's lock file."""
        if not self.path.exists():
            return True
        return self.path.is_dir() and all(p.name == LOCK_FILE for p in self.path.iterdir())

    def stamp_paths(self) -> tuple[Path, Path]:
        """What changes when a run is recorded: the manifest and runs/ (a part's rename)."""
        return self.manifest_path, self.runs_dir

    # --- reading ---------------------------------------------------------------------------

    @cached_property
    def manifest(self) -> Manifest:
        """The manifest, parsed and checked once (SweepFolderError if missing or malformed)."""
        if not self.path.exists():
            raise SweepFolderError(f"results folder {self.path} does not exist")
        if not self.path.is_dir():
            raise SweepFolderError(
                f"{self.path} is not a folder: give a `netsim sweep` results folder"
            )
        path = self.manifest_path
        if not path.is_file():
            raise SweepFolderError(
                f"{self.path} has no {MANIFEST}: is it a `netsim sweep` results folder?"
            )
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:  # UnicodeDecodeError and JSONDecodeError too
            message = " ".join(str(getattr(err, "strerror", None) or err).split())
            raise SweepFolderError(f"{path}: cannot be read: {message}") from None
        return Manifest.from_json(data, str(path))

    def run_parts(self) -> dict[int, Path]:
        """runs/ parts by number, in order."""
        return _parts(self.runs_dir)

    def step_parts(self) -> dict[int, Path]:
        """steps/ parts by number, in order."""
        return _parts(self.steps_dir)

    def runs(self, *, required: bool = False) -> pd.DataFrame:
        """The run table: one row per run id (see the module's rule), in design order.

        Parts are read one by one in part order (a part where a column is all missing may
        hold another Arrow type) and sorted by point and replicate, whatever order the runs
        finished in, so the same runs always give the same table. With no parts yet, an
        empty table with the manifest's columns, or with ``required`` a SweepFolderError.
        """
        parts = self.run_parts()
        if not parts:
            if required:
                raise SweepFolderError(
                    f"{self.path} has no {RUNS}/*.parquet: did the sweep write any runs?"
                )
            return pd.DataFrame(columns=self.manifest.columns.runs)
        try:
            table = pd.concat([pd.read_parquet(p) for p in parts.values()], ignore_index=True)
        except (OSError, ValueError) as err:  # pyarrow's errors are these
            raise SweepFolderError(
                f"{self.runs_dir}: cannot be read: {_one_line(err)}; `netsim sweep --resume` "
                "sets a damaged part aside and runs its runs again"
            ) from None
        return in_design_order(first_ok_rows(table))

    def steps(self, run_id: str | None = None) -> pd.DataFrame:
        """Kept per-step rows, one per (run id, step), sorted by point, replicate and step.

        Only parts whose runs/ part exists count (a crash between the two leaves a steps
        part for runs not recorded, which a resume removes). With ``run_id``, only that
        run's rows (the filter is pushed down to the parts, so one run of a large sweep is
        read without loading the others).
        """
        recorded = self.run_parts()
        parts = [p for k, p in self.step_parts().items() if k in recorded]
        if not parts:
            return pd.DataFrame(columns=list(STEP_ID_COLUMNS))
        filters = [("run_id", "==", run_id)] if run_id is not None else None
        try:
            table = pd.read_parquet([str(p) for p in parts], filters=filters)
        except (OSError, ValueError) as err:
            raise SweepFolderError(f"{self.steps_dir}: cannot be read: {_one_line(err)}") from None
        table = table.drop_duplicates(["run_id", "step"], keep="first")
        return table.sort_values(["point_id", "replicate", "step"], kind="stable").reset_index(
            drop=True
        )

    def step_run_ids(self, index: int) -> set[str] | None:
        """The run ids with per-step rows in steps/ part ``index``; None if it is missing or
        cannot be read (0 bytes, truncated, not parquet, no run_id column)."""
        path = self.steps_dir / part_name(index)
        try:
            column = pq.read_table(path, columns=["run_id"]).column("run_id")
        except (OSError, KeyError, pa.ArrowException):
            return None
        return set(column.to_pylist())

    def step_gaps(self) -> list[str]:
        """One line for each runs/ part whose ok runs lack their per-step rows (a steps/ part
        missing, damaged or short); empty if the sweep kept no per-step rows, or none is lost.

        A resume runs those runs again; an analysis (which reads only the run table) says so.
        A runs/ part that cannot be read is a SweepFolderError, as in :meth:`runs`.
        """
        if not self.manifest.keep_steps:
            return []
        gaps = []
        for index, path in self.run_parts().items():
            try:
                table = pq.read_table(path, columns=["run_id", "status"])
            except (OSError, KeyError, pa.ArrowException) as err:
                raise SweepFolderError(f"cannot read {path}: {_one_line(err)}") from None
            lacking = _lacking_steps(table, self.step_run_ids(index))
            if lacking:
                gaps.append(
                    f"{self.steps_dir / part_name(index)} is missing, damaged or short: "
                    f"{lacking} runs of {path.name} have no per-step rows"
                )
        return gaps

    def design(self) -> pd.DataFrame | None:
        """The raw sample of a sampled design (point_id + one column per parameter), or None."""
        path = self.design_path
        if not path.is_file():
            return None
        try:
            matrix = pd.read_parquet(path)
        except (OSError, ValueError) as err:
            raise SweepFolderError(f"{path}: cannot be read: {_one_line(err)}") from None
        return matrix if "point_id" in matrix.columns else None

    # --- writing (the sweep's: netsim.batch.sweep) ---------------------------------------

    def create(self, manifest: Manifest, design: pd.DataFrame | None) -> None:
        """Start the folder: runs/ (and steps/), the manifest, then the design if sampled."""
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        if manifest.keep_steps:
            self.steps_dir.mkdir(exist_ok=True)
        atomic_write_text(self.manifest_path, manifest.dumps())
        if design is not None:
            atomic_write(self.design_path, lambda tmp: design.to_parquet(tmp, index=False))

    def writer(self, schema: pa.Schema) -> PartWriter:
        """The parts' writer for runs in ``schema`` (see :class:`PartWriter`)."""
        return PartWriter(self, schema)


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split())


def _parts(folder: Path) -> dict[int, Path]:
    if not folder.is_dir():
        return {}
    found = {}
    for path in folder.iterdir():
        match = _PART.match(path.name)
        if match:
            found[int(match.group(1))] = path
    return dict(sorted(found.items()))


def _ok_mask(table: pa.Table) -> np.ndarray:
    return np.asarray(table.column("status").to_numpy(zero_copy_only=False) == "ok", dtype=bool)


def _lacking_steps(table: pa.Table, with_steps: set[str] | None) -> int:
    """How many ok runs of a runs part (``table``) are not among ``with_steps`` (None: all)."""
    ok_ids = table.column("run_id").to_numpy(zero_copy_only=False)[_ok_mask(table)]
    if with_steps is None:
        return len(ok_ids)
    return sum(1 for run_id in ok_ids if run_id not in with_steps)


def first_ok_rows(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per ``run_id``: the first ok row if any, else the first row (rows in write order).

    The folder's one rule for duplicates (see the module docstring); row order is kept.
    """
    if "run_id" not in runs.columns:
        raise SweepFolderError("the runs table has no 'run_id' column")
    failed = (runs["status"] != "ok") if "status" in runs.columns else False
    keyed = runs.assign(_failed=np.asarray(failed, dtype=bool), _row=np.arange(len(runs)))
    kept = keyed.sort_values(["_failed", "_row"], kind="stable").drop_duplicates(
        "run_id", keep="first"
    )
    return kept.sort_values("_row").drop(columns=["_failed", "_row"]).reset_index(drop=True)


def in_design_order(runs: pd.DataFrame) -> pd.DataFrame:
    """``runs`` sorted by point and replicate (else by run_id), whatever order they finished in.

    A process pool writes runs as they finish, so the parts' row order differs from sweep to
    sweep; the bootstrap resamples rows by position, so without a fixed order the same runs
    would give (slightly) different intervals.
    """
    keys = [k for k in ("point_id", "replicate") if k in runs.columns] or ["run_id"]
    return runs.sort_values(keys, kind="stable").reset_index(drop=True)


# --- the parts' writer --------------------------------------------------------------------------


@dataclass
class DoneRuns:
    """Run ids recorded ok, as a sorted array of 64-bit integers (8 bytes a run)."""

    ids: np.ndarray

    @classmethod
    def empty(cls) -> DoneRuns:
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


class PartWriter:
    """The runs/ and steps/ parts of one folder: numbering, atomic writes, resume cleanup.

    Part ``k`` of steps/ is written before part ``k`` of runs/: a run counts as done once
    its row is in runs/, so a crash between the two leaves only a steps part that
    :meth:`reopen` removes.
    """

    def __init__(self, folder: SweepFolder, schema: pa.Schema) -> None:
        self.folder = folder
        self.schema = schema
        self.steps_schema: pa.Schema | None = None
        self.next_index = 0
        self.repairs: list[str] = []
        """What :meth:`reopen` found lost and is running again (one line a steps/ part)."""

    def _set_aside(self, index: int, path: Path) -> None:
        """A runs/ part that cannot be read, and its steps/ part, renamed ``*.damaged``
        (kept, never deleted): their runs are not done, so a resume runs them again."""
        moved = [path]
        steps = self.folder.steps_dir / path.name
        if steps.exists():
            moved.append(steps)
        for part in moved:
            part.replace(part.with_name(part.name + DAMAGED_SUFFIX))
        self.next_index = max(self.next_index, index + 1)
        self.repairs.append(
            f"{path} could not be read (damaged or cut short): set aside as "
            f"{path.name}{DAMAGED_SUFFIX}; its runs run again"
        )

    def reopen(self) -> DoneRuns:
        """Clean up after a crash, drop failed rows (they will be retried); the ok run ids.

        A sweep that keeps per-step rows also checks each runs/ part's steps/ part: an ok
        run without its rows there (the steps part deleted, 0 bytes, damaged, short) is
        dropped from the run table too, so it runs again and gets them; what was
        dropped is in :attr:`repairs`, one line a part.
        """
        runs_dir, steps_dir = self.folder.runs_dir, self.folder.steps_dir
        runs_dir.mkdir(parents=True, exist_ok=True)
        keep_steps = self.folder.manifest.keep_steps
        if keep_steps:
            steps_dir.mkdir(exist_ok=True)
        for kind in (runs_dir, steps_dir):
            if kind.is_dir():
                for stale in kind.glob(_STALE):
                    stale.unlink(missing_ok=True)
        ok_ids: list[np.ndarray] = []
        for index, path in self.folder.run_parts().items():
            try:
                table = pq.read_table(path)
            except (OSError, pa.ArrowException):  # a damaged file (0 bytes, cut short, junk)
                self._set_aside(index, path)
                continue
            if not table.schema.remove_metadata().equals(self.schema):
                raise SweepFolderError(
                    f"{path} has other columns than this netsim writes; start a new sweep"
                )
            ok = _ok_mask(table)
            run_ids = table.column("run_id").to_numpy(zero_copy_only=False)
            if keep_steps:
                with_steps = self.folder.step_run_ids(index)
                lacking = _lacking_steps(table, with_steps)
                if with_steps is None:
                    (steps_dir / path.name).unlink(missing_ok=True)  # unreadable: nothing kept
                    ok = np.zeros_like(ok)
                else:
                    ok &= np.array([run_id in with_steps for run_id in run_ids], dtype=bool)
                if lacking:
                    self.repairs.append(
                        f"{steps_dir / path.name} was missing, damaged or short: "
                        f"{lacking} runs of {path.name} run again for their per-step rows"
                    )
            ok_ids.append(np.array([int(i, 16) for i in run_ids[ok]], dtype=np.uint64))
            if not ok.all():
                kept = table.filter(pa.array(ok))
                if kept.num_rows:
                    atomic_write(path, partial(pq.write_table, kept))
                else:
                    path.unlink()
                    (steps_dir / path.name).unlink(missing_ok=True)
            self.next_index = max(self.next_index, index + 1)
        runs = self.folder.run_parts()
        for index, path in self.folder.step_parts().items():
            if index not in runs:  # written, but its runs part never was: not done
                path.unlink()
            elif self.steps_schema is None:
                try:
                    self.steps_schema = pq.read_schema(path).remove_metadata()
                except (OSError, pa.ArrowException) as err:
                    raise SweepFolderError(f"cannot read {path}: {err}") from None
        ids = np.unique(np.concatenate(ok_ids)) if ok_ids else np.empty(0, dtype=np.uint64)
        return DoneRuns(ids)

    def write(self, rows: list[dict[str, Any]], tables: Sequence[pa.Table]) -> None:
        """Write one batch as part k of steps/ (if any) and then part k of runs/."""
        name = part_name(self.next_index)
        if tables:
            steps = pa.concat_tables(tables)
            atomic_write(self.folder.steps_dir / name, lambda tmp: pq.write_table(steps, tmp))
        runs = pa.Table.from_pylist(rows, schema=self.schema)
        atomic_write(self.folder.runs_dir / name, lambda tmp: pq.write_table(runs, tmp))
        self.next_index += 1

    def step_table(self, ids: Mapping[str, Any], rows: int, body: pa.Table) -> pa.Table:
        """One run's per-step rows with its ids in front, in the folder's per-step schema.

        ``ids`` gives run_id, point_id and replicate; the first table fixes the schema
        (from a resume: the one already on disk), later ones are cast to it.
        """
        columns = [
            pa.array([ids["run_id"]] * rows, pa.string()),
            pa.array([ids["point_id"]] * rows, pa.int64()),
            pa.array([ids["replicate"]] * rows, pa.int64()),
        ]
        table = pa.Table.from_arrays(
            [*columns, *body.columns], [*STEP_ID_COLUMNS, *body.column_names]
        )
        if self.steps_schema is None:
            self.steps_schema = table.schema
            return table
        return table.select(self.steps_schema.names).cast(self.steps_schema)
