"""Compiled draws are numpy's own: the same values, the generator left in the same state."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numba import njit

from netsim.model.draws import choice_indices, uniforms


def _same_state(a: np.random.Generator, b: np.random.Generator) -> bool:
    return a.bit_generator.state == b.bit_generator.state


@pytest.mark.parametrize(
    ("population", "size"),
    [
        (1, 0),
        (1, 1),
        (5, 5),
        (37, 3),
        (1_000, 20),
        (10_000, 200),  # the largest population numpy samples by Floyd's algorithm
        (10_001, 200),  # tail shuffle: a sample above population // 50
        (10_001, 199),  # Floyd again: at most population // 50
        (50_000, 50_000),
        (123_456, 100),
    ],
)
def test_choice_indices_equals_numpy_choice_without_replacement(population: int, size: int) -> None:
    for seed in range(3):
        ours, theirs = np.random.default_rng(seed), np.random.default_rng(seed)
        picked = choice_indices(ours, population, size)
        expected = theirs.choice(population, size=size, replace=False)
        np.testing.assert_array_equal(picked, expected)
        assert _same_state(ours, theirs)


@settings(max_examples=60, deadline=None)
@given(
    population=st.integers(1, 30_000),
    share=st.floats(0.0, 1.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_choice_indices_matches_numpy_at_any_size(population: int, share: float, seed: int) -> None:
    size = int(share * population)
    ours, theirs = np.random.default_rng(seed), np.random.default_rng(seed)
    picked = choice_indices(ours, population, size)
    np.testing.assert_array_equal(picked, theirs.choice(population, size=size, replace=False))
    assert np.unique(picked).size == size  # without replacement
    assert _same_state(ours, theirs)


def test_uniforms_are_numpy_random_and_leave_the_same_state() -> None:
    ours, theirs = np.random.default_rng(4), np.random.default_rng(4)
    np.testing.assert_array_equal(uniforms(ours, 1_001), theirs.random(1_001))
    assert _same_state(ours, theirs)


def test_compiled_distributions_draw_numpy_streams() -> None:
    """poisson and beta, which the growth rules draw inside kernels, agree with numpy's."""

    @njit
    def draw(rng: np.random.Generator) -> tuple[int, int, np.ndarray]:
        return rng.poisson(0.3), rng.poisson(42.0), rng.beta(2.5, 1.5, 7)

    ours, theirs = np.random.default_rng(9), np.random.default_rng(9)
    small, large, beta = draw(ours)
    assert small == theirs.poisson(0.3)
    assert large == theirs.poisson(42.0)
    np.testing.assert_array_equal(beta, theirs.beta(2.5, 1.5, 7))
    assert _same_state(ours, theirs)
