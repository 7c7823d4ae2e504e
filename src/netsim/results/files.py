"""Write and read results folders: tables, summary with provenance, figures.

Every file is written to a temporary name in the same folder and renamed into
place, so a crash never leaves a half-written file behind. Provenance (package
version, git commit, seed, scenario text) goes into every results document.
"""

from __future__ import annotations

import math
import os
import subprocess
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from netsim.version import __version__


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


def atomic_write(path: Path, write: Callable[[Path], object]) -> None:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it into place.

    ``write``'s return value is ignored (``Path.write_text`` returns a count).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; results are for sharing
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    atomic_write(path, lambda tmp: tmp.write_bytes(data))


def _git(*args: str) -> str | None:
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(
            ["git", "-C", str(here), *args], capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def git_commit() -> str | None:
    """The netsim source tree's git commit, if it is a git checkout (else None)."""
    return _git("rev-parse", "HEAD") or None


def git_dirty() -> bool | None:
    """Whether the source tree has uncommitted changes to tracked files (None if unknown)."""
    status = _git("status", "--porcelain", "--untracked-files=no")
    return None if status is None else bool(status)


def provenance(seed: int | None = None, scenario_text: str | None = None) -> dict[str, Any]:
    """Where a result came from: package version, git commit, time, seed, scenario text."""
    return {
        "netsim_version": __version__,
        "git_commit": git_commit(),
        "git_dirty": git_dirty(),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "seed": seed,
        "scenario_text": scenario_text,
    }


@dataclass(frozen=True)
class Provenance:
    """:func:`provenance` as read back from a results document (every field may be null)."""

    netsim_version: str | None = None
    git_commit: str | None = None
    git_dirty: bool | None = None
    created: str | None = None
    """When the result was made (ISO 8601, UTC, seconds)."""
    seed: int | None = None
    scenario_text: str | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Provenance:
        """Check the types; a ValueError names the field (``seed must be ...``)."""
        kinds: dict[str, tuple[type, ...]] = {
            "netsim_version": (str,),
            "git_commit": (str,),
            "git_dirty": (bool,),
            "created": (str,),
            "seed": (int,),
            "scenario_text": (str,),
        }
        values = {}
        for name, kind in kinds.items():
            value = data.get(name)
            wrong = value is not None and (
                not isinstance(value, kind) or (kind == (int,) and isinstance(value, bool))
            )
            if wrong:
                raise ValueError(f"{name} must be a {kind[0].__name__} or null; got {value!r:.60}")
            values[name] = value
        return cls(**values)

    def to_json(self) -> dict[str, Any]:
        """The dict :func:`provenance` makes, keys in its order."""
        return {
            "netsim_version": self.netsim_version,
            "git_commit": self.git_commit,
            "git_dirty": self.git_dirty,
            "created": self.created,
            "seed": self.seed,
            "scenario_text": self.scenario_text,
        }


def json_safe(value: Any) -> Any:
    """``value`` made writable by :func:`json.dumps` as standard JSON, recursively.

    A NaN float (Python or ``numpy.float64``) becomes ``None`` (``null``: JSON has no NaN),
    dicts keep their keys, lists and tuples become lists, and other numpy scalars become
    the Python number, bool or string ``.item()`` gives; anything else is returned as it is.
    Used for ``summary.json`` and the validation report's JSON.
    """
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if hasattr(value, "item"):
        return value.item()
    return value


def write_table(table: pd.DataFrame, folder: Path, stem: str) -> None:
    """Write a table as Parquet and CSV, atomically."""
    atomic_write(folder / f"{stem}.parquet", lambda tmp: table.to_parquet(tmp, index=False))
    atomic_write(folder / f"{stem}.csv", lambda tmp: table.to_csv(tmp, index=False))


def unique_folder(root: Path, prefix: str, suffix: str = "") -> Path:
    """root/<prefix>-YYYYmmdd-HHMMSS<suffix>, with -2, -3... added if that is taken."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    base = Path(root) / f"{prefix}-{stamp}{suffix}"
    folder = base
    k = 1
    while folder.exists():
        k += 1
        folder = base.with_name(f"{base.name}-{k}")
    return folder
