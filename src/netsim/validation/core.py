"""Validation records, the case registry and the suite runner.

A case is a function ``size -> list[Check]`` registered under an id with its
citation. A :class:`Check` is one comparison: what is compared, the reference
value from the published theory, netsim's value, its 95% interval, the
tolerance and the rule that decides pass or fail.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
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
        """The pass rule in words, then as a formula (d = value - reference), e.g. 'must
        match: |d| <= 0.012' or, for a wrong alternative that netsim must be told apart
        from, 'must differ: |d| > 0.285', so a PASS beside a far-off reference reads right."""
        tol = f"{self.tolerance:.3g}"
        return {
            "approx": f"must match: |d| <= {tol}",
            "excludes": f"must differ: |d| > {tol}",
            "below": "must stay below: value < ref",
            "exceeds": f"must exceed: d > {tol}",
            "exact": "must equal: exact",
        }[self.relation]

    def record(self) -> dict[str, Any]:
        return asdict(self) | {"rule": self.rule(), "passed": self.passed}


@dataclass
class Checks:
    """Collects the checks of one case run."""

    case: str
    items: list[Check] = field(default_factory=list)

    def matches(
        self, compared: str, values: Replicates, reference: float, allowance: float = 0.0
    ) -> Replicates:
        """The theory lies within ``critical * SE + allowance`` of the replicate mean.

        ``allowance`` (>= 0) is for a reference that approximates the model's rule: the
        approximation's own error, stated by the case (0 for an exact theory).
        """
        lo, hi = values.interval
        self.items.append(
            Check(
                self.case,
                compared,
                reference,
                values.mean,
                lo,
                hi,
                values.tolerance + allowance,
                "approx",
                values.n,
            )
        )
        return values

    def excludes(
        self, compared: str, values: Replicates, wrong: float, allowance: float = 0.0
    ) -> None:
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
                values.tolerance + allowance,
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


def case(id: str, title: str, source: str, compares: str) -> Callable[[CaseFunction], Case]:
    """Declare ``function(checks, size)`` as a validation case (listed in ``cases.CASES``)."""

    def declare(function: CaseFunction) -> Case:
        return Case(id, title, source, compares, function)

    return declare


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
