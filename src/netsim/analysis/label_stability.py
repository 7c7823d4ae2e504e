"""Do a run's labels hold? The same run's labels at horizon T and at 2T, and how often they differ.

A run of 2T steps passes through the exact state a run of T steps ends in (same seed,
same draws: ``tests/analysis/test_label_stability.py`` checks that the first T rows of
a 2T run are the T-step run's table), so one run of 2T steps gives both: the summary
of its first T steps and the summary of all of them. A label that changes between the
two was not settled at T.

Pure functions over per-step tables (no model runs here): :mod:`netsim.batch.label_stability`
runs the scenarios and calls them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from netsim.config.outcomes import BY_NAME, RUN_LABELS
from netsim.model.metrics import summarise
from netsim.numbers import percent

ACCEPTABLE_DISAGREEMENT = 0.05
"""Issue 13's acceptance: labels at T and at 2T may disagree in at most 5% of the runs
(of every library scenario and the default, 20 seeds each), label by label."""

SETTLED = "settled"
"""The summary's flag saying whether every label's state was settled (absent from
summaries made before it existed: then not reported)."""


def horizon_summaries(table: pd.DataFrame, horizon: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The summary of ``table``'s first ``horizon`` steps (rows 0..horizon) and of all of it."""
    if horizon < 0 or int(table["step"].iloc[-1]) < horizon:
        raise ValueError(f"the table ends before step {horizon}")
    prefix = table[table["step"] <= horizon].reset_index(drop=True)
    return summarise(prefix), summarise(table)


def stability_record(scenario: str, seed: int, horizon: int, table: pd.DataFrame) -> dict[str, Any]:
    """One run's row: each label (and ``settled``) at T (``<name>_T``) and at 2T (``<name>_2T``).

    ``table`` is the run's per-step table to at least step 2 x ``horizon`` (longer is cut).
    """
    longest = table[table["step"] <= 2 * horizon].reset_index(drop=True)
    if int(longest["step"].iloc[-1]) < 2 * horizon:
        raise ValueError(f"the table ends before step {2 * horizon}")
    at_t, at_2t = horizon_summaries(longest, horizon)
    row: dict[str, Any] = {"scenario": scenario, "seed": seed, "horizon": horizon}
    for name in (*RUN_LABELS, SETTLED):
        if name in at_t:
            row[f"{name}_T"] = bool(at_t[name])
            row[f"{name}_2T"] = bool(at_2t[name])
    return row


def disagreement(records: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Per label (per ``by`` group too, if given): runs, runs whose label differs, and the rate.

    Columns: [by,] label, runs, disagree, rate, and, where the summaries have the
    ``settled`` flag: settled_at_T (runs settled at T) and disagree_when_settled (of
    those, runs whose label still changed: a settled state that did not hold).
    """
    groups: Iterable[tuple[Any, pd.DataFrame]]
    groups = records.groupby(by, sort=True) if by is not None else [(None, records)]
    rows = []
    for key, group in groups:
        for name in RUN_LABELS:
            if f"{name}_T" not in group.columns:
                continue
            differs = group[f"{name}_T"] != group[f"{name}_2T"]
            row: dict[str, Any] = {} if by is None else {by: key}
            row.update(
                label=name,
                runs=len(group),
                disagree=int(differs.sum()),
                rate=float(differs.mean()) if len(group) else 0.0,
            )
            if f"{SETTLED}_T" in group.columns:
                settled = group[f"{SETTLED}_T"]
                row["settled_at_T"] = int(settled.sum())
                row["disagree_when_settled"] = int((differs & settled).sum())
            rows.append(row)
    return pd.DataFrame(rows)


def passes(overall: pd.DataFrame, limit: float = ACCEPTABLE_DISAGREEMENT) -> bool:
    """True if every label's disagreement rate (from :func:`disagreement`) is at most ``limit``."""
    return bool((overall["rate"] <= limit).all())


def report_lines(
    overall: pd.DataFrame,
    per_scenario: pd.DataFrame,
    excepted: Mapping[str, str],
    settled_share: tuple[float, float] | None = None,
) -> list[str]:
    """The check's result in plain text: per label, per scenario, and what was left out."""
    lines = ["Run labels at horizon T and at 2T (one run of 2T steps per scenario and seed):", ""]
    for _, row in overall.iterrows():
        text = (
            f"  {BY_NAME[row['label']].label}: {row['disagree']} of {row['runs']} runs "
            f"disagree ({percent(row['rate'])})"
        )
        if "settled_at_T" in row and not pd.isna(row["settled_at_T"]):
            text += (
                f"; {row['disagree_when_settled']} of the {row['settled_at_T']} runs settled at T"
            )
        lines.append(text)
    if settled_share is not None:
        lines.append(
            f"  settled at T: {percent(settled_share[0])} of runs; at 2T: "
            f"{percent(settled_share[1])}"
        )
    lines += ["", "Per scenario (runs whose label differs, of the scenario's runs):"]
    if not per_scenario.empty:
        wide = per_scenario.pivot(index="scenario", columns="label", values="disagree")
        runs = per_scenario.groupby("scenario")["runs"].first()
        for scenario, counts in wide.iterrows():
            cells = ", ".join(f"{label} {int(counts[label])}" for label in RUN_LABELS)
            lines.append(f"  {scenario} ({runs[scenario]} runs): {cells}")
    if excepted:
        lines += ["", "Excepted (a timeline event after T would change the run by design):"]
        lines += [f"  {name}: {why}" for name, why in excepted.items()]
    return lines
