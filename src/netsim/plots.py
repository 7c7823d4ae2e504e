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
