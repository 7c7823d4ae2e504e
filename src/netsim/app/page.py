"""The browser view (Solara): play an improvement network live, move sliders, press shocks.

Start it with ``netsim app`` (or ``solara run netsim.app.page:Page``). This module
holds only what the trainer sees and touches; it has no model logic and no
play loop of its own. Two layers:

- **controls**: which parameters get a slider or a select, each generated from
  its declaration (:func:`netsim.config.parameters.declarations`), grouped as
  leadership, funding, purpose, network and diffusion;
- the Solara components (:func:`Page` and its parts), which show the latest
  :class:`~netsim.app.session.Frame` and turn clicks into calls on a
  :class:`~netsim.app.session.Session`.

The session (:mod:`netsim.app.session`) owns the live model, play/pause/step/reset,
the shock queue, the baseline ghost and replays of saved runs (``netsim run``,
``netsim compare`` and ``netsim sweep`` folders), and is tested without a server;
the replay picker here lists at most :data:`PICKER_LIMIT` runs and narrows a
sweep's thousands with a filter (:func:`pick_run`); the curves and the wheel are drawn by
:mod:`netsim.app.layout`, the network by the browser (:mod:`netsim.app.canvas`,
``network_canvas.vue``), and a played week redraws only the counter and the network
(:func:`~netsim.app.session.same_page`);
``benchmarks/bench_app.py`` times a frame.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import solara

from netsim.app.layout import ADOPTION_COLOURS, MARKER_COLOUR, marker_label
from netsim.app.session import (
    DEFAULT_SPEED,
    MAX_POPULATION,
    SHOCKS,
    SPEED_RANGE,
    Frame,
    PageLimitError,
    ReplayError,
    ReplayRun,
    Session,
    Source,
    check_page_limits,
    filter_runs,
    initial_source,
    one_line,
    page_seed,
    page_speed,
    page_text,
    read_replay,
    read_upload,
    replay_folder,
    replay_runs,
    result_folders,
    results_root,
    results_stamp,
    same_page,
    scenario_options,
    story_key,
    story_source,
)
from netsim.app.stories import Story, load_stories
from netsim.config.parameters import ParameterError, Parameters, declarations
from netsim.config.scenarios import Scenario, ScenarioError
from netsim.model.state import AdoptionState

log = logging.getLogger("netsim.app.page")

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
    "eligible_population": MAX_POPULATION,  # the live view is built for up to 5,000 people
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


def control_value(control: Control, value: Any, current: Any) -> Any:
    """A value the browser sent for ``control``, checked on the server (PageLimitError if not).

    The widget's own range is only a hint to an honest browser: a crafted message can send
    any value, so the value must be of the control's kind and inside its range, widened
    (as the widget is) to the scenario's ``current`` value; a number is put on the type.
    """
    if control.kind == "choice":
        if isinstance(value, str) and value in control.choices:
            return value
        raise PageLimitError(f"{control.name}: allowed: one of {', '.join(control.choices)}")
    if control.low is None or control.high is None:
        raise ValueError(f"{control.name}: a slider needs low and high")
    low, high = control.low, control.high
    if isinstance(current, int | float) and not isinstance(current, bool):
        low, high = min(low, current), max(high, current)
    allowed = f"{control.name}: allowed: a number from {low:g} to {high:g}"
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise PageLimitError(allowed)
    number = round(float(value), 10)
    if control.kind == "int":
        if not number.is_integer():
            raise PageLimitError(allowed.replace("a number", "a whole number"))
        number = int(number)
    if not low <= number <= high:
        raise PageLimitError(allowed)
    return number


def controls() -> dict[str, list[Control]]:
    """Every control on the page, grouped as in :data:`CONTROL_GROUPS`."""
    return {group: [control_for(n) for n in names] for group, names in CONTROL_GROUPS.items()}


# --- the replay picker ---------------------------------------------------------------------

PICKER_LIMIT = 200
"""Runs the replay picker lists at once: a sweep holds thousands, a select of them all would
stall the page, so the trainer narrows them with the filter instead."""
FILTER_FROM = 10
"""Folders with more runs than this get the filter box."""


def list_replay_runs(folder: str, root: Path | None = None) -> tuple[list[ReplayRun], str]:
    """The runs of a typed folder, and a one-line problem instead if it cannot be replayed.

    The folder must be inside the results root (:func:`replay_folder`): anything else gets
    one fixed line, whether or not it exists.
    """
    if not page_text(folder).strip():
        return [], ""
    try:
        return replay_runs(replay_folder(folder, root)), ""
    except ReplayError as err:
        return [], str(err)


def folder_stamp(folder: str, root: Path | None = None) -> tuple[int, ...]:
    """:func:`results_stamp` of a typed folder inside the root; () for anything else."""
    try:
        return results_stamp(replay_folder(folder, root)) if page_text(folder).strip() else ()
    except ReplayError:
        return ()


@dataclass(frozen=True)
class RunPicker:
    """What the replay card shows: the listed runs, the chosen one and how many matched."""

    shown: list[ReplayRun]
    matching: int
    total: int
    chosen: ReplayRun | None

    @property
    def hint(self) -> str:
        """One line on the filter, so a cut list never looks like the whole folder."""
        if self.matching == 0:
            return f"no run of {self.total:,} matches the filter"
        listed = (
            f"{self.total:,} runs"
            if self.matching == self.total
            else f"{self.matching:,} of {self.total:,} runs match"
        )
        if self.matching > len(self.shown):
            listed += f"; the first {len(self.shown):,} are listed, filter to find others"
        return listed


def pick_run(runs: list[ReplayRun], query: str, choice: str) -> RunPicker:
    """Filter ``runs`` by ``query`` and keep ``choice`` (a label) if it is still listed."""
    shown, matching = filter_runs(runs, query, PICKER_LIMIT)
    chosen = next((r for r in shown if r.label == choice), shown[0] if shown else None)
    return RunPicker(shown, matching, len(runs), chosen)


# --- the page -------------------------------------------------------------------------------


@solara.component
def ControlWidget(  # noqa: N802  (Solara components are CamelCase)
    control: Control, value: Any, on_change: Callable[[str, Any], None], disabled: bool
) -> None:
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
            if control.low is None or control.high is None or control.step is None:
                raise ValueError(f"{control.name}: a slider needs low, high and step")
            low, high = min(control.low, value), max(control.high, value)
            integer = control.kind == "int"
            slider: Callable[..., Any] = solara.SliderInt if integer else solara.SliderFloat
            cast: Callable[[float], float] = int if integer else float
            slider(
                label="",
                value=cast(value),
                min=cast(low),
                max=cast(high),
                step=cast(control.step),
                on_value=lambda v: on_change(control.name, v),  # checked by control_value
                disabled=disabled,
            )


@solara.component
def Legend() -> None:  # noqa: N802
    swatch = "display:inline-block;width:10px;height:10px;border-radius:50%;margin:0 3px 0 8px;"
    colours = {
        "not adopted": ADOPTION_COLOURS[AdoptionState.NOT_ADOPTED],
        "adopted": ADOPTION_COLOURS[AdoptionState.ADOPTED],
        "dropped": ADOPTION_COLOURS[AdoptionState.DROPPED],
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


BEHIND = 0.85
"""The page says how fast play really goes when it reaches less than this share of the
speed setting (the setting is a wish: each week is a model step, the network's update in the
browser and, a few times a second, two pictures)."""


@solara.component
def Toolbar(  # noqa: N802
    session: Session,
    state: solara.Reactive[tuple[bool, bool, bool]],
    week: solara.Reactive[Frame | None],
    guarded: Callable[[Callable[[], Any]], Callable[[], None]],
    speed: solara.Reactive[int],
    message: solara.Reactive[str],
    dense: bool = False,
) -> None:
    """Play, pause, step, reset, speed, the week counter and the shock buttons (``dense``: the
    room layout's one row of small buttons). ``state`` is (loaded, playing, finished): the
    buttons are redrawn when it changes, not every frame."""
    loaded, playing, finished = state.value
    idle = not loaded or playing or finished

    def change_speed(value: Any) -> None:
        checked = page_speed(value)  # the browser may send anything: clamp on the server
        speed.set(checked)
        session.set_speed(checked)

    def reset() -> None:
        message.set("")  # a fresh start: old messages no longer apply
        session.reset()

    def shock_buttons() -> None:
        if not dense:  # the room's one row has no room for it: the buttons say what they do
            solara.Text("shocks (act next week):", style={"color": "#555"})
        for label, action, amount in SHOCKS:

            def press(action: str = action, amount: float = amount) -> None:
                session.intervene(action, amount)

            solara.Button(
                label,
                on_click=guarded(press),
                disabled=not loaded or finished,
                outlined=True,
                small=dense,
                classes=[f"netsim-act-{action}"],
            )

    row = {"align-items": "center", "flex-wrap": "wrap", "gap": "4px 8px"}
    with solara.Row(style=row, classes=["netsim-toolbar"]):
        for label, icon, act, off in (
            ("play", "mdi-play", session.play, idle),
            ("pause", "mdi-pause", session.pause, not playing),
            ("step", "mdi-skip-next", session.step, idle),
            ("reset", "mdi-restore", reset, False),
        ):
            solara.Button(
                "" if dense else label,
                icon_name=icon,
                on_click=guarded(act),
                disabled=off,
                color="primary" if label == "play" else None,
                small=dense,
                classes=[f"netsim-{label}"],
            )
        with solara.Div(style={"width": "130px" if dense else "220px"}, classes=["netsim-speed"]):
            solara.SliderInt(
                "weeks/s",
                value=speed.value,
                min=SPEED_RANGE[0],
                max=SPEED_RANGE[1],
                on_value=change_speed,
            )
        WeekCounter(week, speed.value)
        if finished:
            solara.Text("end of the scenario's horizon", style={"color": "#555"})
        if dense:
            shock_buttons()
    if not dense:
        with solara.Row(style=row):
            shock_buttons()


ROOM_CSS = """
.netsim-room-page { height: calc(100vh - 8px); display: flex; flex-direction: column;
  overflow: hidden; gap: 2px; }
.netsim-room-live { flex: 1 1 0; min-height: 0; display: flex; flex-direction: column; }
.netsim-room-grid { flex: 1 1 0; min-height: 0; display: grid; gap: 6px;
  grid-template-columns: minmax(0, 44fr) minmax(0, 56fr);
  grid-template-rows: minmax(0, 2fr) minmax(0, 3fr); }
.netsim-cell-network { grid-row: 1 / span 2; grid-column: 1; min-height: 0; }
.netsim-cell-wheel { grid-row: 1; grid-column: 2; min-height: 0; display: flex; gap: 8px; }
.netsim-cell-curves { grid-row: 2; grid-column: 2; min-height: 0; }
.netsim-cell-network > *, .netsim-cell-curves > * { width: 100%; height: 100%; }
.netsim-room-grid img { margin: 0 !important; box-sizing: border-box; }
.netsim-room-grid .netsim-network { display: block; }
.netsim-room-grid img.netsim-curves {
  width: 100%; height: 100%; max-width: 100%; object-fit: contain; object-position: center top; }
.netsim-cell-wheel > :first-child { height: 100%; flex: 0 0 44%; }
.netsim-room-grid img.netsim-wheel { height: 100%; width: 100%; max-width: 100%;
  object-fit: contain; object-position: center top; }
.netsim-cell-wheel .netsim-side { overflow: hidden; min-width: 0; }
.netsim-cell-wheel .netsim-side .netsim-room-text { font-size: clamp(0.85rem, 1.05vw, 1.3rem); }
.netsim-wide .netsim-network { display: block; width: min(46vw, 620px); aspect-ratio: 1; }
.netsim-wide img.netsim-wheel { width: min(30vw, 420px); height: auto; }
.netsim-wide img.netsim-curves { width: 100%; max-width: 1500px; height: auto; }
"""
"""The two layouts' CSS. The room layout (a projector: 1280x720 and up) puts the network,
the 5C wheel and the curves in one screen without scrolling, scaled to the window's height
and width; the standard one scales the figures with the width beside the sidebar."""


@solara.component_vue("network_canvas.vue")
def NetworkCanvas(scene: str, codes: str, ties: str) -> None:  # noqa: N802
    """The network on a <canvas>, drawn by the browser (:mod:`netsim.app.canvas`): ``scene``
    (JSON) is sent once per model build, the two strings every week."""


@solara.component
def NetworkView(week: solara.Reactive[Frame | None]) -> None:  # noqa: N802
    """The network of the latest frame (every played week: only two strings change)."""
    current = week.value
    if current is not None:
        NetworkCanvas(scene=current.scene.text, codes=current.codes, ties=current.ties)


@solara.component
def WeekCounter(week: solara.Reactive[Frame | None], speed: int) -> None:  # noqa: N802
    """The week of the latest frame and, when play falls behind its setting, how fast it
    really goes (every played week)."""
    current = week.value
    with solara.Row(style={"align-items": "center", "gap": "8px"}):
        text = "loading…" if current is None else f"week {current.step} of {current.horizon}"
        solara.Text(text, classes=["netsim-week"], style={"font-weight": "bold"})
        behind = current is not None and current.playing and 0 < current.achieved < BEHIND * speed
        if behind and current is not None:
            solara.Text(
                f"reaching {current.achieved:.0f} weeks/s (the server cannot draw faster)",
                classes=["netsim-achieved"],
                style={"color": "#b35806"},
            )


@solara.component
def SourceLine(current: Frame, room: bool) -> None:  # noqa: N802
    """Which scenario is playing, whether a replay still matches, and its description."""
    with solara.Row(style={"flex-wrap": "wrap", "align-items": "baseline"}):
        solara.Text(current.label, style={"font-weight": "bold"}, classes=["netsim-source"])
        if current.replay:
            solara.Text(f"· {current.note}", classes=["netsim-replay-note"])
        if current.description and not room:
            solara.Text(current.description, style={"font-size": "0.85rem", "color": "#555"})


@solara.component
def SidePanel(current: Frame, room: bool) -> None:  # noqa: N802
    """The numbers of the week, the shocks by week, and the network's legend."""
    size = "inherit" if room else "0.8rem"  # the room's size scales with the window (CSS)
    classes = ["netsim-room-text"] if room else []
    s = current.stats
    solara.Text(
        f"members {s.get('members', 0):.0f} (active {s.get('active', 0):.0f}, passive "
        f"{s.get('passive', 0):.0f}), lapsed {s.get('lapsed', 0):.0f} · adoption "
        f"{s.get('adoption_share', 0):.0%} · engagement {s.get('mean_engagement', 0):.2f}"
        f" · trust {s.get('mean_trust', 0):.2f} · ties {s.get('ties', 0):.0f} · funding "
        f"{s.get('funding', 0):.2f}",
        classes=["netsim-stats", *classes],
        style={"font-size": size, "max-width": "none" if room else "380px"},
    )
    with solara.Column(gap="0px", classes=["netsim-interventions", *classes]):
        solara.Text("Shocks", style={"font-weight": "bold", "font-size": size})
        if not (current.interventions or current.pending or current.planned):
            solara.Text("none yet", style={"font-size": size, "color": "#777"})
        for step, action, amount in current.interventions:
            solara.Text(
                f"week {step}: {marker_label(action, amount)}",
                style={"font-size": size, "color": MARKER_COLOUR},
            )
        for step, action, amount in current.pending:
            solara.Text(
                f"queued for week {step}: {marker_label(action, amount)}",
                style={"font-size": size, "color": "#777"},
            )
        for step, action, amount in current.planned:
            solara.Text(
                f"the story's, at week {step}: {marker_label(action, amount)}",
                style={"font-size": size, "color": "#777"},
            )
    if room and current.ghost:
        solara.Text(current.ghost, style={"font-size": size, "color": "#777"}, classes=classes)
    Legend()


@solara.component
def RoomGrid(current: Frame, week: solara.Reactive[Frame | None]) -> None:  # noqa: N802
    """The room layout's one screen: the network on the left, the wheel and curves right."""
    with solara.Div(classes=["netsim-room-grid"]):
        with solara.Div(classes=["netsim-cell-network"]):
            NetworkView(week)
        with solara.Div(classes=["netsim-cell-wheel"]):
            solara.Image(current.wheel_png, classes=["netsim-wheel"])
            with solara.Column(gap="2px", classes=["netsim-side"]):
                SidePanel(current, True)
        with solara.Div(classes=["netsim-cell-curves"]):
            solara.Image(current.curves_png, classes=["netsim-curves"])


@solara.component
def LiveView(  # noqa: N802
    frame: solara.Reactive[Frame | None], week: solara.Reactive[Frame | None], room: bool = False
) -> None:
    """The pictures and numbers of the latest frame with new pictures; the network inside it
    follows every frame (``week``)."""
    current: Frame | None = frame.value
    if current is None:
        solara.Text("building the network…")
        return
    if room:
        with solara.Div(classes=["netsim-room-live"]):
            SourceLine(current, room)
            RoomGrid(current, week)
        return
    SourceLine(current, room)
    with solara.Column(gap="4px", classes=["netsim-wide"]):
        with solara.Row(style={"flex-wrap": "wrap", "align-items": "flex-start"}):
            with solara.Column(gap="4px"):
                NetworkView(week)
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
                SidePanel(current, room)
        solara.Image(current.curves_png, classes=["netsim-curves"])
        if current.ghost:
            solara.Text(current.ghost, style={"font-size": "0.78rem", "color": "#777"})


@solara.component
def StoryBar(  # noqa: N802
    stories: tuple[Story, ...],
    chosen: str,
    on_story: Callable[[str], None],
    frame: solara.Reactive[Frame | None],
    room: solara.Reactive[bool],
) -> None:
    """The first thing a room sees: which story is playing and, in one line, what to watch;
    and the switch to the room layout (also ``?layout=room`` in the address). It reads the
    frame itself, so that a played week re-renders this bar, the toolbar and the live view,
    not the whole page."""
    line = frame.value.story if frame.value else ""
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap", "gap": "4px 16px"}):
        with solara.Div(classes=["netsim-room-switch"]):
            solara.Switch(label="room view", value=room.value, on_value=room.set)
        with solara.Div(style={"width": "280px"}, classes=["netsim-story"]):
            solara.Select(
                label="story",
                value=chosen or None,
                values=[s.title for s in stories],
                on_value=lambda v: on_story(v or ""),
            )
        if line:
            solara.Text(
                line,
                classes=["netsim-story-line"],
                style={"font-size": "1.05rem", "flex": "1 1 400px", "line-height": "1.3"},
            )


@solara.component
def Page(  # noqa: N802
    opening_scenario: str | None = None,
    opening_seed: int | None = None,
    room_view: bool | None = None,
) -> None:
    """The live view: a sidebar (scenario, upload, knobs, replay), the pictures on the right.

    ``opening_scenario`` (a library name) and ``opening_seed`` choose what it opens with
    (default: the first story, or ``netsim app --scenario``); ``room_view`` the room layout
    (default: ``?layout=room`` in the address). What :func:`netsim.app.show` passes in a notebook.
    """
    start, start_key, start_error = solara.use_memo(
        lambda: initial_source(opening_scenario, opening_seed), []
    )
    frame: solara.Reactive[Frame | None] = solara.use_reactive(None)
    week: solara.Reactive[Frame | None] = solara.use_reactive(None)
    buttons = solara.use_reactive((False, False, False))
    message = solara.use_reactive(start_error)
    scenario_key = solara.use_reactive(start_key)
    uploaded: solara.Reactive[Scenario | None] = solara.use_reactive(None)
    overrides: solara.Reactive[dict[str, Any]] = solara.use_reactive({})
    seed = solara.use_reactive(start.seed)
    speed = solara.use_reactive(DEFAULT_SPEED)
    typed_folder = solara.use_reactive("")
    replay_filter = solara.use_reactive("")
    replay_choice = solara.use_reactive("")
    replaying = solara.use_reactive(False)
    replay_params: solara.Reactive[Parameters | None] = solara.use_reactive(None)
    all_controls = solara.use_memo(controls, [])
    by_name = {c.name: c for group in all_controls.values() for c in group}
    options, library_warning = solara.use_memo(scenario_options, [])
    stories = solara.use_memo(load_stories, [])
    story_title = solara.use_reactive(stories[0].title if start.story else "")
    router = solara.use_router()
    asked_room = "layout=room" in (router.search or "").split("&")
    room = solara.use_reactive(asked_room if room_view is None else room_view)
    folders = solara.use_memo(lambda: [str(p) for p in result_folders(results_root())], [])

    def make_session() -> Session:
        def publish(latest: Frame) -> None:
            week.set(latest)  # the counter and the network: every frame
            if not same_page(frame.value, latest):
                frame.set(latest)  # the rest: when more than the week's codes changed
            buttons.set((True, latest.playing, latest.finished))  # equal: nothing redrawn

        return Session(publish=publish, on_error=message.set)

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

    def active_story() -> Story | None:
        return next((s for s in stories if s.title == story_title.value), None)

    def go_live(scenario: Scenario, changes: dict[str, Any], new_seed: int) -> None:
        params = scenario.parameters.replace(**changes) if changes else scenario.parameters
        message.set("")
        replaying.set(False)
        story = active_story()  # a knob or the seed changed: the story's shocks stay
        shocks = story.shocks if story is not None else ()
        session.request_load(
            Source(scenario.name, params, new_seed, scenario.description, shocks=shocks)
        )

    def choose_story(title: str) -> None:
        story = next((s for s in stories if s.title == title), None)
        if story is None:
            return
        story_title.set(story.title)
        scenario_key.set(story_key(story.scenario))
        overrides.set({})
        seed.set(story.seed)
        message.set("")
        replaying.set(False)
        guarded(lambda: session.request_load(story_source(story)))()

    def choose_scenario(key: str) -> None:
        story_title.set("")
        scenario_key.set(key)
        overrides.set({})
        guarded(lambda: go_live(base_scenario(), {}, seed.value))()

    def change_control(name: str, value: Any) -> None:
        def apply() -> None:
            control = by_name.get(name)
            if control is None:
                raise PageLimitError(f"{name}: has no control on the page")
            current = getattr(base_scenario().parameters, name)
            changes = {**overrides.value, name: control_value(control, value, current)}
            check_page_limits(base_scenario().parameters.replace(**changes))  # one line if wrong
            overrides.set(changes)
            go_live(base_scenario(), changes, seed.value)

        guarded(apply)()

    def change_seed(value: Any) -> None:
        def apply() -> None:
            checked = page_seed(value)
            seed.set(checked)
            go_live(base_scenario(), overrides.value, checked)

        guarded(apply)()

    def on_upload(info: Any) -> None:
        def apply() -> None:
            # lazy: at most the size cap + 1 bytes are read from the browser, never the whole
            name, size = info.get("name", "upload.toml"), info.get("size")
            scenario = read_upload(name, info.get("file_obj"), size)
            uploaded.set(scenario)
            story_title.set("")
            scenario_key.set("upload")
            overrides.set({})
            go_live(scenario, {}, seed.value)

        guarded(apply)()

    def choose_folder(value: str | None) -> None:
        typed_folder.set(page_text(value))
        replay_filter.set("")
        replay_choice.set("")

    def choose_run(label: str | None) -> None:
        replay_choice.set(label or "")  # no choice: pick_run takes the first shown

    def open_replay() -> None:
        chosen = picker.chosen
        if chosen is None:
            raise ReplayError("choose a run to replay")
        source = read_replay(replay_folder(typed_folder.value), chosen)
        replay_params.set(source.parameters)
        session.pause()
        message.set("")
        story_title.set("")
        replaying.set(True)
        session.request_load(source)

    params = base_scenario().parameters
    try:
        shown_params = params.replace(**overrides.value) if overrides.value else params
    except ValueError:
        shown_params = params
    if replaying.value and replay_params.value is not None:
        shown_params = replay_params.value  # the replayed run's own values (knobs are off)
    # read a folder's runs once (a sweep's thousands take a moment), again only when it changes
    stamp = folder_stamp(typed_folder.value)
    runs, replay_problem = solara.use_memo(
        lambda: list_replay_runs(typed_folder.value), [typed_folder.value, stamp]
    )
    picker = pick_run(runs, replay_filter.value, replay_choice.value)
    chosen = picker.chosen

    solara.Title("netsim live")
    # a fixed width: Solara's Vue 2 drawer is as wide as its widest content, so a long
    # folder path would widen it over the main view (the drawer is 400 px with padding)
    if not room.value:  # the room layout has no sidebar: the figures get the screen
        with solara.Sidebar(), solara.Div(style={"width": "376px", "overflow-x": "hidden"}):
            with solara.Card("Scenario", margin=0):
                labels = {
                    k: f"{s.name} ({k})" if k != "default" else s.name for k, s in options.items()
                }
                if uploaded.value is not None:
                    labels["upload"] = f"{uploaded.value.name} (your file)"
                by_label = {v: k for k, v in labels.items()}

                def choose_label(label: str) -> None:
                    if label in by_label:
                        choose_scenario(by_label[label])

                with solara.Div(classes=["netsim-scenario"]):
                    solara.Select(
                        label="scenario",
                        value=labels.get(scenario_key.value, labels["default"]),
                        values=list(labels.values()),
                        on_value=choose_label,
                    )
                solara.InputInt("seed", value=seed.value, on_value=change_seed)
                with solara.Div(classes=["netsim-upload"]):
                    solara.FileDrop(
                        label="Drop your own scenario file here (.toml, .yaml)",
                        on_file=on_upload,
                        lazy=True,
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
                        value=typed_folder.value if typed_folder.value in folders else None,
                        values=folders,
                        on_value=choose_folder,
                    )
                solara.InputText(
                    "or a folder path (run, compare or sweep)",
                    value=typed_folder.value,
                    on_value=choose_folder,
                    classes=["netsim-replay-folder"],
                )
                if len(runs) > FILTER_FROM:
                    solara.InputText(
                        "filter (e.g. point=17 replicate=3)",
                        value=replay_filter.value,
                        on_value=lambda v: replay_filter.set(page_text(v)),
                        classes=["netsim-replay-filter"],
                    )
                    solara.Text(
                        picker.hint,
                        style={"font-size": "0.8rem", "color": "#555"},
                        classes=["netsim-replay-count"],
                    )
                if len(runs) > 1 and picker.shown:
                    sweep = runs[0].run_id is not None
                    solara.Select(
                        label="run (design point, values, replicate, seed, id)"
                        if sweep
                        else "scenario and replicate",
                        value=chosen.label if chosen is not None else None,
                        values=[r.label for r in picker.shown],
                        on_value=choose_run,
                        classes=["netsim-replay-run"],
                    )
                if chosen is not None and chosen.failed:
                    solara.Text(
                        f"this run failed in the sweep, so it cannot be replayed: {chosen.error}",
                        style={"font-size": "0.8rem", "color": "#b00"},
                        classes=["netsim-replay-failed"],
                    )
                if replay_problem:
                    solara.Text(replay_problem, style={"font-size": "0.8rem", "color": "#b00"})
                solara.Button(
                    "replay",
                    on_click=guarded(open_replay),
                    disabled=chosen is None or chosen.failed,
                    classes=["netsim-replay"],
                )

    solara.Style(ROOM_CSS)
    with solara.Div(classes=["netsim-room-page"] if room.value else []):
        StoryBar(stories, story_title.value, choose_story, frame, room)
        Toolbar(session, buttons, week, guarded, speed, message, dense=room.value)
        if message.value:
            with solara.Div(classes=["netsim-error"]):
                solara.Error(message.value, dense=True)
        LiveView(frame, week, room.value)
