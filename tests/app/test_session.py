"""The browser view's session, without a server: uploads, replays of saved runs, and the
Session that drives a live model (play, pause, step, reset, shocks, the ghost) from many
threads.

The page that shows it is tested in tests/test_app.py and tests/browser.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import netsim
from netsim.app import session as live
from netsim.batch.engines import SerialEngine
from netsim.batch.sweep import run_sweep
from netsim.config.experiments import load_experiment
from netsim.config.parameters import Parameters
from netsim.config.scenarios import (
    MAX_FILE_BYTES,
    ScenarioError,
    library_dir,
    load_scenario,
    parse_document,
    parse_scenario_text,
)
from netsim.results.run_folder import write_run
from netsim.results.sweep_folder import STEP_ID_COLUMNS, SweepFolder

SMALL = Parameters(eligible_population=120, organisations=4, steps=20)


def small_source(steps: int = 20, **changes: object) -> live.Source:
    return live.Source("small", SMALL.replace(steps=steps, **changes), seed=3)


def test_the_session_runs_without_solara() -> None:
    """The controller is usable (and testable) without the page or a server."""
    code = "import sys, netsim.app.session; print('solara' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- uploads ---------------------------------------------------------------------------------


def test_a_good_upload_is_a_scenario() -> None:
    text = (
        b'name = "Ours"\n[funding]\nstartup_weeks = 20\n[[timeline]]\nstep = 5\naction = "event"\n'
    )
    scenario = live.read_upload("C:/Users/me/ours.toml", text)
    assert scenario.name == "Ours"
    assert scenario.parameters.startup_weeks == 20
    assert scenario.parameters.timeline[0].action == "event"
    yaml = live.read_upload("ours.yaml", b"purpose:\n  priorities: 3\n")
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
        live.read_upload(name, data)
    message = str(err.value)
    assert message.startswith(expected), message
    assert "\n" not in message and "Traceback" not in message


def test_upload_messages_match_the_scenario_parser() -> None:
    text = '[leadership]\nleadership_style = "dictator"\n'
    with pytest.raises(ScenarioError) as direct:
        parse_scenario_text(text, "mine.toml")
    with pytest.raises(ScenarioError) as uploaded:
        live.read_upload("mine.toml", text.encode())
    assert str(uploaded.value) == str(direct.value)


# --- replay folders ------------------------------------------------------------------------


def test_replay_of_a_run_folder_matches_the_saved_table(tmp_path: Path) -> None:
    folder = tmp_path / "run-a"
    write_run(netsim.run(SMALL, seed=6, steps=15), folder)
    assert live.result_folders(tmp_path) == [folder]
    (run,) = live.replay_runs(folder)
    assert run.seed == 6 and run.scenario is None
    source = live.read_replay(folder, run)
    assert source.replay and source.parameters.steps == 15
    session = live.Session()
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
    runs = live.replay_runs(tmp_path)
    assert [(r.scenario, r.replicate, r.seed) for r in runs] == [
        (s, r, seed) for (s, r), seed in seeds.items()
    ]
    source = live.read_replay(tmp_path, runs[3])
    assert source.parameters.priorities == 5 and source.seed == 12
    assert list(source.reference["step"]) == list(range(7))
    session = live.Session()
    session.load(source)
    frame = session.step(6)
    assert frame.note.startswith("matches the saved run so far")


def test_a_folder_that_is_not_results_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(live.ReplayError) as err:
        live.replay_runs(tmp_path)
    assert "not a results folder" in str(err.value) and "\n" not in str(err.value)
    (tmp_path / "summary.json").write_text("{not json")
    (tmp_path / "steps.parquet").write_bytes(b"")
    with pytest.raises(live.ReplayError, match="cannot be read"):
        live.replay_runs(tmp_path)


def test_a_replay_that_drifts_from_the_saved_run_says_when(tmp_path: Path) -> None:
    folder = tmp_path / "run"
    write_run(netsim.run(SMALL, seed=6, steps=10), folder)
    table = pd.read_parquet(folder / "steps.parquet")
    table.loc[table["step"] >= 4, "active"] += 1  # as if saved by another model version
    table.to_parquet(folder / "steps.parquet")
    source = live.read_replay(folder, live.replay_runs(folder)[0])
    session = live.Session()
    session.load(source)
    frame = session.step(10)
    assert "differs from the saved run from week 4" in frame.note


# --- replaying a sweep's runs -------------------------------------------------------------------

SWEEP = """
name = "tiny replay"
seed = 4
replicates = 2
steps = 10
design = "grid"

[set]
eligible_population = 100

[vary]
founding_core = [5, 20, 150]   # 150 > 100 people: those runs fail
initial_trust = [0.35]

[outputs]
steps = {keep}
"""


def tiny_sweep(folder: Path, keep_steps: bool = True) -> Path:
    """Six runs of 100 people for 10 weeks, serially: four ok, two failed (inconsistent)."""
    folder.mkdir()
    path = folder / "exp.toml"
    path.write_text(SWEEP.format(keep=str(keep_steps).lower()), encoding="utf-8")
    report = run_sweep(load_experiment(path), folder / "out", engine=SerialEngine())
    assert (report.ok, report.failed) == (4, 2)
    return folder / "out"


@pytest.fixture(scope="module")
def sweep_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_sweep(tmp_path_factory.mktemp("sweep") / "kept")


def test_a_sweeps_runs_are_listed_in_design_order_failed_ones_marked(sweep_out: Path) -> None:
    assert live.result_folders(sweep_out.parent) == [sweep_out]
    runs = live.replay_runs(sweep_out)
    table = SweepFolder(sweep_out).runs()
    assert [r.run_id for r in runs] == list(table["run_id"])
    assert [(r.point_id, r.replicate) for r in runs] == [(p, k) for p in range(3) for k in range(2)]
    assert [r.seed for r in runs] == list(table["seed"])
    first = runs[0]
    assert first.label == (
        f"point=0 · founding_core=5 · initial_trust=0.35 · replicate=0 · seed={first.seed} · "
        f"id={first.run_id}"
    )
    assert [r.failed for r in runs] == [False] * 4 + [True] * 2
    assert runs[4].label.startswith("FAILED · point=2 · founding_core=150")
    assert "founding_core: 150 is more than eligible_population" in runs[4].error


def test_a_sweep_run_replays_bit_for_bit_against_its_saved_table(sweep_out: Path) -> None:
    run = live.replay_runs(sweep_out)[3]  # point 1 (founding_core 20), replicate 1
    source = live.read_replay(sweep_out, run)
    assert source.replay and source.seed == run.seed
    assert (source.parameters.founding_core, source.parameters.initial_trust) == (20, 0.35)
    assert source.parameters.eligible_population == 100 and source.parameters.steps == 10
    assert "does not hash" not in source.description  # rebuilt to the very run id
    steps = SweepFolder(sweep_out).steps()
    saved = steps[steps["run_id"] == run.run_id].drop(columns=list(STEP_ID_COLUMNS))
    saved = saved.reset_index(drop=True)
    pd.testing.assert_frame_equal(source.reference, saved, check_exact=True)
    session = live.Session()
    session.load(source)
    frame = session.step(10)
    assert frame.finished and frame.note == "matches the saved run so far (week 10)"
    assert session._ghost_label == "grey: the saved run"
    replayed = session.model.table()[saved.columns]
    pd.testing.assert_frame_equal(replayed, saved, check_exact=True)


def test_a_sweep_without_per_step_tables_replays_unchecked(tmp_path: Path) -> None:
    out = tiny_sweep(tmp_path / "summaries", keep_steps=False)
    run = live.replay_runs(out)[1]
    source = live.read_replay(out, run)
    assert source.reference is None and source.replay
    session = live.Session()
    session.load(source)
    frame = session.step(10)
    assert frame.replay and frame.note == "the sweep kept no per-step table to check against"
    assert frame.stats["members"] == SweepFolder(out).runs().loc[1, "final_members"]


def test_filtering_thousands_of_runs_is_exact_and_quick() -> None:
    runs = [
        live.ReplayRun(
            f"point={p} · founding_core={p % 50} · replicate={k} · id={p:04x}{k:012x}",
            seed=p * 10 + k,
            replicate=k,
            run_id=f"{p:04x}{k:012x}",
            point_id=p,
            tags=(
                ("point", str(p)),
                ("founding_core", str(p % 50)),
                ("replicate", str(k)),
                ("id", f"{p:04x}{k:012x}"),
            ),
        )
        for p in range(500)
        for k in range(10)
    ]
    started = time.perf_counter()
    shown, matching = live.filter_runs(runs, "")
    assert (len(shown), matching) == (200, 5_000)
    shown, matching = live.filter_runs(runs, "replicate=3 founding_core=7")
    assert matching == 10 and all(r.replicate == 3 and r.point_id % 50 == 7 for r in shown)
    assert live.filter_runs(runs, "replicate=3.0 point=17")[1] == 1  # numbers by value
    assert live.filter_runs(runs, "id=0011000")[1] == 10  # a run id by its start
    assert live.filter_runs(runs, "ID=0011000000000005")[0][0].point_id == 17
    assert live.filter_runs(runs, "replicate=30")[1] == 0
    assert time.perf_counter() - started < 1.0


def test_sweep_folder_problems_are_one_line_errors(sweep_out: Path, tmp_path: Path) -> None:
    def message(call: object) -> str:
        with pytest.raises(live.ReplayError) as err:
            call()  # type: ignore[operator]
        text = str(err.value)
        assert "\n" not in text and "Traceback" not in text
        return text

    runs = live.replay_runs(sweep_out)
    failed = message(lambda: live.read_replay(sweep_out, runs[4]))
    assert f"run {runs[4].run_id} failed in the sweep" in failed
    assert "founding_core: 150 is more than" in failed
    unknown = live.ReplayRun("gone", 1, run_id="0123456789abcdef")
    assert "no run with id '0123456789abcdef'" in message(
        lambda: live.read_replay(sweep_out, unknown)
    )
    assert "not a sweep results folder" in message(lambda: live.read_replay(tmp_path, unknown))
    assert "not a results folder" in message(lambda: live.replay_runs(tmp_path))
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "manifest.json").write_text("{not json", encoding="utf-8")
    assert "broken/manifest.json: cannot be read" in message(lambda: live.replay_runs(broken))
    assert "cannot be read" in message(lambda: live.read_replay(broken, runs[0]))
    (broken / "manifest.json").write_text('{"format": "netsim-sweep/0"}', encoding="utf-8")
    assert "is not 'netsim-sweep/1'" in message(lambda: live.replay_runs(broken))
    started = tmp_path / "started"
    started.mkdir()
    (started / "runs").mkdir()
    (started / "manifest.json").write_bytes((sweep_out / "manifest.json").read_bytes())
    assert "no finished runs yet" in message(lambda: live.replay_runs(started))


# --- the session ------------------------------------------------------------------------------


def test_session_steps_intervenes_and_marks_where_it_acted() -> None:
    frames: list[live.Frame] = []
    session = live.Session(publish=frames.append)
    first = session.load(small_source())
    assert first.step == 0 and first.interventions == ()
    session.step(2)
    pending = session.intervene("funding_cut", 0.0)
    assert pending.pending == ((3, "funding_cut", 0.0),)
    acted = session.step()
    assert acted.pending == () and acted.interventions == ((3, "funding_cut", 0.0),)
    assert acted.stats["funding"] == 0.0
    assert [f.seq for f in frames] == sorted({f.seq for f in frames})
    with pytest.raises(ValueError, match="is not a timeline action; allowed: leader_leaves"):
        session.intervene("bribe", 1.0)
    with pytest.raises(ValueError, match="for funding_cut must be from 0 to 1"):
        session.intervene("funding_cut", 2.0)  # the scenario files' amount rule, not a second one


def test_session_stops_at_the_horizon() -> None:
    session = live.Session()
    session.load(small_source(steps=3))
    assert session.step(10).step == 3
    assert session.step() is None and session.intervene("event") is None


def test_ghost_is_the_same_run_without_live_shocks() -> None:
    session = live.Session()
    session.load(small_source(steps=12))
    deadline = time.monotonic() + 20
    while not session.last.ghost and time.monotonic() < deadline:
        time.sleep(0.02)
    assert "without your shocks" in session.last.ghost
    ghost = session._figures._ghost
    pd.testing.assert_frame_equal(ghost, netsim.run(SMALL, seed=3, steps=12).table)


def test_play_runs_in_the_background_and_pause_stops_it() -> None:
    session = live.Session()
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
    session = live.Session()
    session.load(small_source(steps=4))
    session.set_speed(30)
    session.play()
    deadline = time.monotonic() + 10
    while session.playing and time.monotonic() < deadline:
        time.sleep(0.01)
    assert session.last.step == 4 and session.last.finished and not session.last.playing


def wait_for(condition: Any, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_clicks_while_rebuilding_queue_play_and_drop_steps_and_shocks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Reset (or a knob) then play: play waits for the new model and starts it at week 0, so
    the counter never runs on with the old model and then jumps back; a step or a shock
    pressed meanwhile would act on the model being replaced, so it is dropped. The rebuild
    is held open until the clicks are in (no race with a fast build)."""
    frames: list[live.Frame] = []
    session = live.Session(publish=frames.append, baseline_cap=0)
    session.load(small_source(steps=400))
    session.set_speed(30)
    session.play()
    wait_for(lambda: session.last.step >= 3)
    release = threading.Event()
    build = live.api.build_model

    def held_build(*args: Any, **kwargs: Any) -> Any:
        assert release.wait(30), "the test never released the rebuild"
        return build(*args, **kwargs)

    monkeypatch.setattr(live.api, "build_model", held_build)
    session.reset()  # pauses, then rebuilds in the background (held)
    old = session.last
    session.play()  # queued
    assert session.step() is None and session.intervene("event") is None
    release.set()
    wait_for(lambda: session.last.generation > old.generation and session.last.step >= 3)
    later = [f for f in frames if f.seq > old.seq]
    assert all(f.generation > old.generation for f in later)  # the old model never ran on
    steps = [f.step for f in later]
    assert steps[0] == 0 and steps == sorted(steps)  # from week 0, forwards only
    assert not session.last.interventions  # the dropped shock never acted
    release.clear()
    session.reset()
    session.play()
    session.pause()  # cancels the queued play
    release.set()
    assert session.wait_idle()
    assert not session.playing and session.last.step == 0
    session.close()


def test_play_pressed_as_soon_as_the_rebuilt_model_shows_starts_it() -> None:
    """The page shows the new model's week 0 while the build thread is still publishing it,
    and the trainer may press play at once: that play must start it, not wait for a build
    that is already done."""
    shown, pressed = threading.Event(), threading.Event()

    def publish(frame: live.Frame) -> None:
        if frame.generation == 2 and frame.step == 0 and not frame.playing and not shown.is_set():
            shown.set()
            pressed.wait(10)  # the page is still drawing this frame when the click comes

    session = live.Session(publish=publish, baseline_cap=0)
    session.load(small_source(steps=400))
    session.set_speed(30)
    session.reset()
    assert shown.wait(20)
    session.play()
    pressed.set()
    wait_for(lambda: session.last.step >= 3)
    assert session.last.generation == 2
    session.close()


def test_a_frame_says_how_fast_play_really_goes() -> None:
    session = live.Session(baseline_cap=0)
    session.load(small_source(steps=400))
    session.set_speed(30)
    assert session.last.achieved == 0.0
    session.play()
    wait_for(lambda: session.last.step >= 20)
    achieved = session.last.achieved
    assert 0 < achieved <= 30 * 1.25, achieved
    session.pause()
    assert session.last.achieved == 0.0  # not playing: no rate to show
    session.close()


def test_rapid_requests_build_only_the_latest() -> None:
    frames: list[live.Frame] = []
    session = live.Session(publish=frames.append)
    for k in range(1, 30):
        session.request_load(small_source(priorities=k % 10 + 1))
    assert session.wait_idle()
    assert session.last.parameters.priorities == 29 % 10 + 1
    assert len({f.generation for f in frames}) < 29  # coalesced, not one build per request


def test_hammering_a_session_from_many_threads_never_tears_or_crashes() -> None:
    frames: list[live.Frame] = []
    errors: list[str] = []
    lock = threading.Lock()

    def publish(frame: live.Frame) -> None:
        with lock:
            frames.append(frame)

    session = live.Session(publish=publish, on_error=errors.append)
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
                _label, action, amount = live.SHOCKS[rng.integers(5)]
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
    session = live.Session(on_error=errors.append)
    missing = SMALL.replace(network_file=str(tmp_path / "gone.csv"))
    session.request_load(live.Source("broken", missing))
    assert session.wait_idle()
    assert errors == [
        "the model could not be built: the scenario's network file cannot be used "
        "(the server log says why)"
    ]


def test_initial_source_reads_the_cli_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NETSIM_APP_SCENARIO", "funding_cliff")
    source, key, error = live.initial_source()
    assert (source.label, key, error) == ("Funding cliff", "funding_cliff", "")
    monkeypatch.setenv("NETSIM_APP_SCENARIO", "no_such_scenario")
    source, key, error = live.initial_source()
    assert key == "default" and "no such file or library scenario" in error


# --- what a page user may not do (issue 14) -------------------------------------------------


SECRET = "top-secret-line,with,commas"


@pytest.fixture
def server_files(tmp_path: Path) -> tuple[Path, Path]:
    """An existing server file (holding a secret first line) and a path that does not exist."""
    existing = tmp_path / "secrets.csv"
    existing.write_text(SECRET + "\n")
    return existing, tmp_path / "no-such-file.csv"


@pytest.mark.parametrize(
    "template",
    [
        '[network]\nnetwork_file = "{path}"\n',
        '[network]\nnetwork_nodes_file = "{path}"\n',
        'extends = "{path}"\n',
        'extends = "../{name}"\n',  # a relative path, even beside the library: refused
        'extends = "{name}"\n',  # a bare name with another suffix is a path
        'network_file = "{path}"\n',  # misplaced at the top level: still refused, same line
        '[network]\nnetwork_file = "../../{name}"\n',
    ],
)
def test_an_upload_naming_a_server_file_is_refused_the_same_whether_it_exists(
    server_files: tuple[Path, Path], template: str
) -> None:
    messages = []
    for path in server_files:
        text = template.format(path=path, name=path.name)
        for name, data in (("up.toml", text), ("up.yaml", _as_yaml(text))):
            with pytest.raises(ScenarioError) as err:
                live.read_upload(name, data.encode())
            messages.append(str(err.value).replace("up.yaml", "up.toml"))
    assert len(set(messages)) == 1, messages
    assert live.SERVER_FILE_REFUSAL in messages[0]
    assert SECRET not in messages[0] and str(server_files[0].parent) not in messages[0]


EXTENDING = sorted(
    p.name for p in library_dir().glob("*.toml") if "extends" in parse_document(p, p.read_text())
)


def test_the_library_has_scenarios_that_extend_others() -> None:
    assert len(EXTENDING) >= 7, EXTENDING


@pytest.mark.parametrize("name", EXTENDING)
def test_a_copied_library_scenario_that_extends_another_loads_as_an_upload(name: str) -> None:
    """A trainer copies a library file and drops it: its ``extends`` names a library scenario
    by file name, looked up in the library, and the result is the library scenario itself."""
    path = library_dir() / name
    uploaded = live.read_upload(f"copy-of-{name}", path.read_bytes())
    assert uploaded.parameters == load_scenario(path).parameters
    assert uploaded.name == load_scenario(path).name


@pytest.mark.parametrize("reference", ["funding_cliff", "funding_cliff.toml"])
def test_an_upload_may_extend_a_library_scenario_by_bare_name(reference: str) -> None:
    text = f'name = "Mine"\nextends = "{reference}"\n[purpose]\npriorities = 4\n'
    mine = live.read_upload("mine.toml", text.encode())
    cliff = load_scenario(library_dir() / "funding_cliff.toml")
    assert mine.parameters == cliff.parameters.replace(priorities=4)
    assert mine.name == "Mine" and mine.description == cliff.description
    default = live.read_upload("d.yaml", b"extends: default\npurpose:\n  priorities: 2\n")
    assert default.parameters == Parameters(priorities=2)


def test_a_bare_name_outside_the_library_is_refused_whatever_the_server_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bare name is looked up in the library folder only: a file of that name in the
    server's working folder is never read, and the message is the same as for no file."""
    (tmp_path / "secret.toml").write_text(f'name = "{SECRET}"\n')
    monkeypatch.chdir(tmp_path)
    for suffix in ("", ".toml"):
        messages = []
        for stem in ("secret", "absent"):
            with pytest.raises(ScenarioError) as err:
                live.read_upload("up.toml", f'extends = "{stem}{suffix}"\n'.encode())
            messages.append(str(err.value).replace(stem, "X"))
            assert "\n" not in messages[-1] and "is not a library scenario" in messages[-1]
        assert messages[0] == messages[1], messages
        assert SECRET not in messages[0]


def _as_yaml(toml_text: str) -> str:
    """The one-table TOML of the test above as YAML."""
    lines = toml_text.strip().splitlines()
    if lines[0].startswith("["):
        return f"{lines[0].strip('[]')}:\n  {lines[1].replace(' = ', ': ')}\n"
    return lines[0].replace(" = ", ": ") + "\n"


def test_an_upload_is_read_lazily_up_to_the_cap() -> None:
    class Endless(io.RawIOBase):
        """A browser file that never ends: reading it whole would never return."""

        asked = 0

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            self.asked += len(buffer)
            buffer[:] = b"#" * len(buffer)
            return len(buffer)

    endless = Endless()
    with pytest.raises(ScenarioError, match="is larger than 1000000 bytes"):
        live.read_upload("huge.toml", io.BufferedReader(endless))
    assert endless.asked <= 2 * (MAX_FILE_BYTES + 1)
    with pytest.raises(ScenarioError, match="is larger than"):  # the claimed size: no read
        live.read_upload("huge.toml", io.BytesIO(b""), size=3_000_000_000)
    small = live.read_upload("ok.toml", io.BytesIO(b"[purpose]\npriorities = 3\n"), size=24)
    assert small.parameters.priorities == 3


def test_the_session_refuses_models_past_the_page_limits() -> None:
    session = live.Session()
    big = SMALL.replace(eligible_population=live.MAX_POPULATION + 1000)
    with pytest.raises(live.PageLimitError, match="eligible_population: 6,000 people"):
        session.request_load(live.Source("big", big))
    with pytest.raises(live.PageLimitError, match="eligible_population"):
        session.load(live.Source("big", big))
    dense = SMALL.replace(eligible_population=5_000, contacts_per_person=100.0)
    with pytest.raises(live.PageLimitError, match="contacts_per_person"):
        session.request_load(live.Source("dense", dense))
    with pytest.raises(live.PageLimitError, match="steps"):
        session.request_load(live.Source("long", SMALL.replace(steps=live.MAX_STEPS + 1)))
    assert session.wait_idle() and session.model is None  # nothing was built
    live.check_page_limits(SMALL.replace(eligible_population=live.MAX_POPULATION))


def test_an_upload_past_the_page_limits_is_refused_when_played() -> None:
    scenario = live.read_upload("big.toml", b"[network]\neligible_population = 6000\n")
    with pytest.raises(live.PageLimitError, match="6,000 people"):
        live.Session().request_load(live.scenario_source(scenario))


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, 0), (7, 7), ("12", 12), (3.0, 3), (live.MAX_SEED, live.MAX_SEED)],
)
def test_a_seed_from_the_page_is_checked(value: Any, expected: int) -> None:
    assert live.page_seed(value) == expected


@pytest.mark.parametrize("value", [-1, 2**63, 10**400, 1.5, "x", None, True, float("nan"), [1]])
def test_a_bad_seed_from_the_page_is_one_line(value: Any) -> None:
    with pytest.raises(live.PageLimitError, match=r"^seed: must be a whole number"):
        live.page_seed(value)


def test_speed_and_text_from_the_page_are_clamped() -> None:
    low, high = live.SPEED_RANGE
    assert [live.page_speed(v) for v in (0, 5, 1e9, -3, float("nan"), "9", None)] == [
        low,
        5,
        high,
        low,
        live.DEFAULT_SPEED,
        live.DEFAULT_SPEED,
        live.DEFAULT_SPEED,
    ]
    assert len(live.page_text("x" * 10_000)) == live.MAX_TEXT
    assert live.page_text(None) == ""
    session = live.Session()
    session.set_speed(float("inf"))  # a crafted message cannot stall the play loop
    assert session._speed == live.DEFAULT_SPEED


def test_replay_is_confined_to_the_results_root(tmp_path: Path) -> None:
    root = tmp_path / "results"
    inside = root / "run-1"
    inside.mkdir(parents=True)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (root / "link-out").symlink_to(outside)
    assert live.replay_folder(str(inside), root) == inside.resolve()
    assert live.replay_folder("run-1", root) == inside.resolve()  # relative to the root
    refused = []
    for typed in (
        str(outside),
        str(tmp_path / "no-such-folder"),
        str(root / "link-out"),  # a symlink inside the root that points out of it
        str(root / ".." / "elsewhere"),
        "/etc",
        "/no/such/place",
        "",
        "a\x00b",
    ):
        with pytest.raises(live.ReplayError) as err:
            live.replay_folder(typed, root)
        refused.append(str(err.value))
    assert set(refused) == {live.OUTSIDE_ROOT}


def test_build_errors_never_show_a_network_files_content(tmp_path: Path) -> None:
    secret = tmp_path / "notes.csv"
    secret.write_text(SECRET + "\nmore\n")
    errors: list[str] = []
    session = live.Session(on_error=errors.append)
    for path in (secret, tmp_path / "absent.csv"):
        session.request_load(live.Source("trusted", SMALL.replace(network_file=str(path))))
        assert session.wait_idle()
    assert len(errors) == 2 and errors[0] == errors[1]
    assert SECRET.split(",")[0] not in errors[0] and "notes" not in errors[0]
    assert live.build_error_message(RuntimeError(SECRET)) == (
        "RuntimeError (the server log has the details)"
    )
