"""The browser view's session, without a server: uploads, replays of saved runs, and the
Session that drives a live model (play, pause, step, reset, shocks, the ghost) from many
threads.

The page that shows it is tested in tests/test_app.py and tests/browser.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import netsim
from netsim import session as live
from netsim.parameters import Parameters
from netsim.results import write_run
from netsim.scenarios import ScenarioError, parse_scenario_text

SMALL = Parameters(eligible_population=120, organisations=4, steps=20)


def small_source(steps: int = 20, **changes: object) -> live.Source:
    return live.Source("small", SMALL.replace(steps=steps, **changes), seed=3)


def test_the_session_runs_without_solara() -> None:
    """The controller is usable (and testable) without the page or a server."""
    code = "import sys, netsim.session; print('solara' in sys.modules)"
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
    write_run(netsim.run(SMALL, seed=6, steps=15), folder, figure=False)
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
    write_run(netsim.run(SMALL, seed=6, steps=10), folder, figure=False)
    table = pd.read_parquet(folder / "steps.parquet")
    table.loc[table["step"] >= 4, "active"] += 1  # as if saved by another model version
    table.to_parquet(folder / "steps.parquet")
    source = live.read_replay(folder, live.replay_runs(folder)[0])
    session = live.Session()
    session.load(source)
    frame = session.step(10)
    assert "differs from the saved run from week 4" in frame.note


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
    with pytest.raises(ValueError, match="not one of"):
        session.intervene("bribe", 1.0)


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
    assert len(errors) == 1 and errors[0].startswith("the model could not be built: network_file")
    assert "\n" not in errors[0]


def test_initial_source_reads_the_cli_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NETSIM_APP_SCENARIO", "funding_cliff")
    source, key, error = live.initial_source()
    assert (source.label, key, error) == ("Funding cliff", "funding_cliff", "")
    monkeypatch.setenv("NETSIM_APP_SCENARIO", "no_such_scenario")
    source, key, error = live.initial_source()
    assert key == "default" and "no such file or library scenario" in error
