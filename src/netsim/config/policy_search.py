"""Policy-search files -> a validated :class:`PolicySearch`: levers, costs, conditions, target.

A planner's policy file (TOML, or YAML) names a base scenario, as an experiment file does,
the levers the planner controls with a cost for each, the uncertain conditions the policy
must be robust over, and a target::

    name = "cheapest way to keep the network alive"
    description = "..."
    scenario = "facilitated_learning_network"  # library name or path relative to this file
    seed = 1
    steps = 156                 # optional: overrides the scenario's
    replicates = 4              # runs per policy and condition
    target = { outcome = "fizzled_out", at_most = 0.1 }   # or at_least = .., e.g.
                                # { outcome = "critical_mass_reached", at_least = 0.8 }

    [set]                       # optional: fixed values on top of the base scenario
    eligible_population = 300

    [levers]                    # parameter -> its range and cost
    startup_funding = { low = 0.2, high = 1.0, cost = 40.0 }        # cost per unit
    startup_weeks = { low = 13, high = 104, cost = 0.5 }            # a whole-number lever
    sustained_funding = { low = 0.0, high = 0.6, cost = 100.0, fixed = 10.0 }

    [conditions]                # optional: what the policy must be robust over
    samples = 6                 # a Latin hypercube of 6 conditions over the ranges...
    initial_trust = { low = 0.3, high = 0.7 }
    priorities = { low = 1, high = 4 }
    # ...or listed values, zipped (each position one condition):
    # initial_trust = [0.3, 0.5, 0.7]
    # leadership_style = ["distributed", "figurehead", "distributed"]

    [search]                    # pymoo's NSGA-II
    population = 16             # policies per generation
    generations = 6

A lever's ``low`` and ``high`` default to its declared bounds and must lie within them;
whole-number parameters stay whole. Its cost is ``cost`` per unit of the lever's value
(any finite number: a negative cost is a saving as the lever rises) plus ``fixed`` (at
least 0) whenever the value is not 0. The target's outcome is one of the yes/no outcomes
(:data:`netsim.config.outcomes.BOOLEAN_OUTCOMES`); its bound is a probability.

Every run's seed depends on the condition's values and the replicate only, never on the
policy (:meth:`PolicySearch.seed_for`): every policy meets the same random draws, so
differences between policies are not noise between seeds (common random numbers). Every
mistake raises :class:`~netsim.config.scenarios.ScenarioError` with the one-line
convention: file, line, field and what is allowed.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from netsim.config.experiments import (
    DEFAULT_SEED,
    MAX_RUNS,
    MAX_SEED,
    ExperimentChecks,
    StudyFile,
    round_half_up,
)
from netsim.config.outcomes import BOOLEAN_OUTCOMES, PROBABILITY_NAMES
from netsim.config.parameters import (
    ParameterError,
    Parameters,
    coerce_value,
    declarations,
    spec_of,
)
from netsim.config.scenarios import (
    MAX_REPLICATES,
    ScenarioError,
    parse_document,
    read_document_text,
)
from netsim.config.seeding import derive_seed
from netsim.errors import excerpt, suggest
from netsim.numbers import exact, percent

TOP_LEVEL_KEYS = (
    "name",
    "description",
    "scenario",
    "seed",
    "replicates",
    "steps",
    "target",
    "set",
    "levers",
    "conditions",
    "search",
)
LEVER_KEYS = ("low", "high", "cost", "fixed")
TARGET_KEYS = ("outcome", "at_most", "at_least")
SEARCH_KEYS = ("population", "generations")
RANGE_KEYS = ("low", "high")
DEFAULT_POPULATION = 16
DEFAULT_GENERATIONS = 5
MAX_POPULATION = 1_000
MAX_GENERATIONS = 1_000
MAX_CONDITIONS = 10_000
Direction = Literal["at_most", "at_least"]

_KIND = {
    name: (kind if isinstance(kind, str) else kind.__name__)
    for name, kind, _d, _s in declarations()
}


def is_policy_file(document: Mapping[str, Any]) -> bool:
    """A parsed document is a policy-search file (it has ``[levers]``), not an experiment."""
    return "levers" in document


@dataclass(frozen=True)
class Lever:
    """One parameter the planner controls: its range (within the declared bounds) and cost."""

    name: str
    kind: Literal["int", "float"]
    low: float
    high: float
    cost: float
    """Cost per unit of the lever's value (in whatever unit the planner counts money)."""
    fixed: float = 0.0
    """Paid once whenever the lever's value is not 0 (e.g. setting up a programme)."""

    def canonical(self, value: float) -> int | float:
        """A searched value in the lever's type and range: whole numbers rounded half up."""
        clipped = min(max(float(value), self.low), self.high)
        return round_half_up(clipped) if self.kind == "int" else clipped

    def cost_of(self, value: float) -> float:
        """What this lever costs at ``value``: per-unit cost, plus the fixed cost if not 0."""
        return self.cost * float(value) + (self.fixed if value != 0 else 0.0)

    def describe(self) -> str:
        """``startup_weeks 13 to 104 (whole numbers), 0.5 per unit + 10 if used``."""
        whole = " (whole numbers)" if self.kind == "int" else ""
        fixed = f" + {exact(self.fixed)} if used" if self.fixed else ""
        return (
            f"{self.name} {exact(self.low)} to {exact(self.high)}{whole}, "
            f"{exact(self.cost)} per unit{fixed}"
        )


@dataclass(frozen=True)
class Target:
    """What the planner wants of a yes/no outcome: its probability at most or at least a bound."""

    outcome: str
    direction: Direction
    bound: float

    def met(self, probability: float) -> bool:
        """The estimate meets the target (a NaN, no successful run, never does)."""
        if math.isnan(probability):
            return False
        if self.direction == "at_most":
            return probability <= self.bound
        return probability >= self.bound

    def objective(self, probability: float) -> float:
        """What the search minimises: P for ``at_most``, 1 - P for ``at_least`` (1 if NaN)."""
        if math.isnan(probability):
            return 1.0
        return probability if self.direction == "at_most" else 1.0 - probability

    @property
    def probability_label(self) -> str:
        """``P(fizzle-out)``."""
        return f"P({PROBABILITY_NAMES.get(self.outcome, self.outcome)})"

    def describe(self) -> str:
        """``P(fizzle-out) <= 10%``."""
        sign = "<=" if self.direction == "at_most" else ">="
        return f"{self.probability_label} {sign} {percent(self.bound)}"


@dataclass(frozen=True)
class PolicySearch(StudyFile):
    """A validated policy search: base, levers with costs, conditions, replicates, target."""

    seed: int
    replicates: int
    levers: tuple[Lever, ...]
    conditions: tuple[dict[str, Any], ...]
    """Each uncertain condition: parameter -> value (one empty condition when none given)."""
    condition_design: Literal["none", "sampled", "list"]
    target: Target
    population: int
    generations: int

    @property
    def lever_names(self) -> tuple[str, ...]:
        return tuple(lever.name for lever in self.levers)

    @property
    def condition_names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(name for c in self.conditions for name in c))

    @property
    def runs_per_policy(self) -> int:
        return len(self.conditions) * self.replicates

    def canonical(self, values: Any) -> dict[str, int | float]:
        """A policy (lever -> value) from a vector in lever order, in the levers' types."""
        return {
            lever.name: lever.canonical(x)
            for lever, x in zip(self.levers, list(values), strict=True)
        }

    def cost(self, policy: Mapping[str, float]) -> float:
        """The policy's total cost: each lever's per-unit cost times its value, plus fixed costs."""
        return float(sum(lever.cost_of(policy[lever.name]) for lever in self.levers))

    def parameters_for(self, policy: Mapping[str, Any], condition: Mapping[str, Any]) -> Parameters:
        """The run's parameters: the base, the condition's values, then the policy's."""
        return self.base.replace(**dict(condition), **dict(policy))

    def seed_for(self, condition: Mapping[str, Any], replicate: int) -> int:
        """A run's seed from the condition's *values* and the replicate, never the policy.

        ``derive_seed(seed, "condition", [[name, value], ...] sorted, replicate)``: every
        policy is run on the same seeds (common random numbers), so two policies differ
        only by what their levers do.
        """
        items = [[name, condition[name]] for name in sorted(condition)]
        return derive_seed(self.seed, "condition", items, int(replicate))

    def fingerprint(self) -> str:
        """What a stored run depends on (base, levers' names, conditions, seed): a resumed
        search may change the target, costs, replicates or search sizes, not these."""
        payload = json.dumps(
            {
                "base": self.base.to_dict(),
                "levers": list(self.lever_names),
                "conditions": list(self.conditions),
                "seed": self.seed,
            },
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


def policy_key(policy: Mapping[str, Any]) -> str:
    """A policy's identity for the store: its values as sorted JSON (floats exact)."""
    return json.dumps({name: policy[name] for name in sorted(policy)}, sort_keys=True)


# --- loading ----------------------------------------------------------------------------


def load_policy_search(path: str | Path) -> PolicySearch:
    """Read and validate a policy-search file (and its base scenario)."""
    path = Path(path)
    text = read_document_text(path)
    document = parse_document(path, text)
    return _PolicyValidator(path, text, document).search()


class _PolicyValidator(ExperimentChecks):
    """An experiment file's checks (base scenario, [set], whole numbers) plus the policy's."""

    def search(self) -> PolicySearch:
        self.check_top_keys()
        name = self.text_field("name", self.path.stem)
        description = self.text_field("description", "")
        seed = self.whole("seed", DEFAULT_SEED, 0, MAX_SEED)
        replicates = self.whole("replicates", 1, 1, MAX_REPLICATES)
        scenario, ref = self.scenario()
        steps = self.doc.get("steps")
        fixed = self.fixed()
        base = self.base(scenario, fixed, steps)
        target = self.target()
        levers = self.levers(fixed)
        conditions, design = self.conditions(fixed, levers, seed)
        self.check_combinations(base, levers, conditions)
        population, generations = self.settings()
        runs = population * generations * len(conditions) * replicates
        if runs > MAX_RUNS:
            raise self.error(
                f"{population} policies x {generations} generations x {len(conditions)} "
                f"conditions x {replicates} replicates = {runs:,} runs; allowed: at most "
                f"{MAX_RUNS:,}",
                "generations",
                "search",
            )
        return PolicySearch(
            name=name,
            description=description,
            path=self.path,
            text=self.text,
            scenario=scenario,
            scenario_ref=ref,
            base=base,
            fixed=fixed,
            seed=seed,
            replicates=replicates,
            levers=levers,
            conditions=conditions,
            condition_design=design,
            target=target,
            population=population,
            generations=generations,
        )

    def check_top_keys(self) -> None:
        self.check_top_level(
            TOP_LEVEL_KEYS,
            {
                **dict.fromkeys(_KIND, "is a parameter: put it in [levers], [conditions] or [set]"),
                "vary": "belongs in an experiment file (netsim sweep); a policy search names "
                "[levers] and [conditions]",
            },
        )

    def keys_of(
        self, table: Mapping[str, Any], allowed: tuple[str, ...], key: str, group: str
    ) -> None:
        for item in table:
            if item not in allowed:
                hint = suggest(item, allowed, style="lead")
                raise self.error(
                    f"unknown key {excerpt(item)}; {hint}allowed: {', '.join(allowed)}", key, group
                )

    # --- target ---------------------------------------------------------------------------
    def target(self) -> Target:
        allowed = 'e.g. { outcome = "fizzled_out", at_most = 0.1 }'
        if "target" not in self.doc:
            raise ScenarioError(
                self.path, f"a policy search needs a target ({allowed})", field="target"
            )
        table = self.doc["target"]
        if not isinstance(table, Mapping):
            raise self.error(f"{excerpt(table)} must be a table, {allowed}", "target")
        for item in table:
            if item not in TARGET_KEYS:
                hint = suggest(item, TARGET_KEYS, style="lead")
                raise self.error(
                    f"unknown key {excerpt(item)}; {hint}allowed: {', '.join(TARGET_KEYS)}",
                    "target",
                )
        outcome = table.get("outcome")
        if not isinstance(outcome, str) or outcome not in BOOLEAN_OUTCOMES:
            hint = suggest(outcome, BOOLEAN_OUTCOMES, style="aside") if outcome else ""
            raise self.error(
                f"outcome = {excerpt(outcome)} is not a yes/no outcome{hint}; allowed: "
                f"{', '.join(BOOLEAN_OUTCOMES)}",
                "target",
            )
        given = [d for d in ("at_most", "at_least") if d in table]
        if len(given) != 1:
            raise self.error(
                f"give exactly one of at_most and at_least (a probability from 0 to 1), {allowed}",
                "target",
            )
        direction: Direction = "at_most" if given[0] == "at_most" else "at_least"
        bound = table[direction]
        if (
            isinstance(bound, bool)
            or not isinstance(bound, int | float)
            or not math.isfinite(bound)
            or not 0 <= bound <= 1
        ):
            raise self.error(
                f"{direction} = {excerpt(bound)} must be a probability from 0 to 1", "target"
            )
        return Target(outcome, direction, float(bound))

    # --- levers ---------------------------------------------------------------------------
    def lever_name(self, raw: Any, group: str, fixed: Mapping[str, Any]) -> str:
        name = self.parameter_name(raw, group)
        spec = spec_of(name)
        if not spec.sweepable:
            raise self.error(
                "cannot be searched or sampled; set it in the base scenario or [set]", name, group
            )
        if name in fixed:
            raise self.error(
                f"is also in [set]; a parameter is either fixed or in [{group}]", name, group
            )
        return name

    def levers(self, fixed: Mapping[str, Any]) -> tuple[Lever, ...]:
        table = self.table("levers")
        if not table:
            raise ScenarioError(
                self.path,
                "[levers] must name at least one parameter, e.g. "
                "startup_funding = { low = 0.2, high = 1.0, cost = 40.0 }",
                line=self.table_line("levers"),
                field="levers",
            )
        levers = []
        for raw, value in table.items():
            name = self.lever_name(raw, "levers", fixed)
            kind = _KIND[name]
            if kind == "str":
                raise self.error(
                    "is a choice parameter; a lever is a number (put the choice in [set] or "
                    "list it in [conditions])",
                    name,
                    "levers",
                )
            if not isinstance(value, Mapping):
                raise self.error(
                    f"{excerpt(value)} is not allowed; a lever is "
                    "{ low = .., high = .., cost = .. } (fixed = .. optional)",
                    name,
                    "levers",
                )
            self.keys_of(value, LEVER_KEYS, name, "levers")
            low, high = self.range(name, value, "levers")
            if "cost" not in value:
                raise self.error(
                    "has no cost; give cost = .. (per unit of the lever's value)", name, "levers"
                )
            cost = self.number(value["cost"], "cost", name, "levers")
            extra = self.number(value.get("fixed", 0.0), "fixed", name, "levers")
            if extra < 0:
                raise self.error(
                    f"fixed = {excerpt(value['fixed'])} must be at least 0", name, "levers"
                )
            levers.append(Lever(name, "int" if kind == "int" else "float", low, high, cost, extra))
        return tuple(levers)

    def number(self, value: Any, key: str, name: str, group: str) -> float:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise self.error(f"{key} = {excerpt(value)} must be a finite number", name, group)
        return float(value)

    def range(self, name: str, table: Mapping[str, Any], group: str) -> tuple[float, float]:
        """low and high (default: the declared bounds), within the declared bounds."""
        spec = spec_of(name)
        ends = []
        for key, declared in (("low", spec.low), ("high", spec.high)):
            value = table.get(key, declared)
            if value is None:
                raise self.error(f"has no declared {key} bound; give {key} = ..", name, group)
            number = self.number(value, key, name, group)
            if (spec.low is not None and number < spec.low) or (
                spec.high is not None and number > spec.high
            ):
                raise self.error(
                    f"{key} = {excerpt(value)} is outside the declared bounds; allowed: "
                    f"{spec.describe_allowed()}",
                    name,
                    group,
                )
            if _KIND[name] == "int" and not number.is_integer():
                raise self.error(
                    f"{key} = {excerpt(value)} must be a whole number ({name} is counted in "
                    f"whole {spec.unit})",
                    name,
                    group,
                )
            ends.append(number)
        low, high = ends
        if low >= high:
            raise self.error(f"low ({exact(low)}) must be below high ({exact(high)})", name, group)
        return low, high

    # --- conditions -----------------------------------------------------------------------
    def conditions(
        self, fixed: Mapping[str, Any], levers: tuple[Lever, ...], seed: int
    ) -> tuple[tuple[dict[str, Any], ...], Literal["none", "sampled", "list"]]:
        table = dict(self.table("conditions"))
        samples = table.pop("samples", None)
        if not table:
            if samples is not None:
                raise self.error("samples needs ranges to sample", "samples", "conditions")
            return ({},), "none"
        names = [self.lever_name(raw, "conditions", fixed) for raw in table]
        lever_names = {lever.name for lever in levers}
        for name in names:
            if name in lever_names:
                raise self.error(
                    "is also a lever; a parameter is either controlled or uncertain",
                    name,
                    "conditions",
                )
        values = [table[name] for name in names]
        ranged = [isinstance(v, Mapping) for v in values]
        listed = [isinstance(v, list) for v in values]
        for name, value, r, li in zip(names, values, ranged, listed, strict=True):
            if not r and not li:
                raise self.error(
                    f"{excerpt(value)} is not allowed; a condition is a range "
                    "{ low = .., high = .. } (with samples = N) or a list of values",
                    name,
                    "conditions",
                )
        if any(ranged) and any(listed):
            raise self.error(
                "give either ranges (sampled, with samples = N) or lists (zipped), not both",
                names[listed.index(True)],
                "conditions",
            )
        if all(listed):
            if samples is not None:
                raise self.error(
                    "samples is for ranges; listed conditions are taken as given",
                    "samples",
                    "conditions",
                )
            return self.listed(names, values), "list"
        return self.sampled(names, values, samples, seed), "sampled"

    def listed(self, names: list[str], values: list[Any]) -> tuple[dict[str, Any], ...]:
        lengths = {name: len(v) for name, v in zip(names, values, strict=True)}
        if len(set(lengths.values())) > 1:
            shown = ", ".join(f"{n}: {k}" for n, k in lengths.items())
            raise self.error(
                f"listed conditions are zipped, so the lists must have equal lengths; got {shown}",
                names[-1],
                "conditions",
            )
        count = next(iter(lengths.values()))
        if not 1 <= count <= MAX_CONDITIONS:
            raise self.error(
                f"must list from 1 to {MAX_CONDITIONS:,} values", names[0], "conditions"
            )
        checked = []
        for name, items in zip(names, values, strict=True):
            try:
                checked.append([coerce_value(name, _KIND[name], v, spec_of(name)) for v in items])
            except ParameterError as err:
                raise self.error(err.detail, name, "conditions") from None
        return tuple(dict(zip(names, combo, strict=True)) for combo in zip(*checked, strict=True))

    def sampled(
        self, names: list[str], values: list[Any], samples: Any, seed: int
    ) -> tuple[dict[str, Any], ...]:
        for name in names:
            if _KIND[name] == "str":
                raise self.error(
                    "is a choice parameter: list its values (zipped), not a range",
                    name,
                    "conditions",
                )
            self.keys_of(values[names.index(name)], RANGE_KEYS, name, "conditions")
        if (
            isinstance(samples, bool)
            or not isinstance(samples, int)
            or not (1 <= samples <= MAX_CONDITIONS)
        ):
            raise self.error(
                f"{excerpt(samples)} must be a whole number from 1 to {MAX_CONDITIONS:,} "
                "(how many conditions to sample from the ranges)",
                "samples",
                "conditions",
            )
        bounds = [
            self.range(name, value, "conditions") for name, value in zip(names, values, strict=True)
        ]
        unit = latin_hypercube(samples, len(names), np.random.default_rng([seed, 0x5EA2C4]))
        out = []
        for row in unit:
            condition: dict[str, Any] = {}
            for name, (low, high), u in zip(names, bounds, row.tolist(), strict=True):
                x = low + u * (high - low)
                condition[name] = round_half_up(x) if _KIND[name] == "int" else float(x)
            out.append(condition)
        return tuple(out)

    def check_combinations(
        self, base: Parameters, levers: tuple[Lever, ...], conditions: tuple[dict[str, Any], ...]
    ) -> None:
        """Every condition with every lever at its low and at its high end makes valid
        parameters (a founding core above the population fails here, not mid-search)."""
        for condition in conditions:
            for end in ("low", "high"):
                policy = {lever.name: lever.canonical(getattr(lever, end)) for lever in levers}
                try:
                    base.replace(**condition, **policy)
                except ParameterError as err:
                    name = err.field_name.split(".")[0]
                    group = "levers" if name in policy else "conditions"
                    raise self.error(
                        f"with the levers at their {end} ends and the condition "
                        f"{excerpt(condition)}: {err.detail}",
                        name if name in policy or name in condition else group,
                        group if name in policy or name in condition else None,
                    ) from None

    # --- search sizes -----------------------------------------------------------------------
    def settings(self) -> tuple[int, int]:
        table = self.table("search")
        for key in table:
            if key not in SEARCH_KEYS:
                hint = suggest(key, SEARCH_KEYS, style="lead")
                raise self.error(
                    f"unknown key; {hint}[search] takes: {', '.join(SEARCH_KEYS)}",
                    str(key),
                    "search",
                )
        values = []
        for key, default, low, high in (
            ("population", DEFAULT_POPULATION, 2, MAX_POPULATION),
            ("generations", DEFAULT_GENERATIONS, 1, MAX_GENERATIONS),
        ):
            value = table.get(key, default)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise self.error(
                    f"{excerpt(value)} must be a whole number from {low} to {high:,}", key, "search"
                )
            values.append(value)
        return values[0], values[1]


def latin_hypercube(n: int, d: int, rng: np.random.Generator) -> np.ndarray:
    """n points in [0, 1)^d, one in each of n equal slices of every axis (McKay et al. 1979)."""
    strata = np.column_stack([rng.permutation(n) for _ in range(d)]) if d else np.empty((n, 0))
    return (strata + rng.random((n, d))) / n
