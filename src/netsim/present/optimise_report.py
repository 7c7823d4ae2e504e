"""A policy search's results folder: the front, its figure, the answer, scenario files, report.

Written beside the store of runs (``evaluations/``), each file atomically:

- ``policies.csv``: every evaluated policy (levers, cost, runs, P with its 95% Wilson
  interval, whether it meets the target, whether it is on the front);
- ``front.csv`` and ``front.md``: the Pareto front from the cheapest up;
- ``pareto.png``: cost against P with intervals, the target line and the cheapest
  policy meeting it ringed;
- ``answer.json``: the one-line verdict, the cheapest policy meeting the target (or null)
  and the best found, with provenance;
- ``front/front-01.yaml``, ...: each front point as a scenario file (the base scenario with
  ``[set]`` and the point's levers; conditions at the base's values), which ``netsim
  compare`` runs;
- ``failed_runs.csv`` (when runs failed), ``optimise.md`` and a self-contained
  ``optimise.html``.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from matplotlib.figure import Figure

from netsim.batch.optimise import SearchResult, policy_text
from netsim.config.outcomes import BY_NAME
from netsim.config.parameters import FIELD_NAMES, Parameters, spec_of
from netsim.config.policy_search import PolicySearch
from netsim.numbers import exact, percent, share_estimate, significant
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
from netsim.results.files import atomic_write, atomic_write_bytes, atomic_write_text, provenance
from netsim.text import figure_text

FRONT_FOLDER = "front"


def scenario_name(number: int) -> str:
    """``front-01.yaml``: the file of the front's ``number``-th point (cheapest first)."""
    return f"front-{number:02d}.yaml"


def lever_value(search: PolicySearch, name: str, value: Any) -> str:
    """A lever's value as the tables show it: whole levers whole, others 3 digits."""
    kind = next(lever.kind for lever in search.levers if lever.name == name)
    return exact(value) if kind == "int" else significant(float(value))


# --- scenario files ---------------------------------------------------------------------------


def scenario_document(search: PolicySearch, row: Mapping[str, Any], number: int) -> dict[str, Any]:
    """A front point as a scenario file's content: every parameter of the base with the
    point's levers that differs from netsim's default, in its group's table."""
    policy = {lever.name: row[lever.name] for lever in search.levers}
    parameters = search.base.replace(**policy)
    values, defaults = parameters.to_dict(), Parameters().to_dict()
    probability = share_estimate(row["probability"], row["low"], row["high"])
    document: dict[str, Any] = {
        "name": f"{search.name}: front point {number}",
        "description": (
            f"{search.scenario.name} with {policy_text(search, row)} (cost "
            f"{significant(row['cost'])}); over the search's {len(search.conditions)} "
            f"conditions {search.target.probability_label} was {probability}. The "
            "uncertain conditions are at the base scenario's values here."
        ),
        "replicates": max(10, search.replicates),
    }
    if values["steps"] != defaults["steps"]:
        document["steps"] = values["steps"]
    for name in FIELD_NAMES:
        if name in ("steps", "timeline") or values[name] == defaults[name]:
            continue
        document.setdefault(spec_of(name).group, {})[name] = values[name]
    if values["timeline"]:
        document["timeline"] = values["timeline"]
    return document


# --- the figure -------------------------------------------------------------------------------


def pareto_figure(result: SearchResult) -> Figure:
    """Cost against P(outcome) for every evaluated policy, the front joined, intervals as
    bars, the target as a line and the cheapest policy meeting it ringed."""
    search, table = result.search, result.table
    fig = Figure(figsize=(7.0, 4.4), layout="constrained")
    ax = fig.subplots()
    label = search.target.probability_label
    others = table[~table["front"].astype(bool)]
    ax.scatter(others["cost"], others["probability"], s=14, color="0.65", label="evaluated")
    front = table[table["front"].astype(bool)].sort_values("cost")
    if not front.empty:
        ax.errorbar(
            front["cost"],
            front["probability"],
            yerr=[front["probability"] - front["low"], front["high"] - front["probability"]],
            fmt="o-",
            color="tab:blue",
            ecolor="tab:blue",
            elinewidth=0.8,
            capsize=2,
            ms=4,
            lw=1,
            label="Pareto front (95% interval)",
        )
    ax.axhline(
        search.target.bound,
        color="crimson",
        ls="--",
        lw=1,
        label=figure_text(f"target: {search.target.describe()}"),
    )
    cheapest = result.cheapest
    if cheapest is not None:
        ax.scatter(
            [cheapest["cost"]],
            [cheapest["probability"]],
            s=160,
            facecolors="none",
            edgecolors="crimson",
            lw=1.8,
            zorder=4,
            label=f"cheapest meeting the target (cost {significant(cheapest['cost'])})",
        )
    else:
        ax.text(
            0.5,
            0.96,
            "no evaluated policy meets the target",
            transform=ax.transAxes,
            ha="center",
            va="top",
            color="crimson",
        )
    ax.set_xlabel("total cost of the policy")
    ax.set_ylabel(figure_text(label))
    ax.set_ylim(-0.03, 1.03)
    ax.set_title(figure_text(search.name), fontsize=10)
    ax.legend(loc="best", fontsize=8)
    return fig


# --- tables and the report --------------------------------------------------------------------


def front_rows(result: SearchResult) -> pd.DataFrame:
    """The front's table for ``front.csv``: number, levers, cost, P and interval, file."""
    search = result.search
    front = result.table[result.table["front"].astype(bool)]
    front = front.sort_values(["cost", "objective"], kind="stable").reset_index(drop=True)
    front.insert(0, "point", range(1, len(front) + 1))
    front["scenario_file"] = [f"{FRONT_FOLDER}/{scenario_name(n)}" for n in front["point"]]
    keep = ["point", *search.lever_names, "cost", "runs", "successes", "probability", "low"]
    return front[[*keep, "high", "met", "met_by_interval", "scenario_file", "policy"]]


def front_block(result: SearchResult, front: pd.DataFrame) -> Table:
    search = result.search
    cheapest = result.cheapest
    headers = (
        "point",
        *search.lever_names,
        "cost",
        f"{search.target.probability_label} (95% interval)",
        "meets the target",
        "scenario file",
    )
    rows = []
    for _, row in front.iterrows():
        meets = "yes" if row["met"] else "no"
        if row["met"] and row["met_by_interval"]:
            meets = "yes, whole interval"
        if cheapest is not None and row["policy"] == cheapest["policy"]:
            meets += " (cheapest)"
        rows.append(
            (
                str(row["point"]),
                *(lever_value(search, name, row[name]) for name in search.lever_names),
                significant(row["cost"]),
                share_estimate(row["probability"], row["low"], row["high"]),
                meets,
                str(row["scenario_file"]),
            )
        )
    return Table(
        headers,
        tuple(rows),
        caption=f"Each policy's {search.target.probability_label} is over "
        f"{search.runs_per_policy} runs ({len(search.conditions)} conditions x "
        f"{search.replicates} replicates), with its Wilson interval.",
    )


def report_blocks(result: SearchResult, front: pd.DataFrame, files: list[str]) -> list[Block]:
    """The report: the question, the answer, the front, how it was searched, the files."""
    search = result.search
    target = search.target
    outcome = BY_NAME[target.outcome]
    blocks: list[Block] = [
        Heading(f"Policy search: {search.name}", 1),
        Paragraph((search.description,)) if search.description else Paragraph(()),
        Heading("The answer", 2),
        Paragraph((Span(_sentence(result.verdict()), "strong"),)),
    ]
    cheapest = result.cheapest
    if cheapest is not None and not cheapest["met_by_interval"]:
        far = "upper" if target.direction == "at_most" else "lower"
        blocks.append(
            Paragraph(
                (
                    f"Its estimate meets the target, but its interval's {far} end "
                    f"({percent(cheapest['high' if far == 'upper' else 'low'])}) does not: "
                    "with more replicates per condition the answer would be surer.",
                )
            )
        )
    blocks += [
        Paragraph(
            (
                "The question: which settings of the levers below keep ",
                Span(target.probability_label, "em"),
                f" {'at most' if target.direction == 'at_most' else 'at least'} "
                f"{percent(target.bound)} for the least cost, over the uncertain conditions? ",
                Span(target.outcome, "code"),
                f": {outcome.meaning}.",
            )
        ),
        Heading("The Pareto front", 2),
        Paragraph(
            (
                f"{len(result.table)} policies were evaluated; these {len(front)} are the "
                "ones no other beats on both cost and the outcome. Each front point is a "
                "scenario file that netsim compare runs (at the base conditions):",
            )
        ),
        front_block(result, front),
        Image(
            "pareto.png",
            "cost against the outcome's probability",
            "Grey: every evaluated policy; blue: the front with 95% Wilson intervals; dashed: "
            "the target; ringed: the cheapest policy meeting it.",
        ),
    ]
    if len(front):
        files_shown = " ".join(
            shlex.quote(f"{FRONT_FOLDER}/{scenario_name(n)}") for n in front["point"][:4]
        )
        blocks.append(
            Paragraph(
                (
                    "To compare front points at the base conditions, from this folder: ",
                    Span(f"netsim compare {files_shown}", "code"),
                    "." if len(front) > 1 else " (with another scenario as the baseline).",
                )
            )
        )
    blocks += [
        Heading("What was searched", 2),
        Bullets(
            (
                ("base scenario: ", Span(search.scenario.name, "strong"), _fixed_text(search)),
                ("levers: ", "; ".join(lever.describe() for lever in search.levers)),
                (
                    "cost of a policy: the sum over the levers of cost per unit x value, plus "
                    "the fixed cost of each lever not at 0",
                ),
                ("uncertain conditions: ", _conditions_text(search)),
                (
                    f"replicates: {search.replicates} per condition, {search.runs_per_policy} "
                    f"runs per policy; seed {search.seed}",
                ),
                (
                    f"search: NSGA-II (pymoo; Deb et al. 2002), population {search.population}, "
                    f"{search.generations} generations, minimising cost and "
                    + (
                        target.probability_label
                        if target.direction == "at_most"
                        else f"1 - {target.probability_label}"
                    ),
                ),
            )
        ),
        Paragraph(
            (
                "Every policy runs on the same seeds: a run's seed depends on the condition "
                "and the replicate only (common random numbers), so two policies differ by "
                "what their levers do, not by luck of the draw. Whole-number levers are "
                "rounded half up before each generation is evaluated, and the rounded values "
                "are what the search breeds from.",
            )
        ),
        Paragraph(
            (
                f"{result.runs} runs were made in this session and {result.reused} reused "
                f"(stored before, or a policy asked for again), {len(result.failures)} failed, "
                f"on {result.engine} in {result.seconds:.0f} s.",
            )
        ),
        Heading("Files", 2),
        Bullets(tuple((Span(name, "code"),) for name in files)),
    ]
    return [b for b in blocks if not (isinstance(b, Paragraph) and not b.parts)]


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _fixed_text(search: PolicySearch) -> str:
    if not search.fixed:
        return ""
    shown = ", ".join(f"{name} = {value}" for name, value in search.fixed.items())
    return f", with {shown}"


def _conditions_text(search: PolicySearch) -> str:
    if search.condition_design == "none":
        return "none (the base scenario's values)"
    names = ", ".join(search.condition_names)
    how = "a Latin hypercube of" if search.condition_design == "sampled" else "listed:"
    ranges = []
    for name in search.condition_names:
        values = [c[name] for c in search.conditions]
        if all(isinstance(v, int | float) for v in values):
            ranges.append(f"{name} {significant(min(values))} to {significant(max(values))}")
        else:
            ranges.append(f"{name} {', '.join(map(str, dict.fromkeys(values)))}")
    return f"{how} {len(search.conditions)} conditions over {names} ({'; '.join(ranges)})"


def _csv(table: pd.DataFrame, path: Path) -> None:
    atomic_write(path, lambda tmp: table.to_csv(tmp, index=False))


def answer_document(result: SearchResult) -> dict[str, Any]:
    """``answer.json``: the verdict and the policies it names, with provenance."""

    def policy(row: pd.Series | None) -> dict[str, Any] | None:
        if row is None:
            return None
        keys = [*result.search.lever_names, "cost", "runs", "successes", "probability"]
        return {k: row[k].item() if hasattr(row[k], "item") else row[k] for k in keys} | {
            "low": float(row["low"]),
            "high": float(row["high"]),
            "met_by_interval": bool(row["met_by_interval"]),
        }

    search = result.search
    return {
        "search": search.name,
        "target": {
            "outcome": search.target.outcome,
            search.target.direction: search.target.bound,
        },
        "verdict": result.verdict(),
        "cheapest_meeting_target": policy(result.cheapest),
        "best_found": policy(result.closest),
        "policies_evaluated": len(result.table),
        "runs": result.runs,
        "reused": result.reused,
        "failed": len(result.failures),
        "seconds": round(result.seconds, 1),
        "provenance": provenance(search.seed, search.text),
    }


def write_optimise(result: SearchResult, folder: Path) -> list[str]:
    """Write the folder (see the module docstring); returns the files written."""
    search = result.search
    folder.mkdir(parents=True, exist_ok=True)
    front = front_rows(result)
    files = ["policies.csv", "front.csv", "front.md", "pareto.png", "answer.json"]
    _csv(result.table, folder / "policies.csv")
    _csv(front, folder / "front.csv")
    atomic_write_text(folder / "front.md", render_markdown([front_block(result, front)]))
    png = figure_png(pareto_figure(result), metadata={"Software": None})
    atomic_write_bytes(folder / "pareto.png", png)
    atomic_write_text(
        folder / "answer.json", json.dumps(answer_document(result), indent=2, default=str) + "\n"
    )
    for _, row in front.iterrows():
        name = f"{FRONT_FOLDER}/{scenario_name(int(row['point']))}"
        text = yaml.safe_dump(
            scenario_document(search, row, int(row["point"])),
            sort_keys=False,
            width=88,
            allow_unicode=True,
        )
        atomic_write_text(folder / name, text)
        files.append(name)
    if result.failures:
        failures = pd.DataFrame({"failure": result.failures})
        _csv(failures, folder / "failed_runs.csv")
        files.append("failed_runs.csv")
    files += ["optimise.md", "optimise.html", "evaluations/"]
    blocks = report_blocks(result, front, files)
    atomic_write_text(folder / "optimise.md", render_markdown(blocks))
    atomic_write_text(folder / "optimise.html", render_html(blocks, {"pareto.png": png}))
    return files
