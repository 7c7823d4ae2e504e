"""Figures drawn from result tables only (never from a live model).

Column names are snake_case identifiers; human labels live here.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from netsim.metrics import FIVE_C

LABELS = {
    "active": "active",
    "passive": "passive",
    "lapsed": "lapsed",
    "prospects": "prospects",
    "adoption_share": "adoption (share of eligible population)",
    "member_adoption_share": "adoption (share of members)",
    "mean_engagement": "mean engagement",
    "mean_trust": "mean trust",
    "common_purpose": "common purpose",
    "cooperative_structure": "cooperative structure",
    "critical_mass": "critical mass",
    "collective_intelligence": "collective intelligence",
    "community_building": "community building",
}
STATUS_COLOURS = {"active": "#1b9e77", "passive": "#d95f02", "lapsed": "#7570b3"}


def run_curves(table: pd.DataFrame, title: str = "") -> Figure:
    """Four panels: members by status, adoption, engagement and trust, the 5C indices."""
    fig, axes = plt.subplots(2, 2, figsize=(11, 7), sharex=True)
    step = table["step"]
    ax = axes[0, 0]
    for column, colour in STATUS_COLOURS.items():
        ax.plot(step, table[column], label=LABELS[column], color=colour)
    ax.set_ylabel("people")
    ax.set_title("Members by status")
    ax.legend(frameon=False)

    ax = axes[0, 1]
    for column in ("adoption_share", "member_adoption_share"):
        ax.plot(step, table[column], label=LABELS[column])
    ax.plot(step, table["active_share"], label="active share", linestyle=":", color="grey")
    ax.set_ylim(0, 1)
    ax.set_title("Adoption of the idea")
    ax.legend(frameon=False, fontsize="small")

    ax = axes[1, 0]
    for column in ("mean_engagement", "mean_trust"):
        ax.plot(step, table[column], label=LABELS[column])
    ax.plot(step, table["funding"], label="funding", linestyle="--", color="grey")
    ax.set_ylim(0, 1)
    ax.set_xlabel("week")
    ax.set_title("Engagement, trust and funding")
    ax.legend(frameon=False, fontsize="small")

    ax = axes[1, 1]
    for column in FIVE_C:
        ax.plot(step, table[column], label=LABELS[column])
    ax.set_ylim(0, 1)
    ax.set_xlabel("week")
    ax.set_title("5C wheel indices")
    ax.legend(frameon=False, fontsize="small")

    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def close(fig: Figure) -> None:
    plt.close(fig)


COMPARE_CURVES = {
    "active_share": "active share (of eligible population)",
    "adoption_share": "adoption (share of eligible population)",
    "mean_engagement": "mean engagement",
    "mean_trust": "mean trust",
}


def compare_curves(
    bands: pd.DataFrame,
    names: dict[str, str],
    *,
    critical_mass_share: float | None = None,
    title: str = "",
) -> Figure:
    """Mean curve per scenario with a band for the 95% interval of the mean, one panel per column.

    ``bands`` is long: scenario, step, column, mean, ci_low, ci_high (see
    :func:`netsim.compare.step_bands`); ``names`` maps scenario ids to labels, in order.
    """
    import math

    fig, axes = plt.subplots(2, 2, figsize=(11, 7), sharex=True)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ax, (column, label) in zip(axes.flat, COMPARE_CURVES.items(), strict=True):
        part = bands[bands["column"] == column]
        for k, (slug, name) in enumerate(names.items()):
            rows = part[part["scenario"] == slug]
            if rows.empty:
                continue
            colour = colours[k % len(colours)]
            ax.plot(rows["step"], rows["mean"], color=colour, label=name)
            ax.fill_between(
                rows["step"], rows["ci_low"], rows["ci_high"], color=colour, alpha=0.2, lw=0
            )
        if column == "active_share" and critical_mass_share is not None:
            ax.axhline(critical_mass_share, color="grey", linestyle=":", lw=1)
            ax.annotate(
                "critical mass",
                (0, critical_mass_share),
                xycoords=("axes fraction", "data"),
                xytext=(4, 3),
                textcoords="offset points",
                fontsize="small",
                color="grey",
            )
        ax.set_ylim(0, 1)
        ax.set_title(label[0].upper() + label[1:])
    for ax in axes[1]:
        ax.set_xlabel("week")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(4, len(labels)), frameon=False)
    if title:
        fig.suptitle(title)
    fig.tight_layout(rect=(0, 0.02 + 0.04 * math.ceil(len(labels) / 4), 1, 1))
    return fig


def compare_wheel(five_c: pd.DataFrame, names: dict[str, str], *, title: str = "") -> Figure:
    """The 5C wheel as one radar chart with a polygon per scenario.

    ``five_c`` has one row per scenario id (index) and the :data:`FIVE_C` columns in [0, 1].
    """
    import numpy as np

    angles = np.linspace(0, 2 * np.pi, len(FIVE_C), endpoint=False)
    closed = np.append(angles, angles[0])
    fig = plt.figure(figsize=(7, 6.5))
    ax = fig.add_subplot(projection="polar")
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for k, (slug, name) in enumerate(names.items()):
        if slug not in five_c.index:
            continue
        values = five_c.loc[slug, list(FIVE_C)].to_numpy(dtype=float)
        values = np.append(values, values[0])
        colour = colours[k % len(colours)]
        ax.plot(closed, values, color=colour, lw=2, label=name)
        ax.fill(closed, values, color=colour, alpha=0.12)
    ax.set_xticks(angles)
    ax.set_xticklabels([LABELS[c].replace(" ", "\n", 1) for c in FIVE_C])
    ax.set_ylim(0, 1)
    ax.set_yticks([0.25, 0.5, 0.75, 1.0])
    ax.set_yticklabels(["0.25", "0.5", "0.75", "1"], fontsize="small", color="grey")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=2, frameon=False)
    ax.set_title(title or "5C wheel at the last step (mean over runs)", pad=22)
    fig.tight_layout()
    return fig
