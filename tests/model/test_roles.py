"""Members' roles, compiled, are the numpy rules they replaced: the same roles, the same draws."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from netsim.model.graphs import ContactGraph, TieCSR
from netsim.model.network import ROLE_PAIR_SAMPLES, assign_roles
from netsim.model.state import ACTIVE, PASSIVE, MemberArrays, Role


def _reference_roles(
    members: MemberArrays,
    graph: ContactGraph,
    present: np.ndarray,
    ties: TieCSR,
    rng: np.random.Generator,
    member: np.ndarray,
) -> None:
    """assign_roles as numpy computed it before it was compiled (np.quantile for the cutoff)."""
    crossing = None
    active_mask = None
    member_mask = member
    role = members.role
    role[:] = Role.NONE
    degree = ties.degree
    member = members.is_member() if member_mask is None else member_mask
    tied_members = member & (degree > 0)
    if not tied_members.any():
        return
    n = members.size
    if crossing is None:
        org = members.organisation
        crossing = org[graph.edge_u] != org[graph.edge_v]
    # ties to other organisations per person: each crossing tie counts at both ends
    tie_edges = ties.edges if ties.edges is not None else np.arange(graph.edge_count)
    crossing_ties = tie_edges[crossing[tie_edges]]
    cross = np.bincount(graph.edge_u[crossing_ties], minlength=n) + np.bincount(
        graph.edge_v[crossing_ties], minlength=n
    )
    cutoff = max(3.0, float(np.quantile(degree[tied_members], 0.9)))
    connector = tied_members & (degree >= cutoff)
    spanner = tied_members & ~connector & (cross >= 2) & (2 * cross >= degree)
    candidates = (tied_members & ~connector & ~spanner & (degree >= 3)).nonzero()[0]
    broker = np.zeros(members.size, bool)
    if candidates.size:
        d = degree[candidates]
        first = (rng.random((ROLE_PAIR_SAMPLES, candidates.size)) * d).astype(np.int64)
        second = (rng.random((ROLE_PAIR_SAMPLES, candidates.size)) * (d - 1)).astype(np.int64)
        second += second >= first
        start = ties.indptr[candidates]
        # A candidate is a broker if none of its sampled pairs is tied. All pairs are
        # drawn above (the draws do not depend on the answers); each pair is then
        # looked up only for candidates that no earlier pair has already ruled out.
        undecided = np.arange(candidates.size)
        for k in range(ROLE_PAIR_SAMPLES):
            if undecided.size == 0:
                break
            at = start[undecided]
            a = ties.indices[at + first[k, undecided]]
            b = ties.indices[at + second[k, undecided]]
            eid = graph.edge_ids(a, b)
            closed = eid >= 0
            if present is not None:
                closed &= present[np.maximum(eid, 0)]
            undecided = undecided[~closed]
        broker[candidates[undecided]] = True
    peripheral = (
        (members.status == ACTIVE if active_mask is None else active_mask)
        & (degree >= 1)
        & (degree <= 2)
        & ~connector
        & ~spanner
        & ~broker
    )
    role[connector] = Role.CENTRAL_CONNECTOR
    role[spanner] = Role.BOUNDARY_SPANNER
    role[broker] = Role.INFORMATION_BROKER
    role[peripheral] = Role.PERIPHERAL_SPECIALIST


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    size=st.integers(2, 120),
    density=st.floats(0.0, 0.4),
    tied_share=st.floats(0.0, 1.0),
    organisations=st.integers(1, 6),
)
def test_compiled_roles_match_the_numpy_rules(
    seed: int, size: int, density: float, tied_share: float, organisations: int
) -> None:
    rng = np.random.default_rng(seed)
    pairs = rng.integers(0, size, (2, int(density * size * size / 2) + 1))
    graph = ContactGraph.from_pairs(size, pairs[0], pairs[1])
    members = MemberArrays.empty(size, 1)
    members.status[:] = rng.choice(np.array([0, ACTIVE, PASSIVE, 3], np.int8), size)
    members.organisation[:] = rng.integers(0, organisations, size)
    present = rng.random(graph.edge_count) < tied_share
    ties = graph.tie_csr(present)
    member = members.is_member()
    expected = MemberArrays.empty(size, 1)
    expected.status[:] = members.status
    expected.organisation[:] = members.organisation
    ours, theirs = np.random.default_rng(seed + 1), np.random.default_rng(seed + 1)
    assign_roles(members, graph, present, ties, ours)
    _reference_roles(expected, graph, present, ties, theirs, member)
    np.testing.assert_array_equal(members.role, expected.role)
    assert ours.bit_generator.state == theirs.bit_generator.state


def test_hubs_connect_a_member_whose_partners_never_meet_brokers_and_leaves_specialise() -> None:
    """Roles from position, on 8 stars of 5 leaves and one member tied to leaves of 3 stars."""
    hubs = np.repeat(np.arange(8) * 6, 5)
    leaves = hubs + np.tile(np.arange(1, 6), 8)
    broker, partners = 48, np.array([1, 7, 13])  # a leaf of each of the first three stars
    graph = ContactGraph.from_pairs(
        49, np.concatenate([hubs, np.full(3, broker)]), np.concatenate([leaves, partners])
    )
    members = MemberArrays.empty(49, 1)
    members.status[:] = ACTIVE
    present = np.ones(graph.edge_count, bool)
    assign_roles(members, graph, present, graph.tie_csr(present), np.random.default_rng(1))
    assert (members.role[np.arange(8) * 6] == Role.CENTRAL_CONNECTOR).all()  # 5 ties: the top 10%
    assert members.role[broker] == Role.INFORMATION_BROKER  # 3 ties whose holders never meet
    assert members.role[2] == Role.PERIPHERAL_SPECIALIST  # an active member with one tie
    members.status[2] = PASSIVE
    assign_roles(members, graph, present, graph.tie_csr(present), np.random.default_rng(1))
    assert members.role[2] == Role.NONE  # a passive member specialises in nothing
