"""A policy search's store of evaluated runs: append-only, atomic, read back whole on resume.

``OUT/evaluations/`` holds ``search.json`` (what the stored runs depend on: the search's
fingerprint, see :meth:`netsim.config.policy_search.PolicySearch.fingerprint`) and one
Parquet file per batch of finished runs, ``batch-00001.parquet``, ``batch-00002.parquet``,
... Each is written to a temporary name and renamed into place, so an interrupted search
leaves only whole batches; a resumed one reads them all and reruns nothing stored.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from netsim.errors import NetsimError
from netsim.results.files import atomic_write, atomic_write_text

STORE_FORMAT = "netsim-policy-store/1"


class PolicyStoreError(NetsimError, ValueError):
    """A store that cannot be used as asked (another search's, or unreadable): one line."""


class EvaluationStore:
    """The evaluated runs of one policy search, under ``folder/evaluations``."""

    def __init__(self, folder: Path) -> None:
        self.root = Path(folder) / "evaluations"
        self.meta_file = self.root / "search.json"

    def batches(self) -> list[Path]:
        """The batch files in the order written."""
        return sorted(self.root.glob("batch-*.parquet")) if self.root.is_dir() else []

    def exists(self) -> bool:
        return self.meta_file.exists() or bool(self.batches())

    def fingerprint(self) -> str | None:
        """The fingerprint the store was made for (None: no store yet)."""
        if not self.meta_file.exists():
            return None
        try:
            data = json.loads(self.meta_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise PolicyStoreError(f"{self.meta_file}: unreadable ({err})") from None
        if not isinstance(data, dict) or data.get("format") != STORE_FORMAT:
            raise PolicyStoreError(f"{self.meta_file}: not a {STORE_FORMAT} store")
        value = data.get("fingerprint")
        if not isinstance(value, str):
            raise PolicyStoreError(f"{self.meta_file}: fingerprint must be text")
        return value

    def start(self, fingerprint: str, name: str) -> None:
        """Make an empty store for the search with this fingerprint (removing old batches)."""
        for batch in self.batches():
            batch.unlink()
        document = {"format": STORE_FORMAT, "fingerprint": fingerprint, "search": name}
        atomic_write_text(self.meta_file, json.dumps(document, indent=2) + "\n")

    def rows(self) -> pd.DataFrame:
        """Every stored run, in the order written (empty frame if none)."""
        parts = []
        for batch in self.batches():
            try:
                parts.append(pd.read_parquet(batch))
            except (OSError, ValueError) as err:
                raise PolicyStoreError(f"{batch}: unreadable ({err})") from None
        if not parts:
            return pd.DataFrame()
        return pd.concat(parts, ignore_index=True)

    def append(self, rows: pd.DataFrame) -> Path | None:
        """Write ``rows`` as the next batch, atomically; None if there were none."""
        if rows.empty:
            return None
        batches = self.batches()
        number = int(batches[-1].stem.split("-")[1]) + 1 if batches else 1
        path = self.root / f"batch-{number:05d}.parquet"
        atomic_write(path, lambda tmp: rows.to_parquet(tmp, index=False))
        return path
