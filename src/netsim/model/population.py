"""Build the starting world: the eligible population, their acquaintances and the founders.

Turns validated :class:`~netsim.config.parameters.Parameters` (and optionally a real
member network read by :mod:`netsim.config.member_network`) into member arrays, tie arrays
and the acquaintance graph. Vectorised throughout: a 100,000-person world is
built in well under a second, and nothing is laid out for drawing.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from netsim.config.member_network import MemberNetwork
from netsim.config.parameters import ParameterError, Parameters
from netsim.errors import excerpt
from netsim.model import graphs, memory
from netsim.model.graphs import ContactGraph
from netsim.model.network import beta_draws, join
from netsim.model.state import AdoptionState, MemberArrays, MembershipStatus, TieArrays
from netsim.text import printable

PRINCIPAL_LEADER_REACH = {"distributed": 0.02, "figurehead": 0.05, "hierarchical": 0.05}
"""Extra acquaintances of the principal leader, as a share of the eligible population.

A charismatic figurehead or a hierarchy's head 'knows everyone' [THF London
stroke model]; a facilitative coordinator knows many, but not all.
"""
LEADER_REACH = 0.01
CHAMPION_REACH = 0.01
REACH_CAP = 5000


@dataclass(slots=True)
class World:
    """Everything the model starts from."""

    members: MemberArrays
    ties: TieArrays
    graph: ContactGraph
    leaders: np.ndarray
    """Indices of leaders, principal leader first."""
    file_contacts: int = 0
    """Acquaintance pairs taken from a network file (0 without one)."""

    @property
    def generated_contacts(self) -> int:
        """Acquaintance pairs netsim generated (the rest of the contact graph)."""
        return self.graph.edge_count - self.file_contacts


def check_population_holds(
    params: Parameters, real: MemberNetwork, source: str = "network file"
) -> None:
    """The eligible population must hold everyone in the member network (the scenario's
    network file, or the ``source`` named)."""
    if real.size > params.eligible_population:
        raise ParameterError(
            "eligible_population",
            f"{params.eligible_population} is smaller than the {real.size} people in the "
            f"{source}; allowed: at least as many as the {source} names",
        )


GENERATED_ID_PREFIX = "netsim-"
"""Beside a given member network, the other eligible people are named ``netsim-<index>``
(a dash is added to the prefix while any given id starts with it: no name is taken twice)."""


class MemberIds:
    """Every person's id: a member network's node ids for its people (indices 0 to its
    size - 1, as given), generated names for the rest of the eligible population; without
    a member network, the person's index (0 to N - 1).

    Ids are looked up, never stored per person: a five-million-person run makes no list.
    """

    def __init__(self, population: int, given: tuple[Hashable, ...] = ()) -> None:
        self.population = population
        self.given = given
        prefix = GENERATED_ID_PREFIX
        while any(isinstance(node, str) and node.startswith(prefix) for node in given):
            prefix += "-"
        self.prefix = prefix
        """Names of the people outside the given network: prefix + index."""

    def __len__(self) -> int:
        return self.population

    def __getitem__(self, index: int) -> Hashable:
        if not 0 <= index < self.population:
            raise IndexError(f"person {index} is not in 0..{self.population - 1}")
        if not self.given:
            return int(index)
        if index < len(self.given):
            return self.given[index]
        return f"{self.prefix}{index}"

    @cached_property
    def _given_index(self) -> dict[Hashable, int]:
        return {node: i for i, node in enumerate(self.given)}

    def index_of(self, member_id: Hashable) -> int | None:
        """The person named ``member_id``, or None if nobody is."""
        if not self.given:
            if isinstance(member_id, int | np.integer) and not isinstance(member_id, bool):
                index = int(member_id)
                return index if 0 <= index < self.population else None
            return None
        try:
            found = self._given_index.get(member_id)
        except TypeError:  # an unhashable value names nobody
            return None
        if found is not None:
            return found
        if isinstance(member_id, str) and member_id.startswith(self.prefix):
            digits = member_id[len(self.prefix) :]
            if digits.isdigit() and digits == str(int(digits)):
                index = int(digits)
                if len(self.given) <= index < self.population:
                    return index
        return None

    def describe(self) -> str:
        """What ids there are, for a message: 'the network's node ids (e.g. ...)'."""
        if not self.given:
            return (
                f"whole numbers 0 to {self.population - 1} (without a network, people are numbered)"
            )
        shown = ", ".join(printable(excerpt(node)) for node in self.given[:3])
        more = ", ..." if len(self.given) > 3 else ""
        outside = (
            f", or {self.prefix}<index> for the {self.population - len(self.given)} people "
            "outside it"
            if self.population > len(self.given)
            else ""
        )
        return f"the network's node ids ({shown}{more}){outside}"


def build_world(
    params: Parameters,
    rng: np.random.Generator,
    member_network: MemberNetwork | None = None,
    innovators: np.ndarray | None = None,
) -> World:
    """Create the population, the acquaintance graph, founders, leaders, champions, innovators.

    ``innovators``: the people (indices) who hold every idea at step 0, chosen by the
    caller; None draws them (``params.innovators`` of them, see :func:`_seed_innovators`).
    """
    n = params.eligible_population
    real = member_network
    if real is not None:
        check_population_holds(params, real)
    if n >= memory.LARGE_WORLD:  # its weeks' scratch arrays are reused, not faulted in again
        memory.keep_freed_memory()
    members = MemberArrays.empty(n, params.ideas)
    members.organisation[:] = graphs.organisation_of(n, params.organisations)
    if real is not None and real.organisation is not None:
        known = real.organisation >= 0
        idx = np.flatnonzero(known)
        members.organisation[idx] = real.organisation[idx]

    graph = _acquaintances(params, rng, members.organisation, real)

    spread = params.attribute_spread
    members.trust[:] = beta_draws(rng, params.initial_trust, spread, n)
    members.reciprocity[:] = beta_draws(rng, params.reciprocity, spread, n)
    members.engagement[:] = beta_draws(rng, params.initial_engagement, spread, n)

    if params.mode == "contagion":
        return _contagion_world(params, rng, members, graph, _file_contacts(real), innovators)

    founders = (
        np.arange(real.size)
        if real is not None
        else np.sort(rng.choice(n, size=params.founding_core, replace=False))
    )
    join(members, founders, 0, mean_engagement=params.initial_engagement, spread=spread, rng=rng)
    if real is not None and real.engagement is not None:
        given = ~np.isnan(real.engagement)
        members.engagement[np.flatnonzero(given)] = real.engagement[given]

    leaders = _choose_leaders(params, founders, real)
    members.leader[leaders] = True
    champions = _choose_champions(params, rng, founders, leaders, real)
    extra_u, extra_v = _reach(params, rng, leaders, champions, n)
    if real is None and founders.size > 1:
        fu, fv = np.triu_indices(founders.size, k=1)
        extra_u = np.concatenate([extra_u, founders[fu]])
        extra_v = np.concatenate([extra_v, founders[fv]])
    if extra_u.size:
        graph = graph.union(extra_u, extra_v)
    ties = TieArrays.empty(graph.edge_count)
    _tie_founders(members, ties, graph, real, founders)
    make_champions(members, ties, graph, champions, step=0)
    if innovators is None:
        _seed_innovators(params, rng, members, founders, leaders)
    else:
        members.adoption[:, innovators] = AdoptionState.ADOPTED
    return World(
        members=members,
        ties=ties,
        graph=graph,
        leaders=leaders,
        file_contacts=_file_contacts(real),
    )


def _file_contacts(real: MemberNetwork | None) -> int:
    return 0 if real is None else int(real.edges.shape[0])  # self-loops are refused on reading


def _acquaintances(
    params: Parameters,
    rng: np.random.Generator,
    organisation: np.ndarray,
    real: MemberNetwork | None,
) -> ContactGraph:
    """Who could tie with whom: generated, or a planner's network file used as given.

    A supplied network is the network (``acquaintances_beside_file = "none"``): no
    acquaintance is invented. 'outside_file' adds the generated pairs that involve
    someone outside the file (people 0 .. size-1 are the file's), so prospects can be
    recruited; 'all' also adds generated pairs among the file's members.
    """
    if real is None:
        return _contact_graph(params, rng, organisation)
    n = params.eligible_population
    file_u, file_v = real.edges[:, 0], real.edges[:, 1]
    policy = params.acquaintances_beside_file
    if policy == "none":
        return ContactGraph.from_pairs(n, file_u, file_v)
    generated = _contact_graph(params, rng, organisation)
    u, v = generated.edge_u, generated.edge_v
    if policy == "outside_file":
        outside = (u >= real.size) | (v >= real.size)
        u, v = u[outside], v[outside]
    return ContactGraph.from_pairs(n, np.concatenate([file_u, u]), np.concatenate([file_v, v]))


def _contact_graph(
    params: Parameters, rng: np.random.Generator, organisation: np.ndarray
) -> ContactGraph:
    n = params.eligible_population
    if params.topology == "erdos_renyi":
        return graphs.erdos_renyi_graph(rng, n, params.contacts_per_person)
    if params.topology == "watts_strogatz":
        return graphs.watts_strogatz_graph(rng, n, params.contacts_per_person, params.rewiring)
    if params.topology == "ring_lattice":
        return graphs.watts_strogatz_graph(rng, n, params.contacts_per_person, 0.0)
    return graphs.organisations_graph(
        rng,
        organisation,
        params.contacts_per_person,
        params.cross_organisation_share,
        params.rewiring,
    )


def _contagion_world(
    params: Parameters,
    rng: np.random.Generator,
    members: MemberArrays,
    graph: ContactGraph,
    file_contacts: int,
    innovators: np.ndarray | None = None,
) -> World:
    """Textbook mode: everyone is an active member, every contact a tie, gates neutral.

    Each idea's ``params.innovators`` first holders are drawn, unless ``innovators`` names them.
    """
    n = members.size
    members.status[:] = MembershipStatus.ACTIVE
    members.engagement[:] = 1.0
    members.trust[:] = 1.0
    members.joined_step[:] = 0
    ties = TieArrays.empty(graph.edge_count)
    ties.strength[:] = 1.0
    ties.formed_step[:] = 0
    if innovators is not None:
        members.adoption[:, innovators] = AdoptionState.ADOPTED
    else:
        for idea in range(params.ideas):
            seeds = rng.choice(n, size=params.innovators, replace=False)
            members.adoption[idea, seeds] = AdoptionState.ADOPTED
    return World(
        members=members,
        ties=ties,
        graph=graph,
        leaders=np.empty(0, np.int64),
        file_contacts=file_contacts,
    )


def _choose_leaders(params: Parameters, founders: np.ndarray, real: object | None) -> np.ndarray:
    """The principal leader first, then distributed leads or coordinators.

    distributed: a third of the founders coordinate; figurehead: one figurehead
    plus a sixth as distributed leads; hierarchical: one head plus a sixth as
    managers. A real network's 'leader' roles are used when given.
    """
    role = getattr(real, "role", None)
    if role is not None and (role == 1).any():
        return np.flatnonzero(role == 1).astype(np.int64)
    if founders.size == 0:
        return np.empty(0, np.int64)
    share = 1 / 3 if params.leadership_style == "distributed" else 1 / 6
    count = max(1, min(founders.size, 1 + round(share * founders.size)))
    return founders[:count].astype(np.int64)


def _choose_champions(
    params: Parameters,
    rng: np.random.Generator,
    founders: np.ndarray,
    leaders: np.ndarray,
    real: object | None,
) -> np.ndarray:
    role = getattr(real, "role", None)
    if role is not None and (role == 2).any():
        return np.flatnonzero(role == 2).astype(np.int64)
    pool = np.setdiff1d(founders, leaders)
    count = min(params.change_agents, pool.size)
    return np.sort(rng.choice(pool, size=count, replace=False)) if count else pool[:0]


def _reach(
    params: Parameters,
    rng: np.random.Generator,
    leaders: np.ndarray,
    champions: np.ndarray,
    n: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Extra acquaintances of leaders and champions: central people know more people."""
    us: list[np.ndarray] = []
    vs: list[np.ndarray] = []
    for rank, person in enumerate(leaders):
        share = PRINCIPAL_LEADER_REACH[params.leadership_style] if rank == 0 else LEADER_REACH
        k = min(REACH_CAP, int(share * n))
        us.append(np.full(k, person))
        vs.append(rng.integers(0, n, k))
    for person in champions:
        k = min(REACH_CAP, int(CHAMPION_REACH * n))
        us.append(np.full(k, person))
        vs.append(rng.integers(0, n, k))
    if not us:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(us), np.concatenate(vs)


def _tie_founders(
    members: MemberArrays,
    ties: TieArrays,
    graph: ContactGraph,
    real: object | None,
    founders: np.ndarray,
) -> None:
    """Founders start tied to each other (they convened to found the network) [THF step 1].

    A real network's ties are taken as given instead.
    """
    if real is not None:
        edges = real.edges  # type: ignore[attr-defined]
        eid = graph.edge_ids(edges[:, 0], edges[:, 1])
        eid = eid[eid >= 0]
    else:
        is_founder = np.zeros(members.size, bool)
        is_founder[founders] = True
        eid = np.flatnonzero(is_founder[graph.edge_u] & is_founder[graph.edge_v])
    ties.strength[eid] = 0.5
    ties.formed_step[eid] = 0
    ties.last_used[eid] = 0


def make_champions(
    members: MemberArrays, ties: TieArrays, graph: ContactGraph, people: np.ndarray, step: int
) -> None:
    """Cultivate ``people`` as change agents: committed, generous, tied, holding every idea.

    Champions' engagement and reciprocity are raised to at least 0.9, they tie
    to every member among their acquaintances, and they take up every idea not
    already dropped. Source: [THF] step 5 'cultivate change agents within the
    membership': tenure, interest in improvement, 'a successful history of
    spreading innovation'.
    """
    if people.size == 0:
        return
    members.champion[people] = True
    members.status[people] = MembershipStatus.ACTIVE
    members.engagement[people] = np.maximum(members.engagement[people], 0.9)
    members.reciprocity[people] = np.maximum(members.reciprocity[people], 0.9)
    is_member = members.is_member()
    slots = graph.slots_of(people)
    partners = graph.neighbour[slots]
    eid = graph.edge_of[slots[is_member[partners]]]
    fresh = ties.strength[eid] <= 0
    ties.formed_step[eid[fresh]] = step
    ties.strength[eid] = np.maximum(ties.strength[eid], 0.5)
    ties.last_used[eid] = step
    rows = members.adoption[:, people]
    rows[rows == AdoptionState.NOT_ADOPTED] = AdoptionState.ADOPTED
    members.adoption[:, people] = rows


def _seed_innovators(
    params: Parameters,
    rng: np.random.Generator,
    members: MemberArrays,
    founders: np.ndarray,
    leaders: np.ndarray,
) -> None:
    """Each idea starts with ``innovators`` holders: founders first, then anyone.

    Under hierarchical leadership the leaders hold the ideas (the plan comes
    from the top); otherwise innovators are drawn at random from the founders.
    """
    n = members.size
    for idea in range(params.ideas):
        pool = founders
        chosen: list[np.ndarray] = []
        if params.leadership_style == "hierarchical":
            chosen.append(leaders[: params.innovators])
            pool = np.setdiff1d(founders, leaders)
        need = params.innovators - sum(c.size for c in chosen)
        take = min(need, pool.size)
        if take > 0:
            chosen.append(rng.choice(pool, size=take, replace=False))
            need -= take
        if need > 0:
            taken = np.concatenate(chosen) if chosen else np.empty(0, np.int64)
            others = np.setdiff1d(np.arange(n), taken)
            chosen.append(rng.choice(others, size=need, replace=False))
        if chosen:
            members.adoption[idea, np.concatenate(chosen)] = AdoptionState.ADOPTED
