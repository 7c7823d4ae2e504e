"""NetworkModel: the Mesa model of an improvement network.

Builds a world from validated :class:`~netsim.config.parameters.Parameters`, steps it
one week at a time and records one row of metrics per step. The step applies,
in order: the timeline, exchanges and invitations, leaders' recruiting and
brokering, a convening event (if funded or scheduled), engagement and trust,
the spread and abandonment of ideas, tie decay, passivity and lapse, and every
quarter the members' roles. In ``contagion`` mode only the diffusion runs, on a
fixed network with neutral gates: the textbook models; ``run`` then takes all its
weeks in one compiled call (:mod:`netsim.model.contagion_run`).

The model never reads files or draws: a real member network arrives as a
:class:`~netsim.config.member_network.MemberNetwork` object, and results leave as tables.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import mesa
import networkx as nx
import numpy as np
import pandas as pd
from mesa.discrete_space import Network

from netsim.config.parameters import ParameterError, Parameters, TimelineEvent
from netsim.model import clock, contagion_run, diffusion, engagement, graphs, metrics, network
from netsim.model.agents import Member
from netsim.model.compiled import packed
from netsim.model.diffusion import ContagionRule
from netsim.model.graphs import TieCSR, sorted_unique
from netsim.model.levers import (
    STYLE_SUCCESSION,
    Levers,
    leadership_presence,
    leadership_shares,
)
from netsim.model.population import MemberIds, build_world, make_champions
from netsim.model.state import (
    ACTIVE,
    ADOPTED,
    NOT_ADOPTED,
    PASSIVE,
    AdoptionState,
    MembershipStatus,
    Role,
)
from netsim.model.week import WeekGraph, WeekOutcome, WeekRule, social_week

ROLE_INTERVAL = 13
"""Steps between recomputing members' roles (a quarter)."""
EXPECTATION_ENGAGEMENT_LIFT = 0.15
"""Joiners' engagement rises by this much per unit of expectations above 0.5."""
RECORD_MODES = ("all", "summary")
"""What each step records: every metric, or only what the run's summary needs."""
ROLE_DEPARTURES = {
    "connectors_leave": Role.CENTRAL_CONNECTOR,
    "spanners_leave": Role.BOUNDARY_SPANNER,
    "brokers_leave": Role.INFORMATION_BROKER,
    "specialists_leave": Role.PERIPHERAL_SPECIALIST,
}
"""Timeline actions that remove the members most in a role (network.top_of_role)."""
LEADER_DEPARTURE_SHOCK = 0.5
"""Engagement lost by each member tied to a departing leader, per unit of leadership lost."""


class StepTable:
    """Per-step metrics stored column by column.

    Doubles as the model's ``datacollector`` so ``mesa.batch_run`` can read it
    (it looks for ``model_vars`` and ``_collection_steps``, Mesa's DataCollector
    layout); no agent-level records are kept.
    """

    def __init__(self) -> None:
        self.model_vars: dict[str, list[Any]] = {}
        self._collection_steps: list[int] = []
        self._agent_records: dict[int, Any] = {}
        self._agenttype_records: dict[Any, Any] = {}

    def append(self, row: dict[str, Any]) -> None:
        columns = self.model_vars
        for key, value in row.items():
            column = columns.get(key)
            if column is None:
                columns[key] = [value]
            else:
                column.append(value)
        self._collection_steps.append(int(row["step"]))

    def extend(self, columns: dict[str, Iterable[Any]]) -> None:
        """Append many rows at once, given column by column (the columns the table has;
        each iterable is read once, and its values must be the Python values a row holds)."""
        if columns.keys() != self.model_vars.keys():
            raise ValueError("extend: the columns are not the table's columns")
        steps = list(columns["step"])
        for key, values in columns.items():
            self.model_vars[key].extend(steps if key == "step" else values)
        self._collection_steps.extend(steps)

    def get_model_vars_dataframe(self) -> pd.DataFrame:
        return pd.DataFrame(self.model_vars)


class NetworkModel(mesa.Model):
    """An improvement network: members who join, tie, engage and adopt ideas.

    Create it from a :class:`Parameters` object, keyword overrides, or both
    (``NetworkModel(eligible_population=200, rng=1)`` works with
    ``mesa.batch_run``). All randomness comes from Mesa's seeded ``self.rng``.
    ``innovator_indices``: the people (indices 0 to N - 1) who hold every idea at step 0,
    instead of ``innovators`` drawn ones (``netsim.build_model(innovators=[ids])`` names
    them by id).
    """

    def __init__(
        self,
        parameters: Parameters | None = None,
        *,
        rng: Any = None,
        member_network: Any = None,
        record: str = "all",
        innovator_indices: np.ndarray | None = None,
        **overrides: Any,
    ) -> None:
        if record not in RECORD_MODES:
            raise ValueError(f"record: {record!r} is not one of {', '.join(RECORD_MODES)}")
        params = parameters if parameters is not None else Parameters()
        if overrides:
            params = params.replace(**overrides)
        chosen = None
        if innovator_indices is not None:
            chosen = np.unique(np.asarray(innovator_indices, dtype=np.int64))
            if chosen.size and (chosen[0] < 0 or chosen[-1] >= params.eligible_population):
                raise ParameterError(
                    "innovators",
                    f"person {int(chosen[0] if chosen[0] < 0 else chosen[-1])} is not in 0 to "
                    f"{params.eligible_population - 1}",
                )
            if params.innovators != chosen.size:  # the count says how many were chosen
                params = params.replace(innovators=int(chosen.size))
        super().__init__(rng=rng)
        self.params = params
        self.record = record
        """'all': every column of metrics.STEP_COLUMNS each step; 'summary': only the
        columns metrics.summarise reads (a sweep that keeps no per-step table)."""
        if member_network is None and params.network_file:
            raise ParameterError(
                "network_file",
                "the model never reads files: build it with netsim.build_model(...), which "
                "reads the file, or pass member_network=read_member_network(path)",
            )
        self.member_ids = MemberIds(
            params.eligible_population, () if member_network is None else member_network.node_ids
        )
        """Each person's id (a member network's node ids, else the index)."""
        self.metrics_rng = np.random.default_rng(self.rng.integers(2**63))
        world = build_world(params, self.rng, member_network, chosen)
        self.members = world.members
        self.ties = world.ties
        self.graph = world.graph
        self.leaders = world.leaders.copy()
        """Indices of the people who lead (principal first); a vacated lead keeps its slot."""
        self.leader_share = leadership_shares(params.leadership_style, self.leaders.size)
        """Each leader's share of the leadership (levers.STYLE_PRINCIPAL_SHARE), 0 once lost."""
        self.contact_sources = {
            "from_file": world.file_contacts,
            "generated": world.generated_contacts,
        }
        """Acquaintance pairs at the start: from the network file, and generated by netsim."""
        self.levers = Levers(params)
        self._pending_events: list[TimelineEvent] = []
        self.datacollector = StepTable()
        self._fixed_network_row: dict[str, float] | None = None
        self._last_step: dict[str, float] = {}
        self.interventions: list[tuple[int, str, float]] = []
        """(step, action, amount) of every timeline entry or live intervention applied."""
        self._agents_list: list[Member] | None = None
        """The Mesa agents, made on first use (most runs never look at one; 1,000 cost ~5 ms)."""
        self._fixed_counts: dict[str, int] = {}
        self._rule: tuple[Parameters, ContagionRule] | None = None
        self._spread_rule: tuple[Parameters, contagion_run.SpreadRule] | None = None
        self._needed: tuple[Parameters, np.ndarray] | None = None
        self._joiner: tuple[Parameters, network.JoinerRule] | None = None
        self._week_graph_cache: WeekGraph | None = None
        adoption = self.members.adoption
        self.adoption_week = np.where(adoption != NOT_ADOPTED, 0, -1).astype(np.int32)
        """(ideas, N): the first week (table row) each person held each idea, -1 never;
        innovators 0. Kept for export (RunResult.export_network); no draw depends on it."""
        self._weeks_recorded = int(np.count_nonzero(self.adoption_week >= 0))
        self._crossing = metrics.crossing_edges(self.graph, self.members.organisation)
        """Per contact edge: ends in different organisations (organisations never change)."""
        present = self.ties.strength > 0 if params.mode == "social" else None
        self._fixed_ties = self.graph.tie_csr(present)
        self._fixed_adjacency = self._fixed_ties.matrix() if params.mode == "contagion" else None
        self._spread_work: contagion_run.SpreadWork | None = None
        if params.mode == "contagion":  # made with the fixed network, once per parameters
            self._contagion_rule()
            self._spread_work = contagion_run.spread_work(self.members.size, params.ideas)
        if params.mode == "social":
            network.assign_roles(
                self.members,
                self.graph,
                present,
                self._fixed_ties,
                self.metrics_rng,
                crossing=self._crossing,
            )
        self._collect(self._fixed_ties, event_held=False)

    # --- public API ----------------------------------------------------------
    @property
    def step_count(self) -> int:
        """Steps taken so far (row ``step_count`` of the table is the current state)."""
        return int(self.steps)

    def member_agent(self, index: int) -> Member:
        """The Mesa agent of person ``index``."""
        return self._member_agents()[int(index)]

    def _member_agents(self) -> list[Member]:
        """One Mesa agent per person, created (and registered with Mesa) on first use."""
        agents = getattr(self, "_agents_list", None)
        if agents is None:
            size = self.members.size
            agents = list(Member.create_agents(self, size, index=np.arange(size)))
            self._agents_list = agents
        return agents

    # Mesa's views of the agents make them first (the step never needs them).
    @property
    def agents(self) -> Any:
        if hasattr(self, "members"):
            self._member_agents()
        return mesa.Model.agents.fget(self)

    @property
    def agents_by_type(self) -> Any:
        if hasattr(self, "members"):
            self._member_agents()
        return mesa.Model.agents_by_type.fget(self)

    @property
    def agent_types(self) -> list[type]:
        if hasattr(self, "members"):
            self._member_agents()
        return mesa.Model.agent_types.fget(self)

    def remove_all_agents(self) -> None:
        if hasattr(self, "members"):
            self._member_agents()
        super().remove_all_agents()

    def tie_partners(self, index: int) -> np.ndarray:
        """Indices of the people person ``index`` has a tie with."""
        lo, hi = self.graph.indptr[index], self.graph.indptr[index + 1]
        present = self.ties.strength[self.graph.edge_of[lo:hi]] > 0
        return self.graph.neighbour[lo:hi][present]

    def table(self) -> pd.DataFrame:
        """The per-step table so far: one row per step, columns as in metrics.STEP_COLUMNS."""
        return self.datacollector.get_model_vars_dataframe()

    def summary(self) -> dict[str, Any]:
        """The per-run summary so far (rules in config.outcomes.SUMMARY_FIELDS)."""
        return metrics.summarise(self.table())

    def intervene(self, action: str, amount: float = 1.0) -> None:
        """Schedule a shock or intervention for the next step (the browser view's buttons)."""
        self._pending_events.append(
            TimelineEvent(step=self.step_count + 1, action=action, amount=amount)  # type: ignore[arg-type]
        )

    def admit(self, people: np.ndarray) -> None:
        """Make ``people`` active members now, with the joiners' engagement rule."""
        network.join(
            self.members,
            people,
            self.step_count,
            mean_engagement=self._joiner_engagement(),
            spread=self.params.attribute_spread,
            rng=self.rng,
        )

    def remove(self, people: np.ndarray) -> None:
        """Make ``people`` lapse now, ending their ties."""
        network.lapse(self.members, self.ties, self.graph, people)

    def tie_graph(self, include_non_members: bool = False, *, named: bool = False) -> nx.Graph[Any]:
        """The current tie network as a networkx Graph (built on demand, never laid out).

        Nodes are member indices (``named``: member ids, see :attr:`member_ids`: a member
        network's node ids as given, else the same indices) with attributes organisation,
        status, engagement, trust, reciprocity (0..1), role (and its role_name), champion,
        leader, ``adopted`` (of idea 0), ``adoption_week`` (the first week it was held, -1 never),
        ``joined_week`` (of the last joining, -1 never) and, with several ideas,
        ``adoption_week_idea2``...; edges carry strength (0..1) and ``formed_week``.
        """
        m = self.members
        keep = np.ones(m.size, bool) if include_non_members else m.is_member()
        g: nx.Graph[Any] = nx.Graph()
        idx = np.flatnonzero(keep)
        key = self.member_ids.__getitem__ if named else int
        g.add_nodes_from(
            (
                key(int(i)),
                {
                    "organisation": int(m.organisation[i]),
                    "status": MembershipStatus(int(m.status[i])).name.lower(),
                    "engagement": float(m.engagement[i]),
                    "trust": float(m.trust[i]),
                    "role": int(m.role[i]),
                    "role_name": Role(int(m.role[i])).name.lower(),
                    "champion": bool(m.champion[i]),
                    "leader": bool(m.leader[i]),
                    "adopted": bool(m.adoption[0, i] == AdoptionState.ADOPTED),
                    "adoption_week": int(self.adoption_week[0, i]),
                    "joined_week": int(m.joined_step[i]),
                    "reciprocity": float(m.reciprocity[i]),
                    **{
                        f"adoption_week_idea{k + 1}": int(self.adoption_week[k, i])
                        for k in range(1, m.adoption.shape[0])
                    },
                },
            )
            for i in idx
        )
        present = np.flatnonzero(self.ties.strength > 0)
        u = self.graph.edge_u[present].tolist()
        v = self.graph.edge_v[present].tolist()
        if named:
            u = [key(i) for i in u]
            v = [key(i) for i in v]
        g.add_edges_from(
            (a, b, {"strength": w, "formed_week": f})
            for a, b, w, f in zip(
                u,
                v,
                self.ties.strength[present].tolist(),
                self.ties.formed_step[present].tolist(),
                strict=True,
            )
        )
        return g

    def network_space(self) -> mesa.discrete_space.Network:
        """A Mesa ``Network`` space of the current ties with each member in its cell.

        Built on demand for Mesa's own visualisation tools; no layout is computed.
        """

        g = self.tie_graph()
        space = Network(g, layout=None, random=self.random)
        for node in g.nodes:
            space[node].add_agent(self.member_agent(node))
        return space

    # --- the step -----------------------------------------------------------------
    def step(self) -> None:
        """Advance one week."""
        t = self.step_count
        if self.params.mode == "contagion":
            self._spread_contagion(self.step_count, 1)
            self._collect(self._fixed_ties, event_held=False)
            return
        scheduled_event = self._apply_timeline(t)
        p = self.params
        lv = self.levers
        m = self.members
        self._renew_leadership()
        lv.leadership_presence = leadership_presence(self.leader_share, m.status[self.leaders])
        n = m.size
        active_share = float(np.count_nonzero(m.status == ACTIVE)) / n
        value = engagement.network_value(active_share, lv.alignment)
        effort = lv.facilitation(t)
        attract = self._attractiveness(active_share)

        week_rule = WeekRule(
            step=t,
            exchange_rate=p.exchange_rate,
            attractiveness=attract,
            recruitment_effort=effort * p.proactive_recruitment,
            facilitation=effort,
            scheduled_attendance=-1.0 if scheduled_event is None else scheduled_event,
            event_probability=lv.event_probability(t),
            tie_decay=p.tie_decay,
        )
        engagement_rule = engagement.step_rule(
            engagement.EngagementInputs(
                value=value,
                alignment=lv.alignment,
                facilitation=effort,
                headspace=lv.headspace(t),
                attention_load=lv.attention_load,
                performance_management=lv.performance_management,
                expectations=p.expectations,
                network_effect_strength=p.network_effect_strength,
                exchange_gain=p.exchange_gain,
                unanswered_cost=p.unanswered_cost,
                fatigue=p.fatigue,
            ),
            1.0,
            event_held=False,
        )
        status_rule = network.status_rule(
            t,
            passive_below=p.passive_below,
            lapse_below=p.lapse_below,
            lapse_rate=p.lapse_rate,
            refresh=p.membership_policy == "refresh",
        )
        outcome = WeekOutcome(
            *social_week(
                self.rng,
                m.packed(),
                m.joined_step,
                m.organisation,
                m.adoption,
                self.adoption_week,
                self.leaders,
                self.ties.packed(),
                self._week_graph(),
                self._needed_adopters(),
                packed(week_rule),
                packed(self._joiner_rule()),
                packed(status_rule),
                packed(engagement_rule),
                packed(self._social_spread_rule()),
            )
        )
        self._weeks_recorded += int(outcome.dated)
        present = outcome.present
        tie_view = graphs.tie_view(
            outcome.tie_indptr,
            outcome.tie_indices,
            outcome.tie_rows,
            outcome.tie_edges,
            outcome.small,
        )
        # statuses are final for the step: the masks below serve roles and metrics
        active_mask = outcome.active
        member_mask = outcome.member
        if t % ROLE_INTERVAL == 0:
            network.assign_roles(
                self.members,
                self.graph,
                present,
                tie_view,
                self.metrics_rng,
                crossing=self._crossing,
                member_mask=member_mask,
                active_mask=active_mask,
            )
        if self.record != "summary":  # the summary reads none of these
            self._last_step = {
                "requests": int(outcome.attempts),
                "exchanges": int(outcome.reciprocated),
                # invitees who joined were prospects or lapsed; recruits are drawn from the
                # prospects left after they joined: the two never overlap
                "joins": int(outcome.joins),
                "lapses": int(outcome.lapses),
            }
        self._collect(
            tie_view,
            event_held=bool(outcome.event_held),
            masks=(active_mask, member_mask),
            tally=outcome.tally,
        )

    def run(self, steps: int | None = None) -> None:
        """Take ``steps`` steps (default: the parameters' ``steps``).

        One pass of Mesa's event loop over all of them (``run_for``): the same steps
        and scheduled events, in the same order, as calling ``step()`` that often,
        without re-entering the loop each week. In contagion mode, when nothing is due
        in those weeks but the weeks themselves, all of them are one compiled call
        (:mod:`netsim.model.contagion_run`) with the same table, state and clock. In the
        social model, when the clock is Mesa's plain weekly one, the weeks are called
        here and the clock jumped after (:mod:`netsim.model.clock`).
        """
        count = self.params.steps if steps is None else steps
        if count <= 0:
            return
        if self.params.mode == "contagion":
            if self._run_contagion(count):
                return
        elif clock.clock_ready(self):
            first = self.step_count
            week_of = type(self).step  # the week itself (Mesa wraps self.step in its loop)
            for week in range(1, count + 1):
                self.steps = first + week  # what Mesa's _do_step sets before the week
                week_of(self)
            self.steps = first
            clock.jump_clock(self, count)
            return
        self.run_for(count)

    def labels_settled(self) -> bool:
        """Whether the run's labels are settled now (``metrics.label_states``) with no live
        intervention pending (the browser view's buttons act on the next step)."""
        if self._pending_events:
            return False
        columns = self.datacollector.model_vars
        return metrics.label_states(
            np.asarray(columns["active"]), np.asarray(columns["adoption_share"]), self.members.size
        ).settled

    def run_until_settled(
        self,
        max_steps: int,
        *,
        min_steps: int | None = None,
        on_step: Callable[[], None] | None = None,
    ) -> bool:
        """Step until the labels are settled, to at most step ``max_steps``; True if they are.

        Never stops before ``min_steps`` (default: the parameters' ``steps``) nor before
        the last timeline event: an event still to come (a funding cut, champions who
        take up an extinct idea again) can undo any state, so events after the horizon
        still apply. The weeks are the ones ``run`` would take: stepping on only appends
        weeks, so the first n rows of the table are those of an n-step run.
        ``on_step()`` is called after every week (for progress bars).
        """
        last_event = max((e.step for e in self.params.timeline), default=0)
        first = min(
            max_steps, max(self.params.steps if min_steps is None else min_steps, last_event)
        )
        if on_step is None and self.step_count < first:
            self.run(first - self.step_count)
        while self.step_count < first:
            self.step()
            if on_step is not None:
                on_step()
        while self.step_count < max_steps and not self.labels_settled():
            self.step()
            if on_step is not None:
                on_step()
        return self.labels_settled()

    # --- internals -------------------------------------------------------------------
    def _joiner_engagement(self) -> float:
        return self.params.initial_engagement + EXPECTATION_ENGAGEMENT_LIFT * (
            self.params.expectations - 0.5
        )

    def _attractiveness(self, active_share: float) -> float:
        """Chance an invited prospect joins.

        join_rate x (0.4 + 0.6 appeal) x (0.75 + 0.5 expectations) x (1 + founding_mandate),
        capped at 1, where appeal = (alignment + s) / 2 and s the active share: a clear
        purpose and a network that is already big draw people in (in proportion to
        it, as the network's value, engagement.network_value); a mandate or sponsor
        opens doors [THF step 3]; promising much draws more people in (and
        disappoints them later).
        """
        p = self.params
        appeal = 0.5 * (self.levers.alignment + active_share)
        a = (
            p.join_rate
            * (0.4 + 0.6 * appeal)
            * (0.75 + 0.5 * p.expectations)
            * (1 + p.founding_mandate)
        )
        return min(1.0, a)

    def _apply_timeline(self, t: int) -> float | None:
        """Apply timeline entries and live interventions for step t; return event attendance."""
        due = [e for e in self.params.timeline if e.step == t]
        due += [e for e in self._pending_events if e.step <= t]
        self._pending_events = [e for e in self._pending_events if e.step > t]
        attendance: float | None = None
        m = self.members
        for event in due:
            self.interventions.append((t, event.action, event.amount))
            if event.action == "leader_leaves" and event.amount > 0:
                self._leader_departs(event.amount)
            elif event.action == "funding_cut":
                self.levers.funding_override = min(self.levers.funding(t), event.amount)
            elif event.action == "funding_set":
                self.levers.funding_override = event.amount
            elif event.action == "priority_added":
                self.levers.extra_priorities += round(event.amount)
            elif event.action == "champions_recruited":
                self._recruit_champions(round(event.amount), t)
            elif event.action == "event":
                attendance = max(attendance or 0.0, event.amount)
            elif event.action in ROLE_DEPARTURES:
                role = ROLE_DEPARTURES[event.action]
                self.remove(
                    network.top_of_role(m, self.ties, self.graph, role, round(event.amount))
                )
            elif event.action == "members_leave":
                present = np.flatnonzero(m.is_member())
                count = min(present.size, round(event.amount))
                self.remove(np.sort(self.rng.choice(present, size=count, replace=False)))
        return attendance

    def _leader_departs(self, amount: float) -> None:
        """The principal leader still a member steps back (amount < 1) or leaves (amount 1).

        The principal is the member supplying the largest share of leadership. They take
        ``amount`` of their share with them (at 1 they leave the network, and under a
        style with succession a peer may take their lead on, see _renew_leadership);
        each member tied to them loses LEADER_DEPARTURE_SHOCK x the share of
        leadership that went: the 'over-reliance on the energy of a small number of
        people' [blog]. A figurehead supplies much and takes much enthusiasm with them;
        one coordinator among many, little.
        """
        m = self.members
        present = m.is_member()[self.leaders] & (self.leader_share > 0)
        if not present.any():
            return
        slot = int(np.flatnonzero(present)[np.argmax(self.leader_share[present])])
        leader = int(self.leaders[slot])
        share = float(self.leader_share[slot])
        partners = self.tie_partners(leader)
        m.engagement[partners] = np.maximum(
            0.0, m.engagement[partners] - LEADER_DEPARTURE_SHOCK * share * amount
        )
        if amount >= 1.0:
            self.remove(np.array([leader]))
        else:
            self.leader_share[slot] = share * (1.0 - amount)

    def _renew_leadership(self) -> None:
        """A lead who has lapsed or left is succeeded by a peer, where the style allows.

        Under :data:`~netsim.model.levers.STYLE_SUCCESSION` the most engaged active
        member among their acquaintances who does not lead yet takes their share on
        (the figurehead of a figurehead network is not replaced); without a willing
        peer, or without succession, the share is lost. Distributed leadership is
        resilient because many people lead and others step up [THF].
        """
        m = self.members
        status = m.status[self.leaders]  # a member is active or passive
        gone = (status != ACTIVE) & (status != PASSIVE) & (self.leader_share > 0)
        if not gone.any():
            return
        style = self.params.leadership_style
        for slot in np.flatnonzero(gone):
            leader = int(self.leaders[slot])
            m.leader[leader] = False
            if not STYLE_SUCCESSION[style] or (slot == 0 and style == "figurehead"):
                self.leader_share[slot] = 0.0
                continue
            peers = self.graph.neighbour[self.graph.slots_of(np.array([leader]))]
            peers = peers[(m.status[peers] == ACTIVE) & ~m.leader[peers]]
            if peers.size == 0:
                self.leader_share[slot] = 0.0
                continue
            successor = int(peers[np.argmax(m.engagement[peers])])
            self.leaders[slot] = successor
            m.leader[successor] = True

    def _recruit_champions(self, count: int, t: int) -> None:
        """The most engaged active members who are not champions yet become change agents."""
        m = self.members
        pool = np.flatnonzero((m.status == MembershipStatus.ACTIVE) & ~m.champion)
        if pool.size == 0 or count <= 0:
            return
        order = np.argsort(-m.engagement[pool], kind="stable")
        make_champions(m, self.ties, self.graph, pool[order[:count]], step=t)

    def _ideas_held(self) -> np.ndarray:
        """Per person, the share of the ideas they hold (bool for a single idea: 0 or 1)."""
        adoption = self.members.adoption
        if adoption.shape[0] == 1:  # the mean over one idea is the 0/1 value itself
            return adoption[0] == ADOPTED
        return (adoption == ADOPTED).mean(axis=0)

    def _contagion_rule(self) -> contagion_run.SpreadRule:
        """The compiled contagion week's rule (made once per parameters)."""
        p = self.params
        if self._spread_rule is None or self._spread_rule[0] is not p:
            self._spread_rule = (p, contagion_run.spread_rule(p, self._fixed_ties))
        return self._spread_rule[1]

    def _spread_contagion(self, first: int, weeks: int) -> contagion_run.WeekCounts:
        """Contagion mode's spread for ``weeks`` weeks from week ``first``, compiled.

        The same draws, state and adoption weeks as :meth:`_spread_ideas` on the fixed
        network week by week (see :mod:`netsim.model.contagion_run`).
        """
        counts, made = contagion_run.spread_weeks(
            self._fixed_ties,
            self.members.adoption,
            self.adoption_week,
            first,
            weeks,
            self._contagion_rule(),
            self.rng,
            self._spread_work,
        )
        self._weeks_recorded += made
        return counts

    def _run_contagion(self, count: int) -> bool:
        """Run ``count`` contagion weeks in one compiled call, if nothing else is due.

        Falls back (False, nothing done) when a timeline entry or a live intervention
        falls in those weeks, Mesa's clock has other events or observers
        (:func:`clock.clock_ready`), or an idea was taken up other than by
        spreading since the last row (``_collect`` dates it: week by week it is).
        """
        t = self.step_count
        if (
            self._pending_events
            or self._last_step
            or any(t < e.step <= t + count for e in self.params.timeline)
            or not clock.clock_ready(self)
            or int(np.count_nonzero(self.members.adoption != NOT_ADOPTED)) != self._weeks_recorded
        ):
            return False
        first = t + 1
        counts = self._spread_contagion(first, count)
        self.datacollector.extend(
            contagion_run.table_columns(
                counts,
                first,
                self.members.size,
                status=self._fixed_counts,
                record=self.record,
                network_row=self._fixed_network_row,
                levers=self.levers,
                params=self.params,
            )
        )
        clock.jump_clock(self, count)
        return True

    def _spread_ideas(
        self,
        tie_view: TieCSR,
        active: np.ndarray | None = None,
        member_mask: np.ndarray | None = None,
    ) -> None:
        """Spread (over ties and from outside), recover and abandon every idea (see diffusion).

        Per idea, the draws come in this order: the tie rule's, outside influence's (only
        when ``outside_influence > 0``), recovery's, then in social mode the broadcast's
        and abandonment's.

        ``active`` and ``member_mask`` are the members' current masks, if the caller has them.
        """
        p = self.params
        m = self.members
        social = p.mode == "social"
        if self._rule is None or self._rule[0] is not p:  # made once per parameters
            self._rule = (
                p,
                ContagionRule(
                    complex=p.contagion == "complex",
                    transmission_probability=p.transmission_probability,
                    threshold_fraction=p.threshold_fraction,
                    threshold_count=p.threshold_count,
                    adoption_probability=p.adoption_probability,
                ),
            )
        rule = self._rule[1]
        if social:
            dated = diffusion.spread_social(
                self.rng,
                m.adoption,
                self.adoption_week,
                self.step_count,
                tie_view.indptr,
                tie_view.indices,
                m.status == ACTIVE if active is None else active,
                m.is_member() if member_mask is None else member_mask,
                m.engagement,
                m.trust,
                m.role,
                m.organisation,
                self.leaders,
                self._needed_adopters(),
                packed(self._social_spread_rule()),
            )
            self._weeks_recorded += int(dated)
            return
        adjacency = self._fixed_adjacency
        for idea in range(p.ideas):
            row = m.adoption[idea]
            holders = row == ADOPTED
            susceptible = row == NOT_ADOPTED
            new = diffusion.new_adopters(
                tie_view, holders, susceptible, rule, self.rng, adjacency=adjacency
            )
            outside = diffusion.outside_adopters(susceptible, p.outside_influence, self.rng)
            if outside.size:
                new = sorted_unique(np.concatenate([new, outside]))  # np.union1d
            diffusion.drop(row, holders, p.recovery_probability, self.rng)
            row[new] = ADOPTED
            if new.size:  # adoption is once per idea (only NOT_ADOPTED people take one up)
                self.adoption_week[idea, new] = self.step_count
                self._weeks_recorded += int(new.size)

    def _week_graph(self) -> WeekGraph:
        """The contact graph as week.social_week reads it (plain tuples: compiled.packed)."""
        if self._week_graph_cache is None:
            g = self.graph
            tie_u, tie_v = g._csr_ends()
            self._week_graph_cache = packed(
                WeekGraph(packed(g.csr()), g.edge_u, g.edge_v, tie_u, tie_v)
            )
        return self._week_graph_cache

    def _joiner_rule(self) -> network.JoinerRule:
        """How joiners' engagement is drawn (network.joiner_rule), made once per parameters."""
        p = self.params
        if self._joiner is None or self._joiner[0] is not p:
            self._joiner = (p, network.joiner_rule(self._joiner_engagement(), p.attribute_spread))
        return self._joiner[1]

    def _social_spread_rule(self) -> diffusion.SocialSpreadRule:
        """This week's coefficients of diffusion.spread_social (the levers move week to week)."""
        p = self.params
        lv = self.levers
        return diffusion.SocialSpreadRule(
            complex=p.contagion == "complex",
            transmission_probability=p.transmission_probability,
            threshold_count=p.threshold_count,
            adoption_probability=p.adoption_probability,
            outside_influence=p.outside_influence,
            recovery_probability=p.recovery_probability,
            abandonment_rate=p.abandonment_rate,
            passive_below=p.passive_below,
            alignment=lv.alignment,
            broadcast_reach=p.hierarchy_broadcast * lv.vertical_reach,
            leadership_presence=lv.leadership_presence,
        )

    def _needed_adopters(self) -> np.ndarray:
        """needed_adopters of the threshold fraction over every degree a tie CSR can have."""
        p = self.params
        if self._needed is None or self._needed[0] is not p:
            top = int(self.graph.degree.max(initial=0))
            self._needed = (p, diffusion.needed_adopters(p.threshold_fraction, top + 1))
        return self._needed[1]

    def _collect(
        self,
        tie_view: TieCSR,
        *,
        event_held: bool,
        masks: tuple[np.ndarray, np.ndarray] | None = None,
        tally: tuple[int, ...] | None = None,
    ) -> None:
        """Append this step's row of metrics (formulas in metrics.STEP_COLUMNS).

        ``masks`` are the members' current (active, member) masks, and ``tally`` the
        compiled week's counts (week.WeekOutcome.tally), if the caller has them.
        """
        m = self.members
        n = m.size
        t = self.step_count
        social = self.params.mode == "social"
        if tally is not None:
            prospects, active, passive, lapsed = (int(c) for c in tally[:4])
            counts = {"prospects": prospects, "active": active, "passive": passive}
            counts["lapsed"] = lapsed
        elif social or t == 0:
            counts = metrics.status_counts(m, masks)
        else:
            counts = self._fixed_counts
        self._fixed_counts = counts
        n_members = counts["active"] + counts["passive"]
        if not social:
            member_mask = None
        elif masks is not None:
            member_mask = masks[1]
        else:
            member_mask = m.is_member()
        row: dict[str, Any] = {
            "step": t,
            **counts,
            "members": n_members,
            "active_share": counts["active"] / n,
        }
        if tally is not None and self.params.ideas == 1:  # adoption_columns' one-idea figures
            held, by_members, ever = int(tally[4]), int(tally[5]), int(tally[6])
            row["adopters"] = held
            row["member_adopters"] = by_members
            row["ever_adopters"] = ever
            row["adoption_share"] = held / n
            row["member_adoption_share"] = by_members / n_members if n_members else 0.0
            row["ever_adopted_share"] = ever / n
        else:
            row.update(metrics.adoption_columns(m, member_mask, n_members))
        # ideas taken up other than by spreading (a timeline event, Member.adopt) are dated
        # here, to the first row that shows them: a scan only when the counts disagree
        if round(row["ever_adopted_share"] * n * self.params.ideas) != self._weeks_recorded:
            undated = (m.adoption != NOT_ADOPTED) & (self.adoption_week < 0)
            self.adoption_week[undated] = t
            self._weeks_recorded = int(np.count_nonzero(self.adoption_week >= 0))
        if self.record == "summary":
            if tally is not None:
                if tally[7] >= 2:  # skip_tie_structure, with the most ties already counted
                    metrics.skip_doubles(self.metrics_rng, 3 * metrics.WEDGE_SAMPLES)
            elif social:
                metrics.skip_tie_structure(tie_view, self.metrics_rng)
            self._last_step = {}
            self.datacollector.append(row)
            return
        if not social:
            row["mean_engagement"] = row["mean_trust"] = mean_pv = 1.0
        elif member_mask is not None and n_members:  # social: the mask is always there
            row["mean_engagement"], row["mean_trust"], mean_pv = metrics.member_means(
                member_mask, n_members, m.engagement, m.trust, m.perceived_value
            )
        else:
            row["mean_engagement"] = row["mean_trust"] = mean_pv = 0.0
        row.update({"requests": 0, "exchanges": 0, "joins": 0, "lapses": 0})
        row.update(self._last_step)
        self._last_step = {}
        if social or self._fixed_network_row is None:
            structure = metrics.tie_structure(
                self.graph,
                tie_view,
                m.organisation,
                member_mask if member_mask is not None else np.ones(n, bool),
                self.metrics_rng,
                crossing=self._crossing,
            )
            if not social:
                self._fixed_network_row = structure
        else:
            structure = self._fixed_network_row
        row.update(structure)
        row["funding"] = self.levers.funding(max(t, 1))
        row["facilitation"] = self.levers.facilitation(max(t, 1))
        row["event"] = int(event_held)
        row.update(
            metrics.five_c(
                row,
                alignment=self.levers.alignment,
                expected_value=engagement.EXPECTATION_SCALE * self.params.expectations,
                performance_management=self.levers.performance_management,
                critical_mass_share=self.params.critical_mass_share,
                mean_perceived_value=mean_pv,
            )
        )
        self.datacollector.append(row)
