"""The phenomena the model exists to show, appearing for the right reasons.

Each test compares scenarios over replicates with common seeds, so a
difference is the lever's effect and not noise. Tolerances are wide enough
for 10-16 replicates but tight enough that a model without the mechanism
(no network effect, no funding dependence, no leader dependence) fails.
"""

from __future__ import annotations

import numpy as np

import netsim
from netsim import Parameters
from netsim.batch.engines import RunTask, run_tasks

SEEDS = range(20)


def outcomes(params: Parameters, seeds: range = SEEDS) -> dict[str, np.ndarray]:
    """Summaries of one scenario over common seeds, run on both cores."""
    tasks = [RunTask(params, seed) for seed in seeds]
    runs = sorted(run_tasks(tasks, workers=2), key=lambda outcome: outcome.task.seed)
    assert all(outcome.ok for outcome in runs), [o.error for o in runs if not o.ok]
    summaries = [outcome.summary for outcome in runs]
    return {key: np.array([r[key] for r in summaries], dtype=float) for key in summaries[0]}


def test_default_run_grows_in_an_s_curve_past_critical_mass_and_ideas_spread() -> None:
    result = netsim.run(seed=1)
    assert result.summary["critical_mass_reached"]
    # S-shaped growth: slow first third, fast middle third, levelling last third
    active = result.table["active_share"].to_numpy()
    third = len(active) // 3
    gains = np.diff(active[[0, third, 2 * third, -1]])
    assert gains[1] > gains[0] and gains[1] > gains[2]
    # over replicates the network takes off and the idea spreads in most runs
    out = outcomes(Parameters())
    assert out["critical_mass_reached"].mean() >= 0.75
    assert out["final_adoption"].mean() > 0.4
    assert out["spread"].mean() >= 0.5


def test_early_funding_cliff_causes_fizzle_out_but_late_cliff_does_not() -> None:
    early = outcomes(Parameters(timeline=({"step": 26, "action": "funding_cut", "amount": 0},)))
    late = outcomes(Parameters(timeline=({"step": 104, "action": "funding_cut", "amount": 0},)))
    assert early["fizzled_out"].mean() >= 0.8
    assert early["final_active_share"].mean() < 0.15
    # once past critical mass the network sustains itself without money
    assert late["critical_mass_reached"].mean() >= 0.8
    assert late["final_active_share"].mean() > 0.5


def test_departing_figurehead_causes_fizzle_out_where_distributed_leadership_survives() -> None:
    leaving = ({"step": 20, "action": "leader_leaves"},)
    stays = outcomes(Parameters(leadership_style="figurehead"))
    figurehead = outcomes(Parameters(leadership_style="figurehead", timeline=leaving))
    distributed = outcomes(Parameters(leadership_style="distributed", timeline=leaving))
    assert stays["critical_mass_reached"].mean() >= 0.8
    assert figurehead["fizzled_out"].mean() >= 0.5
    assert figurehead["final_active_share"].mean() < 0.5 * stays["final_active_share"].mean()
    assert distributed["final_active_share"].mean() > figurehead["final_active_share"].mean() + 0.3


def test_founding_core_size_has_a_critical_mass() -> None:
    """Without leaders' proactive search growth rests on the core: small fizzles, large grows."""
    base = Parameters(proactive_recruitment=0.0)
    small = outcomes(base.replace(founding_core=20))
    large = outcomes(base.replace(founding_core=100))
    assert small["critical_mass_reached"].mean() <= 0.3
    assert large["critical_mass_reached"].mean() >= 0.9
    assert large["final_active_share"].mean() > small["final_active_share"].mean() + 0.5


def test_initial_trust_has_a_critical_mass() -> None:
    base = Parameters(proactive_recruitment=0.0, founding_core=60)
    low = outcomes(base.replace(initial_trust=0.1))
    high = outcomes(base.replace(initial_trust=0.9))
    assert low["critical_mass_reached"].mean() <= 0.2
    assert high["critical_mass_reached"].mean() >= 0.6
    assert high["final_adoption"].mean() > low["final_adoption"].mean() + 0.4


def test_performance_management_and_baubles_cause_fizzle_out() -> None:
    distributed = outcomes(Parameters())
    hierarchical = outcomes(Parameters(leadership_style="hierarchical"))
    baubles = outcomes(Parameters(priorities=8))
    assert (
        hierarchical["final_active_share"].mean() < distributed["final_active_share"].mean() - 0.4
    )
    assert baubles["final_active_share"].mean() < distributed["final_active_share"].mean() - 0.4


def test_expectations_too_high_breed_disappointment() -> None:
    realistic = outcomes(Parameters(expectations=0.5))
    inflated = outcomes(Parameters(expectations=0.95))
    assert inflated["final_active_share"].mean() < realistic["final_active_share"].mean() - 0.3
