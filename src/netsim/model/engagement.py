"""How members' engagement, trust and sense of value change each step.

Engagement rises with value received (network value, reciprocated exchanges,
events, facilitators' nurturing, ideas that work), with diminishing returns as
it nears 1 (the headroom factor 1 - e), and falls with fatigue, disappointment,
unanswered requests and performance management. Trust rises with reciprocated
exchanges and shared events and falls with unanswered requests and performance
management. All quantities are levels in [0, 1]; all changes are per weekly step.

The equations (for a member i with engagement e, trust t, perceived value p;
passive members feel only PASSIVE_VALUE_SHARE of the network value v):

    v      = alignment * s                                   network value, s = active share
    r_i    = min(1, v + 0.5 * reciprocated_i)                 value realised this step
    p_i   <- p_i + 0.05 * (r_i - p_i)                         perceived value (slow average)
    de_i   = (1 - e) * [ a * v * (0.5 + 0.5 t)                network effect
                       + g * min(reciprocated_i, 3)           exchanges
                       + 0.02 * F * reach                      facilitation (nurturing)
                       + 0.05 * attended_i                     events
                       + 0.005 * alignment * held_i ]          improvements that work
           - k * (1 - 0.6 h) * load * (1/2 if champion)       fatigue
           - 0.08 * max(0, 0.6 * expectations - p_i)           disappointment
           - 0.5 * c * unanswered_i                            rebuffs
           - 0.015 * pm                                        performance management
    dt_i   = 0.5 g * min(reciprocated_i, 3) - c * unanswered_i + 0.03 * attended_i - 0.01 * pm

with a = network_effect_strength, g = exchange_gain, c = unanswered_cost,
k = fatigue, F = facilitation, h = head-space, load = attention load, pm =
performance-management intensity (:mod:`netsim.model.levers`), held_i = share of
the ideas member i holds, and reach = min(1,
0.25 N / members): leaders can nurture about a quarter of the eligible
population, so facilitation thins as a network outgrows its leaders.

The step's coefficients (every product of levers and constants above) are worked out
once a step into an :class:`EngagementRule`; the compiled kernel then applies, member
by member, the terms as the rules below state them (:func:`perceived_value_after`,
:func:`disappointment`, :func:`engagement_gain`, :func:`engagement_change`,
:func:`trust_change`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from netsim.model.compiled import kernel, packed
from netsim.model.state import MemberArrays, MemberView

PERCEIVED_VALUE_RATE = 0.05
DISAPPOINTMENT_RATE = 0.08
EXPECTATION_SCALE = 0.6
NURTURE_RATE = 0.02
NURTURE_SPAN = 0.25
EVENT_ENGAGEMENT_GAIN = 0.05
EVENT_TRUST_GAIN = 0.03
PM_ENGAGEMENT_COST = 0.015
PM_TRUST_COST = 0.01
HEADSPACE_RELIEF = 0.6
CHAMPION_FATIGUE = 0.5
IDEA_VALUE = 0.005
"""Engagement per step from holding improvement ideas that work (scaled by alignment).

Source: [THF] 'critical mass encourages people to adopt improvement measures';
collective intelligence 'increasing its value for members'.
"""
PASSIVE_VALUE_SHARE = 0.5
"""Passive members feel half the network's value: they are in it, but barely."""


def network_value(active_share: float, alignment: float) -> float:
    """Value of membership v in [0, 1]: alignment x s, s the active share of the eligible.

    Each active member can be asked, learnt from and worked with, so a member's access
    to 'others with shared interests, pooled knowledge' grows in proportion to the
    active network (Metcalfe's per-member value). No constant places a tipping point:
    growth turns self-sustaining where this value, with exchanges, events and
    facilitation, outweighs fatigue and disappointment for the typical member, and the
    model finds that share itself (docs/findings.md measures it against the seeds'
    one third, which stays a reference line). Source: [THF] 'as membership grows, so
    does members' access to others with shared interests, pooled knowledge'; 'the
    benefit to members increases as the network expands'.
    """
    return alignment * active_share


@dataclass(frozen=True, slots=True)
class EngagementInputs:
    """The step's scalar levers for the engagement rules (see module docstring)."""

    value: float
    alignment: float
    facilitation: float
    headspace: float
    attention_load: float
    performance_management: float
    expectations: float
    network_effect_strength: float
    exchange_gain: float
    unanswered_cost: float
    fatigue: float


class EngagementRule(NamedTuple):
    """The step's coefficients of the equations above, worked out once for everyone."""

    value: float
    """v, the network value active members feel."""
    passive_value: float
    """v x PASSIVE_VALUE_SHARE."""
    network_effect_strength: float
    """a."""
    exchange_gain: float
    """g."""
    trust_exchange_gain: float
    """0.5 g."""
    unanswered_cost: float
    """c (trust)."""
    engagement_unanswered_cost: float
    """0.5 c (engagement)."""
    nurture: float
    """NURTURE_RATE x F x reach."""
    fatigue: float
    """k (1 - HEADSPACE_RELIEF h) load."""
    champion_fatigue: float
    """fatigue x CHAMPION_FATIGUE."""
    expectation_floor: float
    """EXPECTATION_SCALE x expectations."""
    idea_gain: float
    """IDEA_VALUE x alignment."""
    event_held: bool
    """Whether an event was held (else its terms are left out: nobody attended)."""
    performance_managed: bool
    """Whether pm != 0 (else its terms are left out)."""
    pm_engagement_cost: float
    """PM_ENGAGEMENT_COST x pm."""
    pm_trust_cost: float
    """PM_TRUST_COST x pm."""


class Experience(NamedTuple):
    """What each person met this step (arrays of length N)."""

    reciprocated: np.ndarray
    """Reciprocated exchanges they took part in."""
    unanswered: np.ndarray
    """Their requests that went unanswered."""
    attended: np.ndarray
    """1 if they attended the step's event (read only if one was held)."""
    ideas_held: np.ndarray
    """The share of the ideas they hold (a bool reads as 0 or 1)."""


def update_engagement_and_trust(
    members: MemberArrays,
    member_mask: np.ndarray,
    active_mask: np.ndarray,
    reciprocated: np.ndarray,
    unanswered: np.ndarray,
    attended: np.ndarray | None,
    ideas_held: np.ndarray,
    inputs: EngagementInputs,
) -> None:
    """Apply one step of the engagement and trust equations to members (in place, clipped).

    ``ideas_held`` is, per person, the share of ideas they currently hold (a boolean
    array reads as 0 or 1: the share of a single idea). ``attended`` None means no
    event was held (nobody attended).
    """
    held = attended is not None
    rule = step_rule(inputs, 1.0, event_held=held)
    experience = Experience(
        reciprocated, unanswered, _NOBODY if attended is None else attended, ideas_held
    )
    engage(member_mask, active_mask, members.packed(), packed(experience), packed(rule), held)


@kernel
def engage(
    member_mask: np.ndarray,
    active_mask: np.ndarray,
    members: MemberView,
    experience: Experience,
    rule: EngagementRule,
    event_held: bool,
) -> None:
    """The week's equations for every member, given the rule at reach 1 (step_rule).

    The facilitation ``reach`` = min(1, NURTURE_SPAN N / members) thins the nurturing
    term (``rule.nurture`` x reach, the same product step_rule takes); ``event_held``
    says whether the attendance counts. Nobody is changed when there are no members.
    """
    rule = EngagementRule(*rule)  # named again (compiled.packed)
    member_count = np.count_nonzero(member_mask)
    if member_count == 0:
        return
    reach = min(1.0, NURTURE_SPAN * member_mask.size / member_count)
    rule = EngagementRule(
        rule.value,
        rule.passive_value,
        rule.network_effect_strength,
        rule.exchange_gain,
        rule.trust_exchange_gain,
        rule.unanswered_cost,
        rule.engagement_unanswered_cost,
        rule.nurture * reach,
        rule.fatigue,
        rule.champion_fatigue,
        rule.expectation_floor,
        rule.idea_gain,
        event_held,
        rule.performance_managed,
        rule.pm_engagement_cost,
        rule.pm_trust_cost,
    )
    _update_members(member_mask, active_mask, members, experience, rule)


def step_rule(inputs: EngagementInputs, reach: float, *, event_held: bool) -> EngagementRule:
    """The step's coefficients from its levers and the facilitation ``reach`` (engage takes 1)."""
    fatigue = inputs.fatigue * (1.0 - HEADSPACE_RELIEF * inputs.headspace) * inputs.attention_load
    pm = inputs.performance_management
    return EngagementRule(
        value=inputs.value,
        passive_value=inputs.value * PASSIVE_VALUE_SHARE,
        network_effect_strength=inputs.network_effect_strength,
        exchange_gain=inputs.exchange_gain,
        trust_exchange_gain=0.5 * inputs.exchange_gain,
        unanswered_cost=inputs.unanswered_cost,
        engagement_unanswered_cost=0.5 * inputs.unanswered_cost,
        nurture=NURTURE_RATE * inputs.facilitation * reach,
        fatigue=fatigue,
        champion_fatigue=fatigue * CHAMPION_FATIGUE,
        expectation_floor=EXPECTATION_SCALE * inputs.expectations,
        idea_gain=IDEA_VALUE * inputs.alignment,
        event_held=event_held,
        performance_managed=pm != 0.0,
        pm_engagement_cost=PM_ENGAGEMENT_COST * pm,
        pm_trust_cost=PM_TRUST_COST * pm,
    )


_NOBODY = np.zeros(0, np.int64)
"""The attendance passed when no event was held (never read)."""


@kernel
def perceived_value_after(p: float, rec: float, felt: float) -> float:
    """p + 0.05 (r - p): perceived value moves towards r = min(1, felt + 0.5 rec)."""
    realised = rec * 0.5 + felt
    if realised > 1.0:
        realised = 1.0
    return p + (realised - p) * PERCEIVED_VALUE_RATE


@kernel
def disappointment(p: float, rule: EngagementRule) -> float:
    """0.08 max(0, 0.6 expectations - p): engagement lost to unmet expectations."""
    shortfall = rule.expectation_floor - p
    if not shortfall > 0.0:
        shortfall = 0.0
    return shortfall * DISAPPOINTMENT_RATE


@kernel
def engagement_gain(
    felt: float, t: float, rec: float, att: float, held: float, rule: EngagementRule
) -> float:
    """The bracket of de: a v (0.5 + 0.5 t) + g rec + nurture + 0.05 att + idea value x held."""
    gain = felt * rule.network_effect_strength * (t * 0.5 + 0.5)
    gain = gain + rec * rule.exchange_gain
    gain = gain + rule.nurture
    if rule.event_held:
        gain = gain + att * EVENT_ENGAGEMENT_GAIN
    return gain + held * rule.idea_gain  # a bool reads as 0 or 1


@kernel
def engagement_change(
    e: float, gain: float, fatigue: float, lost: float, una: float, rule: EngagementRule
) -> float:
    """de = (1 - e) gain - fatigue - disappointment (``lost``) - 0.5 c una - pm cost."""
    de = gain * (1.0 - e)
    de = de - fatigue
    de = de - lost
    de = de - una * rule.engagement_unanswered_cost
    if rule.performance_managed:
        de = de - rule.pm_engagement_cost
    return de


@kernel
def trust_change(rec: float, una: float, att: float, rule: EngagementRule) -> float:
    """dt = 0.5 g rec - c una + 0.03 att - pm cost."""
    dt = rec * rule.trust_exchange_gain
    dt = dt - una * rule.unanswered_cost
    if rule.event_held:
        dt = dt + att * EVENT_TRUST_GAIN
    if rule.performance_managed:
        dt = dt - rule.pm_trust_cost
    return dt


@kernel
def _update_members(
    member_mask: np.ndarray,
    active_mask: np.ndarray,
    members: MemberView,
    experience: Experience,
    rule: EngagementRule,
) -> None:
    """The module's equations for each member, in place, clipped to [0, 1].

    Term by term in the docstring's order (the same IEEE operations as the numpy
    formulation this replaced); terms that are zero for everyone (no event held, no
    performance management) are left out, as adding +0.0 changes nothing.
    """
    members, experience = MemberView(*members), Experience(*experience)  # (compiled.packed)
    rule = EngagementRule(*rule)
    for i in range(member_mask.size):
        if not member_mask[i]:
            continue
        e = members.engagement[i]
        t = members.trust[i]
        rec = float(experience.reciprocated[i])
        if rec > 3.0:
            rec = 3.0
        una = float(experience.unanswered[i])
        att = float(experience.attended[i]) if rule.event_held else 0.0
        felt = rule.value if active_mask[i] else rule.passive_value
        fatigue = rule.champion_fatigue if members.champion[i] else rule.fatigue

        p = perceived_value_after(members.perceived_value[i], rec, felt)
        gain = engagement_gain(felt, t, rec, att, experience.ideas_held[i], rule)
        de = engagement_change(e, gain, fatigue, disappointment(p, rule), una, rule)
        dt = trust_change(rec, una, att, rule)

        members.engagement[i] = _clip01(e + de)
        members.trust[i] = _clip01(t + dt)
        members.perceived_value[i] = _clip01(p)


@kernel
def _clip01(x: float) -> float:
    """numpy's clip to [0, 1] for a number (max with 0 first: -0.0 becomes 0.0)."""
    x = x if x > 0.0 else 0.0
    return x if x < 1.0 else 1.0
