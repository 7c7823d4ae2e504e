"""Every hashed run still gives the per-step table and summary it gave when the
baseline was taken: the proof that a refactor changed no result, bit for bit.

A deliberate change of results regenerates ``baseline.json`` with
``python tests/golden/golden_cases.py --update`` in the same commit, and says why.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parent))
import golden_cases as golden

BASELINE = golden.load()
CASES = {case[0]: case for case in golden.cases()}


def test_the_baseline_covers_exactly_the_cases_defined() -> None:
    assert set(BASELINE) == set(CASES)


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_run_matches_the_golden_baseline(case_id: str) -> None:
    found = golden.compute(CASES[case_id])
    assert found == BASELINE[case_id], (
        f"{case_id} changed; if on purpose, run `python tests/golden/golden_cases.py --update` "
        "and say why in the commit message"
    )


def test_the_digest_sees_a_one_bit_change() -> None:
    table = pd.DataFrame({"a": [0.0, 1.0], "b": [1, 2]})
    flipped = table.copy()
    flipped.loc[0, "a"] = -0.0
    assert golden.table_digest(table) != golden.table_digest(flipped)
    assert golden.table_digest(table) == golden.table_digest(table.copy())
