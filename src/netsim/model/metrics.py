"""Reporters: model state -> numbers, every step, and the per-run summary.

Every column of the per-step table is listed in :data:`STEP_COLUMNS` with its
formula; the summary rules are in :func:`summarise`. Counts are people; shares
are in [0, 1]; N is the eligible population, "members" are active + passive.
Counts stand beside the shares they make (active and active_share, adopters and
adoption_share), so a table can be compared with observed numbers of people.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from netsim.config import outcomes
from netsim.model.compiled import kernel
from netsim.model.graphs import ContactGraph, TieCSR
from netsim.model.state import (
    ACTIVE,
    ADOPTED,
    LAPSED,
    NOT_ADOPTED,
    PASSIVE,
    PROSPECT,
    MemberArrays,
)

STEP_COLUMNS: dict[str, str] = {
    "step": "step number; 0 is the initial state, each step is one week",
    "prospects": "people eligible who have never joined",
    "active": "active members",
    "passive": "passive members (still members, barely taking part)",
    "lapsed": "people who were members and left",
    "members": "active + passive",
    "active_share": "active / N (compare with critical_mass_share, the seeds' one third)",
    "adopters": "people holding an idea (with several ideas: at least one); anyone, member or not",
    "member_adopters": "members holding an idea (with several ideas: at least one)",
    "ever_adopters": "people who ever adopted an idea (holding or dropped; at least one)",
    "adoption_share": "people holding an idea / N, averaged over ideas",
    "member_adoption_share": "members holding an idea / members, averaged over ideas",
    "ever_adopted_share": "people who ever adopted an idea (holding or dropped) / N, averaged",
    "mean_engagement": "mean engagement of members (0 when there are none)",
    "mean_trust": "mean trust of members (0 when there are none)",
    "requests": "requests and offers made this step",
    "exchanges": "reciprocated exchanges this step",
    "joins": "people who joined this step",
    "lapses": "members who lapsed this step",
    "ties": "ties (acquaintance edges with strength > 0)",
    "cross_org_tie_share": "ties between different organisations / ties",
    "centralisation": "share of tie ends held by the top 5% of members by number of ties",
    "largest_component_share": "members in the largest connected group of ties / members",
    "transitivity": "closed / all two-paths of ties (global clustering; 2,000 sampled wedges)",
    "funding": "funding level f(t) in [0, 1]",
    "facilitation": "facilitation effort F(t) in [0, 1]",
    "event": "1 if a convening event was held this step",
    "common_purpose": "5C: alignment x min(1, mean perceived value / expected value)",
    "cooperative_structure": "5C: (1 - max(0, centralisation - 0.05) / 0.95) x (1 - pm)",
    "critical_mass": "5C: min(1, active_share / critical_mass_share)",
    "collective_intelligence": "5C: 0.5 min(1, exchanges / active / 0.25) + 0.5 member_adoption",
    "community_building": "5C: 0.5 mean_trust + 0.5 transitivity",
}

LEVEL_TOLERANCE = 1e-12
"""A share within this of a level counts as reaching it (a mean over ideas can round below)."""
WEDGE_SAMPLES = 2000
EXCHANGE_REFERENCE = 0.25
"""Reciprocated exchanges per active member per step that count as full knowledge flow."""


def centralisation(degree: np.ndarray, member_mask: np.ndarray) -> float:
    """Share of tie ends held by the top 5% of members (at least one member) by tie count."""
    d = degree[member_mask]
    total = d.sum()
    if total == 0:
        return 0.0
    k = max(1, math.ceil(0.05 * d.size))
    top = np.partition(d, d.size - k)[d.size - k :]
    return float(top.sum() / total)


@kernel
def _component_roots(indptr: np.ndarray, indices: np.ndarray, root: np.ndarray) -> None:
    """Union-find over the ties: ``root`` (0 .. N-1 in) ends as each person's component's
    lowest person.

    Each tie (listed from both ends) is joined once, from its lower end, linking the
    higher root under the lower; finds halve their paths. So root[x] <= x throughout,
    and one pass in index order flattens every path. The CSR is read in order and the
    only random reads are of ``root`` (4 bytes a person): at a million people it stays
    in cache where a depth-first walk's labels, stack and rows did not (7x faster there).
    """
    for i in range(root.size):
        a = -1  # i's root, found at its first higher partner
        for k in range(indptr[i], indptr[i + 1]):
            j = indices[k]
            if j <= i:
                continue
            if a < 0:
                a = i
                while root[a] != a:
                    root[a] = root[root[a]]
                    a = root[a]
            b = j
            while root[b] != b:
                root[b] = root[root[b]]
                b = root[b]
            if a < b:
                root[b] = a
            elif b < a:
                root[a] = b
                a = b
    for i in range(root.size):
        root[i] = root[root[i]]


def component_labels(ties: TieCSR) -> np.ndarray:
    """Connected-component label of every person in the tie graph: the lowest person
    index in their component (so labels are not consecutive).

    The tie CSR is symmetric (every tie is listed from both ends). A compiled
    union-find over the raw arrays: scipy's public ``connected_components`` would
    first copy the matrix to float64 and transpose it, and its raw routine is private.
    Only the partition matters (component sizes); a test holds it to scipy's. The
    labels take the CSR's index dtype (int32 unless people need int64).
    """
    labels = np.arange(ties.size, dtype=ties.indices.dtype)
    _component_roots(ties.indptr, ties.indices, labels)
    return labels


def largest_component_share(ties: TieCSR, member_mask: np.ndarray) -> float:
    """Share of members in the largest connected component of the tie graph."""
    n_members = int(member_mask.sum())
    if n_members == 0:
        return 0.0
    if ties.indices.size == 0:
        return 1.0 / n_members
    labels = component_labels(ties)
    sizes = np.bincount(labels[member_mask])
    return float(sizes.max() / n_members)


def transitivity(
    graph: ContactGraph, present: np.ndarray | None, ties: TieCSR, rng: np.random.Generator
) -> float:
    """Global clustering of the tie graph, estimated from sampled wedges (Schank & Wagner 2005).

    A wedge is a two-path a-c-b; the estimate is the share of sampled wedges
    closed by a tie a-b. Centres are drawn in proportion to their wedge count
    d(d-1)/2 and the two ends uniformly among distinct pairs of their ties, so
    the estimate is unbiased for 3 x triangles / wedges.

    Wedge counts are whole numbers, so the centre of a draw ``x`` (the number
    of cumulative counts <= x) is found among integers at ``floor(x)``: the same
    answer as a float search, three to four times faster (integer comparisons
    need no NaN handling).
    """
    degree = ties.degree.astype(np.int64, copy=False)
    wedges = (degree * (degree - 1)) >> 1  # d(d-1) is even and >= 0: an exact halving
    cumulative = np.cumsum(wedges)
    total_wedges = int(cumulative[-1]) if cumulative.size else 0
    if total_wedges <= 0:
        return 0.0
    total = float(total_wedges)
    draws = rng.random(WEDGE_SAMPLES) * total
    if total_wedges < 2**53:  # every partial sum is exact in float64: search the integers
        centres = np.searchsorted(cumulative, np.floor(draws).astype(np.int64), side="right")
    else:  # pragma: no cover - beyond float64's exact integers: the plain float search
        centres = np.searchsorted(cumulative.astype(np.float64), draws, side="right")
    centres = np.minimum(centres, graph.size - 1)
    d = degree[centres]
    first = (rng.random(WEDGE_SAMPLES) * d).astype(np.int64)
    second = (rng.random(WEDGE_SAMPLES) * (d - 1)).astype(np.int64)
    second += second >= first
    start = ties.indptr[centres]
    a = ties.indices[start + first]
    b = ties.indices[start + second]
    eid = graph.edge_ids(a, b)
    closed = eid >= 0
    if present is not None:
        closed &= present[np.maximum(eid, 0)]
    return float(closed.mean())


def crossing_edges(graph: ContactGraph, organisation: np.ndarray) -> np.ndarray:
    """Per contact edge: True if its two ends are in different organisations.

    Organisations never change during a run, so a model computes this once and
    passes it to :func:`tie_structure` instead of re-reading both ends of every
    tie each step.
    """
    return organisation[graph.edge_u] != organisation[graph.edge_v]


def tie_structure(
    graph: ContactGraph,
    present: np.ndarray | None,
    ties: TieCSR,
    organisation: np.ndarray,
    member_mask: np.ndarray,
    rng: np.random.Generator,
    *,
    crossing: np.ndarray | None = None,
) -> dict[str, float]:
    """ties, cross_org_tie_share, centralisation, largest_component_share, transitivity.

    ``crossing`` is :func:`crossing_edges` of ``organisation`` if the caller has it.
    """
    if crossing is None:
        crossing = crossing_edges(graph, organisation)
    if ties.edges is None:
        count = graph.edge_count
        cross = np.count_nonzero(crossing)
    else:
        count = int(ties.edges.size)
        cross = np.count_nonzero(crossing[ties.edges])
    share = float(cross) / count if count else 0.0
    return {
        "ties": count,
        "cross_org_tie_share": share,
        "centralisation": centralisation(ties.degree, member_mask),
        "largest_component_share": largest_component_share(ties, member_mask),
        "transitivity": transitivity(graph, present, ties, rng),
    }


def skip_tie_structure(ties: TieCSR, rng: np.random.Generator) -> None:
    """Draw what :func:`tie_structure` would draw from ``rng``, and compute nothing.

    A run that records only its summary skips the tie-structure metrics, but
    the metrics stream also drives members' roles: taking the same draws keeps
    such a run bit-identical to one that records everything.
    """
    if ties.degree.size and int(ties.degree.max()) >= 2:  # transitivity's total_wedges > 0
        skip_doubles(rng, 3 * WEDGE_SAMPLES)


def skip_doubles(rng: np.random.Generator, count: int) -> None:
    """Leave ``rng`` as ``rng.random(count)`` would, without making the numbers.

    Each double from PCG64 (every generator ``np.random.default_rng`` makes) is one
    64-bit step of its state, so jumping the state ``count`` steps ahead is the same
    thing (it also clears the buffered half of a 32-bit draw, so it is used only when
    none is buffered); any other bit generator draws and discards.
    """
    bits = rng.bit_generator
    if type(bits) is np.random.PCG64 and not bits.state["has_uint32"]:
        bits.advance(count)
    else:
        rng.random(count)


def adoption_columns(
    members: MemberArrays, member_mask: np.ndarray | None, n_members: int
) -> dict[str, float]:
    """adopters, member_adopters, ever_adopters (counts of people), then adoption_share,
    member_adoption_share, ever_adopted_share (+ one share column per idea).

    ``member_mask`` None means everyone is a member (contagion mode). With one idea a
    count over N is its share; with several, a share is the mean over ideas and a count
    the people holding at least one. Counts are taken idea by idea on one-dimensional
    rows, numpy's fast counting path (a per-axis count of a 2-D array, or a copy of the
    members' columns, costs several times more).
    """
    n = members.size
    ideas = members.adoption.shape[0]
    if ideas == 1:  # the same figures in Python floats: a mean over one idea is that idea's
        row = members.adoption[0]
        adopted = row == ADOPTED
        held_one = int(np.count_nonzero(adopted))
        if member_mask is None:
            member_count = held_one
            member_one = held_one / n
        elif n_members:
            adopted &= member_mask
            member_count = int(np.count_nonzero(adopted))
            member_one = member_count / n_members
        else:
            member_count = 0
            member_one = 0.0
        ever_one = int(np.count_nonzero(row != NOT_ADOPTED))
        return {
            "adopters": held_one,
            "member_adopters": member_count,
            "ever_adopters": ever_one,
            "adoption_share": held_one / n,
            "member_adoption_share": member_one,
            "ever_adopted_share": ever_one / n,
        }
    held = np.empty(ideas, np.int64)
    ever = np.empty(ideas, np.int64)
    held_by_members = np.empty(ideas, np.int64)
    holding_any = np.zeros(n, bool)
    ever_any = np.zeros(n, bool)
    for k in range(ideas):
        row = members.adoption[k]
        adopted = row == ADOPTED
        took_up = row != NOT_ADOPTED
        held[k] = np.count_nonzero(adopted)
        ever[k] = np.count_nonzero(took_up)
        holding_any |= adopted
        ever_any |= took_up
        if member_mask is not None and n_members:
            held_by_members[k] = np.count_nonzero(adopted & member_mask)
    per_idea = held / n
    if member_mask is None:
        member_share = float(per_idea.mean())
    elif n_members:
        member_share = float((held_by_members / n_members).mean())
    else:
        member_share = 0.0
    holders = int(np.count_nonzero(holding_any))
    out: dict[str, float] = {
        "adopters": holders,
        "member_adopters": holders
        if member_mask is None
        else int(np.count_nonzero(holding_any & member_mask)),
        "ever_adopters": int(np.count_nonzero(ever_any)),
        "adoption_share": float(per_idea.mean()),
        "member_adoption_share": member_share,
        "ever_adopted_share": float((ever / n).mean()),
    }
    if per_idea.size > 1:
        for k, share in enumerate(per_idea):
            out[f"adoption_share_idea{k + 1}"] = float(share)
    return out


def status_counts(
    members: MemberArrays, masks: tuple[np.ndarray, np.ndarray] | None = None
) -> dict[str, int]:
    """People in each membership status (four one-dimensional counts: no int8 -> int64 copy).

    ``masks`` are the current ``(members.is_active(), members.is_member())`` if the
    caller has them: passive and lapsed then follow by subtraction.
    """
    status = members.status
    if masks is not None:
        active = int(np.count_nonzero(masks[0]))
        n_members = int(np.count_nonzero(masks[1]))
        prospects = int(np.count_nonzero(status == PROSPECT))
        return {
            "prospects": prospects,
            "active": active,
            "passive": n_members - active,
            "lapsed": status.size - n_members - prospects,
        }
    return {
        "prospects": int(np.count_nonzero(status == PROSPECT)),
        "active": int(np.count_nonzero(status == ACTIVE)),
        "passive": int(np.count_nonzero(status == PASSIVE)),
        "lapsed": int(np.count_nonzero(status == LAPSED)),
    }


def five_c(
    row: dict[str, Any],
    *,
    alignment: float,
    expected_value: float,
    performance_management: float,
    critical_mass_share: float,
    mean_perceived_value: float,
) -> dict[str, float]:
    """The five core features of effective networks [THF], each in [0, 1] (see STEP_COLUMNS)."""
    met = 1.0 if expected_value <= 0 else min(1.0, mean_perceived_value / expected_value)
    active = row["active"]
    exchange_rate = row["exchanges"] / active if active else 0.0
    return {
        "common_purpose": alignment * met,
        "cooperative_structure": (1.0 - max(0.0, row["centralisation"] - 0.05) / 0.95)
        * (1.0 - performance_management),
        "critical_mass": min(1.0, row["active_share"] / critical_mass_share),
        "collective_intelligence": 0.5 * min(1.0, exchange_rate / EXCHANGE_REFERENCE)
        + 0.5 * row["member_adoption_share"],
        "community_building": 0.5 * row["mean_trust"] + 0.5 * row["transitivity"],
    }


class LabelStates(NamedTuple):
    """The states the run labels are defined on, at the last step of a table.

    Rules and constants: :mod:`netsim.config.outcomes` (``SETTLE_WEEKS`` and the rest),
    worded in the outcomes' meanings.
    """

    self_sustaining: bool
    """critical_mass_reached: active members held at or above the sustaining level."""
    dormant: bool
    """Fewer than DORMANT_SHARE of the eligible population active in each of the last weeks."""
    collapsed: bool
    """Below DORMANT_SHARE at the last step after losing COLLAPSE_SHARE of the peak."""
    extinct: bool
    """Nobody holds any idea at the last step."""
    spread: bool
    """Adoption at or above SPREAD_ADOPTION and holding."""
    spread_sustained: bool
    """Adoption at or above SPREAD_ADOPTION in each of the last SETTLE_WEEKS weeks."""

    @property
    def fizzled_out(self) -> bool:
        return self.extinct or self.dormant or self.collapsed

    @property
    def settled(self) -> bool:
        """Every label's state is settled: dormant and not spread, or self-sustaining
        with the idea extinct or spread for a quarter (see the ``settled`` outcome)."""
        return (self.dormant and not self.spread) or (
            self.self_sustaining and (self.extinct or (self.spread and self.spread_sustained))
        )


def label_states(active: np.ndarray, adoption: np.ndarray, eligible: int) -> LabelStates:
    """The label states of a run whose ``active`` counts and ``adoption_share`` are given
    per step from step 0 (``eligible``: the eligible population N).

    A run shorter than SETTLE_WEEKS steps is neither dormant nor self-sustaining: a
    quarter has not passed.
    """
    window = active[-outcomes.SETTLE_WEEKS :]
    full = active.size > outcomes.SETTLE_WEEKS  # step 0 and a whole window after it
    final_active = int(active[-1])
    dormant_level = outcomes.DORMANT_SHARE * eligible
    sustaining_level = max(
        dormant_level,
        min(outcomes.FOUNDER_MULTIPLE * int(active[0]), outcomes.SUSTAINING_CAP_SHARE * eligible),
    )
    most = int(window.max())
    self_sustaining = bool(
        full
        and int(window.min()) >= sustaining_level
        and final_active >= (1 - outcomes.HOLD_TOLERANCE) * most
    )
    dormant = bool(full and most < dormant_level)
    collapsed = bool(
        final_active < dormant_level
        and final_active <= (1 - outcomes.COLLAPSE_SHARE) * active.max()
    )
    final_adoption = float(adoption[-1])
    recent = adoption[-outcomes.SETTLE_WEEKS :]
    spread = bool(
        final_adoption >= outcomes.SPREAD_ADOPTION - LEVEL_TOLERANCE
        and final_adoption >= (1 - outcomes.HOLD_TOLERANCE) * float(recent.max())
    )
    sustained = bool(full and float(recent.min()) >= outcomes.SPREAD_ADOPTION - LEVEL_TOLERANCE)
    return LabelStates(
        self_sustaining, dormant, collapsed, final_adoption <= 0.0, spread, sustained
    )


def eligible_population(table: pd.DataFrame) -> int:
    """N, from step 0's status counts (prospects + active + passive + lapsed)."""
    first = table.iloc[0]
    return int(first["prospects"] + first["active"] + first["passive"] + first["lapsed"])


def summarise(table: pd.DataFrame) -> dict[str, Any]:
    """The per-run summary from a per-step table (from step 0), by the rules in
    :data:`SUMMARY_FIELDS`. No rule reads ``critical_mass_share``: the one-third mark is
    the seeds' reference line, not a threshold of the labels."""
    adoption = table["adoption_share"].to_numpy()
    active_share = table["active_share"].to_numpy()
    active = table["active"].to_numpy()
    members = table["members"].to_numpy()

    def first_step(level: float) -> float:
        hit = np.flatnonzero(adoption >= level - LEVEL_TOLERANCE)
        return float(table["step"].iloc[hit[0]]) if hit.size else math.nan

    states = label_states(active, adoption, eligible_population(table))
    return {
        "final_adoption": float(adoption[-1]),
        "peak_adoption": float(adoption.max(initial=0.0)),
        "final_member_adoption": float(table["member_adoption_share"].iloc[-1]),
        "ever_adopted": float(table["ever_adopted_share"].iloc[-1]),
        "time_to_10pct": first_step(0.10),
        "time_to_50pct": first_step(0.50),
        "time_to_90pct": first_step(0.90),
        "peak_members": int(members.max(initial=0)),
        "final_members": int(members[-1]),
        "peak_active_share": float(active_share.max(initial=0.0)),
        "final_active_share": float(active_share[-1]),
        "critical_mass_reached": states.self_sustaining,
        "fizzled_out": states.fizzled_out,
        "spread": states.spread,
        "settled": states.settled,
    }
