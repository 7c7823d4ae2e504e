"""The engines: chunked local runs give the runs' own results, a dying worker costs one run,
and the engine a user asks for is checked before anything runs."""

from __future__ import annotations

import os
from collections import Counter

import pytest

from netsim.batch.engines import (
    MAX_CHUNK,
    DaskEngine,
    EngineChoice,
    EngineError,
    LocalEngine,
    RunTask,
    SerialEngine,
    _execute_chunk,
    _RunTiming,
    default_workers,
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


def worker_pids(chunk: list[RunTask]) -> list:
    """Each run answered with its worker's pid as its error (what worker ran it)."""
    return [(None, None, str(os.getpid()), 0.0) for _ in chunk]


def test_inside_with_the_workers_of_one_stream_serve_the_next() -> None:
    engine = LocalEngine(2, run_chunk=worker_pids)

    def pids() -> set[str]:
        return {o.error or "" for o in engine.stream(tasks(6)) if o is not None}

    alone = pids()
    with engine:
        first, second = pids(), pids()
        assert second <= first  # the same processes
    assert not first & alone and not pids() & first  # outside the block: new workers each time


@pytest.mark.parametrize("chunk_seconds", [10.0, 0.0])
def test_a_dying_worker_costs_only_the_run_that_kills_it(chunk_seconds: float) -> None:
    batch = tasks(30)
    engine = LocalEngine(2, chunk_seconds=chunk_seconds, run_chunk=crash_on_doomed_seed)
    outcomes = [o for o in engine.stream(batch) if o is not None]
    assert Counter(o.task.seed for o in outcomes) == Counter(range(30))  # none lost, none twice
    failed = [o for o in outcomes if not o.ok]
    assert [o.task.seed for o in failed] == [DOOMED_SEED]
    assert "worker failure" in failed[0].error


# --- the engine a user asks for ------------------------------------------------------------


@pytest.mark.parametrize(
    ("asked", "message"),
    [
        ({"workers": 0}, "--workers must be at least 1; got 0"),
        ({"workers": -3}, "--workers must be at least 1; got -3"),
        ({"serial": True, "workers": 2}, "choose one of --serial, --workers N and --scheduler"),
        ({"serial": True, "scheduler": "tcp://h:8786"}, "choose one of --serial"),
        ({"workers": 2, "scheduler": "tcp://h:8786"}, "choose one of --serial"),
    ],
)
def test_a_bad_engine_choice_is_refused_when_made(asked: dict, message: str) -> None:
    with pytest.raises(EngineError) as raised:
        EngineChoice(**asked)
    assert str(raised.value).startswith(message)
    assert "\n" not in str(raised.value)


def test_the_engine_chosen_is_the_one_asked_for() -> None:
    with EngineChoice(serial=True).engine(runs=10) as engine:
        assert isinstance(engine, SerialEngine)
    with EngineChoice(workers=3).engine(runs=10) as engine:
        assert isinstance(engine, LocalEngine) and engine.workers == 3


def test_local_workers_default_to_the_cores_but_no_more_than_the_runs() -> None:
    with EngineChoice().engine(runs=1) as engine:
        assert isinstance(engine, LocalEngine) and engine.workers == 1
    with EngineChoice().engine(runs=10_000) as engine:
        assert isinstance(engine, LocalEngine) and engine.workers == default_workers()


def test_an_unreachable_scheduler_is_one_engine_error_before_any_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(DaskEngine, "connect_timeout", 1.0)
    entered = False
    chosen = EngineChoice(scheduler="tcp://127.0.0.1:9")
    with pytest.raises(EngineError) as raised, chosen.engine(runs=4):
        entered = True
    assert not entered
    assert str(raised.value).startswith(
        "cannot connect to the Dask scheduler at tcp://127.0.0.1:9: "
    )
    assert "\n" not in str(raised.value)


# --- chunks on a Dask cluster ---------------------------------------------------------------


def chunk_lengths(chunk: list[RunTask]) -> list:
    """Each run answered with the length of the chunk it came in, as its error."""
    return [(None, None, str(len(chunk)), 0.0) for _ in chunk]


def fail_on_doomed_seed(chunk: list[RunTask]) -> list:
    """A chunk holding the doomed run is lost (as a killed worker's would be)."""
    if any(task.seed == DOOMED_SEED for task in chunk):
        raise RuntimeError("worker lost")
    return _execute_chunk(chunk)


@pytest.fixture(scope="module")
def dask_address():  # type: ignore[no-untyped-def]
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        yield cluster.scheduler_address


def test_dask_runs_short_runs_in_chunks_with_their_own_results(dask_address: str) -> None:
    batch = tasks(30)
    serial = {o.task.run_id: o for o in SerialEngine().stream(batch)}
    with DaskEngine(dask_address, chunk_seconds=10.0) as engine:
        chunked = [o for o in engine.stream(batch) if o is not None]
    assert Counter(o.task.run_id for o in chunked) == Counter(list(serial))
    for outcome in chunked:
        assert json_safe(outcome.summary) == json_safe(serial[outcome.task.run_id].summary)
    with DaskEngine(dask_address, chunk_seconds=10.0, run_chunk=chunk_lengths) as engine:
        lengths = [int(o.error or 0) for o in engine.stream(batch) if o is not None]
    assert lengths[0] == 1 and max(lengths) > 1  # one at a time until the length is known


def test_a_lost_dask_chunk_costs_only_the_run_that_loses_it(dask_address: str) -> None:
    with DaskEngine(dask_address, chunk_seconds=10.0, run_chunk=fail_on_doomed_seed) as engine:
        outcomes = [o for o in engine.stream(tasks(30)) if o is not None]
    assert Counter(o.task.seed for o in outcomes) == Counter(range(30))
    failed = [o for o in outcomes if not o.ok]
    assert [o.task.seed for o in failed] == [DOOMED_SEED]
    assert "worker lost" in (failed[0].error or "")
