"""How members' engagement, trust and sense of value change each step.

Engagement rises with value received (network value, reciprocated exchanges,
events, facilitators' nurturing, ideas that work), with diminishing returns as
it nears 1 (the headroom factor 1 - e), and falls with fatigue, disappointment,
unanswered requests and performance management. Trust rises with reciprocated
exchanges and shared events and falls with unanswered requests and performance
management. All quantities are levels in [0, 1]; all changes are per weekly step.

The equations (for a member i with engagement e, trust t, perceived value p;
passive members feel only PASSIVE_VALUE_SHARE of the network value v):

    v      = alignment * s^2 / (s^2 + s_c^2)                 network value, s = active share
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
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from netsim.model.compiled import kernel
from netsim.model.state import MemberArrays

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


def network_value(active_share: float, critical_mass_share: float, alignment: float) -> float:
    """Value of membership v in [0, 1]: alignment x s^2 / (s^2 + s_c^2).

    A Hill curve in the active share s of the eligible population, half its
    maximum at the critical mass s_c (the seeds' one third). Its S shape makes
    growth self-reinforcing once a network nears s_c and weak before: the
    accelerating production function of the theory of critical mass (Oliver,
    Marwell & Teixeira 1985). Source: [THF] 'the benefit to members increases as
    the network expands'; 'most influential if its membership captures a third
    of the eligible population'.
    """
    s2 = active_share * active_share
    return alignment * s2 / (s2 + critical_mass_share * critical_mass_share)


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
    member_count = int(np.count_nonzero(member_mask))
    if member_count == 0:
        return
    reach = min(1.0, NURTURE_SPAN * members.size / member_count)
    fatigue = inputs.fatigue * (1.0 - HEADSPACE_RELIEF * inputs.headspace) * inputs.attention_load
    pm = inputs.performance_management
    _update_members(
        member_mask,
        active_mask,
        members.champion,
        members.engagement,
        members.trust,
        members.perceived_value,
        reciprocated,
        unanswered,
        _NOBODY if attended is None else attended,
        attended is not None,
        ideas_held,
        inputs.value,
        inputs.value * PASSIVE_VALUE_SHARE,
        inputs.network_effect_strength,
        inputs.exchange_gain,
        0.5 * inputs.exchange_gain,
        inputs.unanswered_cost,
        0.5 * inputs.unanswered_cost,
        NURTURE_RATE * inputs.facilitation * reach,
        fatigue,
        fatigue * CHAMPION_FATIGUE,
        EXPECTATION_SCALE * inputs.expectations,
        IDEA_VALUE * inputs.alignment,
        pm != 0.0,
        PM_ENGAGEMENT_COST * pm,
        PM_TRUST_COST * pm,
    )


_NOBODY = np.zeros(0, np.int64)
"""The attendance passed when no event was held (never read)."""


@kernel
def _update_members(
    member_mask: np.ndarray,
    active_mask: np.ndarray,
    champion: np.ndarray,
    engagement: np.ndarray,
    trust: np.ndarray,
    perceived_value: np.ndarray,
    reciprocated: np.ndarray,
    unanswered: np.ndarray,
    attended: np.ndarray,
    event_held: bool,
    ideas_held: np.ndarray,
    value: float,
    passive_value: float,
    network_effect_strength: float,
    exchange_gain: float,
    trust_exchange_gain: float,
    unanswered_cost: float,
    engagement_unanswered_cost: float,
    nurture: float,
    fatigue: float,
    champion_fatigue: float,
    expectation_floor: float,
    idea_gain: float,
    performance_managed: bool,
    pm_engagement_cost: float,
    pm_trust_cost: float,
) -> None:
    """The module's equations for each member, in place, clipped to [0, 1].

    Term by term in the docstring's order (the same IEEE operations as the numpy
    formulation this replaced); terms that are zero for everyone (no event held, no
    performance management) are left out, as adding +0.0 changes nothing.
    """
    for i in range(member_mask.size):
        if not member_mask[i]:
            continue
        e = engagement[i]
        t = trust[i]
        p = perceived_value[i]
        rec = float(reciprocated[i])
        if rec > 3.0:
            rec = 3.0
        una = float(unanswered[i])
        felt = value if active_mask[i] else passive_value

        realised = rec * 0.5 + felt
        if realised > 1.0:
            realised = 1.0
        p = p + (realised - p) * PERCEIVED_VALUE_RATE

        disappointment = expectation_floor - p
        if not disappointment > 0.0:
            disappointment = 0.0
        disappointment = disappointment * DISAPPOINTMENT_RATE

        gain = felt * network_effect_strength * (t * 0.5 + 0.5)
        gain = gain + rec * exchange_gain
        gain = gain + nurture
        if event_held:
            gain = gain + float(attended[i]) * EVENT_ENGAGEMENT_GAIN
        gain = gain + ideas_held[i] * idea_gain  # a bool reads as 0 or 1

        de = gain * (1.0 - e)
        de = de - (champion_fatigue if champion[i] else fatigue)
        de = de - disappointment
        de = de - una * engagement_unanswered_cost
        if performance_managed:
            de = de - pm_engagement_cost

        dt = rec * trust_exchange_gain
        dt = dt - una * unanswered_cost
        if event_held:
            dt = dt + float(attended[i]) * EVENT_TRUST_GAIN
        if performance_managed:
            dt = dt - pm_trust_cost

        engagement[i] = _clip01(e + de)
        trust[i] = _clip01(t + dt)
        perceived_value[i] = _clip01(p)


@kernel
def _clip01(x: float) -> float:
    """numpy's clip to [0, 1] for a number (max with 0 first: -0.0 becomes 0.0)."""
    x = x if x > 0.0 else 0.0
    return x if x < 1.0 else 1.0
