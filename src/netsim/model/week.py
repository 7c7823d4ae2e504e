"""The social model's week as one compiled pass: growth, ties, engagement, status, ideas.

At sweep sizes (about a thousand members) a week's arithmetic is under a tenth of a
millisecond, while calling each mechanism from Python cost more than that in call
overhead: numba unboxes the model's ``Generator`` on every call (about 9 us), and each
mechanism's masks and index arrays were numpy calls of their own. So
:func:`social_week` takes the whole middle of ``NetworkModel.step`` in one call, in
the step's order:

1. exchanges and invitations (network._exchange), the invitees who join (network._join);
2. leaders' proactive search and its joiners;
3. introductions for the recruits, facilitators' introductions, brokers' introductions;
4. a convening event, scheduled or funded (network._convene);
5. engagement and trust (engagement.engage);
6. tie decay, then passivity and lapse (network._update_status_drawn);
7. the week's tie CSR (graphs.present_tie_csr), then every idea's spread
   (diffusion.spread_social);
8. the counts of people the per-step table needs (:func:`_tally`).

Each phase is the mechanism's own kernel, stated and sourced in its module; this
module only chains them, so nothing is implemented twice. Every draw comes from the
model's ``Generator`` in the order the mechanisms' docstrings give (numba draws
numpy's own streams: tests/model/test_draws.py), so a run is the one the phase-by-phase
step took (the golden baseline holds it). What stays in Python around the call: the
timeline and live interventions, leadership succession, the week's levers (scalars),
the quarterly roles and the per-step metrics.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from netsim.model import diffusion, engagement, network
from netsim.model.compiled import kernel
from netsim.model.graphs import ContactCSR, present_tie_csr
from netsim.model.state import (
    ACTIVE,
    ADOPTED,
    NOT_ADOPTED,
    PASSIVE,
    PROSPECT,
    MemberView,
    TieView,
)


class WeekRule(NamedTuple):
    """The week's scalars for :func:`social_week` (worked out by the model from its levers)."""

    step: int
    exchange_rate: float
    attractiveness: float
    """Chance an invited prospect joins (NetworkModel._attractiveness)."""
    recruitment_effort: float
    """Facilitation x proactive_recruitment: leaders' approaches (network.proactive_search)."""
    facilitation: float
    """Facilitation effort: facilitators' introductions (network.broker_ties)."""
    scheduled_attendance: float
    """Attendance of a scheduled event this week, or -1 for none (then a funded one may be held)."""
    event_probability: float
    """Chance of a funded event when none is scheduled (levers.event_probability)."""
    tie_decay: float


class WeekGraph(NamedTuple):
    """The contact graph as the week reads it."""

    csr: ContactCSR
    edge_u: np.ndarray
    edge_v: np.ndarray
    tie_u: np.ndarray
    """edge_u as the tie CSR is built from (ContactGraph._csr_ends: int32 where it fits)."""
    tie_v: np.ndarray


class WeekOutcome(NamedTuple):
    """What a week did, for the metrics, roles and the per-step table."""

    attempts: int
    reciprocated: int
    joins: int
    lapses: int
    event_held: bool
    present: np.ndarray
    """Per contact edge: a tie at the end of the week."""
    tie_indptr: np.ndarray
    tie_indices: np.ndarray
    tie_rows: np.ndarray
    tie_edges: np.ndarray
    small: bool
    """Whether tie_rows were kept (a small tie CSR, see graphs.present_tie_csr)."""
    active: np.ndarray
    member: np.ndarray
    dated: int
    """Uptakes of ideas dated this week (into adoption_week)."""
    tally: tuple[int, int, int, int, int, int, int, int]
    """(prospects, active, passive, lapsed, adopters, member adopters, ever adopters, the
    most ties anyone has) at the week's end: the per-step table's counts (metrics)."""


@kernel
def social_week(
    rng: np.random.Generator,
    members: MemberView,
    joined_step: np.ndarray,
    organisation: np.ndarray,
    adoption: np.ndarray,
    adoption_week: np.ndarray,
    leaders: np.ndarray,
    ties: TieView,
    graph: WeekGraph,
    needed: np.ndarray,
    rule: WeekRule,
    joiner: network.JoinerRule,
    status_rule: network.StatusRule,
    engagement_rule: engagement.EngagementRule,
    spread_rule: diffusion.SocialSpreadRule,
) -> tuple[Any, ...]:
    """One week of the social model, in place (see the module docstring for the order).

    ``engagement_rule`` is engagement.step_rule at reach 1: the week sets the reach
    and whether an event was held. ``needed`` is diffusion.needed_adopters over every
    degree. Returns :class:`WeekOutcome`'s fields, in its order.
    """
    members, ties = MemberView(*members), TieView(*ties)  # named again (compiled.packed)
    rule, joiner = WeekRule(*rule), network.JoinerRule(*joiner)
    csr, edge_u, edge_v, tie_u, tie_v = graph
    csr = ContactCSR(*csr)
    step = rule.step
    status = members.status
    n = status.size

    attempts, reciprocated, _, joined, success, unanswered = network._exchange(
        rng, members, ties, csr, step, rule.exchange_rate, rule.attractiveness
    )
    network._join(rng, members, joined_step, joined, step, joiner)
    recruits = network._proactive_search(rng, status, rule.recruitment_effort, rule.attractiveness)
    network._join(rng, members, joined_step, recruits, step, joiner)
    member = (status == ACTIVE) | (status == PASSIVE)
    network._introduce_drawn(rng, recruits, csr, member, ties, step)
    network._broker_ties(rng, csr, member, ties, step, rule.facilitation)
    network._brokers_introduce(rng, members, csr, member, ties, step)

    attended = np.zeros(n, np.int64)
    if rule.scheduled_attendance >= 0.0:
        held = True
        share = rule.scheduled_attendance
    else:
        held = rng.random() < rule.event_probability
        share = 1.0
    if held:
        for person in network._convene(
            rng, members.engagement, member, edge_u, edge_v, ties, step, share
        ):
            attended[person] = 1

    ideas = adoption.shape[0]
    ideas_held = np.zeros(n)
    for idea in range(ideas):
        for i in range(n):
            if adoption[idea, i] == ADOPTED:
                ideas_held[i] += 1.0
    for i in range(n):
        ideas_held[i] = ideas_held[i] / ideas
    experience = engagement.Experience(success, unanswered, attended, ideas_held)
    engagement.engage(member, status == ACTIVE, members, experience, engagement_rule, held)

    network._decay(ties, step, rule.tie_decay)
    lapsed = network._update_status_drawn(rng, members, csr, ties, status_rule)

    present, indptr, indices, rows, kept, small = present_tie_csr(n, ties.strength, tie_u, tie_v)
    active = status == ACTIVE
    member = active | (status == PASSIVE)
    dated = diffusion.spread_social(
        rng, adoption, adoption_week, step, indptr, indices, active, member,
        members.engagement, members.trust, members.role, organisation, leaders, needed,
        spread_rule,
    )  # fmt: skip
    tally = _tally(status, adoption, indptr)
    return (  # WeekOutcome's fields: a plain tuple crosses back to Python cheaper
        attempts,
        reciprocated,
        joined.size + recruits.size,
        lapsed.size,
        held,
        present,
        indptr,
        indices,
        rows,
        kept,
        small,
        active,
        member,
        dated,
        tally,
    )


@kernel
def _tally(
    status: np.ndarray, adoption: np.ndarray, indptr: np.ndarray
) -> tuple[int, int, int, int, int, int, int, int]:
    """The week's counts for the per-step table, in one pass (see WeekOutcome.tally).

    An adopter holds at least one idea, an ever adopter has held one (metrics.STEP_COLUMNS).
    """
    prospects = active = passive = lapsed = adopters = member_adopters = ever = 0
    most_ties = 0
    for i in range(status.size):
        s = status[i]
        if s == ACTIVE:
            active += 1
        elif s == PASSIVE:
            passive += 1
        elif s == PROSPECT:
            prospects += 1
        else:
            lapsed += 1
        holds = False
        held = False
        for idea in range(adoption.shape[0]):
            holds = holds or adoption[idea, i] == ADOPTED
            held = held or adoption[idea, i] != NOT_ADOPTED
        if holds:
            adopters += 1
            if s in (ACTIVE, PASSIVE):
                member_adopters += 1
        if held:
            ever += 1
        ties = indptr[i + 1] - indptr[i]
        if ties > most_ties:
            most_ties = ties
    return prospects, active, passive, lapsed, adopters, member_adopters, ever, most_ties
