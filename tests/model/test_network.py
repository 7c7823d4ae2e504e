"""The weekly step's growth rules: compiled kernels against the numpy formulation they replaced.

netsim.model.compiled promises that each kernel gives bit-identical results to the numpy
code it replaced, taking the same random draws from the model's Generator in the
same order. These tests hold the kernels to that promise on random states, and
check a few behaviours directly.
"""

from __future__ import annotations

import copy
import dataclasses
import os
import subprocess
import sys

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from netsim.model.graphs import ContactGraph, sorted_unique
from netsim.model.network import (
    BROKER_INTRODUCTIONS,
    CONNECTOR_PULL,
    NEW_TIE_STRENGTH,
    PARTNER_CANDIDATES,
    PASSIVE_ANSWER_SHARE,
    REACTIVATE_MARGIN,
    REFRESH_INTERVAL,
    REJOIN_FACTOR,
    SPECIALIST_VALUE,
    USE_TIE_GAIN,
    ExchangeOutcome,
    beta_draws,
    brokers_introduce,
    decay_ties,
    exchange,
    introduce,
    joiner_rule,
    lapse,
    tie_partners_at,
    update_status,
)
from netsim.model.state import (
    ACTIVE,
    LAPSED,
    PASSIVE,
    PROSPECT,
    MemberArrays,
    MembershipStatus,
    Role,
    TieArrays,
)

# --- reference implementations ---------------------------------------------------------------
# The numpy formulation of exchange, introduce, decay_ties, update_status and lapse as of
# commit 1e3d37e (before the numba kernels), copied as they were apart from names and
# docstrings. The kernels must match these bit for bit, drawing the same numbers from the
# Generator in the same order.


def _reference_choose_partners(
    graph: ContactGraph,
    ties: TieArrays,
    askers: np.ndarray,
    rng: np.random.Generator,
    role: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    contacts, everyone = graph.contact_degree()
    starts = graph.indptr[askers]
    degree = contacts[askers]
    if everyone:  # the usual case: no -1 rows to fill in
        return _reference_pick_partners(graph, ties, starts, degree, rng, role)
    has = degree > 0
    if has.all():
        return _reference_pick_partners(graph, ties, starts, degree, rng, role)
    partner = np.full(askers.size, -1, np.int64)
    edge = np.full(askers.size, -1, np.int64)
    if not has.any():
        return partner, edge
    partner[has], edge[has] = _reference_pick_partners(
        graph, ties, starts[has], degree[has], rng, role
    )
    return partner, edge


def _reference_pick_partners(
    graph: ContactGraph,
    ties: TieArrays,
    starts: np.ndarray,
    d: np.ndarray,
    rng: np.random.Generator,
    role: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    offsets = rng.random((PARTNER_CANDIDATES, d.size))
    offsets *= d.astype(np.float64)  # the conversion the product makes, done once, not 3 times
    slots = offsets.astype(np.int64)
    slots += starts
    edges = graph.edge_of[slots]
    tied = ties.strength[edges] > 0.0
    specialist = role[graph.neighbour[slots]] == Role.PERIPHERAL_SPECIALIST
    # the first specialist candidate, else the first tied, else the first (argmax of a
    # bool: its first True, or 0); along the transposed view each person's candidates
    # are adjacent, the fast axis
    pick = np.where(specialist.any(axis=0), specialist.T.argmax(axis=1), tied.T.argmax(axis=1))
    # flat position of (pick[j], j) in the C-ordered (candidates, askers) arrays
    pick *= d.size
    pick += np.arange(d.size)
    edge = edges.ravel().take(pick).astype(np.int64)  # int64 whatever the graph's index dtype
    return graph.neighbour.take(slots.ravel().take(pick)).astype(np.int64), edge


def _reference_exchange(
    members: MemberArrays,
    ties: TieArrays,
    graph: ContactGraph,
    rng: np.random.Generator,
    step: int,
    *,
    exchange_rate: float,
    attractiveness: float,
) -> ExchangeOutcome:
    n = members.size
    status = members.status
    active = (status == ACTIVE).nonzero()[0]
    asks = rng.random(active.size) < exchange_rate * members.engagement[active]
    askers = active[asks]
    partner, edge = _reference_choose_partners(graph, ties, askers, rng, members.role)
    if not graph.contact_degree()[1]:  # someone has no contacts: drop their -1 rows
        ok = partner >= 0
        askers, partner, edge = askers[ok], partner[ok], edge[ok]

    status_p = status[partner]
    to_member = status_p == ACTIVE
    to_member |= status_p == PASSIVE
    answer_p = (
        members.reciprocity[partner]
        * (0.3 + 0.7 * members.engagement[partner])
        * (0.5 + 0.5 * members.trust[partner])
    )
    answer_p = np.where(status_p == PASSIVE, answer_p * PASSIVE_ANSWER_SHARE, answer_p)
    draw = rng.random(askers.size)
    success = draw < answer_p
    success &= to_member
    unanswered = to_member ^ success  # success only where to_member

    used = edge[success]
    strength = ties.strength
    current = strength[used]
    new_tie = current <= 0.0
    ties.formed_step[used[new_tie]] = step
    current += USE_TIE_GAIN
    np.minimum(1.0, current, out=current)
    current[new_tie] = NEW_TIE_STRENGTH
    strength[used] = current
    ties.last_used[used] = step

    invite = ~to_member
    invited = partner[invite]
    if invited.size:
        lapsed = status[invited] == LAPSED
        p_join = np.where(lapsed, attractiveness * REJOIN_FACTOR, attractiveness)
        connector = members.role[askers[invite]] == Role.CENTRAL_CONNECTOR
        p_join = np.where(connector, np.minimum(1.0, p_join * CONNECTOR_PULL), p_join)
        joins = draw[invite] < p_join
        joined = _reference_sorted_unique(invited[joins], n)
    else:
        joined = invited

    # both ends of each reciprocated exchange, counted in one pass
    worth = np.where(
        members.role[partner[success]] == Role.PERIPHERAL_SPECIALIST, SPECIALIST_VALUE, 1
    )
    success_count = np.bincount(askers[success], weights=worth, minlength=n).astype(np.int64)
    success_count += np.bincount(partner[success], minlength=n)
    unanswered_count = np.bincount(askers[unanswered], minlength=n)
    return ExchangeOutcome(
        attempts=int(askers.size),
        reciprocated=int(np.count_nonzero(success)),
        invitations=int(invited.size),
        joined=joined,
        success_count=success_count,
        unanswered_count=unanswered_count,
    )


def _reference_sorted_unique(people: np.ndarray, n: int) -> np.ndarray:
    if people.size <= 1:
        return people.astype(np.int64)
    if people.size * 64 < n:  # a short sort beats a pass over all n (and np.unique's overhead)
        return sorted_unique(people).astype(np.int64, copy=False)
    seen = np.zeros(n, bool)
    seen[people] = True
    return seen.nonzero()[0].astype(np.int64, copy=False)


def _reference_introduce(
    members: MemberArrays,
    ties: TieArrays,
    graph: ContactGraph,
    people: np.ndarray,
    rng: np.random.Generator,
    step: int,
    *,
    member_mask: np.ndarray | None = None,
) -> int:
    if people.size == 0:
        return 0
    contacts, everyone = graph.contact_degree()
    starts = graph.indptr[people]
    d = contacts[people]
    if not everyone:
        has = d > 0
        if not has.all():
            if not has.any():
                return 0
            starts, d = starts[has], d[has]
    offsets = rng.random((PARTNER_CANDIDATES, d.size))
    offsets *= d.astype(np.float64)
    slots = offsets.astype(np.int64)
    slots += starts
    edges = graph.edge_of[slots]
    if member_mask is None:
        member_mask = members.is_member()
    fits = member_mask[graph.neighbour[slots]]
    fits &= ties.strength[edges] <= 0.0
    # the first fitting candidate of each person (argmax along the transposed view), if any
    pick = fits.T.argmax(axis=1)
    pick *= d.size
    pick += np.arange(d.size)
    found = fits.ravel().take(pick)
    made = _reference_sorted_unique(edges.ravel().take(pick[found]), graph.edge_count)
    ties.formed_step[made] = step
    ties.strength[made] = NEW_TIE_STRENGTH
    ties.last_used[made] = step
    return int(made.size)


def _reference_decay_ties(ties: TieArrays, step: int, rate: float) -> None:
    s = ties.strength
    mask = s > 0.0
    mask &= ties.last_used != step
    unused = mask.nonzero()[0]
    weakened = s[unused]
    weakened -= rate
    gone = weakened <= 0.0
    s[unused] = np.maximum(weakened, 0.0, out=weakened)
    ties.formed_step[unused[gone]] = -1


def _reference_update_status(
    members: MemberArrays,
    ties: TieArrays,
    graph: ContactGraph,
    rng: np.random.Generator,
    step: int,
    *,
    passive_below: float,
    lapse_below: float,
    lapse_rate: float,
    refresh: bool,
) -> np.ndarray:
    status = members.status
    e = members.engagement
    active = status == ACTIVE
    passive = status == PASSIVE
    active &= e < passive_below
    passive &= e >= passive_below + REACTIVATE_MARGIN
    status[active] = PASSIVE
    status[passive] = ACTIVE
    passive = status == PASSIVE
    leave = e < lapse_below
    leave &= passive
    leave &= rng.random(members.size) < lapse_rate
    if refresh and step % REFRESH_INTERVAL == 0:
        leave |= passive
    lapsed = leave.nonzero()[0]
    _reference_lapse(members, ties, graph, lapsed)
    return lapsed


def _reference_lapse(
    members: MemberArrays, ties: TieArrays, graph: ContactGraph, people: np.ndarray
) -> None:
    if people.size == 0:
        return
    members.status[people] = LAPSED
    slots = graph.slots_of(people)
    edges = graph.edge_of[slots]
    ties.strength[edges] = 0.0
    ties.formed_step[edges] = -1


# --- random states -------------------------------------------------------------------------

# levels in [0, 1]: the bounds themselves and round values, whatever hypothesis likes (it
# favours extremes such as 5e-324), and plainly spread values
unit = st.one_of(
    st.sampled_from([0.0, 1.0, 0.25, 0.5]),
    st.floats(0.0, 1.0),
    st.integers(0, 1000).map(lambda k: k / 1000),
)
high = st.one_of(st.just(1.0), st.floats(0.6, 1.0))
positive_unit = st.one_of(
    st.sampled_from([1.0, 0.25, 0.5, 0.75]),
    st.floats(0.0, 1.0, exclude_min=True),
    st.integers(1, 1000).map(lambda k: k / 1000),
)
status_pools = st.sampled_from(
    [
        tuple(MembershipStatus),
        (MembershipStatus.ACTIVE,),
        (MembershipStatus.ACTIVE, MembershipStatus.PASSIVE),
        (MembershipStatus.ACTIVE, MembershipStatus.PROSPECT, MembershipStatus.LAPSED),
        (MembershipStatus.PASSIVE, MembershipStatus.LAPSED),
    ]
)
steps = st.one_of(
    st.integers(0, 600), st.integers(0, 10).map(lambda k: k * REFRESH_INTERVAL)
)  # some yearly refresh steps
seeds = st.integers(0, 2**32 - 1)


def array(dtype: type, size: int, elements: st.SearchStrategy | None = None) -> st.SearchStrategy:
    """Arrays with every element drawn (hypothesis' default fills most with one value)."""
    return hnp.arrays(dtype, size, elements=elements, fill=st.nothing())


@dataclasses.dataclass
class State:
    graph: ContactGraph
    members: MemberArrays
    ties: TieArrays
    step: int


@st.composite
def states(draw: st.DrawFn) -> State:
    """A contact graph (isolated people or everyone with a contact), members and ties on it.

    Statuses come from a drawn pool (all four, or everyone active, ...); a lively
    state has eager, trusting, reciprocating people, so that many exchanges succeed.
    """
    size = draw(st.integers(2, 60))
    person = st.integers(0, size - 1)
    pairs = draw(st.lists(st.tuples(person, person), max_size=3 * size))
    if draw(st.booleans()):  # a ring as well: everyone has a contact
        pairs += [(i, (i + 1) % size) for i in range(size)]
    graph = ContactGraph.from_pairs(
        size,
        np.array([p[0] for p in pairs], np.int64),
        np.array([p[1] for p in pairs], np.int64),
    )
    step = draw(steps)

    members = MemberArrays.empty(size, draw(st.integers(1, 3)))
    pool = draw(status_pools)
    members.status[:] = draw(array(np.int8, size, elements=st.sampled_from(pool)))
    level = high if draw(st.booleans()) else unit
    members.engagement[:] = draw(array(np.float64, size, elements=level))
    members.trust[:] = draw(array(np.float64, size, elements=level))
    members.reciprocity[:] = draw(array(np.float64, size, elements=level))
    members.perceived_value[:] = draw(array(np.float64, size, elements=unit))
    members.champion[:] = draw(array(np.bool_, size))
    members.role[:] = draw(array(np.int8, size, elements=st.sampled_from(list(Role))))
    members.joined_step[:] = draw(array(np.int32, size, elements=st.integers(-1, step)))

    edges = graph.edge_count
    ties = TieArrays.empty(edges)
    tied = draw(array(np.bool_, edges))
    ties.strength[:] = np.where(tied, draw(array(np.float64, edges, elements=positive_unit)), 0.0)
    # last used: never, earlier, or this very step
    ties.last_used[:] = draw(
        array(np.int32, edges, elements=st.one_of(st.just(step), st.integers(-1, step)))
    )
    ties.formed_step[:] = np.where(
        tied, draw(array(np.int32, edges, elements=st.integers(0, step))), -1
    )
    return State(graph, members, ties, step)


def assert_identical(a: np.ndarray, b: np.ndarray, what: str = "") -> None:
    """Same dtype, shape and values; for floats the same bits (so -0.0 differs from 0.0)."""
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype and a.shape == b.shape, what
    assert np.array_equal(a, b), what
    if a.dtype.kind == "f":
        assert np.array_equal(a.view(np.int64), b.view(np.int64)), f"{what}: bits differ"


def assert_same_state(
    members: MemberArrays, ties: TieArrays, ref_members: MemberArrays, ref_ties: TieArrays
) -> None:
    for field in dataclasses.fields(MemberArrays):
        name = field.name
        assert_identical(getattr(members, name), getattr(ref_members, name), f"members.{name}")
    for field in dataclasses.fields(TieArrays):
        name = field.name
        assert_identical(getattr(ties, name), getattr(ref_ties, name), f"ties.{name}")


SEEDS_PER_STATE = 4
"""Seeds each drawn state is tried with (drawing a state costs far more than a try)."""


def twins(state: State, seed: int) -> tuple[State, np.random.Generator, State, np.random.Generator]:
    """Two deep copies of ``state``, each with its own identically seeded Generator."""
    return (
        copy.deepcopy(state),
        np.random.default_rng(seed),
        copy.deepcopy(state),
        np.random.default_rng(seed),
    )


def _reference_brokers_introduce(
    members: MemberArrays,
    ties: TieArrays,
    graph: ContactGraph,
    rng: np.random.Generator,
    step: int,
    *,
    member_mask: np.ndarray,
) -> int:
    # brokers_introduce as of commit c0f5abe: one Python iteration per introducing broker
    brokers = np.flatnonzero((members.role == Role.INFORMATION_BROKER) & (members.status == ACTIVE))
    if brokers.size == 0:
        return 0
    brokers = brokers[rng.random(brokers.size) < BROKER_INTRODUCTIONS * members.engagement[brokers]]
    if brokers.size == 0:
        return 0
    picks = rng.random(brokers.size)
    partners = []
    for broker, pick in zip(brokers, picks, strict=True):
        slots = graph.slots_of(np.array([broker]))
        tied = slots[ties.strength[graph.edge_of[slots]] > 0.0]
        if tied.size:
            partners.append(graph.neighbour[tied[int(pick * tied.size)]])
    people = np.array(partners, np.int64)
    return introduce(members, ties, graph, people, rng, step, member_mask=member_mask)


# --- kernels against the reference ---------------------------------------------------------

rates = st.one_of(unit, high)


@settings(max_examples=60, deadline=None)
@given(states(), seeds, rates, rates)
def test_exchange_matches_the_numpy_formulation(
    state: State, first_seed: int, exchange_rate: float, attractiveness: float
) -> None:
    for seed in range(first_seed, first_seed + SEEDS_PER_STATE):
        new, rng, ref, ref_rng = twins(state, seed)
        got = exchange(
            new.members,
            new.ties,
            new.graph,
            rng,
            new.step,
            exchange_rate=exchange_rate,
            attractiveness=attractiveness,
        )
        want = _reference_exchange(
            ref.members,
            ref.ties,
            ref.graph,
            ref_rng,
            ref.step,
            exchange_rate=exchange_rate,
            attractiveness=attractiveness,
        )
        assert (got.attempts, got.reciprocated, got.invitations) == (
            want.attempts,
            want.reciprocated,
            want.invitations,
        )
        assert got.joined.dtype == np.int64
        assert_identical(got.joined, want.joined, "joined")
        assert_identical(got.success_count, want.success_count, "success_count")
        assert_identical(got.unanswered_count, want.unanswered_count, "unanswered_count")
        assert_same_state(new.members, new.ties, ref.members, ref.ties)
        assert rng.bit_generator.state == ref_rng.bit_generator.state


@settings(max_examples=60, deadline=None)
@given(states(), seeds, st.data())
def test_introduce_matches_the_numpy_formulation(
    state: State, first_seed: int, data: st.DataObject
) -> None:
    size = state.members.size
    # anyone, in any order (repeats too); broker_ties passes distinct members
    people = np.array(
        data.draw(st.lists(st.integers(0, size - 1), min_size=1, max_size=2 * size)),
        dtype=np.int64,
    )
    pass_mask = data.draw(st.booleans())
    for seed in range(first_seed, first_seed + SEEDS_PER_STATE):
        new, rng, ref, ref_rng = twins(state, seed)
        got = introduce(
            new.members,
            new.ties,
            new.graph,
            people.copy(),
            rng,
            new.step,
            member_mask=new.members.is_member() if pass_mask else None,
        )
        want = _reference_introduce(
            ref.members,
            ref.ties,
            ref.graph,
            people.copy(),
            ref_rng,
            ref.step,
            member_mask=ref.members.is_member() if pass_mask else None,
        )
        assert type(got) is int and got == want
        assert_same_state(new.members, new.ties, ref.members, ref.ties)
        assert rng.bit_generator.state == ref_rng.bit_generator.state


@settings(max_examples=60, deadline=None)
@given(states(), seeds)
def test_brokers_introduce_matches_the_loop_it_replaced(state: State, first_seed: int) -> None:
    """The vectorised partner choice picks the partners the per-broker loop picked."""
    for seed in range(first_seed, first_seed + SEEDS_PER_STATE):
        new, rng, ref, ref_rng = twins(state, seed)
        got = brokers_introduce(
            new.members, new.ties, new.graph, rng, new.step, member_mask=new.members.is_member()
        )
        want = _reference_brokers_introduce(
            ref.members, ref.ties, ref.graph, ref_rng, ref.step, member_mask=ref.members.is_member()
        )
        assert type(got) is int and got == want
        assert_same_state(new.members, new.ties, ref.members, ref.ties)
        assert rng.bit_generator.state == ref_rng.bit_generator.state


def _reference_tie_partners_at(
    graph: ContactGraph, ties: TieArrays, people: np.ndarray, picks: np.ndarray
) -> np.ndarray:
    # the per-person loop brokers_introduce used as of commit c0f5abe
    partners = []
    for person, pick in zip(people, picks, strict=True):
        slots = graph.slots_of(np.array([person]))
        tied = slots[ties.strength[graph.edge_of[slots]] > 0.0]
        if tied.size:
            partners.append(graph.neighbour[tied[int(pick * tied.size)]])
    return np.array(partners, np.int64)


@settings(max_examples=200, deadline=None)
@given(states(), st.data())
def test_tie_partners_at_picks_what_the_per_person_loop_picked(
    state: State, data: st.DataObject
) -> None:
    size = state.members.size
    people = np.array(
        sorted(data.draw(st.sets(st.integers(0, size - 1), min_size=1))), dtype=np.int64
    )
    edge_picks = st.sampled_from([0.0, 0.5, 0.999999999, float(np.nextafter(1.0, 0.0))])
    picks = np.array(
        data.draw(
            st.lists(
                st.one_of(edge_picks, st.floats(0.0, 1.0, exclude_max=True)),
                min_size=people.size,
                max_size=people.size,
            )
        )
    )
    got = tie_partners_at(state.graph, state.ties, people, picks)
    want = _reference_tie_partners_at(state.graph, state.ties, people, picks)
    assert_identical(got, want, "partners")


decay_rates = st.one_of(st.sampled_from([0.0, 0.25, 0.5, 1.0]), st.floats(0.0, 1.0))


@settings(max_examples=60, deadline=None)
@given(states(), decay_rates, st.data())
def test_decay_ties_matches_the_numpy_formulation(
    state: State, rate: float, data: st.DataObject
) -> None:
    if rate > 0.0:  # some ties exactly as strong as the rate: they reach zero exactly
        at_rate = data.draw(array(np.bool_, state.ties.strength.size))
        state.ties.strength[at_rate & (state.ties.strength > 0.0)] = rate
    new, _, ref, _ = twins(state, 0)
    decay_ties(new.ties, new.step, rate)
    _reference_decay_ties(ref.ties, ref.step, rate)
    assert_same_state(new.members, new.ties, ref.members, ref.ties)


@settings(max_examples=60, deadline=None)
@given(states(), seeds, unit, unit, unit, st.sampled_from(["off", "yearly", "between"]), st.data())
def test_update_status_matches_the_numpy_formulation(
    state: State,
    first_seed: int,
    passive_below: float,
    lapse_below: float,
    lapse_rate: float,
    policy: str,
    data: st.DataObject,
) -> None:
    # some people exactly at a threshold (turning passive, turning active again, lapsing)
    at = data.draw(array(np.int8, state.members.size, st.integers(-1, 2)))
    for k, level in enumerate((passive_below, passive_below + REACTIVATE_MARGIN, lapse_below)):
        if level <= 1.0:
            state.members.engagement[at == k] = level
    # the refresh policy at a yearly refresh step, or between two (ties' use does not matter)
    refresh = policy != "off"
    if policy == "yearly":
        state.step -= state.step % REFRESH_INTERVAL
    elif policy == "between" and state.step % REFRESH_INTERVAL == 0:
        state.step += 1
    params = dict(
        passive_below=passive_below, lapse_below=lapse_below, lapse_rate=lapse_rate, refresh=refresh
    )
    for seed in range(first_seed, first_seed + SEEDS_PER_STATE):
        new, rng, ref, ref_rng = twins(state, seed)
        got = update_status(new.members, new.ties, new.graph, rng, new.step, **params)
        want = _reference_update_status(
            ref.members, ref.ties, ref.graph, ref_rng, ref.step, **params
        )
        assert_identical(got, want, "lapsed")
        assert got.dtype == np.int64
        assert_same_state(new.members, new.ties, ref.members, ref.ties)
        assert rng.bit_generator.state == ref_rng.bit_generator.state


@settings(max_examples=60, deadline=None)
@given(states(), st.data())
def test_lapse_matches_the_numpy_formulation(state: State, data: st.DataObject) -> None:
    size = state.members.size
    people = np.array(
        data.draw(st.lists(st.integers(0, size - 1), max_size=size, unique=True)), dtype=np.int64
    )
    new, _, ref, _ = twins(state, 0)
    lapse(new.members, new.ties, new.graph, people.copy())
    _reference_lapse(ref.members, ref.ties, ref.graph, people.copy())
    assert_same_state(new.members, new.ties, ref.members, ref.ties)


# --- behaviour ------------------------------------------------------------------------------


def pair_state(strength: float) -> tuple[ContactGraph, MemberArrays, TieArrays]:
    """Two eager active members who know only each other, tied at ``strength``."""
    graph = ContactGraph.from_pairs(2, np.array([0]), np.array([1]))
    members = MemberArrays.empty(2, 1)
    members.status[:] = ACTIVE
    members.engagement[:] = 1.0
    members.trust[:] = 1.0
    members.reciprocity[:] = 1.0
    ties = TieArrays.empty(graph.edge_count)
    ties.strength[0] = strength
    ties.formed_step[0] = 0 if strength > 0.0 else -1
    return graph, members, ties


def test_a_tie_used_from_both_ends_in_one_round_gains_once() -> None:
    graph, members, ties = pair_state(0.5)
    outcome = exchange(
        members, ties, graph, np.random.default_rng(1), 7, exchange_rate=1.0, attractiveness=0.0
    )
    # both ask (rate x engagement = 1), each other, and both are answered (probability 1)
    assert outcome.attempts == 2 and outcome.reciprocated == 2
    assert outcome.success_count.tolist() == [2, 2]
    assert outcome.unanswered_count.tolist() == [0, 0]
    assert ties.strength[0] == 0.5 + USE_TIE_GAIN
    assert ties.last_used[0] == 7 and ties.formed_step[0] == 0


def test_a_first_exchange_forms_a_tie_at_new_strength_once() -> None:
    graph, members, ties = pair_state(0.0)
    exchange(
        members, ties, graph, np.random.default_rng(1), 7, exchange_rate=1.0, attractiveness=0.0
    )
    assert ties.strength[0] == NEW_TIE_STRENGTH
    assert ties.formed_step[0] == 7 and ties.last_used[0] == 7


def test_a_lapsing_member_ends_all_their_ties() -> None:
    # a star around 0, plus a tie between 1 and 2 that 0 does not hold
    graph = ContactGraph.from_pairs(4, np.array([0, 0, 0, 1]), np.array([1, 2, 3, 2]))
    members = MemberArrays.empty(4, 1)
    members.status[:] = ACTIVE
    members.status[0] = PASSIVE
    members.engagement[:] = 0.9
    members.engagement[0] = 0.0
    ties = TieArrays.empty(graph.edge_count)
    ties.strength[:] = 0.75
    ties.formed_step[:] = 3
    lapsed = update_status(
        members,
        ties,
        graph,
        np.random.default_rng(0),
        10,
        passive_below=0.2,
        lapse_below=0.1,
        lapse_rate=1.0,
        refresh=False,
    )
    assert lapsed.tolist() == [0]
    assert members.status.tolist() == [LAPSED, ACTIVE, ACTIVE, ACTIVE]
    holds_zero = (graph.edge_u == 0) | (graph.edge_v == 0)
    assert np.all(ties.strength[holds_zero] == 0.0)
    assert np.all(ties.formed_step[holds_zero] == -1)
    assert np.all(ties.strength[~holds_zero] == 0.75)
    assert np.all(ties.formed_step[~holds_zero] == 3)


def test_decay_leaves_ties_used_this_step_untouched() -> None:
    ties = TieArrays.empty(4)
    ties.strength[:] = [0.5, 0.5, 0.1, 0.0]
    ties.last_used[:] = [9, 8, 8, 8]
    ties.formed_step[:] = [1, 1, 1, -1]
    decay_ties(ties, 9, 0.2)
    assert ties.strength[0] == 0.5 and ties.formed_step[0] == 1  # used this step
    assert ties.strength[1] == 0.5 - 0.2 and ties.formed_step[1] == 1  # weakened
    assert ties.strength[2] == 0.0 and ties.formed_step[2] == -1  # gone
    assert ties.strength[3] == 0.0 and ties.formed_step[3] == -1  # never a tie


def test_prospects_are_invited_not_asked() -> None:
    graph, members, ties = pair_state(0.0)
    members.status[1] = PROSPECT
    outcome = exchange(
        members, ties, graph, np.random.default_rng(1), 7, exchange_rate=1.0, attractiveness=1.0
    )
    assert (outcome.attempts, outcome.reciprocated, outcome.invitations) == (1, 0, 1)
    assert outcome.joined.tolist() == [1]
    assert ties.strength[0] == 0.0


# --- compiled against plain Python ----------------------------------------------------------

_RUN_HASH = """
import hashlib
import numba
import pandas as pd
import netsim
from netsim.config.parameters import Parameters

table = netsim.run(Parameters(eligible_population=150), seed=3, steps=25).table
print(int(numba.config.DISABLE_JIT))
print(int(table["exchanges"].sum()), int(table["joins"].sum()))
print(hashlib.sha256(pd.util.hash_pandas_object(table, index=True).values.tobytes()).hexdigest())
"""


def _start_run(disable_jit: bool) -> subprocess.Popen[str]:
    env = dict(os.environ)
    env.pop("NUMBA_DISABLE_JIT", None)
    if disable_jit:
        env["NUMBA_DISABLE_JIT"] = "1"
    return subprocess.Popen(
        [sys.executable, "-c", _RUN_HASH],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish_run(process: subprocess.Popen[str]) -> list[str]:
    try:
        out, err = process.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    assert process.returncode == 0, err
    return out.split()


def test_compiled_kernels_match_plain_python_arithmetic() -> None:
    """The same run, compiled and as plain Python (NUMBA_DISABLE_JIT): identical tables.

    Plain Python rounds every operation (IEEE double); the compiled run matches only if
    numba fuses nothing (no fused multiply-add, no reassociation).
    """
    runs = [_start_run(disable_jit=False), _start_run(disable_jit=True)]  # side by side
    compiled, interpreted = (_finish_run(process) for process in runs)
    assert compiled[0] == "0" and interpreted[0] == "1"  # numba's switch took effect
    exchanges, joins, _ = compiled[1:]
    assert int(exchanges) > 0 and int(joins) > 0  # the run exercised the kernels
    assert compiled[1:] == interpreted[1:]


def test_a_spread_too_small_to_square_gives_every_joiner_the_mean() -> None:
    """sd = 1e-200 squares to 0 in floating point: the rule is the fixed mean, not a crash."""
    rule = joiner_rule(0.6, 1e-200)
    assert (rule.a, rule.b, rule.fixed) == (0.0, 0.0, 0.6)
    np.testing.assert_array_equal(beta_draws(np.random.default_rng(1), 0.6, 1e-200, 3), 0.6)
