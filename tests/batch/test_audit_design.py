"""The lever audit's design and runs: shared seeds, values in range, choices, failures."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Generator, Iterable
from pathlib import Path

import pytest

from netsim.batch.audit import (
    BASE_ARM,
    DEFAULT_BASES,
    AuditError,
    AuditPlan,
    audited_levers,
    check_levers,
    lever_claims,
    paired_levels,
    plan_audit,
    run_audit,
)
from netsim.batch.engines import RunOutcome, RunTask, execute
from netsim.config.parameters import Parameters, spec_of
from netsim.config.seeding import derive_seed


@pytest.fixture(scope="module")
def plan() -> AuditPlan:
    return plan_audit(seeds=4, seed=3)


def test_the_default_design_covers_every_claimed_lever_on_every_base(plan: AuditPlan) -> None:
    assert plan.levers == audited_levers()
    assert list(plan.bases) == list(DEFAULT_BASES)
    covered = {(c.lever, c.base) for c in plan.contrasts}
    assert covered == {(lever, base) for lever in plan.levers for base in DEFAULT_BASES}
    assert plan.total == len(plan.arms) * 4


def test_low_and_high_share_every_seed_and_the_seeds_are_compares(plan: AuditPlan) -> None:
    seeds: dict[tuple[str, str], list[int]] = defaultdict(list)
    for task in plan.tasks():
        seeds[(task.labels["base"], task.labels["arm"])].append(task.seed)
    expected = [derive_seed(3, r) for r in range(4)]
    assert list(plan.seeds) == expected
    for c in plan.contrasts:
        assert seeds[(c.base, c.high)] == seeds[(c.base, c.low)] == expected


def test_numeric_levels_straddle_the_base_within_the_allowed_range(plan: AuditPlan) -> None:
    params = {arm.arm: arm.parameters for arm in plan.arms if arm.base == "default"}
    for c in plan.contrasts:
        spec = spec_of(c.lever)
        if spec.choices is not None:
            continue
        base_value = getattr(plan.bases[c.base].parameters, c.lever)
        low, high = float(c.low_value), float(c.high_value)
        assert low <= base_value <= high and low < high, c
        assert spec.low is None or low >= spec.low
        assert spec.high is None or high <= spec.high
        if c.base == "default":  # each arm is the base with only that lever moved
            arm = params[c.high]
            assert arm is not None and getattr(arm, c.lever) == high
            changed = {k for k, v in arm.to_dict().items() if v != Parameters().to_dict()[k]}
            assert changed == {c.lever}


def test_a_whole_number_lever_moves_by_a_whole_number_and_a_zero_base_by_its_step(
    plan: AuditPlan,
) -> None:
    by_lever = {c.lever: c for c in plan.contrasts if c.base == "default"}
    assert (by_lever["priorities"].low_value, by_lever["priorities"].high_value) == (1, 3)
    # change_agents declares its step (3); its base value 0 is the low arm, shared with the base
    assert by_lever["change_agents"].high_value == 3
    assert by_lever["change_agents"].low == BASE_ARM
    # performance_pressure is 0 by default: a share of its allowed range, clipped at 0
    assert by_lever["performance_pressure"].low_value == 0
    assert by_lever["performance_pressure"].high_value == pytest.approx(plan.delta)


def test_paired_levels_clip_to_the_declared_bounds() -> None:
    spec = spec_of("purpose_clarity")
    assert paired_levels(spec, "float", 0.9, 0.25, None) == (pytest.approx(0.675), 1.0)
    assert paired_levels(spec, "float", 0.0, 0.1, None) == (0.0, pytest.approx(0.1))
    assert paired_levels(spec_of("priorities"), "int", 1, 0.1, None) == (1, 2)
    assert paired_levels(spec_of("startup_weeks"), "int", 52, 0.1, None) == (47, 57)


def test_a_choice_is_audited_as_its_claimed_contrasts_on_shared_runs(plan: AuditPlan) -> None:
    style = [c for c in plan.contrasts if c.lever == "leadership_style" and c.base == "default"]
    assert [(c.high_value, c.low_value) for c in style] == list(
        lever_claims()["leadership_style"].contrasts
    )
    # the default is distributed: that side of the contrast is the base run itself
    distributed = next(c for c in style if c.high_value == "distributed")
    assert distributed.high == BASE_ARM
    ids = [(arm.base, arm.arm) for arm in plan.arms]
    assert len(ids) == len(set(ids))  # a setting shared by contrasts runs once


def test_a_claim_made_under_conditions_sets_them_on_both_arms(plan: AuditPlan) -> None:
    """membership_policy's claim holds where passive members linger: both arms get
    lapse_rate 0.02 (neither is the base run), the lever alone differs between them."""
    where = dict(lever_claims()["membership_policy"].where)
    assert where == {"lapse_rate": 0.02}
    arms = {(arm.base, arm.arm): arm for arm in plan.arms}
    for base in DEFAULT_BASES:
        policy = next(
            c for c in plan.contrasts if c.lever == "membership_policy" and c.base == base
        )
        assert (policy.high_value, policy.low_value) == ("refresh", "keep")
        assert policy.low == "lapse_rate=0.02" and BASE_ARM not in (policy.high, policy.low)
        assert policy.high == "lapse_rate=0.02,membership_policy=refresh"
        high = arms[(base, policy.high)].parameters
        low = arms[(base, policy.low)].parameters
        assert high is not None and low is not None
        assert high.lapse_rate == low.lapse_rate == 0.02
        assert (high.membership_policy, low.membership_policy) == ("refresh", "keep")
        assert high.replace(membership_policy="keep") == low


def test_check_levers_names_a_typo_and_a_parameter_without_a_claim() -> None:
    with pytest.raises(AuditError, match="did you mean 'facilitation_capacity'"):
        check_levers(["facilitaton_capacity"])
    with pytest.raises(AuditError, match="'transmission_probability' has no claim"):
        check_levers(["transmission_probability"])
    assert check_levers(["join_rate", "fatigue"]) == ("fatigue", "join_rate")  # declared order


def test_bad_designs_are_refused_in_one_line() -> None:
    with pytest.raises(AuditError, match="seeds"):
        plan_audit(seeds=1)
    with pytest.raises(AuditError, match="delta"):
        plan_audit(delta=0)
    with pytest.raises(Exception, match="did you mean 'usual_suspects'"):
        plan_audit(bases=["usual_suspect"])


def test_a_smaller_population_scales_the_founders() -> None:
    small = plan_audit(bases=["default"], levers=["join_rate"], seeds=2, population=250)
    params = small.bases["default"].parameters
    assert params.eligible_population == 250
    assert params.founding_core == round(Parameters().founding_core / 2)


def test_an_inconsistent_setting_is_a_failed_run_and_the_rest_go_on(tmp_path: Path) -> None:
    scenario = tmp_path / "tight.toml"
    scenario.write_text('name = "tight"\n[dynamics]\npassive_below = 0.1\nlapse_below = 0.1\n')
    plan = plan_audit(bases=[str(scenario)], levers=["lapse_below"], seeds=2, steps=3)
    data = run_audit(plan, workers=1)
    assert len(data.failures) == 2 and "lapse_below" in data.failures["error"].iloc[0]
    assert len(data.runs) == 2 and set(data.runs["arm"]) == {"lapse_below=0.075"}


class FailingEngine:
    """Runs tasks in this process, but the first high arm's run fails."""

    def stream(
        self, tasks: Iterable[RunTask], heartbeat: float | None = None
    ) -> Generator[RunOutcome | None, None, None]:
        failed = False
        for task in tasks:
            if not failed and task.labels["arm"].startswith("join_rate=0.5"):
                failed = True
                yield RunOutcome(task, None, error="RuntimeError: boom")
            else:
                yield execute(task)

    def describe(self) -> str:
        return "failing"


def test_a_run_that_fails_is_recorded_and_the_audit_goes_on() -> None:
    plan = plan_audit(bases=["default"], levers=["join_rate"], seeds=3, steps=5)
    seen: list[int] = []
    data = run_audit(plan, engine=FailingEngine(), progress=lambda d, t, o: seen.append(d))
    assert seen == list(range(1, plan.total + 1))
    assert list(data.failures["error"]) == ["RuntimeError: boom"]
    assert len(data.runs) == plan.total - 1
    assert data.runs["steps"].eq(5).all()
