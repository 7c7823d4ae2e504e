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
  the validation report's theory-against-simulation checks.
"""

from __future__ import annotations

import math

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
