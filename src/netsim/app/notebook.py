"""The browser view in a Jupyter notebook: ``netsim.app.show(...)``.

The page is a Solara component, and a Solara element displays itself in Jupyter (as the
last expression of a cell, or with ``display``), so the notebook gets the same page the
server serves: stories, knobs, play, shocks, replay. Nothing is drawn twice; this module
only checks what the caller asked for, so that a wrong name or seed is one error in the
cell rather than a message inside the page.
"""

from __future__ import annotations

from typing import Any

from netsim.app.page import Page
from netsim.app.session import page_seed
from netsim.config.scenarios import named_scenario


def show(scenario: str | None = None, *, seed: int | None = None, room: bool = False) -> Any:
    """The live view as a notebook cell's output.

    ``scenario``: a library scenario's name (``netsim scenarios`` lists them); None opens
    the first story, a default whose idea spreads. ``seed``: 0 to 2**63 - 1 (None: the
    scenario's or story's own). ``room``: the projector layout (network, 5C wheel and
    curves on one screen). Raises ScenarioError or PageLimitError (one line) for a name or
    seed the page would refuse.
    """
    if scenario is not None:
        named_scenario(scenario)  # an unknown name is the caller's error, not the page's
    if seed is not None:
        page_seed(seed)
    return Page(opening_scenario=scenario, opening_seed=seed, room_view=room)
