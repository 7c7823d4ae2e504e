"""netsim.numbers: one way to write each kind of number, everywhere."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from netsim.numbers import (
    NO_INTERVAL,
    NO_VALUE,
    bracketed,
    data_size,
    estimate,
    exact,
    fine_percent,
    measured,
    measured_interval,
    percent,
    precise,
    share_estimate,
    signed,
    significant,
)


@pytest.mark.parametrize(
    ("value", "text"), [(3.0, "3"), (0.25, "0.25"), (5_000_000, "5000000"), (1e-4, "0.0001")]
)
def test_exact_writes_a_value_as_typed(value: float, text: str) -> None:
    assert exact(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.43219, "0.432"), (12.54, "12.5"), (156.4, "156"), (1234.5, "1234"), (-0.0001, "-0.0001")],
)
def test_significant_keeps_three_digits_and_whole_numbers_from_100(value: float, text: str) -> None:
    assert significant(value) == text


def test_missing_values_are_a_dash_in_every_format() -> None:
    for write in (significant, percent, signed):
        assert write(math.nan) == NO_VALUE
        assert write(None) == NO_VALUE
    assert estimate(math.nan, math.nan, math.nan) == f"{NO_VALUE} ({NO_VALUE}–{NO_VALUE})"


def test_percent_keeps_a_decimal_only_below_one_percent() -> None:
    assert percent(0.85) == "85%"
    assert percent(0.004) == "0.4%"
    assert percent(0.0) == "0%"
    assert share_estimate(0.85, 0.64, 0.95) == "85% (64%–95%)"


def test_fine_percent_keeps_three_digits_so_a_bound_is_not_misstated() -> None:
    assert fine_percent(12 / 500) == "2.4%"
    assert fine_percent(0.428) == "42.8%"
    assert fine_percent(1.0) == "100%"
    assert fine_percent(math.nan) == NO_VALUE


def test_signed_differences_show_their_sign_and_points_for_shares() -> None:
    assert signed(0.12) == "+0.12"
    assert signed(-3.0) == "-3"
    assert signed(0.0) == "0"
    assert signed(0.12, percent=True) == "+12 pts"
    assert signed(-0.004, percent=True) == "-0.4 pts"
    assert signed(0.0001, percent=True) == "0 pts"


def test_precise_and_bracketed_for_theory_checks() -> None:
    assert precise(2.0) == "2"
    assert precise(math.inf) == "inf"
    assert precise(0.123456) == "0.1235"
    assert bracketed(0.1, 0.2) == "[0.1, 0.2]"
    assert bracketed(0.5, 0.5) == "0.5"


@given(st.floats(0.0, 1.0))
def test_a_percent_reads_back_within_its_rounding(share: float) -> None:
    text = percent(share)
    value = float(text.removesuffix("%")) / 100
    resolution = 0.0005 if "." in text else 0.005
    assert abs(value - share) <= resolution + 1e-12


@given(st.floats(-1e6, 1e6, allow_nan=False))
def test_significant_reads_back_within_three_digits(x: float) -> None:
    value = float(significant(x))
    assert abs(value - x) <= max(0.5, abs(x) * 5e-3) + 1e-12


@pytest.mark.parametrize(
    ("size", "text"),
    [(512, "512 bytes"), (3 * 2**29, "1.5 GiB"), (283_840_520, "271 MiB"), (2**40, "1 TiB")],
)
def test_data_size_writes_bytes_in_binary_units(size: float, text: str) -> None:
    assert data_size(size) == text


# --- the reports' precision policy (issue 16) ---------------------------------------------


@pytest.mark.parametrize(
    ("value", "kind", "text"),
    [
        (0.4234, "share", "42.3%"),
        (0.004, "share", "0.4%"),
        (0.85, "flag", "85%"),
        (31.25, "weeks", "31.2"),
        (73.0, "weeks", "73.0"),
        (1204.4, "count", "1,204"),
        (0.432, "number", "0.432"),
    ],
)
def test_measured_has_fixed_decimals_per_kind(value: float, kind: str, text: str) -> None:
    assert measured(value, kind) == text


@pytest.mark.parametrize(
    ("value", "kind", "text"),
    [
        (-0.0164, "share", "-1.6 pts"),
        (0.75, "flag", "+75 pts"),
        (-7.0, "weeks", "-7.0"),
        (-108.2, "count", "-108"),
        (-0.0001, "share", "0.0 pts"),  # never "-0.0"
        (0.0, "weeks", "0.0"),
    ],
)
def test_measured_differences_show_their_sign(value: float, kind: str, text: str) -> None:
    assert measured(value, kind, difference=True) == text


def test_measured_intervals_read_low_to_high_in_the_same_decimals() -> None:
    assert measured_interval(0.42, 0.381, 0.465, "share") == "42.0% (38.1% to 46.5%)"
    assert measured_interval(-0.001, -0.1, 42, "weeks", difference=True) == "0.0 (-0.1 to +42.0)"
    assert measured_interval(0.12, -0.22, 0.47, "flag", difference=True) == "+12 pts (-22 to +47)"


def test_a_missing_interval_is_said_in_words() -> None:
    assert measured_interval(73.0, math.nan, math.nan, "weeks") == f"73.0 ({NO_INTERVAL})"
    assert measured_interval(0.5, None, None, "share", missing="one run") == "50.0% (one run)"
    assert measured_interval(math.nan, math.nan, math.nan, "weeks") == NO_VALUE


@given(st.floats(0.0, 1.0))
def test_a_measured_share_reads_back_within_its_rounding(share: float) -> None:
    text = measured(share, "share")
    assert abs(float(text.removesuffix("%")) / 100 - share) <= 0.0005 + 1e-12
    assert re.fullmatch(r"\d{1,3}\.\d%", text)
