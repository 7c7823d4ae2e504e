"""Every run outcome, declared once: name, type, unit, label, meaning and how it aggregates.

Parameters have one declaration (:mod:`netsim.config.parameters`); outcomes get the
same. The per-run summary (:func:`netsim.model.metrics.summarise`) computes exactly
these fields; the sweep's Parquet schema, report labels, the analysis's choices
(which outcomes are yes/no, which are drawn as curves, which continuous outcome
shows a yes/no one's bimodality) and the docs are all read from :data:`OUTCOMES`,
so a new outcome is one entry here plus its rule in ``summarise``.

The 5C wheel's indices (:data:`FIVE_C`) are per-step columns rather than summary
fields; they are named here because analysis and plots read them too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["share", "weeks", "count", "flag"]
"""share: a fraction in [0, 1]; weeks: a step number (NaN when never reached);
count: members; flag: yes/no."""

Better = Literal["higher", "lower"]
"""Which way an outcome is good for a network (more critical mass, less fizzle-out)."""

AGGREGATION = {"share": "mean", "weeks": "mean", "count": "mean", "flag": "proportion"}
"""How replicates of each kind are summarised: the mean (t-interval), or the share of
runs that say yes (Wilson interval)."""

ARROW_TYPES = {"share": "float64", "weeks": "float64", "count": "int64", "flag": "bool"}
"""Column type of each kind in Parquet tables (pyarrow type names)."""


@dataclass(frozen=True)
class Outcome:
    """One per-run summary field.

    ``label`` is the short text for tables and axes; ``meaning`` the rule in words
    (shown where the outcome is reported). ``curve``: its place (1, 2, ...) among a
    sweep's outcome curves, 0 if not drawn. ``headline``: its place in the terminal's
    short tables (``netsim compare``), 0 if not shown. ``sensitivity``: its place among
    the outcomes whose Sobol/Morris indices are computed, 0 if none.
    ``probability_name``: for a flag, the name of its probability ("P(...)").
    ``spread_of``: for a flag, the continuous outcome whose distribution per level
    shows whether the flag's transition is bimodal. ``audit``: its place among the
    outcomes the lever audit measures (``netsim audit``), 0 if not audited.
    ``better``: which way is good for a network ("higher" or "lower"), so a lever's
    claim "helps" or "hurts" (:mod:`netsim.config.claims`) means a direction per outcome.
    """

    name: str
    kind: Kind
    unit: str
    label: str
    meaning: str
    curve: int = 0
    headline: int = 0
    sensitivity: int = 0
    probability_name: str | None = None
    spread_of: str | None = None
    audit: int = 0
    better: Better | None = None

    @property
    def aggregation(self) -> str:
        """'mean' or 'proportion' (see :data:`AGGREGATION`)."""
        return AGGREGATION[self.kind]

    @property
    def arrow_type(self) -> str:
        """The pyarrow type name of this outcome's column."""
        return ARROW_TYPES[self.kind]


OUTCOMES: tuple[Outcome, ...] = (
    Outcome(
        "final_adoption",
        "share",
        "share of eligible",
        "final adoption (share of eligible)",
        "adoption_share at the last step",
        headline=3,
        sensitivity=1,
        curve=4,
        audit=3,
        better="higher",
    ),
    Outcome(
        "peak_adoption",
        "share",
        "share of eligible",
        "peak adoption (share of eligible)",
        "highest adoption_share",
    ),
    Outcome(
        "final_member_adoption",
        "share",
        "share of members",
        "final adoption (share of members)",
        "member_adoption_share at the last step",
    ),
    Outcome(
        "ever_adopted",
        "share",
        "share of eligible",
        "ever adopted (share of eligible)",
        "ever_adopted_share at the last step (the final size of an SIR epidemic)",
    ),
    Outcome(
        "time_to_10pct",
        "weeks",
        "weeks",
        "weeks to 10% adoption",
        "first step with adoption_share >= 0.10 (NaN if never)",
    ),
    Outcome(
        "time_to_50pct",
        "weeks",
        "weeks",
        "weeks to 50% adoption",
        "first step with adoption_share >= 0.50 (NaN if never)",
        audit=5,
        better="lower",
    ),
    Outcome(
        "time_to_90pct",
        "weeks",
        "weeks",
        "weeks to 90% adoption",
        "first step with adoption_share >= 0.90 (NaN if never)",
    ),
    Outcome(
        "peak_members", "count", "members", "peak members", "highest members (active + passive)"
    ),
    Outcome("final_members", "count", "members", "final members", "members at the last step"),
    Outcome(
        "peak_active_share",
        "share",
        "share of eligible",
        "peak active share",
        "highest active_share",
        curve=6,
        audit=4,
        better="higher",
    ),
    Outcome(
        "final_active_share",
        "share",
        "share of eligible",
        "final active share",
        "active_share at the last step",
        headline=4,
        sensitivity=2,
        curve=5,
    ),
    Outcome(
        "critical_mass_reached",
        "flag",
        "yes/no",
        "reaches critical mass",
        "active_share >= critical_mass_share for 4 consecutive steps",
        headline=1,
        sensitivity=3,
        curve=1,
        probability_name="critical mass",
        spread_of="final_active_share",
        audit=1,
        better="higher",
    ),
    Outcome(
        "fizzled_out",
        "flag",
        "yes/no",
        "fizzles out",
        "started to grow or spread, then lost it: final active <= half the peak "
        "(peak above the founding core), or final adoption <= half a peak adoption that was "
        "at least twice the starting adoption",
        headline=2,
        curve=2,
        probability_name="fizzle-out",
        spread_of="final_active_share",
        audit=2,
        better="lower",
    ),
    Outcome(
        "spread",
        "flag",
        "yes/no",
        "idea spreads (final adoption >= 50%)",
        "final adoption_share >= 0.5",
        curve=3,
        probability_name="spread",
        spread_of="final_adoption",
    ),
)

BY_NAME: dict[str, Outcome] = {o.name: o for o in OUTCOMES}

FIVE_C = (
    "common_purpose",
    "cooperative_structure",
    "critical_mass",
    "collective_intelligence",
    "community_building",
)
"""The Health Foundation's five core features, as per-step index columns in [0, 1]."""

# --- views of the one declaration, for the modules that read them -------------------------

SUMMARY_FIELDS: dict[str, str] = {o.name: o.meaning for o in OUTCOMES}
"""Summary field -> its rule in words, in summary order."""
OUTCOME_LABELS: dict[str, str] = {o.name: o.label for o in OUTCOMES}
"""Summary field -> short label for tables and figures."""
BOOLEAN_OUTCOMES: tuple[str, ...] = tuple(o.name for o in OUTCOMES if o.kind == "flag")
"""Yes/no summary fields: the outcomes a tipping point can be found for."""
CURVE_OUTCOMES: tuple[str, ...] = tuple(
    o.name for o in sorted((o for o in OUTCOMES if o.curve), key=lambda o: o.curve)
)
"""Outcomes drawn in the curve figures (the CSV has every summary field)."""
HEADLINE_OUTCOMES: tuple[str, ...] = tuple(
    o.name for o in sorted((o for o in OUTCOMES if o.headline), key=lambda o: o.headline)
)
"""Outcomes in the terminal's short tables, in order."""
SENSITIVITY_OUTCOMES: tuple[str, ...] = tuple(
    o.name for o in sorted((o for o in OUTCOMES if o.sensitivity), key=lambda o: o.sensitivity)
)
"""Outcomes whose sensitivity indices are computed (a yes/no one as the share of replicates)."""
SPREAD_OF: dict[str, str] = {o.name: o.spread_of for o in OUTCOMES if o.spread_of}
"""The continuous outcome whose distribution per level shows bimodality for a yes/no one."""
PROBABILITY_NAMES: dict[str, str] = {
    o.name: o.probability_name for o in OUTCOMES if o.probability_name
}
"""Yes/no outcome -> the name of its probability in reports ("P(critical mass)")."""
AUDIT_OUTCOMES: tuple[str, ...] = tuple(
    o.name for o in sorted((o for o in OUTCOMES if o.audit), key=lambda o: o.audit)
)
"""Outcomes the lever audit measures each lever's effect on, in order."""
SHARE_OUTCOMES: frozenset[str] = frozenset(o.name for o in OUTCOMES if o.kind == "share")
"""Summary fields whose values lie in [0, 1]."""
