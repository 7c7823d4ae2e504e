"""The golden baseline's cases: which runs are hashed, and how a table is hashed.

A refactor must leave every per-step table bit-identical; a deliberate change
of results updates ``baseline.json`` in the same commit, with a line in the
commit message saying why (``python tests/golden/golden_cases.py --update``).

Cases: every library scenario and the embedded default at two seeds in both
record modes, plus the textbook contagion modes (simple, complex threshold,
SIR recovery), several ideas, and the refresh membership policy. Only the
public API (``netsim.run``) and the scenario loader are used, so the file
moves with nothing but those two.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

BASELINE = Path(__file__).with_name("baseline.json")
SEEDS = (1, 7)
RECORD_MODES = ("all", "summary")
#: Extra runs off the library: (name, overrides, steps). Each exercises a mode or
#: rule the library scenarios leave at its default.
VARIANTS: tuple[tuple[str, dict[str, Any], int | None], ...] = (
    ("contagion_simple", {"mode": "contagion"}, 60),
    (
        "contagion_complex",
        {"mode": "contagion", "contagion": "complex", "threshold_fraction": 0.25},
        60,
    ),
    ("contagion_sir", {"mode": "contagion", "recovery_probability": 0.1}, 60),
    ("social_three_ideas", {"ideas": 3}, 104),
    ("social_complex", {"contagion": "complex"}, 104),
    ("social_refresh", {"membership_policy": "refresh"}, 104),
    ("social_3000_members", {"eligible_population": 3000}, 52),
)


def table_digest(table: pd.DataFrame) -> str:
    """SHA-256 over column names, dtypes and the raw bytes of every column.

    Raw bytes, not printed values: -0.0 and 0.0 differ, as do NaN payloads, so
    the hash is as strict as ``np.array_equal`` on the bits.
    """
    digest = hashlib.sha256()
    digest.update(repr(list(table.columns)).encode())
    digest.update(str(len(table)).encode())
    for name in table.columns:
        column = table[name]
        digest.update(f"{name}:{column.dtype}".encode())
        values = column.to_numpy()
        if values.dtype == object:
            digest.update(repr(values.tolist()).encode())
        else:
            digest.update(np.ascontiguousarray(values).tobytes())
    return digest.hexdigest()


def summary_digest(summary: dict[str, Any]) -> str:
    """SHA-256 of the summary's items, floats by their exact hex form."""

    def exact(value: Any) -> Any:
        if isinstance(value, float | np.floating):
            return float(value).hex()
        if isinstance(value, np.integer | np.bool_):
            return value.item()
        return value

    items = sorted((str(k), repr(exact(v))) for k, v in summary.items())
    return hashlib.sha256(repr(items).encode()).hexdigest()


def cases() -> Iterator[tuple[str, Any, int | None, int, str]]:
    """(case id, parameters, steps, seed, record mode) for every hashed run."""
    from netsim.config.scenarios import default_scenario, library

    scenarios = [default_scenario(), *library()]
    for scenario in scenarios:
        key = scenario.path.stem if scenario.path else "default"
        for seed in SEEDS:
            for record in RECORD_MODES:
                yield f"{key}/seed{seed}/{record}", scenario.parameters, None, seed, record
    base = default_scenario().parameters
    for name, overrides, steps in VARIANTS:
        params = base.replace(**overrides)
        for record in RECORD_MODES:
            yield f"{name}/seed1/{record}", params, steps, 1, record


def compute(case: tuple[str, Any, int | None, int, str]) -> dict[str, str]:
    """The table and summary digests of one case."""
    import netsim

    _, params, steps, seed, record = case
    result = netsim.run(params, seed=seed, steps=steps, record=record)
    return {"table": table_digest(result.table), "summary": summary_digest(result.summary)}


def load() -> dict[str, dict[str, str]]:
    return json.loads(BASELINE.read_text())["cases"]


def update() -> None:
    """Recompute every digest and write ``baseline.json`` (atomically)."""
    import platform

    import numpy

    found = {case[0]: compute(case) for case in cases()}
    document = {
        "about": "Golden baseline: SHA-256 of per-step tables and summaries. Regenerate with "
        "`python tests/golden/golden_cases.py --update` only for a deliberate change of results, "
        "and say why in the commit message.",
        "made_with": {"python": platform.python_version(), "numpy": numpy.__version__},
        "cases": found,
    }
    tmp = BASELINE.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n")
    tmp.replace(BASELINE)
    print(f"wrote {len(found)} cases to {BASELINE}")


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        sys.exit("usage: python tests/golden/golden_cases.py --update")
    update()
