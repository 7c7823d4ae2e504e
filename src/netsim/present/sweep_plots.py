"""Figures that only the sweep analysis draws; the shared style is :mod:`netsim.present.plots`.

Kept beside the analysis modules (not in plots.py) because they draw objects the analysis
defines, such as :class:`netsim.analysis.tipping.TippingPoint`; like every figure they read result
tables only, never a live model.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import matplotlib as mpl
import numpy as np
from matplotlib.figure import Figure

from netsim.analysis.tipping import TippingPoint
from netsim.numbers import significant
from netsim.present.plots import outcome_label, parameter_label, subplots, tick_label


def tipping_by(points: Mapping[Any, TippingPoint], parameter: str, by: str) -> Figure:
    """P(outcome) along ``parameter``, one colour per level of ``by``: the share of runs per
    level with Wilson intervals, the fitted logistic curve and x0 with its interval (a bar
    under the curves), so the shift of the tipping point is read off the x axis."""
    fig, ax = subplots(figsize=(7.5, 4.5))
    colours = mpl.colormaps["viridis"](np.linspace(0.0, 0.85, max(1, len(points))))
    outcome = next(iter(points.values())).outcome if points else "critical_mass_reached"
    sampled = [tp.levels["level"] for tp in points.values() if not tp.levels.empty]
    low = min((float(s.min()) for s in sampled), default=0.0)
    high = max((float(s.max()) for s in sampled), default=1.0)
    for k, ((level, tp), colour) in enumerate(zip(points.items(), colours, strict=True)):
        name = f"{by} = {tick_label(level)}"
        y = -0.06 - 0.035 * k
        if tp.found:
            name += f": x0 ≈ {significant(tp.x0)}"
            if not (math.isnan(tp.ci_low) or math.isnan(tp.ci_high)):
                name += f" ({significant(tp.ci_low)} to {significant(tp.ci_high)})"
                # an interval reaching beyond the sampled range is cut at its edge
                ends = [min(max(tp.ci_low, low), high), min(max(tp.ci_high, low), high)]
                ax.plot(ends, [y, y], color=colour, lw=3)
            if tp.extrapolated:
                name += ", outside the sampled range"
            else:
                ax.plot([tp.x0], [y], "|", color=colour, ms=10, mew=2)
        elif tp.note:
            name += ": no crossing of 1/2"
        share = tp.levels["share"].to_numpy(dtype=float)
        errors = np.clip([share - tp.levels["ci_low"], tp.levels["ci_high"] - share], 0, None)
        ax.errorbar(
            tp.levels["level"],
            share,
            yerr=errors,
            fmt="o",
            ms=3.5,
            capsize=2,
            color=colour,
            alpha=0.8,
            label=name,
        )
        curve = tp.curve()
        if not curve.empty:
            ax.plot(curve["x"], curve["p"], color=colour, lw=1.5)
    ax.axhline(0.5, color="grey", linestyle=":", lw=1)
    margin = 0.03 * (high - low) if high > low else 0.5
    ax.set_xlim(low - margin, high + margin)
    ax.set_ylim(-0.08 - 0.035 * len(points), 1.03)
    ax.set_xlabel(parameter_label(parameter))
    ax.set_ylabel(f"P({outcome_label(outcome)})")
    ax.set_title(f"Tipping point along {parameter}, by {by} (95% intervals)")
    ax.legend(frameon=False, fontsize="small", loc="best")
    fig.tight_layout()
    return fig
