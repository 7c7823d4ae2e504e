"""The policy search's store (src/netsim/results/policy_store.py): batches append in order,
read back whole, and a store of another format or fingerprint is told apart."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from netsim.results.policy_store import EvaluationStore, PolicyStoreError


def test_batches_append_in_order_and_read_back_whole(tmp_path: Path) -> None:
    store = EvaluationStore(tmp_path)
    assert not store.exists() and store.fingerprint() is None and store.rows().empty
    store.start("abc", "a search")
    assert store.exists() and store.fingerprint() == "abc"
    assert store.append(pd.DataFrame()) is None
    first = store.append(pd.DataFrame({"policy": ["p", "p"], "replicate": [0, 1]}))
    second = store.append(pd.DataFrame({"policy": ["q"], "replicate": [0]}))
    assert first is not None and second is not None
    assert [p.name for p in store.batches()] == ["batch-00001.parquet", "batch-00002.parquet"]
    assert store.rows().to_dict("list") == {"policy": ["p", "p", "q"], "replicate": [0, 1, 0]}
    assert not list(store.root.glob(".*.tmp"))  # written atomically: no temporary left
    store.start("def", "afresh")
    assert store.rows().empty and store.fingerprint() == "def"


def test_a_store_of_another_kind_is_refused_in_one_line(tmp_path: Path) -> None:
    store = EvaluationStore(tmp_path)
    store.root.mkdir(parents=True)
    store.meta_file.write_text('{"format": "something-else/1"}', encoding="utf-8")
    with pytest.raises(PolicyStoreError, match="not a netsim-policy-store/1 store"):
        store.fingerprint()
    store.meta_file.write_text("{not json", encoding="utf-8")
    with pytest.raises(PolicyStoreError, match="unreadable"):
        store.fingerprint()
