"""A run's results folder: the per-step table, the summary with provenance, its figures.

The folder holds ``steps.parquet`` and ``steps.csv`` (the per-step table),
``summary.json`` (the summary plus parameters, seed, package version, git commit
and the scenario text if any) and whatever finished images the caller hands over
(the CLI passes ``curves.png``). Every file is written atomically.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from netsim.api import RunResult
from netsim.results.files import atomic_write, atomic_write_text, json_safe, provenance, write_table


def write_run(
    result: RunResult,
    folder: Path,
    *,
    scenario_text: str | None = None,
    images: Mapping[str, bytes] | None = None,
) -> Path:
    """Write one run's results folder; returns the folder.

    ``images`` are finished files (name -> bytes, e.g. ``{"curves.png": ...}`` from
    :func:`netsim.present.plots.run_curves_png`): this layer writes, it never draws.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    write_table(result.table, folder, "steps")
    document = {
        "summary": result.summary,
        "parameters": result.parameters.to_dict(),
        "provenance": provenance(result.seed, scenario_text),
    }
    atomic_write_text(
        folder / "summary.json", json.dumps(json_safe(document), indent=2, sort_keys=False) + "\n"
    )
    for name, data in (images or {}).items():
        atomic_write(folder / name, partial(Path.write_bytes, data=data))
    return folder


def read_run(folder: Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Load a run folder back: (per-step table, summary document)."""
    folder = Path(folder)
    table = pd.read_parquet(folder / "steps.parquet")
    document = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    return table, document
