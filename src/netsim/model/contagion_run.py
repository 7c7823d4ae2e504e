"""Contagion mode's weeks as one compiled loop: the spread, the counts, the table rows.

In ``contagion`` mode (a fixed network, neutral gates) a week is only the spread of
each idea (:mod:`netsim.model.diffusion`'s rules) and one row of counts. At a thousand
members that week is ~2 us of arithmetic but ~200 us of numpy calls and Python; so
:func:`spread_weeks` runs many weeks in one compiled call, writing each week's counts
into preallocated arrays, and :func:`table_columns` turns them into the rows
``NetworkModel._collect`` would have appended, column by column. ``NetworkModel.run``
uses both, and :func:`jump_clock` then leaves Mesa's clock where that many calls of
``step()`` would have left it. ``NetworkModel.step`` in contagion mode runs one week.

**Bit identity with the numpy formulation** (``NetworkModel._spread_ideas`` with the
tie adjacency, kept for the social model, and compared in
``tests/model/test_contagion_run.py``):

- the kernel draws from the model's numpy ``Generator`` itself (numba draws the same
  stream and advances the same state), one ``rng.random()`` per number, in the order
  and count the numpy code drew its arrays: per idea, the tie rule's draw for each
  exposed susceptible person (simple contagion) or each candidate who meets the
  threshold (complex, only when ``adoption_probability < 1``) in increasing index
  order; then outside influence's for every susceptible person (only when it is > 0);
  then recovery's for every holder (only when 0 < recovery < 1), each in increasing
  index order;
- no transcendental function is evaluated in compiled code (numba's ``log1p`` and
  ``expm1`` differ from numpy's SIMD ones in the last bit of some values): simple
  contagion's P(adopt | k adopting ties) = ``-expm1(k log1p(-beta))`` is a table by k
  (:func:`adoption_by_ties`) made by numpy with the numpy code's own operations;
- counts are integers; the shares are divided and averaged by numpy afterwards, as
  ``metrics.adoption_columns`` does.

Which side of the ties is walked (the susceptible people's, pulling from their
adopting ties, or the transmitters', pushing to their susceptible ties) is chosen per
idea and week by the sums of degrees (:data:`PUSH_COST`); the counts, and so the draws,
are the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import repeat
from typing import Any, NamedTuple

import mesa
import numpy as np

from netsim.model import engagement, metrics
from netsim.model.compiled import kernel, packed
from netsim.model.diffusion import needed_adopters
from netsim.model.graphs import TieCSR
from netsim.model.levers import Levers
from netsim.model.state import ADOPTED, DROPPED, NOT_ADOPTED

PUSH_COST = 2
"""A tie walked from a holder (push: an exposure count and a bit set per susceptible end)
costs about twice one walked from a susceptible person (pull: a count), so a week pushes
only when the holders' ties are at most half the susceptible people's (measured at 10,000
members: 5% faster than pushing up to an equal share; the draws are the same either way)."""
_DE_BRUIJN = np.uint64(0x03F79D71B4CB0A89)
"""A de Bruijn sequence: (b * _DE_BRUIJN) >> 58 is distinct for each single bit b of 64."""
_BIT_OF = np.zeros(64, np.int64)
for _bit in range(64):
    _BIT_OF[(int(_DE_BRUIJN) << _bit) % 2**64 >> 58] = _bit
"""Which bit a single-bit word is, by its de Bruijn hash (the lowest set bit of a word)."""


class SpreadRule(NamedTuple):
    """One contagion-mode parameter set, as the compiled week reads it.

    ``adopt_by_ties[k]``: simple contagion's P(adopt | k adopting ties);
    ``needed[d]``: complex contagion's adopting ties needed at degree d (``ceil(phi d)``).
    Probabilities in [0, 1]; counts in people.
    """

    complex: bool
    adopt_by_ties: np.ndarray
    needed: np.ndarray
    threshold_count: int
    adoption_probability: float
    outside_influence: float
    recovery_probability: float


class WeekCounts(NamedTuple):
    """Per week of a run (rows) the people holding and ever holding each idea (columns),
    and holding at least one / ever at least one idea. int64 counts of people."""

    held: np.ndarray
    ever: np.ndarray
    held_any: np.ndarray
    ever_any: np.ndarray


class SpreadWork(NamedTuple):
    """The compiled weeks' working arrays for N people and some ideas, made once per model.

    ``exposure``, ``marks`` and ``is_fresh`` are all zero between calls (each call leaves
    them so); the rest is overwritten by each call. Indices are int64.
    """

    exposure: np.ndarray
    """(N,) pushing: adopting ties of each exposed susceptible person."""
    marks: np.ndarray
    """(ceil(N / 64),) uint64 pushing: the exposed people, one bit each."""
    fresh: np.ndarray
    """(N,) this idea's adopters this week, written after recovery."""
    is_fresh: np.ndarray
    """(N,) bool: in ``fresh``."""
    susceptible: np.ndarray
    """(ideas, N) each idea's susceptible people, in increasing order (some stale)."""
    holders: np.ndarray
    """(ideas, N) each idea's holders (in increasing order when they can recover)."""
    ideas_held: np.ndarray
    """(N,) with several ideas: ideas each person holds (else empty)."""
    ideas_ever: np.ndarray
    """(N,) with several ideas: ideas each person ever held (else empty)."""


def spread_work(size: int, ideas: int) -> SpreadWork:
    """Fresh :class:`SpreadWork` for ``size`` people and ``ideas`` ideas."""
    several = size if ideas > 1 else 0
    return SpreadWork(
        exposure=np.zeros(size, np.int64),
        marks=np.zeros((size + 63) >> 6, np.uint64),
        fresh=np.empty(size, np.int64),
        is_fresh=np.zeros(size, np.bool_),
        susceptible=np.empty((ideas, size), np.int64),
        holders=np.empty((ideas, size), np.int64),
        ideas_held=np.zeros(several, np.int64),
        ideas_ever=np.zeros(several, np.int64),
    )


def adoption_by_ties(transmission: float, top: int) -> np.ndarray:
    """P(adopt | k adopting ties) for k = 0 .. top, with neutral weights: 1 - (1 - beta)^k.

    Exactly the floats ``diffusion.new_adopters`` computes for the exposed people on a
    fixed network: ``-expm1(k * log1p(-min(beta, 1 - 1e-16)))``, the same numpy
    elementwise operations on the same values.
    """
    k = np.arange(top + 1, dtype=np.int64)
    log_q = k * np.log1p(-min(transmission, 1.0 - 1e-16))
    return -np.expm1(log_q)


def spread_rule(params: Any, ties: TieCSR) -> SpreadRule:
    """The :class:`SpreadRule` of ``params`` (a ``Parameters``) on the fixed ``ties``."""
    top = int(ties.degree.max(initial=0))
    complex_ = params.contagion == "complex"
    unused = np.zeros(1)  # the other rule's table: never read
    return SpreadRule(
        complex=complex_,
        adopt_by_ties=unused
        if complex_
        else adoption_by_ties(params.transmission_probability, top),
        needed=needed_adopters(params.threshold_fraction, top + 1)
        if complex_
        else unused.astype(np.int64),
        threshold_count=int(params.threshold_count),
        adoption_probability=float(params.adoption_probability),
        outside_influence=float(params.outside_influence),
        recovery_probability=float(params.recovery_probability),
    )


@kernel
def _tie_rule_adopts(
    k: int,
    degree: int,
    simple: bool,
    table: np.ndarray,
    needed: np.ndarray,
    least: int,
    chance: float,
    rng: np.random.Generator,
) -> bool:
    """Whether a susceptible person with k >= 1 adopting ties of ``degree`` adopts.

    Simple contagion: one draw against ``table[k]`` = P(adopt | k). Complex: the exact
    threshold rule (k >= ``least`` and k >= ``needed[degree]``), then one draw against
    ``chance`` (adoption_probability) unless it is 1 (no draw). The rule's fields come
    as scalars and arrays, not the SpreadRule: the loops then keep them in registers
    (a quarter faster).
    """
    if simple:
        return rng.random() < table[k]
    if k < least or k < needed[degree]:
        return False
    if chance >= 1.0:
        return True
    return rng.random() < chance


@kernel
def _merge_sorted(into: np.ndarray, size: int, extra: np.ndarray) -> int:
    """Merge sorted ``extra`` into sorted ``into[:size]`` in place (from the back); new size."""
    a = size - 1
    b = extra.size - 1
    w = size + extra.size - 1
    while b >= 0:
        if a >= 0 and into[a] > extra[b]:
            into[w] = into[a]
            a -= 1
        else:
            into[w] = extra[b]
            b -= 1
        w -= 1
    return size + extra.size


@kernel
def _spread_weeks(
    indptr: np.ndarray,
    indices: np.ndarray,
    degree: np.ndarray,
    adoption: np.ndarray,
    adoption_week: np.ndarray,
    first_week: int,
    rule: tuple[Any, ...],
    rng: np.random.Generator,
    work: tuple[np.ndarray, ...],
    held_out: np.ndarray,
    ever_out: np.ndarray,
    held_any_out: np.ndarray,
    ever_any_out: np.ndarray,
) -> int:
    """Weeks ``first_week`` .. ``first_week + len(held_out) - 1`` of every idea; returns the
    adoptions made (each dated in ``adoption_week``). See the module docstring.

    Per idea, the susceptible people and the holders are kept as lists in increasing
    index order, so a week costs the people and ties of the side it walks, not N. The
    susceptible list may hold people who have adopted since it was last walked: every
    walk skips them and compacts the list as it goes. The holders' list is kept exact
    and sorted when holders recover (recovery draws in index order); without recovery
    its order is never read and adopters are appended.
    """
    rule = SpreadRule(*rule)
    simple = not rule.complex  # the rule's fields as locals, read in the hot loops
    table = rule.adopt_by_ties
    needed = rule.needed
    least = rule.threshold_count
    chance = rule.adoption_probability
    ideas, n = adoption.shape
    weeks = held_out.shape[0]
    ordered = rule.recovery_probability > 0.0
    work = SpreadWork(*work)
    exposure, marks, fresh, is_fresh = work.exposure, work.marks, work.fresh, work.is_fresh
    susceptible, holders = work.susceptible, work.holders
    listed = np.zeros(ideas, np.int64)  # entries in each idea's susceptible list
    held = np.zeros(ideas, np.int64)
    ever = np.zeros(ideas, np.int64)
    holder_ties = np.zeros(ideas, np.int64)  # sums of degrees
    susceptible_ties = np.zeros(ideas, np.int64)
    several = ideas > 1
    ideas_held, ideas_ever = work.ideas_held, work.ideas_ever
    if several:
        ideas_held[:] = 0
        ideas_ever[:] = 0
    for idea in range(ideas):
        row = adoption[idea]
        for i in range(n):
            if row[i] == NOT_ADOPTED:
                susceptible[idea, listed[idea]] = i
                listed[idea] += 1
                susceptible_ties[idea] += degree[i]
                continue
            ever[idea] += 1
            if several:
                ideas_ever[i] += 1
            if row[i] == ADOPTED:
                holders[idea, held[idea]] = i
                held[idea] += 1
                holder_ties[idea] += degree[i]
                if several:
                    ideas_held[i] += 1
    held_any = held[0]
    ever_any = ever[0]
    if several:
        held_any = 0
        ever_any = 0
        for i in range(n):
            held_any += ideas_held[i] > 0
            ever_any += ideas_ever[i] > 0
    made = 0
    for week in range(weeks):
        for idea in range(ideas):
            row = adoption[idea]
            sus = susceptible[idea]
            hold = holders[idea]
            count = 0
            # the tie rule: exposed susceptible people in increasing index order
            if holder_ties[idea] > 0 and susceptible_ties[idea] > 0:
                if PUSH_COST * holder_ties[idea] <= susceptible_ties[idea]:  # push
                    # mark the exposed in a bitmap, then visit its set bits in order
                    low, high = n, -1
                    for a in range(held[idea]):
                        j = hold[a]
                        for e in range(indptr[j], indptr[j + 1]):
                            i = indices[e]
                            if row[i] == NOT_ADOPTED:
                                if exposure[i] == 0:
                                    word = i >> 6
                                    marks[word] |= np.uint64(1) << np.uint64(i & 63)
                                    low = min(low, word)
                                    high = max(high, word)
                                exposure[i] += 1
                    for word in range(low, high + 1):
                        bits = marks[word]
                        marks[word] = 0
                        while bits:
                            lowest = bits & (~bits + np.uint64(1))
                            bits ^= lowest
                            i = (word << 6) + _BIT_OF[(lowest * _DE_BRUIJN) >> np.uint64(58)]
                            if _tie_rule_adopts(
                                exposure[i], degree[i], simple, table, needed, least, chance, rng
                            ):
                                fresh[count] = i
                                is_fresh[i] = True
                                count += 1
                            exposure[i] = 0
                else:  # pull from the susceptible people's ties
                    kept = 0
                    for a in range(listed[idea]):
                        i = sus[a]
                        if row[i] != NOT_ADOPTED:
                            continue
                        sus[kept] = i
                        kept += 1
                        k = 0
                        for e in range(indptr[i], indptr[i + 1]):
                            if row[indices[e]] == ADOPTED:
                                k += 1
                        if k > 0 and _tie_rule_adopts(
                            k, degree[i], simple, table, needed, least, chance, rng
                        ):
                            fresh[count] = i
                            is_fresh[i] = True
                            count += 1
                    listed[idea] = kept
            # outside influence: one draw per susceptible person, whatever the ties did
            if rule.outside_influence > 0.0:
                tied = count
                kept = 0
                for a in range(listed[idea]):
                    i = sus[a]
                    if row[i] != NOT_ADOPTED:
                        continue
                    sus[kept] = i
                    kept += 1
                    if rng.random() < rule.outside_influence and not is_fresh[i]:
                        fresh[count] = i
                        is_fresh[i] = True
                        count += 1
                listed[idea] = kept
                if tied < count:  # two sorted runs: the tie rule's, then outside's
                    fresh[:count] = np.sort(fresh[:count])
            # recovery of the week's holders (before this week's adopters hold it)
            if ordered and held[idea] > 0:
                always = rule.recovery_probability >= 1.0
                kept = 0
                for a in range(held[idea]):
                    i = hold[a]
                    if always or rng.random() < rule.recovery_probability:
                        row[i] = DROPPED
                        holder_ties[idea] -= degree[i]
                        if several:
                            ideas_held[i] -= 1
                            held_any -= ideas_held[i] == 0
                    else:
                        hold[kept] = i
                        kept += 1
                if not several:
                    held_any -= held[idea] - kept
                held[idea] = kept
            for q in range(count):
                i = fresh[q]
                row[i] = ADOPTED
                adoption_week[idea, i] = first_week + week
                is_fresh[i] = False
                holder_ties[idea] += degree[i]
                susceptible_ties[idea] -= degree[i]
                if several:
                    held_any += ideas_held[i] == 0
                    ever_any += ideas_ever[i] == 0
                    ideas_held[i] += 1
                    ideas_ever[i] += 1
            if count:
                if ordered:
                    held[idea] = _merge_sorted(hold, held[idea], fresh[:count])
                else:
                    hold[held[idea] : held[idea] + count] = fresh[:count]
                    held[idea] += count
                if not several:
                    held_any += count
                    ever_any += count
            ever[idea] += count
            made += count
            held_out[week, idea] = held[idea]
            ever_out[week, idea] = ever[idea]
        held_any_out[week] = held_any
        ever_any_out[week] = ever_any
    return made


def spread_weeks(
    ties: TieCSR,
    adoption: np.ndarray,
    adoption_week: np.ndarray,
    first_week: int,
    weeks: int,
    rule: SpreadRule,
    rng: np.random.Generator,
    work: SpreadWork | None = None,
) -> tuple[WeekCounts, int]:
    """Spread every idea for ``weeks`` weeks, the first numbered ``first_week``.

    ``adoption`` (ideas, N) is updated in place and each adoption dated in
    ``adoption_week``; returns the weeks' counts and the number of adoptions made.
    ``work``: the model's :func:`spread_work` (made here if None).
    """
    ideas = adoption.shape[0]
    if work is None or work.susceptible.shape != adoption.shape:
        work = spread_work(adoption.shape[1], ideas)
    counts = WeekCounts(
        np.empty((weeks, ideas), np.int64),
        np.empty((weeks, ideas), np.int64),
        np.empty(weeks, np.int64),
        np.empty(weeks, np.int64),
    )
    made = _spread_weeks(
        ties.indptr,
        ties.indices,
        ties.degree,
        adoption,
        adoption_week,
        first_week,
        packed(rule),
        rng,
        packed(work),
        *counts,
    )
    return counts, int(made)


def table_columns(
    counts: WeekCounts,
    first_week: int,
    size: int,
    *,
    status: dict[str, int],
    record: str,
    network_row: dict[str, float] | None,
    levers: Levers,
    params: Any,
) -> dict[str, Iterable[Any]]:
    """The rows ``NetworkModel._collect`` appends for these weeks in contagion mode, by column.

    The same columns with the same Python ints and floats: ``status`` is the fixed
    status counts, ``network_row`` the fixed tie structure (record 'all'), ``size`` N.
    A column that is the same every week comes as ``itertools.repeat`` and columns may
    share a list (``StepTable.extend`` copies the values). Shares are numpy's divisions
    of the counts (as Python's int / int, correctly rounded), and with several ideas the
    per-idea means are taken week by week on the same one-dimensional arrays as
    ``metrics.adoption_columns``.
    """
    weeks = counts.held.shape[0]
    if first_week < 1:
        raise ValueError(f"first_week: {first_week} is not a week of a run (>= 1)")
    n_members = status["active"] + status["passive"]
    fixed: dict[str, Any] = {
        **status,
        "members": n_members,
        "active_share": status["active"] / size,
    }
    varying: dict[str, Iterable[Any]] = {"step": range(first_week, first_week + weeks)}
    ideas = counts.held.shape[1]
    if ideas == 1:
        held = counts.held[:, 0]
        member_share = held / size
        varying["adopters"] = varying["member_adopters"] = held.tolist()
        varying["ever_adopters"] = counts.ever[:, 0].tolist()
        varying["adoption_share"] = varying["member_adoption_share"] = member_share.tolist()
        varying["ever_adopted_share"] = (counts.ever[:, 0] / size).tolist()
    else:
        per_idea = counts.held / size
        ever_share = counts.ever / size
        mean_held = [float(per_idea[w].mean()) for w in range(weeks)]
        member_share = np.array(mean_held)
        varying["adopters"] = varying["member_adopters"] = counts.held_any.tolist()
        varying["ever_adopters"] = counts.ever_any.tolist()
        varying["adoption_share"] = varying["member_adoption_share"] = mean_held
        varying["ever_adopted_share"] = [float(ever_share[w].mean()) for w in range(weeks)]
        for k in range(ideas):
            varying[f"adoption_share_idea{k + 1}"] = per_idea[:, k].tolist()
    if record != "summary":
        if network_row is None:
            raise ValueError("record 'all' needs the fixed network's row")
        fixed.update(
            {"mean_engagement": 1.0, "mean_trust": 1.0},
            requests=0,
            exchanges=0,
            joins=0,
            lapses=0,
        )
        fixed.update(network_row)
        fixed["event"] = 0
        varying["funding"] = levers.funding_weeks(first_week, weeks)  # weeks >= 1
        varying["facilitation"] = levers.facilitation_weeks(first_week, weeks)
        # five_c with the varying share as an array: the same operations, elementwise
        five = metrics.five_c(
            {**fixed, "member_adoption_share": member_share},
            alignment=levers.alignment,
            expected_value=engagement.EXPECTATION_SCALE * params.expectations,
            performance_management=levers.performance_management,
            critical_mass_share=params.critical_mass_share,
            mean_perceived_value=1.0,
        )
        for key, value in five.items():
            if isinstance(value, np.ndarray):
                varying[key] = value.tolist()
            else:
                fixed[key] = value
    columns: dict[str, Iterable[Any]] = {key: repeat(value, weeks) for key, value in fixed.items()}
    columns.update(varying)
    return columns


def jump_clock(model: mesa.Model, count: int) -> bool:
    """Advance Mesa's clock as ``count`` calls of ``step()`` would, without stepping.

    Only when the clock is Mesa's plain weekly one: its default schedule (every 1.0 from
    1.0, no end) is the only event pending, it is due at the next whole week, no
    simulator drives the model and nothing observes it. Then ``steps`` and ``time`` go
    up by ``count``, the schedule's execution count too, and its next event is due one
    week after the new time: what ``run_for(count)`` leaves (mesa.Model._advance_time,
    _do_step, EventGenerator._execute_and_reschedule). Returns False, changing nothing,
    otherwise; the caller then steps week by week.
    """
    if not clock_ready(model):
        return False
    schedule = model._default_schedule
    model._event_list.pop_event()  # the schedule's pending event, the only one
    model.steps += count
    model.time = model.time + count
    schedule._execution_count += count
    schedule._schedule_next(model.time + 1.0)
    return True


def clock_ready(model: mesa.Model) -> bool:
    """Whether :func:`jump_clock` would jump (the same checks, changing nothing).

    The clock's parts are Mesa's (3.5) internals: a Mesa without one of them is not
    ready (the run then steps week by week through Mesa's own loop).
    """
    try:
        schedule = model._default_schedule
        plan = schedule.schedule
        return bool(
            model._simulator is None
            and schedule.is_active
            and not schedule._paused
            and schedule.next_scheduled_time == model.time + 1.0
            and plan.interval == 1.0
            and plan.count is None
            and plan.end is None
            and len(model._event_list) == 1
            and not any(model.subscribers.values())
            and callable(schedule._schedule_next)
        )
    except AttributeError:
        return False


__all__ = [
    "SpreadRule",
    "SpreadWork",
    "WeekCounts",
    "adoption_by_ties",
    "clock_ready",
    "jump_clock",
    "spread_rule",
    "spread_weeks",
    "spread_work",
    "table_columns",
]
