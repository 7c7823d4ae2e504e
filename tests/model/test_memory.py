"""The large-world memory policy (src/netsim/model/memory.py)."""

from __future__ import annotations

import platform

import numpy as np
import pytest

from netsim import Parameters
from netsim.model import memory, population


def test_keep_freed_memory_is_taken_by_glibc_once_per_process() -> None:
    first = memory.keep_freed_memory()
    assert memory.keep_freed_memory() is first
    if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
        assert first is True


def test_only_a_large_world_sets_the_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    monkeypatch.setattr(memory, "keep_freed_memory", lambda: calls.append(1) or True)
    monkeypatch.setattr(memory, "LARGE_WORLD", 300)
    population.build_world(Parameters(eligible_population=299), np.random.default_rng(1))
    assert calls == []
    population.build_world(Parameters(eligible_population=300), np.random.default_rng(1))
    assert calls == [1]
