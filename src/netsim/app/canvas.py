"""The network as the browser draws it on a <canvas>: a scene once per model, codes per week.

A PNG of the network per played week costs the server a render and the browser about
100 KB; at 30 weeks a second that is most of what play costs. The page instead draws
the network itself (``network_canvas.vue``) from:

- a :class:`Scene`, sent once per model build: the sampled people's fixed positions
  (the same layout as :mod:`netsim.app.layout`), the candidate ties among them as index
  pairs, the organisation labels and the palette;
- per week, two short strings (:func:`week_codes`): one character pair per person
  (:func:`node_codes`, a number from 0 to 239 in hex) and one character per candidate
  tie (``0`` absent, ``1`` present, ``2`` formed this week).

A person's code packs what the legend names: colour = adoption state (grey for a
prospect), opacity = membership status, size = engagement (10 levels), a dark ring =
leader or champion who is a member. The palette is built from
:data:`~netsim.app.layout.ADOPTION_COLOURS` and :data:`~netsim.app.layout.STATUS_ALPHA`,
the colours the legend shows, so the two cannot drift apart. Nothing here imports Solara.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from netsim.app.layout import (
    ADOPTION_COLOURS,
    NEW_TIE_COLOUR,
    SIZE_MIN,
    SIZE_RANGE,
    STATUS_ALPHA,
    TIE_COLOUR,
    Layout,
    axis_extent,
    organisation_labels,
)
from netsim.model.state import AdoptionState, MembershipStatus

ADOPTIONS = len(AdoptionState)
STATUSES = len(MembershipStatus)
SIZE_LEVELS = 10
"""Engagement in [0, 1] is drawn at one of this many sizes (0, 1/9, ..., 1)."""
RING = ADOPTIONS * STATUSES
"""Added to a code when the person is a leader or champion who is a member (dark ring)."""
LEVEL = 2 * RING
"""A code's size level is ``code // LEVEL``."""
FIGURE_POINTS = 4.6 * 72
"""The side of the drawing in points (the PNG network was a 4.6 in figure): marker areas
(:data:`SIZE_MIN`, :data:`SIZE_RANGE`, points^2) and line widths scale from it."""


def _rgba(rgb: tuple[float, float, float], alpha: float) -> str:
    r, g, b = (round(c * 255) for c in rgb)
    return f"rgba({r},{g},{b},{alpha:g})"


def palette() -> list[str]:
    """CSS colour of each ``adoption + ADOPTIONS x status`` (prospects grey whatever the idea)."""
    colours = []
    for status in MembershipStatus:
        for adoption in AdoptionState:
            rgb = (
                (0.6, 0.6, 0.6)
                if status == MembershipStatus.PROSPECT
                else ADOPTION_COLOURS[adoption]
            )
            colours.append(_rgba(rgb, STATUS_ALPHA[status]))
    return colours


@dataclass(frozen=True, eq=False)
class Scene:
    """What the canvas needs once per model build (compared by identity: one per build)."""

    generation: int
    props: dict[str, Any]
    """What the canvas reads: ``xy`` (flat x, y per sampled person, 0-1 of the drawing, y down),
    ``edges`` (flat local index pairs of the candidate ties), ``labels`` ([x, y, text]),
    ``palette``, ``sizes`` (marker radius per size level, as a share of the side),
    ``lines`` (tie, new tie, ring widths as shares of the side) and ``colours``."""
    text: str = field(init=False)
    """``props`` as JSON: what is sent. One string, because the page's renderer (reacton)
    walks every list and dict it is handed for child elements, each render: the positions
    and ties as lists cost more than everything else a played week does."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", json.dumps(self.props, separators=(",", ":")))


def scene(
    generation: int,
    layout: Layout,
    sample: np.ndarray,
    sample_edges: np.ndarray,
    edge_u: np.ndarray,
    edge_v: np.ndarray,
) -> Scene:
    """The canvas scene of a model build: ``sample`` people, the ``sample_edges`` among them."""
    extent = axis_extent(layout)
    local = np.full(layout.xy.shape[0], -1, np.int64)
    local[sample] = np.arange(sample.size)
    xy = (layout.xy[sample] + extent) / (2 * extent)
    xy[:, 1] = 1.0 - xy[:, 1]  # the canvas counts y downwards
    edges = np.column_stack([local[edge_u[sample_edges]], local[edge_v[sample_edges]]])
    labels = [
        [round((x + extent) / (2 * extent), 4), round(1 - (y + extent) / (2 * extent), 4), text]
        for x, y, text in organisation_labels(layout)
    ]
    point = 1.0 / FIGURE_POINTS
    areas = SIZE_MIN + SIZE_RANGE * np.arange(SIZE_LEVELS) / (SIZE_LEVELS - 1)
    return Scene(
        generation,
        {
            "xy": np.round(xy, 4).ravel().tolist(),
            "edges": edges.ravel().tolist(),
            "labels": labels,
            "palette": palette(),
            "sizes": np.round(np.sqrt(areas / np.pi) * point, 5).tolist(),
            "lines": [0.5 * point, 1.6 * point, 0.9 * point],
            "colours": [
                _rgba(TIE_COLOUR[:3], TIE_COLOUR[3]),
                _rgba(NEW_TIE_COLOUR[:3], 0.95),
                "rgba(26,26,26,0.9)",
                "rgb(115,115,115)",
            ],
        },
    )


def node_codes(
    status: np.ndarray, adoption: np.ndarray, engagement: np.ndarray, highlight: np.ndarray
) -> np.ndarray:
    """Each person's code (0-239): adoption + 3 x status + RING if ringed + LEVEL x size level.

    Prospects are drawn at the smallest size and never ringed, as in the PNG network.
    """
    st = status.astype(np.int64)
    prospect = st == MembershipStatus.PROSPECT
    level = np.rint(np.clip(engagement, 0.0, 1.0) * (SIZE_LEVELS - 1)).astype(np.int64)
    level[prospect] = 0
    ring = highlight & ((st == MembershipStatus.ACTIVE) | (st == MembershipStatus.PASSIVE))
    return adoption.astype(np.int64) + ADOPTIONS * st + RING * ring + LEVEL * level


_HEX = np.array([f"{k:02x}" for k in range(256)])


def week_codes(model: Any, sample: np.ndarray, sample_edges: np.ndarray) -> tuple[str, str]:
    """This week's ``(codes, ties)`` strings for the canvas, from a live model's arrays."""
    m, ties = model.members, model.ties
    codes = node_codes(
        m.status[sample],
        m.adoption[0][sample],
        m.engagement[sample],
        (m.leader | m.champion)[sample],
    )
    state = (ties.strength[sample_edges] > 0).astype(np.int64)
    step = model.step_count
    if step > 0:  # at week 0 every tie is a founding one, none is new
        state[(state == 1) & (ties.formed_step[sample_edges] == step)] = 2
    return "".join(_HEX[codes]), "".join(np.array(["0", "1", "2"])[state])
