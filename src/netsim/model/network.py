"""Growth rules: joining, exchanges that form ties, events, tie decay, passivity and lapse.

All rules act on every member at once through :class:`~netsim.model.state.MemberArrays`
and :class:`~netsim.model.state.TieArrays`; ties live on the edges of the fixed
acquaintance graph (:class:`~netsim.model.graphs.ContactGraph`). Randomness comes only
from the generator passed in (the model's seeded ``rng``).

Each mechanism is a Python function that draws the random numbers and a compiled kernel
that applies them (:mod:`netsim.model.compiled`). The rules the kernels apply (whether a
member asks, answers, accepts an invitation, how a tie strengthens, when a status
changes) are small kernels of their own below, each stated once in its docstring.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from netsim.model.compiled import kernel, packed
from netsim.model.draws import choice_indices
from netsim.model.graphs import ContactCSR, ContactGraph, TieCSR, rows_slots
from netsim.model.state import (
    ACTIVE,
    BOUNDARY_SPANNER,
    CENTRAL_CONNECTOR,
    INFORMATION_BROKER,
    LAPSED,
    PASSIVE,
    PERIPHERAL_SPECIALIST,
    PROSPECT,
    MemberArrays,
    MemberView,
    TieArrays,
    TieView,
)

NEW_TIE_STRENGTH = 0.5
"""Strength of a tie formed by a first reciprocated exchange or an introduction."""
USE_TIE_GAIN = 0.25
"""Strength a tie gains each time it carries a reciprocated exchange."""
PARTNER_CANDIDATES = 3
"""Contacts a member considers when choosing whom to ask; the first already tied wins."""
REJOIN_FACTOR = 0.3
"""Lapsed people accept invitations this much less readily than prospects."""
REACTIVATE_MARGIN = 0.05
"""Hysteresis: a passive member turns active again at passive_below + this margin."""
REFRESH_INTERVAL = 52
"""Steps between membership refreshes under the 'refresh' policy (yearly).

A refresh prunes every passive member, clearing the dead ends PASSIVE_ANSWER_SHARE
describes. It pays where passive members linger ('networks vary in their capacity and
willingness to absorb inactive members' [THF]: a low lapse_rate); where they lapse on
their own within weeks there is little left to clear (docs/findings.md, the refresh).
"""
ROLE_PAIR_SAMPLES = 8
"""Pairs of tie partners sampled per member to judge whether they bridge subgroups."""
PASSIVE_ANSWER_SHARE = 0.25
"""A passive member answers a request a quarter as readily as their engagement says.

Passive members are 'blockages and dead ends in the system' [THF]: a request sent to
one mostly goes unanswered (costing the asker trust), which is why mutual-support
networks 'regularly refresh and update their membership list'.
"""
CONNECTOR_PULL = 1.5
"""A central connector's invitation is accepted 1.5 times as readily (capped at 1).

Connectors 'know who can provide information or expertise and draw them in' [THF
roles]: word of mouth from a well-connected member carries weight.
"""
SPECIALIST_VALUE = 2
"""A request answered by a peripheral specialist counts as two reciprocated exchanges
for the asker: specialists hold expertise others seek out [THF roles]."""
BROKER_INTRODUCTIONS = 0.1
"""Chance a week, times their engagement, that an active information broker introduces
one of their tie partners into another part of the network [THF roles: brokers 'hold
subgroups together']."""


@dataclass(slots=True)
class ExchangeOutcome:
    """What one step of requests and offers did."""

    attempts: int
    reciprocated: int
    invitations: int
    joined: np.ndarray
    """Indices of people who joined through an invitation this step."""
    success_count: np.ndarray
    """Per person: reciprocated exchanges they took part in (length N)."""
    unanswered_count: np.ndarray
    """Per person: their requests that went unanswered (length N)."""


def join(
    members: MemberArrays,
    people: np.ndarray,
    step: int,
    *,
    mean_engagement: float,
    spread: float,
    rng: np.random.Generator,
) -> None:
    """Make ``people`` active members with fresh engagement drawn around ``mean_engagement``.

    New joiners arrive as enthusiasts; the caller lifts the mean with the
    expectations they were given (a promise that later has to be met).
    Source: [deck] 'enthusiasts not delegates'; [THF] 'setting expectations too
    high, generating disappointment'.
    """
    if people.size == 0:
        return
    rule = joiner_rule(mean_engagement, spread)
    _join(rng, members.packed(), members.joined_step, people, step, packed(rule))


class JoinerRule(NamedTuple):
    """How joiners' engagement is drawn: Beta(a, b), or ``fixed`` for everyone (a = b = 0)."""

    a: float
    b: float
    fixed: float
    """The mean itself, where no Beta has it (sd 0, or a mean within 1e-6 of 0 or 1)."""


def joiner_rule(mean: float, sd: float) -> JoinerRule:
    """The Beta with the given mean and standard deviation in [0, 1] (exact mean at sd=0)."""
    mean = _clip01(float(mean))
    if sd <= 0.0 or mean < 1e-6 or mean > 1.0 - 1e-6:
        return JoinerRule(0.0, 0.0, mean)
    var = min(sd * sd, mean * (1.0 - mean) * 0.95)
    if var <= 0.0:  # an sd so small its square underflows: no spread to draw
        return JoinerRule(0.0, 0.0, mean)
    concentration = mean * (1.0 - mean) / var - 1.0
    return JoinerRule(mean * concentration, (1.0 - mean) * concentration, mean)


def beta_draws(rng: np.random.Generator, mean: float, sd: float, n: int) -> np.ndarray:
    """n draws in [0, 1] with the given mean and standard deviation (Beta; exact mean at sd=0)."""
    rule = joiner_rule(mean, sd)
    if rule.a == 0.0:
        return np.full(n, rule.fixed)
    return rng.beta(rule.a, rule.b, n)


@kernel
def _join(
    rng: np.random.Generator,
    members: MemberView,
    joined_step: np.ndarray,
    people: np.ndarray,
    step: int,
    rule: JoinerRule,
) -> None:
    """join, compiled: the joiners' statuses, engagement draws (one Beta each), value, step."""
    members, rule = MemberView(*members), JoinerRule(*rule)  # named again (compiled.packed)
    if people.size == 0:
        return
    if rule.a == 0.0:
        drawn = np.full(people.size, rule.fixed)
    else:
        drawn = rng.beta(rule.a, rule.b, people.size)
    for j in range(people.size):
        person = people[j]
        members.status[person] = ACTIVE
        members.engagement[person] = drawn[j]
        members.perceived_value[person] = 0.5
        joined_step[person] = step


def _clip01(x: float) -> float:
    """float(np.clip(x, 0.0, 1.0)) without an array round trip (-0.0 -> 0.0, NaN kept)."""
    if x != x:  # NaN
        return x
    x = x if x > 0.0 else 0.0
    return x if x < 1.0 else 1.0


def exchange(
    members: MemberArrays,
    ties: TieArrays,
    graph: ContactGraph,
    rng: np.random.Generator,
    step: int,
    *,
    exchange_rate: float,
    attractiveness: float,
) -> ExchangeOutcome:
    """One round of requests and offers between members, and invitations to prospects.

    Each active member asks (or offers) with probability exchange_rate x
    engagement, and picks a contact (:func:`choose_partners`: a peripheral specialist
    among PARTNER_CANDIDATES random contacts, else one already tied, else the first);
    members without contacts cannot ask. The contact's status decides what happens:

    - a member answers with :func:`answer_probability` (a passive one with
      PASSIVE_ANSWER_SHARE of it: a dead end): the exchange is reciprocated, the tie
      forms or strengthens (:func:`strengthened`), and counts once for each side
      (SPECIALIST_VALUE times for an asker a specialist answered); otherwise the
      request goes unanswered (it costs the asker trust, see engagement rules);
    - a prospect (or, less readily, a lapsed member) is invited and joins with
      :func:`join_probability`, CONNECTOR_PULL times as readily when a central
      connector invites (recruitment through members' own contacts).

    Draws, in order: one uniform per active member (asks), PARTNER_CANDIDATES per
    asker with contacts (candidate contacts, candidate-major), one per such asker
    (answer or acceptance). Source: [deck] 'requests and offers', 'reciprocity and
    exchange as the defining relationship'; [THF] members recruit through their contacts.
    """
    attempts, reciprocated, invitations, joined, success_count, unanswered_count = _exchange(
        rng,
        members.packed(),
        ties.packed(),
        packed(graph.csr()),
        step,
        exchange_rate,
        attractiveness,
    )
    return ExchangeOutcome(
        attempts=int(attempts),
        reciprocated=int(reciprocated),
        invitations=int(invitations),
        joined=joined,
        success_count=success_count,
        unanswered_count=unanswered_count,
    )


@kernel
def _exchange(
    rng: np.random.Generator,
    members: MemberView,
    ties: TieView,
    csr: ContactCSR,
    step: int,
    exchange_rate: float,
    attractiveness: float,
) -> tuple[int, int, int, np.ndarray, np.ndarray, np.ndarray]:
    """exchange, compiled: (attempts, reciprocated, invitations, joined, successes, unanswered).

    Draws what exchange's docstring lists, in that order, from ``rng`` itself.
    """
    members, ties, csr = MemberView(*members), TieView(*ties), ContactCSR(*csr)  # (packed)
    active = _with_status(members.status, ACTIVE)
    ask_draws = rng.random(active.size)
    askers = _askers(active, ask_draws, members.engagement, exchange_rate, csr.contacts)
    candidate_draws = rng.random((PARTNER_CANDIDATES, askers.size))
    answer_draws = rng.random(askers.size)
    rule = InvitationRule(attractiveness, attractiveness * REJOIN_FACTOR)
    reciprocated, invitations, joined, success_count, unanswered_count = _exchange_round(
        askers, candidate_draws, answer_draws, members, ties, csr, rule, step
    )
    return askers.size, reciprocated, invitations, joined, success_count, unanswered_count


@kernel
def _with_status(status: np.ndarray, code: np.int8) -> np.ndarray:
    """Indices (ascending) of the people whose status is ``code``."""
    count = 0
    for i in range(status.size):
        if status[i] == code:
            count += 1
    out = np.empty(count, np.int64)
    j = 0
    for i in range(status.size):
        if status[i] == code:
            out[j] = i
            j += 1
    return out


class InvitationRule(NamedTuple):
    """The step's chances that an invited person joins (see :func:`join_probability`)."""

    attractiveness: float
    """A prospect's chance of accepting (the network's attractiveness this step)."""
    rejoin_attractiveness: float
    """A lapsed person's: attractiveness x REJOIN_FACTOR."""


@kernel
def ask_probability(exchange_rate: float, engagement: float) -> float:
    """An active member asks (or offers) this step with probability exchange_rate x engagement.

    Source: [deck] 'requests and offers'; engaged members ask more.
    """
    return exchange_rate * engagement


@kernel
def answer_probability(reciprocity: float, engagement: float, trust: float) -> float:
    """A member answers a request with probability r (0.3 + 0.7 e)(0.5 + 0.5 t).

    Their reciprocity r, lifted by their engagement e and trust t ("members who trust
    each other are more inclined to share" [THF]); the numbers are literals
    (docs/odd.md, 7.4).
    """
    return reciprocity * (0.3 + 0.7 * engagement) * (0.5 + 0.5 * trust)


@kernel
def join_probability(status: np.int8, rule: InvitationRule) -> float:
    """An invited prospect joins with the network's attractiveness; a lapsed person less readily.

    The lapsed accept REJOIN_FACTOR times as readily (they have left once). Source:
    [THF] members recruit through their own contacts ('word of mouth').
    """
    return rule.rejoin_attractiveness if status == LAPSED else rule.attractiveness


@kernel
def strengthened(strength: float) -> float:
    """An existing tie that carries a reciprocated exchange gains USE_TIE_GAIN, up to 1."""
    gained = strength + USE_TIE_GAIN
    return gained if gained < 1.0 else 1.0


@kernel
def form_tie(ties: TieView, edge: int | np.integer, step: int) -> None:
    """A new tie on ``edge`` at NEW_TIE_STRENGTH, formed and used at ``step``."""
    ties.formed_step[edge] = step
    ties.strength[edge] = NEW_TIE_STRENGTH
    ties.last_used[edge] = step


@kernel
def _askers(
    active: np.ndarray,
    draws: np.ndarray,
    engagement: np.ndarray,
    exchange_rate: float,
    contacts: np.ndarray,
) -> np.ndarray:
    """Active members who ask this step (draw < :func:`ask_probability`) and have a contact."""
    out = np.empty(active.size, np.int64)
    count = 0
    for j in range(active.size):
        person = active[j]
        if draws[j] < ask_probability(exchange_rate, engagement[person]) and contacts[person] > 0:
            out[count] = person
            count += 1
    return out[:count]


@kernel
def choose_partners(
    askers: np.ndarray,
    candidate_draws: np.ndarray,
    csr: ContactCSR,
    strength: np.ndarray,
    role: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Each asker's partner and the contact edge to them, from the candidate draws.

    Of the PARTNER_CANDIDATES drawn contacts (rows of ``candidate_draws``), the first
    who is a peripheral specialist (expertise is sought out: 'specialists are asked'
    [THF roles]), else the first already tied (members go back to people they know
    will help), else the first drawn (now and then they try someone new).
    """
    k = askers.size
    partner = np.empty(k, np.int64)
    edge = np.empty(k, np.int64)
    for j in range(k):
        asker = askers[j]
        start = csr.indptr[asker]
        degree = float(csr.contacts[asker])
        chosen_slot = int(_contact_slot(candidate_draws[0, j], start, degree))
        tied_slot = -1
        for c in range(candidate_draws.shape[0]):
            slot = int(_contact_slot(candidate_draws[c, j], start, degree))
            if role[csr.neighbour[slot]] == PERIPHERAL_SPECIALIST:
                tied_slot = slot
                break
            if tied_slot < 0 and strength[csr.edge_of[slot]] > 0.0:
                tied_slot = slot
        if tied_slot >= 0:
            chosen_slot = tied_slot
        partner[j] = csr.neighbour[chosen_slot]
        edge[j] = csr.edge_of[chosen_slot]
    return partner, edge


_NEW_TIE = -1.0
"""The gain recorded for a reciprocated exchange on an edge with no tie yet (forms one)."""


@kernel
def _exchange_round(
    askers: np.ndarray,
    candidate_draws: np.ndarray,
    answer_draws: np.ndarray,
    members: MemberView,
    ties: TieView,
    csr: ContactCSR,
    rule: InvitationRule,
    step: int,
) -> tuple[int, int, np.ndarray, np.ndarray, np.ndarray]:
    """The exchange after the draws: (reciprocated, invitations, joined, successes, unanswered).

    Partners are chosen from the ties as they were before the round; a tie used by
    both its ends in the round gains once.
    """
    members, ties = MemberView(*members), TieView(*ties)  # named again (compiled.packed)
    csr, rule = ContactCSR(*csr), InvitationRule(*rule)
    partner, edge = choose_partners(askers, candidate_draws, csr, ties.strength, members.role)
    k = askers.size
    success_count = np.zeros(members.status.size, np.int64)
    unanswered_count = np.zeros(members.status.size, np.int64)
    gained = np.empty(k)
    used = np.zeros(k, np.bool_)
    joined = np.empty(k, np.int64)
    reciprocated = 0
    invitations = 0
    joins = 0
    for j in range(k):
        other = partner[j]
        s = members.status[other]
        if s in (ACTIVE, PASSIVE):
            answer = answer_probability(
                members.reciprocity[other], members.engagement[other], members.trust[other]
            )
            if s == PASSIVE:
                answer = answer * PASSIVE_ANSWER_SHARE
            if answer_draws[j] < answer:
                reciprocated += 1
                worth = SPECIALIST_VALUE if members.role[other] == PERIPHERAL_SPECIALIST else 1
                success_count[askers[j]] += worth
                success_count[other] += 1
                current = ties.strength[edge[j]]
                gained[j] = _NEW_TIE if current <= 0.0 else strengthened(current)
                used[j] = True
            else:
                unanswered_count[askers[j]] += 1
        else:
            invitations += 1
            accept = join_probability(s, rule)
            if members.role[askers[j]] == CENTRAL_CONNECTOR:
                accept = min(1.0, accept * CONNECTOR_PULL)
            if answer_draws[j] < accept:
                joined[joins] = other
                joins += 1
    _apply_gains(ties, edge, used, gained, step)
    return reciprocated, invitations, np.unique(joined[:joins]), success_count, unanswered_count


@kernel
def _apply_gains(
    ties: TieView, edge: np.ndarray, used: np.ndarray, gained: np.ndarray, step: int
) -> None:
    """Write the round's tie gains, all computed from the ties as they were before it."""
    for j in range(edge.size):
        if used[j]:
            e = edge[j]
            if gained[j] < 0.0:  # _NEW_TIE
                form_tie(ties, e, step)
            else:
                ties.strength[e] = gained[j]
                ties.last_used[e] = step


def proactive_search(
    members: MemberArrays, rng: np.random.Generator, *, effort: float, attractiveness: float
) -> np.ndarray:
    """Leaders approach people anywhere in the eligible population, not only members' contacts.

    Approaches per step ~ Poisson(effort x 1% of the eligible population), drawn
    uniformly from prospects in every organisation: reaching 'beyond the usual
    suspects' [THF step 4]. Each joins with probability ``attractiveness``.
    Returns the indices who join.
    """
    return _proactive_search(rng, members.status, effort, attractiveness)


@kernel
def _proactive_search(
    rng: np.random.Generator, status: np.ndarray, effort: float, attractiveness: float
) -> np.ndarray:
    """proactive_search, compiled: a Poisson count, whom (numpy's choice), who joins."""
    prospects = _with_status(status, PROSPECT)
    if prospects.size == 0 or effort <= 0.0:
        return np.empty(0, np.int64)
    approaches = min(prospects.size, rng.poisson(effort * 0.01 * status.size))
    if approaches == 0:
        return np.empty(0, np.int64)
    approached = prospects[choice_indices(rng, prospects.size, approaches)]
    return approached[rng.random(approaches) < attractiveness]


def introduce(
    members: MemberArrays,
    ties: TieArrays,
    graph: ContactGraph,
    people: np.ndarray,
    rng: np.random.Generator,
    step: int,
    *,
    member_mask: np.ndarray | None = None,
) -> int:
    """Broker a new tie for each of ``people`` to a contact who is a member and not yet tied.

    The facilitator's job of 'someone that connects and nurtures' [deck]: a
    newcomer (or an existing member) is introduced to someone they already
    half-know in the network. Up to PARTNER_CANDIDATES random contacts are
    considered; the first who is a member without a tie to them is chosen
    (none if no candidate fits). Returns the number of ties made. ``member_mask``
    is ``members.is_member()`` if the caller has it.
    """
    if member_mask is None:
        member_mask = members.is_member()
    people = np.asarray(people, np.int64)
    return _introduce_drawn(rng, people, packed(graph.csr()), member_mask, ties.packed(), step)


@kernel
def _introduce_drawn(
    rng: np.random.Generator,
    people: np.ndarray,
    csr: ContactCSR,
    member_mask: np.ndarray,
    ties: TieView,
    step: int,
) -> int:
    """introduce, compiled: PARTNER_CANDIDATES draws per person with contacts, then the ties."""
    csr, ties = ContactCSR(*csr), TieView(*ties)  # named again (compiled.packed)
    people = _with_contacts(people, csr.contacts)
    if people.size == 0:
        return 0
    draws = rng.random((PARTNER_CANDIDATES, people.size))
    return _introduce(people, draws, csr, member_mask, ties, step)


@kernel
def _with_contacts(people: np.ndarray, contacts: np.ndarray) -> np.ndarray:
    """``people`` who have at least one contact, in their order."""
    out = np.empty(people.size, np.int64)
    count = 0
    for person in people:
        if contacts[person] > 0:
            out[count] = person
            count += 1
    return out[:count]


@kernel
def _contact_slot(draw: float, start: int, degree: float) -> np.int64:
    """The CSR slot of a uniformly drawn contact: start + floor(draw x degree)."""
    return start + np.int64(draw * degree)


@kernel
def _introduce(
    people: np.ndarray,
    draws: np.ndarray,
    csr: ContactCSR,
    member_mask: np.ndarray,
    ties: TieView,
    step: int,
) -> int:
    """introduce after the draws: new ties made (judged on the ties as they were)."""
    csr, ties = ContactCSR(*csr), TieView(*ties)  # named again (compiled.packed)
    made = np.empty(people.size, np.int64)
    count = 0
    for j in range(people.size):
        person = people[j]
        start = csr.indptr[person]
        degree = float(csr.contacts[person])
        for c in range(draws.shape[0]):
            slot = _contact_slot(draws[c, j], start, degree)
            edge = csr.edge_of[slot]
            if member_mask[csr.neighbour[slot]] and ties.strength[edge] <= 0.0:
                made[count] = edge
                count += 1
                break
    made = np.unique(made[:count])
    for edge in made:
        form_tie(ties, edge, step)
    return made.size


def broker_ties(
    members: MemberArrays,
    ties: TieArrays,
    graph: ContactGraph,
    rng: np.random.Generator,
    step: int,
    *,
    effort: float,
    member_mask: np.ndarray | None = None,
) -> int:
    """Facilitators introduce members to members they know of but have no tie with.

    Introductions per step ~ Poisson(effort x 2% of members). Source: [THF]
    central connectors 'know who can provide information or expertise and draw
    them in'; [deck] 'someone that connects and nurtures'.
    """
    if member_mask is None:
        member_mask = members.is_member()
    return _broker_ties(rng, packed(graph.csr()), member_mask, ties.packed(), step, effort)


@kernel
def _broker_ties(
    rng: np.random.Generator,
    csr: ContactCSR,
    member_mask: np.ndarray,
    ties: TieView,
    step: int,
    effort: float,
) -> int:
    """broker_ties, compiled: a Poisson count, whom (numpy's choice), then introduce's draws."""
    member_idx = np.flatnonzero(member_mask)
    if member_idx.size == 0 or effort <= 0.0:
        return 0
    count = rng.poisson(effort * 0.02 * member_idx.size)
    if count == 0:
        return 0
    people = member_idx[choice_indices(rng, member_idx.size, min(count, member_idx.size))]
    return _introduce_drawn(rng, people, csr, member_mask, ties, step)


def tie_partners_at(
    graph: ContactGraph, ties: TieArrays, people: np.ndarray, picks: np.ndarray
) -> np.ndarray:
    """For each of ``people`` with a tie, the partner at fraction ``picks`` of their ties.

    Person i's partner is their tied contact number int(picks[i] x ties of i), counting
    in contact-slot order; people without a tie are left out, so the result keeps the
    order of ``people`` and is as long as the number of them with a tie. One vectorised
    pass instead of a loop over people (a loop cost half the step at 100,000 members).
    ``picks`` are uniforms in [0, 1).
    """
    counts = graph.indptr[people + 1] - graph.indptr[people]
    slots = rows_slots(graph.indptr, people, counts)
    tied = ties.strength[graph.edge_of[slots]] > 0.0
    tie_count = np.bincount(np.repeat(np.arange(people.size), counts)[tied], minlength=people.size)
    first = np.cumsum(tie_count) - tie_count
    has = tie_count > 0
    chosen = first[has] + (picks[has] * tie_count[has]).astype(np.int64)
    return graph.neighbour[slots[tied][chosen]].astype(np.int64)


def brokers_introduce(
    members: MemberArrays,
    ties: TieArrays,
    graph: ContactGraph,
    rng: np.random.Generator,
    step: int,
    *,
    member_mask: np.ndarray,
) -> int:
    """Active information brokers introduce their tie partners into other parts of the network.

    Each active broker, with probability BROKER_INTRODUCTIONS x engagement, picks one
    of their tie partners at random and introduces them (:func:`introduce`) to a
    member the partner knows of but has no tie with: brokers are 'keeping a network's
    smaller subgroups together' [THF roles]. Draws, in order: one uniform per broker
    (whether they introduce), one per introducing broker (which partner), then
    introduce's.
    Returns the ties made.
    """
    return _brokers_introduce(
        rng, members.packed(), packed(graph.csr()), member_mask, ties.packed(), step
    )


@kernel
def _brokers_introduce(
    rng: np.random.Generator,
    members: MemberView,
    csr: ContactCSR,
    member_mask: np.ndarray,
    ties: TieView,
    step: int,
) -> int:
    """brokers_introduce, compiled, with its draws in its docstring's order."""
    members, csr, ties = MemberView(*members), ContactCSR(*csr), TieView(*ties)  # (packed)
    brokers = np.flatnonzero((members.role == INFORMATION_BROKER) & (members.status == ACTIVE))
    if brokers.size == 0:
        return 0
    draws = rng.random(brokers.size)
    introducing = 0
    for j in range(brokers.size):
        if draws[j] < BROKER_INTRODUCTIONS * members.engagement[brokers[j]]:
            brokers[introducing] = brokers[j]
            introducing += 1
    if introducing == 0:
        return 0
    brokers = brokers[:introducing]
    people = _tie_partners_at(csr, ties.strength, brokers, rng.random(introducing))
    return _introduce_drawn(rng, people, csr, member_mask, ties, step)


@kernel
def _tie_partners_at(
    csr: ContactCSR, strength: np.ndarray, people: np.ndarray, picks: np.ndarray
) -> np.ndarray:
    """tie_partners_at over the contact CSR, person by person (the same partners)."""
    out = np.empty(people.size, np.int64)
    count = 0
    for j in range(people.size):
        start = csr.indptr[people[j]]
        end = start + csr.contacts[people[j]]
        tied = 0
        for slot in range(start, end):
            if strength[csr.edge_of[slot]] > 0.0:
                tied += 1
        if tied == 0:
            continue
        chosen = np.int64(picks[j] * tied)
        for slot in range(start, end):
            if strength[csr.edge_of[slot]] > 0.0:
                if chosen == 0:
                    out[count] = csr.neighbour[slot]
                    count += 1
                    break
                chosen -= 1
    return out[:count]


def top_of_role(
    members: MemberArrays, ties: TieArrays, graph: ContactGraph, role: int, count: int
) -> np.ndarray:
    """The ``count`` members most in ``role``: its holders first, then the next in line.

    Members are ranked by (holds the role, the role's position measure, lowest index):
    the measure is ties to other organisations for boundary spanners and ties for every
    other role. So ``count`` people leave whenever that many are members, the same
    number as the ``members_leave`` control removes, and a comparison of the two asks
    only whether *who* leaves matters [THF roles: losing a connector or spanner hurts
    diffusion]. Specialists are never filled up with non-specialists (a specialist is
    a position, not a degree rank), so at most the holders leave.
    """
    present_members = np.flatnonzero(members.is_member())
    if present_members.size == 0 or count <= 0:
        return np.empty(0, np.int64)
    tied = ties.strength > 0.0
    u, v = graph.edge_u[tied], graph.edge_v[tied]
    if role == BOUNDARY_SPANNER:
        crossing = members.organisation[u] != members.organisation[v]
        u, v = u[crossing], v[crossing]
    measure = np.bincount(u, minlength=members.size) + np.bincount(v, minlength=members.size)
    holds = members.role[present_members] == role
    if role == PERIPHERAL_SPECIALIST:
        present_members, holds = present_members[holds], holds[holds]
    order = np.lexsort((present_members, -measure[present_members], ~holds))
    return np.sort(present_members[order[:count]]).astype(np.int64)


def convene(
    members: MemberArrays,
    ties: TieArrays,
    graph: ContactGraph,
    rng: np.random.Generator,
    step: int,
    *,
    attendance: float,
    member_mask: np.ndarray | None = None,
) -> np.ndarray:
    """A convening event: members attend; attendees who know each other form or renew ties.

    Each member attends with probability attendance x (0.2 + 0.8 engagement)
    (passive members come less). Every acquaintance pair among attendees forms a
    tie with probability 1/2. Returns the attendees (for trust and engagement
    gains). Source: [THF] 'regular face-to-face events'; 'informal events ...
    where people can meet'; [deck] convening.
    """
    member = members.is_member() if member_mask is None else member_mask
    return _convene(
        rng, members.engagement, member, graph.edge_u, graph.edge_v, ties.packed(), step, attendance
    )


@kernel
def _convene(
    rng: np.random.Generator,
    engagement: np.ndarray,
    member_mask: np.ndarray,
    edge_u: np.ndarray,
    edge_v: np.ndarray,
    ties: TieView,
    step: int,
    attendance: float,
) -> np.ndarray:
    """convene, compiled: one draw per person (attends), one per attending pair (meets)."""
    ties = TieView(*ties)  # named again (compiled.packed)
    draws = rng.random(engagement.size)
    attend = np.zeros(engagement.size, np.bool_)
    count = 0
    for i in range(engagement.size):
        if member_mask[i] and draws[i] < attendance * (0.2 + 0.8 * engagement[i]):
            attend[i] = True
            count += 1
    attendees = np.flatnonzero(attend)
    if count < 2:
        return attendees
    meet = np.empty(edge_u.size, np.int64)
    pairs = 0
    for e in range(edge_u.size):
        if attend[edge_u[e]] and attend[edge_v[e]]:
            meet[pairs] = e
            pairs += 1
    meet_draws = rng.random(pairs)
    for k in range(pairs):
        if meet_draws[k] < 0.5:
            e = meet[k]
            if ties.strength[e] <= 0.0:
                ties.formed_step[e] = step
            if ties.strength[e] < NEW_TIE_STRENGTH:  # np.maximum(strength, 0.5)
                ties.strength[e] = NEW_TIE_STRENGTH
            ties.last_used[e] = step
    return attendees


def decay_ties(ties: TieArrays, step: int, rate: float) -> None:
    """Unused ties weaken by ``rate`` a step and vanish at zero.

    Source: DOMAIN, form and lose ties ('ties ... decay when unused' is the issue's reading);
    a modelling assumption: the seeds do not describe how ties fade.
    """
    _decay(ties.packed(), step, rate)


@kernel
def _decay(ties: TieView, step: int, rate: float) -> None:
    """decay_ties on the tie arrays, in place (a tie that reaches zero is gone).

    Written without branches (every value is written back, changed or not): with
    most contact pairs untied, a branch per pair is mispredicted half the time, and
    this form is 2x faster than numpy's mask-and-compress at 100,000 members.
    """
    ties = TieView(*ties)  # named again (compiled.packed)
    strength, last_used, formed_step = ties.strength, ties.last_used, ties.formed_step
    for e in range(strength.size):
        s = strength[e]
        unused = (s > 0.0) & (last_used[e] != step)
        weakened = s - rate
        gone = unused & (weakened <= 0.0)
        weakened = 0.0 if gone else weakened
        strength[e] = weakened if unused else s
        formed_step[e] = -1 if gone else formed_step[e]


def update_status(
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
    """Active members whose engagement fades turn passive; disengaged passive members lapse.

    active -> passive when engagement < passive_below; passive -> active when it
    climbs back above passive_below + 0.05; passive -> lapsed with probability
    lapse_rate a step once under lapse_below, or at a yearly refresh under the
    'refresh' policy. Lapsing ends all the member's ties. Returns who lapsed.
    Draws one uniform per person (eligible population), whoever they are.
    Source: [THF] 'people will vote with their feet'; DOMAIN 'refresh their membership'.
    """
    rule = status_rule(
        step,
        passive_below=passive_below,
        lapse_below=lapse_below,
        lapse_rate=lapse_rate,
        refresh=refresh,
    )
    return _update_status_drawn(
        rng, members.packed(), packed(graph.csr()), ties.packed(), packed(rule)
    )


def status_rule(
    step: int, *, passive_below: float, lapse_below: float, lapse_rate: float, refresh: bool
) -> StatusRule:
    """The step's :class:`StatusRule` (a refresh step is every REFRESH_INTERVAL-th)."""
    return StatusRule(
        passive_below=passive_below,
        reactivate_at=passive_below + REACTIVATE_MARGIN,
        lapse_below=lapse_below,
        lapse_rate=lapse_rate,
        refreshing=refresh and step % REFRESH_INTERVAL == 0,
    )


@kernel
def _update_status_drawn(
    rng: np.random.Generator, members: MemberView, csr: ContactCSR, ties: TieView, rule: StatusRule
) -> np.ndarray:
    """update_status, compiled: one draw per person, then the rule; returns who lapsed."""
    draws = rng.random(members[0].size)
    return _update_status(members, draws, csr, ties, rule)


class StatusRule(NamedTuple):
    """The step's thresholds of :func:`next_status` (see :func:`update_status`)."""

    passive_below: float
    reactivate_at: float
    """passive_below + REACTIVATE_MARGIN (hysteresis)."""
    lapse_below: float
    lapse_rate: float
    refreshing: bool
    """A yearly refresh step under the 'refresh' policy: every passive member lapses."""


@kernel
def next_status(status: np.int8, engagement: float, draw: float, rule: StatusRule) -> np.int8:
    """A person's status after this step's passivity and lapse rules (update_status).

    An active member under passive_below turns passive and, passive now, may lapse at
    once; a passive member at reactivate_at or above turns active; a passive member
    lapses at a refresh, or with probability lapse_rate (``draw``) under lapse_below.
    Prospects and the lapsed stay as they are.
    """
    if status == ACTIVE:
        if not engagement < rule.passive_below:
            return status
        status = PASSIVE
    elif status == PASSIVE:
        if engagement >= rule.reactivate_at:
            return ACTIVE
    else:
        return status
    if rule.refreshing or (engagement < rule.lapse_below and draw < rule.lapse_rate):
        return LAPSED
    return status


@kernel
def _update_status(
    members: MemberView, draws: np.ndarray, csr: ContactCSR, ties: TieView, rule: StatusRule
) -> np.ndarray:
    """update_status after the draws, in place; returns who lapsed (ascending)."""
    members, csr, ties = MemberView(*members), ContactCSR(*csr), TieView(*ties)  # (packed)
    rule = StatusRule(*rule)
    status = members.status
    lapsed = np.empty(status.size, np.int64)
    count = 0
    for i in range(status.size):
        old = status[i]
        new = next_status(old, members.engagement[i], draws[i], rule)
        if new != old:
            status[i] = new
            if new == LAPSED:
                lapsed[count] = i
                count += 1
    lapsed = lapsed[:count]
    end_ties(lapsed, csr, ties)
    return lapsed


def lapse(members: MemberArrays, ties: TieArrays, graph: ContactGraph, people: np.ndarray) -> None:
    """Make ``people`` lapsed and end every tie they hold (a lapsed member has no ties)."""
    if people.size == 0:
        return
    members.status[people] = LAPSED
    # a rare call (removals, a leader's departure): the structures go in as they are
    end_ties(np.asarray(people, np.int64), graph.csr(), ties.view())


@kernel
def end_ties(people: np.ndarray, csr: ContactCSR, ties: TieView) -> None:
    """End every tie ``people`` hold (strength 0, no formation step)."""
    for person in people:
        for slot in range(csr.indptr[person], csr.indptr[person + 1]):
            ties.strength[csr.edge_of[slot]] = 0.0
            ties.formed_step[csr.edge_of[slot]] = -1


def assign_roles(
    members: MemberArrays,
    graph: ContactGraph,
    present: np.ndarray | None,
    ties: TieCSR,
    rng: np.random.Generator,
    *,
    crossing: np.ndarray | None = None,
    member_mask: np.ndarray | None = None,
    active_mask: np.ndarray | None = None,
) -> None:
    """Recompute each member's emergent role from their position in the tie graph.

    - central connector: at least 3 ties and in the top 10% of members by ties;
    - boundary spanner: otherwise, at least 2 ties to other organisations and
      at least half of their ties cross organisations;
    - information broker: otherwise, at least 3 ties whose holders do not know
      each other: none of ROLE_PAIR_SAMPLES sampled pairs of their tie partners
      is tied (local clustering under about 1/8): they keep subgroups together;
    - peripheral specialist: an active member with 1 or 2 ties;
    - none: everyone else (prospects, lapsed, isolated members).

    Source: [THF] 'four common roles' (Cross & Prusak's central connectors,
    boundary spanners, information brokers, peripheral specialists).
    ``rng`` is the model's metrics generator, so roles never perturb the dynamics.
    ``crossing`` (per contact edge: ends in different organisations) saves
    recomputing it when the caller keeps it, as ``member_mask`` and ``active_mask``
    (``members.is_member()`` and ``is_active()``) do.
    """
    member = members.is_member() if member_mask is None else member_mask
    active = members.status == ACTIVE if active_mask is None else active_mask
    if crossing is None:
        org = members.organisation
        crossing = org[graph.edge_u] != org[graph.edge_v]
    if present is None:
        present = np.ones(graph.edge_count, bool)
    tie_edges = ties.edges if ties.edges is not None else np.arange(graph.edge_count)
    _assign_roles(
        rng,
        members.role,
        member,
        active,
        ties.indptr,
        ties.indices,
        tie_edges,
        present,
        crossing,
        graph.edge_u,
        graph.edge_v,
        graph.edge_key,
    )


@kernel
def _assign_roles(
    rng: np.random.Generator,
    role: np.ndarray,
    member: np.ndarray,
    active: np.ndarray,
    indptr: np.ndarray,
    indices: np.ndarray,
    tie_edges: np.ndarray,
    present: np.ndarray,
    crossing: np.ndarray,
    edge_u: np.ndarray,
    edge_v: np.ndarray,
    edge_key: np.ndarray,
) -> None:
    """assign_roles, compiled: the same rules, the same draws (two blocks of
    ROLE_PAIR_SAMPLES x candidates uniforms, pair-major), written into ``role``."""
    n = role.size
    role[:] = 0  # Role.NONE
    degree = np.empty(n, np.int64)
    tied_count = 0
    for i in range(n):
        degree[i] = indptr[i + 1] - indptr[i]
        if member[i] and degree[i] > 0:
            tied_count += 1
    if tied_count == 0:
        return
    cross = np.zeros(n, np.int64)  # ties to other organisations, counted at both ends
    for e in tie_edges:
        if crossing[e]:
            cross[edge_u[e]] += 1
            cross[edge_v[e]] += 1
    tied_degrees = np.empty(tied_count, np.int64)
    j = 0
    for i in range(n):
        if member[i] and degree[i] > 0:
            tied_degrees[j] = degree[i]
            j += 1
    cutoff = max(3.0, quantile_linear(np.sort(tied_degrees), 0.9))
    kind = np.zeros(n, np.int8)  # 1 connector, 2 spanner, 3 broker candidate
    count = 0
    for i in range(n):
        if not (member[i] and degree[i] > 0):
            continue
        if degree[i] >= cutoff:
            kind[i] = 1
        elif cross[i] >= 2 and 2 * cross[i] >= degree[i]:
            kind[i] = 2
        elif degree[i] >= 3:
            kind[i] = 3
            count += 1
    candidates = np.flatnonzero(kind == 3)
    if count:
        d = degree[candidates].astype(np.float64)
        first_draws = rng.random((ROLE_PAIR_SAMPLES, count))
        second_draws = rng.random((ROLE_PAIR_SAMPLES, count))
        for j in range(count):
            start = indptr[candidates[j]]
            bridging = True  # none of the sampled pairs of partners is tied
            for k in range(ROLE_PAIR_SAMPLES):
                first = np.int64(first_draws[k, j] * d[j])
                second = np.int64(second_draws[k, j] * (d[j] - 1.0))
                if second >= first:
                    second += 1
                a = indices[start + first]
                b = indices[start + second]
                e = _edge_id(edge_key, n, a, b)
                if e >= 0 and present[e]:
                    bridging = False
                    break
            if not bridging:
                kind[candidates[j]] = 0
    for i in range(n):
        if kind[i] == 1:
            role[i] = CENTRAL_CONNECTOR
        elif kind[i] == 2:
            role[i] = BOUNDARY_SPANNER
        elif kind[i] == 3:
            role[i] = INFORMATION_BROKER
        elif active[i] and 1 <= degree[i] <= 2:
            role[i] = PERIPHERAL_SPECIALIST


@kernel
def _edge_id(edge_key: np.ndarray, size: int, a: int, b: int) -> int:
    """The id of the contact edge between a and b, or -1 (ContactGraph.edge_ids for one pair)."""
    lo, hi = (a, b) if a < b else (b, a)
    key = lo * size + hi
    pos = np.searchsorted(edge_key, key)
    if pos < edge_key.size and edge_key[pos] == key:
        return int(pos)
    return -1


@kernel
def quantile_linear(ordered: np.ndarray, q: float) -> float:
    """float(np.quantile(ordered, q)) of a sorted non-empty integer array, exactly.

    numpy's default 'linear' method step by step: virtual index (n - 1) q, its floor
    and the next order statistic (both the last one at the top), and numpy's
    interpolation a + (b - a) g, or b - (b - a)(1 - g) once g >= 1/2, in the same
    float64 operations (integer differences are exact).
    """
    n = ordered.size
    virtual = (n - 1) * q
    if virtual >= n - 1:
        below = above = n - 1
    else:
        below = math.floor(virtual)
        above = below + 1
    a = ordered[below]
    b = ordered[above]
    gamma = virtual - below
    diff = b - a
    if gamma >= 0.5:
        return b - diff * (1 - gamma)
    return a + diff * gamma
