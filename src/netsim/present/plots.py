"""Figures drawn from result tables only (never from a live model).

Column names are snake_case identifiers; human labels live here. Figures are
made as plain :class:`matplotlib.figure.Figure` objects, never through pyplot, so
importing this module does not switch a notebook's backend and nothing needs
closing: a figure is freed when the last reference to it goes.
"""

from __future__ import annotations

import io
import math
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from netsim.config.outcomes import BOOLEAN_OUTCOMES, FIVE_C, OUTCOME_LABELS
from netsim.config.parameters import ParameterError, spec_of
from netsim.numbers import significant
from netsim.text import figure_text

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
    fig, axes = subplots(2, 2, figsize=(11, 7), sharex=True)
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


def subplots(nrows: int = 1, ncols: int = 1, *, figsize: tuple[float, float], **kw: Any) -> Any:
    """``(figure, axes)`` like ``pyplot.subplots``, without pyplot's global state."""
    fig = Figure(figsize=figsize)
    return fig, fig.subplots(nrows, ncols, **kw)


def figure_png(fig: Figure, *, dpi: int = 110, metadata: dict[str, Any] | None = None) -> bytes:
    """The figure as PNG bytes (then closed): what results folders are handed to write."""
    buffer = io.BytesIO()
    fig.savefig(buffer, dpi=dpi, format="png", metadata=metadata)
    return buffer.getvalue()


def run_curves_png(table: pd.DataFrame, seed: int) -> bytes:
    """A run folder's ``curves.png``: :func:`run_curves` titled with the run's seed."""
    return figure_png(run_curves(table, title=f"netsim run, seed {seed}"))


COMPARE_CURVES = {
    "active_share": "active share (of eligible population)",
    "adoption_share": "adoption (share of eligible population)",
    "mean_engagement": "mean engagement",
    "mean_trust": "mean trust",
}


MAX_RUN_LINES = 40
"""A comparison's curves draw every run as a thin line when no scenario has more runs than
this; beyond it the lines hide each other and the fans alone show the spread."""


def compare_curves(
    bands: pd.DataFrame,
    names: dict[str, str],
    *,
    runs: pd.DataFrame | None = None,
    critical_mass_share: float | None = None,
    title: str = "",
) -> Figure:
    """Per scenario, the mean over runs at each week with fans for where the runs lie (the
    middle 50% and 80%: quantiles p25-p75 and p10-p90) and, when ``runs`` is given and has
    at most :data:`MAX_RUN_LINES` runs per scenario, every run as a thin line; one panel
    per column. The spread of the runs, not the interval of the mean, is what shows two
    groups of runs (take-off and fade-out) behind one mean.

    ``bands`` is long: scenario, step, column, mean and the quantile columns of
    :data:`netsim.analysis.intervals.RUN_QUANTILES` (see
    :func:`netsim.analysis.intervals.step_bands`); ``runs`` is the per-step table (scenario,
    replicate, step and the columns); ``names`` maps scenario ids to labels, in order.
    """

    fig, axes = subplots(2, 2, figsize=(11, 7.4), sharex=True)
    colours = mpl.rcParams["axes.prop_cycle"].by_key()["color"]
    lines = runs is not None and run_lines_drawn(runs)
    for ax, (column, label) in zip(axes.flat, COMPARE_CURVES.items(), strict=True):
        part = bands[bands["column"] == column]
        for k, (slug, name) in enumerate(names.items()):
            rows = part[part["scenario"] == slug]
            if rows.empty:
                continue
            colour = colours[k % len(colours)]
            ax.fill_between(rows["step"], rows["p10"], rows["p90"], color=colour, alpha=0.1, lw=0)
            ax.fill_between(rows["step"], rows["p25"], rows["p75"], color=colour, alpha=0.2, lw=0)
            if lines and runs is not None:
                mine = runs[runs["scenario"] == slug]
                for _, one in mine.groupby("replicate", sort=True):
                    ax.plot(one["step"], one[column], color=colour, lw=0.5, alpha=0.35)
            ax.plot(rows["step"], rows["mean"], color=colour, lw=2, label=figure_text(name))
        if column == "active_share" and critical_mass_share is not None:
            ax.axhline(critical_mass_share, color="grey", linestyle=":", lw=1)
            ax.annotate(
                "the seeds' one third",
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
    key = [
        Line2D([], [], color="#555555", lw=2, label="mean over runs"),
        Patch(color="#555555", alpha=0.35, lw=0, label="middle 50% of runs"),
        Patch(color="#555555", alpha=0.15, lw=0, label="middle 80% of runs"),
    ]
    if lines:
        key.append(Line2D([], [], color="#555555", lw=0.5, label="one run"))
    fig.legend(handles, labels, loc="lower center", ncol=min(4, len(labels)), frameon=False)
    fig.legend(handles=key, loc="upper center", ncol=len(key), frameon=False, fontsize="small")
    if title:
        fig.suptitle(title, y=0.995)
    rows_of_names = math.ceil(len(labels) / 4)
    fig.tight_layout(rect=(0, 0.02 + 0.04 * rows_of_names, 1, 0.95))
    return fig


def run_lines_drawn(runs: pd.DataFrame) -> bool:
    """Whether :func:`compare_curves` draws every run of this per-step table as a line."""
    if runs.empty or "replicate" not in runs.columns:
        return False
    per_scenario = runs.groupby("scenario")["replicate"].nunique()
    return bool(per_scenario.max() <= MAX_RUN_LINES)


def compare_wheel(five_c: pd.DataFrame, names: dict[str, str], *, title: str = "") -> Figure:
    """The 5C wheel as one radar chart with a polygon per scenario.

    ``five_c`` has one row per scenario id (index) and the :data:`FIVE_C` columns in [0, 1].
    """

    angles = np.linspace(0, 2 * np.pi, len(FIVE_C), endpoint=False)
    closed = np.append(angles, angles[0])
    fig = Figure(figsize=(7, 6.5))
    ax = fig.add_subplot(projection="polar")
    colours = mpl.rcParams["axes.prop_cycle"].by_key()["color"]
    for k, (slug, name) in enumerate(names.items()):
        if slug not in five_c.index:
            continue
        values = five_c.loc[slug, list(FIVE_C)].to_numpy(dtype=float)
        values = np.append(values, values[0])
        colour = colours[k % len(colours)]
        ax.plot(closed, values, color=colour, lw=2, label=figure_text(name))
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


# --- sweep analysis (netsim.analysis.summaries): figures from its tables -------------

RUN_LABEL_COLOURS = {
    "critical mass": "#1b9e77",
    "spread": "#7570b3",
    "unsettled": "#999999",
    "fizzled": "#d95f02",
    "failed": "#222222",
}
INDEX_LABELS = {
    "S1": "first order S1",
    "ST": "total order ST",
    "mu_star": "mu* (mean |elementary effect|)",
    "sigma": "sigma (spread of effects)",
}


def outcome_label(outcome: str) -> str:
    """A summary field as a reader says it (the report's labels)."""

    return OUTCOME_LABELS.get(outcome, outcome.replace("_", " "))


def parameter_label(name: str) -> str:
    """A parameter name with its unit, e.g. 'founding_core (people)'."""

    try:
        unit = spec_of(name).unit
    except (ParameterError, ValueError):
        return name
    return f"{name} ({unit})" if unit else name


def _positions(levels: pd.Series) -> tuple[list[float], list[str] | None]:
    """x positions of levels: the values if numeric, else 0..k-1 with the values as ticks."""
    values = list(levels)
    if pd.api.types.is_numeric_dtype(levels) and not pd.api.types.is_bool_dtype(levels):
        return [float(v) for v in values], None
    return list(range(len(values))), [str(v) for v in values]


def outcome_curves(curves: pd.DataFrame, parameter: str, outcomes: list[str]) -> Figure:
    """One panel per outcome: mean per level with its 95% interval as error bars and a band.

    ``curves`` is :func:`netsim.analysis.summaries.outcome_curves` for one parameter
    (level, outcome,
    kind, mean, ci_low, ci_high); yes/no outcomes are drawn as percentages of runs.
    """

    shown = [o for o in outcomes if o in set(curves["outcome"])][:6]
    columns = min(3, max(1, len(shown)))
    rows = max(1, -(-len(shown) // columns))
    fig, axes = subplots(rows, columns, figsize=(4.2 * columns, 3.3 * rows), squeeze=False)
    for ax, outcome in zip(axes.flat, shown, strict=False):
        part = curves[curves["outcome"] == outcome]
        x, ticks = _positions(part["level"].reset_index(drop=True))
        scale = 100.0 if (part["kind"] == "proportion").all() else 1.0
        mean = part["mean"].to_numpy(dtype=float) * scale
        low = part["ci_low"].to_numpy(dtype=float) * scale
        high = part["ci_high"].to_numpy(dtype=float) * scale
        ax.fill_between(x, low, high, alpha=0.2, lw=0)
        errors = np.clip([mean - low, high - mean], 0, None)  # Wilson's 1.0 can round below
        ax.errorbar(x, mean, yerr=errors, marker="o", ms=3, capsize=2)
        if ticks is not None:
            ax.set_xticks(x, ticks, rotation=30, ha="right")
        ax.set_title(outcome_label(outcome), fontsize="medium")
        ax.set_ylabel("% of runs" if scale == 100.0 else "mean")
        if scale == 100.0:
            ax.set_ylim(-2, 102)
        ax.set_xlabel(parameter_label(parameter))
    for ax in list(axes.flat)[len(shown) :]:
        ax.set_visible(False)
    fig.suptitle(f"Outcomes along {parameter} (95% intervals)")
    fig.tight_layout()
    return fig


def tipping_point(
    levels: pd.DataFrame,
    curve: pd.DataFrame,
    fit: dict[str, Any],
    parameter: str,
    outcome: str,
) -> Figure:
    """Share of runs per level with Wilson intervals, the fitted logistic curve, x0 and its
    interval as a shaded band. ``fit`` is :meth:`netsim.analysis.tipping.TippingPoint.row`."""

    fig, ax = subplots(figsize=(7, 4.2))
    share = levels["share"].to_numpy(dtype=float)
    ax.errorbar(
        levels["level"],
        share,
        yerr=np.clip([share - levels["ci_low"], levels["ci_high"] - share], 0, None),
        fmt="o",
        ms=4,
        capsize=3,
        color="black",
        label="share of runs (95% Wilson interval)",
    )
    if not curve.empty:
        ax.plot(curve["x"], curve["p"], color="#d95f02", label="fitted logistic curve")
    x0, low, high = fit["x0"], fit["ci_low"], fit["ci_high"]
    if not (x0 is None or math.isnan(x0)):
        if not (math.isnan(low) or math.isnan(high)):
            ax.axvspan(low, high, color="#d95f02", alpha=0.15, lw=0, label="95% interval of x0")
        ax.axvline(x0, color="#d95f02", linestyle="--", lw=1, label=f"x0 ≈ {significant(x0)}")
    ax.axhline(0.5, color="grey", linestyle=":", lw=1)
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel(parameter_label(parameter))
    ax.set_ylabel(f"P({outcome_label(outcome)})")
    ax.set_title(f"Tipping point: {outcome_label(outcome)} against {parameter}")
    ax.legend(frameon=False, fontsize="small", loc="best")
    fig.tight_layout()
    return fig


def label_shares(counts: pd.DataFrame, parameter: str) -> Figure:
    """Stacked bars: the share of runs per label at each level of ``parameter``.

    ``counts`` is long (parameter level, label, runs, share), as
    :func:`netsim.analysis.summaries.label_counts` with ``by=parameter`` gives it.
    """
    wide = counts.pivot_table(index=parameter, columns="label", values="share", sort=True)
    wide = wide.reindex(columns=[c for c in RUN_LABEL_COLOURS if c in wide.columns]).fillna(0)
    fig, ax = subplots(figsize=(7.5, 4))
    x = range(len(wide))
    bottom = pd.Series(0.0, index=wide.index)
    for label in wide.columns:
        ax.bar(
            x, 100 * wide[label], bottom=100 * bottom, color=RUN_LABEL_COLOURS[label], label=label
        )
        bottom += wide[label]
    ax.set_xticks(list(x), [tick_label(v) for v in wide.index])
    ax.set_xlabel(parameter_label(parameter))
    ax.set_ylabel("% of runs")
    ax.set_ylim(0, 100)
    ax.set_title(f"How runs end, by {parameter}")
    ax.legend(frameon=False, fontsize="small", bbox_to_anchor=(1.01, 1), loc="upper left")
    fig.tight_layout()
    return fig


def level_distributions(
    values: pd.DataFrame,
    bimodality: pd.DataFrame,
    parameter: str,
    outcome: str,
    *,
    threshold: float,
    min_sd: float = 0.0,
) -> Figure:
    """Per level, a violin of ``outcome`` with every run as a jittered dot; levels the table
    calls bimodal (Sarle's coefficient above ``threshold`` and a standard deviation of at
    least ``min_sd``) are marked.

    ``values`` has one row per run (level, value); ``bimodality`` is
    :func:`netsim.analysis.summaries.bimodality_table` (level, bimodality, bimodal).
    """

    order = list(bimodality["level"])
    fig, ax = subplots(figsize=(max(6.0, 0.7 * len(order) + 2), 4.2))
    rng = np.random.default_rng(0)  # jitter only: a fixed generator, never the global one
    for k, level in enumerate(order):
        v = values.loc[values["level"] == level, "value"].dropna().to_numpy(dtype=float)
        if v.size == 0:
            continue
        bimodal = bool(bimodality.loc[bimodality["level"] == level, "bimodal"].iloc[0])
        colour = "#d95f02" if bimodal else "#1b9e77"
        if v.size > 2 and np.ptp(v) > 0:
            parts = ax.violinplot([v], positions=[k], widths=0.8, showextrema=False)
            for body in parts["bodies"]:
                body.set_facecolor(colour)
                body.set_alpha(0.25)
        ax.scatter(k + rng.uniform(-0.18, 0.18, v.size), v, s=6, color=colour, alpha=0.6, lw=0)
    ticks = [tick_label(v) for v in order]
    ax.set_xticks(range(len(order)), ticks)
    b = bimodality["bimodality"].to_numpy(dtype=float)
    for k, value in enumerate(b):
        if value == value:
            ax.annotate(
                f"b={value:.2f}",
                (k, 1.0),
                xycoords=("data", "axes fraction"),
                xytext=(0, 3),
                textcoords="offset points",
                ha="center",
                fontsize="x-small",
            )
    ax.set_xlabel(parameter_label(parameter))
    ax.set_ylabel(outcome_label(outcome))
    rule = f"b > {significant(threshold)}" + (f" and sd ≥ {significant(min_sd)}" if min_sd else "")
    ax.set_title(f"Distribution per level (orange: {rule}, two modes likely)", pad=16)
    fig.tight_layout()
    return fig


def tick_label(value: object) -> str:
    """A compact axis label for a parameter level: numbers in :func:`netsim.numbers.significant`
    digits (``0.25``, ``1000``, not ``1e+03``), choices as is.

    Grids may vary a choice (leadership style, contagion mode) as well as a number.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return significant(value)


def phase_diagram(table: pd.DataFrame, x: str, y: str, outcomes: tuple[str, ...]) -> Figure:
    """One heatmap per outcome over the (x, y) grid: share of runs or mean, cell by cell.

    ``table`` is :func:`netsim.analysis.summaries.phase_table` (x, y, n and one column per outcome).
    """
    fig, axes = subplots(1, len(outcomes), figsize=(5.2 * len(outcomes), 4.3), squeeze=False)
    for ax, outcome in zip(axes[0], outcomes, strict=True):
        grid = table.pivot_table(index=y, columns=x, values=outcome, sort=True)
        image = ax.imshow(
            grid.to_numpy(dtype=float),
            origin="lower",
            aspect="auto",
            cmap="viridis",
            vmin=0,
            vmax=1.0 if grid.max().max() <= 1 else None,
        )
        ax.set_xticks(range(grid.shape[1]), [tick_label(v) for v in grid.columns], rotation=45)
        ax.set_yticks(range(grid.shape[0]), [tick_label(v) for v in grid.index])
        ax.set_xlabel(parameter_label(x))
        ax.set_ylabel(parameter_label(y))
        title = outcome_label(outcome)
        ax.set_title(("share of runs: " if outcome in _YES_NO else "mean ") + title)
        fig.colorbar(image, ax=ax, shrink=0.85)
    fig.tight_layout()
    return fig


_YES_NO = BOOLEAN_OUTCOMES


def sensitivity_bars(table: pd.DataFrame, bars: dict[str, str | None], title: str) -> Figure:
    """Grouped bars per parameter, one panel per outcome, with the intervals as error bars.

    ``table`` is long (outcome, parameter, one column per index); ``bars`` maps each index
    column to its half-width column (or None).
    """

    outcomes = list(dict.fromkeys(table["outcome"]))
    fig, axes = subplots(
        1, len(outcomes), figsize=(4.6 * len(outcomes), 3.8), squeeze=False, sharey=False
    )
    width = 0.8 / len(bars)
    for ax, outcome in zip(axes[0], outcomes, strict=True):
        part = table[table["outcome"] == outcome]
        x = np.arange(len(part))
        for k, (column, conf) in enumerate(bars.items()):
            errors = None if conf is None else part[conf].to_numpy(dtype=float)
            ax.bar(
                x + (k - (len(bars) - 1) / 2) * width,
                part[column].to_numpy(dtype=float),
                width,
                yerr=errors,
                capsize=3,
                label=INDEX_LABELS.get(column, column),
            )
        ax.set_xticks(x, list(part["parameter"]), rotation=30, ha="right")
        ax.axhline(0, color="grey", lw=0.8)
        ax.set_title(outcome_label(outcome), fontsize="medium")
    axes[0, 0].set_ylabel(title)
    axes[0, 0].legend(frameon=False, fontsize="small")
    fig.suptitle(f"{title}: 95% intervals from SALib's bootstrap")
    fig.tight_layout()
    return fig
