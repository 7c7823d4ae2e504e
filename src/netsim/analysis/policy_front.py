"""A policy search's estimates, Pareto front and answer (pure functions over the run table).

Each evaluated policy's probability of the target's outcome is the share of its runs (all
conditions and replicates) with the outcome, with a Wilson interval
(:func:`netsim.analysis.intervals.wilson_interval`). The front is the policies no other
policy beats on both cost and the outcome (lower cost, and a lower P for ``at_most`` or a
higher P for ``at_least``: Pareto 1896). The answer is the cheapest policy whose estimate
meets the target; whether the whole interval meets it too is reported beside it.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from netsim.analysis.intervals import wilson_interval
from netsim.config.policy_search import PolicySearch

ESTIMATE_COLUMNS = (
    "cost",
    "runs",
    "successes",
    "probability",
    "low",
    "high",
    "objective",
    "met",
    "met_by_interval",
    "front",
)
"""What :func:`estimate_policies` adds to each policy's key and lever values."""


def estimate_policies(
    rows: pd.DataFrame, search: PolicySearch, keys: Iterable[str] | None = None
) -> pd.DataFrame:
    """One row per policy (in ``keys``' order, else first appearance): its levers, cost,
    successful runs, the target outcome's count, P with its 95% Wilson interval, what the
    search minimised, whether the estimate (and the whole interval) meets the target, and
    whether it is on the Pareto front of these policies.

    Only the runs of this search's conditions and replicates count (a store may hold more).
    """
    target = search.target
    columns = ["policy", *search.lever_names, *ESTIMATE_COLUMNS]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    used = rows[
        (rows["replicate"] < search.replicates) & (rows["condition"] < len(search.conditions))
    ]
    order = list(dict.fromkeys(keys if keys is not None else used["policy"]))
    groups = {key: group for key, group in used.groupby("policy", sort=False)}
    records = []
    for key in order:
        group = groups.get(key)
        if group is None:
            continue
        policy = {name: group[name].iloc[0].item() for name in search.lever_names}
        n = len(group)
        k = int(group[target.outcome].sum())
        p, low, high, _ = wilson_interval(k, n)
        records.append(
            {
                "policy": key,
                **policy,
                "cost": search.cost(policy),
                "runs": n,
                "successes": k,
                "probability": p,
                "low": low,
                "high": high,
                "objective": target.objective(p),
                "met": target.met(p),
                "met_by_interval": target.met(high if target.direction == "at_most" else low),
            }
        )
    table = pd.DataFrame.from_records(records, columns=columns[:-1])
    table["front"] = pareto_front(table["cost"].to_numpy(float), table["objective"].to_numpy(float))
    return table


def pareto_front(cost: np.ndarray, objective: np.ndarray) -> np.ndarray:
    """Which points no other point dominates (both minimised: no other is at least as good
    on both and better on one). Equal points are all on the front."""
    cost = np.asarray(cost, dtype=float)
    objective = np.asarray(objective, dtype=float)
    n = cost.size
    front = np.ones(n, dtype=bool)
    for i in range(n):
        no_worse = (cost <= cost[i]) & (objective <= objective[i])
        better = (cost < cost[i]) | (objective < objective[i])
        front[i] = not bool(np.any(no_worse & better))
    return front


def cheapest_meeting(table: pd.DataFrame) -> int | None:
    """The row index of the cheapest policy whose estimate meets the target (ties: the better
    outcome, then the first evaluated); None if none does."""
    met = table[table["met"].astype(bool)]
    if met.empty:
        return None
    return int(met.sort_values(["cost", "objective"], kind="stable").index[0])


def best_found(table: pd.DataFrame) -> int | None:
    """The row index of the policy closest to the target (the best outcome; ties: the
    cheaper, then the first evaluated); None for an empty table."""
    if table.empty:
        return None
    return int(table.sort_values(["objective", "cost"], kind="stable").index[0])


def front_table(table: pd.DataFrame) -> pd.DataFrame:
    """The front's policies from the cheapest up (ties: the better outcome)."""
    front = table[table["front"].astype(bool)]
    return front.sort_values(["cost", "objective"], kind="stable").reset_index(drop=True)
