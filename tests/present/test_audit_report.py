"""The lever audit's report: files written, the rule in words, the figure, both renderings."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.figure import Figure

from netsim.analysis.audit import CELL_RULE, LEVER_RULE, VERDICTS, paired_effects
from netsim.batch.audit import AuditData, plan_audit, run_audit
from netsim.config.outcomes import AUDIT_OUTCOMES
from netsim.present.audit_report import FOREST, forest_figure, summary_lines, write_audit


@pytest.fixture(scope="module")
def data() -> AuditData:
    plan = plan_audit(
        bases=["default", "usual_suspects"],
        levers=["join_rate", "leadership_style"],
        seeds=3,
        steps=20,
        population=100,
    )
    return run_audit(plan, workers=1)


@pytest.fixture(scope="module")
def folder(data: AuditData, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_audit(data, tmp_path_factory.mktemp("audit")).folder


def test_the_folder_holds_tables_figure_design_and_report(folder: Path) -> None:
    for name in (
        "runs.parquet",
        "runs.csv",
        "contrasts.csv",
        "effects.csv",
        "levers.csv",
        "failed_runs.csv",
        FOREST,
        "audit.json",
        "report.md",
        "report.html",
    ):
        assert (folder / name).is_file(), name
    assert not list(folder.glob(".*.tmp"))  # atomic writes leave no temporary file


def test_effects_cover_every_contrast_and_audited_outcome(folder: Path, data: AuditData) -> None:
    effects = pd.read_csv(folder / "effects.csv")
    assert len(effects) == len(data.plan.contrasts) * len(AUDIT_OUTCOMES)
    assert set(effects["verdict"]) <= set(VERDICTS)
    levers = pd.read_csv(folder / "levers.csv")
    assert list(levers["lever"]) == list(data.plan.levers)


def test_the_report_states_the_rule_and_a_verdict_per_lever_and_base(folder: Path) -> None:
    text = (folder / "report.md").read_text(encoding="utf-8")
    flat = " ".join(text.split())
    assert " ".join(CELL_RULE.split()).replace("_", "\\_") in flat
    assert " ".join(LEVER_RULE.split()) in flat
    assert "| join\\_rate | dynamics |" in text
    assert "The usual suspects" in text and f"({FOREST})" in text
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in html and "<table>" in html


def test_the_design_document_can_rebuild_the_plan(folder: Path, data: AuditData) -> None:
    design = json.loads((folder / "audit.json").read_text(encoding="utf-8"))["design"]
    assert design["levers"] == list(data.plan.levers)
    assert design["seeds"] == list(data.plan.seeds)
    assert [b["slug"] for b in design["bases"]] == ["default", "usual_suspects"]
    assert design["population"] == 100 and design["steps"] == 20


def test_the_forest_plot_has_a_panel_per_outcome_and_a_row_per_contrast(data: AuditData) -> None:
    plan = data.plan
    effects = paired_effects(data.runs, plan.contrast_table(), plan.claims())
    fig = forest_figure(effects, {slug: b.name for slug, b in plan.bases.items()})
    assert isinstance(fig, Figure)
    axes = fig.get_axes()
    assert len(axes) == len(AUDIT_OUTCOMES)
    labels = [t.get_text() for t in axes[0].get_yticklabels()]
    assert labels == [  # declaration order
        "leadership_style: distributed vs hierarchical",
        "leadership_style: figurehead vs hierarchical",
        "join_rate",
    ]


def test_summary_lines_name_the_levers_that_do_not_act() -> None:
    verdicts = pd.DataFrame(
        {
            "lever": ["a", "b", "c", "d"],
            "verdict": ["acts as claimed", "inert", "reversed", "unclaimed"],
        }
    )
    assert summary_lines(verdicts) == [
        "1 of 3 audited levers act as claimed.",
        "Inert (1): b.",
        "Reversed (1): c.",
    ]
