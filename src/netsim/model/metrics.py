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
from netsim.model.compiled import kernel, packed
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


class TieGraph(NamedTuple):
    """The step's ties as the compiled tie-structure pass reads them.

    ``indptr`` and ``indices`` are the tie CSR (:class:`~netsim.model.graphs.TieCSR`:
    symmetric, every tie listed from both ends, no tie listed twice); ``edges`` are the
    ids of the contact edges that are ties, and ``crossing`` is :func:`crossing_edges`
    over all contact edges.
    """

    indptr: np.ndarray
    indices: np.ndarray
    edges: np.ndarray
    crossing: np.ndarray


_NO_DRAWS = np.empty(0)
"""The wedge draws of a tie graph with no wedge (nothing is drawn); never written."""


def has_wedges(ties: TieCSR) -> bool:
    """Whether anyone has two ties (a wedge to sample; else transitivity draws nothing)."""
    degree = ties.degree
    return bool(degree.size and int(degree.max()) >= 2)


def wedge_draws(ties: TieCSR, rng: np.random.Generator) -> np.ndarray:
    """The uniform numbers the wedge sample of :func:`transitivity` uses, from ``rng``.

    3 x WEDGE_SAMPLES doubles: the centres' draws, then the first ends', then the second
    ends', in that order (one block of ``rng.random`` is the same stream as the three);
    none when nobody has two ties. Drawn here and passed to the kernel, not drawn in it:
    numpy fills the block about twice as fast as numba draws one number at a time, and
    the kernel then need not unbox the Generator (measured at 1,000 members: about 30
    us for the block and the kernel's reading of it, 53 us for numba's 6,000 draws).
    """
    return rng.random(3 * WEDGE_SAMPLES) if has_wedges(ties) else _NO_DRAWS


@kernel
def _top_share(degree: np.ndarray, member_mask: np.ndarray) -> float:
    """Share of the members' tie ends held by the top 5% of members (at least one).

    The top ``k = max(1, ceil(0.05 x members))`` degrees are summed exactly from a count
    of members per degree (integers: any selection gives the same sum), then divided
    once by the members' tie ends; 0 when members hold none.
    """
    n_members = 0
    total = 0
    highest = 0
    for i in range(degree.size):
        if member_mask[i]:
            d = int(degree[i])
            n_members += 1
            total += d
            highest = max(highest, d)
    if total == 0:
        return 0.0
    members_at = np.zeros(highest + 1, np.int64)
    for i in range(degree.size):
        if member_mask[i]:
            members_at[degree[i]] += 1
    left = max(1, math.ceil(0.05 * n_members))
    held = 0
    d = highest
    while left > 0:  # left <= members: the counts run out no lower than degree 0
        take = min(members_at[d], left)
        held += take * d
        left -= take
        d -= 1
    return held / total


def centralisation(degree: np.ndarray, member_mask: np.ndarray) -> float:
    """Share of tie ends held by the top 5% of members (at least one member) by tie count."""
    return _top_share(degree, member_mask)


@kernel
def _walk(
    indptr: np.ndarray,
    indices: np.ndarray,
    start: int,
    component: int,
    labels: np.ndarray,
    stack: np.ndarray,
    member_mask: np.ndarray,
) -> int:
    """Label ``start``'s component ``component`` by a depth-first walk; members reached.

    ``labels`` is -1 for people not yet labelled; ``stack`` has room for everyone.
    """
    labels[start] = component
    reached = 1 if member_mask[start] else 0
    top = 0
    stack[0] = start
    while top >= 0:
        node = stack[top]
        top -= 1
        for k in range(indptr[node], indptr[node + 1]):
            other = indices[k]
            if labels[other] < 0:
                labels[other] = component
                if member_mask[other]:
                    reached += 1
                top += 1
                stack[top] = other
    return reached


@kernel
def _component_labels(indptr: np.ndarray, indices: np.ndarray, labels: np.ndarray) -> None:
    """Label each person with their component: a walk from each unlabelled one."""
    stack = np.empty(labels.size, dtype=np.int64)
    everyone = np.ones(labels.size, np.bool_)
    component = 0
    for start in range(labels.size):
        if labels[start] < 0:
            _walk(indptr, indices, start, component, labels, stack, everyone)
            component += 1


def component_labels(ties: TieCSR) -> np.ndarray:
    """Connected-component label (0, 1, ...) of every person in the tie graph.

    The tie CSR is symmetric (every tie is listed from both ends), so one walk
    over each person's row reaches every neighbour. A compiled walk over the raw
    arrays: scipy's public ``connected_components`` would first copy the matrix to
    float64 and transpose it, and its raw routine is private. Only the partition
    matters (component sizes); a test holds it to scipy's.
    """
    labels = np.full(ties.size, -1, dtype=np.int64)
    _component_labels(ties.indptr, ties.indices, labels)
    return labels


@kernel
def _largest_member_component(
    indptr: np.ndarray, indices: np.ndarray, member_mask: np.ndarray
) -> float:
    """Members in the largest component / members (0 with no members).

    Walks start from members only; a walk passes through anyone tied, member or not,
    so each member's component is counted whole (the members in it).
    """
    n = member_mask.size
    labels = np.full(n, -1, np.int64)
    stack = np.empty(n, np.int64)
    n_members = 0
    largest = 0
    component = 0
    for start in range(n):
        if member_mask[start]:
            n_members += 1
            if labels[start] < 0:
                size = _walk(indptr, indices, start, component, labels, stack, member_mask)
                largest = max(largest, size)
                component += 1
    if n_members == 0:
        return 0.0
    return largest / n_members


def largest_component_share(ties: TieCSR, member_mask: np.ndarray) -> float:
    """Share of members in the largest connected component of the tie graph."""
    return _largest_member_component(ties.indptr, ties.indices, member_mask)


@kernel
def _count_at_most(cumulative: np.ndarray, value: float) -> int:
    """``np.searchsorted(cumulative, value, side="right")``: entries <= value (sorted)."""
    lo = 0
    hi = cumulative.size
    while lo < hi:
        mid = (lo + hi) >> 1
        if cumulative[mid] <= value:
            lo = mid + 1
        else:
            hi = mid
    return lo


@kernel
def _tied(indptr: np.ndarray, indices: np.ndarray, a: int, b: int) -> bool:
    """Whether ``a`` and ``b`` have a tie: ``b`` in ``a``'s row, read from the shorter row."""
    if indptr[b + 1] - indptr[b] < indptr[a + 1] - indptr[a]:
        a, b = b, a
    k = indptr[a]
    end = indptr[a + 1]
    while k < end and indices[k] != b:
        k += 1
    return k < end


_TIE_BITS_PER_SAMPLE = 32
"""Tie graphs whose bit matrix (64-bit words) and tie positions add up to this many per
sample look wedges' ends up in the matrix; larger ones read the shorter end's row."""


@kernel
def _tie_bits(indptr: np.ndarray, indices: np.ndarray, words: int) -> np.ndarray:
    """The tie graph as a bit matrix: bit ``b`` of row ``a`` (``words`` 64-bit words a
    row) is set when ``a`` and ``b`` have a tie."""
    n = indptr.size - 1
    bits = np.zeros(n * words, np.uint64)
    one = np.uint64(1)
    for a in range(n):
        row = a * words
        for k in range(indptr[a], indptr[a + 1]):
            b = indices[k]
            bits[row + (b >> 6)] |= one << np.uint64(b & 63)
    return bits


@kernel
def _bit_tied(bits: np.ndarray, words: int, a: int, b: int) -> bool:
    """Whether ``a`` and ``b`` have a tie, from :func:`_tie_bits`."""
    return ((bits[a * words + (b >> 6)] >> np.uint64(b & 63)) & np.uint64(1)) != 0


_CENTRE_TABLE_PER_SAMPLE = 64
"""Wedge counts up to this many per sample find their centres in a table (else a search)."""


@kernel
def _centre_table(cumulative: np.ndarray) -> np.ndarray:
    """Entry ``v`` (0 <= v < the last count): ``searchsorted(cumulative, v, side="right")``
    (int32: for fewer than 2^31 people).

    The person ``i`` with ``cumulative[i - 1] <= v < cumulative[i]``: everyone before
    ``i`` counts at most ``v``, and ``i`` does not. People with no wedge own no entry.
    """
    table = np.empty(cumulative[-1], np.int32)  # the caller has fewer than 2^31 people
    owned = 0
    for i in range(cumulative.size):
        table[owned : cumulative[i]] = i
        owned = cumulative[i]
    return table


@kernel
def _closed_share(indptr: np.ndarray, indices: np.ndarray, draws: np.ndarray) -> float:
    """The share of sampled wedges that a tie closes (see :func:`transitivity`).

    ``draws`` are :func:`wedge_draws`: the centres' block, the first ends', the second
    ends'. Per sample the same operations as the numpy formulation: ``x = draw x
    total``; the centre ``searchsorted(cumulative, floor(x), side="right")`` among the
    integers (read from :func:`_centre_table` when the wedges are few, the float search
    beyond 2^53 wedges), at most ``size - 1``; the ends ``(draw x d)`` and
    ``(draw x (d - 1))`` truncated, the second moved past the first. A wedge is closed
    when its ends have a tie (:func:`_tie_bits` on small graphs, else :func:`_tied`):
    for ties that are ``graph.tie_csr(present)``, what ``graph.edge_ids`` and
    ``present`` said. The closed wedges are counted (an integer), then divided once by
    the samples: what numpy's mean of booleans gives (its float sum of zeros and ones
    is exact).
    """
    n = indptr.size - 1
    cumulative = np.empty(n, np.int64)
    running = 0
    for i in range(n):
        d = int(indptr[i + 1] - indptr[i])
        running += (d * (d - 1)) >> 1  # d(d-1) is even and >= 0: an exact halving
        cumulative[i] = running
    if running <= 0:
        return 0.0
    samples = draws.size // 3
    total = float(running)
    tabled = running <= _CENTRE_TABLE_PER_SAMPLE * samples and n < 2**31
    table = _centre_table(cumulative) if tabled else np.empty(0, np.int32)
    exact = running < 2**53  # every partial sum is exact in float64: search the integers
    # beyond float64's exact integers: the float search of the counts as float64
    inexact = np.empty(0) if exact else cumulative.astype(np.float64)
    words = (n + 63) >> 6
    in_bits = n * words + indices.size <= _TIE_BITS_PER_SAMPLE * samples
    bits = _tie_bits(indptr, indices, words) if in_bits else np.empty(0, np.uint64)
    closed = 0
    for s in range(samples):
        x = draws[s] * total
        if exact:
            v = int(np.floor(x))
            # v < running always (a draw is below 1); n - 1 is the search's answer past it
            if tabled:
                centre = int(table[v]) if v < running else n - 1
            else:
                centre = _count_at_most(cumulative, v)
        else:
            centre = _count_at_most(inexact, x)
        c = min(centre, n - 1)
        start = indptr[c]
        d = int(indptr[c + 1] - start)
        first = int(draws[samples + s] * d)
        second = int(draws[2 * samples + s] * (d - 1))
        if second >= first:
            second += 1
        a = indices[start + first]
        b = indices[start + second]
        if _bit_tied(bits, words, a, b) if in_bits else _tied(indptr, indices, a, b):
            closed += 1
    return closed / samples


def transitivity(ties: TieCSR, rng: np.random.Generator) -> float:
    """Global clustering of the tie graph, estimated from sampled wedges (Schank & Wagner 2005).

    A wedge is a two-path a-c-b; the estimate is the share of sampled wedges
    closed by a tie a-b. Centres are drawn in proportion to their wedge count
    d(d-1)/2 and the two ends uniformly among distinct pairs of their ties, so
    the estimate is unbiased for 3 x triangles / wedges. Draws :func:`wedge_draws`
    from ``rng`` (nothing when nobody has two ties).

    Wedge counts are whole numbers, so the centre of a draw ``x`` (the number
    of cumulative counts <= x) is found among integers at ``floor(x)``.
    """
    return _closed_share(ties.indptr, ties.indices, wedge_draws(ties, rng))


def crossing_edges(graph: ContactGraph, organisation: np.ndarray) -> np.ndarray:
    """Per contact edge: True if its two ends are in different organisations.

    Organisations never change during a run, so a model computes this once and
    passes it to :func:`tie_structure` instead of re-reading both ends of every
    tie each step.
    """
    return organisation[graph.edge_u] != organisation[graph.edge_v]


@kernel
def _tie_structure(
    ties: TieGraph, member_mask: np.ndarray, draws: np.ndarray
) -> tuple[int, float, float, float, float]:
    """(ties, cross_org_tie_share, centralisation, largest_component_share,
    transitivity) in one compiled pass; ``draws`` are :func:`wedge_draws`."""
    ties = TieGraph(*ties)
    count = ties.edges.size
    cross = 0
    for e in ties.edges:
        if ties.crossing[e]:
            cross += 1
    share = cross / count if count else 0.0
    n = ties.indptr.size - 1
    degree = np.empty(n, np.int64)
    for i in range(n):
        degree[i] = ties.indptr[i + 1] - ties.indptr[i]
    return (
        count,
        share,
        _top_share(degree, member_mask),
        _largest_member_component(ties.indptr, ties.indices, member_mask),
        _closed_share(ties.indptr, ties.indices, draws),
    )


def tie_structure(
    graph: ContactGraph,
    ties: TieCSR,
    organisation: np.ndarray,
    member_mask: np.ndarray,
    rng: np.random.Generator,
    *,
    crossing: np.ndarray | None = None,
) -> dict[str, float]:
    """ties, cross_org_tie_share, centralisation, largest_component_share, transitivity.

    ``ties`` is ``graph.tie_csr(present)``; ``crossing`` is :func:`crossing_edges` of
    ``organisation`` if the caller has it. One compiled pass (:func:`_tie_structure`)
    after the wedge draws (:func:`wedge_draws`), the only use of ``rng``.
    """
    if crossing is None:
        crossing = crossing_edges(graph, organisation)
    edges = np.arange(graph.edge_count) if ties.edges is None else ties.edges
    count, share, central, largest, closed = _tie_structure(
        packed(TieGraph(ties.indptr, ties.indices, edges, crossing)),
        member_mask,
        wedge_draws(ties, rng),
    )
    return {
        "ties": count,
        "cross_org_tie_share": share,
        "centralisation": central,
        "largest_component_share": largest,
        "transitivity": closed,
    }


def skip_tie_structure(ties: TieCSR, rng: np.random.Generator) -> None:
    """Draw what :func:`tie_structure` would draw from ``rng``, and compute nothing.

    A run that records only its summary skips the tie-structure metrics, but
    the metrics stream also drives members' roles: taking the same draws keeps
    such a run bit-identical to one that records everything.
    """
    if has_wedges(ties):  # wedge_draws' block
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


def member_means(member_mask: np.ndarray, n_members: int, *values: np.ndarray) -> tuple[float, ...]:
    """The mean of each of ``values`` over the members (``n_members`` of them, at least one).

    numpy's own mean, step for step (``_methods._mean``: the pairwise ``np.add.reduce``
    of the members' values, then one division by the count, in the sum's type), without
    its wrapper's cost, and with the members found once for every array.
    """
    members = member_mask.nonzero()[0]
    count = np.intp(n_members)
    means = []
    for array in values:
        total = np.add.reduce(array.take(members))
        means.append(float(total.dtype.type(total / count)))
    return tuple(means)


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
