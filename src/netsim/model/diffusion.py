"""How ideas spread over ties: simple and complex contagion, recovery and abandonment.

One row of ``MemberArrays.adoption`` per idea holds each person's state
(not adopted, adopted, dropped). A step is synchronous: exposures are computed
from the adopters at the start of the step, then all new adoptions land at once.

- **Simple contagion** (independent cascade): each transmitting adopter passes
  the idea along each tie to a non-adopter with probability
  ``beta * w_sender * w_receiver``, independently; a non-adopter with k such
  ties adopts with probability ``1 - prod(1 - p_e)`` (``1 - (1 - beta)^k``
  with neutral weights). With weights 1 and recovery probability
  gamma this is discrete-time SIR; gamma = 1 is the one-shot independent
  cascade of Kempe, Kleinberg & Tardos (2003), whose transmissibility is
  ``T = beta / (beta + gamma - beta * gamma)`` (Newman 2002).
- **Complex contagion** (threshold): a non-adopter with at least
  ``threshold_count`` adopting ties that are at least ``threshold_fraction`` of
  their ties (k / d >= phi, tested exactly: see :meth:`ContagionRule.needed`)
  adopts with probability ``adoption_probability * w_receiver``. With
  count 1 and probability 1 this is Watts's (2002) threshold model; with
  fraction 0 and count 2 it is Centola & Macy's (2007) complex contagion.

- **Outside influence** (Bass 1969's coefficient of innovation p, beside imitation
  over ties, his q): every susceptible person also adopts with probability
  ``outside_influence`` each step, whatever their ties (:func:`outside_adopters`), so
  with k adopting ties and neutral weights P(adopt) = 1 - (1 - p)(1 - beta)^k.

In the social model the weights gate exposure: the sender's engagement and the
receiver's trust times the purpose alignment ("members who trust each other are
more inclined to share" [THF]; a clear common purpose aligns members [THF]). Roles
do work there too: a central connector passes ideas on CONNECTOR_SPREAD times as
readily, and an idea crosses into another organisation ORGANISATION_BOUNDARY times
as readily as within one, except from a boundary spanner (``boundary``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import NamedTuple

import numpy as np
from scipy.sparse import csr_matrix

from netsim.model.compiled import kernel
from netsim.model.graphs import TieCSR, rows_slots
from netsim.model.state import (
    ADOPTED,
    BOUNDARY_SPANNER,
    CENTRAL_CONNECTOR,
    DROPPED,
    NOT_ADOPTED,
)

CONNECTOR_SPREAD = 1.5
"""A central connector's sender weight is their engagement x 1.5 (capped at 1).

Central connectors are 'linking people; ... they know who can provide information or
expertise and draw them in' [THF roles]: what they take up, their many contacts hear
about, and from someone they trust.
"""
ORGANISATION_BOUNDARY = 0.5
"""An idea crosses a tie between organisations half as readily as a tie within one.

Organisations differ in systems, language and priorities; boundary spanners 'connect
the network with other networks and organisations' [THF roles] and carry ideas across
at the full rate (their boundary weight is 1).
"""


@dataclass(frozen=True, slots=True)
class ContagionRule:
    """The adoption rule of one step (see module docstring)."""

    complex: bool
    transmission_probability: float
    threshold_fraction: float
    threshold_count: int
    adoption_probability: float
    _needed: list[np.ndarray] = field(default_factory=list, compare=False, repr=False)
    """Cache: the table of :meth:`needed` by degree, grown when a larger degree appears."""

    def needed(self, degree: np.ndarray) -> np.ndarray:
        """Adopting ties a person of each ``degree`` needs for the fraction rule k/d >= phi.

        Exactly ``ceil(phi * d)``, with phi read as the decimal it was written as
        (its shortest repr: 0.28 is 28/100) and the product taken in integers. The
        float test ``k >= phi * d`` gets 27 (phi, d) pairs with d <= 200 wrong, e.g.
        7 of 25 at phi = 0.28, because the float 0.28 is a little above 28/100.
        """
        top = int(degree.max(initial=0))
        if not self._needed or self._needed[0].size <= top:
            self._needed[:] = [needed_adopters(self.threshold_fraction, max(top + 1, 64))]
        return self._needed[0][degree]


def needed_adopters(fraction: float, degrees: int) -> np.ndarray:
    """``ceil(fraction * d)`` for d = 0 .. degrees - 1, exactly (the rule k/d >= fraction).

    ``fraction`` is read as the decimal it was written as (its shortest repr), and
    the product is taken in Python integers, so no (fraction, d) pair is decided by
    the rounding of a float product. The validation suite's threshold theory uses
    the same table, so theory and simulation share one rule.
    """
    phi = Fraction(repr(float(fraction)))
    p, q = phi.numerator, phi.denominator
    return np.array([-(-p * d // q) for d in range(degrees)], dtype=np.int64)


def exposure_counts(
    ties: TieCSR,
    transmitting: np.ndarray,
    susceptible: np.ndarray,
    transmission: float,
    sender_weight: np.ndarray | None,
    receiver_weight: np.ndarray | None,
    boundary: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per susceptible person with exposure: (index, adopting ties k, log P(no transmission)).

    Walks whichever side is cheaper: the transmitters' ties, or the
    susceptible people's ties (the graph is undirected, so both list the same
    pairs). For independent trials with p_e = beta w_s w_r on each tie,
    P(no transmission) = prod_e (1 - p_e), summed here in log space. Results
    are in increasing index order whichever side was walked, so the random
    draws that follow do not depend on the choice. ``boundary`` is (organisation,
    boundary weight per sender): a tie between organisations carries the idea with p_e
    times the sender's boundary weight.
    """
    rows = ties.known_rows  # kept for small tie lists: masks are cheaper there
    if rows is not None:
        source, target = _pairs_by_mask(ties, rows, transmitting, susceptible)
    else:
        source, target = _pairs_by_walk(ties, transmitting, susceptible)
    n = ties.size
    counts = np.bincount(target, minlength=n)
    exposed = counts.nonzero()[0]
    if sender_weight is None and receiver_weight is None:
        log_q = counts[exposed] * np.log1p(-min(transmission, 1.0 - 1e-16))
        return exposed, counts[exposed], log_q
    # p = beta x w_s x w_r, multiplied in that order (as np.full(beta) *= w_s *= w_r)
    if sender_weight is not None:
        p = sender_weight[source]
        p *= transmission
    else:
        p = np.full(target.size, transmission)
    if receiver_weight is not None:
        p *= receiver_weight[target]
    if boundary is not None:
        organisation, boundary_weight = boundary
        crossing = organisation[source] != organisation[target]
        p[crossing] *= boundary_weight[source[crossing]]
    np.minimum(p, 1.0 - 1e-16, out=p)
    np.negative(p, out=p)
    log_terms = np.log1p(p, out=p)
    log_q = np.bincount(target, weights=log_terms, minlength=n)[exposed]
    return exposed, counts[exposed], log_q


def _pairs_by_walk(
    ties: TieCSR, transmitting: np.ndarray, susceptible: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(source, target) of every tie from a transmitter to a susceptible person.

    Walks the rows of whichever side has the smaller sum of degrees (senders on a
    tie): pairs grouped by that side's person, in CSR order within each.
    """
    degree = ties.degree
    senders = transmitting.nonzero()[0]
    targets = susceptible.nonzero()[0]
    if senders.size == 0 or targets.size == 0:
        empty = np.empty(0, np.int64)
        return empty, empty
    sender_degree = degree[senders]
    target_degree = degree[targets]
    if sender_degree.sum() <= target_degree.sum():
        slots = rows_slots(ties.indptr, senders, sender_degree)
        source = np.repeat(senders, sender_degree)
        target = ties.indices[slots]
        keep = susceptible[target]
    else:
        slots = rows_slots(ties.indptr, targets, target_degree)
        target = np.repeat(targets, target_degree)
        source = ties.indices[slots]
        keep = transmitting[source]
    return source[keep], target[keep]


def _pairs_by_mask(
    ties: TieCSR, rows: np.ndarray, transmitting: np.ndarray, susceptible: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """_pairs_by_walk's pairs, in the same order, from masks over every tie position.

    Walking a side's rows in increasing order visits its tie positions in CSR order, so
    the walk's pairs are the positions whose row is on that side and whose partner is on
    the other, in position order (``rows`` is the row of each position): a few passes
    over all ties, cheaper than expanding the rows one by one on a small graph. The side
    (and so the order) is chosen as the walk chooses it: the smaller sum of degrees (a
    count of positions), senders on a tie.
    """
    indices = ties.indices
    from_sender = transmitting[rows]
    from_target = susceptible[rows]
    if np.count_nonzero(from_sender) <= np.count_nonzero(from_target):
        from_sender &= susceptible[indices]
        return rows[from_sender], indices[from_sender]
    from_target &= transmitting[indices]
    return indices[from_target], rows[from_target]


def new_adopters(
    ties: TieCSR,
    transmitting: np.ndarray,
    susceptible: np.ndarray,
    rule: ContagionRule,
    rng: np.random.Generator,
    *,
    sender_weight: np.ndarray | None = None,
    receiver_weight: np.ndarray | None = None,
    adjacency: csr_matrix | None = None,
    boundary: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """Indices who adopt this step (not yet written into the adoption row).

    ``transmitting`` and ``susceptible`` are boolean masks. On a fixed network
    with neutral gates, pass the tie ``adjacency`` matrix: the counts of
    adopting ties then come from one sparse product over all members, the
    fastest route for the textbook models.
    """
    if adjacency is not None and sender_weight is None and receiver_weight is None:
        counts = adjacency @ transmitting.astype(adjacency.dtype)
        exposed = np.flatnonzero(susceptible & (counts > 0.5))
        k = np.rint(counts[exposed]).astype(np.int64)
        log_q = k * np.log1p(-min(rule.transmission_probability, 1.0 - 1e-16))
    else:
        exposed, k, log_q = exposure_counts(
            ties,
            transmitting,
            susceptible,
            rule.transmission_probability,
            sender_weight,
            receiver_weight,
            boundary,
        )
    if exposed.size == 0:
        return exposed
    if not rule.complex:
        p = -np.expm1(log_q)
        return exposed[rng.random(exposed.size) < p]
    degree = ties.degree[exposed]
    met = (k >= rule.threshold_count) & (k >= rule.needed(degree))
    candidates = exposed[met]
    if rule.adoption_probability >= 1.0 and receiver_weight is None:
        return candidates
    p = np.full(candidates.size, rule.adoption_probability)
    if receiver_weight is not None:
        p *= receiver_weight[candidates]
    return candidates[rng.random(candidates.size) < p]


def outside_adopters(
    susceptible: np.ndarray,
    probability: float,
    rng: np.random.Generator,
    receiver_weight: np.ndarray | None = None,
) -> np.ndarray:
    """Indices in ``susceptible`` (bool mask) who take the idea up from outside the network.

    Each adopts with ``probability`` (``outside_influence``: mass media, a national
    programme, a conference, an outside expert), times their ``receiver_weight`` where
    one is given, independently of their ties and of the tie rule's draws. The social
    model passes the tie rule's own receiver weight (trust x purpose alignment) and the
    tie rule's susceptible mask (active non-adopters): an idea met outside is one more
    idea offered to the member, and whether they take it into the network's work is the
    same receptivity that gates one offered by a peer (a trusting member in a network
    with a clear purpose takes an idea on; a wary one in a diffuse network lets it pass),
    and passive members and people outside the network take no idea into its work,
    whether it comes from a peer or from outside. Only the source differs (no sender
    weight, no organisation boundary), which keeps Bass's split: p from outside the
    network, q from imitation over its ties. In contagion mode the weight is None (1).

    Draws ``rng.random(n)`` for the n susceptible people, in increasing index order,
    whatever the ties did this step, and only when ``probability > 0``: at 0 nothing is
    drawn, so runs without outside influence take exactly the draws they took before
    the term existed.
    """
    if probability <= 0.0:
        return np.empty(0, np.int64)
    candidates = np.flatnonzero(susceptible)
    if receiver_weight is None:
        return candidates[rng.random(candidates.size) < probability]
    p = receiver_weight[candidates] * probability
    return candidates[rng.random(candidates.size) < p]


def sender_weights(engagement: np.ndarray, role: np.ndarray) -> np.ndarray:
    """The social model's sender weight: engagement, x CONNECTOR_SPREAD for connectors, <= 1."""
    weight = np.where(role == CENTRAL_CONNECTOR, engagement * CONNECTOR_SPREAD, engagement)
    return np.minimum(weight, 1.0, out=weight)


def boundary_weights(role: np.ndarray) -> np.ndarray:
    """Per sender, how readily ideas cross organisations: 1 for spanners, else the boundary."""
    return np.where(role == BOUNDARY_SPANNER, 1.0, ORGANISATION_BOUNDARY)


def drop(row: np.ndarray, who: np.ndarray, probability: float, rng: np.random.Generator) -> int:
    """Adopters in ``who`` (bool mask) drop the idea with ``probability``; returns how many.

    Used for SIR recovery (everyone who has adopted) and for abandonment by
    disengaged members in the social model ([blog] 'fizzling out when
    enthusiasm fades'). Dropped ideas are not re-adopted within a run.
    """
    if probability <= 0.0:
        return 0
    holders = (who & (row == ADOPTED)).nonzero()[0]
    if holders.size == 0:
        return 0
    if probability < 1.0:
        holders = holders[rng.random(holders.size) < probability]
    row[holders] = DROPPED
    return int(holders.size)


class SocialSpreadRule(NamedTuple):
    """One week's spreading coefficients in the social model (see :func:`spread_social`)."""

    complex: bool
    transmission_probability: float
    threshold_count: int
    adoption_probability: float
    outside_influence: float
    recovery_probability: float
    abandonment_rate: float
    passive_below: float
    """Holders with engagement below this may abandon an idea (abandonment_rate)."""
    alignment: float
    """Purpose alignment: the receiver weight is trust x alignment."""
    broadcast_reach: float
    """hierarchy_broadcast x the style's vertical reach."""
    leadership_presence: float


@kernel
def spread_social(
    rng: np.random.Generator,
    adoption: np.ndarray,
    adoption_week: np.ndarray,
    step: int,
    tie_indptr: np.ndarray,
    tie_indices: np.ndarray,
    active: np.ndarray,
    member_mask: np.ndarray,
    engagement: np.ndarray,
    trust: np.ndarray,
    role: np.ndarray,
    organisation: np.ndarray,
    leaders: np.ndarray,
    needed: np.ndarray,
    rule: SocialSpreadRule,
) -> int:
    """One week of every idea in the social model, in place; returns the uptakes dated.

    The module docstring's rules with the social weights: per idea, the tie rule's
    draws (:func:`exposure_counts`, :func:`new_adopters`), outside influence's
    (:func:`outside_adopters`), recovery's (:func:`drop`), the leadership's broadcast
    and abandonment's, in that order, the same draws numpy took for them.

    The broadcast is codified information cascaded down the leadership's vertical ties:
    every active non-adopter is under the leadership, so each adopts with probability
    ``broadcast_reach`` (hierarchy_broadcast x the style's vertical reach,
    levers.STYLE_VERTICAL_REACH: a hierarchy's full, a facilitative network's newsletters
    a fifth) x leadership presence x the share of present leaders who hold the idea: no
    leader holding it, nothing cascades. Source: DOMAIN 'horizontal ties spread peer
    influence; vertical ties cascade codified information'. ``needed`` is
    :func:`needed_adopters` over every degree a tie CSR can have.
    """
    rule = SocialSpreadRule(*rule)  # named again (compiled.packed)
    n = active.size
    receiver = np.empty(n)
    sender = np.empty(n)
    boundary = np.empty(n)
    for i in range(n):
        receiver[i] = trust[i] * rule.alignment
        weight = engagement[i] * CONNECTOR_SPREAD if role[i] == CENTRAL_CONNECTOR else engagement[i]
        sender[i] = weight if weight < 1.0 else 1.0
        boundary[i] = 1.0 if role[i] == BOUNDARY_SPANNER else ORGANISATION_BOUNDARY
    present_leaders = leaders[member_mask[leaders]]
    dated = 0
    for idea in range(adoption.shape[0]):
        row = adoption[idea]
        holders = row == ADOPTED
        susceptible = (row == NOT_ADOPTED) & active
        transmitting = holders & active
        new = _tie_adopters(
            rng, tie_indptr, tie_indices, transmitting, susceptible,
            sender, receiver, boundary, organisation, needed, rule,
        )  # fmt: skip
        if rule.outside_influence > 0.0:
            candidates = np.flatnonzero(susceptible)
            draws = rng.random(candidates.size)
            outside = candidates[draws < receiver[candidates] * rule.outside_influence]
            if outside.size:
                new = _merge_sorted(new, outside)
        _drop_drawn(rng, row, holders, rule.recovery_probability)
        if present_leaders.size:
            holding = np.count_nonzero(row[present_leaders] == ADOPTED) / present_leaders.size
            rate = rule.broadcast_reach * (rule.leadership_presence * holding)
            candidates = np.flatnonzero(susceptible)
            draws = rng.random(candidates.size)
            new = _merge_sorted(new, candidates[draws < rate])
        disengaged = (engagement < rule.passive_below) & holders
        _drop_drawn(rng, row, disengaged, rule.abandonment_rate)
        for person in new:
            row[person] = ADOPTED
            adoption_week[idea, person] = step
        dated += new.size
    return dated


@kernel
def _tie_adopters(
    rng: np.random.Generator,
    indptr: np.ndarray,
    indices: np.ndarray,
    transmitting: np.ndarray,
    susceptible: np.ndarray,
    sender: np.ndarray,
    receiver: np.ndarray,
    boundary: np.ndarray,
    organisation: np.ndarray,
    needed: np.ndarray,
    rule: SocialSpreadRule,
) -> np.ndarray:
    """new_adopters with the social weights: who takes the idea up over a tie this week.

    Walks the side with the smaller sum of degrees (senders on a tie), as
    :func:`_pairs_by_walk` does. P(no transmission) is the product of (1 - p_e) itself,
    one multiplication a tie, where the numpy formulation summed log1p(-p_e) and took
    -expm1 (a transcendental call a tie, most of this kernel's time): the same
    probability to within about 1e-16, so a draw can differ only when it falls within
    that of it (none did in the golden baseline's 92 runs).
    """
    n = transmitting.size
    sender_ties = 0
    target_ties = 0
    for i in range(n):
        if transmitting[i]:
            sender_ties += indptr[i + 1] - indptr[i]
        if susceptible[i]:
            target_ties += indptr[i + 1] - indptr[i]
    counts = np.zeros(n, np.int64)
    q = np.ones(n)  # per person: P(no tie transmits), the product of (1 - p_e)
    beta = rule.transmission_probability
    if sender_ties == 0 or target_ties == 0:
        return np.empty(0, np.int64)
    if sender_ties <= target_ties:
        for s in range(n):
            if transmitting[s]:
                for position in range(indptr[s], indptr[s + 1]):
                    t = indices[position]
                    if susceptible[t]:
                        counts[t] += 1
                        q[t] *= _no_transmission(
                            s, t, beta, sender, receiver, boundary, organisation
                        )
    else:
        for t in range(n):
            if susceptible[t]:
                for position in range(indptr[t], indptr[t + 1]):
                    s = indices[position]
                    if transmitting[s]:
                        counts[t] += 1
                        q[t] *= _no_transmission(
                            s, t, beta, sender, receiver, boundary, organisation
                        )
    exposed = np.flatnonzero(counts)
    if exposed.size == 0:
        return exposed
    if not rule.complex:
        draws = rng.random(exposed.size)
        keep = np.empty(exposed.size, np.bool_)
        for j in range(exposed.size):
            keep[j] = draws[j] < 1.0 - q[exposed[j]]
        return exposed[keep]
    met = np.empty(exposed.size, np.bool_)
    for j in range(exposed.size):
        person = exposed[j]
        k = counts[person]
        met[j] = k >= rule.threshold_count and k >= needed[indptr[person + 1] - indptr[person]]
    candidates = exposed[met]
    draws = rng.random(candidates.size)
    keep = np.empty(candidates.size, np.bool_)
    for j in range(candidates.size):
        keep[j] = draws[j] < rule.adoption_probability * receiver[candidates[j]]
    return candidates[keep]


@kernel
def _no_transmission(
    s: int,
    t: int,
    beta: float,
    sender: np.ndarray,
    receiver: np.ndarray,
    boundary: np.ndarray,
    organisation: np.ndarray,
) -> float:
    """1 - p of the tie s -> t: p = beta w_s w_r (x the boundary weight if it crosses)."""
    p = sender[s] * beta
    p = p * receiver[t]
    if organisation[s] != organisation[t]:
        p = p * boundary[s]
    return 1.0 - p


@kernel
def _drop_drawn(
    rng: np.random.Generator, row: np.ndarray, who: np.ndarray, probability: float
) -> int:
    """drop, compiled: holders in ``who`` drop the idea with ``probability`` (one draw each)."""
    if probability <= 0.0:
        return 0
    holders = np.flatnonzero(who & (row == ADOPTED))
    if holders.size == 0:
        return 0
    if probability < 1.0:
        holders = holders[rng.random(holders.size) < probability]
    for person in holders:
        row[person] = DROPPED
    return holders.size


@kernel
def _merge_sorted(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The union of two ascending arrays of distinct indices, ascending (np.union1d)."""
    out = np.empty(a.size + b.size, np.int64)
    i = j = count = 0
    while i < a.size or j < b.size:
        if j >= b.size or (i < a.size and a[i] < b[j]):
            value = a[i]
            i += 1
        elif i >= a.size or b[j] < a[i]:
            value = b[j]
            j += 1
        else:  # in both
            value = a[i]
            i += 1
            j += 1
        out[count] = value
        count += 1
    return out[:count]
