"""numpy's sampling without replacement, compiled, so compiled mechanisms draw what numpy drew.

A compiled mechanism takes the model's numpy ``Generator`` itself: numba types it, and
``rng.random``, ``rng.integers``, ``rng.poisson`` and ``rng.beta`` inside a kernel draw
numpy's own streams from its state (checked draw for draw by tests/model/test_draws.py).
numba has no ``Generator.choice``, which the growth rules use to pick whom leaders
approach and whom facilitators introduce, so it is written here by hand, step for step
as numpy 2's ``Generator.choice(pool, size, replace=False)`` takes it: Floyd's
algorithm (with its final shuffle) below the size where numpy switches to a partial
Fisher-Yates shuffle of the whole population. A test holds every branch to numpy's.
"""

from __future__ import annotations

import numpy as np

from netsim.model.compiled import kernel

_TAIL_SHUFFLE_POPULATION = 10_000
"""numpy shuffles the tail of the whole population above this size (and a large sample)."""
_TAIL_SHUFFLE_CUTOFF = 50
"""... when the sample is more than population // 50; Floyd's algorithm otherwise."""
_SCAN_MAX = 32
"""Floyd's look-up scans the values taken for samples up to this size, else marks them."""


@kernel
def _bounded(rng: np.random.Generator, top: int) -> int:
    """A uniform integer in [0, top]: numpy's ``random_bounded_uint64(0, top)`` (0 draws none)."""
    if top == 0:
        return 0
    return int(rng.integers(0, top + 1))


@kernel
def _shuffle_from(rng: np.random.Generator, data: np.ndarray, n: int, first: int) -> None:
    """numpy's ``_shuffle_int``: swap each position n-1 .. ``first`` with one at or below it."""
    for i in range(n - 1, first - 1, -1):
        j = _bounded(rng, i)
        held = data[j]
        data[j] = data[i]
        data[i] = held


@kernel
def choice_indices(rng: np.random.Generator, population: int, size: int) -> np.ndarray:
    """``rng.choice(population, size, replace=False)``: the same indices, the same draws.

    ``size`` is at most ``population`` (the callers cap it).
    """
    if population > _TAIL_SHUFFLE_POPULATION and size > population // _TAIL_SHUFFLE_CUTOFF:
        every = np.arange(population)
        _shuffle_from(rng, every, population, max(population - size, 1))
        return every[population - size :].copy()
    chosen = np.empty(size, np.int64)
    small = size <= _SCAN_MAX  # look a value up among those taken; else mark them
    taken = np.zeros(0 if small else population, np.bool_)
    for j in range(population - size, population):
        value = _bounded(rng, j)
        k = j - population + size
        if small:
            seen = False
            for earlier in range(k):
                if chosen[earlier] == value:
                    seen = True
                    break
        else:
            seen = taken[value]
        if seen:  # Floyd: a value already taken is replaced by j itself
            value = j
        if not small:
            taken[value] = True
        chosen[k] = value
    _shuffle_from(rng, chosen, size, 1)
    return chosen


@kernel
def uniforms(rng: np.random.Generator, n: int) -> np.ndarray:
    """``rng.random(n)``: n doubles in [0, 1), in numpy's order."""
    out = np.empty(n)
    for i in range(n):
        out[i] = rng.random()
    return out
