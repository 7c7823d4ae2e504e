"""One browser tab's live model, without the page: what the browser view plays, and how.

The Solara page (:mod:`netsim.app.page`) is a thin layer over this module, which
imports no Solara, so everything here runs and is tested without a server:

- **sources**: where a live model comes from: a scenario (library, the
  trainer's upload, the one named by ``netsim app --scenario``) or a saved run
  replayed from a ``netsim run``, ``netsim compare`` or ``netsim sweep`` results
  folder (a sweep's run is rebuilt from the base parameters in its manifest, its
  varied values and its seed, as :mod:`netsim.batch.sweep` built it);
- :class:`Session`: the controller: build, play, pause, step, reset, speed,
  the queue of shocks pressed for the next week and the baseline ghost run.
  Every change to the model happens under one lock and bumps a frame number;
  the page only ever shows an immutable :class:`Frame` (a snapshot with the
  pictures already drawn), and an older frame never replaces a newer one, so
  rapid clicking (reset during play, many shocks at once, sliders while playing)
  cannot tear or crash the view. Building is coalesced: dragging a slider
  builds only the latest value.

The model is driven only through its API (:func:`netsim.api.build_model`,
``step()``, ``intervene()``, ``table()``); the pictures come from
:mod:`netsim.app.layout`.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pandas as pd

from netsim import api
from netsim.app.canvas import Scene, scene, week_codes
from netsim.app.layout import (
    DRAW_LIMIT,
    Figures,
    Layout,
    edges_within,
    member_layout,
    sample_people,
)
from netsim.app.stories import Story, load_stories
from netsim.batch.engines import run_id_of
from netsim.config.member_network import NetworkFileError
from netsim.config.parameters import (
    ParameterError,
    Parameters,
    TimelineEvent,
    declarations,
)
from netsim.config.scenarios import (
    MAX_FILE_BYTES,
    PARAMETER_GROUPS,
    SUFFIXES,
    Scenario,
    ScenarioError,
    default_scenario,
    library,
    library_dir,
    library_reference,
    load_scenario,
    named_scenario,
    parse_document,
    parse_scenario_text,
)
from netsim.errors import NetsimError
from netsim.results.run_folder import RunDocument, RunFolder, RunFolderError
from netsim.results.sweep_folder import STEP_ID_COLUMNS, Manifest, SweepFolder, SweepFolderError

log = logging.getLogger("netsim.app.session")

# --- where a live model comes from ------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Source:
    """What a live model is built from: parameters and a seed, and for a replay the saved table."""

    label: str
    parameters: Parameters
    seed: int = 1
    description: str = ""
    reference: pd.DataFrame | None = None
    """The saved per-step table of a replayed run (drawn as the ghost); None when live."""
    unchecked: str = ""
    """A replay with no saved table to check against says why here (e.g. a sweep that kept
    no per-step tables); the page shows it where the match note would be."""
    shocks: tuple[tuple[int, str, float], ...] = ()
    """(week, action, amount) the session presses itself so they act at that week, as a
    trainer's click would (a story's): the ghost is the same run without them."""
    story: str = ""
    """The story's one line (what the room will see), or "" when not a story."""

    @property
    def replay(self) -> bool:
        """Rebuilt from a results folder (the page turns the knobs off)."""
        return self.reference is not None or bool(self.unchecked)


def scenario_source(scenario: Scenario, seed: int = 1) -> Source:
    return Source(scenario.name, scenario.parameters, seed, scenario.description)


def scenario_options() -> tuple[dict[str, Scenario], str]:
    """Library scenarios by slug (the embedded defaults first), and a warning if any is broken."""
    options = {"default": default_scenario()}
    warning = ""
    try:
        found = library()
    except ScenarioError as err:  # one broken file must not hide the others
        warning = f"a library scenario is invalid and left out: {err}"
        found = []
        for path in sorted(library_dir().glob("*.toml")):
            try:
                found.append(load_scenario(path))
            except ScenarioError:
                continue
    for scenario in found:
        options[scenario.slug] = scenario
    return options, warning


SERVER_FILE_FIELDS: tuple[str, ...] = (
    *(name for name, _, _, spec in declarations() if spec.unit == "path"),
    "extends",
)
"""What a scenario file may use to name another file (``network_file``, ``network_nodes_file``,
``extends``): an upload naming any of them is refused, so the page never opens a server file
on a page user's behalf; only ``extends`` naming a library scenario by its bare name
(:func:`~netsim.config.scenarios.library_reference`, decided from the text alone) is let
through, since the library is what the page lists anyway."""
SERVER_FILE_REFUSAL = (
    "an uploaded scenario may not name files on the server (network_file, "
    "network_nodes_file, an extends path); allowed: a scenario without them, or extends "
    'naming a library scenario (extends = "funding_cliff"); run one that needs a network '
    "file with `netsim run` on the machine that holds it"
)
"""The one message for any upload naming a file: it never depends on the path (whether it
exists, what it holds), so the page cannot be used to probe the server's files."""


def read_upload(name: str, data: bytes | BinaryIO | None, size: int | None = None) -> Scenario:
    """Validate an uploaded scenario file; raises ScenarioError with a one-line message.

    ``data`` is the file's bytes or a file object (Solara's lazy ``file_obj``), of which at
    most :data:`MAX_FILE_BYTES` + 1 bytes are read, so a large upload is never buffered
    whole; ``size`` is the size the browser claims (refused early if too large, but not
    trusted: the read is capped either way). A scenario naming a server file is refused
    with :data:`SERVER_FILE_REFUSAL` before anything looks at the path.
    """
    path = Path(Path(str(name)).name or "upload.toml")
    if path.suffix.lower() not in SUFFIXES:
        raise ScenarioError(
            path,
            f"unsupported file type {path.suffix or '(none)'!r}; allowed: " + ", ".join(SUFFIXES),
        )
    too_large = f"is larger than {MAX_FILE_BYTES} bytes; a scenario is short"
    if isinstance(size, int) and size > MAX_FILE_BYTES:
        raise ScenarioError(path, too_large)
    if data is not None and not isinstance(data, bytes | bytearray):
        try:
            data = data.read(MAX_FILE_BYTES + 1)
        except (OSError, ValueError):
            data = None
    if data is None:
        raise ScenarioError(path, "could not be read")
    if len(data) > MAX_FILE_BYTES:
        raise ScenarioError(path, too_large)
    try:
        text = bytes(data).decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ScenarioError(
            path, "is not UTF-8 text", line=data[: err.start].count(b"\n") + 1
        ) from None
    _refuse_server_files(path, parse_document(path, text))
    return parse_scenario_text(text, path)


def _refuse_server_files(path: Path, document: Mapping[str, Any]) -> None:
    """Refuse a document that names a file anywhere a scenario may (top level or a group)."""
    places: list[Mapping[Any, Any]] = [document]
    places += [v for k, v in document.items() if k in PARAMETER_GROUPS and isinstance(v, Mapping)]
    for place in places:
        for field in SERVER_FILE_FIELDS:
            if field not in place or place[field] in ("", None):
                continue
            if field == "extends" and place is document and library_reference(place[field]):
                continue  # a library scenario by name: looked up in the library folder only
            raise ScenarioError(path, SERVER_FILE_REFUSAL, field=field)


# --- what the page may build, whatever the browser sends --------------------------------

MAX_POPULATION = 5_000
"""People in a model the page builds (the live view is made for up to 5,000; the slider's
end, enforced here on the server, since a crafted message can send any value)."""
MAX_CONTACTS = 250_000
"""People x contacts_per_person in a model the page builds (5,000 people with 50 contacts
each): above it a week takes seconds and stalls the server for every tab."""
MAX_STEPS = 5_200
"""Weeks in a model the page builds (a century; every library scenario runs 156)."""
MAX_SEED = 2**63 - 1
"""The largest seed the page takes (the seed box sends any whole number)."""
MAX_TEXT = 500
"""Characters the page takes in a text box (a folder path, a filter)."""


class PageLimitError(NetsimError, ValueError):
    """A model or value past what the page serves (one-line message)."""


def check_page_limits(params: Parameters) -> None:
    """Refuse parameters past the page's limits (raises PageLimitError naming the field)."""
    people = params.eligible_population
    if people > MAX_POPULATION:
        raise PageLimitError(
            f"eligible_population: {people:,} people is more than the page builds; allowed: up "
            f"to {MAX_POPULATION:,} (run larger models with `netsim run`)"
        )
    contacts = people * params.contacts_per_person
    if contacts > MAX_CONTACTS:
        raise PageLimitError(
            f"contacts_per_person: {people:,} people x {params.contacts_per_person:g} contacts "
            f"is more than the page builds; allowed: people x contacts up to {MAX_CONTACTS:,}"
        )
    if params.steps > MAX_STEPS:
        raise PageLimitError(
            f"steps: {params.steps:,} weeks is more than the page plays; allowed: up to "
            f"{MAX_STEPS:,}"
        )


def page_seed(value: Any) -> int:
    """A seed from the page's seed box, checked on the server (raises PageLimitError)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise PageLimitError("seed: must be a whole number from 0 to 2**63 - 1")
    try:
        number = int(value) if not isinstance(value, float) or value.is_integer() else -1
    except (ValueError, OverflowError):
        number = -1
    if not 0 <= number <= MAX_SEED:
        raise PageLimitError("seed: must be a whole number from 0 to 2**63 - 1")
    return number


def page_text(value: Any) -> str:
    """Text from a page box: a string of at most :data:`MAX_TEXT` characters, or ""."""
    if not isinstance(value, str):
        return ""
    return value[:MAX_TEXT]


def page_speed(value: Any) -> int:
    """Weeks per second from the speed slider, clamped to :data:`SPEED_RANGE` (default if
    the browser sends something that is not a number)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return DEFAULT_SPEED
    low, high = SPEED_RANGE
    return int(min(max(round(value), low), high))


def build_error_message(err: BaseException) -> str:
    """What the page says when a model cannot be built: one line, never a file's content.

    A network file's reader quotes lines of the file and tells whether a path exists, so
    its errors are replaced by a fixed line (the details go to the server log); other
    mistakes in what the user gave are shown as they are; a bug is named by its kind only.
    """
    if isinstance(err, NetworkFileError) or (
        isinstance(err, ParameterError) and err.field_name in SERVER_FILE_FIELDS
    ):
        return "the scenario's network file cannot be used (the server log says why)"
    if isinstance(err, NetsimError):
        return one_line(err)
    return f"{type(err).__name__} (the server log has the details)"


class ReplayError(NetsimError, ValueError):
    """A results folder cannot be replayed (one-line message)."""


@dataclass(frozen=True, slots=True)
class ReplayRun:
    """One run in a results folder: a ``netsim run`` folder holds one, compare and sweep many."""

    label: str
    seed: int
    scenario: str | None = None
    replicate: int | None = None
    run_id: str | None = None
    """A sweep's run id (None for run and compare folders)."""
    point_id: int | None = None
    error: str | None = None
    """Why a sweep run failed (it is listed, marked, but cannot be replayed); None if ok."""
    tags: tuple[tuple[str, str], ...] = ()
    """A sweep run's ``name=value`` pairs as its label shows them (for :func:`filter_runs`)."""

    @property
    def failed(self) -> bool:
        return self.error is not None


def _is_run_folder(folder: Path) -> bool:
    return RunFolder(folder).exists()


def _is_compare_folder(folder: Path) -> bool:
    return all((folder / f).is_file() for f in ("runs.csv", "steps.parquet", "comparison.json"))


def _is_sweep_folder(folder: Path) -> bool:
    # the manifest alone decides, so an unreadable one is reported as such, not as "not results"
    return SweepFolder(folder).exists()


def result_folders(root: Path, limit: int = 200) -> list[Path]:
    """Run, compare and sweep folders in ``root`` and one level below it, newest name last."""
    root = Path(root)
    if not root.is_dir():
        return []
    candidates = [root, *sorted(p for p in root.iterdir() if p.is_dir())]
    found = [
        p for p in candidates if _is_run_folder(p) or _is_compare_folder(p) or _is_sweep_folder(p)
    ]
    return found[-limit:]


def results_stamp(folder: Path) -> tuple[int, ...]:
    """Modification times of what lists a folder's runs: changes when a run (or part) is added.

    Lets the page keep a sweep's run list between renders and still see a running
    sweep's new parts (each arrives by a rename into ``runs/``, which touches it).
    """
    folder = Path(folder)
    stamps = []
    run, sweep = RunFolder(folder), SweepFolder(folder)
    paths = [run.summary_path, folder / "runs.csv", *sweep.stamp_paths()]
    for path in paths:
        try:
            stamps.append(path.stat().st_mtime_ns)
        except OSError:
            stamps.append(0)
    return tuple(stamps)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ReplayError(f"{path.parent.name}/{path.name}: cannot be read: {err}") from None
    if not isinstance(document, dict):
        raise ReplayError(f"{path.parent.name}/{path.name}: is not a JSON object")
    return document


def replay_runs(folder: Path) -> list[ReplayRun]:
    """The runs a results folder holds (raises ReplayError if it is not a results folder).

    A sweep's runs come in design order (point, then replicate), failed ones included
    but marked, so the list reads like the design; see :func:`filter_runs` for picking
    one out of thousands.
    """
    folder = Path(folder)
    if _is_run_folder(folder):
        seed = _run_document(folder).provenance.seed
        if seed is None:
            raise ReplayError(f"{folder.name}: the run's summary has no provenance seed")
        return [ReplayRun(f"the run (seed {seed})", seed)]
    if _is_compare_folder(folder):
        try:
            runs = pd.read_csv(folder / "runs.csv", usecols=["scenario", "replicate", "seed"])
        except (OSError, ValueError) as err:
            raise ReplayError(f"{folder.name}/runs.csv: cannot be read: {err}") from None
        return [
            ReplayRun(f"{s} · replicate {int(r)} (seed {int(seed)})", int(seed), str(s), int(r))
            for s, r, seed in runs.itertuples(index=False)
        ]
    if _is_sweep_folder(folder):
        return _sweep_runs(folder)
    raise ReplayError(
        f"{folder}: not a results folder (needs summary.json + steps.parquet from `netsim run`, "
        "runs.csv + steps.parquet + comparison.json from `netsim compare`, "
        "or manifest.json + runs/ from `netsim sweep`)"
    )


def filter_runs(runs: list[ReplayRun], query: str, limit: int = 200) -> tuple[list[ReplayRun], int]:
    """The first ``limit`` runs that match every term of ``query``, and how many match.

    A sweep can hold thousands of runs, so a picker shows at most ``limit`` and the
    trainer narrows them down. A ``name=value`` term matches a sweep run's tag exactly
    (numbers by value, so ``replicate=3`` is not ``replicate=30`` and
    ``initial_trust=0.50`` is ``0.5``; ``id=`` by prefix); any other term is a
    case-insensitive piece of the label (a run id, ``failed``). An empty query matches all.
    """
    terms = query.lower().split()
    matches = [r for r in runs if all(_matches(r, t) for t in terms)]
    return matches[:limit], len(matches)


def _matches(run: ReplayRun, term: str) -> bool:
    key, equals, wanted = term.partition("=")
    if not equals or not run.tags:
        return term in run.label.lower()
    for name, value in run.tags:
        if name.lower() != key:
            continue
        value = value.lower()
        if name == "id":  # hex, not a number: the run id's start is enough
            return bool(wanted) and value.startswith(wanted)
        if value == wanted:
            return True
        try:
            return float(value) == float(wanted)
        except ValueError:
            return False
    return False


def read_replay(folder: Path, run: ReplayRun) -> Source:
    """A source that rebuilds ``run`` from its saved parameters and seed, with its saved table."""
    folder = Path(folder)
    if run.run_id is not None:
        return _read_sweep_replay(folder, run)
    try:
        if run.scenario is None:
            values = dict(_run_document(folder).parameters)
            table = RunFolder(folder).steps()
            label = f"replay: {folder.name}"
        else:
            document = _read_json(folder / "comparison.json")
            entries = {e.get("slug"): e for e in document.get("scenarios", [])}
            if run.scenario not in entries:
                raise ReplayError(
                    f"{folder.name}: comparison.json has no scenario {run.scenario!r}"
                )
            values = entries[run.scenario].get("parameters")
            steps = pd.read_parquet(folder / "steps.parquet")
            rows = (steps["scenario"] == run.scenario) & (steps["replicate"] == run.replicate)
            ids = [c for c in ("scenario", "replicate", "seed") if c in steps.columns]
            table = steps[rows].drop(columns=ids).reset_index(drop=True)
            if table.empty:
                raise ReplayError(f"{folder.name}: steps.parquet has no rows for {run.label}")
            label = f"replay: {folder.name} · {run.scenario} · replicate {run.replicate}"
        if not isinstance(values, dict):
            raise ReplayError(f"{folder.name}: the saved parameters are missing")
        params = Parameters.from_dict(values)
    except ParameterError as err:
        raise ReplayError(f"{folder.name}: saved parameters are not valid here: {err}") from None
    except (OSError, KeyError, ValueError) as err:
        if isinstance(err, ReplayError):
            raise
        raise ReplayError(f"{folder.name}: cannot be replayed: {err}") from None
    description = (
        f"Rebuilt from the saved parameters and seed {run.seed} and stepped again (the model is "
        "deterministic); the grey ghost is the saved run."
    )
    return Source(label, params, run.seed, description, reference=table)


def _run_document(folder: Path) -> RunDocument:
    """A run folder's summary document, parsed and checked (a ReplayError if it cannot be)."""
    try:
        return RunFolder(folder).document
    except RunFolderError as err:
        raise ReplayError(one_line(err)) from None


# --- sweep folders ----------------------------------------------------------------------------


def _sweep_manifest(folder: Path) -> Manifest:
    """The manifest, parsed and checked by the folder's model (a ReplayError if it cannot be)."""
    try:
        return SweepFolder(folder).manifest
    except SweepFolderError as err:
        raise ReplayError(one_line(err)) from None


def _sweep_table(folder: Path) -> pd.DataFrame:
    """The sweep's run table as :meth:`SweepFolder.runs` reads it (a row per run)."""
    try:
        return SweepFolder(folder).runs()
    except SweepFolderError as err:
        raise ReplayError(one_line(err)) from None


def _plain(value: Any) -> Any:
    """A numpy scalar from the run table as the Python value the sweep passed to replace()."""
    return value.item() if isinstance(value, np.generic) else value


def _shown(value: Any) -> str:
    return f"{value:.6g}" if isinstance(value, float) else str(value)


def _sweep_runs(folder: Path) -> list[ReplayRun]:
    varied = list(_sweep_manifest(folder).columns.parameters)
    table = _sweep_table(folder)
    if table.empty:
        raise ReplayError(f"{folder.name}: the sweep has no finished runs yet")
    columns = ["run_id", "point_id", "replicate", "seed", "status", "error", *varied]
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ReplayError(f"{folder.name}: the run table has no column {missing[0]!r}")
    runs = []
    for row in table[columns].itertuples(index=False, name=None):
        run_id, point, replicate, seed, status, error = row[:6]
        tags = (
            ("point", str(int(point))),
            *((name, _shown(_plain(v))) for name, v in zip(varied, row[6:], strict=True)),
            ("replicate", str(int(replicate))),
            ("seed", str(int(seed))),
            ("id", str(run_id)),
        )
        failed = status != "ok"
        label = ("FAILED · " if failed else "") + " · ".join(f"{k}={v}" for k, v in tags)
        reason = " ".join(str(error or "no summary").split()) if failed else None
        runs.append(
            ReplayRun(label, int(seed), None, int(replicate), str(run_id), int(point), reason, tags)
        )
    return runs


def _sweep_steps(folder: Path, manifest: Manifest, run_id: str) -> pd.DataFrame | None:
    """The run's kept per-step rows (only this run's are read), or None if the sweep kept none."""
    if not manifest.keep_steps:
        return None
    try:
        table = SweepFolder(folder).steps(run_id=run_id)
    except SweepFolderError as err:
        raise ReplayError(one_line(err)) from None
    if table.empty or "step" not in table.columns:
        return None
    ids = [c for c in STEP_ID_COLUMNS if c in table.columns]
    return table.drop(columns=ids).reset_index(drop=True)


def _read_sweep_replay(folder: Path, run: ReplayRun) -> Source:
    """Rebuild a sweep run as the sweep did: ``base.replace(**point)`` with the recorded seed.

    The base parameters are the manifest's (what the sweep ran and a resume checks
    against), the varied values and the seed the run's row. The run id hashes all of
    them, so recomputing it proves the rebuild is the very run the sweep made.
    """
    if not _is_sweep_folder(folder):
        raise ReplayError(f"{folder}: not a sweep results folder (no manifest)")
    manifest = _sweep_manifest(folder)
    table = _sweep_table(folder)
    rows = table[table["run_id"] == run.run_id] if "run_id" in table.columns else table[:0]
    if rows.empty:
        raise ReplayError(f"{folder.name}: no run with id {run.run_id!r} in this sweep")
    row = rows.iloc[0]
    if row["status"] != "ok":
        reason = " ".join(str(row.get("error") or "no summary").split())
        raise ReplayError(
            f"{folder.name}: run {run.run_id} failed in the sweep, so there is nothing to "
            f"replay: {reason}"
        )
    values = {name: _plain(row[name]) for name in manifest.columns.parameters}
    try:
        params = Parameters.from_dict(dict(manifest.base_parameters)).replace(**values)
    except ParameterError as err:
        raise ReplayError(f"{folder.name}: saved parameters are not valid here: {err}") from None
    seed = int(row["seed"])
    labels = {"point_id": int(row["point_id"]), "replicate": int(row["replicate"])}
    reference = _sweep_steps(folder, manifest, str(run.run_id))
    shown = ", ".join(f"{k}={_shown(v)}" for k, v in values.items())
    name = manifest.name or folder.name
    label = f"replay: {folder.name} · point {labels['point_id']} · replicate {labels['replicate']}"
    description = (
        f"Run {run.run_id} of the sweep {name!r}: its base scenario with {shown}, rebuilt with "
        f"seed {seed} and stepped again (the model is deterministic); "
    )
    if reference is not None:
        description += "the grey ghost is the saved run."
    else:
        description += "the grey ghost is the same run without your shocks."
    if run_id_of(params.to_dict(), seed, labels) != run.run_id:
        description += (
            " Note: these parameters do not hash to the run's id, so netsim's parameters "
            "have changed since the sweep; expect differences."
        )
    unchecked = "" if reference is not None else "the sweep kept no per-step table to check against"
    return Source(label, params, seed, description, reference=reference, unchecked=unchecked)


def story_source(story: Story) -> Source:
    """A story's scenario, seed and shocks as a live source (its line shown above the view)."""
    scenario = story.scenario
    return Source(
        scenario.name,
        scenario.parameters,
        story.seed,
        scenario.description,
        shocks=story.shocks,
        story=story.line,
    )


def story_key(scenario: Scenario) -> str:
    """The scenario picker's key of a library scenario (its slug; ``default`` for the default)."""
    return "default" if scenario.path is None else scenario.slug


def initial_source(name: str | None = None, seed: int | None = None) -> tuple[Source, str, str]:
    """What the page opens with: the library scenario ``name`` (None: the one named by
    ``netsim app --scenario``, NETSIM_APP_SCENARIO), else the first story (one whose idea
    spreads); at ``seed`` if given (checked as the page's seed box checks it). Returns the
    source, the scenario picker's key and an error to show (the default then opens)."""
    if name is None:
        name = os.environ.get("NETSIM_APP_SCENARIO", "")
    name = name.strip()
    if not name:
        first = load_stories()[0]
        source, key, error = story_source(first), story_key(first.scenario), ""
    else:
        try:
            scenario = named_scenario(name)
        except ScenarioError as err:
            return scenario_source(default_scenario()), "default", str(err)
        source, key, error = scenario_source(scenario), scenario.slug, ""
    if seed is not None:
        source = replace(source, seed=page_seed(seed))
    return source, key, error


def results_root() -> Path:
    return Path(os.environ.get("NETSIM_APP_RESULTS", "results"))


OUTSIDE_ROOT = (
    "the replay folder must be inside the page's results folder (`netsim app --results-root`)"
)
"""The one message for a replay folder outside the root: it never depends on the path."""


def replay_folder(typed: str, root: Path | None = None) -> Path:
    """The folder a page user typed, confined to the results root (raises ReplayError).

    Both are resolved (``..`` and symlinks followed), so a link inside the root that points
    out of it is refused too; a relative path is taken from the server's working folder
    (as the folder picker lists them) or, failing that, from the root. The refusal is
    :data:`OUTSIDE_ROOT` whatever the path, so it reveals nothing about the server.
    """
    base = Path(results_root() if root is None else root)
    text = page_text(typed).strip()
    try:
        resolved_root = base.resolve()
        if not text or "\x00" in text:
            raise ValueError("no path")
        given = Path(text)
        candidates = [given] if given.is_absolute() else [given, base / given]
        for candidate in candidates:
            folder = candidate.resolve()
            if folder == resolved_root or resolved_root in folder.parents:
                return folder
    except (OSError, ValueError, RuntimeError):
        pass
    raise ReplayError(OUTSIDE_ROOT)


# --- one tab's live model -------------------------------------------------------------------

BASELINE_CAP = 312
"""The ghost run goes at most this many weeks (six years)."""
SPEED_RANGE = (1, 30)
DEFAULT_SPEED = 10
"""Weeks per second while playing."""
RATE_WINDOW = 2.0
"""Seconds of play the achieved rate (:attr:`Frame.achieved`) is measured over."""
RATE_FRAMES = 128
"""Played weeks' times kept for the rate (more than 30 weeks/s x RATE_WINDOW)."""
SLOW_PICTURES = 0.25
"""Seconds of play between two drawings of the curves and the 5C wheel (PNGs, slow to draw
and to send); the network (on the browser's canvas) and the week counter change every week,
and a pause, a step or the last week draws everything."""
CATCH_UP = 0.25
"""Seconds of lateness that playback makes up (a week that redrew the curves and wheel
takes longer than 1/30 s); beyond it the schedule restarts from now, so a model too slow
for the setting never builds a backlog that would then race."""
MIN_WAIT = 0.002
"""Seconds the play loop always yields between weeks, so clicks are taken at once."""
STAT_COLUMNS: tuple[str, ...] = (
    "active",
    "passive",
    "lapsed",
    "members",
    "adoption_share",
    "mean_engagement",
)
STAT_COLUMNS += ("mean_trust", "ties", "funding")

SHOCKS: tuple[tuple[str, str, float], ...] = (
    ("leader leaves", "leader_leaves", 1.0),
    ("cut funding", "funding_cut", 0.0),
    ("add a priority", "priority_added", 1.0),
    ("recruit 3 champions", "champions_recruited", 3.0),
    ("run an event", "event", 1.0),
)
"""(button label, timeline action, amount) of the shocks a trainer can press live."""


@dataclass(frozen=True, eq=False)
class Frame:
    """An immutable snapshot of a session, pictures included: all the page ever shows."""

    seq: int
    generation: int
    parameters: Parameters
    label: str
    description: str
    step: int
    horizon: int
    playing: bool
    scene: Scene
    """The network's fixed part (positions, candidate ties): one object per model build."""
    codes: str
    """Two hex digits per drawn person (:func:`netsim.app.canvas.node_codes`)."""
    ties: str
    """One digit per candidate tie: 0 absent, 1 present, 2 formed this week."""
    curves_png: bytes
    wheel_png: bytes
    pictures_step: int
    """The week the curves and the wheel show: ``step`` except while playing, when they are
    redrawn only every :data:`SLOW_PICTURES` seconds."""
    interventions: tuple[tuple[int, str, float], ...]
    """(week, action, amount) of every shock applied so far (scheduled or pressed)."""
    pending: tuple[tuple[int, str, float], ...]
    """Shocks pressed but not yet applied (they act at the next step)."""
    planned: tuple[tuple[int, str, float], ...]
    """A story's shocks still to come (the session presses each so it acts at its week)."""
    stats: dict[str, float]
    shown: int
    population: int
    ghost: str
    replay: bool
    note: str = ""
    achieved: float = 0.0
    """Weeks a second the play loop reached over the last :data:`RATE_WINDOW` seconds while
    playing (0 when not playing or not yet known): the page shows it when it falls behind."""
    story: str = ""
    """The story's one line (what the room will see), or ""."""

    @property
    def finished(self) -> bool:
        return self.step >= self.horizon


def same_page(shown: Frame | None, frame: Frame) -> bool:
    """Whether ``frame`` differs from the ``shown`` one only in what changes every played week
    (the week, the network's codes, the rate, the numbers): then the page redraws only the
    week counter and the network, and the rest (pictures, numbers, buttons) waits for the
    next frame with new pictures (at most :data:`SLOW_PICTURES` s while playing)."""
    if shown is None or not (shown.playing and frame.playing and not frame.finished):
        return False
    return (
        shown.generation == frame.generation
        and shown.pictures_step == frame.pictures_step
        and shown.interventions == frame.interventions
        and shown.pending == frame.pending
        and shown.planned == frame.planned
        and shown.ghost == frame.ghost
        and shown.note == frame.note
    )


Publisher = Callable[[Frame], None]


class Session:
    """One browser tab's model, play loop and pictures; safe to drive from many threads.

    Every change to the model (build, step, intervene) happens under ``_lock``
    and produces a :class:`Frame` with a higher ``seq``; ``publish`` receives
    frames in increasing ``seq`` only (a late, older frame is dropped). The play
    loop runs in its own thread and stops when its token changes (pause, close)
    or the horizon is reached. ``generation`` counts builds, so a ghost run
    finished for an older build is thrown away.
    """

    def __init__(
        self,
        publish: Publisher | None = None,
        on_error: Callable[[str], None] | None = None,
        *,
        baseline_cap: int = BASELINE_CAP,
    ) -> None:
        self._lock = threading.RLock()
        self._emit_lock = threading.Lock()
        self._publish = publish
        self._on_error = on_error
        self._baseline_cap = baseline_cap
        self._emitted = -1
        self._seq = 0
        self.generation = 0
        self._figures = Figures()
        self._model: Any = None
        self._source: Source | None = None
        self._layout: Layout | None = None
        self._sample = np.zeros(0, np.int64)
        self._sample_edges = np.zeros(0, np.int64)
        self._scene: Scene | None = None
        self._pictures_at = -math.inf
        self._pressed: list[tuple[int, str, float]] = []
        self._ghost_label = ""
        self._first_difference: int | None = None
        self._playing = False
        self._play_queued = False
        self._frame_times: deque[float] = deque(maxlen=RATE_FRAMES)
        self._achieved = 0.0
        self._play_token = 0
        self._wake = threading.Event()
        self._speed = float(DEFAULT_SPEED)
        self._wanted: Source | None = None
        self._building = False
        # a build taken from the queue has not yet replaced the model; cleared at the swap,
        # before the new frame is published (the page may show it and take a click at once)
        self._loading = False
        self._closed = False
        self.last: Frame | None = None

    # --- reading ----------------------------------------------------------------------------
    @property
    def model(self) -> Any:
        return self._model

    @property
    def playing(self) -> bool:
        with self._lock:  # so that a frame being drawn as play stops is already ``last``
            return self._playing

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Wait until no build is queued or running (for tests and scripts)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if not self._building and self._wanted is None:
                    return True
            time.sleep(0.01)
        return False

    # --- building ---------------------------------------------------------------------------
    def load(self, source: Source) -> Frame:
        """Build a model from ``source`` now and show it at week 0 (keeps playing if it was).

        Raises PageLimitError for a model past the page's limits (:func:`check_page_limits`).
        """
        check_page_limits(source.parameters)
        model = api.build_model(source.parameters, seed=source.seed)
        organisation = model.members.organisation
        positions = member_layout(organisation)
        sample = sample_people(organisation, DRAW_LIMIT)
        sample_edges = edges_within(
            sample, model.graph.edge_u, model.graph.edge_v, organisation.size
        )
        with self._lock:
            self.generation += 1
            self._model, self._source, self._layout = model, source, positions
            self._loading = False
            self._sample, self._sample_edges = sample, sample_edges
            graph = model.graph
            self._scene = scene(
                self.generation, positions, sample, sample_edges, graph.edge_u, graph.edge_v
            )
            self._pressed = []
            self._first_difference = None
            self._figures.reset(source.parameters.steps)
            if source.reference is not None:
                self._figures.set_ghost(source.reference)
                self._ghost_label = "grey: the saved run"
            else:
                self._ghost_label = ""
                self._start_ghost(self.generation, source)
            frame = self._render_locked()
            start_playing = self._play_queued and self._wanted is None
            if start_playing:
                self._play_queued = False
        self._emit(frame)
        if start_playing:  # the play pressed while this model was being built
            self._play(queue=False)
        return frame

    def request_load(self, source: Source) -> None:
        """Build ``source`` in the background; while one build runs, only the latest waits.

        Raises PageLimitError at once (nothing is built) for a model past the page's limits.
        """
        check_page_limits(source.parameters)
        with self._lock:
            if self._closed:
                return
            self._wanted = source
            if self._building:
                return
            self._building = True
        threading.Thread(target=self._build_worker, daemon=True, name="netsim-build").start()

    def reset(self) -> None:
        """Pause and rebuild the current source from week 0."""
        self.pause()
        if self._source is not None:
            self.request_load(self._source)

    def _build_worker(self) -> None:
        while True:
            with self._lock:
                source, self._wanted = self._wanted, None
                if source is None or self._closed:
                    self._building = False
                    return
                self._loading = True
            try:
                self.load(source)
            except Exception as err:  # one line on the page, the traceback in the server log
                log.exception("building the model failed")
                with self._lock:
                    self._loading = False
                    self._play_queued = False  # nothing new to play
                self._report(f"the model could not be built: {build_error_message(err)}")

    def _start_ghost(self, generation: int, source: Source) -> None:
        """Run the same parameters and seed without live shocks, in the background."""
        steps = min(source.parameters.steps, self._baseline_cap)

        def run_ghost() -> None:
            try:
                model = api.build_model(source.parameters, seed=source.seed)
                for _ in range(steps):
                    if self.generation != generation or self._closed:
                        return
                    model.step()
                table = model.table()
            except Exception:
                log.exception("the ghost run failed")
                return
            with self._lock:
                if self.generation != generation or self._closed:
                    return
                self._figures.set_ghost(table)
                self._ghost_label = f"grey: the same run without your shocks ({steps} weeks)"
                frame = None if self._playing else self._render_locked()
            if frame is not None:
                self._emit(frame)

        threading.Thread(target=run_ghost, daemon=True, name="netsim-ghost").start()

    # --- acting ----------------------------------------------------------------------------
    def _rebuilding_locked(self) -> bool:
        """A build is queued or running: the loaded model is about to be replaced."""
        return self._loading or self._wanted is not None

    def step(self, count: int = 1) -> Frame | None:
        """Advance ``count`` weeks (not past the horizon); None if there is nothing to step.

        Ignored (None) while a rebuild is on its way: a week stepped on the model being
        replaced would show on the counter and then vanish.
        """
        with self._lock:
            if self._model is None or self._finished_locked() or self._rebuilding_locked():
                return None
            for _ in range(count):
                if self._finished_locked():
                    break
                self._step_locked()
            frame = self._render_locked()
        self._emit(frame)
        return frame

    def intervene(self, action: str, amount: float = 1.0) -> Frame | None:
        """Apply a shock at the next step (marked on the curves once it has acted).

        The action and amount are checked by the one timeline rule
        (:class:`TimelineEvent`), whether or not a model is running.
        """
        TimelineEvent(step=1, action=action, amount=amount)  # type: ignore[arg-type]
        with self._lock:  # (dropped while a rebuild is on its way: it would act on the old model)
            if self._model is None or self._finished_locked() or self._rebuilding_locked():
                return None
            self._model.intervene(action, amount)
            self._pressed.append((self._model.step_count + 1, action, float(amount)))
            frame = self._restate_locked()
        self._emit(frame)
        return frame

    def set_speed(self, weeks_per_second: float) -> None:
        self._speed = float(page_speed(weeks_per_second))

    def play(self) -> None:
        """Step ``speed`` times a second in a background thread until paused or finished.

        Pressed while a rebuild is on its way (reset, a knob), play waits for the new model
        and starts it from week 0 (a later pause or reset cancels it), so a burst of clicks
        never plays the old model on for a few weeks and then jumps back.
        """
        self._play(queue=True)

    def _play(self, queue: bool) -> None:
        with self._lock:
            if self._closed:
                return
            if queue and self._rebuilding_locked() and not self._playing:
                self._play_queued = True
                return
            if self._model is None or self._playing or self._finished_locked():
                return
            self._playing = True
            self._frame_times.clear()
            self._achieved = 0.0
            self._play_token += 1
            token = self._play_token
            self._wake = wake = threading.Event()
            frame = self._restate_locked()
        threading.Thread(
            target=self._play_loop, args=(token, wake), daemon=True, name="netsim-play"
        ).start()
        self._emit(frame)

    def pause(self) -> None:
        with self._lock:
            self._play_queued = False
            if not self._playing:
                return
            self._stop_locked()
            frame = self._restate_locked()
        self._emit(frame)

    def close(self) -> None:
        """Stop everything this session runs (the tab went away)."""
        with self._lock:
            self._closed = True
            self._stop_locked()
            self.generation += 1

    def _stop_locked(self) -> None:
        self._playing = False
        self._play_token += 1
        self._wake.set()

    def _play_loop(self, token: int, wake: threading.Event) -> None:
        due = time.monotonic()
        while True:
            message = ""
            frame: Frame | None = None
            with self._lock:
                if token != self._play_token:
                    return
                waiting = self._rebuilding_locked()  # the new model comes: show nothing
                if not waiting:
                    try:
                        if not self._finished_locked():
                            self._step_locked()
                        if self._finished_locked():
                            self._playing = False
                            self._play_token += 1
                        self._note_frame_time_locked()
                        due_pictures = time.monotonic() - self._pictures_at >= SLOW_PICTURES
                        frame = self._render_locked(pictures=due_pictures or not self._playing)
                    except Exception as err:
                        log.exception("stepping the model failed")
                        self._stop_locked()
                        message = f"the model stopped: {build_error_message(err)}"
                done = frame is not None and not frame.playing
            if message:
                self._report(message)
                return
            if frame is not None:
                self._emit(frame)
            if done:
                return
            due += 1.0 / self._speed
            now = time.monotonic()
            if due < now - CATCH_UP:  # slower than asked: go as fast as we can, no backlog
                due = now
            # a week late by less than CATCH_UP (one that redrew the slow pictures) is made up
            # by shorter waits after it, so the rate kept is the rate set
            if wake.wait(max(due - now, MIN_WAIT)):
                return

    def _note_frame_time_locked(self) -> None:
        """Record a played week's time; the achieved rate is over the last RATE_WINDOW s."""
        now = time.monotonic()
        times = self._frame_times
        times.append(now)
        while len(times) > 2 and now - times[0] > RATE_WINDOW:
            times.popleft()
        span = times[-1] - times[0]
        self._achieved = (len(times) - 1) / span if len(times) >= 3 and span > 0 else 0.0

    # --- frames -----------------------------------------------------------------------------
    def _loaded_locked(self) -> tuple[Source, Layout]:
        """The loaded model's source and layout (set together with the model)."""
        if self._source is None or self._layout is None:
            raise RuntimeError("no model is loaded")
        return self._source, self._layout

    def _finished_locked(self) -> bool:
        return self._model.step_count >= self._loaded_locked()[0].parameters.steps

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def _planned_locked(self) -> tuple[tuple[int, str, float], ...]:
        now = self._model.step_count
        return tuple(p for p in self._loaded_locked()[0].shocks if p[0] > now)

    def _step_locked(self) -> None:
        """One week: first press the source's shocks due then (they act at the next step)."""
        source = self._loaded_locked()[0]
        due = self._model.step_count + 1
        for week, action, amount in source.shocks:
            if week == due:
                self._model.intervene(action, amount)
                self._pressed.append((week, action, amount))
        self._model.step()

    def _pending_locked(self) -> tuple[tuple[int, str, float], ...]:
        now = self._model.step_count
        return tuple(p for p in self._pressed if p[0] > now)

    def _restate_locked(self) -> Frame:
        """The last frame with the play state and pending shocks brought up to date."""
        last = self.last
        if last is None or last.generation != self.generation:
            return self._render_locked()
        if not self._playing and last.pictures_step != last.step:  # paused: all up to date
            return self._render_locked()
        self.last = frame = dataclasses.replace(
            last,
            seq=self._next_seq(),
            playing=self._playing,
            achieved=self._achieved if self._playing else 0.0,
            pending=self._pending_locked(),
            planned=self._planned_locked(),
        )
        return frame

    def _render_locked(self, pictures: bool = True) -> Frame:
        """A frame of the model's current state; ``pictures`` False (while playing) keeps the
        last frame's curves and wheel if it is of this build."""
        model, source = self._model, self._loaded_locked()[0]
        if self._scene is None:
            raise RuntimeError("no model is loaded")
        table = model.table()
        codes, ties = week_codes(model, self._sample, self._sample_edges)
        interventions = tuple((int(s), str(a), float(x)) for s, a, x in model.interventions)
        last = self.last
        if pictures or last is None or last.generation != self.generation:
            curves_png, wheel_png = self._figures.render(table, interventions)
            pictures_step = model.step_count
            self._pictures_at = time.monotonic()
        else:
            curves_png, wheel_png, pictures_step = (
                last.curves_png,
                last.wheel_png,
                last.pictures_step,
            )
        row = table.iloc[-1]
        frame = Frame(
            seq=self._next_seq(),
            generation=self.generation,
            parameters=source.parameters,
            label=source.label,
            description=source.description,
            step=model.step_count,
            horizon=source.parameters.steps,
            playing=self._playing,
            achieved=self._achieved if self._playing else 0.0,
            scene=self._scene,
            codes=codes,
            ties=ties,
            curves_png=curves_png,
            wheel_png=wheel_png,
            pictures_step=pictures_step,
            interventions=interventions,
            pending=self._pending_locked(),
            planned=self._planned_locked(),
            stats={c: float(row[c]) for c in STAT_COLUMNS if c in row.index},
            shown=int(self._sample.size),
            population=int(model.members.status.size),
            ghost=self._ghost_label,
            replay=source.replay,
            note=self._replay_note(table) if source.reference is not None else source.unchecked,
            story=source.story,
        )
        self.last = frame
        return frame

    def _replay_note(self, table: pd.DataFrame) -> str:
        """Whether the replay still matches the saved run, and if not, from which week."""
        step = int(table["step"].iloc[-1])
        if self._first_difference is None:
            saved = self._loaded_locked()[0].reference
            if saved is None:
                raise RuntimeError("a live run has no saved table to compare with")
            columns = [
                c
                for c in saved.columns
                if c in table.columns and pd.api.types.is_numeric_dtype(saved[c])
            ]
            both = table[columns].merge(saved[columns], on="step", suffixes=("", "_saved"))
            values = [c for c in columns if c != "step"]
            here = both[values].to_numpy(dtype=float)
            there = both[[f"{c}_saved" for c in values]].to_numpy(dtype=float)
            same = np.isclose(here, there, rtol=1e-9, atol=1e-12, equal_nan=True).all(axis=1)
            if not same.all():
                self._first_difference = int(both["step"].to_numpy()[~same][0])
        if self._first_difference is None:
            return f"matches the saved run so far (week {step})"
        if self._pressed and self._pressed[0][0] <= self._first_difference:
            return f"your shocks changed the course from week {self._first_difference}"
        return (
            f"differs from the saved run from week {self._first_difference} "
            "(saved by another netsim version?)"
        )

    def _emit(self, frame: Frame) -> None:
        with self._emit_lock:
            if frame.seq <= self._emitted or self._closed:
                return
            self._emitted = frame.seq
            if self._publish is None:
                return
            try:
                self._publish(frame)
            except Exception:  # the page went away: stop working for it
                log.exception("publishing a frame failed; stopping this session")
                with self._lock:  # (never taken before _emit_lock elsewhere: no deadlock)
                    self._closed = True
                    self._stop_locked()

    def _report(self, message: str) -> None:
        if self._on_error is not None:
            try:
                self._on_error(message)
            except Exception:
                log.exception("reporting an error failed")
        if self.last is not None:
            with self._lock:
                frame = self._restate_locked() if self._model is not None else None
            if frame is not None:
                self._emit(frame)


def one_line(err: BaseException) -> str:
    """An exception as one line of text (never a traceback)."""
    text = " ".join(str(err).split()) or type(err).__name__
    return text if isinstance(err, ValueError) else f"{type(err).__name__}: {text}"
