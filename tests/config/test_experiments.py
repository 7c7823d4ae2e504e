"""Experiment files (src/netsim/config/experiments.py): designs produce the right points, and every
mistake is one located line in the scenario files' convention."""

from __future__ import annotations

import itertools
import tomllib
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_scenarios import mutations  # the same splicing strategy as the scenario fuzzer

from netsim.config.experiments import MAX_RUNS, Experiment, load_experiment
from netsim.config.parameters import Parameters
from netsim.config.policy_search import is_policy_file
from netsim.config.scenarios import ScenarioError, library_dir, load_scenario

EXPERIMENTS = Path(__file__).resolve().parents[2] / "experiments"


def policy_file(path: Path) -> bool:
    return is_policy_file(tomllib.loads(path.read_text(encoding="utf-8")))


def load(tmp_path: Path, text: str, name: str = "exp.toml") -> Experiment:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_experiment(path)


def test_grid_is_the_cartesian_product_in_file_order(tmp_path: Path) -> None:
    exp = load(
        tmp_path,
        """
        seed = 4
        replicates = 3
        [vary]
        founding_core = [5, 10, 20]
        leadership_style = ["distributed", "hierarchical"]
        initial_trust = [0.2, 0.8]
        """,
    )
    points = list(exp.points())
    expected = itertools.product([5, 10, 20], ["distributed", "hierarchical"], [0.2, 0.8])
    assert [tuple(p.values()) for p in points] == list(expected)
    assert exp.point_count == 12 and exp.total_runs == 36
    assert exp.varied == ("founding_core", "leadership_style", "initial_trust")
    assert exp.salib_problem() is None and exp.matrix is None
    assert exp.scenario.name == "default" and exp.base == Parameters()


def test_grid_ranges_are_linspace_and_integers_are_rounded_and_deduplicated(
    tmp_path: Path,
) -> None:
    exp = load(
        tmp_path,
        """
        [vary]
        initial_trust = { low = 0.1, high = 0.9, num = 9 }
        priorities = { low = 1, high = 3, num = 5 }
        """,
    )
    trust, priorities = exp.factors
    assert trust.levels == (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
    assert priorities.levels == (1, 2, 3)  # 1, 1.5, 2, 2.5, 3 rounded half up, deduplicated
    assert all(isinstance(v, int) for v in priorities.levels)
    assert exp.point_count == 27


def test_list_design_zips_equal_length_lists(tmp_path: Path) -> None:
    exp = load(
        tmp_path,
        """
        design = "list"
        [vary]
        founding_core = [5, 50, 5]
        leadership_style = ["distributed", "figurehead", "distributed"]
        """,
    )
    assert list(exp.points()) == [
        {"founding_core": 5, "leadership_style": "distributed"},
        {"founding_core": 50, "leadership_style": "figurehead"},
        {"founding_core": 5, "leadership_style": "distributed"},
    ]


LHS = """
seed = {seed}
design = "latin_hypercube"
samples = 40
[vary]
initial_trust = {{ low = 0.2, high = 0.4 }}
founding_core = {{ low = 5, high = 60 }}
startup_funding = {{}}
"""


def test_latin_hypercube_is_within_bounds_stratified_and_deterministic(tmp_path: Path) -> None:
    exp = load(tmp_path, LHS.format(seed=7))
    points = list(exp.points())
    assert len(points) == exp.point_count == 40
    trust = np.array([p["initial_trust"] for p in points])
    core = [p["founding_core"] for p in points]
    funding = np.array([p["startup_funding"] for p in points])
    assert trust.min() >= 0.2 and trust.max() <= 0.4
    assert all(isinstance(c, int) and 5 <= c <= 60 for c in core)
    assert funding.min() >= 0 and funding.max() <= 1  # {} = the declared bounds
    # one sample in each of the 40 strata of every dimension
    assert sorted(np.floor((trust - 0.2) / 0.2 * 40).astype(int)) == list(range(40))
    assert points == list(load(tmp_path, LHS.format(seed=7), "again.toml").points())
    assert points != list(load(tmp_path, LHS.format(seed=8), "other.toml").points())
    assert exp.salib_problem() == {
        "num_vars": 3,
        "names": ["initial_trust", "founding_core", "startup_funding"],
        "bounds": [[0.2, 0.4], [5.0, 60.0], [0.0, 1.0]],
    }


@pytest.mark.parametrize(("second_order", "per_n"), [("true", 2 * 3 + 2), ("false", 3 + 2)])
def test_sobol_point_count_is_saltelli(tmp_path: Path, second_order: str, per_n: int) -> None:
    from SALib.sample import sobol

    exp = load(
        tmp_path,
        f"""
        design = "sobol"
        samples = 16
        second_order = {second_order}
        [vary]
        initial_trust = {{}}
        facilitation_capacity = {{ low = 0.1, high = 0.9 }}
        priorities = {{ low = 1, high = 6 }}
        """,
    )
    assert exp.point_count == 16 * per_n == len(list(exp.points()))
    raw = sobol.sample(exp.salib_problem(), 16, calc_second_order=second_order == "true", seed=1)
    assert exp.matrix is not None and np.array_equal(exp.matrix, raw)
    assert {p["priorities"] for p in exp.points()} <= set(range(1, 7))


def test_morris_point_count_is_trajectories_times_d_plus_one(tmp_path: Path) -> None:
    exp = load(
        tmp_path,
        """
        design = "morris"
        samples = 5
        levels = 6
        [vary]
        initial_trust = {}
        purpose_clarity = {}
        expectations = {}
        founding_core = { low = 5, high = 100 }
        """,
    )
    assert exp.point_count == 5 * (4 + 1) == len(list(exp.points()))
    trust = {p["initial_trust"] for p in exp.points()}
    assert trust <= {round(k / 5, 12) for k in range(6)} | {k / 5 for k in range(6)}


def test_base_scenario_set_and_steps(tmp_path: Path) -> None:
    base = tmp_path / "base.toml"
    base.write_text("[network]\neligible_population = 150\n", encoding="utf-8")
    exp = load(
        tmp_path,
        """
        scenario = "base.toml"
        steps = 20
        [set]
        initial_engagement = 0.7
        [vary]
        founding_core = [5, 10]
        """,
    )
    assert exp.base.eligible_population == 150
    assert exp.base.initial_engagement == 0.7 and exp.base.steps == 20
    assert exp.fixed == {"initial_engagement": 0.7}
    library = load(tmp_path, 'scenario = "funding_cliff"\n[vary]\nfounding_core = [5]', "lib.toml")
    assert library.scenario.path == library_dir() / "funding_cliff.toml"
    assert library.base == load_scenario(library_dir() / "funding_cliff.toml").parameters


def test_seed_depends_on_values_and_replicate_not_position(tmp_path: Path) -> None:
    a = load(tmp_path, "[vary]\nfounding_core = [5, 10]\ninitial_trust = [0.2, 0.4]", "a.toml")
    b = load(tmp_path, "[vary]\ninitial_trust = [0.4, 0.2]\nfounding_core = [10, 5]", "b.toml")
    seeds_a = {tuple(sorted(p.items())): a.seed_for(p, 1) for p in a.points()}
    seeds_b = {tuple(sorted(p.items())): b.seed_for(p, 1) for p in b.points()}
    assert seeds_a == seeds_b
    point = {"founding_core": 5, "initial_trust": 0.2}
    assert a.seed_for(point, 0) != a.seed_for(point, 1)
    assert len(set(seeds_a.values())) == 4


def test_shipped_experiments_load_and_stay_modest() -> None:
    # policy-search files (netsim optimise) have their own test in test_policy_search.py
    files = [f for f in sorted(EXPERIMENTS.glob("*.toml")) if not policy_file(f)]
    assert {f.stem for f in files} >= {
        "contagion_spread",
        "fizzle_out_funding_cliff",
        "fizzle_out_leader",
        "critical_mass_founding_core",
        "critical_mass_funding",
        "sensitivity_sobol",
        "sensitivity_morris",
    }
    for path in files:
        exp = load_experiment(path)
        work = exp.total_runs * exp.base.eligible_population * exp.base.steps
        # member-steps; at ~0.5 M member-steps/s a core, 60 M is about a minute on two
        assert work <= 60_000_000, path.name


# --- malformed files: one located line each ------------------------------------------------

GOOD_VARY = "[vary]\nfounding_core = [5, 10]\n"
MALFORMED = [
    # (file text, substrings the one-line message must hold)
    ("replicate = 3\n" + GOOD_VARY, ["line 1", "replicate:", "did you mean 'replicates'"]),
    ("[vary]\nfounding_cor = [5]\n", ["line 2", "[vary] founding_cor", "'founding_core'"]),
    ("[vary]\ntopology = ['ring_lattice']\n", ["[vary] topology", "not sweepable"]),
    ("[vary]\ninitial_trust = [0.5, 1.5]\n", ["line 2", "1.5 is out of range", "0 to 1"]),
    ("[vary]\nfounding_core = [5, 7.5]\n", ["[vary] founding_core", "7.5 must be a whole"]),
    ("[vary]\nleadership_style = ['boss']\n", ["'boss' is not allowed", "'distributed'"]),
    ('design = "sobel"\n' + GOOD_VARY, ["line 1", "design:", "did you mean 'sobol'", "grid,"]),
    (
        "[vary]\ninitial_trust = { low = 0.9, high = 0.1, num = 3 }\n",
        ["line 2", "[vary] initial_trust", "low (0.9) must be below high (0.1)"],
    ),
    ("replicates = 0\n" + GOOD_VARY, ["line 1", "replicates:", "from 1 to"]),
    (
        "replicates = 100\n[vary]\n"
        + "\n".join(f"{n} = {{ low = 0, high = 1, num = 50 }}" for n in ("fatigue", "tie_decay"))
        + "\ninitial_trust = { low = 0, high = 1, num = 50 }\n",
        ["line 2", "12,500,000 runs", f"at most {MAX_RUNS:,}"],
    ),
    ('scenario = "no_such_scenario"\n' + GOOD_VARY, ["line 1", "scenario:", "neither a file"]),
    ('scenario = "figurehead_leave"\n' + GOOD_VARY, ["did you mean 'figurehead_leaves'"]),
    (
        'design = "latin_hypercube"\nsamples = 10\n[vary]\nleadership_style = {}\n',
        ["line 4", "[vary] leadership_style", "choice parameter", "grid or list"],
    ),
    (
        'design = "list"\n[vary]\nfounding_core = [5, 10]\ninitial_trust = [0.1]\n',
        ["equal lengths", "founding_core: 2, initial_trust: 1"],
    ),
    ('design = "sobol"\nsamples = 100\n[vary]\nfatigue = {}\n', ["line 2", "power of 2", "64"]),
    ('design = "morris"\n[vary]\nfatigue = {}\n', ["samples", "needs 'samples'"]),
    ("samples = 10\n" + GOOD_VARY, ["line 1", "samples:", "latin_hypercube, sobol and morris"]),
    (GOOD_VARY + "[outputs]\nstep_evry = 2\n", ["line 4", "[outputs] step_evry", "'step_every'"]),
    (GOOD_VARY + "[outputs]\nstep_every = 0\n", ["[outputs] step_every", "from 1 to 100,000"]),
    ("[vary]\ninitial_trust = { low = 0, hihg = 1, num = 3 }\n", ["'hihg'", "'high'"]),
    ("[vary]\nfounding_core = [5, 5]\n", ["[vary] founding_core", "listed twice"]),
    ("[set]\nfounding_core = 3\n" + GOOD_VARY, ["[vary] founding_core", "also in [set]"]),
    ("[set]\ninitial_trust = 2\n" + GOOD_VARY, ["line 2", "[set] initial_trust", "out of range"]),
    ("[vary]\n", ["line 1", "vary", "at least one parameter"]),
    ("[vary]\nfounding_core = 5\n", ["[vary] founding_core", "put it in [set]"]),
    ("seed = -1\n" + GOOD_VARY, ["line 1", "seed:", "from 0 to"]),
    ("steps = 10\n[[timeline]]\nstep = 2\n" + GOOD_VARY, ["timeline:", "base scenario file"]),
    ("founding_core = 5\n", ["line 1", "founding_core:", "[vary] or [set]"]),
    ("[vary\nfounding_core = [5]\n", ["line 1", "TOML syntax error"]),
]


@pytest.mark.parametrize(("text", "expected"), MALFORMED)
def test_malformed_experiment_files_give_one_located_line(
    tmp_path: Path, text: str, expected: list[str]
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_experiment(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("bad.toml")
    for part in expected:
        assert part in message, (part, message)


def test_missing_file_and_base_scenario_errors_name_their_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"nope\.toml: file does not exist"):
        load_experiment(tmp_path / "nope.toml")
    (tmp_path / "base.toml").write_text("[network]\nfounding_cor = 3\n", encoding="utf-8")
    path = tmp_path / "exp.toml"
    path.write_text('scenario = "base.toml"\n' + GOOD_VARY, encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"^base.toml line 2: \[network\] founding_cor"):
        load_experiment(path)


def test_a_million_point_grid_is_generated_lazily(tmp_path: Path) -> None:
    exp = load(
        tmp_path,
        """
        [vary]
        fatigue = { low = 0, high = 1, num = 1000 }
        tie_decay = { low = 0, high = 1, num = 1000 }
        """,
    )
    assert exp.total_runs == MAX_RUNS
    points = exp.points()
    assert next(points) == {"fatigue": 0.0, "tie_decay": 0.0}
    assert next(points) == {"fatigue": 0.0, "tie_decay": 0.001001001001}


SAMPLE_EXPERIMENT = (
    Path(__file__).parents[2] / "experiments" / "critical_mass_funding.toml"
).read_bytes()
SAMPLE_EXPERIMENT_YAML = yaml.safe_dump(
    tomllib.loads(SAMPLE_EXPERIMENT.decode()), sort_keys=False
).encode()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.one_of(
        st.binary(max_size=200),
        st.text(max_size=200).map(lambda s: s.encode("utf-8", "surrogatepass")),
        mutations(SAMPLE_EXPERIMENT),
        mutations(SAMPLE_EXPERIMENT_YAML),
    ),
    suffix=st.sampled_from([".toml", ".yaml"]),
)
def test_random_experiment_files_load_or_give_one_line(
    tmp_path_factory: pytest.TempPathFactory, data: bytes, suffix: str
) -> None:
    """Any bytes, or a shipped experiment with bytes spliced in or cut out: a valid
    experiment or one located ScenarioError line, never another exception."""
    path = tmp_path_factory.mktemp("fuzz") / f"experiment{suffix}"
    path.write_bytes(data)
    try:
        experiment = load_experiment(path)
    except ScenarioError as err:
        assert "\n" not in str(err) and str(err).startswith(path.name), str(err)
    else:
        assert experiment.total_runs >= 1
