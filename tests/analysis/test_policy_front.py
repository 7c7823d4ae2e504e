"""The policy search's estimates and answer (src/netsim/analysis/policy_front.py) on planted
tables: the front is exactly the undominated policies, the answer the cheapest that meets the
target, each P the share of its runs with a Wilson interval."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from netsim.analysis.intervals import wilson_interval
from netsim.analysis.policy_front import (
    best_found,
    cheapest_meeting,
    estimate_policies,
    front_table,
    pareto_front,
)
from netsim.config.outcomes import BOOLEAN_OUTCOMES
from netsim.config.policy_search import Target, load_policy_search, policy_key

EXAMPLE = Path(__file__).resolve().parents[2] / "experiments" / "optimise_example.toml"

points = st.lists(st.tuples(st.integers(0, 20), st.integers(0, 10)), min_size=1, max_size=30)


def dominates(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a[0] <= b[0] and a[1] <= b[1] and a != b


@given(points)
def test_the_front_is_exactly_the_undominated_points(pairs: list[tuple[int, int]]) -> None:
    cost = np.array([p[0] for p in pairs], float)
    objective = np.array([p[1] for p in pairs], float)
    front = pareto_front(cost, objective)
    for i, point in enumerate(pairs):
        beaten = any(dominates(other, point) for other in pairs)
        assert front[i] == (not beaten)
    # the cheapest point with the best outcome among the cheapest is always on it
    assert front.any()


def planted(search_costs: list[tuple[int, int]]) -> pd.DataFrame:
    """A policy table as estimate_policies makes one, from (cost, objective in tenths)."""
    table = pd.DataFrame(
        {
            "policy": [f"p{i}" for i in range(len(search_costs))],
            "cost": [float(c) for c, _ in search_costs],
            "objective": [o / 10 for _, o in search_costs],
        }
    )
    table["probability"] = table["objective"]
    table["met"] = table["probability"] <= 0.3
    table["front"] = pareto_front(table["cost"].to_numpy(), table["objective"].to_numpy())
    return table


@given(points)
def test_the_answer_is_the_cheapest_policy_meeting_the_target(pairs: list[tuple[int, int]]) -> None:
    table = planted(pairs)
    index = cheapest_meeting(table)
    met = table[table["met"]]
    if met.empty:
        assert index is None
        closest = best_found(table)
        assert closest is not None
        assert table.loc[closest, "objective"] == table["objective"].min()
        return
    assert index is not None
    answer = table.loc[index]
    assert answer["met"] and answer["cost"] == met["cost"].min()
    assert answer["objective"] == met[met["cost"] == answer["cost"]]["objective"].min()
    assert bool(answer["front"])  # the cheapest meeting the target is never dominated
    front = front_table(table)
    assert list(front["cost"]) == sorted(front["cost"])


def test_estimates_are_shares_of_runs_with_wilson_intervals() -> None:
    search = load_policy_search(EXAMPLE)
    search = dataclasses.replace(search, replicates=2, conditions=search.conditions[:2])
    cheap = {"startup_weeks": 10, "sustained_funding": 0.1, "facilitation_capacity": 0.2}
    dear = {"startup_weeks": 90, "sustained_funding": 0.5, "facilitation_capacity": 0.8}
    rows = []
    for policy, fizzles in ((cheap, [True, True, False, True]), (dear, [False] * 4)):
        for k, (c, r) in enumerate((c, r) for c in range(2) for r in range(2)):
            flags = dict.fromkeys(BOOLEAN_OUTCOMES, False) | {"fizzled_out": fizzles[k]}
            rows.append(
                {"policy": policy_key(policy), **policy, "condition": c, "replicate": r, **flags}
            )
    # runs of a replicate this search does not use are ignored
    rows.append(rows[-1] | {"replicate": 5, "fizzled_out": True})
    table = estimate_policies(pd.DataFrame(rows), search)
    assert list(table["policy"]) == [policy_key(cheap), policy_key(dear)]
    first, second = table.iloc[0], table.iloc[1]
    assert (first["runs"], first["successes"]) == (4, 3)
    assert (first["low"], first["high"]) == wilson_interval(3, 4)[1:3]
    assert (second["probability"], second["met"], bool(second["met_by_interval"])) == (
        0.0,
        True,
        False,
    )
    assert first["cost"] == search.cost(cheap) and not first["met"]
    assert list(table["front"]) == [True, True]  # cheaper but worse, dearer but better


def test_an_at_least_target_minimises_one_minus_p() -> None:
    search = load_policy_search(EXAMPLE)
    search = dataclasses.replace(
        search,
        target=Target("critical_mass_reached", "at_least", 0.75),
        conditions=({},),
        replicates=4,
    )
    policy = {"startup_weeks": 10, "sustained_funding": 0.1, "facilitation_capacity": 0.2}
    rows = [
        {
            "policy": policy_key(policy),
            **policy,
            "condition": 0,
            "replicate": r,
            **dict.fromkeys(BOOLEAN_OUTCOMES, False),
            "critical_mass_reached": r != 0,
        }
        for r in range(4)
    ]
    row = estimate_policies(pd.DataFrame(rows), search).iloc[0]
    assert row["probability"] == 0.75 and row["objective"] == 0.25 and row["met"]
