"""The lever audit's report: verdict tables, a forest plot and every effect, as Markdown and
HTML from one list of blocks (:mod:`netsim.present.compare_report`'s), written into the
audit's results folder with its tables.

Files: ``runs.parquet``/``.csv`` (one row per run), ``contrasts.csv`` (the design),
``effects.csv`` (lever x base x contrast x outcome: effect, interval, verdict),
``levers.csv`` (a verdict per lever and per base), ``failed_runs.csv``,
``forest.png``, ``audit.json`` (the design and provenance), ``report.md`` and
``report.html``. Every file is written atomically.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from netsim.analysis.audit import (
    ACTS,
    CELL_RULE,
    INERT,
    LEVER_RULE,
    MARGINS,
    REVERSED,
    UNCLAIMED,
    lever_verdicts,
    paired_effects,
)
from netsim.batch.audit import BASE_ARM, AuditData, AuditPlan
from netsim.config.claims import outcome_phrase
from netsim.config.outcomes import AUDIT_OUTCOMES, BY_NAME
from netsim.config.parameters import spec_of
from netsim.numbers import exact, signed
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
    render_html,
    render_markdown,
)
from netsim.results.files import atomic_write, atomic_write_text, provenance, write_table

VERDICT_COLOURS = {ACTS: "#1b9e77", INERT: "#999999", REVERSED: "#d62728", UNCLAIMED: "#7aa6d6"}
FOREST = "forest.png"


@dataclass(frozen=True)
class AuditReport:
    """A written audit: where it is, and the tables its verdicts come from."""

    folder: Path
    effects: pd.DataFrame
    verdicts: pd.DataFrame


def analyse(data: AuditData) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(effects, verdicts) of an audit's runs (:mod:`netsim.analysis.audit`)."""
    plan = data.plan
    effects = paired_effects(data.runs, plan.contrast_table(), plan.claims())
    return effects, lever_verdicts(effects, list(plan.bases))


def row_label(lever: str, high_value: str, low_value: str) -> str:
    """A lever's row in the figure and tables: a choice names its contrast."""
    if spec_of(lever).choices is None:
        return lever
    return f"{lever}: {high_value} vs {low_value}"


def effect_text(row: pd.Series) -> str:
    """'+12 pts (+3 to +20)' for shares of runs and of people, '-4.5 (-7 to -2)' for weeks."""
    points = row["kind"] in ("flag", "share")
    text = signed(row["effect"], points)
    if not (math.isnan(row["ci_low"]) or math.isnan(row["ci_high"])):
        low = signed(row["ci_low"], points).removesuffix(" pts")
        high = signed(row["ci_high"], points).removesuffix(" pts")
        text += f" ({low} to {high})"
    return text


def forest_figure(effects: pd.DataFrame, names: dict[str, str]) -> Figure:
    """Effects toward each claim, a panel per audited outcome, a row per lever (and contrast).

    x: the effect signed so that right is the claimed direction, on the outcome's own
    scale (shares and shares of runs as they are; weeks as a share of the run length);
    one marker per base with its 95% interval, coloured by that outcome's verdict.
    """
    outcomes = [o for o in AUDIT_OUTCOMES if o in set(effects["outcome"])]
    labels = [
        row_label(r.lever, r.high_value, r.low_value)
        for r in effects.drop_duplicates(["lever", "high_value", "low_value"]).itertuples()
    ]
    rows = list(dict.fromkeys(labels))
    bases = list(names)
    height = 1.6 + 0.34 * max(len(rows), 1)
    fig, axes = plots.subplots(1, max(len(outcomes), 1), figsize=(15, height), sharey=True)
    axes = np.atleast_1d(axes)
    marker = ("o", "s", "D", "^", "v", "P")
    offsets = np.linspace(-0.25, 0.25, len(bases)) if len(bases) > 1 else np.zeros(1)
    position = {label: k for k, label in enumerate(rows)}
    labelled = effects.assign(
        row=[row_label(r.lever, r.high_value, r.low_value) for r in effects.itertuples()]
    )
    for ax, outcome in zip(axes, outcomes, strict=False):
        part = labelled[labelled["outcome"] == outcome]
        for b, base in enumerate(bases):
            cells = part[part["base"] == base]
            for r in cells.itertuples():
                y = position[r.row] + offsets[b]
                colour = VERDICT_COLOURS[r.verdict]
                low, high = r.toward_low, r.toward_high
                if not (math.isnan(low) or math.isnan(high)):
                    ax.plot([low, high], [y, y], color=colour, lw=1.4)
                ax.plot(r.toward, y, marker[b % len(marker)], color=colour, ms=4.5)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_title(outcome_phrase(outcome), fontsize="medium")
        ax.grid(axis="x", color="#eeeeee")
        ax.set_xlabel("effect toward the claim")
    axes[0].set_yticks(range(len(rows)))
    axes[0].set_yticklabels(rows, fontsize="small")
    axes[0].set_ylim(len(rows) - 0.5, -0.5)
    handles = [
        axes[0].plot([], [], marker[b % len(marker)], color="black", label=names[base])[0]
        for b, base in enumerate(bases)
    ]
    handles += [
        axes[0].plot([], [], "-", color=colour, lw=3, label=verdict)[0]
        for verdict, colour in VERDICT_COLOURS.items()
    ]
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), frameon=False)
    fig.suptitle("Lever audit: paired effects (high − low, same seeds), right = as claimed")
    fig.tight_layout(rect=(0, 0.6 / height, 1, 1))
    return fig


def _base_cell(verdicts: pd.Series, base: str) -> str:
    return str(verdicts.get(f"verdict_{base}", "–"))


def summary_lines(verdicts: pd.DataFrame) -> list[str]:
    """'N of M levers act as claimed', then the inert and the reversed ones by name."""
    judged = verdicts[verdicts["verdict"] != UNCLAIMED]
    lines = [
        f"{int((judged['verdict'] == ACTS).sum())} of {len(judged)} audited levers act as claimed."
    ]
    for verdict in (INERT, REVERSED):
        named = list(judged.loc[judged["verdict"] == verdict, "lever"])
        if named:
            lines.append(f"{verdict.capitalize()} ({len(named)}): {', '.join(named)}.")
    return lines


def report_blocks(
    data: AuditData, effects: pd.DataFrame, verdicts: pd.DataFrame, origin: dict[str, Any]
) -> list[Block]:
    """The report's content, once, for both renderers."""
    plan = data.plan
    names = {slug: base.name for slug, base in plan.bases.items()}
    failed = len(data.failures)
    bases: list[tuple[Inline, ...]] = []
    for slug, base in plan.bases.items():
        item: list[Inline] = [Span(base.name, "strong"), " (", Span(slug, "code"), ")"]
        if base.path is not None:
            item += [": ", Span(str(base.path), "code")]
        bases.append(tuple(item))
    size = (
        f"every base resized to {plan.population} eligible people (founders and innovators "
        "scaled with it); "
        if plan.population is not None
        else ""
    )
    steps = sorted({b.parameters.steps for b in plan.bases.values()})
    blocks: list[Block] = [
        Heading("Lever audit", 1),
        Paragraph((f"netsim {origin['netsim_version']}, {origin['created']}.",)),
        Paragraph(
            (
                "Does each lever of the social model move the main outcomes the way its "
                "declaration claims (the seeds' reading, ",
                Span("docs/parameters.md", "code"),
                ", 'claimed effect')? Each lever is set a step below and a step above its "
                "value in each base scenario (or, for a choice, to each alternative its "
                "claim names), and both settings run on the same seeds.",
            )
        ),
        Heading("What was run"),
        Bullets(tuple(bases)),
        Paragraph(
            (
                f"{len(plan.levers)} levers × {len(plan.bases)} bases: {len(plan.arms)} settings "
                f"× {len(plan.seeds)} seeds = {plan.total} runs of "
                + ", ".join(str(s) for s in steps)
                + f" weekly steps; {size}step either side: {exact(100 * plan.delta)}% of the "
                "base value (the declared step where a claim states one; a share of the "
                "allowed range where the base value is 0; at least 1 for a whole number; "
                "clipped to the allowed range). Common random numbers: replicate r of every "
                f"setting uses seed derive_seed({plan.seed}, r), the seeds of netsim compare. "
                f"{plan.total - failed} runs succeeded"
                + (f" and {failed} failed (listed below)" if failed else "")
                + f"; {data.seconds:.1f} s on {data.workers} worker"
                + ("s" if data.workers != 1 else "")
                + ". Git commit ",
                Span(origin["git_commit"] or "unknown", "code"),
                ".",
            )
        ),
        Heading("Verdicts"),
        Bullets(tuple((line,) for line in summary_lines(verdicts))),
        Paragraph((Span("The rule.", "strong"), " ", CELL_RULE, " ", LEVER_RULE)),
        Table(
            ("lever", "group", "claimed effect", "verdict", *names.values(), "strongest"),
            tuple(
                (
                    str(row["lever"]),
                    spec_of(str(row["lever"])).group,
                    _claim_text(str(row["lever"])),
                    str(row["verdict"]),
                    *(_base_cell(row, slug) for slug in names),
                    _strongest(row),
                )
                for _, row in verdicts.iterrows()
            ),
            "strongest: the largest effect toward the claim over bases and outcomes, on the "
            "figure's scale (shares as they are, weeks as a share of the run length), "
            "whether or not its interval excludes 0.",
        ),
        Image(
            FOREST,
            "Forest plot of the paired effects per lever and outcome",
            "Each marker is one base's paired effect (high − low on the same seeds) with its "
            "95% interval, signed so that right is the claimed direction, coloured by "
            "that outcome's verdict. Shares and P(...) are on their own scale; weeks "
            "to 50% as a share of the run length.",
        ),
        Heading("Every effect"),
        Table(
            (
                "lever",
                "base",
                "low → high",
                "outcome",
                "claimed",
                "effect (95% CI)",
                "n",
                "verdict",
            ),
            tuple(
                (
                    str(r["lever"]),
                    str(r["base"]),
                    f"{r['low_value']} → {r['high_value']}",
                    outcome_phrase(str(r["outcome"])),
                    {"up": "↑", "down": "↓"}.get(str(r["claimed"]), "–"),
                    effect_text(r),
                    str(r["n_pairs"]),
                    str(r["verdict"]),
                )
                for _, r in effects.iterrows()
            ),
            "effect: high − low, the mean over paired seeds; 'pts' are percentage points "
            "(of runs for P(...), of the eligible population for shares); weeks to 50% in "
            "weeks, a run that never reached 50% counted as its length + 1.",
        ),
    ]
    if failed:
        blocks += [
            Heading("Failed runs"),
            Table(
                ("base", "setting", "replicate", "seed", "error"),
                tuple(
                    (str(r["base"]), str(r["arm"]), str(r["replicate"]), str(r["seed"]), r["error"])
                    for _, r in data.failures.iterrows()
                ),
                "A failed run's seed is left out of the contrasts that use its setting.",
            ),
        ]
    blocks += [
        Heading("How to read it"),
        Paragraph(
            (
                "Each effect is the mean over seeds of the paired difference between the two "
                "settings of one lever on one base (common random numbers, so the interval "
                "is that of the paired differences: a paired t-interval for shares and weeks, "
                "Newcombe's paired interval for P(critical mass) and P(fizzle-out)). "
                f"The margins ({_margins_text()}) keep a tiny effect measured very precisely "
                "from counting as a lever that acts. 'Inert' says the step moved nothing "
                "this audit can tell from noise at this many seeds and this step, not that "
                "the lever can never matter: a larger step or more seeds may show an effect. "
                "A base at a ceiling (every run reaches critical mass) cannot show a gain "
                "there; that is why three bases are audited and one acting base suffices. "
                "The intervals are not corrected for multiplicity: with some 15 per lever "
                "(5 outcomes × 3 bases), one may exclude 0 by chance (2.5% each way for each "
                "interval where the lever does nothing), so a verdict that rests on one "
                "interval just past its margin is worth a rerun of that lever with more "
                "seeds (--levers, --seeds).",
            )
        ),
    ]
    return blocks


def _strongest(row: pd.Series) -> str:
    if math.isnan(row["strongest"]):
        return "–"
    base, _, outcome = str(row["strongest_at"]).partition(": ")
    return f"{signed(row['strongest'])} ({base}, {outcome_phrase(outcome)})"


def _claim_text(lever: str) -> str:
    claim = spec_of(lever).claims
    return claim.describe() if claim is not None else "–"


def _margins_text() -> str:
    kinds = {BY_NAME[o].kind for o in AUDIT_OUTCOMES}
    words = {
        "flag": "5 points of runs",
        "share": "1 point of the eligible population",
        "weeks": "1 week",
        "count": "1 member",
    }
    return ", ".join(words[k] for k in MARGINS if k in kinds)


def design_document(plan: AuditPlan) -> dict[str, Any]:
    """The audit's design as JSON: what a rerun needs to match it."""
    return {
        "levers": list(plan.levers),
        "bases": [
            {
                "slug": slug,
                "name": base.name,
                "path": str(base.path) if base.path else None,
                "parameters": base.parameters.to_dict(),
            }
            for slug, base in plan.bases.items()
        ],
        "seed": plan.seed,
        "seeds": list(plan.seeds),
        "delta": plan.delta,
        "steps": plan.steps,
        "population": plan.population,
        "base_arm": BASE_ARM,
    }


def write_audit(data: AuditData, folder: Path | str) -> AuditReport:
    """Analyse an audit and write its tables, figure and report into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    plan = data.plan
    effects, verdicts = analyse(data)
    write_table(data.runs, folder, "runs")
    for table, name in (
        (plan.contrast_table(), "contrasts.csv"),
        (effects, "effects.csv"),
        (verdicts, "levers.csv"),
        (data.failures, "failed_runs.csv"),
    ):
        atomic_write(folder / name, partial(_to_csv, table))
    names = {slug: base.name for slug, base in plan.bases.items()}
    png = plots.figure_png(forest_figure(effects, names), metadata={"Software": None})
    atomic_write(folder / FOREST, partial(Path.write_bytes, data=png))
    origin = provenance(plan.seed)
    document = {
        "provenance": {k: v for k, v in origin.items() if k != "scenario_text"},
        "design": design_document(plan),
        "workers": data.workers,
        "seconds": round(data.seconds, 3),
        "rules": {"outcome": CELL_RULE, "lever": LEVER_RULE},
    }
    atomic_write_text(folder / "audit.json", json.dumps(document, indent=2, default=str) + "\n")
    blocks = report_blocks(data, effects, verdicts, origin)
    atomic_write_text(folder / "report.md", render_markdown(blocks))
    atomic_write_text(folder / "report.html", render_html(blocks, {FOREST: png}))
    return AuditReport(folder, effects, verdicts)


def _to_csv(table: pd.DataFrame, path: Path) -> None:
    table.to_csv(path, index=False)
