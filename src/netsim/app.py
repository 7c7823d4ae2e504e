"""The browser view (Solara): play an improvement network live, move sliders, press shocks.

Start it with ``netsim app`` (or ``solara run netsim.app:Page``). The page is a
thin layer over the model API: it builds a model with
:func:`netsim.api.build_model`, calls ``step()`` and ``intervene()``, and draws
from the model's member and tie arrays and its per-step ``table()``. It holds
no model logic. Three layers, top to bottom:

- **controls**: which parameters get a slider or a select, each generated from
  its declaration (:func:`netsim.parameters.declarations`);
- :class:`Session`: one browser tab's live model, its play loop, its pictures.
  Every change to the model happens under one lock and bumps a frame number;
  the page only ever shows an immutable :class:`Frame` (a snapshot with the
  pictures already drawn), and an older frame never replaces a newer one, so
  rapid clicking (reset during play, many shocks at once, sliders while playing)
  cannot tear or crash the view. Building is coalesced: dragging a slider
  builds only the latest value;
- the Solara components (:func:`Page`).

Drawing (:mod:`netsim.layout`): matplotlib figures kept per session and
updated in place, rendered to PNG; ``benchmarks/bench_app.py`` times a frame.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import solara

from netsim import api, layout
from netsim.layout import (
    ADOPTION_COLOURS,
    DRAW_LIMIT,
    MARKER_COLOUR,
    Figures,
    edges_within,
    marker_label,
    member_layout,
    network_frame,
    sample_people,
)
from netsim.parameters import TIMELINE_ACTIONS, ParameterError, Parameters, declarations
from netsim.scenarios import (
    MAX_FILE_BYTES,
    SUFFIXES,
    Scenario,
    ScenarioError,
    default_scenario,
    library,
    library_dir,
    load_scenario,
    parse_scenario_text,
    resolve,
)

log = logging.getLogger("netsim.app")

# --- controls, generated from the parameter declarations --------------------------------

CONTROL_GROUPS: dict[str, tuple[str, ...]] = {
    "leadership": ("leadership_style", "facilitation_capacity", "performance_pressure"),
    "funding": ("startup_funding", "startup_weeks", "sustained_funding", "events_per_year"),
    "purpose": ("purpose_clarity", "priorities", "expectations"),
    "network": ("eligible_population", "organisations", "contacts_per_person"),
    "diffusion": ("contagion", "transmission_probability", "threshold_fraction"),
}
"""Which parameters get a control on the page, by group (the group is the declaration's)."""

VIEW_LIMITS: dict[str, float] = {
    "eligible_population": 5_000,  # the live view is built for up to 5,000 people
    "organisations": 50,  # more do not fit around the circle
    "startup_weeks": 260,  # five years, past any scenario's horizon
}
"""Slider ends narrower than the declared range (the view's own limits, not new defaults)."""


@dataclass(frozen=True, slots=True)
class Control:
    """One control on the page: everything but the current value comes from the declaration."""

    name: str
    group: str
    kind: str
    """'float' or 'int' (a slider) or 'choice' (a select)."""
    label: str
    default: Any
    unit: str
    help: str
    low: float | None = None
    high: float | None = None
    step: float | None = None
    choices: tuple[str, ...] = ()


def nice_step(low: float, high: float, integer: bool) -> float:
    """A round slider step giving about 100 positions: 0.01 on [0, 1], 1 on [0, 200]..."""
    span = high - low
    step = 10.0 ** math.floor(math.log10(span / 100.0)) if span > 0 else 1.0
    return float(max(1, round(step))) if integer else step


def control_for(name: str) -> Control:
    """The control of parameter ``name``, from its declaration."""
    for field_name, kind, default, spec in declarations():
        if field_name != name:
            continue
        help_text = (
            f"{spec.meaning} Unit: {spec.unit}. Default {default!r}; allowed: "
            f"{spec.describe_allowed()}. Source: {spec.source}"
        )
        common = (name, spec.group)
        described = (name.replace("_", " "), default, spec.unit, help_text)
        if spec.choices is not None:
            return Control(*common, "choice", *described, choices=spec.choices)
        if spec.low is None or spec.high is None:
            raise ValueError(f"{name}: a slider needs declared bounds")
        integer = (kind if isinstance(kind, str) else kind.__name__) == "int"
        high = min(spec.high, VIEW_LIMITS.get(name, spec.high))
        step = spec.slider_step or nice_step(spec.low, high, integer)
        low = math.ceil(spec.low / step) * step  # on the step grid, so the default is reachable
        if integer:
            low, high, step = int(low), int(high), int(step)
        kind_name = "int" if integer else "float"
        return Control(*common, kind_name, *described, low=low, high=high, step=step)
    raise ParameterError(name, "is not a parameter")


def controls() -> dict[str, list[Control]]:
    """Every control on the page, grouped as in :data:`CONTROL_GROUPS`."""
    return {group: [control_for(n) for n in names] for group, names in CONTROL_GROUPS.items()}


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

    @property
    def replay(self) -> bool:
        return self.reference is not None


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


def read_upload(name: str, data: bytes | None) -> Scenario:
    """Validate an uploaded scenario file; raises ScenarioError with a one-line message."""
    path = Path(Path(str(name)).name or "upload.toml")
    if path.suffix.lower() not in SUFFIXES:
        raise ScenarioError(
            path,
            f"unsupported file type {path.suffix or '(none)'!r}; allowed: " + ", ".join(SUFFIXES),
        )
    if data is None:
        raise ScenarioError(path, "could not be read")
    if len(data) > MAX_FILE_BYTES:
        raise ScenarioError(path, f"is larger than {MAX_FILE_BYTES} bytes; a scenario is short")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ScenarioError(
            path, "is not UTF-8 text", line=data[: err.start].count(b"\n") + 1
        ) from None
    return parse_scenario_text(text, path)


class ReplayError(ValueError):
    """A results folder cannot be replayed (one-line message)."""


@dataclass(frozen=True, slots=True)
class ReplayRun:
    """One run in a results folder: a ``netsim run`` folder holds one, a compare folder many."""

    label: str
    seed: int
    scenario: str | None = None
    replicate: int | None = None


def _is_run_folder(folder: Path) -> bool:
    return (folder / "summary.json").is_file() and (folder / "steps.parquet").is_file()


def _is_compare_folder(folder: Path) -> bool:
    return all((folder / f).is_file() for f in ("runs.csv", "steps.parquet", "comparison.json"))


def result_folders(root: Path, limit: int = 200) -> list[Path]:
    """Run and compare folders in ``root`` and one level below it, newest name last."""
    root = Path(root)
    if not root.is_dir():
        return []
    candidates = [root, *sorted(p for p in root.iterdir() if p.is_dir())]
    found = [p for p in candidates if _is_run_folder(p) or _is_compare_folder(p)]
    return found[-limit:]


def _read_json(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ReplayError(f"{path.parent.name}/{path.name}: cannot be read: {err}") from None
    if not isinstance(document, dict):
        raise ReplayError(f"{path.parent.name}/{path.name}: is not a JSON object")
    return document


def replay_runs(folder: Path) -> list[ReplayRun]:
    """The runs a results folder holds (raises ReplayError if it is not a results folder)."""
    folder = Path(folder)
    if _is_run_folder(folder):
        seed = _read_json(folder / "summary.json").get("provenance", {}).get("seed")
        if not isinstance(seed, int):
            raise ReplayError(f"{folder.name}: summary.json has no integer provenance.seed")
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
    raise ReplayError(
        f"{folder}: not a results folder (needs summary.json + steps.parquet from `netsim run`, "
        "or runs.csv + steps.parquet + comparison.json from `netsim compare`)"
    )


def read_replay(folder: Path, run: ReplayRun) -> Source:
    """A source that rebuilds ``run`` from its saved parameters and seed, with its saved table."""
    folder = Path(folder)
    try:
        if run.scenario is None:
            document = _read_json(folder / "summary.json")
            values = document.get("parameters")
            table = pd.read_parquet(folder / "steps.parquet")
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


# --- one tab's live model -------------------------------------------------------------------

BASELINE_CAP = 312
"""The ghost run goes at most this many weeks (six years)."""
SPEED_RANGE = (1, 30)
DEFAULT_SPEED = 10
"""Weeks per second while playing."""
STAT_COLUMNS = ("active", "passive", "lapsed", "members", "adoption_share", "mean_engagement")
STAT_COLUMNS += ("mean_trust", "ties", "funding")


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
    network_png: bytes
    curves_png: bytes
    wheel_png: bytes
    interventions: tuple[tuple[int, str, float], ...]
    """(week, action, amount) of every shock applied so far (scheduled or pressed)."""
    pending: tuple[tuple[int, str, float], ...]
    """Shocks pressed but not yet applied (they act at the next step)."""
    stats: dict[str, float]
    shown: int
    population: int
    ghost: str
    replay: bool
    note: str = ""

    @property
    def finished(self) -> bool:
        return self.step >= self.horizon


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
        self._layout: layout.Layout | None = None  # not imported by name: Solara would
        # take a module-level ``Layout`` for the page's layout component
        self._sample = np.zeros(0, np.int64)
        self._sample_edges = np.zeros(0, np.int64)
        self._pressed: list[tuple[int, str, float]] = []
        self._ghost_label = ""
        self._first_difference: int | None = None
        self._playing = False
        self._play_token = 0
        self._wake = threading.Event()
        self._speed = float(DEFAULT_SPEED)
        self._wanted: Source | None = None
        self._building = False
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
        """Build a model from ``source`` now and show it at week 0 (keeps playing if it was)."""
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
            self._sample, self._sample_edges = sample, sample_edges
            self._pressed = []
            self._first_difference = None
            self._figures.reset(positions, source.parameters.steps)
            if source.reference is not None:
                self._figures.set_ghost(source.reference)
                self._ghost_label = "grey: the saved run"
            else:
                self._ghost_label = ""
                self._start_ghost(self.generation, source)
            frame = self._render_locked()
        self._emit(frame)
        return frame

    def request_load(self, source: Source) -> None:
        """Build ``source`` in the background; while one build runs, only the latest waits."""
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
            try:
                self.load(source)
            except Exception as err:  # one line on the page, the traceback in the server log
                log.exception("building the model failed")
                self._report(f"the model could not be built: {one_line(err)}")

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
    def step(self, count: int = 1) -> Frame | None:
        """Advance ``count`` weeks (not past the horizon); None if there is nothing to step."""
        with self._lock:
            if self._model is None or self._finished_locked():
                return None
            for _ in range(count):
                if self._finished_locked():
                    break
                self._model.step()
            frame = self._render_locked()
        self._emit(frame)
        return frame

    def intervene(self, action: str, amount: float = 1.0) -> Frame | None:
        """Apply a shock at the next step (marked on the curves once it has acted)."""
        if action not in TIMELINE_ACTIONS:
            raise ParameterError(
                "action", f"{action!r} is not one of {', '.join(TIMELINE_ACTIONS)}"
            )
        with self._lock:
            if self._model is None or self._finished_locked():
                return None
            self._model.intervene(action, amount)
            self._pressed.append((self._model.step_count + 1, action, float(amount)))
            frame = self._restate_locked()
        self._emit(frame)
        return frame

    def set_speed(self, weeks_per_second: float) -> None:
        low, high = SPEED_RANGE
        self._speed = float(min(max(weeks_per_second, low), high))

    def play(self) -> None:
        """Step ``speed`` times a second in a background thread until paused or finished."""
        with self._lock:
            if self._model is None or self._playing or self._finished_locked() or self._closed:
                return
            self._playing = True
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
            done = False
            with self._lock:
                if token != self._play_token:
                    return
                try:
                    if not self._finished_locked():
                        self._model.step()
                    done = self._finished_locked()
                    if done:
                        self._playing = False
                        self._play_token += 1
                    frame = self._render_locked()
                except Exception as err:
                    log.exception("stepping the model failed")
                    self._stop_locked()
                    frame = None
                    message = f"the model stopped: {one_line(err)}"
            if frame is None:
                self._report(message)
                return
            self._emit(frame)
            if done:
                return
            due += 1.0 / self._speed
            delay = due - time.monotonic()
            if delay < 0:  # slower than asked: go as fast as we can, without a backlog
                due, delay = time.monotonic(), 0.0
            if wake.wait(max(delay, 0.004)):
                return

    # --- frames -----------------------------------------------------------------------------
    def _finished_locked(self) -> bool:
        return self._model.step_count >= self._source.parameters.steps

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def _pending_locked(self) -> tuple[tuple[int, str, float], ...]:
        now = self._model.step_count
        return tuple(p for p in self._pressed if p[0] > now)

    def _restate_locked(self) -> Frame:
        """The last frame with the play state and pending shocks brought up to date."""
        if self.last is None or self.last.generation != self.generation:
            return self._render_locked()
        self.last = dataclasses.replace(
            self.last,
            seq=self._next_seq(),
            playing=self._playing,
            pending=self._pending_locked(),
        )
        return self.last

    def _render_locked(self) -> Frame:
        model, source = self._model, self._source
        m, ties, graph = model.members, model.ties, model.graph
        table = model.table()
        network = network_frame(
            layout=self._layout,
            sample=self._sample,
            sample_edges=self._sample_edges,
            status=m.status,
            engagement=m.engagement,
            adoption=m.adoption[0],
            highlight=m.leader | m.champion,
            edge_u=graph.edge_u,
            edge_v=graph.edge_v,
            strength=ties.strength,
            formed_step=ties.formed_step,
            step=model.step_count,
        )
        interventions = tuple((int(s), str(a), float(x)) for s, a, x in model.interventions)
        network_png, curves_png, wheel_png = self._figures.render(table, network, interventions)
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
            network_png=network_png,
            curves_png=curves_png,
            wheel_png=wheel_png,
            interventions=interventions,
            pending=self._pending_locked(),
            stats={c: float(row[c]) for c in STAT_COLUMNS if c in row.index},
            shown=network.shown,
            population=network.population,
            ghost=self._ghost_label,
            replay=source.replay,
            note=self._replay_note(table) if source.reference is not None else "",
        )
        self.last = frame
        return frame

    def _replay_note(self, table: pd.DataFrame) -> str:
        """Whether the replay still matches the saved run, and if not, from which week."""
        step = int(table["step"].iloc[-1])
        if self._first_difference is None:
            saved = self._source.reference
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


# --- the page -------------------------------------------------------------------------------

INTERVENTION_BUTTONS: tuple[tuple[str, str, float], ...] = (
    ("leader leaves", "leader_leaves", 1.0),
    ("cut funding", "funding_cut", 0.0),
    ("add a priority", "priority_added", 1.0),
    ("recruit 3 champions", "champions_recruited", 3.0),
    ("run an event", "event", 1.0),
)
"""(button label, timeline action, amount) of the shock buttons."""


def initial_source() -> tuple[Source, str, str]:
    """The scenario named by ``netsim app --scenario`` (NETSIM_APP_SCENARIO): source, key, error."""
    name = os.environ.get("NETSIM_APP_SCENARIO", "").strip()
    if not name:
        return scenario_source(default_scenario()), "default", ""
    try:
        scenario = load_scenario(resolve(name))
    except ScenarioError as err:
        return scenario_source(default_scenario()), "default", str(err)
    return scenario_source(scenario), scenario.slug, ""


def results_root() -> Path:
    return Path(os.environ.get("NETSIM_APP_RESULTS", "results"))


@solara.component
def ControlWidget(  # noqa: N802  (Solara components are CamelCase)
    control: Control, value: Any, on_change: Callable[[str, Any], None], disabled: bool
):
    """A slider or a select for one parameter, with its unit and meaning."""
    shown = (
        value if control.kind == "choice" else f"{value:g}" if control.kind == "float" else value
    )
    with solara.Column(gap="0px", classes=[f"netsim-control-{control.name}"]):
        with solara.Tooltip(control.help):
            solara.Text(
                f"{control.label}: {shown} ({control.unit})",
                style={"font-size": "0.82rem"},
            )
        if control.kind == "choice":
            solara.Select(
                label="",
                value=value,
                values=list(control.choices),
                on_value=lambda v: on_change(control.name, v),
                disabled=disabled,
            )
        else:  # a scenario may sit outside the view's limits: widen rather than clamp it
            low, high = min(control.low, value), max(control.high, value)
            slider = solara.SliderInt if control.kind == "int" else solara.SliderFloat
            cast = int if control.kind == "int" else float
            slider(
                label="",
                value=cast(value),
                min=cast(low),
                max=cast(high),
                step=cast(control.step),
                on_value=lambda v: on_change(control.name, cast(round(v, 10))),
                disabled=disabled,
            )


@solara.component
def Legend():  # noqa: N802
    swatch = "display:inline-block;width:10px;height:10px;border-radius:50%;margin:0 3px 0 8px;"
    colours = {
        "not adopted": ADOPTION_COLOURS[0],
        "adopted": ADOPTION_COLOURS[1],
        "dropped": ADOPTION_COLOURS[2],
    }
    parts = "".join(
        f'<span style="{swatch}background:rgb({r * 255:.0f},{g * 255:.0f},{b * 255:.0f})"></span>'
        f"{name}"
        for name, (r, g, b) in colours.items()
    )
    solara.HTML(
        tag="div",
        unsafe_innerHTML=f"{parts}<br>solid = active, pale = passive, faded = lapsed, faint grey = "
        "not (yet) a member; size = engagement; dark ring = leader or champion; "
        '<span style="color:#d61a2e">red lines</span> = ties formed this week',
        style="font-size:0.78rem;color:#444;max-width:400px",
    )


@solara.component
def Toolbar(  # noqa: N802
    session: Session,
    frame: solara.Reactive,
    guarded: Callable,
    speed: solara.Reactive,
    message: solara.Reactive,
):
    """Play, pause, step, reset, speed, the week counter and the shock buttons."""
    current: Frame | None = frame.value
    playing = current is not None and current.playing
    finished = current is not None and current.finished
    idle = current is None or playing or finished

    def change_speed(value: int) -> None:
        speed.set(int(value))
        session.set_speed(value)

    def reset() -> None:
        message.set("")  # a fresh start: old messages no longer apply
        session.reset()

    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        for label, icon, act, off in (
            ("play", "mdi-play", session.play, idle),
            ("pause", "mdi-pause", session.pause, not playing),
            ("step", "mdi-skip-next", session.step, idle),
            ("reset", "mdi-restore", reset, False),
        ):
            solara.Button(
                label,
                icon_name=icon,
                on_click=guarded(act),
                disabled=off,
                color="primary" if label == "play" else None,
                classes=[f"netsim-{label}"],
            )
        with solara.Div(style={"width": "220px"}, classes=["netsim-speed"]):
            solara.SliderInt(
                "weeks/s",
                value=speed.value,
                min=SPEED_RANGE[0],
                max=SPEED_RANGE[1],
                on_value=change_speed,
            )
        week = "loading…" if current is None else f"week {current.step} of {current.horizon}"
        solara.Text(week, classes=["netsim-week"], style={"font-weight": "bold"})
        if finished:
            solara.Text("end of the scenario's horizon", style={"color": "#555"})
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.Text("shocks (act next week):", style={"color": "#555"})
        for label, action, amount in INTERVENTION_BUTTONS:

            def press(action: str = action, amount: float = amount) -> None:
                session.intervene(action, amount)

            solara.Button(
                label,
                on_click=guarded(press),
                disabled=current is None or finished,
                outlined=True,
                classes=[f"netsim-act-{action}"],
            )


@solara.component
def LiveView(frame: solara.Reactive):  # noqa: N802
    """The pictures and numbers of the latest frame (the only part redrawn every week)."""
    current: Frame | None = frame.value
    if current is None:
        solara.Text("building the network…")
        return
    with solara.Row(style={"flex-wrap": "wrap", "align-items": "baseline"}):
        solara.Text(current.label, style={"font-weight": "bold"}, classes=["netsim-source"])
        if current.replay:
            solara.Text(f"· {current.note}", classes=["netsim-replay-note"])
        if current.description:
            solara.Text(current.description, style={"font-size": "0.85rem", "color": "#555"})
    with solara.Row(style={"flex-wrap": "wrap", "align-items": "flex-start"}):
        with solara.Column(gap="4px"):
            solara.Image(current.network_png, classes=["netsim-network"])
            if current.shown < current.population:
                solara.Text(
                    f"Drawing a fixed sample of {current.shown:,} of {current.population:,} "
                    "people (spread evenly over organisations) and the ties among them; the "
                    "curves count everyone.",
                    style={"font-size": "0.78rem", "color": "#555", "max-width": "460px"},
                    classes=["netsim-sample-note"],
                )
        with solara.Column(gap="4px"):
            solara.Image(current.wheel_png, classes=["netsim-wheel"])
            s = current.stats
            solara.Text(
                f"members {s.get('members', 0):.0f} (active {s.get('active', 0):.0f}, passive "
                f"{s.get('passive', 0):.0f}), lapsed {s.get('lapsed', 0):.0f} · adoption "
                f"{s.get('adoption_share', 0):.0%} · engagement {s.get('mean_engagement', 0):.2f}"
                f" · trust {s.get('mean_trust', 0):.2f} · ties {s.get('ties', 0):.0f} · funding "
                f"{s.get('funding', 0):.2f}",
                classes=["netsim-stats"],
                style={"font-size": "0.8rem", "max-width": "380px"},
            )
            with solara.Column(gap="0px", classes=["netsim-interventions"]):
                solara.Text("Shocks", style={"font-weight": "bold", "font-size": "0.85rem"})
                if not current.interventions and not current.pending:
                    solara.Text("none yet", style={"font-size": "0.8rem", "color": "#777"})
                for step, action, amount in current.interventions:
                    solara.Text(
                        f"week {step}: {marker_label(action, amount)}",
                        style={"font-size": "0.8rem", "color": MARKER_COLOUR},
                    )
                for step, action, amount in current.pending:
                    solara.Text(
                        f"queued for week {step}: {marker_label(action, amount)}",
                        style={"font-size": "0.8rem", "color": "#777"},
                    )
            Legend()
    solara.Image(current.curves_png, classes=["netsim-curves"])
    if current.ghost:
        solara.Text(current.ghost, style={"font-size": "0.78rem", "color": "#777"})


@solara.component
def Page():  # noqa: N802
    """The live view: a sidebar (scenario, upload, knobs, replay), the pictures on the right."""
    start, start_key, start_error = solara.use_memo(initial_source, [])
    frame = solara.use_reactive(None)
    message = solara.use_reactive(start_error)
    scenario_key = solara.use_reactive(start_key)
    uploaded = solara.use_reactive(None)
    overrides = solara.use_reactive({})
    seed = solara.use_reactive(start.seed)
    speed = solara.use_reactive(DEFAULT_SPEED)
    replay_folder = solara.use_reactive("")
    replay_choice = solara.use_reactive("")
    replaying = solara.use_reactive(False)
    replay_params = solara.use_reactive(None)
    all_controls = solara.use_memo(controls, [])
    options, library_warning = solara.use_memo(scenario_options, [])
    folders = solara.use_memo(lambda: [str(p) for p in result_folders(results_root())], [])

    def make_session() -> Session:
        return Session(publish=frame.set, on_error=message.set)

    session: Session = solara.use_memo(make_session, [])

    def on_mount() -> Callable[[], None]:
        session.request_load(start)
        return session.close

    solara.use_effect(on_mount, [])

    def base_scenario() -> Scenario:
        if scenario_key.value == "upload" and uploaded.value is not None:
            return uploaded.value
        return options.get(scenario_key.value, options["default"])

    def guarded(action: Callable[[], Any]) -> Callable[[], None]:
        def run() -> None:
            try:
                action()
            except (ValueError, ScenarioError) as err:
                message.set(one_line(err))
            except Exception as err:  # never a traceback on the page
                log.exception("action failed")
                message.set(f"something went wrong: {one_line(err)}")

        return run

    def go_live(scenario: Scenario, changes: dict[str, Any], new_seed: int) -> None:
        params = scenario.parameters.replace(**changes) if changes else scenario.parameters
        message.set("")
        replaying.set(False)
        session.request_load(Source(scenario.name, params, new_seed, scenario.description))

    def choose_scenario(key: str) -> None:
        scenario_key.set(key)
        overrides.set({})
        guarded(lambda: go_live(base_scenario(), {}, seed.value))()

    def change_control(name: str, value: Any) -> None:
        changes = {**overrides.value, name: value}

        def apply() -> None:
            base_scenario().parameters.replace(**changes)  # validate first: one line if wrong
            overrides.set(changes)
            go_live(base_scenario(), changes, seed.value)

        guarded(apply)()

    def change_seed(value: int) -> None:
        def apply() -> None:
            if value < 0:
                raise ValueError(f"seed: {value} must be a whole number >= 0")
            seed.set(int(value))
            go_live(base_scenario(), overrides.value, int(value))

        guarded(apply)()

    def on_upload(info: Any) -> None:
        def apply() -> None:
            scenario = read_upload(info.get("name", "upload.toml"), info.get("data"))
            uploaded.set(scenario)
            scenario_key.set("upload")
            overrides.set({})
            go_live(scenario, {}, seed.value)

        guarded(apply)()

    def open_replay() -> None:
        folder = Path(replay_folder.value.strip())
        runs = replay_runs(folder)
        chosen = next((r for r in runs if r.label == replay_choice.value), runs[0])
        source = read_replay(folder, chosen)
        replay_params.set(source.parameters)
        session.pause()
        message.set("")
        replaying.set(True)
        session.request_load(source)

    params = base_scenario().parameters
    try:
        shown_params = params.replace(**overrides.value) if overrides.value else params
    except ValueError:
        shown_params = params
    if replaying.value and replay_params.value is not None:
        shown_params = replay_params.value  # the replayed run's own values (knobs are off)
    runs: list[ReplayRun] = []
    replay_problem = ""
    if replay_folder.value.strip():
        try:
            runs = replay_runs(Path(replay_folder.value.strip()))
        except ReplayError as err:
            replay_problem = str(err)

    solara.Title("netsim live")
    with solara.Sidebar():
        with solara.Card("Scenario", margin=0):
            labels = {
                k: f"{s.name} ({k})" if k != "default" else s.name for k, s in options.items()
            }
            if uploaded.value is not None:
                labels["upload"] = f"{uploaded.value.name} (your file)"
            by_label = {v: k for k, v in labels.items()}
            with solara.Div(classes=["netsim-scenario"]):
                solara.Select(
                    label="scenario",
                    value=labels.get(scenario_key.value, labels["default"]),
                    values=list(labels.values()),
                    on_value=lambda label: label in by_label and choose_scenario(by_label[label]),
                )
            solara.InputInt("seed", value=seed.value, on_value=change_seed)
            with solara.Div(classes=["netsim-upload"]):
                solara.FileDrop(
                    label="Drop your own scenario file here (.toml, .yaml)",
                    on_file=on_upload,
                    lazy=False,
                )
            if library_warning:
                solara.Warning(library_warning, dense=True)
        with solara.Card("Knobs", margin=0):
            solara.Text(
                "Changing any knob rebuilds the network from week 0 with the same seed "
                "(a reset); shocks below act on the running model instead.",
                style={"font-size": "0.8rem", "color": "#555"},
            )
            for group, group_controls in all_controls.items():
                with solara.Details(group, expand=group == "leadership"):
                    for control in group_controls:
                        ControlWidget(
                            control,
                            getattr(shown_params, control.name),
                            change_control,
                            disabled=replaying.value,
                        )
        with solara.Card("Replay a results folder", margin=0):
            if folders:
                solara.Select(
                    label="results folder",
                    value=replay_folder.value if replay_folder.value in folders else None,
                    values=folders,
                    on_value=lambda v: replay_folder.set(v or ""),
                )
            solara.InputText(
                "or a folder path",
                value=replay_folder.value,
                on_value=replay_folder.set,
                classes=["netsim-replay-folder"],
            )
            if runs and len(runs) > 1:
                solara.Select(
                    label="scenario and replicate",
                    value=replay_choice.value or runs[0].label,
                    values=[r.label for r in runs],
                    on_value=replay_choice.set,
                )
            if replay_problem:
                solara.Text(replay_problem, style={"font-size": "0.8rem", "color": "#b00"})
            solara.Button(
                "replay",
                on_click=guarded(open_replay),
                disabled=not runs,
                classes=["netsim-replay"],
            )

    Toolbar(session, frame, guarded, speed, message)
    if message.value:
        with solara.Div(classes=["netsim-error"]):
            solara.Error(message.value, dense=True)
    LiveView(frame)
