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

from netsim.config.parameters import Parameters

STYLE_LEADER_DEPENDENCE = {"distributed": 0.15, "figurehead": 0.7, "hierarchical": 0.9}
"""Share of facilitation that rests on the named leader(s) and goes when they leave.

Distributed leadership spreads facilitation over many coordinators; a figurehead
"coexists with more distributed leadership" (London stroke model) [THF]; a
hierarchy hangs on its head. Source: [THF] leadership; [deck] 'systems leaders
don't get distracted'.
"""

STYLE_PERFORMANCE_MANAGEMENT = {"distributed": 0.0, "figurehead": 0.0, "hierarchical": 0.6}
"""Performance-management intensity that comes with each style (0-1).

Source: [THF] 'If you try to performance-manage or be dictatorial, people will
vote with their feet'; [brief] networks 'fail if they are performance managed
as a hierarchy'.
"""

ATTENTION_CAPACITY = 3.0
"""Priorities members can attend to before attention splits.

Source: [blog] 'expecting to cope with more than two or three areas of focus is
probably unrealistic'.
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
        and survives without money. Range [0, 1].
        """
        return (
            self.params.facilitation_capacity
            * self.leadership_presence
            * (0.25 + 0.75 * self.funding(step))
        )

    @property
    def priorities(self) -> int:
        return self.params.priorities + self.extra_priorities

    @property
    def focus(self) -> float:
        """Attention each priority gets: min(1, 3 / priorities). Source: [blog] baubles."""
        return min(1.0, ATTENTION_CAPACITY / self.priorities)

    @property
    def alignment(self) -> float:
        """Common purpose felt by members: clarity x focus, in [0, 1]. Source: [THF] the axle."""
        return self.params.purpose_clarity * self.focus

    @property
    def attention_load(self) -> float:
        """Fatigue multiplier from competing priorities: 0.5 + 0.5 / focus (1 when focused)."""
        return 0.5 + 0.5 / self.focus

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

    def leader_leaves(self, amount: float) -> float:
        """Apply a departure; returns the share of leadership capacity lost."""
        loss = STYLE_LEADER_DEPENDENCE[self.params.leadership_style] * amount
        self.leadership_presence = max(0.0, self.leadership_presence - loss)
        return loss
