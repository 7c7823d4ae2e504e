"""Policy-search files (src/netsim/config/policy_search.py): levers, costs, conditions and the
target as written, common seeds, and every mistake one located line."""

from __future__ import annotations

import math
import tomllib
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_scenarios import mutations  # the same splicing strategy as the scenario fuzzer

from netsim.config.experiments import load_experiment
from netsim.config.policy_search import Lever, PolicySearch, Target, load_policy_search
from netsim.config.scenarios import ScenarioError

EXAMPLE = Path(__file__).resolve().parents[2] / "experiments" / "optimise_example.toml"

GOOD = """\
scenario = "funding_cliff"
seed = 3
replicates = 2
steps = 40
target = { outcome = "fizzled_out", at_most = 0.1 }
[set]
eligible_population = 120
[levers]
startup_weeks = { low = 0, high = 40, cost = 1.0 }
sustained_funding = { low = 0.0, high = 0.6, cost = 100.0, fixed = 5.0 }
[conditions]
samples = 5
initial_trust = { low = 0.3, high = 0.7 }
priorities = { low = 1, high = 4 }
[search]
population = 6
generations = 2
"""


def load(tmp_path: Path, text: str, name: str = "policy.toml") -> PolicySearch:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_policy_search(path)


def test_a_policy_file_loads_as_written(tmp_path: Path) -> None:
    search = load(tmp_path, GOOD)
    weeks, funding = search.levers
    assert weeks == Lever("startup_weeks", "int", 0.0, 40.0, 1.0, 0.0)
    assert funding == Lever("sustained_funding", "float", 0.0, 0.6, 100.0, 5.0)
    assert search.target == Target("fizzled_out", "at_most", 0.1)
    assert search.base.eligible_population == 120 and search.base.steps == 40
    assert (search.population, search.generations, search.replicates) == (6, 2, 2)
    assert len(search.conditions) == 5 and search.runs_per_policy == 10
    trust = sorted(c["initial_trust"] for c in search.conditions)
    # a Latin hypercube: one condition in each fifth of the range
    assert [int((t - 0.3) / 0.4 * 5) for t in trust] == [0, 1, 2, 3, 4]
    assert all(
        isinstance(c["priorities"], int) and 1 <= c["priorities"] <= 4 for c in search.conditions
    )
    assert load(tmp_path, GOOD, "again.toml").conditions == search.conditions


def test_listed_conditions_are_zipped_and_absent_ones_are_the_base(tmp_path: Path) -> None:
    text = GOOD.split("[conditions]")[0] + (
        "[conditions]\ninitial_trust = [0.3, 0.6]\n"
        'leadership_style = ["distributed", "figurehead"]\n'
    )
    search = load(tmp_path, text)
    assert search.conditions == (
        {"initial_trust": 0.3, "leadership_style": "distributed"},
        {"initial_trust": 0.6, "leadership_style": "figurehead"},
    )
    assert search.condition_design == "list"
    none = load(tmp_path, GOOD.split("[conditions]")[0], "none.toml")
    assert none.conditions == ({},) and none.condition_design == "none"


def test_seeds_depend_on_the_condition_and_replicate_never_the_policy(tmp_path: Path) -> None:
    search = load(tmp_path, GOOD)
    seeds = {
        (c, r): search.seed_for(cond, r) for c, cond in enumerate(search.conditions) for r in (0, 1)
    }
    assert len(set(seeds.values())) == len(seeds)
    cheap = search.parameters_for(
        {"startup_weeks": 0, "sustained_funding": 0.0}, search.conditions[0]
    )
    dear = search.parameters_for(
        {"startup_weeks": 40, "sustained_funding": 0.6}, search.conditions[0]
    )
    assert cheap.initial_trust == dear.initial_trust == search.conditions[0]["initial_trust"]
    assert (cheap.startup_weeks, dear.sustained_funding) == (0, 0.6)


def test_whole_number_levers_are_rounded_half_up_and_clipped(tmp_path: Path) -> None:
    search = load(tmp_path, GOOD)
    assert search.canonical([12.5, 0.25]) == {"startup_weeks": 13, "sustained_funding": 0.25}
    assert search.canonical([-1.0, 0.9]) == {"startup_weeks": 0, "sustained_funding": 0.6}
    assert isinstance(search.canonical([7.2, 0.1])["startup_weeks"], int)


@given(
    weeks=st.integers(0, 40),
    funding=st.floats(0.0, 0.6),
)
def test_cost_is_per_unit_plus_the_fixed_cost_of_a_lever_in_use(weeks: int, funding: float) -> None:
    search = load_policy_search(EXAMPLE)
    levers = {lever.name: lever for lever in search.levers}
    lever = Lever("sustained_funding", "float", 0.0, 0.6, 100.0, 5.0)
    assert math.isclose(lever.cost_of(funding), 100 * funding + (5.0 if funding else 0.0))
    policy = {"startup_weeks": weeks, "sustained_funding": funding, "facilitation_capacity": 0.5}
    expected = sum(levers[n].cost * v for n, v in policy.items())
    assert math.isclose(search.cost(policy), expected)


def test_targets_meet_and_minimise_the_right_way() -> None:
    fizzle = Target("fizzled_out", "at_most", 0.1)
    mass = Target("critical_mass_reached", "at_least", 0.8)
    assert fizzle.met(0.1) and not fizzle.met(0.11) and not fizzle.met(math.nan)
    assert mass.met(0.8) and not mass.met(0.79)
    assert fizzle.objective(0.2) == 0.2 and math.isclose(mass.objective(0.9), 0.1)
    assert fizzle.describe() == "P(fizzle-out) <= 10%"
    assert mass.describe() == "P(critical mass) >= 80%"


def test_the_shipped_example_is_small() -> None:
    search = load_policy_search(EXAMPLE)
    assert len(search.levers) == 3
    assert any(lever.kind == "int" for lever in search.levers)
    work = (
        search.population
        * search.generations
        * search.runs_per_policy
        * search.base.eligible_population
        * search.base.steps
    )
    assert work <= 60_000_000  # member-steps: a few minutes on two cores


def test_an_experiment_loader_points_a_policy_file_to_optimise() -> None:
    with pytest.raises(ScenarioError, match="policy search: run it with `netsim optimise`"):
        load_experiment(EXAMPLE)


HEAD = 'target = { outcome = "fizzled_out", at_most = 0.1 }\n'
LEVER = "[levers]\nsustained_funding = { low = 0.0, high = 0.6, cost = 100.0 }\n"
MALFORMED = [
    # (file text, substrings the one-line message must hold)
    (
        HEAD + "[levers]\nsustained_fundin = { cost = 1.0 }\n",
        ["line 3", "[levers] sustained_fundin", "did you mean 'sustained_funding'"],
    ),
    (
        HEAD + "[levers]\nsustained_funding = { low = 0.0, high = 1.5, cost = 1.0 }\n",
        ["[levers] sustained_funding", "high = 1.5 is outside the declared bounds", "0 to 1"],
    ),
    (
        HEAD + "[levers]\nstartup_weeks = { low = 0, high = 10.5, cost = 1.0 }\n",
        ["[levers] startup_weeks", "whole number"],
    ),
    (
        HEAD + "[levers]\nsustained_funding = { low = 0.0, high = 0.6 }\n",
        ["[levers] sustained_funding", "has no cost"],
    ),
    (
        HEAD + "[levers]\nsustained_funding = { low = 0.0, high = 0.6, cost = 1.0, fixed = -2 }\n",
        ["fixed = -2 must be at least 0"],
    ),
    (
        HEAD + "[levers]\nsustained_funding = { low = 0.0, high = 0.6, price = 1.0 }\n",
        ["unknown key 'price'", "allowed: low, high, cost, fixed"],
    ),
    (HEAD + "[levers]\nleadership_style = { cost = 1.0 }\n", ["choice parameter"]),
    (HEAD + "[levers]\n", ["[levers] must name at least one parameter"]),
    (HEAD + "[set]\nsustained_funding = 0.2\n" + LEVER, ["also in [set]"]),
    (HEAD + LEVER + "[conditions]\nsustained_funding = [0.1, 0.2]\n", ["also a lever"]),
    (
        HEAD + LEVER + "[conditions]\ninitial_trust = [0.1, 0.2]\npriorities = [1]\n",
        ["equal lengths"],
    ),
    (
        HEAD + LEVER + "[conditions]\ninitial_trust = { low = 0.1, high = 0.5 }\n",
        ["[conditions] samples", "whole number"],
    ),
    (
        HEAD + LEVER + "[conditions]\nsamples = 3\ninitial_trust = { low = 0.1, high = 0.5 }\n"
        "priorities = [1, 2, 3]\n",
        ["either ranges", "not both"],
    ),
    (
        HEAD + LEVER + "[conditions]\ninitial_trust = [0.1, 1.4]\n",
        ["[conditions] initial_trust", "1.4 is out of range"],
    ),
    (
        'target = { outcome = "fizzles", at_most = 0.1 }\n' + LEVER,
        ["target:", "'fizzles' is not a yes/no outcome", "fizzled_out"],
    ),
    (
        'target = { outcome = "fizzled_out", at_most = 0.1, at_least = 0.5 }\n' + LEVER,
        ["target:", "exactly one of at_most and at_least"],
    ),
    ('target = { outcome = "fizzled_out" }\n' + LEVER, ["exactly one of at_most and at_least"]),
    (
        'target = { outcome = "fizzled_out", at_most = 1.5 }\n' + LEVER,
        ["at_most = 1.5 must be a probability from 0 to 1"],
    ),
    ('target = "fizzled_out"\n' + LEVER, ["target:", "must be a table"]),
    (LEVER, ["target:", "needs a target"]),
    ('target = { outcome = "fizzled_out", at_mots = 0.1 }\n' + LEVER, ["did you mean 'at_most'"]),
    (HEAD + LEVER + "[search]\npopulation = 1\n", ["[search] population", "from 2"]),
    (HEAD + LEVER + "[search]\ngenerations_ = 3\n", ["did you mean 'generations'"]),
    (HEAD + LEVER + "[vary]\nfounding_core = [5]\n", ["vary:", "experiment file"]),
    (
        HEAD + "[set]\neligible_population = 50\n[levers]\nfounding_core = { low = 1, high = 80, "
        "cost = 1.0 }\n",
        ["founding_core", "more than eligible_population"],
    ),
]


@pytest.mark.parametrize(("text", "expected"), MALFORMED)
def test_malformed_policy_files_give_one_located_line(
    tmp_path: Path, text: str, expected: list[str]
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_policy_search(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("bad.toml")
    for part in expected:
        assert part in message, (part, message)


SAMPLE = EXAMPLE.read_bytes()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.one_of(st.binary(max_size=200), mutations(SAMPLE)))
def test_random_policy_files_load_or_give_one_line(
    tmp_path_factory: pytest.TempPathFactory, data: bytes
) -> None:
    """Any bytes, or the shipped example with bytes spliced in or cut out: a valid search or
    one located ScenarioError line, never another exception."""
    path = tmp_path_factory.mktemp("fuzz") / "policy.toml"
    path.write_bytes(data)
    try:
        search = load_policy_search(path)
    except ScenarioError as err:
        assert "\n" not in str(err) and str(err).startswith(path.name), str(err)
    else:
        assert search.runs_per_policy >= 1 and search.levers


def test_a_yaml_policy_file_is_the_same_search(tmp_path: Path) -> None:
    document = tomllib.loads(GOOD)
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    as_yaml, as_toml = load_policy_search(path), load(tmp_path, GOOD)
    assert as_yaml.levers == as_toml.levers and as_yaml.conditions == as_toml.conditions
    assert as_yaml.target == as_toml.target and as_yaml.fingerprint() == as_toml.fingerprint()
