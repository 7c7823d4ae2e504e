"""The compiled week is the step it replaced: each mechanism's own wrapper, phase by phase.

The reference week below calls the mechanisms' Python functions (network.exchange,
network.join, ..., and diffusion's numpy formulation of spreading, with its log-space
products) in the order ``week.social_week`` chains their kernels; a model stepped with
it must end with the very same state and per-step table as one stepped with the kernel.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import netsim.model.network_model as network_model
from netsim import Parameters
from netsim.model import diffusion, engagement, metrics, network
from netsim.model.graphs import sorted_unique
from netsim.model.network_model import NetworkModel
from netsim.model.state import ACTIVE, ADOPTED, NOT_ADOPTED, MemberView, TieView
from netsim.model.week import WeekGraph, WeekOutcome, WeekRule


def _reference_week(model: NetworkModel) -> Any:
    """A Python week with week.social_week's signature, from the mechanisms' wrappers."""

    def week(
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
    ) -> WeekOutcome:
        rule, spread_rule = WeekRule(*rule), diffusion.SocialSpreadRule(*spread_rule)
        m, t, p = model.members, rule.step, model.params
        outcome = network.exchange(
            m, model.ties, model.graph, rng, t,
            exchange_rate=rule.exchange_rate, attractiveness=rule.attractiveness,
        )  # fmt: skip
        model.admit(outcome.joined)
        recruits = network.proactive_search(
            m, rng, effort=rule.recruitment_effort, attractiveness=rule.attractiveness
        )
        model.admit(recruits)
        member = m.is_member()
        network.introduce(m, model.ties, model.graph, recruits, rng, t, member_mask=member)
        network.broker_ties(
            m, model.ties, model.graph, rng, t, effort=rule.facilitation, member_mask=member
        )
        network.brokers_introduce(m, model.ties, model.graph, rng, t, member_mask=member)
        scheduled = rule.scheduled_attendance >= 0.0
        held = scheduled or rng.random() < rule.event_probability
        attended = None
        if held:
            attended = np.zeros(m.size, np.int64)
            attended[
                network.convene(
                    m, model.ties, model.graph, rng, t,
                    attendance=rule.scheduled_attendance if scheduled else 1.0,
                    member_mask=member,
                )
            ] = 1  # fmt: skip
        held_share = (m.adoption == ADOPTED).mean(axis=0)
        e = engagement.EngagementRule(*engagement_rule)
        engagement.engage(
            member, m.status == ACTIVE, m.packed(),
            tuple(engagement.Experience(
                outcome.success_count, outcome.unanswered_count,
                np.zeros(m.size, np.int64) if attended is None else attended, held_share,
            )),
            tuple(e), held,
        )  # fmt: skip
        network.decay_ties(model.ties, t, rule.tie_decay)
        lapsed = network.update_status(
            m, model.ties, model.graph, rng, t,
            passive_below=p.passive_below, lapse_below=p.lapse_below,
            lapse_rate=p.lapse_rate, refresh=p.membership_policy == "refresh",
        )  # fmt: skip
        present = model.ties.strength > 0
        view = model.graph.tie_csr(present)
        active = m.status == ACTIVE
        member = m.is_member()
        dated = _reference_spread(model, view, active, member, spread_rule, t)
        return WeekOutcome(
            outcome.attempts, outcome.reciprocated, outcome.joined.size + recruits.size,
            lapsed.size, held, present, view.indptr, view.indices,
            view.known_rows if view.known_rows is not None else view.indices[:0],
            view.edges, view.known_rows is not None, active, member, dated,
            _reference_tally(model, view.degree),
        )  # fmt: skip

    return week


def _reference_tally(model: NetworkModel, degree: np.ndarray) -> tuple[int, ...]:
    """WeekOutcome.tally from numpy: status counts, (member, ever) adopters, the most ties."""
    m = model.members
    counts = metrics.status_counts(m)
    holds = (m.adoption == ADOPTED).any(axis=0)
    return (
        counts["prospects"], counts["active"], counts["passive"], counts["lapsed"],
        int(holds.sum()), int((holds & m.is_member()).sum()),
        int((m.adoption != NOT_ADOPTED).any(axis=0).sum()), int(degree.max(initial=0)),
    )  # fmt: skip


def _reference_spread(
    model: NetworkModel,
    view: Any,
    active: np.ndarray,
    member: np.ndarray,
    rule: diffusion.SocialSpreadRule,
    t: int,
) -> int:
    """The numpy formulation of the social model's spreading (as it was before compiling)."""
    m, p, rng = model.members, model.params, model.rng
    contagion = diffusion.ContagionRule(
        complex=rule.complex,
        transmission_probability=rule.transmission_probability,
        threshold_fraction=p.threshold_fraction,
        threshold_count=rule.threshold_count,
        adoption_probability=rule.adoption_probability,
    )
    receiver = m.trust * rule.alignment
    sender = diffusion.sender_weights(m.engagement, m.role)
    boundary = (m.organisation, diffusion.boundary_weights(m.role))
    dated = 0
    for idea in range(p.ideas):
        row = m.adoption[idea]
        holders = row == ADOPTED
        susceptible = (row == NOT_ADOPTED) & active
        new = diffusion.new_adopters(
            view, holders & active, susceptible, contagion, rng,
            sender_weight=sender, receiver_weight=receiver, boundary=boundary,
        )  # fmt: skip
        outside = diffusion.outside_adopters(
            susceptible, rule.outside_influence, rng, receiver_weight=receiver
        )
        if outside.size:
            new = sorted_unique(np.concatenate([new, outside]))
        diffusion.drop(row, holders, rule.recovery_probability, rng)
        leaders = model.leaders[member[model.leaders]]
        if leaders.size:
            holding = float(np.mean(row[leaders] == ADOPTED))
            rate = rule.broadcast_reach * (rule.leadership_presence * holding)
            candidates = np.flatnonzero(susceptible)
            broadcast = candidates[rng.random(candidates.size) < rate]
            new = sorted_unique(np.concatenate([new, broadcast]))
        diffusion.drop(
            row, (m.engagement < rule.passive_below) & holders, rule.abandonment_rate, rng
        )
        row[new] = ADOPTED
        model.adoption_week[idea, new] = t
        dated += new.size
    return dated


def _run(params: Parameters, seed: int, weeks: int, reference: bool) -> NetworkModel:
    model = NetworkModel(params, rng=seed)
    if reference:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(network_model, "social_week", _reference_week(model))
            model.run(weeks)
    else:
        model.run(weeks)
    return model


def _assert_same(a: NetworkModel, b: NetworkModel) -> None:
    pd.testing.assert_frame_equal(a.table(), b.table(), check_exact=True)
    for field in ("status", "engagement", "trust", "perceived_value", "role", "joined_step"):
        np.testing.assert_array_equal(getattr(a.members, field), getattr(b.members, field))
    np.testing.assert_array_equal(a.members.adoption, b.members.adoption)
    np.testing.assert_array_equal(a.adoption_week, b.adoption_week)
    for field in ("strength", "last_used", "formed_step"):
        np.testing.assert_array_equal(getattr(a.ties, field), getattr(b.ties, field))
    assert a.rng.bit_generator.state == b.rng.bit_generator.state


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"ideas": 3, "contagion": "complex", "threshold_fraction": 0.2},
        {"membership_policy": "refresh", "outside_influence": 0.01, "recovery_probability": 0.05},
        {"events_per_year": 52.0, "leadership_style": "hierarchical", "hierarchy_broadcast": 0.2},
    ],
)
def test_the_compiled_week_is_the_mechanisms_week(overrides: dict[str, Any]) -> None:
    params = Parameters(eligible_population=300, **overrides)
    _assert_same(_run(params, 3, 60, reference=False), _run(params, 3, 60, reference=True))


@settings(max_examples=8, deadline=None)
@given(
    seed=st.integers(0, 2**31),
    population=st.integers(40, 400),
    exchange_rate=st.floats(0.0, 1.0),
    proactive=st.floats(0.0, 1.0),
    spread=st.floats(0.0, 0.3),
    transmission=st.floats(0.0, 1.0),
)
def test_the_compiled_week_matches_for_any_levers(
    seed: int,
    population: int,
    exchange_rate: float,
    proactive: float,
    spread: float,
    transmission: float,
) -> None:
    params = Parameters(
        eligible_population=population,
        exchange_rate=exchange_rate,
        proactive_recruitment=proactive,
        attribute_spread=spread,
        transmission_probability=transmission,
    )
    _assert_same(_run(params, seed, 30, reference=False), _run(params, seed, 30, reference=True))


def test_a_scheduled_event_is_held_without_a_draw_for_a_funded_one() -> None:
    """An event on the timeline takes the week's event slot: no funded-event draw is made."""
    params = Parameters(eligible_population=200, events_per_year=0.0).replace(
        timeline=({"step": 5, "action": "event", "amount": 0.8},)
    )
    model = _run(params, 1, 8, reference=False)
    assert model.table()["event"].tolist() == [0, 0, 0, 0, 0, 1, 0, 0, 0]
    _assert_same(model, _run(params, 1, 8, reference=True))
