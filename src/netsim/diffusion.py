"""How ideas spread over ties: simple and complex contagion, recovery and abandonment.

One row of ``MemberArrays.adoption`` per idea holds each person's state
(not adopted, adopted, dropped). A step is synchronous: exposures are computed
from the adopters at the start of the step, then all new adoptions land at once.

- **Simple contagion** (independent cascade): each transmitting adopter passes
  the idea along each tie to a non-adopter with probability
  ``beta * w_sender * w_receiver``. With weights 1 and recovery probability
  gamma this is discrete-time SIR; gamma = 1 is the one-shot independent
  cascade of Kempe, Kleinberg & Tardos (2003), whose transmissibility is
  ``T = beta / (beta + gamma - beta * gamma)`` (Newman 2002).
- **Complex contagion** (threshold): a non-adopter with at least
  ``threshold_count`` adopting ties that are at least ``threshold_fraction`` of
  their ties adopts with probability ``adoption_probability * w_receiver``. With
  count 1 and probability 1 this is Watts's (2002) threshold model; with
  fraction 0 and count 2 it is Centola & Macy's (2007) complex contagion.

In the social model the weights gate exposure: the sender's engagement and the
receiver's trust ("members who trust each other are more inclined to share" [THF]).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from netsim.graphs import ContactGraph
from netsim.state import AdoptionState


@dataclass(frozen=True, slots=True)
class ContagionRule:
    """The adoption rule of one step (see module docstring)."""

    complex: bool
    transmission_probability: float
    threshold_fraction: float
    threshold_count: int
    adoption_probability: float


def exposures(
    graph: ContactGraph,
    transmitters: np.ndarray,
    tie_present: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray]:
    """(source, target) of every tie from a transmitter, as two aligned arrays.

    Walks only the transmitters' adjacency, so a step costs the sum of their
    degrees rather than the whole graph. ``tie_present`` (per edge id) restricts
    to current ties; ``None`` means every contact is a tie (fixed network).
    """
    slots = graph.slots_of(transmitters)
    target = graph.neighbour[slots]
    source = graph.source[slots]
    if tie_present is not None:
        keep = tie_present[graph.edge_of[slots]]
        source, target = source[keep], target[keep]
    return source, target


def new_adopters(
    row: np.ndarray,
    graph: ContactGraph,
    transmitters: np.ndarray,
    susceptible: np.ndarray,
    rule: ContagionRule,
    rng: np.random.Generator,
    *,
    tie_present: np.ndarray | None = None,
    tie_degree: np.ndarray | None = None,
    sender_weight: np.ndarray | None = None,
    receiver_weight: np.ndarray | None = None,
) -> np.ndarray:
    """Indices who adopt this step (not yet written into ``row``).

    ``transmitters`` are indices of adopters who can pass the idea on;
    ``susceptible`` is a boolean mask of who may adopt. ``tie_degree`` is each
    person's number of ties (for the fractional threshold); by default the
    contact degree.
    """
    if transmitters.size == 0:
        return np.empty(0, np.int64)
    source, target = exposures(graph, transmitters, tie_present)
    keep = susceptible[target]
    source, target = source[keep], target[keep]
    if target.size == 0:
        return np.empty(0, np.int64)
    if not rule.complex:
        p = np.full(target.size, rule.transmission_probability)
        if sender_weight is not None:
            p *= sender_weight[source]
        if receiver_weight is not None:
            p *= receiver_weight[target]
        hit = rng.random(target.size) < p
        return np.unique(target[hit])
    counts = np.bincount(target, minlength=row.size)
    candidates = np.flatnonzero(counts)
    degree = graph.degree if tie_degree is None else tie_degree
    c = counts[candidates]
    met = (c >= rule.threshold_count) & (c >= rule.threshold_fraction * degree[candidates])
    candidates = candidates[met]
    p = np.full(candidates.size, rule.adoption_probability)
    if receiver_weight is not None:
        p *= receiver_weight[candidates]
    if rule.adoption_probability >= 1.0 and receiver_weight is None:
        return candidates
    return candidates[rng.random(candidates.size) < p]


def drop(row: np.ndarray, who: np.ndarray, probability: float, rng: np.random.Generator) -> int:
    """Adopters in ``who`` (bool mask) drop the idea with ``probability``; returns how many.

    Used for SIR recovery (everyone who has adopted) and for abandonment by
    disengaged members in the social model ([blog] 'fizzling out when
    enthusiasm fades'). Dropped ideas are not re-adopted within a run.
    """
    if probability <= 0.0:
        return 0
    holders = np.flatnonzero(who & (row == AdoptionState.ADOPTED))
    if holders.size == 0:
        return 0
    if probability < 1.0:
        holders = holders[rng.random(holders.size) < probability]
    row[holders] = AdoptionState.DROPPED
    return int(holders.size)
