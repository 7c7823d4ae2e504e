"""The label-horizon check (src/netsim/batch/label_stability.py): issue 13's acceptance.

Over every library scenario and the embedded default, 20 seeds each, a run's labels at
its horizon T and at 2T may disagree in at most 5% of runs, label by label. The full
check is slow (380 runs to 2T, about 100 s on two cores; it passes with 1-2% per label);
a reduced one (four scenarios, six seeds, 200 people) runs in the default suite.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from netsim.batch.label_stability import (
    check_label_stability,
    check_scenarios,
    main,
)
from netsim.config.outcomes import RUN_LABELS
from netsim.config.scenarios import library, named_scenario

REDUCED = ("default", "funding_cliff", "stalls_short", "facilitated_learning_network")
REDUCED_LIMIT = 0.10
"""The reduced check's bound: with 24 runs a single changed label is 4%, so it allows two."""


def test_the_full_check_covers_the_default_and_every_library_scenario() -> None:
    slugs = [s.slug for s in check_scenarios()]
    assert slugs[0] == "default" and len(slugs) == len(set(slugs))
    assert set(slugs) >= {s.slug for s in library()}


def test_reduced_label_check_labels_hold_and_settled_ones_never_change() -> None:
    check = check_label_stability(
        [named_scenario(n) for n in REDUCED], range(1, 7), overrides={"eligible_population": 200}
    )
    assert len(check.records) == len(REDUCED) * 6 and not check.excepted
    overall = check.overall.set_index("label")
    assert list(overall.index) == list(RUN_LABELS)
    assert (overall["rate"] <= REDUCED_LIMIT).all(), check.report()
    assert (overall["disagree_when_settled"] == 0).all(), check.report()
    settled = check.settled_share()
    assert settled is not None and settled[1] >= settled[0]


def test_scenarios_with_events_after_t_are_excepted_and_named() -> None:
    check = check_label_stability(
        [named_scenario("figurehead_leaves"), named_scenario("default")],
        [1],
        horizon=20,
        overrides={"eligible_population": 100},
    )
    assert check.excepted == {
        "figurehead_leaves": "timeline events after step 20: leader_leaves at 26"
    }
    assert set(check.records["scenario"]) == {"default"}
    assert "figurehead_leaves: timeline events after step 20" in check.report()


def test_main_prints_the_report_and_writes_the_records(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "records.csv"
    args = ["--scenario", "default", "--seeds", "2", "--horizon", "20", "--population", "100"]
    status = main([*args, "--out", str(out)])
    text = capsys.readouterr().out
    assert "reaches critical mass:" in text and "default (2 runs)" in text
    assert status == (0 if "passes:" in text else 1)
    records = pd.read_csv(out)
    assert len(records) == 2 and {f"{n}_T" for n in RUN_LABELS} <= set(records.columns)


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--scenario", "nowhere"], "nowhere"),
        (["--seeds", "0"], "--seeds and --horizon"),
        (["--scenario", "default", "--scenario", "default"], "named twice"),
    ],
)
def test_main_reports_bad_input_in_one_line(
    args: list[str], fragment: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("label_stability: error: ") and fragment in err[0]


@pytest.mark.slow
def test_full_label_check_labels_hold_at_twice_the_horizon() -> None:
    """Issue 13's acceptance: at most 5% of runs change a label between T and 2T."""
    check = check_label_stability(workers=2)
    assert check.passed, check.report()
