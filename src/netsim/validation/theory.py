"""The analytic results the validation cases compare with (no simulation here).

- bond percolation on random graphs with a given degree distribution: Newman
  (2002), "Spread of epidemic disease on networks", Phys. Rev. E 66, 016128
  (threshold, mean outbreak size, final size by generating functions);
- the chance that one seed starts an epidemic when infectious periods vary:
  Kenah & Robins (2007), Phys. Rev. E 76, 036113; Miller (2007), Phys. Rev. E
  76, 010101;
- early growth of SI as a branching process on a locally tree-like graph;
- Watts (2002), "A simple model of global cascades on random networks", PNAS
  99:5766 (cascade condition, vulnerable cluster) and Gleeson & Cahalane (2007),
  Phys. Rev. E 75, 056103 (cascade size);
- Bass (1969), "A new product growth for model consumer durables", Management
  Science 15:215, in discrete time, and the exact expectation of netsim's own rule
  (outside influence plus one chance per adopting tie) on the complete graph.

Degree distributions are passed as arrays ``(k, p_k)``; Poisson ones are cut at
z + 20 sqrt(z) + 30, where the tail mass is below 1e-15.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq
from scipy.stats import binom, poisson

from netsim.model.diffusion import needed_adopters

# --- degree distributions --------------------------------------------------------------


def poisson_degrees(z: float) -> tuple[np.ndarray, np.ndarray]:
    """Poisson(z) degrees (Erdos-Renyi graphs): (k, p_k)."""
    kmax = int(z + 20.0 * math.sqrt(z) + 30.0)
    k = np.arange(kmax + 1)
    return k, poisson.pmf(k, z)


def geometric_degrees(mean: float) -> tuple[np.ndarray, np.ndarray]:
    """p_k = (1 - a) a^k, k >= 0, with mean a / (1 - a): Newman's (2002) exponential case.

    Its second moment is twice the Poisson one's excess, so the threshold moves
    from 1/z (Poisson) to z / (<k^2> - z) = 1 / (2 z).
    """
    a = mean / (1.0 + mean)
    kmax = math.ceil(math.log(1e-17) / math.log(a))
    k = np.arange(kmax + 1)
    return k, (1.0 - a) * a**k


# --- Newman (2002): SIR as bond percolation ---------------------------------------------


def transmissibility(beta: float, gamma: float) -> float:
    """Newman (2002): T = 1 - sum_tau P(tau) (1 - beta)^tau for a geometric period.

    The model's adopter transmits in each step it holds the idea, then recovers
    with probability gamma, so the number of transmission attempts tau is
    geometric on {1, 2, ...}; summing gives beta / (beta + gamma - beta gamma).
    """
    return beta / (beta + gamma - beta * gamma)


def beta_for(target: float, gamma: float) -> float:
    """Per-step transmission probability giving transmissibility ``target`` (inverts T)."""
    return target * gamma / (1.0 - target + target * gamma)


def excess_mean(k: np.ndarray, p: np.ndarray) -> float:
    """G1'(1) = (<k^2> - <k>) / <k>: mean further contacts reached along an edge."""
    z = float(np.sum(k * p))
    return float(np.sum(k * (k - 1) * p)) / z


def epidemic_threshold(k: np.ndarray, p: np.ndarray) -> float:
    """T_c = 1 / G1'(1) (Newman 2002, eq. 11); 1/z for Poisson degrees."""
    return 1.0 / excess_mean(k, p)


def mean_outbreak_size(k: np.ndarray, p: np.ndarray, t: float) -> float:
    """<s> = 1 + T G0'(1) / (1 - T G1'(1)) below the threshold (Newman 2002, eq. 12)."""
    z = float(np.sum(k * p))
    x = t * excess_mean(k, p)
    assert x < 1.0, "above the threshold the mean outbreak size diverges"
    return 1.0 + t * z / (1.0 - x)


def final_size(k: np.ndarray, p: np.ndarray, t: float) -> float:
    """S = 1 - G0(u), u = 1 - T + T G1(u) (Newman 2002, eqs. 13-14); 0 at or below T_c.

    For one-shot transmission (every edge independently with T) it is also the
    chance that one random seed starts an epidemic.
    """
    if t * excess_mean(k, p) <= 1.0:
        return 0.0
    z = float(np.sum(k * p))
    q = (k * p)[1:] / z  # excess degree distribution: P(k - 1 further edges)
    kk = k[1:] - 1

    def fixed(u: float) -> float:
        return 1.0 - t + t * float(np.sum(q * u**kk)) - u

    u = float(brentq(fixed, 0.0, 1.0 - 1e-9, xtol=1e-14))
    return 1.0 - float(np.sum(p * u**k))


def giant_fraction(mean_occupied_degree: float) -> float:
    """Root in (0, 1) of S = 1 - exp(-x S): the Poisson case of :func:`final_size`."""
    x = mean_occupied_degree
    if x <= 1.0:
        return 0.0
    return float(brentq(lambda s: s - 1.0 + math.exp(-x * s), 1e-6, 1.0, xtol=1e-14))


def attempts_distribution(gamma: float) -> tuple[np.ndarray, np.ndarray]:
    """tau (attempts per edge while infectious) and its geometric probabilities."""
    if gamma >= 1.0:
        return np.array([1]), np.array([1.0])
    last = math.ceil(math.log(1e-16) / math.log(1.0 - gamma)) + 1
    tau = np.arange(1, last + 1)
    return tau, gamma * (1.0 - gamma) ** (tau - 1)


def epidemic_probability(c: float, beta: float, gamma: float) -> float:
    """Probability that one random seed starts a large outbreak on a Poisson(c) graph.

    Kenah & Robins (2007): an epidemic needs the seed's out-component (nodes it
    would infect, directly or not) to be giant. The edges out of one node share
    its infectious period tau, so given tau they transmit independently with
    p(tau) = 1 - (1 - beta)^tau. The chance x that the branch behind one edge
    stays finite solves x = E_tau[exp(-c p(tau) (1 - x))] (Poisson excess degree c),
    and the seed's chance of a small outbreak has the same form, so
    P(epidemic) = 1 - x. For gamma = 1 (one attempt) this is S = 1 - exp(-cTS);
    for gamma < 1 it is smaller (Jensen), while the final size of an epidemic,
    decided by each node's independent in-edges, is still S(cT).
    """
    tau, weight = attempts_distribution(gamma)
    p = 1.0 - (1.0 - beta) ** tau

    def excess(x: float) -> float:
        return float(np.sum(weight * np.exp(-c * p * (1.0 - x)))) - x

    if c * transmissibility(beta, gamma) <= 1.0:
        return 0.0
    return 1.0 - float(brentq(excess, 0.0, 1.0 - 1e-7, xtol=1e-14))


def seed_alone_probability(c: float, n: int, beta: float, gamma: float) -> float:
    """P(the seed infects nobody): E_tau[(1 - p(tau) c/(n-1))^(n-1)] on G(n, c/(n-1))."""
    tau, weight = attempts_distribution(gamma)
    p = 1.0 - (1.0 - beta) ** tau
    return float(np.sum(weight * (1.0 - p * c / (n - 1)) ** (n - 1)))


# --- SI early growth: a branching process ---------------------------------------------------


def expected_si_adopters(c: float, n: int, beta: float, steps: int) -> np.ndarray:
    """Mean adopters after t = 0..steps steps of discrete-time SI from one random seed.

    Tree limit of G(n, c/(n-1)): the seed has on average c susceptible neighbours and
    each newly reached node c_ex = c (n-2)/(n-1) further ones (Poisson excess degree).
    Each edge from an adopter to a susceptible transmits with probability beta per
    step, then is used up, while a new adopter brings c_ex new edges: the expected
    number of such edges grows by r = 1 - beta + beta c_ex per step, new adopters are
    beta times the edges, so E[I(t)] = 1 + beta c (r^t - 1)/(r - 1). Note r = 1 +
    beta (c_ex - 1), not the mean-field 1 + beta c: on a tree an edge that has
    transmitted joins two adopters and is spent, while mean field keeps every
    adopter's c contacts susceptible.
    """
    c_ex = c * (n - 2) / (n - 1)
    r = 1.0 - beta + beta * c_ex
    t = np.arange(steps + 1)
    return 1.0 + beta * c * (r**t - 1.0) / (r - 1.0)


# --- Watts (2002): threshold cascades ---------------------------------------------------


def vulnerable(k: np.ndarray, phi: float) -> np.ndarray:
    """Watts's rho_k: a node of degree k >= 1 adopts after one adopting neighbour iff
    phi <= 1/k (the rule is 'fraction of neighbours >= phi'), i.e. ceil(phi k) <= 1,
    decided exactly by the simulation's own rule (:func:`needed_adopters`)."""
    k = np.asarray(k)
    needed = needed_adopters(phi, int(k.max(initial=0)) + 1)[k]
    return (k >= 1) & (needed <= 1)


def cascade_condition(z: float, phi: float) -> float:
    """Watts (2002) eq. 5: sum_k k(k-1) rho_k p_k - z; global cascades where > 0."""
    k, p = poisson_degrees(z)
    return float(np.sum(k * (k - 1) * vulnerable(k, phi) * p)) - z


def cascade_window(phi: float) -> tuple[float, float]:
    """The two roots of the cascade condition in z (the window's edges)."""
    grid = np.linspace(0.05, 30.0, 600)
    values = np.array([cascade_condition(z, phi) for z in grid])
    roots = [
        float(brentq(cascade_condition, grid[i], grid[i + 1], args=(phi,), xtol=1e-12))
        for i in np.flatnonzero(np.sign(values[:-1]) != np.sign(values[1:]))
    ]
    if len(roots) != 2:
        raise ValueError(f"phi = {phi}: the cascade condition has roots {roots}, not a window")
    return roots[0], roots[1]


@dataclass(frozen=True)
class VulnerableCluster:
    u: float
    """P(following an edge does not lead into the giant vulnerable cluster)."""
    vulnerable_share: float
    """S_v: share of nodes in the giant vulnerable cluster (Watts 2002)."""
    extended_share: float
    """Share in the cluster or adjacent to it: the chance one random seed triggers it."""


def vulnerable_cluster(z: float, phi: float) -> VulnerableCluster:
    """Site percolation with degree-dependent occupation rho_k (Watts 2002, after Callaway
    et al. 2000): u = 1 - G1(1) + G1(u), G1(x) = sum_k k rho_k p_k x^(k-1) / z;
    S_v = sum_k rho_k p_k (1 - u^k). A seed triggers the cluster when any of its edges
    leads into it, whatever the seed's own threshold: 1 - sum_k p_k u^k."""
    k, p = poisson_degrees(z)
    r = vulnerable(k, phi)
    kk, pp = k[1:], (k * r * p)[1:] / z

    def excess(u: float) -> float:
        return 1.0 - float(pp.sum()) + float(np.sum(pp * u ** (kk - 1))) - u

    u = 1.0
    if cascade_condition(z, phi) > 0:
        u = float(brentq(excess, 0.0, 1.0 - 1e-9, xtol=1e-14))
    return VulnerableCluster(
        u=u,
        vulnerable_share=float(np.sum(r * p * (1.0 - u**k))),
        extended_share=float(np.sum(p * (1.0 - u**k))),
    )


def cascade_size(z: float, phi: float) -> float:
    """Mean final share of a global cascade from one seed (Gleeson & Cahalane 2007,
    seed fraction -> 0): q = sum_k (k/z) p_k P(Bin(k-1, q) meets the rule), the
    smallest positive fixed point, then rho = sum_k p_k P(Bin(k, q) meets the rule).
    'Meets the rule' is m >= 1 and m >= ceil(phi k) adopting neighbours out of k, the
    simulation's exact rule (:func:`needed_adopters`)."""
    k, p = poisson_degrees(z)
    needed = needed_adopters(phi, int(k.max(initial=0)) + 1)[k]
    m = k[None, :]
    meets = (m >= 1) & (m >= needed[:, None])

    def reached(q: float, trials: np.ndarray) -> np.ndarray:
        """P(Bin(trials, q) adopting neighbours meet the rule), per degree."""
        pmf = binom.pmf(m, trials[:, None], q)  # zero where m > trials
        return np.sum(pmf * meets, axis=1)

    edge_weight = k * p / z
    q = 1e-9
    for _ in range(100_000):
        nxt = max(float(np.sum(edge_weight[1:] * reached(q, k - 1)[1:])), 1e-9)
        if abs(nxt - q) < 1e-13:
            break
        q = nxt
    else:  # pragma: no cover - the map is monotone and converges inside the window
        raise RuntimeError("Gleeson-Cahalane iteration did not converge")
    return float(np.sum(p * reached(q, k)))


# --- Bass (1969): adoption from outside and by imitation ------------------------------------


def bass_curve(p: float, q: float, steps: int) -> np.ndarray:
    """Bass (1969) in discrete time from nobody: F(t+1) = F(t) + (p + q F(t))(1 - F(t)).

    p is the coefficient of innovation (adoption from outside), q that of imitation;
    entry t is the share that has adopted after t steps, t = 0..steps, F(0) = 0.
    """
    shares = np.zeros(steps + 1)
    for t in range(steps):
        f = shares[t]
        shares[t + 1] = f + (p + q * f) * (1.0 - f)
    return shares


def complete_graph_chain_mean(n: int, p: float, beta: float, steps: int) -> np.ndarray:
    """E[F(t)] of netsim's own rule on the complete graph of n people, from nobody: exact.

    With A adopters each of the n - A others adopts independently with
    h(A) = 1 - (1 - p)(1 - beta)^A (outside influence p, one chance beta per adopting
    tie), so A(t+1) = A(t) + Binomial(n - A(t), h(A(t))): a Markov chain on 0..n whose
    distribution is propagated exactly through its (n + 1) x (n + 1) transition matrix.
    Entry t is E[A(t)] / n, t = 0..steps. It differs from the Bass recursion with
    q = n beta in two ways, both second order in p + qF: the chances combine as
    independent events (1 - prod(1 - x), which lies between H - H^2/2 and H for
    H = p + qF, by Bonferroni), and the mean of a nonlinear map is not the map of the
    mean (O(1/n)).
    """
    adopters = np.arange(n + 1)
    hazard = 1.0 - (1.0 - p) * (1.0 - beta) ** adopters
    gained = adopters[None, :] - adopters[:, None]  # row a: to a + k adopters
    transition = binom.pmf(gained, (n - adopters)[:, None], hazard[:, None])
    distribution = np.zeros(n + 1)
    distribution[0] = 1.0
    means = np.zeros(steps + 1)
    for t in range(steps):
        distribution = distribution @ transition
        means[t + 1] = float(distribution @ adopters) / n
    return means
