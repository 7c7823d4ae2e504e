"""The compiler policy: kernels compile, cache, and still work where nothing can be cached."""

from __future__ import annotations

import numpy as np
import pytest
from numba.core import caching

from netsim.model.compiled import kernel


def _scaled_sum(values: np.ndarray, factor: float) -> float:
    total = 0.0
    for v in values:
        total = total + v * factor
    return total


def test_a_kernel_gives_the_same_arithmetic_as_python() -> None:
    values = np.random.default_rng(3).random(101)
    compiled = kernel(_scaled_sum)
    assert compiled(values, 0.3) == _scaled_sum(values, 0.3)  # exact: same operations in order


def test_without_a_writable_cache_directory_a_kernel_compiles_uncached(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(caching.CacheImpl, "_locator_classes", [])
    with pytest.raises(RuntimeError, match="no locator"):  # what numba does on its own
        caching.FunctionCache(_scaled_sum)
    compiled = kernel(_scaled_sum)
    values = np.arange(5.0)
    assert compiled(values, 2.0) == 20.0
    assert compiled._cache.__class__.__name__ == "NullCache"
