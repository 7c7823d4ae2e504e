"""The acquaintance graph (src/netsim/model/graphs.py): CSR structure, look-ups, generators."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from netsim.model.graphs import (
    INDEX32_LIMIT,
    ContactGraph,
    erdos_renyi_graph,
    index_dtype,
    organisation_of,
    organisations_graph,
    watts_strogatz_graph,
)


def edge_pairs(graph: ContactGraph) -> list[tuple[int, int]]:
    return [(int(u), int(v)) for u, v in zip(graph.edge_u, graph.edge_v, strict=True)]


def edge_set(graph: ContactGraph) -> set[tuple[int, int]]:
    return set(edge_pairs(graph))


def to_networkx(graph: ContactGraph) -> nx.Graph:
    g = nx.Graph()
    g.add_nodes_from(range(graph.size))
    g.add_edges_from(edge_set(graph))
    return g


def graph_of(size: int, pairs: list[tuple[int, int]]) -> ContactGraph:
    u = np.array([p[0] for p in pairs], dtype=np.int64)
    v = np.array([p[1] for p in pairs], dtype=np.int64)
    return ContactGraph.from_pairs(size, u, v)


def assert_simple_and_consistent(graph: ContactGraph) -> None:
    """Sorted simple edge list, and a CSR adjacency that lists each edge from both ends."""
    n, m = graph.size, graph.edge_count
    assert graph.edge_u.size == graph.edge_v.size == m
    assert np.all(graph.edge_u < graph.edge_v), "self-loop or unnormalised edge"
    assert np.all((graph.edge_u >= 0) & (graph.edge_v < n))
    keys = graph.edge_u.astype(np.int64) * n + graph.edge_v
    assert graph.edge_key.dtype == np.int64 and np.array_equal(graph.edge_key, keys)
    assert np.all(np.diff(keys) > 0), "edges are not sorted or have duplicates"

    assert graph.indptr.size == n + 1
    assert graph.indptr[0] == 0 and graph.indptr[-1] == 2 * m
    assert np.all(np.diff(graph.indptr) >= 0)
    assert graph.neighbour.size == graph.edge_of.size == graph.source.size == 2 * m
    # every undirected edge appears exactly twice, once from each end
    assert np.array_equal(np.bincount(graph.edge_of, minlength=m), np.full(m, 2))
    ends = np.concatenate([graph.edge_u, graph.edge_v])
    assert np.array_equal(graph.degree, np.bincount(ends, minlength=n))
    # source[s] is the person whose slice holds slot s
    assert np.array_equal(graph.source, np.repeat(np.arange(n), graph.degree))
    # slot s joins source[s] and neighbour[s] through edge edge_of[s]
    lo = np.minimum(graph.source, graph.neighbour)
    hi = np.maximum(graph.source, graph.neighbour)
    assert np.array_equal(graph.edge_u[graph.edge_of], lo)
    assert np.array_equal(graph.edge_v[graph.edge_of], hi)
    # no person lists the same contact twice
    for i in range(n):
        contacts = graph.neighbour[graph.indptr[i] : graph.indptr[i + 1]]
        assert np.unique(contacts).size == contacts.size


# ---------------------------------------------------------------------------
# from_pairs and the CSR adjacency


def test_from_pairs_drops_self_loops_and_duplicates_in_both_directions() -> None:
    graph = graph_of(5, [(0, 1), (1, 0), (0, 1), (2, 2), (3, 1), (1, 3), (4, 4), (2, 4)])
    assert edge_set(graph) == {(0, 1), (1, 3), (2, 4)}
    assert graph.edge_count == 3
    assert list(graph.degree) == [1, 2, 1, 1, 1]
    assert_simple_and_consistent(graph)


def test_csr_slices_list_each_persons_contacts_and_edges() -> None:
    graph = graph_of(6, [(0, 1), (0, 2), (2, 1), (3, 4), (5, 0)])
    adjacency = {i: set() for i in range(6)}
    for u, v in edge_set(graph):
        adjacency[u].add(v)
        adjacency[v].add(u)
    for i in range(6):
        sl = slice(graph.indptr[i], graph.indptr[i + 1])
        assert set(graph.neighbour[sl].tolist()) == adjacency[i]
        for j, k in zip(graph.neighbour[sl], graph.edge_of[sl], strict=True):
            assert {int(graph.edge_u[k]), int(graph.edge_v[k])} == {i, int(j)}
        assert np.all(graph.source[sl] == i)
    assert_simple_and_consistent(graph)


def test_empty_graph_is_consistent() -> None:
    graph = graph_of(4, [])
    assert graph.edge_count == 0
    assert list(graph.degree) == [0, 0, 0, 0]
    assert_simple_and_consistent(graph)
    assert list(graph.edge_ids(np.array([0, 1]), np.array([1, 2]))) == [-1, -1]
    assert graph.slots_of(np.array([0, 3])).size == 0


pair_lists = st.integers(1, 25).flatmap(
    lambda n: st.tuples(
        st.just(n),
        st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=80),
    )
)


@settings(max_examples=200, deadline=None)
@given(pair_lists)
def test_from_pairs_edge_set_is_normalised_input(case: tuple[int, list[tuple[int, int]]]) -> None:
    size, pairs = case
    graph = graph_of(size, pairs)
    assert edge_set(graph) == {(min(a, b), max(a, b)) for a, b in pairs if a != b}
    assert_simple_and_consistent(graph)


@settings(max_examples=200, deadline=None)
@given(pair_lists, st.data())
def test_edge_ids_find_edges_in_either_direction(
    case: tuple[int, list[tuple[int, int]]], data: st.DataObject
) -> None:
    size, pairs = case
    graph = graph_of(size, pairs)
    ids = {pair: k for k, pair in enumerate(edge_pairs(graph))}
    queries = data.draw(
        st.lists(st.tuples(st.integers(0, size - 1), st.integers(0, size - 1)), max_size=40)
    )
    queries += list(ids)  # every existing edge, too
    u = np.array([q[0] for q in queries], dtype=np.int64)
    v = np.array([q[1] for q in queries], dtype=np.int64)
    # the same graph twice: dense look-up (small graphs) and binary search (large ones)
    searched = graph_of(size, pairs)
    for a, b in ((u, v), (v, u)):
        expected = [ids.get((min(x, y), max(x, y)), -1) for x, y in zip(a, b, strict=True)]
        dense = graph.edge_ids(a, b)
        assert dense.dtype == np.int64 and dense.tolist() == expected
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr("netsim.model.graphs._DENSE_LOOKUP_MAX", -1)
            found = searched.edge_ids(a, b)
        assert found.dtype == np.int64 and found.tolist() == expected


@settings(max_examples=100, deadline=None)
@given(pair_lists, st.data())
def test_slots_of_concatenates_each_persons_slots(
    case: tuple[int, list[tuple[int, int]]], data: st.DataObject
) -> None:
    size, pairs = case
    graph = graph_of(size, pairs)
    people = np.array(
        data.draw(st.lists(st.integers(0, size - 1), max_size=3 * size)), dtype=np.int64
    )
    slots = graph.slots_of(people)
    expected = [s for p in people for s in range(graph.indptr[p], graph.indptr[p + 1])]
    assert slots.tolist() == expected
    assert np.array_equal(graph.source[slots], np.repeat(people, graph.degree[people]))


@settings(max_examples=150, deadline=None)
@given(pair_lists, st.data())
def test_tie_csr_is_the_stable_counting_sort_of_the_present_ties(
    case: tuple[int, list[tuple[int, int]]], data: st.DataObject
) -> None:
    """The compiled tie CSR lays ties out as scipy's coo_tocsr does (the layout it
    replaced; diffusion sums over positions in this order, so the order matters)."""
    from scipy.sparse._sparsetools import coo_tocsr

    size, pairs = case
    graph = graph_of(size, pairs)
    m = graph.edge_count
    present = np.array(data.draw(st.lists(st.booleans(), min_size=m, max_size=m)), dtype=bool)
    view = graph.tie_csr(present)

    kept = present.nonzero()[0]
    rows = np.concatenate([graph.edge_u[kept], graph.edge_v[kept]]).astype(np.int32)
    cols = np.concatenate([graph.edge_v[kept], graph.edge_u[kept]]).astype(np.int32)
    indptr = np.empty(size + 1, np.int32)
    indices = np.empty(rows.size, np.int32)
    position_rows = np.empty(rows.size, np.int32)
    coo_tocsr(size, size, rows.size, rows, cols, rows, indptr, indices, position_rows)

    assert np.array_equal(view.edges, kept)
    assert view.indptr.dtype == view.indices.dtype == np.int32
    assert np.array_equal(view.indptr, indptr)
    assert np.array_equal(view.indices, indices)
    assert np.array_equal(view.known_rows, position_rows)  # small: the rows are kept
    # and it is the tie graph: person i lists exactly the people it has a tie with
    for i in range(size):
        listed = sorted(view.indices[view.indptr[i] : view.indptr[i + 1]].tolist())
        assert listed == sorted(
            int(graph.edge_v[e] if graph.edge_u[e] == i else graph.edge_u[e])
            for e in kept
            if i in (graph.edge_u[e], graph.edge_v[e])
        )


def test_index_dtype_is_int32_until_people_or_slots_reach_two_to_the_31() -> None:
    assert INDEX32_LIMIT == 2**31 - 1
    assert index_dtype(1_000_000, 20_000_000) is np.int32
    assert index_dtype(5_000_000, 2**31 - 2) is np.int32
    assert index_dtype(5_000_000, 2**31 - 1) is np.int64  # the slot count itself must fit
    assert index_dtype(2**31 - 1, 10) is np.int64
    graph = graph_of(4, [(0, 1), (2, 3)])
    for array in (graph.edge_u, graph.edge_v, graph.indptr, graph.neighbour, graph.edge_of):
        assert array.dtype == np.int32


def old_adjacency(graph: ContactGraph) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The adjacency as the argsort-based build made it (before the counting sort)."""
    m = graph.edge_count
    u, v = graph.edge_u.astype(np.int64), graph.edge_v.astype(np.int64)
    src, dst = np.concatenate([u, v]), np.concatenate([v, u])
    order = np.argsort(src, kind="stable")
    indptr = np.zeros(graph.size + 1, np.int64)
    np.cumsum(np.bincount(src, minlength=graph.size), out=indptr[1:])
    return indptr, dst[order], np.concatenate([np.arange(m), np.arange(m)])[order]


@settings(max_examples=100, deadline=None)
@given(pair_lists, pair_lists)
def test_int64_fallback_builds_the_same_graph_and_the_old_layout(
    case: tuple[int, list[tuple[int, int]]], extra: tuple[int, list[tuple[int, int]]]
) -> None:
    size, pairs = case
    more = [(a % size, b % size) for a, b in extra[1]]
    narrow = graph_of(size, pairs).union(*np.array(more or [(0, 0)], np.int64).T)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("netsim.model.graphs.INDEX32_LIMIT", 0)  # every index int64
        mp.setattr("netsim.model.graphs._DENSE_LOOKUP_MAX", -1)  # look-ups bisect rows
        wide = graph_of(size, pairs).union(*np.array(more or [(0, 0)], np.int64).T)
        wide_ids = wide.edge_ids(narrow.edge_v, narrow.edge_u)
    assert wide.edge_u.dtype == wide.indptr.dtype == wide.edge_of.dtype == np.int64
    assert edge_set(narrow) == edge_set(graph_of(size, pairs + more))
    for name in ("edge_u", "edge_v", "indptr", "neighbour", "edge_of"):
        assert np.array_equal(getattr(narrow, name), getattr(wide, name)), name
    made = (narrow.indptr, narrow.neighbour, narrow.edge_of)
    for new, old in zip(made, old_adjacency(narrow), strict=True):
        assert np.array_equal(new, old)
    assert np.array_equal(wide_ids, np.arange(narrow.edge_count))


def old_organisations_pairs(
    rng: np.random.Generator,
    organisation: np.ndarray,
    mean_degree: float,
    cross_share: float,
    rewiring: float,
) -> tuple[np.ndarray, np.ndarray]:
    """organisations_graph's pairs as its numpy formulation drew them (before the kernels)."""
    size = organisation.size
    half = round(mean_degree * (1.0 - cross_share) / 2.0)
    us, vs = [np.empty(0, np.int64)], [np.empty(0, np.int64)]
    if half > 0 and size > 1:
        order = np.argsort(organisation, kind="stable")
        org_sorted = organisation[order]
        starts = np.searchsorted(org_sorted, org_sorted, side="left")
        org_size = np.searchsorted(org_sorted, org_sorted, side="right") - starts
        pos = np.arange(size) - starts
        for k in range(1, half + 1):
            ok = org_size > k
            partner = order[starts + (pos + k) % np.maximum(org_size, 1)]
            u, v = order[ok], partner[ok]
            rewire = rng.random(u.size) < rewiring
            if rewire.any():
                idx = np.flatnonzero(ok)[rewire]
                v = v.copy()
                v[rewire] = order[starts[idx] + rng.integers(0, org_size[idx])]
            us.append(u)
            vs.append(v)
    cross_edges = round(size * mean_degree * cross_share / 2.0)
    organisations = int(organisation.max()) + 1 if size else 0
    if cross_edges > 0 and organisations > 1:
        order = np.argsort(organisation, kind="stable")
        bounds = np.searchsorted(organisation[order], np.arange(organisations + 1))
        u = rng.integers(0, size, cross_edges)
        own = organisation[u]
        own_lo, own_hi = bounds[own], bounds[own + 1]
        slot = rng.integers(0, size - (own_hi - own_lo))
        slot = np.where(slot >= own_lo, slot + (own_hi - own_lo), slot)
        us.append(u)
        vs.append(order[slot])
    return np.concatenate(us), np.concatenate(vs)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.integers(0, 6), min_size=1, max_size=60),
    st.floats(0.0, 12.0),
    st.sampled_from([0.0, 0.25, 0.6, 1.0]),
    st.sampled_from([0.0, 0.1, 0.5, 1.0]),
    st.integers(0, 2**32),
)
def test_organisations_graph_draws_and_links_as_its_numpy_formulation(
    codes: list[int], mean_degree: float, cross_share: float, rewiring: float, seed: int
) -> None:
    """Codes with gaps, unsorted, organisations of one or two people: the same pairs from
    the same draws, and the generator left in the same state."""
    # with everyone in one organisation, a cross contact has nobody to go to (both fail)
    assume(len(set(codes)) > 1 or round(len(codes) * mean_degree * cross_share / 2.0) == 0)
    organisation = np.array(codes, np.int64)
    rng, old_rng = np.random.default_rng(seed), np.random.default_rng(seed)
    graph = organisations_graph(rng, organisation, mean_degree, cross_share, rewiring)
    u, v = old_organisations_pairs(old_rng, organisation, mean_degree, cross_share, rewiring)
    assert edge_set(graph) == {(min(a, b), max(a, b)) for a, b in zip(u, v, strict=True) if a != b}
    assert rng.bit_generator.state == old_rng.bit_generator.state
    assert_simple_and_consistent(graph)


def test_union_adds_pairs_without_duplicates() -> None:
    graph = graph_of(5, [(0, 1), (1, 2)])
    merged = graph.union(np.array([1, 3, 4]), np.array([0, 4, 4]))
    assert edge_set(merged) == {(0, 1), (1, 2), (3, 4)}
    assert_simple_and_consistent(merged)


# ---------------------------------------------------------------------------
# Erdos-Renyi


def test_erdos_renyi_mean_degree_close_to_target() -> None:
    n, target = 2000, 8.0
    graph = erdos_renyi_graph(np.random.default_rng(11), n, target)
    assert_simple_and_consistent(graph)
    # edge count ~ Binomial(n(n-1)/2, p): mean degree 2m/n has sd 2 sqrt(var m) / n
    pairs = n * (n - 1) / 2
    p = target / (n - 1)
    sd = 2 * math.sqrt(pairs * p * (1 - p)) / n
    assert abs(graph.degree.mean() - target) < 4 * sd
    # degrees of G(n, p) are Binomial(n - 1, p): variance close to the mean (~13% = 4 sd)
    assert graph.degree.var() == pytest.approx(target * (1 - p), rel=0.2)


def test_erdos_renyi_small_and_complete_cases() -> None:
    assert erdos_renyi_graph(np.random.default_rng(0), 1, 5.0).edge_count == 0
    complete = erdos_renyi_graph(np.random.default_rng(0), 12, 50.0)
    assert complete.edge_count == 12 * 11 // 2
    assert_simple_and_consistent(complete)


def test_erdos_renyi_is_deterministic_for_a_seed() -> None:
    a = erdos_renyi_graph(np.random.default_rng(5), 300, 6.0)
    b = erdos_renyi_graph(np.random.default_rng(5), 300, 6.0)
    c = erdos_renyi_graph(np.random.default_rng(6), 300, 6.0)
    assert np.array_equal(a.edge_u, b.edge_u) and np.array_equal(a.edge_v, b.edge_v)
    assert np.array_equal(a.neighbour, b.neighbour)
    assert edge_set(a) != edge_set(c)


# ---------------------------------------------------------------------------
# Watts-Strogatz


@pytest.mark.parametrize("k", [4, 6, 8])
def test_watts_strogatz_without_rewiring_is_a_ring_lattice(k: int) -> None:
    n = 200
    graph = watts_strogatz_graph(np.random.default_rng(1), n, float(k), 0.0)
    assert_simple_and_consistent(graph)
    assert np.all(graph.degree == k)
    pairs = [(i, (i + j) % n) for i in range(n) for j in range(1, k // 2 + 1)]
    ring = {(min(a, b), max(a, b)) for a, b in pairs}
    assert edge_set(graph) == ring
    expected = 3 * (k - 2) / (4 * (k - 1))
    assert nx.average_clustering(to_networkx(graph)) == pytest.approx(expected)


def test_rewiring_reduces_clustering() -> None:
    n, k = 400, 6
    clustering = [
        nx.average_clustering(
            to_networkx(watts_strogatz_graph(np.random.default_rng(2), n, float(k), p))
        )
        for p in (0.0, 0.1, 0.3, 1.0)
    ]
    assert clustering[0] == pytest.approx(0.6)
    assert clustering[0] > clustering[1] > clustering[2] > clustering[3]
    # C(p) ~ C(0) (1 - p)^3 (Barrat & Weigt 2000); fully rewired is close to random (k/n)
    assert clustering[1] == pytest.approx(0.6 * 0.9**3, abs=0.06)
    assert clustering[3] < 0.1


def test_watts_strogatz_is_deterministic_for_a_seed() -> None:
    a = watts_strogatz_graph(np.random.default_rng(9), 300, 6.0, 0.3)
    b = watts_strogatz_graph(np.random.default_rng(9), 300, 6.0, 0.3)
    c = watts_strogatz_graph(np.random.default_rng(10), 300, 6.0, 0.3)
    assert edge_set(a) == edge_set(b)
    assert np.array_equal(a.indptr, b.indptr)
    assert edge_set(a) != edge_set(c)


# ---------------------------------------------------------------------------
# organisations graph


def test_organisation_of_gives_contiguous_near_equal_blocks() -> None:
    org = organisation_of(103, 10)
    sizes = np.bincount(org)
    assert sizes.size == 10
    assert sizes.max() - sizes.min() <= 1
    assert np.all(np.diff(org) >= 0)
    assert np.array_equal(organisation_of(3, 10), np.arange(3))


@pytest.mark.parametrize("rewiring", [0.0, 0.5, 1.0])
def test_within_organisation_edges_join_colleagues_only(rewiring: float) -> None:
    org = organisation_of(600, 6)
    graph = organisations_graph(np.random.default_rng(3), org, 8.0, 0.0, rewiring)
    assert_simple_and_consistent(graph)
    assert graph.edge_count > 0
    assert np.all(org[graph.edge_u] == org[graph.edge_v])
    if rewiring == 0.0:
        assert np.all(graph.degree == 8)


def test_cross_organisation_edge_share_close_to_requested() -> None:
    # mean degree 10 with 20% across leaves 8 within (4 lattice neighbours each side: no rounding)
    size, organisations, share = 4000, 100, 0.2
    org = organisation_of(size, organisations)
    graph = organisations_graph(np.random.default_rng(4), org, 10.0, share, 0.1)
    assert_simple_and_consistent(graph)
    cross = org[graph.edge_u] != org[graph.edge_v]
    assert cross.mean() == pytest.approx(share, abs=0.01)
    assert graph.degree.mean() == pytest.approx(10.0, rel=0.03)


def test_organisations_graph_is_deterministic_for_a_seed() -> None:
    org = organisation_of(500, 5)
    a = organisations_graph(np.random.default_rng(8), org, 10.0, 0.25, 0.2)
    b = organisations_graph(np.random.default_rng(8), org, 10.0, 0.25, 0.2)
    c = organisations_graph(np.random.default_rng(9), org, 10.0, 0.25, 0.2)
    assert edge_set(a) == edge_set(b)
    assert np.array_equal(a.neighbour, b.neighbour) and np.array_equal(a.edge_of, b.edge_of)
    assert edge_set(a) != edge_set(c)


def test_cross_organisation_share_with_few_organisations() -> None:
    size, organisations, share = 4000, 4, 0.2
    org = organisation_of(size, organisations)
    graph = organisations_graph(np.random.default_rng(4), org, 10.0, share, 0.0)
    cross = org[graph.edge_u] != org[graph.edge_v]
    assert cross.mean() == pytest.approx(share, abs=0.01)


def test_sorted_unique_and_quantile_linear_match_numpy_bit_for_bit() -> None:
    from netsim.model.graphs import sorted_unique
    from netsim.model.network import quantile_linear

    rng = np.random.default_rng(5)
    for size in (0, 1, 2, 7, 100, 3_000):
        values = rng.integers(0, 50, size)
        assert np.array_equal(sorted_unique(values), np.unique(values))
        assert sorted_unique(values).dtype == np.unique(values).dtype
        if size:
            for dtype in (np.int32, np.int64):
                typed = values.astype(dtype)
                for q in (0.0, 0.25, 0.5, 0.9, 1.0):
                    assert quantile_linear(np.sort(typed), q) == float(np.quantile(typed, q))
