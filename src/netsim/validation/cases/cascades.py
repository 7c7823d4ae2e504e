"""Threshold (complex) contagion: Watts's cascade window and Centola & Macy's lattices.

Cases (registered in this order):

- ``watts-window``: global cascades from one seed happen inside the cascade
  window of Watts (2002) and not outside it, as often and as large as the theory
  says;
- ``centola-macy``: rewiring a clustered ring lattice speeds simple contagion and
  slows, then blocks, complex contagion (Centola & Macy 2007).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from netsim.config.parameters import Parameters
from netsim.validation import theory
from netsim.validation.core import Checks, Size, case
from netsim.validation.driving import (
    cascade_share,
    contagion_params,
    factory,
    outbreaks,
    run_until_fixed_point_from,
)
from netsim.validation.stats import Difference, Replicates

GLOBAL_CASCADE = 0.5
"""A threshold cascade is 'global' above this share of N (cascades are bimodal)."""

WATTS_PHI = 0.18
"""The uniform threshold of Watts's (2002) Fig. 2: window z = 1.02..5.76."""


def watts_params(n: int, z: float, phi: float, topology: str = "erdos_renyi") -> Parameters:
    """Watts's model: adopt once a fraction >= phi of neighbours (and at least one) has."""
    return contagion_params(
        topology=topology,
        eligible_population=n,
        contacts_per_person=z,
        contagion="complex",
        threshold_count=1,
        threshold_fraction=phi,
        adoption_probability=1.0,
    )


@case(
    "watts-window",
    "Threshold cascades: the cascade window",
    "Watts (2002), A simple model of global cascades on random networks, PNAS 99:5766 "
    "(eq. 5, Figs. 1-2); Gleeson & Cahalane (2007), Phys. Rev. E 75, 056103 (cascade size)",
    "frequency of global cascades from one seed = the extended vulnerable cluster inside "
    "the window z in (1.02, 5.76) at phi = 0.18, none outside; their size; rho_k = [phi k <= 1]",
)
def watts_window(checks: Checks, size: Size) -> None:
    """Uniform threshold phi = 0.18 on Erdos-Renyi graphs over a range of mean degrees z.

    Watts's cascade condition sum_k k(k-1) rho_k p_k = z (eq. 5, rho_k = 1 for
    1 <= k <= 1/phi) puts the window at z = 1.02..5.76. Inside, a single seed
    triggers a global cascade when it lands in or next to the giant vulnerable
    cluster (the 'extended' cluster: Watts's Fig. 2 frequency; the seed need not
    be vulnerable itself), and the cascade covers the share given by Gleeson &
    Cahalane's fixed point (0.94 at z = 3). Outside (z = 0.5: no giant component;
    z = 8 and 12: vulnerable nodes do not percolate) no seed reaches even 1% of N.
    Where the extended cluster and the vulnerable cluster S_v differ by more than
    the tolerance, S_v (the seed itself vulnerable) is excluded.

    The rule itself is checked exactly on ring lattices, where every node has
    degree k: with phi = 1/k one seed sweeps the ring (1 + k t adopters after t
    steps); with phi = 1/k + 0.01 it stays alone. A strict '>' rule would fail the
    first, a rounding of phi k the second.

    reduced: N = 10000; z = 2, 3, 4 inside with 20 graphs x 15 seeds; z = 0.5, 8,
    12 outside with 3 x 30. full: z = 1.5, 2, 3, 4, 5 with 40 x 25 (80 x 30 at
    z = 3); outside z = 0.5, 0.8 (whose largest component reaches ~1.6% of N, so
    there only the global-cascade cut applies), 8, 12 with 20 x 30.
    """
    phi = WATTS_PHI
    low, high = theory.cascade_window(phi)
    full = size == "full"
    n = 10_000
    inside = [(1.5, 40, 25), (2.0, 40, 25), (3.0, 80, 30), (4.0, 40, 25), (5.0, 40, 25)]
    if not full:
        inside = [(2.0, 20, 15), (3.0, 20, 15), (4.0, 20, 15)]
    for z, graphs, starts in inside:
        if not low < z < high:
            raise ValueError(f"z = {z} is not inside the window ({low:.2f}, {high:.2f})")
        make = factory(watts_params(n, z, phi))
        shares = outbreaks(make, graphs, starts, cascade_share, int(7000 + 100 * z))
        cluster = theory.vulnerable_cluster(z, phi)
        is_global = shares > GLOBAL_CASCADE
        if not is_global.any(axis=1).all():
            raise RuntimeError(f"z = {z}: a graph without any global cascade; raise the seeds")
        frequency = checks.matches(
            f"frequency of global cascades, z = {z:g}",
            Replicates(is_global.mean(axis=1)),
            cluster.extended_share,
        )
        if abs(cluster.extended_share - cluster.vulnerable_share) > 2 * frequency.tolerance:
            checks.excludes(
                f"frequency = vulnerable cluster S_v, z = {z:g}",
                frequency,
                cluster.vulnerable_share,
            )
        sizes = np.array([s[big].mean() for s, big in zip(shares, is_global, strict=True)])
        checks.matches(
            f"size of global cascades, z = {z:g}", Replicates(sizes), theory.cascade_size(z, phi)
        )
        checks.below(
            f"largest non-global cascade share, z = {z:g}",
            shares[~is_global].max(initial=0.0),
            0.01,
            graphs,
        )
    outside = [(0.5, 0.01), (0.8, GLOBAL_CASCADE), (8.0, 0.01), (12.0, 0.01)]
    if not full:
        outside = [(0.5, 0.01), (8.0, 0.01), (12.0, 0.01)]
    graphs, starts = (20, 30) if full else (3, 30)
    for z, bound in outside:
        if low < z < high or theory.vulnerable_cluster(z, phi).extended_share != 0.0:
            raise ValueError(f"z = {z} is not outside the window")
        make = factory(watts_params(n, z, phi))
        shares = outbreaks(make, graphs, starts, cascade_share, int(9000 + 10 * z))
        checks.below(
            f"largest cascade share outside the window, z = {z:g}", shares.max(), bound, graphs
        )
    ring = 400
    for degree in (4, 8):
        at = run_until_fixed_point_from(
            watts_params(ring, degree, 1.0 / degree, "ring_lattice"), [0]
        )
        sweep = [min(ring, 1 + degree * t) for t in range(len(at))]
        checks.exact(
            f"ring k = {degree}, phi = 1/k: steps whose adopters differ from min(N, 1 + k t)",
            float(sum(a != b for a, b in zip(at, sweep, strict=True))),
            0.0,
        )
        above = run_until_fixed_point_from(
            watts_params(ring, degree, 1.0 / degree + 0.01, "ring_lattice"), [0]
        )
        checks.exact(f"ring k = {degree}, phi = 1/k + 0.01: final adopters", float(above[-1]), 1.0)


# --- Centola & Macy (2007) ----------------------------------------------------------------


def neighbourhood_seed(n: int, degree: int, centre: int) -> list[int]:
    """A node and its lattice neighbours (Centola & Macy's seed of adjacent nodes)."""
    half = degree // 2
    return [(centre + d) % n for d in range(-half, half + 1)]


def lattice_params(n: int, degree: int, rewiring: float, complex_rule: bool) -> Parameters:
    """Threshold 2 adopting neighbours (complex) or 1 (simple), no fractional threshold,
    deterministic adoption, no recovery."""
    rule: dict[str, Any] = (
        {
            "contagion": "complex",
            "threshold_count": 2,
            "threshold_fraction": 0.0,
            "adoption_probability": 1.0,
        }
        if complex_rule
        else {"contagion": "simple", "transmission_probability": 1.0}
    )
    return contagion_params(
        topology="watts_strogatz",
        eligible_population=n,
        contacts_per_person=float(degree),
        rewiring=rewiring,
        **rule,
    )


def lattice_spread(
    n: int, degree: int, rewiring: float, complex_rule: bool, seed: int
) -> list[int]:
    """Adopters after each step from a random node's neighbourhood, to the fixed point."""
    params = lattice_params(n, degree, rewiring, complex_rule)
    centre = int(np.random.default_rng([seed, 1]).integers(n))
    return run_until_fixed_point_from(params, neighbourhood_seed(n, degree, centre), seed)


def time_to_half(counts: list[int], n: int) -> float:
    """First step with at least half adopting, or inf if never."""
    hit = np.flatnonzero(np.asarray(counts) >= n / 2)
    return float(hit[0]) if hit.size else math.inf


def lattice_outcomes(
    n: int, degree: int, rewiring: float, complex_rule: bool, replicates: int, base_seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """(final adoption share per replicate, time to 50% per replicate)."""
    runs = [
        lattice_spread(n, degree, rewiring, complex_rule, seed=base_seed + i)
        for i in range(replicates)
    ]
    return np.array([r[-1] / n for r in runs]), np.array([time_to_half(r, n) for r in runs])


def check_fronts(checks: Checks, n: int, degree: int) -> None:
    """On the unrewired lattice both contagions reach everyone at exact front speeds."""
    h = degree // 2
    for complex_rule, speed, name in ((True, 2 * (h - 1), "complex"), (False, 2 * h, "simple")):
        counts = lattice_spread(n, degree, 0.0, complex_rule, seed=degree)
        checks.exact(f"lattice k = {degree}, {name}: final adopters", float(counts[-1]), float(n))
        checks.exact(
            f"lattice k = {degree}, {name}: steps to 50%",
            time_to_half(counts, n),
            float(math.ceil((n / 2 - (2 * h + 1)) / speed)),
        )


def check_rewiring(
    checks: Checks,
    n: int,
    degree: int,
    complex_levels: list[float],
    simple_levels: list[float],
    replicates: int,
) -> None:
    """Complex contagion's final adoption falls and simple contagion's time to 50% falls
    at each step up in rewiring (one-sided Welch tests at ALPHA / 2)."""
    previous: Replicates | None = None
    for i, rewiring in enumerate(complex_levels):
        runs = 2 if rewiring == 0.0 else replicates  # the lattice is deterministic
        final, half = lattice_outcomes(n, degree, rewiring, True, runs, 1000 * i)
        current = Replicates(final)
        if previous is not None:
            checks.positive(
                f"k = {degree}, complex: fall in final adoption, rewiring "
                f"{complex_levels[i - 1]:g} -> {rewiring:g}",
                Difference(previous, current),
            )
        if rewiring >= 0.5:
            checks.exact(
                f"k = {degree}, complex, rewiring {rewiring:g}: share of runs reaching 50%",
                float(np.isfinite(half).mean()),
                0.0,
                runs,
            )
        previous = current
    previous = None
    for i, rewiring in enumerate(simple_levels):
        runs = 2 if rewiring == 0.0 else replicates
        _, half = lattice_outcomes(n, degree, rewiring, False, runs, 1000 * i + 500)
        if not np.isfinite(half).all():
            raise RuntimeError(f"simple contagion did not reach half at rewiring {rewiring}")
        current = Replicates(half)
        if previous is not None:
            checks.positive(
                f"k = {degree}, simple: fall in steps to 50%, rewiring "
                f"{simple_levels[i - 1]:g} -> {rewiring:g}",
                Difference(previous, current),
            )
        previous = current


@case(
    "centola-macy",
    "Simple vs complex contagion on clustered and rewired ring lattices",
    "Centola & Macy (2007), Complex contagions and the weakness of long ties, AJS 113:702; "
    "Watts & Strogatz (1998), Nature 393:440",
    "rewiring speeds simple contagion (time to 50% falls) and slows, then blocks, "
    "threshold-2 contagion (final adoption falls; none crosses a randomised lattice)",
)
def centola_macy(checks: Checks, size: Size) -> None:
    """Long ties block threshold-2 contagion but speed up simple contagion.

    Randomising the ties of a clustered lattice shortens paths (faster simple
    contagion, as in Watts & Strogatz 1998) but removes the redundant local ties
    complex contagions need, so they slow down and then fail. Here rewiring moves
    one end of a lattice tie; the seed is a node and its lattice neighbours.

    Exact part: with h = k/2 neighbours each side, the node d places past the front
    has h - d + 1 adopting neighbours, so synchronous steps advance a simple front h
    nodes a step each way and a threshold-2 front h - 1; everyone adopts. A rule
    needing 3 (> 2 instead of >= 2) would stall at k = 4.

    Statistical part: on a degree-4 lattice a node just past the front needs both
    inward neighbours, so even 1% rewiring blocks most runs: final adoption of the
    complex contagion falls at each level (1, ~0.3, ~0.06, ~5/N) and the time to 50%
    of the simple one falls (49 steps exactly at N = 400, then ~21, ~9, ~3). At
    degree 6 (full only) a front survives one missing tie and moderate rewiring can
    even help the threshold-2 contagion by starting new fronts, which is not in
    Centola & Macy's claim, so only the randomised end (0.5, 1) is asserted there.

    reduced: N = 400, k = 4, rewiring 0, 0.01, 0.05, 1, 30 runs per level.
    full: N = 2000, k = 4 at 0, 0.003, 0.01, 0.1, 1 and k = 6, 80 runs per level.
    """
    check_fronts(checks, 400, 4)
    check_fronts(checks, 400, 6)
    if size == "full":
        levels = [0.0, 0.003, 0.01, 0.1, 1.0]
        check_rewiring(checks, 2000, 4, levels, levels, replicates=80)
        check_rewiring(
            checks,
            2000,
            6,
            complex_levels=[0.0, 0.5, 1.0],
            simple_levels=[0.0, 0.003, 0.01, 0.03, 0.1, 1.0],
            replicates=80,
        )
    else:
        levels = [0.0, 0.01, 0.05, 1.0]
        check_rewiring(checks, 400, 4, levels, levels, replicates=30)
