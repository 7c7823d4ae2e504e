"""What the browser view draws, and where: the network layout, sampling and the pictures.

The layout is computed once per model build from the organisation codes and
the people's indices only, never from the ties or the state, so nobody moves
while the network changes under them (a spring layout per frame would make the
picture swim and cost more than the model step):

- organisations sit evenly around a circle (the first at the top, clockwise);
- each organisation's people fill a disc around its anchor on a sunflower
  (Vogel) spiral in index order, the disc's area proportional to its headcount.

Large populations are drawn through a fixed, deterministic sample
(:func:`sample_people`), stratified by organisation; only ties among sampled
people are drawn. The browser draws the network itself from these positions
(:mod:`netsim.app.canvas`); :class:`Figures` draws the curves and the 5C wheel into
PNGs for the browser view's session (:mod:`netsim.app.session`) by updating kept
matplotlib artists. Nothing here imports Solara.
"""

from __future__ import annotations

import io
import math
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.image import imsave

from netsim.config.outcomes import FIVE_C
from netsim.model.state import AdoptionState, MembershipStatus
from netsim.present.plots import LABELS, STATUS_COLOURS

GOLDEN_ANGLE = math.pi * (3.0 - math.sqrt(5.0))
"""Angle between successive points of a sunflower spiral (about 137.5 degrees)."""
DRAW_LIMIT = 800
"""Most people drawn at once; larger populations are drawn through a fixed sample."""

ADOPTION_COLOURS = {
    AdoptionState.NOT_ADOPTED: (0.26, 0.52, 0.78),  # blue: has not adopted the idea
    AdoptionState.ADOPTED: (0.90, 0.38, 0.0),  # orange: holds the idea
    AdoptionState.DROPPED: (0.50, 0.40, 0.65),  # purple: adopted, then dropped it
}
STATUS_ALPHA = {
    MembershipStatus.PROSPECT: 0.10,  # faint: eligible, never joined
    MembershipStatus.ACTIVE: 0.90,
    MembershipStatus.PASSIVE: 0.55,
    MembershipStatus.LAPSED: 0.18,  # faded: left the network
}
SIZE_MIN, SIZE_RANGE = 6.0, 70.0
"""Marker area in points^2: SIZE_MIN + SIZE_RANGE x engagement (prospects at SIZE_MIN)."""


@dataclass(frozen=True, slots=True)
class Layout:
    """Fixed positions of every person (``xy``, shape (N, 2)) and of each organisation."""

    xy: np.ndarray
    organisations: np.ndarray
    """The distinct organisation codes, in anchor order."""
    anchors: np.ndarray
    """Anchor of each organisation (shape (K, 2)), on the unit circle (the centre if K = 1)."""
    radii: np.ndarray
    """Radius of each organisation's disc."""


def organisation_anchors(count: int) -> np.ndarray:
    """``count`` points evenly spaced on the unit circle, the first at the top, clockwise."""
    if count < 1:
        return np.zeros((0, 2))
    if count == 1:
        return np.zeros((1, 2))
    angle = math.pi / 2 - 2 * math.pi * np.arange(count) / count
    return np.column_stack([np.cos(angle), np.sin(angle)])


def rank_within_groups(groups: np.ndarray) -> np.ndarray:
    """For each item, how many earlier items (by index) share its group (0, 1, 2, ...)."""
    groups = np.asarray(groups)
    order = np.argsort(groups, kind="stable")
    sorted_groups = groups[order]
    starts = np.flatnonzero(np.r_[True, sorted_groups[1:] != sorted_groups[:-1]])
    lengths = np.diff(np.r_[starts, groups.size])
    rank_sorted = np.arange(groups.size) - np.repeat(starts, lengths)
    rank = np.empty(groups.size, np.int64)
    rank[order] = rank_sorted
    return rank


def member_layout(organisation: np.ndarray) -> Layout:
    """Positions of every person: organisations around a circle, people in a disc around each.

    Depends only on ``organisation`` (codes per person index): the same codes give
    the same layout, whatever the ties, statuses or random seed.
    """
    organisation = np.asarray(organisation)
    codes, which, sizes = np.unique(organisation, return_inverse=True, return_counts=True)
    k = codes.size
    anchors = organisation_anchors(k)
    # discs of neighbouring anchors must not overlap: radius < half the chord between them
    largest = 0.92 * math.sin(math.pi / k) if k > 1 else 1.0
    radii = largest * np.sqrt(sizes / max(int(sizes.max(initial=1)), 1))
    rank = rank_within_groups(which)
    size = sizes[which]
    r = radii[which] * np.sqrt((rank + 0.5) / size)
    theta = rank * GOLDEN_ANGLE
    xy = anchors[which] + np.column_stack([r * np.cos(theta), r * np.sin(theta)])
    return Layout(xy=xy, organisations=codes, anchors=anchors, radii=radii)


def sample_people(organisation: np.ndarray, limit: int = DRAW_LIMIT) -> np.ndarray:
    """Sorted indices of at most ``limit`` people, spread evenly over organisations.

    Everyone if the population fits. Otherwise each organisation keeps a share of
    ``limit`` in proportion to its headcount (at least one person), taken at
    evenly spaced ranks within it: deterministic, no random numbers.
    """
    organisation = np.asarray(organisation)
    n = organisation.size
    if n <= limit:
        return np.arange(n)
    _codes, which, sizes = np.unique(organisation, return_inverse=True, return_counts=True)
    quota = np.maximum(1, np.floor(sizes * limit / n)).astype(np.int64)
    # hand out what flooring left over to the largest remainders, stay within the limit
    spare = limit - int(quota.sum())
    if spare > 0:
        remainder = sizes * limit / n - np.floor(sizes * limit / n)
        quota[np.argsort(-remainder, kind="stable")[:spare]] += 1
    quota = np.minimum(quota, sizes)
    rank = rank_within_groups(which)
    q = quota[which]
    s = sizes[which]
    # person of rank r is kept when a multiple of s/q falls in [r, r+1): floor(r*q/s) steps up
    keep = (rank * q) // s != ((rank - 1) * q) // s
    keep |= rank == 0
    chosen = np.flatnonzero(keep)
    if chosen.size > limit:  # only when many tiny organisations each claim their one person
        chosen = chosen[np.linspace(0, chosen.size - 1, limit).round().astype(np.int64)]
    return chosen


def edges_within(sample: np.ndarray, edge_u: np.ndarray, edge_v: np.ndarray, n: int) -> np.ndarray:
    """Ids of the edges whose two ends are both in ``sample`` (of a population of ``n``)."""
    inside = np.zeros(n, bool)
    inside[sample] = True
    return np.flatnonzero(inside[edge_u] & inside[edge_v])


def axis_extent(layout: Layout) -> float:
    """Half the side of the square the network is drawn in, centred on 0 (a margin for the
    organisation labels around the people)."""
    extent = float(np.max(np.abs(layout.xy))) if layout.xy.size else 1.0
    return extent + 0.12 * extent + 0.05


def organisation_labels(layout: Layout) -> list[tuple[float, float, str]]:
    """(x, y, "org N") just outside each organisation's disc; none for 1 or over 24 of them
    (one needs no label, many would overlap)."""
    k = layout.anchors.shape[0]
    if not 1 < k <= 24:
        return []
    labels = []
    for code, anchor, radius in zip(
        layout.organisations, layout.anchors, layout.radii, strict=True
    ):
        where = anchor * (1.0 + (radius + 0.06) / max(np.hypot(*anchor), 1e-9))
        labels.append((float(where[0]), float(where[1]), f"org {int(code) + 1}"))
    return labels


# --- the pictures -----------------------------------------------------------------------------

DPI = 96
TIE_COLOUR = (0.45, 0.45, 0.45, 0.35)
NEW_TIE_COLOUR = (0.84, 0.10, 0.18, 0.95)
GHOST_COLOUR = "0.82"
MARKER_COLOUR = "#b2182b"
ACTION_LABELS = {
    "leader_leaves": "leader leaves",
    "funding_cut": "funding cut",
    "funding_set": "funding set",
    "priority_added": "priority added",
    "champions_recruited": "champions recruited",
    "event": "event",
}
CURVE_PANELS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Members by status", "people", ("active", "passive", "lapsed")),
    ("Adoption and funding", "share / level (0-1)", ("adoption_share", "funding")),
    ("Engagement and trust", "mean over members (0-1)", ("mean_engagement", "mean_trust")),
)
"""The curves' panels: (title, y label, per-step table columns). Funding (the level the
network has this week, 0-1: ``funding`` in the per-step table) shares the adoption panel, so
a cliff and what adoption does after it are read on one axis."""
CURVE_LABELS = {
    **LABELS,
    "adoption_share": "adoption",
    "funding": "funding",
    "mean_engagement": "engagement",
    "mean_trust": "trust",
}
"""Short legend entries: the panel's title and y label say what is measured and in what."""
CURVE_COLOURS = {
    **STATUS_COLOURS,
    "adoption_share": ADOPTION_COLOURS[AdoptionState.ADOPTED],
    "funding": "#386cb0",
    "mean_engagement": "#e7298a",
    "mean_trust": "#66a61e",
}
CURVE_STYLES = {"funding": "--"}
FONT = {"title": 13, "label": 11, "tick": 10, "legend": 10, "marker": 10, "org": 9}
"""Font sizes in points at the figures' 96 dpi: read from the back of a room at 1280x720."""
_RENDER_LOCK = threading.Lock()
"""matplotlib shares caches between figures: draw one figure at a time, whichever session."""


def png_bytes(canvas: FigureCanvasAgg) -> bytes:
    """The canvas as it was last drawn, as PNG (fast compression: speed beats bytes here)."""
    buffer = io.BytesIO()
    imsave(
        buffer,
        np.asarray(canvas.buffer_rgba()),
        format="png",
        pil_kwargs={"compress_level": 1},
    )
    return buffer.getvalue()


def _nice_ceiling(value: float) -> float:
    """The next round number (1, 1.5, 2, 3, 4, 5, 6, 8 x 10^k) at or above ``value``; >= 10."""
    value = max(value, 10.0)
    base = 10.0 ** math.floor(math.log10(value))
    return next(m * base for m in (1, 1.5, 2, 3, 4, 5, 6, 8, 10) if m * base >= value)


class Figures:
    """One session's three figures, kept and updated in place.

    Each figure draws its static parts (organisation labels; axes, labels,
    legends, the ghost and the intervention markers) only when those change,
    caches that background, and per frame pastes it back and draws the live
    artists on top (blitting on the Agg canvas): text is the slow part of a
    matplotlib draw, and it hardly ever changes.
    """

    def __init__(self) -> None:
        self.curves = Figure(figsize=(9.6, 3.8), dpi=DPI)
        self._curves_canvas = FigureCanvasAgg(self.curves)
        axes = self.curves.subplots(1, 3)
        self._curve_axes = list(axes)
        self._live: list[tuple[Any, Any, str]] = []
        self._ghosts: list[tuple[Any, str]] = []
        for ax, (title, ylabel, columns) in zip(axes, CURVE_PANELS, strict=True):
            for column in columns:
                (ghost,) = ax.plot(
                    [], [], color=GHOST_COLOUR, ls=CURVE_STYLES.get(column, "-"), lw=2.6, zorder=1
                )
                (line,) = ax.plot(
                    [],
                    [],
                    color=CURVE_COLOURS[column],
                    ls=CURVE_STYLES.get(column, "-"),
                    lw=2.2,
                    label=CURVE_LABELS[column],
                    zorder=3,
                )
                line.set_animated(True)
                self._ghosts.append((ghost, column))
                self._live.append((ax, line, column))
            ax.set_title(title, fontsize=FONT["title"])
            ax.set_ylabel(ylabel, fontsize=FONT["label"])
            ax.set_xlabel("week", fontsize=FONT["label"], labelpad=1)
            ax.tick_params(labelsize=FONT["tick"])
            # below the axes: shock labels sit at the top inside, so the two never collide
            ax.legend(
                loc="upper center",
                bbox_to_anchor=(0.5, -0.19),
                ncol=len(columns),
                fontsize=FONT["legend"],
                frameon=False,
                handlelength=1.6,
                columnspacing=1.0,
            )
            if ax is not axes[0]:
                ax.set_ylim(0, 1.02)
        self.curves.subplots_adjust(left=0.07, right=0.99, bottom=0.30, top=0.91, wspace=0.34)
        self._markers: list[Any] = []
        self._markers_drawn = 0
        self._status_top = 0.0
        self._curves_bg: Any = None

        self.wheel = Figure(figsize=(4.1, 3.5), dpi=DPI)
        self._wheel_canvas = FigureCanvasAgg(self.wheel)
        wax = self.wheel.add_subplot(projection="polar")
        self._wheel_ax = wax
        self._angles = np.linspace(0, 2 * np.pi, len(FIVE_C), endpoint=False)
        closed = np.append(self._angles, self._angles[0])
        (self._wheel_ghost,) = wax.plot(closed, np.zeros(closed.size), color=GHOST_COLOUR, lw=2.2)
        (self._wheel_line,) = wax.plot(closed, np.zeros(closed.size), color="#1b9e77", lw=2)
        (self._wheel_fill,) = wax.fill(closed, np.zeros(closed.size), color="#1b9e77", alpha=0.18)
        for part in (self._wheel_ghost, self._wheel_line, self._wheel_fill):
            part.set_animated(True)
        wax.set_xticks(self._angles)
        wax.set_xticklabels(
            [LABELS[c].replace(" ", "\n", 1) for c in FIVE_C], fontsize=FONT["label"]
        )
        wax.set_ylim(0, 1)
        wax.set_yticks([0.25, 0.5, 0.75, 1.0])
        wax.set_yticklabels(["", "0.5", "", "1"], fontsize=FONT["tick"], color="grey")
        wax.set_title("5C wheel", fontsize=FONT["title"], pad=18)
        self.wheel.subplots_adjust(left=0.22, right=0.78, bottom=0.13, top=0.82)
        self._wheel_bg: Any = None
        self._ghost: pd.DataFrame | None = None

    # --- state changes that need a full redraw of the static parts -------------------
    def reset(self, horizon: int) -> None:
        """A new model: fit the curves to its horizon, clear ghost and markers."""
        for ax in self._curve_axes:
            ax.set_xlim(0, max(horizon, 1))
        for marker in self._markers:
            marker.remove()
        self._markers = []
        self._markers_drawn = 0
        self._status_top = 0.0
        self.set_ghost(None)

    def set_ghost(self, table: pd.DataFrame | None) -> None:
        """The comparison run drawn in light grey (None: none)."""
        self._ghost = table
        for line, column in self._ghosts:
            if table is None:
                line.set_data([], [])
            else:
                line.set_data(table["step"].to_numpy(), table[column].to_numpy())
        self._curves_bg = None

    # --- one frame -----------------------------------------------------------------------
    def render(
        self, table: pd.DataFrame, interventions: tuple[tuple[int, str, float], ...]
    ) -> tuple[bytes, bytes]:
        """PNGs of the curves and the wheel for the model's current state (the network is
        drawn by the browser: :mod:`netsim.app.canvas`)."""
        with _RENDER_LOCK:
            return self._render_curves(table, interventions), self._render_wheel(table)

    def _render_curves(
        self, table: pd.DataFrame, interventions: tuple[tuple[int, str, float], ...]
    ) -> bytes:
        steps = table["step"].to_numpy()
        for _ax, line, column in self._live:
            line.set_data(steps, table[column].to_numpy())
        status = ["active", "passive", "lapsed"]
        peak = float(table[status].to_numpy().max(initial=0))
        if self._ghost is not None:
            peak = max(peak, float(self._ghost[status].to_numpy().max(initial=0)))
        if peak > 0.92 * self._status_top or self._status_top == 0:
            self._status_top = _nice_ceiling(1.2 * peak)
            self._curve_axes[0].set_ylim(0, self._status_top)
            self._curves_bg = None
        if len(interventions) > self._markers_drawn:
            for marker in self._markers:
                marker.remove()
            self._markers = []
            horizon = float(self._curve_axes[0].get_xlim()[1])
            for step in sorted({int(s) for s, _, _ in interventions}):
                for ax in self._curve_axes:
                    self._markers.append(ax.axvline(step, color=MARKER_COLOUR, lw=1, ls="--"))
            for step, text, side in marker_placements(interventions, horizon):
                self._markers.append(
                    self._curve_axes[1].annotate(
                        text,
                        xy=(step, 0.98),
                        xycoords=("data", "axes fraction"),
                        xytext=(-2 if side == "left" else 2, 0),
                        textcoords="offset points",
                        rotation=90,
                        ha="right" if side == "left" else "left",
                        va="top",
                        fontsize=FONT["marker"],
                        color=MARKER_COLOUR,
                    )
                )
            self._markers_drawn = len(interventions)
            self._curves_bg = None
        canvas = self._curves_canvas
        if self._curves_bg is None:
            canvas.draw()
            self._curves_bg = canvas.copy_from_bbox(self.curves.bbox)
        else:
            canvas.restore_region(self._curves_bg)
        for ax, line, _column in self._live:
            ax.draw_artist(line)
        return png_bytes(canvas)

    def _render_wheel(self, table: pd.DataFrame) -> bytes:
        row = table.iloc[-1]
        values = np.array([float(row[c]) for c in FIVE_C])
        closed_angles = np.append(self._angles, self._angles[0])
        closed = np.append(values, values[0])
        self._wheel_line.set_data(closed_angles, closed)
        self._wheel_fill.set_xy(np.column_stack([closed_angles, closed]))
        ghost_values = None
        if self._ghost is not None and len(self._ghost):
            step = int(row["step"])
            rows = self._ghost[self._ghost["step"] == step]
            if len(rows):
                ghost_values = np.array([float(rows.iloc[0][c]) for c in FIVE_C])
        if ghost_values is None:
            self._wheel_ghost.set_data([], [])
        else:
            self._wheel_ghost.set_data(closed_angles, np.append(ghost_values, ghost_values[0]))
        canvas = self._wheel_canvas
        if self._wheel_bg is None:
            canvas.draw()
            self._wheel_bg = canvas.copy_from_bbox(self.wheel.bbox)
        else:
            canvas.restore_region(self._wheel_bg)
        for artist in (self._wheel_ghost, self._wheel_fill, self._wheel_line):
            self._wheel_ax.draw_artist(artist)
        return png_bytes(canvas)


MARKER_NEAR = 0.06
"""Shocks closer than this share of the horizon have their labels on alternate sides."""


def marker_placements(
    interventions: tuple[tuple[int, str, float], ...], horizon: float
) -> list[tuple[int, str, str]]:
    """Where the curves label the shocks: (week, text, 'left' or 'right' of the line).

    Shocks of the same week share one label ('leader leaves, event'), and a label close to
    the one before it (within :data:`MARKER_NEAR` of the horizon) goes on the other side of
    its line, so two labels never print over each other.
    """
    by_week: dict[int, list[str]] = {}
    for step, action, amount in interventions:
        text = marker_label(action, amount)
        if text not in by_week.setdefault(int(step), []):
            by_week[int(step)].append(text)
    placed: list[tuple[int, str, str]] = []
    for week in sorted(by_week):
        side = "left"
        if placed and week - placed[-1][0] < MARKER_NEAR * max(horizon, 1.0):
            side = "right" if placed[-1][2] == "left" else "left"
        placed.append((week, ", ".join(by_week[week]), side))
    return placed


def marker_label(action: str, amount: float) -> str:
    """'leader leaves', 'funding cut to 0', 'champions recruited (3)'..."""
    label = ACTION_LABELS.get(action, action.replace("_", " "))
    if action in ("funding_cut", "funding_set"):
        return f"{label} to {amount:g}"
    if action in ("priority_added", "champions_recruited"):
        return f"{label} ({amount:g})"
    if action == "event" and amount != 1:
        return f"{label} ({amount:.0%} attend)"
    if action == "leader_leaves" and amount != 1:
        return f"{label} ({amount:.0%})"
    return label
