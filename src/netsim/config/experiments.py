"""Experiment files -> validated designs: which scenario points to run, how often, what to keep.

An experiment file (TOML, or YAML) names a base scenario, the parameters to vary
and a design::

    name = "critical mass: founding core"
    description = "..."
    scenario = "facilitated_learning_network"  # library name or path relative to this file
    seed = 1
    replicates = 10
    steps = 156                 # optional: overrides the scenario's
    design = "grid"             # grid | latin_hypercube | sobol | morris | list
    samples = 64                # latin_hypercube: points; sobol: base N; morris: trajectories

    [set]                       # optional: fixed values on top of the base scenario
    eligible_population = 200

    [vary]                      # parameter -> values (grid, list) or a range
    founding_core = [5, 10, 20, 40, 80]
    initial_trust = { low = 0.1, high = 0.9, num = 9 }    # grid: num points, linspace

    [outputs]
    steps = false               # keep per-step tables
    step_every = 4              # keep every n-th step (and the last)

    [analysis]                  # optional: what `netsim analyse` looks at by default
    outcome = "critical_mass_reached"   # yes/no outcome for labels and the tipping point
    parameter = "founding_core"         # main parameter (curves, tipping point)
    by = "initial_trust"                # a tipping point per level of this one too
    phase_outcomes = ["critical_mass_reached", "final_adoption"]
    figures = ["tipping_by.png"]        # the figures `--figures DIR` copies (the docs' ones)
    discover = ["fizzled_out"]          # also scenario discovery (PRIM) of these outcomes

``design = "list"`` zips equal-length lists (the points given one by one). In
``latin_hypercube``, ``sobol`` and ``morris`` every varied parameter takes
``{ low = .., high = .. }`` (``{}`` means its declared bounds); ``sobol`` also takes
``second_order = true|false`` and ``morris`` ``levels = 4``. Integer parameters are
rounded to the nearest whole number (half up); choice parameters may only be varied
in grid and list designs.

This module decides *what* runs: the design points in a fixed order, each with a
``point_id`` (0..P-1), and the seed of each replicate. :mod:`netsim.batch.sweep` runs them.
Every mistake raises :class:`~netsim.config.scenarios.ScenarioError` with the scenario
files' one-line convention: file, line, field and what is allowed.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from netsim.config.outcomes import BOOLEAN_OUTCOMES, SUMMARY_FIELDS
from netsim.config.parameters import (
    FIELD_NAMES,
    ParameterError,
    Parameters,
    coerce_value,  # the one definition of "is this value allowed for this parameter"
    declarations,
    spec_of,
)
from netsim.config.scenarios import (
    MAX_REPLICATES,
    LineFinder,
    Scenario,
    ScenarioError,
    default_scenario,
    library_dir,
    load_scenario,
    parse_document,
    read_document_text,
)
from netsim.config.seeding import derive_seed
from netsim.errors import excerpt, suggest

DESIGNS = ("grid", "latin_hypercube", "sobol", "morris", "list")
SAMPLED_DESIGNS = ("latin_hypercube", "sobol", "morris")
"""Designs drawn from continuous ranges (need ``samples``; no choice parameters)."""
TOP_LEVEL_KEYS = (
    "name",
    "description",
    "scenario",
    "seed",
    "replicates",
    "steps",
    "design",
    "samples",
    "second_order",
    "levels",
    "set",
    "vary",
    "outputs",
    "analysis",
)
OUTPUT_KEYS = ("steps", "step_every")
ANALYSIS_KEYS = ("outcome", "parameter", "by", "phase_outcomes", "figures", "discover")
"""[analysis] keys: what `netsim analyse` reads from the sweep by default (see
:func:`netsim.present.sweep_report.analyse`), and the figures the docs show (``--figures``)."""
YES_NO_OUTCOMES = BOOLEAN_OUTCOMES
GRID_RANGE_KEYS = ("low", "high", "num")
SAMPLED_RANGE_KEYS = ("low", "high")
MAX_RUNS = 1_000_000
"""Design points x replicates above this are refused: a typo, not an experiment."""
MAX_SEED = 2**32 - 1
"""derive_seed uses the low 32 bits of the base seed, so larger seeds would collide."""
DEFAULT_SEED = 1
DEFAULT_MORRIS_LEVELS = 4

_KIND = {
    name: (kind if isinstance(kind, str) else kind.__name__)
    for name, kind, _d, _s in declarations()
}


@dataclass(frozen=True)
class Factor:
    """One varied parameter: its levels (grid, list) or its range (sampled designs)."""

    name: str
    kind: str
    """'int', 'float' or 'str' (a choice parameter)."""
    levels: tuple[Any, ...] | None = None
    low: float | None = None
    high: float | None = None

    def describe(self) -> dict[str, Any]:
        """JSON-ready description for the manifest."""
        spec = spec_of(self.name)
        numeric = self.kind != "str"
        low, high = self.low, self.high
        if self.levels is not None and numeric:
            low, high = min(self.levels), max(self.levels)
        return {
            "name": self.name,
            "kind": "choice" if not numeric else self.kind,
            "levels": list(self.levels) if self.levels is not None else None,
            "low": low,
            "high": high,
            "declared_low": spec.low,
            "declared_high": spec.high,
            "choices": list(spec.choices) if spec.choices is not None else None,
        }

    def canonical(self, value: Any) -> Any:
        """A sampled number in this parameter's type: whole numbers rounded half up."""
        if self.kind == "int":
            return round_half_up(float(value))
        if self.kind == "float":
            return float(value)
        return value


@dataclass(frozen=True)
class OutputSettings:
    """What each run keeps besides its summary."""

    steps: bool = False
    step_every: int = 1


@dataclass(frozen=True)
class StudyFile:
    """What every study file (experiment, calibration, policy search) states first.

    Read by the same checks in each (:class:`_Validator`): its name and description,
    the file itself, the base scenario it names, and that scenario with its ``[set]``
    table and ``steps`` applied.
    """

    name: str
    description: str
    path: Path
    text: str
    scenario: Scenario
    """The base scenario (``default_scenario()`` when the file names none)."""
    scenario_ref: str | None
    base: Parameters
    """The base scenario's parameters with ``[set]`` and ``steps`` applied."""
    fixed: dict[str, Any]
    """The ``[set]`` table: parameter -> value."""


@dataclass(frozen=True)
class Experiment(StudyFile):
    """A validated experiment: base parameters, varied factors, design, replicates, outputs."""

    seed: int
    replicates: int
    steps: int | None
    design: str
    samples: int | None
    factors: tuple[Factor, ...]
    outputs: OutputSettings = field(default_factory=OutputSettings)
    second_order: bool = True
    levels: int = DEFAULT_MORRIS_LEVELS
    analysis: dict[str, Any] = field(default_factory=dict)
    """The validated [analysis] table (empty: the analysis picks its own defaults)."""

    @property
    def varied(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.factors)

    @property
    def point_count(self) -> int:
        return _point_count(self.design, self.factors, self.samples, self.second_order)

    @property
    def total_runs(self) -> int:
        return self.point_count * self.replicates

    def salib_problem(self) -> dict[str, Any] | None:
        """SALib's problem dict (sampled designs only): what analysis needs for indices.

        Bounds are the ranges sampled; integer parameters were rounded after sampling.
        """
        if self.design not in SAMPLED_DESIGNS:
            return None
        return {
            "num_vars": len(self.factors),
            "names": list(self.varied),
            "bounds": [[f.low, f.high] for f in self.factors],
        }

    @cached_property
    def matrix(self) -> np.ndarray | None:
        """The raw sample (points x factors, before rounding) of a sampled design, else None."""
        if self.design not in SAMPLED_DESIGNS:
            return None
        return _sample(self)

    def points(self) -> Iterator[dict[str, Any]]:
        """Design points in ``point_id`` order, values in their parameters' types.

        Grid points are generated lazily (the first factor varies slowest), so a large
        grid never sits in memory.
        """
        names = self.varied
        if self.design == "grid":
            for combo in itertools.product(*(f.levels or () for f in self.factors)):
                yield dict(zip(names, combo, strict=True))
        elif self.design == "list":
            for combo in zip(*(f.levels or () for f in self.factors), strict=True):
                yield dict(zip(names, combo, strict=True))
        else:
            matrix = self.matrix
            assert matrix is not None
            for row in matrix:
                yield {
                    f.name: f.canonical(x) for f, x in zip(self.factors, row.tolist(), strict=True)
                }

    def seed_for(self, point: Mapping[str, Any], replicate: int) -> int:
        """The seed of one run: from the point's *values* and the replicate, not its position.

        ``derive_seed(seed, [[name, value], ...] sorted by name, replicate)``: the same
        point gets the same seeds in any design order, in any experiment with the same
        seed that varies the same parameters, and on any engine; replicates are
        independent streams.
        """
        items = [[name, point[name]] for name in sorted(point)]
        return derive_seed(self.seed, items, int(replicate))


# --- loading ----------------------------------------------------------------------------


def load_experiment(path: str | Path) -> Experiment:
    """Read and validate an experiment file (and its base scenario)."""
    path = Path(path)
    text = read_document_text(path)
    document = parse_document(path, text)
    return _Validator(path, text, document).experiment()


class _Validator:
    """Turns a parsed document into an :class:`Experiment`, one located error at a time."""

    def __init__(self, path: Path, text: str, document: Mapping[str, Any]) -> None:
        self.path = path
        self.text = text
        self.doc = document
        self.lines = LineFinder(text, path.suffix)

    def error(self, message: str, key: str, group: str | None = None) -> ScenarioError:
        shown = f"[{group}] {key}" if group else key
        line = self.lines.of(key, group) if group else self.lines.of(key)
        if line is None:
            line = self.table_line(group or key)
        return ScenarioError(self.path, message, line=line, field=shown)

    def table_line(self, name: str) -> int | None:
        """The line of a ``[name]`` header (TOML) or ``name:`` (YAML), if any."""
        header = re.compile(rf"^\s*\[\s*{re.escape(name)}\s*\]|^{re.escape(name)}\s*:")
        for number, text in enumerate(self.lines.lines, start=1):
            if header.search(text):
                return number
        return None

    # --- top level ---------------------------------------------------------------------
    def experiment(self) -> Experiment:
        self.check_keys()
        design = self.design()
        name = self.text_field("name", self.path.stem)
        description = self.text_field("description", "")
        seed = self.whole("seed", DEFAULT_SEED, 0, MAX_SEED)
        replicates = self.whole("replicates", 1, 1, MAX_REPLICATES)
        self.only_for("samples", SAMPLED_DESIGNS, design)
        self.only_for("second_order", ("sobol",), design)
        self.only_for("levels", ("morris",), design)
        samples = None
        if design in SAMPLED_DESIGNS:
            if "samples" not in self.doc:
                raise ScenarioError(
                    self.path,
                    f"the {design} design needs 'samples' (a whole number of at least 2)",
                    field="samples",
                )
            samples = self.whole("samples", None, 2, MAX_RUNS)
            if design == "sobol" and samples & (samples - 1):
                lower = 1 << (samples.bit_length() - 1)
                raise self.error(
                    f"{samples} must be a power of 2 for sobol (Saltelli's scheme needs it); "
                    f"e.g. {lower} or {lower * 2}",
                    "samples",
                )
        second_order = self.flag("second_order", True)
        levels = self.whole("levels", DEFAULT_MORRIS_LEVELS, 2, 100)
        scenario, ref = self.scenario()
        steps = self.doc.get("steps")
        fixed = self.fixed()
        base = self.base(scenario, fixed, steps)
        factors = self.factors(design, fixed)
        count = _point_count(design, factors, samples, second_order)
        if count * replicates > MAX_RUNS:
            raise self.error(
                f"{count:,} design points x {replicates} replicates = {count * replicates:,} "
                f"runs; allowed: at most {MAX_RUNS:,} (use a sampled design or fewer levels)",
                "vary" if design in ("grid", "list") else "samples",
            )
        return Experiment(
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
            steps=base.steps if steps is not None else None,
            design=design,
            samples=samples,
            factors=factors,
            outputs=self.outputs(),
            second_order=second_order,
            levels=levels,
            analysis=self.analysis(factors),
        )

    def check_keys(self) -> None:
        if "levers" in self.doc:
            raise self.error("makes this a policy search: run it with `netsim optimise`", "levers")
        self.check_top_level(
            TOP_LEVEL_KEYS,
            {
                **dict.fromkeys(FIELD_NAMES, "is a parameter: put it in [vary] or [set]"),
                "timeline": "a timeline belongs in the base scenario file (see `scenario`)",
            },
        )

    def check_top_level(self, allowed: tuple[str, ...], misplaced: Mapping[str, str]) -> None:
        """Every top-level key is text and one of ``allowed``: a key of ``misplaced`` is told
        where it belongs (its message), any other gets the nearest allowed key and the list.
        Shared by every file kind built on this validator (experiment, calibration, policy)."""
        for key in self.doc:
            if not isinstance(key, str):
                raise ScenarioError(self.path, f"key {excerpt(key)} must be text")
            if key in allowed:
                continue
            if key in misplaced:
                raise self.error(misplaced[key], key)
            hint = suggest(key, allowed)
            raise self.error(f"unknown key{hint} Allowed at the top: {', '.join(allowed)}", key)

    def table_keys(self, table: Mapping[str, Any], allowed: tuple[str, ...], group: str) -> None:
        """Every key of the ``[group]`` table is one of ``allowed`` (else the nearest and the
        list)."""
        for key in table:
            if key not in allowed:
                hint = suggest(key, allowed, style="lead")
                raise self.error(
                    f"unknown key; {hint}[{group}] takes: {', '.join(allowed)}", str(key), group
                )

    def one_of(
        self, value: Any, allowed: tuple[str, ...], noun: str, key: str, group: str = ""
    ) -> str:
        """``value`` if it is one of ``allowed`` (a {noun}); else the nearest and the list."""
        if not isinstance(value, str) or value not in allowed:
            hint = suggest(value, allowed, style="aside")
            raise self.error(
                f"{excerpt(value)} is not a {noun}{hint}; allowed: {', '.join(allowed)}",
                key,
                group,
            )
        return value

    def design(self) -> str:
        return self.one_of(self.doc.get("design", "grid"), DESIGNS, "design", "design")

    def text_field(self, key: str, default: str) -> str:
        value = self.doc.get(key, default)
        if not isinstance(value, str):
            raise self.error(f"{excerpt(value)} must be text", key)
        return value

    def whole(self, key: str, default: int | None, low: int, high: int) -> int:
        value = self.doc.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise self.error(f"{excerpt(value)} must be a whole number from {low} to {high:,}", key)
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self.doc.get(key, default)
        if not isinstance(value, bool):
            raise self.error(f"{excerpt(value)} must be true or false", key)
        return value

    def only_for(self, key: str, designs: tuple[str, ...], design: str) -> None:
        if key in self.doc and design not in designs:
            raise self.error(
                f"is only used by the {_join(designs)} design{'s' if len(designs) > 1 else ''}"
                f", not {excerpt(design)}; remove it",
                key,
            )

    # --- base scenario and fixed values ---------------------------------------------------
    def scenario(self) -> tuple[Scenario, str | None]:
        ref = self.doc.get("scenario")
        if ref is None:
            return default_scenario(), None
        if not isinstance(ref, str) or not ref.strip():
            raise self.error(
                "must be a library scenario name or a scenario file relative to this file",
                "scenario",
            )
        candidates = [Path(ref) if Path(ref).is_absolute() else self.path.parent / ref]
        if not Path(ref).is_absolute() and "/" not in ref and "\\" not in ref:
            candidates += [library_dir() / ref, library_dir() / f"{ref}.toml"]
        for candidate in candidates:
            if candidate.is_file():
                return load_scenario(candidate), ref
        known = sorted(p.stem for p in library_dir().glob("*.toml"))
        hint = suggest(Path(ref).stem, known)
        raise self.error(
            f"{excerpt(ref)} is neither a file relative to this experiment nor a library scenario"
            f"{hint} (see `netsim scenarios`)",
            "scenario",
        )

    def table(self, key: str) -> Mapping[str, Any]:
        value = self.doc.get(key, {})
        if not isinstance(value, Mapping):
            raise self.error(f"[{key}] must be a table", key)
        return value

    def parameter_name(self, name: Any, group: str) -> str:
        name = str(name)
        if name in FIELD_NAMES and name != "timeline":
            return name
        if name == "timeline":
            raise self.error(
                "cannot be set here: put the timeline in the base scenario", name, group
            )
        hint = suggest(name, FIELD_NAMES)
        raise self.error(f"is not a parameter{hint} (see `netsim parameters`)", name, group)

    def fixed(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for raw, value in self.table("set").items():
            name = self.parameter_name(raw, "set")
            if name == "steps":
                raise self.error("set steps at the top of the file, not in [set]", name, "set")
            if name in ("network_file", "network_nodes_file") and isinstance(value, str) and value:
                target = Path(value) if Path(value).is_absolute() else self.path.parent / value
                if not target.exists():
                    raise self.error(
                        f"{excerpt(value)} does not exist (relative to the experiment file)",
                        name,
                        "set",
                    )
                value = str(target)
            values[name] = value
        return values

    def base(self, scenario: Scenario, fixed: dict[str, Any], steps: Any) -> Parameters:
        changes = dict(fixed)
        if steps is not None:
            changes["steps"] = steps
        try:
            return scenario.parameters.replace(**changes)
        except ParameterError as err:
            name = err.field_name.split(".")[0]
            if name in fixed:
                raise self.error(err.detail, name, "set") from None
            if name in ("steps", "timeline") and steps is not None:
                raise self.error(err.detail, "steps") from None
            raise ScenarioError(
                self.path, f"with the base scenario: {err.detail}", field=err.field_name
            ) from None

    def outputs(self) -> OutputSettings:
        table = self.table("outputs")
        self.table_keys(table, OUTPUT_KEYS, "outputs")
        keep = table.get("steps", False)
        if not isinstance(keep, bool):
            raise self.error(f"{excerpt(keep)} must be true or false", "steps", "outputs")
        every = table.get("step_every", 1)
        top = int(spec_of("steps").high or 0)
        if isinstance(every, bool) or not isinstance(every, int) or not 1 <= every <= top:
            raise self.error(
                f"{excerpt(every)} must be a whole number from 1 to {top:,} (the longest run)",
                "step_every",
                "outputs",
            )
        return OutputSettings(steps=keep, step_every=every)

    def analysis(self, factors: tuple[Factor, ...]) -> dict[str, Any]:
        """The [analysis] table checked now, so a typo fails before the sweep, not after it."""
        table = self.table("analysis")
        varied = [f.name for f in factors]
        settings: dict[str, Any] = {}
        self.table_keys(table, ANALYSIS_KEYS, "analysis")
        for key, value in table.items():
            if key == "outcome" and value not in YES_NO_OUTCOMES:
                raise self.error(
                    f"{excerpt(value)} is not a yes/no outcome; allowed: "
                    f"{', '.join(YES_NO_OUTCOMES)}",
                    key,
                    "analysis",
                )
            if key in ("parameter", "by") and value not in varied:
                raise self.error(
                    f"{excerpt(value)} is not varied; allowed: {', '.join(varied)}", key, "analysis"
                )
            if key == "phase_outcomes" and (
                not isinstance(value, list) or not value or not set(value) <= set(SUMMARY_FIELDS)
            ):
                raise self.error(
                    f"{excerpt(value)} must be a list of summary fields "
                    f"({', '.join(SUMMARY_FIELDS)})",
                    key,
                    "analysis",
                )
            if key == "discover" and (
                not isinstance(value, list)
                or not value
                or not all(isinstance(v, str) and v in YES_NO_OUTCOMES for v in value)
            ):
                raise self.error(
                    f"{excerpt(value)} must be a list of yes/no outcomes "
                    f"({', '.join(YES_NO_OUTCOMES)})",
                    key,
                    "analysis",
                )
            if key == "figures" and (
                not isinstance(value, list)
                or not all(isinstance(v, str) and re.fullmatch(r"[\w.-]+\.png", v) for v in value)
            ):
                raise self.error(
                    f"{excerpt(value)} must be a list of figure file names "
                    "(e.g. 'tipping_point.png')",
                    key,
                    "analysis",
                )
            settings[key] = value
        if "by" in settings and settings["by"] == settings.get("parameter"):
            raise self.error("must differ from 'parameter'", "by", "analysis")
        return settings

    # --- varied parameters ----------------------------------------------------------------
    def factors(self, design: str, fixed: Mapping[str, Any]) -> tuple[Factor, ...]:
        vary = self.table("vary")
        if not vary:
            raise ScenarioError(
                self.path,
                "[vary] must name at least one parameter (parameter = [values] or a range)",
                line=self.table_line("vary"),
                field="vary",
            )
        factors = []
        for raw, value in vary.items():
            name = self.parameter_name(raw, "vary")
            spec = spec_of(name)
            if not spec.sweepable:
                raise self.error(
                    "is not sweepable; set it in the base scenario or [set]", name, "vary"
                )
            if name in fixed:
                raise self.error(
                    "is also in [set]; a parameter is either fixed or varied", name, "vary"
                )
            if design in SAMPLED_DESIGNS:
                factors.append(self.sampled_factor(name, value, design))
            else:
                factors.append(self.level_factor(name, value, design))
        if design == "list":
            lengths = {f.name: len(f.levels or ()) for f in factors}
            if len(set(lengths.values())) > 1:
                shown = ", ".join(f"{n}: {k}" for n, k in lengths.items())
                raise self.error(
                    f"the list design zips its lists, so they must have equal lengths; got {shown}",
                    factors[-1].name,
                    "vary",
                )
        return tuple(factors)

    def check_value(self, name: str, value: Any) -> Any:
        try:
            return coerce_value(name, _KIND[name], value, spec_of(name))
        except ParameterError as err:
            raise self.error(err.detail, name, "vary") from None

    def level_factor(self, name: str, value: Any, design: str) -> Factor:
        kind = _KIND[name]
        if isinstance(value, list):
            if not value:
                raise self.error("the list of values is empty", name, "vary")
            levels = tuple(self.check_value(name, v) for v in value)
            if design == "grid" and len(set(levels)) < len(levels):
                repeated = next(v for v in levels if levels.count(v) > 1)
                raise self.error(
                    f"{excerpt(repeated)} is listed twice; a grid's values must be distinct",
                    name,
                    "vary",
                )
            return Factor(name, kind, levels=levels)
        if isinstance(value, Mapping) and design == "grid":
            if kind == "str":
                raise self.error(
                    "is a choice parameter: list its values, e.g. "
                    f"{list(spec_of(name).choices or ())}",
                    name,
                    "vary",
                )
            low, high = self.bounds(name, value, GRID_RANGE_KEYS, needs=GRID_RANGE_KEYS)
            num = value["num"]
            if isinstance(num, bool) or not isinstance(num, int) or not 2 <= num <= MAX_RUNS:
                raise self.error(
                    f"num = {excerpt(num)} must be a whole number from 2 to {MAX_RUNS:,}",
                    name,
                    "vary",
                )
            grid = np.linspace(low, high, num)
            if kind == "int":
                levels = tuple(dict.fromkeys(round_half_up(x) for x in grid.tolist()))
            else:
                levels = tuple(round(x, 12) for x in grid.tolist())
            return Factor(name, kind, levels=levels)
        allowed = (
            "a list of values, or a range { low = .., high = .., num = .. }"
            if design == "grid"
            else "a list of values (the list design zips the lists)"
        )
        hint = "; to fix a value, put it in [set]" if not isinstance(value, list | Mapping) else ""
        raise self.error(f"{excerpt(value)} is not allowed; allowed: {allowed}{hint}", name, "vary")

    def sampled_factor(self, name: str, value: Any, design: str) -> Factor:
        kind = _KIND[name]
        if kind == "str":
            raise self.error(
                f"is a choice parameter; the {design} design samples numbers, so choices "
                "can be varied only in grid or list designs",
                name,
                "vary",
            )
        if not isinstance(value, Mapping):
            raise self.error(
                f"{excerpt(value)} is not allowed; the {design} design needs a range "
                "{ low = .., high = .. } ({} for the declared bounds)",
                name,
                "vary",
            )
        low, high = self.bounds(name, value, SAMPLED_RANGE_KEYS, needs=())
        return Factor(name, kind, low=low, high=high)

    def bounds(
        self,
        name: str,
        table: Mapping[str, Any],
        keys: tuple[str, ...],
        needs: tuple[str, ...],
        group: str = "vary",
    ) -> tuple[float, float]:
        """A range's (low, high) within the declared bounds (missing ends: the declared ones);
        ``group`` is the table the range is in, for the error's field."""
        spec = spec_of(name)
        for key in table:
            if key not in keys:
                hint = suggest(key, keys, style="lead")
                raise self.error(
                    f"unknown key {excerpt(key)} in the range; {hint}allowed: {', '.join(keys)}",
                    name,
                    group,
                )
        for key in needs:
            if key not in table:
                raise self.error(
                    f"the range needs {', '.join(needs)}; {excerpt(key)} is missing", name, group
                )
        ends = []
        for key, declared in (("low", spec.low), ("high", spec.high)):
            value = table.get(key, declared)
            if value is None:
                raise self.error(f"has no declared {key} bound; give {key} = ..", name, group)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise self.error(f"{key} = {excerpt(value)} must be a number", name, group)
            if not math.isfinite(value) or (
                (spec.low is not None and value < spec.low)
                or (spec.high is not None and value > spec.high)
            ):
                raise self.error(
                    f"{key} = {excerpt(value)} is out of range; allowed: {spec.describe_allowed()}",
                    name,
                    group,
                )
            ends.append(float(value))
        low, high = ends
        if low >= high:
            raise self.error(f"low ({low:g}) must be below high ({high:g})", name, group)
        return low, high


ExperimentChecks = _Validator
"""The experiment file's checks (base scenario, [set], steps, whole numbers), for other
files that name a base scenario the same way (:mod:`netsim.config.policy_search`)."""


# --- designs ------------------------------------------------------------------------------


def _join(words: tuple[str, ...]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def round_half_up(x: float) -> int:
    """Integer parameters' values: nearest whole number, halves up (bounds are whole)."""
    return math.floor(x + 0.5)


def _point_count(
    design: str, factors: tuple[Factor, ...], samples: int | None, second_order: bool
) -> int:
    dims = len(factors)
    if design == "grid":
        return math.prod(len(f.levels or ()) for f in factors)
    if design == "list":
        return len(factors[0].levels or ()) if factors else 0
    assert samples is not None
    if design == "latin_hypercube":
        return samples
    if design == "sobol":
        return samples * (2 * dims + 2 if second_order else dims + 2)
    return samples * (dims + 1)  # morris: trajectories of D + 1 points


def _sample(experiment: Experiment) -> np.ndarray:
    """The raw sample matrix of a sampled design, seeded from the experiment seed."""
    problem = experiment.salib_problem()
    assert problem is not None and experiment.samples is not None
    if experiment.design == "latin_hypercube":
        from scipy.stats import qmc

        rng = np.random.default_rng(experiment.seed)
        try:
            sampler = qmc.LatinHypercube(d=len(experiment.factors), rng=rng)
        except TypeError:  # scipy < 1.15 calls it seed
            sampler = qmc.LatinHypercube(d=len(experiment.factors), seed=rng)
        unit = sampler.random(n=experiment.samples)
        bounds = np.array(problem["bounds"], dtype=float)
        return bounds[:, 0] + unit * (bounds[:, 1] - bounds[:, 0])
    if experiment.design == "sobol":
        from SALib.sample import sobol

        return sobol.sample(
            problem,
            experiment.samples,
            calc_second_order=experiment.second_order,
            scramble=True,
            seed=experiment.seed,
        )
    from SALib.sample import morris

    return morris.sample(
        problem, experiment.samples, num_levels=experiment.levels, seed=experiment.seed
    )
