"""Scenario comparison (src/netsim/batch/compare.py and `netsim compare`).

Statistics are checked against hand-computed and published values; the
orchestration on tiny scenarios (120 people, 20 weeks, 3 replicates).
"""

from __future__ import annotations

import base64
import inspect
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import netsim.api
from netsim.analysis import intervals
from netsim.batch import compare
from netsim.cli import app
from netsim.config.outcomes import BOOLEAN_OUTCOMES, BY_NAME, SUMMARY_FIELDS
from netsim.config.parameters import Parameters
from netsim.config.seeding import derive_seed
from netsim.present import compare_report as report

T_975_3 = 3.182446305284263  # Student's t, 97.5% quantile, 3 degrees of freedom (tables)
Z_975 = 1.959963984540054
NUMBERS = ("runs.csv", "outcomes.csv", "differences.csv")

BASE = """\
name = "Tiny base"
description = "A tiny facilitated network & its <funding>."
source = "[THF] test source"
steps = 20
replicates = 3

[network]
eligible_population = 120
"""
VARIANT = """\
name = "Tiny hierarchy"
description = "Performance-managed, three priorities."
extends = "base.toml"

[leadership]
leadership_style = "hierarchical"

[purpose]
priorities = 3
"""


# --- statistics -----------------------------------------------------------------------------


def test_t_interval_by_hand() -> None:
    mean, low, high, n = intervals.t_interval([1.0, 2.0, 3.0, 4.0])
    sd = math.sqrt((1.5**2 + 0.5**2 + 0.5**2 + 1.5**2) / 3)
    half = T_975_3 * sd / 2
    assert (mean, n) == (2.5, 4)
    assert low == pytest.approx(2.5 - half, abs=1e-12)
    assert high == pytest.approx(2.5 + half, abs=1e-12)
    assert low == pytest.approx(0.445739, abs=1e-6)


def test_t_interval_edge_cases() -> None:
    with_nan = intervals.t_interval([1.0, math.nan, 2.0, 3.0, 4.0])
    assert with_nan == intervals.t_interval([1, 2, 3, 4])
    assert intervals.t_interval([5.0, 5.0, 5.0]) == (5.0, 5.0, 5.0, 3)
    one = intervals.t_interval([7.0])
    assert one.estimate == 7.0 and one.n == 1 and math.isnan(one.low) and math.isnan(one.high)
    none = intervals.t_interval([math.nan])
    assert none.n == 0 and math.isnan(none.estimate)


def test_wilson_interval_by_hand_and_published() -> None:
    p, low, high, n = intervals.wilson_interval(8, 10)
    z2 = Z_975**2
    centre = (0.8 + z2 / 20) / (1 + z2 / 10)
    half = Z_975 * math.sqrt(0.8 * 0.2 / 10 + z2 / 400) / (1 + z2 / 10)
    assert (p, n) == (0.8, 10)
    assert (low, high) == pytest.approx((centre - half, centre + half), abs=1e-12)
    assert (low, high) == pytest.approx((0.4902, 0.9433), abs=1e-4)  # Newcombe (1998) table
    # 0 of n: the lower bound is 0 and the upper bound z^2 / (n + z^2)
    assert intervals.wilson_interval(0, 4)[1:3] == pytest.approx((0.0, z2 / (4 + z2)))
    assert intervals.wilson_interval(4, 4)[1:3] == pytest.approx((4 / (4 + z2), 1.0))
    assert math.isnan(intervals.wilson_interval(0, 0).estimate)
    with pytest.raises(ValueError):
        intervals.wilson_interval(5, 4)


def test_paired_proportion_difference_published() -> None:
    # Fagerland, Lydersen & Laake, Statistical Analysis of Contingency Tables (2017), ch. 8:
    # Cavo et al. (2012), Newcombe square-and-add: -0.0621 (95% CI -0.1186 to -0.0046)
    d, low, high, n = intervals.paired_proportion_difference(59, 6, 16, 80)
    assert n == 161
    assert d == pytest.approx(-10 / 161)
    assert (low, high) == pytest.approx((-0.1186, -0.0046), abs=5e-5)
    # all pairs agree: no difference, a symmetric interval around 0
    same = intervals.paired_proportion_difference(3, 0, 0, 2)
    assert same.estimate == 0 and same.low < 0 < same.high


def _runs(a: list[float], b: list[float], flags_a: list[bool], flags_b: list[bool]) -> pd.DataFrame:
    seeds = [11, 22, 33, 44][: len(a)]
    rows = [
        {"scenario": s, "replicate": r, "seed": seeds[r], "x": v, "flag": f}
        for s, values, flags in (("a", a, flags_a), ("b", b, flags_b))
        for r, (v, f) in enumerate(zip(values, flags, strict=True))
    ]
    return pd.DataFrame(rows)


def test_outcome_table_uses_t_for_numbers_and_wilson_for_booleans() -> None:
    runs = _runs([1, 2, 3, 4], [2, 4, 5, 7], [True, False, False, False], [True] * 4)
    table = intervals.outcome_table(runs).set_index(["scenario", "outcome"])
    assert table.loc[("a", "x"), "method"] == "t"
    assert table.loc[("a", "x"), "ci_low"] == pytest.approx(intervals.t_interval([1, 2, 3, 4]).low)
    assert table.loc[("b", "flag"), "kind"] == "proportion"
    assert table.loc[("b", "flag"), ["mean", "ci_low", "ci_high"]].tolist() == pytest.approx(
        list(intervals.wilson_interval(4, 4)[:3])
    )
    assert table.loc[("a", "flag"), "mean"] == 0.25


def test_difference_table_pairs_by_seed() -> None:
    runs = _runs([1, 2, 3, 4], [2, 4, 5, 7], [True, False, True, False], [True, True, False, True])
    # shuffle rows and drop one run of b (a failed run): pairing must follow the seed
    shuffled = runs.sample(frac=1.0, random_state=3)
    shuffled = shuffled[~((shuffled["scenario"] == "b") & (shuffled["seed"] == 44))]
    table = intervals.difference_table(shuffled, order=["a", "b"]).set_index("outcome")
    x = table.loc["x"]
    diffs = [1.0, 2.0, 2.0]  # seeds 11, 22, 33
    sd = np.std(diffs, ddof=1)
    half = 4.302652729911275 * sd / math.sqrt(3)  # t 97.5%, 2 degrees of freedom
    assert (x["scenario"], x["baseline"], x["n_pairs"]) == ("b", "a", 3)
    assert x["mean_difference"] == pytest.approx(5 / 3)
    assert (x["ci_low"], x["ci_high"]) == pytest.approx((5 / 3 - half, 5 / 3 + half))
    flag = table.loc["flag"]
    # pairs (b, a): (T, T), (T, F), (F, T): both=1, b only=1, a only=1, neither=0
    expected = intervals.paired_proportion_difference(1, 1, 1, 0)
    assert flag["method"] == "newcombe paired"
    assert (flag["mean_difference"], flag["ci_low"], flag["ci_high"]) == pytest.approx(expected[:3])
    assert flag["mean_difference"] == 0


def test_identical_scenarios_differ_by_exactly_zero() -> None:
    runs = _runs([1, 2, 3], [1, 2, 3], [True, False, True], [True, False, True])
    table = intervals.difference_table(runs).set_index("outcome")
    assert table.loc["x", ["mean_difference", "ci_low", "ci_high"]].tolist() == [0, 0, 0]


def test_parameters_differ_lists_exactly_the_differences() -> None:
    base = Parameters(eligible_population=120)
    other = base.replace(priorities=3, timeline=[{"step": 5, "action": "leader_leaves"}])
    table = intervals.parameters_differ({"a": base, "b": other, "c": base.replace(priorities=3)})
    assert table["parameter"].tolist() == ["priorities", "timeline"]
    assert table.columns.tolist() == ["parameter", "group", "a", "b", "c"]
    rows = table.set_index("parameter")
    assert rows.loc["priorities", ["a", "b", "c"]].tolist() == ["2", "3", "3"]
    assert rows.loc["timeline", "b"] == "5:leader_leaves:1"
    assert intervals.parameters_differ({"a": base, "b": base}).empty


def test_step_bands_mean_and_interval() -> None:
    steps = pd.DataFrame(
        {
            "scenario": ["a"] * 8,
            "replicate": [0, 0, 1, 1, 2, 2, 3, 3],
            "step": [0, 1] * 4,
            "members": [0.1, 1.0, 0.1, 2.0, 0.1, 3.0, 0.1, 4.0],
        }
    )
    bands = intervals.step_bands(steps, columns=["members"]).set_index("step")
    assert bands.loc[0, ["mean", "ci_low", "ci_high"]].tolist() == pytest.approx([0.1] * 3)
    expected = intervals.t_interval([1.0, 2.0, 3.0, 4.0])
    assert bands.loc[1, ["mean", "ci_low", "ci_high"]].tolist() == pytest.approx(expected[:3])
    assert bands.loc[1, "n"] == 4


def test_plain_language_line() -> None:
    outcomes = pd.DataFrame(
        [
            ("a", "critical_mass_reached", "proportion", "wilson", 20, 0.10, 0.03, 0.30),
            ("b", "critical_mass_reached", "proportion", "wilson", 20, 0.85, 0.64, 0.95),
        ],
        columns=["scenario", "outcome", "kind", "method", "n", "mean", "ci_low", "ci_high"],
    )
    differences = pd.DataFrame(
        [("b", "a", "critical_mass_reached", "proportion", "newcombe paired", 20, 0.75, 0.5, 0.9)],
        columns=[
            "scenario",
            "baseline",
            "outcome",
            "kind",
            "method",
            "n_pairs",
            "mean_difference",
            "ci_low",
            "ci_high",
        ],
    )
    lines = report.plain_language(outcomes, differences, {"a": "Y", "b": "X"})
    assert lines[1].startswith(
        "X reaches critical mass in 85% of runs (95% CI 64% to 95%) against 10% for Y "
        "(paired difference +75 pts, 95% CI +50 to +90)"
    )


# --- running comparisons ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def scenario_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("scenarios")
    (folder / "base.toml").write_text(BASE, encoding="utf-8")
    (folder / "variant.toml").write_text(VARIANT, encoding="utf-8")
    return [folder / "base.toml", folder / "variant.toml"]


@pytest.fixture(scope="module")
def serial(scenario_files: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("serial") / "cmp"
    calls: list[tuple[int, int]] = []
    folder = report.compare_scenarios(
        scenario_files, seed=5, workers=1, out=out, progress=lambda d, t, _o: calls.append((d, t))
    )
    assert folder == out
    assert calls == [(k, 6) for k in range(1, 7)]  # 2 scenarios x 3 replicates (the file's)
    return folder


def test_results_folder_files(serial: Path) -> None:
    for name in (
        "runs.parquet",
        "runs.csv",
        "steps.parquet",
        "outcomes.csv",
        "differences.csv",
        "parameters_differ.csv",
        "failed_runs.csv",
        "curves.png",
        "wheels.png",
        "report.md",
        "report.html",
        "comparison.json",
    ):
        assert (serial / name).is_file(), name
    assert not list(serial.glob(".*.tmp"))


def test_runs_use_common_random_numbers(serial: Path) -> None:
    runs = pd.read_csv(serial / "runs.csv")
    assert runs.columns.tolist()[:3] == ["scenario", "replicate", "seed"]
    assert set(SUMMARY_FIELDS) <= set(runs.columns)
    assert runs["scenario"].tolist() == ["base"] * 3 + ["variant"] * 3
    seeds = [derive_seed(5, r) for r in range(3)]
    for _, part in runs.groupby("scenario"):
        assert part["seed"].tolist() == seeds
    steps = pd.read_parquet(serial / "steps.parquet")
    assert {"scenario", "replicate", "seed", "step", "active_share"} <= set(steps.columns)
    assert len(steps) == 6 * 21
    assert pd.read_csv(serial / "failed_runs.csv").empty


def test_parameters_differ_file(serial: Path) -> None:
    table = pd.read_csv(serial / "parameters_differ.csv")
    assert sorted(table["parameter"]) == ["leadership_style", "priorities"]
    assert table.set_index("parameter").loc["priorities", ["base", "variant"]].astype(
        str
    ).tolist() == ["2", "3"]


def test_outcomes_and_differences_files(serial: Path) -> None:
    outcomes = pd.read_csv(serial / "outcomes.csv")
    assert set(outcomes["scenario"]) == {"base", "variant"}
    assert set(outcomes["outcome"]) == set(SUMMARY_FIELDS)
    methods = outcomes.set_index(["scenario", "outcome"])["method"]
    assert methods[("base", "critical_mass_reached")] == "wilson"
    assert methods[("base", "final_adoption")] == "t"
    differences = pd.read_csv(serial / "differences.csv")
    assert set(differences["scenario"]) == {"variant"}
    assert set(differences["baseline"]) == {"base"}
    runs = pd.read_csv(serial / "runs.csv")
    paired = (
        runs[runs["scenario"] == "variant"]["final_adoption"].to_numpy()
        - runs[runs["scenario"] == "base"]["final_adoption"].to_numpy()
    )
    row = differences.set_index("outcome").loc["final_adoption"]
    assert row["mean_difference"] == pytest.approx(paired.mean())


def test_report_markdown_and_html(serial: Path) -> None:
    md = (serial / "report.md").read_text(encoding="utf-8")
    page = (serial / "report.html").read_text(encoding="utf-8")
    for text in ("Tiny base", "Tiny hierarchy", "reaches critical mass", "final adoption"):
        assert text in md and text in page
    assert "| outcome | Tiny base | Tiny hierarchy |" in md
    assert "<th>outcome</th><th>Tiny base</th><th>Tiny hierarchy</th>" in page
    assert "![Main curves per scenario](curves.png)" in md
    assert "priorities" in md and "leadership_style" in page
    assert "common random numbers" in md
    flat = " ".join(md.split()).replace("\\", "")
    for name in BOOLEAN_OUTCOMES:  # each yes/no outcome's rule, worded as declared
        assert f"(`{name}`; yes or no; the share of runs where it held): " in flat, name
        assert f"{' '.join(BY_NAME[name].meaning.split())}." in flat, name
    # self-contained: both figures embedded, no external references
    embedded = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(embedded) == 2
    assert base64.b64decode(embedded[0]) == (serial / "curves.png").read_bytes()
    assert not re.search(r'(src|href)="(?!data:)', page)
    # text from the scenario file is escaped
    assert "&lt;funding&gt;" in page and "&amp;" in page and "<funding>" not in page


def test_same_seed_gives_identical_numbers(
    serial: Path, scenario_files: list[Path], tmp_path: Path
) -> None:
    again = report.compare_scenarios(scenario_files, seed=5, workers=1, out=tmp_path / "again")
    parallel = report.compare_scenarios(scenario_files, seed=5, workers=2, out=tmp_path / "par")
    for name in NUMBERS:
        first = (serial / name).read_bytes()
        assert (again / name).read_bytes() == first, name
        assert (parallel / name).read_bytes() == first, name


def test_a_failed_run_is_recorded_and_the_others_go_on(
    scenario_files: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = compare.plan_comparison(scenario_files, replicates=3, seed=5)
    bad_seed = plan.seeds[1]
    real_run = netsim.api.run

    def flaky(params, *, seed=0, **kwargs):
        if seed == bad_seed and params.priorities == 3:
            raise RuntimeError("simulated crash")
        return real_run(params, seed=seed, **kwargs)

    monkeypatch.setattr(netsim.api, "run", flaky)
    seen: list[bool] = []
    folder = report.compare_scenarios(
        scenario_files, 3, 5, 1, out=tmp_path / "cmp", progress=lambda d, t, o: seen.append(o.ok)
    )
    assert seen.count(False) == 1 and len(seen) == 6
    failed = pd.read_csv(folder / "failed_runs.csv")
    assert failed[["scenario", "replicate", "seed"]].values.tolist() == [["variant", 1, bad_seed]]
    assert "simulated crash" in failed.loc[0, "error"]
    runs = pd.read_csv(folder / "runs.csv")
    assert len(runs) == 5
    differences = pd.read_csv(folder / "differences.csv").set_index("outcome")
    assert differences.loc["final_adoption", "n_pairs"] == 2
    outcomes = pd.read_csv(folder / "outcomes.csv").set_index(["scenario", "outcome"])
    assert outcomes.loc[("variant", "final_adoption"), "n"] == 2
    assert outcomes.loc[("base", "final_adoption"), "n"] == 3
    md = (folder / "report.md").read_text(encoding="utf-8")
    assert "Failed runs" in md and "simulated crash" in md


def test_every_run_failing_is_an_error(
    scenario_files: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args, **_kwargs):
        raise RuntimeError("always")

    monkeypatch.setattr(netsim.api, "run", broken)
    with pytest.raises(compare.CompareError, match="every run failed"):
        report.compare_scenarios(scenario_files, 2, 5, 1, out=tmp_path / "cmp")


def test_plan_checks(scenario_files: list[Path]) -> None:
    with pytest.raises(compare.CompareError, match="at least 2 scenarios"):
        compare.plan_comparison(scenario_files[:1])
    with pytest.raises(compare.CompareError, match="replicates"):
        compare.plan_comparison(scenario_files, replicates=0)
    twice = compare.plan_comparison([scenario_files[0], scenario_files[0]], replicates=2)
    assert list(twice.scenarios) == ["base", "base-2"]
    shorter = compare.plan_comparison(scenario_files, replicates=2, steps=7)
    assert {p.steps for p in shorter.parameters.values()} == {7}


# --- the command ---------------------------------------------------------------------------


def make_runner() -> CliRunner:
    if "mix_stderr" in inspect.signature(CliRunner.__init__).parameters:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]  # Click < 8.2
    return CliRunner()


def test_cli_compare(scenario_files: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "cli"
    args = [*map(str, scenario_files), "--replicates", "2", "--workers", "1", "--out", str(out)]
    result = make_runner().invoke(app, ["compare", *args])
    assert result.exit_code == 0, result.stderr
    assert f"results: {out}" in result.stdout
    assert "reaches critical mass" in result.stdout
    assert len(pd.read_csv(out / "runs.csv")) == 4
    quiet = make_runner().invoke(app, ["compare", *args, "--quiet", "--steps", "10"])
    assert quiet.exit_code == 0, quiet.stderr
    assert quiet.stdout.strip() == str(out)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], "at least 2 scenarios; got 0"),
        (["{base}"], "at least 2 scenarios; got 1"),
        (["{base}", "no-such-scenario"], "no such file or library scenario"),
        (["{base}", "{bad}"], "bad.toml line 2: TOML syntax error"),
        (["{base}", "{unknown}"], "unknown.toml line 2: [purpose] priority: unknown parameter"),
        (["{base}", "{variant}", "--replicates", "0"], "--replicates must be at least 1"),
        (["{base}", "{variant}", "--workers", "0"], "--workers must be at least 1"),
        (["{base}", "{cut}", "--steps", "5"], "cut: timeline.step"),
    ],
)
def test_cli_compare_errors(
    args: list[str], expected: str, scenario_files: list[Path], tmp_path: Path
) -> None:
    (tmp_path / "bad.toml").write_text('name = "x"\nsteps = = 3\n', encoding="utf-8")
    (tmp_path / "unknown.toml").write_text("[purpose]\npriority = 3\n", encoding="utf-8")
    (tmp_path / "cut.toml").write_text(
        BASE + '\n[[timeline]]\nstep = 10\naction = "funding_cut"\n', encoding="utf-8"
    )
    paths = {
        "base": str(scenario_files[0]),
        "variant": str(scenario_files[1]),
        "bad": str(tmp_path / "bad.toml"),
        "unknown": str(tmp_path / "unknown.toml"),
        "cut": str(tmp_path / "cut.toml"),
    }
    out = tmp_path / "never"
    result = make_runner().invoke(
        app, ["compare", *(a.format(**paths) for a in args), "--out", str(out)]
    )
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert isinstance(result.exception, SystemExit)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("netsim: error: ")
    assert expected in lines[0]
    assert not out.exists()


def test_share_intervals_stay_within_zero_and_one() -> None:
    runs = pd.DataFrame(
        {
            "scenario": ["a"] * 3 + ["b"] * 3,
            "replicate": [0, 1, 2] * 2,
            "seed": [1, 2, 3] * 2,
            "final_adoption": [1.0, 1.0, 0.2, 0.0, 0.0, 0.9],
            "peak_members": [1.0, 1.0, 0.2, 0.0, 0.0, 0.9],
        }
    )
    table = intervals.outcome_table(runs).set_index(["scenario", "outcome"])
    assert table.loc[("a", "final_adoption"), "ci_high"] == 1.0
    assert table.loc[("b", "final_adoption"), "ci_low"] == 0.0
    assert table.loc[("a", "peak_members"), "ci_high"] > 1.0  # not a share: not truncated
    diff = intervals.difference_table(runs).set_index("outcome")
    assert diff.loc["final_adoption", "ci_low"] >= -1.0
    assert diff.loc["peak_members", "ci_low"] < -1.0
    steps = runs.rename(columns={"final_adoption": "active_share", "peak_members": "x"})
    bands = intervals.step_bands(steps.assign(step=0), columns=["active_share", "x"])
    assert (
        bands["ci_low"].min() < 0
        and bands.set_index("column").loc["active_share"]["ci_low"].min() >= 0
    )
