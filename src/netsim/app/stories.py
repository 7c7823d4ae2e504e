"""Stories for a room: the (scenario, seed, shocks) the browser view opens with and offers first.

A trainer in front of a room needs a first screen that shows something happen, and a
short list of others that each show one thing the seeds describe (tipping past critical
mass, a funding cliff, a leader leaving, fizzle-out). Stories are data, in
``stories.toml`` beside this module, read and checked here (no Solara, so tests and the
page read them alike):

- ``scenario`` is a library scenario's name (or ``default``), never a path;
- ``seed`` is the run's seed (0 to 2**63 - 1), chosen so the run shows what ``line`` says;
- ``shocks`` are ``{week, action, amount}`` that the page presses itself at their week (as
  a trainer's click would), so the grey ghost is the same run without them;
- ``outcome`` is what the run does (:data:`OUTCOMES`); ``tests/app/test_stories.py`` runs
  every story and checks it, so a model change that breaks a story's line fails a test.

The first story is the one the page opens with.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from netsim.config.parameters import ParameterError, TimelineEvent
from netsim.config.scenarios import (
    DEFAULT_NAME,
    Scenario,
    ScenarioError,
    default_scenario,
    library_dir,
    library_reference,
    load_scenario,
)
from netsim.errors import excerpt

STORIES_FILE = Path(__file__).with_name("stories.toml")
OUTCOMES = ("spreads", "fizzles", "lags")
"""What a story's run does: ``spreads`` (adoption ends above half the eligible), ``fizzles``
(active members end below a tenth of the eligible), ``lags`` (its shocks leave the mean
adoption after the first shock at least 0.1 below the same run without them)."""
STORY_KEYS = ("title", "line", "scenario", "seed", "shocks", "outcome")
SHOCK_KEYS = ("week", "action", "amount")
MAX_SEED = 2**63 - 1


@dataclass(frozen=True, slots=True)
class Story:
    """One story: a library scenario, a seed, the shocks pressed at their week, one line."""

    title: str
    line: str
    """What the room will see, in one sentence."""
    scenario: Scenario
    seed: int
    shocks: tuple[tuple[int, str, float], ...]
    """(week, timeline action, amount), pressed by the page so they act at that week."""
    outcome: str


def load_stories(path: Path = STORIES_FILE) -> tuple[Story, ...]:
    """Every story in ``path``, checked (a one-line ScenarioError naming the story and field)."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise ScenarioError(path, f"cannot be read: {err}") from None
    entries = document.get("story")
    if set(document) != {"story"} or not isinstance(entries, list) or not entries:
        raise ScenarioError(path, "must hold [[story]] tables and nothing else", field="story")
    stories = tuple(_story(path, i + 1, entry) for i, entry in enumerate(entries))
    titles = [s.title for s in stories]
    for title in titles:
        if titles.count(title) > 1:
            raise ScenarioError(path, f"{excerpt(title)} is given twice", field="title")
    return stories


def _story(path: Path, number: int, entry: Any) -> Story:
    def wrong(field: str, message: str) -> ScenarioError:
        return ScenarioError(path, message, field=f"story {number} {field}")

    if not isinstance(entry, dict):
        raise wrong("", "must be a table")
    unknown = sorted(set(entry) - set(STORY_KEYS))
    if unknown:
        raise wrong(unknown[0], f"unknown key; allowed: {', '.join(STORY_KEYS)}")
    for key in ("title", "line"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise wrong(key, "must be text")
    name = library_reference(entry.get("scenario"))
    if name is None:
        raise wrong("scenario", f"allowed: a library scenario's name or {DEFAULT_NAME!r}")
    path_of = library_dir() / f"{name}.toml"
    if name != DEFAULT_NAME and not path_of.is_file():
        raise wrong(
            "scenario", f"{excerpt(name)} is not a library scenario (see `netsim scenarios`)"
        )
    scenario = default_scenario() if name == DEFAULT_NAME else load_scenario(path_of)
    seed = entry.get("seed")
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise wrong("seed", "must be a whole number from 0 to 2**63 - 1")
    outcome = entry.get("outcome")
    if outcome not in OUTCOMES:
        raise wrong("outcome", f"{excerpt(outcome)}; allowed: one of {', '.join(OUTCOMES)}")
    raw = entry.get("shocks", [])
    if not isinstance(raw, list):
        raise wrong("shocks", "must be a list of {week, action, amount}")
    shocks = []
    for shock in raw:
        if not isinstance(shock, dict) or not set(shock) <= set(SHOCK_KEYS):
            raise wrong("shocks", f"each must be a table of {', '.join(SHOCK_KEYS)}")
        week: Any = shock.get("week")
        action: Any = shock.get("action")
        try:
            event = TimelineEvent(step=week, action=action, amount=shock.get("amount", 1.0))
        except ParameterError as err:
            raise wrong("shocks", str(err)) from None
        if event.step > scenario.parameters.steps:
            raise wrong("shocks", f"week {event.step} is past the scenario's horizon")
        shocks.append((int(event.step), str(event.action), float(event.amount)))
    if outcome == "lags" and not shocks:
        raise wrong("outcome", "'lags' compares with the run without shocks: give shocks")
    return Story(
        entry["title"].strip(),
        " ".join(entry["line"].split()),
        scenario,
        seed,
        tuple(sorted(shocks)),
        outcome,
    )
