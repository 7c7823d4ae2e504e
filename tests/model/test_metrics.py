"""Per-step reporters and the run summary (src/netsim/model/metrics.py).

Network measures are checked against networkx on graphs built through
ContactGraph; the summary rules on small tables built by hand.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import netsim
from netsim.config.outcomes import (
    DORMANT_SHARE,
    FOUNDER_MULTIPLE,
    HOLD_TOLERANCE,
    SETTLE_WEEKS,
    SUMMARY_FIELDS,
)
from netsim.model.graphs import (
    ContactGraph,
    TieCSR,
    erdos_renyi_graph,
    organisation_of,
    watts_strogatz_graph,
)
from netsim.model.metrics import (
    _CENTRE_TABLE_PER_SAMPLE,
    _TIE_BITS_PER_SAMPLE,
    WEDGE_SAMPLES,
    adoption_columns,
    centralisation,
    crossing_edges,
    eligible_population,
    five_c,
    label_states,
    largest_component_share,
    member_means,
    summarise,
    tie_structure,
    transitivity,
)
from netsim.model.state import AdoptionState, MemberArrays


def graph_of(size: int, pairs: list[tuple[int, int]]) -> ContactGraph:
    u = np.array([p[0] for p in pairs], dtype=np.int64)
    v = np.array([p[1] for p in pairs], dtype=np.int64)
    return ContactGraph.from_pairs(size, u, v)


def tie_graph(graph: ContactGraph, present: np.ndarray, nodes: Sequence[int]) -> nx.Graph:
    g = nx.Graph()
    g.add_nodes_from(nodes)
    g.add_edges_from(
        (int(u), int(v)) for u, v in zip(graph.edge_u[present], graph.edge_v[present], strict=True)
    )
    return g


# ---------------------------------------------------------------------------
# degree and centralisation


def test_tie_degree_counts_only_present_ties() -> None:
    graph = graph_of(5, [(0, 1), (0, 2), (1, 2), (3, 4)])
    everything = np.ones(graph.edge_count, bool)
    assert np.array_equal(graph.tie_csr(everything).degree, graph.degree)
    present = np.array([(u, v) != (0, 2) for u, v in zip(graph.edge_u, graph.edge_v, strict=True)])
    assert graph.tie_csr(present).degree.tolist() == [1, 2, 1, 1, 1]
    assert graph.tie_csr(np.zeros(graph.edge_count, bool)).degree.tolist() == [0] * 5


def test_centralisation_of_a_star_is_half() -> None:
    n = 20
    degree = np.array([n - 1] + [1] * (n - 1))
    # top 5% of 20 members is the hub: n - 1 of 2(n - 1) tie ends
    assert centralisation(degree, np.ones(n, bool)) == pytest.approx(0.5)


@pytest.mark.parametrize("n", [20, 40, 100, 101])
def test_centralisation_of_a_regular_graph_is_the_top_share(n: int) -> None:
    degree = np.full(n, 4)
    top = math.ceil(0.05 * n)
    assert centralisation(degree, np.ones(n, bool)) == pytest.approx(top / n)


def test_centralisation_ignores_non_members_and_handles_no_ties() -> None:
    degree = np.array([50, 2, 2, 2, 2])
    members = np.array([False, True, True, True, True])
    assert centralisation(degree, members) == pytest.approx(0.25)
    assert centralisation(np.zeros(10, int), np.ones(10, bool)) == 0.0
    assert centralisation(degree, np.zeros(5, bool)) == 0.0


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 50), min_size=1, max_size=200))
def test_centralisation_is_at_least_the_top_share_and_at_most_one(degrees: list[int]) -> None:
    degree = np.array(degrees)
    value = centralisation(degree, np.ones(degree.size, bool))
    if degree.sum() == 0:
        assert value == 0.0
        return
    k = max(1, math.ceil(0.05 * degree.size))
    top = np.sort(degree)[::-1][:k].sum()
    assert value == pytest.approx(top / degree.sum())
    assert k / degree.size - 1e-12 <= value <= 1.0


# ---------------------------------------------------------------------------
# components


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_largest_component_share_matches_networkx(seed: int) -> None:
    rng = np.random.default_rng(seed)
    graph = erdos_renyi_graph(rng, 300, 1.3)  # near the giant-component threshold
    present = rng.random(graph.edge_count) < 0.8
    members = np.ones(graph.size, bool)
    value = largest_component_share(graph.tie_csr(present), members)
    g = tie_graph(graph, present, range(graph.size))
    expected = max(len(c) for c in nx.connected_components(g)) / graph.size
    assert value == pytest.approx(expected)


@pytest.mark.parametrize("seed", [4, 5])
def test_largest_component_share_counts_members_only(seed: int) -> None:
    rng = np.random.default_rng(seed)
    graph = erdos_renyi_graph(rng, 300, 3.0)
    members = rng.random(graph.size) < 0.5
    # ties exist only between members, as in the model
    present = members[graph.edge_u] & members[graph.edge_v]
    value = largest_component_share(graph.tie_csr(present), members)
    g = tie_graph(graph, present, np.flatnonzero(members).tolist())
    expected = max(len(c) for c in nx.connected_components(g)) / members.sum()
    assert value == pytest.approx(expected)


def test_largest_component_share_without_ties_or_members() -> None:
    graph = graph_of(6, [(0, 1), (2, 3)])
    none = np.zeros(graph.edge_count, bool)
    members = np.array([True, True, True, True, False, False])
    assert largest_component_share(graph.tie_csr(none), members) == pytest.approx(1 / 4)
    adjacency = graph.tie_csr(np.ones(graph.edge_count, bool))
    assert largest_component_share(adjacency, members) == pytest.approx(2 / 4)
    assert largest_component_share(adjacency, np.zeros(6, bool)) == 0.0


def test_tie_adjacency_is_symmetric_with_present_ties_only() -> None:
    graph = graph_of(4, [(0, 1), (1, 2), (2, 3)])
    present = np.array([True, False, True])
    dense = graph.tie_csr(present).matrix().toarray()
    assert np.array_equal(dense, dense.T)
    assert {(i, j) for i, j in zip(*np.nonzero(dense), strict=True) if i < j} == {(0, 1), (2, 3)}


# ---------------------------------------------------------------------------
# transitivity (sampled wedges)


def test_transitivity_exact_cases() -> None:
    rng = np.random.default_rng(0)
    triangle = graph_of(3, [(0, 1), (1, 2), (0, 2)])
    everything = np.ones(3, bool)
    adjacency = triangle.tie_csr(everything)
    assert transitivity(adjacency, rng) == 1.0
    # the closing edge exists in the contact graph but is not a tie: the wedge is open
    open_path = np.array(
        [u != 0 or v != 2 for u, v in zip(triangle.edge_u, triangle.edge_v, strict=True)]
    )
    adjacency = triangle.tie_csr(open_path)
    assert transitivity(adjacency, rng) == 0.0
    star = graph_of(6, [(0, k) for k in range(1, 6)])
    all_star = np.ones(star.edge_count, bool)
    assert transitivity(star.tie_csr(all_star), rng) == 0.0
    single = graph_of(4, [(0, 1)])
    one = np.ones(1, bool)
    assert transitivity(single.tie_csr(one), rng) == 0.0


CASES = {
    "lattice-rewired": lambda rng: watts_strogatz_graph(rng, 400, 6.0, 0.1),
    "lattice-heavily-rewired": lambda rng: watts_strogatz_graph(rng, 400, 8.0, 0.5),
    "random": lambda rng: erdos_renyi_graph(rng, 200, 12.0),
}


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("seed", [0, 1])
def test_transitivity_matches_networkx_within_sampling_error(name: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    graph = CASES[name](rng)
    present = rng.random(graph.edge_count) < 0.85
    adjacency = graph.tie_csr(present)
    estimate = transitivity(adjacency, np.random.default_rng(100 + seed))
    exact = nx.transitivity(tie_graph(graph, present, range(graph.size)))
    # each sampled wedge is uniform over all wedges and closed with probability `exact`:
    # the estimate is a binomial share of WEDGE_SAMPLES (2,000); allow 4 standard errors
    se = math.sqrt(exact * (1 - exact) / WEDGE_SAMPLES)
    assert abs(estimate - exact) <= 4 * se + 1e-9, (estimate, exact, se)


# ---------------------------------------------------------------------------
# 5C indices


def test_five_c_formulas() -> None:
    row = {
        "active": 20,
        "exchanges": 2,
        "centralisation": 0.24,
        "active_share": 0.1,
        "member_adoption_share": 0.4,
        "mean_trust": 0.6,
        "transitivity": 0.2,
    }
    out = five_c(
        row,
        alignment=0.8,
        expected_value=0.5,
        performance_management=0.25,
        critical_mass_share=0.2,
        mean_perceived_value=0.25,
    )
    assert out["common_purpose"] == pytest.approx(0.8 * 0.5)
    assert out["cooperative_structure"] == pytest.approx((1 - 0.19 / 0.95) * 0.75)
    assert out["critical_mass"] == pytest.approx(0.5)
    assert out["collective_intelligence"] == pytest.approx(0.5 * (0.1 / 0.25) + 0.5 * 0.4)
    assert out["community_building"] == pytest.approx(0.5 * 0.6 + 0.5 * 0.2)


def test_five_c_caps_and_empty_network() -> None:
    row = {
        "active": 0,
        "exchanges": 0,
        "centralisation": 0.0,
        "active_share": 0.9,
        "member_adoption_share": 0.0,
        "mean_trust": 0.0,
        "transitivity": 0.0,
    }
    out = five_c(
        row,
        alignment=1.0,
        expected_value=0.0,
        performance_management=0.0,
        critical_mass_share=0.3,
        mean_perceived_value=2.0,
    )
    assert out["common_purpose"] == 1.0
    assert out["cooperative_structure"] == 1.0
    assert out["critical_mass"] == 1.0
    assert out["collective_intelligence"] == 0.0


# ---------------------------------------------------------------------------
# summary rules on hand-made tables


def make_table(
    adoption: Sequence[float],
    *,
    active: Sequence[int] | None = None,
    active_share: Sequence[float] | None = None,
    members: Sequence[int] | None = None,
    first_step: int = 0,
    eligible: int = 100,
) -> pd.DataFrame:
    n = len(adoption)
    active = list(active) if active is not None else [12] * n
    members = list(members) if members is not None else active
    return pd.DataFrame(
        {
            "step": np.arange(first_step, first_step + n),
            "prospects": eligible - np.asarray(members, np.int64),
            "active": np.asarray(active, np.int64),
            "passive": np.asarray(members, np.int64) - np.asarray(active, np.int64),
            "lapsed": np.zeros(n, np.int64),
            "adoption_share": np.asarray(adoption, float),
            "member_adoption_share": np.asarray(adoption, float) * 2,
            "ever_adopted_share": np.maximum.accumulate(np.asarray(adoption, float)),
            "active_share": np.asarray(
                active_share if active_share is not None else [a / eligible for a in active],
                float,
            ),
            "members": np.asarray(members, np.int64),
        }
    )


W = SETTLE_WEEKS
N = 1000
"""Eligible population of the label tables: 5% is 50 people, half is 500."""


def labels_of(active: Sequence[int], adoption: Sequence[float] | float = 0.3) -> dict[str, bool]:
    """The label fields of a run of ``active`` counts (step 0 first) among N eligible."""
    shares = [adoption] * len(active) if isinstance(adoption, float) else list(adoption)
    summary = summarise(make_table(shares, active=active, eligible=N))
    return {k: summary[k] for k in ("critical_mass_reached", "fizzled_out", "spread", "settled")}


def test_summary_has_exactly_the_documented_fields() -> None:
    summary = summarise(make_table([0.0, 0.1, 0.2]))
    assert list(summary) == list(SUMMARY_FIELDS)


def test_time_to_thresholds_is_the_first_crossing() -> None:
    adoption = [0.0, 0.05, 0.1, 0.3, 0.05, 0.6, 0.4, 0.95, 0.2]
    summary = summarise(make_table(adoption))
    assert summary["time_to_10pct"] == 2.0  # exactly 0.10 counts
    assert summary["time_to_50pct"] == 5.0
    assert summary["time_to_90pct"] == 7.0
    shifted = summarise(make_table(adoption, first_step=10))
    assert (shifted["time_to_10pct"], shifted["time_to_90pct"]) == (12.0, 17.0)


def test_time_to_threshold_tolerates_float_rounding_at_the_level() -> None:
    just_below_by_rounding = 0.3 - 0.2  # 0.09999999999999998
    summary = summarise(make_table([0.0, just_below_by_rounding, 0.05]))
    assert summary["time_to_10pct"] == 1.0


def test_time_to_threshold_is_nan_when_never_reached() -> None:
    summary = summarise(make_table([0.0, 0.05, 0.099, 0.45]))
    assert summary["time_to_10pct"] == 3.0
    assert math.isnan(summary["time_to_50pct"])
    assert math.isnan(summary["time_to_90pct"])


def test_the_label_constants_are_those_the_rules_are_worded_with() -> None:
    """The outcomes' meanings name the constants' values (worded from them, never typed)."""
    meaning = SUMMARY_FIELDS["critical_mass_reached"]
    assert f"last {SETTLE_WEEKS} weeks" in meaning and f"{FOUNDER_MULTIPLE} times" in meaning
    assert f"{round(100 * DORMANT_SHARE)}% of it" in meaning
    assert f"{round(100 * (1 - HOLD_TOLERANCE))}%" in SUMMARY_FIELDS["spread"]
    assert f"{round(100 * DORMANT_SHARE)}% of the eligible" in SUMMARY_FIELDS["fizzled_out"]


# critical mass: self-sustaining over the last SETTLE_WEEKS weeks. With 10 founders among
# 1,000 the level is max(5% = 50, 3 x 10 = 30) = 50 people.
@pytest.mark.parametrize(
    ("active", "reached"),
    [
        ([10] * 5 + [60] * W, True),  # a quarter at 60: held
        ([10] * 5 + [60] * (W - 1), False),  # the quarter's first week is still at 10
        ([10] * 5 + [49] + [60] * (W - 1), False),  # one week under the level in the window
        ([10] * 5 + [50] * W, True),  # exactly the level counts
        ([10] * 5 + [100] * (W - 1) + [89], False),  # fell more than a tenth: in decline
        ([10] * 5 + [100] * (W - 1) + [90], True),  # exactly 90% of the window's most holds
        ([10] + [60] * (W - 1), False),  # shorter than a quarter after step 0
        ([10] + [60] * W, True),  # step 0 and a full quarter
        ([10] * 5 + [900] * W + [40] * 2, False),  # collapsed at the end
    ],
)
def test_critical_mass_is_a_held_self_sustaining_level(active: list[int], reached: bool) -> None:
    assert labels_of(active)["critical_mass_reached"] is reached


@pytest.mark.parametrize(
    ("founders", "held", "reached"),
    [
        (5, 49, False),  # 3 x 5 = 15 is under the dormant line: the level is 5% = 50
        (5, 50, True),
        (40, 119, False),  # 3 x 40 = 120
        (40, 120, True),
        (400, 499, False),  # 3 x 400 is beyond reach: half the eligible (500) is the level
        (400, 500, True),
    ],
)
def test_critical_mass_level_is_three_founding_cores_between_the_dormant_line_and_half(
    founders: int, held: int, reached: bool
) -> None:
    assert labels_of([founders] + [held] * (W + 3))["critical_mass_reached"] is reached


def test_critical_mass_does_not_read_the_one_third_mark() -> None:
    table = make_table([0.3] * (W + 5), active=[10] + [60] * (W + 4), eligible=N)
    assert summarise(table)["critical_mass_reached"]  # 6% active, far below a third


@pytest.mark.parametrize(
    ("active", "adoption", "fizzled"),
    [
        ([10] + [600] * W, [0.2] * W + [0.0], True),  # the idea died out in a thriving network
        ([10] + [600] * W, [0.2] * W + [0.002], False),  # one holder left: alive
        ([10] + [49] * W, 0.3, True),  # dormant: under 5% for a quarter
        ([10] + [49] * (W - 1) + [50], 0.3, False),
        ([10] + [50] + [49] * W, 0.3, True),  # the week at 50 is before the window
        ([10] + [49] * (W - 1), 0.3, False),  # not yet a quarter
        ([10, 300, 200, 49], 0.3, True),  # collapsed into the dormant band: 49 <= half 300
        ([10, 90, 49], 0.3, False),  # under 5% but more than half its peak, not a quarter
        ([10, 98, 49], 0.3, True),
    ],
)
def test_fizzled_out_is_an_extinct_idea_or_a_dormant_network(
    active: list[int], adoption: list[float] | float, fizzled: bool
) -> None:
    assert labels_of(active, adoption)["fizzled_out"] is fizzled


@pytest.mark.parametrize(
    ("adoption", "spread"),
    [
        ([0.0, 0.3, 0.5], True),
        ([0.0, 0.9, 0.49], False),
        ([0.1, 0.7, 0.8], True),
        ([0.1, 0.9, 0.81], True),  # 90% of the window's highest holds
        ([0.1, 0.9, 0.8], False),  # in decline from 0.9
        ([0.9] + [0.2] * W + [0.55], True),  # the 0.9 is before the window
        ([0.1, 0.3, 0.3 + 0.2], True),  # 0.5000000000000001 and rounding below count
        ([0.1, 0.3, 0.7 - 0.2], True),  # 0.49999999999999994
    ],
)
def test_spread_is_a_majority_adopting_and_holding(adoption: list[float], spread: bool) -> None:
    assert summarise(make_table(adoption))["spread"] is spread


@pytest.mark.parametrize(
    ("active", "adoption", "settled"),
    [
        ([10] + [49] * W, 0.3, True),  # dormant, the idea short of a majority
        ([10] + [49] * W, 0.6, False),  # dormant but a majority holds it: it may still decay
        ([10] + [600] * W, [0.2] * W + [0.0], True),  # self-sustaining, the idea extinct
        ([10] + [600] * W, [0.2] + [0.6] * W, True),  # self-sustaining, spread for a quarter
        ([10] + [600] * W, [0.2] * 2 + [0.6] * (W - 1), False),  # spread, not for a quarter
        ([10] + [600] * W, 0.2, False),  # the idea still in play
        ([10] + [45] * (W - 1) + [60], [0.0] * W + [0.0], False),  # in between: may still go
        ([10, 300, 200, 49], 0.3, False),  # collapsed (fizzled), not yet a dormant quarter
    ],
)
def test_settled_means_every_label_is_in_a_lasting_state(
    active: list[int], adoption: list[float] | float, settled: bool
) -> None:
    assert labels_of(active, adoption)["settled"] is settled


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from([0, 10, 40, 49, 50, 60, 300, 600, 1000]), min_size=1, max_size=40),
    st.lists(st.sampled_from([0.0, 0.002, 0.3, 0.5, 0.6, 0.95]), min_size=1, max_size=40),
)
def test_a_settled_run_always_has_a_label_and_a_run_in_between_never_settles(
    active: list[int], adoption: list[float]
) -> None:
    """label_runs' last label ('unsettled': none of the three) implies settled is false;
    critical mass and a dormant network exclude each other."""
    steps = min(len(active), len(adoption))
    table = make_table(adoption[:steps], active=active[:steps], eligible=N)
    summary = summarise(table)
    states = label_states(table["active"].to_numpy(), table["adoption_share"].to_numpy(), N)
    labelled = summary["fizzled_out"] or summary["critical_mass_reached"] or summary["spread"]
    assert labelled or not summary["settled"]
    assert not (states.self_sustaining and (states.dormant or states.collapsed))
    assert summary["settled"] is states.settled and summary["fizzled_out"] is states.fizzled_out


def test_final_and_peak_values() -> None:
    table = make_table(
        [0.1, 0.4, 0.3], active=[12, 40, 20], active_share=[0.12, 0.4, 0.2], members=[12, 45, 30]
    )
    summary = summarise(table)
    assert summary["final_adoption"] == pytest.approx(0.3)
    assert summary["peak_adoption"] == pytest.approx(0.4)
    assert summary["final_member_adoption"] == pytest.approx(0.6)
    assert summary["ever_adopted"] == pytest.approx(0.4)
    assert summary["peak_members"] == 45 and type(summary["peak_members"]) is int
    assert summary["final_members"] == 30 and type(summary["final_members"]) is int
    assert summary["peak_active_share"] == pytest.approx(0.4)
    assert summary["final_active_share"] == pytest.approx(0.2)
    assert summary["critical_mass_reached"] is False  # three weeks: no quarter has passed


def test_component_labels_match_scipys_public_connected_components() -> None:
    from scipy.sparse.csgraph import connected_components

    from netsim.model.metrics import component_labels

    rng = np.random.default_rng(5)
    graph = erdos_renyi_graph(rng, 400, 1.5)
    present = rng.random(graph.edge_count) < 0.8
    ties = graph.tie_csr(present)
    ours = component_labels(ties)
    count, theirs = connected_components(ties.matrix(), directed=False)
    assert len(np.unique(ours)) == count
    # same partition: a bijection between label sets
    pairs = set(zip(ours.tolist(), theirs.tolist(), strict=True))
    assert len(pairs) == count


def test_skip_doubles_leaves_the_generator_as_drawing_them_would() -> None:
    from netsim.model.metrics import skip_doubles

    drawn, skipped = np.random.default_rng(3), np.random.default_rng(3)
    drawn.random(5)
    skipped.random(5)
    drawn.random(6_000)
    skipped_before = skipped.bit_generator.state
    skip_doubles(skipped, 6_000)
    assert skipped.bit_generator.state == drawn.bit_generator.state != skipped_before
    assert np.array_equal(drawn.random(4), skipped.random(4))


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_adoption_counts_stand_beside_their_shares(data: st.DataObject) -> None:
    """adopters, member_adopters, ever_adopters count the people the shares are made of:
    with one idea count / N is the share exactly; with several, people holding any."""
    n = data.draw(st.integers(1, 40))
    ideas = data.draw(st.integers(1, 3))
    members = MemberArrays.empty(n, ideas)
    members.adoption[:] = data.draw(
        st.lists(st.integers(0, 2), min_size=n * ideas, max_size=n * ideas).map(
            lambda cells: np.array(cells, np.int8).reshape(ideas, n)
        )
    )
    members.status[:] = data.draw(
        st.lists(st.integers(0, 3), min_size=n, max_size=n).map(lambda s: np.array(s, np.int8))
    )
    contagion = data.draw(st.booleans())
    mask = None if contagion else members.is_member()
    n_members = n if mask is None else int(mask.sum())
    columns = adoption_columns(members, mask, n_members)
    holding = (members.adoption == AdoptionState.ADOPTED).any(axis=0)
    ever = (members.adoption != AdoptionState.NOT_ADOPTED).any(axis=0)
    assert columns["adopters"] == int(holding.sum())
    assert columns["ever_adopters"] == int(ever.sum())
    among = holding if mask is None else holding & mask
    assert columns["member_adopters"] == int(among.sum())
    assert all(type(columns[k]) is int for k in ("adopters", "member_adopters", "ever_adopters"))
    if ideas == 1:
        assert columns["adopters"] / n == columns["adoption_share"]
        assert columns["ever_adopters"] / n == columns["ever_adopted_share"]
        if n_members:
            assert columns["member_adopters"] / n_members == columns["member_adoption_share"]


def test_a_runs_counts_match_its_shares_every_week() -> None:
    table = netsim.run(steps=30, seed=5).table
    n = eligible_population(table)
    assert (table["adopters"] / n == table["adoption_share"]).all()
    assert (table["ever_adopters"] / n == table["ever_adopted_share"]).all()
    members = table["members"].where(table["members"] > 0)
    shares = (table["member_adopters"] / members).fillna(0.0)
    assert (shares == table["member_adoption_share"]).all()
    assert (table["member_adopters"] <= table["adopters"]).all()
    assert (table["adopters"] <= table["ever_adopters"]).all()


# ---------------------------------------------------------------------------
# the compiled tie-structure pass against the numpy formulation it replaced


def numpy_centralisation(degree: np.ndarray, member_mask: np.ndarray) -> float:
    d = degree[member_mask]
    total = d.sum()
    if total == 0:
        return 0.0
    k = max(1, math.ceil(0.05 * d.size))
    top = np.partition(d, d.size - k)[d.size - k :]
    return float(top.sum() / total)


def numpy_largest_component_share(ties: TieCSR, member_mask: np.ndarray) -> float:
    from scipy.sparse.csgraph import connected_components

    n_members = int(member_mask.sum())
    if n_members == 0:
        return 0.0
    if ties.indices.size == 0:
        return 1.0 / n_members
    labels = connected_components(ties.matrix(), directed=False)[1]
    sizes = np.bincount(labels[member_mask])
    return float(sizes.max() / n_members)


def numpy_transitivity(
    graph: ContactGraph, present: np.ndarray | None, ties: TieCSR, rng: np.random.Generator
) -> float:
    degree = ties.degree.astype(np.int64, copy=False)
    wedges = (degree * (degree - 1)) >> 1
    cumulative = np.cumsum(wedges)
    total_wedges = int(cumulative[-1]) if cumulative.size else 0
    if total_wedges <= 0:
        return 0.0
    total = float(total_wedges)
    draws = rng.random(WEDGE_SAMPLES) * total
    centres = np.searchsorted(cumulative, np.floor(draws).astype(np.int64), side="right")
    centres = np.minimum(centres, graph.size - 1)
    d = degree[centres]
    first = (rng.random(WEDGE_SAMPLES) * d).astype(np.int64)
    second = (rng.random(WEDGE_SAMPLES) * (d - 1)).astype(np.int64)
    second += second >= first
    start = ties.indptr[centres]
    a = ties.indices[start + first]
    b = ties.indices[start + second]
    eid = graph.edge_ids(a, b)
    closed = eid >= 0
    if present is not None:
        closed &= present[np.maximum(eid, 0)]
    return float(closed.mean())


def numpy_tie_structure(
    graph: ContactGraph,
    present: np.ndarray | None,
    ties: TieCSR,
    organisation: np.ndarray,
    member_mask: np.ndarray,
    rng: np.random.Generator,
) -> dict[str, float]:
    crossing = crossing_edges(graph, organisation)
    if ties.edges is None:
        count = graph.edge_count
        cross = np.count_nonzero(crossing)
    else:
        count = int(ties.edges.size)
        cross = np.count_nonzero(crossing[ties.edges])
    return {
        "ties": count,
        "cross_org_tie_share": float(cross) / count if count else 0.0,
        "centralisation": numpy_centralisation(ties.degree, member_mask),
        "largest_component_share": numpy_largest_component_share(ties, member_mask),
        "transitivity": numpy_transitivity(graph, present, ties, rng),
    }


def assert_same_structure(
    graph: ContactGraph,
    present: np.ndarray | None,
    organisation: np.ndarray,
    member_mask: np.ndarray,
    seed: int,
) -> dict[str, float]:
    """The compiled pass gives the numpy formulation's values, bit for bit and of the
    same types, and leaves the metrics stream where the numpy formulation leaves it."""
    ours_rng, theirs_rng = np.random.default_rng(seed), np.random.default_rng(seed)
    ours = tie_structure(graph, graph.tie_csr(present), organisation, member_mask, ours_rng)
    theirs = numpy_tie_structure(
        graph, present, graph.tie_csr(present), organisation, member_mask, theirs_rng
    )
    assert list(ours) == list(theirs)
    for key, value in theirs.items():
        assert type(ours[key]) is type(value), key
        assert math.copysign(1.0, ours[key]) == math.copysign(1.0, value), key
        assert ours[key] == value, (key, ours[key], value)
    assert ours_rng.bit_generator.state == theirs_rng.bit_generator.state
    return ours


@st.composite
def small_worlds(
    draw: st.DrawFn,
) -> tuple[ContactGraph, np.ndarray | None, np.ndarray, np.ndarray, int]:
    """A contact graph of up to 24 people, its ties (None: every contact), members and
    organisations; ties may join non-members (the pass does not assume they never do)."""
    size = draw(st.integers(0, 24))
    person = st.integers(0, max(size - 1, 0))
    pairs = draw(st.lists(st.tuples(person, person), max_size=0 if size < 2 else 80))
    graph = graph_of(size, pairs)
    member_mask = np.array(draw(st.lists(st.booleans(), min_size=size, max_size=size)), bool)
    kind = draw(st.sampled_from(["some", "every", "between members"]))
    present: np.ndarray | None
    if kind == "every":
        present = None
    elif kind == "between members":
        present = member_mask[graph.edge_u] & member_mask[graph.edge_v]
    else:
        present = np.array(
            draw(st.lists(st.booleans(), min_size=graph.edge_count, max_size=graph.edge_count)),
            bool,
        )
    organisation = np.array(
        draw(st.lists(st.integers(0, 3), min_size=size, max_size=size)), np.int64
    )
    return graph, present, organisation, member_mask, draw(st.integers(0, 2**32))


@settings(max_examples=400, deadline=None)
@given(small_worlds())
def test_the_compiled_tie_structure_is_the_numpy_formulation(
    world: tuple[ContactGraph, np.ndarray | None, np.ndarray, np.ndarray, int],
) -> None:
    assert_same_structure(*world)


def test_the_compiled_tie_structure_in_the_edge_cases() -> None:
    organisation = np.array([0, 0, 1, 1, 2, 2])
    everyone, nobody = np.ones(6, bool), np.zeros(6, bool)
    empty = graph_of(6, [])
    assert assert_same_structure(empty, np.zeros(0, bool), organisation, everyone, 1) == {
        "ties": 0,
        "cross_org_tie_share": 0.0,
        "centralisation": 0.0,
        "largest_component_share": 1 / 6,
        "transitivity": 0.0,
    }
    assert_same_structure(empty, None, organisation, nobody, 1)
    matching = graph_of(6, [(0, 1), (2, 3), (4, 5)])  # degree < 2 everywhere: no draw
    found = assert_same_structure(matching, None, organisation, everyone, 2)
    assert found["transitivity"] == 0.0 and found["largest_component_share"] == 2 / 6
    rng = np.random.default_rng(2)
    before = rng.bit_generator.state
    tie_structure(matching, matching.tie_csr(None), organisation, everyone, rng)
    assert rng.bit_generator.state == before
    triangle = graph_of(6, [(0, 1), (1, 2), (0, 2), (3, 4)])
    found = assert_same_structure(triangle, np.ones(4, bool), organisation, nobody, 3)
    assert (found["centralisation"], found["largest_component_share"]) == (0.0, 0.0)
    assert found["transitivity"] == 1.0


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize(
    ("size", "mean_degree", "tabled", "in_bits"),
    [(3000, 8.0, True, False), (600, 30.0, False, True), (2500, 30.0, False, False)],
    ids=["past-the-dense-lookup", "many-wedges", "many-wedges-and-people"],
)
def test_the_compiled_tie_structure_on_larger_graphs(
    seed: int, size: int, mean_degree: float, tabled: bool, in_bits: bool
) -> None:
    """Above 2,048 people edge_ids binary-searches the edge keys; the pass reads the tie
    rows instead of a bit matrix when it would be large, and searches the wedge counts
    instead of tabling them when they are many: every way gives the same answers."""
    rng = np.random.default_rng(seed)
    graph = erdos_renyi_graph(rng, size, mean_degree)
    present = rng.random(graph.edge_count) < 0.7
    members = rng.random(graph.size) < 0.8
    organisation = organisation_of(graph.size, 7)
    ties = graph.tie_csr(present)
    degree = ties.degree.astype(np.int64)
    wedges = int(((degree * (degree - 1)) >> 1).sum())
    assert (wedges <= _CENTRE_TABLE_PER_SAMPLE * WEDGE_SAMPLES) is tabled
    bit_words = size * ((size + 63) // 64) + ties.indices.size
    assert (bit_words <= _TIE_BITS_PER_SAMPLE * WEDGE_SAMPLES) is in_bits
    assert_same_structure(graph, present, organisation, members, seed)
    assert_same_structure(graph, None, organisation, members, seed)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 60), max_size=120).flatmap(
        lambda d: st.tuples(st.just(d), st.lists(st.booleans(), min_size=len(d), max_size=len(d)))
    )
)
def test_the_exact_top_share_is_numpys_partition(
    drawn: tuple[list[int], list[bool]],
) -> None:
    degree, mask = np.array(drawn[0], np.int64), np.array(drawn[1], bool)
    assert centralisation(degree, mask) == numpy_centralisation(degree, mask)
    assert centralisation(degree.astype(np.int32), mask) == numpy_centralisation(degree, mask)


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 300).flatmap(
        lambda n: st.tuples(
            st.lists(st.booleans(), min_size=n, max_size=n).filter(any),
            st.lists(st.floats(0.0, 1.0), min_size=n, max_size=n),
            st.sampled_from([np.float64, np.float32]),
        )
    )
)
def test_member_means_are_numpys_means_bit_for_bit(
    drawn: tuple[list[bool], list[float], type],
) -> None:
    mask = np.array(drawn[0], bool)
    values = np.array(drawn[1], drawn[2])
    scaled = values * np.asarray(1e-3, drawn[2]) + values**3  # a second, rounder array
    found = member_means(mask, int(mask.sum()), values, scaled)
    expected = (float(values[mask].mean()), float(scaled[mask].mean()))
    assert found == expected
    assert all(type(x) is float for x in found)
