"""The local engine: chunked runs give the runs' own results, and a dying worker costs one run."""

from __future__ import annotations

import os
from collections import Counter

import pytest

from netsim.batch.engines import (
    MAX_CHUNK,
    LocalEngine,
    RunTask,
    SerialEngine,
    _execute_chunk,
    _RunTiming,
)
from netsim.config.parameters import Parameters
from netsim.results.files import json_safe

DOOMED_SEED = 13


def tasks(count: int) -> list[RunTask]:
    params = Parameters(eligible_population=40, founding_core=5, steps=4)
    return [RunTask(params, seed, {"replicate": seed}) for seed in range(count)]


def crash_on_doomed_seed(chunk: list[RunTask]) -> list:
    """A worker that dies (no exception, the process ends) on a chunk holding the doomed run."""
    if any(task.seed == DOOMED_SEED for task in chunk):
        os._exit(3)
    return _execute_chunk(chunk)


def test_chunk_size_follows_the_mean_run_length() -> None:
    timing = _RunTiming(0.05)
    assert timing.chunk_size() == 1  # nothing known yet: one at a time
    for _ in range(4):
        timing.add(0.01)
    assert timing.chunk_size() == 5
    timing.add(2.0)  # long runs: never less than one
    assert timing.chunk_size() == 1
    quick = _RunTiming(0.05)
    quick.add(0.0)  # zero-length runs: capped
    assert quick.chunk_size() == MAX_CHUNK


def test_chunked_runs_match_the_same_runs_one_by_one() -> None:
    batch = tasks(30)
    serial = {o.task.run_id: o for o in SerialEngine().stream(batch)}
    # 10 s of work per chunk: after the first run every chunk is as big as allowed
    engine = LocalEngine(2, chunk_seconds=10.0)
    chunked = [o for o in engine.stream(batch) if o is not None]
    assert Counter(o.task.run_id for o in chunked) == Counter(list(serial))  # each once
    for outcome in chunked:
        assert outcome.ok, outcome.error
        # json_safe: NaN (a threshold never reached) compares equal as null
        assert json_safe(outcome.summary) == json_safe(serial[outcome.task.run_id].summary)


@pytest.mark.parametrize("chunk_seconds", [10.0, 0.0])
def test_a_dying_worker_costs_only_the_run_that_kills_it(chunk_seconds: float) -> None:
    batch = tasks(30)
    engine = LocalEngine(2, chunk_seconds=chunk_seconds, run_chunk=crash_on_doomed_seed)
    outcomes = [o for o in engine.stream(batch) if o is not None]
    assert Counter(o.task.seed for o in outcomes) == Counter(range(30))  # none lost, none twice
    failed = [o for o in outcomes if not o.ok]
    assert [o.task.seed for o in failed] == [DOOMED_SEED]
    assert "worker failure" in failed[0].error
