"""The validation report folder: tables, a Markdown report and a figure per case.

``checks_table`` flattens results into one row per check; everything else here
reads that table (the figure too), so a report can be redrawn from cases.csv.
Files are written atomically (netsim.results.files).
"""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from netsim.numbers import bracketed, precise
from netsim.present import plots
from netsim.results.files import atomic_write, atomic_write_text, json_safe, provenance
from netsim.validation.cases import CASES
from netsim.validation.core import CaseResult

CHECK_COLUMNS = [
    "case",
    "compared",
    "reference",
    "value",
    "ci_low",
    "ci_high",
    "tolerance",
    "relation",
    "rule",
    "replicates",
    "passed",
]


def checks_table(results: list[CaseResult]) -> pd.DataFrame:
    """One row per check, in case order (columns CHECK_COLUMNS)."""
    rows = [check.record() for result in results for check in result.checks]
    return pd.DataFrame(rows, columns=CHECK_COLUMNS)


def cases_table(results: list[CaseResult]) -> pd.DataFrame:
    """One row per case: id, title, source, size, seconds, checks, failed checks, passed."""
    return pd.DataFrame(
        [
            {
                "case": r.case,
                "title": r.title,
                "source": r.source,
                "size": r.size,
                "seconds": round(r.seconds, 2),
                "checks": len(r.checks),
                "failed_checks": len(r.failures()),
                "error": r.error or "",
                "passed": r.passed,
            }
            for r in results
        ]
    )


def table_cell(text: str) -> str:
    """Text for a Markdown table cell: a rule's ``|d|`` would otherwise split the cell."""
    return text.replace("|", r"\|")


def markdown(results: list[CaseResult], command: str) -> str:
    """The report: overall verdict, then per case its source and a table of checks."""
    passed = all(r.passed for r in results)
    checks = sum(len(r.checks) for r in results)
    size = results[0].size if results else "reduced"
    lines = [
        "# netsim validation report",
        "",
        f"**{'PASS' if passed else 'FAIL'}**: {sum(r.passed for r in results)} of "
        f"{len(results)} cases passed ({checks} checks, size `{size}`).",
        "",
        f"Command: `{command}`",
        "",
        "Each check compares netsim's value (mean over independent replicates, with its 95% "
        "Student-t interval) with a reference, d being value - reference. Rules: `must "
        "match: |d| <= tol`: the published result lies within tol of netsim's, tol being the "
        "two-sided t critical value at alpha = 1e-4 times the standard error; `must differ: "
        "|d| > tol`: the reference is a deliberately wrong alternative (the published "
        "parameter doubled or halved, say) and netsim's value must lie outside tol of it, "
        "so a PASS beside a far-off reference is the check working (it shows the comparison "
        "has power); `must exceed: d > tol`: a difference is significantly positive; `must "
        "stay below: value < ref`: a bound; `must equal: exact`: a deterministic prediction.",
        "",
    ]
    for r in results:
        spec = CASES.get(r.case)
        lines += [
            f"## {r.case}: {r.title} ({'PASS' if r.passed else 'FAIL'})",
            "",
            f"Source: {r.source}.",
            "",
        ]
        if spec is not None:
            lines += [f"Compares: {spec.compares}.", ""]
        lines += [f"{len(r.checks)} checks in {r.seconds:.1f} s.", ""]
        if r.error:
            lines += ["Error:", "", "```", r.error.rstrip(), "```", ""]
        lines += [
            "| compared | reference | netsim | 95% interval | rule | n | result |",
            "|---|---:|---:|---|---|---:|---|",
        ]
        for c in r.checks:
            lines.append(
                f"| {c.compared} | {precise(c.reference)} | {precise(c.value)} | "
                f"{bracketed(c.ci_low, c.ci_high)} | {table_cell(c.rule())} | {c.replicates} | "
                f"{'PASS' if c.passed else 'FAIL'} |"
            )
        lines += ["", f"![{r.case}](figures/{r.case}.png)", ""]
    return "\n".join(lines)


def case_figure(table: pd.DataFrame, case_id: str) -> Any:
    """Each statistical check of a case as its standardised gap (value - reference) / tol.

    Matches must fall in the shaded band [-1, 1]; excluded alternatives and
    positive differences outside it (beyond +1 for differences). Exact checks and
    bounds are listed in the title count but not drawn (they have no scale).
    """
    rows = table[
        (table["case"] == case_id) & table["relation"].isin(["approx", "excludes", "exceeds"])
    ]
    rows = rows[rows["tolerance"] > 0]
    fig, ax = plots.subplots(figsize=(8, 0.45 * max(len(rows), 2) + 1.4))
    ax.axvspan(-1.0, 1.0, color="#dddddd", zorder=0)
    ax.axvline(0.0, color="#888888", lw=0.8)
    colours = {"approx": "#1b9e77", "excludes": "#7570b3", "exceeds": "#d95f02"}
    for y, (_, row) in enumerate(rows.iterrows()):
        tol = row["tolerance"]
        gap = (row["value"] - row["reference"]) / tol
        lo = (row["ci_low"] - row["reference"]) / tol
        hi = (row["ci_high"] - row["reference"]) / tol
        colour = colours[row["relation"]] if row["passed"] else "#e7298a"
        ax.plot([lo, hi], [y, y], color=colour, lw=2)
        ax.plot([gap], [y], "o", color=colour)
    ax.set_yticks(range(len(rows)), [str(c) for c in rows["compared"]], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("(netsim - reference) / tolerance   [band: within tolerance; bar: 95% interval]")
    shown = len(rows)
    total = int((table["case"] == case_id).sum())
    ax.set_title(f"{case_id}: {shown} statistical checks drawn of {total}", fontsize=9)
    fig.tight_layout()
    return fig


def write_report(
    results: list[CaseResult], folder: Path, command: str, figures: bool = True
) -> Path:
    """Write report.md, cases.csv/json (one row per check), summary.json, figures/<case>.png."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    table = checks_table(results)
    atomic_write(folder / "cases.csv", lambda tmp: table.to_csv(tmp, index=False))
    records = json_safe(table.to_dict(orient="records"))
    atomic_write_text(folder / "cases.json", json.dumps(records, indent=2) + "\n")
    document = {
        "passed": all(r.passed for r in results),
        "command": command,
        "cases": json_safe(cases_table(results).to_dict(orient="records")),
        "provenance": provenance(),
    }
    atomic_write_text(folder / "summary.json", json.dumps(document, indent=2) + "\n")
    atomic_write_text(folder / "report.md", markdown(results, command) + "\n")
    if figures:
        for r in results:
            fig = case_figure(table, r.case)
            path = folder / "figures" / f"{r.case}.png"
            atomic_write(path, partial(fig.savefig, dpi=100, format="png"))
    return folder
