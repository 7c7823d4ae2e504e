"""Calibration files: a good file loads; each mistake is one line naming file, line and field."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from netsim.batch.calibration import load, produced_columns
from netsim.config.calibration import load_base, load_calibration
from netsim.config.scenarios import ScenarioError

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "experiments" / "calibration" / "calibrate_example.toml"

GOOD_SERIES = "week,members,adoption_share\n" + "".join(
    f"{w},{12 + w},{0.01 * (1 + w / 10):.4f}\n" for w in range(11)
)
GOOD_FILE = (
    'observed = "obs.csv"\n'
    "population = 20\n"
    "[set]\n"
    "eligible_population = 200\n"
    "[priors]\n"
    "join_rate = {}\n"
    "initial_trust = { low = 0.2, high = 0.8 }\n"
)


def write(folder: Path, text: str = GOOD_FILE, series: str = GOOD_SERIES) -> Path:
    (folder / "obs.csv").write_text(series, encoding="utf-8")
    path = folder / "fit.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_file_loads_with_declared_bounds_by_default(tmp_path: Path) -> None:
    calibration = load(write(tmp_path))
    assert calibration.names == ("join_rate", "initial_trust")
    join, trust = calibration.priors
    assert (join.low, join.high) == (0.0, 1.0)  # join_rate's declared bounds
    assert (trust.low, trust.high) == (0.2, 0.8)
    assert calibration.base.steps == 10  # the last observed week
    assert calibration.base.eligible_population == 200
    assert calibration.observed.columns == ("members", "adoption_share")
    np.testing.assert_array_equal(calibration.observed.weeks, np.arange(11))
    assert calibration.distance.kind == "sum_of_squares" and calibration.distance.scale == "sd"


def test_the_shipped_example_loads_and_its_series_covers_its_steps() -> None:
    calibration = load(EXAMPLE)
    assert calibration.observed.weeks[-1] == calibration.base.steps == 104
    assert 2 <= len(calibration.priors) <= 3
    assert load_base(EXAMPLE) == calibration.base


def test_whole_number_priors_round_half_up(tmp_path: Path) -> None:
    text = GOOD_FILE.replace("join_rate = {}", "founding_core = { low = 2, high = 40 }")
    calibration = load(write(tmp_path, text))
    prior = calibration.priors[0]
    assert prior.whole and prior.value(4.5) == 5 and prior.value(4.49) == 4
    assert (
        calibration.parameters_for({"founding_core": 7.6, "initial_trust": 0.5}).founding_core == 8
    )


def series_with(rows: dict[int, str], header: str = "week,members") -> str:
    return header + "\n" + "".join(f"{w},{v}\n" for w, v in rows.items())


BAD = [
    # (file text or None for GOOD_FILE, series or None for GOOD_SERIES, substrings)
    (
        None,
        series_with({0: "1", 1: "2", 4: "3", 5: "4"}),
        ["obs.csv", "week:", "weeks 2 to 3 missing"],
    ),
    (None, series_with({0: "1", 1: "2", 3: "3"}), ["obs.csv", "week 2 missing"]),
    (None, "week,members\n0,1\n0,2\n", ["week 0 appears twice"]),
    (None, "week,members\n1,1\n0,2\n", ["not in ascending order"]),
    (None, "week,members\n0,1\n1.5,2\n", ["obs.csv line 3", "1.5 is not a week"]),
    (None, "week,members\n0,1\n1,\n", ["obs.csv line 3", "members: is empty"]),
    (None, "week,members\n0,1\n1,lots\n", ["line 3", "'lots' is not a finite number"]),
    (
        None,
        "week,memberz\n0,1\n1,2\n",
        [
            "obs.csv line 1",
            "'memberz' is not a column the model produces",
            "did you mean 'members'",
            "Allowed: prospects",
        ],
    ),
    (None, "weeks,members\n0,1\n", ["has no 'week' column"]),
    (None, "week\n0\n1\n", ["has only a 'week' column"]),
    (None, "", ["obs.csv", "is empty"]),
    (
        GOOD_FILE.replace('observed = "obs.csv"', 'observed = "nothere.csv"'),
        None,
        ["fit.toml line 1", "observed:", "'nothere.csv' does not exist"],
    ),
    (GOOD_FILE.replace('observed = "obs.csv"\n', ""), None, ["fit.toml", "needs 'observed'"]),
    (
        'columns = ["active"]\n' + GOOD_FILE,
        None,
        ["columns:", "'active' is not a column of obs.csv", "members, adoption_share"],
    ),
    (
        'columns = ["activ"]\n' + GOOD_FILE,
        None,
        ["columns:", "not a column the model produces", "did you mean 'active'"],
    ),
    (
        GOOD_FILE.replace("join_rate = {}", "join_rate = { low = -0.1 }"),
        None,
        ["[priors] join_rate", "low = -0.1 is out of range", "from 0 to 1"],
    ),
    (
        GOOD_FILE.replace("join_rate = {}", "join_rate = { low = 0.5, high = 1.5 }"),
        None,
        ["high = 1.5 is out of range"],
    ),
    (
        GOOD_FILE.replace("join_rate = {}", "join_rate = { low = 0.6, high = 0.4 }"),
        None,
        ["low (0.6) must be below high (0.4)"],
    ),
    (
        GOOD_FILE.replace("join_rate = {}", "join_rat = {}"),
        None,
        ["fit.toml line 6", "[priors] join_rat", "is not a parameter", "did you mean 'join_rate'"],
    ),
    (
        GOOD_FILE.replace("join_rate = {}", "join_rate = 0.3"),
        None,
        ["[priors] join_rate", "0.3 is not a prior"],
    ),
    (GOOD_FILE.replace("join_rate = {}", "leadership_style = {}"), None, ["choice parameter"]),
    (GOOD_FILE.replace("join_rate = {}", "steps = {}"), None, ["cannot be calibrated"]),
    (GOOD_FILE.replace("join_rate = {}", "eligible_population = {}"), None, ["also in [set]"]),
    (
        GOOD_FILE.replace("join_rate = {}", "founding_core = {}"),
        None,
        [
            "founding_core",
            "high end 5000000 is not possible with the base scenario",
            "more than eligible_population (200)",
        ],
    ),
    (
        GOOD_FILE.replace(
            "[priors]\njoin_rate = {}\ninitial_trust = { low = 0.2, high = 0.8 }\n", "[priors]\n"
        ),
        None,
        ["[priors] must name at least one parameter"],
    ),
    (
        "steps = 5\n" + GOOD_FILE,
        None,
        ["steps:", "5 weeks do not reach the last observed week (10)"],
    ),
    (
        "join_rate = 0.2\n" + GOOD_FILE,
        None,
        ["join_rate:", "is a parameter: put it in [priors] or [set]"],
    ),
    (
        "popluation = 20\n" + GOOD_FILE.replace("population = 20\n", ""),
        None,
        ["popluation:", "did you mean 'population'"],
    ),
    (
        GOOD_FILE.replace("population = 20", "population = 1"),
        None,
        ["population:", "1 must be a whole number from 2"],
    ),
    (
        GOOD_FILE + '[distance]\nkind = "squares"\n',
        None,
        ["[distance] kind", "'squares' is not a distance", "sum_of_squares"],
    ),
    (
        GOOD_FILE + '[distance]\nscale = "range"\n',
        None,
        ["[distance] scale", "allowed: sd, mean, none"],
    ),
    (
        GOOD_FILE + "[distance]\nweights = { active = 1 }\n",
        None,
        ["[distance] weights", "'active' is not a fitted column"],
    ),
    (
        GOOD_FILE + "[distance]\nweights = { members = -1 }\n",
        None,
        ["members = -1 must be a number >= 0"],
    ),
    (GOOD_FILE + "[distance]\nmetric = 1\n", None, ["[distance] metric", "unknown key"]),
    (
        GOOD_FILE,
        "week,members\n0,5\n1,5\n",
        ["[distance] scale", "'members' never changes", "scale = 'mean' or 'none'"],
    ),
]


@pytest.mark.parametrize(("text", "series", "expected"), BAD)
def test_each_mistake_is_one_line_naming_what_is_allowed(
    tmp_path: Path, text: str | None, series: str | None, expected: list[str]
) -> None:
    path = write(
        tmp_path,
        text if text is not None else GOOD_FILE,
        series if series is not None else GOOD_SERIES,
    )
    with pytest.raises(ScenarioError) as caught:
        load(path)
    message = str(caught.value)
    assert "\n" not in message
    for part in expected:
        assert part in message, (part, message)


def test_a_missing_calibration_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"nothing\.toml: file does not exist"):
        load(tmp_path / "nothing.toml")


def test_the_columns_allowed_are_the_callers(tmp_path: Path) -> None:
    path = write(tmp_path)
    with pytest.raises(ScenarioError, match="'members' is not a column the model produces"):
        load_calibration(path, ("active",))
    assert "step" not in produced_columns() and "members" in produced_columns()
