"""How a large world's process keeps the memory its weeks free (glibc's malloc settings).

Every week the compiled mechanisms make scratch arrays as long as the population or the
contact list (masks, counts, the week's tie CSR) and free them. glibc serves a block
above its mmap threshold by mapping fresh pages from the system and unmaps it on free,
and trims the top of its heap once more than the trim threshold is free: at a million
members most of those arrays are megabytes long, so each week faults every page of them
in again, 4 KB at a time. Measured on the 2-core benchmark machine (52 weeks of the
default scenario at 1,000,000 members, CPU time): 82 ns per member-step as glibc
ships, 54 with large blocks kept on the heap (100,000 members: ~50 either way, their
arrays fit under the threshold glibc adapts to). Results do not change: only where
the bytes live.

Free memory up to 2 GB is not returned to the system, so a large world's process
stays near its peak resident size (which it reaches in its first weeks
anyway). Other C libraries (macOS, musl) are left as they are.
"""

from __future__ import annotations

import ctypes
import ctypes.util

LARGE_WORLD = 200_000
"""From this many eligible people on, the process keeps freed memory (see the module)."""
MMAP_THRESHOLD_BYTES = 32 * 2**20
"""Blocks up to this size come from the heap: glibc's largest mmap threshold (64-bit)."""
TRIM_THRESHOLD_BYTES = 2**31 - 1
"""Free heap kept before glibc trims it (the largest int mallopt takes: 2 GB)."""
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
"""mallopt's parameter numbers (glibc's malloc.h)."""

_kept: bool | None = None


def keep_freed_memory() -> bool:
    """Ask glibc to keep blocks up to MMAP_THRESHOLD_BYTES on its heap and never trim it.

    Once per process (later calls return the first answer). True if glibc took both
    settings; False where the C library has no ``mallopt`` (nothing is changed).
    """
    global _kept
    if _kept is None:
        _kept = _set_malloc_thresholds()
    return _kept


def _set_malloc_thresholds() -> bool:
    name = ctypes.util.find_library("c")
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError, TypeError):  # no C library found, or not glibc's
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    mmap = bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES))
    return bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES)) and mmap
