"""What the browser's network canvas is sent: the scene once per model build, per week a
code per person (matching the legend's colours) and a digit per candidate tie; and that the
slow pictures (curves, wheel) are drawn at most every SLOW_PICTURES while playing, and
always when paused."""

from __future__ import annotations

import dataclasses
import json
import time
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import netsim
from netsim.app import session as live
from netsim.app.canvas import (
    ADOPTIONS,
    LEVEL,
    RING,
    SIZE_LEVELS,
    node_codes,
    palette,
)
from netsim.app.layout import ADOPTION_COLOURS, STATUS_ALPHA
from netsim.config.parameters import Parameters
from netsim.model.state import AdoptionState, MembershipStatus

SMALL = Parameters(eligible_population=120, organisations=4, steps=400)


def decode(codes: str) -> np.ndarray:
    return np.array([int(codes[i : i + 2], 16) for i in range(0, len(codes), 2)])


def colour_of(status: int, adoption: int) -> str:
    """The legend's colour, written out independently of canvas.palette."""
    if status == MembershipStatus.PROSPECT:
        rgb = (0.6, 0.6, 0.6)
    else:
        rgb = ADOPTION_COLOURS[AdoptionState(adoption)]
    r, g, b = (round(c * 255) for c in rgb)
    return f"rgba({r},{g},{b},{STATUS_ALPHA[MembershipStatus(status)]:g})"


@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 2), st.floats(-0.5, 1.5), st.booleans()),
        min_size=1,
        max_size=40,
    )
)
def test_a_code_carries_the_legends_colour_size_and_ring(people: list[Any]) -> None:
    status, adoption, engagement, highlight = (
        np.array(column) for column in zip(*people, strict=True)
    )
    codes = node_codes(status, adoption, engagement, highlight.astype(bool))
    assert ((codes >= 0) & (codes < 256)).all()  # two hex digits
    colours = palette()
    for code, s, a, e, h in zip(codes, status, adoption, engagement, highlight, strict=True):
        assert colours[code % RING] == colour_of(s, a)
        member = s in (MembershipStatus.ACTIVE, MembershipStatus.PASSIVE)
        assert (code % LEVEL >= RING) == (bool(h) and member)  # a dark ring
        level = code // LEVEL
        expected = 0 if s == MembershipStatus.PROSPECT else round(min(max(e, 0), 1) * 9)
        assert level == expected and level < SIZE_LEVELS  # size = engagement


def test_the_palette_is_one_colour_per_status_and_adoption() -> None:
    assert len(palette()) == RING == ADOPTIONS * len(MembershipStatus)


def test_a_session_sends_the_scene_once_and_codes_every_week() -> None:
    session = live.Session(baseline_cap=0)
    first = session.load(live.Source("small", SMALL.replace(steps=20), seed=3))
    model = session.model
    people = first.shown
    props = first.scene.props
    assert len(props["xy"]) == 2 * people and all(0 <= v <= 1 for v in props["xy"])
    edges = np.array(props["edges"]).reshape(-1, 2)
    assert len(first.ties) == len(edges) and edges.min() >= 0 and edges.max() < people
    assert "2" not in first.ties  # week 0: every tie is a founding one
    assert first.ties.count("1") == int((model.ties.strength > 0).sum())
    assert [label[2] for label in props["labels"]] == [f"org {k}" for k in range(1, 5)]

    frames = [session.step() for _ in range(8)]
    assert all(f is not None and f.scene is first.scene for f in frames)  # positions once
    last = frames[-1]
    assert last is not None
    m = model.members
    codes = decode(last.codes)
    assert codes.size == people
    np.testing.assert_array_equal(codes % ADOPTIONS, m.adoption[0])
    np.testing.assert_array_equal((codes % RING) // ADOPTIONS, m.status)
    present = model.ties.strength > 0
    new = present & (model.ties.formed_step == model.step_count)
    assert last.ties.count("2") == int(new.sum())
    assert last.ties.count("1") + last.ties.count("2") == int(present.sum())
    assert len({f.codes for f in frames}) > 1  # the colours move with the model

    session.reset()
    assert session.wait_idle()
    assert session.last.scene is not first.scene  # a new build sends its scene again
    session.close()


def wait_for(condition: Any, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_playing_redraws_the_slow_pictures_only_when_due_and_pausing_catches_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(live, "SLOW_PICTURES", 1e9)  # never due while playing
    frames: list[live.Frame] = []
    session = live.Session(publish=frames.append, baseline_cap=0)
    start = session.load(live.Source("small", SMALL, seed=3))
    session.set_speed(30)
    session.play()
    wait_for(lambda: session.last.step >= 6)
    session.pause()
    played = [f for f in frames if f.playing and f.step > 0]
    assert played and all(f.pictures_step == 0 for f in played)
    assert len({id(f.curves_png) for f in played}) == 1  # not redrawn, not resent
    assert len({f.codes for f in played}) > 1  # while the network moves every week
    paused = session.last
    assert not paused.playing and paused.pictures_step == paused.step
    assert paused.curves_png != played[0].curves_png and start.pictures_step == 0
    monkeypatch.setattr(live, "SLOW_PICTURES", 0.0)  # always due: every week drawn
    frames.clear()
    session.play()
    wait_for(lambda: session.last.step >= paused.step + 4)
    session.pause()
    assert all(f.pictures_step == f.step for f in frames)
    session.close()


def test_a_frame_of_a_large_model_sends_the_sample_only() -> None:
    params = Parameters(eligible_population=2_000, steps=4)
    model = netsim.build_model(params, seed=1)
    session = live.Session(baseline_cap=0)
    frame = session.load(live.Source("big", params, seed=1))
    assert frame.population == model.members.size == 2_000
    assert len(frame.codes) == 2 * frame.shown and frame.shown <= 800
    session.close()


def test_the_scene_is_sent_as_one_json_string() -> None:
    session = live.Session(baseline_cap=0)
    frame = session.load(live.Source("small", SMALL.replace(steps=4), seed=3))
    assert json.loads(frame.scene.text) == frame.scene.props
    session.close()


def test_only_a_frame_with_new_pictures_or_state_redraws_the_whole_live_view() -> None:
    session = live.Session(baseline_cap=0)
    shown = session.load(live.Source("small", SMALL.replace(steps=4), seed=3))
    playing = dataclasses.replace(shown, playing=True)
    week = dataclasses.replace(playing, step=1, codes="ff" * shown.shown)
    assert not live.same_page(None, week)
    assert not live.same_page(shown, week)  # play started: the buttons change
    assert live.same_page(playing, week)  # only the week and the network moved
    assert not live.same_page(playing, dataclasses.replace(week, pictures_step=1))
    assert not live.same_page(playing, dataclasses.replace(week, playing=False))  # paused
    assert not live.same_page(playing, dataclasses.replace(week, step=4))  # the last week
    shock = ((2, "event", 1.0),)
    assert not live.same_page(playing, dataclasses.replace(week, pending=shock))
    session.close()
