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
performance-management intensity (:mod:`netsim.levers`), held_i = share of
the ideas member i holds, and reach = min(1,
0.25 N / members): leaders can nurture about a quarter of the eligible
population, so facilitation thins as a network outgrows its leaders.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from netsim.state import MemberArrays

# np.clip's own ufunc (what np.clip calls for two finite bounds), without its Python wrappers
_clip = getattr(getattr(np, "_core", None), "umath", np).clip

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
    idx = member_mask.nonzero()[0]
    if idx.size == 0:
        return
    n_members = idx.size
    e = members.engagement[idx]
    t = members.trust[idx]
    p = members.perceived_value[idx]
    # counts stay integers: each product below converts them to float64 exactly as an
    # explicit astype would, without the extra pass
    rec = reciprocated[idx].astype(np.float64)
    np.minimum(rec, 3.0, out=rec)  # min(count, 3), exact in floats
    una = unanswered[idx]
    # v for active members, v/2 for passive ones (np.where's values, picked by a 0/1 index)
    felt_value = np.array([inputs.value * PASSIVE_VALUE_SHARE, inputs.value]).take(
        active_mask[idx].view(np.uint8)
    )

    # The equations are evaluated in place into a few reused buffers (fewer passes over
    # memory at 100k members); every product and sum is the same IEEE operation, in the
    # same order, as the formulas in the module docstring written out term by term.
    # Terms that are zero for everyone this step (no event held, no performance
    # management, no champions) are skipped: adding or subtracting +0.0 leaves every
    # value as it is (no term here can be -0.0).
    tmp = np.multiply(rec, 0.5)
    tmp += felt_value
    realised = np.minimum(tmp, 1.0, out=tmp)  # min(1, v + 0.5 rec)
    realised -= p
    realised *= PERCEIVED_VALUE_RATE
    p += realised

    reach = min(1.0, NURTURE_SPAN * members.size / n_members)
    fatigue = inputs.fatigue * (1.0 - HEADSPACE_RELIEF * inputs.headspace) * inputs.attention_load
    champion = members.champion
    if champion.any():
        fatigue_i = np.where(champion[idx], fatigue * CHAMPION_FATIGUE, fatigue)
    else:
        fatigue_i = fatigue
    # disappointment = 0.08 * max(0, 0.6 x - p)
    disappointment = np.subtract(EXPECTATION_SCALE * inputs.expectations, p)
    np.maximum(disappointment, 0.0, out=disappointment)
    disappointment *= DISAPPOINTMENT_RATE

    # gain = a v (0.5 + 0.5 t) + g rec + nurture + 0.05 att + idea value x held
    gain = np.multiply(felt_value, inputs.network_effect_strength)
    np.multiply(t, 0.5, out=tmp)
    tmp += 0.5
    gain *= tmp
    np.multiply(rec, inputs.exchange_gain, out=tmp)
    gain += tmp
    gain += NURTURE_RATE * inputs.facilitation * reach
    att = None if attended is None else attended[idx]
    if att is not None:
        np.multiply(att, EVENT_ENGAGEMENT_GAIN, out=tmp)
        gain += tmp
    np.multiply(ideas_held[idx], IDEA_VALUE * inputs.alignment, out=tmp)
    gain += tmp
    # de = (1 - e) gain - fatigue - disappointment - 0.5 c una - pm cost
    de = gain
    np.subtract(1.0, e, out=tmp)
    de *= tmp
    de -= fatigue_i
    de -= disappointment
    np.multiply(una, 0.5 * inputs.unanswered_cost, out=tmp)
    de -= tmp
    pm = inputs.performance_management
    if pm != 0.0:
        de -= PM_ENGAGEMENT_COST * pm
    # dt = 0.5 g rec - c una + 0.03 att - pm cost
    dt = np.multiply(rec, 0.5 * inputs.exchange_gain)
    np.multiply(una, inputs.unanswered_cost, out=tmp)
    dt -= tmp
    if att is not None:
        np.multiply(att, EVENT_TRUST_GAIN, out=tmp)
        dt += tmp
    if pm != 0.0:
        dt -= PM_TRUST_COST * pm

    e += de
    t += dt
    members.engagement[idx] = _clip(e, 0.0, 1.0, out=e)
    members.trust[idx] = _clip(t, 0.0, 1.0, out=t)
    members.perceived_value[idx] = _clip(p, 0.0, 1.0, out=p)
