"""Labels at horizon T and 2T from one 2T run (src/netsim/analysis/label_stability.py).

The check rests on one fact about the model: a run of 2T steps passes through exactly the
state a T-step run ends in, so the first T steps of the long run are the short run. That
is tested here on the model itself; the tables' bookkeeping on hand-made records.
"""

from __future__ import annotations

import pandas as pd
import pytest

from netsim import api
from netsim.analysis.label_stability import (
    disagreement,
    horizon_summaries,
    passes,
    report_lines,
    stability_record,
)
from netsim.config.outcomes import RUN_LABELS
from netsim.config.scenarios import load_scenario, resolve

SMALL = {"eligible_population": 150}


@pytest.mark.parametrize(
    ("scenario", "seed", "horizon"),
    [(None, 1, 40), (None, 7, 40), ("figurehead_leaves", 3, 30), ("funding_cliff", 2, 35)],
)
def test_the_first_t_steps_of_a_2t_run_are_the_t_step_run(
    scenario: str | None, seed: int, horizon: int
) -> None:
    """Bit for bit, every column, and so the same summary (figurehead_leaves has an event at 26)."""
    params = load_scenario(resolve(scenario)).parameters if scenario else None
    short = api.run(params, seed=seed, steps=horizon, **SMALL)
    long = api.run(params, seed=seed, steps=2 * horizon, **SMALL)
    prefix = long.table.iloc[: horizon + 1].reset_index(drop=True)
    pd.testing.assert_frame_equal(prefix, short.table, check_exact=True)
    at_t, at_2t = horizon_summaries(long.table, horizon)
    assert at_t == short.summary
    assert at_2t == long.summary


def test_horizon_summaries_refuse_a_table_that_ends_too_soon() -> None:
    table = api.run(seed=1, steps=10, record="summary", **SMALL).table
    with pytest.raises(ValueError, match="ends before step 11"):
        horizon_summaries(table, 11)
    with pytest.raises(ValueError, match="ends before step 12"):
        stability_record("x", 1, 6, table)


def test_a_record_holds_each_label_at_t_and_2t() -> None:
    run = api.run(seed=3, steps=60, record="summary", **SMALL)
    row = stability_record("default", 3, 30, run.table)
    at_t = api.run(seed=3, steps=30, record="summary", **SMALL).summary
    assert (row["scenario"], row["seed"], row["horizon"]) == ("default", 3, 30)
    for name in (*RUN_LABELS, "settled"):
        assert row[f"{name}_T"] is at_t[name]
        assert row[f"{name}_2T"] is run.summary[name]


def records(rows: list[tuple[str, bool, bool, bool]]) -> pd.DataFrame:
    """(scenario, label at T, label at 2T, settled at T) for every label alike."""
    out = []
    for scenario, at_t, at_2t, settled in rows:
        row: dict[str, object] = {"scenario": scenario, "seed": len(out) + 1, "horizon": 10}
        for name in RUN_LABELS:
            row[f"{name}_T"], row[f"{name}_2T"] = at_t, at_2t
        row["settled_T"], row["settled_2T"] = settled, True
        out.append(row)
    return pd.DataFrame(out)


def test_disagreement_counts_runs_whose_label_changed() -> None:
    table = records(
        [
            ("a", True, True, True),
            ("a", False, True, False),
            ("a", False, False, True),
            ("b", True, False, True),  # settled at T, yet changed: counted apart
        ]
    )
    overall = disagreement(table).set_index("label")
    assert list(overall.index) == list(RUN_LABELS)
    row = overall.loc["spread"]
    assert (row["runs"], row["disagree"], row["rate"]) == (4, 2, 0.5)
    assert (row["settled_at_T"], row["disagree_when_settled"]) == (3, 1)
    per = disagreement(table, "scenario").set_index(["scenario", "label"])
    assert per.loc[("a", "fizzled_out"), "disagree"] == 1
    assert per.loc[("b", "fizzled_out"), "rate"] == 1.0
    assert not passes(overall) and passes(overall, limit=0.5)


def test_the_report_names_every_label_scenario_and_exception() -> None:
    table = records([("a", True, True, True), ("b", False, True, False)])
    lines = "\n".join(
        report_lines(
            disagreement(table),
            disagreement(table, "scenario"),
            {"late": "timeline events after step 10: funding_cut at 20"},
            (0.5, 1.0),
        )
    )
    assert "reaches critical mass: 1 of 2 runs disagree (50%)" in lines
    assert "a (1 runs): critical_mass_reached 0, fizzled_out 0, spread 0" in lines
    assert "late: timeline events after step 10" in lines
    assert "settled at T: 50% of runs; at 2T: 100%" in lines
