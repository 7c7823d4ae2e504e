"""The browser view's pure parts (no browser): layout, sampling, drawing data, controls,
uploads, replay folders, and the Session that drives a live model from many threads.

The page itself is exercised end to end in tests/browser/test_app_browser.py.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import netsim
from netsim import app
from netsim.layout import (
    DRAW_LIMIT,
    SIZE_MIN,
    STATUS_ALPHA,
    Figures,
    edges_within,
    member_layout,
    network_frame,
    organisation_anchors,
    rank_within_groups,
    sample_people,
)
from netsim.parameters import Parameters, declarations, spec_of
from netsim.results import write_run
from netsim.scenarios import ScenarioError, parse_scenario_text
from netsim.state import AdoptionState, MembershipStatus

SMALL = Parameters(eligible_population=120, organisations=4, steps=20)
PNG = b"\x89PNG\r\n\x1a\n"


def small_source(steps: int = 20, **changes: object) -> app.Source:
    return app.Source("small", SMALL.replace(steps=steps, **changes), seed=3)


def frame_of(model: netsim.NetworkModel, sample: np.ndarray | None = None):
    m = model.members
    sample = np.arange(m.size) if sample is None else sample
    return network_frame(
        layout=member_layout(m.organisation),
        sample=sample,
        sample_edges=edges_within(sample, model.graph.edge_u, model.graph.edge_v, m.size),
        status=m.status,
        engagement=m.engagement,
        adoption=m.adoption[0],
        highlight=m.leader | m.champion,
        edge_u=model.graph.edge_u,
        edge_v=model.graph.edge_v,
        strength=model.ties.strength,
        formed_step=model.ties.formed_step,
        step=model.step_count,
    )


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
    frame = frame_of(model, sample)
    assert frame.shown == sample.size and frame.population == 5_000


def test_many_tiny_organisations_still_respect_the_limit() -> None:
    organisation = np.arange(3_000)  # 3,000 organisations of one person each
    sample = sample_people(organisation, limit=100)
    assert sample.size == 100
    assert np.all(np.diff(sample) > 0)


# --- drawing data ----------------------------------------------------------------------------


def test_network_frame_encodes_adoption_status_engagement_and_new_ties() -> None:
    model = netsim.build_model(SMALL, seed=2)
    for _ in range(8):
        model.step()
    m = model.members
    frame = frame_of(model)
    status = m.status
    alpha = np.array([STATUS_ALPHA[MembershipStatus(s)] for s in status])
    np.testing.assert_allclose(frame.colours[:, 3], alpha)
    prospect = status == MembershipStatus.PROSPECT
    np.testing.assert_allclose(frame.sizes[prospect], SIZE_MIN)
    members = np.flatnonzero(~prospect)
    order = members[np.argsort(m.engagement[members])]
    assert np.all(np.diff(frame.sizes[order]) >= 0)  # bigger with engagement
    adopted = (m.adoption[0] == AdoptionState.ADOPTED) & ~prospect
    not_adopted = (m.adoption[0] == AdoptionState.NOT_ADOPTED) & ~prospect
    if adopted.any() and not_adopted.any():
        assert not np.allclose(frame.colours[adopted][0, :3], frame.colours[not_adopted][0, :3])
    present = model.ties.strength > 0
    assert frame.tie_segments.shape == (int(present.sum()), 2, 2)
    new = present & (model.ties.formed_step == model.step_count)
    assert frame.new_tie_segments.shape == (int(new.sum()), 2, 2)
    assert not (frame.outlines & (status == MembershipStatus.LAPSED)).any()


def test_no_tie_counts_as_new_at_week_0() -> None:
    model = netsim.build_model(SMALL, seed=2)
    frame = frame_of(model)
    assert frame.tie_segments.shape[0] > 0
    assert frame.new_tie_segments.shape == (0, 2, 2)


def test_figures_render_three_pngs_and_mark_interventions() -> None:
    model = netsim.build_model(SMALL, seed=2)
    figures = Figures()
    figures.reset(member_layout(model.members.organisation), SMALL.steps)
    for _ in range(3):
        model.step()
    pictures = figures.render(model.table(), frame_of(model), ())
    assert all(p.startswith(PNG) for p in pictures)
    model.intervene("leader_leaves", 1.0)
    model.step()
    marked = figures.render(model.table(), frame_of(model), ((4, "leader_leaves", 1.0),))
    assert marked[1] != pictures[1]
    assert len(figures._markers) == 4  # a line on each of the three panels and a label
    again = figures.render(model.table(), frame_of(model), ((4, "leader_leaves", 1.0),))
    assert again[1] == marked[1]  # blitting from the cached background draws the same picture


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


# --- uploads ---------------------------------------------------------------------------------


def test_a_good_upload_is_a_scenario() -> None:
    text = (
        b'name = "Ours"\n[funding]\nstartup_weeks = 20\n[[timeline]]\nstep = 5\naction = "event"\n'
    )
    scenario = app.read_upload("C:/Users/me/ours.toml", text)
    assert scenario.name == "Ours"
    assert scenario.parameters.startup_weeks == 20
    assert scenario.parameters.timeline[0].action == "event"
    yaml = app.read_upload("ours.yaml", b"purpose:\n  priorities: 3\n")
    assert yaml.parameters.priorities == 3


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("broken.toml", b"[leadership\n", "broken.toml line 1: TOML syntax error"),
        ("typo.toml", b"[purpose]\npriorites = 3\n", "typo.toml line 2: [purpose] priorites"),
        ("range.toml", b"[purpose]\npriorities = 99\n", "range.toml line 2: [purpose] priorities"),
        ("notes.txt", b"name = 'x'\n", "notes.txt: unsupported file type '.txt'"),
        ("latin.toml", b"name = '\xe9'\n", "latin.toml line 1: is not UTF-8 text"),
        ("bad.yaml", b"a: [1, 2\n", "bad.yaml"),
        ("big.toml", b"#" * 1_000_001, "big.toml: is larger than"),
        ("none.toml", None, "none.toml: could not be read"),
    ],
)
def test_a_bad_upload_gives_one_line(name: str, data: bytes | None, expected: str) -> None:
    with pytest.raises(ScenarioError) as err:
        app.read_upload(name, data)
    message = str(err.value)
    assert message.startswith(expected), message
    assert "\n" not in message and "Traceback" not in message


def test_upload_messages_match_the_scenario_parser() -> None:
    text = '[leadership]\nleadership_style = "dictator"\n'
    with pytest.raises(ScenarioError) as direct:
        parse_scenario_text(text, "mine.toml")
    with pytest.raises(ScenarioError) as uploaded:
        app.read_upload("mine.toml", text.encode())
    assert str(uploaded.value) == str(direct.value)


# --- replay folders ------------------------------------------------------------------------


def test_replay_of_a_run_folder_matches_the_saved_table(tmp_path: Path) -> None:
    folder = tmp_path / "run-a"
    write_run(netsim.run(SMALL, seed=6, steps=15), folder, figure=False)
    assert app.result_folders(tmp_path) == [folder]
    (run,) = app.replay_runs(folder)
    assert run.seed == 6 and run.scenario is None
    source = app.read_replay(folder, run)
    assert source.replay and source.parameters.steps == 15
    session = app.Session()
    session.load(source)
    for _ in range(15):
        frame = session.step()
    assert frame.step == 15 and frame.finished
    assert frame.note == "matches the saved run so far (week 15)"
    pd.testing.assert_frame_equal(
        session.model.table()[source.reference.columns], source.reference, check_dtype=False
    )


def test_replay_of_a_compare_folder_picks_scenario_and_replicate(tmp_path: Path) -> None:
    seeds = {("a", 0): 11, ("a", 1): 12, ("b", 0): 11, ("b", 1): 12}
    params = {"a": SMALL.replace(steps=6), "b": SMALL.replace(steps=6, priorities=5)}
    tables = [
        netsim.run(params[s], seed=seed).table.assign(scenario=s, replicate=r, seed=seed)
        for (s, r), seed in seeds.items()
    ]
    pd.concat(tables).to_parquet(tmp_path / "steps.parquet")
    pd.DataFrame(
        [{"scenario": s, "replicate": r, "seed": seed} for (s, r), seed in seeds.items()]
    ).to_csv(tmp_path / "runs.csv", index=False)
    document = {"scenarios": [{"slug": s, "parameters": p.to_dict()} for s, p in params.items()]}
    (tmp_path / "comparison.json").write_text(json.dumps(document))
    runs = app.replay_runs(tmp_path)
    assert [(r.scenario, r.replicate, r.seed) for r in runs] == [
        (s, r, seed) for (s, r), seed in seeds.items()
    ]
    source = app.read_replay(tmp_path, runs[3])
    assert source.parameters.priorities == 5 and source.seed == 12
    assert list(source.reference["step"]) == list(range(7))
    session = app.Session()
    session.load(source)
    frame = session.step(6)
    assert frame.note.startswith("matches the saved run so far")


def test_a_folder_that_is_not_results_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(app.ReplayError) as err:
        app.replay_runs(tmp_path)
    assert "not a results folder" in str(err.value) and "\n" not in str(err.value)
    (tmp_path / "summary.json").write_text("{not json")
    (tmp_path / "steps.parquet").write_bytes(b"")
    with pytest.raises(app.ReplayError, match="cannot be read"):
        app.replay_runs(tmp_path)


def test_a_replay_that_drifts_from_the_saved_run_says_when(tmp_path: Path) -> None:
    folder = tmp_path / "run"
    write_run(netsim.run(SMALL, seed=6, steps=10), folder, figure=False)
    table = pd.read_parquet(folder / "steps.parquet")
    table.loc[table["step"] >= 4, "active"] += 1  # as if saved by another model version
    table.to_parquet(folder / "steps.parquet")
    source = app.read_replay(folder, app.replay_runs(folder)[0])
    session = app.Session()
    session.load(source)
    frame = session.step(10)
    assert "differs from the saved run from week 4" in frame.note


# --- the session ------------------------------------------------------------------------------


def test_session_steps_intervenes_and_marks_where_it_acted() -> None:
    frames: list[app.Frame] = []
    session = app.Session(publish=frames.append)
    first = session.load(small_source())
    assert first.step == 0 and first.interventions == ()
    session.step(2)
    pending = session.intervene("funding_cut", 0.0)
    assert pending.pending == ((3, "funding_cut", 0.0),)
    acted = session.step()
    assert acted.pending == () and acted.interventions == ((3, "funding_cut", 0.0),)
    assert acted.stats["funding"] == 0.0
    assert [f.seq for f in frames] == sorted({f.seq for f in frames})
    with pytest.raises(ValueError, match="not one of"):
        session.intervene("bribe", 1.0)


def test_session_stops_at_the_horizon() -> None:
    session = app.Session()
    session.load(small_source(steps=3))
    assert session.step(10).step == 3
    assert session.step() is None and session.intervene("event") is None


def test_ghost_is_the_same_run_without_live_shocks() -> None:
    session = app.Session()
    session.load(small_source(steps=12))
    deadline = time.monotonic() + 20
    while not session.last.ghost and time.monotonic() < deadline:
        time.sleep(0.02)
    assert "without your shocks" in session.last.ghost
    ghost = session._figures._ghost
    pd.testing.assert_frame_equal(ghost, netsim.run(SMALL, seed=3, steps=12).table)


def test_play_runs_in_the_background_and_pause_stops_it() -> None:
    session = app.Session()
    session.load(small_source(steps=400))
    session.set_speed(30)
    session.play()
    deadline = time.monotonic() + 10
    while session.last.step < 5 and time.monotonic() < deadline:
        time.sleep(0.01)
    session.pause()
    stopped = session.last.step
    assert stopped >= 5 and not session.playing and not session.last.playing
    time.sleep(0.2)
    assert session.model.step_count == stopped
    session.close()


def test_play_stops_by_itself_at_the_horizon() -> None:
    session = app.Session()
    session.load(small_source(steps=4))
    session.set_speed(30)
    session.play()
    deadline = time.monotonic() + 10
    while session.playing and time.monotonic() < deadline:
        time.sleep(0.01)
    assert session.last.step == 4 and session.last.finished and not session.last.playing


def test_rapid_requests_build_only_the_latest() -> None:
    frames: list[app.Frame] = []
    session = app.Session(publish=frames.append)
    for k in range(1, 30):
        session.request_load(small_source(priorities=k % 10 + 1))
    assert session.wait_idle()
    assert session.last.parameters.priorities == 29 % 10 + 1
    assert len({f.generation for f in frames}) < 29  # coalesced, not one build per request


def test_hammering_a_session_from_many_threads_never_tears_or_crashes() -> None:
    frames: list[app.Frame] = []
    errors: list[str] = []
    lock = threading.Lock()

    def publish(frame: app.Frame) -> None:
        with lock:
            frames.append(frame)

    session = app.Session(publish=publish, on_error=errors.append)
    session.load(small_source(steps=200))
    session.set_speed(30)
    stop = time.monotonic() + 2.0

    def clicker(seed: int) -> None:
        rng = np.random.default_rng(seed)
        actions = ["play", "pause", "step", "reset", "shock", "rebuild"]
        while time.monotonic() < stop:
            choice = actions[rng.integers(len(actions))]
            if choice == "play":
                session.play()
            elif choice == "pause":
                session.pause()
            elif choice == "step":
                session.step()
            elif choice == "reset":
                session.reset()
            elif choice == "shock":
                _label, action, amount = app.INTERVENTION_BUTTONS[rng.integers(5)]
                session.intervene(action, amount)
            else:
                session.request_load(small_source(steps=200, priorities=int(rng.integers(1, 6))))

    threads = [threading.Thread(target=clicker, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert session.wait_idle()
    session.pause()
    assert errors == []
    seqs = [f.seq for f in frames]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)  # never an older frame after
    # and it still works: play advances again
    start = session.last.step
    session.play()
    deadline = time.monotonic() + 10
    while session.last.step < start + 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert session.last.step >= start + 3
    session.close()


def test_build_errors_are_reported_in_one_line(tmp_path: Path) -> None:
    errors: list[str] = []
    session = app.Session(on_error=errors.append)
    missing = SMALL.replace(network_file=str(tmp_path / "gone.csv"))
    session.request_load(app.Source("broken", missing))
    assert session.wait_idle()
    assert len(errors) == 1 and errors[0].startswith("the model could not be built: network_file")
    assert "\n" not in errors[0]


def test_initial_source_reads_the_cli_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NETSIM_APP_SCENARIO", "funding_cliff")
    source, key, error = app.initial_source()
    assert (source.label, key, error) == ("Funding cliff", "funding_cliff", "")
    monkeypatch.setenv("NETSIM_APP_SCENARIO", "no_such_scenario")
    source, key, error = app.initial_source()
    assert key == "default" and "no such file or library scenario" in error


def test_marker_labels_say_what_happened() -> None:
    assert app.marker_label("leader_leaves", 1.0) == "leader leaves"
    assert app.marker_label("funding_cut", 0.0) == "funding cut to 0"
    assert app.marker_label("champions_recruited", 3.0) == "champions recruited (3)"


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
    assert os.environ["SOLARA_APP"] == "netsim.app:Page"
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
