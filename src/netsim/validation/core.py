"""Validation records, the case registry and the suite runner.

A case is a function ``size -> list[Check]`` registered under an id with its
citation. A :class:`Check` is one comparison: what is compared, the reference
value from the published theory, netsim's value, its 95% interval, the
tolerance and the rule that decides pass or fail.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from multiprocessing import get_context
from typing import Any, Literal

from netsim.validation.stats import Difference, Replicates

SIZES = ("reduced", "full")
"""``reduced``: meaningful but fast (the default test run and CI); ``full``: more
replicates and larger graphs (``pytest -m slow``, ``netsim validate-model --full``)."""

Size = Literal["reduced", "full"]

Relation = Literal["approx", "excludes", "below", "exceeds", "exact"]
"""How a check passes:

- ``approx``: |value - reference| <= tolerance (the theory lies in the band);
- ``excludes``: |value - reference| > tolerance (a wrong alternative lies outside:
  the check has power);
- ``below``: value < reference (a bound, e.g. the largest outbreak below 10% of N);
- ``exceeds``: value - reference > tolerance (a difference is significantly positive);
- ``exact``: value == reference (deterministic predictions).
"""


@dataclass(frozen=True)
class Check:
    """One comparison of netsim with a published result."""

    case: str
    compared: str
    """What is compared, with the parameter point (e.g. 'final size, cT = 2')."""
    reference: float
    value: float
    ci_low: float
    ci_high: float
    """95% interval of ``value`` (equal to it for exact quantities)."""
    tolerance: float
    relation: Relation
    replicates: int
    """Independent replicates (graphs or runs) behind ``value``."""

    @property
    def passed(self) -> bool:
        gap = self.value - self.reference
        if self.relation == "approx":
            return abs(gap) <= self.tolerance
        if self.relation == "excludes":
            return abs(gap) > self.tolerance
        if self.relation == "below":
            return self.value < self.reference
        if self.relation == "exceeds":
            return gap > self.tolerance
        return self.value == self.reference

    def rule(self) -> str:
        """The pass rule as text, e.g. '|d| <= 0.012' (d = value - reference)."""
        tol = f"{self.tolerance:.3g}"
        return {
            "approx": f"|d| <= {tol}",
            "excludes": f"|d| > {tol}",
            "below": "value < ref",
            "exceeds": f"d > {tol}",
            "exact": "exact",
        }[self.relation]

    def record(self) -> dict[str, Any]:
        return asdict(self) | {"rule": self.rule(), "passed": self.passed}


@dataclass
class Checks:
    """Collects the checks of one case run."""

    case: str
    items: list[Check] = field(default_factory=list)

    def matches(self, compared: str, values: Replicates, reference: float) -> Replicates:
        """The theory lies within ``critical * SE`` of the replicate mean."""
        lo, hi = values.interval
        self.items.append(
            Check(
                self.case,
                compared,
                reference,
                values.mean,
                lo,
                hi,
                values.tolerance,
                "approx",
                values.n,
            )
        )
        return values

    def excludes(self, compared: str, values: Replicates, wrong: float) -> None:
        """A wrong prediction lies outside the same band: the check has power."""
        lo, hi = values.interval
        self.items.append(
            Check(
                self.case,
                compared,
                wrong,
                values.mean,
                lo,
                hi,
                values.tolerance,
                "excludes",
                values.n,
            )
        )

    def below(self, compared: str, value: float, bound: float, replicates: int) -> None:
        self.items.append(
            Check(self.case, compared, bound, value, value, value, 0.0, "below", replicates)
        )

    def exact(self, compared: str, value: float, reference: float, replicates: int = 1) -> None:
        self.items.append(
            Check(self.case, compared, reference, value, value, value, 0.0, "exact", replicates)
        )

    def positive(self, compared: str, difference: Difference) -> None:
        """mean(a) - mean(b) exceeds its critical multiple of the Welch SE."""
        lo, hi = difference.interval
        self.items.append(
            Check(
                self.case,
                compared,
                0.0,
                difference.value,
                lo,
                hi,
                difference.tolerance,
                "exceeds",
                difference.a.n + difference.b.n,
            )
        )


CaseFunction = Callable[[Checks, Size], None]


@dataclass(frozen=True)
class Case:
    """A registered validation case."""

    id: str
    title: str
    source: str
    """Citation(s) of the published result."""
    compares: str
    """One line: what netsim's values are compared with."""
    function: CaseFunction


CASES: dict[str, Case] = {}
"""Registered cases in report order (filled by ``netsim.validation.cases``)."""


def case(id: str, title: str, source: str, compares: str) -> Callable[[CaseFunction], CaseFunction]:
    """Register ``function(checks, size)`` as a validation case."""

    def register(function: CaseFunction) -> CaseFunction:
        if id in CASES:
            raise ValueError(f"validation case {id!r} is registered twice")
        CASES[id] = Case(id, title, source, compares, function)
        return function

    return register


@dataclass
class CaseResult:
    """One case run at one size: its checks, time and any error."""

    case: str
    title: str
    source: str
    size: str
    seconds: float
    checks: list[Check]
    error: str | None = None

    @property
    def passed(self) -> bool:
        return self.error is None and bool(self.checks) and all(c.passed for c in self.checks)

    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.passed]

    def explain(self) -> str:
        """Why the case failed, one line per failing check (for test messages)."""
        lines = [self.error] if self.error else []
        lines += [
            f"{c.compared}: netsim {c.value:.4g} [{c.ci_low:.4g}, {c.ci_high:.4g}], "
            f"reference {c.reference:.4g}, rule {c.rule()}"
            for c in self.failures()
        ]
        return "\n".join(lines) or "passed"


def run_case(case_id: str, size: Size = "reduced") -> CaseResult:
    """Run one case; an exception is recorded as the case's error (the case fails)."""
    from netsim.validation import cases as _cases  # noqa: F401  (registers the cases)

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
    from netsim.validation import cases as _cases  # noqa: F401  (registers the cases)

    return list(CASES)
