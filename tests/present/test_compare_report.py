"""The comparison report explains itself (issue 16): every outcome defined where it appears,
the spread of runs on the curves, times with their n, one precision policy, missing
intervals in words, and descriptions that follow edits ("based on").

The report is drawn from small generated tables (no model runs); the "based on" rule is
checked on scenario files written into tmp_path.
"""

from __future__ import annotations

import math
import re
import shutil
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection

from netsim.analysis.intervals import (
    difference_table,
    outcome_table,
    parameters_differ,
    step_bands,
)
from netsim.batch import compare
from netsim.batch.compare import ComparisonData, ComparisonPlan
from netsim.config.outcomes import BY_NAME, OUTCOME_LABELS, SUMMARY_FIELDS
from netsim.config.parameters import Parameters
from netsim.config.scenarios import Scenario, library_dir, load_scenario
from netsim.numbers import NO_INTERVAL
from netsim.present import compare_report as report
from netsim.present import plots
from netsim.present.compare_report import Image, Table

ORIGIN = {"netsim_version": "0.0", "created": "today", "git_commit": None}
REPLICATES = 20
REACHED = 9
"""Runs of each scenario that reach 10% adoption (the rest never do)."""


def summary_rows(slug: str, rng: np.random.Generator) -> list[dict]:
    """One row per run with every summary field: times reached by REACHED runs (50% by one,
    90% by none), a network that reaches critical mass in most runs and whose idea fizzles
    out in some of those (both yes)."""
    rows = []
    for r in range(REPLICATES):
        row: dict = {"scenario": slug, "replicate": r, "seed": 100 + r}
        for name in SUMMARY_FIELDS:
            kind = BY_NAME[name].kind
            if kind == "share":
                row[name] = float(rng.uniform(0.1, 0.9))
            elif kind == "count":
                row[name] = int(rng.integers(50, 500))
            elif kind == "flag":
                row[name] = bool(rng.random() < 0.5)
        row["time_to_10pct"] = float(rng.integers(10, 60)) if r < REACHED else math.nan
        row["time_to_50pct"] = 80.0 if r == 0 else math.nan
        row["time_to_90pct"] = math.nan
        row["critical_mass_reached"] = r < 18
        row["fizzled_out"] = r % 3 == 0
        rows.append(row)
    return rows


def step_rows(slug: str, replicates: int, split: bool) -> pd.DataFrame:
    """A per-step table: with ``split``, half the runs take off to 80% active, half stay at
    5% (two groups, a mean that no run follows)."""
    frames = []
    weeks = np.arange(0, 21)
    for r in range(replicates):
        top = 0.8 if (split and r % 2 == 0) else 0.05
        share = top * weeks / weeks[-1]
        frames.append(
            pd.DataFrame(
                {
                    "scenario": slug,
                    "replicate": r,
                    "seed": 100 + r,
                    "step": weeks,
                    "active_share": share,
                    "adoption_share": share / 2,
                    "mean_engagement": 0.5,
                    "mean_trust": 0.5,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def make_data(scenarios: dict[str, Scenario], based_on: dict | None = None) -> ComparisonData:
    rng = np.random.default_rng(3)
    plan = ComparisonPlan(
        scenarios,
        {slug: s.parameters for slug, s in scenarios.items()},
        REPLICATES,
        1,
        None,
        [100 + r for r in range(REPLICATES)],
        based_on=based_on or {},
    )
    rows = [row for slug in scenarios for row in summary_rows(slug, rng)]
    runs = pd.DataFrame(rows)[["scenario", "replicate", "seed", *SUMMARY_FIELDS]]
    steps = pd.concat([step_rows(slug, REPLICATES, True) for slug in scenarios])
    return ComparisonData(plan, runs, steps, pd.DataFrame(), 1.0, 1)


def blocks_of(data: ComparisonData) -> list:
    outcomes = outcome_table(data.runs, data.order)
    differences = difference_table(data.runs, data.order)
    differ = parameters_differ(data.plan.parameters)
    return report.report_blocks(data, outcomes, differences, differ, ORIGIN)


TWO = {
    "alpha": Scenario("Alpha", "A facilitated network.", Parameters()),
    "beta": Scenario("Beta", "Three priorities.", Parameters(priorities=3)),
}


@pytest.fixture(scope="module")
def blocks() -> list:
    return blocks_of(make_data(TWO))


def table(blocks: list, first_header: str, caption_start: str = "") -> Table:
    return next(
        b
        for b in blocks
        if isinstance(b, Table)
        and b.headers[0] == first_header
        and b.caption.startswith(caption_start)
    )


def flat(text: str) -> str:
    return " ".join(text.split()).replace("\\", "")


def test_every_outcome_in_the_table_is_defined_with_its_rule_and_note(blocks: list) -> None:
    outcomes = table(blocks, "outcome", "outcome:")
    md = flat(report.render_markdown(blocks))
    assert [row[0] for row in outcomes.rows] == [OUTCOME_LABELS[n] for n in SUMMARY_FIELDS]
    for name in SUMMARY_FIELDS:
        o = BY_NAME[name]
        assert f"**{o.label}** (`{name}`;" in md, name
        assert " ".join(o.meaning.split()) in md, name
        if o.note:
            assert " ".join(o.note.split()) in md, name
    # the two labels that read like opposites say they are not, and why both can be high
    assert "not the opposite of fizzles out" in md
    assert "can add up to more than 100%" in md
    # the weekly measures the rules name are defined too
    assert "`adoption_share`: people holding an idea / N" in md


def test_both_critical_mass_and_fizzle_out_can_be_high(blocks: list) -> None:
    """The generated runs reach critical mass in 90% and fizzle out in 35%: the report shows
    both, and the rows' definitions say why that is no contradiction."""
    rows = {row[0]: row[1] for row in table(blocks, "outcome", "outcome:").rows}
    assert rows["reaches critical mass"].startswith("90% ")
    assert rows["fizzles out"].startswith("35% ")


def test_times_state_how_many_runs_reached_them(blocks: list) -> None:
    rows = {row[0]: row[1:] for row in table(blocks, "outcome", "outcome:").rows}
    assert all(
        c.endswith(f"; n = {REACHED} of {REPLICATES} runs reached it")
        for c in rows["weeks to 10% adoption"]
    )
    assert rows["weeks to 90% adoption"] == (f"no run reached it (0 of {REPLICATES})",) * 2
    # one run reached 50%: a value, no interval, said in words
    assert rows["weeks to 50% adoption"][0] == (
        f"80.0 ({NO_INTERVAL}); n = 1 of {REPLICATES} runs reached it"
    )
    differences = {row[0]: row[1] for row in table(blocks, "outcome", "outcome: as in").rows}
    assert differences["weeks to 10% adoption"].endswith(
        f"; n = {REACHED} of {REPLICATES} pairs both reached it"
    )
    md = flat(report.render_markdown(blocks))
    assert "counts only the runs that reached it" in md


SHARE = r"\d{1,3}\.\d%"
RUNS = r"\d{1,3}%"
WEEKS = r"\d+\.\d"
PATTERNS = {
    "share": rf"{SHARE} \({SHARE} to {SHARE}\)",
    "flag": rf"{RUNS} \({RUNS} to {RUNS}\)",
    "count": r"[\d,]+ \([\d,]+ to [\d,]+\)",
    "weeks": rf"({WEEKS} \(({WEEKS} to {WEEKS}|{NO_INTERVAL})\); n = \d+ of \d+ runs reached it"
    r"|no run reached it \(0 of \d+\))",
}
SIGNED = {"share": r"[+-]?\d+\.\d", "flag": r"[+-]?\d+", "count": r"[+-]?[\d,]+"}


def test_one_precision_policy_in_every_cell(blocks: list) -> None:
    by_label = {o.label: o for o in BY_NAME.values()}
    for row in table(blocks, "outcome", "outcome:").rows:
        kind = by_label[row[0]].kind
        for cell in row[1:]:
            assert re.fullmatch(PATTERNS[kind], cell), (row[0], cell)
    for row in table(blocks, "outcome", "outcome: as in").rows:
        kind = by_label[row[0]].kind
        cell = row[1]
        if kind == "weeks":
            assert re.match(r"([+-]?\d+\.\d \(|no pair)", cell), (row[0], cell)
            continue
        number = SIGNED[kind]
        unit = " pts" if kind in ("share", "flag") else ""
        assert re.fullmatch(rf"{number}{unit} \({number} to {number}\)", cell), (row[0], cell)
    md = report.render_markdown(blocks)
    assert "–" not in "".join(c for t in blocks if isinstance(t, Table) for r in t.rows for c in r)
    assert "0.0164" not in md and "[n=" not in md


def test_every_table_has_a_legend_for_its_columns(blocks: list) -> None:
    for block in blocks:
        if isinstance(block, Table):
            assert block.caption, block.headers
            assert block.headers[0].split()[0] in block.caption, block.headers


def test_the_curves_caption_says_what_the_fans_and_lines_are(blocks: list) -> None:
    (image,) = [b for b in blocks if isinstance(b, Image) and b.filename == "curves.png"]
    assert "middle 50% of runs" in image.caption and "middle 80%" in image.caption
    assert "every run as a thin line" in image.caption


# --- the curves: the runs' spread, not only the mean ------------------------------------


def test_run_quantiles_show_two_groups_that_the_mean_hides() -> None:
    steps = step_rows("a", 20, split=True)
    last = step_bands(steps).query("column == 'active_share' and step == 20").iloc[0]
    assert last["mean"] == pytest.approx(0.425)  # between the groups: no run ends there
    assert last["p10"] == pytest.approx(0.05) and last["p90"] == pytest.approx(0.8)
    assert last["p25"] == pytest.approx(0.05) and last["p75"] == pytest.approx(0.8)
    assert last["ci_high"] - last["ci_low"] < last["p90"] - last["p10"]
    values = steps.query("step == 20")["active_share"]
    assert last["median"] == pytest.approx(float(np.median(values)))


@pytest.mark.parametrize(
    ("replicates", "run_lines"), [(20, True), (plots.MAX_RUN_LINES + 1, False)]
)
def test_compare_curves_draw_fans_and_every_run_up_to_a_limit(
    replicates: int, run_lines: bool
) -> None:
    steps = pd.concat([step_rows(s, replicates, split=True) for s in ("a", "b")])
    fig = plots.compare_curves(
        step_bands(steps), {"a": "A", "b": "B"}, runs=steps, critical_mass_share=1 / 3
    )
    ax = fig.axes[0]
    fans = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(fans) == 2 * 2  # the middle 50% and 80% of runs, per scenario
    thin = [line for line in ax.get_lines() if line.get_linewidth() < 1]
    thick = [line for line in ax.get_lines() if line.get_linewidth() >= 2]
    assert len(thick) == 2  # the means
    assert len(thin) == (2 * replicates if run_lines else 0)
    assert plots.run_lines_drawn(steps) == run_lines
    legend_text = " ".join(t.get_text() for legend in fig.legends for t in legend.get_texts())
    assert "middle 50% of runs" in legend_text and ("one run" in legend_text) == run_lines


# --- descriptions that follow edits ------------------------------------------------------


LIBRARY = library_dir() / "facilitated_learning_network.toml"


def copy_of_library(tmp_path: Path, extra: str) -> Path:
    mine = tmp_path / "my_network.toml"
    shutil.copy(LIBRARY, mine)
    text = re.sub(r'^name = ".*"$', 'name = "Our network"', mine.read_text(), count=1, flags=re.M)
    mine.write_text(text + extra, encoding="utf-8")
    return mine


def test_an_edited_copy_says_based_on_instead_of_the_original_description(
    tmp_path: Path,
) -> None:
    mine = copy_of_library(tmp_path, "\n[network]\neligible_population = 300\n")
    plan = compare.plan_comparison([LIBRARY, mine], replicates=2)
    original = load_scenario(LIBRARY)
    origin = plan.based_on["my_network"]
    assert (origin.name, origin.slug) == (original.name, "facilitated_learning_network")
    assert origin.changes == (("eligible_population", "300", "500"),)
    assert "facilitated_learning_network" not in plan.based_on  # the original is itself
    data = make_data(plan.scenarios, plan.based_on)
    md = flat(report.render_markdown(blocks_of(data)))
    ours = next(line for line in md.split("- **") if line.startswith("Our network**"))
    assert "based on **Facilitated learning network** (`facilitated_learning_network`)" in ours
    assert "eligible_population = 300 (there 500)" in ours
    assert original.description not in ours
    assert original.description in md  # the original's own line keeps it


def test_an_unedited_copy_keeps_the_description_it_still_fits(tmp_path: Path) -> None:
    mine = copy_of_library(tmp_path, "")
    assert compare.plan_comparison([LIBRARY, mine], replicates=2).based_on == {}


def test_a_file_that_extends_another_without_a_description_is_based_on_it(
    tmp_path: Path,
) -> None:
    (tmp_path / "base.toml").write_text(
        'name = "Our base"\ndescription = "Our own base network."\n', encoding="utf-8"
    )
    (tmp_path / "child.toml").write_text(
        'name = "Our variant"\nextends = "base.toml"\n\n[purpose]\npriorities = 4\n',
        encoding="utf-8",
    )
    (tmp_path / "own.toml").write_text(
        'name = "Described"\ndescription = "Four priorities."\nextends = "base.toml"\n\n'
        "[purpose]\npriorities = 4\n",
        encoding="utf-8",
    )
    child, own = load_scenario(tmp_path / "child.toml"), load_scenario(tmp_path / "own.toml")
    assert child.description == "Our own base network."  # inherited
    origin = compare.based_on(child, [load_scenario(tmp_path / "base.toml")])
    assert origin is not None and origin.name == "Our base"
    assert [c[0] for c in origin.changes] == ["priorities"]
    plan = compare.plan_comparison([tmp_path / "base.toml", tmp_path / "child.toml", own.path])
    assert set(plan.based_on) == {"child"}
