"""By-hand benchmark table of issue 17 (not a test; pytest does not collect benchmarks/).

Measures member-steps per second, in ONE process, with the contenders alternated
(A, B, C, A, B, C, ... at each size; the median of the repeats is reported):

1. netsim's contagion mode, SI and SIR, on its fixed Erdos-Renyi network
   (``netsim.build_model(...)`` then ``model.run()``: only ``run()`` is timed);
2. a hand-written numba SI / SIR kernel over THE SAME tie CSR (indptr / indices of
   the netsim model's fixed ties), the same innovators and parameters: per step it
   walks only the infected side (push) or only the susceptible side (pull), whichever
   has the smaller sum of degrees, draws from an ``np.random.Generator`` passed in,
   records the number infected and recovered per step, and runs all steps in one
   compiled call over preallocated arrays;
3. Mesa's own ``virus_on_network`` example at the same n (up to ``--mesa-max``);
4. netsim's full social model at 1,000 members, 200 steps, ``record="summary"`` and
   ``record="all"``, against Mesa's example at 1,000 nodes;

then the issue's targets with PASS / MISS. The kernel is checked to be a correct
SI / SIR (counts that can only grow do grow, S + I + R = n, and its mean final size
and mean infected share agree with netsim's over many seeds); a failed check stops
the script with an error.

Usage::

    python benchmarks/bench_compare.py                 # 1k, 10k, 100k, 1M; 200 steps
    python benchmarks/bench_compare.py --quick         # 1k and 10k, 30 steps (seconds)
    python benchmarks/bench_compare.py --sizes 1000 100000 --repeats 5 --json out.json

See benchmarks/README.md ("bench_compare.py") for what each number means.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numba
import numpy as np
from bench_model import (
    SEED,
    Check,
    checks_table,
    contagion_parameters,
    environment,
    time_mesa_example,
)
from rich.console import Console
from rich.table import Table
from scipy.stats import ks_2samp

import netsim
from netsim import Parameters

DEFAULT_SIZES = (1_000, 10_000, 100_000, 1_000_000)
QUICK_SIZES = (1_000, 10_000)
DEFAULT_STEPS = 200
QUICK_STEPS = 30
DEFAULT_REPEATS = 3
QUICK_REPEATS = 2
MIN_SECONDS = 0.25
"""A repeat times a contender until this many seconds are timed (short runs averaged)."""
QUICK_MIN_SECONDS = 0.05
DEFAULT_MESA_MAX = 10_000
"""Mesa's example is timed up to this size (it is slow: ~0.1 M agent-steps/s)."""
FULL_MODEL_SIZE = 1_000
FULL_MODEL_STEPS = 200
CHECK_SIZE = 1_000
"""Size at which the kernel's results are compared with netsim's over many seeds."""
CHECK_SEEDS = 60
QUICK_CHECK_SEEDS = 30
CHECK_Z = 4.0
"""The kernel fails the check if a mean differs from netsim's by more than this many
standard errors (of the difference of two independent means)."""
CHECK_KS_P = 1e-3
"""... or if a two-sample Kolmogorov-Smirnov test of the two samples gives p below this."""

TARGET_FULL_SUMMARY_VS_MESA = 15.0
TARGET_FULL_ALL_VS_MESA = 10.0
TARGET_VS_KERNEL = 0.8
"""netsim contagion / kernel at 10k, 100k and 1M."""
TARGET_VS_KERNEL_SMALL = 0.5
"""netsim contagion / kernel at 1k (below 10k)."""
SMALL_SIZE_LIMIT = 10_000

console = Console(width=150)


class KernelCheckError(RuntimeError):
    """The hand-written kernel did not behave as an SI / SIR must: its figures are void."""


# --- the hand-written kernel -----------------------------------------------------------------
SUSCEPTIBLE, INFECTED, RECOVERED, NEWLY = 0, 1, 2, 3


@numba.njit(cache=True, nogil=True)
def contagion_kernel(
    indptr: np.ndarray,
    indices: np.ndarray,
    innovators: np.ndarray,
    p_pull: np.ndarray,
    beta: float,
    gamma: float,
    steps: int,
    rng: np.random.Generator,
    state: np.ndarray,
    sus: np.ndarray,
    sus_pos: np.ndarray,
    inf: np.ndarray,
    new: np.ndarray,
    infected: np.ndarray,
    recovered: np.ndarray,
) -> int:
    """Discrete-time SI (gamma 0) / SIR on a CSR graph; returns the pull steps taken.

    Synchronous steps, as netsim's: exposures come from the infected at the start of
    the step; then each of them recovers with probability gamma; then the newly
    infected turn infectious. Each tie from an infected to a susceptible person
    transmits with probability beta, independently (push: one draw per such tie), which
    is the same as a susceptible person with k infected ties being infected with
    probability 1 - (1 - beta)^k (pull: one draw per exposed person, ``p_pull[k]``).
    ``infected[t]`` and ``recovered[t]`` are the counts after step t (t = 0: the start).
    All work arrays are preallocated by the caller (n each; ``infected`` and
    ``recovered`` steps + 1); the infected and susceptible people are kept as compact
    lists (swap-remove), so a step costs the degrees of the side it walks.
    """
    n = indptr.size - 1
    for i in range(n):
        state[i] = SUSCEPTIBLE
    n_inf = 0
    for a in range(innovators.size):
        i = innovators[a]
        if state[i] == SUSCEPTIBLE:
            state[i] = INFECTED
            inf[n_inf] = i
            n_inf += 1
    n_sus = 0
    deg_sus = 0
    deg_inf = 0
    for i in range(n):
        d = indptr[i + 1] - indptr[i]
        if state[i] == SUSCEPTIBLE:
            sus[n_sus] = i
            sus_pos[i] = n_sus
            n_sus += 1
            deg_sus += d
        else:
            deg_inf += d
    n_rec = 0
    infected[0] = n_inf
    recovered[0] = 0
    pulls = 0
    for t in range(1, steps + 1):
        n_new = 0
        if n_inf > 0 and n_sus > 0:
            if deg_inf <= deg_sus:  # push: walk the infected people's ties
                for a in range(n_inf):
                    i = inf[a]
                    for e in range(indptr[i], indptr[i + 1]):
                        j = indices[e]
                        if state[j] == SUSCEPTIBLE and rng.random() < beta:
                            state[j] = NEWLY
                            new[n_new] = j
                            n_new += 1
            else:  # pull: walk the susceptible people's ties
                pulls += 1
                for a in range(n_sus):
                    j = sus[a]
                    k = 0
                    for e in range(indptr[j], indptr[j + 1]):
                        if state[indices[e]] == INFECTED:
                            k += 1
                    if k > 0 and rng.random() < p_pull[k]:
                        state[j] = NEWLY
                        new[n_new] = j
                        n_new += 1
        if gamma > 0.0:  # backwards, so a swapped-in person has been visited already
            a = n_inf - 1
            while a >= 0:
                i = inf[a]
                if rng.random() < gamma:
                    state[i] = RECOVERED
                    deg_inf -= indptr[i + 1] - indptr[i]
                    n_inf -= 1
                    inf[a] = inf[n_inf]
                    n_rec += 1
                a -= 1
        for b in range(n_new):
            j = new[b]
            state[j] = INFECTED
            slot = sus_pos[j]
            last = sus[n_sus - 1]
            sus[slot] = last
            sus_pos[last] = slot
            n_sus -= 1
            d = indptr[j + 1] - indptr[j]
            deg_sus -= d
            deg_inf += d
            inf[n_inf] = j
            n_inf += 1
        infected[t] = n_inf
        recovered[t] = n_rec
    return pulls


@dataclass
class KernelWork:
    """The kernel's inputs and preallocated arrays for one graph (made before timing)."""

    indptr: np.ndarray
    indices: np.ndarray
    innovators: np.ndarray
    beta: float
    gamma: float
    steps: int
    p_pull: np.ndarray
    state: np.ndarray
    sus: np.ndarray
    sus_pos: np.ndarray
    inf: np.ndarray
    new: np.ndarray
    infected: np.ndarray
    recovered: np.ndarray
    pulls: int = 0

    @classmethod
    def for_model(cls, model: Any, params: Parameters, steps: int) -> KernelWork:
        """The netsim model's own fixed tie CSR and innovators, and fresh work arrays.

        ``model._fixed_ties`` is the model's tie CSR in contagion mode (fixed for the
        run); the innovators are the people whose ``adoption_week`` is 0 at the build.
        """
        ties = model._fixed_ties
        indptr, indices = ties.indptr, ties.indices
        n = indptr.size - 1
        innovators = np.flatnonzero(model.adoption_week[0] == 0).astype(indices.dtype)
        max_degree = int(np.max(np.diff(indptr), initial=0))
        beta = float(params.transmission_probability)
        p_pull = -np.expm1(np.arange(max_degree + 1) * np.log1p(-min(beta, 1.0 - 1e-16)))
        idx = indices.dtype
        return cls(
            indptr=indptr,
            indices=indices,
            innovators=innovators,
            beta=beta,
            gamma=float(params.recovery_probability),
            steps=steps,
            p_pull=p_pull,
            state=np.zeros(n, np.int8),
            sus=np.empty(n, idx),
            sus_pos=np.empty(n, idx),
            inf=np.empty(n, idx),
            new=np.empty(n, idx),
            infected=np.zeros(steps + 1, np.int64),
            recovered=np.zeros(steps + 1, np.int64),
        )

    def run(self, rng: np.random.Generator, steps: int | None = None) -> None:
        self.pulls = int(
            contagion_kernel(
                self.indptr,
                self.indices,
                self.innovators,
                self.p_pull,
                self.beta,
                self.gamma,
                self.steps if steps is None else steps,
                rng,
                self.state,
                self.sus,
                self.sus_pos,
                self.inf,
                self.new,
                self.infected,
                self.recovered,
            )
        )

    @property
    def n(self) -> int:
        return int(self.indptr.size - 1)

    def check(self) -> None:
        """Raise KernelCheckError unless the last run was a valid SI / SIR trajectory."""
        n, inf, rec = self.n, self.infected, self.recovered
        ever = inf + rec
        problems = []
        if np.any(np.diff(ever) < 0):
            problems.append("the number ever infected decreased")
        if np.any(np.diff(rec) < 0):
            problems.append("the number recovered decreased")
        if self.gamma == 0.0:
            if np.any(np.diff(inf) < 0):
                problems.append("under SI the number infected decreased")
            if np.any(rec != 0):
                problems.append("under SI someone recovered")
        if np.any(ever > n) or np.any(inf < 0):
            problems.append("counts outside 0..n")
        if inf[0] != np.unique(self.innovators).size:
            problems.append("step 0 is not the innovators")
        states = np.bincount(self.state, minlength=4)
        if states[INFECTED] != inf[-1] or states[RECOVERED] != rec[-1] or states[NEWLY]:
            problems.append("the final state disagrees with the recorded counts")
        if states[SUSCEPTIBLE] + states[INFECTED] + states[RECOVERED] != n:
            problems.append("S + I + R != n")
        # every infected or recovered person who is not an innovator has a tie to one who
        # was infected (the infection came over a tie)
        touched = np.flatnonzero(self.state != SUSCEPTIBLE)
        seeds = np.zeros(n, bool)
        seeds[self.innovators] = True
        for j in touched[~seeds[touched]][:2000]:
            partners = self.indices[self.indptr[j] : self.indptr[j + 1]]
            if not np.any(self.state[partners] != SUSCEPTIBLE):
                problems.append(f"person {j} was infected without an infected tie")
                break
        if problems:
            kind = "SIR" if self.gamma > 0 else "SI"
            raise KernelCheckError(
                f"the {kind} kernel is not a valid {kind}: " + "; ".join(problems)
            )


# --- timing --------------------------------------------------------------------------------------
@dataclass
class Series:
    """Repeated timings of one contender at one size."""

    name: str
    n: int
    steps: int
    seconds: list[float] = field(default_factory=list)
    finals: list[float] = field(default_factory=list)
    """Share of people ever infected (ever adopted) at the end of each repeat's run."""
    runs: list[int] = field(default_factory=list)
    """Runs averaged in each repeat (per_run: short runs are repeated)."""

    def add(self, seconds: float, runs: int, final: float | None = None) -> None:
        self.seconds.append(seconds)
        self.runs.append(runs)
        if final is not None:
            self.finals.append(final)

    @property
    def median_seconds(self) -> float:
        return statistics.median(self.seconds)

    @property
    def rate(self) -> float:
        """Member-steps per second of the median run."""
        return self.n * self.steps / self.median_seconds

    @property
    def spread(self) -> float:
        """(slowest - fastest) / median run time: how much the repeats disagree."""
        return (max(self.seconds) - min(self.seconds)) / self.median_seconds

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "n": self.n,
            "steps": self.steps,
            "seconds": self.seconds,
            "runs_per_repeat": self.runs,
            "median_seconds": self.median_seconds,
            "member_steps_per_second": self.rate,
            "final_ever_infected_share": self.finals,
        }


def _timed(call: Callable[[], None]) -> float:
    t0 = time.perf_counter()
    call()
    return time.perf_counter() - t0


def per_run(once: Callable[[], float], min_seconds: float) -> tuple[float, int]:
    """(mean seconds per run, runs) of ``once()`` (which returns its own timed seconds).

    A run shorter than ``min_seconds`` is repeated until the timed seconds add up to
    it (as timeit does): one sub-millisecond run is mostly timer and scheduler noise.
    The garbage is collected once before (a full collection takes ~0.1 s here).
    """
    gc.collect()
    total, runs = 0.0, 0
    while runs == 0 or total < min_seconds:
        total += once()
        runs += 1
    return total / runs, runs


def netsim_contagion_round(
    n: int, steps: int, sir: bool, seed: int, min_seconds: float
) -> tuple[float, int, float, Any, Parameters]:
    """Build (untimed) and run (timed) contagion models from ``seed``, per_run's way.

    Returns (seconds per ``run()``, runs, final ever-adopted share, the last model, its
    parameters); every build from the same seed is the same network and the same run.
    """
    params = contagion_parameters(n, steps, sir=sir)
    last: list[Any] = []

    def once() -> float:
        last[:] = [None]  # the previous model goes before the next is built
        model = netsim.build_model(params, seed=seed)
        last[:] = [model]
        return _timed(model.run)

    seconds, runs = per_run(once, min_seconds)
    model = last[0]
    final = float(model.table()["ever_adopted_share"].iloc[-1])
    return seconds, runs, final, model, params


def kernel_round(
    model: Any, params: Parameters, steps: int, seed: int, min_seconds: float
) -> tuple[float, int, float]:
    """Time the kernel over ``model``'s own CSR and innovators: (seconds, runs, final share).

    Each run starts from a fresh generator seeded ``seed`` (the same run every time) and
    is checked (KernelWork.check) after the timer stops.
    """
    work = KernelWork.for_model(model, params, steps)
    work.run(np.random.default_rng(seed), steps=1)  # compiled already: only dtypes warm

    def once() -> float:
        rng = np.random.default_rng(seed)
        seconds = _timed(lambda: work.run(rng))
        work.check()
        return seconds

    seconds, runs = per_run(once, min_seconds)
    final = float(work.infected[-1] + work.recovered[-1]) / work.n
    return seconds, runs, final


def mesa_round(n: int, steps: int, min_seconds: float) -> tuple[float, int]:
    """Seconds per block of ``steps`` calls of Mesa's example ``step()`` (builds untimed)."""
    return per_run(lambda: time_mesa_example(n, steps).run_seconds, min_seconds)


def full_round(record: str, seed: int, min_seconds: float) -> tuple[float, int]:
    """Seconds per ``run()`` of the full model at FULL_MODEL_SIZE (builds untimed)."""
    params = Parameters(eligible_population=FULL_MODEL_SIZE, steps=FULL_MODEL_STEPS)

    def once() -> float:
        model = netsim.build_model(params, seed=seed, record=record)
        return _timed(model.run)

    return per_run(once, min_seconds)


def warm_up() -> None:
    """Compile / load every contender once (numba, Mesa's imports) before anything is timed."""
    for sir in (False, True):
        _, _, _, model, params = netsim_contagion_round(200, 3, sir, SEED, 0.0)
        kernel_round(model, params, 3, SEED, 0.0)
    full_round("summary", SEED, 0.0)
    full_round("all", SEED, 0.0)
    mesa_round(200, 2, 0.0)


# --- the kernel against netsim over many seeds ---------------------------------------------------
@dataclass
class Agreement:
    """One statistic's mean over seeds, netsim and kernel, on the same networks."""

    kind: str
    statistic: str
    seeds: int
    netsim: list[float]
    kernel: list[float]

    @property
    def z(self) -> float:
        a, b = np.asarray(self.netsim), np.asarray(self.kernel)
        se = math.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
        diff = abs(float(a.mean() - b.mean()))
        if se == 0.0:
            return 0.0 if diff < 1e-12 else math.inf
        return diff / se

    @property
    def ks_p(self) -> float:
        """Two-sample Kolmogorov-Smirnov p-value: are the two samples one distribution?"""
        return float(ks_2samp(self.netsim, self.kernel).pvalue)

    @property
    def ok(self) -> bool:
        return self.z <= CHECK_Z and self.ks_p >= CHECK_KS_P


def agreement(n: int, steps: int, seeds: int) -> list[Agreement]:
    """Final ever-infected share and mean infected share, netsim and kernel, per seed.

    For each seed both run on the same network (netsim's, built with that seed) from the
    same innovators; the kernel draws from its own generator, so the two are independent
    samples of the same process if the kernel is right.
    """
    out = []
    for sir in (False, True):
        kind = "SIR" if sir else "SI"
        finals: tuple[list[float], list[float]] = ([], [])
        means: tuple[list[float], list[float]] = ([], [])
        for s in range(seeds):
            seed = 1000 + s
            params = contagion_parameters(n, steps, sir=sir)
            model = netsim.build_model(params, seed=seed)
            model.run()
            table = model.table()
            finals[0].append(float(table["ever_adopted_share"].iloc[-1]))
            means[0].append(float(table["adoption_share"].mean()))
            work = KernelWork.for_model(model, params, steps)
            work.run(np.random.default_rng(seed + 7919))
            work.check()
            finals[1].append(float(work.infected[-1] + work.recovered[-1]) / n)
            means[1].append(float(work.infected.mean()) / n)
        out.append(Agreement(kind, "final ever-infected share", seeds, *finals))
        out.append(Agreement(kind, "infected share, mean over steps", seeds, *means))
    return out


# --- report --------------------------------------------------------------------------------------
def _m(rate: float) -> str:
    return f"{rate / 1e6:,.3f} M"


def _runs(s: Series) -> str:
    """Runs averaged per repeat (the median over repeats)."""
    return f"{statistics.median(s.runs):.0f}"


def _ratio(a: Series | None, b: Series | None, digits: int = 2) -> str:
    if a is None or b is None:
        return "-"
    return f"{a.rate / b.rate:,.{digits}f}x"


def contagion_table(
    kind: str,
    netsim_rows: dict[int, Series],
    kernel_rows: dict[int, Series],
    mesa_rows: dict[int, Series],
) -> Table:
    table = Table(
        title=f"{kind}: member-steps/s (median of repeats; spread = (max - min) / median time; "
        "runs / repeat: netsim / kernel / Mesa)",
        title_justify="left",
    )
    for name in (
        "n",
        "steps",
        "runs / repeat",
        "netsim",
        "spread",
        "kernel",
        "spread",
        "netsim / kernel",
        "mean final, netsim",
        "mean final, kernel",
        "Mesa example",
        "netsim / Mesa",
    ):
        table.add_column(name, justify="right")
    for n, ns in netsim_rows.items():
        kr = kernel_rows[n]
        me = mesa_rows.get(n)
        table.add_row(
            f"{n:,}",
            str(ns.steps),
            f"{_runs(ns)} / {_runs(kr)}" + (f" / {_runs(me)}" if me else ""),
            _m(ns.rate),
            f"{ns.spread:.0%}",
            _m(kr.rate),
            f"{kr.spread:.0%}",
            _ratio(ns, kr),
            f"{statistics.mean(ns.finals):.1%}",
            f"{statistics.mean(kr.finals):.1%}",
            _m(me.rate) if me else "-",
            _ratio(ns, me, 0),
        )
    return table


def full_table(full: dict[str, Series], mesa: Series | None) -> Table:
    table = Table(
        title=f"Full model at {FULL_MODEL_SIZE:,} members, {FULL_MODEL_STEPS} steps, against "
        f"Mesa's virus_on_network at {FULL_MODEL_SIZE:,} nodes",
        title_justify="left",
    )
    for name in ("contender", "runs / repeat", "member-steps/s", "ms/step", "spread", "vs Mesa"):
        table.add_column(name, justify="right")
    rows = [(f'netsim, record="{k}"', s) for k, s in full.items()]
    if mesa is not None:
        rows.append(("Mesa virus_on_network", mesa))
    for label, s in rows:
        table.add_row(
            label,
            _runs(s),
            _m(s.rate),
            f"{1e3 * s.median_seconds / s.steps:.2f}",
            f"{s.spread:.0%}",
            _ratio(s, mesa, 1),
        )
    return table


def agreement_table(rows: Sequence[Agreement], n: int, steps: int) -> Table:
    table = Table(
        title=f"Kernel against netsim at {n:,} members, {steps} steps (same networks and "
        f"innovators per seed; fails beyond {CHECK_Z:.0f} standard errors or at KS p < "
        f"{CHECK_KS_P:g})",
        title_justify="left",
    )
    for name in ("model", "statistic", "seeds", "netsim mean", "kernel mean", "z", "KS p", ""):
        table.add_column(name, justify="right")
    for a in rows:
        table.add_row(
            a.kind,
            a.statistic,
            str(a.seeds),
            f"{statistics.mean(a.netsim):.4f}",
            f"{statistics.mean(a.kernel):.4f}",
            f"{a.z:.2f}",
            f"{a.ks_p:.3f}",
            "[green]agree[/green]" if a.ok else "[red]DIFFER[/red]",
        )
    return table


def evaluate(
    si: dict[int, Series],
    sir: dict[int, Series],
    kernel_si: dict[int, Series],
    kernel_sir: dict[int, Series],
    full: dict[str, Series],
    mesa_full: Series | None,
) -> list[Check]:
    checks = []
    for record, target in (
        ("summary", TARGET_FULL_SUMMARY_VS_MESA),
        ("all", TARGET_FULL_ALL_VS_MESA),
    ):
        name = f'full model at {FULL_MODEL_SIZE:,}, record="{record}", vs Mesa example'
        if record not in full or mesa_full is None:
            checks.append(Check(name, f">= {target:.0f}x", "not run", None))
            continue
        ratio = full[record].rate / mesa_full.rate
        checks.append(Check(name, f">= {target:.0f}x", f"{ratio:,.1f}x", ratio >= target))
    for kind, rows, kernel in (("SI", si, kernel_si), ("SIR", sir, kernel_sir)):
        for n in sorted(rows):
            target = TARGET_VS_KERNEL if n >= SMALL_SIZE_LIMIT else TARGET_VS_KERNEL_SMALL
            ratio = rows[n].rate / kernel[n].rate
            checks.append(
                Check(
                    f"contagion {kind} at {n:,}, netsim / kernel",
                    f">= {target:.1f}",
                    f"{ratio:.2f}",
                    ratio >= target,
                )
            )
    return checks


# --- main ----------------------------------------------------------------------------------------
def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="netsim contagion and full model against a hand-written numba kernel and "
        "Mesa's virus_on_network example (issue 17's benchmark table).",
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=None, help="contagion sizes")
    parser.add_argument(
        "--steps", type=int, default=None, help=f"contagion steps per run (default {DEFAULT_STEPS})"
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=None,
        help=f"timed runs of each contender at each size (default {DEFAULT_REPEATS})",
    )
    parser.add_argument(
        "--mesa-max",
        type=int,
        default=DEFAULT_MESA_MAX,
        help=f"largest contagion size at which Mesa's example runs (default {DEFAULT_MESA_MAX:,})",
    )
    parser.add_argument(
        "--check-seeds",
        type=int,
        default=None,
        help=f"seeds of the kernel-against-netsim check (default {CHECK_SEEDS})",
    )
    parser.add_argument(
        "--min-seconds",
        type=float,
        default=None,
        help=f"a repeat runs a contender until this much is timed (default {MIN_SECONDS}; "
        f"--quick {QUICK_MIN_SECONDS}): short runs are averaged",
    )
    parser.add_argument("--quick", action="store_true", help="1k and 10k, 30 steps: seconds")
    parser.add_argument("--skip-mesa", action="store_true", help="skip Mesa's example")
    parser.add_argument("--json", type=str, default=None, help="write all figures to this file")
    args = parser.parse_args(argv)
    if args.sizes is None:
        args.sizes = list(QUICK_SIZES if args.quick else DEFAULT_SIZES)
    if args.steps is None:
        args.steps = QUICK_STEPS if args.quick else DEFAULT_STEPS
    if args.repeats is None:
        args.repeats = QUICK_REPEATS if args.quick else DEFAULT_REPEATS
    if args.min_seconds is None:
        args.min_seconds = QUICK_MIN_SECONDS if args.quick else MIN_SECONDS
    if args.check_seeds is None:
        args.check_seeds = QUICK_CHECK_SEEDS if args.quick else CHECK_SEEDS
    args.sizes = sorted(set(args.sizes))
    if min(args.sizes) < 2 or args.steps < 1 or args.repeats < 1 or args.check_seeds < 2:
        parser.error("sizes must be >= 2, steps and repeats >= 1, check seeds >= 2")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    sizes: list[int] = args.sizes
    steps: int = args.steps
    repeats: int = args.repeats
    min_seconds: float = args.min_seconds
    env = environment()
    env["numba"] = numba.__version__
    console.rule("netsim against a hand-written kernel and Mesa's example (issue 17)")
    console.print(
        f"contagion sizes {sizes}, {steps} steps, {repeats} repeats (alternated; runs shorter "
        f"than {min_seconds} s repeated within a repeat), Mesa up to "
        f"{'skipped' if args.skip_mesa else f'{args.mesa_max:,}'}; python {env['python']}, "
        f"numpy {env['numpy']}, numba {env['numba']}, mesa {env['mesa']}, netsim "
        f"{env['netsim']}; {env['cpus']} CPUs; load avg at start {env['load_average_at_start']}; "
        f"git {env['git_commit']} ({env['git_dirty_files']} changed files)"
    )
    started = time.perf_counter()

    def progress(msg: str) -> None:
        console.print(f"[dim][{time.perf_counter() - started:7.1f}s] {msg}[/dim]")

    progress("warm-up: every contender once (numba compile or cache load)")
    warm_up()

    # the full model first, before the largest contagion models have grown the heap
    progress(
        f"full model at {FULL_MODEL_SIZE:,}, {FULL_MODEL_STEPS} steps: summary, all"
        + ("" if args.skip_mesa else ", Mesa")
        + f" x {repeats}"
    )
    full = {
        rec: Series(f"full_{rec}", FULL_MODEL_SIZE, FULL_MODEL_STEPS) for rec in ("summary", "all")
    }
    mesa_full = None if args.skip_mesa else Series("mesa_full", FULL_MODEL_SIZE, FULL_MODEL_STEPS)
    for r in range(repeats):
        for rec, series in full.items():
            series.add(*full_round(rec, SEED + r, min_seconds))
        if mesa_full is not None:
            mesa_full.add(*mesa_round(FULL_MODEL_SIZE, FULL_MODEL_STEPS, min_seconds))
    progress(f"kernel against netsim: {args.check_seeds} seeds at n={CHECK_SIZE:,}, SI and SIR")
    agreements = agreement(CHECK_SIZE, steps, args.check_seeds)

    si: dict[int, Series] = {}
    sir: dict[int, Series] = {}
    kernel_si: dict[int, Series] = {}
    kernel_sir: dict[int, Series] = {}
    mesa: dict[int, Series] = {}
    for n in sizes:
        with_mesa = not args.skip_mesa and n <= args.mesa_max
        progress(
            f"n={n:,}: netsim SI, kernel SI, netsim SIR, kernel SIR"
            + (", Mesa" if with_mesa else "")
            + f" x {repeats}"
        )
        si[n], kernel_si[n] = Series("netsim_si", n, steps), Series("kernel_si", n, steps)
        sir[n], kernel_sir[n] = Series("netsim_sir", n, steps), Series("kernel_sir", n, steps)
        if with_mesa:
            mesa[n] = Series("mesa_virus_on_network", n, steps)
        for r in range(repeats):
            seed = SEED + r
            for is_sir, ours, theirs in ((False, si, kernel_si), (True, sir, kernel_sir)):
                seconds, runs, final, model, params = netsim_contagion_round(
                    n, steps, is_sir, seed, min_seconds
                )
                ours[n].add(seconds, runs, final)
                theirs[n].add(*kernel_round(model, params, steps, seed, min_seconds))
                del model
            if with_mesa:
                mesa[n].add(*mesa_round(n, steps, min_seconds))
        progress(
            f"  netsim SI {_m(si[n].rate)}, kernel SI {_m(kernel_si[n].rate)}, netsim SIR "
            f"{_m(sir[n].rate)}, kernel SIR {_m(kernel_sir[n].rate)}"
            + (f", Mesa {_m(mesa[n].rate)}" if n in mesa else "")
        )

    progress("done")
    load_end = os.getloadavg() if hasattr(os, "getloadavg") else None
    console.print()

    console.print(agreement_table(agreements, CHECK_SIZE, steps))
    console.print(
        contagion_table(
            "1. Contagion SI (ER graph, 6 contacts, beta 0.05, no recovery)", si, kernel_si, mesa
        )
    )
    console.print(
        contagion_table("2. Contagion SIR (beta 0.3, recovery 0.3)", sir, kernel_sir, mesa)
    )
    console.print(full_table(full, mesa_full))
    checks = evaluate(si, sir, kernel_si, kernel_sir, full, mesa_full)
    console.print(checks_table(checks, title="Targets (issue 17)"))
    console.print(
        f"load average: at start {env['load_average_at_start']}, at end {load_end}; "
        f"{env['cpus']} CPUs; total {time.perf_counter() - started:.1f}s"
    )
    failed = [a for a in agreements if not a.ok]
    if failed:
        raise KernelCheckError(
            "the kernel's results differ from netsim's: "
            + "; ".join(
                f"{a.kind} {a.statistic} (z = {a.z:.1f}, KS p = {a.ks_p:.2g})" for a in failed
            )
        )

    if args.json is not None:
        payload = {
            "environment": {**env, "load_average_at_end": load_end},
            "sizes": sizes,
            "steps": steps,
            "repeats": repeats,
            "contagion": [
                s.as_dict()
                for rows in (si, kernel_si, sir, kernel_sir, mesa)
                for s in rows.values()
            ],
            "full_model": [s.as_dict() for s in full.values()]
            + ([mesa_full.as_dict()] if mesa_full is not None else []),
            "agreement": [
                {
                    "kind": a.kind,
                    "statistic": a.statistic,
                    "seeds": a.seeds,
                    "netsim_mean": statistics.mean(a.netsim),
                    "kernel_mean": statistics.mean(a.kernel),
                    "z": a.z,
                    "ks_p": a.ks_p,
                }
                for a in agreements
            ],
            "checks": [
                {"name": c.name, "target": c.target, "measured": c.measured, "passed": c.passed}
                for c in checks
            ],
        }
        with open(args.json, "w") as fh:
            json.dump(payload, fh, indent=2, default=str)
        console.print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
