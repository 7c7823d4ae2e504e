"""A run's results folder: the per-step table, the summary with provenance, its figures.

The folder holds ``steps.parquet`` and ``steps.csv`` (the per-step table),
``summary.json`` (the summary plus parameters, seed, package version, git commit
and the scenario text if any) and whatever finished images the caller hands over
(the CLI passes ``curves.png``). Every file is written atomically.

:func:`write_run` writes it; :class:`RunFolder` is the one reader (the summary document
typed as :class:`RunDocument`, checked once, one-line :class:`RunFolderError`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from netsim.api import RunResult
from netsim.errors import NetsimError
from netsim.results.files import (
    Provenance,
    atomic_write_bytes,
    atomic_write_text,
    json_safe,
    provenance,
    write_table,
)

SUMMARY_FILE = "summary.json"
STEPS_STEM = "steps"
"""The per-step table's file stem: ``steps.parquet`` and ``steps.csv``."""


class RunFolderError(NetsimError, ValueError):
    """A run folder (or its summary document) cannot be read as one (one-line message)."""


@dataclass(frozen=True)
class RunDocument:
    """``summary.json``: the run's summary, its parameters and where it came from."""

    summary: Mapping[str, Any]
    parameters: Mapping[str, Any]
    """``Parameters.to_dict()`` of the run (what a replay rebuilds it from)."""
    provenance: Provenance
    contacts: Mapping[str, int] | None = None
    """Acquaintance pairs at the start, from the network file and generated (None in
    folders written before netsim recorded it)."""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "summary": dict(self.summary),
            "parameters": dict(self.parameters),
        }
        if self.contacts is not None:
            out["contacts"] = dict(self.contacts)
        out["provenance"] = self.provenance.to_json()
        return out

    @classmethod
    def from_json(cls, data: Any, source: str = SUMMARY_FILE) -> RunDocument:
        """Parse and check the document; RunFolderError names ``source`` and the field."""
        if not isinstance(data, dict):
            raise RunFolderError(f"{source}: is not a JSON object")
        for key in ("summary", "parameters", "provenance"):
            if not isinstance(data.get(key), dict):
                raise RunFolderError(f"{source}: has no {key!r} object")
        try:
            origin = Provenance.from_json(data["provenance"])
        except ValueError as err:
            raise RunFolderError(f"{source}: provenance.{err}") from None
        contacts = data.get("contacts")
        return cls(
            data["summary"],
            data["parameters"],
            origin,
            contacts=contacts if isinstance(contacts, dict) else None,
        )


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
    write_table(result.table, folder, STEPS_STEM)
    document = RunDocument(
        result.summary,
        result.parameters.to_dict(),
        Provenance(**provenance(result.seed, scenario_text)),
        contacts=result.model.contact_sources,
    )
    text = json.dumps(json_safe(document.to_json()), indent=2, sort_keys=False) + "\n"
    atomic_write_text(RunFolder(folder).summary_path, text)
    for name, data in (images or {}).items():
        atomic_write_bytes(folder / name, data)
    return folder


class RunFolder:
    """One ``netsim run`` results folder on disk, and the one reader of it."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"RunFolder({str(self.path)!r})"

    @property
    def summary_path(self) -> Path:
        return self.path / SUMMARY_FILE

    @property
    def steps_path(self) -> Path:
        return self.path / f"{STEPS_STEM}.parquet"

    def exists(self) -> bool:
        """The folder holds a run (its summary and its per-step table)."""
        return self.summary_path.is_file() and self.steps_path.is_file()

    @cached_property
    def document(self) -> RunDocument:
        """The summary document, parsed and checked once (RunFolderError if it cannot be)."""
        path = self.summary_path
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            message = " ".join(str(getattr(err, "strerror", None) or err).split())
            raise RunFolderError(f"{path}: cannot be read: {message}") from None
        return RunDocument.from_json(data, str(path))

    def steps(self) -> pd.DataFrame:
        """The per-step table, as written."""
        try:
            return pd.read_parquet(self.steps_path)
        except (OSError, ValueError) as err:
            message = " ".join(str(err).split())
            raise RunFolderError(f"{self.steps_path}: cannot be read: {message}") from None


def read_run(folder: Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Load a run folder back: (per-step table, summary document as JSON data)."""
    run = RunFolder(folder)
    return run.steps(), run.document.to_json()
