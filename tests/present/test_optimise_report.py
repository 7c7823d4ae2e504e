"""The policy search's folder (src/netsim/present/optimise_report.py): front points as scenario
files that load back to the policy, user text escaped in every medium, the answer stated."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from netsim.analysis.policy_front import estimate_policies
from netsim.batch.optimise import SearchResult
from netsim.config.outcomes import BOOLEAN_OUTCOMES
from netsim.config.policy_search import PolicySearch, load_policy_search, policy_key
from netsim.config.scenarios import load_scenario
from netsim.present.optimise_report import write_optimise

NAME = "x\x1b[31m <b>|bold|</b> $a$"


def search(tmp_path: Path, at_most: float) -> PolicySearch:
    path = tmp_path / "policy.toml"
    path.write_text(
        f'name = "x\\u001b[31m <b>|bold|</b> $a$"\nscenario = "funding_cliff"\nreplicates = 2\n'
        f'target = {{ outcome = "fizzled_out", at_most = {at_most} }}\n'
        "[set]\neligible_population = 80\n"
        "[levers]\nstartup_weeks = { low = 0, high = 60, cost = 1.0 }\n"
        "sustained_funding = { low = 0.0, high = 0.6, cost = 100.0, fixed = 3.0 }\n"
        "[conditions]\ninitial_trust = [0.3, 0.6]\n",
        encoding="utf-8",
    )
    return load_policy_search(path)


def result(search: PolicySearch, dear_fizzles: bool = False) -> SearchResult:
    """Three policies: cheap and failing, middling, dear and never fizzling (or once)."""
    plan = [
        ({"startup_weeks": 4, "sustained_funding": 0.0}, [True, True, True, False]),
        ({"startup_weeks": 30, "sustained_funding": 0.1}, [True, False, False, False]),
        ({"startup_weeks": 60, "sustained_funding": 0.5}, [dear_fizzles] + [False] * 3),
    ]
    rows = []
    for policy, fizzles in plan:
        for k in range(4):
            flags = dict.fromkeys(BOOLEAN_OUTCOMES, False) | {"fizzled_out": fizzles[k]}
            rows.append(
                {"policy": policy_key(policy), **policy, "condition": k // 2, "replicate": k % 2}
                | flags
            )
    table = estimate_policies(pd.DataFrame(rows), search)
    return SearchResult(search, table, runs=12, reused=0, seconds=1.0, engine="stub")


def test_front_points_are_scenario_files_of_their_policies(tmp_path: Path) -> None:
    found = result(search(tmp_path, 0.3))
    files = write_optimise(found, tmp_path / "out")
    front = pd.read_csv(tmp_path / "out" / "front.csv")
    assert list(front["point"]) == [1, 2, 3] and list(front["cost"]) == sorted(front["cost"])
    for _, row in front.iterrows():
        assert row["scenario_file"] in files
        scenario = load_scenario(tmp_path / "out" / row["scenario_file"])
        assert scenario.parameters.startup_weeks == row["startup_weeks"]
        assert scenario.parameters.sustained_funding == row["sustained_funding"]
        assert scenario.parameters.eligible_population == 80
        assert scenario.name.startswith(NAME)  # the name survives YAML's escaping
    answer = json.loads((tmp_path / "out" / "answer.json").read_text(encoding="utf-8"))
    cheapest = answer["cheapest_meeting_target"]
    assert (cheapest["startup_weeks"], cheapest["successes"], cheapest["runs"]) == (30, 1, 4)
    assert cheapest["cost"] == 30 + 100 * 0.1 + 3.0


def test_user_text_is_escaped_in_the_report(tmp_path: Path) -> None:
    write_optimise(result(search(tmp_path, 0.3)), tmp_path / "out")
    markdown = (tmp_path / "out" / "optimise.md").read_text(encoding="utf-8")
    html = (tmp_path / "out" / "optimise.html").read_text(encoding="utf-8")
    assert "\x1b" not in markdown and "\\x1b" in markdown and "\\<b\\>\\|bold\\|" in markdown
    assert "<b>" not in html and "&lt;b&gt;|bold|&lt;/b&gt;" in html
    assert "Cheapest policy meeting P(fizzle-out) \\<= 30%" in markdown
    assert (tmp_path / "out" / "pareto.png").read_bytes().startswith(b"\x89PNG")


def test_no_policy_meeting_the_target_is_the_report_s_answer(tmp_path: Path) -> None:
    write_optimise(result(search(tmp_path, 0.1), dear_fizzles=True), tmp_path / "out")
    markdown = (tmp_path / "out" / "optimise.md").read_text(encoding="utf-8")
    answer = json.loads((tmp_path / "out" / "answer.json").read_text(encoding="utf-8"))
    assert answer["cheapest_meeting_target"] is None
    assert answer["best_found"]["startup_weeks"] == 30  # 25% like the dearer one, cheaper
    assert "No evaluated policy meets" in markdown and "the best found" in markdown
