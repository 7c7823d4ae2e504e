"""Running the validation cases: one case, or the suite (serially or in spawned processes)."""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context

from netsim.validation.cases import CASES
from netsim.validation.core import SIZES, CaseResult, Checks, Size


def run_case(case_id: str, size: Size = "reduced") -> CaseResult:
    """Run one case; an exception is recorded as the case's error (the case fails)."""
    if size not in SIZES:
        raise ValueError(f"size {size!r}; allowed: {', '.join(SIZES)}")
    spec = CASES[case_id]
    checks = Checks(case_id)
    start = time.perf_counter()
    error = None
    try:
        spec.function(checks, size)
    except Exception as err:  # a crashing case is a failing case, with its reason
        error = f"{type(err).__name__}: {err}\n{traceback.format_exc(limit=-3)}"
    return CaseResult(
        case_id,
        spec.title,
        spec.source,
        size,
        time.perf_counter() - start,
        checks.items,
        error,
    )


def run_suite(
    case_ids: Iterable[str] | None = None,
    size: Size = "reduced",
    workers: int = 1,
    on_done: Callable[[CaseResult], None] | None = None,
) -> list[CaseResult]:
    """Run cases (all by default) at ``size``; results in registry order.

    With ``workers > 1`` cases run in separate processes (spawned, so nothing
    is shared). Every case seeds its own generators, so the results do not
    depend on the number of workers or on the order.
    """
    ids = list(case_ids) if case_ids is not None else case_ids_all()
    results: dict[str, CaseResult] = {}
    if workers <= 1 or len(ids) <= 1:
        for cid in ids:
            results[cid] = run_case(cid, size)
            if on_done:
                on_done(results[cid])
    else:
        with ProcessPoolExecutor(min(workers, len(ids)), mp_context=get_context("spawn")) as pool:
            futures = {pool.submit(run_case, cid, size): cid for cid in ids}
            for future in as_completed(futures):
                result = future.result()
                results[futures[future]] = result
                if on_done:
                    on_done(result)
    return [results[cid] for cid in ids]


def case_ids_all() -> list[str]:
    """Every registered case id, in report order."""
    return list(CASES)
