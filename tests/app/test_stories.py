"""The stories a room is offered first: the file is valid, the page opens with the first,
and every story's run does what its line says (the first one visibly spreads)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from netsim import api
from netsim.app import session as live
from netsim.app.stories import OUTCOMES, STORIES_FILE, Story, load_stories
from netsim.config.scenarios import ScenarioError

STORIES = load_stories()


def story_table(story: Story) -> pd.DataFrame:
    """The story played to its horizon through the page's own session (shocks pressed by it)."""
    session = live.Session(baseline_cap=0)
    session.load(live.story_source(story))
    session.step(story.scenario.parameters.steps)
    table: pd.DataFrame = session.model.table()
    session.close()
    return table


def unshocked_table(story: Story) -> pd.DataFrame:
    """The same scenario and seed without the story's shocks (the page's grey ghost)."""
    model = api.build_model(story.scenario.parameters, seed=story.seed)
    for _ in range(story.scenario.parameters.steps):
        model.step()
    table: pd.DataFrame = model.table()
    return table


def test_the_stories_file_holds_several_stories_with_one_line_each() -> None:
    assert len(STORIES) >= 5
    assert {s.outcome for s in STORIES} == set(OUTCOMES)
    for story in STORIES:
        assert story.line and "\n" not in story.line and len(story.line) < 220, story.title


def test_the_page_opens_with_the_first_story(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NETSIM_APP_SCENARIO", raising=False)
    source, key, error = live.initial_source()
    first = STORIES[0]
    assert (source.seed, source.shocks, source.story, error) == (
        first.seed,
        first.shocks,
        first.line,
        "",
    )
    assert key == live.story_key(first.scenario)
    assert source.parameters == first.scenario.parameters


def test_the_first_story_visibly_spreads() -> None:
    """What a room sees first: adoption rises within the first year and ends above half."""
    first = STORIES[0]
    assert first.outcome == "spreads"
    adoption = story_table(first)["adoption_share"].to_numpy()
    assert adoption[52] >= adoption[0] + 0.1, adoption[:53]
    assert adoption[-1] >= 0.5
    assert np.all(np.diff(adoption[::13]) > -0.02)  # quarter by quarter it does not fall back


@pytest.mark.parametrize("story", STORIES[1:], ids=[s.title for s in STORIES[1:]])
def test_each_story_does_what_its_line_says(story: Story) -> None:
    table = story_table(story)
    adoption = table["adoption_share"].to_numpy()
    eligible = story.scenario.parameters.eligible_population
    if story.outcome == "spreads":
        assert adoption[-1] > 0.5
    elif story.outcome == "fizzles":
        assert table["active"].to_numpy()[-1] < 0.1 * eligible
    else:
        first_week = story.shocks[0][0]
        without = unshocked_table(story)["adoption_share"].to_numpy()
        assert adoption[first_week:].mean() <= without[first_week:].mean() - 0.1


def test_the_session_presses_a_storys_shocks_at_their_week() -> None:
    story = next(s for s in STORIES if s.shocks)
    week, action, amount = story.shocks[0]
    session = live.Session(baseline_cap=0)
    frame = session.load(live.story_source(story))
    assert frame.planned == story.shocks and frame.story == story.line
    frame = session.step(week - 1)
    assert frame is not None and frame.planned == story.shocks and not frame.interventions
    frame = session.step(1)
    assert frame is not None and frame.planned == ()
    assert frame.interventions == ((week, action, amount),)
    session.close()


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "stories.toml"
    path.write_text(text)
    return path


GOOD = 'title = "t"\nline = "l"\nscenario = "default"\nseed = 1\noutcome = "spreads"\n'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[[story]]\n" + GOOD.replace('"default"', '"../secret"'), "story 1 scenario: allowed"),
        (
            "[[story]]\n" + GOOD.replace('"default"', '"no_such"'),
            "scenario: 'no_such' is not a",
        ),
        ("[[story]]\n" + GOOD.replace("seed = 1", "seed = -1"), "story 1 seed: must be"),
        ("[[story]]\n" + GOOD.replace("spreads", "soars"), "story 1 outcome: 'soars'"),
        ("[[story]]\n" + GOOD.replace("spreads", "lags"), "story 1 outcome: 'lags'"),
        ("[[story]]\n" + GOOD + "colour = 1\n", "story 1 colour: unknown key"),
        ("[[story]]\n" + GOOD + "shocks = [{week = 999, action = 'event'}]\n", "horizon"),
        ("[[story]]\n" + GOOD + "shocks = [{week = 3, action = 'party'}]\n", "story 1 shocks"),
        (f"[[story]]\n{GOOD}[[story]]\n{GOOD}", "title: 't' is given twice"),
        ("title = 'x'\n", "must hold [[story]] tables"),
    ],
)
def test_a_bad_stories_file_gives_one_line(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ScenarioError) as err:
        load_stories(write(tmp_path, text))
    message = str(err.value)
    assert expected in message and "\n" not in message, message


def test_the_stories_file_ships_beside_the_module() -> None:
    assert STORIES_FILE.is_file() and STORIES_FILE.parent.name == "app"
