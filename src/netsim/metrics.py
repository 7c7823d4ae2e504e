"""Reporters: model state -> numbers, every step, and the per-run summary.

Every column of the per-step table is listed in :data:`STEP_COLUMNS` with its
formula; the summary rules are in :func:`summarise`. Counts are people; shares
are in [0, 1]; N is the eligible population, "members" are active + passive.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy.sparse.csgraph import connected_components

try:  # scipy's Pearce strong-components routine on raw CSR arrays
    from scipy.sparse.csgraph._traversal import (
        _connected_components_directed as _strong_components,
    )
except ImportError:  # pragma: no cover - a scipy without it uses the public API
    _strong_components = None

from netsim.graphs import ContactGraph, TieCSR
from netsim.state import AdoptionState, MemberArrays, MembershipStatus

STEP_COLUMNS: dict[str, str] = {
    "step": "step number; 0 is the initial state, each step is one week",
    "prospects": "people eligible who have never joined",
    "active": "active members",
    "passive": "passive members (still members, barely taking part)",
    "lapsed": "people who were members and left",
    "members": "active + passive",
    "active_share": "active / N (compare with critical_mass_share, the seeds' one third)",
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

FIVE_C = (
    "common_purpose",
    "cooperative_structure",
    "critical_mass",
    "collective_intelligence",
    "community_building",
)
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


def component_labels(ties: TieCSR) -> np.ndarray:
    """Connected-component label of every person in the tie graph.

    The tie matrix is symmetric, so its strong components are its connected
    components, and Pearce's strong-components algorithm needs no transpose.
    scipy's routine is called directly on the CSR arrays when available
    (skipping a float64 copy of the whole matrix), else through the public API.
    """
    if _strong_components is not None and ties.size < np.iinfo(np.int32).max:
        labels = np.empty(ties.size, dtype=np.int32)
        _strong_components(ties.indices.astype(np.int32), ties.indptr.astype(np.int32), labels)
        return labels
    _, labels = connected_components(ties.matrix(), directed=True, connection="strong")
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
    """
    degree = ties.degree
    wedges = degree * (degree - 1) / 2.0
    total = wedges.sum()
    if total <= 0:
        return 0.0
    cumulative = np.cumsum(wedges)
    centres = np.searchsorted(cumulative, rng.random(WEDGE_SAMPLES) * total, side="right")
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


def tie_structure(
    graph: ContactGraph,
    present: np.ndarray | None,
    ties: TieCSR,
    organisation: np.ndarray,
    member_mask: np.ndarray,
    rng: np.random.Generator,
) -> dict[str, float]:
    """ties, cross_org_tie_share, centralisation, largest_component_share, transitivity."""
    if ties.edges is None:
        u, v = graph.edge_u, graph.edge_v
    else:
        u, v = graph.edge_u[ties.edges], graph.edge_v[ties.edges]
    count = int(u.size)
    crossing = float(np.count_nonzero(organisation[u] != organisation[v])) / count if count else 0.0
    return {
        "ties": count,
        "cross_org_tie_share": crossing,
        "centralisation": centralisation(ties.degree, member_mask),
        "largest_component_share": largest_component_share(ties, member_mask),
        "transitivity": transitivity(graph, present, ties, rng),
    }


def adoption_columns(
    members: MemberArrays, member_mask: np.ndarray | None, n_members: int
) -> dict[str, float]:
    """adoption_share, member_adoption_share, ever_adopted_share (+ one column per idea).

    ``member_mask`` None means everyone is a member (contagion mode).
    """
    n = members.size
    adopted = members.adoption == AdoptionState.ADOPTED
    per_idea = np.count_nonzero(adopted, axis=1) / n
    if member_mask is None:
        member_share = float(per_idea.mean())
    elif n_members:
        member_share = float((np.count_nonzero(adopted[:, member_mask], axis=1) / n_members).mean())
    else:
        member_share = 0.0
    out = {
        "adoption_share": float(per_idea.mean()),
        "member_adoption_share": member_share,
        "ever_adopted_share": float(
            (np.count_nonzero(members.adoption != AdoptionState.NOT_ADOPTED, axis=1) / n).mean()
        ),
    }
    if per_idea.size > 1:
        for k, share in enumerate(per_idea):
            out[f"adoption_share_idea{k + 1}"] = float(share)
    return out


def status_counts(members: MemberArrays) -> dict[str, int]:
    counts = np.bincount(members.status, minlength=4)
    return {
        "prospects": int(counts[MembershipStatus.PROSPECT]),
        "active": int(counts[MembershipStatus.ACTIVE]),
        "passive": int(counts[MembershipStatus.PASSIVE]),
        "lapsed": int(counts[MembershipStatus.LAPSED]),
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


SUMMARY_FIELDS: dict[str, str] = {
    "final_adoption": "adoption_share at the last step",
    "peak_adoption": "highest adoption_share",
    "final_member_adoption": "member_adoption_share at the last step",
    "ever_adopted": "ever_adopted_share at the last step (the final size of an SIR epidemic)",
    "time_to_10pct": "first step with adoption_share >= 0.10 (NaN if never)",
    "time_to_50pct": "first step with adoption_share >= 0.50 (NaN if never)",
    "time_to_90pct": "first step with adoption_share >= 0.90 (NaN if never)",
    "peak_members": "highest members (active + passive)",
    "final_members": "members at the last step",
    "peak_active_share": "highest active_share",
    "final_active_share": "active_share at the last step",
    "critical_mass_reached": "active_share >= critical_mass_share for 4 consecutive steps",
    "fizzled_out": "started to grow or spread, then lost it: final active <= half the peak "
    "(peak above the founding core), or final adoption <= half a peak adoption that was "
    "at least twice the starting adoption",
    "spread": "final adoption_share >= 0.5",
}


def summarise(table: pd.DataFrame, critical_mass_share: float) -> dict[str, Any]:
    """The per-run summary from a per-step table, by the rules in :data:`SUMMARY_FIELDS`."""
    adoption = table["adoption_share"].to_numpy()
    active_share = table["active_share"].to_numpy()
    active = table["active"].to_numpy()
    members = table["members"].to_numpy()

    def first_step(level: float) -> float:
        hit = np.flatnonzero(adoption >= level - 1e-12)
        return float(table["step"].iloc[hit[0]]) if hit.size else math.nan

    above = active_share >= critical_mass_share
    run = 0
    reached = False
    for flag in above:
        run = run + 1 if flag else 0
        if run >= 4:
            reached = True
            break
    peak_active = active.max(initial=0)
    start_adoption = adoption[0] if adoption.size else 0.0
    peak_adoption = adoption.max(initial=0.0)
    grew = peak_active > active[0] if active.size else False
    membership_collapse = bool(grew and active[-1] <= 0.5 * peak_active)
    adoption_collapse = bool(
        peak_adoption > 0
        and peak_adoption >= 2 * start_adoption
        and adoption[-1] <= 0.5 * peak_adoption
    )
    return {
        "final_adoption": float(adoption[-1]),
        "peak_adoption": float(peak_adoption),
        "final_member_adoption": float(table["member_adoption_share"].iloc[-1]),
        "ever_adopted": float(table["ever_adopted_share"].iloc[-1]),
        "time_to_10pct": first_step(0.10),
        "time_to_50pct": first_step(0.50),
        "time_to_90pct": first_step(0.90),
        "peak_members": int(members.max(initial=0)),
        "final_members": int(members[-1]),
        "peak_active_share": float(active_share.max(initial=0.0)),
        "final_active_share": float(active_share[-1]),
        "critical_mass_reached": bool(reached),
        "fizzled_out": membership_collapse or adoption_collapse,
        "spread": bool(adoption[-1] >= 0.5),
    }
