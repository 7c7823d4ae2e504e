"""Every model parameter, declared once: default, bounds, unit, meaning and source.

Each field of :class:`Parameters` carries its own metadata (group, bounds, unit,
one-line meaning, the seed idea it comes from). Validation, the scenario-file
schema, CLI help, the documentation table, sweep bounds and the browser view's
sliders are all generated from these declarations, so no default is typed twice.

Seed documents (in ``shared/seeds``) are cited by short keys:

- ``[deck]``   slide deck "Networks for improvement" (typology, what works, network vs hierarchy)
- ``[brief]``  briefing "Contemporary Health Networks"
- ``[blog]``   Kaleidoscope blog "Networks not working? Improving how we improve together" (2017)
- ``[THF]``    Health Foundation learning report "Effective networks for improvement" (2014)
- ``[IJIC]``   Andrew M., "Networking for Improvement", Int J Integr Care 16(6):A372 (2016)
"""

from __future__ import annotations

import copy
import dataclasses
import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import numpy as np

from netsim.config.claims import Claim, helps, hurts, prefers, unclaimed
from netsim.errors import NetsimError, excerpt, suggest
from netsim.numbers import exact

LEADERSHIP_STYLES = ("distributed", "figurehead", "hierarchical")
CONTAGION_KINDS = ("simple", "complex")
MODEL_MODES = ("social", "contagion")
TOPOLOGIES = ("organisations", "erdos_renyi", "watts_strogatz", "ring_lattice")
MEMBERSHIP_POLICIES = ("keep", "refresh")
FILE_ACQUAINTANCES = ("none", "outside_file", "all")
TimelineAction = Literal[
    "leader_leaves",
    "funding_cut",
    "funding_set",
    "priority_added",
    "champions_recruited",
    "event",
    "connectors_leave",
    "spanners_leave",
    "brokers_leave",
    "specialists_leave",
    "members_leave",
]
TIMELINE_ACTIONS: tuple[str, ...] = get_args(TimelineAction)
"""What a timeline entry can do at a given step (see :class:`TimelineEvent`)."""


class ParameterError(NetsimError, ValueError):
    """A parameter value is not allowed. The message names the field, the value and the range."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field_name = field_name
        self.detail = message


@dataclass(frozen=True, slots=True)
class ParameterSpec:
    """The declaration of one parameter (everything but its Python type and default)."""

    group: str
    unit: str
    meaning: str
    source: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] | None = None
    sweepable: bool = True
    slider_step: float | None = None
    claims: Claim | None = None
    """What the seeds claim the lever does (the lever audit tests it); None: no claim
    (run and contagion-mode parameters)."""

    def describe_allowed(self) -> str:
        """A short phrase of what values are allowed, for error messages and docs."""
        if self.choices is not None:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        if self.low is not None and self.high is not None:
            return f"a number from {exact(self.low)} to {exact(self.high)}"
        if self.low is not None:
            return f"a number of at least {exact(self.low)}"
        return "any value"


def param(
    default: Any,
    *,
    group: str,
    unit: str,
    meaning: str,
    source: str,
    low: float | None = None,
    high: float | None = None,
    choices: tuple[str, ...] | None = None,
    sweepable: bool = True,
    slider_step: float | None = None,
    claims: Claim | None = None,
) -> Any:
    """Declare one parameter: a dataclass field whose metadata is its :class:`ParameterSpec`."""
    spec = ParameterSpec(
        group=group,
        unit=unit,
        meaning=meaning,
        source=source,
        low=low,
        high=high,
        choices=choices,
        sweepable=sweepable,
        slider_step=slider_step,
        claims=claims,
    )
    return field(default=default, metadata={"spec": spec})


@dataclass(frozen=True, slots=True)
class TimelineEvent:
    """A shock or intervention applied at the start of step ``step`` (1 = the first step).

    Actions (``amount`` meaning in brackets):
    ``leader_leaves`` (the principal leader, the member supplying most leadership,
    goes at amount 1; 0-1 is the share of their leadership that goes; 0 does nothing),
    ``funding_cut`` (funding falls to this level from this step on, 0-1, never rises;
    the classic cliff is 0), ``funding_set`` (funding becomes this level, up or down),
    ``priority_added`` (number of extra priorities), ``champions_recruited``
    (number of members cultivated as change agents), ``event`` (attendance share, 0-1),
    ``connectors_leave``, ``spanners_leave``, ``brokers_leave``, ``specialists_leave``
    (number of that role's members who leave, those with most ties first: the seeds'
    point that losing a connector or spanner hurts the network [THF roles]),
    ``members_leave`` (that many members drawn at random leave: the control that shows
    a role's loss costs more than the loss of as many people).
    ``leader_leaves``'s amount below 1 is a step back: the leader stays a member and
    supplies that much less of their share.
    Source: [deck] "systems leaders don't get distracted"; [THF] funding and change agents.
    """

    step: int
    action: TimelineAction
    amount: float = 1.0

    def __post_init__(self) -> None:
        if self.action not in TIMELINE_ACTIONS:
            raise ParameterError(
                "timeline.action",
                f"{self.action!r} is not a timeline action; allowed: {', '.join(TIMELINE_ACTIONS)}",
            )
        if (
            isinstance(self.step, bool | np.bool_)
            or not isinstance(self.step, numbers.Integral)
            or self.step < 1
        ):
            raise ParameterError("timeline.step", f"{self.step!r} must be a whole number >= 1")
        if isinstance(self.amount, bool | np.bool_) or not isinstance(self.amount, numbers.Real):
            raise ParameterError("timeline.amount", f"{self.amount!r} must be a number >= 0")
        try:
            amount = float(self.amount)
        except OverflowError:
            amount = math.inf
        if not math.isfinite(amount) or amount < 0:
            raise ParameterError("timeline.amount", f"{self.amount!r} must be a number >= 0")
        if self.action in ("leader_leaves", "funding_cut", "funding_set", "event") and amount > 1:
            raise ParameterError(
                "timeline.amount", f"{self.amount!r} for {self.action} must be from 0 to 1"
            )
        object.__setattr__(self, "amount", amount)
        object.__setattr__(self, "step", int(self.step))


@dataclass(frozen=True, slots=True)
class Parameters:
    """All knobs of one simulation. Frozen: derive variants with :meth:`replace`.

    Time is in steps of one week. Shares, levels and rates are in [0, 1] unless
    stated. Every field is documented by its declaration (see :func:`spec_of`).
    """

    # --- run -----------------------------------------------------------------
    steps: int = param(
        156,
        group="run",
        unit="weeks",
        low=0,
        high=100_000,
        sweepable=False,
        meaning="How many weekly steps to simulate (156 = three years).",
        source="[THF] networks are judged over years, not months",
    )
    mode: str = param(
        "social",
        group="run",
        unit="choice",
        choices=MODEL_MODES,
        sweepable=False,
        meaning="'social': the full model; 'contagion': social dynamics off on a fixed network "
        "(the textbook diffusion models).",
        source="[THF] 'ideas, values and behaviour spread through contagion'",
    )

    # --- network: who could join, and who knows whom -------------------------
    eligible_population: int = param(
        500,
        group="network",
        claims=unclaimed("a size, not a lever: [THF] 'bigger may be better, but not always'"),
        unit="people",
        low=2,
        high=5_000_000,
        meaning="People eligible to join (members and prospects together).",
        source="[THF] critical mass is measured against 'the eligible population'",
    )
    organisations: int = param(
        10,
        group="network",
        claims=unclaimed("the seeds name no direction for how many organisations take part"),
        unit="organisations",
        low=1,
        high=100_000,
        meaning="Organisations the eligible population works in.",
        source="[THF] networks connect people 'irrespective of organisational boundaries'",
    )
    founding_core: int = param(
        12,
        group="network",
        claims=helps(),
        unit="people",
        low=0,
        high=5_000_000,
        meaning="Members at step 0 (the founders), drawn across organisations.",
        source="[THF] building critical mass: networks start from a committed core (modelling "
        "assumption: the seeds name no size)",
    )
    contacts_per_person: float = param(
        10.0,
        group="network",
        claims=helps(),
        unit="contacts",
        low=0.0,
        high=200.0,
        meaning="Mean number of acquaintances each person has (potential ties).",
        source="[IJIC] 'our networks evolve naturally ... through the people we know'; "
        "DOMAIN: connectivity is a critical-mass lever",
    )
    cross_organisation_share: float = param(
        0.25,
        group="network",
        claims=helps(only=("final_adoption", "time_to_50pct"), step=0.15),
        unit="share",
        low=0.0,
        high=1.0,
        meaning="Share of acquaintances who work in another organisation.",
        source="[THF] boundary spanners 'have multiple contacts throughout any organisation'; "
        "influence 'spreads even where links are distant and indirect' (contacts across are "
        "random, long-range ties that shorten paths between organisations; step 0.15: a 25% "
        "step of 0.25 moves too few of them to measure)",
    )
    topology: str = param(
        "organisations",
        group="network",
        unit="choice",
        choices=TOPOLOGIES,
        sweepable=False,
        meaning="How the acquaintance graph is generated: clustered organisations (default), "
        "or a textbook graph for contagion mode.",
        source="Watts & Strogatz 1998; Erdos & Renyi 1959",
    )
    rewiring: float = param(
        0.1,
        group="network",
        claims=unclaimed("a textbook graph knob (Centola & Macy); the seeds name no direction"),
        unit="probability",
        low=0.0,
        high=1.0,
        meaning="Share of lattice contacts rewired at random (clustering vs. reach).",
        source="Centola & Macy 2007: rewiring helps simple and hinders complex contagion",
    )
    network_file: str = param(
        "",
        group="network",
        unit="path",
        sweepable=False,
        meaning="Optional CSV edge list or GraphML of the real member network to start from.",
        source="planners start 'from their own member network' (DOMAIN)",
    )
    network_nodes_file: str = param(
        "",
        group="network",
        unit="path",
        sweepable=False,
        meaning="Optional CSV of node attributes (id, organisation, role, engagement) for a "
        "CSV network_file.",
        source="planners start 'from their own member network' (DOMAIN)",
    )
    acquaintances_beside_file: str = param(
        "none",
        group="network",
        unit="choice",
        choices=FILE_ACQUAINTANCES,
        sweepable=False,
        meaning="With a network_file, which generated acquaintances (topology, "
        "contacts_per_person) are added to its ties: 'none' (the file is the contact "
        "network), 'outside_file' (only pairs with someone outside the file, so the network "
        "can grow past its members), 'all' (also new pairs among the file's members).",
        source="planners start 'from their own member network' (DOMAIN); a supplied "
        "network is used as given",
    )

    # --- members: starting attitudes ----------------------------------------
    initial_engagement: float = param(
        0.6,
        group="members",
        claims=helps(),
        unit="level 0-1",
        low=0.0,
        high=1.0,
        meaning="Mean engagement of a member when they join.",
        source="[deck] 'enthusiasts not delegates'",
    )
    initial_trust: float = param(
        0.5,
        group="members",
        claims=helps(),
        unit="level 0-1",
        low=0.0,
        high=1.0,
        meaning="Mean starting trust; high where there is a history of collaboration.",
        source="[deck] integrated care works 'where there is a history of collaboration'",
    )
    reciprocity: float = param(
        0.6,
        group="members",
        claims=helps(),
        unit="probability",
        low=0.0,
        high=1.0,
        meaning="Mean propensity to answer requests and make offers.",
        source="[deck] 'equal peer relationships based on generosity and reciprocity'",
    )
    attribute_spread: float = param(
        0.15,
        group="members",
        claims=unclaimed("[blog] names reliance on a few as a risk, not a direction in the spread"),
        unit="std. dev.",
        low=0.0,
        high=0.5,
        meaning="Spread of engagement, trust and reciprocity across people (Beta-distributed).",
        source="[blog] 'over-reliance on the energy of a small number of people'",
    )
    dedicated_learning_time: float = param(
        0.3,
        group="members",
        claims=helps(),
        unit="level 0-1",
        low=0.0,
        high=1.0,
        meaning="Protected time for learning together; lowers fatigue.",
        source="[deck] works where 'there is dedicated time to learning together'",
    )

    # --- leadership -----------------------------------------------------------
    leadership_style: str = param(
        "distributed",
        group="leadership",
        claims=prefers("distributed", "figurehead", over="hierarchical"),
        unit="choice",
        choices=LEADERSHIP_STYLES,
        meaning="distributed/facilitative, a figurehead with distributed leads, or "
        "hierarchical/performance-managed.",
        source="[THF] 'if you try to performance-manage or be dictatorial, people will vote "
        "with their feet'; London stroke model",
    )
    facilitation_capacity: float = param(
        0.5,
        group="leadership",
        claims=helps(),
        unit="level 0-1",
        low=0.0,
        high=1.0,
        meaning="Facilitation effort leaders supply (recruiting, brokering, nudging).",
        source="[deck] 'someone that connects and nurtures'",
    )
    change_agents: int = param(
        0,
        group="leadership",
        claims=helps(step=3),
        unit="people",
        low=0,
        high=1_000_000,
        meaning="Committed, well-connected champions cultivated among the founders.",
        source="[THF] step 5: 'cultivate change agents within the membership'",
    )
    performance_pressure: float = param(
        0.0,
        group="leadership",
        claims=hurts(),
        unit="level 0-1",
        low=0.0,
        high=1.0,
        meaning="Extra performance management on top of the style's own (0 = none).",
        source="[brief] networks 'will fail if they are performance managed as a hierarchy'",
    )
    proactive_recruitment: float = param(
        0.5,
        group="leadership",
        claims=helps(),
        unit="level 0-1",
        low=0.0,
        high=1.0,
        meaning="How far leaders search beyond the usual suspects for new members.",
        source="[THF] step 4: 'reach beyond the usual suspects'",
    )
    founding_mandate: float = param(
        0.3,
        group="leadership",
        claims=helps(),
        unit="level 0-1",
        low=0.0,
        high=1.0,
        meaning="Strength of the founding mandate or external sponsorship (raises joining).",
        source="[THF] step 3: 'leverage the founding mandate or external sponsorship'",
    )

    # --- funding ---------------------------------------------------------------
    startup_funding: float = param(
        0.8,
        group="funding",
        claims=helps(),
        unit="level 0-1",
        low=0.0,
        high=1.0,
        meaning="Funding level during start-up (1 = fully funded facilitation and events).",
        source="[deck] works where 'there is some start-up funding to generate head-space'",
    )
    startup_weeks: int = param(
        52,
        group="funding",
        claims=helps(),
        unit="weeks",
        low=0,
        high=100_000,
        meaning="How long start-up funding lasts.",
        source="[THF] 'North West London CLAHRC has core funding for a defined period'",
    )
    sustained_funding: float = param(
        0.4,
        group="funding",
        claims=helps(),
        unit="level 0-1",
        low=0.0,
        high=1.0,
        meaning="Funding level after start-up.",
        source="[THF] 'networks do not run for free'",
    )
    events_per_year: float = param(
        6.0,
        group="funding",
        claims=helps(),
        unit="events/year",
        low=0.0,
        high=52.0,
        meaning="Convening events a year at full funding (fewer as funding falls).",
        source="[THF] 'regular face-to-face events'; [deck] convening",
    )

    # --- purpose ----------------------------------------------------------------
    purpose_clarity: float = param(
        0.7,
        group="purpose",
        claims=helps(),
        unit="level 0-1",
        low=0.0,
        high=1.0,
        meaning="Clarity of the common purpose (the axle of the 5C wheel).",
        source="[THF] 'a clearly defined common purpose'; [IJIC] 'clear and compelling purpose'",
    )
    priorities: int = param(
        2,
        group="purpose",
        claims=hurts(),
        unit="priorities",
        low=1,
        high=50,
        meaning="Areas of focus competing for members' attention.",
        source="[blog] 'more than two or three areas of focus is probably unrealistic'",
    )
    expectations: float = param(
        0.5,
        group="purpose",
        claims=hurts(),
        unit="level 0-1",
        low=0.0,
        high=1.0,
        meaning="Value members are led to expect (0.5 realistic; high breeds disappointment).",
        source="[THF] 'setting expectations too high, generating disappointment'",
    )

    # --- diffusion of ideas -------------------------------------------------------
    ideas: int = param(
        1,
        group="diffusion",
        unit="ideas",
        low=1,
        high=16,
        meaning="Improvement ideas spreading at once.",
        source="[THF] 'ideas, values and behaviour spread through contagion'",
    )
    innovators: int = param(
        3,
        group="diffusion",
        unit="people",
        low=0,
        high=5_000_000,
        meaning="People who hold each idea at step 0: founders first; any beyond the founders "
        "are prospects, who pass it on only once they join.",
        source="Rogers, Diffusion of Innovations: innovators seed adoption",
    )
    contagion: str = param(
        "simple",
        group="diffusion",
        unit="choice",
        choices=CONTAGION_KINDS,
        meaning="'simple': one adopting contact can be enough; 'complex': needs reinforcement.",
        source="Centola & Macy 2007; [THF] contagion 'even where links are distant'",
    )
    transmission_probability: float = param(
        0.3,
        group="diffusion",
        unit="probability/step",
        low=0.0,
        high=1.0,
        meaning="Chance an adopting contact passes an idea on along one tie in one step "
        "(simple contagion), before engagement and trust gating.",
        source="independent cascade model (Kempe, Kleinberg & Tardos 2003)",
    )
    threshold_fraction: float = param(
        0.2,
        group="diffusion",
        unit="share",
        low=0.0,
        high=1.0,
        meaning="Complex contagion: share of a member's ties that must have adopted.",
        source="Watts 2002 threshold model; Granovetter 1978",
    )
    threshold_count: int = param(
        2,
        group="diffusion",
        unit="contacts",
        low=1,
        high=1000,
        meaning="Complex contagion: number of adopting ties needed.",
        source="Centola & Macy 2007",
    )
    adoption_probability: float = param(
        0.3,
        group="diffusion",
        unit="probability/step",
        low=0.0,
        high=1.0,
        meaning="Complex contagion: chance per step of adopting once the threshold is met.",
        source="Watts 2002 (1.0 reproduces the deterministic threshold model)",
    )
    outside_influence: float = param(
        0.0,
        group="diffusion",
        unit="probability/step",
        low=0.0,
        high=1.0,
        meaning="Chance per step that a non-adopter takes an idea up from outside the network "
        "(mass media, a national programme, a conference, an outside expert), whatever their "
        "ties; in social mode only active members, times their trust and the purpose "
        "alignment. 0 = ideas spread only inside the network.",
        source="Bass 1969, the coefficient of innovation p (imitation over ties is q); [IJIC] "
        "national networks supporting 'the national Quality Strategy implementation' and "
        "giving 'access to expert resources'; [THF] 'Networks can help implement national "
        "policy'",
    )
    recovery_probability: float = param(
        0.0,
        group="diffusion",
        unit="probability/step",
        low=0.0,
        high=1.0,
        meaning="Chance per step that an adopter stops (SIR recovery). 1 with contagion mode "
        "gives the one-shot independent cascade.",
        source="Kermack-McKendrick SIR; Newman 2002",
    )
    abandonment_rate: float = param(
        0.02,
        group="diffusion",
        unit="probability/step",
        low=0.0,
        high=1.0,
        meaning="Chance per step that a disengaged adopter drops an idea.",
        source="[blog] 'fizzling out when enthusiasm fades'",
    )
    hierarchy_broadcast: float = param(
        0.01,
        group="diffusion",
        unit="probability/step",
        low=0.0,
        high=1.0,
        meaning="Chance per step a member adopts from codified information cascaded down "
        "vertical ties, in full under hierarchical leadership (a figurehead's half, a "
        "distributed network's a fifth).",
        source="DOMAIN: vertical ties cascade codified information",
    )

    # --- dynamics: how engagement, trust and ties change --------------------------
    critical_mass_share: float = param(
        1 / 3,
        group="dynamics",
        claims=unclaimed("the seeds' one-third mark: a reference for the tip, not a lever"),
        unit="share",
        low=0.01,
        high=1.0,
        meaning="The seeds' one-third mark, as a share of the eligible population: the "
        "reference line of the 5C wheel's critical-mass reading and of the plots. No "
        "mechanism or label reads it; where the model tips emerges (docs/findings.md).",
        source="[THF] 'most influential if its membership captures a third of the eligible "
        "population'",
    )
    network_effect_strength: float = param(
        0.12,
        group="dynamics",
        claims=helps(),
        unit="engagement/step",
        low=0.0,
        high=1.0,
        meaning="Engagement a member gains per step from a network at full value (times the "
        "headroom 1 - engagement).",
        source="[THF] 'the benefit to members increases as the network expands'",
    )
    exchange_rate: float = param(
        0.5,
        group="dynamics",
        claims=helps(),
        unit="requests/step",
        low=0.0,
        high=1.0,
        meaning="Chance per step a fully engaged member makes a request or an offer.",
        source="[deck] 'requests and offers'",
    )
    exchange_gain: float = param(
        0.05,
        group="dynamics",
        claims=helps(),
        unit="engagement",
        low=0.0,
        high=1.0,
        meaning="Engagement and trust gained from a reciprocated exchange.",
        source="[THF] 'members who trust each other are more inclined to share'",
    )
    unanswered_cost: float = param(
        0.02,
        group="dynamics",
        claims=hurts(),
        unit="trust",
        low=0.0,
        high=1.0,
        meaning="Trust lost by a member whose request goes unanswered.",
        source="DOMAIN: 'an unanswered request costs trust'",
    )
    fatigue: float = param(
        0.014,
        group="dynamics",
        claims=hurts(),
        unit="engagement/step",
        low=0.0,
        high=1.0,
        meaning="Engagement lost per step to workload, before head-space relief.",
        source="[blog] 'fizzling out when enthusiasm fades'",
    )
    tie_decay: float = param(
        0.03,
        group="dynamics",
        claims=unclaimed(
            "the seeds pull both ways: effective networks have 'strong relationships and "
            "ties' [deck], yet a network that keeps going back to the same people recruits "
            "only 'the usual suspects' [THF]; in the model faster decay frees members to ask "
            "beyond their circle and grows the network (docs/findings.md, Levers)"
        ),
        unit="strength/step",
        low=0.0,
        high=1.0,
        meaning="Strength an unused tie loses per step; a tie at zero is gone.",
        source="DOMAIN: members 'form and lose ties' (how fast is a modelling assumption); "
        "[deck] effective networks have 'strong relationships and ties'",
    )
    passive_below: float = param(
        0.25,
        group="dynamics",
        claims=unclaimed("where active ends and passive begins: a definition, not a lever"),
        unit="engagement",
        low=0.0,
        high=1.0,
        meaning="Engagement under which an active member turns passive.",
        source="DOMAIN: members 'join, stay active, turn passive, or lapse'",
    )
    lapse_below: float = param(
        0.1,
        group="dynamics",
        claims=unclaimed("where a passive member may lapse: a definition, not a lever"),
        unit="engagement",
        low=0.0,
        high=1.0,
        meaning="Engagement under which a passive member may lapse.",
        source="[THF] 'vote with their feet'",
    )
    lapse_rate: float = param(
        0.1,
        group="dynamics",
        claims=unclaimed("lapsing loses members but clears passive ones, a gain to the seeds"),
        unit="probability/step",
        low=0.0,
        high=1.0,
        meaning="Chance per step that a passive member under lapse_below leaves.",
        source="[THF] 'vote with their feet'",
    )
    join_rate: float = param(
        0.4,
        group="dynamics",
        claims=helps(),
        unit="probability",
        low=0.0,
        high=1.0,
        meaning="Chance a prospect accepts an invitation from a fully valuable network.",
        source="[deck] members join voluntarily: 'enthusiasts not delegates'",
    )
    membership_policy: str = param(
        "keep",
        group="dynamics",
        claims=prefers(
            "refresh",
            over="keep",
            only=("final_adoption", "time_to_50pct"),
            where={"lapse_rate": 0.02},
            condition="passive members linger (lapse_rate 0.02)",
        ),
        unit="choice",
        choices=MEMBERSHIP_POLICIES,
        meaning="'keep' passive members, or 'refresh' membership yearly by pruning them.",
        source="[THF] 'Networks vary in their capacity and willingness to absorb inactive "
        "members. Mutual support networks regularly refresh and update their membership "
        "list to prevent passive members from creating blockages and dead ends in the system'",
    )

    # --- timeline ------------------------------------------------------------------
    timeline: tuple[TimelineEvent, ...] = field(
        default=(),
        metadata={
            "spec": ParameterSpec(
                group="timeline",
                unit="events",
                meaning="Shocks and interventions at given steps (see TimelineEvent).",
                source="[deck] 'systems leaders don't get distracted'",
                sweepable=False,
            )
        },
    )

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            if f.name == "timeline":
                continue
            value = coerce_value(f.name, f.type, getattr(self, f.name), f.metadata["spec"])
            object.__setattr__(self, f.name, value)
        object.__setattr__(self, "timeline", _coerce_timeline(self.timeline))
        self._check_consistency()

    def _check_consistency(self) -> None:
        if self.founding_core > self.eligible_population:
            raise ParameterError(
                "founding_core",
                f"{self.founding_core} is more than eligible_population "
                f"({self.eligible_population})",
            )
        if self.innovators > self.eligible_population:
            raise ParameterError(
                "innovators",
                f"{self.innovators} is more than eligible_population ({self.eligible_population})",
            )
        if self.lapse_below > self.passive_below:
            raise ParameterError(
                "lapse_below",
                f"{self.lapse_below} must not exceed passive_below ({self.passive_below})",
            )
        if self.network_nodes_file and not self.network_file:
            raise ParameterError(
                "network_nodes_file",
                f"{self.network_nodes_file!r} describes the members of a network file, but "
                "network_file is not set; allowed: both, or network_file alone",
            )
        if self.acquaintances_beside_file != "none" and not self.network_file:
            raise ParameterError(
                "acquaintances_beside_file",
                f"{self.acquaintances_beside_file!r} only applies with a network_file; "
                "without one, leave it 'none'",
            )
        for event in self.timeline:
            if event.step > self.steps:
                raise ParameterError(
                    "timeline.step",
                    f"event {event.action!r} at step {event.step} is after the last step "
                    f"({self.steps})",
                )

    def replace(self, **changes: Any) -> Parameters:
        """A copy with some fields changed (validated)."""
        unknown = [k for k in changes if k not in FIELD_NAMES]
        if unknown:
            raise ParameterError(unknown[0], unknown_field_message(unknown[0]))
        if not changes:
            return self
        # this copy was validated when made: coerce only what changes, then re-check the
        # fields that constrain each other (what dataclasses.replace would do, ~10x cheaper
        # for a sweep that builds one copy per run)
        # (in __post_init__'s order, so the first bad value reported is the same)
        new = copy.copy(self)
        for name, type_name in _FIELD_TYPES.items():
            if name in changes and name != "timeline":
                value = coerce_value(name, type_name, changes[name], _FIELD_SPECS[name])
                object.__setattr__(new, name, value)
        if "timeline" in changes:
            object.__setattr__(new, "timeline", _coerce_timeline(changes["timeline"]))
        new._check_consistency()
        return new

    def with_steps(self, steps: int) -> Parameters:
        """A copy that runs ``steps`` steps, dropping timeline events after the new end.

        For shortening a scenario (a quick look, a test); the caller should say
        which events were dropped (see :meth:`events_after`).
        """
        kept = tuple(e for e in self.timeline if e.step <= steps)
        return dataclasses.replace(self, steps=steps, timeline=kept)

    def events_after(self, steps: int) -> tuple[TimelineEvent, ...]:
        """Timeline events that a run of ``steps`` steps would not reach."""
        return tuple(e for e in self.timeline if e.step > steps)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (the timeline as a list of dicts)."""
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        out["timeline"] = [dataclasses.asdict(e) for e in self.timeline]
        return out

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> Parameters:
        """Build from a flat mapping of field names, rejecting unknown names."""
        for key in values:
            if key not in FIELD_NAMES:
                raise ParameterError(key, unknown_field_message(key))
        return cls(**dict(values))


FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(Parameters))
_FIELD_TYPES: dict[str, Any] = {f.name: f.type for f in dataclasses.fields(Parameters)}
_FIELD_SPECS: dict[str, ParameterSpec] = {
    f.name: f.metadata["spec"] for f in dataclasses.fields(Parameters)
}
GROUPS: tuple[str, ...] = (
    "run",
    "network",
    "members",
    "leadership",
    "funding",
    "purpose",
    "diffusion",
    "dynamics",
    "timeline",
)


def spec_of(name: str) -> ParameterSpec:
    """The declaration of parameter ``name``."""
    for f in dataclasses.fields(Parameters):
        if f.name == name:
            return f.metadata["spec"]
    raise ParameterError(name, unknown_field_message(name))


def default_of(name: str) -> Any:
    """The default value of parameter ``name``."""
    for f in dataclasses.fields(Parameters):
        if f.name == name:
            return f.default
    raise ParameterError(name, unknown_field_message(name))


def declarations() -> list[tuple[str, type | str, Any, ParameterSpec]]:
    """(name, type, default, spec) of every parameter, in declaration order."""
    return [(f.name, f.type, f.default, f.metadata["spec"]) for f in dataclasses.fields(Parameters)]


def unknown_field_message(name: str) -> str:
    """'not a parameter' plus a did-you-mean suggestion."""
    return f"is not a parameter{suggest(name, FIELD_NAMES)}"


def coerce_value(name: str, type_name: Any, value: Any, spec: ParameterSpec) -> Any:
    """Check one value against its declaration; return it in its canonical type."""
    type_name = type_name if isinstance(type_name, str) else type_name.__name__
    if type_name == "str":
        if not isinstance(value, str):
            raise ParameterError(
                name, f"{excerpt(value)} must be text; allowed: {spec.describe_allowed()}"
            )
        if spec.choices is not None and value not in spec.choices:
            hint = suggest(value, spec.choices, style="aside")
            raise ParameterError(
                name, f"{excerpt(value)} is not allowed{hint}; allowed: {spec.describe_allowed()}"
            )
        return value
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise ParameterError(
            name, f"{excerpt(value)} must be a number; allowed: {spec.describe_allowed()}"
        )
    if type_name == "int":
        if not isinstance(value, numbers.Integral) and not float(value).is_integer():
            raise ParameterError(
                name, f"{excerpt(value)} must be a whole number; allowed: {spec.describe_allowed()}"
            )
        # numbers.Real declares no __int__, but every Real that reaches here (int, float,
        # numpy and stdlib numbers) has one.
        value = int(value)  # type: ignore[call-overload]
    else:
        try:
            value = float(value)
        except OverflowError:
            value = math.inf
        if not math.isfinite(value):
            raise ParameterError(
                name, f"{excerpt(value)} must be finite; allowed: {spec.describe_allowed()}"
            )
    if (spec.low is not None and value < spec.low) or (spec.high is not None and value > spec.high):
        raise ParameterError(
            name, f"{excerpt(value)} is out of range; allowed: {spec.describe_allowed()}"
        )
    return value


def _coerce_timeline(value: Any) -> tuple[TimelineEvent, ...]:
    if isinstance(value, (Mapping, str | bytes)):
        raise ParameterError("timeline", "must be a list of events")
    try:
        items = list(value)
    except TypeError:
        raise ParameterError("timeline", "must be a list of events") from None
    events: list[TimelineEvent] = []
    for item in items:
        if isinstance(item, TimelineEvent):
            events.append(item)
        elif isinstance(item, Mapping):
            extra = set(item) - {"step", "action", "amount"}
            if extra:
                raise ParameterError(
                    "timeline", f"unknown key {sorted(extra)[0]!r}; allowed: step, action, amount"
                )
            if "step" not in item or "action" not in item:
                raise ParameterError("timeline", "each event needs 'step' and 'action'")
            events.append(TimelineEvent(**item))
        else:
            raise ParameterError("timeline", f"{item!r} is not an event (step, action, amount)")
    return tuple(sorted(events, key=lambda e: e.step))
