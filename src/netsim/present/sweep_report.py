"""``netsim analyse``: every analysis that applies to a sweep's design, its figures and a
short report (Markdown and self-contained HTML) written beside the results.

:func:`analyse` decides what applies (labels and curves always; a tipping point along a
numeric parameter; phase diagrams for grids; Sobol' or Morris indices for those designs)
and records why anything was skipped; :func:`report_blocks` turns the result into
:mod:`netsim.present.compare_report` blocks; :func:`analyse_folder` reads a results folder
and writes it all.
The computations live in :mod:`netsim.analysis.summaries`, :mod:`netsim.analysis.tipping` and
:mod:`netsim.analysis.sensitivity`; the figures in :mod:`netsim.present.plots`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from netsim.analysis.sensitivity import SENSITIVITY_OUTCOMES, morris_indices, sobol_indices
from netsim.analysis.summaries import (
    BIMODALITY_MIN_SD,
    BIMODALITY_THRESHOLD,
    BINS,
    BOOLEAN_OUTCOMES,
    CURVE_OUTCOMES,
    FAILED_LABEL,
    FLAG_RULES,
    LABEL_RULES,
    MAX_LEVELS,
    SPREAD_OF,
    AnalysisError,
    bimodality_table,
    is_numeric,
    label_counts,
    label_runs,
    levels_of,
    outcome_curves,
    phase_table,
    successful,
)
from netsim.analysis.tipping import (
    BOOTSTRAP,
    BOOTSTRAP_SEED,
    TippingPoint,
    refined_experiment_text,
    suggest_refinement,
    tipping_by_table,
    tipping_point,
    tipping_points_by,
)
from netsim.config.outcomes import BY_NAME, OUTCOME_LABELS, PROBABILITY_NAMES, RUN_LABELS
from netsim.errors import suggest
from netsim.numbers import (
    NO_INTERVAL,
    measured,
    measured_interval,
    same_decimals,
    significant,
)
from netsim.present import plots
from netsim.present import sweep_plots as analysis_plots
from netsim.present.compare_report import (
    Bullets,
    Heading,
    Image,
    Paragraph,
    Span,
    Table,
    render_html,
    render_markdown,
)
from netsim.present.discovery_report import discovery_of, summary_blocks, write_discovery
from netsim.results.files import atomic_write, atomic_write_bytes, atomic_write_text, provenance
from netsim.results.sweep_folder import AnalysisSettings, Manifest, SweepFolder


def _pick_parameter(runs: pd.DataFrame, numeric: list[str], outcome: str) -> str | None:
    """The numeric varied parameter along which the share of ``outcome`` changes most."""
    best, spread = None, -1.0
    for name in numeric:
        shares = runs.groupby(levels_of(runs[name]))[outcome].mean()
        change = float(shares.max() - shares.min()) if len(shares) > 1 else 0.0
        if change > spread:
            best, spread = name, change
    return best


def _unknown(kind: str, name: str, allowed: Sequence[str]) -> AnalysisError:
    hint = suggest(name, allowed, style="lead")
    return AnalysisError(f"{kind} {name!r} is not allowed; {hint}allowed: {', '.join(allowed)}")


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)


def _png(fig: Any) -> bytes:
    return plots.figure_png(fig)


@dataclass
class Analysis:
    """What :func:`analyse_folder` computed: tables by file stem, figures, notes, the fit."""

    manifest: Manifest
    runs: pd.DataFrame
    outcome: str
    parameter: str | None
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    images: dict[str, bytes] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    tipping: TippingPoint | None = None
    refinement: list[float] = field(default_factory=list)
    refined_text: str | None = None
    by: str | None = None
    tipping_by: dict[Any, TippingPoint] = field(default_factory=dict)
    """The tipping point per level of ``by`` (:func:`netsim.analysis.tipping.tipping_points_by`)."""


DEFAULT_OUTCOME = "critical_mass_reached"
DEFAULT_PHASE_OUTCOMES = ("critical_mass_reached", "final_adoption")


def analyse(
    manifest: Manifest,
    runs: pd.DataFrame,
    outcome: str | None = None,
    parameter: str | None = None,
    *,
    bootstrap: int = BOOTSTRAP,
    design_matrix: pd.DataFrame | None = None,
    by: str | None = None,
    phase_outcomes: Sequence[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> Analysis:
    """Every analysis that applies to the design and the varied parameters, with notes on
    what was skipped and why. Figures come from :mod:`netsim.present.plots`. ``design_matrix`` is
    the sweep's raw sample (point_id + one column per parameter), used by Morris.

    ``outcome``, ``parameter``, ``by`` and ``phase_outcomes`` default to the experiment
    file's [analysis] table (``manifest.analysis``), so an experiment says once what its
    analysis is about; without it: critical_mass_reached, the numeric parameter along which
    the outcome changes most, no split, and critical mass with final adoption. With ``by``,
    the tipping point is also estimated at each level of ``by``. ``progress(stage)`` is
    told each stage as it starts (the tipping point's bootstrap is the long one)."""
    say = progress or _silent
    settings: AnalysisSettings = manifest.analysis
    outcome = outcome or settings.outcome or DEFAULT_OUTCOME
    parameter = parameter or settings.parameter
    by = by or settings.by
    requested = tuple(phase_outcomes or settings.phase_outcomes or ())
    phase_outcomes = requested or DEFAULT_PHASE_OUTCOMES
    varied = manifest.varied_names
    kinds = {f.name: f.kind for f in manifest.varied}
    if outcome not in BOOLEAN_OUTCOMES:
        raise _unknown("outcome", outcome, BOOLEAN_OUTCOMES)
    if parameter is not None and parameter not in varied:
        raise _unknown("parameter", parameter, varied)
    if by is not None and by not in varied:
        raise _unknown("parameter to split by", by, varied)
    absent = [o for o in requested if o not in runs.columns]
    if absent:
        raise AnalysisError(f"the runs table has no {', '.join(map(repr, absent))} column")
    needed = [*varied, outcome, *(c for c in RUN_LABELS if c != outcome)]
    missing = [c for c in needed if c not in runs.columns]
    if missing:
        raise AnalysisError(f"the runs table has no {', '.join(map(repr, missing))} column")
    labelled = label_runs(runs)
    ok = successful(runs)
    if ok.empty:
        raise AnalysisError(f"no successful runs to analyse ({len(runs)} failed)")
    numeric = [n for n in varied if is_numeric(ok[n]) and kinds.get(n) != "choice"]
    if parameter is None:
        parameter = _pick_parameter(ok, numeric, outcome) or (varied[0] if varied else None)
    result = Analysis(manifest, labelled, outcome, parameter, by=by)
    result.tables["runs_labelled"] = labelled
    result.tables["label_counts"] = label_counts(labelled)
    if parameter is None:
        result.notes.append("No parameter was varied: only the labels are reported.")
        return result

    say(f"outcome curves by level ({len(ok)} successful runs of {len(runs)})")
    result.tables["label_counts_by_level"] = label_counts(labelled, parameter)
    result.images["labels.png"] = _png(
        plots.label_shares(result.tables["label_counts_by_level"], parameter)
    )
    curves = pd.concat([outcome_curves(runs, name) for name in varied], ignore_index=True)
    result.tables["level_summary"] = curves
    if len(varied) > 6:
        result.notes.append(f"Curve figures drawn for 6 of {len(varied)} varied parameters.")
    for name in [parameter, *(n for n in varied if n != parameter)][:6]:
        drawn = [outcome, *(o for o in CURVE_OUTCOMES if o != outcome)]
        result.images[f"curves_{_safe(name)}.png"] = _png(
            plots.outcome_curves(curves[curves["parameter"] == name], name, drawn)
        )
    if ok[parameter].nunique() > MAX_LEVELS:
        result.notes.append(
            f"{parameter} has {ok[parameter].nunique()} distinct values: curves, labels and "
            f"bimodality use {BINS} equal-width bins (a level is a bin centre)."
        )

    if parameter in numeric:
        say(f"tipping point along {parameter} ({bootstrap} bootstrap resamples)")
        tp = tipping_point(runs, parameter, outcome, bootstrap=bootstrap)
        result.tipping = tp
        result.tables["tipping_point"] = pd.DataFrame([tp.row()])
        result.tables["tipping_levels"] = tp.levels
        result.images["tipping_point.png"] = _png(
            plots.tipping_point(tp.levels, tp.curve(), tp.row(), parameter, outcome)
        )
        if tp.found:
            bounds = manifest.factor(parameter).bounds
            integer = True if kinds.get(parameter) == "int" else None
            result.refinement = suggest_refinement(
                runs, parameter, outcome, tipping=tp, bounds=bounds, integer=integer
            )
            if result.refinement:
                try:
                    result.refined_text = refined_experiment_text(
                        manifest, result.refinement, parameter
                    )
                except AnalysisError as err:
                    result.notes.append(f"No refined experiment file written: {err}.")
        if by is not None and by != parameter:
            say(f"tipping point at each level of {by}")
            result.tipping_by = tipping_points_by(runs, parameter, by, outcome, bootstrap=bootstrap)
            result.tables["tipping_by"] = tipping_by_table(result.tipping_by, by)
            result.images["tipping_by.png"] = _png(
                analysis_plots.tipping_by(result.tipping_by, parameter, by)
            )
    else:
        result.notes.append(
            f"No tipping point: {parameter} is not numeric (a choice between values)."
        )

    spread_outcome = SPREAD_OF[outcome]
    if spread_outcome in ok.columns:
        say("bimodality by level")
        result.tables["bimodality"] = bimodality_table(runs, parameter, spread_outcome)
        result.images["distributions.png"] = _png(
            plots.level_distributions(
                pd.DataFrame({"level": levels_of(ok[parameter]), "value": ok[spread_outcome]}),
                result.tables["bimodality"],
                parameter,
                spread_outcome,
                threshold=BIMODALITY_THRESHOLD,
                min_sd=BIMODALITY_MIN_SD,
            )
        )

    design = manifest.design
    if design == "grid" and len(varied) >= 2:
        pairs = [p for p in combinations(varied, 2) if parameter in p]
        pairs += [p for p in combinations(varied, 2) if parameter not in p]
        say(f"phase diagrams ({min(len(pairs), 3)})")
        for x, y in pairs[:3]:
            if y == parameter:  # the main parameter along the horizontal axis
                x, y = y, x
            stem = f"phase_{_safe(x)}__{_safe(y)}"
            result.tables[stem] = phase_table(runs, x, y, phase_outcomes)
            result.images[f"{stem}.png"] = _png(
                plots.phase_diagram(result.tables[stem], x, y, phase_outcomes)
            )
        if len(pairs) > 3:
            result.notes.append(f"Phase diagrams drawn for 3 of {len(pairs)} parameter pairs.")
    else:
        reason = "the design is not a grid" if design != "grid" else "only one parameter varied"
        result.notes.append(f"No phase diagram: {reason} (they need a grid over two or more).")

    if design in ("sobol", "morris"):
        say(f"{design} sensitivity indices")
        _sensitivity(result, runs, design, design_matrix)
    else:
        result.notes.append(
            f"No sensitivity indices: the design is {design!r}; Sobol' indices need a 'sobol' "
            "design and Morris screening a 'morris' design."
        )
    return result


def _sensitivity(
    result: Analysis, runs: pd.DataFrame, design: str, matrix: pd.DataFrame | None
) -> None:
    manifest = result.manifest
    salib = manifest.salib_problem
    if salib is None:
        result.notes.append(
            f"No sensitivity indices: the {design} design's manifest has no usable "
            "'salib_problem' (num_vars, names, bounds)."
        )
        return
    problem = salib.to_json()
    n_points = manifest.points
    x = None
    if matrix is not None and set(salib.names) <= set(matrix.columns):
        x = matrix.sort_values("point_id")[list(salib.names)].to_numpy(dtype=float)
    outcomes = [o for o in SENSITIVITY_OUTCOMES if o in runs.columns]
    tables, seconds = [], []
    for outcome in outcomes:
        try:
            if design == "sobol":
                sobol = sobol_indices(
                    runs,
                    problem,
                    outcome,
                    n_points=n_points,
                    calc_second_order=manifest.calc_second_order,
                )
                tables.append(sobol.indices)
                seconds.append(sobol.second_order)
            else:
                tables.append(
                    morris_indices(
                        runs,
                        problem,
                        outcome,
                        n_points=n_points,
                        num_levels=manifest.num_levels or 4,
                        choices={f.name: f.levels for f in manifest.varied if f.levels},
                        x=x,
                    )
                )
        except (AnalysisError, ValueError, RuntimeError) as err:
            result.notes.append(f"No {design} indices for {outcome}: {err}.")
    if not tables:
        return
    table = pd.concat(tables, ignore_index=True)
    result.tables[design] = table
    if design == "sobol":
        result.images["sobol.png"] = _png(
            plots.sensitivity_bars(table, {"S1": "S1_conf", "ST": "ST_conf"}, "Sobol' index")
        )
        second = pd.concat(seconds, ignore_index=True)
        if not second.empty:
            result.tables["sobol_s2"] = second
    else:
        result.images["morris.png"] = _png(
            plots.sensitivity_bars(table, {"mu_star": "mu_star_conf", "sigma": None}, "Morris")
        )


# --- the report ---------------------------------------------------------------------------


def _level_text(level: Any) -> str:
    return significant(float(level)) if isinstance(level, int | float | np.number) else str(level)


def _estimate(row: pd.Series, outcome: str, runs: int) -> str:
    """A level's outcome cell in the reports' precision policy (:func:`measured_interval`);
    a time to a level says how many of the level's runs reached it."""
    declared = BY_NAME.get(outcome)
    kind = declared.kind if declared else ("flag" if row["kind"] == "proportion" else "number")
    n = int(row["n"])
    if kind == "weeks" and n == 0:
        return f"no run reached it (0 of {runs})"
    text = measured_interval(row["mean"], row["ci_low"], row["ci_high"], kind)
    if kind == "weeks":
        return f"{text}; n = {n} of {runs}"
    return text if n == runs else f"{text}; n = {n} of {runs}"


def _x0_cells(tp: TippingPoint) -> tuple[str, str]:
    """x0 and its interval ('low to high') in the same decimals, or why either is missing."""
    x0, low, high = same_decimals(tp.x0, tp.ci_low, tp.ci_high)
    return (x0 if tp.found else "none", _x0_interval(tp, low, high))


def _x0_interval(tp: TippingPoint, low: str, high: str) -> str:
    """The tipping point's interval as 'low to high', or why there is none, in words."""
    if not (math.isnan(tp.ci_low) or math.isnan(tp.ci_high)):
        return f"{low} to {high}"
    if tp.method == "none":
        return "none: no tipping point"
    return "none: no bootstrap resample crossed 1/2"


def _width_text(tp: TippingPoint) -> str:
    """The logistic width s in words, its sign above all (s < 0: the outcome falls as the
    parameter rises)."""
    if math.isnan(tp.s):
        if tp.method == "separation":
            return "not identified: the jump is sharper than the sampled levels resolve"
        return "none: no curve was fitted"
    name = f"P({PROBABILITY_NAMES.get(tp.outcome, tp.outcome)})"
    size = significant(abs(tp.s))
    if tp.s < 0:
        return (
            f"{significant(tp.s)}, negative: {name} falls as {tp.parameter} rises, from 73% "
            f"at x0 − {size} to 27% at x0 + {size}"
        )
    return (
        f"{significant(tp.s)}, positive: {name} rises with {tp.parameter}, from 27% at "
        f"x0 − {size} to 73% at x0 + {size}"
    )


TIPPING_LEGEND = (
    "outcome: the yes/no outcome whose share of runs is fitted; parameter: the lever it is "
    "fitted along; method: 'logistic' (a maximum-likelihood logistic curve), 'separation' "
    "(every level all yes or all no: a step between two levels, no curve) or 'none' (no "
    "crossing of 1/2); x0: where the fitted share of runs crosses 1/2, in the parameter's "
    "units; 95% CI: the percentile-bootstrap interval of x0 (for a step, the two levels "
    "either side of it); width s: the distance in the parameter over which the odds change "
    "e-fold (the share goes from 27% to 73% over 2|s|); s < 0 means the share falls as the "
    "parameter rises (as fizzle-out falls with more funding), s > 0 that it rises; runs: "
    "successful runs fitted; resamples: bootstrap resamples that crossed 1/2 (of those drawn)."
)


def _spread_kind(outcome: str) -> str:
    declared = BY_NAME.get(outcome)
    return declared.kind if declared else "number"


def _spread_text(sd: float, outcome: str) -> str:
    """A standard deviation in its outcome's terms: points of the population for a share."""
    if _spread_kind(outcome) == "share":
        return measured(sd, "share", difference=True).lstrip("+")
    return significant(sd)


def _bimodal_text(row: pd.Series) -> str:
    """'yes', 'no', or why a level with a high b is still not called bimodal."""
    if row["bimodal"]:
        return "yes"
    if row["bimodality"] > BIMODALITY_THRESHOLD:
        return (
            f"no: b above 5/9 but sd below {_spread_text(BIMODALITY_MIN_SD, str(row['outcome']))}"
        )
    return "no"


def _settled_paragraph(runs: pd.DataFrame) -> list[Paragraph]:
    """How many successful runs had settled labels at their last step (none said for a
    folder from before the ``settled`` field)."""
    if "settled" not in runs.columns:
        return []
    ok = successful(runs)
    if ok.empty:
        return []
    settled = int(ok["settled"].sum())
    return [
        Paragraph(
            (
                f"{settled} of {len(ok)} successful runs "
                f"({measured(settled / len(ok), 'flag')}) had settled labels at their last "
                "step; the others ended while a label could still change.",
            )
        )
    ]


def report_blocks(result: Analysis, files: Sequence[str]) -> list[Any]:
    """The analysis report's content as :mod:`netsim.present.compare_report` blocks.

    One list, two renderers (Markdown and HTML).
    """

    m, runs, parameter = result.manifest, result.runs, result.parameter
    origin = m.provenance
    name = m.name or "unnamed sweep"
    ok = int((runs["label"] != FAILED_LABEL).sum())
    blocks: list[Any] = [Heading(f"Sweep analysis: {name}", 1)]
    if m.description:
        blocks.append(Paragraph((m.description,)))
    fixed = m.fixed
    base = f"Base scenario: {m.scenario or 'the defaults'}" + (
        "; fixed: " + ", ".join(f"{k} = {v}" for k, v in fixed.items()) if fixed else ""
    )
    blocks += [
        Heading("What was run"),
        Paragraph(
            (
                f"Design {m.design}, {m.replicates} replicates per point, "
                f"{m.steps} weekly steps, base seed {m.seed}; "
                f"{m.total_runs} runs planned, {len(runs)} found, {ok} succeeded. "
                f"{base}. "
                f"Sweep by netsim {origin.netsim_version or '?'} on "
                f"{origin.created or '?'}, git commit ",
                Span(origin.git_commit or "unknown", "code"),
                " (uncommitted changes)." if origin.git_dirty else ".",
            )
        ),
        Table(
            ("parameter", "kind", "low", "high", "levels"),
            tuple(
                (
                    f.name,
                    f.kind,
                    "none: listed" if f.low is None else str(f.low),
                    "none: listed" if f.high is None else str(f.high),
                    ", ".join(map(str, f.levels)) if f.levels else "drawn from the range",
                )
                for f in m.varied
            ),
            "Varied parameters, as declared in the experiment file. parameter: its name "
            "(docs/parameters.md); kind: int, float or choice; low and high: the range a "
            "sampled design draws from (none where the values are listed); levels: the values "
            "a grid or list runs.",
        ),
        Heading("Run labels"),
        Bullets(tuple((Span(label, "strong"), ": " + rule) for label, rule in LABEL_RULES.items())),
        Paragraph(("The rules are applied in this order; the first that holds labels the run.",)),
        Paragraph(("The yes/no fields they read, each run's own:",)),
        Bullets(
            tuple(
                (Span(flag, "code"), ": " + rule + ".")
                for flag, rule in FLAG_RULES.items()
                if flag in runs.columns
            )
        ),
        *_settled_paragraph(runs),
        Table(
            ("label", "runs", "share"),
            tuple(
                (str(r["label"]), str(r["runs"]), measured(r["share"], "flag"))
                for _, r in result.tables["label_counts"].iterrows()
            ),
            "label: how a run ended, by the rules above (failed: the run raised an error); "
            "runs: how many runs got the label; share: those runs as a share of all runs.",
        ),
    ]
    if "labels.png" in result.images:
        blocks.append(
            Image(
                "labels.png",
                "Run labels per level",
                f"Share of runs per label at each level of {parameter}.",
            )
        )
    if parameter is not None and "level_summary" in result.tables:
        curves = result.tables["level_summary"]
        mine = curves[curves["parameter"] == parameter]
        shown = [o for o in CURVE_OUTCOMES if o in set(mine["outcome"])]
        rows = []
        for level in dict.fromkeys(mine["level"]):
            at = mine[mine["level"] == level].set_index("outcome")
            runs_here = int(at["n"].max())
            rows.append(
                (
                    _level_text(level),
                    str(runs_here),
                    *(_estimate(at.loc[o], o, runs_here) for o in shown),
                )
            )
        blocks += [
            Heading(f"Outcomes along {parameter}"),
            Table(
                (parameter, "runs", *(OUTCOME_LABELS.get(o, o) for o in shown)),
                tuple(rows),
                f"{parameter}: the level (a bin centre for many-valued designs); runs: the "
                "successful runs at that level, pooled over the other varied parameters. "
                "Each outcome column: for a yes/no outcome the share of runs where it held "
                "with its 95% Wilson interval (low to high); otherwise the mean over runs "
                "with its 95% t-interval; shares of the population in % to one decimal. "
                f"n = k of m: only k of the level's m runs had a value. '{NO_INTERVAL}': "
                "fewer than two. The outcomes are defined under Run labels and in "
                "docs/outcomes.md; every summary field is in level_summary.csv.",
            ),
        ]
        for filename in result.images:
            if filename.startswith("curves_"):
                blocks.append(Image(filename, filename, "Outcomes per level with 95% intervals."))
    blocks.append(Heading("Tipping point"))
    tp = result.tipping
    if tp is None:
        blocks.append(Paragraph(("Not estimated (see the notes).",)))
    else:
        blocks += [
            Paragraph((Span(tp.statement(), "strong"),)),
            Table(
                ("outcome", "parameter", "method", "x0", "95% CI", "width s", "runs", "resamples"),
                (
                    (
                        tp.outcome,
                        tp.parameter,
                        tp.method,
                        *_x0_cells(tp),
                        same_decimals(tp.s)[0] if not math.isnan(tp.s) else "not identified",
                        str(tp.n_runs),
                        f"{tp.n_bootstrap} of {tp.resamples}" if tp.resamples else "none drawn",
                    ),
                ),
                TIPPING_LEGEND,
            ),
            Paragraph((f"Width s: {_width_text(tp)}.",)),
            Paragraph(
                (
                    "Method: the logistic curve P = 1/(1 + exp(-(x - x0)/s)) fitted by maximum "
                    "likelihood to the yes/no outcome of every successful run (pooled over the "
                    "other varied parameters, if any); the interval is "
                    f"the percentile bootstrap over {tp.resamples or 'no'} resamples of runs "
                    f"within each level (seed {BOOTSTRAP_SEED}). If the levels are perfectly "
                    "separated (all 0 below, all 1 above), no curve fits: the jump is placed "
                    "midway between the last all-0 and the first all-1 level, and the interval "
                    "is those two levels. " + tp.note,
                )
            ),
        ]
        if "tipping_point.png" in result.images:
            blocks.append(
                Image(
                    "tipping_point.png",
                    "Tipping point",
                    "Share of runs per level (Wilson "
                    "95% intervals), the fitted curve, x0 and its interval (shaded).",
                )
            )
        if result.refinement:
            blocks.append(
                Paragraph(
                    (
                        f"To locate it more precisely, sweep {tp.parameter} at: ",
                        Span(", ".join(_level_text(v) for v in result.refinement), "code"),
                        " (netsim.analysis.tipping.suggest_refinement"
                        + (
                            "; refined_experiment.toml is written beside this report)."
                            if result.refined_text
                            else ")."
                        ),
                    )
                )
            )
    if result.tipping_by:
        blocks += [
            Heading(f"Tipping point by {result.by}"),
            Paragraph(
                (
                    f"The same fit at each level of {result.by} separately (own bootstrap, same "
                    "seed): how far the tipping point moves.",
                )
            ),
            Table(
                (str(result.by), "method", "x0", "95% CI", "width s", "runs", "statement"),
                tuple(
                    (
                        _level_text(level),
                        tp.method,
                        *_x0_cells(tp),
                        same_decimals(tp.s)[0] if not math.isnan(tp.s) else "not identified",
                        str(tp.n_runs),
                        tp.statement(),
                    )
                    for level, tp in result.tipping_by.items()
                ),
                f"{result.by}: the level the runs were split by; method, x0, 95% CI, width s "
                "and runs: as in the tipping point table above, for those runs alone (a "
                f"negative width s: the share of runs falls as {parameter} rises); statement: "
                "the fit in words.",
            ),
        ]
        if "tipping_by.png" in result.images:
            blocks.append(
                Image(
                    "tipping_by.png",
                    "Tipping point by level",
                    f"Share of runs per level (Wilson 95% intervals) and fitted curves, one "
                    f"colour per {result.by}; the bars below the axis are each x0's interval.",
                )
            )
    if "bimodality" in result.tables:
        table = result.tables["bimodality"]
        spread_outcome = str(table["outcome"].iloc[0]) if not table.empty else ""
        blocks += [
            Heading("Bimodality near the tipping point"),
            Paragraph(
                (
                    f"Near a tipping point, runs with the same {parameter} split into two groups "
                    f"(take-off and fizzle-out), so {OUTCOME_LABELS.get(spread_outcome, '')} is "
                    "bimodal. Sarle's coefficient b = (g² + 1)/(k + 3(n−1)²/((n−2)(n−3))) "
                    "(g skewness, k excess kurtosis) above 5/9 ≈ 0.556 (a uniform "
                    "distribution) suggests two modes, but it measures the shape of the spread, "
                    "not its size. The rule here: a level is bimodal if b > 5/9 and the runs' "
                    "standard deviation is at least "
                    f"{_spread_text(BIMODALITY_MIN_SD, spread_outcome)} "
                    f"({significant(BIMODALITY_MIN_SD)} in the outcome's units: two groups of "
                    "runs 10 points apart, half in each, have that sd). A level whose runs all "
                    "end within a few points is one outcome with noise, whatever its b.",
                )
            ),
            Table(
                (str(parameter), "runs", "mean", "sd", "b", "bimodal?"),
                tuple(
                    (
                        _level_text(r["level"]),
                        str(r["n"]),
                        measured(r["mean"], _spread_kind(spread_outcome)),
                        _spread_text(r["sd"], spread_outcome),
                        significant(r["bimodality"])
                        if not math.isnan(r["bimodality"])
                        else "none: under 4 runs or no spread",
                        _bimodal_text(r),
                    )
                    for _, r in table.iterrows()
                ),
                f"{parameter}: the level; runs: successful runs there; mean and sd: the mean "
                f"and standard deviation of {OUTCOME_LABELS.get(spread_outcome, spread_outcome)} "
                "over those runs (sd in percentage points for a share); b: Sarle's bimodality "
                "coefficient; bimodal?: yes if b > 5/9 and sd ≥ "
                f"{_spread_text(BIMODALITY_MIN_SD, spread_outcome)} (the rule above).",
            ),
        ]
        if "distributions.png" in result.images:
            blocks.append(
                Image(
                    "distributions.png",
                    "Distributions per level",
                    "Each dot a run; orange: the levels the table calls bimodal.",
                )
            )
    phases = [f for f in result.images if f.startswith("phase_")]
    if phases:
        blocks.append(Heading("Phase diagrams"))
        blocks += [
            Image(
                f,
                f,
                "Per cell of the grid: the share of runs for yes/no outcomes, the mean over "
                "runs otherwise (pooled over any other varied parameter; a time is averaged "
                "over the runs that got there).",
            )
            for f in phases
        ]
    for design, columns in (
        ("sobol", ("S1", "S1_conf", "ST", "ST_conf")),
        ("morris", ("mu_star", "mu_star_conf", "sigma", "mu")),
    ):
        if design not in result.tables:
            continue
        table = result.tables[design]
        blocks += [
            Heading("Sensitivity: Sobol' indices" if design == "sobol" else "Sensitivity: Morris"),
            Paragraph(
                (
                    "Computed with SALib on the mean over replicates at each sample point (the "
                    "share of replicates for yes/no outcomes). "
                    + (
                        "S1: share of output variance due to the input alone; ST: including its "
                        "interactions; ± is SALib's 95% bootstrap half-width."
                        if design == "sobol"
                        else "mu*: mean absolute elementary effect, the change in the outcome "
                        "per unit of the input's range scaled to [0, 1]; mu: the signed mean; "
                        "sigma: their spread (interactions, non-linearity)."
                    ),
                )
            ),
            Table(
                ("outcome", "parameter", *columns),
                tuple(
                    (str(r["outcome"]), str(r["parameter"]), *(significant(r[c]) for c in columns))
                    for _, r in table.iterrows()
                ),
                "outcome: the summary field analysed; parameter: the input; "
                + (
                    "S1: first-order index (the share of the outcome's variance due to this "
                    "input alone); S1_conf: its 95% bootstrap half-width (S1 ± S1_conf); ST: "
                    "total-order index (with all its interactions); ST_conf: its half-width. "
                    "ST much above S1: the input acts through interactions."
                    if design == "sobol"
                    else "mu_star: the mean absolute elementary effect (how much the outcome "
                    "moves per step of the input over its range scaled to [0, 1]); "
                    "mu_star_conf: its 95% bootstrap half-width; sigma: the spread of the "
                    "effects (interactions, non-linearity); mu: the signed mean effect (mu "
                    "near -mu_star: the outcome falls as the input rises)."
                ),
            ),
            Image(f"{design}.png", design, "Indices with 95% bootstrap intervals."),
        ]
    if result.notes:
        blocks += [Heading("Notes"), Bullets(tuple((n,) for n in result.notes))]
    failed = runs[runs["label"] == FAILED_LABEL]
    if not failed.empty:
        blocks += [
            Heading("Failed runs"),
            Table(
                ("run_id", "point_id", "seed", "error"),
                tuple(
                    (
                        str(r.get("run_id")),
                        str(r.get("point_id")),
                        str(r.get("seed")),
                        str(r.get("error") or ""),
                    )
                    for _, r in failed.head(20).iterrows()
                ),
                f"{len(failed)} failed runs (first 20 shown); they are left out of every table. "
                "run_id: the run's number in the sweep; point_id: its design point; seed: its "
                "seed; error: what it raised.",
            ),
        ]
    blocks += [Heading("Files"), Bullets(tuple((Span(f, "code"),) for f in files))]
    return blocks


def _write_csv(table: pd.DataFrame, path: Path) -> None:
    table.to_csv(path, index=False)


def _silent(stage: str) -> None:
    """No progress wanted."""


def analyse_folder(
    path: Path,
    outcome: str | None = None,
    parameter: str | None = None,
    *,
    bootstrap: int = BOOTSTRAP,
    figures: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> Path:
    """Analyse a sweep's results folder and write ``path / "analysis"``; returns that folder.

    Reads ``manifest.json``, ``runs/part-*.parquet`` and, if there, ``design.parquet`` (the
    raw sample, for Morris) and writes: ``runs_labelled.csv``,
    ``label_counts.csv``, ``label_counts_by_level.csv``, ``level_summary.csv`` (every
    varied parameter x level x summary field), ``tipping_point.csv``, ``tipping_levels.csv``,
    ``bimodality.csv``, ``phase_*.csv``, ``sobol.csv``/``sobol_s2.csv`` or ``morris.csv``
    (what applies), PNG figures, ``refined_experiment.toml`` when a tipping point was found
    in a parsable experiment text, ``report.md`` and ``report.html`` (self-contained) and
    ``analysis.json`` (what was written, and provenance). Files an earlier analysis wrote and
    this one did not are removed. Each file is written atomically.

    ``figures``: a folder (e.g. ``results/figures/findings``) that also gets a copy of the
    figures the experiment's [analysis] ``figures`` list names (every figure if it names
    none), as ``<experiment file stem>_<figure>``, so the docs' figures regenerate with the
    sweep's command (see :func:`copy_figures`). ``progress(stage)`` hears each stage as it
    starts (see :func:`analyse`).
    """
    say = progress or _silent
    path = Path(path)
    sweep = SweepFolder(path)
    manifest = sweep.manifest
    runs = sweep.runs(required=True)
    result = analyse(
        manifest,
        runs,
        outcome,
        parameter,
        bootstrap=bootstrap,
        design_matrix=sweep.design(),
        progress=say,
    )
    outcome = result.outcome
    folder = path / "analysis"
    folder.mkdir(parents=True, exist_ok=True)
    written: list[str] = []
    for stem, table in result.tables.items():
        atomic_write(folder / f"{stem}.csv", partial(_write_csv, table))
        written.append(f"{stem}.csv")
    for filename, png in result.images.items():
        atomic_write_bytes(folder / filename, png)
        written.append(filename)
    if result.refined_text is not None:
        atomic_write_text(folder / "refined_experiment.toml", result.refined_text)
        written.append("refined_experiment.toml")
    discovered = []
    for name in manifest.analysis.discover or ():
        say(f"scenario discovery of {name} (PRIM)")
        found = discovery_of(sweep, name)
        image = f"discovery_{name}.png"
        result.images[image] = write_discovery(found, path / "discovery" / name, manifest.name)
        atomic_write_bytes(folder / image, result.images[image])
        written.append(image)
        discovered += summary_blocks(found, image)
    written += ["report.md", "report.html", "analysis.json"]
    say("writing the report")
    blocks = report_blocks(result, written) + discovered
    atomic_write_text(folder / "report.md", render_markdown(blocks))
    atomic_write_text(folder / "report.html", render_html(blocks, result.images))
    record = folder / "analysis.json"
    if record.is_file():
        try:
            previous = json.loads(record.read_text(encoding="utf-8")).get("files", [])
        except (OSError, ValueError, AttributeError):
            previous = []
        for stale in set(previous) - set(written):
            if isinstance(stale, str) and "/" not in stale and (folder / stale).is_file():
                (folder / stale).unlink()
    document = {
        "provenance": {k: v for k, v in provenance().items() if k != "scenario_text"},
        "outcome": outcome,
        "parameter": result.parameter,
        "tipping_point": result.tipping.row() if result.tipping else None,
        "refinement": result.refinement,
        "notes": result.notes,
        "files": written,
    }
    atomic_write_text(record, json.dumps(document, indent=2, default=str) + "\n")
    if figures is not None:
        copy_figures(manifest, folder, Path(figures))
    return folder


def copy_figures(manifest: Manifest, analysis: Path, target: Path) -> list[Path]:
    """Copy the figures the experiment's [analysis] ``figures`` names (every PNG in
    ``analysis`` if it names none) into ``target`` as ``<experiment stem>_<figure>``.

    The stem is the experiment file's (``manifest.experiment_file``), else the results
    folder's name. Raises :class:`AnalysisError` naming any listed figure the analysis did
    not draw (a stale list would leave the docs showing old figures).
    """

    named = manifest.analysis.figures
    names = list(named) if named else sorted(p.name for p in analysis.glob("*.png"))
    missing = [n for n in names if not (analysis / n).is_file()]
    if missing:
        raise AnalysisError(
            f"the analysis drew no {', '.join(missing)}; drawn: "
            f"{', '.join(sorted(p.name for p in analysis.glob('*.png')))}"
        )
    source = manifest.experiment_file
    stem = Path(source).stem if source else analysis.parent.name
    target.mkdir(parents=True, exist_ok=True)
    copied = []
    for name in names:
        data = (analysis / name).read_bytes()
        destination = target / f"{stem}_{name}"
        atomic_write_bytes(destination, data)
        copied.append(destination)
    return copied
