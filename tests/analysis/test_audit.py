"""The lever audit's statistics on synthetic paired data: effects, intervals and verdicts."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from netsim.analysis.audit import (
    ACTS,
    INERT,
    MARGINS,
    REVERSED,
    UNCLAIMED,
    all_act,
    cell_verdict,
    combine,
    lever_verdicts,
    paired_effects,
)
from netsim.config.outcomes import AUDIT_OUTCOMES, BY_NAME

STEPS = 100
SHARE = next(o for o in AUDIT_OUTCOMES if BY_NAME[o].kind == "share")
FLAG = next(o for o in AUDIT_OUTCOMES if BY_NAME[o].kind == "flag")
WEEKS = next(o for o in AUDIT_OUTCOMES if BY_NAME[o].kind == "weeks")


def arm_rows(base: str, arm: str, values: dict[str, np.ndarray], seeds: int) -> pd.DataFrame:
    """Runs of one arm on seeds 0..seeds-1; outcomes not given are 0 / False / 50 weeks."""
    columns: dict[str, object] = {
        "base": base,
        "arm": arm,
        "replicate": np.arange(seeds),
        "seed": np.arange(seeds) + 1000,
        "steps": STEPS,
    }
    for name in AUDIT_OUTCOMES:
        kind = BY_NAME[name].kind
        default = np.zeros(seeds, bool) if kind == "flag" else np.full(seeds, 50.0)
        if kind == "share":
            default = np.full(seeds, 0.5)
        columns[name] = values.get(name, default)
    return pd.DataFrame(columns)


def contrast(lever: str = "lever", base: str = "b") -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "lever": lever,
                "base": base,
                "high": "hi",
                "low": "lo",
                "high_value": "2",
                "low_value": "1",
            }
        ]
    )


def effect(effects: pd.DataFrame, outcome: str) -> pd.Series:
    return effects[effects["outcome"] == outcome].iloc[0]


@pytest.fixture
def noise() -> np.ndarray:
    return np.random.default_rng(7).normal(0, 0.02, 30)


def test_a_clear_rise_claimed_up_acts_and_claimed_down_is_reversed(noise: np.ndarray) -> None:
    low = arm_rows("b", "lo", {SHARE: 0.4 + noise}, 30)
    high = arm_rows("b", "hi", {SHARE: 0.5 + noise + np.abs(noise) / 4}, 30)
    runs = pd.concat([low, high])
    up = paired_effects(runs, contrast(), {"lever": {SHARE: "up"}})
    down = paired_effects(runs, contrast(), {"lever": {SHARE: "down"}})
    row = effect(up, SHARE)
    assert row["effect"] == pytest.approx(0.1 + np.abs(noise).mean() / 4)
    assert 0 < row["ci_low"] < row["effect"] < row["ci_high"]
    assert row["n_pairs"] == 30 and row["method"] == "paired t"
    assert row["verdict"] == ACTS and effect(down, SHARE)["verdict"] == REVERSED
    # toward the claim: positive for the claim that holds, negative for the one that fails
    assert row["toward"] > 0 > effect(down, SHARE)["toward"]


def test_identical_arms_are_inert_and_unclaimed_outcomes_are_unclaimed(noise: np.ndarray) -> None:
    runs = pd.concat([arm_rows("b", arm, {SHARE: 0.4 + noise}, 30) for arm in ("lo", "hi")])
    effects = paired_effects(runs, contrast(), {"lever": {SHARE: "up"}})
    assert effect(effects, SHARE)["verdict"] == INERT
    assert effect(effects, SHARE)["effect"] == 0
    others = effects[effects["outcome"] != SHARE]
    assert set(others["verdict"]) == {UNCLAIMED} and set(others["claimed"]) == {""}


def test_a_tiny_effect_measured_precisely_is_inert_by_the_margin(noise: np.ndarray) -> None:
    tiny = MARGINS["share"] / 5
    low = arm_rows("b", "lo", {SHARE: 0.4 + noise}, 30)
    high = arm_rows("b", "hi", {SHARE: 0.4 + noise + tiny + noise / 100}, 30)
    row = effect(
        paired_effects(pd.concat([low, high]), contrast(), {"lever": {SHARE: "up"}}), SHARE
    )
    assert row["ci_low"] > 0  # the interval excludes 0 ...
    assert row["verdict"] == INERT  # ... but the effect is below the margin


def test_flags_use_newcombe_and_a_shift_in_most_pairs_acts() -> None:
    n = 20
    low = arm_rows("b", "lo", {FLAG: np.arange(n) < 4}, n)
    high = arm_rows("b", "hi", {FLAG: np.arange(n) < 16}, n)
    row = effect(paired_effects(pd.concat([low, high]), contrast(), {"lever": {FLAG: "up"}}), FLAG)
    assert row["method"] == "newcombe paired"
    assert row["effect"] == pytest.approx(0.6)
    assert 0 < row["ci_low"] < 0.6 < row["ci_high"] <= 1
    assert row["verdict"] == ACTS


def test_a_flag_that_flips_in_two_pairs_of_twenty_is_inert() -> None:
    n = 20
    low = arm_rows("b", "lo", {FLAG: np.arange(n) < 10}, n)
    high = arm_rows("b", "hi", {FLAG: np.arange(n) < 12}, n)
    row = effect(paired_effects(pd.concat([low, high]), contrast(), {"lever": {FLAG: "up"}}), FLAG)
    assert row["effect"] == pytest.approx(0.1) and row["ci_low"] < 0
    assert row["verdict"] == INERT


def test_a_week_never_reached_counts_as_the_run_length_plus_one() -> None:
    n = 10
    low = arm_rows("b", "lo", {WEEKS: np.full(n, math.nan)}, n)
    high = arm_rows("b", "hi", {WEEKS: 40.0 + np.arange(n)}, n)
    row = effect(
        paired_effects(pd.concat([low, high]), contrast(), {"lever": {WEEKS: "down"}}), WEEKS
    )
    assert row["n_pairs"] == n
    assert row["effect"] == pytest.approx(np.mean(40.0 + np.arange(n)) - (STEPS + 1))
    assert row["verdict"] == ACTS
    assert row["scale"] == STEPS + 1 and row["toward"] > 0


def test_pairs_are_by_seed_and_a_failed_run_drops_its_pair(noise: np.ndarray) -> None:
    low = arm_rows("b", "lo", {SHARE: 0.4 + noise}, 30)
    high = arm_rows("b", "hi", {SHARE: 0.5 + noise}, 30).iloc[::-1]  # order does not matter
    high = high[high["replicate"] != 3]  # replicate 3 failed in the high arm
    row = effect(
        paired_effects(pd.concat([low, high]), contrast(), {"lever": {SHARE: "up"}}), SHARE
    )
    assert row["n_pairs"] == 29
    assert row["effect"] == pytest.approx(0.1)
    assert row["ci_high"] - row["ci_low"] < 1e-9  # exact pairs: a paired difference of 0.1


def test_cell_verdict_rule() -> None:
    margin = 0.05
    assert cell_verdict("up", 0.2, 0.1, 0.3, margin) == ACTS
    assert cell_verdict("down", -0.2, -0.3, -0.1, margin) == ACTS
    assert cell_verdict("down", 0.2, 0.1, 0.3, margin) == REVERSED
    assert cell_verdict("up", 0.2, -0.01, 0.4, margin) == INERT
    assert cell_verdict("up", 0.01, 0.005, 0.015, margin) == INERT
    assert cell_verdict("up", math.nan, math.nan, math.nan, margin) == INERT
    assert cell_verdict("", 0.2, 0.1, 0.3, margin) == UNCLAIMED


def test_combine_rule_reversed_beats_acts_beats_inert() -> None:
    assert combine([ACTS, INERT, REVERSED]) == REVERSED
    assert combine([INERT, ACTS, UNCLAIMED]) == ACTS
    assert combine([INERT, UNCLAIMED]) == INERT
    assert combine([UNCLAIMED]) == UNCLAIMED


def test_lever_verdicts_per_lever_and_base(noise: np.ndarray) -> None:
    runs = pd.concat(
        [
            arm_rows("one", "lo", {SHARE: 0.4 + noise}, 30),
            arm_rows("one", "hi", {SHARE: 0.6 + noise}, 30),
            arm_rows("two", "lo", {SHARE: 0.4 + noise}, 30),
            arm_rows("two", "hi", {SHARE: 0.4 + noise}, 30),
        ]
    )
    contrasts = pd.concat([contrast("acting", "one"), contrast("acting", "two")])
    contrasts = pd.concat([contrasts, contrast("still", "two"), contrast("free", "one")])
    claims = {"acting": {SHARE: "up"}, "still": {SHARE: "up"}}
    verdicts = lever_verdicts(paired_effects(runs, contrasts, claims)).set_index("lever")
    assert verdicts.loc["acting", "verdict"] == ACTS
    assert verdicts.loc["acting", "verdict_one"] == ACTS
    assert verdicts.loc["acting", "verdict_two"] == INERT
    assert verdicts.loc["acting", "acting"] == f"one: {SHARE}"
    assert verdicts.loc["acting", "strongest"] == pytest.approx(0.2)
    assert verdicts.loc["still", "verdict"] == INERT
    assert verdicts.loc["free", "verdict"] == UNCLAIMED
    assert not all_act(verdicts.reset_index())
    assert all_act(verdicts.reset_index().query("lever != 'still'"))
