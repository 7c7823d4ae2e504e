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

from netsim.numbers import exact, percent

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

# --- the run labels' settled states (issue 13: labels that hold) --------------------------
# metrics.summarise applies these; the outcomes' meanings below are worded from them.

SETTLE_WEEKS = 13
"""Weeks (a quarter) over which a state must last, at the end of a run, to count as
settled. In the label check (every library scenario x 20 seeds, horizons 52 to 156
weeks), of 781 runs settled at their horizon one changed a label by twice the horizon (a
dormant network churning at the dormant line); a longer window only delays the labels, as
a network that takes off or collapses crosses the dormant band within a few weeks."""

HOLD_TOLERANCE = 0.10
"""A state holds (is not in decline) if the last week's value is at least 90% of the
highest in the last SETTLE_WEEKS weeks: a network or an idea losing more than a tenth in
a quarter is on its way down; a near-full network moves by a few members a week."""

DORMANT_SHARE = 0.05
"""Active members below this share of the eligible population: a dormant network. It sits
well below where the model tips (issue 13 measured 12-15% active for the default; the
one-third mark is the seeds' claim, not a threshold); the library's collapsed networks
churn at 3% active (median of their highest, weeks 156-624), at most 6%."""

FOUNDER_MULTIPLE = 3
"""A self-sustaining network holds at least this many times its founding core: it has
grown well beyond the founders and the few people they bring in themselves (the
library's collapsed networks churn at up to 2.7 times their founding core)."""

SUSTAINING_CAP_SHARE = 0.5
"""...or half the eligible population if that is fewer: a founding core of more than a
sixth of the eligible population cannot triple, and a network that keeps half the
eligible population active is past any tipping point."""

COLLAPSE_SHARE = 0.5
"""A network that ends below DORMANT_SHARE having lost at least this share of its peak
active membership has collapsed into the dormant band, before a full quarter there."""

SPREAD_ADOPTION = 0.5
"""Adoption share (of the eligible population) at which an idea has spread: a majority."""

UNTIL_SETTLED_CAP = 4
"""A run until settled (``netsim run --steps until-settled``) stops by this many times its
horizon if its labels have not settled by then, and says so: a network still in between
after four times the scenario's span may stay there."""


TIME_NOTE = (
    "Only the runs that got there count (a run that never did has no value): read it with its n"
)
"""The note of every time-to-a-share outcome."""


@dataclass(frozen=True)
class Outcome:
    """One per-run summary field.

    ``label`` is the outcome's one name in tables, axes and reports; ``definition`` says
    in one line of plain words what it is (printed beside the label where a value is
    shown: ``netsim run``'s summary, ``netsim compare``'s table); ``meaning`` is the rule
    in full, with its thresholds (under the labels' table, and in the docs).
    ``curve``: its place (1, 2, ...) among a sweep's outcome curves, 0 if not drawn.
    ``headline``: its place in the terminal's short tables (``netsim compare``), 0 if not
    shown. ``sensitivity``: its place among the outcomes whose Sobol/Morris indices are
    computed, 0 if none. ``probability_name``: for a flag, the name of its probability
    ("P(...)"). ``spread_of``: for a flag, the continuous outcome whose distribution per
    level shows whether the flag's transition is bimodal. ``run_label``: one of the flags a
    run is labelled by (``analysis.summaries.label_runs``; their stability over the
    horizon is checked by ``netsim.batch.label_stability``). ``audit``: its place among the
    outcomes the lever audit measures (``netsim audit``), 0 if not audited.
    ``better``: which way is good for a network ("higher" or "lower"), so a lever's
    claim "helps" or "hurts" (:mod:`netsim.config.claims`) means a direction per outcome.
    ``note``: what a reader must know beside the rule to read the outcome right (shown
    after the rule wherever it is defined: reports, docs), e.g. that two outcomes that
    sound like opposites are not.
    """

    name: str
    kind: Kind
    unit: str
    label: str
    meaning: str
    definition: str
    curve: int = 0
    headline: int = 0
    sensitivity: int = 0
    probability_name: str | None = None
    spread_of: str | None = None
    run_label: bool = False
    audit: int = 0
    better: Better | None = None
    note: str = ""

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
        definition="share of the eligible population holding the idea in the last week",
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
        definition="the highest share of the eligible population holding the idea in a week",
    ),
    Outcome(
        "final_member_adoption",
        "share",
        "share of members",
        "final adoption (share of members)",
        "member_adoption_share at the last step",
        definition="share of the members (active or passive) holding the idea at the end",
    ),
    Outcome(
        "ever_adopted",
        "share",
        "share of eligible",
        "ever adopted (share of eligible)",
        "ever_adopted_share at the last step (the final size of an SIR epidemic)",
        definition="share of the eligible population who held the idea at some time",
    ),
    Outcome(
        "time_to_10pct",
        "weeks",
        "weeks",
        "weeks to 10% adoption",
        "first step with adoption_share >= 0.10 (NaN if never)",
        definition="the first week in which 10% of the eligible population hold the idea",
        note=TIME_NOTE,
    ),
    Outcome(
        "time_to_50pct",
        "weeks",
        "weeks",
        "weeks to 50% adoption",
        "first step with adoption_share >= 0.50 (NaN if never)",
        definition="the first week in which half the eligible population hold the idea",
        note=TIME_NOTE,
        audit=5,
        better="lower",
    ),
    Outcome(
        "time_to_90pct",
        "weeks",
        "weeks",
        "weeks to 90% adoption",
        "first step with adoption_share >= 0.90 (NaN if never)",
        definition="the first week in which 90% of the eligible population hold the idea",
        note=TIME_NOTE,
    ),
    Outcome(
        "peak_members",
        "count",
        "members",
        "peak members",
        "highest members (active + passive)",
        definition="the most members (active and passive) in any week",
    ),
    Outcome(
        "final_members",
        "count",
        "members",
        "final members",
        "members at the last step",
        definition="members (active and passive) in the last week",
    ),
    Outcome(
        "peak_active_share",
        "share",
        "share of eligible",
        "peak active share",
        "highest active_share",
        definition="the highest share of the eligible population active in any week",
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
        definition="share of the eligible population active (not passive) at the end",
        headline=4,
        sensitivity=2,
        curve=5,
    ),
    Outcome(
        "critical_mass_reached",
        "flag",
        "yes/no",
        "reaches critical mass",
        "the network is self-sustaining at the end: in each of the last "
        f"{SETTLE_WEEKS} weeks at least {FOUNDER_MULTIPLE} times the founding core (the "
        f"active members at step 0) were active, or {percent(SUSTAINING_CAP_SHARE)} of the "
        "eligible population if that is fewer, and never fewer than "
        f"{percent(DORMANT_SHARE)} of it; and the last week's active members are at least "
        f"{percent(1 - HOLD_TOLERANCE)} of the most in those weeks (not in decline). The "
        "one-third mark (critical_mass_share) is no threshold here: it stays the seeds' "
        "reference line",
        definition="the network ends self-sustaining: grown well past its founders, not in decline",
        note="It is about the network, not the idea, and is not the opposite of fizzles out: "
        "a self-sustaining network whose idea died out counts as both, so the two shares of "
        "runs can add up to more than 100% (and a run still in between is neither)",
        headline=1,
        sensitivity=3,
        curve=1,
        probability_name="critical mass",
        spread_of="final_active_share",
        run_label=True,
        audit=1,
        better="higher",
    ),
    Outcome(
        "fizzled_out",
        "flag",
        "yes/no",
        "fizzles out",
        "the idea died out or the network went dormant: nobody holds any idea at the last "
        "step (no one takes it up again unless champions are recruited later), or fewer than "
        f"{percent(DORMANT_SHARE)} of the eligible population were active in each of the "
        f"last {SETTLE_WEEKS} weeks, or fewer than that at the last step after losing at "
        f"least {percent(COLLAPSE_SHARE)} of the peak active membership",
        definition="the idea died out (nobody holds it at the end) or the network went dormant "
        f"(under {percent(DORMANT_SHARE)} active)",
        note="Not the opposite of reaches critical mass: a network can stay self-sustaining "
        "while its idea dies out (both), and a run can end still in between (neither; see "
        "labels settled)",
        headline=2,
        curve=2,
        probability_name="fizzle-out",
        spread_of="final_active_share",
        run_label=True,
        audit=2,
        better="lower",
    ),
    Outcome(
        "spread",
        "flag",
        "yes/no",
        f"idea spreads (adoption >= {percent(SPREAD_ADOPTION)}, holding)",
        f"adoption_share >= {exact(SPREAD_ADOPTION)} at the last step and at least "
        f"{percent(1 - HOLD_TOLERANCE)} of its highest in the last {SETTLE_WEEKS} weeks "
        "(not in decline)",
        definition=f"at least {percent(SPREAD_ADOPTION)} of the eligible population hold the idea "
        "at the end, and not in decline",
        curve=3,
        probability_name="spread",
        spread_of="final_adoption",
        run_label=True,
    ),
    Outcome(
        "settled",
        "flag",
        "yes/no",
        "labels settled",
        "the labels' states were settled at the last step, so a longer run would very likely "
        "keep them: "
        f"the network was dormant (fewer than {percent(DORMANT_SHARE)} of the eligible "
        f"population active in each of the last {SETTLE_WEEKS} weeks) and the idea had not "
        "spread, or the network was self-sustaining (critical_mass_reached) and the idea "
        "had died out or had spread (spread, and adoption at or above "
        f"{percent(SPREAD_ADOPTION)} in each of the last {SETTLE_WEEKS} weeks). Otherwise "
        "the run ended while a label could still change: run it longer (netsim run --steps "
        "until-settled)",
        definition="the labels (critical mass, fizzle-out, spread) had settled: a longer run would "
        "very likely keep them",
        headline=5,
        probability_name="settled labels",
        spread_of="final_active_share",
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
DEFINITIONS: dict[str, str] = {o.name: o.definition for o in OUTCOMES}
"""Summary field -> what it is, in one line of plain words."""
OUTCOME_LABELS: dict[str, str] = {o.name: o.label for o in OUTCOMES}
"""Summary field -> short label for tables and figures."""
BOOLEAN_OUTCOMES: tuple[str, ...] = tuple(o.name for o in OUTCOMES if o.kind == "flag")
"""Yes/no summary fields: the outcomes a tipping point can be found for."""
RUN_LABELS: tuple[str, ...] = tuple(o.name for o in OUTCOMES if o.run_label)
"""The yes/no fields a run is labelled by, in summary order."""
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
