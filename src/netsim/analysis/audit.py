"""The lever audit's statistics: paired effects with intervals, and a verdict per claim.

Pure functions over tables (the runs table and the contrasts of
:mod:`netsim.batch.audit`, or any tables shaped like them). For each lever x base x
contrast x audited outcome, the effect is ``high - low`` over the seeds both arms share
(common random numbers), with a 95% interval from :mod:`netsim.analysis.intervals`:
the paired t-interval of the per-seed differences for a share or a week count, and
Newcombe's paired interval for the difference of two proportions for a yes/no outcome.
A week count that was never reached (NaN: the run never got to 50% adoption) counts
as the run's length plus one week, a censored time, so a lever that makes a run reach
50% at all counts as making it faster.

The verdict rules, stated once here and printed in every report (:data:`CELL_RULE`,
:data:`LEVER_RULE`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from netsim.analysis.intervals import CONFIDENCE, difference_table
from netsim.config.outcomes import AUDIT_OUTCOMES, BY_NAME

ACTS = "acts as claimed"
INERT = "inert"
REVERSED = "reversed"
UNCLAIMED = "unclaimed"
VERDICTS = (ACTS, INERT, REVERSED, UNCLAIMED)

MARGINS: dict[str, float] = {"flag": 0.05, "share": 0.01, "weeks": 1.0, "count": 1.0}
"""The smallest effect that counts as moving an outcome, by outcome kind: 5 points of
runs for a yes/no outcome, 1 point of the eligible population for a share, 1 week.
Below it an effect is 'inert' however narrow its interval (an equivalence margin)."""

CELL_RULE = (
    "An outcome moves when its 95% interval excludes 0 and the estimate is at least the "
    "margin (5 percentage points of runs for P(critical mass) and P(fizzle-out), 1 point "
    "of the eligible population for a share, 1 week for weeks to 50%). It acts as claimed "
    "if it moves the claimed way, is reversed if it moves the other way, and is inert "
    "otherwise (the interval includes 0, or the effect is smaller than the margin)."
)
LEVER_RULE = (
    "A lever is reversed if any claimed outcome on any base moves against the claim; "
    "otherwise it acts as claimed if at least one claimed outcome on at least one base "
    "moves the claimed way; otherwise it is inert. On one base, the same rule over that "
    "base's outcomes. A lever with no claimed direction is unclaimed (measured, not judged)."
)

EFFECT_COLUMNS = [
    "lever",
    "base",
    "high",
    "low",
    "high_value",
    "low_value",
    "outcome",
    "kind",
    "method",
    "claimed",
    "n_pairs",
    "effect",
    "ci_low",
    "ci_high",
    "scale",
    "toward",
    "toward_low",
    "toward_high",
    "verdict",
]
"""``claimed``: 'up', 'down' or '' (unclaimed); ``scale``: what the effect is divided by
to put every outcome on one axis (1 for shares and yes/no outcomes, the run's length
plus one for weeks); ``toward*``: the effect and its interval on that scale, signed so
that positive is the claimed direction (the increase, for an unclaimed outcome)."""


def censored(runs: pd.DataFrame, outcomes: Sequence[str]) -> pd.DataFrame:
    """The runs with each never-reached week outcome set to the run's steps + 1."""
    out = runs.copy()
    for name in outcomes:
        if BY_NAME[name].kind == "weeks" and name in out:
            out[name] = out[name].astype(float).fillna(out["steps"].astype(float) + 1)
    return out


def cell_verdict(claimed: str, effect: float, low: float, high: float, margin: float) -> str:
    """One outcome's verdict (see :data:`CELL_RULE`); ``claimed`` is 'up', 'down' or ''."""
    if claimed not in ("up", "down"):
        return UNCLAIMED
    if math.isnan(low) or math.isnan(high) or math.isnan(effect):
        return INERT
    up = low > 0 and effect >= margin
    down = high < 0 and effect <= -margin
    if (up and claimed == "up") or (down and claimed == "down"):
        return ACTS
    if up or down:
        return REVERSED
    return INERT


def paired_effects(
    runs: pd.DataFrame,
    contrasts: pd.DataFrame,
    claims: Mapping[str, Mapping[str, str]],
    outcomes: Sequence[str] = AUDIT_OUTCOMES,
    confidence: float = CONFIDENCE,
) -> pd.DataFrame:
    """Per contrast and outcome: the paired effect high - low, its interval and verdict.

    ``runs``: one row per run with ``base``, ``arm``, ``replicate``, ``seed``, ``steps``
    and the outcome columns; ``contrasts``: ``lever``, ``base``, ``high``, ``low`` (arm
    ids) and their values; ``claims``: lever -> outcome -> 'up'/'down' (outcomes left out
    are unclaimed). Seeds are paired within a base; a seed whose run failed in either arm
    is left out of that contrast (``n_pairs`` says how many remain).
    """
    data = censored(runs, outcomes)
    rows = []
    for c in contrasts.itertuples(index=False):
        part = data[(data["base"] == c.base) & data["arm"].isin([c.low, c.high])]
        # difference_table pairs by seed: each arm is a "scenario", the low arm first
        frame = pd.DataFrame(
            {
                "scenario": np.where(part["arm"] == c.high, "high", "low"),
                "replicate": part["replicate"].to_numpy(),
                "seed": part["seed"].to_numpy(),
                **{name: part[name].to_numpy() for name in outcomes},
            }
        )
        for name in outcomes:
            if BY_NAME[name].kind == "flag":
                frame[name] = frame[name].astype(bool)
        diffs = difference_table(frame, order=["low", "high"], confidence=confidence)
        horizon = float(part["steps"].max()) + 1 if not part.empty else math.nan
        for name in outcomes:
            kind = BY_NAME[name].kind
            hit = diffs[diffs["outcome"] == name]
            if hit.empty:
                n, effect, low, high, method = 0, math.nan, math.nan, math.nan, ""
            else:
                d = hit.iloc[0]
                n, method = int(d["n_pairs"]), str(d["method"])
                effect, low, high = (float(d[k]) for k in ("mean_difference", "ci_low", "ci_high"))
            claimed = str(claims.get(c.lever, {}).get(name, ""))
            scale = horizon if kind == "weeks" else 1.0
            sign = -1.0 if claimed == "down" else 1.0
            toward = (sign * effect / scale, sign * low / scale, sign * high / scale)
            rows.append(
                {
                    "lever": c.lever,
                    "base": c.base,
                    "high": c.high,
                    "low": c.low,
                    "high_value": c.high_value,
                    "low_value": c.low_value,
                    "outcome": name,
                    "kind": kind,
                    "method": method,
                    "claimed": claimed,
                    "n_pairs": n,
                    "effect": effect,
                    "ci_low": low,
                    "ci_high": high,
                    "scale": scale,
                    "toward": toward[0],
                    "toward_low": min(toward[1:]),
                    "toward_high": max(toward[1:]),
                    "verdict": cell_verdict(claimed, effect, low, high, MARGINS[kind]),
                }
            )
    return pd.DataFrame(rows, columns=EFFECT_COLUMNS)


def combine(verdicts: Sequence[str]) -> str:
    """Many outcome verdicts as one (see :data:`LEVER_RULE`)."""
    claimed = [v for v in verdicts if v != UNCLAIMED]
    if not claimed:
        return UNCLAIMED
    if REVERSED in claimed:
        return REVERSED
    if ACTS in claimed:
        return ACTS
    return INERT


def lever_verdicts(effects: pd.DataFrame, bases: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per lever: its verdict, its verdict on each base, and what moved.

    Columns: ``lever``, ``verdict``, one ``verdict_<base>`` per base, ``acting`` and
    ``reversed`` (the 'base: outcome' cells that moved each way), ``strongest`` (the
    largest effect toward the claim, on the figure's scale) and ``strongest_at`` (its
    'base: outcome').
    """
    bases = list(bases) if bases is not None else list(dict.fromkeys(effects["base"]))
    rows = []
    for lever, part in effects.groupby("lever", sort=False):
        row: dict[str, object] = {"lever": lever, "verdict": combine(list(part["verdict"]))}
        for base in bases:
            row[f"verdict_{base}"] = combine(list(part.loc[part["base"] == base, "verdict"]))
        for verdict, column in ((ACTS, "acting"), (REVERSED, "reversed")):
            cells = part[part["verdict"] == verdict]
            row[column] = "; ".join(
                dict.fromkeys(
                    f"{b}: {o}" for b, o in zip(cells["base"], cells["outcome"], strict=True)
                )
            )
        claimed = part[(part["claimed"] != "") & part["toward"].notna()]
        if claimed.empty:
            row["strongest"], row["strongest_at"] = math.nan, ""
        else:
            best = claimed.loc[claimed["toward"].idxmax()]
            row["strongest"] = float(best["toward"])
            row["strongest_at"] = f"{best['base']}: {best['outcome']}"
        rows.append(row)
    columns = [
        "lever",
        "verdict",
        *(f"verdict_{b}" for b in bases),
        "acting",
        "reversed",
        "strongest",
        "strongest_at",
    ]
    return pd.DataFrame(rows, columns=columns)


def all_act(verdicts: pd.DataFrame) -> bool:
    """True when every judged lever acts as claimed (unclaimed levers are not judged)."""
    judged = verdicts[verdicts["verdict"] != UNCLAIMED]
    return bool((judged["verdict"] == ACTS).all())
