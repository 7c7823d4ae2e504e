"""Where each scenario tips, set beside the seeds' third: tables, figure, report, command.

Issue 13 asks for each library scenario's tipping point as the model produces it, stated
next to the seeds' claim ([THF] "most influential if its membership captures a third of
the eligible population"), honestly, whatever it is. :mod:`netsim.batch.tipping_levels`
runs the scenarios, :mod:`netsim.analysis.tipping_levels` finds each one's
self-sustaining level (the rule is stated there); this module writes the folder:

- ``levels.csv``: a row per scenario (runs, self-sustaining share, level and interval or
  the bound, how it stands to one third, and why);
- ``curves.csv``: P(self-sustaining | peak >= x) with Wilson intervals, per scenario and
  level; ``runs.csv`` (every run's summary) and ``failed_runs.csv``;
- ``tipping_levels.png``: each scenario's level with its interval, one third as a line;
- ``report.md``: each scenario's level next to one third, in words.

The command (it lives here, above ``batch``, because it draws)::

    python -m netsim.present.tipping_levels [--seeds N] [--out DIR] [--workers N]
        [--scenario NAME ...] [--population N]

It prints a progress line to stderr, exits 0 when the folder is written and 2 on bad
input (one line).
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from netsim.analysis.tipping_levels import (
    SEEDS_CLAIM,
    SUSTAIN_RULE,
    SelfSustainingLevel,
    curves_table,
    levels_table,
)
from netsim.batch.engines import RunOutcome
from netsim.batch.tipping_levels import (
    SEEDS,
    TippingLevelsData,
    plan_tipping_levels,
    run_tipping_levels,
)
from netsim.errors import NetsimError
from netsim.numbers import exact, fine_percent, percent
from netsim.present import plots
from netsim.present.compare_report import (
    Block,
    Bullets,
    Heading,
    Image,
    Inline,
    Paragraph,
    Span,
    Table,
    render_markdown,
)
from netsim.results.files import atomic_write, atomic_write_text, provenance

FIGURE = "tipping_levels.png"
CLAIM_TEXT = "the seeds' one third"
CLAIM_SOURCE = (
    "[THF] 'most influential if its membership captures a third of the eligible population'"
)
STATUS_STYLE = {
    "located": ("o", "black"),
    "at_most": ("<", "#1f77b4"),
    "above": (">", "#d62728"),
}
"""Marker and colour per status: a point with its interval, a bound below, a bound above."""


def level_text(level: SelfSustainingLevel) -> str:
    """The level as a table cell: ``23% (15%–24%)``, ``≤ 2.4%``, ``> 43%`` or ``–``."""
    if level.status == "located":
        return (
            f"{percent(level.level)} ({fine_percent(level.ci_low)}–{fine_percent(level.ci_high)})"
        )
    if level.status == "at_most":
        return f"≤ {fine_percent(level.bound)}"
    if level.status == "above":
        return f"> {fine_percent(level.bound)}"
    return "–"


def beside_claim(level: SelfSustainingLevel, claim: float = SEEDS_CLAIM) -> str:
    """The level next to the seeds' third, in plain words."""
    third = f"{CLAIM_TEXT} ({fine_percent(claim)})"
    where = level.compared_with(claim)
    if level.status == "located":
        interval = f"{fine_percent(level.ci_low)}–{fine_percent(level.ci_high)}"
        text = f"the level is {percent(level.level)} active (95% interval {interval})"
        if where == "overlaps":
            return f"{text}; its interval holds {third}"
        return f"{text}, {where} {third}"
    if level.status == "at_most":
        text = f"the level is at most {fine_percent(level.bound)} active, the share runs start from"
        if where == "below":
            return f"{text}, below {third}"
        return f"{text}; runs start at or above {third}, so they cannot test it"
    if level.status == "above":
        if where == "above":
            return (
                f"networks that reached {fine_percent(level.bound)} active, past {third}, still "
                "fell back: one third did not make them self-sustaining"
            )
        return (
            f"no run reached {CLAIM_TEXT} ({fine_percent(claim)}; the highest peak was "
            f"{fine_percent(level.bound)}), so these runs cannot test it"
        )
    return "no run to analyse"


def finding(
    level: SelfSustainingLevel, claim: float = SEEDS_CLAIM, events: str = ""
) -> tuple[Inline, ...]:
    """One scenario's finding: its runs, the level next to one third, the tipping zone, and
    the timeline ``events`` (as text) that change its runs midway."""
    parts: list[Inline] = [
        Span(level.scenario, "code"),
        f": {level.self_sustaining.estimate * level.runs:.0f} of {level.runs} runs ended "
        f"self-sustaining; {beside_claim(level, claim)}.",
    ]
    low, high = level.lowest_sustained_peak, level.highest_fallback_peak
    if not (math.isnan(low) or math.isnan(high)):
        parts.append(
            f" Runs that took off peaked as low as {fine_percent(low)} active; runs that fell "
            f"back peaked as high as {fine_percent(high)}."
        )
    if events:
        parts.append(f" Its timeline changes the runs midway ({events}).")
    return tuple(parts)


def summary_text(levels: Sequence[SelfSustainingLevel], claim: float = SEEDS_CLAIM) -> str:
    """How many scenarios' levels were located, and where they stand to one third."""
    count = {s: sum(lv.status == s for lv in levels) for s in ("located", "at_most", "above")}
    versus = [lv.compared_with(claim) for lv in levels]
    located = [lv for lv in levels if lv.located]
    parts = [
        f"Of {len(levels)} scenarios, {count['located']} have a level located between the "
        f"starting share and the highest peak; in {count['at_most']} (nearly) every run took "
        "off from its founding core, so the level is at most the starting share; in "
        f"{count['above']} no level holds (no run took off, or runs fell back from the highest "
        "shares reached)."
    ]
    if located:
        values = [lv.level for lv in located]
        parts.append(
            f" The located levels run from {percent(min(values))} to {percent(max(values))}."
        )
    parts.append(
        f" Beside {CLAIM_TEXT}: {versus.count('below')} below it, {versus.count('overlaps')} "
        f"with an interval that holds it, {versus.count('above')} above it, and "
        f"{versus.count('unknown')} that the runs cannot place against it."
    )
    return "".join(parts)


def level_figure(
    levels: Sequence[SelfSustainingLevel], names: dict[str, str], claim: float = SEEDS_CLAIM
) -> Figure:
    """Forest plot: a row per scenario, its self-sustaining level with its 95% interval (a
    black point), or its bound (a blue ◀ at the most it can be, a red ▶ beyond which it
    lies), the peaks that bracket the tipping zone (grey), and one third as a line."""
    height = 1.8 + 0.32 * max(len(levels), 1)
    fig, ax = plots.subplots(figsize=(9, height))
    for y, level in enumerate(levels):
        if level.status in STATUS_STYLE:
            marker, colour = STATUS_STYLE[level.status]
            x = level.level if level.located else level.bound
            if level.located and not (math.isnan(level.ci_low) or math.isnan(level.ci_high)):
                ax.plot([level.ci_low, level.ci_high], [y, y], color=colour, lw=1.6)
            elif level.status == "at_most":
                ax.plot([0, x], [y, y], color=colour, lw=0.8, linestyle=":")
            elif level.status == "above":
                ax.plot([x, 1], [y, y], color=colour, lw=0.8, linestyle=":")
            ax.plot(x, y, marker, color=colour, ms=6)
        for peak, mark in ((level.highest_fallback_peak, "x"), (level.lowest_sustained_peak, "|")):
            if not math.isnan(peak):
                ax.plot(peak, y, mark, color="grey", ms=6)
        ax.annotate(
            level_text(level),
            (1.0, y),
            xycoords=("axes fraction", "data"),
            xytext=(6, 0),
            textcoords="offset points",
            va="center",
            fontsize="small",
        )
    ax.axvline(claim, color="#555555", linestyle="--", lw=1)
    ax.annotate(
        f"{CLAIM_TEXT} [THF]",
        (claim, 1),
        xycoords=("data", "axes fraction"),
        xytext=(4, -11),
        textcoords="offset points",
        fontsize="small",
        color="#555555",
    )
    ax.set_yticks(range(len(levels)))
    ax.set_yticklabels([names.get(lv.scenario, lv.scenario) for lv in levels], fontsize="small")
    ax.set_ylim(len(levels) - 0.5, -0.5)
    ax.set_xlim(0, 1)
    ticks = np.linspace(0, 1, 6)
    ax.set_xticks(ticks, [f"{100 * t:.0f}%" for t in ticks])
    ax.set_xlabel("active share of the eligible population")
    ax.grid(axis="x", color="#eeeeee")
    legend = [
        ax.plot([], [], "o-", color="black", label="self-sustaining level, 95% interval")[0],
        ax.plot([], [], "<", color="#1f77b4", label="at most (took off from the start)")[0],
        ax.plot([], [], ">", color="#d62728", label="above (no level holds)")[0],
        ax.plot([], [], "|", color="grey", label="lowest peak that took off")[0],
        ax.plot([], [], "x", color="grey", label="highest peak that fell back")[0],
    ]
    fig.legend(handles=legend, loc="lower center", ncol=3, frameon=False, fontsize="small")
    ax.set_title(
        f"Where each scenario tips: the lowest active share from which at least "
        f"{percent(SUSTAIN_RULE)} of runs stayed self-sustaining",
        fontsize="medium",
    )
    fig.tight_layout(rect=(0, 0.55 / height, 0.9, 1))
    return fig


def report_blocks(data: TippingLevelsData, claim: float = SEEDS_CLAIM) -> list[Block]:
    """The report: what was run, the rule, each scenario's finding, the table, the figure."""
    plan = data.plan
    origin = provenance(plan.seed)
    levels = data.levels
    overrides = (
        "; overrides for every scenario: "
        + ", ".join(f"{k} = {v}" for k, v in plan.overrides.items())
        if plan.overrides
        else ""
    )
    resamples = max((lv.resamples for lv in levels), default=0)
    blocks: list[Block] = [
        Heading("Where each scenario tips", 1),
        Paragraph(
            (
                f"netsim {origin['netsim_version']}, commit {origin['git_commit'] or 'unknown'}"
                f"{' (with uncommitted changes)' if origin['git_dirty'] else ''}; "
                f"{len(plan.scenarios)} scenarios x {len(plan.seeds)} seeds (derive_seed("
                f"{plan.seed}, r), as netsim compare), each for its own horizon and timeline"
                f"{overrides}; {len(data.runs)} runs, {len(data.failures)} failed, in "
                f"{data.seconds:.0f} s on {data.workers} worker(s).",
            )
        ),
        Paragraph(
            (
                f"The seeds place the tipping point at one third: {CLAIM_SOURCE}. The model "
                "places it by no constant, so it is measured here. A scenario's ",
                Span("self-sustaining level", "strong"),
                f" is the lowest active share x (of the eligible population, to 1%) such that "
                f"at least {percent(SUSTAIN_RULE)} of the runs whose active share reached x, "
                "and of those that reached any higher level, ended self-sustaining "
                "(critical_mass_reached, a settled label): the share beyond which a network "
                f"does not fall back. Its 95% interval is a bootstrap over runs ({resamples} "
                "resamples, seeded). Where every run (or at least "
                f"{percent(SUSTAIN_RULE)}) took off, the level is at most the founding core's "
                "share; where no level holds, it lies above the highest peak.",
            )
        ),
        Heading("Findings"),
        Paragraph((summary_text(levels, claim),)),
        Bullets(tuple(finding(lv, claim, _events(data, lv.scenario)) for lv in levels)),
        Paragraph(
            (
                "A run's peak can come before its conditions change (start-up funding "
                "ending, a leader or members leaving on the timeline): a level says from "
                "which active share the scenario's networks, as a whole run, did not fall "
                "back, not a share that is safe whatever happens after it.",
            )
        ),
        Heading("Levels"),
        Table(
            ("scenario", "runs", "self-sustaining", "level (95% interval)", "one third"),
            tuple(
                (
                    lv.scenario,
                    str(lv.runs),
                    percent(lv.self_sustaining.estimate),
                    level_text(lv),
                    lv.compared_with(claim),
                )
                for lv in levels
            ),
            caption=f"'one third': where the level stands to {CLAIM_TEXT} (below, above, an "
            "interval that holds it, or unknown); ≤: at most, >: above. levels.csv says why "
            "for each; curves.csv has P(self-sustaining | peak ≥ x) per level.",
        ),
        Image(
            FIGURE,
            "Each scenario's self-sustaining level with its interval, and one third",
            caption="Black: a located level with its 95% bootstrap interval; blue ◀: at most "
            "this (every run took off from the start); red ▶: above this (no level holds); "
            "grey: the lowest peak of a run that took off (|) and the highest of one that fell "
            "back (x); dashed: the seeds' one third.",
        ),
    ]
    if not data.failures.empty:
        blocks += [
            Heading("Failed runs"),
            Paragraph((f"{len(data.failures)} runs failed; failed_runs.csv has their errors.",)),
        ]
    return blocks


def _events(data: TippingLevelsData, slug: str) -> str:
    """A scenario's timeline events as text (``leader_leaves at week 26``), or ""."""
    timeline = data.plan.parameters[slug].timeline if slug in data.plan.parameters else ()
    return ", ".join(f"{e.action} at week {e.step}" for e in timeline)


def _to_csv(table: pd.DataFrame, path: Path) -> None:
    table.to_csv(path, index=False)


def write_tipping_levels(data: TippingLevelsData, folder: Path | str) -> Path:
    """Write the tables, the figure and the report into ``folder``, each file atomically."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for table, name in (
        (levels_table(data.levels), "levels.csv"),
        (curves_table(data.levels), "curves.csv"),
        (data.runs, "runs.csv"),
        (data.failures, "failed_runs.csv"),
    ):
        atomic_write(folder / name, partial(_to_csv, table))
    names = {slug: s.name for slug, s in data.plan.scenarios.items()}
    png = plots.figure_png(level_figure(data.levels, names), metadata={"Software": None})
    atomic_write(folder / FIGURE, partial(Path.write_bytes, data=png))
    atomic_write_text(folder / "report.md", render_markdown(report_blocks(data)))
    return folder


def _progress(done: int, total: int, outcome: RunOutcome) -> None:
    end = "\n" if done == total else ""
    failed = "" if outcome.ok else " (a run failed)"
    print(f"\rtipping_levels: {done}/{total} runs{failed}", end=end, file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m netsim.present.tipping_levels``: run, analyse, write the folder; 0 when
    written, 2 on bad input (one line on stderr)."""
    parser = argparse.ArgumentParser(
        prog="python -m netsim.present.tipping_levels",
        description="Where does each scenario tip? Every scenario x seed runs; each "
        "scenario's self-sustaining level is set beside the seeds' one third.",
    )
    parser.add_argument(
        "--scenario",
        action="append",
        help="A scenario file or library name, or 'default' for the embedded default "
        "(repeatable; default: the embedded default and every library scenario).",
    )
    parser.add_argument("--seeds", type=int, default=SEEDS, help="Seeds per scenario.")
    parser.add_argument("--seed", type=int, default=1, help="Base seed (derive_seed(seed, r)).")
    parser.add_argument("--population", type=int, help="eligible_population for every run.")
    parser.add_argument("--workers", type=int, default=1, help="Local worker processes.")
    parser.add_argument(
        "--out", default="results/tipping-levels", help="Folder to write (created if need be)."
    )
    parser.add_argument("--quiet", action="store_true", help="No progress line.")
    args = parser.parse_args(argv)
    try:
        overrides = {} if args.population is None else {"eligible_population": args.population}
        plan = plan_tipping_levels(args.scenario, args.seeds, args.seed, overrides)
        data = run_tipping_levels(
            plan, workers=args.workers, progress=None if args.quiet else _progress
        )
    except NetsimError as err:
        print(f"tipping_levels: error: {err}", file=sys.stderr)
        return 2
    try:
        folder = write_tipping_levels(data, args.out)
    except OSError as err:
        print(f"tipping_levels: error: cannot write {args.out}: {err}", file=sys.stderr)
        return 2
    print(
        f"tipping_levels: {len(data.runs)} runs ({len(data.failures)} failed) in "
        f"{exact(round(data.seconds))} s; wrote {folder}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
