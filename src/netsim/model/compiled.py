"""The compiler policy for netsim's per-member loops (numba).

At a thousand members a week of the model is a few hundred numpy calls on short
arrays, each costing more in call overhead than in arithmetic; the hot mechanisms
(exchange, engagement, status, tie decay, brokering) therefore run as compiled
loops. Each loop does, per member or per tie, the same IEEE operations in the same
order as the numpy formulation it replaced, so results are bit-identical to it:

- no ``fastmath`` (no reassociation, no fused multiply-add);
- kernels never draw random numbers: the caller draws them from the model's numpy
  ``Generator``, in the order and sizes the mechanism defines, and passes them in;
- no floating-point reductions (numpy sums pairwise; a loop would not).

``cache=True`` compiles each kernel once per machine (into ``__pycache__`` next to
the source, or ``NUMBA_CACHE_DIR``); later processes, such as sweep workers, load it.
``NUMBA_DISABLE_JIT=1`` runs the same loops as plain Python, for debugging.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from numba import njit


def kernel[F: Callable[..., object]](fn: F) -> F:
    """Compile ``fn`` under netsim's policy (cached, no fastmath, no bounds checks).

    Where no cache directory is writable (a read-only install with no writable home),
    each process compiles on first use instead of failing. The cast to ``F``: numba's
    ``Dispatcher[F]`` is called exactly like ``fn`` (and under ``NUMBA_DISABLE_JIT`` it
    is ``fn`` itself), so callers keep ``fn``'s signature.
    """
    try:
        return cast(F, njit(cache=True, nogil=True, fastmath=False)(fn))
    except RuntimeError:  # numba: "cannot cache function ...: no locator available"
        return cast(F, njit(cache=False, nogil=True, fastmath=False)(fn))
