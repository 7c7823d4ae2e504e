"""Simple contagion against epidemic theory on random graphs.

Cases (registered in this order):

- ``newman-er``: SIR / independent cascade on Erdos-Renyi graphs, threshold and
  final size (Newman 2002);
- ``newman-configuration``: the same on a configuration-model graph with
  geometric degrees, where the threshold is half the Poisson one (Newman 2002);
- ``sir-infectious-period``: SIR with recovery, where the infectious period is
  shared by a node's out-edges (Kenah & Robins 2007; Miller 2007);
- ``si-branching``: SI (no recovery) reaches exactly the seed's component, and
  its early growth follows the branching process.

An SIR outbreak is 'large' (an epidemic) above LARGE_OUTBREAK of N. Above the
threshold the outbreak-size distribution is bimodal: small outbreaks are
subcritical branching processes of a few nodes (mean about 1/(1 - cT(1 - S)):
1.7 nodes at cT = 2, 4 at cT = 1.3), large ones cover about S N (S >= 0.33 in
these cases). Any cut between the two modes gives the same classification;
10% is far from both.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from netsim.api import run
from netsim.model.network_model import NetworkModel
from netsim.validation import theory
from netsim.validation.core import Checks, Size, case
from netsim.validation.driving import (
    ADOPTED,
    DROPPED,
    ModelFactory,
    adoption_row,
    configuration_factory,
    contagion_params,
    factory,
    frontier_is_empty,
    outbreaks,
    si_trajectory,
    sir_final_size,
)
from netsim.validation.stats import Replicates

LARGE_OUTBREAK = 0.1
"""An SIR outbreak is an epidemic above this share of N (see the module docstring)."""


def sir_factory(n: int, c: float, beta: float, gamma: float) -> ModelFactory:
    """SIR on G(n, c/(n-1)) with per-step transmission beta and recovery gamma."""
    return factory(
        contagion_params(
            topology="erdos_renyi",
            eligible_population=n,
            contacts_per_person=c,
            transmission_probability=beta,
            recovery_probability=gamma,
        )
    )


def check_below_threshold(
    checks: Checks,
    make: ModelFactory,
    n: int,
    graphs: int,
    starts: int,
    base_seed: int,
    mean_size: float,
    label: str,
) -> np.ndarray:
    """No epidemics, and the mean outbreak size matches ``mean_size``; returns the sizes."""
    sizes = outbreaks(make, graphs, starts, sir_final_size, base_seed)
    checks.below(f"largest outbreak share, {label}", sizes.max() / n, LARGE_OUTBREAK, graphs)
    checks.matches(f"mean outbreak size, {label}", Replicates(sizes.mean(axis=1)), mean_size)
    return sizes


def check_epidemics(
    checks: Checks,
    make: ModelFactory,
    n: int,
    graphs: int,
    starts: int,
    base_seed: int,
    size: float,
    probability: float,
    label: str,
) -> tuple[Replicates, Replicates]:
    """Single-seed outbreaks: the share that become epidemics and their final size.

    Returns (epidemic indicator per graph, mean epidemic size per graph).
    """
    shares = outbreaks(make, graphs, starts, sir_final_size, base_seed) / n
    large = shares > LARGE_OUTBREAK
    if not large.any(axis=1).all():
        raise RuntimeError(f"{label}: a graph without any epidemic; raise the seeds per graph")
    sizes = Replicates(np.array([s[big].mean() for s, big in zip(shares, large, strict=True)]))
    chance = Replicates(large.mean(axis=1))
    checks.matches(f"final size of epidemics, {label}", sizes, size)
    checks.matches(f"probability of an epidemic, {label}", chance, probability)
    # Bimodal: the small outbreaks are far below the cut.
    small = shares[~large].max(initial=0.0)
    checks.below(f"largest small outbreak share, {label}", small, LARGE_OUTBREAK / 2, graphs)
    return chance, sizes


@case(
    "newman-er",
    "SIR / independent cascade on Erdos-Renyi graphs",
    "Newman (2002), Spread of epidemic disease on networks, Phys. Rev. E 66, 016128",
    "epidemic threshold T_c = 1/c, mean outbreak size below it, final size S = 1 - exp(-cTS) "
    "and the chance of an epidemic above it",
)
def newman_er(checks: Checks, size: Size) -> None:
    """One-shot independent cascade (recovery 1: T = beta) on G(N, c/(N-1)), c = 4.

    Below the threshold (cT = 0.5): no outbreak reaches 10% of N, the mean size is
    <s> = 1 + cT/(1 - cT) = 2 (Newman eq. 12 with G0'(1) = G1'(1) = c) and the seed
    infects nobody with probability (1 - Tc/(N-1))^(N-1) ~ exp(-cT). Halved
    transmission (<s> = 1.33) is excluded. Above it (cT = 1.3 and 2): epidemics of
    size S and, the edges being independent, with probability S; doubled
    transmission (cT = 4, S = 0.98) is excluded at cT = 2.

    reduced: N = 2000, 20 graphs x 50 seeds below, 20 x 10 above (SE of the size
    ~0.002). full: N = 10000, 40 graphs x 50 / x 25, plus cT = 3 and cT = 0.8.
    """
    c = 4.0
    full = size == "full"
    n = 10_000 if full else 2000
    graphs = 40 if full else 20
    below = [0.5, 0.8] if full else [0.5]
    for ct in below:
        beta = ct / c
        sizes = check_below_threshold(
            checks,
            sir_factory(n, c, beta, 1.0),
            n,
            graphs,
            50,
            int(100 + 100 * ct),
            1.0 + ct / (1.0 - ct),
            f"cT = {ct:g}",
        )
        if ct == 0.5:
            mean = Replicates(sizes.mean(axis=1))
            checks.excludes("mean outbreak size, halved transmission", mean, 1.0 + 0.25 / 0.75)
            checks.matches(
                f"P(seed infects nobody), cT = {ct:g}",
                Replicates((sizes == 1).mean(axis=1)),
                theory.seed_alone_probability(c, n, beta, 1.0),
            )
    for ct in [1.3, 2.0, 3.0] if full else [1.3, 2.0]:
        s = theory.giant_fraction(ct)
        _, finals = check_epidemics(
            checks,
            sir_factory(n, c, ct / c, 1.0),
            n,
            graphs,
            25 if full else 10,
            int(200 + 100 * ct),
            s,
            s,
            f"cT = {ct:g}",
        )
        if ct == 2.0:
            checks.excludes("final size, doubled transmission", finals, theory.giant_fraction(4.0))


GEOMETRIC_MEAN_DEGREE = 3.0
"""Mean degree of the configuration-model case: T_c = 1/6 there, 1/3 for Poisson."""


def geometric_sampler(rng: np.random.Generator, n: int) -> np.ndarray:
    """Degrees p_k = (1 - a) a^k, k >= 0, mean 3 (numpy's geometric starts at 1)."""
    a = GEOMETRIC_MEAN_DEGREE / (1.0 + GEOMETRIC_MEAN_DEGREE)
    return rng.geometric(1.0 - a, n) - 1


@case(
    "newman-configuration",
    "Independent cascade on a configuration-model graph with skewed degrees",
    "Newman (2002), Phys. Rev. E 66, 016128 (general degree distribution, eqs. 11-14); "
    "Molloy & Reed (1995) configuration model",
    "threshold T_c = <k>/(<k^2> - <k>), mean outbreak size and final size from the "
    "generating functions G0, G1, against the Poisson theory at the same mean degree",
)
def newman_configuration(checks: Checks, size: Size) -> None:
    """Geometric degrees p_k = (1/4)(3/4)^k (mean 3, <k^2> = 21): T_c = 3/18 = 1/6.

    The generating-function theory uses the whole degree distribution, not its
    mean: a Poisson graph of the same mean degree has T_c = 1/3. At T = 0.12
    (below, T/T_c = 0.72) the mean outbreak size is 1 + T z/(1 - T G1'(1)) = 2.29,
    where the Poisson formula gives 1.56 (excluded). At T = 0.3 epidemics occur,
    with size S = 1 - G0(u), u = 1 - T + T G1(u) (= 1/3) and, one-shot
    transmission being independent per edge, probability S; the Poisson theory
    (cT = 0.9 < 1) says no epidemics at all (excluded).

    reduced: N = 2000, 20 graphs x 100 seeds below, 20 x 15 above. full: N = 10000,
    40 x 100 and 40 x 25, plus T = 0.5 (S = 0.54).
    """
    k, p = theory.geometric_degrees(GEOMETRIC_MEAN_DEGREE)
    z = GEOMETRIC_MEAN_DEGREE
    full = size == "full"
    n = 10_000 if full else 2000
    graphs = 40 if full else 20

    def make(t: float) -> ModelFactory:
        params = contagion_params(
            eligible_population=n, transmission_probability=t, recovery_probability=1.0
        )
        return configuration_factory(params, geometric_sampler)

    t = 0.12
    sizes = check_below_threshold(
        checks, make(t), n, graphs, 100, 4100, theory.mean_outbreak_size(k, p, t), f"T = {t:g}"
    )
    checks.excludes(
        f"mean outbreak size, Poisson theory at T = {t:g}",
        Replicates(sizes.mean(axis=1)),
        1.0 + t * z / (1.0 - t * z),
    )
    for t in [0.3, 0.5] if full else [0.3]:
        s = theory.final_size(k, p, t)
        chance, _ = check_epidemics(
            checks, make(t), n, graphs, 25 if full else 15, int(4200 + 100 * t), s, s, f"T = {t:g}"
        )
        if t == 0.3:
            poisson_s = theory.giant_fraction(z * t)
            checks.excludes(
                f"probability of an epidemic, Poisson theory at T = {t:g}", chance, poisson_s
            )


@case(
    "sir-infectious-period",
    "SIR with recovery: the infectious period is the node's, shared by its edges",
    "Kenah & Robins (2007), Second look at the spread of epidemics on networks, Phys. Rev. E "
    "76, 036113; Miller (2007), Phys. Rev. E 76, 010101; Newman (2002) for T",
    "final size S(cT) with T = beta/(beta + gamma - beta gamma); epidemic probability "
    "1 - x, x = E_tau[exp(-c p(tau)(1 - x))], below S",
)
def sir_infectious_period(checks: Checks, size: Size) -> None:
    """Why this result: it constrains the recovery mechanism (recovery_probability).

    An adopter transmits in each step it holds the idea, then recovers with
    probability gamma, so it makes tau ~ Geometric(gamma) attempts on every edge.
    The final size depends on each node's in-edges, which come from different
    infectors and are independent, so it is S(cT) with Newman's transmissibility;
    the chance of an epidemic depends on the seed's out-edges, which share one
    period and are positively correlated, so it is lower than S (Kenah & Robins
    2007). A model that drew the period per edge would give S for both; one that
    used T = beta/gamma would give S = 0.96.

    c = 4, beta = 1/6, gamma = 0.2: T = 0.5, cT = 2, S = 0.797, P(epidemic) = 0.685
    (excluding S needs ~1000 outbreaks). Below the threshold (cT = 0.5, gamma = 0.5)
    the mean outbreak size is still 1 + cT/(1 - cT) (linear in the per-edge
    probabilities) while P(seed alone) = E_tau[(1 - p(tau) c/(N-1))^(N-1)].

    reduced: N = 1000, 40 graphs x 30 seeds above, 20 x 50 below. full: N = 4000,
    60 x 40, plus N = 10000 at gamma = 0.5 (cT = 2) and gamma = 0.2 (cT = 3).
    """
    c = 4.0
    full = size == "full"
    gamma = 0.2
    beta = theory.beta_for(0.5, gamma)
    n = 4000 if full else 1000
    s = theory.giant_fraction(2.0)
    chance, sizes = check_epidemics(
        checks,
        sir_factory(n, c, beta, gamma),
        n,
        60 if full else 40,
        40 if full else 30,
        300,
        s,
        theory.epidemic_probability(c, beta, gamma),
        "cT = 2, gamma = 0.2",
    )
    checks.excludes(
        "final size with T = beta/gamma", sizes, theory.giant_fraction(c * beta / gamma)
    )
    checks.excludes("probability of an epidemic equal to S (period per edge)", chance, s)
    if full:
        for ct, g in ((2.0, 0.5), (3.0, 0.2)):
            b = theory.beta_for(ct / c, g)
            check_epidemics(
                checks,
                sir_factory(10_000, c, b, g),
                10_000,
                40,
                25,
                int(1000 * ct + 100 * g),
                theory.giant_fraction(ct),
                theory.epidemic_probability(c, b, g),
                f"cT = {ct:g}, gamma = {g:g}",
            )
    g, ct, n_below = 0.5, 0.5, 2000
    b = theory.beta_for(ct / c, g)
    below = check_below_threshold(
        checks,
        sir_factory(n_below, c, b, g),
        n_below,
        40 if full else 20,
        50,
        350,
        1.0 + ct / (1.0 - ct),
        "cT = 0.5, gamma = 0.5",
    )
    checks.matches(
        "P(seed infects nobody), cT = 0.5, gamma = 0.5",
        Replicates((below == 1).mean(axis=1)),
        theory.seed_alone_probability(c, n_below, b, g),
    )


def component_labels(model: NetworkModel) -> np.ndarray:
    g = model.graph
    adjacency = coo_matrix(
        (np.ones(g.edge_count), (g.edge_u, g.edge_v)), shape=(g.size, g.size)
    ).tocsr()
    return connected_components(adjacency, directed=False)[1]


def si_component_runs(topology: str, n: int, degree: float, steps: int, runs: int) -> float:
    """Share of ``runs`` (public ``netsim.run``, own random innovator) whose final adopters
    are exactly the seed's connected component, with nobody dropping the idea."""
    exact = 0
    for seed in range(runs):
        params = contagion_params(
            topology=topology,
            eligible_population=n,
            contacts_per_person=degree,
            rewiring=0.2,
            transmission_probability=0.5,
            steps=steps,
        )
        model = run(params, seed=seed).model
        if not frontier_is_empty(model):
            raise RuntimeError(f"SI on {topology} still spreading after {steps} steps")
        row = adoption_row(model)
        adopters = np.flatnonzero(row == ADOPTED)
        labels = component_labels(model)
        component = np.flatnonzero(labels == labels[adopters[0]])
        exact += bool(np.array_equal(adopters, component) and not np.any(row == DROPPED))
    return exact / runs


@case(
    "si-branching",
    "SI (no recovery): final reach and early growth",
    "Pastor-Satorras, Castellano, Van Mieghem & Vespignani (2015), Epidemic processes in "
    "complex networks, Rev. Mod. Phys. 87, 925; Newman (2002), Phys. Rev. E 66, 016128",
    "final adopters = the seed's connected component; mean adopters after t steps "
    "E[I(t)] = 1 + beta c (r^t - 1)/(r - 1), r = 1 + beta(c - 1) (tree limit)",
)
def si_branching(checks: Checks, size: Size) -> None:
    """Why this result: it pins down the synchronous step and the per-edge transmission.

    With no recovery every edge from an adopter to a non-adopter eventually
    transmits, so the final adopters are the seed's connected component (checked
    on ER at c = 1.5, where seeds land in the giant and in small components, on a
    ring lattice and on a rewired lattice, through the public ``netsim.run``).
    Early growth on ER (c = 4, beta = 0.3) follows the discrete-time branching
    process (derivation in ``theory.expected_si_adopters``); the mean-field growth
    (1 + beta c)^t (E[I(6)] = 113 against 62) is excluded. The tree limit ignores
    adopters reached twice (cycles): under 1% of transmissions here.

    reduced: 8 runs per topology; growth on N = 10000, 20 graphs x 50 seeds, 6 steps.
    full: 16 runs; N = 40000, 30 x 100, 8 steps.
    """
    full = size == "full"
    runs = 16 if full else 8
    for topology, n, degree, steps in (
        ("erdos_renyi", 2000, 1.5, 400),
        ("ring_lattice", 300, 4.0, 800),
        ("watts_strogatz", 1000, 4.0, 400),
    ):
        share = si_component_runs(topology, n, degree, steps, runs)
        checks.exact(f"share of runs reaching exactly the seed's component, {topology}", share, 1.0)
    c, beta = 4.0, 0.3
    n, graphs, starts, steps = (40_000, 30, 100, 8) if full else (10_000, 20, 50, 6)
    params = contagion_params(
        topology="erdos_renyi",
        eligible_population=n,
        contacts_per_person=c,
        transmission_probability=beta,
    )
    counts = outbreaks(factory(params), graphs, starts, si_trajectory(steps), 400)
    expected = theory.expected_si_adopters(c, n, beta, steps)
    for t in range(1, steps + 1):
        checks.matches(
            f"mean adopters after {t} steps", Replicates(counts[:, :, t].mean(axis=1)), expected[t]
        )
    checks.excludes(
        f"mean adopters after {steps} steps, mean-field (1 + beta c)^t",
        Replicates(counts[:, :, steps].mean(axis=1)),
        (1.0 + beta * c) ** steps,
    )
