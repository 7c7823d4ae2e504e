"""The browser view's page-side parts (no browser): the layout, sampling and drawing data it
shows (netsim.app.layout), its controls, and the `netsim app` command.

The session that drives the live model (uploads, replays, play/pause/step, shocks) is
tested in tests/test_session.py; the page itself end to end in
tests/browser/test_app_browser.py.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import netsim
from netsim.app import page as app
from netsim.app.layout import (
    CURVE_PANELS,
    DRAW_LIMIT,
    Figures,
    edges_within,
    marker_label,
    marker_placements,
    member_layout,
    organisation_anchors,
    rank_within_groups,
    sample_people,
)
from netsim.app.session import OUTSIDE_ROOT, ReplayRun, Source
from netsim.config.parameters import Parameters, declarations, spec_of
from netsim.results.run_folder import write_run

SMALL = Parameters(eligible_population=120, organisations=4, steps=20)
PNG = b"\x89PNG\r\n\x1a\n"


# --- layout -------------------------------------------------------------------------------


def test_layout_is_deterministic_and_depends_only_on_organisations() -> None:
    a = netsim.build_model(SMALL, seed=1)
    b = netsim.build_model(SMALL.replace(contacts_per_person=4.0, initial_trust=0.9), seed=99)
    np.testing.assert_array_equal(a.members.organisation, b.members.organisation)
    first = member_layout(a.members.organisation)
    np.testing.assert_array_equal(first.xy, member_layout(b.members.organisation).xy)
    for _ in range(10):  # nobody moves while the network changes
        a.step()
    np.testing.assert_array_equal(first.xy, member_layout(a.members.organisation).xy)


def test_each_person_sits_in_their_organisations_disc_and_discs_do_not_overlap() -> None:
    organisation = np.repeat(np.arange(6), [50, 10, 30, 30, 5, 75])
    np.random.default_rng(0).shuffle(organisation)
    lay = member_layout(organisation)
    which = np.searchsorted(lay.organisations, organisation)
    distance_to_own = np.hypot(*(lay.xy - lay.anchors[which]).T)
    assert np.all(distance_to_own <= lay.radii[which] + 1e-12)
    k = lay.anchors.shape[0]
    for i in range(k):
        for j in range(i + 1, k):
            gap = np.hypot(*(lay.anchors[i] - lay.anchors[j]))
            assert lay.radii[i] + lay.radii[j] < gap
    assert lay.radii.argmax() == 5  # the biggest organisation has the biggest disc


def test_anchors_sit_on_the_unit_circle_first_at_the_top() -> None:
    anchors = organisation_anchors(4)
    np.testing.assert_allclose(np.hypot(*anchors.T), 1.0)
    np.testing.assert_allclose(anchors[0], [0.0, 1.0], atol=1e-12)
    np.testing.assert_allclose(anchors[1], [1.0, 0.0], atol=1e-12)  # clockwise
    np.testing.assert_array_equal(organisation_anchors(1), [[0.0, 0.0]])


def test_rank_within_groups_counts_earlier_members_of_the_group() -> None:
    groups = np.array([2, 0, 2, 1, 0, 2])
    np.testing.assert_array_equal(rank_within_groups(groups), [0, 0, 1, 0, 1, 2])


# --- sampling ------------------------------------------------------------------------------


def test_small_populations_are_drawn_whole() -> None:
    organisation = np.arange(DRAW_LIMIT) % 7
    np.testing.assert_array_equal(sample_people(organisation), np.arange(DRAW_LIMIT))


def test_sample_at_5000_is_fixed_stratified_and_within_the_limit() -> None:
    model = netsim.build_model(Parameters(eligible_population=5_000), seed=1)
    organisation = model.members.organisation
    sample = sample_people(organisation)
    assert DRAW_LIMIT - 10 <= sample.size <= DRAW_LIMIT
    assert np.all(np.diff(sample) > 0)
    np.testing.assert_array_equal(sample, sample_people(organisation.copy()))
    codes, sizes = np.unique(organisation, return_counts=True)
    kept = np.bincount(np.searchsorted(codes, organisation[sample]), minlength=codes.size)
    expected = sizes * DRAW_LIMIT / organisation.size
    assert np.all(np.abs(kept - expected) <= 1.0)
    # ties drawn are only those among sampled people
    edges = edges_within(sample, model.graph.edge_u, model.graph.edge_v, organisation.size)
    inside = np.isin(model.graph.edge_u[edges], sample) & np.isin(model.graph.edge_v[edges], sample)
    assert inside.all()


def test_many_tiny_organisations_still_respect_the_limit() -> None:
    organisation = np.arange(3_000)  # 3,000 organisations of one person each
    sample = sample_people(organisation, limit=100)
    assert sample.size == 100
    assert np.all(np.diff(sample) > 0)


# --- drawing data ----------------------------------------------------------------------------


def test_figures_render_two_pngs_and_mark_interventions() -> None:
    model = netsim.build_model(SMALL, seed=2)
    figures = Figures()
    figures.reset(SMALL.steps)
    for _ in range(3):
        model.step()
    pictures = figures.render(model.table(), ())
    assert all(p.startswith(PNG) for p in pictures)
    model.intervene("leader_leaves", 1.0)
    model.step()
    marked = figures.render(model.table(), ((4, "leader_leaves", 1.0),))
    assert marked[0] != pictures[0]
    assert len(figures._markers) == 4  # a line on each of the three panels and a label
    again = figures.render(model.table(), ((4, "leader_leaves", 1.0),))
    assert again[0] == marked[0]  # blitting from the cached background draws the same picture


def test_funding_is_on_the_curves_and_legends_sit_below_the_axes() -> None:
    """A room reads a funding cliff and what adoption does after it on one panel; legends
    sit under the axes, so a shock's label (inside the top of the adoption panel) never
    lands on one."""
    assert any("funding" in columns for _, _, columns in CURVE_PANELS)
    model = netsim.build_model(SMALL, seed=2)
    assert "funding" in model.table().columns
    figures = Figures()
    figures.reset(SMALL.steps)
    figures.render(model.table(), ((2, "funding_cut", 0.0),))
    renderer = figures._curves_canvas.get_renderer()
    for ax in figures._curve_axes:
        legend = ax.get_legend().get_window_extent(renderer)
        assert legend.y1 < ax.get_window_extent(renderer).y0  # wholly below the axes
    (label,) = [m for m in figures._markers if hasattr(m, "get_text")]
    assert label.get_text() == "funding cut to 0"
    assert not label.get_window_extent(renderer).overlaps(
        figures._curve_axes[1].get_legend().get_window_extent(renderer)
    )


def test_shock_labels_of_one_week_share_a_label_and_close_ones_alternate_sides() -> None:
    shocks = ((52, "funding_cut", 0.0), (52, "event", 1.0), (55, "leader_leaves", 1.0))
    shocks += ((120, "event", 1.0),)
    assert marker_placements(shocks, 156) == [
        (52, "funding cut to 0, event", "left"),
        (55, "leader leaves", "right"),
        (120, "event", "left"),
    ]
    assert marker_placements((), 156) == []


# --- controls --------------------------------------------------------------------------------


def test_controls_come_from_the_declarations() -> None:
    declared = {name: (kind, default, spec) for name, kind, default, spec in declarations()}
    for group, group_controls in app.controls().items():
        assert [c.name for c in group_controls] == list(app.CONTROL_GROUPS[group])
        for control in group_controls:
            kind, default, spec = declared[control.name]
            assert control.group == spec.group == group
            assert control.default == default
            assert control.unit == spec.unit
            assert spec.meaning in control.help and spec.source in control.help
            if spec.choices is not None:
                assert control.kind == "choice" and control.choices == spec.choices
                continue
            assert control.kind == ("int" if kind == "int" else "float")
            assert spec.low <= control.low <= default <= control.high <= spec.high
            assert control.high == min(spec.high, app.VIEW_LIMITS.get(control.name, spec.high))
            assert control.step > 0
            assert (
                abs(
                    (default - control.low) / control.step
                    - round((default - control.low) / control.step)
                )
                < 1e-6
            ), f"{control.name}: default {default} is off the slider's grid"


def test_slider_steps_are_round() -> None:
    assert app.nice_step(0.0, 1.0, integer=False) == pytest.approx(0.01)
    assert app.nice_step(0.0, 200.0, integer=False) == pytest.approx(1.0)
    assert app.nice_step(0.0, 52.0, integer=False) == pytest.approx(0.1)
    assert app.nice_step(2, 5_000, integer=True) == 10
    assert app.nice_step(1, 50, integer=True) == 1
    assert app.control_for("eligible_population").low == 10


def test_view_limits_only_narrow_declared_ranges() -> None:
    for name, limit in app.VIEW_LIMITS.items():
        spec = spec_of(name)
        assert spec.low < limit <= spec.high


def test_marker_labels_say_what_happened() -> None:
    assert marker_label("leader_leaves", 1.0) == "leader leaves"
    assert marker_label("funding_cut", 0.0) == "funding cut to 0"
    assert marker_label("champions_recruited", 3.0) == "champions recruited (3)"


# --- the replay picker ---------------------------------------------------------------------


def many_runs(count: int = 5_000) -> list[ReplayRun]:
    """A sweep's worth of runs, as replay_runs lists them (no sweep needed to test the page)."""
    runs = []
    for index in range(count):
        point, replicate = divmod(index, 10)
        tags = (
            ("point", str(point)),
            ("founding_core", str(5 + point % 40)),
            ("replicate", str(replicate)),
            ("seed", str(1000 + index)),
            ("id", f"{index:016x}"),
        )
        failed = point == 7
        label = ("FAILED · " if failed else "") + " · ".join(f"{k}={v}" for k, v in tags)
        error = "ParameterError: founding_core: too many" if failed else None
        runs.append(
            ReplayRun(label, 1000 + index, None, replicate, f"{index:016x}", point, error, tags)
        )
    return runs


def test_the_picker_lists_a_bounded_page_of_runs_and_keeps_the_choice() -> None:
    runs = many_runs()
    picker = app.pick_run(runs, "", "")
    assert len(picker.shown) == app.PICKER_LIMIT and picker.chosen is runs[0]
    assert picker.hint == "5,000 runs; the first 200 are listed, filter to find others"
    narrowed = app.pick_run(runs, "point=17", runs[175].label)
    assert [r.replicate for r in narrowed.shown] == list(range(10))
    assert narrowed.chosen is runs[175] and narrowed.hint == "10 of 5,000 runs match"
    gone = app.pick_run(runs, "point=18", runs[175].label)  # the choice was filtered away
    assert gone.chosen is runs[180]
    none = app.pick_run(runs, "point=9999", "")
    assert none.chosen is None and none.hint == "no run of 5,000 matches the filter"


def test_the_page_picks_one_of_5000_runs_and_replays_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rendered without a browser: the folder, the filter, the select and the replay button."""
    import ipyvuetify as v
    import solara

    runs = many_runs()
    opened: list[ReplayRun] = []

    def fake_read_replay(folder: Path, run: ReplayRun) -> Source:
        opened.append(run)
        params = SMALL.replace(steps=5)
        label = f"replay: {folder.name} · {run.run_id}"
        return Source(label, params, run.seed, unchecked="no per-step table")

    monkeypatch.setattr(app, "replay_runs", lambda folder: runs)
    monkeypatch.setattr(app, "read_replay", fake_read_replay)
    monkeypatch.setattr(app, "result_folders", lambda root: [])

    @solara.component
    def Shell():  # noqa: N802
        with solara.AppLayout():
            app.Page()

    def enter(label: str, text: str) -> None:
        field = rc.find(v.TextField, label=label).widget
        field.v_model = text
        field.fire_event("keyup.enter", None)

    def select() -> v.Select:
        return rc.find(v.Select, label="run (design point, values, replicate, seed, id)").widget

    _box, rc = solara.render(Shell(), handle_error=False)
    try:
        enter("or a folder path (run, compare or sweep)", "results/sweep-big")
        assert len(select().items) == app.PICKER_LIMIT
        enter("filter (e.g. point=17 replicate=3)", "point=7")
        assert len(select().items) == 10
        failed = rc.find(v.Html, class_="netsim-replay-failed").widget
        assert "cannot be replayed: ParameterError" in failed.children[0]
        assert rc.find(v.Btn, class_="netsim-replay").widget.disabled  # a failed run
        enter("filter (e.g. point=17 replicate=3)", "point=17")
        select().v_model = runs[173].label
        button = rc.find(v.Btn, class_="netsim-replay").widget
        assert not button.disabled
        button.click()
        assert opened == [runs[173]]
        rc.find(
            v.Html, class_="netsim-source", children=[f"replay: sweep-big · {runs[173].run_id}"]
        ).wait_for(timeout=20)
        rc.find(v.Html, class_="netsim-replay-note", children=["· no per-step table"]).wait_for()
    finally:
        rc.close()


# --- the `netsim app` command (the server itself is started in tests/browser) ---------------


@pytest.fixture
def app_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """Undo the environment the command sets for Solara, and never really serve."""
    import uvicorn

    for key in (
        "SOLARA_APP",
        "SERVER_NAME",
        "SERVER_PORT",
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE",
        "SOLARA_THEME_SHOW_BANNER",
        "SOLARA_THEME_TITLE",
        "NETSIM_APP_SCENARIO",
        "NETSIM_APP_RESULTS",
    ):
        monkeypatch.delenv(key, raising=False)
    served: list[tuple[str, int]] = []
    monkeypatch.setattr(
        uvicorn.Server, "run", lambda self: served.append((self.config.host, self.config.port))
    )
    monkeypatch.served = served  # type: ignore[attr-defined]
    return monkeypatch


def run_cli(*args: str):
    from typer.testing import CliRunner

    from netsim.cli import app as cli

    return CliRunner().invoke(cli, ["app", *args])


def test_app_command_serves_the_page_on_loopback_by_default(app_env: pytest.MonkeyPatch) -> None:
    import os

    port = free_tcp_port()
    result = run_cli("--port", str(port), "--scenario", "funding_cliff")
    assert result.exit_code == 0, result.output
    assert f"http://127.0.0.1:{port}/" in result.stdout
    assert result.stderr == ""
    assert app_env.served == [("127.0.0.1", port)]  # type: ignore[attr-defined]
    assert os.environ["SOLARA_APP"] == "netsim.app.page:Page"
    assert os.environ["NETSIM_APP_SCENARIO"] == "funding_cliff"


def test_app_command_warns_in_one_line_beyond_loopback(app_env: pytest.MonkeyPatch) -> None:
    result = run_cli("--host", "0.0.0.0", "--port", str(free_tcp_port()))
    assert result.exit_code == 0, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("netsim: warning: listening on 0.0.0.0")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--port", "0"], "--port 0: must be from 1 to 65535"),
        (["--scenario", "no_such_thing"], "no such file or library scenario"),
    ],
)
def test_app_command_rejects_bad_input_in_one_line(
    app_env: pytest.MonkeyPatch, args: list[str], expected: str
) -> None:
    result = run_cli(*args)
    assert result.exit_code == 2
    assert expected in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert app_env.served == []  # type: ignore[attr-defined]


def test_app_command_says_when_the_port_is_taken(app_env: pytest.MonkeyPatch) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli("--port", str(port))
    assert result.exit_code == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr


def free_tcp_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- values from the browser are checked on the server (issue 14) -------------------------


def test_a_slider_value_past_its_end_is_refused_on_the_server() -> None:
    population = app.control_for("eligible_population")
    assert app.control_value(population, 4_000.0, 500) == 4_000
    assert isinstance(app.control_value(population, 4_000.0, 500), int)
    for crafted in (6_000, 1e12, -5, float("nan"), "6000", None, True, 10.5):
        with pytest.raises(ValueError, match=r"^eligible_population: allowed: a"):
            app.control_value(population, crafted, 500)
    # a scenario outside the view's limits widens the range, as its slider does
    assert app.control_value(population, 5_200, 5_500) == 5_200
    style = app.control_for("leadership_style")
    assert app.control_value(style, style.choices[0], style.default) == style.choices[0]
    with pytest.raises(ValueError, match="leadership_style: allowed: one of"):
        app.control_value(style, "tyrant", style.default)


def test_the_replay_box_lists_nothing_outside_the_results_root(tmp_path: Path) -> None:
    root = tmp_path / "results"
    saved = root / "short"
    write_run(netsim.run(SMALL, seed=2, steps=3), saved)
    runs, problem = app.list_replay_runs(str(saved), root)
    assert problem == "" and len(runs) == 1
    assert app.folder_stamp(str(saved), root) != ()
    outside = tmp_path / "copy"
    write_run(netsim.run(SMALL, seed=2, steps=3), outside)
    for typed in (str(outside), str(tmp_path / "absent"), "/"):
        assert app.list_replay_runs(typed, root) == ([], OUTSIDE_ROOT)
        assert app.folder_stamp(typed, root) == ()
