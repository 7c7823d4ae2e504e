"""The three scenario families (leadership, funding, purpose) as per-step levers.

Parameters say what a scenario intends; the timeline changes it at given steps
(a leader leaves, funding is cut, a priority is added). :class:`Levers` holds the
running state of those choices and turns it into the handful of numbers that the
mechanisms in :mod:`netsim.model.network`, :mod:`netsim.model.engagement` and
:mod:`netsim.model.diffusion` read each step. Every formula is documented where it is
computed so a reader can criticise it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from netsim.config.parameters import Parameters
from netsim.model.state import ACTIVE, PASSIVE

STYLE_PRINCIPAL_SHARE = {"distributed": None, "figurehead": 0.7, "hierarchical": 0.9}
"""Share of the network's leadership that the principal leader supplies, by style.

The rest is split evenly among the other leaders; None: every lead supplies an equal
share (distributed leadership spreads facilitation over many coordinators). A
figurehead "coexists with more distributed leadership" (London stroke model) [THF]; a
hierarchy hangs on its head. Leaders are members (:func:`leadership_presence`): what a
leader supplies goes with them when they lapse or leave. Source: [THF] leadership;
[blog] 'over-reliance on the energy of a small number of people'; [deck] 'systems
leaders don't get distracted'.
"""

STYLE_SUCCESSION = {"distributed": True, "figurehead": True, "hierarchical": False}
"""Whether peers step up when a lead goes: their share passes to an engaged tie partner.

Distributed leadership survives because many people lead and anyone may take a lead
on; under a figurehead the distributed leads are renewed this way, the figurehead is
not; a hierarchy's posts wait for an appointment that the model does not make.
Source: [THF] distributed leadership and 'leaders as facilitators'.
"""

STYLE_VERTICAL_REACH = {"distributed": 0.2, "figurehead": 0.5, "hierarchical": 1.0}
"""How far codified information cascades down vertical ties under each style (0-1).

A hierarchy's line management reaches everyone; a figurehead's bulletins half as well;
a facilitative network's newsletters and leads a fifth. Source: DOMAIN 'vertical ties
cascade codified information', so leadership style changes how ideas travel.
"""

LEADER_PRESENCE = {"active": 1.0, "passive": 0.5}
"""How much of their share a leader supplies: all while active, half while passive,
none once lapsed or gone."""

STYLE_PERFORMANCE_MANAGEMENT = {"distributed": 0.0, "figurehead": 0.0, "hierarchical": 0.6}
"""Performance-management intensity that comes with each style (0-1).

Source: [THF] 'If you try to performance-manage or be dictatorial, people will
vote with their feet'; [brief] networks 'fail if they are performance managed
as a hierarchy'.
"""

PRIORITY_COST = 0.25
"""Attention lost to each priority beyond the first: focus = 1 / (1 + 0.25 (P - 1)).

Graded, not a cliff: every extra 'bauble on the Christmas tree' splits attention a
little more (P = 1: 1, 2: 0.8, 3: 0.67, 4: 0.57, 6: 0.44). Source: [blog] 'expecting
to cope with more than two or three areas of focus is probably unrealistic'.
"""


@dataclass(slots=True)
class Levers:
    """Running scenario state; ``at_step`` applies the schedule and returns nothing."""

    params: Parameters
    leadership_presence: float = 1.0
    funding_override: float | None = None
    extra_priorities: int = 0

    def funding(self, step: int) -> float:
        """Funding level f(t) in [0, 1]: start-up level, then sustained, unless cut/set.

        Source: [deck] 'start-up funding to generate head-space'; [THF] funding periods.
        """
        if self.funding_override is not None:
            return self.funding_override
        p = self.params
        return p.startup_funding if step <= p.startup_weeks else p.sustained_funding

    def facilitation(self, step: int) -> float:
        """Facilitation effort F(t) = capacity x leadership presence x (0.25 + 0.75 f(t)).

        Funding buys facilitators' time; a quarter of the effort is volunteered
        and survives without money. The presence is supplied by the leaders who are
        still members (set each step by the model, :func:`leadership_presence`).
        Range [0, 1].
        """
        return (
            self.params.facilitation_capacity
            * self.leadership_presence
            * (0.25 + 0.75 * self.funding(step))
        )

    def funding_stretches(self, first: int, weeks: int) -> list[tuple[int, int]]:
        """(first step, weeks) of each stretch of steps ``first`` .. ``first + weeks - 1``
        over which :meth:`funding` cannot change: the start-up weeks, then the rest (one
        stretch under an override). A run's rows take funding and facilitation a stretch
        at a time (contagion mode, where nothing changes the funding within a run)."""
        if self.funding_override is not None:
            return [(first, weeks)] if weeks > 0 else []
        startup = min(max(self.params.startup_weeks - first + 1, 0), max(weeks, 0))
        return [
            (start, size)
            for start, size in ((first, startup), (first + startup, weeks - startup))
            if size > 0
        ]

    def funding_weeks(self, first: int, weeks: int) -> list[float]:
        """:meth:`funding` at steps ``first`` .. ``first + weeks - 1``, in one list."""
        out: list[float] = []
        for start, size in self.funding_stretches(first, weeks):
            out += [self.funding(start)] * size
        return out

    def facilitation_weeks(self, first: int, weeks: int) -> list[float]:
        """:meth:`facilitation` at steps ``first`` .. ``first + weeks - 1``, in one list
        (it depends on the step only through :meth:`funding`)."""
        out: list[float] = []
        for start, size in self.funding_stretches(first, weeks):
            out += [self.facilitation(start)] * size
        return out

    @property
    def priorities(self) -> int:
        return self.params.priorities + self.extra_priorities

    @property
    def focus(self) -> float:
        """Attention the network's purpose gets: 1 / (1 + PRIORITY_COST (P - 1)), in (0, 1]."""
        return 1.0 / (1.0 + PRIORITY_COST * (self.priorities - 1))

    @property
    def alignment(self) -> float:
        """Common purpose felt by members: clarity x focus, in [0, 1]. Source: [THF] the axle."""
        return self.params.purpose_clarity * self.focus

    @property
    def attention_load(self) -> float:
        """Fatigue multiplier from competing priorities: 0.5 + 0.5 / focus (1 at one priority)."""
        return 0.5 + 0.5 / self.focus

    @property
    def vertical_reach(self) -> float:
        """The style's STYLE_VERTICAL_REACH, in [0, 1]."""
        return STYLE_VERTICAL_REACH[self.params.leadership_style]

    @property
    def performance_management(self) -> float:
        """Performance-management intensity in [0, 1]: the style's own plus extra pressure."""
        own = STYLE_PERFORMANCE_MANAGEMENT[self.params.leadership_style]
        return min(1.0, own + self.params.performance_pressure)

    def headspace(self, step: int) -> float:
        """Relief from fatigue in [0, 1]: half dedicated learning time, half funding.

        Source: [deck] 'dedicated time to learning together' and 'start-up
        funding to generate head-space'.
        """
        return 0.5 * self.params.dedicated_learning_time + 0.5 * self.funding(step)

    def event_probability(self, step: int) -> float:
        """Chance of a funded convening event this step: f(t) x events_per_year / 52."""
        return min(1.0, self.funding(step) * self.params.events_per_year / 52.0)


def leadership_shares(style: str, leaders: int) -> np.ndarray:
    """Each leader's share of the leadership (principal first), summing to 1.

    See :data:`STYLE_PRINCIPAL_SHARE`; a lone leader supplies it all.
    """
    if leaders <= 0:
        return np.empty(0)
    principal = STYLE_PRINCIPAL_SHARE[style]
    if principal is None or leaders == 1:
        return np.full(leaders, 1.0 / leaders)
    shares = np.full(leaders, (1.0 - principal) / (leaders - 1))
    shares[0] = principal
    return shares


def leadership_presence(share: np.ndarray, status: np.ndarray) -> float:
    """Leadership supplied now: the sum of leaders' shares, weighted by LEADER_PRESENCE.

    In [0, 1]; 1 while every leader is an active member. Source: [blog] 'over-reliance
    on the energy of a small number of people'.
    """
    active = share[status == ACTIVE].sum()
    passive = share[status == PASSIVE].sum()
    return float(
        min(1.0, active * LEADER_PRESENCE["active"] + passive * LEADER_PRESENCE["passive"])
    )
