"""``netsim analyse DIR --discover OUTCOME``: scenario discovery's boxes, figure and report.

Reads a sweep's results folder (on request, or for each outcome the experiment's
``[analysis] discover`` names, with a summary in the sweep's own report), runs
:func:`netsim.analysis.discovery.discover` over the varied parameters and writes
``DIR/discovery/<outcome>/``: ``boxes.csv`` (one row per limit of each box, with the box's
coverage, density and mass), ``trajectories.csv`` (every candidate box on each peeling
trajectory), ``peeling.png`` (the trajectories as coverage against density, the chosen
boxes marked), ``report.md`` and a self-contained ``report.html``. Each file is written
atomically.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from netsim.analysis.discovery import (
    MIN_COVERAGE,
    SIGNIFICANCE,
    Discovery,
    discover,
)
from netsim.config.outcomes import BY_NAME, OUTCOME_LABELS
from netsim.numbers import percent
from netsim.present.compare_report import (
    Block,
    Bullets,
    Heading,
    Image,
    Paragraph,
    Span,
    Table,
    render_html,
    render_markdown,
)
from netsim.present.plots import figure_png
from netsim.results.files import atomic_write, atomic_write_bytes, atomic_write_text
from netsim.results.sweep_folder import SweepFolder
from netsim.text import figure_text

DEFINITIONS: tuple[tuple[str, str], ...] = (
    ("coverage", "the share of all runs with the outcome that fall in the box"),
    ("density", "the share of the runs in the box that have the outcome"),
    ("mass", "the share of all runs that fall in the box"),
    (
        "quasi-p",
        "for each limit, the chance of a box this dense if the limit were dropped (a "
        "one-sided binomial test; small means the limit is real)",
    ),
)
"""The report's terms, defined where they appear."""


def peeling_figure(found: Discovery) -> Figure:
    """Coverage against density along each box's peeling trajectory, the chosen box ringed."""
    count = max(1, len(found.boxes))
    fig = Figure(figsize=(4.2 * count, 3.6), layout="constrained")
    axes = fig.subplots(1, count, squeeze=False)[0]
    for ax, box in zip(axes, found.boxes, strict=False):
        t = box.trajectory
        points = ax.scatter(
            t["coverage"], t["density"], c=t["res_dim"], cmap="viridis", s=18, zorder=2
        )
        ax.plot(t["coverage"], t["density"], color="0.75", lw=0.8, zorder=1)
        ax.scatter(
            [box.coverage],
            [box.density],
            s=140,
            facecolors="none",
            edgecolors="crimson",
            lw=1.6,
            zorder=3,
            label=f"box {box.number}",
        )
        ax.axhline(found.base_rate, color="0.4", ls=":", lw=1)
        ax.set_xlim(-0.02, 1.02)
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel("coverage")
        ax.set_ylabel("density")
        ax.set_title(figure_text(f"box {box.number}: {box.text()}"), fontsize=8, wrap=True)
        ax.legend(loc="lower left", fontsize=8)
        bar = fig.colorbar(points, ax=ax, label="parameters restricted")
        bar.locator = MaxNLocator(integer=True)
        bar.update_ticks()
    if not found.boxes:
        axes[0].text(0.5, 0.5, "no box found", ha="center", va="center")
        axes[0].set_axis_off()
    return fig


def report_blocks(found: Discovery, experiment: str, files: Sequence[str]) -> list[Block]:
    """The discovery report: what was asked, the boxes, their limits, the terms, the files."""
    label = OUTCOME_LABELS[found.outcome]
    blocks: list[Block] = [
        Heading(f"Scenario discovery: where the network {label}", 1),
        Paragraph(
            (
                Span(experiment, "strong"),
                f": {found.runs} successful runs over {len(found.parameters)} varied "
                f"parameters ({', '.join(found.parameters)}). The outcome, ",
                Span(label, "em"),
                " (",
                Span(found.outcome, "code"),
                f": {BY_NAME[found.outcome].meaning}), holds in {found.cases} of them "
                f"({percent(found.base_rate)}).",
            )
        ),
        Paragraph(
            (
                "PRIM (Friedman and Fisher 1999, as in EMA Workbench) peels the sampled space "
                "down to boxes where the outcome is more likely. On each box's peeling "
                "trajectory netsim picks the densest box that keeps at least "
                f"{percent(MIN_COVERAGE)} of the outcome's runs still outside earlier boxes, "
                f"then drops every limit whose quasi-p is over {SIGNIFICANCE} (noise). A box "
                "says where the outcome is likely in this sweep's sampled ranges, not why; "
                "runs outside every box can still have it.",
            )
        ),
    ]
    if found.boxes:
        rows = tuple(
            (
                str(box.number),
                box.text(),
                percent(box.coverage),
                percent(box.density),
                percent(box.mass),
                f"{box.cases} of {box.runs}",
            )
            for box in found.boxes
        )
        blocks.append(
            Table(
                ("box", "limits", "coverage", "density", "mass", "runs with it"),
                rows,
                caption="Each box is found among the runs outside the boxes above it.",
            )
        )
        limits = []
        for box in found.boxes:
            for r in box.restrictions:
                p = "not testable" if r.quasi_p is None else f"{r.quasi_p:.2g}"
                limits.append((str(box.number), r.text(), p))
            for name in dict.fromkeys(box.dropped):
                limits.append((str(box.number), f"{name}: limit dropped", f"over {SIGNIFICANCE}"))
        blocks.append(Table(("box", "limit", "quasi-p"), tuple(limits)))
    else:
        blocks.append(Paragraph(("No box found.",)))
    blocks.append(Paragraph((f"Why the search stopped: {found.stopped}.",)))
    blocks.append(Bullets(tuple((Span(term, "strong"), f": {text}") for term, text in DEFINITIONS)))
    blocks.append(
        Image(
            "peeling.png",
            "peeling trajectories",
            "Every candidate box on each peeling trajectory (colour: parameters restricted); "
            "the ring is the box reported (after dropping noisy limits); the dotted line is "
            "the share of all runs with the outcome.",
        )
    )
    blocks.append(Heading("Files", 2))
    blocks.append(Bullets(tuple((Span(name, "code"),) for name in files)))
    return blocks


def _csv(table: pd.DataFrame, path: Path) -> None:
    table.to_csv(path, index=False)


def discovery_of(sweep: SweepFolder, outcome: str) -> Discovery:
    """Scenario discovery of ``outcome`` over every parameter the sweep varied."""
    manifest = sweep.manifest
    choices = [f.name for f in manifest.varied if f.kind == "choice"]
    return discover(sweep.runs(required=True), manifest.varied_names, outcome, choices=choices)


def write_discovery(found: Discovery, folder: Path, experiment: str) -> bytes:
    """Write the discovery folder (see the module docstring); returns the figure's PNG."""
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write(folder / "boxes.csv", partial(_csv, found.boxes_table()))
    atomic_write(folder / "trajectories.csv", partial(_csv, found.trajectories_table()))
    png = figure_png(peeling_figure(found))
    atomic_write_bytes(folder / "peeling.png", png)
    files = ["boxes.csv", "trajectories.csv", "peeling.png", "report.md", "report.html"]
    blocks = report_blocks(found, experiment, files)
    atomic_write_text(folder / "report.md", render_markdown(blocks))
    atomic_write_text(folder / "report.html", render_html(blocks, {"peeling.png": png}))
    return png


def discover_folder(path: Path, outcome: str) -> Path:
    """Scenario discovery of ``outcome`` over a sweep folder; returns the folder written
    (``path/discovery/<outcome>``)."""
    sweep = SweepFolder(Path(path))
    folder = Path(path) / "discovery" / outcome
    write_discovery(discovery_of(sweep, outcome), folder, sweep.manifest.name)
    return folder


def summary_blocks(found: Discovery, image: str) -> list[Block]:
    """The discovery's boxes as a section of the sweep's own report (with its figure)."""
    label = OUTCOME_LABELS[found.outcome]
    blocks: list[Block] = [
        Heading(f"Scenario discovery: where the network {label}", 2),
        Paragraph(
            (
                f"PRIM boxes over the varied parameters where the outcome is likely (it holds "
                f"in {percent(found.base_rate)} of all runs); the limits, their quasi-p-values "
                "and the terms are in ",
                Span(f"../discovery/{found.outcome}/report.html", "code"),
                ".",
            )
        ),
    ]
    if found.boxes:
        blocks.append(
            Table(
                ("box", "limits", "coverage", "density", "mass"),
                tuple(
                    (
                        str(b.number),
                        b.text(),
                        percent(b.coverage),
                        percent(b.density),
                        percent(b.mass),
                    )
                    for b in found.boxes
                ),
                caption="coverage: share of the outcome's runs in the box; density: share of "
                "the box's runs with the outcome; mass: share of all runs in the box.",
            )
        )
    else:
        blocks.append(Paragraph((f"No box found: {found.stopped}.",)))
    blocks.append(Image(image, f"peeling trajectories for {found.outcome}"))
    return blocks
