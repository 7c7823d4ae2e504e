"""Driving the model in its textbook (``mode="contagion"``) form for validation.

With ``mode="contagion"`` the social dynamics are off and ideas spread on a fixed
acquaintance graph with neutral gates (every person active, every contact a tie,
engagement and trust 1). Each replicate is a fresh model with its own seed; on it
several single-node outbreaks start from uniformly random nodes: the model is
built once and the adoption row of idea 0 reset between outbreaks, as the
model's own step only reads that row.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from netsim.api import build_model
from netsim.config.member_network import MemberNetwork
from netsim.config.parameters import Parameters
from netsim.model.network_model import NetworkModel
from netsim.model.state import AdoptionState

NOT_ADOPTED = AdoptionState.NOT_ADOPTED
ADOPTED = AdoptionState.ADOPTED
DROPPED = AdoptionState.DROPPED

ModelFactory = Callable[[int], NetworkModel]
"""seed -> a freshly built model (one independent graph)."""


def contagion_params(**changes: Any) -> Parameters:
    """Contagion mode, one idea, neutral everything else; ``changes`` set the case."""
    base: dict[str, Any] = {
        "mode": "contagion",
        "innovators": 1,
        "contagion": "simple",
        "recovery_probability": 0.0,
        "steps": 1,
    }
    return Parameters(**(base | changes))


def factory(params: Parameters) -> ModelFactory:
    """Models of ``params`` on the model's own graph generator."""
    return lambda seed: build_model(params, seed=seed)


def configuration_model(rng: np.random.Generator, degrees: np.ndarray) -> MemberNetwork:
    """Molloy-Reed configuration model: stubs paired uniformly at random.

    Self-loops and repeated pairs are dropped (for the bounded degrees used
    here, a few in 10^4 edges), so the graph is simple. An odd stub total gets
    one extra stub on a random node.
    """
    degrees = np.asarray(degrees, dtype=np.int64).copy()
    if degrees.sum() % 2:
        degrees[rng.integers(degrees.size)] += 1
    stubs = rng.permutation(np.repeat(np.arange(degrees.size), degrees)).reshape(-1, 2)
    keep = stubs[:, 0] != stubs[:, 1]
    lo = np.minimum(stubs[keep, 0], stubs[keep, 1])
    hi = np.maximum(stubs[keep, 0], stubs[keep, 1])
    key = np.unique(lo * degrees.size + hi)
    edges = np.stack([key // degrees.size, key % degrees.size], axis=1).astype(np.int64)
    return MemberNetwork(
        node_ids=tuple(str(i) for i in range(degrees.size)),
        edges=edges,
        organisation=None,
        organisation_names=(),
        role=None,
        engagement=None,
    )


def complete_graph(n: int) -> MemberNetwork:
    """K_n as a member network: everyone tied to everyone else, no attributes."""
    first, second = np.triu_indices(n, 1)
    return MemberNetwork(
        node_ids=tuple(str(i) for i in range(n)),
        edges=np.stack([first, second], axis=1).astype(np.int64),
        organisation=None,
        organisation_names=(),
        role=None,
        engagement=None,
    )


def configuration_factory(
    params: Parameters, degree_sampler: Callable[[np.random.Generator, int], np.ndarray]
) -> ModelFactory:
    """Models on configuration-model graphs: the model's own generator adds no contacts
    (Erdos-Renyi with mean degree 0) and the graph arrives as a member network."""
    params = params.replace(topology="erdos_renyi", contacts_per_person=0.0)
    n = params.eligible_population

    def make(seed: int) -> NetworkModel:
        rng = np.random.default_rng([seed, 7])
        network = configuration_model(rng, degree_sampler(rng, n))
        return NetworkModel(params, rng=seed, member_network=network)

    return make


def adoption_row(model: NetworkModel) -> np.ndarray:
    return model.members.adoption[0]


def start_from(model: NetworkModel, nodes: np.ndarray | list[int] | int) -> None:
    """Reset idea 0 so that exactly ``nodes`` hold it."""
    row = adoption_row(model)
    row[:] = NOT_ADOPTED
    row[nodes] = ADOPTED


def ever_adopted(model: NetworkModel) -> int:
    return int(np.count_nonzero(adoption_row(model) != NOT_ADOPTED))


def run_until_no_adopters(model: NetworkModel, max_steps: int = 100_000) -> int:
    """SIR with recovery > 0: step until nobody holds the idea; return the final size."""
    row = adoption_row(model)
    for _ in range(max_steps):
        if not np.any(row == ADOPTED):
            return ever_adopted(model)
        model.step()
    raise RuntimeError(f"outbreak still going after {max_steps} steps")


def run_until_fixed_point(model: NetworkModel, max_steps: int = 100_000) -> list[int]:
    """Deterministic threshold dynamics (adoption probability 1, no recovery).

    Adoption is monotone and a step is a function of the adopters only, so a step
    that adds nobody is final. Returns the number of adopters after each step,
    starting with the seeds (entry t = after t steps).
    """
    counts = [ever_adopted(model)]
    for _ in range(max_steps):
        model.step()
        counts.append(ever_adopted(model))
        if counts[-1] == counts[-2]:
            return counts
    raise RuntimeError(f"no fixed point after {max_steps} steps")


def run_until_fixed_point_from(params: Parameters, seeds: list[int], seed: int = 0) -> list[int]:
    """Adopters after each step from exactly ``seeds``, to the fixed point."""
    model = build_model(params, seed=seed)
    start_from(model, seeds)
    return run_until_fixed_point(model)


def frontier_is_empty(model: NetworkModel) -> bool:
    """No tie joins an adopter to a non-adopter (SI cannot spread any further)."""
    row = adoption_row(model)
    a = row[model.graph.edge_u]
    b = row[model.graph.edge_v]
    return not np.any(((a == ADOPTED) & (b == NOT_ADOPTED)) | ((a == NOT_ADOPTED) & (b == ADOPTED)))


def outbreaks(
    make_model: ModelFactory,
    graphs: int,
    starts_per_graph: int,
    outcome: Callable[[NetworkModel, int], Any],
    base_seed: int,
) -> np.ndarray:
    """``outcome(model, start_node)`` for single-node starts: array (graphs, starts, ...).

    Graph g is a fresh model with seed ``base_seed + g``; start nodes are drawn
    uniformly from a generator seeded the same way (independent of the model's).
    """
    out: list[list[Any]] = []
    for g in range(graphs):
        model = make_model(base_seed + g)
        n = model.members.size
        picks = np.random.default_rng([base_seed, g]).integers(0, n, starts_per_graph)
        out.append([])
        for node in picks:
            start_from(model, int(node))
            out[-1].append(outcome(model, int(node)))
    return np.array(out, dtype=float)


def sir_final_size(model: NetworkModel, node: int) -> float:
    """Everyone who ever held the idea once the outbreak is over."""
    return float(run_until_no_adopters(model))


def cascade_share(model: NetworkModel, node: int) -> float:
    """Share of everyone who has adopted at the threshold model's fixed point."""
    return run_until_fixed_point(model)[-1] / model.members.size


def si_trajectory(steps: int) -> Callable[[NetworkModel, int], np.ndarray]:
    """Outcome: adopters after 0..steps steps of SI."""

    def outcome(model: NetworkModel, node: int) -> np.ndarray:
        counts = [ever_adopted(model)]
        for _ in range(steps):
            model.step()
            counts.append(ever_adopted(model))
        return np.array(counts, dtype=float)

    return outcome
