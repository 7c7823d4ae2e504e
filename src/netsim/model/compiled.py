"""The compiler policy for netsim's per-member loops (numba).

At a thousand members a week of the model is a few hundred numpy calls on short
arrays, each costing more in call overhead than in arithmetic; the hot mechanisms
(exchange, engagement, status, tie decay, brokering) therefore run as compiled
loops. Each loop does, per member or per tie, the same IEEE operations in the same
order as the numpy formulation it replaced, so results are bit-identical to it:

- no ``fastmath`` (no reassociation, no fused multiply-add);
- a kernel that draws takes the model's numpy ``Generator`` itself: numba draws
  numpy's own streams from its state (``random``, ``integers``, ``poisson``, ``beta``;
  numpy's ``choice`` without replacement is :mod:`netsim.model.draws`), in the order
  and sizes the mechanism's docstring defines, so a compiled mechanism takes the draws
  its numpy formulation took. Unboxing a Generator costs about 10 us a call, which is
  why the social week is one call (:mod:`netsim.model.week`);
- a kernel whose results must equal numpy's bit for bit calls no ``log1p``, ``expm1``,
  ``exp`` or ``log`` (numba's differ from numpy's SIMD ones in the last bit of some
  values): contagion mode's weeks (:mod:`netsim.model.contagion_run`) read
  P(adopt | k ties) from a table numpy made;
- no floating-point reductions whose value is kept (numpy sums pairwise; a loop would
  not); a probability that only meets a draw may be computed another way (to within
  a rounding error: see diffusion.spread_social).

Kernels are small named functions: a mechanism's kernel reads as a loop over members
(or ties) that calls the mechanism's rules, each rule a small kernel of its own beside
the docstring that states it (numba inlines them; the operations stay the same). State
reaches a kernel as a few structures grouped by meaning (``NamedTuple`` s of arrays:
:class:`~netsim.model.state.MemberView`, :class:`~netsim.model.state.TieView`,
:class:`~netsim.model.graphs.ContactCSR`, and the rule's coefficients), not as long
positional lists; :func:`packed` says how they cross from Python.

``cache=True`` compiles each kernel once per machine (into ``__pycache__`` next to
the source, or ``NUMBA_CACHE_DIR``); later processes, such as sweep workers, load it.
``NUMBA_DISABLE_JIT=1`` runs the same loops as plain Python, for debugging. numba checks
a cached kernel against its own source file only: after changing a structure, a rule or
a constant in another module that a kernel uses, delete the ``.nbi``/``.nbc`` files (or
touch the kernel's module) so that it compiles again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

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


def packed[T: tuple[Any, ...]](structure: T) -> T:
    """``structure`` (a NamedTuple) as the plain tuple in which it crosses into compiled code.

    When Python calls a kernel, numba types a plain tuple of arrays in C but a NamedTuple
    in Python, field by field (about 0.3 us a field; over the kernels' ~70 fields a
    step, 4% of a 1,000-member run). So the kernels called from Python take plain tuples
    and name them again on their first line (``members = MemberView(*members)``), which
    compiles to nothing. Typed as the structure it carries, which is what the kernel reads.
    """
    return tuple(structure)  # type: ignore[return-value]
