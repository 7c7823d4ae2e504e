"""How netsim writes numbers for people: the one home of its number formats.

Every table, report, error message and generated doc formats its numbers here, so the
same quantity reads the same way everywhere (one percent style, one "no value" dash,
one rule for significant digits). Imports nothing from netsim, so every layer may use
it (it sits beside :mod:`netsim.errors` at the bottom of the layers).

- :func:`exact`: a value as given (allowed ranges, defaults): integers as integers,
  else Python's shortest ``%g``;
- :func:`significant`: a measured number to 3 significant digits (whole numbers from
  100 up), "–" for no value;
- :func:`percent`: a share as a percentage (one decimal below 1%), "–" for no value;
  :func:`fine_percent`: a measured share to 3 significant digits of its percentage;
- :func:`signed`: a difference with its sign, as points of percentage for shares;
- :func:`estimate` and :func:`share_estimate`: an estimate with its interval;
- :func:`precise` and :func:`bracketed`: 4 significant digits and ``[low, high]``, for
  the validation report's theory-against-simulation checks;
- :func:`measured` and :func:`measured_interval`: the reports' one precision policy
  (:data:`REPORT_DECIMALS`): fixed decimals per kind of quantity, differences with their
  sign, intervals as ``low to high``, a missing interval in words; :func:`same_decimals`
  for numbers read together in a parameter's units (a tipping point and its interval).
"""

from __future__ import annotations

import math
from typing import Literal

NO_VALUE = "–"
"""Written where a number is missing (NaN or None): a run that never reached a level."""


def exact(x: float) -> str:
    """``3`` for 3.0, ``0.25`` for 0.25, ``1e+06`` for 1e6: a value as a person typed it."""
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def significant(x: float | None) -> str:
    """3 significant digits (``0.432``, ``12.5``), whole from 100 up (``156``), "–" if none."""
    if x is None or math.isnan(x):
        return NO_VALUE
    text = f"{x:.0f}" if abs(x) >= 100 else f"{x:.3g}"
    return "0" if text == "-0" else text


def percent(x: float | None) -> str:
    """A share in [0, 1] as ``85%`` (``0.4%`` below one percent), "–" if none."""
    if x is None or math.isnan(x):
        return NO_VALUE
    value = 100 * x
    return f"{value:.1f}%" if 0 < abs(value) < 1 else f"{value:.0f}%"


def fine_percent(x: float | None) -> str:
    """A measured share as a percentage in :func:`significant` digits (``2.4%``, ``43.2%``,
    ``100%``), "–" if none: where rounding to a whole percent would misstate a bound
    (a founding core of 12 in 500 is 2.4%, not "at most 2%")."""
    if x is None or math.isnan(x):
        return NO_VALUE
    return f"{significant(100 * x)}%"


def signed(x: float | None, percent: bool = False) -> str:
    """A difference: ``+0.12``, ``-3``; with ``percent``, ``+12 pts`` (``+0.4 pts``)."""
    if x is None or math.isnan(x):
        return NO_VALUE
    if percent:
        text = f"{100 * x:+.0f}" if abs(x) >= 0.1 else f"{100 * x:+.1f}".removesuffix(".0")
        return "0 pts" if text in ("+0", "-0") else f"{text} pts"
    text = significant(x)
    return text if text.startswith("-") or text == "0" else f"+{text}"


def estimate(value: float | None, low: float | None, high: float | None) -> str:
    """``0.432 (0.381–0.489)``: an estimate with its interval, in :func:`significant` digits."""
    return f"{significant(value)} ({significant(low)}–{significant(high)})"


def share_estimate(value: float | None, low: float | None, high: float | None) -> str:
    """``85% (64%–95%)``: a share of runs with its interval, in :func:`percent`."""
    return f"{percent(value)} ({percent(low)}–{percent(high)})"


def precise(value: float) -> str:
    """Four significant digits; integers, ``inf`` and ``nan`` as such."""
    if math.isinf(value) or math.isnan(value):
        return str(value)
    if float(value).is_integer() and abs(value) < 1e9:
        return str(int(value))
    return f"{value:.4g}"


def bracketed(low: float, high: float) -> str:
    """``[low, high]`` in :func:`precise` digits; one number when they are equal."""
    return precise(low) if low == high else f"[{precise(low)}, {precise(high)}]"


def data_size(size: float) -> str:
    """Bytes as a person reads them, in binary units: ``512 MiB``, ``1.5 GiB``, ``122 GiB``."""
    for unit, scale in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if abs(size) >= scale:
            return f"{significant(size / scale)} {unit}"
    return f"{exact(size)} bytes"


# --- the reports' precision policy ------------------------------------------------------

Measure = Literal["share", "flag", "weeks", "count", "number"]
"""What a reported quantity is, in the words of :data:`netsim.config.outcomes.Kind` (a
share of the population, a share of runs saying yes, weeks, members), plus ``number`` for
anything else (a tipping point, a width, an index)."""

REPORT_DECIMALS: dict[str, int] = {"share": 1, "flag": 0, "weeks": 1, "count": 0}
"""Decimals the reports show for each kind (issue 16: one precision policy): a share of
the population as a percentage to one decimal (``42.3%``), a share of runs as a whole
percentage (``85%``: with 20 runs one run is 5 points), weeks to one decimal (a mean of
whole weeks), members as whole people. A difference keeps its kind's decimals and shows
its sign, shares in percentage points (``+1.6 pts``). A ``number`` gets
:func:`significant` digits."""

NO_INTERVAL = "no interval: not enough runs"
"""Written in place of an interval that could not be computed (one run, or none)."""


def measured(x: float | None, kind: str, *, difference: bool = False) -> str:
    """``x`` as the reports write a quantity of ``kind`` (:data:`REPORT_DECIMALS`):
    ``42.3%``, ``85%``, ``31.2``, ``1,204``; with ``difference``, ``+1.6 pts``, ``-3.0``.
    "–" if none; never ``-0``."""
    if x is None or math.isnan(x):
        return NO_VALUE
    if kind not in REPORT_DECIMALS:
        return signed(x) if difference else significant(x)
    share = kind in ("share", "flag")
    value = 100 * x if share else x
    text = f"{value:{'+' if difference else ''},.{REPORT_DECIMALS[kind]}f}"
    if float(text.replace(",", "")) == 0:
        text = text.lstrip("+-")
    if share:
        text += " pts" if difference else "%"
    return text


def measured_interval(
    value: float | None,
    low: float | None,
    high: float | None,
    kind: str,
    *,
    difference: bool = False,
    missing: str = NO_INTERVAL,
) -> str:
    """``42.3% (38.1% to 46.5%)``, ``+12 pts (+5 to +19)``, ``31.2 (27.4 to 35.0)``: a value
    and its interval in :func:`measured` digits; ``missing`` in words where the interval is
    missing (``31.0 (no interval: not enough runs)``); "–" alone if the value is."""
    text = measured(value, kind, difference=difference)
    if value is None or math.isnan(value):
        return text
    if low is None or high is None or math.isnan(low) or math.isnan(high):
        return f"{text} ({missing})"
    ends = [measured(v, kind, difference=difference).removesuffix(" pts") for v in (low, high)]
    return f"{text} ({ends[0]} to {ends[1]})"


def same_decimals(*values: float | None) -> tuple[str, ...]:
    """Numbers read together (an estimate and its interval, in a parameter's units) in one
    number of decimals: none if all are whole, else enough for 3 significant digits of the
    largest (``41.0``, ``39.1``, ``43.0``; not ``41``, ``39.1``, ``43``); "–" for a missing one.
    """
    present = [float(v) for v in values if v is not None and not math.isnan(v)]
    finite = [v for v in present if math.isfinite(v)]
    if not finite or all(v.is_integer() for v in finite):
        decimals = 0
    else:
        largest = max(abs(v) for v in finite) or 1.0
        decimals = max(0, 2 - math.floor(math.log10(largest)))
    out = []
    for v in values:
        if v is None or math.isnan(v):
            out.append(NO_VALUE)
            continue
        text = f"{v:.{decimals}f}" if math.isfinite(v) else str(v)
        out.append(text[1:] if text.startswith("-") and float(text) == 0 else text)
    return tuple(out)
