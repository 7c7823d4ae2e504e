"""Replicate statistics shared by every validation case.

Every replicate is an independent graph (a fresh model with its own seed), so the
per-graph values are independent, identically distributed draws; the standard
error is their spread over sqrt(number of graphs), which includes graph-to-graph
variation as well as the randomness of the outbreaks on one graph.

Two levels are used. The reported interval is the usual 95% Student-t interval
of the mean. The pass/fail tolerance is wider: ``critical(df) * SE`` at
ALPHA = 1e-4 (two-sided), so a correct model fails one check with probability
1e-4, and a suite of ~50 checks is wrongly red with probability about 0.5%. The
seeds are fixed, so a run is reproducible; the alpha says how unlucky a seed set
would have to be to fail a correct model. Each case also states wrong
alternatives (a factor-2 error in transmission, the Poisson theory on a skewed
graph, ...) and checks that they fall outside the same tolerance, so the checks
have power.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import t as student_t

ALPHA = 1e-4
"""Chance that a correct model fails one statistical check (two-sided)."""

CONFIDENCE = 0.95
"""Level of the interval reported beside each value."""


def critical(df: int, alpha: float = ALPHA) -> float:
    """Two-sided Student-t quantile for ``alpha`` with ``df`` degrees of freedom."""
    return float(student_t.ppf(1.0 - alpha / 2.0, max(1, df)))


@dataclass(frozen=True)
class Replicates:
    """One value per independent replicate (graph): its mean, SE and intervals."""

    values: np.ndarray

    @property
    def n(self) -> int:
        return int(self.values.size)

    @property
    def mean(self) -> float:
        return float(self.values.mean())

    @property
    def se(self) -> float:
        if self.n < 2:
            return 0.0
        return float(self.values.std(ddof=1) / math.sqrt(self.n))

    @property
    def tolerance(self) -> float:
        """Half-width of the pass band around the estimate (ALPHA level)."""
        return critical(self.n - 1) * self.se

    @property
    def interval(self) -> tuple[float, float]:
        """95% Student-t interval of the mean."""
        half = critical(self.n - 1, 1.0 - CONFIDENCE) * self.se
        return self.mean - half, self.mean + half


@dataclass(frozen=True)
class Difference:
    """mean(a) - mean(b) with its Welch standard error and degrees of freedom.

    A deterministic arm (SE 0) contributes no variance, so the test then
    reduces to a one-sample test against its value.
    """

    a: Replicates
    b: Replicates

    @property
    def value(self) -> float:
        return self.a.mean - self.b.mean

    @property
    def se(self) -> float:
        return math.sqrt(self.a.se**2 + self.b.se**2)

    @property
    def df(self) -> int:
        va, vb = self.a.se**2, self.b.se**2
        if va + vb == 0.0:
            return 1
        terms = (va**2 / (self.a.n - 1) if va else 0.0) + (vb**2 / (self.b.n - 1) if vb else 0.0)
        return max(1, math.floor((va + vb) ** 2 / terms))

    @property
    def tolerance(self) -> float:
        """The difference must exceed this (one-sided test at ALPHA / 2)."""
        return critical(self.df) * self.se

    @property
    def interval(self) -> tuple[float, float]:
        half = critical(self.df, 1.0 - CONFIDENCE) * self.se
        return self.value - half, self.value + half
